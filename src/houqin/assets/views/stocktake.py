"""Stocktake pages (盘点): the list, creating one, its page with rooms and counters, counting
room by room on a phone (scanner field, camera, manual tick), the result with the
reconciliation and the adjustments to submit, the printable report and the export.

Every write goes through :mod:`houqin.assets.stocktake_services`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from houqin.assets import stocktake_services as services
from houqin.assets.models import Stocktake, StocktakeAdjustment, StocktakeLine, StocktakeRoom, StocktakeScan
from houqin.assets.stocktake_forms import (
    CountersForm,
    QuantityForm,
    ReasonForm,
    ScanForm,
    StocktakeCreateForm,
    StocktakeEditForm,
    StocktakeFilter,
)
from houqin.core import approvals
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView

VIEW, COUNT, MANAGE = services.VIEW, services.COUNT, services.MANAGE
Result = StocktakeLine.Result
LIST_LIMIT = 100  # rows of each difference list on the result page (all of them in the export)
ADJUSTMENT_LIMIT = 200
PRINT_LIMIT = 1000
RECENT_SCANS = 8

STATUS_COLOURS = {
    "draft": "secondary",
    "counting": "blue",
    "closed": "purple",
    "pending": "yellow",
    "adjusted": "green",
    "cancelled": "secondary",
}
RESULT_COLOURS = {
    "pending": "secondary",
    "found": "green",
    "wrong_room": "orange",
    "missing": "red",
    "unexpected": "purple",
    "unknown": "pink",
}


def status_badge(s):
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>',
        STATUS_COLOURS.get(s.status, "secondary"),
        s.status,
        s.get_status_display(),
    )


def result_badge(line):
    return format_html(
        '<span class="badge bg-{}-lt" data-result="{}">{}</span>',
        RESULT_COLOURS.get(line.result, "secondary"),
        line.result,
        line.get_result_display(),
    )


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    return " ".join(str(m) for m in exc.messages)


def period(s):
    return f"{s.start_date:%Y-%m-%d} – {s.end_date:%Y-%m-%d}"


def progress_cell(s):
    expected = getattr(s, "n_expected", None)
    if expected is None:
        return None
    counted = s.n_counted
    percent = round(100 * counted / expected) if expected else 100
    return format_html(
        '<div class="d-flex align-items-center gap-2" data-progress="{}/{}">'
        '<div class="progress progress-sm" style="width:4rem"><div class="progress-bar" style="width:{}%"></div></div>'
        "<span>{} / {}</span></div>",
        counted, expected, percent, counted, expected,
    )  # fmt: skip


def with_progress(qs):
    """Expected and counted lines per stocktake: one JOIN + GROUP BY, no per-row query."""
    return qs.annotate(
        n_expected=Count("lines", filter=Q(lines__expected=True)),
        n_counted=Count(
            "lines", filter=Q(lines__expected=True, lines__result__in=(Result.FOUND, Result.WRONG_ROOM))
        ),
    )


# --- List, create, edit -------------------------------------------------------------------


class StocktakeMixin:
    model = Stocktake
    url_base = "assets:stocktake"
    permission_required = VIEW
    write_permission = MANAGE


class StocktakeListView(StocktakeMixin, ObjectListView):
    filterset_class = StocktakeFilter
    search_fields = ("title", "number")
    pinyin_field = ""
    title = gettext_lazy("Stocktakes (盘点)")
    create_label = gettext_lazy("New stocktake")
    ordering = ("-start_date", "-id")
    select_related = ("created_by",)
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Title"), "title", css="text-wrap"),
        Column(gettext_lazy("Scope"), "get_scope_display"),
        Column(gettext_lazy("Period"), period),
        Column(gettext_lazy("Status"), status_badge, export=False),
        Column(gettext_lazy("Counted"), progress_cell, export=False),
    ]
    export_columns = [
        Column(gettext_lazy("Number"), "number"),
        Column(gettext_lazy("Title"), "title"),
        Column(gettext_lazy("Scope"), "get_scope_display"),
        Column(gettext_lazy("Starts on"), "start_date"),
        Column(gettext_lazy("Ends on"), "end_date"),
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Expected"), "n_expected"),
        Column(gettext_lazy("Counted"), "n_counted"),
        Column(gettext_lazy("Created by"), "created_by"),
    ]

    def get_queryset(self):
        return with_progress(super().get_queryset())


class StocktakeCreateView(StocktakeMixin, CampusViewMixin, FormView):
    form_class = StocktakeCreateForm
    template_name = "assets/stocktake_form.html"
    permission_required = MANAGE

    def get_title(self):
        return _("New stocktake")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campus": self.request.campus}

    def form_valid(self, form):
        data = form.cleaned_data
        rooms = list(data["rooms"]) if data["scope"] == Stocktake.Scope.ROOMS else []
        try:
            stocktake = services.stocktake_create(
                actor=self.request.user,
                campus=self.request.campus,
                data={k: data[k] for k in ("title", "scope", "start_date", "end_date", "note")},
                rooms=rooms,
                buildings=list(data["buildings"]) if data["scope"] == Stocktake.Scope.BUILDINGS else [],
                categories=list(data["categories"]),
                all_counters=list(data["counters"]),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Stocktake %(number)s created; its expected list is frozen. Check the counters, then start counting."
            )
            % {"number": stocktake.number},
        )
        return HttpResponseRedirect(campus_url(self.request, "assets:stocktake_detail", pk=stocktake.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "assets:stocktake_list")
        return ctx


class StocktakeUpdateView(StocktakeMixin, CampusViewMixin, FormView):
    form_class = StocktakeEditForm
    template_name = "generic/form.html"
    permission_required = MANAGE

    def get_object(self):
        if not hasattr(self, "object"):
            self.object = get_object_or_404(Stocktake, pk=self.kwargs["pk"])
        return self.object

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.get_object()}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campus": self.request.campus}

    def get_initial(self):
        s = self.get_object()
        return {"title": s.title, "start_date": s.start_date, "end_date": s.end_date, "note": s.note}

    def form_valid(self, form):
        s = self.get_object()
        try:
            services.stocktake_update(actor=self.request.user, stocktake=s, data=form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(campus_url(self.request, "assets:stocktake_detail", pk=s.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "assets:stocktake_detail", pk=self.get_object().pk)
        return ctx


# --- Detail -------------------------------------------------------------------------------


def _rooms_with_progress(stocktake):
    """[(StocktakeRoom, RoomProgress)] in three queries."""
    progress = services.room_progress(stocktake)
    st_rooms = (
        StocktakeRoom.objects.filter(stocktake=stocktake)
        .select_related("room", "room__building")
        .prefetch_related("counters")
    )
    return [(r, progress.get(r.room_id, services.RoomProgress())) for r in st_rooms], progress


class StocktakeDetailView(StocktakeMixin, ObjectDetailView):
    template_name = "assets/stocktake_detail.html"

    def get_queryset(self):
        return Stocktake.objects.select_related("created_by", "closed_by").prefetch_related(
            "buildings", "categories"
        )

    def detail_fields(self):
        s = self.object
        fields = [
            (_("Number"), s.number),
            (_("Status"), status_badge(s)),
            (_("Scope"), s.get_scope_display()),
        ]
        if s.scope == Stocktake.Scope.BUILDINGS:
            fields.append((_("Buildings"), "、".join(str(b) for b in s.buildings.all())))
        fields += [
            (_("Categories"), "、".join(str(c) for c in s.categories.all()) or _("Every category")),
            (_("Period"), period(s)),
            (_("Created by"), s.created_by),
            (_("Counting started at"), timezone.localtime(s.started_at) if s.started_at else None),
            (_("Closed at"), timezone.localtime(s.closed_at) if s.closed_at else None),
            (_("Closed by"), s.closed_by),
            (_("Adjustments applied at"), timezone.localtime(s.adjusted_at) if s.adjusted_at else None),
            (_("Note"), s.note),
        ]
        if s.cancel_reason:
            fields.append((_("Why it was cancelled"), s.cancel_reason))
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        rooms, progress = _rooms_with_progress(s)
        expected = sum(p.expected for p in progress.values())
        counted = sum(p.counted for p in progress.values())
        is_open = s.status in Stocktake.OPEN_STATUSES
        ctx.update(
            {
                "rooms": rooms,
                "expected": expected,
                "counted": counted,
                "percent": round(100 * counted / expected) if expected else 100,
                "manage": manage,
                "can_count": has_perm(request, COUNT) and s.status == Stocktake.Status.COUNTING,
                "update_url": self.url("update", pk=s.pk) if manage and is_open else None,
                "delete_url": None,
                "counters_form": CountersForm(campus=request.campus, stocktake=s)
                if manage and is_open
                else None,
                "cancel_form": ReasonForm(campus=request.campus, prefix="cancel")
                if manage and is_open
                else None,
                "approval": approvals.requests_for(s).first(),
            }
        )
        return ctx


def _stocktake(request, pk):
    return get_object_or_404(Stocktake, pk=pk)


def _back(request, stocktake, name="assets:stocktake_detail"):
    return HttpResponseRedirect(campus_url(request, name, pk=stocktake.pk))


@campus_view(MANAGE)
@require_POST
def stocktake_start(request, campus, pk):
    s = _stocktake(request, pk)
    try:
        services.stocktake_start(actor=request.user, stocktake=s)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, s)
    messages.success(request, _("Counting has started; the counters have been told."))
    return _back(request, s)


@campus_view(MANAGE)
@require_POST
def stocktake_close(request, campus, pk):
    s = _stocktake(request, pk)
    try:
        services.stocktake_close(actor=request.user, stocktake=s)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, s)
    messages.success(request, _("The stocktake is closed. Check the result and submit the adjustments."))
    return _back(request, s, "assets:stocktake_result")


@campus_view(MANAGE)
@require_POST
def stocktake_cancel(request, campus, pk):
    s = _stocktake(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="cancel")
    if not form.is_valid():
        messages.error(request, _("Say why the stocktake is cancelled."))
        return _back(request, s)
    try:
        services.stocktake_cancel(actor=request.user, stocktake=s, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, s)
    messages.success(request, _("The stocktake was cancelled."))
    return _back(request, s)


@campus_view(MANAGE)
@require_POST
def stocktake_counters(request, campus, pk):
    s = _stocktake(request, pk)
    form = CountersForm(request.POST, campus=request.campus, stocktake=s)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        return _back(request, s)
    try:
        services.stocktake_set_counters(
            actor=request.user,
            stocktake=s,
            room=form.cleaned_data["room"],
            users=form.cleaned_data["counters"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, s)
    messages.success(request, _("Counters of %(room)s saved.") % {"room": form.cleaned_data["room"].room})
    return _back(request, s)


# --- Counting -----------------------------------------------------------------------------


def _counting_room(request, stocktake, room_pk):
    st_room = (
        StocktakeRoom.objects.filter(stocktake=stocktake, room_id=room_pk)
        .select_related("room", "room__building")
        .prefetch_related("counters")
        .first()
    )
    if st_room is None:
        raise Http404
    return st_room


@campus_view(COUNT)
def stocktake_count(request, campus, pk):
    """Choose the room to count: scan its QR label or tap it."""
    s = _stocktake(request, pk)
    if request.method == "POST":
        text = request.POST.get("room_code", "")
        st_room = services.room_from_scan(s, text)
        if st_room is None:
            st_room = (
                StocktakeRoom.objects.filter(stocktake=s, room__code__iexact=text.strip()).first()
                if text
                else None
            )
        if st_room is None:
            messages.error(request, _("No room of this stocktake has that label."))
            return _back(request, s, "assets:stocktake_count")
        return HttpResponseRedirect(
            campus_url(request, "assets:stocktake_count_room", pk=s.pk, room_pk=st_room.room_id)
        )
    rooms, progress = _rooms_with_progress(s)
    mine, others = [], []
    for st_room, prog in rooms:
        allowed = services.can_count_room(request.user, st_room, request.perms)
        named = request.user.pk in [u.pk for u in st_room.counters.all()]
        (mine if named else others).append((st_room, prog, allowed))
    return render(
        request,
        "assets/stocktake_count.html",
        {
            "object": s,
            "title": _("Count: %(title)s") % {"title": s.title},
            "mine": mine,
            "others": others,
            "counting": s.status == Stocktake.Status.COUNTING,
        },
    )


def _count_context(request, s, st_room, result=None):
    progress = services.room_progress(s, [st_room.room_id]).get(st_room.room_id, services.RoomProgress())
    recent = list(
        StocktakeScan.objects.filter(stocktake=s, room=st_room.room)
        .select_related("line", "scanned_by")
        .order_by("-scanned_at", "-id")[:RECENT_SCANS]
    )
    return {
        "object": s,
        "st_room": st_room,
        "room": st_room.room,
        "progress": progress,
        "not_found": list(services.not_found_in(s, st_room.room)),
        "recent": recent,
        "result": result,
        "counting": s.status == Stocktake.Status.COUNTING,
    }


@campus_view(COUNT)
def stocktake_count_room(request, campus, pk, room_pk):
    s = _stocktake(request, pk)
    st_room = _counting_room(request, s, room_pk)
    if not services.can_count_room(request.user, st_room, request.perms):
        messages.error(request, _("Other people are named to count this room."))
        return _back(request, s, "assets:stocktake_count")
    ctx = _count_context(request, s, st_room)
    ctx["title"] = str(st_room.room)
    ctx["scan_form"] = ScanForm()
    return render(request, "assets/stocktake_count_room.html", ctx)


def _count_response(request, s, st_room, result=None, error=None):
    """The htmx answer (result card + progress, not-found list and recent scans swapped in
    out of band), or a redirect back to the room page without JavaScript."""
    room_url = campus_url(request, "assets:stocktake_count_room", pk=s.pk, room_pk=st_room.room_id)
    if result is not None and result.outcome == "room":
        url = campus_url(request, "assets:stocktake_count_room", pk=s.pk, room_pk=result.room.room_id)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif result is not None:
            messages.info(request, services.scan_message(result))
        return HttpResponseRedirect(room_url)
    ctx = _count_context(request, s, st_room, result)
    ctx["error"] = error
    ctx["message"] = services.scan_message(result) if result is not None else ""
    response = render(request, "assets/stocktake_scan_result.html", ctx, status=200)
    return response


@campus_view(COUNT)
@require_POST
def stocktake_scan(request, campus, pk, room_pk):
    s = _stocktake(request, pk)
    st_room = _counting_room(request, s, room_pk)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _count_response(request, s, st_room, error=_("Scan a label or type its number."))
    try:
        result = services.stocktake_scan(
            actor=request.user, stocktake=s, room=st_room, text=form.cleaned_data["text"],
            quantity=form.cleaned_data.get("quantity"), perms=request.perms,
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return _count_response(request, s, st_room, error=error_text(exc))
    return _count_response(request, s, st_room, result)


@campus_view(COUNT)
@require_POST
def stocktake_found(request, campus, pk, room_pk, line_pk):
    """Tick an asset found by hand (no readable label)."""
    s = _stocktake(request, pk)
    st_room = _counting_room(request, s, room_pk)
    line = get_object_or_404(StocktakeLine, pk=line_pk, stocktake=s)
    form = QuantityForm(request.POST)
    quantity = form.cleaned_data["quantity"] if form.is_valid() else None
    try:
        result = services.stocktake_mark_found(
            actor=request.user, stocktake=s, room=st_room, line=line, quantity=quantity, perms=request.perms
        )
    except (ValidationError, PermissionDenied) as exc:
        return _count_response(request, s, st_room, error=error_text(exc))
    return _count_response(request, s, st_room, result)


@campus_view(COUNT)
@require_POST
def stocktake_line_quantity(request, campus, pk, room_pk, line_pk):
    """Correct the counted quantity of a set."""
    s = _stocktake(request, pk)
    st_room = _counting_room(request, s, room_pk)
    line = get_object_or_404(StocktakeLine, pk=line_pk, stocktake=s)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _count_response(request, s, st_room, error=_("Enter the number of items found (at least 1)."))
    try:
        line = services.stocktake_set_quantity(
            actor=request.user,
            stocktake=s,
            line=line,
            quantity=form.cleaned_data["quantity"],
            perms=request.perms,
        )
    except (ValidationError, PermissionDenied) as exc:
        return _count_response(request, s, st_room, error=error_text(exc))
    result = services.ScanResult("quantity", line.code, line=line)
    if not request.htmx:
        messages.success(request, _("Counted quantity saved."))
        return HttpResponseRedirect(
            campus_url(request, "assets:stocktake_count_room", pk=s.pk, room_pk=room_pk)
        )
    ctx = _count_context(request, s, st_room, result)
    ctx["message"] = _("%(what)s: %(n)s %(unit)s counted.") % {
        "what": f"{line.code} {line.name}", "n": line.counted_quantity, "unit": line.unit,
    }  # fmt: skip
    return render(request, "assets/stocktake_scan_result.html", ctx)


@campus_view(COUNT)
@require_POST
def stocktake_line_undo(request, campus, pk, room_pk, line_pk):
    """Take back a count made by mistake."""
    s = _stocktake(request, pk)
    st_room = _counting_room(request, s, room_pk)
    line = get_object_or_404(StocktakeLine, pk=line_pk, stocktake=s)
    try:
        services.stocktake_undo(actor=request.user, stocktake=s, line=line, perms=request.perms)
    except (ValidationError, PermissionDenied) as exc:
        return _count_response(request, s, st_room, error=error_text(exc))
    if not request.htmx:
        messages.success(request, _("The count was taken back."))
        return HttpResponseRedirect(
            campus_url(request, "assets:stocktake_count_room", pk=s.pk, room_pk=room_pk)
        )
    ctx = _count_context(request, s, st_room)
    ctx["message"] = _("Taken back: %(what)s") % {"what": f"{line.code} {line.name}".strip()}
    return render(request, "assets/stocktake_scan_result.html", ctx)


# --- Result, report, export ---------------------------------------------------------------


def _differences(stocktake, limit):
    if stocktake.status == Stocktake.Status.COUNTING:
        missing = ("missing", _("Not found yet"), Result.PENDING)
    else:
        missing = ("missing", _("Missing (expected, not found)"), Result.MISSING)
    out = []
    for key, label, result in (
        missing,
        ("wrong_room", _("Found in another room"), Result.WRONG_ROOM),
        ("short", _("Sets with fewer items"), "short"),
        ("unexpected", _("Unexpected (not on the expected list)"), Result.UNEXPECTED),
        ("unknown", _("Unknown codes"), Result.UNKNOWN),
    ):
        rows = list(services.lines_for(stocktake, result)[: limit + 1])
        out.append({"key": key, "label": label, "rows": rows[:limit], "truncated": len(rows) > limit})
    return out


class StocktakeResultView(StocktakeMixin, CampusViewMixin, TemplateView):
    template_name = "assets/stocktake_result.html"
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = _stocktake(request, kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Result: %(what)s") % {"what": self.object}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        recon = services.reconcile(s)
        adjustments = []
        if s.status in (Stocktake.Status.CLOSED, Stocktake.Status.PENDING, Stocktake.Status.ADJUSTED):
            adjustments = list(
                StocktakeAdjustment.objects.filter(stocktake=s)
                .select_related("line", "from_room", "to_room", "applied_by")
                .order_by("kind", "id")[: ADJUSTMENT_LIMIT + 1]
            )
        ctx.update(
            {
                "object": s,
                "recon": recon,
                "differences": _differences(s, LIST_LIMIT),
                "limit": LIST_LIMIT,
                "adjustments": adjustments[:ADJUSTMENT_LIMIT],
                "adjustments_truncated": len(adjustments) > ADJUSTMENT_LIMIT,
                "can_submit": has_perm(self.request, MANAGE) and s.status == Stocktake.Status.CLOSED,
                "loss": services.loss_amount(s) if s.status == Stocktake.Status.CLOSED else None,
                "approval": approvals.requests_for(s).first(),
                "can_export": has_perm(self.request, "core.export"),
            }
        )
        return ctx


class StocktakeReportView(StocktakeResultView):
    """盘点报告 on A4: the figures, the per-room table, the differences and the signatures."""

    template_name = "assets/stocktake_report.html"

    def get_title(self):
        return _("Stocktake report (盘点报告)")

    def get_context_data(self, **kwargs):
        ctx = super(StocktakeResultView, self).get_context_data(**kwargs)
        s = self.object
        ctx.update(
            {
                "object": s,
                "recon": services.reconcile(s),
                "differences": _differences(s, PRINT_LIMIT),
                "limit": PRINT_LIMIT,
            }
        )
        return ctx


EXPORT_FIELDS = (
    "code", "name", "category__name", "expected", "expected_room__code", "expected_room__name",
    "expected_custodian__real_name", "expected_custodian__username", "expected_quantity", "counted_quantity", "unit",
    "unit_price", "expected_value", "result", "found_room__code", "found_room__name", "found_by__real_name",
    "found_by__username", "found_at", "method",
)  # fmt: skip


@campus_view(VIEW)
def stocktake_export(request, campus, pk):
    """Every line with its result, as .xlsx (streamed; rows read as plain values, so 5,000
    lines take no model instances and no per-row query)."""
    from houqin.core.exports import xlsx_response

    if not has_perm(request, "core.export"):
        raise PermissionDenied
    s = _stocktake(request, pk)
    results = {k: str(v) for k, v in StocktakeLine.Result.choices}
    methods = {k: str(v) for k, v in StocktakeLine.Method.choices}

    def room(prefix):
        return lambda r: f"{r[prefix + '__code']} {r[prefix + '__name']}" if r[prefix + "__code"] else None

    def person(prefix):
        return lambda r: r[prefix + "__real_name"] or r[prefix + "__username"]

    columns = [
        (_("Tag number"), "code"),
        (_("Name"), "name"),
        (_("Category"), "category__name"),
        (_("On the expected list"), "expected"),
        (_("Room in the register"), room("expected_room")),
        (_("Custodian"), person("expected_custodian")),
        (_("Expected quantity"), "expected_quantity"),
        (_("Counted quantity"), "counted_quantity"),
        (_("Unit"), "unit"),
        (_("Unit price (yuan)"), "unit_price"),
        (_("Book value (yuan)"), "expected_value"),
        (_("Result"), lambda r: results.get(r["result"], r["result"])),
        (_("Found in"), room("found_room")),
        (_("Found by"), person("found_by")),
        (_("Found at"), "found_at"),
        (_("How"), lambda r: methods.get(r["method"], "")),
    ]
    rows = services.lines_for(s).values(*EXPORT_FIELDS).iterator(chunk_size=2000)
    return xlsx_response(
        filename=f"{s.number} {s.title}", title=str(_("Stocktake result")), columns=columns, rows=rows
    )


@campus_view(MANAGE)
@require_POST
def stocktake_submit(request, campus, pk):
    """Submit the proposed adjustments for approval (unticked ones are left out)."""
    s = _stocktake(request, pk)
    shown = {int(v) for v in request.POST.getlist("shown") if v.isdigit()}
    included = {int(v) for v in request.POST.getlist("include") if v.isdigit()}
    try:
        approval = services.stocktake_submit_adjustments(
            actor=request.user, stocktake=s, exclude=shown - included
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
        return _back(request, s, "assets:stocktake_result")
    if approval.status == approval.Status.APPROVED:
        messages.success(request, _("No approval step applies: the adjustments were applied."))
    else:
        messages.success(request, _("The adjustments were submitted for approval."))
    return _back(request, s, "assets:stocktake_result")


urlpatterns = [
    path("stocktakes/", StocktakeListView.as_view(), name="stocktake_list"),
    path("stocktakes/new/", StocktakeCreateView.as_view(), name="stocktake_create"),
    path("stocktakes/<int:pk>/", StocktakeDetailView.as_view(), name="stocktake_detail"),
    path("stocktakes/<int:pk>/edit/", StocktakeUpdateView.as_view(), name="stocktake_update"),
    path("stocktakes/<int:pk>/start/", stocktake_start, name="stocktake_start"),
    path("stocktakes/<int:pk>/close/", stocktake_close, name="stocktake_close"),
    path("stocktakes/<int:pk>/cancel/", stocktake_cancel, name="stocktake_cancel"),
    path("stocktakes/<int:pk>/counters/", stocktake_counters, name="stocktake_counters"),
    path("stocktakes/<int:pk>/count/", stocktake_count, name="stocktake_count"),
    path("stocktakes/<int:pk>/count/<int:room_pk>/", stocktake_count_room, name="stocktake_count_room"),
    path("stocktakes/<int:pk>/count/<int:room_pk>/scan/", stocktake_scan, name="stocktake_scan"),
    path(
        "stocktakes/<int:pk>/count/<int:room_pk>/found/<int:line_pk>/",
        stocktake_found,
        name="stocktake_found",
    ),
    path(
        "stocktakes/<int:pk>/count/<int:room_pk>/quantity/<int:line_pk>/",
        stocktake_line_quantity,
        name="stocktake_line_quantity",
    ),
    path(
        "stocktakes/<int:pk>/count/<int:room_pk>/undo/<int:line_pk>/",
        stocktake_line_undo,
        name="stocktake_line_undo",
    ),
    path("stocktakes/<int:pk>/result/", StocktakeResultView.as_view(), name="stocktake_result"),
    path("stocktakes/<int:pk>/report/", StocktakeReportView.as_view(), name="stocktake_report"),
    path("stocktakes/<int:pk>/export/", stocktake_export, name="stocktake_export"),
    path("stocktakes/<int:pk>/submit/", stocktake_submit, name="stocktake_submit"),
]
