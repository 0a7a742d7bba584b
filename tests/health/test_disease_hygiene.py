"""Disinfection (library routines, concentration tests with redo), health education (lessons
per class per month, the month grid, the publicity board reminder), the dashboard cards,
the tick job and the demo data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from houqin.core import routine_library, routines
from houqin.core.dashboard import attention_for
from houqin.core.models import AuditEvent, RoutineItem
from houqin.health import disease_services as services
from houqin.health.models import ConcentrationTest, HealthLesson, PublicityBoardChange
from tests import factories as f
from tests.conftest import login
from tests.health.disease_helpers import at, diseases, kids, klass, people, png  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# --- Routine library ---------------------------------------------------------------------------


def test_preventive_disinfection_routines_in_the_library(people, campus):  # noqa: F811
    keys = {"health.ventilation", "health.toy_cup_towel", "health.disease.toys_weekly", "health.disease.bedding",
            "health.disease.uv_lamp"}  # fmt: skip
    assert keys <= set(routine_library.BY_KEY)
    assert routine_library.get("health.disease.bedding").frequency == {
        "frequency": "every_n_weeks", "interval_weeks": 2, "weekday": 4,
    }  # fmt: skip
    assert routine_library.get("health.disease.toys_weekly").frequency["frequency"] == "weekdays"
    created = routines.routine_enable_from_library(actor=people["principal"], campus=campus,
                                                   library_keys=["health.disease.uv_lamp", "health.ventilation"])  # fmt: skip
    uv = next(t for t in created if "紫外线" in t.name)
    item = RoutineItem.objects.get(template=uv, label="照射时长")
    assert item.min_value == Decimal("60")  # the campus setting (60 minutes)
    airing = RoutineItem.objects.filter(template__in=created, label__contains="通风时长")
    assert airing.count() == 2 and {i.min_value for i in airing} == {Decimal("10")}


# --- Concentration tests ------------------------------------------------------------------------


def test_chlorine_targets_from_the_settings_pass_and_fail(people, campus):  # noqa: F811
    ok = services.concentration_test_record(actor=people["childcare"], campus=campus,
                                            data={"disinfectant": "chlorine", "purpose": "桌面", "measured": 250})  # fmt: skip
    assert (ok.target_min, ok.target_max, ok.passed) == (Decimal("250"), Decimal("500"), True)
    for value, passed in ((500, True), (249, False), (501, False)):
        test = services.concentration_test_record(actor=people["childcare"], campus=campus,
                                                  data={"disinfectant": "chlorine", "purpose": "地面",
                                                        "measured": value})  # fmt: skip
        assert test.passed is passed
    other = services.concentration_test_record(
        actor=people["childcare"], campus=campus,
        data={"disinfectant": "peracetic", "purpose": "x", "measured": 2000, "target_min": 1000, "target_max": 2000},
    )  # fmt: skip
    assert other.passed
    with pytest.raises(ValidationError):  # no target for a non-chlorine disinfectant
        services.concentration_test_record(actor=people["childcare"], campus=campus,
                                           data={"disinfectant": "quaternary", "purpose": "x", "measured": 5})  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.concentration_test_record(actor=people["cook"], campus=campus,
                                           data={"disinfectant": "chlorine", "purpose": "x", "measured": 300})  # fmt: skip


def test_a_failed_test_needs_a_redo(people, campus):  # noqa: F811
    failed = services.concentration_test_record(actor=people["childcare"], campus=campus,
                                                data={"disinfectant": "chlorine", "purpose": "玩具", "measured": 100})  # fmt: skip
    assert list(services.tests_awaiting_redo(campus)) == [failed]
    passed = ConcentrationTest.objects.exclude(pk=failed.pk)
    assert not passed.exists()
    with pytest.raises(ValidationError):  # a passed test is not redone
        ok = services.concentration_test_record(actor=people["childcare"], campus=campus,
                                                data={"disinfectant": "chlorine", "purpose": "x", "measured": 300})  # fmt: skip
        services.concentration_test_record(
            actor=people["childcare"], campus=campus, redo_of=ok, data={"measured": 300}
        )
    redo = services.concentration_test_record(actor=people["childcare"], campus=campus, redo_of=failed,
                                              data={"measured": 300})  # fmt: skip
    assert redo.purpose == "玩具" and redo.passed and redo.redo_of == failed
    assert not services.tests_awaiting_redo(campus).exists()
    with pytest.raises(ValidationError):
        services.concentration_test_record(actor=people["childcare"], campus=campus, redo_of=failed,
                                           data={"measured": 300})  # fmt: skip
    services.concentration_test_void(actor=people["health"], test=redo, reason="录错")
    assert list(services.tests_awaiting_redo(campus)) == [failed]


def test_concentration_pages(people, campus):  # noqa: F811
    client = login(people["childcare"])
    response = client.post(f"/c/{campus.code}/health/disinfection/tests/new/", {
        "date": TODAY.isoformat(), "disinfectant": "chlorine", "purpose": "桌面", "measured": "120", "method": "试纸",
    })  # fmt: skip
    test = ConcentrationTest.objects.get()
    assert response.status_code == 302 and not test.passed
    page = client.get(f"/c/{campus.code}/health/disinfection/tests/{test.pk}/").content.decode()
    assert f"?redo={test.pk}" in page
    client.post(f"/c/{campus.code}/health/disinfection/tests/new/?redo={test.pk}", {
        "date": TODAY.isoformat(), "disinfectant": "chlorine", "purpose": "桌面", "measured": "300", "method": "试纸",
    })  # fmt: skip
    assert ConcentrationTest.objects.get(redo_of=test).passed
    assert client.get(f"/c/{campus.code}/health/disinfection/tests/?redo=1").status_code == 200
    assert login(people["cook"]).get(f"/c/{campus.code}/health/disinfection/tests/").status_code == 403


# --- Health education --------------------------------------------------------------------------------


def test_lessons_grid_and_board(people, campus, klass):  # noqa: F811
    other = f.SchoolClassFactory(campus=campus, name="中一班")
    services.lesson_record(actor=people["teacher"], campus=campus, photos=[png()],
                           data={"school_class": klass, "date": TODAY, "topic": "七步洗手法"})  # fmt: skip
    lesson = HealthLesson.objects.get()
    assert lesson.teacher == people["teacher"]
    month = TODAY.replace(day=1)
    grid = services.lesson_grid(campus, [month])
    assert dict((c.name, counts) for c, counts in grid["rows"]) == {"小一班": [1], "中一班": [0]}
    assert grid["missing"][month] == [other]
    assert list(services.classes_without_lesson(campus, TODAY)) == [other]
    with pytest.raises(ValidationError):
        services.lesson_record(actor=people["teacher"], campus=campus,
                               data={"school_class": klass, "date": TODAY + dt.timedelta(days=1), "topic": "x"})  # fmt: skip
    services.lesson_void(actor=people["teacher"], lesson=lesson, reason="重复登记")
    assert grid != services.lesson_grid(campus, [month])
    with pytest.raises(ValidationError) as exc:
        services.board_record(
            actor=people["health"], campus=campus, data={"date": TODAY, "topic": "预防流感"}
        )
    assert gettext("Add a photo of the board.") in exc.value.message_dict["photos"]
    assert not services.board_changed_in(campus, TODAY)
    services.board_record(actor=people["health"], campus=campus, data={"date": TODAY, "topic": "预防流感"},
                          photos=[png()])  # fmt: skip
    assert services.board_changed_in(campus, TODAY)
    assert AuditEvent.objects.filter(action="board_record").exists()
    client = login(people["teacher"])
    for path in (
        "education/lessons/",
        "education/lessons/grid/",
        "education/board/",
        "education/lessons/new/",
        f"education/lessons/{lesson.pk}/",
        f"education/board/{PublicityBoardChange.objects.get().pk}/",
    ):
        assert client.get(f"/c/{campus.code}/health/{path}").status_code == 200, path
    assert (
        login(people["childcare"]).get(f"/c/{campus.code}/health/education/lessons/new/").status_code == 403
    )
    assert login(people["cook"]).get(f"/c/{campus.code}/health/education/lessons/").status_code == 403


# --- Dashboard and tick -------------------------------------------------------------------------------


class _Req:
    def __init__(self, campus, user):
        from houqin.core.permissions import perms_for_user_on_campus

        self.campus, self.user = campus, user
        self.roles, self.perms = perms_for_user_on_campus(user, campus)


def test_dashboard_cards(people, kids, diseases, campus, settings):  # noqa: F811
    for child in kids[:3]:
        services.case_record(actor=people["health"], campus=campus, child=child, disease=diseases["流感"],
                             onset_date=TODAY - dt.timedelta(days=4), reported_on=TODAY - dt.timedelta(days=3))  # fmt: skip
    services.concentration_test_record(actor=people["childcare"], campus=campus,
                                       data={"disinfectant": "chlorine", "purpose": "x", "measured": 10})  # fmt: skip
    f.MedicationOrderFactory(campus=campus, school_class=kids[0].school_class, child=kids[0], times=["00:00"])
    titles = {c.title for c in attention_for(_Req(campus, people["principal"]))}
    assert {gettext("Outbreak alerts to report (24 h)"), gettext("Class quarantines to confirm"),
            gettext("Overdue terminal disinfections (终末消毒)"),
            gettext("Failed concentration tests to redo")} <= titles  # fmt: skip
    if timezone.localtime().time() > dt.time(1, 0):
        assert gettext("Missed doses of entrusted medicines") in titles
    cook_titles = {c.title for c in attention_for(_Req(campus, people["cook"]))}
    assert gettext("Outbreak alerts to report (24 h)") not in cook_titles


def test_tick_seeds_the_disease_list(campus, other_campus):
    from houqin.health.disease_registrations import seed_diseases

    assert "diseases seeded" in seed_diseases(timezone.now())
    from houqin.health.models import Disease

    assert Disease.objects.filter(campus=other_campus).count() == len(services.DEFAULT_DISEASES)
    assert seed_diseases(timezone.now()) == "diseases seeded: 0"


# --- Demo ---------------------------------------------------------------------------------------------


def test_demo_builds(monkeypatch):
    from django_scopes import scopes_disabled

    from houqin.core import demo
    from houqin.core.demo import load_demo
    from houqin.health import disease_demo

    # only the core's rows and this area's (the others are tested by their own areas)
    monkeypatch.setattr(demo, "_extensions", [(410, disease_demo.add_demo_rows)])
    from houqin.health.models import DiseaseCase, MedicationDose, MedicationOrder, OutbreakAlert

    with scopes_disabled():
        assert load_demo()
        assert (
            MedicationOrder.objects.count() == 10
            and MedicationDose.objects.filter(status="given").count() > 15
        )
        alert = OutbreakAlert.objects.get()
        assert alert.status == "closed" and alert.case_count == 3 and alert.reported_at
        assert DiseaseCase.objects.filter(status="returned").count() == 4
        assert ConcentrationTest.objects.filter(passed=False).count() == 1
        assert HealthLesson.objects.exists() and PublicityBoardChange.objects.exists()
