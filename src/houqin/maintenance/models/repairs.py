"""Repair requests (报修) and work orders (维修单).

A :class:`RepairRequest` is raised by any staff member, from a room or asset QR label
without logging in, from a failed routine item, from a hazard or from a damage record.
The logistics head dispatches it as a :class:`WorkOrder` to an in-house repair worker or
a contractor; the worker records the work, the parts (from the warehouse or bought) and
the labour cost, adds after-photos and reports it done; the person who reported it
verifies and signs it off (报修人验收签字), or sends it back.

The request carries the one status of the whole flow::

    reported ──dispatch──▶ dispatched ──start──▶ in progress ──finish (after-photo)──▶ done ──sign off──▶ closed
                                                      ▲                                  │
                                                      └────────── send back (reason) ◀───┘
    reported / dispatched / in progress ──cancel (reason, leader)──▶ cancelled

Every state change goes through :mod:`houqin.maintenance.services` (validated, audited,
one transaction). Nothing here is deleted: a request made by mistake is cancelled, a
wrong part line is voided (a warehouse line goes back to stock).
"""

import secrets
from decimal import Decimal

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["RepairRequest", "WorkOrder", "WorkOrderPart"]

ZERO = Decimal("0")
MONEY = {"max_digits": 12, "decimal_places": 2}
QTY = {"max_digits": 12, "decimal_places": 3}


def new_status_token():
    """The secret in the status link a QR reporter keeps (about 128 bits)."""
    return secrets.token_urlsafe(16)


class RepairRequest(CampusOwned):
    """One repair request (报修单): what is broken, where, how urgent, and who asked."""

    class Category(models.TextChoices):
        UTILITIES = "utilities", _("Water and electricity (水电)")
        DOORS_WINDOWS = "doors_windows", _("Doors and windows (门窗)")
        AIR_CONDITIONING = "air_conditioning", _("Air conditioners (空调)")
        FURNITURE = "furniture", _("Furniture (家具)")
        LARGE_TOYS = "large_toys", _("Large toys (大型玩具)")
        NETWORK_AV = "network_av", _("Network and teaching equipment (网络与电教)")
        KITCHEN = "kitchen", _("Kitchen equipment (厨房设备)")
        OTHER = "other", _("Other (其他)")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")
        SAFETY = "safety", _("Safety-critical")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Reported in the system")
        QR = "qr", _("QR label")
        ROUTINE = "routine", _("Failed checklist item")
        HAZARD = "hazard", _("Hazard")
        DAMAGE = "damage", _("Damage record")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        DISPATCHED = "dispatched", _("Dispatched")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done, awaiting sign-off")
        CLOSED = "closed", _("Signed off and closed")
        CANCELLED = "cancelled", _("Cancelled")

    # not repaired yet (a work order may be late)
    OPEN_STATUSES = (Status.REPORTED, Status.DISPATCHED, Status.IN_PROGRESS)
    # still needs someone to act
    ACTIVE_STATUSES = (Status.REPORTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.DONE)
    WORK_STATUSES = (Status.DISPATCHED, Status.IN_PROGRESS)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now, db_index=True)
    building = models.ForeignKey(
        "core.Building", verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asset = models.ForeignKey(
        "assets.Asset", verbose_name=_("asset"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="repair_requests",
    )  # fmt: skip
    place_text = models.CharField(_("place"), max_length=120, blank=True, help_text=_("Where, when no room fits."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    description = models.TextField(_("what is wrong"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    origin_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    origin_id = models.CharField(max_length=40, blank=True, editable=False)
    origin = GenericForeignKey("origin_type", "origin_id")
    reporter = user_fk(_("reported by (报修人)"))
    reporter_name = models.CharField(_("reporter's name"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    status_token = models.CharField(
        _("status link token"), max_length=32, unique=True, default=new_status_token, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_by = user_fk(_("cancelled by"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("repair request")
        verbose_name_plural = _("repair requests")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["campus", "status", "reported_at"]),
            models.Index(fields=["campus", "reporter", "reported_at"]),
            models.Index(fields=["origin_type", "origin_id"]),
            models.Index(fields=["campus", "asset"]),
        ]

    def __str__(self):
        return f"{self.number} {self.short_description}".strip()

    @property
    def short_description(self):
        text = " ".join((self.description or "").split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def place(self):
        if self.room_id:
            return str(self.room)
        parts = [str(self.building) if self.building_id else "", self.place_text]
        return " ".join(p for p in parts if p)

    @property
    def reporter_display(self):
        if self.reporter_id:
            return self.reporter.display_name
        return " ".join(p for p in (self.reporter_name, self.reporter_phone) if p)

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    def clean(self):
        errors = {}
        if self.campus_id:
            for name in ("room", "building", "asset"):
                target = getattr(self, name) if getattr(self, f"{name}_id") else None
                if target is not None and target.campus_id != self.campus_id:
                    errors[name] = _("This belongs to another campus.")
        if self.room_id and self.building_id and self.room.building_id != self.building_id:
            errors["room"] = _("The room is not in the chosen building.")
        if not (self.room_id or self.building_id or self.asset_id or (self.place_text or "").strip()):
            errors["place_text"] = _("Say where the repair is needed: a room, an asset or a place.")
        if not (self.description or "").strip():
            errors["description"] = _("Describe what is broken.")
        if not self.reporter_id and not (self.reporter_name or "").strip():
            errors["reporter_name"] = _("Give the reporter's name.")
        if self.reporter_phone:
            from houqin.core.validators import validate_phone

            try:
                validate_phone(self.reporter_phone)
            except ValidationError as exc:
                errors["reporter_phone"] = exc.messages
        if self.status == self.Status.CANCELLED and not (self.cancel_reason or "").strip():
            errors["cancel_reason"] = _("Give a reason for cancelling the request.")
        if errors:
            raise ValidationError(errors)


class WorkOrder(CampusOwned):
    """The dispatched job (维修单) of one repair request: who does it by when, what was
    done, the parts and the cost, and the requester's sign-off."""

    class Kind(models.TextChoices):
        IN_HOUSE = "in_house", _("In-house repair worker")
        CONTRACTOR = "contractor", _("Contractor")

    request = models.OneToOneField(
        RepairRequest, verbose_name=_("repair request"), on_delete=models.PROTECT, related_name="work_order"
    )
    kind = models.CharField(_("done by"), max_length=12, choices=Kind.choices, default=Kind.IN_HOUSE)
    worker = user_fk(_("repair worker"))
    contractor_name = models.CharField(_("contractor"), max_length=80, blank=True)
    contractor_phone = models.CharField(_("contractor's phone"), max_length=20, blank=True)
    supplier = models.ForeignKey(
        "procurement.Supplier", verbose_name=_("contractor (supplier)"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    dispatched_by = user_fk(_("dispatched by"))
    dispatched_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    due_at = models.DateTimeField(_("due by"), db_index=True)
    instructions = models.CharField(_("instructions"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    work_done = models.TextField(_("work done"), blank=True)
    labour_cost = models.DecimalField(
        _("labour / contractor cost (yuan)"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    parts_cost = models.DecimalField(_("parts cost (yuan)"), **MONEY, default=ZERO, editable=False)
    round_started_at = models.DateTimeField(_("current round since"), null=True, blank=True, editable=False)
    done_by = user_fk(_("done by (person)"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True, db_index=True)
    reopened_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)
    returned_reason = models.CharField(_("last sent back because"), max_length=300, blank=True)
    signed_off_by = user_fk(_("signed off by"))
    signed_off_name = models.CharField(_("signed off by (name)"), max_length=40, blank=True)
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    sign_off_note = models.CharField(_("sign-off note"), max_length=300, blank=True)
    asset_status_before = models.CharField(max_length=16, blank=True, editable=False)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-dispatched_at", "-id"]
        indexes = [
            models.Index(fields=["campus", "worker", "due_at"]),
            models.Index(fields=["campus", "dispatched_at"]),
        ]

    def __str__(self):
        return str(self.request.number) if self.request_id else str(_("work order"))

    @property
    def assignee_display(self):
        if self.kind == self.Kind.CONTRACTOR:
            name = self.contractor_name or (str(self.supplier) if self.supplier_id else "")
            return " ".join(p for p in (name, self.contractor_phone) if p)
        return self.worker.display_name if self.worker_id else ""

    @property
    def total_cost(self):
        return (self.parts_cost or ZERO) + (self.labour_cost or ZERO)

    @property
    def is_overdue(self):
        return bool(
            self.due_at
            and self.done_at is None
            and self.request.status in RepairRequest.WORK_STATUSES
            and self.due_at < timezone.now()
        )

    @property
    def hours_to_fix(self):
        """Hours from the report to the work reported done (None while not done)."""
        if not self.done_at:
            return None
        return round((self.done_at - self.request.reported_at).total_seconds() / 3600, 1)

    @property
    def same_day(self):
        """Done on the day it was reported (the 当天修复 target)."""
        if not self.done_at:
            return None
        return timezone.localtime(self.done_at).date() == timezone.localtime(self.request.reported_at).date()

    def clean(self):
        errors = {}
        if self.campus_id:
            if self.request_id and self.request.campus_id != self.campus_id:
                errors["request"] = _("This belongs to another campus.")
            if self.supplier_id and self.supplier.campus_id != self.campus_id:
                errors["supplier"] = _("This belongs to another campus.")
        if self.kind == self.Kind.IN_HOUSE and not self.worker_id:
            errors["worker"] = _("Choose the repair worker.")
        if self.kind == self.Kind.CONTRACTOR and not ((self.contractor_name or "").strip() or self.supplier_id):
            errors["contractor_name"] = _("Name the contractor.")
        if self.contractor_phone:
            from houqin.core.validators import validate_phone

            try:
                validate_phone(self.contractor_phone)
            except ValidationError as exc:
                errors["contractor_phone"] = exc.messages
        if self.due_at and self.dispatched_at and self.due_at < self.dispatched_at:
            errors["due_at"] = _("The due time cannot be before the dispatch.")
        if errors:
            raise ValidationError(errors)


class WorkOrderPart(CampusOwned):
    """A part or material used on a work order: taken from the warehouse (value from the
    stock ledger) or bought for the job (description, quantity, price)."""

    class Kind(models.TextChoices):
        STOCK = "stock", _("From the warehouse")
        BOUGHT = "bought", _("Bought for the job")

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="parts"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BOUGHT)
    item = models.ForeignKey(
        "procurement.Item", verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    location = models.ForeignKey(
        "procurement.StockLocation", verbose_name=_("location"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    stock_move = models.ForeignKey(
        "procurement.StockMove", verbose_name=_("stock issue"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )  # fmt: skip
    description = models.CharField(_("part"), max_length=120)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    quantity = models.DecimalField(_("quantity"), **QTY, validators=[MinValueValidator(Decimal("0.001"))])
    unit_price = models.DecimalField(_("unit price (yuan)"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    amount = models.DecimalField(_("amount (yuan)"), **MONEY, default=ZERO)
    added_by = user_fk(_("added by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        ordering = ["work_order", "id"]

    def __str__(self):
        return f"{self.description} × {self.quantity.normalize():f}{self.unit}"

    def clean(self):
        errors = {}
        if self.campus_id:
            for name in ("work_order", "item", "location"):
                target = getattr(self, name) if getattr(self, f"{name}_id") else None
                if target is not None and target.campus_id != self.campus_id:
                    errors[name] = _("This belongs to another campus.")
        if self.kind == self.Kind.STOCK and not (self.item_id and self.location_id):
            errors["item"] = _("Choose the item and the location it is taken from.")
        if not (self.description or "").strip():
            errors["description"] = _("Say what part was used.")
        if self.voided_at and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason.")
        if errors:
            raise ValidationError(errors)
