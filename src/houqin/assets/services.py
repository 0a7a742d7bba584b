"""Every write of the asset register (资产台账): ``<entity>_<action>(*, actor, …)``, atomic,
validated with ``full_clean()`` and audited in the same transaction. Views, the API, the
importer, the demo and the other areas (custody, stocktakes, purchasing, maintenance) call
these functions.

An asset moves between the statuses of :class:`~houqin.assets.models.Asset.Status`;
``disposed`` is final (the card and its history stay, the asset leaves the active
register). Valuable items (贵重物品) always have a named custodian (落实到人).
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from houqin.assets.models import Asset
from houqin.core import audit
from houqin.core.attachments import attachment_add
from houqin.core.numbering import next_number
from houqin.core.settings_registry import campus_setting

TAG_PREFIX = "ZC"
VALUABLE_PRICE_SETTING = "assets.valuable_price"

# The fields callers may set through asset_create / asset_update.
ASSET_FIELDS = (
    "tag", "name", "category", "model_spec", "brand", "unit", "quantity", "room", "custodian", "status",
    "source", "supplier", "invoice_number", "price", "purchase_date", "in_service_date", "warranty_until",
    "is_valuable", "note", "acceptance_line",
)  # fmt: skip
# Status changes go through asset_set_status (with a reason), not through an edit; the
# acceptance line (procurement) is set once, when the card is made from an accepted delivery.
UPDATE_FIELDS = tuple(f for f in ASSET_FIELDS if f not in ("status", "acceptance_line"))
# Statuses a keeper sets by hand; "on loan" comes from lending, "disposed" from an
# approved disposal request.
MANUAL_STATUSES = (
    Asset.Status.IN_USE,
    Asset.Status.IDLE,
    Asset.Status.UNDER_REPAIR,
    Asset.Status.DAMAGED,
    Asset.Status.MISSING,
)
_UNCHANGED = object()


# --- Helpers ------------------------------------------------------------------------------


def asset_url(asset) -> str:
    try:
        return reverse("assets:asset_detail", kwargs={"campus": asset.campus.code, "pk": asset.pk})
    except NoReverseMatch:  # pragma: no cover - the URLconf always has it
        return ""


def valuable_threshold(campus):
    """Unit price from which an asset counts as valuable (a campus setting; 0 = off)."""
    return campus_setting(campus, VALUABLE_PRICE_SETTING)


def apply_valuable_rule(campus, data: dict, threshold=None) -> dict:
    """Flag ``data`` as a valuable item when its unit price reaches the campus threshold.

    Forms, the API and the importer call it, so the rule shows up as a field error where
    the price was typed; the services themselves keep what the caller decided.
    """
    threshold = valuable_threshold(campus) if threshold is None else threshold
    price = data.get("price")
    if threshold and price is not None and price >= threshold:
        data["is_valuable"] = True
    return data


def _check_custodian(campus, user):
    """The custodian must hold a role on the campus (or its organisation)."""
    if user is None:
        return
    from houqin.core.forms import campus_users

    if not campus_users(campus).filter(pk=user.pk).exists():
        raise ValidationError({"custodian": _("The custodian must be a member of this campus.")})


def _clean_value(value):
    return value.strip() if isinstance(value, str) else value


def _changed(before, after):
    keys = [k for k in after if (before or {}).get(k) != after.get(k)]
    return {k: (before or {}).get(k) for k in keys}, {k: after[k] for k in keys}


def _lock(asset):
    return Asset._base_manager.select_for_update().select_related("campus").get(pk=asset.pk)


def _refuse_if_disposed(asset):
    if asset.status == Asset.Status.DISPOSED:
        raise ValidationError(_("This asset has been disposed of; its card can no longer be changed."))


def _sync(original, fresh):
    """Callers keep working with the object they passed in."""
    if original is not fresh:
        original.refresh_from_db()


def _check_tag(campus, tag, exclude_pk=None):
    """Tags are unique on the campus whatever their case (scanners and people type both)."""
    if not tag:
        return
    clash = Asset._base_manager.filter(campus=campus, tag__iexact=tag)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"tag": _("The tag number %(tag)s is already used.") % {"tag": tag}})


# --- Assets -------------------------------------------------------------------------------


@transaction.atomic
def asset_create(*, actor, campus, data: dict, photos=()) -> Asset:
    """Register an asset card. ``data`` maps :data:`ASSET_FIELDS` to values (model instances
    for foreign keys); a blank tag gets the next number (ZC-2026-0001)."""
    unknown = set(data) - set(ASSET_FIELDS)
    if unknown:
        raise ValueError(f"Not asset fields: {sorted(unknown)}")
    asset = Asset(campus=campus)
    for name, value in data.items():
        setattr(asset, name, _clean_value(value))
    if asset.status == Asset.Status.DISPOSED:
        raise ValidationError({"status": _("A new asset cannot be registered as disposed.")})
    _check_custodian(campus, asset.custodian)
    tag = (asset.tag or "").strip()
    _check_tag(campus, tag)
    asset.tag = tag or "-"
    asset.full_clean(exclude=["tag"] if not tag else None)
    if not tag:
        asset.tag = next_number(campus=campus, prefix=TAG_PREFIX)
        if Asset._base_manager.filter(campus=campus, tag=asset.tag).exists():
            raise ValidationError(
                {"tag": _("The next automatic number %(tag)s is already used; enter a tag number.")
                 % {"tag": asset.tag}}
            )  # fmt: skip
    asset.save()
    audit.record(actor=actor, action="create", obj=asset, after=audit.snapshot(asset))
    for photo in photos or ():
        if photo:
            attachment_add(actor=actor, obj=asset, uploaded_file=photo, kind="photo")
    return asset


@transaction.atomic
def asset_update(*, actor, asset, data: dict) -> Asset:
    """Change the card's data (not its status: see :func:`asset_set_status`)."""
    unknown = set(data) - set(UPDATE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable asset fields: {sorted(unknown)}")
    locked = _lock(asset)
    _refuse_if_disposed(locked)
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name == "tag" and not (value or "").strip():
            raise ValidationError({"tag": _("The tag number is required.")})
        setattr(locked, name, _clean_value(value))
    if "tag" in data:
        _check_tag(locked.campus, locked.tag, exclude_pk=locked.pk)
    if "custodian" in data and locked.custodian_id != before.get("custodian_id"):
        _check_custodian(locked.campus, locked.custodian)
    locked.full_clean()
    locked.save()
    old, new = _changed(before, audit.snapshot(locked))
    if new:
        audit.record(actor=actor, action="update", obj=locked, before=old, after=new)
    _sync(asset, locked)
    return asset


@transaction.atomic
def asset_set_status(*, actor, asset, status, reason="") -> Asset:
    """Set the asset's status (audited with the reason). ``disposed`` is final and records
    the day (``disposed_on``); setting the status it already has changes nothing."""
    status = str(status)
    if status not in Asset.Status.values:
        raise ValidationError({"status": _("Unknown status “%(status)s”.") % {"status": status}})
    locked = _lock(asset)
    if locked.status == status:
        _sync(asset, locked)
        return asset
    _refuse_if_disposed(locked)
    before = audit.snapshot(locked)
    locked.status = status
    if status == Asset.Status.DISPOSED:
        locked.disposed_on = timezone.localdate()
    locked.full_clean()
    locked.save()
    old, new = _changed(before, audit.snapshot(locked))
    audit.record(
        actor=actor, action="status", obj=locked, before=old, after=new, message=(reason or "").strip()
    )
    _sync(asset, locked)
    return asset


@transaction.atomic
def asset_move(*, actor, asset, room, custodian=_UNCHANGED, reason="") -> Asset:
    """Move the asset to ``room`` and, when given, hand it to ``custodian`` (None: nobody)."""
    locked = _lock(asset)
    _refuse_if_disposed(locked)
    before = audit.snapshot(locked)
    locked.room = room
    if custodian is not _UNCHANGED:
        locked.custodian = custodian
        if custodian is not None and custodian.pk != before.get("custodian_id"):
            _check_custodian(locked.campus, custodian)
    locked.full_clean()
    locked.save()
    old, new = _changed(before, audit.snapshot(locked))
    if new:
        audit.record(
            actor=actor, action="move", obj=locked, before=old, after=new, message=(reason or "").strip()
        )
    _sync(asset, locked)
    return asset


_LABEL_URL_RE = re.compile(r"/q/a/([A-Za-z0-9_-]+)/?")


def asset_by_scan(campus, text) -> Asset | None:
    """The campus's asset a scanned text names: a label's full URL (``…/q/a/<token>/``),
    the bare token, or the tag number (trimmed, case-insensitive)."""
    text = (text or "").strip()
    if not text:
        return None
    assets = Asset._base_manager.filter(campus=campus).select_related("category", "room", "custodian")
    match = _LABEL_URL_RE.search(text)
    if match:
        return assets.filter(qr_token=match.group(1)).first()
    found = assets.filter(qr_token=text).first()
    if found is not None:
        return found
    return assets.filter(tag__iexact=text).first()


def asset_by_qr_token(token) -> Asset | None:
    """The asset a printed label points to, on any campus (tokens are unique everywhere);
    for the public page ``/q/a/<token>/``, which has no campus in its URL."""
    if not token:
        return None
    with scopes_disabled():
        return (
            Asset.objects.filter(qr_token=token)
            .select_related("campus", "room", "room__building", "category")
            .first()
        )


# --- Categories ---------------------------------------------------------------------------


@transaction.atomic
def category_delete(*, actor, category) -> None:
    """Delete a category nothing uses; a category with assets (even disposed) stays."""
    from houqin.core.services import object_delete

    used = Asset._base_manager.filter(category=category).count()
    if used:
        raise ValidationError(
            _(
                "The category “%(name)s” holds %(n)s assets and cannot be deleted; mark it as not in use instead."
            )
            % {"name": category.name, "n": used}
        )
    object_delete(actor=actor, instance=category)
