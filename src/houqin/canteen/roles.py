"""Permissions of the canteen module (食堂、食品安全与膳食营养), added to the core matrix."""

from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role, register_permissions

_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}
_CANTEEN = _LEADERS | {Role.CANTEEN_HEAD}
_KITCHEN = _CANTEEN | {Role.COOK}
_NUTRITION = _CANTEEN | {Role.HEALTH_TEACHER}

PERMISSIONS = {
    "canteen.view_suppliers": _("See food suppliers, their contracts and certificates"),
    "canteen.manage_suppliers": _("Keep food suppliers (定点供应商), contracts and certificates"),
    "canteen.view_receiving": _("See receiving inspections (进货查验) and the food store"),
    "canteen.receive": _("Record and sign receiving inspections of deliveries"),
    "canteen.keep_store": _("Keep the food store: confirm stock-outs as keeper, record disposals"),
    "canteen.cook": _("Confirm stock-outs from the food store as the cook"),
    "canteen.view_samples": _("See the sample retention (留样) log"),
    "canteen.take_samples": _("Take and dispose of food samples"),
    "canteen.review_samples": _("Review food samples"),
    "canteen.view_hygiene": _("See tableware disinfection, pesticide tests and temperature logs"),
    "canteen.record_hygiene": _("Record tableware disinfection, pesticide tests and temperatures"),
    "canteen.view_staff": _("See kitchen staff, health certificates, morning checks and training"),
    "canteen.manage_staff": _("Keep kitchen staff, health certificates, duty rosters and training"),
    "canteen.check_staff": _("Record the kitchen staff's daily morning check"),
    "canteen.view_meals": _("See accompanying-meal (陪餐) records and dietary committee meetings"),
    "canteen.accompany_meals": _("Record an accompanying meal (陪餐)"),
    "canteen.manage_committee": _("Keep dietary committee (膳委会) meetings, suggestions and answers"),
    "canteen.view_menus": _("See menus, dishes, ingredients and nutrition analyses"),
    "canteen.manage_menus": _("Write and generate weekly menus; keep dishes and ingredients"),
    "canteen.publish_menus": _("Publish weekly menus and their analysis to parents"),
    "canteen.view_trace": _("Print the traceability report of a meal"),
}

MATRIX = {
    "canteen.view_suppliers": _KITCHEN | {Role.ACCOUNTANT},
    "canteen.manage_suppliers": _CANTEEN,
    "canteen.view_receiving": _KITCHEN | {Role.ACCOUNTANT, Role.HEALTH_TEACHER},
    "canteen.receive": _KITCHEN,
    "canteen.keep_store": _CANTEEN,
    "canteen.cook": _KITCHEN,
    "canteen.view_samples": _KITCHEN | {Role.HEALTH_TEACHER, Role.DUTY_ADMIN},
    "canteen.take_samples": _KITCHEN,
    "canteen.review_samples": _CANTEEN | {Role.HEALTH_TEACHER},
    "canteen.view_hygiene": _KITCHEN | {Role.HEALTH_TEACHER, Role.DUTY_ADMIN},
    "canteen.record_hygiene": _KITCHEN | {Role.HEALTH_TEACHER},
    "canteen.view_staff": _KITCHEN | {Role.HEALTH_TEACHER},
    "canteen.manage_staff": _CANTEEN,
    "canteen.check_staff": _CANTEEN | {Role.HEALTH_TEACHER},
    "canteen.view_meals": _KITCHEN | {Role.HEALTH_TEACHER, Role.DUTY_ADMIN},
    "canteen.accompany_meals": _LEADERS | {Role.DUTY_ADMIN, Role.HEALTH_TEACHER},
    "canteen.manage_committee": _NUTRITION,
    "canteen.view_menus": _KITCHEN | {Role.HEALTH_TEACHER, Role.CLASS_TEACHER, Role.CHILDCARE_WORKER, Role.ACCOUNTANT},
    "canteen.manage_menus": _NUTRITION,
    "canteen.publish_menus": _LEADERS | {Role.HEALTH_TEACHER},
    "canteen.view_trace": _CANTEEN | {Role.HEALTH_TEACHER},
}

register_permissions(PERMISSIONS, MATRIX)
