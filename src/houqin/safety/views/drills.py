"""Drills (演练): planned and recorded, with their groups and leaders, follow-up actions
(each may become a hazard) and a printable record."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import audit
from houqin.core.attachments import attachments_for
from houqin.core.links import strict_request_url as _url
from houqin.core.permissions import campus_view, has_perm
from houqin.core.services import object_delete, object_save
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
)
from houqin.safety import services
from houqin.safety.filters import DrillFilter
from houqin.safety.forms import DrillFollowUpForm, DrillForm, DrillGroupForm, DrillRecordForm, ReasonForm
from houqin.safety.models import Drill, DrillFollowUp, DrillGroup, Hazard
from houqin.safety.views.hazards import badge, error_text, local

DRILL_COLOURS = {"planned": "blue", "done": "green", "cancelled": "secondary"}


def drill_status(d):
    return badge(DRILL_COLOURS.get(d.status, "secondary"), d.get_status_display(), d.status)


class DrillMixin:
    model = Drill
    url_base = "safety:drill"
    permission_required = "safety.view_drills"
    write_permission = "safety.manage_drills"


class DrillListView(DrillMixin, ObjectListView):
    filterset_class = DrillFilter
    search_fields = ("title", "place")
    pinyin_field = ""
    title = gettext_lazy("Drills")
    create_label = gettext_lazy("Plan a drill")
    select_related = ("organizer",)
    ordering = ("-planned_at", "-id")
    columns = [
        Column(gettext_lazy("Date"), lambda d: local(d.planned_at), link=True),
        Column(gettext_lazy("Title"), "title", link=True),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("Organised by"), "organizer"),
        Column(gettext_lazy("Participants"), "participants"),
        Column(gettext_lazy("Evacuation time"), "evacuation_display"),
        Column(gettext_lazy("Status"), drill_status, export=False),
    ]
    export_columns = [
        *columns[:-1],
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Children taking part"), "children_count"),
        Column(gettext_lazy("Staff taking part"), "staff_count"),
        Column(gettext_lazy("Evacuation time (seconds)"), "evacuation_seconds"),
        Column(gettext_lazy("Reflection (演练反思)"), "reflection"),
    ]


class DrillFormView(DrillMixin, ObjectFormView):
    form_class = DrillForm

    def get_initial(self):
        initial = super().get_initial()
        if self.is_create:
            initial.setdefault("organizer", self.request.user.pk)
        return initial


class DrillDeleteView(DrillMixin, ObjectDeleteView):
    def get_object(self):
        obj = super().get_object()
        if obj.status == Drill.Status.DONE:
            raise PermissionDenied  # a held drill is a record: it stays
        return obj

    def post(self, request, *args, **kwargs):
        drill = self.get_object()
        try:
            for model in (DrillGroup, DrillFollowUp):
                for row in model.objects.filter(drill=drill):
                    object_delete(actor=request.user, instance=row)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(self.url("detail", pk=drill.pk))
        return super().post(request, *args, **kwargs)


class DrillDetailView(DrillMixin, ObjectDetailView):
    template_name = "safety/drill_detail.html"

    def get_queryset(self):
        return Drill.objects.select_related("organizer")

    def detail_fields(self):
        d = self.object
        return [
            (_("Title"), d.title),
            (_("Kind"), d.get_kind_display()),
            (_("Status"), drill_status(d)),
            (_("Planned for"), local(d.planned_at)),
            (_("Place"), d.place),
            (_("Organised by"), d.organizer),
            (_("Scenario and plan"), d.scenario),
            (_("Held at"), local(d.held_at)),
            (_("Children taking part"), d.children_count),
            (_("Staff taking part"), d.staff_count),
            (_("Evacuation time"), d.evacuation_display),
            (_("Reflection (演练反思)"), d.reflection),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d = self.object
        manage = ctx["can_write"]
        campus = self.request.campus
        ctx.update(
            {
                "groups": d.groups.select_related("leader"),
                "follow_ups": d.follow_ups.select_related("owner", "hazard"),
                "group_form": DrillGroupForm(campus=campus, prefix="group") if manage else None,
                "follow_up_form": DrillFollowUpForm(campus=campus, prefix="fu") if manage else None,
                "cancel_form": ReasonForm(campus=campus, prefix="cancel")
                if manage and d.status == Drill.Status.PLANNED
                else None,
                "record_url": self.url("record", pk=d.pk)
                if manage and d.status != Drill.Status.CANCELLED
                else None,
                "print_url": self.url("print", pk=d.pk),
                "delete_url": self.url("delete", pk=d.pk)
                if manage and d.status != Drill.Status.DONE
                else None,
                "can_make_hazard": has_perm(self.request, "safety.report_hazards") and manage,
                "severities": Hazard.Severity.choices,
            }
        )
        return ctx


class DrillRecordView(DrillMixin, CampusViewMixin, FormView):
    """Record how the drill went (a phone-sized form for right after the drill)."""

    template_name = "generic/form.html"
    form_class = DrillRecordForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission
        return super().dispatch(request, *args, **kwargs)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.drill = None

    def get_drill(self):
        if self.drill is None:
            self.drill = get_object_or_404(Drill, pk=self.kwargs["pk"])
        return self.drill

    def get_title(self):
        return _("Record the drill: %(title)s") % {"title": self.get_drill().title}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        d = self.get_drill()
        seconds = d.evacuation_seconds
        return {
            "held_at": local(d.held_at or d.planned_at).strftime("%Y-%m-%dT%H:%M"),
            "children_count": d.children_count,
            "staff_count": d.staff_count,
            "evacuation_minutes": seconds // 60 if seconds is not None else None,
            "evacuation_seconds": seconds % 60 if seconds is not None else None,
            "reflection": d.reflection,
        }

    def form_valid(self, form):
        data = {
            "held_at": form.cleaned_data["held_at"],
            "children_count": form.cleaned_data["children_count"],
            "staff_count": form.cleaned_data["staff_count"],
            "evacuation_seconds": form.total_seconds(),
            "reflection": form.cleaned_data["reflection"],
        }
        try:
            services.drill_record(
                actor=self.request.user, drill=self.get_drill(), data=data, photos=form.cleaned_data["photos"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The drill was recorded."))
        return HttpResponseRedirect(_url(self.request, "safety:drill_detail", pk=self.get_drill().pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:drill_detail", pk=self.get_drill().pk)
        return ctx


class DrillPrintView(DrillMixin, CampusViewMixin, TemplateView):
    template_name = "safety/drill_print.html"
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(Drill.objects.select_related("organizer"), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Emergency drill record (应急演练记录)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            {
                "object": self.object,
                "groups": self.object.groups.select_related("leader"),
                "follow_ups": self.object.follow_ups.select_related("owner", "hazard"),
                "photos": [a for a in attachments_for(self.object) if a.is_image][:4],
            }
        )
        return ctx


def _drill(request, pk):
    return get_object_or_404(Drill, pk=pk)


def _back(request, drill):
    return HttpResponseRedirect(_url(request, "safety:drill_detail", pk=drill.pk))


def _errors(request, form):
    messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))


@campus_view("safety.manage_drills")
@require_POST
def drill_group_add(request, campus, pk):
    drill = _drill(request, pk)
    form = DrillGroupForm(request.POST, campus=request.campus, prefix="group")
    if form.is_valid():
        group = form.save(commit=False)
        group.drill = drill
        try:
            object_save(actor=request.user, instance=group, campus=request.campus)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Group added."))
    else:
        _errors(request, form)
    return _back(request, drill)


@campus_view("safety.manage_drills")
@require_POST
def drill_group_delete(request, campus, pk, group_pk):
    drill = _drill(request, pk)
    group = get_object_or_404(DrillGroup, pk=group_pk, drill=drill)
    object_delete(actor=request.user, instance=group)
    messages.success(request, _("Group removed."))
    return _back(request, drill)


@campus_view("safety.manage_drills")
@require_POST
def drill_follow_up_add(request, campus, pk):
    drill = _drill(request, pk)
    form = DrillFollowUpForm(request.POST, campus=request.campus, prefix="fu")
    if form.is_valid():
        follow_up = form.save(commit=False)
        follow_up.drill = drill
        try:
            object_save(actor=request.user, instance=follow_up, campus=request.campus)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Follow-up action added."))
    else:
        _errors(request, form)
    return _back(request, drill)


@campus_view("safety.manage_drills")
@require_POST
def drill_follow_up_done(request, campus, pk, follow_up_pk):
    drill = _drill(request, pk)
    follow_up = get_object_or_404(DrillFollowUp, pk=follow_up_pk, drill=drill)
    before = audit.snapshot(follow_up)
    follow_up.done = request.POST.get("done") == "1"
    object_save(actor=request.user, instance=follow_up, before=before)
    return _back(request, drill)


@campus_view("safety.manage_drills")
@require_POST
def drill_follow_up_hazard(request, campus, pk, follow_up_pk):
    drill = _drill(request, pk)
    follow_up = get_object_or_404(DrillFollowUp, pk=follow_up_pk, drill=drill)
    severity = request.POST.get("severity") or Hazard.Severity.LOW
    if severity not in Hazard.Severity.values:
        severity = Hazard.Severity.LOW
    try:
        hazard = services.drill_follow_up_to_hazard(
            actor=request.user, follow_up=follow_up, severity=severity
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return _back(request, drill)
    messages.success(request, _("Hazard %(number)s opened.") % {"number": hazard.number})
    return HttpResponseRedirect(_url(request, "safety:hazard_detail", pk=hazard.pk))


@campus_view("safety.manage_drills")
@require_POST
def drill_cancel(request, campus, pk):
    drill = _drill(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="cancel")
    if not form.is_valid():
        _errors(request, form)
        return _back(request, drill)
    try:
        services.drill_cancel(actor=request.user, drill=drill, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The drill was cancelled."))
    return _back(request, drill)


urlpatterns = [
    path("drills/", DrillListView.as_view(), name="drill_list"),
    path("drills/new/", DrillFormView.as_view(), name="drill_create"),
    path("drills/<int:pk>/", DrillDetailView.as_view(), name="drill_detail"),
    path("drills/<int:pk>/edit/", DrillFormView.as_view(), name="drill_update"),
    path("drills/<int:pk>/delete/", DrillDeleteView.as_view(), name="drill_delete"),
    path("drills/<int:pk>/record/", DrillRecordView.as_view(), name="drill_record"),
    path("drills/<int:pk>/print/", DrillPrintView.as_view(), name="drill_print"),
    path("drills/<int:pk>/cancel/", drill_cancel, name="drill_cancel"),
    path("drills/<int:pk>/groups/", drill_group_add, name="drill_group_add"),
    path("drills/<int:pk>/groups/<int:group_pk>/delete/", drill_group_delete, name="drill_group_delete"),
    path("drills/<int:pk>/follow-ups/", drill_follow_up_add, name="drill_follow_up_add"),
    path(
        "drills/<int:pk>/follow-ups/<int:follow_up_pk>/done/",
        drill_follow_up_done,
        name="drill_follow_up_done",
    ),
    path(
        "drills/<int:pk>/follow-ups/<int:follow_up_pk>/hazard/",
        drill_follow_up_hazard,
        name="drill_follow_up_hazard",
    ),
]
