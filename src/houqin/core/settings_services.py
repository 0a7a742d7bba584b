"""Changing a campus's rule settings (the values of ``core.settings_registry``).

``CampusSettings.values`` holds only what differs from the defaults, so a default a later
release tightens reaches every campus that never changed it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from houqin.core import audit
from houqin.core.settings_registry import all_settings, get_setting


def _effective(setting, stored: dict):
    """The JSON form of the setting's value on a campus whose stored values are ``stored``."""
    if setting.key in stored:
        try:
            return setting.to_json(setting.parse(stored[setting.key]))
        except ValidationError:
            pass
    return setting.to_json(setting.default)


def _default(setting):
    try:
        return setting.parse(setting.default)
    except ValidationError:  # a default outside its own bounds: compare as declared
        return setting.default


def campus_settings_values(campus) -> dict:
    """key → current (parsed) value of every registered setting for the campus."""
    from houqin.core.settings_registry import campus_setting

    return {s.key: campus_setting(campus, s.key) for s in all_settings()}


@transaction.atomic
def campus_settings_update(*, actor, campus, values: dict):
    """Validate and store new values for any subset of the registered settings.

    ``values`` maps setting keys to submitted (raw) values. Every value is checked with
    :meth:`Setting.parse`, which enforces the bounds (the national minimums); if any is
    invalid a ``ValidationError`` keyed by setting key is raised and nothing is saved.
    Values equal to the default are removed from the stored dict. One audit event records
    the effective before/after of every changed key. Returns the ``CampusSettings`` row.
    """
    from houqin.core.models import CampusSettings

    errors: dict[str, list[str]] = {}
    parsed = {}
    for key, raw in values.items():
        try:
            setting = get_setting(key)
        except KeyError:
            errors[key] = [_("Unknown setting “%(key)s”.") % {"key": key}]
            continue
        try:
            parsed[key] = setting.parse(raw)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)

    manager = CampusSettings.objects.with_scopes_disabled()
    row, _created = manager.get_or_create(campus=campus)
    row = manager.select_for_update().get(pk=row.pk)
    stored_before = dict(row.values or {})
    stored = dict(stored_before)
    for key, value in parsed.items():
        if value == _default(get_setting(key)):
            stored.pop(key, None)
        else:
            stored[key] = setting.to_json(value)

    before, after = {}, {}
    for key in parsed:
        setting = get_setting(key)
        old, new = _effective(setting, stored_before), _effective(setting, stored)
        if old != new:
            before[key], after[key] = old, new

    if stored != stored_before:
        row.values = stored
        row.full_clean(exclude=["campus"])
        row.save(update_fields=["values", "updated_at"])
    if before or after:
        audit.record(
            actor=actor,
            action="settings_update",
            obj=row,
            campus=campus,
            before=before,
            after=after,
            message=", ".join(sorted(after)),
        )
    # campus_setting() caches the stored values on the campus instance
    campus.__dict__.pop("_settings_cache", None)
    return row
