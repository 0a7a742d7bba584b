"""Factories of the asset register; list-page models are added to LIST_FACTORIES."""

import datetime as dt
from decimal import Decimal

import factory

from houqin.assets import models as am
from tests.factories import LIST_FACTORIES, CampusFactory, RoomFactory


class AssetCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.AssetCategory

    campus = factory.SubFactory(CampusFactory)
    name = factory.Sequence(lambda n: f"类别{n}")
    code = factory.Sequence(lambda n: f"C{n:03d}")
    kind = am.AssetCategory.Kind.FIXED
    useful_life_years = 5


class AssetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = am.Asset

    campus = factory.SubFactory(CampusFactory)
    category = factory.SubFactory(AssetCategoryFactory, campus=factory.SelfAttribute("..campus"))
    room = factory.SubFactory(RoomFactory, campus=factory.SelfAttribute("..campus"))
    tag = factory.Sequence(lambda n: f"ZC-{n:06d}")
    name = factory.Iterator(["电子琴", "空调", "儿童桌", "投影仪", "消毒柜"])
    price = Decimal("1200.00")
    purchase_date = dt.date(2024, 9, 1)


LIST_FACTORIES[am.AssetCategory] = AssetCategoryFactory
LIST_FACTORIES[am.Asset] = AssetFactory


# --- Helpers of the asset-register tests ----------------------------------------------------


def png_upload(name="photo.png", colour=(40, 120, 200)):
    """A small PNG as an uploaded file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), "image/png")


def xlsx_upload(rows, name="assets.xlsx"):
    """An .xlsx (first sheet = ``rows``, a list of lists) as an uploaded file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(
        name, out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
