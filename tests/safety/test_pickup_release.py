"""Pickup (接送): authorised persons from guardians and proxies, release at the gate,
refusals (unknown person, expired proxy, card of another child, no agreement) with the
class teacher notified, the release log, children still on campus after closing time."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from houqin.core.attachments import attachment_add
from houqin.core.models import AuditEvent, Child, Notification
from houqin.core.roles import Role
from houqin.safety import gate_services as gs
from houqin.safety.models import LateChildFlag, PickupPerson, PickupRelease
from tests import factories as f
from tests.conftest import login
from tests.safety import test_gate_support as support
from tests.safety.test_gate_support import (
    id_number,
    jpeg,
    pdf,
    school_every_day,
    set_closing,
    url,
    xlsx_values,
)

pytestmark = pytest.mark.django_db

# The shared gate fixtures (pytest finds them as names of this module).
guard = support.guard
guard_client = support.guard_client
teacher = support.teacher
teacher_client = support.teacher_client


@pytest.fixture
def school_class(campus, teacher):
    return f.SchoolClassFactory(campus=campus, name="小一班", head_teacher=teacher)


@pytest.fixture
def child(campus, school_class):
    return f.ChildFactory(campus=campus, school_class=school_class, name="张小明")


@pytest.fixture
def father(campus, child):
    guardian = f.GuardianFactory(child=child, name="张建国", relation="father", phone="13912345678")
    return f.PickupPersonFactory(
        campus=campus, child=child, guardian=guardian, name="张建国", relation="父亲", card_no="880001"
    )


def proxy(campus, child, actor, *, days=(-10, 30), agreement=True, card="880009", name="王外婆"):
    today = timezone.localdate()
    person = gs.pickup_person_save(
        actor=actor,
        instance=PickupPerson(
            child=child,
            kind=PickupPerson.Kind.PROXY,
            name=name,
            relation="外婆",
            phone="13600001111",
            id_number=id_number(55, birth="19550101"),
            card_no=card,
            agreement_signed=True,
            valid_from=today + dt.timedelta(days=days[0]),
            valid_until=today + dt.timedelta(days=days[1]),
        ),  # fmt: skip
        campus=campus,
        agreement=pdf() if agreement else None,
    )
    return person


@pytest.fixture
def other_child(campus, school_class):
    return f.ChildFactory(campus=campus, school_class=school_class, name="李思琪")


@pytest.fixture
def other_parent(campus, other_child):
    guardian = f.GuardianFactory(child=other_child, name="李强", relation="father")
    return f.PickupPersonFactory(
        campus=campus, child=other_child, guardian=guardian, name="李强", card_no="880002"
    )


# --- Authorised persons -------------------------------------------------------------------


def test_guardians_become_pickup_persons_once(campus, child, teacher_client, teacher):
    f.GuardianFactory(child=child, name="张建国", relation="father")
    f.GuardianFactory(child=child, name="李梅", relation="mother", is_primary=False)
    path = url("safety:pickup_from_guardians", campus, pk=child.pk)
    assert teacher_client.post(path).status_code == 302
    assert teacher_client.post(path).status_code == 302
    persons = PickupPerson.objects.filter(child=child)
    assert sorted(persons.values_list("name", flat=True)) == ["张建国", "李梅"]
    assert all(gs.authorisation(p)[0] for p in persons)
    page = teacher_client.get(url("safety:pickup_child", campus, pk=child.pk))
    assert page.status_code == 200 and page.content.decode().count('data-testid="pickup-persons"') == 1


def test_child_page_links_to_pickup_persons(campus, child, teacher_client, member_client, other_role_client):
    from houqin.core.roles import permissions_for

    link = url("safety:pickup_child", campus, pk=child.pk)
    assert link in member_client.get(url("core:child_detail", campus, pk=child.pk)).content.decode()
    if "core.view_children" in permissions_for([Role.CLASS_TEACHER]):
        assert link in teacher_client.get(url("core:child_detail", campus, pk=child.pk)).content.decode()


def test_proxy_needs_agreement_dates_and_id(campus, child, teacher_client):
    data = {
        "child": child.pk, "kind": "proxy", "name": "王外婆", "relation": "外婆", "phone": "13600001111",
        "id_number": "", "card_no": "880010", "agreement_signed": "on", "is_active": "on",
    }  # fmt: skip
    response = teacher_client.post(url("safety:pickupperson_create", campus) + f"?child={child.pk}", data)
    assert response.status_code == 200
    assert {"valid_until", "id_number"} <= set(response.context["form"].errors)
    today = timezone.localdate()
    data.update(id_number=id_number(9, birth="19550101"), valid_from=today.isoformat(),
                valid_until=(today + dt.timedelta(days=90)).isoformat(), agreement=pdf(), photo=jpeg())  # fmt: skip
    response = teacher_client.post(url("safety:pickupperson_create", campus) + f"?child={child.pk}", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    person = PickupPerson.objects.get(card_no="880010")
    assert gs.authorisation(person)[0]
    assert gs.photo_ids([person]).get(person.pk)
    event = AuditEvent.objects.get(
        action="create", object_id=str(person.pk), content_type__model="pickupperson"
    )
    assert person.id_number not in str(event.after)


def test_card_numbers_are_unique_per_campus(campus, other_campus, child, father, teacher):
    with pytest.raises(ValidationError) as exc:
        proxy(campus, child, teacher, card="880001")
    assert "card_no" in exc.value.message_dict
    other_child = f.ChildFactory(campus=other_campus)
    f.PickupPersonFactory(campus=other_campus, child=other_child, card_no="880001")  # another campus: fine


def test_pickup_person_id_masked_for_teacher(campus, child, teacher, teacher_client, guard_client):
    person = proxy(campus, child, teacher)
    detail = url("safety:pickupperson_detail", campus, pk=person.pk)
    assert person.id_number not in teacher_client.get(detail).content.decode()
    assert person.masked_id_number in teacher_client.get(detail).content.decode()
    assert person.id_number in guard_client.get(detail).content.decode()
    values = xlsx_values(teacher_client.get(url("safety:pickupperson_list", campus), {"export": "xlsx"}))
    assert person.id_number not in values and person.masked_id_number in values


# --- Release at the gate ------------------------------------------------------------------


def test_release_to_an_authorised_guardian(campus, child, father, guard, guard_client):
    page = guard_client.get(url("safety:pickup_release", campus), {"child": child.pk})
    assert page.status_code == 200 and 'data-testid="release-button"' in page.content.decode()
    response = guard_client.post(
        url("safety:pickup_record", campus), {"child": child.pk, "person": father.pk}
    )
    assert response.status_code == 302
    release = PickupRelease.objects.get()
    assert release.outcome == PickupRelease.Outcome.RELEASED and release.person == father
    assert release.released_by == guard and release.person_name == "张建国"
    assert AuditEvent.objects.filter(action="release", object_id=str(release.pk)).exists()
    # Releasing the same child again today changes nothing.
    guard_client.post(url("safety:pickup_record", campus), {"child": child.pk, "person": father.pk})
    assert PickupRelease.objects.count() == 1
    assert not Notification.objects.filter(event="safety.pickup_refused").exists()


def test_scan_card_shows_photo_then_releases(campus, child, father, guard_client):
    attachment_add(actor=None, obj=father, uploaded_file=jpeg(), kind="photo")
    response = guard_client.post(url("safety:pickup_release", campus), {"q": "880001"})
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="card-confirm"' in text
    assert "attachments/" in text  # the holder's photo
    assert not PickupRelease.objects.exists()  # nothing yet: the guard compares the face first
    guard_client.post(
        url("safety:pickup_record", campus), {"child": child.pk, "person": father.pk, "card": "880001"}
    )
    release = PickupRelease.objects.get()
    assert release.outcome == "released" and release.card_no == "880001"


def test_search_child_by_pinyin(campus, child, other_child, guard_client):
    text = guard_client.get(url("safety:pickup_release", campus), {"q": "zxm"}).content.decode()
    assert "张小明" in text and "李思琪" not in text
    # A name typed in the big box is a search, never a card attempt.
    response = guard_client.post(url("safety:pickup_release", campus), {"q": "张小", "child": other_child.pk})
    assert response.status_code == 302 and "q=" in response["Location"]
    assert not PickupRelease.objects.exists()


def test_unknown_person_is_refused_logged_and_the_teacher_notified(
    campus, child, guard, guard_client, teacher, member
):
    response = guard_client.post(
        url("safety:pickup_record", campus),
        {"child": child.pk, "action": "refuse_unknown", "person_name": "赵某", "relation": "叔叔"},
    )
    assert response.status_code == 302
    release = PickupRelease.objects.get()
    assert (
        release.outcome == PickupRelease.Outcome.REFUSED
        and release.reason == PickupRelease.Reason.NOT_AUTHORISED
    )
    assert release.person is None and release.person_name == "赵某"
    recipients = set(
        Notification.objects.filter(event="safety.pickup_refused").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"teacher", "member"} <= recipients and "guard" not in recipients
    assert not gs.released_today(campus).exists()


def test_expired_proxy_card_is_refused_at_once(campus, child, teacher, guard_client):
    expired = proxy(campus, child, teacher, days=(-60, -1))
    response = guard_client.post(url("safety:pickup_release", campus), {"q": expired.card_no})
    assert response.status_code == 302
    release = PickupRelease.objects.get()
    assert release.outcome == "refused" and release.reason == PickupRelease.Reason.EXPIRED
    assert Notification.objects.filter(recipient=teacher, event="safety.pickup_refused").exists()


def test_card_of_another_child_is_refused(campus, child, father, other_parent, teacher, guard_client):
    response = guard_client.post(
        url("safety:pickup_release", campus), {"q": other_parent.card_no, "child": child.pk}
    )
    assert response.status_code == 302
    release = PickupRelease.objects.get()
    assert release.child == child and release.outcome == "refused"
    assert release.reason == PickupRelease.Reason.OTHER_CHILD and release.person == other_parent
    assert Notification.objects.filter(recipient=teacher, event="safety.pickup_refused").exists()
    # The same attempt by person id (no card) is "not authorised".
    refused = gs.pickup_release(actor=None, child=child, person=other_parent)
    assert refused.reason == PickupRelease.Reason.NOT_AUTHORISED


def test_proxy_without_agreement_scan_or_inactive_is_refused(campus, child, teacher, guard):
    no_scan = proxy(campus, child, teacher, agreement=False)
    assert (
        gs.pickup_release(actor=guard, child=child, person=no_scan).reason
        == PickupRelease.Reason.NO_AGREEMENT
    )
    ok = proxy(campus, child, teacher, card="880011", name="陈保姆")
    ok.is_active = False
    ok.save()
    assert gs.pickup_release(actor=guard, child=child, person=ok).reason == PickupRelease.Reason.INACTIVE
    # A guardian whose record was removed is no longer authorised.
    guardian = f.GuardianFactory(child=child, name="张建国")
    person = f.PickupPersonFactory(campus=campus, child=child, guardian=guardian, card_no="880012")
    guardian.delete()
    person.refresh_from_db()
    assert (
        gs.pickup_release(actor=guard, child=child, person=person).reason
        == PickupRelease.Reason.NOT_AUTHORISED
    )


def test_valid_proxy_is_released(campus, child, teacher, guard):
    person = proxy(campus, child, teacher)
    release = gs.pickup_release_by_card(actor=guard, campus=campus, card_no=person.card_no)
    assert release.outcome == "released" and release.child == child


def test_unknown_card_without_child_changes_nothing(campus, guard_client, child):
    response = guard_client.post(url("safety:pickup_release", campus), {"q": "999999"})
    assert response.status_code == 302
    assert not PickupRelease.objects.exists()


def test_void_release_with_reason(campus, child, father, guard, guard_client):
    release = gs.pickup_release(actor=guard, child=child, person=father)
    guard_client.post(url("safety:release_void", campus, pk=release.pk), {"reason": ""})
    release.refresh_from_db()
    assert release.voided_at is None
    detail = guard_client.get(url("safety:release_detail", campus, pk=release.pk))
    assert detail.status_code == 200 and 'data-testid="void"' in detail.content.decode()
    guard_client.post(url("safety:release_void", campus, pk=release.pk), {"reason": "点错了孩子"})
    release.refresh_from_db()
    assert (
        'data-testid="void"'
        not in guard_client.get(url("safety:release_detail", campus, pk=release.pk)).content.decode()
    )
    assert release.voided_at and release.void_reason == "点错了孩子"
    assert not gs.released_today(campus).exists()  # the child counts as still here
    assert (
        "张小明"
        not in guard_client.get(url("safety:release_list", campus)).content.decode().split("object-table")[1]
    )


def test_release_log_today_and_export(campus, child, father, guard, guard_client, teacher_client):
    gs.pickup_release(actor=guard, child=child, person=father)
    old = f.PickupReleaseFactory(campus=campus, released_at=timezone.now() - dt.timedelta(days=2))
    log = url("safety:release_list", campus)
    text = teacher_client.get(log).content.decode()
    assert "张建国" in text and old.person_name not in text.split("object-table")[1]
    day = timezone.localtime(old.released_at).date().isoformat()
    assert old.person_name in teacher_client.get(log, {"day": day}).content.decode()
    values = xlsx_values(guard_client.get(log, {"export": "xlsx"}))
    assert "张小明" in values and "张建国" in values


def test_release_log_and_persons_queries_do_not_grow(campus, guard_client):
    for path, make in (
        (url("safety:release_list", campus), lambda n: f.PickupReleaseFactory.create_batch(n, campus=campus)),
        (
            url("safety:pickupperson_list", campus),
            lambda n: f.PickupPersonFactory.create_batch(n, campus=campus),
        ),
    ):
        counts, made = [], 0
        for total in (10, 200):
            make(total - made)
            made = total
            with CaptureQueriesContext(connection) as ctx:
                assert guard_client.get(path).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1], (path, counts)


def test_release_page_queries_are_bounded(campus, child, father, teacher, guard_client):
    for i in range(3):
        proxy(campus, child, teacher, card=f"88100{i}", name=f"代接人{i}")
    with CaptureQueriesContext(connection) as ctx:
        assert guard_client.get(url("safety:pickup_release", campus), {"child": child.pk}).status_code == 200
    first = len(ctx)
    for i in range(3, 9):
        proxy(campus, child, teacher, card=f"88100{i}", name=f"代接人{i}")
    with CaptureQueriesContext(connection) as ctx:
        guard_client.get(url("safety:pickup_release", campus), {"child": child.pk})
    assert len(ctx) == first


# --- Permissions --------------------------------------------------------------------------


def test_permissions(campus, child, father, other_role_client, outsider_client, make_member):
    pages = [
        url("safety:pickup_release", campus),
        url("safety:release_list", campus),
        url("safety:pickup_child", campus, pk=child.pk),
        url("safety:pickupperson_detail", campus, pk=father.pk),
    ]
    for path in pages:
        assert other_role_client.get(path).status_code == 403
        assert outsider_client.get(path).status_code == 404
    assert (
        other_role_client.post(
            url("safety:pickup_record", campus), {"child": child.pk, "person": father.pk}
        ).status_code
        == 403
    )
    childcare = login(make_member(Role.CHILDCARE_WORKER, username="baoyu"))
    assert childcare.get(url("safety:release_list", campus)).status_code == 200
    assert childcare.get(url("safety:pickup_release", campus)).status_code == 403
    assert not PickupRelease.objects.exists()


# --- After closing time -------------------------------------------------------------------


def test_children_after_closing_flagged_once(campus, child, other_child, father, guard, teacher, make_member):
    school_every_day(campus)
    duty = make_member(Role.DUTY_ADMIN, username="duty")
    set_closing(campus, "17:30")
    today = timezone.localdate()
    closing = gs.closing_datetime(campus, today)
    gs.pickup_release(
        actor=guard, child=child, person=father, at=min(timezone.now(), closing - dt.timedelta(minutes=30))
    )
    Notification.objects.all().delete()
    f.ChildFactory(campus=campus, school_class=child.school_class, name="退学的", status=Child.Status.LEFT)
    assert (
        gs.flag_children_after_closing(closing - dt.timedelta(minutes=1))
        == "children after closing: 0 flagged"
    )
    assert (
        gs.flag_children_after_closing(closing + dt.timedelta(minutes=1))
        == "children after closing: 1 flagged"
    )
    assert list(LateChildFlag.objects.values_list("child__name", flat=True)) == ["李思琪"]
    teacher_note = Notification.objects.get(recipient=teacher)
    assert "李思琪" in teacher_note.body
    assert (
        Notification.objects.filter(recipient=guard).exists()
        and Notification.objects.filter(recipient=duty).exists()
    )
    count = Notification.objects.count()
    assert (
        gs.flag_children_after_closing(closing + dt.timedelta(minutes=6))
        == "children after closing: 0 flagged"
    )
    assert Notification.objects.count() == count


def test_no_flags_on_a_day_without_school(campus, child, guard):
    set_closing(campus, "17:30")
    today = timezone.localdate()
    # A term that has ended: today is not a school day.
    year = f.SchoolYearFactory(campus=campus, start_date=today - dt.timedelta(days=200),
                               end_date=today + dt.timedelta(days=100))  # fmt: skip
    f.TermFactory(campus=campus, school_year=year, start_date=today - dt.timedelta(days=150),
                  end_date=today - dt.timedelta(days=10))  # fmt: skip
    closing = gs.closing_datetime(campus, today)
    assert (
        gs.flag_children_after_closing(closing + dt.timedelta(minutes=1))
        == "children after closing: 0 flagged"
    )


def test_presence_hook_narrows_the_children(campus, child, other_child, guard, monkeypatch):
    school_every_day(campus)
    set_closing(campus, "17:30")
    monkeypatch.setattr(gs, "_presence_providers", [])
    gs.register_presence_provider(lambda c, day: Child.objects.filter(campus=c, pk=other_child.pk))
    assert list(gs.children_still_on_campus(campus)) == [other_child]
    closing = gs.closing_datetime(campus, timezone.localdate())
    assert (
        gs.flag_children_after_closing(closing + dt.timedelta(minutes=1))
        == "children after closing: 1 flagged"
    )


def test_dashboard_card_after_closing(campus, child, guard_client, other_role_client):
    school_every_day(campus)
    set_closing(campus, "00:00")  # always after closing
    text = guard_client.get(url("core:dashboard", campus)).content.decode()
    assert url("safety:pickup_release", campus) + "?still=1" in text and "张小明" in text
    still = guard_client.get(url("safety:pickup_release", campus), {"still": "1"}).content.decode()
    assert 'data-testid="still-list"' in still and "张小明" in still
    assert "张小明" not in other_role_client.get(url("core:dashboard", campus)).content.decode()
