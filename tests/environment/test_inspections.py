"""Scoring sheets, inspections (draft → submitted → void) and the rankings (卫生评比)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from houqin.core.models import CampusSettings
from houqin.environment import selectors, services
from houqin.environment.models import HygieneProblem, ItemScore, ScoringItem, ZoneScore
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db
D = Decimal


def monday(day=None):
    day = day or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


def score(actor, inspection, per_zone, submit=True, extra=None):
    """per_zone: {zone: {item index: points}}; extra: {zone id: more row fields}."""
    extra = extra or {}
    items = list(ScoringItem.objects.filter(sheet=inspection.sheet, is_active=True).order_by("order"))
    rows = [
        {
            "zone": zone,
            "deductions": {items[i].pk: v for i, v in deductions.items()},
            **extra.get(zone.pk, {}),
        }
        for zone, deductions in per_zone.items()
    ]
    return services.inspection_save_scores(actor=actor, inspection=inspection, rows=rows, submit=submit)


def test_the_default_sheet_comes_from_the_standards(campus, people, sheet):
    items = list(sheet.items.order_by("order"))
    assert sheet.is_default and sum(i.max_points for i in items) == 100
    labels = " ".join(i.label for i in items)
    for phrase in ("无纸屑", "痰迹", "窗明几净", "摆放整齐", "卫生死角", "无杂草"):
        assert phrase in labels
    assert services.sheet_ensure_default(actor=people["head"], campus=campus) == sheet  # once


def test_editing_a_sheet_retires_scored_standards(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus, kind="spot")
    score(people["head"], inspection, {zones["小一班"]: {0: 2}})
    items = list(sheet.items.order_by("order"))
    kept = [
        {"id": i.pk, "label": i.label, "guidance": i.guidance, "max_points": i.max_points} for i in items[1:]
    ]
    services.sheet_save(actor=people["head"], campus=campus, data={"name": sheet.name}, sheet=sheet,
                        items=[*kept, {"label": "门窗把手清洁", "max_points": D("5")}])  # fmt: skip
    assert ScoringItem.objects.filter(pk=items[0].pk, is_active=False).exists()  # scored: retired
    added = ScoringItem.objects.get(label="门窗把手清洁")
    assert [i.label for i in sheet.items.filter(is_active=True).order_by("order")][-1] == "门窗把手清洁"
    services.sheet_save(
        actor=people["head"], campus=campus, data={"name": sheet.name}, sheet=sheet, items=kept
    )
    assert not ScoringItem.objects.filter(pk=added.pk).exists()  # never scored: deleted
    assert ItemScore.objects.filter(item=items[0]).get().label == items[0].label
    with pytest.raises(ValidationError):
        services.sheet_save(actor=people["head"], campus=campus, data={"name": "x"},
                            items=[{"label": "a", "max_points": 5}, {"label": "a", "max_points": 5}])  # fmt: skip
    with pytest.raises(ValidationError):
        services.sheet_save(actor=people["head"], campus=campus, data={"name": "y"}, items=[])


def test_a_new_default_sheet_replaces_the_old_one(campus, people, sheet):
    other = services.sheet_save(actor=people["head"], campus=campus, data={"name": "抽查表", "is_default": True},
                                items=[{"label": "地面", "max_points": 50}])  # fmt: skip
    sheet.refresh_from_db()
    assert other.is_default and not sheet.is_default
    assert services.default_sheet(campus) == other


def test_one_weekly_inspection_a_week_and_none_in_the_future(campus, people, sheet):
    first = services.inspection_create(actor=people["head"], campus=campus)
    with pytest.raises(ValidationError) as exc:
        services.inspection_create(actor=people["head"], campus=campus)
    assert "date" in exc.value.message_dict
    spot = services.inspection_create(actor=people["health"], campus=campus, kind="spot")
    assert spot.kind == "spot"
    with pytest.raises(ValidationError):
        services.inspection_create(actor=people["head"], campus=campus, kind="spot",
                                   date=timezone.localdate() + dt.timedelta(days=1))  # fmt: skip
    services.inspection_delete_draft(actor=people["head"], inspection=first)
    assert services.inspection_create(actor=people["head"], campus=campus).kind == "weekly"


def test_scores_are_validated_as_a_whole(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    items = list(sheet.items.order_by("order"))
    rows = [
        {"zone": zones["小一班"], "deductions": {items[0].pk: "2"}},
        {"zone": zones["中一班"], "deductions": {items[0].pk: "99"}},  # more than the standard's points
    ]
    with pytest.raises(ValidationError) as exc:
        services.inspection_save_scores(actor=people["head"], inspection=inspection, rows=rows)
    assert f"zone_{zones['中一班'].pk}" in exc.value.message_dict
    assert not ZoneScore.objects.exists()
    rows[1]["deductions"] = {items[0].pk: "1.5", items[1].pk: ""}
    services.inspection_save_scores(actor=people["head"], inspection=inspection, rows=rows)
    totals = dict(ZoneScore.objects.values_list("zone__name", "total"))
    assert totals == {"小一班活动室": D("98"), "中一班活动室": D("98.5")}
    # saved again (still a draft): updated in place, a zone may be dropped as not inspected
    rows[0]["deductions"] = {}
    rows[1] = {"zone": zones["中一班"], "skip": True}
    services.inspection_save_scores(actor=people["head"], inspection=inspection, rows=rows)
    assert dict(ZoneScore.objects.values_list("zone__name", "total")) == {"小一班活动室": D("100")}


def test_only_inspectors_score(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    with pytest.raises(PermissionDenied):
        score(people["teacher"], inspection, {zones["小一班"]: {}})


def test_submit_sends_problems_back_and_locks_the_scores(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    with pytest.raises(ValidationError):
        services.inspection_submit(actor=people["head"], inspection=inspection)  # nothing scored
    zone = zones["小一班"]
    with pytest.raises(ValidationError) as exc:  # send back with nothing to put right
        score(people["head"], inspection, {zone: {}}, submit=True, extra={zone.pk: {"send_back": True}})
    assert f"zone_{zone.pk}" in exc.value.message_dict
    score(people["head"], inspection, {zone: {4: 3}, zones["楼道"]: {}}, submit=True,
          extra={zone.pk: {"send_back": True, "note": "柜底有积灰", "photos": [png()]}})  # fmt: skip
    inspection.refresh_from_db()
    assert inspection.status == "submitted" and inspection.submitted_at
    problem = HygieneProblem.objects.get()
    assert problem.zone == zone and problem.inspection == inspection
    assert problem.responsible == people["teacher"]  # the class's head teacher
    assert problem.deadline == timezone.localdate() + dt.timedelta(days=2)  # campus setting default
    assert "柜底有积灰" in problem.description and "卫生死角" in problem.description
    assert problem.number.startswith("WS-")
    assert services.attachments_for(problem).filter(kind="before").count() == 1
    with pytest.raises(ValidationError):
        score(people["head"], inspection, {zone: {}})  # a record now


def test_void_needs_a_reason_and_voids_open_problems(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus)
    zone = zones["小一班"]
    score(people["head"], inspection, {zone: {0: 2}}, extra={zone.pk: {"send_back": True, "note": "纸屑"}})
    with pytest.raises(ValidationError):
        services.inspection_void(actor=people["head"], inspection=inspection, reason=" ")
    today = timezone.localdate()
    assert selectors.ranking(campus, today, today)
    services.inspection_void(actor=people["head"], inspection=inspection, reason="分数录错")
    inspection.refresh_from_db()
    assert inspection.status == "void" and inspection.void_reason == "分数录错"
    assert HygieneProblem.objects.get().status == "void"
    assert selectors.ranking(campus, today, today) == []  # left the ranking
    # the week is free for its weekly inspection again
    assert services.inspection_create(actor=people["head"], campus=campus).status == "draft"


def test_weekly_and_monthly_ranking(campus, people, zones, sheet):
    start = monday()
    last_week = start - dt.timedelta(days=7)
    one = services.inspection_create(actor=people["head"], campus=campus, date=last_week)
    score(people["head"], one, {zones["小一班"]: {0: 5}, zones["中一班"]: {0: 5}, zones["楼道"]: {0: 1}})
    two = services.inspection_create(actor=people["head"], campus=campus, date=last_week + dt.timedelta(days=1),
                                     kind="spot")  # fmt: skip
    score(people["head"], two, {zones["小一班"]: {}})
    draft = services.inspection_create(actor=people["head"], campus=campus, date=start)
    score(people["head"], draft, {zones["中一班"]: {}}, submit=False)  # drafts do not count
    rows = selectors.ranking(campus, last_week, last_week + dt.timedelta(days=6))
    assert [(r["label"], r["score"], r["rank"]) for r in rows] == [
        ("一楼楼道", D("99.0"), 1), ("小一班活动室", D("97.5"), 2), ("中一班活动室", D("95.0"), 3),
    ]  # fmt: skip
    assert rows[1]["inspections"] == 2 and rows[1]["responsible"] == "李晓燕"
    assert selectors.ranking(campus, start, start + dt.timedelta(days=6)) == []
    by_class = selectors.ranking(campus, last_week, last_week + dt.timedelta(days=6), group="class")
    assert [(r["label"], r["rank"]) for r in by_class] == [("小一班", 1), ("中一班", 2)]
    # the pass mark is a campus setting
    CampusSettings.objects.create(campus=campus, values={"environment.pass_score": 96})
    campus._settings_cache = None
    rows = selectors.ranking(campus, last_week, last_week + dt.timedelta(days=6))
    assert [r["passed"] for r in rows] == [True, True, False]
    first, last = selectors.month_bounds(last_week)
    assert first.day == 1 and last.month == first.month and (last + dt.timedelta(days=1)).day == 1


def test_ties_share_a_rank(campus, people, zones, sheet):
    inspection = services.inspection_create(actor=people["head"], campus=campus, kind="spot")
    score(people["head"], inspection, {zones["小一班"]: {0: 2}, zones["中一班"]: {1: 2}, zones["楼道"]: {}})
    today = timezone.localdate()
    assert [r["rank"] for r in selectors.ranking(campus, today, today)] == [1, 2, 2]
