"""Registrations of the stocktake area: menu, approval kind, attachments, the asset page's
stocktake history panel, the dashboard card and the demo data."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.assets import stocktake_services as services
from houqin.assets.panels import register_asset_panel
from houqin.core import approvals, dashboard, demo, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role

# --- Menu ---------------------------------------------------------------------------------
navigation.register_item(
    "assets", gettext_lazy("Stocktakes (盘点)"), "assets:stocktake_list", services.VIEW, "ti-list-check"
)

# --- Approval: adjustments reach the register only when approved --------------------------
approvals.register_kind(
    services.ADJUSTMENT_KIND,
    label=gettext_lazy("Stocktake adjustments"),
    default_steps=[
        (gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None),
        (gettext_lazy("Principal"), Role.PRINCIPAL, None),
    ],
    on_approved=services.stocktake_on_approved,
    on_rejected=services.stocktake_on_rejected,
    on_withdrawn=services.stocktake_on_withdrawn,
)

# --- Attachments (the signed report, photos of what was found) ----------------------------
register_attachable(
    "assets.Stocktake", services.VIEW, services.MANAGE, detail_url_name="assets:stocktake_detail"
)


# --- The asset page: its stocktake history ------------------------------------------------
def _panel_context(request, asset):
    return {"stocktake_lines": services.asset_history(asset)}


register_asset_panel(
    "assets.stocktakes",
    gettext_lazy("Stocktakes"),
    "assets/stocktake_asset_panel.html",
    get_context=_panel_context,
    permission=services.VIEW,
    order=40,
)


# --- Dashboard ----------------------------------------------------------------------------
@dashboard.register("assets.stocktakes_counting", services.MANAGE, order=45)
def stocktakes_counting_card(request):
    """Stocktakes being counted, with how far each has got (2 queries)."""
    from houqin.assets.models import Stocktake

    counting = list(
        Stocktake.objects.filter(campus=request.campus, status=Stocktake.Status.COUNTING).order_by(
            "end_date", "id"
        )[:5]
    )
    if not counting:
        return []
    progress = services.progress_for([s.pk for s in counting])
    items = []
    total_expected = total_counted = 0
    for s in counting:
        expected, counted = progress.get(s.pk, (0, 0))
        total_expected += expected
        total_counted += counted
        items.append(
            (
                _("%(title)s: %(counted)s of %(expected)s counted")
                % {"title": s.title, "counted": counted, "expected": expected},
                request_url(request, "assets:stocktake_detail", pk=s.pk),
            )
        )
    return [
        Attention(
            title=_("Stocktake in progress"),
            count=None,
            url=request_url(request, "assets:stocktake_list") + "?status=counting",
            level="info",
            detail=_("%(counted)s of %(expected)s counted")
            % {"counted": total_counted, "expected": total_expected},
            items=items,
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
from houqin.assets import stocktake_demo  # noqa: E402

demo.register(order=320)(stocktake_demo.add_demo_rows)
