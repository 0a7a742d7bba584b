"""Hygiene problems sent back with a deadline (限时纠正): the list (filters, export), sending
one back by hand, and the problem page with fix (after-photo) → check, or send back."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from houqin.core import attachables
from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView
from houqin.environment import services
from houqin.environment.filters import ProblemFilter
from houqin.environment.forms import FixForm, ProblemForm, ReasonForm, SendBackForm, VerifyForm
from houqin.environment.models import HygieneProblem
from houqin.environment.views.common import badge, campus_url, done, failed, form_failed, local

VIEW, INSPECT, FIX = "environment.view_environment", "environment.inspect_hygiene", "environment.fix_problems"
STATUS_COLOURS = {"open": "orange", "fixed": "purple", "closed": "green", "void": "secondary"}


def status_badge(p):
    return badge(STATUS_COLOURS.get(p.status, "secondary"), p.get_status_display(), p.status)


def deadline_cell(p):
    if p.is_overdue:
        return format_html(
            '<span class="text-danger fw-bold" data-overdue="1">{} <span class="badge bg-red">{}</span></span>',
            p.deadline.strftime("%Y-%m-%d"),
            _("%(days)s d overdue") % {"days": p.overdue_days},
        )
    return p.deadline


class ProblemMixin:
    model = HygieneProblem
    url_base = "environment:problem"
    permission_required = VIEW
    write_permission = INSPECT


class ProblemListView(ProblemMixin, ObjectListView):
    template_name = "environment/problem_list.html"
    filterset_class = ProblemFilter
    search_fields = ("number", "description")
    pinyin_field = ""
    title = gettext_lazy("Hygiene problems to put right (限时纠正)")
    create_label = gettext_lazy("Send a problem back")
    select_related = ("zone", "responsible")
    ordering = ("-raised_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Sent back"), lambda p: local(p.raised_at).date()),
        Column(gettext_lazy("Zone"), "zone"),
        Column(gettext_lazy("Problem"), "short_description", css="text-wrap"),
        Column(gettext_lazy("Responsible person"), "responsible"),
        Column(gettext_lazy("Put right by"), deadline_cell, export=False),
        Column(gettext_lazy("Status"), status_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Number"), "number"),
            Column(_("Sent back"), lambda p: local(p.raised_at)),
            Column(_("Zone"), "zone"),
            Column(_("Problem"), "description"),
            Column(_("Responsible person"), "responsible"),
            Column(_("Put right by"), "deadline"),
            Column(_("Overdue"), "is_overdue"),
            Column(_("Status"), "get_status_display"),
            Column(_("Fixed at"), lambda p: local(p.fixed_at)),
            Column(_("What was done"), "fix_note"),
            Column(_("Checked by"), "verified_by"),
            Column(_("Checked at"), lambda p: local(p.verified_at)),
            Column(_("Times sent back after a fix"), "return_count"),
            Column(_("Void reason"), "void_reason"),
        ]

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.GET.get("export") == "xlsx":
            qs = qs.select_related("verified_by")
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["overdue_count"] = services.overdue_problems(self.request.campus).count()
        return ctx


class ProblemCreateView(ProblemMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = ProblemForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = INSPECT
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Send a hygiene problem back")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        zone = self.request.GET.get("zone", "")
        return {"zone": int(zone)} if zone.isdigit() else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "environment:problem_list")
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            problem = services.problem_raise(
                actor=self.request.user, campus=self.request.campus, zone=data["zone"],
                description=data["description"], deadline=data["deadline"], photos=data["photos"],
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return done(self.request, campus_url(self.request, "environment:problem_detail", pk=problem.pk),
                    _("Sent to %(person)s.") % {"person": problem.responsible})  # fmt: skip


class ProblemDetailView(ProblemMixin, ObjectDetailView):
    template_name = "environment/problem_detail.html"

    def get_queryset(self):
        return HygieneProblem.objects.select_related(
            "zone", "inspection", "responsible", "raised_by", "fixed_by", "verified_by"
        )

    def detail_fields(self):
        p = self.object
        return [
            (_("Number"), p.number),
            (_("Status"), status_badge(p)),
            (_("Zone"), p.zone),
            (_("Problem"), p.description),
            (_("Inspection"), p.inspection),
            (_("Sent back by"), p.raised_by),
            (_("Sent back at"), local(p.raised_at)),
            (_("Responsible person"), p.responsible),
            (_("Put right by"), deadline_cell(p)),
            (_("Fixed by"), p.fixed_by),
            (_("Fixed at"), local(p.fixed_at)),
            (_("What was done"), p.fix_note),
            (_("Checked by"), p.verified_by),
            (_("Checked at"), local(p.verified_at)),
            (_("Check note"), p.verify_note),
            (_("Last sent back because"), p.returned_reason),
            (_("Void reason"), p.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, request = self.object, self.request
        inspect = has_perm(request, INSPECT)
        photos = list(attachments_for(p))
        fixed = p.status == HygieneProblem.Status.FIXED
        ctx.update({
            "update_url": None, "delete_url": None,
            "can_write": attachables.may_write(request, p),
            "before_photos": [a for a in photos if a.kind == "before"],
            "after_photos": [a for a in photos if a.kind == "after"],
            "fix_form": FixForm(campus=request.campus)
            if has_perm(request, FIX) and services.can_fix(request.user, p, request.perms) else None,
            "verify_form": VerifyForm(campus=request.campus) if inspect and fixed and p.fixed_by_id != request.user.pk
            else None,
            "fixer_is_me": fixed and p.fixed_by_id == request.user.pk,
            "send_back_form": SendBackForm(campus=request.campus, prefix="back") if inspect and fixed else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void")
            if inspect and p.status in HygieneProblem.ACTIVE_STATUSES else None,
        })  # fmt: skip
        return ctx


def _problem(pk):
    return get_object_or_404(HygieneProblem, pk=pk)


def _detail(request, pk):
    return campus_url(request, "environment:problem_detail", pk=pk)


@campus_view(FIX)
@require_POST
def problem_fix(request, campus, pk):
    problem = _problem(pk)
    form = FixForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.problem_fix(actor=request.user, problem=problem, note=form.cleaned_data["note"],
                             photos=form.cleaned_data["photos"])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("Reported as fixed; an inspector will check it."))


@campus_view(INSPECT)
@require_POST
def problem_verify(request, campus, pk):
    problem = _problem(pk)
    form = VerifyForm(request.POST, campus=request.campus)
    form.is_valid()
    try:
        services.problem_verify(actor=request.user, problem=problem, note=form.cleaned_data.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("Checked and closed."))


@campus_view(INSPECT)
@require_POST
def problem_send_back(request, campus, pk):
    problem = _problem(pk)
    form = SendBackForm(request.POST, campus=request.campus, prefix="back")
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.problem_send_back(actor=request.user, problem=problem, reason=form.cleaned_data["reason"],
                                   deadline=form.cleaned_data["deadline"])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("Sent back to the responsible person."))


@campus_view(INSPECT)
@require_POST
def problem_void(request, campus, pk):
    problem = _problem(pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.problem_void(actor=request.user, problem=problem, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("The problem was voided; it stays on record."))


urlpatterns = [
    path("problems/", ProblemListView.as_view(), name="problem_list"),
    path("problems/new/", ProblemCreateView.as_view(), name="problem_create"),
    path("problems/<int:pk>/", ProblemDetailView.as_view(), name="problem_detail"),
    path("problems/<int:pk>/fix/", problem_fix, name="problem_fix"),
    path("problems/<int:pk>/verify/", problem_verify, name="problem_verify"),
    path("problems/<int:pk>/send-back/", problem_send_back, name="problem_send_back"),
    path("problems/<int:pk>/void/", problem_void, name="problem_void"),
]
