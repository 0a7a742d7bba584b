"""The core's dashboard providers ("needs attention" cards) and its public disclosure section.

Imported at the end of ``core.registrations``. Each provider runs a fixed, small number of
queries whatever the amount of data.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import attachables, dashboard, disclosure  # noqa: F401 (attachables registers the core models)
from houqin.core.dashboard import Attention
from houqin.core.links import request_url

ITEMS = 5
FAILING_WEBHOOK_DAYS = 7


@dashboard.register("core.approvals_waiting", "core.view_approvals", order=10)
def approvals_waiting(request):
    """Approval requests waiting for a role the user holds (4 queries)."""
    from houqin.core import approvals

    qs = approvals.pending_for(request.user, request.campus)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{a.title} · {a.requested_by}", request_url(request, "core:approval_detail", pk=a.pk)) for a in qs[:ITEMS]
    ]
    return [
        Attention(
            title=_("Approvals waiting for me"),
            count=count,
            url=request_url(request, "core:approval_inbox"),
            level="warning",
            items=items,
        )
    ]


@dashboard.register("core.unread_notifications", "core.view_dashboard", order=20)
def unread_notifications(request):
    """The user's unread notifications on this campus (2 queries)."""
    from houqin.core.models import Notification

    qs = Notification.objects.filter(campus=request.campus, recipient=request.user, read_at__isnull=True)
    count = qs.count()
    if not count:
        return []
    items = [
        (n.title, request_url(request, "core:notification_open", pk=n.pk))
        for n in qs.order_by("-created_at", "-id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Unread notifications"),
            count=count,
            url=request_url(request, "core:notification_list"),
            level="info",
            items=items,
        )
    ]


@dashboard.register("core.failing_webhooks", "core.manage_notifications", order=80)
def failing_webhooks(request):
    """Webhook deliveries that failed (or are being retried) in the last week (2 queries)."""
    from django.db.models import Q

    from houqin.core.models import WebhookDelivery

    since = timezone.now() - dt.timedelta(days=FAILING_WEBHOOK_DAYS)
    qs = WebhookDelivery.objects.filter(campus=request.campus, created_at__gte=since).filter(
        Q(status=WebhookDelivery.Status.FAILED) | Q(status=WebhookDelivery.Status.PENDING, attempts__gt=0)
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{d.endpoint.name} · {d.event} · {d.last_error or d.get_status_display()}"[:120],
            request_url(request, "core:webhook_detail", pk=d.endpoint_id),
        )
        for d in qs.select_related("endpoint").order_by("-created_at", "-id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Failing webhook deliveries"),
            count=count,
            url=request_url(request, "core:webhook_list"),
            level="danger",
            detail=_("Group robot messages of the last %(days)s days that could not be delivered.")
            % {"days": FAILING_WEBHOOK_DAYS},
            items=items,
        )
    ]


@dashboard.register("core.no_current_term", "core.manage_calendar", order=90)
def no_current_term(request):
    """The campus has no term covering today (1 query)."""
    from houqin.core.models import Term

    today = timezone.localdate()
    if Term.objects.filter(campus=request.campus, start_date__lte=today, end_date__gte=today).exists():
        return []
    return [
        Attention(
            title=_("No current term"),
            count=None,
            url=request_url(request, "core:term_list"),
            level="warning",
            detail=_("Set up the term calendar so that routines and reports follow it."),
        )
    ]


# --- Public disclosure page --------------------------------------------------------------

NOTICES_SHOWN = 30


@disclosure.register("core.notices", gettext_lazy("Notices"), "public/_notices.html", order=10)
def published_notices(request, campus):
    """Published public notices, newest first (1 query); hidden when there are none."""
    from houqin.core.models import PublicNotice

    notices = list(
        PublicNotice.objects.filter(campus=campus, is_published=True).order_by("-published_at", "-id")[
            :NOTICES_SHOWN
        ]
    )
    if not notices:
        return None
    return {"notices": notices}
