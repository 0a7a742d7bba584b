import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from houqin.core.attachments import attachment_add, attachment_void, attachments_for
from houqin.core.audit import history_for
from houqin.core.models import Attachment, AuditEvent
from tests import factories as f

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_bytes(fmt="JPEG", size=(400, 200), mode="RGB", color=(200, 30, 30), exif_orientation=None):
    img = Image.new(mode, size, color)
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def room(campus):
    return f.RoomFactory(campus=campus)


def test_jpeg_is_stored_with_thumbnail(room, member):
    att = attachment_add(
        actor=member, obj=room, uploaded_file=upload(image_bytes(), "门口.JPG"), caption=" 大门 "
    )
    att.refresh_from_db()
    assert att.campus_id == room.campus_id
    assert att.target == room
    assert att.mime_type == "image/jpeg"
    assert att.original_name == "门口.JPG"
    assert att.caption == "大门"
    assert att.kind == "photo"
    assert att.uploaded_by == member
    assert att.size == len(image_bytes())
    assert att.file.name.startswith(f"attachments/{room.campus_id}/")
    assert att.file.name.endswith(".jpg")
    assert att.is_image
    with att.file.open("rb") as fh:
        assert fh.read() == image_bytes()  # the original is kept byte for byte
    with Image.open(att.thumbnail.path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (320, 160)


def test_exif_orientation_applied_to_thumbnail(room, member):
    # stored landscape, but the camera says "rotate 90° clockwise": the picture is portrait
    data = image_bytes(size=(400, 200), exif_orientation=6)
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(data))
    with Image.open(att.thumbnail.path) as thumb:
        assert thumb.size == (160, 320)


@pytest.mark.parametrize(
    ("fmt", "mode", "mime", "ext"),
    [
        ("PNG", "RGBA", "image/png", ".png"),
        ("WEBP", "RGB", "image/webp", ".webp"),
        ("GIF", "P", "image/gif", ".gif"),
    ],
)
def test_other_image_types(room, member, fmt, mode, mime, ext):
    color = (10, 20, 30, 128) if mode == "RGBA" else (10 if mode == "P" else (10, 20, 30))
    data = image_bytes(fmt, size=(50, 80), mode=mode, color=color)
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(data, "x.bin"))
    assert att.mime_type == mime
    assert att.file.name.endswith(ext)
    with Image.open(att.thumbnail.path) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == (50, 80)  # never enlarged


@translation.override("en")
def test_type_is_judged_by_content_not_name(room, member):
    png = image_bytes("PNG", size=(10, 10))
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(png, "scan.pdf", "application/pdf"))
    assert att.mime_type == "image/png"
    assert att.file.name.endswith(".png")

    with pytest.raises(ValidationError) as exc:
        attachment_add(
            actor=member,
            obj=room,
            uploaded_file=upload(b"<html><script>alert(1)</script>", "a.jpg", "image/jpeg"),
        )
    assert "not accepted" in exc.value.messages[0]


def test_pdf_is_accepted_without_thumbnail(room, member):
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(PDF_BYTES, "合同.pdf"), kind="document")
    assert att.mime_type == "application/pdf"
    assert att.file.name.endswith(".pdf")
    assert not att.thumbnail
    assert not att.is_image


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 this is a zip or docx",
        b"MZ\x90\x00 an exe",
        b"GIF87a",  # a header and nothing else
        image_bytes("PNG", size=(20, 20))[:60] + b"\x00" * 40,  # broken PNG
        b"BM" + image_bytes("BMP", size=(4, 4))[2:],  # a real image, but BMP is not allowed
        b"\xef\xbb\xbf%PDF-1.4",  # header not at the start
    ],
)
def test_foreign_or_broken_files_refused(room, member, data):
    with pytest.raises(ValidationError):
        attachment_add(actor=member, obj=room, uploaded_file=upload(data, "x.jpg"))
    assert Attachment.objects.count() == 0


@translation.override("en")
def test_size_limit(room, member, settings):
    data = image_bytes(size=(300, 300))
    settings.ATTACHMENT_MAX_BYTES = len(data) - 1
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=member, obj=room, uploaded_file=upload(data))
    assert "too large" in exc.value.messages[0]
    settings.ATTACHMENT_MAX_BYTES = len(data)
    assert attachment_add(actor=member, obj=room, uploaded_file=upload(data)).size == len(data)


def test_empty_file_refused(room, member):
    with pytest.raises(ValidationError):
        attachment_add(actor=member, obj=room, uploaded_file=upload(b""))


def test_message_is_translated(room, member):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        attachment_add(actor=member, obj=room, uploaded_file=upload(b"hello"))
    assert exc.value.messages  # a message (Chinese once the catalogue has it)


def test_bad_kind_refused(room, member):
    with pytest.raises(ValidationError):
        attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes()), kind="selfie")


def test_unsaved_or_campusless_object_refused(campus, member):
    with pytest.raises(ValueError):
        attachment_add(
            actor=member, obj=f.RoomFactory.build(campus=campus), uploaded_file=upload(image_bytes())
        )
    with pytest.raises(ValueError):
        attachment_add(actor=member, obj=campus, uploaded_file=upload(image_bytes()))


def test_add_is_audited_on_the_object(room, member):
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes(), "a.jpg"))
    event = history_for(room).get(action="attachment_add")
    assert event.actor == member
    assert event.campus_id == room.campus_id
    assert event.after["attachment"] == att.pk
    assert event.after["name"] == "a.jpg"


def test_void_keeps_row_and_file(room, member):
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes()))
    attachment_void(actor=member, attachment=att, reason="拍错了")
    att.refresh_from_db()
    assert att.voided_at is not None
    assert att.void_reason == "拍错了"
    assert att.file.storage.exists(att.file.name)
    event = AuditEvent.objects.get(action="attachment_void")
    assert event.object_id == str(room.pk)
    assert event.after["void_reason"] == "拍错了"


def test_void_needs_reason_and_happens_once(room, member):
    att = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes()))
    with pytest.raises(ValidationError) as exc:
        attachment_void(actor=member, attachment=att, reason="  ")
    assert "void_reason" in exc.value.message_dict
    attachment_void(actor=member, attachment=att, reason="duplicate")
    with pytest.raises(ValidationError):
        attachment_void(actor=member, attachment=att, reason="again")


def test_attachments_for_lists_live_ones_in_order(room, member, campus):
    other_room = f.RoomFactory(campus=campus)
    first = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes()))
    second = attachment_add(actor=member, obj=room, uploaded_file=upload(PDF_BYTES, "b.pdf"))
    third = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes("PNG")))
    attachment_add(actor=member, obj=other_room, uploaded_file=upload(image_bytes()))
    attachment_void(actor=member, attachment=second, reason="wrong file")
    assert list(attachments_for(room)) == [first, third]
    assert list(attachments_for(room, include_voided=True)) == [first, second, third]


@pytest.mark.no_scopes_disabled
def test_attachments_for_works_inside_a_campus_scope(room, member, campus):
    from django_scopes import scope, scopes_disabled

    with scopes_disabled():
        att = attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes()))
    with scope(campus=campus):
        assert list(attachments_for(room)) == [att]


def test_too_many_pixels_refused(room, member, monkeypatch):
    from houqin.core import attachments

    monkeypatch.setattr(attachments, "MAX_PIXELS", 20 * 20 - 1)
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=member, obj=room, uploaded_file=upload(image_bytes("PNG", size=(20, 20))))
    assert exc.value.code == "attachment_pixels"
    assert Attachment.objects.count() == 0
