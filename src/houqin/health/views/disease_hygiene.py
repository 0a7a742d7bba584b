"""Disinfectant concentration tests (消毒液浓度测试) and health education (健康教育: lessons
per class per month with the month grid, publicity board log)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.models import Term
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.health import disease_services as services
from houqin.health.disease_filters import BoardFilter, ConcentrationFilter, LessonFilter
from houqin.health.disease_forms import BoardForm, ConcentrationTestForm, LessonForm, ReasonForm, parse_month
from houqin.health.models import ConcentrationTest, HealthLesson, PublicityBoardChange
from houqin.health.views.disease_common import (
    RECORD_DISINFECTION,
    RECORD_EDUCATION,
    VIEW_DISINFECTION,
    VIEW_EDUCATION,
    badge,
    done,
    failed,
    form_failed,
    local,
    url,
    void_badge,
)


def result_badge(t):
    if t.is_void:
        return void_badge()
    if t.passed:
        return badge("green", _("Passed"), "passed")
    return badge("red", _("Failed"), "failed")


def _void_view(model, service, kwarg, perm, detail_name, message):
    @campus_view(perm)
    @require_POST
    def view(request, campus, pk):
        obj = get_object_or_404(model, pk=pk)
        target = url(request, detail_name, pk=pk)
        form = ReasonForm(request.POST, campus=request.campus, prefix="void")
        if not form.is_valid():
            return form_failed(request, target, form)
        try:
            service(actor=request.user, reason=form.cleaned_data["reason"], **{kwarg: obj})
        except (ValidationError, PermissionDenied) as exc:
            return failed(request, target, exc)
        return done(request, target, message)

    return view


class _RecordDetail(ObjectDetailView):
    """Detail of a voidable record: no edit/delete, a void form for writers."""

    template_name = "health/disease_record_detail.html"
    void_url_name = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update({
            "update_url": None, "delete_url": None,
            "void_form": ReasonForm(campus=self.request.campus, prefix="void")
            if ctx["can_write"] and not self.object.is_void else None,
            "void_url": url(self.request, self.void_url_name, pk=self.object.pk),
        })  # fmt: skip
        return ctx


# --- Concentration tests -------------------------------------------------------------------------


class ConcentrationMixin:
    model = ConcentrationTest
    url_base = "health:concentration"
    permission_required = VIEW_DISINFECTION
    write_permission = RECORD_DISINFECTION


class ConcentrationListView(ConcentrationMixin, ObjectListView):
    filterset_class = ConcentrationFilter
    search_fields = ("purpose", "place", "product")
    pinyin_field = ""
    title = gettext_lazy("Disinfectant concentration tests")
    create_label = gettext_lazy("Record a test")
    select_related = ("school_class", "tested_by", "redo_of")
    ordering = ("-date", "-tested_at", "-id")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Disinfectant"), "get_disinfectant_display"),
        Column(gettext_lazy("Used for"), "purpose"),
        Column(gettext_lazy("Class / place"), lambda t: t.school_class or t.place),
        Column(gettext_lazy("Target"), "target_label"),
        Column(gettext_lazy("Measured (mg/L)"), "measured"),
        Column(gettext_lazy("Tested by"), "tested_by"),
        Column(gettext_lazy("Redo of"), lambda t: t.redo_of.date if t.redo_of else None),
        Column(gettext_lazy("Result"), result_badge, export=False),
    ]

    @property
    def export_columns(self):
        return [*self.columns[:-1], Column(_("Passed"), "passed"), Column(_("Void"), "is_void"),
                Column(_("Void reason"), "void_reason")]  # fmt: skip


class ConcentrationCreateView(ConcentrationMixin, ObjectFormView):
    form_class = ConcentrationTestForm

    def get_title(self):
        return _("Redo a failed concentration test") if self._redo_of() else _("Record a concentration test")

    def _redo_of(self):
        pk = self.request.GET.get("redo", "")
        if not pk.isdigit():
            return None
        return ConcentrationTest.objects.filter(pk=int(pk)).first()

    def get_initial(self):
        initial = {"date": timezone.localdate(), "disinfectant": ConcentrationTest.Disinfectant.CHLORINE,
                   "method": "试纸比色"}  # fmt: skip
        redo = self._redo_of()
        if redo is not None:
            for name in ("disinfectant", "product", "purpose", "place", "target_min", "target_max", "method"):
                initial[name] = getattr(redo, name)
            initial["school_class"] = redo.school_class_id
        return initial

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in services.TEST_FIELDS if k in form.cleaned_data}
        return services.concentration_test_record(
            actor=self.request.user, campus=self.request.campus, data=data, photos=form.cleaned_data.get("photos"),
            redo_of=self._redo_of(),
        )  # fmt: skip


class ConcentrationDetailView(ConcentrationMixin, _RecordDetail):
    void_url_name = "health:concentration_void"

    def get_queryset(self):
        return ConcentrationTest.objects.select_related("school_class", "tested_by", "redo_of", "voided_by")

    def detail_fields(self):
        t = self.object
        return [
            (_("Date"), t.date), (_("Disinfectant"), t.get_disinfectant_display()), (_("Product"), t.product),
            (_("Used for"), t.purpose), (_("Class"), t.school_class), (_("Place"), t.place),
            (_("Target"), t.target_label), (_("Measured (mg/L)"), t.measured), (_("Result"), result_badge(t)),
            (_("Test method"), t.method), (_("Redo of"), t.redo_of), (_("Tested by"), t.tested_by),
            (_("Tested at"), local(t.tested_at)), (_("Note"), t.note), (_("Void reason"), t.void_reason),
        ]  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        needs_redo = not t.passed and not t.is_void and not t.redos.filter(is_void=False).exists()
        ctx["redo_url"] = (url(self.request, "health:concentration_create") + f"?redo={t.pk}") if (
            needs_redo and has_perm(self.request, RECORD_DISINFECTION)) else None  # fmt: skip
        ctx["needs_redo"] = needs_redo
        return ctx


concentration_void = _void_view(ConcentrationTest, services.concentration_test_void, "test", RECORD_DISINFECTION,
                                "health:concentration_detail", gettext_lazy("The test was voided; it stays on record."))  # fmt: skip


# --- Health lessons -----------------------------------------------------------------------------------


class LessonMixin:
    model = HealthLesson
    url_base = "health:lesson"
    permission_required = VIEW_EDUCATION
    write_permission = RECORD_EDUCATION


def _void_or(value):
    return lambda obj: void_badge() if obj.is_void else value(obj)


class LessonListView(LessonMixin, ObjectListView):
    filterset_class = LessonFilter
    search_fields = ("topic",)
    pinyin_field = ""
    title = gettext_lazy("Health education lessons (健康教育)")
    create_label = gettext_lazy("Record a lesson")
    select_related = ("school_class", "teacher")
    ordering = ("-date", "-id")
    template_name = "health/disease_lesson_list.html"
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Topic"), "topic", css="text-wrap"),
        Column(gettext_lazy("Teacher"), "teacher"),
        Column(gettext_lazy("Status"), _void_or(lambda o: ""), export=False),
    ]


class LessonCreateView(LessonMixin, ObjectFormView):
    form_class = LessonForm

    def get_initial(self):
        initial = {"date": timezone.localdate(), "teacher": self.request.user.pk}
        cls = self.request.GET.get("class", "")
        if cls.isdigit():
            initial["school_class"] = int(cls)
        return initial

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in services.LESSON_FIELDS if k in form.cleaned_data}
        return services.lesson_record(actor=self.request.user, campus=self.request.campus, data=data,
                                      photos=form.cleaned_data.get("photos"))  # fmt: skip


class LessonDetailView(LessonMixin, _RecordDetail):
    void_url_name = "health:lesson_void"
    fields = ("school_class", "date", "topic", "teacher", "summary", "is_void", "void_reason")


lesson_void = _void_view(HealthLesson, services.lesson_void, "lesson", RECORD_EDUCATION, "health:lesson_detail",
                         gettext_lazy("The lesson was voided; it stays on record."))  # fmt: skip


class LessonGridView(CampusViewMixin, TemplateView):
    """Classes × months of the term: how many health lessons each class had; the classes
    without one this month stand out."""

    template_name = "health/disease_lesson_grid.html"
    permission_required = VIEW_EDUCATION
    title = gettext_lazy("Health lessons by class and month")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        month = parse_month(self.request.GET.get("month"), today)
        term = Term.objects.filter(start_date__lte=month, end_date__gte=month).first() or Term.objects.filter(
            start_date__lte=today, end_date__gte=today).first()  # fmt: skip
        start = (term.start_date if term else month).replace(day=1)
        end = (term.end_date if term else month).replace(day=1)
        months, current = [], start
        while current <= end and len(months) < 12:
            months.append(current)
            current = (current.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
        if month not in months:
            months = [month]
        grid = services.lesson_grid(self.request.campus, months)
        this_month = today.replace(day=1)
        ctx.update({
            "grid": grid, "term": term, "this_month": this_month,
            "missing_now": grid["missing"].get(this_month) if this_month in months else None,
            "can_write": has_perm(self.request, RECORD_EDUCATION),
            "create_url": url(self.request, "health:lesson_create"),
        })  # fmt: skip
        return ctx


# --- Publicity board --------------------------------------------------------------------------------


class BoardMixin:
    model = PublicityBoardChange
    url_base = "health:board"
    permission_required = VIEW_EDUCATION
    write_permission = RECORD_EDUCATION


class BoardListView(BoardMixin, ObjectListView):
    filterset_class = BoardFilter
    search_fields = ("topic", "location")
    pinyin_field = ""
    title = gettext_lazy("Health publicity board log (宣传栏)")
    create_label = gettext_lazy("Log a board change")
    select_related = ("changed_by",)
    ordering = ("-date", "-id")
    template_name = "health/disease_board_list.html"
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Topic"), "topic", css="text-wrap"),
        Column(gettext_lazy("Board"), "location"),
        Column(gettext_lazy("Changed by"), "changed_by"),
        Column(gettext_lazy("Status"), _void_or(lambda o: ""), export=False),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["changed_this_month"] = services.board_changed_in(self.request.campus, timezone.localdate())
        return ctx


class BoardCreateView(BoardMixin, ObjectFormView):
    form_class = BoardForm

    def get_initial(self):
        return {"date": timezone.localdate(), "location": "保健室门口宣传栏"}

    def save_object(self, form, instance, before):
        data = {k: form.cleaned_data.get(k) for k in services.BOARD_FIELDS if k in form.cleaned_data}
        return services.board_record(actor=self.request.user, campus=self.request.campus, data=data,
                                     photos=form.cleaned_data.get("photos"))  # fmt: skip


class BoardDetailView(BoardMixin, _RecordDetail):
    void_url_name = "health:board_void"
    fields = ("date", "topic", "location", "changed_by", "note", "is_void", "void_reason")


board_void = _void_view(PublicityBoardChange, services.board_void, "change", RECORD_EDUCATION, "health:board_detail",
                        gettext_lazy("The entry was voided; it stays on record."))  # fmt: skip


urlpatterns = [
    path("disinfection/tests/", ConcentrationListView.as_view(), name="concentration_list"),
    path("disinfection/tests/new/", ConcentrationCreateView.as_view(), name="concentration_create"),
    path("disinfection/tests/<int:pk>/", ConcentrationDetailView.as_view(), name="concentration_detail"),
    path("disinfection/tests/<int:pk>/void/", concentration_void, name="concentration_void"),
    path("education/lessons/", LessonListView.as_view(), name="lesson_list"),
    path("education/lessons/new/", LessonCreateView.as_view(), name="lesson_create"),
    path("education/lessons/grid/", LessonGridView.as_view(), name="lesson_grid"),
    path("education/lessons/<int:pk>/", LessonDetailView.as_view(), name="lesson_detail"),
    path("education/lessons/<int:pk>/void/", lesson_void, name="lesson_void"),
    path("education/board/", BoardListView.as_view(), name="board_list"),
    path("education/board/new/", BoardCreateView.as_view(), name="board_create"),
    path("education/board/<int:pk>/", BoardDetailView.as_view(), name="board_detail"),
    path("education/board/<int:pk>/void/", board_void, name="board_void"),
]
