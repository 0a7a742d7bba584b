"""The Chinese DRIs as reference data, read from ``data/nutrition/dri_<edition>.csv``.

The files are shipped reference data (see ``data/nutrition/SOURCE.md``), not campus rows:
every campus reads the same table, the edition is a campus setting
(``nutrition.dri_edition``; only "2013" exists so far — a "2023" file dropped next to it
becomes selectable by adding it to :data:`EDITIONS`).

How one value per menu age group is made (``dri_for_group``):

- The standard lists energy and protein **per year of age** for children (1~, 2~, … 11~,
  14~), micronutrients per band (1~, 4~, 7~, 11~, 14~). For each year of the menu's age band
  (1–3 → 1, 2, 3; 4–6 → 4, 5, 6; 7–10 → 7…10; 11–13 → 11, 12, 13; 14–17 → 14…17) we take the
  row whose label starts at the largest age not above that year (so 12 → "11~"), average the
  **boys' and girls'** values, then average over the years of the band with equal weight.
  Example, energy 4–6 y at PAL II: (1300+1250)/2, (1400+1300)/2, (1600+1450)/2 → 1275, 1350,
  1525 → 1383.3 kcal.
- Energy: the EER for the campus's physical-activity level (``nutrition.pal``); the standard
  grades activity only from 6 y, below that the single (II) value is used whatever the setting.
- Nutrients as RNI (the "dri" of every analysis), with the UL where the standard sets one.
- Fat and carbohydrate have no gram DRI (only %E ranges); the analysis derives gram targets
  from the energy DRI and the campus's energy-split targets (``nutrition_services``).
"""

import csv
import functools
import re
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "nutrition"
EDITIONS = {"2013": "dri_2013.csv"}

# NUTRIENTS key → the file's nutrient name (energy is handled apart, by PAL).
FILE_NAMES = {
    "protein_g": "protein",
    "calcium_mg": "calcium",
    "iron_mg": "iron",
    "zinc_mg": "zinc",
    "vitamin_a_ug": "vitamin_a",
    "vitamin_b1_mg": "thiamin",
    "vitamin_b2_mg": "riboflavin",
    "vitamin_c_mg": "vitamin_c",
}
GROUP_YEARS = {
    "1-3": (1, 2, 3),
    "4-6": (4, 5, 6),
    "7-10": (7, 8, 9, 10),
    "11-13": (11, 12, 13),
    "14-17": (14, 15, 16, 17),
}
PALS = ("light", "moderate", "heavy")


def _start(label: str) -> int:
    match = re.match(r"\s*(\d+)", label)
    return int(match[1]) if match else 0


@functools.cache
def load(edition: str = "2013") -> dict:
    """``{(nutrient, kind, sex): [(age_start, value), ...]}`` sorted by age, numeric rows only."""
    path = DATA_DIR / EDITIONS[edition]
    table: dict = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            try:
                value = float(row["value"])
            except ValueError:  # ranges such as "20-30" %E
                continue
            key = (row["nutrient"], row["kind"], row["sex"])
            table.setdefault(key, []).append((_start(row["age_group"]), value))
    for rows in table.values():
        rows.sort()
    return table


def value_at(table, nutrient, kind, sex, year):
    rows = table.get((nutrient, kind, sex)) or []
    found = None
    for start, value in rows:
        if start <= year:
            found = value
        else:
            break
    return found


def _band_mean(table, nutrient, kind, years):
    values = []
    for year in years:
        pair = [value_at(table, nutrient, kind, sex, year) for sex in ("male", "female")]
        if any(v is None for v in pair):
            return None
        values.append(sum(pair) / 2)
    return sum(values) / len(values) if values else None


def dri_for_group(age_group: str, *, edition: str = "2013", pal: str = "moderate") -> dict:
    """``{key: {"dri": rni, "ul": ul_or_None}}`` for ``energy_kcal`` and the keys of
    :data:`FILE_NAMES`, averaged as the module docstring says."""
    table = load(edition)
    years = GROUP_YEARS[str(age_group)]
    out = {}
    energies = []
    for year in years:
        pair = []
        for sex in ("male", "female"):
            value = value_at(table, f"energy_eer_pal_{pal}", "EER", sex, year)
            # The standard grades activity only from 6 y; younger rows exist only as PAL II.
            if value is None or (
                pal != "moderate" and _first_start(table, f"energy_eer_pal_{pal}", sex) > year
            ):
                value = value_at(table, "energy_eer_pal_moderate", "EER", sex, year)
            pair.append(value)
        energies.append(sum(pair) / 2)
    out["energy_kcal"] = {"dri": sum(energies) / len(energies), "ul": None}
    for key, name in FILE_NAMES.items():
        out[key] = {"dri": _band_mean(table, name, "RNI", years), "ul": _band_mean(table, name, "UL", years)}
    return out


def _first_start(table, nutrient, sex):
    rows = table.get((nutrient, "EER", sex)) or []
    return rows[0][0] if rows else 999
