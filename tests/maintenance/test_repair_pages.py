"""The repair pages: reporting, "my repairs", the ledger and the work orders, the request
page with its forms for each person, the transitions posted from it, the printable slip,
the hazard → repair link, the asset page's repair history and the dashboard cards."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import Notification
from houqin.maintenance import services
from houqin.maintenance.models import RepairRequest
from tests.conftest import login
from tests.maintenance.helpers import dispatched, done, png, report

pytestmark = pytest.mark.django_db


def url(name, campus, **kwargs):
    return reverse(f"maintenance:{name}", kwargs={"campus": campus.code, **kwargs})


def test_staff_report_a_repair_with_photos(people, room, campus):
    client = login(people["cook"])
    page = client.get(url("repair_create", campus) + f"?room={room.pk}")
    assert page.status_code == 200 and page.context["form"].initial["room"] == room.pk
    response = client.post(
        url("repair_create", campus),
        {"room": room.pk, "category": "", "urgency": "urgent", "description": "蒸饭柜漏气", "photos": [png(), png("b.png")]},
    )
    repair = RepairRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("repair_detail", campus, pk=repair.pk)
    assert repair.reporter == people["cook"] and repair.urgency == "urgent" and repair.category == "kitchen"
    from houqin.core.attachments import attachments_for

    assert attachments_for(repair).count() == 2


def test_bad_report_is_explained_and_saves_nothing(people, campus):
    client = login(people["teacher"])
    response = client.post(url("repair_create", campus), {"urgency": "normal", "description": "坏"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not RepairRequest.objects.exists()


def test_my_repairs_shows_only_my_own(people, room, campus):
    mine = report(people, room, who="teacher", description="门锁坏了")
    other = report(people, room, who="cook", description="灶台漏气")
    page = login(people["teacher"]).get(url("repair_mine", campus))
    assert page.status_code == 200
    body = page.content.decode()
    assert mine.number in body and other.number not in body


def test_my_repairs_lists_the_ones_to_sign_off(people, room, campus):
    repair = done(people, room)
    page = login(people["teacher"]).get(url("repair_mine", campus))
    assert [r.pk for r in page.context["to_sign"]] == [repair.pk]


def test_the_ledger_needs_view_repairs(people, room, campus):
    report(people, room)
    assert login(people["teacher"]).get(url("repair_list", campus)).status_code == 403
    page = login(people["head"]).get(url("repair_list", campus))
    assert page.status_code == 200 and page.context["to_dispatch_count"] == 1
    assert login(people["head"]).get(url("repair_list", campus) + "?status=reported&category=utilities").status_code == 200


def test_the_ledger_exports_to_excel(people, room, campus):
    done(people, room)
    response = login(people["head"]).get(url("repair_list", campus) + "?export=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_overdue_filter_of_the_work_orders(people, room, campus):
    earlier = timezone.now() - dt.timedelta(days=1)
    late = report(people, room, now=earlier)
    services.repair_dispatch(actor=people["head"], repair=late, worker=people["repair"], now=earlier)
    dispatched(people, room)
    page = login(people["head"]).get(url("workorder_list", campus) + "?overdue=1")
    assert page.status_code == 200
    assert [row["obj"].request_id for row in page.context["rows"]] == [late.pk]
    assert page.context["overdue_count"] == 1
    mine = login(people["repair"]).get(url("workorder_list", campus) + "?mine=1")
    assert len(mine.context["rows"]) == 2


def test_a_work_order_link_leads_to_its_request(people, room, campus):
    repair = dispatched(people, room)
    response = login(people["head"]).get(url("workorder_detail", campus, pk=repair.work_order.pk))
    assert response.status_code == 302 and response["Location"] == url("repair_detail", campus, pk=repair.pk)


def test_who_sees_a_request(people, room, campus):
    repair = report(people, room, who="teacher")
    detail = url("repair_detail", campus, pk=repair.pk)
    assert login(people["teacher"]).get(detail).status_code == 200
    assert login(people["cook"]).get(detail).status_code == 404  # another reporter's
    assert login(people["head"]).get(detail).status_code == 200  # view_repairs
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair2"])
    assert login(people["repair2"]).get(detail).status_code == 200
    assert login(people["cook"]).get(url("repair_print", campus, pk=repair.pk)).status_code == 404


def test_each_person_gets_their_forms(people, room, campus):
    repair = report(people, room, who="teacher")
    detail = url("repair_detail", campus, pk=repair.pk)
    ctx = login(people["head"]).get(detail).context
    assert ctx["dispatch_form"] is not None and ctx["cancel_form"] is not None and ctx["finish_form"] is None
    ctx = login(people["teacher"]).get(detail).context
    assert ctx["dispatch_form"] is None and ctx["sign_form"] is None and ctx["cancel_form"] is None
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    ctx = login(people["repair"]).get(detail).context
    assert ctx["can_start"] and ctx["finish_form"] is not None and ctx["part_form"] is not None
    assert ctx["dispatch_form"] is None and not ctx["work_folded"]
    assert login(people["head"]).get(detail).context["work_folded"]
    assert login(people["repair2"]).get(detail).status_code == 200  # view_repairs, but not theirs to do
    assert login(people["repair2"]).get(detail).context["finish_form"] is None


def test_the_whole_flow_through_the_pages(people, room, campus):
    repair = report(people, room, who="teacher", description="窗户玻璃破裂")
    head, worker, teacher = login(people["head"]), login(people["repair"]), login(people["teacher"])
    response = head.post(
        url("repair_dispatch", campus, pk=repair.pk),
        {"dispatch-worker": people["repair"].pk, "dispatch-instructions": "先做好防护"},
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    assert repair.status == "dispatched" and repair.work_order.instructions == "先做好防护"
    assert worker.post(url("repair_start", campus, pk=repair.pk)).status_code == 302
    worker.post(
        url("repair_part_add", campus, pk=repair.pk),
        {"part-description": "钢化玻璃", "part-unit": "块", "part-quantity": "1", "part-unit_price": "85"},
    )
    worker.post(url("repair_work", campus, pk=repair.pk), {"work-work_done": "量尺寸，订玻璃", "work-labour_cost": "20"})
    # no after-photo: refused with a message, nothing changes
    response = worker.post(url("repair_finish", campus, pk=repair.pk), {"finish-work_done": "更换玻璃"}, follow=True)
    assert any("photo" in str(m).lower() or "照片" in str(m) for m in response.context["messages"])
    repair.refresh_from_db()
    assert repair.status == "in_progress"
    worker.post(url("repair_finish", campus, pk=repair.pk), {"finish-work_done": "更换钢化玻璃", "finish-photos": [png()]})
    repair.refresh_from_db()
    assert repair.status == "done" and repair.work_order.total_cost == 105
    page = teacher.get(url("repair_detail", campus, pk=repair.pk))
    assert page.context["sign_form"] is not None
    teacher.post(url("repair_sign_off", campus, pk=repair.pk), {"sign-note": "已修好"})
    repair.refresh_from_db()
    assert repair.status == "closed" and repair.work_order.sign_off_note == "已修好"
    slip = teacher.get(url("repair_print", campus, pk=repair.pk))
    assert slip.status_code == 200
    body = slip.content.decode()
    assert repair.number in body and "钢化玻璃" in body and "105" in body


def test_dispatch_form_errors_are_explained(people, room, campus):
    repair = report(people, room)
    head = login(people["head"])
    for data in (
        {},
        {"dispatch-worker": people["repair"].pk, "dispatch-contractor_name": "某公司"},
        {"dispatch-contractor_name": "某公司", "dispatch-contractor_phone": "12345"},
    ):
        response = head.post(url("repair_dispatch", campus, pk=repair.pk), data, follow=True)
        assert response.status_code == 200 and list(response.context["messages"])
    repair.refresh_from_db()
    assert repair.status == "reported"
    head.post(
        url("repair_dispatch", campus, pk=repair.pk),
        {"dispatch-contractor_name": "格力空调售后", "dispatch-contractor_phone": "0571-88886666"},
    )
    repair.refresh_from_db()
    assert repair.status == "dispatched" and repair.work_order.kind == "contractor"
    ctx = head.get(url("repair_detail", campus, pk=repair.pk)).context
    assert ctx["finish_form"] is not None and not ctx["work_folded"]  # the head records the contractor's work


def test_send_back_and_cancel_through_the_pages(people, room, campus):
    repair = done(people, room)
    teacher = login(people["teacher"])
    teacher.post(url("repair_send_back", campus, pk=repair.pk), {"back-reason": "还在漏水"})
    repair.refresh_from_db()
    assert repair.status == "in_progress" and repair.work_order.reopened_count == 1
    other = report(people, room)
    assert teacher.post(url("repair_cancel", campus, pk=other.pk), {"cancel-reason": "x"}).status_code == 403
    login(people["head"]).post(url("repair_cancel", campus, pk=other.pk), {"cancel-reason": "重复报修"})
    other.refresh_from_db()
    assert other.status == "cancelled"


def test_void_a_part_line_through_the_page(people, room, campus):
    repair = dispatched(people, room)
    part = services.work_order_add_part(actor=people["repair"], repair=repair, description="胶水", quantity="1", unit_price="8")
    login(people["repair"]).post(url("repair_part_void", campus, pk=repair.pk, part_pk=part.pk), {"void-reason": "没用上"})
    part.refresh_from_db()
    assert part.voided_at is not None


def test_leader_corrects_a_request(people, room, campus):
    repair = report(people, room)
    assert login(people["teacher"]).get(url("repair_update", campus, pk=repair.pk)).status_code == 403
    response = login(people["head"]).post(
        url("repair_update", campus, pk=repair.pk),
        {"room": room.pk, "category": "furniture", "urgency": "normal", "description": "椅子腿断了"},
    )
    assert response.status_code == 302
    repair.refresh_from_db()
    assert repair.category == "furniture" and repair.description == "椅子腿断了"


def test_open_a_repair_from_a_hazard(people, room, campus):
    from houqin.core.attachments import attachment_add
    from houqin.safety import services as safety

    hazard = safety.hazard_report(
        actor=people["guard"], campus=campus,
        data={"room": room, "category": "electrical", "severity": "high", "description": "插座冒火花"},
    )  # fmt: skip
    attachment_add(actor=people["guard"], obj=hazard, uploaded_file=png(), kind="before")
    hazard_page = url("repair_from_hazard", campus, pk=hazard.pk)
    client = login(people["teacher"])
    page = client.get(reverse("safety:hazard_detail", kwargs={"campus": campus.code, "pk": hazard.pk}))
    assert page.status_code == 200 and 'data-testid="open-repair"' in page.content.decode()
    assert client.get(hazard_page).status_code == 405
    response = client.post(hazard_page)
    repair = RepairRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("repair_detail", campus, pk=repair.pk)
    assert repair.origin == hazard and repair.source == "hazard" and repair.room == room
    assert repair.urgency == "safety" and repair.category == "utilities" and hazard.number in repair.description
    from houqin.core.attachments import attachments_for

    assert attachments_for(repair).filter(kind="before").count() == 1
    client.post(hazard_page)  # a second tap goes to the same repair
    assert RepairRequest.objects.count() == 1
    page = client.get(reverse("safety:hazard_detail", kwargs={"campus": campus.code, "pk": hazard.pk}))
    body = page.content.decode()
    assert repair.number in body and 'data-testid="open-repair"' not in body
    assert login(people["cook"]).get(url("repair_detail", campus, pk=repair.pk)).status_code == 404
    # without the right to see hazards, nobody opens repairs from them
    assert login(people["cook"]).post(hazard_page).status_code in (403, 302)
    assert RepairRequest.objects.count() == 1


def test_asset_page_shows_its_repair_history(people, campus, asset):
    repair = services.repair_request_create(actor=people["teacher"], campus=campus, description="空调漏水", asset=asset)
    services.repair_dispatch(actor=people["head"], repair=repair, worker=people["repair"])
    services.work_order_record(actor=people["repair"], repair=repair, labour_cost="50")
    context = services.asset_repairs(asset)
    assert [r.pk for r in context["repairs"]] == [repair.pk]
    assert context["repair_count"] == 1 and context["repair_cost"] == 50
    from houqin.assets.panels import panels_for

    request = type("R", (), {"perms": {"maintenance.view_repairs"}})()
    assert "maintenance.repairs" in [p.key for p, _c in panels_for(request, asset)]
    page = login(people["head"]).get(reverse("assets:asset_detail", kwargs={"campus": campus.code, "pk": asset.pk}))
    assert page.status_code == 200 and repair.number in page.content.decode()


def test_asset_panel_queries_do_not_grow(people, campus, asset, django_assert_max_num_queries):
    for n in range(6):
        services.repair_request_create(actor=people["teacher"], campus=campus, description=f"第{n}次故障", asset=asset)
    with django_assert_max_num_queries(2):
        context = services.asset_repairs(asset)
        [getattr(r, "work_order", None) for r in context["repairs"]]


def test_dashboard_cards(people, room, campus):
    report(people, room, urgency="safety")
    earlier = timezone.now() - dt.timedelta(days=1)
    late = report(people, room, now=earlier)
    services.repair_dispatch(actor=people["head"], repair=late, worker=people["repair"], now=earlier)
    back = done(people, room)
    services.repair_send_back(actor=people["teacher"], repair=back, reason="没修好")
    finished = done(people, room)
    from houqin.maintenance import repairs_registrations as reg

    class Req:
        pass

    request = Req()
    request.campus, request.user = campus, people["head"]
    assert reg.to_dispatch_card(request)[0].count == 1 and reg.to_dispatch_card(request)[0].level == "danger"
    assert reg.overdue_card(request)[0].count == 1
    assert reg.reopened_card(request)[0].count == 1
    request.user = people["repair"]
    assert reg.my_orders_card(request)[0].count == 2  # the overdue one and the one sent back
    request.user = people["teacher"]
    assert [i[0] for i in reg.to_sign_off_card(request)[0].items] == [reg._label(finished)]
    assert Notification.objects.filter(recipient=people["head"]).exists()


def test_dashboard_shows_the_repair_cards(people, room, campus):
    report(people, room)
    from django.utils.translation import gettext

    page = login(people["head"]).get(reverse("core:dashboard", kwargs={"campus": campus.code}))
    assert page.status_code == 200
    cards = {card.title: card for card in page.context["cards"]}
    assert cards[gettext("Repairs to dispatch")].count == 1
    assert gettext("Repairs to dispatch") in page.content.decode()
    teacher_cards = [c.title for c in login(people["teacher"]).get(reverse("core:dashboard", kwargs={"campus": campus.code})).context["cards"]]
    assert gettext("Repairs to dispatch") not in teacher_cards
