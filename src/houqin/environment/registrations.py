"""The environment module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.environment import roles  # noqa: F401  (registers the permissions)

navigation.register_section("environment", _("Environment"), "ti-plant-2", 34)

from houqin.environment import environment_registrations  # noqa: E402,F401,I001
