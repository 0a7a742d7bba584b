"""Permissions of the safety and gate module (安全与门卫), added to the core matrix."""

from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role, register_permissions

_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}
_STAFF = {
    Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.ACCOUNTANT, Role.CASHIER, Role.ASSET_KEEPER, Role.HEALTH_TEACHER,
    Role.CHILDCARE_WORKER, Role.CLASS_TEACHER, Role.CANTEEN_HEAD, Role.COOK, Role.GUARD, Role.REPAIR_WORKER,
    Role.DUTY_ADMIN, Role.SYSADMIN,
}

PERMISSIONS = {
    "safety.view_hazards": _("See hazards and their rectification (安全台账)"),
    "safety.report_hazards": _("Report a hazard"),
    "safety.manage_hazards": _("Assign, verify and close hazards"),
    "safety.view_drills": _("See drills"),
    "safety.manage_drills": _("Plan and record drills"),
    "safety.view_agreements": _("See responsibility agreements and who signed"),
    "safety.manage_agreements": _("Set up responsibility agreements and record signatures"),
    "safety.view_education": _("See the safety education plan and its completion"),
    "safety.record_education": _("Record safety lessons and the 1530 talks of a class"),
    "safety.manage_education": _("Plan safety education and approve activity safety plans"),
    "safety.view_plans": _("Read emergency plans"),
    "safety.manage_plans": _("Publish emergency plans and see who acknowledged them"),
    "safety.view_duty": _("See the duty roster"),
    "safety.manage_duty": _("Draw up the duty roster and approve swaps"),
    "safety.view_visitors": _("See the visitor log"),
    "safety.register_visitors": _("Register visitors at the gate"),
    "safety.unmask_visitor_identity": _("See visitors' full ID numbers"),
    "safety.manage_watchlist": _("Keep the visitor watch list"),
    "safety.view_pickup": _("See pickup authorisations and releases"),
    "safety.manage_pickup": _("Authorise pickup persons for children"),
    "safety.release_children": _("Release children at the gate"),
    "safety.view_fire_report": _("See the monthly fire report"),
    "safety.self_service": _(
        "Sign one's own responsibility agreements, acknowledge emergency plans and ask for duty swaps"
    ),
}

MATRIX = {
    "safety.view_hazards": _STAFF,
    "safety.report_hazards": _STAFF,
    "safety.manage_hazards": _LEADERS | {Role.DUTY_ADMIN},
    "safety.view_drills": _STAFF,
    "safety.manage_drills": _LEADERS,
    "safety.view_agreements": _LEADERS | {Role.CLASS_TEACHER},
    "safety.manage_agreements": _LEADERS,
    "safety.view_education": _LEADERS | {Role.CLASS_TEACHER, Role.CHILDCARE_WORKER, Role.HEALTH_TEACHER},
    "safety.record_education": _LEADERS | {Role.CLASS_TEACHER},
    "safety.manage_education": _LEADERS,
    "safety.view_plans": _STAFF,
    "safety.manage_plans": _LEADERS,
    "safety.view_duty": _STAFF,
    "safety.manage_duty": _LEADERS,
    "safety.view_visitors": _LEADERS | {Role.GUARD, Role.DUTY_ADMIN},
    "safety.register_visitors": _LEADERS | {Role.GUARD},
    "safety.unmask_visitor_identity": {Role.PRINCIPAL, Role.SYSADMIN, Role.GUARD},
    "safety.manage_watchlist": _LEADERS,
    "safety.view_pickup": _LEADERS | {Role.GUARD, Role.CLASS_TEACHER, Role.CHILDCARE_WORKER},
    "safety.manage_pickup": _LEADERS | {Role.CLASS_TEACHER},
    "safety.release_children": _LEADERS | {Role.GUARD, Role.CLASS_TEACHER},
    "safety.view_fire_report": _LEADERS | {Role.DUTY_ADMIN},
    "safety.self_service": _STAFF,
}

register_permissions(PERMISSIONS, MATRIX)
