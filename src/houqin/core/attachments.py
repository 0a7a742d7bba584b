"""Photos, scans and PDFs attached to any campus-owned object.

The file type is decided by the content (magic bytes checked by Pillow, ``%PDF-`` for
PDFs), never by the name or the browser's claimed type; anything else is refused. The
original bytes are stored untouched (they are evidence: a hazard's before/after photo, a
signed scan); images also get an upright JPEG thumbnail of at most 320 px, with the EXIF
orientation applied, for lists and print views.

Attachments are part of regulated records and are never deleted: a wrong one is voided
with a reason and stays in the history.
"""

import io
import os
import warnings

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from houqin.core import audit

THUMBNAIL_SIZE = 320
THUMBNAIL_QUALITY = 82
# Decoding a picture takes ~4 bytes a pixel; 60 MP covers today's phone cameras.
MAX_PIXELS = 60_000_000

# Pillow format → (MIME type, stored file extension)
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
PDF_MIME = "application/pdf"


def _read_head(uploaded_file, n=16) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(n)
    uploaded_file.seek(0)
    return head or b""


def _file_size(uploaded_file) -> int:
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, os.SEEK_END)
        size = uploaded_file.tell()
        uploaded_file.seek(0)
    return int(size)


def detect_type(uploaded_file) -> tuple[str, str]:
    """(MIME type, extension) of the file judged by its content; ValidationError if not allowed."""
    head = _read_head(uploaded_file)
    if head.startswith(b"%PDF-"):
        return PDF_MIME, "pdf"
    too_many_pixels = ValidationError(
        _("The picture is too large (more than %(mp)s million pixels); send a smaller one.")
        % {"mp": MAX_PIXELS // 1_000_000},
        code="attachment_pixels",
    )
    try:
        uploaded_file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded_file) as img:
                fmt = img.format
                if img.width * img.height > MAX_PIXELS:
                    raise too_many_pixels
                img.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels
    except Exception:  # Pillow raises many kinds of errors for foreign or broken data
        fmt = None
    finally:
        uploaded_file.seek(0)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(
            _("This file type is not accepted. Upload a photo (JPEG, PNG, WebP or GIF) or a PDF."),
            code="attachment_type",
        )
    return IMAGE_FORMATS[fmt]


def make_thumbnail(uploaded_file) -> bytes:
    """An upright JPEG of at most THUMBNAIL_SIZE px on its longer side."""
    uploaded_file.seek(0)
    with Image.open(uploaded_file) as img:
        img.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))  # fast JPEG downscale; no-op otherwise
        img.seek(0)  # first frame of an animation
        upright = ImageOps.exif_transpose(img)
        if upright.mode in ("RGBA", "LA", "P", "PA"):
            rgba = upright.convert("RGBA")
            background = Image.new("RGB", rgba.size, (255, 255, 255))
            background.paste(rgba, mask=rgba.getchannel("A"))
            upright = background
        elif upright.mode != "RGB":
            upright = upright.convert("RGB")
        upright.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        upright.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    uploaded_file.seek(0)
    return out.getvalue()


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip() or "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def validate_upload(uploaded_file) -> tuple[str, str, int]:
    """Check size and type; returns (MIME type, extension, size)."""
    size = _file_size(uploaded_file)
    if size <= 0:
        raise ValidationError(_("The file is empty."), code="attachment_empty")
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:.0f}"},
            code="attachment_size",
        )
    mime, ext = detect_type(uploaded_file)
    return mime, ext, size


@transaction.atomic
def attachment_add(*, actor, obj, uploaded_file, kind="photo", caption=""):
    """Attach a checked photo, scan or PDF to ``obj`` (a saved campus-owned object)."""
    from houqin.core.models import Attachment

    if obj is None or obj.pk is None or not getattr(obj, "campus_id", None):
        raise ValueError("Attachments belong to a saved campus-owned object.")
    mime, ext, size = validate_upload(uploaded_file)

    attachment = Attachment(
        campus_id=obj.campus_id,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        kind=kind,
        original_name=_clean_name(getattr(uploaded_file, "name", "")),
        mime_type=mime,
        size=size,
        caption=(caption or "").strip(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    uploaded_file.seek(0)
    attachment.file = File(uploaded_file, name=f"upload.{ext}")
    if mime.startswith("image/"):
        attachment.thumbnail = ContentFile(make_thumbnail(uploaded_file), name="thumb.jpg")
    attachment.full_clean(exclude=["file", "thumbnail"])
    attachment.save()
    audit.record(
        actor=actor,
        action="attachment_add",
        obj=obj,
        after={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
            "type": attachment.mime_type,
            "size": attachment.size,
            "file": attachment.file.name,
        },
        message=attachment.original_name,
    )
    return attachment


@transaction.atomic
def attachment_void(*, actor, attachment, reason):
    """Void an attachment with a reason; the file and the row stay for the record."""
    from houqin.core.models import Attachment

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"void_reason": _("Give a reason for voiding the attachment.")})
    attachment = Attachment.objects.with_scopes_disabled().select_for_update().get(pk=attachment.pk)
    if attachment.voided_at is not None:
        raise ValidationError(_("This attachment has already been voided."), code="attachment_voided")
    attachment.voided_at = timezone.now()
    attachment.void_reason = reason
    attachment.full_clean(exclude=["file", "thumbnail"])
    attachment.save(update_fields=["voided_at", "void_reason", "updated_at"])
    target = attachment.target
    audit.record(
        actor=actor,
        action="attachment_void",
        obj=target if target is not None else attachment,
        campus=attachment.campus_id,
        before={"attachment": attachment.pk, "voided_at": None},
        after={
            "attachment": attachment.pk,
            "voided_at": attachment.voided_at.isoformat(),
            "void_reason": reason,
        },
        message=f"{attachment.original_name}: {reason}"[:300],
    )
    return attachment


def attachments_for(obj, *, include_voided=False):
    """The object's attachments, oldest first (voided ones only when asked for)."""
    from houqin.core.models import Attachment

    qs = Attachment.objects.with_scopes_disabled().filter(
        campus_id=obj.campus_id,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
    )
    if not include_voided:
        qs = qs.filter(voided_at__isnull=True)
    return qs.select_related("uploaded_by").order_by("created_at", "id")
