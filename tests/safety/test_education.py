"""Safety education: the monthly plan, lesson records, the 1530 talks due from the term
calendar, and activity safety plans approved through core.approvals."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.core import approvals
from houqin.core.models import Holiday
from houqin.safety import services
from houqin.safety.models import ActivityPlan, EducationRecord, EducationTheme, SafetyTalk
from tests import factories as f
from tests.conftest import login
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db
D = dt.date


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def term(campus):
    """1 Sep (Tue) – 16 Oct 2026 (Fri); 国庆 1–7 Oct off; Sunday 27 Sep a make-up school day."""
    term = f.TermFactory(
        campus=campus, start_date=D(2026, 9, 1), end_date=D(2026, 10, 16), school_weekdays=[0, 1, 2, 3, 4]
    )
    f.HolidayFactory(term=term, name="国庆节", start_date=D(2026, 10, 1), end_date=D(2026, 10, 7))
    f.HolidayFactory(
        term=term,
        name="调休上课",
        kind=Holiday.Kind.MAKEUP,
        start_date=D(2026, 9, 27),
        end_date=D(2026, 9, 27),
    )
    return term


def test_1530_due_list_follows_the_calendar(term):
    due = {(d, slot): (minutes, reason) for d, slot, minutes, reason in services.talk_due_list(term)}
    leaving, arrival = SafetyTalk.Slot.LEAVING, SafetyTalk.Slot.ARRIVAL
    assert due[(D(2026, 9, 1), arrival)] == (30, "holiday")  # start of term
    assert due[(D(2026, 9, 1), leaving)] == (1, "daily")
    assert due[(D(2026, 9, 2), leaving)] == (1, "daily") and (D(2026, 9, 2), arrival) not in due
    assert due[(D(2026, 9, 4), leaving)] == (5, "weekend")  # Friday
    assert due[(D(2026, 9, 7), arrival)] == (5, "weekend")  # Monday
    # the make-up Sunday: Friday 25 Sep is followed by one day off only
    assert due[(D(2026, 9, 25), leaving)] == (5, "weekend")
    assert due[(D(2026, 9, 27), arrival)] == (5, "weekend")
    assert due[(D(2026, 9, 27), leaving)] == (1, "daily")
    assert (D(2026, 9, 28), arrival) not in due
    # before and after the national-day holiday
    assert due[(D(2026, 9, 30), leaving)] == (30, "holiday")
    assert not any(D(2026, 10, 1) <= d <= D(2026, 10, 7) for d, _s in due)
    assert due[(D(2026, 10, 8), arrival)] == (30, "holiday")
    assert due[(D(2026, 10, 16), leaving)] == (30, "holiday")  # end of term
    until = services.talk_due_list(term, until=D(2026, 9, 7))
    assert [d for d, *_r in until][-1] == D(2026, 9, 7) and len(until) == 7


def test_1530_recording_and_completion(campus, people, term):
    cls = f.SchoolClassFactory(campus=campus)
    other = f.SchoolClassFactory(campus=campus)
    talk = services.safety_talk_record(
        actor=people["teacher"],
        term=term,
        school_class=cls,
        date=D(2026, 9, 4),
        slot="leaving",
        topic="周末安全",
    )
    assert talk.minutes == 5
    with pytest.raises(ValidationError):  # twice
        services.safety_talk_record(
            actor=people["teacher"], term=term, school_class=cls, date=D(2026, 9, 4), slot="leaving"
        )
    with pytest.raises(ValidationError):  # nothing due on arrival that Friday
        services.safety_talk_record(
            actor=people["teacher"], term=term, school_class=cls, date=D(2026, 9, 4), slot="arrival"
        )
    with pytest.raises(ValidationError):  # a holiday
        services.safety_talk_record(
            actor=people["teacher"], term=term, school_class=cls, date=D(2026, 10, 2), slot="leaving"
        )
    services.safety_talk_record(
        actor=people["teacher"], term=term, school_class=cls, date=D(2026, 9, 1), slot="arrival"
    )
    completion = services.talk_completion(term, [cls, other], until=D(2026, 9, 4))
    assert completion[cls.pk] == (2, 5)  # 1 Sep: arrival + leaving; 2, 3, 4 Sep: leaving
    assert completion[other.pk] == (0, 5)


def test_1530_pages(campus, people, term):
    cls = f.SchoolClassFactory(campus=campus, head_teacher=people["teacher"])
    teacher = login(people["teacher"])
    response = teacher.post(
        url(campus, "talk_record", pk=cls.pk),
        {"date": "2026-09-30", "slot": "leaving", "topic": "国庆假期安全"},
    )
    assert response.status_code == 302
    assert SafetyTalk.objects.get(school_class=cls).minutes == 30
    overview = teacher.get(url(campus, "talk_overview"), {"term": term.pk})
    assert overview.status_code == 200
    page = teacher.get(url(campus, "talk_class", pk=cls.pk), {"term": term.pk})
    assert page.status_code == 200 and page.context["done"] == 1
    assert login(people["cook"]).get(url(campus, "talk_overview")).status_code == 403


def test_monthly_plan_prefill_and_records(campus, people, term):
    created = services.education_plan_prefill(actor=people["head"], term=term)
    assert [t.month for t in created] == [D(2026, 9, 1), D(2026, 10, 1)]
    assert created[0].title == "开学安全第一课"
    assert services.education_plan_prefill(actor=people["head"], term=term) == []  # kept, not doubled
    spring = f.TermFactory(campus=campus, name="第二学期", start_date=D(2027, 2, 22), end_date=D(2027, 7, 9))
    titles = [t.title for t in services.education_plan_prefill(actor=people["head"], term=spring)]
    assert titles[:5] == [
        "开学安全第一课",
        "食品安全“三个一”",
        "消防安全月",
        "“一盔一带”交通安全",
        "防溺水安全教育",
    ]
    cls = f.SchoolClassFactory(campus=campus, head_teacher=people["teacher"])
    teacher = login(people["teacher"])
    theme = created[0]
    response = teacher.post(
        url(campus, "education_record", pk=theme.pk),
        {"school_class": cls.pk, "held_on": "2026-09-08", "note": "观看安全视频", "photos": [png()]},
    )
    assert response.status_code == 302
    record = EducationRecord.objects.get()
    assert record.teacher == people["teacher"] and services.attachments_for(record).count() == 1
    with pytest.raises(ValidationError):
        services.education_record_save(
            actor=people["teacher"], theme=theme, school_class=cls, held_on=D(2026, 9, 9)
        )
    plan = teacher.get(url(campus, "education_plan"), {"term": term.pk})
    row = plan.context["rows"][0]
    assert row["done"] == 1
    with pytest.raises(ValidationError):  # a month outside the term
        EducationTheme(campus=campus, term=term, month=D(2026, 12, 1), title="x").full_clean()


def test_theme_editing_needs_manage_education(campus, people, term):
    assert login(people["teacher"]).get(url(campus, "education_theme_create")).status_code == 403
    response = login(people["head"]).post(
        url(campus, "education_theme_create"),
        {"term": term.pk, "month": "2026-09-15", "title": "防拐骗", "per_class": "on"},
    )
    assert response.status_code == 302
    assert EducationTheme.objects.get().month == D(2026, 9, 1)


def test_activity_plan_goes_through_approval(campus, people):
    teacher = login(people["teacher"])
    start = (timezone.localtime() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    response = teacher.post(
        url(campus, "activity_create"),
        {"title": "寻找秋天", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "destination": "植物园",
         "children_count": 25, "adults_count": 5, "responsible": people["teacher"].pk,
         "risks": "走失", "measures": "每10分钟清点人数", "submit": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    plan = ActivityPlan.objects.get()
    assert plan.status == ActivityPlan.Status.PENDING
    approval = approvals.current_request(plan)
    assert approval.kind == services.ACTIVITY_PLAN_KIND and approval.current_role == "logistics_head"
    approvals.approve(actor=people["head"], approval=approval)
    approval.refresh_from_db()
    approvals.approve(actor=people["principal"], approval=approval)
    plan.refresh_from_db()
    assert plan.status == ActivityPlan.Status.APPROVED
    assert teacher.get(url(campus, "activity_detail", pk=plan.pk)).status_code == 200
    assert teacher.get(url(campus, "activity_print", pk=plan.pk)).status_code == 200
    assert teacher.get(url(campus, "activity_update", pk=plan.pk)).status_code == 403  # approved: frozen


def test_activity_plan_rejected_then_edited_and_withdrawn(campus, people):
    plan = services.activity_plan_save(
        actor=people["teacher"], campus=campus,
        data={"title": "亲子游", "starts_at": timezone.now() + dt.timedelta(days=9), "destination": "动物园",
              "risks": "乘车", "measures": "有资质车辆"},
    )  # fmt: skip
    approval = services.activity_plan_submit(actor=people["teacher"], plan=plan)
    approvals.reject(actor=people["head"], approval=approval, comment="补充乘车安全措施")
    plan.refresh_from_db()
    assert plan.status == ActivityPlan.Status.REJECTED
    services.activity_plan_save(
        actor=people["teacher"], campus=campus, data={"measures": "有资质车辆，每车两名教师"}, plan=plan
    )
    services.activity_plan_submit(actor=people["teacher"], plan=plan)
    services.activity_plan_withdraw(actor=people["teacher"], plan=plan)
    plan.refresh_from_db()
    assert plan.status == ActivityPlan.Status.WITHDRAWN
