"""Factories of the canteen_meals area; list-page models are added to LIST_FACTORIES."""

import factory
from django.utils import timezone

from houqin.canteen import models as cm
from tests.factories import LIST_FACTORIES, CampusFactory

__all__ = ["CommitteeMeetingFactory", "CompanionMealFactory", "ParentSuggestionFactory"]


class CompanionMealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.CompanionMeal

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    meal = cm.MealKind.LUNCH
    companion_role = cm.CompanionMeal.Role.PARENT
    companion_name = factory.Sequence(lambda n: f"家长{n}")
    taste = 5
    temperature = 4
    quantity = 5
    hygiene = 5
    observations = "饭菜温度适宜"


class CommitteeMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.CommitteeMeeting

    campus = factory.SubFactory(CampusFactory)
    date = factory.LazyFunction(timezone.localdate)
    topic = factory.Sequence(lambda n: f"膳委会例会{n}")
    attendees = "王丽华, 周慧"
    parent_representatives = "张晓梅（小一班）"
    minutes = "审议下周带量食谱。"


class ParentSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.ParentSuggestion

    campus = factory.SubFactory(CampusFactory)
    received_on = factory.LazyFunction(timezone.localdate)
    from_name = factory.Sequence(lambda n: f"家长{n}")
    content = "希望水果品种多一些"


LIST_FACTORIES[cm.CompanionMeal] = CompanionMealFactory
LIST_FACTORIES[cm.CommitteeMeeting] = CommitteeMeetingFactory
LIST_FACTORIES[cm.ParentSuggestion] = ParentSuggestionFactory
