"""The assets module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.assets import roles  # noqa: F401  (registers the permissions)
from houqin.core import navigation

navigation.register_section("assets", _("Assets"), "ti-package", 24)

from houqin.assets import register_registrations  # noqa: E402,F401,I001
from houqin.assets import custody_registrations  # noqa: E402,F401,I001
from houqin.assets import stocktake_registrations  # noqa: E402,F401,I001
