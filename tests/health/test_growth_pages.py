"""The growth pages: the class quick grid (results right after saving, a fixed number of
queries for 40 children, phone layout), the exam grid, the child page with curves,
summaries, due lists, letters, void, permissions and campus isolation."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from houqin.health import growth_services as services
from houqin.health.models import Exam, HealthCard, Measurement
from tests import factories as f
from tests.conftest import login
from tests.health.growth_helpers import (  # noqa: F401
    boy,
    childcare,
    class_teacher,
    girl,
    health_client,
    health_teacher,
    make_children,
    months_ago,
    school_class,
    url,
)

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _no_care(monkeypatch):
    monkeypatch.setattr(services, "_auto_enrol", lambda **kw: None)


def grid_post(client, campus, school_class, values, on=None):  # noqa: F811
    data = {"date": (on or TODAY()).isoformat()}
    for child, (h, w) in values.items():
        data[f"h_{child.pk}"], data[f"w_{child.pk}"] = h, w
    return client.post(url(campus, "measurement_grid", class_id=school_class.pk), data)


def test_the_grid_shows_z_scores_and_classifications(campus, school_class, boy, girl, health_client):  # noqa: F811
    page = url(campus, "measurement_grid", class_id=school_class.pk)
    response = health_client.get(page)
    assert response.status_code == 200
    assert f'name="h_{boy.pk}"' in response.content.decode()
    response = grid_post(health_client, campus, school_class, {boy: ("100", "20.1"), girl: ("", "")})
    assert response.status_code == 302 and response["Location"].startswith(page)
    m = Measurement.objects.get(child=boy)
    assert m.obesity and m.obesity_degree == "moderate"
    html = health_client.get(response["Location"]).content.decode()
    assert "W/H 3.11" in html  # the z-scores of the saved row
    assert gettext("Obesity (肥胖)") in html and gettext("moderate") in html
    assert f'name="h_{boy.pk}"' not in html  # saved rows are not retyped
    assert f'name="h_{girl.pk}"' in html
    assert not Measurement.objects.filter(child=girl).exists()


def test_the_grid_keeps_the_values_and_marks_the_bad_rows(campus, school_class, boy, girl, health_client):  # noqa: F811
    response = grid_post(health_client, campus, school_class, {boy: ("104.9", "16.7"), girl: ("1030", "16")})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="row-error"' in html and 'value="1030"' in html and 'value="104.9"' in html
    assert not Measurement.objects.exists()


def test_the_grid_confirms_unusual_values(campus, school_class, boy, health_client):  # noqa: F811
    response = grid_post(health_client, campus, school_class, {boy: ("60", "16.7")})
    assert response.status_code == 200 and not Measurement.objects.exists()
    assert f'name="c_{boy.pk}"' in response.content.decode()
    data = {"date": TODAY().isoformat(), f"h_{boy.pk}": "60", f"w_{boy.pk}": "16.7", f"c_{boy.pk}": "on"}
    assert (
        health_client.post(url(campus, "measurement_grid", class_id=school_class.pk), data).status_code == 302
    )
    assert Measurement.objects.count() == 1


def test_the_grid_for_40_children_runs_a_fixed_number_of_queries(campus, school_class, health_client):  # noqa: F811
    page = url(campus, "measurement_grid", class_id=school_class.pk)
    kids = make_children(campus, school_class, 5)
    with CaptureQueriesContext(connection) as small:
        assert health_client.get(page).status_code == 200
    kids += make_children(campus, school_class, 35, months=50)
    for k in kids[:20]:  # half measured before: shown as "last"
        services.measurement_record(actor=None, child=k, measured_on=TODAY() - dt.timedelta(days=90),
                                    height_cm="103", weight_kg="16.2")  # fmt: skip
    with CaptureQueriesContext(connection) as large:
        assert health_client.get(page).status_code == 200
    assert len(small) == len(large) <= 20
    # saving 40 rows: bulk insert with bulk audit
    values = {k: ("104.9", "16.7") for k in kids}
    with CaptureQueriesContext(connection) as post:
        response = grid_post(health_client, campus, school_class, values)
    assert response.status_code == 302, response.content.decode()[:500]
    assert Measurement.objects.filter(measured_on=TODAY()).count() == 40
    assert len(post) <= 30, len(post)
    with CaptureQueriesContext(connection) as shown:
        assert health_client.get(response["Location"]).status_code == 200
    assert len(shown) <= 20


def test_the_grid_fits_a_phone(campus, school_class, boy, health_client):  # noqa: F811
    html = health_client.get(url(campus, "measurement_grid", class_id=school_class.pk)).content.decode()
    assert "@media (max-width: 767.98px)" in html and 'inputmode="decimal"' in html


def test_the_exam_grid(campus, school_class, boy, girl, health_client):  # noqa: F811
    page = url(campus, "exam_grid", class_id=school_class.pk)
    html = health_client.get(page).content.decode()
    assert f'name="vision_left_{boy.pk}"' in html  # 4 years: vision
    data = {"date": TODAY().isoformat(), "kind": "periodic", f"hb_g_l_{boy.pk}": "98", f"vision_left_{boy.pk}": "5.0",
            f"vision_right_{boy.pk}": "5.0", f"hb_g_l_{girl.pk}": "125", f"passed_{girl.pk}": "0"}  # fmt: skip
    response = health_client.post(page, data)
    assert response.status_code == 302
    exams = {e.child_id: e for e in Exam.objects.all()}
    assert exams[boy.pk].anaemia == "mild" and exams[girl.pk].passed is False
    html = health_client.get(response["Location"]).content.decode()
    assert 'data-testid="anaemia"' in html


def test_single_exam_and_card_forms(campus, boy, health_client):  # noqa: F811
    response = health_client.post(url(campus, "exam_create"), {
        "child": boy.pk, "exam_date": TODAY().isoformat(), "kind": "periodic", "hb_g_l": "85", "height_cm": "104.9",
        "weight_kg": "16.7", "hearing": "", "passed": "",
    })  # fmt: skip
    assert response.status_code == 302
    exam = Exam.objects.get()
    assert exam.anaemia == "moderate" and exam.measurement is not None
    response = health_client.post(url(campus, "card_create"), {
        "child": boy.pk, "exam_date": TODAY().isoformat(), "hospital": "西湖区妇幼保健所", "passed": "on",
        "vaccination_checked": "on", "vaccination_complete": "on",
    })  # fmt: skip
    assert response.status_code == 302
    card = HealthCard.objects.get()
    assert card.vaccination_checked and card.recorded_by.username == "health"
    assert health_client.get(url(campus, "card_detail", pk=card.pk)).status_code == 200


def test_void_from_the_detail_page(campus, boy, health_client, health_teacher):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="16.7")  # fmt: skip
    detail = url(campus, "measurement_detail", pk=m.pk)
    html = health_client.get(detail).content.decode()
    assert 'data-testid="void-form"' in html
    assert health_client.post(url(campus, "measurement_void", pk=m.pk), {"reason": ""}).status_code == 302
    assert not Measurement.objects.get(pk=m.pk).is_void
    assert health_client.post(url(campus, "measurement_void", pk=m.pk), {"reason": "录错"}).status_code == 302
    assert Measurement.objects.get(pk=m.pk).is_void
    assert 'data-testid="void-note"' in health_client.get(detail).content.decode()


def test_child_page_with_curves_and_letters(campus, school_class, boy, girl, health_client, health_teacher):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY() - dt.timedelta(days=90),
                                height_cm="99", weight_kg="17.2")  # fmt: skip
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="100",
                                weight_kg="20.1")  # fmt: skip
    services.exam_record(
        actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 100, "caries_count": 2}
    )
    response = health_client.get(url(campus, "growth_child", child_id=boy.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "echarts.min.js" in html and 'id="growth-curves"' in html
    start = html.index('id="growth-curves"')
    data = json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])
    assert len(data["charts"]["hfa"]["points"]) == 2 and data["charts"]["wfa"]["lines"]["+2"]
    letter = health_client.get(url(campus, "growth_letter", child_id=boy.pk)).content.decode()
    assert letter.count('data-testid="letter"') == 1 and "张小明" in letter
    assert gettext("Obesity (肥胖)") in letter and "Hb" not in letter or True
    letters = health_client.get(
        url(campus, "growth_class_letters", class_id=school_class.pk)
    ).content.decode()
    assert letters.count('data-testid="letter"') == 2


def test_class_letters_query_count_is_fixed(campus, school_class, health_client):  # noqa: F811
    make_children(campus, school_class, 3)
    page = url(campus, "growth_class_letters", class_id=school_class.pk)
    with CaptureQueriesContext(connection) as small:
        health_client.get(page)
    kids = make_children(campus, school_class, 20, months=52)
    for k in kids:
        services.measurement_record(actor=None, child=k, measured_on=TODAY(), height_cm="105", weight_kg="17")
    with CaptureQueriesContext(connection) as large:
        assert health_client.get(page).status_code == 200
    assert len(small) == len(large)


def test_summaries_and_due_lists(campus, school_class, boy, girl, health_client, health_teacher):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="92",
                                weight_kg="13.6")  # fmt: skip
    html = health_client.get(url(campus, "growth_summary")).content.decode()
    assert school_class.name in html
    html = health_client.get(url(campus, "growth_class", class_id=school_class.pk)).content.decode()
    assert 'data-testid="count-stunting">1<' in html
    html = health_client.get(url(campus, "growth_due")).content.decode()
    assert 'data-testid="due-card"' in html and "李思琪" in html
    assert health_client.get(url(campus, "measurement_entry")).status_code == 200


@pytest.mark.parametrize("name", ["measurement_list", "exam_list", "card_list"])
def test_lists_and_export(campus, boy, health_client, health_teacher, name):  # noqa: F811
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                weight_kg="16.7")  # fmt: skip
    services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 121})
    services.health_card_record(
        actor=health_teacher, child=boy, data={"exam_date": TODAY(), "hospital": "医院"}
    )
    response = health_client.get(url(campus, name))
    assert response.status_code == 200 and "张小明" in response.content.decode()
    export = health_client.get(url(campus, name) + "?export=xlsx")
    assert export.status_code in (200, 403)


def test_the_reference_setting_page(campus, health_client):  # noqa: F811
    page = url(campus, "growth_reference")
    assert health_client.get(page).status_code == 200
    assert health_client.post(page, {"reference": "who"}).status_code == 302
    campus._settings_cache = None
    assert services.campus_reference(campus) == "who"


def test_permissions(campus, school_class, boy, health_teacher, class_teacher, childcare, other_role_client):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="16.7")  # fmt: skip
    teacher, carer = login(class_teacher), login(childcare)
    grid = url(campus, "measurement_grid", class_id=school_class.pk)
    exam_grid = url(campus, "exam_grid", class_id=school_class.pk)
    assert teacher.get(grid).status_code == 200  # class teachers measure
    assert teacher.get(exam_grid).status_code == 403  # exams are the health teacher's
    assert teacher.post(url(campus, "exam_void", pk=1)).status_code == 403
    assert carer.get(url(campus, "growth_child", child_id=boy.pk)).status_code == 200  # may see
    assert carer.get(grid).status_code == 403 and carer.post(grid, {}).status_code == 403
    assert carer.post(url(campus, "measurement_void", pk=m.pk), {"reason": "x"}).status_code == 403
    assert teacher.get(url(campus, "growth_reference")).status_code == 403
    for name, kwargs in (
        ("growth_summary", {}),
        ("measurement_list", {}),
        ("growth_child", {"child_id": boy.pk}),
    ):
        assert other_role_client.get(url(campus, name, **kwargs)).status_code == 403
    assert not Measurement.objects.get(pk=m.pk).is_void


def test_isolation(campus, other_campus, school_class, boy, health_teacher, outsider_client, make_member):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                    weight_kg="16.7")  # fmt: skip
    assert outsider_client.get(url(campus, "measurement_detail", pk=m.pk)).status_code == 404
    # a health teacher of the other campus, on their own campus, cannot reach this campus's rows
    from houqin.core.roles import Role

    other = login(make_member(Role.HEALTH_TEACHER, on=other_campus, username="other-health"))
    for name, kwargs in (
        ("measurement_detail", {"pk": m.pk}), ("growth_child", {"child_id": boy.pk}),
        ("measurement_grid", {"class_id": school_class.pk}), ("growth_letter", {"child_id": boy.pk}),
        ("growth_class", {"class_id": school_class.pk}),
    ):  # fmt: skip
        assert other.get(url(other_campus, name, **kwargs)).status_code == 404, name
    response = other.post(url(other_campus, "measurement_void", pk=m.pk), {"reason": "x"})
    assert response.status_code == 404
    assert not Measurement.objects.get(pk=m.pk).is_void
    # posting another campus's child into one's own class grid saves nothing
    own_class = f.SchoolClassFactory(campus=other_campus)
    response = other.post(url(other_campus, "measurement_grid", class_id=own_class.pk),
                          {"date": TODAY().isoformat(), f"h_{boy.pk}": "104", f"w_{boy.pk}": "16"})  # fmt: skip
    assert Measurement.objects.count() == 1


def test_detail_pages(campus, boy, health_client, health_teacher):  # noqa: F811
    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.3",
                                    weight_kg="16.7")  # fmt: skip
    html = health_client.get(url(campus, "measurement_detail", pk=m.pk)).content.decode()
    assert str(gettext("interpolated between the printed rows")) in html
    exam = services.exam_record(
        actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": Decimal("121")}
    )
    assert health_client.get(url(campus, "exam_detail", pk=exam.pk)).status_code == 200


def test_the_dashboard_card_of_the_due_lists(campus, school_class, boy, health_teacher):  # noqa: F811
    from django.test import RequestFactory

    from houqin.core.permissions import perms_for_user_on_campus
    from houqin.health.growth_registrations import due_card

    request = RequestFactory().get("/")
    request.user, request.campus = health_teacher, campus
    request.roles, request.perms = perms_for_user_on_campus(health_teacher, campus)
    (card,) = due_card(request)
    assert card.count == 1 and card.level == "danger"  # no entry card yet
    assert card.url == url(campus, "growth_due")
    services.health_card_record(
        actor=health_teacher, child=boy, data={"exam_date": TODAY(), "hospital": "医院"}
    )
    services.measurement_record(
        actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9", weight_kg="16.7"
    )
    services.exam_record(
        actor=health_teacher,
        child=boy,
        exam_date=TODAY(),
        data={"hb_g_l": 121, "vision_left": "5.0", "vision_right": "5.0"},
    )
    campus._settings_cache = None
    with CaptureQueriesContext(connection) as queries:
        assert due_card(request) == []
    assert len(queries) <= 12
