"""Registrations of the environment module: menu, rule settings, routine library entries
(greening, the term-start big clean), dashboard cards, tick job, attachable models and the
demo data. Imported from :mod:`houqin.environment.registrations`."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation, routine_library, ticks
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting
from houqin.environment import services

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item("environment", gettext_lazy("Responsibility zones (责任区)"), "environment:zone_list",
     "environment.view_environment", "ti-map-2")  # fmt: skip
item("environment", gettext_lazy("Hygiene inspections"), "environment:inspection_list",
     "environment.view_environment", "ti-clipboard-check")  # fmt: skip
item("environment", gettext_lazy("Hygiene ranking (卫生评比)"), "environment:ranking",
     "environment.view_environment", "ti-trophy")  # fmt: skip
item("environment", gettext_lazy("Problems to put right"), "environment:problem_list",
     "environment.view_environment", "ti-arrow-back-up")  # fmt: skip
item("environment", gettext_lazy("Greening (绿化)"), "environment:greening", "environment.view_environment",
     "ti-plant")  # fmt: skip
item("environment", gettext_lazy("Functional rooms (功能室)"), "environment:roomuse_list",
     "environment.view_environment", "ti-door")  # fmt: skip
item("environment", gettext_lazy("Dormitory inspections"), "environment:dorm_list",
     "environment.view_environment", "ti-bed")  # fmt: skip
item("environment", gettext_lazy("Term report"), "environment:report", "environment.view_environment",
     "ti-report-analytics")  # fmt: skip
item("environment", gettext_lazy("Scoring sheets"), "environment:sheet_list", "environment.manage_zones",
     "ti-list-numbers")  # fmt: skip

# --- Rule settings ------------------------------------------------------------------------
WEEKDAYS = [
    ("0", gettext_lazy("Monday")),
    ("1", gettext_lazy("Tuesday")),
    ("2", gettext_lazy("Wednesday")),
    ("3", gettext_lazy("Thursday")),
    ("4", gettext_lazy("Friday")),
]
register_setting(Setting(
    "environment.problem_deadline_days", gettext_lazy("Hygiene problems put right within (限时纠正)"), "int", 2,
    module="environment", min_value=1, max_value=14, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    "environment.pass_score", gettext_lazy("A zone passes the hygiene inspection with at least"), "int", 85,
    module="environment", min_value=0, max_value=100, unit=gettext_lazy(" points of 100"),
))  # fmt: skip
register_setting(Setting(
    "environment.inspection_weekday", gettext_lazy("Weekly hygiene inspection due by"), "choice", "4",
    module="environment", choices=WEEKDAYS,
    help=gettext_lazy("From this weekday the inspectors are reminded while the week has no inspection."),
))  # fmt: skip
register_setting(Setting(
    "environment.ranking_on_dashboard", gettext_lazy("Show the week's hygiene ranking on the home page"), "bool",
    True, module="environment",
))  # fmt: skip
register_setting(Setting(
    "environment.daily_clean_from", gettext_lazy("Daily small clean (一日一小扫) from"), "time", "16:00",
    module="environment", help=gettext_lazy("Used when a zone's routines are created."),
))  # fmt: skip
register_setting(Setting(
    "environment.daily_clean_until", gettext_lazy("Daily small clean until"), "time", "17:30", module="environment",
))  # fmt: skip
register_setting(Setting(
    "environment.big_clean_weekday", gettext_lazy("Weekly big clean (一周一大扫) on"), "choice", "4",
    module="environment", choices=WEEKDAYS,
))  # fmt: skip
register_setting(Setting(
    "environment.big_clean_from", gettext_lazy("Weekly big clean from"), "time", "14:30", module="environment",
))  # fmt: skip
register_setting(Setting(
    "environment.big_clean_until", gettext_lazy("Weekly big clean until"), "time", "17:00", module="environment",
))  # fmt: skip

# --- Routine library: greening (绿化) and the term-start big clean -------------------------
_GREEN_ZONE = "校园绿化带、花坛、草坪"
routine_library.register(LibraryRoutine(
    key=services.LIB_WATERING, name="绿化浇水（每周两次）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "weekdays", "weekdays": [1, 4]}, window=("15:30", "17:30"),
    zone=_GREEN_ZONE,
    items=(
        I("浇水情况", kind="choice", choices=("已浇足浇透", "雨后土壤湿润，免浇", "未浇水"), failing_choices=("未浇水",)),
        I("植物长势正常，无缺水萎蔫", photo_required=True, fail_hint="补浇并观察，必要时补种"),
        I("无漫灌浪费，水管、喷头已收好"),
    ),
    description="树木花草每周浇水两次；春灌、冬灌浇足浇透，其余按降雨和土壤墒情浇水，不浪费水。",
    source="[000] [004 篇九]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key=services.LIB_FERTILISING, name="绿化施肥（每月）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "monthly_day", "month_day": 10}, window=("15:30", "17:30"),
    grace_days=5, zone=_GREEN_ZONE,
    items=(
        I("施肥种类及用量", kind="text"),
        I("施肥均匀，无烧苗", photo_required=True),
        I("选在幼儿离园后施肥，剩余肥料已收好上锁"),
    ),
    description="草坪成长期加强施肥，定期施肥剪枝，做到四季常青、四季花香。",
    source="[001 篇三] [002 计划2] [004 篇七]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key=services.LIB_HEDGE_PRUNING, name="绿篱、绿化带修剪（每学期2次）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "termly", "term_points": ["start", "mid"]},
    window=("08:00", "17:30"), grace_days=7, zone=_GREEN_ZONE,
    items=(
        I("修剪整齐、造型美观", photo_required=True),
        I("修剪下的枝叶已清运，现场无杂物"),
        I("作业时幼儿远离，修剪工具已收好"),
    ),
    description="绿化带、绿篱每年修剪约4次，每学期2次；垃圾由承包班级随时清理。",
    source="[004 篇九]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key=services.LIB_TREE_PRUNING, name="树木修剪（每学期1次）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "termly", "term_points": ["mid"]},
    window=("08:00", "17:30"), grace_days=7, zone=_GREEN_ZONE,
    items=(
        I("枯枝、病虫枝已剪除", photo_required=True),
        I("无遮挡路灯、监控、门窗的枝条"),
        I("高处作业安全措施到位，作业区已围挡"),
        I("枝叶已清运"),
    ),
    description="树木每年修剪2次，每学期1次。",
    source="[004 篇九]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key=services.LIB_WEEDING, name="花坛、草坪除草（每周）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "weekdays", "weekdays": [2]}, window=("09:30", "11:30"),
    zone=_GREEN_ZONE,
    items=(
        I("无杂草", photo_required=True),
        I("无垃圾、杂物"),
        I("除草工具已收好"),
    ),
    description="定期拔草，保洁区无杂草；花坛每天学生上操时间为锄草时间，任何时候无杂草、无垃圾。",
    source="[002 计划2] [004 篇九]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key=services.LIB_PEST_CONTROL, name="绿化病虫害防治（每月）", category=services.GREENING_CATEGORY,
    role=Role.REPAIR_WORKER, frequency={"frequency": "monthly_day", "month_day": 20}, window=("15:30", "17:30"),
    grace_days=5, zone=_GREEN_ZONE,
    items=(
        I("病虫害情况", kind="choice", choices=("无", "轻微", "较重"), failing_choices=("较重",),
          fail_hint="及时用药，必要时请园林部门指导"),
        I("用药名称及用量", kind="text", required=False),
        I("在幼儿离园后或周末施药，设置警示标志", photo_required=True),
        I("药剂、药械已收好上锁"),
    ),
    description="抓好浇水、施肥、修剪、除草、防虫等关键环节，定期洒药。",
    source="[001 篇三] [002 计划2]",
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="environment.term_start_cleanup", name="开学前全园卫生大扫除", category=services.CLEANING_CATEGORY,
    role=Role.LOGISTICS_HEAD, frequency={"frequency": "term_start"}, window=("08:00", "17:30"),
    grace_days=3, zone="全园",
    items=(
        I("各班活动室、寝室清扫消毒"),
        I("楼道、走廊、厕所等公共区域清洁"),
        I("室外场地、绿化带垃圾杂物清理"),
        I("卫生死角已清除"),
        I("卫生包干区已划分到班、到人"),
        I("班级卫生用品已发放"),
    ),
    description="开学前全园卫生大扫除，划分卫生包干区，发放班级卫生用品。",
    source="[004 篇二、二月]",
))  # fmt: skip

# --- Attachable models --------------------------------------------------------------------
register_attachable(
    "environment.ZoneScore", "environment.view_environment", "environment.inspect_hygiene",
    can_write=lambda request, obj: obj.inspection.status == "draft",
)  # fmt: skip
register_attachable(
    "environment.HygieneProblem", "environment.view_environment", "environment.fix_problems",
    can_write=lambda request, obj: obj.status in ("open", "fixed"), detail_url_name="environment:problem_detail",
)  # fmt: skip
register_attachable("environment.RoomUse", "environment.view_environment", "environment.record_room_use",
                    detail_url_name="environment:roomuse_detail")  # fmt: skip
register_attachable("environment.DormitoryInspection", "environment.view_environment",
                    "environment.inspect_dormitories", detail_url_name="environment:dorm_detail")  # fmt: skip
register_attachable("environment.GreeningArea", "environment.view_environment", "environment.record_greening",
                    detail_url_name="environment:area_detail")  # fmt: skip
register_attachable("environment.CleaningZone", "environment.view_environment", "environment.manage_zones",
                    detail_url_name="environment:zone_detail")  # fmt: skip


# --- Tick job -----------------------------------------------------------------------------
@ticks.register("environment.problem_reminders", order=125)
def problem_reminders(now) -> str:
    """Overdue hygiene problems are reminded once a day."""
    return f"overdue hygiene problems reminded: {services.problems_remind(now)}"


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("environment.my_problems", "environment.fix_problems", order=33)
def my_problems_card(request):
    """Hygiene problems sent back to the user (2 queries)."""
    from houqin.environment.models import HygieneProblem

    qs = HygieneProblem.objects.filter(
        campus=request.campus, responsible=request.user, status=HygieneProblem.Status.OPEN
    )
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    rows = list(qs.select_related("zone").order_by("deadline", "id")[:ITEMS])
    overdue = any(p.deadline < today for p in rows)
    items = [
        (f"{p.zone.name} · {p.short_description} · {p.deadline:%m-%d}", request_url(request, "environment:problem_detail",
                                                                               pk=p.pk))
        for p in rows
    ]  # fmt: skip
    return [
        Attention(
            title=_("Hygiene problems for me to put right"),
            count=count,
            url=request_url(request, "environment:problem_list") + "?mine=1",
            level="danger" if overdue else "warning",
            items=items,
        )
    ]


@dashboard.register("environment.overdue_problems", "environment.inspect_hygiene", order=34)
def overdue_problems_card(request):
    """Hygiene problems past their deadline, for the inspectors and leaders (2 queries)."""
    qs = services.overdue_problems(request.campus)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    items = [
        (
            _("%(zone)s · %(what)s · %(days)s days overdue")
            % {"zone": p.zone.name, "what": p.short_description, "days": (today - p.deadline).days},
            request_url(request, "environment:problem_detail", pk=p.pk),
        )
        for p in qs.select_related("zone").order_by("deadline", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Overdue hygiene problems"),
            count=count,
            url=request_url(request, "environment:problem_list") + "?overdue=1",
            level="danger",
            detail=_("Not put right by their deadline (限时纠正)."),
            items=items,
        )
    ]


@dashboard.register("environment.problems_to_check", "environment.inspect_hygiene", order=35)
def problems_to_check_card(request):
    """Fixed problems waiting for someone other than their fixer to check (2 queries)."""
    from houqin.environment.models import HygieneProblem

    qs = HygieneProblem.objects.filter(campus=request.campus, status=HygieneProblem.Status.FIXED).exclude(
        fixed_by=request.user
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{p.zone.name} · {p.short_description}", request_url(request, "environment:problem_detail", pk=p.pk))
        for p in qs.select_related("zone").order_by("fixed_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Hygiene fixes to check"),
            count=count,
            url=request_url(request, "environment:problem_list") + "?status=fixed",
            level="info",
            items=items,
        )
    ]


@dashboard.register("environment.inspection_due", "environment.inspect_hygiene", order=36)
def inspection_due_card(request):
    """This week's hygiene inspection is not submitted yet (from the campus's inspection
    weekday, on school weeks; 2–3 queries)."""
    from houqin.core.settings_registry import campus_setting
    from houqin.environment.models import HygieneInspection
    from houqin.environment.selectors import week_bounds

    today = timezone.localdate()
    if today.weekday() < int(campus_setting(request.campus, "environment.inspection_weekday")):
        return []
    from houqin.core.models import Term

    if not Term.objects.filter(campus=request.campus, start_date__lte=today, end_date__gte=today).exists():
        return []
    start, end = week_bounds(today)
    rows = list(
        HygieneInspection.objects.filter(
            campus=request.campus, kind=HygieneInspection.Kind.WEEKLY, date__gte=start, date__lte=end
        )
        .exclude(status=HygieneInspection.Status.VOID)
        .order_by("date", "id")[:1]
    )
    if rows and rows[0].status == HygieneInspection.Status.SUBMITTED:
        return []
    if rows:
        url = request_url(request, "environment:inspection_score", pk=rows[0].pk)
        detail = _("Scoring started on %(day)s; submit it.") % {"day": rows[0].date}
    else:
        url = request_url(request, "environment:inspection_create")
        detail = _("Score every zone on the sheet (每周一次班级卫生、包干区检查).")
    return [
        Attention(
            title=_("This week's hygiene inspection is not done"),
            count=None,
            url=url,
            level="warning",
            detail=detail,
        )
    ]


@dashboard.register("environment.ranking", "environment.view_environment", order=90)
def ranking_card(request):
    """The latest week's top zones (卫生评比), if the campus shows it (3–4 queries)."""
    from houqin.core.settings_registry import campus_setting
    from houqin.environment import selectors
    from houqin.environment.models.inspections import plain

    if not campus_setting(request.campus, "environment.ranking_on_dashboard"):
        return []
    start = selectors.latest_week_with_scores(request.campus)
    if start is None or (timezone.localdate() - start).days > 14:
        return []
    start, end = selectors.week_bounds(start)
    rows = selectors.ranking(request.campus, start, end)
    if not rows:
        return []
    url = request_url(request, "environment:ranking") + f"?period=week&date={start:%Y-%m-%d}"
    items = [
        (
            f"{r['rank']}. {r['label']} · {plain(r['score'])}"
            + (f" · {r['responsible']}" if r["responsible"] else ""),
            url,
        )
        for r in rows[:3]
    ]
    return [
        Attention(
            title=_("Hygiene ranking, week of %(day)s") % {"day": start.strftime("%m-%d")},
            count=len(rows),
            url=url,
            level="success",
            detail=_("Zones ranked; the best three:"),
            items=items,
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
from houqin.environment import environment_demo  # noqa: E402

demo.register(order=350)(environment_demo.add_demo_rows)
