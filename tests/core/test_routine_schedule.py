"""Schedule rules of the routines engine (pure functions over a term calendar) and the
idempotent generation of checks."""

import datetime as dt

import pytest
from django.utils import timezone

from houqin.core import demo, routines
from houqin.core.models import AuditEvent, Holiday, RoutineOccurrence, RoutineTemplate
from houqin.core.routines import TermCalendar, occurrence_dates
from houqin.core.services import object_save
from tests import factories as f

pytestmark = pytest.mark.django_db
D = dt.date
F = RoutineTemplate.Frequency


@pytest.fixture
def terms(campus):
    """The demo calendar: autumn 2026-09-01 – 2027-01-22 (中秋 9/25–27, 国庆 10/1–7, make-up
    days Sun 9/20 and Sat 10/10, 元旦 1/1–3), spring 2027-02-22 – 07-09 (清明, 劳动节, 端午)."""
    made = demo.make_calendar(campus, lambda obj, campus=None: object_save(actor=None, instance=obj, campus=campus))
    return made[(campus.code, "autumn")], made[(campus.code, "spring")]


@pytest.fixture
def autumn(terms):
    return terms[0]


@pytest.fixture
def spring(terms):
    return terms[1]


def tpl(**kwargs):
    """An unsaved template: the rules need nothing but its frequency fields."""
    return RoutineTemplate(name="检查", **kwargs)


def dates(template, term, start=None, end=None):
    return occurrence_dates(template, term, start, end)


# --- daily ---------------------------------------------------------------------------------


def test_daily_skips_weekends_and_holidays_and_includes_make_up_days(autumn):
    days = dates(tpl(frequency=F.DAILY), autumn)
    assert days[0] == D(2026, 9, 1) and days[-1] == D(2027, 1, 22)
    assert D(2026, 9, 20) in days  # Sunday make-up day
    assert D(2026, 10, 10) in days  # Saturday make-up day
    for holiday in (D(2026, 9, 25), D(2026, 10, 1), D(2026, 10, 7), D(2027, 1, 1)):
        assert holiday not in days
    assert D(2026, 9, 5) not in days  # an ordinary Saturday
    assert all(d.weekday() < 5 for d in days if d not in (D(2026, 9, 20), D(2026, 10, 10)))
    assert days == TermCalendar(autumn).school_days == autumn.school_days()


def test_daily_every_calendar_day_when_not_school_days_only(autumn):
    days = dates(tpl(frequency=F.DAILY, school_days_only=False), autumn)
    assert len(days) == (autumn.end_date - autumn.start_date).days + 1
    assert D(2026, 10, 1) in days and D(2026, 9, 5) in days


def test_nothing_outside_the_term_and_range_is_clipped(autumn):
    template = tpl(frequency=F.DAILY, school_days_only=False)
    assert dates(template, autumn, D(2026, 8, 1), D(2026, 8, 31)) == []
    assert dates(template, autumn, D(2027, 1, 20), D(2027, 2, 10)) == [D(2027, 1, 20), D(2027, 1, 21), D(2027, 1, 22)]
    assert dates(template, autumn, D(2026, 10, 3), D(2026, 10, 3)) == [D(2026, 10, 3)]


# --- weekdays and every N weeks -----------------------------------------------------------------


def test_every_monday_is_skipped_in_the_national_day_week(autumn):
    days = dates(tpl(frequency=F.WEEKDAYS, weekdays=[0]), autumn)
    assert all(d.weekday() == 0 for d in days)
    assert D(2026, 10, 5) not in days  # 国庆: none that week, not moved
    assert not any(D(2026, 10, 5) <= d <= D(2026, 10, 11) for d in days)
    assert D(2026, 9, 28) in days and D(2026, 10, 12) in days
    assert D(2026, 8, 31) not in days  # the Monday before the term


def test_monday_and_thursday_tableware_boiling(autumn):
    days = dates(tpl(frequency=F.WEEKDAYS, weekdays=[0, 3]), autumn, D(2026, 9, 28), D(2026, 10, 16))
    assert days == [D(2026, 9, 28), D(2026, 10, 8), D(2026, 10, 12), D(2026, 10, 15)]


def test_make_up_saturday_does_not_count_as_a_monday(autumn):
    days = dates(tpl(frequency=F.WEEKDAYS, weekdays=[5]), autumn)
    assert days == [D(2026, 10, 10)]  # only the Saturday that is a school day


def test_every_two_weeks_on_thursday_counts_from_the_term_start(autumn):
    days = dates(tpl(frequency=F.EVERY_N_WEEKS, interval_weeks=2, weekday=3), autumn, end=D(2026, 11, 15))
    # 9/3, 9/17, (10/1 National Day: skipped), 10/15, 10/29, 11/12
    assert days == [D(2026, 9, 3), D(2026, 9, 17), D(2026, 10, 15), D(2026, 10, 29), D(2026, 11, 12)]


def test_every_two_weeks_anchored_on_another_week(autumn):
    template = tpl(frequency=F.EVERY_N_WEEKS, interval_weeks=2, weekday=3, anchor_date=D(2026, 9, 9))
    days = dates(template, autumn, end=D(2026, 10, 31))
    assert days == [D(2026, 9, 10), D(2026, 9, 24), D(2026, 10, 8), D(2026, 10, 22)]
    # an anchor before or after the term keeps the same rhythm
    later = tpl(frequency=F.EVERY_N_WEEKS, interval_weeks=2, weekday=3, anchor_date=D(2027, 3, 11))
    assert dates(later, autumn, end=D(2026, 10, 31)) == days


def test_every_three_weeks(autumn):
    days = dates(tpl(frequency=F.EVERY_N_WEEKS, interval_weeks=3, weekday=1), autumn, end=D(2026, 10, 31))
    assert days == [D(2026, 9, 1), D(2026, 9, 22), D(2026, 10, 13)]


# --- monthly ---------------------------------------------------------------------------------


def test_monthly_on_the_31st_uses_the_last_day_and_moves_off_days(autumn, spring):
    template = tpl(frequency=F.MONTHLY_DAY, month_day=31)
    assert dates(template, autumn) == [
        D(2026, 9, 30),  # September has 30 days
        D(2026, 11, 2),  # Sat 10/31 → next school day
        D(2026, 11, 30),
        D(2026, 12, 31),
        # 1/31 is after the term: none
    ]
    spring_days = dates(template, spring)
    assert spring_days[0] == D(2027, 3, 1)  # Sun 2/28 (not a leap year) → Monday
    assert D(2027, 4, 30) in spring_days and D(2027, 6, 30) in spring_days


def test_monthly_on_the_31st_without_moving(autumn, spring):
    template = tpl(frequency=F.MONTHLY_DAY, month_day=31, school_days_only=False)
    assert dates(template, spring)[0] == D(2027, 2, 28)
    assert D(2026, 10, 31) in dates(template, autumn)


def test_february_29_in_a_leap_year(campus):
    year = f.SchoolYearFactory(campus=campus, name="2027—2028学年", start_date=D(2027, 8, 1), end_date=D(2028, 7, 31))
    term = f.TermFactory(campus=campus, school_year=year, name="2028春", start_date=D(2028, 2, 14), end_date=D(2028, 6, 30))
    assert dates(tpl(frequency=F.MONTHLY_DAY, month_day=31), term)[0] == D(2028, 2, 29)  # a Tuesday
    assert dates(tpl(frequency=F.MONTHLY_DAY, month_day=30), term)[0] == D(2028, 2, 29)


def test_monthly_on_the_first_moves_to_the_next_school_day(autumn, spring):
    template = tpl(frequency=F.MONTHLY_DAY, month_day=1)
    assert dates(template, autumn) == [D(2026, 9, 1), D(2026, 10, 8), D(2026, 11, 2), D(2026, 12, 1), D(2027, 1, 4)]
    # 2/1 is before the spring term: its first school day, still in February
    assert dates(template, spring)[:2] == [D(2027, 2, 22), D(2027, 3, 1)]


def test_a_month_day_before_the_term_in_another_month_is_dropped(campus):
    year = f.SchoolYearFactory(campus=campus, name="学年X", start_date=D(2026, 8, 1), end_date=D(2027, 7, 31))
    term = f.TermFactory(campus=campus, school_year=year, name="X", start_date=D(2026, 9, 1), end_date=D(2026, 12, 31))
    # 8/31 is not in the term's months at all; 9/30 is in it
    assert dates(tpl(frequency=F.MONTHLY_DAY, month_day=30), term)[0] == D(2026, 9, 30)


def test_first_monday_and_last_friday(autumn):
    first_monday = dates(tpl(frequency=F.MONTHLY_NTH_WEEKDAY, nth=1, weekday=0), autumn)
    assert first_monday == [D(2026, 9, 7), D(2026, 10, 8), D(2026, 11, 2), D(2026, 12, 7), D(2027, 1, 4)]
    last_friday = dates(tpl(frequency=F.MONTHLY_NTH_WEEKDAY, nth=-1, weekday=4), autumn)
    # 9/25 is 中秋 → Monday 9/28; January's last Friday (1/29) is after the term
    assert last_friday == [D(2026, 9, 28), D(2026, 10, 30), D(2026, 11, 27), D(2026, 12, 25)]
    third_wednesday = dates(tpl(frequency=F.MONTHLY_NTH_WEEKDAY, nth=3, weekday=2), autumn)
    assert third_wednesday[:2] == [D(2026, 9, 16), D(2026, 10, 21)]


def test_a_moved_date_before_the_range_still_counts(autumn):
    """Generating 10/8–10/14 includes October's first-of-month check, moved from 10/1."""
    template = tpl(frequency=F.MONTHLY_DAY, month_day=1)
    assert dates(template, autumn, D(2026, 10, 8), D(2026, 10, 14)) == [D(2026, 10, 8)]
    assert dates(template, autumn, D(2026, 10, 1), D(2026, 10, 7)) == []


# --- termly and yearly -------------------------------------------------------------------------


def test_term_start_mid_and_end(autumn):
    assert dates(tpl(frequency=F.TERM_START), autumn) == [D(2026, 9, 1)]
    assert dates(tpl(frequency=F.TERM_END), autumn) == [D(2027, 1, 22)]
    mid = autumn.start_date + (autumn.end_date - autumn.start_date) // 2  # 2026-11-11, a Wednesday
    assert dates(tpl(frequency=F.TERMLY, term_points=["start", "mid", "end"]), autumn) == [
        D(2026, 9, 1),
        mid,
        D(2027, 1, 22),
    ]


def test_term_points_with_offsets_move_to_school_days(autumn):
    assert dates(tpl(frequency=F.TERM_END, offset_days=-7), autumn) == [D(2027, 1, 15)]
    assert dates(tpl(frequency=F.TERM_END, offset_days=-5), autumn) == [D(2027, 1, 18)]  # Sun → Mon
    assert dates(tpl(frequency=F.TERM_END, offset_days=10), autumn) == [D(2027, 1, 22)]  # never after the term
    assert dates(tpl(frequency=F.TERM_START, offset_days=-10), autumn) == [D(2026, 9, 1)]  # never before
    # 国庆 falls on the start + 30 days: moved to the first school day after it
    assert dates(tpl(frequency=F.TERM_START, offset_days=30), autumn) == [D(2026, 10, 8)]


def test_term_start_on_a_holiday_moves_to_the_first_school_day(campus):
    year = f.SchoolYearFactory(campus=campus, name="学年Y", start_date=D(2026, 8, 1), end_date=D(2027, 7, 31))
    term = f.TermFactory(campus=campus, school_year=year, name="Y", start_date=D(2026, 10, 1), end_date=D(2026, 12, 31))
    f.HolidayFactory(term=term, campus=campus, name="国庆节", start_date=D(2026, 10, 1), end_date=D(2026, 10, 7))
    assert dates(tpl(frequency=F.TERM_START), term) == [D(2026, 10, 8)]
    f.HolidayFactory(term=term, campus=campus, name="放假", start_date=D(2026, 12, 28), end_date=D(2026, 12, 31))
    assert dates(tpl(frequency=F.TERM_END), term) == [D(2026, 12, 25)]  # the last school day before


def test_yearly(autumn, spring):
    november = tpl(frequency=F.YEARLY, month=11, month_day=10)
    may = tpl(frequency=F.YEARLY, month=5, month_day=10)
    assert dates(november, autumn) == [D(2026, 11, 10)]
    assert dates(november, spring) == []
    assert dates(may, autumn) == []
    assert dates(may, spring) == [D(2027, 5, 10)]
    # 5/1 is 劳动节 (5/1–5/5) → Thursday 5/6
    assert dates(tpl(frequency=F.YEARLY, month=5, month_day=1), spring) == [D(2027, 5, 6)]
    # 2/29 in a year without it → the last day of February (a Sunday) → Monday 3/1
    assert dates(tpl(frequency=F.YEARLY, month=2, month_day=29), spring) == [D(2027, 3, 1)]
    # a date before the term in the same month → the term's first school day
    assert dates(tpl(frequency=F.YEARLY, month=2, month_day=14), spring) == [D(2027, 2, 22)]


def test_a_make_up_day_can_receive_a_moved_check(autumn):
    """10/10 is a Saturday make-up school day: a monthly check on the 10th stays there."""
    assert D(2026, 10, 10) in dates(tpl(frequency=F.MONTHLY_DAY, month_day=10), autumn)
    # Saturday 9/19 moves to the next school day: Sunday 9/20, a make-up day
    assert dates(tpl(frequency=F.MONTHLY_DAY, month_day=19), autumn)[0] == D(2026, 9, 20)


def test_calendar_change_is_picked_up(autumn):
    """A holiday added later removes the days it covers."""
    template = tpl(frequency=F.DAILY)
    assert D(2026, 12, 24) in dates(template, autumn)
    f.HolidayFactory(term=autumn, campus=autumn.campus, name="校庆", start_date=D(2026, 12, 24), end_date=D(2026, 12, 24))
    autumn.refresh_from_db()
    assert D(2026, 12, 24) not in dates(template, autumn)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"frequency": F.WEEKDAYS, "weekdays": []}, "weekdays"),
        ({"frequency": F.WEEKDAYS, "weekdays": [7]}, "weekdays"),
        ({"frequency": F.EVERY_N_WEEKS, "interval_weeks": 2}, "weekday"),
        ({"frequency": F.MONTHLY_DAY}, "month_day"),
        ({"frequency": F.MONTHLY_NTH_WEEKDAY, "weekday": 0}, "nth"),
        ({"frequency": F.YEARLY, "month_day": 10}, "month"),
        ({"frequency": F.YEARLY, "month": 2, "month_day": 30}, "month_day"),
        ({"frequency": F.TERMLY, "term_points": []}, "term_points"),
        ({"frequency": F.TERMLY, "term_points": ["later"]}, "term_points"),
        ({"window_start": dt.time(9), "window_end": dt.time(8)}, "window_end"),
        ({"responsible_role": ""}, "responsible_role"),
    ],
)
def test_frequency_validation(campus, fields, field):
    from django.core.exceptions import ValidationError

    template = RoutineTemplate(campus=campus, name="检查", **fields)
    with pytest.raises(ValidationError) as exc:
        template.full_clean()
    assert field in exc.value.message_dict


def test_frequency_labels():
    assert tpl(frequency=F.WEEKDAYS, weekdays=[0, 3]).frequency_label
    assert "2" in tpl(frequency=F.EVERY_N_WEEKS, interval_weeks=2, weekday=3).frequency_label
    for kind in F.values:
        t = tpl(frequency=kind, weekdays=[0], weekday=0, nth=1, month=5, month_day=1, term_points=["mid"])
        assert t.frequency_label


# --- windows and generation ---------------------------------------------------------------------


def test_window_with_days_allowed(campus):
    template = tpl(window_start=dt.time(8), window_end=dt.time(17), grace_days=3)
    start, end = routines.occurrence_window(template, D(2026, 11, 2))
    assert timezone.localtime(start).replace(tzinfo=None) == dt.datetime(2026, 11, 2, 8, 0)
    assert timezone.localtime(end).replace(tzinfo=None) == dt.datetime(2026, 11, 5, 17, 0)
    whole_day = routines.occurrence_window(tpl(), D(2026, 11, 2))
    assert timezone.localtime(whole_day[1]).replace(tzinfo=None) == dt.datetime(2026, 11, 3, 0, 0)


def _aware(*args):
    return timezone.make_aware(dt.datetime(*args))


def test_generation_is_idempotent(campus, autumn):
    daily = f.RoutineTemplateFactory(campus=campus, frequency=F.DAILY, window_start=dt.time(7), window_end=dt.time(8))
    monday = f.RoutineTemplateFactory(campus=campus, frequency=F.WEEKDAYS, weekdays=[0])
    now = _aware(2026, 9, 28, 6, 0)
    kwargs = {"campus": campus, "start": D(2026, 9, 28), "until": D(2026, 10, 12), "now": now}
    created = routines.generate_occurrences(**kwargs)
    # daily: 9/28–9/30 + 10/8, 10/9, 10/10 (make-up), 10/12; Mondays: 9/28 and 10/12
    assert created == 7 + 2
    assert routines.generate_occurrences(**kwargs) == 0
    assert routines.generate_occurrences(campus=campus, start=D(2026, 9, 28), until=D(2026, 10, 20), now=now) == 6 + 1
    assert RoutineOccurrence.objects.filter(template=daily).count() == 13
    assert RoutineOccurrence.objects.filter(template=monday).count() == 3
    occ = RoutineOccurrence.objects.get(template=daily, date=D(2026, 10, 10))
    assert timezone.localtime(occ.window_start).hour == 7 and occ.status == "pending"
    assert AuditEvent.objects.filter(action="routines_generate", campus=campus).count() == 2


def test_generation_skips_windows_already_over_unless_back_filling(campus, autumn):
    f.RoutineTemplateFactory(campus=campus, frequency=F.DAILY, window_start=dt.time(7), window_end=dt.time(8))
    now = _aware(2026, 9, 28, 9, 0)
    assert routines.generate_occurrences(campus=campus, start=D(2026, 9, 28), until=D(2026, 9, 29), now=now) == 1
    assert routines.generate_occurrences(
        campus=campus, start=D(2026, 9, 21), until=D(2026, 9, 29), now=now, backfill=True
    ) == 5  # 9/21–9/24 and 9/28 (9/25 is 中秋; 9/29 exists)


def test_generation_respects_campus_and_active_flag(campus, other_campus, autumn):
    f.RoutineTemplateFactory(campus=campus, frequency=F.DAILY)
    f.RoutineTemplateFactory(campus=campus, frequency=F.DAILY, is_active=False)
    f.RoutineTemplateFactory(campus=other_campus, frequency=F.DAILY)  # no term there: nothing
    now = _aware(2026, 9, 28, 6)
    assert routines.generate_occurrences(start=D(2026, 9, 28), until=D(2026, 9, 28), now=now) == 1


def test_mark_missed_after_the_last_day(campus, autumn):
    template = f.RoutineTemplateFactory(campus=campus, window_start=dt.time(7), window_end=dt.time(8))
    monthly = f.RoutineTemplateFactory(campus=campus, frequency=F.MONTHLY_DAY, month_day=1, grace_days=3)
    routines.generate_occurrences(campus=campus, start=D(2026, 11, 2), until=D(2026, 11, 3), now=_aware(2026, 11, 2, 6))
    # same day, after the window: overdue, not missed yet
    assert routines.mark_missed(now=_aware(2026, 11, 2, 20)) == 0
    assert RoutineOccurrence.objects.get(template=template, date=D(2026, 11, 2)).is_overdue
    assert routines.mark_missed(now=_aware(2026, 11, 3, 0, 5)) == 1
    assert RoutineOccurrence.objects.get(template=template, date=D(2026, 11, 2)).status == "missed"
    # the monthly check has days allowed until 11/5
    assert RoutineOccurrence.objects.get(template=monthly).status == "pending"
    assert routines.mark_missed(now=_aware(2026, 11, 6, 0, 5)) == 2
    assert AuditEvent.objects.filter(action="routines_missed", campus=campus).count() == 2
    assert routines.mark_missed(now=_aware(2026, 11, 6, 0, 10)) == 0


def test_tick_job(campus, autumn, monkeypatch):
    f.RoutineTemplateFactory(campus=campus, frequency=F.DAILY)
    summary = routines.routines_tick(_aware(2026, 11, 2, 6))
    assert "8 generated" not in summary  # weekends are not school days
    assert RoutineOccurrence.objects.filter(campus=campus).count() == 6  # 11/2–11/6 and 11/9
    assert routines.routines_tick(_aware(2026, 11, 2, 6, 5)).startswith("routine checks: 0 generated")


def test_changing_the_schedule_cancels_and_restores_open_checks(campus, autumn, member):
    template = f.RoutineTemplateFactory(campus=campus, frequency=F.WEEKDAYS, weekdays=[0, 3])
    now = _aware(2026, 11, 2, 6)
    routines.generate_occurrences(campus=campus, start=D(2026, 11, 2), until=D(2026, 11, 12), now=now)
    assert sorted(RoutineOccurrence.objects.values_list("date", flat=True)) == [
        D(2026, 11, 2), D(2026, 11, 5), D(2026, 11, 9), D(2026, 11, 12)
    ]  # fmt: skip
    template.weekdays = [0]
    changed = routines.resync_template(template, actor=member, now=now)
    assert changed["cancelled"] == 2
    assert set(RoutineOccurrence.objects.filter(status="cancelled").values_list("date", flat=True)) == {
        D(2026, 11, 5), D(2026, 11, 12)
    }  # fmt: skip
    template.weekdays = [0, 3]
    assert routines.resync_template(template, actor=member, now=now)["restored"] == 2
    template.is_active = False
    assert routines.resync_template(template, actor=member, now=now)["cancelled"] == 4


def test_holiday_kinds_are_respected(campus):
    year = f.SchoolYearFactory(campus=campus, name="学年Z", start_date=D(2026, 8, 1), end_date=D(2027, 7, 31))
    term = f.TermFactory(campus=campus, school_year=year, name="Z", start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    f.HolidayFactory(term=term, campus=campus, name="补课", kind=Holiday.Kind.MAKEUP, start_date=D(2026, 9, 6), end_date=D(2026, 9, 6))
    days = dates(tpl(frequency=F.DAILY), term)
    assert D(2026, 9, 6) in days and D(2026, 9, 5) not in days
