# ruff: noqa: F811 (pytest fixtures imported from care_helpers)
"""Special-care rules: automatic and manual enrolment, due dates (recheck, monthly blood
pressure for moderate+ obesity), follow-ups voided not edited, closing and reopening."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.core.models import AuditEvent, Child
from houqin.core.settings_services import campus_settings_update
from houqin.health import care_services as cs
from houqin.health.models import CareFollowUp, SpecialCareCase
from tests import factories as f
from tests.health.care_helpers import (  # noqa: F401
    child,
    days_ago,
    exam,
    health_user,
    klass,
    measurement,
    teacher,
)

pytestmark = pytest.mark.django_db


def events(obj, action=None):
    qs = AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return qs.filter(action=action) if action else qs


def set_setting(campus, member, **values):
    campus_settings_update(actor=member, campus=campus, values=values)
    campus._settings_cache = None
    if hasattr(campus, "_settings_cache"):
        del campus._settings_cache


# --- auto_enrol -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "category,severity",
    [("obesity", "mild"), ("obesity", "moderate"), ("malnutrition", "severe"), ("anaemia", "mild")],
)
def test_auto_enrol_opens_one_case_and_is_idempotent(child, health_user, category, severity):
    case = cs.auto_enrol(actor=health_user, child=child, category=category, severity=severity, source="test",
                         on_date=days_ago(3), detail="finding")  # fmt: skip
    assert case is not None and case.is_open and case.source == "auto"
    assert (case.category, case.severity, case.opened_on, case.detail) == (
        category,
        severity,
        days_ago(3),
        "finding",
    )
    again = cs.auto_enrol(actor=health_user, child=child, category=category, severity=severity, source="test",
                          on_date=days_ago(1), detail="later")  # fmt: skip
    assert again.pk == case.pk
    assert SpecialCareCase.objects.filter(child=child, category=category).count() == 1
    assert events(case, "create").count() == 1
    # another category is another case
    other = "anaemia" if category != "anaemia" else "obesity"
    assert (
        cs.auto_enrol(actor=None, child=child, category=other, severity="moderate", on_date=days_ago(1)).pk
        != case.pk
    )


def test_auto_enrol_records_the_source_object(child, health_user):
    source = f.SchoolClassFactory(campus=child.campus)  # any saved row stands for the measurement
    case = cs.auto_enrol(actor=health_user, child=child, category="obesity", severity="mild", source=source)
    assert case.origin == f"core.schoolclass:{source.pk}"


def test_auto_enrol_raises_the_severity_of_the_open_case(child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="obesity", severity="mild", on_date=days_ago(40)
    )
    assert case.bp_due_on is None
    again = cs.auto_enrol(actor=health_user, child=child, category="obesity", severity="moderate",
                          on_date=days_ago(2), detail="+3 SD")  # fmt: skip
    case.refresh_from_db()
    assert again.pk == case.pk and case.severity == "moderate" and case.detail == "+3 SD"
    assert case.bp_due_on == case.opened_on  # BP now needed, none taken yet
    assert events(case, "update").exists()
    # a milder later result does not lower it
    cs.auto_enrol(actor=health_user, child=child, category="obesity", severity="mild", on_date=days_ago(1))
    case.refresh_from_db()
    assert case.severity == "moderate"


def test_auto_enrol_after_a_closed_case_opens_a_new_one(child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="anaemia", severity="moderate", on_date=days_ago(60)
    )
    cs.case_close(actor=health_user, case=case, outcome="moved_away", closed_on=days_ago(10))
    new = cs.auto_enrol(
        actor=health_user, child=child, category="anaemia", severity="mild", on_date=days_ago(1)
    )
    assert new.pk != case.pk and new.is_open


def test_auto_enrol_skips_children_not_enrolled_and_mild_anaemia_when_the_campus_says_so(
    campus, member, child, health_user
):
    left = f.ChildFactory(campus=campus, status=Child.Status.LEFT)
    assert cs.auto_enrol(actor=health_user, child=left, category="obesity", severity="mild") is None
    set_setting(campus, member, **{"health.care.anaemia_enrol_from": "moderate"})
    child.campus.refresh_from_db()
    child = Child.objects.get(pk=child.pk)
    assert cs.auto_enrol(actor=health_user, child=child, category="anaemia", severity="mild") is None
    assert cs.auto_enrol(actor=health_user, child=child, category="anaemia", severity="moderate") is not None


def test_auto_enrol_needs_no_permission_but_a_known_category(child, teacher):
    assert cs.auto_enrol(actor=teacher, child=child, category="malnutrition", severity="moderate") is not None
    with pytest.raises(ValueError):
        cs.auto_enrol(actor=teacher, child=child, category="rickets", severity="")
    with pytest.raises(ValueError):
        cs.auto_enrol(actor=teacher, child=child, category="obesity", severity="huge")


# --- Manual entry -----------------------------------------------------------------------------


@pytest.mark.parametrize("category", [c for c in SpecialCareCase.Category.values])
def test_case_open_by_hand_for_every_category(child, health_user, category):
    case = cs.case_open(actor=health_user, child=child, category=category, severity="", opened_on=days_ago(5),
                        detail="描述", plan={"plan_diet": " 少油 ", "recheck_months": 2})  # fmt: skip
    assert case.source == "manual" and case.plan_diet == "少油" and case.plan_updated_at is not None
    assert case.next_recheck_on == cs.add_months(days_ago(5), 2)
    assert case.register == ("obese" if category == "obesity" else "frail")
    assert events(case, "create").exists()


def test_case_open_refusals(campus, child, health_user, teacher):
    cs.case_open(actor=health_user, child=child, category="rickets")
    with pytest.raises(ValidationError) as exc:
        cs.case_open(actor=health_user, child=child, category="rickets")
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        cs.case_open(actor=health_user, child=child, category="other", detail="  ")
    assert exc.value.message_dict["detail"] == [gettext("Describe the condition.")]
    with pytest.raises(ValidationError) as exc:
        cs.case_open(actor=health_user, child=child, category="heart", opened_on=days_ago(-1))
    assert exc.value.message_dict["opened_on"] == [gettext("The date is in the future.")]
    left = f.ChildFactory(campus=campus, status=Child.Status.LEFT)
    with pytest.raises(ValidationError):
        cs.case_open(actor=health_user, child=left, category="heart")
    with pytest.raises(PermissionDenied):
        cs.case_open(actor=teacher, child=child, category="heart")
    assert SpecialCareCase.objects.filter(child=child).count() == 1


# --- Due dates --------------------------------------------------------------------------------


def test_recheck_intervals_follow_the_campus_settings(campus, member, child, health_user):
    anaemia = cs.case_open(actor=health_user, child=child, category="anaemia", opened_on=dt.date(2026, 1, 31))
    assert anaemia.next_recheck_on == dt.date(2026, 2, 28)  # 1 month, end of month kept
    rickets = cs.case_open(actor=health_user, child=child, category="rickets", opened_on=dt.date(2026, 1, 10))
    assert rickets.next_recheck_on == dt.date(2026, 4, 10)  # 3 months
    set_setting(campus, member, **{"health.care.anaemia_recheck_months": 3})
    c = SpecialCareCase.objects.get(pk=anaemia.pk)
    assert cs.recheck_interval(c) == 3
    # a follow-up without Hb does not count as the Hb recheck of anaemia; one with Hb does
    cs.follow_up_add(actor=health_user, case=c, date=dt.date(2026, 2, 10), note="电话随访")
    c.refresh_from_db()
    assert c.next_recheck_on == dt.date(2026, 4, 30)
    cs.follow_up_add(actor=health_user, case=c, date=dt.date(2026, 2, 20), hb_g_l=104)
    c.refresh_from_db()
    assert c.next_recheck_on == dt.date(2026, 5, 20)


def test_monthly_blood_pressure_for_moderate_and_severe_obesity_only(campus, child, health_user):
    other = f.ChildFactory(campus=campus, school_class=child.school_class)
    third = f.ChildFactory(campus=campus, school_class=child.school_class)
    mild = cs.auto_enrol(
        actor=health_user, child=child, category="obesity", severity="mild", on_date=days_ago(50)
    )
    moderate = cs.auto_enrol(actor=health_user, child=other, category="obesity", severity="moderate",
                             on_date=days_ago(50))  # fmt: skip
    severe = cs.auto_enrol(
        actor=health_user, child=third, category="obesity", severity="severe", on_date=days_ago(5)
    )
    assert not mild.needs_bp and mild.bp_due_on is None
    assert moderate.needs_bp and moderate.bp_due_on == days_ago(50)  # due since it was opened
    due = list(cs.bp_due(campus))
    assert due == [moderate, severe]  # most overdue first; the mild case is never listed
    # a blood pressure moves the due date a month on; a follow-up without one does not
    cs.follow_up_add(actor=health_user, case=moderate, date=days_ago(20), bp_systolic=105, bp_diastolic=65)
    moderate.refresh_from_db()
    assert moderate.bp_due_on == days_ago(20) + dt.timedelta(days=30)
    assert moderate not in cs.bp_due(campus)  # due in 10 days, beyond the 7-day warning
    cs.follow_up_add(actor=health_user, case=moderate, date=days_ago(1), weight_kg=Decimal("25.1"))
    moderate.refresh_from_db()
    assert moderate.bp_due_on == days_ago(20) + dt.timedelta(days=30)
    # voiding the blood pressure brings the due date back
    bp = CareFollowUp.objects.get(case=moderate, bp_systolic=105)
    cs.follow_up_void(actor=health_user, follow_up=bp, reason="量错了")
    moderate.refresh_from_db()
    assert moderate.bp_due_on == days_ago(50) and moderate in cs.bp_due(campus)
    # a mild case changed to moderate by hand needs it too
    cs.case_update(actor=health_user, case=mild, data={"severity": "moderate"})
    mild.refresh_from_db()
    assert mild.bp_due_on == days_ago(50)


def test_rechecks_due_lists_due_and_overdue_open_cases(campus, child, health_user):
    overdue = cs.case_open(actor=health_user, child=child, category="anaemia", opened_on=days_ago(40))
    other = f.ChildFactory(campus=campus, school_class=child.school_class)
    later = cs.case_open(actor=health_user, child=other, category="rickets", opened_on=days_ago(10))
    assert list(cs.rechecks_due(campus)) == [overdue]
    assert later.next_recheck_on > days_ago(-7)


# --- Follow-ups -----------------------------------------------------------------------------------


def test_follow_up_refusals(child, health_user, teacher):
    case = cs.case_open(
        actor=health_user, child=child, category="obesity", severity="moderate", opened_on=days_ago(10)
    )
    bad = [
        ({"date": days_ago(11), "weight_kg": Decimal("20")}, "date"),
        ({"date": days_ago(-1), "weight_kg": Decimal("20")}, "date"),
        ({"bp_systolic": 100}, "bp_diastolic"),
        ({"bp_systolic": 60, "bp_diastolic": 80}, "bp_diastolic"),
        ({"weight_kg": Decimal("400")}, "weight_kg"),
        ({"hb_g_l": 10}, "hb_g_l"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as exc:
            cs.follow_up_add(actor=health_user, case=case, **kwargs)
        assert field in exc.value.message_dict, kwargs
    with pytest.raises(ValidationError) as exc:
        cs.follow_up_add(actor=health_user, case=case)
    assert exc.value.messages == [gettext("Record at least one measurement or a note.")]
    with pytest.raises(PermissionDenied):
        cs.follow_up_add(actor=teacher, case=case, note="x")
    assert not CareFollowUp.objects.filter(case=case).exists()
    fu = cs.follow_up_add(actor=health_user, case=case, bp_systolic=110, bp_diastolic=70, note="ok")
    assert fu.recorded_by == health_user and events(fu, "create").exists()
    with pytest.raises(ValidationError):
        cs.follow_up_void(actor=health_user, follow_up=fu, reason=" ")
    cs.follow_up_void(actor=health_user, follow_up=fu, reason="录错了孩子")
    fu.refresh_from_db()
    assert fu.is_void and fu.void_reason == "录错了孩子" and events(fu, "void").exists()
    with pytest.raises(ValidationError):
        cs.follow_up_void(actor=health_user, follow_up=fu, reason="again")


# --- Closing ---------------------------------------------------------------------------------------


def test_closing_anaemia_as_recovered_needs_a_normal_hb_or_a_reason(child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="anaemia", severity="moderate", on_date=days_ago(60)
    )
    with pytest.raises(ValidationError) as exc:
        cs.case_close(actor=health_user, case=case, outcome="recovered")
    assert "note" in exc.value.message_dict
    cs.follow_up_add(actor=health_user, case=case, date=days_ago(30), hb_g_l=105)
    with pytest.raises(ValidationError):  # 105 < 110: not recovered
        cs.case_close(actor=health_user, case=case, outcome="recovered")
    cs.follow_up_add(actor=health_user, case=case, date=days_ago(2), hb_g_l=116)
    assert cs.latest_result(case)["recovered"] is True
    closed = cs.case_close(actor=health_user, case=case, outcome="recovered", closed_on=days_ago(1))
    assert closed.status == "closed" and closed.outcome == "recovered" and closed.closed_by == health_user
    assert closed.next_recheck_on is None and closed.bp_due_on is None
    event = events(case, "close").get()
    assert "116" in event.message
    with pytest.raises(ValidationError):
        cs.case_close(actor=health_user, case=closed, outcome="moved_away")


def test_anaemia_threshold_is_higher_from_six_years(campus, health_user):
    older = f.ChildFactory(campus=campus, birth_date=days_ago(365 * 7))
    case = cs.case_open(actor=health_user, child=older, category="anaemia", opened_on=days_ago(30))
    cs.follow_up_add(actor=health_user, case=case, date=days_ago(1), hb_g_l=115)
    assert cs.latest_result(case)["recovered"] is False  # 115 < 120 at 7 years


def test_closing_as_recovered_with_an_explicit_reason(child, health_user):
    case = cs.case_open(actor=health_user, child=child, category="respiratory", opened_on=days_ago(100))
    assert cs.latest_result(case) is None
    closed = cs.case_close(
        actor=health_user, case=case, outcome="recovered", note="半年未再感染，医生同意结案"
    )
    assert closed.close_note == "半年未再感染，医生同意结案"
    assert "医生同意结案" in events(case, "close").get().message


def test_closing_obesity_from_the_latest_measurement(campus, member, child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="obesity", severity="mild", on_date=days_ago(90)
    )
    measurement(child, days_ago(95), flags=("obesity",))  # before the case: ignored
    measurement(child, days_ago(30), flags=("overweight",))
    assert cs.latest_result(case)["recovered"] is False  # still overweight (default rule)
    with pytest.raises(ValidationError):
        cs.case_close(actor=health_user, case=case, outcome="recovered")
    measurement(child, days_ago(5), flags=("obesity",), void=True)  # a void one does not count
    measurement(child, days_ago(3))
    assert cs.latest_result(case)["recovered"] is True
    cs.case_close(actor=health_user, case=case, outcome="recovered")


def test_obesity_exit_rule_setting(campus, member, child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="obesity", severity="mild", on_date=days_ago(90)
    )
    measurement(child, days_ago(3), flags=("overweight",))
    set_setting(campus, member, **{"health.care.obesity_exit": "obesity"})
    case = SpecialCareCase.objects.select_related("campus", "child").get(pk=case.pk)
    assert cs.latest_result(case)["recovered"] is True


def test_closing_malnutrition_from_the_latest_measurement(child, health_user):
    case = cs.auto_enrol(actor=health_user, child=child, category="malnutrition", severity="moderate",
                         on_date=days_ago(60))  # fmt: skip
    measurement(child, days_ago(20), flags=("underweight",), severity="moderate")
    assert cs.latest_result(case)["recovered"] is False
    measurement(child, days_ago(2))
    assert cs.latest_result(case)["recovered"] is True


def test_anaemia_result_from_an_exam(child, health_user):
    case = cs.auto_enrol(
        actor=health_user, child=child, category="anaemia", severity="mild", on_date=days_ago(60)
    )
    exam(child, days_ago(10), hb=118)
    result = cs.latest_result(case)
    assert result["recovered"] is True and result["date"] == days_ago(10)


def test_other_outcomes_and_reopening(child, health_user, teacher):
    case = cs.case_open(actor=health_user, child=child, category="heart", opened_on=days_ago(30))
    with pytest.raises(ValidationError) as exc:
        cs.case_close(actor=health_user, case=case, outcome="other")
    assert exc.value.message_dict["note"] == [gettext("Say why the case is closed.")]
    with pytest.raises(ValidationError):
        cs.case_close(actor=health_user, case=case, outcome="moved_away", closed_on=days_ago(31))
    with pytest.raises(ValidationError):
        cs.case_close(actor=health_user, case=case, outcome="nonsense")
    with pytest.raises(PermissionDenied):
        cs.case_close(actor=teacher, case=case, outcome="moved_away")
    case.refresh_from_db()
    assert case.is_open
    closed = cs.case_close(actor=health_user, case=case, outcome="moved_away")
    with pytest.raises(ValidationError):
        cs.follow_up_add(actor=health_user, case=closed, note="x")
    with pytest.raises(ValidationError):
        cs.case_reopen(actor=health_user, case=closed, reason="")
    reopened = cs.case_reopen(actor=health_user, case=closed, reason="误操作")
    assert reopened.is_open and reopened.outcome == "" and reopened.closed_on is None
    assert reopened.next_recheck_on is not None
    assert events(case, "reopen").get().message == "误操作"
    # a second open case of the category blocks reopening the first
    cs.case_close(actor=health_user, case=reopened, outcome="moved_away")
    cs.case_open(actor=health_user, child=child, category="heart")
    with pytest.raises(ValidationError):
        cs.case_reopen(actor=health_user, case=reopened, reason="again")


def test_plan_update_is_audited_and_refused_when_closed(child, health_user):
    case = cs.case_open(actor=health_user, child=child, category="obesity", severity="mild")
    cs.case_update(actor=health_user, case=case, data={"plan_activity": "每天跳绳", "recheck_months": 2})
    case.refresh_from_db()
    assert case.plan_activity == "每天跳绳" and case.next_recheck_on == cs.add_months(case.opened_on, 2)
    event = events(case, "update").latest("id")
    assert event.after["plan_activity"] == "每天跳绳"
    with pytest.raises(ValueError):
        cs.case_update(actor=health_user, case=case, data={"status": "closed"})
    cs.case_close(actor=health_user, case=case, outcome="moved_away")
    with pytest.raises(ValidationError):
        cs.case_update(actor=health_user, case=case, data={"plan": "x"})
