"""Suppliers (供应商), shared by purchasing, the warehouse and the asset register."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.models.base import CampusOwned, PinyinSearchMixin
from houqin.core.validators import validate_phone

__all__ = ["Supplier"]

# 统一社会信用代码 (GB 32100-2015): 18 characters, digits and capitals without I, O, S, V, Z.
CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


class Supplier(PinyinSearchMixin, CampusOwned):
    name = models.CharField(_("name"), max_length=120)
    contact = models.CharField(_("contact person"), max_length=40, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("统一社会信用代码, 18 characters."),
    )
    bank_account = models.CharField(_("bank and account"), max_length=120, blank=True)
    scope = models.CharField(
        _("supplies"), max_length=200, blank=True, help_text=_("What they supply, e.g. 办公用品、清洁用品.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="procurement_supplier_unique_name"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        self.name = (self.name or "").strip()
        self.credit_code = (self.credit_code or "").strip().upper()
        if self.credit_code and not CREDIT_CODE_RE.match(self.credit_code):
            raise ValidationError(
                {"credit_code": _("A unified social credit code has 18 digits and capital letters.")}
            )
