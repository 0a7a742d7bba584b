"""Safety education (安全教育): the monthly theme plan of a term and its per-class
completion, the 1530 talks per class, and activity safety plans (活动安全预案) with approval."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import approvals
from houqin.core.links import strict_request_url as _url
from houqin.core.models import SchoolClass, Term
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
)
from houqin.core.views.mechanisms import approval_timeline
from houqin.safety import services
from houqin.safety.filters import ActivityPlanFilter
from houqin.safety.forms import ActivityPlanForm, EducationRecordForm, EducationThemeForm, TalkForm
from houqin.safety.models import ActivityPlan, EducationRecord, EducationTheme, SafetyTalk
from houqin.safety.views.hazards import badge, error_text, local

PLAN_COLOURS = {
    "draft": "secondary",
    "pending": "yellow",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "secondary",
}


def chosen_term(request):
    """The term in ?term=, else the current one, else the next, else the latest."""
    terms = Term.objects.all()
    term_id = request.GET.get("term", "")
    if term_id.isdigit():
        term = terms.filter(pk=int(term_id)).first()
        if term is not None:
            return term
    today = timezone.localdate()
    return (
        terms.filter(start_date__lte=today, end_date__gte=today).first()
        or terms.filter(start_date__gt=today).order_by("start_date").first()
        or terms.order_by("-start_date").first()
    )


def my_classes(request):
    """Classes a teacher records for: their own first, else every active class."""
    classes = SchoolClass.objects.filter(is_active=True)
    own = classes.filter(head_teacher=request.user)
    if own.exists() and not has_perm(request, "safety.manage_education"):
        return own
    return classes


# --- The monthly plan ---------------------------------------------------------------------


class EducationPlanView(CampusViewMixin, TemplateView):
    """The term's monthly themes × classes: who has held each month's lesson."""

    template_name = "safety/education_plan.html"
    permission_required = "safety.view_education"
    write_permission = "safety.manage_education"
    title = gettext_lazy("Safety education plan")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        term = chosen_term(self.request)
        themes = list(EducationTheme.objects.filter(term=term).order_by("month", "id")) if term else []
        classes = list(SchoolClass.objects.filter(is_active=True).order_by("sort_order", "grade", "name"))
        records = {
            (r.theme_id, r.school_class_id): r
            for r in EducationRecord.objects.filter(theme__in=themes).select_related("teacher")
        }
        rows = []
        for theme in themes:
            cells = [(c, records.get((theme.pk, c.pk))) for c in classes] if theme.per_class else []
            done = sum(1 for _c, r in cells if r)
            rows.append(
                {
                    "theme": theme,
                    "cells": cells,
                    "done": done,
                    "rate": round(100 * done / len(classes)) if theme.per_class and classes else None,
                }
            )
        ctx.update(
            {
                "term": term,
                "terms": Term.objects.order_by("-start_date"),
                "classes": classes,
                "rows": rows,
                "can_record": has_perm(self.request, "safety.record_education"),
                "this_month": timezone.localdate().replace(day=1),
            }
        )
        return ctx


class ThemeMixin:
    model = EducationTheme
    url_base = "safety:education_theme"
    permission_required = "safety.view_education"
    write_permission = "safety.manage_education"


class ThemeFormView(ThemeMixin, ObjectFormView):
    form_class = EducationThemeForm

    def get_initial(self):
        initial = super().get_initial()
        if self.is_create:
            term = chosen_term(self.request)
            if term:
                initial.setdefault("term", term.pk)
        return initial

    def get_success_url(self):
        return _url(self.request, "safety:education_plan") + f"?term={self.object.term_id}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:education_plan")
        return ctx


@campus_view("safety.manage_education")
@require_POST
def education_prefill(request, campus):
    term = get_object_or_404(Term, pk=request.POST.get("term") or 0)
    created = services.education_plan_prefill(actor=request.user, term=term)
    messages.success(request, _("%(n)s monthly themes added from the built-in plan.") % {"n": len(created)})
    return HttpResponseRedirect(_url(request, "safety:education_plan") + f"?term={term.pk}")


class EducationRecordView(CampusViewMixin, FormView):
    """A class teacher records the month's lesson (date, notes, photos) — phone sized."""

    template_name = "generic/form.html"
    form_class = EducationRecordForm
    permission_required = "safety.record_education"
    write_permission = "safety.record_education"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.theme = None

    def get_theme(self):
        if self.theme is None:
            self.theme = get_object_or_404(
                EducationTheme.objects.select_related("term"), pk=self.kwargs["pk"]
            )
        return self.theme

    def get_title(self):
        return _("Record the lesson: %(theme)s") % {"theme": self.get_theme()}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        recorded = EducationRecord.objects.filter(theme=self.get_theme()).values("school_class_id")
        kwargs["classes"] = my_classes(self.request).exclude(pk__in=recorded)
        return kwargs

    def get_initial(self):
        initial = {"held_on": timezone.localdate()}
        cls = self.request.GET.get("school_class", "")
        if cls.isdigit():
            initial["school_class"] = int(cls)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.education_record_save(
                actor=self.request.user,
                theme=self.get_theme(),
                school_class=data["school_class"],
                held_on=data["held_on"],
                note=data["note"],
                photos=data["photos"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The lesson was recorded."))
        return HttpResponseRedirect(
            _url(self.request, "safety:education_plan") + f"?term={self.get_theme().term_id}"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:education_plan")
        return ctx


class EducationRecordDetailView(ObjectDetailView):
    model = EducationRecord
    url_base = "safety:education_record"
    permission_required = "safety.view_education"
    write_permission = "safety.record_education"
    fields = ("theme", "school_class", "held_on", "teacher", "note")

    def get_queryset(self):
        return EducationRecord.objects.select_related("theme", "school_class", "teacher")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["list_url"] = _url(self.request, "safety:education_plan") + f"?term={self.object.theme.term_id}"
        ctx["update_url"] = ctx["delete_url"] = None
        return ctx


# --- 1530 ---------------------------------------------------------------------------------


REASONS = {
    "daily": gettext_lazy("daily, before leaving"),
    "weekend": gettext_lazy("weekend"),
    "holiday": gettext_lazy("holiday"),
}


class TalkOverviewView(CampusViewMixin, TemplateView):
    """The 1530 mechanism per class: talks held against talks due so far this term."""

    template_name = "safety/education_1530.html"
    permission_required = "safety.view_education"
    title = gettext_lazy("1530 safety talks")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        term = chosen_term(self.request)
        classes = list(
            SchoolClass.objects.filter(is_active=True)
            .select_related("head_teacher")
            .order_by("sort_order", "name")
        )
        today = timezone.localdate()
        completion = services.talk_completion(term, classes, until=today) if term else {}
        due_today = [row for row in services.talk_due_list(term) if row[0] == today] if term else []
        ctx.update(
            {
                "term": term,
                "terms": Term.objects.order_by("-start_date"),
                "rows": [
                    (
                        c,
                        *completion.get(c.pk, (0, 0)),
                        round(100 * completion[c.pk][0] / completion[c.pk][1])
                        if completion.get(c.pk, (0, 0))[1]
                        else None,
                    )
                    for c in classes
                ],
                "due_today": [
                    (d, SafetyTalk.Slot(s).label, m, REASONS.get(r, r)) for d, s, m, r in due_today
                ],
            }
        )
        return ctx


class TalkClassView(CampusViewMixin, TemplateView):
    """One class's 1530 talks of the term: what was due, what was held; record on a phone."""

    template_name = "safety/education_1530_class.html"
    permission_required = "safety.view_education"
    write_permission = "safety.record_education"

    def get(self, request, *args, **kwargs):
        self.school_class = get_object_or_404(SchoolClass, pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("1530 safety talks: %(cls)s") % {"cls": self.school_class.name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        term = chosen_term(self.request)
        today = timezone.localdate()
        due = services.talk_due_list(term, until=today) if term else []
        held = {
            (t.date, t.slot): t
            for t in SafetyTalk.objects.filter(
                school_class=self.school_class, date__gte=term.start_date if term else today
            ).select_related("recorded_by")
        }
        rows = [
            {
                "date": d,
                "slot": s,
                "slot_label": SafetyTalk.Slot(s).label,
                "minutes": m,
                "reason": REASONS.get(r, r),
                "talk": held.get((d, s)),
            }
            for d, s, m, r in reversed(due)
        ]
        done = sum(1 for r in rows if r["talk"])
        ctx.update(
            {
                "term": term,
                "school_class": self.school_class,
                "rows": rows,
                "done": done,
                "due": len(rows),
                "rate": round(100 * done / len(rows)) if rows else None,
                "can_record": has_perm(self.request, "safety.record_education"),
                "today": today,
            }
        )
        return ctx


@campus_view("safety.record_education")
@require_POST
def talk_record(request, campus, pk):
    school_class = get_object_or_404(SchoolClass, pk=pk)
    form = TalkForm(request.POST, campus=request.campus)
    back = _url(request, "safety:talk_class", pk=school_class.pk)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        return HttpResponseRedirect(back)
    date = form.cleaned_data["date"]
    term = Term.objects.filter(start_date__lte=date, end_date__gte=date).first()
    if term is None:
        messages.error(request, _("That day is not in any term."))
        return HttpResponseRedirect(back)
    try:
        services.safety_talk_record(
            actor=request.user, term=term, school_class=school_class, date=date, slot=form.cleaned_data["slot"],
            topic=form.cleaned_data["topic"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Recorded."))
    return HttpResponseRedirect(back + (f"?term={term.pk}" if request.GET.get("term") else ""))


# --- Activity safety plans ----------------------------------------------------------------


def plan_status(p):
    return badge(PLAN_COLOURS.get(p.status, "secondary"), p.get_status_display(), p.status)


class ActivityMixin:
    model = ActivityPlan
    url_base = "safety:activity"
    permission_required = "safety.view_education"
    write_permission = "safety.record_education"


class ActivityListView(ActivityMixin, ObjectListView):
    filterset_class = ActivityPlanFilter
    search_fields = ("title", "destination")
    pinyin_field = ""
    title = gettext_lazy("Activity safety plans")
    create_label = gettext_lazy("New activity plan")
    select_related = ("responsible",)
    ordering = ("-starts_at", "-id")
    columns = [
        Column(gettext_lazy("Activity"), "title", link=True),
        Column(gettext_lazy("Starts at"), lambda p: local(p.starts_at)),
        Column(gettext_lazy("Place or destination"), "destination"),
        Column(gettext_lazy("Children"), "children_count"),
        Column(gettext_lazy("Person responsible (活动责任人)"), "responsible"),
        Column(gettext_lazy("Status"), plan_status, export=False),
    ]
    export_columns = [*columns[:-1], Column(gettext_lazy("Status"), "get_status_display")]


class ActivityFormView(ActivityMixin, ObjectFormView):
    form_class = ActivityPlanForm

    def get_object(self):
        obj = super().get_object()
        if obj.submitted_by_id != self.request.user.pk and not has_perm(
            self.request, "safety.manage_education"
        ):
            raise PermissionDenied
        if obj.status not in services.ACTIVITY_EDITABLE:
            raise PermissionDenied
        return obj

    def get_initial(self):
        initial = super().get_initial()
        if self.is_create:
            initial.setdefault("responsible", self.request.user.pk)
        return initial

    def save_object(self, form, instance, before):
        data = {name: form.cleaned_data.get(name) for name in services.ACTIVITY_PLAN_FIELDS}
        plan = services.activity_plan_save(
            actor=self.request.user,
            campus=self.request.campus,
            data=data,
            classes=form.cleaned_data.get("classes"),
            plan=None if self.is_create else self.object,
        )
        if "submit" in self.request.POST:
            services.activity_plan_submit(actor=self.request.user, plan=plan)
        return plan


class ActivityDetailView(ActivityMixin, ObjectDetailView):
    template_name = "safety/education_activity_detail.html"

    def get_queryset(self):
        return ActivityPlan.objects.select_related("responsible", "submitted_by").prefetch_related("classes")

    def detail_fields(self):
        p = self.object
        return [
            (_("Activity"), p.title),
            (_("Status"), plan_status(p)),
            (_("Starts at"), local(p.starts_at)),
            (_("Ends at"), local(p.ends_at)),
            (_("Place or destination"), p.destination),
            (_("Classes"), "、".join(c.name for c in p.classes.all())),
            (_("Children"), p.children_count),
            (_("Accompanying adults"), p.adults_count),
            (_("Person responsible (活动责任人)"), p.responsible),
            (_("Transport"), p.transport),
            (_("Risks"), p.risks),
            (_("Safety measures before, during and after"), p.measures),
            (_("Emergency arrangements and contacts"), p.emergency),
            (_("Submitted by"), p.submitted_by),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p, user = self.object, self.request.user
        mine = p.submitted_by_id == user.pk
        manage = has_perm(self.request, "safety.manage_education")
        editable = p.status in services.ACTIVITY_EDITABLE
        ctx.update(
            {
                "update_url": self.url("update", pk=p.pk)
                if (mine or manage) and editable and ctx["can_write"]
                else None,
                "delete_url": None,
                "can_submit": (mine or manage) and editable and ctx["can_write"],
                "can_withdraw": mine and p.status == ActivityPlan.Status.PENDING,
                "rounds": [approval_timeline(a) for a in approvals.requests_for(p)],
                "print_url": self.url("print", pk=p.pk),
            }
        )
        return ctx


class ActivityPrintView(ActivityMixin, CampusViewMixin, TemplateView):
    template_name = "safety/education_activity_print.html"
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            ActivityPlan.objects.select_related("responsible").prefetch_related("classes"), pk=kwargs["pk"]
        )
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Activity safety plan (活动安全预案)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rounds = list(approvals.requests_for(self.object))
        ctx["object"] = self.object
        ctx["round"] = approval_timeline(rounds[0]) if rounds else None
        return ctx


@campus_view("safety.record_education")
@require_POST
def activity_submit(request, campus, pk):
    plan = get_object_or_404(ActivityPlan, pk=pk)
    if plan.submitted_by_id != request.user.pk and not has_perm(request, "safety.manage_education"):
        raise PermissionDenied
    try:
        services.activity_plan_submit(actor=request.user, plan=plan)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Submitted for approval."))
    return HttpResponseRedirect(_url(request, "safety:activity_detail", pk=plan.pk))


@campus_view("safety.record_education")
@require_POST
def activity_withdraw(request, campus, pk):
    plan = get_object_or_404(ActivityPlan, pk=pk)
    try:
        services.activity_plan_withdraw(
            actor=request.user, plan=plan, comment=request.POST.get("comment", "")[:500]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The plan was withdrawn; you can edit it and submit it again."))
    return HttpResponseRedirect(_url(request, "safety:activity_detail", pk=plan.pk))


urlpatterns = [
    path("education/", EducationPlanView.as_view(), name="education_plan"),
    path("education/prefill/", education_prefill, name="education_prefill"),
    path("education/themes/new/", ThemeFormView.as_view(), name="education_theme_create"),
    path("education/themes/<int:pk>/edit/", ThemeFormView.as_view(), name="education_theme_update"),
    path("education/themes/<int:pk>/record/", EducationRecordView.as_view(), name="education_record"),
    path("education/records/<int:pk>/", EducationRecordDetailView.as_view(), name="education_record_detail"),
    path("education/1530/", TalkOverviewView.as_view(), name="talk_overview"),
    path("education/1530/classes/<int:pk>/", TalkClassView.as_view(), name="talk_class"),
    path("education/1530/classes/<int:pk>/record/", talk_record, name="talk_record"),
    path("activities/", ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", ActivityFormView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", ActivityDetailView.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", ActivityFormView.as_view(), name="activity_update"),
    path("activities/<int:pk>/print/", ActivityPrintView.as_view(), name="activity_print"),
    path("activities/<int:pk>/submit/", activity_submit, name="activity_submit"),
    path("activities/<int:pk>/withdraw/", activity_withdraw, name="activity_withdraw"),
]
