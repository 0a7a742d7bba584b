"""The nutrition pages: rendering, permissions (403 without, 404 for outsiders and other
campuses' rows), writes through the pages, the public disclosure, query bounds."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from houqin.canteen import nutrition_services as services
from houqin.canteen.models import DishIngredient, Ingredient, Menu
from houqin.core.roles import Role
from tests import factories as f
from tests.canteen.nutrition_helpers import dish, monday, rice, tiny_menu

pytestmark = pytest.mark.django_db
D = Decimal


def url(name, campus="main", **kw):
    return reverse(f"canteen:{name}", kwargs={"campus": campus, **kw})


@pytest.fixture
def people(make_member, member):
    return {
        "principal": member,
        "health": make_member(Role.HEALTH_TEACHER, username="p-health"),
        "head": make_member(Role.CANTEEN_HEAD, username="p-head"),
        "teacher": make_member(Role.CLASS_TEACHER, username="p-teacher"),
        "guard": make_member(Role.GUARD, username="p-guard"),
    }


def login(client, user):
    client.force_login(user)
    return client


def test_pages_render(client, campus, people):
    menu, rice_dish, _egg = tiny_menu(campus)
    ing = Ingredient.objects.get(campus=campus, name="米")
    login(client, people["principal"])
    for name, kw in [
        ("nutrition_ingredient_list", {}), ("nutrition_ingredient_detail", {"pk": ing.pk}),
        ("nutrition_ingredient_create", {}), ("nutrition_ingredient_import", {}),
        ("nutrition_dish_list", {}), ("nutrition_dish_detail", {"pk": rice_dish.pk}),
        ("nutrition_dish_recipe", {"pk": rice_dish.pk, "group": "1-3"}),
        ("nutrition_menu_list", {}), ("nutrition_menu_create", {}), ("nutrition_menu_detail", {"pk": menu.pk}),
        ("nutrition_menu_analysis", {"pk": menu.pk}), ("nutrition_menu_print", {"pk": menu.pk}),
        ("nutrition_meal_counts", {}), ("nutrition_purchase_list", {}), ("nutrition_targets", {}),
    ]:  # fmt: skip
        response = client.get(url(name, **kw))
        assert response.status_code == 200, name
    page = client.get(url("nutrition_menu_analysis", pk=menu.pk)).content.decode()
    assert 'id="chart-dri"' in page and "analysis-data" in page and 'data-judgement="low"' in page
    assert "USDA" in client.get(url("nutrition_ingredient_list")).content.decode()
    targets = client.get(url("nutrition_targets")).content.decode()
    assert 'data-dri="1383.33' in targets


def test_permissions(client, campus, people, outsider):
    menu, rice_dish, _ = tiny_menu(campus)
    login(client, people["guard"])
    assert client.get(url("nutrition_menu_list")).status_code == 403
    assert client.get(url("nutrition_menu_detail", pk=menu.pk)).status_code == 403
    login(client, people["teacher"])  # sees menus, does not write them
    assert client.get(url("nutrition_menu_detail", pk=menu.pk)).status_code == 200
    assert client.get(url("nutrition_dish_create")).status_code == 403
    assert client.post(url("nutrition_menu_item_add", pk=menu.pk), {}).status_code == 403
    login(client, people["head"])  # writes menus, does not publish them
    assert client.post(url("nutrition_menu_publish", pk=menu.pk)).status_code == 403
    menu.refresh_from_db()
    assert menu.status == Menu.Status.DRAFT
    login(client, outsider)
    assert client.get(url("nutrition_menu_list")).status_code == 404
    assert client.get(url("nutrition_menu_detail", pk=menu.pk)).status_code == 404
    client.logout()
    assert client.get(url("nutrition_menu_list")).status_code == 302


def test_other_campus_rows_are_404(client, campus, other_campus, people):
    menu, rice_dish, _ = tiny_menu(other_campus)
    ing = Ingredient.objects.filter(campus=other_campus).first()
    login(client, people["principal"])
    assert client.get(url("nutrition_menu_detail", pk=menu.pk)).status_code == 404
    assert client.get(url("nutrition_menu_analysis", pk=menu.pk)).status_code == 404
    assert client.get(url("nutrition_dish_detail", pk=rice_dish.pk)).status_code == 404
    assert client.get(url("nutrition_ingredient_detail", pk=ing.pk)).status_code == 404
    assert client.post(url("nutrition_menu_publish", pk=menu.pk)).status_code == 404


def test_week_grid_edit_publish_withdraw(client, campus, people):
    login(client, people["head"])
    r = rice(campus)
    d = dish(campus, "米饭", [(r, D("60"))])
    services.dish_lines_copy(actor=None, dish=d, from_group="4-6", to_group="1-3", factor=D("0.8"))
    week = monday() + dt.timedelta(days=7)
    response = client.post(url("nutrition_menu_create"), {"week_start": week + dt.timedelta(days=2),
                                                          "age_group": "4-6", "copy_last_week": ""})  # fmt: skip
    menu = Menu.objects.get(campus=campus, week_start=week, age_group="4-6")
    assert response.status_code == 302
    client.post(
        url("nutrition_menu_item_add", pk=menu.pk), {"date": week.isoformat(), "meal": "lunch", "dish": d.pk}
    )
    assert menu.items.count() == 1
    page = client.get(url("nutrition_menu_detail", pk=menu.pk)).content.decode()
    assert "米饭" in page and f"cell-{week:%Y-%m-%d}-lunch" in page
    login(client, people["health"])
    client.post(url("nutrition_menu_publish", pk=menu.pk))
    menu.refresh_from_db()
    assert menu.status == Menu.Status.PUBLISHED
    item = menu.items.get()
    login(client, people["head"])
    client.post(url("nutrition_menu_item_remove", pk=menu.pk, item=item.pk))
    assert menu.items.count() == 1  # refused
    login(client, people["health"])
    client.post(url("nutrition_menu_withdraw", pk=menu.pk), {"reason": "换菜"})
    menu.refresh_from_db()
    assert menu.status == Menu.Status.WITHDRAWN
    login(client, people["head"])
    client.post(url("nutrition_menu_item_remove", pk=menu.pk, item=item.pk))
    assert menu.items.count() == 0


def test_recipe_page_and_copy(client, campus, people):
    login(client, people["head"])
    r = rice(campus)
    d = dish(campus, "米饭", [(r, D("60"))])
    response = client.post(url("nutrition_dish_recipe", pk=d.pk, group="4-6"),
                           {"ingredient": [str(r.pk), ""], "grams": ["75", ""]})  # fmt: skip
    assert response.status_code == 302
    assert DishIngredient.objects.get(dish=d, age_group="4-6").grams == D("75.0")
    response = client.post(
        url("nutrition_dish_recipe", pk=d.pk, group="4-6"), {"ingredient": [str(r.pk)], "grams": ["x"]}
    )
    assert response.status_code == 200 and DishIngredient.objects.get(dish=d, age_group="4-6").grams == D(
        "75.0"
    )
    client.post(
        url("nutrition_dish_copy", pk=d.pk), {"from_group": "4-6", "to_group": "1-3", "factor": "0.8"}
    )
    assert DishIngredient.objects.get(dish=d, age_group="1-3").grams == D("60.0")


def test_import_page_shows_row_errors(client, campus, people):
    login(client, people["head"])
    bad = io.BytesIO("name_zh,food_group\n米,cereal\n面,grain\n".encode())
    bad.name = "foods.csv"
    response = client.post(url("nutrition_ingredient_import"), {"file": bad})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page and "grain" in page
    assert not Ingredient.objects.filter(campus=campus).exists()
    good = io.BytesIO("name_zh,food_group\n米,cereal\n".encode())
    good.name = "foods.csv"
    assert client.post(url("nutrition_ingredient_import"), {"file": good}).status_code == 302
    assert Ingredient.objects.filter(campus=campus, name="米").exists()
    response = client.post(url("nutrition_ingredient_starter"))
    assert response.status_code == 302 and Ingredient.objects.filter(campus=campus).count() == 200


def test_meal_counts_page_and_staff_entry(client, campus, people):
    cls = f.SchoolClassFactory(campus=campus, name="中一班", grade="middle")
    for _ in range(5):
        f.ChildFactory(campus=campus, school_class=cls)
    day = monday()
    login(client, people["head"])
    page = client.get(url("nutrition_meal_counts") + f"?date={day:%Y-%m-%d}").content.decode()
    assert "中一班" in page
    client.post(url("nutrition_staff_meals"), {"date": day.isoformat(), "count": "9"})
    counts = services.meal_counts(campus, day)
    assert counts["staff_count"] == 9 and counts["children"] == 5
    login(client, people["teacher"])
    assert (
        client.post(url("nutrition_staff_meals"), {"date": day.isoformat(), "count": "3"}).status_code == 403
    )


def test_purchase_list_page_and_export(client, campus, people):
    cls = f.SchoolClassFactory(campus=campus, name="中一班", grade="middle")
    for _ in range(4):
        f.ChildFactory(campus=campus, school_class=cls)
    menu, _r, _e = tiny_menu(campus)
    login(client, people["principal"])
    q = f"?start={menu.week_start:%Y-%m-%d}&end={menu.week_start + dt.timedelta(days=4):%Y-%m-%d}"
    page = client.get(url("nutrition_purchase_list") + q).content.decode()
    assert 'data-ingredient="米"' in page and 'data-kg="0.400"' in page
    assert client.get(url("nutrition_purchase_list") + q + "&print=1").status_code == 200
    response = client.get(url("nutrition_purchase_list") + q + "&export=xlsx")
    assert response.status_code == 200 and "spreadsheet" in response["Content-Type"]


def test_public_page_shows_this_weeks_published_menu(client, campus, member):
    menu, _r, _e = tiny_menu(campus)
    assert "public-menus" not in client.get(f"/p/{campus.code}/").content.decode()
    services.menu_publish(actor=member, menu=menu)
    page = client.get(f"/p/{campus.code}/").content.decode()
    assert "public-menus" in page and "蒸蛋" in page and "public-menu-summary" in page


def test_menu_pages_query_bounds(client, campus, people, django_assert_max_num_queries):
    """The week grid and the analysis of a full week (5 days × 3 meals × 3 dishes) run a
    fixed handful of queries."""
    r = rice(campus)
    dishes = [
        dish(campus, f"菜{i}", [(r, D("10")), (rice(campus, name=f"料{i}"), D("20"))]) for i in range(9)
    ]
    week = monday()
    items = [(week + dt.timedelta(days=d), meal, dishes[(d + k) % 9])
             for d in range(5) for meal in ("morning_snack", "lunch", "afternoon_snack") for k in range(3)]  # fmt: skip
    menu = services.menu_create(actor=None, campus=campus, week_start=week, age_group="4-6", items=items)
    login(client, people["principal"])
    with django_assert_max_num_queries(25):
        assert client.get(url("nutrition_menu_detail", pk=menu.pk)).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(url("nutrition_menu_analysis", pk=menu.pk)).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(url("nutrition_dish_detail", pk=dishes[0].pk)).status_code == 200
