"""Responsibility agreements: who must sign, on-screen and scanned signatures, completion."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from houqin.core.roles import Role
from houqin.safety import services
from houqin.safety.models import Agreement, AgreementSignature
from tests import factories as f
from tests.conftest import login
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def letter(campus):
    return f.AgreementFactory(
        campus=campus, roles=[Role.COOK, Role.GUARD, Role.REPAIR_WORKER], title="安全责任书"
    )


def test_staff_agreement_completion(campus, people, letter, make_member):
    make_member(Role.COOK, username="cook2")
    progress = services.agreement_progress(letter)
    assert progress["required"] == 4 and progress["signed"] == 0 and progress["rate"] == 0
    services.agreement_confirm(actor=people["cook"], agreement=letter)
    services.agreement_record_scan(
        actor=people["head"], agreement=letter, user=people["guard"], scan=png("scan.png")
    )
    progress = services.agreement_progress(letter)
    assert progress["signed"] == 2 and progress["rate"] == 50.0
    assert {u.username for u in progress["missing"]} == {"repair", "cook2"}
    with pytest.raises(ValidationError):
        services.agreement_confirm(actor=people["cook"], agreement=letter)  # twice
    with pytest.raises(PermissionDenied):
        services.agreement_confirm(actor=people["teacher"], agreement=letter)  # not a signer


def test_a_scan_is_required_and_voiding_reopens(campus, people, letter):
    with pytest.raises(ValidationError):
        services.agreement_record_scan(
            actor=people["head"], agreement=letter, user=people["guard"], scan=None
        )
    signature = services.agreement_record_scan(
        actor=people["head"], agreement=letter, user=people["guard"], scan=png()
    )
    assert signature.method == "scan" and services.attachments_for(signature).filter(kind="scan").exists()
    with pytest.raises(ValidationError):
        services.agreement_signature_void(actor=people["head"], signature=signature, reason="")
    services.agreement_signature_void(actor=people["head"], signature=signature, reason="签错了文件")
    assert services.agreement_progress(letter)["signed"] == 0
    assert AgreementSignature.objects.filter(pk=signature.pk).exists()  # kept, voided
    services.agreement_record_scan(actor=people["head"], agreement=letter, user=people["guard"], scan=png())
    assert services.agreement_progress(letter)["signed"] == 1


def test_closed_agreement_takes_no_signature(campus, people, letter):
    letter.is_active = False
    letter.save()
    with pytest.raises(ValidationError):
        services.agreement_confirm(actor=people["cook"], agreement=letter)


def test_guardian_agreement_by_classes_and_children(campus, people):
    small = f.SchoolClassFactory(campus=campus, name="小一班")
    big = f.SchoolClassFactory(campus=campus, name="大一班")
    kids = [f.ChildFactory(campus=campus, school_class=small) for _ in range(3)]
    f.ChildFactory(campus=campus, school_class=big)
    f.ChildFactory(campus=campus, school_class=small, status="left")
    pickup = f.AgreementFactory(campus=campus, audience=Agreement.Audience.GUARDIANS, roles=[], kind="pickup")
    assert services.agreement_progress(pickup)["required"] == 4  # every class, enrolled only
    pickup.classes.set([small])
    assert services.agreement_progress(pickup)["required"] == 3
    f.GuardianFactory(child=kids[0], name="张妈妈")
    signature = services.agreement_record_scan(
        actor=people["head"], agreement=pickup, child=kids[0], scan=png()
    )
    assert signature.signer_name == "张妈妈"
    outsider_child = f.ChildFactory(campus=campus, school_class=big)
    with pytest.raises(ValidationError):
        services.agreement_record_scan(
            actor=people["head"], agreement=pickup, child=outsider_child, scan=png()
        )
    with pytest.raises(ValidationError):  # guardians do not confirm on a staff screen
        services.agreement_confirm(actor=people["cook"], agreement=pickup)
    proxy = f.AgreementFactory(
        campus=campus, audience=Agreement.Audience.GUARDIANS, roles=[], kind="proxy_pickup"
    )
    proxy.children.set(kids[1:2])
    assert services.agreement_progress(proxy)["required"] == 1


def test_pages_confirm_scan_export_and_list(campus, people, letter):
    cook = login(people["cook"])
    mine = cook.get(url(campus, "my_safety"))
    assert mine.status_code == 200 and letter.title in mine.content.decode()
    cook.post(url(campus, "agreement_confirm", pk=letter.pk), {"next": url(campus, "my_safety")})
    assert AgreementSignature.objects.filter(user=people["cook"], method="onscreen").exists()
    head = login(people["head"])
    detail = head.get(url(campus, "agreement_detail", pk=letter.pk))
    assert detail.status_code == 200 and detail.context["progress"]["signed"] == 1
    head.post(url(campus, "agreement_scan", pk=letter.pk), {"user": people["guard"].pk, "scan": png()})
    assert services.agreement_progress(letter)["signed"] == 2
    export = head.get(url(campus, "agreement_detail", pk=letter.pk), {"export": "xlsx"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(export.streaming_content))).active.iter_rows(values_only=True)
    )
    assert len(rows) == 4  # header + 3 signers
    listing = head.get(url(campus, "agreement_list"))
    assert "2 / 3" in listing.content.decode()


def test_permissions(campus, people, letter, outsider_client):
    cook = login(people["cook"])
    assert cook.get(url(campus, "agreement_list")).status_code == 403  # not a leader or teacher
    assert (
        cook.post(url(campus, "agreement_scan", pk=letter.pk), {"user": people["cook"].pk}).status_code == 403
    )
    assert login(people["teacher"]).get(url(campus, "agreement_detail", pk=letter.pk)).status_code == 200
    assert outsider_client.post(url(campus, "agreement_confirm", pk=letter.pk)).status_code == 404


def test_list_query_count_is_fixed(campus, people, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["head"])
    f.AgreementFactory.create_batch(3, campus=campus)
    with CaptureQueriesContext(connection) as small:
        client.get(url(campus, "agreement_list"))
    f.AgreementFactory.create_batch(60, campus=campus)
    with CaptureQueriesContext(connection) as big:
        client.get(url(campus, "agreement_list"))
    assert len(small) == len(big)


def test_dashboard_lists_what_to_sign_and_read(campus, people, letter):
    from houqin.safety.models import EmergencyPlan

    plan = EmergencyPlan.objects.create(campus=campus, title="火灾应急预案")
    services.plan_publish_version(actor=people["head"], plan=plan, version="V1", text="报警")
    dashboard = reverse("core:dashboard", kwargs={"campus": campus.code})
    cards = login(people["cook"]).get(dashboard).context["cards"]
    card = next(c for c in cards if c.url == url(campus, "my_safety"))
    assert card.count == 2
    services.agreement_confirm(actor=people["cook"], agreement=letter)
    services.plan_acknowledge(actor=people["cook"], plan=plan)
    cards = login(people["cook"]).get(dashboard).context["cards"]
    assert not [c for c in cards if c.url == url(campus, "my_safety")]
