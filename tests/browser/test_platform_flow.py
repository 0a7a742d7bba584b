"""Log in, switch campus, import children from an .xlsx, screenshot the dashboard on a phone."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.core.models import Child
from houqin.core.roles import Role
from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["姓名", "性别", "出生日期", "班级", "学号", "身份证号", "入园日期", "过敏", "特殊饮食",
           "监护人1姓名", "监护人1关系", "监护人1电话", "监护人2姓名", "监护人2关系", "监护人2电话"]


def make_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(["王小丫", "女", "2022-03-04", "小一班", "S001", "", "2025-09-01", "花生", "", "王大山", "父亲", "13912345678", "", "", ""])
    ws.append(["赵一鸣", "男", "2022-05-18", "小一班", "S002", "", "2025-09-01", "", "清真", "李梅", "母亲", "13887654321", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def test_login_switch_import_dashboard(live_server, page, artifacts, tmp_path):
    with scopes_disabled():
        org = f.OrganizationFactory(code="bt-group", name="示范教育集团")
        main = f.CampusFactory(organization=org, code="bt-main", name="示范幼儿园总园")
        west = f.CampusFactory(organization=org, code="bt-west", name="示范幼儿园西区分园")
        user = f.UserFactory(username="yuanzhang", real_name="王园长")
        f.MembershipFactory(user=user, campus=main, role=Role.PRINCIPAL)
        f.MembershipFactory(user=user, campus=west, role=Role.PRINCIPAL)
        f.SchoolClassFactory(campus=main, name="小一班")

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "yuanzhang")
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    # Two campuses: the chooser.
    page.click(f"text={main.name}")
    page.wait_for_url(f"**/c/{main.code}/")

    # Switch to the other campus and back.
    page.click("[data-testid=campus-switcher] >> visible=true")
    page.click(f".dropdown-menu.show >> text={west.name}")
    page.wait_for_url(f"**/c/{west.code}/")
    page.click("[data-testid=campus-switcher] >> visible=true")
    page.click(f".dropdown-menu.show >> text={main.name}")
    page.wait_for_url(f"**/c/{main.code}/")

    # Import children.
    xlsx = tmp_path / "children.xlsx"
    make_xlsx(xlsx)
    page.goto(live_server.url + reverse("core:child_import", kwargs={"campus": main.code}))
    page.set_input_files("input[type=file]", str(xlsx))
    page.click("form [type=submit]")
    page.wait_for_load_state()
    assert "2" in page.content()
    with scopes_disabled():
        assert set(Child.objects.filter(campus=main).values_list("name", flat=True)) == {"王小丫", "赵一鸣"}

    # The dashboard at phone width.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + f"/c/{main.code}/")
    page.wait_for_selector("[data-testid=attention]")
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, f"page is {width}px wide at a 375px viewport"
