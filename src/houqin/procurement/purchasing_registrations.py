"""Registrations of purchasing (采购): menu, rule settings, the approval kind, attachable
models, dashboard cards, the public disclosure section and demo data. Imported from
:mod:`houqin.procurement.registrations`."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import approvals, dashboard, demo, disclosure, navigation
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.roles import Role
from houqin.core.settings_registry import Setting, campus_setting
from houqin.core.settings_registry import register as register_setting
from houqin.procurement import purchasing_services as services

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item("procurement", gettext_lazy("Purchase requests"), "procurement:purchase_list", "procurement.request_purchases",
     "ti-file-invoice")  # fmt: skip
item("procurement", gettext_lazy("Purchase orders"), "procurement:order_list", "procurement.view_purchases",
     "ti-truck-delivery")  # fmt: skip
item("procurement", gettext_lazy("Acceptances"), "procurement:acceptance_list", "procurement.accept_deliveries",
     "ti-clipboard-check")  # fmt: skip
item("procurement", gettext_lazy("Invoices"), "procurement:invoice_list", "procurement.view_purchases",
     "ti-receipt")  # fmt: skip
item("procurement", gettext_lazy("Suppliers"), "procurement:supplier_list", "procurement.view_suppliers",
     "ti-building-store")  # fmt: skip

# --- Rule settings ------------------------------------------------------------------------
register_setting(Setting(
    "procurement.min_quotes_amount", gettext_lazy("Price comparison (询价比价) needed from an estimated total of"),
    "decimal", Decimal("5000.00"), module="procurement", min_value=Decimal("0"), max_value=Decimal("1000000"),
    unit=gettext_lazy(" yuan"),
    help=gettext_lazy("Below it a purchase may be ordered directly from one supplier."),
))  # fmt: skip
register_setting(Setting(
    "procurement.min_quotes", gettext_lazy("Quotes needed for a price comparison"), "int", 3,
    module="procurement", min_value=3, max_value=10,
    help=gettext_lazy("Ask at least three suppliers (货比三家); a campus may ask more."),
))  # fmt: skip
register_setting(Setting(
    "procurement.disclose_purchases", gettext_lazy("Publish the month's accepted purchases on the public page"),
    "bool", True, module="procurement",
    help=gettext_lazy("出入单公示上墙: date, items, amount and supplier of every confirmed acceptance."),
))  # fmt: skip

# --- Approval kind ------------------------------------------------------------------------
approvals.register_kind(
    services.PURCHASE_KIND,
    label=gettext_lazy("Purchase request (申购)"),
    default_steps=[
        (gettext_lazy("Logistics head"), Role.LOGISTICS_HEAD, None),
        (gettext_lazy("Principal"), Role.PRINCIPAL, services.PRINCIPAL_THRESHOLD),
    ],
    on_approved=services.purchase_on_approved,
    on_rejected=services.purchase_on_rejected,
    on_withdrawn=services.purchase_on_withdrawn,
)


# --- Attachable models --------------------------------------------------------------------
def _request_viewer(request, obj):
    return "procurement.view_purchases" in request.perms or obj.requested_by_id == request.user.pk


def _request_writer(request, obj):
    return obj.requested_by_id == request.user.pk or "procurement.manage_purchases" in request.perms


register_attachable(
    "procurement.PurchaseRequest", ("procurement.view_purchases", "procurement.request_purchases"),
    "procurement.request_purchases", can_view=_request_viewer, can_write=_request_writer,
    detail_url_name="procurement:purchase_detail",
)  # fmt: skip
register_attachable("procurement.Quote", "procurement.view_purchases", "procurement.manage_purchases",
                    detail_url_name="procurement:quote_detail")  # fmt: skip
register_attachable("procurement.PurchaseOrder", "procurement.view_purchases", "procurement.manage_purchases",
                    detail_url_name="procurement:order_detail")  # fmt: skip
register_attachable("procurement.Acceptance", ("procurement.view_purchases", "procurement.accept_deliveries"),
                    "procurement.accept_deliveries", detail_url_name="procurement:acceptance_detail")  # fmt: skip
register_attachable("procurement.Invoice", "procurement.view_purchases", "procurement.record_invoices",
                    detail_url_name="procurement:invoice_detail")  # fmt: skip
register_attachable("procurement.Supplier", "procurement.view_suppliers", "procurement.manage_suppliers",
                    detail_url_name="procurement:supplier_detail")  # fmt: skip

# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


@dashboard.register("procurement.my_requests", "procurement.request_purchases", order=50)
def my_requests_card(request):
    """The user's purchase requests waiting for approval, or sent back to them (2 queries)."""
    from houqin.procurement.models import PurchaseRequest

    qs = PurchaseRequest.objects.filter(
        campus=request.campus,
        requested_by=request.user,
        status__in=(PurchaseRequest.Status.PENDING, PurchaseRequest.Status.REJECTED),
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{r.number} {r.title} · {r.get_status_display()}",
            request_url(request, "procurement:purchase_detail", pk=r.pk),
        )
        for r in qs.order_by("-created_at", "-id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("My purchase requests in progress"),
            count=count,
            url=request_url(request, "procurement:purchase_list") + "?mine=on",
            level="info",
            detail=_("Waiting for approval, or rejected and waiting for you."),
            items=items,
        )
    ]


@dashboard.register("procurement.to_order", "procurement.manage_purchases", order=51)
def to_order_card(request):
    """Approved purchase requests with no order yet (2 queries)."""
    from houqin.procurement.models import PurchaseRequest

    qs = PurchaseRequest.objects.filter(campus=request.campus, status=PurchaseRequest.Status.APPROVED)
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{r.number} {r.title} · {r.estimated_total} 元",
            request_url(request, "procurement:purchase_detail", pk=r.pk),
        )
        for r in qs.order_by("needed_by", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Approved purchases to compare and order"),
            count=count,
            url=request_url(request, "procurement:purchase_list") + "?status=approved",
            level="warning",
            items=items,
        )
    ]


@dashboard.register("procurement.awaiting_delivery", "procurement.view_purchases", order=52)
def awaiting_delivery_card(request):
    """Orders not fully received (2 queries)."""
    from houqin.procurement.models import PurchaseOrder

    qs = PurchaseOrder.objects.filter(campus=request.campus, status__in=PurchaseOrder.OPEN_STATUSES)
    count = qs.count()
    if not count:
        return []
    today = timezone.localdate()
    items = []
    for o in qs.select_related("supplier").order_by("expected_delivery", "id")[:ITEMS]:
        label = f"{o.number} {o.supplier} · {o.get_status_display()}"
        if o.expected_delivery:
            late = o.expected_delivery < today
            label += " · " + (_("due %(date)s") if not late else _("late since %(date)s")) % {
                "date": o.expected_delivery.strftime("%m-%d")
            }
        items.append((label, request_url(request, "procurement:order_detail", pk=o.pk)))
    return [
        Attention(
            title=_("Orders awaiting delivery"),
            count=count,
            url=request_url(request, "procurement:order_list") + "?open=on",
            level="info",
            items=items,
        )
    ]


@dashboard.register("procurement.second_signer", "procurement.accept_deliveries", order=53)
def second_signer_card(request):
    """Acceptances recorded by someone else, waiting for a second signer (2 queries)."""
    from houqin.procurement.models import Acceptance

    qs = Acceptance.objects.filter(campus=request.campus, status=Acceptance.Status.PENDING).exclude(
        recorded_by=request.user
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{a.number} · {a.order.number} {a.order.supplier} · {a.recorded_by.display_name}",
            request_url(request, "procurement:acceptance_detail", pk=a.pk),
        )
        for a in qs.select_related("order__supplier", "recorded_by").order_by("delivered_on", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Acceptances waiting for a second signer"),
            count=count,
            url=request_url(request, "procurement:acceptance_list") + "?status=pending",
            level="warning",
            detail=_("A delivery counts only once a second person has confirmed it."),
            items=items,
        )
    ]


@dashboard.register("procurement.invoices_to_sign", "procurement.sign_invoices", order=54)
def invoices_to_sign_card(request):
    """Invoices waiting for the principal's signature (2 queries)."""
    from houqin.procurement.models import Invoice

    qs = Invoice.objects.filter(campus=request.campus, status=Invoice.Status.AWAITING)
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{i.number} · {i.order.supplier} · {i.amount} 元",
            request_url(request, "procurement:invoice_detail", pk=i.pk),
        )
        for i in qs.select_related("order__supplier").order_by("issued_on", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Invoices awaiting your signature"),
            count=count,
            url=request_url(request, "procurement:invoice_list") + "?status=awaiting",
            level="warning",
            detail=_("Every invoice is signed by the principal (每张发票都必须由园长签字)."),
            items=items,
        )
    ]


# --- Public disclosure: the month's accepted purchases (出入单公示) --------------------------


@disclosure.register(
    "procurement.purchases", gettext_lazy("Accepted purchases (出入单公示)"), "procurement/purchase_disclosure.html",
    order=60,
)  # fmt: skip
def purchases_disclosure(request, campus):
    """Confirmed acceptances of the current month (falls back to last month early on); 2 queries."""
    if not campus_setting(campus, "procurement.disclose_purchases"):
        return None
    today = timezone.localdate()
    month = today.replace(day=1)
    rows = list(services.accepted_in_month(campus, month.year, month.month))
    if not rows and today.day <= 7:
        month = (month - dt.timedelta(days=1)).replace(day=1)
        rows = list(services.accepted_in_month(campus, month.year, month.month))
    if not rows:
        return None
    entries = []
    total = Decimal("0")
    for a in rows:
        lines = [ln for ln in a.lines.all() if ln.quantity_accepted > 0]
        value = sum((ln.value for ln in lines), Decimal("0"))
        total += value
        entries.append({"acceptance": a, "lines": lines, "value": value})
    return {"month": month, "entries": entries, "total": total}


# --- Demo data ----------------------------------------------------------------------------
from houqin.procurement import purchasing_demo  # noqa: E402

demo.register(order=330)(purchasing_demo.add_demo_rows)
