"""The core's approval kinds (imported at app start from ``core.registrations``)."""

from django.utils.translation import gettext_lazy as _

from houqin.core import approvals, requests_services
from houqin.core.roles import Role
from houqin.core.settings_registry import campus_setting


def principal_threshold(campus):
    """The principal signs general requests from the campus's principal threshold up."""
    return campus_setting(campus, "core.principal_approval_threshold")


approvals.register_kind(
    requests_services.KIND,
    label=_("General request"),
    default_steps=[
        (_("Logistics head"), Role.LOGISTICS_HEAD, None),
        (_("Principal"), Role.PRINCIPAL, principal_threshold),
    ],
    on_approved=requests_services.on_approved,
    on_rejected=requests_services.on_rejected,
    on_withdrawn=requests_services.on_withdrawn,
)
