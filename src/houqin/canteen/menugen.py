"""The menu generator (智能排餐): a week's menu for one age group as a mixed-integer programme,
solved with SciPy's ``milp`` (HiGHS).

Variables
    ``x[d, t, m]`` ∈ {0, 1}: dish *d* is served on school day *t* at meal *m* — only for the
    meals the dish suits (``Dish.meals``, empty = any) and whose pattern has its category;
    ``y[p, t]`` ∈ {0, 1}: a main dish of protein source *p* is served on day *t* (rotation);
    continuous penalty variables ``s ≥ 0`` for the soft targets.

Hard constraints
    * pattern: every meal of every school day gets exactly the dish categories of the
      campus's pattern (``canteen.meals.gen_pattern_<meal>``, e.g. lunch = 1 staple + 1 main +
      1 vegetable dish + 1 soup; ``snack|fruit:1`` = one snack or one fruit);
    * no dish twice in the week (一周之内不重样; categories in ``canteen.meals.gen_repeat_ok``
      excepted);
    * rotation (fish/meat/egg/bean) of the main dishes at lunch and dinner: at least
      ``gen_min_fish`` / ``gen_min_egg`` / ``gen_min_bean`` main dishes of that source a week,
      and (``gen_protein_rotation``) no main protein source on two school days running;
    * energy and protein of every day ≥ the campus's minimum (``daily_targets``: 80 % of the
      DRI for day care by default, scaled by the campus's day share).

Soft constraints (penalised far above any cost, so they hold whenever they can)
    * every micronutrient (Ca, Fe, Zn, vitamin A, B1, B2, C) of every day ≥ its minimum;
    * energy of every day ≤ its maximum;
    * the week's energy split (protein / fat / carbohydrate % of energy) within its ranges
      and high-quality protein ≥ its minimum share.

Objective: the lowest cost of the ingredients (``dish_nutrients(...)["cost_yuan"]``) plus the
penalties. Targets that could not be met are reported with the proposal.

When the hard constraints admit no menu, the generator says which one: a category of a
meal without enough different dishes (checked before solving), else it solves again with
relaxations — energy/protein made soft (→ "energy on Tuesday reaches at most … kcal"), then
the rotation dropped, then repeats allowed — and names the first relaxation that helps.

Nothing is written here: :func:`proposal_save` hands the proposal to
``nutrition_services.menu_create(..., generated=True)``, a draft the health teacher edits
and publishes in the menu editor.
"""

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from houqin.canteen import nutrition_calc as calc
from houqin.canteen import nutrition_services as nutrition
from houqin.canteen.models import AgeGroup, Dish, DishIngredient, MealKind
from houqin.core.permissions import require_actor_perm
from houqin.core.settings_registry import campus_setting

MANAGE = "canteen.manage_menus"
PROTEINS = ["meat", "poultry", "fish", "egg", "bean"]
ROTATION_MINIMUMS = ["fish", "egg", "bean"]
MAIN = Dish.Category.MAIN.value
# The rotation counts the main dishes of the main meals (正餐); a boiled egg at breakfast does not.
ROTATION_MEALS = (MealKind.LUNCH.value, MealKind.DINNER.value)
MICRONUTRIENTS = list(nutrition.MICRONUTRIENTS)
SOFT_WEIGHT = 1000.0  # yuan per 100 % of a soft target missed (≈ 10 yuan per %)
RELAX_WEIGHT = 100000.0  # energy/protein made soft while diagnosing
MIP_GAP = 0.01  # stop within 1 % of the best possible cost (days are interchangeable: proving the last cent costs seconds)
TOKEN_SALT = "houqin.canteen.menugen"
TOKEN_MAX_AGE = 24 * 3600


class MenuGenerationError(ValidationError):
    """No menu meets the hard rules; ``reasons`` says which rule (one sentence each)."""

    def __init__(self, reasons):
        self.reasons = [str(r) for r in reasons]
        super().__init__(self.reasons)


# --- Rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    categories: tuple
    count: int

    def label(self):
        names = dict(Dish.Category.choices)
        return "/".join(str(names.get(c, c)) for c in self.categories)


@dataclass
class Rules:
    meals: list
    patterns: dict  # meal → [Slot]
    repeat_ok: set = field(default_factory=set)
    minimums: dict = field(default_factory=dict)  # protein → per week
    rotation: bool = True
    time_limit: float = 20.0


def meal_label(meal):
    return str(dict(MealKind.choices).get(meal, meal))


def parse_pattern(raw, meal=""):
    """``"staple:1,main:1,snack|fruit:1"`` → [Slot]; a ValidationError naming the mistake."""
    categories = set(Dish.Category.values)
    slots, seen = [], set()
    for part in str(raw or "").replace("，", ",").replace("：", ":").split(","):
        part = part.strip()
        if not part:
            continue
        cats, _sep, count = part.partition(":")
        names = tuple(c.strip() for c in cats.split("|") if c.strip())
        try:
            number = int(count.strip() or "1")
        except ValueError:
            number = -1
        bad = [c for c in names if c not in categories]
        if not names or bad or not 1 <= number <= 5:
            raise ValidationError(
                _("The %(meal)s pattern has a mistake at “%(part)s” (write category:count, e.g. staple:1; "
                  "categories: %(cats)s).") % {"meal": meal_label(meal), "part": part, "cats": ", ".join(categories)}
            )  # fmt: skip
        if seen & set(names):
            raise ValidationError(
                _("The %(meal)s pattern names a category twice (%(part)s); give each category once.")
                % {"meal": meal_label(meal), "part": part}
            )
        seen |= set(names)
        slots.append(Slot(names, number))
    return slots


def rules_for(campus):
    """The generator's rules from the campus settings (meals from ``nutrition.meal_kinds``)."""
    meals = nutrition.meal_kinds(campus)
    patterns = {}
    for meal in meals:
        slots = parse_pattern(campus_setting(campus, f"canteen.meals.gen_pattern_{meal}"), meal)
        if slots:
            patterns[meal] = slots
    raw = str(campus_setting(campus, "canteen.meals.gen_repeat_ok") or "")
    return Rules(
        meals=[m for m in meals if m in patterns],
        patterns=patterns,
        repeat_ok={c.strip() for c in raw.replace("，", ",").split(",") if c.strip()},
        minimums={p: int(campus_setting(campus, f"canteen.meals.gen_min_{p}")) for p in ROTATION_MINIMUMS},
        rotation=bool(campus_setting(campus, "canteen.meals.gen_protein_rotation")),
        time_limit=float(campus_setting(campus, "canteen.meals.gen_time_limit")),
    )


# --- The dish library ------------------------------------------------------------------------


@dataclass
class LibraryDish:
    dish: object
    nutrients: dict
    lines: list = field(default_factory=list)

    @property
    def pk(self):
        return self.dish.pk

    @property
    def name(self):
        return self.dish.name

    @property
    def category(self):
        return self.dish.category

    @property
    def protein(self):
        return self.dish.protein_source or ""

    @property
    def cost(self):
        return self.nutrients.get("cost_yuan", 0.0)

    def suits(self, meal):
        kinds = self.dish.meal_kinds()
        return not kinds or meal in kinds


def load_library(campus, age_group):
    """The active, not banned dishes with a recipe for ``age_group`` (3 queries), and the
    dishes left out with the reason: ``(library, skipped)``."""
    age_group = str(age_group)
    dishes = (
        Dish.objects.filter(campus=campus, is_active=True)
        .select_related("campus")
        .prefetch_related(
            Prefetch(
                "lines", queryset=DishIngredient.objects.select_related("ingredient"), to_attr="all_lines"
            )
        )
        .order_by("category", "name", "pk")
    )
    keywords = nutrition.banned_keywords(campus)
    library, skipped = [], []
    for dish in dishes:
        banned = nutrition.dish_banned_reasons(dish, dish.all_lines, keywords)
        if banned:
            skipped.append((dish.name, "; ".join(banned)))
            continue
        lines = [line for line in dish.all_lines if line.age_group == age_group]
        if not lines:
            skipped.append((dish.name, _("no recipe for %(group)s") % {"group": AgeGroup(age_group).label}))
            continue
        library.append(LibraryDish(dish=dish, nutrients=calc.dish_nutrients(lines), lines=lines))
    return library, skipped


def week_days(campus, week_start):
    """The school days of the week (the term calendar; Monday–Friday without a term)."""
    from houqin.canteen.meals_services import school_days_between

    return school_days_between(campus, week_start, week_start + dt.timedelta(days=6))


# --- The model -------------------------------------------------------------------------------


class _Model:
    """Columns and rows of one MILP, built with coordinate lists."""

    def __init__(self):
        self.cost, self.integer, self.lower, self.upper, self.names = [], [], [], [], []
        self.rows, self.cols, self.vals, self.lo, self.hi = [], [], [], [], []
        self.n_rows = 0

    def var(self, cost, *, integer, low=0.0, high=1.0, name=None):
        self.cost.append(cost)
        self.integer.append(1 if integer else 0)
        self.lower.append(low)
        self.upper.append(high)
        self.names.append(name)
        return len(self.cost) - 1

    def row(self, coefs, low=-np.inf, high=np.inf):
        for col, value in coefs:
            if value:
                self.rows.append(self.n_rows)
                self.cols.append(col)
                self.vals.append(float(value))
        self.lo.append(low)
        self.hi.append(high)
        self.n_rows += 1

    def solve(self, time_limit):
        n = len(self.cost)
        matrix = coo_matrix((self.vals, (self.rows, self.cols)), shape=(self.n_rows, n)).tocsr()
        constraints = [LinearConstraint(matrix, np.array(self.lo), np.array(self.hi))] if self.n_rows else []
        return milp(
            c=np.array(self.cost),
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lower), np.array(self.upper)),
            constraints=constraints,
            options={"time_limit": time_limit, "disp": False, "mip_rel_gap": MIP_GAP},
        )


@dataclass
class _Solved:
    result: object
    x: dict  # (dish index, day index, meal) → column
    slacks: dict  # (kind, …) → column
    model: _Model

    @property
    def ok(self):
        return self.result.x is not None and self.result.status in (0, 1)

    def value(self, col):
        return float(self.result.x[col])


def _build(library, days, rules, targets, *, hard_nutrition=True, rotation=True, no_repeat=True):
    model = _Model()
    x = {}
    n_days = len(days)
    for t in range(n_days):
        for meal in rules.meals:
            slot_cats = {c for slot in rules.patterns[meal] for c in slot.categories}
            for d, item in enumerate(library):
                if item.category in slot_cats and item.suits(meal):
                    x[(d, t, meal)] = model.var(item.cost, integer=True, name=("x", d, t, meal))
    slacks = {}
    # pattern
    for t in range(n_days):
        for meal in rules.meals:
            for slot in rules.patterns[meal]:
                cols = [(col, 1) for (d, tt, m), col in x.items()
                        if tt == t and m == meal and library[d].category in slot.categories]  # fmt: skip
                model.row(cols, slot.count, slot.count)
    # no repeats
    if no_repeat:
        by_dish = {}
        for (d, _t, _m), col in x.items():
            by_dish.setdefault(d, []).append(col)
        for d, cols in by_dish.items():
            if library[d].category not in rules.repeat_ok and len(cols) > 1:
                model.row([(c, 1) for c in cols], -np.inf, 1)
    # rotation
    has_main = any(MAIN in slot.categories for m in _rotation_meals(rules) for slot in rules.patterns[m])
    if has_main and rotation:
        for protein, minimum in rules.minimums.items():
            if minimum > 0:
                cols = [(col, 1) for (d, _t, m), col in x.items()
                        if m in ROTATION_MEALS and library[d].category == MAIN and library[d].protein == protein]  # fmt: skip
                model.row(cols, minimum, np.inf)
        if rules.rotation and n_days > 1:
            y = {}
            for protein in PROTEINS:
                for t in range(n_days):
                    y[(protein, t)] = model.var(0.0, integer=True, name=("y", protein, t))
            for (d, t, m), col in x.items():
                item = library[d]
                if m in ROTATION_MEALS and item.category == MAIN and item.protein in PROTEINS:
                    model.row([(col, 1), (y[(item.protein, t)], -1)], -np.inf, 0)
            for protein in PROTEINS:
                for t in range(n_days - 1):
                    model.row([(y[(protein, t)], 1), (y[(protein, t + 1)], 1)], -np.inf, 1)
    # nutrition per day
    for t in range(n_days):
        day_cols = [(col, d) for (d, tt, _m), col in x.items() if tt == t]
        for key in ("energy_kcal", "protein_g"):
            minimum = targets[key].get("min")
            if not minimum:
                continue
            coefs = [(col, library[d].nutrients[key] / minimum) for col, d in day_cols]
            if not hard_nutrition:
                s = model.var(RELAX_WEIGHT, integer=False, high=1.0, name=("relax", key, t))
                slacks[("relax", key, t)] = s
                coefs.append((s, 1))
            model.row(coefs, 1.0, np.inf)
        for key in MICRONUTRIENTS:
            minimum = targets[key].get("min")
            if not minimum:
                continue
            s = model.var(SOFT_WEIGHT, integer=False, high=1.0, name=("micro", key, t))
            slacks[("micro", key, t)] = s
            model.row(
                [(col, library[d].nutrients[key] / minimum) for col, d in day_cols] + [(s, 1)], 1.0, np.inf
            )
        maximum = targets["energy_kcal"].get("max")
        if maximum:
            s = model.var(SOFT_WEIGHT, integer=False, high=np.inf, name=("energy_max", t))
            slacks[("energy_max", t)] = s
            model.row([(col, library[d].nutrients["energy_kcal"] / maximum) for col, d in day_cols] + [(s, -1)],
                      -np.inf, 1.0)  # fmt: skip
    # the week's energy split and high-quality protein (linear in the totals)
    energy_min = (targets["energy_kcal"].get("min") or 1.0) * max(n_days, 1)
    kcal = {}
    for d, item in enumerate(library):
        parts = {k: item.nutrients[k] * f for k, f in calc.KCAL_PER_G.items()}
        kcal[d] = (parts, sum(parts.values()))
    for key, (low, high) in targets["energy_split"].items():
        for bound, sign in ((low, 1), (high, -1)):
            if bound is None:
                continue
            s = model.var(SOFT_WEIGHT, integer=False, high=np.inf, name=("split", key, sign))
            slacks[("split", key, "low" if sign > 0 else "high")] = s
            coefs = [(col, sign * (kcal[d][0][key] - bound / 100.0 * kcal[d][1]) / energy_min)
                     for (d, _t, _m), col in x.items()]  # fmt: skip
            model.row(coefs + [(s, 1)], 0.0, np.inf)
    quality = targets.get("quality_protein_min")
    protein_min = (targets["protein_g"].get("min") or 1.0) * max(n_days, 1)
    if quality:
        s = model.var(SOFT_WEIGHT, integer=False, high=np.inf, name=("quality",))
        slacks[("quality",)] = s
        coefs = [(col, (library[d].nutrients["quality_protein_g"] - quality / 100.0 * library[d].nutrients["protein_g"])
                  / protein_min) for (d, _t, _m), col in x.items()]  # fmt: skip
        model.row(coefs + [(s, 1)], 0.0, np.inf)
    return model, x, slacks


def _solve(library, days, rules, targets, **flags):
    model, x, slacks = _build(library, days, rules, targets, **flags)
    result = model.solve(rules.time_limit)
    return _Solved(result=result, x=x, slacks=slacks, model=model)


# --- Checks before solving and diagnosis ------------------------------------------------------


def _precheck(library, days, rules):
    """Problems visible without solving: a slot without enough different dishes, a protein
    minimum without dishes."""
    reasons = []
    n = len(days)
    if not rules.meals:
        reasons.append(_("No meal pattern is set for the meals the campus serves (canteen settings)."))
    for meal in rules.meals:
        for slot in rules.patterns[meal]:
            eligible = [i for i in library if i.category in slot.categories and i.suits(meal)]
            # dishes of a category that may repeat can fill any number of days
            repeat = any(i.category in rules.repeat_ok for i in eligible)
            needed = slot.count if repeat else slot.count * n
            if len(eligible) < needed:
                reasons.append(
                    _("%(meal)s needs %(needed)s different %(cat)s dishes for %(days)s school days but the library "
                      "has %(have)s suitable: %(names)s.")
                    % {"meal": meal_label(meal), "needed": needed, "cat": slot.label(), "days": n,
                       "have": len(eligible), "names": "、".join(i.name for i in eligible) or "—"}
                )  # fmt: skip
    if not reasons:
        reasons += _pooled_shortage(library, n, rules)
    main_meals = [m for m in _rotation_meals(rules) if any(MAIN in s.categories for s in rules.patterns[m])]
    if main_meals:
        protein_names = dict(Dish.Protein.choices)
        for protein, minimum in rules.minimums.items():
            have = [i for i in library if i.category == MAIN and i.protein == protein
                    and any(i.suits(m) for m in main_meals)]  # fmt: skip
            if len(have) < minimum:
                reasons.append(
                    _(
                        "The rotation needs at least %(n)s %(protein)s main dishes a week but the library has %(have)s."
                    )
                    % {"n": minimum, "protein": protein_names.get(protein, protein), "have": len(have)}
                )
        main_slots = sum(s.count for m in main_meals for s in rules.patterns[m] if MAIN in s.categories)
        if main_slots * n < sum(rules.minimums.values()):
            reasons.append(
                _("The rotation asks for %(need)s fish, egg and bean main dishes a week but the pattern has only "
                  "%(have)s main dishes.") % {"need": sum(rules.minimums.values()), "have": main_slots * n}
            )  # fmt: skip
    return reasons


def _rotation_meals(rules):
    return [m for m in rules.meals if m in ROTATION_MEALS]


def _pooled_shortage(library, n, rules):
    """Slots of different meals that draw on the same categories (a snack in the morning and
    in the afternoon) compete for the same dishes: the week needs enough of them together."""
    slots = [(meal, slot) for meal in rules.meals for slot in rules.patterns[meal]
             if not any(c in rules.repeat_ok for c in slot.categories)]  # fmt: skip
    groups = []  # [(categories, [(meal, slot)])] linked through shared categories
    for meal, slot in slots:
        cats = set(slot.categories)
        merged = [g for g in groups if g[0] & cats]
        for g in merged:
            groups.remove(g)
            cats |= g[0]
        groups.append((cats, [x for g in merged for x in g[1]] + [(meal, slot)]))
    reasons = []
    for cats, members in groups:
        meals = {meal for meal, _slot in members}
        if len(meals) < 2:
            continue
        needed = sum(slot.count for _meal, slot in members) * n
        eligible = [i for i in library if i.category in cats and any(
            i.category in slot.categories and i.suits(meal) for meal, slot in members)]  # fmt: skip
        if len(eligible) < needed:
            names = dict(Dish.Category.choices)
            reasons.append(
                _("%(meals)s together need %(needed)s different %(cat)s dishes for %(days)s school days (no dish "
                  "twice a week) but the library has %(have)s suitable.")
                % {"meals": "、".join(meal_label(m) for m in rules.meals if m in meals), "needed": needed,
                   "cat": "/".join(str(names.get(c, c)) for c in sorted(cats)), "days": n, "have": len(eligible)}
            )  # fmt: skip
    return reasons


def _diagnose(library, days, rules, targets):
    """Why the hard problem is infeasible, in sentences."""
    relaxed = _solve(library, days, rules, targets, hard_nutrition=False)
    if relaxed.ok:
        reasons = []
        labels = {"energy_kcal": pgettext("nutrient", "Energy"), "protein_g": _("Protein")}
        for t, day in enumerate(days):
            totals = _day_totals(relaxed, library, t)
            for key in ("energy_kcal", "protein_g"):
                col = relaxed.slacks.get(("relax", key, t))
                if col is not None and relaxed.value(col) > 1e-6:
                    target = targets[key]
                    reasons.append(
                        _("%(what)s cannot reach %(min).0f %(unit)s (%(pct).0f %% of the DRI) on %(day)s: at most "
                          "%(got).0f %(unit)s with the dishes available and the other rules.")
                        % {"what": labels[key], "min": target["min"], "unit": target["unit"],
                           "pct": target.get("min_pct") or 0, "day": _day_label(day), "got": totals[key]}
                    )  # fmt: skip
        if reasons:
            reasons.append(
                _("Add richer dishes, raise the recipe grams or check the energy and protein settings.")
            )
            return reasons
    if rules.rotation or any(rules.minimums.values()):
        if _solve(library, days, rules, targets, hard_nutrition=False, rotation=False).ok:
            return [
                _("The fish/meat/egg/bean rotation (at least %(mins)s a week, no protein source two school days "
                  "running) cannot be met with the main dishes available; add main dishes of other protein sources.")
                % {"mins": "、".join(f"{dict(Dish.Protein.choices)[p]} {n}" for p, n in rules.minimums.items() if n)}
            ]  # fmt: skip
    if _solve(library, days, rules, targets, hard_nutrition=False, rotation=False, no_repeat=False).ok:
        return [_("The meal patterns cannot be filled without serving a dish twice in the week (meals that share "
                  "dishes compete for them); add dishes or allow a category to repeat.")]  # fmt: skip
    return [
        _("No menu meets the meal patterns with the dishes available (check which meals each dish suits).")
    ]


# --- Proposal ---------------------------------------------------------------------------------


def _day_label(day):
    names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return f"{day:%m-%d} {names[day.weekday()]}"


def _day_totals(solved, library, t):
    totals = calc.empty_totals()
    for (d, tt, _m), col in solved.x.items():
        if tt == t and solved.value(col) > 0.5:
            calc.add_into(totals, library[d].nutrients)
    return totals


@dataclass
class Proposal:
    campus: object
    age_group: str
    week_start: dt.date
    days: list
    items: list  # [(date, meal, LibraryDish)]
    targets: dict
    status: str
    objective: float
    seconds: float
    variables: int
    constraints: int
    library_size: int
    skipped: list
    day_rows: list = field(default_factory=list)
    week: dict = field(default_factory=dict)
    shortfalls: list = field(default_factory=list)
    table: list = field(default_factory=list)

    @property
    def cost_total(self):
        return sum(item.cost for _d, _m, item in self.items)

    @property
    def cost_per_day(self):
        return self.cost_total / len(self.days) if self.days else 0.0

    def menu_items(self):
        return [(day, meal, item.dish) for day, meal, item in self.items]

    def grid(self):
        """[(meal label, [(day, [LibraryDish])])] for the page."""
        rows = []
        for meal in nutrition.MEAL_ORDER:
            if not any(m == meal for _d, m, _i in self.items):
                continue
            rows.append((meal_label(meal), [(day, [i for d, m, i in self.items if d == day and m == meal])
                                             for day in self.days]))  # fmt: skip
        return rows

    def token(self):
        """The proposal as a signed string the save step accepts (no tampering with dishes)."""
        return signing.dumps(
            {"w": self.week_start.isoformat(), "g": self.age_group, "c": self.campus.pk,
             "i": [[d.isoformat(), m, item.pk] for d, m, item in self.items]},
            salt=TOKEN_SALT, compress=True,
        )  # fmt: skip


def _analyse(proposal):
    """Per day and the week's average: nutrients with % of DRI and judgement, energy split,
    high-quality protein, cost; and the list of targets not met (soft shortfalls)."""
    targets = proposal.targets
    labels = dict(_nutrient_labels())
    per_day = {day: calc.empty_totals() for day in proposal.days}
    for day, _meal, item in proposal.items:
        calc.add_into(per_day[day], item.nutrients)
    shortfalls = []
    rows = []
    for day in proposal.days:
        totals = per_day[day]
        nutrients = []
        for key, unit in nutrition.NUTRIENTS:
            target = targets[key]
            value = totals[key]
            judgement = calc.judge(value, target.get("min"), target.get("max"))
            nutrients.append({"key": key, "label": labels.get(key, key), "unit": unit, "value": value,
                              "pct": calc.pct(value, target["dri"]), "min": target.get("min"),
                              "max": target.get("max"), "judgement": judgement})  # fmt: skip
            if judgement != calc.OK and key not in ("fat_g", "carbohydrate_g"):
                shortfalls.append({
                    "day": day, "key": key, "label": labels.get(key, key), "value": value, "unit": unit,
                    "min": target.get("min"), "max": target.get("max"), "judgement": judgement,
                })  # fmt: skip
        rows.append({"date": day, "label": _day_label(day), "totals": totals, "nutrients": nutrients,
                     "cost": totals["cost_yuan"]})  # fmt: skip
    n = len(proposal.days) or 1
    average = calc.empty_totals()
    for totals in per_day.values():
        calc.add_into(average, totals, 1.0 / n)
    split = calc.energy_split(average)
    split_rows = []
    for key in ("protein_g", "fat_g", "carbohydrate_g"):
        low, high = targets["energy_split"][key]
        judgement = calc.judge(split[key], low, high)
        split_rows.append({"key": key, "label": labels.get(key, key), "pct": split[key], "low": low, "high": high,
                           "judgement": judgement})  # fmt: skip
        if judgement != calc.OK:
            shortfalls.append({"day": None, "key": f"split:{key}", "label": _("%(what)s share of energy") % {
                "what": labels.get(key, key)}, "value": split[key], "unit": "%", "min": low, "max": high,
                "judgement": judgement})  # fmt: skip
    quality = calc.quality_protein_pct(average)
    quality_judgement = calc.judge(quality, targets.get("quality_protein_min"))
    if quality_judgement != calc.OK:
        shortfalls.append({"day": None, "key": "quality_protein", "label": _("High-quality protein"), "value": quality,
                           "unit": "%", "min": targets.get("quality_protein_min"), "max": None,
                           "judgement": quality_judgement})  # fmt: skip
    week_nutrients = []
    for key, unit in nutrition.NUTRIENTS:
        target = targets[key]
        week_nutrients.append({"key": key, "label": labels.get(key, key), "unit": unit, "value": average[key],
                               "pct": calc.pct(average[key], target["dri"]), "min": target.get("min"),
                               "judgement": calc.judge(average[key], target.get("min"), target.get("max"))})  # fmt: skip
    proposal.day_rows = rows
    proposal.table = [
        {"key": key, "label": labels.get(key, key), "unit": unit,
         "days": [day["nutrients"][i] for day in rows], "week": week_nutrients[i]}
        for i, (key, unit) in enumerate(nutrition.NUTRIENTS)
    ]  # fmt: skip
    proposal.week = {"totals": average, "nutrients": week_nutrients, "split": split_rows,
                     "quality_protein_pct": quality, "quality_judgement": quality_judgement,
                     "quality_min": targets.get("quality_protein_min")}  # fmt: skip
    proposal.shortfalls = shortfalls
    return proposal


def _nutrient_labels():
    return [
        ("energy_kcal", pgettext("nutrient", "Energy")), ("protein_g", _("Protein")), ("fat_g", _("Fat")),
        ("carbohydrate_g", _("Carbohydrate")), ("calcium_mg", _("Calcium")), ("iron_mg", _("Iron")),
        ("zinc_mg", _("Zinc")), ("vitamin_a_ug", _("Vitamin A")), ("vitamin_b1_mg", _("Vitamin B1")),
        ("vitamin_b2_mg", _("Vitamin B2")), ("vitamin_c_mg", _("Vitamin C")),
    ]  # fmt: skip


def propose(
    campus, age_group, week_start, *, library=None, skipped=None, rules=None, targets=None, days=None
):
    """A proposed menu for the week of ``week_start`` (a Monday) and ``age_group``.

    Raises :class:`MenuGenerationError` (a ValidationError) naming the rule that cannot be
    met. Reads only (≈ 6 queries: settings, terms, dishes with their recipes)."""
    age_group = str(age_group)
    if age_group not in AgeGroup.values:
        raise ValidationError({"age_group": _("Choose an age group.")})
    if isinstance(week_start, dt.datetime):
        week_start = week_start.date()
    if week_start is None or week_start.weekday() != 0:
        raise ValidationError({"week_start": _("A menu week starts on a Monday.")})
    rules = rules or rules_for(campus)
    targets = targets or nutrition.daily_targets(campus, age_group)
    if library is None:
        library, skipped = load_library(campus, age_group)
    days = list(days) if days is not None else week_days(campus, week_start)
    if not days:
        raise MenuGenerationError([_("The week of %(day)s has no school day.") % {"day": week_start}])
    reasons = _precheck(library, days, rules)
    if reasons:
        raise MenuGenerationError(reasons)
    started = time.perf_counter()
    solved = _solve(library, days, rules, targets)
    if not solved.ok:
        if solved.result.status == 1:  # time limit without any menu
            raise MenuGenerationError([_("No menu was found within the time limit of %(s)s s; try again or allow "
                                         "more time (canteen settings).") % {"s": int(rules.time_limit)}])  # fmt: skip
        raise MenuGenerationError(_diagnose(library, days, rules, targets))
    seconds = time.perf_counter() - started
    items = []
    for (d, t, meal), col in sorted(solved.x.items(), key=lambda kv: (kv[0][1], nutrition.MEAL_ORDER.index(kv[0][2]),
                                                                      library[kv[0][0]].category)):  # fmt: skip
        if solved.value(col) > 0.5:
            items.append((days[t], meal, library[d]))
    order = {c: i for i, c in enumerate(Dish.Category.values)}
    items.sort(
        key=lambda it: (it[0], nutrition.MEAL_ORDER.index(it[1]), order.get(it[2].category, 99), it[2].name)
    )
    proposal = Proposal(
        campus=campus, age_group=age_group, week_start=week_start, days=days, items=items, targets=targets,
        status="optimal" if solved.result.status == 0 else "time_limit", objective=float(solved.result.fun),
        seconds=seconds, variables=len(solved.model.cost), constraints=solved.model.n_rows,
        library_size=len(library), skipped=list(skipped or []),
    )  # fmt: skip
    return _analyse(proposal)


# --- Checking and saving ------------------------------------------------------------------------


def check_items(items, days, rules):
    """The rule violations of a week's ``items`` [(date, meal, dish)] (empty list: all kept).
    Used by the tests and before saving an edited proposal."""
    problems = []
    protein_names = dict(Dish.Protein.choices)
    by_meal = {}
    seen = {}
    for day, meal, dish in items:
        by_meal.setdefault((day, meal), []).append(dish)
        if dish.category not in rules.repeat_ok:
            if dish.pk in seen:
                problems.append(_("%(dish)s is served twice in the week.") % {"dish": dish.name})
            seen[dish.pk] = day
        kinds = dish.meal_kinds()
        if kinds and meal not in kinds:
            problems.append(
                _("%(dish)s does not suit %(meal)s.") % {"dish": dish.name, "meal": meal_label(meal)}
            )
    for day in days:
        for meal in rules.meals:
            dishes = by_meal.get((day, meal), [])
            for slot in rules.patterns[meal]:
                count = sum(1 for dish in dishes if dish.category in slot.categories)
                if count != slot.count:
                    problems.append(
                        _("%(day)s %(meal)s has %(n)s %(cat)s dishes instead of %(want)s.")
                        % {"day": _day_label(day), "meal": meal_label(meal), "n": count, "cat": slot.label(),
                           "want": slot.count}
                    )  # fmt: skip
    mains = {}
    for day, meal, dish in items:
        if meal in ROTATION_MEALS and dish.category == MAIN and dish.protein_source:
            mains.setdefault(day, set()).add(dish.protein_source)
    for protein, minimum in rules.minimums.items():
        have = sum(1 for _d, m, dish in items
                   if m in ROTATION_MEALS and dish.category == MAIN and dish.protein_source == protein)  # fmt: skip
        if have < minimum:
            problems.append(_("Only %(n)s %(protein)s main dishes (at least %(min)s).")
                            % {"n": have, "protein": protein_names.get(protein, protein), "min": minimum})  # fmt: skip
    if rules.rotation:
        for a, b in zip(days, days[1:], strict=False):
            same = mains.get(a, set()) & mains.get(b, set())
            if same:
                problems.append(_("%(protein)s main dishes on %(a)s and %(b)s running.") % {
                    "protein": "、".join(str(protein_names.get(p, p)) for p in sorted(same)),
                    "a": _day_label(a), "b": _day_label(b)})  # fmt: skip
    return problems


def proposal_from_token(campus, token):
    """``(week_start, age_group, items)`` of a signed proposal of this campus; a
    ValidationError when the token is bad, expired, of another campus or a dish is gone."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ValidationError(_("The proposal has expired or was changed; propose the menu again."))
    if data.get("c") != campus.pk:
        raise ValidationError(_("The proposal has expired or was changed; propose the menu again."))
    ids = {row[2] for row in data["i"]}
    dishes = {d.pk: d for d in Dish.objects.filter(campus=campus, pk__in=ids, is_active=True)}
    if len(dishes) != len(ids):
        raise ValidationError(_("A dish of the proposal is no longer available; propose the menu again."))
    items = [(dt.date.fromisoformat(day), meal, dishes[pk]) for day, meal, pk in data["i"]]
    return dt.date.fromisoformat(data["w"]), data["g"], items


def proposal_save(*, actor, campus, token, note=""):
    """Save a signed proposal as a draft menu through ``menu_create(..., generated=True)``."""
    require_actor_perm(actor, campus, MANAGE, system_allowed=True)
    week_start, age_group, items = proposal_from_token(campus, token)
    return nutrition.menu_create(
        actor=actor, campus=campus, week_start=week_start, age_group=age_group, items=items, generated=True,
        note=note or _("Proposed by the menu generator"),
    )  # fmt: skip


def generate(*, actor, campus, age_group, week_start, note=""):
    """Propose and save in one step (API, commands): the draft menu and its proposal."""
    require_actor_perm(actor, campus, MANAGE, system_allowed=True)
    proposal = propose(campus, age_group, week_start)
    menu = nutrition.menu_create(
        actor=actor, campus=campus, week_start=proposal.week_start, age_group=proposal.age_group,
        items=proposal.menu_items(), generated=True, note=note or _("Proposed by the menu generator"),
    )  # fmt: skip
    return menu, proposal
