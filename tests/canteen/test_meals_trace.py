"""The traceability report of a meal (追溯) on a constructed scenario: dish → batch →
receiving → supplier → certificate (valid on the day?) → pesticide test → sample → staff
on duty (certificate, morning check) → findings; screen, print, API, query bounds."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from houqin.canteen.meals_trace import trace_report
from houqin.canteen.models import CertificateKind, Menu
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() - dt.timedelta(days=1)


def _dish(campus, name, ingredients):
    dish = f.DishFactory(campus=campus, name=name)
    out = []
    for ingredient_name in ingredients:
        ingredient = f.IngredientFactory(campus=campus, name=ingredient_name)
        f.DishIngredientFactory(campus=campus, dish=dish, ingredient=ingredient)
        out.append(ingredient)
    return dish, out


def build_scenario(campus):
    menu = f.MenuFactory(campus=campus, week_start=DAY - dt.timedelta(days=DAY.weekday()),
                         status=Menu.Status.PUBLISHED)  # fmt: skip
    greens, (greens_i,) = _dish(campus, "清炒青菜", ["青菜"])
    eggs, (tomato_i, egg_i) = _dish(campus, "番茄炒蛋", ["番茄", "鸡蛋"])
    f.MenuItemFactory(campus=campus, menu=menu, date=DAY, meal="lunch", dish=greens)
    f.MenuItemFactory(campus=campus, menu=menu, date=DAY, meal="lunch", dish=eggs)
    draft = f.MenuFactory(campus=campus, week_start=menu.week_start, age_group="1-3")  # a draft: not served
    f.MenuItemFactory(
        campus=campus, menu=draft, date=DAY, meal="lunch", dish=f.DishFactory(campus=campus, name="草稿菜")
    )

    veg_supplier = f.FoodSupplierFactory(campus=campus).supplier
    f.SupplierCertificateFactory(campus=campus, supplier=veg_supplier, kind=CertificateKind.BUSINESS_LICENCE,
                                 number="BL-VEG")  # fmt: skip
    f.SupplierCertificateFactory(
        campus=campus,
        supplier=veg_supplier,
        kind=CertificateKind.FOOD_OPERATION_LICENCE,
        number="JY-OLD",
        issued_on=DAY - dt.timedelta(days=800),
        expires_on=DAY - dt.timedelta(days=3),
    )  # expired before the day
    egg_supplier = f.FoodSupplierFactory(campus=campus).supplier
    for kind, number in (
        (CertificateKind.BUSINESS_LICENCE, "BL-EGG"),
        (CertificateKind.FOOD_OPERATION_LICENCE, "JY-EGG"),
    ):
        f.SupplierCertificateFactory(campus=campus, supplier=egg_supplier, kind=kind, number=number)

    receiving = f.ReceivingFactory(campus=campus, supplier=veg_supplier, status="confirmed", with_lines=False,
                                   number="JH-TRACE-1")  # fmt: skip
    greens_batch = f.FoodBatchFactory(campus=campus, name="青菜", ingredient=greens_i, supplier=veg_supplier,
                                      number="PC-GREENS", best_before=DAY + dt.timedelta(days=2))  # fmt: skip
    f.ReceivingLineFactory(campus=campus, receiving=receiving, name="青菜", batch=greens_batch)
    egg_batch = f.FoodBatchFactory(
        campus=campus,
        name="鸡蛋",
        ingredient=egg_i,
        supplier=egg_supplier,
        number="PC-EGG",
        best_before=DAY - dt.timedelta(days=1),
    )  # expired on the day
    dinner_batch = f.FoodBatchFactory(campus=campus, name="猪肉", supplier=egg_supplier, number="PC-DINNER")
    pending_batch = f.FoodBatchFactory(campus=campus, name="番茄", ingredient=tomato_i, supplier=egg_supplier,
                                       number="PC-PENDING")  # fmt: skip

    lunch = f.StockOutFactory(campus=campus, date=DAY, meal="lunch", status="confirmed", with_lines=False,
                              number="CK-TRACE-1")  # fmt: skip
    f.StockOutLineFactory(campus=campus, stock_out=lunch, batch=greens_batch, quantity=Decimal("3"))
    f.StockOutLineFactory(campus=campus, stock_out=lunch, batch=egg_batch, quantity=Decimal("1.5"))
    dinner = f.StockOutFactory(campus=campus, date=DAY, meal="dinner", status="confirmed", with_lines=False)
    f.StockOutLineFactory(campus=campus, stock_out=dinner, batch=dinner_batch)
    pending = f.StockOutFactory(campus=campus, date=DAY, meal="lunch", status="pending", with_lines=False)
    f.StockOutLineFactory(campus=campus, stock_out=pending, batch=pending_batch)

    f.PesticideTestFactory(campus=campus, batch=greens_batch, date=DAY, inhibition_pct=Decimal("12.5"))
    fridge = f.FridgeFactory(campus=campus, name="留样冰箱A")
    f.FoodSampleFactory(
        campus=campus, date=DAY, meal="lunch", dish=greens, fridge=fridge, weight_g=Decimal("130")
    )

    fit = f.KitchenStaffFactory(campus=campus, name="冯德明")
    f.HealthCertificateFactory(campus=campus, staff=fit, number="JKZ-OK")
    f.KitchenDutyFactory(campus=campus, staff=fit, date=DAY, post="烹饪")
    f.StaffMorningCheckFactory(campus=campus, staff=fit, date=DAY)
    lapsed = f.KitchenStaffFactory(campus=campus, name="帮厨甲")
    f.HealthCertificateFactory(campus=campus, staff=lapsed, number="JKZ-OLD", issued_on=DAY - dt.timedelta(days=400),
                               valid_until=DAY - dt.timedelta(days=35))  # fmt: skip
    f.KitchenDutyFactory(campus=campus, staff=lapsed, date=DAY, post="切配")
    removed = f.KitchenStaffFactory(campus=campus, name="已调离")
    f.KitchenDutyFactory(
        campus=campus, staff=removed, date=DAY, removed_at=timezone.now(), removed_reason="发热"
    )
    f.CompanionMealFactory(campus=campus, date=DAY, meal="lunch", companion_name="王丽华")
    return {"greens": greens, "eggs": eggs, "greens_batch": greens_batch, "egg_batch": egg_batch,
            "veg_supplier": veg_supplier, "egg_supplier": egg_supplier}  # fmt: skip


def test_report_traces_the_meal(campus):
    s = build_scenario(campus)
    report = trace_report(campus, DAY, "lunch")
    dishes = {d["dish"].name: d for d in report["dishes"]}
    assert set(dishes) == {"清炒青菜", "番茄炒蛋"}  # the draft menu's dish was not served
    assert [b["batch"].number for b in dishes["清炒青菜"]["batches"]] == ["PC-GREENS"]
    assert [b["batch"].number for b in dishes["番茄炒蛋"]["batches"]] == ["PC-EGG"]
    batches = {b["batch"].number: b for b in report["batches"]}
    assert set(batches) == {"PC-GREENS", "PC-EGG"}  # not the dinner's, not the pending stock-out's
    greens = batches["PC-GREENS"]
    assert greens["issued"] == Decimal("3") and greens["stock_outs"] == ["CK-TRACE-1"]
    assert greens["receiving"].number == "JH-TRACE-1"
    assert [t.inhibition_pct for t in greens["tests"]] == [Decimal("12.5")]
    assert not greens["expired"] and batches["PC-EGG"]["expired"]
    suppliers = {row["supplier"].pk: row for row in report["suppliers"]}
    certs = {c["cert"].number: c["valid"] for c in suppliers[s["veg_supplier"].pk]["certificates"]}
    assert certs == {"BL-VEG": True, "JY-OLD": False}
    assert suppliers[s["veg_supplier"].pk]["problems"]
    assert not suppliers[s["egg_supplier"].pk]["problems"]
    assert [x.dish.name for x in dishes["清炒青菜"]["samples"]] == ["清炒青菜"]
    assert dishes["番茄炒蛋"]["samples"] == []
    staff = {r["staff"].name: r for r in report["staff"]}
    assert set(staff) == {"冯德明", "帮厨甲"}
    assert staff["冯德明"]["certificate_valid"] and staff["冯德明"]["check"].is_fit
    assert not staff["帮厨甲"]["certificate_valid"] and staff["帮厨甲"]["check"] is None
    assert [c.companion_name for c in report["companions"]] == ["王丽华"]
    findings = " | ".join(report["findings"])
    assert "JY-OLD" in findings  # the expired licence
    assert gettext("No sample (留样) was kept of %(dish)s.") % {"dish": "番茄炒蛋"} in report["findings"]
    assert (
        gettext("%(name)s was on duty without a valid health certificate.") % {"name": "帮厨甲"}
        in report["findings"]
    )
    assert (
        gettext("%(name)s has no morning check on record for the day.") % {"name": "帮厨甲"}
        in report["findings"]
    )
    assert (
        gettext("Batch %(batch)s has no receiving record.") % {"batch": s["egg_batch"]} in report["findings"]
    )
    assert "PC-EGG" in findings and "冯德明" not in findings


def test_positive_test_and_empty_meal(campus):
    s = build_scenario(campus)
    f.PesticideTestFactory(campus=campus, batch=s["greens_batch"], date=DAY, inhibition_pct=Decimal("62"),
                           result="positive")  # fmt: skip
    report = trace_report(campus, DAY, "lunch")
    assert any("62" in x for x in report["findings"])
    empty = trace_report(campus, DAY, "breakfast")
    assert empty["dishes"] == [] and empty["batches"] == []
    assert (
        gettext("No published menu serves this meal: the dishes served are not on record.")
        in empty["findings"]
    )


def test_report_queries_are_bounded(campus):
    build_scenario(campus)
    trace_report(campus, DAY, "lunch")
    with CaptureQueriesContext(connection) as small:
        trace_report(campus, DAY, "lunch")
    # more dishes, batches, suppliers, tests, samples and staff
    menu = Menu.objects.get(campus=campus, status="published")
    stock_out = f.StockOutFactory(campus=campus, date=DAY, meal="lunch", status="confirmed", with_lines=False)
    for n in range(6):
        dish, (ingredient,) = _dish(campus, f"菜{n}", [f"料{n}"])
        f.MenuItemFactory(campus=campus, menu=menu, date=DAY, meal="lunch", dish=dish)
        batch = f.FoodBatchFactory(campus=campus, name=f"料{n}", ingredient=ingredient)
        f.SupplierCertificateFactory(campus=campus, supplier=batch.supplier)
        f.StockOutLineFactory(campus=campus, stock_out=stock_out, batch=batch)
        f.PesticideTestFactory(campus=campus, batch=batch, date=DAY)
        f.FoodSampleFactory(campus=campus, date=DAY, meal="lunch", dish=dish)
        person = f.KitchenStaffFactory(campus=campus)
        f.HealthCertificateFactory(campus=campus, staff=person)
        f.KitchenDutyFactory(campus=campus, staff=person, date=DAY)
    with CaptureQueriesContext(connection) as big:
        report = trace_report(campus, DAY, "lunch")
    assert len(report["dishes"]) == 8 and len(report["batches"]) == 8
    assert len(big) == len(small), "\n".join(q["sql"][:150] for q in big.captured_queries)


def test_pages_print_and_permissions(campus, other_campus, member, make_member, client):
    build_scenario(campus)
    client.force_login(member)
    url = reverse("canteen:meals_trace", kwargs={"campus": campus.code})
    assert client.get(url).status_code == 200
    page = client.get(url, {"date": DAY.isoformat(), "meal": "lunch"}).content.decode()
    assert "PC-GREENS" in page and "JH-TRACE-1" in page and "JKZ-OLD" in page and "trace-print" in page
    printed = client.get(reverse("canteen:meals_trace_print", kwargs={"campus": campus.code}),
                         {"date": DAY.isoformat(), "meal": "lunch"}).content.decode()  # fmt: skip
    assert "PC-EGG" in printed and "window.print" in printed
    assert login(make_member(Role.COOK)).get(url).status_code == 403
    assert login(make_member(Role.HEALTH_TEACHER)).get(url).status_code == 200
    assert login(make_member(Role.PRINCIPAL, on=other_campus)).get(url).status_code == 404
    # another campus's report holds none of this campus's rows
    other = trace_report(other_campus, DAY, "lunch")
    assert other["dishes"] == [] and other["batches"] == [] and other["staff"] == []
