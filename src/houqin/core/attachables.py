"""Which models may carry attachments, and who may see or add them.

Every app registers its attachable models once (from its ``registrations`` module)::

    register_attachable("canteen.SampleRecord", "canteen.view_samples", "canteen.manage_samples",
                        detail_url_name="canteen:sample_detail")

The attachment views (``core:attachment_upload``, ``…_file``, ``…_thumb``, ``…_void``)
look the target's model up here: an unregistered model gets 404, a user without the
permission 403. ``can_view`` / ``can_write`` optionally refine the check per object
(``callable(request, obj) -> bool``), e.g. "only the requester adds files to a request".
``detail_url_name`` (a URL name taking ``campus`` and ``pk``) is where the user is sent
back to and how other pages link to the object.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Attachable:
    label: str  # "app_label.modelname" (lower case, as ContentType spells it)
    view_perm: str | tuple[str, ...]  # one permission, or a tuple of which any one suffices
    write_perm: str | tuple[str, ...]
    can_view: Callable | None = None
    can_write: Callable | None = None
    detail_url_name: str = ""


_registry: dict[str, Attachable] = {}


def _label(model) -> str:
    if isinstance(model, str):
        app_label, _dot, name = model.partition(".")
        return f"{app_label}.{name.lower()}"
    meta = model._meta
    return f"{meta.app_label}.{meta.model_name}"


def register_attachable(model, view_perm, write_perm, *, can_view=None, can_write=None, detail_url_name=""):
    """Allow attachments on ``model`` (a model class or "app_label.ModelName")."""
    entry = Attachable(_label(model), view_perm, write_perm, can_view, can_write, detail_url_name)
    _registry[entry.label] = entry
    return entry


def attachable_for(model_or_label) -> Attachable | None:
    """The registry entry for a model class, instance, ContentType or label (None if absent)."""
    from django.contrib.contenttypes.models import ContentType

    if isinstance(model_or_label, ContentType):
        key = f"{model_or_label.app_label}.{model_or_label.model}"
    elif isinstance(model_or_label, str):
        key = _label(model_or_label)
    else:
        key = _label(model_or_label if isinstance(model_or_label, type) else type(model_or_label))
    return _registry.get(key)


def all_attachables() -> list[Attachable]:
    return sorted(_registry.values(), key=lambda a: a.label)


def has_any(request, perms) -> bool:
    """Whether the request holds ``perms`` (a permission, or any one of a tuple of them)."""
    held = getattr(request, "perms", set())
    if isinstance(perms, str):
        return perms in held
    return any(p in held for p in perms)


def may_view(request, obj) -> bool:
    entry = attachable_for(obj)
    if entry is None or not has_any(request, entry.view_perm):
        return False
    return entry.can_view is None or bool(entry.can_view(request, obj))


def may_write(request, obj) -> bool:
    entry = attachable_for(obj)
    if entry is None or not has_any(request, entry.write_perm):
        return False
    return entry.can_write is None or bool(entry.can_write(request, obj))


def object_url(obj, campus_code) -> str:
    """The page of ``obj`` on its campus, or "" when there is none.

    Tried in turn: ``obj.get_absolute_url()``, the registered ``detail_url_name``, and the
    generic views' naming convention ``<app_label>:<model_name>_detail``.
    """
    if obj is None:
        return ""
    if hasattr(obj, "get_absolute_url"):
        try:
            return obj.get_absolute_url()
        except (NoReverseMatch, TypeError):
            pass
    entry = attachable_for(obj)
    names = []
    if entry is not None and entry.detail_url_name:
        names.append(entry.detail_url_name)
    meta = obj._meta
    names.append(f"{meta.app_label}:{meta.model_name}_detail")
    for name in names:
        try:
            return reverse(name, kwargs={"campus": campus_code, "pk": obj.pk})
        except NoReverseMatch:
            continue
    return ""


# --- The core's attachable models ---------------------------------------------------------


def _general_request_viewer(request, obj):
    """Holders of core.view_approvals see every request of the campus; others their own."""
    return "core.view_approvals" in request.perms or obj.requested_by_id == request.user.pk


def _general_request_writer(request, obj):
    """Only the requester adds or voids files of a request."""
    return obj.requested_by_id == request.user.pk


register_attachable(
    "core.Building", "core.view_campus", "core.manage_campus", detail_url_name="core:building_detail"
)
register_attachable("core.Room", "core.view_campus", "core.manage_campus", detail_url_name="core:room_detail")
register_attachable(
    "core.SchoolClass", "core.view_classes", "core.manage_classes", detail_url_name="core:class_detail"
)
register_attachable(
    "core.Child", "core.view_children", "core.manage_children", detail_url_name="core:child_detail"
)
register_attachable(
    "core.Term", "core.view_calendar", "core.manage_calendar", detail_url_name="core:term_detail"
)
register_attachable(
    "core.GeneralRequest",
    ("core.view_approvals", "core.create_requests"),
    "core.create_requests",
    can_view=_general_request_viewer,
    can_write=_general_request_writer,
    detail_url_name="core:request_detail",
)
register_attachable(
    "core.PublicNotice",
    "core.manage_disclosure",
    "core.manage_disclosure",
    detail_url_name="core:notice_detail",
)
