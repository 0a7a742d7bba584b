from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.core import approvals
from houqin.core.audit import history_for
from houqin.core.models import ApprovalRequest, CampusSettings, GeneralRequest, Notification
from houqin.core.requests_services import (
    general_request_create,
    general_request_submit,
    general_request_update,
    general_request_withdraw,
)
from houqin.core.roles import Role


@pytest.fixture
def people(make_member):
    return {
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "principal": make_member(Role.PRINCIPAL, username="principal"),
    }


def create(people, campus, **data):
    data = {"title": "六一活动场地布置", "category": "event", "description": "需要气球和音响", **data}
    return general_request_create(actor=people["teacher"], campus=campus, data=data)


def test_kind_registered_at_startup():
    spec = approvals.get_kind("core.general_request")
    assert [role for _name, role, _min in spec.default_steps] == ["logistics_head", "principal"]


def test_create_numbers_and_audits(people, campus):
    year = timezone.localdate().year
    first = create(people, campus, amount="120.50")
    second = create(people, campus)
    assert first.number == f"SQ-{year}-0001" and second.number == f"SQ-{year}-0002"
    assert first.status == "draft" and first.requested_by == people["teacher"]
    assert first.amount == Decimal("120.50")
    assert second.amount is None
    event = history_for(first).get()
    assert event.action == "create" and event.after["number"] == first.number


def test_create_validates(people, campus):
    with pytest.raises(ValidationError) as exc:
        create(people, campus, title="", amount="-5")
    assert {"title", "amount"} <= set(exc.value.message_dict)
    assert GeneralRequest.objects.count() == 0
    with pytest.raises(ValueError):
        create(people, campus, status="approved")  # not a field callers may set


def test_update_only_by_requester_while_editable(people, campus):
    gr = create(people, campus)
    general_request_update(
        actor=people["teacher"], general_request=gr, data={"title": "新标题", "amount": "30"}
    )
    gr.refresh_from_db()
    assert gr.title == "新标题" and gr.amount == Decimal("30.00")
    event = history_for(gr).filter(action="update").get()
    assert event.before == {"title": "六一活动场地布置", "amount": None}
    assert event.after == {"title": "新标题", "amount": "30.00"}

    with pytest.raises(PermissionDenied):
        general_request_update(actor=people["head"], general_request=gr, data={"title": "x"})
    general_request_submit(actor=people["teacher"], general_request=gr)
    with pytest.raises(ValidationError):
        general_request_update(actor=people["teacher"], general_request=gr, data={"title": "x"})


def test_small_amount_needs_logistics_head_only(people, campus):
    gr = create(people, campus, amount="500")
    approval = general_request_submit(actor=people["teacher"], general_request=gr)
    assert gr.status == "pending"
    assert [s["role"] for s in approval.plan] == ["logistics_head"]
    approvals.decide(actor=people["head"], approval=approval, decision="approve")
    gr.refresh_from_db()
    assert gr.status == "approved"
    assert list(history_for(gr).order_by("id").values_list("action", flat=True)) == [
        "create",
        "submit",
        "approve",
    ]


def test_large_amount_needs_principal_too(people, campus):
    gr = create(people, campus, amount="3000")
    approval = general_request_submit(actor=people["teacher"], general_request=gr)
    assert [s["role"] for s in approval.plan] == ["logistics_head", "principal"]
    assert Notification.objects.filter(recipient=people["head"], event="approval.pending").exists()
    approvals.decide(actor=people["head"], approval=approval, decision="approve")
    gr.refresh_from_db()
    assert gr.status == "pending"
    assert Notification.objects.filter(recipient=people["principal"], event="approval.pending").exists()
    approvals.decide(actor=people["principal"], approval=approval, decision="approve", comment="同意")
    gr.refresh_from_db()
    assert gr.status == "approved"
    assert Notification.objects.filter(recipient=people["teacher"], event="approval.approved").exists()


def test_no_amount_needs_logistics_head_only(people, campus):
    gr = create(people, campus, category="leave")
    approval = general_request_submit(actor=people["teacher"], general_request=gr)
    assert [s["role"] for s in approval.plan] == ["logistics_head"]


def test_campus_threshold_setting(people, campus):
    CampusSettings.objects.create(campus=campus, values={"core.principal_approval_threshold": "10000"})
    gr = create(people, campus, amount="5000")
    approval = general_request_submit(actor=people["teacher"], general_request=gr)
    assert [s["role"] for s in approval.plan] == ["logistics_head"]


def test_rejected_request_is_edited_and_resubmitted(people, campus):
    gr = create(people, campus, amount="100")
    first = general_request_submit(actor=people["teacher"], general_request=gr)
    with pytest.raises(ValidationError):
        general_request_submit(actor=people["teacher"], general_request=gr)
    approvals.decide(actor=people["head"], approval=first, decision="reject", comment="请补充明细")
    gr.refresh_from_db()
    assert gr.status == "rejected"
    general_request_update(
        actor=people["teacher"], general_request=gr, data={"description": "气球 50 个，音响 1 台"}
    )
    second = general_request_submit(actor=people["teacher"], general_request=gr)
    assert second.pk != first.pk and gr.status == "pending"
    assert ApprovalRequest.objects.filter(object_id=str(gr.pk)).count() == 2


def test_withdraw(people, campus):
    gr = create(people, campus)
    with pytest.raises(ValidationError):
        general_request_withdraw(actor=people["teacher"], general_request=gr)
    approval = general_request_submit(actor=people["teacher"], general_request=gr)
    with pytest.raises(PermissionDenied):
        general_request_withdraw(actor=people["head"], general_request=gr)
    general_request_withdraw(actor=people["teacher"], general_request=gr, comment="不需要了")
    assert gr.status == "withdrawn"
    approval.refresh_from_db()
    assert approval.status == "withdrawn"
    assert "withdraw" in history_for(gr).values_list("action", flat=True)
    general_request_update(actor=people["teacher"], general_request=gr, data={"title": "改一下"})


def test_submit_only_by_requester(people, campus):
    gr = create(people, campus)
    with pytest.raises(PermissionDenied):
        general_request_submit(actor=people["head"], general_request=gr)
    assert GeneralRequest.objects.get(pk=gr.pk).status == "draft"


def test_requester_who_is_the_approver_cannot_sign(people, campus):
    gr = general_request_create(
        actor=people["head"], campus=campus, data={"title": "自己申请", "description": "x", "amount": "10"}
    )
    approval = general_request_submit(actor=people["head"], general_request=gr)
    with pytest.raises(PermissionDenied):
        approvals.decide(actor=people["head"], approval=approval, decision="approve")
    assert not Notification.objects.filter(recipient=people["head"], event="approval.pending").exists()
