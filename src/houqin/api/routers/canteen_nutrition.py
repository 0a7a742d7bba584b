"""API of the nutrition area: Ingredients, dishes, weekly menus and nutrition analysis (带量食谱与营养分析).

Paths under ``/canteen/``: ``ingredients``, ``dishes`` (with their recipe per age group),
``menus`` (create with items, add/remove items, publish, withdraw, analysis), ``meal-counts``
and ``purchase-list``. Every write goes through :mod:`houqin.canteen.nutrition_services`.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import get_in_campus
from houqin.api.pagination import LimitOffset
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, DishIngredient, Ingredient, Menu, MenuItem
from houqin.core import audit

router = Router(tags=["canteen-nutrition"])

VIEW, MANAGE, PUBLISH = "canteen.view_menus", "canteen.manage_menus", "canteen.publish_menus"
NUTRIENT_KEYS = [k for k, _u in services.NUTRIENTS]


# --- Schemas --------------------------------------------------------------------------------


class IngredientOut(Schema):
    id: int
    name: str
    name_en: str
    food_group: str
    is_quality_protein: bool
    edible_portion: Decimal
    price_per_kg: Decimal | None
    energy_kcal: Decimal | None
    protein_g: Decimal | None
    fat_g: Decimal | None
    carbohydrate_g: Decimal | None
    calcium_mg: Decimal | None
    iron_mg: Decimal | None
    zinc_mg: Decimal | None
    vitamin_a_ug: Decimal | None
    vitamin_b1_mg: Decimal | None
    vitamin_b2_mg: Decimal | None
    vitamin_c_mg: Decimal | None
    source: str
    source_id: str
    is_banned: bool
    ban_reason: str
    is_active: bool


class IngredientIn(Schema):
    name: str
    name_en: str = ""
    food_group: str
    is_quality_protein: bool = False
    edible_portion: Decimal = Decimal("1.00")
    price_per_kg: Decimal | None = None
    energy_kcal: Decimal | None = None
    protein_g: Decimal | None = None
    fat_g: Decimal | None = None
    carbohydrate_g: Decimal | None = None
    calcium_mg: Decimal | None = None
    iron_mg: Decimal | None = None
    zinc_mg: Decimal | None = None
    vitamin_a_ug: Decimal | None = None
    vitamin_b1_mg: Decimal | None = None
    vitamin_b2_mg: Decimal | None = None
    vitamin_c_mg: Decimal | None = None
    source: str = ""
    is_banned: bool = False
    ban_reason: str = ""


class IngredientPatch(Schema):
    edible_portion: Decimal | None = None
    price_per_kg: Decimal | None = None
    is_banned: bool | None = None
    ban_reason: str | None = None
    is_active: bool | None = None


class LineOut(Schema):
    ingredient: int = Field(alias="ingredient_id")
    ingredient_name: str = Field(alias="ingredient.name")
    age_group: str
    grams: Decimal


class DishOut(Schema):
    id: int
    name: str
    category: str
    protein_source: str
    meals: str
    is_active: bool
    note: str


class DishDetailOut(DishOut):
    lines: list[LineOut] = []
    nutrients: dict[str, dict[str, float]] = {}
    banned: list[str] = []


class DishIn(Schema):
    name: str
    category: str
    protein_source: str = ""
    meals: str = ""
    note: str = ""


class LineIn(Schema):
    ingredient: int
    grams: Decimal


class RecipeIn(Schema):
    lines: list[LineIn]


class CopyIn(Schema):
    from_group: str
    to_group: str
    factor: Decimal = Decimal("1")


class ItemOut(Schema):
    id: int
    date: dt.date
    meal: str
    dish: int = Field(alias="dish_id")
    dish_name: str = Field(alias="dish.name")
    sort_order: int


class MenuOut(Schema):
    id: int
    week_start: dt.date
    age_group: str
    status: str
    generated: bool
    note: str
    published_at: dt.datetime | None
    withdrawn_reason: str


class MenuDetailOut(MenuOut):
    items: list[ItemOut] = []

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.select_related("dish").order_by("date", "meal", "sort_order", "pk"))


class ItemIn(Schema):
    date: dt.date
    meal: str
    dish: int


class MenuIn(Schema):
    week_start: dt.date
    age_group: str
    items: list[ItemIn] = []
    note: str = ""


class ReasonIn(Schema):
    reason: str


class StaffIn(Schema):
    date: dt.date
    count: int = Field(ge=0, le=5000)
    note: str = ""


# --- Ingredients ----------------------------------------------------------------------------


@router.get(
    "/canteen/ingredients", response=list[IngredientOut], url_name="canteen_nutrition_ingredient_list"
)
@requires(VIEW)
@paginate(LimitOffset)
def ingredient_list(request, food_group: str | None = None, banned: bool | None = None, q: str = ""):
    """The campus's composition table (per 100 g edible portion)."""
    qs = Ingredient.objects.filter(campus=request.campus).order_by("food_group", "name", "id")
    if food_group:
        qs = qs.filter(food_group=food_group)
    if banned is not None:
        qs = qs.filter(is_banned=banned)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


@router.get(
    "/canteen/ingredients/{ingredient_id}", response=IngredientOut, url_name="canteen_nutrition_ingredient"
)
@requires(VIEW)
def ingredient_detail(request, ingredient_id: int):
    return get_in_campus(request, Ingredient.objects.all(), pk=ingredient_id)


@router.post(
    "/canteen/ingredients", response={201: IngredientOut}, url_name="canteen_nutrition_ingredient_create"
)
@requires(MANAGE)
def ingredient_create(request, payload: IngredientIn):
    instance = Ingredient(campus=request.campus, **payload.dict())
    services.ingredient_save(actor=request.user, campus=request.campus, instance=instance)
    return Status(201, instance)


@router.patch("/canteen/ingredients/{ingredient_id}", response=IngredientOut,
              url_name="canteen_nutrition_ingredient_update")  # fmt: skip
@requires(MANAGE)
def ingredient_update(request, ingredient_id: int, payload: IngredientPatch):
    """Change the edible portion, price, ban or active flag."""
    instance = get_in_campus(request, Ingredient.objects.all(), pk=ingredient_id)
    before = audit.snapshot(instance)
    for key, value in payload.dict(exclude_unset=True).items():
        if value is not None or key == "price_per_kg":
            setattr(instance, key, value)
    return services.ingredient_save(
        actor=request.user, campus=request.campus, instance=instance, before=before
    )


# --- Dishes ---------------------------------------------------------------------------------


def _dish_detail(dish):
    lines = list(
        DishIngredient.objects.filter(dish=dish).select_related("ingredient").order_by("age_group", "-grams")
    )
    summary = services.dish_summary(dish, lines)
    dish.nutrients = {
        g["age_group"]: {k: round(v, 3) for k, v in g["totals"].items()} for g in summary["groups"]
    }
    dish.banned = [str(r) for r in summary["banned"]]
    dish.lines_list = lines
    return dish


class _DishDetail(DishDetailOut):
    @staticmethod
    def resolve_lines(obj):
        return obj.lines_list


@router.get("/canteen/dishes", response=list[DishOut], url_name="canteen_nutrition_dish_list")
@requires(VIEW)
@paginate(LimitOffset)
def dish_list(request, category: str | None = None, active: bool | None = None):
    qs = Dish.objects.filter(campus=request.campus).order_by("category", "name", "id")
    if category:
        qs = qs.filter(category=category)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs


@router.get("/canteen/dishes/{dish_id}", response=_DishDetail, url_name="canteen_nutrition_dish")
@requires(VIEW)
def dish_detail(request, dish_id: int):
    """A dish with its recipe lines and the nutrients and cost per portion per age group."""
    return _dish_detail(get_in_campus(request, Dish.objects.all(), pk=dish_id))


@router.post("/canteen/dishes", response={201: _DishDetail}, url_name="canteen_nutrition_dish_create")
@requires(MANAGE)
def dish_create(request, payload: DishIn):
    dish = services.dish_save(actor=request.user, campus=request.campus,
                              instance=Dish(campus=request.campus, **payload.dict()))  # fmt: skip
    return Status(201, _dish_detail(dish))


@router.put("/canteen/dishes/{dish_id}/recipe/{age_group}", response=_DishDetail,
            url_name="canteen_nutrition_dish_recipe")  # fmt: skip
@requires(MANAGE)
def dish_recipe(request, dish_id: int, age_group: str, payload: RecipeIn):
    """Replace the recipe of one age group (grams purchased per child)."""
    dish = get_in_campus(request, Dish.objects.all(), pk=dish_id)
    ids = [line.ingredient for line in payload.lines]
    found = {i.pk: i for i in Ingredient.objects.filter(campus=request.campus, pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"lines": [_("Unknown ingredient: %(ids)s") % {"ids": ", ".join(map(str, missing))}]})
    services.dish_lines_set(actor=request.user, dish=dish, age_group=age_group,
                            lines=[(found[line.ingredient], line.grams) for line in payload.lines])  # fmt: skip
    return _dish_detail(dish)


@router.post("/canteen/dishes/{dish_id}/copy", response=_DishDetail, url_name="canteen_nutrition_dish_copy")
@requires(MANAGE)
def dish_copy(request, dish_id: int, payload: CopyIn):
    """Copy one age group's recipe to another with grams × factor."""
    dish = get_in_campus(request, Dish.objects.all(), pk=dish_id)
    services.dish_lines_copy(actor=request.user, dish=dish, from_group=payload.from_group,
                             to_group=payload.to_group, factor=payload.factor)  # fmt: skip
    return _dish_detail(dish)


# --- Menus ----------------------------------------------------------------------------------


@router.get("/canteen/menus", response=list[MenuOut], url_name="canteen_nutrition_menu_list")
@requires(VIEW)
@paginate(LimitOffset)
def menu_list(request, age_group: str | None = None, status: str | None = None, week: dt.date | None = None):
    qs = Menu.objects.filter(campus=request.campus).order_by("-week_start", "age_group", "id")
    if age_group:
        qs = qs.filter(age_group=age_group)
    if status:
        qs = qs.filter(status=status)
    if week:
        qs = qs.filter(week_start=services.monday(week))
    return qs


@router.get("/canteen/menus/{menu_id}", response=MenuDetailOut, url_name="canteen_nutrition_menu")
@requires(VIEW)
def menu_detail(request, menu_id: int):
    return get_in_campus(request, Menu.objects.all(), pk=menu_id)


def _dishes(request, ids):
    found = {d.pk: d for d in Dish.objects.filter(campus=request.campus, pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({"items": ["Unknown dish: {}".format(", ".join(map(str, missing)))]})
    return found


@router.post("/canteen/menus", response={201: MenuDetailOut}, url_name="canteen_nutrition_menu_create")
@requires(MANAGE)
def menu_create(request, payload: MenuIn):
    """A draft weekly menu with its items (date, meal, dish)."""
    dishes = _dishes(request, [i.dish for i in payload.items])
    menu = services.menu_create(
        actor=request.user, campus=request.campus, week_start=payload.week_start, age_group=payload.age_group,
        items=[(i.date, i.meal, dishes[i.dish]) for i in payload.items], note=payload.note,
    )  # fmt: skip
    return Status(201, menu)


@router.post(
    "/canteen/menus/{menu_id}/items", response={201: ItemOut}, url_name="canteen_nutrition_menu_item_add"
)
@requires(MANAGE)
def menu_item_add(request, menu_id: int, payload: ItemIn):
    menu = get_in_campus(request, Menu.objects.all(), pk=menu_id)
    dish = _dishes(request, [payload.dish])[payload.dish]
    item = services.menu_item_add(
        actor=request.user, menu=menu, date=payload.date, meal=payload.meal, dish=dish
    )
    return Status(201, item)


@router.delete("/canteen/menus/{menu_id}/items/{item_id}", response={204: None},
               url_name="canteen_nutrition_menu_item_remove")  # fmt: skip
@requires(MANAGE)
def menu_item_remove(request, menu_id: int, item_id: int):
    menu = get_in_campus(request, Menu.objects.all(), pk=menu_id)
    item = get_object_or_404(MenuItem, pk=item_id, menu=menu)
    services.menu_item_remove(actor=request.user, item=item)
    return Status(204, None)


@router.post(
    "/canteen/menus/{menu_id}/publish", response=MenuDetailOut, url_name="canteen_nutrition_menu_publish"
)
@requires(PUBLISH)
def menu_publish(request, menu_id: int):
    """Publish to parents (refused with a banned food, no dishes, or a dish without a recipe)."""
    menu = get_in_campus(request, Menu.objects.all(), pk=menu_id)
    return services.menu_publish(actor=request.user, menu=menu)


@router.post(
    "/canteen/menus/{menu_id}/withdraw", response=MenuDetailOut, url_name="canteen_nutrition_menu_withdraw"
)
@requires(PUBLISH)
def menu_withdraw(request, menu_id: int, payload: ReasonIn):
    menu = get_in_campus(request, Menu.objects.all(), pk=menu_id)
    return services.menu_withdraw(actor=request.user, menu=menu, reason=payload.reason)


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    if isinstance(value, (int, str, bool)) or value is None:
        return value
    return str(value)


def _analysis_json(analysis):
    days = []
    for day in analysis["days"]:
        days.append({
            "date": day["date"].isoformat(),
            "dishes": {meal: [i.dish.name for i in items] for meal, items in day["by_meal"]},
            **_plain({k: day[k] for k in ("totals", "nutrients", "split", "quality_protein_pct",
                                          "quality_judgement", "meals", "variety")}),
        })  # fmt: skip
    week = analysis["week"]
    return {
        "menu": analysis["menu"].pk,
        "age_group": analysis["age_group"],
        "school_days": analysis["school_days"],
        "passed": analysis["passed"],
        "problems": analysis["problems"],
        "missing_recipe": analysis["missing_recipe"],
        "targets": _plain(analysis["targets"]),
        "week": _plain(week) if week else None,
        "days": days,
    }


@router.get("/canteen/menus/{menu_id}/analysis", response=dict, url_name="canteen_nutrition_menu_analysis")
@requires(VIEW)
def menu_analysis(request, menu_id: int):
    """Per child per day and the week's average: nutrients vs the DRI (% and ok/low/high),
    energy split, high-quality protein, meal split, food variety."""
    menu = get_in_campus(request, Menu.objects.all(), pk=menu_id)
    return _analysis_json(services.menu_analysis(menu))


@router.get("/canteen/nutrition/targets/{age_group}", response=dict, url_name="canteen_nutrition_targets")
@requires(VIEW)
def targets(request, age_group: str):
    if age_group not in AgeGroup.values:
        raise ValidationError({"age_group": ["Choose an age group."]})
    return _plain(services.daily_targets(request.campus, age_group))


# --- Meal counts and purchase list ---------------------------------------------------------


@router.get("/canteen/meal-counts", response=dict, url_name="canteen_nutrition_meal_counts")
@requires(VIEW)
def meal_counts(request, date: dt.date | None = None):
    """Children's meals per class from the attendance and the staff meals apart."""
    from django.utils import timezone

    counts = services.meal_counts(request.campus, date or timezone.localdate())
    return {
        "date": counts["date"].isoformat(),
        "children": counts["children"],
        "staff": counts["staff_count"],
        "total": counts["total"],
        "all_taken": counts["all_taken"],
        "by_age_group": {value: n for _label, value, n in counts["by_group"]},
        "classes": [
            {"class": r["class"].pk, "name": r["class"].name, "age_group": r["age_group"], "enrolled": r["enrolled"],
             "present": r["present"], "taken": r["taken"]}
            for r in counts["classes"]
        ],
    }  # fmt: skip


@router.post("/canteen/meal-counts/staff", response=dict, url_name="canteen_nutrition_staff_meals")
@requires(MANAGE)
def staff_meals(request, payload: StaffIn):
    row = services.staff_meals_set(actor=request.user, campus=request.campus, date=payload.date,
                                   count=payload.count, note=payload.note)  # fmt: skip
    return {"date": row.date.isoformat(), "count": row.count, "note": row.note}


@router.get("/canteen/purchase-list", response=dict, url_name="canteen_nutrition_purchase_list")
@requires(VIEW)
def purchase_list(request, start: dt.date, end: dt.date | None = None):
    """Σ recipe grams × present (future: enrolled) children per ingredient, in kg with cost."""
    result = services.purchase_list(request.campus, start, end)
    return {
        "start": result["start"].isoformat(),
        "end": result["end"].isoformat(),
        "total_cost": str(result["total_cost"]),
        "drafts": [[w.isoformat(), str(g)] for w, g in result["drafts"]],
        "missing_prices": result["missing_prices"],
        "groups": [
            {"group": g["group"], "kg": str(g["kg"]), "cost": str(g["cost"]), "rows": [
                {"ingredient": r["ingredient"].pk, "name": r["ingredient"].name, "kg": str(r["kg"]),
                 "portions": r["portions"], "cost": str(r["cost"]) if r["cost"] is not None else None}
                for r in g["rows"]]}
            for g in result["groups"]
        ],
    }  # fmt: skip
