"""Shared fixtures and helpers of the gate tests (visitors and pickup), and the ID-number
checks they rely on. Other gate test modules import from here."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from houqin.core.models import CampusSettings
from houqin.core.roles import Role
from houqin.core.validators import id_check_digit, mask_id_number, validate_id_number
from tests import factories as f
from tests.conftest import login


def url(name, campus, **kwargs):
    return reverse(name, kwargs={"campus": campus.code, **kwargs})


def id_number(seq=1, birth="19850315", region="330106"):
    first17 = f"{region}{birth}{seq:03d}"
    return first17 + id_check_digit(first17)


def id_with_x():
    """A valid ID number whose check character is X."""
    for seq in range(1000):
        first17 = f"33010619850315{seq:03d}"
        if id_check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X check digit found")


def jpeg(name="photo.jpg"):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 50), (200, 120, 90)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name="agreement.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test\n%%EOF\n", content_type="application/pdf")


def xlsx_values(response):
    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [c for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for c in row]


def set_closing(campus, value):
    CampusSettings.objects.update_or_create(campus=campus, defaults={"values": {"core.closing_time": value}})
    if hasattr(campus, "_settings_cache"):
        del campus._settings_cache


def school_every_day(campus):
    """A term around today in which every weekday is a school day (tests run on weekends too)."""
    today = timezone.localdate()
    year = f.SchoolYearFactory(
        campus=campus, start_date=today - dt.timedelta(days=100), end_date=today + dt.timedelta(days=100)
    )
    return f.TermFactory(
        campus=campus, school_year=year, start_date=today - dt.timedelta(days=50),
        end_date=today + dt.timedelta(days=50), school_weekdays=[0, 1, 2, 3, 4, 5, 6],
    )  # fmt: skip


@pytest.fixture
def guard(make_member):
    return make_member(Role.GUARD, username="guard", real_name="杨卫东")


@pytest.fixture
def guard_client(guard):
    return login(guard)


@pytest.fixture
def duty(make_member):
    return make_member(Role.DUTY_ADMIN, username="duty", real_name="何文博")


@pytest.fixture
def duty_client(duty):
    return login(duty)


@pytest.fixture
def teacher(make_member):
    return make_member(Role.CLASS_TEACHER, username="teacher", real_name="李晓燕")


@pytest.fixture
def teacher_client(teacher):
    return login(teacher)


@pytest.fixture
def logistics(make_member):
    return make_member(Role.LOGISTICS_HEAD, username="logistics", real_name="陈建国")


# --- The ID number checks (GB 11643) ------------------------------------------------------


def test_valid_id_number_passes():
    validate_id_number(id_number(7))
    validate_id_number(id_with_x())
    validate_id_number(id_with_x().lower())  # a lower-case x is accepted


def test_wrong_check_digit_is_refused():
    good = id_number(7)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validate_id_number(wrong)
    assert exc.value.code == "id_checksum"


def test_impossible_birth_date_is_refused():
    first17 = "33010619850230001"  # 30 February
    with pytest.raises(ValidationError) as exc:
        validate_id_number(first17 + id_check_digit(first17))
    assert exc.value.code == "id_birth"


def test_wrong_format_is_refused():
    for value in ("33010619850315001", id_number(7)[:17] + "Y", "X" * 18, id_number(7) + "1"):
        with pytest.raises(ValidationError) as exc:
            validate_id_number(value)
        assert exc.value.code == "id_format"


def test_masking_keeps_four_and_four():
    value = "330106198503150081"
    assert mask_id_number(value) == "3301**********0081"
