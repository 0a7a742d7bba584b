"""Permissions of procurement and the warehouse (采购与库房), added to the core matrix."""

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
    "procurement.view_suppliers": _("See suppliers"),
    "procurement.manage_suppliers": _("Keep the list of suppliers"),
    "procurement.view_purchases": _("See all purchase requests, quotes, orders and acceptances"),
    "procurement.request_purchases": _("Raise purchase requests (申购) and see one's own"),
    "procurement.manage_purchases": _("Compare quotes (询价比价) and place purchase orders"),
    "procurement.accept_deliveries": _("Accept deliveries (验收) as one of the two signers"),
    "procurement.record_invoices": _("Record invoices against purchase orders"),
    "procurement.sign_invoices": _("Sign off invoices (每张票由园长签字)"),
    "procurement.view_stock": _("See the warehouse: items, balances and the stock ledger"),
    "procurement.manage_stock": _("Keep items and locations; receive, adjust, transfer and count stock"),
    "procurement.issue_stock": _("Issue stock against requisitions (出库)"),
    "procurement.request_items": _("Requisition items (领用) for a class or department"),
}

MATRIX = {
    "procurement.view_suppliers": _KEEPERS | {Role.ACCOUNTANT, Role.CANTEEN_HEAD},
    "procurement.manage_suppliers": _KEEPERS,
    "procurement.view_purchases": _KEEPERS | {Role.ACCOUNTANT},
    "procurement.request_purchases": _STAFF,
    "procurement.manage_purchases": _KEEPERS,
    "procurement.accept_deliveries": _KEEPERS | {Role.ACCOUNTANT, Role.CANTEEN_HEAD, Role.DUTY_ADMIN},
    "procurement.record_invoices": _KEEPERS | {Role.ACCOUNTANT},
    "procurement.sign_invoices": {Role.PRINCIPAL},
    "procurement.view_stock": _KEEPERS | {Role.ACCOUNTANT, Role.CANTEEN_HEAD},
    "procurement.manage_stock": _KEEPERS,
    "procurement.issue_stock": _KEEPERS,
    "procurement.request_items": _STAFF,
}

register_permissions(PERMISSIONS, MATRIX)
