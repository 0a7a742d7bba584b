"""Registrations of the repairs area: menu, rule settings, dashboard cards, attachable
models, the room-QR action, the routines fail action "repair", the preventive-maintenance
routines of the library, the repair-history panel of the asset page and demo data.
Imported from :mod:`houqin.maintenance.registrations`."""

import dataclasses

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import dashboard, demo, navigation, routine_library
from houqin.core.attachables import register_attachable
from houqin.core.dashboard import Attention
from houqin.core.links import request_url
from houqin.core.qr import register_qr_action
from houqin.core.roles import Role
from houqin.core.routine_library import LibraryItem as I  # noqa: N817
from houqin.core.routine_library import LibraryRoutine
from houqin.core.settings_registry import Setting
from houqin.core.settings_registry import register as register_setting
from houqin.maintenance import services

# --- Menu ---------------------------------------------------------------------------------
item = navigation.register_item
item("maintenance", gettext_lazy("Repair requests"), "maintenance:repair_list", "maintenance.view_repairs", "ti-tool")
item("maintenance", gettext_lazy("Work orders"), "maintenance:workorder_list", "maintenance.view_repairs",
     "ti-clipboard-list")  # fmt: skip
item("maintenance", gettext_lazy("My repairs"), "maintenance:repair_mine", "maintenance.report_repairs",
     "ti-user-exclamation")  # fmt: skip
item("maintenance", gettext_lazy("Repair statistics"), "maintenance:repair_report", "maintenance.view_reports",
     "ti-chart-bar")  # fmt: skip

# --- Rule settings: due times (当天修复) ------------------------------------------------------
register_setting(Setting(
    "maintenance.normal_days", gettext_lazy("Normal repairs are due within"), "int", 0,
    module="maintenance", min_value=0, max_value=7, unit=gettext_lazy(" days"),
    help=gettext_lazy("Days after the day of the report; 0 = fixed the same day (能够维修的当天修复)."),
))  # fmt: skip
register_setting(Setting(
    "maintenance.urgent_hours", gettext_lazy("Urgent repairs are due within"), "int", 2,
    module="maintenance", min_value=1, max_value=24, unit=gettext_lazy(" hours"),
    help=gettext_lazy("Counted from the dispatch."),
))  # fmt: skip
register_setting(Setting(
    "maintenance.safety_hours", gettext_lazy("Safety-critical repairs are due within"), "int", 1,
    module="maintenance", min_value=1, max_value=12, unit=gettext_lazy(" hours"),
    help=gettext_lazy("Counted from the dispatch; make the place safe at once (stop use, cordon off)."),
))  # fmt: skip


# --- Attachable models --------------------------------------------------------------------
def _repair_viewer(request, obj):
    return services.visible_repairs(request.user, request.perms, type(obj).objects.filter(pk=obj.pk)).exists()


def _repair_writer(request, obj):
    if obj.status not in obj.ACTIVE_STATUSES:
        return False
    if obj.reporter_id == request.user.pk or "maintenance.dispatch_repairs" in request.perms:
        return True
    return services.can_work(request.user, obj, request.perms)


register_attachable(
    "maintenance.RepairRequest",
    ("maintenance.view_repairs", "maintenance.report_repairs"),
    ("maintenance.report_repairs", "maintenance.work_repairs"),
    can_view=_repair_viewer,
    can_write=_repair_writer,
    detail_url_name="maintenance:repair_detail",
)

# --- Room QR label: report a repair without logging in ------------------------------------
register_qr_action("maintenance.repair", gettext_lazy("Report a repair"), "qr_repair_report", "ti-tool", 10)


# --- Routines: a failed checklist item opens a repair in one tap ---------------------------
def _register_fail_action():
    from houqin.core import routines

    routines.register_fail_action(
        "repair",
        label=gettext_lazy("Open a repair"),
        permission="maintenance.report_repairs",
        handler=services.repair_from_routine_result,
        icon="ti-tool",
    )


_register_fail_action()


# --- Preventive maintenance in the routine library ----------------------------------------
def _with_repairs(key, extra_items=()):
    """A library routine of the core whose failed items should open work orders by themselves."""
    entry = routine_library.get(key)
    if entry is None:
        return
    items = tuple(entry.items)
    labels = {i.label for i in items}
    items += tuple(i for i in extra_items if i.label not in labels)
    routine_library.register(dataclasses.replace(entry, items=items, auto_follow_up="repair"))


# Before summer and before winter: every air conditioner cleaned and serviced.
for _key in ("maintenance.ac_clean_summer", "maintenance.ac_clean_winter"):
    _with_repairs(_key, (I("每台空调均已清洗保养，无遗漏（逐台登记，不能修复的报修）"),))
# Monthly lighting (with stairs and windows) already exists: make its failures open repairs.
_with_repairs("safety.monthly_lighting_stairs")

routine_library.register(LibraryRoutine(
    key="maintenance.term_start_utilities", name="开学前水电设施和门窗桌椅检修", category="maintenance",
    role=Role.REPAIR_WORKER, frequency={"frequency": "term_start"}, window=("08:00", "17:00"), grace_days=3,
    zone="全园",
    items=(
        I("水龙头、阀门、水管无跑、冒、滴、漏"),
        I("下水道、马桶、小便池通畅"),
        I("配电箱完好，漏电保护器试跳正常"),
        I("插座、开关、线路无破损老化"),
        I("活动室、寝室、走廊照明完好，坏灯管已更换"),
        I("饮水机、热水器运行正常"),
        I("门窗、桌椅完好，无松动、无尖锐边角"),
        I("检修及更换情况", kind="text", required=False),
    ),
    description="开学前检修全园水电设施和门窗桌椅；检查水电暖，维修照明。",
    source="[004 二月] [004 篇九]",
    auto_follow_up="repair",
))  # fmt: skip


# --- The asset page: its repair history ----------------------------------------------------
def _register_asset_panel():
    from houqin.assets.panels import register_asset_panel

    register_asset_panel(
        "maintenance.repairs",
        gettext_lazy("Repairs"),
        "maintenance/_asset_panel.html",
        get_context=lambda request, asset: services.asset_repairs(asset),
        permission="maintenance.view_repairs",
        order=30,
    )


_register_asset_panel()


# --- Dashboard ----------------------------------------------------------------------------
ITEMS = 5


def _label(repair):
    return f"{repair.number} {repair.place} · {repair.short_description}".strip()


@dashboard.register("maintenance.to_dispatch", "maintenance.dispatch_repairs", order=34)
def to_dispatch_card(request):
    """Repair requests waiting to be dispatched (3 queries)."""
    from houqin.maintenance.models import RepairRequest

    qs = RepairRequest.objects.filter(campus=request.campus, status=RepairRequest.Status.REPORTED)
    count = qs.count()
    if not count:
        return []
    items = [
        (_label(r), request_url(request, "maintenance:repair_detail", pk=r.pk))
        for r in qs.select_related("room", "building").order_by("reported_at", "id")[:ITEMS]
    ]
    urgent = qs.filter(urgency__in=["urgent", "safety"]).exists()
    return [
        Attention(
            title=_("Repairs to dispatch"),
            count=count,
            url=request_url(request, "maintenance:repair_list") + "?status=reported",
            level="danger" if urgent else "warning",
            items=items,
        )
    ]


@dashboard.register("maintenance.overdue", "maintenance.view_repairs", order=35)
def overdue_card(request):
    """Work orders past their due time and not done (2 queries)."""
    qs = services.overdue_orders(request.campus)
    count = qs.count()
    if not count:
        return []
    now = timezone.now()
    items = []
    for o in qs.select_related("request", "request__room", "request__building", "worker").order_by("due_at", "id")[:ITEMS]:
        hours = int((now - o.due_at).total_seconds() // 3600)
        items.append(
            (
                _("%(what)s · %(who)s · %(hours)s h late")
                % {"what": _label(o.request), "who": o.assignee_display, "hours": hours},
                request_url(request, "maintenance:repair_detail", pk=o.request_id),
            )
        )
    return [
        Attention(
            title=_("Overdue work orders"),
            count=count,
            url=request_url(request, "maintenance:workorder_list") + "?overdue=1",
            level="danger",
            detail=_("Not done by their due time (当天修复)."),
            items=items,
        )
    ]


@dashboard.register("maintenance.reopened", "maintenance.view_repairs", order=36)
def reopened_card(request):
    """Work orders the reporter sent back, not done again yet (2 queries)."""
    qs = services.reopened_orders(request.campus)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{_label(o.request)} · {o.returned_reason}", request_url(request, "maintenance:repair_detail", pk=o.request_id))
        for o in qs.select_related("request", "request__room", "request__building").order_by("due_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Repairs sent back"),
            count=count,
            url=request_url(request, "maintenance:workorder_list") + "?reopened=1",
            level="warning",
            items=items,
        )
    ]


@dashboard.register("maintenance.my_orders", "maintenance.work_repairs", order=33)
def my_orders_card(request):
    """The user's own work orders still to do (2 queries)."""
    from houqin.maintenance.models import RepairRequest, WorkOrder

    qs = WorkOrder.objects.filter(
        campus=request.campus, worker=request.user, request__status__in=RepairRequest.WORK_STATUSES
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (
            f"{_label(o.request)} · {timezone.localtime(o.due_at):%m-%d %H:%M}",
            request_url(request, "maintenance:repair_detail", pk=o.request_id),
        )
        for o in qs.select_related("request", "request__room", "request__building").order_by("due_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("My work orders"),
            count=count,
            url=request_url(request, "maintenance:workorder_list") + "?mine=1",
            level="warning",
            items=items,
        )
    ]


@dashboard.register("maintenance.to_sign_off", "maintenance.report_repairs", order=37)
def to_sign_off_card(request):
    """Repairs the user reported that are done and wait for their sign-off (2 queries)."""
    from houqin.maintenance.models import RepairRequest

    qs = RepairRequest.objects.filter(
        campus=request.campus, reporter=request.user, status=RepairRequest.Status.DONE
    ).exclude(work_order__done_by=request.user)
    count = qs.count()
    if not count:
        return []
    items = [
        (_label(r), request_url(request, "maintenance:repair_detail", pk=r.pk))
        for r in qs.select_related("room", "building").order_by("reported_at", "id")[:ITEMS]
    ]
    return [
        Attention(
            title=_("Repairs to check and sign off"),
            count=count,
            url=request_url(request, "maintenance:repair_mine") + "?status=done",
            level="info",
            detail=_("The repair worker reported them done: check and sign (报修人验收签字)."),
            items=items,
        )
    ]


# --- Demo data ----------------------------------------------------------------------------
from houqin.maintenance import repairs_demo  # noqa: E402

demo.register(order=340)(repairs_demo.add_demo_rows)
