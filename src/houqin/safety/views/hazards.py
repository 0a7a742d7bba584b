"""Hazards and rectification (隐患整改): the ledger (安全台账) with filters, export and print
view, the hazard page with its transitions, and the public report from a room QR code.

``urlpatterns`` also gathers the other pages of this side of the module (drills,
agreements, education, emergency plans, duty roster, fire report), each in its own file.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
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
from houqin.core.selectors import room_by_qr_token
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.safety import services
from houqin.safety.filters import HazardFilter
from houqin.safety.forms import (
    AssignForm,
    HazardForm,
    QrHazardForm,
    ReasonForm,
    RectifyForm,
    VerifyForm,
    VoidForm,
)
from houqin.safety.models import Hazard

SEVERITY_COLOURS = {"low": "yellow", "medium": "orange", "high": "red"}
STATUS_COLOURS = {
    "reported": "azure",
    "assigned": "blue",
    "rectified": "purple",
    "closed": "green",
    "void": "secondary",
}


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def severity_badge(h):
    return badge(SEVERITY_COLOURS.get(h.severity, "secondary"), h.get_severity_display(), h.severity)


def status_badge(h):
    return badge(STATUS_COLOURS.get(h.status, "secondary"), h.get_status_display(), h.status)


def deadline_cell(h):
    if h.deadline is None:
        return None
    if h.is_overdue:
        return format_html(
            '<span class="text-danger fw-bold" data-overdue="1">{} <span class="badge bg-red">{}</span></span>',
            h.deadline.strftime("%Y-%m-%d"),
            _("%(days)s d overdue") % {"days": h.overdue_days},
        )
    return h.deadline


def local(value):
    return timezone.localtime(value) if value is not None else None


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    return " ".join(str(m) for m in exc.messages)


# --- The ledger ---------------------------------------------------------------------------


class HazardMixin:
    model = Hazard
    url_base = "safety:hazard"
    permission_required = "safety.view_hazards"
    write_permission = "safety.report_hazards"


class HazardListView(HazardMixin, ObjectListView):
    template_name = "safety/hazard_list.html"
    filterset_class = HazardFilter
    search_fields = ("number", "description", "place_text")
    pinyin_field = ""
    title = gettext_lazy("Hazards and rectification (安全台账)")
    create_label = gettext_lazy("Report a hazard")
    select_related = ("room", "building", "owner")
    ordering = ("-reported_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Found"), lambda h: local(h.reported_at).date()),
        Column(gettext_lazy("Place"), "place"),
        Column(gettext_lazy("Category"), "get_category_display"),
        Column(gettext_lazy("Severity"), severity_badge, export=False),
        Column(gettext_lazy("Description"), "short_description", css="text-wrap"),
        Column(gettext_lazy("Owner"), "owner"),
        Column(gettext_lazy("Rectify by"), deadline_cell, export=False),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Number"), "number"),
            Column(_("Found"), lambda h: local(h.reported_at)),
            Column(_("Place"), "place"),
            Column(_("Category"), "get_category_display"),
            Column(_("Severity"), "get_severity_display"),
            Column(_("Description"), "description"),
            Column(_("Source"), "get_source_display"),
            Column(_("Reported by"), "reporter_display"),
            Column(_("Owner"), "owner"),
            Column(_("Rectification measures required"), "measures"),
            Column(_("Rectify by"), "deadline"),
            Column(_("Overdue"), "is_overdue"),
            Column(_("Status"), "get_status_display"),
            Column(_("Rectified by"), "rectified_by"),
            Column(_("Rectified at"), lambda h: local(h.rectified_at)),
            Column(_("What was done"), "rectification_note"),
            Column(_("Verified by"), "verified_by"),
            Column(_("Verified at"), lambda h: local(h.verified_at)),
            Column(_("Verification note"), "verification_note"),
            Column(_("Times reopened or sent back"), "reopen_count"),
            Column(_("Void reason"), "void_reason"),
        ]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.GET.get("export") == "xlsx":
            qs = qs.select_related("reporter", "rectified_by", "verified_by")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["print_url"] = campus_url(self.request, "safety:hazard_print") + (
            f"?{ctx['querystring']}" if ctx["querystring"] else ""
        )
        ctx["overdue_count"] = services.overdue_hazards(self.request.campus).count()
        return ctx


PRINT_LIMIT = 500


class HazardPrintView(HazardMixin, CampusViewMixin, TemplateView):
    """The ledger on A4 landscape, laid out like a paper 隐患排查整改台账."""

    template_name = "safety/hazard_print.html"
    write_permission = ""

    def get_title(self):
        return _("Hazard investigation and rectification ledger (隐患排查整改台账)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        qs = Hazard.objects.select_related(
            "room", "building", "owner", "rectified_by", "verified_by"
        ).order_by("reported_at", "id")
        filterset = HazardFilter(self.request.GET or None, queryset=qs, request=self.request)
        if filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        rows = list(qs[: PRINT_LIMIT + 1])
        ctx.update(
            {
                "rows": rows[:PRINT_LIMIT],
                "truncated": len(rows) > PRINT_LIMIT,
                "limit": PRINT_LIMIT,
                "filters": _filter_summary(filterset),
            }
        )
        return ctx


def _filter_summary(filterset):
    """[(label, shown value)] of the filters in use, for the print header."""
    if not filterset.is_bound:
        return []
    out = []
    for field in filterset.form:
        value = field.data
        if value in (None, ""):
            continue
        choices = getattr(field.field, "choices", None)
        if choices is not None:
            value = {str(k): v for k, v in choices}.get(str(value), value)
        out.append((field.label, value))
    return out


class HazardCreateView(HazardMixin, ObjectFormView):
    form_class = HazardForm
    template_name = "safety/hazard_form.html"

    def get_title(self):
        return _("Report a hazard") if self.is_create else _("Edit %(what)s") % {"what": self.object}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["can_assign"] = has_perm(self.request, "safety.manage_hazards")
        if self.is_create:
            # validated like the row the service will save: reported by the user
            kwargs["instance"] = Hazard(campus=self.request.campus, reporter=self.request.user)
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        room_id = self.request.GET.get("room")
        if room_id and room_id.isdigit():
            initial["room"] = int(room_id)
        return initial

    def save_object(self, form, instance, before):
        data = {name: form.cleaned_data.get(name) for name in services.HAZARD_FIELDS if name in form.fields}
        if self.is_create:
            return services.hazard_report(
                actor=self.request.user,
                campus=self.request.campus,
                data=data,
                photos=form.cleaned_data.get("photos") or [],
            )
        data.pop("owner", None)
        return services.hazard_update(actor=self.request.user, hazard=self.object, data=data)


class HazardUpdateView(HazardCreateView):
    write_permission = "safety.manage_hazards"


class HazardDetailView(HazardMixin, ObjectDetailView):
    template_name = "safety/hazard_detail.html"

    def get_queryset(self):
        return Hazard.objects.select_related(
            "room", "building", "owner", "reporter", "rectified_by", "verified_by", "source_type"
        )

    def detail_fields(self):
        h = self.object
        return [
            (_("Number"), h.number),
            (_("Status"), status_badge(h)),
            (_("Found"), local(h.reported_at)),
            (_("Place"), h.place),
            (_("Category"), h.get_category_display()),
            (_("Severity"), severity_badge(h)),
            (_("Description"), h.description),
            (_("Source"), h.get_source_display()),
            (_("Reported by"), h.reporter_display),
            (_("Owner"), h.owner),
            (_("Rectification measures required"), h.measures),
            (_("Rectify by"), deadline_cell(h)),
            (_("Rectified by"), h.rectified_by),
            (_("Rectified at"), local(h.rectified_at)),
            (_("What was done"), h.rectification_note),
            (_("Verified by"), h.verified_by),
            (_("Verified at"), local(h.verified_at)),
            (_("Verification note"), h.verification_note),
            (_("Last sent back or reopened because"), h.returned_reason),
            (_("Void reason"), h.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h, request = self.object, self.request
        campus = request.campus
        manage = has_perm(request, "safety.manage_hazards")
        photos = list(attachments_for(h))
        ctx.update(
            {
                "update_url": self.url("update", pk=h.pk)
                if manage and h.status in Hazard.ACTIVE_STATUSES
                else None,
                "delete_url": None,
                "can_write": attachables.may_write(request, h),
                "before_photos": [a for a in photos if a.kind == "before"],
                "after_photos": [a for a in photos if a.kind == "after"],
                "assign_form": AssignForm(
                    campus=campus,
                    initial={"owner": h.owner_id, "deadline": h.deadline, "measures": h.measures},
                )
                if manage and h.status in Hazard.OPEN_STATUSES
                else None,
                "rectify_form": RectifyForm(campus=campus)
                if services.can_rectify(request.user, h, request.perms)
                else None,
                "verify_form": VerifyForm(campus=campus)
                if manage and h.status == Hazard.Status.RECTIFIED and h.rectified_by_id != request.user.pk
                else None,
                "rectifier_is_me": h.status == Hazard.Status.RECTIFIED
                and h.rectified_by_id == request.user.pk,
                "send_back_form": ReasonForm(campus=campus, prefix="back")
                if manage and h.status == Hazard.Status.RECTIFIED
                else None,
                "reopen_form": ReasonForm(campus=campus, prefix="reopen")
                if manage and h.status == Hazard.Status.CLOSED
                else None,
                "void_form": VoidForm(campus=campus, prefix="void")
                if manage and h.status in Hazard.OPEN_STATUSES
                else None,
            }
        )
        return ctx


def _hazard(request, pk):
    return get_object_or_404(Hazard, pk=pk)


def _done(request, hazard, message):
    messages.success(request, message)
    return HttpResponseRedirect(campus_url(request, "safety:hazard_detail", pk=hazard.pk))


def _failed(request, hazard, exc):
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You do not have permission to do this."))
    else:
        messages.error(request, error_text(exc))
    return HttpResponseRedirect(campus_url(request, "safety:hazard_detail", pk=hazard.pk))


def _form_error(request, hazard, form):
    messages.error(
        request,
        " ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
            for k, v in form.errors.items()
        ),
    )
    return HttpResponseRedirect(campus_url(request, "safety:hazard_detail", pk=hazard.pk))


@campus_view("safety.manage_hazards")
@require_POST
def hazard_assign(request, campus, pk):
    hazard = _hazard(request, pk)
    form = AssignForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, hazard, form)
    try:
        services.hazard_assign(
            actor=request.user,
            hazard=hazard,
            owner=form.cleaned_data["owner"],
            deadline=form.cleaned_data["deadline"],
            measures=form.cleaned_data["measures"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, hazard, exc)
    return _done(request, hazard, _("Assigned to %(owner)s.") % {"owner": hazard.owner})


@campus_view("safety.report_hazards")
@require_POST
def hazard_rectify(request, campus, pk):
    hazard = _hazard(request, pk)
    form = RectifyForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, hazard, form)
    try:
        services.hazard_rectify(
            actor=request.user,
            hazard=hazard,
            note=form.cleaned_data["note"],
            photos=form.cleaned_data["photos"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, hazard, exc)
    return _done(request, hazard, _("Reported as rectified; it will be verified by someone else."))


@campus_view("safety.manage_hazards")
@require_POST
def hazard_verify(request, campus, pk):
    hazard = _hazard(request, pk)
    form = VerifyForm(request.POST, campus=request.campus)
    form.is_valid()
    try:
        services.hazard_verify(actor=request.user, hazard=hazard, note=form.cleaned_data.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, hazard, exc)
    return _done(request, hazard, _("Verified and closed."))


@campus_view("safety.manage_hazards")
@require_POST
def hazard_send_back(request, campus, pk):
    return _with_reason(request, pk, "back", services.hazard_send_back, _("Sent back to the owner."))


@campus_view("safety.manage_hazards")
@require_POST
def hazard_reopen(request, campus, pk):
    return _with_reason(request, pk, "reopen", services.hazard_reopen, _("Reopened."))


def _with_reason(request, pk, prefix, service, done_message):
    """Send back or reopen: both take a reason and an optional new deadline."""
    hazard = _hazard(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix=prefix)
    if not form.is_valid():
        return _form_error(request, hazard, form)
    try:
        service(
            actor=request.user,
            hazard=hazard,
            reason=form.cleaned_data["reason"],
            deadline=form.cleaned_data["deadline"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, hazard, exc)
    return _done(request, hazard, done_message)


@campus_view("safety.manage_hazards")
@require_POST
def hazard_void(request, campus, pk):
    hazard = _hazard(request, pk)
    form = VoidForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return _form_error(request, hazard, form)
    try:
        services.hazard_void(actor=request.user, hazard=hazard, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return _failed(request, hazard, exc)
    return _done(request, hazard, _("The hazard was voided; it stays in the ledger."))


# --- Public report from a room QR code ----------------------------------------------------


@public_view
def qr_hazard_report(request, token):
    """/q/<token>/hazard/: a staff member who is not logged in reports a hazard in this room."""
    room = room_by_qr_token(token)
    if room is None:
        raise Http404
    context = {"room": room, "room_campus": room.campus, "campus": None, "title": _("Report a safety hazard")}
    if request.method == "POST":
        form = QrHazardForm(request.POST, request.FILES)
        if form.is_valid() and form.cleaned_data.get("website"):
            # a robot filled the hidden field: pretend it worked, record nothing
            return render(request, "safety/hazard_qr_done.html", {**context, "number": ""})
        if services.qr_rate_limited(ip=client_ip(request), room=room):
            form.add_error(
                None, _("Too many reports from here in the last hour; please call the logistics office.")
            )
            return render(request, "safety/hazard_qr.html", {**context, "form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with scope(campus=room.campus):
                    hazard = services.hazard_report_from_qr(
                        room=room,
                        name=data["name"],
                        phone=data["phone"],
                        description=data["description"],
                        severity=data["severity"],
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
                return render(request, "safety/hazard_qr_done.html", {**context, "number": hazard.number})
        return render(request, "safety/hazard_qr.html", {**context, "form": form}, status=400)
    return render(request, "safety/hazard_qr.html", {**context, "form": QrHazardForm()})


qr_urlpatterns = [path("q/<str:token>/hazard/", qr_hazard_report, name="qr_hazard_report")]


def _gather():
    from houqin.safety.views import agreements, drills, duty, education, fire, plans

    return [
        path("hazards/", HazardListView.as_view(), name="hazard_list"),
        path("hazards/new/", HazardCreateView.as_view(), name="hazard_create"),
        path("hazards/print/", HazardPrintView.as_view(), name="hazard_print"),
        path("hazards/<int:pk>/", HazardDetailView.as_view(), name="hazard_detail"),
        path("hazards/<int:pk>/edit/", HazardUpdateView.as_view(), name="hazard_update"),
        path("hazards/<int:pk>/assign/", hazard_assign, name="hazard_assign"),
        path("hazards/<int:pk>/rectify/", hazard_rectify, name="hazard_rectify"),
        path("hazards/<int:pk>/verify/", hazard_verify, name="hazard_verify"),
        path("hazards/<int:pk>/send-back/", hazard_send_back, name="hazard_send_back"),
        path("hazards/<int:pk>/reopen/", hazard_reopen, name="hazard_reopen"),
        path("hazards/<int:pk>/void/", hazard_void, name="hazard_void"),
        *drills.urlpatterns,
        *agreements.urlpatterns,
        *education.urlpatterns,
        *plans.urlpatterns,
        *duty.urlpatterns,
        *fire.urlpatterns,
    ]


urlpatterns = _gather()
