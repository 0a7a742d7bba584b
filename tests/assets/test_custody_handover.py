"""Class property hand-overs (班级财产交接): frozen lines, checks, signatures with one's own
login (and a handwritten signature), completion moving custody, discrepancies becoming
damage records or follow-ups, the term-wide creation, the phone page and the print sheet."""

import base64
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, Condition, Damage, Handover
from houqin.core.models import Attachment, AuditEvent, Notification, Room
from houqin.core.roles import Role
from houqin.core.settings_services import campus_settings_update
from tests import factories as f
from tests.factories_assets import AssetFactory
from tests.factories_custody import LoanFactory, classroom, client_for, term_now

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked by their English msgids, whatever the catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper", real_name="孙志强"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕"),
        "teacher2": make_member(Role.CLASS_TEACHER, username="teacher2", real_name="张琳"),
        "childcare": make_member(Role.CHILDCARE_WORKER, username="childcare"),
    }


@pytest.fixture
def term(campus):
    return term_now(campus)


@pytest.fixture
def room_setup(campus, people):
    return classroom(campus, people["teacher"], assets=3)


def _open(campus, people, term, room_setup, kind=Handover.Kind.TERM_END, **kwargs):
    room, school_class, _assets = room_setup
    kwargs.setdefault("from_user", people["teacher"])
    kwargs.setdefault("to_user", people["keeper"])
    return services.handover_create(
        actor=people["keeper"],
        campus=campus,
        term=term,
        room=room,
        kind=kind,
        school_class=school_class,
        **kwargs,
    )


def _png_data_url():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (60, 20), (0, 0, 0, 255)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


# --- Creation -----------------------------------------------------------------------------


def test_create_freezes_the_rooms_active_assets(campus, people, term, room_setup):
    room, _class, assets = room_setup
    gone = AssetFactory(campus=campus, room=room, status=Asset.Status.DISPOSED)
    missing = AssetFactory(campus=campus, room=room, status=Asset.Status.MISSING)
    lent = AssetFactory(campus=campus, room=room, status=Asset.Status.ON_LOAN)
    loan = LoanFactory(campus=campus, asset=lent)
    handover = _open(campus, people, term, room_setup)
    assert handover.number.startswith("JJ-")
    lines = {line.asset_id: line for line in handover.lines.all()}
    assert set(lines) == {a.pk for a in assets} | {lent.pk}
    assert gone.pk not in lines and missing.pk not in lines
    assert lines[lent.pk].on_loan and loan.number in lines[lent.pk].note
    first = lines[assets[0].pk]
    assert (first.tag, first.name, first.value) == (assets[0].tag, assets[0].name, assets[0].total_value)
    assert all(line.present and line.condition == Condition.GOOD for line in lines.values())
    # frozen: renaming the asset later does not change the line
    Asset.objects.filter(pk=assets[0].pk).update(name="改名了")
    first.refresh_from_db()
    assert first.name == assets[0].name
    assert Notification.objects.filter(recipient=people["keeper"]).count() == 0  # the actor is not told
    assert Notification.objects.filter(recipient=people["teacher"], event="assets.handover_to_sign").exists()
    assert AuditEvent.objects.filter(action="create", object_id=str(handover.pk)).exists()


def test_one_open_handover_per_room_and_not_for_an_empty_room(campus, people, term, room_setup):
    _open(campus, people, term, room_setup)
    with pytest.raises(ValidationError) as exc:
        _open(campus, people, term, room_setup)
    assert "room" in exc.value.message_dict
    empty = f.RoomFactory(campus=campus, kind=Room.Kind.CLASSROOM)
    with pytest.raises(ValidationError) as exc:
        services.handover_create(actor=people["keeper"], campus=campus, term=term, room=empty,
                                 kind=Handover.Kind.CHANGE, to_user=people["teacher"])  # fmt: skip
    assert "no assets" in str(exc.value) or "room" in exc.value.message_dict
    assert Handover.objects.count() == 1


def test_giver_and_receiver_differ_and_belong_to_the_campus(campus, people, term, room_setup, outsider):
    with pytest.raises(ValidationError):
        _open(campus, people, term, room_setup, from_user=people["teacher"], to_user=people["teacher"])
    with pytest.raises(ValidationError):
        _open(campus, people, term, room_setup, to_user=outsider)
    assert Handover.objects.count() == 0


def test_the_term_of_another_campus_is_refused(campus, other_campus, people, room_setup):
    other_term = term_now(other_campus)
    with pytest.raises(ValidationError) as exc:
        _open(campus, people, other_term, room_setup)
    assert "term" in exc.value.message_dict


# --- Term-wide creation -------------------------------------------------------------------


def test_bulk_opens_one_per_classroom_in_the_right_direction(campus, people, term):
    room1, _c1, _a1 = classroom(campus, people["teacher"], assets=2)
    room2, _c2, _a2 = classroom(campus, people["teacher2"], assets=1)
    no_teacher, _c3, _a3 = classroom(campus, None, assets=1)
    empty, _c4, _a4 = classroom(campus, people["childcare"], assets=0)
    office = f.RoomFactory(campus=campus, kind=Room.Kind.OFFICE)
    AssetFactory(campus=campus, room=office)

    result = services.handover_create_for_term(
        actor=people["keeper"], campus=campus, term=term, kind=Handover.Kind.TERM_END
    )
    assert {h.room_id for h in result.created} == {room1.pk, room2.pk}
    skipped = {room.pk for room, _reason in result.skipped}
    assert skipped == {no_teacher.pk, empty.pk}
    by_room = {h.room_id: h for h in result.created}
    assert by_room[room1.pk].from_user == people["teacher"] and by_room[room1.pk].to_user == people["keeper"]
    assert by_room[room1.pk].school_class.room_id == room1.pk

    # again: nothing new (already handed over / being signed)
    again = services.handover_create_for_term(actor=people["keeper"], campus=campus, term=term,
                                              kind=Handover.Kind.TERM_END)  # fmt: skip
    assert again.created == []
    assert Handover.objects.filter(kind=Handover.Kind.TERM_END).count() == 2


def test_bulk_at_term_start_hands_from_the_office_to_the_teacher(campus, people, term):
    room, _c, _a = classroom(campus, people["teacher"], assets=1)
    result = services.handover_create_for_term(actor=people["keeper"], campus=campus, term=term,
                                               kind=Handover.Kind.TERM_START)  # fmt: skip
    (handover,) = result.created
    assert handover.from_user == people["keeper"] and handover.to_user == people["teacher"]


# --- Signing ------------------------------------------------------------------------------


def test_only_the_receiver_signs_as_receiver_with_own_client_for(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)  # teacher → keeper
    with pytest.raises(PermissionDenied):
        services.handover_sign(actor=people["teacher"], handover=handover, side="to")
    with pytest.raises(PermissionDenied):
        services.handover_sign(actor=people["keeper"], handover=handover, side="from")
    with pytest.raises(PermissionDenied):
        services.handover_sign(actor=people["teacher2"], handover=handover, side="from")
    services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    handover.refresh_from_db()
    assert handover.from_signed_at and handover.from_signed_by == people["teacher"]
    assert handover.status == Handover.Status.OPEN
    with pytest.raises(ValidationError):
        services.handover_sign(actor=people["teacher"], handover=handover, side="from")


def test_the_asset_office_side_is_signed_by_a_keeper(campus, people, term, room_setup, make_member):
    handover = _open(campus, people, term, room_setup, kind=Handover.Kind.TERM_START, from_user=None,
                     to_user=people["teacher"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.handover_sign(actor=people["teacher2"], handover=handover, side="from")
    with pytest.raises(PermissionDenied):  # the receiver cannot sign both sides
        services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    head = make_member(Role.LOGISTICS_HEAD)
    services.handover_sign(actor=head, handover=handover, side="from")
    handover.refresh_from_db()
    assert handover.from_signed_by == head


def test_both_signatures_complete_and_move_custody(campus, people, term, room_setup):
    room, _class, assets = room_setup
    handover = _open(campus, people, term, room_setup)
    services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    services.handover_sign(actor=people["keeper"], handover=handover, side="to", signature=_png_data_url())
    handover.refresh_from_db()
    assert handover.status == Handover.Status.COMPLETED and handover.completed_at
    assert handover.to_signature is not None and handover.to_signature.kind == "signature"
    assert handover.to_signature.mime_type == "image/png"
    for asset in assets:
        asset.refresh_from_db()
        assert asset.custodian == people["keeper"]
        assert asset.room == room
    assert AuditEvent.objects.filter(action="handover_complete", object_id=str(handover.pk)).exists()
    assert AuditEvent.objects.filter(action="move", object_id=str(assets[0].pk)).exists()
    with pytest.raises(ValidationError):
        services.handover_void(actor=people["keeper"], handover=handover, reason="错了")


def test_a_bad_signature_picture_is_refused_and_nothing_signed(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    with pytest.raises(ValidationError):
        services.handover_sign(
            actor=people["teacher"], handover=handover, side="from", signature="data:text/html,hi"
        )
    with pytest.raises(ValidationError):
        services.handover_sign(
            actor=people["teacher"],
            handover=handover,
            side="from",
            signature="data:image/png;base64,bm90IGEgcG5n",
        )
    handover.refresh_from_db()
    assert handover.from_signed_at is None
    assert not Attachment.objects.filter(kind="signature").exists()


def test_changing_a_line_after_signing_clears_the_signatures(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    line = handover.lines.first()
    changed = services.handover_lines_update(
        actor=people["keeper"],
        handover=handover,
        changes={line.pk: {"present": False, "condition": "good", "note": "没找到"}},
    )
    assert changed == 1
    handover.refresh_from_db()
    assert handover.from_signed_at is None and handover.from_signed_by is None
    assert AuditEvent.objects.filter(
        action="handover_signatures_cleared", object_id=str(handover.pk)
    ).exists()
    # the same values again change nothing
    assert (
        services.handover_lines_update(
            actor=people["keeper"],
            handover=handover,
            changes={line.pk: {"present": False, "condition": "good", "note": "没找到"}},
        )
        == 0
    )


def test_outsiders_of_the_handover_cannot_check_lines(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    line = handover.lines.first()
    with pytest.raises(PermissionDenied):
        services.handover_lines_update(actor=people["teacher2"], handover=handover,
                                       changes={line.pk: {"present": False}})  # fmt: skip
    other = _open(campus, people, term, classroom(campus, people["teacher2"], assets=1))
    with pytest.raises(ValidationError):  # a line of another hand-over
        services.handover_lines_update(actor=people["keeper"], handover=handover,
                                       changes={other.lines.first().pk: {"present": False}})  # fmt: skip


# --- Discrepancies ------------------------------------------------------------------------


def _complete_with_discrepancies(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    lines = list(handover.lines.order_by("id"))
    services.handover_lines_update(
        actor=people["teacher"], handover=handover,
        changes={lines[0].pk: {"present": False, "condition": "good", "note": "找不到"},
                 lines[1].pk: {"present": True, "condition": "damaged", "note": "椅腿断裂"},
                 lines[2].pk: {"present": True, "condition": "worn", "note": ""}},
    )  # fmt: skip
    services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    services.handover_sign(actor=people["keeper"], handover=handover, side="to")
    return handover, lines


def test_discrepancies_become_damage_records_charged_to_the_giving_class(campus, people, term, room_setup):
    _room, school_class, assets = room_setup
    handover, lines = _complete_with_discrepancies(campus, people, term, room_setup)
    damages = {d.asset_id: d for d in Damage.objects.all()}
    assert set(damages) == {lines[0].asset_id, lines[1].asset_id}  # worn is not a discrepancy
    lost, broken = damages[lines[0].asset_id], damages[lines[1].asset_id]
    assert lost.kind == Damage.Kind.LOST and broken.kind == Damage.Kind.DAMAGED
    assert broken.responsible_kind == Damage.Responsible.CLASS and broken.responsible_class == school_class
    assert broken.source == Damage.Source.HANDOVER and "椅腿断裂" in broken.description
    statuses = dict(Asset.objects.filter(pk__in=[a.pk for a in assets]).values_list("pk", "status"))
    assert statuses[lines[0].asset_id] == Asset.Status.MISSING
    assert statuses[lines[1].asset_id] == Asset.Status.DAMAGED
    assert statuses[lines[2].asset_id] == Asset.Status.IN_USE
    # the missing asset does not move to the receiver
    assert Asset.objects.get(pk=lines[0].asset_id).custodian == people["teacher"]
    for line in lines[:2]:
        line.refresh_from_db()
        assert line.damage_id and not line.needs_follow_up
    assert services.handover_follow_ups(campus).count() == 0


def test_with_the_list_policy_discrepancies_wait_for_a_follow_up(campus, people, term, room_setup):
    campus_settings_update(actor=people["keeper"], campus=campus,
                           values={services.DISCREPANCY_SETTING: "list"})  # fmt: skip
    campus.refresh_from_db()
    handover, lines = _complete_with_discrepancies(campus, people, term, room_setup)
    assert not Damage.objects.exists()
    assert {line.pk for line in services.handover_follow_ups(campus)} == {lines[0].pk, lines[1].pk}
    damage = services.handover_line_to_damage(actor=people["keeper"], line=lines[1])
    assert damage.kind == Damage.Kind.DAMAGED
    with pytest.raises(ValidationError):
        services.handover_line_to_damage(actor=people["keeper"], line=lines[1])
    with pytest.raises(ValidationError):  # a line in good order needs nothing
        services.handover_line_resolve(actor=people["keeper"], line=lines[2], resolution="x")
    with pytest.raises(ValidationError):
        services.handover_line_resolve(actor=people["keeper"], line=lines[0], resolution="  ")
    services.handover_line_resolve(actor=people["keeper"], line=lines[0], resolution="在库房找到")
    assert services.handover_follow_ups(campus).count() == 0


def test_a_term_start_discrepancy_has_nobody_to_charge(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup, kind=Handover.Kind.TERM_START, from_user=people["keeper"],
                     to_user=people["teacher"])  # fmt: skip
    line = handover.lines.first()
    services.handover_lines_update(actor=people["teacher"], handover=handover,
                                   changes={line.pk: {"present": True, "condition": "damaged"}})  # fmt: skip
    services.handover_sign(actor=people["keeper"], handover=handover, side="from")
    services.handover_sign(actor=people["teacher"], handover=handover, side="to")
    assert Damage.objects.get().responsible_kind == Damage.Responsible.UNKNOWN


def test_void_needs_a_reason_and_keeps_the_row(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    with pytest.raises(ValidationError):
        services.handover_void(actor=people["keeper"], handover=handover, reason=" ")
    services.handover_void(actor=people["keeper"], handover=handover, reason="开错了房间")
    handover.refresh_from_db()
    assert handover.status == Handover.Status.VOID and handover.lines.count() == 3
    with pytest.raises(ValidationError):
        services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    # the room may be handed over again
    _open(campus, people, term, room_setup)


# --- Pages --------------------------------------------------------------------------------


def _url(campus, name, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


def test_receiver_checks_and_signs_on_the_phone_page(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup, kind=Handover.Kind.TERM_START, from_user=people["keeper"],
                     to_user=people["teacher"])  # fmt: skip
    services.handover_sign(actor=people["keeper"], handover=handover, side="from")
    client = client_for(people["teacher"])
    url = _url(campus, "handover_sign", pk=handover.pk)
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="signature-pad"' in content and 'value="sign_to"' in content
    lines = list(handover.lines.order_by("id"))
    post = {"action": "sign_to", "signature": _png_data_url()}
    for line in lines:
        post[f"condition_{line.pk}"] = "good"
        post[f"note_{line.pk}"] = ""
        post[f"present_{line.pk}"] = "1"
    post[f"condition_{lines[0].pk}"] = "worn"
    response = client.post(url, post)
    assert response.status_code == 302
    handover.refresh_from_db()
    # changing a line cleared the keeper's signature, so the hand-over waits for it again
    assert handover.to_signed_at and handover.from_signed_at is None
    assert handover.status == Handover.Status.OPEN
    services.handover_sign(actor=people["keeper"], handover=handover, side="from")
    handover.refresh_from_db()
    assert handover.status == Handover.Status.COMPLETED
    assert handover.to_signature is not None


def test_sign_page_is_for_the_two_people_and_keepers(campus, people, term, room_setup, make_member):
    handover = _open(campus, people, term, room_setup)
    assert (
        client_for(people["teacher2"]).get(_url(campus, "handover_sign", pk=handover.pk)).status_code == 403
    )
    response = client_for(people["teacher2"]).post(
        _url(campus, "handover_sign", pk=handover.pk), {"action": "sign_to"}
    )
    assert response.status_code == 403
    assert client_for(people["keeper"]).get(_url(campus, "handover_sign", pk=handover.pk)).status_code == 200
    assert (
        client_for(make_member(Role.COOK)).get(_url(campus, "handover_sign", pk=handover.pk)).status_code
        == 403
    )


def test_mine_page_and_dashboard_card_list_what_to_sign(campus, people, term, room_setup):
    handover = _open(campus, people, term, room_setup)
    client = client_for(people["teacher"])
    page = client.get(_url(campus, "handover_mine"))
    assert page.status_code == 200 and handover.number in page.content.decode()
    dashboard = client.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert f"assets/handovers/{handover.pk}/sign/" in dashboard.content.decode()
    services.handover_sign(actor=people["teacher"], handover=handover, side="from")
    assert (
        handover.number not in client.get(_url(campus, "handover_mine")).content.decode().split("My other")[0]
    )


def test_detail_list_and_print_pages(campus, people, term, room_setup):
    handover, lines = _complete_with_discrepancies(campus, people, term, room_setup)
    client = client_for(people["keeper"])
    detail = client.get(_url(campus, "handover_detail", pk=handover.pk))
    assert detail.status_code == 200
    assert lines[0].tag in detail.content.decode()
    listing = client.get(_url(campus, "handover_list"))
    assert listing.status_code == 200 and handover.number in listing.content.decode()
    printed = client.get(_url(campus, "handover_print", pk=handover.pk))
    text = printed.content.decode()
    assert printed.status_code == 200 and 'data-testid="handover-print-signatures"' in text
    assert lines[1].tag in text
    export = client.get(_url(campus, "handover_list") + "?export=xlsx")
    assert export.status_code == 200


def test_bulk_and_create_pages(campus, people, term):
    classroom(campus, people["teacher"], assets=2)
    room2, class2, _ = classroom(campus, people["teacher2"], assets=1)
    client = client_for(people["keeper"])
    response = client.post(
        _url(campus, "handover_bulk"), {"term": term.pk, "kind": "term_start", "keeper": ""}
    )
    assert response.status_code == 302
    assert Handover.objects.filter(term=term, kind="term_start").count() == 2
    # a second hand-over of a room being signed is refused with the reason, nothing created
    response = client.post(_url(campus, "handover_create"), {
        "term": term.pk, "kind": "change", "room": room2.pk, "school_class": class2.pk,
        "from_user": people["teacher2"].pk, "to_user": people["teacher"].pk, "note": "",
    })  # fmt: skip
    assert response.status_code == 200 and "being signed" in response.content.decode()
    assert Handover.objects.count() == 2


def test_void_and_follow_up_views(campus, people, term, room_setup):
    campus_settings_update(
        actor=people["keeper"], campus=campus, values={services.DISCREPANCY_SETTING: "list"}
    )
    handover, lines = _complete_with_discrepancies(campus, people, term, room_setup)
    client = client_for(people["keeper"])
    assert client.post(_url(campus, "handover_line_damage", pk=lines[0].pk)).status_code == 302
    lines[0].refresh_from_db()
    assert lines[0].damage_id
    client.post(_url(campus, "handover_line_resolve", pk=lines[1].pk), {"resolution": "已修好"})
    lines[1].refresh_from_db()
    assert lines[1].resolution == "已修好"
    teacher = client_for(people["teacher"])
    assert (
        teacher.post(_url(campus, "handover_line_resolve", pk=lines[2].pk), {"resolution": "x"}).status_code
        == 403
    )
