"""Registrations of the growth area: health cards, measurements, exams and growth
evaluation (体检与生长发育): menu, rule settings, the health card's photos, the dashboard
card of the due lists and the demo data. Imported from :mod:`houqin.health.registrations`."""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "health",
    gettext_lazy("Measure a class"),
    "health:measurement_entry",
    "health.record_measurements",
    "ti-ruler-2",
)
item(
    "health",
    gettext_lazy("Growth evaluation"),
    "health:growth_summary",
    "health.view_growth",
    "ti-chart-line",
)
item(
    "health",
    gettext_lazy("Measurements"),
    "health:measurement_list",
    "health.view_growth",
    "ti-ruler-measure",
)
item("health", gettext_lazy("Health exams"), "health:exam_list", "health.view_growth", "ti-stethoscope")
item("health", gettext_lazy("Entry health cards"), "health:card_list", "health.view_growth", "ti-id-badge-2")
item(
    "health",
    gettext_lazy("Exams and measurements due"),
    "health:growth_due",
    "health.view_growth",
    "ti-calendar-due",
)

# --- Rule settings (regulations.md §2.3, §2.9, §2.10) --------------------------------------
S, reg = Setting, register_setting
reg(S(
    "health.growth.reference", gettext_lazy("Growth reference"), "choice", "wst423", module="health",
    choices=[("wst423", gettext_lazy("WS/T 423-2022 (China) under 7 years, WHO from 7 years")),
             ("who", gettext_lazy("WHO 2006/2007 for every age"))],
    help=gettext_lazy("WS/T 423-2022 is the national standard (in force 2023-03-01) for official reports."),
))  # fmt: skip
reg(S(
    "health.growth.entry_exam_valid_days", gettext_lazy("An entry health exam is valid for"), "int", 30,
    module="health", min_value=1, max_value=90, unit=gettext_lazy(" days"),
    help=gettext_lazy("Days between the exam at the hospital and the first day in the kindergarten (local practice: 1 month)."),
))  # fmt: skip
reg(S(
    "health.growth.measure_interval_months", gettext_lazy("Measure height and weight every"), "int", 3,
    module="health", min_value=1, max_value=6, unit=gettext_lazy(" months"),
    help=gettext_lazy("Quarterly by default (每季度测身高、体重一次)."),
))  # fmt: skip
reg(S(
    "health.growth.exam_interval_under3_months", gettext_lazy("Health exam of children of 1–3 years every"), "int",
    6, module="health", min_value=1, max_value=6, unit=gettext_lazy(" months"),
    help=gettext_lazy("Twice a year, 6 months apart (2012 规范)."),
))  # fmt: skip
reg(S(
    "health.growth.exam_interval_months", gettext_lazy("Health exam of children of 3 years and over every"), "int",
    12, module="health", min_value=1, max_value=12, unit=gettext_lazy(" months"),
    help=gettext_lazy("Once a year (2012 规范)."),
))  # fmt: skip
reg(S(
    "health.growth.hb_interval_months", gettext_lazy("Haemoglobin test every"), "int", 12, module="health",
    min_value=1, max_value=12, unit=gettext_lazy(" months"), help=gettext_lazy("Every child once a year."),
))  # fmt: skip
reg(S(
    "health.growth.vision_from_months", gettext_lazy("Vision screening from the age of"), "int", 48,
    module="health", min_value=24, max_value=48, unit=gettext_lazy(" months"),
    help=gettext_lazy("Yearly from 4 years."),
))  # fmt: skip
reg(S(
    "health.growth.hearing_until_months", gettext_lazy("Hearing screening until the age of"), "int", 48,
    module="health", min_value=48, max_value=84, unit=gettext_lazy(" months"),
    help=gettext_lazy("Yearly for children of 1–3 years (until the 4th birthday)."),
))  # fmt: skip
reg(S(
    "health.growth.reexam_after_days", gettext_lazy("Re-examine a child who was away for more than"), "int", 90,
    module="health", min_value=14, max_value=90, unit=gettext_lazy(" days"),
    help=gettext_lazy("离园超三个月须重新体检入园."),
))  # fmt: skip
# The anaemia thresholds (Hb < 110 g/L, < 120 g/L from 6 years) are the care area's settings
# health.care.anaemia_hb_min / anaemia_hb_min_6y: one number, one setting.
reg(S(
    "health.growth.vision_min_4y", gettext_lazy("Vision below this is abnormal at 4 years"), "decimal", Decimal("4.8"),
    module="health", min_value=Decimal("4.0"), max_value=Decimal("5.0"),
    help=gettext_lazy("5-point scale (4.8 = 0.6); two eyes 2 lines apart are abnormal too."),
))  # fmt: skip
reg(S(
    "health.growth.vision_min_5y", gettext_lazy("Vision below this is abnormal from 5 years"), "decimal", Decimal("4.9"),
    module="health", min_value=Decimal("4.0"), max_value=Decimal("5.0"), help=gettext_lazy("5-point scale (4.9 = 0.8)."),
))  # fmt: skip


# --- Attachments: the photo of the paper health card ---------------------------------------
register_attachable(
    "health.HealthCard",
    ("health.view_growth",),
    ("health.manage_exams",),
    detail_url_name="health:card_detail",
)


# --- Dashboard ------------------------------------------------------------------------------


@dashboard.register("growth.due", "health.manage_exams", order=62)
def due_card(request):
    """Children due for an exam, a measurement or a missing entry card (a fixed number of queries)."""
    from houqin.health.growth_services import due_kind_labels, due_lists

    lists = due_lists(request.campus, timezone.localdate())
    labels = due_kind_labels()
    total = sum(len(v) for v in lists.values())
    if not total:
        return []
    items = [
        (f"{labels[k]}: {len(v)}", request_url(request, "health:growth_due") + f"#due-{k}")
        for k, v in lists.items()
        if v
    ]
    return [
        Attention(
            title=_("Health exams and measurements due"),
            count=len({e["child"].pk for v in lists.values() for e in v}),
            url=request_url(request, "health:growth_due"),
            level="danger" if lists["card"] or lists["reexam"] else "warning",
            items=items[:6],
        )
    ]


# --- Demo data ------------------------------------------------------------------------------
from houqin.health import growth_demo  # noqa: E402

demo.register(order=420)(growth_demo.add_demo_rows)
