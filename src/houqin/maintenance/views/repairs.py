"""Repairs (报修 and 维修单): the request ledger, "my repairs", the work orders, the
request page with its transitions and the printable slip, the statistics per term, and
the public pages behind the labels (report from a room or asset QR code, follow the
status and sign off without logging in).

Reads of another person's request are limited: ``view_repairs`` sees every request,
everybody else (``report_repairs``) their own reports and the work orders given to them
(anything else is 404).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django_scopes import scope

from houqin.core import attachables
from houqin.core.attachments import attachments_for
from houqin.core.middleware import client_ip
from houqin.core.permissions import campus_view, has_perm, public_view
from houqin.core.qr import qr_rate_limited
from houqin.core.selectors import room_by_qr_token
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.maintenance import services
from houqin.maintenance.filters import MyRepairFilter, RepairFilter, WorkOrderFilter
from houqin.maintenance.forms import (
    DispatchForm,
    FinishForm,
    NoteForm,
    PartForm,
    QrRepairForm,
    QrSignForm,
    ReasonForm,
    RepairEditForm,
    RepairForm,
    ReportForm,
    WorkForm,
)
from houqin.maintenance.models import RepairRequest, WorkOrder, WorkOrderPart

VIEW, REPORT, DISPATCH, WORK, REPORTS = (
    "maintenance.view_repairs",
    "maintenance.report_repairs",
    "maintenance.dispatch_repairs",
    "maintenance.work_repairs",
    "maintenance.view_reports",
)
STATUS_COLOURS = {
    "reported": "azure",
    "dispatched": "blue",
    "in_progress": "indigo",
    "done": "purple",
    "closed": "green",
    "cancelled": "secondary",
}
URGENCY_COLOURS = {"normal": "secondary", "urgent": "orange", "safety": "red"}


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def status_badge(r):
    return badge(STATUS_COLOURS.get(r.status, "secondary"), r.get_status_display(), r.status)


def urgency_badge(r):
    return badge(URGENCY_COLOURS.get(r.urgency, "secondary"), r.get_urgency_display(), r.urgency)


def local(value):
    return timezone.localtime(value) if value is not None else None


def _order_of(r):
    try:
        return r.work_order
    except WorkOrder.DoesNotExist:
        return None


def due_cell(order):
    if order is None or order.due_at is None:
        return None
    due = local(order.due_at)
    if order.is_overdue:
        hours = int((timezone.now() - order.due_at).total_seconds() // 3600)
        return format_html(
            '<span class="text-danger fw-bold" data-overdue="1">{} <span class="badge bg-red">{}</span></span>',
            due.strftime("%m-%d %H:%M"),
            _("%(hours)s h late") % {"hours": hours},
        )
    return due.strftime("%m-%d %H:%M")


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    return " ".join(str(m) for m in exc.messages)


def _assignee(r):
    order = _order_of(r)
    return order.assignee_display if order else None


# --- Lists --------------------------------------------------------------------------------


class RepairMixin:
    model = RepairRequest
    url_base = "maintenance:repair"
    permission_required = VIEW
    write_permission = REPORT


class RepairListView(RepairMixin, ObjectListView):
    """报修单: every request of the campus, with filters, export and the due times."""

    template_name = "maintenance/repair_list.html"
    filterset_class = RepairFilter
    search_fields = ("number", "description", "place_text", "reporter_name")
    pinyin_field = ""
    title = gettext_lazy("Repair requests (报修)")
    create_label = gettext_lazy("Report a repair")
    export_filename = "repairs"
    select_related = (
        "room", "building", "reporter", "asset", "work_order", "work_order__worker", "work_order__supplier",
    )  # fmt: skip
    ordering = ("-reported_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Reported"), lambda r: local(r.reported_at)),
        Column(gettext_lazy("Place"), "place"),
        Column(gettext_lazy("Category"), "get_category_display"),
        Column(gettext_lazy("Urgency"), urgency_badge, export=False),
        Column(gettext_lazy("What is wrong"), "short_description", css="text-wrap"),
        Column(gettext_lazy("Reported by"), "reporter_display"),
        Column(gettext_lazy("Done by"), _assignee),
        Column(gettext_lazy("Due by"), lambda r: due_cell(_order_of(r)), export=False),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]

    @property
    def export_columns(self):
        def order_value(name):
            return lambda r: getattr(_order_of(r), name, None) if _order_of(r) else None

        return [
            Column(_("Number"), "number"),
            Column(_("Reported"), lambda r: local(r.reported_at)),
            Column(_("Place"), "place"),
            Column(_("Asset"), "asset"),
            Column(_("Category"), "get_category_display"),
            Column(_("Urgency"), "get_urgency_display"),
            Column(_("What is wrong"), "description"),
            Column(_("Source"), "get_source_display"),
            Column(_("Reported by"), "reporter_display"),
            Column(_("Status"), "get_status_display"),
            Column(_("Done by"), _assignee),
            Column(_("Dispatched"), lambda r: local(order_value("dispatched_at")(r))),
            Column(_("Due by"), lambda r: local(order_value("due_at")(r))),
            Column(_("Overdue"), lambda r: bool(_order_of(r) and _order_of(r).is_overdue)),
            Column(_("Done"), lambda r: local(order_value("done_at")(r))),
            Column(_("Work done"), order_value("work_done")),
            Column(_("Parts cost (yuan)"), order_value("parts_cost")),
            Column(_("Labour / contractor cost (yuan)"), order_value("labour_cost")),
            Column(_("Times sent back"), order_value("reopened_count")),
            Column(_("Signed off by"), order_value("signed_off_name")),
            Column(_("Closed"), lambda r: local(r.closed_at)),
            Column(_("Cancel reason"), "cancel_reason"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["overdue_count"] = services.overdue_orders(self.request.campus).count()
        ctx["to_dispatch_count"] = RepairRequest.objects.filter(status=RepairRequest.Status.REPORTED).count()
        return ctx


class MyRepairListView(RepairListView):
    """我的报修: the requests the user reported, with their status."""

    template_name = "maintenance/repair_mine.html"
    permission_required = REPORT
    filterset_class = MyRepairFilter
    title = gettext_lazy("My repairs")

    def get_queryset(self):
        return super().get_queryset().filter(reporter=self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super(RepairListView, self).get_context_data(**kwargs)
        ctx["to_sign"] = list(
            RepairRequest.objects.filter(reporter=self.request.user, status=RepairRequest.Status.DONE)
            .exclude(work_order__done_by=self.request.user)
            .select_related("room", "building")
            .order_by("reported_at")[:20]
        )
        return ctx


class WorkOrderListView(ObjectListView):
    """维修单: the dispatched jobs with who does them, by when, and the cost."""

    model = WorkOrder
    url_base = "maintenance:workorder"
    permission_required = VIEW
    write_permission = ""
    template_name = "maintenance/workorder_list.html"
    filterset_class = WorkOrderFilter
    search_fields = ("request__number", "request__description", "contractor_name")
    pinyin_field = ""
    title = gettext_lazy("Work orders (维修单)")
    export_filename = "work-orders"
    select_related = ("request", "request__room", "request__building", "worker", "supplier")
    ordering = ("-dispatched_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "request.number", link=True),
        Column(gettext_lazy("Place"), "request.place"),
        Column(gettext_lazy("What is wrong"), "request.short_description", css="text-wrap"),
        Column(gettext_lazy("Done by"), "assignee_display"),
        Column(gettext_lazy("Dispatched"), lambda o: local(o.dispatched_at)),
        Column(gettext_lazy("Due by"), due_cell, export=False),
        Column(gettext_lazy("Cost (yuan)"), "total_cost"),
        Column(gettext_lazy("Sent back"), "reopened_count"),
        Column(gettext_lazy("Status"), lambda o: status_badge(o.request), export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Number"), "request.number"),
            Column(_("Reported"), lambda o: local(o.request.reported_at)),
            Column(_("Place"), "request.place"),
            Column(_("Category"), "request.get_category_display"),
            Column(_("Urgency"), "request.get_urgency_display"),
            Column(_("What is wrong"), "request.description"),
            Column(_("Done by"), "get_kind_display"),
            Column(_("Repair worker or contractor"), "assignee_display"),
            Column(_("Dispatched"), lambda o: local(o.dispatched_at)),
            Column(_("Due by"), lambda o: local(o.due_at)),
            Column(_("Overdue"), "is_overdue"),
            Column(_("Started"), lambda o: local(o.started_at)),
            Column(_("Done"), lambda o: local(o.done_at)),
            Column(_("Hours to fix"), "hours_to_fix"),
            Column(_("Same day"), "same_day"),
            Column(_("Work done"), "work_done"),
            Column(_("Parts cost (yuan)"), "parts_cost"),
            Column(_("Labour / contractor cost (yuan)"), "labour_cost"),
            Column(_("Total cost (yuan)"), "total_cost"),
            Column(_("Times sent back"), "reopened_count"),
            Column(_("Signed off by"), "signed_off_name"),
            Column(_("Signed off"), lambda o: local(o.signed_off_at)),
            Column(_("Status"), "request.get_status_display"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["overdue_count"] = services.overdue_orders(self.request.campus).count()
        return ctx


@campus_view(VIEW)
def workorder_detail(request, campus, pk):
    """A work order is shown on its request's page."""
    order = get_object_or_404(WorkOrder.objects.only("id", "request_id"), pk=pk)
    return HttpResponseRedirect(campus_url(request, "maintenance:repair_detail", pk=order.request_id))


# --- Report a repair and correct it -------------------------------------------------------


class RepairCreateView(RepairMixin, ObjectFormView):
    permission_required = REPORT
    form_class = RepairForm
    template_name = "maintenance/repair_form.html"

    def get_title(self):
        return _("Report a repair") if self.is_create else _("Edit %(what)s") % {"what": self.object}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.is_create:
            # validated like the row the service will save: reported by the user
            kwargs["instance"] = RepairRequest(campus=self.request.campus, reporter=self.request.user)
        return kwargs

    def get_initial(self):
        initial = {}
        for name in ("room", "asset"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def save_object(self, form, instance, before):
        data = form.cleaned_data
        if self.is_create:
            return services.repair_request_create(
                actor=self.request.user,
                campus=self.request.campus,
                description=data["description"],
                room=data.get("room"),
                asset=data.get("asset"),
                place_text=data.get("place_text", ""),
                category=data.get("category") or None,
                urgency=data["urgency"],
                photos=data.get("photos") or [],
            )
        return services.repair_update(
            actor=self.request.user,
            repair=self.object,
            data={name: data.get(name) for name in services.REPAIR_EDIT_FIELDS if name in form.fields},
        )

    def get_success_url(self):
        return campus_url(self.request, "maintenance:repair_detail", pk=self.object.pk)


class RepairUpdateView(RepairCreateView):
    permission_required = DISPATCH
    write_permission = DISPATCH
    form_class = RepairEditForm

    def get_queryset(self):
        return RepairRequest.objects.filter(status__in=RepairRequest.ACTIVE_STATUSES)

    def get_initial(self):
        return {}


# --- The request page -----------------------------------------------------------------------


def _visible(request):
    return services.visible_repairs(request.user, request.perms).select_related(
        "room", "building", "asset", "reporter", "cancelled_by", "origin_type",
        "work_order", "work_order__worker", "work_order__supplier", "work_order__dispatched_by",
        "work_order__done_by", "work_order__signed_off_by",
    )  # fmt: skip


class RepairDetailView(RepairMixin, ObjectDetailView):
    template_name = "maintenance/repair_detail.html"
    permission_required = REPORT
    write_permission = ""

    def get_queryset(self):
        return _visible(self.request)

    def detail_fields(self):
        r = self.object
        fields = [
            (_("Number"), r.number),
            (_("Status"), status_badge(r)),
            (_("Reported"), local(r.reported_at)),
            (_("Place"), r.place),
            (_("Asset"), r.asset),
            (_("Category"), r.get_category_display()),
            (_("Urgency"), urgency_badge(r)),
            (_("What is wrong"), r.description),
            (_("Source"), r.get_source_display()),
            (_("Reported by"), r.reporter_display),
        ]
        if r.reporter_id and r.reporter_phone:
            fields.append((_("Reporter's phone"), r.reporter_phone))
        if r.status == RepairRequest.Status.CANCELLED:
            fields += [
                (_("Cancelled by"), r.cancelled_by),
                (_("Cancelled at"), local(r.cancelled_at)),
                (_("Cancel reason"), r.cancel_reason),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        campus = request.campus
        order = _order_of(r)
        perms = request.perms
        dispatch = has_perm(request, DISPATCH)
        working = services.can_work(request.user, r, perms, order=order)
        photos = list(attachments_for(r))
        parts = list(order.parts.select_related("item", "location").order_by("id")) if order else []
        origin = r.origin if r.origin_id else None
        ctx.update(
            {
                "order": order,
                "parts": parts,
                "can_write": attachables.may_write(request, r),
                "update_url": campus_url(request, "maintenance:repair_update", pk=r.pk)
                if dispatch and r.status in RepairRequest.ACTIVE_STATUSES
                else None,
                "delete_url": None,
                "list_url": campus_url(request, "maintenance:repair_list")
                if has_perm(request, VIEW)
                else campus_url(request, "maintenance:repair_mine"),
                "print_url": campus_url(request, "maintenance:repair_print", pk=r.pk),
                "before_photos": [a for a in photos if a.kind != "after"],
                "after_photos": [a for a in photos if a.kind == "after"],
                "origin": origin,
                "origin_url": attachables.object_url(origin, campus.code) if origin is not None else "",
                "dispatch_form": _dispatch_form(request, r, order)
                if dispatch and r.status in RepairRequest.OPEN_STATUSES
                else None,
                "can_start": working and r.status == RepairRequest.Status.DISPATCHED,
                # a leader may record the work for the worker: folded away unless it is a contractor's job
                "work_folded": working and order.kind == WorkOrder.Kind.IN_HOUSE and order.worker_id != request.user.pk,
                "work_form": WorkForm(
                    campus=campus,
                    initial={"work_done": order.work_done, "labour_cost": order.labour_cost},
                    prefix="work",
                )
                if working
                else None,
                "part_form": PartForm(campus=campus, prefix="part") if working else None,
                "finish_form": FinishForm(
                    campus=campus,
                    initial={"work_done": order.work_done, "labour_cost": order.labour_cost},
                    prefix="finish",
                )
                if working
                else None,
                "part_void_form": ReasonForm(campus=campus, prefix="void") if working else None,
                "sign_form": NoteForm(campus=campus, prefix="sign")
                if services.can_sign_off(request.user, r, perms, order=order)
                else None,
                "send_back_form": ReasonForm(campus=campus, prefix="back")
                if services.can_sign_off(request.user, r, perms, order=order)
                else None,
                "cancel_form": ReasonForm(campus=campus, prefix="cancel")
                if dispatch and r.status in RepairRequest.OPEN_STATUSES
                else None,
                "status_link": request.build_absolute_uri(services.status_url(r))
                if r.reporter_phone
                and r.status in RepairRequest.ACTIVE_STATUSES
                and (dispatch or r.reporter_id == request.user.pk)
                else "",
            }
        )
        return ctx


def _dispatch_form(request, repair, order):
    initial = {}
    if order is not None:
        initial = {
            "worker": order.worker_id,
            "contractor_name": order.contractor_name,
            "contractor_phone": order.contractor_phone,
            "instructions": order.instructions,
            "due_at": local(order.due_at).strftime("%Y-%m-%dT%H:%M"),
        }
    return DispatchForm(campus=request.campus, initial=initial, prefix="dispatch")


def _repair(request, pk):
    return get_object_or_404(_visible(request), pk=pk)


def _back(request, repair):
    return HttpResponseRedirect(campus_url(request, "maintenance:repair_detail", pk=repair.pk))


def _done(request, repair, message):
    messages.success(request, message)
    return _back(request, repair)


def _failed(request, repair, exc):
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You do not have permission to do this."))
    else:
        messages.error(request, error_text(exc))
    return _back(request, repair)


def _form_error(request, repair, form):
    messages.error(
        request,
        " ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
            for k, v in form.errors.items()
        ),
    )
    return _back(request, repair)


@campus_view(DISPATCH)
@require_POST
def repair_dispatch(request, campus, pk):
    repair = _repair(request, pk)
    form = DispatchForm(request.POST, campus=request.campus, prefix="dispatch")
    if not form.is_valid():
        return _form_error(request, repair, form)
    data = form.cleaned_data
    try:
        order = services.repair_dispatch(
            actor=request.user,
            repair=repair,
            worker=data.get("worker"),
            contractor_name=data.get("contractor_name", ""),
            contractor_phone=data.get("contractor_phone", ""),
            due_at=data.get("due_at"),
            instructions=data.get("instructions", ""),
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(
        request,
        repair,
        _("Dispatched to %(who)s, due %(due)s.")
        % {"who": order.assignee_display, "due": local(order.due_at).strftime("%m-%d %H:%M")},
    )


@campus_view(WORK)
@require_POST
def repair_start(request, campus, pk):
    repair = _repair(request, pk)
    try:
        services.work_order_start(actor=request.user, repair=repair)
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Started."))


@campus_view(WORK)
@require_POST
def repair_work(request, campus, pk):
    repair = _repair(request, pk)
    form = WorkForm(request.POST, campus=request.campus, prefix="work")
    if not form.is_valid():
        return _form_error(request, repair, form)
    try:
        services.work_order_record(
            actor=request.user,
            repair=repair,
            work_done=form.cleaned_data["work_done"],
            labour_cost=form.cleaned_data["labour_cost"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Saved."))


@campus_view(WORK)
@require_POST
def repair_part_add(request, campus, pk):
    repair = _repair(request, pk)
    form = PartForm(request.POST, campus=request.campus, prefix="part")
    if not form.is_valid():
        return _form_error(request, repair, form)
    data = form.cleaned_data
    try:
        part = services.work_order_add_part(
            actor=request.user,
            repair=repair,
            quantity=data["quantity"],
            item=data.get("item"),
            location=data.get("location"),
            description=data.get("description", ""),
            unit=data.get("unit", ""),
            unit_price=data.get("unit_price"),
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Part added: %(part)s, %(amount)s yuan.") % {"part": part, "amount": part.amount})


@campus_view(WORK)
@require_POST
def repair_part_void(request, campus, pk, part_pk):
    repair = _repair(request, pk)
    part = get_object_or_404(WorkOrderPart, pk=part_pk, work_order__request=repair)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return _form_error(request, repair, form)
    try:
        services.work_order_void_part(actor=request.user, part=part, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("The part line was voided; it stays on the work order."))


@campus_view(WORK)
@require_POST
def repair_finish(request, campus, pk):
    repair = _repair(request, pk)
    form = FinishForm(request.POST, request.FILES, campus=request.campus, prefix="finish")
    if not form.is_valid():
        return _form_error(request, repair, form)
    try:
        services.work_order_finish(
            actor=request.user,
            repair=repair,
            work_done=form.cleaned_data["work_done"],
            labour_cost=form.cleaned_data["labour_cost"],
            photos=form.cleaned_data["photos"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Reported done; the reporter is asked to check and sign it off."))


@campus_view(REPORT)
@require_POST
def repair_sign_off(request, campus, pk):
    repair = _repair(request, pk)
    form = NoteForm(request.POST, campus=request.campus, prefix="sign")
    form.is_valid()
    try:
        services.repair_sign_off(actor=request.user, repair=repair, note=form.cleaned_data.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Signed off: the repair is closed."))


@campus_view(REPORT)
@require_POST
def repair_send_back(request, campus, pk):
    repair = _repair(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="back")
    if not form.is_valid():
        return _form_error(request, repair, form)
    try:
        services.repair_send_back(actor=request.user, repair=repair, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("Sent back to the repair worker."))


@campus_view(DISPATCH)
@require_POST
def repair_cancel(request, campus, pk):
    repair = _repair(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="cancel")
    if not form.is_valid():
        return _form_error(request, repair, form)
    try:
        services.repair_cancel(actor=request.user, repair=repair, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, repair, exc)
    return _done(request, repair, _("The request was cancelled; it stays in the ledger."))


@campus_view(REPORT)
@require_POST
def repair_from_hazard(request, campus, pk):
    """Open a repair for a hazard (or go to the one already opened)."""
    from houqin.safety.models import Hazard

    if not has_perm(request, "safety.view_hazards"):
        raise PermissionDenied
    hazard = get_object_or_404(Hazard, pk=pk)
    back = campus_url(request, "safety:hazard_detail", pk=hazard.pk)
    try:
        repair = services.repair_from_hazard(actor=request.user, hazard=hazard)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(back)
    messages.success(request, _("Repair %(number)s opened for this hazard.") % {"number": repair.number})
    if services.visible_repairs(request.user, request.perms, RepairRequest.objects.filter(pk=repair.pk)).exists():
        return _back(request, repair)
    return HttpResponseRedirect(back)


class RepairPrintView(RepairMixin, CampusViewMixin, TemplateView):
    """The slip (报修单 / 维修单) on half an A4 sheet, with the signature lines."""

    template_name = "maintenance/repair_print.html"
    permission_required = REPORT
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = _repair(request, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Repair slip (报修单 / 维修单)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        order = _order_of(self.object)
        ctx.update(
            {
                "r": self.object,
                "order": order,
                "parts": list(order.parts.filter(voided_at__isnull=True).order_by("id")) if order else [],
            }
        )
        return ctx


# --- Statistics -------------------------------------------------------------------------------


class RepairReportView(CampusViewMixin, TemplateView):
    """维修统计 per term or date range: by category, building, place and worker."""

    template_name = "maintenance/repair_report.html"
    permission_required = REPORTS
    title = gettext_lazy("Repair statistics (维修统计)")
    print_view = False

    def form_data(self):
        from houqin.core.models import Term

        if any(k in self.request.GET for k in ("term", "date_from", "date_to")):
            return self.request.GET.dict()
        today = timezone.localdate()
        term = Term.objects.filter(start_date__lte=today, end_date__gte=today).first()
        if term is None:
            term = Term.objects.filter(start_date__lte=today).order_by("-start_date").first()
        if term is not None:
            return {"term": str(term.pk)}
        return {"date_from": str(today.replace(day=1)), "date_to": str(today)}

    def get(self, request, *args, **kwargs):
        form = ReportForm(self.form_data(), campus=request.campus)
        report = None
        if form.is_valid():
            report = services.repair_report(
                campus=request.campus, date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
            )
            if request.GET.get("export") == "xlsx" and not self.print_view:
                if not has_perm(request, "core.export"):
                    raise PermissionDenied
                return self.export(report, form.cleaned_data.get("term"))
        by = request.GET.get("by", "category")
        if by not in services.REPORT_GROUPS:
            by = "category"
        return self.render_to_response(self.get_context_data(form=form, report=report, by=by))

    def export(self, report, term):
        from houqin.core.exports import xlsx_response

        columns = [
            (_("Grouped by"), "group"),
            (_("Label"), "label"),
            (_("Repairs"), "total"),
            (_("Done"), "done"),
            (_("Closed"), "closed"),
            (_("Not done yet"), "open"),
            (_("Average hours to fix"), "avg_hours"),
            (_("Done the same day (%)"), "same_day_rate"),
            (_("Closed the same day (%)"), "same_day_closed_rate"),
            (_("Sent back (%)"), "reopened_rate"),
            (_("Parts (yuan)"), "parts"),
            (_("Labour (yuan)"), "labour"),
            (_("Cost (yuan)"), "cost"),
        ]
        rows = []
        for by, label in services.REPORT_GROUPS.items():
            rows += [{**entry, "group": str(label)} for entry in report["groups"][by]]
        rows.append({**report["totals"], "group": "", "label": _("Total")})
        period = str(term) if term else f"{report['date_from']:%Y-%m-%d}–{report['date_to']:%Y-%m-%d}"
        return xlsx_response(
            filename=f"repair-statistics-{self.request.campus.display_name}.xlsx",
            title=f"{_('Repair statistics')} {period}",
            columns=columns,
            rows=rows,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report, by = kwargs.get("report"), kwargs.get("by")
        params = self.request.GET.copy()
        params.pop("export", None)
        params.pop("by", None)
        ctx.update(
            {
                "groups": services.REPORT_GROUPS,
                "group_label": services.REPORT_GROUPS.get(by),
                "rows": report["groups"][by] if report else [],
                "all_groups": [(label, report["groups"][key]) for key, label in services.REPORT_GROUPS.items()]
                if report
                else [],
                "querystring": params.urlencode(),
                "can_export": has_perm(self.request, "core.export"),
                "print_url": campus_url(self.request, "maintenance:repair_report_print")
                + (f"?{params.urlencode()}" if params else ""),
                "term": self.form_term(ctx.get("form")),
            }
        )
        return ctx

    @staticmethod
    def form_term(form):
        if form is not None and form.is_valid():
            return form.cleaned_data.get("term")
        return None


class RepairReportPrintView(RepairReportView):
    template_name = "maintenance/repair_report_print.html"
    print_view = True


# --- Public pages behind the labels ------------------------------------------------------------


def _public_report(request, *, room=None, asset=None, back_url):
    """The form a person who scanned a label fills in, without logging in."""
    campus = room.campus if room is not None else asset.campus
    context = {
        "room": room,
        "asset": asset,
        "room_campus": campus,
        "campus": None,
        "back_url": back_url,
        "title": _("Report a repair"),
    }
    if request.method == "POST":
        form = QrRepairForm(request.POST, request.FILES)
        if form.is_valid() and form.cleaned_data.get("website"):
            # a robot filled the hidden field: pretend it worked, record nothing
            return render(request, "maintenance/qr_repair_done.html", {**context, "repair": None})
        targets = [f"room:{room.pk}"] if room is not None else []
        if asset is not None:
            targets.append(f"asset:{asset.pk}")
        if qr_rate_limited(ip=client_ip(request), targets=targets):
            form.add_error(None, _("Too many reports from here in the last hour; please call the logistics office."))
            return render(request, "maintenance/qr_repair.html", {**context, "form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with scope(campus=campus):
                    repair = services.repair_report_from_qr(
                        room=room,
                        asset=asset,
                        name=data["name"],
                        phone=data["phone"],
                        description=data["description"],
                        urgency=data["urgency"],
                        category=data.get("category") or None,
                        photo=data.get("photo"),
                    )
            except ValidationError as exc:
                mapping = {"reporter_name": "name", "reporter_phone": "phone", "photos": "photo"}
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        name = mapping.get(field, field)
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                return render(
                    request,
                    "maintenance/qr_repair_done.html",
                    {**context, "repair": repair, "status_url": request.build_absolute_uri(services.status_url(repair))},
                )
        return render(request, "maintenance/qr_repair.html", {**context, "form": form}, status=400)
    return render(request, "maintenance/qr_repair.html", {**context, "form": QrRepairForm()})


@public_view
def qr_repair_report(request, token):
    """/q/<token>/repair/: report a repair in the room of the label."""
    room = room_by_qr_token(token)
    if room is None:
        raise Http404
    return _public_report(request, room=room, back_url=reverse("qr_landing", kwargs={"token": token}))


@public_view
def qr_asset_repair(request, token):
    """/q/a/<token>/repair/: report a repair of the asset of the label."""
    from houqin.assets.models import Asset
    from houqin.assets.services import asset_by_qr_token

    asset = asset_by_qr_token(token)
    if asset is None or asset.status not in Asset.ACTIVE_STATUSES:
        raise Http404
    try:
        back_url = reverse("qr_asset", kwargs={"token": token})
    except NoReverseMatch:  # the asset label page is optional
        back_url = ""
    return _public_report(request, room=asset.room if asset.room_id else None, asset=asset, back_url=back_url)


@public_view
def qr_repair_status(request, token):
    """/q/r/<token>/: the reporter follows their repair and, once it is done, signs it off
    or sends it back with the phone number they reported with."""
    from houqin.maintenance.selectors import repair_by_status_token, repair_status_context

    repair = repair_by_status_token(token)
    if repair is None:
        raise Http404
    form, status = QrSignForm(), 200
    if request.method == "POST":
        form, status = QrSignForm(request.POST), 400
        action = request.POST.get("action")
        if action not in ("sign", "back"):
            form.add_error(None, _("Choose to sign it off or to send it back."))
        elif qr_rate_limited(ip=client_ip(request), targets=[f"repair:{repair.pk}"]):
            form.add_error(None, _("Too many attempts from here in the last hour; please call the logistics office."))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                with scope(campus=repair.campus):
                    if action == "sign":
                        services.repair_sign_off(actor=None, repair=repair, phone=data["phone"], note=data["note"])
                    else:
                        services.repair_send_back(actor=None, repair=repair, phone=data["phone"], reason=data["note"])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        name = {"reason": "note"}.get(field, field)
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                done = _("Thank you, the repair is closed.") if action == "sign" else _("Sent back to the repair worker.")
                messages.success(request, done)
                return HttpResponseRedirect(request.path)
    return render(
        request,
        "maintenance/qr_repair_status.html",
        {**repair_status_context(repair), "form": form, "campus": None, "title": repair.number},
        status=status,
    )


qr_urlpatterns = [
    path("q/<str:token>/repair/", qr_repair_report, name="qr_repair_report"),
    path("q/a/<str:token>/repair/", qr_asset_repair, name="qr_asset_repair"),
    path("q/r/<str:token>/", qr_repair_status, name="qr_repair_status"),
]

urlpatterns = [
    path("repairs/", RepairListView.as_view(), name="repair_list"),
    path("repairs/mine/", MyRepairListView.as_view(), name="repair_mine"),
    path("repairs/new/", RepairCreateView.as_view(), name="repair_create"),
    path("repairs/report/", RepairReportView.as_view(), name="repair_report"),
    path("repairs/report/print/", RepairReportPrintView.as_view(), name="repair_report_print"),
    path("repairs/<int:pk>/", RepairDetailView.as_view(), name="repair_detail"),
    path("repairs/<int:pk>/edit/", RepairUpdateView.as_view(), name="repair_update"),
    path("repairs/<int:pk>/print/", RepairPrintView.as_view(), name="repair_print"),
    path("repairs/<int:pk>/dispatch/", repair_dispatch, name="repair_dispatch"),
    path("repairs/<int:pk>/start/", repair_start, name="repair_start"),
    path("repairs/<int:pk>/work/", repair_work, name="repair_work"),
    path("repairs/<int:pk>/parts/", repair_part_add, name="repair_part_add"),
    path("repairs/<int:pk>/parts/<int:part_pk>/void/", repair_part_void, name="repair_part_void"),
    path("repairs/<int:pk>/finish/", repair_finish, name="repair_finish"),
    path("repairs/<int:pk>/sign-off/", repair_sign_off, name="repair_sign_off"),
    path("repairs/<int:pk>/send-back/", repair_send_back, name="repair_send_back"),
    path("repairs/<int:pk>/cancel/", repair_cancel, name="repair_cancel"),
    path("repairs/from-hazard/<int:pk>/", repair_from_hazard, name="repair_from_hazard"),
    path("work-orders/", WorkOrderListView.as_view(), name="workorder_list"),
    path("work-orders/<int:pk>/", workorder_detail, name="workorder_detail"),
]
