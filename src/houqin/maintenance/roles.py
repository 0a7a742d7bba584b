"""Permissions of the maintenance module (维修), added to the core matrix."""

from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role, register_permissions

_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}
_STAFF = {
    Role.PRINCIPAL,
    Role.LOGISTICS_HEAD,
    Role.ACCOUNTANT,
    Role.CASHIER,
    Role.ASSET_KEEPER,
    Role.HEALTH_TEACHER,
    Role.CHILDCARE_WORKER,
    Role.CLASS_TEACHER,
    Role.CANTEEN_HEAD,
    Role.COOK,
    Role.GUARD,
    Role.REPAIR_WORKER,
    Role.DUTY_ADMIN,
    Role.SYSADMIN,
}

PERMISSIONS = {
    "maintenance.view_repairs": _("See all repair requests and work orders"),
    "maintenance.report_repairs": _("Report a repair (报修) and follow one's own requests"),
    "maintenance.dispatch_repairs": _("Dispatch work orders to workers or contractors"),
    "maintenance.work_repairs": _("Carry out work orders: record the work, parts, cost and after-photos"),
    "maintenance.view_reports": _("See repair statistics"),
}

MATRIX = {
    "maintenance.view_repairs": _LEADERS | {Role.REPAIR_WORKER, Role.ASSET_KEEPER, Role.DUTY_ADMIN},
    "maintenance.report_repairs": _STAFF,
    "maintenance.dispatch_repairs": _LEADERS,
    "maintenance.work_repairs": _LEADERS | {Role.REPAIR_WORKER},
    "maintenance.view_reports": _LEADERS | {Role.ACCOUNTANT, Role.ASSET_KEEPER},
}

register_permissions(PERMISSIONS, MATRIX)
