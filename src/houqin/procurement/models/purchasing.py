"""Purchasing (采购): requests, price comparison, orders, two-signer acceptance, invoices.

申购审批、验收签名、入库再出借: a department or class raises a purchase request (申购) with
lines and estimated prices; it goes through the approvals engine (logistics head, the
principal above a threshold); the buyer records quotes from suppliers (询价比价) and
chooses one; a purchase order (采购单) follows; each delivery is accepted (验收) by two
different people before it takes effect — stock lines are received into the warehouse and
asset lines become asset cards, without retyping; the supplier's invoice is recorded
against the order and signed by the principal (每张发票都必须由园长签字).

Every state change goes through :mod:`houqin.procurement.purchasing_services` (validated,
audited, one transaction). Acceptances and invoices are regulated records: never edited
after the fact, a mistaken one is voided with a reason.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = [
    "Acceptance",
    "AcceptanceLine",
    "Invoice",
    "LineKind",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseRequest",
    "PurchaseRequestLine",
    "Quote",
    "QuoteLine",
]

ZERO = Decimal("0")
CENT = Decimal("0.01")
QTY = {"max_digits": 12, "decimal_places": 3}
MONEY = {"max_digits": 12, "decimal_places": 2}


def money(value) -> Decimal:
    return (value or ZERO).quantize(CENT)


def _campus_check(errors, obj, field, message):
    if getattr(obj, f"{field}_id", None) and obj.campus_id:
        target = getattr(obj, field)
        if target.campus_id != obj.campus_id:
            errors[field] = message


class LineKind(models.TextChoices):
    STOCK = "stock", _("Stock item (into the warehouse)")
    ASSET = "asset", _("Asset (asset cards)")
    OTHER = "other", _("Service or other")


class _LineMixin(models.Model):
    """What is bought on one line: a warehouse item, an asset of a category, or anything else."""

    kind = models.CharField(_("kind"), max_length=8, choices=LineKind.choices, default=LineKind.STOCK)
    item = models.ForeignKey(
        "procurement.Item",
        verbose_name=_("warehouse item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    asset_category = models.ForeignKey(
        "assets.AssetCategory",
        verbose_name=_("asset category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("goods or service"), max_length=120)
    spec = models.CharField(_("specification"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), **QTY, validators=[MinValueValidator(Decimal("0.001"))])

    class Meta:
        abstract = True

    @property
    def is_whole(self) -> bool:
        return self.quantity is not None and self.quantity == self.quantity.to_integral_value()

    def clean_line(self, errors):
        _campus_check(errors, self, "item", _("The item belongs to another campus."))
        _campus_check(errors, self, "asset_category", _("The category belongs to another campus."))
        if self.kind == LineKind.STOCK:
            if not self.item_id:
                errors["item"] = _("Choose the warehouse item that is bought.")
            if self.asset_category_id:
                errors["asset_category"] = _("A stock line has no asset category.")
        elif self.kind == LineKind.ASSET:
            if not self.asset_category_id:
                errors["asset_category"] = _("Choose the asset category.")
            if self.item_id:
                errors["item"] = _("An asset line has no warehouse item.")
            if self.quantity is not None and not self.is_whole:
                errors["quantity"] = _("Assets are counted in whole units.")
        else:
            if self.item_id:
                errors["item"] = _("Only stock lines name a warehouse item.")
            if self.asset_category_id:
                errors["asset_category"] = _("Only asset lines name an asset category.")


# --- Purchase requests (申购) ---------------------------------------------------------------


class PurchaseRequest(CampusOwned):
    """申购单: what a department or class needs, why, and by when; approved before buying."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ORDERED = "ordered", _("Ordered")
        CANCELLED = "cancelled", _("Cancelled")

    EDITABLE_STATUSES = (Status.DRAFT, Status.REJECTED, Status.WITHDRAWN)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=120)
    department = models.CharField(_("department"), max_length=60, blank=True)
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    needed_by = models.DateField(_("needed by"), null=True, blank=True)
    requested_by = user_fk(_("requested by"), null=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    estimated_total = models.DecimalField(_("estimated total (yuan)"), **MONEY, default=ZERO, editable=False)
    chosen_quote = models.ForeignKey(
        "procurement.Quote",
        verbose_name=_("chosen quote"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    choice_reason = models.CharField(_("why this quote"), max_length=300, blank=True, editable=False)
    cancel_reason = models.CharField(_("cancelled because"), max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("purchase request")
        verbose_name_plural = _("purchase requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campus", "status"]), models.Index(fields=["campus", "requested_by"])]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def requester_unit(self):
        """Who needs it: the class, or the department."""
        if self.school_class_id:
            return str(self.school_class)
        return self.department

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    def clean(self):
        errors = {}
        _campus_check(errors, self, "school_class", _("The class belongs to another campus."))
        if not self.school_class_id and not (self.department or "").strip():
            errors["department"] = _("Say which department or class needs it.")
        if self.chosen_quote_id and self.chosen_quote.request_id != self.pk:
            errors["chosen_quote"] = _("The quote belongs to another request.")
        if errors:
            raise ValidationError(errors)


class PurchaseRequestLine(_LineMixin, CampusOwned):
    request = models.ForeignKey(
        PurchaseRequest, verbose_name=_("purchase request"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    estimated_unit_price = models.DecimalField(
        _("estimated unit price (yuan)"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("purchase request line")
        verbose_name_plural = _("purchase request lines")
        ordering = ["request", "position", "id"]

    def __str__(self):
        return f"{self.description} × {self.quantity.normalize():f} {self.unit}"

    @property
    def estimated_amount(self) -> Decimal:
        return money((self.quantity or ZERO) * (self.estimated_unit_price or ZERO))

    def clean(self):
        errors = {}
        self.clean_line(errors)
        if self.request_id and self.campus_id and self.request.campus_id != self.campus_id:
            errors["request"] = _("The request belongs to another campus.")
        if errors:
            raise ValidationError(errors)


# --- Price comparison (询价比价) -------------------------------------------------------------


class Quote(CampusOwned):
    """One supplier's quote for an approved request: a total, and unit prices per line if given."""

    request = models.ForeignKey(
        PurchaseRequest, verbose_name=_("purchase request"), on_delete=models.PROTECT, related_name="quotes"
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="quotes"
    )
    quoted_on = models.DateField(_("quoted on"), default=timezone.localdate)
    total = models.DecimalField(_("total (yuan)"), **MONEY, validators=[MinValueValidator(ZERO)])
    delivery_days = models.PositiveSmallIntegerField(_("delivery within (days)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["request", "total", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "supplier"], name="procurement_quote_one_per_supplier"
            ),
        ]

    def __str__(self):
        return f"{self.supplier} · {self.total} 元"

    def clean(self):
        errors = {}
        _campus_check(errors, self, "supplier", _("The supplier belongs to another campus."))
        _campus_check(errors, self, "request", _("The request belongs to another campus."))
        if errors:
            raise ValidationError(errors)


class QuoteLine(CampusOwned):
    quote = models.ForeignKey(Quote, verbose_name=_("quote"), on_delete=models.CASCADE, related_name="lines")
    request_line = models.ForeignKey(
        PurchaseRequestLine,
        verbose_name=_("request line"),
        on_delete=models.PROTECT,
        related_name="quote_lines",
    )
    unit_price = models.DecimalField(_("unit price (yuan)"), **MONEY, validators=[MinValueValidator(ZERO)])

    class Meta:
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")
        ordering = ["quote", "request_line__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "request_line"], name="procurement_quoteline_unique"),
        ]

    def __str__(self):
        return f"{self.request_line.description} {self.unit_price}"

    @property
    def amount(self) -> Decimal:
        return money(self.request_line.quantity * self.unit_price)

    def clean(self):
        if self.quote_id and self.request_line_id and self.quote.request_id != self.request_line.request_id:
            raise ValidationError({"request_line": _("The line belongs to another request.")})


# --- Purchase orders (采购单) ---------------------------------------------------------------


class PurchaseOrder(CampusOwned):
    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        PARTIAL = "partial", _("Partially received")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.ORDERED, Status.PARTIAL)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    request = models.ForeignKey(
        PurchaseRequest, verbose_name=_("purchase request"), on_delete=models.PROTECT, related_name="orders"
    )
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="orders"
    )
    ordered_on = models.DateField(_("ordered on"), default=timezone.localdate)
    expected_delivery = models.DateField(_("expected delivery"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ORDERED, db_index=True
    )
    total = models.DecimalField(_("total (yuan)"), **MONEY, default=ZERO, editable=False)
    ordered_by = user_fk(_("ordered by"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    cancel_reason = models.CharField(_("cancelled because"), max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-ordered_on", "-id"]
        indexes = [models.Index(fields=["campus", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=~Q(status="cancelled"),
                name="procurement_order_one_active_per_request",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.supplier}".strip()

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def clean(self):
        errors = {}
        _campus_check(errors, self, "supplier", _("The supplier belongs to another campus."))
        _campus_check(errors, self, "request", _("The request belongs to another campus."))
        if self.quote_id and self.request_id and self.quote.request_id != self.request_id:
            errors["quote"] = _("The quote belongs to another request.")
        if self.quote_id and self.supplier_id and self.quote.supplier_id != self.supplier_id:
            errors["supplier"] = _("The order goes to the supplier of the chosen quote.")
        if self.expected_delivery and self.ordered_on and self.expected_delivery < self.ordered_on:
            errors["expected_delivery"] = _("Delivery cannot be expected before the order.")
        if errors:
            raise ValidationError(errors)


class PurchaseOrderLine(_LineMixin, CampusOwned):
    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.CASCADE, related_name="lines"
    )
    request_line = models.ForeignKey(
        PurchaseRequestLine,
        verbose_name=_("request line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="order_lines",
    )
    position = models.PositiveSmallIntegerField(_("line"), default=1)
    unit_price = models.DecimalField(_("unit price (yuan)"), **MONEY, validators=[MinValueValidator(ZERO)])
    quantity_accepted = models.DecimalField(_("accepted so far"), **QTY, default=ZERO, editable=False)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["order", "position", "id"]

    def __str__(self):
        return f"{self.description} × {self.quantity.normalize():f} {self.unit}"

    @property
    def amount(self) -> Decimal:
        return money(self.quantity * self.unit_price)

    @property
    def remaining(self) -> Decimal:
        return max(ZERO, self.quantity - self.quantity_accepted)

    @property
    def accepted_value(self) -> Decimal:
        return money(self.quantity_accepted * self.unit_price)

    def clean(self):
        errors = {}
        self.clean_line(errors)
        if (
            self.quantity_accepted is not None
            and self.quantity is not None
            and self.quantity_accepted > self.quantity
        ):
            errors["quantity"] = _("More has been accepted than ordered.")
        if errors:
            raise ValidationError(errors)


# --- Acceptance (验收), two signers ---------------------------------------------------------


class Acceptance(CampusOwned):
    """One delivery against an order, recorded by one person and confirmed by another.

    Only the confirmation makes it count: then the stock lines are received into the
    warehouse and the asset lines become asset cards.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the second signer")
        CONFIRMED = "confirmed", _("Confirmed")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.PROTECT, related_name="acceptances"
    )
    delivered_on = models.DateField(_("delivered on"), default=timezone.localdate)
    location = models.ForeignKey(
        "procurement.StockLocation",
        verbose_name=_("into stock location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the stock lines are received."),
    )
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    recorded_by = user_fk(_("first signer (recorded by)"), null=False)
    confirmed_by = user_fk(_("second signer"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["-delivered_on", "-id"]
        indexes = [models.Index(fields=["campus", "status"])]

    def __str__(self):
        return f"{self.number} {self.order.number}".strip()

    def clean(self):
        errors = {}
        _campus_check(errors, self, "location", _("The stock location belongs to another campus."))
        _campus_check(errors, self, "order", _("The order belongs to another campus."))
        if self.confirmed_by_id and self.confirmed_by_id == self.recorded_by_id:
            errors["confirmed_by"] = _("The second signer must be another person than the first.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the acceptance.")
        if errors:
            raise ValidationError(errors)


class AcceptanceLine(CampusOwned):
    class Quality(models.TextChoices):
        PASS = "pass", _("Passed (合格)")
        FAIL = "fail", _("Failed (不合格)")

    acceptance = models.ForeignKey(
        Acceptance, verbose_name=_("acceptance"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="acceptance_lines",
    )
    quantity_delivered = models.DecimalField(_("delivered"), **QTY, validators=[MinValueValidator(ZERO)])
    quantity_accepted = models.DecimalField(_("accepted"), **QTY, validators=[MinValueValidator(ZERO)])
    quality = models.CharField(_("quality"), max_length=4, choices=Quality.choices, default=Quality.PASS)
    quality_note = models.CharField(_("quality note"), max_length=200, blank=True)
    room = models.ForeignKey(
        "core.Room",
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where the new assets go."),
    )
    custodian = user_fk(_("custodian"))

    class Meta:
        verbose_name = _("acceptance line")
        verbose_name_plural = _("acceptance lines")
        ordering = ["acceptance", "order_line__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["acceptance", "order_line"], name="procurement_acceptanceline_unique"
            ),
        ]

    def __str__(self):
        return f"{self.order_line.description} × {self.quantity_accepted.normalize():f}"

    @property
    def value(self) -> Decimal:
        return money(self.quantity_accepted * self.order_line.unit_price)

    @property
    def quantity_refused(self) -> Decimal:
        return max(ZERO, self.quantity_delivered - self.quantity_accepted)

    def clean(self):
        errors = {}
        _campus_check(errors, self, "room", _("The room belongs to another campus."))
        if (
            self.quantity_accepted is not None
            and self.quantity_delivered is not None
            and self.quantity_accepted > self.quantity_delivered
        ):
            errors["quantity_accepted"] = _("More cannot be accepted than was delivered.")
        if self.quality == self.Quality.FAIL and not (self.quality_note or "").strip():
            errors["quality_note"] = _("Say what is wrong with the goods.")
        if (
            self.order_line_id
            and self.order_line.kind == LineKind.ASSET
            and self.quantity_accepted is not None
            and self.quantity_accepted != self.quantity_accepted.to_integral_value()
        ):
            errors["quantity_accepted"] = _("Assets are counted in whole units.")
        if errors:
            raise ValidationError(errors)


# --- Invoices (发票) --------------------------------------------------------------------------


class Invoice(CampusOwned):
    """The supplier's invoice for an order, signed off by the principal (园长签字)."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("Waiting for the principal's signature")
        SIGNED = "signed", _("Signed")
        VOID = "void", _("Void")

    order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(_("invoice number"), max_length=40)
    issued_on = models.DateField(_("issued on"))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY, validators=[MinValueValidator(CENT)])
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.AWAITING, db_index=True
    )
    recorded_by = user_fk(_("recorded by"), null=False)
    signed_by = user_fk(_("signed by"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    sign_note = models.CharField(_("principal's note"), max_length=300, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["campus", "status"])]

    def __str__(self):
        return f"{self.number} · {self.amount} 元"

    def clean(self):
        errors = {}
        _campus_check(errors, self, "order", _("The order belongs to another campus."))
        if self.issued_on and self.issued_on > timezone.localdate():
            errors["issued_on"] = _("The invoice date is in the future.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the invoice.")
        if errors:
            raise ValidationError(errors)
