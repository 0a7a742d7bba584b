"""``houqin seed --size large``: the benchmark data set."""

import io

import pytest
from django.core.management import call_command

from houqin.core import demo
from houqin.core.models import Campus, Child, Guardian, Membership, Room, SchoolClass, Term
from houqin.core.roles import Role

pytestmark = pytest.mark.django_db


def run(**kwargs):
    out = io.StringIO()
    call_command("seed", size="large", stdout=out, **kwargs)
    return out.getvalue()


def bench_campuses():
    return Campus.objects.filter(organization__code=demo.LARGE_ORG_CODE)


def test_full_size_meets_the_benchmark_minimums():
    out = run()
    campuses = bench_campuses()
    assert campuses.count() >= 3
    assert SchoolClass.objects.filter(campus__in=campuses).count() >= 60
    assert Child.objects.filter(campus__in=campuses).count() >= 1500
    assert Room.objects.filter(campus__in=campuses).count() >= 300
    assert "1500" in out.replace(",", "")


def test_scaled_down_for_tests():
    run(scale=0.05)
    campuses = list(bench_campuses())
    assert len(campuses) == 3
    for campus in campuses:
        classes = SchoolClass.objects.filter(campus=campus)
        assert classes.count() == 1
        assert Room.objects.filter(campus=campus).count() == 5
        children = Child.objects.filter(campus=campus)
        assert children.count() == 1
        child = children.get()
        assert child.name_pinyin and child.school_class.campus_id == campus.id
        assert Guardian.objects.filter(child=child).count() == 2
        assert all(g.name_pinyin for g in Guardian.objects.filter(child=child))
        assert all(r.name_pinyin for r in Room.objects.filter(campus=campus))
        assert Term.objects.filter(campus=campus).count() == 2
        roles = set(Membership.objects.filter(campus=campus).values_list("role", flat=True))
        assert {str(r) for r in Role if r != Role.SUPERVISOR} <= roles
    assert Membership.objects.filter(organization__code=demo.LARGE_ORG_CODE, role=Role.SUPERVISOR).exists()


def test_more_campuses_and_second_run_changes_nothing():
    run(scale=0.05, campuses=4)
    assert bench_campuses().count() == 4
    children = Child.objects.count()
    out = run(scale=0.05)
    assert Child.objects.count() == children
    assert out


def test_large_set_lives_beside_the_demo():
    call_command("seed", size="demo", stdout=io.StringIO())
    run(scale=0.05)
    assert Campus.objects.filter(code__in=["main", "west"]).count() == 2
    assert bench_campuses().count() == 3


@pytest.mark.django_db(transaction=True)  # flush cannot run inside the test's transaction on PostgreSQL
def test_reset_with_yes_starts_over():
    call_command("seed", size="demo", stdout=io.StringIO())
    run(scale=0.05, campuses=4)
    run(scale=0.05, reset=True, yes=True)
    assert bench_campuses().count() == 3
    assert not Campus.objects.filter(code="main").exists()
