"""The core's periodic jobs for ``houqin tick`` (each idempotent)."""

from houqin.core import ticks


@ticks.register("core.webhook_retry", order=50)
def webhook_retry(now) -> str:
    """Send webhook deliveries that are due: new ones whose task was lost, and retries."""
    from houqin.core.notifications import retry_due

    sent, failed = retry_due(now)
    return f"webhooks: {sent} sent, {failed} failed"


@ticks.register("core.approval_reminders", order=60)
def approval_reminders(now) -> str:
    """Remind signers of approvals waiting more than a day (once a day each)."""
    from houqin.core.approvals import remind_overdue

    return f"approval reminders: {remind_overdue(now)} sent"
