"""Ingredients with their composition, dishes as recipes and weekly quantified menus (带量食谱).

The foundation of the nutrition area; the menu generator, the sample log (which dishes
were served) and the traceability report read it. Nutrient values are per 100 g of the
edible part; a recipe's grams are purchased weight per child, so the nutrients of a line
are ``grams × edible_portion × value / 100``.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin, user_fk

__all__ = [
    "NUTRIENTS",
    "AgeGroup",
    "Dish",
    "DishIngredient",
    "Ingredient",
    "MealKind",
    "Menu",
    "MenuItem",
    "StaffMealCount",
]

# (field name, unit) of the nutrients every analysis reports, in report order.
NUTRIENTS = [
    ("energy_kcal", "kcal"),
    ("protein_g", "g"),
    ("fat_g", "g"),
    ("carbohydrate_g", "g"),
    ("calcium_mg", "mg"),
    ("iron_mg", "mg"),
    ("zinc_mg", "mg"),
    ("vitamin_a_ug", "µg RAE"),
    ("vitamin_b1_mg", "mg"),
    ("vitamin_b2_mg", "mg"),
    ("vitamin_c_mg", "mg"),
]


class AgeGroup(models.TextChoices):
    """Age groups of menus and recipes, matching the DRI bands (1–3, 4–6, 7–10, 11–13, 14–17 y)."""

    Y1_3 = "1-3", _("1–3 years")
    Y4_6 = "4-6", _("4–6 years")
    Y7_10 = "7-10", _("7–10 years")
    Y11_13 = "11-13", _("11–13 years")
    Y14_17 = "14-17", _("14–17 years")


class MealKind(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast (早餐)")
    MORNING_SNACK = "morning_snack", _("Morning snack (早点)")
    LUNCH = "lunch", _("Lunch (午餐)")
    AFTERNOON_SNACK = "afternoon_snack", _("Afternoon snack (午点)")
    DINNER = "dinner", _("Dinner (晚餐)")


def _nutrient_field(verbose):
    return models.DecimalField(verbose, max_digits=9, decimal_places=3, null=True, blank=True)


class Ingredient(PinyinSearchMixin, CampusOwned):
    """A food of the campus's composition table (食物成分表)."""

    class FoodGroup(models.TextChoices):
        CEREAL = "cereal", _("Cereals (谷类)")
        TUBER = "tuber", _("Tubers (薯类)")
        VEGETABLE = "vegetable", _("Vegetables (蔬菜)")
        FRUIT = "fruit", _("Fruit (水果)")
        MEAT = "meat", _("Meat (畜肉)")
        POULTRY = "poultry", _("Poultry (禽肉)")
        FISH = "fish", _("Fish and seafood (水产)")
        EGG = "egg", _("Eggs (蛋类)")
        DAIRY = "dairy", _("Milk and dairy (奶类)")
        SOY = "soy", _("Soy and beans (大豆及制品)")
        NUT = "nut", _("Nuts and seeds (坚果)")
        OIL = "oil", _("Oils (油脂)")
        CONDIMENT = "condiment", _("Condiments and sugar (调味品)")

    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    food_group = models.CharField(_("food group"), max_length=12, choices=FoodGroup.choices)
    is_quality_protein = models.BooleanField(_("high-quality protein (animal or soy)"), default=False)
    edible_portion = models.DecimalField(
        _("edible portion"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Share of the purchased weight that is eaten (可食部), 0.01–1."),
    )
    price_per_kg = models.DecimalField(
        _("price per kg (yuan)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    energy_kcal = _nutrient_field(_("energy (kcal)"))
    protein_g = _nutrient_field(_("protein (g)"))
    fat_g = _nutrient_field(_("fat (g)"))
    carbohydrate_g = _nutrient_field(_("carbohydrate (g)"))
    calcium_mg = _nutrient_field(_("calcium (mg)"))
    iron_mg = _nutrient_field(_("iron (mg)"))
    zinc_mg = _nutrient_field(_("zinc (mg)"))
    vitamin_a_ug = _nutrient_field(_("vitamin A (µg RAE)"))
    vitamin_b1_mg = _nutrient_field(_("vitamin B1 (mg)"))
    vitamin_b2_mg = _nutrient_field(_("vitamin B2 (mg)"))
    vitamin_c_mg = _nutrient_field(_("vitamin C (mg)"))
    source = models.CharField(_("source"), max_length=120, blank=True)
    source_id = models.CharField(_("source food id"), max_length=40, blank=True)
    is_banned = models.BooleanField(_("banned in school canteens"), default=False)
    ban_reason = models.CharField(_("ban reason"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    pinyin_source_field = "name"

    class Meta:
        verbose_name = _("ingredient")
        verbose_name_plural = _("ingredients")
        ordering = ["food_group", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="canteen_ingredient_unique_name")
        ]

    def __str__(self):
        return self.name


class Dish(PinyinSearchMixin, CampusOwned):
    """A recipe: ingredients with grams (purchased weight) per child for each age group."""

    class Category(models.TextChoices):
        STAPLE = "staple", _("Staple (主食)")
        MAIN = "main", _("Main dish (荤菜)")
        SIDE = "side", _("Vegetable dish (素菜)")
        SOUP = "soup", _("Soup (汤)")
        SNACK = "snack", _("Snack (点心)")
        FRUIT = "fruit", _("Fruit (水果)")
        DRINK = "drink", _("Milk or drink (奶/饮品)")

    class Protein(models.TextChoices):
        """The main protein source, for the fish/meat/egg/bean rotation."""

        NONE = "", _("None")
        MEAT = "meat", _("Meat (畜肉)")
        POULTRY = "poultry", _("Poultry (禽肉)")
        FISH = "fish", _("Fish and seafood (水产)")
        EGG = "egg", _("Egg (蛋)")
        BEAN = "bean", _("Bean and soy (豆)")

    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    protein_source = models.CharField(_("main protein"), max_length=10, choices=Protein.choices, blank=True)
    meals = models.CharField(
        _("suitable meals"),
        max_length=120,
        blank=True,
        help_text=_("Comma-separated meal kinds the dish may be served at; empty for any."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    pinyin_source_field = "name"

    class Meta:
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")
        ordering = ["category", "name"]
        constraints = [models.UniqueConstraint(fields=["campus", "name"], name="canteen_dish_unique_name")]

    def __str__(self):
        return self.name

    def meal_kinds(self):
        return [m for m in (s.strip() for s in self.meals.split(",")) if m]


class DishIngredient(CampusOwned):
    dish = models.ForeignKey(Dish, verbose_name=_("dish"), on_delete=models.CASCADE, related_name="lines")
    ingredient = models.ForeignKey(
        Ingredient, verbose_name=_("ingredient"), on_delete=models.PROTECT, related_name="+"
    )
    age_group = models.CharField(_("age group"), max_length=6, choices=AgeGroup.choices)
    grams = models.DecimalField(
        _("grams per child"),
        max_digits=7,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("2000"))],
    )

    class Meta:
        verbose_name = _("recipe line")
        verbose_name_plural = _("recipe lines")
        ordering = ["dish", "age_group", "-grams"]
        constraints = [
            models.UniqueConstraint(
                fields=["dish", "ingredient", "age_group"], name="canteen_dish_line_unique"
            )
        ]

    def __str__(self):
        return f"{self.dish} · {self.ingredient} {self.grams} g"

    def clean(self):
        for field in ("dish", "ingredient"):
            obj = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if obj is not None and self.campus_id and obj.campus_id != self.campus_id:
                raise ValidationError({field: _("It belongs to another campus.")})


class Menu(CampusOwned):
    """The quantified menu of one week for one age group."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    week_start = models.DateField(_("week starting (Monday)"))
    age_group = models.CharField(_("age group"), max_length=6, choices=AgeGroup.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    generated = models.BooleanField(_("proposed by the generator"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = user_fk(_("created by"))
    published_by = user_fk(_("published by"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawing"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("weekly menu")
        verbose_name_plural = _("weekly menus")
        ordering = ["-week_start", "age_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "week_start", "age_group"], name="canteen_menu_unique_week"
            )
        ]

    def __str__(self):
        return f"{self.week_start:%Y-%m-%d} {self.get_age_group_display()}"

    def clean(self):
        if self.week_start and self.week_start.weekday() != 0:
            raise ValidationError({"week_start": _("A menu week starts on a Monday.")})

    @property
    def week_end(self):
        return self.week_start + dt.timedelta(days=6)


class MenuItem(CampusOwned):
    """One dish served at one meal of one day of a menu."""

    menu = models.ForeignKey(Menu, verbose_name=_("menu"), on_delete=models.CASCADE, related_name="items")
    date = models.DateField(_("date"))
    meal = models.CharField(_("meal"), max_length=16, choices=MealKind.choices)
    dish = models.ForeignKey(
        Dish, verbose_name=_("dish"), on_delete=models.PROTECT, related_name="menu_items"
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("menu item")
        verbose_name_plural = _("menu items")
        ordering = ["date", "meal", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "date", "meal", "dish"], name="canteen_menu_item_unique")
        ]
        indexes = [models.Index(fields=["campus", "date", "meal"])]

    def __str__(self):
        return f"{self.date:%m-%d} {self.get_meal_display()} {self.dish}"

    def clean(self):
        if self.menu_id and self.date and not (self.menu.week_start <= self.date <= self.menu.week_end):
            raise ValidationError({"date": _("The day is outside the menu's week.")})
        if self.dish_id and self.campus_id and self.dish.campus_id != self.campus_id:
            raise ValidationError({"dish": _("It belongs to another campus.")})


class StaffMealCount(CampusOwned):
    """The staff meals of a day (教职工餐), entered by the canteen head; kept apart from the
    children's meals, which are counted from the attendance (师生伙食分开)."""

    date = models.DateField(_("date"))
    count = models.PositiveIntegerField(_("staff meals"), validators=[MaxValueValidator(5000)])
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = user_fk(_("entered by"))

    class Meta:
        verbose_name = _("staff meal count")
        verbose_name_plural = _("staff meal counts")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "date"], name="canteen_staff_meals_unique_day")
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} · {self.count}"
