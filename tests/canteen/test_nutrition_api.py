"""The nutrition API: ingredients, dishes with recipes, menus (create, items, publish,
withdraw, analysis), meal counts, purchase list; permissions and campus isolation."""

import datetime as dt
import json

import pytest

from houqin.canteen.models import Menu
from houqin.core.roles import Role
from tests import factories as f
from tests.api.conftest import ApiClient, token_for
from tests.canteen.nutrition_helpers import monday, tiny_menu

pytestmark = pytest.mark.django_db
BASE = "c/main/canteen"


@pytest.fixture(autouse=True)
def _fast_hash(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def apis(make_member, member):
    users = {
        "principal": member,
        "head": make_member(Role.CANTEEN_HEAD, username="a-head"),
        "health": make_member(Role.HEALTH_TEACHER, username="a-health"),
        "teacher": make_member(Role.CLASS_TEACHER, username="a-teacher"),
        "guard": make_member(Role.GUARD, username="a-guard"),
    }
    return {name: ApiClient(token_for(user), language="en") for name, user in users.items()}


def test_ingredients_dishes_and_recipe(apis, campus):
    created = apis["head"].post(f"{BASE}/ingredients", {
        "name": "米", "food_group": "cereal", "edible_portion": "1.00", "price_per_kg": "5.00",
        "energy_kcal": "350", "protein_g": "8", "fat_g": "1", "carbohydrate_g": "77",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    rice_id = created.json()["id"]
    banned = apis["head"].post(f"{BASE}/ingredients", {"name": "鲜黄花菜", "food_group": "vegetable"})
    assert banned.json()["is_banned"] is True
    patched = apis["head"].patch(f"{BASE}/ingredients/{rice_id}", {"edible_portion": "0.95"})
    assert patched.status_code == 200 and patched.json()["edible_portion"] == "0.95"
    assert (
        apis["teacher"].patch(f"{BASE}/ingredients/{rice_id}", {"edible_portion": "0.5"}).status_code == 403
    )
    listed = apis["teacher"].get(f"{BASE}/ingredients", {"banned": "true"}).json()
    assert [i["name"] for i in listed["items"]] == ["鲜黄花菜"]

    dish = apis["head"].post(f"{BASE}/dishes", {"name": "米饭", "category": "staple"}).json()
    recipe = apis["head"].client.put(
        f"/api/v1/{BASE}/dishes/{dish['id']}/recipe/4-6", json.dumps({"lines": [{"ingredient": rice_id, "grams": "100"}]}),
        content_type="application/json",
    )  # fmt: skip
    assert recipe.status_code == 200, recipe.content
    # 100 g × 0.95 edible × 350 kcal / 100 g = 332.5 kcal; cost 0.1 kg × 5 = 0.5 yuan
    assert recipe.json()["nutrients"]["4-6"]["energy_kcal"] == pytest.approx(332.5)
    assert recipe.json()["nutrients"]["4-6"]["cost_yuan"] == pytest.approx(0.5)
    copied = apis["head"].post(f"{BASE}/dishes/{dish['id']}/copy", {"from_group": "4-6", "to_group": "1-3",
                                                                    "factor": "0.8"})  # fmt: skip
    assert copied.status_code == 200
    assert {(x["age_group"], x["grams"]) for x in copied.json()["lines"]} == {
        ("4-6", "100.0"),
        ("1-3", "80.0"),
    }
    bad = apis["head"].post(f"{BASE}/dishes/{dish['id']}/copy", {"from_group": "7-10", "to_group": "1-3"})
    assert bad.status_code == 422


def test_menu_flow(apis, campus):
    _menu, rice_dish, egg_dish = tiny_menu(campus, week=monday() - dt.timedelta(days=7))
    week = monday()
    payload = {"week_start": week.isoformat(), "age_group": "4-6", "items": [
        {"date": week.isoformat(), "meal": "lunch", "dish": rice_dish.pk},
        {"date": week.isoformat(), "meal": "morning_snack", "dish": egg_dish.pk},
    ]}  # fmt: skip
    assert apis["teacher"].post(f"{BASE}/menus", payload).status_code == 403
    created = apis["head"].post(f"{BASE}/menus", payload)
    assert created.status_code == 201, created.content
    menu_id = created.json()["id"]
    assert created.json()["status"] == "draft" and len(created.json()["items"]) == 2
    again = apis["head"].post(f"{BASE}/menus", payload)
    assert again.status_code == 422
    item = apis["head"].post(f"{BASE}/menus/{menu_id}/items",
                             {"date": week.isoformat(), "meal": "afternoon_snack", "dish": rice_dish.pk})  # fmt: skip
    assert item.status_code == 201
    assert apis["head"].post(f"{BASE}/menus/{menu_id}/publish").status_code == 403
    published = apis["health"].post(f"{BASE}/menus/{menu_id}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    refused = apis["head"].delete(f"{BASE}/menus/{menu_id}/items/{item.json()['id']}")
    assert refused.status_code == 422
    analysis = apis["teacher"].get(f"{BASE}/menus/{menu_id}/analysis")
    assert analysis.status_code == 200
    body = analysis.json()
    # 406 kcal from the hand-worked day + 350 kcal of rice at the afternoon snack.
    assert body["week"]["totals"]["energy_kcal"] == pytest.approx(756)
    assert body["days"][0]["dishes"]["lunch"] == ["饭"]
    assert body["targets"]["energy_kcal"]["dri"] == pytest.approx(1383.333, abs=0.001)
    withdrawn = apis["health"].post(f"{BASE}/menus/{menu_id}/withdraw", {"reason": "换菜"})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_reason"] == "换菜"
    assert apis["head"].delete(f"{BASE}/menus/{menu_id}/items/{item.json()['id']}").status_code == 204
    listed = apis["teacher"].get(f"{BASE}/menus", {"status": "withdrawn"}).json()
    assert [m["id"] for m in listed["items"]] == [menu_id]
    assert apis["guard"].get(f"{BASE}/menus").status_code == 403


def test_counts_purchase_targets(apis, campus):
    cls = f.SchoolClassFactory(campus=campus, grade="middle")
    for _ in range(3):
        f.ChildFactory(campus=campus, school_class=cls)
    menu, _r, _e = tiny_menu(campus)
    day = menu.week_start
    saved = apis["head"].post(f"{BASE}/meal-counts/staff", {"date": day.isoformat(), "count": 7})
    assert saved.status_code == 200
    assert (
        apis["teacher"].post(f"{BASE}/meal-counts/staff", {"date": day.isoformat(), "count": 1}).status_code
        == 403
    )
    counts = apis["teacher"].get(f"{BASE}/meal-counts", {"date": day.isoformat()}).json()
    assert counts["children"] == 3 and counts["staff"] == 7 and counts["by_age_group"] == {"4-6": 3}
    purchase = apis["teacher"].get(f"{BASE}/purchase-list", {"start": day.isoformat()}).json()
    rows = {r["name"]: r for g in purchase["groups"] for r in g["rows"]}
    assert rows["米"]["kg"] == "0.300" and rows["蛋"]["kg"] == "0.150"
    assert apis["teacher"].get(f"{BASE}/purchase-list", {"start": day.isoformat(),
                               "end": (day - dt.timedelta(days=1)).isoformat()}).status_code == 422  # fmt: skip
    targets = apis["teacher"].get(f"{BASE}/nutrition/targets/4-6").json()
    assert targets["calcium_mg"]["dri"] == 800.0


def test_isolation(apis, campus, other_campus):
    menu, rice_dish, _ = tiny_menu(other_campus)
    assert apis["principal"].get(f"{BASE}/menus/{menu.pk}").status_code == 404
    assert apis["principal"].get(f"{BASE}/menus/{menu.pk}/analysis").status_code == 404
    assert apis["principal"].post(f"{BASE}/menus/{menu.pk}/publish").status_code == 404
    assert apis["principal"].get(f"{BASE}/dishes/{rice_dish.pk}").status_code == 404
    week = monday() + dt.timedelta(days=7)
    response = apis["principal"].post(f"{BASE}/menus", {"week_start": week.isoformat(), "age_group": "4-6", "items": [
        {"date": week.isoformat(), "meal": "lunch", "dish": rice_dish.pk}]})  # fmt: skip
    assert response.status_code == 422
    assert not Menu.objects.filter(campus=campus).exists()
    outsider_api = ApiClient(token_for(f.UserFactory()))
    assert outsider_api.get(f"{BASE}/menus").status_code in (403, 404)
