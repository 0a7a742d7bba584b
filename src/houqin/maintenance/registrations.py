"""The maintenance module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.maintenance import roles  # noqa: F401  (registers the permissions)

navigation.register_section("maintenance", _("Maintenance"), "ti-tool", 32)

from houqin.maintenance import repairs_registrations  # noqa: E402,F401,I001
