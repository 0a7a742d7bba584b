"""The demo's safety rows: a realistic term that obeys the same rules as real use."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from houqin.core.attachments import attachments_for
from houqin.safety import services
from houqin.safety.models import (
    ActivityPlan,
    Agreement,
    Drill,
    DutyShift,
    DutySwap,
    EducationRecord,
    EmergencyPlan,
    Hazard,
    SafetyTalk,
)

pytestmark = pytest.mark.django_db


def test_demo_safety_term():
    call_command("seed", size="demo", stdout=io.StringIO())
    main = Hazard.objects.filter(campus__code="main")
    closed = list(main.filter(status=Hazard.Status.CLOSED))
    assert len(closed) >= 5
    for hazard in closed:
        assert hazard.verified_by_id != hazard.rectified_by_id
        assert attachments_for(hazard).filter(kind="after").exists()
        if hazard.source != Hazard.Source.DRILL:
            assert attachments_for(hazard).filter(kind="before").exists()
    assert services.overdue_hazards(main.first().campus).count() >= 2
    assert main.filter(status=Hazard.Status.RECTIFIED).exists()
    assert main.filter(source=Hazard.Source.QR, reporter__isnull=True).exists()
    assert main.filter(status=Hazard.Status.VOID).exclude(void_reason="").exists()
    assert Hazard.objects.filter(campus__code="west").exists()

    done = Drill.objects.filter(campus__code="main", status=Drill.Status.DONE)
    assert done.count() >= 2 and all(d.groups.exists() for d in done)
    assert Drill.objects.filter(status=Drill.Status.PLANNED).exists()

    for agreement in Agreement.objects.filter(campus__code="main"):
        progress = services.agreement_progress(agreement)
        assert 0 < progress["signed"] < progress["required"], agreement.title

    assert EducationRecord.objects.exists() and SafetyTalk.objects.exists()
    assert set(ActivityPlan.objects.values_list("status", flat=True)) == {"approved", "pending"}
    plan = EmergencyPlan.objects.filter(campus__code="main", versions__version="2026版").first()
    assert plan is not None and services.plan_unacknowledged(plan).exists()
    today = timezone.localdate()
    assert DutyShift.objects.filter(campus__code="main", date=today).exists()
    assert DutySwap.objects.filter(status=DutySwap.Status.PENDING).count() <= 1
