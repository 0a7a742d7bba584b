"""The audit log page: filters, search, export, scoping and bounded queries."""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from houqin.core import audit
from houqin.core.models import AuditEvent, PublicNotice, Room
from tests import factories as f


def log_url(campus):
    return reverse("core:audit_log", kwargs={"campus": campus.code})


@pytest.fixture
def events(campus, other_campus, member, other_role):
    room = f.RoomFactory(campus=campus, name="大一班活动室")
    notice = f.PublicNoticeFactory(campus=campus, title="十月食谱公示")
    audit.record(actor=member, action="create", obj=room, after={"name": room.name})
    audit.record(actor=other_role, action="update", obj=room, before={"floor": 1}, after={"floor": 2})
    audit.record(actor=member, action="publish", obj=notice, before={"is_published": False}, after={"is_published": True})
    elsewhere = f.RoomFactory(campus=other_campus, name="别的园区的房间")
    audit.record(actor=None, action="create", obj=elsewhere)
    return {"room": room, "notice": notice}


def rows_of(response):
    return [row["obj"] for row in response.context["rows"]]


def test_shows_only_this_campus(member_client, campus, events):
    response = member_client.get(log_url(campus))
    assert response.status_code == 200
    assert "大一班活动室" in response.text and "十月食谱公示" in response.text
    assert "别的园区的房间" not in response.text
    assert len(rows_of(response)) == 3


def test_filters(member_client, campus, events, member, other_role):
    by_actor = member_client.get(log_url(campus), {"actor": other_role.pk})
    assert [e.action for e in rows_of(by_actor)] == ["update"]

    by_action = member_client.get(log_url(campus), {"action": "publish"})
    assert [e.object_repr for e in rows_of(by_action)] == ["十月食谱公示"]

    ct = ContentType.objects.get_for_model(Room)
    by_type = member_client.get(log_url(campus), {"content_type": ct.pk})
    assert {e.object_repr for e in rows_of(by_type)} == {str(events["room"])}

    by_text = member_client.get(log_url(campus), {"q": "食谱"})
    assert [e.object_repr for e in rows_of(by_text)] == ["十月食谱公示"]

    today = timezone.localdate()
    AuditEvent.objects.filter(action="create").update(created_at=timezone.now() - dt.timedelta(days=10))
    recent = member_client.get(log_url(campus), {"date_from": today.isoformat(), "date_to": today.isoformat()})
    assert {e.action for e in rows_of(recent)} == {"update", "publish"}
    old = member_client.get(log_url(campus), {"date_to": (today - dt.timedelta(days=5)).isoformat()})
    assert [e.action for e in rows_of(old)] == ["create"]


def test_changes_are_shown(member_client, campus, events):
    response = member_client.get(log_url(campus), {"action": "update"})
    assert "<code>floor</code>" in response.text


def test_export_follows_the_filter(member_client, campus, events):
    response = member_client.get(log_url(campus), {"action": "publish", "export": "xlsx"})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(values) == 2  # header + one event
    assert "十月食谱公示" in str(values[1])


def test_other_role_403_outsider_404(other_role_client, outsider_client, campus):
    assert other_role_client.get(log_url(campus)).status_code == 403
    assert outsider_client.get(log_url(campus)).status_code == 404


def test_queries_bounded(member_client, member, campus, django_assert_max_num_queries):
    notices = [PublicNotice.objects.create(campus=campus, title=f"公示{i}", body="x") for i in range(3)]

    def add(n):
        for i in range(n):
            audit.record(actor=member, action="update", obj=notices[i % 3], before={"a": i}, after={"a": i + 1})

    add(10)
    with CaptureQueriesContext(connection) as ctx:
        assert member_client.get(log_url(campus)).status_code == 200
    add(190)
    with django_assert_max_num_queries(len(ctx)):
        response = member_client.get(log_url(campus))
    assert response.status_code == 200
    assert response.context["paginator"].count == 200
