"""Routines (例行工作): recurring checks with checklists, their occurrences and results.

A :class:`RoutineTemplate` says what is checked (its :class:`RoutineItem` rows), where,
by whom, in which time window and how often; ``houqin tick`` turns it into one
:class:`RoutineOccurrence` per due school day (see :mod:`houqin.core.routines` for the
schedule rules and the services). Completing an occurrence records one
:class:`RoutineResult` per item. Results are part of a regulated record: a wrong
completion is voided with a reason (the results stay, marked void) and done again.
"""

import datetime as dt

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role

from .base import CampusOwned, PinyinSearchMixin, user_fk

# Known category keys; the field takes any key so that later modules can add theirs.
CATEGORY_CHOICES = [
    ("safety.patrol", _("Safety patrol")),
    ("safety.facilities", _("Facility checks")),
    ("safety.fire", _("Fire safety")),
    ("canteen.disinfection", _("Canteen disinfection")),
    ("canteen.inspection", _("Canteen inspection")),
    ("health.disinfection", _("Hygiene and disinfection")),
    ("maintenance", _("Maintenance")),
    ("environment", _("Environment and cleaning")),
    ("environment.cleaning", _("Cleaning (一日一小扫、一周一大扫)")),
    ("environment.greening", _("Greening (绿化)")),
    ("assets", _("Assets and property")),
]
CATEGORY_LABELS = dict(CATEGORY_CHOICES)

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
NTH_CHOICES = [(1, _("first")), (2, _("second")), (3, _("third")), (4, _("fourth")), (-1, _("last"))]
MONTH_CHOICES = [(m, str(m)) for m in range(1, 13)]
TERM_POINT_CHOICES = [("start", _("term start")), ("mid", _("mid-term")), ("end", _("term end"))]


def _weekday_name(n):
    return dict(WEEKDAY_CHOICES).get(n, "?")


class RoutineTemplate(PinyinSearchMixin, CampusOwned):
    """A recurring check: checklist, place, responsible role or person, window, frequency."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Every (school) day")
        WEEKDAYS = "weekdays", _("On chosen weekdays")
        EVERY_N_WEEKS = "every_n_weeks", _("Every N weeks on a weekday")
        MONTHLY_DAY = "monthly_day", _("Monthly on a day of the month")
        MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday", _("Monthly on the first/second/…/last weekday")
        TERMLY = "termly", _("Each term (start, middle, end)")
        YEARLY = "yearly", _("Yearly on a date")
        TERM_START = "term_start", _("At the start of the term")
        TERM_END = "term_end", _("At the end of the term")

    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(
        _("category"),
        max_length=40,
        default="safety.patrol",
        help_text=_("A key such as safety.fire, canteen.disinfection or maintenance."),
    )
    description = models.TextField(_("description"), blank=True)
    # Place: a building, a room, or a free-text zone (操场, 全园…).
    building = models.ForeignKey(
        "core.Building", verbose_name=_("building"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    zone = models.CharField(_("zone"), max_length=80, blank=True, help_text=_("A place without a room, e.g. 全园 or 围墙周边."))
    responsible_role = models.CharField(_("responsible role"), max_length=20, choices=Role.choices, blank=True)
    responsible_user = user_fk(_("responsible person"))
    window_start = models.TimeField(_("time window from"), null=True, blank=True)
    window_end = models.TimeField(_("time window until"), null=True, blank=True)
    grace_days = models.PositiveSmallIntegerField(
        _("days allowed"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("Extra days the check may still be done after its day (e.g. 5 for a monthly check)."),
    )
    # Frequency
    frequency = models.CharField(_("frequency"), max_length=24, choices=Frequency.choices, default=Frequency.DAILY)
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    interval_weeks = models.PositiveSmallIntegerField(
        _("every N weeks"), default=1, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    weekday = models.SmallIntegerField(_("weekday"), null=True, blank=True, choices=WEEKDAY_CHOICES)
    anchor_date = models.DateField(
        _("counting from"),
        null=True,
        blank=True,
        help_text=_("A date in a week the check falls in; empty counts from the first week of the term."),
    )
    month_day = models.PositiveSmallIntegerField(
        _("day of the month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("In shorter months the last day is used."),
    )
    nth = models.SmallIntegerField(_("which"), null=True, blank=True, choices=NTH_CHOICES)
    month = models.PositiveSmallIntegerField(_("month"), null=True, blank=True, choices=MONTH_CHOICES)
    term_points = models.JSONField(_("points of the term"), default=list, blank=True)
    offset_days = models.SmallIntegerField(
        _("offset (days)"),
        default=0,
        validators=[MinValueValidator(-60), MaxValueValidator(60)],
        help_text=_("Move a term point by this many days, e.g. -7 for a week before the end."),
    )
    school_days_only = models.BooleanField(
        _("school days only"),
        default=True,
        help_text=_(
            "Skip holidays and include make-up days; a monthly, termly or yearly check that falls on a "
            "day off moves to the next school day."
        ),
    )
    auto_follow_up = models.CharField(
        _("open for every failed item"),
        max_length=40,
        blank=True,
        help_text=_("A follow-up opened by itself for each failed item, e.g. a repair work order."),
    )
    library_key = models.CharField(_("library routine"), max_length=60, blank=True, db_index=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routine")
        verbose_name_plural = _("routines")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "library_key"],
                condition=~models.Q(library_key=""),
                name="routinetemplate_unique_library_key",
            )
        ]

    def __str__(self):
        return self.name

    # --- display ---------------------------------------------------------------------
    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def place_label(self):
        if self.room_id:
            return str(self.room)
        if self.building_id:
            return str(self.building)
        return self.zone

    @property
    def responsible_label(self):
        parts = []
        if self.responsible_user_id:
            parts.append(str(self.responsible_user))
        if self.responsible_role:
            parts.append(str(self.get_responsible_role_display()))
        return " / ".join(parts)

    @property
    def window_label(self):
        if not self.window_start and not self.window_end:
            return ""
        start = self.window_start.strftime("%H:%M") if self.window_start else ""
        end = self.window_end.strftime("%H:%M") if self.window_end else ""
        return f"{start}–{end}"

    @property
    def frequency_label(self):
        from django.utils.translation import gettext as t

        F = self.Frequency
        if self.frequency == F.DAILY:
            return t("Every school day") if self.school_days_only else t("Every day")
        if self.frequency == F.WEEKDAYS:
            names = "、".join(str(_weekday_name(d)) for d in sorted(self.weekdays or []))
            return t("Every week on %(days)s") % {"days": names}
        if self.frequency == F.EVERY_N_WEEKS:
            return t("Every %(n)s weeks on %(day)s") % {"n": self.interval_weeks, "day": _weekday_name(self.weekday)}
        if self.frequency == F.MONTHLY_DAY:
            return t("Monthly on day %(day)s") % {"day": self.month_day}
        if self.frequency == F.MONTHLY_NTH_WEEKDAY:
            return t("Monthly on the %(nth)s %(day)s") % {
                "nth": dict(NTH_CHOICES).get(self.nth, "?"),
                "day": _weekday_name(self.weekday),
            }
        if self.frequency == F.YEARLY:
            return t("Yearly on %(month)s/%(day)s") % {"month": self.month, "day": self.month_day}
        if self.frequency == F.TERM_START:
            points = ["start"]
        elif self.frequency == F.TERM_END:
            points = ["end"]
        else:
            points = self.term_points or []
        labels = dict(TERM_POINT_CHOICES)
        text = "、".join(str(labels.get(p, p)) for p in points)
        if self.offset_days:
            text += " " + t("(%(days)+d days)") % {"days": self.offset_days}
        return t("Each term: %(points)s") % {"points": text}

    # --- validation ------------------------------------------------------------------
    def clean(self):
        errors = {}
        F = self.Frequency
        if self.frequency == F.WEEKDAYS:
            if not self.weekdays:
                errors["weekdays"] = _("Choose at least one weekday.")
        if self.weekdays and not all(isinstance(d, int) and 0 <= d <= 6 for d in self.weekdays):
            errors["weekdays"] = _("Weekdays are numbers from 0 (Monday) to 6 (Sunday).")
        if self.frequency in (F.EVERY_N_WEEKS, F.MONTHLY_NTH_WEEKDAY) and self.weekday is None:
            errors["weekday"] = _("Choose the weekday.")
        if self.frequency == F.MONTHLY_NTH_WEEKDAY and self.nth is None:
            errors["nth"] = _("Choose which weekday of the month (first … last).")
        if self.frequency in (F.MONTHLY_DAY, F.YEARLY) and not self.month_day:
            errors["month_day"] = _("Give the day of the month.")
        if self.frequency == F.YEARLY:
            if not self.month:
                errors["month"] = _("Give the month.")
            elif self.month_day and self.month_day > _max_day(self.month):
                errors["month_day"] = _("This month has at most %(n)s days.") % {"n": _max_day(self.month)}
        if self.frequency == F.TERMLY:
            points = self.term_points or []
            if not points:
                errors["term_points"] = _("Choose at least one point of the term.")
            elif not all(p in dict(TERM_POINT_CHOICES) for p in points):
                errors["term_points"] = _("Points of the term are start, mid and end.")
        if self.auto_follow_up:
            from houqin.core.routines import get_fail_action

            if get_fail_action(self.auto_follow_up) is None:
                errors["auto_follow_up"] = _("Unknown follow-up: %(key)s") % {"key": self.auto_follow_up}
        if not self.responsible_role and not self.responsible_user_id:
            errors["responsible_role"] = _("Name the responsible role or the responsible person (or both).")
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            errors["window_end"] = _("The end of the time window must be after its start.")
        if self.campus_id:
            if self.building_id and self.building.campus_id != self.campus_id:
                errors["building"] = _("The building belongs to another campus.")
            if self.room_id and self.room.campus_id != self.campus_id:
                errors["room"] = _("The room belongs to another campus.")
        if self.room_id and self.building_id and self.room.building_id != self.building_id:
            errors["room"] = _("The room is not in the chosen building.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.room_id and not self.building_id:
            self.building_id = self.room.building_id
        super().save(*args, **kwargs)


def _max_day(month):
    return {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)


class RoutineItem(CampusOwned):
    """One line of a routine's checklist."""

    class Kind(models.TextChoices):
        PASS_FAIL = "pass_fail", _("Pass / fail")
        VALUE = "value", _("Measured value")
        TEXT = "text", _("Text")
        CHOICE = "choice", _("Choice")

    template = models.ForeignKey(RoutineTemplate, verbose_name=_("routine"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("item"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PASS_FAIL)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=10, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=10, decimal_places=2, null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    failing_choices = models.JSONField(_("choices that fail"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    fail_hint = models.CharField(
        _("what to do when it fails"), max_length=200, blank=True, help_text=_("Shown next to a failed item.")
    )
    is_active = models.BooleanField(_("in use"), default=True, editable=False)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["order", "id"]

    def __str__(self):
        return self.label

    @property
    def range_label(self):
        if self.kind != self.Kind.VALUE:
            return ""
        unit = self.unit
        lo = _plain(self.min_value)
        hi = _plain(self.max_value)
        if lo is not None and hi is not None:
            return f"{lo}–{hi} {unit}".strip()
        if lo is not None:
            return f"≥ {lo} {unit}".strip()
        if hi is not None:
            return f"≤ {hi} {unit}".strip()
        return unit

    def clean(self):
        errors = {}
        if self.kind == self.Kind.VALUE:
            if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
                errors["max_value"] = _("The maximum must not be below the minimum.")
        if self.kind == self.Kind.CHOICE:
            if len(self.choices or []) < 2:
                errors["choices"] = _("Give at least two choices.")
            elif any(c not in self.choices for c in self.failing_choices or []):
                errors["failing_choices"] = _("Failing choices must be among the choices.")
        if self.template_id and self.campus_id and self.template.campus_id != self.campus_id:
            errors["template"] = _("The routine belongs to another campus.")
        if errors:
            raise ValidationError(errors)


def _plain(value):
    if value is None:
        return None
    from decimal import Decimal

    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


class RoutineOccurrence(CampusOwned):
    """One due instance of a routine on one day."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")

    template = models.ForeignKey(
        RoutineTemplate, verbose_name=_("routine"), on_delete=models.PROTECT, related_name="occurrences"
    )
    date = models.DateField(_("date"))
    window_start = models.DateTimeField(_("due from"))
    window_end = models.DateTimeField(_("due until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    completed_by = user_fk(_("completed by"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Set when a completion was voided: the check is owed again and is not marked missed.
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("routine check")
        verbose_name_plural = _("routine checks")
        ordering = ["-date", "window_start", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "date"], name="routineoccurrence_unique_day")]
        indexes = [
            models.Index(fields=["campus", "date"]),
            models.Index(fields=["status", "window_end"]),
        ]

    def __str__(self):
        return f"{self.template.name} · {self.date:%Y-%m-%d}"

    @property
    def is_overdue(self):
        from django.utils import timezone

        return self.status == self.Status.PENDING and self.window_end < timezone.now()

    @property
    def is_due(self):
        """Open and its day has come (a check is not recorded before its day)."""
        from django.utils import timezone

        return self.status == self.Status.PENDING and self.date <= timezone.localdate()

    @property
    def on_time(self):
        return self.status == self.Status.DONE and self.completed_at is not None and self.completed_at <= self.window_end

    @property
    def window_label(self):
        """The template's window ("07:00–07:40", or any time), with the last day when
        days are allowed."""
        from django.utils.translation import gettext as t

        label = self.template.window_label or t("any time")
        last = self.last_day
        if last != self.date:
            label += " " + t("(until %(day)s)") % {"day": last.strftime("%m-%d")}
        return label

    @property
    def last_day(self) -> dt.date:
        from django.utils import timezone

        return (timezone.localtime(self.window_end) - dt.timedelta(microseconds=1)).date()


class RoutineResult(CampusOwned):
    """The result of one checklist item in one completed occurrence."""

    occurrence = models.ForeignKey(
        RoutineOccurrence, verbose_name=_("routine check"), on_delete=models.PROTECT, related_name="results"
    )
    item = models.ForeignKey(RoutineItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="results")
    # What was checked, as it read then (the checklist may change later).
    label = models.CharField(_("item"), max_length=200)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    text = models.TextField(_("text"), blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The follow-up (a hazard, a repair request…) opened from a failed item.
    follow_up_kind = models.CharField(_("follow-up"), max_length=40, blank=True)
    follow_up_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    follow_up_id = models.CharField(max_length=40, blank=True)
    follow_up = GenericForeignKey("follow_up_type", "follow_up_id")
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        ordering = ["occurrence", "item__order", "id"]
        indexes = [models.Index(fields=["occurrence", "passed"])]

    def __str__(self):
        return self.label

    @property
    def failed(self):
        return self.passed is False

    @property
    def value_label(self):
        """The value as measured, without trailing zeros (12, 12.5), with its unit."""
        if self.value is None:
            return ""
        return f"{_plain(self.value)} {self.unit}".strip()

    def get_absolute_url(self):
        from django.urls import reverse

        from houqin.core.models import Campus

        code = Campus.objects.filter(pk=self.campus_id).values_list("code", flat=True).first()
        return reverse("core:occurrence_detail", kwargs={"campus": code, "pk": self.occurrence_id})
