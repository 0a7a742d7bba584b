"""Import of food composition data (食物成分) from CSV, in the layout of the shipped starter
table ``data/nutrition/food_composition_starter.csv`` (values per 100 g edible portion).

All or nothing, like the core importers: every row is checked, every problem is reported
with its row number and column, and the rows are written (one transaction, one audit event
per food plus a summary) only when the whole file is clean. A food whose name already
exists on the campus is updated (its composition and source), keeping the campus's own
edible-portion factor and price unless the file has those columns.
"""

import csv
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from houqin.canteen import nutrition_services as services
from houqin.canteen.models import Ingredient
from houqin.core import audit
from houqin.core.importers import ImportResult, RowError

STARTER_FILE = Path(__file__).resolve().parent / "data" / "nutrition" / "food_composition_starter.csv"
STARTER_SOURCE = "USDA SR28"
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

NAME = "name_zh"
REQUIRED = [NAME, "food_group"]
# CSV column → Ingredient field (nutrients per 100 g edible portion).
NUTRIENT_COLUMNS = {
    "energy_kcal": "energy_kcal",
    "protein_g": "protein_g",
    "fat_g": "fat_g",
    "carbohydrate_g": "carbohydrate_g",
    "calcium_mg": "calcium_mg",
    "iron_mg": "iron_mg",
    "zinc_mg": "zinc_mg",
    "vitamin_a_ug_rae": "vitamin_a_ug",
    "thiamin_mg": "vitamin_b1_mg",
    "riboflavin_mg": "vitamin_b2_mg",
    "vitamin_c_mg": "vitamin_c_mg",
}
OPTIONAL = [
    "name_en",
    "is_quality_protein",
    "source_dataset",
    "source_food_id",
    "source_description",
    "source_long_description",
    "fiber_g",
    "sodium_mg",
    "notes",
    "edible_portion",
    "price_per_kg",
]
HEADERS = REQUIRED + OPTIONAL[:1] + ["is_quality_protein"] + list(NUTRIENT_COLUMNS) + OPTIONAL[2:]
KNOWN = set(REQUIRED) | set(OPTIONAL) | set(NUTRIENT_COLUMNS)
TRUE = {"true", "1", "yes", "y", "是", "t"}
FALSE = {"false", "0", "no", "n", "否", "f", ""}
NUTRIENT_MAX = Decimal("999999")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8", raw, 0, 1, "undecodable")


def _number(text):
    text = (text or "").strip()
    if not text:
        return None
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation
    return value


def composition_import(*, actor, campus, file, source_name="") -> ImportResult:
    """Import or update the foods of a composition CSV; nothing is written unless every row
    is valid. ``result.created`` counts new foods, ``result.updated`` changed ones."""
    result = ImportResult()
    result.updated = 0
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        result.file_error = _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        return result
    try:
        file.seek(0)
        raw = file.read()
        text = _decode(raw if isinstance(raw, bytes) else raw.encode())
    except (UnicodeDecodeError, OSError):
        result.file_error = _("The file is not a text (CSV) file in UTF-8 or GB18030.")
        return result
    if not text.strip():
        result.file_error = _("The file is empty.")
        return result
    reader = csv.reader(io.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error:
        result.file_error = _("The file is not a valid CSV file.")
        return result
    header = [h.strip() for h in rows[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        result.file_error = _("The first row must hold the column headers. Missing: %(missing)s.") % {
            "missing": "、".join(missing)
        }
        return result
    unknown = [h for h in header if h and h not in KNOWN]
    if unknown:
        result.file_error = _("Unknown columns: %(names)s.") % {"names": "、".join(unknown)}
        return result
    if len(set(h for h in header if h)) != len([h for h in header if h]):
        result.file_error = _("A column appears twice.")
        return result
    data = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not data:
        result.file_error = _("The file holds no foods below the header row.")
        return result
    if len(data) > MAX_ROWS:
        result.file_error = _("The file holds more than %(n)s rows; split it into smaller files.") % {
            "n": MAX_ROWS
        }
        return result
    result.rows = len(data)
    index = {h: i for i, h in enumerate(header) if h}
    existing = {i.name: i for i in Ingredient.objects.filter(campus=campus)}
    groups = set(Ingredient.FoodGroup.values)
    keywords = services.banned_keywords(campus)
    seen: dict[str, int] = {}
    prepared = []
    for number, values in data:
        errors = []

        def cell(column, values=values):
            i = index.get(column)
            return values[i].strip() if i is not None and i < len(values) else ""

        def error(column, message, number=number, errors=errors):
            errors.append(RowError(number, column, str(message)))

        name = cell(NAME)
        if not name:
            error(NAME, _("The name is required."))
        elif len(name) > 80:
            error(NAME, _("The name is longer than 80 characters."))
        elif name in seen:
            error(NAME, _("The same food also appears in row %(row)s.") % {"row": seen[name]})
        else:
            seen[name] = number
        group = cell("food_group")
        if group not in groups:
            error("food_group", _("Unknown food group “%(value)s”; use one of: %(values)s.")
                  % {"value": group, "values": ", ".join(sorted(groups))})  # fmt: skip
        quality_text = cell("is_quality_protein").lower()
        if quality_text not in TRUE | FALSE:
            error("is_quality_protein", _("Enter true or false."))
        values_by_field = {}
        for column, field in NUTRIENT_COLUMNS.items():
            try:
                value = _number(cell(column))
            except (InvalidOperation, ValueError):
                error(column, _("“%(value)s” is not a number.") % {"value": cell(column)})
                continue
            if value is not None and (value < 0 or value > NUTRIENT_MAX):
                error(column, _("The value must be between 0 and %(max)s.") % {"max": NUTRIENT_MAX})
                continue
            values_by_field[field] = value.quantize(Decimal("0.001")) if value is not None else None
        extra = {}
        for column in ("edible_portion", "price_per_kg"):
            if column not in index:
                continue
            try:
                value = _number(cell(column))
            except (InvalidOperation, ValueError):
                error(column, _("“%(value)s” is not a number.") % {"value": cell(column)})
                continue
            if value is not None:
                extra[column] = value
        if errors:
            result.errors.extend(errors)
            continue
        instance = existing.get(name)
        before = audit.snapshot(instance) if instance else None
        if instance is None:
            instance = Ingredient(campus=campus, name=name)
        instance.name_en = cell("name_en")[:120]
        instance.food_group = group
        instance.is_quality_protein = quality_text in TRUE
        for field, value in values_by_field.items():
            setattr(instance, field, value)
        instance.source = (cell("source_dataset") or source_name or _("imported"))[:120]
        instance.source_id = cell("source_food_id")[:40]
        for field, value in extra.items():
            setattr(instance, field, value)
        services._apply_ban(campus, instance, keywords)
        try:
            instance.full_clean(exclude=["campus"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    error(field, message)
            result.errors.extend(errors)
            continue
        prepared.append((instance, before))
    if result.errors:
        return result
    file_name = getattr(file, "name", "") or "csv"
    with transaction.atomic():
        for instance, before in prepared:
            is_new = instance.pk is None
            instance.save()
            after = audit.snapshot(instance)
            if is_new:
                audit.record(actor=actor, action="import", obj=instance, after=after,
                             message=_("Imported from %(file)s") % {"file": file_name})  # fmt: skip
                result.created += 1
            elif before != after:
                changed = {k for k in after if before.get(k) != after.get(k)}
                audit.record(
                    actor=actor, action="import", obj=instance,
                    before={k: before.get(k) for k in changed}, after={k: after[k] for k in changed},
                    message=_("Updated from %(file)s") % {"file": file_name},
                )  # fmt: skip
                result.updated += 1
        audit.record(
            actor=actor,
            action="composition_import",
            campus=campus,
            after={"file": file_name, "created": result.created, "updated": result.updated},
            message=_("Food composition: %(new)s new, %(changed)s updated from %(file)s")
            % {"new": result.created, "changed": result.updated, "file": file_name},
        )
    return result


def starter_load(*, actor, campus) -> ImportResult:
    """Load the shipped starter table (USDA SR28, public domain) into ``campus``."""
    with STARTER_FILE.open("rb") as handle:
        upload = io.BytesIO(handle.read())
    upload.name = STARTER_FILE.name
    return composition_import(actor=actor, campus=campus, file=upload, source_name=STARTER_SOURCE)


def composition_template() -> bytes:
    """A CSV with the headers and two example rows from the starter table."""
    with STARTER_FILE.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    return ("\ufeff" + "\n".join(lines[:3]) + "\n").encode("utf-8")
