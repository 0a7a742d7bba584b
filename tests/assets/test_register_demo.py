"""The demo's asset register: a realistic kindergarten register that obeys the same rules
as real use."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from houqin.assets.models import Asset, AssetCategory
from houqin.core.attachments import attachments_for
from houqin.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_demo_register():
    call_command("seed", size="demo", stdout=io.StringIO())
    main = Asset.objects.filter(campus__code="main")
    assert 230 <= main.count() <= 280
    assert set(AssetCategory.objects.filter(campus__code="main").values_list("name", flat=True)) == {
        "电子设备", "家具", "教玩具", "厨房设备", "体育器材", "图书",
    }  # fmt: skip
    assert AssetCategory.objects.filter(campus__code="main", kind="low_value").count() == 2
    # 室室有人管: every asset has a room and a custodian; valuable items always
    assert not main.filter(room__isnull=True).exists() and not main.filter(custodian__isnull=True).exists()
    assert main.filter(is_valuable=True).count() >= 20
    assert not main.filter(price__gte=5000, is_valuable=False).exists()
    # class teachers hold their classrooms' property
    classroom = main.filter(room__name="小一班活动室").first()
    assert classroom.custodian.username == "teacher"
    statuses = dict(main.values_list("status").annotate(n=Count("id")))
    for status in ("damaged", "idle", "under_repair", "missing", "disposed"):
        assert statuses.get(status), status
    assert main.filter(status="disposed", disposed_on__isnull=False).count() == statuses["disposed"]
    years = {d.year for d in main.values_list("purchase_date", flat=True)}
    assert len(years) >= 5
    assert main.filter(category__kind="fixed", quantity__gt=1).count() == 0
    piano = main.get(name="立式钢琴")
    assert attachments_for(piano).exists()
    assert AuditEvent.objects.filter(
        action="status", object_id=str(main.filter(status="damaged").first().pk)
    ).exists()
    west = Asset.objects.filter(campus__code="west")
    assert 10 <= west.count() < main.count() // 4
    assert not west.filter(custodian__isnull=True).exists()
