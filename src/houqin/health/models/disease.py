"""Models of the disease area: medication, infectious disease, disinfection and health
education (喂药、传染病、消毒、健康教育).

Regulated records (doses, cases, tests, lessons…) are never edited after the fact nor
deleted: they are voided with a reason (``is_void``) and a new record is made. Every write
goes through :mod:`houqin.health.disease_services`.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = [
    "ClassQuarantine",
    "ConcentrationTest",
    "Disease",
    "DiseaseCase",
    "HealthLesson",
    "MedicationDose",
    "MedicationOrder",
    "OutbreakAlert",
    "PublicityBoardChange",
    "TerminalDisinfection",
    "parse_times",
]


class VoidableMixin(models.Model):
    """Void instead of delete: the row stays in the ledger with who, when and why."""

    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        abstract = True


def _same_campus(obj, errors, *names):
    for name in names:
        related_id = getattr(obj, f"{name}_id", None)
        if related_id and obj.campus_id:
            related = getattr(obj, name)
            if getattr(related, "campus_id", obj.campus_id) != obj.campus_id:
                errors[name] = _("This belongs to another campus.")


def parse_times(value):
    """``"08:30, 12:00"`` (or a list of strings / times) → sorted unique ``["08:30", "12:00"]``;
    ValidationError on a bad time."""
    if value is None:
        return []
    if isinstance(value, str):
        parts = [
            p for p in value.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p.strip()
        ]
    else:
        parts = list(value)
    out = set()
    for part in parts:
        if isinstance(part, dt.time):
            out.add(part.strftime("%H:%M"))
            continue
        text = str(part).strip().replace("：", ":")
        try:
            out.add(dt.time.fromisoformat(text if len(text) > 2 else f"{text}:00").strftime("%H:%M"))
        except ValueError:
            raise ValidationError({"times": _("“%(value)s” is not a time such as 08:30.") % {"value": text}})
    return sorted(out)


# --- Medication (喂药) -------------------------------------------------------------------------


class MedicationOrder(VoidableMixin, CampusOwned):
    """A medicine a parent entrusted to the kindergarten (喂药委托登记), with the times of day
    it is to be given on each day from ``start_date`` for ``days`` days."""

    class Route(models.TextChoices):
        ORAL = "oral", _("By mouth (口服)")
        EYE = "eye", _("Eye drops (滴眼)")
        EAR = "ear", _("Ear drops (滴耳)")
        NOSE = "nose", _("Nasal (滴鼻/喷鼻)")
        SKIN = "skin", _("On the skin (外用)")
        INHALED = "inhaled", _("Inhaled (雾化/吸入)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        STOPPED = "stopped", _("Stopped")
        VOID = "void", _("Void")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="medication_orders"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    drug = models.CharField(_("medicine"), max_length=100)
    dose = models.CharField(
        _("dose"), max_length=60, help_text=_("As on the label, e.g. 5 ml, 1 sachet, 2 drops")
    )
    route = models.CharField(_("route"), max_length=10, choices=Route.choices, default=Route.ORAL)
    times = models.JSONField(_("times of day"), default=list, help_text=_("e.g. 08:30, 12:00"))
    start_date = models.DateField(_("first day"))
    days = models.PositiveSmallIntegerField(
        _("number of days"), default=1, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    end_date = models.DateField(_("last day"), editable=False)
    is_antibiotic = models.BooleanField(
        _("antibiotic"),
        default=False,
        help_text=_("Antibiotics need a photo of the hospital record (病历/处方)."),
    )
    storage = models.CharField(_("storage"), max_length=100, blank=True, help_text=_("e.g. in the fridge"))
    notes = models.TextField(_("notes"), blank=True)
    parent_name = models.CharField(_("parent's name"), max_length=40)
    parent_phone = models.CharField(_("parent's phone"), max_length=20, blank=True)
    parent_confirmed = models.BooleanField(
        _("parent signed"),
        default=False,
        help_text=_("The parent confirmed the entrustment with their signature."),
    )
    has_signature = models.BooleanField(_("drawn signature"), default=False, editable=False)
    registered_by = user_fk(_("registered by"))
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_by = user_fk(_("stopped by"))
    stop_reason = models.CharField(_("stop reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("entrusted medicine")
        verbose_name_plural = _("entrusted medicines")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["campus", "status", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.child} · {self.drug}"

    def save(self, *args, **kwargs):
        if self.start_date and self.days:
            self.end_date = self.start_date + dt.timedelta(days=int(self.days) - 1)
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        _same_campus(self, errors, "child", "school_class")
        try:
            self.times = parse_times(self.times)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if not self.times:
                errors["times"] = _("Give at least one time of day.")
            elif len(self.times) > 6:
                errors["times"] = _("At most six times a day.")
        if not self.parent_confirmed:
            errors["parent_confirmed"] = _("The parent must sign the entrustment (家长签字).")
        if self.start_date and self.days:
            self.end_date = self.start_date + dt.timedelta(days=int(self.days) - 1)
        if errors:
            raise ValidationError(errors)

    @property
    def times_label(self):
        return "、".join(self.times or [])

    def runs_on(self, day):
        return self.status == self.Status.ACTIVE and self.start_date <= day <= self.end_date

    def slots(self):
        return [dt.time.fromisoformat(t) for t in self.times or []]


class MedicationDose(VoidableMixin, CampusOwned):
    """One time slot of an entrusted medicine: given (after the three checks, signed by the
    giver's login) or not given with a reason. A given dose is voided, never edited."""

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        NOT_GIVEN = "not_given", _("Not given")

    class Reason(models.TextChoices):
        ABSENT = "absent", _("Child absent")
        WITHDRAWN = "withdrawn", _("Parent withdrew the medicine")
        REFUSED = "refused", _("Child refused")
        SENT_HOME = "sent_home", _("Child sent home")
        OTHER = "other", _("Other")

    order = models.ForeignKey(
        MedicationOrder, verbose_name=_("medicine"), on_delete=models.PROTECT, related_name="doses"
    )
    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    slot = models.TimeField(_("time slot"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    confirmed_child = models.BooleanField(_("child checked"), default=False)
    confirmed_class = models.BooleanField(_("class checked"), default=False)
    confirmed_dose = models.BooleanField(_("dose checked"), default=False)
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = user_fk(_("signed by"))
    recorded_at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        verbose_name = _("dose")
        verbose_name_plural = _("doses")
        ordering = ["-date", "-slot", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "date", "slot"],
                condition=models.Q(is_void=False),
                name="health_dose_one_per_slot",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="given")
                | models.Q(confirmed_child=True, confirmed_class=True, confirmed_dose=True),
                name="health_dose_given_after_checks",
            ),
        ]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.order} {self.date:%m-%d} {self.slot:%H:%M}"

    def clean(self):
        errors = {}
        if self.status == self.Status.GIVEN:
            missing = [
                label
                for ok, label in (
                    (self.confirmed_child, _("the child")),
                    (self.confirmed_class, _("the class")),
                    (self.confirmed_dose, _("the dose")),
                )
                if not ok
            ]
            if missing:
                errors["__all__"] = _("Confirm %(what)s before giving the medicine.") % {
                    "what": "、".join(map(str, missing))
                }
            self.reason = ""
        elif self.status == self.Status.NOT_GIVEN and not self.reason:
            errors["reason"] = _("Say why the dose was not given.")
        if errors:
            raise ValidationError(errors)


# --- Infectious disease (传染病) ---------------------------------------------------------------


class Disease(CampusOwned):
    """An infectious disease the campus watches, with its isolation and quarantine periods
    and its cluster threshold (聚集性疫情) — the campus keeps the list (seeded with the
    common ones, see ``disease_services.DEFAULT_DISEASES``)."""

    name = models.CharField(_("name"), max_length=60)
    isolation_days = models.PositiveSmallIntegerField(
        _("isolation days"), validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Counted from the onset; the child returns at the earliest the day after."),
    )  # fmt: skip
    quarantine_days = models.PositiveSmallIntegerField(
        _("class quarantine days (检疫期)"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Medical observation of the class after a case, usually the longest incubation period."),
    )  # fmt: skip
    cluster_cases = models.PositiveSmallIntegerField(
        _("cluster: cases"), default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    cluster_days = models.PositiveSmallIntegerField(
        _("cluster: within days"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    class_cluster_cases = models.PositiveSmallIntegerField(
        _("cluster: cases in one class"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("Optional: this many cases in one class within the same days is a cluster too (HFMD: 2)."),
    )  # fmt: skip
    symptoms = models.CharField(_("typical symptoms"), max_length=200, blank=True)
    return_rule = models.CharField(_("return to class"), max_length=200, blank=True)
    is_notifiable = models.BooleanField(_("notifiable (法定传染病)"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("infectious disease")
        verbose_name_plural = _("infectious diseases")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="health_disease_unique_name")]

    def __str__(self):
        return self.name

    @property
    def cluster_label(self):
        text = _("%(n)s in %(d)s days") % {"n": self.cluster_cases, "d": self.cluster_days}
        if self.class_cluster_cases:
            text = _("%(text)s, or %(c)s in one class") % {"text": text, "c": self.class_cluster_cases}
        return text


class TerminalDisinfection(VoidableMixin, CampusOwned):
    """终末消毒 of a class after an infectious disease case: due by a date, done with the
    method and a photo. One open task per class gathers the cases recorded meanwhile."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To do")
        DONE = "done", _("Done")

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    disease = models.ForeignKey(
        Disease, verbose_name=_("disease"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    method = models.CharField(_("method"), max_length=200, blank=True)
    areas = models.CharField(_("areas and objects"), max_length=200, blank=True)
    done_by = user_fk(_("done by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("terminal disinfection")
        verbose_name_plural = _("terminal disinfections")
        ordering = ["-due_date", "-id"]
        indexes = [models.Index(fields=["campus", "status", "due_date"])]

    def __str__(self):
        return f"{self.school_class} {_('terminal disinfection')} {self.due_date:%m-%d}"

    @property
    def is_overdue(self):
        return (
            self.status == self.Status.PENDING and not self.is_void and self.due_date < timezone.localdate()
        )


class OutbreakAlert(CampusOwned):
    """A class reached the reporting threshold (3 cases in a day or 5 in 3 days): report to
    the CDC within 24 h (《学校和托幼机构传染病疫情报告工作规范（试行）》)."""

    class Rule(models.TextChoices):
        DAY = "day", _("Cases in one day")
        WINDOW = "window", _("Cases within consecutive days")

    class Status(models.TextChoices):
        OPEN = "open", _("To report")
        REPORTED = "reported", _("Reported")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30)
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    disease = models.ForeignKey(
        Disease, verbose_name=_("disease"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=10, choices=Rule.choices)
    rule_label = models.CharField(_("threshold reached"), max_length=100)
    case_count = models.PositiveSmallIntegerField(_("cases"), default=0)
    first_onset = models.DateField(_("first onset"))
    last_onset = models.DateField(_("last onset"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    report_due_at = models.DateTimeField(_("report due by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    symptoms = models.TextField(_("symptoms"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_to = models.CharField(_("reported to"), max_length=100, blank=True)
    report_method = models.CharField(_("how"), max_length=60, blank=True)
    reported_by = user_fk(_("reported by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = user_fk(_("closed by"))
    close_note = models.CharField(_("closing note"), max_length=200, blank=True)
    cases = models.ManyToManyField(
        "DiseaseCase", verbose_name=_("cases"), related_name="outbreaks", blank=True
    )

    class Meta:
        verbose_name = _("outbreak alert")
        verbose_name_plural = _("outbreak alerts")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "number"], name="health_outbreak_unique_number")
        ]

    def __str__(self):
        return f"{self.number} {self.school_class}"

    @property
    def is_overdue(self):
        return self.status == self.Status.OPEN and self.report_due_at < timezone.now()


class DiseaseCase(VoidableMixin, CampusOwned):
    """An infectious disease case of a child (传染病登记): isolation from the onset for the
    disease's days, return to class only after it with a medical certificate."""

    class Source(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital diagnosis")
        SUSPECTED = "suspected", _("Suspected by the health teacher")
        PARENT = "parent", _("Reported by the parent")
        CDC = "cdc", _("Notified by the CDC")

    class Status(models.TextChoices):
        ISOLATING = "isolating", _("In isolation")
        RETURNED = "returned", _("Back in class")

    number = models.CharField(_("number"), max_length=30)
    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="disease_cases"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    disease = models.ForeignKey(
        Disease, verbose_name=_("disease"), on_delete=models.PROTECT, related_name="cases"
    )
    onset_date = models.DateField(_("onset"))
    diagnosis_source = models.CharField(
        _("diagnosis"), max_length=10, choices=Source.choices, default=Source.HOSPITAL
    )
    hospital = models.CharField(_("hospital"), max_length=100, blank=True)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    reported_on = models.DateField(_("reported on"), default=timezone.localdate)
    reported_by = user_fk(_("reported by"))
    isolation_from = models.DateField(_("isolation from"))
    isolation_until = models.DateField(_("isolation until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ISOLATING)
    returned_on = models.DateField(_("back in class on"), null=True, blank=True)
    certificate_date = models.DateField(_("certificate date"), null=True, blank=True)
    return_recorded_by = user_fk(_("return recorded by"))
    disinfection = models.ForeignKey(
        TerminalDisinfection, verbose_name=_("terminal disinfection"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="cases",
    )  # fmt: skip
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("infectious disease case")
        verbose_name_plural = _("infectious disease cases")
        ordering = ["-onset_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["campus", "number"], name="health_case_unique_number")]
        indexes = [models.Index(fields=["campus", "school_class", "onset_date"])]

    def __str__(self):
        return f"{self.number} {self.child} · {self.disease}"

    def clean(self):
        errors = {}
        _same_campus(self, errors, "child", "school_class", "disease")
        today = timezone.localdate()
        if self.onset_date and self.onset_date > today:
            errors["onset_date"] = _("The onset cannot be in the future.")
        if self.onset_date and self.reported_on and self.onset_date > self.reported_on:
            errors["onset_date"] = _("The onset cannot be after the day it was reported.")
        if self.isolation_from and self.isolation_until and self.isolation_until < self.isolation_from:
            errors["isolation_until"] = _("The isolation cannot end before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def earliest_return(self):
        return self.isolation_until + dt.timedelta(days=1) if self.isolation_until else None


class ClassQuarantine(CampusOwned):
    """Class quarantine (检疫): 不并班、不串班、不收新生 from ``start_date`` to ``end_date``.
    While it is in force no child is enrolled into the class or moved into it (see
    ``disease_services.quarantine_guard``, registered with ``core.placement``)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("In force")
        LIFTED = "lifted", _("Lifted")
        CANCELLED = "cancelled", _("Cancelled")

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="quarantines"
    )
    disease = models.ForeignKey(
        Disease, verbose_name=_("disease"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outbreak = models.ForeignKey(
        OutbreakAlert, verbose_name=_("outbreak alert"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="quarantines",
    )  # fmt: skip
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    active = models.BooleanField(_("in force"), default=True, editable=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = user_fk(_("created by"))
    confirmed_by = user_fk(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_by = user_fk(_("ended by"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("ending reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class quarantine")
        verbose_name_plural = _("class quarantines")
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["campus", "active", "start_date", "end_date"])]

    def __str__(self):
        return f"{self.school_class} {self.start_date:%m-%d}—{self.end_date:%m-%d}"

    def save(self, *args, **kwargs):
        self.active = self.status == self.Status.ACTIVE
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"active"}
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        _same_campus(self, errors, "school_class", "disease")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date must not be before the start date.")
        if self.start_date and self.end_date and (self.end_date - self.start_date).days > 90:
            errors["end_date"] = _("A quarantine lasts at most 90 days.")
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day):
        return self.status == self.Status.ACTIVE and self.start_date <= day <= self.end_date


# --- Disinfection (消毒) --------------------------------------------------------------------------


class ConcentrationTest(VoidableMixin, CampusOwned):
    """A disinfectant concentration test (消毒液浓度测试): a failed one needs a redo."""

    class Disinfectant(models.TextChoices):
        CHLORINE = "chlorine", _("Chlorine (含氯消毒液, 84)")
        CHLORINE_TABLET = "chlorine_tablet", _("Chlorine tablets (含氯泡腾片)")
        CHLORINE_DIOXIDE = "chlorine_dioxide", _("Chlorine dioxide (二氧化氯)")
        PERACETIC = "peracetic", _("Peracetic acid (过氧乙酸)")
        QUATERNARY = "quaternary", _("Quaternary ammonium (季铵盐)")
        OTHER = "other", _("Other")

    date = models.DateField(_("date"), default=timezone.localdate)
    disinfectant = models.CharField(_("disinfectant"), max_length=20, choices=Disinfectant.choices)
    product = models.CharField(_("product"), max_length=60, blank=True)
    purpose = models.CharField(
        _("used for"), max_length=100, help_text=_("e.g. tables and toys, floors, toilets")
    )
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=60, blank=True)
    target_min = models.DecimalField(_("target from (mg/L)"), max_digits=7, decimal_places=1)
    target_max = models.DecimalField(_("target up to (mg/L)"), max_digits=7, decimal_places=1)
    measured = models.DecimalField(
        _("measured (mg/L)"), max_digits=7, decimal_places=1, validators=[MinValueValidator(0)]
    )
    passed = models.BooleanField(_("passed"), default=False, editable=False)
    method = models.CharField(_("test method"), max_length=60, blank=True, default="试纸比色")
    redo_of = models.ForeignKey(
        "self",
        verbose_name=_("redo of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redos",
    )
    tested_by = user_fk(_("tested by"))
    tested_at = models.DateTimeField(_("tested at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("concentration test")
        verbose_name_plural = _("concentration tests")
        ordering = ["-date", "-tested_at", "-id"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.get_disinfectant_display()} {self.date:%m-%d} {self.measured} mg/L"

    def clean(self):
        errors = {}
        _same_campus(self, errors, "school_class")
        if self.target_min is not None and self.target_max is not None and self.target_min > self.target_max:
            errors["target_max"] = _("The upper target must not be below the lower one.")
        if self.target_min is not None and self.target_min <= 0:
            errors["target_min"] = _("The target must be above zero.")
        if errors:
            raise ValidationError(errors)
        if None not in (self.target_min, self.target_max, self.measured):
            self.passed = self.target_min <= self.measured <= self.target_max

    @property
    def target_label(self):
        return f"{self.target_min:g}–{self.target_max:g} mg/L" if self.target_min is not None else ""


# --- Health education (健康教育) ----------------------------------------------------------------


class HealthLesson(VoidableMixin, CampusOwned):
    """A health education lesson of a class (每班每月一次健康教育)."""

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="health_lessons"
    )
    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=100)
    teacher = user_fk(_("teacher"), null=True)
    summary = models.TextField(_("content"), blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("health education lesson")
        verbose_name_plural = _("health education lessons")
        ordering = ["-date", "school_class__sort_order", "-id"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.school_class} {self.date:%m-%d} {self.topic}"

    def clean(self):
        errors = {}
        _same_campus(self, errors, "school_class")
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("The date cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class PublicityBoardChange(VoidableMixin, CampusOwned):
    """A change of the health publicity board (健康宣传栏, changed every month)."""

    date = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=100)
    location = models.CharField(_("board"), max_length=60, blank=True, help_text=_("e.g. 保健室门口宣传栏"))
    changed_by = user_fk(_("changed by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("publicity board change")
        verbose_name_plural = _("publicity board changes")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": _("The date cannot be in the future.")})
