"""Notifications: the in-app inbox, e-mail, and group-robot webhooks (WeCom / DingTalk).

:func:`notify` writes the inbox rows in the caller's transaction and, once that
transaction commits, hands e-mail and webhook sending to background tasks
(:mod:`houqin.core.tasks`), so a slow mail server or robot never holds up a request and a
rolled-back change sends nothing.

Webhook deliveries are rows (:class:`~houqin.core.models.WebhookDelivery`): a failed one
is retried with exponential backoff (1, 5, 25, 125 … minutes) by the ``houqin tick`` job
in :mod:`houqin.core.jobs` until ``settings.WEBHOOK_MAX_ATTEMPTS`` attempts have failed.
A delivery is *claimed* with a conditional UPDATE before it is sent, so the task and the
tick job (or two ticks) never post the same message twice at the same time.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# WeCom robots accept at most 4096 bytes of markdown; DingTalk is more generous.
MARKDOWN_MAX_BYTES = 4000
# How long a claimed delivery is reserved for the sender before another may retry it.
CLAIM_SECONDS = 300


def absolute_url(url: str) -> str:
    if url and url.startswith("/"):
        return settings.SITE_URL + url
    return url or ""


# --- Sending ------------------------------------------------------------------------------


def notify(
    *,
    campus,
    recipients,
    title,
    body="",
    url="",
    level="info",
    event="",
    email=False,
    webhook=True,
):
    """Notify users in the app (and by e-mail), and the campus's webhooks that want ``event``.

    Returns the created :class:`Notification` rows. Inactive users and duplicates are
    skipped. E-mails (to recipients with an address, when ``email``) and webhook posts
    happen after the surrounding transaction commits.
    """
    from houqin.core.models import Notification, WebhookDelivery, WebhookEndpoint

    if level not in Notification.Level.values:
        raise ValidationError(_("Unknown notification level “%(level)s”.") % {"level": level})
    title = str(title).strip()[:200]
    body = str(body or "")
    url = str(url or "")[:300]
    event = str(event or "")[:60]

    seen = set()
    users = []
    for user in recipients or ():
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)

    with transaction.atomic():
        rows = []
        for user in users:
            n = Notification(
                campus=campus, recipient=user, title=title, body=body, url=url, level=level, event=event
            )
            n.full_clean(exclude=["campus", "recipient"])
            rows.append(n)
        created = Notification.objects.with_scopes_disabled().bulk_create(rows)

        deliveries = []
        if webhook:
            _ensure_default_endpoint(campus)
            endpoints = WebhookEndpoint.objects.with_scopes_disabled().filter(campus=campus, is_active=True)
            payload = {
                "event": event,
                "title": title,
                "body": body,
                "url": absolute_url(url),
                "level": level,
                "campus": campus.code,
                "campus_name": campus.name,
            }
            now = timezone.now()
            for endpoint in endpoints:
                if endpoint.wants(event):
                    d = WebhookDelivery(
                        campus=campus,
                        endpoint=endpoint,
                        event=event or "notification",
                        payload=payload,
                        next_attempt_at=now,
                    )
                    d.full_clean(exclude=["campus", "endpoint"])
                    deliveries.append(d)
            deliveries = WebhookDelivery.objects.with_scopes_disabled().bulk_create(deliveries)

        if email:
            mail_ids = [n.pk for n in created if n.recipient.email]
            if mail_ids:
                transaction.on_commit(lambda: _enqueue_emails(mail_ids))
        delivery_ids = [d.pk for d in deliveries]
        if delivery_ids:
            transaction.on_commit(lambda: _enqueue_deliveries(delivery_ids))
    return created


def guess_kind(url: str) -> str:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host.endswith("qyapi.weixin.qq.com"):
        return "wecom"
    if host.endswith("dingtalk.com"):
        return "dingtalk"
    return "generic"


def _ensure_default_endpoint(campus):
    """Give a campus without any webhook of its own the installation's ``WEBHOOK_URL``.

    The endpoint is created as an ordinary row, so the campus sees it in its webhook
    settings and can change or switch it off there; a campus that has any endpoint (even
    a switched-off one) is left alone.
    """
    from houqin.core import audit
    from houqin.core.models import WebhookEndpoint

    url = getattr(settings, "WEBHOOK_URL", "")
    if not url:
        return None
    endpoints = WebhookEndpoint.objects.with_scopes_disabled()
    if endpoints.filter(campus=campus).exists():
        return None
    endpoint = WebhookEndpoint(campus=campus, name=_("Default group robot"), kind=guess_kind(url), url=url)
    endpoint.full_clean(exclude=["campus"])
    endpoint.save()
    audit.record(
        actor=None, action="create", obj=endpoint, after=audit.snapshot(endpoint), message="WEBHOOK_URL"
    )
    return endpoint


def notify_roles(*, campus, roles, exclude=(), **kwargs):
    """:func:`notify` every active user holding one of ``roles`` on the campus.

    Roles held for the whole organisation (system administrators, supervisors) count too.
    ``exclude``: users not to notify (typically the actor).
    """
    return notify(campus=campus, recipients=users_with_roles(campus, roles, exclude=exclude), **kwargs)


def users_with_roles(campus, roles, *, exclude=()):
    from houqin.core.models import User

    roles = [str(r) for r in roles]
    if not roles:
        return User.objects.none()
    excluded = [getattr(u, "pk", u) for u in exclude or ()]
    q = Q(memberships__campus=campus) | Q(memberships__organization_id=campus.organization_id)
    return (
        User.objects.filter(q, is_active=True, memberships__is_active=True, memberships__role__in=roles)
        .exclude(pk__in=excluded)
        .distinct()
        .order_by("pk")
    )


def _enqueue_emails(notification_ids):
    from houqin.core.tasks import send_notification_emails

    try:
        send_notification_emails.enqueue(notification_ids)
    except Exception:  # the notification rows exist; a lost e-mail must not break the request
        logger.exception("Could not queue notification e-mails %s", notification_ids)


def _enqueue_deliveries(delivery_ids):
    from houqin.core.tasks import send_webhook_delivery

    for pk in delivery_ids:
        try:
            send_webhook_delivery.enqueue(pk)
        except Exception:  # the tick job picks pending deliveries up anyway
            logger.exception("Could not queue webhook delivery %s", pk)


def send_emails(notification_ids) -> int:
    """E-mail the given notifications that have not been e-mailed yet; returns how many were sent."""
    from houqin.core.models import Notification

    rows = (
        Notification.objects.with_scopes_disabled()
        .filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient", "campus")
    )
    sent = 0
    connection = get_connection()
    for n in rows:
        address = n.recipient.email
        if not address:
            continue
        text = n.body
        link = absolute_url(n.url)
        if link:
            text = f"{text}\n\n{link}" if text else link
        subject = f"[{n.campus.display_name}] {n.title}"
        try:
            send_mail(subject, text, None, [address], connection=connection)
        except Exception:
            logger.exception("Could not e-mail notification %s to %s", n.pk, address)
            continue
        Notification.objects.with_scopes_disabled().filter(pk=n.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


# --- Webhooks -----------------------------------------------------------------------------


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failed tries: 1, 5, 25, 125 … minutes (≤ 1 day)."""
    return dt.timedelta(minutes=min(5 ** max(attempts - 1, 0), 24 * 60))


def _truncate_utf8(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode("utf-8", "ignore") + "…"


def markdown_text(payload: dict) -> str:
    lines = [f"**{payload.get('title', '')}**"]
    if payload.get("body"):
        lines.append(payload["body"])
    if payload.get("url"):
        lines.append(f"[{_('Open in Houqin')}]({payload['url']})")
    if payload.get("campus_name"):
        lines.append(f"> {payload['campus_name']}")
    return _truncate_utf8("\n\n".join(lines), MARKDOWN_MAX_BYTES)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def build_request(endpoint, payload: dict, *, now_ms=None) -> tuple[str, dict]:
    """(URL, JSON body) to post to ``endpoint`` for a stored delivery payload."""
    kind = endpoint.kind
    url = endpoint.url
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": markdown_text(payload)}}
    if kind == "dingtalk":
        if endpoint.secret:
            ts = int(time.time() * 1000) if now_ms is None else now_ms
            sep = "&" if "?" in url else "?"
            url = f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(endpoint.secret, ts)}"
        return url, {
            "msgtype": "markdown",
            "markdown": {"title": payload.get("title", "")[:100], "text": markdown_text(payload)},
        }
    return url, {
        "event": payload.get("event", ""),
        "title": payload.get("title", ""),
        "body": payload.get("body", ""),
        "url": payload.get("url", ""),
        "campus": payload.get("campus", ""),
        "campus_name": payload.get("campus_name", ""),
        "level": payload.get("level", ""),
    }


def _post(url: str, body: dict) -> tuple[int | None, str, str]:
    """POST JSON; returns (HTTP status or None, response text, error or "")."""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        return None, "", f"unsupported URL scheme {scheme!r}"
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "Houqin-webhook/1"},
    )
    try:
        with urllib.request.urlopen(req, timeout=settings.WEBHOOK_TIMEOUT) as resp:  # noqa: S310 (scheme checked)
            return resp.status, resp.read(65536).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        text = ""
        try:
            text = exc.read(2048).decode("utf-8", "replace")
        except Exception:
            pass
        return exc.code, text, f"HTTP {exc.code}"
    except Exception as exc:  # URLError, timeout, connection reset…
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(exc).__name__}: {reason}"


def _judge(kind: str, status, text: str, error: str) -> str:
    """The error of one attempt, or "" when it succeeded."""
    if error:
        return error
    if status is None or not 200 <= status < 300:
        return f"HTTP {status}"
    if kind in ("wecom", "dingtalk"):
        try:
            answer = json.loads(text)
        except ValueError:
            return f"HTTP {status}: response is not JSON"
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            errcode = answer.get("errcode") if isinstance(answer, dict) else None
            errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
            return f"errcode {errcode}: {errmsg}"
    return ""


def _claim(delivery, *, force: bool) -> bool:
    """Reserve a pending delivery for one sender; False if it is not due or someone else has it."""
    from houqin.core.models import WebhookDelivery

    now = timezone.now()
    qs = WebhookDelivery.objects.with_scopes_disabled().filter(
        pk=delivery.pk, status=WebhookDelivery.Status.PENDING, attempts=delivery.attempts
    )
    if not force:
        qs = qs.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    lease = now + dt.timedelta(seconds=max(CLAIM_SECONDS, settings.WEBHOOK_TIMEOUT * 2))
    return qs.update(next_attempt_at=lease) == 1


def deliver(delivery, *, force=False) -> bool:
    """Send one pending delivery now; records the outcome and schedules a retry on failure.

    Returns True when the endpoint accepted the message. A delivery that is not pending,
    not yet due (unless ``force``) or being sent by another worker is left alone (False).
    """
    from houqin.core.models import WebhookDelivery

    fresh = (
        WebhookDelivery.objects.with_scopes_disabled()
        .select_related("endpoint")
        .filter(pk=delivery.pk)
        .first()
    )
    if fresh is None or fresh.status != WebhookDelivery.Status.PENDING:
        return False
    if not _claim(fresh, force=force):
        return False

    endpoint = fresh.endpoint
    if not endpoint.is_active:
        status, text, error = None, "", "endpoint is switched off"
    else:
        url, body = build_request(endpoint, fresh.payload)
        status, text, error = _post(url, body)
        error = _judge(endpoint.kind, status, text, error)

    now = timezone.now()
    fresh.attempts += 1
    fresh.response_status = status
    if not error:
        fresh.status = WebhookDelivery.Status.SENT
        fresh.sent_at = now
        fresh.next_attempt_at = None
        fresh.last_error = ""
    else:
        fresh.last_error = error[:300]
        if fresh.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not endpoint.is_active:
            fresh.status = WebhookDelivery.Status.FAILED
            fresh.next_attempt_at = None
        else:
            fresh.next_attempt_at = now + backoff(fresh.attempts)
        logger.warning(
            "Webhook %s (%s) failed, attempt %s: %s", endpoint.pk, endpoint.name, fresh.attempts, error
        )
    fresh.save(
        update_fields=[
            "attempts",
            "response_status",
            "status",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "updated_at",
        ]
    )
    # keep the caller's instance in step
    for field in ("attempts", "response_status", "status", "sent_at", "next_attempt_at", "last_error"):
        setattr(delivery, field, getattr(fresh, field))
    return not error


def due_deliveries(now=None):
    from houqin.core.models import WebhookDelivery

    now = now or timezone.now()
    return (
        WebhookDelivery.objects.with_scopes_disabled()
        .filter(status=WebhookDelivery.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "pk")
    )


def retry_due(now=None, *, limit=200) -> tuple[int, int]:
    """Send every due pending delivery (at most ``limit``); returns (sent, failed attempts)."""
    sent = failed = 0
    for delivery in list(due_deliveries(now)[:limit]):
        attempted_before = delivery.attempts
        if deliver(delivery):
            sent += 1
        elif delivery.attempts > attempted_before:
            failed += 1
    return sent, failed


def webhook_test(*, actor, endpoint) -> bool:
    """Send a test message to an endpoint right away (for the webhook settings page)."""
    from houqin.core import audit
    from houqin.core.models import WebhookDelivery

    delivery = WebhookDelivery(
        campus_id=endpoint.campus_id,
        endpoint=endpoint,
        event="test",
        payload={
            "event": "test",
            "title": _("Test message from Houqin"),
            "body": _("If you can read this, the robot is set up correctly."),
            "url": absolute_url("/"),
            "level": "info",
            "campus": endpoint.campus.code,
            "campus_name": endpoint.campus.name,
        },
        next_attempt_at=timezone.now(),
    )
    delivery.full_clean(exclude=["campus", "endpoint"])
    delivery.save()
    ok = deliver(delivery)
    audit.record(actor=actor, action="webhook_test", obj=endpoint, message=delivery.last_error or "ok")
    return ok


# --- Inbox --------------------------------------------------------------------------------


def inbox(user, campus):
    """The user's notifications on the campus, newest first."""
    from houqin.core.models import Notification

    return Notification.objects.with_scopes_disabled().filter(recipient=user, campus=campus)


def unread_count(user, campus) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user, campus).filter(read_at__isnull=True).count()


def mark_read(*, user, notifications) -> int:
    """Mark notifications of ``user`` as read: a queryset, instances or ids. Others' are ignored.

    Reading one's inbox changes no business record, so this is not audited.
    """
    from houqin.core.models import Notification

    if hasattr(notifications, "values_list") and getattr(notifications, "model", None) is Notification:
        ids = list(notifications.values_list("pk", flat=True))
    else:
        ids = [getattr(n, "pk", n) for n in notifications]
    if not ids:
        return 0
    return (
        Notification.objects.with_scopes_disabled()
        .filter(pk__in=ids, recipient=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def mark_all_read(*, user, campus) -> int:
    return inbox(user, campus).filter(read_at__isnull=True).update(read_at=timezone.now())
