"""Background tasks of the core (django-tasks; run by the django-tasks-db worker).

Tasks take plain ids and look their rows up themselves; they run outside any campus
scope, so they query with ``with_scopes_disabled()`` on purpose.
"""

from django_tasks import task


@task()
def send_webhook_delivery(delivery_id: int) -> bool:
    """Post one webhook delivery (retries are scheduled by :func:`notifications.deliver`)."""
    from houqin.core.models import WebhookDelivery
    from houqin.core.notifications import deliver

    delivery = WebhookDelivery.objects.with_scopes_disabled().filter(pk=delivery_id).first()
    if delivery is None:
        return False
    return deliver(delivery)


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail notifications that have not been e-mailed yet."""
    from houqin.core.notifications import send_emails

    return send_emails(notification_ids)
