from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "houqin.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        # Register the core's own dashboard providers, disclosure sections, settings,
        # approval kinds and tick jobs.
        from . import registrations  # noqa: F401
