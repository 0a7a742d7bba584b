"""Responsibility zones (责任区, 分片包干): a part of the campus kept clean by a person or a
class, with its daily small clean (一日一小扫) and weekly big clean (一周一大扫) routines."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = ["CleaningZone"]


class CleaningZone(PinyinSearchMixin, CampusOwned):
    class Kind(models.TextChoices):
        CLASS = "class", _("Class area (班级包干区)")
        PUBLIC = "public", _("Public area (公共区域)")
        OUTDOOR = "outdoor", _("Outdoor area (室外场地)")
        OFFICE = "office", _("Offices and function rooms")

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CLASS)
    rooms = models.ManyToManyField("core.Room", verbose_name=_("rooms"), blank=True, related_name="+")
    area_text = models.CharField(
        _("area"),
        max_length=120,
        blank=True,
        help_text=_("Where, beyond the rooms: e.g. 操场东侧, 二楼楼道."),
    )
    school_class = models.ForeignKey(
        "core.SchoolClass",
        verbose_name=_("responsible class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible = user_fk(_("responsible person"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    note = models.TextField(_("note"), blank=True)
    daily_routine = models.ForeignKey(
        "core.RoutineTemplate",
        verbose_name=_("daily small clean (一日一小扫)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    weekly_routine = models.ForeignKey(
        "core.RoutineTemplate",
        verbose_name=_("weekly big clean (一周一大扫)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("responsibility zone")
        verbose_name_plural = _("responsibility zones")
        ordering = ["sort_order", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="cleaningzone_unique_name")]

    def __str__(self):
        return self.name

    @property
    def responsible_person(self):
        """The named person, else the head teacher of the responsible class."""
        if self.responsible_id:
            return self.responsible
        if self.school_class_id and self.school_class.head_teacher_id:
            return self.school_class.head_teacher
        return None

    @property
    def responsible_label(self):
        parts = []
        if self.school_class_id:
            parts.append(str(self.school_class))
        person = self.responsible_person
        if person is not None:
            parts.append(person.display_name)
        return " · ".join(parts)

    @property
    def place_label(self):
        """The rooms (prefetch ``rooms``) and the free-text area."""
        parts = [f"{r.code} {r.name}" for r in self.rooms.all()]
        if self.area_text:
            parts.append(self.area_text)
        return "、".join(parts)

    @property
    def routine_ids(self):
        return [pk for pk in (self.daily_routine_id, self.weekly_routine_id) if pk]

    def clean(self):
        errors = {}
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("The class belongs to another campus.")
        if not self.responsible_id and not self.school_class_id:
            errors["responsible"] = _("Name the responsible person or the responsible class (or both).")
        if errors:
            raise ValidationError(errors)
