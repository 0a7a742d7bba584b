import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from houqin.core.notifications import notify
from houqin.core.requests_services import general_request_create, general_request_submit
from houqin.core.roles import Role
from tests import factories as f

OUT = "/tmp/mechshots"


@pytest.mark.django_db(transaction=True)
def test_shots(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with scopes_disabled():
        org = f.OrganizationFactory(code="g")
        campus = f.CampusFactory(organization=org, code="main", name="示范幼儿园总园", address="示范路1号", phone="010-1234")
        boss = f.UserFactory(username="boss", real_name="王园长")
        f.MembershipFactory(user=boss, campus=campus, role=Role.PRINCIPAL)
        head = f.UserFactory(username="head", real_name="李主任")
        f.MembershipFactory(user=head, campus=campus, role=Role.LOGISTICS_HEAD)
        gr = general_request_create(actor=head, campus=campus, data={"title": "购买六一活动音响设备", "category": "expense", "amount": "4800", "description": "六一活动需要音响两台\n以及话筒"})
        approval = general_request_submit(actor=head, general_request=gr)
        from houqin.core import approvals
        # principal step is second; make head approve? head is requester -> principal waiting? plan: head step then principal
        notify(campus=campus, recipients=[boss], title="等待您审批：购买音响", body="李主任提交了申请", url=f"/c/main/approvals/{approval.pk}/", webhook=False)
        f.PublicNoticeFactory(campus=campus, title="十月伙食费公示", body="收入 12000 元\n支出 11800 元", is_published=True, published_at="2026-10-31T10:00:00+08:00")
        wh = f.WebhookEndpointFactory(campus=campus, name="后勤群", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefg1234")
        from houqin.core.models import WebhookDelivery
        WebhookDelivery.objects.create(campus=campus, endpoint=wh, event="approval.pending", payload={}, status="failed", attempts=5, last_error="HTTP 500")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", f.DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    paths = {
        "dashboard": "/c/main/",
        "inbox": "/c/main/approvals/?tab=all",
        "approval": f"/c/main/approvals/{approval.pk}/",
        "flows": "/c/main/approvals/flows/",
        "flow_edit": "/c/main/approvals/flows/core.general_request/",
        "requests": "/c/main/requests/",
        "request_new": "/c/main/requests/new/",
        "request": f"/c/main/requests/{gr.pk}/",
        "request_print": f"/c/main/requests/{gr.pk}/print/",
        "notifications": "/c/main/notifications/",
        "webhooks": "/c/main/webhooks/",
        "webhook": f"/c/main/webhooks/{wh.pk}/",
        "audit": "/c/main/audit/",
        "settings": "/c/main/settings/",
        "notices": "/c/main/notices/",
        "public": "/p/main/",
    }
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for name, p in paths.items():
            page.goto(live_server.url + p)
            page.screenshot(path=f"{OUT}/{name}-{width}.png", full_page=True)
            w = page.evaluate("document.documentElement.scrollWidth")
            print(name, width, w)
