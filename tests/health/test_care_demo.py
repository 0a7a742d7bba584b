"""The care demo on fresh campuses: plans, monthly follow-ups with blood pressure for the
obese children, a blood pressure due, a recovered case and the frail children entered by
hand — all obeying the same rules as real use."""

import pytest

from houqin.core.demo import DemoContext
from houqin.core.roles import Role
from houqin.health import care_demo, care_services
from houqin.health.models import CareFollowUp, SpecialCareCase
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(campus, organization, make_member):
    west = f.CampusFactory(organization=organization, code="west", name="西区分园")
    health = make_member(Role.HEALTH_TEACHER, username="health")
    west_principal = make_member(Role.PRINCIPAL, on=west, username="west_principal")
    for c in (campus, west):
        for n in range(2):
            klass = f.SchoolClassFactory(campus=c, name=f"{c.code}{n}班")
            f.ChildFactory.create_batch(12, campus=c, school_class=klass)
    return DemoContext(actor=None, organization=organization, campuses={"main": campus, "west": west},
                       users={"health": health, "west_principal": west_principal})  # fmt: skip


def test_demo_builds_the_registers(ctx, campus):
    care_demo.add_demo_rows(ctx)
    cases = SpecialCareCase.objects.filter(campus=campus)
    obese = cases.filter(category="obesity")
    assert obese.count() >= 3 and obese.filter(severity__in=("moderate", "severe")).exists()
    for case in obese.filter(status="open"):
        assert case.plan_diet and case.plan_activity and case.plan_parents
        assert case.follow_ups.filter(is_void=False, weight_kg__isnull=False).count() >= 3
    bp = CareFollowUp.objects.filter(
        case__in=obese.filter(severity__in=("moderate", "severe")), bp_systolic__isnull=False
    )
    assert bp.count() >= 3
    assert care_services.bp_due(campus).exists()  # one child's last blood pressure is missing
    recovered = cases.get(status="closed", outcome="recovered")
    assert care_services.latest_result(recovered)["recovered"] is True
    assert (
        cases.filter(source="manual", category__in=("rickets", "premature", "respiratory", "heart")).count()
        == 4
    )
    assert SpecialCareCase.objects.filter(campus__code="west").exists()
    # running it again on top (e.g. after the growth demo) adds no duplicate open cases
    before = cases.filter(status="open").count()
    care_demo.add_demo_rows(ctx)
    assert (
        SpecialCareCase.objects.filter(campus=campus, category="obesity", status="open").count()
        == obese.filter(status="open").count()
    )
    assert cases.filter(status="open").count() >= before


def test_full_demo_up_to_the_care_area(monkeypatch):
    """The seeded demo (core and every area up to this one, the growth demo included): the
    cases the growth demo enrolled got plans and follow-ups."""
    import io

    from django.core.management import call_command

    from houqin.core import demo

    monkeypatch.setattr(demo, "_extensions", [(o, fn) for o, fn in demo._extensions if o <= 430])
    call_command("seed", size="demo", stdout=io.StringIO())
    main = SpecialCareCase.objects.filter(campus__code="main")
    assert main.filter(category="obesity", status="open").exists()
    assert main.filter(status="closed", outcome="recovered").exists()
    assert not main.filter(status="open", plan_diet="").exists()
    assert CareFollowUp.objects.filter(case__campus__code="main", bp_systolic__isnull=False).exists()
