"""Permissions of the environment module (环境: cleaning, hygiene inspections, greening,
functional rooms and dormitories), added to the core matrix."""

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
    "environment.view_environment": _("See cleaning zones, hygiene inspections and rankings, greening"),
    "environment.manage_zones": _("Set up responsibility zones (责任区), scoring sheets and greening areas"),
    "environment.inspect_hygiene": _("Score hygiene inspections (卫生检查评比) and send problems back"),
    "environment.fix_problems": _("Report a hygiene problem as fixed"),
    "environment.record_greening": _("Record greening work (绿化)"),
    "environment.record_room_use": _("Log the use of functional rooms"),
    "environment.inspect_dormitories": _("Inspect dormitories"),
}

MATRIX = {
    "environment.view_environment": _STAFF,
    "environment.manage_zones": _LEADERS,
    "environment.inspect_hygiene": _LEADERS | {Role.HEALTH_TEACHER, Role.DUTY_ADMIN},
    "environment.fix_problems": _STAFF,
    "environment.record_greening": _LEADERS | {Role.REPAIR_WORKER, Role.CHILDCARE_WORKER},
    "environment.record_room_use": _LEADERS | {Role.CLASS_TEACHER, Role.CHILDCARE_WORKER},
    "environment.inspect_dormitories": _LEADERS | {Role.DUTY_ADMIN, Role.HEALTH_TEACHER},
}

register_permissions(PERMISSIONS, MATRIX)
