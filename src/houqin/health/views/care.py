"""Pages of the care area: the special-care registers (体弱儿/肥胖儿专案管理) and the
health statistics (保健统计).

* ``care/`` every case; ``care/frail/`` and ``care/obese/`` the two registers (filters,
  .xlsx export, A4 print); ``care/bp-due/`` and ``care/rechecks-due/`` the due lists;
  ``care/<pk>/`` a case with its plan, follow-ups, closing and reopening.
* ``reports/…`` attendance and illness rates per month, exams, growth classification,
  infectious diseases by month, the special-care figures; each with .xlsx and A4 print.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.permissions import campus_view, has_perm
from houqin.core.settings_registry import campus_setting
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    campus_url,
)
from houqin.health import care_reports, care_services
from houqin.health.care_forms import (
    CaseFilter,
    CaseForm,
    CasePlanForm,
    CloseForm,
    FollowUpForm,
    MonthForm,
    PeriodForm,
    ReasonForm,
    YearForm,
)
from houqin.health.models import CareFollowUp, SpecialCareCase

VIEW, MANAGE, REPORTS = "health.view_special_care", "health.manage_special_care", "health.view_reports"

SEVERITY_COLOURS = {"": "secondary", "mild": "yellow", "moderate": "orange", "severe": "red"}


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-value="{}">{}</span>', colour, value, label)


def severity_badge(case):
    if not case.severity:
        return None
    return badge(SEVERITY_COLOURS.get(case.severity, "secondary"), case.get_severity_display(), case.severity)


def status_badge(case):
    if case.is_open:
        return badge("blue", case.get_status_display(), "open")
    return badge(
        "green" if case.outcome == "recovered" else "secondary", case.get_outcome_display(), case.outcome
    )


def due_cell(day, soon):
    if day is None:
        return None
    today = timezone.localdate()
    if day < today:
        return format_html('<span class="text-danger fw-bold" data-due="overdue">{} <span class="badge bg-red">{}</span></span>',
                           day.strftime("%Y-%m-%d"), _("overdue"))  # fmt: skip
    if day <= soon:
        return format_html(
            '<span class="text-orange fw-bold" data-due="due">{}</span>', day.strftime("%Y-%m-%d")
        )
    return day


def age_text(child, on_date=None):
    from houqin.core.models.tenancy import age_in_months

    months = age_in_months(child.birth_date, on_date or timezone.localdate())
    if months is None:
        return ""
    return _("%(y)sy %(m)sm") % {"y": months // 12, "m": months % 12}


def class_name(case):
    return case.child.school_class.name if case.child.school_class_id else ""


def annotated_cases(qs=None):
    """Cases with what the lists show, in a constant number of queries."""
    qs = SpecialCareCase.objects.all() if qs is None else qs
    live = CareFollowUp.objects.filter(case=OuterRef("pk"), is_void=False)
    last_bp = live.filter(bp_systolic__isnull=False, bp_diastolic__isnull=False).order_by("-date", "-id")
    last_weight = live.filter(weight_kg__isnull=False).order_by("-date", "-id")
    return qs.select_related("child", "child__school_class").annotate(
        last_follow_up=Max("follow_ups__date", filter=Q(follow_ups__is_void=False)),
        last_bp_sys=Subquery(last_bp.values("bp_systolic")[:1]),
        last_bp_dia=Subquery(last_bp.values("bp_diastolic")[:1]),
        last_bp_on=Subquery(last_bp.values("date")[:1]),
        last_weight=Subquery(last_weight.values("weight_kg")[:1]),
    )


def last_bp(case):
    if getattr(case, "last_bp_sys", None) is None:
        return None
    return f"{case.last_bp_sys}/{case.last_bp_dia} ({case.last_bp_on:%m-%d})"


def plan_summary(case):
    parts = [
        (_("Diet"), case.plan_diet),
        (_("Activity"), case.plan_activity),
        (_("Parents"), case.plan_parents),
        (_("Other"), case.plan),
    ]
    return "；".join(f"{label}：{text}" for label, text in parts if text)


# --- Lists ---------------------------------------------------------------------------------------


class CaseMixin:
    model = SpecialCareCase
    url_base = "health:care_case"
    permission_required = VIEW
    write_permission = MANAGE


class CaseListView(CaseMixin, ObjectListView):
    """All special-care cases (专案管理) with filters, export and the due dates."""

    template_name = "health/care_case_list.html"
    filterset_class = CaseFilter
    search_fields = ("child__name", "detail")
    pinyin_field = "child__name_pinyin"
    title = gettext_lazy("Special-care cases (专案管理)")
    create_label = gettext_lazy("Open a case")
    export_filename = "special-care"
    register = ""  # "frail", "obese" or "" (all)
    print_url_name = ""

    def get_queryset(self):
        qs = annotated_cases()
        if self.register == "obese":
            qs = qs.filter(category__in=SpecialCareCase.OBESE_CATEGORIES)
        elif self.register == "frail":
            qs = qs.exclude(category__in=SpecialCareCase.OBESE_CATEGORIES)
        return qs.order_by(
            "-status", "child__school_class__sort_order", "child__school_class__name", "child__name", "id"
        )

    def soon(self):
        if not hasattr(self, "_soon"):
            days = int(campus_setting(self.request.campus, "health.care.due_soon_days"))
            self._soon = timezone.localdate() + dt.timedelta(days=days)
        return self._soon

    @property
    def columns(self):
        soon = self.soon()
        cols = [
            Column(_("Child"), "child.name", link=True),
            Column(_("Class"), class_name),
            Column(_("Age"), lambda c: age_text(c.child)),
        ]
        if self.register != "obese":
            cols.append(Column(_("Category"), "get_category_display"))
        cols += [
            Column(_("Severity"), severity_badge),
            Column(_("Finding"), "detail", css="text-wrap"),
            Column(_("Opened"), "opened_on"),
            Column(_("Last follow-up"), "last_follow_up"),
            Column(_("Next recheck"), lambda c: due_cell(c.next_recheck_on, soon)),
        ]
        if self.register != "frail":
            cols += [
                Column(_("Last blood pressure"), last_bp),
                Column(_("Blood pressure due"), lambda c: due_cell(c.bp_due_on, soon)),
            ]
        cols.append(Column(_("Status"), status_badge))
        return cols

    @property
    def export_columns(self):
        return [
            Column(_("Child"), "child.name"),
            Column(_("Sex"), "child.get_sex_display"),
            Column(_("Date of birth"), "child.birth_date"),
            Column(_("Class"), class_name),
            Column(_("Category"), "get_category_display"),
            Column(_("Severity"), "get_severity_display"),
            Column(_("Finding"), "detail"),
            Column(_("Opened"), "opened_on"),
            Column(_("Source"), "get_source_display"),
            Column(_("Diet"), "plan_diet"),
            Column(_("Physical activity"), "plan_activity"),
            Column(_("The parents' part"), "plan_parents"),
            Column(_("Treatment and other measures"), "plan"),
            Column(_("Last follow-up"), "last_follow_up"),
            Column(_("Last weight (kg)"), "last_weight"),
            Column(_("Last blood pressure"), last_bp),
            Column(_("Next recheck"), "next_recheck_on"),
            Column(_("Blood pressure due"), "bp_due_on"),
            Column(_("Status"), "get_status_display"),
            Column(_("Closed on"), "closed_on"),
            Column(_("Outcome"), "get_outcome_display"),
            Column(_("Closing note"), "close_note"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campus = self.request.campus
        params = self.request.GET.copy()
        for key in ("page", "export"):
            params.pop(key, None)
        ctx.update(
            {
                "register": self.register,
                "bp_due_count": care_services.bp_due(campus).count() if self.register != "frail" else 0,
                "recheck_due_count": self.due_count(),
                "print_url": (
                    campus_url(self.request, self.print_url_name)
                    + (f"?{params.urlencode()}" if params else "")
                )
                if self.print_url_name
                else "",
                "tabs": [
                    ("", _("All cases"), campus_url(self.request, "health:care_case_list")),
                    ("frail", _("Frail children (体弱儿)"), campus_url(self.request, "health:care_frail")),
                    ("obese", _("Obese children (肥胖儿)"), campus_url(self.request, "health:care_obese")),
                ],
            }
        )
        return ctx

    def due_count(self):
        qs = care_services.rechecks_due(self.request.campus)
        if self.register == "obese":
            qs = qs.filter(category__in=SpecialCareCase.OBESE_CATEGORIES)
        elif self.register == "frail":
            qs = qs.exclude(category__in=SpecialCareCase.OBESE_CATEGORIES)
        return qs.count()


class FrailRegisterView(CaseListView):
    """体弱儿登记管理: malnutrition, anaemia, rickets, preterm birth and the others."""

    title = gettext_lazy("Register of frail children (体弱儿专案管理)")
    export_filename = "frail-children"
    register = "frail"
    print_url_name = "health:care_frail_print"


class ObeseRegisterView(CaseListView):
    """肥胖儿登记管理, with the monthly blood pressure of moderate and severe obesity."""

    title = gettext_lazy("Register of obese children (肥胖儿专案管理)")
    export_filename = "obese-children"
    register = "obese"
    print_url_name = "health:care_obese_print"


class BpDueView(CaseListView):
    """Moderate and severe obesity whose monthly blood pressure is due or overdue."""

    title = gettext_lazy("Blood pressure due (obese children)")
    export_filename = "blood-pressure-due"
    register = "obese"
    filterset_class = None

    def get_queryset(self):
        return annotated_cases(care_services.bp_due(self.request.campus)).order_by("bp_due_on", "id")


class RechecksDueView(CaseListView):
    """Special-care cases whose recheck is due or overdue."""

    title = gettext_lazy("Special-care follow-ups due")
    export_filename = "follow-ups-due"
    filterset_class = None

    def get_queryset(self):
        return annotated_cases(care_services.rechecks_due(self.request.campus)).order_by(
            "next_recheck_on", "id"
        )


class RegisterPrintView(CampusViewMixin, TemplateView):
    """A register on A4 landscape paper (the filters of the list apply)."""

    template_name = "health/care_register_print.html"
    permission_required = VIEW
    register = "frail"

    def get_title(self):
        if self.register == "obese":
            return _("Register of obese children (肥胖儿专案管理)")
        return _("Register of frail children (体弱儿专案管理)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        view = CaseListView(request=self.request, kwargs={})
        view.register = self.register
        qs = view.filter_queryset(view.get_queryset())
        ctx.update({"cases": list(qs), "register": self.register, "today": timezone.localdate()})
        return ctx


# --- A case ------------------------------------------------------------------------------------


class CaseDetailView(CaseMixin, ObjectDetailView):
    template_name = "health/care_case_detail.html"

    def get_queryset(self):
        return SpecialCareCase.objects.select_related(
            "child", "child__school_class", "opened_by", "closed_by"
        )

    def get_title(self):
        return f"{self.object.child.name} · {self.object.get_category_display()}"

    def detail_fields(self):
        c = self.object
        soon = timezone.localdate() + dt.timedelta(
            days=int(campus_setting(c.campus, "health.care.due_soon_days"))
        )
        fields = [
            (_("Child"), c.child.name),
            (_("Class"), class_name(c)),
            (_("Sex"), c.child.get_sex_display()),
            (_("Date of birth"), c.child.birth_date),
            (_("Age"), age_text(c.child)),
            (_("Category"), c.get_category_display()),
            (_("Severity"), severity_badge(c)),
            (_("Finding"), c.detail),
            (_("Opened on"), c.opened_on),
            (_("Source"), c.get_source_display()),
            (_("Opened by"), c.opened_by),
            (_("Status"), status_badge(c)),
        ]
        if c.is_open:
            fields.append((_("Next recheck"), due_cell(c.next_recheck_on, soon)))
            if c.needs_bp:
                fields.append((_("Blood pressure due"), due_cell(c.bp_due_on, soon)))
        else:
            fields += [
                (_("Closed on"), c.closed_on),
                (_("Closed by"), c.closed_by),
                (_("Closing note"), c.close_note),
            ]
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        ctx.update(
            {
                "case": c,
                "follow_ups": list(
                    c.follow_ups.select_related("recorded_by", "voided_by").order_by("-date", "-id")
                ),
                "latest_result": care_services.latest_result(c),
                "recheck_months": care_services.recheck_interval(c),
                "can_manage": manage,
                "update_url": campus_url(request, "health:care_case_update", pk=c.pk)
                if manage and c.is_open
                else None,
                "delete_url": None,
                "list_url": campus_url(
                    request, "health:care_obese" if c.register == "obese" else "health:care_frail"
                ),
                "print_url": campus_url(request, "health:care_case_print", pk=c.pk),
                "follow_up_form": FollowUpForm(campus=request.campus, prefix="fu")
                if manage and c.is_open
                else None,
                "close_form": CloseForm(campus=request.campus, prefix="close")
                if manage and c.is_open
                else None,
                "void_form": ReasonForm(campus=request.campus, prefix="void") if manage else None,
                "reopen_form": ReasonForm(campus=request.campus, prefix="reopen")
                if manage and not c.is_open
                else None,
            }
        )
        return ctx


class CasePrintView(CaseMixin, CampusViewMixin, TemplateView):
    """One case file (专案管理记录) on A4: the child, the plan and every follow-up."""

    template_name = "health/care_case_print.html"
    write_permission = ""

    def get_title(self):
        return _("Special-care case record (专案管理记录)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = get_object_or_404(
            SpecialCareCase.objects.select_related("child", "child__school_class"), pk=kwargs["pk"]
        )
        ctx.update(
            {
                "case": case,
                "age": age_text(case.child, case.opened_on),
                "follow_ups": list(case.follow_ups.filter(is_void=False).order_by("date", "id")),
                "latest_result": care_services.latest_result(case),
            }
        )
        return ctx


class CaseCreateView(CaseMixin, ObjectFormView):
    permission_required = MANAGE
    form_class = CaseForm

    def get_title(self):
        return (
            _("Open a special-care case") if self.is_create else _("Plan of %(what)s") % {"what": self.object}
        )

    def get_initial(self):
        initial = {}
        value = self.request.GET.get("child", "")
        if value.isdigit():
            initial["child"] = int(value)
        category = self.request.GET.get("category", "")
        if category in SpecialCareCase.Category.values:
            initial["category"] = category
        return initial

    def save_object(self, form, instance, before):
        data = form.cleaned_data
        return care_services.case_open(
            actor=self.request.user,
            child=data["child"],
            category=data["category"],
            severity=data.get("severity") or "",
            opened_on=data.get("opened_on"),
            detail=data.get("detail", ""),
            plan={
                name: data.get(name) for name in care_services.PLAN_FIELDS if data.get(name) not in (None, "")
            },
        )


class CaseUpdateView(CaseCreateView):
    form_class = CasePlanForm

    def get_queryset(self):
        return SpecialCareCase.objects.filter(status=SpecialCareCase.Status.OPEN).select_related("child")

    def get_initial(self):
        return {}

    def save_object(self, form, instance, before):
        data = form.cleaned_data
        return care_services.case_update(
            actor=self.request.user,
            case=self.object,
            data={name: data.get(name) for name in care_services.CASE_EDIT_FIELDS},
        )


def _case(request, pk):
    return get_object_or_404(SpecialCareCase.objects.select_related("child"), pk=pk)


def _back(request, case):
    return HttpResponseRedirect(campus_url(request, "health:care_case_detail", pk=case.pk))


def _error(request, case, exc):
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You do not have permission to do this."))
    elif hasattr(exc, "error_dict"):
        messages.error(request, " ".join(m for msgs in exc.message_dict.values() for m in msgs))
    else:
        messages.error(request, " ".join(exc.messages))
    return _back(request, case)


def _form_error(request, case, form):
    messages.error(
        request,
        " ".join(
            f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
            for k, v in form.errors.items()
        ),
    )
    return _back(request, case)


@campus_view(MANAGE)
@require_POST
def care_follow_up_add(request, campus, pk):
    case = _case(request, pk)
    form = FollowUpForm(request.POST, campus=request.campus, prefix="fu")
    if not form.is_valid():
        return _form_error(request, case, form)
    try:
        care_services.follow_up_add(actor=request.user, case=case, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        return _error(request, case, exc)
    messages.success(request, _("Follow-up recorded."))
    return _back(request, case)


@campus_view(MANAGE)
@require_POST
def care_follow_up_void(request, campus, pk, follow_up_pk):
    case = _case(request, pk)
    follow_up = get_object_or_404(CareFollowUp.objects.filter(case=case), pk=follow_up_pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return _form_error(request, case, form)
    try:
        care_services.follow_up_void(
            actor=request.user, follow_up=follow_up, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return _error(request, case, exc)
    messages.success(request, _("The follow-up was voided."))
    return _back(request, case)


@campus_view(MANAGE)
@require_POST
def care_case_close(request, campus, pk):
    case = _case(request, pk)
    form = CloseForm(request.POST, campus=request.campus, prefix="close")
    if not form.is_valid():
        return _form_error(request, case, form)
    data = form.cleaned_data
    try:
        care_services.case_close(
            actor=request.user,
            case=case,
            outcome=data["outcome"],
            closed_on=data.get("closed_on"),
            note=data["note"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return _error(request, case, exc)
    messages.success(request, _("The case was closed."))
    return _back(request, case)


@campus_view(MANAGE)
@require_POST
def care_case_reopen(request, campus, pk):
    case = _case(request, pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="reopen")
    if not form.is_valid():
        return _form_error(request, case, form)
    try:
        care_services.case_reopen(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return _error(request, case, exc)
    messages.success(request, _("The case was reopened."))
    return _back(request, case)


# --- Health statistics ----------------------------------------------------------------------------

REPORT_TABS = (
    ("attendance", gettext_lazy("Attendance and illness")),
    ("exams", gettext_lazy("Health exams")),
    ("growth", gettext_lazy("Growth")),
    ("diseases", gettext_lazy("Infectious diseases")),
    ("special", gettext_lazy("Special care")),
)


def _pct(value):
    return None if value is None else float(value)


class ReportView(CampusViewMixin, TemplateView):
    """The frame of every statistics page: a period form, the figures, .xlsx and print."""

    template_name = "health/care_report.html"
    print_template_name = "health/care_report_print.html"
    permission_required = REPORTS
    kind = ""
    form_class = None
    print_view = False

    def initial(self):
        return {}

    def compute(self, data):
        raise NotImplementedError

    def export_columns(self, report):
        raise NotImplementedError

    def export_rows(self, report):
        return [*report["rows"], {**report["totals"], "label": _("Total")}]

    def period_text(self, report):
        return ""

    def get_template_names(self):
        return [self.print_template_name if self.print_view else self.template_name]

    def get(self, request, *args, **kwargs):
        form = None
        if self.form_class is not None:
            keys = set(self.form_class.base_fields)
            data = (
                request.GET.dict()
                if keys & set(request.GET)
                else {k: str(v) for k, v in self.initial().items()}
            )
            form = self.form_class(data, campus=request.campus)
            report = self.compute(form.cleaned_data) if form.is_valid() else None
        else:
            report = self.compute({})
        if report is not None and request.GET.get("export") == "xlsx" and not self.print_view:
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            from houqin.core.exports import xlsx_response

            title = f"{self.get_title()} {self.period_text(report)}".strip()
            return xlsx_response(
                filename=f"health-{self.kind}-{request.campus.display_name}.xlsx",
                title=title,
                columns=self.export_columns(report),
                rows=self.export_rows(report),
            )
        return self.render_to_response(self.get_context_data(form=form, report=report))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("export", None)
        query = params.urlencode()
        report = kwargs.get("report")
        ctx.update(
            {
                "kind": self.kind,
                "table_template": f"health/care_report_{self.kind}_table.html",
                "tabs": [
                    (key, label, campus_url(self.request, f"health:care_report_{key}"))
                    for key, label in REPORT_TABS
                ],
                "querystring": query,
                "can_export": has_perm(self.request, "core.export"),
                "print_url": campus_url(self.request, f"health:care_report_{self.kind}_print")
                + (f"?{query}" if query else ""),
                "period": self.period_text(report) if report else "",
                "chart": self.chart(report) if report and not self.print_view else None,
            }
        )
        return ctx

    def chart(self, report):
        return None


class AttendanceReportView(ReportView):
    """出勤率与因病缺勤率 per class for a month."""

    kind = "attendance"
    form_class = MonthForm
    title = gettext_lazy("Attendance and illness rates (出勤率·因病缺勤率)")

    def initial(self):
        return {"month": timezone.localdate().strftime("%Y-%m")}

    def compute(self, data):
        return care_reports.attendance_report(self.request.campus, data["month"])

    def period_text(self, report):
        return report["month"].strftime("%Y-%m")

    def export_columns(self, report):
        return [
            (_("Class"), "label"),
            (_("Days with a roll call"), "days"),
            (_("School days without a roll call"), "missing"),
            (_("Enrolled child-days"), "enrolled"),
            (_("Present child-days"), "present"),
            (_("Absent child-days"), "absent"),
            (_("Sick-leave child-days"), "sick"),
            (_("Other absences"), "other_absent"),
            (_("Attendance rate (%)"), lambda r: _pct(r["attendance_rate"])),
            (_("Illness rate (%)"), lambda r: _pct(r["illness_rate"])),
        ]

    def chart(self, report):
        return {
            "labels": [r["label"] for r in report["rows"]],
            "series": [
                {
                    "name": str(_("Attendance rate (%)")),
                    "data": [_pct(r["attendance_rate"]) for r in report["rows"]],
                },
                {
                    "name": str(_("Illness rate (%)")),
                    "data": [_pct(r["illness_rate"]) for r in report["rows"]],
                },
            ],
        }


class _PeriodReport(ReportView):
    form_class = PeriodForm

    def initial(self):
        start, end = care_reports.default_period(self.request.campus)
        return {"date_from": start.isoformat(), "date_to": end.isoformat()}

    def period_text(self, report):
        return f"{report['date_from']:%Y-%m-%d} – {report['date_to']:%Y-%m-%d}"


class ExamReportView(_PeriodReport):
    """体检覆盖率与合格率 per class, against the campus target."""

    kind = "exams"
    title = gettext_lazy("Health exams: coverage and pass rate (体检率·合格率)")

    def compute(self, data):
        return care_reports.exam_report(self.request.campus, data["date_from"], data["date_to"])

    def export_columns(self, report):
        return [
            (_("Class"), "label"),
            (_("Enrolled"), "enrolled"),
            (_("Examined"), "examined"),
            (_("Coverage (%)"), lambda r: _pct(r["coverage"])),
            (_("Passed"), "passed"),
            (_("Pass rate (%)"), lambda r: _pct(r["pass_rate"])),
            (_("Meets the target"), "meets_target"),
            (_("Anaemia"), "anaemia"),
            (_("Vision abnormal"), "vision"),
            (_("With caries"), "caries"),
        ]


class GrowthReportView(_PeriodReport):
    """生长发育评价 by class: the latest valid measurement of each child."""

    kind = "growth"
    title = gettext_lazy("Growth classification by class (生长发育评价)")

    def compute(self, data):
        return care_reports.growth_report(self.request.campus, data["date_from"], data["date_to"])

    def export_columns(self, report):
        cols = [(_("Class"), "label"), (_("Enrolled"), "enrolled"), (_("Measured"), "measured")]
        for key, label in self.flags():
            cols += [(label, key), (f"{label} (%)", lambda r, k=key: _pct(r[f"{k}_rate"]))]
        return cols

    @staticmethod
    def flags():
        return [
            ("stunting", _("Stunting")),
            ("underweight", _("Underweight")),
            ("wasting", _("Wasting")),
            ("overweight", _("Overweight")),
            ("obesity", _("Obesity")),
            ("normal", pgettext_lazy("health status", "Normal")),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        flags = self.flags()
        ctx["flags"] = flags
        report = kwargs.get("report")
        if report:
            for row in [*report["rows"], report["totals"]]:
                row["flag_cells"] = [(key, row[key], row[f"{key}_rate"]) for key, _label in flags]
        return ctx

    def chart(self, report):
        return {
            "labels": [r["label"] for r in report["rows"]],
            "series": [
                {"name": str(label), "data": [_pct(r[f"{key}_rate"]) for r in report["rows"]]}
                for key, label in self.flags()
                if key != "normal"
            ],
        }


class DiseaseReportView(ReportView):
    """传染病 cases by disease and month of onset."""

    kind = "diseases"
    form_class = YearForm
    title = gettext_lazy("Infectious disease cases by month (传染病统计)")

    def initial(self):
        return {"year": timezone.localdate().year}

    def compute(self, data):
        return care_reports.disease_report(self.request.campus, data["year"])

    def period_text(self, report):
        return str(report["year"])

    def export_columns(self, report):
        cols = [(_("Disease"), "label")]
        for i in range(12):
            cols.append((_("Month %(n)s") % {"n": i + 1}, lambda r, i=i: r["months"][i]))
        cols.append((_("Total"), "total"))
        return cols

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["months"] = range(1, 13)
        return ctx


class SpecialCareReportView(ReportView):
    """The registers in figures: open cases by category and severity, closings of the year."""

    kind = "special"
    title = gettext_lazy("Special care in figures (专案管理统计)")

    def compute(self, data):
        return care_reports.special_care_summary(self.request.campus)

    def period_text(self, report):
        return timezone.localdate().strftime("%Y-%m-%d")

    def export_columns(self, report):
        return [
            (_("Category"), "label"),
            (_("Open cases"), "open"),
            (_("Not graded"), "sev_none"),
            (_("Mild"), "sev_mild"),
            (_("Moderate"), "sev_moderate"),
            (_("Severe"), "sev_severe"),
            (_("Closed in the last 12 months"), "closed"),
            (_("Recovered"), "closed_recovered"),
            (_("Left the kindergarten"), "closed_moved_away"),
            (_("Other"), "closed_other"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["register_links"] = [
            (_("Frail children (体弱儿)"), campus_url(self.request, "health:care_frail"),
             campus_url(self.request, "health:care_frail_print")),
            (_("Obese children (肥胖儿)"), campus_url(self.request, "health:care_obese"),
             campus_url(self.request, "health:care_obese_print")),
        ]  # fmt: skip
        return ctx


def _report_urls(prefix, kind, view):
    return [
        path(f"reports/{prefix}", view.as_view(), name=f"care_report_{kind}"),
        path(f"reports/{prefix}print/", view.as_view(print_view=True), name=f"care_report_{kind}_print"),
    ]


urlpatterns = [
    path("care/", CaseListView.as_view(), name="care_case_list"),
    path("care/new/", CaseCreateView.as_view(), name="care_case_create"),
    path("care/frail/", FrailRegisterView.as_view(), name="care_frail"),
    path("care/frail/print/", RegisterPrintView.as_view(register="frail"), name="care_frail_print"),
    path("care/obese/", ObeseRegisterView.as_view(), name="care_obese"),
    path("care/obese/print/", RegisterPrintView.as_view(register="obese"), name="care_obese_print"),
    path("care/bp-due/", BpDueView.as_view(), name="care_bp_due"),
    path("care/rechecks-due/", RechecksDueView.as_view(), name="care_rechecks_due"),
    path("care/<int:pk>/", CaseDetailView.as_view(), name="care_case_detail"),
    path("care/<int:pk>/edit/", CaseUpdateView.as_view(), name="care_case_update"),
    path("care/<int:pk>/print/", CasePrintView.as_view(), name="care_case_print"),
    path("care/<int:pk>/follow-ups/", care_follow_up_add, name="care_follow_up_add"),
    path(
        "care/<int:pk>/follow-ups/<int:follow_up_pk>/void/", care_follow_up_void, name="care_follow_up_void"
    ),
    path("care/<int:pk>/close/", care_case_close, name="care_case_close"),
    path("care/<int:pk>/reopen/", care_case_reopen, name="care_case_reopen"),
    *_report_urls("", "attendance", AttendanceReportView),
    *_report_urls("exams/", "exams", ExamReportView),
    *_report_urls("growth/", "growth", GrowthReportView),
    *_report_urls("diseases/", "diseases", DiseaseReportView),
    *_report_urls("special-care/", "special", SpecialCareReportView),
]
