"""The canteen module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.canteen import roles  # noqa: F401  (registers the permissions)
from houqin.core import navigation

navigation.register_section("canteen", _("Canteen"), "ti-tools-kitchen-2", 26)

from houqin.canteen import supply_registrations  # noqa: E402,F401,I001
from houqin.canteen import safety_registrations  # noqa: E402,F401,I001
from houqin.canteen import nutrition_registrations  # noqa: E402,F401,I001
from houqin.canteen import meals_registrations  # noqa: E402,F401,I001
