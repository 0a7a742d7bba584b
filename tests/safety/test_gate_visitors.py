"""Visitors (来访登记): the guard's form, ID checks, masking, the watch list, the host's
confirmation, sign-out, on-campus now, void, the daily log and export, the after-closing
tick, the dashboard card, permissions and query counts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from houqin.core.models import AuditEvent, Notification
from houqin.core.roles import Role
from houqin.safety import gate_services as gs
from houqin.safety.models import Visitor, WatchEntry
from tests import factories as f
from tests.conftest import login
from tests.safety import test_gate_support as support
from tests.safety.test_gate_support import id_number, id_with_x, jpeg, set_closing, url, xlsx_values

pytestmark = pytest.mark.django_db

# The shared gate fixtures (pytest finds them as names of this module).
duty = support.duty
duty_client = support.duty_client
guard = support.guard
guard_client = support.guard_client
logistics = support.logistics
teacher = support.teacher
teacher_client = support.teacher_client

ID = id_number(81)


def form_data(host, **extra):
    data = {
        "name": "王建华",
        "id_number": ID,
        "phone": "13712345678",
        "host": host.pk,
        "category": "delivery",
        "organization": "杭州鲜丰蔬菜配送有限公司",
        "purpose": "食材配送",
        "badge_no": "F01",
        "people_count": 2,
        "vehicle_plate": "浙a12345",
        "time_in": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "action": "register",
    }
    data.update(extra)
    return data


def register(actor, campus, host, **data):
    values = {
        "name": "王建华", "id_number": ID, "phone": "13712345678", "host": host, "category": "delivery",
        "organization": "顺丰速运", "purpose": "送货",
    }  # fmt: skip
    values.update(data)
    return gs.visitor_register(actor=actor, campus=campus, data=values)


# --- Registration --------------------------------------------------------------------------


def test_guard_registers_a_visitor_and_the_host_is_notified(guard_client, guard, campus, teacher):
    page = guard_client.get(url("safety:visitor_create", campus))
    assert page.status_code == 200
    assert 'name="id_number"' in page.content.decode()
    response = guard_client.post(url("safety:visitor_create", campus), form_data(teacher, photo=jpeg()))
    assert response.status_code == 302, response.content.decode()[:3000]
    visitor = Visitor.objects.get(campus=campus)
    assert visitor.status == Visitor.Status.WAITING and visitor.on_campus
    assert visitor.id_number == ID and visitor.registered_by == guard and visitor.vehicle_plate == "浙A12345"
    assert visitor.people_count == 2 and visitor.badge_no == "F01"
    note = Notification.objects.get(recipient=teacher)
    assert note.url == url("safety:visitor_confirm", campus, pk=visitor.pk)
    assert "王建华" in note.title
    # The photo is attached; the audit trail holds the masked ID number only.
    from houqin.core.attachments import attachments_for

    assert attachments_for(visitor).count() == 1
    event = AuditEvent.objects.get(action="register", object_id=str(visitor.pk))
    assert event.after["id_number"] == visitor.masked_id_number
    assert ID not in str(event.after)


def test_x_check_digit_is_accepted_in_lower_case(guard_client, campus, teacher):
    value = id_with_x()
    response = guard_client.post(
        url("safety:visitor_create", campus), form_data(teacher, id_number=value.lower())
    )
    assert response.status_code == 302
    assert Visitor.objects.get().id_number == value


@pytest.mark.parametrize(
    "bad,message",
    [
        (ID[:17] + ("1" if ID[17] != "1" else "2"), "id_checksum"),
        ("33010619850230" + "0011", "id_birth"),
        (ID[:17], "id_format"),
    ],
)
def test_bad_id_number_is_refused_and_nothing_saved(guard_client, campus, teacher, bad, message):
    response = guard_client.post(url("safety:visitor_create", campus), form_data(teacher, id_number=bad))
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["id_number"]] == [message]
    assert not Visitor.objects.exists()
    assert not Notification.objects.exists()


def test_host_must_be_staff_of_the_campus(guard_client, campus, make_member, other_campus):
    stranger = make_member(Role.PRINCIPAL, on=other_campus, username="elsewhere")
    parent = make_member(Role.PARENT, username="parent")
    for host in (stranger, parent):
        response = guard_client.post(url("safety:visitor_create", campus), form_data(host))
        assert response.status_code == 200
    assert not Visitor.objects.exists()
    with pytest.raises(ValidationError):
        register(None, campus, parent)


def test_refused_at_the_gate_is_logged_with_a_reason(guard_client, campus):
    data = form_data(f.UserFactory(), action="refuse", id_number="")
    data["host"] = ""
    response = guard_client.post(url("safety:visitor_create", campus), data)
    assert response.status_code == 200  # a reason is required
    assert "refusal_reason" in response.context["form"].errors
    data["refusal_reason"] = "推销人员，无预约"
    response = guard_client.post(url("safety:visitor_create", campus), data)
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert visitor.status == Visitor.Status.REFUSED and visitor.refusal_reason == "推销人员，无预约"
    assert not visitor.on_campus
    assert AuditEvent.objects.filter(action="refuse", object_id=str(visitor.pk)).exists()


# --- The watch list -----------------------------------------------------------------------


def test_watch_list_warns_and_needs_an_explicit_admit_with_reason(
    guard_client, guard, campus, teacher, member
):
    entry = f.WatchEntryFactory(campus=campus, name="钱大勇", id_number=ID, reason="法院禁止接近幼儿")
    path = url("safety:visitor_create", campus)
    response = guard_client.post(path, form_data(teacher))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="watch-warning"' in text and "法院禁止接近幼儿" in text
    assert not Visitor.objects.exists()
    # Admit anyway without a reason: still nothing.
    response = guard_client.post(path, form_data(teacher, admit_anyway="on"))
    assert response.status_code == 200 and not Visitor.objects.exists()
    # With a reason: admitted, audited, the principal told.
    response = guard_client.post(
        path, form_data(teacher, admit_anyway="on", override_reason="园长电话同意，由保安陪同")
    )
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert visitor.watch_entry == entry and visitor.override_reason == "园长电话同意，由保安陪同"
    event = AuditEvent.objects.get(action="watchlist_override", object_id=str(visitor.pk))
    assert "园长电话同意" in event.message
    alert = Notification.objects.get(recipient=member, event="safety.watchlist_override")
    assert alert.level == "danger"


def test_watch_list_matches_by_name_alone_and_refusal_keeps_the_match(guard_client, campus, teacher):
    f.WatchEntryFactory(campus=campus, name="王建华", id_number="", reason="曾在园门口滋事")
    f.WatchEntryFactory(campus=campus, name="王建华", id_number="", reason="不再有效", is_active=False)
    path = url("safety:visitor_create", campus)
    response = guard_client.post(path, form_data(teacher))
    assert "曾在园门口滋事" in response.content.decode() and "不再有效" not in response.content.decode()
    response = guard_client.post(
        path, form_data(teacher, action="refuse", refusal_reason="观察名单，拒绝入园")
    )
    assert response.status_code == 302
    visitor = Visitor.objects.get()
    assert visitor.status == Visitor.Status.REFUSED and visitor.watch_entry is not None


def test_watch_list_of_another_campus_does_not_warn(campus, other_campus, guard, teacher):
    f.WatchEntryFactory(campus=other_campus, id_number=ID)
    assert register(guard, campus, teacher).pk


def test_watch_list_pages_are_for_leaders_with_masking(campus, member, guard_client, logistics):
    entry = f.WatchEntryFactory(campus=campus, name="钱大勇", id_number=ID)
    assert guard_client.get(url("safety:watchentry_list", campus)).status_code == 403
    principal = login(member)
    assert ID in principal.get(url("safety:watchentry_list", campus)).content.decode()
    head = login(logistics)  # manages the list, may not read identities
    text = head.get(url("safety:watchentry_detail", campus, pk=entry.pk)).content.decode()
    assert ID not in text and entry.masked_id_number in text
    # The form does not show (or let them overwrite) the stored number.
    form = head.get(url("safety:watchentry_update", campus, pk=entry.pk)).content.decode()
    assert ID not in form and 'name="id_number"' not in form
    response = head.post(
        url("safety:watchentry_create", campus), {"name": "", "id_number": "", "reason": "x"}
    )
    assert response.status_code == 200  # a name or an ID number is needed
    response = principal.post(
        url("safety:watchentry_create", campus),
        {"name": "", "id_number": id_number(5), "reason": "寻衅", "is_active": "on"},
    )
    assert response.status_code == 302
    created = WatchEntry.objects.get(reason="寻衅")
    event = AuditEvent.objects.get(
        action="create", object_id=str(created.pk), content_type__model="watchentry"
    )
    assert id_number(5) not in str(event.after)


def test_watch_entry_with_visits_cannot_be_deleted(campus, member, guard, teacher):
    entry = f.WatchEntryFactory(campus=campus, id_number=ID)
    gs.visitor_register(
        actor=guard, campus=campus, admit_anyway=True, override_reason="同意",
        data={"name": "某人", "id_number": ID, "phone": "13712345678", "host": teacher},
    )  # fmt: skip
    response = login(member).post(url("safety:watchentry_delete", campus, pk=entry.pk))
    assert response.status_code == 302
    assert WatchEntry.objects.filter(pk=entry.pk).exists()


# --- Host confirmation ------------------------------------------------------------------


def test_host_confirms_from_the_notification(campus, guard, teacher, teacher_client, make_member):
    visitor = register(guard, campus, teacher)
    page = url("safety:visitor_confirm", campus, pk=visitor.pk)
    response = teacher_client.get(page)
    assert response.status_code == 200 and 'data-testid="confirm"' in response.content.decode()
    assert ID not in response.content.decode()  # a class teacher does not see identities
    cook = login(make_member(Role.COOK, username="cook2"))
    assert cook.get(page).status_code == 403
    assert cook.post(page, {"action": "confirm"}).status_code == 403
    # Another staff member cannot confirm someone else's visitor in-app.
    assert (
        login(make_member(Role.CLASS_TEACHER, username="t2")).post(page, {"action": "confirm"}).status_code
        == 403
    )
    response = teacher_client.post(page, {"action": "confirm"})
    assert response.status_code == 302
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.INSIDE
    assert visitor.confirmed_by == teacher and visitor.confirmed_at is not None
    assert visitor.confirmation == Visitor.Confirmation.HOST
    # Confirming twice changes nothing.
    teacher_client.post(page, {"action": "confirm"})
    assert AuditEvent.objects.filter(action="confirm", object_id=str(visitor.pk)).count() == 1


def test_guard_records_phone_confirmation(campus, guard, guard_client, teacher):
    visitor = register(guard, campus, teacher)
    detail = guard_client.get(url("safety:visitor_detail", campus, pk=visitor.pk)).content.decode()
    assert 'data-testid="confirm-phone"' in detail
    response = guard_client.post(url("safety:visitor_confirm", campus, pk=visitor.pk), {"action": "phone"})
    assert response.status_code == 302
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.INSIDE and visitor.confirmation == Visitor.Confirmation.PHONE
    assert visitor.confirmed_by == guard


def test_registering_with_phone_confirmation(guard_client, campus, teacher):
    guard_client.post(url("safety:visitor_create", campus), form_data(teacher, confirmed_by_phone="on"))
    visitor = Visitor.objects.get()
    assert visitor.status == Visitor.Status.INSIDE and visitor.confirmation == Visitor.Confirmation.PHONE
    assert Notification.objects.get(recipient=teacher).level == "info"


def test_host_declines_and_the_guard_is_told(campus, guard, teacher, teacher_client):
    visitor = register(guard, campus, teacher)
    page = url("safety:visitor_confirm", campus, pk=visitor.pk)
    teacher_client.post(page, {"action": "decline", "reason": ""})
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.WAITING  # a reason is required
    teacher_client.post(page, {"action": "decline", "reason": "我没有约这位访客"})
    visitor.refresh_from_db()
    assert visitor.status == Visitor.Status.REFUSED and visitor.time_out is not None
    assert Notification.objects.filter(recipient=guard, event="safety.visitor_refused").exists()


# --- Sign-out, on campus now, void ----------------------------------------------------------


def test_sign_out_and_on_campus_now(campus, guard, guard_client, teacher):
    inside = register(guard, campus, teacher, name="李明")
    left = register(guard, campus, teacher, name="张伟", id_number=id_number(3))
    gs.visitor_sign_out(actor=guard, visitor=left)
    onsite = guard_client.get(url("safety:visitor_onsite", campus)).content.decode()
    assert "李明" in onsite and "张伟" not in onsite
    response = guard_client.post(url("safety:visitor_sign_out", campus, pk=inside.pk))
    assert response.status_code == 302
    inside.refresh_from_db()
    assert inside.status == Visitor.Status.LEFT and inside.time_out and inside.signed_out_by == guard
    # Signing out twice is refused with a message, nothing changes.
    out = inside.time_out
    guard_client.post(url("safety:visitor_sign_out", campus, pk=inside.pk))
    inside.refresh_from_db()
    assert inside.time_out == out
    assert (
        'data-testid="onsite-visitor"'
        not in guard_client.get(url("safety:visitor_onsite", campus)).content.decode()
    )


def test_void_needs_a_reason_and_keeps_the_row(campus, guard, guard_client, teacher):
    visitor = register(guard, campus, teacher)
    guard_client.post(url("safety:visitor_void", campus, pk=visitor.pk), {"reason": ""})
    visitor.refresh_from_db()
    assert visitor.voided_at is None
    guard_client.post(url("safety:visitor_void", campus, pk=visitor.pk), {"reason": "重复登记"})
    visitor.refresh_from_db()
    assert visitor.voided_at and visitor.void_reason == "重复登记" and visitor.voided_by == guard
    assert not gs.visitors_on_campus(campus).exists()
    log = url("safety:visitor_list", campus)
    assert "王建华" not in guard_client.get(log).content.decode()
    assert "王建华" in guard_client.get(log, {"voided": "show"}).content.decode()
    assert AuditEvent.objects.filter(action="void", object_id=str(visitor.pk), message="重复登记").exists()
    # There is no edit or delete page for the log.
    from django.urls import NoReverseMatch, reverse

    for name in ("safety:visitor_update", "safety:visitor_delete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={"campus": campus.code, "pk": visitor.pk})


# --- Masking ------------------------------------------------------------------------------


def test_masking_guard_vs_cook_vs_principal_vs_duty(
    campus, guard, guard_client, teacher, member_client, other_role_client, duty_client
):
    visitor = register(guard, campus, teacher)
    detail = url("safety:visitor_detail", campus, pk=visitor.pk)
    log = url("safety:visitor_list", campus)
    for client in (guard_client, member_client):
        assert ID in client.get(detail).content.decode()
        assert ID in client.get(log).content.decode()
        assert ID in xlsx_values(client.get(log, {"export": "xlsx"}))
    for path in (detail, log, url("safety:visitor_onsite", campus), url("safety:visitor_create", campus)):
        assert other_role_client.get(path).status_code == 403
    text = duty_client.get(detail).content.decode()
    assert ID not in text and visitor.masked_id_number in text
    assert ID not in duty_client.get(log).content.decode()
    values = xlsx_values(duty_client.get(log, {"export": "xlsx"}))
    assert ID not in values and visitor.masked_id_number in values
    # The audit trail never holds the full number (history tab and audit rows).
    gs.visitor_sign_out(actor=guard, visitor=visitor)
    assert not [
        e for e in AuditEvent.objects.all() if ID in str(e.before) + str(e.after) + e.object_repr + e.message
    ]


def test_outsider_gets_404(campus, guard, teacher, outsider_client):
    visitor = register(guard, campus, teacher)
    for path in (
        url("safety:visitor_list", campus),
        url("safety:visitor_detail", campus, pk=visitor.pk),
        url("safety:visitor_confirm", campus, pk=visitor.pk),
    ):
        assert outsider_client.get(path).status_code == 404


# --- The daily log ------------------------------------------------------------------------


def test_daily_log_dates_and_pinyin_search(campus, guard_client):
    yesterday = timezone.now() - dt.timedelta(days=1)
    f.VisitorFactory(campus=campus, name="王建华")
    f.VisitorFactory(campus=campus, name="刘芳", time_in=yesterday, status=Visitor.Status.LEFT)
    log = url("safety:visitor_list", campus)
    text = guard_client.get(log).content.decode()
    assert "王建华" in text and "刘芳" not in text
    day = timezone.localtime(yesterday).date().isoformat()
    text = guard_client.get(log, {"day": day}).content.decode()
    assert "刘芳" in text and "王建华" not in text
    text = guard_client.get(log, {"day": "", "q": "lf"}).content.decode()
    assert "刘芳" in text and "王建华" not in text
    text = guard_client.get(
        log, {"date_from": day, "date_to": timezone.localdate().isoformat()}
    ).content.decode()
    assert "刘芳" in text and "王建华" in text


def test_log_and_onsite_queries_do_not_grow(campus, guard_client, make_member):
    hosts = [make_member(Role.CLASS_TEACHER, username=f"h{i}") for i in range(3)]
    entry = f.WatchEntryFactory(campus=campus)

    def make(n):
        for i in range(n):
            f.VisitorFactory(
                campus=campus,
                host=hosts[i % 3],
                confirmed_by=hosts[i % 3],
                watch_entry=entry if i % 7 == 0 else None,
            )

    for path in (url("safety:visitor_list", campus), url("safety:visitor_onsite", campus)):
        Visitor.objects.all().delete()
        counts = []
        made = 0
        for total in (10, 200):
            make(total - made)
            made = total
            with CaptureQueriesContext(connection) as ctx:
                assert guard_client.get(path).status_code == 200
            counts.append(len(ctx))
        assert counts[0] == counts[1], (path, counts)
        with CaptureQueriesContext(connection) as ctx:
            assert guard_client.get(url("safety:visitor_list", campus), {"export": "xlsx"}).status_code == 200
        assert len(ctx) < 20


# --- After closing time, the dashboard ----------------------------------------------------


def test_after_closing_tick_flags_once(campus, guard, duty, teacher):
    set_closing(campus, "17:30")
    yesterday = timezone.localdate() - dt.timedelta(days=1)  # times in the past, whatever the hour
    closing = gs.closing_datetime(campus, yesterday)
    visitor = register(guard, campus, teacher, time_in=closing - dt.timedelta(hours=2))
    gs.visitor_confirm(actor=teacher, visitor=visitor)
    left = register(
        guard, campus, teacher, name="李明", id_number=id_number(4), time_in=closing - dt.timedelta(hours=3)
    )
    gs.visitor_sign_out(actor=guard, visitor=left)
    Notification.objects.all().delete()
    assert (
        gs.flag_visitors_after_closing(closing - dt.timedelta(minutes=5))
        == "visitors after closing: 0 flagged"
    )
    assert (
        gs.flag_visitors_after_closing(closing + dt.timedelta(minutes=5))
        == "visitors after closing: 1 flagged"
    )
    visitor.refresh_from_db()
    assert visitor.flagged_at is not None
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"guard", "duty"}
    assert (
        gs.flag_visitors_after_closing(closing + dt.timedelta(minutes=10))
        == "visitors after closing: 0 flagged"
    )
    assert Notification.objects.count() == 2


def test_tick_job_is_registered():
    from houqin.core import ticks

    names = {job.name for job in ticks.jobs()}
    assert {"safety.visitors_after_closing", "safety.children_after_closing"} <= names


def test_dashboard_cards(campus, guard, guard_client, teacher, teacher_client, other_role_client):
    register(guard, campus, teacher)
    text = guard_client.get(url("core:dashboard", campus)).content.decode()
    assert url("safety:visitor_onsite", campus) in text and "王建华" in text
    host_text = teacher_client.get(url("core:dashboard", campus)).content.decode()
    assert url("safety:visitor_confirm", campus, pk=Visitor.objects.get().pk) in host_text
    assert "王建华" not in other_role_client.get(url("core:dashboard", campus)).content.decode()


def test_menu_shows_gate_items_to_the_guard(campus, guard_client, other_role_client):
    text = guard_client.get(url("core:dashboard", campus)).content.decode()
    assert url("safety:visitor_create", campus) in text and url("safety:pickup_release", campus) in text
    assert (
        url("safety:visitor_create", campus)
        not in other_role_client.get(url("core:dashboard", campus)).content.decode()
    )
