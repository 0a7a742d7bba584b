"""Attendance (出勤): one roll call per class and day, one row per child.

The foundation other areas read: the canteen counts meals from it, the gate knows who is
on campus, the reports compute attendance and illness rates. Only the attendance area
writes these rows (``houqin.health.daily_services``).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, user_fk

__all__ = ["AttendanceRecord", "ClassAttendance"]


class ClassAttendance(CampusOwned):
    """The roll call of one class on one day (taken once, corrected with an audit trail)."""

    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="attendance_days"
    )
    date = models.DateField(_("date"))
    present_count = models.PositiveSmallIntegerField(_("present"), default=0)
    absent_count = models.PositiveSmallIntegerField(_("absent"), default=0)
    sick_count = models.PositiveSmallIntegerField(_("absent sick"), default=0)
    taken_by = user_fk(_("taken by"))
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("class attendance")
        verbose_name_plural = _("class attendance")
        ordering = ["-date", "school_class__sort_order", "school_class__name"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "date"], name="health_class_attendance_unique_day")
        ]
        indexes = [models.Index(fields=["campus", "date"])]

    def __str__(self):
        return f"{self.school_class} {self.date:%Y-%m-%d}"

    def clean(self):
        if self.school_class_id and self.campus_id and self.school_class.campus_id != self.campus_id:
            raise ValidationError({"school_class": _("The class belongs to another campus.")})


class AttendanceRecord(CampusOwned):
    """One child's attendance on one day."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    class AbsenceReason(models.TextChoices):
        SICK = "sick", _("Sick leave (病假)")
        PERSONAL = "personal", _("Personal leave (事假)")
        OTHER = "other", _("Other")

    roll = models.ForeignKey(
        ClassAttendance, verbose_name=_("roll call"), on_delete=models.CASCADE, related_name="records"
    )
    child = models.ForeignKey("core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="attendance")
    school_class = models.ForeignKey(
        "core.SchoolClass", verbose_name=_("class"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    absence_reason = models.CharField(_("absence reason"), max_length=10, choices=AbsenceReason.choices, blank=True)
    absence_note = models.CharField(_("absence note"), max_length=200, blank=True)
    recorded_by = user_fk(_("recorded by"))

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        ordering = ["-date", "child__name"]
        constraints = [
            models.UniqueConstraint(fields=["child", "date"], name="health_attendance_unique_child_day"),
            models.CheckConstraint(
                condition=models.Q(status="absent") | models.Q(absence_reason=""),
                name="health_attendance_reason_only_if_absent",
            ),
        ]
        indexes = [
            models.Index(fields=["campus", "date", "status"]),
            models.Index(fields=["campus", "school_class", "date"]),
        ]

    def __str__(self):
        return f"{self.child} {self.date:%Y-%m-%d} {self.get_status_display()}"

    def clean(self):
        if self.status == self.Status.ABSENT and not self.absence_reason:
            raise ValidationError({"absence_reason": _("Give the reason of the absence.")})
        if self.status == self.Status.PRESENT:
            self.absence_reason = ""
