"""The health module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.health import roles  # noqa: F401  (registers the permissions)

navigation.register_section("health", _("Health care"), "ti-heartbeat", 28)

from houqin.health import daily_registrations  # noqa: E402,F401,I001
from houqin.health import disease_registrations  # noqa: E402,F401,I001
from houqin.health import growth_registrations  # noqa: E402,F401,I001
from houqin.health import care_registrations  # noqa: E402,F401,I001

from houqin.health import selectors as _selectors  # noqa: E402,I001
from houqin.safety.gate_services import register_presence_provider  # noqa: E402,I001

# The gate's "children still on campus" follows the day's attendance.
register_presence_provider(_selectors.present_children)
