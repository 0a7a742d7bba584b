"""Registrations of the disease area (medication, infectious disease, disinfection, health
education): menu, rule settings, routine library (preventive disinfection, 2012 规范 附件3),
attachable models, dashboard cards, the quarantine placement guard, the tick job and the
demo data. Imported from :mod:`houqin.health.registrations`."""

from decimal import Decimal as D

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation, routine_library, ticks
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.placement import register_class_guard
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting
from houqin.health import disease_services as services

ITEMS = 5

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "health",
    gettext_lazy("Dosing list (喂药)"),
    "health:medication_today",
    "health.view_medication",
    "ti-pill",
)
item("health", gettext_lazy("Entrusted medicines"), "health:medication_list", "health.view_medication",
     "ti-prescription")  # fmt: skip
item("health", gettext_lazy("Infectious disease cases (传染病)"), "health:case_list", "health.view_disease",
     "ti-virus")  # fmt: skip
item(
    "health",
    gettext_lazy("Outbreak alerts"),
    "health:outbreak_list",
    "health.view_disease",
    "ti-alert-octagon",
)
item("health", gettext_lazy("Class quarantines"), "health:quarantine_list", "health.view_disease", "ti-lock")
item("health", gettext_lazy("Disease list"), "health:disease_list", "health.view_disease", "ti-list-details")
item("health", gettext_lazy("Terminal disinfection (终末消毒)"), "health:disinfection_list",
     "health.view_disinfection", "ti-spray")  # fmt: skip
item("health", gettext_lazy("Disinfectant concentration tests"), "health:concentration_list",
     "health.view_disinfection", "ti-test-pipe")  # fmt: skip
item(
    "health",
    gettext_lazy("Health education lessons"),
    "health:lesson_list",
    "health.view_education",
    "ti-school",
)
item(
    "health",
    gettext_lazy("Lessons by month"),
    "health:lesson_grid",
    "health.view_education",
    "ti-calendar-stats",
)
item(
    "health",
    gettext_lazy("Publicity board (宣传栏)"),
    "health:board_list",
    "health.view_education",
    "ti-presentation",
)

# --- Rule settings (regulations.md §2.4–2.6; a campus may be stricter, never laxer) --------
_MIN = gettext_lazy(" minutes")
_DAYS = gettext_lazy(" days")
_CASES = gettext_lazy(" cases")
for setting in (
    Setting(
        services.S_GRACE,
        gettext_lazy("A dose counts as missed when not recorded within"),
        "int",
        60,
        module="health",
        min_value=10,
        max_value=120,
        unit=_MIN,
        help=gettext_lazy(
            "After the time slot of an entrusted medicine; also how early a dose may be given."
        ),
    ),
    Setting(
        services.S_DAY_CASES,
        gettext_lazy("Outbreak alert: cases in one class on one day"),
        "int",
        3,
        module="health",
        min_value=2,
        max_value=3,
        unit=_CASES,
        help=gettext_lazy(
            "《学校和托幼机构传染病疫情报告工作规范》: ≥ 3 cases in a day → report within 24 h."
        ),
    ),
    Setting(
        services.S_WINDOW_CASES,
        gettext_lazy("Outbreak alert: cases in one class within the days below"),
        "int",
        5,
        module="health",
        min_value=2,
        max_value=5,
        unit=_CASES,
    ),
    Setting(
        services.S_WINDOW_DAYS,
        gettext_lazy("Outbreak alert: consecutive days counted"),
        "int",
        3,
        module="health",
        min_value=3,
        max_value=14,
        unit=_DAYS,
    ),
    Setting(
        services.S_SAME_DISEASE,
        gettext_lazy("Outbreak alert: count cases of the same disease only"),
        "bool",
        True,
        module="health",
        help=gettext_lazy("Off: every infectious disease case of the class counts together."),
    ),
    Setting(
        services.S_REPORT_HOURS,
        gettext_lazy("Outbreak report due within"),
        "int",
        24,
        module="health",
        min_value=1,
        max_value=24,
        unit=gettext_lazy(" hours"),
        help=gettext_lazy("Many local rules ask for 1–2 hours."),
    ),
    Setting(
        services.S_DISINFECTION_DAYS,
        gettext_lazy("Terminal disinfection due within"),
        "int",
        1,
        module="health",
        min_value=0,
        max_value=3,
        unit=_DAYS,
        help=gettext_lazy("Days after the case is recorded; 0 = the same day."),
    ),
    Setting(
        services.S_CHLORINE_MIN,
        gettext_lazy("Chlorine disinfectant: lowest concentration"),
        "int",
        250,
        module="health",
        min_value=100,
        max_value=1000,
        unit=gettext_lazy(" mg/L"),
    ),
    Setting(
        services.S_CHLORINE_MAX,
        gettext_lazy("Chlorine disinfectant: highest concentration"),
        "int",
        500,
        module="health",
        min_value=100,
        max_value=2000,
        unit=gettext_lazy(" mg/L"),
    ),
    Setting(
        "health.disease.ventilation_minutes",
        gettext_lazy("Each airing of the rooms lasts at least"),
        "int",
        10,
        module="health",
        min_value=10,
        max_value=120,
        unit=_MIN,
        help=gettext_lazy(
            "Windows open at least twice a day (2012 规范 附件3). Used when the routine is enabled."
        ),
    ),
    Setting(
        "health.disease.uv_minutes",
        gettext_lazy("UV lamp disinfection lasts at least"),
        "int",
        60,
        module="health",
        min_value=60,
        max_value=120,
        unit=_MIN,
    ),
    Setting(
        services.S_LESSON_DAY,
        gettext_lazy("Remind classes without a health lesson this month from day"),
        "int",
        20,
        module="health",
        min_value=1,
        max_value=28,
    ),
    Setting(
        services.S_BOARD_DAY,
        gettext_lazy("Remind an unchanged publicity board this month from day"),
        "int",
        10,
        module="health",
        min_value=1,
        max_value=28,
    ),
):
    register_setting(setting)

# --- Routine library: preventive disinfection (2012 规范 附件3, regulations.md §2.6) -------------
_CATEGORY = "health.disinfection"
_SOURCE = "2012 规范 附件3; regulations.md §2.6"
routine_library.register(LibraryRoutine(
    key="health.ventilation", name="活动室、寝室开窗通风（每日2次）", category=_CATEGORY,
    role=Role.CHILDCARE_WORKER, frequency={"frequency": "daily"}, window=("08:00", "16:30"), zone="各班",
    items=(
        I("上午开窗通风时长", kind="value", unit="分钟", min_setting="health.disease.ventilation_minutes",
          fail_hint="补足通风时间"),
        I("下午开窗通风时长", kind="value", unit="分钟", min_setting="health.disease.ventilation_minutes",
          fail_hint="补足通风时间"),
        I("通风时幼儿避开风口，冬季注意保暖"),
        I("无法通风时已用紫外线灯消毒", required=False),
    ),
    description="开窗通风每日至少2次，每次10–15分钟；气候条件允许时持续开窗。",
    source=_SOURCE,
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="health.toy_cup_towel", name="口杯、毛巾清洗消毒（每日）", category=_CATEGORY,
    role=Role.CHILDCARE_WORKER, frequency={"frequency": "daily"}, window=("14:00", "16:30"), zone="各班",
    items=(
        I("口杯清洗消毒，一人一杯"),
        I("毛巾清洗消毒，一人一巾"),
        I("消毒方式", kind="choice", choices=("煮沸15分钟", "蒸汽10分钟", "消毒柜", "日光曝晒6小时", "未消毒"),
          failing_choices=("未消毒",), fail_hint="立即补做消毒"),
        I("消毒后保洁存放（保洁柜不能代替消毒）"),
    ),
    description="餐具、口杯煮沸15分钟或蒸汽10分钟；毛巾洗净后日光曝晒6小时以上，或煮沸、蒸汽消毒。",
    source=_SOURCE,
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="health.disease.toys_weekly", name="玩具、图书消毒（每周）", category=_CATEGORY,
    role=Role.CHILDCARE_WORKER, frequency={"frequency": "weekdays", "weekdays": [4]}, window=("14:00", "17:00"),
    zone="各班",
    items=(
        I("玩具清洗消毒", photo_required=True),
        I("图书翻晒", required=False),
        I("消毒方式", kind="choice", choices=("日光曝晒4小时", "含氯消毒液浸泡/擦拭后清水冲净", "消毒柜", "未消毒"),
          failing_choices=("未消毒",), fail_hint="立即补做消毒"),
        I("含氯消毒液浓度（如使用）", kind="value", unit="mg/L", min_value=D("250"), max_value=D("500"), required=False,
          fail_hint="重新配制消毒液并做浓度测试"),
    ),
    description="玩具、图书每周至少消毒一次：日光曝晒4小时或含氯消毒液（250–500mg/L）擦拭、浸泡。",
    source=_SOURCE,
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="health.disease.bedding", name="被褥、床单清洗晾晒（每两周）", category=_CATEGORY,
    role=Role.CHILDCARE_WORKER, frequency={"frequency": "every_n_weeks", "interval_weeks": 2, "weekday": 4},
    window=("09:00", "17:00"), zone="各班寝室",
    items=(
        I("床单、被套、枕套已清洗"),
        I("被褥日光曝晒时长", kind="value", unit="小时", min_value=D("4"), fail_hint="阴雨天改期补晒"),
        I("一人一床一被，标识清楚"),
    ),
    description="被褥每两周清洗、晾晒一次。",
    source=_SOURCE,
))  # fmt: skip
routine_library.register(LibraryRoutine(
    key="health.disease.uv_lamp", name="紫外线灯消毒（每日60分钟）", category=_CATEGORY,
    role=Role.CHILDCARE_WORKER, frequency={"frequency": "daily"}, window=("12:00", "17:30"), zone="各班",
    items=(
        I("照射时长", kind="value", unit="分钟", min_setting="health.disease.uv_minutes", fail_hint="补足照射时间"),
        I("照射时室内无人，幼儿已离开"),
        I("灯管表面清洁（每周酒精擦拭）"),
        I("紫外线灯累计使用时间未超过寿命", required=False),
    ),
    description="不能开窗通风时用紫外线灯消毒，每日1次，每次60分钟；移动式紫外线灯，不得在有人时照射。",
    source=_SOURCE,
))  # fmt: skip

# --- Attachable models ------------------------------------------------------------------------
register_attachable("health.MedicationOrder", "health.view_medication", "health.register_medication",
                    detail_url_name="health:medication_detail")  # fmt: skip
register_attachable("health.DiseaseCase", "health.view_disease", "health.manage_disease",
                    detail_url_name="health:case_detail")  # fmt: skip
register_attachable("health.OutbreakAlert", "health.view_disease", "health.manage_disease",
                    detail_url_name="health:outbreak_detail")  # fmt: skip
register_attachable("health.TerminalDisinfection", "health.view_disinfection", "health.record_disinfection",
                    detail_url_name="health:disinfection_detail")  # fmt: skip
register_attachable("health.ConcentrationTest", "health.view_disinfection", "health.record_disinfection",
                    detail_url_name="health:concentration_detail")  # fmt: skip
register_attachable("health.HealthLesson", "health.view_education", "health.record_education",
                    detail_url_name="health:lesson_detail")  # fmt: skip
register_attachable("health.PublicityBoardChange", "health.view_education", "health.record_education",
                    detail_url_name="health:board_detail")  # fmt: skip

# --- Quarantine: no enrolment into / move into a quarantined class (core.placement) -----------
register_class_guard(services.quarantine_guard)


# --- Dashboard ----------------------------------------------------------------------------------
@dashboard.register("health.disease.outbreaks", "health.view_disease", order=20)
def outbreak_card(request):
    """Outbreak alerts not reported yet, with their deadline (2 queries)."""
    from houqin.health.models import OutbreakAlert

    qs = OutbreakAlert.objects.filter(campus=request.campus, status=OutbreakAlert.Status.OPEN)
    alerts = list(qs.select_related("school_class", "disease").order_by("report_due_at")[:ITEMS])
    if not alerts:
        return []
    now = timezone.now()
    items = [
        (
            _("%(class)s · %(what)s · report by %(due)s%(late)s")
            % {"class": a.school_class, "what": a.disease or a.rule_label,
               "due": timezone.localtime(a.report_due_at).strftime("%m-%d %H:%M"),
               "late": _(" (late)") if a.report_due_at < now else ""},
            request_url(request, "health:outbreak_detail", pk=a.pk),
        )
        for a in alerts
    ]  # fmt: skip
    return [Attention(title=_("Outbreak alerts to report (24 h)"), count=qs.count(), level="danger",
                      url=request_url(request, "health:outbreak_list") + "?status=open", items=items,
                      detail=_("A class reached the reporting threshold: report to the CDC and take measures."))]  # fmt: skip


@dashboard.register("health.disease.missed_doses", "health.view_medication", order=21)
def missed_doses_card(request):
    """Today's doses not recorded within the grace (3 queries)."""
    missed = services.missed_doses(request.campus)
    if not missed:
        return []
    items = [
        (f"{s.order.school_class} · {s.order.child} · {s.order.drug} · {s.slot:%H:%M}",
         request_url(request, "health:medication_give", pk=s.order.pk, date=s.date.isoformat(), slot=s.slot_code))
        for s in missed[:ITEMS]
    ]  # fmt: skip
    return [Attention(title=_("Missed doses of entrusted medicines"), count=len(missed), level="danger",
                      url=request_url(request, "health:medication_today"), items=items,
                      detail=_("Give them now or record why they were not given."))]  # fmt: skip


@dashboard.register("health.disease.quarantine_proposed", "health.manage_disease", order=22)
def proposed_quarantine_card(request):
    from houqin.health.models import ClassQuarantine

    qs = ClassQuarantine.objects.filter(campus=request.campus, status=ClassQuarantine.Status.PROPOSED)
    rows = list(qs.select_related("school_class").order_by("start_date")[:ITEMS])
    if not rows:
        return []
    items = [(str(q), request_url(request, "health:quarantine_detail", pk=q.pk)) for q in rows]
    return [Attention(title=_("Class quarantines to confirm"), count=qs.count(), level="warning",
                      url=request_url(request, "health:quarantine_list") + "?status=proposed", items=items,
                      detail=_("Proposed with an outbreak alert: 不并班、不串班、不收新生."))]  # fmt: skip


@dashboard.register("health.disease.disinfection_overdue", "health.view_disinfection", order=23)
def disinfection_card(request):
    qs = services.overdue_disinfections(request.campus)
    rows = list(qs.select_related("school_class", "disease").order_by("due_date")[:ITEMS])
    if not rows:
        return []
    items = [(f"{t.school_class} · {t.disease} · {t.due_date:%m-%d}",
              request_url(request, "health:disinfection_detail", pk=t.pk)) for t in rows]  # fmt: skip
    return [Attention(title=_("Overdue terminal disinfections (终末消毒)"), count=qs.count(), level="danger",
                      url=request_url(request, "health:disinfection_list") + "?status=overdue", items=items)]  # fmt: skip


@dashboard.register("health.disease.concentration_redo", "health.view_disinfection", order=24)
def concentration_card(request):
    qs = services.tests_awaiting_redo(request.campus)
    rows = list(qs.order_by("-date")[:ITEMS])
    if not rows:
        return []
    items = [(str(t), request_url(request, "health:concentration_detail", pk=t.pk)) for t in rows]
    return [Attention(title=_("Failed concentration tests to redo"), count=qs.count(), level="warning",
                      url=request_url(request, "health:concentration_list") + "?redo=1", items=items,
                      detail=_("Make the solution again and test it."))]  # fmt: skip


@dashboard.register("health.disease.education", "health.view_education", order=60)
def education_card(request):
    """Classes without a health lesson this month and an unchanged publicity board (from the
    reminder days of the campus settings; 2–3 queries)."""
    from houqin.core.settings_registry import campus_setting

    today = timezone.localdate()
    cards = []
    if today.day >= campus_setting(request.campus, services.S_LESSON_DAY):
        missing = list(services.classes_without_lesson(request.campus, today))
        if missing:
            cards.append(Attention(
                title=_("Classes without a health lesson this month"), count=len(missing), level="warning",
                url=request_url(request, "health:lesson_grid"),
                detail="、".join(c.name for c in missing[:12]),
            ))  # fmt: skip
    if today.day >= campus_setting(request.campus, services.S_BOARD_DAY) and not services.board_changed_in(
        request.campus, today
    ):
        cards.append(Attention(title=_("The health publicity board has not been changed this month"), count=None,
                               level="info", url=request_url(request, "health:board_list")))  # fmt: skip
    return cards


# --- Tick job: every campus gets the common disease list ---------------------------------------
@ticks.register("health.disease.seed_diseases", order=150)
def seed_diseases(now) -> str:
    """Campuses without a disease list get the common ones (idempotent)."""
    from houqin.core.models import Campus

    created = 0
    for campus in Campus.objects.filter(is_active=True):
        created += services.diseases_ensure(campus)
    return f"diseases seeded: {created}"


# --- Demo data ----------------------------------------------------------------------------------
from houqin.health import disease_demo  # noqa: E402

demo.register(order=410)(disease_demo.add_demo_rows)
