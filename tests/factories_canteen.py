"""Factories of the canteen's foundation (ingredients, dishes, menus, food batches); each
area adds its own module ``factories_canteen_<area>.py``."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from houqin.canteen import models as cm
from tests.factories import LIST_FACTORIES, CampusFactory
from tests.factories_purchasing import SupplierFactory

__all__ = [
    "DishFactory",
    "DishIngredientFactory",
    "FoodBatchFactory",
    "IngredientFactory",
    "MenuFactory",
    "MenuItemFactory",
]


def _monday(day=None):
    day = day or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


class IngredientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Ingredient

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"食材{n}")
    food_group = cm.Ingredient.FoodGroup.VEGETABLE
    edible_portion = Decimal("1.00")
    price_per_kg = Decimal("6.00")
    energy_kcal = Decimal("20")
    protein_g = Decimal("1.5")
    fat_g = Decimal("0.3")
    carbohydrate_g = Decimal("3.5")
    calcium_mg = Decimal("50")
    iron_mg = Decimal("1.0")
    zinc_mg = Decimal("0.3")
    vitamin_a_ug = Decimal("100")
    vitamin_b1_mg = Decimal("0.03")
    vitamin_b2_mg = Decimal("0.05")
    vitamin_c_mg = Decimal("20")


class DishFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Dish

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"菜品{n}")
    category = cm.Dish.Category.SIDE


class DishIngredientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.DishIngredient

    dish = factory.SubFactory(DishFactory)
    campus = factory.SelfAttribute("dish.campus")
    ingredient = factory.SubFactory(IngredientFactory, campus=factory.SelfAttribute("..campus"))
    age_group = cm.AgeGroup.Y4_6
    grams = Decimal("50")


class MenuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.Menu

    campus = factory.SubFactory(CampusFactory)
    week_start = factory.Sequence(lambda n: _monday() - dt.timedelta(weeks=n))
    age_group = cm.AgeGroup.Y4_6


class MenuItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.MenuItem

    menu = factory.SubFactory(MenuFactory)
    campus = factory.SelfAttribute("menu.campus")
    date = factory.SelfAttribute("menu.week_start")
    meal = cm.MealKind.LUNCH
    dish = factory.SubFactory(DishFactory, campus=factory.SelfAttribute("..campus"))


class FoodBatchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.FoodBatch

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"PC-2026-{n + 1:05d}")
    name = factory.Sequence(lambda n: f"青菜{n}")
    supplier = factory.SubFactory(SupplierFactory, campus=factory.SelfAttribute("..campus"))
    quantity_received = Decimal("10")
    quantity_on_hand = Decimal("10")
    unit_price = Decimal("5.00")
    received_on = factory.LazyFunction(timezone.localdate)
    best_before = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=3))


LIST_FACTORIES[cm.Ingredient] = IngredientFactory
LIST_FACTORIES[cm.Dish] = DishFactory
LIST_FACTORIES[cm.Menu] = MenuFactory
LIST_FACTORIES[cm.FoodBatch] = FoodBatchFactory
