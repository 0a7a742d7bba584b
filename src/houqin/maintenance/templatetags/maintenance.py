"""Template tags other modules' pages use to link to repairs (the hazard page's
"open a repair" block)."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def repairs_opened_from(context, obj):
    """The repair requests opened from ``obj`` (a hazard…), each with whether the user may
    open its page, and whether the user may open a repair now (none open yet):
    ``{"repairs": [(repair, visible)], "can_report": bool}``. Two queries."""
    request = context.get("request")
    perms = getattr(request, "perms", None) or set()
    if obj is None or getattr(obj, "pk", None) is None or not (
        {"maintenance.report_repairs", "maintenance.view_repairs"} & set(perms)
    ):
        return {"repairs": [], "can_report": False}
    from houqin.maintenance import services
    from houqin.maintenance.models import RepairRequest

    repairs = list(services.repairs_for_origin(obj).order_by("id")[:5])
    visible = set(
        services.visible_repairs(request.user, perms, RepairRequest.objects.filter(pk__in=[r.pk for r in repairs]))
        .values_list("pk", flat=True)
    )
    return {
        "repairs": [(r, r.pk in visible) for r in repairs],
        "can_report": "maintenance.report_repairs" in perms
        and all(r.status == RepairRequest.Status.CANCELLED for r in repairs),
    }
