"""Fixtures of the safety area's tests (imported by the test modules)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from houqin.canteen import safety_services as ss
from houqin.canteen.models import Fridge, MealKind, Menu
from houqin.core.roles import Role
from tests.factories_canteen import DishFactory, FoodBatchFactory, MenuFactory, MenuItemFactory
from tests.factories_canteen_safety import HealthCertificateFactory, KitchenStaffFactory

TODAY = timezone.localdate()


def at(day, hh, mm=0):
    """An aware datetime on ``day`` at ``hh:mm`` (local time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def monday(day):
    return day - dt.timedelta(days=day.weekday())


@pytest.fixture
def cook(make_member):
    return make_member(Role.COOK, username="cook1", real_name="冯德明")


@pytest.fixture
def health(make_member):
    return make_member(Role.HEALTH_TEACHER, username="health1", real_name="周慧")


@pytest.fixture
def head(make_member):
    return make_member(Role.CANTEEN_HEAD, username="head1", real_name="郑海涛")


@pytest.fixture
def teacher(make_member):
    """A member without any canteen safety permission."""
    return make_member(Role.CLASS_TEACHER, username="teacher1")


@pytest.fixture
def fridge(campus, head):
    return ss.fridge_save(actor=head, campus=campus, data={"name": "留样冰箱", "kind": Fridge.Kind.SAMPLE})


@pytest.fixture
def menu(campus):
    """This week's published 4–6 y menu: today a morning snack (1 dish) and lunch (2 dishes)."""
    menu = MenuFactory(campus=campus, week_start=monday(TODAY), status=Menu.Status.PUBLISHED)
    snack = DishFactory(campus=campus, name="牛奶燕麦粥")
    rice = DishFactory(campus=campus, name="米饭")
    pork = DishFactory(campus=campus, name="红烧肉")
    MenuItemFactory(menu=menu, date=TODAY, meal=MealKind.MORNING_SNACK, dish=snack)
    MenuItemFactory(menu=menu, date=TODAY, meal=MealKind.LUNCH, dish=rice, sort_order=1)
    MenuItemFactory(menu=menu, date=TODAY, meal=MealKind.LUNCH, dish=pork, sort_order=2)
    return {"menu": menu, "snack": snack, "rice": rice, "pork": pork}


def take(campus, actor, dish, fridge, *, meal=MealKind.LUNCH, grams="130", hh=11, mm=20, day=None, **kwargs):
    day = day or TODAY
    when = at(day, hh, mm)
    return ss.sample_take(
        actor=actor,
        campus=campus,
        date=day,
        meal=meal,
        dish=dish,
        weight_g=Decimal(grams),
        fridge=fridge,
        taken_at=when,
        now=when,
        **kwargs,
    )


@pytest.fixture
def staff(campus):
    """A cook with a certificate valid until well after today."""
    person = KitchenStaffFactory(campus=campus, name="王秀兰")
    HealthCertificateFactory(
        campus=campus,
        staff=person,
        issued_on=TODAY - dt.timedelta(days=60),
        valid_until=TODAY + dt.timedelta(days=300),
    )
    return person


@pytest.fixture
def batch(campus):
    return FoodBatchFactory(campus=campus, name="青菜")
