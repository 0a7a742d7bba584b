"""Responsibility zones (责任区, 分片包干): list with the completion rate of each zone's
cleaning routines and its term score, the zone page, and creating its routines."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from houqin.core.permissions import campus_view, has_perm
from houqin.core.settings_registry import campus_setting
from houqin.core.views.generic import Column, ObjectDetailView, ObjectFormView, ObjectListView
from houqin.environment import selectors, services
from houqin.environment.filters import ZoneFilter
from houqin.environment.forms import ProblemForm, ZoneForm, ZoneRoutinesForm
from houqin.environment.models import CleaningZone, HygieneProblem, ZoneScore
from houqin.environment.views.common import campus_url, done, failed, form_failed, rate_badge, score_badge


class ZoneMixin:
    model = CleaningZone
    url_base = "environment:zone"
    permission_required = "environment.view_environment"
    write_permission = "environment.manage_zones"


def _routines_cell(zone):
    parts = []
    if zone.daily_routine_id:
        parts.append(_("daily"))
    if zone.weekly_routine_id:
        parts.append(_("weekly"))
    return "、".join(parts) or None


class ZoneListView(ZoneMixin, ObjectListView):
    filterset_class = ZoneFilter
    search_fields = ("name", "area_text")
    title = gettext_lazy("Responsibility zones (责任区)")
    create_label = gettext_lazy("New zone")
    select_related = ("school_class", "school_class__head_teacher", "responsible")
    prefetch_related = ("rooms",)
    ordering = ("sort_order", "name", "id")

    @property
    def columns(self):
        return [
            Column(_("Zone"), "name", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Place"), "place_label", css="text-wrap"),
            Column(_("Responsible"), "responsible_label"),
            Column(_("Routines"), _routines_cell),
            Column(_("Cleaning done (term)"), lambda z: rate_badge(self._rate(z)), export=False),
            Column(_("Term score"), lambda z: score_badge(self._score(z), self.pass_score), export=False),
            Column(_("Rank"), self._rank),
        ]

    @property
    def export_columns(self):
        return [
            Column(_("Zone"), "name"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Place"), "place_label"),
            Column(_("Class"), "school_class"),
            Column(_("Responsible person"), lambda z: z.responsible_person),
            Column(_("Routines"), _routines_cell),
            Column(_("Cleaning done (term, %)"), self._rate),
            Column(_("Term score"), self._score),
            Column(_("Rank"), self._rank),
            Column(_("In use"), "is_active"),
        ]

    def _prepare(self, qs):
        """The term's routine completion and ranking of the listed zones (4–5 queries)."""
        campus = self.request.campus
        self.pass_score = campus_setting(campus, "environment.pass_score")
        self.stats, self.ranks = {}, {}
        term = selectors.current_term(campus)
        if term is None:
            return
        until = min(term.end_date, timezone.localdate())
        ids = list(qs.order_by().values_list("pk", "daily_routine_id", "weekly_routine_id"))
        stats = selectors.routine_stats([t for _z, d, w in ids for t in (d, w)], term.start_date, until)
        for pk, daily, weekly in ids:
            parts = [stats[t] for t in (daily, weekly) if t in stats]
            if parts:
                self.stats[pk] = selectors._sum_stats(parts)
        self.ranks = {r["zone"].pk: r for r in selectors.ranking(campus, term.start_date, until)}

    def _rate(self, zone):
        entry = self.stats.get(zone.pk)
        return entry["rate"] if entry else None

    def _score(self, zone):
        entry = self.ranks.get(zone.pk)
        return entry["score"] if entry else None

    def _rank(self, zone):
        entry = self.ranks.get(zone.pk)
        return entry["rank"] if entry else None

    def export(self, qs):
        self._prepare(qs)
        return super().export(qs)

    def get_context_data(self, **kwargs):
        self._prepare(self.object_list)
        return super().get_context_data(**kwargs)


class ZoneCreateView(ZoneMixin, ObjectFormView):
    form_class = ZoneForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if self.is_create:
            form.fields["make_routines"] = forms.BooleanField(
                label=_("Create its routines now: 一日一小扫 and 一周一大扫"), required=False, initial=True
            )
            form.fields["make_routines"].widget.attrs["class"] = "form-check-input"
        return form

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data[k] for k in services.ZONE_FIELDS if k in form.cleaned_data}
        zone = services.zone_save(
            actor=self.request.user, campus=self.request.campus, data=data, rooms=form.cleaned_data["rooms"],
            zone=self.object,
        )  # fmt: skip
        if self.is_create and form.cleaned_data.get("make_routines") and zone.is_active:
            services.zone_generate_routines(actor=self.request.user, zone=zone)
        return zone


class ZoneDetailView(ZoneMixin, ObjectDetailView):
    template_name = "environment/zone_detail.html"

    def get_queryset(self):
        return CleaningZone.objects.select_related(
            "school_class", "school_class__head_teacher", "responsible", "daily_routine", "weekly_routine"
        ).prefetch_related("rooms")

    def detail_fields(self):
        z = self.object
        return [
            (_("Zone"), z.name),
            (_("Kind"), z.get_kind_display()),
            (_("Place"), z.place_label),
            (_("Responsible class"), z.school_class),
            (_("Responsible person"), z.responsible_person),
            (_("In use"), z.is_active),
            (_("Note"), z.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        zone, request = self.object, self.request
        today = timezone.localdate()
        term = selectors.current_term(request.campus)
        periods = [
            (_("This week"), *selectors.week_bounds(today)),
            (_("This month"), *selectors.month_bounds(today)),
        ]
        if term is not None:
            periods.append((_("This term"), term.start_date, term.end_date))
        routine_rows = []
        for label, start, end in periods:
            stats = selectors.zone_routine_stats([zone], start, end).get(zone.pk)
            routine_rows.append((label, stats))
        scores = list(
            ZoneScore.objects.filter(zone=zone, inspection__status="submitted")
            .select_related("inspection", "inspection__inspector")
            .prefetch_related("items")
            .order_by("-inspection__date", "-id")[:12]
        )
        pass_score = campus_setting(request.campus, "environment.pass_score")
        manage = has_perm(request, "environment.manage_zones")
        ctx.update({
            "routines": [t for t in (zone.daily_routine, zone.weekly_routine) if t is not None],
            "routine_rows": routine_rows,
            "scores": [(s, score_badge(s.percent, pass_score)) for s in scores],
            "problems": list(zone.problems.filter(status__in=HygieneProblem.ACTIVE_STATUSES)
                             .select_related("responsible").order_by("deadline")),
            "routines_form": ZoneRoutinesForm(campus=request.campus)
            if manage and zone.is_active and not (zone.daily_routine_id and zone.weekly_routine_id) else None,
            "problem_form": ProblemForm(campus=request.campus, initial={"zone": zone.pk})
            if has_perm(request, "environment.inspect_hygiene") and zone.is_active else None,
            "delete_url": None,
        })  # fmt: skip
        return ctx


@campus_view("environment.manage_zones")
@require_POST
def zone_routines(request, campus, pk):
    zone = get_object_or_404(CleaningZone, pk=pk)
    url = campus_url(request, "environment:zone_detail", pk=pk)
    form = ZoneRoutinesForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        created = services.zone_generate_routines(
            actor=request.user, zone=zone, kinds=form.cleaned_data["kinds"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(
        request,
        url,
        ngettext(
            "%(n)s routine created; it appears on the responsible person's Today page.",
            "%(n)s routines created; they appear on the responsible person's Today page.",
            len(created),
        )
        % {"n": len(created)},
    )


urlpatterns = [
    path("zones/", ZoneListView.as_view(), name="zone_list"),
    path("zones/new/", ZoneCreateView.as_view(), name="zone_create"),
    path("zones/<int:pk>/", ZoneDetailView.as_view(), name="zone_detail"),
    path("zones/<int:pk>/edit/", ZoneCreateView.as_view(), name="zone_update"),
    path("zones/<int:pk>/routines/", zone_routines, name="zone_routines"),
]
