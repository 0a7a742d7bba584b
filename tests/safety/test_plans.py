"""Emergency plans: versions, staff acknowledgements, who has not read, reset on a new version."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from houqin.core.models import Notification
from houqin.safety import services
from houqin.safety.models import EmergencyPlan, PlanAcknowledgement
from tests import factories as f
from tests.conftest import login

pytestmark = pytest.mark.django_db


def url(campus, name, **kwargs):
    return reverse(f"safety:{name}", kwargs={"campus": campus.code, **kwargs})


def test_new_version_resets_acknowledgements(campus, people, make_member):
    from houqin.core.roles import Role

    make_member(Role.PARENT, username="a-parent")  # parents are not staff
    plan = f.EmergencyPlanFactory(campus=campus)
    with pytest.raises(ValidationError):
        services.plan_acknowledge(actor=people["cook"], plan=plan)  # nothing published
    services.plan_publish_version(actor=people["head"], plan=plan, version="2025版", text="一、报警……")
    assert Notification.objects.filter(recipient=people["cook"], event="safety.plan_published").exists()
    staff = {u.username for u in services.campus_staff(campus)}
    assert "a-parent" not in staff and len(staff) == 7
    services.plan_acknowledge(actor=people["cook"], plan=plan)
    services.plan_acknowledge(actor=people["guard"], plan=plan)
    with pytest.raises(ValidationError):
        services.plan_acknowledge(actor=people["cook"], plan=plan)
    assert {u.username for u in services.plan_unacknowledged(plan)} == staff - {"cook", "guard"}
    services.plan_publish_version(actor=people["head"], plan=plan, version="2026版", text="修订后的预案")
    plan.refresh_from_db()
    assert plan.current_version.version == "2026版"
    assert {u.username for u in services.plan_unacknowledged(plan)} == staff
    assert PlanAcknowledgement.objects.count() == 2  # the old version's reading stays on record
    services.plan_acknowledge(actor=people["cook"], plan=plan)
    assert "cook" not in {u.username for u in services.plan_unacknowledged(plan)}


def test_a_version_needs_text_or_pdf(campus, people):
    plan = f.EmergencyPlanFactory(campus=campus)
    with pytest.raises(ValidationError):
        services.plan_publish_version(actor=people["head"], plan=plan, version="V1", text=" ")
    pdf = __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
        "plan.pdf", b"%PDF-1.4\n%fake\n", "application/pdf"
    )
    version = services.plan_publish_version(actor=people["head"], plan=plan, version="V1", pdf=pdf)
    assert services.attachments_for(version).filter(mime_type="application/pdf").exists()


def test_pages(campus, people, outsider_client):
    head = login(people["head"])
    response = head.post(
        url(campus, "plan_create"), {"title": "火灾事故应急预案", "category": "fire", "is_active": "on"}
    )
    plan = EmergencyPlan.objects.get()
    assert response["Location"] == url(campus, "plan_version_create", pk=plan.pk)
    head.post(
        url(campus, "plan_version_create", pk=plan.pk),
        {"version": "V1", "published_on": "2026-09-01", "text": "报警119"},
    )
    cook = login(people["cook"])
    page = cook.get(url(campus, "plan_detail", pk=plan.pk))
    assert page.context["can_acknowledge"] and "not_acknowledged" not in page.context
    cook.post(url(campus, "plan_acknowledge", pk=plan.pk))
    assert cook.get(url(campus, "plan_detail", pk=plan.pk)).context["my_ack"] is not None
    manager_page = head.get(url(campus, "plan_detail", pk=plan.pk))
    assert people["cook"] not in manager_page.context["not_acknowledged"]
    assert people["guard"] in manager_page.context["not_acknowledged"]
    listing = head.get(url(campus, "plan_list"))
    assert "1 / 7" in listing.content.decode()
    assert cook.get(url(campus, "plan_version_create", pk=plan.pk)).status_code == 403
    assert outsider_client.get(url(campus, "plan_detail", pk=plan.pk)).status_code == 404
