"""Attachment upload, serving and voiding through the views (never a public /media/ URL)."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from houqin.core import attachables
from houqin.core.attachments import attachment_add
from houqin.core.audit import history_for
from houqin.core.models import Attachment, Room
from houqin.core.roles import Role
from tests import factories as f
from tests.conftest import login


def png_bytes(size=(40, 30), colour=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def upload_url(campus, obj):
    ct = ContentType.objects.get_for_model(obj)
    return reverse("core:attachment_upload", kwargs={"campus": campus.code, "ct": ct.pk, "object_id": obj.pk})


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus)


def test_upload_png_then_serve_file_and_thumbnail(member_client, member, campus, room):
    back = f"/c/{campus.code}/rooms/{room.pk}/"
    response = member_client.post(
        upload_url(campus, room),
        {"file": SimpleUploadedFile("门锁.png", png_bytes(), "image/png"), "kind": "photo", "caption": "门锁坏了", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "image/png" and attachment.caption == "门锁坏了"
    assert attachment.uploaded_by == member and attachment.thumbnail
    assert history_for(room).filter(action="attachment_add").exists()

    served = member_client.get(url("core:attachment_file", campus, pk=attachment.pk))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == png_bytes()
    assert "private" in served["Cache-Control"]
    thumb = member_client.get(url("core:attachment_thumb", campus, pk=attachment.pk))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_disguised_files_are_refused(member_client, campus, room):
    for name, content in (
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # a Windows executable
        ("notes.jpg", "这不是一张图片".encode()),
        ("empty.png", b""),
    ):
        response = member_client.post(
            upload_url(campus, room), {"file": SimpleUploadedFile(name, content, "image/jpeg")}, follow=True
        )
        assert response.status_code == 200
        assert "alert-danger" in response.text
    assert Attachment.objects.count() == 0


def test_unsafe_next_is_ignored(member_client, campus, room):
    response = member_client.post(
        upload_url(campus, room),
        {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png"), "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_other_campus_object_is_404(member_client, campus, other_campus):
    foreign = f.RoomFactory(campus=other_campus)
    response = member_client.post(
        upload_url(campus, foreign), {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 404
    assert Attachment.objects.count() == 0
    # nor can a file of another campus be fetched through this campus
    theirs = attachment_add(
        actor=None, obj=foreign, uploaded_file=SimpleUploadedFile("b.png", png_bytes(), "image/png")
    )
    assert member_client.get(url("core:attachment_file", campus, pk=theirs.pk)).status_code == 404
    assert member_client.get(url("core:attachment_thumb", campus, pk=theirs.pk)).status_code == 404


def test_unregistered_model_is_404(member_client, campus, member):
    ct = ContentType.objects.get_for_model(type(member))
    response = member_client.post(
        reverse("core:attachment_upload", kwargs={"campus": campus.code, "ct": ct.pk, "object_id": member.pk}),
        {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")},
    )
    assert response.status_code == 404


def test_permissions_follow_the_registry(other_role_client, make_member, campus, room, outsider_client):
    entry = attachables.attachable_for(Room)
    assert entry.view_perm == "core.view_campus" and entry.write_perm == "core.manage_campus"
    # the cook may look at a room's photos but not add any
    response = other_role_client.post(
        upload_url(campus, room), {"file": SimpleUploadedFile("a.png", png_bytes(), "image/png")}
    )
    assert response.status_code == 403
    attachment = attachment_add(actor=None, obj=room, uploaded_file=SimpleUploadedFile("a.png", png_bytes(), "image/png"))
    assert other_role_client.get(url("core:attachment_file", campus, pk=attachment.pk)).status_code == 200
    assert other_role_client.post(url("core:attachment_void", campus, pk=attachment.pk), {"reason": "x"}).status_code == 403
    # a parent may not even look
    parent = login(make_member(Role.PARENT, username="parent"))
    assert parent.get(url("core:attachment_file", campus, pk=attachment.pk)).status_code == 403
    # an outsider does not learn the campus exists
    assert outsider_client.get(url("core:attachment_file", campus, pk=attachment.pk)).status_code == 404


def test_general_request_files_belong_to_the_requester(member, other_role_client, member_client, campus):
    gr = f.GeneralRequestFactory(campus=campus, requested_by=member)
    ok = member_client.post(upload_url(campus, gr), {"file": SimpleUploadedFile("单据.png", png_bytes(), "image/png")})
    assert ok.status_code == 302
    assert ok["Location"] == url("core:request_detail", campus, pk=gr.pk)
    refused = other_role_client.post(upload_url(campus, gr), {"file": SimpleUploadedFile("x.png", png_bytes(), "image/png")})
    assert refused.status_code == 403
    assert Attachment.objects.count() == 1
    # every holder of core.view_approvals may read it
    attachment = Attachment.objects.get()
    assert other_role_client.get(url("core:attachment_file", campus, pk=attachment.pk)).status_code == 200


def test_void_with_reason(member_client, member, campus, room):
    attachment = attachment_add(actor=member, obj=room, uploaded_file=SimpleUploadedFile("a.png", png_bytes(), "image/png"))
    page = member_client.get(url("core:attachment_void", campus, pk=attachment.pk))
    assert page.status_code == 200
    response = member_client.post(url("core:attachment_void", campus, pk=attachment.pk), {"reason": ""})
    assert response.status_code == 200  # the form asks for a reason
    attachment.refresh_from_db()
    assert attachment.voided_at is None
    response = member_client.post(url("core:attachment_void", campus, pk=attachment.pk), {"reason": "拍错了"})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.voided_at is not None and attachment.void_reason == "拍错了"
    assert history_for(room).filter(action="attachment_void").exists()


def test_request_detail_shows_upload_form_to_the_requester_only(member_client, other_role_client, member, campus):
    gr = f.GeneralRequestFactory(campus=campus, requested_by=member)
    detail = url("core:request_detail", campus, pk=gr.pk)
    assert upload_url(campus, gr) in member_client.get(detail).text
    assert upload_url(campus, gr) not in other_role_client.get(detail).text


def test_object_url_uses_registry_and_convention(campus):
    gr = f.GeneralRequestFactory(campus=campus)
    assert attachables.object_url(gr, campus.code) == url("core:request_detail", campus, pk=gr.pk)
    assert attachables.object_url(None, campus.code) == ""
