"""Registrations of the custody area (hand-overs, loans, damage, disposal, reports): menu,
rule settings, the disposal approval kind, attachable models, asset-page panels, the
overdue-loan tick job, dashboard cards and demo data. Imported from
:mod:`houqin.assets.registrations`."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.assets import custody_services as services
from houqin.assets.panels import register_asset_panel
from houqin.core import approvals, dashboard, demo, navigation, ticks
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item("assets", gettext_lazy("Class property hand-overs"), "assets:handover_list", "assets.view_custody",
     "ti-clipboard-check")  # fmt: skip
item("assets", gettext_lazy("My hand-overs to sign"), "assets:handover_mine", "assets.sign_handover",
     "ti-signature")  # fmt: skip
item("assets", gettext_lazy("Loans"), "assets:loan_list", "assets.view_custody", "ti-arrows-exchange")
item("assets", gettext_lazy("Borrow an asset"), "assets:loan_mine", "assets.borrow_assets", "ti-hand-grab")
item("assets", gettext_lazy("Damage and compensation"), "assets:damage_list", "assets.view_custody",
     "ti-hammer")  # fmt: skip
item("assets", gettext_lazy("Disposals"), "assets:disposal_list", "assets.view_custody", "ti-trash-x")
item("assets", gettext_lazy("Asset reports"), "assets:report_index", "assets.view_reports", "ti-report-money")

# --- Rule settings ------------------------------------------------------------------------
register_setting(Setting(
    services.LOAN_DAYS_SETTING, gettext_lazy("Assets are lent for (default)"), "int", 14,
    module="assets", min_value=1, max_value=365, unit=gettext_lazy(" days"),
    help=gettext_lazy("The due date a loan gets when none is given."),
))  # fmt: skip
register_setting(Setting(
    services.DISCREPANCY_SETTING, gettext_lazy("What a hand-over does with missing or damaged assets"),
    "choice", "damage", module="assets",
    choices=[
        ("damage", gettext_lazy("Open a damage record for each (谁损坏谁赔偿)")),
        ("list", gettext_lazy("List them for the asset keeper to follow up")),
    ],
))  # fmt: skip

# --- Approval kind: disposal (报废审批) ------------------------------------------------------
approvals.register_kind(
    services.DISPOSAL_KIND,
    label=gettext_lazy("Asset disposal (报废/报损)"),
    default_steps=[
        (gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None),
        (gettext_lazy("Principal"), Role.PRINCIPAL, None),
    ],
    on_approved=services.disposal_on_approved,
    on_rejected=services.disposal_on_rejected,
    on_withdrawn=services.disposal_on_withdrawn,
)


# --- Attachable models --------------------------------------------------------------------
def _handover_viewer(request, obj):
    return "assets.view_custody" in request.perms or services.is_party(request.user, obj)


def _loan_viewer(request, obj):
    return "assets.view_custody" in request.perms or request.user.pk in (obj.borrower_id, obj.requested_by_id)


register_attachable("assets.Handover", ("assets.view_custody", "assets.sign_handover"), "assets.manage_custody",
                    can_view=_handover_viewer, detail_url_name="assets:handover_detail")  # fmt: skip
register_attachable("assets.Loan", ("assets.view_custody", "assets.borrow_assets"), "assets.manage_custody",
                    can_view=_loan_viewer, detail_url_name="assets:loan_detail")  # fmt: skip
register_attachable("assets.Damage", "assets.view_custody", "assets.manage_custody",
                    detail_url_name="assets:damage_detail")  # fmt: skip
register_attachable("assets.DisposalRequest", "assets.view_custody", "assets.request_disposal",
                    detail_url_name="assets:disposal_detail")  # fmt: skip


# --- Panels on the asset page -------------------------------------------------------------
PANEL_ROWS = 10


def _loan_panel(request, asset):
    """Loans of the asset, newest first (2 queries)."""
    from houqin.assets.models import Loan

    qs = Loan.objects.filter(asset=asset)
    loans = list(qs.select_related("borrower", "school_class").order_by("-created_at", "-id")[:PANEL_ROWS])
    return {
        "loans": loans,
        "loan_count": len(loans) if len(loans) < PANEL_ROWS else qs.count(),
        "can_lend": "assets.manage_custody" in request.perms,
        "refusal": services.loan_refusal(asset) if "assets.manage_custody" in request.perms else None,
    }


def _damage_panel(request, asset):
    """Damage records of the asset, newest first (2 queries)."""
    from houqin.assets.models import Damage

    qs = Damage.objects.filter(asset=asset)
    damages = list(
        qs.select_related("responsible_user", "responsible_class").order_by("-occurred_on", "-id")[
            :PANEL_ROWS
        ]
    )
    return {
        "damages": damages,
        "damage_count": len(damages) if len(damages) < PANEL_ROWS else qs.count(),
        "can_record": "assets.manage_custody" in request.perms,
        "can_dispose": "assets.request_disposal" in request.perms,
    }


register_asset_panel("assets.loans", gettext_lazy("Loans"), "assets/loan_panel.html",
                     get_context=_loan_panel, permission="assets.view_custody", order=20)  # fmt: skip
register_asset_panel("assets.damage", gettext_lazy("Damage and compensation"), "assets/damage_panel.html",
                     get_context=_damage_panel, permission="assets.view_custody", order=21)  # fmt: skip


# --- Tick job -----------------------------------------------------------------------------
@ticks.register("assets.loan_overdue", order=130)
def loan_overdue(now) -> str:
    """Overdue loans: the borrower and the asset keepers are reminded once a day."""
    return f"overdue loans reminded: {services.loans_remind(now)}"


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("assets.overdue_loans", "assets.view_custody", order=50)
def overdue_loans_card(request):
    """Loans past their due date (2 queries)."""
    qs = services.overdue_loans(request.campus)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    items = [
        (
            _("%(number)s %(asset)s · %(who)s · %(days)s days overdue")
            % {
                "number": loan.number,
                "asset": loan.asset.name,
                "who": loan.borrower_display,
                "days": (today - loan.due_on).days,
            },
            request_url(request, "assets:loan_detail", pk=loan.pk),
        )  # fmt: skip
        for loan in qs.select_related("asset", "borrower", "school_class").order_by("due_on", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Overdue loans"),
            count=count,
            url=request_url(request, "assets:loan_list") + "?overdue=1",
            level="danger",
            detail=_("Lent assets not back by their due date."),
            items=items,
        )
    ]


@dashboard.register("assets.outstanding_compensation", "assets.view_custody", order=51)
def outstanding_compensation_card(request):
    """Damage records with compensation still to receive (2 queries)."""
    qs = services.outstanding_compensation(request.campus)
    count = qs.count()
    if not count:
        return []
    items = [
        (
            _("%(number)s %(asset)s · %(who)s · %(due)s yuan")
            % {"number": d.number, "asset": d.asset.name, "who": d.responsible_display, "due": d.outstanding},
            request_url(request, "assets:damage_detail", pk=d.pk),
        )
        for d in qs.select_related("asset", "responsible_user", "responsible_class").order_by(
            "occurred_on", "id"
        )[:ITEMS]
    ]
    return [
        Attention(
            title=_("Compensation outstanding"),
            count=count,
            url=request_url(request, "assets:damage_list") + "?outstanding=1",
            level="warning",
            detail=_("谁损坏谁赔偿: amounts due and not yet received."),
            items=items,
        )
    ]


@dashboard.register("assets.handovers_to_sign", "assets.sign_handover", order=12)
def handovers_to_sign_card(request):
    """Hand-overs waiting for the user's own signature (2 queries)."""
    qs = services.handovers_to_sign(request.user, request.campus)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{h.number} {h.room} · {h.get_kind_display()}", request_url(request, "assets:handover_sign", pk=h.pk))
        for h in qs.select_related("room").order_by("created_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Class property hand-overs to sign"),
            count=count,
            url=request_url(request, "assets:handover_mine"),
            level="warning",
            items=items,
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
from houqin.assets import custody_demo  # noqa: E402

demo.register(order=310)(custody_demo.add_demo_rows)
