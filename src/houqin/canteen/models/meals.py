"""Accompanying meals (陪餐) and the dietary committee (膳委会/伙委会).

* :class:`CompanionMeal` — a leader (or a parent) eats with the children and records the
  meal: ratings for taste, temperature, quantity and hygiene, observations and the
  problems found (2019 《学校食品安全与营养健康管理规定》 第二十一条: "每餐均应当有学校相关
  负责人与学生共同用餐，做好陪餐记录，及时发现和解决集中用餐过程中存在的问题"; parents
  may accompany too). A problem gets a follow-up: a person it is given to, the answer,
  when it was done. A wrong record is voided with a reason, never edited or deleted.
* :class:`CommitteeMeeting` — a meeting of the dietary committee with its attendees
  (parent representatives named), minutes and photos (attachments); at least one per
  month by default (campus setting).
* :class:`ParentSuggestion` — a parent's suggestion about the meals (at a meeting or
  otherwise) and its answer.

Writes go through :mod:`houqin.canteen.meals_services`.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.canteen.models.nutrition import MealKind
from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["CommitteeMeeting", "CompanionMeal", "ParentSuggestion"]

RATING_MIN, RATING_MAX = 1, 5


def _rating(verbose):
    return models.PositiveSmallIntegerField(
        verbose, validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
        help_text=_("1 (poor) to 5 (very good)."),
    )  # fmt: skip


class CompanionMeal(CampusOwned):
    """One accompanying-meal record (陪餐记录): who ate with which class at which meal."""

    class Role(models.TextChoices):
        LEADER = "leader", _("School leader (学校负责人)")
        PARENT = "parent", _("Parent (家长)")

    class IssueStatus(models.TextChoices):
        NONE = "", _("No problem found")
        OPEN = "open", _("Problem open")
        DONE = "done", _("Problem dealt with")

    date = models.DateField(_("date"), db_index=True)
    meal = models.CharField(_("meal"), max_length=16, choices=MealKind.choices, default=MealKind.LUNCH)
    companion_role = models.CharField(_("companion"), max_length=8, choices=Role.choices, default=Role.LEADER)
    companion = user_fk(_("companion (login)"))
    companion_name = models.CharField(
        _("companion's name"), max_length=40, blank=True, help_text=_("For a parent: their name (and child).")
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    taste = _rating(_("taste"))
    temperature = _rating(_("temperature"))
    quantity = _rating(_("quantity"))
    hygiene = _rating(_("hygiene"))
    observations = models.TextField(_("observations"), blank=True)
    issues = models.TextField(_("problems found"), blank=True)
    issue_status = models.CharField(
        _("problem status"), max_length=4, choices=IssueStatus.choices, blank=True, default=IssueStatus.NONE
    )
    followup_assignee = user_fk(_("follow-up by"))
    followup_due = models.DateField(_("follow-up due"), null=True, blank=True)
    followup_answer = models.TextField(_("follow-up answer"), blank=True)
    followup_done_at = models.DateTimeField(_("follow-up done at"), null=True, blank=True)
    followup_done_by = user_fk(_("follow-up done by"))
    recorded_by = user_fk(_("recorded by"))
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))

    class Meta:
        verbose_name = _("accompanying meal (陪餐)")
        verbose_name_plural = _("accompanying meals (陪餐)")
        ordering = ["-date", "meal", "-id"]
        indexes = [
            models.Index(fields=["campus", "date", "meal"]),
            models.Index(fields=["campus", "issue_status"]),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_meal_display()} · {self.companion_display}"

    @property
    def companion_display(self):
        if self.companion_role == self.Role.PARENT:
            return self.companion_name or _("Parent (家长)")
        if self.companion_id:
            return self.companion_name or (self.companion.real_name or self.companion.username)
        return self.companion_name

    @property
    def average_rating(self):
        values = [self.taste, self.temperature, self.quantity, self.hygiene]
        if any(v is None for v in values):
            return None
        return round(sum(values) / 4, 1)

    @property
    def issue_open(self):
        return self.issue_status == self.IssueStatus.OPEN and not self.is_void

    def clean(self):
        errors = {}
        if self.companion_role == self.Role.LEADER and not self.companion_id:
            errors["companion"] = _("A leader accompanies with their own login.")
        if self.companion_role == self.Role.PARENT and not (self.companion_name or "").strip():
            errors["companion_name"] = _("Give the parent's name.")
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("It belongs to another campus.")
        if (self.issues or "").strip() and not self.issue_status:
            self.issue_status = self.IssueStatus.OPEN
        if not (self.issues or "").strip() and self.issue_status:
            errors["issues"] = _("Describe the problem that needs a follow-up.")
        if self.is_void and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason.")
        if errors:
            raise ValidationError(errors)


class CommitteeMeeting(CampusOwned):
    """A meeting of the dietary committee (膳委会/伙委会) with its minutes."""

    date = models.DateField(_("date"), db_index=True)
    topic = models.CharField(_("topic"), max_length=120)
    attendees = models.TextField(_("attendees"), help_text=_("Staff who attended, separated by commas."))
    parent_representatives = models.TextField(
        _("parent representatives"),
        blank=True,
        help_text=_("Names (and classes) of the parent representatives."),
    )
    minutes = models.TextField(_("minutes"))
    decisions = models.TextField(_("decisions"), blank=True)
    recorded_by = user_fk(_("recorded by"))
    is_void = models.BooleanField(_("void"), default=False)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))

    class Meta:
        verbose_name = _("dietary committee meeting (膳委会)")
        verbose_name_plural = _("dietary committee meetings (膳委会)")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.topic}"

    @property
    def parent_count(self):
        return len(_names(self.parent_representatives))

    @property
    def attendee_count(self):
        return len(_names(self.attendees)) + self.parent_count

    def clean(self):
        errors = {}
        if not _names(self.attendees):
            errors["attendees"] = _("Name who attended.")
        if self.is_void and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason.")
        if errors:
            raise ValidationError(errors)


def _names(text):
    import re

    return [n for n in (p.strip() for p in re.split(r"[,，、;；\n]+", text or "")) if n]


class ParentSuggestion(CampusOwned):
    """A parent's suggestion about the meals and its answer (家长意见与答复)."""

    class Channel(models.TextChoices):
        MEETING = "meeting", _("At a committee meeting")
        BOX = "box", _("Suggestion box")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online / message")
        IN_PERSON = "in_person", _("In person")

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting an answer")
        ANSWERED = "answered", _("Answered")
        VOID = "void", _("Void")

    meeting = models.ForeignKey(
        CommitteeMeeting, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="suggestions",
    )  # fmt: skip
    received_on = models.DateField(_("received on"), db_index=True)
    channel = models.CharField(_("received by way of"), max_length=10, choices=Channel.choices,
                               default=Channel.MEETING)  # fmt: skip
    from_name = models.CharField(
        _("from"), max_length=60, help_text=_("The parent's name (and child or class).")
    )
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    content = models.TextField(_("suggestion"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = user_fk(_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    recorded_by = user_fk(_("recorded by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("parent's suggestion")
        verbose_name_plural = _("parents' suggestions")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["campus", "status", "received_on"])]

    def __str__(self):
        text = " ".join((self.content or "").split())
        return f"{self.from_name}：{text[:30]}{'…' if len(text) > 30 else ''}"

    @property
    def short_content(self):
        text = " ".join((self.content or "").split())
        return text if len(text) <= 50 else text[:49] + "…"

    def clean(self):
        errors = {}
        if self.meeting_id and self.campus_id and self.meeting.campus_id != self.campus_id:
            errors["meeting"] = _("It belongs to another campus.")
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("It belongs to another campus.")
        if self.status == self.Status.ANSWERED and not (self.answer or "").strip():
            errors["answer"] = _("Write the answer.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason.")
        if errors:
            raise ValidationError(errors)
