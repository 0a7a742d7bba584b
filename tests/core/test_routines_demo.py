"""The routines' demo data: the library enabled and the term so far recorded."""

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from houqin.core import demo, routine_library, routines
from houqin.core.models import AuditEvent, RoutineOccurrence, RoutineResult, RoutineTemplate
from houqin.core.roles import Role
from houqin.core.services import object_save
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_history_of_the_term_so_far(campus):
    terms = demo.make_calendar(campus, lambda obj, campus=None: object_save(actor=None, instance=obj, campus=campus))
    users = {}
    for username, _name, role, code, _phone in demo.DEMO_USERS:
        if code == "main":
            users[username] = f.UserFactory(username=username)
            f.MembershipFactory(user=users[username], campus=campus, role=role)
    ctx = demo.DemoContext(actor=None, organization=campus.organization, campuses={"main": campus}, users=users,
                           terms=terms)  # fmt: skip
    now = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))
    routines.build_history(ctx, now=now)

    assert RoutineTemplate.objects.filter(campus=campus).count() == len(routine_library.LIBRARY)
    past = RoutineOccurrence.objects.filter(campus=campus, date__lt=now.date())
    by_status = dict(past.values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())
    assert total > 500
    assert by_status["done"] / total > 0.9
    assert 0 < by_status.get("missed", 0) < total * 0.08
    assert set(by_status) <= {"done", "missed"}
    assert past.order_by("date").first().date == dt.date(2026, 9, 1)
    assert not past.filter(date__range=(dt.date(2026, 10, 1), dt.date(2026, 10, 7))).exists()  # 国庆
    done = past.filter(status="done")
    late = [o for o in done if not o.on_time]
    assert 0 < len(late) < len(done) * 0.15
    failed = RoutineResult.objects.filter(occurrence__in=done, passed=False)
    assert 0 < failed.count() < RoutineResult.objects.filter(occurrence__in=done).count() * 0.05
    assert AuditEvent.objects.filter(action="complete", campus=campus).count() == done.count()
    guard = done.filter(template__responsible_role=Role.GUARD).values_list("completed_by__username", flat=True)
    assert set(guard) == {"guard"}
    # today and the next week are planned and open
    assert RoutineOccurrence.objects.filter(campus=campus, date__gte=now.date(), status="pending").exists()
    # photo-required items carry a photo
    from houqin.core.models import Attachment

    needs_photo = RoutineResult.objects.filter(occurrence__in=done, item__photo_required=True)
    assert needs_photo.exists()
    assert Attachment.objects.filter(content_type__model="routineresult").count() == needs_photo.count()
