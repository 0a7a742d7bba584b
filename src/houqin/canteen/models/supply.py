"""Models of the supply area: food suppliers, receiving inspection and the food store
(定点供应商、进货查验、食品仓库).

Food suppliers are :class:`procurement.Supplier` rows; the canteen keeps its own data about
them here: a profile (designated food supplier, what it supplies), the contracts and the
certificates (营业执照, 食品经营许可证…) with their expiry. Each delivery gets a receiving
inspection (进货查验记录) recorded by one person and confirmed by another; confirmation turns
every accepted line into a :class:`~houqin.canteen.models.store.FoodBatch`. Stock-outs
(出库) take food out of batches for a date and a meal, signed by the keeper and the cook;
disposals (销毁) log what was thrown away and why.

Every write goes through :mod:`houqin.canteen.supply_services`. Receiving records, stock-outs
and disposals are regulated records: they are voided with a reason or reversed, never
edited after confirmation, and a receiving cannot be deleted before its retention date
(食品安全法第五十条: shelf life + 6 months, 2 years without a shelf life).
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models.nutrition import MealKind
from houqin.core.models.base import CampusOwned, user_fk

__all__ = [
    "CertificateKind",
    "FoodDisposal",
    "FoodSupplier",
    "Receiving",
    "ReceivingLine",
    "StockOut",
    "StockOutLine",
    "SupplierCertificate",
    "SupplyCategory",
    "SupplyContract",
]

QTY = {"max_digits": 10, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]


def _same_campus(errors, obj, field, message=None):
    if getattr(obj, f"{field}_id", None) and obj.campus_id:
        target = getattr(obj, field)
        if target.campus_id != obj.campus_id:
            errors[field] = message or _("It belongs to another campus.")


class SupplyCategory(models.TextChoices):
    """What a food supplier delivers (供货品类)."""

    VEGETABLE = "vegetable", _("Vegetables (蔬菜)")
    FRUIT = "fruit", _("Fruit (水果)")
    MEAT = "meat", _("Meat (畜肉)")
    POULTRY = "poultry", _("Poultry (禽肉)")
    AQUATIC = "aquatic", _("Fish and seafood (水产)")
    EGG = "egg", _("Eggs (蛋类)")
    DAIRY = "dairy", _("Milk and dairy (奶制品)")
    GRAIN_OIL = "grain_oil", _("Rice, flour and oil (粮油)")
    SOY = "soy", _("Soy products (豆制品)")
    CONDIMENT = "condiment", _("Condiments (调味品)")
    DRY = "dry", _("Dry goods (干货)")
    OTHER = "other", _("Other food (其他)")


# Categories whose suppliers also need the meat certificates (动物检疫合格证明…).
MEAT_CATEGORIES = (SupplyCategory.MEAT, SupplyCategory.POULTRY)


class CertificateKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence (营业执照)")
    FOOD_OPERATION_LICENCE = "food_operation_licence", _("Food operation licence (食品经营许可证)")
    FOOD_PRODUCTION_LICENCE = "food_production_licence", _("Food production licence (食品生产许可证)")
    TEST_REPORT = "test_report", _("Test report (检验报告)")
    ANIMAL_QUARANTINE = "animal_quarantine", _("Animal quarantine certificate (动物检疫合格证明)")
    MEAT_QUALITY = "meat_quality", _("Meat quality certificate (肉品品质检验合格证明)")
    OTHER = "other", _("Other certificate")


class FoodSupplier(CampusOwned):
    """The canteen's profile of a supplier: a designated food supplier (定点供应商)."""

    supplier = models.OneToOneField(
        "procurement.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="food_profile",
    )
    is_designated = models.BooleanField(
        _("designated food supplier (定点)"), default=True,
        help_text=_("Only designated suppliers' deliveries are received."),
    )  # fmt: skip
    categories = models.CharField(_("supplies"), max_length=200, blank=True)
    designated_on = models.DateField(_("designated on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("food supplier")
        verbose_name_plural = _("food suppliers")
        ordering = ["supplier__name"]

    def __str__(self):
        return str(self.supplier)

    @property
    def category_list(self) -> list[str]:
        return [c for c in (self.categories or "").strip(",").split(",") if c]

    @category_list.setter
    def category_list(self, values):
        values = [str(v) for v in values or () if str(v) in SupplyCategory.values]
        ordered = [c for c in SupplyCategory.values if c in values]
        self.categories = f",{','.join(ordered)}," if ordered else ""

    @property
    def category_labels(self) -> str:
        labels = dict(SupplyCategory.choices)
        return "、".join(str(labels[c]) for c in self.category_list if c in labels)

    @property
    def supplies_meat(self) -> bool:
        return any(c in self.category_list for c in MEAT_CATEGORIES)

    def clean(self):
        errors = {}
        _same_campus(errors, self, "supplier", _("The supplier belongs to another campus."))
        if errors:
            raise ValidationError(errors)


class _Voidable(models.Model):
    is_void = models.BooleanField(_("void"), default=False, editable=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True, editable=False)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = user_fk(_("voided by"), editable=False)

    class Meta:
        abstract = True


class SupplierCertificate(_Voidable, CampusOwned):
    """A certificate of a food supplier (索证): number, dates, and its scan as attachments."""

    supplier = models.ForeignKey(
        "procurement.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="food_certificates",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CertificateKind.choices)
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("E.g. the product a test report covers.")
    )
    number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=120, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a certificate without expiry (长期)."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("supplier certificate")
        verbose_name_plural = _("supplier certificates")
        ordering = ["supplier__name", "kind", "-expires_on", "-id"]
        indexes = [models.Index(fields=["campus", "is_void", "expires_on"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def clean(self):
        errors = {}
        _same_campus(errors, self, "supplier", _("The supplier belongs to another campus."))
        self.number = (self.number or "").strip()
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            errors["expires_on"] = _("The certificate cannot expire before it was issued.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day) -> bool:
        if self.is_void:
            return False
        if self.issued_on and self.issued_on > day:
            return False
        return self.expires_on is None or self.expires_on >= day

    def days_left(self, today):
        return None if self.expires_on is None else (self.expires_on - today).days


class SupplyContract(_Voidable, CampusOwned):
    """A supply contract (供货合同) with its period; the signed file as attachments."""

    supplier = models.ForeignKey(
        "procurement.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="food_contracts",
    )
    number = models.CharField(_("contract number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=120)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("valid from"))
    end_date = models.DateField(_("valid until"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("supply contract")
        verbose_name_plural = _("supply contracts")
        ordering = ["-end_date", "-id"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def clean(self):
        errors = {}
        _same_campus(errors, self, "supplier", _("The supplier belongs to another campus."))
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The contract cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day) -> bool:
        return not self.is_void and self.start_date <= day <= self.end_date


# --- Receiving inspection (进货查验) ---------------------------------------------------------


class Receiving(CampusOwned):
    """进货查验记录: one delivery of a supplier, with its lines and two signers."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the second signer")
        CONFIRMED = "confirmed", _("Confirmed")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30)
    supplier = models.ForeignKey(
        "procurement.Supplier",
        verbose_name=_("supplier"),
        on_delete=models.PROTECT,
        related_name="food_receivings",
    )
    delivered_at = models.DateTimeField(_("delivered at"))
    delivery_note_no = models.CharField(_("delivery note number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = user_fk(_("recorded by"), null=False)
    confirmed_by = user_fk(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    retain_until = models.DateField(_("keep the record until"), null=True, blank=True)
    certificates_checked = models.JSONField(_("certificates checked"), default=list, blank=True)

    class Meta:
        verbose_name = _("receiving inspection")
        verbose_name_plural = _("receiving inspections")
        ordering = ["-delivered_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "number"], name="canteen_receiving_unique_number")
        ]
        indexes = [models.Index(fields=["campus", "status", "delivered_at"])]

    def __str__(self):
        return f"{self.number} {self.supplier}" if self.supplier_id else self.number

    def clean(self):
        errors = {}
        _same_campus(errors, self, "supplier", _("The supplier belongs to another campus."))
        if errors:
            raise ValidationError(errors)

    @property
    def delivered_on(self):
        from django.utils import timezone

        return timezone.localdate(self.delivered_at) if self.delivered_at else None


class ReceivingLine(CampusOwned):
    """One item of a delivery: what, how much, dates, the sensory check and the verdict."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class Storage(models.TextChoices):
        AMBIENT = "ambient", _("Ambient (常温)")
        CHILLED = "chilled", _("Chilled (冷藏)")
        FROZEN = "frozen", _("Frozen (冷冻)")

    receiving = models.ForeignKey(
        Receiving, verbose_name=_("receiving"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    ingredient = models.ForeignKey(
        "canteen.Ingredient", verbose_name=_("ingredient"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=80)
    spec = models.CharField(_("specification"), max_length=60, blank=True)
    quantity = models.DecimalField(_("quantity"), **QTY, validators=POSITIVE)
    unit = models.CharField(_("unit"), max_length=10, default="kg")
    unit_price = models.DecimalField(
        _("unit price"), **QTY, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    production_date = models.DateField(_("production date"), null=True, blank=True)
    batch_no = models.CharField(_("production batch"), max_length=40, blank=True)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"), null=True, blank=True)
    best_before = models.DateField(_("best before"), null=True, blank=True)
    is_fresh_produce = models.BooleanField(
        _("edible agricultural product (食用农产品)"), default=False,
        help_text=_("Fresh vegetables, meat, eggs… without a production date or batch."),
    )  # fmt: skip
    storage = models.CharField(_("storage"), max_length=8, choices=Storage.choices, default=Storage.AMBIENT)
    appearance_ok = models.BooleanField(_("appearance normal"), default=True)
    smell_ok = models.BooleanField(_("smell normal"), default=True)
    packaging_ok = models.BooleanField(_("packaging and label intact"), default=True)
    temperature_c = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.ACCEPTED)
    reject_reason = models.CharField(_("reject reason"), max_length=200, blank=True)
    location = models.CharField(_("storage place"), max_length=60, blank=True)
    batch = models.OneToOneField(
        "canteen.FoodBatch", verbose_name=_("food batch"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="receiving_line", editable=False,
    )  # fmt: skip

    class Meta:
        verbose_name = _("receiving line")
        verbose_name_plural = _("receiving lines")
        ordering = ["receiving", "position", "id"]

    def __str__(self):
        return f"{self.name} {self.quantity} {self.unit}"

    @property
    def amount(self) -> Decimal:
        return ((self.quantity or 0) * (self.unit_price or 0)).quantize(Decimal("0.01"))

    @property
    def is_accepted(self) -> bool:
        return self.result == self.Result.ACCEPTED

    @property
    def sensory_ok(self) -> bool:
        return self.appearance_ok and self.smell_ok and self.packaging_ok

    def expiry_date(self, delivered_on):
        """The best-before date, given or from the shelf life (counted from production, else delivery)."""
        if self.best_before:
            return self.best_before
        if self.shelf_life_days is not None:
            return (self.production_date or delivered_on) + dt.timedelta(days=self.shelf_life_days)
        return None

    def clean(self):
        errors = {}
        _same_campus(errors, self, "ingredient")
        self.name = (self.name or "").strip()
        if not self.name and self.ingredient_id:
            self.name = self.ingredient.name[:80]
        if not self.name:
            errors["name"] = _("Name the food or pick an ingredient.")
        if self.result == self.Result.REJECTED and not (self.reject_reason or "").strip():
            errors["reject_reason"] = _("Say why the line is rejected.")
        if self.result == self.Result.ACCEPTED and not self.sensory_ok:
            errors["result"] = _(
                "A line that fails the sensory check cannot be accepted; reject it with the reason."
            )
        if self.production_date and self.best_before and self.best_before < self.production_date:
            errors["best_before"] = _("The best-before date is before the production date.")
        if errors:
            raise ValidationError(errors)


# --- Food store: stock-outs and disposals ----------------------------------------------------


class StockOut(CampusOwned):
    """出库单: food taken from the store for one date and meal, signed by the keeper and the cook."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for signatures")
        CONFIRMED = "confirmed", _("Confirmed")
        REVERSED = "reversed", _("Reversed")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30)
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=16, choices=MealKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = user_fk(_("recorded by"), null=False)
    keeper = user_fk(_("keeper (保管员)"))
    keeper_signed_at = models.DateTimeField(_("keeper signed at"), null=True, blank=True)
    cook = user_fk(_("cook (厨师)"))
    cook_signed_at = models.DateTimeField(_("cook signed at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reversed_by = user_fk(_("reversed by"))
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reverse_reason = models.CharField(_("reversal reason"), max_length=200, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock-out")
        verbose_name_plural = _("stock-outs")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "number"], name="canteen_stockout_unique_number")
        ]
        indexes = [models.Index(fields=["campus", "date", "meal"])]

    def __str__(self):
        return f"{self.number} {self.date} {self.get_meal_display()}"

    def clean(self):
        if self.keeper_id and self.cook_id and self.keeper_id == self.cook_id:
            raise ValidationError(_("The keeper and the cook must be two different people."))


class StockOutLine(CampusOwned):
    stock_out = models.ForeignKey(
        StockOut, verbose_name=_("stock-out"), on_delete=models.CASCADE, related_name="lines"
    )
    batch = models.ForeignKey(
        "canteen.FoodBatch",
        verbose_name=_("food batch"),
        on_delete=models.PROTECT,
        related_name="stock_out_lines",
    )
    quantity = models.DecimalField(_("quantity"), **QTY, validators=POSITIVE)
    fefo_reason = models.CharField(
        _("why not the earliest-expiring batch"), max_length=200, blank=True,
        help_text=_("First expiry, first out (先到期先出): needed when an earlier-expiring batch is left."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("stock-out line")
        verbose_name_plural = _("stock-out lines")
        ordering = ["stock_out", "id"]

    def __str__(self):
        return f"{self.batch} × {self.quantity}"

    def clean(self):
        errors = {}
        _same_campus(errors, self, "batch")
        if errors:
            raise ValidationError(errors)


class FoodDisposal(CampusOwned):
    """销毁记录: food of a batch thrown away (expired, spoiled, a positive test…), witnessed."""

    class Reason(models.TextChoices):
        EXPIRED = "expired", _("Expired (过期)")
        SPOILED = "spoiled", _("Spoiled (变质)")
        POSITIVE_TEST = "positive_test", _("Positive test (检测不合格)")
        OTHER = "other", _("Other")

    number = models.CharField(_("number"), max_length=30)
    batch = models.ForeignKey(
        "canteen.FoodBatch", verbose_name=_("food batch"), on_delete=models.PROTECT, related_name="disposals"
    )
    quantity = models.DecimalField(_("quantity"), **QTY, validators=POSITIVE)
    disposed_on = models.DateField(_("disposed on"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("details"), max_length=300, blank=True)
    method = models.CharField(_("how it was disposed of"), max_length=120, blank=True)
    recorded_by = user_fk(_("recorded by"), null=False)
    witness = user_fk(_("witness"), null=False)
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("food disposal")
        verbose_name_plural = _("food disposals")
        ordering = ["-disposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "number"], name="canteen_disposal_unique_number")
        ]

    def __str__(self):
        return f"{self.number} {self.batch.name if self.batch_id else ''}".strip()

    def clean(self):
        errors = {}
        _same_campus(errors, self, "batch")
        if self.reason == self.Reason.OTHER and not (self.detail or "").strip():
            errors["detail"] = _("Describe the reason.")
        if self.witness_id and self.recorded_by_id and self.witness_id == self.recorded_by_id:
            errors["witness"] = _("The witness must be another person.")
        if errors:
            raise ValidationError(errors)
