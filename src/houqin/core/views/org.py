"""Organisation pages (/o/<org>/): the group's or bureau's overview across campuses.

Only organisation-level memberships (supervisor, sysadmin) and superusers get here; a
campus member of the organisation gets 404. Reads across campuses use an explicit scope
over the organisation's campuses.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from houqin.core.forms import StyledFormMixin
from houqin.core.models import ApprovalRequest, AuditEvent, Campus, Child, Organization, Room, SchoolClass
from houqin.core.permissions import require_perm
from houqin.core.roles import permissions_for
from houqin.core.services import object_save


def org_view(permission):
    def decorator(view):
        @wraps(view)
        def wrapped(request, org, *args, **kwargs):
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            organization = Organization.objects.filter(code=org).first()
            if organization is None:
                raise Http404
            roles = set(
                request.user.memberships.filter(organization=organization, is_active=True).values_list("role", flat=True)
            )
            if request.user.is_superuser:
                roles.add("sysadmin")
            if not roles:
                raise Http404
            request.organization = organization
            request.roles = roles
            request.perms = permissions_for(roles)
            require_perm(request, permission)
            return view(request, organization, *args, **kwargs)

        wrapped.permission_required = permission
        return wrapped

    return decorator


@org_view("core.view_organization")
def overview(request, organization):
    campuses = list(Campus.objects.filter(organization=organization).order_by("name"))
    ids = [c.pk for c in campuses]
    week_ago = timezone.now() - timezone.timedelta(days=7)
    with scope(campus=ids):
        children = dict(
            Child.objects.filter(status=Child.Status.ENROLLED).values_list("campus").annotate(n=Count("id"))
        )
        classes = dict(SchoolClass.objects.filter(is_active=True).values_list("campus").annotate(n=Count("id")))
        rooms = dict(Room.objects.filter(is_active=True).values_list("campus").annotate(n=Count("id")))
        pending = dict(
            ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING)
            .values_list("campus")
            .annotate(n=Count("id"))
        )
        activity = dict(
            AuditEvent.objects.filter(created_at__gte=week_ago).values_list("campus").annotate(n=Count("id"))
        )
    staff = dict(
        Campus.objects.filter(pk__in=ids)
        .annotate(n=Count("memberships__user", filter=Q(memberships__is_active=True), distinct=True))
        .values_list("pk", "n")
    )
    rows = [
        {
            "campus": c,
            "children": children.get(c.pk, 0),
            "classes": classes.get(c.pk, 0),
            "rooms": rooms.get(c.pk, 0),
            "staff": staff.get(c.pk, 0),
            "pending": pending.get(c.pk, 0),
            "activity": activity.get(c.pk, 0),
        }
        for c in campuses
    ]
    totals = {k: sum(r[k] for r in rows) for k in ("children", "classes", "rooms", "staff", "pending", "activity")}
    return render(
        request,
        "core/org_overview.html",
        {
            "title": organization.name,
            "organization": organization,
            "rows": rows,
            "totals": totals,
            "can_manage": "core.manage_organization" in request.perms,
        },
    )


class CampusCreateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Campus
        fields = ["name", "short_name", "code", "kind", "age_min", "age_max", "address", "phone", "disclosure_enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()


@org_view("core.manage_organization")
def campus_create(request, organization):
    form = CampusCreateForm(request.POST or None, instance=Campus(organization=organization))
    if request.method == "POST" and form.is_valid():
        campus = object_save(actor=request.user, instance=form.save(commit=False), action="create")
        messages.success(request, _("Campus “%(name)s” created.") % {"name": campus.name})
        return redirect("org:overview", org=organization.code)
    return render(
        request,
        "generic/form.html",
        {"form": form, "title": _("New campus"), "cancel_url": f"/o/{organization.code}/"},
    )
