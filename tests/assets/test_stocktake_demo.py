"""The demo's stocktakes: last term's end-of-term stocktake closed and approved (two missing,
one moved), this term's mid-term stocktake being counted — made through the services."""

import io

import pytest
from django.core.management import call_command

from houqin.assets import stocktake_services as services
from houqin.assets.models import Asset, Stocktake, StocktakeAdjustment
from houqin.core.models import ApprovalRequest

pytestmark = pytest.mark.django_db


def test_demo_stocktakes():
    call_command("seed", size="demo", stdout=io.StringIO())
    last, current = Stocktake.objects.filter(campus__code="main").order_by("start_date")
    assert last.status == Stocktake.Status.ADJUSTED and last.scope == "campus" and "期末" in last.title
    applied = StocktakeAdjustment.objects.filter(stocktake=last, state="applied")
    assert sorted(applied.values_list("kind", flat=True)) == ["missing", "missing", "move"]
    approval = ApprovalRequest.objects.get(kind=services.ADJUSTMENT_KIND)
    assert approval.status == "approved" and approval.actions.filter(decision="approve").count() == 2
    moved = applied.get(kind="move")
    assert moved.asset.room.name == "音乐室" and moved.asset.name == "电钢琴"
    recon = services.reconcile(last)
    assert recon.total.missing == 2 and recon.total.moved_out == 1
    assert recon.total.in_place == recon.total.expected - 3
    lost = [a.asset for a in applied.filter(kind="missing")]
    assert {a.name for a in lost} == {"蓝牙音箱", "不锈钢保温桶"}
    assert all(Asset.objects.get(pk=a.pk).status == "missing" for a in lost)

    assert current.status == Stocktake.Status.COUNTING and current.rooms.count() == 3
    progress = services.progress_for([current.pk])[current.pk]
    assert 0 < progress[1] < progress[0]
    results = set(current.lines.values_list("result", flat=True))
    assert {"found", "wrong_room", "unexpected", "unknown", "pending"} <= results
    assert services.lines_for(current, "short").count() == 1
    speaker = current.lines.get(result="unexpected")
    assert speaker.asset.status == "missing" and speaker.asset.name == "蓝牙音箱"
