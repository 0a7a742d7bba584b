"""The notification inbox and the webhook pages (CRUD, test message, deliveries)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from houqin.core.models import AuditEvent, Notification, WebhookDelivery, WebhookEndpoint
from houqin.core.notifications import notify
from tests import factories as f


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


# --- Inbox --------------------------------------------------------------------------------


def test_inbox_unread_first_and_only_own(member_client, member, other_role, campus, other_campus):
    notify(campus=campus, recipients=[member], title="旧的已读", webhook=False)
    Notification.objects.filter(title="旧的已读").update(read_at="2026-01-01T00:00:00+08:00")
    notify(campus=campus, recipients=[member], title="新的未读", url="/c/main/requests/", webhook=False)
    notify(campus=campus, recipients=[other_role], title="别人的通知", webhook=False)
    notify(campus=other_campus, recipients=[member], title="别的园区", webhook=False)
    page = member_client.get(url("core:notification_list", campus))
    assert page.status_code == 200
    text = page.text
    assert "新的未读" in text and "旧的已读" in text
    assert "别人的通知" not in text and "别的园区" not in text
    assert text.index("新的未读") < text.index("旧的已读")
    unread = member_client.get(url("core:notification_list", campus), {"unread": "1"})
    assert "新的未读" in unread.text and "旧的已读" not in unread.text


def test_mark_one_and_all_read(member_client, member, campus):
    a, b = (notify(campus=campus, recipients=[member], title=t, webhook=False)[0] for t in ("一", "二"))
    response = member_client.post(url("core:notification_read", campus, pk=a.pk))
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.read_at is not None and b.read_at is None
    member_client.post(url("core:notification_read_all", campus))
    b.refresh_from_db()
    assert b.read_at is not None


def test_open_follows_the_link_and_marks_read(member_client, member, campus):
    n = notify(campus=campus, recipients=[member], title="去看看", url="/c/main/approvals/", webhook=False)[0]
    response = member_client.get(url("core:notification_open", campus, pk=n.pk))
    assert response.status_code == 302 and response["Location"] == "/c/main/approvals/"
    n.refresh_from_db()
    assert n.read_at is not None
    evil = notify(campus=campus, recipients=[member], title="外链", url="//evil.example/x", webhook=False)[0]
    response = member_client.get(url("core:notification_open", campus, pk=evil.pk))
    assert response["Location"] == url("core:notification_list", campus)


def test_cannot_touch_someone_elses_notification(other_role_client, member, campus):
    n = notify(campus=campus, recipients=[member], title="私人", webhook=False)[0]
    assert other_role_client.post(url("core:notification_read", campus, pk=n.pk)).status_code == 404
    assert other_role_client.get(url("core:notification_open", campus, pk=n.pk)).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_inbox_outsider_404(outsider_client, campus):
    assert outsider_client.get(url("core:notification_list", campus)).status_code == 404
    assert outsider_client.post(url("core:notification_read_all", campus)).status_code == 404


# --- Webhooks -----------------------------------------------------------------------------


class Robot:
    """A local stand-in for a WeCom group robot."""

    def __init__(self, status=200, body=None):
        self.requests = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                robot.requests.append(json.loads(raw))
                data = json.dumps(body if body is not None else {"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cgi-bin/webhook/send?key=secret-key-1234"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def robot(settings):
    settings.WEBHOOK_TIMEOUT = 3
    r = Robot()
    yield r
    r.close()


def test_webhook_crud(member_client, member, campus, robot):
    response = member_client.post(
        url("core:webhook_create", campus),
        {
            "name": "后勤群",
            "kind": "wecom",
            "url": robot.url,
            "secret": "",
            "events": "approval.pending, approval.rejected",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    hook = WebhookEndpoint.objects.get()
    assert hook.events == ["approval.pending", "approval.rejected"] and hook.campus_id == campus.pk
    assert AuditEvent.objects.filter(action="create", object_id=str(hook.pk)).exists()

    listing = member_client.get(url("core:webhook_list", campus))
    assert listing.status_code == 200 and "后勤群" in listing.text
    assert "secret-key-1234" not in listing.text  # the robot key is masked

    detail = member_client.get(url("core:webhook_detail", campus, pk=hook.pk))
    assert detail.status_code == 200 and "secret-key-1234" not in detail.text

    # editing keeps the signing secret when the field is left empty
    hook.secret = "SECabc"
    hook.save()
    response = member_client.post(
        url("core:webhook_update", campus, pk=hook.pk),
        {"name": "后勤群2", "kind": "dingtalk", "url": robot.url, "secret": "", "events": "", "is_active": "on"},
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.name == "后勤群2" and hook.secret == "SECabc" and hook.events == []

    response = member_client.post(url("core:webhook_delete", campus, pk=hook.pk))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(hook.pk)).exists()
    # neither the robot key nor the signing secret ever reaches the audit trail
    trail = json.dumps([[e.before, e.after, e.message] for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert "secret-key-1234" not in trail and "SECabc" not in trail
    assert "secret" in trail  # the secret change itself is recorded (as a fingerprint)


def test_webhook_form_refuses_bad_events(member_client, campus):
    response = member_client.post(
        url("core:webhook_create", campus),
        {"name": "x", "kind": "generic", "url": "https://example.com/hook", "events": "Bad Event!", "is_active": "on"},
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_send_test_message_and_deliveries_list(member_client, campus, robot):
    hook = WebhookEndpoint.objects.create(campus=campus, name="后勤群", kind="wecom", url=robot.url)
    response = member_client.post(url("core:webhook_test", campus, pk=hook.pk), follow=True)
    assert response.status_code == 200
    assert len(robot.requests) == 1 and robot.requests[0]["msgtype"] == "markdown"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "sent" and delivery.attempts == 1
    assert AuditEvent.objects.filter(action="webhook_test", object_id=str(hook.pk)).exists()
    detail = member_client.get(url("core:webhook_detail", campus, pk=hook.pk))
    assert 'data-testid="deliveries"' in detail.text and "test" in detail.text


def test_failed_test_message_shows_the_error(member_client, campus, settings):
    settings.WEBHOOK_TIMEOUT = 2
    robot = Robot(status=200, body={"errcode": 93000, "errmsg": "invalid webhook url"})
    try:
        hook = WebhookEndpoint.objects.create(campus=campus, name="坏的", kind="wecom", url=robot.url)
        response = member_client.post(url("core:webhook_test", campus, pk=hook.pk), follow=True)
    finally:
        robot.close()
    assert "93000" in response.text and "alert-danger" in response.text
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and "93000" in delivery.last_error


def test_webhooks_need_manage_notifications(other_role_client, outsider_client, campus):
    hook = f.WebhookEndpointFactory(campus=campus)
    for name, kwargs in (
        ("core:webhook_list", {}),
        ("core:webhook_create", {}),
        ("core:webhook_detail", {"pk": hook.pk}),
        ("core:webhook_update", {"pk": hook.pk}),
    ):
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 403
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404
    assert other_role_client.post(url("core:webhook_test", campus, pk=hook.pk)).status_code == 403
    assert outsider_client.post(url("core:webhook_test", campus, pk=hook.pk)).status_code == 404


def test_other_campus_webhook_is_404(member_client, other_campus):
    hook = f.WebhookEndpointFactory(campus=other_campus)
    from houqin.core.models import Campus

    campus = Campus.objects.get(code="main")
    assert member_client.get(url("core:webhook_detail", campus, pk=hook.pk)).status_code == 404
    assert member_client.post(url("core:webhook_test", campus, pk=hook.pk)).status_code == 404
