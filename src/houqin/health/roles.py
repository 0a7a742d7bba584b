"""Permissions of the health-care module (卫生保健), added to the core matrix."""

from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role, register_permissions

_LEADERS = {Role.PRINCIPAL, Role.LOGISTICS_HEAD, Role.SYSADMIN}
_HEALTH = _LEADERS | {Role.HEALTH_TEACHER}
_CLASSROOM = {Role.CLASS_TEACHER, Role.CHILDCARE_WORKER}

PERMISSIONS = {
    "health.view_attendance": _("See class attendance, absences and their follow-up"),
    "health.take_attendance": _("Take a class's attendance (出勤) and record absences"),
    "health.follow_up_absences": _("Follow up sick-leave absences (因病缺勤追踪)"),
    "health.view_checks": _("See morning and midday checks and all-day observation notes"),
    "health.do_checks": _("Record morning/midday checks (晨午检) and all-day observation notes"),
    "health.manage_checks": _("Handle check exceptions: isolation, sending home, the health teacher's rounds"),
    "health.view_medication": _("See entrusted medicines and the dosing lists"),
    "health.register_medication": _("Register medicines entrusted by parents (喂药登记)"),
    "health.give_medication": _("Give and sign for doses of entrusted medicines"),
    "health.view_disease": _("See infectious disease cases, quarantines and outbreak alerts"),
    "health.manage_disease": _("Record infectious disease cases, isolation, return to class and quarantines"),
    "health.view_disinfection": _("See disinfection records and concentration tests"),
    "health.record_disinfection": _("Record disinfection and disinfectant concentration tests"),
    "health.view_growth": _("See health cards, measurements, exams and growth evaluations"),
    "health.record_measurements": _("Enter height and weight measurements of a class"),
    "health.manage_exams": _("Record entry health cards and yearly exams; print letters to parents"),
    "health.view_special_care": _("See the registers of frail and obese children (体弱儿/肥胖儿专案)"),
    "health.manage_special_care": _("Keep special-care cases: plans, follow-ups, closing"),
    "health.view_education": _("See health education lessons and the publicity board log"),
    "health.record_education": _("Record health education lessons and publicity board changes"),
    "health.view_reports": _("See health-care reports (attendance, illness, exams, growth)"),
    "health.manage_health_settings": _("Keep the disease list and the growth reference choice"),
}

MATRIX = {
    "health.view_attendance": _HEALTH | _CLASSROOM | {Role.DUTY_ADMIN, Role.CANTEEN_HEAD},
    "health.take_attendance": _HEALTH | _CLASSROOM,
    "health.follow_up_absences": _HEALTH | {Role.CLASS_TEACHER},
    "health.view_checks": _HEALTH | _CLASSROOM | {Role.DUTY_ADMIN},
    "health.do_checks": _HEALTH | _CLASSROOM,
    "health.manage_checks": _HEALTH,
    "health.view_medication": _HEALTH | _CLASSROOM,
    "health.register_medication": _HEALTH | {Role.CLASS_TEACHER},
    "health.give_medication": _HEALTH | _CLASSROOM,
    "health.view_disease": _HEALTH | _CLASSROOM | {Role.DUTY_ADMIN},
    "health.manage_disease": _HEALTH,
    "health.view_disinfection": _HEALTH | _CLASSROOM | {Role.CANTEEN_HEAD},
    "health.record_disinfection": _HEALTH | _CLASSROOM,
    "health.view_growth": _HEALTH | _CLASSROOM,
    "health.record_measurements": _HEALTH | {Role.CLASS_TEACHER},
    "health.manage_exams": _HEALTH,
    "health.view_special_care": _HEALTH | {Role.CLASS_TEACHER},
    "health.manage_special_care": _HEALTH,
    "health.view_education": _HEALTH | _CLASSROOM,
    "health.record_education": _HEALTH | {Role.CLASS_TEACHER},
    "health.view_reports": _HEALTH | {Role.CLASS_TEACHER},
    "health.manage_health_settings": _HEALTH,
}

register_permissions(PERMISSIONS, MATRIX)
