"""Sample retention (留样): weight, fridge, one per dish, disposal window, reviewer, void,
violations of served dishes without a sample, the reads for the traceability report."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import safety_services as ss
from houqin.canteen.models import FoodSample, Fridge, MealKind, Menu, TemperatureLog
from houqin.core.models import AuditEvent, CampusSettings
from tests.canteen.safety_helpers import *  # noqa: F403 (fixtures)
from tests.canteen.safety_helpers import TODAY, at, take
from tests.factories_canteen import DishFactory

pytestmark = pytest.mark.django_db


def test_124_g_is_refused_125_g_accepted(campus, cook, fridge, menu):
    with pytest.raises(ValidationError) as exc:
        take(campus, cook, menu["rice"], fridge, grams="124")
    assert "weight_g" in exc.value.message_dict
    assert not FoodSample.objects.exists()
    sample = take(campus, cook, menu["rice"], fridge, grams="125")
    assert sample.weight_g == Decimal("125") and sample.taken_by == cook
    assert AuditEvent.objects.filter(action="create", object_id=str(sample.pk)).exists()


def test_minimum_weight_is_a_campus_setting(campus, cook, fridge, menu):
    CampusSettings.objects.create(campus=campus, values={"canteen.sample_min_grams": 200})
    campus.__dict__.pop("_settings_cache", None)
    with pytest.raises(ValidationError):
        take(campus, cook, menu["rice"], fridge, grams="199")
    assert take(campus, cook, menu["rice"], fridge, grams="200").weight_g == 200


def test_sample_goes_to_a_sample_fridge(campus, cook, head, menu):
    plain = ss.fridge_save(actor=head, campus=campus, data={"name": "冷藏冰箱", "kind": Fridge.Kind.FRIDGE})
    with pytest.raises(ValidationError) as exc:
        take(campus, cook, menu["rice"], plain)
    assert gettext("Keep samples in a dedicated sample fridge (留样专用冰箱).") in exc.value.messages


def test_sample_fridge_range_defaults_and_may_not_be_laxer(campus, head):
    f = ss.fridge_save(actor=head, campus=campus, data={"name": "A", "kind": Fridge.Kind.SAMPLE})
    assert (f.min_c, f.max_c) == (Decimal("0"), Decimal("8"))
    freezer = ss.fridge_save(actor=head, campus=campus, data={"name": "B", "kind": Fridge.Kind.FREEZER})
    assert freezer.max_c == Decimal("-18")
    with pytest.raises(ValidationError):
        ss.fridge_save(
            actor=head, campus=campus, data={"name": "C", "kind": Fridge.Kind.SAMPLE, "max_c": Decimal("10")}
        )
    stricter = ss.fridge_save(
        actor=head,
        campus=campus,
        data={"name": "D", "kind": Fridge.Kind.SAMPLE, "min_c": Decimal("0"), "max_c": Decimal("4")},
    )
    assert stricter.max_c == Decimal("4")


def test_one_sample_per_dish_and_meal(campus, cook, fridge, menu):
    first = take(campus, cook, menu["rice"], fridge)
    with pytest.raises(ValidationError):
        take(campus, cook, menu["rice"], fridge, mm=25)
    # voided, the dish can be sampled again
    ss.sample_void(actor=cook, sample=first, reason="称重错误")
    again = take(campus, cook, menu["rice"], fridge, mm=25)
    assert FoodSample.objects.filter(is_void=False).get() == again
    assert FoodSample.objects.filter(is_void=True).get().void_reason == "称重错误"


def test_sample_is_taken_on_the_meals_day_and_not_in_the_future(campus, cook, fridge, menu):
    yesterday = at(TODAY - dt.timedelta(days=1), 11, 0)
    with pytest.raises(ValidationError):
        ss.sample_take(actor=cook, campus=campus, date=TODAY, meal=MealKind.LUNCH, dish=menu["rice"],
                       weight_g=130, fridge=fridge, taken_at=yesterday, now=at(TODAY, 12))  # fmt: skip
    with pytest.raises(ValidationError):
        ss.sample_take(actor=cook, campus=campus, date=TODAY, meal=MealKind.LUNCH, dish=menu["rice"],
                       weight_g=130, fridge=fridge, taken_at=at(TODAY, 13), now=at(TODAY, 12))  # fmt: skip


def test_discard_not_before_is_taken_plus_48_h(campus, cook, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge, hh=11, mm=20)
    assert sample.discard_not_before == at(TODAY, 11, 20) + dt.timedelta(hours=48)


def test_disposal_refused_at_47_h_allowed_at_49_h(campus, cook, head, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge)
    taken = sample.taken_at
    with pytest.raises(ValidationError) as exc:
        ss.sample_dispose(actor=head, sample=sample, now=taken + dt.timedelta(hours=47))
    allowed_from = ss._fmt_time(taken + dt.timedelta(hours=48))
    assert exc.value.messages == [
        gettext("The sample must be kept until %(time)s; it can be disposed of from then on.")
        % {"time": allowed_from}
    ]
    sample.refresh_from_db()
    assert sample.disposed_at is None
    disposed = ss.sample_dispose(
        actor=head, sample=sample, now=taken + dt.timedelta(hours=49), note="到期销毁"
    )
    assert disposed.disposed_at == taken + dt.timedelta(hours=49) and disposed.disposed_by == head
    assert AuditEvent.objects.filter(action="dispose", object_id=str(sample.pk)).exists()
    with pytest.raises(ValidationError):
        ss.sample_dispose(actor=head, sample=disposed, now=taken + dt.timedelta(hours=50))
    with pytest.raises(ValidationError):
        ss.sample_void(actor=head, sample=disposed, reason="x")


def test_retention_hours_is_a_campus_setting(campus, cook, head, fridge, menu):
    CampusSettings.objects.create(campus=campus, values={"canteen.sample_retention_hours": 72})
    campus.__dict__.pop("_settings_cache", None)
    sample = take(campus, cook, menu["rice"], fridge)
    with pytest.raises(ValidationError):
        ss.sample_dispose(actor=head, sample=sample, now=sample.taken_at + dt.timedelta(hours=71))
    ss.sample_dispose(actor=head, sample=sample, now=sample.taken_at + dt.timedelta(hours=72))


def test_reviewer_must_differ_from_taker_and_hold_the_permission(campus, cook, health, head, fridge, menu):
    sample = take(campus, head, menu["rice"], fridge)
    with pytest.raises(ValidationError) as exc:
        ss.sample_review(actor=head, sample=sample)
    assert (
        gettext("The reviewer must be someone other than the person who took the sample.")
        in exc.value.messages
    )
    with pytest.raises(PermissionDenied):
        ss.sample_review(actor=cook, sample=sample)  # cooks do not review
    reviewed = ss.sample_review(actor=health, sample=sample, note="标签完整")
    assert reviewed.reviewer == health and reviewed.reviewed_at
    with pytest.raises(ValidationError):
        ss.sample_review(actor=head, sample=reviewed)


def test_taking_needs_the_permission(campus, teacher, fridge, menu):
    with pytest.raises(PermissionDenied):
        take(campus, teacher, menu["rice"], fridge)


def test_fridge_temperature_at_sampling_is_logged(campus, cook, fridge, menu):
    take(campus, cook, menu["rice"], fridge, fridge_temperature_c=Decimal("4.5"))
    log = TemperatureLog.objects.get()
    assert log.fridge == fridge and log.temperature_c == Decimal("4.5") and not log.is_out_of_range
    fridge.refresh_from_db()
    assert fridge.last_temperature_c == Decimal("4.5")


def test_served_dishes_come_from_published_menus_only(campus, menu):
    draft = Menu.objects.create(campus=campus, week_start=menu["menu"].week_start, age_group="1-3")
    other = DishFactory(campus=campus, name="草稿菜")
    draft.items.create(campus=campus, date=TODAY, meal=MealKind.LUNCH, dish=other)
    served = ss.served_dishes(campus, TODAY)
    assert [d.name for d in served[MealKind.LUNCH]] == ["米饭", "红烧肉"]
    assert [d.name for d in served[MealKind.MORNING_SNACK]] == ["牛奶燕麦粥"]


def test_same_dish_in_two_age_groups_needs_one_sample(campus, menu):
    toddlers = Menu.objects.create(
        campus=campus, week_start=menu["menu"].week_start, age_group="1-3", status=Menu.Status.PUBLISHED
    )
    toddlers.items.create(campus=campus, date=TODAY, meal=MealKind.LUNCH, dish=menu["rice"])
    assert len(ss.served_dishes(campus, TODAY)[MealKind.LUNCH]) == 2


def test_violation_after_meal_time_only(campus, cook, fridge, menu):
    before_lunch = at(TODAY, 11, 29)
    after_lunch = at(TODAY, 11, 31)
    take(campus, cook, menu["snack"], fridge, meal=MealKind.MORNING_SNACK, hh=8, mm=55)
    take(campus, cook, menu["rice"], fridge, hh=11, mm=0)
    assert ss.sample_violations(campus, TODAY, now=before_lunch) == []
    status = {m["meal"]: m for m in ss.meal_status(campus, TODAY, now=before_lunch)}
    assert [d.name for d in status["lunch"]["missing"]] == ["红烧肉"] and not status["lunch"]["violation"]
    violations = ss.sample_violations(campus, TODAY, now=after_lunch)
    assert [(m["meal"], [d.name for d in m["missing"]]) for m in violations] == [("lunch", ["红烧肉"])]
    take(campus, cook, menu["pork"], fridge, hh=11, mm=32)
    assert ss.sample_violations(campus, TODAY, now=at(TODAY, 11, 33)) == []


def test_meal_times_are_campus_settings(campus, cook, fridge, menu):
    CampusSettings.objects.create(campus=campus, values={"canteen.safety.meal_time_morning_snack": "10:00"})
    campus.__dict__.pop("_settings_cache", None)
    assert ss.sample_violations(campus, TODAY, now=at(TODAY, 9, 30)) == []
    assert [m["meal"] for m in ss.sample_violations(campus, TODAY, now=at(TODAY, 10, 1))] == ["morning_snack"]


def test_voided_sample_counts_as_missing(campus, cook, fridge, menu):
    s = take(campus, cook, menu["snack"], fridge, meal=MealKind.MORNING_SNACK, hh=8, mm=50)
    ss.sample_void(actor=cook, sample=s, reason="错放冰箱")
    assert [m["meal"] for m in ss.sample_violations(campus, TODAY, now=at(TODAY, 9, 30))] == ["morning_snack"]


def test_ready_for_disposal_and_samples_for(campus, cook, head, fridge, menu):
    rice = take(campus, cook, menu["rice"], fridge)
    pork = take(campus, cook, menu["pork"], fridge, mm=25)
    assert not ss.ready_for_disposal(campus, rice.taken_at + dt.timedelta(hours=47)).exists()
    ready = ss.ready_for_disposal(campus, rice.taken_at + dt.timedelta(hours=48, minutes=1))
    assert list(ready.order_by("pk")) == [rice]
    assert set(ss.samples_for(campus, TODAY, MealKind.LUNCH)) == {rice, pork}
    assert list(ss.samples_for(campus, TODAY, MealKind.MORNING_SNACK)) == []


def test_samples_dispose_reports_refusals(campus, cook, head, fridge, menu):
    rice = take(campus, cook, menu["rice"], fridge, hh=9)
    pork = take(campus, cook, menu["pork"], fridge, hh=11)
    count, refused = ss.samples_dispose(
        actor=head, samples=[rice, pork], now=at(TODAY, 10) + dt.timedelta(hours=48)
    )
    assert count == 1 and len(refused) == 1 and "红烧肉" in refused[0]


def test_isolation_other_campus_dish_or_fridge(campus, other_campus, cook, fridge, menu):
    foreign = DishFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        take(campus, cook, foreign, fridge)
    assert ss.samples_for(other_campus, TODAY).count() == 0
