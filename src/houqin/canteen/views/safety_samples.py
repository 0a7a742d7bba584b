"""Sample retention (留样): the phone page of a day's meals with a sample form per dish, the
log, a sample's page (review, disposal, void), container labels and the disposal list."""

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.canteen import safety_services as ss
from houqin.canteen.models import Dish, FoodSample, Fridge, MealKind
from houqin.canteen.safety_forms import NoteForm, ReasonForm, SampleTakeForm
from houqin.canteen.views.safety_common import (
    REVIEW,
    TAKE,
    VIEW_SAMPLES,
    badge,
    curl,
    done,
    failed,
    form_errors,
    parse_day,
)
from houqin.core.filters import CampusFilterSet
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView

DateInput = forms.DateInput(attrs={"type": "date"})
LABELS_PER_PAGE = 24  # 3 × 8 on an A4 sheet
MAX_LABELS = 240


def sample_badge(sample, now=None):
    now = now or timezone.now()
    if sample.is_void:
        return badge("secondary", _("Void"), "void")
    if sample.disposed_at:
        return badge("secondary", _("Disposed"), "disposed")
    if sample.discard_not_before <= now:
        return badge("blue", _("Ready for disposal"), "ready")
    return badge("green", _("Kept"), "kept")


# --- The day's meals (phone page) ---------------------------------------------------------


class SamplesTodayView(CampusViewMixin, TemplateView):
    """留样: each meal of the day with its dishes; a dish without a sample has a form."""

    template_name = "canteen/safety_samples.html"
    permission_required = VIEW_SAMPLES
    title = gettext_lazy("Sample retention (留样)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request, campus = self.request, self.request.campus
        now = timezone.now()
        day = parse_day(request.GET.get("date"), timezone.localdate(now))
        meals = ss.meal_status(campus, day, now=now)
        fridges = list(Fridge.objects.filter(kind=Fridge.Kind.SAMPLE, is_active=True).order_by("name"))
        can_take = has_perm(request, TAKE)
        can_review = has_perm(request, REVIEW)
        for meal in meals:
            for row in meal["rows"]:
                sample = row["sample"]
                row["badge"] = sample_badge(sample, now) if sample else None
                row["may_review"] = bool(
                    sample and can_review and not sample.reviewer_id and sample.taken_by_id != request.user.pk
                )
        ctx.update({
            "day": day, "meals": meals, "fridges": fridges, "default_fridge": fridges[0] if fridges else None,
            "min_grams": ss.sample_min_grams(campus), "retention_hours": int(ss.sample_retention(campus).total_seconds() // 3600),
            "can_take": can_take and day == timezone.localdate(now), "can_review": can_review,
            "is_today": day == timezone.localdate(now), "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1), "now": now,
            "violations": sum(1 for m in meals if m["violation"]),
        })  # fmt: skip
        return ctx


@campus_view(TAKE)
@require_POST
def sample_take(request, campus):
    form = SampleTakeForm(request.POST, campus=request.campus)
    day = parse_day(request.POST.get("date"))
    url = curl(request, "safety_samples") + f"?date={day.isoformat()}"
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    data = form.cleaned_data
    dish = get_object_or_404(Dish, pk=data["dish"])
    try:
        sample = ss.sample_take(
            actor=request.user, campus=request.campus, date=data["date"], meal=data["meal"], dish=dish,
            weight_g=data["weight_g"], fridge=data["fridge"], fridge_temperature_c=data["fridge_temperature_c"],
            note=data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        return failed(request, url, exc)
    return done(
        request, url,
        _("Sample of %(dish)s recorded (%(label)s); keep it until %(time)s.")
        % {"dish": dish.name, "label": sample.label_code, "time": timezone.localtime(sample.discard_not_before).strftime("%m-%d %H:%M")},
    )  # fmt: skip


# --- The log ------------------------------------------------------------------------------


class SampleFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("To"), field_name="date", lookup_expr="lte", widget=DateInput
    )
    meal = django_filters.ChoiceFilter(
        label=gettext_lazy("Meal"), choices=MealKind.choices, empty_label=gettext_lazy("All")
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), method="filter_status", empty_label=gettext_lazy("All"),
        choices=(("kept", gettext_lazy("Kept")), ("ready", gettext_lazy("Ready for disposal")),
                 ("disposed", gettext_lazy("Disposed")), ("unreviewed", gettext_lazy("Not reviewed")),
                 ("void", gettext_lazy("Void"))),
    )  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = FoodSample
        fields = []

    def filter_status(self, qs, name, value):
        now = timezone.now()
        if value == "void":
            return qs.filter(is_void=True)
        qs = qs.filter(is_void=False)
        if value == "kept":
            return qs.filter(disposed_at__isnull=True)
        if value == "ready":
            return qs.filter(disposed_at__isnull=True, discard_not_before__lte=now)
        if value == "disposed":
            return qs.filter(disposed_at__isnull=False)
        if value == "unreviewed":
            return qs.filter(reviewer__isnull=True)
        return qs


class SampleMixin:
    model = FoodSample
    url_base = "canteen:safety_sample"
    permission_required = VIEW_SAMPLES


class SampleListView(SampleMixin, ObjectListView):
    title = gettext_lazy("Sample log (留样记录)")
    filterset_class = SampleFilter
    search_fields = ("dish__name",)
    pinyin_field = "dish__name_pinyin"
    select_related = ("dish", "fridge", "taken_by", "reviewer", "disposed_by")
    ordering = ("-date", "meal", "dish__name", "pk")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Meal"), "get_meal_display"),
            Column(_("Dish"), "dish.name"),
            Column(_("Weight (g)"), "weight_g"),
            Column(_("Fridge"), "fridge.name"),
            Column(_("Taken by"), "taken_by"),
            Column(_("Taken at"), "taken_at"),
            Column(_("Reviewed by"), "reviewer"),
            Column(_("Keep until"), "discard_not_before"),
            Column(_("Disposed at"), "disposed_at"),
            Column(_("Status"), sample_badge, export=False),
        ]


class SampleDetailView(SampleMixin, ObjectDetailView):
    template_name = "canteen/safety_sample_detail.html"

    def get_queryset(self):
        return FoodSample.objects.select_related(
            "dish", "fridge", "taken_by", "reviewer", "disposed_by", "voided_by"
        )

    def detail_fields(self):
        s = self.object
        return [
            (_("Label"), s.label_code),
            (_("Date"), s.date),
            (_("Meal"), s.get_meal_display()),
            (_("Dish"), s.dish.name),
            (_("Weight (g)"), s.weight_g),
            (_("Fridge"), f"{s.fridge.name} ({s.fridge.range_label})"),
            (_("Fridge temperature (°C)"), s.fridge_temperature_c),
            (_("Taken by"), s.taken_by),
            (_("Taken at"), s.taken_at),
            (_("Keep until"), s.discard_not_before),
            (_("Reviewed by"), s.reviewer),
            (_("Reviewed at"), s.reviewed_at),
            (_("Review note"), s.review_note),
            (_("Disposed by"), s.disposed_by),
            (_("Disposed at"), s.disposed_at),
            (_("Note"), s.note),
            (_("Void"), f"{s.void_reason} · {s.voided_by or ''}" if s.is_void else None),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s, request, now = self.object, self.request, timezone.now()
        active = not s.is_void and not s.disposed_at
        ctx.update({
            "status_badge": sample_badge(s, now),
            "may_review": not s.is_void and not s.reviewer_id and has_perm(request, REVIEW)
            and s.taken_by_id != request.user.pk,
            "may_dispose": active and has_perm(request, TAKE),
            "dispose_from": timezone.localtime(s.discard_not_before),
            "dispose_now": s.discard_not_before <= now,
            "may_void": active and has_perm(request, TAKE),
            "update_url": None, "delete_url": None,
        })  # fmt: skip
        return ctx


def _sample_action(request, pk, func, form_class, message):
    sample = get_object_or_404(FoodSample, pk=pk)
    url = curl(request, "safety_sample_detail", pk=pk)
    form = form_class(request.POST, campus=request.campus)
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    try:
        func(sample, form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(
        request,
        request.POST.get("next") if str(request.POST.get("next", "")).startswith("/c/") else url,
        message,
    )


@campus_view(REVIEW)
@require_POST
def sample_review(request, campus, pk):
    return _sample_action(
        request, pk, lambda s, d: ss.sample_review(actor=request.user, sample=s, note=d["note"]), NoteForm,
        _("Sample reviewed."),
    )  # fmt: skip


@campus_view(TAKE)
@require_POST
def sample_dispose(request, campus, pk):
    return _sample_action(
        request, pk, lambda s, d: ss.sample_dispose(actor=request.user, sample=s, note=d["note"]), NoteForm,
        _("Sample disposed of; the disposal is logged."),
    )  # fmt: skip


@campus_view(TAKE)
@require_POST
def sample_void(request, campus, pk):
    return _sample_action(
        request, pk, lambda s, d: ss.sample_void(actor=request.user, sample=s, reason=d["reason"]), ReasonForm,
        _("Sample record voided."),
    )  # fmt: skip


# --- Labels -------------------------------------------------------------------------------


@campus_view(VIEW_SAMPLES)
def sample_labels(request, campus):
    """Container labels (dish, meal, date and time, taker, keep-until) on A4, 24 a sheet:
    ``?date=&meal=`` for a meal's samples, or ``?ids=1,2``."""
    qs = FoodSample.objects.filter(is_void=False).select_related("dish", "taken_by", "fridge")
    ids = [int(x) for x in request.GET.get("ids", "").split(",") if x.strip().isdigit()]
    day = parse_day(request.GET.get("date"))
    meal = request.GET.get("meal", "")
    if ids:
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(date=day)
        if meal in MealKind.values:
            qs = qs.filter(meal=meal)
    samples = list(qs.order_by("date", "meal", "dish__name", "pk")[: MAX_LABELS + 1])
    truncated = len(samples) > MAX_LABELS
    samples = samples[:MAX_LABELS]
    pages = [samples[i : i + LABELS_PER_PAGE] for i in range(0, len(samples), LABELS_PER_PAGE)]
    return render(request, "canteen/safety_sample_labels.html", {
        "title": _("Sample labels"), "campus": request.campus, "pages": pages, "samples": samples,
        "truncated": truncated, "max_labels": MAX_LABELS,
    })  # fmt: skip


# --- Disposal -----------------------------------------------------------------------------


class SampleDisposalView(CampusViewMixin, TemplateView):
    """Samples past their retention time, to dispose of together; the next ones due."""

    template_name = "canteen/safety_sample_disposal.html"
    permission_required = VIEW_SAMPLES
    title = gettext_lazy("Sample disposal (留样销毁)")
    limit = 200

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campus, now = self.request.campus, timezone.now()
        base = FoodSample.objects.filter(is_void=False, disposed_at__isnull=True).select_related(
            "dish", "fridge", "taken_by"
        )
        ready = list(ss.ready_for_disposal(campus, now).select_related("dish", "fridge", "taken_by").order_by(
            "discard_not_before", "pk")[: self.limit])  # fmt: skip
        upcoming = list(base.filter(discard_not_before__gt=now).order_by("discard_not_before", "pk")[:20])
        recent = list(
            FoodSample.objects.filter(disposed_at__isnull=False, is_void=False)
            .select_related("dish", "disposed_by")
            .order_by("-disposed_at", "-pk")[:20]
        )
        ctx.update(
            {
                "ready": ready,
                "upcoming": upcoming,
                "recent": recent,
                "can_dispose": has_perm(self.request, TAKE),
            }
        )
        return ctx


@campus_view(TAKE)
@require_POST
def samples_dispose(request, campus):
    url = curl(request, "safety_sample_disposal")
    ids = [int(x) for x in request.POST.getlist("sample") if str(x).isdigit()]
    samples = list(FoodSample.objects.filter(pk__in=ids).order_by("pk"))
    if not samples:
        return failed(request, url, ValidationError(_("Select the samples to dispose of.")))
    count, refused = ss.samples_dispose(actor=request.user, samples=samples)
    if refused:
        failed(request, url, ValidationError(refused))
    return done(request, url, _("%(n)s samples disposed of; the disposal is logged.") % {"n": count})


urlpatterns = [
    path("samples/", SamplesTodayView.as_view(), name="safety_samples"),
    path("samples/take/", sample_take, name="safety_sample_take"),
    path("samples/log/", SampleListView.as_view(), name="safety_sample_list"),
    path("samples/labels/", sample_labels, name="safety_sample_labels"),
    path("samples/disposal/", SampleDisposalView.as_view(), name="safety_sample_disposal"),
    path("samples/disposal/dispose/", samples_dispose, name="safety_samples_dispose"),
    path("samples/<int:pk>/", SampleDetailView.as_view(), name="safety_sample_detail"),
    path("samples/<int:pk>/review/", sample_review, name="safety_sample_review"),
    path("samples/<int:pk>/dispose/", sample_dispose, name="safety_sample_dispose"),
    path("samples/<int:pk>/void/", sample_void, name="safety_sample_void"),
]
