"""The monthly fire report: fire routines (completion, failures), fire hazards, drills."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import RoutineOccurrence
from houqin.safety import services
from houqin.safety.models import Drill, Hazard
from tests import factories as f
from tests.conftest import login
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db
D = dt.date


def at(day, hour=10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def november(campus, people):
    head, repair, principal = people["head"], people["repair"], people["principal"]
    # fire routines: extinguishers weekly (4 checks, 3 done, one failed item), a patrol not counted
    template = f.RoutineTemplateFactory(campus=campus, name="消防器材检查", category="safety.fire")
    item = f.RoutineItemFactory(template=template, label="灭火器压力")
    for n, day in enumerate((D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23))):
        occ = f.RoutineOccurrenceFactory(campus=campus, template=template, date=day)
        if n < 3:
            RoutineOccurrence.objects.filter(pk=occ.pk).update(status="done", completed_at=at(day))
            occ.results.create(campus=campus, item=item, label=item.label, passed=n != 1)
    f.RoutineOccurrenceFactory(campus=campus, template=template, date=D(2026, 10, 30))  # October
    patrol = f.RoutineTemplateFactory(campus=campus, name="门卫巡查", category="safety.patrol")
    f.RoutineOccurrenceFactory(campus=campus, template=patrol, date=D(2026, 11, 5))

    # fire hazards: one found and closed in November, one found in November still open and
    # overdue, one from October closed in November, one non-fire hazard
    def hazard(day, **data):
        return services.hazard_report(
            actor=head, campus=campus, now=at(day),
            data={"place_text": "多功能厅", "description": "灭火器压力不足", "category": "fire", **data},
        )  # fmt: skip

    closed = hazard(D(2026, 11, 3))
    services.hazard_assign(actor=head, hazard=closed, owner=repair, now=at(D(2026, 11, 3), 11))
    services.hazard_rectify(
        actor=repair, hazard=closed, note="已充装", photos=[png()], now=at(D(2026, 11, 4))
    )
    services.hazard_verify(actor=principal, hazard=closed, now=at(D(2026, 11, 5)))
    overdue = hazard(D(2026, 11, 10), description="安全出口指示灯不亮")
    services.hazard_assign(actor=head, hazard=overdue, owner=repair, deadline=D(2026, 11, 12))
    october = hazard(D(2026, 10, 20), description="消防通道堆物")
    services.hazard_assign(actor=head, hazard=october, owner=repair, now=at(D(2026, 10, 20), 11))
    services.hazard_rectify(
        actor=repair, hazard=october, note="已清理", photos=[png()], now=at(D(2026, 10, 21))
    )
    services.hazard_verify(actor=principal, hazard=october, now=at(D(2026, 11, 2)))
    hazard(D(2026, 11, 6), category="toys", description="滑梯螺丝松动")
    # drills: a fire drill held in November, a cancelled one, one in December
    f.DrillFactory(campus=campus, title="消防演练", kind="fire", planned_at=at(D(2026, 11, 9)), status="done",
                   held_at=at(D(2026, 11, 9)), children_count=300, staff_count=40, evacuation_seconds=150)  # fmt: skip
    f.DrillFactory(campus=campus, title="取消的演练", planned_at=at(D(2026, 11, 20)), status="cancelled")
    f.DrillFactory(campus=campus, title="下月演练", planned_at=at(D(2026, 12, 3)))
    return {"closed": closed, "overdue": overdue, "october": october}


def test_fire_report_figures(campus, november):
    report = services.fire_report(campus, D(2026, 11, 1))
    routines = report["routines"]
    assert routines["total"] == 4 and routines["done"] == 3 and routines["failures"] == 1
    assert routines["rate"] == 75.0 and [r["name"] for r in routines["rows"]] == ["消防器材检查"]
    assert {h.pk for h in report["found"]} == {november["closed"].pk, november["overdue"].pk}
    assert {h.pk for h in report["closed"]} == {november["closed"].pk, november["october"].pk}
    assert {h.pk for h in report["open_at_end"]} == {november["overdue"].pk}
    assert [h.pk for h in report["overdue"]] == [november["overdue"].pk]
    assert all(h.category == Hazard.Category.FIRE for h in report["hazards"])
    assert [d.title for d in report["drills"]] == ["消防演练"]
    assert len(report["fire_drills"]) == 1
    october = services.fire_report(campus, D(2026, 10, 1))
    assert {h.pk for h in october["found"]} == {november["october"].pk}
    assert october["routines"]["total"] == 1 and october["routines"]["done"] == 0


def test_fire_report_pages(campus, people, november):
    client = login(people["head"])
    page = client.get(reverse("safety:fire_report", kwargs={"campus": campus.code}), {"month": "2026-11"})
    assert page.status_code == 200
    content = page.content.decode()
    assert "消防器材检查" in content and "75.0%" in content and november["overdue"].number in content
    printed = client.get(
        reverse("safety:fire_report_print", kwargs={"campus": campus.code}), {"month": "2026-11"}
    )
    assert printed.status_code == 200 and "消防演练" in printed.content.decode()
    assert (
        client.get(
            reverse("safety:fire_report", kwargs={"campus": campus.code}), {"month": "bad"}
        ).status_code
        == 200
    )
    assert (
        login(people["cook"]).get(reverse("safety:fire_report", kwargs={"campus": campus.code})).status_code
        == 403
    )
    assert Drill.objects.count() == 3
