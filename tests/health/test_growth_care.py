"""Integration with the care area: a measurement or exam puts the child on the special-care
register through the real ``care_services.auto_enrol`` (idempotent)."""

import datetime as dt

from django.utils import timezone

from houqin.health import growth_services as services
from tests.health.growth_helpers import boy, girl, health_teacher, months_ago, school_class  # noqa: F401

TODAY = timezone.localdate


def test_auto_enrol_exists_with_the_agreed_signature():
    import inspect

    from houqin.health.care_services import auto_enrol

    params = inspect.signature(auto_enrol).parameters
    assert {"actor", "child", "category", "severity", "source", "on_date", "detail"} <= set(params)


def test_obesity_malnutrition_and_anaemia_open_cases(boy, girl, health_teacher):  # noqa: F811
    from houqin.health.models import SpecialCareCase

    m = services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY() - dt.timedelta(days=30),
                                    height_cm="100", weight_kg="20.1")  # fmt: skip
    case = SpecialCareCase.objects.get(child=boy, category="obesity")
    assert case.severity == "moderate" and case.source == "auto" and case.status == "open"
    assert case.origin == f"health.measurement:{m.pk}"
    # a second obese measurement: still one open case
    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="100.5",
                                weight_kg="20.6")  # fmt: skip
    assert SpecialCareCase.objects.filter(child=boy, category="obesity").count() == 1
    # 女 50 月: severe stunting → malnutrition
    services.measurement_record(actor=health_teacher, child=girl, measured_on=TODAY(), height_cm="92.0",
                                weight_kg="13.0")  # fmt: skip
    assert SpecialCareCase.objects.get(child=girl, category="malnutrition").severity == "severe"
    exam = services.exam_record(actor=health_teacher, child=girl, exam_date=TODAY(), data={"hb_g_l": 85})
    anaemia = SpecialCareCase.objects.get(child=girl, category="anaemia")
    assert anaemia.severity == "moderate" and anaemia.origin == f"health.exam:{exam.pk}"


def test_normal_results_open_nothing(boy, health_teacher):  # noqa: F811
    from houqin.health.models import SpecialCareCase

    services.measurement_record(actor=health_teacher, child=boy, measured_on=TODAY(), height_cm="104.9",
                                weight_kg="16.7")  # fmt: skip
    services.exam_record(actor=health_teacher, child=boy, exam_date=TODAY(), data={"hb_g_l": 125})
    assert not SpecialCareCase.objects.exists()
