"""The menu generator (智能排餐): a feasible week keeps every rule, the cost is the lowest, soft
targets missed are reported, an infeasible week names the rule, the proposal is saved as a
generated draft menu."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import pgettext

from houqin.canteen import menugen
from houqin.canteen.models import Dish, Menu, MenuItem
from houqin.core.models import CampusSettings, Holiday, SchoolYear, Term
from houqin.core.roles import Role
from tests.canteen.meals_helpers import GROUP, MONDAY, build_library, targets

pytestmark = pytest.mark.django_db

DAYS = [MONDAY + dt.timedelta(days=i) for i in range(5)]


def _propose(campus, **kwargs):
    kwargs.setdefault("targets", targets())
    return menugen.propose(campus, GROUP, MONDAY, **kwargs)


def _assert_rules(proposal, campus, tgt):
    rules = menugen.rules_for(campus)
    items = proposal.menu_items()
    assert menugen.check_items(items, proposal.days, rules) == []
    # independently of check_items: patterns, no repeats, meals, rotation, targets
    for day in proposal.days:
        lunch = [d for dd, m, d in items if dd == day and m == "lunch"]
        assert sorted(d.category for d in lunch) == ["main", "side", "soup", "staple"]
        morning = [d for dd, m, d in items if dd == day and m == "morning_snack"]
        assert sorted(d.category for d in morning) == ["drink", "snack"]
        afternoon = [d for dd, m, d in items if dd == day and m == "afternoon_snack"]
        assert len(afternoon) == 1 and afternoon[0].category in ("snack", "fruit")
    pks = [d.pk for _dd, _m, d in items]
    assert len(pks) == len(set(pks)), "a dish served twice"
    for _dd, meal, dish in items:
        assert not dish.meal_kinds() or meal in dish.meal_kinds()
    mains = {dd: d.protein_source for dd, m, d in items if d.category == "main"}
    sources = [mains[day] for day in proposal.days]
    assert all(a != b for a, b in zip(sources, sources[1:], strict=False))
    for protein in ("fish", "egg", "bean"):
        assert protein in sources
    for row in proposal.day_rows:
        assert row["totals"]["energy_kcal"] >= tgt["energy_kcal"]["min"] - 1e-6
        assert row["totals"]["protein_g"] >= tgt["protein_g"]["min"] - 1e-6


def test_feasible_week_keeps_every_rule(campus):
    build_library(campus)
    tgt = targets()
    proposal = _propose(campus, targets=tgt)
    assert proposal.status == "optimal"
    assert proposal.days == DAYS
    assert len(proposal.items) == 5 * (2 + 4 + 1)
    _assert_rules(proposal, campus, tgt)
    assert proposal.cost_total == pytest.approx(sum(i.cost for _d, _m, i in proposal.items))
    assert proposal.cost_per_day == pytest.approx(proposal.cost_total / 5)
    assert proposal.shortfalls == []
    assert proposal.seconds < 5
    assert [row["key"] for row in proposal.table][:2] == ["energy_kcal", "protein_g"]


def test_lowest_cost_is_chosen(campus):
    dishes = build_library(campus)
    # a sixth soup, identical to the cheapest but dearer: never chosen; a cheaper copy always is
    extra = [
        ("金贵蛋汤", "soup", "", "lunch", 45, 3.0, 2.5, 3.0, True, 80, (20, 0.8, 0.4, 60, 0.03, 0.08, 10)),
        ("便宜蛋汤", "soup", "", "lunch", 45, 3.0, 2.5, 3.0, True, 1, (20, 0.8, 0.4, 60, 0.03, 0.08, 10)),
    ]
    dishes.update(build_library(campus, only={"金贵蛋汤", "便宜蛋汤"}, extra=extra))
    proposal = _propose(campus)
    names = {i.name for _d, _m, i in proposal.items}
    assert "便宜蛋汤" in names and "金贵蛋汤" not in names
    # the two dearest lunch soups are left out (5 of 7 needed)
    assert "冬瓜排骨汤" not in names


def test_campus_pattern_and_rotation_settings(campus):
    build_library(campus)
    CampusSettings.objects.create(campus=campus, values={
        "canteen.meals.gen_pattern_afternoon_snack": "fruit:1", "canteen.meals.gen_min_fish": 2,
        "canteen.meals.gen_repeat_ok": "drink,fruit",
    })  # fmt: skip
    campus.__dict__.pop("_settings_cache", None)
    proposal = _propose(campus)
    afternoon = [i for _d, m, i in proposal.items if m == "afternoon_snack"]
    assert {i.category for i in afternoon} == {"fruit"}
    fish = [i for _d, _m, i in proposal.items if i.category == "main" and i.protein == "fish"]
    assert len(fish) == 2
    assert len(afternoon) == 5 and len({i.pk for i in afternoon}) <= 3  # fruit may repeat now
    # without the repeat exception 3 fruits cannot fill 5 afternoons: the message says so
    CampusSettings.objects.filter(campus=campus).update(
        values={"canteen.meals.gen_pattern_afternoon_snack": "fruit:1"}
    )
    campus.__dict__.pop("_settings_cache", None)
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus)
    assert str(Dish.Category.FRUIT.label) in " ".join(exc.value.reasons)


def test_soft_targets_missed_are_reported(campus):
    build_library(campus)
    tgt = targets(micro_min={"vitamin_c_mg": 500})
    proposal = _propose(campus, targets=tgt)
    missed = [s for s in proposal.shortfalls if s["key"] == "vitamin_c_mg"]
    assert len(missed) == 5  # every day, reported with its value and the minimum
    assert all(s["value"] < 500 and s["min"] == 500 for s in missed)
    _assert_rules(proposal, campus, tgt)  # the hard rules still hold


def test_not_enough_dishes_names_the_category(campus):
    dishes = build_library(campus)
    Dish.objects.filter(pk__in=[dishes[n].pk for n in ("菌菇汤", "青菜豆腐汤", "冬瓜排骨汤")]).update(
        is_active=False
    )
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus)
    text = " ".join(exc.value.reasons)
    assert str(Dish.Category.SOUP.label) in text
    assert "番茄蛋汤" in text


def test_energy_target_out_of_reach_names_energy_and_days(campus):
    build_library(campus)
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus, targets=targets(energy_min=1300))
    text = " ".join(exc.value.reasons)
    assert pgettext("nutrient", "Energy") in text
    assert "1300" in text
    assert "03-04" in text  # the days are named


def test_rotation_impossible_is_explained(campus):
    only = {
        "牛奶",
        "酸奶",
        "豆浆",
        "核桃奶",
        "红枣豆浆",
        "小米糕",
        "南瓜饼",
        "蒸蛋糕",
        "全麦面包",
        "紫薯卷",
        "玉米饼",
        "花卷",
        "米饭",
        "二米饭",
        "杂粮饭",
        "馒头",
        "肉丝面",
        "清炒菠菜",
        "蒜蓉西兰花",
        "胡萝卜炒木耳",
        "炒油麦菜",
        "白灼生菜",
        "番茄蛋汤",
        "紫菜虾皮汤",
        "冬瓜排骨汤",
        "菌菇汤",
        "青菜豆腐汤",
        "清蒸鲈鱼",
        "苹果",
        "香蕉",
        "橙子",
    }
    extra = [(f"肉菜{i}", "main", "meat", "lunch", 160, 15.0, 9.0, 4.0, True, 30, (15, 2.0, 2.5, 40, 0.4, 0.16, 0))
             for i in range(4)]  # fmt: skip
    build_library(campus, only=only | {e[0] for e in extra}, extra=extra)
    CampusSettings.objects.create(
        campus=campus, values={"canteen.meals.gen_min_egg": 0, "canteen.meals.gen_min_bean": 0}
    )
    # 4 meat mains and 1 fish main for 5 days: meat on two days running is unavoidable
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus)
    assert len(exc.value.reasons) == 1
    assert "fish/meat/egg/bean" in exc.value.reasons[0] or "鱼" in exc.value.reasons[0]
    # without the rule the same library works
    CampusSettings.objects.filter(campus=campus).update(
        values={
            "canteen.meals.gen_min_egg": 0,
            "canteen.meals.gen_min_bean": 0,
            "canteen.meals.gen_protein_rotation": False,
        }
    )
    campus.__dict__.pop("_settings_cache", None)
    assert _propose(campus).items


def test_snacks_shared_by_two_meals_are_counted_together(campus):
    dishes = build_library(campus)
    Dish.objects.filter(pk__in=[dishes[n].pk for n in ("苹果", "香蕉", "橙子", "玉米饼")]).update(
        is_active=False
    )
    # 6 snacks left for 5 morning snacks and 5 afternoon snacks
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus)
    assert "10" in exc.value.reasons[0] and str(Dish.Category.SNACK.label) in exc.value.reasons[0]


def test_missing_protein_source_is_found_before_solving(campus):
    dishes = build_library(campus)
    Dish.objects.filter(pk=dishes["麻婆豆腐"].pk).update(is_active=False)
    with pytest.raises(menugen.MenuGenerationError) as exc:
        _propose(campus)
    assert str(Dish.Protein.BEAN.label) in " ".join(exc.value.reasons)


def test_bad_pattern_setting_is_a_clear_error(campus):
    build_library(campus)
    CampusSettings.objects.create(
        campus=campus, values={"canteen.meals.gen_pattern_lunch": "staple:1,meat:2"}
    )
    with pytest.raises(ValidationError) as exc:
        _propose(campus)
    assert "meat:2" in " ".join(exc.value.messages)
    with pytest.raises(ValidationError):
        menugen.parse_pattern("snack:1,snack|fruit:1", "afternoon_snack")


def test_holidays_shorten_the_week(campus):
    build_library(campus)
    year = SchoolYear.objects.create(campus=campus, name="2029—2030学年", start_date=dt.date(2029, 9, 1),
                                     end_date=dt.date(2030, 8, 31))  # fmt: skip
    term = Term.objects.create(campus=campus, school_year=year, name="2030春", start_date=dt.date(2030, 2, 20),
                               end_date=dt.date(2030, 7, 10))  # fmt: skip
    Holiday.objects.create(campus=campus, term=term, name="放假", start_date=DAYS[2], end_date=DAYS[2])
    proposal = _propose(campus)
    assert proposal.days == [DAYS[0], DAYS[1], DAYS[3], DAYS[4]]
    assert {d for d, _m, _i in proposal.items} == set(proposal.days)


def test_banned_and_recipe_less_dishes_are_left_out(campus):
    dishes = build_library(campus)
    Dish.objects.create(campus=campus, name="没有食谱的菜", category="side")
    ingredient = dishes["红烧肉"].lines.first().ingredient
    ingredient.is_banned, ingredient.ban_reason = True, "测试"
    ingredient.save()
    proposal = _propose(campus)
    skipped = dict(proposal.skipped)
    assert "没有食谱的菜" in skipped and "红烧肉" in skipped
    assert "红烧肉" not in {i.name for _d, _m, i in proposal.items}


def test_save_creates_a_generated_draft_and_refuses_twice(campus, make_member):
    build_library(campus)
    health = make_member(Role.HEALTH_TEACHER)
    proposal = _propose(campus)
    menu = menugen.proposal_save(actor=health, campus=campus, token=proposal.token())
    assert menu.generated and menu.status == Menu.Status.DRAFT and menu.week_start == MONDAY
    assert menu.age_group == GROUP
    saved = {(i.date, i.meal, i.dish_id) for i in MenuItem.objects.filter(menu=menu)}
    assert saved == {(d, m, i.pk) for d, m, i in proposal.items}
    with pytest.raises(ValidationError):
        menugen.proposal_save(actor=health, campus=campus, token=proposal.token())
    assert Menu.objects.filter(campus=campus).count() == 1


def test_save_refuses_a_changed_token_another_campus_and_a_cook(campus, other_campus, make_member):
    build_library(campus)
    proposal = _propose(campus)
    token = proposal.token()
    health = make_member(Role.HEALTH_TEACHER)
    with pytest.raises(ValidationError):
        menugen.proposal_save(actor=health, campus=campus, token=token[:-3] + "abc")
    with pytest.raises(ValidationError):
        menugen.proposal_save(actor=None, campus=other_campus, token=token)
    with pytest.raises(PermissionDenied):
        menugen.proposal_save(actor=make_member(Role.COOK), campus=campus, token=token)
    assert not Menu.objects.exists()


def test_generate_with_real_targets(campus, make_member):
    """The nutrition area's ``daily_targets`` with the campus's day share: a generated draft."""
    build_library(campus)
    CampusSettings.objects.create(campus=campus, values={"nutrition.day_share_pct": 50})
    menu, proposal = menugen.generate(actor=make_member(Role.HEALTH_TEACHER), campus=campus, age_group=GROUP,
                                      week_start=MONDAY)  # fmt: skip
    assert menu.generated and menu.items.count() == len(proposal.items) == 35
    tgt = proposal.targets
    for row in proposal.day_rows:
        assert row["totals"]["energy_kcal"] >= tgt["energy_kcal"]["min"] - 1e-6


def test_week_must_start_on_monday(campus):
    with pytest.raises(ValidationError):
        menugen.propose(campus, GROUP, MONDAY + dt.timedelta(days=1), targets=targets())


def test_generator_page_proposes_saves_and_redirects_to_the_editor(campus, make_member):
    from django.urls import reverse

    from tests.conftest import login

    build_library(campus)
    CampusSettings.objects.create(campus=campus, values={"nutrition.day_share_pct": 50})
    client = login(make_member(Role.HEALTH_TEACHER))
    url = reverse("canteen:meals_generator", kwargs={"campus": campus.code})
    assert client.get(url).status_code == 200
    page = client.get(url, {"week_start": MONDAY.isoformat(), "age_group": GROUP}).content.decode()
    assert "proposal-grid" in page and "proposal-analysis" in page and "save-proposal" in page
    import re

    token = re.search(r'name="token" value="([^"]+)"', page)[1]
    response = client.post(url, {"token": token})
    menu = Menu.objects.get(campus=campus)
    assert response.status_code == 302
    assert response.url == reverse(
        "canteen:nutrition_menu_detail", kwargs={"campus": campus.code, "pk": menu.pk}
    )
    assert menu.generated
    # the week has a menu now: the page says so instead of proposing
    page = client.get(url, {"week_start": MONDAY.isoformat(), "age_group": GROUP}).content.decode()
    assert "generator-existing" in page and "proposal-grid" not in page
    # infeasible: the rule is named on the page
    page = client.get(url, {"week_start": MONDAY.isoformat(), "age_group": "1-3"}).content.decode()
    assert "generator-errors" in page
    # a Tuesday is refused by the form; a cook may not use the page
    assert (
        "generator-errors"
        not in client.get(url, {"week_start": "2030-03-05", "age_group": GROUP}).content.decode()
    )
    assert login(make_member(Role.COOK)).get(url).status_code == 403
