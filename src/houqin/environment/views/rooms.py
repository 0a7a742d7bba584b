"""Functional rooms (功能室使用登记 and usage statistics) and dormitory inspections (宿舍检查)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.environment import selectors, services
from houqin.environment.filters import DormitoryFilter, RoomUseFilter
from houqin.environment.forms import DormitoryForm, ReasonForm, RoomUseForm, parse_date
from houqin.environment.models import DormitoryInspection, DormitoryResult, RoomUse
from houqin.environment.views.common import badge, campus_url, done, failed, form_failed, local

VIEW = "environment.view_environment"
RECORD_USE = "environment.record_room_use"
INSPECT_DORMS = "environment.inspect_dormitories"


def condition_badge(use):
    if use.status == RoomUse.Status.VOID:
        return badge("secondary", _("Void"), "void")
    colour = "green" if use.condition == RoomUse.Condition.GOOD else "orange"
    return badge(colour, use.get_condition_display(), use.condition)


# --- Functional room use log ----------------------------------------------------------------------


class RoomUseMixin:
    model = RoomUse
    url_base = "environment:roomuse"
    permission_required = VIEW
    write_permission = RECORD_USE


class RoomUseListView(RoomUseMixin, ObjectListView):
    template_name = "environment/roomuse_list.html"
    filterset_class = RoomUseFilter
    search_fields = ("purpose", "room__name", "school_class__name")
    pinyin_field = ""
    title = gettext_lazy("Functional room use log (功能室使用登记)")
    create_label = gettext_lazy("Log a use")
    select_related = ("room", "school_class", "teacher")
    ordering = ("-date", "-start_time", "-id")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Time"), "when_label"),
        Column(gettext_lazy("Room"), "room"),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Teacher"), "teacher"),
        Column(gettext_lazy("Activity"), "purpose", css="text-wrap"),
        Column(gettext_lazy("State after use"), condition_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Date"), "date"),
            Column(_("Period"), "period"),
            Column(_("From"), "start_time"),
            Column(_("Until"), "end_time"),
            Column(_("Room"), "room"),
            Column(_("Class"), "school_class"),
            Column(_("Teacher"), "teacher"),
            Column(_("Activity"), "purpose"),
            Column(_("Children"), "children_count"),
            Column(_("State after use"), "get_condition_display"),
            Column(_("Problem"), "problem_note"),
            Column(_("Repair"), "follow_up_label"),
            Column(_("Status"), "get_status_display"),
            Column(_("Void reason"), "void_reason"),
        ]


class RoomUseCreateView(RoomUseMixin, ObjectFormView):
    form_class = RoomUseForm
    template_name = "environment/roomuse_form.html"

    def get_title(self):
        return _("Log the use of a functional room")

    def get_initial(self):
        initial = {"date": timezone.localdate(), "teacher": self.request.user.pk, "condition": "good"}
        room = self.request.GET.get("room", "")
        if room.isdigit():
            initial["room"] = int(room)
        return initial

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # validated like the row the service will save: recorded by the user
        kwargs["instance"] = RoomUse(campus=self.request.campus, recorded_by=self.request.user)
        return kwargs

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in services.ROOM_USE_FIELDS if k in form.cleaned_data}
        return services.room_use_record(
            actor=self.request.user, campus=self.request.campus, data=data, photos=form.cleaned_data["photos"],
            open_repair=form.cleaned_data.get("open_repair", False),
        )  # fmt: skip


class RoomUseDetailView(RoomUseMixin, ObjectDetailView):
    template_name = "environment/roomuse_detail.html"

    def get_queryset(self):
        return RoomUse.objects.select_related("room", "school_class", "teacher", "recorded_by", "voided_by")

    def detail_fields(self):
        u = self.object
        return [
            (_("Room"), u.room),
            (_("Date"), u.date),
            (_("Time"), u.when_label),
            (_("Class"), u.school_class),
            (_("Teacher"), u.teacher),
            (_("Activity"), u.purpose),
            (_("Children"), u.children_count),
            (_("State after use"), condition_badge(u)),
            (_("Problem"), u.problem_note),
            (_("Repair"), u.follow_up_label),
            (_("Recorded by"), u.recorded_by),
            (_("Voided by"), u.voided_by),
            (_("Void reason"), u.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        use, request = self.object, self.request
        ctx.update({
            "update_url": None, "delete_url": None,
            "void_form": ReasonForm(campus=request.campus, prefix="void")
            if services.may_void_use(request.user, use, request.perms) else None,
            "can_repair": use.condition == RoomUse.Condition.PROBLEM and use.status == RoomUse.Status.RECORDED
            and not use.follow_up_id and services.repairs_available() is not None
            and has_perm(request, "maintenance.report_repairs"),
            "repair_url": _repair_url(request, use),
        })  # fmt: skip
        return ctx


def _repair_url(request, use):
    if not use.follow_up_id:
        return None
    from django.urls import NoReverseMatch

    try:
        return campus_url(request, "maintenance:repair_detail", pk=int(use.follow_up_id))
    except (NoReverseMatch, ValueError):
        return None


@campus_view(RECORD_USE)
@require_POST
def roomuse_void(request, campus, pk):
    use = get_object_or_404(RoomUse, pk=pk)
    url = campus_url(request, "environment:roomuse_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        services.room_use_void(actor=request.user, use=use, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("The entry was voided; it stays in the log."))


@campus_view("maintenance.report_repairs")
@require_POST
def roomuse_repair(request, campus, pk):
    use = get_object_or_404(RoomUse, pk=pk)
    url = campus_url(request, "environment:roomuse_detail", pk=pk)
    try:
        repair = services.room_use_open_repair(actor=request.user, use=use)
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(
        request, url, _("Repair request %(number)s opened.") % {"number": getattr(repair, "number", repair)}
    )


class RoomUseStatsView(CampusViewMixin, TemplateView):
    """Usage of the functional rooms (功能室利用率): per room, per class × room, per week."""

    template_name = "environment/roomuse_stats.html"
    permission_required = VIEW
    title = gettext_lazy("Functional room usage")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        term = selectors.current_term(self.request.campus)
        default_from = term.start_date if term else today - dt.timedelta(days=28)
        date_from = parse_date(self.request.GET.get("date_from"), default_from)
        date_to = parse_date(self.request.GET.get("date_to"), min(term.end_date, today) if term else today)
        if date_to < date_from:
            date_from, date_to = date_to, date_from
        date_from = max(date_from, date_to - dt.timedelta(days=366))
        ctx.update({"stats": selectors.room_use_stats(self.request.campus, date_from, date_to),
                    "date_from": date_from, "date_to": date_to})  # fmt: skip
        return ctx


# --- Dormitory inspections -----------------------------------------------------------------------


def passed_badge(inspection):
    if inspection.status == DormitoryInspection.Status.VOID:
        return badge("secondary", _("Void"), "void")
    if inspection.passed:
        return badge("green", _("Passed"), "passed")
    return badge("red", _("%(n)s failed") % {"n": inspection.failed_count}, "failed")


class DormMixin:
    model = DormitoryInspection
    url_base = "environment:dorm"
    permission_required = VIEW
    write_permission = INSPECT_DORMS


class DormListView(DormMixin, ObjectListView):
    filterset_class = DormitoryFilter
    search_fields = ("room__name", "room__code", "note")
    pinyin_field = ""
    title = gettext_lazy("Dormitory inspections (宿舍检查)")
    create_label = gettext_lazy("Inspect a room")
    select_related = ("room", "inspector")
    ordering = ("-inspected_at", "-id")
    columns = [
        Column(gettext_lazy("Inspected at"), lambda d: local(d.inspected_at), link=True),
        Column(gettext_lazy("Room"), "room"),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("Inspector"), "inspector"),
        Column(gettext_lazy("Result"), passed_badge, export=False),
        Column(gettext_lazy("Note"), "note", css="text-wrap"),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Inspected at"), lambda d: local(d.inspected_at)),
            Column(_("Room"), "room"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Inspector"), "inspector"),
            Column(_("Passed"), "passed"),
            Column(_("Failed items"), "failed_count"),
            Column(_("Note"), "note"),
            Column(_("Status"), "get_status_display"),
            Column(_("Void reason"), "void_reason"),
        ]


class DormCreateView(DormMixin, CampusViewMixin, FormView):
    """One room on its checklist: pass/fail per item (all pass by default with one tap),
    a note, photos; failed electrical and fire items open hazards."""

    template_name = "environment/dorm_form.html"
    form_class = DormitoryForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = INSPECT_DORMS
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Dormitory inspection")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kind = (
            self.request.POST.get("kind") if self.request.method == "POST" else None
        ) or self.request.GET.get("kind")
        kwargs.update({"campus": self.request.campus, "kind": kind})
        return kwargs

    def get_initial(self):
        room = self.request.GET.get("room", "")
        return {"room": int(room)} if room.isdigit() else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "environment:dorm_list")
        ctx["kinds"] = DormitoryInspection.Kind.choices
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            inspection = services.dormitory_inspect(
                actor=self.request.user, campus=self.request.campus, room=data["room"], kind=form.kind,
                results=form.results(), note=data["note"], photos=data["photos"],
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "message_dict", None) or {"__all__": getattr(exc, "messages", [str(exc)])}
            for field, messages in errors.items():
                form.add_error(field if field in form.fields else None, messages)
            return self.form_invalid(form)
        message = (
            _("Recorded: passed.")
            if inspection.passed
            else ngettext(
                "Recorded: %(n)s item failed.", "Recorded: %(n)s items failed.", inspection.failed_count
            )
            % {"n": inspection.failed_count}
        )
        return done(
            self.request, campus_url(self.request, "environment:dorm_detail", pk=inspection.pk), message
        )


class DormDetailView(DormMixin, ObjectDetailView):
    template_name = "environment/dorm_detail.html"

    def get_queryset(self):
        return DormitoryInspection.objects.select_related("room", "inspector", "voided_by")

    def detail_fields(self):
        d = self.object
        return [
            (_("Room"), d.room),
            (_("Kind"), d.get_kind_display()),
            (_("Inspected at"), local(d.inspected_at)),
            (_("Inspector"), d.inspector),
            (_("Result"), passed_badge(d)),
            (_("Note"), d.note),
            (_("Voided by"), d.voided_by),
            (_("Void reason"), d.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d, request = self.object, self.request
        recorded = d.status == DormitoryInspection.Status.RECORDED
        ctx.update({
            "results": list(d.results.select_related("hazard").order_by("order", "id")),
            "photos": list(attachments_for(d)),
            "can_hazard": recorded and has_perm(request, INSPECT_DORMS) and has_perm(request, "safety.report_hazards"),
            "void_form": ReasonForm(campus=request.campus, prefix="void")
            if recorded and has_perm(request, INSPECT_DORMS) else None,
            "update_url": None, "delete_url": None,
        })  # fmt: skip
        return ctx


@campus_view(INSPECT_DORMS)
@require_POST
def dorm_hazard(request, campus, pk, result_pk):
    inspection = get_object_or_404(DormitoryInspection, pk=pk)
    result = get_object_or_404(DormitoryResult, pk=result_pk, inspection=inspection)
    url = campus_url(request, "environment:dorm_detail", pk=pk)
    try:
        hazard = services.dormitory_open_hazard(actor=request.user, result=result)
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return HttpResponseRedirect(campus_url(request, "safety:hazard_detail", pk=hazard.pk))


@campus_view(INSPECT_DORMS)
@require_POST
def dorm_void(request, campus, pk):
    inspection = get_object_or_404(DormitoryInspection, pk=pk)
    url = campus_url(request, "environment:dorm_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        services.dormitory_void(actor=request.user, inspection=inspection, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("The inspection was voided; it stays on record."))


urlpatterns = [
    path("rooms/uses/", RoomUseListView.as_view(), name="roomuse_list"),
    path("rooms/uses/new/", RoomUseCreateView.as_view(), name="roomuse_create"),
    path("rooms/uses/stats/", RoomUseStatsView.as_view(), name="roomuse_stats"),
    path("rooms/uses/<int:pk>/", RoomUseDetailView.as_view(), name="roomuse_detail"),
    path("rooms/uses/<int:pk>/void/", roomuse_void, name="roomuse_void"),
    path("rooms/uses/<int:pk>/repair/", roomuse_repair, name="roomuse_repair"),
    path("dormitories/", DormListView.as_view(), name="dorm_list"),
    path("dormitories/new/", DormCreateView.as_view(), name="dorm_create"),
    path("dormitories/<int:pk>/", DormDetailView.as_view(), name="dorm_detail"),
    path("dormitories/<int:pk>/results/<int:result_pk>/hazard/", dorm_hazard, name="dorm_hazard"),
    path("dormitories/<int:pk>/void/", dorm_void, name="dorm_void"),
]
