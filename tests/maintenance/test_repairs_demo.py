"""The demo's repairs: a term of 报修 that obeys the same rules as real use."""

import io

import pytest
from django.core.management import call_command

from houqin.core.attachments import attachments_for
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest, WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_repairs_term(monkeypatch):
    from houqin.core import demo

    # the areas loaded after this one (order > 340) are not needed here
    monkeypatch.setattr(demo, "_extensions", [(o, fn) for o, fn in demo._extensions if o <= 340])
    call_command("seed", size="demo", stdout=io.StringIO())
    main = RepairRequest.objects.filter(campus__code="main")
    assert main.count() >= 75
    closed = list(main.filter(status=RepairRequest.Status.CLOSED).select_related("work_order"))
    assert len(closed) >= 50
    for repair in closed:
        order = repair.work_order
        assert attachments_for(repair).filter(kind="after").exists(), repair.number
        assert order.signed_off_at and order.done_at and order.signed_off_by_id != order.done_by_id
    sources = set(main.values_list("source", flat=True))
    assert {"manual", "qr", "routine", "hazard"} <= sources
    routine = main.filter(source="routine").first()
    assert routine.origin.follow_up == routine
    assert main.filter(source="qr", reporter__isnull=True).exists()  # strangers too
    campus = main.first().campus
    assert services.overdue_orders(campus).count() >= 2
    assert services.reopened_orders(campus).exists()
    assert WorkOrder.objects.filter(campus=campus, reopened_count__gt=0, request__status="closed").exists()
    assert main.filter(status=RepairRequest.Status.REPORTED).exists()
    assert main.filter(status=RepairRequest.Status.DONE).exists()
    assert main.filter(status=RepairRequest.Status.CANCELLED).exclude(cancel_reason="").exists()
    assert WorkOrder.objects.filter(campus=campus, kind="contractor").exists()
    assert main.filter(asset__isnull=False).exists()
    assert RepairRequest.objects.filter(campus__code="west").exists()
    report = services.repair_report(
        campus=campus, date_from=min(r.reported_at for r in closed).date(), date_to=max(r.reported_at for r in closed).date()
    )
    assert 50 <= report["totals"]["same_day_rate"] < 100
    assert report["totals"]["cost"] > 0
