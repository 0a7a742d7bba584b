"""Pages of the supply area: food suppliers with their certificates and contracts, receiving
inspections (进货查验) with two signers and their A4 record, the food store's batches,
stock-outs (出库) signed by the keeper and the cook, and disposals (销毁).

Every page states its permission; every write goes through
:mod:`houqin.canteen.supply_services`.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.canteen import supply_services as services
from houqin.canteen.models import (
    FoodBatch,
    FoodDisposal,
    FoodSupplier,
    Ingredient,
    Receiving,
    ReceivingLine,
    StockOut,
    StockOutLine,
    SupplierCertificate,
    SupplyContract,
)
from houqin.canteen.supply_filters import (
    BatchFilter,
    CertificateFilter,
    ContractFilter,
    DisposalFilter,
    FoodSupplierFilter,
    ReceivingFilter,
    StockOutFilter,
)
from houqin.canteen.supply_forms import (
    CertificateForm,
    ContractForm,
    DisposalForm,
    FoodSupplierForm,
    ReasonForm,
    ReceivingForm,
    StockOutForm,
    formset_lines,
    receiving_line_formset,
)
from houqin.core.links import request_url
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectListView,
    _add_errors,
)

VIEW_SUPPLIERS, MANAGE_SUPPLIERS = services.VIEW_SUPPLIERS, services.MANAGE_SUPPLIERS
VIEW_RECEIVING, RECEIVE, KEEP, COOK = services.VIEW_RECEIVING, services.RECEIVE, services.KEEP, services.COOK

COLOURS = {
    "pending": "yellow", "confirmed": "green", "void": "secondary", "reversed": "orange",
    "in_stock": "green", "used_up": "secondary", "disposed": "red", "accepted": "green", "rejected": "red",
}  # fmt: skip


def badge(value, label, colour=None):
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour or COLOURS.get(value, "secondary"), value,
        label,
    )  # fmt: skip


def status_badge(obj):
    return badge(obj.status, obj.get_status_display())


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


class WriteFormMixin:
    """Form pages need the write permission for the GET that shows the form too."""

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission or self.permission_required
        return super().dispatch(request, *args, **kwargs)


def _validity(cert, today):
    if cert.is_void:
        return badge("void", _("Void"))
    if cert.issued_on and cert.issued_on > today:
        return badge("pending", _("Not valid yet"), "yellow")
    if cert.expires_on is None:
        return badge("valid", _("No expiry"), "green")
    days = (cert.expires_on - today).days
    if days < 0:
        return badge("expired", _("Expired"), "red")
    if days <= 30:
        return badge("soon", _("%(days)s days left") % {"days": days}, "orange")
    return badge("valid", _("Valid"), "green")


# --- Food suppliers ---------------------------------------------------------------------------


class FoodSupplierListView(ObjectListView):
    model = FoodSupplier
    url_base = "canteen:supply_supplier"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    filterset_class = FoodSupplierFilter
    search_fields = ("supplier__name", "supplier__contact")
    pinyin_field = "supplier__name_pinyin"
    title = gettext_lazy("Food suppliers (定点供应商)")
    create_label = gettext_lazy("New food supplier")
    select_related = ("supplier",)
    ordering = ("supplier__name", "id")
    export_filename = "food-suppliers"
    columns = [
        Column(gettext_lazy("Name"), "supplier.name", link=True),
        Column(gettext_lazy("Supplies"), "category_labels", css="text-wrap"),
        Column(gettext_lazy("Designated"), "is_designated"),
        Column(gettext_lazy("Contact person"), "supplier.contact"),
        Column(gettext_lazy("Phone"), "supplier.phone"),
        Column(gettext_lazy("Active"), "supplier.is_active"),
    ]


class FoodSupplierFormView(WriteFormMixin, CampusViewMixin, TemplateView):
    model = FoodSupplier
    url_base = "canteen:supply_supplier"
    permission_required = MANAGE_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    template_name = "generic/form.html"

    def load(self):
        self.object = get_object_or_404(FoodSupplier.objects.select_related("supplier"), pk=self.kwargs["pk"]) if (
            "pk" in self.kwargs) else None  # fmt: skip

    def get_title(self):
        if self.object is None:
            return _("New food supplier")
        return _("Edit %(what)s") % {"what": self.object}

    def initial(self):
        p = self.object
        if p is None:
            return {"is_designated": True, "designated_on": timezone.localdate()}
        s = p.supplier
        return {
            "name": s.name, "contact": s.contact, "phone": s.phone, "address": s.address,
            "credit_code": s.credit_code, "is_designated": p.is_designated, "categories": p.category_list,
            "designated_on": p.designated_on, "note": p.note,
        }  # fmt: skip

    def get(self, request, *args, **kwargs):
        self.load()
        form = FoodSupplierForm(campus=request.campus, profile=self.object, initial=self.initial())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        self.load()
        form = FoodSupplierForm(request.POST, campus=request.campus, profile=self.object)
        if form.is_valid():
            data = form.cleaned_data
            supplier_data = {k: data.get(k, "") for k in services.SUPPLIER_FIELDS}
            if self.object is None and data.get("supplier"):
                supplier_data = {k: v for k, v in supplier_data.items() if v}
            try:
                profile = services.food_supplier_save(
                    actor=request.user, campus=request.campus, profile=self.object,
                    supplier=data.get("supplier"), supplier_data=supplier_data,
                    data={k: data.get(k) for k in ("is_designated", "categories", "designated_on", "note")},
                )  # fmt: skip
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.url("detail", pk=profile.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("detail", pk=self.object.pk) if self.object else self.url("list")
        return ctx


class FoodSupplierDetailView(ObjectDetailView):
    model = FoodSupplier
    url_base = "canteen:supply_supplier"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    template_name = "canteen/supply_supplier_detail.html"
    attachments = False

    def get_queryset(self):
        return FoodSupplier.objects.select_related("supplier")

    def detail_fields(self):
        p, s = self.object, self.object.supplier
        return [
            (_("Name"), s.name),
            (_("Supplies"), p.category_labels),
            (_("Designated food supplier (定点)"), p.is_designated),
            (_("Designated on"), p.designated_on),
            (_("Contact person"), s.contact),
            (_("Phone"), s.phone),
            (_("Address"), s.address),
            (_("Unified social credit code"), s.credit_code),
            (_("Active"), s.is_active),
            (_("Note"), p.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, request = self.object, self.request
        today = timezone.localdate()
        certificates = list(
            SupplierCertificate.objects.filter(supplier=p.supplier).order_by(
                "is_void", "kind", "-expires_on", "-id"
            )
        )
        for c in certificates:
            c.validity = _validity(c, today)
        ctx.update({
            "certificates": certificates,
            "contracts": list(SupplyContract.objects.filter(supplier=p.supplier).order_by("is_void", "-end_date")),
            "receivings": list(
                Receiving.objects.filter(supplier=p.supplier).select_related("recorded_by", "confirmed_by")
                .order_by("-delivered_at", "-id")[:10]
            ),
            "problems": services.certificate_problems(p.supplier, today, profile=p,
                                                      certificates=[c for c in certificates if not c.is_void]),
            "required": services.required_kinds(request.campus, p),
            "today": today,
            "delete_url": None,
        })  # fmt: skip
        return ctx


# --- Certificates and contracts -----------------------------------------------------------------


class CertificateListView(ObjectListView):
    model = SupplierCertificate
    url_base = "canteen:supply_certificate"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    filterset_class = CertificateFilter
    search_fields = ("number", "supplier__name", "title")
    pinyin_field = "supplier__name_pinyin"
    title = gettext_lazy("Supplier certificates (索证)")
    create_label = gettext_lazy("New certificate")
    select_related = ("supplier",)
    ordering = ("expires_on", "id")
    export_filename = "supplier-certificates"
    columns = [
        Column(gettext_lazy("Supplier"), "supplier.name"),
        Column(gettext_lazy("Kind"), "get_kind_display", link=True),
        Column(gettext_lazy("Certificate number"), "number"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Issued on"), "issued_on"),
        Column(gettext_lazy("Valid until"), "expires_on"),
        Column(gettext_lazy("Status"), lambda c: _validity(c, timezone.localdate()), export=False),
    ]


class CertificateFormView(WriteFormMixin, CampusViewMixin, TemplateView):
    model = SupplierCertificate
    url_base = "canteen:supply_certificate"
    permission_required = MANAGE_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    template_name = "generic/form.html"
    form_class = CertificateForm
    new_title = gettext_lazy("New certificate")

    def load(self):
        self.object = None
        if "pk" in self.kwargs:
            self.object = get_object_or_404(self.model.objects.filter(is_void=False), pk=self.kwargs["pk"])

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object} if self.object else self.new_title

    def form(self, data=None, files=None):
        initial = {}
        if self.object is None and str(self.request.GET.get("supplier", "")).isdigit():
            initial["supplier"] = int(self.request.GET["supplier"])
        instance = self.object or self.model(campus=self.request.campus)
        return self.form_class(data, files, campus=self.request.campus, instance=instance, initial=initial)

    def get(self, request, *args, **kwargs):
        self.load()
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in services.CERTIFICATE_FIELDS}
            try:
                cert = services.certificate_save(
                    actor=request.user, campus=request.campus, supplier=form.cleaned_data.get("supplier"),
                    certificate=self.object, data=data, photos=form.cleaned_data.get("photos") or [],
                )  # fmt: skip
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.url("detail", pk=cert.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("detail", pk=self.object.pk) if self.object else self.url("list")
        return ctx


class CertificateDetailView(ObjectDetailView):
    model = SupplierCertificate
    url_base = "canteen:supply_certificate"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    template_name = "canteen/supply_document_detail.html"

    def get_queryset(self):
        return SupplierCertificate.objects.select_related("supplier", "voided_by", "supplier__food_profile")

    def detail_fields(self):
        c = self.object
        fields = [
            (_("Supplier"), _supplier_link(self.request, c.supplier)),
            (_("Kind"), c.get_kind_display()),
            (_("Status"), _validity(c, timezone.localdate())),
            (_("Certificate number"), c.number),
            (_("Title"), c.title),
            (_("Issued by"), c.issuer),
            (_("Issued on"), c.issued_on),
            (_("Valid until"), c.expires_on or _("No expiry (长期)")),
            (_("Note"), c.note),
        ]
        if c.is_void:
            fields += [
                (_("Void reason"), c.void_reason),
                (_("Voided by"), c.voided_by),
                (_("Voided at"), c.voided_at),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["delete_url"] = None
        if obj.is_void:
            ctx["update_url"] = None
        ctx["void_url"] = request_url(self.request, "canteen:supply_certificate_void", pk=obj.pk) if (
            ctx["can_write"] and not obj.is_void) else None  # fmt: skip
        ctx["void_form"] = ReasonForm(campus=self.request.campus)
        ctx["kind_label"] = _("Supplier certificate")
        return ctx


def _supplier_link(request, supplier):
    profile = getattr(supplier, "food_profile", None)
    if profile is None:
        return supplier
    return format_html('<a href="{}">{}</a>', request_url(request, "canteen:supply_supplier_detail", pk=profile.pk),
                       supplier)  # fmt: skip


@campus_view(MANAGE_SUPPLIERS)
@require_POST
def certificate_void(request, campus, pk):
    cert = get_object_or_404(SupplierCertificate, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_certificate_detail", pk=pk), services.certificate_void,
        _("The certificate was voided."), certificate=cert, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


class ContractListView(ObjectListView):
    model = SupplyContract
    url_base = "canteen:supply_contract"
    permission_required = VIEW_SUPPLIERS
    write_permission = MANAGE_SUPPLIERS
    filterset_class = ContractFilter
    search_fields = ("number", "title", "supplier__name")
    pinyin_field = "supplier__name_pinyin"
    title = gettext_lazy("Supply contracts")
    create_label = gettext_lazy("New contract")
    select_related = ("supplier",)
    ordering = ("-end_date", "-id")
    export_filename = "supply-contracts"
    columns = [
        Column(gettext_lazy("Supplier"), "supplier.name"),
        Column(gettext_lazy("Title"), "title", link=True),
        Column(gettext_lazy("Contract number"), "number"),
        Column(gettext_lazy("Valid from"), "start_date"),
        Column(gettext_lazy("Valid until"), "end_date"),
        Column(gettext_lazy("Void"), "is_void"),
    ]


class ContractFormView(CertificateFormView):
    model = SupplyContract
    url_base = "canteen:supply_contract"
    form_class = ContractForm
    new_title = gettext_lazy("New contract")

    def post(self, request, *args, **kwargs):
        self.load()
        form = self.form(request.POST, request.FILES)
        if form.is_valid():
            data = {k: form.cleaned_data.get(k) for k in services.CONTRACT_FIELDS}
            try:
                contract = services.contract_save(
                    actor=request.user, campus=request.campus, supplier=form.cleaned_data.get("supplier"),
                    contract=self.object, data=data, files=form.cleaned_data.get("files") or [],
                )  # fmt: skip
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.url("detail", pk=contract.pk))
        return self.render_to_response(self.get_context_data(form=form))


class ContractDetailView(CertificateDetailView):
    model = SupplyContract
    url_base = "canteen:supply_contract"

    def get_queryset(self):
        return SupplyContract.objects.select_related("supplier", "voided_by", "supplier__food_profile")

    def detail_fields(self):
        c = self.object
        fields = [
            (_("Supplier"), _supplier_link(self.request, c.supplier)),
            (_("Title"), c.title),
            (_("Contract number"), c.number),
            (_("Signed on"), c.signed_on),
            (_("Valid from"), c.start_date),
            (_("Valid until"), c.end_date),
            (_("Note"), c.note),
        ]
        if c.is_void:
            fields += [
                (_("Void reason"), c.void_reason),
                (_("Voided by"), c.voided_by),
                (_("Voided at"), c.voided_at),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["void_url"] = request_url(self.request, "canteen:supply_contract_void", pk=self.object.pk) if (
            ctx["can_write"] and not self.object.is_void) else None  # fmt: skip
        ctx["kind_label"] = _("Supply contract")
        return ctx


@campus_view(MANAGE_SUPPLIERS)
@require_POST
def contract_void(request, campus, pk):
    contract = get_object_or_404(SupplyContract, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_contract_detail", pk=pk), services.contract_void,
        _("The contract was voided."), contract=contract, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


# --- Receiving inspection ---------------------------------------------------------------------


def _accepted_total(r):
    return services.receiving_total(r, r.lines.all())


def _line_summary(r):
    lines = r.lines.all()
    rejected = sum(1 for ln in lines if not ln.is_accepted)
    text = "、".join(ln.name for ln in lines[:4]) + ("…" if len(lines) > 4 else "")
    if rejected:
        return format_html('{} <span class="badge bg-red-lt">{}</span>', text,
                           _("%(n)s rejected") % {"n": rejected})  # fmt: skip
    return text


class ReceivingListView(ObjectListView):
    model = Receiving
    url_base = "canteen:supply_receiving"
    permission_required = VIEW_RECEIVING
    write_permission = RECEIVE
    filterset_class = ReceivingFilter
    search_fields = ("number", "supplier__name", "delivery_note_no", "lines__name")
    pinyin_field = ""
    title = gettext_lazy("Receiving inspections (进货查验)")
    create_label = gettext_lazy("Record a delivery")
    select_related = ("supplier", "recorded_by", "confirmed_by")
    ordering = ("-delivered_at", "-id")
    export_filename = "receiving"
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Delivered at"), lambda r: timezone.localtime(r.delivered_at)),
        Column(gettext_lazy("Supplier"), "supplier.name"),
        Column(gettext_lazy("Goods"), _line_summary, css="text-wrap"),
        Column(gettext_lazy("Accepted value (yuan)"), _accepted_total, css="text-end"),
        Column(gettext_lazy("Recorded by"), "recorded_by"),
        Column(gettext_lazy("Confirmed by"), "confirmed_by"),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]
    export_columns = [
        Column(gettext_lazy("Number"), "number"),
        Column(gettext_lazy("Delivered at"), lambda r: timezone.localtime(r.delivered_at)),
        Column(gettext_lazy("Supplier"), "supplier.name"),
        Column(gettext_lazy("Goods"), lambda r: "、".join(ln.name for ln in r.lines.all())),
        Column(gettext_lazy("Accepted value (yuan)"), _accepted_total),
        Column(gettext_lazy("Recorded by"), "recorded_by"),
        Column(gettext_lazy("Confirmed by"), "confirmed_by"),
        Column(gettext_lazy("Status"), "get_status_display"),
    ]

    def get_queryset(self):
        lines = ReceivingLine.objects.order_by("position", "id")
        return super().get_queryset().prefetch_related(Prefetch("lines", queryset=lines))

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        return qs.distinct() if self.query else qs


class ReceivingFormView(WriteFormMixin, CampusViewMixin, TemplateView):
    """Record a delivery (the first signer), or correct one still waiting for the second."""

    model = Receiving
    url_base = "canteen:supply_receiving"
    permission_required = RECEIVE
    write_permission = RECEIVE
    template_name = "canteen/supply_receiving_form.html"

    def load(self):
        self.object = None
        if "pk" in self.kwargs:
            self.object = get_object_or_404(
                Receiving.objects.filter(status=Receiving.Status.PENDING).select_related("supplier"),
                pk=self.kwargs["pk"],
            )

    def get_title(self):
        return (
            _("Correct %(what)s") % {"what": self.object}
            if self.object
            else _("Record a delivery (进货查验)")
        )

    def build(self, data=None, files=None):
        campus = self.request.campus
        initial, line_initial = {}, None
        if self.object is not None:
            r = self.object
            initial = {"supplier": r.supplier_id, "delivered_at": timezone.localtime(r.delivered_at)
                       .strftime("%Y-%m-%dT%H:%M"), "delivery_note_no": r.delivery_note_no, "note": r.note}  # fmt: skip
            line_initial = [
                {
                    f: getattr(ln, f)
                    for f in (*services.LINE_FIELDS, "quantity", "unit_price", "temperature_c")
                }
                for ln in r.lines.select_related("ingredient").order_by("position", "id")
            ]
        elif str(self.request.GET.get("supplier", "")).isdigit():
            initial["supplier"] = int(self.request.GET["supplier"])
        form = ReceivingForm(data, files, campus=campus, initial=initial)
        if self.object is not None:
            del form.fields["photos"]
        formset = receiving_line_formset(data, campus=campus, initial=line_initial)
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
                if self.object is None:
                    receiving = services.receiving_record(
                        actor=request.user, campus=request.campus, supplier=data["supplier"],
                        delivered_at=data["delivered_at"], lines=formset_lines(formset),
                        delivery_note_no=data.get("delivery_note_no", ""), note=data.get("note", ""),
                        photos=data.get("photos") or [],
                    )  # fmt: skip
                    messages.success(
                        request,
                        _("Recorded as %(number)s. It takes effect once a second person confirms it.")
                        % {"number": receiving.number},
                    )
                else:
                    receiving = services.receiving_update(
                        actor=request.user, receiving=self.object, supplier=data["supplier"],
                        delivered_at=data["delivered_at"], lines=formset_lines(formset),
                        delivery_note_no=data.get("delivery_note_no", ""), note=data.get("note", ""),
                    )  # fmt: skip
                    messages.success(request, _("Saved."))
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, PermissionDenied):
                    form.add_error(None, error_text(exc))
                else:
                    _add_errors(form, exc)
            else:
                return HttpResponseRedirect(self.url("detail", pk=receiving.pk))
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("detail", pk=self.object.pk) if self.object else self.url("list")
        return ctx


def receiving_queryset():
    return Receiving.objects.select_related("supplier", "supplier__food_profile", "recorded_by", "confirmed_by",
                                            "voided_by")  # fmt: skip


class ReceivingDetailView(ObjectDetailView):
    model = Receiving
    url_base = "canteen:supply_receiving"
    permission_required = VIEW_RECEIVING
    write_permission = RECEIVE
    template_name = "canteen/supply_receiving_detail.html"

    def get_queryset(self):
        return receiving_queryset()

    def detail_fields(self):
        r = self.object
        fields = [
            (_("Number"), r.number),
            (_("Status"), status_badge(r)),
            (_("Supplier"), _supplier_link(self.request, r.supplier)),
            (_("Delivered at"), r.delivered_at),
            (_("Delivery note number"), r.delivery_note_no),
            (_("Note"), r.note),
            (_("Recorded by (first signer)"), r.recorded_by),
            (_("Recorded at"), r.created_at),
            (_("Confirmed by (second signer)"), r.confirmed_by),
            (_("Confirmed at"), r.confirmed_at),
            (_("Keep the record until"), r.retain_until),
        ]
        if r.status == Receiving.Status.VOID:
            fields += [
                (_("Void reason"), r.void_reason),
                (_("Voided by"), r.voided_by),
                (_("Voided at"), r.voided_at),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        lines = list(r.lines.select_related("ingredient", "batch").order_by("position", "id"))
        pending = r.status == Receiving.Status.PENDING
        is_recorder = r.recorded_by_id == request.user.pk
        today = timezone.localdate()
        ctx.update({
            "lines": lines,
            "total_value": services.receiving_total(r, lines),
            "update_url": self.url("update", pk=r.pk) if pending and has_perm(request, RECEIVE) and (
                is_recorder or has_perm(request, KEEP)) else None,
            "delete_url": None,
            "can_confirm": pending and not is_recorder and has_perm(request, RECEIVE),
            "recorder_is_me": pending and is_recorder,
            "can_void": (pending and has_perm(request, RECEIVE))
            or (r.status == Receiving.Status.CONFIRMED and has_perm(request, KEEP)),
            "can_delete": has_perm(request, KEEP) and r.retain_until is not None and today >= r.retain_until,
            "void_form": ReasonForm(campus=request.campus),
            "print_url": self.url("print", pk=r.pk),
        })  # fmt: skip
        return ctx


@campus_view(RECEIVE)
@require_POST
def receiving_confirm(request, campus, pk):
    receiving = get_object_or_404(Receiving, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_receiving_detail", pk=pk), services.receiving_confirm,
        _("Confirmed: the accepted food is now in the store."), receiving=receiving,
    )  # fmt: skip
    return response


@campus_view(RECEIVE)
@require_POST
def receiving_void(request, campus, pk):
    receiving = get_object_or_404(Receiving, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_receiving_detail", pk=pk), services.receiving_void,
        _("The receiving was voided."), receiving=receiving, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


@campus_view(KEEP)
@require_POST
def receiving_delete(request, campus, pk):
    receiving = get_object_or_404(Receiving, pk=pk)
    try:
        services.receiving_delete(actor=request.user, receiving=receiving)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(request_url(request, "canteen:supply_receiving_detail", pk=pk))
    messages.success(request, _("Deleted."))
    return HttpResponseRedirect(request_url(request, "canteen:supply_receiving_list"))


class ReceivingPrintView(CampusViewMixin, TemplateView):
    """进货查验记录 on A4: the legal record fields, the sensory check and both signatures."""

    model = Receiving
    permission_required = VIEW_RECEIVING
    template_name = "canteen/supply_receiving_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(receiving_queryset(), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Receiving inspection record (进货查验记录)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lines = list(self.object.lines.select_related("batch").order_by("position", "id"))
        ctx.update(
            {
                "object": self.object,
                "lines": lines,
                "total_value": services.receiving_total(self.object, lines),
            }
        )
        return ctx


# --- The food store ---------------------------------------------------------------------------


def _days_left(b):
    if b.best_before is None:
        return None
    days = (b.best_before - timezone.localdate()).days
    if b.status != FoodBatch.Status.IN_STOCK:
        return days
    if days < 0:
        return format_html('<span class="badge bg-red" data-flag="expired">{}</span>', _("Expired"))
    if days <= 3:
        return format_html('<span class="badge bg-orange-lt" data-flag="soon">{}</span>', days)
    return days


def _batch_flags(b):
    out = status_badge(b)
    if b.is_blocked:
        out = format_html('{} <span class="badge bg-red-lt" data-flag="blocked">{}</span>', out, _("Blocked"))
    return out


class BatchListView(ObjectListView):
    """食品仓库: the batches with their best-before date, days left and flags."""

    model = FoodBatch
    url_base = "canteen:supply_batch"
    permission_required = VIEW_RECEIVING
    write_permission = ""
    filterset_class = BatchFilter
    search_fields = ("name", "number", "batch_no", "supplier__name")
    title = gettext_lazy("Food store (食品仓库)")
    select_related = ("supplier",)
    ordering = ("name", "best_before", "received_on", "pk")
    export_filename = "food-store"
    template_name = "canteen/supply_batch_list.html"
    columns = [
        Column(gettext_lazy("Batch"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Supplier"), "supplier.name"),
        Column(gettext_lazy("Received on"), "received_on"),
        Column(
            gettext_lazy("On hand"), lambda b: f"{services._fmt(b.quantity_on_hand)} {b.unit}", css="text-end"
        ),
        Column(gettext_lazy("Best before"), "best_before"),
        Column(gettext_lazy("Days left"), _days_left, export=False),
        Column(gettext_lazy("Status"), _batch_flags, export=False),
    ]
    export_columns = [
        Column(gettext_lazy("Batch"), "number"), Column(gettext_lazy("Name"), "name"),
        Column(gettext_lazy("Supplier"), "supplier.name"), Column(gettext_lazy("Specification"), "spec"),
        Column(gettext_lazy("Received on"), "received_on"), Column(gettext_lazy("Production date"), "production_date"),
        Column(gettext_lazy("Production batch"), "batch_no"), Column(gettext_lazy("Best before"), "best_before"),
        Column(gettext_lazy("Quantity received"), "quantity_received"),
        Column(gettext_lazy("Quantity on hand"), "quantity_on_hand"), Column(gettext_lazy("Unit"), "unit"),
        Column(gettext_lazy("Unit price"), "unit_price"), Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Blocked"), "is_blocked"), Column(gettext_lazy("Reason blocked"), "blocked_reason"),
    ]  # fmt: skip

    def filter_queryset(self, qs):
        if not self.request.GET.get("flag"):
            qs = qs.filter(status=FoodBatch.Status.IN_STOCK)
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["stockout_url"] = request_url(self.request, "canteen:supply_stockout_create") if has_perm(
            self.request, COOK) else None  # fmt: skip
        ctx["disposal_url"] = request_url(self.request, "canteen:supply_disposal_create") if has_perm(
            self.request, KEEP) else None  # fmt: skip
        return ctx


class BatchDetailView(ObjectDetailView):
    model = FoodBatch
    url_base = "canteen:supply_batch"
    permission_required = VIEW_RECEIVING
    write_permission = ""
    template_name = "canteen/supply_batch_detail.html"
    attachments = False

    def get_queryset(self):
        return FoodBatch.objects.select_related("supplier", "ingredient", "blocked_by", "supplier__food_profile",
                                                "receiving_line__receiving")  # fmt: skip

    def detail_fields(self):
        b = self.object
        fields = [
            (_("Batch number"), b.number), (_("Name"), b.name), (_("Ingredient"), b.ingredient),
            (_("Supplier"), _supplier_link(self.request, b.supplier)), (_("Specification"), b.spec),
            (_("Quantity received"), f"{services._fmt(b.quantity_received)} {b.unit}"),
            (_("Quantity on hand"), f"{services._fmt(b.quantity_on_hand)} {b.unit}"),
            (_("Unit price"), b.unit_price), (_("Received on"), b.received_on),
            (_("Production date"), b.production_date), (_("Production batch"), b.batch_no),
            (_("Shelf life (days)"), b.shelf_life_days), (_("Best before"), b.best_before),
            (_("Days left"), _days_left(b)), (_("Storage place"), b.location), (_("Status"), _batch_flags(b)),
        ]  # fmt: skip
        if b.is_blocked:
            fields += [(_("Reason blocked"), b.blocked_reason), (_("Blocked by"), b.blocked_by),
                       (_("Blocked at"), b.blocked_at)]  # fmt: skip
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        b = self.object
        try:
            line = b.receiving_line
        except ReceivingLine.DoesNotExist:
            line = None
        ctx.update({
            "receiving": line.receiving if line else None,
            "issues": list(b.stock_out_lines.select_related("stock_out").order_by("-stock_out__date", "-id")[:100]),
            "disposals": list(b.disposals.select_related("witness", "recorded_by").order_by("-disposed_on", "-id")),
            "can_dispose": has_perm(self.request, KEEP) and b.quantity_on_hand > 0
            and b.status != FoodBatch.Status.DISPOSED,
        })  # fmt: skip
        return ctx


# --- Stock-outs ---------------------------------------------------------------------------------


def _signers(s):
    parts = []
    if s.keeper_id:
        parts.append(_("keeper %(who)s") % {"who": s.keeper})
    if s.cook_id:
        parts.append(_("cook %(who)s") % {"who": s.cook})
    return " · ".join(parts)


class StockOutListView(ObjectListView):
    model = StockOut
    url_base = "canteen:supply_stockout"
    permission_required = VIEW_RECEIVING
    write_permission = COOK
    filterset_class = StockOutFilter
    search_fields = ("number", "lines__batch__name", "note")
    pinyin_field = ""
    title = gettext_lazy("Stock-outs (出库)")
    create_label = gettext_lazy("New stock-out")
    select_related = ("keeper", "cook", "recorded_by")
    ordering = ("-date", "-id")
    export_filename = "stock-outs"
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Date"), "date"),
        Column(gettext_lazy("Meal"), "get_meal_display"),
        Column(gettext_lazy("Food"), lambda s: "、".join(
            f"{ln.batch.name} {services._fmt(ln.quantity)}{ln.batch.unit}" for ln in s.lines.all()), css="text-wrap"),
        Column(gettext_lazy("Signed by"), _signers),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]  # fmt: skip
    export_columns = [*[c for c in columns if c.export], Column(gettext_lazy("Status"), "get_status_display")]

    def get_queryset(self):
        lines = StockOutLine.objects.select_related("batch").order_by("id")
        return super().get_queryset().prefetch_related(Prefetch("lines", queryset=lines))

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        return qs.distinct() if self.query else qs


def _qty(value):
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return out if out.is_finite() else None


class StockOutFormView(WriteFormMixin, CampusViewMixin, TemplateView):
    """出库: the issuable batches grouped by food in first-expiry-first-out order; the user
    enters quantities (or lets the form propose them for one food)."""

    model = StockOut
    url_base = "canteen:supply_stockout"
    permission_required = COOK
    write_permission = COOK
    template_name = "canteen/supply_stockout_form.html"

    def get_title(self):
        return _("New stock-out (出库)")

    def groups(self, on_date):
        batches = sorted(services.issuable_batches(self.request.campus, on_date),
                         key=lambda b: (b.ingredient.name if b.ingredient_id else b.name, services._fefo_key(b)))  # fmt: skip
        groups, index = [], {}
        for b in batches:
            key = ("i", b.ingredient_id) if b.ingredient_id else ("n", b.name)
            if key not in index:
                index[key] = len(groups)
                groups.append(
                    {"name": b.ingredient.name if b.ingredient_id else b.name, "key": key, "batches": []}
                )
            b.is_first = not groups[index[key]]["batches"]
            groups[index[key]]["batches"].append(b)
        return groups

    def proposal(self, on_date):
        """Quantities proposed for ?ingredient=<id>|name=<text>&quantity=<n> in FEFO order."""
        get = self.request.GET
        quantity = _qty(get.get("quantity", ""))
        if quantity is None or quantity <= 0:
            return {}
        ingredient = None
        if str(get.get("ingredient", "")).isdigit():
            ingredient = Ingredient.objects.filter(pk=int(get["ingredient"])).first()
        name = get.get("name", "").strip()
        if ingredient is None and not name:
            return {}
        return {b.pk: q for b, q in services.fefo_suggestion(self.request.campus, on_date, ingredient=ingredient,
                                                                name=name, quantity=quantity)}  # fmt: skip

    def on_date(self):
        raw = self.request.POST.get("date") or self.request.GET.get("date") or ""
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return timezone.localdate()

    def render_page(self, form, entered=None, reasons=None):
        on_date = self.on_date()
        groups = self.groups(on_date)
        proposed = self.proposal(on_date) if entered is None else {}
        for g in groups:
            for b in g["batches"]:
                b.entered = (entered or {}).get(b.pk, proposed.get(b.pk, ""))
                b.reason = (reasons or {}).get(b.pk, "")
        foods = sorted({(g["name"], g["key"][1] if g["key"][0] == "i" else "") for g in groups})
        return self.render_to_response(self.get_context_data(form=form, groups=groups, on_date=on_date, foods=foods,
                                                             proposal_quantity=self.request.GET.get("quantity", "")))  # fmt: skip

    def get(self, request, *args, **kwargs):
        initial = {"date": self.on_date()}
        if request.GET.get("meal"):
            initial["meal"] = request.GET["meal"]
        form = StockOutForm(campus=request.campus, perms=request.perms, initial=initial)
        return self.render_page(form)

    def post(self, request, *args, **kwargs):
        form = StockOutForm(request.POST, campus=request.campus, perms=request.perms)
        entered, reasons, lines = {}, {}, []
        ids = [int(k[4:]) for k in request.POST if k.startswith("qty_") and k[4:].isdigit()]
        batches = {
            b.pk: b for b in FoodBatch.objects.filter(pk__in=ids).select_related("ingredient", "supplier")
        }
        for pk in ids:
            raw = request.POST.get(f"qty_{pk}", "").strip()
            reason = request.POST.get(f"reason_{pk}", "").strip()
            entered[pk], reasons[pk] = raw, reason
            if not raw or pk not in batches:
                continue
            lines.append({"batch": batches[pk], "quantity": raw, "fefo_reason": reason})
        if form.is_valid():
            data = form.cleaned_data
            try:
                stock_out = services.stock_out_create(
                    actor=request.user, campus=request.campus, date=data["date"], meal=data["meal"], lines=lines,
                    note=data.get("note", ""), sign_as=data.get("sign_as") or None,
                )  # fmt: skip
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, error_text(exc) if isinstance(exc, PermissionDenied) else exc.messages)
            else:
                messages.success(request, _("Recorded as %(number)s.") % {"number": stock_out.number})
                return HttpResponseRedirect(self.url("detail", pk=stock_out.pk))
        return self.render_page(form, entered, reasons)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("list")
        return ctx


class StockOutDetailView(ObjectDetailView):
    model = StockOut
    url_base = "canteen:supply_stockout"
    permission_required = VIEW_RECEIVING
    write_permission = COOK
    template_name = "canteen/supply_stockout_detail.html"
    attachments = False

    def get_queryset(self):
        return StockOut.objects.select_related("keeper", "cook", "recorded_by", "reversed_by", "voided_by")

    def detail_fields(self):
        s = self.object
        fields = [
            (_("Number"), s.number), (_("Status"), status_badge(s)), (_("Date"), s.date),
            (_("Meal"), s.get_meal_display()), (_("Note"), s.note), (_("Recorded by"), s.recorded_by),
            (_("Keeper (保管员)"), s.keeper), (_("Keeper signed at"), s.keeper_signed_at),
            (_("Cook (厨师)"), s.cook), (_("Cook signed at"), s.cook_signed_at), (_("Confirmed at"), s.confirmed_at),
        ]  # fmt: skip
        if s.status == StockOut.Status.REVERSED:
            fields += [(_("Reversed by"), s.reversed_by), (_("Reversed at"), s.reversed_at),
                       (_("Reversal reason"), s.reverse_reason)]  # fmt: skip
        if s.status == StockOut.Status.VOID:
            fields += [
                (_("Void reason"), s.void_reason),
                (_("Voided by"), s.voided_by),
                (_("Voided at"), s.voided_at),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s, request = self.object, self.request
        pending = s.status == StockOut.Status.PENDING
        me = request.user.pk
        ctx.update({
            "lines": list(s.lines.select_related("batch", "batch__supplier").order_by("id")),
            "update_url": None, "delete_url": None,
            "can_sign_keeper": pending and not s.keeper_id and s.cook_id != me and has_perm(request, KEEP),
            "can_sign_cook": pending and not s.cook_id and s.keeper_id != me and has_perm(request, COOK),
            "can_void": pending and (s.recorded_by_id == me or has_perm(request, KEEP)),
            "can_reverse": s.status == StockOut.Status.CONFIRMED and has_perm(request, KEEP),
            "void_form": ReasonForm(campus=request.campus),
        })  # fmt: skip
        return ctx


@campus_view(COOK)
@require_POST
def stockout_sign(request, campus, pk):
    stock_out = get_object_or_404(StockOut, pk=pk)
    response, result = _post_action(
        request, request_url(request, "canteen:supply_stockout_detail", pk=pk), services.stock_out_sign, None,
        stock_out=stock_out, role=request.POST.get("role", ""),
    )  # fmt: skip
    if result is not None:
        messages.success(
            request,
            _("Confirmed: the food has left the store.")
            if result.status == StockOut.Status.CONFIRMED
            else _("Signed. It waits for the other signature."),
        )
    return response


@campus_view(COOK)
@require_POST
def stockout_void(request, campus, pk):
    stock_out = get_object_or_404(StockOut, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_stockout_detail", pk=pk), services.stock_out_void,
        _("The stock-out was voided."), stock_out=stock_out, reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


@campus_view(KEEP)
@require_POST
def stockout_reverse(request, campus, pk):
    stock_out = get_object_or_404(StockOut, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_stockout_detail", pk=pk), services.stock_out_reverse,
        _("The stock-out was reversed; the food is back in the store."), stock_out=stock_out,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


# --- Disposals ----------------------------------------------------------------------------------


class DisposalListView(ObjectListView):
    model = FoodDisposal
    url_base = "canteen:supply_disposal"
    permission_required = VIEW_RECEIVING
    write_permission = KEEP
    filterset_class = DisposalFilter
    search_fields = ("number", "batch__name", "batch__number")
    pinyin_field = ""
    title = gettext_lazy("Food disposals (销毁记录)")
    create_label = gettext_lazy("Record a disposal")
    select_related = ("batch", "witness", "recorded_by")
    ordering = ("-disposed_on", "-id")
    export_filename = "food-disposals"
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Disposed on"), "disposed_on"),
        Column(gettext_lazy("Food batch"), "batch"),
        Column(
            gettext_lazy("Quantity"), lambda d: f"{services._fmt(d.quantity)} {d.batch.unit}", css="text-end"
        ),
        Column(gettext_lazy("Reason"), "get_reason_display"),
        Column(gettext_lazy("Recorded by"), "recorded_by"),
        Column(gettext_lazy("Witness"), "witness"),
        Column(gettext_lazy("Void"), "is_void"),
    ]


class DisposalFormView(WriteFormMixin, CampusViewMixin, TemplateView):
    model = FoodDisposal
    url_base = "canteen:supply_disposal"
    permission_required = KEEP
    write_permission = KEEP
    template_name = "generic/form.html"

    def get_title(self):
        return _("Record a disposal (销毁)")

    def get(self, request, *args, **kwargs):
        initial = {}
        if str(request.GET.get("batch", "")).isdigit():
            initial["batch"] = int(request.GET["batch"])
        form = DisposalForm(campus=request.campus, actor=request.user, initial=initial)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = DisposalForm(request.POST, request.FILES, campus=request.campus, actor=request.user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                disposal = services.disposal_record(
                    actor=request.user, campus=request.campus, batch=d["batch"], quantity=d["quantity"],
                    reason=d["reason"], witness=d["witness"], detail=d.get("detail", ""), method=d.get("method", ""),
                    disposed_on=d["disposed_on"], photos=d.get("photos") or [],
                )  # fmt: skip
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Recorded as %(number)s.") % {"number": disposal.number})
                return HttpResponseRedirect(self.url("detail", pk=disposal.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = self.url("list")
        return ctx


class DisposalDetailView(ObjectDetailView):
    model = FoodDisposal
    url_base = "canteen:supply_disposal"
    permission_required = VIEW_RECEIVING
    write_permission = KEEP
    template_name = "canteen/supply_document_detail.html"

    def get_queryset(self):
        return FoodDisposal.objects.select_related("batch", "witness", "recorded_by", "voided_by")

    def detail_fields(self):
        d = self.object
        batch_link = format_html('<a href="{}">{}</a>',
                                 request_url(self.request, "canteen:supply_batch_detail", pk=d.batch_id), d.batch)  # fmt: skip
        fields = [
            (_("Number"), d.number), (_("Food batch"), batch_link),
            (_("Quantity"), f"{services._fmt(d.quantity)} {d.batch.unit}"), (_("Disposed on"), d.disposed_on),
            (_("Reason"), d.get_reason_display()), (_("Details"), d.detail), (_("How it was disposed of"), d.method),
            (_("Recorded by"), d.recorded_by), (_("Witness"), d.witness), (_("Void"), d.is_void),
        ]  # fmt: skip
        if d.is_void:
            fields += [
                (_("Void reason"), d.void_reason),
                (_("Voided by"), d.voided_by),
                (_("Voided at"), d.voided_at),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({
            "update_url": None, "delete_url": None,
            "void_url": request_url(self.request, "canteen:supply_disposal_void", pk=self.object.pk)
            if ctx["can_write"] and not self.object.is_void else None,
            "void_form": ReasonForm(campus=self.request.campus), "kind_label": _("Food disposal"),
        })  # fmt: skip
        return ctx


@campus_view(KEEP)
@require_POST
def disposal_void(request, campus, pk):
    disposal = get_object_or_404(FoodDisposal, pk=pk)
    response, _r = _post_action(
        request, request_url(request, "canteen:supply_disposal_detail", pk=pk), services.disposal_void,
        _("The disposal was voided; the quantity is back in its batch."), disposal=disposal,
        reason=request.POST.get("reason", ""),
    )  # fmt: skip
    return response


urlpatterns = [
    path("suppliers/", FoodSupplierListView.as_view(), name="supply_supplier_list"),
    path("suppliers/new/", FoodSupplierFormView.as_view(), name="supply_supplier_create"),
    path("suppliers/<int:pk>/", FoodSupplierDetailView.as_view(), name="supply_supplier_detail"),
    path("suppliers/<int:pk>/edit/", FoodSupplierFormView.as_view(), name="supply_supplier_update"),
    path("suppliers/certificates/", CertificateListView.as_view(), name="supply_certificate_list"),
    path("suppliers/certificates/new/", CertificateFormView.as_view(), name="supply_certificate_create"),
    path(
        "suppliers/certificates/<int:pk>/", CertificateDetailView.as_view(), name="supply_certificate_detail"
    ),
    path(
        "suppliers/certificates/<int:pk>/edit/",
        CertificateFormView.as_view(),
        name="supply_certificate_update",
    ),
    path("suppliers/certificates/<int:pk>/void/", certificate_void, name="supply_certificate_void"),
    path("suppliers/contracts/", ContractListView.as_view(), name="supply_contract_list"),
    path("suppliers/contracts/new/", ContractFormView.as_view(), name="supply_contract_create"),
    path("suppliers/contracts/<int:pk>/", ContractDetailView.as_view(), name="supply_contract_detail"),
    path("suppliers/contracts/<int:pk>/edit/", ContractFormView.as_view(), name="supply_contract_update"),
    path("suppliers/contracts/<int:pk>/void/", contract_void, name="supply_contract_void"),
    path("receiving/", ReceivingListView.as_view(), name="supply_receiving_list"),
    path("receiving/new/", ReceivingFormView.as_view(), name="supply_receiving_create"),
    path("receiving/<int:pk>/", ReceivingDetailView.as_view(), name="supply_receiving_detail"),
    path("receiving/<int:pk>/edit/", ReceivingFormView.as_view(), name="supply_receiving_update"),
    path("receiving/<int:pk>/confirm/", receiving_confirm, name="supply_receiving_confirm"),
    path("receiving/<int:pk>/void/", receiving_void, name="supply_receiving_void"),
    path("receiving/<int:pk>/delete/", receiving_delete, name="supply_receiving_delete"),
    path("receiving/<int:pk>/print/", ReceivingPrintView.as_view(), name="supply_receiving_print"),
    path("store/", BatchListView.as_view(), name="supply_batch_list"),
    path("store/batches/<int:pk>/", BatchDetailView.as_view(), name="supply_batch_detail"),
    path("store/issues/", StockOutListView.as_view(), name="supply_stockout_list"),
    path("store/issues/new/", StockOutFormView.as_view(), name="supply_stockout_create"),
    path("store/issues/<int:pk>/", StockOutDetailView.as_view(), name="supply_stockout_detail"),
    path("store/issues/<int:pk>/sign/", stockout_sign, name="supply_stockout_sign"),
    path("store/issues/<int:pk>/void/", stockout_void, name="supply_stockout_void"),
    path("store/issues/<int:pk>/reverse/", stockout_reverse, name="supply_stockout_reverse"),
    path("store/disposals/", DisposalListView.as_view(), name="supply_disposal_list"),
    path("store/disposals/new/", DisposalFormView.as_view(), name="supply_disposal_create"),
    path("store/disposals/<int:pk>/", DisposalDetailView.as_view(), name="supply_disposal_detail"),
    path("store/disposals/<int:pk>/void/", disposal_void, name="supply_disposal_void"),
]
