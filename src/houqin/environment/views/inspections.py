"""Scoring sheets, hygiene inspections (the scoring grid: zones × standards, on a phone or a
PC), their print layout, and the weekly / monthly ranking (卫生评比)."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from houqin.core.models import Attachment
from houqin.core.permissions import campus_view, has_perm
from houqin.core.settings_registry import campus_setting
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView
from houqin.environment import selectors, services
from houqin.environment.filters import InspectionFilter
from houqin.environment.forms import (
    InspectionForm,
    RankingForm,
    ReasonForm,
    SheetForm,
    SheetItemFormSet,
    parse_date,
)
from houqin.environment.models import HygieneInspection, ScoringItem, ScoringSheet, ZoneScore
from houqin.environment.models.inspections import plain
from houqin.environment.views.common import badge, campus_url, done, failed, form_failed, local, score_badge

VIEW, INSPECT, MANAGE = (
    "environment.view_environment",
    "environment.inspect_hygiene",
    "environment.manage_zones",
)
STATUS_COLOURS = {"draft": "yellow", "submitted": "green", "void": "secondary"}


def status_badge(obj):
    return badge(STATUS_COLOURS.get(obj.status, "secondary"), obj.get_status_display(), obj.status)


# --- Scoring sheets -------------------------------------------------------------------------------


class SheetMixin:
    model = ScoringSheet
    url_base = "environment:sheet"
    permission_required = MANAGE
    write_permission = MANAGE


class SheetListView(SheetMixin, ObjectListView):
    template_name = "environment/sheet_list.html"
    title = gettext_lazy("Scoring sheets (评分表)")
    create_label = gettext_lazy("New sheet")
    search_fields = ("name",)
    pinyin_field = ""
    ordering = ("-is_default", "name", "id")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Default"), "is_default"),
        Column(gettext_lazy("In use"), "is_active"),
        Column(gettext_lazy("Standards"), "item_count"),
        Column(gettext_lazy("Full marks"), "full_marks"),
    ]

    def get_queryset(self):
        active = Q(items__is_active=True)
        return (
            super()
            .get_queryset()
            .annotate(
                item_count=Count("items", filter=active), full_marks=Sum("items__max_points", filter=active)
            )
        )


class SheetDetailView(SheetMixin, ObjectDetailView):
    template_name = "environment/sheet_detail.html"
    permission_required = VIEW

    def detail_fields(self):
        s = self.object
        return [
            (_("Name"), s.name),
            (_("Default sheet"), s.is_default),
            (_("In use"), s.is_active),
            (_("Note"), s.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        items = list(ScoringItem.objects.filter(sheet=self.object, is_active=True).order_by("order", "id"))
        ctx.update({"items": items, "full_marks": services.sheet_max_total(items), "delete_url": None})
        if not has_perm(self.request, MANAGE):
            ctx["update_url"] = None
        return ctx


class SheetFormView(SheetMixin, CampusViewMixin, FormView):
    """A sheet and its standards (a formset: text, how to score, points; tick to remove)."""

    template_name = "environment/sheet_form.html"
    form_class = SheetForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def _load(self):
        if "pk" in self.kwargs:
            self.object = get_object_or_404(ScoringSheet, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object} if self.object else _("New scoring sheet")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update({"instance": self.object, "campus": self.request.campus})
        return kwargs

    def get_formset(self):
        if self.request.method == "POST":
            return SheetItemFormSet(
                self.request.POST, prefix="items", form_kwargs={"campus": self.request.campus}
            )
        initial = []
        if self.object is not None:
            initial = [
                {"id": i.pk, "label": i.label, "guidance": i.guidance, "max_points": i.max_points}
                for i in ScoringItem.objects.filter(sheet=self.object, is_active=True).order_by("order", "id")
            ]
        return SheetItemFormSet(initial=initial, prefix="items", form_kwargs={"campus": self.request.campus})

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("formset", self.get_formset())
        ctx["object"] = self.object
        ctx["cancel_url"] = (
            campus_url(self.request, "environment:sheet_detail", pk=self.object.pk)
            if self.object
            else campus_url(self.request, "environment:sheet_list")
        )
        return ctx

    def form_valid(self, form):
        formset = self.get_formset()
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        items = [
            {"id": f.cleaned_data.get("id"), "label": f.cleaned_data["label"], "guidance": f.cleaned_data.get("guidance"),
             "max_points": f.cleaned_data["max_points"]}
            for f in formset.forms
            if f.cleaned_data and f.cleaned_data.get("label") and not f.cleaned_data.get("DELETE")
        ]  # fmt: skip
        data = {k: form.cleaned_data[k] for k in ("name", "is_default", "is_active", "note")}
        try:
            sheet = services.sheet_save(
                actor=self.request.user, campus=self.request.campus, data=data, items=items, sheet=self.object
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.render_to_response(self.get_context_data(form=form, formset=formset))
        return done(
            self.request, campus_url(self.request, "environment:sheet_detail", pk=sheet.pk), _("Saved.")
        )


@campus_view(MANAGE)
@require_POST
def sheet_default(request, campus):
    """Create the default sheet from SPEC §3.9's standards (if the campus has none)."""
    sheet = services.sheet_ensure_default(actor=request.user, campus=request.campus)
    return done(
        request,
        campus_url(request, "environment:sheet_detail", pk=sheet.pk),
        _("The default sheet is ready."),
    )


# --- Inspections ----------------------------------------------------------------------------------


class InspectionMixin:
    model = HygieneInspection
    url_base = "environment:inspection"
    permission_required = VIEW
    write_permission = INSPECT


def _average(obj):
    return selectors.percent(obj.sum_total, obj.sum_max) if obj.sum_max else None


class InspectionListView(InspectionMixin, ObjectListView):
    filterset_class = InspectionFilter
    title = gettext_lazy("Hygiene inspections (卫生检查)")
    create_label = gettext_lazy("Start an inspection")
    select_related = ("inspector", "sheet")
    ordering = ("-date", "-id")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Inspector"), "inspector"),
            Column(_("Zones scored"), "zone_count"),
            Column(_("Average score"), _average),
            Column(_("Status"), status_badge, export=False),
        ]

    @property
    def export_columns(self):
        return [
            Column(_("Date"), "date"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Scoring sheet"), "sheet"),
            Column(_("Inspector"), "inspector"),
            Column(_("Also inspecting"), "participants"),
            Column(_("Zones scored"), "zone_count"),
            Column(_("Average score"), _average),
            Column(_("Status"), "get_status_display"),
            Column(_("Summary"), "note"),
            Column(_("Void reason"), "void_reason"),
        ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                zone_count=Count("zone_scores"),
                sum_total=Sum("zone_scores__total"),
                sum_max=Sum("zone_scores__max_total"),
            )
        )


class InspectionCreateView(InspectionMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = InspectionForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = INSPECT
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Start a hygiene inspection")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        kind = self.request.GET.get("kind")
        today = timezone.localdate()
        if kind not in HygieneInspection.Kind.values:
            week = services.weekly_inspection_of(self.request.campus, today)
            kind = HygieneInspection.Kind.SPOT if week is not None else HygieneInspection.Kind.WEEKLY
        return {"date": today, "kind": kind}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "environment:inspection_list")
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            inspection = services.inspection_create(
                actor=self.request.user, campus=self.request.campus, date=data["date"], kind=data["kind"],
                sheet=data["sheet"], participants=data["participants"], note=data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return HttpResponseRedirect(
            campus_url(self.request, "environment:inspection_score", pk=inspection.pk)
        )


def _grid_rows(inspection, items, zones, posted=None, errors=None):
    """The rows of the scoring grid: each zone with its cells (item, field name, value)."""
    existing = {
        zs.zone_id: zs for zs in ZoneScore.objects.filter(inspection=inspection).prefetch_related("items")
    }
    photo_counts = {}
    if existing:
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(ZoneScore)
        photo_counts = dict(
            Attachment.objects.filter(content_type=ct, object_id__in=[str(z.pk) for z in existing.values()],
                                      voided_at__isnull=True)
            .order_by().values("object_id").annotate(n=Count("id")).values_list("object_id", "n")
        )  # fmt: skip
    rows = []
    for zone in zones:
        zs = existing.get(zone.pk)
        saved = {s.item_id: s for s in zs.items.all()} if zs else {}
        cells = []
        for item in items:
            name = f"d_{zone.pk}_{item.pk}"
            if posted is not None:
                value = posted.get(name, "")
            else:
                score = saved.get(item.pk)
                value = plain(score.deduction) if score and score.deduction else ""
            cells.append({"item": item, "name": name, "value": value})
        if posted is not None:
            note, send_back, deadline = (
                posted.get(f"n_{zone.pk}", ""),
                bool(posted.get(f"b_{zone.pk}")),
                posted.get(f"t_{zone.pk}", ""),
            )
            skip = bool(posted.get(f"s_{zone.pk}"))
        else:
            note = zs.note if zs else ""
            send_back = zs.send_back if zs else False
            deadline = zs.deadline.isoformat() if zs and zs.deadline else ""
            skip = zs is None and bool(existing)
        rows.append({
            "zone": zone, "cells": cells, "note": note, "send_back": send_back, "deadline": deadline, "skip": skip,
            "score": zs, "photos": photo_counts.get(str(zs.pk), 0) if zs else 0,
            "errors": (errors or {}).get(f"zone_{zone.pk}", []),
        })  # fmt: skip
    return rows


class InspectionScoreView(InspectionMixin, CampusViewMixin, TemplateView):
    """The scoring grid: every zone × every standard of the sheet, points deducted per cell
    (blank = none), a note, photos and "send back" per zone. A table on a PC, one card per
    zone on a phone. Save as often as needed; submit when done."""

    template_name = "environment/inspection_score.html"
    permission_required = INSPECT

    def dispatch(self, request, *args, **kwargs):
        self.inspection = None
        return super().dispatch(request, *args, **kwargs)

    def get_inspection(self):
        return get_object_or_404(
            HygieneInspection.objects.select_related("sheet", "inspector"), pk=self.kwargs["pk"]
        )

    def get_title(self):
        return _("Score: %(what)s") % {"what": self.inspection}

    def get(self, request, *args, **kwargs):
        self.inspection = self.get_inspection()
        if not self.inspection.is_draft:
            messages.info(request, _("This inspection was submitted; it can no longer be scored."))
            return HttpResponseRedirect(
                campus_url(request, "environment:inspection_detail", pk=self.inspection.pk)
            )
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, posted=None, errors=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = self.inspection
        items = list(
            ScoringItem.objects.filter(sheet_id=inspection.sheet_id, is_active=True).order_by("order", "id")
        )
        zones = list(services.inspection_zones(inspection))
        ctx.update({
            "inspection": inspection, "items": items, "full_marks": services.sheet_max_total(items),
            "rows": _grid_rows(inspection, items, zones, posted, errors),
            "default_deadline": services._problem_deadline(self.request.campus, timezone.localdate()),
            "general_errors": [m for k, v in (errors or {}).items() if not k.startswith("zone_") for m in v],
        })  # fmt: skip
        return ctx

    def post(self, request, *args, **kwargs):
        self.inspection = self.get_inspection()
        if not self.inspection.is_draft:
            messages.error(
                request, _("A submitted inspection is a record: void it with a reason and score again.")
            )
            return HttpResponseRedirect(
                campus_url(request, "environment:inspection_detail", pk=self.inspection.pk)
            )
        items = list(ScoringItem.objects.filter(sheet_id=self.inspection.sheet_id, is_active=True))
        rows = []
        post = request.POST
        for zone in services.inspection_zones(self.inspection):
            deadline = parse_date(post.get(f"t_{zone.pk}", ""))
            rows.append({
                "zone": zone,
                "deductions": {item.pk: post.get(f"d_{zone.pk}_{item.pk}", "").strip() for item in items},
                "note": post.get(f"n_{zone.pk}", ""),
                "photos": request.FILES.getlist(f"p_{zone.pk}"),
                "send_back": bool(post.get(f"b_{zone.pk}")),
                "deadline": deadline,
                "skip": bool(post.get(f"s_{zone.pk}")),
            })  # fmt: skip
        submit = post.get("action") == "submit"
        try:
            services.inspection_save_scores(
                actor=request.user, inspection=self.inspection, rows=rows, submit=submit
            )
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "message_dict", None) or {"__all__": getattr(exc, "messages", [str(exc)])}
            messages.error(request, _("Nothing was saved; correct the rows marked in red."))
            return self.render_to_response(self.get_context_data(posted=post, errors=errors), status=200)
        if submit:
            return done(request, campus_url(request, "environment:inspection_detail", pk=self.inspection.pk),
                        _("Submitted. The scores count in the ranking now."))  # fmt: skip
        return done(request, campus_url(request, "environment:inspection_score", pk=self.inspection.pk),
                    _("Saved; submit when every zone is scored."))  # fmt: skip


def inspection_sheet(inspection):
    """(items, rows) of an inspection as a table: each scored zone with its cells and rank."""
    scores = list(
        ZoneScore.objects.filter(inspection=inspection)
        .select_related("zone", "zone__school_class", "zone__school_class__head_teacher", "zone__responsible")
        .prefetch_related("items")
        .order_by("zone__sort_order", "zone__name")
    )
    labels = {}
    for zs in scores:
        for s in zs.items.all():
            labels.setdefault(s.item_id, (s.label, s.max_points, s.item_id))
    items = sorted(labels.values(), key=lambda t: t[2])
    rows = []
    for zs in scores:
        by_item = {s.item_id: s for s in zs.items.all()}
        pct = zs.percent
        rank = 1 + sum(
            1 for zs2 in scores if zs2.percent is not None and pct is not None and zs2.percent > pct
        )
        rows.append({"score": zs, "cells": [by_item.get(pk) for _l, _m, pk in items], "rank": rank})
    return items, rows


class InspectionDetailView(InspectionMixin, ObjectDetailView):
    template_name = "environment/inspection_detail.html"

    def get_queryset(self):
        return HygieneInspection.objects.select_related("sheet", "inspector", "voided_by")

    def detail_fields(self):
        i = self.object
        return [
            (_("Date"), i.date),
            (_("Kind"), i.get_kind_display()),
            (_("Status"), status_badge(i)),
            (_("Scoring sheet"), i.sheet),
            (_("Inspector"), i.inspector),
            (_("Also inspecting"), i.participants),
            (_("Summary"), i.note),
            (_("Submitted at"), local(i.submitted_at)),
            (_("Voided by"), i.voided_by),
            (_("Void reason"), i.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection, request = self.object, self.request
        items, rows = inspection_sheet(inspection)
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(ZoneScore)
        photos = {}
        for a in Attachment.objects.filter(
            content_type=ct, object_id__in=[str(r["score"].pk) for r in rows], voided_at__isnull=True
        ).order_by("created_at"):
            photos.setdefault(a.object_id, []).append(a)
        for row in rows:
            row["photos"] = photos.get(str(row["score"].pk), [])
        pass_score = campus_setting(request.campus, "environment.pass_score")
        for row in rows:
            row["badge"] = score_badge(row["score"].percent, pass_score)
        inspect = has_perm(request, INSPECT)
        ctx.update({
            "items": items, "rows": rows,
            "problems": list(inspection.problems.select_related("zone", "responsible").order_by("id")),
            "score_url": campus_url(request, "environment:inspection_score", pk=inspection.pk)
            if inspect and inspection.is_draft else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void")
            if inspect and inspection.status == HygieneInspection.Status.SUBMITTED else None,
            "can_delete_draft": inspect and inspection.is_draft,
            "print_url": campus_url(request, "environment:inspection_print", pk=inspection.pk),
            "update_url": None, "delete_url": None,
        })  # fmt: skip
        return ctx


class InspectionPrintView(InspectionMixin, CampusViewMixin, TemplateView):
    """The inspection laid out like the paper 卫生检查评分表 (A4 landscape)."""

    template_name = "environment/inspection_print.html"
    write_permission = ""

    def get_title(self):
        return _("Hygiene inspection score sheet (卫生检查评分表)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        inspection = get_object_or_404(HygieneInspection.objects.select_related("inspector", "sheet"),
                                       pk=self.kwargs["pk"])  # fmt: skip
        items, rows = inspection_sheet(inspection)
        ctx.update({"inspection": inspection, "items": items, "rows": rows})
        return ctx


@campus_view(INSPECT)
@require_POST
def inspection_submit(request, campus, pk):
    inspection = get_object_or_404(HygieneInspection, pk=pk)
    url = campus_url(request, "environment:inspection_detail", pk=pk)
    try:
        services.inspection_submit(actor=request.user, inspection=inspection)
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("Submitted. The scores count in the ranking now."))


@campus_view(INSPECT)
@require_POST
def inspection_void(request, campus, pk):
    inspection = get_object_or_404(HygieneInspection, pk=pk)
    url = campus_url(request, "environment:inspection_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        services.inspection_void(
            actor=request.user, inspection=inspection, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("The inspection was voided; it stays on record and leaves the ranking."))


@campus_view(INSPECT)
@require_POST
def inspection_delete(request, campus, pk):
    inspection = get_object_or_404(HygieneInspection, pk=pk)
    try:
        services.inspection_delete_draft(actor=request.user, inspection=inspection)
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, campus_url(request, "environment:inspection_detail", pk=pk), exc)
    return done(request, campus_url(request, "environment:inspection_list"), _("The draft was deleted."))


# --- Ranking (卫生评比) -----------------------------------------------------------------------------


def ranking_period(request):
    """(period, start, end, previous start, previous end, form) from the query string."""
    form = RankingForm(request.GET or None, campus=request.campus)
    form.is_valid()
    data = getattr(form, "cleaned_data", {}) or {}
    period = data.get("period") or "week"
    group = data.get("group") or "zone"
    day = data.get("date")
    if day is None:
        latest = selectors.latest_week_with_scores(request.campus)
        day = latest or timezone.localdate()
    if period == "month":
        start, end = selectors.month_bounds(day)
        prev_start, prev_end = selectors.month_bounds(start - dt.timedelta(days=1))
        next_day = end + dt.timedelta(days=1)
    else:
        start, end = selectors.week_bounds(day)
        prev_start, prev_end = start - dt.timedelta(days=7), start - dt.timedelta(days=1)
        next_day = end + dt.timedelta(days=1)
    return {"period": period, "group": group, "start": start, "end": end, "prev_start": prev_start,
            "prev_end": prev_end, "next_day": next_day, "form": form}  # fmt: skip


class RankingView(CampusViewMixin, TemplateView):
    template_name = "environment/ranking.html"
    permission_required = VIEW
    title = gettext_lazy("Hygiene ranking (卫生评比)")

    def get(self, request, *args, **kwargs):
        p = ranking_period(request)
        rows = selectors.ranking_with_change(
            request.campus, p["start"], p["end"], p["prev_start"], p["prev_end"], group=p["group"]
        )
        if request.GET.get("export") == "xlsx":
            from houqin.core.exports import xlsx_response
            from houqin.core.permissions import require_perm

            require_perm(request, "core.export")
            title = _("Hygiene ranking %(start)s – %(end)s") % {"start": p["start"], "end": p["end"]}
            return xlsx_response(
                filename=f"{title}-{request.campus.display_name}.xlsx",
                title=title,
                columns=[
                    (_("Rank"), "rank"), (_("Zone") if p["group"] == "zone" else _("Class"), "label"),
                    (_("Class"), lambda r: str(r["school_class"] or "")), (_("Responsible person"), "responsible"),
                    (_("Score (of 100)"), "score"), (_("Inspections"), "inspections"),
                    (_("Passed"), "passed"), (_("Rank before"), "previous_rank"),
                ],
                rows=rows,
            )  # fmt: skip
        return self.render_to_response(self.get_context_data(p=p, rows=rows))

    def get_context_data(self, p=None, rows=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("export", None)

        def link(day):
            q = params.copy()
            q["date"] = day.isoformat()
            q["period"] = p["period"]
            return "?" + q.urlencode()

        ctx.update({
            "p": p, "rows": rows, "form": p["form"], "prev_url": link(p["prev_start"]),
            "next_url": link(p["next_day"]) if p["next_day"] <= timezone.localdate() else None,
            "pass_score": campus_setting(self.request.campus, "environment.pass_score"),
            "querystring": params.urlencode(), "can_export": has_perm(self.request, "core.export"),
            "chart": [{"name": r["label"], "score": float(r["score"])} for r in rows][:40],
            "inspections": HygieneInspection.objects.filter(
                campus=self.request.campus, status=HygieneInspection.Status.SUBMITTED,
                date__gte=p["start"], date__lte=p["end"]).select_related("inspector").order_by("date"),
            "full": Decimal("100"),
        })  # fmt: skip
        return ctx


urlpatterns = [
    path("sheets/", SheetListView.as_view(), name="sheet_list"),
    path("sheets/new/", SheetFormView.as_view(), name="sheet_create"),
    path("sheets/default/", sheet_default, name="sheet_default"),
    path("sheets/<int:pk>/", SheetDetailView.as_view(), name="sheet_detail"),
    path("sheets/<int:pk>/edit/", SheetFormView.as_view(), name="sheet_update"),
    path("inspections/", InspectionListView.as_view(), name="inspection_list"),
    path("inspections/new/", InspectionCreateView.as_view(), name="inspection_create"),
    path("inspections/<int:pk>/", InspectionDetailView.as_view(), name="inspection_detail"),
    path("inspections/<int:pk>/score/", InspectionScoreView.as_view(), name="inspection_score"),
    path("inspections/<int:pk>/submit/", inspection_submit, name="inspection_submit"),
    path("inspections/<int:pk>/void/", inspection_void, name="inspection_void"),
    path("inspections/<int:pk>/delete/", inspection_delete, name="inspection_delete"),
    path("inspections/<int:pk>/print/", InspectionPrintView.as_view(), name="inspection_print"),
    path("ranking/", RankingView.as_view(), name="ranking"),
]
