"""Public notices (公示) management and the public disclosure page /p/<code>/."""

import pytest
from django.test import Client
from django.urls import reverse

from houqin.core import disclosure
from houqin.core.audit import history_for
from houqin.core.models import PublicNotice
from tests import factories as f


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def public_url(code):
    return reverse("public:disclosure", kwargs={"public_campus": code})


def test_create_publish_unpublish_audited(member_client, member, campus):
    response = member_client.post(url("core:notice_create", campus), {"title": "十月伙食费公示", "body": "收入 1000 元"})
    assert response.status_code == 302
    notice = PublicNotice.objects.get()
    assert notice.author == member and not notice.is_published
    detail = member_client.get(url("core:notice_detail", campus, pk=notice.pk))
    assert detail.status_code == 200 and 'data-testid="publish"' in detail.text

    assert member_client.post(url("core:notice_publish", campus, pk=notice.pk)).status_code == 302
    notice.refresh_from_db()
    assert notice.is_published and notice.published_at is not None
    event = history_for(notice).get(action="publish")
    assert event.actor == member and event.after["is_published"] is True

    assert member_client.post(url("core:notice_unpublish", campus, pk=notice.pk)).status_code == 302
    notice.refresh_from_db()
    assert not notice.is_published
    assert history_for(notice).filter(action="unpublish").exists()


def test_published_notice_cannot_be_deleted(member_client, campus):
    notice = f.PublicNoticeFactory(campus=campus, is_published=True)
    member_client.post(url("core:notice_delete", campus, pk=notice.pk))
    assert PublicNotice.objects.filter(pk=notice.pk).exists()
    draft = f.PublicNoticeFactory(campus=campus)
    member_client.post(url("core:notice_delete", campus, pk=draft.pk))
    assert not PublicNotice.objects.filter(pk=draft.pk).exists()


def test_notice_list(member_client, campus):
    f.PublicNoticeFactory(campus=campus, title="已发布的", is_published=True)
    f.PublicNoticeFactory(campus=campus, title="草稿")
    page = member_client.get(url("core:notice_list", campus))
    assert page.status_code == 200 and "已发布的" in page.text and "草稿" in page.text
    published = member_client.get(url("core:notice_list", campus), {"is_published": "true"})
    assert "已发布的" in published.text and "草稿" not in published.text


def test_notices_need_manage_disclosure(other_role_client, outsider_client, campus):
    notice = f.PublicNoticeFactory(campus=campus)
    for name, kwargs in (("core:notice_list", {}), ("core:notice_create", {}), ("core:notice_detail", {"pk": notice.pk})):
        assert other_role_client.get(url(name, campus, **kwargs)).status_code == 403
        assert outsider_client.get(url(name, campus, **kwargs)).status_code == 404
    assert other_role_client.post(url("core:notice_publish", campus, pk=notice.pk)).status_code == 403
    assert outsider_client.post(url("core:notice_publish", campus, pk=notice.pk)).status_code == 404
    notice.refresh_from_db()
    assert not notice.is_published


# --- The public page ----------------------------------------------------------------------


def test_public_page_shows_published_notices_only(campus, other_campus):
    campus.address = "示范路 1 号"
    campus.phone = "010-12345678"
    campus.save()
    f.PublicNoticeFactory(campus=campus, title="本周食谱公示", body="周一：米饭", is_published=True)
    f.PublicNoticeFactory(campus=campus, title="尚未发布的草稿", is_published=False)
    f.PublicNoticeFactory(campus=other_campus, title="别的园区的公示", is_published=True)
    response = Client().get(public_url(campus.code))
    assert response.status_code == 200
    text = response.text
    assert campus.name in text and "示范路 1 号" in text and "010-12345678" in text
    assert "本周食谱公示" in text and "周一：米饭" in text
    assert "尚未发布的草稿" not in text and "别的园区的公示" not in text
    assert 'name="viewport"' in text  # phone friendly
    assert "/accounts/login/" not in text  # no staff chrome


def test_public_page_without_anything_published(campus):
    response = Client().get(public_url(campus.code))
    assert response.status_code == 200
    assert 'data-section="core.notices"' not in response.text


def test_public_page_404_for_unknown_disabled_or_inactive(campus):
    assert Client().get(public_url("no-such-campus")).status_code == 404
    campus.disclosure_enabled = False
    campus.save()
    assert Client().get(public_url(campus.code)).status_code == 404
    campus.disclosure_enabled = True
    campus.is_active = False
    campus.save()
    assert Client().get(public_url(campus.code)).status_code == 404


def test_public_page_is_get_only(campus):
    assert Client().post(public_url(campus.code)).status_code == 405


@pytest.fixture
def extra_section():
    @disclosure.register("test.extra", "测试栏目", "public/_notices.html", order=5)
    def section(request, campus):
        return {"notices": [PublicNotice(title="来自其他模块", body="内容")]}

    yield
    disclosure._sections.pop("test.extra")


def test_sections_registered_by_apps_are_shown_in_order(campus, extra_section):
    f.PublicNoticeFactory(campus=campus, title="公告一", is_published=True)
    text = Client().get(public_url(campus.code)).text
    assert "测试栏目" in text and "来自其他模块" in text
    assert text.index('data-section="test.extra"') < text.index('data-section="core.notices"')
