"""factory_boy factories for the core models. Create rows inside ``scopes_disabled()``
(the ``db`` fixtures in conftest do that for you)."""

import datetime as dt

import factory
from django.utils import timezone

from houqin.core import models as m
from houqin.core.roles import Role

DEFAULT_PASSWORD = "Houqin-test-2026"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Organization
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"示范教育集团{n}")
    code = factory.Sequence(lambda n: f"org{n}")


class CampusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Campus
        django_get_or_create = ("code",)

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"示范幼儿园{n}园区")
    code = factory.Sequence(lambda n: f"campus{n}")


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Building

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"{n}号楼")
    floors = 3


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Room

    campus = factory.SubFactory(CampusFactory)
    building = factory.SubFactory(BuildingFactory, campus=factory.SelfAttribute("..campus"))
    name = factory.Sequence(lambda n: f"活动室{n}")
    code = factory.Sequence(lambda n: f"R{n:04d}")
    floor = 1


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.SchoolYear

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"{2020 + n}—{2021 + n}学年")
    start_date = dt.date(2026, 8, 1)
    end_date = dt.date(2027, 7, 31)


class TermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Term

    campus = factory.SubFactory(CampusFactory)
    school_year = factory.SubFactory(SchoolYearFactory, campus=factory.SelfAttribute("..campus"))
    name = factory.Sequence(lambda n: f"第一学期{n}")
    start_date = dt.date(2026, 9, 1)
    end_date = dt.date(2027, 1, 22)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    real_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Membership

    user = factory.SubFactory(UserFactory)
    campus = factory.SubFactory(CampusFactory)
    role = Role.PRINCIPAL


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.SchoolClass

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"小{n}班")
    grade = m.SchoolClass.Grade.JUNIOR


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Child

    campus = factory.SubFactory(CampusFactory)
    school_class = factory.SubFactory(SchoolClassFactory, campus=factory.SelfAttribute("..campus"))
    name = factory.Iterator(["张小明", "李思琪", "王子涵", "刘一诺", "陈浩然", "杨欣怡"])
    sex = factory.Iterator(["M", "F"])
    birth_date = factory.LazyFunction(lambda: timezone.localdate().replace(year=timezone.localdate().year - 4))


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Guardian

    child = factory.SubFactory(ChildFactory)
    campus = factory.SelfAttribute("child.campus")
    name = "张建国"
    relation = m.Guardian.Relation.FATHER
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    is_primary = True
