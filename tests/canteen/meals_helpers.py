"""Helpers of the meals tests: a small dish library with known nutrients and prices, and
hand-made targets (so the generator tests do not depend on the nutrition settings)."""

import datetime as dt
from decimal import Decimal

from houqin.canteen.models import AgeGroup, Dish, DishIngredient, Ingredient

GROUP = AgeGroup.Y4_6.value
MONDAY = dt.date(2030, 3, 4)  # a Monday with no term: Monday–Friday are school days

# name, category, protein, meals ("" = any), energy, protein, fat, carb, quality protein?, price/kg,
# (calcium, iron, zinc, vitamin A, B1, B2, C)
LIBRARY = [
    ("牛奶", "drink", "", "morning_snack", 65, 3.2, 3.5, 5.0, True, 12, (110, 0.1, 0.4, 30, 0.03, 0.15, 1)),
    ("酸奶", "drink", "", "morning_snack", 80, 3.0, 3.0, 10.0, True, 16, (120, 0.1, 0.4, 25, 0.03, 0.14, 1)),
    ("豆浆", "drink", "", "morning_snack", 40, 3.0, 1.6, 2.0, True, 6, (20, 0.5, 0.2, 0, 0.02, 0.02, 0)),
    ("核桃奶", "drink", "", "morning_snack", 90, 3.0, 5.0, 8.0, True, 14, (100, 0.3, 0.4, 20, 0.03, 0.12, 1)),
    ("红枣豆浆", "drink", "", "morning_snack", 55, 2.8, 1.5, 7.0, True, 8, (22, 0.8, 0.2, 2, 0.02, 0.03, 3)),
    ("小米糕", "snack", "", "", 200, 4.0, 3.0, 40.0, False, 10, (20, 1.0, 0.5, 5, 0.10, 0.05, 0)),
    ("南瓜饼", "snack", "", "", 180, 3.0, 4.0, 33.0, False, 9, (25, 0.8, 0.3, 150, 0.05, 0.04, 5)),
    ("蒸蛋糕", "snack", "", "", 220, 6.0, 6.0, 35.0, True, 14, (40, 1.2, 0.6, 60, 0.06, 0.15, 0)),
    ("全麦面包", "snack", "", "", 240, 8.0, 3.5, 45.0, False, 12, (50, 2.0, 1.2, 0, 0.20, 0.10, 0)),
    ("紫薯卷", "snack", "", "", 190, 4.0, 2.5, 38.0, False, 10, (30, 1.0, 0.5, 10, 0.08, 0.05, 6)),
    ("玉米饼", "snack", "", "", 210, 4.5, 4.0, 38.0, False, 9, (15, 1.2, 0.7, 8, 0.10, 0.06, 0)),
    ("花卷", "snack", "", "", 230, 7.0, 2.0, 46.0, False, 7, (20, 1.5, 0.6, 0, 0.12, 0.05, 0)),
    ("苹果", "fruit", "", "afternoon_snack", 52, 0.3, 0.2, 13.0, False, 8, (6, 0.1, 0.0, 3, 0.02, 0.03, 5)),
    ("香蕉", "fruit", "", "afternoon_snack", 90, 1.1, 0.3, 22.0, False, 7, (5, 0.3, 0.2, 3, 0.03, 0.07, 9)),
    (
        "橙子",
        "fruit",
        "",
        "afternoon_snack",
        47,
        0.9,
        0.1,
        12.0,
        False,
        9,
        (40, 0.1, 0.1, 11, 0.09, 0.04, 53),
    ),
    ("米饭", "staple", "", "lunch", 350, 7.0, 0.7, 78.0, False, 6, (10, 0.8, 1.1, 0, 0.07, 0.05, 0)),
    ("二米饭", "staple", "", "lunch", 355, 8.0, 1.5, 76.0, False, 7, (12, 1.5, 1.5, 5, 0.20, 0.07, 0)),
    ("杂粮饭", "staple", "", "lunch", 340, 9.0, 2.0, 72.0, False, 8, (20, 2.0, 1.8, 5, 0.25, 0.08, 0)),
    ("馒头", "staple", "", "lunch", 330, 8.0, 1.0, 70.0, False, 6, (20, 1.5, 0.7, 0, 0.10, 0.05, 0)),
    ("肉丝面", "staple", "", "lunch", 360, 11.0, 4.0, 70.0, False, 10, (20, 1.8, 1.0, 5, 0.20, 0.08, 0)),
    ("清蒸鲈鱼", "main", "fish", "lunch", 120, 19.0, 4.0, 0.5, True, 40, (140, 1.0, 1.0, 20, 0.03, 0.17, 0)),
    ("红烧带鱼", "main", "fish", "lunch", 140, 18.0, 5.0, 3.0, True, 36, (30, 1.2, 0.7, 30, 0.02, 0.06, 0)),
    ("番茄炒蛋", "main", "egg", "lunch", 110, 8.0, 7.0, 4.0, True, 18, (40, 1.5, 1.0, 150, 0.05, 0.25, 10)),
    ("麻婆豆腐", "main", "bean", "lunch", 100, 9.0, 6.0, 4.0, True, 14, (160, 2.0, 1.0, 5, 0.05, 0.04, 0)),
    ("红烧肉", "main", "meat", "lunch", 250, 14.0, 20.0, 4.0, True, 45, (10, 1.5, 2.0, 10, 0.40, 0.15, 0)),
    ("青椒肉丝", "main", "meat", "lunch", 160, 15.0, 9.0, 4.0, True, 38, (15, 2.0, 2.5, 40, 0.45, 0.16, 30)),
    (
        "香菇鸡丁",
        "main",
        "poultry",
        "lunch",
        150,
        18.0,
        7.0,
        3.0,
        True,
        30,
        (15, 1.2, 1.2, 30, 0.07, 0.12, 2),
    ),
    ("清炒菠菜", "side", "", "lunch", 40, 2.6, 2.0, 4.0, False, 8, (70, 2.5, 0.7, 450, 0.04, 0.11, 30)),
    ("蒜蓉西兰花", "side", "", "lunch", 45, 3.5, 2.0, 5.0, False, 10, (60, 1.0, 0.6, 200, 0.08, 0.12, 60)),
    ("胡萝卜炒木耳", "side", "", "lunch", 50, 1.5, 2.5, 7.0, False, 9, (40, 3.0, 0.5, 700, 0.04, 0.05, 8)),
    ("炒油麦菜", "side", "", "lunch", 35, 1.5, 2.0, 3.0, False, 7, (70, 1.2, 0.4, 300, 0.04, 0.10, 20)),
    ("白灼生菜", "side", "", "lunch", 30, 1.3, 1.5, 3.0, False, 7, (50, 1.0, 0.3, 250, 0.04, 0.08, 15)),
    ("番茄蛋汤", "soup", "", "lunch", 45, 3.0, 2.5, 3.0, True, 8, (20, 0.8, 0.4, 60, 0.03, 0.08, 10)),
    ("紫菜虾皮汤", "soup", "", "lunch", 30, 3.0, 1.0, 2.0, True, 9, (150, 2.0, 0.5, 40, 0.02, 0.08, 2)),
    ("冬瓜排骨汤", "soup", "", "lunch", 60, 4.0, 4.0, 2.0, True, 15, (20, 0.8, 0.8, 5, 0.05, 0.05, 8)),
    ("菌菇汤", "soup", "", "lunch", 25, 1.5, 1.0, 3.0, False, 10, (10, 0.8, 0.4, 0, 0.05, 0.15, 2)),
    ("青菜豆腐汤", "soup", "", "lunch", 35, 3.0, 1.5, 2.5, True, 7, (80, 1.2, 0.4, 100, 0.03, 0.05, 10)),
]
GRAMS = {"drink": 200, "snack": 50, "fruit": 100, "staple": 60, "main": 70, "side": 80, "soup": 150}
MICROS = [
    "calcium_mg",
    "iron_mg",
    "zinc_mg",
    "vitamin_a_ug",
    "vitamin_b1_mg",
    "vitamin_b2_mg",
    "vitamin_c_mg",
]


def build_library(campus, *, only=None, extra=()):
    """The dishes of LIBRARY (``only``: names to keep) plus ``extra`` rows; each dish has one
    ingredient of the same name with the grams of its category for 4–6 y. Returns {name: Dish}."""
    dishes = {}
    for row in [*LIBRARY, *extra]:
        name, category, protein, meals, kcal, prot, fat, carb, quality, price, micros = row
        if only is not None and name not in only:
            continue
        ingredient = Ingredient.objects.create(
            campus=campus, name=name, food_group="vegetable", is_quality_protein=quality,
            price_per_kg=Decimal(str(price)), energy_kcal=Decimal(str(kcal)), protein_g=Decimal(str(prot)),
            fat_g=Decimal(str(fat)), carbohydrate_g=Decimal(str(carb)),
            **{k: Decimal(str(v)) for k, v in zip(MICROS, micros, strict=True)},
        )  # fmt: skip
        dish = Dish.objects.create(
            campus=campus, name=name, category=category, protein_source=protein, meals=meals
        )
        DishIngredient.objects.create(campus=campus, dish=dish, ingredient=ingredient, age_group=GROUP,
                                      grams=Decimal(GRAMS[category]))  # fmt: skip
        dishes[name] = dish
    return dishes


def targets(energy_min=700.0, protein_min=20.0, micro_min=None, energy_max=1400.0):
    """Targets shaped like ``nutrition_services.daily_targets``."""
    micro_min = micro_min or {}
    defaults = {"calcium_mg": 300, "iron_mg": 4, "zinc_mg": 2.5, "vitamin_a_ug": 150, "vitamin_b1_mg": 0.3,
                "vitamin_b2_mg": 0.3, "vitamin_c_mg": 20}  # fmt: skip
    out = {
        "energy_kcal": {
            "dri": energy_min / 0.8,
            "min": energy_min,
            "max": energy_max,
            "unit": "kcal",
            "min_pct": 80,
        },
        "protein_g": {"dri": protein_min / 0.8, "min": protein_min, "max": None, "unit": "g", "min_pct": 80},
        "fat_g": {"dri": 30, "min": None, "max": None, "unit": "g"},
        "carbohydrate_g": {"dri": 150, "min": None, "max": None, "unit": "g"},
        "energy_split": {"protein_g": (5, 30), "fat_g": (5, 50), "carbohydrate_g": (30, 85)},
        "quality_protein_min": 30.0,
    }
    units = {"calcium_mg": "mg", "iron_mg": "mg", "zinc_mg": "mg", "vitamin_a_ug": "µg RAE", "vitamin_b1_mg": "mg",
             "vitamin_b2_mg": "mg", "vitamin_c_mg": "mg"}  # fmt: skip
    for key, value in defaults.items():
        minimum = micro_min.get(key, value)
        out[key] = {"dri": minimum / 0.8, "min": minimum, "max": None, "unit": units[key], "min_pct": 80}
    return out
