"""The menu generator page (智能排餐): choose the week and the age group → propose → the
proposal with its analysis and cost → save as a draft menu → the menu editor (nutrition
area), where the health teacher edits and publishes it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from houqin.canteen import menugen
from houqin.canteen.meals_forms import GeneratorForm
from houqin.canteen.models import Menu
from houqin.canteen.views.meals_common import campus_url, error_text
from houqin.core.views.generic import CampusViewMixin

MANAGE = menugen.MANAGE


def menu_editor_url(request, menu):
    """The nutrition area's page of the menu (its editor), or the menu list."""
    for name in ("canteen:nutrition_menu_detail", "canteen:nutrition_menu_list"):
        try:
            kwargs = {"campus": request.campus.code}
            if not name.endswith("_list"):
                kwargs["pk"] = menu.pk
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return campus_url(request, "canteen:meals_generator")


class GeneratorView(CampusViewMixin, TemplateView):
    template_name = "canteen/meals_generator.html"
    permission_required = MANAGE
    write_permission = MANAGE
    title = gettext_lazy("Menu generator (智能排餐)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        bound = "week_start" in request.GET
        form = GeneratorForm(request.GET if bound else None, campus=request.campus)
        ctx.update({"form": form, "proposal": None, "errors": [], "existing": None})
        if bound and form.is_valid():
            week, group = form.cleaned_data["week_start"], form.cleaned_data["age_group"]
            ctx["existing"] = Menu.objects.filter(
                campus=request.campus, week_start=week, age_group=group
            ).first()
            if ctx["existing"] is not None:
                ctx["existing_url"] = menu_editor_url(request, ctx["existing"])
            else:
                try:
                    ctx["proposal"] = menugen.propose(request.campus, group, week)
                except menugen.MenuGenerationError as exc:
                    ctx["errors"] = exc.reasons
                except ValidationError as exc:
                    ctx["errors"] = exc.messages
        return ctx

    def post(self, request, *args, **kwargs):
        back = campus_url(request, "canteen:meals_generator")
        try:
            menu = menugen.proposal_save(actor=request.user, campus=request.campus,
                                         token=request.POST.get("token", ""))  # fmt: skip
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc))
            query = request.POST.get("query", "")
            return HttpResponseRedirect(back + (f"?{query}" if query and "//" not in query else ""))
        messages.success(request, _("The proposal was saved as a draft menu; check it and publish it."))
        return HttpResponseRedirect(menu_editor_url(request, menu))


urlpatterns = [
    path("generator/", GeneratorView.as_view(), name="meals_generator"),
]
