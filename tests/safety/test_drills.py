"""Drills (演练): plan, groups and leaders, record, follow-ups that become hazards, print."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.safety import services
from houqin.safety.models import Drill, DrillFollowUp, DrillGroup, Hazard
from tests import factories as f
from tests.conftest import login
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


def test_plan_group_record_and_print(campus, people):
    head = login(people["head"])
    planned = (timezone.localtime() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    response = head.post(
        url(campus, "drill_create"),
        {"title": "消防疏散演练", "kind": "fire", "planned_at": planned.strftime("%Y-%m-%dT%H:%M"), "place": "全园",
         "organizer": people["head"].pk},
    )  # fmt: skip
    drill = Drill.objects.get()
    assert response.status_code == 302 and drill.status == Drill.Status.PLANNED
    for role, leader in (
        ("command", people["principal"]),
        ("guide", people["teacher"]),
        ("rescue", people["repair"]),
    ):
        head.post(
            url(campus, "drill_group_add", pk=drill.pk), {"group-role": role, "group-leader": leader.pk}
        )
    head.post(
        url(campus, "drill_group_add", pk=drill.pk),
        {"group-role": "first_aid", "group-leader_name": "校医王医生"},
    )
    assert DrillGroup.objects.filter(drill=drill).count() == 4
    # no leader at all is refused
    head.post(url(campus, "drill_group_add", pk=drill.pk), {"group-role": "other"})
    assert DrillGroup.objects.filter(drill=drill).count() == 4

    response = head.post(
        url(campus, "drill_record", pk=drill.pk),
        {"held_at": planned.strftime("%Y-%m-%dT%H:%M"), "children_count": 300, "staff_count": 40,
         "evacuation_minutes": 2, "evacuation_seconds": 35, "reflection": "小班下楼偏慢", "photos": [png()]},
    )  # fmt: skip
    assert response.status_code == 302
    drill.refresh_from_db()
    assert drill.status == Drill.Status.DONE and drill.evacuation_seconds == 155 and drill.participants == 340
    assert drill.evacuation_display == "2′35″"
    page = head.get(url(campus, "drill_print", pk=drill.pk))
    assert page.status_code == 200
    content = page.content.decode()
    assert "小班下楼偏慢" in content and "校医王医生" in content and "155" in content


def test_cannot_record_a_drill_in_the_future(campus, people):
    drill = f.DrillFactory(campus=campus)
    with pytest.raises(ValidationError):
        services.drill_record(
            actor=people["head"], drill=drill, data={"held_at": timezone.now() + dt.timedelta(days=1)}
        )
    drill.refresh_from_db()
    assert drill.status == Drill.Status.PLANNED


def test_follow_up_becomes_a_hazard(campus, people):
    drill = f.DrillFactory(campus=campus, place="二楼东侧楼梯")
    follow_up = DrillFollowUp.objects.create(
        campus=campus, drill=drill, description="补设疏散指示标志", owner=people["repair"],
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )  # fmt: skip
    client = login(people["head"])
    response = client.post(
        url(campus, "drill_follow_up_hazard", pk=drill.pk, follow_up_pk=follow_up.pk), {"severity": "medium"}
    )
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/hazards/{hazard.pk}/")
    assert hazard.source == Hazard.Source.DRILL and hazard.owner == people["repair"]
    assert hazard.status == Hazard.Status.ASSIGNED and hazard.deadline == follow_up.due_on
    assert hazard.category == Hazard.Category.FIRE and "补设疏散指示标志" in hazard.description
    follow_up.refresh_from_db()
    assert follow_up.hazard == hazard
    with pytest.raises(ValidationError):  # only once
        services.drill_follow_up_to_hazard(actor=people["head"], follow_up=follow_up)


def test_cancel_and_delete_rules(campus, people):
    drill = f.DrillFactory(campus=campus)
    client = login(people["head"])
    client.post(url(campus, "drill_cancel", pk=drill.pk), {"cancel-reason": "暴雨"})
    drill.refresh_from_db()
    assert drill.status == Drill.Status.CANCELLED
    done = f.DrillFactory(campus=campus, status=Drill.Status.DONE, held_at=timezone.now())
    assert client.get(url(campus, "drill_delete", pk=done.pk)).status_code == 403


def test_permissions(campus, people, outsider_client):
    drill = f.DrillFactory(campus=campus)
    cook = login(people["cook"])
    assert cook.get(url(campus, "drill_list")).status_code == 200
    assert cook.get(url(campus, "drill_detail", pk=drill.pk)).status_code == 200
    assert cook.get(url(campus, "drill_record", pk=drill.pk)).status_code == 403
    assert cook.post(url(campus, "drill_group_add", pk=drill.pk), {"group-role": "guide"}).status_code == 403
    assert outsider_client.get(url(campus, "drill_detail", pk=drill.pk)).status_code == 404
