"""The growth services: measurements (single and class grid), exams, entry health cards,
void with a reason, the special-care hand-over, the due lists and the summaries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core.models import AuditEvent, CampusSettings
from houqin.health import growth_services as services
from houqin.health.models import Exam, HealthCard, Measurement
from tests import factories as f
from tests.health.growth_helpers import (  # noqa: F401
    boy,
    childcare,
    class_teacher,
    girl,
    health_teacher,
    make_children,
    months_ago,
    school_class,
)

D = Decimal
TODAY = timezone.localdate


@pytest.fixture
def enrolments(monkeypatch):
    """Capture the hand-overs to the special-care register."""
    calls = []

    def fake(**kwargs):
        calls.append(kwargs)
        return kwargs

    monkeypatch.setattr(services, "_auto_enrol", fake)
    return calls


def events(obj, action=None):
    qs = AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=type(obj)._meta.model_name)
    return qs.filter(action=action) if action else qs


def set_setting(campus, **values):
    CampusSettings.objects.update_or_create(campus=campus, defaults={"values": values})
    campus._settings_cache = None


# --- Measurements -------------------------------------------------------------------------------


def test_a_measurement_is_evaluated_and_audited(boy, health_teacher, enrolments):  # noqa: F811
    # 男 48 月 at the medians: H/A 104.9 cm, W/A 16.7 kg
    m = services.measurement_record(
        actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9", weight_kg="16.7"
    )
    m.refresh_from_db()
    assert m.age_months == 48 and m.reference == "wst423"
    assert m.haz == D("0.00") and m.waz == D("0.00")
    assert m.whz is not None and m.bmiz is not None
    assert m.flags == [] and m.school_class_id == boy.school_class_id
    assert m.measured_by == health_teacher
    assert events(m, "create").count() == 1
    assert enrolments == []


def test_an_obese_child_goes_to_special_care(boy, health_teacher, enrolments):  # noqa: F811
    # 男 100 cm, 20.1 kg: W/H ≥ +2SD, 30.5 % above the median → obesity, moderate
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="100",
                                    weight_kg="20.1")  # fmt: skip
    assert m.obesity and m.obesity_degree == "moderate" and m.wh_median_pct == D("30.5")
    assert len(enrolments) == 1
    call = enrolments[0]
    assert call["category"] == "obesity" and call["severity"] == "moderate" and call["child"] == boy
    assert call["source"] == m and call["on_date"] == TODAY() and call["actor"] == health_teacher


def test_a_stunted_child_goes_to_special_care_as_malnutrition(boy, health_teacher, enrolments):  # noqa: F811
    # 男 48 月 H/A −3SD = 93.3 cm; 92.0 cm is severe stunting
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="92.0",
                                    weight_kg="13.6")  # fmt: skip
    assert m.stunting and m.malnutrition_severity == "severe"
    assert [c["category"] for c in enrolments] == ["malnutrition"]
    assert enrolments[0]["severity"] == "severe"


def test_overweight_is_not_enrolled(boy, health_teacher, enrolments):  # noqa: F811
    # 男 100 cm W/H +1SD 16.6 → overweight only
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="100",
                                    weight_kg="16.6")  # fmt: skip
    assert m.overweight and not m.obesity
    assert enrolments == []


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"measured_on": "future"}, "measured_on"),
        ({"measured_on": "before_birth"}, "measured_on"),
        ({"height_cm": "abc"}, "height_cm"),
        ({"height_cm": "300"}, "height_cm"),
        ({"weight_kg": ""}, "weight_kg"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(boy, health_teacher, kwargs, field):  # noqa: F811
    data = {"measured_on": TODAY(), "height_cm": "104.9", "weight_kg": "16.7", **kwargs}
    if data["measured_on"] == "future":
        data["measured_on"] = TODAY() + dt.timedelta(days=1)
    if data["measured_on"] == "before_birth":
        data["measured_on"] = boy.birth_date - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(actor=health_teacher, child=boy, **data)
    assert field in exc.value.message_dict
    assert not Measurement.objects.exists()


def test_implausible_values_need_a_confirmation(boy, health_teacher):  # noqa: F811
    with pytest.raises(ValidationError) as exc:  # 16.7 kg at 60 cm: typing error
        services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="60",
                                    weight_kg="16.7")  # fmt: skip
    assert any(" = " in m and "…" in m for m in exc.value.messages)  # "<what> z = <z> is outside <low>…<high>."
    assert not Measurement.objects.exists()
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="60",
                                weight_kg="16.7", confirmed=True)  # fmt: skip
    assert Measurement.objects.count() == 1


def test_a_height_lost_since_the_last_measurement_needs_a_confirmation(boy, health_teacher):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY() - dt.timedelta(days=60),
                                height_cm="104.0", weight_kg="16.5")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="101.5",
                                    weight_kg="16.6")  # fmt: skip
    assert "2.5 cm" in " ".join(exc.value.messages)
    # 1.5 cm less is within the measuring error
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="102.5",
                                weight_kg="16.6")  # fmt: skip


def test_one_measurement_a_day_void_to_correct(boy, health_teacher):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="61.7", confirmed=True)  # fmt: skip
    with pytest.raises(ValidationError):
        services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="16.7")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.measurement_void(actor=health_teacher, measurement=m, reason="  ")
    assert exc.value.message_dict["void_reason"] == [gettext("Give a reason.")]
    services.measurement_void(actor=health_teacher, measurement=m, reason="体重录错")
    m.refresh_from_db()
    assert m.is_void and m.void_reason == "体重录错" and m.voided_by == health_teacher and m.voided_at
    assert events(m, "void").count() == 1
    with pytest.raises(ValidationError):
        services.measurement_void(actor=health_teacher, measurement=m, reason="again")
    again = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                        weight_kg="16.7")  # fmt: skip
    assert again.pk != m.pk and Measurement.objects.count() == 2


def test_roles_without_the_permission_cannot_write(boy, childcare, class_teacher):  # noqa: F811
    with pytest.raises(PermissionDenied):
        services.measurement_record(
            actor=childcare, child=boy, measured_on=TODAY(), height_cm="104", weight_kg="16"
        )
    # a class teacher measures but does not record exams
    services.measurement_record(
        actor=class_teacher, child=boy, measured_on=TODAY(), height_cm="104", weight_kg="16"
    )
    with pytest.raises(PermissionDenied):
        services.exam_record(actor=class_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 120})
    assert not Exam.objects.exists()


def test_another_campus_actor_is_refused(boy, outsider):  # noqa: F811
    with pytest.raises(PermissionDenied):
        services.measurement_record(
            actor=outsider, child=boy, measured_on=TODAY(), height_cm="104", weight_kg="16"
        )


def test_who_campus_setting(boy, health_teacher):  # noqa: F811
    set_setting(boy.campus, **{"health.growth.reference": "who"})
    boy.campus.refresh_from_db()
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="16.7")  # fmt: skip
    assert m.reference == "who" and m.height_level == ""  # WHO: no WS/T percentile level


# --- The class grid ------------------------------------------------------------------------------


def test_the_class_grid_saves_every_row_with_bulk_audit(campus, school_class, health_teacher, enrolments):  # noqa: F811
    kids = make_children(campus, school_class, 6)
    rows = [{"child": c, "height_cm": "104.9", "weight_kg": "16.7"} for c in kids[:4]]
    rows.append({"child": kids[4], "height_cm": "", "weight_kg": ""})  # absent: skipped
    rows.append({"child": kids[5].pk, "height_cm": "100", "weight_kg": "20.1"})  # obese
    saved = services.measurements_record_class(actor=health_teacher, school_class=school_class, measured_on=TODAY(),
                                               rows=rows)  # fmt: skip
    assert len(saved) == 5
    assert Measurement.objects.filter(school_class=school_class, measured_on=TODAY()).count() == 5
    assert AuditEvent.objects.filter(content_type__model="measurement", action="create").count() == 5
    assert AuditEvent.objects.filter(content_type__model="measurement", actor=health_teacher).count() == 5
    assert [c["category"] for c in enrolments] == ["obesity"]


def test_the_class_grid_is_all_or_nothing(campus, school_class, health_teacher):  # noqa: F811
    kids = make_children(campus, school_class, 3)
    other = f.ChildFactory(campus=campus)
    rows = [
        {"child": kids[0], "height_cm": "104.9", "weight_kg": "16.7"},
        {"child": kids[1], "height_cm": "1049", "weight_kg": "16.7"},
        {"child": other, "height_cm": "104.9", "weight_kg": "16.7"},
    ]
    with pytest.raises(ValidationError) as exc:
        services.measurements_record_class(actor=health_teacher, school_class=school_class, measured_on=TODAY(),
                                           rows=rows)  # fmt: skip
    errors = exc.value.message_dict
    assert set(errors) == {f"child_{kids[1].pk}", f"child_{other.pk}"}
    assert errors[f"child_{other.pk}"] == [gettext("The child is not in this class.")]
    assert not Measurement.objects.exists()
    with pytest.raises(ValidationError):
        services.measurements_record_class(actor=health_teacher, school_class=school_class, measured_on=TODAY(),
                                           rows=[{"child": kids[0], "height_cm": "", "weight_kg": ""}])  # fmt: skip


def test_the_class_grid_refuses_a_child_already_measured(campus, school_class, health_teacher):  # noqa: F811
    kids = make_children(campus, school_class, 2)
    services.measurement_record(actor=health_teacher, child=kids[0], measured_on=TODAY(), height_cm="104.9",
                                weight_kg="16.7")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.measurements_record_class(
            actor=health_teacher, school_class=school_class, measured_on=TODAY(),
            rows=[{"child": k, "height_cm": "104.9", "weight_kg": "16.7"} for k in kids],
        )  # fmt: skip
    assert list(exc.value.message_dict) == [f"child_{kids[0].pk}"]
    assert Measurement.objects.count() == 1


# --- Exams -----------------------------------------------------------------------------------------


def test_an_exam_grades_anaemia_and_goes_to_special_care(boy, health_teacher, enrolments):  # noqa: F811
    exam = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 98})
    assert exam.anaemia == "mild" and exam.passed is False
    assert [c["category"] for c in enrolments] == ["anaemia"] and enrolments[0]["severity"] == "mild"
    assert enrolments[0]["source"] == exam
    assert events(exam, "create").count() == 1


def test_anaemia_threshold_is_a_campus_setting(boy, health_teacher, enrolments):  # noqa: F811
    set_setting(boy.campus, **{"health.care.anaemia_hb_min": "115"})
    exam = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 112})
    assert exam.anaemia == "mild"


def test_from_six_years_anaemia_is_below_120(campus, school_class, health_teacher, enrolments):  # noqa: F811
    older = f.ChildFactory(campus=campus, school_class=school_class, sex="F", birth_date=months_ago(74))
    assert services.exam_record(actor=health_teacher, child=older, exam_date=TODAY(),
                                data={"hb_g_l": 115}).anaemia == "mild"  # fmt: skip


def test_vision_is_judged_by_age(campus, school_class, health_teacher):  # noqa: F811
    four = f.ChildFactory(campus=campus, school_class=school_class, birth_date=months_ago(50))
    five = f.ChildFactory(campus=campus, school_class=school_class, birth_date=months_ago(62))
    e4 = services.exam_record(actor=health_teacher, child=four, exam_date=TODAY(),
                              data={"vision_left": "4.8", "vision_right": "4.8"})  # fmt: skip
    e5 = services.exam_record(actor=health_teacher, child=five, exam_date=TODAY(),
                              data={"vision_left": "4.8", "vision_right": "4.9"})  # fmt: skip
    assert e4.vision_abnormal is False and e4.passed is True
    assert e5.vision_abnormal is True and e5.passed is False
    diff = services.exam_record(actor=health_teacher, child=four, exam_date=TODAY(), kind="entry",
                                data={"vision_left": "5.0", "vision_right": "4.8"})  # fmt: skip
    assert diff.vision_abnormal is True  # two lines apart


def test_an_explicit_result_wins_and_caries_alone_passes(boy, health_teacher):  # noqa: F811
    e = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"caries_count": 2})
    assert e.passed is True
    e2 = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), kind="entry",
                              data={"hb_g_l": 125, "passed": False, "findings": "心脏杂音"})  # fmt: skip
    assert e2.passed is False


def test_exam_with_height_and_weight_records_the_measurement(boy, health_teacher):  # noqa: F811
    exam = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 125},
                                height_cm="104.9", weight_kg="16.7")  # fmt: skip
    assert exam.measurement is not None and exam.measurement.haz == D("0.00")
    # an exam on a day the class was measured is linked to that measurement
    other_day = TODAY() - dt.timedelta(days=3)
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=other_day, height_cm="104.5",
                                    weight_kg="16.6")  # fmt: skip
    linked = services.exam_record(actor=health_teacher, child=boy, exam_date=other_day, data={"hb_g_l": 121})
    assert linked.measurement == m


def test_one_exam_of_a_kind_a_day_and_void(boy, health_teacher):  # noqa: F811
    exam = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 125})
    with pytest.raises(ValidationError):
        services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 126})
    services.exam_void(actor=health_teacher, exam=exam, reason="录错孩子")
    exam.refresh_from_db()
    assert exam.is_void and events(exam, "void").exists()
    services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 126})


def test_the_exam_grid_is_all_or_nothing(campus, school_class, health_teacher):  # noqa: F811
    kids = make_children(campus, school_class, 3)
    rows = [{"child": kids[0], "hb_g_l": "120"}, {"child": kids[1], "hb_g_l": "12x"}, {"child": kids[2]}]
    with pytest.raises(ValidationError) as exc:
        services.exams_record_class(actor=health_teacher, school_class=school_class, exam_date=TODAY(),
                                    kind="periodic", rows=rows)  # fmt: skip
    assert list(exc.value.message_dict) == [f"child_{kids[1].pk}"]
    assert not Exam.objects.exists()
    rows[1]["hb_g_l"] = "85"
    saved = services.exams_record_class(actor=health_teacher, school_class=school_class, exam_date=TODAY(),
                                        kind="periodic", rows=rows)  # fmt: skip
    assert [e.anaemia for e in saved] == ["", "moderate"]


# --- Entry health cards ------------------------------------------------------------------------------


def test_a_health_card_with_its_photo(boy, health_teacher):  # noqa: F811
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "JPEG")
    photo = SimpleUploadedFile("card.jpg", buf.getvalue(), content_type="image/jpeg")
    boy.enrolled_on = TODAY()
    boy.save()
    card = services.health_card_record(
        actor=health_teacher, child=boy,
        data={"exam_date": TODAY() - dt.timedelta(days=20), "hospital": "西湖区妇幼保健所", "passed": True,
              "vaccination_checked": True, "allergies": "花生"},
        photos=[photo],
    )  # fmt: skip
    from houqin.core.attachments import attachments_for

    assert len(list(attachments_for(card))) == 1
    assert services.card_valid_for_entry(card) is True
    card.exam_date = TODAY() - dt.timedelta(days=31)
    assert services.card_valid_for_entry(card) is False  # a month at most (campus setting)
    set_setting(boy.campus, **{"health.growth.entry_exam_valid_days": "60"})
    assert services.card_valid_for_entry(card, campus=boy.campus) is True
    with pytest.raises(ValidationError):
        services.health_card_record(
            actor=health_teacher, child=boy, data={"exam_date": TODAY(), "hospital": ""}
        )
    services.health_card_void(actor=health_teacher, card=card, reason="换了新表")
    assert HealthCard.objects.get(pk=card.pk).is_void


# --- Due lists and summaries ---------------------------------------------------------------------


def test_due_lists(campus, school_class, health_teacher):  # noqa: F811
    today = TODAY()
    toddler = f.ChildFactory(campus=campus, school_class=school_class, name="小托", birth_date=months_ago(30))
    four = f.ChildFactory(campus=campus, school_class=school_class, name="中中", birth_date=months_ago(50))
    f.ChildFactory(
        campus=campus, school_class=school_class, name="离园", birth_date=months_ago(50), status="left"
    )
    lists = services.due_lists(campus, today)
    names = {k: sorted(e["child"].name for e in v) for k, v in lists.items()}
    assert names["card"] == ["中中", "小托"]
    assert names["measurement"] == ["中中", "小托"] and names["exam"] == ["中中", "小托"]
    assert names["vision"] == ["中中"] and names["hearing"] == ["小托"]
    # measured 2 months ago: not due (quarterly); the toddler's exam 7 months ago: due (twice a year)
    services.measurement_record(actor=health_teacher, child=four, measured_on=today - dt.timedelta(days=60),
                                height_cm="104", weight_kg="16")  # fmt: skip
    services.exam_record(actor=health_teacher, child=toddler, exam_date=today - dt.timedelta(days=213),
                         data={"hb_g_l": 120, "hearing": "pass"})  # fmt: skip
    services.exam_record(actor=health_teacher, child=four, exam_date=today - dt.timedelta(days=213),
                         data={"hb_g_l": 120, "vision_left": "5.0", "vision_right": "5.0"})  # fmt: skip
    lists = services.due_lists(campus, today)
    names = {k: sorted(e["child"].name for e in v) for k, v in lists.items()}
    assert names["measurement"] == ["小托"]
    assert names["exam"] == ["小托"]  # under 3: every 6 months; the 4-year-old yearly
    assert names["hb"] == [] and names["vision"] == [] and names["hearing"] == []
    assert lists["exam"][0]["last"] == today - dt.timedelta(days=213)


def test_re_exam_after_more_than_three_months_away(campus, school_class, health_teacher):  # noqa: F811
    from tests.factories_health import AttendanceRecordFactory, ClassAttendanceFactory

    today = TODAY()
    child = f.ChildFactory(campus=campus, school_class=school_class, birth_date=months_ago(50))
    roll = ClassAttendanceFactory(
        campus=campus, school_class=school_class, date=today - dt.timedelta(days=100)
    )
    AttendanceRecordFactory(roll=roll, child=child)
    assert [e["child"] for e in services.due_lists(campus, today)["reexam"]] == [child]
    services.exam_record(
        actor=health_teacher, child=child, exam_date=today, kind="return", data={"hb_g_l": 121}
    )
    assert services.due_lists(campus, today)["reexam"] == []


def test_class_and_campus_summaries(campus, school_class, health_teacher, enrolments):  # noqa: F811
    kids = make_children(campus, school_class, 4)
    services.measurement_record(actor=health_teacher, child=kids[0], measured_on=TODAY() - dt.timedelta(days=30),
                                height_cm="104.9", weight_kg="16.7")  # fmt: skip
    # the latest measurement counts: kids[0] was normal, is obese now
    services.measurement_record(actor=health_teacher, child=kids[0], measured_on=TODAY(), height_cm="105",
                                weight_kg="22.5")  # fmt: skip
    services.measurement_record(actor=health_teacher, child=kids[1], measured_on=TODAY(), height_cm="92.5",
                                weight_kg="13.6")  # fmt: skip
    services.exam_record(actor=health_teacher, child=kids[2], exam_date=TODAY(), data={"hb_g_l": 100})
    summary = services.class_summary(school_class)
    assert summary["enrolled"] == 4 and summary["measured"] == 2
    assert summary["counts"]["obesity"] == 1 and summary["counts"]["stunting"] == 1
    assert summary["counts"]["anaemia"] == 1 and summary["rates"]["obesity"] == 50.0
    rows = services.campus_summary(campus)
    assert rows[0]["school_class"] == school_class and rows[0]["counts"]["obesity"] == 1


def test_curves_data(boy, health_teacher):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                weight_kg="16.7")  # fmt: skip
    curves = services.child_curves(boy)
    assert curves["reference"] == "wst423"
    hfa = curves["charts"]["hfa"]
    assert hfa["points"] == [[48, 104.9, TODAY().isoformat()]]
    assert [48.0, 104.9] in hfa["lines"]["0"] and [48.0, 97.2] in hfa["lines"]["-2"]
    assert set(curves["charts"]) == {"hfa", "wfa", "bmi"}


def test_advice(boy, health_teacher):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="100",
                                    weight_kg="20.1")  # fmt: skip
    exam = services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 100})
    advice = services.advice_for(m, exam)
    assert len(advice) == 2
    assert services.advice_for(None, None) == [
        gettext("Your child is growing well. Keep a balanced diet, enough sleep and daily outdoor play.")
    ]
