"""The campus audit log and the user's own notifications."""

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from houqin.api.access import CAMPUS_MEMBER, requires
from houqin.api.helpers import get_in_campus
from houqin.api.pagination import LimitOffset
from houqin.core import notifications
from houqin.core.models import AuditEvent

router = Router(tags=["activity"])


# --- audit -------------------------------------------------------------------------------


class AuditEventOut(Schema):
    id: int
    created_at: dt.datetime
    actor: int | None = Field(alias="actor_id")
    actor_repr: str
    action: str
    object_type: str | None = None
    object_id: str
    object_repr: str
    before: Any | None
    after: Any | None
    message: str
    request_id: str
    source: str
    ip_address: str | None

    @staticmethod
    def resolve_object_type(obj):
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}" if ct else None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@router.get("/audit", response=list[AuditEventOut], url_name="audit_list")
@requires("core.view_audit")
@paginate(LimitOffset)
def audit_list(
    request,
    action: str | None = None,
    object_type: str | None = Query(None, description="app_label.model, e.g. core.child"),
    object_id: str | None = None,
    actor: int | None = Query(None, description="User id"),
    date_from: Annotated[dt.date | None, Query(description="First day (inclusive, campus time)")] = None,
    date_to: Annotated[dt.date | None, Query(description="Last day (inclusive, campus time)")] = None,
    q: str = Query("", description="Text in the object or message"),
):
    """Newest first. Rows of this campus only."""
    qs = AuditEvent.objects.filter(campus=request.campus).select_related("content_type")
    if action:
        qs = qs.filter(action=action)
    if object_type:
        app_label, _dot, model = object_type.lower().partition(".")
        if not model:
            raise ValidationError({"object_type": _("Use the form app_label.model, for example core.child.")})
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor is not None:
        qs = qs.filter(actor_id=actor)
    if date_from:
        qs = qs.filter(created_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(created_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(message__icontains=q))
    return qs.order_by("-created_at", "-id")


# --- notifications -----------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    level: str
    level_display: str = Field(alias="get_level_display")
    event: str
    read_at: dt.datetime | None
    created_at: dt.datetime


class MarkedOut(Schema):
    updated: int


def _my_notifications(request):
    return notifications.inbox(request.user, request.campus)


@router.get("/notifications", response=list[NotificationOut], url_name="notification_list")
@requires(CAMPUS_MEMBER)
@paginate(LimitOffset)
def notification_list(request, unread: bool | None = None):
    """Your own notifications on this campus, newest first."""
    qs = _my_notifications(request).order_by("-created_at", "-id")
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    return qs


@router.post("/notifications/{notification_id}/read", response=NotificationOut, url_name="notification_read")
@requires(CAMPUS_MEMBER)
def notification_read(request, notification_id: int):
    notification = get_in_campus(request, _my_notifications(request), pk=notification_id)
    notifications.mark_read(user=request.user, notifications=[notification])
    notification.refresh_from_db()
    return notification


@router.post("/notifications/read-all", response=MarkedOut, url_name="notification_read_all")
@requires(CAMPUS_MEMBER)
def notification_read_all(request):
    return {"updated": notifications.mark_all_read(user=request.user, campus=request.campus)}
