"""factory_boy factories for the core models. Create rows inside ``scopes_disabled()``
(the ``db`` fixtures in conftest do that for you)."""

import datetime as dt

import factory
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from houqin.core import approvals
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


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Holiday

    term = factory.SubFactory(TermFactory)
    campus = factory.SelfAttribute("term.campus")
    name = "国庆节"
    start_date = dt.date(2026, 10, 1)
    end_date = dt.date(2026, 10, 7)


class GeneralRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.GeneralRequest

    campus = factory.SubFactory(CampusFactory)
    title = factory.Sequence(lambda n: f"申请事项{n}")
    description = "说明"
    requested_by = factory.SubFactory(UserFactory)


class PublicNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.PublicNotice

    campus = factory.SubFactory(CampusFactory)
    title = factory.Sequence(lambda n: f"公示{n}")
    body = "公示内容"


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.WebhookEndpoint

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"企业微信群{n}")
    url = "http://127.0.0.1:9/hook"


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.AuditEvent

    campus = factory.SubFactory(CampusFactory)
    action = "update"
    actor_repr = "tester"
    object_repr = factory.Sequence(lambda n: f"object {n}")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Notification

    campus = factory.SubFactory(CampusFactory)
    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"通知{n}")


# model → factory, used by the platform's list-page query-count guard. Every model shown
# by a list page must be here (the guard fails for a list page whose model is missing).
LIST_FACTORIES = {
    m.Building: BuildingFactory,
    m.Room: RoomFactory,
    m.SchoolYear: SchoolYearFactory,
    m.Term: TermFactory,
    m.Holiday: HolidayFactory,
    m.SchoolClass: SchoolClassFactory,
    m.Child: ChildFactory,
    m.Guardian: GuardianFactory,
    m.GeneralRequest: GeneralRequestFactory,
    m.PublicNotice: PublicNoticeFactory,
    m.WebhookEndpoint: WebhookEndpointFactory,
    m.AuditEvent: AuditEventFactory,
    m.Notification: NotificationFactory,
    m.Membership: MembershipFactory,
}


class ApprovalRequestFactory(factory.django.DjangoModelFactory):
    """A pending general-request approval waiting for the principal."""

    class Meta:
        model = m.ApprovalRequest

    campus = factory.SubFactory(CampusFactory)
    flow = factory.LazyAttribute(lambda o: approvals.flow_for(o.campus, "core.general_request"))
    kind = "core.general_request"
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(m.GeneralRequest))
    object_id = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"待审批事项{n}")
    plan = factory.LazyFunction(lambda: [{"order": 1, "name": "园长审批", "role": "principal"}])
    current_role = "principal"
    requested_by = factory.SubFactory(UserFactory)


LIST_FACTORIES[m.ApprovalRequest] = ApprovalRequestFactory
