"""Registrations of the hazards side of the safety module: menu, rule settings, dashboard
cards, tick jobs, approval kinds, attachable models, room-QR actions, the routines fail
action and demo data. Imported from :mod:`houqin.safety.registrations`."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import approvals, dashboard, demo, navigation, ticks
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.qr import register_qr_action
from houqin.core.roles import Role
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting
from houqin.safety import services

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "safety",
    gettext_lazy("Hazards (安全台账)"),
    "safety:hazard_list",
    "safety.view_hazards",
    "ti-alert-triangle",
)
item("safety", gettext_lazy("Drills"), "safety:drill_list", "safety.view_drills", "ti-run")
item("safety", gettext_lazy("Responsibility agreements"), "safety:agreement_list", "safety.view_agreements",
     "ti-writing-sign")  # fmt: skip
item(
    "safety",
    gettext_lazy("My agreements and plans"),
    "safety:my_safety",
    "safety.self_service",
    "ti-user-check",
)
item(
    "safety", gettext_lazy("Safety education"), "safety:education_plan", "safety.view_education", "ti-school"
)
item("safety", gettext_lazy("1530 safety talks"), "safety:talk_overview", "safety.view_education", "ti-clock")
item(
    "safety", gettext_lazy("Activity safety plans"), "safety:activity_list", "safety.view_education", "ti-bus"
)
item("safety", gettext_lazy("Emergency plans"), "safety:plan_list", "safety.view_plans", "ti-file-alert")
item("safety", gettext_lazy("Duty roster"), "safety:duty_month", "safety.view_duty", "ti-calendar-user")
item(
    "safety", gettext_lazy("Fire monthly report"), "safety:fire_report", "safety.view_fire_report", "ti-flame"
)

# --- Rule settings: 限时整改 deadlines by severity -----------------------------------------
register_setting(Setting(
    "safety.deadline_days_low", gettext_lazy("Ordinary hazards (一般) rectified within"), "int", 7,
    module="safety", min_value=1, max_value=30, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    "safety.deadline_days_medium", gettext_lazy("Serious hazards (较大) rectified within"), "int", 3,
    module="safety", min_value=1, max_value=14, unit=gettext_lazy(" days"),
))  # fmt: skip
register_setting(Setting(
    "safety.deadline_days_high", gettext_lazy("Major hazards (重大) rectified within"), "int", 1,
    module="safety", min_value=1, max_value=3, unit=gettext_lazy(" days"),
    help=gettext_lazy("Major hazards are also made safe at once (stop use, cordon off)."),
))  # fmt: skip

# --- Approval kinds -----------------------------------------------------------------------
approvals.register_kind(
    services.ACTIVITY_PLAN_KIND,
    label=gettext_lazy("Activity safety plan"),
    default_steps=[
        (gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None),
        (gettext_lazy("Principal"), Role.PRINCIPAL, None),
    ],
    on_approved=services.activity_plan_on_approved,
    on_rejected=services.activity_plan_on_rejected,
    on_withdrawn=services.activity_plan_on_withdrawn,
)
approvals.register_kind(
    services.DUTY_SWAP_KIND,
    label=gettext_lazy("Duty swap"),
    default_steps=[(gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None)],
    on_approved=services.duty_swap_on_approved,
    on_rejected=services.duty_swap_on_rejected,
    on_withdrawn=services.duty_swap_on_withdrawn,
)


# --- Attachable models --------------------------------------------------------------------
def _activity_writer(request, obj):
    return "safety.manage_education" in request.perms or obj.submitted_by_id == request.user.pk


register_attachable("safety.Hazard", "safety.view_hazards", "safety.report_hazards",
                    detail_url_name="safety:hazard_detail")  # fmt: skip
register_attachable(
    "safety.Drill", "safety.view_drills", "safety.manage_drills", detail_url_name="safety:drill_detail"
)
register_attachable("safety.AgreementSignature", "safety.view_agreements", "safety.manage_agreements",
                    detail_url_name="safety:signature_detail")  # fmt: skip
register_attachable("safety.EducationRecord", "safety.view_education", "safety.record_education",
                    detail_url_name="safety:education_record_detail")  # fmt: skip
register_attachable("safety.ActivityPlan", "safety.view_education", "safety.record_education",
                    can_write=_activity_writer, detail_url_name="safety:activity_detail")  # fmt: skip
register_attachable("safety.EmergencyPlanVersion", "safety.view_plans", "safety.manage_plans",
                    detail_url_name="safety:plan_version_detail")  # fmt: skip

# --- Room QR label: report a hazard without logging in ------------------------------------
register_qr_action(
    "safety.hazard", gettext_lazy("Report a safety hazard"), "qr_hazard_report", "ti-alert-triangle", 20
)


# --- Tick jobs ----------------------------------------------------------------------------
@ticks.register("safety.hazard_escalation", order=120)
def hazard_escalation(now) -> str:
    """Overdue hazards escalate to the logistics head, once a day each."""
    return f"overdue hazards escalated: {services.hazards_escalate(now)}"


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("safety.overdue_hazards", "safety.view_hazards", order=30)
def overdue_hazards_card(request):
    """Overdue hazards of the campus (2 queries)."""
    qs = services.overdue_hazards(request.campus)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    items = [
        (
            _("%(number)s %(what)s · %(days)s days overdue")
            % {"number": h.number, "what": h.short_description, "days": (today - h.deadline).days},
            request_url(request, "safety:hazard_detail", pk=h.pk),
        )
        for h in qs.select_related("room").order_by("deadline", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Overdue hazards"),
            count=count,
            url=request_url(request, "safety:hazard_list") + "?overdue=1",
            level="danger",
            detail=_("Not rectified by their deadline (限时整改)."),
            items=items,
        )
    ]


@dashboard.register("safety.my_hazards", "safety.report_hazards", order=31)
def my_hazards_card(request):
    """Hazards the user must rectify (2 queries)."""
    from houqin.safety.models import Hazard

    qs = Hazard.objects.filter(campus=request.campus, owner=request.user, status__in=Hazard.OPEN_STATUSES)
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{h.number} {h.short_description} · {h.deadline:%m-%d}",
            request_url(request, "safety:hazard_detail", pk=h.pk),
        )
        for h in qs.order_by("deadline", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Hazards for me to rectify"),
            count=count,
            url=request_url(request, "safety:hazard_list") + "?mine=1",
            level="warning",
            items=items,
        )
    ]


@dashboard.register("safety.hazards_to_verify", "safety.manage_hazards", order=32)
def hazards_to_verify_card(request):
    """Rectified hazards waiting for someone other than their rectifier to verify (2 queries)."""
    from houqin.safety.models import Hazard

    qs = Hazard.objects.filter(campus=request.campus, status=Hazard.Status.RECTIFIED).exclude(
        rectified_by=request.user
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{h.number} {h.short_description}", request_url(request, "safety:hazard_detail", pk=h.pk))
        for h in qs.order_by("rectified_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Rectifications to verify"),
            count=count,
            url=request_url(request, "safety:hazard_list") + "?status=rectified",
            level="info",
            items=items,
        )
    ]


@dashboard.register("safety.duty_today", "safety.view_duty", order=15)
def duty_today_card(request):
    """Who is on duty today (1 query)."""
    shifts = list(services.duty_on(request.campus, timezone.localdate()))
    if not shifts:
        return []
    items = [
        (
            f"{s.get_kind_display()} {s.start_time:%H:%M}–{s.end_time:%H:%M} · {s.person.display_name}"
            + (f" {s.phone}" if s.phone else ""),
            request_url(request, "safety:duty_month"),
        )
        for s in shifts[:8]
    ]
    return [
        Attention(
            title=_("On duty today"),
            count=None,
            url=request_url(request, "safety:duty_month"),
            level="info",
            detail=", ".join(sorted({s.person.display_name for s in shifts})),
            items=items,
        )
    ]


@dashboard.register("safety.to_sign", "safety.self_service", order=40)
def to_sign_card(request):
    """Agreements the user has to sign and emergency plans to read (4 queries)."""
    from houqin.safety.models import Agreement, AgreementSignature, EmergencyPlan, PlanAcknowledgement

    roles = set(request.roles)
    mine = AgreementSignature.objects.filter(user=request.user, voided_at__isnull=True).values("agreement_id")
    agreements = [
        a
        for a in Agreement.objects.filter(
            campus=request.campus, is_active=True, audience=Agreement.Audience.STAFF
        )
        .exclude(pk__in=mine)
        .order_by("due_on", "id")
        if roles & set(a.roles or [])
    ]
    read = PlanAcknowledgement.objects.filter(user=request.user).values("version_id")
    plans = list(
        EmergencyPlan.objects.filter(campus=request.campus, is_active=True, current_version__isnull=False)
        .exclude(current_version_id__in=read)
        .order_by("title")
    )
    if not agreements and not plans:
        return []
    url = request_url(request, "safety:my_safety")
    items = [(_("Sign: %(title)s") % {"title": a.title}, url) for a in agreements[:ITEMS]]
    items += [(_("Read: %(title)s") % {"title": p.title}, url) for p in plans[: max(0, ITEMS - len(items))]]
    return [
        Attention(
            title=_("Agreements to sign and plans to read"),
            count=len(agreements) + len(plans),
            url=url,
            level="warning",
            items=items,
        )
    ]


# --- Routines: a failed checklist item opens a hazard in one tap ---------------------------
def _register_fail_action():
    try:
        from houqin.core import routines
    except ImportError:  # the routines engine is not installed yet
        return
    register = getattr(routines, "register_fail_action", None)
    if register is None:
        return
    register(
        "hazard",
        label=gettext_lazy("Open a hazard"),
        permission="safety.report_hazards",
        handler=services.hazard_from_routine_result,
        icon="ti-alert-triangle",
    )


_register_fail_action()

# --- Demo data ----------------------------------------------------------------------------
from houqin.safety import hazards_demo  # noqa: E402

demo.register(order=200)(hazards_demo.add_demo_rows)
