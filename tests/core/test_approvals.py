from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from houqin.core import approvals
from houqin.core.audit import history_for
from houqin.core.models import (
    ApprovalAction,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStep,
    AuditEvent,
    CampusSettings,
    Notification,
)
from houqin.core.roles import Role
from tests import factories as f

KIND = "tests.thing"


class Calls:
    def __init__(self):
        self.approved, self.rejected, self.withdrawn = [], [], []


@pytest.fixture
def calls():
    calls = Calls()
    approvals.register_kind(
        KIND,
        label="Test thing",
        default_steps=[
            ("后勤审核", Role.LOGISTICS_HEAD, None),
            ("会计审核", Role.ACCOUNTANT, Decimal("500")),
            ("园长审批", Role.PRINCIPAL, lambda campus: Decimal("3000")),
        ],
        on_approved=lambda obj, approval, actor: calls.approved.append((obj, approval, actor)),
        on_rejected=lambda obj, approval, actor: calls.rejected.append((obj, approval, actor)),
        on_withdrawn=lambda obj, approval, actor: calls.withdrawn.append((obj, approval, actor)),
    )
    yield calls
    approvals._kinds.pop(KIND, None)


@pytest.fixture
def people(make_member, organization, other_campus):
    p = {
        "requester": make_member(Role.CLASS_TEACHER, username="teacher"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "accountant": make_member(Role.ACCOUNTANT, username="accountant"),
        "principal": make_member(Role.PRINCIPAL, username="principal"),
        "cook": make_member(Role.COOK, username="cook"),
        "outsider": make_member(Role.LOGISTICS_HEAD, on=other_campus, username="outsider"),
    }
    p["supervisor"] = f.UserFactory(username="supervisor")
    f.MembershipFactory(user=p["supervisor"], campus=None, organization=organization, role=Role.SUPERVISOR)
    p["org_admin"] = f.UserFactory(username="org_admin")
    f.MembershipFactory(user=p["org_admin"], campus=None, organization=organization, role=Role.SYSADMIN)
    return p


@pytest.fixture
def thing(campus):
    return f.BuildingFactory(campus=campus, name="综合楼")


def submit(people, thing, amount=None, kind=KIND):
    return approvals.submit(actor=people["requester"], obj=thing, kind=kind, title="买桌椅", amount=amount)


# --- Kinds and flows ----------------------------------------------------------------------


def test_register_kind_checks_roles():
    with pytest.raises(ValueError):
        approvals.register_kind("tests.bad", label="x", default_steps=[("x", "janitor", None)])
    with pytest.raises(ValueError):
        approvals.register_kind("tests.bad", label="x", default_steps=[("x", Role.SUPERVISOR, None)])
    with pytest.raises(ValueError):
        approvals.get_kind("tests.never_registered")


def test_flow_created_from_defaults_once(campus, other_campus, calls):
    flow = approvals.flow_for(campus, KIND)
    assert flow.campus == campus and flow.kind == KIND and flow.name == "Test thing"
    steps = list(flow.steps.values_list("order", "name", "role", "min_amount"))
    assert steps == [
        (1, "后勤审核", "logistics_head", None),
        (2, "会计审核", "accountant", Decimal("500.00")),
        (3, "园长审批", "principal", Decimal("3000.00")),
    ]
    assert approvals.flow_for(campus, KIND) == flow
    assert ApprovalFlow.objects.filter(kind=KIND).count() == 1
    assert approvals.flow_for(other_campus, KIND) != flow
    event = AuditEvent.objects.get(action="approval_flow_create", object_id=str(flow.pk))
    assert event.campus == campus
    assert [s["role"] for s in event.after["steps"]] == ["logistics_head", "accountant", "principal"]


def test_flow_set_steps(campus, calls, member):
    flow = approvals.flow_for(campus, KIND)
    steps = approvals.flow_set_steps(
        actor=member,
        flow=flow,
        steps=[
            {"name": "园长", "role": "principal", "min_amount": "10000", "order": 5},
            {"name": "总务主任", "role": "logistics_head", "min_amount": None, "order": 2},
        ],
    )
    assert [(s.order, s.name, s.role, s.min_amount) for s in steps] == [
        (1, "总务主任", "logistics_head", None),
        (2, "园长", "principal", Decimal("10000.00")),
    ]
    assert ApprovalStep.objects.filter(flow=flow).count() == 2
    event = AuditEvent.objects.get(action="approval_flow_steps")
    assert event.actor == member
    assert len(event.before["steps"]) == 3 and len(event.after["steps"]) == 2


@pytest.mark.parametrize(
    ("steps", "fragment"),
    [
        ([{"name": "", "role": "principal"}], "name"),
        ([{"name": "x", "role": "janitor"}], "role"),
        ([{"name": "x", "role": "supervisor"}], "cannot sign"),
        ([{"name": "x", "role": "principal", "min_amount": "-1"}], "negative"),
        ([{"name": "x", "role": "principal", "min_amount": "lots"}], "amount"),
        (
            [{"name": "x", "role": "principal", "order": 1}, {"name": "y", "role": "cashier", "order": 1}],
            "order",
        ),
        ([{"name": "x", "role": "principal", "order": 0}], "order"),
    ],
)
@translation.override("en")
def test_flow_set_steps_validation(campus, calls, member, steps, fragment):
    flow = approvals.flow_for(campus, KIND)
    with pytest.raises(ValidationError) as exc:
        approvals.flow_set_steps(actor=member, flow=flow, steps=steps)
    assert any(fragment in m for m in exc.value.messages)
    assert flow.steps.count() == 3  # unchanged


# --- Submitting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "roles"),
    [
        (None, ["logistics_head"]),
        (Decimal("499.99"), ["logistics_head"]),
        (Decimal("500"), ["logistics_head", "accountant"]),
        ("2999.99", ["logistics_head", "accountant"]),
        (3000, ["logistics_head", "accountant", "principal"]),
    ],
)
def test_thresholds_choose_steps(people, thing, calls, amount, roles):
    approval = submit(people, thing, amount)
    assert [s["role"] for s in approval.plan] == roles
    assert approval.status == "pending"
    assert approval.current_index == 0
    assert approval.current_role == "logistics_head"
    assert approval.target == thing
    assert approval.requested_by == people["requester"]


def test_submit_records_action_audit_and_notifies_first_role(people, thing, calls):
    approval = submit(people, thing, Decimal("100"))
    action = ApprovalAction.objects.get(request=approval)
    assert (action.decision, action.actor) == ("submit", people["requester"])
    event = AuditEvent.objects.get(action="approval_submit")
    assert event.object_id == str(approval.pk) and event.actor == people["requester"]
    assert event.after["status"] == "pending"
    notes = Notification.objects.filter(event="approval.pending")
    assert {n.recipient for n in notes} == {people["head"]}
    assert "买桌椅" in notes[0].title


def test_plan_is_frozen_at_submission(people, thing, calls, member):
    approval = submit(people, thing, Decimal("5000"))
    approvals.flow_set_steps(actor=member, flow=approval.flow, steps=[("只要园长", "principal", None)])
    approval.refresh_from_db()
    assert [s["role"] for s in approval.plan] == ["logistics_head", "accountant", "principal"]


def test_no_applicable_step_approves_at_once(people, thing, calls, member, campus):
    flow = approvals.flow_for(campus, KIND)
    approvals.flow_set_steps(actor=member, flow=flow, steps=[("园长", "principal", "1000")])
    approval = submit(people, thing, Decimal("10"))
    assert approval.status == "approved"
    assert approval.decided_at is not None
    assert approval.plan == [] and approval.current_role == ""
    assert calls.approved == [(thing, approval, people["requester"])]
    assert not Notification.objects.filter(event="approval.pending").exists()


def test_inactive_flow_approves_at_once(people, thing, calls, campus):
    ApprovalFlow.objects.filter(pk=approvals.flow_for(campus, KIND).pk).update(is_active=False)
    assert submit(people, thing, Decimal("99999")).status == "approved"
    assert len(calls.approved) == 1


def test_one_pending_request_per_object(people, thing, calls):
    first = submit(people, thing)
    with pytest.raises(ValidationError):
        submit(people, thing)
    approvals.decide(actor=people["head"], approval=first, decision="reject", comment="预算不足")
    second = submit(people, thing)  # after a rejection it may be submitted again
    assert second.status == "pending"
    assert list(approvals.requests_for(thing)) == [second, first]


@pytest.mark.parametrize("who", ["supervisor", "outsider"])
def test_submit_needs_a_role_on_the_campus(people, thing, calls, who):
    with pytest.raises(PermissionDenied):
        approvals.submit(actor=people[who], obj=thing, kind=KIND, title="x")


def test_submit_refuses_negative_amount_and_empty_title(people, thing, calls):
    with pytest.raises(ValidationError):
        submit(people, thing, Decimal("-1"))
    with pytest.raises(ValidationError):
        approvals.submit(actor=people["requester"], obj=thing, kind=KIND, title="  ")


# --- Deciding -----------------------------------------------------------------------------


def test_full_chain_to_approved(people, thing, calls):
    approval = submit(people, thing, Decimal("3500"))

    approvals.decide(actor=people["head"], approval=approval, decision="approve", comment="同意")
    assert (approval.status, approval.current_index, approval.current_role) == ("pending", 1, "accountant")
    assert {n.recipient for n in Notification.objects.filter(event="approval.pending")} == {
        people["head"],
        people["accountant"],
    }
    assert calls.approved == []

    approvals.decide(actor=people["accountant"], approval=approval, decision="approve")
    approval.refresh_from_db()
    assert approval.current_role == "principal"

    approvals.decide(actor=people["principal"], approval=approval, decision="approve", comment="可以")
    approval.refresh_from_db()
    assert approval.status == "approved"
    assert approval.decided_at is not None
    assert approval.current_role == ""
    assert approval.current_step is None

    assert len(calls.approved) == 1
    obj, cb_approval, actor = calls.approved[0]
    assert obj == thing and cb_approval.pk == approval.pk and actor == people["principal"]
    assert calls.rejected == []

    actions = list(
        approval.actions.values_list("decision", "step_order", "role", "actor__username", "comment")
    )
    assert actions == [
        ("submit", None, "", "teacher", ""),
        ("approve", 1, "logistics_head", "head", "同意"),
        ("approve", 2, "accountant", "accountant", ""),
        ("approve", 3, "principal", "principal", "可以"),
    ]
    audit_actions = list(history_for(approval).order_by("id").values_list("action", flat=True))
    assert audit_actions == ["approval_submit", "approval_approve", "approval_approve", "approval_approve"]
    last = AuditEvent.objects.filter(action="approval_approve").order_by("-id").first()
    assert last.before["status"] == "pending" and last.after["status"] == "approved"
    done = Notification.objects.get(event="approval.approved")
    assert done.recipient == people["requester"] and "买桌椅" in done.title


def test_wrong_role_cannot_decide(people, thing, calls):
    approval = submit(people, thing, Decimal("1000"))
    for who in ("cook", "accountant", "principal", "outsider", "supervisor", "org_admin"):
        with pytest.raises(PermissionDenied):
            approvals.decide(actor=people[who], approval=approval, decision="approve")
    approval.refresh_from_db()
    assert approval.current_index == 0
    assert ApprovalAction.objects.filter(request=approval).count() == 1


@translation.override("en")
def test_supervisor_with_campus_role_name_still_reads_only(people, thing, calls, organization):
    # an org-level supervisor never decides, even at a step that names a supervisor-free role
    approval = submit(people, thing)
    with pytest.raises(PermissionDenied) as exc:
        approvals.decide(actor=people["supervisor"], approval=approval, decision="reject", comment="no")
    assert "Logistics head" in str(exc.value)


def test_inactive_membership_cannot_decide(people, thing, calls):
    approval = submit(people, thing)
    people["head"].memberships.update(is_active=False)
    with pytest.raises(PermissionDenied):
        approvals.decide(actor=people["head"], approval=approval, decision="approve")


def test_org_sysadmin_and_superuser_decide_sysadmin_steps(people, thing, calls, campus, member):
    flow = approvals.flow_for(campus, KIND)
    approvals.flow_set_steps(
        actor=member, flow=flow, steps=[("系统", "sysadmin", None), ("系统2", "sysadmin", None)]
    )
    approval = submit(people, thing)
    approvals.decide(actor=people["org_admin"], approval=approval, decision="approve")
    root = f.UserFactory(username="root", is_superuser=True)
    approvals.decide(actor=root, approval=approval, decision="approve")
    assert approval.status == "approved"


def test_self_approval_refused_unless_allowed(people, thing, calls, campus):
    approval = approvals.submit(actor=people["head"], obj=thing, kind=KIND, title="自己的")
    with pytest.raises(PermissionDenied):
        approvals.decide(actor=people["head"], approval=approval, decision="approve")
    assert list(approvals.pending_for(people["head"], campus)) == []

    ApprovalFlow.objects.filter(pk=approval.flow_id).update(allow_self_approval=True)
    assert list(approvals.pending_for(people["head"], campus)) == [approval]
    approvals.decide(actor=people["head"], approval=approval, decision="approve")
    assert approval.status == "approved"


def test_reject_needs_comment(people, thing, calls):
    approval = submit(people, thing, Decimal("800"))
    with pytest.raises(ValidationError) as exc:
        approvals.decide(actor=people["head"], approval=approval, decision="reject", comment="   ")
    assert "comment" in exc.value.message_dict
    with pytest.raises(ValidationError):
        approvals.decide(actor=people["head"], approval=approval, decision="maybe")

    approvals.decide(actor=people["head"], approval=approval, decision="reject", comment="没有预算")
    approval.refresh_from_db()
    assert approval.status == "rejected" and approval.decided_at is not None
    assert len(calls.rejected) == 1 and calls.approved == []
    note = Notification.objects.get(event="approval.rejected")
    assert note.recipient == people["requester"] and note.body == "没有预算" and note.level == "warning"
    assert AuditEvent.objects.filter(action="approval_reject", message__contains="没有预算").exists()

    with pytest.raises(ValidationError):  # finished: nothing more to decide
        approvals.decide(actor=people["head"], approval=approval, decision="approve")


def test_stale_instance_cannot_double_decide(people, thing, calls):
    approval = submit(people, thing)
    stale = ApprovalRequest.objects.get(pk=approval.pk)
    approvals.decide(actor=people["head"], approval=approval, decision="approve")
    with pytest.raises(ValidationError):
        approvals.decide(actor=people["head"], approval=stale, decision="approve")
    assert len(calls.approved) == 1


# --- Withdrawing and reading --------------------------------------------------------------


def test_withdraw(people, thing, calls):
    approval = submit(people, thing)
    with pytest.raises(PermissionDenied):
        approvals.withdraw(actor=people["head"], approval=approval)
    approvals.withdraw(actor=people["requester"], approval=approval, comment="写错了")
    approval.refresh_from_db()
    assert approval.status == "withdrawn" and approval.current_role == ""
    assert len(calls.withdrawn) == 1
    action = approval.actions.last()
    assert (action.decision, action.comment) == ("withdraw", "写错了")
    assert AuditEvent.objects.filter(action="approval_withdraw", object_id=str(approval.pk)).exists()
    with pytest.raises(ValidationError):
        approvals.withdraw(actor=people["requester"], approval=approval)
    with pytest.raises(ValidationError):
        approvals.decide(actor=people["head"], approval=approval, decision="approve")


def test_pending_for(people, thing, calls, campus, other_campus):
    mine = submit(people, thing, Decimal("600"))
    other_thing = f.BuildingFactory(campus=campus, name="食堂")
    second = submit(people, other_thing)
    elsewhere_thing = f.BuildingFactory(campus=other_campus)
    other_requester = f.UserFactory()
    f.MembershipFactory(user=other_requester, campus=other_campus, role=Role.COOK)
    approvals.submit(actor=other_requester, obj=elsewhere_thing, kind=KIND, title="别处")

    assert list(approvals.pending_for(people["head"], campus)) == [mine, second]
    assert list(approvals.pending_for(people["accountant"], campus)) == []
    assert list(approvals.pending_for(people["supervisor"], campus)) == []
    assert list(approvals.pending_for(people["outsider"], campus)) == []
    assert [a.title for a in approvals.pending_for(people["outsider"], other_campus)] == ["别处"]

    approvals.decide(actor=people["head"], approval=mine, decision="approve")
    assert list(approvals.pending_for(people["head"], campus)) == [second]
    assert list(approvals.pending_for(people["accountant"], campus)) == [mine]
    assert approvals.can_decide(people["accountant"], mine)
    assert not approvals.can_decide(people["head"], mine)
    assert not approvals.can_decide(people["supervisor"], mine)


def test_requests_for_and_current_request(people, thing, calls):
    assert approvals.current_request(thing) is None
    approval = submit(people, thing)
    assert approvals.current_request(thing) == approval
    assert list(approvals.requests_for(thing)) == [approval]


def test_settings_threshold_used_at_flow_creation(campus, calls, people, thing):
    from houqin.core import kinds  # noqa: F401  (registers core.general_request)

    CampusSettings.objects.create(campus=campus, values={"core.principal_approval_threshold": "8000"})
    flow = approvals.flow_for(campus, "core.general_request")
    assert list(flow.steps.values_list("role", "min_amount")) == [
        ("logistics_head", None),
        ("principal", Decimal("8000.00")),
    ]
