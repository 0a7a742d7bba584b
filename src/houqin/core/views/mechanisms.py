"""Pages of the shared mechanisms, all under /c/<campus>/:

approvals (inbox, detail with the signed timeline, decide, withdraw, flow configuration),
general requests (通用申请) with their print view, the notification inbox, webhooks, the
audit log, the rule settings, public notices (公示) and attachments.

Views are thin: they check access (the campus middleware has already answered 404 to
outsiders and runs the request in the campus scope), then call the services in
``core.approvals``, ``core.requests_services``, ``core.notifications``,
``core.attachments``, ``core.settings_services`` and ``core.services``.
"""

import datetime as dt

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.forms import formset_factory
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import linebreaksbr
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import approvals, attachables, audit, notifications, requests_services
from houqin.core import attachments as attachment_services
from houqin.core.forms import CampusForm, CampusModelForm, StyledFormMixin, campus_users
from houqin.core.models import (
    ApprovalFlow,
    ApprovalRequest,
    Attachment,
    AuditEvent,
    GeneralRequest,
    Notification,
    PublicNotice,
    WebhookDelivery,
    WebhookEndpoint,
)
from houqin.core.permissions import campus_view, has_perm
from houqin.core.roles import Role
from houqin.core.services import object_save
from houqin.core.settings_registry import all_settings, campus_setting
from houqin.core.settings_services import campus_settings_update
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    crud_urls,
)

# --- Helpers ------------------------------------------------------------------------------

STATUS_COLOURS = {
    "draft": "secondary",
    "pending": "yellow",
    "approved": "green",
    "rejected": "red",
    "withdrawn": "secondary",
    "sent": "green",
    "failed": "red",
}


def status_badge(value, label):
    return format_html(
        '<span class="badge bg-{}-lt" data-status="{}">{}</span>',
        STATUS_COLOURS.get(value, "secondary"),
        value,
        label,
    )


def local(value):
    """Aware datetimes in the local time zone (the ``cell`` filter formats them as given)."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def local_attr(name):
    return lambda obj: local(getattr(obj, name))


class LocalTimesMixin:
    """Detail fields with datetimes shown in local time."""

    def detail_fields(self):
        return [(label, local(value)) for label, value in super().detail_fields()]


def campus_reverse(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def safe_next(request, fallback):
    """The ``next`` parameter when it points into this campus, else ``fallback``."""
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if (
        nxt.startswith(f"/c/{request.campus.code}/")
        and "//" not in nxt
        and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=False)
    ):
        return nxt
    return fallback


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def kind_label(kind):
    try:
        return approvals.get_kind(kind).label
    except ValueError:
        return kind


def style_filter_form(filterset):
    """Give a django-filter form the Tabler widget classes."""
    StyledFormMixin.style_fields(filterset.form)
    return filterset


class DateRangeMixin(django_filters.FilterSet):
    """``date_from`` / ``date_to`` on ``created_at`` as local-day bounds (index friendly)."""

    date_from = django_filters.DateFilter(label=gettext_lazy("From"), method="filter_date_from")
    date_to = django_filters.DateFilter(label=gettext_lazy("To"), method="filter_date_to")

    def filter_date_from(self, qs, name, value):
        start = timezone.make_aware(dt.datetime.combine(value, dt.time.min))
        return qs.filter(created_at__gte=start)

    def filter_date_to(self, qs, name, value):
        end = timezone.make_aware(dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min))
        return qs.filter(created_at__lt=end)


# --- Approvals: timeline ------------------------------------------------------------------


def approval_timeline(approval):
    """The frozen plan as a list of steps with who signed when, plus submit/withdraw entries.

    Uses ``approval.actions.all()`` (prefetch ``actions__actor`` for lists).
    """
    actions = list(approval.actions.all())
    submitted = next((a for a in actions if a.decision == "submit"), None)
    withdrawn = next((a for a in actions if a.decision == "withdraw"), None)
    signed = {a.step_order: a for a in actions if a.decision in ("approve", "reject")}
    pending = approval.status == ApprovalRequest.Status.PENDING
    steps = []
    for index, step in enumerate(approval.plan or []):
        action = signed.get(step.get("order"))
        if action is not None:
            state = action.decision  # approve / reject
        elif pending and index == approval.current_index:
            state = "current"
        elif pending:
            state = "waiting"
        else:
            state = "skipped"
        steps.append(
            {
                "order": step.get("order"),
                "name": step.get("name", ""),
                "role": step.get("role", ""),
                "role_label": approvals.role_label(step.get("role", "")),
                "state": state,
                "action": action,
            }
        )
    return {"approval": approval, "submitted": submitted, "withdrawn": withdrawn, "steps": steps}


# --- Approvals: inbox ---------------------------------------------------------------------


class ApprovalFilter(DateRangeMixin):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=ApprovalRequest.Status.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("Document kind"), choices=[])

    class Meta:
        model = ApprovalRequest
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["kind"].extra["choices"] = [(k.kind, k.label) for k in approvals.all_kinds()]
        style_filter_form(self)


class ApprovalInboxView(ObjectListView):
    model = ApprovalRequest
    url_base = "core:approval"
    permission_required = "core.view_approvals"
    template_name = "core/mech_approval_inbox.html"
    filterset_class = ApprovalFilter
    search_fields = ("title",)
    pinyin_field = ""
    title = gettext_lazy("Approvals")
    export_filename = gettext_lazy("Approvals")
    TABS = ("mine", "submitted", "all")

    columns = [
        Column(gettext_lazy("Title"), "title", link=True),
        Column(gettext_lazy("Document kind"), lambda a: kind_label(a.kind)),
        Column(gettext_lazy("Amount (yuan)"), "amount", css="text-end"),
        Column(gettext_lazy("Requested by"), "requested_by"),
        Column(gettext_lazy("Submitted"), local_attr("created_at")),
        Column(
            gettext_lazy("Status"), lambda a: status_badge(a.status, a.get_status_display()), export=False
        ),
        Column(
            gettext_lazy("Waiting for"),
            lambda a: (
                f"{a.current_step['name']} ({approvals.role_label(a.current_role)})" if a.current_step else ""
            ),
        ),
    ]
    export_columns = [c for c in columns if c.export] + [
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Decided at"), local_attr("decided_at")),
    ]

    def dispatch(self, request, *args, **kwargs):
        self.tab = request.GET.get("tab") if request.GET.get("tab") in self.TABS else "mine"
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        user, campus = self.request.user, self.request.campus
        if self.tab == "mine":
            return approvals.pending_for(user, campus)
        qs = approvals.visible_to(
            user, campus, see_all=has_perm(self.request, "core.view_all_approvals")
        ).select_related("requested_by", "flow")
        if self.tab == "submitted":
            qs = qs.filter(requested_by=user)
        return qs.order_by("-created_at", "-id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tab"] = self.tab
        ctx["waiting_count"] = (
            ctx["paginator"].count
            if self.tab == "mine"
            else approvals.pending_for(self.request.user, self.request.campus).count()
        )
        ctx["tabs"] = [
            ("mine", _("Waiting for me")),
            ("submitted", _("Submitted by me")),
            (
                "all",
                _("All of the campus")
                if has_perm(self.request, "core.view_all_approvals")
                else _("All I took part in"),
            ),
        ]
        return ctx


class ApprovalDetailView(CampusViewMixin, TemplateView):
    model = ApprovalRequest
    permission_required = "core.view_approvals"
    template_name = "core/mech_approval_detail.html"

    def get(self, request, *args, **kwargs):
        visible = approvals.visible_to(
            request.user, request.campus, see_all=has_perm(request, "core.view_all_approvals")
        )
        self.object = get_object_or_404(
            visible.select_related("requested_by", "flow", "content_type").prefetch_related("actions__actor"),
            pk=kwargs["pk"],
        )
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return self.object.title

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        approval = self.object
        try:
            target = approval.target
        except Exception:  # the document was removed or its app is not installed
            target = None
        user = self.request.user
        ctx.update(
            {
                "approval": approval,
                "kind_label": kind_label(approval.kind),
                "target": target,
                "target_url": attachables.object_url(target, self.request.campus.code)
                if target is not None
                else "",
                "timeline": approval_timeline(approval),
                "can_decide": approvals.can_decide(user, approval),
                "can_withdraw": approval.status == ApprovalRequest.Status.PENDING
                and approval.requested_by_id == user.pk,
                "other_rounds": ApprovalRequest.objects.filter(
                    content_type_id=approval.content_type_id, object_id=approval.object_id
                )
                .exclude(pk=approval.pk)
                .order_by("-created_at")[:20],
                "decide_form": DecideForm(),
            }
        )
        return ctx


class DecideForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[(approvals.APPROVE, gettext_lazy("Approve")), (approvals.REJECT, gettext_lazy("Reject"))],
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea, max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@campus_view("core.view_approvals")
@require_POST
def approval_decide(request, campus, pk):
    approval = get_object_or_404(ApprovalRequest, pk=pk)
    form = DecideForm(request.POST)
    detail = campus_reverse(request, "core:approval_detail", pk=approval.pk)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return HttpResponseRedirect(detail)
    decision = form.cleaned_data["decision"]
    try:
        approvals.decide(
            actor=request.user, approval=approval, decision=decision, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:  # PermissionDenied (wrong role, own request) becomes a 403
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(detail)
    if decision == approvals.APPROVE:
        messages.success(request, _("Approved: %(title)s") % {"title": approval.title})
    else:
        messages.success(request, _("Rejected: %(title)s") % {"title": approval.title})
    return HttpResponseRedirect(safe_next(request, detail))


@campus_view("core.view_approvals")
@require_POST
def approval_withdraw(request, campus, pk):
    approval = get_object_or_404(ApprovalRequest, pk=pk)
    detail = campus_reverse(request, "core:approval_detail", pk=approval.pk)
    try:
        approvals.withdraw(
            actor=request.user, approval=approval, comment=request.POST.get("comment", "")[:2000]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return HttpResponseRedirect(detail)
    messages.success(request, _("The request was withdrawn."))
    return HttpResponseRedirect(safe_next(request, detail))


# --- Approvals: flows ---------------------------------------------------------------------


def _default_steps(spec, campus):
    out = []
    for name, role, min_amount in spec.default_steps:
        if callable(min_amount):
            min_amount = min_amount(campus)
        out.append({"name": str(name), "role": role, "min_amount": min_amount})
    return out


class FlowListView(CampusViewMixin, TemplateView):
    permission_required = "core.manage_approval_flows"
    template_name = "core/mech_flow_list.html"
    title = gettext_lazy("Approval flows")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campus = self.request.campus
        flows = {f.kind: f for f in ApprovalFlow.objects.prefetch_related("steps")}
        rows = []
        for spec in approvals.all_kinds():
            flow = flows.pop(spec.kind, None)
            if flow is not None:
                steps = [
                    {"name": s.name, "role": s.role, "min_amount": s.min_amount} for s in flow.steps.all()
                ]
            else:
                steps = _default_steps(spec, campus)
            for s in steps:
                s["role_label"] = approvals.role_label(s["role"])
            rows.append(
                {"kind": spec.kind, "label": spec.label, "flow": flow, "steps": steps, "editable": True}
            )
        for flow in flows.values():  # flows of kinds no installed app registers any more
            steps = [
                {
                    "name": s.name,
                    "role": s.role,
                    "role_label": approvals.role_label(s.role),
                    "min_amount": s.min_amount,
                }
                for s in flow.steps.all()
            ]
            rows.append(
                {"kind": flow.kind, "label": flow.name, "flow": flow, "steps": steps, "editable": False}
            )
        ctx["rows"] = rows
        return ctx


DECIDING_ROLE_CHOICES = [(r.value, r.label) for r in Role if r.value not in approvals.NON_DECIDING_ROLES]


class StepForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Step name"), max_length=60)
    role = forms.ChoiceField(label=gettext_lazy("Signed by"), choices=DECIDING_ROLE_CHOICES)
    min_amount = forms.DecimalField(
        label=gettext_lazy("From amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("Empty: the step always applies."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


class BaseStepFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)  # ORDER and DELETE come after the form's own styling
        form.fields["ORDER"].widget.attrs.update({"class": "form-control", "min": 1, "inputmode": "numeric"})
        form.fields["DELETE"].widget.attrs.update({"class": "form-check-input"})

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for i, form in enumerate(self.forms)
            if not self._should_delete_form(form) and (i < self.initial_form_count() or form.has_changed())
        ]
        if not kept:
            raise ValidationError(
                _(
                    "Keep at least one step. To let documents through without sign-off, switch the flow off instead."
                )
            )


StepFormSet = formset_factory(StepForm, formset=BaseStepFormSet, extra=1, can_order=True, can_delete=True)


class FlowForm(CampusModelForm):
    class Meta:
        model = ApprovalFlow
        fields = ["name", "is_active", "allow_self_approval"]


class FlowUpdateView(CampusViewMixin, TemplateView):
    permission_required = "core.manage_approval_flows"
    write_permission = "core.manage_approval_flows"
    template_name = "core/mech_flow_form.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.spec = None
        self.flow = None

    def load(self):
        try:
            self.spec = approvals.get_kind(self.kwargs["kind"])
        except ValueError:
            raise Http404
        self.flow = ApprovalFlow.objects.filter(kind=self.spec.kind).first()

    def get_title(self):
        return _("Approval flow: %(kind)s") % {"kind": self.spec.label}

    def build_forms(self, data=None):
        campus = self.request.campus
        if self.flow is not None:
            instance = self.flow
            initial = [
                {"name": s.name, "role": s.role, "min_amount": s.min_amount, "ORDER": s.order}
                for s in self.flow.steps.all()
            ]
        else:
            instance = ApprovalFlow(campus=campus, kind=self.spec.kind, name=str(self.spec.label)[:80])
            initial = [{**s, "ORDER": i} for i, s in enumerate(_default_steps(self.spec, campus), start=1)]
        return FlowForm(data, instance=instance, campus=campus), StepFormSet(
            data, initial=initial, prefix="steps"
        )

    def get(self, request, *args, **kwargs):
        self.load()
        flow_form, formset = self.build_forms()
        return self.render_to_response(self.get_context_data(flow_form=flow_form, formset=formset))

    def post(self, request, *args, **kwargs):
        self.load()
        flow_form, formset = self.build_forms(request.POST)
        if flow_form.is_valid() and formset.is_valid():
            steps = [
                {
                    "name": f.cleaned_data["name"],
                    "role": f.cleaned_data["role"],
                    "min_amount": f.cleaned_data["min_amount"],
                }
                for f in formset.ordered_forms
            ]
            try:
                with transaction.atomic():
                    flow = approvals.flow_for(request.campus, self.spec.kind, actor=request.user)
                    before = audit.snapshot(flow)
                    for name in FlowForm.Meta.fields:
                        setattr(flow, name, flow_form.cleaned_data[name])
                    object_save(actor=request.user, instance=flow, before=before)
                    approvals.flow_set_steps(actor=request.user, flow=flow, steps=steps)
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(
                    request, _("The approval flow was saved. Requests already submitted keep their steps.")
                )
                return HttpResponseRedirect(campus_reverse(request, "core:flow_list"))
        return self.render_to_response(self.get_context_data(flow_form=flow_form, formset=formset))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["spec"] = self.spec
        ctx["flow"] = self.flow
        ctx["cancel_url"] = campus_reverse(self.request, "core:flow_list")
        return ctx


# --- General requests ---------------------------------------------------------------------


class RequestAccessMixin:
    """Requests are open to their requester (core.create_requests) and to holders of
    core.view_all_approvals (every request of the campus)."""

    model = GeneralRequest
    url_base = "core:request"
    permission_required = "core.create_requests"
    alternative_permission = "core.view_all_approvals"

    def dispatch(self, request, *args, **kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS") and not has_perm(request, self.permission_required):
            if has_perm(request, self.alternative_permission):
                self.permission_required = self.alternative_permission
        return super().dispatch(request, *args, **kwargs)

    def sees_all(self):
        return has_perm(self.request, "core.view_all_approvals")

    def get_queryset(self):
        qs = GeneralRequest.objects.select_related("requested_by")
        if not self.sees_all():
            qs = qs.filter(requested_by=self.request.user)
        return qs


class RequestFilter(DateRangeMixin):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=GeneralRequest.Status.choices)
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("Category"), choices=GeneralRequest.Category.choices
    )
    mine = django_filters.BooleanFilter(
        label=gettext_lazy("Only mine"), method="filter_mine", widget=forms.CheckboxInput
    )

    class Meta:
        model = GeneralRequest
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self)

    def filter_mine(self, qs, name, value):
        return qs.filter(requested_by=self.request.user) if value else qs


class RequestListView(RequestAccessMixin, ObjectListView):
    write_permission = "core.create_requests"
    template_name = "core/mech_request_list.html"
    filterset_class = RequestFilter
    search_fields = ("number", "title")
    pinyin_field = ""
    title = gettext_lazy("General requests")
    create_label = gettext_lazy("New request")
    ordering = ("-created_at", "-id")
    columns = [
        Column(gettext_lazy("Number"), "number", link=True, css="text-nowrap"),
        Column(gettext_lazy("Title"), "title", link=True),
        Column(gettext_lazy("Category"), "get_category_display"),
        Column(gettext_lazy("Amount (yuan)"), "amount", css="text-end"),
        Column(
            gettext_lazy("Status"), lambda r: status_badge(r.status, r.get_status_display()), export=False
        ),
        Column(gettext_lazy("Requested by"), "requested_by"),
        Column(gettext_lazy("Created"), local_attr("created_at")),
    ]
    export_columns = [c for c in columns if c.export] + [
        Column(gettext_lazy("Status"), "get_status_display"),
        Column(gettext_lazy("Details"), "description"),
    ]


class RequestForm(CampusModelForm):
    class Meta:
        model = GeneralRequest
        fields = list(requests_services.EDITABLE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}


def _request_data(form):
    return {name: form.cleaned_data.get(name) for name in requests_services.EDITABLE_FIELDS}


class RequestFormView(RequestAccessMixin, ObjectFormView):
    form_class = RequestForm
    write_permission = "core.create_requests"
    template_name = "core/mech_request_form.html"

    def get_queryset(self):
        # Only the requester edits a request.
        return GeneralRequest.objects.filter(requested_by=self.request.user)

    def get_object(self):
        obj = super().get_object()
        if obj.status not in requests_services.EDITABLE_STATUSES:
            raise PermissionDenied
        return obj

    @transaction.atomic
    def save_object(self, form, instance, before):
        if self.is_create:
            obj = requests_services.general_request_create(
                actor=self.request.user, campus=self.request.campus, data=_request_data(form)
            )
        else:
            obj = requests_services.general_request_update(
                actor=self.request.user, general_request=self.object, data=_request_data(form)
            )
        if "submit" in self.request.POST:
            approval = requests_services.general_request_submit(actor=self.request.user, general_request=obj)
            self.submitted = approval
        return obj

    def form_valid(self, form):
        self.submitted = None
        response = super().form_valid(form)
        if self.submitted is not None:
            messages.success(self.request, _submitted_message(self.submitted))
        return response


def _submitted_message(approval):
    step = approval.current_step
    if step is None:
        return _("Submitted; no approval step applies, so it is approved.")
    return _("Submitted for approval; waiting for %(step)s (%(role)s).") % {
        "step": step["name"],
        "role": approvals.role_label(step["role"]),
    }


class RequestDetailView(RequestAccessMixin, ObjectDetailView):
    template_name = "core/mech_request_detail.html"
    fields = ("number", "title", "category", "amount", "description", "status", "requested_by")

    def get_object(self):
        obj = super().get_object()
        if not attachables.may_view(self.request, obj):
            raise PermissionDenied
        return obj

    def detail_fields(self):
        r = self.object
        return [
            (_("Number"), r.number),
            (_("Title"), r.title),
            (_("Category"), r.get_category_display()),
            (_("Amount (yuan)"), r.amount),
            (_("Status"), status_badge(r.status, r.get_status_display())),
            (_("Requested by"), r.requested_by),
            (_("Created"), local(r.created_at)),
            (_("Details"), linebreaksbr(r.description, autoescape=True)),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        user = self.request.user
        is_requester = obj.requested_by_id == user.pk
        rounds = list(approvals.requests_for(obj))
        ctx.update(
            {
                "can_write": attachables.may_write(self.request, obj),
                "update_url": self.url("update", pk=obj.pk)
                if is_requester and obj.status in requests_services.EDITABLE_STATUSES
                else None,
                "delete_url": None,
                "can_submit": is_requester
                and obj.status in requests_services.EDITABLE_STATUSES
                and has_perm(self.request, "core.create_requests"),
                "can_withdraw": is_requester and obj.status == GeneralRequest.Status.PENDING,
                "rounds": [approval_timeline(a) for a in rounds],
                "print_url": self.url("print", pk=obj.pk),
            }
        )
        return ctx


@campus_view("core.create_requests")
@require_POST
def request_submit(request, campus, pk):
    obj = get_object_or_404(GeneralRequest, pk=pk, requested_by=request.user)
    detail = campus_reverse(request, "core:request_detail", pk=obj.pk)
    try:
        approval = requests_services.general_request_submit(actor=request.user, general_request=obj)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _submitted_message(approval))
    return HttpResponseRedirect(detail)


@campus_view("core.create_requests")
@require_POST
def request_withdraw(request, campus, pk):
    obj = get_object_or_404(GeneralRequest, pk=pk, requested_by=request.user)
    detail = campus_reverse(request, "core:request_detail", pk=obj.pk)
    try:
        requests_services.general_request_withdraw(
            actor=request.user, general_request=obj, comment=request.POST.get("comment", "")[:2000]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The request was withdrawn; you can edit it and submit it again."))
    return HttpResponseRedirect(detail)


class RequestPrintView(RequestAccessMixin, CampusViewMixin, TemplateView):
    template_name = "core/mech_request_print.html"

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Request for approval (请示单)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rounds = list(approvals.requests_for(self.object))
        ctx["object"] = self.object
        ctx["round"] = approval_timeline(rounds[0]) if rounds else None
        return ctx


# --- Notifications ------------------------------------------------------------------------


class NotificationListView(CampusViewMixin, TemplateView):
    permission_required = "core.view_dashboard"
    template_name = "core/mech_notification_list.html"
    title = gettext_lazy("Notifications")
    paginate_by = 25

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        ctx = super().get_context_data(**kwargs)
        qs = Notification.objects.filter(recipient=self.request.user)
        unread_only = self.request.GET.get("unread") == "1"
        if unread_only:
            qs = qs.filter(read_at__isnull=True)
        qs = qs.annotate(
            unread_first=Case(
                When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        ).order_by("unread_first", "-created_at", "-id")
        page = Paginator(qs, self.paginate_by).get_page(self.request.GET.get("page"))
        ctx.update(
            {
                "page": page,
                "paginator": page.paginator,
                "unread_only": unread_only,
                "querystring": "unread=1" if unread_only else "",
                "unread_count": Notification.objects.filter(
                    recipient=self.request.user, read_at__isnull=True
                ).count(),
            }
        )
        return ctx


def _own_notification(request, pk):
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


@campus_view("core.view_dashboard")
@require_POST
def notification_read(request, campus, pk):
    notifications.mark_read(user=request.user, notifications=[_own_notification(request, pk)])
    return HttpResponseRedirect(safe_next(request, campus_reverse(request, "core:notification_list")))


@campus_view("core.view_dashboard")
@require_POST
def notification_read_all(request, campus):
    n = notifications.mark_all_read(user=request.user, campus=request.campus)
    messages.success(request, _("%(n)s notifications marked as read.") % {"n": n})
    return HttpResponseRedirect(campus_reverse(request, "core:notification_list"))


@campus_view("core.view_dashboard")
def notification_open(request, campus, pk):
    """Follow a notification's link and mark it read (reading one's inbox is not audited)."""
    n = _own_notification(request, pk)
    notifications.mark_read(user=request.user, notifications=[n])
    url = n.url or ""
    if (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return HttpResponseRedirect(url)
    return HttpResponseRedirect(campus_reverse(request, "core:notification_list"))


# --- Webhooks -----------------------------------------------------------------------------


def masked_url(url):
    """A webhook URL with its secret key hidden (robot URLs carry the key in the query)."""
    base, sep, query = (url or "").partition("?")
    if not sep:
        return base if len(base) <= 60 else base[:40] + "…" + base[-8:]
    return f"{base}?…{query[-4:]}" if len(query) > 4 else f"{base}?…"


class WebhookForm(CampusModelForm):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=400,
        assume_scheme="https",
        help_text=gettext_lazy("The robot's webhook address, copied from the group chat's robot settings."),
    )
    events = forms.CharField(
        label=gettext_lazy("Events"),
        required=False,
        help_text=gettext_lazy(
            "Comma-separated event names, for example approval.pending, approval.rejected; empty means every event."
        ),
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        required=False,
        max_length=100,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("DingTalk 加签 secret, if used. Leave empty to keep the current one."),
    )
    clear_secret = forms.BooleanField(label=gettext_lazy("Remove the signing secret"), required=False)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "secret", "events", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._old_secret = self.instance.secret if self.instance.pk else ""
        if self.instance.pk:
            self.initial["events"] = ", ".join(self.instance.events or [])
        else:
            del self.fields["clear_secret"]
        self.style_fields()

    def clean_events(self):
        import re

        raw = self.cleaned_data.get("events") or ""
        events = [e.strip() for e in re.split(r"[,，\s]+", raw) if e.strip()]
        bad = [e for e in events if not re.fullmatch(r"[a-z0-9_.\-]{1,60}", e)]
        if bad:
            raise ValidationError(
                _("Event names use lower-case letters, digits, dots, dashes and underscores: %(bad)s")
                % {"bad": ", ".join(bad)}
            )
        return list(dict.fromkeys(events))

    def clean_secret(self):
        return (self.cleaned_data.get("secret") or "").strip() or self._old_secret

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
        return cleaned


class WebhookViewMixin:
    model = WebhookEndpoint
    url_base = "core:webhook"
    permission_required = "core.manage_notifications"
    write_permission = "core.manage_notifications"


class WebhookListView(WebhookViewMixin, ObjectListView):
    title = gettext_lazy("Webhooks")
    create_label = gettext_lazy("New webhook")
    search_fields = ("name",)
    pinyin_field = ""
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("URL"), lambda w: masked_url(w.url)),
        Column(gettext_lazy("Events"), lambda w: ", ".join(w.events or []) or _("All events")),
        Column(gettext_lazy("Active"), "is_active"),
        Column(gettext_lazy("Failed deliveries (7 days)"), "failed_recent", css="text-end"),
    ]

    def get_queryset(self):
        since = timezone.now() - dt.timedelta(days=7)
        return WebhookEndpoint.objects.annotate(
            failed_recent=Count(
                "deliveries",
                filter=Q(deliveries__status=WebhookDelivery.Status.FAILED, deliveries__created_at__gte=since),
            )
        ).order_by("name")


class WebhookDetailView(WebhookViewMixin, ObjectDetailView):
    template_name = "core/mech_webhook_detail.html"
    attachments = False

    def detail_fields(self):
        w = self.object
        return [
            (_("Name"), w.name),
            (_("Kind"), w.get_kind_display()),
            (_("URL"), masked_url(w.url)),
            (_("Signing secret"), _("set") if w.secret else _("not set")),
            (_("Events"), ", ".join(w.events or []) or _("All events")),
            (_("Active"), w.is_active),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["deliveries"] = list(
            WebhookDelivery.objects.filter(endpoint=self.object).order_by("-created_at", "-id")[:30]
        )
        return ctx


class WebhookFormView(WebhookViewMixin, ObjectFormView):
    form_class = WebhookForm


class WebhookDeleteView(WebhookViewMixin, ObjectDeleteView):
    """Deletes the endpoint and its deliveries (the audit snapshot masks the secrets)."""


@campus_view("core.manage_notifications")
@require_POST
def webhook_test(request, campus, pk):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if notifications.webhook_test(actor=request.user, endpoint=endpoint):
        messages.success(request, _("The test message was delivered."))
    else:
        last = (
            WebhookDelivery.objects.filter(endpoint=endpoint, event="test")
            .order_by("-created_at", "-id")
            .first()
        )
        messages.error(
            request,
            _("The test message could not be delivered: %(error)s")
            % {"error": (last.last_error if last else "") or "?"},
        )
    return HttpResponseRedirect(campus_reverse(request, "core:webhook_detail", pk=endpoint.pk))


# --- Audit log ----------------------------------------------------------------------------


class AuditFilter(DateRangeMixin):
    actor = django_filters.ModelChoiceFilter(label=gettext_lazy("Actor"), queryset=None)
    action = django_filters.ChoiceFilter(label=gettext_lazy("Action"), choices=[])
    content_type = django_filters.ChoiceFilter(
        label=gettext_lazy("Object type"), choices=[], method="filter_ct"
    )

    class Meta:
        model = AuditEvent
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        campus = self.request.campus
        self.filters["actor"].queryset = campus_users(campus)
        events = AuditEvent.objects.filter(campus=campus)
        actions = events.order_by("action").values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(a, a) for a in actions]
        ct_ids = (
            events.exclude(content_type=None).order_by().values_list("content_type", flat=True).distinct()
        )
        cts = [ContentType.objects.get_for_id(pk) for pk in ct_ids]
        self.filters["content_type"].extra["choices"] = sorted(
            ((ct.pk, _ct_label(ct)) for ct in cts), key=lambda c: str(c[1])
        )
        style_filter_form(self)

    def filter_ct(self, qs, name, value):
        return qs.filter(content_type_id=value)


def _ct_label(ct):
    model = ct.model_class() if ct is not None else None
    return (
        str(model._meta.verbose_name) if model is not None else (f"{ct.app_label}.{ct.model}" if ct else "")
    )


def _changes_html(event):
    changes = event.changed_fields[:6]
    return format_html_join(
        "",
        "<div><code>{}</code>: {} → {}</div>",
        ((k, _short(old), _short(new)) for k, old, new in changes),
    )


def _changes_text(event):
    return "; ".join(f"{k}: {_short(old)} → {_short(new)}" for k, old, new in event.changed_fields)


def _short(value, limit=60):
    text = "—" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditLogView(ObjectListView):
    model = AuditEvent
    url_base = "core:audit"
    permission_required = "core.view_audit"
    title = gettext_lazy("Audit log")
    filterset_class = AuditFilter
    search_fields = ("object_repr", "message", "object_id", "actor_repr")
    pinyin_field = ""
    paginate_by = 50
    select_related = ("content_type",)
    ordering = ("-created_at", "-id")
    columns = [
        Column(gettext_lazy("Time"), local_attr("created_at"), css="text-nowrap"),
        Column(gettext_lazy("By"), "actor_repr"),
        Column(gettext_lazy("Action"), "action"),
        Column(gettext_lazy("Object type"), lambda e: _ct_label(e.content_type)),
        Column(
            gettext_lazy("Object"),
            lambda e: f"{e.object_repr} #{e.object_id}" if e.object_id else e.object_repr,
        ),
        Column(gettext_lazy("Changes"), _changes_html, export=False, css="small text-wrap"),
        Column(gettext_lazy("Message"), "message", css="text-wrap"),
        Column(gettext_lazy("Source"), "source"),
    ]
    export_columns = [c for c in columns if c.export] + [
        Column(gettext_lazy("Changes"), _changes_text),
        Column(gettext_lazy("IP address"), "ip_address"),
        Column(gettext_lazy("Request id"), "request_id"),
    ]


# --- Rule settings ------------------------------------------------------------------------

MODULE_LABELS = {
    "core": gettext_lazy("General"),
    "canteen": gettext_lazy("Canteen and food safety"),
    "nutrition": gettext_lazy("Nutrition"),
    "health": gettext_lazy("Health care"),
    "procurement": gettext_lazy("Procurement and warehouse"),
    "maintenance": gettext_lazy("Maintenance"),
    "assets": gettext_lazy("Assets"),
    "safety": gettext_lazy("Safety"),
    "environment": gettext_lazy("Environment"),
    "finance": gettext_lazy("Finance"),
    "staff": gettext_lazy("Logistics staff"),
    "energy": gettext_lazy("Energy"),
    "planning": gettext_lazy("Term calendar and plans"),
}
MODULE_ORDER = list(MODULE_LABELS)


def _field_name(key):
    return key.replace(".", "__")


def _display(setting, value):
    if setting.kind == "bool":
        return _("Yes") if value else _("No")
    if setting.kind == "choice":
        return str(dict(setting.choices).get(value, value))
    return f"{value}{setting.unit}"


class SettingsForm(CampusForm):
    """One field per registered setting; each value is checked by ``Setting.parse``."""

    def __init__(self, *args, settings_list=(), **kwargs):
        self.settings_list = list(settings_list)
        super().__init__(*args, **kwargs)
        # fields are added after CampusForm styled the (empty) form; style them here
        for s in self.settings_list:
            self.fields[_field_name(s.key)] = self._field_for(s)
        self.style_fields()

    @staticmethod
    def _field_for(s):
        common = {"label": s.label, "required": False, "help_text": s.help}
        if s.kind == "bool":
            return forms.BooleanField(**common)
        if s.kind == "choice":
            return forms.ChoiceField(choices=[(k, v) for k, v in s.choices], **common)
        attrs = {}
        if s.kind in ("int", "decimal"):
            attrs = {
                "inputmode": "numeric" if s.kind == "int" else "decimal",
                "step": "1" if s.kind == "int" else "any",
            }
            widget = forms.NumberInput(attrs=attrs)
        elif s.kind == "time":
            widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        else:
            widget = forms.TextInput()
        return forms.CharField(widget=widget, **common)

    def clean(self):
        cleaned = super().clean()
        for s in self.settings_list:
            name = _field_name(s.key)
            if name in self._errors:
                continue
            try:
                cleaned[name] = s.parse(cleaned.get(name))
            except ValidationError as exc:
                self.add_error(name, exc)
        return cleaned

    def values(self):
        return {s.key: self.cleaned_data[_field_name(s.key)] for s in self.settings_list}


class SettingsView(CampusViewMixin, FormView):
    permission_required = "core.manage_settings"
    write_permission = "core.manage_settings"
    template_name = "core/mech_settings.html"
    form_class = SettingsForm
    title = gettext_lazy("Rule settings")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        kwargs["settings_list"] = all_settings()
        return kwargs

    def get_initial(self):
        campus = self.request.campus
        initial = {}
        for s in all_settings():
            value = campus_setting(campus, s.key)
            initial[_field_name(s.key)] = s.to_json(value)
        return initial

    def form_valid(self, form):
        try:
            campus_settings_update(actor=self.request.user, campus=self.request.campus, values=form.values())
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                name = _field_name(key)
                form.add_error(name if name in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("The rule settings were saved."))
        return HttpResponseRedirect(campus_reverse(self.request, "core:settings"))

    def form_invalid(self, form):
        messages.error(self.request, _("Nothing was saved: correct the values marked below."))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        campus = self.request.campus
        groups: dict[str, list] = {}
        for s in all_settings():
            current = campus_setting(campus, s.key)
            groups.setdefault(s.module, []).append(
                {
                    "setting": s,
                    "field": form[_field_name(s.key)],
                    "default": _display(s, s.default),
                    "changed": s.to_json(current) != s.to_json(s.default),
                    "bounds": _bounds(s),
                }
            )
        order = {m: i for i, m in enumerate(MODULE_ORDER)}
        ctx["groups"] = [
            (module, MODULE_LABELS.get(module, module.title()), rows)
            for module, rows in sorted(groups.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
        ]
        return ctx


def _bounds(s):
    if s.min_value is not None and s.max_value is not None:
        return _("from %(min)s to %(max)s%(unit)s") % {"min": s.min_value, "max": s.max_value, "unit": s.unit}
    if s.min_value is not None:
        return _("at least %(min)s%(unit)s") % {"min": s.min_value, "unit": s.unit}
    if s.max_value is not None:
        return _("at most %(max)s%(unit)s") % {"max": s.max_value, "unit": s.unit}
    return ""


# --- Public notices -----------------------------------------------------------------------


def notice_publish(*, actor, notice):
    """Show a notice on the public page (audited as ``publish``)."""
    before = audit.snapshot(notice)
    notice.is_published = True
    notice.published_at = timezone.now()
    return object_save(actor=actor, instance=notice, before=before, action="publish")


def notice_unpublish(*, actor, notice):
    """Take a notice off the public page (audited as ``unpublish``)."""
    before = audit.snapshot(notice)
    notice.is_published = False
    return object_save(actor=actor, instance=notice, before=before, action="unpublish")


class NoticeViewMixin:
    model = PublicNotice
    url_base = "core:notice"
    permission_required = "core.manage_disclosure"
    write_permission = "core.manage_disclosure"


class NoticeFilter(django_filters.FilterSet):
    is_published = django_filters.BooleanFilter(label=gettext_lazy("Published"))

    class Meta:
        model = PublicNotice
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_filter_form(self)


class NoticeListView(NoticeViewMixin, ObjectListView):
    template_name = "core/mech_notice_list.html"
    title = gettext_lazy("Public notices")
    create_label = gettext_lazy("New notice")
    filterset_class = NoticeFilter
    search_fields = ("title",)
    pinyin_field = ""
    select_related = ("author",)
    ordering = ("-created_at", "-id")
    columns = [
        Column(gettext_lazy("Title"), "title", link=True),
        Column(gettext_lazy("Published"), "is_published"),
        Column(gettext_lazy("Published at"), local_attr("published_at")),
        Column(gettext_lazy("Author"), "author"),
        Column(gettext_lazy("Updated"), local_attr("updated_at")),
    ]


class NoticeForm(CampusModelForm):
    class Meta:
        model = PublicNotice
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10})}


class NoticeFormView(NoticeViewMixin, ObjectFormView):
    form_class = NoticeForm

    def save_object(self, form, instance, before):
        if instance.pk is None:
            instance.author = self.request.user
        return super().save_object(form, instance, before)


class NoticeDetailView(NoticeViewMixin, LocalTimesMixin, ObjectDetailView):
    template_name = "core/mech_notice_detail.html"
    fields = ("title", "body", "is_published", "published_at", "author")


class NoticeDeleteView(NoticeViewMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        notice = self.get_object()
        if notice.is_published:
            messages.error(request, _("Unpublish the notice before deleting it."))
            return HttpResponseRedirect(self.url("detail", pk=notice.pk))
        return super().post(request, *args, **kwargs)


@campus_view("core.manage_disclosure")
@require_POST
def notice_publish_view(request, campus, pk):
    notice = get_object_or_404(PublicNotice, pk=pk)
    notice_publish(actor=request.user, notice=notice)
    messages.success(request, _("The notice is now on the public page."))
    return HttpResponseRedirect(campus_reverse(request, "core:notice_detail", pk=notice.pk))


@campus_view("core.manage_disclosure")
@require_POST
def notice_unpublish_view(request, campus, pk):
    notice = get_object_or_404(PublicNotice, pk=pk)
    notice_unpublish(actor=request.user, notice=notice)
    messages.success(request, _("The notice was taken off the public page."))
    return HttpResponseRedirect(campus_reverse(request, "core:notice_detail", pk=notice.pk))


# --- Attachments --------------------------------------------------------------------------
#
# Files are served through these views only (never a public /media/ URL): the viewer
# needs the permission the attachables registry names for the object the file belongs to.


class AttachmentForm(forms.Form):
    file = forms.FileField()
    kind = forms.ChoiceField(choices=Attachment.Kind.choices, required=False)
    caption = forms.CharField(max_length=200, required=False)


def _attachment_target(request, ct_id, object_id, *, write):
    """The object an upload is for: 404 unless registered and on this campus, 403 without the permission."""
    try:
        ct = ContentType.objects.get_for_id(ct_id)
    except ContentType.DoesNotExist:
        raise Http404
    entry = attachables.attachable_for(ct)
    model = ct.model_class()
    if entry is None or model is None:
        raise Http404
    if not attachables.has_any(request, entry.write_perm if write else entry.view_perm):
        raise PermissionDenied
    try:
        obj = model.objects.filter(pk=object_id, campus=request.campus).first()
    except (ValueError, TypeError, ValidationError):
        obj = None
    if obj is None:
        raise Http404
    allowed = attachables.may_write(request, obj) if write else attachables.may_view(request, obj)
    if not allowed:
        raise PermissionDenied
    return obj


def _back(request, obj):
    fallback = attachables.object_url(obj, request.campus.code) if obj is not None else ""
    return safe_next(request, fallback or campus_reverse(request, "core:dashboard"))


@campus_view("core.view_dashboard")  # the real check: the target's write permission
@require_POST
def attachment_upload(request, campus, ct, object_id):
    obj = _attachment_target(request, ct, object_id, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a photo or PDF to upload."))
        return HttpResponseRedirect(_back(request, obj))
    try:
        attachment = attachment_services.attachment_add(
            actor=request.user,
            obj=obj,
            uploaded_file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"] or Attachment.Kind.PHOTO,
            caption=form.cleaned_data["caption"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("“%(name)s” was attached.") % {"name": attachment.original_name})
    return HttpResponseRedirect(_back(request, obj))


def _attachment_for_viewer(request, pk, *, write=False):
    attachment = get_object_or_404(
        Attachment.objects.select_related("content_type"), pk=pk, campus=request.campus
    )
    entry = attachables.attachable_for(attachment.content_type)
    if entry is None:
        raise Http404
    if not attachables.has_any(request, entry.write_perm if write else entry.view_perm):
        raise PermissionDenied
    target = attachment.target
    if target is None or getattr(target, "campus_id", None) != request.campus.pk:
        raise Http404
    allowed = attachables.may_write(request, target) if write else attachables.may_view(request, target)
    if not allowed:
        raise PermissionDenied
    return attachment, target


def _serve(field, *, content_type, filename, as_attachment=False):
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    response = FileResponse(handle, content_type=content_type, as_attachment=as_attachment, filename=filename)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@campus_view("core.view_dashboard")  # the real check: the target's view permission
def attachment_file(request, campus, pk):
    attachment, _target = _attachment_for_viewer(request, pk)
    inline = attachment.mime_type.startswith("image/") or attachment.mime_type == "application/pdf"
    return _serve(
        attachment.file,
        content_type=attachment.mime_type,
        filename=attachment.original_name,
        as_attachment=not inline,
    )


@campus_view("core.view_dashboard")
def attachment_thumb(request, campus, pk):
    attachment, _target = _attachment_for_viewer(request, pk)
    return _serve(attachment.thumbnail, content_type="image/jpeg", filename=f"thumb-{attachment.pk}.jpg")


class VoidForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@campus_view("core.view_dashboard")  # the real check: the target's write permission
def attachment_void(request, campus, pk):
    attachment, target = _attachment_for_viewer(request, pk, write=True)
    back = _back(request, target)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment_services.attachment_void(
                actor=request.user, attachment=attachment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The attachment was voided; it stays in the history."))
        return HttpResponseRedirect(back)
    return render(
        request,
        "core/mech_attachment_void.html",
        {
            "title": _("Void attachment"),
            "attachment": attachment,
            "target": target,
            "form": form,
            "cancel_url": back,
        },
    )


# --- URLs ---------------------------------------------------------------------------------

urlpatterns = [
    # approvals
    path("approvals/", ApprovalInboxView.as_view(), name="approval_inbox"),
    path("approvals/<int:pk>/", ApprovalDetailView.as_view(), name="approval_detail"),
    path("approvals/<int:pk>/decide/", approval_decide, name="approval_decide"),
    path("approvals/<int:pk>/withdraw/", approval_withdraw, name="approval_withdraw"),
    path("approvals/flows/", FlowListView.as_view(), name="flow_list"),
    path("approvals/flows/<str:kind>/", FlowUpdateView.as_view(), name="flow_update"),
    # general requests
    *crud_urls(
        "requests",
        "request",
        list_view=RequestListView,
        create_view=RequestFormView,
        detail_view=RequestDetailView,
        update_view=RequestFormView,
    ),
    path("requests/<int:pk>/submit/", request_submit, name="request_submit"),
    path("requests/<int:pk>/withdraw/", request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/print/", RequestPrintView.as_view(), name="request_print"),
    # notifications
    path("notifications/", NotificationListView.as_view(), name="notification_list"),
    path("notifications/read-all/", notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("notifications/<int:pk>/open/", notification_open, name="notification_open"),
    # webhooks
    *crud_urls(
        "webhooks",
        "webhook",
        list_view=WebhookListView,
        create_view=WebhookFormView,
        detail_view=WebhookDetailView,
        update_view=WebhookFormView,
        delete_view=WebhookDeleteView,
    ),
    path("webhooks/<int:pk>/test/", webhook_test, name="webhook_test"),
    # audit log and settings
    path("audit/", AuditLogView.as_view(), name="audit_log"),
    path("settings/", SettingsView.as_view(), name="settings"),
    # public notices
    *crud_urls(
        "notices",
        "notice",
        list_view=NoticeListView,
        create_view=NoticeFormView,
        detail_view=NoticeDetailView,
        update_view=NoticeFormView,
        delete_view=NoticeDeleteView,
    ),
    path("notices/<int:pk>/publish/", notice_publish_view, name="notice_publish"),
    path("notices/<int:pk>/unpublish/", notice_unpublish_view, name="notice_unpublish"),
    # attachments
    path("attachments/upload/<int:ct>/<str:object_id>/", attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", attachment_file, name="attachment_file"),
    path("attachments/<int:pk>/thumb/", attachment_thumb, name="attachment_thumb"),
    path("attachments/<int:pk>/void/", attachment_void, name="attachment_void"),
]
