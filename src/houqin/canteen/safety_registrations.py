"""Registrations of the safety area: sample retention, hygiene logs and kitchen staff
(留样、卫生记录、从业人员) — menu, rule settings, dashboard cards, the public pesticide
results, attachable records, routines of the library and the demo data.

The national numbers already registered by the core (``canteen.sample_min_grams``,
``canteen.sample_retention_hours``, ``canteen.sample_fridge_min_c/max_c``,
``canteen.pesticide_positive_pct``, ``canteen.health_certificate_months``,
``canteen.boiling_minutes``) are read as they are; this module adds the rest.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from houqin.core import dashboard, demo, disclosure, navigation, routine_library
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

D = Decimal
ITEMS = 5

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "canteen",
    gettext_lazy("Sample retention (留样)"),
    "canteen:safety_samples",
    "canteen.view_samples",
    "ti-box-seam",
)
item(
    "canteen",
    gettext_lazy("Sample log"),
    "canteen:safety_sample_list",
    "canteen.view_samples",
    "ti-list-details",
)
item("canteen", gettext_lazy("Tableware disinfection"), "canteen:safety_tableware_list", "canteen.view_hygiene",
     "ti-bowl")  # fmt: skip
item("canteen", gettext_lazy("UV disinfection"), "canteen:safety_uv_list", "canteen.view_hygiene", "ti-sun")
item("canteen", gettext_lazy("Pesticide tests (农残快检)"), "canteen:safety_pesticide_list", "canteen.view_hygiene",
     "ti-leaf")  # fmt: skip
item("canteen", gettext_lazy("Fridge temperatures"), "canteen:safety_temperature_list", "canteen.view_hygiene",
     "ti-temperature")  # fmt: skip
item(
    "canteen", gettext_lazy("Kitchen staff"), "canteen:safety_staff_list", "canteen.view_staff", "ti-chef-hat"
)
item(
    "canteen",
    gettext_lazy("Kitchen duty roster"),
    "canteen:safety_duty",
    "canteen.view_staff",
    "ti-calendar-user",
)
item(
    "canteen",
    gettext_lazy("Staff morning check"),
    "canteen:safety_checks",
    "canteen.check_staff",
    "ti-stethoscope",
)
item(
    "canteen",
    gettext_lazy("Kitchen training"),
    "canteen:safety_training_list",
    "canteen.view_staff",
    "ti-school",
)

# --- Rule settings ------------------------------------------------------------------------
S = register_setting
_MEAL_TIMES = [
    ("breakfast", gettext_lazy("Breakfast is served at"), "08:00"),
    ("morning_snack", gettext_lazy("The morning snack (早点) is served at"), "09:00"),
    ("lunch", gettext_lazy("Lunch is served at"), "11:30"),
    ("afternoon_snack", gettext_lazy("The afternoon snack (午点) is served at"), "15:00"),
    ("dinner", gettext_lazy("Dinner is served at"), "17:30"),
]
for _meal, _label, _default in _MEAL_TIMES:
    S(Setting(
        f"canteen.safety.meal_time_{_meal}", _label, "time", _default, module="canteen",
        help=gettext_lazy("From this time every dish served at the meal must have its sample (留样)."),
    ))  # fmt: skip
S(Setting("canteen.safety.steam_minutes", gettext_lazy("Tableware steam disinfection time"), "int", 10,
          module="canteen", min_value=10, max_value=60, unit=gettext_lazy(" min")))  # fmt: skip
S(Setting("canteen.safety.infrared_c", gettext_lazy("Infrared disinfection cabinet temperature"), "int", 120,
          module="canteen", min_value=120, max_value=200, unit=" °C"))  # fmt: skip
S(Setting("canteen.safety.infrared_minutes", gettext_lazy("Infrared disinfection cabinet time"), "int", 10,
          module="canteen", min_value=10, max_value=60, unit=gettext_lazy(" min"),
          help=gettext_lazy("Some local rules require 15–20 min.")))  # fmt: skip
S(Setting("canteen.safety.chlorine_mg_l", gettext_lazy("Chlorine soak: available chlorine"), "int", 250,
          module="canteen", min_value=250, max_value=1000, unit=" mg/L"))  # fmt: skip
S(Setting("canteen.safety.chlorine_minutes", gettext_lazy("Chlorine soak time"), "int", 5,
          module="canteen", min_value=5, max_value=60, unit=gettext_lazy(" min")))  # fmt: skip
S(Setting("canteen.safety.dishwasher_c", gettext_lazy("Dishwasher final rinse temperature"), "int", 85,
          module="canteen", min_value=85, max_value=100, unit=" °C"))  # fmt: skip
S(Setting("canteen.safety.dishwasher_seconds", gettext_lazy("Dishwasher final rinse time"), "int", 40,
          module="canteen", min_value=40, max_value=600, unit=gettext_lazy(" s")))  # fmt: skip
S(Setting("canteen.safety.uv_minutes", gettext_lazy("Kitchen UV disinfection time"), "int", 30,
          module="canteen", min_value=30, max_value=120, unit=gettext_lazy(" min"),
          help=gettext_lazy("Some campuses require 60 min.")))  # fmt: skip
S(Setting("canteen.safety.chill_min_c", gettext_lazy("Fridges and cold rooms: lowest temperature"), "decimal",
          D("0"), module="canteen", min_value=D("-5"), max_value=D("8"), unit=" °C"))  # fmt: skip
S(Setting("canteen.safety.chill_max_c", gettext_lazy("Fridges and cold rooms: highest temperature"), "decimal",
          D("8"), module="canteen", min_value=D("0"), max_value=D("8"), unit=" °C",
          help=gettext_lazy("Chilled storage (冷藏) is 0–8 °C; some local rules use 0–4 °C.")))  # fmt: skip
S(Setting("canteen.safety.freezer_min_c", gettext_lazy("Freezers: lowest temperature"), "decimal", D("-30"),
          module="canteen", min_value=D("-60"), max_value=D("-18"), unit=" °C"))  # fmt: skip
S(Setting("canteen.safety.freezer_max_c", gettext_lazy("Freezers: highest temperature"), "decimal", D("-18"),
          module="canteen", min_value=D("-40"), max_value=D("-12"), unit=" °C"))  # fmt: skip


# --- Attachable records (photos) ----------------------------------------------------------
register_attachable("canteen.FoodSample", "canteen.view_samples", "canteen.take_samples",
                    detail_url_name="canteen:safety_sample_detail")  # fmt: skip
register_attachable("canteen.PesticideTest", "canteen.view_hygiene", "canteen.record_hygiene",
                    detail_url_name="canteen:safety_pesticide_detail")  # fmt: skip
register_attachable("canteen.TablewareDisinfection", "canteen.view_hygiene", "canteen.record_hygiene",
                    detail_url_name="canteen:safety_tableware_detail")  # fmt: skip
register_attachable("canteen.HealthCertificate", "canteen.view_staff", "canteen.manage_staff",
                    detail_url_name="canteen:safety_certificate_detail")  # fmt: skip
register_attachable("canteen.TrainingRecord", "canteen.view_staff", "canteen.manage_staff",
                    detail_url_name="canteen:safety_training_detail")  # fmt: skip


# --- Routines of the library --------------------------------------------------------------
# The Monday/Thursday boiling routine (canteen.tableware_boiling) and the daily kitchen UV
# routine (canteen.kitchen_uv) are in the core library already.
routine_library.register(LibraryRoutine(
    key="canteen.safety.tableware_daily", name="每日餐具清洗消毒", category="canteen.disinfection", role=Role.COOK,
    frequency={"frequency": "daily"}, window=("12:30", "14:30"), room_names=("洗消间", "厨房"), room_kind="kitchen",
    items=(
        I("一刮二洗三冲四消毒五保洁流程到位"),
        I("消毒方式", kind="choice", choices=("煮沸", "蒸汽", "红外线消毒柜", "含氯消毒液浸泡", "洗碗机")),
        I("消毒时间、温度或浓度达到本园标准，已登记餐具消毒记录",
          fail_hint="未达标的餐具重新消毒，并在餐具消毒记录中登记"),
        I("消毒后餐具放入保洁柜，保洁柜清洁"),
    ),
    description="每餐后餐具清洗消毒；消毒方式和参数按本园设置（煮沸100℃、蒸汽、红外线120℃、含氯250mg/L、洗碗机85℃）。",
    source="[002] 餐饮服务食品安全操作规范",
))  # fmt: skip
for _key, _when, _window in (("am", "上午", ("08:00", "09:30")), ("pm", "下午", ("14:30", "16:00"))):
    routine_library.register(LibraryRoutine(
        key=f"canteen.safety.fridge_temperature_{_key}", name=f"冰箱、冷库温度记录（{_when}）",
        category="canteen.inspection", role=Role.COOK, frequency={"frequency": "daily"}, window=_window,
        room_names=("食品仓库", "厨房"), room_kind="kitchen",
        items=(
            I("留样冰箱温度", kind="value", unit="℃", min_value=D("0"), max_value=D("8"),
              fail_hint="超出0–8℃：检查冰箱，转移留样，报修"),
            I("冷藏冰箱、冷库温度", kind="value", unit="℃", min_value=D("0"), max_value=D("8")),
            I("冷冻柜温度", kind="value", unit="℃", max_value=D("-18")),
            I("冰箱内生熟分开、无过期食品"),
        ),
        description="每天两次记录冷藏、冷冻设备温度；读数也可在“冰箱温度”中逐台登记。",
        source="SPEC §3.3",
    ))  # fmt: skip


# --- Dashboard ----------------------------------------------------------------------------


@dashboard.register("canteen.safety.samples_missing", "canteen.view_samples", order=40)
def samples_missing_card(request):
    """Today's meals past their time with a served dish that has no sample (2 queries)."""
    from houqin.canteen import safety_services as ss

    violations = ss.sample_violations(request.campus)
    if not violations:
        return []
    url = request_url(request, "canteen:safety_samples")
    count = sum(len(m["missing"]) for m in violations)
    items = [(f"{m['label']} · {'、'.join(d.name for d in m['missing'])}", url) for m in violations[:ITEMS]]
    return [Attention(
        title=_("Dishes served without a sample (留样)"), count=count, url=url, level="danger",
        detail=_("Every dish of every meal must be sampled (≥ %(grams)s g, kept %(hours)s h).") % {
            "grams": f"{ss.sample_min_grams(request.campus):g}",
            "hours": int(ss.sample_retention(request.campus).total_seconds() // 3600),
        },
        items=items,
    )]  # fmt: skip


@dashboard.register("canteen.safety.samples_disposable", "canteen.take_samples", order=41)
def samples_disposable_card(request):
    """Samples past their retention time, waiting to be disposed of (2 queries)."""
    from houqin.canteen import safety_services as ss

    qs = ss.ready_for_disposal(request.campus)
    count = qs.count()
    if not count:
        return []
    url = request_url(request, "canteen:safety_sample_disposal")
    items = [(str(s), url) for s in qs.select_related("dish").order_by("discard_not_before", "pk")[:ITEMS]]
    return [Attention(title=_("Samples ready for disposal"), count=count, url=url, level="info", items=items)]


@dashboard.register("canteen.safety.temperatures", "canteen.view_hygiene", order=42)
def temperatures_card(request):
    """Fridge readings out of range in the last 24 hours (2 queries)."""
    from houqin.canteen import safety_services as ss

    qs = ss.temperature_alerts(request.campus)
    count = qs.count()
    if not count:
        return []
    url = request_url(request, "canteen:safety_temperature_list") + "?out_of_range=1"
    items = [
        (f"{r.fridge.name} · {r.temperature_c:g} °C ({r.min_c:g}–{r.max_c:g} °C) · "
         f"{timezone.localtime(r.recorded_at):%m-%d %H:%M}", url)
        for r in qs.select_related("fridge").order_by("-recorded_at", "-pk")[:ITEMS]
    ]  # fmt: skip
    return [
        Attention(
            title=_("Fridge temperatures out of range"), count=count, url=url, level="danger", items=items
        )
    ]


@dashboard.register("canteen.safety.disinfection", "canteen.view_hygiene", order=43)
def disinfection_card(request):
    """Today's tableware and UV disinfection below the campus standard (2 queries)."""
    from houqin.canteen.models import TablewareDisinfection, UvDisinfection

    today = timezone.localdate()
    rows = list(
        TablewareDisinfection.objects.filter(
            campus=request.campus, date=today, is_void=False, is_compliant=False
        )
    ) + list(
        UvDisinfection.objects.filter(campus=request.campus, date=today, is_void=False, is_compliant=False)
    )
    if not rows:
        return []
    items = []
    for r in rows[:ITEMS]:
        name = (
            "canteen:safety_tableware_detail"
            if isinstance(r, TablewareDisinfection)
            else "canteen:safety_uv_detail"
        )
        items.append((f"{r} · {r.problem}", request_url(request, name, pk=r.pk)))
    return [Attention(
        title=_("Disinfection below the standard today"), count=len(rows),
        url=request_url(request, "canteen:safety_tableware_list") + "?compliant=0", level="warning", items=items,
    )]  # fmt: skip


@dashboard.register("canteen.safety.pesticide", "canteen.view_hygiene", order=44)
def pesticide_card(request):
    """Positive pesticide tests of the last 7 days, with the batches they blocked (2 queries)."""
    from houqin.canteen.models import PesticideTest

    today = timezone.localdate()
    qs = PesticideTest.objects.filter(
        campus=request.campus, is_void=False, result=PesticideTest.Result.POSITIVE,
        date__gte=today - dt.timedelta(days=6),
    )  # fmt: skip
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{t.date:%m-%d} {t.vegetable} {t.inhibition_pct:g}% · {t.batch.number}",
         request_url(request, "canteen:safety_pesticide_detail", pk=t.pk))
        for t in qs.select_related("batch").order_by("-tested_at")[:ITEMS]
    ]  # fmt: skip
    return [Attention(
        title=_("Positive pesticide tests (batches blocked)"), count=count,
        url=request_url(request, "canteen:safety_pesticide_list") + "?result=positive", level="danger", items=items,
    )]  # fmt: skip


@dashboard.register("canteen.safety.certificates", "canteen.view_staff", order=45)
def certificates_card(request):
    """Kitchen staff whose health certificate is missing, expired or expires soon (3 queries)."""
    from houqin.canteen import safety_services as ss

    rows = ss.certificate_attention(request.campus)
    if not rows:
        return []
    items = []
    for r in rows[:ITEMS]:
        if r["state"] == "invalid":
            text = f"{r['staff'].name} · {r['problem']}"
        else:
            text = f"{r['staff'].name} · " + ngettext(
                "expires in %(n)s day (%(date)s)", "expires in %(n)s days (%(date)s)", r["days"]
            ) % {"n": r["days"], "date": r["certificate"].valid_until.isoformat()}
        items.append((text, request_url(request, "canteen:safety_staff_detail", pk=r["staff"].pk)))
    invalid = any(r["state"] == "invalid" for r in rows)
    return [Attention(
        title=_("Health certificates expired or expiring"), count=len(rows),
        url=request_url(request, "canteen:safety_certificate_list"), level="danger" if invalid else "warning",
        detail=_("Nobody works in the kitchen without a valid health certificate (食品安全法 第四十五条)."),
        items=items,
    )]  # fmt: skip


@dashboard.register("canteen.safety.unfit", "canteen.view_staff", order=46)
def unfit_card(request):
    """Kitchen staff found unfit at today's morning check (1 query)."""
    from houqin.canteen.models import StaffMorningCheck

    rows = list(
        StaffMorningCheck.objects.filter(
            campus=request.campus, date=timezone.localdate(), is_void=False, is_fit=False
        ).select_related("staff")
    )
    if not rows:
        return []
    url = request_url(request, "canteen:safety_checks")
    return [Attention(
        title=_("Kitchen staff unfit for work today"), count=len(rows), url=url, level="warning",
        items=[(f"{c.staff.name} · {'、'.join(c.findings)}", url) for c in rows[:ITEMS]],
    )]  # fmt: skip


# --- Public page: this week's pesticide tests ---------------------------------------------


@disclosure.register(
    "canteen.safety.pesticide", gettext_lazy("Pesticide residue tests (农残快检)"),
    "canteen/safety_public_pesticide.html", order=62,
)  # fmt: skip
def pesticide_disclosure(request, campus):
    """Today's and this week's rapid tests (1 query); hidden when there are none."""
    from houqin.canteen import safety_services as ss

    today = timezone.localdate()
    start, end = ss.week_bounds(today)
    tests = list(ss.pesticide_tests_between(campus, start, today))
    if not tests:
        return None
    return {
        "today": today, "week_start": start, "week_end": end,
        "today_tests": [t for t in tests if t.date == today],
        "week_tests": [t for t in tests if t.date != today],
    }  # fmt: skip


# --- Demo data ----------------------------------------------------------------------------
from houqin.canteen import safety_demo  # noqa: E402

demo.register(order=460)(safety_demo.add_demo_rows)
