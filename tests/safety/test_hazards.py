"""Hazard services: the rectification state machine (隐患整改), its rules and audit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.core.models import AuditEvent, Notification
from houqin.core.settings_services import campus_settings_update
from houqin.safety import services
from houqin.safety.models import Hazard
from tests import factories as f
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


def report(campus, actor, room, **data):
    data = {"room": room, "description": "滑梯护栏松动", **data}
    return services.hazard_report(actor=actor, campus=campus, data=data, photos=[png("before.png")])


def assigned(campus, people, room, **data):
    hazard = report(campus, people["teacher"], room, **data)
    return services.hazard_assign(actor=people["head"], hazard=hazard, owner=people["repair"])


def rectified(campus, people, room):
    hazard = assigned(campus, people, room)
    return services.hazard_rectify(
        actor=people["repair"], hazard=hazard, note="已紧固", photos=[png("after.png")]
    )


def actions(hazard):
    return list(
        AuditEvent.objects.filter(object_id=str(hazard.pk), content_type__model="hazard").values_list(
            "action", flat=True
        )
    )


def test_report_numbers_places_and_deadlines_by_severity(campus, people, room):
    today = timezone.localdate()
    low = report(campus, people["teacher"], room)
    medium = report(campus, people["teacher"], room, severity="medium")
    high = report(campus, people["teacher"], room, severity="high")
    assert low.number == f"YH-{today.year}-0001" and high.number.endswith("0003")
    assert (low.deadline - today).days == 7
    assert (medium.deadline - today).days == 3
    assert (high.deadline - today).days == 1
    assert low.status == Hazard.Status.REPORTED
    assert low.building_id == room.building_id and low.place == str(room)
    assert low.reporter == people["teacher"] and low.source == Hazard.Source.MANUAL
    assert services.attachments_for(low).filter(kind="before").count() == 1
    assert Notification.objects.filter(recipient=people["head"], event="safety.hazard_reported").count() == 3


def test_campus_setting_tightens_the_deadline(campus, people, room):
    campus_settings_update(actor=people["principal"], campus=campus, values={"safety.deadline_days_low": 2})
    hazard = report(campus, people["teacher"], room)
    assert (hazard.deadline - timezone.localdate()).days == 2
    with pytest.raises(ValidationError):  # never laxer than the bound
        campus_settings_update(
            actor=people["principal"], campus=campus, values={"safety.deadline_days_high": 10}
        )


def test_report_needs_a_place_and_a_description(campus, people):
    with pytest.raises(ValidationError) as exc:
        services.hazard_report(actor=people["teacher"], campus=campus, data={"description": "x"})
    assert "place_text" in exc.value.message_dict
    assert not Hazard.objects.exists()


def test_report_rejects_a_room_of_another_campus(campus, other_campus, people):
    foreign = f.RoomFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        services.hazard_report(
            actor=people["teacher"], campus=campus, data={"room": foreign, "description": "漏水"}
        )


def test_assign_notifies_the_owner_and_needs_a_campus_member(campus, other_campus, people, room, make_member):
    hazard = report(campus, people["teacher"], room)
    stranger = make_member(on=other_campus, username="stranger")
    with pytest.raises(ValidationError):
        services.hazard_assign(actor=people["head"], hazard=hazard, owner=stranger)
    hazard = services.hazard_assign(
        actor=people["head"], hazard=hazard, owner=people["repair"], measures="紧固螺丝"
    )
    assert hazard.status == Hazard.Status.ASSIGNED and hazard.measures == "紧固螺丝"
    assert Notification.objects.filter(recipient=people["repair"], event="safety.hazard_assigned").exists()
    assert "hazard_assign" in actions(hazard)


def test_rectify_requires_an_after_photo(campus, people, room):
    hazard = assigned(campus, people, room)
    with pytest.raises(ValidationError) as exc:
        services.hazard_rectify(actor=people["repair"], hazard=hazard, note="已修好")
    assert "photos" in exc.value.message_dict
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.ASSIGNED
    # a before photo is not an after photo
    services.attachment_add(actor=people["repair"], obj=hazard, uploaded_file=png(), kind="before")
    with pytest.raises(ValidationError):
        services.hazard_rectify(actor=people["repair"], hazard=hazard, note="已修好")
    hazard = services.hazard_rectify(
        actor=people["repair"], hazard=hazard, note="已修好", photos=[png("a.png")]
    )
    assert hazard.status == Hazard.Status.RECTIFIED
    assert hazard.rectified_by == people["repair"] and hazard.rectified_at is not None


def test_rectify_needs_a_note(campus, people, room):
    hazard = assigned(campus, people, room)
    with pytest.raises(ValidationError) as exc:
        services.hazard_rectify(actor=people["repair"], hazard=hazard, note=" ", photos=[png()])
    assert "rectification_note" in exc.value.message_dict
    assert not services.current_after_photos(hazard).exists()  # nothing saved


def test_only_the_owner_or_a_manager_rectifies(campus, people, room):
    hazard = assigned(campus, people, room)
    with pytest.raises(PermissionDenied):
        services.hazard_rectify(actor=people["cook"], hazard=hazard, note="x", photos=[png()])
    # a safety manager may record it for the owner
    hazard = services.hazard_rectify(actor=people["duty"], hazard=hazard, note="代为登记", photos=[png()])
    assert hazard.rectified_by == people["duty"]


def test_verifier_must_differ_from_the_rectifier(campus, people, room):
    hazard = assigned(campus, people, room)
    hazard = services.hazard_rectify(actor=people["head"], hazard=hazard, note="我亲自修好", photos=[png()])
    with pytest.raises(PermissionDenied):
        services.hazard_verify(actor=people["head"], hazard=hazard)
    hazard.refresh_from_db()
    assert hazard.status == Hazard.Status.RECTIFIED
    hazard = services.hazard_verify(actor=people["principal"], hazard=hazard, note="现场查验合格")
    assert hazard.status == Hazard.Status.CLOSED
    assert hazard.verified_by == people["principal"] and hazard.verified_at is not None
    assert Notification.objects.filter(recipient=people["repair"], event="safety.hazard_closed").exists()
    assert {"create", "hazard_assign", "hazard_rectify", "hazard_verify"} <= set(actions(hazard))


def test_only_managers_verify(campus, people, room):
    hazard = rectified(campus, people, room)
    with pytest.raises(PermissionDenied):
        services.hazard_verify(actor=people["cook"], hazard=hazard)
    with pytest.raises(ValidationError):  # only a rectified hazard is verified
        services.hazard_verify(actor=people["head"], hazard=assigned(campus, people, room))


def test_send_back_needs_a_reason_and_a_new_after_photo(campus, people, room):
    hazard = rectified(campus, people, room)
    with pytest.raises(ValidationError):
        services.hazard_send_back(actor=people["head"], hazard=hazard, reason="")
    hazard = services.hazard_send_back(actor=people["head"], hazard=hazard, reason="仍有晃动")
    assert hazard.status == Hazard.Status.ASSIGNED
    assert hazard.returned_reason == "仍有晃动" and hazard.reopen_count == 1
    assert hazard.rectified_by is None
    assert Notification.objects.filter(recipient=people["repair"], event="safety.hazard_sent_back").exists()
    # the photo of the first round does not count for the second
    with pytest.raises(ValidationError):
        services.hazard_rectify(actor=people["repair"], hazard=hazard, note="再次紧固")
    hazard = services.hazard_rectify(actor=people["repair"], hazard=hazard, note="再次紧固", photos=[png()])
    assert hazard.status == Hazard.Status.RECTIFIED


def test_reopen_a_closed_hazard(campus, people, room):
    hazard = services.hazard_verify(actor=people["principal"], hazard=rectified(campus, people, room))
    with pytest.raises(ValidationError):
        services.hazard_reopen(actor=people["head"], hazard=hazard, reason="  ")
    with pytest.raises(PermissionDenied):
        services.hazard_reopen(actor=people["cook"], hazard=hazard, reason="又松了")
    new_deadline = timezone.localdate() + dt.timedelta(days=2)
    hazard = services.hazard_reopen(
        actor=people["head"], hazard=hazard, reason="又松了", deadline=new_deadline
    )
    assert hazard.status == Hazard.Status.ASSIGNED and hazard.owner == people["repair"]
    assert hazard.verified_by is None and hazard.deadline == new_deadline and hazard.reopen_count == 1
    assert "hazard_reopen" in actions(hazard)
    with pytest.raises(ValidationError):  # an open hazard cannot be reopened
        services.hazard_reopen(actor=people["head"], hazard=hazard, reason="x")


def test_void_keeps_the_row(campus, people, room):
    hazard = report(campus, people["teacher"], room)
    with pytest.raises(ValidationError):
        services.hazard_void(actor=people["head"], hazard=hazard, reason="")
    hazard = services.hazard_void(actor=people["head"], hazard=hazard, reason="重复登记")
    assert hazard.status == Hazard.Status.VOID and Hazard.objects.filter(pk=hazard.pk).exists()
    with pytest.raises(ValidationError):
        services.hazard_assign(actor=people["head"], hazard=hazard, owner=people["repair"])


def test_closed_hazards_are_not_edited(campus, people, room):
    hazard = services.hazard_verify(actor=people["principal"], hazard=rectified(campus, people, room))
    with pytest.raises(ValidationError):
        services.hazard_update(actor=people["head"], hazard=hazard, data={"description": "改写记录"})


def test_overdue_escalation_is_idempotent_per_day(campus, people, room):
    hazard = assigned(campus, people, room)
    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    fresh = report(campus, people["teacher"], room)  # not overdue
    now = timezone.now()
    assert services.hazards_escalate(now) == 1
    assert services.hazards_escalate(now) == 0
    sent = Notification.objects.filter(event="safety.hazard_overdue")
    assert sent.filter(recipient=people["head"]).count() == 1
    assert sent.filter(recipient=people["repair"]).count() == 1
    assert services.hazards_escalate(now + dt.timedelta(days=1)) == 1  # once a day
    assert sent.filter(recipient=people["head"]).count() == 2
    # rectified hazards are no longer overdue
    services.hazard_rectify(actor=people["repair"], hazard=hazard, note="修好", photos=[png()])
    assert services.hazards_escalate(now + dt.timedelta(days=2)) == 0
    assert list(services.overdue_hazards(campus)) == []
    assert not fresh.is_overdue


def test_tick_job_runs_escalation(campus, people, room):
    from houqin.core import ticks

    job = {j.name: j for j in ticks.jobs()}["safety.hazard_escalation"]
    hazard = assigned(campus, people, room)
    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    assert "1" in job.func(timezone.now())


def test_failed_routine_item_opens_a_hazard(campus, people, room, make_member):
    """The routines engine's fail action carries the place, the item label, the note and
    the photo over into a new hazard."""
    from houqin.core import routines
    from houqin.core.models import RoutineItem
    from houqin.core.roles import Role

    guard = people["guard"]
    template = f.RoutineTemplateFactory(campus=campus, name="门卫一日5巡", room=room, category="safety.fire",
                                        responsible_role=Role.GUARD)  # fmt: skip
    item = f.RoutineItemFactory(template=template, label="灭火器压力正常", kind=RoutineItem.Kind.PASS_FAIL)
    occurrence = f.RoutineOccurrenceFactory(campus=campus, template=template)
    routines.occurrence_complete(
        actor=guard, occurrence=occurrence,
        results=[{"item": item, "passed": False, "note": "指针在红区", "photos": [png("red.png")]}],
    )  # fmt: skip
    result = occurrence.results.get()
    assert routines.get_fail_action("hazard") is not None
    hazard = routines.fail_action_run(actor=guard, result=result, key="hazard")
    assert isinstance(hazard, Hazard)
    assert hazard.room == room and hazard.source == Hazard.Source.ROUTINE
    assert "灭火器压力正常" in hazard.description and "指针在红区" in hazard.description
    assert hazard.category == Hazard.Category.FIRE
    assert services.attachments_for(hazard).filter(kind="before").count() == 1
    result.refresh_from_db()
    assert result.follow_up_id == str(hazard.pk)
