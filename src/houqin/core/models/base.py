"""Base classes shared by every campus-owned model."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from houqin.core.pinyin import pinyin_key


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


def campus_scoped_manager():
    """A manager that raises unless a campus scope is active (django-scopes)."""
    return ScopedManager(campus="campus")


class CampusOwned(TimeStampedModel):
    """Every business row belongs to exactly one campus.

    ``objects`` is scoped: inside a request the middleware activates ``scope(campus=…)``
    and every query is filtered to that campus; outside any scope a query raises
    ``ScopeError`` instead of leaking rows of other campuses.
    """

    campus = models.ForeignKey("core.Campus", verbose_name=_("campus"), on_delete=models.PROTECT, related_name="+")

    objects = campus_scoped_manager()

    class Meta:
        abstract = True


class PinyinSearchMixin(models.Model):
    """Keeps ``name_pinyin`` (full pinyin + initials) in step with the name field."""

    pinyin_source_field = "name"
    name_pinyin = models.CharField(_("pinyin"), max_length=400, blank=True, editable=False, db_index=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_pinyin = pinyin_key(getattr(self, self.pinyin_source_field) or "")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.pinyin_source_field in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"name_pinyin"}
        super().save(*args, **kwargs)


def user_fk(verbose_name, related_name="+", null=True, **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.PROTECT,
        null=null,
        blank=null,
        related_name=related_name,
        **kwargs,
    )
