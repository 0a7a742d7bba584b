import pytest
from django.urls import reverse

from houqin.core.models import AuditEvent, Campus, Membership
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login
from tests.platform.urlwalk import fill, iter_patterns

pytestmark = pytest.mark.django_db


def org_routes():
    return [r for r, _p, _ns in iter_patterns() if r.startswith("o/<slug:org>/")]


@pytest.fixture
def supervisor(organization):
    user = f.UserFactory(username="jiaoyuju")
    Membership.objects.create(user=user, organization=organization, role=Role.SUPERVISOR)
    return user


@pytest.fixture
def org_admin(organization):
    user = f.UserFactory(username="orgadmin")
    Membership.objects.create(user=user, organization=organization, role=Role.SYSADMIN)
    return user


def test_campus_members_and_outsiders_get_404(organization, member, outsider):
    assert org_routes()
    for user in (member, outsider):
        client = login(user)
        for route in org_routes():
            path = fill(route.replace("<slug:org>", organization.code), "x")
            assert client.get(path).status_code == 404, (user, path)
            assert client.post(path).status_code == 404, (user, path)


def test_supervisor_reads_overview_across_campuses(organization, campus, supervisor, django_assert_max_num_queries):
    second = f.CampusFactory(organization=organization, code="second", name="第二园区")
    f.ChildFactory.create_batch(3, campus=campus)
    f.ChildFactory.create_batch(2, campus=second)
    client = login(supervisor)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("org:overview", kwargs={"org": organization.code}))
    assert response.status_code == 200
    rows = {r["campus"].code: r for r in response.context["rows"]}
    assert rows["main"]["children"] == 3 and rows["second"]["children"] == 2
    assert response.context["totals"]["children"] == 5
    # Read-only: may open a campus dashboard, may not add a campus.
    assert client.get(reverse("core:dashboard", kwargs={"campus": campus.code})).status_code == 200
    assert client.get(reverse("org:campus_create", kwargs={"org": organization.code})).status_code == 403


def test_org_admin_creates_campus_audited(organization, org_admin):
    client = login(org_admin)
    url = reverse("org:campus_create", kwargs={"org": organization.code})
    response = client.post(url, {"name": "航星分园", "code": "hangxing", "kind": "kindergarten", "age_min": 3, "age_max": 6})
    assert response.status_code == 302, response.content.decode()[:2000]
    campus = Campus.objects.get(code="hangxing")
    assert campus.organization == organization
    assert AuditEvent.objects.filter(action="create", object_id=str(campus.pk)).exists()
    bad = client.post(url, {"name": "坏", "code": "Bad Code!", "kind": "kindergarten", "age_min": 6, "age_max": 3})
    assert bad.status_code == 200
    assert not Campus.objects.filter(name="坏").exists()
