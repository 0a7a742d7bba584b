"""Routine pages (例行工作), under /c/<campus>/routines/:

* ``routine_today`` – the user's checks of the day on a phone, overdue ones first;
* ``routine_complete`` – one checklist item per row: pass/fail, values with their unit and
  range, notes, photos from the camera; failed items then offer their follow-ups
  (hazard, repair…) in one tap on the check's page;
* ``occurrence_list`` / ``occurrence_detail`` – the record of every check, with filters and
  .xlsx export; void a wrong completion with a reason;
* ``routine_list`` / ``_detail`` / ``_create`` / ``_update`` – the routines and checklists;
* ``routine_library`` – enable routines from the library;
* ``routine_report`` – completion rates by routine, place, responsible or signer.

Views are thin: the services of :mod:`houqin.core.routines` do the work.
"""

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms import inlineformset_factory
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from houqin.core import attachables, audit, routine_library, routines
from houqin.core.filters import CampusFilterSet
from houqin.core.forms import CampusForm, CampusModelForm, campus_users
from houqin.core.links import strict_request_url as _url
from houqin.core.models import (
    Attachment,
    Building,
    Room,
    RoutineItem,
    RoutineOccurrence,
    RoutineResult,
    RoutineTemplate,
    Term,
)
from houqin.core.models.routines import CATEGORY_CHOICES, TERM_POINT_CHOICES, WEEKDAY_CHOICES
from houqin.core.permissions import has_perm
from houqin.core.roles import Role
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
    crud_urls,
)

VIEW, COMPLETE, MANAGE = "core.view_routines", "core.complete_routines", "core.manage_routines"
Status = RoutineOccurrence.Status


STATUS_COLOURS = {
    Status.PENDING: "yellow",
    Status.DONE: "green",
    Status.MISSED: "red",
    Status.CANCELLED: "secondary",
}


def status_badge(occ):
    colour = "orange" if occ.is_overdue else STATUS_COLOURS.get(occ.status, "secondary")
    label = _("Overdue") if occ.is_overdue else occ.get_status_display()
    return format_html('<span class="badge bg-{}-lt">{}</span>', colour, label)


# =========================================================================================
# Today
# =========================================================================================


class RoutineTodayView(CampusViewMixin, TemplateView):
    """The checks the user answers for today (by role or by name), big buttons."""

    template_name = "core/routine_today.html"
    permission_required = VIEW
    title = gettext_lazy("Today's checks")
    MAX_ROWS = 300

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        now = timezone.now()
        today = timezone.localdate(now)
        show_all = request.GET.get("all") == "1" and has_perm(request, MANAGE)
        if show_all:
            qs = RoutineOccurrence.objects.filter(campus=request.campus).filter(
                Q(date=today)
                | Q(date__lt=today, status=Status.PENDING)
                & (Q(window_end__gt=routines.missed_cutoff(now)) | Q(reopened_at__isnull=False))
            ).exclude(status=Status.CANCELLED).select_related(
                "template", "template__room", "template__building", "completed_by"
            )
        else:
            qs = routines.occurrences_for_user(user=request.user, roles=request.roles, campus=request.campus, now=now)
        rows = list(qs.order_by("window_start", "id")[: self.MAX_ROWS])

        def rank(o):
            if o.status == Status.PENDING:
                return (0 if o.window_end < now else 1, o.window_end if o.window_end < now else o.window_start)
            return (2, o.window_start)

        rows.sort(key=rank)
        for o in rows:
            o.can_complete = o.is_due and routines.may_complete(
                o, user=request.user, roles=request.roles, perms=request.perms
            )
            o.overdue = o.is_overdue
        term = Term.objects.filter(start_date__lte=today, end_date__gte=today).first()
        ctx.update(
            {
                "rows": rows,
                "today": today,
                "show_all": show_all,
                "can_manage": has_perm(request, MANAGE),
                "open_count": sum(1 for o in rows if o.status == Status.PENDING),
                "done_count": sum(1 for o in rows if o.status == Status.DONE),
                "overdue_count": sum(1 for o in rows if o.overdue),
                "term": term,
                "school_day": term.is_school_day(today) if term else False,
            }
        )
        return ctx


# =========================================================================================
# Completing a check
# =========================================================================================


class CompleteForm(CampusForm):
    """One set of fields per checklist item: ``item_<id>_passed|value|text|note``; photos
    come as ``item_<id>_photo`` files (several allowed) and ``photos`` for the whole check."""

    notes = forms.CharField(label=gettext_lazy("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, items=(), **kwargs):
        self.items = list(items)
        super().__init__(*args, **kwargs)
        Kind = RoutineItem.Kind
        for item in self.items:
            p = f"item_{item.pk}"
            if item.kind == Kind.PASS_FAIL:
                self.fields[f"{p}_passed"] = forms.ChoiceField(
                    choices=[("1", _("Pass")), ("0", _("Fail"))], required=False, widget=forms.RadioSelect
                )
            elif item.kind == Kind.VALUE:
                self.fields[f"{p}_value"] = forms.DecimalField(
                    required=False,
                    max_digits=10,
                    decimal_places=2,
                    widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                )
            elif item.kind == Kind.CHOICE:
                self.fields[f"{p}_text"] = forms.ChoiceField(
                    choices=[("", "—")] + [(c, c) for c in item.choices], required=False
                )
            else:
                self.fields[f"{p}_text"] = forms.CharField(
                    required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
                )
            self.fields[f"{p}_note"] = forms.CharField(
                required=False, max_length=300, widget=forms.TextInput(attrs={"placeholder": _("Note")})
            )
        self.style_fields()

    def results(self, files):
        out = []
        data = self.cleaned_data
        for item in self.items:
            p = f"item_{item.pk}"
            passed = data.get(f"{p}_passed")
            out.append(
                {
                    "item": item,
                    "passed": None if passed in (None, "") else passed == "1",
                    "value": data.get(f"{p}_value"),
                    "text": data.get(f"{p}_text") or "",
                    "note": data.get(f"{p}_note") or "",
                    "photos": files.getlist(f"{p}_photo"),
                }
            )
        return out

    def rows(self, extra_errors=None):
        """[(item, {field: bound field}, [errors])] for the template."""
        extra_errors = extra_errors or {}
        out = []
        for item in self.items:
            p = f"item_{item.pk}"
            fields = {}
            errors = []
            for name in ("passed", "value", "text", "note"):
                key = f"{p}_{name}"
                if key in self.fields:
                    fields[name] = self[key]
                    if self.is_bound and key in self.errors:
                        errors.extend(self.errors[key])
            errors.extend(extra_errors.get(p, []))
            out.append({"item": item, "fields": fields, "errors": errors, "prefix": p})
        return out


class OccurrenceMixin:
    def get_occurrence(self):
        return get_object_or_404(
            RoutineOccurrence.objects.filter(campus=self.request.campus).select_related(
                "template", "template__room", "template__building", "template__responsible_user", "completed_by"
            ),
            pk=self.kwargs["pk"],
        )


class RoutineCompleteView(OccurrenceMixin, CampusViewMixin, TemplateView):
    template_name = "core/routine_complete.html"
    permission_required = COMPLETE
    write_permission = COMPLETE

    def setup_occurrence(self):
        self.occurrence = occ = self.get_occurrence()
        if not routines.may_complete(occ, user=self.request.user, roles=self.request.roles, perms=self.request.perms):
            raise PermissionDenied
        self.items = list(RoutineItem.objects.filter(template_id=occ.template_id, is_active=True).order_by("order", "id"))

    def get_title(self):
        return self.occurrence.template.name

    def get(self, request, *args, **kwargs):
        self.setup_occurrence()
        if self.occurrence.status != Status.PENDING:
            messages.info(request, _("This check is %(status)s.") % {"status": self.occurrence.get_status_display()})
            return HttpResponseRedirect(_url(request, "core:occurrence_detail", pk=self.occurrence.pk))
        if not self.occurrence.is_due:
            messages.info(request, _("This check is not due yet."))
            return HttpResponseRedirect(_url(request, "core:occurrence_detail", pk=self.occurrence.pk))
        return self.render_to_response(self.get_context_data(form=CompleteForm(items=self.items, campus=request.campus)))

    def post(self, request, *args, **kwargs):
        self.setup_occurrence()
        form = CompleteForm(request.POST, items=self.items, campus=request.campus)
        extra = {}
        if form.is_valid():
            try:
                routines.occurrence_complete(
                    actor=request.user,
                    occurrence=self.occurrence,
                    results=form.results(request.FILES),
                    notes=form.cleaned_data.get("notes", ""),
                    photos=request.FILES.getlist("photos"),
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for key, errs in exc.message_dict.items():
                        if key.startswith("item_"):
                            extra[key] = errs
                        else:
                            form.add_error(None, errs)
                else:
                    form.add_error(None, exc.messages)
            else:
                failed = RoutineResult.objects.filter(occurrence=self.occurrence, passed=False, voided_at__isnull=True)
                n_failed = failed.count()
                if n_failed:
                    messages.warning(
                        request,
                        ngettext(
                            "Saved. %(n)s item failed: open its follow-up below.",
                            "Saved. %(n)s items failed: open a follow-up for each below.",
                            n_failed,
                        )
                        % {"n": n_failed},
                    )
                else:
                    messages.success(request, _("Saved. Every item passed."))
                return HttpResponseRedirect(_url(request, "core:occurrence_detail", pk=self.occurrence.pk) + "#results")
        if request.FILES:
            form.add_error(None, _("Choose the photos again: they are not kept when the form has errors."))
        return self.render_to_response(self.get_context_data(form=form, extra_errors=extra))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = kwargs["form"]
        ctx.update(
            {
                "occurrence": self.occurrence,
                "template": self.occurrence.template,
                "rows": form.rows(kwargs.get("extra_errors")),
                "cancel_url": _url(self.request, "core:routine_today"),
            }
        )
        return ctx


# =========================================================================================
# The record of checks
# =========================================================================================


def _templates(request):
    return RoutineTemplate.objects.all()


def _buildings(request):
    return Building.objects.all()


def _rooms(request):
    return Room.objects.all()


def _people(request):
    return campus_users(request.campus)


class DateInput(forms.DateInput):
    input_type = "date"


class OccurrenceFilter(CampusFilterSet):
    date_from = django_filters.DateFilter(
        label=gettext_lazy("From"), field_name="date", lookup_expr="gte", widget=DateInput
    )
    date_to = django_filters.DateFilter(label=gettext_lazy("To"), field_name="date", lookup_expr="lte", widget=DateInput)
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=Status.choices, empty_label=gettext_lazy("All")
    )
    template = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Routine"), queryset=_templates, empty_label=gettext_lazy("All")
    )
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("Category"),
        field_name="template__category",
        choices=CATEGORY_CHOICES,
        empty_label=gettext_lazy("All"),
    )
    building = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Building"),
        field_name="template__building",
        queryset=_buildings,
        empty_label=gettext_lazy("All"),
    )
    room = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Room"), field_name="template__room", queryset=_rooms, empty_label=gettext_lazy("All")
    )
    person = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Person"), queryset=_people, method="filter_person", empty_label=gettext_lazy("All")
    )
    failed = django_filters.BooleanFilter(
        label=gettext_lazy("With failed items"),
        method="filter_failed",
        widget=forms.Select(choices=[("", "—"), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]),
    )

    class Meta(CampusFilterSet.Meta):
        model = RoutineOccurrence
        fields = ["date_from", "date_to", "status", "template", "category", "building", "room", "person", "failed"]

    def filter_person(self, queryset, name, value):
        return queryset.filter(Q(completed_by=value) | Q(template__responsible_user=value))

    def filter_failed(self, queryset, name, value):
        if value is None:
            return queryset
        has = Q(failed_count__gt=0)
        return queryset.filter(has) if value else queryset.exclude(has)


def _window(o):
    start, end = timezone.localtime(o.window_start), timezone.localtime(o.window_end)
    if end.date() != start.date():
        return f"{start:%H:%M} – {end:%m-%d %H:%M}"
    return f"{start:%H:%M}–{end:%H:%M}"


class OccurrenceListView(ObjectListView):
    model = RoutineOccurrence
    url_base = "core:occurrence"
    permission_required = VIEW
    title = gettext_lazy("Check records")
    filterset_class = OccurrenceFilter
    search_fields = ("template__name",)
    pinyin_field = "template__name_pinyin"
    select_related = ("template", "template__room", "template__building", "template__responsible_user", "completed_by")
    ordering = ("-date", "window_start", "id")
    export_filename = "routine-checks"
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Routine"), "template.name", link=True),
        Column(gettext_lazy("Place"), "template.place_label"),
        Column(gettext_lazy("Responsible"), "template.responsible_label"),
        Column(gettext_lazy("Time window"), _window),
        Column(gettext_lazy("Status"), status_badge, export=False),
        Column(gettext_lazy("Completed by"), "completed_by"),
        Column(gettext_lazy("Completed at"), "completed_at"),
        Column(gettext_lazy("Failed items"), "failed_count"),
    ]
    export_columns = [
        Column(gettext_lazy("Date"), "date"),
        Column(gettext_lazy("Routine"), "template.name"),
        Column(gettext_lazy("Category"), "template.category_label"),
        Column(gettext_lazy("Place"), "template.place_label"),
        Column(gettext_lazy("Responsible"), "template.responsible_label"),
        Column(gettext_lazy("Time window"), _window),
        Column(gettext_lazy("Status"), lambda o: o.get_status_display()),
        Column(gettext_lazy("Completed by"), lambda o: str(o.completed_by) if o.completed_by_id else ""),
        Column(gettext_lazy("Completed at"), "completed_at"),
        Column(gettext_lazy("On time"), lambda o: o.on_time if o.status == Status.DONE else None),
        Column(gettext_lazy("Failed items"), "failed_count"),
        Column(gettext_lazy("Notes"), "notes"),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(failed_count=Count("results", filter=Q(results__passed=False, results__voided_at__isnull=True)))
        )


class OccurrenceDetailView(ObjectDetailView):
    model = RoutineOccurrence
    url_base = "core:occurrence"
    permission_required = VIEW
    write_permission = COMPLETE
    template_name = "core/routine_occurrence_detail.html"

    def get_queryset(self):
        return RoutineOccurrence.objects.select_related(
            "template", "template__room", "template__building", "template__responsible_user", "completed_by"
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        occ = self.object
        request = self.request
        results = list(
            RoutineResult.objects.filter(occurrence=occ)
            .select_related("item", "follow_up_type")
            .prefetch_related("follow_up")
            .order_by("voided_at", "item__order", "id")
        )
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(RoutineResult)
        photos: dict[str, list] = {}
        if results:
            for a in Attachment.objects.filter(
                content_type=ct, object_id__in=[str(r.pk) for r in results], voided_at__isnull=True
            ).order_by("created_at", "id"):
                photos.setdefault(a.object_id, []).append(a)
        actions = routines.fail_actions_for(request.perms)
        for r in results:
            r.photos = photos.get(str(r.pk), [])
            r.actions = actions if (r.passed is False and r.voided_at is None and not r.follow_up_id) else []
            r.follow_up_url = (
                attachables.object_url(r.follow_up, request.campus.code) if r.follow_up_id and r.follow_up else ""
            )
        ctx.update(
            {
                "results": [r for r in results if r.voided_at is None],
                "voided_results": [r for r in results if r.voided_at is not None],
                "failed_count": sum(1 for r in results if r.passed is False and r.voided_at is None),
                "can_complete": occ.is_due
                and routines.may_complete(occ, user=request.user, roles=request.roles, perms=request.perms),
                "can_void": occ.status == Status.DONE and has_perm(request, MANAGE),
                "list_url": _url(request, "core:occurrence_list"),
                "template_url": _url(request, "core:routine_detail", pk=occ.template_id),
                "status_badge": status_badge(occ),
                "can_write": ctx["can_write"] and occ.status != Status.CANCELLED,
            }
        )
        return ctx


class VoidForm(CampusForm):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class OccurrenceVoidView(OccurrenceMixin, CampusViewMixin, TemplateView):
    template_name = "core/routine_void.html"
    permission_required = MANAGE
    write_permission = MANAGE
    title = gettext_lazy("Void a completed check")

    def get(self, request, *args, **kwargs):
        self.occurrence = self.get_occurrence()
        return self.render_to_response(self.get_context_data(form=VoidForm(campus=request.campus)))

    def post(self, request, *args, **kwargs):
        self.occurrence = self.get_occurrence()
        form = VoidForm(request.POST, campus=request.campus)
        if form.is_valid():
            try:
                routines.occurrence_void(actor=request.user, occurrence=self.occurrence, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The check was voided; it can now be recorded again."))
                return HttpResponseRedirect(_url(request, "core:occurrence_detail", pk=self.occurrence.pk))
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["occurrence"] = self.occurrence
        ctx["cancel_url"] = _url(self.request, "core:occurrence_detail", pk=self.occurrence.pk)
        return ctx


class FailActionView(CampusViewMixin, TemplateView):
    """POST: open a follow-up (hazard, repair…) for a failed item, then go to it."""

    permission_required = COMPLETE
    write_permission = COMPLETE
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        result = get_object_or_404(
            RoutineResult.objects.filter(campus=request.campus).select_related("occurrence"), pk=kwargs["pk"]
        )
        action = routines.get_fail_action(kwargs["key"])
        if action is None:
            raise Http404
        if not has_perm(request, action.permission):
            raise PermissionDenied
        back = _url(request, "core:occurrence_detail", pk=result.occurrence_id)
        try:
            created = routines.fail_action_run(actor=request.user, result=result, key=action.key)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(back)
        messages.success(request, _("%(what)s opened: %(obj)s") % {"what": action.label, "obj": created})
        return HttpResponseRedirect(attachables.object_url(created, request.campus.code) or back)


# =========================================================================================
# Routines (templates) and their checklists
# =========================================================================================


class CategoryInput(forms.TextInput):
    """A text input suggesting the known categories (any key may be typed)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id', 'id_' + name)}-options"
        attrs["list"] = list_id
        html = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', ((k, v) for k, v in CATEGORY_CHOICES))
        return format_html('{}<datalist id="{}">{}</datalist>', html, list_id, options)


class RoutineTemplateForm(CampusModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    term_points = forms.MultipleChoiceField(
        label=gettext_lazy("Points of the term"),
        choices=TERM_POINT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta(CampusModelForm.Meta):
        model = RoutineTemplate
        fields = [
            "name",
            "category",
            "description",
            "building",
            "room",
            "zone",
            "responsible_role",
            "responsible_user",
            "window_start",
            "window_end",
            "grace_days",
            "frequency",
            "weekdays",
            "interval_weeks",
            "weekday",
            "anchor_date",
            "month_day",
            "nth",
            "month",
            "term_points",
            "offset_days",
            "school_days_only",
            "auto_follow_up",
            "is_active",
        ]
        widgets = {
            "category": CategoryInput,
            "description": forms.Textarea(attrs={"rows": 2}),
            "window_start": forms.TimeInput,
            "window_end": forms.TimeInput,
            "anchor_date": forms.DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        roles = [(str(r), label) for r, label in Role.choices if r not in (Role.PARENT, Role.SUPERVISOR)]
        self.fields["responsible_role"].choices = [("", "—")] + roles
        self.fields["room"].queryset = self.fields["room"].queryset.select_related("building")
        self.fields["auto_follow_up"] = forms.ChoiceField(
            label=self.fields["auto_follow_up"].label,
            help_text=self.fields["auto_follow_up"].help_text,
            required=False,
            choices=[("", "—")] + [(a.key, a.label) for a in routines.fail_actions()],
        )


def _split_choices(text):
    import re

    return [c.strip() for c in re.split(r"[/、,，;；\n]+", text or "") if c.strip()]


class RoutineItemForm(CampusModelForm):
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("For a choice item: the options, separated by /."),
    )
    failing_choices = forms.CharField(
        label=gettext_lazy("Choices that fail"), required=False, max_length=500
    )

    class Meta(CampusModelForm.Meta):
        model = RoutineItem
        fields = [
            "order",
            "label",
            "kind",
            "unit",
            "min_value",
            "max_value",
            "choices",
            "failing_choices",
            "required",
            "photo_required",
            "fail_hint",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["choices"] = " / ".join(self.instance.choices or [])
            self.initial["failing_choices"] = " / ".join(self.instance.failing_choices or [])
        self.fields["order"].widget.attrs["style"] = "max-width: 5rem"

    def clean_choices(self):
        return _split_choices(self.cleaned_data.get("choices"))

    def clean_failing_choices(self):
        return _split_choices(self.cleaned_data.get("failing_choices"))

    def has_changed(self):
        # The lists differ from the text the user saw; compare what they mean.
        changed = [
            name
            for name in self.changed_data
            if name not in ("choices", "failing_choices")
            or _split_choices(self.data.get(self.add_prefix(name), "")) != list(getattr(self.instance, name) or [])
        ]
        return bool(changed)


def item_formset(extra):
    return inlineformset_factory(
        RoutineTemplate,
        RoutineItem,
        form=RoutineItemForm,
        fields=RoutineItemForm.Meta.fields,
        extra=extra,
        min_num=1,
        validate_min=True,
        max_num=60,
        validate_max=True,
        can_delete=True,
    )


class TemplateFilter(CampusFilterSet):
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("Category"), choices=CATEGORY_CHOICES, empty_label=gettext_lazy("All")
    )
    frequency = django_filters.ChoiceFilter(
        label=gettext_lazy("Frequency"), choices=RoutineTemplate.Frequency.choices, empty_label=gettext_lazy("All")
    )
    responsible_role = django_filters.ChoiceFilter(
        label=gettext_lazy("Responsible role"), choices=Role.choices, empty_label=gettext_lazy("All")
    )
    is_active = django_filters.BooleanFilter(
        label=gettext_lazy("Active"),
        widget=forms.Select(choices=[("", "—"), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]),
    )

    class Meta(CampusFilterSet.Meta):
        model = RoutineTemplate
        fields = ["category", "frequency", "responsible_role", "is_active"]


class RoutineMixin:
    model = RoutineTemplate
    url_base = "core:routine"
    permission_required = VIEW
    write_permission = MANAGE


class RoutineListView(RoutineMixin, ObjectListView):
    title = gettext_lazy("Routines")
    filterset_class = TemplateFilter
    search_fields = ("name",)
    select_related = ("room", "building", "responsible_user")
    ordering = ("category", "name")
    create_label = gettext_lazy("New routine")
    export_filename = "routines"
    template_name = "core/routine_list.html"
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Category"), "category_label"),
        Column(gettext_lazy("Frequency"), "frequency_label"),
        Column(gettext_lazy("Time window"), "window_label"),
        Column(gettext_lazy("Place"), "place_label"),
        Column(gettext_lazy("Responsible"), "responsible_label"),
        Column(gettext_lazy("Items"), "item_count"),
        Column(gettext_lazy("Active"), "is_active"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(item_count=Count("items", filter=Q(items__is_active=True)))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["library_url"] = _url(self.request, "core:routine_library")
        return ctx


class RoutineDetailView(RoutineMixin, ObjectDetailView):
    template_name = "core/routine_detail.html"

    def get_queryset(self):
        return RoutineTemplate.objects.select_related("room", "building", "responsible_user")

    def detail_fields(self):
        t = self.object
        return [
            (_("Category"), t.category_label),
            (_("Frequency"), t.frequency_label),
            (_("Time window"), t.window_label),
            (_("Days allowed"), t.grace_days),
            (_("School days only"), _("Yes") if t.school_days_only else _("No")),
            (_("Place"), t.place_label),
            (_("Responsible"), t.responsible_label),
            (_("Description"), t.description),
            (_("From the library"), routine_library.get(t.library_key).name if routine_library.get(t.library_key) else ""),
            (_("Active"), _("Yes") if t.is_active else _("No")),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        t = self.object
        today = timezone.localdate()
        ctx["items"] = RoutineItem.objects.filter(template=t, is_active=True).order_by("order", "id")
        ctx["upcoming"] = list(
            RoutineOccurrence.objects.filter(template=t, date__gte=today)
            .exclude(status=Status.CANCELLED)
            .order_by("date")[:10]
        )
        since = today - dt.timedelta(days=30)
        ctx["stats"] = RoutineOccurrence.objects.filter(template=t, date__gte=since, date__lt=today).aggregate(
            done=Count("id", filter=Q(status=Status.DONE)),
            missed=Count("id", filter=Q(status=Status.MISSED)),
        )
        ctx["records_url"] = _url(self.request, "core:occurrence_list") + f"?template={t.pk}"
        ctx["delete_url"] = None
        return ctx


class RoutineFormView(RoutineMixin, ObjectFormView):
    """Create or edit a routine with its checklist (one transaction, every row audited)."""

    form_class = RoutineTemplateForm
    template_name = "core/routine_form.html"

    def get_formset(self, template):
        FormSet = item_formset(extra=3 if self.is_create else 1)
        kwargs = {
            "instance": template,
            "prefix": "items",
            "form_kwargs": {"campus": self.request.campus},
            "queryset": RoutineItem.objects.filter(is_active=True).order_by("order", "id"),
        }
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return FormSet(**kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "formset" not in ctx:
            ctx["formset"] = self.get_formset(ctx["form"].instance)
        form = ctx["form"]
        used_by: dict[str, list[str]] = {}
        for freq, names in FREQUENCY_FIELDS.items():
            for name in names:
                used_by.setdefault(name, []).append(freq)
        ctx["sections"] = [
            (title, [(form[name], " ".join(used_by.get(name, []))) for name in names])
            for title, names in FORM_SECTIONS
        ]
        return ctx

    def post(self, request, *args, **kwargs):
        if not self.is_create:
            self.object = self.get_object()
        self.before = audit.snapshot(self.object) if self.object is not None else None
        items_before = (
            {i.pk: audit.snapshot(i) for i in RoutineItem.objects.filter(template=self.object)}
            if self.object is not None
            else {}
        )
        form = self.get_form()
        formset = self.get_formset(form.instance)
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if form_ok and formset_ok:
            try:
                self.object = self.save_all(form, formset, items_before)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    @transaction.atomic
    def save_all(self, form, formset, items_before):
        actor, campus = self.request.user, self.request.campus
        template = form.save(commit=False)
        items, removed = [], []
        for iform in formset.forms:
            if formset._should_delete_form(iform):
                if iform.instance.pk:
                    removed.append(iform.instance)
                continue
            if not iform.has_changed():
                continue
            items.append(iform.save(commit=False))
        if self.is_create:
            return routines.routine_template_create(actor=actor, campus=campus, template=template, items=items)
        return routines.routine_template_update(
            actor=actor,
            template=template,
            before=self.before,
            items=items,
            items_before=items_before,
            removed_items=removed,
        )


FORM_SECTIONS = [
    (gettext_lazy("Routine"), ["name", "category", "description", "is_active"]),
    (
        gettext_lazy("Place and responsibility"),
        ["building", "room", "zone", "responsible_role", "responsible_user", "auto_follow_up"],
    ),
    (
        gettext_lazy("When"),
        [
            "frequency",
            "weekdays",
            "interval_weeks",
            "weekday",
            "anchor_date",
            "month_day",
            "nth",
            "month",
            "term_points",
            "offset_days",
            "window_start",
            "window_end",
            "grace_days",
            "school_days_only",
        ],
    ),
]

# Which frequency fields each frequency uses (the form shows only those).
FREQUENCY_FIELDS = {
    "daily": [],
    "weekdays": ["weekdays"],
    "every_n_weeks": ["interval_weeks", "weekday", "anchor_date"],
    "monthly_day": ["month_day"],
    "monthly_nth_weekday": ["nth", "weekday"],
    "termly": ["term_points", "offset_days"],
    "yearly": ["month", "month_day"],
    "term_start": ["offset_days"],
    "term_end": ["offset_days"],
}


# =========================================================================================
# The library
# =========================================================================================


class RoutineLibraryView(CampusViewMixin, TemplateView):
    template_name = "core/routine_library.html"
    permission_required = VIEW
    write_permission = MANAGE
    title = gettext_lazy("Routine library")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campus = self.request.campus
        enabled = routines.enabled_library_keys(campus)
        groups: dict[str, list] = {}
        labels = dict(CATEGORY_CHOICES)
        for entry in routine_library.LIBRARY:
            template, items = routines.library_template(entry, campus)
            groups.setdefault(entry.category, []).append(
                {"entry": entry, "template": template, "items": items, "enabled": entry.key in enabled}
            )
        ctx["groups"] = [(labels.get(cat, cat), rows) for cat, rows in groups.items()]
        ctx["enabled_count"] = len(enabled & set(routine_library.BY_KEY))
        ctx["total"] = len(routine_library.LIBRARY)
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        ctx["error"] = kwargs.get("error")
        return ctx

    def post(self, request, *args, **kwargs):
        keys = request.POST.getlist("keys")
        try:
            created = routines.routine_enable_from_library(actor=request.user, campus=request.campus, library_keys=keys)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(error=" ".join(exc.messages)))
        if created:
            messages.success(
                request,
                _("%(n)s routines enabled; their checks for the next days are planned. Adjust them as needed.")
                % {"n": len(created)},
            )
        else:
            messages.info(request, _("These routines were already enabled."))
        return HttpResponseRedirect(_url(request, "core:routine_list"))


# =========================================================================================
# Report
# =========================================================================================


class ReportForm(CampusForm):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput)
    date_to = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput)
    by = forms.ChoiceField(label=gettext_lazy("Group by"), choices=list(routines.REPORT_GROUPS.items()))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date must not be before the start date."))
        if data.get("date_from") and data.get("date_to") and (data["date_to"] - data["date_from"]).days > 800:
            self.add_error("date_from", _("Choose at most two years."))
        return data


class RoutineReportView(CampusViewMixin, TemplateView):
    template_name = "core/routine_report.html"
    permission_required = VIEW
    title = gettext_lazy("Routine completion rates")

    def default_range(self):
        today = timezone.localdate()
        term = Term.objects.filter(start_date__lte=today, end_date__gte=today).first()
        return (term.start_date if term else today - dt.timedelta(days=30)), today

    def get(self, request, *args, **kwargs):
        start, end = self.default_range()
        data = {"date_from": start, "date_to": end, "by": "routine"}
        if any(k in request.GET for k in ("date_from", "date_to", "by")):
            data = {**{k: str(v) for k, v in data.items()}, **request.GET.dict()}
        form = ReportForm(data, campus=request.campus)
        report = None
        if form.is_valid():
            report = routines.routine_report(
                campus=request.campus,
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                by=form.cleaned_data["by"],
            )
            if request.GET.get("export") == "xlsx":
                if not has_perm(request, "core.export"):
                    raise PermissionDenied
                return self.export(report)
        return self.render_to_response(self.get_context_data(form=form, report=report))

    def export(self, report):
        from houqin.core.exports import xlsx_response

        group_label = str(routines.REPORT_GROUPS[report["by"]])
        columns = [
            (group_label, "label"),
            (_("Due"), "total"),
            (_("Done"), "done"),
            (_("On time"), "on_time"),
            (_("Late"), "late"),
            (_("Missed"), "missed"),
            (_("Still open"), "open"),
            (_("Failed items"), "failed"),
            (_("Completion rate (%)"), "rate"),
            (_("On-time rate (%)"), "on_time_rate"),
        ]
        title = f"{_('Routine completion rates')} {report['date_from']:%Y-%m-%d}–{report['date_to']:%Y-%m-%d}"
        return xlsx_response(
            filename=f"routine-report-{self.request.campus.display_name}.xlsx",
            title=title,
            columns=columns,
            rows=report["rows"] + [{**report["totals"], "label": _("Total")}],
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        if report:
            ctx["chart"] = [
                {"name": r["label"], "rate": r["rate"], "on_time": r["on_time_rate"]}
                for r in report["rows"]
                if r["rate"] is not None
            ][:40]
            ctx["group_label"] = routines.REPORT_GROUPS[report["by"]]
            params = self.request.GET.copy()
            params.pop("export", None)
            ctx["querystring"] = params.urlencode()
            ctx["can_export"] = has_perm(self.request, "core.export")
        return ctx


urlpatterns = [
    path("routines/today/", RoutineTodayView.as_view(), name="routine_today"),
    path("routines/library/", RoutineLibraryView.as_view(), name="routine_library"),
    path("routines/report/", RoutineReportView.as_view(), name="routine_report"),
    path("routines/checks/", OccurrenceListView.as_view(), name="occurrence_list"),
    path("routines/checks/<int:pk>/", OccurrenceDetailView.as_view(), name="occurrence_detail"),
    path("routines/checks/<int:pk>/complete/", RoutineCompleteView.as_view(), name="routine_complete"),
    path("routines/checks/<int:pk>/void/", OccurrenceVoidView.as_view(), name="occurrence_void"),
    path(
        "routines/results/<int:pk>/follow-up/<slug:key>/", FailActionView.as_view(), name="routine_fail_action"
    ),
    *crud_urls(
        "routines/templates",
        "routine",
        list_view=RoutineListView,
        create_view=RoutineFormView,
        detail_view=RoutineDetailView,
        update_view=RoutineFormView,
    ),
]
