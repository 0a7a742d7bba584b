"""Greening (绿化): the overview of the areas with this week's due and done tasks, the area
register (list, export), the area page and creating its care tasks (routines)."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.models import RoutineTemplate
from houqin.core.permissions import campus_view, has_perm
from houqin.core.routines import may_complete
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.environment import selectors, services
from houqin.environment.filters import AreaFilter
from houqin.environment.forms import GreeningAreaForm, TasksForm
from houqin.environment.models import GreeningArea, GreeningTask
from houqin.environment.views.common import campus_url, done, failed, form_failed, rate_badge

VIEW, MANAGE = "environment.view_environment", "environment.manage_zones"


def _task_rows(request, tasks, today):
    """Each task with this week's checks (done / due / missed), the next one and whether the
    user may record the due one (3 queries for all tasks)."""
    templates = [t.template_id for t in tasks]
    this_week, upcoming = selectors.week_occurrences(templates, today)
    term = selectors.current_term(request.campus)
    stats = selectors.routine_stats(templates, term.start_date, term.end_date) if term else {}
    rows = []
    for task in tasks:
        occs = this_week.get(task.template_id, [])
        due = [o for o in occs if o.status == "pending" and o.date <= today]
        for o in due:
            o.template = task.template
        can_record = [
            o for o in due if may_complete(o, user=request.user, roles=request.roles, perms=request.perms)
        ]
        rows.append({
            "task": task, "template": task.template, "week": occs, "due": due, "next": upcoming.get(task.template_id),
            "record": can_record[0] if can_record else None, "stats": stats.get(task.template_id),
        })  # fmt: skip
    return rows


class GreeningView(CampusViewMixin, TemplateView):
    """绿化: every area in use with its tasks and this week's checks; the campus-wide greening
    routines not tied to an area are listed below."""

    template_name = "environment/greening.html"
    permission_required = VIEW
    title = gettext_lazy("Greening (绿化)")
    paginate_by = 20

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        today = timezone.localdate()
        qs = (
            GreeningArea.objects.filter(is_active=True)
            .select_related("room", "caretaker", "school_class", "school_class__head_teacher")
            .order_by("name", "id")
        )
        page = Paginator(qs, self.paginate_by).get_page(request.GET.get("page"))
        areas = list(page.object_list)
        tasks = list(
            GreeningTask.objects.filter(area__in=areas)
            .select_related("template", "template__responsible_user")
            .order_by("area_id", "kind")
        )
        rows = _task_rows(request, tasks, today)
        by_area = {}
        for row in rows:
            by_area.setdefault(row["task"].area_id, []).append(row)
        linked = GreeningTask.objects.values("template_id")
        campus_wide = list(
            RoutineTemplate.objects.filter(category=services.GREENING_CATEGORY, is_active=True)
            .exclude(pk__in=linked)
            .order_by("name")
        )
        week_start, week_end = selectors.week_bounds(today)
        ctx.update({
            "areas": [(a, by_area.get(a.pk, [])) for a in areas], "page": page, "paginator": page.paginator,
            "campus_wide": campus_wide, "week_start": week_start, "week_end": week_end, "today": today,
            "due_count": sum(len(r["due"]) for r in rows),
            "can_manage": has_perm(request, MANAGE),
        })  # fmt: skip
        return ctx


class AreaMixin:
    model = GreeningArea
    url_base = "environment:area"
    permission_required = VIEW
    write_permission = MANAGE


class AreaListView(AreaMixin, ObjectListView):
    filterset_class = AreaFilter
    search_fields = ("name", "species", "location")
    title = gettext_lazy("Greening areas")
    create_label = gettext_lazy("New greening area")
    select_related = ("room", "caretaker", "school_class")
    ordering = ("name", "id")

    @property
    def columns(self):
        return [
            Column(_("Name"), "name", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Plants"), "species"),
            Column(_("Place"), "place_label"),
            Column(_("Size"), "size_label"),
            Column(_("Caretaker"), lambda a: a.caretaker or a.school_class),
            Column(_("Tasks"), "task_count"),
            Column(_("Done (term)"), lambda a: rate_badge(self._rate(a)), export=False),
        ]

    @property
    def export_columns(self):
        return [
            Column(_("Name"), "name"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Plants"), "species"),
            Column(_("Place"), "place_label"),
            Column(_("Count"), "quantity"),
            Column(_("Area (m²)"), "area_m2"),
            Column(_("Caretaker"), "caretaker"),
            Column(_("Contracted class"), "school_class"),
            Column(_("Tasks"), "task_count"),
            Column(_("Done (term, %)"), self._rate),
            Column(_("In use"), "is_active"),
        ]

    def get_queryset(self):
        return super().get_queryset().annotate(task_count=Count("tasks"))

    def _prepare(self, qs):
        self.stats = {}
        term = selectors.current_term(self.request.campus)
        if term is not None:
            ids = list(qs.order_by().values_list("pk", flat=True))
            self.stats = selectors.area_routine_stats(ids, term.start_date, term.end_date)

    def _rate(self, area):
        entry = self.stats.get(area.pk)
        return entry["all"]["rate"] if entry else None

    def export(self, qs):
        self._prepare(qs)
        return super().export(qs)

    def get_context_data(self, **kwargs):
        self._prepare(self.object_list)
        return super().get_context_data(**kwargs)


class AreaFormView(AreaMixin, ObjectFormView):
    form_class = GreeningAreaForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.is_create:
            form.fields["make_tasks"] = forms.BooleanField(
                label=_("Create the usual care tasks for this kind of area now"), required=False, initial=True
            )
            form.fields["make_tasks"].widget.attrs["class"] = "form-check-input"
        return form

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data[k] for k in services.AREA_FIELDS if k in form.cleaned_data}
        area = services.greening_area_save(
            actor=self.request.user, campus=self.request.campus, data=data, area=self.object
        )
        if self.is_create and form.cleaned_data.get("make_tasks") and area.is_active:
            services.greening_generate_tasks(actor=self.request.user, area=area)
        return area


class AreaDetailView(AreaMixin, ObjectDetailView):
    template_name = "environment/area_detail.html"

    def get_queryset(self):
        return GreeningArea.objects.select_related(
            "room", "caretaker", "school_class", "school_class__head_teacher"
        )

    def detail_fields(self):
        a = self.object
        return [
            (_("Name"), a.name),
            (_("Kind"), a.get_kind_display()),
            (_("Plants"), a.species),
            (_("Place"), a.place_label),
            (_("Size"), a.size_label),
            (_("Caretaker"), a.caretaker_person),
            (_("Contracted class"), a.school_class),
            (_("In use"), a.is_active),
            (_("Note"), a.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        area, request = self.object, self.request
        tasks = list(area.tasks.select_related("template", "template__responsible_user").order_by("kind"))
        tasks_form = TasksForm(campus=request.campus, area=area) if has_perm(request, MANAGE) else None
        ctx.update({
            "rows": _task_rows(request, tasks, timezone.localdate()),
            "today": timezone.localdate(),
            "tasks_form": tasks_form if tasks_form is not None and tasks_form.fields["kinds"].choices else None,
            "delete_url": None,
        })  # fmt: skip
        return ctx


@campus_view(MANAGE)
@require_POST
def area_tasks(request, campus, pk):
    area = get_object_or_404(GreeningArea, pk=pk)
    url = campus_url(request, "environment:area_detail", pk=pk)
    form = TasksForm(request.POST, campus=request.campus, area=area)
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        created = services.greening_generate_tasks(
            actor=request.user, area=area, kinds=form.cleaned_data["kinds"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(
        request,
        url,
        ngettext(
            "%(n)s care task created as a routine.", "%(n)s care tasks created as routines.", len(created)
        )
        % {"n": len(created)},
    )


urlpatterns = [
    path("greening/", GreeningView.as_view(), name="greening"),
    path("greening/areas/", AreaListView.as_view(), name="area_list"),
    path("greening/areas/new/", AreaFormView.as_view(), name="area_create"),
    path("greening/areas/<int:pk>/", AreaDetailView.as_view(), name="area_detail"),
    path("greening/areas/<int:pk>/edit/", AreaFormView.as_view(), name="area_update"),
    path("greening/areas/<int:pk>/tasks/", area_tasks, name="area_tasks"),
]
