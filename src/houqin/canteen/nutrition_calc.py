"""Pure nutrition arithmetic: recipe lines → nutrients and cost; a day's totals → energy split,
share of high-quality protein, meal split; judgements against targets.

No database access here (the callers load the rows with their ingredients), so the menu
generator and the analysis can call these functions in loops.

Conventions (written down once, tested by the hand-worked example in
``tests/canteen/test_nutrition_calc.py``):

- Composition values are per 100 g of the **edible** part; a recipe line's ``grams`` is the
  **purchased** weight per child. Nutrient of a line = ``grams × edible_portion × value / 100``.
  An empty composition value counts as 0 (the starter table leaves a cell empty where USDA has
  no value).
- Cost of a line = ``grams / 1000 × price_per_kg`` (the price is per purchased kg); a missing
  price counts as 0 and is reported by :func:`missing_prices`.
- High-quality protein = protein of ingredients marked ``is_quality_protein`` (animal and soy).
- Energy split: energy from protein and carbohydrate at 4 kcal/g and fat at 9 kcal/g, each
  divided by the sum of the three, so that P + F + C = 100 %. (The composition table's own
  energy uses food-specific Atwater factors and fibre; dividing by it would make the three
  shares add up to 95–105 %, which confuses readers of the published analysis.)
"""

from decimal import Decimal

from houqin.canteen.models.nutrition import NUTRIENTS

NUTRIENT_KEYS = [key for key, _unit in NUTRIENTS]
EXTRA_KEYS = ["quality_protein_g", "cost_yuan"]
KCAL_PER_G = {"protein_g": 4.0, "fat_g": 9.0, "carbohydrate_g": 4.0}

OK, LOW, HIGH = "ok", "low", "high"


def empty_totals() -> dict[str, float]:
    return dict.fromkeys(NUTRIENT_KEYS + EXTRA_KEYS, 0.0)


def _f(value) -> float:
    if value is None:
        return 0.0
    return float(value)


def line_nutrients(ingredient, grams) -> dict[str, float]:
    """Nutrients, high-quality protein and cost of ``grams`` (purchased) of ``ingredient``."""
    grams = _f(grams)
    edible = grams * _f(ingredient.edible_portion if ingredient.edible_portion is not None else Decimal(1))
    out = {key: edible * _f(getattr(ingredient, key)) / 100.0 for key in NUTRIENT_KEYS}
    out["quality_protein_g"] = out["protein_g"] if ingredient.is_quality_protein else 0.0
    out["cost_yuan"] = grams / 1000.0 * _f(ingredient.price_per_kg)
    return out


def add_into(totals: dict, other: dict, factor: float = 1.0) -> dict:
    for key, value in other.items():
        totals[key] = totals.get(key, 0.0) + value * factor
    return totals


def dish_nutrients(lines, age_group=None) -> dict[str, float]:
    """Per-child nutrients of a dish: the sum over its recipe ``lines`` (DishIngredient rows
    with ``ingredient`` loaded), only those of ``age_group`` when given.

    Returns every NUTRIENTS key plus ``quality_protein_g`` and ``cost_yuan`` (floats).
    """
    totals = empty_totals()
    for line in lines:
        if age_group is not None and line.age_group != str(age_group):
            continue
        add_into(totals, line_nutrients(line.ingredient, line.grams))
    return totals


def missing_prices(lines) -> list:
    """The ingredients of ``lines`` without a price (their cost counts as 0)."""
    seen = {}
    for line in lines:
        if line.ingredient.price_per_kg is None:
            seen[line.ingredient_id] = line.ingredient
    return list(seen.values())


def energy_split(totals: dict) -> dict[str, float | None]:
    """Percent of energy from protein, fat and carbohydrate (adding up to 100), or None
    for each when the totals hold no macronutrients."""
    parts = {key: _f(totals.get(key)) * factor for key, factor in KCAL_PER_G.items()}
    whole = sum(parts.values())
    if whole <= 0:
        return dict.fromkeys(KCAL_PER_G)
    return {key: value / whole * 100.0 for key, value in parts.items()}


def quality_protein_pct(totals: dict) -> float | None:
    protein = _f(totals.get("protein_g"))
    if protein <= 0:
        return None
    return _f(totals.get("quality_protein_g")) / protein * 100.0


def judge(value, low=None, high=None) -> str:
    """``low`` when below ``low``, ``high`` when above ``high`` (either may be None), else ``ok``.
    A missing value is ``low``."""
    if value is None:
        return LOW
    if low is not None and value < low - 1e-9:
        return LOW
    if high is not None and value > high + 1e-9:
        return HIGH
    return OK


def pct(value, of) -> float | None:
    if not of:
        return None
    return _f(value) / float(of) * 100.0
