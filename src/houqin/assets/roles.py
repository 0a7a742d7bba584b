"""Permissions of the assets module (资产), added to the core matrix."""

from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role, register_permissions

_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}
_KEEPERS = _LEADERS | {Role.ASSET_KEEPER}
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
    "assets.view_assets": _("See the asset register (资产台账), rooms' property and custodians"),
    "assets.manage_assets": _("Register, edit, import and label assets; keep categories"),
    "assets.view_custody": _("See class property hand-overs, loans and damage"),
    "assets.sign_handover": _("Sign the term hand-over of a room's property (班级财产交接)"),
    "assets.borrow_assets": _("Ask to borrow or be issued an asset (申领/领借)"),
    "assets.manage_custody": _("Run hand-overs, lend and take back assets, record damage and compensation"),
    "assets.view_stocktakes": _("See stocktakes (盘点) and their results"),
    "assets.count_stocktakes": _("Count assets room by room in a stocktake"),
    "assets.manage_stocktakes": _("Start, close and reconcile stocktakes"),
    "assets.request_disposal": _("Request the disposal (报废/报损) of assets"),
    "assets.view_reports": _("See asset reports: acquisitions, disposals, depreciation"),
}

MATRIX = {
    "assets.view_assets": _KEEPERS
    | {
        Role.ACCOUNTANT,
        Role.CLASS_TEACHER,
        Role.CHILDCARE_WORKER,
        Role.HEALTH_TEACHER,
        Role.CANTEEN_HEAD,
        Role.REPAIR_WORKER,
    },
    "assets.manage_assets": _KEEPERS,
    "assets.view_custody": _KEEPERS | {Role.ACCOUNTANT, Role.CLASS_TEACHER},
    "assets.sign_handover": _KEEPERS | {Role.CLASS_TEACHER, Role.CHILDCARE_WORKER},
    "assets.borrow_assets": _STAFF,
    "assets.manage_custody": _KEEPERS,
    "assets.view_stocktakes": _KEEPERS | {Role.ACCOUNTANT, Role.CLASS_TEACHER},
    "assets.count_stocktakes": _KEEPERS | {Role.CLASS_TEACHER},
    "assets.manage_stocktakes": _KEEPERS,
    "assets.request_disposal": _KEEPERS,
    "assets.view_reports": _KEEPERS | {Role.ACCOUNTANT},
}

register_permissions(PERMISSIONS, MATRIX)
