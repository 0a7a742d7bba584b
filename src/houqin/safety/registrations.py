"""The safety module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.safety import roles  # noqa: F401  (registers the permissions)

navigation.register_section("safety", _("Safety and gate"), "ti-shield-check", 30)

# --- Hazards, drills, agreements, education, plans, duty roster, fire report -----------
from houqin.safety import hazards_registrations  # noqa: E402,F401,I001

# --- Gate ---------------------------------------------------------------------------------
# Visitors, watch list, pickup persons and releases (门卫).
from houqin.safety import gate_registrations  # noqa: E402,F401,I001
