"""The core's periodic jobs for ``houqin tick`` (each idempotent)."""

from houqin.core import ticks


@ticks.register("core.webhook_retry", order=50)
def webhook_retry(now) -> str:
    """Send webhook deliveries that are due: new ones whose task was lost, and retries."""
    from houqin.core.notifications import retry_due

    sent, failed = retry_due(now)
    return f"webhooks: {sent} sent, {failed} failed"
