"""Warehouse (库房) pages: items with their balances, locations, the stock ledger with its
move forms (receive, issue, adjust, transfer, reverse), the "to order" list, requisitions
(领用), periodic counts (定期清点) and the consumption per class report.

Views are thin: every write calls :mod:`houqin.procurement.warehouse_services`.
"""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import approvals, attachables
from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.core.views.mechanisms import approval_timeline
from houqin.procurement import warehouse_reports as reports
from houqin.procurement import warehouse_services as services
from houqin.procurement.models import (
    Item,
    ItemCategory,
    Requisition,
    RequisitionLine,
    StockBalance,
    StockCount,
    StockCountLine,
    StockLocation,
    StockMove,
)
from houqin.procurement.warehouse_filters import (
    ItemCategoryFilter,
    ItemFilter,
    RequisitionFilter,
    StockBalanceFilter,
    StockCountFilter,
    StockLocationFilter,
    StockMoveFilter,
)
from houqin.procurement.warehouse_forms import (
    AdjustForm,
    CountStartForm,
    IssueForm,
    ItemCategoryForm,
    ItemForm,
    ReasonForm,
    ReceiveForm,
    RequisitionForm,
    RequisitionLineFormSet,
    StockLocationForm,
    TransferForm,
)

VIEW = "procurement.view_stock"
MANAGE = "procurement.manage_stock"
ISSUE = "procurement.issue_stock"
REQUEST = "procurement.request_items"
ZERO = Decimal("0")

KIND_COLOURS = {
    "in": "green",
    "out": "blue",
    "adjust": "orange",
    "transfer": "purple",
    "reversal": "secondary",
}
REQ_COLOURS = {
    "pending": "yellow", "approved": "azure", "partial": "blue", "issued": "green", "closed": "secondary",
    "rejected": "red", "withdrawn": "secondary",
}  # fmt: skip
COUNT_COLOURS = {"open": "yellow", "posted": "green", "cancelled": "secondary"}


def qty(value):
    """A quantity for display: no trailing zeros (12.500 → 12.5)."""
    if value is None:
        return None
    return services._fmt(value)


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def kind_badge(m):
    return badge(KIND_COLOURS.get(m.kind, "secondary"), m.get_kind_display(), m.kind)


def signed_qty(m):
    colour = "text-green" if m.quantity > 0 else "text-red"
    return format_html('<span class="{}">{}{}</span>', colour, "+" if m.quantity > 0 else "", qty(m.quantity))


def local(value):
    return timezone.localtime(value) if value is not None else None


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    return " ".join(str(m) for m in exc.messages)


def item_flags(it):
    parts = []
    if it.is_hazardous:
        parts.append(badge("red", _("Hazardous"), "hazardous"))
    if not it.is_consumable:
        parts.append(badge("purple", _("Old-for-new"), "exchange"))
    if not it.is_active:
        parts.append(badge("secondary", _("Inactive"), "inactive"))
    return format_html(" ".join(["{}"] * len(parts)), *parts) if parts else ""


def total_cell(it):
    total = getattr(it, "total", None)
    if total is None:
        return None
    low = it.reorder_level and it.reorder_level > 0 and total <= it.reorder_level
    if low:
        return format_html(
            '<span class="text-danger fw-bold" data-low="1">{} {}</span> <span class="badge bg-red-lt">{}</span>',
            qty(total), it.unit, _("reorder"),
        )  # fmt: skip
    return f"{qty(total)} {it.unit}"


def with_totals(qs):
    return qs.annotate(
        total=Coalesce(Sum("balances__quantity"), Value(ZERO), output_field=DecimalField()),
        total_value=Coalesce(Sum("balances__value"), Value(ZERO), output_field=DecimalField()),
    )


# --- Item categories ----------------------------------------------------------------------


class ItemCategoryMixin:
    model = ItemCategory
    url_base = "procurement:item_category"
    permission_required = VIEW
    write_permission = MANAGE


class ItemCategoryListView(ItemCategoryMixin, ObjectListView):
    filterset_class = ItemCategoryFilter
    search_fields = ("name",)
    title = gettext_lazy("Item categories")
    create_label = gettext_lazy("Add a category")
    ordering = ("sort_order", "name")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Requisitions need approval"), "needs_approval"),
        Column(gettext_lazy("Order"), "sort_order"),
        Column(gettext_lazy("Note"), "note"),
    ]


class ItemCategoryDetailView(ItemCategoryMixin, ObjectDetailView):
    attachments = False
    fields = ("name", "needs_approval", "sort_order", "note")


class ItemCategoryFormView(ItemCategoryMixin, ObjectFormView):
    form_class = ItemCategoryForm


# --- Locations ----------------------------------------------------------------------------


class LocationMixin:
    model = StockLocation
    url_base = "procurement:location"
    permission_required = VIEW
    write_permission = MANAGE


class LocationListView(LocationMixin, ObjectListView):
    filterset_class = StockLocationFilter
    search_fields = ("name",)
    title = gettext_lazy("Stock locations")
    create_label = gettext_lazy("Add a location")
    select_related = ("room", "keeper")
    ordering = ("name",)
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Room"), "room"),
        Column(gettext_lazy("Keeper"), "keeper"),
        Column(gettext_lazy("Active"), "is_active"),
        Column(gettext_lazy("Note"), "note"),
    ]


class LocationDetailView(LocationMixin, ObjectDetailView):
    template_name = "procurement/location_detail.html"
    attachments = False
    fields = ("name", "room", "keeper", "is_active", "note")

    def get_queryset(self):
        return StockLocation.objects.select_related("room", "keeper")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        balances = (
            StockBalance.objects.filter(location=self.object)
            .exclude(quantity=0)
            .select_related("item", "item__category")
            .order_by("item__category__sort_order", "item__name")
        )
        ctx["balances"] = balances
        ctx["total_value"] = sum((b.value for b in balances), ZERO)
        ctx["open_count"] = StockCount.objects.filter(
            location=self.object, status=StockCount.Status.OPEN
        ).first()
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        return ctx


class LocationFormView(LocationMixin, ObjectFormView):
    form_class = StockLocationForm


# --- Items --------------------------------------------------------------------------------


class ItemMixin:
    model = Item
    url_base = "procurement:item"
    permission_required = VIEW
    write_permission = MANAGE


class ItemListView(ItemMixin, ObjectListView):
    template_name = "procurement/item_list.html"
    filterset_class = ItemFilter
    search_fields = ("name", "spec")
    title = gettext_lazy("Items and stock")
    create_label = gettext_lazy("Add an item")
    select_related = ("category", "keeper", "default_location")
    columns = [
        Column(gettext_lazy("Goods"), "name", link=True),
        Column(gettext_lazy("Specification"), "spec"),
        Column(gettext_lazy("Category"), "category"),
        Column(gettext_lazy("In stock"), total_cell, export=False),
        Column(gettext_lazy("Value"), "total_value"),
        Column(gettext_lazy("Reorder level"), lambda it: qty(it.reorder_level) if it.reorder_level else None),
        Column(gettext_lazy("Keeper"), "keeper"),
        Column("", item_flags, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Goods"), "name"),
            Column(_("Specification"), "spec"),
            Column(_("Unit"), "unit"),
            Column(_("Category"), "category"),
            Column(_("In stock"), "total"),
            Column(_("Value"), "total_value"),
            Column(_("Reorder level"), "reorder_level"),
            Column(_("Reorder quantity"), "reorder_quantity"),
            Column(_("Consumable"), "is_consumable"),
            Column(_("Hazardous"), "is_hazardous"),
            Column(_("Keeper"), "keeper"),
            Column(_("Limit per issue"), "per_issue_limit"),
            Column(_("Default location"), "default_location"),
            Column(_("Active"), "is_active"),
        ]

    def get_queryset(self):
        return with_totals(super().get_queryset()).order_by(
            "category__sort_order", "category__name", "name", "spec"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        ctx["can_issue"] = has_perm(self.request, ISSUE)
        ctx["low_count"] = services.items_to_order(self.request.campus).count()
        return ctx


class ItemDetailView(ItemMixin, ObjectDetailView):
    template_name = "procurement/item_detail.html"
    attachments = False
    LEDGER_ROWS = 50

    def get_queryset(self):
        return Item.objects.select_related("category", "keeper", "default_location")

    def detail_fields(self):
        it = self.object
        return [
            (_("Name"), it.name),
            (_("Specification"), it.spec),
            (_("Unit"), it.unit),
            (_("Category"), it.category),
            (_("Consumable"), _("Yes") if it.is_consumable else _("No — issued old-for-new (以旧换新)")),
            (_("Hazardous"), _("Yes") if it.is_hazardous else _("No")),
            (_("Keeper"), it.keeper),
            (_("Limit per issue"), qty(it.per_issue_limit)),
            (_("Reorder level"), qty(it.reorder_level)),
            (_("Reorder quantity"), qty(it.reorder_quantity)),
            (_("Default location"), it.default_location),
            (_("Active"), _("Yes") if it.is_active else _("No")),
            (_("Note"), it.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        it = self.object
        balances = list(
            StockBalance.objects.filter(item=it).select_related("location").order_by("location__name")
        )
        total = sum((b.quantity for b in balances), ZERO)
        moves = (
            StockMove.objects.filter(item=it)
            .select_related("location", "to_class", "actor")
            .order_by("-moved_at", "-id")[: self.LEDGER_ROWS]
        )
        ctx.update(
            {
                "balances": balances,
                "total": total,
                "total_value": sum((b.value for b in balances), ZERO),
                "is_low": bool(it.reorder_level and it.reorder_level > 0 and total <= it.reorder_level),
                "moves": moves,
                "ledger_url": campus_url(self.request, "procurement:move_list") + f"?item={it.pk}",
                "can_manage": has_perm(self.request, MANAGE),
                "can_issue": has_perm(self.request, ISSUE),
            }
        )
        return ctx


class ItemFormView(ItemMixin, ObjectFormView):
    form_class = ItemForm


# --- Balances -----------------------------------------------------------------------------


class BalanceListView(ObjectListView):
    model = StockBalance
    url_base = "procurement:balance"
    permission_required = VIEW
    filterset_class = StockBalanceFilter
    search_fields = ("item__name", "item__spec")
    pinyin_field = "item__name_pinyin"
    title = gettext_lazy("Balances per location")
    select_related = ("item", "item__category", "location")
    ordering = ("location__name", "item__category__sort_order", "item__name")
    columns = [
        Column(gettext_lazy("Location"), "location"),
        Column(gettext_lazy("Goods"), "item"),
        Column(gettext_lazy("Category"), "item.category"),
        Column(gettext_lazy("Quantity"), lambda b: f"{qty(b.quantity)} {b.item.unit}", export=False),
        Column(gettext_lazy("Average cost"), "average_cost"),
        Column(gettext_lazy("Value"), "value"),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Location"), "location"),
            Column(_("Goods"), "item"),
            Column(_("Category"), "item.category"),
            Column(_("Quantity"), "quantity"),
            Column(_("Unit"), "item.unit"),
            Column(_("Average cost"), "average_cost"),
            Column(_("Value"), "value"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        for row in ctx["rows"]:
            row["url"] = campus_url(self.request, "procurement:item_detail", pk=row["obj"].item_id)
        return ctx


# --- The stock ledger ---------------------------------------------------------------------


def source_cell(m):
    if not m.source_type_id:
        return None
    return f"{m.source_type.name} #{m.source_id}"


class MoveMixin:
    model = StockMove
    url_base = "procurement:move"
    permission_required = VIEW
    write_permission = ""


class MoveListView(MoveMixin, ObjectListView):
    template_name = "procurement/stock_move_list.html"
    filterset_class = StockMoveFilter
    search_fields = ("item__name", "note", "to_department")
    pinyin_field = "item__name_pinyin"
    title = gettext_lazy("Stock ledger (出入库台账)")
    select_related = ("item", "location", "to_class", "actor", "source_type")
    ordering = ("-moved_at", "-id")
    columns = [
        Column(gettext_lazy("No."), lambda m: f"#{m.pk}", link=True),
        Column(gettext_lazy("Time"), "moved_at"),
        Column(gettext_lazy("Kind"), kind_badge, export=False),
        Column(gettext_lazy("Goods"), "item"),
        Column(gettext_lazy("Location"), "location"),
        Column(gettext_lazy("Quantity"), signed_qty, export=False),
        Column(gettext_lazy("Value"), "value"),
        Column(gettext_lazy("Balance after"), lambda m: qty(m.balance_after)),
        Column(gettext_lazy("Issued to"), "recipient"),
        Column(gettext_lazy("By"), "actor"),
        Column(gettext_lazy("Note"), "note", css="text-wrap"),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("No."), "pk"),
            Column(_("Time"), lambda m: local(m.moved_at)),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Goods"), "item"),
            Column(_("Unit"), "item.unit"),
            Column(_("Location"), "location"),
            Column(_("Quantity"), "quantity"),
            Column(_("Unit cost"), "unit_cost"),
            Column(_("Value"), "value"),
            Column(_("Balance after"), "balance_after"),
            Column(_("To class"), "to_class"),
            Column(_("To department"), "to_department"),
            Column(_("Source"), source_cell),
            Column(_("Reverses"), "reverses_id"),
            Column(_("By"), "actor"),
            Column(_("Note"), "note"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        ctx["can_issue"] = has_perm(self.request, ISSUE)
        return ctx


def _source_link(request, move):
    obj = move.source
    if obj is None:
        return None
    url = attachables.object_url(obj, request.campus.code)
    return format_html('<a href="{}">{}</a>', url, obj) if url else str(obj)


class MoveDetailView(MoveMixin, ObjectDetailView):
    template_name = "procurement/stock_move_detail.html"
    attachments = False

    def get_queryset(self):
        return StockMove.objects.select_related(
            "item", "location", "to_class", "actor", "source_type", "reverses", "counterpart"
        )

    def detail_fields(self):
        m = self.object
        fields = [
            (_("Kind"), kind_badge(m)),
            (_("Time"), local(m.moved_at)),
            (
                _("Goods"),
                format_html(
                    '<a href="{}">{}</a>',
                    campus_url(self.request, "procurement:item_detail", pk=m.item_id),
                    m.item,
                ),
            ),
            (_("Location"), m.location),
            (_("Quantity"), format_html("{} {}", signed_qty(m), m.item.unit)),
            (_("Unit cost"), m.unit_cost),
            (_("Value"), m.value),
            (_("Balance after"), qty(m.balance_after)),
            (_("Issued to"), m.recipient),
            (_("Source"), _source_link(self.request, m)),
            (_("Recorded by"), m.actor),
            (_("Note"), m.note),
        ]
        if m.reverses_id:
            fields.append((_("Reverses"), format_html(
                '<a href="{}">#{}</a>', campus_url(self.request, "procurement:move_detail", pk=m.reverses_id), m.reverses_id
            )))  # fmt: skip
        reversal = StockMove.objects.filter(reverses=m).first()
        if reversal is not None:
            fields.append((_("Reversed by"), format_html(
                '<a href="{}">#{}</a>', campus_url(self.request, "procurement:move_detail", pk=reversal.pk), reversal.pk
            )))  # fmt: skip
        self.reversal = reversal
        peer = services.transfer_peer(m)
        if peer is not None:
            fields.append((_("Other leg of the transfer"), format_html(
                '<a href="{}">#{} {}</a>', campus_url(self.request, "procurement:move_detail", pk=peer.pk), peer.pk, peer.location
            )))  # fmt: skip
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m = self.object
        ctx["reverse_form"] = (
            ReasonForm(campus=self.request.campus)
            if has_perm(self.request, MANAGE) and m.kind != StockMove.Kind.REVERSAL and self.reversal is None
            else None
        )
        return ctx


@campus_view(MANAGE)
@require_POST
def move_reverse(request, campus, pk):
    move = get_object_or_404(StockMove.objects.select_related("item", "location", "campus"), pk=pk)
    form = ReasonForm(request.POST, campus=request.campus)
    target = campus_url(request, "procurement:move_detail", pk=move.pk)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the reversal."))
        return HttpResponseRedirect(target)
    try:
        reversal = services.stock_move_reverse(
            actor=request.user, move=move, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(target)
    messages.success(request, _("Reversed by move #%(id)s.") % {"id": reversal.pk})
    return HttpResponseRedirect(campus_url(request, "procurement:move_detail", pk=reversal.pk))


# --- Move forms ---------------------------------------------------------------------------


class StockFormView(CampusViewMixin, FormView):
    """A form that posts one stock move through a service; errors shown on the form."""

    template_name = "procurement/stock_form.html"
    permission_required = MANAGE
    form_class = None
    submit_label = gettext_lazy("Save")
    help_text = ""

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        initial = {}
        for key in ("item", "location", "from_location", "to_class"):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                initial[key] = int(value)
        if "item" in initial and "location" not in initial:
            item = Item.objects.filter(pk=initial["item"]).only("default_location_id").first()
            if item is not None and item.default_location_id:
                initial["location"] = item.default_location_id
                initial["from_location"] = item.default_location_id
        return initial

    def form_valid(self, form):
        try:
            result = self.post_move(form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        move = result[0] if isinstance(result, tuple) else result
        messages.success(self.request, _("Recorded as move #%(id)s.") % {"id": move.pk})
        return HttpResponseRedirect(campus_url(self.request, "procurement:item_detail", pk=move.item_id))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["submit_label"] = self.submit_label
        ctx["help_text"] = self.help_text
        ctx["cancel_url"] = campus_url(self.request, "procurement:item_list")
        return ctx


class ReceiveView(StockFormView):
    form_class = ReceiveForm
    title = gettext_lazy("Receive stock (入库)")
    submit_label = gettext_lazy("Receive")

    def post_move(self, data):
        return services.stock_receive(
            actor=self.request.user, campus=self.request.campus, item=data["item"], location=data["location"],
            quantity=data["quantity"], unit_cost=data["unit_cost"], note=data["note"],
        )  # fmt: skip


class IssueView(StockFormView):
    form_class = IssueForm
    permission_required = ISSUE
    title = gettext_lazy("Issue stock (出库)")
    submit_label = gettext_lazy("Issue")
    help_text = gettext_lazy(
        "Hazardous goods are issued only by their keeper, within the limit per issue. "
        "Non-consumable items are issued old-for-new (以旧换新)."
    )

    def post_move(self, data):
        item = data["item"]
        return services.stock_issue(
            actor=self.request.user, campus=self.request.campus, item=item, location=data["location"],
            quantity=data["quantity"], to_class=data["to_class"], to_department=data["to_department"],
            returned_quantity=None if item.is_consumable else data["returned_quantity"],
            return_note=data["return_note"], note=data["note"],
        )  # fmt: skip


class AdjustView(StockFormView):
    form_class = AdjustForm
    title = gettext_lazy("Adjust stock (调整)")
    submit_label = gettext_lazy("Adjust")

    def post_move(self, data):
        return services.stock_adjust(
            actor=self.request.user, campus=self.request.campus, item=data["item"], location=data["location"],
            quantity=data["quantity"], reason=data["reason"],
        )  # fmt: skip


class TransferView(StockFormView):
    form_class = TransferForm
    title = gettext_lazy("Transfer stock (调拨)")
    submit_label = gettext_lazy("Transfer")

    def post_move(self, data):
        return services.stock_transfer(
            actor=self.request.user, campus=self.request.campus, item=data["item"],
            from_location=data["from_location"], to_location=data["to_location"], quantity=data["quantity"],
            note=data["note"],
        )  # fmt: skip


# --- To order -----------------------------------------------------------------------------


class ToOrderView(ObjectListView):
    """Items at or below their reorder level, with the quantity to order."""

    model = Item
    url_base = "procurement:item"
    permission_required = VIEW
    template_name = "procurement/stock_to_order.html"
    title = gettext_lazy("To order")
    search_fields = ("name", "spec")
    paginate_by = 100
    columns = [
        Column(gettext_lazy("Goods"), "name", link=True),
        Column(gettext_lazy("Specification"), "spec"),
        Column(gettext_lazy("Category"), "category"),
        Column(gettext_lazy("In stock"), lambda it: f"{qty(it.total)} {it.unit}", export=False),
        Column(gettext_lazy("Reorder level"), lambda it: qty(it.reorder_level), export=False),
        Column(gettext_lazy("To order"), lambda it: f"{qty(it.reorder_quantity)} {it.unit}", export=False),
        Column(gettext_lazy("Keeper"), "keeper"),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Goods"), "name"),
            Column(_("Specification"), "spec"),
            Column(_("Unit"), "unit"),
            Column(_("Category"), "category"),
            Column(_("In stock"), "total"),
            Column(_("Reorder level"), "reorder_level"),
            Column(_("To order"), "reorder_quantity"),
            Column(_("Keeper"), "keeper"),
        ]

    def get_queryset(self):
        return services.items_to_order(self.request.campus)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["purchase_url"] = reports.purchase_request_url(self.request)
        return ctx


@campus_view(MANAGE)
@require_POST
def to_order_request(request, campus):
    """Start a purchase request (申购) with the items to order, when purchasing offers it."""
    try:
        pr = reports.start_purchase_request(request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
        return HttpResponseRedirect(campus_url(request, "procurement:to_order"))
    if pr is None:
        raise Http404
    messages.success(
        request, _("Purchase request %(number)s started.") % {"number": getattr(pr, "number", pr.pk)}
    )
    return HttpResponseRedirect(
        attachables.object_url(pr, request.campus.code) or campus_url(request, "procurement:to_order")
    )


# --- Requisitions (领用) ------------------------------------------------------------------


def req_status_badge(r):
    return badge(REQ_COLOURS.get(r.status, "secondary"), r.get_status_display(), r.status)


def _requisitions_for(request):
    qs = Requisition.objects.all()
    if not has_perm(request, VIEW) and not has_perm(request, ISSUE):
        qs = qs.filter(requested_by=request.user)
    return qs


class RequisitionMixin:
    model = Requisition
    url_base = "procurement:requisition"
    permission_required = REQUEST
    write_permission = REQUEST


class RequisitionListView(RequisitionMixin, ObjectListView):
    filterset_class = RequisitionFilter
    search_fields = ("number", "department", "purpose")
    pinyin_field = ""
    title = gettext_lazy("Requisitions (领用)")
    create_label = gettext_lazy("New requisition")
    select_related = ("school_class", "requested_by")
    ordering = ("-requested_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Requested"), "requested_at"),
        Column(gettext_lazy("For"), "recipient"),
        Column(gettext_lazy("Requested by"), "requested_by"),
        Column(gettext_lazy("Purpose of use"), "purpose", css="text-wrap"),
        Column(gettext_lazy("Status"), req_status_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Number"), "number"),
            Column(_("Requested"), lambda r: local(r.requested_at)),
            Column(_("Class"), "school_class"),
            Column(_("Department"), "department"),
            Column(_("Requested by"), "requested_by"),
            Column(_("Purpose of use"), "purpose"),
            Column(_("Status"), "get_status_display"),
        ]

    def get_queryset(self):
        qs = _requisitions_for(self.request).select_related(*self.select_related).order_by(*self.ordering)
        return qs


class RequisitionCreateView(RequisitionMixin, CampusViewMixin, TemplateView):
    template_name = "procurement/requisition_form.html"
    permission_required = REQUEST
    title = gettext_lazy("New requisition (领用)")

    def get(self, request, *args, **kwargs):
        initial = {}
        cls = request.GET.get("school_class", "")
        if cls.isdigit():
            initial["school_class"] = int(cls)
        form = RequisitionForm(campus=request.campus, initial=initial)
        formset = RequisitionLineFormSet(campus=request.campus, prefix="lines")
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        form = RequisitionForm(request.POST, campus=request.campus)
        formset = RequisitionLineFormSet(request.POST, campus=request.campus, prefix="lines")
        if form.is_valid() and formset.is_valid():
            lines = [
                (f.cleaned_data["item"], f.cleaned_data["quantity"], f.cleaned_data.get("note", ""))
                for f in formset.forms
                if f.cleaned_data.get("item")
            ]
            try:
                req = services.requisition_create(
                    actor=request.user, campus=request.campus, lines=lines,
                    school_class=form.cleaned_data["school_class"], department=form.cleaned_data["department"],
                    purpose=form.cleaned_data["purpose"],
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
            else:
                if req.status == Requisition.Status.PENDING:
                    messages.success(
                        request, _("Requisition %(number)s submitted for approval.") % {"number": req.number}
                    )
                else:
                    messages.success(
                        request, _("Requisition %(number)s sent to the keeper.") % {"number": req.number}
                    )
                return HttpResponseRedirect(campus_url(request, "procurement:requisition_detail", pk=req.pk))
        return self.render_to_response(self.get_context_data(form=form, formset=formset), status=400)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "procurement:requisition_list")
        return ctx


class RequisitionDetailView(RequisitionMixin, ObjectDetailView):
    template_name = "procurement/requisition_detail.html"
    write_permission = ""

    def get_queryset(self):
        return _requisitions_for(self.request).select_related("school_class", "requested_by")

    def detail_fields(self):
        r = self.object
        return [
            (_("Number"), r.number),
            (_("Status"), req_status_badge(r)),
            (_("For"), r.recipient),
            (_("Requested by"), r.requested_by),
            (_("Requested"), local(r.requested_at)),
            (_("Purpose of use"), r.purpose),
            (_("Needs approval"), _("Yes") if r.needs_approval else _("No")),
            (_("Closed because"), r.closed_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        lines = list(
            RequisitionLine.objects.filter(requisition=r).select_related(
                "item", "item__keeper", "item__default_location"
            )
        )
        can_issue = has_perm(request, ISSUE) and r.status in Requisition.ISSUABLE_STATUSES
        locations = list(StockLocation.objects.filter(is_active=True).order_by("name")) if can_issue else []
        default_location = next(
            (ln.item.default_location_id for ln in lines if ln.item.default_location_id), None
        )
        balances = {}
        if can_issue:
            for b in StockBalance.objects.filter(item__in=[ln.item_id for ln in lines]).select_related(
                "location"
            ):
                balances.setdefault(b.item_id, []).append(b)
        for ln in lines:
            ln.stock = balances.get(ln.item_id, [])
        ctx.update(
            {
                "lines": lines,
                "can_issue": can_issue,
                "locations": locations,
                "default_location": default_location,
                "any_exchange": any(not ln.item.is_consumable for ln in lines),
                "can_withdraw": r.requested_by_id == request.user.pk
                and r.status in (Requisition.Status.PENDING, Requisition.Status.APPROVED),
                "close_form": ReasonForm(campus=request.campus, prefix="close") if can_issue else None,
                "rounds": [approval_timeline(a) for a in approvals.requests_for(r)]
                if r.needs_approval
                else [],
                "moves": StockMove.objects.filter(
                    source_type__app_label="procurement",
                    source_type__model="requisition",
                    source_id=str(r.pk),
                )
                .select_related("item", "location", "actor")
                .order_by("moved_at", "id"),
                "photos": list(attachments_for(r)),
                "can_write": attachables.may_write(request, r),
            }
        )
        return ctx


def _requisition(request, pk):
    return get_object_or_404(_requisitions_for(request), pk=pk)


@campus_view(ISSUE)
@require_POST
def requisition_issue(request, campus, pk):
    req = _requisition(request, pk)
    target = campus_url(request, "procurement:requisition_detail", pk=req.pk)
    loc_id = request.POST.get("location", "")
    location = StockLocation.objects.filter(pk=loc_id).first() if loc_id.isdigit() else None
    if location is None:
        messages.error(request, _("Choose the location to issue from."))
        return HttpResponseRedirect(target)
    entries = []
    for line in RequisitionLine.objects.filter(requisition=req):
        entries.append(
            {
                "line": line,
                "quantity": (request.POST.get(f"qty_{line.pk}") or "0").strip(),
                "returned": (request.POST.get(f"returned_{line.pk}") or "0").strip(),
            }
        )
    try:
        moves = services.requisition_issue(
            actor=request.user, requisition=req, location=location, lines=entries,
            return_note=request.POST.get("return_note", ""), photos=request.FILES.getlist("photos"),
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(target)
    messages.success(request, _("Issued: %(n)s lines.") % {"n": len(moves)})
    return HttpResponseRedirect(target)


@campus_view(REQUEST)
@require_POST
def requisition_withdraw(request, campus, pk):
    req = _requisition(request, pk)
    try:
        services.requisition_withdraw(
            actor=request.user, requisition=req, comment=request.POST.get("comment", "")
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Withdrawn."))
    return HttpResponseRedirect(campus_url(request, "procurement:requisition_detail", pk=req.pk))


@campus_view(ISSUE)
@require_POST
def requisition_close(request, campus, pk):
    req = _requisition(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="close")
    if not form.is_valid():
        messages.error(request, _("Give a reason for closing the requisition."))
    else:
        try:
            services.requisition_close(
                actor=request.user, requisition=req, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Closed."))
    return HttpResponseRedirect(campus_url(request, "procurement:requisition_detail", pk=req.pk))


# --- Counts (定期清点) --------------------------------------------------------------------


def count_status_badge(c):
    return badge(COUNT_COLOURS.get(c.status, "secondary"), c.get_status_display(), c.status)


class CountMixin:
    model = StockCount
    url_base = "procurement:count"
    permission_required = VIEW
    write_permission = MANAGE


class CountListView(CountMixin, ObjectListView):
    filterset_class = StockCountFilter
    search_fields = ("number", "note")
    pinyin_field = ""
    title = gettext_lazy("Stock counts (定期清点)")
    create_label = gettext_lazy("Start a count")
    select_related = ("location", "started_by", "posted_by")
    ordering = ("-started_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Location"), "location"),
        Column(gettext_lazy("Started"), "started_at"),
        Column(gettext_lazy("Started by"), "started_by"),
        Column(gettext_lazy("Posted"), "posted_at"),
        Column(gettext_lazy("Posted by"), "posted_by"),
        Column(gettext_lazy("Status"), count_status_badge, export=False),
    ]


class CountCreateView(CountMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = CountStartForm
    permission_required = MANAGE
    title = gettext_lazy("Start a count")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        loc = self.request.GET.get("location", "")
        return {"location": int(loc)} if loc.isdigit() else {}

    def form_valid(self, form):
        try:
            count = services.stock_count_start(
                actor=self.request.user, campus=self.request.campus, location=form.cleaned_data["location"],
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Count %(number)s started; the expected balances are frozen.") % {"number": count.number},
        )
        return HttpResponseRedirect(campus_url(self.request, "procurement:count_detail", pk=count.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "procurement:count_list")
        return ctx


class CountDetailView(CountMixin, ObjectDetailView):
    template_name = "procurement/count_detail.html"
    attachments = False

    def get_queryset(self):
        return StockCount.objects.select_related("location", "started_by", "posted_by")

    def detail_fields(self):
        c = self.object
        return [
            (_("Number"), c.number),
            (_("Location"), c.location),
            (_("Status"), count_status_badge(c)),
            (_("Started"), local(c.started_at)),
            (_("Started by"), c.started_by),
            (_("Posted"), local(c.posted_at)),
            (_("Posted by"), c.posted_by),
            (_("Note"), c.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c = self.object
        lines = list(
            StockCountLine.objects.filter(count=c)
            .select_related("item", "adjust_move")
            .order_by("item__name", "id")
        )
        ctx.update(
            {
                "lines": lines,
                "editable": c.status == StockCount.Status.OPEN and has_perm(self.request, MANAGE),
                "counted": sum(1 for ln in lines if ln.counted_quantity is not None),
                "differences": sum(1 for ln in lines if ln.difference),
                "cancel_form": ReasonForm(campus=self.request.campus, prefix="cancel"),
                "update_url": None,
                "delete_url": None,
            }
        )
        return ctx


@campus_view(MANAGE)
@require_POST
def count_save(request, campus, pk):
    """Save the counted quantities; with ``post=1`` also post the count (adjust moves)."""
    count = get_object_or_404(StockCount, pk=pk)
    target = campus_url(request, "procurement:count_detail", pk=count.pk)
    entries = {}
    for line in StockCountLine.objects.filter(count=count):
        key = f"counted_{line.pk}"
        if key in request.POST:
            entries[line.pk] = (request.POST.get(key, "").strip(), request.POST.get(f"note_{line.pk}", ""))
    try:
        services.stock_count_record(actor=request.user, count=count, entries=entries)
        if request.POST.get("post") == "1":
            services.stock_count_post(actor=request.user, count=count)
            messages.success(request, _("Count posted; the differences were booked as adjustments."))
        else:
            messages.success(request, _("Saved."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return HttpResponseRedirect(target)


@campus_view(MANAGE)
@require_POST
def count_cancel(request, campus, pk):
    count = get_object_or_404(StockCount, pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="cancel")
    if not form.is_valid():
        messages.error(request, _("Give a reason for cancelling the count."))
    else:
        try:
            services.stock_count_cancel(actor=request.user, count=count, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Count cancelled."))
    return HttpResponseRedirect(campus_url(request, "procurement:count_detail", pk=count.pk))


@campus_view(VIEW)
def count_print(request, campus, pk):
    """The count sheet (盘点表): expected quantities and blank columns to write in."""
    count = get_object_or_404(StockCount.objects.select_related("location"), pk=pk)
    lines = (
        StockCountLine.objects.filter(count=count)
        .select_related("item", "item__category")
        .order_by("item__category__sort_order", "item__name", "id")
    )
    return render(
        request,
        "procurement/count_print.html",
        {
            "campus": request.campus,
            "count": count,
            "lines": lines,
            "title": _("Stock count sheet (库存盘点表)"),
            "blank": request.GET.get("blank") == "1",
        },
    )


# --- Consumption per class per month --------------------------------------------------------


class ConsumptionReportView(CampusViewMixin, TemplateView):
    """班级日常用品消耗量: issues to classes by month, as a saving benchmark."""

    template_name = "procurement/consumption_report.html"
    permission_required = VIEW
    title = gettext_lazy("Consumption per class (班级日常用品消耗量)")

    def get(self, request, *args, **kwargs):
        self.form = reports.ConsumptionForm(request.GET or None, campus=request.campus)
        params = (
            self.form.cleaned()
            if self.form.is_bound and self.form.is_valid()
            else reports.ConsumptionForm.defaults()
        )
        self.report = reports.consumption_by_class(request.campus, **params)
        if request.GET.get("export") == "xlsx":
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            return reports.consumption_xlsx(request, self.report)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("export", None)
        ctx.update(
            {
                "form": self.form,
                "report": self.report,
                "querystring": params.urlencode(),
                "can_export": has_perm(self.request, "core.export"),
            }
        )
        return ctx


urlpatterns = [
    path("items/", ItemListView.as_view(), name="item_list"),
    path("items/new/", ItemFormView.as_view(), name="item_create"),
    path("items/<int:pk>/", ItemDetailView.as_view(), name="item_detail"),
    path("items/<int:pk>/edit/", ItemFormView.as_view(), name="item_update"),
    path("item-categories/", ItemCategoryListView.as_view(), name="item_category_list"),
    path("item-categories/new/", ItemCategoryFormView.as_view(), name="item_category_create"),
    path("item-categories/<int:pk>/", ItemCategoryDetailView.as_view(), name="item_category_detail"),
    path("item-categories/<int:pk>/edit/", ItemCategoryFormView.as_view(), name="item_category_update"),
    path("locations/", LocationListView.as_view(), name="location_list"),
    path("locations/new/", LocationFormView.as_view(), name="location_create"),
    path("locations/<int:pk>/", LocationDetailView.as_view(), name="location_detail"),
    path("locations/<int:pk>/edit/", LocationFormView.as_view(), name="location_update"),
    path("stock/balances/", BalanceListView.as_view(), name="balance_list"),
    path("stock/moves/", MoveListView.as_view(), name="move_list"),
    path("stock/moves/<int:pk>/", MoveDetailView.as_view(), name="move_detail"),
    path("stock/moves/<int:pk>/reverse/", move_reverse, name="move_reverse"),
    path("stock/receive/", ReceiveView.as_view(), name="stock_receive"),
    path("stock/issue/", IssueView.as_view(), name="stock_issue"),
    path("stock/adjust/", AdjustView.as_view(), name="stock_adjust"),
    path("stock/transfer/", TransferView.as_view(), name="stock_transfer"),
    path("stock/to-order/", ToOrderView.as_view(), name="to_order"),
    path("stock/to-order/request/", to_order_request, name="to_order_request"),
    path("requisitions/", RequisitionListView.as_view(), name="requisition_list"),
    path("requisitions/new/", RequisitionCreateView.as_view(), name="requisition_create"),
    path("requisitions/<int:pk>/", RequisitionDetailView.as_view(), name="requisition_detail"),
    path("requisitions/<int:pk>/issue/", requisition_issue, name="requisition_issue"),
    path("requisitions/<int:pk>/withdraw/", requisition_withdraw, name="requisition_withdraw"),
    path("requisitions/<int:pk>/close/", requisition_close, name="requisition_close"),
    path("counts/", CountListView.as_view(), name="count_list"),
    path("counts/new/", CountCreateView.as_view(), name="count_create"),
    path("counts/<int:pk>/", CountDetailView.as_view(), name="count_detail"),
    path("counts/<int:pk>/save/", count_save, name="count_save"),
    path("counts/<int:pk>/cancel/", count_cancel, name="count_cancel"),
    path("counts/<int:pk>/print/", count_print, name="count_print"),
    path("reports/consumption/", ConsumptionReportView.as_view(), name="consumption_report"),
]
