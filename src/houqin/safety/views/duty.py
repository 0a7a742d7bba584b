"""The duty roster (值班表): administrative duty and guard shifts by date (holidays
included), the month view, drawing up a month in turn, and swaps approved through
core.approvals."""

import calendar
import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import approvals
from houqin.core.links import strict_request_url as _url
from houqin.core.models import Term
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
)
from houqin.core.views.mechanisms import approval_timeline
from houqin.safety import services
from houqin.safety.filters import DutyShiftFilter
from houqin.safety.forms import DutyFillForm, DutyShiftForm, DutySwapForm
from houqin.safety.models import DutyShift, DutySwap
from houqin.safety.views.fire import parse_month
from houqin.safety.views.hazards import badge, error_text

SWAP_COLOURS = {"pending": "yellow", "approved": "green", "rejected": "red", "withdrawn": "secondary"}
KIND_COLOURS = {"admin": "blue", "guard": "green", "night": "purple", "holiday": "orange"}


class DutyMixin:
    model = DutyShift
    url_base = "safety:duty"
    permission_required = "safety.view_duty"
    write_permission = "safety.manage_duty"


DUTY_ROUND_KEY = "safety.duty_round_"


def duty_rounds(request):
    """[(routine, url)] of the duty administrator's 一日三巡 from the routines library
    (enabled on this campus), or a link to the library to enable them."""
    try:
        from houqin.core.models import RoutineTemplate
    except ImportError:  # pragma: no cover - the engine ships with core
        return [], ""
    found = list(
        RoutineTemplate.objects.filter(library_key__startswith=DUTY_ROUND_KEY, is_active=True).order_by(
            "name"
        )
    )
    rounds = []
    for template in found:
        try:
            url = reverse("core:routine_detail", kwargs={"campus": request.campus.code, "pk": template.pk})
        except NoReverseMatch:
            url = ""
        rounds.append((template, url))
    library = ""
    if not rounds and has_perm(request, "core.manage_routines"):
        try:
            library = reverse("core:routine_library", kwargs={"campus": request.campus.code})
        except NoReverseMatch:
            library = ""
    return rounds, library


class DutyMonthView(DutyMixin, CampusViewMixin, TemplateView):
    """The month: a calendar on wide screens, a list of days on a phone."""

    template_name = "safety/duty_month.html"
    title = gettext_lazy("Duty roster")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        month = parse_month(self.request.GET.get("month"))
        first = month
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        today = timezone.localdate()
        shifts = {}
        for s in (
            DutyShift.objects.filter(date__range=(first, last))
            .select_related("person")
            .order_by("date", "start_time", "kind")
        ):
            shifts.setdefault(s.date, []).append(s)
        school, labels = set(), {}
        for term in Term.objects.filter(start_date__lte=last, end_date__gte=first).prefetch_related(
            "holidays"
        ):
            for day, (is_school, label) in term.calendar_days().items():
                if first <= day <= last:
                    if is_school:
                        school.add(day)
                    if label:
                        labels[day] = label
        pending = set(
            DutySwap.objects.filter(
                shift__date__range=(first, last), status=DutySwap.Status.PENDING
            ).values_list("shift_id", flat=True)
        )
        days = []
        for n in range(1, last.day + 1):
            day = first.replace(day=n)
            days.append(
                {
                    "date": day,
                    "shifts": [
                        (s, KIND_COLOURS.get(s.kind, "secondary"), s.pk in pending)
                        for s in shifts.get(day, [])
                    ],
                    "school": day in school,
                    "label": labels.get(day, ""),
                    "today": day == today,
                    "weekend": day.weekday() >= 5,
                }
            )
        weeks = []
        lead = [None] * first.weekday()
        cells = lead + days
        cells += [None] * (-len(cells) % 7)
        for i in range(0, len(cells), 7):
            weeks.append(cells[i : i + 7])
        prev_month = (first - dt.timedelta(days=1)).replace(day=1)
        next_month = last + dt.timedelta(days=1)
        base = _url(self.request, "safety:duty_month")
        rounds, library_url = duty_rounds(self.request)
        ctx.update(
            {
                "month": first,
                "days": days,
                "weeks": weeks,
                "weekday_names": [calendar.day_abbr[i] for i in range(7)],
                "prev_url": f"{base}?month={prev_month:%Y-%m}",
                "next_url": f"{base}?month={next_month:%Y-%m}",
                "this_url": base,
                "create_url": _url(self.request, "safety:duty_create") if ctx["can_write"] else None,
                "fill_url": _url(self.request, "safety:duty_fill") + f"?month={first:%Y-%m-%d}"
                if ctx["can_write"]
                else None,
                "list_url": _url(self.request, "safety:duty_list"),
                "swaps_url": _url(self.request, "safety:duty_swap_list"),
                "user_pk": self.request.user.pk,
                "can_swap": has_perm(self.request, "safety.self_service"),
                "today": today,
                "rounds": rounds,
                "library_url": library_url,
            }
        )
        return ctx


class DutyListView(DutyMixin, ObjectListView):
    filterset_class = DutyShiftFilter
    title = gettext_lazy("Duty shifts")
    create_label = gettext_lazy("Add a shift")
    select_related = ("person",)
    ordering = ("-date", "start_time", "id")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Shift"), "get_kind_display"),
        Column(gettext_lazy("From"), "start_time"),
        Column(gettext_lazy("To"), "end_time"),
        Column(gettext_lazy("On duty"), "person"),
        Column(gettext_lazy("Phone on duty"), "phone"),
        Column(gettext_lazy("Note"), "note"),
    ]


class DutyFormView(DutyMixin, ObjectFormView):
    form_class = DutyShiftForm

    def get_initial(self):
        initial = super().get_initial()
        if self.is_create:
            initial.setdefault("date", timezone.localdate())
        return initial


class DutyDetailView(DutyMixin, ObjectDetailView):
    template_name = "safety/duty_detail.html"
    attachments = False

    def get_queryset(self):
        return DutyShift.objects.select_related("person")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        shift = self.object
        ctx["swaps"] = shift.swaps.select_related("requested_by", "replacement").order_by("-created_at")
        ctx["can_swap"] = (
            shift.person_id == self.request.user.pk
            and shift.date >= timezone.localdate()
            and has_perm(self.request, "safety.self_service")
            and not shift.swaps.filter(status=DutySwap.Status.PENDING).exists()
        )
        ctx["list_url"] = _url(self.request, "safety:duty_month") + f"?month={shift.date:%Y-%m}"
        return ctx


class DutyDeleteView(DutyMixin, ObjectDeleteView):
    def get_object(self):
        obj = super().get_object()
        if obj.swaps.exists():
            raise PermissionDenied  # the swap history refers to it
        return obj


class DutyFillView(DutyMixin, CampusViewMixin, FormView):
    """Draw up a month of one kind of shift by rotating through chosen people."""

    template_name = "generic/form.html"
    form_class = DutyFillForm
    title = gettext_lazy("Draw up a month in turn")

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        month = parse_month(self.request.GET.get("month", "")[:7])
        return {"month": month, "start_time": "07:30", "end_time": "17:30"}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            created = services.duty_fill_month(
                actor=self.request.user,
                campus=self.request.campus,
                month=data["month"],
                kind=data["kind"],
                people=list(data["people"]),
                start_time=data["start_time"],
                end_time=data["end_time"],
                days=data["days"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(n)s shifts added.") % {"n": len(created)})
        return HttpResponseRedirect(_url(self.request, "safety:duty_month") + f"?month={data['month']:%Y-%m}")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:duty_month")
        return ctx


# --- Swaps --------------------------------------------------------------------------------


def swap_status(s):
    return badge(SWAP_COLOURS.get(s.status, "secondary"), s.get_status_display(), s.status)


class SwapMixin:
    model = DutySwap
    url_base = "safety:duty_swap"
    permission_required = "safety.view_duty"
    write_permission = "safety.self_service"


class DutySwapListView(SwapMixin, ObjectListView):
    title = gettext_lazy("Duty swaps")
    select_related = ("shift__person", "requested_by", "replacement", "other_shift__person")
    ordering = ("-created_at", "-id")
    columns = [
        Column(gettext_lazy("Shift"), "shift", link=True),
        Column(gettext_lazy("Requested by"), "requested_by"),
        Column(gettext_lazy("Replacement"), "replacement"),
        Column(gettext_lazy("In exchange for the shift"), "other_shift"),
        Column(gettext_lazy("Reason"), "reason", css="text-wrap"),
        Column(gettext_lazy("Status"), swap_status, export=False),
    ]
    export_columns = [*columns[:-1], Column(gettext_lazy("Status"), "get_status_display")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # swaps are asked for from one's own shift
        return ctx


class DutySwapDetailView(SwapMixin, ObjectDetailView):
    template_name = "safety/duty_swap_detail.html"
    attachments = False

    def get_queryset(self):
        return DutySwap.objects.select_related(
            "shift", "shift__person", "requested_by", "replacement", "other_shift"
        )

    def detail_fields(self):
        s = self.object
        return [
            (_("Shift"), s.shift),
            (_("Requested by"), s.requested_by),
            (_("Replacement"), s.replacement),
            (_("In exchange for the shift"), s.other_shift),
            (_("Reason"), s.reason),
            (_("Status"), swap_status(s)),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        ctx.update(
            {
                "update_url": None,
                "delete_url": None,
                "can_withdraw": s.requested_by_id == self.request.user.pk
                and s.status == DutySwap.Status.PENDING,
                "rounds": [approval_timeline(a) for a in approvals.requests_for(s)],
            }
        )
        return ctx


class DutySwapCreateView(CampusViewMixin, FormView):
    """The person on duty asks someone else to take their shift (or to exchange shifts)."""

    template_name = "generic/form.html"
    form_class = DutySwapForm
    permission_required = "safety.self_service"
    write_permission = "safety.self_service"

    def get_shift(self):
        if not hasattr(self, "_shift"):
            shift = get_object_or_404(DutyShift.objects.select_related("person"), pk=self.kwargs["pk"])
            if shift.person_id != self.request.user.pk:
                raise PermissionDenied
            self._shift = shift
        return self._shift

    def get_title(self):
        return _("Ask to swap: %(shift)s") % {"shift": self.get_shift()}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        kwargs["shift"] = self.get_shift()
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            swap = services.duty_swap_request(
                actor=self.request.user,
                shift=self.get_shift(),
                replacement=data["replacement"],
                other_shift=data.get("other_shift"),
                reason=data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your swap request was sent for approval."))
        return HttpResponseRedirect(_url(self.request, "safety:duty_swap_detail", pk=swap.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:duty_detail", pk=self.get_shift().pk)
        return ctx


@campus_view("safety.self_service")
@require_POST
def duty_swap_withdraw(request, campus, pk):
    swap = get_object_or_404(DutySwap, pk=pk)
    try:
        services.duty_swap_withdraw(
            actor=request.user, swap=swap, comment=request.POST.get("comment", "")[:500]
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The swap request was withdrawn."))
    return HttpResponseRedirect(_url(request, "safety:duty_swap_detail", pk=swap.pk))


urlpatterns = [
    path("duty/", DutyMonthView.as_view(), name="duty_month"),
    path("duty/shifts/", DutyListView.as_view(), name="duty_list"),
    path("duty/shifts/new/", DutyFormView.as_view(), name="duty_create"),
    path("duty/shifts/fill/", DutyFillView.as_view(), name="duty_fill"),
    path("duty/shifts/<int:pk>/", DutyDetailView.as_view(), name="duty_detail"),
    path("duty/shifts/<int:pk>/edit/", DutyFormView.as_view(), name="duty_update"),
    path("duty/shifts/<int:pk>/delete/", DutyDeleteView.as_view(), name="duty_delete"),
    path("duty/shifts/<int:pk>/swap/", DutySwapCreateView.as_view(), name="duty_swap_create"),
    path("duty/swaps/", DutySwapListView.as_view(), name="duty_swap_list"),
    path("duty/swaps/<int:pk>/", DutySwapDetailView.as_view(), name="duty_swap_detail"),
    path("duty/swaps/<int:pk>/withdraw/", duty_swap_withdraw, name="duty_swap_withdraw"),
]
