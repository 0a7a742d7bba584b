"""The nutrition arithmetic on a tiny menu worked out by hand, and the DRI targets from the
shipped DRI file (2013 edition) for 4–6 y.

The menu (4–6 y, one day, kindergarten meals):
  早点: 蒸蛋 = 蛋 50 g purchased × edible 0.80 = 40 g edible
  午餐: 饭   = 米 100 g purchased × edible 1.00 = 100 g edible

Per 100 g edible:      energy protein fat  carb  Ca  Fe  Zn   VA  B1   B2   VC
  米                    350    8       1    77    10  1   1    0   0.10 0.05 0
  蛋                    140    13      10   1     50  2   1.2  150 0.05 0.50 0

饭   (×1.00): 350    8.0     1.0  77.0  10  1.0 1.00 0   0.100 0.050 0   cost 0.1 kg × 5 = 0.50
蒸蛋 (×0.40): 56     5.2     4.0  0.4   20  0.8 0.48 60  0.020 0.200 0   cost 0.05 kg × 12 = 0.60
Day:          406    13.2    5.0  77.4  30  1.8 1.48 60  0.120 0.250 0   cost 1.10
High-quality protein: 5.2 g (only the egg) → 5.2 / 13.2 = 39.394 % (target ≥ 50 → low).

DRI 4–6 y (mean of boys and girls, then of the 4, 5 and 6-year rows; PAL II):
  energy (1300+1250)/2=1275, (1400+1300)/2=1350, (1600+1450)/2=1525 → 4150/3 = 1383.333 kcal
  protein (30, 30, 35) → 31.667 g; Ca 800; Fe 10; Zn 5.5; VA 360; B1 0.8; B2 0.7; VC 50.
% of DRI: energy 406/1383.333 = 29.349 %; protein 13.2/31.667 = 41.684 %; Ca 3.75 %;
  Fe 18 %; Zn 26.909 %; VA 16.667 %; B1 15 %; B2 35.714 %; VC 0 % — all below 80 % → low.
Energy split (4/9/4 kcal/g): P 52.8, F 45.0, C 309.6 kcal, sum 407.4
  → P 12.960 % (12–15 ok), F 11.046 % (30–35 low), C 75.994 % (50–60 high).
Fat and carbohydrate "DRI" grams from energy × middle of the split range:
  fat 1383.333 × 32.5 % / 9 = 49.954 g → 5 / 49.954 = 10.009 %; minimum 1383.333 × 30 % / 9 × 0.8 = 36.889 g
  carb 1383.333 × 55 % / 4 = 190.208 g → 77.4 / 190.208 = 40.692 %; minimum 1383.333 × 50 % / 4 × 0.8 = 138.333 g
Meal split: served groups breakfast (早点, 30 % ± 5) and lunch (午餐, 40 % ± 5), no dinner →
  targets × 100/70: breakfast 35.714–50.000 %, lunch 50.000–64.286 %.
  breakfast 56/406 = 13.793 % → low; lunch 350/406 = 86.207 % → high.
Variety: 2 foods (< 12 → low), 2 food groups, 2 of the 4 food classes (< 4 → low).
"""

import pytest

from houqin.canteen import nutrition_calc as calc
from houqin.canteen import nutrition_services as services
from houqin.canteen.models import DishIngredient
from houqin.core.models import CampusSettings
from tests.canteen.nutrition_helpers import tiny_menu

pytestmark = pytest.mark.django_db
approx = pytest.approx


def test_dish_nutrients_by_hand(campus):
    menu, rice_dish, egg_dish = tiny_menu(campus)
    rice = calc.dish_nutrients(DishIngredient.objects.filter(dish=rice_dish).select_related("ingredient"))
    egg = calc.dish_nutrients(
        DishIngredient.objects.filter(dish=egg_dish).select_related("ingredient"), "4-6"
    )
    assert rice["energy_kcal"] == approx(350) and rice["carbohydrate_g"] == approx(77)
    assert rice["cost_yuan"] == approx(0.50) and rice["quality_protein_g"] == 0
    assert egg["energy_kcal"] == approx(56) and egg["protein_g"] == approx(5.2) and egg["fat_g"] == approx(4)
    assert (
        egg["carbohydrate_g"] == approx(0.4)
        and egg["calcium_mg"] == approx(20)
        and egg["iron_mg"] == approx(0.8)
    )
    assert egg["zinc_mg"] == approx(0.48) and egg["vitamin_a_ug"] == approx(60)
    assert egg["vitamin_b1_mg"] == approx(0.02) and egg["vitamin_b2_mg"] == approx(0.2)
    assert egg["quality_protein_g"] == approx(5.2) and egg["cost_yuan"] == approx(0.60)
    # Lines of another age group are left out.
    assert calc.dish_nutrients(
        DishIngredient.objects.filter(dish=egg_dish).select_related("ingredient"), "1-3"
    ) == (calc.empty_totals())


def test_menu_analysis_by_hand(campus):
    menu, _r, _e = tiny_menu(campus)
    a = services.menu_analysis(menu)
    assert a["school_days"] == 1 and len(a["days"]) == 1
    day = a["days"][0]
    t = day["totals"]
    expected = {
        "energy_kcal": 406, "protein_g": 13.2, "fat_g": 5, "carbohydrate_g": 77.4, "calcium_mg": 30,
        "iron_mg": 1.8, "zinc_mg": 1.48, "vitamin_a_ug": 60, "vitamin_b1_mg": 0.12, "vitamin_b2_mg": 0.25,
        "vitamin_c_mg": 0, "quality_protein_g": 5.2, "cost_yuan": 1.10,
    }  # fmt: skip
    for key, value in expected.items():
        assert t[key] == approx(value), key
    rows = {r["key"]: r for r in day["nutrients"]}
    pcts = {
        "energy_kcal": 29.349, "protein_g": 41.684, "calcium_mg": 3.75, "iron_mg": 18.0, "zinc_mg": 26.909,
        "vitamin_a_ug": 16.667, "vitamin_b1_mg": 15.0, "vitamin_b2_mg": 35.714, "vitamin_c_mg": 0.0,
        "fat_g": 10.009, "carbohydrate_g": 40.692,
    }  # fmt: skip
    for key, value in pcts.items():
        assert rows[key]["pct"] == approx(value, abs=0.001), key
        assert rows[key]["judgement"] == "low", key
    assert rows["energy_kcal"]["dri"] == approx(1383.333, abs=0.001)
    assert rows["protein_g"]["dri"] == approx(31.667, abs=0.001)
    assert rows["fat_g"]["min"] == approx(36.889, abs=0.001)
    assert rows["carbohydrate_g"]["min"] == approx(138.333, abs=0.001)
    split = {r["key"]: r for r in day["split"]}
    assert split["protein_g"]["pct"] == approx(12.960, abs=0.001) and split["protein_g"]["judgement"] == "ok"
    assert split["fat_g"]["pct"] == approx(11.046, abs=0.001) and split["fat_g"]["judgement"] == "low"
    assert split["carbohydrate_g"]["pct"] == approx(75.994, abs=0.001)
    assert split["carbohydrate_g"]["judgement"] == "high"
    assert day["quality_protein_pct"] == approx(39.394, abs=0.001) and day["quality_judgement"] == "low"
    meals = {m["group"]: m for m in day["meals"]}
    assert meals["breakfast"]["pct"] == approx(13.793, abs=0.001) and meals["breakfast"]["judgement"] == "low"
    assert meals["breakfast"]["low"] == approx(35.714, abs=0.001) and meals["breakfast"]["high"] == approx(50)
    assert meals["lunch"]["pct"] == approx(86.207, abs=0.001) and meals["lunch"]["judgement"] == "high"
    assert meals["lunch"]["high"] == approx(64.286, abs=0.001)
    assert meals["dinner"]["pct"] is None
    assert day["variety"] == {
        "foods": 2,
        "groups": 2,
        "classes": 2,
        "judgement": "low",
        "classes_judgement": "low",
    }
    # One day: the week's average day is the same.
    assert a["week"]["totals"]["energy_kcal"] == approx(406)
    assert a["week"]["cost_per_day"] == approx(1.10)
    assert not a["passed"] and "energy_kcal" in a["problems"] and "quality_protein" in a["problems"]


def test_week_average_over_days(campus):
    """Two days: the averages are the mean of the days."""
    import datetime as dt

    menu, rice_dish, egg_dish = tiny_menu(campus)
    services.menu_item_add(actor=None, menu=menu, date=menu.week_start + dt.timedelta(days=1), meal="lunch",
                           dish=rice_dish)  # fmt: skip
    a = services.menu_analysis(menu)
    assert a["school_days"] == 2
    assert a["week"]["totals"]["energy_kcal"] == approx((406 + 350) / 2)
    assert a["week"]["totals"]["protein_g"] == approx((13.2 + 8) / 2)


def test_targets_from_the_dri_file_4_6(campus):
    t = services.daily_targets(campus, "4-6")
    assert t["edition"] == "2013" and not t["school"]
    assert t["energy_kcal"]["dri"] == approx(4150 / 3)
    assert t["energy_kcal"]["min"] == approx(4150 / 3 * 0.8)
    assert t["energy_kcal"]["max"] == approx(4150 / 3 * 1.2)
    assert t["protein_g"]["dri"] == approx(95 / 3) and t["protein_g"]["min"] == approx(95 / 3 * 0.8)
    assert t["protein_g"]["max"] is None
    expected = {"calcium_mg": (800, 2000), "iron_mg": (10, 30), "zinc_mg": (5.5, 12), "vitamin_a_ug": (360, 900),
                "vitamin_b1_mg": (0.8, None), "vitamin_b2_mg": (0.7, None), "vitamin_c_mg": (50, 600)}  # fmt: skip
    for key, (dri, ul) in expected.items():
        assert t[key]["dri"] == approx(dri), key
        assert t[key]["min"] == approx(dri * 0.8), key
        assert t[key]["ul"] == (approx(ul) if ul else None), key
    assert t["energy_split"] == {"protein_g": (12, 15), "fat_g": (30, 35), "carbohydrate_g": (50, 60)}
    assert t["quality_protein_min"] == 50
    assert t["meal_split"] == {"breakfast": (25, 35), "lunch": (35, 45), "dinner": (25, 35)}
    # 1–3 y: the 1, 2 and 3-year rows.
    assert services.daily_targets(campus, "1-3")["energy_kcal"]["dri"] == approx((850 + 1050 + 1225) / 3)


def test_targets_follow_the_campus_settings(campus):
    CampusSettings.objects.create(campus=campus, values={
        "nutrition.boarding": True, "nutrition.micronutrient_min_pct": 90, "nutrition.pal": "heavy",
        "nutrition.kg_fat_energy_min": 25, "nutrition.kg_meal_split": "25/45/30",
    })  # fmt: skip
    t = services.daily_targets(campus, "4-6")
    # PAL III exists only from 6 y: 4 and 5 stay at II, 6 → (1800+1650)/2 = 1725.
    assert t["energy_kcal"]["dri"] == approx((1275 + 1350 + 1725) / 3)
    assert t["energy_kcal"]["min"] == approx(t["energy_kcal"]["dri"] * 0.9)  # boarding
    assert t["protein_g"]["min"] == approx(95 / 3 * 0.9)
    assert t["calcium_mg"]["min"] == approx(720)
    assert t["energy_split"]["fat_g"] == (25, 35)
    assert t["meal_split"]["lunch"] == (40, 50)


def test_school_targets(campus):
    t = services.daily_targets(campus, "7-10")
    assert t["school"]
    assert t["energy_kcal"]["min"] == approx(t["energy_kcal"]["dri"] * 0.9)
    assert t["energy_kcal"]["max"] == approx(t["energy_kcal"]["dri"] * 1.1)
    assert t["protein_g"]["max"] == approx(t["protein_g"]["dri"] * 1.2)
    assert t["energy_split"]["fat_g"] == (20, 30)
    assert t["meal_split"]["breakfast"] == (25, 30)


def test_judge_and_split_edges():
    assert calc.judge(80, 80) == "ok" and calc.judge(79.99, 80) == "low" and calc.judge(None, 1) == "low"
    assert calc.judge(121, 80, 120) == "high"
    assert calc.energy_split({"protein_g": 0, "fat_g": 0, "carbohydrate_g": 0})["fat_g"] is None
    assert calc.quality_protein_pct({"protein_g": 0}) is None
