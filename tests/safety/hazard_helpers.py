"""Shared helpers of the hazard-side safety tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from houqin.core.roles import Role


def png(name="photo.png", colour=(200, 40, 40)):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


def make_people(make_member, member):
    """Campus members by role: the principal (``member``), a logistics head, a duty
    administrator, a repair worker, a cook, a guard and a class teacher."""
    return {
        "principal": member,
        "head": make_member(Role.LOGISTICS_HEAD, username="head"),
        "duty": make_member(Role.DUTY_ADMIN, username="duty"),
        "repair": make_member(Role.REPAIR_WORKER, username="repair"),
        "cook": make_member(Role.COOK, username="cook"),
        "guard": make_member(Role.GUARD, username="guard"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher"),
    }
