"""Medication pages (喂药): the entrusted medicines, the registration form with the parent's
signature, the day's dosing list per class and time slot, and the phone page that gives a
dose after the three checks (姓名、班级、剂量) or records why it was not given."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.attachments import attachments_for
from houqin.core.models import SchoolClass
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.health import disease_services as services
from houqin.health.disease_filters import MedicationFilter
from houqin.health.disease_forms import (
    DoseGiveForm,
    DoseNotGivenForm,
    MedicationOrderForm,
    ReasonForm,
    parse_day,
)
from houqin.health.models import MedicationDose, MedicationOrder
from houqin.health.views.disease_common import (
    GIVE_MEDICATION,
    REGISTER_MEDICATION,
    VIEW_MEDICATION,
    badge,
    done,
    failed,
    form_failed,
    local,
    url,
)

STATUS_COLOURS = {"active": "green", "stopped": "secondary", "void": "secondary"}
STATE_COLOURS = {
    "given": "green", "not_given": "secondary", "pending": "azure", "due": "orange", "missed": "red", "absent": "purple",
}  # fmt: skip


def state_labels():
    return {
        "given": _("Given"), "not_given": _("Not given"), "pending": _("Later"), "due": _("Due now"),
        "missed": _("Missed"), "absent": _("Absent today"),
    }  # fmt: skip


def order_status(o):
    label = o.get_status_display()
    if o.status == MedicationOrder.Status.ACTIVE and o.end_date < timezone.localdate():
        return badge("secondary", _("Finished"), "finished")
    return badge(STATUS_COLOURS.get(o.status, "secondary"), label, o.status)


def _period(o):
    return f"{o.start_date:%m-%d}—{o.end_date:%m-%d} ({o.days}{_('d')})"


class MedicationMixin:
    model = MedicationOrder
    url_base = "health:medication"
    permission_required = VIEW_MEDICATION
    write_permission = REGISTER_MEDICATION


class MedicationListView(MedicationMixin, ObjectListView):
    template_name = "health/disease_medication_list.html"
    filterset_class = MedicationFilter
    search_fields = ("child__name", "child__name_pinyin", "drug")
    pinyin_field = ""
    title = gettext_lazy("Entrusted medicines (喂药登记)")
    create_label = gettext_lazy("Register a medicine")
    select_related = ("child", "school_class", "registered_by")
    ordering = ("-start_date", "-id")
    columns = [
        Column(gettext_lazy("Child"), "child", link=True),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Medicine"), "drug"),
        Column(gettext_lazy("Dose"), "dose"),
        Column(gettext_lazy("Route"), "get_route_display"),
        Column(gettext_lazy("Times"), "times_label"),
        Column(gettext_lazy("Days"), _period),
        Column(gettext_lazy("Antibiotic"), "is_antibiotic"),
        Column(gettext_lazy("Parent"), "parent_name"),
        Column(gettext_lazy("Status"), order_status, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Child"), "child"), Column(_("Class"), "school_class"), Column(_("Medicine"), "drug"),
            Column(_("Dose"), "dose"), Column(_("Route"), "get_route_display"), Column(_("Times"), "times_label"),
            Column(_("First day"), "start_date"), Column(_("Last day"), "end_date"),
            Column(_("Antibiotic"), "is_antibiotic"), Column(_("Parent"), "parent_name"),
            Column(_("Parent's phone"), "parent_phone"), Column(_("Registered by"), "registered_by"),
            Column(_("Registered at"), lambda o: local(o.registered_at)), Column(_("Status"), "get_status_display"),
            Column(_("Stop reason"), "stop_reason"), Column(_("Void reason"), "void_reason"),
        ]  # fmt: skip


class MedicationCreateView(MedicationMixin, ObjectFormView):
    form_class = MedicationOrderForm
    template_name = "health/disease_medication_form.html"

    def get_title(self):
        return _("Register an entrusted medicine (喂药登记)")

    def get_initial(self):
        initial = {"start_date": timezone.localdate(), "days": 1, "route": "oral"}
        child = self.request.GET.get("child", "")
        if child.isdigit():
            initial["child"] = int(child)
        return initial

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in services.ORDER_FIELDS if k in form.cleaned_data}
        return services.medication_register(
            actor=self.request.user, campus=self.request.campus, child=form.cleaned_data["child"], data=data,
            photos=form.cleaned_data.get("photos"), signature=form.cleaned_data.get("signature") or None,
        )  # fmt: skip


class MedicationDetailView(MedicationMixin, ObjectDetailView):
    template_name = "health/disease_medication_detail.html"

    def get_queryset(self):
        return MedicationOrder.objects.select_related(
            "child", "school_class", "registered_by", "stopped_by", "voided_by"
        )

    def detail_fields(self):
        o = self.object
        return [
            (_("Child"), o.child), (_("Class"), o.school_class), (_("Medicine"), o.drug), (_("Dose"), o.dose),
            (_("Route"), o.get_route_display()), (_("Times of day"), o.times_label),
            (_("Days"), _period(o)), (_("Antibiotic"), _("Yes") if o.is_antibiotic else _("No")),
            (_("Storage"), o.storage), (_("Notes"), o.notes), (_("Parent"), f"{o.parent_name} {o.parent_phone}".strip()),
            (_("Parent signed"), _("Yes") if o.parent_confirmed else _("No")),
            (_("Registered by"), o.registered_by), (_("Registered at"), local(o.registered_at)),
            (_("Status"), order_status(o)), (_("Stop reason"), o.stop_reason), (_("Void reason"), o.void_reason),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        o, request = self.object, self.request
        ctx.update({
            "update_url": None, "delete_url": None,
            "doses": o.doses.select_related("recorded_by", "voided_by").order_by("-date", "-slot", "-id"),
            "signature": next((a for a in attachments_for(o) if a.kind == "signature"), None),
            "can_manage": has_perm(request, REGISTER_MEDICATION) and o.status == MedicationOrder.Status.ACTIVE,
            "reason_form": ReasonForm(campus=request.campus),
            "can_give": has_perm(request, GIVE_MEDICATION),
            "today_url": url(request, "health:medication_today") + f"?class={o.school_class_id}",
        })  # fmt: skip
        return ctx


@campus_view(REGISTER_MEDICATION)
@require_POST
def medication_stop(request, campus, pk):
    order = get_object_or_404(MedicationOrder, pk=pk)
    target = url(request, "health:medication_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.medication_stop(actor=request.user, order=order, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The medicine was stopped."))


@campus_view(REGISTER_MEDICATION)
@require_POST
def medication_void(request, campus, pk):
    order = get_object_or_404(MedicationOrder, pk=pk)
    target = url(request, "health:medication_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, target, form)
    try:
        services.medication_void(actor=request.user, order=order, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The registration was voided; it stays on record."))


class MedicationTodayView(CampusViewMixin, TemplateView):
    """The dosing list (喂药单) of a day: every class (or one), grouped by time slot, each
    dose with its state; missed ones stand out. Four queries whatever the size."""

    template_name = "health/disease_medication_today.html"
    permission_required = VIEW_MEDICATION
    title = gettext_lazy("Dosing list (喂药)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        today = timezone.localdate()
        day = parse_day(request.GET.get("date"), today)
        classes = list(SchoolClass.objects.filter(is_active=True))
        chosen = request.GET.get("class", "")
        school_class = next((c for c in classes if str(c.pk) == chosen), None)
        slots = services.dose_slots(request.campus, day, school_class=school_class)
        groups, counts = [], {}
        labels = state_labels()
        for s in slots:
            s.state_label = labels[s.state]
            s.colour = STATE_COLOURS[s.state]
            counts[s.state] = counts.get(s.state, 0) + 1
            if not groups or groups[-1][0] != s.slot:
                groups.append((s.slot, []))
            groups[-1][1].append(s)
        ctx.update({
            "day": day, "today": today, "classes": classes, "school_class": school_class, "groups": groups,
            "counts": [(labels[k], STATE_COLOURS[k], counts.get(k, 0)) for k in labels if counts.get(k)],
            "total": len(slots), "can_give": has_perm(request, GIVE_MEDICATION) and day <= today,
            "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1),
            "grace": services.grace_minutes(request.campus),
        })  # fmt: skip
        return ctx


def _slot_from(order, date_text, slot_text):
    try:
        day = dt.date.fromisoformat(date_text)
        slot = dt.time(int(slot_text[:2]), int(slot_text[2:]))
    except ValueError:
        raise Http404
    if f"{slot:%H:%M}" not in (order.times or []) or not (order.start_date <= day <= order.end_date):
        raise Http404
    return day, slot


@campus_view(GIVE_MEDICATION)
def medication_give(request, campus, pk, date, slot):
    """The phone page of one dose: child, class, medicine and dose in large type, the three
    confirmations, then "given" (signed with the user's login and the time) or "not given"
    with a reason."""
    order = get_object_or_404(MedicationOrder.objects.select_related("child", "school_class"), pk=pk)
    day, slot_time = _slot_from(order, date, slot)
    target = url(request, "health:medication_give", pk=pk, date=date, slot=slot)
    back = url(request, "health:medication_today") + f"?class={order.school_class_id}&date={day.isoformat()}"
    give_form = DoseGiveForm(campus=request.campus)
    skip_form = DoseNotGivenForm(campus=request.campus, prefix="skip")
    if request.method == "POST":
        action = request.POST.get("action", "give")
        try:
            if action == "skip":
                skip_form = DoseNotGivenForm(request.POST, campus=request.campus, prefix="skip")
                if not skip_form.is_valid():
                    return form_failed(request, target, skip_form)
                services.dose_not_given(actor=request.user, order=order, date=day, slot=slot_time,
                                        reason=skip_form.cleaned_data["reason"], note=skip_form.cleaned_data["note"])  # fmt: skip
                return done(request, back, _("Recorded as not given."))
            give_form = DoseGiveForm(request.POST, campus=request.campus)
            give_form.is_valid()
            data = give_form.cleaned_data
            services.dose_give(
                actor=request.user, order=order, date=day, slot=slot_time, confirmed_child=data.get("confirm_child"),
                confirmed_class=data.get("confirm_class"), confirmed_dose=data.get("confirm_dose"),
                note=data.get("note", ""),
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            return failed(request, target, exc)
        return done(
            request,
            back,
            _("Dose given and signed: %(child)s, %(drug)s.") % {"child": order.child, "drug": order.drug},
        )
    dose = (
        MedicationDose.objects.filter(order=order, date=day, slot=slot_time, is_void=False)
        .select_related("recorded_by")
        .first()
    )
    return render(request, "health/disease_medication_give.html", {
        "title": _("Give a medicine"), "order": order, "day": day, "slot": slot_time, "dose": dose,
        "give_form": give_form, "skip_form": skip_form, "back_url": back,
        "detail_url": url(request, "health:medication_detail", pk=order.pk),
        "void_form": ReasonForm(campus=request.campus, prefix="void")
        if dose and services.may_void_dose(request.user, dose, request.perms) else None,
        "at": timezone.make_aware(dt.datetime.combine(day, slot_time)),
    })  # fmt: skip


@campus_view(GIVE_MEDICATION)
@require_POST
def dose_void(request, campus, pk):
    dose = get_object_or_404(MedicationDose.objects.select_related("order"), pk=pk)
    target = url(request, "health:medication_detail", pk=dose.order_id)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        form = ReasonForm(request.POST, campus=request.campus)
        if not form.is_valid():
            return form_failed(request, target, form)
    try:
        services.dose_void(actor=request.user, dose=dose, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, target, exc)
    return done(request, target, _("The dose record was voided; it stays on record."))


urlpatterns = [
    path("medication/", MedicationListView.as_view(), name="medication_list"),
    path("medication/new/", MedicationCreateView.as_view(), name="medication_create"),
    path("medication/today/", MedicationTodayView.as_view(), name="medication_today"),
    path("medication/<int:pk>/", MedicationDetailView.as_view(), name="medication_detail"),
    path("medication/<int:pk>/stop/", medication_stop, name="medication_stop"),
    path("medication/<int:pk>/void/", medication_void, name="medication_void"),
    path("medication/<int:pk>/give/<str:date>/<str:slot>/", medication_give, name="medication_give"),
    path("medication/doses/<int:pk>/void/", dose_void, name="medication_dose_void"),
]
