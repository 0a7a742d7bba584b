"""Rules of the nutrition services: banned foods, recipes, the menu life (draft → published →
withdrawn), meal counts from the attendance, the purchase list, the composition importer."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import nutrition_importers as importers
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import AgeGroup, Dish, DishIngredient, Ingredient, Menu, MenuItem, StaffMealCount
from houqin.core.models import AuditEvent, CampusSettings
from houqin.core.roles import Role
from tests import factories as f
from tests.canteen.nutrition_helpers import dish, egg, monday, rice, tiny_menu

pytestmark = pytest.mark.django_db
D = Decimal


def events(obj, action=None):
    from houqin.core.audit import history_for

    qs = history_for(obj)
    return qs.filter(action=action) if action else qs


# --- Banned foods ---------------------------------------------------------------------------


def test_banned_ingredient_by_keyword(campus, member):
    bean = Ingredient(campus=campus, name="四季豆（菜豆，生）", food_group="vegetable")
    services.ingredient_save(actor=member, campus=campus, instance=bean)
    assert bean.is_banned and "四季豆" in bean.ban_reason
    ok = services.ingredient_save(actor=member, campus=campus,
                                  instance=Ingredient(campus=campus, name="豇豆", food_group="vegetable"))  # fmt: skip
    assert not ok.is_banned
    # A ban from the list cannot be lifted by hand.
    bean.is_banned = False
    services.ingredient_save(actor=member, campus=campus, instance=bean)
    bean.refresh_from_db()
    assert bean.is_banned


def test_campus_extends_the_banned_list_but_cannot_shorten_it(campus, member):
    CampusSettings.objects.create(campus=campus, values={"nutrition.banned_keywords": "火腿肠"})
    words = services.banned_keywords(campus)
    assert "火腿肠" in words and "亚硝酸盐" in words and "冷荤" in words
    sausage = services.ingredient_save(actor=member, campus=campus,
                                       instance=Ingredient(campus=campus, name="火腿肠", food_group="meat"))  # fmt: skip
    assert sausage.is_banned


def test_menu_with_banned_food_cannot_be_published(campus, member):
    menu, rice_dish, _egg = tiny_menu(campus)
    bean = services.ingredient_save(actor=member, campus=campus,
                                    instance=Ingredient(campus=campus, name="四季豆", food_group="vegetable"))  # fmt: skip
    bad = dish(campus, "炒四季豆", [(bean, D("60"))], category=Dish.Category.SIDE)
    assert services.dish_banned_reasons(bad)
    services.menu_item_add(actor=member, menu=menu, date=menu.week_start, meal="lunch", dish=bad)
    with pytest.raises(ValidationError) as exc:
        services.menu_publish(actor=member, menu=menu)
    assert any("四季豆" in m for m in exc.value.messages)
    menu.refresh_from_db()
    assert menu.status == Menu.Status.DRAFT
    # A dish named after a banned food (冷荤) is refused too, whatever its ingredients.
    cold = dish(campus, "冷荤拼盘", [(rice(campus, name="米2"), D("10"))])
    assert services.dish_banned_reasons(cold)


# --- Recipes --------------------------------------------------------------------------------


def test_recipe_set_and_copy_with_factor(campus, member):
    r, e = rice(campus), egg(campus)
    d = dish(campus, "蛋炒饭", [(r, D("80")), (e, D("40"))], actor=member)
    services.dish_lines_copy(actor=member, dish=d, from_group="4-6", to_group="1-3", factor=D("0.75"))
    lines = {(x.ingredient.name, x.age_group): x.grams for x in DishIngredient.objects.filter(dish=d)}
    assert lines[("米", "1-3")] == D("60.0") and lines[("蛋", "1-3")] == D("30.0")
    assert lines[("米", "4-6")] == D("80.0")
    assert events(d, "update").count() == 2  # set, then copy
    with pytest.raises(ValidationError):
        services.dish_lines_copy(actor=member, dish=d, from_group="7-10", to_group="1-3")
    with pytest.raises(ValidationError):
        services.dish_lines_set(actor=member, dish=d, age_group="4-6", lines=[(r, D("10")), (r, D("20"))])
    other = rice(f.CampusFactory(code="x1"), name="别的米")
    with pytest.raises(ValidationError):
        services.dish_lines_set(actor=member, dish=d, age_group="4-6", lines=[(other, D("10"))])
    assert DishIngredient.objects.filter(dish=d, age_group="4-6").count() == 2  # unchanged


def test_dish_summary_per_group_with_cost(campus):
    r = rice(campus)
    d = dish(campus, "饭", [(r, D("100"))])
    services.dish_lines_copy(actor=None, dish=d, from_group="4-6", to_group="1-3", factor=D("0.5"))
    groups = {g["age_group"]: g for g in services.dish_summary(d)["groups"]}
    assert groups["4-6"]["totals"]["energy_kcal"] == pytest.approx(350)
    assert groups["1-3"]["totals"]["energy_kcal"] == pytest.approx(175)
    assert groups["1-3"]["totals"]["cost_yuan"] == pytest.approx(0.25)


# --- Menus ----------------------------------------------------------------------------------


def test_menu_create_refuses_a_second_menu_for_the_week(campus, member):
    menu, rice_dish, _ = tiny_menu(campus, actor=member)
    assert menu.status == Menu.Status.DRAFT and menu.items.count() == 2
    assert events(menu, "create").exists()
    with pytest.raises(ValidationError) as exc:
        services.menu_create(
            actor=member, campus=campus, week_start=menu.week_start, age_group="4-6", items=[]
        )
    assert "already has a menu" in " ".join(exc.value.messages) or exc.value.messages
    # Another age group is fine.
    services.menu_create(actor=member, campus=campus, week_start=menu.week_start, age_group="1-3", items=[])


def test_menu_create_validates_items(campus, member):
    r = rice(campus)
    d = dish(campus, "饭", [(r, D("100"))])
    week = monday()
    with pytest.raises(ValidationError):  # not a Monday
        services.menu_create(actor=member, campus=campus, week_start=week + dt.timedelta(days=1), age_group="4-6",
                             items=[])  # fmt: skip
    with pytest.raises(ValidationError):  # outside the week
        services.menu_create(actor=member, campus=campus, week_start=week, age_group="4-6",
                             items=[(week + dt.timedelta(days=7), "lunch", d)])  # fmt: skip
    with pytest.raises(ValidationError):  # a kindergarten serves no dinner by default
        services.menu_create(actor=member, campus=campus, week_start=week, age_group="4-6",
                             items=[(week, "dinner", d)])  # fmt: skip
    assert not Menu.objects.filter(campus=campus).exists()  # nothing half-made


def test_publish_withdraw_republish(campus, make_member):
    health = make_member(Role.HEALTH_TEACHER, username="health")
    canteen = make_member(Role.CANTEEN_HEAD, username="head")
    menu, rice_dish, egg_dish = tiny_menu(campus, actor=canteen)
    with pytest.raises(PermissionDenied):  # the canteen head writes menus but does not publish them
        services.menu_publish(actor=canteen, menu=menu)
    services.menu_publish(actor=health, menu=menu)
    menu.refresh_from_db()
    assert menu.status == Menu.Status.PUBLISHED and menu.published_by == health and menu.published_at
    assert list(services.served_items(campus, menu.week_start, "lunch")) == [menu.items.get(meal="lunch")]
    # Published menus are not edited.
    with pytest.raises(ValidationError) as exc:
        services.menu_item_add(
            actor=canteen, menu=menu, date=menu.week_start, meal="afternoon_snack", dish=rice_dish
        )
    assert exc.value.messages == [gettext("A published menu cannot be changed; withdraw it first.")]
    with pytest.raises(ValidationError):
        services.menu_item_remove(actor=canteen, item=menu.items.first())
    with pytest.raises(ValidationError):
        services.menu_withdraw(actor=health, menu=menu, reason="  ")
    with pytest.raises(ValidationError):
        services.menu_delete(actor=canteen, menu=menu)
    services.menu_withdraw(actor=health, menu=menu, reason="周三换菜")
    menu.refresh_from_db()
    assert menu.status == Menu.Status.WITHDRAWN and menu.withdrawn_reason == "周三换菜"
    assert not services.served_items(campus, menu.week_start).exists()
    services.menu_item_add(
        actor=canteen, menu=menu, date=menu.week_start, meal="afternoon_snack", dish=rice_dish
    )
    services.menu_publish(actor=health, menu=menu)
    menu.refresh_from_db()
    assert menu.status == Menu.Status.PUBLISHED and menu.items.count() == 3
    assert events(menu, "publish").count() == 2 and events(menu, "withdraw").count() == 1
    with pytest.raises(ValidationError):
        services.menu_publish(actor=health, menu=menu)
    with pytest.raises(ValidationError):  # withdrawn once published: stays on record
        services.menu_withdraw(actor=health, menu=menu, reason="x")
        services.menu_delete(actor=canteen, menu=menu)


def test_publish_refuses_empty_menus_and_missing_recipes(campus, member):
    week = monday()
    empty = services.menu_create(actor=member, campus=campus, week_start=week, age_group="1-3", items=[])
    with pytest.raises(ValidationError) as exc:
        services.menu_publish(actor=member, menu=empty)
    assert gettext("The menu has no dishes.") in exc.value.messages
    r = rice(campus)
    only_big = dish(campus, "饭", [(r, D("100"))])  # recipe for 4–6 only
    services.menu_item_add(actor=member, menu=empty, date=week, meal="lunch", dish=only_big)
    with pytest.raises(ValidationError) as exc:
        services.menu_publish(actor=member, menu=empty)
    assert any("饭" in m for m in exc.value.messages)


def test_copy_last_week_and_delete_draft(campus, member):
    menu, _r, _e = tiny_menu(campus)
    nxt = services.menu_copy_week(actor=member, campus=campus, source=menu,
                                  week_start=menu.week_start + dt.timedelta(days=7))  # fmt: skip
    assert sorted((i.date - nxt.week_start, i.meal) for i in nxt.items.all()) == sorted(
        (i.date - menu.week_start, i.meal) for i in menu.items.all()
    )
    services.menu_delete(actor=member, menu=nxt)
    assert not Menu.objects.filter(pk=nxt.pk).exists()
    assert not MenuItem.objects.filter(menu_id=nxt.pk).exists()


def test_dish_on_a_menu_cannot_be_deleted(campus, member):
    _menu, rice_dish, _e = tiny_menu(campus)
    with pytest.raises(ValidationError):
        services.dish_delete(actor=member, instance=rice_dish)


def test_age_group_for_class(campus):
    nursery = f.SchoolClassFactory(campus=campus, grade="nursery")
    senior = f.SchoolClassFactory(campus=campus, grade="senior")
    g3 = f.SchoolClassFactory(campus=campus, grade="g3")
    assert services.age_group_for_class(nursery) == AgeGroup.Y1_3
    assert services.age_group_for_class(senior) == AgeGroup.Y4_6
    assert services.age_group_for_class(g3) == AgeGroup.Y7_10
    CampusSettings.objects.create(campus=campus, values={"nutrition.grade_age_groups": "nursery:4-6"})
    campus._settings_cache = None
    nursery.campus = campus
    assert services.age_group_for_class(nursery) == AgeGroup.Y4_6


def test_meal_kinds_by_campus_kind_and_setting(campus, other_campus):
    assert services.meal_kinds(campus) == ["morning_snack", "lunch", "afternoon_snack"]
    other_campus.kind = "primary"
    assert services.meal_kinds(other_campus) == ["breakfast", "lunch", "dinner"]
    CampusSettings.objects.create(campus=campus, values={"nutrition.meal_kinds": "dinner, breakfast,lunch"})
    campus._settings_cache = None
    assert services.meal_kinds(campus) == ["breakfast", "lunch", "dinner"]


# --- Meal counts and purchase list ----------------------------------------------------------


def _classes(campus):
    from houqin.health.models import ClassAttendance

    small = f.SchoolClassFactory(campus=campus, name="小一班", grade="junior")
    baby = f.SchoolClassFactory(campus=campus, name="托一班", grade="nursery")
    for _ in range(10):
        f.ChildFactory(campus=campus, school_class=small)
    for _ in range(6):
        f.ChildFactory(campus=campus, school_class=baby)
    return small, baby, ClassAttendance


def test_meal_counts_from_attendance_and_staff_apart(campus, member):
    small, baby, ClassAttendance = _classes(campus)
    day = monday()
    f.ClassAttendanceFactory(campus=campus, school_class=small, date=day, present_count=8, absent_count=2)
    counts = services.meal_counts(campus, day)
    by_class = {r["class"].pk: r for r in counts["classes"]}
    assert by_class[small.pk]["present"] == 8 and by_class[small.pk]["age_group"] == "4-6"
    assert by_class[baby.pk]["present"] == 6 and not by_class[baby.pk]["taken"]  # not taken: enrolled
    assert counts["children"] == 14 and not counts["all_taken"]
    assert {v: n for _l, v, n in counts["by_group"]} == {"4-6": 8, "1-3": 6}
    services.staff_meals_set(actor=member, campus=campus, date=day, count=12, note="含保安")
    services.staff_meals_set(actor=member, campus=campus, date=day, count=11)
    counts = services.meal_counts(campus, day)
    assert counts["staff_count"] == 11 and counts["children"] == 14 and counts["total"] == 25
    assert StaffMealCount.objects.filter(campus=campus).count() == 1
    row = StaffMealCount.objects.get(campus=campus)
    assert events(row).count() == 2
    with pytest.raises(ValidationError):
        services.staff_meals_set(actor=member, campus=campus, date=day, count=-1)


def test_purchase_list_quantities(campus, member):
    """米 100 g (4–6) / 80 g (1–3) and 蛋 50 g (4–6) / 40 g (1–3) per child; past day with
    8 present in 小一班 (4–6) and 6 enrolled in 托一班 (1–3, no roll call); a future day uses
    the enrolled counts (10 and 6)."""
    small, baby, _CA = _classes(campus)
    today = monday() + dt.timedelta(days=2)  # a Wednesday
    menu, rice_dish, egg_dish = tiny_menu(campus)
    for d in (rice_dish, egg_dish):
        services.dish_lines_copy(actor=member, dish=d, from_group="4-6", to_group="1-3", factor=D("0.8"))
    services.menu_create(
        actor=member, campus=campus, week_start=menu.week_start, age_group="1-3",
        items=[(menu.week_start, "lunch", rice_dish), (menu.week_start, "morning_snack", egg_dish)],
    )  # fmt: skip
    services.menu_publish(actor=member, menu=menu)
    f.ClassAttendanceFactory(campus=campus, school_class=small, date=menu.week_start, present_count=8)
    result = services.purchase_list(campus, menu.week_start, today=today)
    rows = {r["ingredient"].name: r for g in result["groups"] for r in g["rows"]}
    # 米: 100 g × 8 + 80 g × 6 = 1280 g; 蛋: 50 × 8 + 40 × 6 = 640 g.
    assert rows["米"]["kg"] == D("1.280") and rows["米"]["portions"] == 14
    assert rows["蛋"]["kg"] == D("0.640")
    assert rows["米"]["cost"] == D("6.40") and rows["蛋"]["cost"] == D("7.68")
    assert result["total_cost"] == D("14.08")
    assert result["drafts"] and [g["group"] for g in result["groups"]] == ["cereal", "egg"]
    # The same menu day seen from the week before: future, enrolled counts 10 and 6.
    future = services.purchase_list(campus, menu.week_start, today=menu.week_start - dt.timedelta(days=3))
    rows = {r["ingredient"].name: r for g in future["groups"] for r in g["rows"]}
    assert rows["米"]["kg"] == D("1.480")  # 100 × 10 + 80 × 6
    # A withdrawn menu is not bought for.
    services.menu_withdraw(actor=member, menu=menu, reason="改菜")
    withdrawn = services.purchase_list(campus, menu.week_start, today=today)
    rows = {r["ingredient"].name: r for g in withdrawn["groups"] for r in g["rows"]}
    assert rows["米"]["kg"] == D("0.480")  # only the 1–3 draft
    with pytest.raises(ValidationError):
        services.purchase_list(campus, menu.week_start, menu.week_start - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.purchase_list(campus, menu.week_start, menu.week_start + dt.timedelta(days=40))


# --- Composition importer --------------------------------------------------------------------


def _csv(text, name="foods.csv"):
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    return upload


HEADER = (
    "name_zh,name_en,food_group,is_quality_protein,source_dataset,source_food_id,energy_kcal,protein_g,"
    "fat_g,carbohydrate_g,calcium_mg,iron_mg,zinc_mg,vitamin_a_ug_rae,thiamin_mg,riboflavin_mg,vitamin_c_mg"
)


def test_importer_reports_every_bad_row_and_writes_nothing(campus, member):
    text = HEADER + "\n" + "\n".join([
        "大米,Rice,cereal,false,USDA SR28,20444,365,7.13,0.66,79.95,28,0.8,1.09,0,0.07,0.049,0",
        ",Nameless,cereal,false,,,1,1,1,1,1,1,1,1,1,1,1",
        "鸡蛋,Egg,eggs,true,,,143,12.56,9.51,0.72,56,1.75,1.29,160,0.04,0.457,0",
        "牛奶,Milk,dairy,maybe,,,61,3.15,3.25,4.8,113,0.03,0.37,46,0.046,0.169,abc",
        "菠菜,Spinach,vegetable,false,,,23,2.86,0.39,3.63,-99,2.71,0.53,469,0.078,0.189,28.1",
        "大米,Rice again,cereal,false,,,365,7,0.6,80,28,0.8,1,0,0.07,0.05,0",
    ])  # fmt: skip
    result = importers.composition_import(actor=member, campus=campus, file=_csv(text))
    assert not result.ok and result.rows == 6
    by_row = {(e.row, e.column) for e in result.errors}
    assert (3, "name_zh") in by_row
    assert (4, "food_group") in by_row
    assert (5, "is_quality_protein") in by_row and (5, "vitamin_c_mg") in by_row
    assert (6, "calcium_mg") in by_row
    assert (7, "name_zh") in by_row  # duplicate of row 2
    assert not Ingredient.objects.filter(campus=campus).exists()


def test_importer_file_errors(campus, member):
    assert importers.composition_import(actor=member, campus=campus, file=_csv("")).file_error
    result = importers.composition_import(actor=member, campus=campus, file=_csv("name,food\n米,cereal\n"))
    assert "name_zh" in result.file_error
    result = importers.composition_import(
        actor=member, campus=campus, file=_csv("name_zh,food_group,colour\n")
    )
    assert "colour" in result.file_error
    bad = io.BytesIO(b"\xff\xfe\x00\x00garbage\x81")
    bad.name = "x.csv"
    assert importers.composition_import(actor=member, campus=campus, file=bad).file_error


def test_importer_updates_existing_and_keeps_campus_values(campus, member):
    rice(campus, name="大米", edible_portion=D("1.00"), price_per_kg=D("5.50"))
    text = HEADER + ",edible_portion\n" + "\n".join([
        "大米,Rice,cereal,false,USDA SR28,20444,365,7.13,0.66,79.95,28,0.8,1.09,0,0.07,0.049,0,",
        "四季豆,Green beans,vegetable,false,USDA SR28,11052,31,1.83,0.22,6.97,37,1.03,0.24,35,0.082,0.104,12.2,0.96",
    ])  # fmt: skip
    gbk = io.BytesIO(text.encode("gb18030"))
    gbk.name = "foods.csv"
    result = importers.composition_import(actor=member, campus=campus, file=gbk)
    assert result.ok, result.errors
    assert result.created == 1 and result.updated == 1
    r = Ingredient.objects.get(campus=campus, name="大米")
    assert r.energy_kcal == D("365.000") and r.price_per_kg == D("5.50") and r.source == "USDA SR28"
    beans = Ingredient.objects.get(campus=campus, name="四季豆")
    assert beans.is_banned and beans.edible_portion == D("0.96")
    assert AuditEvent.objects.filter(action="composition_import", campus=campus).exists()


def test_starter_table_loads_199_foods(campus, member):
    result = importers.starter_load(actor=member, campus=campus)
    assert result.ok and result.created == 199
    assert Ingredient.objects.filter(campus=campus).count() == 199
    egg_row = Ingredient.objects.get(campus=campus, name="鸡蛋（全蛋，生）")
    assert egg_row.source == "USDA SR28" and egg_row.source_id == "01123" and egg_row.is_quality_protein
    assert egg_row.edible_portion == D("1.00")
    assert Ingredient.objects.get(campus=campus, name="四季豆（菜豆，生）").is_banned
    again = importers.starter_load(actor=member, campus=campus)  # idempotent
    assert again.ok and again.created == 0 and Ingredient.objects.filter(campus=campus).count() == 199
