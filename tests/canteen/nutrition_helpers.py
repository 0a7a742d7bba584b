"""Helpers of the nutrition tests: the tiny hand-worked menu and a few builders."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, Ingredient, MealKind
from tests import factories as f

D = Decimal


def monday(day=None):
    day = day or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def rice(campus, **kw):
    """米: 100 g edible per 100 g purchased, 5 yuan/kg; per 100 g: 350 kcal, protein 8 g,
    fat 1 g, carbohydrate 77 g, Ca 10 mg, Fe 1 mg, Zn 1 mg, VA 0, B1 0.1, B2 0.05, VC 0."""
    values = dict(
        name="米", food_group=Ingredient.FoodGroup.CEREAL, is_quality_protein=False, edible_portion=D("1.00"),
        price_per_kg=D("5.00"), energy_kcal=D("350"), protein_g=D("8"), fat_g=D("1"), carbohydrate_g=D("77"),
        calcium_mg=D("10"), iron_mg=D("1"), zinc_mg=D("1"), vitamin_a_ug=D("0"), vitamin_b1_mg=D("0.1"),
        vitamin_b2_mg=D("0.05"), vitamin_c_mg=D("0"),
    )  # fmt: skip
    values.update(kw)
    return f.IngredientFactory(campus=campus, **values)


def egg(campus, **kw):
    """蛋: edible portion 0.80, 12 yuan/kg; per 100 g edible: 140 kcal, protein 13 g, fat 10 g,
    carbohydrate 1 g, Ca 50 mg, Fe 2 mg, Zn 1.2 mg, VA 150 µg, B1 0.05, B2 0.5, VC 0; high-quality."""
    values = dict(
        name="蛋", food_group=Ingredient.FoodGroup.EGG, is_quality_protein=True, edible_portion=D("0.80"),
        price_per_kg=D("12.00"), energy_kcal=D("140"), protein_g=D("13"), fat_g=D("10"), carbohydrate_g=D("1"),
        calcium_mg=D("50"), iron_mg=D("2"), zinc_mg=D("1.2"), vitamin_a_ug=D("150"), vitamin_b1_mg=D("0.05"),
        vitamin_b2_mg=D("0.5"), vitamin_c_mg=D("0"),
    )  # fmt: skip
    values.update(kw)
    return f.IngredientFactory(campus=campus, **values)


def dish(campus, name, lines, *, category=Dish.Category.MAIN, group=AgeGroup.Y4_6, actor=None):
    d = f.DishFactory(campus=campus, name=name, category=category)
    services.dish_lines_set(actor=actor, dish=d, age_group=group, lines=lines)
    return d


def tiny_menu(campus, actor=None, week=None):
    """The hand-worked menu: Monday, 早点 蒸蛋 (蛋 50 g), 午餐 饭 (米 100 g), 4–6 y."""
    r, e = rice(campus), egg(campus)
    rice_dish = dish(campus, "饭", [(r, D("100"))], category=Dish.Category.STAPLE)
    egg_dish = dish(campus, "蒸蛋", [(e, D("50"))])
    week = week or monday()
    menu = services.menu_create(
        actor=actor, campus=campus, week_start=week, age_group=AgeGroup.Y4_6,
        items=[(week, MealKind.MORNING_SNACK, egg_dish), (week, MealKind.LUNCH, rice_dish)],
    )  # fmt: skip
    return menu, rice_dish, egg_dish
