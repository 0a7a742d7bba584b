"""Loans (申领/领借/出借): lending refused with the reason for assets that cannot go out,
requests, due dates, condition and photos out and back, asset status on_loan ↔ before,
damage on return, the overdue list, the daily reminder and the pages."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from houqin.assets import custody_services as services
from houqin.assets.models import Asset, Condition, Damage, Loan
from houqin.core.models import Attachment, Notification
from houqin.core.roles import Role
from tests.factories_assets import AssetFactory
from tests.factories_custody import DisposalRequestFactory, LoanFactory, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked by their English msgids, whatever the catalogue says."""
    with translation.override("en"):
        yield


@pytest.fixture
def people(make_member):
    return {
        "keeper": make_member(Role.ASSET_KEEPER, username="keeper"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
        "cook": make_member(Role.COOK, username="cook"),
    }


@pytest.fixture
def asset(campus):
    return AssetFactory(campus=campus, status=Asset.Status.IDLE, name="投影仪")


def _photo(name="p.jpg"):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 50)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _lend(campus, people, asset, **kwargs):
    kwargs.setdefault("borrower", people["teacher"])
    kwargs.setdefault("due_on", timezone.localdate() + dt.timedelta(days=7))
    return services.loan_lend(actor=people["keeper"], campus=campus, asset=asset, **kwargs)


def test_lend_and_return_round_trip(campus, people, asset):
    loan = _lend(campus, people, asset, condition_out=Condition.GOOD, note_out="带遥控器", photos=[_photo()])
    assert loan.number.startswith("JC-") and loan.status == Loan.Status.OUT
    asset.refresh_from_db()
    assert asset.status == Asset.Status.ON_LOAN
    assert loan.status_before == Asset.Status.IDLE
    assert Attachment.objects.filter(kind="before", object_id=str(loan.pk)).count() == 1
    assert Notification.objects.filter(recipient=people["teacher"], event="assets.loan_out").exists()

    services.loan_return(actor=people["keeper"], loan=loan, condition_in=Condition.WORN, note_in="外壳划痕",
                         photos=[_photo("back.jpg")])  # fmt: skip
    loan.refresh_from_db()
    asset.refresh_from_db()
    assert loan.status == Loan.Status.RETURNED and loan.received_by == people["keeper"]
    assert loan.condition_in == Condition.WORN and loan.returned_at
    assert asset.status == Asset.Status.IDLE  # back to what it was
    assert Attachment.objects.filter(kind="after", object_id=str(loan.pk)).count() == 1
    with pytest.raises(ValidationError):
        services.loan_return(actor=people["keeper"], loan=loan, condition_in=Condition.GOOD)


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (Asset.Status.DISPOSED, "disposed"),
        (Asset.Status.MISSING, "missing"),
        (Asset.Status.UNDER_REPAIR, "repair"),
        (Asset.Status.DAMAGED, "damaged"),
    ],
)
def test_assets_that_cannot_go_out_are_refused_with_the_reason(campus, people, status, words):
    asset = AssetFactory(campus=campus, status=status)
    with pytest.raises(ValidationError) as exc:
        _lend(campus, people, asset)
    assert words in " ".join(exc.value.messages).lower()
    assert not Loan.objects.exists()


def test_an_asset_already_lent_is_refused_with_the_current_loan(campus, people, asset):
    first = _lend(campus, people, asset)
    with pytest.raises(ValidationError) as exc:
        _lend(campus, people, asset, borrower=people["cook"])
    assert first.number in " ".join(exc.value.messages)
    assert Loan.objects.count() == 1


def test_an_asset_in_a_pending_disposal_cannot_be_lent(campus, people, asset):
    request = DisposalRequestFactory(campus=campus)
    services.disposal_add_asset(actor=people["keeper"], request=request, asset=asset)
    request.status = "pending"
    request.save()
    with pytest.raises(ValidationError) as exc:
        _lend(campus, people, asset)
    assert request.number in " ".join(exc.value.messages)


def test_due_date_default_and_past_due_refused(campus, people, asset):
    with pytest.raises(ValidationError):
        _lend(campus, people, asset, due_on=timezone.localdate() - dt.timedelta(days=1))
    loan = _lend(campus, people, asset, due_on=None)
    assert loan.due_on == timezone.localdate() + dt.timedelta(days=14)


def test_a_borrower_is_needed_and_must_be_a_member(campus, people, asset, outsider):
    with pytest.raises(ValidationError):
        _lend(campus, people, asset, borrower=None)
    with pytest.raises(ValidationError):
        _lend(campus, people, asset, borrower=outsider)
    assert not Loan.objects.exists()


def test_lending_to_a_class(campus, people, asset):
    from tests.factories import SchoolClassFactory

    school_class = SchoolClassFactory(campus=campus, head_teacher=people["teacher"])
    loan = _lend(campus, people, asset, borrower=None, school_class=school_class)
    assert loan.borrower_display == school_class.name
    assert Notification.objects.filter(recipient=people["teacher"], event="assets.loan_out").exists()


def test_request_then_lend_or_refuse_or_cancel(campus, people, asset):
    loan = services.loan_request(actor=people["cook"], campus=campus, asset=asset, purpose="活动用")
    assert loan.status == Loan.Status.REQUESTED and loan.borrower == people["cook"]
    assert Notification.objects.filter(recipient=people["keeper"], event="assets.loan_requested").exists()
    asset.refresh_from_db()
    assert asset.status == Asset.Status.IDLE
    with pytest.raises(ValidationError):
        services.loan_request(actor=people["cook"], campus=campus, asset=asset, purpose="again")
    services.loan_approve(actor=people["keeper"], loan=loan, condition_out=Condition.GOOD)
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OUT and loan.lent_by == people["keeper"]
    asset.refresh_from_db()
    assert asset.status == Asset.Status.ON_LOAN

    other = AssetFactory(campus=campus)
    request = services.loan_request(actor=people["cook"], campus=campus, asset=other, purpose="x")
    with pytest.raises(ValidationError):
        services.loan_reject(actor=people["keeper"], loan=request, reason="")
    services.loan_reject(actor=people["keeper"], loan=request, reason="正在使用")
    request.refresh_from_db()
    assert request.status == Loan.Status.REJECTED and request.decision_note == "正在使用"

    third = services.loan_request(actor=people["cook"], campus=campus, asset=other, purpose="y")
    with pytest.raises(PermissionDenied):
        services.loan_cancel(actor=people["teacher"], loan=third)
    services.loan_cancel(actor=people["cook"], loan=third)
    third.refresh_from_db()
    assert third.status == Loan.Status.CANCELLED


def test_a_request_is_refused_at_once_for_an_unavailable_asset(campus, people):
    broken = AssetFactory(campus=campus, status=Asset.Status.UNDER_REPAIR)
    with pytest.raises(ValidationError):
        services.loan_request(actor=people["cook"], campus=campus, asset=broken, purpose="x")


def test_a_damaged_return_opens_a_damage_record_for_the_borrower(campus, people, asset):
    loan = _lend(campus, people, asset)
    with pytest.raises(ValidationError):  # a damage record needs a damaged return
        services.loan_return(
            actor=people["keeper"], loan=loan, condition_in=Condition.GOOD, record_damage=True
        )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OUT
    services.loan_return(actor=people["keeper"], loan=loan, condition_in=Condition.DAMAGED, note_in="镜头裂",
                         record_damage=True, compensation_due="300")  # fmt: skip
    damage = Damage.objects.get()
    assert damage.loan == loan and damage.source == Damage.Source.LOAN
    assert damage.responsible_user == people["teacher"] and damage.compensation_due == 300
    asset.refresh_from_db()
    assert asset.status == Asset.Status.DAMAGED


def test_overdue_list_and_daily_reminder(campus, people, asset):
    today = timezone.localdate()
    late = LoanFactory(campus=campus, borrower=people["teacher"], due_on=today - dt.timedelta(days=3))
    LoanFactory(campus=campus, borrower=people["teacher"], due_on=today + dt.timedelta(days=3))
    LoanFactory(campus=campus, status=Loan.Status.RETURNED, due_on=today - dt.timedelta(days=9))
    assert list(services.overdue_loans(campus)) == [late]
    assert late.is_overdue and late.overdue_days == 3

    assert services.loans_remind() == 1
    to_teacher = Notification.objects.filter(recipient=people["teacher"], event="assets.loan_overdue")
    to_keeper = Notification.objects.filter(recipient=people["keeper"], event="assets.loan_overdue")
    assert to_teacher.count() == 1 and to_keeper.count() == 1
    assert services.loans_remind() == 0  # once a day
    assert services.loans_remind(now=timezone.now() + dt.timedelta(days=1)) == 1


def test_tick_job_is_registered():
    from houqin.core import ticks

    assert "assets.loan_overdue" in {job.name for job in ticks.jobs()}


# --- Pages --------------------------------------------------------------------------------


def _url(campus, name, **kwargs):
    return reverse(f"assets:{name}", kwargs={"campus": campus.code, **kwargs})


def test_lend_page_with_a_scanned_label(campus, people, asset):
    client = client_for(people["keeper"])
    assert client.get(_url(campus, "loan_create") + f"?asset={asset.pk}").status_code == 200
    response = client.post(_url(campus, "loan_create"), {
        "asset": f"https://example.org/q/a/{asset.qr_token}/", "borrower": people["teacher"].pk, "school_class": "",
        "due_on": "", "purpose": "开放日", "condition_out": "good", "note_out": "",
    })  # fmt: skip
    assert response.status_code == 302
    loan = Loan.objects.get()
    assert loan.asset == asset and loan.status == Loan.Status.OUT


def test_lend_page_shows_the_refusal_and_changes_nothing(campus, people):
    gone = AssetFactory(campus=campus, status=Asset.Status.DISPOSED, tag="ZC-OLD-1")
    client = client_for(people["keeper"])
    response = client.post(_url(campus, "loan_create"), {
        "asset": "zc-old-1", "borrower": people["teacher"].pk, "condition_out": "good",
    })  # fmt: skip
    assert response.status_code == 200 and "disposed" in response.content.decode()
    response = client.post(_url(campus, "loan_create"), {"asset": "NO-SUCH", "borrower": people["teacher"].pk,
                                                         "condition_out": "good"})  # fmt: skip
    assert response.status_code == 200 and "NO-SUCH" in response.content.decode()
    assert not Loan.objects.exists()
    gone.refresh_from_db()
    assert gone.status == Asset.Status.DISPOSED


def test_request_page_mine_page_and_cancel(campus, people, asset):
    client = client_for(people["cook"])
    response = client.post(_url(campus, "loan_request"), {"asset": asset.tag, "purpose": "包饺子活动"})
    assert response.status_code == 302
    loan = Loan.objects.get()
    mine = client.get(_url(campus, "loan_mine"))
    assert mine.status_code == 200 and loan.number in mine.content.decode()
    assert client.get(_url(campus, "loan_detail", pk=loan.pk)).status_code == 403  # no view_custody
    assert client.post(_url(campus, "loan_cancel", pk=loan.pk), {"back": "mine"}).status_code == 302
    loan.refresh_from_db()
    assert loan.status == Loan.Status.CANCELLED


def test_detail_approve_and_return_views(campus, people, asset):
    loan = services.loan_request(actor=people["teacher"], campus=campus, asset=asset, purpose="x")
    client = client_for(people["keeper"])
    page = client.get(_url(campus, "loan_detail", pk=loan.pk))
    assert page.status_code == 200 and 'data-testid="lend-form"' in page.content.decode()
    client.post(
        _url(campus, "loan_approve", pk=loan.pk), {"due_on": "", "condition_out": "good", "note_out": ""}
    )
    loan.refresh_from_db()
    assert loan.status == Loan.Status.OUT
    client.post(_url(campus, "loan_return", pk=loan.pk), {"condition_in": "good", "note_in": "完好"})
    loan.refresh_from_db()
    assert loan.status == Loan.Status.RETURNED
    teacher = client_for(people["teacher"])
    assert teacher.post(_url(campus, "loan_return", pk=loan.pk), {"condition_in": "good"}).status_code == 403


def test_list_overdue_filter_and_dashboard_card(campus, people, member_client):
    today = timezone.localdate()
    late = LoanFactory(campus=campus, due_on=today - dt.timedelta(days=2))
    fine = LoanFactory(campus=campus)
    page = member_client.get(_url(campus, "loan_list") + "?overdue=1")
    text = page.content.decode()
    assert page.status_code == 200 and late.number in text and fine.number not in text
    dashboard = member_client.get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert late.number in dashboard.content.decode()


def test_asset_panel_shows_loans(campus, people, asset, rf):
    from houqin.assets.panels import panels_for

    loan = _lend(campus, people, asset)
    request = rf.get("/")
    request.perms = {"assets.view_custody", "assets.manage_custody"}
    request.user = people["keeper"]
    request.campus = campus
    panels = {p.key: ctx for p, ctx in panels_for(request, asset)}
    assert panels["assets.loans"]["loans"] == [loan]
    assert "already on loan" in panels["assets.loans"]["refusal"]
    request.perms = {"assets.view_assets"}
    assert "assets.loans" not in {p.key for p, _ctx in panels_for(request, asset)}


def test_asset_page_shows_the_loan_and_damage_panels(campus, people, asset):
    loan = _lend(campus, people, asset)
    services.loan_return(
        actor=people["keeper"], loan=loan, condition_in=Condition.DAMAGED, record_damage=True
    )
    page = client_for(people["keeper"]).get(_url(campus, "asset_detail", pk=asset.pk))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="asset-loans-panel"' in text and loan.number in text
    assert 'data-testid="asset-damage-panel"' in text and Damage.objects.get().number in text
