"""Responsibility agreements (安全责任书 / 安全接送协议 / 代接送协议) per term: who must sign,
who has signed (scan upload or on-screen confirmation), the completion rate, export;
and "my safety" — what the logged-in staff member has to sign, read, or swap."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.exports import xlsx_response
from houqin.core.links import strict_request_url as _url
from houqin.core.models import Child, Membership
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)
from houqin.safety import services
from houqin.safety.filters import AgreementFilter
from houqin.safety.forms import AgreementForm, SignatureScanForm, VoidForm
from houqin.safety.models import (
    Agreement,
    AgreementSignature,
    DutyShift,
    DutySwap,
    EmergencyPlan,
    PlanAcknowledgement,
)
from houqin.safety.views.hazards import error_text, local


class AgreementMixin:
    model = Agreement
    url_base = "safety:agreement"
    permission_required = "safety.view_agreements"
    write_permission = "safety.manage_agreements"


def required_counts(campus, agreements):
    """{agreement id: number of people who must sign} for many agreements in 2 queries
    (plus the prefetched classes and children of the agreements)."""
    role_rows = list(
        Membership.objects.filter(campus=campus, is_active=True, user__is_active=True).values_list(
            "user_id", "role"
        )
    )
    per_class = dict(
        Child.objects.filter(campus=campus, status=Child.Status.ENROLLED)
        .values_list("school_class_id")
        .annotate(n=Count("id"))
        .values_list("school_class_id", "n")
    )
    out = {}
    for a in agreements:
        if a.audience == Agreement.Audience.STAFF:
            roles = set(a.roles or [])
            out[a.pk] = len({user for user, role in role_rows if role in roles})
        else:
            children = list(a.children.all())
            classes = list(a.classes.all())
            if children:
                out[a.pk] = sum(1 for c in children if c.status == Child.Status.ENROLLED)
            elif classes:
                out[a.pk] = sum(per_class.get(c.pk, 0) for c in classes)
            else:
                out[a.pk] = sum(per_class.values())
    return out


class AgreementListView(AgreementMixin, ObjectListView):
    filterset_class = AgreementFilter
    search_fields = ("title",)
    pinyin_field = ""
    title = gettext_lazy("Responsibility agreements")
    create_label = gettext_lazy("New agreement")
    select_related = ("term",)
    prefetch_related = ("classes", "children")
    ordering = ("-term__start_date", "title")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(signed_count=Count("signatures", filter=Q(signatures__voided_at__isnull=True)))
        )

    def _required(self, agreement):
        if not hasattr(self, "_required_cache"):
            # computed for the whole filtered list at once: a fixed number of queries
            page = list(self.object_list)
            self._required_cache = required_counts(self.request.campus, page)
        return self._required_cache.get(agreement.pk, 0)

    def _progress(self, a):
        required = self._required(a)
        signed = min(a.signed_count, required) if required else a.signed_count
        rate = f" ({round(100 * signed / required)}%)" if required else ""
        return f"{signed} / {required}{rate}"

    @property
    def columns(self):
        return [
            Column(_("Title"), "title", link=True),
            Column(_("Term"), "term"),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Who signs"), "get_audience_display"),
            Column(_("Signed"), self._progress),
            Column(_("Sign by"), "due_on"),
            Column(_("Open for signing"), "is_active"),
        ]


class AgreementFormView(AgreementMixin, ObjectFormView):
    form_class = AgreementForm

    def get_initial(self):
        initial = super().get_initial()
        if self.is_create:
            from houqin.core.models import Term

            today = timezone.localdate()
            term = Term.objects.filter(end_date__gte=today).order_by("start_date").first()
            if term is not None:
                initial.setdefault("term", term.pk)
        return initial


class AgreementDetailView(AgreementMixin, ObjectDetailView):
    template_name = "safety/agreement_detail.html"
    attachments = False

    def get_queryset(self):
        return Agreement.objects.select_related("term").prefetch_related("classes", "children")

    def detail_fields(self):
        a = self.object
        classes = "、".join(c.name for c in a.classes.all())
        children = "、".join(c.name for c in a.children.all())
        from houqin.core.roles import Role

        labels = dict(Role.choices)
        return [
            (_("Term"), a.term),
            (_("Kind"), a.get_kind_display()),
            (_("Who signs"), a.get_audience_display()),
            (_("Roles that sign"), "、".join(str(labels.get(r, r)) for r in a.roles or [])),
            (
                _("Classes"),
                classes or (_("Every class") if a.audience == Agreement.Audience.GUARDIANS else ""),
            ),
            (_("Only these children"), children),
            (_("Sign by"), a.due_on),
            (_("Open for signing"), a.is_active),
        ]

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            if not has_perm(request, "core.export"):
                raise PermissionDenied
            self.object = self.get_object()
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        a = self.object
        progress = services.agreement_progress(a)
        by_key = {(s.user_id or s.child_id): s for s in progress["signatures"]}
        if a.audience == Agreement.Audience.STAFF:
            people = list(services.agreement_staff_signers(a))
            rows = [(p.display_name, p.phone or "", "", by_key.get(p.pk)) for p in people]
        else:
            people = list(services.agreement_children(a).prefetch_related("guardians"))
            rows = [
                (
                    p.name,
                    p.school_class.name if p.school_class_id else "",
                    "、".join(g.name for g in p.guardians.all()),
                    by_key.get(p.pk),
                )
                for p in people
            ]
        return xlsx_response(
            filename=f"{a.title}-{self.request.campus.display_name}.xlsx",
            title=a.title,
            columns=[
                (_("Name"), lambda r: r[0]),
                (_("Class") if a.audience == Agreement.Audience.GUARDIANS else _("Phone"), lambda r: r[1]),
                (_("Guardians"), lambda r: r[2]),
                (_("Signed"), lambda r: r[3] is not None),
                (_("Signed by"), lambda r: r[3].signer_name if r[3] else ""),
                (_("How"), lambda r: r[3].get_method_display() if r[3] else ""),
                (_("Signed at"), lambda r: local(r[3].signed_at) if r[3] else None),
            ],
            rows=rows,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        a = self.object
        progress = services.agreement_progress(a)
        manage = ctx["can_write"]
        ctx.update(
            {
                "progress": progress,
                "is_staff_agreement": a.audience == Agreement.Audience.STAFF,
                "scan_form": SignatureScanForm(
                    campus=self.request.campus, agreement=a, missing=progress["missing"]
                )
                if manage and a.is_active and progress["missing"]
                else None,
                "void_form": VoidForm(campus=self.request.campus, prefix="void") if manage else None,
                "can_confirm": a.is_active
                and a.audience == Agreement.Audience.STAFF
                and has_perm(self.request, "safety.self_service")
                and any(getattr(p, "pk", None) == self.request.user.pk for p in progress["missing"]),
                "export_url": "?export=xlsx" if has_perm(self.request, "core.export") else None,
            }
        )
        return ctx


class SignatureDetailView(ObjectDetailView):
    """One recorded signature with its scan (the attachments tab)."""

    model = AgreementSignature
    url_base = "safety:signature"
    permission_required = "safety.view_agreements"
    write_permission = "safety.manage_agreements"
    fields = (
        "agreement",
        "user",
        "child",
        "signer_name",
        "method",
        "signed_at",
        "recorded_by",
        "voided_at",
        "void_reason",
    )

    def get_queryset(self):
        return AgreementSignature.objects.select_related("agreement", "user", "child", "recorded_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["list_url"] = _url(self.request, "safety:agreement_detail", pk=self.object.agreement_id)
        ctx["update_url"] = ctx["delete_url"] = None
        return ctx


@campus_view("safety.self_service")
@require_POST
def agreement_confirm(request, campus, pk):
    agreement = get_object_or_404(Agreement, pk=pk)
    try:
        services.agreement_confirm(actor=request.user, agreement=agreement)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(
            request,
            _("Thank you: your confirmation of “%(title)s” was recorded.") % {"title": agreement.title},
        )
    nxt = request.POST.get("next", "")
    if nxt.startswith(f"/c/{request.campus.code}/") and "//" not in nxt:
        return HttpResponseRedirect(nxt)
    return HttpResponseRedirect(_url(request, "safety:my_safety"))


@campus_view("safety.manage_agreements")
@require_POST
def agreement_scan(request, campus, pk):
    agreement = get_object_or_404(Agreement, pk=pk)
    progress = services.agreement_progress(agreement)
    form = SignatureScanForm(
        request.POST, request.FILES, campus=request.campus, agreement=agreement, missing=progress["missing"]
    )
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
    else:
        data = form.cleaned_data
        try:
            services.agreement_record_scan(
                actor=request.user,
                agreement=agreement,
                scan=data["scan"],
                user=data.get("user"),
                child=data.get("child"),
                signer_name=data.get("signer_name", ""),
                signed_on=data.get("signed_on"),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The signature was recorded."))
    return HttpResponseRedirect(_url(request, "safety:agreement_detail", pk=agreement.pk))


@campus_view("safety.manage_agreements")
@require_POST
def signature_void(request, campus, pk):
    signature = get_object_or_404(AgreementSignature, pk=pk)
    form = VoidForm(request.POST, campus=request.campus, prefix="void")
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
    else:
        try:
            services.agreement_signature_void(
                actor=request.user, signature=signature, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("The signature was voided."))
    return HttpResponseRedirect(_url(request, "safety:agreement_detail", pk=signature.agreement_id))


class MySafetyView(CampusViewMixin, TemplateView):
    """What the logged-in staff member has to do: sign agreements, read plans, their duty."""

    template_name = "safety/agreement_mine.html"
    permission_required = "safety.self_service"
    title = gettext_lazy("My agreements, plans and duty")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, campus = self.request.user, self.request.campus
        roles = set(self.request.roles)
        signed = dict(
            AgreementSignature.objects.filter(campus=campus, user=user, voided_at__isnull=True).values_list(
                "agreement_id", "signed_at"
            )
        )
        agreements = [
            a
            for a in Agreement.objects.filter(campus=campus, audience=Agreement.Audience.STAFF)
            .select_related("term")
            .order_by("-term__start_date", "title")
            if roles & set(a.roles or []) and (a.is_active or a.pk in signed)
        ]
        read = dict(
            PlanAcknowledgement.objects.filter(campus=campus, user=user).values_list(
                "version_id", "acknowledged_at"
            )
        )
        plans = list(
            EmergencyPlan.objects.filter(campus=campus, is_active=True, current_version__isnull=False)
            .select_related("current_version")
            .order_by("title")
        )
        today = timezone.localdate()
        shifts = list(
            DutyShift.objects.filter(campus=campus, person=user, date__gte=today).order_by(
                "date", "start_time"
            )[:20]
        )
        pending = set(
            DutySwap.objects.filter(shift__in=shifts, status=DutySwap.Status.PENDING).values_list(
                "shift_id", flat=True
            )
        )
        ctx.update(
            {
                "agreements": [(a, signed.get(a.pk)) for a in agreements],
                "plans": [(p, read.get(p.current_version_id)) for p in plans],
                "shifts": [(s, s.pk in pending) for s in shifts],
            }
        )
        return ctx


urlpatterns = [
    path("agreements/", AgreementListView.as_view(), name="agreement_list"),
    path("agreements/new/", AgreementFormView.as_view(), name="agreement_create"),
    path("agreements/<int:pk>/", AgreementDetailView.as_view(), name="agreement_detail"),
    path("agreements/<int:pk>/edit/", AgreementFormView.as_view(), name="agreement_update"),
    path("agreements/<int:pk>/confirm/", agreement_confirm, name="agreement_confirm"),
    path("agreements/<int:pk>/scan/", agreement_scan, name="agreement_scan"),
    path("signatures/<int:pk>/", SignatureDetailView.as_view(), name="signature_detail"),
    path("signatures/<int:pk>/void/", signature_void, name="signature_void"),
    path("my/", MySafetyView.as_view(), name="my_safety"),
]
