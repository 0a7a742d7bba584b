import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from houqin.core import jobs, notifications
from houqin.core.models import Notification, WebhookDelivery, WebhookEndpoint
from houqin.core.notifications import (
    backoff,
    deliver,
    mark_all_read,
    mark_read,
    notify,
    notify_roles,
    unread_count,
)
from houqin.core.roles import Role
from tests import factories as f

OK = (200, {"errcode": 0, "errmsg": "ok"})


class RobotServer:
    """A local HTTP server standing in for the WeCom / DingTalk robot endpoints."""

    def __init__(self):
        self.requests = []
        self.responses = []  # queued (status, body) answers; OK when empty
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                parsed = urllib.parse.urlsplit(self.path)
                server.requests.append(
                    {
                        "path": parsed.path,
                        "query": dict(urllib.parse.parse_qsl(parsed.query)),
                        "raw_query": parsed.query,
                        "headers": dict(self.headers),
                        "json": json.loads(raw.decode("utf-8")),
                    }
                )
                status, body = server.responses.pop(0) if server.responses else OK
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def robot(settings):
    settings.WEBHOOK_TIMEOUT = 3
    settings.WEBHOOK_MAX_ATTEMPTS = 5
    server = RobotServer()
    yield server
    server.close()


@pytest.fixture
def endpoints(campus, robot, other_campus):
    wecom = WebhookEndpoint.objects.create(
        campus=campus, name="企业微信后勤群", kind="wecom", url=robot.url("/cgi-bin/webhook/send?key=abc")
    )
    ding = WebhookEndpoint.objects.create(
        campus=campus,
        name="钉钉群",
        kind="dingtalk",
        url=robot.url("/robot/send?access_token=xyz"),
        secret="SECtest-secret",
        events=["approval.pending"],
    )
    generic = WebhookEndpoint.objects.create(campus=campus, name="OA", kind="generic", url=robot.url("/hook"))
    WebhookEndpoint.objects.create(
        campus=campus, name="off", kind="wecom", url=robot.url("/off"), is_active=False
    )
    WebhookEndpoint.objects.create(
        campus=other_campus, name="elsewhere", kind="wecom", url=robot.url("/other")
    )
    return {"wecom": wecom, "dingtalk": ding, "generic": generic}


def by_path(robot, path):
    return [r for r in robot.requests if r["path"] == path]


# --- In-app -------------------------------------------------------------------------------


def test_notify_creates_inbox_rows(campus, make_member):
    a, b = make_member(Role.PRINCIPAL), make_member(Role.COOK)
    gone = make_member(Role.COOK, is_active=False)
    rows = notify(
        campus=campus,
        recipients=[a, b, a, gone],
        title="留样未登记",
        body="今天午餐",
        url="/c/main/",
        level="warning",
    )
    assert len(rows) == 2
    assert {n.recipient for n in Notification.objects.all()} == {a, b}
    n = Notification.objects.get(recipient=a)
    assert (n.title, n.body, n.url, n.level, n.campus) == (
        "留样未登记",
        "今天午餐",
        "/c/main/",
        "warning",
        campus,
    )
    assert n.read_at is None and n.emailed_at is None


def test_notify_refuses_unknown_level(campus, member):
    with pytest.raises(ValidationError):
        notify(campus=campus, recipients=[member], title="x", level="shout")


def test_notify_roles_resolves_memberships(campus, other_campus, make_member, organization):
    head = make_member(Role.LOGISTICS_HEAD)
    principal = make_member(Role.PRINCIPAL)
    make_member(Role.COOK)
    make_member(Role.LOGISTICS_HEAD, on=other_campus)
    retired = make_member(Role.LOGISTICS_HEAD)
    retired.memberships.update(is_active=False)
    org_admin = f.UserFactory()
    f.MembershipFactory(user=org_admin, campus=None, organization=organization, role=Role.SYSADMIN)
    other_org_admin = f.UserFactory()
    f.MembershipFactory(
        user=other_org_admin, campus=None, organization=other_campus.organization, role=Role.SYSADMIN
    )

    notify_roles(campus=campus, roles=[Role.LOGISTICS_HEAD, Role.SYSADMIN], title="t", webhook=False)
    assert {n.recipient for n in Notification.objects.all()} == {head, org_admin}

    Notification.objects.all().delete()
    notify_roles(campus=campus, roles=[Role.PRINCIPAL, Role.LOGISTICS_HEAD], exclude=[head], title="t")
    assert {n.recipient for n in Notification.objects.all()} == {principal}


def test_unread_count_and_mark_read(campus, other_campus, make_member):
    user = make_member(Role.PRINCIPAL)
    someone = make_member(Role.COOK)
    rows = notify(campus=campus, recipients=[user], title="1") + notify(
        campus=campus, recipients=[user], title="2"
    )
    notify(campus=campus, recipients=[user], title="3")
    notify(campus=other_campus, recipients=[user], title="elsewhere")
    theirs = notify(campus=campus, recipients=[someone], title="not yours")
    assert unread_count(user, campus) == 3
    assert unread_count(user, other_campus) == 1

    assert mark_read(user=user, notifications=rows) == 2
    assert unread_count(user, campus) == 1
    assert mark_read(user=user, notifications=rows) == 0  # already read
    assert mark_read(user=user, notifications=[theirs[0].pk]) == 0  # not theirs
    assert unread_count(someone, campus) == 1
    assert mark_read(user=user, notifications=Notification.objects.filter(title="3")) == 1
    assert unread_count(user, campus) == 0
    assert mark_all_read(user=user, campus=other_campus) == 1
    assert unread_count(user, other_campus) == 0


def test_unread_count_anonymous(campus):
    from django.contrib.auth.models import AnonymousUser

    assert unread_count(AnonymousUser(), campus) == 0


# --- E-mail -------------------------------------------------------------------------------


def test_email_after_commit(campus, make_member, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://houqin.example.cn"
    with_mail = make_member(Role.PRINCIPAL, email="yuanzhang@example.cn")
    without = make_member(Role.COOK, email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            campus=campus,
            recipients=[with_mail, without],
            title="消防检查逾期",
            body="请处理",
            url="/c/main/x/",
            email=True,
        )
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yuanzhang@example.cn"]
    assert "消防检查逾期" in message.subject and campus.name in message.subject
    assert "请处理" in message.body and "https://houqin.example.cn/c/main/x/" in message.body
    assert Notification.objects.get(recipient=with_mail).emailed_at is not None
    assert Notification.objects.get(recipient=without).emailed_at is None


def test_no_email_unless_asked(campus, make_member, django_capture_on_commit_callbacks):
    user = make_member(Role.PRINCIPAL, email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notify(campus=campus, recipients=[user], title="x")
    assert mail.outbox == []


# --- Webhooks -----------------------------------------------------------------------------


def test_webhooks_posted_after_commit(
    campus, member, endpoints, robot, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://houqin.example.cn"
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            campus=campus,
            recipients=[member],
            title="采购申请待审批",
            body="CG-2026-0001 办公用品",
            url="/c/main/approvals/1/",
            event="approval.pending",
        )
        assert WebhookDelivery.objects.count() == 3
        assert robot.requests == []
    assert WebhookDelivery.objects.filter(status="sent").count() == 3
    assert len(robot.requests) == 3

    (wecom,) = by_path(robot, "/cgi-bin/webhook/send")
    assert wecom["query"] == {"key": "abc"}
    assert wecom["headers"]["Content-Type"].startswith("application/json")
    assert set(wecom["json"]) == {"msgtype", "markdown"}
    assert wecom["json"]["msgtype"] == "markdown"
    content = wecom["json"]["markdown"]["content"]
    assert "**采购申请待审批**" in content
    assert "CG-2026-0001 办公用品" in content
    assert "(https://houqin.example.cn/c/main/approvals/1/)" in content

    (ding,) = by_path(robot, "/robot/send")
    assert ding["json"]["msgtype"] == "markdown"
    assert ding["json"]["markdown"]["title"] == "采购申请待审批"
    assert "CG-2026-0001 办公用品" in ding["json"]["markdown"]["text"]

    (generic,) = by_path(robot, "/hook")
    assert generic["json"]["event"] == "approval.pending"
    assert generic["json"]["title"] == "采购申请待审批"
    assert generic["json"]["body"] == "CG-2026-0001 办公用品"
    assert generic["json"]["url"] == "https://houqin.example.cn/c/main/approvals/1/"
    assert generic["json"]["campus"] == campus.code

    assert not by_path(robot, "/off") and not by_path(robot, "/other")
    d = WebhookDelivery.objects.get(endpoint=endpoints["wecom"])
    assert (d.attempts, d.response_status, d.last_error, d.next_attempt_at) == (1, 200, "", None)
    assert d.sent_at is not None


def test_dingtalk_signature(campus, endpoints, robot):
    before_ms = int(timezone.now().timestamp() * 1000)
    notify(campus=campus, recipients=[], title="t", event="approval.pending")
    delivery = WebhookDelivery.objects.get(endpoint=endpoints["dingtalk"])
    assert deliver(delivery) is True
    (req,) = robot.requests
    assert req["query"]["access_token"] == "xyz"
    timestamp = req["query"]["timestamp"]
    assert before_ms - 1000 <= int(timestamp) <= int(timezone.now().timestamp() * 1000) + 1000
    secret = "SECtest-secret"
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert req["query"]["sign"] == expected
    # sent URL-encoded: base64's + / = never appear raw in the query string
    raw_sign = req["raw_query"].split("sign=", 1)[1]
    assert urllib.parse.unquote_plus(raw_sign) == expected
    assert not set("+/=") & set(raw_sign)


def test_dingtalk_sign_known_value():
    # the reference computation from DingTalk's documentation, by hand
    secret, ts = "SEC000", 1700000000000
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert notifications.dingtalk_sign(secret, ts) == urllib.parse.quote_plus(base64.b64encode(digest))


def test_events_filter(campus, endpoints, robot):
    notify(campus=campus, recipients=[], title="t", event="hazard.overdue")
    assert set(WebhookDelivery.objects.values_list("endpoint__name", flat=True)) == {"企业微信后勤群", "OA"}
    WebhookDelivery.objects.all().delete()
    notify(campus=campus, recipients=[], title="t", event="x", webhook=False)
    assert WebhookDelivery.objects.count() == 0


def test_rollback_sends_nothing(campus, member, endpoints, robot, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify(campus=campus, recipients=[member], title="t", event="approval.pending", email=True)
            raise RuntimeError
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 0
    assert Notification.objects.count() == 0
    assert robot.requests == []


def _one_wecom(campus, endpoints):
    notify(campus=campus, recipients=[], title="t", event="e")
    return WebhookDelivery.objects.get(endpoint=endpoints["wecom"])


def test_http_500_is_retried_with_backoff(campus, endpoints, robot):
    delivery = _one_wecom(campus, endpoints)
    robot.responses = [(500, {"error": "boom"})]
    start = timezone.now()
    assert deliver(delivery) is False
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.response_status == 500
    assert "500" in delivery.last_error
    assert (
        start + dt.timedelta(seconds=59)
        <= delivery.next_attempt_at
        <= timezone.now() + dt.timedelta(seconds=61)
    )

    # not due yet: a second call leaves it alone
    assert deliver(delivery) is False
    assert len(robot.requests) == 1

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    delivery.refresh_from_db()
    assert deliver(delivery) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")


def test_errcode_is_a_failure(campus, endpoints, robot):
    delivery = _one_wecom(campus, endpoints)
    robot.responses = [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    assert deliver(delivery) is False
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.response_status == 200
    assert "93000" in delivery.last_error and "invalid webhook url" in delivery.last_error


def test_robot_answer_must_be_json(campus, endpoints, robot):
    delivery = _one_wecom(campus, endpoints)
    robot.responses = [(200, b"<html>proxy login</html>")]
    assert deliver(delivery) is False
    delivery.refresh_from_db()
    assert "not JSON" in delivery.last_error


def test_generic_accepts_any_2xx(campus, endpoints, robot):
    notify(campus=campus, recipients=[], title="t", event="e")
    delivery = WebhookDelivery.objects.get(endpoint=endpoints["generic"])
    robot.responses = [(204, b"")]
    assert deliver(delivery) is True


def test_gives_up_after_max_attempts(campus, endpoints, robot, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    delivery = _one_wecom(campus, endpoints)
    robot.responses = [(503, {})] * 3
    for attempt in range(1, 4):
        assert deliver(delivery, force=True) is False
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
    assert delivery.status == "failed"
    assert delivery.next_attempt_at is None
    assert deliver(delivery, force=True) is False  # finished ones are never sent again
    assert len(robot.requests) == 3


def test_backoff_schedule():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (1, 5, 25, 125)]
    assert backoff(10) == dt.timedelta(days=1)


def test_unreachable_endpoint(campus, settings):
    settings.WEBHOOK_TIMEOUT = 2
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens there
    endpoint = WebhookEndpoint.objects.create(
        campus=campus, name="gone", kind="wecom", url=f"http://127.0.0.1:{port}/x"
    )
    notify(campus=campus, recipients=[], title="t")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert deliver(delivery) is False
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.response_status is None
    assert delivery.last_error


def test_switched_off_endpoint_fails_delivery(campus, endpoints, robot):
    delivery = _one_wecom(campus, endpoints)
    WebhookEndpoint.objects.filter(pk=endpoints["wecom"].pk).update(is_active=False)
    assert deliver(delivery) is False
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert robot.requests == []


def test_tick_job_retries_due_deliveries(campus, endpoints, robot):
    notify(campus=campus, recipients=[], title="t", event="approval.pending")
    later = WebhookDelivery.objects.get(endpoint=endpoints["generic"])
    WebhookDelivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5)
    )
    robot.responses = [(500, {}), OK]  # first due delivery fails, second succeeds

    summary = jobs.webhook_retry(timezone.now())
    assert summary == "webhooks: 1 sent, 1 failed"
    assert len(robot.requests) == 2
    statuses = dict(WebhookDelivery.objects.values_list("endpoint__kind", "status"))
    assert statuses["generic"] == "pending"
    assert WebhookDelivery.objects.get(endpoint=endpoints["generic"]).attempts == 0

    # idempotent: running again right away sends nothing (the failure waits for its backoff)
    assert jobs.webhook_retry(timezone.now()) == "webhooks: 0 sent, 0 failed"
    assert len(robot.requests) == 2

    # once the backoff and the other delivery's time have passed, both go out
    WebhookDelivery.objects.filter(status="pending").update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert jobs.webhook_retry(timezone.now()) == "webhooks: 2 sent, 0 failed"
    assert not WebhookDelivery.objects.filter(status="pending").exists()


def test_claimed_delivery_is_not_sent_twice(campus, endpoints, robot):
    delivery = _one_wecom(campus, endpoints)
    stale = WebhookDelivery.objects.get(pk=delivery.pk)
    assert deliver(delivery) is True
    assert deliver(stale) is False  # another worker's view of the same row
    assert deliver(stale, force=True) is False
    assert len(robot.requests) == 1


def test_task_sends_delivery(campus, endpoints, robot):
    from houqin.core.tasks import send_webhook_delivery

    delivery = _one_wecom(campus, endpoints)
    result = send_webhook_delivery.enqueue(delivery.pk)
    assert result.return_value is True
    assert send_webhook_delivery.enqueue(999999).return_value is False


def test_webhook_test_message(campus, endpoints, robot, member):
    assert notifications.webhook_test(actor=member, endpoint=endpoints["wecom"]) is True
    (req,) = robot.requests
    assert req["json"]["msgtype"] == "markdown"


def test_installation_default_webhook(
    campus, other_campus, robot, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_URL = robot.url("/default?key=1")
    with django_capture_on_commit_callbacks(execute=True):
        notify(campus=campus, recipients=[], title="默认机器人", event="e")
        notify(campus=campus, recipients=[], title="第二条", event="e")
    endpoint = WebhookEndpoint.objects.get(campus=campus)
    assert endpoint.kind == "generic" and endpoint.url == settings.WEBHOOK_URL
    assert [r["json"]["title"] for r in by_path(robot, "/default")] == ["默认机器人", "第二条"]

    # a campus with its own (even switched-off) endpoint does not get the default
    WebhookEndpoint.objects.create(
        campus=other_campus, name="own", kind="wecom", url=robot.url("/own"), is_active=False
    )
    notify(campus=other_campus, recipients=[], title="x", event="e")
    assert WebhookEndpoint.objects.filter(campus=other_campus).count() == 1
    assert WebhookDelivery.objects.filter(campus=other_campus).count() == 0


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
        ("https://oapi.dingtalk.com/robot/send?access_token=t", "dingtalk"),
        ("https://oa.example.cn/hook", "generic"),
    ],
)
def test_guess_kind(url, kind):
    assert notifications.guess_kind(url) == kind
