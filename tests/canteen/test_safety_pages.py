"""The safety pages: the phone pages (samples, temperatures, morning checks) and their
posts, lists, details, labels, roster, dashboard cards, the public pesticide results;
permissions, campus isolation and query bounds."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from houqin.canteen import safety_services as ss
from houqin.canteen.models import (
    FoodSample,
    Fridge,
    KitchenDuty,
    MealKind,
    Menu,
    StaffMorningCheck,
    TemperatureLog,
)
from houqin.core.roles import Role
from tests.canteen.safety_helpers import *  # noqa: F403 (fixtures)
from tests.canteen.safety_helpers import TODAY, at, take
from tests.conftest import login
from tests.factories_canteen import DishFactory, MenuFactory, MenuItemFactory
from tests.factories_canteen_safety import (
    FoodSampleFactory,
    HealthCertificateFactory,
    KitchenStaffFactory,
    PesticideTestFactory,
    TablewareDisinfectionFactory,
)

pytestmark = pytest.mark.django_db


def url(name, campus="main", **kwargs):
    return reverse(f"canteen:{name}", kwargs={"campus": campus, **kwargs})


def msgs(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Samples ------------------------------------------------------------------------------


def test_samples_page_lists_dishes_with_forms(campus, cook, fridge, menu):
    client = login(cook)
    response = client.get(url("safety_samples"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "红烧肉" in html and "牛奶燕麦粥" in html
    assert f'data-testid="take-{menu["pork"].pk}"' in html


def test_take_sample_through_the_page(campus, cook, fridge, menu):
    client = login(cook)
    data = {
        "date": TODAY.isoformat(),
        "meal": "lunch",
        "dish": menu["rice"].pk,
        "weight_g": "124",
        "fridge": fridge.pk,
    }
    response = client.post(url("safety_sample_take"), data)
    assert response.status_code == 302 and not FoodSample.objects.exists()
    assert any("124" in m for m in msgs(response))
    response = client.post(
        url("safety_sample_take"), {**data, "weight_g": "130", "fridge_temperature_c": "3.5"}
    )
    sample = FoodSample.objects.get()
    assert sample.taken_by == cook and sample.weight_g == 130
    assert TemperatureLog.objects.get().temperature_c == Decimal("3.5")


def test_violation_banner_after_meal_time(campus, cook, fridge, menu, monkeypatch):
    noon = at(TODAY, 12)
    monkeypatch.setattr(timezone, "now", lambda: noon)
    response = login(cook).get(url("safety_samples"))
    assert 'data-testid="sample-violation"' in response.content.decode()


def test_dispose_refused_early_through_the_page(campus, cook, head, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge, hh=timezone.localtime().hour, mm=0)
    response = login(head).post(url("safety_sample_dispose", pk=sample.pk), {"note": ""})
    assert response.status_code == 302
    sample.refresh_from_db()
    assert sample.disposed_at is None
    expected = gettext("The sample must be kept until %(time)s; it can be disposed of from then on.") % {
        "time": ss._fmt_time(sample.discard_not_before)
    }
    assert expected in msgs(response)


def test_review_and_void_through_the_page(campus, cook, health, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge, hh=0, mm=1)
    response = login(health).post(url("safety_sample_review", pk=sample.pk), {"note": "ok"})
    sample.refresh_from_db()
    assert response.status_code == 302 and sample.reviewer == health
    assert login(cook).post(url("safety_sample_review", pk=sample.pk), {}).status_code == 403
    login(cook).post(url("safety_sample_void", pk=sample.pk), {"reason": "重复"})
    sample.refresh_from_db()
    assert sample.is_void and sample.void_reason == "重复"


def test_sample_detail_log_labels_disposal(campus, cook, fridge, menu):
    sample = take(campus, cook, menu["rice"], fridge, hh=0, mm=1)
    client = login(cook)
    assert client.get(url("safety_sample_detail", pk=sample.pk)).status_code == 200
    log = client.get(url("safety_sample_list") + "?status=kept")
    assert log.status_code == 200 and "米饭" in log.content.decode()
    labels = client.get(url("safety_sample_labels") + f"?date={TODAY.isoformat()}&meal=lunch")
    body = labels.content.decode()
    assert labels.status_code == 200 and "米饭" in body and sample.label_code in body and str(cook) in body
    assert client.get(url("safety_sample_disposal")).status_code == 200


def test_bulk_disposal(campus, cook, head, fridge):
    old = FoodSampleFactory(campus=campus, fridge=fridge, taken_at=timezone.now() - dt.timedelta(hours=50))
    new = FoodSampleFactory(campus=campus, fridge=fridge)
    response = login(head).post(url("safety_samples_dispose"), {"sample": [old.pk, new.pk]})
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.disposed_by == head and new.disposed_at is None


def test_samples_page_queries_do_not_grow(campus, cook, fridge, django_assert_max_num_queries):
    menu = MenuFactory(
        campus=campus, week_start=TODAY - dt.timedelta(days=TODAY.weekday()), status=Menu.Status.PUBLISHED
    )
    for meal in (MealKind.MORNING_SNACK, MealKind.LUNCH, MealKind.AFTERNOON_SNACK):
        for _ in range(10):
            item = MenuItemFactory(menu=menu, date=TODAY, meal=meal, dish=DishFactory(campus=campus))
            FoodSampleFactory(campus=campus, date=TODAY, meal=meal, dish=item.dish, fridge=fridge)
    client = login(cook)
    client.get(url("safety_samples"))
    with django_assert_max_num_queries(16):
        assert client.get(url("safety_samples")).status_code == 200


# --- Hygiene ------------------------------------------------------------------------------


def test_tableware_form_flags_non_compliance(campus, cook):
    client = login(cook)
    assert client.get(url("safety_tableware_create")).status_code == 200
    start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(minutes=30)
    response = client.post(url("safety_tableware_create"), {
        "method": "boiling", "started_at": start.strftime("%Y-%m-%dT%H:%M"), "minutes": "12", "seconds": "",
        "items": "碗",
    })  # fmt: skip
    assert response.status_code == 302
    record = ss.TablewareDisinfection.objects.get()
    assert not record.is_compliant
    assert any(record.problem in m for m in msgs(response))
    assert "15" in client.get(url("safety_tableware_list")).content.decode()


def test_pesticide_form_positive_blocks(campus, cook, batch):
    client = login(cook)
    now = timezone.localtime().replace(second=0, microsecond=0)
    response = client.post(url("safety_pesticide_create"), {
        "batch": batch.pk, "method": "enzyme", "inhibition_pct": "50", "tested_at": now.strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.is_blocked
    test = ss.PesticideTest.objects.get()
    assert client.get(url("safety_pesticide_detail", pk=test.pk)).status_code == 200


def test_temperature_entry_page(campus, cook, head, fridge):
    cold = ss.fridge_save(actor=head, campus=campus, data={"name": "冷库", "kind": Fridge.Kind.COLD_ROOM})
    client = login(cook)
    assert client.get(url("safety_temperature_entry")).status_code == 200
    response = client.post(url("safety_temperature_entry"), {f"t_{fridge.pk}": "4", f"t_{cold.pk}": "11",
                                                             f"a_{cold.pk}": "已报修"})  # fmt: skip
    assert response.status_code == 302
    assert TemperatureLog.objects.count() == 2
    assert TemperatureLog.objects.get(is_out_of_range=True).action_taken == "已报修"
    listing = client.get(url("safety_temperature_list") + "?out_of_range=1").content.decode()
    assert "冷库" in listing
    assert client.get(url("safety_fridge_detail", pk=cold.pk)).status_code == 200


def test_fridge_form(campus, head):
    client = login(head)
    response = client.post(
        url("safety_fridge_create"), {"name": "留样柜", "kind": "sample", "is_active": "on"}
    )
    assert response.status_code == 302
    f = Fridge.objects.get()
    assert (f.min_c, f.max_c) == (Decimal("0"), Decimal("8"))


# --- Staff --------------------------------------------------------------------------------


def test_duty_page_refuses_expired_with_reason(campus, head):
    person = KitchenStaffFactory(campus=campus, name="张建华")
    HealthCertificateFactory(campus=campus, staff=person, issued_on=TODAY - dt.timedelta(days=400),
                             valid_until=TODAY - dt.timedelta(days=20))  # fmt: skip
    client = login(head)
    response = client.post(
        url("safety_duty_assign"), {"date": TODAY.isoformat(), "shift": "day", "staff": person.pk}
    )
    assert response.status_code == 302 and not KitchenDuty.objects.exists()
    assert any("张建华" in m and (TODAY - dt.timedelta(days=20)).isoformat() in m for m in msgs(response))
    page = client.get(url("safety_duty")).content.decode()
    assert 'data-testid="certificate-attention"' in page and "张建华" in page


def test_morning_check_page_marks_unfit(campus, head, health, staff):
    duty = ss.duty_assign(actor=head, campus=campus, staff=staff, date=TODAY)
    client = login(health)
    assert client.get(url("safety_checks")).status_code == 200
    response = client.post(url("safety_checks"), {"date": TODAY.isoformat(), "staff": [staff.pk],
                                                  f"temp_{staff.pk}": "36.5", f"hand_wound_{staff.pk}": "1"})  # fmt: skip
    assert response.status_code == 302
    check = StaffMorningCheck.objects.get()
    assert not check.is_fit and check.hand_wound
    duty.refresh_from_db()
    assert duty.removed_at is not None
    assert any(staff.name in m for m in msgs(response))


def test_morning_check_page_queries_do_not_grow(campus, health, django_assert_max_num_queries):
    for _ in range(40):
        person = KitchenStaffFactory(campus=campus)
        HealthCertificateFactory(campus=campus, staff=person)
    client = login(health)
    client.get(url("safety_checks"))
    with django_assert_max_num_queries(14):
        assert client.get(url("safety_checks")).status_code == 200


def test_staff_pages(campus, head, staff):
    client = login(head)
    listing = client.get(url("safety_staff_list"))
    assert listing.status_code == 200 and "王秀兰" in listing.content.decode()
    assert client.get(url("safety_staff_detail", pk=staff.pk)).status_code == 200
    assert client.get(url("safety_certificate_list")).status_code == 200
    response = client.post(url("safety_certificate_create", pk=staff.pk), {
        "number": "JK2026", "issued_on": TODAY.isoformat(),
    })  # fmt: skip
    assert response.status_code == 302 and staff.certificates.filter(number="JK2026").exists()
    assert client.get(url("safety_duty")).status_code == 200
    response = client.post(url("safety_training_create"), {
        "date": TODAY.isoformat(), "topic": "培训", "hours": "1.5", "trainer": "郑", "attendees_list": [staff.pk],
    })  # fmt: skip
    assert response.status_code == 302
    assert staff.trainings.count() == 1
    assert client.get(url("safety_check_list")).status_code == 200


# --- Permissions and isolation ------------------------------------------------------------


PAGES = [
    ("safety_samples", {}), ("safety_sample_list", {}), ("safety_sample_disposal", {}),
    ("safety_tableware_list", {}), ("safety_uv_list", {}), ("safety_pesticide_list", {}),
    ("safety_temperature_list", {}), ("safety_fridge_list", {}), ("safety_staff_list", {}),
    ("safety_duty", {}), ("safety_training_list", {}), ("safety_certificate_list", {}),
]  # fmt: skip


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_teacher_gets_403_outsider_404(campus, teacher, outsider, name, kwargs):
    assert login(teacher).get(url(name, **kwargs)).status_code == 403
    assert login(outsider).get(url(name, **kwargs)).status_code == 404


def test_writes_need_their_permission(campus, make_member, fridge, menu, staff):
    duty = make_member(Role.DUTY_ADMIN)  # may see samples and hygiene, not take or record
    client = login(duty)
    assert client.get(url("safety_samples")).status_code == 200
    data = {
        "date": TODAY.isoformat(),
        "meal": "lunch",
        "dish": menu["rice"].pk,
        "weight_g": "130",
        "fridge": fridge.pk,
    }
    assert client.post(url("safety_sample_take"), data).status_code == 403
    assert client.get(url("safety_tableware_create")).status_code == 403
    assert client.get(url("safety_temperature_entry")).status_code == 403
    cook_client = login(make_member(Role.COOK))
    assert cook_client.post(url("safety_duty_assign"), {}).status_code == 403
    assert cook_client.get(url("safety_checks")).status_code == 403
    assert not FoodSample.objects.exists()


def test_other_campus_objects_are_404(campus, other_campus, head):
    from tests.factories_canteen_safety import FridgeFactory

    foreign_sample = FoodSampleFactory(campus=other_campus)
    foreign_staff = KitchenStaffFactory(campus=other_campus)
    foreign_test = PesticideTestFactory(campus=other_campus)
    foreign_record = TablewareDisinfectionFactory(campus=other_campus)
    foreign_fridge = FridgeFactory(campus=other_campus)
    client = login(head)
    assert client.get(url("safety_sample_detail", pk=foreign_sample.pk)).status_code == 404
    assert client.post(url("safety_sample_dispose", pk=foreign_sample.pk)).status_code == 404
    assert client.get(url("safety_staff_detail", pk=foreign_staff.pk)).status_code == 404
    assert client.get(url("safety_pesticide_detail", pk=foreign_test.pk)).status_code == 404
    assert client.post(url("safety_tableware_void", pk=foreign_record.pk), {"reason": "x"}).status_code == 404
    assert client.get(url("safety_fridge_detail", pk=foreign_fridge.pk)).status_code == 404
    response = client.post(
        url("safety_duty_assign"), {"date": TODAY.isoformat(), "shift": "day", "staff": foreign_staff.pk}
    )
    assert response.status_code == 302 and not KitchenDuty.objects.exists()


# --- Dashboard and public page ------------------------------------------------------------


def test_dashboard_cards(campus, head, cook, fridge, menu, batch, monkeypatch):
    person = KitchenStaffFactory(campus=campus, name="李春梅")
    HealthCertificateFactory(campus=campus, staff=person, valid_until=TODAY + dt.timedelta(days=10))
    ss.temperature_record(actor=cook, fridge=fridge, temperature_c="12")
    ss.pesticide_test_record(actor=cook, campus=campus, batch=batch, inhibition_pct="60")
    evening = at(TODAY, 18)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    response = login(head).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    html = response.content.decode()
    assert gettext("Dishes served without a sample (留样)") in html
    assert gettext("Fridge temperatures out of range") in html
    assert gettext("Positive pesticide tests (batches blocked)") in html
    assert gettext("Health certificates expired or expiring") in html and "李春梅" in html


def test_public_page_shows_this_weeks_tests(campus, cook, batch, client):
    ss.pesticide_test_record(actor=cook, campus=campus, batch=batch, inhibition_pct="12.3")
    response = client.get(f"/p/{campus.code}/")
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="public-pesticide"' in html and "12.3" in html
