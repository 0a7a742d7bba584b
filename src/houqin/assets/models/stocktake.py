"""Stocktakes (盘点): the expected list frozen at creation, counting room by room, the
reconciliation and the adjustments approved before they touch the register.

A :class:`Stocktake` covers the whole campus, chosen buildings or chosen rooms, optionally
only some categories. Creating it freezes one :class:`StocktakeLine` per active asset in
scope (expected room, custodian, quantity, value). Counting fills the lines in (found in
place, in the wrong room) and adds lines for what was not expected (an asset out of scope,
or a code nobody knows); every scan is logged as a :class:`StocktakeScan`. Closing marks
the lines not found as missing and proposes one :class:`StocktakeAdjustment` per
difference; the adjustments reach the register only when their approval is granted.

States::

    draft ──start──▶ counting ──close──▶ closed ──submit──▶ pending ──approved──▶ adjusted
      └──cancel──▶ cancelled ◀──cancel──┘      ▲                 │
                                              └──rejected/withdrawn┘
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["Stocktake", "StocktakeAdjustment", "StocktakeLine", "StocktakeRoom", "StocktakeScan"]

MONEY = {"max_digits": 12, "decimal_places": 2}


class Stocktake(CampusOwned):
    """One stocktake (盘点) with its scope, dates and state."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        COUNTING = "counting", _("Counting")
        CLOSED = "closed", _("Closed (reconciled)")
        PENDING = "pending", _("Adjustments awaiting approval")
        ADJUSTED = "adjusted", _("Adjustments approved")
        CANCELLED = "cancelled", _("Cancelled")

    class Scope(models.TextChoices):
        CAMPUS = "campus", _("Whole campus")
        BUILDINGS = "buildings", _("Chosen buildings")
        ROOMS = "rooms", _("Chosen rooms")

    OPEN_STATUSES = (Status.DRAFT, Status.COUNTING)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=120, help_text=_("e.g. 2026年秋季学期期末盘点"))
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices, default=Scope.CAMPUS)
    buildings = models.ManyToManyField(
        "core.Building", verbose_name=_("buildings"), blank=True, related_name="+"
    )
    categories = models.ManyToManyField(
        "assets.AssetCategory",
        verbose_name=_("categories"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every category."),
    )
    start_date = models.DateField(_("starts on"))
    end_date = models.DateField(_("ends on"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = user_fk(_("created by"))
    started_at = models.DateTimeField(_("counting started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = user_fk(_("closed by"))
    adjusted_at = models.DateTimeField(_("adjustments applied at"), null=True, blank=True)
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["campus", "status"])]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The stocktake cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_counting(self):
        return self.status == self.Status.COUNTING


class StocktakeRoom(CampusOwned):
    """A room to count in a stocktake, with the people who count it."""

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="rooms"
    )
    room = models.ForeignKey("core.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+")
    counters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("counted by"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("room to count")
        verbose_name_plural = _("rooms to count")
        ordering = ["room__building__name", "room__floor", "room__code"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "room"], name="assets_stocktake_room_unique"),
        ]

    def __str__(self):
        return str(self.room)

    def clean(self):
        if self.campus_id:
            if self.room_id and self.room.campus_id != self.campus_id:
                raise ValidationError({"room": _("The room belongs to another campus.")})
            if self.stocktake_id and self.stocktake.campus_id != self.campus_id:
                raise ValidationError({"stocktake": _("The stocktake belongs to another campus.")})


class StocktakeLine(CampusOwned):
    """One asset of the expected list, or one thing found that was not expected."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not found yet")
        FOUND = "found", _("Found in place")
        WRONG_ROOM = "wrong_room", _("Found in another room")
        MISSING = "missing", _("Missing (盘亏)")
        UNEXPECTED = "unexpected", _("Unexpected (not on the expected list)")
        UNKNOWN = "unknown", _("Unknown code")

    class Method(models.TextChoices):
        SCAN = "scan", _("Scanned")
        MANUAL = "manual", _("Ticked by hand")

    FOUND_RESULTS = (Result.FOUND, Result.WRONG_ROOM, Result.UNEXPECTED, Result.UNKNOWN)

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="lines"
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stocktake_lines",
    )
    expected = models.BooleanField(_("on the expected list"), default=True)
    code = models.CharField(_("tag or scanned code"), max_length=200)
    name = models.CharField(_("name"), max_length=120, blank=True)
    category = models.ForeignKey(
        "assets.AssetCategory", verbose_name=_("category"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    expected_room = models.ForeignKey(
        "core.Room", verbose_name=_("expected room"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    expected_custodian = user_fk(_("custodian"))
    expected_quantity = models.PositiveIntegerField(_("expected quantity"), default=0)
    unit_price = models.DecimalField(_("unit price (yuan)"), default=Decimal("0.00"), **MONEY)
    expected_value = models.DecimalField(_("book value (yuan)"), default=Decimal("0.00"), **MONEY)
    asset_status = models.CharField(_("register status"), max_length=16, blank=True)
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, default=Result.PENDING)
    found_room = models.ForeignKey(
        "core.Room",
        verbose_name=_("found in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counted_quantity = models.PositiveIntegerField(_("counted quantity"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    found_by = user_fk(_("found by"))
    method = models.CharField(_("how"), max_length=8, choices=Method.choices, blank=True)

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["code", "id"]
        constraints = [
            # one line per asset: two counters scanning the same asset cannot both count it
            models.UniqueConstraint(
                fields=["stocktake", "asset"],
                condition=Q(asset__isnull=False),
                name="assets_stocktake_line_asset",
            ),
            models.UniqueConstraint(
                fields=["stocktake", "code"],
                condition=Q(asset__isnull=True),
                name="assets_stocktake_line_code",
            ),
        ]
        indexes = [
            models.Index(fields=["stocktake", "expected_room", "result"]),
            models.Index(fields=["stocktake", "found_room"]),
            models.Index(fields=["stocktake", "result"]),
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()

    def clean(self):
        errors = {}
        if self.campus_id:
            for name in ("asset", "category", "expected_room", "found_room", "stocktake"):
                if getattr(self, f"{name}_id") and getattr(self, name).campus_id != self.campus_id:
                    errors[name] = _("It belongs to another campus.")
        if errors:
            raise ValidationError(errors)

    @property
    def shortage(self) -> int:
        """How many items of a set were not found (0 for a line not found at all)."""
        if self.counted_quantity is None or not self.expected:
            return 0
        return max(0, self.expected_quantity - self.counted_quantity)

    @property
    def is_set(self) -> bool:
        return self.expected_quantity > 1 or (self.counted_quantity or 0) > 1


class StocktakeScan(CampusOwned):
    """Every scan or tick made while counting, whatever it gave (nothing is lost)."""

    class Outcome(models.TextChoices):
        FOUND = "found", _("In place")
        WRONG_ROOM = "wrong_room", _("Wrong room")
        UNEXPECTED = "unexpected", _("Unexpected")
        UNKNOWN = "unknown", _("Unknown code")
        ALREADY = "already", _("Already counted")
        UNDO = "undo", _("Taken back")

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="scans"
    )
    room = models.ForeignKey("core.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("scanned text"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    line = models.ForeignKey(
        StocktakeLine,
        verbose_name=_("line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scanned_by = user_fk(_("scanned by"))
    scanned_at = models.DateTimeField(_("scanned at"))

    class Meta:
        verbose_name = _("stocktake scan")
        verbose_name_plural = _("stocktake scans")
        ordering = ["-scanned_at", "-id"]
        indexes = [models.Index(fields=["stocktake", "room", "scanned_at"])]

    def __str__(self):
        return f"{self.text} → {self.outcome}"


class StocktakeAdjustment(CampusOwned):
    """A change to the register proposed by a closed stocktake, applied only on approval."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("Mark as missing (盘亏)")
        MOVE = "move", _("Move to where it was found")
        RECOVERED = "recovered", _("Back in use (盘盈)")
        QUANTITY = "quantity", _("Correct the quantity")
        REGISTER = "register", _("Unknown code: register it")
        REVIEW = "review", _("Disposed asset found: check it")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        EXCLUDED = "excluded", _("Left out")
        APPLIED = "applied", _("Applied")
        SKIPPED = "skipped", _("Not applicable any more")
        LISTED = "listed", _("Listed for the keeper")

    stocktake = models.ForeignKey(
        Stocktake, verbose_name=_("stocktake"), on_delete=models.CASCADE, related_name="adjustments"
    )
    line = models.ForeignKey(
        StocktakeLine, verbose_name=_("line"), on_delete=models.CASCADE, related_name="adjustments"
    )
    asset = models.ForeignKey(
        "assets.Asset",
        verbose_name=_("asset"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    from_room = models.ForeignKey(
        "core.Room",
        verbose_name=_("from room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_room = models.ForeignKey(
        "core.Room",
        verbose_name=_("to room"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16, blank=True)
    from_quantity = models.PositiveIntegerField(_("from quantity"), null=True, blank=True)
    to_quantity = models.PositiveIntegerField(_("to quantity"), null=True, blank=True)
    value = models.DecimalField(_("value (yuan)"), default=Decimal("0.00"), **MONEY)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PROPOSED)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = user_fk(_("applied by"))
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("stocktake adjustment")
        verbose_name_plural = _("stocktake adjustments")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "line"], name="assets_stocktake_adjustment_line"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.line}"

    @property
    def is_loss(self) -> bool:
        return self.kind == self.Kind.MISSING or (
            self.kind == self.Kind.QUANTITY and (self.to_quantity or 0) < (self.from_quantity or 0)
        )
