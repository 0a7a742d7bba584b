"""Access helpers: every view states the permission it needs.

The campus middleware has already answered 404 to anyone without a role on the campus;
these helpers answer 403 to a member whose roles lack the permission, and refuse writes to
read-only supervisors.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from houqin.core.roles import permissions_for

# Views outside any campus that need no permission at all (login, public pages…) say so
# explicitly with this marker, so the platform test can tell them from forgotten ones.
PUBLIC = "public"
LOGIN_ONLY = "login"


def has_perm(request, perm: str) -> bool:
    return perm in getattr(request, "perms", set())


def require_perm(request, perm: str):
    if not has_perm(request, perm):
        raise PermissionDenied


def perms_for_user_on_campus(user, campus) -> tuple[set[str], set[str]]:
    """(roles, permissions) the user holds on the campus; empty sets for outsiders."""
    from houqin.core.models import Membership
    from houqin.core.roles import Role

    if not user.is_authenticated or not user.is_active:
        return set(), set()
    roles = set(
        Membership.objects.filter(user=user, is_active=True, campus=campus).values_list("role", flat=True)
    ) | set(
        Membership.objects.filter(user=user, is_active=True, organization_id=campus.organization_id).values_list(
            "role", flat=True
        )
    )
    if user.is_superuser:
        roles.add(str(Role.SYSADMIN))
    return roles, permissions_for(roles)


def actor_perms(actor, campus, *, none_for_system=False):
    """The permissions a service's ``actor`` holds on ``campus``; an empty set for no actor
    (or an anonymous one). With ``none_for_system``, None instead: "the system (demo,
    commands), no check"."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None if none_for_system else set()
    return perms_for_user_on_campus(actor, campus)[1]


def require_actor_perm(actor, campus, perm, *, system_allowed=False):
    """PermissionDenied unless ``actor`` holds ``perm`` on ``campus``. With ``system_allowed``,
    no actor (the system) passes."""
    perms = actor_perms(actor, campus, none_for_system=system_allowed)
    if perms is not None and perm not in perms:
        raise PermissionDenied(_("You do not have permission to do this."))


def campus_view(permission: str):
    """Decorator for function views under /c/<campus>/: needs ``permission`` on the campus."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            require_perm(request, permission)
            return view(request, *args, **kwargs)

        wrapped.permission_required = permission
        return wrapped

    return decorator


def public_view(view):
    view.permission_required = PUBLIC
    return view


def login_view(view):
    view.permission_required = LOGIN_ONLY
    return view


class PermissionRequiredMixin:
    """For class-based views under /c/<campus>/; set ``permission_required``.

    ``permission_required`` guards GET; ``write_permission`` (defaults to it) guards other
    methods.
    """

    permission_required: str = ""
    write_permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        perm = self.permission_required
        if request.method not in ("GET", "HEAD", "OPTIONS") and self.write_permission:
            perm = self.write_permission
        if not perm:
            raise PermissionDenied
        require_perm(request, perm)
        return super().dispatch(request, *args, **kwargs)
