"""Hazards, rectification, drills, agreements, education, plans, duty roster.

Every state change of these rows goes through :mod:`houqin.safety.services` (validated,
audited, one transaction). Hazards are a regulated ledger (安全台账): they are never
deleted; a hazard reported by mistake is voided with a reason.
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = [
    "ActivityPlan",
    "Agreement",
    "AgreementSignature",
    "Drill",
    "DrillFollowUp",
    "DrillGroup",
    "DutyShift",
    "DutySwap",
    "EducationRecord",
    "EducationTheme",
    "EmergencyPlan",
    "EmergencyPlanVersion",
    "Hazard",
    "PlanAcknowledgement",
    "SafetyTalk",
]


# --- Hazards (隐患整改) ---------------------------------------------------------------------


class Hazard(CampusOwned):
    """A hazard found on the campus and its rectification (限时整改), one row of the 安全台账."""

    class Category(models.TextChoices):
        FIRE = "fire", _("Fire safety (消防)")
        ELECTRICAL = "electrical", _("Electricity (用电)")
        GAS = "gas", _("Gas (燃气)")
        FACILITIES = "facilities", _("Buildings and facilities (设施)")
        TOYS = "toys", _("Large toys and sports equipment (大型玩具)")
        FOOD = "food", _("Food safety (食品)")
        SECURITY = "security", _("Security and gate (治安)")
        TRAFFIC = "traffic", _("Traffic (交通)")
        HYGIENE = "hygiene", _("Hygiene (卫生)")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Ordinary (一般)")
        MEDIUM = "medium", _("Serious (较大)")
        HIGH = "high", _("Major (重大)")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Reported by hand")
        ROUTINE = "routine", _("Failed checklist item")
        QR = "qr", _("Room QR code")
        DRILL = "drill", _("Drill follow-up")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ASSIGNED = "assigned", _("Being rectified")
        RECTIFIED = "rectified", _("Rectified, awaiting verification")
        CLOSED = "closed", _("Verified and closed")
        VOID = "void", _("Void")

    OPEN_STATUSES = (Status.REPORTED, Status.ASSIGNED)
    ACTIVE_STATUSES = (Status.REPORTED, Status.ASSIGNED, Status.RECTIFIED)

    number = models.CharField(_("number"), max_length=30, blank=True, db_index=True)
    reported_at = models.DateTimeField(_("found at"), default=timezone.now, db_index=True)
    building = models.ForeignKey(
        "core.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    room = models.ForeignKey(
        "core.Room", verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place_text = models.CharField(
        _("place"), max_length=120, blank=True, help_text=_("Where, when no room fits.")
    )
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.FACILITIES
    )
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.LOW)
    description = models.TextField(_("description"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    source_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    source_id = models.CharField(max_length=40, blank=True, editable=False)
    reporter = user_fk(_("reported by"))
    reporter_name = models.CharField(_("reporter's name"), max_length=40, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=20, blank=True)
    owner = user_fk(_("responsible for rectification"))
    deadline = models.DateField(_("rectify by"), null=True, blank=True, db_index=True)
    measures = models.TextField(_("rectification measures required"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    round_started_at = models.DateTimeField(_("current rectification round since"), null=True, blank=True)
    rectified_by = user_fk(_("rectified by"))
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)
    rectification_note = models.TextField(_("what was done"), blank=True)
    verified_by = user_fk(_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    returned_reason = models.CharField(_("last sent back or reopened because"), max_length=300, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened or sent back"), default=0)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    last_escalated_on = models.DateField(_("last escalated on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["campus", "status", "deadline"])]

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
    def is_overdue(self):
        return bool(
            self.deadline and self.status in self.OPEN_STATUSES and self.deadline < timezone.localdate()
        )

    @property
    def overdue_days(self):
        if not self.is_overdue:
            return 0
        return (timezone.localdate() - self.deadline).days

    @property
    def reporter_display(self):
        if self.reporter_id:
            return self.reporter.display_name
        return " ".join(p for p in (self.reporter_name, self.reporter_phone) if p)

    def clean(self):
        errors = {}
        if self.room_id and self.campus_id and self.room.campus_id != self.campus_id:
            errors["room"] = _("The room belongs to another campus.")
        if self.building_id and self.campus_id and self.building.campus_id != self.campus_id:
            errors["building"] = _("The building belongs to another campus.")
        if self.room_id and self.building_id and self.room.building_id != self.building_id:
            errors["room"] = _("The room is not in the chosen building.")
        if not (self.room_id or self.building_id or (self.place_text or "").strip()):
            errors["place_text"] = _("Say where the hazard is: a room, a building or a place.")
        if not self.reporter_id and not (self.reporter_name or "").strip():
            errors["reporter_name"] = _("Give the reporter's name.")
        if self.reporter_phone:
            from houqin.core.validators import validate_phone

            try:
                validate_phone(self.reporter_phone)
            except ValidationError as exc:
                errors["reporter_phone"] = exc.messages
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the hazard.")
        if errors:
            raise ValidationError(errors)


# --- Drills (演练) --------------------------------------------------------------------------


class Drill(CampusOwned):
    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire evacuation (消防疏散)")
        EARTHQUAKE = "earthquake", _("Earthquake (地震)")
        INTRUSION = "intrusion", _("Anti-intrusion (防恐防暴)")
        FOOD_POISONING = "food_poisoning", _("Food poisoning (食物中毒)")
        FLOOD = "flood", _("Flood and typhoon (防汛)")
        EPIDEMIC = "epidemic", _("Epidemic (传染病)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.FIRE)
    planned_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    organizer = user_fk(_("organised by"))
    scenario = models.TextField(_("scenario and plan"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    children_count = models.PositiveIntegerField(_("children taking part"), null=True, blank=True)
    staff_count = models.PositiveIntegerField(_("staff taking part"), null=True, blank=True)
    evacuation_seconds = models.PositiveIntegerField(
        _("evacuation time (seconds)"), null=True, blank=True, validators=[MaxValueValidator(7200)]
    )
    reflection = models.TextField(_("reflection (演练反思)"), blank=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-planned_at", "-id"]

    def __str__(self):
        return self.title

    @property
    def participants(self):
        if self.children_count is None and self.staff_count is None:
            return None
        return (self.children_count or 0) + (self.staff_count or 0)

    @property
    def evacuation_display(self):
        s = self.evacuation_seconds
        if s is None:
            return ""
        return f"{s // 60}′{s % 60:02d}″"


class DrillGroup(CampusOwned):
    class Role(models.TextChoices):
        COMMAND = "command", _("Command (指挥)")
        GUIDE = "guide", _("Guidance (引导)")
        RESCUE = "rescue", _("Search and rescue (搜救)")
        FIRST_AID = "first_aid", _("First aid (救护)")
        FIREFIGHTING = "firefighting", _("Firefighting (灭火)")
        COMMUNICATION = "communication", _("Communication (通讯)")
        OTHER = "other", _("Other")

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="groups")
    role = models.CharField(_("group"), max_length=14, choices=Role.choices)
    leader = user_fk(_("leader"))
    leader_name = models.CharField(_("leader (if not a user)"), max_length=40, blank=True)
    members = models.CharField(_("members"), max_length=300, blank=True)
    duties = models.CharField(_("duties"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("drill group")
        verbose_name_plural = _("drill groups")
        ordering = ["drill", "id"]

    def __str__(self):
        return f"{self.get_role_display()} · {self.leader_display}"

    @property
    def leader_display(self):
        return self.leader.display_name if self.leader_id else self.leader_name

    def clean(self):
        if not self.leader_id and not (self.leader_name or "").strip():
            raise ValidationError({"leader": _("Name the group's leader.")})


class DrillFollowUp(CampusOwned):
    """An action the drill's reflection calls for; it may become a hazard to rectify."""

    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    description = models.CharField(_("action"), max_length=300)
    owner = user_fk(_("responsible"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hazard"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("drill follow-up action")
        verbose_name_plural = _("drill follow-up actions")
        ordering = ["drill", "id"]

    def __str__(self):
        return self.description


# --- Responsibility agreements (安全责任书) --------------------------------------------------


class Agreement(CampusOwned):
    """One agreement of a term that a group of people must sign."""

    class Kind(models.TextChoices):
        RESPONSIBILITY = "responsibility", _("Safety responsibility letter (安全责任书)")
        PICKUP = "pickup", _("Safe pickup agreement (安全接送协议)")
        PROXY_PICKUP = "proxy_pickup", _("Proxy pickup agreement (代接送协议)")
        OTHER = "other", _("Other agreement")

    class Audience(models.TextChoices):
        STAFF = "staff", _("Staff (by role)")
        GUARDIANS = "guardians", _("Guardians of enrolled children")

    term = models.ForeignKey("core.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.RESPONSIBILITY)
    text = models.TextField(_("text"), blank=True)
    audience = models.CharField(
        _("who signs"), max_length=10, choices=Audience.choices, default=Audience.STAFF
    )
    roles = models.JSONField(_("roles that sign"), default=list, blank=True)
    classes = models.ManyToManyField(
        "core.SchoolClass",
        verbose_name=_("classes"),
        blank=True,
        related_name="+",
        help_text=_(
            "Guardians of the enrolled children of these classes sign; none chosen means every class."
        ),
    )
    children = models.ManyToManyField(
        "core.Child",
        verbose_name=_("only these children"),
        blank=True,
        related_name="+",
        help_text=_("For proxy pickup agreements signed for a few children only."),
    )
    due_on = models.DateField(_("sign by"), null=True, blank=True)
    is_active = models.BooleanField(_("open for signing"), default=True)

    class Meta:
        verbose_name = _("responsibility agreement")
        verbose_name_plural = _("responsibility agreements")
        ordering = ["-term__start_date", "title"]

    def __str__(self):
        return self.title

    def clean(self):
        from houqin.core.roles import Role

        errors = {}
        if self.term_id and self.campus_id and self.term.campus_id != self.campus_id:
            errors["term"] = _("The term belongs to another campus.")
        roles = self.roles or []
        if not isinstance(roles, list) or any(str(r) not in Role.values for r in roles):
            errors["roles"] = _("Choose roles from the list.")
        elif self.audience == self.Audience.STAFF and not roles:
            errors["roles"] = _("Choose the roles whose holders must sign.")
        if errors:
            raise ValidationError(errors)


class AgreementSignature(CampusOwned):
    """Who signed an agreement: a staff member, or a guardian for one child."""

    class Method(models.TextChoices):
        ONSCREEN = "onscreen", _("Confirmed on screen")
        SCAN = "scan", _("Signed paper (scan uploaded)")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="signatures"
    )
    user = user_fk(_("staff member"))
    child = models.ForeignKey(
        "core.Child",
        verbose_name=_("child"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer_name = models.CharField(_("signed by"), max_length=40)
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    recorded_by = user_fk(_("recorded by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("agreement signature")
        verbose_name_plural = _("agreement signatures")
        ordering = ["agreement", "signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "user"],
                condition=models.Q(voided_at__isnull=True, user__isnull=False),
                name="agreementsignature_unique_user",
            ),
            models.UniqueConstraint(
                fields=["agreement", "child"],
                condition=models.Q(voided_at__isnull=True, child__isnull=False),
                name="agreementsignature_unique_child",
            ),
        ]

    def __str__(self):
        return f"{self.agreement} · {self.signer_name}"

    def clean(self):
        if bool(self.user_id) == bool(self.child_id):
            raise ValidationError(_("A signature is either a staff member's or a guardian's for one child."))


# --- Safety education (安全教育) -------------------------------------------------------------


class EducationTheme(CampusOwned):
    """A month's safety-education theme of the term plan (e.g. Apr 消防安全月)."""

    term = models.ForeignKey("core.Term", verbose_name=_("term"), on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("Any day of the month; stored as its first day."))
    title = models.CharField(_("theme"), max_length=120)
    content = models.TextField(_("activities"), blank=True)
    per_class = models.BooleanField(_("each class holds a lesson"), default=True)

    class Meta:
        verbose_name = _("safety education theme")
        verbose_name_plural = _("safety education themes")
        ordering = ["term", "month", "id"]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.title}"

    def clean(self):
        if self.month:
            self.month = self.month.replace(day=1)
        if self.term_id and self.campus_id and self.term.campus_id != self.campus_id:
            raise ValidationError({"term": _("The term belongs to another campus.")})
        if self.term_id and self.month:
            first = self.term.start_date.replace(day=1)
            if not (first <= self.month <= self.term.end_date):
                raise ValidationError({"month": _("The month must lie within the term.")})


class EducationRecord(CampusOwned):
    """A class held the month's safety lesson (date, who, note; photos attached)."""

    theme = models.ForeignKey(
        EducationTheme, verbose_name=_("theme"), on_delete=models.PROTECT, related_name="records"
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("held on"))
    teacher = user_fk(_("teacher"))
    note = models.TextField(_("content and notes"), blank=True)

    class Meta:
        verbose_name = _("safety lesson record")
        verbose_name_plural = _("safety lesson records")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["theme", "school_class"], name="educationrecord_unique_class"),
        ]

    def __str__(self):
        return f"{self.school_class} · {self.theme.title}"

    def clean(self):
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            raise ValidationError({"school_class": _("The class belongs to another campus.")})
        if self.held_on and self.held_on > timezone.localdate():
            raise ValidationError({"held_on": _("The date is in the future.")})


class SafetyTalk(CampusOwned):
    """One talk of the 1530 mechanism held by a class (离园前1分钟, 周末/周一5分钟, 假期前后30分钟)."""

    class Slot(models.TextChoices):
        LEAVING = "leaving", _("Before leaving")
        ARRIVAL = "arrival", _("On arrival after a break")

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    slot = models.CharField(_("when"), max_length=8, choices=Slot.choices, default=Slot.LEAVING)
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    topic = models.CharField(_("topic"), max_length=120, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("1530 safety talk")
        verbose_name_plural = _("1530 safety talks")
        ordering = ["-date", "school_class"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "date", "slot"], name="safetytalk_unique"),
        ]

    def __str__(self):
        return f"{self.school_class} {self.date} {self.get_slot_display()}"


class ActivityPlan(CampusOwned):
    """活动安全预案: the safety plan of an outing or event, approved before it takes place."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("activity"), max_length=120)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    destination = models.CharField(_("place or destination"), max_length=200)
    classes = models.ManyToManyField(
        "core.SchoolClass", verbose_name=_("classes"), blank=True, related_name="+"
    )
    children_count = models.PositiveIntegerField(_("children"), default=0)
    adults_count = models.PositiveIntegerField(_("accompanying adults"), default=0)
    responsible = user_fk(_("person responsible (活动责任人)"))
    transport = models.CharField(_("transport"), max_length=120, blank=True)
    risks = models.TextField(_("risks"))
    measures = models.TextField(_("safety measures before, during and after"))
    emergency = models.TextField(_("emergency arrangements and contacts"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    submitted_by = user_fk(_("submitted by"))

    class Meta:
        verbose_name = _("activity safety plan")
        verbose_name_plural = _("activity safety plans")
        ordering = ["-starts_at", "-id"]

    def __str__(self):
        return self.title

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": _("The activity must end after it starts.")})


# --- Emergency plans (应急预案) ---------------------------------------------------------------


class EmergencyPlan(CampusOwned):
    class Category(models.TextChoices):
        FIRE = "fire", _("Fire")
        EARTHQUAKE = "earthquake", _("Earthquake")
        FOOD = "food", _("Food safety incident")
        EPIDEMIC = "epidemic", _("Infectious disease")
        INTRUSION = "intrusion", _("Intrusion and violence")
        WEATHER = "weather", _("Severe weather and flood")
        INJURY = "injury", _("Accidental injury")
        GENERAL = "general", _("General")

    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(
        _("category"), max_length=12, choices=Category.choices, default=Category.GENERAL
    )
    current_version = models.ForeignKey(
        "EmergencyPlanVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["title"]

    def __str__(self):
        return self.title


class EmergencyPlanVersion(CampusOwned):
    plan = models.ForeignKey(
        EmergencyPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("text"), blank=True)
    published_on = models.DateField(_("published on"), default=timezone.localdate)
    published_by = user_fk(_("published by"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("emergency plan version")
        verbose_name_plural = _("emergency plan versions")
        ordering = ["plan", "-published_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="planversion_unique")]

    def __str__(self):
        return f"{self.plan} {self.version}"


class PlanAcknowledgement(CampusOwned):
    """A staff member confirmed having read one version of a plan."""

    version = models.ForeignKey(
        EmergencyPlanVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan acknowledgement")
        verbose_name_plural = _("plan acknowledgements")
        ordering = ["-acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="planack_unique")]

    def __str__(self):
        return f"{self.version} · {self.user}"


# --- Duty roster (值班表) -------------------------------------------------------------------


class DutyShift(CampusOwned):
    class Kind(models.TextChoices):
        ADMIN = "admin", _("Administrative duty (行政值班)")
        GUARD = "guard", _("Guard shift (门卫)")
        NIGHT = "night", _("Night duty (夜间值班)")
        HOLIDAY = "holiday", _("Holiday duty (假期护校)")

    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("shift"), max_length=10, choices=Kind.choices, default=Kind.ADMIN)
    start_time = models.TimeField(_("from"), default=dt.time(7, 30))
    end_time = models.TimeField(_("to"), default=dt.time(17, 30))
    person = user_fk(_("on duty"), null=False)
    phone = models.CharField(_("phone on duty"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        ordering = ["date", "start_time", "kind", "id"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} · {self.person}"

    @property
    def overnight(self):
        return self.end_time is not None and self.start_time is not None and self.end_time <= self.start_time

    def clean(self):
        if self.start_time and self.end_time and self.start_time == self.end_time:
            raise ValidationError({"end_time": _("A shift needs different start and end times.")})


class DutySwap(CampusOwned):
    """The person on duty asks to hand a shift to someone else, or to exchange two shifts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="swaps"
    )
    requested_by = user_fk(_("requested by"), null=False)
    replacement = user_fk(_("replacement"), null=False)
    other_shift = models.ForeignKey(
        DutyShift,
        verbose_name=_("in exchange for the shift"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    class Meta:
        verbose_name = _("duty swap")
        verbose_name_plural = _("duty swaps")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.shift} → {self.replacement}"
