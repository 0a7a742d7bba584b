"""Registrations of the warehouse (库房): menu, approval kind, attachable models, dashboard
cards and demo data. Imported from :mod:`houqin.procurement.registrations`."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import approvals, dashboard, demo, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting
from houqin.procurement import warehouse_services as services

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item(
    "procurement",
    gettext_lazy("Items and stock"),
    "procurement:item_list",
    "procurement.view_stock",
    "ti-packages",
)
item(
    "procurement",
    gettext_lazy("Stock ledger"),
    "procurement:move_list",
    "procurement.view_stock",
    "ti-list-details",
)
item(
    "procurement",
    gettext_lazy("To order"),
    "procurement:to_order",
    "procurement.view_stock",
    "ti-shopping-bag",
)
item(
    "procurement", gettext_lazy("Requisitions (领用)"), "procurement:requisition_list", "procurement.request_items",
    "ti-basket",
)  # fmt: skip
item(
    "procurement",
    gettext_lazy("Stock counts"),
    "procurement:count_list",
    "procurement.view_stock",
    "ti-checklist",
)
item(
    "procurement", gettext_lazy("Consumption per class"), "procurement:consumption_report", "procurement.view_stock",
    "ti-chart-bar",
)  # fmt: skip
item(
    "procurement", gettext_lazy("Stock locations"), "procurement:location_list", "procurement.view_stock",
    "ti-building-warehouse",
)  # fmt: skip
item(
    "procurement", gettext_lazy("Balances per location"), "procurement:balance_list", "procurement.view_stock",
    "ti-stack-2",
)  # fmt: skip
item(
    "procurement", gettext_lazy("Item categories"), "procurement:item_category_list", "procurement.view_stock",
    "ti-category",
)  # fmt: skip

# --- Rule settings ------------------------------------------------------------------------
register_setting(Setting(
    "procurement.consumption_flag_percent",
    gettext_lazy("Consumption report: mark classes above the campus average by more than"), "int", 20,
    module="procurement", min_value=5, max_value=200, unit="%",
    help=gettext_lazy("班级日常用品消耗量: a class that uses this much more than the average is highlighted."),
))  # fmt: skip

# --- Approval kind: requisitions of items whose category needs approval --------------------
approvals.register_kind(
    services.REQUISITION_KIND,
    label=gettext_lazy("Requisition (领用)"),
    default_steps=[(gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None)],
    on_approved=services.requisition_on_approved,
    on_rejected=services.requisition_on_rejected,
    on_withdrawn=services.requisition_on_withdrawn,
)


# --- Attachable: photos of old items handed back (以旧换新) ---------------------------------
def _requisition_viewer(request, obj):
    return "procurement.view_stock" in request.perms or obj.requested_by_id == request.user.pk


register_attachable(
    "procurement.Requisition", "procurement.request_items", "procurement.issue_stock",
    can_view=_requisition_viewer, detail_url_name="procurement:requisition_detail",
)  # fmt: skip


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("procurement.low_stock", "procurement.manage_stock", order=50)
def low_stock_card(request):
    """Items at or below their reorder level (1 query)."""
    rows = list(services.items_to_order(request.campus)[:50])
    if not rows:
        return []
    items = [
        (
            _("%(item)s: %(total)s %(unit)s left (reorder at %(level)s)")
            % {
                "item": it,
                "total": services._fmt(it.total),
                "unit": it.unit,
                "level": services._fmt(it.reorder_level),
            },
            request_url(request, "procurement:item_detail", pk=it.pk),
        )
        for it in rows[:ITEMS]
    ]
    return [
        Attention(
            title=_("Items to reorder"),
            count=len(rows),
            url=request_url(request, "procurement:to_order"),
            level="warning",
            detail=_("At or below their reorder level."),
            items=items,
        )
    ]


@dashboard.register("procurement.requisitions_to_issue", "procurement.issue_stock", order=51)
def requisitions_to_issue_card(request):
    """Requisitions waiting for the keeper (2 queries)."""
    from houqin.procurement.models import Requisition

    qs = Requisition.objects.filter(campus=request.campus, status__in=Requisition.ISSUABLE_STATUSES)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{r.number} {r.recipient}", request_url(request, "procurement:requisition_detail", pk=r.pk))
        for r in qs.select_related("school_class").order_by("requested_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Requisitions to issue"),
            count=count,
            url=request_url(request, "procurement:requisition_list") + "?status=open",
            level="info",
            items=items,
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
def _register_demo():
    from houqin.procurement import warehouse_demo

    demo.register(order=305)(warehouse_demo.add_demo_rows)


_register_demo()
