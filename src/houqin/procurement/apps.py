from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "houqin.procurement"
    label = "procurement"
    verbose_name = _("Procurement and warehouse")

    def ready(self):
        from . import registrations  # noqa: F401
