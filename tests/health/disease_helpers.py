"""Fixtures of the disease-area tests (import them into the test modules)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from houqin.core.roles import Role
from houqin.health import disease_services as services
from houqin.health.models import Disease
from tests import factories as f


def png(name="photo.png", colour=(60, 160, 90)):
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


def at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def people(make_member, member):
    return {
        "principal": member,
        "health": make_member(Role.HEALTH_TEACHER, username="health", real_name="周慧"),
        "teacher": make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕"),
        "childcare": make_member(Role.CHILDCARE_WORKER, username="childcare", real_name="吴秀英"),
        "childcare2": make_member(Role.CHILDCARE_WORKER, username="childcare2"),
        "cook": make_member(Role.COOK, username="cook"),
        "duty": make_member(Role.DUTY_ADMIN, username="duty"),
    }


@pytest.fixture
def klass(campus, people):
    return f.SchoolClassFactory(campus=campus, name="小一班", head_teacher=people["teacher"], sort_order=1)


@pytest.fixture
def kids(campus, klass):
    names = ["张小明", "李思琪", "王子涵", "刘一诺", "陈浩然", "杨欣怡", "赵天佑", "孙雨桐"]
    return [f.ChildFactory(campus=campus, school_class=klass, name=n) for n in names]


@pytest.fixture
def diseases(campus):
    services.diseases_ensure(campus)
    return {d.name: d for d in Disease.objects.filter(campus=campus)}
