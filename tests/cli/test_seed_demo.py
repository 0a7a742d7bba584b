"""``houqin seed --size demo`` and ``houqin demo``: the demo group is complete, valid and loaded once."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command

from houqin.core import demo
from houqin.core.models import (
    AuditEvent,
    Building,
    Campus,
    Child,
    Guardian,
    Holiday,
    Membership,
    Organization,
    Room,
    SchoolClass,
    Term,
    User,
)
from houqin.core.roles import ORGANIZATION_ROLES, Role
from houqin.core.validators import validate_id_number, validate_phone
from tests import factories as f

pytestmark = pytest.mark.django_db


def run(*args, **kwargs):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def counts():
    return {
        model.__name__: model._base_manager.count()
        for model in (
            Organization,
            Campus,
            Building,
            Room,
            SchoolClass,
            Child,
            Guardian,
            User,
            Membership,
            Term,
            Holiday,
        )
    }


@pytest.fixture
def seeded():
    return run("seed", size="demo")


def test_demo_seed_creates_what_it_says(seeded):
    """One seeding, every promise of the demo checked (seeding takes a few seconds)."""
    check_group_and_campuses()
    check_calendar()
    check_classes_and_children()
    check_guardians()
    check_users_one_per_role()
    check_printed_logins(seeded)
    check_rows_are_audited()


def check_group_and_campuses():
    org = Organization.objects.get(code="demo-group")
    assert org.name == "示范教育集团"
    campuses = {c.code: c for c in Campus.objects.filter(organization=org)}
    assert set(campuses) == {"main", "west"}
    assert campuses["main"].name == "示范幼儿园总园"
    assert campuses["west"].name == "示范幼儿园西区分园"
    main = campuses["main"]
    assert {"教学楼", "综合楼", "后勤楼"} <= set(
        Building.objects.filter(campus=main).values_list("name", flat=True)
    )
    rooms = set(Room.objects.filter(campus=main).values_list("name", flat=True))
    for name in [
        "小一班活动室",
        "小一班寝室",
        "美工室",
        "图书室",
        "保健室",
        "厨房",
        "食品仓库",
        "门卫室",
        "会议室",
    ]:
        assert name in rooms
    assert Room.objects.filter(campus=campuses["west"]).exists()


def check_calendar():
    main = Campus.objects.get(code="main")
    autumn = Term.objects.get(campus=main, kind="autumn")
    assert autumn.school_year.name == "2026—2027学年"
    assert (autumn.start_date, autumn.end_date) == (dt.date(2026, 9, 1), dt.date(2027, 1, 22))
    holidays = {h.name: h for h in autumn.holidays.all()}
    national = holidays["国庆节"]
    assert (national.start_date, national.end_date) == (dt.date(2026, 10, 1), dt.date(2026, 10, 7))
    assert "元旦" in holidays
    assert autumn.holidays.filter(kind=Holiday.Kind.MAKEUP).exists()
    assert not autumn.is_school_day(dt.date(2026, 10, 2))
    assert autumn.is_school_day(dt.date(2026, 10, 10))  # Saturday make-up day
    assert Term.objects.filter(campus=main, kind="spring").exists()


def check_classes_and_children():
    main = Campus.objects.get(code="main")
    classes = list(SchoolClass.objects.filter(campus=main))
    assert len(classes) == 12
    names = {c.name for c in classes}
    assert {"小一班", "小二班", "小三班", "中一班", "中二班", "中三班", "大一班", "大二班", "大三班"} <= names
    assert any(c.grade == SchoolClass.Grade.NURSERY for c in classes)
    assert SchoolClass.objects.filter(campus__code="west").count() >= 2

    teachers = set(
        Membership.objects.filter(campus=main, role=Role.CLASS_TEACHER).values_list("user_id", flat=True)
    )
    start_of_year = dt.date(2026, 9, 1)
    for school_class in classes:
        assert school_class.head_teacher_id in teachers
        assert school_class.room.name == f"{school_class.name}活动室"
        children = list(school_class.children.all())
        assert 15 <= len(children) <= 30
        age_years = demo.GRADES[school_class.grade][0]
        for child in children:
            age = (start_of_year - child.birth_date).days / 365.25
            assert age_years <= age < age_years + 1.01, (school_class.name, child.name, child.birth_date)
            assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", child.name)
            assert child.sex in ("M", "F")
            if child.id_number:
                validate_id_number(child.id_number)
            child.full_clean()
    assert SchoolClass.objects.get(campus=main, name="小一班").head_teacher.username == "teacher"

    children = Child.objects.filter(campus=main)
    assert children.count() >= 12 * 20
    allergies = " ".join(children.values_list("allergies", flat=True))
    for allergen in ("花生", "海鲜", "牛奶"):
        assert allergen in allergies
    assert children.filter(special_diet="清真").exists()
    # pinyin search keys are filled
    assert not children.filter(name_pinyin="").exists()


def check_guardians():
    children = Child.objects.filter(campus__code="main").prefetch_related("guardians")
    for child in children:
        relations = sorted(g.relation for g in child.guardians.all())
        assert relations == ["father", "mother"]
        assert sum(g.is_primary for g in child.guardians.all()) == 1
        for guardian in child.guardians.all():
            assert re.fullmatch(r"1[3-9]\d{9}", guardian.phone)
            validate_phone(guardian.phone)
    # the demo parent is a guardian in the data
    parent = User.objects.get(username="parent")
    assert Guardian.objects.filter(phone=parent.phone, name=parent.real_name).exists()


def check_users_one_per_role():
    main = Campus.objects.get(code="main")
    org = Organization.objects.get(code="demo-group")
    campus_roles = set(Membership.objects.filter(campus=main).values_list("role", flat=True))
    for role in Role:
        if role in ORGANIZATION_ROLES:
            assert Membership.objects.filter(organization=org, role=role).exists(), role
        else:
            assert role in campus_roles, role
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert Membership.objects.filter(
        user__username="supervisor", organization=org, role=Role.SUPERVISOR
    ).exists()
    assert Membership.objects.filter(campus__code="west").values("user").distinct().count() >= 2
    # the logistics head works on both campuses (campus switcher)
    assert Membership.objects.filter(user__username="logistics").count() == 2

    principal = User.objects.get(username="principal")
    assert principal.check_password(demo.DEMO_PASSWORD)
    for row in demo.demo_logins():
        user = User.objects.get(username=row["username"])
        assert row["password"] == demo.DEMO_PASSWORD
        assert user.password == principal.password  # one hash for the one demo password
        validate_password(row["password"], user)
        assert user.is_active


def check_printed_logins(seeded):
    for username, *_rest in demo.DEMO_USERS:
        assert re.search(rf"\b{username}\b", seeded)
    assert demo.DEMO_PASSWORD in seeded


def check_rows_are_audited():
    main = Campus.objects.get(code="main")
    events = AuditEvent.objects.filter(campus=main, source="cli", action="create")
    assert events.filter(object_repr__contains="小一班").exists()
    assert events.count() >= Child.objects.filter(campus=main).count()


def test_demo_seed_is_idempotent(seeded):
    before = counts()
    events = AuditEvent.objects.count()
    out = run("seed", size="demo")
    assert counts() == before
    assert AuditEvent.objects.count() == events
    assert demo.DEMO_PASSWORD in out


def test_names_are_deterministic():
    one, two = demo.NameMaker(2026), demo.NameMaker(2026)
    assert [one.child("M") for _ in range(50)] == [two.child("M") for _ in range(50)]
    assert [one.phone() for _ in range(50)] == [two.phone() for _ in range(50)]


def test_demo_extensions_run(monkeypatch):
    seen = []
    monkeypatch.setattr(demo, "_extensions", [])

    @demo.register(order=5)
    def add_rows(ctx):
        seen.append((ctx.organization.code, sorted(ctx.campuses), "principal" in ctx.users))

    run("seed", size="demo")
    assert seen == [("demo-group", ["main", "west"], True)]


def test_reset_needs_confirmation(monkeypatch):
    from django.core.management.base import CommandError

    f.CampusFactory(code="keep-me")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(CommandError):
        run("seed", size="demo", reset=True)
    assert Campus.objects.filter(code="keep-me").exists()
    assert not Organization.objects.filter(code="demo-group").exists()


def test_demo_command_prepares_and_serves(settings, tmp_path, monkeypatch):
    settings.STATIC_ROOT = tmp_path / "static"
    calls = []
    monkeypatch.setattr("os.execv", lambda path, argv: calls.append(argv))
    out = run("demo", port=8123)
    assert (tmp_path / "static" / "vendor" / "htmx" / "htmx.min.js").exists()
    assert Organization.objects.filter(code="demo-group").exists()
    assert "http://127.0.0.1:8123/" in out
    assert "principal" in out and demo.DEMO_PASSWORD in out
    assert len(calls) == 1
    argv = calls[0]
    assert "houqin.wsgi:application" in argv
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8123"

    # second start: nothing new is loaded
    before = counts()
    run("demo", port=8123, no_serve=True)
    assert counts() == before


def test_demo_command_leaves_other_data_alone(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    f.CampusFactory(code="real", name="真实幼儿园")
    err = io.StringIO()
    call_command("demo", no_serve=True, stdout=io.StringIO(), stderr=err)
    assert not Organization.objects.filter(code="demo-group").exists()
    assert err.getvalue()
