"""The asset register (资产台账): categories and assets.

Every asset belongs to a campus, has a tag number (资产编号) and a QR token for its label,
a room and a custodian (室室有人管、物物有人管), purchase data and photos (attachments).
Disposed assets leave the active register (status ``disposed``) but keep their rows and
history; nothing is deleted once used.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk
from houqin.core.models.tenancy import new_qr_token

__all__ = ["AssetCategory", "Asset"]


class AssetCategory(PinyinSearchMixin, CampusOwned):
    """A category of assets with its kind and useful life (折旧年限)."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed asset (固定资产)")
        LOW_VALUE = "low_value", _("Low-value consumable (低值易耗品)")

    name = models.CharField(_("name"), max_length=80)
    code = models.CharField(
        _("code"), max_length=20, blank=True, help_text=_("Your own short code, e.g. JJ for furniture.")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.FIXED)
    useful_life_years = models.PositiveSmallIntegerField(
        _("useful life (years)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Straight-line depreciation over this many years (年限平均法); 0 = not depreciated."),
    )
    national_code = models.CharField(
        _("national classification code"),
        max_length=20,
        blank=True,
        help_text=_("Optional code of the national fixed-asset classification (GB/T 14885)."),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("asset category")
        verbose_name_plural = _("asset categories")
        ordering = ["kind", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="assets_category_unique_name"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        # A category in use cannot become "fixed" while it holds sets of several items:
        # a fixed asset has one card per item.
        if self.pk and self.kind == self.Kind.FIXED:
            sets = Asset._base_manager.filter(category_id=self.pk, quantity__gt=1).exclude(
                status=Asset.Status.DISPOSED
            )
            if sets.exists():
                raise ValidationError(
                    {
                        "kind": _(
                            "Assets of this category are kept as sets of several items; a fixed-asset "
                            "category holds one card per item."
                        )
                    }
                )


class Asset(PinyinSearchMixin, CampusOwned):
    """One asset card (资产卡片); low-value items may be kept as a set with a quantity."""

    class Status(models.TextChoices):
        IN_USE = "in_use", _("In use (在用)")
        IDLE = "idle", _("Idle (闲置)")
        ON_LOAN = "on_loan", _("On loan (借出)")
        UNDER_REPAIR = "under_repair", _("Under repair (维修中)")
        DAMAGED = "damaged", _("Damaged (损坏)")
        MISSING = "missing", _("Missing (盘亏)")
        DISPOSED = "disposed", _("Disposed (已处置)")

    class Source(models.TextChoices):
        PURCHASE = "purchase", _("Purchase (购置)")
        DONATION = "donation", _("Donation (捐赠)")
        TRANSFER = "transfer", _("Transfer in (调入)")
        SELF_MADE = "self_made", _("Self-made (自制)")
        OTHER = "other", _("Other")

    ACTIVE_STATUSES = (
        Status.IN_USE,
        Status.IDLE,
        Status.ON_LOAN,
        Status.UNDER_REPAIR,
        Status.DAMAGED,
    )

    tag = models.CharField(_("tag number"), max_length=40, help_text=_("The number on the label (资产编号)."))
    name = models.CharField(_("name"), max_length=120)
    category = models.ForeignKey(
        AssetCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="assets"
    )
    model_spec = models.CharField(_("model / specification"), max_length=120, blank=True)
    brand = models.CharField(_("brand"), max_length=60, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="件")
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)],
        help_text=_("1 for an asset card; more for a set of low-value items kept together."),
    )  # fmt: skip
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    custodian = user_fk(_("custodian"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.IN_USE)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.PURCHASE)
    supplier = models.ForeignKey(
        "procurement.Supplier",
        verbose_name=_("supplier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    price = models.DecimalField(
        _("unit price (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )  # fmt: skip
    purchase_date = models.DateField(_("acquired on"), null=True, blank=True)
    in_service_date = models.DateField(
        _("in service from"), null=True, blank=True, help_text=_("Depreciation starts the month after; empty = acquired on.")
    )  # fmt: skip
    warranty_until = models.DateField(_("warranty until"), null=True, blank=True)
    is_valuable = models.BooleanField(
        _("valuable item"), default=False, help_text=_("Valuable items are assigned to a named person (贵重物品落实到人).")
    )  # fmt: skip
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True, editable=False)
    qr_token = models.CharField(
        _("QR token"), max_length=20, unique=True, default=new_qr_token, editable=False
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    acceptance_line = models.ForeignKey(
        "procurement.AcceptanceLine",
        verbose_name=_("acceptance line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets",
        editable=False,
    )

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["tag"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "tag"], name="assets_asset_unique_tag"),
        ]
        indexes = [
            models.Index(fields=["campus", "status"]),
            models.Index(fields=["campus", "room"]),
            models.Index(fields=["campus", "category"]),
            models.Index(fields=["campus", "custodian"]),
            models.Index(fields=["campus", "purchase_date"]),
        ]

    def __str__(self):
        return f"{self.tag} {self.name}"

    @property
    def total_value(self) -> Decimal:
        return (self.price or Decimal("0")) * (self.quantity or 0)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    def clean(self):
        errors = {}
        if self.campus_id:
            if self.category_id and self.category.campus_id != self.campus_id:
                errors["category"] = _("The category belongs to another campus.")
            if self.room_id and self.room.campus_id != self.campus_id:
                errors["room"] = _("The room belongs to another campus.")
            if self.supplier_id and self.supplier.campus_id != self.campus_id:
                errors["supplier"] = _("The supplier belongs to another campus.")
        if self.is_valuable and not self.custodian_id:
            errors["custodian"] = _("A valuable item must be assigned to a named custodian.")
        if self.category_id and self.category.kind == AssetCategory.Kind.FIXED and self.quantity != 1:
            errors["quantity"] = _("A fixed asset has one card per item; its quantity is 1.")
        if self.in_service_date and self.purchase_date and self.in_service_date < self.purchase_date:
            errors["in_service_date"] = _("It cannot be in service before it was acquired.")
        if errors:
            raise ValidationError(errors)
