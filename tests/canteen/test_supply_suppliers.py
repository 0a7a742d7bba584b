"""Food suppliers, their certificates and the expiry reminders."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from houqin.canteen import supply_services as services
from houqin.canteen.models import CertificateKind, FoodSupplier, Receiving, SupplierCertificate
from houqin.core.models import AuditEvent, CampusSettings, Notification
from houqin.procurement.models import Supplier
from tests import factories as f
from tests.canteen.supply_helpers import *  # noqa: F403
from tests.canteen.supply_helpers import certificate, food_supplier, line, receive, today

pytestmark = pytest.mark.django_db


def _set(campus, **values):
    row, _c = CampusSettings.objects.get_or_create(campus=campus)
    row.values = {**row.values, **values}
    row.save()
    campus._settings_cache = None


# --- Suppliers ------------------------------------------------------------------------------


def test_food_supplier_is_a_procurement_supplier(campus, people):
    profile = services.food_supplier_save(
        actor=people["head"], campus=campus, supplier_data={"name": "鲜奶坊", "phone": "13900000001"},
        data={"is_designated": True, "categories": ["dairy", "egg", "nonsense"]},
    )  # fmt: skip
    assert Supplier.objects.filter(campus=campus, name="鲜奶坊").count() == 1
    assert profile.supplier.name == "鲜奶坊"
    assert profile.category_list == ["egg", "dairy"]  # unknown codes dropped, choice order
    assert AuditEvent.objects.filter(content_type__model="foodsupplier", action="create").exists()
    # an existing purchasing supplier gets a profile, no second supplier row
    existing = f.SupplierFactory(campus=campus, name="粮油商行")
    again = services.food_supplier_save(actor=people["head"], campus=campus, supplier=existing,
                                        data={"categories": ["grain_oil"]})  # fmt: skip
    assert again.supplier_id == existing.pk
    assert Supplier.objects.filter(campus=campus).count() == 2
    assert FoodSupplier.objects.filter(supplier=existing).count() == 1


def test_supplier_management_needs_the_permission(campus, people):
    with pytest.raises(PermissionDenied):
        services.food_supplier_save(actor=people["cook"], campus=campus, supplier_data={"name": "X"}, data={})
    assert not Supplier.objects.filter(name="X").exists()


def test_supplier_of_another_campus_is_refused(campus, other_campus, people):
    foreign = f.SupplierFactory(campus=other_campus)
    with pytest.raises(ValidationError):
        services.food_supplier_save(actor=people["head"], campus=campus, supplier=foreign, data={})


# --- Certificates and the receiving refusal -------------------------------------------------


def test_required_certificates_by_default(campus, supplier):
    assert services.required_kinds(campus) == ["business_licence", "food_operation_licence"]
    assert services.certificate_problems(supplier, today()) == []


def test_missing_food_operation_licence_refuses_receiving(campus, people):
    s = food_supplier(campus, name="无证商户", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=None)
    with pytest.raises(ValidationError) as exc:
        receive(people, s)
    message = " ".join(exc.value.messages)
    assert (
        gettext("Receiving refused: %(problem)s")
        % {
            "problem": gettext("%(supplier)s has no %(kind)s on file.")
            % {"supplier": s, "kind": CertificateKind.FOOD_OPERATION_LICENCE.label}
        }
        in message
    )
    assert not Receiving.objects.exists()


def test_expired_certificate_refuses_receiving_naming_it_and_its_date(campus, people):
    s = food_supplier(campus, name="过期商户", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=None)
    expired = certificate(s, CertificateKind.FOOD_OPERATION_LICENCE, expires_in=-1, number="JY13301060012345")
    with pytest.raises(ValidationError) as exc:
        receive(people, s)
    message = " ".join(exc.value.messages)
    assert "JY13301060012345" in message
    assert expired.expires_on.isoformat() in message
    assert exc.value.error_dict["supplier"][0].code == "certificate"
    assert not Receiving.objects.exists()
    # the renewed licence lifts the refusal; the old one stays on file
    certificate(s, CertificateKind.FOOD_OPERATION_LICENCE, expires_in=365)
    assert receive(people, s).status == Receiving.Status.PENDING


def test_certificate_not_valid_yet(campus, people):
    s = food_supplier(campus, name="新证商户", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=None)
    future = certificate(s, CertificateKind.FOOD_OPERATION_LICENCE, issued_on=today() + dt.timedelta(days=2))
    problems = services.certificate_problems(s, today())
    assert problems == [
        gettext("%(kind)s %(number)s of %(supplier)s is valid only from %(date)s.")
        % {
            "kind": future.get_kind_display(),
            "number": future.number,
            "supplier": s,
            "date": future.issued_on.isoformat(),
        }  # fmt: skip
    ]


def test_void_certificate_does_not_count(campus, people, supplier):
    cert = SupplierCertificate.objects.get(supplier=supplier, kind=CertificateKind.FOOD_OPERATION_LICENCE)
    services.certificate_void(actor=people["head"], certificate=cert, reason="扫描件错误")
    with pytest.raises(ValidationError):
        receive(people, supplier)
    assert cert not in services.supplier_certificates(supplier)


def test_production_licence_stands_for_operation_licence(campus, people):
    s = food_supplier(campus, name="乳品厂", categories=",dairy,", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=None)
    certificate(s, CertificateKind.FOOD_PRODUCTION_LICENCE, expires_in=100)
    assert services.certificate_problems(s, today()) == []
    r = receive(
        people, s, [line(name="纯牛奶", is_fresh_produce=False, production_date=today(), shelf_life_days=7)]
    )
    assert any(c["kind"] == "food_production_licence" for c in r.certificates_checked)


def test_meat_supplier_needs_the_quarantine_certificate(campus, people):
    s = food_supplier(campus, name="放心肉业", categories=",meat,")
    with pytest.raises(ValidationError) as exc:
        receive(people, s, [line(name="猪里脊")])
    assert str(CertificateKind.ANIMAL_QUARANTINE.label) in " ".join(exc.value.messages)
    certificate(s, CertificateKind.ANIMAL_QUARANTINE, expires_in=3)
    assert receive(people, s, [line(name="猪里脊")]).pk


def test_required_kinds_are_a_campus_setting(campus, people, supplier):
    _set(campus, **{services.S_REQUIRED: "business_licence,food_operation_licence,test_report"})
    with pytest.raises(ValidationError) as exc:
        receive(people, supplier)
    assert str(CertificateKind.TEST_REPORT.label) in " ".join(exc.value.messages)
    _set(campus, **{services.S_REQUIRED: "business_licence"})
    SupplierCertificate.objects.filter(kind=CertificateKind.FOOD_OPERATION_LICENCE).update(
        expires_on=today() - dt.timedelta(days=9)
    )
    assert receive(people, supplier).pk


def test_undesignated_or_unknown_supplier_is_refused(campus, people):
    plain = f.SupplierFactory(campus=campus, name="办公用品店")
    with pytest.raises(ValidationError):
        receive(people, plain)
    s = food_supplier(campus, name="暂停供货", is_designated=False)
    with pytest.raises(ValidationError):
        receive(people, s)
    assert not Receiving.objects.exists()


def test_certificate_expiry_before_issue_is_refused(campus, people, supplier):
    with pytest.raises(ValidationError):
        services.certificate_save(
            actor=people["head"], campus=campus, supplier=supplier,
            data={"kind": "test_report", "number": "R1", "issued_on": today(), "expires_on": today() - dt.timedelta(1)},
        )  # fmt: skip


# --- Reminders ----------------------------------------------------------------------------


def _tick(days_from_now):
    from django.utils import timezone

    return services.expiry_reminders(timezone.now() + dt.timedelta(days=days_from_now))


def test_reminders_once_per_threshold_and_once_expired(campus, people):
    s = food_supplier(campus, name="提醒商户", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=None)
    cert = certificate(s, CertificateKind.FOOD_OPERATION_LICENCE, expires_in=40)
    assert _tick(0) == 0  # 40 days left: nothing yet
    assert _tick(10) == 1  # 30 days left
    assert _tick(11) == 0  # not twice for 30
    assert _tick(33) == 1  # 7 days left
    assert _tick(35) == 0
    assert _tick(41) == 1  # expired
    assert _tick(50) == 0
    cert.refresh_from_db()
    assert cert.reminders_sent == [30, 7, "expired"]
    notes = Notification.objects.filter(event="canteen.supply_expiry")
    # the holders of canteen.manage_suppliers (principal and canteen head), three times each
    assert notes.filter(recipient=people["head"]).count() == 3
    assert notes.filter(recipient=people["principal"]).count() == 3
    assert not notes.filter(recipient=people["cook"]).exists()


def test_a_late_first_reminder_skips_the_passed_threshold(campus, people):
    s = food_supplier(campus, name="临期商户", licences=False)
    cert = certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=5)
    assert _tick(0) == 1
    cert.refresh_from_db()
    assert sorted(cert.reminders_sent) == [7, 30]
    assert _tick(1) == 0


def test_renewed_certificate_stops_the_reminders(campus, people):
    s = food_supplier(campus, name="续证商户", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=20)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=700)
    assert _tick(0) == 0


def test_reminder_thresholds_are_campus_settings(campus, people):
    _set(campus, **{services.S_REMIND_FIRST: 60})
    s = food_supplier(campus, name="六十天", licences=False)
    certificate(s, CertificateKind.BUSINESS_LICENCE, expires_in=50)
    assert _tick(0) == 1


def test_dashboard_card_lists_expiring_certificates(campus, people, client):
    from houqin.canteen import supply_registrations

    s = food_supplier(campus, name="卡片商户", licences=False)
    certificate(s, CertificateKind.FOOD_OPERATION_LICENCE, expires_in=10)
    client.force_login(people["head"])
    response = client.get(f"/c/{campus.code}/")
    assert response.status_code == 200
    assert gettext("Supplier certificates expiring") in response.content.decode()
    assert supply_registrations.certificates_card  # registered
