"""Fixtures of the environment tests: campus members by role, a term around today, a
class with its head teacher and rooms, and zones."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from houqin.core.roles import Role
from houqin.environment import services
from tests import factories as f


def png(name="photo.png", colour=(60, 160, 90)):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


@pytest.fixture
def people(make_member, member):
    """The principal (``member``), a logistics head, a health teacher, a duty administrator,
    a class teacher, a childcare worker, a repair worker and a cook."""
    return {
        "principal": member,
        "head": make_member(Role.LOGISTICS_HEAD, username="head", real_name="陈建国"),
        "health": make_member(Role.HEALTH_TEACHER, username="health", real_name="周慧"),
        "duty": make_member(Role.DUTY_ADMIN, username="duty"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕"),
        "teacher2": make_member(Role.CLASS_TEACHER, username="teacher2", real_name="张琳"),
        "childcare": make_member(Role.CHILDCARE_WORKER, username="childcare"),
        "repair": make_member(Role.REPAIR_WORKER, username="repair"),
        "cook": make_member(Role.COOK, username="cook"),
    }


@pytest.fixture
def term(campus):
    """A term from 8 weeks ago to 8 weeks ahead, Monday to Friday."""
    today = timezone.localdate()
    start = today - dt.timedelta(days=56)
    year = f.SchoolYearFactory(campus=campus, start_date=start - dt.timedelta(days=10),
                               end_date=today + dt.timedelta(days=200))  # fmt: skip
    return f.TermFactory(campus=campus, school_year=year, start_date=start, end_date=today + dt.timedelta(days=56),
                         school_weekdays=[0, 1, 2, 3, 4])  # fmt: skip


@pytest.fixture
def classes(campus, people):
    out = {}
    for n, (name, teacher) in enumerate((("小一班", "teacher"), ("中一班", "teacher2")), 1):
        room = f.RoomFactory(campus=campus, name=f"{name}活动室", code=f"A10{n}")
        out[name] = f.SchoolClassFactory(campus=campus, name=name, grade="junior", head_teacher=people[teacher],
                                         room=room)  # fmt: skip
    return out


@pytest.fixture
def zones(campus, classes, people):
    """Two class zones (their activity rooms) and a public area kept by the childcare worker."""
    out = {}
    for name, school_class in classes.items():
        out[name] = services.zone_save(
            actor=people["head"], campus=campus, rooms=[school_class.room],
            data={"name": f"{name}活动室", "school_class": school_class},
        )  # fmt: skip
    out["楼道"] = services.zone_save(
        actor=people["head"], campus=campus, data={"name": "一楼楼道", "kind": "public", "area_text": "一楼大厅及楼道",
                                                   "responsible": people["childcare"]},
    )  # fmt: skip
    return out


@pytest.fixture
def sheet(campus, people):
    return services.sheet_ensure_default(actor=people["head"], campus=campus)
