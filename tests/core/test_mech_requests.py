"""Pages of general requests (通用申请) and of the approvals engine: inbox, detail with the
signed timeline, decide, withdraw, flow configuration and the print view."""

from decimal import Decimal

import pytest
from django.urls import reverse

from houqin.core.audit import history_for
from houqin.core.models import ApprovalFlow, ApprovalRequest, AuditEvent, GeneralRequest
from houqin.core.requests_services import general_request_create, general_request_submit
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def head(make_member):
    return make_member(Role.LOGISTICS_HEAD, username="head")


@pytest.fixture
def head_client(head):
    return login(head)


@pytest.fixture
def parent_client(make_member):
    return login(make_member(Role.PARENT, username="parent"))


def raise_request(user, campus, amount="500", **data):
    data = {"title": "六一活动场地布置", "category": "event", "description": "需要气球和音响", "amount": amount, **data}
    return general_request_create(actor=user, campus=campus, data=data)


def submitted(user, campus, amount="500"):
    gr = raise_request(user, campus, amount=amount)
    approval = general_request_submit(actor=user, general_request=gr)
    return gr, approval


# --- General requests ---------------------------------------------------------------------


def test_create_save_draft_then_submit(member_client, member, campus, head):
    response = member_client.post(
        url("core:request_create", campus),
        {"title": "购买音响", "category": "expense", "amount": "800", "description": "六一活动用", "save": "1"},
    )
    gr = GeneralRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("core:request_detail", campus, pk=gr.pk)
    assert gr.status == "draft" and gr.requested_by == member and gr.number.startswith("SQ-")
    assert history_for(gr).filter(action="create").exists()

    page = member_client.get(url("core:request_detail", campus, pk=gr.pk))
    assert page.status_code == 200
    assert "购买音响" in page.text and 'data-testid="submit-request"' in page.text

    response = member_client.post(url("core:request_submit", campus, pk=gr.pk))
    assert response.status_code == 302
    gr.refresh_from_db()
    assert gr.status == "pending"
    approval = ApprovalRequest.objects.get()
    assert approval.current_role == "logistics_head"
    assert history_for(gr).filter(action="submit").exists()
    assert history_for(approval).filter(action="approval_submit").exists()


def test_save_and_submit_in_one_go(member_client, campus, head):
    response = member_client.post(
        url("core:request_create", campus),
        {"title": "请假", "category": "leave", "amount": "", "description": "家中有事", "submit": "1"},
    )
    assert response.status_code == 302
    gr = GeneralRequest.objects.get()
    assert gr.status == "pending" and gr.amount is None


def test_invalid_form_saves_nothing(member_client, campus):
    response = member_client.post(
        url("core:request_create", campus), {"title": "", "category": "other", "amount": "-1", "description": ""}
    )
    assert response.status_code == 200
    assert GeneralRequest.objects.count() == 0
    assert "is-invalid" in response.text


def test_update_only_own_draft(member_client, member, other_role, other_role_client, campus):
    gr = raise_request(member, campus)
    edit = url("core:request_update", campus, pk=gr.pk)
    assert member_client.get(edit).status_code == 200
    response = member_client.post(
        edit, {"title": "改过的标题", "category": "event", "amount": "600", "description": "改", "save": "1"}
    )
    assert response.status_code == 302
    gr.refresh_from_db()
    assert gr.title == "改过的标题" and gr.amount == Decimal("600")
    event = history_for(gr).filter(action="update").get()
    assert event.before["title"] == "六一活动场地布置" and event.after["title"] == "改过的标题"
    # somebody else's request: not found for editing
    assert other_role_client.get(edit).status_code == 404
    # a pending request cannot be edited
    general_request_submit(actor=member, general_request=gr)
    assert member_client.get(edit).status_code == 403


def test_withdraw_from_request_page(member_client, member, campus, head):
    gr, approval = submitted(member, campus)
    response = member_client.post(url("core:request_withdraw", campus, pk=gr.pk), {"comment": "先不办了"})
    assert response.status_code == 302
    gr.refresh_from_db()
    approval.refresh_from_db()
    assert gr.status == "withdrawn" and approval.status == "withdrawn"
    assert history_for(approval).filter(action="approval_withdraw").exists()
    # editable again
    assert member_client.get(url("core:request_update", campus, pk=gr.pk)).status_code == 200


def test_withdraw_when_not_pending_shows_message(member_client, member, campus):
    gr = raise_request(member, campus)
    response = member_client.post(url("core:request_withdraw", campus, pk=gr.pk), follow=True)
    assert response.status_code == 200
    assert "alert-danger" in response.text


def test_list_detail_and_print(member_client, other_role_client, member, other_role, campus, head):
    mine = raise_request(member, campus, title="园长的申请")
    theirs, _approval = submitted(other_role, campus)
    page = member_client.get(url("core:request_list", campus))
    assert page.status_code == 200
    assert "园长的申请" in page.text and theirs.title in page.text
    assert 'data-status="pending"' in page.text  # status badge
    only_mine = member_client.get(url("core:request_list", campus), {"mine": "on"})
    assert "园长的申请" in only_mine.text and theirs.number not in only_mine.text
    pending = member_client.get(url("core:request_list", campus), {"status": "pending"})
    assert theirs.number in pending.text and mine.number not in pending.text

    detail = member_client.get(url("core:request_detail", campus, pk=theirs.pk))
    assert detail.status_code == 200
    assert 'data-testid="approval-timeline"' in detail.text
    assert 'data-testid="submit-request"' not in detail.text  # not the requester

    printed = member_client.get(url("core:request_print", campus, pk=theirs.pk))
    assert printed.status_code == 200
    assert theirs.number in printed.text and 'data-testid="signatures"' in printed.text


def test_list_export(member_client, member, campus):
    raise_request(member, campus)
    response = member_client.get(url("core:request_list", campus), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_parent_is_refused_and_outsider_gets_404(parent_client, outsider_client, member, campus):
    gr = raise_request(member, campus)
    for name, kwargs in (
        ("core:request_list", {}),
        ("core:request_create", {}),
        ("core:request_detail", {"pk": gr.pk}),
        ("core:request_print", {"pk": gr.pk}),
    ):
        assert parent_client.get(url(name, campus, **kwargs)).status_code == 403
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404
    assert parent_client.post(url("core:request_submit", campus, pk=gr.pk)).status_code == 403
    assert outsider_client.post(url("core:request_submit", campus, pk=gr.pk)).status_code == 404


def test_cannot_submit_someone_elses_request(other_role_client, member, campus):
    gr = raise_request(member, campus)
    assert other_role_client.post(url("core:request_submit", campus, pk=gr.pk)).status_code == 404
    gr.refresh_from_db()
    assert gr.status == "draft"


def test_request_list_queries_bounded(member_client, member, campus, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.GeneralRequestFactory.create_batch(10, campus=campus, requested_by=member)
    with CaptureQueriesContext(connection) as ctx:
        assert member_client.get(url("core:request_list", campus)).status_code == 200
    at_10 = len(ctx)
    f.GeneralRequestFactory.create_batch(190, campus=campus, requested_by=f.UserFactory())
    with django_assert_max_num_queries(at_10):
        assert member_client.get(url("core:request_list", campus)).status_code == 200


# --- Approvals ----------------------------------------------------------------------------


def test_inbox_tabs(member_client, head_client, member, head, campus):
    _gr, approval = submitted(member, campus)
    waiting = head_client.get(url("core:approval_inbox", campus))
    assert waiting.status_code == 200 and approval.title in waiting.text
    assert member_client.get(url("core:approval_inbox", campus)).text.count(approval.title) == 0
    mine = member_client.get(url("core:approval_inbox", campus), {"tab": "submitted"})
    assert approval.title in mine.text
    everything = head_client.get(url("core:approval_inbox", campus), {"tab": "all", "status": "pending"})
    assert approval.title in everything.text
    approved = head_client.get(url("core:approval_inbox", campus), {"tab": "all", "status": "approved"})
    assert approval.title not in approved.text
    export = head_client.get(url("core:approval_inbox", campus), {"tab": "all", "export": "xlsx"})
    assert export.status_code == 200


def test_inbox_queries_bounded(head_client, member, campus, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(10):
        submitted(member, campus)
    with CaptureQueriesContext(connection) as ctx:
        assert head_client.get(url("core:approval_inbox", campus)).status_code == 200
    for _ in range(40):
        submitted(member, campus)
    with django_assert_max_num_queries(len(ctx)):
        assert head_client.get(url("core:approval_inbox", campus)).status_code == 200


def test_full_chain_from_the_pages(member, member_client, other_role, head, head_client, campus):
    gr, approval = submitted(other_role, campus, amount="5000")  # above the principal threshold
    assert [s["role"] for s in approval.plan] == ["logistics_head", "principal"]
    detail = url("core:approval_detail", campus, pk=approval.pk)

    page = head_client.get(detail)
    assert page.status_code == 200
    assert 'data-testid="decide-form"' in page.text
    assert url("core:request_detail", campus, pk=gr.pk) in page.text  # link to the document
    # the principal is not yet in line
    assert 'data-testid="decide-form"' not in member_client.get(detail).text
    assert member_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve"}).status_code == 403

    response = head_client.post(
        url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve", "comment": "同意"}
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == "pending" and approval.current_role == "principal"

    response = member_client.post(
        url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve", "comment": "同意采购"}
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    gr.refresh_from_db()
    assert approval.status == "approved" and gr.status == "approved"
    actions = set(history_for(approval).values_list("action", flat=True))
    assert {"approval_submit", "approval_approve"} <= actions

    page = member_client.get(detail)
    assert page.text.count('data-step-state="approve"') == 2
    assert "同意采购" in page.text and str(head) in page.text
    printed = member_client.get(url("core:request_print", campus, pk=gr.pk))
    assert "同意采购" in printed.text


def test_decide_by_wrong_role_is_refused(other_role_client, member, member_client, campus, head):
    _gr, approval = submitted(member, campus)
    # the cook holds no logistics-head role
    response = other_role_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve"})
    assert response.status_code == 403
    # the principal raised it and the step is the logistics head's
    response = member_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve"})
    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.status == "pending" and approval.current_index == 0
    assert not AuditEvent.objects.filter(action="approval_approve").exists()


def test_reject_needs_a_comment(head_client, member, campus):
    gr, approval = submitted(member, campus)
    response = head_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "reject"}, follow=True)
    assert response.status_code == 200 and "alert-danger" in response.text
    approval.refresh_from_db()
    assert approval.status == "pending"
    head_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "reject", "comment": "预算不足"})
    approval.refresh_from_db()
    gr.refresh_from_db()
    assert approval.status == "rejected" and gr.status == "rejected"
    page = head_client.get(url("core:approval_detail", campus, pk=approval.pk))
    assert 'data-step-state="reject"' in page.text and "预算不足" in page.text


def test_withdraw_from_approval_page(member_client, head_client, member, campus):
    gr, approval = submitted(member, campus)
    assert head_client.post(url("core:approval_withdraw", campus, pk=approval.pk)).status_code == 403
    response = member_client.post(url("core:approval_withdraw", campus, pk=approval.pk))
    assert response.status_code == 302
    approval.refresh_from_db()
    gr.refresh_from_db()
    assert approval.status == "withdrawn" and gr.status == "withdrawn"


def test_approval_pages_for_parent_and_outsider(parent_client, outsider_client, member, campus):
    _gr, approval = submitted(member, campus)
    for name, kwargs in (("core:approval_inbox", {}), ("core:approval_detail", {"pk": approval.pk})):
        assert parent_client.get(url(name, campus, **kwargs)).status_code == 403
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404
    assert outsider_client.post(url("core:approval_decide", campus, pk=approval.pk), {"decision": "approve"}).status_code == 404


# --- Flows --------------------------------------------------------------------------------


def test_flow_list_shows_defaults_without_creating(member_client, campus):
    page = member_client.get(url("core:flow_list", campus))
    assert page.status_code == 200
    assert 'data-kind="core.general_request"' in page.text
    assert ApprovalFlow.objects.count() == 0  # a GET writes nothing


def _steps_post(rows, **flow):
    data = {
        "name": flow.get("name", "通用申请"),
        "is_active": "on",
        "steps-TOTAL_FORMS": str(len(rows)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"steps-{i}-{key}"] = value
    return data


def test_flow_update(member_client, member, campus):
    edit = url("core:flow_update", campus, kind="core.general_request")
    assert member_client.get(edit).status_code == 200
    rows = [
        {"ORDER": "2", "name": "园长审批", "role": "principal", "min_amount": "1000"},
        {"ORDER": "1", "name": "总务审核", "role": "logistics_head", "min_amount": ""},
        {"ORDER": "3", "name": "删掉的", "role": "accountant", "min_amount": "", "DELETE": "on"},
    ]
    response = member_client.post(edit, _steps_post(rows))
    assert response.status_code == 302, response.context and response.context["formset"].errors
    flow = ApprovalFlow.objects.get(kind="core.general_request")
    steps = list(flow.steps.values_list("order", "name", "role", "min_amount"))
    assert steps == [(1, "总务审核", "logistics_head", None), (2, "园长审批", "principal", Decimal("1000.00"))]
    assert AuditEvent.objects.filter(action="approval_flow_steps", object_id=str(flow.pk)).exists()


def test_flow_update_refuses_bad_steps(member_client, campus):
    edit = url("core:flow_update", campus, kind="core.general_request")
    # a parent cannot sign, negative amounts are refused, at least one step is needed
    response = member_client.post(edit, _steps_post([{"ORDER": "1", "name": "家长", "role": "parent", "min_amount": "-5"}]))
    assert response.status_code == 200
    assert ApprovalFlow.objects.count() == 0
    response = member_client.post(edit, _steps_post([{"ORDER": "1", "name": "x", "role": "principal", "DELETE": "on"}]))
    assert response.status_code == 200
    assert "Keep at least one step" in response.text or "至少" in response.text
    assert ApprovalFlow.objects.count() == 0


def test_flow_pages_refused_to_cook_and_unknown_kind_404(other_role_client, outsider_client, member_client, campus):
    assert other_role_client.get(url("core:flow_list", campus)).status_code == 403
    assert other_role_client.get(url("core:flow_update", campus, kind="core.general_request")).status_code == 403
    assert outsider_client.get(url("core:flow_list", campus)).status_code == 404
    assert member_client.get(url("core:flow_update", campus, kind="nope.nothing")).status_code == 404

