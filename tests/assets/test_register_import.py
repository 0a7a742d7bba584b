"""The Excel import of the register: all or nothing, every bad row reported with its row,
column and reason; files as Excel and WPS make them; the template and the page."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from houqin.assets import register_importers as importers
from houqin.assets.models import Asset, AssetCategory
from houqin.core.models import AuditEvent
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login
from tests.factories_assets import AssetCategoryFactory, AssetFactory, xlsx_upload
from tests.factories_purchasing import SupplierFactory

pytestmark = pytest.mark.django_db

H = importers.HEADERS


@pytest.fixture
def keeper(make_member):
    return make_member(Role.ASSET_KEEPER, username="keeper", real_name="孙志强", phone="13800010005")


@pytest.fixture
def setup(campus, keeper, make_member):
    teacher = make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕")
    return {
        "teacher": teacher,
        "electronics": AssetCategoryFactory(campus=campus, name="电子设备", code="DZ"),
        "toys": AssetCategoryFactory(
            campus=campus, name="教玩具", code="WJ", kind=AssetCategory.Kind.LOW_VALUE
        ),
        "room": f.RoomFactory(campus=campus, name="小一班活动室", code="A101"),
        "store": f.RoomFactory(campus=campus, name="物资仓库", code="C201"),
        "supplier": SupplierFactory(campus=campus, name="杭州文教用品公司"),
    }


def row(**values):
    """A data row in the order of the template's headers."""
    keys = {"tag": "资产编号", "name": "资产名称", "category": "类别", "spec": "规格型号", "brand": "品牌",
            "unit": "单位", "quantity": "数量", "price": "单价", "date": "购置日期", "room": "存放地点/房间",
            "custodian": "保管人", "supplier": "供应商", "invoice": "发票号", "status": "状态", "note": "备注"}  # fmt: skip
    data = {keys[k]: v for k, v in values.items()}
    return [data.get(h) for h in H]


def run(campus, keeper, rows, name="assets.xlsx"):
    return importers.asset_import(actor=keeper, campus=campus, file=xlsx_upload(rows, name))


def test_a_clean_file_is_imported_with_every_format(campus, keeper, setup):
    rows = [
        H,
        row(tag="DZ-001", name="钢琴", category="电子设备", spec="UP118", brand="珠江", unit="台", quantity=1.0,
            price=18800.0, date=dt.datetime(2021, 3, 5), room="A101", custodian="李晓燕", supplier="杭州文教用品公司",
            invoice="12345678", status="在用", note="音乐室搬来"),
        row(name="积木", category="教玩具", quantity=20, price="￥1,299.50", date="2024/9/1", room="小一班活动室",
            custodian="13800010005", status="闲置"),
        row(name="电视机", category="DZ", price=3200, date="2024-09-01", room="a101 小一班活动室", custodian="keeper",
            status="损坏"),
        row(name="跳绳", category="教玩具", quantity="30", price="8", date="2023年5月6日", room="c201"),
        [None] * len(H),
        row(),
    ]  # fmt: skip
    result = run(campus, keeper, rows)
    assert result.ok, result.errors or result.file_error
    assert result.created == 4
    assets = {a.name: a for a in Asset.objects.filter(campus=campus)}
    piano = assets["钢琴"]
    assert (
        piano.tag == "DZ-001"
        and piano.price == Decimal("18800.00")
        and piano.purchase_date == dt.date(2021, 3, 5)
    )
    assert piano.custodian == setup["teacher"] and piano.supplier == setup["supplier"] and piano.is_valuable
    assert piano.invoice_number == "12345678" and piano.name_pinyin.startswith("gangqin")
    blocks = assets["积木"]
    assert (
        blocks.quantity == 20
        and blocks.price == Decimal("1299.50")
        and blocks.purchase_date == dt.date(2024, 9, 1)
    )
    assert blocks.custodian == keeper and blocks.status == "idle" and blocks.unit == "件"
    year = dt.date.today().year
    assert blocks.tag == f"ZC-{year}-0001" and assets["电视机"].tag == f"ZC-{year}-0002"
    assert assets["电视机"].status == "damaged" and assets["电视机"].custodian == keeper
    assert assets["跳绳"].purchase_date == dt.date(2023, 5, 6) and assets["跳绳"].room == setup["store"]
    assert AuditEvent.objects.filter(action="import", object_id=str(piano.pk), actor=keeper).exists()
    assert AuditEvent.objects.filter(action="assets_import", after__assets=4).exists()


def test_every_bad_row_is_reported_and_nothing_is_imported(campus, keeper, setup, make_member):
    AssetFactory(campus=campus, tag="DZ-009", category=setup["electronics"])
    make_member(Role.COOK, username="cook-a", real_name="王芳")
    make_member(Role.GUARD, username="guard-a", real_name="王芳")
    rows = [
        H,
        row(tag="DZ-001", name="钢琴", category="电子设备", price=100),
        row(tag="dz-001", name="钢琴", category="电子设备", price=100),  # 3: duplicate in the file
        row(tag="DZ-009", name="电视", category="电子设备"),  # 4: already in the register
        row(name="", category="电子设备", price=5),  # 5: no name
        row(name="椅子", category="家具"),  # 6: unknown category
        row(name="椅子", category="电子设备", room="B999", custodian="张三", supplier="无名公司"),  # 7
        row(name="椅子", category="电子设备", date="2024-13-45", price="abc", quantity=2.5),  # 8
        row(name="椅子", category="电子设备", quantity=3),  # 9: a fixed asset is one item
        row(name="笔记本电脑", category="电子设备", price=9800),  # 10: valuable without custodian
        row(name="椅子", category="电子设备", status="报废"),  # 11: disposed
        row(name="椅子", category="电子设备", status="坏了"),  # 12
        row(name="椅子", category="电子设备", custodian="王芳"),  # 13: two people called 王芳
        row(name="x" * 121, category="电子设备"),  # 14
    ]
    result = run(campus, keeper, rows)
    assert not result.ok and result.created == 0 and result.rows == 13
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "资产编号"), (4, "资产编号"), (5, "资产名称"), (6, "类别"), (7, "存放地点/房间"), (7, "保管人"),
        (7, "供应商"), (8, "购置日期"), (8, "单价"), (8, "数量"), (9, "数量"), (10, "保管人"), (11, "状态"),
        (12, "状态"), (13, "保管人"), (14, "资产名称"),
    }  # fmt: skip
    assert all(e.message for e in result.errors)
    assert Asset.objects.filter(campus=campus).count() == 1  # only the one that was there


def test_a_ledger_with_a_title_row_aliases_and_a_total_row(campus, keeper, setup):
    rows = [
        ["示范幼儿园资产台账（2024年）"],
        ["序号", "资产编号", "名称", "类别", "规格型号", "单位", "数量", "单价", "金额", "购置日期", "存放地点", "保管人",
         "状态", "备注"],
        [1, "WJ-1", "积木", "教玩具", "", "套", 2, 380, 760, 45536, "小一班活动室", "李晓燕", "在用", ""],
        [2, "WJ-2", "皮球", "教玩具", "", "个", 10, 15, 150, "2024.9.1", "物资仓库", "", "", ""],
        [3, None, None, None, None, None, None, None, None, None, None, None, None, None],
        [None, "合计", None, None, None, None, 12, None, 910, None, None, None, None, None],
        [None, None, "合 计：", None, None, None, 12, None, 910, None, None, None, None, None],
    ]  # fmt: skip
    result = run(campus, keeper, rows)
    assert result.ok, result.errors or result.file_error
    assert result.created == 2
    blocks = Asset.objects.get(tag="WJ-1")
    assert blocks.purchase_date == dt.date(2024, 9, 1)  # an Excel serial number
    assert Asset.objects.get(tag="WJ-2").purchase_date == dt.date(2024, 9, 1)


def test_our_own_ledger_export_imports_on_another_campus(campus, keeper, setup, other_campus, make_member):
    """The ledger layout is read back: a campus can move its register to another one."""
    for n in range(3):
        AssetFactory(campus=campus, tag=f"WJ-{n}", name="积木", category=setup["toys"], room=setup["room"],
                     quantity=5, price=Decimal("30"), custodian=setup["teacher"])  # fmt: skip
    response = login(keeper).get(
        reverse("assets:asset_list", kwargs={"campus": campus.code}) + "?export=ledger"
    )
    content = b"".join(response.streaming_content)
    other_keeper = make_member(Role.ASSET_KEEPER, on=other_campus, username="k2", real_name="李晓燕")
    AssetCategoryFactory(campus=other_campus, name="教玩具", kind=AssetCategory.Kind.LOW_VALUE)
    f.RoomFactory(campus=other_campus, name="小一班活动室", code="X1")
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = importers.asset_import(
        actor=other_keeper, campus=other_campus, file=SimpleUploadedFile("ledger.xlsx", content)
    )
    assert result.ok, result.errors or result.file_error
    assert sorted(Asset.objects.filter(campus=other_campus).values_list("tag", flat=True)) == [
        "WJ-0",
        "WJ-1",
        "WJ-2",
    ]


@pytest.mark.parametrize(
    "rows,message",
    [
        ([["姓名", "性别"], ["张三", "男"]], "No header row"),
        ([H], "no assets"),
        ([[*H, "颜色"], row(name="x", category="电子设备")], "Unknown columns"),
        ([[*H[:3], "名称"], ["A", "x", "电子设备", "y"]], "appears twice"),
    ],
)
def test_file_level_problems(campus, keeper, setup, rows, message):
    from django.utils import translation

    with translation.override("en"):
        result = run(campus, keeper, rows)
    assert message in result.file_error
    assert not Asset.objects.exists()


def test_not_an_xlsx_file(campus, keeper):
    from django.core.files.uploadedfile import SimpleUploadedFile

    result = importers.asset_import(
        actor=keeper, campus=campus, file=SimpleUploadedFile("a.xlsx", b"not excel")
    )
    assert result.file_error and not result.ok


def test_the_template_has_headers_lists_and_drop_downs(campus, setup):
    workbook = load_workbook(io.BytesIO(importers.asset_template(campus)))
    sheet = workbook["资产台账"]
    assert [c.value for c in sheet[1]] == H
    info = workbook["说明"]
    columns = {info.cell(row=1, column=c).value: [info.cell(row=r, column=c).value for r in range(2, 6)]
               for c in range(5, 8)}  # fmt: skip
    assert "电子设备" in next(v for k, v in columns.items() if "电子设备" in v)
    assert any("A101 小一班活动室" in v for v in columns.values())
    assert any("李晓燕" in v for v in columns.values())
    assert len(sheet.data_validations.dataValidation) == 4


def test_the_import_page(campus, keeper, setup):
    client = login(keeper)
    page = reverse("assets:asset_import", kwargs={"campus": campus.code})
    response = client.get(page)
    assert response.status_code == 200 and "电子设备" in response.content.decode()
    template = client.get(reverse("assets:asset_import_template", kwargs={"campus": campus.code}))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxml")
    bad = client.post(page, {"file": xlsx_upload([H, row(name="钢琴", category="家具")])})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert 'data-testid="import-errors"' in html and "家具" in html
    good = client.post(page, {"file": xlsx_upload([H, row(name="钢琴", category="电子设备")])})
    assert good.status_code == 302 and Asset.objects.filter(name="钢琴").exists()
