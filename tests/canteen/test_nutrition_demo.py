"""The nutrition demo: the starter table, dishes with recipes for 1–3 and 4–6 y, published
menus for the past four weeks and this week, next week as a draft, staff meal counts —
built through the services on a fresh campus; the demo menus meet most targets."""

import datetime as dt
import random

import pytest

from houqin.canteen import nutrition_demo
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import Dish, DishIngredient, Ingredient, Menu, StaffMealCount
from houqin.core.demo import MAIN_CODE, DemoContext
from houqin.core.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_builds(campus, make_member):
    health = make_member(Role.HEALTH_TEACHER, username="health")
    canteen = make_member(Role.CANTEEN_HEAD, username="canteen")
    ctx = DemoContext(
        actor=None,
        organization=campus.organization,
        campuses={MAIN_CODE: campus},
        users={"health": health, "principal": health, "canteen": canteen},
        rng=random.Random(1),
    )
    nutrition_demo.add_demo_rows(ctx)
    assert Ingredient.objects.filter(campus=campus).count() == 199
    egg = Ingredient.objects.get(campus=campus, name=nutrition_demo.F["鸡蛋"])
    assert str(egg.edible_portion) == "0.88" and egg.price_per_kg
    assert Dish.objects.filter(campus=campus).count() >= 45
    assert (
        DishIngredient.objects.filter(campus=campus, age_group="1-3").count()
        == DishIngredient.objects.filter(campus=campus, age_group="4-6").count()
    )
    this_week = services.monday(dt.date.today())
    menus = Menu.objects.filter(campus=campus)
    assert menus.filter(status="published").count() == 10  # 5 weeks × 2 age groups
    assert set(menus.filter(status="draft").values_list("week_start", flat=True)) == {
        this_week + dt.timedelta(days=7)
    }
    assert StaffMealCount.objects.filter(campus=campus).exists()
    menu = menus.get(week_start=this_week, age_group="4-6")
    a = services.menu_analysis(menu)
    rows = {r["key"]: r for r in a["week"]["nutrients"]}
    assert rows["energy_kcal"]["judgement"] == "ok", rows["energy_kcal"]
    assert rows["protein_g"]["judgement"] == "ok" and rows["zinc_mg"]["judgement"] == "ok"
    assert a["week"]["quality_judgement"] == "ok"
    assert not services.menu_problems(menu)
