"""Every write and the main reads of the nutrition area: ingredients (composition, edible
portion, price, banned foods), dishes as recipes per age group, weekly quantified menus
(带量食谱) with their draft → published → withdrawn life, the nutrition analysis against the
DRIs and the campus's targets, meal counts from the attendance and the purchase list.

Writes are ``<entity>_<action>(*, actor, …)``: atomic, validated with ``full_clean()`` and
audited in the same transaction; views, the API, the demo and the menu generator call them.

Menu rules:

* A menu is one week (Monday…Sunday) of one age group; one per campus, week and group.
* Items (date × meal × dish) are added and removed only while the menu is a draft or
  withdrawn. A published menu is not edited: withdraw it (with a reason), edit, republish —
  each step is audited.
* Publishing needs ``canteen.publish_menus``, at least one item, and no banned food in any
  dish (the campus's keyword list, regulations.md §1.5).
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.canteen import nutrition_calc as calc
from houqin.canteen import (
    nutrition_dri,
    nutrition_settings,  # noqa: F401  (registers the settings)
)
from houqin.canteen.models import (
    NUTRIENTS,
    AgeGroup,
    DishIngredient,
    Ingredient,
    MealKind,
    Menu,
    MenuItem,
    StaffMealCount,
)
from houqin.core import audit
from houqin.core.permissions import require_actor_perm
from houqin.core.services import clean_reason, lock_for_update, object_delete, object_save
from houqin.core.settings_registry import campus_setting

PUBLISH = "canteen.publish_menus"
MANAGE = "canteen.manage_menus"
Status = Menu.Status

KINDERGARTEN_GROUPS = {AgeGroup.Y1_3.value, AgeGroup.Y4_6.value}
KINDERGARTEN_KINDS = {"nursery", "kindergarten"}
KINDERGARTEN_MEALS = [MealKind.MORNING_SNACK.value, MealKind.LUNCH.value, MealKind.AFTERNOON_SNACK.value]
SCHOOL_MEALS = [MealKind.BREAKFAST.value, MealKind.LUNCH.value, MealKind.DINNER.value]
MEAL_ORDER = [m.value for m in MealKind]
# Meal → the group of the meal split (2012 规范: breakfast with the morning snack, lunch with
# the afternoon snack, dinner).
MEAL_GROUP = {
    MealKind.BREAKFAST.value: "breakfast",
    MealKind.MORNING_SNACK.value: "breakfast",
    MealKind.LUNCH.value: "lunch",
    MealKind.AFTERNOON_SNACK.value: "lunch",
    MealKind.DINNER.value: "dinner",
}
SPLIT_GROUPS = ["breakfast", "lunch", "dinner"]
# The four food classes of WS/T 554 (oils and condiments are not counted for variety).
FOOD_CLASS = {
    "cereal": "staple",
    "tuber": "staple",
    "vegetable": "produce",
    "fruit": "produce",
    "meat": "animal",
    "poultry": "animal",
    "fish": "animal",
    "egg": "animal",
    "dairy": "milk_soy",
    "soy": "milk_soy",
    "nut": "milk_soy",
}
NOT_COUNTED_GROUPS = {"oil", "condiment"}
MICRONUTRIENTS = [
    "calcium_mg",
    "iron_mg",
    "zinc_mg",
    "vitamin_a_ug",
    "vitamin_b1_mg",
    "vitamin_b2_mg",
    "vitamin_c_mg",
]
UNITS = dict(NUTRIENTS)
MAX_RANGE_DAYS = 31


# --- Settings-derived helpers -------------------------------------------------------------


def meal_kinds(campus) -> list[str]:
    """The meals the campus serves, in the day's order (setting ``nutrition.meal_kinds``)."""
    raw = str(campus_setting(campus, "nutrition.meal_kinds") or "").strip()
    valid = set(MEAL_ORDER)
    chosen = [m.strip() for m in raw.replace("，", ",").split(",") if m.strip() in valid]
    if not chosen:
        chosen = KINDERGARTEN_MEALS if campus.kind in KINDERGARTEN_KINDS else SCHOOL_MEALS
    return [m for m in MEAL_ORDER if m in chosen]


def default_age_groups(campus) -> list[str]:
    """The age groups a campus normally writes menus for (from its classes' grades, else its kind)."""
    from houqin.core.models import SchoolClass

    mapping = grade_age_groups(campus)
    grades = set(SchoolClass.objects.filter(campus=campus, is_active=True).values_list("grade", flat=True))
    groups = {mapping[g] for g in grades if g in mapping}
    if not groups:
        groups = KINDERGARTEN_GROUPS if campus.kind in KINDERGARTEN_KINDS else {AgeGroup.Y7_10.value}
    return [g.value for g in AgeGroup if g.value in groups]


def grade_age_groups(campus) -> dict[str, str]:
    mapping = {}
    for part in str(nutrition_settings.GRADE_DEFAULT).split(","):
        grade, _sep, group = part.partition(":")
        mapping[grade.strip()] = group.strip()
    for part in str(campus_setting(campus, "nutrition.grade_age_groups") or "").replace("，", ",").split(","):
        grade, _sep, group = part.partition(":")
        if group.strip() in AgeGroup.values:
            mapping[grade.strip()] = group.strip()
    return mapping


def age_group_for_class(school_class) -> AgeGroup:
    """The menu age group of a class, from its grade (setting ``nutrition.grade_age_groups``)."""
    group = grade_age_groups(school_class.campus).get(school_class.grade)
    return AgeGroup(group or AgeGroup.Y4_6)


def banned_keywords(campus) -> list[str]:
    """The national list plus the campus's additions (the list cannot be shortened)."""
    words = [w.strip() for w in nutrition_settings.BANNED_DEFAULT.split(",")]
    extra = str(campus_setting(campus, "nutrition.banned_keywords") or "")
    for word in extra.replace("，", ",").replace("、", ",").split(","):
        word = word.strip()
        if word and word not in words:
            words.append(word)
    return words


def banned_match(campus, text, keywords=None) -> str:
    """The first banned keyword found in ``text``, or ""."""
    for word in keywords if keywords is not None else banned_keywords(campus):
        if word and word in (text or ""):
            return word
    return ""


def _parse_split(raw, tolerance, default):
    parts = str(raw or "").replace(" ", "").split("/")
    if len(parts) != 3:
        parts = default.split("/")
    out = {}
    try:
        for group, part in zip(SPLIT_GROUPS, parts, strict=True):
            if "-" in part:
                low, high = part.split("-", 1)
                out[group] = (float(low), float(high))
            else:
                value = float(part)
                out[group] = (value - tolerance, value + tolerance)
    except ValueError:
        return _parse_split(default, tolerance, default)
    return out


def daily_targets(campus, age_group) -> dict:
    """The day's targets of ``age_group`` on ``campus``.

    For each NUTRIENTS key ``{"dri", "min", "max", "ul", "unit"}`` (``min``/``max`` are
    absolute amounts, already scaled by the campus's day share; ``max`` None where no upper
    bound applies). Fat and carbohydrate have no gram DRI: their "dri" is the energy DRI ×
    the middle of the campus's energy-split range / (9 or 4 kcal/g), with min/max from the
    range ends. Plus ``energy_split`` ``{"protein_g": (lo, hi), "fat_g": …, "carbohydrate_g": …}``
    in % of energy, ``quality_protein_min`` (% of protein), ``meal_split``
    ``{"breakfast": (lo, hi), "lunch": …, "dinner": …}`` in % of the day's energy,
    ``variety_day_min``, ``variety_week_min``, ``food_classes_day_min``, ``edition``,
    ``pal``, ``day_share``, ``school`` (bool).
    """
    age_group = str(age_group)
    edition = campus_setting(campus, "nutrition.dri_edition")
    pal = campus_setting(campus, "nutrition.pal")
    share = campus_setting(campus, "nutrition.day_share_pct") / 100.0
    school = age_group not in KINDERGARTEN_GROUPS
    dri = nutrition_dri.dri_for_group(age_group, edition=edition, pal=pal)
    micro_min = campus_setting(campus, "nutrition.micronutrient_min_pct") / 100.0
    tolerance = campus_setting(campus, "nutrition.meal_split_tolerance")
    if school:
        energy_range = (
            campus_setting(campus, "nutrition.school_energy_min_pct") / 100.0,
            campus_setting(campus, "nutrition.school_energy_max_pct") / 100.0,
        )
        protein_range = (
            campus_setting(campus, "nutrition.school_protein_min_pct") / 100.0,
            campus_setting(campus, "nutrition.school_protein_max_pct") / 100.0,
        )
        prefix = "nutrition.school_"
        meal_split = _parse_split(
            campus_setting(campus, "nutrition.school_meal_split"), tolerance, "25-30/35-40/30-35"
        )
    else:
        low = (
            campus_setting(
                campus,
                "nutrition.boarding_energy_protein_min_pct"
                if campus_setting(campus, "nutrition.boarding")
                else "nutrition.kg_energy_protein_min_pct",
            )
            / 100.0
        )
        energy_range = (low, campus_setting(campus, "nutrition.kg_energy_max_pct") / 100.0)
        protein_range = (low, None)
        prefix = "nutrition.kg_"
        meal_split = _parse_split(campus_setting(campus, "nutrition.kg_meal_split"), tolerance, "30/40/30")
    split = {
        "protein_g": (
            campus_setting(campus, f"{prefix}protein_energy_min"),
            campus_setting(campus, f"{prefix}protein_energy_max"),
        ),
        "fat_g": (
            campus_setting(campus, f"{prefix}fat_energy_min"),
            campus_setting(campus, f"{prefix}fat_energy_max"),
        ),
        "carbohydrate_g": (
            campus_setting(campus, f"{prefix}carb_energy_min"),
            campus_setting(campus, f"{prefix}carb_energy_max"),
        ),
    }
    out = {
        "age_group": age_group,
        "edition": edition,
        "pal": pal,
        "day_share": share * 100,
        "school": school,
        "energy_split": split,
        "quality_protein_min": float(campus_setting(campus, "nutrition.quality_protein_min_pct")),
        "meal_split": meal_split,
        "variety_day_min": campus_setting(campus, "nutrition.variety_day_min"),
        "variety_week_min": campus_setting(campus, "nutrition.variety_week_min"),
        "food_classes_day_min": campus_setting(campus, "nutrition.food_classes_day_min"),
    }

    def entry(key, value, low, high, ul=None):
        return {
            "dri": value,
            "min": value * low * share if value is not None and low is not None else None,
            "max": value * high * share if value is not None and high is not None else None,
            "ul": ul,
            "unit": UNITS[key],
            "min_pct": low * 100 if low is not None else None,
            "max_pct": high * 100 if high is not None else None,
        }

    energy = dri["energy_kcal"]["dri"]
    out["energy_kcal"] = entry("energy_kcal", energy, *energy_range)
    out["protein_g"] = entry("protein_g", dri["protein_g"]["dri"], *protein_range, ul=None)
    for key, factor in (("fat_g", 9.0), ("carbohydrate_g", 4.0)):
        low, high = split[key]
        grams = energy * (low + high) / 2 / 100 / factor
        out[key] = {
            "dri": grams,
            "min": energy * low / 100 / factor * share * energy_range[0],
            "max": energy * high / 100 / factor * share * (energy_range[1] or 1),
            "ul": None,
            "unit": UNITS[key],
            "min_pct": low / ((low + high) / 2) * 100 * energy_range[0],
            "max_pct": high / ((low + high) / 2) * 100 * (energy_range[1] or 1),
            "derived": True,
        }
    for key in MICRONUTRIENTS:
        item = dri[key]
        out[key] = entry(key, item["dri"], micro_min, None, ul=item["ul"])
    return out


# --- Ingredients ----------------------------------------------------------------------------


def _apply_ban(campus, ingredient, keywords=None):
    word = banned_match(campus, ingredient.name, keywords)
    if word and not ingredient.is_banned:
        ingredient.is_banned = True
        ingredient.ban_reason = _("Banned food (校园禁止): %(word)s") % {"word": word}
    if ingredient.is_banned and not ingredient.ban_reason:
        ingredient.ban_reason = _("Marked banned by the canteen")


@transaction.atomic
def ingredient_save(*, actor, campus, instance, before=None):
    """Create or change an ingredient; a name with a banned keyword is flagged banned (a ban
    from the keyword list cannot be lifted by hand)."""
    _apply_ban(campus, instance)
    return object_save(actor=actor, instance=instance, before=before, campus=campus)


@transaction.atomic
def ingredient_delete(*, actor, instance):
    """Delete an unused ingredient (one in a recipe is refused; deactivate it instead)."""
    object_delete(actor=actor, instance=instance)


def ingredient_get_or_create(*, actor, campus, name, defaults=None):
    """The campus's ingredient of that name, created (audited) if missing. The supply area
    and the demos share it."""
    existing = Ingredient.objects.filter(campus=campus, name=name).first()
    if existing:
        return existing, False
    instance = Ingredient(campus=campus, name=name, **(defaults or {}))
    if not instance.food_group:
        instance.food_group = Ingredient.FoodGroup.VEGETABLE
    return ingredient_save(actor=actor, campus=campus, instance=instance), True


@transaction.atomic
def bans_refresh(*, actor, campus) -> int:
    """Flag every ingredient whose name holds a banned keyword (after the list changed)."""
    keywords = banned_keywords(campus)
    changed = 0
    for ingredient in Ingredient.objects.filter(campus=campus, is_banned=False):
        word = banned_match(campus, ingredient.name, keywords)
        if word:
            before = audit.snapshot(ingredient)
            _apply_ban(campus, ingredient, keywords)
            object_save(actor=actor, instance=ingredient, before=before)
            changed += 1
    return changed


def dish_banned_reasons(dish, lines=None, keywords=None) -> list[str]:
    """Why ``dish`` is banned: banned ingredients in any age group's recipe, or a banned
    keyword in its name. ``lines`` (with ingredient loaded) avoids a query."""
    reasons = []
    if keywords is None:
        keywords = banned_keywords(dish.campus)
    word = banned_match(None, dish.name, keywords)
    if word:
        reasons.append(_("The dish's name names a banned food: %(word)s") % {"word": word})
    if lines is None:
        lines = DishIngredient.objects.filter(dish=dish).select_related("ingredient")
    seen = set()
    for line in lines:
        if line.ingredient.is_banned and line.ingredient_id not in seen:
            seen.add(line.ingredient_id)
            reasons.append(
                _("%(ingredient)s is banned (%(reason)s)")
                % {"ingredient": line.ingredient.name, "reason": line.ingredient.ban_reason}
            )
    return reasons


# --- Dishes ---------------------------------------------------------------------------------


@transaction.atomic
def dish_save(*, actor, campus, instance, before=None):
    bad = [m for m in instance.meal_kinds() if m not in MEAL_ORDER]
    if bad:
        raise ValidationError({"meals": _("Unknown meal: %(meal)s") % {"meal": "、".join(bad)}})
    return object_save(actor=actor, instance=instance, before=before, campus=campus)


@transaction.atomic
def dish_delete(*, actor, instance):
    """Delete a dish never used on a menu (a used one is refused: deactivate it)."""
    if MenuItem.objects.filter(dish=instance).exists():
        raise ValidationError(_("The dish is on a menu; deactivate it instead of deleting it."))
    for line in list(instance.lines.all()):
        line.delete()
    object_delete(actor=actor, instance=instance)


def _grams(value):
    try:
        grams = Decimal(str(value)).quantize(Decimal("0.1"))
    except Exception:  # noqa: BLE001
        raise ValidationError(_("“%(value)s” is not a number of grams.") % {"value": value})
    return grams


@transaction.atomic
def dish_lines_set(*, actor, dish, age_group, lines):
    """Replace the recipe of ``dish`` for ``age_group`` by ``lines`` = [(ingredient, grams), …]
    (grams purchased per child). One audit event with the old and the new recipe."""
    age_group = str(age_group)
    if age_group not in AgeGroup.values:
        raise ValidationError({"age_group": _("Choose an age group.")})
    dish = lock_for_update(dish)
    seen = set()
    new = []
    for ingredient, grams in lines:
        if ingredient.campus_id != dish.campus_id:
            raise ValidationError({"ingredient": _("It belongs to another campus.")})
        if ingredient.pk in seen:
            raise ValidationError(
                {"ingredient": _("%(name)s appears twice in the recipe.") % {"name": ingredient.name}}
            )
        seen.add(ingredient.pk)
        line = DishIngredient(
            campus_id=dish.campus_id,
            dish=dish,
            ingredient=ingredient,
            age_group=age_group,
            grams=_grams(grams),
        )
        line.full_clean(validate_unique=False, validate_constraints=False)
        new.append(line)
    old = list(DishIngredient.objects.filter(dish=dish, age_group=age_group).select_related("ingredient"))
    before = {line.ingredient.name: str(line.grams) for line in old}
    after = {line.ingredient.name: str(line.grams) for line in new}
    if before == after:
        return new
    DishIngredient.objects.filter(dish=dish, age_group=age_group).delete()
    DishIngredient.objects.bulk_create(new)
    audit.record(
        actor=actor,
        action="update",
        obj=dish,
        before={f"recipe {age_group}": before},
        after={f"recipe {age_group}": after},
        message=_("Recipe for %(group)s changed") % {"group": AgeGroup(age_group).label},
    )
    return new


@transaction.atomic
def dish_lines_copy(*, actor, dish, from_group, to_group, factor=1):
    """Copy the ``from_group`` recipe to ``to_group`` with every gram amount × ``factor``
    (e.g. 0.8 from 4–6 y to 1–3 y), replacing that group's recipe."""
    try:
        factor = Decimal(str(factor))
    except Exception:  # noqa: BLE001
        raise ValidationError({"factor": _("Enter a number.")})
    if not (Decimal("0.1") <= factor <= Decimal("5")):
        raise ValidationError({"factor": _("The factor must be between 0.1 and 5.")})
    if str(from_group) == str(to_group):
        raise ValidationError({"to_group": _("Choose another age group.")})
    source = list(
        DishIngredient.objects.filter(dish=dish, age_group=str(from_group)).select_related("ingredient")
    )
    if not source:
        raise ValidationError({"from_group": _("That age group has no recipe to copy.")})
    return dish_lines_set(
        actor=actor,
        dish=dish,
        age_group=to_group,
        lines=[(line.ingredient, max(Decimal("0.1"), line.grams * factor)) for line in source],
    )


def dish_summary(dish, lines=None) -> dict:
    """Per age group (those with a recipe): nutrients, cost, missing prices and banned reasons."""
    if lines is None:
        lines = list(dish.lines.select_related("ingredient").order_by("age_group", "-grams"))
    by_group = defaultdict(list)
    for line in lines:
        by_group[line.age_group].append(line)
    groups = []
    for group in AgeGroup:
        rows = by_group.get(group.value)
        if not rows:
            continue
        totals = calc.dish_nutrients(rows)
        split = calc.energy_split(totals)
        groups.append(
            {
                "age_group": group.value,
                "label": group.label,
                "lines": rows,
                "totals": totals,
                "split": split,
                "quality_pct": calc.quality_protein_pct(totals),
                "missing_prices": calc.missing_prices(rows),
            }
        )
    return {"groups": groups, "banned": dish_banned_reasons(dish, lines)}


# --- Menus ----------------------------------------------------------------------------------


def monday(day):
    return day - dt.timedelta(days=day.weekday())


def _check_editable(menu):
    if menu.status == Status.PUBLISHED:
        raise ValidationError(_("A published menu cannot be changed; withdraw it first."))


def _validate_item(menu, day, meal, dish, meals):
    if not (menu.week_start <= day <= menu.week_end):
        raise ValidationError({"date": _("The day %(day)s is outside the menu's week.") % {"day": day}})
    if meal not in meals:
        raise ValidationError(
            {"meal": _("This campus does not serve %(meal)s (see the meal setting).") % {"meal": meal}}
        )
    if dish.campus_id != menu.campus_id:
        raise ValidationError({"dish": _("It belongs to another campus.")})
    if not dish.is_active:
        raise ValidationError({"dish": _("The dish %(dish)s is not active.") % {"dish": dish.name}})


@transaction.atomic
def menu_create(*, actor, campus, week_start, age_group, items, generated=False, note=""):
    """A draft menu for the week starting ``week_start`` (a Monday) and ``age_group`` with
    ``items`` = [(date, meal, dish), …]. Refused when the week already has a menu for that
    age group."""
    age_group = str(age_group)
    if age_group not in AgeGroup.values:
        raise ValidationError({"age_group": _("Choose an age group.")})
    if isinstance(week_start, dt.datetime):
        week_start = week_start.date()
    existing = Menu.objects.filter(campus=campus, week_start=week_start, age_group=age_group).first()
    if existing:
        raise ValidationError(
            _("The week of %(day)s already has a menu for %(group)s (%(status)s); edit that one.")
            % {"day": week_start, "group": AgeGroup(age_group).label, "status": existing.get_status_display()}
        )
    menu = Menu(
        campus=campus,
        week_start=week_start,
        age_group=age_group,
        generated=generated,
        note=(note or "")[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    menu.full_clean()
    menu.save()
    meals = meal_kinds(campus)
    seen = set()
    rows = []
    order = defaultdict(int)
    for day, meal, dish in items:
        meal = str(meal)
        _validate_item(menu, day, meal, dish, meals)
        key = (day, meal, dish.pk)
        if key in seen:
            raise ValidationError(
                _("%(dish)s appears twice at %(day)s %(meal)s.")
                % {"dish": dish.name, "day": day, "meal": meal}
            )
        seen.add(key)
        rows.append(
            MenuItem(campus=campus, menu=menu, date=day, meal=meal, dish=dish, sort_order=order[(day, meal)])
        )
        order[(day, meal)] += 1
    MenuItem.objects.bulk_create(rows)
    audit.record(
        actor=actor,
        action="create",
        obj=menu,
        after={**audit.snapshot(menu), "items": len(rows)},
        message=_("Menu created with %(n)s dishes") % {"n": len(rows)}
        + (" · " + _("proposed by the generator") if generated else ""),
    )
    return menu


@transaction.atomic
def menu_item_add(*, actor, menu, date, meal, dish):
    menu = lock_for_update(menu)
    _check_editable(menu)
    meal = str(meal)
    _validate_item(menu, date, meal, dish, meal_kinds(menu.campus))
    if MenuItem.objects.filter(menu=menu, date=date, meal=meal, dish=dish).exists():
        raise ValidationError(_("%(dish)s is already on that meal.") % {"dish": dish.name})
    last = MenuItem.objects.filter(menu=menu, date=date, meal=meal).order_by("-sort_order").first()
    item = MenuItem(
        campus=menu.campus,
        menu=menu,
        date=date,
        meal=meal,
        dish=dish,
        sort_order=(last.sort_order + 1) if last else 0,
    )
    item.full_clean()
    item.save()
    audit.record(
        actor=actor, action="update", obj=menu, after={"added": str(item)},
        message=_("Added %(item)s") % {"item": item},
    )  # fmt: skip
    return item


@transaction.atomic
def menu_item_remove(*, actor, item):
    menu = lock_for_update(item.menu)
    _check_editable(menu)
    label = str(item)
    item.delete()
    audit.record(
        actor=actor, action="update", obj=menu, before={"removed": label},
        message=_("Removed %(item)s") % {"item": label},
    )  # fmt: skip


@transaction.atomic
def menu_copy_week(*, actor, campus, source, week_start):
    """A draft for the week of ``week_start`` with the dishes of menu ``source`` on the same
    weekdays (copy last week). Inactive dishes and meals the campus no longer serves are skipped."""
    items = []
    meals = meal_kinds(campus)
    shift = (week_start - source.week_start).days
    for item in source.items.select_related("dish"):
        if item.dish.is_active and item.meal in meals:
            items.append((item.date + dt.timedelta(days=shift), item.meal, item.dish))
    return menu_create(
        actor=actor,
        campus=campus,
        week_start=week_start,
        age_group=source.age_group,
        items=items,
        note=_("Copied from the week of %(day)s") % {"day": source.week_start},
    )


def menu_problems(menu, items=None) -> list[str]:
    """What keeps ``menu`` from being published (empty list: it may be published)."""
    if items is None:
        items = list(menu.items.select_related("dish"))
    problems = []
    if not items:
        problems.append(_("The menu has no dishes."))
    dishes = {i.dish_id: i.dish for i in items}
    if dishes:
        lines = defaultdict(list)
        for line in DishIngredient.objects.filter(dish_id__in=dishes).select_related("ingredient"):
            lines[line.dish_id].append(line)
        keywords = banned_keywords(menu.campus)
        for dish_id, dish in dishes.items():
            for reason in dish_banned_reasons(dish, lines[dish_id], keywords):
                problems.append(f"{dish.name}: {reason}")
            if not any(line.age_group == menu.age_group for line in lines[dish_id]):
                problems.append(
                    _("%(dish)s has no recipe for %(group)s.")
                    % {"dish": dish.name, "group": menu.get_age_group_display()}
                )
    return problems


@transaction.atomic
def menu_publish(*, actor, menu):
    """Publish a draft or withdrawn menu to parents (needs ``canteen.publish_menus``).
    Refused while it has no dishes, a banned food or a dish without a recipe for its group."""
    require_actor_perm(actor, menu.campus, PUBLISH, system_allowed=True)
    menu = lock_for_update(menu)
    if menu.status == Status.PUBLISHED:
        raise ValidationError(_("The menu is already published."))
    problems = menu_problems(menu)
    if problems:
        raise ValidationError(problems)
    before = {"status": menu.status}
    menu.status = Status.PUBLISHED
    menu.published_by = actor if getattr(actor, "is_authenticated", False) else None
    menu.published_at = timezone.now()
    menu.withdrawn_reason = ""
    menu.save(update_fields=["status", "published_by", "published_at", "withdrawn_reason", "updated_at"])
    audit.record(
        actor=actor, action="publish", obj=menu, before=before, after={"status": menu.status},
        message=_("Menu published"),
    )  # fmt: skip
    return menu


@transaction.atomic
def menu_withdraw(*, actor, menu, reason):
    """Take a published menu back (to correct it); the reason is kept and audited."""
    require_actor_perm(actor, menu.campus, PUBLISH, system_allowed=True)
    reason = clean_reason(reason)
    menu = lock_for_update(menu)
    if menu.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published menu can be withdrawn."))
    menu.status = Status.WITHDRAWN
    menu.withdrawn_reason = reason
    menu.save(update_fields=["status", "withdrawn_reason", "updated_at"])
    audit.record(
        actor=actor, action="withdraw", obj=menu, before={"status": Status.PUBLISHED},
        after={"status": menu.status, "reason": reason},
        message=_("Menu withdrawn: %(reason)s") % {"reason": reason},
    )  # fmt: skip
    return menu


@transaction.atomic
def menu_delete(*, actor, menu):
    """Delete a draft that was never published (a published or withdrawn one stays on record)."""
    menu = lock_for_update(menu)
    if menu.status != Status.DRAFT or menu.published_at:
        raise ValidationError(_("Only a draft that was never published can be deleted."))
    menu.items.all().delete()
    object_delete(actor=actor, instance=menu)


def served_items(campus, date, meal=None):
    """MenuItem rows of the published menus of ``campus`` for ``date`` (and ``meal``) —
    "which dishes were served" for the sample log and the traceability report."""
    qs = MenuItem.objects.filter(campus=campus, date=date, menu__status=Status.PUBLISHED).select_related(
        "dish", "menu"
    )
    if meal:
        qs = qs.filter(meal=str(meal))
    return qs.order_by("menu__age_group", "meal", "sort_order", "pk")


# --- Analysis -------------------------------------------------------------------------------


def _load_menu_lines(menu, items):
    dish_ids = {i.dish_id for i in items}
    lines = defaultdict(list)
    for line in DishIngredient.objects.filter(dish_id__in=dish_ids, age_group=menu.age_group).select_related(
        "ingredient"
    ):
        lines[line.dish_id].append(line)
    return lines


def _judge_nutrients(totals, targets):
    rows = []
    for key, unit in NUTRIENTS:
        target = targets[key]
        value = totals.get(key, 0.0)
        dri = target["dri"]
        percent = calc.pct(value, dri)
        high = target["max"]
        if target.get("ul") is not None:
            high = target["ul"] if high is None else min(high, target["ul"])
        rows.append(
            {
                "key": key,
                "unit": unit,
                "value": value,
                "dri": dri,
                "pct": percent,
                "min": target["min"],
                "max": high,
                "min_pct": calc.pct(target["min"], dri),
                "judgement": calc.judge(value, target["min"], high),
            }
        )
    return rows


def _evaluate(totals, meal_energy, ingredients, targets, *, days=1):
    """Judgements of one day's (or the week's average day's) totals."""
    split = calc.energy_split(totals)
    split_rows = []
    for key in ("protein_g", "fat_g", "carbohydrate_g"):
        low, high = targets["energy_split"][key]
        split_rows.append(
            {
                "key": key,
                "pct": split[key],
                "low": low,
                "high": high,
                "judgement": calc.judge(split[key], low, high),
            }
        )
    quality = calc.quality_protein_pct(totals)
    served_groups = [g for g in SPLIT_GROUPS if meal_energy.get(g)]
    target_sum = sum(sum(targets["meal_split"][g]) / 2 for g in served_groups) or 1
    day_energy = sum(meal_energy.values())
    meals = []
    for group in SPLIT_GROUPS:
        low, high = targets["meal_split"][group]
        energy = meal_energy.get(group, 0.0)
        if group not in served_groups:
            meals.append(
                {"group": group, "energy": 0.0, "pct": None, "low": None, "high": None, "judgement": ""}
            )
            continue
        # Targets normalised over the meal groups the campus serves (without a dinner,
        # 30/40 become 43/57 of what is served).
        scale = 100.0 / target_sum
        share = calc.pct(energy, day_energy)
        meals.append(
            {
                "group": group,
                "energy": energy,
                "pct": share,
                "low": low * scale,
                "high": high * scale,
                "judgement": calc.judge(share, low * scale, high * scale),
            }
        )
    counted = {i for i in ingredients if i.food_group not in NOT_COUNTED_GROUPS}
    classes = {FOOD_CLASS[i.food_group] for i in counted if i.food_group in FOOD_CLASS}
    return {
        "totals": totals,
        "nutrients": _judge_nutrients(totals, targets),
        "split": split_rows,
        "quality_protein_pct": quality,
        "quality_judgement": calc.judge(quality, targets["quality_protein_min"]),
        "meals": meals,
        "variety": {
            "foods": len(counted),
            "groups": len({i.food_group for i in counted}),
            "classes": len(classes),
        },
    }


def menu_analysis(menu, targets=None) -> dict:
    """Nutrition analysis of ``menu`` per child: for every day with dishes and for the
    week's average day — nutrients with % of DRI and judgement (ok/low/high), energy split,
    high-quality protein, meal split, food variety — each against the campus's targets.
    Three queries (items, recipe lines, settings) whatever the menu's size."""
    targets = targets or daily_targets(menu.campus, menu.age_group)
    items = list(menu.items.select_related("dish").order_by("date", "meal", "sort_order", "pk"))
    lines = _load_menu_lines(menu, items)
    by_day = defaultdict(list)
    for item in items:
        by_day[item.date].append(item)
    days = []
    week_totals = calc.empty_totals()
    week_meals = defaultdict(float)
    week_ingredients = {}
    missing_recipe = set()
    for day in sorted(by_day):
        totals = calc.empty_totals()
        meal_energy = defaultdict(float)
        ingredients = {}
        per_meal = defaultdict(list)
        for item in by_day[day]:
            rows = lines.get(item.dish_id, [])
            if not rows:
                missing_recipe.add(item.dish.name)
            nutrients = calc.dish_nutrients(rows)
            calc.add_into(totals, nutrients)
            meal_energy[MEAL_GROUP[item.meal]] += nutrients["energy_kcal"]
            per_meal[item.meal].append(item)
            for line in rows:
                ingredients[line.ingredient_id] = line.ingredient
        evaluation = _evaluate(totals, meal_energy, ingredients.values(), targets)
        evaluation["variety"]["judgement"] = calc.judge(
            evaluation["variety"]["foods"], targets["variety_day_min"]
        )
        evaluation["variety"]["classes_judgement"] = calc.judge(
            evaluation["variety"]["classes"], targets["food_classes_day_min"]
        )
        days.append(
            {
                "date": day,
                "by_meal": [(m, per_meal[m]) for m in MEAL_ORDER if per_meal.get(m)],
                **evaluation,
            }
        )
        calc.add_into(week_totals, totals)
        for group, energy in meal_energy.items():
            week_meals[group] += energy
        week_ingredients.update(ingredients)
    n = len(days)
    week = None
    if n:
        average = {k: v / n for k, v in week_totals.items()}
        week = _evaluate(
            average, {g: e / n for g, e in week_meals.items()}, week_ingredients.values(), targets
        )
        week["variety"]["judgement"] = calc.judge(week["variety"]["foods"], targets["variety_week_min"])
        week["variety"]["classes_judgement"] = calc.judge(
            week["variety"]["classes"], targets["food_classes_day_min"]
        )
        week["cost_per_day"] = average["cost_yuan"]
    problems = []
    if week:
        for row in week["nutrients"]:
            if row["judgement"] != calc.OK:
                problems.append(row["key"])
        problems += [f"split:{r['key']}" for r in week["split"] if r["judgement"] != calc.OK]
        if week["quality_judgement"] != calc.OK:
            problems.append("quality_protein")
        problems += [f"meal:{m['group']}" for m in week["meals"] if m["judgement"] not in (calc.OK, "")]
        if week["variety"]["judgement"] != calc.OK:
            problems.append("variety")
    return {
        "menu": menu,
        "age_group": menu.age_group,
        "targets": targets,
        "days": days,
        "week": week,
        "school_days": n,
        "problems": problems,
        "passed": bool(week) and not problems,
        "missing_recipe": sorted(missing_recipe),
    }


# --- Meal counts and purchase list -----------------------------------------------------------


@transaction.atomic
def staff_meals_set(*, actor, campus, date, count, note=""):
    """Enter (or correct) the day's staff meal count; audited."""
    row = StaffMealCount.objects.filter(campus=campus, date=date).first()
    before = audit.snapshot(row) if row else None
    if row is None:
        row = StaffMealCount(campus=campus, date=date)
    row.count = count
    row.note = (note or "")[:200]
    row.entered_by = actor if getattr(actor, "is_authenticated", False) else None
    return object_save(actor=actor, instance=row, before=before, campus=campus)


def meal_counts(campus, day) -> dict:
    """Children's meals of ``day`` per class from the attendance (the present count, or the
    enrolled count where the roll is not taken yet — an upper bound), by age group, and the
    staff meals apart (师生伙食分开)."""
    from houqin.health.selectors import present_counts_by_class

    counts = present_counts_by_class(campus, day)
    mapping = grade_age_groups(campus)
    rows = []
    by_group = defaultdict(int)
    for info in sorted(
        counts.values(), key=lambda r: (r["class"].sort_order, r["class"].grade, r["class"].name)
    ):
        cls = info["class"]
        group = mapping.get(cls.grade) or AgeGroup.Y4_6.value
        rows.append({**info, "age_group": group, "age_group_label": AgeGroup(group).label})
        by_group[group] += info["present"]
    staff = StaffMealCount.objects.filter(campus=campus, date=day).first()
    children = sum(r["present"] for r in rows)
    return {
        "date": day,
        "classes": rows,
        "by_group": [(AgeGroup(g).label, g, n) for g, n in sorted(by_group.items(), key=lambda x: x[0])],
        "children": children,
        "all_taken": all(r["taken"] for r in rows) if rows else False,
        "staff": staff,
        "staff_count": staff.count if staff else 0,
        "total": children + (staff.count if staff else 0),
    }


def purchase_list(campus, start, end=None, *, today=None) -> dict:
    """Ingredients to buy for the children's meals from ``start`` to ``end``: Σ over days and
    classes of the grams of the class's age-group recipes on that day's menu × the class's
    present count (the enrolled count for future days), per ingredient in kg, with the
    estimated cost, grouped by food group. Uses each week's published menu, else its draft
    (flagged), never a withdrawn one."""
    from houqin.health.selectors import present_counts_by_class

    end = end or start
    if end < start:
        raise ValidationError(_("The end is before the start."))
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValidationError(_("Choose at most %(n)s days.") % {"n": MAX_RANGE_DAYS})
    today = today or timezone.localdate()
    menus = list(
        Menu.objects.filter(
            campus=campus, week_start__gte=monday(start), week_start__lte=monday(end)
        ).exclude(status=Status.WITHDRAWN)
    )
    chosen = {}
    for menu in menus:
        key = (menu.week_start, menu.age_group)
        if key not in chosen or (menu.status == Status.PUBLISHED and chosen[key].status != Status.PUBLISHED):
            chosen[key] = menu
    items = list(
        MenuItem.objects.filter(
            menu__in=list(chosen.values()), date__gte=start, date__lte=end
        ).select_related("menu")
    )
    dish_ids = {i.dish_id for i in items}
    lines = defaultdict(list)
    for line in DishIngredient.objects.filter(dish_id__in=dish_ids).select_related("ingredient"):
        lines[(line.dish_id, line.age_group)].append(line)
    items_by_day = defaultdict(list)
    for item in items:
        items_by_day[item.date].append(item)
    mapping = grade_age_groups(campus)
    future_counts = None
    totals = {}
    heads = defaultdict(int)  # (date, age group) → children
    day = start
    while day <= end:
        day_items = items_by_day.get(day)
        if day_items:
            if day > today:
                if future_counts is None:
                    future_counts = present_counts_by_class(campus, today)
                counts = {k: {**v, "present": v["enrolled"]} for k, v in future_counts.items()}
            else:
                counts = present_counts_by_class(campus, day)
            per_group = defaultdict(int)
            for info in counts.values():
                per_group[mapping.get(info["class"].grade) or AgeGroup.Y4_6.value] += info["present"]
            for item in day_items:
                group = item.menu.age_group
                children = per_group.get(group, 0)
                if not children:
                    continue
                for line in lines.get((item.dish_id, group), []):
                    row = totals.setdefault(
                        line.ingredient_id,
                        {"ingredient": line.ingredient, "grams": Decimal(0), "portions": 0},
                    )
                    row["grams"] += line.grams * children
                    row["portions"] += children
            for group, n in per_group.items():
                heads[(day, group)] = n
        day += dt.timedelta(days=1)
    groups = defaultdict(list)
    total_cost = Decimal(0)
    for row in totals.values():
        ingredient = row["ingredient"]
        row["kg"] = (row["grams"] / 1000).quantize(Decimal("0.001"))
        row["cost"] = (
            (row["grams"] / 1000 * ingredient.price_per_kg).quantize(Decimal("0.01"))
            if ingredient.price_per_kg is not None
            else None
        )
        total_cost += row["cost"] or 0
        groups[ingredient.food_group].append(row)
    ordered = []
    for value, label in Ingredient.FoodGroup.choices:
        rows = sorted(groups.get(value, []), key=lambda r: -r["grams"])
        if rows:
            ordered.append(
                {
                    "group": value,
                    "label": label,
                    "rows": rows,
                    "kg": sum(r["kg"] for r in rows),
                    "cost": sum((r["cost"] or 0) for r in rows),
                }
            )
    return {
        "start": start,
        "end": end,
        "groups": ordered,
        "total_cost": total_cost,
        "drafts": sorted(
            {(m.week_start, m.get_age_group_display()) for m in chosen.values() if m.status == Status.DRAFT}
        ),
        "missing_prices": sorted(
            r["ingredient"].name for r in totals.values() if r["ingredient"].price_per_kg is None
        ),
        "future": end > today,
    }


def menus_for_week(campus, week_start):
    return list(
        Menu.objects.filter(campus=campus, week_start=week_start).prefetch_related(
            Prefetch("items", queryset=MenuItem.objects.select_related("dish"))
        )
    )
