"""The deliberate cross-campus reads of the maintenance pages: a public status link names
a request by its secret token, with no campus in the URL (views never disable scopes)."""

from django_scopes import scopes_disabled

from houqin.maintenance.models import RepairRequest, WorkOrder


def repair_by_status_token(token):
    """The request a status link points to (tokens are unique across campuses)."""
    if not token or len(token) > 32:
        return None
    with scopes_disabled():
        return (
            RepairRequest.objects.filter(status_token=token)
            .select_related("campus", "room", "building", "asset", "reporter")
            .first()
        )


def repair_status_context(repair):
    """What the public status page shows: the request, its work order and the timeline."""
    with scopes_disabled():
        order = (
            WorkOrder.objects.filter(request=repair).select_related("worker", "supplier").first()
        )
    steps = [(repair.reported_at, RepairRequest.Status.REPORTED.label, repair.reporter_display)]
    if order is not None:
        steps.append((order.dispatched_at, RepairRequest.Status.DISPATCHED.label, order.assignee_display))
        if order.started_at:
            steps.append((order.started_at, RepairRequest.Status.IN_PROGRESS.label, ""))
        if order.done_at:
            steps.append((order.done_at, RepairRequest.Status.DONE.label, order.work_done))
        if order.signed_off_at and repair.status == RepairRequest.Status.CLOSED:
            steps.append((order.signed_off_at, RepairRequest.Status.CLOSED.label, order.signed_off_name))
    if repair.status == RepairRequest.Status.CANCELLED:
        steps.append((repair.cancelled_at, RepairRequest.Status.CANCELLED.label, repair.cancel_reason))
    return {
        "repair": repair,
        "order": order,
        "steps": steps,
        "can_sign": repair.status == RepairRequest.Status.DONE and bool(repair.reporter_phone),
    }
