"""Hazard pages: the ledger (filters, export, print), reporting from a phone, the
transitions as buttons, permissions and query counts."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from houqin.safety import services
from houqin.safety.models import Hazard
from tests import factories as f
from tests.conftest import login
from tests.safety.hazard_helpers import png

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


def make(campus, people, room, **data):
    return services.hazard_report(
        actor=people["teacher"], campus=campus, data={"room": room, "description": "滑梯护栏松动", **data}
    )


def test_report_from_the_phone_form(campus, people, room):
    client = login(people["cook"])
    response = client.get(url(campus, "hazard_create") + f"?room={room.pk}")
    assert response.status_code == 200
    assert 'capture="environment"' in response.content.decode()
    assert "owner" not in response.context["form"].fields  # only managers assign
    response = client.post(
        url(campus, "hazard_create"),
        {"room": room.pk, "category": "toys", "severity": "medium", "description": "秋千链条断了一节",
         "photos": [png("a.png"), png("b.png")]},
    )  # fmt: skip
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == url(campus, "hazard_detail", pk=hazard.pk)
    assert hazard.reporter == people["cook"] and hazard.severity == "medium"
    assert services.attachments_for(hazard).filter(kind="before").count() == 2


def test_bad_input_changes_nothing(campus, people):
    client = login(people["cook"])
    response = client.post(
        url(campus, "hazard_create"), {"category": "toys", "severity": "low", "description": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Hazard.objects.exists()


def test_a_photo_that_is_not_a_picture_is_refused(campus, people, room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(people["cook"])
    response = client.post(
        url(campus, "hazard_create"),
        {"room": room.pk, "category": "toys", "severity": "low", "description": "x",
         "photos": [SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")]},
    )  # fmt: skip
    assert response.status_code == 200
    assert not Hazard.objects.exists()


def test_full_flow_through_the_buttons(campus, people, room):
    hazard = make(campus, people, room)
    head, repair, principal = login(people["head"]), login(people["repair"]), login(people["principal"])
    detail = url(campus, "hazard_detail", pk=hazard.pk)
    assert "assign_form" in head.get(detail).context and head.get(detail).context["assign_form"] is not None
    deadline = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    head.post(
        url(campus, "hazard_assign", pk=hazard.pk), {"owner": people["repair"].pk, "deadline": deadline}
    )
    hazard.refresh_from_db()
    assert hazard.status == "assigned" and hazard.deadline.isoformat() == deadline
    page = repair.get(detail)
    assert page.context["rectify_form"] is not None and page.context["assign_form"] is None
    # without an after-photo: refused with a message, nothing changes
    response = repair.post(url(campus, "hazard_rectify", pk=hazard.pk), {"note": "修好了"}, follow=True)
    assert "photo" in response.content.decode().lower() or "照片" in response.content.decode()
    hazard.refresh_from_db()
    assert hazard.status == "assigned"
    repair.post(url(campus, "hazard_rectify", pk=hazard.pk), {"note": "修好了", "photos": [png()]})
    hazard.refresh_from_db()
    assert hazard.status == "rectified"
    # the rectifier has no verify button; the principal has
    assert head.get(detail).context["verify_form"] is not None
    principal.post(url(campus, "hazard_verify", pk=hazard.pk), {"note": "合格"})
    hazard.refresh_from_db()
    assert hazard.status == "closed" and hazard.verified_by == people["principal"]
    head.post(url(campus, "hazard_reopen", pk=hazard.pk), {"reopen-reason": "再次松动"})
    hazard.refresh_from_db()
    assert hazard.status == "assigned" and hazard.returned_reason == "再次松动"


def test_rectifier_cannot_verify_through_the_page(campus, people, room):
    hazard = services.hazard_assign(
        actor=people["head"], hazard=make(campus, people, room), owner=people["head"]
    )
    services.hazard_rectify(actor=people["head"], hazard=hazard, note="自己修", photos=[png()])
    client = login(people["head"])
    page = client.get(url(campus, "hazard_detail", pk=hazard.pk))
    assert page.context["verify_form"] is None and page.context["rectifier_is_me"]
    client.post(url(campus, "hazard_verify", pk=hazard.pk), {})
    hazard.refresh_from_db()
    assert hazard.status == "rectified"


def test_permissions(campus, people, room, outsider_client):
    hazard = make(campus, people, room)
    cook = login(people["cook"])
    assert cook.get(url(campus, "hazard_list")).status_code == 200
    assert cook.get(url(campus, "hazard_detail", pk=hazard.pk)).status_code == 200
    assert (
        cook.post(url(campus, "hazard_assign", pk=hazard.pk), {"owner": people["cook"].pk}).status_code == 403
    )
    assert cook.get(url(campus, "hazard_update", pk=hazard.pk)).status_code == 403
    assert cook.post(url(campus, "hazard_void", pk=hazard.pk), {"void-reason": "x"}).status_code == 403
    assert outsider_client.get(url(campus, "hazard_detail", pk=hazard.pk)).status_code == 404
    hazard.refresh_from_db()
    assert hazard.status == "reported"


def test_other_campus_hazard_is_404(campus, other_campus, people):
    foreign = f.HazardFactory(campus=other_campus)
    assert login(people["head"]).get(url(campus, "hazard_detail", pk=foreign.pk)).status_code == 404


def test_ledger_filters(campus, people, room):
    old = make(campus, people, room, severity="high", category="fire")
    services.hazard_assign(actor=people["head"], hazard=old, owner=people["repair"])
    Hazard.objects.filter(pk=old.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=3),
        reported_at=timezone.now() - dt.timedelta(days=20),
    )
    new = make(campus, people, room, description="消防通道堆放杂物")
    client = login(people["head"])

    def numbers(**params):
        response = client.get(url(campus, "hazard_list"), params)
        assert response.status_code == 200
        return {row["obj"].pk for row in response.context["rows"]}

    assert numbers() == {old.pk, new.pk}
    assert numbers(overdue="1") == {old.pk}
    assert numbers(severity="high") == {old.pk}
    assert numbers(category="fire") == {old.pk}
    assert numbers(status="reported") == {new.pk}
    assert numbers(owner=people["repair"].pk) == {old.pk}
    assert numbers(date_from=(timezone.localdate() - dt.timedelta(days=5)).isoformat()) == {new.pk}
    assert numbers(q="消防通道") == {new.pk}
    assert numbers(room=room.pk) == {old.pk, new.pk}
    assert (
        login(people["repair"]).get(url(campus, "hazard_list"), {"mine": "1"}).context["paginator"].count == 1
    )


def test_ledger_export_and_print(campus, people, room):
    hazard = make(campus, people, room, measures="紧固")
    client = login(people["head"])
    response = client.get(url(campus, "hazard_list"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert hazard.number in [r[0] for r in rows]
    page = client.get(url(campus, "hazard_print"), {"status": "reported"})
    assert page.status_code == 200
    content = page.content.decode()
    assert hazard.number in content and "紧固" in content
    assert client.get(url(campus, "hazard_print"), {"status": "closed"}).context["rows"] == []


def test_dashboard_shows_overdue_and_my_hazards(campus, people, room):
    hazard = services.hazard_assign(
        actor=people["head"], hazard=make(campus, people, room), owner=people["repair"]
    )
    Hazard.objects.filter(pk=hazard.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    head = login(people["head"]).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    titles = [str(c.title) for c in head.context["cards"]]
    assert any("verdue" in t or "逾期" in t for t in titles)
    repair = login(people["repair"]).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert any(hazard.number in label for c in repair.context["cards"] for label, _u in c.items)


def test_detail_page_query_count_does_not_grow_with_photos(
    campus, people, room, django_assert_max_num_queries
):
    hazard = make(campus, people, room)
    client = login(people["head"])
    client.get(url(campus, "hazard_detail", pk=hazard.pk))
    for _ in range(5):
        services.attachment_add(actor=people["head"], obj=hazard, uploaded_file=png(), kind="before")
    with django_assert_max_num_queries(40):
        assert client.get(url(campus, "hazard_detail", pk=hazard.pk)).status_code == 200


def test_list_query_count_is_fixed(campus, people, client, django_assert_num_queries):
    client.force_login(people["head"])
    f.HazardFactory.create_batch(10, campus=campus, owner=people["repair"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url(campus, "hazard_list"))
    f.HazardFactory.create_batch(200, campus=campus, owner=people["teacher"])
    with CaptureQueriesContext(connection) as big:
        client.get(url(campus, "hazard_list"))
    assert len(small) == len(big)
