"""Registrations of the daily area: Attendance, morning and midday checks, all-day observation
(出勤、晨午检、全日观察) — menu, rule settings, dashboard cards, the health teacher's two
rounds a day in the routine library, and the demo data."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation, routine_library
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu -----------------------------------------------------------------------------------
item = navigation.register_item
item("health", gettext_lazy("Attendance (出勤)"), "health:daily_attendance_overview", "health.view_attendance",
     "ti-user-check")  # fmt: skip
item("health", gettext_lazy("Morning/midday checks (晨午检)"), "health:daily_check_overview", "health.view_checks",
     "ti-thermometer")  # fmt: skip
item("health", gettext_lazy("Sick-absence follow-up"), "health:daily_followup_list", "health.view_attendance",
     "ti-phone-call")  # fmt: skip
item(
    "health",
    gettext_lazy("All-day observation"),
    "health:daily_observation_list",
    "health.view_checks",
    "ti-eye",
)
item(
    "health",
    gettext_lazy("Daily health summary"),
    "health:daily_summary",
    "health.view_attendance",
    "ti-report",
)
item(
    "health",
    gettext_lazy("Roll calls"),
    "health:daily_attendance_list",
    "health.view_attendance",
    "ti-list-check",
)

# --- Rule settings ----------------------------------------------------------------------------
# The fever threshold is the core's ``health.fever_threshold_c`` (37.3 °C by default).
register_setting(Setting(
    "health.daily.attendance_due", gettext_lazy("Attendance should be taken by"), "time", "09:30",
    module="health",
    help=gettext_lazy("After this time the home page lists the classes that have not taken attendance."),
))  # fmt: skip
register_setting(Setting(
    "health.daily.followup_due", gettext_lazy("Sick absences are followed up by"), "time", "17:00",
    module="health",
    help=gettext_lazy("The same day (因病缺勤当日追踪); open follow-ups are overdue after this time."),
))  # fmt: skip
register_setting(Setting(
    "health.daily.health_tags", gettext_lazy("Health tags (健康牌)"), "str", "red=健康;yellow=观察;green=服药",
    module="health",
    help=gettext_lazy(
        "colour=meaning entries separated by “;”, the healthy (default) tag first. Colours: red, yellow, green, "
        "blue, orange, purple, pink, white. The default is the common practice 红牌 healthy, 黄牌 observe, "
        "绿牌 medicine to take."
    ),
))  # fmt: skip


# --- The health teacher's two rounds a day (每日深入班级巡视2次) -------------------------------------
def _round(key, when, window, extra=()):
    return LibraryRoutine(
        key=f"health.daily_round_{key}", name=f"保健老师深入班级巡视·{when}", category="health.daily",
        role=Role.HEALTH_TEACHER, frequency={"frequency": "daily"}, window=window, zone="各班",
        items=(
            I("各班晨（午）检记录完整，异常幼儿已处理"),
            I("观察幼儿精神、面色、食欲，发现异常及时处理"),
            I("因病缺勤幼儿已追踪，病因已登记"),
            I("隔离观察幼儿情况已跟进，家长已通知"),
            *extra,
            I("巡视中发现的问题及处理", kind="text", required=False),
        ),
        description="保健人员每日深入班级巡视2次，发现患病、疑似传染病儿童及时隔离、通知家长并追访诊治结果。",
        source="regulations §2.4 (每日深入班级巡视2次)", tags=("全日观察",),
    )  # fmt: skip


routine_library.register(_round("morning", "上午", ("09:30", "11:00"), (
    I("活动室开窗通风，温湿度适宜"),
    I("喂药登记与服药情况已核对"),
)))  # fmt: skip
routine_library.register(_round("afternoon", "下午", ("14:30", "16:00"), (
    I("午睡情况：幼儿睡眠、盖被、异常情况已了解"),
    I("进餐、饮水、大小便情况正常"),
)))  # fmt: skip


# --- Dashboard --------------------------------------------------------------------------------
ITEMS = 6


def _now():
    """The local time the cards compare with (a function so tests can move the clock)."""
    return timezone.localtime()


@dashboard.register("health.daily.attendance_missing", "health.view_attendance", order=20)
def attendance_missing_card(request):
    """Classes that have not taken attendance after the campus's due time (3–4 queries)."""
    from houqin.health import daily_services as services

    campus = request.campus
    now = _now()
    today = now.date()
    if now.time() < services.attendance_due_time(campus) or not services.is_school_day(campus, today):
        return []
    classes = list(services.classes_not_taken(campus, today).select_related("head_teacher")[:50])
    if not classes:
        return []
    items = [
        (
            f"{c.name}{' · ' + str(c.head_teacher) if c.head_teacher_id else ''}",
            request_url(request, "health:daily_attendance_take", class_pk=c.pk),
        )
        for c in classes[:ITEMS]
    ]
    return [
        Attention(
            title=_("Attendance not taken yet"),
            count=len(classes),
            url=request_url(request, "health:daily_attendance_overview"),
            level="warning",
            detail=_("Due by %(time)s.") % {"time": services.attendance_due_time(campus).strftime("%H:%M")},
            items=items,
        )
    ]


@dashboard.register("health.daily.followups", "health.follow_up_absences", order=21)
def followups_card(request):
    """Open sick-absence follow-ups, the overdue ones flagged (3 queries)."""
    from houqin.health import daily_services as services

    campus = request.campus
    qs = services.open_followups(campus)
    count = qs.count()
    if not count:
        return []
    now = _now()
    overdue = qs.filter(services.overdue_q(campus, now)).count()
    items = []
    for f in qs.select_related("child", "school_class").order_by("date", "school_class__sort_order")[:ITEMS]:
        late = f.is_overdue_at(now, services.followup_due_time(campus))
        label = f"{f.school_class.name} {f.child.name} · {f.date:%m-%d}"
        if late:
            label += " · " + _("overdue")
        items.append((label, request_url(request, "health:daily_followup_detail", pk=f.pk)))
    return [
        Attention(
            title=_("Sick absences to follow up"),
            count=count,
            url=request_url(request, "health:daily_followup_list") + "?status=open",
            level="danger" if overdue else "warning",
            detail=(_("%(n)s overdue.") % {"n": overdue})
            if overdue
            else _("Find out the cause the same day."),
            items=items,
        )
    ]


@dashboard.register("health.daily.check_exceptions", "health.view_checks", order=22)
def check_exceptions_card(request):
    """Today's children isolated or sent home and not collected yet (2 queries)."""
    from houqin.health.models import HealthCheck

    today = _now().date()
    qs = HealthCheck.objects.filter(
        campus=request.campus, date=today, voided_at__isnull=True,
        outcome__in=[HealthCheck.Outcome.ISOLATE, HealthCheck.Outcome.SENT_HOME], left_at__isnull=True,
    )  # fmt: skip
    rows = list(qs.select_related("child", "school_class").order_by("checked_at")[:50])
    if not rows:
        return []
    items = [
        (
            f"{h.school_class.name} {h.child.name} · {h.get_outcome_display()}"
            + (f" · {h.temperature} °C" if h.temperature else ""),
            request_url(request, "health:daily_check_detail", pk=h.pk),
        )
        for h in rows[:ITEMS]
    ]
    return [
        Attention(
            title=_("Children isolated or waiting to be collected"),
            count=len(rows),
            url=request_url(request, "health:daily_check_list") + f"?date={today:%Y-%m-%d}",
            level="danger",
            items=items,
        )
    ]


# --- Demo data ---------------------------------------------------------------------------------
from houqin.health import daily_demo  # noqa: E402

demo.register(order=400)(daily_demo.add_demo_rows)
