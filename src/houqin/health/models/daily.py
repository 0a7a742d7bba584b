"""Models of the daily area: sick-absence follow-up, morning and midday checks and all-day
observation (因病缺勤追踪、晨午检、全日观察).

The roll call itself (``ClassAttendance`` / ``AttendanceRecord``) lives in
:mod:`houqin.health.models.attendance`; this area is its only writer
(:mod:`houqin.health.daily_services`).

Checks follow the kindergarten practice "everyone normal, record only the exceptions": a
:class:`ClassCheck` is one class's morning or midday check (who checked, when, how many
children), a :class:`HealthCheck` one child's exception in it (fever, a finding of
一摸二看三问四查, a health tag other than the default, observation, isolation, sent home).
Checks and observation notes are regulated records: wrong ones are voided with a reason,
never edited or deleted.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["AbsenceFollowUp", "ClassCheck", "HealthCheck", "ObservationNote", "CHECK_FINDINGS"]


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat message")
    IN_PERSON = "in_person", _("In person")
    OTHER = "other", _("Other")


class AbsenceFollowUp(CampusOwned):
    """因病缺勤追踪: the health teacher finds out the cause of a sick-leave absence the same day.

    Created by ``attendance_take`` for every absence with the reason "sick"; cancelled (with
    the reason) when the roll call is corrected so that the child is no longer absent sick,
    reopened when it is marked sick again.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("To follow up")
        DONE = "done", _("Followed up")
        CANCELLED = "cancelled", _("Cancelled (attendance corrected)")

    ContactMethod = ContactMethod

    record = models.OneToOneField(
        "health.AttendanceRecord",
        verbose_name=_("absence"),
        on_delete=models.PROTECT,
        related_name="follow_up",
    )
    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("day of absence"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    symptoms = models.CharField(_("symptoms"), max_length=300, blank=True)
    diagnosis = models.CharField(_("diagnosis"), max_length=200, blank=True)
    infectious_suspected = models.BooleanField(_("infectious disease suspected"), default=False)
    expected_return = models.DateField(_("expected back on"), null=True, blank=True)
    contacted_person = models.CharField(
        _("contacted whom"), max_length=40, blank=True, help_text=_("For example 妈妈 or the child's doctor.")
    )
    contact_method = models.CharField(
        _("contacted how"), max_length=10, choices=ContactMethod.choices, blank=True
    )
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    completed_by = user_fk(_("followed up by"))
    completed_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sick-absence follow-up")
        verbose_name_plural = _("sick-absence follow-ups")
        ordering = ["-date", "school_class__sort_order", "child__name"]
        indexes = [models.Index(fields=["campus", "status", "date"])]

    def __str__(self):
        return f"{self.child} {self.date:%Y-%m-%d}"

    def clean(self):
        errors = {}
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            errors["child"] = _("The child belongs to another campus.")
        if self.expected_return and self.date and self.expected_return < self.date:
            errors["expected_return"] = _("The expected return cannot be before the day of absence.")
        if self.status == self.Status.DONE:
            if not self.symptoms.strip():
                errors["symptoms"] = _("Describe the symptoms (or write 无 when there are none).")
            if not self.contacted_person.strip():
                errors["contacted_person"] = _("Say whom you contacted.")
            if not self.contact_method:
                errors["contact_method"] = _("Say how you contacted them.")
        if errors:
            raise ValidationError(errors)

    def due_at(self, campus_due_time=None):
        """The deadline: the day of absence at the campus's follow-up time (default 17:00)."""
        import datetime as dt

        due = campus_due_time or dt.time(17, 0)
        return timezone.make_aware(dt.datetime.combine(self.date, due))

    def is_overdue_at(self, now, due_time=None):
        return self.status == self.Status.OPEN and now >= self.due_at(due_time)


class ClassCheck(CampusOwned):
    """One class's morning or midday check (晨检/午检) on one day."""

    class Session(models.TextChoices):
        MORNING = "morning", _("Morning check (晨检)")
        MIDDAY = "midday", _("Midday check (午检)")

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    session = models.CharField(_("check"), max_length=10, choices=Session.choices, default=Session.MORNING)
    checked_count = models.PositiveSmallIntegerField(_("children checked"), default=0)
    exception_count = models.PositiveSmallIntegerField(_("exceptions"), default=0)
    fever_count = models.PositiveSmallIntegerField(_("fever"), default=0)
    sent_home_count = models.PositiveSmallIntegerField(_("sent home"), default=0)
    checked_by = user_fk(_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class check")
        verbose_name_plural = _("class checks")
        ordering = ["-date", "session", "school_class__sort_order", "school_class__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "date", "session"], name="health_class_check_unique"
            )
        ]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.school_class} {self.date:%Y-%m-%d} {self.get_session_display()}"

    def clean(self):
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            raise ValidationError({"school_class": _("The class belongs to another campus.")})


# 一摸二看三问四查: (field, step, label). Each is an "abnormal" flag; unticked means normal.
CHECK_FINDINGS = [
    ("touch_abnormal", "一摸", _("Forehead hot, neck glands swollen (摸)")),
    ("throat_abnormal", "二看", _("Throat red or swollen (看咽喉)")),
    ("skin_abnormal", "二看", _("Rash or skin problem (看皮肤)")),
    ("spirit_abnormal", "二看", _("Listless, low spirits (看精神)")),
    ("food_abnormal", "三问", _("Poor appetite (问饮食)")),
    ("sleep_abnormal", "三问", _("Slept badly (问睡眠)")),
    ("stool_abnormal", "三问", _("Diarrhoea or constipation (问大小便)")),
    ("unsafe_object", "四查", _("Unsafe object found (查)")),
]


class HealthCheck(CampusOwned):
    """One child's exception in a morning or midday check."""

    class Outcome(models.TextChoices):
        NONE = "none", _("Stays in class")
        OBSERVE = "observe", _("Observe in class")
        ISOLATE = "isolate", _("Isolate (observation room)")
        SENT_HOME = "sent_home", _("Sent home")

    ContactMethod = ContactMethod

    roll = models.ForeignKey(
        ClassCheck, verbose_name=_("class check"), on_delete=models.PROTECT, related_name="exceptions"
    )
    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    session = models.CharField(_("check"), max_length=10, choices=ClassCheck.Session.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    fever = models.BooleanField(_("fever"), default=False)
    tag = models.CharField(_("health tag"), max_length=12, blank=True)
    touch_abnormal = models.BooleanField(CHECK_FINDINGS[0][2], default=False)
    throat_abnormal = models.BooleanField(CHECK_FINDINGS[1][2], default=False)
    skin_abnormal = models.BooleanField(CHECK_FINDINGS[2][2], default=False)
    spirit_abnormal = models.BooleanField(CHECK_FINDINGS[3][2], default=False)
    food_abnormal = models.BooleanField(CHECK_FINDINGS[4][2], default=False)
    sleep_abnormal = models.BooleanField(CHECK_FINDINGS[5][2], default=False)
    stool_abnormal = models.BooleanField(CHECK_FINDINGS[6][2], default=False)
    unsafe_object = models.BooleanField(CHECK_FINDINGS[7][2], default=False)
    symptoms = models.CharField(_("what was found"), max_length=300, blank=True)
    outcome = models.CharField(_("action"), max_length=10, choices=Outcome.choices, default=Outcome.NONE)
    action_note = models.CharField(_("action taken"), max_length=300, blank=True)
    informed_person = models.CharField(_("parent informed"), max_length=40, blank=True)
    informed_how = models.CharField(
        _("informed how"), max_length=10, choices=ContactMethod.choices, blank=True
    )
    informed_at = models.DateTimeField(_("informed at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    collected_by = models.CharField(_("collected by"), max_length=40, blank=True)
    checked_by = user_fk(_("checked by"))
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    NEEDS_PARENT = (Outcome.ISOLATE, Outcome.SENT_HOME)

    class Meta:
        verbose_name = _("check exception")
        verbose_name_plural = _("check exceptions")
        ordering = ["-date", "session", "school_class__sort_order", "child__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "date", "session"],
                condition=models.Q(voided_at__isnull=True),
                name="health_check_one_active_per_child_session",
            )
        ]
        indexes = [models.Index(fields=["campus", "date", "outcome"])]

    def __str__(self):
        return f"{self.child} {self.date:%Y-%m-%d} {self.get_session_display()}"

    @property
    def is_void(self):
        return self.voided_at is not None

    def findings(self):
        """Labels of the abnormal 一摸二看三问四查 items."""
        return [label for field, _step, label in CHECK_FINDINGS if getattr(self, field)]

    def clean(self):
        errors = {}
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            errors["child"] = _("The child belongs to another campus.")
        if self.temperature is not None and not (34 <= self.temperature <= 43):
            errors["temperature"] = _("Enter a body temperature between 34 and 43 °C.")
        if self.outcome in self.NEEDS_PARENT:
            if not self.informed_person.strip():
                errors["informed_person"] = _("Say which parent was informed.")
            if not self.informed_how:
                errors["informed_how"] = _("Say how the parent was informed.")
            if not self.informed_at:
                errors["informed_at"] = _("Say when the parent was informed.")
        if self.left_at and self.outcome != self.Outcome.SENT_HOME:
            errors["left_at"] = _("Only a child sent home leaves during the day.")
        if self.left_at and not self.collected_by.strip():
            errors["collected_by"] = _("Say who collected the child.")
        if errors:
            raise ValidationError(errors)


class ObservationNote(CampusOwned):
    """全日健康观察: a note about one child during the day."""

    class Aspect(models.TextChoices):
        FOOD = "food", _("Food (进食)")
        SLEEP = "sleep", _("Sleep (睡眠)")
        STOOL = "stool", _("Stool (大小便)")
        SPIRIT = "spirit", _("Spirit (精神)")
        MOOD = "mood", _("Mood (情绪)")
        BEHAVIOUR = "behaviour", _("Behaviour (行为)")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    observed_at = models.DateTimeField(_("observed at"))
    aspect = models.CharField(_("aspect"), max_length=10, choices=Aspect.choices)
    is_abnormal = models.BooleanField(_("abnormal"), default=True)
    finding = models.CharField(_("observation"), max_length=300)
    action = models.CharField(_("action taken"), max_length=200, blank=True)
    recorded_by = user_fk(_("recorded by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("observation note")
        verbose_name_plural = _("observation notes")
        ordering = ["-date", "-observed_at"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.child} {self.date:%Y-%m-%d} {self.get_aspect_display()}"

    @property
    def is_void(self):
        return self.voided_at is not None

    def clean(self):
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            raise ValidationError({"child": _("The child belongs to another campus.")})
        if not (self.finding or "").strip():
            raise ValidationError({"finding": _("Write what you observed.")})
