"""Custody of assets: class property hand-overs (班级财产交接), loans (出借), damage with
compensation (损坏赔偿) and disposal requests (报废/报损/转让).

Every state change goes through :mod:`houqin.assets.custody_services` (validated, audited,
one transaction). These are ledgers: hand-overs, loans, damage records, compensation
payments and disposal requests are never deleted; a wrong one is voided with a reason.
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
    "CompensationPayment",
    "Condition",
    "Damage",
    "DisposalLine",
    "DisposalRequest",
    "Handover",
    "HandoverLine",
    "Loan",
]

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)], **kwargs
    )


class Condition(models.TextChoices):
    GOOD = "good", _("Good (完好)")
    WORN = "worn", _("Worn (磨损)")
    DAMAGED = "damaged", _("Damaged (损坏)")


def _same_campus(errors, obj, field, message):
    related_id = getattr(obj, f"{field}_id", None)
    if related_id and obj.campus_id and getattr(obj, field).campus_id != obj.campus_id:
        errors[field] = message


# --- Class property hand-over (班级财产交接) -------------------------------------------------


class Handover(CampusOwned):
    """The hand-over of a room's property from one person to another, signed by both.

    The room's active assets at creation are frozen as lines; each line is checked
    (present, condition, note); the giver and the receiver then sign, each with their own
    login (the receiver usually on a phone, optionally with a handwritten signature).
    """

    class Kind(models.TextChoices):
        TERM_START = "term_start", _("Term start (期初接收)")
        TERM_END = "term_end", _("Term end (期末交还)")
        CHANGE = "change", _("Change of custodian (中途交接)")

    class Status(models.TextChoices):
        OPEN = "open", _("Checking and signing")
        COMPLETED = "completed", _("Signed by both sides")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    term = models.ForeignKey("core.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TERM_START)
    room = models.ForeignKey("core.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_user = user_fk(
        _("handed over by"), help_text=_("Empty: the asset office (总务处) hands the property over.")
    )
    to_user = user_fk(_("received by"), null=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    from_signed_at = models.DateTimeField(_("giver signed at"), null=True, blank=True)
    from_signed_by = user_fk(_("giver signed as"))
    from_signature = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("giver's handwritten signature"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    to_signed_at = models.DateTimeField(_("receiver signed at"), null=True, blank=True)
    to_signature = models.ForeignKey(
        "core.Attachment",
        verbose_name=_("receiver's handwritten signature"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_fk(_("created by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class property hand-over")
        verbose_name_plural = _("class property hand-overs")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campus", "term", "kind"]),
            models.Index(fields=["campus", "status"]),
            models.Index(fields=["campus", "to_user", "status"]),
            models.Index(fields=["campus", "from_user", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["room"], condition=Q(status="open"), name="assets_handover_one_open_per_room"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.room}".strip()

    @property
    def giver_display(self):
        if self.from_user_id:
            return self.from_user.display_name
        return str(_("Asset office (总务处)"))

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def signed_by_giver(self):
        return self.from_signed_at is not None

    def signed_by_receiver(self):
        return self.to_signed_at is not None

    def clean(self):
        errors = {}
        _same_campus(errors, self, "term", _("The term belongs to another campus."))
        _same_campus(errors, self, "room", _("The room belongs to another campus."))
        _same_campus(errors, self, "school_class", _("The class belongs to another campus."))
        if self.from_user_id and self.from_user_id == self.to_user_id:
            errors["to_user"] = _("The receiver must be someone other than the giver.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the hand-over.")
        if errors:
            raise ValidationError(errors)


class HandoverLine(CampusOwned):
    """One asset of a hand-over, frozen at creation, with what the check found."""

    handover = models.ForeignKey(
        Handover, verbose_name=_("hand-over"), on_delete=models.PROTECT, related_name="lines"
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="handover_lines"
    )
    tag = models.CharField(_("tag number"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    model_spec = models.CharField(_("model / specification"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    value = money_field(_("value (yuan)"))
    on_loan = models.BooleanField(_("on loan at the hand-over"), default=False)
    present = models.BooleanField(_("present"), default=True)
    condition = models.CharField(
        _("condition"), max_length=8, choices=Condition.choices, default=Condition.GOOD
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    damage = models.ForeignKey(
        "assets.Damage",
        verbose_name=_("damage record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("follow-up resolved at"), null=True, blank=True)
    resolved_by = user_fk(_("follow-up resolved by"))
    resolution = models.CharField(_("follow-up"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hand-over line")
        verbose_name_plural = _("hand-over lines")
        ordering = ["handover", "tag", "id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "asset"], name="assets_handoverline_unique_asset"),
        ]

    def __str__(self):
        return f"{self.tag} {self.name}"

    @property
    def is_discrepancy(self):
        """Missing or damaged (an asset on loan is accounted for by its loan)."""
        return not self.on_loan and (not self.present or self.condition == Condition.DAMAGED)

    @property
    def needs_follow_up(self):
        return self.is_discrepancy and self.damage_id is None and self.resolved_at is None


# --- Loans (申领/领借/出借) ---------------------------------------------------------------------


class Loan(CampusOwned):
    """An asset lent to a person or a class with a due date and its condition out and back."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        OUT = "out", _("On loan")
        RETURNED = "returned", _("Returned")
        REJECTED = "rejected", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="loans"
    )
    borrower = user_fk(_("borrower"))
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("When the asset is lent to a class rather than to a person."),
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    requested_by = user_fk(_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), null=True, blank=True)
    due_on = models.DateField(_("due back on"), null=True, blank=True, db_index=True)
    lent_by = user_fk(_("lent by"))
    lent_at = models.DateTimeField(_("lent at"), null=True, blank=True)
    condition_out = models.CharField(
        _("condition when lent"), max_length=8, choices=Condition.choices, blank=True
    )
    note_out = models.CharField(_("note when lent"), max_length=200, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    received_by = user_fk(_("taken back by"))
    condition_in = models.CharField(
        _("condition when returned"), max_length=8, choices=Condition.choices, blank=True
    )
    note_in = models.CharField(_("note when returned"), max_length=200, blank=True)
    status_before = models.CharField(
        _("asset status before the loan"), max_length=16, blank=True, editable=False
    )
    decision_note = models.CharField(_("reason refused or cancelled"), max_length=200, blank=True)
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["campus", "status", "due_on"]),
            models.Index(fields=["campus", "borrower", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status="out"), name="assets_loan_one_out_per_asset"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.borrower_display}".strip()

    @property
    def borrower_display(self):
        parts = []
        if self.borrower_id:
            parts.append(self.borrower.display_name)
        if self.school_class_id:
            parts.append(str(self.school_class))
        return " · ".join(parts)

    @property
    def is_overdue(self):
        return bool(self.status == self.Status.OUT and self.due_on and self.due_on < timezone.localdate())

    @property
    def overdue_days(self):
        return (timezone.localdate() - self.due_on).days if self.is_overdue else 0

    def clean(self):
        errors = {}
        _same_campus(errors, self, "asset", _("The asset belongs to another campus."))
        _same_campus(errors, self, "school_class", _("The class belongs to another campus."))
        if not self.borrower_id and not self.school_class_id:
            errors["borrower"] = _("Say who borrows the asset: a person or a class.")
        if self.status == self.Status.OUT and not self.due_on:
            errors["due_on"] = _("Give the date the asset is due back.")
        if self.due_on and self.lent_at and self.due_on < timezone.localtime(self.lent_at).date():
            errors["due_on"] = _("The due date cannot be before the day it is lent.")
        if errors:
            raise ValidationError(errors)


# --- Damage and compensation (损坏赔偿) -----------------------------------------------------


class Damage(CampusOwned):
    """Damage to (or loss of) an asset, who is responsible, and the compensation due (谁损坏谁赔偿)."""

    class Kind(models.TextChoices):
        DAMAGED = "damaged", _("Damaged (损坏)")
        LOST = "lost", _("Lost (丢失)")

    class Responsible(models.TextChoices):
        STAFF = "staff", _("A staff member")
        CLASS = "class", _("A class")
        OTHER = "other", _("Another person (child's family, visitor…)")
        UNKNOWN = "unknown", _("Unknown")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Recorded by hand")
        HANDOVER = "handover", _("Class property hand-over")
        LOAN = "loan", _("Return of a loan")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        VOID = "void", _("Void")

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="damages"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.DAMAGED)
    occurred_on = models.DateField(_("found on"), default=timezone.localdate)
    description = models.TextField(_("what happened"))
    responsible_kind = models.CharField(
        _("responsible"), max_length=8, choices=Responsible.choices, default=Responsible.UNKNOWN
    )
    responsible_user = user_fk(_("responsible staff member"))
    responsible_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("responsible class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_name = models.CharField(_("responsible person's name"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), null=True, blank=True, on_delete=models.PROTECT, related_name="damages"
    )
    compensation_due = money_field(_("compensation due (yuan)"))
    compensation_received = money_field(_("compensation received (yuan)"), editable=False)
    compensation_note = models.CharField(_("compensation basis"), max_length=200, blank=True)
    repair = models.ForeignKey(
        "maintenance.RepairRequest",
        verbose_name=_("repair request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    status_before = models.CharField(_("asset status before"), max_length=16, blank=True, editable=False)
    recorded_by = user_fk(_("recorded by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = user_fk(_("closed by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("damage record")
        verbose_name_plural = _("damage records")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["campus", "status", "occurred_on"])]

    def __str__(self):
        return f"{self.number} {self.short_description}".strip()

    @property
    def short_description(self):
        text = " ".join((self.description or "").split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def outstanding(self):
        if self.status == self.Status.VOID:
            return ZERO
        return max(ZERO, (self.compensation_due or ZERO) - (self.compensation_received or ZERO))

    @property
    def responsible_display(self):
        if self.responsible_kind == self.Responsible.STAFF and self.responsible_user_id:
            return self.responsible_user.display_name
        if self.responsible_kind == self.Responsible.CLASS and self.responsible_class_id:
            name = str(self.responsible_class)
            return f"{name} · {self.responsible_name}" if self.responsible_name else name
        if self.responsible_kind == self.Responsible.OTHER:
            return self.responsible_name
        return str(_("Unknown"))

    def clean(self):
        errors = {}
        _same_campus(errors, self, "asset", _("The asset belongs to another campus."))
        _same_campus(errors, self, "responsible_class", _("The class belongs to another campus."))
        _same_campus(errors, self, "loan", _("The loan belongs to another campus."))
        kind = self.responsible_kind
        if kind == self.Responsible.STAFF and not self.responsible_user_id:
            errors["responsible_user"] = _("Choose the staff member responsible.")
        if kind == self.Responsible.CLASS and not self.responsible_class_id:
            errors["responsible_class"] = _("Choose the class responsible.")
        if kind == self.Responsible.OTHER and not (self.responsible_name or "").strip():
            errors["responsible_name"] = _("Give the name of the person responsible.")
        if kind == self.Responsible.UNKNOWN and self.compensation_due and self.compensation_due > 0:
            errors["compensation_due"] = _("Compensation needs someone responsible for it.")
        if self.occurred_on and self.occurred_on > timezone.localdate():
            errors["occurred_on"] = _("The date is in the future.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the record.")
        if errors:
            raise ValidationError(errors)


class CompensationPayment(CampusOwned):
    """A compensation payment received for a damage record (a ledger row: voided, never deleted)."""

    damage = models.ForeignKey(
        Damage, verbose_name=_("damage record"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    receipt_number = models.CharField(_("receipt number"), max_length=40)
    payer_name = models.CharField(_("paid by"), max_length=60, blank=True)
    received_by = user_fk(_("received by"), null=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("compensation payment")
        verbose_name_plural = _("compensation payments")
        ordering = ["damage", "received_on", "id"]

    def __str__(self):
        return f"{self.receipt_number} {self.amount}"

    def clean(self):
        errors = {}
        _same_campus(errors, self, "damage", _("The damage record belongs to another campus."))
        if not (self.receipt_number or "").strip():
            errors["receipt_number"] = _("Give the receipt number.")
        if self.received_on and self.received_on > timezone.localdate():
            errors["received_on"] = _("The date is in the future.")
        if errors:
            raise ValidationError(errors)


# --- Disposal (报废/报损/转让) ---------------------------------------------------------------


class DisposalRequest(CampusOwned):
    """A request to dispose of one or more assets, decided through the approvals engine."""

    class Kind(models.TextChoices):
        SCRAP = "scrap", _("Scrapping: end of useful life (报废)")
        WRITE_OFF = "write_off", _("Write-off: lost or damaged beyond repair (报损)")
        TRANSFER = "transfer", _("Transfer to another organisation (转让)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved: disposed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    EDITABLE = (Status.DRAFT, Status.REJECTED, Status.WITHDRAWN)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SCRAP)
    reason = models.TextField(_("reason"))
    recipient = models.CharField(
        _("transferred to / disposed through"),
        max_length=120,
        blank=True,
        help_text=_("The receiving organisation of a transfer, or the recycler."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    requested_by = user_fk(_("requested by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    total_value = money_field(_("book value (原值, yuan)"), editable=False)
    total_residual = money_field(_("residual value (残值, yuan)"), editable=False)

    class Meta:
        verbose_name = _("disposal request")
        verbose_name_plural = _("disposal requests")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}".strip()

    def clean(self):
        if self.kind == self.Kind.TRANSFER and not (self.recipient or "").strip():
            raise ValidationError({"recipient": _("Name the organisation the assets are transferred to.")})


class DisposalLine(CampusOwned):
    """One asset of a disposal request with its values frozen when it was added."""

    request = models.ForeignKey(
        DisposalRequest, verbose_name=_("disposal request"), on_delete=models.PROTECT, related_name="lines"
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT, related_name="disposal_lines"
    )
    original_value = money_field(_("original value (原值)"))
    accumulated_depreciation = money_field(_("accumulated depreciation"))
    net_value = money_field(_("net book value (净值)"))
    residual_value = money_field(_("residual value (残值)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("disposal line")
        verbose_name_plural = _("disposal lines")
        ordering = ["request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "asset"], name="assets_disposalline_unique_asset"),
        ]

    def __str__(self):
        return f"{self.request} · {self.asset}"

    def clean(self):
        errors = {}
        _same_campus(errors, self, "asset", _("The asset belongs to another campus."))
        _same_campus(errors, self, "request", _("The request belongs to another campus."))
        if errors:
            raise ValidationError(errors)
