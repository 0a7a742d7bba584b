"""Functional room use log (功能室) and dormitory inspections (宿舍检查)."""

import datetime as dt
import types

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from houqin.environment import selectors, services
from houqin.environment.models import DormitoryInspection, RoomUse
from houqin.safety.models import Hazard
from tests import factories as f
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db
T = dt.time


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def music(campus):
    return f.RoomFactory(campus=campus, name="音乐室", code="B201", kind="functional")


def record(campus, people, room, school_class, **data):
    base = {"room": room, "date": timezone.localdate(), "start_time": T(9, 30), "end_time": T(10, 10),
            "school_class": school_class, "purpose": "律动游戏"}  # fmt: skip
    return services.room_use_record(actor=people["teacher"], campus=campus, data={**base, **data})


def test_a_use_of_a_functional_room(campus, people, classes, music):
    use = record(campus, people, music, classes["小一班"], children_count=25)
    assert (
        use.teacher == people["teacher"] and use.recorded_by == people["teacher"] and use.condition == "good"
    )
    with pytest.raises(ValidationError) as exc:  # not a functional room
        record(campus, people, classes["小一班"].room, classes["小一班"])
    assert "room" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # logged ahead of time
        record(campus, people, music, classes["小一班"], date=timezone.localdate() + dt.timedelta(days=1))
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # neither period nor time
        record(campus, people, music, classes["小一班"], start_time=None, end_time=None)
    assert "period" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a problem needs its description
        record(
            campus,
            people,
            music,
            classes["中一班"],
            start_time=T(14, 0),
            end_time=T(14, 40),
            condition="problem",
        )
    assert "problem_note" in exc.value.message_dict


def test_a_room_is_not_logged_twice_at_the_same_time(campus, people, classes, music):
    record(campus, people, music, classes["小一班"])
    with pytest.raises(ValidationError) as exc:
        record(campus, people, music, classes["中一班"], start_time=T(10, 0), end_time=T(10, 30))
    assert "小一班" in str(exc.value)
    record(campus, people, music, classes["中一班"], start_time=T(10, 10), end_time=T(10, 50))  # back to back
    record(campus, people, music, classes["中一班"], start_time=None, end_time=None, period="第5节")
    with pytest.raises(ValidationError):
        record(campus, people, music, classes["小一班"], start_time=None, end_time=None, period="第5节")
    assert RoomUse.objects.count() == 3


def test_void_by_the_recorder_or_a_leader(campus, people, classes, music):
    use = record(campus, people, music, classes["小一班"])
    with pytest.raises(PermissionDenied):
        services.room_use_void(actor=people["teacher2"], use=use, reason="错了")
    with pytest.raises(ValidationError):
        services.room_use_void(actor=people["teacher"], use=use, reason="")
    services.room_use_void(actor=people["teacher"], use=use, reason="重复登记")
    use.refresh_from_db()
    assert use.status == "void"
    record(campus, people, music, classes["中一班"])  # the slot is free again


def test_a_problem_opens_a_repair_through_maintenance(campus, people, classes, music, monkeypatch):
    calls = []

    def fake_create(**kwargs):
        calls.append(kwargs)
        return types.SimpleNamespace(pk=7, number="WX-2026-0007", _meta=RoomUse._meta)

    monkeypatch.setattr(services, "repairs_available", lambda: fake_create)
    use = record(campus, people, music, classes["小一班"], condition="problem", problem_note="钢琴踏板松动")
    services.room_use_open_repair(actor=people["teacher"], use=use)
    use.refresh_from_db()
    assert use.follow_up_label == "WX-2026-0007" and use.follow_up_id == "7"
    assert (
        calls[0]["room"] == music
        and calls[0]["origin"].pk == use.pk
        and "钢琴踏板松动" in calls[0]["description"]
    )
    with pytest.raises(ValidationError):
        services.room_use_open_repair(actor=people["teacher"], use=use)  # once
    good = record(campus, people, music, classes["中一班"], start_time=T(15, 0), end_time=T(15, 40))
    with pytest.raises(ValidationError):
        services.room_use_open_repair(actor=people["teacher"], use=good)


def test_usage_statistics(campus, people, classes, music):
    art = f.RoomFactory(campus=campus, name="美工室", code="B101", kind="functional")
    today = timezone.localdate()
    record(campus, people, music, classes["小一班"])
    record(campus, people, music, classes["中一班"], start_time=T(14, 0), end_time=T(14, 40))
    record(campus, people, art, classes["小一班"], date=today - dt.timedelta(days=7), children_count=20)
    stats = selectors.room_use_stats(campus, today - dt.timedelta(days=13), today)
    by_room = {r["room"].name: r for r in stats["rooms"]}
    assert (
        by_room["音乐室"]["uses"] == 2
        and by_room["音乐室"]["classes"] == 2
        and by_room["音乐室"]["per_week"] == 1.0
    )
    assert by_room["美工室"]["children"] == 20
    by_class = {r["school_class"].name: r["total"] for r in stats["classes"]}
    assert by_class == {"小一班": 2, "中一班": 1}
    assert sum(sum(r["cells"]) for r in stats["by_week"]) == 3
    response = login(people["head"]).get(url(campus, "roomuse_stats"))
    assert response.status_code == 200 and "rooms-table" in response.content.decode()


def test_log_a_use_through_the_page(campus, people, classes, music):
    client = login(people["teacher"])
    response = client.get(url(campus, "roomuse_create") + f"?room={music.pk}")
    assert response.status_code == 200 and list(response.context["form"].fields["room"].queryset) == [music]
    response = client.post(url(campus, "roomuse_create"), {
        "room": music.pk, "date": timezone.localdate().isoformat(), "start_time": "09:30", "end_time": "10:10",
        "school_class": classes["小一班"].pk, "teacher": people["teacher"].pk, "purpose": "歌曲学唱",
        "condition": "problem", "problem_note": "一把椅子坏了", "photos": [png()],
    })  # fmt: skip
    use = RoomUse.objects.get()
    assert response.status_code == 302 and use.condition == "problem"
    assert services.attachments_for(use).count() == 1
    assert login(people["cook"]).get(url(campus, "roomuse_create")).status_code == 403


# --- Dormitories ---------------------------------------------------------------------------------


@pytest.fixture
def dorm(campus):
    return f.RoomFactory(campus=campus, name="教工宿舍101", code="E101", kind="bedroom")


def all_pass(kind):
    return {key: {"passed": True} for key, _c, _l in services.dormitory_checklist(kind)}


def test_every_item_needs_an_answer(campus, people, dorm):
    results = all_pass("staff")
    results.pop("no_wiring")
    with pytest.raises(ValidationError) as exc:
        services.dormitory_inspect(
            actor=people["duty"], campus=campus, room=dorm, kind="staff", results=results
        )
    assert "item_no_wiring" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a serious failure needs a note
        services.dormitory_inspect(actor=people["duty"], campus=campus, room=dorm, kind="staff",
                                   results={**all_pass("staff"), "no_appliances": {"passed": False}})  # fmt: skip
    with pytest.raises(ValidationError):  # not a dormitory
        services.dormitory_inspect(actor=people["duty"], campus=campus, room=f.RoomFactory(campus=campus),
                                   kind="staff", results=all_pass("staff"))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.dormitory_inspect(actor=people["teacher"], campus=campus, room=dorm, kind="staff",
                                   results=all_pass("staff"))  # fmt: skip
    assert not DormitoryInspection.objects.exists()


def test_failed_electrical_items_open_hazards(campus, people, dorm):
    results = {
        **all_pass("staff"),
        "no_appliances": {"passed": False, "note": "床下有电热毯"},
        "no_wiring": {"passed": False, "note": "插排串接", "hazard": False},
        "beds": {"passed": False, "note": "被子未叠"},
    }
    inspection = services.dormitory_inspect(actor=people["duty"], campus=campus, room=dorm, kind="staff",
                                            results=results, photos=[png()])  # fmt: skip
    assert not inspection.passed and inspection.failed_count == 3
    hazard = Hazard.objects.get()
    assert hazard.room == dorm and hazard.category == "electrical" and hazard.severity == "medium"
    assert "电热毯" in hazard.description
    assert services.attachments_for(hazard).filter(kind="before").count() == 1
    linked = {r.key: r.hazard_id for r in inspection.results.all()}
    assert linked["no_appliances"] == hazard.pk and linked["no_wiring"] is None and linked["beds"] is None
    # the one left alone can still open its hazard from the page; the order item cannot
    client = login(people["duty"])
    wiring = inspection.results.get(key="no_wiring")
    response = client.post(url(campus, "dorm_hazard", pk=inspection.pk, result_pk=wiring.pk))
    assert response.status_code == 302 and Hazard.objects.count() == 2
    beds = inspection.results.get(key="beds")
    client.post(url(campus, "dorm_hazard", pk=inspection.pk, result_pk=beds.pk))
    assert Hazard.objects.count() == 2


def test_nap_room_checklist_and_void(campus, people):
    nap = f.RoomFactory(campus=campus, name="小一班寝室", code="A101S", kind="bedroom")
    inspection = services.dormitory_inspect(actor=people["health"], campus=campus, room=nap, kind="nap",
                                            results=all_pass("nap"))  # fmt: skip
    assert inspection.passed and {r.key for r in inspection.results.all()} >= {"uv_lamp", "bedding"}
    with pytest.raises(ValidationError):
        services.dormitory_void(actor=people["health"], inspection=inspection, reason="")
    services.dormitory_void(actor=people["health"], inspection=inspection, reason="录错房间")
    inspection.refresh_from_db()
    assert inspection.status == "void"


def test_inspect_a_room_through_the_page(campus, people, dorm):
    client = login(people["health"])
    response = client.get(url(campus, "dorm_create") + "?kind=staff")
    form = response.context["form"]
    assert "hazard_no_appliances" in form.fields and "hazard_beds" not in form.fields
    data = {"room": dorm.pk, "kind": "staff", "note": ""}
    for key, _c, _l in services.dormitory_checklist("staff"):
        data[f"item_{key}"] = "1"
    data["item_lights_off"] = "0"
    data["note_lights_off"] = "空调未关"
    data["hazard_lights_off"] = "on"
    response = client.post(url(campus, "dorm_create"), data)
    inspection = DormitoryInspection.objects.get()
    assert response.status_code == 302 and inspection.failed_count == 1
    assert Hazard.objects.get().description.endswith("空调未关")
    del data["item_sockets"]
    response = client.post(url(campus, "dorm_create"), data)
    assert response.status_code == 200 and DormitoryInspection.objects.count() == 1


def test_a_problem_opens_a_real_repair_request(campus, people, classes, music):
    from houqin.maintenance.models import RepairRequest

    use = record(campus, people, music, classes["小一班"], condition="problem", problem_note="钢琴踏板松动")
    from houqin.core.attachments import attachment_add

    attachment_add(actor=people["teacher"], obj=use, uploaded_file=png())
    client = login(people["teacher"])
    assert client.get(url(campus, "roomuse_detail", pk=use.pk)).context["can_repair"] is True
    response = client.post(url(campus, "roomuse_repair", pk=use.pk))
    assert response.status_code == 302
    repair = RepairRequest.objects.get()
    use.refresh_from_db()
    assert use.follow_up_label == repair.number and repair.room == music and repair.origin_id == str(use.pk)
    assert services.attachments_for(repair).count() == 1
    response = client.get(url(campus, "roomuse_detail", pk=use.pk))
    assert response.context["can_repair"] is False and response.context["repair_url"]
