"""Children Excel import: all or nothing, every bad row reported."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from houqin.core.importers import CHILD_HEADERS, children_import, parse_date
from houqin.core.models import AuditEvent, Child, Guardian
from houqin.core.validators import id_check_digit
from tests import factories as f

pytestmark = pytest.mark.django_db


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def id_number(birth="20220315", seq="001"):
    first17 = "110101" + birth + seq
    return first17 + id_check_digit(first17)


def xlsx(rows, headers=CHILD_HEADERS, name="children.xlsx"):
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(list(headers))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def row(name="张小明", sex="男", birth=dt.datetime(2022, 3, 15), cls="小一班", no="", idn="", enrolled="2025-09-01",
        allergies="", diet="", g1=("张建国", "父亲", "13912345678"), g2=("", "", "")):
    return [name, sex, birth, cls, no, idn, enrolled, allergies, diet, *g1, *g2]


@pytest.fixture
def classes(campus):
    return {
        "小一班": f.SchoolClassFactory(campus=campus, name="小一班"),
        "中一班": f.SchoolClassFactory(campus=campus, name="中一班", grade="middle"),
        "旧班": f.SchoolClassFactory(campus=campus, name="旧班", is_active=False),
    }


GOOD_ROWS = [
    row(no="2025001", idn=id_number(), allergies="花生"),
    row(name="李思琪", sex="女", birth="2021-11-02", cls="中一班", no="2025002", enrolled=dt.datetime(2024, 9, 1),
        diet="清真", g1=("李强", "爸爸", 13800138000), g2=("王芳", "外婆", "0571-88886666")),
    row(name="王子涵", sex="男", birth="2022/1/5", no=None, allergies="无", g1=("王敏", "母亲", "139 0000 1111")),
]


def test_good_file_imports_every_row(campus, classes, member):
    result = children_import(actor=member, campus=campus, file=xlsx(GOOD_ROWS))
    assert result.ok, (result.file_error, result.errors)
    assert result.created == 3 and result.rows == 3
    children = {c.name: c for c in Child.objects.filter(campus=campus)}
    assert set(children) == {"张小明", "李思琪", "王子涵"}
    zhang, li, wang = children["张小明"], children["李思琪"], children["王子涵"]
    assert zhang.sex == "M" and zhang.birth_date == dt.date(2022, 3, 15) and zhang.id_number == id_number()
    assert zhang.school_class == classes["小一班"] and zhang.allergies == "花生" and zhang.enrolled_on == dt.date(2025, 9, 1)
    assert li.sex == "F" and li.birth_date == dt.date(2021, 11, 2) and li.school_class == classes["中一班"]
    assert li.enrolled_on == dt.date(2024, 9, 1) and li.special_diet == "清真"
    assert wang.birth_date == dt.date(2022, 1, 5) and wang.allergies == "" and wang.student_no == ""
    li_guardians = list(li.guardians.order_by("id"))
    assert [(g.name, g.relation, g.phone, g.is_primary) for g in li_guardians] == [
        ("李强", "father", "13800138000", True),
        ("王芳", "grandmother", "0571-88886666", False),
    ]
    assert wang.guardians.get().phone == "13900001111"
    assert zhang.name_pinyin.startswith("zhangxiaoming")
    # One audit event per child plus the summary.
    assert AuditEvent.objects.filter(action="import", actor=member, campus=campus).count() == 3
    event = AuditEvent.objects.get(action="import", object_id=str(li.pk))
    assert [g["name"] for g in event.after["guardians"]] == ["李强", "王芳"]
    summary = AuditEvent.objects.get(action="children_import")
    assert summary.after["children"] == 3 and summary.campus_id == campus.pk


def test_file_with_three_bad_rows_imports_nothing(campus, classes, member):
    rows = [
        GOOD_ROWS[0],
        row(name="错一", sex="男孩子", birth="2022-02-30", no="A1"),  # row 3: sex, birth
        GOOD_ROWS[1],
        row(name="错二", cls="大九班", no="A1", g1=("某人", "叔叔", "12345")),  # row 5: class, dup no, relation, phone
        row(name="", idn=id_number(seq="002")[:-1] + "0", g1=("", "", "")),  # row 6: name, ID, guardian 1
    ]
    if rows[4][5][-1] == id_number(seq="002")[-1]:
        rows[4][5] = rows[4][5][:-1] + "1"
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert not result.ok
    assert result.created == 0
    assert Child.objects.filter(campus=campus).count() == 0
    assert Guardian.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["import", "children_import"]).exists()
    found = {(e.row, e.column) for e in result.errors}
    assert {(3, "性别"), (3, "出生日期")} <= found
    assert {(5, "班级"), (5, "学号"), (5, "监护人1关系"), (5, "监护人1电话")} <= found
    assert {(6, "姓名"), (6, "身份证号"), (6, "监护人1姓名"), (6, "监护人1电话")} <= found
    assert {e.row for e in result.errors} == {3, 5, 6}
    dup = next(e for e in result.errors if e.row == 5 and e.column == "学号")
    assert "3" in dup.message  # points at the first row holding the number


def test_view_reports_every_bad_row(member_client, campus, classes):
    rows = [GOOD_ROWS[0], row(name="错一", sex="X"), row(name="错二", cls="不存在"), row(name="错三", birth="昨天")]
    response = member_client.post(url("core:child_import", campus), {"file": xlsx(rows)})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="import-errors"' in body
    cells = re.findall(r"<tr><td class=\"text-nowrap\">(\d+)</td><td class=\"text-nowrap\">([^<]+)</td>", body)
    assert {(int(r), c) for r, c in cells} == {(3, "性别"), (4, "班级"), (5, "出生日期")}
    assert Child.objects.filter(campus=campus).count() == 0


def test_view_imports_good_file_and_reports_count(member_client, campus, classes):
    response = member_client.post(url("core:child_import", campus), {"file": xlsx(GOOD_ROWS)}, follow=True)
    assert response.redirect_chain[-1][0] == url("core:child_list", campus)
    messages = [str(m) for m in response.context["messages"]]
    assert any("3" in m for m in messages)
    assert Child.objects.filter(campus=campus).count() == 3


def test_duplicate_student_numbers_in_file_and_db(campus, classes, member):
    f.ChildFactory(campus=campus, school_class=classes["小一班"], student_no="2025001")
    rows = [row(no="2025001"), row(name="乙", no="2025005"), row(name="丙", no="2025005")]
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert {(e.row, e.column) for e in result.errors} == {(2, "学号"), (4, "学号")}
    assert Child.objects.filter(campus=campus).count() == 1


def test_same_student_number_on_another_campus_is_fine(campus, classes, member, other_campus):
    f.ChildFactory(campus=other_campus, student_no="2025001")
    assert children_import(actor=member, campus=campus, file=xlsx([row(no="2025001")])).ok


def test_id_number_checks(campus, classes, member):
    good = id_number(seq="003")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    rows = [
        row(idn=bad),
        row(name="乙", idn=id_number(birth="20210101", seq="004")),  # does not match the birth date
        row(name="丙", idn=int(good[:17] + "0") if good[-1].isdigit() else 110101202203150031),  # numeric cell
        row(name="丁", idn=good.lower()),
        row(name="戊", idn=good),  # duplicate of row 5
    ]
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert {(e.row, e.column) for e in result.errors} == {(2, "身份证号"), (3, "身份证号"), (4, "身份证号"), (6, "身份证号")}


def test_inactive_class_and_future_birth_refused(campus, classes, member):
    rows = [row(cls="旧班"), row(name="乙", birth=dt.datetime(2099, 1, 1))]
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert {(e.row, e.column) for e in result.errors} == {(2, "班级"), (3, "出生日期")}


def test_second_guardian_half_filled(campus, classes, member):
    result = children_import(actor=member, campus=campus, file=xlsx([row(g2=("王芳", "", ""))]))
    assert {(e.row, e.column) for e in result.errors} == {(2, "监护人2关系"), (2, "监护人2电话")}


def test_not_an_xlsx_file(campus, classes, member, member_client):
    fake = SimpleUploadedFile("children.xlsx", "姓名,性别\n张三,男\n".encode(), content_type="text/csv")
    result = children_import(actor=member, campus=campus, file=fake)
    assert result.file_error and "xlsx" in result.file_error
    fake.seek(0)
    response = member_client.post(url("core:child_import", campus), {"file": fake})
    assert response.status_code == 200
    assert 'data-testid="file-error"' in response.content.decode()
    assert Child.objects.count() == 0


def test_empty_and_header_only_files(campus, classes, member):
    empty = children_import(actor=member, campus=campus, file=xlsx([], headers=None))
    assert empty.file_error
    header_only = children_import(actor=member, campus=campus, file=xlsx([]))
    assert header_only.file_error
    zero = children_import(actor=member, campus=campus, file=SimpleUploadedFile("x.xlsx", b""))
    assert zero.file_error


def test_wrong_headers(campus, classes, member):
    result = children_import(actor=member, campus=campus, file=xlsx([["a", "b"]], headers=["name", "sex"]))
    assert result.file_error and "姓名" in result.file_error
    headers = [*CHILD_HEADERS[:-1], "备注"]
    result = children_import(actor=member, campus=campus, file=xlsx([row()], headers=headers))
    assert result.file_error and "备注" in result.file_error
    # Required markers and stray spaces in headers are tolerated.
    headers = [h + "*" if i < 4 else f" {h} " for i, h in enumerate(CHILD_HEADERS)]
    assert children_import(actor=member, campus=campus, file=xlsx([row()], headers=headers)).ok


def test_optional_columns_may_be_left_out(campus, classes, member):
    headers = ["姓名", "性别", "出生日期", "班级", "监护人1姓名", "监护人1关系", "监护人1电话"]
    result = children_import(
        actor=member, campus=campus, file=xlsx([["赵六", "女", "2022-05-06", "小一班", "赵父", "其他", "13600001111"]], headers=headers)
    )
    assert result.ok and result.created == 1


def test_template_download_and_round_trip(member_client, campus, classes, member):
    response = member_client.get(url("core:child_import_template", campus))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]] == CHILD_HEADERS
    assert CHILD_HEADERS == [
        "姓名", "性别", "出生日期", "班级", "学号", "身份证号", "入园日期", "过敏", "特殊饮食",
        "监护人1姓名", "监护人1关系", "监护人1电话", "监护人2姓名", "监护人2关系", "监护人2电话",
    ]
    class_list = [c.value for c in wb.worksheets[1]["E"][1:]]
    assert "小一班" in class_list and "旧班" not in class_list
    # Fill the downloaded template and upload it.
    for values in GOOD_ROWS:
        sheet.append(values)
    out = io.BytesIO()
    wb.save(out)
    upload = SimpleUploadedFile("filled.xlsx", out.getvalue())
    result = children_import(actor=member, campus=campus, file=upload)
    assert result.ok, result.errors
    assert result.created == 3


def test_import_page_renders(member_client, campus, classes):
    response = member_client.get(url("core:child_import", campus))
    assert response.status_code == 200
    body = response.content.decode()
    assert url("core:child_import_template", campus) in body
    assert "小一班" in body


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2022-03-05", dt.date(2022, 3, 5)),
        ("2022/3/5", dt.date(2022, 3, 5)),
        ("2022.03.05", dt.date(2022, 3, 5)),
        ("2022年3月5日", dt.date(2022, 3, 5)),
        ("20220305", dt.date(2022, 3, 5)),
        (20220305, dt.date(2022, 3, 5)),
        (44625, dt.date(2022, 3, 5)),
        (dt.datetime(2022, 3, 5, 0, 0), dt.date(2022, 3, 5)),
        (None, None),
        ("", None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["昨天", "2022-13-01", "2022-02-30", "05/03/2022"])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value)


def test_large_import(campus, classes, member):
    rows = [row(name=f"孩子{i}", no=f"N{i:04d}", g1=("家长", "母亲", f"139{i:08d}")) for i in range(150)]
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert result.ok and result.created == 150
    assert Guardian.objects.filter(campus=campus).count() == 150


def test_row_numbers_follow_excel_with_empty_rows(campus, classes, member):
    rows = [row(), [None] * 15, [None] * 15, row(name="错", sex="?")]
    result = children_import(actor=member, campus=campus, file=xlsx(rows))
    assert [(e.row, e.column) for e in result.errors] == [(5, "性别")]
    assert result.rows == 2
