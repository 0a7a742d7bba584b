"""The core's entries in the shared registries: menu, rule settings, dashboard, disclosure.

Imported from ``CoreConfig.ready``.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.core.settings_registry import Setting, register

# --- Menu ---------------------------------------------------------------------------------
navigation.register_section("basics", _("Campus"), "ti-building-community", 10)
navigation.register_section("office", _("Office"), "ti-checklist", 80)
navigation.register_section("system", _("System"), "ti-settings", 90)

navigation.register_item("basics", _("Buildings and rooms"), "core:room_list", "core.view_campus", "ti-door")
navigation.register_item("basics", _("Classes"), "core:class_list", "core.view_classes", "ti-school")
navigation.register_item("basics", _("Children"), "core:child_list", "core.view_children", "ti-mood-kid")
navigation.register_item("basics", _("Terms and holidays"), "core:term_list", "core.view_calendar", "ti-calendar")
navigation.register_item("office", _("Approvals"), "core:approval_inbox", "core.view_approvals", "ti-stamp")
navigation.register_item("office", _("General requests"), "core:request_list", "core.create_requests", "ti-file-text")
navigation.register_item("office", _("Public notices"), "core:notice_list", "core.manage_disclosure", "ti-speakerphone")
navigation.register_item("system", _("Campus information"), "core:campus_detail", "core.view_campus", "ti-info-circle")
navigation.register_item("system", _("Rule settings"), "core:settings", "core.manage_settings", "ti-adjustments")
navigation.register_item("system", _("Users and roles"), "core:membership_list", "core.view_users", "ti-users")
navigation.register_item("system", _("Approval flows"), "core:flow_list", "core.manage_approval_flows", "ti-git-branch")
navigation.register_item("system", _("Webhooks"), "core:webhook_list", "core.manage_notifications", "ti-webhook")
navigation.register_item("system", _("Audit log"), "core:audit_log", "core.view_audit", "ti-history")

# --- Rule settings (defaults from SPEC.md; bounds from the national norms) ---------------
S = register
# General
S(Setting("core.expiry_reminder_days", _("Remind this many days before a certificate or contract expires"), "int", 30,
          min_value=1, max_value=180, unit=_(" days")))
S(Setting("core.principal_approval_threshold", _("Purchases and expenses from this amount need the principal"),
          "decimal", Decimal("3000.00"), min_value=Decimal("0"), max_value=Decimal("10000000"), unit=_(" yuan")))
S(Setting("core.closing_time", _("Time the campus closes (children still here are flagged)"), "time", "17:30"))
# Canteen and food safety
S(Setting("canteen.sample_retention_hours", _("Food samples kept at least"), "int", 48, module="canteen",
          min_value=48, max_value=168, unit=_(" h"), help=_("National minimum 48 h; some provinces require 72 h.")))
S(Setting("canteen.sample_min_grams", _("Minimum weight of each food sample"), "int", 125, module="canteen",
          min_value=125, max_value=500, unit=" g", help=_("National minimum 125 g per dish; some schools require 200 g.")))
S(Setting("canteen.sample_fridge_min_c", _("Sample fridge lowest temperature"), "decimal", Decimal("0"),
          module="canteen", min_value=Decimal("-5"), max_value=Decimal("8"), unit=" °C"))
S(Setting("canteen.sample_fridge_max_c", _("Sample fridge highest temperature"), "decimal", Decimal("8"),
          module="canteen", min_value=Decimal("0"), max_value=Decimal("8"), unit=" °C"))
S(Setting("canteen.pesticide_positive_pct", _("Pesticide test inhibition rate counted as positive"), "decimal",
          Decimal("50"), module="canteen", min_value=Decimal("10"), max_value=Decimal("50"), unit=" %"))
S(Setting("canteen.health_certificate_months", _("Staff health certificates are valid for"), "int", 12,
          module="canteen", min_value=1, max_value=12, unit=_(" months")))
S(Setting("canteen.record_keep_extra_months", _("Purchase records kept beyond the shelf life"), "int", 6,
          module="canteen", min_value=6, max_value=60, unit=_(" months")))
S(Setting("canteen.record_keep_years_no_shelf_life", _("Purchase records without a shelf life kept"), "int", 2,
          module="canteen", min_value=2, max_value=10, unit=_(" years")))
S(Setting("canteen.boiling_minutes", _("Tableware boiling time"), "int", 15, module="canteen", min_value=10,
          max_value=60, unit=_(" min"), help=_("Kindergartens boil 15 min (2012 托幼规范); schools 10 min.")))
S(Setting("canteen.meal_budget_tolerance_pct", _("Meal-fee budget balanced within"), "decimal", Decimal("2"),
          module="canteen", min_value=Decimal("0"), max_value=Decimal("10"), unit=" %"))
# Nutrition
S(Setting("nutrition.dri_edition", _("Dietary reference intakes edition"), "choice", "2013", module="nutrition",
          choices=[("2013", _("Chinese DRIs 2013 (WS/T 578)")), ("2023", _("Chinese DRIs 2023"))]))
S(Setting("nutrition.energy_min_pct", _("Energy at least this share of the DRI"), "int", 80, module="nutrition",
          min_value=80, max_value=120, unit=" %"))
S(Setting("nutrition.protein_min_pct", _("Protein at least this share of the DRI"), "int", 80, module="nutrition",
          min_value=80, max_value=150, unit=" %"))
S(Setting("nutrition.quality_protein_min_pct", _("High-quality protein at least"), "int", 50, module="nutrition",
          min_value=50, max_value=100, unit=" %"))
# Health care
S(Setting("health.fever_threshold_c", _("Temperature counted as fever"), "decimal", Decimal("37.3"), module="health",
          min_value=Decimal("37.0"), max_value=Decimal("38.0"), unit=" °C"))
S(Setting("health.outbreak_cases_per_day", _("Outbreak alert: cases in one class in one day"), "int", 3,
          module="health", min_value=1, max_value=3))
S(Setting("health.outbreak_cases_3_days", _("Outbreak alert: cases in one class within three days"), "int", 5,
          module="health", min_value=1, max_value=5))
S(Setting("health.anaemia_hb_gl", _("Haemoglobin below this is anaemia"), "int", 110, module="health",
          min_value=100, max_value=130, unit=" g/L"))
S(Setting("health.growth_reference", _("Growth reference for children under 7"), "choice", "wst423",
          module="health", choices=[("wst423", _("WS/T 423-2022 (China)")), ("who", _("WHO 2006/2007"))]))
S(Setting("health.exam_pass_target_pct", _("Health exam pass-rate target"), "int", 90, module="health",
          min_value=50, max_value=100, unit=" %"))
# Maintenance (procurement registers its own in procurement/purchasing_registrations.py)
S(Setting("maintenance.target_hours", _("Repairs should be done within"), "int", 24, module="maintenance",
          min_value=1, max_value=720, unit=_(" h")))

# Approval kinds and tick jobs of the core.
from houqin.core import jobs, kinds  # noqa: E402, F401
from houqin.core import providers as _providers  # noqa: E402,F401  (dashboard, disclosure, attachables)

# --- Routines (例行工作) ------------------------------------------------------------------
navigation.register_section("routines", _("Routines"), "ti-checklist", 20)
navigation.register_item("routines", _("Today's checks"), "core:routine_today", "core.view_routines", "ti-list-check")
navigation.register_item("routines", _("Check records"), "core:occurrence_list", "core.view_routines", "ti-clipboard-list")
navigation.register_item("routines", _("Routines"), "core:routine_list", "core.view_routines", "ti-repeat")
navigation.register_item("routines", _("Routine library"), "core:routine_library", "core.manage_routines", "ti-books")
navigation.register_item("routines", _("Completion rates"), "core:routine_report", "core.view_routines", "ti-chart-bar")
from houqin.core import routines as _routines  # noqa: E402,F401  (tick job, dashboard, attachables, demo)
