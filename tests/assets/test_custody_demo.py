"""The demo's custody data: hand-overs of last term and this term, loans with one overdue,
two damage records (one compensated), one approved and one pending disposal — made through
the services, so the register stays consistent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, Damage, DisposalRequest, Handover, Loan
from houqin.core.models import ApprovalRequest, Campus, Term, User

pytestmark = pytest.mark.django_db


def test_demo_custody(monkeypatch):
    from houqin.core import demo

    # the core's and the asset register's demo rows, then ours (later areas are theirs to test)
    monkeypatch.setattr(demo, "_extensions", [(o, fn) for o, fn in demo._extensions if o <= 310])
    call_command("seed", size="demo", stdout=io.StringIO())
    main = Campus.objects.get(code="main")
    handovers = Handover.objects.filter(campus=main)
    terms = sorted({h.term for h in handovers}, key=lambda t: t.start_date)
    assert len(terms) == 2 and Term.objects.filter(campus=main).count() >= 3
    last, current = terms
    assert last.end_date < current.start_date <= timezone.localdate()
    ended = handovers.filter(term=last, kind=Handover.Kind.TERM_END)
    assert ended.count() == 12 and not ended.exclude(status=Handover.Status.COMPLETED).exists()
    started = handovers.filter(term=current, kind=Handover.Kind.TERM_START)
    assert started.count() == 12 and started.filter(status=Handover.Status.COMPLETED).count() == 11
    assert handovers.filter(to_signature__isnull=False).exists()
    teacher = User.objects.get(username="teacher")
    assert services.handovers_to_sign(teacher, main).count() == 1
    # the register stays as the asset register's demo left it: classrooms held by their teachers
    assert Asset.objects.filter(campus=main, room__name="小一班活动室").first().custodian == teacher

    loans = Loan.objects.filter(campus=main)
    assert services.overdue_loans(main).count() == 1
    assert set(loans.values_list("status", flat=True)) == {"out", "returned", "requested"}
    for loan in loans.filter(status="out"):
        assert loan.asset.status == Asset.Status.ON_LOAN

    damages = Damage.objects.filter(campus=main)
    assert damages.count() == 2
    paid = damages.get(source=Damage.Source.HANDOVER)
    assert paid.status == Damage.Status.CLOSED and paid.compensation_received == paid.compensation_due > 0
    assert paid.responsible_class.name == "中一班"
    other = damages.get(source=Damage.Source.MANUAL)
    if services.repairs_available():
        assert other.repair is not None

    approved = DisposalRequest.objects.get(campus=main, status=DisposalRequest.Status.APPROVED)
    assert approved.lines.count() == 2
    assert all(line.asset.status == Asset.Status.DISPOSED for line in approved.lines.select_related("asset"))
    pending = DisposalRequest.objects.get(campus=main, status=DisposalRequest.Status.PENDING)
    assert ApprovalRequest.objects.filter(object_id=str(pending.pk), kind=services.DISPOSAL_KIND,
                                          status="pending").exists()  # fmt: skip
    assert services.loan_refusal(pending.lines.get().asset)  # cannot be lent while pending
