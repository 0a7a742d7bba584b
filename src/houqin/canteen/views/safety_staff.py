"""Kitchen staff (从业人员): the register with health certificates, the duty roster (no duty
without a valid certificate), the daily morning check (phone page) and training records."""

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.canteen import safety_services as ss
from houqin.canteen.models import (
    HealthCertificate,
    KitchenDuty,
    KitchenStaff,
    StaffMorningCheck,
    TrainingRecord,
)
from houqin.canteen.safety_forms import CertificateForm, DutyForm, ReasonForm, StaffForm, TrainingForm
from houqin.canteen.views.safety_common import (
    CHECK_STAFF,
    MANAGE_STAFF,
    VIEW_STAFF,
    ServiceFormView,
    badge,
    curl,
    done,
    failed,
    form_errors,
    parse_day,
)
from houqin.core.filters import CampusFilterSet
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)

DateInput = forms.DateInput(attrs={"type": "date"})
ALL = gettext_lazy("All")
YES_NO = (("1", gettext_lazy("Yes")), ("0", gettext_lazy("No")))


def certificate_badge(cert, day=None, reminder_days=30):
    day = day or timezone.localdate()
    problem = ss.certificate_problem(cert, day)
    if problem:
        return badge("red", problem, "invalid")
    left = (cert.valid_until - day).days
    if left <= reminder_days:
        return badge("yellow", _("valid until %(date)s") % {"date": cert.valid_until.isoformat()}, "expiring")
    return badge("green", _("valid until %(date)s") % {"date": cert.valid_until.isoformat()}, "valid")


# --- Staff --------------------------------------------------------------------------------


class StaffFilter(CampusFilterSet):
    position = django_filters.ChoiceFilter(label=gettext_lazy("Position"), choices=KitchenStaff.Position.choices,
                                           empty_label=ALL)  # fmt: skip
    active = django_filters.ChoiceFilter(label=gettext_lazy("Active"), choices=YES_NO, method="filter_active",
                                         empty_label=ALL)  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = KitchenStaff
        fields = []

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "1")


class StaffMixin:
    model = KitchenStaff
    url_base = "canteen:safety_staff"
    permission_required = VIEW_STAFF
    write_permission = MANAGE_STAFF


class StaffListView(StaffMixin, ObjectListView):
    title = gettext_lazy("Kitchen staff (从业人员)")
    filterset_class = StaffFilter
    search_fields = ("name", "phone")
    select_related = ("user",)
    ordering = ("-is_active", "position", "name", "pk")
    create_label = gettext_lazy("New staff member")

    def _certs(self):
        if not hasattr(self, "certs"):
            self.today = timezone.localdate()
            self.certs = ss.current_certificates(self.object_list.values_list("pk", flat=True), self.today)
        return self.certs

    def _cert(self, person):
        return self._certs().get(person.pk)

    @property
    def columns(self):
        return [
            Column(_("Name"), "name", link=True),
            Column(_("Position"), "get_position_display"),
            Column(_("Phone"), "phone"),
            Column(_("User account"), "user"),
            Column(
                _("Health certificate"), lambda p: certificate_badge(self._cert(p), self.today), export=False
            ),
            Column(_("Active"), "is_active"),
        ]

    @property
    def export_columns(self):
        return [
            *self.columns[:4],
            Column(_("Certificate number"), lambda p: getattr(self._cert(p), "number", "")),
            Column(_("Valid until"), lambda p: getattr(self._cert(p), "valid_until", None)),
            Column(_("Active"), "is_active"),
        ]

    def export(self, qs):
        self.object_list = qs
        self._certs()
        return super().export(qs)


class StaffFormView(StaffMixin, ObjectFormView):
    form_class = StaffForm

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in ss.STAFF_FIELDS}
        return ss.staff_save(
            actor=self.request.user, campus=self.request.campus, data=data, staff=self.object
        )


class StaffDetailView(StaffMixin, ObjectDetailView):
    template_name = "canteen/safety_staff_detail.html"
    attachments = False

    def get_queryset(self):
        return KitchenStaff.objects.select_related("user")

    def detail_fields(self):
        p = self.object
        return [
            (_("Name"), p.name), (_("Position"), p.get_position_display()), (_("Phone"), p.phone),
            (_("User account"), p.user), (_("Active"), p.is_active), (_("Note"), p.note),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        person, today = self.object, timezone.localdate()
        certs = list(person.certificates.select_related("voided_by").order_by("-valid_until", "-pk"))
        current = ss.current_certificates([person.pk], today).get(person.pk)
        ctx.update({
            "certificates": certs, "current": current, "current_badge": certificate_badge(current, today),
            "duties": list(person.duties.filter(date__gte=today - dt.timedelta(days=7)).order_by("date", "shift")[:30]),
            "checks": list(person.checks.select_related("checked_by").order_by("-date", "-pk")[:14]),
            "trainings": list(person.trainings.order_by("-date")[:10]),
            "can_manage": has_perm(self.request, MANAGE_STAFF), "delete_url": None,
        })  # fmt: skip
        return ctx


# --- Health certificates ------------------------------------------------------------------


class CertificateFilter(CampusFilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"), method="filter_state", empty_label=ALL,
        choices=(("valid", gettext_lazy("Valid today")), ("expired", gettext_lazy("Expired")),
                 ("expiring", gettext_lazy("Expiring within 30 days")), ("void", gettext_lazy("Void"))),
    )  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = HealthCertificate
        fields = []

    def filter_state(self, qs, name, value):
        today = timezone.localdate()
        if value == "void":
            return qs.filter(is_void=True)
        qs = qs.filter(is_void=False)
        if value == "valid":
            return qs.filter(issued_on__lte=today, valid_until__gte=today)
        if value == "expired":
            return qs.filter(valid_until__lt=today)
        if value == "expiring":
            return qs.filter(valid_until__gte=today, valid_until__lte=today + dt.timedelta(days=30))
        return qs


def _cert_badge(cert):
    if cert.is_void:
        return badge("secondary", _("Void"), "void")
    return certificate_badge(cert)


class CertificateMixin:
    model = HealthCertificate
    url_base = "canteen:safety_certificate"
    permission_required = VIEW_STAFF
    write_permission = MANAGE_STAFF


class CertificateListView(CertificateMixin, ObjectListView):
    title = gettext_lazy("Health certificates (健康证)")
    filterset_class = CertificateFilter
    search_fields = ("staff__name", "number")
    pinyin_field = "staff__name_pinyin"
    select_related = ("staff",)
    ordering = ("valid_until", "pk")

    @property
    def columns(self):
        return [
            Column(_("Staff member"), "staff.name", link=True),
            Column(_("Certificate number"), "number"),
            Column(_("Issued on"), "issued_on"),
            Column(_("Valid until"), "valid_until"),
            Column(_("Issued by"), "issuer"),
            Column(_("State"), _cert_badge, export=False),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = None
        return ctx


class CertificateCreateView(CertificateMixin, ServiceFormView):
    form_class = CertificateForm
    permission_required = MANAGE_STAFF

    def dispatch(self, request, *args, **kwargs):
        self.staff = None
        return super().dispatch(request, *args, **kwargs)

    def get_staff(self):
        if self.staff is None:
            self.staff = get_object_or_404(KitchenStaff, pk=self.kwargs["pk"])
        return self.staff

    def get_title(self):
        return _("New health certificate of %(name)s") % {"name": self.get_staff().name}

    def perform(self, form):
        d = form.cleaned_data
        return ss.certificate_add(
            actor=self.request.user, staff=self.get_staff(), number=d["number"], issued_on=d["issued_on"],
            valid_until=d["valid_until"], issuer=d["issuer"], photo=d.get("photo"),
        )  # fmt: skip

    def get_success_url(self):
        return curl(self.request, "safety_staff_detail", pk=self.get_staff().pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = curl(self.request, "safety_staff_detail", pk=self.get_staff().pk)
        return ctx


class CertificateDetailView(CertificateMixin, ObjectDetailView):
    template_name = "canteen/safety_record_detail.html"

    def get_queryset(self):
        return HealthCertificate.objects.select_related("staff", "recorded_by", "voided_by")

    def detail_fields(self):
        c = self.object
        return [
            (_("Staff member"), c.staff.name), (_("Certificate number"), c.number), (_("Issued on"), c.issued_on),
            (_("Valid until"), c.valid_until), (_("Issued by"), c.issuer), (_("State"), _cert_badge(c)),
            (_("Recorded by"), c.recorded_by),
            (_("Void"), f"{c.void_reason} · {c.voided_by or ''}" if c.is_void else None),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({
            "update_url": None, "delete_url": None,
            "list_url": curl(self.request, "safety_staff_detail", pk=self.object.staff_id),
            "void_url": curl(self.request, "safety_certificate_void", pk=self.object.pk)
            if not self.object.is_void and has_perm(self.request, MANAGE_STAFF) else None,
        })  # fmt: skip
        return ctx


@campus_view(MANAGE_STAFF)
@require_POST
def certificate_void(request, campus, pk):
    cert = get_object_or_404(HealthCertificate, pk=pk)
    url = curl(request, "safety_certificate_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    try:
        ss.certificate_void(actor=request.user, certificate=cert, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return failed(request, url, exc)
    return done(request, url, _("Record voided."))


# --- Duty roster --------------------------------------------------------------------------


class DutyRosterView(CampusViewMixin, TemplateView):
    """The week's roster: days × shifts with the people on them, a form to add one; people
    whose certificate is not valid on a day cannot be added (the service says why)."""

    template_name = "canteen/safety_duty.html"
    permission_required = VIEW_STAFF
    title = gettext_lazy("Kitchen duty roster")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        start, end = ss.week_bounds(parse_day(request.GET.get("week")))
        duties = list(
            KitchenDuty.objects.filter(date__gte=start, date__lte=end)
            .select_related("staff", "removed_by")
            .order_by("date", "shift", "staff__name")
        )
        days = [start + dt.timedelta(days=i) for i in range(7)]
        grid = {(d.date, d.shift): [] for d in duties}
        for duty in duties:
            grid[(duty.date, duty.shift)].append(duty)
        rows = [
            {
                "day": day,
                "cells": [
                    (shift, label, grid.get((day, shift), [])) for shift, label in KitchenDuty.Shift.choices
                ],
            }
            for day in days
        ]
        today = timezone.localdate()
        form = DutyForm(
            campus=request.campus, initial={"date": max(today, start) if start <= today <= end else start}
        )
        ctx.update({
            "rows": rows, "shifts": KitchenDuty.Shift.choices, "week_start": start, "week_end": end,
            "previous": start - dt.timedelta(days=7), "next": start + dt.timedelta(days=7), "today": today,
            "form": form if has_perm(request, MANAGE_STAFF) else None, "can_manage": has_perm(request, MANAGE_STAFF),
            "attention": ss.certificate_attention(request.campus, today),
        })  # fmt: skip
        return ctx


@campus_view(MANAGE_STAFF)
@require_POST
def duty_assign(request, campus):
    form = DutyForm(request.POST, campus=request.campus)
    week = request.POST.get("date", "")
    url = curl(request, "safety_duty") + (f"?week={week}" if week else "")
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    d = form.cleaned_data
    try:
        duty = ss.duty_assign(
            actor=request.user,
            campus=request.campus,
            staff=d["staff"],
            date=d["date"],
            shift=d["shift"],
            post=d["post"],
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("%(duty)s added to the roster.") % {"duty": duty})


@campus_view(MANAGE_STAFF)
@require_POST
def duty_remove(request, campus, pk):
    duty = get_object_or_404(KitchenDuty, pk=pk)
    url = curl(request, "safety_duty") + f"?week={duty.date.isoformat()}"
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    try:
        ss.duty_remove(actor=request.user, duty=duty, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return failed(request, url, exc)
    return done(request, url, _("%(duty)s taken off the roster.") % {"duty": duty})


# --- Morning checks -----------------------------------------------------------------------

CHECK_FLAGS = ("fever", "diarrhoea", "sore_throat", "hand_wound")


class MorningCheckView(CampusViewMixin, TemplateView):
    """晨检 (phone page): every active staff member of the day with temperature and the four
    findings; saving records everyone filled in at once."""

    template_name = "canteen/safety_checks.html"
    permission_required = CHECK_STAFF
    title = gettext_lazy("Kitchen staff morning check (晨检)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request, campus = self.request, self.request.campus
        today = timezone.localdate()
        day = min(parse_day(request.GET.get("date"), today), today)
        staff = list(KitchenStaff.objects.filter(is_active=True).order_by("position", "name"))
        checks = ss.checks_on(campus, day)
        on_duty = {
            d.staff_id for d in KitchenDuty.objects.filter(date=day, removed_at__isnull=True).only("staff_id")
        }
        certs = ss.current_certificates([p.pk for p in staff], day)
        rows = [{
            "staff": p, "check": checks.get(p.pk), "on_duty": p.pk in on_duty,
            "cert_problem": ss.certificate_problem(certs.get(p.pk), day),
        } for p in staff]  # fmt: skip
        ctx.update({
            "day": day, "rows": rows, "flags": [(f, StaffMorningCheck._meta.get_field(f).verbose_name) for f in CHECK_FLAGS],
            "checked": sum(1 for r in rows if r["check"]), "unfit": sum(1 for r in rows if r["check"] and not r["check"].is_fit),
            "fever_c": ss.fever_threshold(campus), "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < today else None,
        })  # fmt: skip
        return ctx

    def post(self, request, *args, **kwargs):
        today = timezone.localdate()
        day = min(parse_day(request.POST.get("date"), today), today)
        url = curl(request, "safety_checks") + f"?date={day.isoformat()}"
        ids = [int(x) for x in request.POST.getlist("staff") if str(x).isdigit()]
        people = {p.pk: p for p in KitchenStaff.objects.filter(pk__in=ids, is_active=True)}
        entries = []
        for pk in ids:
            if pk not in people:
                continue
            entries.append({
                "staff": people[pk], "temperature_c": request.POST.get(f"temp_{pk}", "").strip() or None,
                **{f: request.POST.get(f"{f}_{pk}") == "1" for f in CHECK_FLAGS},
                "other": request.POST.get(f"other_{pk}", ""),
            })  # fmt: skip
        if not entries:
            messages.error(request, _("Tick the people you checked."))
            return HttpResponseRedirect(url)
        try:
            results = ss.morning_checks_record(
                actor=request.user, campus=request.campus, date=day, entries=entries
            )
        except (ValidationError, PermissionDenied) as exc:
            return failed(request, url, exc)
        unfit = [(c, removed) for c, removed in results if not c.is_fit]
        messages.success(
            request, ngettext("%(n)s check saved.", "%(n)s checks saved.", len(results)) % {"n": len(results)}
        )
        for check, removed in unfit:
            text = _("%(name)s is unfit for work today (%(findings)s) and may not handle food.") % {
                "name": check.staff.name, "findings": "、".join(check.findings),
            }  # fmt: skip
            if removed:
                text += " " + _("Taken off duty: %(duties)s.") % {
                    "duties": "、".join(str(d.get_shift_display()) for d in removed)
                }
            messages.warning(request, text)
        return HttpResponseRedirect(url)


class CheckFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(
        label=gettext_lazy("To"), field_name="date", lookup_expr="lte", widget=DateInput
    )
    fit = django_filters.ChoiceFilter(label=gettext_lazy("Fit for work"), choices=YES_NO, method="filter_fit",
                                      empty_label=ALL)  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = StaffMorningCheck
        fields = []

    def filter_fit(self, qs, name, value):
        return qs.filter(is_void=False, is_fit=value == "1")


def check_badge(check):
    if check.is_void:
        return badge("secondary", _("Void"), "void")
    if check.is_fit:
        return badge("green", _("Fit"), "fit")
    return badge("red", _("Unfit"), "unfit")


class CheckListView(ObjectListView):
    model = StaffMorningCheck
    url_base = "canteen:safety_check"
    permission_required = VIEW_STAFF
    write_permission = CHECK_STAFF
    template_name = "canteen/safety_check_list.html"
    title = gettext_lazy("Staff morning check log")
    filterset_class = CheckFilter
    search_fields = ("staff__name",)
    pinyin_field = "staff__name_pinyin"
    select_related = ("staff", "checked_by")
    ordering = ("-date", "staff__name", "-pk")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date"),
            Column(_("Staff member"), "staff.name"),
            Column(_("Temperature (°C)"), "temperature_c"),
            Column(_("Findings"), lambda c: "、".join(c.findings)),
            Column(_("Result"), check_badge, export=False),
            Column(_("Checked by"), "checked_by"),
            Column(_("Checked at"), "checked_at"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_check"] = has_perm(self.request, CHECK_STAFF)
        return ctx


@campus_view(CHECK_STAFF)
@require_POST
def check_void(request, campus, pk):
    check = get_object_or_404(StaffMorningCheck, pk=pk)
    url = curl(request, "safety_checks") + f"?date={check.date.isoformat()}"
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    try:
        ss.morning_check_void(actor=request.user, check=check, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return failed(request, url, exc)
    return done(request, url, _("Record voided."))


# --- Training -----------------------------------------------------------------------------


class TrainingMixin:
    model = TrainingRecord
    url_base = "canteen:safety_training"
    permission_required = VIEW_STAFF
    write_permission = MANAGE_STAFF


class TrainingListView(TrainingMixin, ObjectListView):
    title = gettext_lazy("Kitchen staff training")
    search_fields = ("topic", "trainer")
    pinyin_field = ""
    ordering = ("-date", "-pk")
    create_label = gettext_lazy("New training")

    def get_queryset(self):
        return super().get_queryset().annotate(attendee_count=Count("attendees"))

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Topic"), "topic"),
            Column(_("Hours"), "hours"),
            Column(_("Trainer"), "trainer"),
            Column(_("Attendees"), "attendee_count"),
        ]


class TrainingFormView(TrainingMixin, ObjectFormView):
    form_class = TrainingForm

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in ss.TRAINING_FIELDS}
        return ss.training_save(
            actor=self.request.user, campus=self.request.campus, data=data,
            attendees=form.cleaned_data.get("attendees_list") or [], training=self.object,
        )  # fmt: skip


class TrainingDetailView(TrainingMixin, ObjectDetailView):
    def get_queryset(self):
        return TrainingRecord.objects.prefetch_related("attendees")

    def detail_fields(self):
        t = self.object
        return [
            (_("Date"), t.date), (_("Topic"), t.topic), (_("Hours"), t.hours), (_("Trainer"), t.trainer),
            (_("Content"), t.content), (_("Attendees"), "、".join(p.name for p in t.attendees.all())),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["delete_url"] = None
        return ctx


urlpatterns = [
    path("staff/", StaffListView.as_view(), name="safety_staff_list"),
    path("staff/new/", StaffFormView.as_view(), name="safety_staff_create"),
    path("staff/<int:pk>/", StaffDetailView.as_view(), name="safety_staff_detail"),
    path("staff/<int:pk>/edit/", StaffFormView.as_view(), name="safety_staff_update"),
    path(
        "staff/<int:pk>/certificates/new/", CertificateCreateView.as_view(), name="safety_certificate_create"
    ),
    path("staff/certificates/", CertificateListView.as_view(), name="safety_certificate_list"),
    path("staff/certificates/<int:pk>/", CertificateDetailView.as_view(), name="safety_certificate_detail"),
    path("staff/certificates/<int:pk>/void/", certificate_void, name="safety_certificate_void"),
    path("staff/duty/", DutyRosterView.as_view(), name="safety_duty"),
    path("staff/duty/assign/", duty_assign, name="safety_duty_assign"),
    path("staff/duty/<int:pk>/remove/", duty_remove, name="safety_duty_remove"),
    path("staff/checks/", MorningCheckView.as_view(), name="safety_checks"),
    path("staff/checks/log/", CheckListView.as_view(), name="safety_check_list"),
    path("staff/checks/<int:pk>/void/", check_void, name="safety_check_void"),
    path("staff/training/", TrainingListView.as_view(), name="safety_training_list"),
    path("staff/training/new/", TrainingFormView.as_view(), name="safety_training_create"),
    path("staff/training/<int:pk>/", TrainingDetailView.as_view(), name="safety_training_detail"),
    path("staff/training/<int:pk>/edit/", TrainingFormView.as_view(), name="safety_training_update"),
]
