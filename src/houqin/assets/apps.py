from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "houqin.assets"
    label = "assets"
    verbose_name = _("Assets")

    def ready(self):
        from . import registrations  # noqa: F401
