"""The repair flow through the services: report → dispatch → work (parts, cost, after-
photos) → sign-off by the reporter, send back, cancel; who may do each step; due times;
the asset's status; notifications; the audit trail."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.assets.models import Asset
from houqin.core.attachments import attachments_for
from houqin.core.audit import history_for
from houqin.core.models import Notification
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest, WorkOrder, WorkOrderPart
from tests import factories as f
from tests.maintenance.helpers import dispatched, done, png, report

pytestmark = pytest.mark.django_db
S = RepairRequest.Status


# --- Reporting ----------------------------------------------------------------------------


def test_report_numbers_places_photos_and_tells_the_logistics_head(people, room):
    repair = report(people, room, description="空调不制冷，吹出来是热风", photos=[png()])
    assert repair.number == f"WX-{timezone.localdate().year}-0001"
    assert repair.building == room.building and repair.reporter == people["teacher"]
    assert repair.category == RepairRequest.Category.AIR_CONDITIONING  # guessed from 空调
    assert repair.status == S.REPORTED and repair.source == RepairRequest.Source.MANUAL
    assert attachments_for(repair).filter(kind="before").count() == 1
    assert Notification.objects.filter(recipient=people["head"], event="maintenance.repair_reported").exists()
    assert not Notification.objects.filter(recipient=people["teacher"]).exists()
    assert report(people, room).number.endswith("-0002")
    assert history_for(repair).filter(action="create").exists()


def test_report_needs_a_place_and_a_description(people, campus):
    with pytest.raises(ValidationError) as exc:
        services.repair_request_create(actor=people["teacher"], campus=campus, description="坏了")
    assert "place_text" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.repair_request_create(actor=people["teacher"], campus=campus, description="  ", place_text="门口")
    assert "description" in exc.value.message_dict
    assert not RepairRequest.objects.exists()


def test_report_refuses_places_of_another_campus_and_unknown_values(people, campus, other_campus):
    foreign = f.RoomFactory(campus=other_campus)
    with pytest.raises(ValidationError) as exc:
        services.repair_request_create(actor=people["teacher"], campus=campus, description="门锁坏了", room=foreign)
    assert "room" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.repair_request_create(
            actor=people["teacher"], campus=campus, description="门锁坏了", place_text="门口", urgency="whenever"
        )
    assert not RepairRequest.objects.exists()


def test_an_asset_brings_its_room_and_a_disposed_one_is_refused(people, campus, asset):
    repair = services.repair_request_create(actor=people["teacher"], campus=campus, description="遥控器失灵", asset=asset)
    assert repair.room == asset.room and repair.asset == asset
    asset.status = Asset.Status.DISPOSED
    asset.save()
    with pytest.raises(ValidationError) as exc:
        services.repair_request_create(actor=people["teacher"], campus=campus, description="又坏了", asset=asset)
    assert "asset" in exc.value.message_dict


def test_public_report_without_actor_needs_a_name(campus, room):
    with pytest.raises(ValidationError) as exc:
        services.repair_request_create(actor=None, campus=campus, description="灯不亮", room=room)
    assert "reporter_name" in exc.value.message_dict
    repair = services.repair_request_create(
        actor=None, campus=campus, description="灯不亮", room=room, reporter_name="王女士", reporter_phone="139 1234 5678"
    )
    assert repair.reporter is None and repair.reporter_phone == "13912345678"


# --- Dispatch and due times ---------------------------------------------------------------


def test_only_a_dispatcher_dispatches_and_only_to_a_repair_worker(people, room):
    repair = report(people, room)
    with pytest.raises(PermissionDenied):
        services.repair_dispatch(actor=people["teacher"], repair=repair, worker=people["repair"])
    with pytest.raises(ValidationError) as exc:
        services.repair_dispatch(actor=people["head"], repair=repair, worker=people["cook"])
    assert "worker" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.repair_dispatch(actor=people["head"], repair=repair)
    with pytest.raises(ValidationError):
        services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"], contractor_name="某公司")
    repair.refresh_from_db()
    assert repair.status == S.REPORTED and not WorkOrder.objects.exists()


def test_dispatch_tells_the_worker_and_the_reporter(people, room):
    repair = report(people, room)
    order = services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"], instructions="带梯子")
    repair.refresh_from_db()
    assert repair.status == S.DISPATCHED and order.worker == people["repair"] and order.dispatched_by == people["head"]
    assert Notification.objects.filter(recipient=people["repair"], event="maintenance.repair_dispatched").exists()
    assert Notification.objects.filter(recipient=people["teacher"], event="maintenance.repair_dispatched").exists()
    assert history_for(repair).filter(action="repair_dispatch").exists()


def _local_day_end(day):
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=timezone.get_current_timezone())


def test_due_same_day_for_normal_two_hours_for_urgent(people, room, campus):
    morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    normal = report(people, room, now=morning)
    order = services.repair_dispatch(actor=people["head"], repair=normal, worker=people["repair"], now=morning)
    assert order.due_at == _local_day_end(timezone.localdate())
    urgent = report(people, room, urgency="urgent", now=morning)
    order = services.repair_dispatch(actor=people["head"], repair=urgent, worker=people["repair"], now=morning)
    assert order.due_at == morning + dt.timedelta(hours=2)
    safety = report(people, room, urgency="safety", now=morning)
    order = services.repair_dispatch(actor=people["head"], repair=safety, worker=people["repair"], now=morning)
    assert order.due_at == morning + dt.timedelta(hours=1)


def test_due_times_follow_the_campus_settings(people, room, campus):
    from houqin.core.settings_services import campus_settings_update

    campus_settings_update(actor=people["principal"], campus=campus, values={"maintenance.urgent_hours": 4, "maintenance.normal_days": 1})
    morning = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    urgent = report(people, room, urgency="urgent", now=morning)
    order = services.repair_dispatch(actor=people["head"], repair=urgent, worker=people["repair"], now=morning)
    assert order.due_at == morning + dt.timedelta(hours=4)
    normal = report(people, room, now=morning)
    order = services.repair_dispatch(actor=people["head"], repair=normal, worker=people["repair"], now=morning)
    assert order.due_at == _local_day_end(timezone.localdate() + dt.timedelta(days=1))


def test_a_late_dispatch_is_due_by_the_end_of_the_dispatch_day(people, room):
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    repair = report(people, room, now=two_days_ago)
    order = services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    assert order.due_at == _local_day_end(timezone.localdate())


def test_redispatch_to_a_contractor_keeps_one_order(people, room):
    repair = dispatched(people, room)
    order = services.repair_dispatch(
        actor=people["head"], repair=repair, contractor_name="安居管道疏通", contractor_phone="0571-88886666"
    )
    assert WorkOrder.objects.count() == 1
    assert order.kind == WorkOrder.Kind.CONTRACTOR and order.worker is None
    assert order.assignee_display == "安居管道疏通 0571-88886666"
    assert history_for(order).filter(action="repair_redispatch").exists()
    with pytest.raises(ValidationError):
        services.repair_dispatch(actor=people["head"], repair=repair, contractor_name="某公司", contractor_phone="123")


def test_dispatch_puts_the_asset_under_repair_and_sign_off_back_in_use(people, campus, asset):
    repair = services.repair_request_create(actor=people["teacher"], campus=campus, description="空调漏水", asset=asset)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    asset.refresh_from_db()
    assert asset.status == Asset.Status.UNDER_REPAIR
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="疏通冷凝水管", photos=[png()])
    asset.refresh_from_db()
    assert asset.status == Asset.Status.UNDER_REPAIR
    services.repair_sign_off(actor=people["teacher"], repair=repair)
    asset.refresh_from_db()
    assert asset.status == Asset.Status.IN_USE
    assert history_for(asset).filter(action="status").count() == 2


def test_cancel_restores_the_assets_former_status(people, campus, asset):
    asset.status = Asset.Status.DAMAGED
    asset.save()
    repair = services.repair_request_create(actor=people["teacher"], campus=campus, description="屏幕碎了", asset=asset)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    asset.refresh_from_db()
    assert asset.status == Asset.Status.UNDER_REPAIR
    services.repair_cancel(actor=people["head"], repair=repair, reason="送厂家返修，不在园内维修")
    asset.refresh_from_db()
    assert asset.status == Asset.Status.DAMAGED


# --- The work -----------------------------------------------------------------------------


def test_only_the_assigned_worker_or_a_leader_does_the_work(people, room):
    repair = dispatched(people, room)
    with pytest.raises(PermissionDenied):
        services.work_order_start(actor=people["repair2"], repair=repair)
    with pytest.raises(PermissionDenied):
        services.work_order_record(actor=people["teacher"], repair=repair, work_done="看了一下")
    services.work_order_start(actor=people["repair"], repair=repair)
    repair.refresh_from_db()
    assert repair.status == S.IN_PROGRESS and repair.work_order.started_at is not None
    services.work_order_record(actor=people["head"], repair=repair, work_done="等配件", labour_cost="30")
    assert WorkOrder.objects.get().labour_cost == Decimal("30.00")


def test_work_on_a_request_not_dispatched_is_refused(people, room):
    repair = report(people, room)
    with pytest.raises(ValidationError):
        services.work_order_finish(actor=people["repair"], repair=repair, work_done="修好了", photos=[png()])


def test_finish_needs_what_was_done_and_an_after_photo(people, room):
    repair = dispatched(people, room)
    with pytest.raises(ValidationError) as exc:
        services.work_order_finish(actor=people["repair"], repair=repair, work_done="")
    assert "work_done" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换阀芯")
    assert "photos" in exc.value.message_dict
    repair.refresh_from_db()
    assert repair.status == S.DISPATCHED
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="更换阀芯", photos=[png()])
    repair.refresh_from_db()
    order = repair.work_order
    assert repair.status == S.DONE and order.done_by == people["repair"] and order.started_at is not None
    assert order.same_day is True and order.hours_to_fix is not None
    assert Notification.objects.filter(recipient=people["teacher"], event="maintenance.repair_done").exists()


def test_bought_parts_and_labour_make_the_cost(people, room):
    repair = dispatched(people, room)
    part = services.work_order_add_part(
        actor=people["repair"], repair=repair, description="水龙头阀芯", quantity="2", unit="个", unit_price="12.50"
    )
    assert part.kind == WorkOrderPart.Kind.BOUGHT and part.amount == Decimal("25.00")
    services.work_order_record(actor=people["repair"], repair=repair, labour_cost="40")
    order = WorkOrder.objects.get()
    assert order.parts_cost == Decimal("25.00") and order.total_cost == Decimal("65.00")
    with pytest.raises(ValidationError):
        services.work_order_add_part(actor=people["repair"], repair=repair, description="螺丝", quantity="0", unit_price="1")
    with pytest.raises(ValidationError):
        services.work_order_add_part(actor=people["repair"], repair=repair, description="螺丝", quantity="1")
    with pytest.raises(ValidationError):
        services.work_order_add_part(actor=people["repair"], repair=repair, quantity="1", unit_price="1")
    assert WorkOrderPart.objects.count() == 1


def _stock(campus, people, quantity="10", unit_cost="18.00"):
    from houqin.procurement.warehouse_services import stock_receive

    item = f.ItemFactory(campus=campus, name="T8日光灯管", spec="1.2米", unit="根")
    location = f.StockLocationFactory(campus=campus, name="维修间配件柜")
    stock_receive(actor=people["head"], campus=campus, item=item, location=location, quantity=quantity, unit_cost=unit_cost)
    return item, location


def _balance(item, location):
    from houqin.procurement.models import StockBalance

    return StockBalance.objects.get(item=item, location=location)


def test_parts_from_the_warehouse_are_issued_and_valued_from_the_stock(people, room, campus):
    item, location = _stock(campus, people)
    repair = dispatched(people, room)
    part = services.work_order_add_part(actor=people["repair"], repair=repair, item=item, location=location, quantity="2")
    assert part.kind == WorkOrderPart.Kind.STOCK and part.amount == Decimal("36.00") and part.unit_price == Decimal("18.00")
    assert part.stock_move.quantity == Decimal("-2") and part.stock_move.source == part
    assert _balance(item, location).quantity == Decimal("8")
    assert WorkOrder.objects.get().parts_cost == Decimal("36.00")


def test_not_enough_stock_refuses_the_part_and_changes_nothing(people, room, campus):
    item, location = _stock(campus, people, quantity="1")
    repair = dispatched(people, room)
    with pytest.raises(ValidationError):
        services.work_order_add_part(actor=people["repair"], repair=repair, item=item, location=location, quantity="3")
    assert not WorkOrderPart.objects.exists()
    assert _balance(item, location).quantity == Decimal("1")
    assert WorkOrder.objects.get().parts_cost == Decimal("0")


def test_a_voided_warehouse_part_goes_back_to_stock(people, room, campus):
    item, location = _stock(campus, people)
    repair = dispatched(people, room)
    part = services.work_order_add_part(actor=people["repair"], repair=repair, item=item, location=location, quantity="2")
    bought = services.work_order_add_part(actor=people["repair"], repair=repair, description="胶带", quantity="1", unit_price="5")
    with pytest.raises(ValidationError):
        services.work_order_void_part(actor=people["repair"], part=part, reason="")
    services.work_order_void_part(actor=people["repair"], part=part, reason="拿错了型号")
    part.refresh_from_db()
    assert part.voided_at is not None and WorkOrderPart.objects.count() == 2  # the line stays
    assert _balance(item, location).quantity == Decimal("10")
    assert WorkOrder.objects.get().parts_cost == Decimal("5.00")
    with pytest.raises(ValidationError):
        services.work_order_void_part(actor=people["repair"], part=part, reason="再来一次")
    with pytest.raises(PermissionDenied):
        services.work_order_void_part(actor=people["repair2"], part=bought, reason="不是我的")


# --- Sign-off, send back, cancel ----------------------------------------------------------


def test_only_the_reporter_signs_off(people, room):
    repair = done(people, room)
    for who in ("repair", "repair2", "cook", "head"):
        with pytest.raises(PermissionDenied):
            services.repair_sign_off(actor=people[who], repair=repair)
    services.repair_sign_off(actor=people["teacher"], repair=repair, note="修好了")
    repair.refresh_from_db()
    order = repair.work_order
    assert repair.status == S.CLOSED and repair.closed_at is not None
    assert order.signed_off_by == people["teacher"] and order.signed_off_name == people["teacher"].display_name
    assert order.sign_off_note == "修好了"
    assert Notification.objects.filter(recipient=people["repair"], event="maintenance.repair_closed").exists()
    with pytest.raises(ValidationError):
        services.repair_sign_off(actor=people["teacher"], repair=repair)


def test_a_leader_signs_when_the_reporter_did_the_repair(people, room):
    repair = report(people, room, who="repair")
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="已修", photos=[png()])
    assert Notification.objects.filter(recipient=people["head"], event="maintenance.repair_done").exists()
    with pytest.raises(PermissionDenied):
        services.repair_sign_off(actor=people["repair"], repair=repair)
    services.repair_sign_off(actor=people["head"], repair=repair)
    repair.refresh_from_db()
    assert repair.status == S.CLOSED


def test_a_qr_reporter_signs_off_with_their_phone(people, room):
    repair = services.repair_request_create(
        actor=None, campus=room.campus, description="门锁坏了", room=room, reporter_name="王女士", reporter_phone="13912345678"
    )
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="换锁芯", photos=[png()])
    with pytest.raises(ValidationError) as exc:
        services.repair_sign_off(actor=None, repair=repair, phone="13900000000")
    assert "phone" in exc.value.message_dict
    with pytest.raises(PermissionDenied):  # a leader cannot sign for a reporter who can
        services.repair_sign_off(actor=people["head"], repair=repair)
    services.repair_sign_off(actor=None, repair=repair, phone="139-1234-5678")
    repair.refresh_from_db()
    assert repair.status == S.CLOSED and repair.work_order.signed_off_name == "王女士"
    assert repair.work_order.signed_off_by is None


def test_send_back_returns_the_job_and_needs_new_after_photos(people, room):
    repair = done(people, room)
    with pytest.raises(PermissionDenied):
        services.repair_send_back(actor=people["repair"], repair=repair, reason="自己退回")
    with pytest.raises(ValidationError):
        services.repair_send_back(actor=people["teacher"], repair=repair, reason=" ")
    services.repair_send_back(actor=people["teacher"], repair=repair, reason="还在滴水")
    repair.refresh_from_db()
    order = repair.work_order
    assert repair.status == S.IN_PROGRESS and order.reopened_count == 1 and order.returned_reason == "还在滴水"
    assert order.done_at is None
    assert Notification.objects.filter(recipient=people["repair"], event="maintenance.repair_sent_back").exists()
    with pytest.raises(ValidationError) as exc:  # the first round's photo does not count
        services.work_order_finish(actor=people["repair"], repair=repair, work_done="重新更换阀芯")
    assert "photos" in exc.value.message_dict
    services.work_order_finish(actor=people["repair"], repair=repair, work_done="重新更换阀芯", photos=[png()])
    services.repair_sign_off(actor=people["teacher"], repair=repair)
    assert WorkOrder.objects.get().reopened_count == 1


def test_cancel_by_a_leader_with_a_reason_before_it_is_done(people, room):
    repair = dispatched(people, room)
    with pytest.raises(PermissionDenied):
        services.repair_cancel(actor=people["teacher"], repair=repair, reason="不需要了")
    with pytest.raises(ValidationError):
        services.repair_cancel(actor=people["head"], repair=repair, reason="")
    services.repair_cancel(actor=people["head"], repair=repair, reason="与WX-2026-0003重复")
    repair.refresh_from_db()
    assert repair.status == S.CANCELLED and repair.cancelled_by == people["head"]
    assert Notification.objects.filter(recipient=people["repair"], event="maintenance.repair_cancelled").exists()
    finished = done(people, room)
    with pytest.raises(ValidationError):
        services.repair_cancel(actor=people["head"], repair=finished, reason="太晚了")
    with pytest.raises(ValidationError):
        services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])


def test_update_by_a_leader_only_while_open(people, room):
    repair = report(people, room)
    with pytest.raises(PermissionDenied):
        services.repair_update(actor=people["teacher"], repair=repair, data={"category": "furniture"})
    services.repair_update(actor=people["head"], repair=repair, data={"category": "furniture", "urgency": "urgent"})
    repair.refresh_from_db()
    assert repair.category == "furniture" and repair.urgency == "urgent"
    services.repair_cancel(actor=people["head"], repair=repair, reason="重复")
    with pytest.raises(ValidationError):
        services.repair_update(actor=people["head"], repair=repair, data={"category": "other"})


# --- Lists of what needs attention --------------------------------------------------------


def test_overdue_and_reopened_orders(people, room, campus):
    earlier = timezone.now() - dt.timedelta(days=1)
    late = report(people, room, now=earlier)
    services.repair_dispatch(actor=people["head"], repair=late, worker=people["repair"], now=earlier)
    on_time = dispatched(people, room)
    assert list(services.overdue_orders(campus).values_list("request_id", flat=True)) == [late.pk]
    assert WorkOrder.objects.get(request=late).is_overdue and not WorkOrder.objects.get(request=on_time).is_overdue
    back = done(people, room)
    services.repair_send_back(actor=people["teacher"], repair=back, reason="没修好")
    assert list(services.reopened_orders(campus).values_list("request_id", flat=True)) == [back.pk]
