"""Food batches of the food store (食品仓库): what a receiving inspection accepted.

The foundation the other canteen areas read: pesticide tests block a batch, the menu's
purchase list and the traceability report follow batches to their supplier and receiving
record. The supply area (``houqin.canteen.supply_services``) creates batches and moves
their stock; ``batch_block`` (``houqin.canteen.store_services``) is the one way to block one.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = ["FoodBatch"]


class FoodBatch(PinyinSearchMixin, CampusOwned):
    class Status(models.TextChoices):
        IN_STOCK = "in_stock", _("In stock")
        USED_UP = "used_up", _("Used up")
        DISPOSED = "disposed", _("Disposed")

    number = models.CharField(_("batch number"), max_length=30)
    name = models.CharField(_("name"), max_length=80)
    ingredient = models.ForeignKey(
        "canteen.Ingredient", verbose_name=_("ingredient"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="batches",
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="food_batches"
    )
    spec = models.CharField(_("specification"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="kg")
    quantity_received = models.DecimalField(
        _("quantity received"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    quantity_on_hand = models.DecimalField(_("quantity on hand"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=10, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    received_on = models.DateField(_("received on"))
    production_date = models.DateField(_("production date"), null=True, blank=True)
    batch_no = models.CharField(_("production batch"), max_length=40, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    best_before = models.DateField(_("best before"), null=True, blank=True)
    location = models.CharField(_("storage place"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_STOCK)
    is_blocked = models.BooleanField(_("blocked"), default=False)
    blocked_reason = models.CharField(_("reason blocked"), max_length=200, blank=True)
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    blocked_by = user_fk(_("blocked by"))

    pinyin_source_field = "name"

    class Meta:
        verbose_name = _("food batch")
        verbose_name_plural = _("food batches")
        ordering = ["best_before", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "number"], name="canteen_batch_unique_number"),
            models.CheckConstraint(condition=models.Q(quantity_on_hand__gte=0), name="canteen_batch_on_hand_gte_0"),
        ]
        indexes = [models.Index(fields=["campus", "status", "best_before"])]

    def __str__(self):
        return f"{self.number} {self.name}"

    def clean(self):
        if self.supplier_id and self.campus_id and self.supplier.campus_id != self.campus_id:
            raise ValidationError({"supplier": _("The supplier belongs to another campus.")})
        if self.production_date and self.shelf_life_days and not self.best_before:
            self.best_before = self.production_date + dt.timedelta(days=self.shelf_life_days)

    def is_expired(self, on_date):
        return bool(self.best_before and self.best_before < on_date)
