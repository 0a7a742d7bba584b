"""Who am I, and my API tokens. No campus in these paths."""

import datetime as dt

from django.http import Http404
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from houqin.api.access import LOGIN_ONLY, requires
from houqin.api.services import token_create, token_revoke
from houqin.core.models import ApiToken, Membership
from houqin.core.roles import Role, permissions_for
from houqin.core.selectors import campuses_for_user

router = Router(tags=["account"])


class RoleOut(Schema):
    role: str
    label: str


class MyCampusOut(Schema):
    code: str
    name: str
    display_name: str
    organization: str
    roles: list[RoleOut]
    permissions: list[str]


class MeOut(Schema):
    id: int
    username: str
    real_name: str
    display_name: str
    phone: str | None
    email: str
    language: str
    is_superuser: bool
    campuses: list[MyCampusOut]


def _my_campuses(user):
    memberships = list(
        Membership.objects.filter(user=user, is_active=True).values_list(
            "campus_id", "organization_id", "role"
        )
    )
    labels = dict(Role.choices)
    out = []
    for campus in campuses_for_user(user):
        roles = {
            role for c_id, o_id, role in memberships if c_id == campus.pk or o_id == campus.organization_id
        }
        if user.is_superuser:
            roles.add(str(Role.SYSADMIN))
        out.append(
            {
                "code": campus.code,
                "name": campus.name,
                "display_name": campus.display_name,
                "organization": campus.organization.name,
                "roles": [{"role": r, "label": str(labels.get(r, r))} for r in sorted(roles)],
                "permissions": sorted(permissions_for(roles)),
            }
        )
    return out


@router.get("/me", response=MeOut, url_name="me")
@requires(LOGIN_ONLY)
def me(request):
    """The logged-in user and the campuses where they hold roles, with their permissions."""
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "real_name": user.real_name,
        "display_name": user.display_name,
        "phone": user.phone,
        "email": user.email,
        "language": user.language,
        "is_superuser": user.is_superuser,
        "campuses": _my_campuses(user),
    }


class TokenIn(Schema):
    name: str = Field(description="What the token is for, e.g. “canteen tablet”.")
    expires_at: dt.datetime | None = Field(None, description="When the token stops working; empty = never.")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Alternative to expires_at.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_valid: bool


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The secret key. It is shown only this once: store it now.")


@router.get("/tokens", response=list[TokenOut], url_name="token_list")
@requires(LOGIN_ONLY)
def token_list(request):
    """Your own API tokens (newest first); keys are never shown again."""
    return ApiToken.objects.filter(user=request.user).order_by("-created_at")[:200]


@router.post("/tokens", response={201: TokenCreatedOut}, url_name="token_create")
@requires(LOGIN_ONLY)
def token_create_view(request, payload: TokenIn):
    expires_at = payload.expires_at
    if expires_at is None and payload.expires_in_days:
        expires_at = timezone.now() + dt.timedelta(days=payload.expires_in_days)
    if expires_at is not None and timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    token, key = token_create(actor=request.user, user=request.user, name=payload.name, expires_at=expires_at)
    token.key = key
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None}, url_name="token_revoke")
@requires(LOGIN_ONLY)
def token_revoke_view(request, token_id: int):
    """Revoke one of your tokens; it stops working at once."""
    token = ApiToken.objects.filter(user=request.user, pk=token_id).select_related("user").first()
    if token is None:
        raise Http404
    token_revoke(actor=request.user, token=token)
    return Status(204, None)
