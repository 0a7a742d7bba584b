import datetime as dt
import io
import os
import urllib.parse
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.http import FileResponse
from openpyxl import load_workbook

from houqin.core.exports import XLSX_CONTENT_TYPE, xlsx_response
from houqin.core.models import Child
from tests import factories as f

pytestmark = pytest.mark.django_db  # closing a response fires request_finished, which touches the DB


def read_back(response):
    assert isinstance(response, FileResponse)
    path = response.file_to_stream.name
    assert os.path.exists(path)
    data = b"".join(response.streaming_content)
    response.close()
    assert not os.path.exists(path)  # the temporary file goes with the response
    return load_workbook(io.BytesIO(data))


def test_large_export_streams_and_reads_back():
    klass = SimpleNamespace(name="小一班", teacher=None)
    rows = (
        SimpleNamespace(
            no=i,
            name=f"幼儿{i}",
            school_class=klass,
            birth_date=dt.date(2021, 1, 1) + dt.timedelta(days=i % 365),
            fee=Decimal("12.50") * i,
            sex="M" if i % 2 else "F",
        )
        for i in range(1, 5001)
    )
    columns = [
        ("序号", "no"),
        ("姓名", "name"),
        ("班级", "school_class.name"),
        ("班主任", "school_class.teacher.real_name"),
        ("出生日期", "birth_date"),
        ("伙食费", "fee"),
        ("性别", lambda r: {"M": "男", "F": "女"}[r.sex]),
    ]
    response = xlsx_response(filename="幼儿名单 2026.xlsx", title="幼儿名单", columns=columns, rows=rows)

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    assert urllib.parse.unquote(disposition.split("filename*=utf-8''", 1)[1]) == "幼儿名单 2026.xlsx"
    assert int(response["Content-Length"]) > 0

    wb = read_back(response)
    ws = wb.active
    assert ws.title == "幼儿名单"
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["序号", "姓名", "班级", "班主任", "出生日期", "伙食费", "性别"]
    assert all(c.font.bold for c in ws[1])
    assert ws.max_row == 5001
    first = [c.value for c in ws[2]]
    assert first == [1, "幼儿1", "小一班", None, dt.datetime(2021, 1, 2), 12.5, "男"]
    assert ws.cell(row=2, column=5).is_date
    last = [c.value for c in ws[5001]]
    assert last[0] == 5000 and last[1] == "幼儿5000" and last[5] == 62500 and last[6] == "女"
    assert ws.column_dimensions["B"].width >= 8
    assert ws.column_dimensions["A"].width >= 6


def test_ascii_filename_and_extension_added():
    response = xlsx_response(
        filename="rooms", title="Rooms", columns=[("Name", "name")], rows=[{"name": "A"}]
    )
    assert 'filename="rooms.xlsx"' in response["Content-Disposition"]
    ws = read_back(response).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["Name"], ["A"]]


def test_value_conversion():
    from django.utils import timezone

    aware = timezone.make_aware(dt.datetime(2026, 3, 1, 8, 30))  # Asia/Shanghai
    rows = [
        {
            "when": aware.astimezone(dt.UTC),
            "flag": True,
            "formula": '=HYPERLINK("http://evil")',
            "tags": ["花生", "牛奶"],
            "ctrl": "a\x01b",
            "time": dt.time(7, 45),
        }
    ]
    columns = [
        ("时间", "when"),
        ("是否", "flag"),
        ("备注", "formula"),
        ("过敏", "tags"),
        ("文本", "ctrl"),
        ("到园", "time"),
    ]
    ws = read_back(xlsx_response(filename="x", title="a/b:c*?[d]" * 5, columns=columns, rows=rows)).active
    values = [c.value for c in ws[2]]
    assert values[0] == dt.datetime(2026, 3, 1, 8, 30)  # local wall-clock time
    assert values[1] in ("Yes", "是")
    assert values[2] == '=HYPERLINK("http://evil")'
    assert ws.cell(row=2, column=3).data_type == "s"  # text, not a formula
    assert values[3] == "花生、牛奶"
    assert values[4] == "ab"
    assert values[5] == dt.time(7, 45)
    assert len(ws.title) <= 31 and not set("/:*?[]") & set(ws.title)


def test_empty_rows():
    ws = read_back(xlsx_response(filename="空", title="空", columns=[("A", "a"), ("B", "b")], rows=[])).active
    assert [c.value for c in ws[1]] == ["A", "B"]
    assert ws.max_row == 1


def test_queryset_iterator(campus):
    klass = f.SchoolClassFactory(campus=campus, name="大一班")
    for name in ("张小明", "李思琪", "王子涵"):
        f.ChildFactory(campus=campus, school_class=klass, name=name)
    qs = Child.objects.filter(campus=campus).select_related("school_class").order_by("name")
    response = xlsx_response(
        filename="幼儿.xlsx",
        title="幼儿",
        columns=[("姓名", "name"), ("班级", "school_class.name"), ("性别", lambda c: c.get_sex_display())],
        rows=qs.iterator(chunk_size=2000),
    )
    ws = read_back(response).active
    assert sorted(r[0] for r in ws.iter_rows(min_row=2, values_only=True)) == ["张小明", "李思琪", "王子涵"]
    assert {r[1] for r in ws.iter_rows(min_row=2, values_only=True)} == {"大一班"}
