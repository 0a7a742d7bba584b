"""Rule settings of the nutrition area (every number of regulations.md §2.8, §3.3 and §6
is a campus setting with the regulation's default). Registered at import time; imported by
``nutrition_registrations`` and ``nutrition_services``."""

from django.utils.translation import gettext_lazy as _

from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting

M = "canteen"
PCT = _(" %")

BANNED_DEFAULT = "冷荤,生食,裱花蛋糕,四季豆,鲜黄花菜,野生蘑菇,发芽土豆,亚硝酸盐"
GRADE_DEFAULT = (
    "nursery:1-3,junior:4-6,middle:4-6,senior:4-6,g1:7-10,g2:7-10,g3:7-10,g4:7-10,g5:7-10,"
    "g6:11-13,g7:11-13,g8:11-13,g9:14-17,g10:14-17,g11:14-17,g12:14-17"
)


def _reg(key, label, kind, default, **kw):
    register_setting(Setting(key, label, kind, default, module=M, **kw))


_reg("nutrition.dri_edition", _("DRI edition (膳食营养素参考摄入量)"), "choice", "2013",
     choices=[("2013", _("2013 (WS/T 578-2017/2018)"))])  # fmt: skip
_reg("nutrition.pal", _("Physical activity level for the energy DRI (6 y and older)"), "choice", "moderate",
     choices=[("light", _("Light (I)")), ("moderate", _("Moderate (II)")), ("heavy", _("Heavy (III)"))])  # fmt: skip
_reg("nutrition.boarding", _("Boarding campus (寄宿制): energy and protein ≥ 90 % of the DRI"), "bool", False)
_reg("nutrition.day_share_pct", _("Share of the day's DRI the campus's meals are to supply"), "int", 100,
     min_value=10, max_value=100, unit=PCT,
     help=_("100 when the meals served are the children's whole day; lower it when the campus serves only "
            "part of the day (the DRI targets are scaled by it)."))  # fmt: skip
_reg("nutrition.meal_kinds", _("Meals served (comma-separated: breakfast, morning_snack, lunch, "
                                "afternoon_snack, dinner)"), "str", "",
     help=_("Empty: 早点/午餐/午点 for kindergartens and nurseries, breakfast/lunch/dinner for schools."))  # fmt: skip
_reg("nutrition.grade_age_groups", _("Age group of the menus for each grade"), "str", GRADE_DEFAULT,
     help=_("grade:age group pairs, e.g. junior:4-6."))  # fmt: skip
_reg("nutrition.banned_keywords", _("Banned foods (校园禁止): keywords flagged on ingredients and dishes"), "str",
     BANNED_DEFAULT, help=_("Comma-separated; the national list cannot be shortened, only extended."))  # fmt: skip

# Kindergartens (2012 托幼机构卫生保健工作规范).
_reg("nutrition.kg_energy_protein_min_pct", _("Kindergarten: energy and protein at least (% of DRI)"), "int", 80,
     min_value=80, max_value=100, unit=PCT)  # fmt: skip
_reg("nutrition.boarding_energy_protein_min_pct", _("Boarding: energy and protein at least (% of DRI)"), "int",
     90, min_value=90, max_value=100, unit=PCT)  # fmt: skip
_reg("nutrition.kg_energy_max_pct", _("Kindergarten: energy flagged high above (% of DRI)"), "int", 120,
     min_value=100, max_value=150, unit=PCT,
     help=_("The norm sets no upper bound; this flags over-feeding."))  # fmt: skip
_reg("nutrition.micronutrient_min_pct", _("Vitamins A, B1, B2, C, calcium, iron, zinc at least (% of DRI)"),
     "int", 80, min_value=80, max_value=100, unit=PCT)  # fmt: skip
_reg("nutrition.kg_protein_energy_min", _("Kindergarten: protein energy from (%)"), "int", 12,
     min_value=10, max_value=20, unit=PCT)  # fmt: skip
_reg("nutrition.kg_protein_energy_max", _("Kindergarten: protein energy up to (%)"), "int", 15,
     min_value=10, max_value=20, unit=PCT)  # fmt: skip
_reg("nutrition.kg_fat_energy_min", _("Kindergarten: fat energy from (%)"), "int", 30,
     min_value=20, max_value=40, unit=PCT)  # fmt: skip
_reg("nutrition.kg_fat_energy_max", _("Kindergarten: fat energy up to (%)"), "int", 35,
     min_value=20, max_value=40, unit=PCT)  # fmt: skip
_reg("nutrition.kg_carb_energy_min", _("Kindergarten: carbohydrate energy from (%)"), "int", 50,
     min_value=40, max_value=70, unit=PCT)  # fmt: skip
_reg("nutrition.kg_carb_energy_max", _("Kindergarten: carbohydrate energy up to (%)"), "int", 60,
     min_value=40, max_value=70, unit=PCT)  # fmt: skip
_reg("nutrition.kg_meal_split", _("Kindergarten meal split: breakfast (+ morning snack) / lunch (+ afternoon "
                                   "snack) / dinner, % of the day's energy"), "str", "30/40/30",
     help=_("A value (± the tolerance) or a range per meal, e.g. 30/40/30 or 25-30/35-40/30-35."))  # fmt: skip
_reg("nutrition.meal_split_tolerance", _("Meal split: tolerance around a single value"), "int", 5,
     min_value=0, max_value=10, unit=_(" percentage points"))  # fmt: skip
_reg("nutrition.quality_protein_min_pct", _("High-quality protein (animal and soy) at least (% of protein)"), "int",
     50, min_value=50, max_value=100, unit=PCT)  # fmt: skip

# Schools (WS/T 554-2017 学生餐营养指南, DRIs AMDR).
_reg("nutrition.school_energy_min_pct", _("School: energy from (% of DRI)"), "int", 90,
     min_value=80, max_value=100, unit=PCT)  # fmt: skip
_reg("nutrition.school_energy_max_pct", _("School: energy up to (% of DRI)"), "int", 110,
     min_value=100, max_value=130, unit=PCT)  # fmt: skip
_reg("nutrition.school_protein_min_pct", _("School: protein from (% of DRI)"), "int", 80,
     min_value=80, max_value=100, unit=PCT)  # fmt: skip
_reg("nutrition.school_protein_max_pct", _("School: protein up to (% of DRI)"), "int", 120,
     min_value=100, max_value=150, unit=PCT)  # fmt: skip
_reg("nutrition.school_protein_energy_min", _("School: protein energy from (%)"), "int", 10,
     min_value=10, max_value=20, unit=PCT)  # fmt: skip
_reg("nutrition.school_protein_energy_max", _("School: protein energy up to (%)"), "int", 20,
     min_value=10, max_value=20, unit=PCT)  # fmt: skip
_reg("nutrition.school_fat_energy_min", _("School: fat energy from (%)"), "int", 20,
     min_value=20, max_value=30, unit=PCT)  # fmt: skip
_reg("nutrition.school_fat_energy_max", _("School: fat energy up to (%)"), "int", 30,
     min_value=20, max_value=30, unit=PCT)  # fmt: skip
_reg("nutrition.school_carb_energy_min", _("School: carbohydrate energy from (%)"), "int", 50,
     min_value=50, max_value=65, unit=PCT)  # fmt: skip
_reg("nutrition.school_carb_energy_max", _("School: carbohydrate energy up to (%)"), "int", 65,
     min_value=50, max_value=65, unit=PCT)  # fmt: skip
_reg("nutrition.school_meal_split", _("School meal split: breakfast / lunch / dinner, % of the day's energy"),
     "str", "25-30/35-40/30-35")  # fmt: skip

# Food variety (中国居民膳食指南: ≥ 12 foods a day, ≥ 25 a week, oils and condiments not counted).
_reg("nutrition.variety_day_min", _("Food variety: distinct foods a day at least"), "int", 12,
     min_value=1, max_value=40)  # fmt: skip
_reg("nutrition.variety_week_min", _("Food variety: distinct foods a week at least"), "int", 25,
     min_value=1, max_value=100)  # fmt: skip
_reg("nutrition.food_classes_day_min", _("Food classes a day at least (cereals/tubers, vegetables/fruit, "
                                          "meat/fish/egg, milk/soy)"), "int", 4, min_value=1, max_value=4)  # fmt: skip
