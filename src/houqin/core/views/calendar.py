"""School years, terms, holidays and make-up days, and the term calendar."""

import calendar as pycalendar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core.filters import HolidayFilter, SchoolYearFilter, TermFilter
from houqin.core.forms_core import HolidayForm, SchoolYearForm, TermForm
from houqin.core.links import strict_request_url as _url
from houqin.core.models import Holiday, SchoolYear, Term
from houqin.core.services import object_delete
from houqin.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    crud_urls,
)

VIEW, MANAGE = "core.view_calendar", "core.manage_calendar"


# --- The month grids ---------------------------------------------------------------------

WEEKDAY_LABELS = [
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


def term_months(term, today=None):
    """Month grids (Monday first) covering the term.

    Each day cell says whether it is in the term and what it is: ``school`` (a regular
    school day), ``makeup`` (a make-up school day), ``holiday`` or ``rest`` (a weekday the
    campus is closed on), with the holiday's name. Also returns the number of school days.
    """
    today = today or timezone.localdate()
    days = term.calendar_days()
    ranges = [(h.start_date, h.end_date, h.kind) for h in term.holidays.all()]
    cal = pycalendar.Calendar(firstweekday=0)
    months = []
    year, month = term.start_date.year, term.start_date.month
    while (year, month) <= (term.end_date.year, term.end_date.month):
        weeks = []
        count = 0
        notes: dict[tuple, dict] = {}
        for week in cal.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                cell = {"date": day, "in_term": day in days, "today": day == today, "kind": "", "label": ""}
                if day in days:
                    school, label = days[day]
                    # The last exception covering the day wins, as in Term.calendar_days().
                    kind = ""
                    for start, end, holiday_kind in ranges:
                        if start <= day <= end:
                            kind = holiday_kind
                    if kind == Holiday.Kind.MAKEUP:
                        cell["kind"] = "makeup"
                    elif kind == Holiday.Kind.HOLIDAY:
                        cell["kind"] = "holiday"
                    else:
                        cell["kind"] = "school" if school else "rest"
                    cell["label"] = label
                    count += bool(school)
                    if label and cell["kind"] in ("holiday", "makeup"):
                        note = notes.setdefault(
                            (cell["kind"], label), {"kind": cell["kind"], "label": label, "first": day}
                        )
                        note["last"] = day
                cells.append(cell)
            weeks.append(cells)
        months.append(
            {
                "year": year,
                "month": month,
                "name": MONTHS[month],
                "weeks": weeks,
                "school_days": count,
                "notes": list(notes.values()),
            }
        )
        month += 1
        if month > 12:
            year, month = year + 1, 1
    total = sum(m["school_days"] for m in months)
    return months, total


# --- School years ------------------------------------------------------------------------


class SchoolYearMixin:
    model = SchoolYear
    url_base = "core:schoolyear"
    permission_required = VIEW
    write_permission = MANAGE


class SchoolYearListView(SchoolYearMixin, ObjectListView):
    filterset_class = SchoolYearFilter
    search_fields = ("name",)
    pinyin_field = ""
    ordering = ("-start_date",)  # Meta.ordering is dropped by the annotation
    create_label = gettext_lazy("New school year")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Start date"), "start_date"),
        Column(gettext_lazy("End date"), "end_date"),
        Column(gettext_lazy("Terms"), "term_count"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(term_count=Count("terms"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["terms_url"] = _url(self.request, "core:term_list")
        return ctx


class SchoolYearDetailView(SchoolYearMixin, ObjectDetailView):
    template_name = "core/calendar_schoolyear_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["terms"] = self.object.terms.order_by("start_date")
        if ctx["can_write"]:
            ctx["new_term_url"] = _url(self.request, "core:term_create") + f"?school_year={self.object.pk}"
        return ctx


class SchoolYearFormView(SchoolYearMixin, ObjectFormView):
    form_class = SchoolYearForm


class SchoolYearDeleteView(SchoolYearMixin, ObjectDeleteView):
    pass


# --- Terms -------------------------------------------------------------------------------


def _term_name(term):
    if term.is_current:
        return format_html('{} <span class="badge bg-green-lt ms-1">{}</span>', term.name, _("Current"))
    return term.name


class TermMixin:
    model = Term
    url_base = "core:term"
    permission_required = VIEW
    write_permission = MANAGE


class TermListView(TermMixin, ObjectListView):
    template_name = "core/calendar_term_list.html"
    filterset_class = TermFilter
    search_fields = ("name",)
    pinyin_field = ""
    select_related = ("school_year",)
    prefetch_related = ("holidays",)
    create_label = gettext_lazy("New term")
    columns = [
        Column(gettext_lazy("Name"), _term_name, link=True, export=False),
        Column(gettext_lazy("School year"), "school_year.name"),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("First school day"), "start_date"),
        Column(gettext_lazy("Last school day"), "end_date"),
        Column(gettext_lazy("School days"), lambda term: len(term.school_days())),
        Column(
            gettext_lazy("Holidays"),
            lambda term: sum(1 for h in term.holidays.all() if h.kind == Holiday.Kind.HOLIDAY),
        ),
    ]
    export_columns = [Column(gettext_lazy("Name"), "name"), *columns[1:]]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["school_years_url"] = _url(self.request, "core:schoolyear_list")
        ctx["holidays_url"] = _url(self.request, "core:holiday_list")
        return ctx


class TermDetailView(TermMixin, ObjectDetailView):
    template_name = "core/calendar_term_detail.html"
    fields = ("school_year", "name", "kind", "start_date", "end_date")

    def get_queryset(self):
        return super().get_queryset().select_related("school_year").prefetch_related("holidays")

    def detail_fields(self):
        labels = dict((str(i), label) for i, label in enumerate(WEEKDAY_LABELS))
        weekdays = "、".join(str(labels[str(d)]) for d in sorted(self.object.weekdays))
        return [*super().detail_fields(), (_("School weekdays"), weekdays)]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        months, total = term_months(self.object)
        ctx.update(
            {
                "months": months,
                "school_day_count": total,
                "weekday_labels": WEEKDAY_LABELS,
                "holidays": self.object.holidays.all(),
            }
        )
        if ctx["can_write"]:
            base = _url(self.request, "core:holiday_create", term_pk=self.object.pk)
            ctx["new_holiday_url"] = base
            ctx["new_makeup_url"] = base + "?kind=" + Holiday.Kind.MAKEUP
        return ctx


class TermFormView(TermMixin, ObjectFormView):
    form_class = TermForm


class TermDeleteView(TermMixin, ObjectDeleteView):
    pass


# --- Holidays and make-up days -----------------------------------------------------------


class HolidayMixin:
    model = Holiday
    url_base = "core:holiday"
    permission_required = VIEW
    write_permission = MANAGE


class HolidayListView(HolidayMixin, ObjectListView):
    filterset_class = HolidayFilter
    search_fields = ("name",)
    pinyin_field = ""
    select_related = ("term",)
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("From"), "start_date"),
        Column(gettext_lazy("To"), "end_date"),
        Column(gettext_lazy("Term"), "term.name"),
    ]

    def get_queryset(self):
        return super().get_queryset().order_by("-start_date")


class HolidayDetailView(HolidayMixin, ObjectDetailView):
    fields = ("term", "kind", "name", "start_date", "end_date")
    attachments = False

    def get_queryset(self):
        return super().get_queryset().select_related("term")


class HolidayFormView(HolidayMixin, ObjectFormView):
    form_class = HolidayForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.term = None

    def get_term(self):
        if self.term is None:
            if self.object is not None:
                self.term = self.object.term
            else:
                self.term = get_object_or_404(Term.objects.all(), pk=self.kwargs["term_pk"])
        return self.term

    def get_queryset(self):
        return super().get_queryset().select_related("term")

    def get_title(self):
        if self.is_create:
            term = self.get_term()
            if self.request.GET.get("kind") == Holiday.Kind.MAKEUP:
                return _("New make-up school day in %(term)s") % {"term": term}
            return _("New holiday in %(term)s") % {"term": term}
        return super().get_title()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["term"] = self.get_term()
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if initial.get("kind") not in Holiday.Kind.values:
            initial.pop("kind", None)
        return initial

    def get_success_url(self):
        return _url(self.request, "core:term_detail", pk=self.get_term().pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "core:term_detail", pk=self.get_term().pk)
        return ctx


class HolidayDeleteView(HolidayMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        term_url = _url(request, "core:term_detail", pk=self.object.term_id)
        try:
            object_delete(actor=request.user, instance=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Deleted."))
        return HttpResponseRedirect(term_url)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "core:term_detail", pk=self.object.term_id)
        return ctx


# --- URLs --------------------------------------------------------------------------------

urlpatterns = [
    *crud_urls(
        "school-years",
        "schoolyear",
        list_view=SchoolYearListView,
        create_view=SchoolYearFormView,
        detail_view=SchoolYearDetailView,
        update_view=SchoolYearFormView,
        delete_view=SchoolYearDeleteView,
    ),
    *crud_urls(
        "terms",
        "term",
        list_view=TermListView,
        create_view=TermFormView,
        detail_view=TermDetailView,
        update_view=TermFormView,
        delete_view=TermDeleteView,
    ),
    path("terms/<int:term_pk>/holidays/new/", HolidayFormView.as_view(), name="holiday_create"),
    *crud_urls(
        "holidays",
        "holiday",
        list_view=HolidayListView,
        detail_view=HolidayDetailView,
        update_view=HolidayFormView,
        delete_view=HolidayDeleteView,
    ),
]
