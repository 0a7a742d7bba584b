# ruff: noqa: F811 (pytest fixtures imported from care_helpers)
"""The special-care pages: registers (list, filters, export, A4 print), the case page with
its plan, follow-ups, closing and reopening, the due lists, the dashboard cards; who may
see and do what; campus isolation; list queries bounded."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from houqin.health import care_services as cs
from houqin.health.models import CareFollowUp, SpecialCareCase
from tests import factories as f
from tests.health.care_helpers import (  # noqa: F401
    child,
    client_for,
    cook,
    days_ago,
    health_client,
    health_user,
    klass,
    teacher,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(campus, klass, health_user):
    kids = [
        f.ChildFactory(campus=campus, school_class=klass, name=n) for n in ("胖胖", "小芳", "小刚", "乐乐")
    ]
    obese = cs.auto_enrol(actor=health_user, child=kids[0], category="obesity", severity="moderate",
                          on_date=days_ago(45), detail="W/H +2.8 SD")  # fmt: skip
    mild = cs.auto_enrol(
        actor=health_user, child=kids[3], category="obesity", severity="mild", on_date=days_ago(45)
    )
    anaemia = cs.auto_enrol(actor=health_user, child=kids[1], category="anaemia", severity="moderate",
                            on_date=days_ago(40), detail="Hb 85 g/L")  # fmt: skip
    rickets = cs.case_open(actor=health_user, child=kids[2], category="rickets", opened_on=days_ago(10))
    return {"obese": obese, "mild": mild, "anaemia": anaemia, "rickets": rickets}


def url(campus, rest=""):
    return f"/c/{campus.code}/health/care/{rest}"


def test_registers_split_frail_and_obese(campus, cases, health_client):
    frail = health_client.get(url(campus, "frail/")).content.decode()
    assert "小芳" in frail and "小刚" in frail and "胖胖" not in frail
    obese = health_client.get(url(campus, "obese/")).content.decode()
    assert "胖胖" in obese and "乐乐" in obese and "小芳" not in obese
    assert 'data-testid="bp-due-banner"' in obese  # the moderate case needs its blood pressure
    assert 'data-due="overdue"' in obese
    everything = health_client.get(url(campus)).content.decode()
    assert all(n in everything for n in ("胖胖", "小芳", "小刚", "乐乐"))
    filtered = health_client.get(url(campus), {"category": "anaemia"}).content.decode()
    assert "小芳" in filtered and "小刚" not in filtered
    due = health_client.get(url(campus), {"due": "recheck"}).content.decode()
    assert "小芳" in due and "小刚" not in due  # anaemia recheck overdue; rickets in 3 months


def test_bp_due_and_rechecks_due_pages(campus, cases, health_client):
    page = health_client.get(url(campus, "bp-due/")).content.decode()
    assert "胖胖" in page and "乐乐" not in page  # mild obesity: no monthly BP
    cs.follow_up_add(actor=None, case=cases["obese"], date=days_ago(1), bp_systolic=104, bp_diastolic=66)
    page = health_client.get(url(campus, "bp-due/")).content.decode()
    assert "胖胖" not in page
    page = health_client.get(url(campus, "rechecks-due/")).content.decode()
    assert "小芳" in page


def test_register_export_and_print(campus, cases, health_client):
    response = health_client.get(url(campus, "obese/"), {"export": "xlsx"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    names = {r[0] for r in rows[1:]}
    assert names == {"胖胖", "乐乐"}
    printed = health_client.get(url(campus, "frail/print/"), {"category": "anaemia"})
    html = printed.content.decode()
    assert (
        printed.status_code == 200
        and "小芳" in html
        and "小刚" not in html
        and 'data-testid="register-table"' in html
    )
    assert health_client.get(url(campus, "obese/print/")).status_code == 200
    case_print = health_client.get(url(campus, f"{cases['obese'].pk}/print/"))
    assert case_print.status_code == 200 and "W/H +2.8 SD" in case_print.content.decode()


def test_open_a_case_by_hand(campus, klass, health_client):
    kid = f.ChildFactory(campus=campus, school_class=klass, name="早早")
    assert (
        health_client.get(url(campus, "new/"), {"child": kid.pk, "category": "premature"}).status_code == 200
    )
    response = health_client.post(url(campus, "new/"), {
        "child": kid.pk, "category": "premature", "severity": "", "detail": "孕32周早产", "opened_on": str(days_ago(3)),
        "plan_diet": "均衡膳食", "plan_activity": "", "plan_parents": "定期儿保", "plan": "", "recheck_months": "",
    })  # fmt: skip
    case = SpecialCareCase.objects.get(child=kid)
    assert response.status_code == 302 and response["Location"].endswith(f"/care/{case.pk}/")
    assert case.source == "manual" and case.plan_diet == "均衡膳食" and case.opened_on == days_ago(3)
    again = health_client.post(url(campus, "new/"), {"child": kid.pk, "category": "premature", "detail": "x"})
    assert again.status_code == 200 and SpecialCareCase.objects.filter(child=kid).count() == 1
    other = health_client.post(url(campus, "new/"), {"child": kid.pk, "category": "other", "detail": ""})
    assert gettext("Describe the condition.") in other.content.decode()


def test_case_page_follow_up_void_close_reopen(campus, cases, health_client):
    case = cases["anaemia"]
    page = health_client.get(url(campus, f"{case.pk}/"))
    html = page.content.decode()
    assert (
        page.status_code == 200
        and 'data-testid="follow-up-form"' in html
        and 'data-testid="close-panel"' in html
    )
    response = health_client.post(url(campus, f"{case.pk}/follow-ups/"), {"fu-date": str(days_ago(1)), "fu-hb_g_l": "117",
                                                                            "fu-note": "复查"})  # fmt: skip
    assert response.status_code == 302
    fu = CareFollowUp.objects.get(case=case)
    assert fu.hb_g_l == 117
    html = health_client.get(url(campus, f"{case.pk}/")).content.decode()
    assert 'data-recovered="1"' in html
    # a wrong follow-up is refused with the message, nothing saved
    bad = health_client.post(url(campus, f"{case.pk}/follow-ups/"), {"fu-date": str(days_ago(1)), "fu-bp_systolic": "100"},
                             follow=True)  # fmt: skip
    assert gettext("Give both the systolic and the diastolic pressure.") in bad.content.decode()
    assert CareFollowUp.objects.filter(case=case).count() == 1
    # void it: no more recovery, closing as recovered needs a note
    health_client.post(url(campus, f"{case.pk}/follow-ups/{fu.pk}/void/"), {"void-reason": "录错孩子"})
    fu.refresh_from_db()
    assert fu.is_void
    refused = health_client.post(
        url(campus, f"{case.pk}/close/"), {"close-outcome": "recovered"}, follow=True
    )
    assert "alert" in refused.content.decode()
    case.refresh_from_db()
    assert case.is_open
    health_client.post(
        url(campus, f"{case.pk}/close/"), {"close-outcome": "recovered", "close-note": "医院复查正常"}
    )
    case.refresh_from_db()
    assert case.status == "closed" and case.outcome == "recovered"
    html = health_client.get(url(campus, f"{case.pk}/")).content.decode()
    assert 'data-testid="reopen-panel"' in html and 'data-testid="follow-up-form"' not in html
    health_client.post(url(campus, f"{case.pk}/reopen/"), {"reopen-reason": "误结案"})
    case.refresh_from_db()
    assert case.is_open


def test_edit_the_plan(campus, cases, health_client):
    case = cases["obese"]
    assert health_client.get(url(campus, f"{case.pk}/edit/")).status_code == 200
    response = health_client.post(url(campus, f"{case.pk}/edit/"), {
        "severity": "severe", "detail": case.detail, "plan_diet": "少油少糖", "plan_activity": "每天跳绳",
        "plan_parents": "周末记录饮食", "plan": "", "recheck_months": "",
    })  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.severity == "severe" and case.plan_activity == "每天跳绳" and case.plan_updated_at
    cs.case_close(actor=None, case=case, outcome="moved_away")
    assert health_client.get(url(campus, f"{case.pk}/edit/")).status_code == 404


def test_dashboard_cards(campus, cases, health_client):
    from houqin.health.care_registrations import bp_due_card, followups_due_card

    class R:
        pass

    request = R()
    request.campus = campus
    cards = bp_due_card(request)
    assert cards[0].count == 1 and cards[0].level == "danger" and "胖胖" in cards[0].items[0][0]
    cards = followups_due_card(request)
    assert cards[0].count >= 1 and any("小芳" in label for label, _u in cards[0].items)
    home = health_client.get(f"/c/{campus.code}/")
    assert home.status_code == 200
    assert gettext("Blood pressure due (obese children)") in home.content.decode()


def test_permissions(campus, cases, make_member, teacher, cook, outsider_client):
    t, c = client_for(teacher), client_for(cook)
    case = cases["obese"]
    # class teachers see the registers and cases but change nothing
    for path in (
        "",
        "frail/",
        "obese/",
        "bp-due/",
        "rechecks-due/",
        f"{case.pk}/",
        "frail/print/",
        f"{case.pk}/print/",
    ):
        assert t.get(url(campus, path)).status_code == 200, path
        assert c.get(url(campus, path)).status_code == 403, path
        assert outsider_client.get(url(campus, path)).status_code == 404, path
    html = t.get(url(campus, f"{case.pk}/")).content.decode()
    assert 'data-testid="follow-up-form"' not in html
    for path, data in (
        ("new/", {}),
        (f"{case.pk}/edit/", {}),
        (f"{case.pk}/follow-ups/", {"fu-date": str(days_ago(1)), "fu-note": "x"}),
        (f"{case.pk}/close/", {"close-outcome": "moved_away"}),
        (f"{case.pk}/reopen/", {"reopen-reason": "x"}),
    ):
        assert t.post(url(campus, path), data).status_code == 403, path
    assert t.get(url(campus, "new/")).status_code == 403
    assert not CareFollowUp.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.is_open


def test_another_campus_case_is_404(campus, other_campus, health_client):
    kid = f.ChildFactory(campus=other_campus, name="外园孩子")
    foreign = cs.case_open(actor=None, child=kid, category="rickets")
    for path in (f"{foreign.pk}/", f"{foreign.pk}/print/", f"{foreign.pk}/edit/"):
        assert health_client.get(url(campus, path)).status_code == 404
    assert (
        health_client.post(url(campus, f"{foreign.pk}/close/"), {"close-outcome": "moved_away"}).status_code
        == 404
    )
    assert "外园孩子" not in health_client.get(url(campus)).content.decode()
    foreign.refresh_from_db()
    assert foreign.is_open
    # a child of another campus cannot be chosen
    response = health_client.post(url(campus, "new/"), {"child": kid.pk, "category": "heart"})
    assert response.status_code == 200 and SpecialCareCase.objects.filter(child=kid).count() == 1


def test_register_queries_do_not_grow(campus, klass, health_client):
    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert health_client.get(url(campus, path)).status_code == 200
        return len(ctx)

    def make(n):
        for _ in range(n):
            kid = f.ChildFactory(campus=campus, school_class=klass)
            case = cs.auto_enrol(
                actor=None, child=kid, category="obesity", severity="moderate", on_date=days_ago(40)
            )
            cs.follow_up_add(actor=None, case=case, date=days_ago(35), bp_systolic=100, bp_diastolic=60,
                             weight_kg=25)  # fmt: skip
            cs.follow_up_add(actor=None, case=case, date=days_ago(5), weight_kg=24)

    make(2)
    paths = ("", "obese/", "bp-due/", "obese/print/")
    small = [count(p) for p in paths]
    make(30)
    assert [count(p) for p in paths] == small
