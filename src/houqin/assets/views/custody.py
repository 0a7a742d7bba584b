"""Custody pages: class property hand-overs (with the phone signing page and the printed
交接表), loans (lend, request, return, overdue), damage and compensation, disposal requests
(with the printed 报废申请表). Reports live in :mod:`houqin.assets.views.custody_reports`.

Every write goes through :mod:`houqin.assets.custody_services`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.assets import custody_forms as forms
from houqin.assets import custody_services as services
from houqin.assets.custody_filters import DamageFilter, DisposalFilter, HandoverFilter, LoanFilter
from houqin.assets.models import (
    Asset,
    CompensationPayment,
    Condition,
    Damage,
    DisposalLine,
    DisposalRequest,
    Handover,
    HandoverLine,
    Loan,
)
from houqin.core import approvals, attachables
from houqin.core.attachments import attachments_for
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView, _add_errors
from houqin.core.views.mechanisms import approval_timeline

VIEW, MANAGE, SIGN = "assets.view_custody", "assets.manage_custody", "assets.sign_handover"
BORROW, DISPOSE = "assets.borrow_assets", "assets.request_disposal"


def campus_url(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def local(value):
    return timezone.localtime(value) if value is not None else None


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def error_text(exc):
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You do not have permission to do this.")
    return " ".join(str(m) for m in exc.messages)


def _back(request, url, exc=None, ok=""):
    if exc is not None:
        messages.error(request, error_text(exc))
    elif ok:
        messages.success(request, ok)
    return HttpResponseRedirect(url)


def _form_error(request, url, form):
    text = " ".join(
        f"{form.fields[k].label if k in form.fields else ''}: {' '.join(v)}".lstrip(": ")
        for k, v in form.errors.items()
    )
    messages.error(request, text)
    return HttpResponseRedirect(url)


def _asset_initial(request):
    """``?asset=<pk>`` from the asset page pre-fills the scan field with the tag."""
    pk = request.GET.get("asset", "")
    if pk.isdigit():
        asset = Asset.objects.filter(pk=int(pk)).only("tag").first()
        if asset is not None:
            return {"asset": asset.tag}
    return {}


class CustodyFormView(CampusViewMixin, FormView):
    """A plain form page of the campus; ``done(form)`` calls the service and returns the
    object to show next (ValidationError → form errors, nothing changed)."""

    template_name = "generic/form.html"
    cancel_name = ""

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission or self.permission_required
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, self.cancel_name) if self.cancel_name else "../"
        return ctx

    def form_valid(self, form):
        try:
            url = self.done(form)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, error_text(exc))
            else:
                _add_errors(form, exc)
            return self.form_invalid(form)
        return HttpResponseRedirect(url)


# --- Hand-overs ---------------------------------------------------------------------------

HANDOVER_COLOURS = {"open": "yellow", "completed": "green", "void": "secondary"}


def handover_status(h):
    return badge(HANDOVER_COLOURS.get(h.status, "secondary"), h.get_status_display(), h.status)


def signatures_cell(h):
    def mark(done):
        return "✓" if done else "—"

    return format_html(
        '<span class="text-nowrap">{} {} · {} {}</span>',
        _("giver"), mark(h.from_signed_at), _("receiver"), mark(h.to_signed_at),
    )  # fmt: skip


class HandoverMixin:
    model = Handover
    url_base = "assets:handover"
    permission_required = VIEW
    write_permission = MANAGE


class HandoverListView(HandoverMixin, ObjectListView):
    template_name = "assets/handover_list.html"
    filterset_class = HandoverFilter
    search_fields = ("number", "room__name", "room__code", "school_class__name")
    pinyin_field = ""
    title = gettext_lazy("Class property hand-overs (班级财产交接)")
    create_label = gettext_lazy("New hand-over")
    select_related = ("term", "room", "school_class", "from_user", "to_user")
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                line_count=Count("lines"),
                discrepancy_count=Count(
                    "lines",
                    filter=Q(lines__on_loan=False)
                    & (Q(lines__present=False) | Q(lines__condition=Condition.DAMAGED)),
                ),
            )
        )

    @property
    def columns(self):
        return [
            Column(_("Number"), "number", link=True),
            Column(_("Term"), "term"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Room"), "room"),
            Column(_("Class"), "school_class"),
            Column(_("Handed over by"), "giver_display"),
            Column(_("Received by"), "to_user"),
            Column(_("Assets"), "line_count"),
            Column(_("Missing or damaged"), "discrepancy_count"),
            Column(_("Signatures"), signatures_cell, export=False),
            Column(_("Status"), handover_status, export=False),
        ]

    @property
    def export_columns(self):
        return [
            *[c for c in self.columns if c.export],
            Column(_("Giver signed at"), lambda h: local(h.from_signed_at)),
            Column(_("Receiver signed at"), lambda h: local(h.to_signed_at)),
            Column(_("Status"), "get_status_display"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        ctx["follow_up_count"] = services.handover_follow_ups(self.request.campus).count()
        return ctx


class HandoverCreateView(HandoverMixin, CustodyFormView):
    form_class = forms.HandoverForm
    cancel_name = "assets:handover_list"

    def get_title(self):
        return _("New class property hand-over")

    def get_initial(self):
        initial = {"kind": Handover.Kind.CHANGE}
        term = forms.current_term(self.request.campus)
        if term is not None:
            initial["term"] = term.pk
        room = self.request.GET.get("room", "")
        if room.isdigit():
            initial["room"] = int(room)
        return initial

    def done(self, form):
        data = form.cleaned_data
        school_class = data["school_class"]
        if school_class is None:
            school_class = services.class_of_room(data["room"])
        handover = services.handover_create(
            actor=self.request.user, campus=self.request.campus, term=data["term"], room=data["room"],
            kind=data["kind"], to_user=data["to_user"], from_user=data["from_user"], school_class=school_class,
            note=data["note"],
        )  # fmt: skip
        messages.success(self.request, _("Hand-over %(number)s opened.") % {"number": handover.number})
        return campus_url(self.request, "assets:handover_detail", pk=handover.pk)


class HandoverBulkView(HandoverMixin, CustodyFormView):
    form_class = forms.HandoverBulkForm
    template_name = "assets/handover_bulk.html"
    cancel_name = "assets:handover_list"

    def get_title(self):
        return _("Hand-overs for all classrooms of a term")

    def get_initial(self):
        term = forms.current_term(self.request.campus)
        return {"term": term.pk if term else None, "kind": Handover.Kind.TERM_START}

    def done(self, form):
        data = form.cleaned_data
        result = services.handover_create_for_term(
            actor=self.request.user, campus=self.request.campus, term=data["term"], kind=data["kind"],
            keeper=data["keeper"],
        )  # fmt: skip
        messages.success(
            self.request,
            _("%(n)s hand-overs opened; the people who sign them have been told.")
            % {"n": len(result.created)},
        )
        for room, reason in result.skipped[:30]:
            messages.warning(self.request, f"{room}: {reason}")
        return (
            campus_url(self.request, "assets:handover_list") + f"?term={data['term'].pk}&kind={data['kind']}"
        )


class HandoverDetailView(HandoverMixin, ObjectDetailView):
    template_name = "assets/handover_detail.html"
    attachments = False

    def get_queryset(self):
        return Handover.objects.select_related(
            "term", "room", "school_class", "from_user", "to_user", "from_signed_by", "created_by"
        )

    def detail_fields(self):
        h = self.object
        return [
            (_("Number"), h.number),
            (_("Status"), handover_status(h)),
            (_("Term"), h.term),
            (_("Kind"), h.get_kind_display()),
            (_("Room"), h.room),
            (_("Class"), h.school_class),
            (_("Handed over by"), h.giver_display),
            (_("Received by"), h.to_user),
            (_("Giver signed at"), local(h.from_signed_at)),
            (_("Receiver signed at"), local(h.to_signed_at)),
            (_("Completed at"), local(h.completed_at)),
            (_("Note"), h.note),
            (_("Opened by"), h.created_by),
            (_("Void reason"), h.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        lines = list(h.lines.select_related("damage").order_by("tag", "id"))
        ctx.update(
            {
                "update_url": None,
                "delete_url": None,
                "lines": lines,
                "discrepancies": [line for line in lines if line.is_discrepancy],
                "total_value": sum((line.value for line in lines), services.ZERO),
                "can_manage": manage,
                "can_check": services.can_check_lines(request.user, h, request.perms),
                "can_sign": services.can_sign(request.user, h, "to", request.perms)
                or services.can_sign(request.user, h, "from", request.perms),
                "void_form": forms.ReasonForm(campus=request.campus, prefix="void")
                if manage and h.status == Handover.Status.OPEN
                else None,
                "resolve_form": forms.ResolveForm(campus=request.campus),
                "print_url": self.url("print", pk=h.pk),
            }
        )
        return ctx


class HandoverSignView(CampusViewMixin, TemplateView):
    """The phone page: check each line, then sign with one's own login (and a handwritten
    signature drawn with the finger)."""

    template_name = "assets/handover_sign.html"
    permission_required = SIGN
    write_permission = SIGN

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    def get_object(self):
        handover = get_object_or_404(
            Handover.objects.select_related("term", "room", "school_class", "from_user", "to_user"),
            pk=self.kwargs["pk"],
        )
        if not services.is_party(self.request.user, handover) and not has_perm(self.request, MANAGE):
            raise PermissionDenied
        return handover

    def get_title(self):
        return _("Hand-over %(number)s: %(room)s") % {"number": self.object.number, "room": self.object.room}

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h, request = self.object, self.request
        ctx.update(
            {
                "object": h,
                "lines": list(h.lines.order_by("tag", "id")),
                "conditions": Condition.choices,
                "can_check": services.can_check_lines(request.user, h, request.perms),
                "sign_to": services.can_sign(request.user, h, "to", request.perms),
                "sign_from": services.can_sign(request.user, h, "from", request.perms),
                "detail_url": campus_url(request, "assets:handover_detail", pk=h.pk)
                if has_perm(request, VIEW)
                else "",
            }
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = h = self.get_object()
        url = campus_url(request, "assets:handover_sign", pk=h.pk)
        action = request.POST.get("action", "save")
        try:
            changed = 0
            if services.can_check_lines(request.user, h, request.perms):
                changed = services.handover_lines_update(
                    actor=request.user, handover=h, changes=self._changes(h)
                )
            if action in ("sign_to", "sign_from"):
                services.handover_sign(
                    actor=request.user,
                    handover=h,
                    side=action[5:],
                    signature=request.POST.get("signature", ""),
                )
        except (ValidationError, PermissionDenied) as exc:
            return _back(request, url, exc)
        if action in ("sign_to", "sign_from"):
            h.refresh_from_db()
            if h.status == Handover.Status.COMPLETED:
                messages.success(request, _("Signed. Both sides have signed; the hand-over is complete."))
            else:
                messages.success(request, _("Signed. Waiting for the other side's signature."))
        elif changed:
            messages.success(request, _("%(n)s lines saved.") % {"n": changed})
        else:
            messages.info(request, _("Nothing changed."))
        return HttpResponseRedirect(url)

    def _changes(self, handover):
        post = self.request.POST
        changes = {}
        for line_id in handover.lines.values_list("pk", flat=True):
            if f"condition_{line_id}" not in post:
                continue
            changes[line_id] = {
                "present": post.get(f"present_{line_id}") == "1",
                "condition": post.get(f"condition_{line_id}", Condition.GOOD),
                "note": post.get(f"note_{line_id}", ""),
            }
        return changes


class HandoverMineView(CampusViewMixin, TemplateView):
    template_name = "assets/handover_mine.html"
    permission_required = SIGN

    def get_title(self):
        return _("My class property hand-overs")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, campus = self.request.user, self.request.campus
        mine = Handover.objects.filter(campus=campus).filter(Q(to_user=user) | Q(from_user=user))
        related = ("term", "room", "from_user", "to_user")
        ctx["to_sign"] = list(
            services.handovers_to_sign(user, campus).select_related(*related).order_by("created_at")
        )
        ctx["recent"] = list(
            mine.exclude(pk__in=[h.pk for h in ctx["to_sign"]])
            .select_related(*related)
            .order_by("-created_at")[:20]
        )
        return ctx


class HandoverPrintView(HandoverMixin, CampusViewMixin, TemplateView):
    """The hand-over sheet on A4, laid out like the paper 班级财产交接表."""

    template_name = "assets/handover_print.html"
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            Handover.objects.select_related(
                "term",
                "room",
                "school_class",
                "from_user",
                "to_user",
                "from_signed_by",
                "from_signature",
                "to_signature",
            ),
            pk=kwargs["pk"],
        )
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Class property hand-over sheet (班级财产交接表)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        lines = list(self.object.lines.select_related("damage").order_by("tag", "id"))
        ctx.update(
            {
                "object": self.object,
                "lines": lines,
                "total_value": sum((line.value for line in lines), services.ZERO),
                "total_quantity": sum(line.quantity for line in lines),
            }
        )
        return ctx


@campus_view(MANAGE)
@require_POST
def handover_void(request, campus, pk):
    handover = get_object_or_404(Handover, pk=pk)
    url = campus_url(request, "assets:handover_detail", pk=pk)
    form = forms.ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.handover_void(actor=request.user, handover=handover, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("The hand-over was voided; it stays on record."))


@campus_view(MANAGE)
@require_POST
def handover_line_damage(request, campus, pk):
    line = get_object_or_404(HandoverLine.objects.select_related("handover"), pk=pk)
    url = campus_url(request, "assets:handover_detail", pk=line.handover_id)
    try:
        damage = services.handover_line_to_damage(actor=request.user, line=line)
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Damage record %(number)s opened.") % {"number": damage.number})


@campus_view(MANAGE)
@require_POST
def handover_line_resolve(request, campus, pk):
    line = get_object_or_404(HandoverLine.objects.select_related("handover"), pk=pk)
    url = campus_url(request, "assets:handover_detail", pk=line.handover_id)
    form = forms.ResolveForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.handover_line_resolve(
            actor=request.user, line=line, resolution=form.cleaned_data["resolution"]
        )
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Follow-up recorded."))


# --- Loans --------------------------------------------------------------------------------

LOAN_COLOURS = {
    "requested": "azure",
    "out": "blue",
    "returned": "green",
    "rejected": "secondary",
    "cancelled": "secondary",
}


def loan_status(loan):
    if loan.is_overdue:
        return badge("red", _("Overdue %(days)s d") % {"days": loan.overdue_days}, "overdue")
    return badge(LOAN_COLOURS.get(loan.status, "secondary"), loan.get_status_display(), loan.status)


class LoanMixin:
    model = Loan
    url_base = "assets:loan"
    permission_required = VIEW
    write_permission = MANAGE


class LoanListView(LoanMixin, ObjectListView):
    template_name = "assets/loan_list.html"
    filterset_class = LoanFilter
    search_fields = ("number", "asset__tag", "asset__name", "purpose")
    pinyin_field = ""
    title = gettext_lazy("Loans (出借登记)")
    create_label = gettext_lazy("Lend an asset")
    select_related = ("asset", "borrower", "school_class")
    ordering = ("-created_at", "-id")

    @property
    def columns(self):
        return [
            Column(_("Number"), "number", link=True),
            Column(_("Tag number"), "asset.tag"),
            Column(_("Asset"), "asset.name"),
            Column(_("Borrower"), "borrower_display"),
            Column(_("Purpose"), "purpose", css="text-wrap"),
            Column(_("Lent at"), lambda loan: local(loan.lent_at)),
            Column(_("Due back on"), "due_on"),
            Column(_("Returned at"), lambda loan: local(loan.returned_at)),
            Column(_("Status"), loan_status, export=False),
        ]

    @property
    def export_columns(self):
        return [
            *[c for c in self.columns if c.export],
            Column(_("Condition when lent"), "get_condition_out_display"),
            Column(_("Condition when returned"), "get_condition_in_display"),
            Column(_("Overdue"), "is_overdue"),
            Column(_("Status"), "get_status_display"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["overdue_count"] = services.overdue_loans(self.request.campus).count()
        ctx["requested_count"] = Loan.objects.filter(status=Loan.Status.REQUESTED).count()
        return ctx


class LoanLendView(LoanMixin, CustodyFormView):
    form_class = forms.LoanLendForm
    cancel_name = "assets:loan_list"

    def get_title(self):
        return _("Lend an asset")

    def get_initial(self):
        return {"condition_out": Condition.GOOD, "due_on": services.default_due_date(self.request.campus),
                **_asset_initial(self.request)}  # fmt: skip

    def done(self, form):
        data = form.cleaned_data
        loan = services.loan_lend(
            actor=self.request.user, campus=self.request.campus, asset=data["asset"], borrower=data["borrower"],
            school_class=data["school_class"], due_on=data["due_on"], purpose=data["purpose"],
            condition_out=data["condition_out"], note_out=data["note_out"], photos=data["photos"],
        )  # fmt: skip
        messages.success(
            self.request,
            _("Lent: %(number)s, due back %(due)s.") % {"number": loan.number, "due": loan.due_on},
        )
        return campus_url(self.request, "assets:loan_detail", pk=loan.pk)


class LoanRequestView(CustodyFormView):
    model = Loan
    form_class = forms.LoanRequestForm
    permission_required = BORROW
    cancel_name = "assets:loan_mine"

    def get_title(self):
        return _("Ask to borrow an asset")

    def get_initial(self):
        return _asset_initial(self.request)

    def done(self, form):
        data = form.cleaned_data
        loan = services.loan_request(
            actor=self.request.user, campus=self.request.campus, asset=data["asset"], purpose=data["purpose"],
            due_on=data["due_on"], school_class=data["school_class"],
        )  # fmt: skip
        messages.success(
            self.request, _("Request %(number)s sent to the asset keeper.") % {"number": loan.number}
        )
        return campus_url(self.request, "assets:loan_mine")


class LoanMineView(CampusViewMixin, TemplateView):
    template_name = "assets/loan_mine.html"
    permission_required = BORROW

    def get_title(self):
        return _("My loans")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["loans"] = list(
            Loan.objects.filter(Q(borrower=user) | Q(requested_by=user))
            .select_related("asset", "school_class", "borrower")
            .order_by("-created_at", "-id")[:50]
        )
        ctx["can_view"] = has_perm(self.request, VIEW)
        return ctx


class LoanDetailView(LoanMixin, ObjectDetailView):
    template_name = "assets/loan_detail.html"
    attachments = False

    def get_queryset(self):
        return Loan.objects.select_related(
            "asset", "asset__room", "borrower", "school_class", "requested_by", "lent_by", "received_by"
        )

    def detail_fields(self):
        loan = self.object
        return [
            (_("Number"), loan.number),
            (_("Status"), loan_status(loan)),
            (_("Asset"), loan.asset),
            (_("Borrower"), loan.borrower_display),
            (_("Purpose"), loan.purpose),
            (_("Requested by"), loan.requested_by),
            (_("Requested at"), local(loan.requested_at)),
            (_("Due back on"), loan.due_on),
            (_("Lent by"), loan.lent_by),
            (_("Lent at"), local(loan.lent_at)),
            (_("Condition when lent"), loan.get_condition_out_display()),
            (_("Note when lent"), loan.note_out),
            (_("Taken back by"), loan.received_by),
            (_("Returned at"), local(loan.returned_at)),
            (_("Condition when returned"), loan.get_condition_in_display()),
            (_("Note when returned"), loan.note_in),
            (_("Reason refused or cancelled"), loan.decision_note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        loan, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        photos = list(attachments_for(loan))
        requested = loan.status == Loan.Status.REQUESTED
        ctx.update(
            {
                "update_url": None,
                "delete_url": None,
                "photos_out": [a for a in photos if a.kind == "before"],
                "photos_in": [a for a in photos if a.kind == "after"],
                "refusal": services.loan_refusal(loan.asset) if requested else None,
                "approve_form": forms.LoanApproveForm(
                    campus=request.campus,
                    initial={
                        "due_on": loan.due_on or services.default_due_date(request.campus),
                        "condition_out": Condition.GOOD,
                    },
                )
                if manage and requested
                else None,  # fmt: skip
                "reject_form": forms.ReasonForm(campus=request.campus, prefix="reject")
                if manage and requested
                else None,
                "can_cancel": requested and (manage or loan.requested_by_id == request.user.pk),
                "return_form": forms.LoanReturnForm(
                    campus=request.campus, initial={"condition_in": Condition.GOOD}
                )
                if manage and loan.status == Loan.Status.OUT
                else None,
                "damages": list(loan.damages.all()),
            }
        )
        return ctx


def _loan(pk):
    return get_object_or_404(Loan.objects.select_related("asset"), pk=pk)


@campus_view(MANAGE)
@require_POST
def loan_approve(request, campus, pk):
    loan = _loan(pk)
    url = campus_url(request, "assets:loan_detail", pk=pk)
    form = forms.LoanApproveForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    data = form.cleaned_data
    try:
        services.loan_approve(
            actor=request.user, loan=loan, due_on=data["due_on"], condition_out=data["condition_out"],
            note_out=data["note_out"], photos=data["photos"],
        )  # fmt: skip
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Lent until %(due)s.") % {"due": loan.due_on})


@campus_view(MANAGE)
@require_POST
def loan_reject(request, campus, pk):
    loan = _loan(pk)
    url = campus_url(request, "assets:loan_detail", pk=pk)
    form = forms.ReasonForm(request.POST, campus=request.campus, prefix="reject")
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.loan_reject(actor=request.user, loan=loan, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("The request was refused."))


@campus_view(BORROW)
@require_POST
def loan_cancel(request, campus, pk):
    loan = _loan(pk)
    url = (
        campus_url(request, "assets:loan_detail", pk=pk)
        if has_perm(request, VIEW) and request.POST.get("back") != "mine"
        else campus_url(request, "assets:loan_mine")
    )
    try:
        services.loan_cancel(actor=request.user, loan=loan, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("The request was cancelled."))


@campus_view(MANAGE)
@require_POST
def loan_return(request, campus, pk):
    loan = _loan(pk)
    url = campus_url(request, "assets:loan_detail", pk=pk)
    form = forms.LoanReturnForm(request.POST, request.FILES, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    data = form.cleaned_data
    try:
        services.loan_return(
            actor=request.user, loan=loan, condition_in=data["condition_in"], note_in=data["note_in"],
            photos=data["photos"], record_damage=data["record_damage"],
            damage_description=data["damage_description"], compensation_due=data["compensation_due"],
        )  # fmt: skip
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Returned."))


# --- Damage and compensation --------------------------------------------------------------

DAMAGE_COLOURS = {"open": "orange", "closed": "green", "void": "secondary"}


def damage_status(d):
    return badge(DAMAGE_COLOURS.get(d.status, "secondary"), d.get_status_display(), d.status)


def outstanding_cell(d):
    if d.outstanding > 0:
        return format_html('<span class="text-danger fw-bold" data-outstanding="1">{}</span>', d.outstanding)
    return d.outstanding


class DamageMixin:
    model = Damage
    url_base = "assets:damage"
    permission_required = VIEW
    write_permission = MANAGE


class DamageListView(DamageMixin, ObjectListView):
    template_name = "assets/damage_list.html"
    filterset_class = DamageFilter
    search_fields = ("number", "asset__tag", "asset__name", "description", "responsible_name")
    pinyin_field = ""
    title = gettext_lazy("Damage and compensation (损坏赔偿)")
    create_label = gettext_lazy("Record damage")
    select_related = ("asset", "responsible_user", "responsible_class")
    ordering = ("-occurred_on", "-id")

    @property
    def columns(self):
        return [
            Column(_("Number"), "number", link=True),
            Column(_("Found on"), "occurred_on"),
            Column(_("Asset"), "asset"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("What happened"), "short_description", css="text-wrap"),
            Column(_("Responsible"), "responsible_display"),
            Column(_("Due (yuan)"), "compensation_due"),
            Column(_("Received (yuan)"), "compensation_received"),
            Column(_("Outstanding (yuan)"), outstanding_cell, export=False),
            Column(_("Status"), damage_status, export=False),
        ]

    @property
    def export_columns(self):
        return [
            *[c for c in self.columns if c.export],
            Column(_("Outstanding (yuan)"), "outstanding"),
            Column(_("Source"), "get_source_display"),
            Column(_("What happened"), "description"),
            Column(_("Status"), "get_status_display"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["outstanding_count"] = services.outstanding_compensation(self.request.campus).count()
        return ctx


class DamageCreateView(DamageMixin, CustodyFormView):
    form_class = forms.DamageForm
    cancel_name = "assets:damage_list"

    def get_title(self):
        return _("Record damage or a loss")

    def get_initial(self):
        return {"kind": Damage.Kind.DAMAGED, "occurred_on": timezone.localdate(),
                "responsible_kind": Damage.Responsible.UNKNOWN, **_asset_initial(self.request)}  # fmt: skip

    def done(self, form):
        data = dict(form.cleaned_data)
        asset, photos = data.pop("asset"), data.pop("photos")
        data["compensation_due"] = data.get("compensation_due") or 0
        damage = services.damage_record(
            actor=self.request.user, campus=self.request.campus, asset=asset, data=data, photos=photos
        )
        messages.success(self.request, _("Damage record %(number)s saved.") % {"number": damage.number})
        return campus_url(self.request, "assets:damage_detail", pk=damage.pk)


class DamageUpdateView(DamageMixin, CustodyFormView):
    form_class = forms.DamageEditForm

    def get_form_kwargs(self):
        self.object = get_object_or_404(Damage, pk=self.kwargs["pk"])
        return super().get_form_kwargs()

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object}

    def get_initial(self):
        d = self.object
        return {
            "occurred_on": d.occurred_on, "description": d.description, "responsible_kind": d.responsible_kind,
            "responsible_user": d.responsible_user_id, "responsible_class": d.responsible_class_id,
            "responsible_name": d.responsible_name, "compensation_note": d.compensation_note,
        }  # fmt: skip

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "assets:damage_detail", pk=self.object.pk)
        return ctx

    def done(self, form):
        services.damage_update(actor=self.request.user, damage=self.object, data=form.cleaned_data)
        messages.success(self.request, _("Saved."))
        return campus_url(self.request, "assets:damage_detail", pk=self.object.pk)


class DamageDetailView(DamageMixin, ObjectDetailView):
    template_name = "assets/damage_detail.html"

    def get_queryset(self):
        return Damage.objects.select_related(
            "asset", "asset__room", "responsible_user", "responsible_class", "loan", "recorded_by", "closed_by",
            *(("repair",) if services.repairs_available() else ()),
        )  # fmt: skip

    def detail_fields(self):
        d = self.object
        return [
            (_("Number"), d.number),
            (_("Status"), damage_status(d)),
            (_("Asset"), d.asset),
            (_("Kind"), d.get_kind_display()),
            (_("Found on"), d.occurred_on),
            (_("What happened"), d.description),
            (_("Responsible"), d.responsible_display),
            (_("Source"), d.get_source_display()),
            (_("Compensation due (yuan)"), d.compensation_due),
            (_("Compensation received (yuan)"), d.compensation_received),
            (_("Outstanding (yuan)"), outstanding_cell(d)),
            (_("Compensation basis"), d.compensation_note),
            (_("Recorded by"), d.recorded_by),
            (_("Closed at"), local(d.closed_at)),
            (_("Void reason"), d.void_reason),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d, request = self.object, self.request
        manage = has_perm(request, MANAGE)
        open_ = d.status == Damage.Status.OPEN
        repair = getattr(d, "repair", None) if services.repairs_available() else None
        ctx.update(
            {
                "update_url": self.url("update", pk=d.pk) if manage and open_ else None,
                "delete_url": None,
                "can_write": attachables.may_write(request, d),
                "payments": list(
                    d.payments.select_related("received_by", "voided_by").order_by("received_on", "id")
                ),
                "can_manage": manage,
                "compensation_form": forms.CompensationForm(
                    campus=request.campus, initial={"amount": d.compensation_due, "note": d.compensation_note}
                )
                if manage and d.status != Damage.Status.VOID
                else None,  # fmt: skip
                "payment_form": forms.PaymentForm(
                    campus=request.campus,
                    initial={
                        "amount": d.outstanding,
                        "received_on": timezone.localdate(),
                        "payer_name": d.responsible_name,
                    },
                )
                if manage and d.outstanding > 0
                else None,  # fmt: skip
                "void_payment_form": forms.ReasonForm(campus=request.campus, prefix="pvoid")
                if manage
                else None,
                "repair": repair,
                "repair_url": _repair_url(request, repair),
                "can_open_repair": manage
                and d.status != Damage.Status.VOID
                and d.kind == Damage.Kind.DAMAGED
                and services.repairs_available()
                and repair is None,
                "can_close": manage and open_ and d.outstanding <= 0,
                "void_form": forms.ReasonForm(campus=request.campus, prefix="void")
                if manage and open_ and d.compensation_received <= 0
                else None,
            }
        )
        return ctx


def _repair_url(request, repair):
    if repair is None:
        return ""
    try:
        return campus_url(request, "maintenance:repair_detail", pk=repair.pk)
    except Exception:  # noqa: BLE001 - the maintenance pages may not be installed
        return ""


def _damage(pk):
    return get_object_or_404(Damage.objects.select_related("asset"), pk=pk)


@campus_view(MANAGE)
@require_POST
def damage_compensation(request, campus, pk):
    damage = _damage(pk)
    url = campus_url(request, "assets:damage_detail", pk=pk)
    form = forms.CompensationForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.damage_set_compensation(
            actor=request.user,
            damage=damage,
            amount=form.cleaned_data["amount"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Compensation due set."))


@campus_view(MANAGE)
@require_POST
def damage_payment(request, campus, pk):
    damage = _damage(pk)
    url = campus_url(request, "assets:damage_detail", pk=pk)
    form = forms.PaymentForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    data = form.cleaned_data
    try:
        services.compensation_receive(
            actor=request.user, damage=damage, amount=data["amount"], receipt_number=data["receipt_number"],
            received_on=data["received_on"], payer_name=data["payer_name"], note=data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Payment recorded."))


@campus_view(MANAGE)
@require_POST
def payment_void(request, campus, pk):
    payment = get_object_or_404(CompensationPayment, pk=pk)
    url = campus_url(request, "assets:damage_detail", pk=payment.damage_id)
    form = forms.ReasonForm(request.POST, campus=request.campus, prefix="pvoid")
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.compensation_void(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("The payment was voided; it stays in the ledger."))


@campus_view(MANAGE)
@require_POST
def damage_repair(request, campus, pk):
    damage = _damage(pk)
    url = campus_url(request, "assets:damage_detail", pk=pk)
    try:
        repair = services.damage_open_repair(actor=request.user, damage=damage)
    except (ValidationError, PermissionDenied) as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Repair request %(repair)s opened.") % {"repair": repair})


@campus_view(MANAGE)
@require_POST
def damage_close(request, campus, pk):
    damage = _damage(pk)
    url = campus_url(request, "assets:damage_detail", pk=pk)
    try:
        services.damage_close(actor=request.user, damage=damage, note=request.POST.get("note", ""))
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Closed."))


@campus_view(MANAGE)
@require_POST
def damage_void(request, campus, pk):
    damage = _damage(pk)
    url = campus_url(request, "assets:damage_detail", pk=pk)
    form = forms.ReasonForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        return _form_error(request, url, form)
    try:
        services.damage_void(actor=request.user, damage=damage, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("The record was voided; it stays on record."))


# --- Disposal requests --------------------------------------------------------------------

DISPOSAL_COLOURS = {"draft": "secondary", "pending": "yellow", "approved": "green", "rejected": "red",
                    "withdrawn": "secondary"}  # fmt: skip


def disposal_status(r):
    return badge(DISPOSAL_COLOURS.get(r.status, "secondary"), r.get_status_display(), r.status)


class DisposalMixin:
    model = DisposalRequest
    url_base = "assets:disposal"
    permission_required = VIEW
    write_permission = DISPOSE


class DisposalListView(DisposalMixin, ObjectListView):
    filterset_class = DisposalFilter
    search_fields = ("number", "reason", "recipient")
    pinyin_field = ""
    title = gettext_lazy("Disposal requests (报废/报损)")
    create_label = gettext_lazy("New disposal request")
    select_related = ("requested_by",)
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return super().get_queryset().annotate(line_count=Count("lines"))

    @property
    def columns(self):
        return [
            Column(_("Number"), "number", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Assets"), "line_count"),
            Column(_("Book value (原值, yuan)"), "total_value"),
            Column(_("Residual value (残值, yuan)"), "total_residual"),
            Column(_("Reason"), "reason", css="text-wrap"),
            Column(_("Requested by"), "requested_by"),
            Column(_("Submitted at"), lambda r: local(r.submitted_at)),
            Column(_("Status"), disposal_status, export=False),
        ]

    @property
    def export_columns(self):
        return [*[c for c in self.columns if c.export], Column(_("Status"), "get_status_display")]


class DisposalCreateView(DisposalMixin, CustodyFormView):
    form_class = forms.DisposalForm
    cancel_name = "assets:disposal_list"

    def get_title(self):
        return _("New disposal request")

    def get_initial(self):
        return {"kind": DisposalRequest.Kind.SCRAP}

    def done(self, form):
        request = services.disposal_create(
            actor=self.request.user, campus=self.request.campus, data=form.cleaned_data
        )
        url = campus_url(self.request, "assets:disposal_detail", pk=request.pk)
        pk = self.request.GET.get("asset", "")
        if pk.isdigit():
            asset = Asset.objects.filter(pk=int(pk)).first()
            if asset is not None:
                try:
                    services.disposal_add_asset(actor=self.request.user, request=request, asset=asset)
                except ValidationError as exc:
                    messages.error(self.request, error_text(exc))
        messages.success(
            self.request,
            _("Draft %(number)s saved; add the assets, then submit it.") % {"number": request.number},
        )
        return url


class DisposalUpdateView(DisposalMixin, CustodyFormView):
    form_class = forms.DisposalForm

    def get_form_kwargs(self):
        self.object = get_object_or_404(DisposalRequest, pk=self.kwargs["pk"])
        return super().get_form_kwargs()

    def get_title(self):
        return _("Edit %(what)s") % {"what": self.object}

    def get_initial(self):
        r = self.object
        return {"kind": r.kind, "reason": r.reason, "recipient": r.recipient}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = campus_url(self.request, "assets:disposal_detail", pk=self.object.pk)
        return ctx

    def done(self, form):
        services.disposal_update(actor=self.request.user, request=self.object, data=form.cleaned_data)
        messages.success(self.request, _("Saved."))
        return campus_url(self.request, "assets:disposal_detail", pk=self.object.pk)


class DisposalDetailView(DisposalMixin, ObjectDetailView):
    template_name = "assets/disposal_detail.html"

    def get_queryset(self):
        return DisposalRequest.objects.select_related("requested_by")

    def detail_fields(self):
        r = self.object
        return [
            (_("Number"), r.number),
            (_("Status"), disposal_status(r)),
            (_("Kind"), r.get_kind_display()),
            (_("Reason"), r.reason),
            (_("Transferred to / disposed through"), r.recipient),
            (_("Book value (原值, yuan)"), r.total_value),
            (_("Residual value (残值, yuan)"), r.total_residual),
            (_("Requested by"), r.requested_by),
            (_("Submitted at"), local(r.submitted_at)),
            (_("Decided at"), local(r.decided_at)),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r, request = self.object, self.request
        editable = r.status in DisposalRequest.EDITABLE and has_perm(request, DISPOSE)
        pending = approvals.current_request(r) if r.status == DisposalRequest.Status.PENDING else None
        ctx.update(
            {
                "update_url": self.url("update", pk=r.pk) if editable else None,
                "delete_url": None,
                "lines": list(
                    r.lines.select_related("asset", "asset__category", "asset__room").order_by("id")
                ),
                "editable": editable,
                "add_form": forms.DisposalAddForm(campus=request.campus, initial=_asset_initial(request))
                if editable
                else None,
                "can_withdraw": pending is not None and pending.requested_by_id == request.user.pk,
                "approval": pending,
                "rounds": [approval_timeline(a) for a in approvals.requests_for(r)],
                "print_url": self.url("print", pk=r.pk),
            }
        )
        return ctx


class DisposalPrintView(DisposalMixin, CampusViewMixin, TemplateView):
    """The disposal form on A4, laid out like a paper 固定资产报废申请表."""

    template_name = "assets/disposal_print.html"
    write_permission = ""

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(
            DisposalRequest.objects.select_related("requested_by"), pk=kwargs["pk"]
        )
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Asset disposal request (固定资产报废/报损申请表)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        r = self.object
        rounds = list(approvals.requests_for(r))
        ctx.update(
            {
                "object": r,
                "lines": list(r.lines.select_related("asset", "asset__category").order_by("id")),
                "round": approval_timeline(rounds[0]) if rounds else None,
                "photos": [a for a in attachments_for(r) if a.is_image][:8],
            }
        )
        return ctx


def _disposal(pk):
    return get_object_or_404(DisposalRequest, pk=pk)


@campus_view(DISPOSE)
@require_POST
def disposal_add(request, campus, pk):
    disposal = _disposal(pk)
    url = campus_url(request, "assets:disposal_detail", pk=pk)
    form = forms.DisposalAddForm(request.POST, campus=request.campus)
    if not form.is_valid():
        return _form_error(request, url, form)
    data = form.cleaned_data
    try:
        line = services.disposal_add_asset(
            actor=request.user, request=disposal, asset=data["asset"], residual_value=data["residual_value"] or 0,
            note=data["note"],
        )  # fmt: skip
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("%(asset)s added.") % {"asset": line.asset})


@campus_view(DISPOSE)
@require_POST
def disposal_remove(request, campus, pk):
    line = get_object_or_404(DisposalLine, pk=pk)
    url = campus_url(request, "assets:disposal_detail", pk=line.request_id)
    try:
        services.disposal_remove_line(actor=request.user, line=line)
    except ValidationError as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Removed."))


@campus_view(DISPOSE)
@require_POST
def disposal_submit(request, campus, pk):
    disposal = _disposal(pk)
    url = campus_url(request, "assets:disposal_detail", pk=pk)
    try:
        services.disposal_submit(actor=request.user, request=disposal)
    except (ValidationError, PermissionDenied) as exc:
        return _back(request, url, exc)
    disposal.refresh_from_db()
    if disposal.status == DisposalRequest.Status.APPROVED:
        return _back(request, url, ok=_("No approval step applies; the assets are disposed of."))
    return _back(request, url, ok=_("Submitted for approval."))


@campus_view(DISPOSE)
@require_POST
def disposal_withdraw(request, campus, pk):
    disposal = _disposal(pk)
    url = campus_url(request, "assets:disposal_detail", pk=pk)
    try:
        services.disposal_withdraw(
            actor=request.user, request=disposal, comment=request.POST.get("comment", "")[:500]
        )
    except (ValidationError, PermissionDenied) as exc:
        return _back(request, url, exc)
    return _back(request, url, ok=_("Withdrawn; you can change it and submit it again."))


def _gather():
    from houqin.assets.views import custody_reports

    return [
        path("handovers/", HandoverListView.as_view(), name="handover_list"),
        path("handovers/new/", HandoverCreateView.as_view(), name="handover_create"),
        path("handovers/term/", HandoverBulkView.as_view(), name="handover_bulk"),
        path("handovers/mine/", HandoverMineView.as_view(), name="handover_mine"),
        path("handovers/<int:pk>/", HandoverDetailView.as_view(), name="handover_detail"),
        path("handovers/<int:pk>/sign/", HandoverSignView.as_view(), name="handover_sign"),
        path("handovers/<int:pk>/print/", HandoverPrintView.as_view(), name="handover_print"),
        path("handovers/<int:pk>/void/", handover_void, name="handover_void"),
        path("handovers/lines/<int:pk>/damage/", handover_line_damage, name="handover_line_damage"),
        path("handovers/lines/<int:pk>/resolve/", handover_line_resolve, name="handover_line_resolve"),
        path("loans/", LoanListView.as_view(), name="loan_list"),
        path("loans/new/", LoanLendView.as_view(), name="loan_create"),
        path("loans/mine/", LoanMineView.as_view(), name="loan_mine"),
        path("loans/request/", LoanRequestView.as_view(), name="loan_request"),
        path("loans/<int:pk>/", LoanDetailView.as_view(), name="loan_detail"),
        path("loans/<int:pk>/lend/", loan_approve, name="loan_approve"),
        path("loans/<int:pk>/refuse/", loan_reject, name="loan_reject"),
        path("loans/<int:pk>/cancel/", loan_cancel, name="loan_cancel"),
        path("loans/<int:pk>/return/", loan_return, name="loan_return"),
        path("damage/", DamageListView.as_view(), name="damage_list"),
        path("damage/new/", DamageCreateView.as_view(), name="damage_create"),
        path("damage/<int:pk>/", DamageDetailView.as_view(), name="damage_detail"),
        path("damage/<int:pk>/edit/", DamageUpdateView.as_view(), name="damage_update"),
        path("damage/<int:pk>/compensation/", damage_compensation, name="damage_compensation"),
        path("damage/<int:pk>/payments/", damage_payment, name="damage_payment"),
        path("damage/payments/<int:pk>/void/", payment_void, name="damage_payment_void"),
        path("damage/<int:pk>/repair/", damage_repair, name="damage_repair"),
        path("damage/<int:pk>/close/", damage_close, name="damage_close"),
        path("damage/<int:pk>/void/", damage_void, name="damage_void"),
        path("disposals/", DisposalListView.as_view(), name="disposal_list"),
        path("disposals/new/", DisposalCreateView.as_view(), name="disposal_create"),
        path("disposals/<int:pk>/", DisposalDetailView.as_view(), name="disposal_detail"),
        path("disposals/<int:pk>/edit/", DisposalUpdateView.as_view(), name="disposal_update"),
        path("disposals/<int:pk>/print/", DisposalPrintView.as_view(), name="disposal_print"),
        path("disposals/<int:pk>/add/", disposal_add, name="disposal_add"),
        path("disposals/lines/<int:pk>/remove/", disposal_remove, name="disposal_remove"),
        path("disposals/<int:pk>/submit/", disposal_submit, name="disposal_submit"),
        path("disposals/<int:pk>/withdraw/", disposal_withdraw, name="disposal_withdraw"),
        *custody_reports.urlpatterns,
    ]


urlpatterns = _gather()
