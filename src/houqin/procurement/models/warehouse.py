"""The warehouse (库房): items, locations, the stock ledger, balances, requisitions, counts.

The stock ledger (:class:`StockMove`) is append-only: a move is never edited or deleted;
a mistake is corrected by a reversing move (``kind=reversal``, ``reverses`` → the move it
cancels) or an adjustment with a reason. :class:`StockBalance` (item × location) is the
running total the services in :mod:`houqin.procurement.warehouse_services` maintain in the
same transaction as each move, with the balance row locked (``SELECT … FOR UPDATE``), so
the sum of the ledger always equals the balance and a balance never goes below zero.

Valuation is the moving average per item × location: a receipt adds its value, every
outgoing move takes the balance's current average cost (value ÷ quantity), and the move
that empties a balance takes exactly the value left, so no rounding dust stays behind.
"""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = [
    "Item",
    "ItemCategory",
    "Requisition",
    "RequisitionLine",
    "StockBalance",
    "StockCount",
    "StockCountLine",
    "StockLocation",
    "StockMove",
]

ZERO = Decimal("0")
QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}


def _same_campus(errors, obj, field, label=None):
    target = getattr(obj, field, None) if getattr(obj, f"{field}_id", None) else None
    if target is not None and obj.campus_id and target.campus_id != obj.campus_id:
        errors[field] = label or _("This belongs to another campus.")


class ItemCategory(PinyinSearchMixin, CampusOwned):
    """A kind of goods kept in the warehouse (清洁用品, 办公用品, 教玩具, 消毒用品…)."""

    name = models.CharField(_("name"), max_length=60)
    needs_approval = models.BooleanField(
        _("requisitions need approval"),
        default=False,
        help_text=_(
            "Requisitions of these items go through the approval flow before the keeper issues them."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item category")
        verbose_name_plural = _("item categories")
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="procurement_itemcategory_unique_name"),
        ]

    def __str__(self):
        return self.name


class StockLocation(PinyinSearchMixin, CampusOwned):
    """A place where stock is kept: a storeroom, a cabinet (总务仓库, 消毒用品柜)."""

    name = models.CharField(_("name"), max_length=60)
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    keeper = user_fk(_("keeper"))
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="procurement_stocklocation_unique_name"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        _same_campus(errors, self, "room", _("The room belongs to another campus."))
        if errors:
            raise ValidationError(errors)


class Item(PinyinSearchMixin, CampusOwned):
    """A stocked article (物品): consumable or exchanged old-for-new (以旧换新)."""

    name = models.CharField(_("name"), max_length=80)
    spec = models.CharField(_("specification"), max_length=80, blank=True)
    unit = models.CharField(_("unit"), max_length=10, help_text=_("e.g. 瓶, 包, 个, 盒."))
    category = models.ForeignKey(
        ItemCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="items"
    )
    is_consumable = models.BooleanField(
        _("consumable"),
        default=True,
        help_text=_(
            "Non-consumable items are only issued old-for-new (以旧换新): the old one is handed back first."
        ),
    )
    is_hazardous = models.BooleanField(
        _("hazardous"),
        default=False,
        help_text=_(
            "Flammable, explosive, toxic or disinfecting goods: kept by a named keeper, issued in limited quantities."
        ),
    )
    keeper = user_fk(
        _("keeper"), help_text=_("For hazardous goods only this person may issue them (专人保管).")
    )
    per_issue_limit = models.DecimalField(
        _("limit per issue"),
        **QTY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text=_("The most that may be issued at once (限量发放)."),
    )
    reorder_level = models.DecimalField(
        _("reorder level"),
        **QTY,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text=_("Alert when the total stock falls to this level; 0 never alerts."),
    )
    reorder_quantity = models.DecimalField(
        _("reorder quantity"),
        **QTY,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text=_("How much to order when the stock is low."),
    )
    default_location = models.ForeignKey(
        StockLocation,
        verbose_name=_("default location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Set when the keeper was told the item fell to its reorder level; cleared when the
    # stock rises above it again, so the alert is sent once per crossing, not every day.
    reorder_alerted_at = models.DateTimeField(
        _("reorder alert sent at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category__sort_order", "name", "spec"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "name", "spec"], name="procurement_item_unique_name_spec"
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.spec}）" if self.spec else self.name

    def clean(self):
        errors = {}
        _same_campus(errors, self, "category", _("The category belongs to another campus."))
        _same_campus(errors, self, "default_location", _("The location belongs to another campus."))
        if self.is_hazardous:
            if not self.keeper_id:
                errors["keeper"] = _("Hazardous goods need a named keeper (专人保管).")
            if not self.per_issue_limit:
                errors["per_issue_limit"] = _("Hazardous goods need a limit per issue (限量发放).")
        if self.keeper_id and self.campus_id:
            from houqin.core.models import Membership

            if not Membership.objects.filter(
                user_id=self.keeper_id, campus_id=self.campus_id, is_active=True
            ).exists():
                errors["keeper"] = _("The keeper is not a member of this campus.")
        if errors:
            raise ValidationError(errors)


class StockBalance(CampusOwned):
    """The quantity and value of one item at one location (kept by the services)."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="balances")
    location = models.ForeignKey(
        StockLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balances"
    )
    quantity = models.DecimalField(_("quantity"), **QTY, default=ZERO)
    value = models.DecimalField(_("value"), **MONEY, default=ZERO)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        ordering = ["location__name", "item__name"]
        constraints = [
            models.UniqueConstraint(fields=["item", "location"], name="procurement_stockbalance_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="procurement_stockbalance_nonneg"
            ),
        ]

    def __str__(self):
        return f"{self.item} @ {self.location}: {self.quantity}"

    @property
    def average_cost(self):
        if self.quantity > 0:
            return (self.value / self.quantity).quantize(Decimal("0.0001"))
        return ZERO


class StockMoveQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("Stock moves are never edited; post a reversing move instead."))

    def delete(self):
        raise ValidationError(_("Stock moves are never deleted; post a reversing move instead."))


class StockMove(CampusOwned):
    """One line of the stock ledger (出入库台账). Append-only."""

    class Kind(models.TextChoices):
        IN = "in", _("Receipt (入库)")
        OUT = "out", _("Issue (出库)")
        ADJUST = "adjust", _("Adjustment (调整)")
        TRANSFER = "transfer", _("Transfer (调拨)")
        REVERSAL = "reversal", _("Reversal (冲销)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, db_index=True)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="moves")
    location = models.ForeignKey(
        StockLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="moves"
    )
    quantity = models.DecimalField(
        _("quantity"), **QTY, help_text=_("Positive into the location, negative out of it.")
    )
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=4, default=ZERO)
    value = models.DecimalField(_("value"), **MONEY, default=ZERO)
    balance_after = models.DecimalField(_("balance after"), **QTY, default=ZERO)
    to_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("to class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_department = models.CharField(_("to department"), max_length=60, blank=True)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_id = models.CharField(max_length=40, blank=True, editable=False)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    counterpart = models.ForeignKey(
        "self",
        verbose_name=_("other leg of the transfer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = user_fk(_("recorded by"))
    moved_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedManager(campus="campus", _manager_class=models.Manager.from_queryset(StockMoveQuerySet))

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-moved_at", "-id"]
        indexes = [
            models.Index(fields=["campus", "item", "moved_at"]),
            models.Index(fields=["campus", "location", "moved_at"]),
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["campus", "to_class", "moved_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} {self.item} {self.quantity:+}"

    @property
    def is_reversed(self):
        try:
            return self.reversed_by is not None
        except StockMove.DoesNotExist:
            return False

    @property
    def source(self):
        if not self.source_type_id:
            return None
        try:
            return self.source_type.get_object_for_this_type(pk=self.source_id)
        except Exception:  # noqa: BLE001 - a vanished source is shown as none
            return None

    @property
    def recipient(self):
        return str(self.to_class) if self.to_class_id else self.to_department

    def clean(self):
        errors = {}
        _same_campus(errors, self, "item", _("The item belongs to another campus."))
        _same_campus(errors, self, "location", _("The location belongs to another campus."))
        _same_campus(errors, self, "to_class", _("The class belongs to another campus."))
        if self.quantity == 0:
            errors["quantity"] = _("The quantity cannot be zero.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Stock moves are never edited; post a reversing move instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Stock moves are never deleted; post a reversing move instead."))


class Requisition(CampusOwned):
    """A requisition (领用单) by a class or a department, issued on need (按需发放)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("To issue")
        PARTIAL = "partial", _("Partly issued")
        ISSUED = "issued", _("Issued")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.PENDING, Status.APPROVED, Status.PARTIAL)
    ISSUABLE_STATUSES = (Status.APPROVED, Status.PARTIAL)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.CharField(_("department"), max_length=60, blank=True)
    requested_by = user_fk(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now, db_index=True)
    purpose = models.CharField(_("purpose of use"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPROVED, db_index=True
    )
    needs_approval = models.BooleanField(_("needs approval"), default=False, editable=False)
    closed_reason = models.CharField(_("closed because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("requisition")
        verbose_name_plural = _("requisitions")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["campus", "status", "requested_at"])]

    def __str__(self):
        return f"{self.number} {self.recipient}".strip()

    @property
    def recipient(self):
        return str(self.school_class) if self.school_class_id else self.department

    def clean(self):
        errors = {}
        _same_campus(errors, self, "school_class", _("The class belongs to another campus."))
        if not self.school_class_id and not (self.department or "").strip():
            errors["school_class"] = _("Say which class or department the items are for.")
        if self.school_class_id and (self.department or "").strip():
            errors["department"] = _("Choose a class or a department, not both.")
        if errors:
            raise ValidationError(errors)


class RequisitionLine(CampusOwned):
    requisition = models.ForeignKey(
        Requisition, verbose_name=_("requisition"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(
        _("quantity requested"), **QTY, validators=[MinValueValidator(Decimal("0.001"))]
    )
    quantity_issued = models.DecimalField(_("quantity issued"), **QTY, default=ZERO, editable=False)
    returned_quantity = models.DecimalField(_("old items handed back"), **QTY, default=ZERO, editable=False)
    return_note = models.CharField(_("hand-back note"), max_length=200, blank=True, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("requisition line")
        verbose_name_plural = _("requisition lines")
        ordering = ["requisition", "id"]

    def __str__(self):
        return f"{self.item} × {self.quantity}"

    @property
    def outstanding(self):
        return max(self.quantity - self.quantity_issued, ZERO)

    def clean(self):
        errors = {}
        _same_campus(errors, self, "item", _("The item belongs to another campus."))
        if errors:
            raise ValidationError(errors)


class StockCount(CampusOwned):
    """A periodic count of one location (定期清点): expected balances frozen at the start."""

    class Status(models.TextChoices):
        OPEN = "open", _("Counting")
        POSTED = "posted", _("Posted")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    location = models.ForeignKey(
        StockLocation, verbose_name=_("location"), on_delete=models.PROTECT, related_name="counts"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    started_by = user_fk(_("started by"))
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    posted_by = user_fk(_("posted by"))
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.location}".strip()

    def clean(self):
        errors = {}
        _same_campus(errors, self, "location", _("The location belongs to another campus."))
        if errors:
            raise ValidationError(errors)


class StockCountLine(CampusOwned):
    count = models.ForeignKey(
        StockCount, verbose_name=_("count"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    expected_quantity = models.DecimalField(_("expected"), **QTY, default=ZERO)
    counted_quantity = models.DecimalField(
        _("counted"), **QTY, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    adjust_move = models.OneToOneField(
        StockMove,
        verbose_name=_("adjustment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("count line")
        verbose_name_plural = _("count lines")
        ordering = ["count", "item__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "item"], name="procurement_stockcountline_unique"),
        ]

    def __str__(self):
        return f"{self.item}: {self.expected_quantity} / {self.counted_quantity}"

    @property
    def difference(self):
        if self.counted_quantity is None:
            return None
        return self.counted_quantity - self.expected_quantity
