"""Ingredients (食物成分, edible portion, price, banned foods; CSV import and the starter table)
and dishes as recipes per age group."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from houqin.canteen import nutrition_importers as importers
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, DishIngredient, Ingredient
from houqin.canteen.nutrition_forms import (
    CsvUploadForm,
    DishFilter,
    DishForm,
    IngredientFilter,
    IngredientForm,
    RecipeCopyForm,
)
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import (
    Column,
    ImportView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
)

VIEW, MANAGE = "canteen.view_menus", "canteen.manage_menus"


def curl(request, name, **kwargs):
    return reverse(name, kwargs={"campus": request.campus.code, **kwargs})


def error_text(exc):
    return " ".join(str(m) for m in getattr(exc, "messages", [str(exc)]))


def banned_badge(obj):
    if obj.is_banned:
        return format_html('<span class="badge bg-red-lt" title="{}">{}</span>', obj.ban_reason, _("Banned"))
    return ""


def _num(value, digits=1):
    return None if value is None else round(float(value), digits)


# --- Ingredients ----------------------------------------------------------------------------


class IngredientMixin:
    model = Ingredient
    url_base = "canteen:nutrition_ingredient"
    permission_required = VIEW
    write_permission = MANAGE


class IngredientListView(IngredientMixin, ObjectListView):
    template_name = "canteen/nutrition_ingredient_list.html"
    title = gettext_lazy("Ingredients (食物成分)")
    filterset_class = IngredientFilter
    search_fields = ("name", "name_en")
    create_label = gettext_lazy("New ingredient")
    ordering = ("food_group", "name", "id")

    @property
    def columns(self):
        return [
            Column(_("Name"), "name", link=True),
            Column(_("Food group"), "get_food_group_display"),
            Column(_("Edible portion"), "edible_portion"),
            Column(_("Price per kg (yuan)"), "price_per_kg"),
            Column(_("Energy (kcal/100 g)"), lambda i: _num(i.energy_kcal, 0)),
            Column(_("Protein (g/100 g)"), lambda i: _num(i.protein_g)),
            Column(_("High-quality protein"), "is_quality_protein"),
            Column(_("Banned"), banned_badge, export=False),
            Column(_("Source"), "source"),
        ]

    @property
    def export_columns(self):
        cols = [
            Column(_("Name"), "name"),
            Column(_("English name"), "name_en"),
            Column(_("Food group"), "get_food_group_display"),
            Column(_("Edible portion"), "edible_portion"),
            Column(_("Price per kg (yuan)"), "price_per_kg"),
        ]
        for key, _unit in services.NUTRIENTS:
            cols.append(Column(f"{Ingredient._meta.get_field(key).verbose_name} /100 g", key))
        return cols + [
            Column(_("Banned"), "is_banned"),
            Column(_("Source"), "source"),
            Column(_("Source id"), "source_id"),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_manage"] = has_perm(self.request, MANAGE)
        ctx["import_url"] = curl(self.request, "canteen:nutrition_ingredient_import")
        ctx["starter_url"] = curl(self.request, "canteen:nutrition_ingredient_starter")
        ctx["starter_source"] = importers.STARTER_SOURCE
        ctx["empty_table"] = not Ingredient.objects.filter(campus=self.request.campus).exists()
        return ctx


class IngredientDetailView(IngredientMixin, ObjectDetailView):
    template_name = "canteen/nutrition_ingredient_detail.html"

    def detail_fields(self):
        i = self.object
        rows = [
            (_("Name"), i.name),
            (_("English name"), i.name_en),
            (_("Food group"), i.get_food_group_display()),
            (_("High-quality protein"), _("Yes") if i.is_quality_protein else _("No")),
            (_("Edible portion"), i.edible_portion),
            (_("Price per kg (yuan)"), i.price_per_kg),
        ]
        for key, _unit in services.NUTRIENTS:
            rows.append((f"{Ingredient._meta.get_field(key).verbose_name} / 100 g", getattr(i, key)))
        rows += [
            (_("Source"), f"{i.source} {i.source_id}".strip()),
            (_("Banned"), banned_badge(i) or _("No")),
            (_("Active"), _("Yes") if i.is_active else _("No")),
        ]
        return rows


class IngredientFormView(IngredientMixin, ObjectFormView):
    form_class = IngredientForm

    def save_object(self, form, instance, before):
        return services.ingredient_save(actor=self.request.user, campus=self.request.campus, instance=instance,
                                        before=before)  # fmt: skip


class IngredientDeleteView(IngredientMixin, ObjectDeleteView):
    pass


class CompositionImportView(ImportView):
    """Upload a composition CSV in the starter table's layout; all or nothing."""

    template_name = "canteen/nutrition_ingredient_import.html"
    permission_required = MANAGE
    write_permission = MANAGE
    title = gettext_lazy("Import food composition (CSV)")
    form_class = CsvUploadForm
    template_url_name = "canteen:nutrition_ingredient_import_template"
    list_url_name = "canteen:nutrition_ingredient_list"
    success_message = gettext_lazy("Imported %(n)s foods from %(file)s.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["headers"] = importers.HEADERS
        ctx["required_headers"] = importers.REQUIRED
        ctx["groups"] = Ingredient.FoodGroup.choices
        return ctx

    def run_import(self, upload):
        result = importers.composition_import(
            actor=self.request.user, campus=self.request.campus, file=upload
        )
        result.created += getattr(result, "updated", 0)
        return result


@campus_view(MANAGE)
def composition_template(request, campus):
    response = HttpResponse(importers.composition_template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, "food-composition-template.csv")
    return response


@campus_view(MANAGE)
@require_POST
def starter_load(request, campus):
    result = importers.starter_load(actor=request.user, campus=request.campus)
    url = curl(request, "canteen:nutrition_ingredient_list")
    if result.ok:
        messages.success(
            request,
            _("Starter table loaded: %(new)s new foods, %(changed)s updated (USDA SR28, public domain).")
            % {"new": result.created, "changed": result.updated},
        )
    else:
        messages.error(request, result.file_error or "; ".join(e.message for e in result.errors[:5]))
    return HttpResponseRedirect(url)


# --- Dishes ---------------------------------------------------------------------------------


class DishMixin:
    model = Dish
    url_base = "canteen:nutrition_dish"
    permission_required = VIEW
    write_permission = MANAGE


class DishListView(DishMixin, ObjectListView):
    title = gettext_lazy("Dishes (菜品与带量配方)")
    filterset_class = DishFilter
    search_fields = ("name",)
    create_label = gettext_lazy("New dish")
    ordering = ("category", "name", "id")

    @property
    def columns(self):
        return [
            Column(_("Dish"), "name", link=True),
            Column(_("Category"), "get_category_display"),
            Column(_("Main protein"), "get_protein_source_display"),
            Column(
                _("Suitable meals"),
                lambda d: "、".join(
                    str(services.MealKind(m).label) for m in d.meal_kinds() if m in services.MEAL_ORDER
                ),
            ),  # fmt: skip
            Column(_("Active"), "is_active"),
        ]


class DishDetailView(DishMixin, ObjectDetailView):
    template_name = "canteen/nutrition_dish_detail.html"
    attachments = True

    def detail_fields(self):
        d = self.object
        return [
            (_("Dish"), d.name),
            (_("Category"), d.get_category_display()),
            (_("Main protein"), d.get_protein_source_display()),
            (
                _("Suitable meals"),
                "、".join(str(services.MealKind(m).label) for m in d.meal_kinds() if m in services.MEAL_ORDER)
                or _("Any"),
            ),  # fmt: skip
            (_("Active"), _("Yes") if d.is_active else _("No")),
            (_("Note"), d.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        summary = services.dish_summary(self.object)
        have = {g["age_group"] for g in summary["groups"]}
        ctx.update(
            {
                "summary": summary,
                "nutrients": services.NUTRIENTS,
                "missing_groups": [g for g in AgeGroup if g.value not in have],
                "copy_form": RecipeCopyForm(campus=self.request.campus) if summary["groups"] else None,
                "can_manage": has_perm(self.request, MANAGE),
                "delete_url": None,
            }
        )
        if ctx["can_manage"] and not self.object.menu_items.exists():
            ctx["delete_url"] = curl(self.request, "canteen:nutrition_dish_delete", pk=self.object.pk)
        return ctx


class DishFormView(DishMixin, ObjectFormView):
    form_class = DishForm

    def save_object(self, form, instance, before):
        instance.meals = ",".join(form.cleaned_data.get("meal_choices") or [])
        return services.dish_save(actor=self.request.user, campus=self.request.campus, instance=instance,
                                  before=before)  # fmt: skip


class DishDeleteView(DishMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            services.dish_delete(actor=request.user, instance=self.object)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(self.url("detail", pk=self.object.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(self.url("list"))


RECIPE_EMPTY_ROWS = 6


@campus_view(MANAGE)
def dish_recipe(request, campus, pk, group):
    """Edit the recipe of one age group: rows of ingredient + grams (purchased) per child."""
    dish = get_object_or_404(Dish, pk=pk)
    if group not in AgeGroup.values:
        return HttpResponseRedirect(curl(request, "canteen:nutrition_dish_detail", pk=pk))
    ingredients = list(
        Ingredient.objects.filter(campus=request.campus, is_active=True).order_by("food_group", "name")
    )
    by_id = {str(i.pk): i for i in ingredients}
    errors = []
    if request.method == "POST":
        lines = []
        rows = list(zip(request.POST.getlist("ingredient"), request.POST.getlist("grams"), strict=False))
        for number, (ingredient_id, grams) in enumerate(rows, start=1):
            if not ingredient_id and not grams.strip():
                continue
            ingredient = by_id.get(ingredient_id)
            if ingredient is None:
                errors.append(_("Row %(n)s: choose an ingredient.") % {"n": number})
                continue
            try:
                value = Decimal(grams.strip())
            except InvalidOperation:
                errors.append(_("Row %(n)s: enter the grams.") % {"n": number})
                continue
            lines.append((ingredient, value))
        if not errors:
            try:
                services.dish_lines_set(actor=request.user, dish=dish, age_group=group, lines=lines)
            except ValidationError as exc:
                errors.append(error_text(exc))
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(curl(request, "canteen:nutrition_dish_detail", pk=pk))
        current = rows
    else:
        current = [
            (str(line.ingredient_id), str(line.grams))
            for line in DishIngredient.objects.filter(dish=dish, age_group=group).order_by("-grams")
        ]
    current = list(current) + [("", "")] * RECIPE_EMPTY_ROWS
    return render(
        request,
        "canteen/nutrition_dish_recipe.html",
        {
            "title": _("Recipe of %(dish)s for %(group)s")
            % {"dish": dish.name, "group": AgeGroup(group).label},
            "dish": dish,
            "group": group,
            "rows": current,
            "ingredients": ingredients,
            "errors": errors,
            "cancel_url": curl(request, "canteen:nutrition_dish_detail", pk=pk),
        },
    )


@campus_view(MANAGE)
@require_POST
def dish_recipe_copy(request, campus, pk):
    dish = get_object_or_404(Dish, pk=pk)
    url = curl(request, "canteen:nutrition_dish_detail", pk=pk)
    form = RecipeCopyForm(request.POST, campus=request.campus)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(v) for v in form.errors.values()))
        return HttpResponseRedirect(url)
    try:
        services.dish_lines_copy(
            actor=request.user,
            dish=dish,
            from_group=form.cleaned_data["from_group"],
            to_group=form.cleaned_data["to_group"],
            factor=form.cleaned_data["factor"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Recipe copied."))
    return HttpResponseRedirect(url)


urlpatterns = [
    path("ingredients/", IngredientListView.as_view(), name="nutrition_ingredient_list"),
    path("ingredients/new/", IngredientFormView.as_view(), name="nutrition_ingredient_create"),
    path("ingredients/import/", CompositionImportView.as_view(), name="nutrition_ingredient_import"),
    path("ingredients/import/template/", composition_template, name="nutrition_ingredient_import_template"),
    path("ingredients/starter/", starter_load, name="nutrition_ingredient_starter"),
    path("ingredients/<int:pk>/", IngredientDetailView.as_view(), name="nutrition_ingredient_detail"),
    path("ingredients/<int:pk>/edit/", IngredientFormView.as_view(), name="nutrition_ingredient_update"),
    path("ingredients/<int:pk>/delete/", IngredientDeleteView.as_view(), name="nutrition_ingredient_delete"),
    path("dishes/", DishListView.as_view(), name="nutrition_dish_list"),
    path("dishes/new/", DishFormView.as_view(), name="nutrition_dish_create"),
    path("dishes/<int:pk>/", DishDetailView.as_view(), name="nutrition_dish_detail"),
    path("dishes/<int:pk>/edit/", DishFormView.as_view(), name="nutrition_dish_update"),
    path("dishes/<int:pk>/delete/", DishDeleteView.as_view(), name="nutrition_dish_delete"),
    path("dishes/<int:pk>/recipe/<str:group>/", dish_recipe, name="nutrition_dish_recipe"),
    path("dishes/<int:pk>/copy/", dish_recipe_copy, name="nutrition_dish_copy"),
]
