"""The asset register (资产台账): categories, the list with filters, export in the paper
ledger's layout and its A4 print, asset cards with their photos, history and the panels
other areas add, each room's property list (室室有人管) and each custodian's holdings,
QR label sheets, the public page a label opens, the Excel import and the summary report.
"""

import datetime as dt
from decimal import Decimal

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.assets import register_importers as importers
from houqin.assets import services
from houqin.assets.models import Asset, AssetCategory
from houqin.assets.panels import panels_for
from houqin.assets.register_filters import AssetFilter, CategoryFilter, filter_assets, include_disposed
from houqin.assets.register_forms import AssetForm, CategoryForm, MoveForm, StatusForm
from houqin.core import attachables
from houqin.core.forms import XlsxUploadForm, campus_users
from houqin.core.links import strict_request_url as _url
from houqin.core.models import Room
from houqin.core.permissions import campus_view, has_perm, perms_for_user_on_campus, public_view
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ImportView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)

VIEW, MANAGE = "assets.view_assets", "assets.manage_assets"
PRINT_LIMIT = 1000
MAX_LABELS = 1000
LABELS_PER_PAGE = 24  # 3 × 8 on A4

STATUS_COLOURS = {
    "in_use": "green",
    "idle": "azure",
    "on_loan": "purple",
    "under_repair": "orange",
    "damaged": "red",
    "missing": "red",
    "disposed": "secondary",
}
ZERO = Decimal("0.00")
VALUE = ExpressionWrapper(
    F("price") * F("quantity"), output_field=DecimalField(max_digits=16, decimal_places=2)
)


def _optional_url(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def status_badge(asset):
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>',
        STATUS_COLOURS.get(asset.status, "secondary"),
        asset.status,
        asset.get_status_display(),
    )


def qr_url(asset) -> str:
    """The address an asset's QR label points to."""
    return settings.SITE_URL + reverse("qr_asset", kwargs={"token": asset.qr_token})


def qr_data_uri(asset, scale=4):
    return segno.make(qr_url(asset), error="m").svg_data_uri(scale=scale, border=1)


def _room_label(asset):
    return str(asset.room) if asset.room_id else ""


def _checkbox(asset):
    return format_html(
        '<input class="form-check-input m-0" type="checkbox" name="ids" value="{}" form="label-form" aria-label="{}">',
        asset.pk,
        _("Select %(asset)s") % {"asset": asset.tag},
    )


def _total_value(qs):
    return qs.aggregate(v=Coalesce(Sum(VALUE), ZERO, output_field=DecimalField()))["v"]


# Exports read plain values (no model instances: 50,000 rows stream in seconds).
EXPORT_FIELDS = (
    "tag", "name", "category__name", "category__kind", "model_spec", "brand", "unit", "quantity", "price",
    "purchase_date", "in_service_date", "warranty_until", "room__code", "room__name", "room__building__name",
    "custodian__real_name", "custodian__username", "is_valuable", "status", "source", "supplier__name",
    "invoice_number", "disposed_on", "qr_token", "note",
)  # fmt: skip


def export_rows(qs):
    return qs.values(*EXPORT_FIELDS).iterator(chunk_size=2000)


def _labels(choices):
    return {value: str(label) for value, label in choices}


def _custodian(d):
    return d["custodian__real_name"] or d["custodian__username"] or ""


def _value(d):
    return (d["price"] or ZERO) * (d["quantity"] or 0)


def _qr_prefix():
    """SITE_URL + /q/a/ (the token follows): one reverse() for the whole export."""
    return qr_url(Asset(qr_token="TOKEN")).removesuffix("TOKEN/")


# The paper ledger (资产台账): the export's columns. Headers are the file format schools
# keep (not translated, like the import template's), and the import reads them back.
LEDGER_TITLE = "资产台账"


def ledger_columns():
    status = _labels(Asset.Status.choices)
    return [
        ("序号", lambda r: r[0]),
        ("资产编号", lambda r: r[1]["tag"]),
        ("名称", lambda r: r[1]["name"]),
        ("类别", lambda r: r[1]["category__name"]),
        ("规格型号", lambda r: r[1]["model_spec"]),
        ("单位", lambda r: r[1]["unit"]),
        ("数量", lambda r: r[1]["quantity"]),
        ("单价", lambda r: r[1]["price"]),
        ("金额", lambda r: _value(r[1])),
        ("购置日期", lambda r: r[1]["purchase_date"]),
        ("存放地点", lambda r: r[1]["room__name"] or ""),
        ("保管人", lambda r: _custodian(r[1])),
        ("状态", lambda r: status.get(r[1]["status"], r[1]["status"])),
        ("备注", lambda r: r[1]["note"]),
    ]


def ledger_response(request, qs, title=LEDGER_TITLE):
    from houqin.core.exports import xlsx_response

    return xlsx_response(
        filename=f"{title}-{request.campus.display_name}-{dt.date.today():%Y%m%d}.xlsx",
        title=title,
        columns=ledger_columns(),
        rows=enumerate(export_rows(qs), start=1),
    )


def full_export_columns():
    status, source = _labels(Asset.Status.choices), _labels(Asset.Source.choices)
    kind = _labels(AssetCategory.Kind.choices)
    prefix = _qr_prefix()
    return [
        (_("Tag number"), "tag"),
        (_("Name"), "name"),
        (_("Category"), "category__name"),
        (_("Kind"), lambda d: kind.get(d["category__kind"], "")),
        (_("Model / specification"), "model_spec"),
        (_("Brand"), "brand"),
        (_("Unit"), "unit"),
        (_("Quantity"), "quantity"),
        (_("Unit price"), "price"),
        (_("Value"), _value),
        (_("Acquired on"), "purchase_date"),
        (_("In service from"), "in_service_date"),
        (_("Warranty until"), "warranty_until"),
        (_("Building"), "room__building__name"),
        (_("Room"), lambda d: f"{d['room__code']} {d['room__name']}" if d["room__code"] else ""),
        (_("Custodian"), _custodian),
        (_("Valuable item"), "is_valuable"),
        (_("Status"), lambda d: status.get(d["status"], d["status"])),
        (_("Source"), lambda d: source.get(d["source"], d["source"])),
        (_("Supplier"), "supplier__name"),
        (_("Invoice number"), "invoice_number"),
        (_("Disposed on"), "disposed_on"),
        (_("QR address"), lambda d: f"{prefix}{d['qr_token']}/"),
        (_("Note"), "note"),
    ]


# --- Categories ---------------------------------------------------------------------------


class CategoryMixin:
    model = AssetCategory
    url_base = "assets:category"
    permission_required = VIEW
    write_permission = MANAGE


class CategoryListView(CategoryMixin, ObjectListView):
    filterset_class = CategoryFilter
    search_fields = ("name", "code", "national_code")
    title = gettext_lazy("Asset categories")
    create_label = gettext_lazy("New category")
    columns = [
        Column(gettext_lazy("Code"), "code", link=True),
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("Useful life (years)"), "useful_life_years"),
        Column(gettext_lazy("National classification code"), "national_code"),
        Column(gettext_lazy("Assets"), "asset_count"),
        Column(gettext_lazy("In use"), "is_active"),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(asset_count=Count("assets", filter=~Q(assets__status=Asset.Status.DISPOSED)))
            .order_by("kind", "code", "name")
        )


class CategoryDetailView(CategoryMixin, ObjectDetailView):
    template_name = "assets/category_detail.html"
    attachments = False
    fields = ("name", "code", "kind", "useful_life_years", "national_code", "is_active", "note")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        assets = Asset.objects.filter(category=self.object)
        counts = assets.aggregate(
            active=Count("id", filter=~Q(status=Asset.Status.DISPOSED)),
            disposed=Count("id", filter=Q(status=Asset.Status.DISPOSED)),
            value=Coalesce(
                Sum(VALUE, filter=~Q(status=Asset.Status.DISPOSED)), ZERO, output_field=DecimalField()
            ),
        )
        ctx.update(
            counts=counts, assets_url=_url(self.request, "assets:asset_list") + f"?category={self.object.pk}"
        )
        if counts["active"] or counts["disposed"]:
            ctx["delete_url"] = None
        return ctx


class CategoryFormView(CategoryMixin, ObjectFormView):
    form_class = CategoryForm


class CategoryDeleteView(CategoryMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            services.category_delete(actor=request.user, category=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.url("detail", pk=self.object.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(self.url("list"))


# --- The register -------------------------------------------------------------------------


class AssetMixin:
    model = Asset
    url_base = "assets:asset"
    permission_required = VIEW
    write_permission = MANAGE


class AssetListView(AssetMixin, ObjectListView):
    template_name = "assets/asset_list.html"
    table_template = "assets/asset_table.html"
    filterset_class = AssetFilter
    search_fields = ("name", "tag", "model_spec")
    title = gettext_lazy("Asset register (资产台账)")
    create_label = gettext_lazy("Register an asset")
    select_related = ("category", "room", "custodian")
    ordering = ("tag",)
    columns = [
        Column("", _checkbox, export=False, css="w-1"),
        Column(gettext_lazy("Tag number"), "tag", link=True),
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Category"), "category.name"),
        Column(gettext_lazy("Model / specification"), "model_spec"),
        Column(gettext_lazy("Room"), _room_label),
        Column(gettext_lazy("Custodian"), "custodian.display_name"),
        Column(gettext_lazy("Quantity"), "quantity", css="text-end"),
        Column(gettext_lazy("Unit price"), "price", css="text-end"),
        Column(gettext_lazy("Acquired on"), "purchase_date"),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]

    def export(self, qs):
        from houqin.core.exports import xlsx_response

        title = str(self.get_title())
        return xlsx_response(
            filename=f"{title}-{self.request.campus.display_name}.xlsx",
            title=title,
            columns=full_export_columns(),
            rows=export_rows(qs),
        )

    def filter_queryset(self, qs):
        qs = super().filter_queryset(qs)
        if not include_disposed(self.request.GET):
            qs = qs.exclude(status=Asset.Status.DISPOSED)
        return qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "ledger":
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            return ledger_response(request, self.filter_queryset(self.get_queryset()))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        params = request.GET.copy()
        for key in ("page", "export", "ids"):
            params.pop(key, None)
        query = params.urlencode()
        suffix = f"?{query}" if query else ""
        ctx.update(
            {
                "label_params": [(k, v) for k, values in params.lists() for v in values],
                "labels_url": _url(request, "assets:label_sheet"),
                "print_url": _url(request, "assets:ledger_print") + suffix,
                "ledger_export_url": f"?{query}{'&' if query else ''}export=ledger",
                "import_url": _url(request, "assets:asset_import") if ctx["can_write"] else None,
                "summary_url": _url(request, "assets:asset_summary"),
            }
        )
        room = self.filterset.form.cleaned_data.get("room") if self._filter_valid() else None
        if room is not None:
            ctx["room_url"] = _url(request, "assets:room_assets", pk=room.pk)
        custodian = self.filterset.form.cleaned_data.get("custodian") if self._filter_valid() else None
        if custodian is not None:
            ctx["person_url"] = _url(request, "assets:person_assets", pk=custodian.pk)
        return ctx

    def _filter_valid(self):
        return self.filterset is not None and self.filterset.is_bound and self.filterset.is_valid()


class LedgerPrintView(AssetMixin, CampusViewMixin, TemplateView):
    """The filtered register on A4 landscape, laid out like the paper 资产台账."""

    template_name = "assets/ledger_print.html"

    def get_title(self):
        return _("Asset register (资产台账)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        qs, filterset = filter_assets(
            request.GET,
            Asset.objects.select_related("category", "room", "custodian").order_by("tag"),
            request,
        )
        query = request.GET.get("q", "").strip()
        if query:
            from houqin.core.pinyin import pinyin_q

            qs = qs.filter(pinyin_q(query, *AssetListView.search_fields))
        totals = qs.aggregate(
            n=Count("id"),
            items=Coalesce(Sum("quantity"), 0),
            value=Coalesce(Sum(VALUE), ZERO, output_field=DecimalField()),
        )
        rows = list(qs[: PRINT_LIMIT + 1])
        ctx.update(
            {
                "rows": rows[:PRINT_LIMIT],
                "truncated": len(rows) > PRINT_LIMIT,
                "limit": PRINT_LIMIT,
                "totals": totals,
                "filters": _filter_summary(filterset, query),
            }
        )
        return ctx


def _filter_summary(filterset, query=""):
    """[(label, shown value)] of the filters in use, for the print header."""
    out = []
    if query:
        out.append((_("Search"), query))
    if filterset is None or not filterset.is_bound:
        return out
    for field in filterset.form:
        value = field.data
        if value in (None, "", False):
            continue
        choices = getattr(field.field, "choices", None)
        if choices is not None:
            value = {str(k): v for k, v in choices}.get(str(value), value)
        elif field.name == "include_disposed":
            value = _("Yes")
        out.append((field.label, value))
    return out


class LabelSheetView(AssetListView):
    """An A4 sheet of QR labels, 3 × 8 a page: the ticked assets (``ids``) or every asset
    the list's filters select."""

    template_name = "assets/label_sheet.html"

    def get(self, request, *args, **kwargs):
        ids = []
        for raw in request.GET.getlist("ids"):
            ids += [part for part in raw.split(",") if part.strip().isdigit()]
        qs = self.get_queryset()
        if ids:
            self.filterset, self.query = None, ""
            qs = qs.filter(pk__in=ids)
        else:
            qs = self.filter_queryset(qs)
        assets = list(qs[: MAX_LABELS + 1])
        truncated = len(assets) > MAX_LABELS
        labels = [{"asset": a, "qr": qr_data_uri(a, scale=3)} for a in assets[:MAX_LABELS]]
        pages = [labels[i : i + LABELS_PER_PAGE] for i in range(0, len(labels), LABELS_PER_PAGE)]
        context = {
            "title": _("Asset QR labels"),
            "campus": request.campus,
            "labels": labels,
            "pages": pages,
            "truncated": truncated,
            "max_labels": MAX_LABELS,
        }
        return self.response_class(request, self.template_name, context)


class AssetDetailView(AssetMixin, ObjectDetailView):
    template_name = "assets/asset_detail.html"

    def get_queryset(self):
        return Asset.objects.select_related("category", "room", "room__building", "custodian", "supplier")

    def detail_fields(self):
        a = self.object
        request = self.request
        room = (
            format_html('<a href="{}">{}</a>', _url(request, "assets:room_assets", pk=a.room_id), a.room)
            if a.room_id
            else None
        )
        custodian = (
            format_html(
                '<a href="{}">{}</a>', _url(request, "assets:person_assets", pk=a.custodian_id), a.custodian
            )
            if a.custodian_id
            else None
        )
        return [
            (_("Tag number"), a.tag),
            (_("Name"), a.name),
            (_("Status"), status_badge(a)),
            (_("Category"), f"{a.category.name} · {a.category.get_kind_display()}"),
            (_("Model / specification"), a.model_spec),
            (_("Brand"), a.brand),
            (_("Quantity"), f"{a.quantity} {a.unit}"),
            (_("Building"), a.room.building.name if a.room_id else None),
            (_("Room"), room),
            (_("Custodian"), custodian),
            (_("Valuable item"), a.is_valuable),
            (_("Note"), a.note),
        ] + ([(_("Disposed on"), a.disposed_on)] if a.disposed_on else [])

    def purchase_fields(self):
        a = self.object
        return [
            (_("Source"), a.get_source_display()),
            (_("Supplier"), a.supplier.name if a.supplier_id else None),
            (_("Invoice number"), a.invoice_number),
            (_("Unit price"), a.price),
            (_("Value"), a.total_value),
            (_("Acquired on"), a.purchase_date),
            (_("In service from"), a.in_service_date),
            (_("Warranty until"), a.warranty_until),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        active = a.status != Asset.Status.DISPOSED
        repair_url = None
        if a.status in Asset.ACTIVE_STATUSES and has_perm(request, "maintenance.report_repairs"):
            repair_url = _optional_url("maintenance:repair_create", campus=request.campus.code)
            if repair_url:
                repair_url += f"?asset={a.pk}"
                if a.room_id:
                    repair_url += f"&room={a.room_id}"
        ctx.update(
            {
                "purchase_fields": self.purchase_fields(),
                "update_url": self.url("update", pk=a.pk) if manage and active else None,
                "delete_url": None,
                "can_write": attachables.may_write(request, a),
                "photos": [x for x in ctx.get("attachment_list", []) if x.thumbnail],
                "panels": [
                    (
                        panel,
                        render_to_string(panel.template_name, {"campus": request.campus, **context}, request),
                    )
                    for panel, context in panels_for(request, a)
                ],
                "repair_url": repair_url,
                "qr_image": qr_data_uri(a, scale=5),
                "qr_address": qr_url(a),
                "label_url": _url(request, "assets:label_sheet") + f"?ids={a.pk}",
                "status_form": StatusForm(campus=request.campus, current=a.status)
                if manage and active
                else None,
                "move_form": MoveForm(
                    campus=request.campus, initial={"room": a.room_id, "custodian": a.custodian_id}
                )
                if manage and active
                else None,
            }
        )
        return ctx


class AssetFormView(AssetMixin, ObjectFormView):
    form_class = AssetForm

    def get_title(self):
        return _("Register an asset") if self.is_create else _("Edit %(what)s") % {"what": self.object}

    def get_object(self):
        obj = super().get_object()
        if obj.status == Asset.Status.DISPOSED:
            raise PermissionDenied(_("This asset has been disposed of; its card can no longer be changed."))
        return obj

    def get_initial(self):
        initial = super().get_initial()
        for key in ("room", "category", "custodian"):
            value = self.request.GET.get(key, "")
            initial[key] = int(value) if value.isdigit() else None
        return {k: v for k, v in initial.items() if v is not None}

    def save_object(self, form, instance, before):
        data = {name: form.cleaned_data.get(name) for name in services.ASSET_FIELDS if name in form.fields}
        data["is_valuable"] = form.cleaned_data.get("is_valuable", False)
        if self.is_create:
            return services.asset_create(
                actor=self.request.user,
                campus=self.request.campus,
                data=data,
                photos=form.cleaned_data.get("photos") or [],
            )
        data.pop("status", None)
        return services.asset_update(actor=self.request.user, asset=self.object, data=data)


def _asset(pk):
    return get_object_or_404(Asset.objects.select_related("campus"), pk=pk)


def _back(request, asset, message=None, error=None):
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(_url(request, "assets:asset_detail", pk=asset.pk))


def _form_errors(form):
    return " ".join(
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
        for k, v in form.errors.items()
    )


@campus_view(MANAGE)
@require_POST
def asset_status(request, campus, pk):
    asset = _asset(pk)
    form = StatusForm(request.POST, campus=request.campus, current=asset.status)
    if not form.is_valid():
        return _back(request, asset, error=_form_errors(form))
    try:
        services.asset_set_status(
            actor=request.user,
            asset=asset,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        return _back(request, asset, error=" ".join(exc.messages))
    return _back(
        request, asset, _("The status is now “%(status)s”.") % {"status": asset.get_status_display()}
    )


@campus_view(MANAGE)
@require_POST
def asset_move(request, campus, pk):
    asset = _asset(pk)
    form = MoveForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _back(request, asset, error=_form_errors(form))
    try:
        services.asset_move(
            actor=request.user,
            asset=asset,
            room=form.cleaned_data["room"],
            custodian=form.cleaned_data["custodian"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        return _back(request, asset, error=" ".join(exc.messages))
    return _back(request, asset, _("Moved to %(room)s.") % {"room": asset.room})


# --- Rooms and people ---------------------------------------------------------------------


def _holding_context(request, qs):
    assets = list(
        qs.select_related("category", "room", "custodian").order_by("category__kind", "category__name", "tag")
    )
    return {
        "assets": assets,
        "total_items": sum(a.quantity for a in assets),
        "total_value": sum((a.total_value for a in assets), ZERO),
        "valuable": sum(1 for a in assets if a.is_valuable),
        "print": request.GET.get("print") == "1",
    }


class RoomAssetsView(AssetMixin, CampusViewMixin, TemplateView):
    """A room's property list (室室有人管), the list a class teacher signs at hand-over."""

    template_name = "assets/room_assets.html"
    print_template = "assets/room_assets_print.html"

    def get(self, request, *args, **kwargs):
        self.room = get_object_or_404(Room.objects.select_related("building", "keeper"), pk=kwargs["pk"])
        if request.GET.get("print") == "1":
            self.template_name = self.print_template
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Property of %(room)s") % {"room": self.room}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        room = self.room
        from houqin.core.models import SchoolClass

        ctx.update(
            _holding_context(
                self.request, Asset.objects.filter(room=room).exclude(status=Asset.Status.DISPOSED)
            )
        )
        ctx.update(
            {
                "room": room,
                "school_class": SchoolClass.objects.filter(room=room, is_active=True)
                .select_related("head_teacher")
                .first(),
                "print_url": "?print=1",
                "list_url": _url(self.request, "assets:asset_list") + f"?room={room.pk}",
                "create_url": _url(self.request, "assets:asset_create") + f"?room={room.pk}"
                if ctx["can_write"]
                else None,
                "label_url": _url(self.request, "assets:label_sheet") + f"?room={room.pk}",
            }
        )
        return ctx


class PersonAssetsView(AssetMixin, CampusViewMixin, TemplateView):
    """What a custodian holds (物物有人管, 贵重物品落实到人)."""

    template_name = "assets/person_assets.html"
    print_template = "assets/person_assets_print.html"

    def get(self, request, *args, **kwargs):
        qs = Asset.objects.filter(custodian_id=kwargs["pk"]).exclude(status=Asset.Status.DISPOSED)
        self.person = campus_users(request.campus).filter(pk=kwargs["pk"]).first()
        if self.person is None:
            holder = qs.select_related("custodian").first()
            if holder is None:
                raise Http404
            self.person = holder.custodian
        self.holdings = qs
        if request.GET.get("print") == "1":
            self.template_name = self.print_template
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Assets held by %(person)s") % {"person": self.person.display_name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(_holding_context(self.request, self.holdings))
        ctx.update(
            {
                "person": self.person,
                "print_url": "?print=1",
                "list_url": _url(self.request, "assets:asset_list") + f"?custodian={self.person.pk}",
            }
        )
        return ctx


# --- Import -------------------------------------------------------------------------------


class AssetImportView(ImportView):
    """Upload an .xlsx of assets: everything is checked, nothing is imported unless all rows are valid."""

    template_name = "assets/asset_import.html"
    permission_required = MANAGE
    write_permission = MANAGE
    title = gettext_lazy("Import assets from Excel")
    form_class = XlsxUploadForm
    template_url_name = "assets:asset_import_template"
    list_url_name = "assets:asset_list"
    success_message = gettext_lazy("Imported %(n)s assets from %(file)s.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["categories"] = AssetCategory.objects.filter(is_active=True).values_list("name", flat=True)
        ctx["headers"] = importers.HEADERS
        ctx["required_headers"] = importers.REQUIRED_HEADERS
        ctx["statuses"] = importers.TEMPLATE_STATUSES
        ctx["threshold"] = services.valuable_threshold(self.request.campus)
        return ctx

    def run_import(self, upload):
        return importers.asset_import(actor=self.request.user, campus=self.request.campus, file=upload)


@campus_view(MANAGE)
def asset_import_template(request, campus):
    response = HttpResponse(
        importers.asset_template(request.campus),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, _("assets-import-template") + ".xlsx")
    return response


# --- Summary ------------------------------------------------------------------------------


def _summary_groupings():
    return {
        "category": (
            _("By category"),
            ("category_id", "category__name", "category__kind"),
            ("category__kind", "category__name"),
        ),
        "building": (
            _("By building"),
            ("room__building_id", "room__building__name"),
            ("room__building__name",),
        ),
        "room": (
            _("By room"),
            ("room_id", "room__code", "room__name", "room__building__name"),
            ("room__building__name", "room__code"),
        ),
    }


class AssetSummaryView(AssetMixin, CampusViewMixin, TemplateView):
    """Counts, items and values of the active register grouped by category, building or room."""

    template_name = "assets/asset_summary.html"

    def get_title(self):
        return _("Asset summary")

    def rows(self):
        by = self.request.GET.get("by", "category")
        groupings = _summary_groupings()
        if by not in groupings:
            by = "category"
        label, keys, order = groupings[by]
        qs = Asset.objects.exclude(status=Asset.Status.DISPOSED)
        kind = self.request.GET.get("kind", "")
        if kind in AssetCategory.Kind.values:
            qs = qs.filter(category__kind=kind)
        grouped = (
            qs.values(*keys)
            .annotate(
                n=Count("id"),
                items=Coalesce(Sum("quantity"), 0),
                value=Coalesce(Sum(VALUE), ZERO, output_field=DecimalField()),
                valuable=Count("id", filter=Q(is_valuable=True)),
                attention=Count(
                    "id",
                    filter=Q(
                        status__in=[Asset.Status.DAMAGED, Asset.Status.MISSING, Asset.Status.UNDER_REPAIR]
                    ),
                ),
            )
            .order_by(*order)
        )
        kinds = dict(AssetCategory.Kind.choices)
        list_url = _url(self.request, "assets:asset_list")
        out = []
        for row in grouped:
            if by == "category":
                name = row["category__name"]
                extra = kinds.get(row["category__kind"], "")
                link = f"{list_url}?category={row['category_id']}"
            elif by == "building":
                name = row["room__building__name"] or _("No room")
                extra = ""
                link = f"{list_url}?building={row['room__building_id']}" if row["room__building_id"] else ""
            else:
                name = f"{row['room__code']} {row['room__name']}" if row["room_id"] else _("No room")
                extra = row["room__building__name"] or ""
                link = _url(self.request, "assets:room_assets", pk=row["room_id"]) if row["room_id"] else ""
            out.append({**row, "name": name, "extra": extra, "link": link})
        return by, label, out

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            from houqin.core.exports import xlsx_response

            by, label, rows = self.rows()
            title = f"{_('Asset summary')} {label}"
            return xlsx_response(
                filename=f"{title}-{request.campus.display_name}.xlsx",
                title=title,
                columns=[
                    (label, "name"),
                    (_("Kind") if by == "category" else _("Building"), "extra"),
                    (_("Cards"), "n"),
                    (_("Items"), "items"),
                    (_("Value (yuan)"), "value"),
                    (_("Valuable items"), "valuable"),
                    (_("Needing attention"), "attention"),
                ],
                rows=rows,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        by, label, rows = self.rows()
        ctx.update(
            {
                "by": by,
                "by_label": label,
                "groupings": [(key, value[0]) for key, value in _summary_groupings().items()],
                "rows": rows,
                "kind": self.request.GET.get("kind", ""),
                "kinds": AssetCategory.Kind.choices,
                "totals": {
                    "n": sum(r["n"] for r in rows),
                    "items": sum(r["items"] for r in rows),
                    "value": sum((r["value"] for r in rows), ZERO),
                    "valuable": sum(r["valuable"] for r in rows),
                    "attention": sum(r["attention"] for r in rows),
                },
                "can_export": has_perm(self.request, "core.export"),
                "querystring": self.request.GET.urlencode(),
            }
        )
        return ctx


# --- The public page of an asset label ----------------------------------------------------


@public_view
def qr_asset(request, token):
    """/q/a/<token>/: what a printed asset label opens. Staff of the asset's campus who may
    see the register go to the asset's page; everyone else sees its name, tag, room and
    status (no price, no phone number) and may report a fault."""
    asset = services.asset_by_qr_token(token)
    if asset is None:
        raise Http404
    if request.user.is_authenticated and VIEW in perms_for_user_on_campus(request.user, asset.campus)[1]:
        return redirect(reverse("assets:asset_detail", kwargs={"campus": asset.campus.code, "pk": asset.pk}))
    return render(
        request,
        "assets/asset_qr.html",
        {
            "asset": asset,
            "asset_campus": asset.campus,
            "campus": None,
            "title": asset.name,
            "status_badge": status_badge(asset),
            "repair_url": _optional_url("qr_asset_repair", token=asset.qr_token)
            if asset.status in Asset.ACTIVE_STATUSES
            else None,
        },
    )


qr_urlpatterns = [path("q/a/<str:token>/", qr_asset, name="qr_asset")]

urlpatterns = [
    path("categories/", CategoryListView.as_view(), name="category_list"),
    path("categories/new/", CategoryFormView.as_view(), name="category_create"),
    path("categories/<int:pk>/", CategoryDetailView.as_view(), name="category_detail"),
    path("categories/<int:pk>/edit/", CategoryFormView.as_view(), name="category_update"),
    path("categories/<int:pk>/delete/", CategoryDeleteView.as_view(), name="category_delete"),
    path("register/", AssetListView.as_view(), name="asset_list"),
    path("register/new/", AssetFormView.as_view(), name="asset_create"),
    path("register/print/", LedgerPrintView.as_view(), name="ledger_print"),
    path("register/labels/", LabelSheetView.as_view(), name="label_sheet"),
    path("register/import/", AssetImportView.as_view(), name="asset_import"),
    path("register/import/template.xlsx", asset_import_template, name="asset_import_template"),
    path("register/<int:pk>/", AssetDetailView.as_view(), name="asset_detail"),
    path("register/<int:pk>/edit/", AssetFormView.as_view(), name="asset_update"),
    path("register/<int:pk>/status/", asset_status, name="asset_status"),
    path("register/<int:pk>/move/", asset_move, name="asset_move"),
    path("rooms/<int:pk>/", RoomAssetsView.as_view(), name="room_assets"),
    path("people/<int:pk>/", PersonAssetsView.as_view(), name="person_assets"),
    path("summary/", AssetSummaryView.as_view(), name="asset_summary"),
]
