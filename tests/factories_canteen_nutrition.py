"""Factories of the canteen_nutrition area; list-page models are added to LIST_FACTORIES.

Ingredient, Dish and Menu (the list pages of this area) have their factories in
``tests/factories_canteen.py`` already registered there."""

import factory
from django.utils import timezone

from houqin.canteen import models as cm
from tests.factories import CampusFactory

__all__ = ["StaffMealCountFactory"]


class StaffMealCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = cm.StaffMealCount

    campus = factory.SubFactory(CampusFactory)
    date = factory.Sequence(lambda n: timezone.localdate() - timezone.timedelta(days=n))
    count = 12
