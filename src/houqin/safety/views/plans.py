"""Emergency plans (应急预案) as versioned documents that staff acknowledge reading; who has not yet."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView

from houqin.core.attachments import attachments_for
from houqin.core.links import strict_request_url as _url
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
)
from houqin.safety import services
from houqin.safety.filters import EmergencyPlanFilter
from houqin.safety.forms import EmergencyPlanForm, PlanVersionForm
from houqin.safety.models import EmergencyPlan, EmergencyPlanVersion, PlanAcknowledgement
from houqin.safety.views.hazards import error_text


class PlanMixin:
    model = EmergencyPlan
    url_base = "safety:plan"
    permission_required = "safety.view_plans"
    write_permission = "safety.manage_plans"


class PlanListView(PlanMixin, ObjectListView):
    filterset_class = EmergencyPlanFilter
    search_fields = ("title",)
    pinyin_field = ""
    title = gettext_lazy("Emergency plans")
    create_label = gettext_lazy("New emergency plan")
    select_related = ("current_version",)
    ordering = ("title",)

    def get_queryset(self):
        mine = PlanAcknowledgement.objects.filter(
            version_id=OuterRef("current_version_id"), user=self.request.user
        )
        return (
            super()
            .get_queryset()
            .annotate(read_count=Count("current_version__acknowledgements"), read_by_me=Exists(mine))
        )

    def _staff_total(self):
        if not hasattr(self, "_staff"):
            self._staff = services.campus_staff(self.request.campus).count()
        return self._staff

    @property
    def columns(self):
        return [
            Column(_("Title"), "title", link=True),
            Column(_("Category"), "get_category_display"),
            Column(_("Current version"), "current_version.version"),
            Column(_("Published on"), "current_version.published_on"),
            Column(
                _("Read by"),
                lambda p: f"{p.read_count} / {self._staff_total()}" if p.current_version_id else "",
            ),
            Column(_("I have read it"), lambda p: p.read_by_me if p.current_version_id else None),
            Column(_("In force"), "is_active"),
        ]


class PlanFormView(PlanMixin, ObjectFormView):
    form_class = EmergencyPlanForm

    def get_success_url(self):
        if self.is_create:
            return _url(self.request, "safety:plan_version_create", pk=self.object.pk)
        return super().get_success_url()


class PlanDetailView(PlanMixin, ObjectDetailView):
    template_name = "safety/plan_detail.html"
    attachments = False

    def get_queryset(self):
        return EmergencyPlan.objects.select_related("current_version", "current_version__published_by")

    def detail_fields(self):
        p = self.object
        v = p.current_version
        return [
            (_("Title"), p.title),
            (_("Category"), p.get_category_display()),
            (_("Current version"), v.version if v else None),
            (_("Published on"), v.published_on if v else None),
            (_("Published by"), v.published_by if v else None),
            (_("What changed"), v.change_note if v else None),
            (_("In force"), p.is_active),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        version = plan.current_version
        manage = ctx["can_write"]
        my_ack = (
            PlanAcknowledgement.objects.filter(version=version, user=user).first()
            if version is not None
            else None
        )
        ctx.update(
            {
                "version": version,
                "version_files": list(attachments_for(version)) if version else [],
                "versions": plan.versions.select_related("published_by").annotate(
                    read_count=Count("acknowledgements")
                ),
                "my_ack": my_ack,
                "can_acknowledge": version is not None
                and plan.is_active
                and my_ack is None
                and has_perm(self.request, "safety.self_service"),
                "new_version_url": self.url("version_create", pk=plan.pk) if manage else None,
            }
        )
        if manage and version is not None:
            ctx["acknowledged"] = version.acknowledgements.select_related("user").order_by("acknowledged_at")
            ctx["not_acknowledged"] = list(services.plan_unacknowledged(plan))
        return ctx


class PlanVersionCreateView(PlanMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = PlanVersionForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission
        return super().dispatch(request, *args, **kwargs)

    def get_plan(self):
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(
                EmergencyPlan.objects.select_related("current_version"), pk=self.kwargs["pk"]
            )
        return self._plan

    def get_title(self):
        return _("Publish a new version of “%(title)s”") % {"title": self.get_plan().title}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        current = self.get_plan().current_version
        return {"text": current.text if current else ""}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.plan_publish_version(
                actor=self.request.user,
                plan=self.get_plan(),
                version=data["version"],
                text=data["text"],
                published_on=data["published_on"],
                change_note=data["change_note"],
                pdf=data.get("pdf"),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Published; every staff member is asked to read it again."))
        return HttpResponseRedirect(_url(self.request, "safety:plan_detail", pk=self.get_plan().pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "safety:plan_detail", pk=self.get_plan().pk)
        return ctx


class PlanVersionDetailView(ObjectDetailView):
    model = EmergencyPlanVersion
    url_base = "safety:plan_version"
    permission_required = "safety.view_plans"
    write_permission = "safety.manage_plans"
    fields = ("plan", "version", "published_on", "published_by", "change_note", "text")

    def get_queryset(self):
        return EmergencyPlanVersion.objects.select_related("plan", "published_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["list_url"] = _url(self.request, "safety:plan_detail", pk=self.object.plan_id)
        ctx["update_url"] = ctx["delete_url"] = None
        return ctx


@campus_view("safety.self_service")
@require_POST
def plan_acknowledge(request, campus, pk):
    plan = get_object_or_404(EmergencyPlan.objects.select_related("current_version"), pk=pk)
    try:
        services.plan_acknowledge(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Thank you: your reading of “%(title)s” was recorded.") % {"title": plan.title}
        )
    nxt = request.POST.get("next", "")
    if nxt.startswith(f"/c/{request.campus.code}/") and "//" not in nxt:
        return HttpResponseRedirect(nxt)
    return HttpResponseRedirect(_url(request, "safety:plan_detail", pk=plan.pk))


urlpatterns = [
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("plans/new/", PlanFormView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanFormView.as_view(), name="plan_update"),
    path("plans/<int:pk>/versions/new/", PlanVersionCreateView.as_view(), name="plan_version_create"),
    path("plans/<int:pk>/acknowledge/", plan_acknowledge, name="plan_acknowledge"),
    path("plan-versions/<int:pk>/", PlanVersionDetailView.as_view(), name="plan_version_detail"),
]
