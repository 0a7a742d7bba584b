"""Reads of the health module that other modules rely on (the canteen, the gate)."""

from django.db.models import Count, Q

from houqin.core.models import Child, SchoolClass
from houqin.health.models import AttendanceRecord, ClassAttendance


def present_counts_by_class(campus, day):
    """``{class_id: {"class": SchoolClass, "enrolled": n, "present": n, "taken": bool}}`` for
    every active class of ``campus`` on ``day``.

    ``present`` is the roll call's count where the class took attendance that day; where it
    has not (yet), it is the enrolled count (``taken`` is False) so that a meal count made
    early in the morning is an upper bound, never zero. Three queries whatever the size.
    """
    classes = list(
        SchoolClass.objects.filter(campus=campus, is_active=True).annotate(
            enrolled=Count("children", filter=Q(children__status=Child.Status.ENROLLED))
        )
    )
    rolls = {
        r.school_class_id: r
        for r in ClassAttendance.objects.filter(campus=campus, date=day).only(
            "school_class_id", "present_count", "absent_count", "sick_count"
        )
    }
    result = {}
    for cls in classes:
        roll = rolls.get(cls.pk)
        result[cls.pk] = {
            "class": cls,
            "enrolled": cls.enrolled,
            "present": roll.present_count if roll else cls.enrolled,
            "absent": roll.absent_count if roll else 0,
            "sick": roll.sick_count if roll else 0,
            "taken": roll is not None,
        }
    return result


def present_children(campus, day):
    """Children present on ``day``: those marked present where their class took attendance,
    every enrolled child of a class that has not (yet); children sent home after a check
    who have been collected are no longer present. Registered with the gate."""
    from houqin.safety.gate_services import is_school_day

    if not is_school_day(campus, day):
        return Child.objects.none()
    taken_classes = ClassAttendance.objects.filter(campus=campus, date=day).values("school_class_id")
    absent = AttendanceRecord.objects.filter(campus=campus, date=day, status=AttendanceRecord.Status.ABSENT)
    from houqin.health.daily_services import sent_home_left

    return (
        Child.objects.filter(campus=campus, status=Child.Status.ENROLLED)
        .exclude(pk__in=absent.values("child_id"))
        .exclude(pk__in=sent_home_left(campus, day).values("child_id"))
        .filter(Q(school_class__isnull=True) | ~Q(school_class__in=taken_classes) | Q(attendance__date=day))
        .distinct()
    )
