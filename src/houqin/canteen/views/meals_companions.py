"""Accompanying meals (陪餐): the list (filters, export; open problems with ``?issue=open``),
the phone-first record form, the record page with its follow-up, and the month view of who
accompanied which day."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from houqin.canteen import meals_services as services
from houqin.canteen.meals_filters import CompanionMealFilter
from houqin.canteen.meals_forms import AnswerForm, AssignForm, CompanionMealForm, MonthForm, ReasonForm
from houqin.canteen.models import CompanionMeal
from houqin.canteen.views.meals_common import (
    add_errors,
    badge,
    campus_url,
    done,
    failed,
    form_failed,
    local,
    stars,
)  # fmt: skip
from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView

VIEW, ACCOMPANY = services.VIEW, services.ACCOMPANY
ISSUE_COLOURS = {"open": "orange", "done": "green"}


def issue_badge(r):
    if r.is_void:
        return badge("secondary", _("Void"), "void")
    if not r.issue_status:
        return ""
    label = r.get_issue_status_display()
    if r.issue_open and r.followup_due and r.followup_due < local_today():
        return format_html('{} <span class="badge bg-red" data-overdue="1">{}</span>',
                           badge("orange", label, "open"), _("overdue"))  # fmt: skip
    return badge(ISSUE_COLOURS.get(r.issue_status, "secondary"), label, r.issue_status)


def local_today():
    from django.utils import timezone

    return timezone.localdate()


class CompanionMixin:
    model = CompanionMeal
    url_base = "canteen:meals_companion"
    permission_required = VIEW
    write_permission = ACCOMPANY


class CompanionListView(CompanionMixin, ObjectListView):
    template_name = "canteen/meals_companion_list.html"
    filterset_class = CompanionMealFilter
    search_fields = ("companion_name", "observations", "issues")
    pinyin_field = ""
    title = gettext_lazy("Accompanying meals (陪餐)")
    create_label = gettext_lazy("Record an accompanying meal")
    select_related = ("companion", "school_class", "followup_assignee")
    ordering = ("-date", "meal", "-id")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Meal"), "get_meal_display"),
        Column(gettext_lazy("Companion"), "companion_display"),
        Column(gettext_lazy("Role"), "get_companion_role_display"),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Taste"), lambda r: stars(r.taste), export=False),
        Column(gettext_lazy("Temperature"), lambda r: stars(r.temperature), export=False),
        Column(gettext_lazy("Quantity"), lambda r: stars(r.quantity), export=False),
        Column(gettext_lazy("Hygiene"), lambda r: stars(r.hygiene), export=False),
        Column(gettext_lazy("Problems found"), lambda r: " ".join(r.issues.split())[:40], css="text-wrap"),
        Column(gettext_lazy("Follow-up"), issue_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Date"), "date"),
            Column(_("Meal"), "get_meal_display"),
            Column(_("Companion"), "companion_display"),
            Column(_("Role"), "get_companion_role_display"),
            Column(_("Class"), "school_class"),
            Column(_("Taste"), "taste"),
            Column(_("Temperature"), "temperature"),
            Column(_("Quantity"), "quantity"),
            Column(_("Hygiene"), "hygiene"),
            Column(_("Observations"), "observations"),
            Column(_("Problems found"), "issues"),
            Column(_("Problem status"), "get_issue_status_display"),
            Column(_("Follow-up by"), "followup_assignee"),
            Column(_("Follow-up answer"), "followup_answer"),
            Column(_("Follow-up done at"), lambda r: local(r.followup_done_at)),
            Column(_("Void"), "is_void"),
            Column(_("Void reason"), "void_reason"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["open_issue_count"] = services.open_companion_issues(self.request.campus).count()
        ctx["month_url"] = campus_url(self.request, "canteen:meals_companion_month")
        return ctx


class CompanionCreateView(CompanionMixin, CampusViewMixin, FormView):
    """The phone-first record form: ratings as big buttons, photos from the camera."""

    template_name = "canteen/meals_companion_form.html"
    form_class = CompanionMealForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = ACCOMPANY
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Record an accompanying meal (陪餐)")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        initial = {}
        for key in ("date", "meal", "school_class"):
            if self.request.GET.get(key):
                initial[key] = self.request.GET[key]
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "canteen:meals_companion_list")
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            record = services.companion_meal_record(
                actor=self.request.user, campus=self.request.campus, date=data["date"], meal=data["meal"],
                companion_role=data["companion_role"], companion_name=data.get("companion_name", ""),
                school_class=data.get("school_class"), taste=data["taste"], temperature=data["temperature"],
                quantity=data["quantity"], hygiene=data["hygiene"], observations=data.get("observations", ""),
                issues=data.get("issues", ""), followup_assignee=data.get("followup_assignee"),
                followup_due=data.get("followup_due"), photos=data.get("photos"),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                raise
            add_errors(form, exc)
            return self.form_invalid(form)
        return done(self.request, campus_url(self.request, "canteen:meals_companion_detail", pk=record.pk),
                    _("Accompanying meal recorded."))  # fmt: skip


class CompanionDetailView(CompanionMixin, ObjectDetailView):
    template_name = "canteen/meals_companion_detail.html"

    def get_queryset(self):
        return CompanionMeal.objects.select_related(
            "companion", "school_class", "followup_assignee", "followup_done_by", "recorded_by", "voided_by"
        )

    def detail_fields(self):
        r = self.object
        return [
            (_("Date"), r.date),
            (_("Meal"), r.get_meal_display()),
            (_("Companion"), r.companion_display),
            (_("Role"), r.get_companion_role_display()),
            (_("Class"), r.school_class),
            (_("Taste"), stars(r.taste)),
            (_("Temperature"), stars(r.temperature)),
            (_("Quantity"), stars(r.quantity)),
            (_("Hygiene"), stars(r.hygiene)),
            (_("Observations"), r.observations),
            (_("Problems found"), r.issues),
            (_("Problem status"), issue_badge(r)),
            (_("Follow-up by"), r.followup_assignee),
            (_("Follow-up due"), r.followup_due),
            (_("Follow-up answer"), r.followup_answer),
            (_("Follow-up done by"), r.followup_done_by),
            (_("Follow-up done at"), local(r.followup_done_at)),
            (_("Recorded by"), r.recorded_by),
            (_("Recorded at"), local(r.created_at)),
            (_("Void reason"), r.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        accompany = has_perm(request, ACCOMPANY)
        ctx.update({
            "update_url": None, "delete_url": None,
            "photos": list(attachments_for(r)),
            "assign_form": AssignForm(campus=request.campus, initial={"assignee": r.followup_assignee_id,
                                                                      "due": r.followup_due})
            if accompany and r.issue_open else None,
            "answer_form": AnswerForm(campus=request.campus)
            if r.issue_open and services.may_answer(request.user, r, request.perms) else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void") if accompany and not r.is_void else None,
        })  # fmt: skip
        return ctx


def _record(pk):
    return get_object_or_404(CompanionMeal.objects.select_related("campus"), pk=pk)


def _detail(request, pk):
    return campus_url(request, "canteen:meals_companion_detail", pk=pk)


@campus_view(ACCOMPANY)
@require_POST
def companion_assign(request, campus, pk):
    record = _record(pk)
    form = AssignForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.companion_followup_assign(actor=request.user, record=record, assignee=form.cleaned_data["assignee"],
                                           due=form.cleaned_data.get("due"))  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("The follow-up was given to %(who)s.") % {
        "who": form.cleaned_data["assignee"]})  # fmt: skip


@campus_view(VIEW)
@require_POST
def companion_answer(request, campus, pk):
    """The person the follow-up was given to (or a leader) answers it."""
    record = _record(pk)
    if not services.may_answer(request.user, record, request.perms):
        raise PermissionDenied
    form = AnswerForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.companion_followup_answer(
            actor=request.user, record=record, answer=form.cleaned_data["answer"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("The problem is marked as dealt with."))


@campus_view(ACCOMPANY)
@require_POST
def companion_void(request, campus, pk):
    record = _record(pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, _detail(request, pk), form)
    try:
        services.companion_meal_void(actor=request.user, record=record, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _detail(request, pk), exc)
    return done(request, _detail(request, pk), _("The record was voided; it stays on record."))


class CompanionMonthView(CampusViewMixin, TemplateView):
    """Who accompanied which day of a month (a calendar), with the days nobody did."""

    template_name = "canteen/meals_companion_month.html"
    permission_required = VIEW
    title = gettext_lazy("Accompanying meals by month")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        year, month = MonthForm(self.request.GET).month_value()
        data = services.companion_month(self.request.campus, year, month)
        first = data["first"]
        weeks, week = [], [None] * first.weekday()
        for day in data["days"]:
            week.append(day)
            if len(week) == 7:
                weeks.append(week)
                week = []
        if week:
            weeks.append(week + [None] * (7 - len(week)))
        prev_month = first - dt.timedelta(days=1)
        next_month = data["last"] + dt.timedelta(days=1)
        ctx.update({
            "data": data, "weeks": weeks, "month_label": f"{year}-{month:02d}",
            "prev": f"{prev_month.year}-{prev_month.month:02d}", "next": f"{next_month.year}-{next_month.month:02d}",
            "weekday_names": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
            "list_url": campus_url(self.request, "canteen:meals_companion_list"),
            "create_url": campus_url(self.request, "canteen:meals_companion_create")
            if has_perm(self.request, ACCOMPANY) else None,
        })  # fmt: skip
        return ctx


urlpatterns = [
    path("companions/", CompanionListView.as_view(), name="meals_companion_list"),
    path("companions/new/", CompanionCreateView.as_view(), name="meals_companion_create"),
    path("companions/month/", CompanionMonthView.as_view(), name="meals_companion_month"),
    path("companions/<int:pk>/", CompanionDetailView.as_view(), name="meals_companion_detail"),
    path("companions/<int:pk>/assign/", companion_assign, name="meals_companion_assign"),
    path("companions/<int:pk>/answer/", companion_answer, name="meals_companion_answer"),
    path("companions/<int:pk>/void/", companion_void, name="meals_companion_void"),
]
