"""Roles and the role → permission matrix: the one place that says who may do what.

``docs/roles.md`` is rendered from this file (``houqin roles_doc``) and a test checks that
it is up to date. Permissions are plain strings ``"<app>.<action>"``; a view names the one
it needs and the campus middleware gives the request the roles the user holds there.

Organisation-level supervisors (教育局/集团督查) get every ``*.view_*`` permission of every
campus in their organisation and nothing else: they read, they never write.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PRINCIPAL = "principal", _("Principal")
    LOGISTICS_HEAD = "logistics_head", _("Logistics head")
    ACCOUNTANT = "accountant", _("Accountant")
    CASHIER = "cashier", _("Cashier")
    ASSET_KEEPER = "asset_keeper", _("Asset keeper")
    HEALTH_TEACHER = "health_teacher", _("Health teacher")
    CHILDCARE_WORKER = "childcare_worker", _("Childcare worker")
    CLASS_TEACHER = "class_teacher", _("Class teacher")
    CANTEEN_HEAD = "canteen_head", _("Canteen head")
    COOK = "cook", _("Cook")
    GUARD = "guard", _("Guard")
    REPAIR_WORKER = "repair_worker", _("Repair worker")
    DUTY_ADMIN = "duty_admin", _("Duty administrator")
    PARENT = "parent", _("Parent")
    SUPERVISOR = "supervisor", _("District / group supervisor")
    SYSADMIN = "sysadmin", _("System administrator")


# The Chinese names the seeds use, independent of the active language (docs, printouts).
ROLE_NAMES_ZH = {
    Role.PRINCIPAL: "园长/校长",
    Role.LOGISTICS_HEAD: "后勤园长/总务主任",
    Role.ACCOUNTANT: "会计",
    Role.CASHIER: "出纳",
    Role.ASSET_KEEPER: "资产管理员",
    Role.HEALTH_TEACHER: "保健老师",
    Role.CHILDCARE_WORKER: "保育员",
    Role.CLASS_TEACHER: "班主任/教师",
    Role.CANTEEN_HEAD: "食堂负责人",
    Role.COOK: "营养员/炊事员",
    Role.GUARD: "门卫/保安",
    Role.REPAIR_WORKER: "维修工",
    Role.DUTY_ADMIN: "值班行政",
    Role.PARENT: "家长",
    Role.SUPERVISOR: "教育局/集团督查",
    Role.SYSADMIN: "系统管理员",
}

# Roles that may be granted for a whole organisation rather than one campus.
ORGANIZATION_ROLES = {Role.SUPERVISOR, Role.SYSADMIN}

# Every permission with its description; the matrix below may only use these.
PERMISSIONS: dict[str, str] = {
    "core.view_dashboard": _("See the home dashboard of the campus"),
    "core.view_campus": _("See campus information, buildings and rooms"),
    "core.manage_campus": _("Edit campus information, buildings and rooms"),
    "core.manage_settings": _("Change the campus rule settings"),
    "core.view_calendar": _("See terms and holidays"),
    "core.manage_calendar": _("Edit terms, holidays and make-up days"),
    "core.view_classes": _("See classes"),
    "core.manage_classes": _("Edit classes"),
    "core.view_children": _("See children and guardians"),
    "core.manage_children": _("Add, edit and import children"),
    "core.unmask_child_identity": _("See children's full ID numbers"),
    "core.view_users": _("See staff accounts of the campus"),
    "core.manage_users": _("Create accounts and grant roles on the campus"),
    "core.view_audit": _("Read the audit log"),
    "core.manage_notifications": _("Configure webhooks and notification channels"),
    "core.create_requests": _("Raise general requests for approval"),
    "core.view_approvals": _("See the approvals one submitted, signed or must sign"),
    "core.view_all_approvals": _("See every approval request and general request of the campus"),
    "core.manage_approval_flows": _("Configure approval steps and thresholds"),
    "core.manage_disclosure": _("Publish notices on the public disclosure page"),
    "core.export": _("Export lists to Excel"),
    "core.view_organization": _("See the organisation overview across its campuses"),
    "core.manage_organization": _("Add campuses to the organisation"),
    "core.view_routines": _("See routines (例行工作), their checks and completion rates"),
    "core.complete_routines": _("Complete routine checks"),
    "core.manage_routines": _("Set up routines, enable the routine library and void completed checks"),
}

_ALL_STAFF = {
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
_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}

# permission → roles holding it (supervisors are added for every view_* below)
MATRIX: dict[str, set[str]] = {
    "core.view_dashboard": _ALL_STAFF | {Role.PARENT},
    "core.view_campus": _ALL_STAFF,
    "core.manage_campus": _LEADERS,
    "core.manage_settings": _LEADERS,
    "core.view_calendar": _ALL_STAFF,
    "core.manage_calendar": _LEADERS,
    "core.view_classes": _ALL_STAFF,
    "core.manage_classes": _LEADERS | {Role.HEALTH_TEACHER},
    "core.view_children": _LEADERS
    | {Role.HEALTH_TEACHER, Role.CHILDCARE_WORKER, Role.CLASS_TEACHER, Role.GUARD, Role.ACCOUNTANT, Role.CASHIER},
    "core.manage_children": _LEADERS | {Role.HEALTH_TEACHER},
    "core.unmask_child_identity": _LEADERS | {Role.HEALTH_TEACHER},
    "core.view_users": _LEADERS,
    "core.manage_users": {Role.PRINCIPAL, Role.SYSADMIN},
    "core.view_audit": _LEADERS,
    "core.manage_notifications": _LEADERS,
    "core.create_requests": _ALL_STAFF,
    "core.view_approvals": _ALL_STAFF,
    "core.view_all_approvals": _LEADERS | {Role.ACCOUNTANT},
    "core.manage_approval_flows": _LEADERS,
    "core.manage_disclosure": _LEADERS,
    "core.export": _ALL_STAFF,
    # Organisation-level permissions are granted by organisation memberships only.
    "core.view_organization": {Role.SYSADMIN},
    "core.manage_organization": {Role.SYSADMIN},
    "core.view_routines": _ALL_STAFF,
    "core.complete_routines": _ALL_STAFF,
    "core.manage_routines": _LEADERS,
}


def _with_supervisors(matrix):
    out = {perm: {str(r) for r in roles} for perm, roles in matrix.items()}
    for perm, roles in out.items():
        if perm.split(".", 1)[1].startswith("view_"):
            roles.add(str(Role.SUPERVISOR))
    return out


def register_permissions(permissions: dict[str, str], matrix: dict[str, set[str]]):
    """Apps add their own permissions here (called from their ``roles`` module)."""
    unknown = set(matrix) - set(permissions) - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"Matrix names unknown permissions: {sorted(unknown)}")
    PERMISSIONS.update(permissions)
    for perm, roles in matrix.items():
        MATRIX.setdefault(perm, set()).update(roles)
    _cache.clear()


_cache: dict = {}


def role_permissions() -> dict[str, set[str]]:
    """role → set of permissions (computed once)."""
    if "by_role" not in _cache:
        by_role: dict[str, set[str]] = {str(r): set() for r in Role}
        for perm, roles in _with_supervisors(MATRIX).items():
            for role in roles:
                by_role[role].add(perm)
        _cache["by_role"] = by_role
    return _cache["by_role"]


def permissions_for(roles) -> set[str]:
    table = role_permissions()
    perms: set[str] = set()
    for role in roles:
        perms |= table.get(str(role), set())
    return perms


def roles_with(perm: str) -> set[str]:
    return {role for role, perms in role_permissions().items() if perm in perms}


def is_read_only_role(role) -> bool:
    return str(role) == Role.SUPERVISOR
