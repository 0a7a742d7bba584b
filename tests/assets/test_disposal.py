"""Disposal requests (报废/报损/转让) through the approvals engine: lines with frozen values,
eligibility, the amount for thresholds, approval disposing of the assets (history kept),
rejection and withdrawal leaving them, the pages and the printed form."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, DisposalRequest
from houqin.core import approvals
from houqin.core.models import ApprovalRequest, AuditEvent
from houqin.core.roles import Role
from tests.factories_assets import AssetCategoryFactory, AssetFactory
from tests.factories_custody import LoanFactory, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "principal": make_member(Role.PRINCIPAL, username="boss"),
    }


@pytest.fixture
def assets(campus):
    category = AssetCategoryFactory(campus=campus, useful_life_years=5)
    today = timezone.localdate()
    old = today.replace(year=today.year - 6)
    return [
        AssetFactory(campus=campus, category=category, price=Decimal("6000.00"), purchase_date=old),
        AssetFactory(campus=campus, category=category, price=Decimal("1200.00"), purchase_date=old,
                     status=Asset.Status.MISSING),
    ]  # fmt: skip


def _draft(campus, people, assets, kind=DisposalRequest.Kind.SCRAP):
    request = services.disposal_create(
        actor=people["keeper"], campus=campus, data={"kind": kind, "reason": "使用年限已满"}
    )
    for asset in assets:
        services.disposal_add_asset(actor=people["keeper"], request=request, asset=asset, residual_value="50")
    return request


def test_lines_freeze_values_and_totals(campus, people, assets):
    request = _draft(campus, people, assets)
    assert request.number.startswith("BF-")
    request.refresh_from_db()
    assert request.total_value == Decimal("7200.00") and request.total_residual == Decimal("100.00")
    line = request.lines.get(asset=assets[0])
    assert line.original_value == Decimal("6000.00")
    assert line.accumulated_depreciation == Decimal("6000.00") and line.net_value == 0  # fully depreciated


def test_approval_disposes_the_assets_and_keeps_their_history(campus, people, assets):
    request = _draft(campus, people, assets, kind=DisposalRequest.Kind.WRITE_OFF)
    approval = services.disposal_submit(actor=people["keeper"], request=request)
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.PENDING and approval.amount == Decimal("7200.00")
    assert [s["role"] for s in approval.plan] == [Role.LOGISTICS_HEAD, Role.PRINCIPAL]
    assert all(a.status != Asset.Status.DISPOSED for a in Asset.objects.filter(pk__in=[x.pk for x in assets]))
    approvals.approve(actor=people["head"], approval=approval)
    approvals.approve(actor=people["principal"], approval=approval)
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.APPROVED and request.decided_at
    for asset in assets:
        asset.refresh_from_db()
        assert asset.status == Asset.Status.DISPOSED and asset.disposed_on == timezone.localdate()
        assert not asset.is_active
        assert AuditEvent.objects.filter(
            action="status", object_id=str(asset.pk), message__contains=request.number
        )
    assert Asset.objects.filter(pk=assets[0].pk).exists()  # the card stays


def test_rejection_and_withdrawal_leave_the_assets(campus, people, assets):
    request = _draft(campus, people, assets)
    approval = services.disposal_submit(actor=people["keeper"], request=request)
    approvals.reject(actor=people["head"], approval=approval, comment="还能修")
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.REJECTED
    assert Asset.objects.filter(pk=assets[0].pk, status=Asset.Status.IN_USE).exists()
    # rejected requests are editable and may go again; then withdrawn
    services.disposal_update(actor=people["keeper"], request=request, data={"reason": "复核后仍需报废"})
    services.disposal_submit(actor=people["keeper"], request=request)
    services.disposal_withdraw(actor=people["keeper"], request=request, comment="先不报")
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.WITHDRAWN
    assert not Asset.objects.filter(pk__in=[a.pk for a in assets], status=Asset.Status.DISPOSED).exists()


def test_a_pending_request_is_locked_and_its_assets_cannot_be_lent(campus, people, assets):
    request = _draft(campus, people, assets[:1])
    services.disposal_submit(actor=people["keeper"], request=request)
    with pytest.raises(ValidationError):
        services.disposal_update(actor=people["keeper"], request=request, data={"reason": "x"})
    with pytest.raises(ValidationError):
        services.disposal_add_asset(actor=people["keeper"], request=request, asset=assets[1])
    assert "waiting for approval" in services.loan_refusal(assets[0])
    other = services.disposal_create(
        actor=people["keeper"], campus=campus, data={"kind": "scrap", "reason": "x"}
    )
    with pytest.raises(ValidationError) as exc:  # one pending request per asset
        services.disposal_add_asset(actor=people["keeper"], request=other, asset=assets[0])
    assert request.number in " ".join(exc.value.messages)


@pytest.mark.parametrize("status", [Asset.Status.DISPOSED, Asset.Status.ON_LOAN])
def test_disposed_or_lent_assets_are_refused(campus, people, status):
    asset = AssetFactory(campus=campus, status=status)
    request = services.disposal_create(
        actor=people["keeper"], campus=campus, data={"kind": "scrap", "reason": "x"}
    )
    with pytest.raises(ValidationError):
        services.disposal_add_asset(actor=people["keeper"], request=request, asset=asset)
    assert not request.lines.exists()


def test_an_asset_lent_after_drafting_blocks_the_submission(campus, people, assets):
    request = _draft(campus, people, assets[:1])
    LoanFactory(campus=campus, asset=assets[0])
    with pytest.raises(ValidationError):
        services.disposal_submit(actor=people["keeper"], request=request)
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.DRAFT


def test_an_empty_request_cannot_be_submitted_and_a_transfer_needs_a_recipient(campus, people):
    request = services.disposal_create(
        actor=people["keeper"], campus=campus, data={"kind": "scrap", "reason": "x"}
    )
    with pytest.raises(ValidationError):
        services.disposal_submit(actor=people["keeper"], request=request)
    with pytest.raises(ValidationError) as exc:
        services.disposal_create(
            actor=people["keeper"], campus=campus, data={"kind": "transfer", "reason": "x"}
        )
    assert "recipient" in exc.value.message_dict


def test_campus_thresholds_apply_to_the_book_value(campus, people, assets):
    flow = approvals.flow_for(campus, services.DISPOSAL_KIND)
    approvals.flow_set_steps(actor=people["principal"], flow=flow, steps=[
        {"name": "后勤园长", "role": Role.LOGISTICS_HEAD, "min_amount": None},
        {"name": "园长", "role": Role.PRINCIPAL, "min_amount": "5000"},
    ])  # fmt: skip
    small = _draft(campus, people, assets[1:])  # 1,200 yuan
    approval = services.disposal_submit(actor=people["keeper"], request=small)
    assert [s["role"] for s in approval.plan] == [Role.LOGISTICS_HEAD]
    approvals.approve(actor=people["head"], approval=approval)
    small.refresh_from_db()
    assert small.status == DisposalRequest.Status.APPROVED


def test_removing_a_line_updates_the_totals(campus, people, assets):
    request = _draft(campus, people, assets)
    services.disposal_remove_line(actor=people["keeper"], line=request.lines.get(asset=assets[1]))
    request.refresh_from_db()
    assert request.total_value == Decimal("6000.00") and request.lines.count() == 1


# --- Pages --------------------------------------------------------------------------------


def _url(campus, name, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


def test_pages_create_add_submit_print(campus, people, assets):
    client = client_for(people["keeper"])
    response = client.post(_url(campus, "disposal_create") + f"?asset={assets[0].pk}",
                           {"kind": "scrap", "reason": "老化", "recipient": ""})  # fmt: skip
    assert response.status_code == 302
    request = DisposalRequest.objects.get()
    assert request.lines.count() == 1
    client.post(_url(campus, "disposal_add", pk=request.pk), {"asset": assets[1].tag, "residual_value": "10"})
    assert request.lines.count() == 2
    bad = client.post(_url(campus, "disposal_add", pk=request.pk), {"asset": "NOPE"})
    assert bad.status_code == 302 and request.lines.count() == 2
    detail = client.get(_url(campus, "disposal_detail", pk=request.pk))
    assert detail.status_code == 200 and 'data-testid="disposal-submit"' in detail.content.decode()
    client.post(_url(campus, "disposal_submit", pk=request.pk))
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.PENDING
    assert ApprovalRequest.objects.filter(kind=services.DISPOSAL_KIND, object_id=str(request.pk)).exists()
    printed = client.get(_url(campus, "disposal_print", pk=request.pk))
    assert printed.status_code == 200 and assets[1].tag in printed.content.decode()
    listing = client.get(_url(campus, "disposal_list"))
    assert listing.status_code == 200 and request.number in listing.content.decode()
    client.post(_url(campus, "disposal_withdraw", pk=request.pk))
    request.refresh_from_db()
    assert request.status == DisposalRequest.Status.WITHDRAWN


def test_pages_need_the_permissions(campus, people, assets, make_member):
    request = _draft(campus, people, assets[:1])
    accountant = client_for(make_member(Role.ACCOUNTANT))
    assert accountant.get(_url(campus, "disposal_detail", pk=request.pk)).status_code == 200
    assert accountant.post(_url(campus, "disposal_submit", pk=request.pk)).status_code == 403
    assert accountant.get(_url(campus, "disposal_create")).status_code == 403


def test_asset_panel_offers_damage_and_disposal(campus, people, assets, rf):
    from houqin.assets.panels import panels_for

    request = rf.get("/")
    request.perms = {"assets.view_custody", "assets.manage_custody", "assets.request_disposal"}
    request.user = people["keeper"]
    request.campus = campus
    panels = {p.key: ctx for p, ctx in panels_for(request, assets[0])}
    assert panels["assets.damage"]["can_dispose"] and panels["assets.damage"]["damages"] == []


def test_old_assets_fully_depreciated_show_zero_net(campus, people):
    category = AssetCategoryFactory(campus=campus, useful_life_years=3)
    asset = AssetFactory(campus=campus, category=category, price=Decimal("999.99"),
                         purchase_date=timezone.localdate() - dt.timedelta(days=4 * 366))  # fmt: skip
    value, accumulated, net = services.asset_book_values(asset)
    assert (value, accumulated, net) == (Decimal("999.99"), Decimal("999.99"), Decimal("0.00"))
