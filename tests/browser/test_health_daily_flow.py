"""Daily health care on a phone (375 px): the class teacher takes attendance for a class of
30 (two absent, one sick), the health teacher does the morning check and sends a feverish
child home with the parent informed, then completes the sick absence's follow-up."""

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from houqin.core.roles import Role
from houqin.health.models import AbsenceFollowUp, ClassAttendance, HealthCheck
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone_for(browser):
    contexts = []

    def make():
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 375, "height": 780}, has_touch=True, is_mobile=True
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def log_in(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_attendance_check_and_follow_up_on_a_phone(live_server, phone_for, artifacts):
    today = timezone.localdate()
    with scopes_disabled():
        campus = f.CampusFactory(code="hd-main", name="示范幼儿园总园")
        year = f.SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=200),
                                   end_date=today + dt.timedelta(days=200))  # fmt: skip
        f.TermFactory(campus=campus, school_year=year, start_date=today - dt.timedelta(days=60),
                      end_date=today + dt.timedelta(days=60), school_weekdays=[0, 1, 2, 3, 4, 5, 6])  # fmt: skip
        teacher = f.UserFactory(username="laoshi", real_name="李晓燕")
        f.MembershipFactory(user=teacher, campus=campus, role=Role.CLASS_TEACHER)
        nurse = f.UserFactory(username="baojian", real_name="周慧")
        f.MembershipFactory(user=nurse, campus=campus, role=Role.HEALTH_TEACHER)
        cls = f.SchoolClassFactory(campus=campus, name="小一班", head_teacher=teacher)
        kids = [f.ChildFactory(campus=campus, school_class=cls, name=f"幼儿{i:02d}", student_no=f"{i:02d}")
                for i in range(1, 31)]  # fmt: skip
    sick, away, feverish = kids[3], kids[10], kids[20]
    base = live_server.url
    q = f"?date={today:%Y-%m-%d}"

    # 1. The class teacher's roll call: 30 children, tap the two who are away.
    phone = phone_for()
    log_in(phone, base, "laoshi")
    started = time.monotonic()
    phone.goto(
        base + reverse("health:daily_attendance_take", kwargs={"campus": campus.code, "class_pk": cls.pk}) + q
    )
    assert phone.locator("[data-testid=child-row]").count() == 30
    assert fits(phone)
    row = phone.locator(f"[data-child='{sick.pk}']")
    row.locator(".hq-tap").click()
    row.locator(f"label[for=r_{sick.pk}_sick]").click()
    row.locator(f"input[name=n_{sick.pk}]").fill("发烧")
    row = phone.locator(f"[data-child='{away.pk}']")
    row.locator(".hq-tap").click()
    row.locator(f"label[for=r_{away.pk}_personal]").click()
    assert phone.locator("[data-absent]").inner_text() == "2"
    assert phone.locator("[data-present]").inner_text() == "28"
    assert fits(phone)
    phone.screenshot(path=str(artifacts / "health-attendance-phone.png"), full_page=True)
    phone.click("[data-testid=submit]")
    phone.wait_for_selector("[data-testid=roll-taken]")
    assert time.monotonic() - started < 60
    with scopes_disabled():
        roll = ClassAttendance.objects.get(school_class=cls, date=today)
        assert (roll.present_count, roll.absent_count, roll.sick_count) == (28, 2, 1)

    # 2. The health teacher's morning check: one child has a fever and is sent home.
    nurse_phone = phone_for()
    log_in(nurse_phone, base, "baojian")
    nurse_phone.goto(base + reverse("health:daily_check_take", kwargs={
        "campus": campus.code, "class_pk": cls.pk, "session": "morning"}) + q)  # fmt: skip
    assert nurse_phone.locator("[data-testid=check-row]").count() == 28  # absent children are not checked
    assert fits(nurse_phone)
    row = nurse_phone.locator(f"[data-child='{feverish.pk}']")
    row.locator(".hq-tap").click()
    row.locator(f"input[name=t_{feverish.pk}]").fill("38.4")
    assert row.locator("[data-testid=fever-hint]").is_visible()
    row.locator(f"input[name=f_{feverish.pk}_touch_abnormal]").check()
    row.locator(f"label[for=g_{feverish.pk}_yellow]").click()
    row.locator(f"label[for=o_{feverish.pk}_sent_home]").click()
    row.locator(f"input[name=ip_{feverish.pk}]").fill("妈妈")
    row.locator(f"select[name=ih_{feverish.pk}]").select_option("phone")
    row.locator(f"input[name=ia_{feverish.pk}]").fill("08:20")
    row.locator(f"input[name=an_{feverish.pk}]").fill("隔离室观察，等妈妈来接")
    assert fits(nurse_phone)
    nurse_phone.screenshot(path=str(artifacts / "health-check-phone.png"), full_page=True)
    nurse_phone.click("[data-testid=submit]")
    nurse_phone.wait_for_selector("[data-testid=check-done]")
    with scopes_disabled():
        check = HealthCheck.objects.get(child=feverish)
        assert check.fever and check.outcome == "sent_home" and check.informed_person == "妈妈"
        assert check.tag == "yellow" and check.touch_abnormal

    # The mother arrives: the handover is recorded on the exception's page.
    nurse_phone.goto(
        base + reverse("health:daily_check_detail", kwargs={"campus": campus.code, "pk": check.pk})
    )
    nurse_phone.fill("#id_collected_by", "妈妈")
    nurse_phone.click("[data-testid=leaving-submit]")
    nurse_phone.wait_for_load_state()
    assert fits(nurse_phone)
    with scopes_disabled():
        check.refresh_from_db()
        assert check.left_at is not None

    # 3. The sick absence's follow-up, the same day.
    with scopes_disabled():
        follow = AbsenceFollowUp.objects.get(child=sick)
    nurse_phone.goto(
        base + reverse("health:daily_followup_list", kwargs={"campus": campus.code}) + "?status=open"
    )
    assert fits(nurse_phone)
    nurse_phone.goto(
        base + reverse("health:daily_followup_detail", kwargs={"campus": campus.code, "pk": follow.pk})
    )
    assert f"child={sick.pk}" in nurse_phone.locator("[data-testid=case-link]").get_attribute("href")
    nurse_phone.fill("#id_symptoms", "发热38.6℃，咳嗽")
    nurse_phone.fill("#id_diagnosis", "上呼吸道感染")
    nurse_phone.fill("#id_expected_return", (today + dt.timedelta(days=2)).isoformat())
    nurse_phone.fill("#id_contacted_person", "妈妈")
    nurse_phone.select_option("#id_contact_method", "phone")
    assert fits(nurse_phone)
    nurse_phone.click("[data-testid=submit]")
    nurse_phone.wait_for_load_state()
    assert fits(nurse_phone)
    nurse_phone.screenshot(path=str(artifacts / "health-followup-phone.png"), full_page=True)
    with scopes_disabled():
        follow.refresh_from_db()
        assert follow.status == "done" and follow.completed_by == nurse and follow.contacted_person == "妈妈"
