"""Problems sent back with a deadline (限时纠正): fix with an after-photo, check by another
person, send back, void, overdue reminders and the dashboard cards."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import Notification
from houqin.core.permissions import perms_for_user_on_campus
from houqin.environment import environment_registrations as reg
from houqin.environment import services
from houqin.environment.models import HygieneProblem
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def problem(campus, people, zones):
    return services.problem_raise(
        actor=people["head"], campus=campus, zone=zones["小一班"], description="柜底有积灰"
    )


def test_raise_goes_to_the_zone_person_with_the_default_deadline(campus, people, zones, problem):
    assert problem.responsible == people["teacher"] and problem.status == "open"
    assert problem.deadline == timezone.localdate() + dt.timedelta(days=2)
    assert Notification.objects.filter(recipient=people["teacher"], title__contains="小一班活动室").exists()
    with pytest.raises(ValidationError) as exc:
        services.problem_raise(actor=people["head"], campus=campus, zone=zones["小一班"], description="x",
                               deadline=timezone.localdate() - dt.timedelta(days=1))  # fmt: skip
    assert "deadline" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.problem_raise(actor=people["teacher"], campus=campus, zone=zones["楼道"], description="x")


def test_fix_needs_an_after_photo_and_the_right_person(people, problem):
    with pytest.raises(PermissionDenied):
        services.problem_fix(actor=people["teacher2"], problem=problem, note="扫了", photos=[png()])
    with pytest.raises(ValidationError) as exc:
        services.problem_fix(actor=people["teacher"], problem=problem, note="已清扫")
    assert "photos" in exc.value.message_dict
    problem.refresh_from_db()
    assert problem.status == "open"
    services.problem_fix(actor=people["teacher"], problem=problem, note="已清扫", photos=[png()])
    problem.refresh_from_db()
    assert problem.status == "fixed" and problem.fixed_by == people["teacher"]


def test_check_by_another_person_or_send_back(people, problem):
    services.problem_fix(actor=people["head"], problem=problem, note="代为登记", photos=[png()])
    with pytest.raises(PermissionDenied):
        services.problem_verify(actor=people["head"], problem=problem)  # the fixer
    with pytest.raises(PermissionDenied):
        services.problem_verify(actor=people["teacher"], problem=problem)  # not an inspector
    new_deadline = timezone.localdate() + dt.timedelta(days=1)
    services.problem_send_back(
        actor=people["health"], problem=problem, reason="仍有积灰", deadline=new_deadline
    )
    problem.refresh_from_db()
    assert problem.status == "open" and problem.return_count == 1 and problem.deadline == new_deadline
    # the earlier after-photo is of the last round: a new one is needed
    with pytest.raises(ValidationError):
        services.problem_fix(actor=people["teacher"], problem=problem, note="再次清扫")
    services.problem_fix(actor=people["teacher"], problem=problem, note="再次清扫", photos=[png()])
    services.problem_verify(actor=people["health"], problem=problem, note="合格")
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.verified_by == people["health"]
    with pytest.raises(ValidationError):
        services.problem_void(actor=people["head"], problem=problem, reason="x")


def test_overdue_problems_are_reminded_once_a_day(campus, people, problem):
    HygieneProblem.objects.filter(pk=problem.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    assert list(services.overdue_problems(campus)) == [problem]
    assert services.problems_remind() == 1
    assert services.problems_remind() == 0
    assert Notification.objects.filter(recipient=people["head"], level="danger").exists()


def _request(user, campus):
    request = RequestFactory().get("/")
    request.user, request.campus = user, campus
    request.roles, request.perms = perms_for_user_on_campus(user, campus)
    return request


def test_dashboard_cards(campus, people, problem):
    teacher_cards = reg.my_problems_card(_request(people["teacher"], campus))
    assert teacher_cards[0].count == 1 and teacher_cards[0].level == "warning"
    assert reg.overdue_problems_card(_request(people["head"], campus)) == []
    HygieneProblem.objects.filter(pk=problem.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    assert reg.my_problems_card(_request(people["teacher"], campus))[0].level == "danger"
    card = reg.overdue_problems_card(_request(people["head"], campus))[0]
    assert card.count == 1 and "?overdue=1" in card.url
    services.problem_fix(actor=people["teacher"], problem=problem, note="已清扫", photos=[png()])
    assert reg.problems_to_check_card(_request(people["head"], campus))[0].count == 1
    assert reg.problems_to_check_card(_request(people["teacher"], campus)) == []  # not to the fixer
    # the home page shows the inspector the card; the teacher lacks the permission
    response = login(people["health"]).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert any("status=fixed" in c.url for c in response.context["cards"])
    response = login(people["teacher"]).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert not any("status=fixed" in c.url for c in response.context["cards"])


def test_the_buttons_of_the_problem_page(campus, people, problem):
    detail = url(campus, "problem_detail", pk=problem.pk)
    teacher, head, health = login(people["teacher"]), login(people["head"]), login(people["health"])
    ctx = teacher.get(detail).context
    assert ctx["fix_form"] is not None and ctx["verify_form"] is None and ctx["void_form"] is None
    assert login(people["teacher2"]).get(detail).context["fix_form"] is None
    response = teacher.post(url(campus, "problem_fix", pk=problem.pk), {"note": "已清扫"})  # no photo
    problem.refresh_from_db()
    assert response.status_code == 302 and problem.status == "open"
    teacher.post(url(campus, "problem_fix", pk=problem.pk), {"note": "已清扫", "photos": [png()]})
    problem.refresh_from_db()
    assert problem.status == "fixed"
    assert teacher.post(url(campus, "problem_verify", pk=problem.pk)).status_code == 403
    health.post(url(campus, "problem_send_back", pk=problem.pk), {"back-reason": "不干净"})
    problem.refresh_from_db()
    assert problem.status == "open" and problem.returned_reason == "不干净"
    head.post(url(campus, "problem_void", pk=problem.pk), {"void-reason": "重复"})
    problem.refresh_from_db()
    assert problem.status == "void" and problem.void_reason == "重复"


def test_list_filters(campus, people, zones, problem):
    other = services.problem_raise(
        actor=people["head"], campus=campus, zone=zones["楼道"], description="楼梯有纸屑"
    )
    head = login(people["head"])
    response = head.get(url(campus, "problem_list") + f"?zone={zones['楼道'].pk}")
    assert [r["obj"] for r in response.context["rows"]] == [other]
    response = login(people["teacher"]).get(url(campus, "problem_list") + "?mine=1")
    assert [r["obj"] for r in response.context["rows"]] == [problem]
    response = head.post(
        url(campus, "problem_create"), {"zone": zones["中一班"].pk, "description": "窗台有灰"}
    )
    assert response.status_code == 302
    assert HygieneProblem.objects.get(description="窗台有灰").responsible == people["teacher2"]
