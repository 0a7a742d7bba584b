"""Staff see only the approvals they take part in; leaders see the campus's."""

import pytest
from django.urls import reverse

from houqin.core import approvals, requests_services
from houqin.core.roles import Role
from tests.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def leave_request(campus, make_member):
    teacher = make_member(Role.CLASS_TEACHER, username="teacher1")
    gr = requests_services.general_request_create(
        actor=teacher, campus=campus, data={"title": "请假三天", "category": "leave", "description": "家中有事"}
    )
    requests_services.general_request_submit(actor=teacher, general_request=gr)
    return gr


def test_cook_cannot_read_a_colleagues_request(campus, leave_request, other_role):
    client = login(other_role)
    approval = approvals.requests_for(leave_request).first()
    assert client.get(reverse("core:request_detail", kwargs={"campus": campus.code, "pk": leave_request.pk})).status_code == 404
    assert client.get(reverse("core:approval_detail", kwargs={"campus": campus.code, "pk": approval.pk})).status_code == 404
    listing = client.get(reverse("core:approval_inbox", kwargs={"campus": campus.code}) + "?tab=all")
    assert "请假三天" not in listing.content.decode()
    api = client.get(f"/api/v1/c/{campus.code}/approvals?box=all")
    assert api.status_code == 200 and api.json()["count"] == 0
    assert client.get(f"/api/v1/c/{campus.code}/general-requests/{leave_request.pk}").status_code == 404


def test_principal_and_the_signer_can(campus, leave_request, member, make_member):
    approval = approvals.requests_for(leave_request).first()
    head = make_member(Role.LOGISTICS_HEAD, username="houqin-head")
    for user in (member, head):
        client = login(user)
        url = reverse("core:approval_detail", kwargs={"campus": campus.code, "pk": approval.pk})
        assert client.get(url).status_code == 200, user
