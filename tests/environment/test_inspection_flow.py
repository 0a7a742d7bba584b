"""Score the weekly hygiene inspection and read the ranking, through the pages: the logistics
head sets up the sheet and the zones, scores every zone on the grid (a wrong entry first:
nothing saved), saves a draft, submits, and reads the weekly and monthly ranking; the
class teacher puts the problem sent back right with a photo and the head checks it."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.environment.models import CleaningZone, HygieneInspection, HygieneProblem, ScoringItem, ZoneScore
from tests.conftest import login
from tests.environment.conftest import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"environment:{name}", kwargs={"campus": campus.code, **kwargs})


def test_score_the_weekly_inspection_and_read_the_ranking(campus, term, people, classes):
    head = login(people["head"])
    today = timezone.localdate()

    # 1. The standard scoring sheet, in one click.
    assert head.get(url(campus, "sheet_list")).context["rows"] == []
    response = head.post(url(campus, "sheet_default"))
    assert response.status_code == 302
    items = list(ScoringItem.objects.filter(sheet__campus=campus).order_by("order"))
    assert sum(i.max_points for i in items) == 100

    # 2. The zones: the two class rooms and a public area.
    for n, (name, school_class) in enumerate(classes.items(), 1):
        response = head.post(url(campus, "zone_create"), {
            "name": f"{name}活动室", "kind": "class", "rooms": [school_class.room.pk],
            "school_class": school_class.pk, "sort_order": n, "is_active": "on", "make_routines": "on",
        })  # fmt: skip
        assert response.status_code == 302
    head.post(url(campus, "zone_create"), {"name": "一楼楼道", "kind": "public", "area_text": "一楼大厅及楼道",
                                           "responsible": people["childcare"].pk, "sort_order": 3, "is_active": "on"})  # fmt: skip
    zones = {z.name: z for z in CleaningZone.objects.filter(campus=campus)}
    a, b = zones["小一班活动室"], zones["中一班活动室"]

    # 3. Start this week's inspection: the form proposes a weekly one.
    response = head.get(url(campus, "inspection_create"))
    assert response.context["form"].initial["kind"] == "weekly"
    response = head.post(url(campus, "inspection_create"), {"date": today.isoformat(), "kind": "weekly",
                                                            "participants": "各级部后勤组长"})  # fmt: skip
    inspection = HygieneInspection.objects.get()
    grid = url(campus, "inspection_score", pk=inspection.pk)
    assert response.status_code == 302 and response["Location"] == grid

    # 4. The grid: every zone × every standard.
    response = head.get(grid)
    assert response.status_code == 200
    page = response.content.decode()
    assert [r["zone"].name for r in response.context["rows"]] == ["小一班活动室", "中一班活动室", "一楼楼道"]
    assert f'name="d_{a.pk}_{items[0].pk}"' in page and 'capture="environment"' in page

    def post(values, action, **files):
        data = {"action": action}
        data.update(values)
        data.update(files)
        return head.post(grid, data)

    # 5. A deduction above the standard's points: nothing is saved, the row says why.
    response = post({f"d_{b.pk}_{items[0].pk}": "40"}, "submit")
    assert response.status_code == 200
    assert response.context["rows"][1]["errors"] and not ZoneScore.objects.exists()
    assert response.context["rows"][1]["cells"][0]["value"] == "40"  # what was typed stays
    inspection.refresh_from_db()
    assert inspection.status == "draft"

    # 6. Save a draft: 小一班 loses 2 + 1 and is sent back with a photo; 中一班 loses 5.
    values = {
        f"d_{a.pk}_{items[0].pk}": "2", f"d_{a.pk}_{items[4].pk}": "1", f"n_{a.pk}": "地面有纸屑，柜底有积灰",
        f"b_{a.pk}": "on", f"d_{b.pk}_{items[2].pk}": "5",
    }  # fmt: skip
    response = post(values, "save", **{f"p_{a.pk}": png()})
    assert response.status_code == 302 and response["Location"] == grid
    response = head.get(grid)
    assert (
        response.context["rows"][0]["cells"][0]["value"] == "2" and response.context["rows"][0]["photos"] == 1
    )
    assert HygieneProblem.objects.count() == 0  # not before submitting

    # 7. Submit: a record from now on; the zone sent back gets its problem.
    response = post(values, "submit")
    inspection.refresh_from_db()
    assert response.status_code == 302 and inspection.status == "submitted"
    problem = HygieneProblem.objects.get()
    assert problem.zone == a and problem.responsible == people["teacher"]
    assert head.get(grid).status_code == 302  # no more scoring
    detail = head.get(url(campus, "inspection_detail", pk=inspection.pk))
    assert [r["rank"] for r in detail.context["rows"]] == [2, 3, 1]
    assert head.get(url(campus, "inspection_print", pk=inspection.pk)).status_code == 200

    # 8. The weekly ranking, best first, with the class and person; the monthly one too.
    teacher = login(people["teacher"])
    response = teacher.get(url(campus, "ranking") + f"?period=week&date={today.isoformat()}")
    rows = response.context["rows"]
    assert [(r["label"], str(r["score"]), r["rank"]) for r in rows] == [
        ("一楼楼道", "100.0", 1), ("小一班活动室", "97.0", 2), ("中一班活动室", "95.0", 3),
    ]  # fmt: skip
    assert rows[1]["responsible"] == "李晓燕" and rows[1]["school_class"] == classes["小一班"]
    assert "ranking-table" in response.content.decode()
    month = teacher.get(url(campus, "ranking") + f"?period=month&date={today.isoformat()}")
    assert [r["label"] for r in month.context["rows"]] == [r["label"] for r in rows]
    by_class = teacher.get(url(campus, "ranking") + f"?period=week&date={today.isoformat()}&group=class")
    assert [r["label"] for r in by_class.context["rows"]] == ["小一班", "中一班"]
    export = teacher.get(url(campus, "ranking") + f"?period=week&date={today.isoformat()}&export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    assert [r[1] for r in list(sheet.values)[1:]] == ["一楼楼道", "小一班活动室", "中一班活动室"]

    # 9. The class teacher puts it right with a photo; the head checks and closes it.
    home = teacher.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert any("mine=1" in card.url for card in home.context["cards"])
    teacher.post(url(campus, "problem_fix", pk=problem.pk), {"note": "已重新清扫", "photos": [png()]})
    head.post(url(campus, "problem_verify", pk=problem.pk), {"note": "复查合格"})
    problem.refresh_from_db()
    assert problem.status == "closed" and problem.verified_by == people["head"]

    # 10. A correction is a void with a reason, never an edit: the week leaves the ranking.
    head.post(url(campus, "inspection_void", pk=inspection.pk), {"void-reason": "分数录错"})
    response = teacher.get(url(campus, "ranking") + f"?period=week&date={today.isoformat()}")
    assert response.context["rows"] == []
