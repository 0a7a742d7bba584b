"""Users, their roles on campuses and organisations, and API tokens."""

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.pinyin import pinyin_key
from houqin.core.roles import ORGANIZATION_ROLES, Role

from .base import TimeStampedModel


class User(AbstractUser):
    """A person who logs in: by user name or by mobile phone number."""

    real_name = models.CharField(_("real name"), max_length=40, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True, null=True, blank=True)
    name_pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, editable=False, db_index=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, choices=[("zh-hans", "简体中文"), ("en", "English")]
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.real_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        from houqin.core.validators import validate_phone

        if self.phone == "":
            self.phone = None
        if self.phone:
            try:
                validate_phone(self.phone)
            except ValidationError as exc:
                raise ValidationError({"phone": exc.messages})

    def save(self, *args, **kwargs):
        if self.phone == "":
            self.phone = None
        self.name_pinyin = pinyin_key(self.real_name or self.username)
        super().save(*args, **kwargs)


class Membership(TimeStampedModel):
    """A role a user holds on one campus, or (supervisor/sysadmin) on a whole organisation."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    campus = models.ForeignKey(
        "core.Campus", verbose_name=_("campus"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    organization = models.ForeignKey(
        "core.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["campus__name", "role"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(campus__isnull=False, organization__isnull=True))
                | (models.Q(campus__isnull=True, organization__isnull=False)),
                name="membership_campus_xor_organization",
            ),
            models.UniqueConstraint(fields=["user", "campus", "role"], name="membership_unique_campus_role"),
            models.UniqueConstraint(fields=["user", "organization", "role"], name="membership_unique_org_role"),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.campus or self.organization}"

    def clean(self):
        if bool(self.campus_id) == bool(self.organization_id):
            raise ValidationError(_("A membership is either for one campus or for a whole organisation."))
        if self.organization_id and self.role not in ORGANIZATION_ROLES:
            raise ValidationError(
                {"role": _("Only supervisors and system administrators can be granted a whole organisation.")}
            )


class ApiToken(TimeStampedModel):
    """A personal API token; only its SHA-256 is stored, the key is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return "hq_" + secrets.token_urlsafe(30)

    @property
    def is_valid(self):
        if self.revoked_at:
            return False
        return not (self.expires_at and self.expires_at <= timezone.now())
