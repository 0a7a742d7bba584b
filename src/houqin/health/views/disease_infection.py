"""Infectious disease pages (传染病): the disease list, cases with isolation and return to
class, terminal disinfection tasks, class quarantines and outbreak alerts with their
printable report."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import Column, ObjectDetailView, ObjectFormView, ObjectListView
from houqin.health import disease_services as services
from houqin.health.disease_filters import (
    CaseFilter,
    DiseaseFilter,
    DisinfectionFilter,
    OutbreakFilter,
    QuarantineFilter,
)
from houqin.health.disease_forms import (
    CaseExtendForm,
    CaseForm,
    CaseReturnForm,
    CloseForm,
    DiseaseForm,
    DisinfectionDoneForm,
    MeasuresForm,
    OutbreakReportForm,
    QuarantineConfirmForm,
    QuarantineForm,
    ReasonForm,
    parse_day,
)
from houqin.health.models import ClassQuarantine, Disease, DiseaseCase, OutbreakAlert, TerminalDisinfection
from houqin.health.views.disease_common import (
    MANAGE_DISEASE,
    MANAGE_SETTINGS,
    RECORD_DISINFECTION,
    VIEW_DISEASE,
    VIEW_DISINFECTION,
    badge,
    done,
    failed,
    form_failed,
    local,
    url,
    void_badge,
)


def case_badge(c):
    if c.is_void:
        return void_badge()
    if c.status == DiseaseCase.Status.RETURNED:
        return badge("green", c.get_status_display(), c.status)
    if c.isolation_until < timezone.localdate():
        return badge("orange", _("Isolation over, not back yet"), "isolation_over")
    return badge("red", c.get_status_display(), c.status)


def disinfection_badge(t):
    if t.is_void:
        return void_badge()
    if t.status == TerminalDisinfection.Status.DONE:
        return badge("green", t.get_status_display(), t.status)
    if t.is_overdue:
        return badge("red", _("Overdue"), "overdue")
    return badge("orange", t.get_status_display(), t.status)


QUARANTINE_COLOURS = {"proposed": "orange", "active": "red", "lifted": "secondary", "cancelled": "secondary"}
OUTBREAK_COLOURS = {"open": "red", "reported": "orange", "closed": "secondary"}


def quarantine_badge(q):
    if q.status == ClassQuarantine.Status.ACTIVE and q.end_date < timezone.localdate():
        return badge("secondary", _("Ended"), "ended")
    return badge(QUARANTINE_COLOURS.get(q.status, "secondary"), q.get_status_display(), q.status)


def outbreak_badge(a):
    if a.is_overdue:
        return badge("red", _("Report overdue"), "overdue")
    return badge(OUTBREAK_COLOURS.get(a.status, "secondary"), a.get_status_display(), a.status)


# --- Disease list ---------------------------------------------------------------------------------


class DiseaseMixin:
    model = Disease
    url_base = "health:disease"
    permission_required = VIEW_DISEASE
    write_permission = MANAGE_SETTINGS


class DiseaseListView(DiseaseMixin, ObjectListView):
    template_name = "health/disease_disease_list.html"
    filterset_class = DiseaseFilter
    search_fields = ("name",)
    pinyin_field = ""
    title = gettext_lazy("Infectious disease list")
    create_label = gettext_lazy("Add a disease")
    ordering = ("sort_order", "name")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Isolation days"), "isolation_days"),
        Column(gettext_lazy("Quarantine days"), "quarantine_days"),
        Column(gettext_lazy("Cluster"), "cluster_label"),
        Column(gettext_lazy("Typical symptoms"), "symptoms", css="text-wrap"),
        Column(gettext_lazy("Return to class"), "return_rule", css="text-wrap"),
        Column(gettext_lazy("Active"), "is_active"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_seed"] = ctx["can_write"] and not ctx["paginator"].count and not self.request.GET
        return ctx


class DiseaseFormView(DiseaseMixin, ObjectFormView):
    form_class = DiseaseForm

    def save_object(self, form, instance, before):
        return services.disease_save(actor=self.request.user, instance=instance, before=before)


class DiseaseDetailView(DiseaseMixin, ObjectDetailView):
    attachments = False


@campus_view(MANAGE_SETTINGS)
@require_POST
def disease_seed(request, campus):
    n = services.diseases_ensure(request.campus, actor=request.user)
    return done(request, url(request, "health:disease_list"), _("%(n)s diseases added.") % {"n": n})


# --- Cases ------------------------------------------------------------------------------------------


class CaseMixin:
    model = DiseaseCase
    url_base = "health:case"
    permission_required = VIEW_DISEASE
    write_permission = MANAGE_DISEASE


class CaseListView(CaseMixin, ObjectListView):
    template_name = "health/disease_case_list.html"
    filterset_class = CaseFilter
    search_fields = ("number", "child__name", "child__name_pinyin")
    pinyin_field = ""
    title = gettext_lazy("Infectious disease cases (传染病登记)")
    create_label = gettext_lazy("Record a case")
    select_related = ("child", "school_class", "disease", "reported_by")
    ordering = ("-onset_date", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Child"), "child"),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Disease"), "disease"),
        Column(gettext_lazy("Onset"), "onset_date"),
        Column(gettext_lazy("Diagnosis"), "get_diagnosis_source_display"),
        Column(gettext_lazy("Isolation"), lambda c: f"{c.isolation_from:%m-%d}—{c.isolation_until:%m-%d}"),
        Column(gettext_lazy("Back on"), "returned_on"),
        Column(gettext_lazy("Status"), case_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Number"), "number"), Column(_("Child"), "child"), Column(_("Class"), "school_class"),
            Column(_("Disease"), "disease"), Column(_("Onset"), "onset_date"),
            Column(_("Diagnosis"), "get_diagnosis_source_display"), Column(_("Hospital"), "hospital"),
            Column(_("Symptoms"), "symptoms"), Column(_("Reported on"), "reported_on"),
            Column(_("Reported by"), "reported_by"), Column(_("Isolation from"), "isolation_from"),
            Column(_("Isolation until"), "isolation_until"), Column(_("Back on"), "returned_on"),
            Column(_("Certificate date"), "certificate_date"), Column(_("Status"), "get_status_display"),
            Column(_("Void"), "is_void"), Column(_("Void reason"), "void_reason"),
        ]  # fmt: skip


class CaseCreateView(CaseMixin, ObjectFormView):
    form_class = CaseForm

    def get_title(self):
        return _("Record an infectious disease case")

    def get(self, request, *args, **kwargs):
        services.diseases_ensure(request.campus, actor=request.user)
        return super().get(request, *args, **kwargs)

    def get_initial(self):
        initial = {"onset_date": parse_day(self.request.GET.get("date"))}
        child = self.request.GET.get("child", "")
        if child.isdigit():
            initial["child"] = int(child)
        return initial

    def save_object(self, form, instance, before):
        data = form.cleaned_data
        return services.case_record(
            actor=self.request.user, campus=self.request.campus, child=data["child"], disease=data["disease"],
            onset_date=data["onset_date"], diagnosis_source=data["diagnosis_source"], hospital=data.get("hospital", ""),
            symptoms=data.get("symptoms", ""), note=data.get("note", ""),
        )  # fmt: skip


class CaseDetailView(CaseMixin, ObjectDetailView):
    template_name = "health/disease_case_detail.html"

    def get_queryset(self):
        return DiseaseCase.objects.select_related(
            "child",
            "school_class",
            "disease",
            "reported_by",
            "return_recorded_by",
            "voided_by",
            "disinfection",
        )

    def detail_fields(self):
        c = self.object
        return [
            (_("Number"), c.number), (_("Child"), c.child), (_("Class"), c.school_class), (_("Disease"), c.disease),
            (_("Onset"), c.onset_date), (_("Diagnosis"), c.get_diagnosis_source_display()),
            (_("Hospital"), c.hospital), (_("Symptoms"), c.symptoms), (_("Reported on"), c.reported_on),
            (_("Reported by"), c.reported_by),
            (_("Isolation"), f"{c.isolation_from:%Y-%m-%d} — {c.isolation_until:%Y-%m-%d}"),
            (_("May return from"), c.earliest_return), (_("Status"), case_badge(c)),
            (_("Back in class on"), c.returned_on), (_("Certificate date"), c.certificate_date),
            (_("Return recorded by"), c.return_recorded_by), (_("Note"), c.note), (_("Void reason"), c.void_reason),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        c, request = self.object, self.request
        can = has_perm(request, MANAGE_DISEASE) and not c.is_void
        open_case = can and c.status == DiseaseCase.Status.ISOLATING
        ctx.update({
            "update_url": None, "delete_url": None,
            "return_form": CaseReturnForm(campus=request.campus, initial={"returned_on": max(timezone.localdate(), c.earliest_return)}) if open_case else None,
            "extend_form": CaseExtendForm(campus=request.campus, prefix="extend") if open_case else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void") if can else None,
            "void_url": url(request, "health:case_void", pk=c.pk),
            "outbreaks": list(c.outbreaks.select_related("school_class")),
        })  # fmt: skip
        return ctx


@campus_view(MANAGE_DISEASE)
@require_POST
def case_return(request, campus, pk):
    case = get_object_or_404(DiseaseCase, pk=pk)
    target = url(request, "health:case_detail", pk=pk)
    form = CaseReturnForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    data = form.cleaned_data
    try:
        services.case_return(actor=request.user, case=case, returned_on=data["returned_on"],
                             certificate_date=data["certificate_date"], certificate=data.get("certificate"),
                             note=data.get("note", ""))  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("%(child)s is back in class.") % {"child": case.child})


@campus_view(MANAGE_DISEASE)
@require_POST
def case_extend(request, campus, pk):
    case = get_object_or_404(DiseaseCase, pk=pk)
    target = url(request, "health:case_detail", pk=pk)
    form = CaseExtendForm(request.POST, campus=request.campus, prefix="extend")
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.case_extend(actor=request.user, case=case, until=form.cleaned_data["until"],
                             reason=form.cleaned_data["reason"])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The isolation was lengthened."))


@campus_view(MANAGE_DISEASE)
@require_POST
def case_void(request, campus, pk):
    case = get_object_or_404(DiseaseCase, pk=pk)
    target = url(request, "health:case_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.case_void(actor=request.user, case=case, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The case was voided; it stays on record."))


# --- Terminal disinfection ------------------------------------------------------------------------------


class DisinfectionMixin:
    model = TerminalDisinfection
    url_base = "health:disinfection"
    permission_required = VIEW_DISINFECTION
    write_permission = RECORD_DISINFECTION


class DisinfectionListView(DisinfectionMixin, ObjectListView):
    filterset_class = DisinfectionFilter
    title = gettext_lazy("Terminal disinfection (终末消毒)")
    select_related = ("school_class", "disease", "done_by")
    ordering = ("status", "-due_date", "-id")
    columns = [
        Column(gettext_lazy("Class"), "school_class", link=True),
        Column(gettext_lazy("Disease"), "disease"),
        Column(gettext_lazy("Due by"), "due_date"),
        Column(gettext_lazy("Method"), "method", css="text-wrap"),
        Column(gettext_lazy("Done by"), "done_by"),
        Column(gettext_lazy("Done at"), lambda t: local(t.done_at)),
        Column(gettext_lazy("Status"), disinfection_badge, export=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # opened by recording a case
        return ctx


class DisinfectionDetailView(DisinfectionMixin, ObjectDetailView):
    template_name = "health/disease_disinfection_detail.html"

    def get_queryset(self):
        return TerminalDisinfection.objects.select_related("school_class", "disease", "done_by", "voided_by")

    def detail_fields(self):
        t = self.object
        return [
            (_("Class"), t.school_class), (_("Disease"), t.disease), (_("Due by"), t.due_date),
            (_("Status"), disinfection_badge(t)), (_("Method"), t.method), (_("Areas and objects"), t.areas),
            (_("Done by"), t.done_by), (_("Done at"), local(t.done_at)), (_("Note"), t.note),
            (_("Void reason"), t.void_reason),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        ctx.update({
            "update_url": None, "delete_url": None,
            "cases": list(t.cases.select_related("child", "disease")),
            "done_form": DisinfectionDoneForm(campus=self.request.campus)
            if ctx["can_write"] and t.status == TerminalDisinfection.Status.PENDING and not t.is_void else None,
        })  # fmt: skip
        return ctx


@campus_view(RECORD_DISINFECTION)
@require_POST
def disinfection_done(request, campus, pk):
    task = get_object_or_404(TerminalDisinfection, pk=pk)
    target = url(request, "health:disinfection_detail", pk=pk)
    form = DisinfectionDoneForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    data = form.cleaned_data
    try:
        services.disinfection_done(actor=request.user, task=task, method=data["method"], areas=data.get("areas", ""),
                                   photos=data.get("photos"), note=data.get("note", ""))  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("Terminal disinfection recorded."))


# --- Quarantines ----------------------------------------------------------------------------------------


class QuarantineMixin:
    model = ClassQuarantine
    url_base = "health:quarantine"
    permission_required = VIEW_DISEASE
    write_permission = MANAGE_DISEASE


class QuarantineListView(QuarantineMixin, ObjectListView):
    filterset_class = QuarantineFilter
    title = gettext_lazy("Class quarantines (不并班、不串班、不收新生)")
    create_label = gettext_lazy("Put a class under quarantine")
    select_related = ("school_class", "disease", "outbreak")
    ordering = ("-start_date", "-id")
    columns = [
        Column(gettext_lazy("Class"), "school_class", link=True),
        Column(gettext_lazy("Disease"), "disease"),
        Column(gettext_lazy("From"), "start_date"),
        Column(gettext_lazy("Until"), "end_date"),
        Column(gettext_lazy("Reason"), "reason", css="text-wrap"),
        Column(gettext_lazy("Outbreak alert"), "outbreak.number"),
        Column(gettext_lazy("Status"), quarantine_badge, export=False),
    ]


class QuarantineCreateView(QuarantineMixin, ObjectFormView):
    form_class = QuarantineForm

    def get_initial(self):
        today = timezone.localdate()
        return {"start_date": today, "end_date": today + timezone.timedelta(days=9)}

    def save_object(self, form, instance, before):
        data = form.cleaned_data
        return services.quarantine_create(
            actor=self.request.user, campus=self.request.campus, school_class=data["school_class"],
            start_date=data["start_date"], end_date=data["end_date"], reason=data.get("reason", ""),
            disease=data.get("disease"),
        )  # fmt: skip


class QuarantineDetailView(QuarantineMixin, ObjectDetailView):
    template_name = "health/disease_quarantine_detail.html"
    attachments = False

    def get_queryset(self):
        return ClassQuarantine.objects.select_related(
            "school_class", "disease", "outbreak", "created_by", "confirmed_by", "ended_by"
        )

    def detail_fields(self):
        q = self.object
        return [
            (_("Class"), q.school_class), (_("Disease"), q.disease), (_("From"), q.start_date), (_("Until"), q.end_date),
            (_("Status"), quarantine_badge(q)), (_("Reason"), q.reason), (_("Outbreak alert"), q.outbreak),
            (_("Created by"), q.created_by), (_("Confirmed by"), q.confirmed_by),
            (_("Confirmed at"), local(q.confirmed_at)), (_("Ended by"), q.ended_by), (_("Ended at"), local(q.ended_at)),
            (_("Ending reason"), q.end_reason),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        q, request = self.object, self.request
        can = ctx["can_write"]
        ctx.update({
            "update_url": None, "delete_url": None,
            "confirm_form": QuarantineConfirmForm(campus=request.campus, initial={"start_date": q.start_date, "end_date": q.end_date})
            if can and q.status == ClassQuarantine.Status.PROPOSED else None,
            "end_form": ReasonForm(campus=request.campus, prefix="end")
            if can and q.status in (ClassQuarantine.Status.PROPOSED, ClassQuarantine.Status.ACTIVE) else None,
        })  # fmt: skip
        return ctx


@campus_view(MANAGE_DISEASE)
@require_POST
def quarantine_confirm(request, campus, pk):
    q = get_object_or_404(ClassQuarantine, pk=pk)
    target = url(request, "health:quarantine_detail", pk=pk)
    form = QuarantineConfirmForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.quarantine_confirm(actor=request.user, quarantine=q, start_date=form.cleaned_data["start_date"],
                                    end_date=form.cleaned_data["end_date"])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The quarantine is in force."))


@campus_view(MANAGE_DISEASE)
@require_POST
def quarantine_end(request, campus, pk):
    q = get_object_or_404(ClassQuarantine, pk=pk)
    target = url(request, "health:quarantine_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="end")
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.quarantine_end(actor=request.user, quarantine=q, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The quarantine has ended."))


# --- Outbreak alerts ----------------------------------------------------------------------------------


class OutbreakMixin:
    model = OutbreakAlert
    url_base = "health:outbreak"
    permission_required = VIEW_DISEASE
    write_permission = MANAGE_DISEASE


def _due_cell(a):
    due = local(a.report_due_at)
    if a.status != OutbreakAlert.Status.OPEN:
        return due
    return badge("red" if a.is_overdue else "orange", due.strftime("%m-%d %H:%M"), "due")


class OutbreakListView(OutbreakMixin, ObjectListView):
    filterset_class = OutbreakFilter
    title = gettext_lazy("Outbreak alerts (聚集性疫情)")
    select_related = ("school_class", "disease")
    ordering = ("-raised_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Disease"), "disease"),
        Column(gettext_lazy("Threshold reached"), "rule_label"),
        Column(gettext_lazy("Cases"), "case_count"),
        Column(gettext_lazy("Raised"), lambda a: local(a.raised_at)),
        Column(gettext_lazy("Report due by"), _due_cell),
        Column(gettext_lazy("Reported to"), "reported_to"),
        Column(gettext_lazy("Status"), outbreak_badge, export=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None  # raised by the cases
        return ctx


class OutbreakDetailView(OutbreakMixin, ObjectDetailView):
    template_name = "health/disease_outbreak_detail.html"

    def get_queryset(self):
        return OutbreakAlert.objects.select_related("school_class", "disease", "reported_by", "closed_by")

    def detail_fields(self):
        a = self.object
        return [
            (_("Number"), a.number), (_("Class"), a.school_class), (_("Disease"), a.disease or _("similar symptoms")),
            (_("Threshold reached"), a.rule_label), (_("Cases"), a.case_count),
            (_("Onsets"), f"{a.first_onset:%Y-%m-%d} — {a.last_onset:%Y-%m-%d}"), (_("Raised"), local(a.raised_at)),
            (_("Report due by"), _due_cell(a)), (_("Status"), outbreak_badge(a)), (_("Symptoms"), a.symptoms),
            (_("Measures taken"), a.measures), (_("Reported at"), local(a.reported_at)),
            (_("Reported to"), a.reported_to), (_("How"), a.report_method), (_("Reported by"), a.reported_by),
            (_("Closed at"), local(a.closed_at)), (_("Closing note"), a.close_note),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a, request = self.object, self.request
        can = ctx["can_write"]
        ctx.update({
            "update_url": None, "delete_url": None,
            "cases": services.outbreak_cases(a),
            "quarantines": list(a.quarantines.select_related("school_class")),
            "report_form": OutbreakReportForm(campus=request.campus, initial={"measures": a.measures})
            if can and a.status == OutbreakAlert.Status.OPEN else None,
            "measures_form": MeasuresForm(campus=request.campus, prefix="m", initial={"measures": a.measures})
            if can and a.status != OutbreakAlert.Status.CLOSED else None,
            "close_form": CloseForm(campus=request.campus, prefix="close")
            if can and a.status == OutbreakAlert.Status.REPORTED else None,
        })  # fmt: skip
        return ctx


def _alert(pk):
    return get_object_or_404(OutbreakAlert.objects.select_related("school_class", "disease"), pk=pk)


@campus_view(VIEW_DISEASE)
def outbreak_print(request, campus, pk):
    """The printable report form (传染病疫情报告) of an alert."""
    alert = _alert(pk)
    cases = services.outbreak_cases(alert)
    disinfections = (
        TerminalDisinfection.objects.filter(cases__in=[c.pk for c in cases])
        .distinct().select_related("school_class", "done_by").order_by("due_date")
    )  # fmt: skip
    return render(request, "health/disease_outbreak_print.html", {
        "title": _("Infectious disease outbreak report"), "alert": alert, "cases": cases,
        "quarantines": list(alert.quarantines.all()), "printed_at": timezone.localtime(),
        "disinfections": list(disinfections),
    })  # fmt: skip


@campus_view(MANAGE_DISEASE)
@require_POST
def outbreak_report(request, campus, pk):
    alert = _alert(pk)
    target = url(request, "health:outbreak_detail", pk=pk)
    form = OutbreakReportForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    data = form.cleaned_data
    try:
        services.outbreak_report(actor=request.user, alert=alert, reported_to=data["reported_to"],
                                 method=data.get("method", ""), measures=data["measures"],
                                 reported_at=data["reported_at"])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("Marked as reported."))


@campus_view(MANAGE_DISEASE)
@require_POST
def outbreak_measures(request, campus, pk):
    alert = _alert(pk)
    target = url(request, "health:outbreak_detail", pk=pk)
    form = MeasuresForm(request.POST, campus=request.campus, prefix="m")
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.outbreak_update_measures(
            actor=request.user, alert=alert, measures=form.cleaned_data["measures"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("Saved."))


@campus_view(MANAGE_DISEASE)
@require_POST
def outbreak_close(request, campus, pk):
    alert = _alert(pk)
    target = url(request, "health:outbreak_detail", pk=pk)
    form = CloseForm(request.POST, campus=request.campus, prefix="close")
    form.is_valid()
    try:
        services.outbreak_close(actor=request.user, alert=alert, note=form.cleaned_data.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The alert was closed."))


urlpatterns = [
    path("diseases/", DiseaseListView.as_view(), name="disease_list"),
    path("diseases/new/", DiseaseFormView.as_view(), name="disease_create"),
    path("diseases/seed/", disease_seed, name="disease_seed"),
    path("diseases/<int:pk>/", DiseaseDetailView.as_view(), name="disease_detail"),
    path("diseases/<int:pk>/edit/", DiseaseFormView.as_view(), name="disease_update"),
    path("cases/", CaseListView.as_view(), name="case_list"),
    path("cases/new/", CaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/return/", case_return, name="case_return"),
    path("cases/<int:pk>/extend/", case_extend, name="case_extend"),
    path("cases/<int:pk>/void/", case_void, name="case_void"),
    path("disinfection/terminal/", DisinfectionListView.as_view(), name="disinfection_list"),
    path("disinfection/terminal/<int:pk>/", DisinfectionDetailView.as_view(), name="disinfection_detail"),
    path("disinfection/terminal/<int:pk>/done/", disinfection_done, name="disinfection_done"),
    path("quarantines/", QuarantineListView.as_view(), name="quarantine_list"),
    path("quarantines/new/", QuarantineCreateView.as_view(), name="quarantine_create"),
    path("quarantines/<int:pk>/", QuarantineDetailView.as_view(), name="quarantine_detail"),
    path("quarantines/<int:pk>/confirm/", quarantine_confirm, name="quarantine_confirm"),
    path("quarantines/<int:pk>/end/", quarantine_end, name="quarantine_end"),
    path("outbreaks/", OutbreakListView.as_view(), name="outbreak_list"),
    path("outbreaks/<int:pk>/", OutbreakDetailView.as_view(), name="outbreak_detail"),
    path("outbreaks/<int:pk>/print/", outbreak_print, name="outbreak_print"),
    path("outbreaks/<int:pk>/report/", outbreak_report, name="outbreak_report"),
    path("outbreaks/<int:pk>/measures/", outbreak_measures, name="outbreak_measures"),
    path("outbreaks/<int:pk>/close/", outbreak_close, name="outbreak_close"),
]
