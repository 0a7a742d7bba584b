"""Factories of the stocktake area; list-page models are added to LIST_FACTORIES.

``StocktakeFactory`` makes a bare stocktake row (for list pages); tests of the rules build
real ones through ``stocktake_services.stocktake_create`` (``make_stocktake`` below), which
freezes the expected list.
"""

import datetime as dt

import factory

from houqin.assets import models as am
from tests.factories import LIST_FACTORIES, CampusFactory


class StocktakeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Stocktake

    campus = factory.SubFactory(CampusFactory)
    number = factory.Sequence(lambda n: f"PD-2026-{n + 1:04d}")
    title = factory.Sequence(lambda n: f"2026年秋季学期期中盘点{n}")
    scope = am.Stocktake.Scope.CAMPUS
    start_date = dt.date(2026, 11, 2)
    end_date = dt.date(2026, 11, 9)


LIST_FACTORIES[am.Stocktake] = StocktakeFactory


def make_stocktake(campus, actor, *, rooms=(), title="2026年秋季学期期中盘点", start=True, **kwargs):
    """A stocktake made by the service (rooms scope when ``rooms`` is given), counting by default."""
    from houqin.assets import stocktake_services as services

    data = {
        "title": title,
        "scope": am.Stocktake.Scope.ROOMS if rooms else am.Stocktake.Scope.CAMPUS,
        "start_date": dt.date(2026, 11, 2),
        "end_date": dt.date(2026, 11, 9),
    }
    stocktake = services.stocktake_create(actor=actor, campus=campus, data=data, rooms=rooms, **kwargs)
    if start:
        services.stocktake_start(actor=actor, stocktake=stocktake)
    return stocktake


def stocktake_people(make_member):
    """The people of a stocktake: keeper, class teachers, logistics head, principal and a cook."""
    from houqin.core.roles import Role

    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="st-keeper", real_name="孙志强"),
        "teacher": make_member(Role.CLASS_TEACHER, username="st-teacher", real_name="李晓燕"),
        "teacher2": make_member(Role.CLASS_TEACHER, username="st-teacher2", real_name="张琳"),
        "head": make_member(Role.LOGISTICS_HEAD, username="st-head", real_name="陈建国"),
        "principal": make_member(Role.PRINCIPAL, username="st-principal", real_name="王丽华"),
        "accountant": make_member(Role.ACCOUNTANT, username="st-accountant", real_name="刘敏"),
        "cook": make_member(Role.COOK, username="st-cook", real_name="冯德明"),
    }
