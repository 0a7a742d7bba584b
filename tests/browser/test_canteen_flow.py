"""Issue 5 as a new user walks it: the canteen head registers a designated food supplier with
its licences, records a delivery (one line rejected) that a cook confirms, the food store
shows the new batch; cook and keeper sign a stock-out for lunch on their phones; the health
teacher builds this week's 4–6 y menu by hand, reads its analysis and publishes it to the
public page; the cook keeps a 125 g sample that cannot be disposed of before 48 h; the
traceability report of today's lunch shows dish → batch → supplier → sample, and prints."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from houqin.canteen import nutrition_services
from houqin.canteen.models import (
    AgeGroup,
    Dish,
    FoodBatch,
    FoodSample,
    FoodSupplier,
    Ingredient,
    MealKind,
    Menu,
    Receiving,
    StockOut,
    SupplierCertificate,
)
from houqin.core.roles import Role
from tests import factories as f
from tests.canteen.nutrition_helpers import dish, egg, rice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUPPLIER = "绿源蔬菜配送"
GREENS = "清炒青菜"


@pytest.fixture
def open_as(browser, live_server):
    """A logged-in page per user: 1280 px at the desk, 375 px (touch) on a phone."""
    contexts = []

    def make(username, phone=False):
        if phone:
            viewport, extra = {"width": 375, "height": 780}, {"has_touch": True, "is_mobile": True}
        else:
            viewport, extra = {"width": 1280, "height": 900}, {}
        context = browser.new_context(locale="zh-CN", viewport=viewport, **extra)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            page.goto(live_server.url + "/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", f.DEFAULT_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def messages(page):
    return page.locator(".hq-messages").inner_text()


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def test_supplier_to_traceability(live_server, open_as, artifacts):
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    with scopes_disabled():
        campus = f.CampusFactory(code="ct-main", name="示范幼儿园总园")
        for username, real_name, role in (
            ("shitang", "王建国", Role.CANTEEN_HEAD),
            ("chushi", "李大厨", Role.COOK),
            ("baojian", "周慧", Role.HEALTH_TEACHER),
        ):
            user = f.UserFactory(username=username, real_name=real_name)
            f.MembershipFactory(user=user, campus=campus, role=role)
        greens = f.IngredientFactory(campus=campus, name="青菜", food_group=Ingredient.FoodGroup.VEGETABLE)
        r, e = rice(campus), egg(campus)
        greens_dish = dish(campus, GREENS, [(greens, D("80"))], category=Dish.Category.SIDE)
        rice_dish = dish(campus, "米饭", [(r, D("60"))], category=Dish.Category.STAPLE)
        egg_dish = dish(campus, "蒸蛋", [(e, D("40"))])
        # Rice already in the store from an earlier delivery of another supplier.
        f.FoodBatchFactory(campus=campus, name="大米", ingredient=r, number="PC-2026-00900",
                           best_before=today + dt.timedelta(days=90))  # fmt: skip
        fridge = f.FridgeFactory(campus=campus, name="留样冰箱")
    base = live_server.url
    url = lambda name, **kw: base + reverse(name, kwargs={"campus": campus.code, **kw})  # noqa: E731

    # 1. The canteen head registers the designated supplier, then its two licences.
    head = open_as("shitang")
    head.goto(url("canteen:supply_supplier_list"))
    head.get_by_role("link", name=_("New food supplier")).click()
    head.fill("#id_name", SUPPLIER)
    head.fill("#id_contact", "陈师傅")
    head.fill("#id_phone", "13800001234")
    head.fill("#id_credit_code", "91330100MA2H3XYB8K")
    assert head.is_checked("#id_is_designated")
    head.check("input[name=categories][value=vegetable]")
    submit(head, "form.card button[type=submit]")
    with scopes_disabled():
        profile = FoodSupplier.objects.select_related("supplier").get(campus=campus, supplier__name=SUPPLIER)
        assert profile.is_designated and profile.category_list == ["vegetable"]
    supplier = profile.supplier
    supplier_url = url("canteen:supply_supplier_detail", pk=profile.pk)
    assert head.url.startswith(supplier_url)
    assert head.locator("[data-testid=certificate-problems]").is_visible()  # no licence yet
    for kind, number, years in (
        ("business_licence", "91330100MA2H3XYB8K", 5),
        ("food_operation_licence", "JY13301000012345", 2),
    ):
        head.goto(supplier_url)
        head.click("[data-testid=certificates] .card-actions a")
        assert head.locator("#id_supplier").input_value() == str(supplier.pk)
        head.select_option("#id_kind", kind)
        head.fill("#id_number", number)
        head.fill("#id_issued_on", (today - dt.timedelta(days=200)).isoformat())
        head.fill("#id_expires_on", (today + dt.timedelta(days=365 * years)).isoformat())
        submit(head, "form.card button[type=submit]")
        assert _("Saved.") in messages(head)
    with scopes_disabled():
        assert SupplierCertificate.objects.filter(supplier=supplier, is_void=False).count() == 2
    head.goto(supplier_url)
    assert head.locator("[data-testid=certificate-problems]").count() == 0
    assert head.locator("[data-testid=certificates-ok]").is_visible()
    assert head.locator("[data-testid=certificates] tbody tr").count() == 2
    head.screenshot(path=str(artifacts / "canteen-supplier.png"), full_page=True)

    # 2. A delivery of two lines; the tomatoes fail the sensory check and are rejected.
    cook = open_as("chushi")
    cook.goto(url("canteen:supply_batch_list"))
    rows_before = cook.locator("[data-testid=object-table] tbody tr").count()
    assert rows_before == 1  # the rice

    head.goto(url("canteen:supply_receiving_list"))
    head.get_by_role("link", name=_("Record a delivery")).click()
    head.wait_for_selector("[data-testid=receiving-form]")
    head.select_option("#id_supplier", label=SUPPLIER)
    head.fill("#id_delivery_note_no", "SH-20261121-01")
    head.select_option("#id_lines-0-ingredient", str(greens.pk))
    head.fill("#id_lines-0-name", "青菜")
    head.fill("#id_lines-0-quantity", "20")
    head.fill("#id_lines-0-unit_price", "4.50")
    head.fill("#id_lines-0-shelf_life_days", "3")
    head.check("#id_lines-0-is_fresh_produce")
    head.fill("#id_lines-1-name", "西红柿")
    head.fill("#id_lines-1-quantity", "8")
    head.fill("#id_lines-1-unit_price", "6.00")
    head.check("#id_lines-1-is_fresh_produce")
    head.uncheck("#id_lines-1-appearance_ok")
    head.uncheck("#id_lines-1-smell_ok")
    head.select_option("#id_lines-1-result", "rejected")
    head.fill("#id_lines-1-reject_reason", "部分腐烂，有异味")
    submit(head, "[data-testid=save]")
    with scopes_disabled():
        receiving = Receiving.objects.get(campus=campus, supplier=supplier)
        assert receiving.status == Receiving.Status.PENDING and receiving.lines.count() == 2
    assert receiving.number in messages(head)
    assert head.locator("[data-testid=needs-second-signer]").is_visible()
    assert head.locator("[data-testid=confirm-button]").count() == 0  # not by the recorder

    # The cook confirms as the second signer; only the accepted line enters the store.
    cook.goto(url("canteen:supply_receiving_detail", pk=receiving.pk))
    submit(cook, "[data-testid=confirm-button]")
    assert _("Confirmed: the accepted food is now in the store.") in messages(cook)
    assert cook.locator("[data-testid=rejected]").count() == 1
    assert "部分腐烂，有异味" in cook.locator("[data-testid=receiving-lines]").inner_text()
    with scopes_disabled():
        receiving.refresh_from_db()
        assert receiving.status == Receiving.Status.CONFIRMED
        assert receiving.recorded_by.username == "shitang" and receiving.confirmed_by.username == "chushi"
        batch = FoodBatch.objects.get(supplier=supplier)
        assert (batch.name, batch.ingredient_id, batch.quantity_on_hand) == ("青菜", greens.pk, D("20"))
    cook.screenshot(path=str(artifacts / "canteen-receiving.png"), full_page=True)
    cook.goto(url("canteen:supply_batch_list"))
    rows = cook.locator("[data-testid=object-table] tbody tr")
    assert rows.count() == rows_before + 1
    new_rows = rows.filter(has_text=batch.number)
    assert new_rows.count() == 1 and SUPPLIER in new_rows.inner_text()
    assert rows.filter(has_text="西红柿").count() == 0
    cook.screenshot(path=str(artifacts / "canteen-store.png"), full_page=True)

    # 3. Stock-out for lunch on phones: the cook records and signs, the keeper signs.
    cook_phone = open_as("chushi", phone=True)
    cook_phone.goto(url("canteen:supply_stockout_create") + "?meal=lunch")
    assert cook_phone.locator("#id_meal").input_value() == MealKind.LUNCH
    assert cook_phone.locator("#id_sign_as").input_value() == "cook"
    cook_phone.fill(f"input[name=qty_{batch.pk}]", "5")
    assert fits(cook_phone)
    cook_phone.screenshot(path=str(artifacts / "canteen-stockout-phone.png"), full_page=True)
    submit(cook_phone, "[data-testid=save]")
    with scopes_disabled():
        stock_out = StockOut.objects.get(campus=campus)
        assert stock_out.status == StockOut.Status.PENDING and stock_out.cook.username == "chushi"
    assert cook_phone.locator("[data-testid=sign-panel]").count() == 0  # a cook cannot sign as keeper
    assert fits(cook_phone)
    head_phone = open_as("shitang", phone=True)
    head_phone.goto(url("canteen:supply_stockout_detail", pk=stock_out.pk))
    assert head_phone.locator("[data-testid=sign-cook]").count() == 0
    submit(head_phone, "[data-testid=sign-keeper]")
    assert _("Confirmed: the food has left the store.") in messages(head_phone)
    assert fits(head_phone)
    with scopes_disabled():
        stock_out.refresh_from_db()
        batch.refresh_from_db()
        assert stock_out.status == StockOut.Status.CONFIRMED and stock_out.keeper.username == "shitang"
        assert stock_out.meal == MealKind.LUNCH and stock_out.date == today
        assert batch.quantity_on_hand == D("15")

    # 4. The health teacher writes this week's 4–6 y menu by hand and publishes it.
    nurse = open_as("baojian")
    nurse.goto(url("canteen:nutrition_menu_list"))
    nurse.get_by_role("link", name=_("New weekly menu")).click()
    nurse.fill("#id_week_start", monday.isoformat())
    nurse.select_option("#id_age_group", AgeGroup.Y4_6)
    nurse.uncheck("#id_copy_last_week")
    submit(nurse, "form.card button[type=submit]")
    assert _("Menu created.") in messages(nurse)
    with scopes_disabled():
        menu = Menu.objects.get(campus=campus, week_start=monday, age_group=AgeGroup.Y4_6)
        nurse_user = menu.created_by
        if today.weekday() >= 5:
            # The grid shows Monday–Friday and the days that already have dishes: on a
            # weekend run, today's rice is put on the menu first so that today's column shows.
            nutrition_services.menu_item_add(
                actor=nurse_user, menu=menu, date=today, meal=MealKind.LUNCH, dish=rice_dish
            )
    nurse.goto(url("canteen:nutrition_menu_detail", pk=menu.pk))

    def add(day, meal, the_dish):
        cell = nurse.locator(f"[data-testid=cell-{day:%Y-%m-%d}-{meal}]")
        cell.locator("select[name=dish]").select_option(str(the_dish.pk))
        submit(nurse, f"[data-testid=cell-{day:%Y-%m-%d}-{meal}] form:has(select[name=dish]) button")
        items = nurse.locator(f"[data-testid=cell-{day:%Y-%m-%d}-{meal}] a", has_text=the_dish.name)
        assert items.count() == 1

    for i in range(5):
        day = monday + dt.timedelta(days=i)
        add(day, MealKind.MORNING_SNACK, egg_dish)
        if day != today:
            add(day, MealKind.LUNCH, rice_dish)
    if today.weekday() < 5:
        add(today, MealKind.LUNCH, rice_dish)
    add(today, MealKind.LUNCH, greens_dish)
    assert nurse.locator("[data-testid=menu-problems]").count() == 0
    nurse.screenshot(path=str(artifacts / "canteen-menu-week.png"), full_page=True)
    nurse.click("[data-testid=menu-analysis]")
    nurse.wait_for_selector("[data-testid=analysis-nutrients]")
    assert nurse.locator("[data-testid=analysis-verdict]").is_visible()
    nurse.screenshot(path=str(artifacts / "canteen-menu-analysis.png"), full_page=True)
    nurse.go_back()
    submit(nurse, "[data-testid=menu-publish]")
    assert _("Menu published.") in messages(nurse)
    assert nurse.locator("[data-testid=menu-status]").get_attribute("data-status") == Menu.Status.PUBLISHED
    public = open_as(None)
    public.goto(f"{base}/p/{campus.code}/")
    menus = public.locator("[data-testid=public-menus]")
    assert GREENS in menus.inner_text() and "米饭" in menus.inner_text()
    assert public.locator("[data-testid=public-menu-summary]").is_visible()
    public.screenshot(path=str(artifacts / "canteen-public.png"), full_page=True)

    # 5. The cook keeps a 125 g sample of today's greens; disposal waits for 48 h.
    cook_phone.goto(url("canteen:safety_samples"))
    lunch = cook_phone.locator(f"[data-testid=meal-{MealKind.LUNCH}]")
    take = lunch.locator(f"[data-testid=take-{greens_dish.pk}]")
    take.locator("input[name=weight_g]").fill("125")
    take.locator("select[name=fridge]").select_option(str(fridge.pk))
    take.locator("input[name=fridge_temperature_c]").fill("4")
    assert fits(cook_phone)
    with cook_phone.expect_navigation():
        take.locator("button[type=submit]").click()
    with scopes_disabled():
        sample = FoodSample.objects.get(campus=campus, dish=greens_dish)
        assert sample.weight_g == D("125") and sample.meal == MealKind.LUNCH and sample.date == today
    assert sample.label_code in messages(cook_phone)
    assert lunch.locator(f"[data-testid=dish-{greens_dish.pk}] [data-status=kept]").is_visible()
    assert fits(cook_phone)
    cook_phone.screenshot(path=str(artifacts / "canteen-samples-phone.png"), full_page=True)

    def taken_hours_ago(hours):
        taken = timezone.now() - dt.timedelta(hours=hours)
        with scopes_disabled():
            FoodSample.objects.filter(pk=sample.pk).update(
                taken_at=taken, discard_not_before=taken + dt.timedelta(hours=48)
            )

    taken_hours_ago(47)
    cook_phone.goto(url("canteen:safety_sample_detail", pk=sample.pk))
    assert fits(cook_phone)
    submit(cook_phone, "[data-testid=dispose]")
    refused = _("The sample must be kept until %(time)s; it can be disposed of from then on.")
    assert refused.split("%(time)s")[0] in messages(cook_phone)
    with scopes_disabled():
        sample.refresh_from_db()
        assert sample.disposed_at is None
    taken_hours_ago(49)
    cook_phone.reload()
    submit(cook_phone, "[data-testid=dispose]")
    assert _("Sample disposed of; the disposal is logged.") in messages(cook_phone)
    assert fits(cook_phone)
    with scopes_disabled():
        sample.refresh_from_db()
        assert sample.disposed_at is not None and sample.disposed_by.username == "chushi"

    # 6. The traceability report of today's lunch: dish → batch → supplier → sample.
    trace_url = url("canteen:meals_trace") + f"?date={today:%Y-%m-%d}&meal={MealKind.LUNCH}"
    head.goto(trace_url)
    dishes = head.locator("[data-testid=trace-dishes]")
    greens_row = dishes.locator("tbody tr", has_text=GREENS)
    assert batch.number in greens_row.inner_text() and "125 g" in greens_row.inner_text()
    batch_row = head.locator("[data-testid=trace-batches] tbody tr", has_text=batch.number)
    assert SUPPLIER in batch_row.inner_text() and receiving.number in batch_row.inner_text()
    assert GREENS in batch_row.inner_text()
    suppliers = head.locator("[data-testid=trace-suppliers]").inner_text()
    assert SUPPLIER in suppliers and "JY13301000012345" in suppliers
    samples = head.locator("[data-testid=trace-samples] tbody tr", has_text=GREENS)
    assert "125 g" in samples.inner_text() and _("disposed") in samples.inner_text()
    findings = head.locator("[data-testid=trace-findings]").inner_text()
    assert _("No sample (留样) was kept of %(dish)s.") % {"dish": GREENS} not in findings
    head.screenshot(path=str(artifacts / "canteen-trace.png"), full_page=True)
    print_url = head.locator("[data-testid=trace-print]").get_attribute("href")
    response = head.request.get(base + print_url)
    assert response.status == 200 and batch.number in response.text()
