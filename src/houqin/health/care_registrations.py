"""Registrations of the care area: Special-care registers and health-care reports
(体弱儿/肥胖儿专案、保健统计) — menu, rule settings, dashboard cards, attachments on a case
(hospital notes) and the demo rows."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

VIEW, MANAGE, REPORTS = "health.view_special_care", "health.manage_special_care", "health.view_reports"

# --- Menu ---------------------------------------------------------------------------------------
item = navigation.register_item
item("health", gettext_lazy("Frail children (体弱儿)"), "health:care_frail", VIEW, "ti-heart-handshake")
item("health", gettext_lazy("Obese children (肥胖儿)"), "health:care_obese", VIEW, "ti-scale")
item("health", gettext_lazy("Blood pressure due"), "health:care_bp_due", VIEW, "ti-heart-rate-monitor")
item(
    "health",
    gettext_lazy("Health statistics (保健统计)"),
    "health:care_report_attendance",
    REPORTS,
    "ti-chart-bar",
)

# --- Rule settings (regulations.md §2.3, §2.10) --------------------------------------------------
S = gettext_lazy
register_setting(Setting(
    "health.care.exam_pass_target", S("Exam pass-rate target"), "int", 90, module="health",
    min_value=50, max_value=100, unit="%",
    help=S("Share of examined children whose latest exam passed (体检合格率 ≥ 90 %); shown green or red."),
))  # fmt: skip
register_setting(Setting(
    "health.care.anaemia_recheck_months", S("Anaemia: recheck Hb after"), "int", 1, module="health",
    min_value=1, max_value=3, unit=S(" months"),
    help=S("Haemoglobin recheck of an anaemic child after 1–3 months (儿童营养性疾病管理技术规范)."),
))  # fmt: skip
register_setting(Setting(
    "health.care.weigh_months", S("Obesity and malnutrition: weigh every"), "int", 1, module="health",
    min_value=1, max_value=3, unit=S(" months"),
    help=S("Weight (and height) follow-up of obese and malnourished children, monthly by default."),
))  # fmt: skip
register_setting(Setting(
    "health.care.other_recheck_months", S("Other frail children: follow up every"), "int", 3, module="health",
    min_value=1, max_value=6, unit=S(" months"),
    help=S("Rickets, preterm birth, heart disease, repeated infections and others."),
))  # fmt: skip
register_setting(Setting(
    "health.care.bp_interval_days", S("Moderate and severe obesity: blood pressure every"), "int", 30,
    module="health", min_value=7, max_value=31, unit=S(" days"),
    help=S("Blood pressure is measured monthly for moderate and severe obesity."),
))  # fmt: skip
register_setting(Setting(
    "health.care.due_soon_days", S("Show follow-ups as due this many days ahead"), "int", 7, module="health",
    min_value=0, max_value=30, unit=S(" days"),
))  # fmt: skip
register_setting(Setting(
    "health.care.anaemia_hb_min", S("Normal haemoglobin from (6 months–6 years)"), "int", 110, module="health",
    min_value=110, max_value=130, unit=" g/L",
    help=S("Anaemia below this value (WHO; 2012 规范): 90–109 mild, 60–89 moderate, < 60 severe."),
))  # fmt: skip
register_setting(Setting(
    "health.care.anaemia_hb_min_6y", S("Normal haemoglobin from (6–14 years)"), "int", 120, module="health",
    min_value=120, max_value=140, unit=" g/L",
))  # fmt: skip
register_setting(Setting(
    "health.care.anaemia_enrol_from", S("Put anaemic children on the register from"), "choice", "mild",
    module="health",
    choices=[("mild", S("Mild anaemia (all anaemic children)")), ("moderate", S("Moderate anaemia"))],
    help=S("Every anaemic child is registered (登记); moderate and severe ones are case files (专案)."),
))  # fmt: skip
register_setting(Setting(
    "health.care.obesity_exit", S("An obesity case closes as recovered when the child is no longer"), "choice",
    "overweight", module="health",
    choices=[("overweight", S("overweight nor obese")), ("obesity", S("obese"))],
))  # fmt: skip

# --- Attachments on a case (hospital diagnosis, referral notes) -----------------------------------
register_attachable("health.SpecialCareCase", VIEW, MANAGE, detail_url_name="health:care_case_detail")

# --- Dashboard ----------------------------------------------------------------------------------
ITEMS = 5


def _child_label(case):
    klass = case.child.school_class.name if case.child.school_class_id else ""
    return f"{case.child.name} {klass}".strip()


@dashboard.register("health.care.bp_due", MANAGE, order=46)
def bp_due_card(request):
    """Moderate+ obese children whose monthly blood pressure is due or overdue (2 queries)."""
    from django.utils import timezone

    from houqin.health import care_services

    qs = care_services.bp_due(request.campus)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    items = []
    for case in qs.select_related("child", "child__school_class")[:ITEMS]:
        items.append(
            (
                f"{_child_label(case)} · {case.bp_due_on:%m-%d}",
                request_url(request, "health:care_case_detail", pk=case.pk),
            )
        )
    return [
        Attention(
            title=_("Blood pressure due (obese children)"),
            count=count,
            url=request_url(request, "health:care_bp_due"),
            level="danger" if qs.filter(bp_due_on__lt=today).exists() else "warning",
            detail=_("Moderate and severe obesity: blood pressure every month."),
            items=items,
        )
    ]


@dashboard.register("health.care.followups_due", MANAGE, order=47)
def followups_due_card(request):
    """Special-care cases whose recheck is due or overdue (3 queries)."""
    from django.utils import timezone

    from houqin.health import care_services

    qs = care_services.rechecks_due(request.campus)
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{_child_label(c)} · {c.get_category_display()} · {c.next_recheck_on:%m-%d}",
            request_url(request, "health:care_case_detail", pk=c.pk),
        )
        for c in qs.select_related("child", "child__school_class")[:ITEMS]
    ]
    overdue = qs.filter(next_recheck_on__lt=timezone.localdate()).exists()
    return [
        Attention(
            title=_("Special-care follow-ups due"),
            count=count,
            url=request_url(request, "health:care_rechecks_due"),
            level="danger" if overdue else "warning",
            detail=_("Rechecks of frail and obese children (体弱儿/肥胖儿专案随访)."),
            items=items,
        )
    ]


# --- Demo data (order 430, after the growth demo) ----------------------------------------------
from houqin.health import care_demo  # noqa: E402,F401
