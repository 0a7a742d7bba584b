"""Hygiene inspections and their ranking (卫生检查评比).

A campus keeps one or more scoring sheets (评分表: standard items with their maximum
points). A weekly inspection (or a spot check, 抽查) scores every responsibility zone on a
sheet: per item the points deducted, per zone a note and photos. Once submitted an
inspection is a record: it is corrected by voiding it with a reason and scoring again,
never by editing. Problems found are sent back to the zone's responsible person with a
deadline (限时纠正) as :class:`HygieneProblem` rows: open → fixed (after-photo) → closed by
an inspector other than the fixer, or sent back again.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = [
    "plain",
    "HygieneInspection",
    "HygieneProblem",
    "ItemScore",
    "ScoringItem",
    "ScoringSheet",
    "ZoneScore",
]

POINTS = {"max_digits": 5, "decimal_places": 1}


def plain(value):
    """A number without trailing zeros: 2, 1.5, 97.5."""
    if value is None:
        return ""
    value = Decimal(value)
    return f"{value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize():f}"


TOTAL = {"max_digits": 6, "decimal_places": 1}


class ScoringSheet(CampusOwned):
    """评分表: the standards a zone is scored on, each with its maximum points."""

    name = models.CharField(_("name"), max_length=80)
    is_default = models.BooleanField(
        _("default sheet"), default=False, help_text=_("New inspections use the default sheet.")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("scoring sheet")
        verbose_name_plural = _("scoring sheets")
        ordering = ["-is_default", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="scoringsheet_unique_name")]

    def __str__(self):
        return self.name


class ScoringItem(CampusOwned):
    """One standard of a sheet (地面无纸屑 10 分…). An item that was scored is retired, not
    deleted, when it is taken off the sheet."""

    sheet = models.ForeignKey(ScoringSheet, verbose_name=_("scoring sheet"), on_delete=models.CASCADE,
                              related_name="items")  # fmt: skip
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("standard"), max_length=100)
    guidance = models.CharField(
        _("how to score"), max_length=200, blank=True, help_text=_("e.g. 每发现一处纸屑扣1分")
    )
    max_points = models.DecimalField(
        _("points"),
        **POINTS,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField(_("in use"), default=True, editable=False)

    class Meta:
        verbose_name = _("scoring item")
        verbose_name_plural = _("scoring items")
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.label} ({plain(self.max_points)})"

    def clean(self):
        if self.sheet_id and self.campus_id and self.sheet.campus_id != self.campus_id:
            raise ValidationError({"sheet": _("The sheet belongs to another campus.")})


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of ``day``."""
    return day - dt.timedelta(days=day.weekday())


class HygieneInspection(CampusOwned):
    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly inspection (每周检查)")
        SPOT = "spot", _("Spot check (抽查)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being scored")
        SUBMITTED = "submitted", _("Submitted")
        VOID = "void", _("Void")

    sheet = models.ForeignKey(ScoringSheet, verbose_name=_("scoring sheet"), on_delete=models.PROTECT,
                              related_name="inspections")  # fmt: skip
    date = models.DateField(_("date"), default=timezone.localdate, db_index=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.WEEKLY)
    inspector = user_fk(_("inspector"), null=False)
    participants = models.CharField(
        _("also inspecting"), max_length=200, blank=True, help_text=_("e.g. 各级部后勤组长")
    )
    note = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("hygiene inspection")
        verbose_name_plural = _("hygiene inspections")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campus", "status", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    @property
    def week_start(self):
        return week_start(self.date)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    def clean(self):
        errors = {}
        if self.sheet_id and self.campus_id and self.sheet.campus_id != self.campus_id:
            errors["sheet"] = _("The sheet belongs to another campus.")
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("An inspection cannot be dated in the future.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the inspection.")
        if errors:
            raise ValidationError(errors)


class ZoneScore(CampusOwned):
    """The score of one zone in one inspection (its items in :class:`ItemScore`)."""

    inspection = models.ForeignKey(HygieneInspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="zone_scores")  # fmt: skip
    zone = models.ForeignKey("environment.CleaningZone", verbose_name=_("zone"), on_delete=models.PROTECT,
                             related_name="scores")  # fmt: skip
    total = models.DecimalField(_("score"), **TOTAL, default=Decimal("0"))
    max_total = models.DecimalField(_("out of"), **TOTAL, default=Decimal("0"))
    note = models.CharField(_("problems found"), max_length=300, blank=True)
    send_back = models.BooleanField(_("send back for rectification"), default=False)
    deadline = models.DateField(_("rectify by"), null=True, blank=True)

    class Meta:
        verbose_name = _("zone score")
        verbose_name_plural = _("zone scores")
        ordering = ["inspection", "zone__sort_order", "zone__name"]
        constraints = [models.UniqueConstraint(fields=["inspection", "zone"], name="zonescore_unique_zone")]

    def __str__(self):
        return f"{self.zone} · {plain(self.total)}/{plain(self.max_total)}"

    @property
    def percent(self):
        """The score out of 100 (sheets of other totals are compared on the same scale)."""
        if not self.max_total:
            return None
        return (self.total * 100 / self.max_total).quantize(Decimal("0.1"))

    @property
    def deduction(self):
        return self.max_total - self.total


class ItemScore(CampusOwned):
    zone_score = models.ForeignKey(ZoneScore, verbose_name=_("zone score"), on_delete=models.CASCADE,
                                   related_name="items")  # fmt: skip
    item = models.ForeignKey(ScoringItem, verbose_name=_("standard"), on_delete=models.PROTECT,
                             related_name="scores")  # fmt: skip
    # The standard as it read when scored (the sheet may change later).
    label = models.CharField(_("standard"), max_length=100)
    max_points = models.DecimalField(_("points"), **POINTS)
    deduction = models.DecimalField(_("points deducted"), **POINTS, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        ordering = ["zone_score", "item__order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["zone_score", "item"], name="itemscore_unique_item")]

    def __str__(self):
        return f"{self.label} −{plain(self.deduction)}"

    @property
    def score(self):
        return self.max_points - self.deduction


class HygieneProblem(CampusOwned):
    """A problem sent back to a zone's responsible person to put right by a deadline (限时纠正)."""

    class Status(models.TextChoices):
        OPEN = "open", _("To put right")
        FIXED = "fixed", _("Fixed, awaiting check")
        CLOSED = "closed", _("Checked and closed")
        VOID = "void", _("Void")

    ACTIVE_STATUSES = (Status.OPEN, Status.FIXED)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    zone = models.ForeignKey("environment.CleaningZone", verbose_name=_("zone"), on_delete=models.PROTECT,
                             related_name="problems")  # fmt: skip
    inspection = models.ForeignKey(HygieneInspection, verbose_name=_("inspection"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="problems")  # fmt: skip
    description = models.TextField(_("problem"))
    responsible = user_fk(_("responsible person"), null=False)
    deadline = models.DateField(_("put right by"), db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN,
                              db_index=True)  # fmt: skip
    raised_by = user_fk(_("sent back by"))
    raised_at = models.DateTimeField(_("sent back at"), default=timezone.now)
    round_started_at = models.DateTimeField(_("current round since"), null=True, blank=True)
    fixed_by = user_fk(_("fixed by"))
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    fix_note = models.TextField(_("what was done"), blank=True)
    verified_by = user_fk(_("checked by"))
    verified_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    verify_note = models.CharField(_("check note"), max_length=300, blank=True)
    returned_reason = models.CharField(_("last sent back because"), max_length=300, blank=True)
    return_count = models.PositiveSmallIntegerField(_("times sent back after a fix"), default=0)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    last_reminded_on = models.DateField(_("last reminded on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("hygiene problem")
        verbose_name_plural = _("hygiene problems")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["campus", "status", "deadline"])]

    def __str__(self):
        return f"{self.number} {self.short_description}".strip()

    @property
    def short_description(self):
        text = " ".join((self.description or "").split())
        return text if len(text) <= 40 else text[:39] + "…"

    @property
    def is_overdue(self):
        return self.status == self.Status.OPEN and self.deadline < timezone.localdate()

    @property
    def overdue_days(self):
        return (timezone.localdate() - self.deadline).days if self.is_overdue else 0

    def clean(self):
        errors = {}
        if self.zone_id and self.campus_id and self.zone.campus_id != self.campus_id:
            errors["zone"] = _("The zone belongs to another campus.")
        if self.inspection_id and self.campus_id and self.inspection.campus_id != self.campus_id:
            errors["inspection"] = _("The inspection belongs to another campus.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the problem.")
        if errors:
            raise ValidationError(errors)
