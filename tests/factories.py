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


# --- Gate (safety): visitors, watch list, pickup persons and releases ----------------------
from houqin.core.validators import id_check_digit as _gate_id_check  # noqa: E402
from houqin.safety import models as gate_models  # noqa: E402


def gate_id_number(n=1, birth="19850315"):
    """A valid 18-character ID number (330106 = 杭州西湖区)."""
    first17 = f"330106{birth}{n % 1000:03d}"
    return first17 + _gate_id_check(first17)


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = gate_models.Visitor

    campus = factory.SubFactory(CampusFactory)
    name = factory.Iterator(["王建华", "李明", "张伟", "刘芳", "陈静"])
    id_number = factory.Sequence(lambda n: gate_id_number(n))
    phone = factory.Sequence(lambda n: f"137{n:08d}")
    organization = "顺丰速运"
    category = gate_models.Visitor.Category.DELIVERY
    purpose = "送货"
    status = gate_models.Visitor.Status.INSIDE
    time_in = factory.LazyFunction(timezone.now)


class WatchEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = gate_models.WatchEntry

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"观察对象{n}")
    id_number = factory.Sequence(lambda n: gate_id_number(n, birth="19790101"))
    reason = "禁止接近幼儿"


class PickupPersonFactory(factory.django.DjangoModelFactory):
    """A guardian authorised to take the child home (with a card)."""

    class Meta:
        model = gate_models.PickupPerson

    campus = factory.SubFactory(CampusFactory)
    child = factory.SubFactory(ChildFactory, campus=factory.SelfAttribute("..campus"))
    kind = gate_models.PickupPerson.Kind.GUARDIAN
    guardian = factory.SubFactory(GuardianFactory, child=factory.SelfAttribute("..child"))
    name = factory.LazyAttribute(lambda o: o.guardian.name if o.guardian else "外婆")
    relation = "父亲"
    phone = factory.Sequence(lambda n: f"136{n:08d}")
    card_no = factory.Sequence(lambda n: f"C{n:06d}")


class PickupReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = gate_models.PickupRelease

    campus = factory.SubFactory(CampusFactory)
    child = factory.SubFactory(ChildFactory, campus=factory.SelfAttribute("..campus"))
    person = factory.SubFactory(
        PickupPersonFactory, campus=factory.SelfAttribute("..campus"), child=factory.SelfAttribute("..child")
    )
    person_name = factory.LazyAttribute(lambda o: o.person.name if o.person else "某人")
    relation = "父亲"
    outcome = gate_models.PickupRelease.Outcome.RELEASED
    released_at = factory.LazyFunction(timezone.now)


LIST_FACTORIES[gate_models.Visitor] = VisitorFactory
LIST_FACTORIES[gate_models.WatchEntry] = WatchEntryFactory
LIST_FACTORIES[gate_models.PickupPerson] = PickupPersonFactory
LIST_FACTORIES[gate_models.PickupRelease] = PickupReleaseFactory


# --- Routines (例行工作) ------------------------------------------------------------------


class RoutineTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutineTemplate

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"例行检查{n}")
    category = "safety.patrol"
    responsible_role = Role.GUARD
    frequency = m.RoutineTemplate.Frequency.DAILY


class RoutineItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutineItem

    template = factory.SubFactory(RoutineTemplateFactory)
    campus = factory.SelfAttribute("template.campus")
    order = factory.Sequence(lambda n: n + 1)
    label = factory.Sequence(lambda n: f"检查项{n}")


def _window(o, index):
    from houqin.core.routines import occurrence_window

    return occurrence_window(o.template, o.date)[index]


class RoutineOccurrenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.RoutineOccurrence

    campus = factory.SubFactory(CampusFactory)
    template = factory.SubFactory(RoutineTemplateFactory, campus=factory.SelfAttribute("..campus"))
    date = factory.LazyFunction(timezone.localdate)
    window_start = factory.LazyAttribute(lambda o: _window(o, 0))
    window_end = factory.LazyAttribute(lambda o: _window(o, 1))


LIST_FACTORIES[m.RoutineTemplate] = RoutineTemplateFactory
LIST_FACTORIES[m.RoutineOccurrence] = RoutineOccurrenceFactory


# --- Safety: hazards, drills, agreements, education, plans, duty roster ------------------
from houqin.safety import models as sm  # noqa: E402


def _campus_term(o):
    term = m.Term.objects.filter(campus=o.campus).order_by("start_date").first()
    return term or TermFactory(campus=o.campus)


class HazardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Hazard

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"YH-2026-{n + 1:04d}")
    place_text = "操场东侧"
    description = factory.Sequence(lambda n: f"滑梯护栏松动{n}")
    reporter_name = "张老师"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=7))


class DrillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Drill

    campus = factory.SubFactory(CampusFactory)
    title = factory.Sequence(lambda n: f"消防疏散演练{n}")
    planned_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.Agreement

    campus = factory.SubFactory(CampusFactory)
    term = factory.LazyAttribute(_campus_term)
    title = factory.Sequence(lambda n: f"安全责任书{n}")
    roles = factory.LazyFunction(lambda: ["cook", "guard"])


class ActivityPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.ActivityPlan

    campus = factory.SubFactory(CampusFactory)
    title = factory.Sequence(lambda n: f"秋游活动{n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))
    destination = "植物园"
    risks = "走失、交通"
    measures = "分组管理，专人负责"


class EmergencyPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.EmergencyPlan

    campus = factory.SubFactory(CampusFactory)
    title = factory.Sequence(lambda n: f"火灾应急预案{n}")


class DutyShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.DutyShift

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    person = factory.SubFactory(UserFactory)


class DutySwapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = sm.DutySwap

    campus = factory.SubFactory(CampusFactory)
    shift = factory.SubFactory(DutyShiftFactory, campus=factory.SelfAttribute("..campus"))
    requested_by = factory.SelfAttribute("shift.person")
    replacement = factory.SubFactory(UserFactory)
    reason = "家中有事"


LIST_FACTORIES.update(
    {
        sm.Hazard: HazardFactory,
        sm.Drill: DrillFactory,
        sm.Agreement: AgreementFactory,
        sm.ActivityPlan: ActivityPlanFactory,
        sm.EmergencyPlan: EmergencyPlanFactory,
        sm.DutyShift: DutyShiftFactory,
        sm.DutySwap: DutySwapFactory,
    }
)


# --- Later apps keep their factories in their own modules; each adds its list-page
# models to LIST_FACTORIES when imported here.
from tests.factories_assets import *  # noqa: E402,F401,F403
from tests.factories_canteen import *  # noqa: E402,F401,F403
from tests.factories_canteen_meals import *  # noqa: E402,F401,F403
from tests.factories_canteen_nutrition import *  # noqa: E402,F401,F403
from tests.factories_canteen_safety import *  # noqa: E402,F401,F403
from tests.factories_canteen_supply import *  # noqa: E402,F401,F403
from tests.factories_custody import *  # noqa: E402,F401,F403
from tests.factories_environment import *  # noqa: E402,F401,F403
from tests.factories_health import *  # noqa: E402,F401,F403
from tests.factories_health_care import *  # noqa: E402,F401,F403
from tests.factories_health_daily import *  # noqa: E402,F401,F403
from tests.factories_health_disease import *  # noqa: E402,F401,F403
from tests.factories_health_growth import *  # noqa: E402,F401,F403
from tests.factories_maintenance import *  # noqa: E402,F401,F403
from tests.factories_purchasing import *  # noqa: E402,F401,F403
from tests.factories_stocktake import *  # noqa: E402,F401,F403
from tests.factories_warehouse import *  # noqa: E402,F401,F403
