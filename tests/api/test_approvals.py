"""General requests and their approval through the API."""

import pytest

from houqin.core.models import AuditEvent, GeneralRequest
from houqin.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher", real_name="王老师")


@pytest.fixture
def head(make_member):
    return make_member(Role.LOGISTICS_HEAD, username="head", real_name="赵主任")


def _raise_request(api, amount="5000.00"):
    response = api.post(
        "c/main/general-requests",
        {"title": "六一活动布置", "category": "event", "amount": amount, "description": "气球、展板"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_request_through_two_steps(teacher, head, member, api_for, campus):
    teacher_api, head_api, principal_api = api_for(teacher), api_for(head), api_for(member)
    created = _raise_request(teacher_api)
    assert created["status"] == "draft" and created["number"].startswith("SQ-")
    assert created["requested_by"]["display_name"] == "王老师"

    response = teacher_api.patch(f"c/main/general-requests/{created['id']}", {"title": "六一儿童节活动布置"})
    assert response.status_code == 200 and response.json()["title"] == "六一儿童节活动布置"

    response = teacher_api.post(f"c/main/general-requests/{created['id']}/submit")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["request"]["status"] == "pending"
    approval = body["approval"]
    assert [s["role"] for s in approval["plan"]] == ["logistics_head", "principal"]  # 5000 ≥ threshold
    assert approval["current_role"] == "logistics_head"
    assert approval["target_type"] == "core.generalrequest"

    # Waiting for the logistics head, not (yet) for the principal.
    assert [a["id"] for a in head_api.get("c/main/approvals").json()["items"]] == [approval["id"]]
    assert principal_api.get("c/main/approvals").json()["count"] == 0
    assert teacher_api.get("c/main/approvals", {"box": "mine"}).json()["count"] == 1

    # The principal may not sign the head's step; the requester may not sign at all.
    response = principal_api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "approve"})
    assert response.status_code == 403 and response.json()["detail"]
    assert (
        teacher_api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "approve"}).status_code
        == 403
    )

    detail = head_api.get(f"c/main/approvals/{approval['id']}").json()
    assert detail["can_decide"] and not detail["can_withdraw"]
    response = head_api.post(
        f"c/main/approvals/{approval['id']}/decide", {"decision": "approve", "comment": "同意"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["current_role"] == "principal"

    response = principal_api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "approve"})
    assert response.status_code == 200
    final = response.json()
    assert final["status"] == "approved"
    assert [a["decision"] for a in final["actions"]] == ["submit", "approve", "approve"]
    assert (
        final["actions"][1]["actor"]["display_name"] == "赵主任" and final["actions"][1]["comment"] == "同意"
    )

    detail = teacher_api.get(f"c/main/general-requests/{created['id']}").json()
    assert detail["status"] == "approved"
    assert detail["approvals"][0]["status"] == "approved"
    # Approved requests can no longer be edited.
    response = teacher_api.patch(f"c/main/general-requests/{created['id']}", {"title": "改"})
    assert response.status_code == 422
    actions = set(
        AuditEvent.objects.filter(actor__in=[teacher, head, member]).values_list("action", flat=True)
    )
    assert {"create", "submit", "approval_submit", "approval_approve"} <= actions


def test_reject_needs_a_comment_then_withdraw_and_resubmit(teacher, head, api_for, campus):
    teacher_api, head_api = api_for(teacher), api_for(head)
    created = _raise_request(teacher_api, amount="200")
    approval = teacher_api.post(f"c/main/general-requests/{created['id']}/submit").json()["approval"]
    assert [s["role"] for s in approval["plan"]] == ["logistics_head"]  # below the principal's threshold

    response = head_api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "reject"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["comment"]
    response = head_api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "maybe"})
    assert response.status_code == 422 and list(response.json()["errors"]) == ["decision"]
    response = head_api.post(
        f"c/main/approvals/{approval['id']}/decide", {"decision": "reject", "comment": "预算不足"}
    )
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert GeneralRequest.objects.get(pk=created["id"]).status == "rejected"

    # Rejected → edit and submit again → withdraw.
    assert teacher_api.patch(f"c/main/general-requests/{created['id']}", {"amount": "150"}).status_code == 200
    approval2 = teacher_api.post(f"c/main/general-requests/{created['id']}/submit").json()["approval"]
    assert head_api.post(f"c/main/approvals/{approval2['id']}/withdraw", {}).status_code == 403
    response = teacher_api.post(f"c/main/general-requests/{created['id']}/withdraw", {"comment": "先不办了"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert len(response.json()["approvals"]) == 2
    response = teacher_api.post(f"c/main/general-requests/{created['id']}/withdraw", {})
    assert response.status_code == 422


def test_general_request_validation_and_ownership(teacher, head, api_for, campus):
    teacher_api = api_for(teacher)
    response = teacher_api.post("c/main/general-requests", {"title": "", "description": "", "amount": "-5"})
    assert response.status_code == 422
    assert {"title", "description", "amount"} <= set(response.json()["errors"])
    response = teacher_api.post(
        "c/main/general-requests", {"title": "x", "description": "y", "amount": "lots"}
    )
    assert response.json()["errors"] == {"amount": ["Enter a number."]}
    created = _raise_request(teacher_api)
    # Someone else's request cannot be edited or submitted.
    head_api = api_for(head)
    assert head_api.patch(f"c/main/general-requests/{created['id']}", {"title": "x"}).status_code == 403
    assert head_api.post(f"c/main/general-requests/{created['id']}/submit").status_code == 403
    listed = head_api.get("c/main/general-requests", {"q": "wls"}).json()
    assert [r["id"] for r in listed["items"]] == [created["id"]]
    assert head_api.get("c/main/general-requests", {"mine": True}).json()["count"] == 0


def test_supervisor_reads_approvals_but_cannot_decide(teacher, api_for, campus, organization):
    from tests import factories as f

    supervisor = f.UserFactory(username="inspector")
    f.MembershipFactory(user=supervisor, campus=None, organization=organization, role=Role.SUPERVISOR)
    created = _raise_request(api_for(teacher))
    approval = api_for(teacher).post(f"c/main/general-requests/{created['id']}/submit").json()["approval"]
    api = api_for(supervisor)
    assert api.get("c/main/approvals", {"box": "all"}).json()["count"] == 1
    assert api.get(f"c/main/approvals/{approval['id']}").json()["can_decide"] is False
    assert api.post(f"c/main/approvals/{approval['id']}/decide", {"decision": "approve"}).status_code == 403
    assert api.post("c/main/general-requests", {"title": "x", "description": "y"}).status_code == 403
