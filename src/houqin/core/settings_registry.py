"""Per-campus rule settings.

Every number SPEC.md gives is a default a campus may tighten (48 h vs 72 h sample
retention, 125 g vs 200 g…). Apps declare their settings here with type, default, bounds
and help; ``CampusSettings.values`` stores only what a campus changed. Bounds encode the
national minimums: a campus can be stricter than the norm, never laxer.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@dataclass
class Setting:
    key: str
    label: str
    kind: str  # int, decimal, bool, choice, str, time
    default: object
    module: str = "core"
    help: str = ""
    min_value: object = None
    max_value: object = None
    choices: list = field(default_factory=list)
    unit: str = ""

    def parse(self, raw):
        """Turn a submitted or stored value into the setting's type, or raise ValidationError."""
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "on", "yes"}
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.kind == "str" and self.default == "":
                return ""  # an optional text setting (empty means "use the built-in rule")
            raise ValidationError(_("A value is required."))
        if self.kind == "int":
            try:
                value = int(str(raw).strip())
            except ValueError:
                raise ValidationError(_("Enter a whole number."))
        elif self.kind == "decimal":
            try:
                value = Decimal(str(raw).strip())
            except InvalidOperation:
                raise ValidationError(_("Enter a number."))
            if not value.is_finite():
                raise ValidationError(_("Enter a number."))
        elif self.kind == "choice":
            value = str(raw)
            if value not in [c[0] for c in self.choices]:
                raise ValidationError(_("Choose one of the listed options."))
            return value
        elif self.kind == "time":
            import datetime as dt

            try:
                value = dt.time.fromisoformat(str(raw).strip())
            except ValueError:
                raise ValidationError(_("Enter a time such as 17:30."))
            return value.strftime("%H:%M")
        else:
            return str(raw).strip()
        if self.min_value is not None and value < self.min_value:
            raise ValidationError(
                _("The value must be at least %(min)s%(unit)s.") % {"min": self.min_value, "unit": self.unit}
            )
        if self.max_value is not None and value > self.max_value:
            raise ValidationError(
                _("The value must be at most %(max)s%(unit)s.") % {"max": self.max_value, "unit": self.unit}
            )
        return value

    def to_json(self, value):
        return str(value) if isinstance(value, Decimal) else value


_settings: dict[str, Setting] = {}


def register(setting: Setting):
    _settings[setting.key] = setting
    return setting


def all_settings():
    return list(_settings.values())


def get_setting(key) -> Setting:
    return _settings[key]


def campus_setting(campus, key):
    """The value of ``key`` for the campus: its own value, else the default."""
    from houqin.core.models import CampusSettings

    setting = _settings[key]
    cache = getattr(campus, "_settings_cache", None)
    if cache is None:
        row = CampusSettings.objects.with_scopes_disabled().filter(campus=campus).first()
        cache = row.values if row else {}
        campus._settings_cache = cache
    if key in cache:
        try:
            return setting.parse(cache[key])
        except ValidationError:
            return setting.default
    return setting.default
