"""The procurement module's entries in the shared registries (menu, dashboard, ticks…)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import navigation
from houqin.procurement import roles  # noqa: F401  (registers the permissions)

navigation.register_section("procurement", _("Procurement and warehouse"), "ti-shopping-cart", 26)

from houqin.procurement import purchasing_registrations  # noqa: E402,F401,I001
from houqin.procurement import warehouse_registrations  # noqa: E402,F401,I001
