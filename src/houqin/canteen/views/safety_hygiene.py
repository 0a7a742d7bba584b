"""Hygiene logs: tableware and UV disinfection, pesticide rapid tests (农残快检), fridges and
their temperature log (with the quick reading page)."""

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.canteen import safety_services as ss
from houqin.canteen.models import (
    DisinfectionMethod,
    Fridge,
    PesticideTest,
    TablewareDisinfection,
    TemperatureLog,
    UvDisinfection,
)
from houqin.canteen.safety_forms import FridgeForm, PesticideForm, ReasonForm, TablewareForm, UvForm
from houqin.canteen.views.safety_common import (
    RECORD_HYGIENE,
    VIEW_HYGIENE,
    ServiceFormView,
    badge,
    curl,
    done,
    failed,
    form_errors,
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
YES_NO = (("1", gettext_lazy("Yes")), ("0", gettext_lazy("No")))
ALL = gettext_lazy("All")


def compliance_badge(obj):
    if obj.is_void:
        return badge("secondary", _("Void"), "void")
    if obj.is_compliant:
        return badge("green", _("Compliant"), "ok")
    return badge("red", _("Below the standard"), "bad")


def _date_from():
    return django_filters.DateFilter(
        label=gettext_lazy("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )


def _date_to():
    return django_filters.DateFilter(
        label=gettext_lazy("To"), field_name="date", lookup_expr="lte", widget=DateInput
    )


class _VoidMixin:
    """Detail pages of voidable records: the void form when allowed."""

    void_url_name = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({
            "update_url": None, "delete_url": None,
            "void_url": curl(self.request, self.void_url_name, pk=self.object.pk)
            if not self.object.is_void and has_perm(self.request, RECORD_HYGIENE) else None,
        })  # fmt: skip
        return ctx


def _void_view(model, func, detail_name):
    @campus_view(RECORD_HYGIENE)
    @require_POST
    def view(request, campus, pk):
        obj = get_object_or_404(model, pk=pk)
        url = curl(request, detail_name, pk=pk)
        form = ReasonForm(request.POST, campus=request.campus)
        if not form.is_valid():
            return failed(request, url, ValidationError(form_errors(form)))
        try:
            func(actor=request.user, record=obj, reason=form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            return failed(request, url, exc)
        return done(request, url, _("Record voided."))

    return view


# --- Tableware disinfection ---------------------------------------------------------------


class TablewareFilter(CampusFilterSet):
    date_from = _date_from()
    date_to = _date_to()
    method = django_filters.ChoiceFilter(
        label=gettext_lazy("Method"), choices=DisinfectionMethod.choices, empty_label=ALL
    )
    compliant = django_filters.ChoiceFilter(label=gettext_lazy("Compliant"), choices=YES_NO, method="filter_compliant",
                                            empty_label=ALL)  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = TablewareDisinfection
        fields = []

    def filter_compliant(self, qs, name, value):
        return qs.filter(is_void=False, is_compliant=value == "1")


class TablewareMixin:
    model = TablewareDisinfection
    url_base = "canteen:safety_tableware"
    permission_required = VIEW_HYGIENE
    write_permission = RECORD_HYGIENE


class TablewareListView(TablewareMixin, ObjectListView):
    template_name = "canteen/safety_tableware_list.html"
    title = gettext_lazy("Tableware disinfection (餐具消毒)")
    filterset_class = TablewareFilter
    select_related = ("performed_by",)
    ordering = ("-started_at", "-pk")
    create_label = gettext_lazy("Record disinfection")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Method"), "get_method_display"),
            Column(_("Started at"), "started_at"),
            Column(_("Duration"), "duration_label"),
            Column(_("Temperature (°C)"), "temperature_c"),
            Column(_("Available chlorine (mg/L)"), "concentration_mg_l"),
            Column(_("Items"), "items"),
            Column(_("Done by"), "performed_by"),
            Column(_("Result"), compliance_badge, export=False),
            Column(_("Problem"), "problem"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["standards"] = ss.disinfection_table(self.request.campus)
        return ctx


class TablewareCreateView(TablewareMixin, ServiceFormView):
    form_class = TablewareForm
    permission_required = RECORD_HYGIENE
    title = gettext_lazy("Record tableware disinfection")

    def perform(self, form):
        d = form.cleaned_data
        return ss.tableware_record(
            actor=self.request.user, campus=self.request.campus, method=d["method"], started_at=d["started_at"],
            duration_s=d["duration_s"], temperature_c=d["temperature_c"], concentration_mg_l=d["concentration_mg_l"],
            items=d["items"], quantity=d["quantity"], performed_by=d["performed_by"], note=d["note"],
        )  # fmt: skip

    def after_save(self, obj):
        if obj.is_compliant:
            messages.success(self.request, _("Saved."))
        else:
            messages.warning(
                self.request,
                _("Saved, but below the campus standard: %(problem)s. Disinfect again.")
                % {"problem": obj.problem},
            )


class TablewareDetailView(TablewareMixin, _VoidMixin, ObjectDetailView):
    template_name = "canteen/safety_record_detail.html"
    void_url_name = "safety_tableware_void"

    def get_queryset(self):
        return TablewareDisinfection.objects.select_related("performed_by", "recorded_by", "voided_by")

    def detail_fields(self):
        r = self.object
        return [
            (_("Date"), r.date), (_("Method"), r.get_method_display()), (_("Started at"), r.started_at),
            (_("Duration"), r.duration_label), (_("Temperature (°C)"), r.temperature_c),
            (_("Available chlorine (mg/L)"), r.concentration_mg_l), (_("Items"), r.items), (_("Pieces"), r.quantity),
            (_("Done by"), r.performed_by), (_("Recorded by"), r.recorded_by), (_("Result"), compliance_badge(r)),
            (_("Problem"), r.problem), (_("Note"), r.note),
            (_("Void"), f"{r.void_reason} · {r.voided_by or ''}" if r.is_void else None),
        ]  # fmt: skip


# --- UV disinfection ----------------------------------------------------------------------


class UvFilter(CampusFilterSet):
    date_from = _date_from()
    date_to = _date_to()
    compliant = django_filters.ChoiceFilter(label=gettext_lazy("Compliant"), choices=YES_NO, method="filter_compliant",
                                            empty_label=ALL)  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = UvDisinfection
        fields = []

    def filter_compliant(self, qs, name, value):
        return qs.filter(is_void=False, is_compliant=value == "1")


class UvMixin:
    model = UvDisinfection
    url_base = "canteen:safety_uv"
    permission_required = VIEW_HYGIENE
    write_permission = RECORD_HYGIENE


class UvListView(UvMixin, ObjectListView):
    title = gettext_lazy("Kitchen UV disinfection (紫外线消毒)")
    filterset_class = UvFilter
    select_related = ("performed_by", "room")
    ordering = ("-started_at", "-pk")
    create_label = gettext_lazy("Record UV disinfection")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Area"), "area"),
            Column(_("Started at"), "started_at"),
            Column(_("Minutes"), "minutes"),
            Column(_("Done by"), "performed_by"),
            Column(_("Result"), compliance_badge, export=False),
            Column(_("Problem"), "problem"),
        ]


class UvCreateView(UvMixin, ServiceFormView):
    form_class = UvForm
    permission_required = RECORD_HYGIENE
    title = gettext_lazy("Record UV disinfection")

    def perform(self, form):
        d = form.cleaned_data
        return ss.uv_record(
            actor=self.request.user, campus=self.request.campus, area=d["area"], room=d["room"],
            started_at=d["started_at"], minutes=d["minutes"], performed_by=d["performed_by"], note=d["note"],
        )  # fmt: skip

    def after_save(self, obj):
        if obj.is_compliant:
            messages.success(self.request, _("Saved."))
        else:
            messages.warning(
                self.request,
                _("Saved, but below the campus standard: %(problem)s.") % {"problem": obj.problem},
            )


class UvDetailView(UvMixin, _VoidMixin, ObjectDetailView):
    template_name = "canteen/safety_record_detail.html"
    void_url_name = "safety_uv_void"
    attachments = False

    def get_queryset(self):
        return UvDisinfection.objects.select_related("performed_by", "recorded_by", "voided_by", "room")

    def detail_fields(self):
        r = self.object
        return [
            (_("Date"), r.date), (_("Area"), r.area), (_("Room"), r.room), (_("Started at"), r.started_at),
            (_("Minutes"), r.minutes), (_("Done by"), r.performed_by), (_("Recorded by"), r.recorded_by),
            (_("Result"), compliance_badge(r)), (_("Problem"), r.problem), (_("Note"), r.note),
            (_("Void"), f"{r.void_reason} · {r.voided_by or ''}" if r.is_void else None),
        ]  # fmt: skip


# --- Pesticide rapid tests ----------------------------------------------------------------


def result_badge(test):
    if test.is_void:
        return badge("secondary", _("Void"), "void")
    if test.is_positive:
        return badge("red", test.get_result_display(), "positive")
    return badge("green", test.get_result_display(), "negative")


class PesticideFilter(CampusFilterSet):
    date_from = _date_from()
    date_to = _date_to()
    result = django_filters.ChoiceFilter(
        label=gettext_lazy("Result"), choices=PesticideTest.Result.choices, empty_label=ALL
    )

    class Meta(CampusFilterSet.Meta):
        model = PesticideTest
        fields = []


class PesticideMixin:
    model = PesticideTest
    url_base = "canteen:safety_pesticide"
    permission_required = VIEW_HYGIENE
    write_permission = RECORD_HYGIENE


class PesticideListView(PesticideMixin, ObjectListView):
    title = gettext_lazy("Pesticide residue tests (农残快检)")
    filterset_class = PesticideFilter
    search_fields = ("vegetable", "batch__number")
    pinyin_field = ""
    select_related = ("batch", "batch__supplier", "operator")
    ordering = ("-tested_at", "-pk")
    create_label = gettext_lazy("Record a test")

    @property
    def columns(self):
        return [
            Column(_("Date"), "date", link=True),
            Column(_("Vegetable"), "vegetable"),
            Column(_("Batch"), "batch.number"),
            Column(_("Supplier"), "batch.supplier"),
            Column(_("Method"), "get_method_display"),
            Column(_("Kit lot"), "kit_lot"),
            Column(_("Inhibition rate (%)"), "inhibition_pct"),
            Column(_("Result"), result_badge, export=False),
            Column(_("Tested by"), "operator"),
        ]

    @property
    def export_columns(self):
        return [
            *self.columns[:-2],
            Column(_("Result"), "get_result_display"),
            Column(_("Tested by"), "operator"),
        ]


class PesticideCreateView(PesticideMixin, ServiceFormView):
    form_class = PesticideForm
    permission_required = RECORD_HYGIENE
    title = gettext_lazy("Record a pesticide residue test")

    def perform(self, form):
        d = form.cleaned_data
        return ss.pesticide_test_record(
            actor=self.request.user, campus=self.request.campus, batch=d["batch"], vegetable=d["vegetable"],
            sample=d["sample"], method=d["method"], kit_lot=d["kit_lot"], inhibition_pct=d["inhibition_pct"],
            tested_at=d["tested_at"], operator=d["operator"], note=d["note"], photo=d.get("photo"),
        )  # fmt: skip

    def after_save(self, obj):
        if obj.is_positive:
            messages.error(
                self.request,
                _("Positive (%(pct)s %% ≥ %(threshold)s %%): batch %(batch)s is blocked and may not be used.")
                % {
                    "pct": f"{obj.inhibition_pct:g}",
                    "threshold": f"{obj.threshold_pct:g}",
                    "batch": obj.batch.number,
                },
            )
        else:
            messages.success(self.request, _("Negative: saved."))


class PesticideDetailView(PesticideMixin, _VoidMixin, ObjectDetailView):
    template_name = "canteen/safety_record_detail.html"
    void_url_name = "safety_pesticide_void"

    def get_queryset(self):
        return PesticideTest.objects.select_related(
            "batch", "batch__supplier", "operator", "recorded_by", "voided_by"
        )

    def detail_fields(self):
        t = self.object
        return [
            (_("Date"), t.date), (_("Tested at"), t.tested_at), (_("Vegetable"), t.vegetable),
            (_("Batch"), f"{t.batch.number} {t.batch.name}"), (_("Supplier"), t.batch.supplier),
            (_("Batch blocked"), t.batch.is_blocked), (_("Sample"), t.sample), (_("Method"), t.get_method_display()),
            (_("Kit lot"), t.kit_lot), (_("Inhibition rate (%)"), t.inhibition_pct),
            (_("Positive from (%)"), t.threshold_pct), (_("Result"), result_badge(t)), (_("Tested by"), t.operator),
            (_("Note"), t.note), (_("Void"), f"{t.void_reason} · {t.voided_by or ''}" if t.is_void else None),
        ]  # fmt: skip


# --- Fridges ------------------------------------------------------------------------------


class FridgeMixin:
    model = Fridge
    url_base = "canteen:safety_fridge"
    permission_required = VIEW_HYGIENE
    write_permission = RECORD_HYGIENE


def temperature_badge(fridge):
    if fridge.last_temperature_c is None:
        return None
    colour = "red" if fridge.is_out_of_range else "green"
    return badge(colour, f"{fridge.last_temperature_c:g} °C", "out" if fridge.is_out_of_range else "ok")


class FridgeListView(FridgeMixin, ObjectListView):
    title = gettext_lazy("Fridges and cold rooms")
    search_fields = ("name",)
    select_related = ("room",)
    ordering = ("-is_active", "kind", "name")
    create_label = gettext_lazy("New fridge")

    @property
    def columns(self):
        return [
            Column(_("Name"), "name", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Room"), "room"),
            Column(_("Allowed range"), "range_label"),
            Column(_("Current temperature"), temperature_badge, export=False),
            Column(_("Last reading"), "last_reading_at"),
            Column(_("In use"), "is_active"),
        ]


class FridgeFormView(FridgeMixin, ObjectFormView):
    form_class = FridgeForm

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in ss.FRIDGE_FIELDS}
        return ss.fridge_save(
            actor=self.request.user, campus=self.request.campus, data=data, fridge=self.object
        )


class FridgeDetailView(FridgeMixin, ObjectDetailView):
    template_name = "canteen/safety_fridge_detail.html"
    attachments = False

    def get_queryset(self):
        return Fridge.objects.select_related("room")

    def detail_fields(self):
        f = self.object
        return [
            (_("Name"), f.name), (_("Kind"), f.get_kind_display()), (_("Room"), f.room),
            (_("Allowed range"), f.range_label), (_("Current temperature"), temperature_badge(f)),
            (_("Last reading"), f.last_reading_at), (_("In use"), f.is_active), (_("Note"), f.note),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        since = timezone.now() - dt.timedelta(days=30)
        readings = list(
            TemperatureLog.objects.filter(fridge=self.object, is_void=False, recorded_at__gte=since)
            .select_related("recorded_by")
            .order_by("recorded_at", "pk")
        )
        ctx.update({
            "readings": readings[::-1][:30], "delete_url": None,
            "chart": [[timezone.localtime(r.recorded_at).strftime("%m-%d %H:%M"), float(r.temperature_c)] for r in readings],
            "chart_range": [float(self.object.min_c), float(self.object.max_c)],
        })  # fmt: skip
        ctx["chart_data"] = {"points": ctx["chart"], "range": ctx["chart_range"]}
        return ctx


# --- Temperatures -------------------------------------------------------------------------


def _fridges(request):
    return Fridge.objects.all()


class TemperatureFilter(CampusFilterSet):
    fridge = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Fridge"), queryset=_fridges, empty_label=ALL
    )
    date_from = django_filters.DateFilter(label=gettext_lazy("From"), method="filter_from", widget=DateInput)
    date_to = django_filters.DateFilter(label=gettext_lazy("To"), method="filter_to", widget=DateInput)
    out_of_range = django_filters.ChoiceFilter(label=gettext_lazy("Out of range"), choices=YES_NO,
                                               method="filter_out", empty_label=ALL)  # fmt: skip

    class Meta(CampusFilterSet.Meta):
        model = TemperatureLog
        fields = []

    def filter_from(self, qs, name, value):
        return qs.filter(recorded_at__gte=timezone.make_aware(dt.datetime.combine(value, dt.time.min)))

    def filter_to(self, qs, name, value):
        return qs.filter(
            recorded_at__lt=timezone.make_aware(
                dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min)
            )
        )

    def filter_out(self, qs, name, value):
        return qs.filter(is_void=False, is_out_of_range=value == "1")


def reading_badge(log):
    if log.is_void:
        return badge("secondary", _("Void"), "void")
    if log.is_out_of_range:
        return badge("red", _("Out of range"), "out")
    return badge("green", _("In range"), "ok")


class TemperatureListView(ObjectListView):
    model = TemperatureLog
    url_base = "canteen:safety_temperature"
    permission_required = VIEW_HYGIENE
    write_permission = RECORD_HYGIENE
    template_name = "canteen/safety_temperature_list.html"
    title = gettext_lazy("Fridge temperature log")
    filterset_class = TemperatureFilter
    select_related = ("fridge", "recorded_by")
    ordering = ("-recorded_at", "-pk")

    @property
    def columns(self):
        return [
            Column(_("Read at"), "recorded_at"),
            Column(_("Fridge"), "fridge.name"),
            Column(_("Temperature (°C)"), "temperature_c"),
            Column(_("Allowed range"), lambda r: f"{r.min_c:g}–{r.max_c:g} °C"),
            Column(_("Result"), reading_badge, export=False),
            Column(_("Action taken"), "action_taken"),
            Column(_("Recorded by"), "recorded_by"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_record"] = has_perm(self.request, RECORD_HYGIENE)
        return ctx


class TemperatureEntryView(CampusViewMixin, TemplateView):
    """Phone page: every fridge in use with a field for its temperature now."""

    template_name = "canteen/safety_temperature_entry.html"
    permission_required = RECORD_HYGIENE
    title = gettext_lazy("Record fridge temperatures")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["fridges"] = list(Fridge.objects.filter(is_active=True).order_by("kind", "name"))
        return ctx

    def post(self, request, *args, **kwargs):
        url = curl(request, "safety_temperature_entry")
        fridges = list(Fridge.objects.filter(is_active=True).order_by("kind", "name"))
        saved, alerts, errors = 0, [], []
        for fridge in fridges:
            raw = request.POST.get(f"t_{fridge.pk}", "").strip()
            if not raw:
                continue
            try:
                log = ss.temperature_record(
                    actor=request.user, fridge=fridge, temperature_c=raw,
                    action_taken=request.POST.get(f"a_{fridge.pk}", ""),
                )  # fmt: skip
            except ValidationError as exc:
                errors.append(f"{fridge.name}: {' '.join(exc.messages)}")
                continue
            saved += 1
            if log.is_out_of_range:
                alerts.append(f"{fridge.name} {log.temperature_c:g} °C ({fridge.range_label})")
        if errors:
            messages.error(request, "；".join(errors))
        if alerts:
            messages.error(
                request,
                _("Out of range, the canteen head is alerted: %(list)s") % {"list": "；".join(alerts)},
            )
        if not saved:
            if not errors:
                messages.error(request, _("Enter at least one temperature."))
            return HttpResponseRedirect(url)
        messages.success(request, _("%(n)s readings saved.") % {"n": saved})
        return HttpResponseRedirect(curl(request, "safety_temperature_list"))


@campus_view(RECORD_HYGIENE)
@require_POST
def temperature_void(request, campus, pk):
    log = get_object_or_404(TemperatureLog, pk=pk)
    url = curl(request, "safety_temperature_list")
    form = ReasonForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return failed(request, url, ValidationError(form_errors(form)))
    try:
        ss.temperature_void(actor=request.user, log=log, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return failed(request, url, exc)
    return done(request, url, _("Reading voided."))


def _void_test(*, actor, record, reason):
    return ss.pesticide_void(actor=actor, test=record, reason=reason)


urlpatterns = [
    path("hygiene/tableware/", TablewareListView.as_view(), name="safety_tableware_list"),
    path("hygiene/tableware/new/", TablewareCreateView.as_view(), name="safety_tableware_create"),
    path("hygiene/tableware/<int:pk>/", TablewareDetailView.as_view(), name="safety_tableware_detail"),
    path(
        "hygiene/tableware/<int:pk>/void/",
        _void_view(TablewareDisinfection, ss.tableware_void, "safety_tableware_detail"),
        name="safety_tableware_void",
    ),  # fmt: skip
    path("hygiene/uv/", UvListView.as_view(), name="safety_uv_list"),
    path("hygiene/uv/new/", UvCreateView.as_view(), name="safety_uv_create"),
    path("hygiene/uv/<int:pk>/", UvDetailView.as_view(), name="safety_uv_detail"),
    path(
        "hygiene/uv/<int:pk>/void/",
        _void_view(UvDisinfection, ss.uv_void, "safety_uv_detail"),
        name="safety_uv_void",
    ),
    path("pesticide/", PesticideListView.as_view(), name="safety_pesticide_list"),
    path("pesticide/new/", PesticideCreateView.as_view(), name="safety_pesticide_create"),
    path("pesticide/<int:pk>/", PesticideDetailView.as_view(), name="safety_pesticide_detail"),
    path(
        "pesticide/<int:pk>/void/",
        _void_view(PesticideTest, _void_test, "safety_pesticide_detail"),
        name="safety_pesticide_void",
    ),  # fmt: skip
    path("temperatures/", TemperatureListView.as_view(), name="safety_temperature_list"),
    path("temperatures/new/", TemperatureEntryView.as_view(), name="safety_temperature_entry"),
    path("temperatures/<int:pk>/void/", temperature_void, name="safety_temperature_void"),
    path("temperatures/fridges/", FridgeListView.as_view(), name="safety_fridge_list"),
    path("temperatures/fridges/new/", FridgeFormView.as_view(), name="safety_fridge_create"),
    path("temperatures/fridges/<int:pk>/", FridgeDetailView.as_view(), name="safety_fridge_detail"),
    path("temperatures/fridges/<int:pk>/edit/", FridgeFormView.as_view(), name="safety_fridge_update"),
]
