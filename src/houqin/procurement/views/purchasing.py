"""Purchasing pages (采购): suppliers, purchase requests with approval, price comparison
(询价比价), purchase orders, two-signer acceptance (验收) with its in/out slip, invoices
signed by the principal.

Views are thin: they check access (the campus middleware has already answered 404 to
outsiders), parse forms and call :mod:`houqin.procurement.purchasing_services`, which
hold every rule.
"""

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import approvals
from houqin.core.links import strict_request_url as _url
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
)
from houqin.core.views.mechanisms import approval_timeline
from houqin.procurement import purchasing_services as services
from houqin.procurement.models import (
    Acceptance,
    AcceptanceLine,
    Invoice,
    LineKind,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    Supplier,
)
from houqin.procurement.purchasing_filters import (
    AcceptanceFilter,
    InvoiceFilter,
    PurchaseOrderFilter,
    PurchaseRequestFilter,
    SupplierFilter,
)
from houqin.procurement.purchasing_forms import (
    AcceptanceForm,
    ChooseForm,
    InvoiceForm,
    OrderForm,
    OrderUpdateForm,
    PurchaseRequestForm,
    QuoteForm,
    ReasonForm,
    SignForm,
    SupplierForm,
    acceptance_line_formset,
    line_formset,
    request_line_initial,
)

VIEW = "procurement.view_purchases"
REQUEST = "procurement.request_purchases"
MANAGE = "procurement.manage_purchases"
ACCEPT = "procurement.accept_deliveries"
RECORD_INVOICES = "procurement.record_invoices"
SIGN_INVOICES = "procurement.sign_invoices"
VIEW_SUPPLIERS = "procurement.view_suppliers"
MANAGE_SUPPLIERS = "procurement.manage_suppliers"

STATUS_COLOURS = {
    "draft": "secondary",
    "pending": "yellow",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "secondary",
    "ordered": "blue",
    "cancelled": "secondary",
    "partial": "orange",
    "received": "green",
    "confirmed": "green",
    "void": "secondary",
    "awaiting": "yellow",
    "signed": "green",
}


def badge(obj):
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>',
        STATUS_COLOURS.get(obj.status, "secondary"),
        obj.status,
        obj.get_status_display(),
    )


def _link(request, name, obj):
    return format_html('<a href="{}">{}</a>', _url(request, name, pk=obj.pk), obj)


def error_text(exc):
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You do not have permission to do this.")


def _post_action(request, redirect, func, success, **kwargs):
    """Run a service for a POST button; errors become a message, nothing changes."""
    try:
        result = func(actor=request.user, **kwargs)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(redirect), None
    if success:
        messages.success(request, success)
    return HttpResponseRedirect(redirect), result


class AltPermissionMixin:
    """Reading is open to holders of ``permission_required`` or of ``alternative_permission``."""

    alternative_permission = ""

    def dispatch(self, request, *args, **kwargs):
        if (
            request.method in ("GET", "HEAD", "OPTIONS")
            and self.alternative_permission
            and not has_perm(request, self.permission_required)
            and has_perm(request, self.alternative_permission)
        ):
            self.permission_required = self.alternative_permission
        return super().dispatch(request, *args, **kwargs)


class WriteFormMixin:
    """Form pages need the write permission for the GET that shows the form too."""

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission or self.permission_required
        return super().dispatch(request, *args, **kwargs)


# --- Suppliers ----------------------------------------------------------------------------


class SupplierMixin:
    model = Supplier
    url_base = "procurement:supplier"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS


class SupplierListView(SupplierMixin, ObjectListView):
    filterset_class = SupplierFilter
    search_fields = ("name", "contact", "scope")
    title = gettext_lazy("Suppliers")
    create_label = gettext_lazy("New supplier")
    ordering = ("-is_active", "name")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Contact person"), "contact"),
        Column(gettext_lazy("Phone"), "phone"),
        Column(gettext_lazy("Supplies"), "scope", css="text-wrap"),
        Column(gettext_lazy("Active"), "is_active"),
    ]
    export_columns = [
        *columns,
        Column(gettext_lazy("Address"), "address"),
        Column(gettext_lazy("Unified social credit code"), "credit_code"),
        Column(gettext_lazy("Bank and account"), "bank_account"),
        Column(gettext_lazy("Note"), "note"),
    ]


class SupplierFormView(SupplierMixin, ObjectFormView):
    form_class = SupplierForm


class SupplierDetailView(SupplierMixin, ObjectDetailView):
    template_name = "procurement/supplier_detail.html"
    fields = (
        "name",
        "contact",
        "phone",
        "address",
        "credit_code",
        "bank_account",
        "scope",
        "is_active",
        "note",
    )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        supplier = self.object
        if has_perm(self.request, VIEW):
            ctx["orders"] = list(
                PurchaseOrder.objects.filter(supplier=supplier)
                .select_related("request")
                .order_by("-ordered_on", "-id")[:20]
            )
            ctx["quote_count"] = Quote.objects.filter(supplier=supplier).count()
        return ctx


class SupplierDeleteView(SupplierMixin, ObjectDeleteView):
    template_name = "procurement/supplier_delete.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["in_use"] = services.supplier_in_use(self.object)
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        outcome = services.supplier_remove(actor=request.user, supplier=self.object)
        if outcome == "deleted":
            messages.success(request, _("Deleted."))
            return HttpResponseRedirect(self.url("list"))
        messages.info(
            request, _("The supplier is used by purchasing or asset records, so it was deactivated instead.")
        )
        return HttpResponseRedirect(self.url("detail", pk=self.object.pk))


# --- Purchase requests --------------------------------------------------------------------


class PurchaseMixin:
    model = PurchaseRequest
    url_base = "procurement:purchase"
    permission_required = REQUEST
    alternative_permission = VIEW
    write_permission = REQUEST


def purchase_queryset(request):
    return services.requests_visible_to(request).select_related("requested_by", "school_class")


class PurchaseListView(PurchaseMixin, AltPermissionMixin, ObjectListView):
    filterset_class = PurchaseRequestFilter
    search_fields = ("number", "title", "department")
    pinyin_field = ""
    title = gettext_lazy("Purchase requests (申购)")
    create_label = gettext_lazy("New purchase request")
    ordering = ("-created_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Title"), "title", link=True, css="text-wrap"),
        Column(gettext_lazy("Department or class"), "requester_unit"),
        Column(gettext_lazy("Estimated (yuan)"), "estimated_total", css="text-end"),
        Column(gettext_lazy("Needed by"), "needed_by"),
        Column(gettext_lazy("Status"), badge, export=False),
        Column(gettext_lazy("Requested by"), "requested_by"),
    ]
    export_columns = [
        *[c for c in columns if c.export],
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Reason"), "reason"),
    ]

    def get_queryset(self):
        return purchase_queryset(self.request).order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not has_perm(self.request, REQUEST):
            ctx["create_url"] = None
        return ctx


class PurchaseFormView(PurchaseMixin, WriteFormMixin, CampusViewMixin, TemplateView):
    """Raise or edit a request with its lines; "save and submit" sends it for approval."""

    template_name = "procurement/purchase_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def load(self):
        if "pk" in self.kwargs:
            obj = get_object_or_404(
                PurchaseRequest.objects.filter(requested_by=self.request.user), pk=self.kwargs["pk"]
            )
            if not obj.is_editable:
                raise PermissionDenied
            self.object = obj

    def get_title(self):
        if self.object is None:
            return _("New purchase request")
        return _("Edit %(what)s") % {"what": self.object}

    def build(self, data=None):
        campus = self.request.campus
        form = PurchaseRequestForm(data, instance=self.object, campus=campus)
        if self.object is not None:
            initial = request_line_initial(self.object)
            formset = line_formset(data, campus=campus, initial=initial, extra=1 if data is None else 0)
        else:
            formset = line_formset(data, campus=campus, extra=3 if data is None else 0)
        return form, formset

    def get(self, request, *args, **kwargs):
        self.load()
        form, formset = self.build()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        self.load()
        form, formset = self.build(request.POST)
        if form.is_valid() and formset.is_valid():
            data = {name: form.cleaned_data.get(name) for name in services.REQUEST_FIELDS}
            try:
                with transaction.atomic():
                    obj = services.purchase_request_save(
                        actor=request.user, campus=request.campus, data=data, lines=formset.lines(),
                        purchase_request=self.object,
                    )  # fmt: skip
                    approval = None
                    if "submit" in request.POST:
                        approval = services.purchase_request_submit(actor=request.user, purchase_request=obj)
            except ValidationError as exc:
                lines_errors = []
                if hasattr(exc, "error_dict"):
                    lines_errors = exc.error_dict.pop("lines", [])
                    lines_errors = [m for e in lines_errors for m in e.messages]
                    if exc.error_dict:
                        _add_errors(form, exc)
                else:
                    form.add_error(None, exc.messages)
                formset._non_form_errors = formset.error_class(lines_errors)
            else:
                messages.success(request, _submitted_message(approval) if approval else _("Saved."))
                return HttpResponseRedirect(_url(request, "procurement:purchase_detail", pk=obj.pk))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        ctx["cancel_url"] = (
            _url(self.request, "procurement:purchase_detail", pk=self.object.pk)
            if self.object
            else _url(self.request, "procurement:purchase_list")
        )
        return ctx


def _submitted_message(approval):
    step = approval.current_step
    if step is None:
        return _("Submitted; no approval step applies, so it is approved.")
    return _("Submitted for approval; waiting for %(step)s (%(role)s).") % {
        "step": step["name"],
        "role": approvals.role_label(step["role"]),
    }


class PurchaseDetailView(PurchaseMixin, AltPermissionMixin, ObjectDetailView):
    template_name = "procurement/purchase_detail.html"

    def get_queryset(self):
        return purchase_queryset(self.request).select_related("chosen_quote__supplier")

    def detail_fields(self):
        r = self.object
        return [
            (_("Number"), r.number),
            (_("Title"), r.title),
            (_("Status"), badge(r)),
            (_("Department or class"), r.requester_unit),
            (_("Needed by"), r.needed_by),
            (_("Estimated total (yuan)"), r.estimated_total),
            (_("Reason"), r.reason),
            (_("Requested by"), r.requested_by),
            (_("Chosen quote"), r.chosen_quote),
            (_("Why this quote"), r.choice_reason),
            (_("Cancelled because"), r.cancel_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        mine = r.requested_by_id == request.user.pk
        manage = has_perm(request, MANAGE)
        lines = list(r.lines.select_related("item", "asset_category"))
        order = r.orders.exclude(status=PurchaseOrder.Status.CANCELLED).select_related("supplier").first()
        comparison = services.comparison(r) if (has_perm(request, VIEW) or manage) else None
        buying = r.status == PurchaseRequest.Status.APPROVED and order is None
        ctx.update(
            {
                "lines": lines,
                "update_url": self.url("update", pk=r.pk) if mine and r.is_editable else None,
                "delete_url": None,
                "can_write": mine or manage,
                "can_submit": mine and r.is_editable and has_perm(request, REQUEST),
                "can_withdraw": mine and r.status == PurchaseRequest.Status.PENDING,
                "can_cancel": (mine or manage) and r.status in services.CANCELLABLE and order is None,
                "cancel_form": ReasonForm(campus=request.campus),
                "rounds": [approval_timeline(a) for a in approvals.requests_for(r)],
                "print_url": self.url("print", pk=r.pk),
                "comparison": comparison,
                "buying": buying and manage,
                "order": order,
                "quotes_needed": services.quotes_required(r),
                "can_order": buying and manage and (r.chosen_quote_id or not services.quotes_required(r)),
            }
        )
        return ctx


class PurchasePrintView(PurchaseMixin, AltPermissionMixin, CampusViewMixin, TemplateView):
    template_name = "procurement/purchase_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(purchase_queryset(request), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Purchase request (申购单)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rounds = list(approvals.requests_for(self.object))
        ctx["object"] = self.object
        ctx["lines"] = list(self.object.lines.all())
        ctx["round"] = approval_timeline(rounds[0]) if rounds else None
        return ctx


def _own_or_visible(request, pk):
    return get_object_or_404(purchase_queryset(request), pk=pk)


@campus_view(REQUEST)
@require_POST
def purchase_submit(request, campus, pk):
    obj = get_object_or_404(PurchaseRequest, pk=pk, requested_by=request.user)
    detail = _url(request, "procurement:purchase_detail", pk=obj.pk)
    try:
        approval = services.purchase_request_submit(actor=request.user, purchase_request=obj)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _submitted_message(approval))
    return HttpResponseRedirect(detail)


@campus_view(REQUEST)
@require_POST
def purchase_withdraw(request, campus, pk):
    obj = get_object_or_404(PurchaseRequest, pk=pk, requested_by=request.user)
    response, _result = _post_action(
        request, _url(request, "procurement:purchase_detail", pk=obj.pk), services.purchase_request_withdraw,
        _("The request was withdrawn; you can edit it and submit it again."),
        purchase_request=obj, comment=request.POST.get("comment", "")[:500],
    )  # fmt: skip
    return response


@campus_view(REQUEST)
@require_POST
def purchase_cancel(request, campus, pk):
    obj = _own_or_visible(request, pk)
    response, _result = _post_action(
        request, _url(request, "procurement:purchase_detail", pk=obj.pk), services.purchase_request_cancel,
        _("The request was cancelled."), purchase_request=obj, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


# --- Quotes and the comparison (询价比价) ---------------------------------------------------


class QuoteFormView(WriteFormMixin, CampusViewMixin, FormView):
    """Record a quote for an approved request (``pk`` = request) or correct one (``quote_pk``)."""

    model = Quote
    url_base = "procurement:quote"
    permission_required = VIEW
    write_permission = MANAGE
    template_name = "procurement/quote_form.html"
    form_class = QuoteForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.quote = None
        self.purchase_request = None

    def load(self):
        if self.purchase_request is not None:
            return
        if "quote_pk" in self.kwargs:
            self.quote = get_object_or_404(
                Quote.objects.select_related("request", "supplier"), pk=self.kwargs["quote_pk"]
            )
            self.purchase_request = self.quote.request
        else:
            self.purchase_request = get_object_or_404(PurchaseRequest, pk=self.kwargs["pk"])
        self.lines = list(self.purchase_request.lines.all())

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        if self.quote is not None:
            return _("Edit the quote of %(supplier)s") % {"supplier": self.quote.supplier}
        return _("Record a quote for %(request)s") % {"request": self.purchase_request}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        kwargs["lines"] = self.lines
        if self.quote is not None:
            kwargs["initial_prices"] = {ql.request_line_id: ql.unit_price for ql in self.quote.lines.all()}
            kwargs["supplier_ids"] = [self.quote.supplier_id]
        return kwargs

    def get_initial(self):
        if self.quote is None:
            return {}
        q = self.quote
        return {
            "supplier": q.supplier_id, "quoted_on": q.quoted_on, "total": q.total if not q.lines.exists() else None,
            "delivery_days": q.delivery_days, "note": q.note,
        }  # fmt: skip

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            self.quote = services.quote_save(
                actor=self.request.user, purchase_request=self.purchase_request, supplier=data["supplier"],
                quoted_on=data["quoted_on"], total=data.get("total"), line_prices=form.prices(),
                delivery_days=data.get("delivery_days"), note=data.get("note", ""), quote=self.quote,
                files=data.get("files") or (),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Quote saved."))
        return HttpResponseRedirect(
            _url(self.request, "procurement:purchase_compare", pk=self.purchase_request.pk)
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["purchase_request"] = self.purchase_request
        ctx["price_rows"] = [(ln, ctx["form"][name]) for ln, name in ctx["form"].line_fields]
        ctx["cancel_url"] = _url(self.request, "procurement:purchase_compare", pk=self.purchase_request.pk)
        return ctx


class QuoteDetailView(ObjectDetailView):
    model = Quote
    url_base = "procurement:quote"
    permission_required = VIEW
    write_permission = MANAGE
    template_name = "procurement/quote_detail.html"

    def get_queryset(self):
        return Quote.objects.select_related("request", "supplier", "recorded_by")

    def detail_fields(self):
        q = self.object
        return [
            (_("Purchase request"), _link(self.request, "procurement:purchase_detail", q.request)),
            (_("Supplier"), q.supplier),
            (_("Quoted on"), q.quoted_on),
            (_("Total (yuan)"), q.total),
            (_("Delivery within (days)"), q.delivery_days),
            (_("Note"), q.note),
            (_("Recorded by"), q.recorded_by),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q = self.object
        editable = q.request.status == PurchaseRequest.Status.APPROVED and ctx["can_write"]
        ctx.update(
            {
                "quote_lines": list(q.lines.select_related("request_line")),
                "list_url": _url(self.request, "procurement:purchase_compare", pk=q.request_id),
                "update_url": _url(self.request, "procurement:quote_update", quote_pk=q.pk)
                if editable
                else None,
                "delete_url": None,
                "can_remove": editable,
            }
        )
        return ctx


@campus_view(MANAGE)
@require_POST
def quote_delete(request, campus, quote_pk):
    quote = get_object_or_404(Quote.objects.select_related("request"), pk=quote_pk)
    response, _result = _post_action(
        request, _url(request, "procurement:purchase_compare", pk=quote.request_id), services.quote_delete,
        _("The quote was removed."), quote=quote,
    )  # fmt: skip
    return response


class PurchaseCompareView(AltPermissionMixin, CampusViewMixin, TemplateView):
    """询价比价表: the lines against every supplier's prices, with the choice of the winner."""

    model = PurchaseRequest
    permission_required = VIEW
    alternative_permission = MANAGE
    template_name = "procurement/purchase_compare.html"
    print_template = "procurement/purchase_compare_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            PurchaseRequest.objects.select_related("requested_by", "school_class", "chosen_quote"),
            pk=kwargs["pk"],
        )
        if kwargs.get("printable"):
            self.template_name = self.print_template
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Price comparison (询价比价表)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r = self.object
        manage = has_perm(self.request, MANAGE)
        ctx.update(
            {
                "object": r,
                "comparison": services.comparison(r),
                "buying": manage and r.status == PurchaseRequest.Status.APPROVED,
                "choose_form": ChooseForm(campus=self.request.campus),
                "min_quotes_amount": services.campus_setting(
                    self.request.campus, "procurement.min_quotes_amount"
                ),
            }
        )
        return ctx


@campus_view(MANAGE)
@require_POST
def quote_choose(request, campus, pk):
    pr = get_object_or_404(PurchaseRequest, pk=pk)
    quote = get_object_or_404(Quote, pk=request.POST.get("quote") or 0, request=pr)
    response, _result = _post_action(
        request, _url(request, "procurement:purchase_compare", pk=pr.pk), services.quote_choose,
        _("Quote chosen: %(quote)s.") % {"quote": quote}, purchase_request=pr, quote=quote,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


# --- Purchase orders ----------------------------------------------------------------------


class OrderMixin:
    model = PurchaseOrder
    url_base = "procurement:order"
    permission_required = VIEW
    write_permission = MANAGE


class OrderListView(OrderMixin, ObjectListView):
    filterset_class = PurchaseOrderFilter
    search_fields = ("number", "request__number", "request__title", "supplier__name")
    pinyin_field = ""
    title = gettext_lazy("Purchase orders (采购单)")
    select_related = ("supplier", "request")
    ordering = ("-ordered_on", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Purchase request"), "request.number"),
        Column(gettext_lazy("Title"), "request.title", css="text-wrap"),
        Column(gettext_lazy("Supplier"), "supplier"),
        Column(gettext_lazy("Ordered on"), "ordered_on"),
        Column(gettext_lazy("Expected delivery"), "expected_delivery"),
        Column(gettext_lazy("Total (yuan)"), "total", css="text-end"),
        Column(gettext_lazy("Status"), badge, export=False),
    ]
    export_columns = [*[c for c in columns if c.export], Column(gettext_lazy("Status"), "get_status_display")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # orders are placed from an approved request
        return ctx


class OrderCreateView(WriteFormMixin, CampusViewMixin, FormView):
    model = PurchaseOrder
    permission_required = VIEW
    write_permission = MANAGE
    template_name = "procurement/order_form.html"
    form_class = OrderForm

    def load(self):
        self.purchase_request = get_object_or_404(
            PurchaseRequest.objects.select_related("chosen_quote__supplier"), pk=self.kwargs["pk"]
        )
        self.lines = list(self.purchase_request.lines.all())

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return _("Place the order for %(request)s") % {"request": self.purchase_request}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        quote = self.purchase_request.chosen_quote
        prices = {ln.pk: ln.estimated_unit_price for ln in self.lines}
        if quote is not None:
            prices.update({ql.request_line_id: ql.unit_price for ql in quote.lines.all()})
        kwargs.update(
            {
                "campus": self.request.campus,
                "lines": self.lines,
                "initial_prices": prices,
                "fixed_supplier": quote.supplier if quote else None,
            }
        )
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            order = services.purchase_order_create(
                actor=self.request.user, purchase_request=self.purchase_request, supplier=data.get("supplier"),
                prices=form.prices(), ordered_on=data["ordered_on"], expected_delivery=data.get("expected_delivery"),
                note=data.get("note", ""),
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Order %(number)s placed.") % {"number": order.number})
        return HttpResponseRedirect(_url(self.request, "procurement:order_detail", pk=order.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        ctx.update(
            {
                "purchase_request": self.purchase_request,
                "quote": self.purchase_request.chosen_quote,
                "price_rows": [(ln, form[name]) for ln, name in form.line_fields],
                "cancel_url": _url(self.request, "procurement:purchase_detail", pk=self.purchase_request.pk),
            }
        )
        return ctx


def order_queryset():
    return PurchaseOrder.objects.select_related("supplier", "request__requested_by", "quote", "ordered_by")


class OrderDetailView(OrderMixin, AltPermissionMixin, ObjectDetailView):
    alternative_permission = ACCEPT
    template_name = "procurement/order_detail.html"

    def get_queryset(self):
        return order_queryset()

    def detail_fields(self):
        o = self.object
        return [
            (_("Number"), o.number),
            (_("Status"), badge(o)),
            (_("Purchase request"), _link(self.request, "procurement:purchase_detail", o.request)),
            (_("Supplier"), o.supplier),
            (_("Ordered on"), o.ordered_on),
            (_("Expected delivery"), o.expected_delivery),
            (_("Total (yuan)"), o.total),
            (_("Ordered by"), o.ordered_by),
            (_("Note"), o.note),
            (_("Cancelled because"), o.cancel_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        o, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        ctx.update(
            {
                "lines": list(o.lines.all()),
                "figures": services.order_figures(o),
                "acceptances": list(
                    o.acceptances.select_related("recorded_by", "confirmed_by").order_by("-id")
                ),
                "invoices": list(o.invoices.select_related("signed_by").order_by("-id")),
                "update_url": self.url("update", pk=o.pk)
                if manage and o.status != PurchaseOrder.Status.CANCELLED
                else None,
                "delete_url": None,
                "can_write": manage,
                "can_accept": o.is_open and has_perm(request, ACCEPT),
                "can_invoice": o.status != PurchaseOrder.Status.CANCELLED
                and has_perm(request, RECORD_INVOICES),
                "can_cancel": manage and o.status == PurchaseOrder.Status.ORDERED,
                "cancel_form": ReasonForm(campus=request.campus),
                "print_url": self.url("print", pk=o.pk),
                "list_url": self.url("list") if has_perm(request, VIEW) else None,
            }
        )
        return ctx


class OrderUpdateView(OrderMixin, WriteFormMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = OrderUpdateForm

    def load(self):
        self.object = get_object_or_404(PurchaseOrder, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campus": self.request.campus}

    def get_initial(self):
        return {"expected_delivery": self.object.expected_delivery, "note": self.object.note}

    def form_valid(self, form):
        try:
            services.purchase_order_update(
                actor=self.request.user, order=self.object, expected_delivery=form.cleaned_data.get("expected_delivery"),
                note=form.cleaned_data.get("note", ""),
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.url("detail", pk=self.object.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("detail", pk=self.object.pk)
        return ctx


@campus_view(MANAGE)
@require_POST
def order_cancel(request, campus, pk):
    order = get_object_or_404(PurchaseOrder, pk=pk)
    response, _result = _post_action(
        request, _url(request, "procurement:order_detail", pk=order.pk), services.purchase_order_cancel,
        _("The order was cancelled; the request can be ordered again."), order=order,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


class OrderPrintView(OrderMixin, AltPermissionMixin, CampusViewMixin, TemplateView):
    alternative_permission = ACCEPT
    write_permission = ""
    template_name = "procurement/order_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(order_queryset(), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Purchase order (采购单)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        ctx["lines"] = list(self.object.lines.all())
        return ctx


# --- Acceptance (验收) ----------------------------------------------------------------------


class AcceptanceMixin:
    model = Acceptance
    url_base = "procurement:acceptance"
    permission_required = ACCEPT
    alternative_permission = VIEW
    write_permission = ACCEPT


def acceptance_value(a):
    return sum((ln.value for ln in a.lines.all()), services.ZERO)


class AcceptanceListView(AcceptanceMixin, AltPermissionMixin, ObjectListView):
    filterset_class = AcceptanceFilter
    search_fields = ("number", "order__number", "order__supplier__name", "invoice_number")
    pinyin_field = ""
    title = gettext_lazy("Acceptances (验收)")
    select_related = ("order__supplier", "recorded_by", "confirmed_by")
    ordering = ("-delivered_on", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Order"), "order.number"),
        Column(gettext_lazy("Supplier"), "order.supplier"),
        Column(gettext_lazy("Delivered on"), "delivered_on"),
        Column(gettext_lazy("Accepted value (yuan)"), acceptance_value, css="text-end"),
        Column(gettext_lazy("First signer"), "recorded_by"),
        Column(gettext_lazy("Second signer"), "confirmed_by"),
        Column(gettext_lazy("Status"), badge, export=False),
    ]
    export_columns = [*[c for c in columns if c.export], Column(gettext_lazy("Status"), "get_status_display")]

    def get_queryset(self):
        # The prefetch queryset is built here, inside the request's campus scope.
        lines = AcceptanceLine.objects.select_related("order_line")
        return super().get_queryset().prefetch_related(Prefetch("lines", queryset=lines))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # acceptances are recorded from an order
        return ctx


class AcceptanceCreateView(WriteFormMixin, CampusViewMixin, TemplateView):
    model = Acceptance
    permission_required = ACCEPT
    write_permission = ACCEPT
    template_name = "procurement/acceptance_form.html"

    def load(self):
        self.order = get_object_or_404(
            PurchaseOrder.objects.select_related("supplier", "request"), pk=self.kwargs["pk"]
        )
        if not self.order.is_open:
            raise Http404
        self.order_lines = list(
            self.order.lines.select_related("item__default_location", "asset_category").order_by(
                "position", "id"
            )
        )
        pending = services._pending_accepted([ln.pk for ln in self.order_lines])
        for ln in self.order_lines:
            ln.pending = pending.get(ln.pk, services.ZERO)
            ln.open = max(services.ZERO, ln.quantity - ln.quantity_accepted - ln.pending)

    def get_title(self):
        return _("Accept a delivery of %(order)s") % {"order": self.order}

    def build(self, data=None, files=None):
        campus = self.request.campus
        has_stock = any(ln.kind == LineKind.STOCK for ln in self.order_lines)
        form = AcceptanceForm(data, files, campus=campus, has_stock=has_stock)
        if data is None and has_stock:
            defaults = {ln.item.default_location_id for ln in self.order_lines if ln.kind == LineKind.STOCK}
            if len(defaults) == 1 and None not in defaults:
                form.initial["location"] = defaults.pop()
        formset = acceptance_line_formset(data, campus=campus, order_lines=self.order_lines)
        return form, formset

    def get(self, request, *args, **kwargs):
        self.load()
        form, formset = self.build()
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def post(self, request, *args, **kwargs):
        self.load()
        form, formset = self.build(request.POST, request.FILES)
        if form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            try:
                acceptance = services.acceptance_record(
                    actor=request.user, order=self.order, lines=formset.lines(), delivered_on=data["delivered_on"],
                    location=data.get("location"), invoice_number=data.get("invoice_number", ""),
                    note=data.get("note", ""), photos=data.get("photos") or (),
                )  # fmt: skip
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded as %(number)s. It takes effect once a second person confirms it.")
                    % {"number": acceptance.number},
                )
                return HttpResponseRedirect(_url(request, "procurement:acceptance_detail", pk=acceptance.pk))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["order"] = self.order
        ctx["rows"] = list(zip(self.order_lines, ctx["formset"].forms, strict=True))
        ctx["cancel_url"] = _url(self.request, "procurement:order_detail", pk=self.order.pk)
        return ctx


def acceptance_queryset():
    return Acceptance.objects.select_related(
        "order__supplier", "order__request", "location", "recorded_by", "confirmed_by"
    )


class AcceptanceDetailView(AcceptanceMixin, AltPermissionMixin, ObjectDetailView):
    template_name = "procurement/acceptance_detail.html"

    def get_queryset(self):
        return acceptance_queryset()

    def detail_fields(self):
        a = self.object
        return [
            (_("Number"), a.number),
            (_("Status"), badge(a)),
            (_("Purchase order"), _link(self.request, "procurement:order_detail", a.order)),
            (_("Supplier"), a.order.supplier),
            (_("Delivered on"), a.delivered_on),
            (_("Into stock location"), a.location),
            (_("Invoice number"), a.invoice_number),
            (_("Note"), a.note),
            (_("First signer (recorded by)"), a.recorded_by),
            (_("Recorded at"), a.created_at),
            (_("Second signer"), a.confirmed_by),
            (_("Confirmed at"), a.confirmed_at),
            (_("Void reason"), a.void_reason),
        ]

    def get_context_data(self, **kwargs):
        from houqin.assets.models import Asset
        from houqin.procurement.models import StockMove

        ctx = super().get_context_data(**kwargs)
        a, request = self.object, self.request
        lines = list(a.lines.select_related("order_line", "room", "custodian"))
        pending = a.status == Acceptance.Status.PENDING
        is_recorder = a.recorded_by_id == request.user.pk
        line_ct = ContentType.objects.get_for_model(AcceptanceLine)
        ctx.update(
            {
                "lines": lines,
                "total_value": sum((ln.value for ln in lines), services.ZERO),
                "update_url": None,
                "delete_url": None,
                "can_confirm": pending and not is_recorder and has_perm(request, ACCEPT),
                "recorder_is_me": pending and is_recorder,
                "can_void": pending and has_perm(request, ACCEPT),
                "void_form": ReasonForm(campus=request.campus),
                "assets": list(
                    Asset.objects.filter(acceptance_line__acceptance=a)
                    .select_related("category", "room")
                    .order_by("tag")
                ),
                "moves": list(
                    StockMove.objects.filter(source_type=line_ct, source_id__in=[str(ln.pk) for ln in lines])
                    .select_related("item", "location")
                    .order_by("id")
                ),
                "print_url": self.url("print", pk=a.pk),
                "order_url": _url(request, "procurement:order_detail", pk=a.order_id),
            }
        )
        return ctx


@campus_view(ACCEPT)
@require_POST
def acceptance_confirm(request, campus, pk):
    acceptance = get_object_or_404(Acceptance, pk=pk)
    response, result = _post_action(
        request, _url(request, "procurement:acceptance_detail", pk=acceptance.pk), services.acceptance_confirm,
        None, acceptance=acceptance,
    )  # fmt: skip
    if result is not None:
        messages.success(
            request,
            _("Confirmed: stock received and %(n)s asset cards made.") % {"n": result.created_assets}
            if result.created_assets
            else _("Confirmed: the delivery now counts."),
        )
    return response


@campus_view(ACCEPT)
@require_POST
def acceptance_void(request, campus, pk):
    acceptance = get_object_or_404(Acceptance, pk=pk)
    response, _result = _post_action(
        request, _url(request, "procurement:acceptance_detail", pk=acceptance.pk), services.acceptance_void,
        _("The acceptance was voided; nothing was received."), acceptance=acceptance,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


class AcceptancePrintView(AcceptanceMixin, AltPermissionMixin, CampusViewMixin, TemplateView):
    """出入单一式二份: the in/out slip twice on one sheet — one for the accounts, one for the wall."""

    write_permission = ""
    template_name = "procurement/acceptance_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(acceptance_queryset(), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Purchase in/out slip (采购出入单)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lines = list(self.object.lines.select_related("order_line"))
        ctx.update(
            {
                "object": self.object,
                "lines": lines,
                "total_value": sum((ln.value for ln in lines), services.ZERO),
                "copies": [
                    _("Copy 1: for the accounts (记账联)"),
                    _("Copy 2: for the notice board (公示联)"),
                ],
            }
        )
        return ctx


# --- Invoices -----------------------------------------------------------------------------


class InvoiceMixin:
    model = Invoice
    url_base = "procurement:invoice"
    permission_required = VIEW
    alternative_permission = SIGN_INVOICES
    write_permission = RECORD_INVOICES


class InvoiceListView(InvoiceMixin, AltPermissionMixin, ObjectListView):
    filterset_class = InvoiceFilter
    search_fields = ("number", "order__number", "order__supplier__name")
    pinyin_field = ""
    title = gettext_lazy("Invoices")
    select_related = ("order__supplier", "signed_by", "recorded_by")
    ordering = ("-issued_on", "-id")
    columns = [
        Column(gettext_lazy("Invoice number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Order"), "order.number"),
        Column(gettext_lazy("Supplier"), "order.supplier"),
        Column(gettext_lazy("Issued on"), "issued_on"),
        Column(gettext_lazy("Amount (yuan)"), "amount", css="text-end"),
        Column(gettext_lazy("Recorded by"), "recorded_by"),
        Column(gettext_lazy("Signed by"), "signed_by"),
        Column(gettext_lazy("Status"), badge, export=False),
    ]
    export_columns = [*[c for c in columns if c.export], Column(gettext_lazy("Status"), "get_status_display")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # invoices are recorded from an order
        return ctx


class InvoiceCreateView(WriteFormMixin, CampusViewMixin, FormView):
    model = Invoice
    permission_required = RECORD_INVOICES
    write_permission = RECORD_INVOICES
    template_name = "procurement/invoice_form.html"
    form_class = InvoiceForm

    def load(self):
        self.order = get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=self.kwargs["pk"])
        if self.order.status == PurchaseOrder.Status.CANCELLED:
            raise Http404

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return _("Record an invoice for %(order)s") % {"order": self.order}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campus": self.request.campus}

    def get_initial(self):
        figures = services.order_figures(self.order)
        open_amount = figures["accepted"] - figures["invoiced"]
        return {"amount": open_amount if open_amount > 0 else None}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            invoice = services.invoice_record(
                actor=self.request.user, order=self.order, number=data["number"], issued_on=data["issued_on"],
                amount=data["amount"], note=data.get("note", ""), scans=data.get("scans") or (),
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Invoice recorded; it waits for the principal's signature."))
        return HttpResponseRedirect(_url(self.request, "procurement:invoice_detail", pk=invoice.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["order"] = self.order
        ctx["figures"] = services.order_figures(self.order)
        ctx["cancel_url"] = _url(self.request, "procurement:order_detail", pk=self.order.pk)
        return ctx


class InvoiceDetailView(InvoiceMixin, AltPermissionMixin, ObjectDetailView):
    template_name = "procurement/invoice_detail.html"

    def get_queryset(self):
        return Invoice.objects.select_related("order__supplier", "order__request", "recorded_by", "signed_by")

    def detail_fields(self):
        i = self.object
        return [
            (_("Invoice number"), i.number),
            (_("Status"), badge(i)),
            (_("Purchase order"), _link(self.request, "procurement:order_detail", i.order)),
            (_("Supplier"), i.order.supplier),
            (_("Issued on"), i.issued_on),
            (_("Amount (yuan)"), i.amount),
            (_("Note"), i.note),
            (_("Recorded by"), i.recorded_by),
            (_("Signed by"), i.signed_by),
            (_("Signed at"), i.signed_at),
            (_("Principal's note"), i.sign_note),
            (_("Void reason"), i.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        i, request = self.object, self.request
        awaiting = i.status == Invoice.Status.AWAITING
        ctx.update(
            {
                "figures": services.order_figures(i.order),
                "update_url": None,
                "delete_url": None,
                "can_sign": awaiting and has_perm(request, SIGN_INVOICES),
                "sign_form": SignForm(campus=request.campus),
                "can_void": awaiting and has_perm(request, RECORD_INVOICES),
                "void_form": ReasonForm(campus=request.campus),
                "order_url": _url(request, "procurement:order_detail", pk=i.order_id),
            }
        )
        return ctx


@campus_view(SIGN_INVOICES)
@require_POST
def invoice_sign(request, campus, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    response, _result = _post_action(
        request, _url(request, "procurement:invoice_detail", pk=invoice.pk), services.invoice_sign,
        _("Invoice signed."), invoice=invoice, note=request.POST.get("note", ""),
    )  # fmt: skip
    return response


@campus_view(RECORD_INVOICES)
@require_POST
def invoice_void(request, campus, pk):
    invoice = get_object_or_404(Invoice, pk=pk)
    response, _result = _post_action(
        request, _url(request, "procurement:invoice_detail", pk=invoice.pk), services.invoice_void,
        _("The invoice was voided."), invoice=invoice, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


urlpatterns = [
    path("suppliers/", SupplierListView.as_view(), name="supplier_list"),
    path("suppliers/new/", SupplierFormView.as_view(), name="supplier_create"),
    path("suppliers/<int:pk>/", SupplierDetailView.as_view(), name="supplier_detail"),
    path("suppliers/<int:pk>/edit/", SupplierFormView.as_view(), name="supplier_update"),
    path("suppliers/<int:pk>/delete/", SupplierDeleteView.as_view(), name="supplier_delete"),
    path("purchases/", PurchaseListView.as_view(), name="purchase_list"),
    path("purchases/new/", PurchaseFormView.as_view(), name="purchase_create"),
    path("purchases/<int:pk>/", PurchaseDetailView.as_view(), name="purchase_detail"),
    path("purchases/<int:pk>/edit/", PurchaseFormView.as_view(), name="purchase_update"),
    path("purchases/<int:pk>/print/", PurchasePrintView.as_view(), name="purchase_print"),
    path("purchases/<int:pk>/submit/", purchase_submit, name="purchase_submit"),
    path("purchases/<int:pk>/withdraw/", purchase_withdraw, name="purchase_withdraw"),
    path("purchases/<int:pk>/cancel/", purchase_cancel, name="purchase_cancel"),
    path("purchases/<int:pk>/compare/", PurchaseCompareView.as_view(), name="purchase_compare"),
    path(
        "purchases/<int:pk>/compare/print/",
        PurchaseCompareView.as_view(),
        {"printable": True},
        name="purchase_compare_print",
    ),
    path("purchases/<int:pk>/quotes/new/", QuoteFormView.as_view(), name="quote_create"),
    path("purchases/<int:pk>/choose/", quote_choose, name="quote_choose"),
    path("purchases/<int:pk>/order/", OrderCreateView.as_view(), name="order_create"),
    path("quotes/<int:pk>/", QuoteDetailView.as_view(), name="quote_detail"),
    path("quotes/<int:quote_pk>/edit/", QuoteFormView.as_view(), name="quote_update"),
    path("quotes/<int:quote_pk>/delete/", quote_delete, name="quote_delete"),
    path("orders/", OrderListView.as_view(), name="order_list"),
    path("orders/<int:pk>/", OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/edit/", OrderUpdateView.as_view(), name="order_update"),
    path("orders/<int:pk>/cancel/", order_cancel, name="order_cancel"),
    path("orders/<int:pk>/print/", OrderPrintView.as_view(), name="order_print"),
    path("orders/<int:pk>/accept/", AcceptanceCreateView.as_view(), name="acceptance_create"),
    path("orders/<int:pk>/invoices/new/", InvoiceCreateView.as_view(), name="invoice_create"),
    path("acceptances/", AcceptanceListView.as_view(), name="acceptance_list"),
    path("acceptances/<int:pk>/", AcceptanceDetailView.as_view(), name="acceptance_detail"),
    path("acceptances/<int:pk>/confirm/", acceptance_confirm, name="acceptance_confirm"),
    path("acceptances/<int:pk>/void/", acceptance_void, name="acceptance_void"),
    path("acceptances/<int:pk>/print/", AcceptancePrintView.as_view(), name="acceptance_print"),
    path("invoices/", InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/<int:pk>/", InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/sign/", invoice_sign, name="invoice_sign"),
    path("invoices/<int:pk>/void/", invoice_void, name="invoice_void"),
]
