"""Functional rooms and dormitories.

* **Functional room use log (功能室使用登记)**: a class teacher records each use of a
  music room, art room, library, science room… by a class: when, what for, and the state
  the room was left in (a problem can open a repair). The log feeds the usage statistics
  (功能室利用率). Entries are voided with a reason, never deleted.
* **Dormitory inspections (宿舍检查)** of student or staff dormitories and kindergarten
  nap rooms: a fixed checklist per kind of room (electrical safety — 违章电器, 私拉乱接,
  sockets, lights off —, fire safety, hygiene, order) with pass/fail and notes; a failed
  electrical or fire item opens a hazard of the safety module.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["DORMITORY_CHECKLISTS", "DormitoryInspection", "DormitoryResult", "RoomUse"]

FUNCTIONAL_ROOM_KINDS = ("functional",)
DORMITORY_ROOM_KINDS = ("bedroom",)


class RoomUse(CampusOwned):
    class Condition(models.TextChoices):
        GOOD = "good", _("Tidy and in order")
        PROBLEM = "problem", _("Problem found")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        VOID = "void", _("Void")

    room = models.ForeignKey("core.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"), default=timezone.localdate, db_index=True)
    period = models.CharField(_("period"), max_length=20, blank=True, help_text=_("e.g. 第3节, 上午"))
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    school_class = models.ForeignKey("core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    teacher = user_fk(_("teacher"), null=False)
    purpose = models.CharField(_("activity"), max_length=120)
    children_count = models.PositiveSmallIntegerField(_("children"), null=True, blank=True)
    condition = models.CharField(_("state after use"), max_length=8, choices=Condition.choices,
                                 default=Condition.GOOD)  # fmt: skip
    problem_note = models.CharField(_("problem"), max_length=300, blank=True)
    follow_up_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    follow_up_id = models.CharField(max_length=40, blank=True, editable=False)
    follow_up_label = models.CharField(_("repair"), max_length=60, blank=True, editable=False)
    recorded_by = user_fk(_("recorded by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECORDED,
                              db_index=True)  # fmt: skip
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("functional room use")
        verbose_name_plural = _("functional room uses")
        ordering = ["-date", "-start_time", "-id"]
        indexes = [models.Index(fields=["campus", "room", "date"])]

    def __str__(self):
        return f"{self.room} · {self.date:%Y-%m-%d} {self.when_label} · {self.school_class}"

    @property
    def when_label(self):
        parts = [self.period]
        if self.start_time:
            parts.append(
                f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
                if self.end_time
                else f"{self.start_time:%H:%M}"
            )
        return " ".join(p for p in parts if p)

    def clean(self):
        errors = {}
        if self.room_id and self.campus_id:
            if self.room.campus_id != self.campus_id:
                errors["room"] = _("The room belongs to another campus.")
            elif self.room.kind not in FUNCTIONAL_ROOM_KINDS:
                errors["room"] = _("Choose a functional room (music, art, library, science room…).")
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            errors["school_class"] = _("The class belongs to another campus.")
        if self.date and self.date > timezone.localdate():
            errors["date"] = _("Record a use on the day or after it, not before.")
        if not (self.period or "").strip() and not self.start_time:
            errors["period"] = _("Give the period or the time.")
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The use must end after it starts.")
        if self.end_time and not self.start_time:
            errors["start_time"] = _("Give the start time too.")
        if self.condition == self.Condition.PROBLEM and not (self.problem_note or "").strip():
            errors["problem_note"] = _("Describe the problem.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the entry.")
        if errors:
            raise ValidationError(errors)


# Checklists of dormitory inspections: kind → [(key, category, label)]. Data in the schools'
# language, like the routine library; results keep the label as it read.
ELECTRICAL, FIRE, HYGIENE, ORDER = "electrical", "fire", "hygiene", "order"
CATEGORY_LABELS = {
    ELECTRICAL: _("Electrical safety"),
    FIRE: _("Fire safety"),
    HYGIENE: _("Hygiene"),
    ORDER: _("Order"),
}
HAZARD_CATEGORIES = (ELECTRICAL, FIRE)

_DORM_COMMON = [
    ("no_appliances", ELECTRICAL, "无违章电器（电热毯、热得快、电炉、电饭锅等大功率电器）"),
    ("no_wiring", ELECTRICAL, "无私拉乱接电线，无插排串接、无插排放在床上"),
    ("sockets", ELECTRICAL, "插座、开关、灯具完好，无破损、无裸露线头"),
    ("lights_off", ELECTRICAL, "人离开时灯、电器已关闭，充电器未长时间插电"),
    ("no_fire", FIRE, "无明火、无吸烟、无点蚊香，无易燃物堆放"),
    ("exits", FIRE, "门窗完好，走道、安全出口无杂物堵塞"),
    ("floor", HYGIENE, "地面清洁，无纸屑、无痰迹、无杂物"),
    ("washroom", HYGIENE, "卫生间、洗漱台清洁，无异味"),
    ("ventilation", HYGIENE, "开窗通风，室内无异味"),
    ("beds", ORDER, "床铺整洁，被褥叠放整齐"),
    ("belongings", ORDER, "物品摆放整齐，鞋子、脸盆、毛巾成线"),
    ("duty", ORDER, "值日生已打扫并在值日表上签字"),
]
_NAP_ROOM = [
    ("sockets", ELECTRICAL, "插座有安全防护盖，电线无裸露，幼儿触摸不到"),
    ("uv_lamp", ELECTRICAL, "紫外线消毒灯开关单独设置、有醒目标识，幼儿在室时关闭"),
    ("lights_off", ELECTRICAL, "午睡后照明、空调等电器已按要求关闭"),
    ("no_appliances", ELECTRICAL, "室内无电暖器、电热毯等违章电器"),
    ("exits", FIRE, "床铺间通道畅通，安全出口无堵塞"),
    ("windows", FIRE, "窗户限位器、防护栏完好"),
    ("ventilation", HYGIENE, "午睡前开窗通风，室内空气清新"),
    ("bedding", HYGIENE, "被褥清洁，一人一床一被，定期晾晒"),
    ("floor", HYGIENE, "地面清洁，床下无杂物"),
    ("beds", ORDER, "床铺、被褥摆放整齐，标识清楚"),
]
DORMITORY_CHECKLISTS = {"student": _DORM_COMMON, "staff": _DORM_COMMON, "nap": _NAP_ROOM}


class DormitoryInspection(CampusOwned):
    class Kind(models.TextChoices):
        STUDENT = "student", _("Student dormitory (学生宿舍)")
        STAFF = "staff", _("Staff dormitory (教职工宿舍)")
        NAP = "nap", _("Nap room (午睡室)")

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        VOID = "void", _("Void")

    room = models.ForeignKey("core.Room", verbose_name=_("room"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.STUDENT)
    inspected_at = models.DateTimeField(_("inspected at"), default=timezone.now, db_index=True)
    inspector = user_fk(_("inspector"), null=False)
    passed = models.BooleanField(_("passed"), default=True)
    failed_count = models.PositiveSmallIntegerField(_("failed items"), default=0)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECORDED,
                              db_index=True)  # fmt: skip
    voided_by = user_fk(_("voided by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dormitory inspection")
        verbose_name_plural = _("dormitory inspections")
        ordering = ["-inspected_at", "-id"]
        indexes = [models.Index(fields=["campus", "room", "inspected_at"])]

    def __str__(self):
        return f"{self.room} · {timezone.localtime(self.inspected_at):%Y-%m-%d}"

    def clean(self):
        errors = {}
        if self.room_id and self.campus_id:
            if self.room.campus_id != self.campus_id:
                errors["room"] = _("The room belongs to another campus.")
            elif self.room.kind not in DORMITORY_ROOM_KINDS:
                errors["room"] = _("Choose a dormitory or nap room (rooms of the kind 寝室).")
        if self.inspected_at and self.inspected_at > timezone.now() + dt.timedelta(minutes=5):
            errors["inspected_at"] = _("An inspection cannot be recorded before it happens.")
        if self.status == self.Status.VOID and not (self.void_reason or "").strip():
            errors["void_reason"] = _("Give a reason for voiding the inspection.")
        if errors:
            raise ValidationError(errors)


class DormitoryResult(CampusOwned):
    inspection = models.ForeignKey(DormitoryInspection, verbose_name=_("inspection"), on_delete=models.CASCADE,
                                   related_name="results")  # fmt: skip
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    key = models.CharField(_("item key"), max_length=30)
    category = models.CharField(_("category"), max_length=12)
    label = models.CharField(_("item"), max_length=120)
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    hazard = models.ForeignKey("safety.Hazard", verbose_name=_("hazard"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("dormitory check item")
        verbose_name_plural = _("dormitory check items")
        ordering = ["inspection", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "key"], name="dormitoryresult_unique_key")
        ]

    def __str__(self):
        return self.label

    @property
    def category_label(self):
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def may_open_hazard(self):
        return not self.passed and self.category in HAZARD_CATEGORIES and self.hazard_id is None
