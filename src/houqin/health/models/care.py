"""Special-care registers (体弱儿/肥胖儿专案管理).

A :class:`SpecialCareCase` is one child's case of one category (obesity, malnutrition,
anaemia, rickets, …), opened automatically from a measurement or an exam (the growth area
calls :func:`houqin.health.care_services.auto_enrol`) or by hand. It carries the care plan
(diet, activity, the parents' part, the recheck schedule), the follow-ups
(:class:`CareFollowUp`: weight, height, Hb, blood pressure, a note) and, once the child has
recovered or left, the closing with its outcome. Two dates are kept on the case by the
services so that due lists are one query: ``next_recheck_on`` and, for moderate or severe
obesity, ``bp_due_on`` (blood pressure monthly, 2012 规范 / 儿童营养性疾病管理技术规范).

Follow-ups are regulated records: wrong ones are voided with a reason, never edited.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["CareFollowUp", "SpecialCareCase"]


class SpecialCareCase(CampusOwned):
    class Category(models.TextChoices):
        OBESITY = "obesity", _("Obesity (肥胖)")
        MALNUTRITION = "malnutrition", _("Malnutrition (营养不良)")
        ANAEMIA = "anaemia", _("Anaemia (贫血)")
        RICKETS = "rickets", _("Rickets (佝偻病)")
        PREMATURE = "premature", _("Premature / low birth weight (早产/低出生体重)")
        HEART = "heart", _("Congenital heart disease (先天性心脏病)")
        RESPIRATORY = "respiratory", _("Repeated respiratory infections (反复呼吸道感染)")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        NONE = "", _("Not graded")
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    class Source(models.TextChoices):
        AUTO = "auto", _("From a measurement or exam")
        MANUAL = "manual", _("Entered by hand")

    class Status(models.TextChoices):
        OPEN = "open", _("Under management")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        RECOVERED = "recovered", _("Recovered (痊愈/转归)")
        MOVED_AWAY = "moved_away", _("Left the kindergarten (离园)")
        OTHER = "other", _("Other")

    # Categories of the 肥胖儿 register; every other category is on the 体弱儿 register.
    OBESE_CATEGORIES = (Category.OBESITY,)
    # Categories a measurement or an exam can open (and show recovery for).
    MEASURED_CATEGORIES = (Category.OBESITY, Category.MALNUTRITION, Category.ANAEMIA)
    SEVERITY_RANK = {"": 0, "mild": 1, "moderate": 2, "severe": 3}

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="care_cases"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    detail = models.CharField(
        _("finding"),
        max_length=300,
        blank=True,
        help_text=_("What was found, e.g. Hb 95 g/L or W/H +2.4 SD."),
    )
    opened_on = models.DateField(_("opened on"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    origin = models.CharField(_("opened from"), max_length=120, blank=True)
    opened_by = user_fk(_("opened by"))
    # The care plan (干预方案).
    plan_diet = models.TextField(_("diet"), blank=True)
    plan_activity = models.TextField(_("physical activity"), blank=True)
    plan_parents = models.TextField(_("the parents' part"), blank=True)
    plan = models.TextField(_("treatment and other measures"), blank=True)
    recheck_months = models.PositiveSmallIntegerField(
        _("recheck every (months)"), null=True, blank=True,
        help_text=_("Empty: the campus rule for the category."),
    )  # fmt: skip
    plan_updated_at = models.DateTimeField(_("plan updated at"), null=True, blank=True)
    # Kept by the services (due lists in one query).
    next_recheck_on = models.DateField(_("next recheck"), null=True, blank=True)
    bp_due_on = models.DateField(_("blood pressure due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    close_note = models.CharField(_("closing note"), max_length=300, blank=True)
    closed_by = user_fk(_("closed by"))

    class Meta:
        verbose_name = _("special-care case")
        verbose_name_plural = _("special-care cases")
        ordering = ["-status", "-opened_on", "-id"]  # open first
        constraints = [
            models.UniqueConstraint(
                fields=["child", "category"],
                condition=models.Q(status="open"),
                name="health_care_one_open_case_per_category",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", outcome="")
                | models.Q(status="closed", closed_on__isnull=False),
                name="health_care_closed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["campus", "status", "category"]),
            models.Index(fields=["campus", "status", "bp_due_on"]),
            models.Index(fields=["campus", "status", "next_recheck_on"]),
        ]

    def __str__(self):
        return f"{self.child} · {self.get_category_display()}"

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def register(self):
        return "obese" if self.category in self.OBESE_CATEGORIES else "frail"

    @property
    def needs_bp(self):
        """Moderate or severe obesity: blood pressure every month."""
        return self.category == self.Category.OBESITY and self.severity in ("moderate", "severe")

    @property
    def is_case_file(self):
        """Moderate and severe cases get a case file (专案管理, 2012 规范 §七)."""
        return self.severity in ("moderate", "severe") or self.category not in self.MEASURED_CATEGORIES

    def clean(self):
        errors = {}
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            errors["child"] = _("The child belongs to another campus.")
        if self.category == self.Category.OTHER and not (self.detail or "").strip():
            errors["detail"] = _("Describe the condition.")
        if self.status == self.Status.CLOSED:
            if not self.closed_on:
                errors["closed_on"] = _("Give the date of closing.")
            if not self.outcome:
                errors["outcome"] = _("Choose the outcome.")
            if self.closed_on and self.opened_on and self.closed_on < self.opened_on:
                errors["closed_on"] = _("The case cannot close before it was opened.")
        if self.recheck_months is not None and not 1 <= self.recheck_months <= 12:
            errors["recheck_months"] = _("Between 1 and 12 months.")
        if errors:
            raise ValidationError(errors)


class CareFollowUp(CampusOwned):
    """One follow-up of a case (随访): measurements, blood pressure and what was done."""

    case = models.ForeignKey(
        SpecialCareCase, verbose_name=_("case"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    date = models.DateField(_("date"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    hb_g_l = models.PositiveSmallIntegerField(_("haemoglobin (g/L)"), null=True, blank=True)
    bp_systolic = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), null=True, blank=True)
    bp_diastolic = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = user_fk(_("recorded by"))
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("care follow-up")
        verbose_name_plural = _("care follow-ups")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campus", "case", "date"])]

    def __str__(self):
        return f"{self.case} {self.date:%Y-%m-%d}"

    @property
    def has_bp(self):
        return self.bp_systolic is not None and self.bp_diastolic is not None

    @property
    def bp_display(self):
        return f"{self.bp_systolic}/{self.bp_diastolic}" if self.has_bp else ""

    def clean(self):
        errors = {}
        if self.case_id and self.campus_id and self.case.campus_id != self.campus_id:
            errors["case"] = _("The case belongs to another campus.")
        if self.weight_kg is not None and not 1 <= self.weight_kg <= 150:
            errors["weight_kg"] = _("Between 1 and 150 kg.")
        if self.height_cm is not None and not 40 <= self.height_cm <= 200:
            errors["height_cm"] = _("Between 40 and 200 cm.")
        if self.hb_g_l is not None and not 30 <= self.hb_g_l <= 250:
            errors["hb_g_l"] = _("Between 30 and 250 g/L.")
        if (self.bp_systolic is None) != (self.bp_diastolic is None):
            errors["bp_diastolic"] = _("Give both the systolic and the diastolic pressure.")
        elif self.has_bp:
            if not 50 <= self.bp_systolic <= 220:
                errors["bp_systolic"] = _("Between 50 and 220 mmHg.")
            if not 20 <= self.bp_diastolic <= 150:
                errors["bp_diastolic"] = _("Between 20 and 150 mmHg.")
            if self.bp_diastolic >= self.bp_systolic:
                errors["bp_diastolic"] = _("The diastolic pressure must be lower than the systolic.")
        if self.is_void and not self.void_reason:
            errors["void_reason"] = _("Give a reason.")
        if errors:
            raise ValidationError(errors)
