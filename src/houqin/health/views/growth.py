"""Pages of the growth area: health cards, measurements, exams and growth evaluation
(体检与生长发育).

* the class quick grid for height and weight (one form for every child, phone-friendly,
  a fixed number of queries) showing z-scores and classifications right after saving;
* the exam grid per class and a single exam form; entry health cards with photos;
* the child's growth page with curves (ECharts) over the reference's −2/0/+2 SD lines;
* the campus and class summaries, the due lists, the printable letters to parents;
* the lists of measurements, exams and cards (void with a reason, never edit).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core.models import Child, SchoolClass
from houqin.core.models.tenancy import age_in_months
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView
from houqin.health import growth_reference as ref
from houqin.health import growth_services as services
from houqin.health.growth_forms import (
    ExamFilter,
    ExamForm,
    HealthCardFilter,
    HealthCardForm,
    MeasurementFilter,
    ReasonForm,
    ReferenceForm,
)
from houqin.health.models import Exam, HealthCard, Measurement

VIEW, RECORD, EXAMS, SETTINGS = (
    "health.view_growth",
    "health.record_measurements",
    "health.manage_exams",
    "health.manage_health_settings",
)
INTERPOLATED_NOTE = gettext_lazy("interpolated between the printed rows")

FLAG_BADGES = {
    "stunting": ("orange", gettext_lazy("Stunting (生长迟缓)")),
    "underweight": ("orange", gettext_lazy("Underweight (低体重)")),
    "wasting": ("orange", gettext_lazy("Wasting (消瘦)")),
    "overweight": ("yellow", gettext_lazy("Overweight (超重)")),
    "obesity": ("red", gettext_lazy("Obesity (肥胖)")),
}
DEGREE_LABELS = {
    "mild": gettext_lazy("mild"),
    "moderate": gettext_lazy("moderate"),
    "severe": gettext_lazy("severe"),
}
LEVEL_LABELS = {
    ref.UPPER: gettext_lazy("Upper (上)"),
    ref.UPPER_MIDDLE: gettext_lazy("Upper middle (中上)"),
    ref.MIDDLE: gettext_lazy("Middle (中)"),
    ref.LOWER_MIDDLE: gettext_lazy("Lower middle (中下)"),
    ref.LOWER: gettext_lazy("Lower (下)"),
}


def url(request, name, **kwargs):
    return reverse(f"health:{name}", kwargs={"campus": request.campus.code, **kwargs})


def flag_labels(m):
    """[(colour, label)] of a measurement's findings, with the degree or severity."""
    if m is None:
        return []
    out = []
    for name in services.CATEGORY_FIELDS:
        if getattr(m, name):
            colour, label = FLAG_BADGES[name]
            degree = ""
            if name == "obesity" and m.obesity_degree:
                degree = DEGREE_LABELS[m.obesity_degree]
            elif name in ("stunting", "underweight", "wasting"):
                z = {
                    "stunting": m.haz,
                    "underweight": m.waz,
                    "wasting": m.whz if m.whz is not None else m.bmiz,
                }[name]
                degree = DEGREE_LABELS["severe"] if z is not None and z < -3 else DEGREE_LABELS["moderate"]
            out.append((colour, f"{label} · {degree}" if degree else str(label)))
    return out


def flag_badges(m):
    labels = flag_labels(m)
    if not labels:
        return format_html('<span class="badge bg-green-lt">{}</span>', pgettext("health status", "Normal")) if m is not None else ""
    return format_html_join(" ", '<span class="badge bg-{}-lt" data-flag="1">{}</span>', labels)


def z_cell(value):
    if value is None:
        return "—"
    colour = "danger" if value < -2 or value >= 2 else "warning" if value >= 1 or value < -1 else ""
    return format_html('<span class="{}">{}</span>', f"text-{colour}" if colour else "", f"{value:+.2f}")


def void_badge(obj):
    return format_html('<span class="badge bg-secondary-lt">{}</span>', _("Void")) if obj.is_void else ""


def anaemia_badge(exam):
    if not exam.anaemia:
        return (
            ""
            if exam.hb_g_l is None
            else format_html('<span class="badge bg-green-lt">{}</span>', pgettext("health status", "Normal"))
        )
    return format_html('<span class="badge bg-red-lt" data-anaemia="1">{}</span>', exam.get_anaemia_display())


def _date_param(request, name="date"):
    value = parse_date(request.GET.get(name, "") or "") if request.GET.get(name) else None
    today = timezone.localdate()
    return min(value, today) if value else today


# --- Lists ---------------------------------------------------------------------------------------


class MeasurementListView(ObjectListView):
    model = Measurement
    url_base = "health:measurement"
    permission_required = VIEW
    title = gettext_lazy("Measurements (身高体重)")
    filterset_class = MeasurementFilter
    search_fields = ("child__name",)
    pinyin_field = ""
    select_related = ("child", "school_class")
    ordering = ("-measured_on", "school_class__sort_order", "child__name", "-id")
    export_filename = "measurements"
    columns = [
        Column(gettext_lazy("Date"), "measured_on", link=True),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column(gettext_lazy("Age (months)"), "age_months"),
        Column(gettext_lazy("Height (cm)"), "height_cm"),
        Column(gettext_lazy("Weight (kg)"), "weight_kg"),
        Column("H/A z", lambda m: z_cell(m.haz), export=False),
        Column("W/A z", lambda m: z_cell(m.waz), export=False),
        Column("W/H z", lambda m: z_cell(m.whz), export=False),
        Column("BMI z", lambda m: z_cell(m.bmiz), export=False),
        Column(gettext_lazy("Evaluation"), lambda m: flag_badges(m), export=False),
        Column("", void_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Date"), "measured_on"), Column(_("Class"), "school_class.name"), Column(_("Child"), "child.name"),
            Column(_("Sex"), "child.get_sex_display"), Column(_("Age (months)"), "age_months"),
            Column(_("Height (cm)"), "height_cm"), Column(_("Weight (kg)"), "weight_kg"), Column("BMI", "bmi"),
            Column("H/A z", "haz"), Column("W/A z", "waz"), Column("W/H z", "whz"), Column("BMI z", "bmiz"),
            Column(_("% above the weight-for-height median"), "wh_median_pct"),
            Column(_("Reference"), "get_reference_display"),
            Column(_("Stunting"), "stunting"), Column(_("Underweight"), "underweight"), Column(_("Wasting"), "wasting"),
            Column(_("Overweight"), "overweight"), Column(_("Obesity"), "obesity"),
            Column(_("Obesity degree"), "get_obesity_degree_display"),
            Column(_("Malnutrition"), "get_malnutrition_severity_display"),
            Column(_("Interpolated between the printed rows"), "interpolated"),
            Column(_("Void"), "is_void"), Column(_("Void reason"), "void_reason"),
        ]  # fmt: skip


class ExamListView(ObjectListView):
    model = Exam
    url_base = "health:exam"
    permission_required = VIEW
    title = gettext_lazy("Health exams (体检)")
    filterset_class = ExamFilter
    search_fields = ("child__name",)
    pinyin_field = ""
    select_related = ("child", "school_class")
    ordering = ("-exam_date", "school_class__sort_order", "child__name", "-id")
    export_filename = "exams"
    columns = [
        Column(gettext_lazy("Date"), "exam_date", link=True),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column("Hb (g/L)", "hb_g_l"),
        Column(gettext_lazy("Anaemia"), anaemia_badge, export=False),
        Column(gettext_lazy("Vision L/R"), lambda e: f"{e.vision_left or '—'} / {e.vision_right or '—'}"),
        Column(gettext_lazy("Caries"), "caries_count"),
        Column(gettext_lazy("Hearing"), "get_hearing_display"),
        Column(gettext_lazy("Passed"), "passed"),
        Column("", void_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [
            Column(_("Date"), "exam_date"), Column(_("Kind"), "get_kind_display"), Column(_("Class"), "school_class.name"),
            Column(_("Child"), "child.name"), Column(_("Age (months)"), "age_months"), Column("Hb (g/L)", "hb_g_l"),
            Column(_("Anaemia"), "get_anaemia_display"), Column(_("Vision, left eye"), "vision_left"),
            Column(_("Vision, right eye"), "vision_right"), Column(_("Vision abnormal"), "vision_abnormal"),
            Column(_("Decayed teeth"), "caries_count"), Column(_("Hearing"), "get_hearing_display"),
            Column(_("Other findings"), "findings"), Column(_("Passed"), "passed"), Column(_("Advice"), "advice"),
            Column(_("Examined by"), "doctor"), Column(_("Void"), "is_void"), Column(_("Void reason"), "void_reason"),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["create_url"] = url(self.request, "exam_create") if has_perm(self.request, EXAMS) else None
        ctx["create_label"] = _("Record an exam")
        return ctx


class HealthCardListView(ObjectListView):
    model = HealthCard
    url_base = "health:card"
    permission_required = VIEW
    write_permission = EXAMS
    title = gettext_lazy("Entry health cards (入园健康检查表)")
    filterset_class = HealthCardFilter
    search_fields = ("child__name", "hospital")
    pinyin_field = ""
    select_related = ("child", "child__school_class")
    ordering = ("-exam_date", "-id")
    export_filename = "health-cards"
    create_label = gettext_lazy("Record a health card")
    columns = [
        Column(gettext_lazy("Exam date"), "exam_date", link=True),
        Column(gettext_lazy("Class"), "child.school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column(gettext_lazy("Hospital"), "hospital"),
        Column(gettext_lazy("Fit for admission"), "passed"),
        Column(gettext_lazy("Vaccination card checked"), "vaccination_checked"),
        Column(gettext_lazy("Allergies"), "allergies"),
        Column("", void_badge, export=False),
    ]


# --- Detail pages with "void" --------------------------------------------------------------------


class _RecordDetail(ObjectDetailView):
    template_name = "health/growth_record_detail.html"
    permission_required = VIEW
    write_permission = ""
    void_perm = ""
    void_url_name = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["void_form"] = (
            ReasonForm(campus=self.request.campus)
            if has_perm(self.request, self.void_perm) and not obj.is_void
            else None
        )
        ctx["void_url"] = url(self.request, self.void_url_name, pk=obj.pk)
        ctx["child_url"] = url(self.request, "growth_child", child_id=obj.child_id)
        return ctx


class MeasurementDetailView(_RecordDetail):
    model = Measurement
    url_base = "health:measurement"
    void_perm = RECORD
    void_url_name = "measurement_void"
    attachments = False

    def get_queryset(self):
        return Measurement.objects.select_related("child", "school_class", "measured_by", "voided_by")

    def detail_fields(self):
        m = self.object
        fields = [
            (_("Child"), m.child), (_("Class"), m.school_class), (_("Measured on"), m.measured_on),
            (_("Age (months)"), m.age_months),
            (_("Length (cm)") if m.is_length else _("Height (cm)"), m.height_cm), (_("Weight (kg)"), m.weight_kg),
            ("BMI", m.bmi), (_("Reference"), m.get_reference_display()),
            (_("Height-for-age z") if not m.is_length else _("Length-for-age z"), z_cell(m.haz)),
            (_("Weight-for-age z"), z_cell(m.waz)),
            (_("Weight-for-length z") if m.is_length else _("Weight-for-height z"), z_cell(m.whz)),
            (_("BMI-for-age z"), z_cell(m.bmiz)),
            (_("% above the weight-for-height median"), m.wh_median_pct),
            (_("Height level (percentiles)"), m.get_height_level_display()),
            (_("Weight level (percentiles)"), m.get_weight_level_display()),
            (_("Weight-for-height level (percentiles)"), m.get_wh_level_display()),
            (_("Evaluation"), flag_badges(m)),
            (_("Measured by"), m.measured_by), (_("Note"), m.note),
        ]  # fmt: skip
        if m.interpolated:
            fields.append((_("Note on the reference"), INTERPOLATED_NOTE))
        if m.is_void:
            fields += [
                (_("Void reason"), m.void_reason),
                (_("Voided by"), m.voided_by),
                (_("Voided at"), m.voided_at),
            ]
        return fields


class ExamDetailView(_RecordDetail):
    model = Exam
    url_base = "health:exam"
    void_perm = EXAMS
    void_url_name = "exam_void"
    attachments = False

    def get_queryset(self):
        return Exam.objects.select_related("child", "school_class", "recorded_by", "voided_by", "measurement")

    def detail_fields(self):
        e = self.object
        fields = [
            (_("Child"), e.child), (_("Class"), e.school_class), (_("Exam date"), e.exam_date),
            (_("Kind"), e.get_kind_display()), (_("Age (months)"), e.age_months),
            (_("Haemoglobin (g/L)"), e.hb_g_l), (_("Anaemia"), anaemia_badge(e)),
            (_("Vision, left eye"), e.vision_left), (_("Vision, right eye"), e.vision_right),
            (_("Vision abnormal"), _("Yes") if e.vision_abnormal else _("No")),
            (_("Decayed teeth"), e.caries_count), (_("Hearing"), e.get_hearing_display()),
            (_("Other findings"), e.findings), (_("Passed"), _("Yes") if e.passed else _("No")),
            (_("Doctor's advice"), e.advice), (_("Examined by"), e.doctor),
            (_("Measurement"), e.measurement), (_("Recorded by"), e.recorded_by),
        ]  # fmt: skip
        if e.is_void:
            fields += [
                (_("Void reason"), e.void_reason),
                (_("Voided by"), e.voided_by),
                (_("Voided at"), e.voided_at),
            ]
        return fields


class HealthCardDetailView(_RecordDetail):
    model = HealthCard
    url_base = "health:card"
    void_perm = EXAMS
    void_url_name = "card_void"

    def get_queryset(self):
        return HealthCard.objects.select_related("child", "child__school_class", "recorded_by", "voided_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_write"] = has_perm(self.request, EXAMS) and not self.object.is_void  # photos
        return ctx

    def detail_fields(self):
        c = self.object
        valid = services.card_valid_for_entry(c, campus=self.request.campus)
        fields = [
            (_("Child"), c.child), (_("Exam date"), c.exam_date), (_("Examining hospital"), c.hospital),
            (_("Fit for admission"), _("Yes") if c.passed else _("No")),
            (_("Valid for entry"), format_html('<span class="badge bg-{}-lt">{}</span>', "green" if valid else "red",
                                               _("Yes") if valid else _("No"))),
            (_("Results"), c.results),
            (_("Vaccination card checked"), _("Yes") if c.vaccination_checked else _("No")),
            (_("Vaccinations complete"), _("Yes") if c.vaccination_complete else _("No")),
            (_("Vaccinations to catch up"), c.vaccination_note), (_("Allergies"), c.allergies),
            (_("Past illnesses"), c.past_illnesses), (_("Height (cm)"), c.height_cm), (_("Weight (kg)"), c.weight_kg),
            (_("Haemoglobin (g/L)"), c.hb_g_l), (_("Recorded by"), c.recorded_by),
        ]  # fmt: skip
        if c.is_void:
            fields += [
                (_("Void reason"), c.void_reason),
                (_("Voided by"), c.voided_by),
                (_("Voided at"), c.voided_at),
            ]
        return fields


def _void_view(perm, model, service, detail_name):
    @campus_view(perm)
    @require_POST
    def view(request, campus, pk):
        obj = get_object_or_404(model.objects.all(), pk=pk)
        form = ReasonForm(request.POST, campus=request.campus)
        back = url(request, detail_name, pk=obj.pk)
        if not form.is_valid():
            messages.error(request, _("Give a reason."))
            return HttpResponseRedirect(back)
        try:
            service(actor=request.user, **{model._meta.model_name if model is not HealthCard else "card": obj},
                    reason=form.cleaned_data["reason"])  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            return HttpResponseRedirect(back)
        messages.success(request, _("Voided; the record stays in the history."))
        return HttpResponseRedirect(back)

    return view


measurement_void = _void_view(RECORD, Measurement, services.measurement_void, "measurement_detail")
exam_void = _void_view(EXAMS, Exam, services.exam_void, "exam_detail")
card_void = _void_view(EXAMS, HealthCard, services.health_card_void, "card_detail")


# --- Class entry: the measurement grid and the exam grid ---------------------------------------


class MeasurementEntryView(CampusViewMixin, TemplateView):
    """Choose a class to measure or examine (with the date of its last round)."""

    template_name = "health/growth_entry.html"
    permission_required = RECORD
    title = gettext_lazy("Measure a class")

    def get_context_data(self, **kwargs):
        from django.db.models import Max

        ctx = super().get_context_data(**kwargs)
        classes = list(SchoolClass.objects.filter(is_active=True).order_by("sort_order", "grade", "name"))
        last = dict(
            Measurement.objects.filter(is_void=False)
            .values_list("school_class_id")
            .annotate(d=Max("measured_on"))
        )
        last_exam = dict(
            Exam.objects.filter(is_void=False).values_list("school_class_id").annotate(d=Max("exam_date"))
        )
        ctx["rows"] = [
            {"school_class": c, "last": last.get(c.pk), "last_exam": last_exam.get(c.pk)} for c in classes
        ]
        ctx["can_exam"] = has_perm(self.request, EXAMS)
        return ctx


class MeasurementGridView(CampusViewMixin, TemplateView):
    """The quick grid: height and weight of every child of a class in one form. Saved rows
    show their z-scores and classification; a saved row is voided, not retyped."""

    template_name = "health/growth_measure_grid.html"
    permission_required = RECORD
    write_permission = RECORD

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.school_class = None

    def get_title(self):
        return _("Measure %(class)s") % {"class": self.school_class}

    def load(self, request, on_date):
        self.school_class = get_object_or_404(SchoolClass.objects.all(), pk=self.kwargs["class_id"])
        self.school_class.campus = request.campus  # the same object: its settings are read once
        self.children = services.class_children(self.school_class)
        for child in self.children:
            child.campus = request.campus
        self.on_date = on_date

    def get(self, request, *args, **kwargs):
        self.load(request, _date_param(request))
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, posted=None, errors=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ids = [c.pk for c in self.children]
        today = {m.child_id: m for m in Measurement.objects.filter(child_id__in=ids, measured_on=self.on_date,
                                                                   is_void=False)}  # fmt: skip
        previous = services.latest_measurements(ids, before=self.on_date)
        rows = []
        for child in self.children:
            m = today.get(child.pk)
            row = {
                "child": child, "m": m, "prev": previous.get(child.pk),
                "age": age_in_months(child.birth_date, self.on_date),
                "h": (posted or {}).get(f"h_{child.pk}", ""), "w": (posted or {}).get(f"w_{child.pk}", ""),
                "note": (posted or {}).get(f"n_{child.pk}", ""), "confirmed": bool((posted or {}).get(f"c_{child.pk}")),
                "errors": (errors or {}).get(f"child_{child.pk}", []),
                "badges": flag_labels(m), "url": url(self.request, "measurement_detail", pk=m.pk) if m else "",
                "child_url": url(self.request, "growth_child", child_id=child.pk),
            }  # fmt: skip
            rows.append(row)
        ctx.update({
            "school_class": self.school_class, "on_date": self.on_date, "rows": rows,
            "saved": sum(1 for r in rows if r["m"]), "interpolated_note": INTERPOLATED_NOTE,
            "any_interpolated": any(r["m"] and r["m"].interpolated for r in rows),
            "general_errors": [m for k, v in (errors or {}).items() if not k.startswith("child_") for m in v],
            "summary_url": url(self.request, "growth_class", class_id=self.school_class.pk),
        })  # fmt: skip
        return ctx

    def post(self, request, *args, **kwargs):
        on_date = parse_date(request.POST.get("date", "") or "")
        self.load(request, on_date or timezone.localdate())
        post = request.POST
        rows = [
            {"child": c, "height_cm": post.get(f"h_{c.pk}", "").strip(), "weight_kg": post.get(f"w_{c.pk}", "").strip(),
             "note": post.get(f"n_{c.pk}", ""), "confirmed": bool(post.get(f"c_{c.pk}"))}
            for c in self.children
        ]  # fmt: skip
        try:
            if on_date is None:
                raise ValidationError({"date": _("Enter a valid date.")})
            saved = services.measurements_record_class(
                actor=request.user, school_class=self.school_class, measured_on=on_date, rows=rows,
                children=self.children,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "message_dict", None) or {"__all__": getattr(exc, "messages", [str(exc)])}
            messages.error(request, _("Nothing was saved; correct the rows marked in red."))
            return self.render_to_response(self.get_context_data(posted=post, errors=errors))
        flagged = sum(1 for m in saved if m.flags)
        messages.success(
            request,
            _("%(n)s measurements saved; %(f)s with a finding.") % {"n": len(saved), "f": flagged},
        )
        return HttpResponseRedirect(
            url(request, "measurement_grid", class_id=self.school_class.pk) + f"?date={on_date:%Y-%m-%d}"
        )


class ExamGridView(MeasurementGridView):
    """Exam results of a class on one form: Hb, vision (from 4 y), caries, hearing (1–3 y),
    other findings and the result (worked out unless chosen)."""

    template_name = "health/growth_exam_grid.html"
    permission_required = EXAMS
    write_permission = EXAMS

    def get_title(self):
        return _("Exams of %(class)s") % {"class": self.school_class}

    def get_context_data(self, posted=None, errors=None, **kwargs):
        ctx = CampusViewMixin.get_context_data(self, **kwargs)
        kind = (posted or self.request.GET).get("kind") or Exam.Kind.PERIODIC
        if kind not in Exam.Kind.values:
            kind = Exam.Kind.PERIODIC
        ids = [c.pk for c in self.children]
        done = {e.child_id: e for e in Exam.objects.filter(child_id__in=ids, exam_date=self.on_date, kind=kind,
                                                           is_void=False)}  # fmt: skip
        vision_from = services.setting(self.request.campus, "vision_from_months")
        hearing_until = services.setting(self.request.campus, "hearing_until_months")
        rows = []
        for child in self.children:
            age = age_in_months(child.birth_date, self.on_date)
            values = {k: (posted or {}).get(f"{k}_{child.pk}", "") for k in (*services.EXAM_FIELDS, "passed")}
            rows.append({
                "child": child, "exam": done.get(child.pk), "age": age, "v": values,
                "vision": age >= vision_from, "hearing": 12 <= age < hearing_until,
                "errors": (errors or {}).get(f"child_{child.pk}", []),
                "url": url(self.request, "exam_detail", pk=done[child.pk].pk) if child.pk in done else "",
            })  # fmt: skip
        ctx.update({
            "school_class": self.school_class, "on_date": self.on_date, "rows": rows, "kind": kind,
            "kinds": Exam.Kind.choices, "hearing_choices": Exam.Hearing.choices,
            "general_errors": [m for k, v in (errors or {}).items() if not k.startswith("child_") for m in v],
            "summary_url": url(self.request, "growth_class", class_id=self.school_class.pk),
        })  # fmt: skip
        return ctx

    def post(self, request, *args, **kwargs):
        on_date = parse_date(request.POST.get("date", "") or "")
        self.load(request, on_date or timezone.localdate())
        post = request.POST
        kind = post.get("kind") or Exam.Kind.PERIODIC
        rows = []
        for c in self.children:
            row = {"child": c, **{k: post.get(f"{k}_{c.pk}", "").strip() for k in services.EXAM_FIELDS}}
            passed = post.get(f"passed_{c.pk}", "")
            row["passed"] = None if passed == "" else passed == "1"
            rows.append(row)
        try:
            if on_date is None:
                raise ValidationError({"date": _("Enter a valid date.")})
            saved = services.exams_record_class(
                actor=request.user, school_class=self.school_class, exam_date=on_date, kind=kind, rows=rows,
                children=self.children,
            )  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            errors = getattr(exc, "message_dict", None) or {"__all__": getattr(exc, "messages", [str(exc)])}
            messages.error(request, _("Nothing was saved; correct the rows marked in red."))
            return self.render_to_response(self.get_context_data(posted=post, errors=errors))
        messages.success(
            request,
            _("%(n)s exams saved; %(a)s with anaemia.")
            % {"n": len(saved), "a": sum(1 for e in saved if e.anaemia)},
        )
        return HttpResponseRedirect(
            url(request, "exam_grid", class_id=self.school_class.pk) + f"?date={on_date:%Y-%m-%d}&kind={kind}"
        )


class ExamCreateView(CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = ExamForm
    permission_required = EXAMS
    write_permission = EXAMS
    title = gettext_lazy("Record an exam")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        initial = {}
        if self.request.GET.get("child", "").isdigit():
            initial["child"] = int(self.request.GET["child"])
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = url(self.request, "exam_list")
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        passed = data.pop("passed", "")
        data["passed"] = None if passed in ("", None) else passed == "1"
        try:
            exam = services.exam_record(
                actor=self.request.user, child=data["child"], exam_date=data["exam_date"], kind=data["kind"],
                data=data, height_cm=data.get("height_cm"), weight_kg=data.get("weight_kg"),
                confirmed=data.get("confirmed", False),
            )  # fmt: skip
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(url(self.request, "exam_detail", pk=exam.pk))


def _form_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class HealthCardCreateView(ExamCreateView):
    form_class = HealthCardForm
    title = gettext_lazy("Record an entry health card")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = url(self.request, "card_list")
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        child, photos = data.pop("child"), data.pop("photos", [])
        try:
            card = services.health_card_record(actor=self.request.user, child=child, data=data, photos=photos)
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(url(self.request, "card_detail", pk=card.pk))


# --- Child growth page, summaries, due lists -------------------------------------------------------


def _child(request, child_id):
    return get_object_or_404(Child.objects.select_related("school_class"), pk=child_id)


def _z_rows(m):
    """Rows of the evaluation table of one measurement."""
    if m is None:
        return []
    return [
        (_("Length-for-age") if m.is_length else _("Height-for-age"), m.height_cm, "cm", m.haz,
         LEVEL_LABELS.get(ref.sd_level(m.haz), ""), m.get_height_level_display()),
        (_("Weight-for-age"), m.weight_kg, "kg", m.waz, LEVEL_LABELS.get(ref.sd_level(m.waz), ""),
         m.get_weight_level_display()),
        (_("Weight-for-length") if m.is_length else _("Weight-for-height"), m.weight_kg, "kg", m.whz,
         LEVEL_LABELS.get(ref.sd_level(m.whz), ""), m.get_wh_level_display()),
        (_("BMI-for-age"), m.bmi, "kg/m²", m.bmiz, LEVEL_LABELS.get(ref.sd_level(m.bmiz), ""), ""),
    ]  # fmt: skip


class ChildGrowthView(CampusViewMixin, TemplateView):
    template_name = "health/growth_child.html"
    permission_required = VIEW

    def get(self, request, *args, **kwargs):
        self.child = _child(request, kwargs["child_id"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Growth of %(child)s") % {"child": self.child.name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        child, request = self.child, self.request
        measurements = list(
            Measurement.objects.filter(child=child)
            .select_related("school_class")
            .order_by("measured_on", "id")
        )
        for m in measurements:
            m.badge_list = flag_labels(m)
        valid = [m for m in measurements if not m.is_void]
        latest = valid[-1] if valid else None
        exams = list(Exam.objects.filter(child=child).order_by("-exam_date", "-id"))
        cards = list(HealthCard.objects.filter(child=child).order_by("-exam_date", "-id"))
        ctx.update({
            "child": child, "age": age_in_months(child.birth_date, timezone.localdate()),
            "measurements": list(reversed(measurements)), "latest": latest, "z_rows": _z_rows(latest),
            "badges": flag_labels(latest), "exams": exams, "cards": cards,
            "curves": services.child_curves(child, valid, campus=request.campus),
            "interpolated_note": INTERPOLATED_NOTE,
            "letter_url": url(request, "growth_letter", child_id=child.pk),
            "can_exam": has_perm(request, EXAMS), "can_measure": has_perm(request, RECORD),
        })  # fmt: skip
        return ctx


class GrowthSummaryView(CampusViewMixin, TemplateView):
    template_name = "health/growth_summary.html"
    permission_required = VIEW
    title = gettext_lazy("Growth evaluation (生长发育评价)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = services.campus_summary(self.request.campus)
        totals = {"enrolled": sum(r["enrolled"] for r in rows), "measured": sum(r["measured"] for r in rows)}
        for name in services.CATEGORY_FIELDS:
            totals[name] = sum(r["counts"][name] for r in rows)
        ctx.update({
            "rows": rows, "totals": totals, "flags": [(n, FLAG_BADGES[n][1]) for n in services.CATEGORY_FIELDS],
            "reference": services.campus_reference(self.request.campus),
            "can_measure": has_perm(self.request, RECORD), "can_exam": has_perm(self.request, EXAMS),
            "can_settings": has_perm(self.request, SETTINGS),
        })  # fmt: skip
        return ctx


class ClassGrowthView(CampusViewMixin, TemplateView):
    template_name = "health/growth_class.html"
    permission_required = VIEW

    def get(self, request, *args, **kwargs):
        self.school_class = get_object_or_404(SchoolClass.objects.all(), pk=kwargs["class_id"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Growth of %(class)s") % {"class": self.school_class}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        summary = services.class_summary(self.school_class)
        for r in summary["rows"]:
            r["badges"] = flag_labels(r["m"])
            r["url"] = url(self.request, "growth_child", child_id=r["child"].pk)
        ctx.update({
            "school_class": self.school_class, "summary": summary,
            "flags": [(n, FLAG_BADGES[n][1], summary["counts"][n], summary["rates"][n]) for n in services.CATEGORY_FIELDS],
            "interpolated_note": INTERPOLATED_NOTE,
            "can_measure": has_perm(self.request, RECORD), "can_exam": has_perm(self.request, EXAMS),
        })  # fmt: skip
        return ctx


class DueListView(CampusViewMixin, TemplateView):
    template_name = "health/growth_due.html"
    permission_required = VIEW
    title = gettext_lazy("Exams and measurements due")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        school_class = None
        value = self.request.GET.get("school_class", "")
        if value.isdigit():
            school_class = SchoolClass.objects.filter(pk=int(value)).first()
        on_date = _date_param(self.request)
        lists = services.due_lists(self.request.campus, on_date, school_class=school_class)
        labels = services.due_kind_labels()
        ctx.update({
            "sections": [(k, labels[k], lists[k]) for k in services.DUE_KINDS],
            "classes": list(SchoolClass.objects.filter(is_active=True).order_by("sort_order", "grade", "name")),
            "school_class": school_class, "on_date": on_date,
        })  # fmt: skip
        return ctx


# --- Letters to parents (A4) ----------------------------------------------------------------------


def letter_entries(children, campus):
    """The content of one letter per child: latest measurement, latest exam, advice."""
    ids = [c.pk for c in children]
    latest = services.latest_measurements(ids)
    exams = services.latest_exams(ids)
    out = []
    for child in children:
        m, e = latest.get(child.pk), exams.get(child.pk)
        out.append({
            "child": child, "m": m, "exam": e, "z_rows": _z_rows(m), "badges": flag_labels(m),
            "advice": services.advice_for(m, e),
            "age": age_in_months(child.birth_date, m.measured_on if m else timezone.localdate()),
        })  # fmt: skip
    return out


class LetterView(CampusViewMixin, TemplateView):
    """给家长的体检/生长发育评价通知 — one A4 page per child."""

    template_name = "health/growth_letter.html"
    permission_required = VIEW
    title = gettext_lazy("Growth and health report to parents")

    def get(self, request, *args, **kwargs):
        if "child_id" in kwargs:
            self.children = [_child(request, kwargs["child_id"])]
        else:
            school_class = get_object_or_404(SchoolClass.objects.all(), pk=kwargs["class_id"])
            self.children = services.class_children(school_class)
            for c in self.children:
                c.school_class = school_class
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["letters"] = letter_entries(self.children, self.request.campus)
        ctx["interpolated_note"] = INTERPOLATED_NOTE
        return ctx


# --- The growth reference choice ------------------------------------------------------------------


class ReferenceSettingView(CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = ReferenceForm
    permission_required = SETTINGS
    write_permission = SETTINGS
    title = gettext_lazy("Growth reference")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        return {"reference": services.campus_reference(self.request.campus)}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = url(self.request, "growth_summary")
        return ctx

    def form_valid(self, form):
        from houqin.core.settings_services import campus_settings_update

        campus = self.request.campus
        campus_settings_update(
            actor=self.request.user,
            campus=campus,
            values={"health.growth.reference": form.cleaned_data["reference"]},
        )
        campus._settings_cache = None
        messages.success(self.request, _("Saved. New measurements are evaluated against this reference."))
        return HttpResponseRedirect(url(self.request, "growth_summary"))


urlpatterns = [
    path("measurements/", MeasurementListView.as_view(), name="measurement_list"),
    path("measurements/entry/", MeasurementEntryView.as_view(), name="measurement_entry"),
    path("measurements/class/<int:class_id>/", MeasurementGridView.as_view(), name="measurement_grid"),
    path("measurements/<int:pk>/", MeasurementDetailView.as_view(), name="measurement_detail"),
    path("measurements/<int:pk>/void/", measurement_void, name="measurement_void"),
    path("exams/", ExamListView.as_view(), name="exam_list"),
    path("exams/new/", ExamCreateView.as_view(), name="exam_create"),
    path("exams/class/<int:class_id>/", ExamGridView.as_view(), name="exam_grid"),
    path("exams/<int:pk>/", ExamDetailView.as_view(), name="exam_detail"),
    path("exams/<int:pk>/void/", exam_void, name="exam_void"),
    path("cards/", HealthCardListView.as_view(), name="card_list"),
    path("cards/new/", HealthCardCreateView.as_view(), name="card_create"),
    path("cards/<int:pk>/", HealthCardDetailView.as_view(), name="card_detail"),
    path("cards/<int:pk>/void/", card_void, name="card_void"),
    path("growth/", GrowthSummaryView.as_view(), name="growth_summary"),
    path("growth/due/", DueListView.as_view(), name="growth_due"),
    path("growth/reference/", ReferenceSettingView.as_view(), name="growth_reference"),
    path("growth/class/<int:class_id>/", ClassGrowthView.as_view(), name="growth_class"),
    path("growth/class/<int:class_id>/letters/", LetterView.as_view(), name="growth_class_letters"),
    path("growth/child/<int:child_id>/", ChildGrowthView.as_view(), name="growth_child"),
    path("growth/child/<int:child_id>/letter/", LetterView.as_view(), name="growth_letter"),
]
