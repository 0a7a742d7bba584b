"""Stocktake pages: who may see, run and count; creating one; counting with the scan field
(htmx answers and the plain-form fallback); the result, report, export and submission; the
dashboard card and the asset page panel; query counts that do not grow with the lines."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from houqin.assets import stocktake_services as services
from houqin.assets.models import Stocktake, StocktakeAdjustment, StocktakeLine, StocktakeRoom
from houqin.assets.panels import panels_for
from houqin.core import approvals, dashboard
from houqin.core.models import ApprovalRequest
from tests import factories as f
from tests.conftest import login
from tests.factories_stocktake import make_stocktake, stocktake_people

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def people(make_member):
    return stocktake_people(make_member)


@pytest.fixture
def clients(people):
    return {name: login(user) for name, user in people.items()}


@pytest.fixture
def place(campus, people):
    building = f.BuildingFactory(campus=campus, name="教学楼")
    a = f.RoomFactory(
        campus=campus, building=building, code="A101", name="小一班活动室", keeper=people["teacher"]
    )
    b = f.RoomFactory(
        campus=campus, building=building, code="A102", name="小二班活动室", keeper=people["teacher2"]
    )
    f.AssetFactory(campus=campus, room=a, tag="ZC-0001", name="电钢琴", price=Decimal("4000"))
    f.AssetFactory(campus=campus, room=a, tag="ZC-0002", name="交互智能平板", price=Decimal("12000"))
    toys = f.AssetCategoryFactory(campus=campus, name="教玩具", kind="low_value")
    f.AssetFactory(
        campus=campus, room=a, tag="ZC-0003", name="积木", category=toys, quantity=10, price=Decimal("30")
    )
    f.AssetFactory(campus=campus, room=b, tag="ZC-0004", name="电视机", price=Decimal("3000"))
    return {"a": a, "b": b}


def url(name, campus, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


# --- Permissions ---------------------------------------------------------------------------


def test_permissions(campus, people, clients, place, outsider_client):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]])
    pages = [url("stocktake_list", campus), url("stocktake_detail", campus, pk=s.pk),
             url("stocktake_result", campus, pk=s.pk), url("stocktake_report", campus, pk=s.pk)]  # fmt: skip
    for page in pages:
        assert clients["accountant"].get(page).status_code == 200, page  # reads stocktakes
        assert clients["cook"].get(page).status_code == 403, page
        assert outsider_client.get(page).status_code == 404, page
    # the class teacher counts but does not run stocktakes
    assert clients["teacher"].get(url("stocktake_create", campus)).status_code == 403
    assert clients["teacher"].post(url("stocktake_close", campus, pk=s.pk)).status_code == 403
    assert clients["teacher"].get(url("stocktake_count", campus, pk=s.pk)).status_code == 200
    assert clients["accountant"].get(url("stocktake_count", campus, pk=s.pk)).status_code == 403
    scan = url("stocktake_scan", campus, pk=s.pk, room_pk=place["a"].pk)
    assert clients["accountant"].post(scan, {"text": "ZC-0001"}).status_code == 403
    assert not StocktakeLine.objects.filter(result="found").exists()
    # a teacher named for room A is sent back from room B
    response = clients["teacher"].get(url("stocktake_count_room", campus, pk=s.pk, room_pk=place["b"].pk))
    assert response.status_code == 302
    response = clients["teacher"].post(
        url("stocktake_scan", campus, pk=s.pk, room_pk=place["b"].pk), {"text": "ZC-0004"}, **HTMX
    )
    assert 'data-outcome="error"' in response.content.decode()
    assert StocktakeLine.objects.get(code="ZC-0004").result == "pending"


def test_menu_and_list(campus, people, clients, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"]])
    response = clients["keeper"].get(url("stocktake_list", campus))
    body = response.content.decode()
    assert s.number in body and 'data-progress="0/3"' in body
    assert url("stocktake_list", campus) in clients["teacher"].get(f"/c/{campus.code}/").content.decode()
    response = clients["keeper"].get(url("stocktake_list", campus) + "?status=closed")
    assert s.number not in response.content.decode()
    export = clients["keeper"].get(url("stocktake_list", campus) + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.values)
    assert rows[1][0] == s.number and rows[1][6] == 3


# --- Creating ------------------------------------------------------------------------------


def test_create_page(campus, people, clients, place):
    client = clients["keeper"]
    assert client.get(url("stocktake_create", campus)).status_code == 200
    response = client.post(url("stocktake_create", campus), {
        "title": "2026年秋季学期期末盘点", "scope": "rooms", "rooms": [place["a"].pk], "start_date": "2026-12-20",
        "end_date": "2026-12-25", "counters": [people["teacher2"].pk],
    })  # fmt: skip
    s = Stocktake.objects.get()
    assert response.status_code == 302 and response["Location"] == url("stocktake_detail", campus, pk=s.pk)
    assert s.lines.count() == 3 and s.status == "draft"
    assert list(StocktakeRoom.objects.get(stocktake=s).counters.all()) == [people["teacher2"]]
    # bad input: a clear message, nothing made
    response = client.post(url("stocktake_create", campus), {
        "title": "x", "scope": "rooms", "start_date": "2026-12-20", "end_date": "2026-12-01",
    })  # fmt: skip
    assert response.status_code == 200 and Stocktake.objects.count() == 1
    assert response.context["form"].errors.keys() >= {"rooms", "end_date"}
    empty = f.RoomFactory(campus=campus, code="E1")
    response = client.post(url("stocktake_create", campus), {
        "title": "空房间", "scope": "rooms", "rooms": [empty.pk], "start_date": "2026-12-20", "end_date": "2026-12-21",
    })  # fmt: skip
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Stocktake.objects.count() == 1


def test_detail_start_counters_edit_and_cancel(campus, people, clients, place):
    client = clients["keeper"]
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]], start=False)
    detail = url("stocktake_detail", campus, pk=s.pk)
    body = client.get(detail).content.decode()
    assert 'data-testid="start-button"' in body and "李晓燕" in body
    response = client.post(url("stocktake_counters", campus, pk=s.pk), {
        "room": StocktakeRoom.objects.get(stocktake=s, room=place["b"]).pk, "counters": [people["teacher"].pk],
    })  # fmt: skip
    assert response.status_code == 302
    assert list(StocktakeRoom.objects.get(stocktake=s, room=place["b"]).counters.all()) == [people["teacher"]]
    response = client.post(url("stocktake_update", campus, pk=s.pk), {
        "title": "期中抽盘", "start_date": "2026-11-02", "end_date": "2026-11-06",
    })  # fmt: skip
    assert response.status_code == 302 and Stocktake.objects.get(pk=s.pk).title == "期中抽盘"
    client.post(url("stocktake_start", campus, pk=s.pk))
    assert Stocktake.objects.get(pk=s.pk).status == "counting"
    client.post(url("stocktake_start", campus, pk=s.pk))  # twice: a message, nothing else
    client.post(url("stocktake_cancel", campus, pk=s.pk), {"cancel-reason": ""})
    assert Stocktake.objects.get(pk=s.pk).status == "counting"
    client.post(url("stocktake_cancel", campus, pk=s.pk), {"cancel-reason": "改期"})
    assert Stocktake.objects.get(pk=s.pk).status == "cancelled"


# --- Counting ------------------------------------------------------------------------------


def test_counting_with_htmx(campus, people, clients, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]])
    client = clients["teacher"]
    rooms_page = client.get(url("stocktake_count", campus, pk=s.pk))
    mine = [st_room.room for st_room, _prog, allowed in rooms_page.context["mine"]]
    others = [(st_room.room, allowed) for st_room, _prog, allowed in rooms_page.context["others"]]
    assert mine == [place["a"]] and others == [(place["b"], False)]  # room B is counted by teacher2
    room_page = client.get(url("stocktake_count_room", campus, pk=s.pk, room_pk=place["a"].pk))
    assert room_page.status_code == 200
    body = room_page.content.decode()
    assert 'data-testid="scan-input"' in body and "ZC-0002" in body and "stocktake.js" in body

    scan = url("stocktake_scan", campus, pk=s.pk, room_pk=place["a"].pk)
    response = client.post(scan, {"text": "zc-0001"}, **HTMX)
    body = response.content.decode()
    assert 'data-outcome="found"' in body
    assert 'id="room-progress"' in body and 'hx-swap-oob="true"' in body
    assert "<span data-counted>1</span> / <span data-expected>3</span>" in body
    assert 'data-line="ZC-0001"' not in body and 'data-line="ZC-0002"' in body  # the not-found list shrank

    # a set: the counted quantity can be corrected
    response = client.post(scan, {"text": "ZC-0003"}, **HTMX)
    assert 'data-testid="quantity-input"' in response.content.decode()
    line = StocktakeLine.objects.get(code="ZC-0003")
    client.post(url("stocktake_line_quantity", campus, pk=s.pk, room_pk=place["a"].pk, line_pk=line.pk),
                {"quantity": "9"}, **HTMX)  # fmt: skip
    assert StocktakeLine.objects.get(pk=line.pk).counted_quantity == 9

    # wrong room, unknown code, already counted, an empty scan
    assert (
        'data-outcome="wrong_room"'
        in clients["keeper"].post(scan, {"text": "ZC-0004"}, **HTMX).content.decode()
    )
    assert 'data-outcome="unknown"' in client.post(scan, {"text": "旧标签31"}, **HTMX).content.decode()
    assert 'data-outcome="already"' in client.post(scan, {"text": "ZC-0001"}, **HTMX).content.decode()
    assert 'data-outcome="error"' in client.post(scan, {"text": ""}, **HTMX).content.decode()

    # a room label opens that room
    response = clients["keeper"].post(scan, {"text": f"https://h.example/q/{place['b'].qr_token}/"}, **HTMX)
    assert response["HX-Redirect"] == url("stocktake_count_room", campus, pk=s.pk, room_pk=place["b"].pk)

    # a manual tick, then undo
    board = StocktakeLine.objects.get(code="ZC-0002")
    found = url("stocktake_found", campus, pk=s.pk, room_pk=place["a"].pk, line_pk=board.pk)
    assert 'data-outcome="found"' in client.post(found, **HTMX).content.decode()
    assert StocktakeLine.objects.get(pk=board.pk).method == "manual"
    client.post(url("stocktake_line_undo", campus, pk=s.pk, room_pk=place["a"].pk, line_pk=board.pk), **HTMX)
    assert StocktakeLine.objects.get(pk=board.pk).result == "pending"


def test_counting_without_javascript(campus, people, clients, place):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"], place["b"]])
    client = clients["keeper"]
    room_url = url("stocktake_count_room", campus, pk=s.pk, room_pk=place["a"].pk)
    response = client.post(url("stocktake_scan", campus, pk=s.pk, room_pk=place["a"].pk), {"text": "ZC-0001"})
    assert response.status_code == 302 and response["Location"] == room_url
    assert StocktakeLine.objects.get(code="ZC-0001").result == "found"
    page = client.get(room_url).content.decode()
    assert "ZC-0001" in page  # the message and the recent scans
    # choose the room by its label or its number
    rooms = url("stocktake_count", campus, pk=s.pk)
    response = client.post(rooms, {"room_code": f"http://h/q/{place['b'].qr_token}/"})
    assert response["Location"] == url("stocktake_count_room", campus, pk=s.pk, room_pk=place["b"].pk)
    response = client.post(rooms, {"room_code": "a101"})
    assert response["Location"] == room_url
    response = client.post(rooms, {"room_code": "nowhere"})
    assert response["Location"] == rooms


def test_count_pages_do_not_grow_with_lines(campus, people, clients, place):
    keeper = people["keeper"]
    client = clients["keeper"]

    def measure(room, tag, n_assets):
        for i in range(n_assets):
            f.AssetFactory(campus=campus, room=room, tag=f"{tag}-{i:04d}")
        s = make_stocktake(campus, keeper, rooms=[room])
        for i in range(0, n_assets, 2):
            services.stocktake_scan(actor=keeper, stocktake=s, room=StocktakeRoom.objects.get(stocktake=s),
                                    text=f"{tag}-{i:04d}")  # fmt: skip
        counts = []
        for path, method, data in (
            (url("stocktake_count_room", campus, pk=s.pk, room_pk=room.pk), "get", None),
            (url("stocktake_scan", campus, pk=s.pk, room_pk=room.pk), "post", {"text": f"{tag}-0001"}),
            (url("stocktake_result", campus, pk=s.pk), "get", None),
            (url("stocktake_detail", campus, pk=s.pk), "get", None),
            (url("stocktake_report", campus, pk=s.pk), "get", None),
        ):
            with CaptureQueriesContext(connection) as ctx:
                response = (
                    getattr(client, method)(path, data, **HTMX) if method == "post" else client.get(path)
                )
            assert response.status_code == 200, path
            counts.append(len(ctx))
        return counts

    small = measure(f.RoomFactory(campus=campus, code="S1"), "SM", 4)
    big = measure(f.RoomFactory(campus=campus, code="S2"), "BG", 120)
    assert small == big


# --- Result, report, export, submission ------------------------------------------------------


def closed_stocktake(campus, people, place):
    keeper = people["keeper"]
    s = make_stocktake(campus, keeper, rooms=[place["a"], place["b"]])
    room_a = StocktakeRoom.objects.get(stocktake=s, room=place["a"])
    for text in ("ZC-0001", "ZC-0004"):
        services.stocktake_scan(actor=keeper, stocktake=s, room=room_a, text=text)
    services.stocktake_scan(actor=keeper, stocktake=s, room=room_a, text="ZC-0003", quantity=10)
    return s


def test_close_result_report_export_and_submit(campus, people, clients, place):
    client = clients["keeper"]
    s = closed_stocktake(campus, people, place)
    result = url("stocktake_result", campus, pk=s.pk)
    body = client.get(result).content.decode()
    assert 'data-figure="missing">1<' in body  # still counting: not found yet
    response = client.post(url("stocktake_close", campus, pk=s.pk))
    assert response["Location"] == result
    s.refresh_from_db()
    assert s.status == "closed"

    response = client.get(result)
    body = response.content.decode()
    assert 'data-figure="expected">4<' in body and 'data-figure="in_place">2<' in body
    assert 'data-figure="rate_count">50.0%<' in body
    assert 'data-testid="diff-missing"' in body and 'data-testid="diff-wrong_room"' in body
    assert 'data-testid="submit-adjustments"' in body
    assert response.context["loss"] == Decimal("12000.00")

    report = client.get(url("stocktake_report", campus, pk=s.pk)).content.decode()
    assert (
        'data-testid="signatures"' in report
        and "盘点人" in report
        and "监盘人" in report
        and "园长" in report
    )
    assert 'data-rate="count">50.0%<' in report and "ZC-0002" in report

    export = client.get(url("stocktake_export", campus, pk=s.pk))
    rows = list(load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.values)
    assert len(rows) == 5 and {r[0] for r in rows[1:]} == {"ZC-0001", "ZC-0002", "ZC-0003", "ZC-0004"}
    assert clients["cook"].get(url("stocktake_export", campus, pk=s.pk)).status_code == 403

    # submit, leaving the move out
    move = StocktakeAdjustment.objects.get(stocktake=s, kind="move")
    missing = StocktakeAdjustment.objects.get(stocktake=s, kind="missing")
    response = client.post(url("stocktake_submit", campus, pk=s.pk),
                           {"shown": [move.pk, missing.pk], "include": [missing.pk]})  # fmt: skip
    assert response.status_code == 302
    approval = ApprovalRequest.objects.get(kind=services.ADJUSTMENT_KIND)
    assert approval.amount == Decimal("12000.00") and approval.status == "pending"
    assert StocktakeAdjustment.objects.get(pk=move.pk).state == "excluded"
    assert clients["teacher"].post(url("stocktake_submit", campus, pk=s.pk)).status_code == 403
    body = client.get(result).content.decode()
    assert 'data-testid="approval-link"' in body and 'data-testid="submit-adjustments"' not in body
    approvals.approve(actor=people["head"], approval=approval)
    approvals.approve(actor=people["principal"], approval=approval)
    assert StocktakeLine.objects.get(code="ZC-0002").asset.status == "missing"
    assert StocktakeLine.objects.get(code="ZC-0004").asset.room == place["b"]  # left out: not moved


def test_dashboard_card_and_asset_panel(campus, people, clients, place, rf):
    s = make_stocktake(campus, people["keeper"], rooms=[place["a"]])
    services.stocktake_scan(actor=people["keeper"], stocktake=s, room=StocktakeRoom.objects.get(stocktake=s),
                            text="ZC-0001")  # fmt: skip
    detail = url("stocktake_detail", campus, pk=s.pk)
    assert detail in clients["keeper"].get(f"/c/{campus.code}/").content.decode()
    request = rf.get("/")
    request.campus, request.user = campus, people["keeper"]
    request.perms = {"assets.manage_stocktakes", "assets.view_stocktakes"}
    cards = dashboard._providers["assets.stocktakes_counting"].func(request)
    assert len(cards) == 1 and cards[0].items[0][0].startswith(s.title)
    assert "1" in cards[0].detail and "3" in cards[0].detail
    # a class teacher does not get the card
    assert detail not in clients["teacher"].get(f"/c/{campus.code}/").content.decode()

    piano = StocktakeLine.objects.get(code="ZC-0001").asset
    panels = dict((p.key, ctx) for p, ctx in panels_for(request, piano))
    assert [ln.stocktake for ln in panels["assets.stocktakes"]["stocktake_lines"]] == [s]
    request.perms = set()
    assert "assets.stocktakes" not in [p.key for p, _ctx in panels_for(request, piano)]
