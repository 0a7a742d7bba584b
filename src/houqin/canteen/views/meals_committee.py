"""The dietary committee (膳委会/伙委会): meetings with their minutes and photos, parents'
suggestions (open ones first) and their answers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from houqin.canteen import meals_services as services
from houqin.canteen.meals_filters import MeetingFilter, SuggestionFilter
from houqin.canteen.meals_forms import MeetingForm, ReasonForm, SuggestionAnswerForm, SuggestionForm
from houqin.canteen.models import CommitteeMeeting, ParentSuggestion
from houqin.canteen.views.meals_common import add_errors, badge, campus_url, done, failed, form_failed, local
from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView

VIEW, COMMITTEE = services.VIEW, services.COMMITTEE
SUGGESTION_COLOURS = {"open": "orange", "answered": "green", "void": "secondary"}


def suggestion_badge(s):
    return badge(SUGGESTION_COLOURS.get(s.status, "secondary"), s.get_status_display(), s.status)


def meeting_badge(m):
    return badge("secondary", _("Void"), "void") if m.is_void else ""


# --- Meetings -------------------------------------------------------------------------------


class MeetingMixin:
    model = CommitteeMeeting
    url_base = "canteen:meals_meeting"
    permission_required = VIEW
    write_permission = COMMITTEE


class MeetingListView(MeetingMixin, ObjectListView):
    template_name = "canteen/meals_meeting_list.html"
    filterset_class = MeetingFilter
    search_fields = ("topic", "minutes", "attendees", "parent_representatives")
    pinyin_field = ""
    title = gettext_lazy("Dietary committee meetings (膳委会)")
    create_label = gettext_lazy("Record a meeting")
    ordering = ("-date", "-id")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Topic"), "topic", css="text-wrap"),
        Column(gettext_lazy("Attendees"), "attendee_count"),
        Column(gettext_lazy("Parent representatives"), "parent_representatives", css="text-wrap"),
        Column(gettext_lazy("Void"), meeting_badge, export=False),
    ]
    export_columns = [
        Column(gettext_lazy("Date"), "date"),
        Column(gettext_lazy("Topic"), "topic"),
        Column(gettext_lazy("Attendees"), "attendees"),
        Column(gettext_lazy("Parent representatives"), "parent_representatives"),
        Column(gettext_lazy("Meeting minutes"), "minutes"),
        Column(gettext_lazy("Decisions"), "decisions"),
        Column(gettext_lazy("Void reason"), "void_reason"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["due_since"] = services.committee_meeting_due(self.request.campus)
        ctx["open_suggestions"] = services.open_suggestions(self.request.campus).count()
        ctx["suggestions_url"] = campus_url(self.request, "canteen:meals_suggestion_list")
        return ctx


class MeetingFormView(MeetingMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = MeetingForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = COMMITTEE
        self.object = None
        return super().dispatch(request, *args, **kwargs)

    def _load(self):
        # after the permission check: a member without it gets 403, not 404
        if "pk" in self.kwargs and self.object is None:
            self.object = get_object_or_404(CommitteeMeeting, pk=self.kwargs["pk"], is_void=False)

    def get(self, request, *args, **kwargs):
        self._load()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self._load()
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object} if self.object else _("Record a committee meeting")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        kwargs["editing"] = self.object is not None
        return kwargs

    def get_initial(self):
        if self.object is None:
            return {}
        return {k: getattr(self.object, k) for k in services.MEETING_FIELDS}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = (
            campus_url(self.request, "canteen:meals_meeting_detail", pk=self.object.pk)
            if self.object else campus_url(self.request, "canteen:meals_meeting_list")
        )  # fmt: skip
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if self.object is None:
                meeting = services.meeting_record(
                    actor=self.request.user, campus=self.request.campus, date=data["date"], topic=data["topic"],
                    attendees=data["attendees"], parent_representatives=data.get("parent_representatives", ""),
                    minutes=data["minutes"], decisions=data.get("decisions", ""), photos=data.get("photos"),
                    suggestions=data.get("suggestions") or (),
                )  # fmt: skip
            else:
                meeting = services.meeting_update(
                    actor=self.request.user, meeting=self.object,
                    data={k: data[k] for k in services.MEETING_FIELDS if k in data},
                )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        return done(self.request, campus_url(self.request, "canteen:meals_meeting_detail", pk=meeting.pk),
                    _("Saved."))  # fmt: skip


class MeetingDetailView(MeetingMixin, ObjectDetailView):
    template_name = "canteen/meals_meeting_detail.html"

    def get_queryset(self):
        return CommitteeMeeting.objects.select_related("recorded_by", "voided_by")

    def detail_fields(self):
        m = self.object
        return [
            (_("Date"), m.date),
            (_("Topic"), m.topic),
            (_("Attendees"), m.attendees),
            (_("Parent representatives"), m.parent_representatives),
            (_("Meeting minutes"), m.minutes),
            (_("Decisions"), m.decisions),
            (_("Recorded by"), m.recorded_by),
            (_("Void reason"), m.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        m, request = self.object, self.request
        manage = has_perm(request, COMMITTEE) and not m.is_void
        ctx.update({
            "delete_url": None,
            "update_url": campus_url(request, "canteen:meals_meeting_update", pk=m.pk) if manage else None,
            "photos": list(attachments_for(m)),
            "suggestions": list(m.suggestions.select_related("answered_by", "school_class").order_by("id")),
            "add_suggestion_url": campus_url(request, "canteen:meals_suggestion_create") + f"?meeting={m.pk}"
            if manage else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void") if manage else None,
        })  # fmt: skip
        return ctx


@campus_view(COMMITTEE)
@require_POST
def meeting_void(request, campus, pk):
    meeting = get_object_or_404(CommitteeMeeting, pk=pk)
    url = campus_url(request, "canteen:meals_meeting_detail", pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, url, form)
    try:
        services.meeting_void(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, url, exc)
    return done(request, url, _("The record was voided; it stays on record."))


# --- Suggestions ------------------------------------------------------------------------------


class SuggestionMixin:
    model = ParentSuggestion
    url_base = "canteen:meals_suggestion"
    permission_required = VIEW
    write_permission = COMMITTEE


class SuggestionListView(SuggestionMixin, ObjectListView):
    filterset_class = SuggestionFilter
    search_fields = ("from_name", "content", "answer")
    pinyin_field = ""
    title = gettext_lazy("Parents' suggestions about the meals")
    create_label = gettext_lazy("Record a suggestion")
    select_related = ("school_class", "answered_by")
    ordering = ("-received_on", "-id")
    columns = [
        Column(gettext_lazy("Received on"), "received_on", link=True),
        Column(gettext_lazy("From"), "from_name"),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Suggestion"), "short_content", css="text-wrap"),
        Column(gettext_lazy("Answered by"), "answered_by"),
        Column(gettext_lazy("Status"), suggestion_badge, export=False),
    ]
    export_columns = [
        Column(gettext_lazy("Received on"), "received_on"),
        Column(gettext_lazy("Received by way of"), "get_channel_display"),
        Column(gettext_lazy("From"), "from_name"),
        Column(gettext_lazy("Class"), "school_class"),
        Column(gettext_lazy("Suggestion"), "content"),
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Answer"), "answer"),
        Column(gettext_lazy("Answered by"), "answered_by"),
        Column(gettext_lazy("Answered at"), lambda s: local(s.answered_at)),
    ]


class SuggestionCreateView(SuggestionMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = SuggestionForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = COMMITTEE
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("Record a parent's suggestion")

    def _meeting(self):
        raw = self.request.GET.get("meeting", "")
        if raw.isdigit():
            return CommitteeMeeting.objects.filter(pk=int(raw), is_void=False).first()
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        meeting = self._meeting()
        if meeting is not None:
            return {"received_on": meeting.date, "channel": ParentSuggestion.Channel.MEETING}
        return {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "canteen:meals_suggestion_list")
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            suggestion = services.suggestion_record(
                actor=self.request.user, campus=self.request.campus, received_on=data["received_on"],
                from_name=data["from_name"], content=data["content"], channel=data["channel"],
                school_class=data.get("school_class"), meeting=self._meeting(),
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
            return self.form_invalid(form)
        return done(self.request, campus_url(self.request, "canteen:meals_suggestion_detail", pk=suggestion.pk),
                    _("Saved."))  # fmt: skip


class SuggestionDetailView(SuggestionMixin, ObjectDetailView):
    template_name = "canteen/meals_suggestion_detail.html"
    attachments = False

    def get_queryset(self):
        return ParentSuggestion.objects.select_related(
            "school_class", "meeting", "answered_by", "recorded_by"
        )

    def detail_fields(self):
        s = self.object
        return [
            (_("Received on"), s.received_on),
            (_("Received by way of"), s.get_channel_display()),
            (_("From"), s.from_name),
            (_("Class"), s.school_class),
            (_("Meeting"), s.meeting),
            (_("Suggestion"), s.content),
            (_("Status"), suggestion_badge(s)),
            (_("Answer"), s.answer),
            (_("Answered by"), s.answered_by),
            (_("Answered at"), local(s.answered_at)),
            (_("Recorded by"), s.recorded_by),
            (_("Void reason"), s.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s, request = self.object, self.request
        manage = has_perm(request, COMMITTEE) and s.status != ParentSuggestion.Status.VOID
        ctx.update({
            "update_url": None, "delete_url": None,
            "answer_form": SuggestionAnswerForm(campus=request.campus, initial={"answer": s.answer})
            if manage else None,
            "void_form": ReasonForm(campus=request.campus, prefix="void") if manage else None,
            "meeting_url": campus_url(request, "canteen:meals_meeting_detail", pk=s.meeting_id)
            if s.meeting_id else None,
        })  # fmt: skip
        return ctx


def _suggestion_url(request, pk):
    return campus_url(request, "canteen:meals_suggestion_detail", pk=pk)


@campus_view(COMMITTEE)
@require_POST
def suggestion_answer(request, campus, pk):
    suggestion = get_object_or_404(ParentSuggestion, pk=pk)
    form = SuggestionAnswerForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return form_failed(request, _suggestion_url(request, pk), form)
    try:
        services.suggestion_answer(
            actor=request.user, suggestion=suggestion, answer=form.cleaned_data["answer"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _suggestion_url(request, pk), exc)
    return done(request, _suggestion_url(request, pk), _("Answer saved."))


@campus_view(COMMITTEE)
@require_POST
def suggestion_void(request, campus, pk):
    suggestion = get_object_or_404(ParentSuggestion, pk=pk)
    form = ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return form_failed(request, _suggestion_url(request, pk), form)
    try:
        services.suggestion_void(
            actor=request.user, suggestion=suggestion, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, PermissionDenied) as exc:
        return failed(request, _suggestion_url(request, pk), exc)
    return done(request, _suggestion_url(request, pk), _("The record was voided; it stays on record."))


urlpatterns = [
    path("committee/", MeetingListView.as_view(), name="meals_meeting_list"),
    path("committee/new/", MeetingFormView.as_view(), name="meals_meeting_create"),
    path("committee/<int:pk>/", MeetingDetailView.as_view(), name="meals_meeting_detail"),
    path("committee/<int:pk>/edit/", MeetingFormView.as_view(), name="meals_meeting_update"),
    path("committee/<int:pk>/void/", meeting_void, name="meals_meeting_void"),
    path("committee/suggestions/", SuggestionListView.as_view(), name="meals_suggestion_list"),
    path("committee/suggestions/new/", SuggestionCreateView.as_view(), name="meals_suggestion_create"),
    path("committee/suggestions/<int:pk>/", SuggestionDetailView.as_view(), name="meals_suggestion_detail"),
    path("committee/suggestions/<int:pk>/answer/", suggestion_answer, name="meals_suggestion_answer"),
    path("committee/suggestions/<int:pk>/void/", suggestion_void, name="meals_suggestion_void"),
]
