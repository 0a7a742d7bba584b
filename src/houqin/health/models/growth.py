"""Models of the growth area: health cards, measurements, exams and growth evaluation
(入园健康检查表、身高体重测量、定期体检与生长发育评价).

All three are regulated records: they are never edited or deleted once saved; a wrong
one is voided with a reason (and entered again). Only ``houqin.health.growth_services``
writes them.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["Exam", "HealthCard", "Measurement"]


class GrowthLevel(models.TextChoices):
    """Growth level (生长水平), WS/T 423-2022 Tables 1 and 2."""

    UPPER = "upper", _("Upper (上)")
    UPPER_MIDDLE = "upper_middle", _("Upper middle (中上)")
    MIDDLE = "middle", _("Middle (中)")
    LOWER_MIDDLE = "lower_middle", _("Lower middle (中下)")
    LOWER = "lower", _("Lower (下)")


class VoidableRecord(CampusOwned):
    """Common fields of a record that is voided with a reason instead of edited."""

    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.is_void and not self.void_reason.strip():
            raise ValidationError({"void_reason": _("Give a reason.")})
        if (
            getattr(self, "school_class_id", None)
            and self.campus_id
            and self.school_class.campus_id != self.campus_id
        ):
            raise ValidationError({"school_class": _("The class belongs to another campus.")})
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            raise ValidationError({"child": _("The child belongs to another campus.")})


class HealthCard(VoidableRecord):
    """The entry health card (入园健康检查表) a child brings from a medical institution."""

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="health_cards"
    )
    exam_date = models.DateField(_("exam date"))
    hospital = models.CharField(_("examining hospital"), max_length=100)
    results = models.TextField(_("results"), blank=True, help_text=_("Findings as written on the form."))
    passed = models.BooleanField(_("fit for admission"), default=True)
    vaccination_checked = models.BooleanField(_("vaccination card checked (查验预防接种证)"), default=False)
    vaccination_complete = models.BooleanField(_("vaccinations complete"), default=True)
    vaccination_note = models.CharField(_("vaccinations to catch up"), max_length=200, blank=True)
    allergies = models.CharField(_("allergies"), max_length=200, blank=True)
    past_illnesses = models.CharField(_("past illnesses"), max_length=300, blank=True)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=4, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    hb_g_l = models.PositiveSmallIntegerField(_("haemoglobin (g/L)"), null=True, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("entry health card")
        verbose_name_plural = _("entry health cards")
        ordering = ["-exam_date", "-id"]
        indexes = [models.Index(fields=["campus", "child", "is_void"])]

    def __str__(self):
        return f"{self.child} {self.exam_date:%Y-%m-%d}"


class Measurement(VoidableRecord):
    """One height and weight measurement with its evaluation against the growth reference.

    z-scores: haz = length/height-for-age, waz = weight-for-age, whz = weight-for-length
    (< 24 months) / weight-for-height, bmiz = BMI-for-age. ``obesity_degree`` is graded by
    the % above the weight-for-length/height median (20–29 % mild, 30–49 % moderate,
    ≥ 50 % severe) — the Chinese clinical practice, not a table of WS/T 423-2022.
    """

    class Reference(models.TextChoices):
        WST423 = "wst423", _("WS/T 423-2022 (China)")
        WHO = "who", _("WHO 2006/2007")

    class Degree(models.TextChoices):
        NONE = "", _("—")
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    class Severity(models.TextChoices):
        NONE = "", _("—")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="growth_measurements"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    measured_on = models.DateField(_("measured on"))
    age_months = models.PositiveSmallIntegerField(_("age (months)"))
    height_cm = models.DecimalField(
        _("height (cm)"), max_digits=4, decimal_places=1,
        validators=[MinValueValidator(40), MaxValueValidator(200)],
    )  # fmt: skip
    weight_kg = models.DecimalField(
        _("weight (kg)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(1), MaxValueValidator(150)],
    )  # fmt: skip
    bmi = models.DecimalField(_("BMI (kg/m²)"), max_digits=4, decimal_places=1, null=True, blank=True)
    haz = models.DecimalField(_("height-for-age z"), max_digits=5, decimal_places=2, null=True, blank=True)
    waz = models.DecimalField(_("weight-for-age z"), max_digits=5, decimal_places=2, null=True, blank=True)
    whz = models.DecimalField(_("weight-for-height z"), max_digits=5, decimal_places=2, null=True, blank=True)
    bmiz = models.DecimalField(_("BMI-for-age z"), max_digits=5, decimal_places=2, null=True, blank=True)
    wh_median_pct = models.DecimalField(
        _("% above the weight-for-height median"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    reference = models.CharField(
        _("reference"), max_length=8, choices=Reference.choices, default=Reference.WST423
    )
    interpolated = models.BooleanField(_("interpolated between the printed rows"), default=False)
    height_level = models.CharField(_("height level"), max_length=12, choices=GrowthLevel.choices, blank=True)
    weight_level = models.CharField(_("weight level"), max_length=12, choices=GrowthLevel.choices, blank=True)
    wh_level = models.CharField(
        _("weight-for-height level"), max_length=12, choices=GrowthLevel.choices, blank=True
    )
    stunting = models.BooleanField(_("stunting (生长迟缓)"), default=False)
    underweight = models.BooleanField(_("underweight (低体重)"), default=False)
    wasting = models.BooleanField(_("wasting (消瘦)"), default=False)
    overweight = models.BooleanField(_("overweight (超重)"), default=False)
    obesity = models.BooleanField(_("obesity (肥胖)"), default=False)
    obesity_degree = models.CharField(_("obesity degree"), max_length=10, choices=Degree.choices, blank=True)
    malnutrition_severity = models.CharField(
        _("malnutrition"), max_length=10, choices=Severity.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    measured_by = user_fk(_("measured by"))

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["-measured_on", "child__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "measured_on"],
                condition=models.Q(is_void=False),
                name="health_measurement_one_a_day",
            )
        ]
        indexes = [
            models.Index(fields=["campus", "school_class", "measured_on"]),
            models.Index(fields=["campus", "child", "measured_on"]),
        ]

    def __str__(self):
        return f"{self.child} {self.measured_on:%Y-%m-%d} {self.height_cm} cm {self.weight_kg} kg"

    @property
    def flags(self):
        return [
            n for n in ("stunting", "underweight", "wasting", "overweight", "obesity") if getattr(self, n)
        ]

    @property
    def is_length(self):
        return self.age_months < 24


class Exam(VoidableRecord):
    """A health examination (体检): the entry exam done in the kindergarten, the periodic
    (yearly, twice a year for 1–3 y) exam, or the re-exam after more than 3 months away."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry exam (入园体检)")
        PERIODIC = "periodic", _("Periodic exam (定期体检)")
        RETURN = "return", _("Re-exam after absence (离园3个月以上复查)")

    class Anaemia(models.TextChoices):
        NONE = "", _("No anaemia")
        MILD = "mild", _("Mild anaemia")
        MODERATE = "moderate", _("Moderate anaemia")
        SEVERE = "severe", _("Severe anaemia")

    class Hearing(models.TextChoices):
        NONE = "", _("Not screened")
        PASS = "pass", _("Pass")
        REFER = "refer", _("Refer (未通过)")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="exams"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    exam_date = models.DateField(_("exam date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERIODIC)
    age_months = models.PositiveSmallIntegerField(_("age (months)"))
    hb_g_l = models.PositiveSmallIntegerField(
        _("haemoglobin (g/L)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(220)],
    )
    anaemia = models.CharField(_("anaemia"), max_length=10, choices=Anaemia.choices, blank=True)
    vision_left = models.DecimalField(
        _("vision, left eye"), max_digits=2, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(5.3)], help_text=_("5-point scale (4.0 … 5.3)."),
    )  # fmt: skip
    vision_right = models.DecimalField(
        _("vision, right eye"), max_digits=2, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(3), MaxValueValidator(5.3)],
    )  # fmt: skip
    vision_abnormal = models.BooleanField(_("vision abnormal"), default=False)
    caries_count = models.PositiveSmallIntegerField(
        _("decayed teeth (龋齿)"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    hearing = models.CharField(_("hearing screen"), max_length=6, choices=Hearing.choices, blank=True)
    findings = models.CharField(
        _("other findings"), max_length=300, blank=True,
        help_text=_("Skin, heart and lungs, liver and spleen, spine, limbs… (empty: normal)."),
    )  # fmt: skip
    passed = models.BooleanField(_("passed"), default=True)
    advice = models.CharField(_("doctor's advice"), max_length=300, blank=True)
    doctor = models.CharField(_("examined by (doctor or hospital)"), max_length=60, blank=True)
    measurement = models.OneToOneField(
        Measurement, verbose_name=_("measurement"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="exam",
    )  # fmt: skip
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("health exam")
        verbose_name_plural = _("health exams")
        ordering = ["-exam_date", "child__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "exam_date", "kind"],
                condition=models.Q(is_void=False),
                name="health_exam_one_a_day",
            )
        ]
        indexes = [
            models.Index(fields=["campus", "school_class", "exam_date"]),
            models.Index(fields=["campus", "child", "exam_date"]),
        ]

    def __str__(self):
        return f"{self.child} {self.exam_date:%Y-%m-%d} {self.get_kind_display()}"
