"""Models behind the shared mechanisms: attachments, numbering, notifications,
webhooks, approvals, campus settings and public notices."""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from houqin.core.roles import Role

from .base import CampusOwned, user_fk


def attachment_path(instance, filename):
    ext = (filename.rsplit(".", 1)[-1] if "." in filename else "bin").lower()[:8]
    return f"attachments/{instance.campus_id}/{instance.created_at:%Y/%m}/{uuid.uuid4().hex}.{ext}"


def thumbnail_path(instance, filename):
    return f"attachments/{instance.campus_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Attachment(CampusOwned):
    """A photo, scan or PDF attached to any object of the campus."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        SCAN = "scan", _("Scan")
        DOCUMENT = "document", _("Document")
        BEFORE = "before", _("Before photo")
        AFTER = "after", _("After photo")
        SIGNATURE = "signature", _("Signature")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PHOTO)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    mime_type = models.CharField(_("type"), max_length=60)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = user_fk(_("uploaded by"))
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.mime_type.startswith("image/")


class NumberSequence(CampusOwned):
    """Per-campus, per-prefix, per-year counters for document numbers (CG-2026-0001)."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campus", "prefix", "year"], name="numbersequence_unique")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


class Notification(CampusOwned):
    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Urgent")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    event = models.CharField(_("event"), max_length=60, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title


class WebhookEndpoint(CampusOwned):
    """A group robot (WeCom / DingTalk) or a generic JSON endpoint that receives events."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk group robot (钉钉)")
        GENERIC = "generic", _("Generic JSON webhook")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WECOM)
    url = models.URLField(_("URL"), max_length=400)
    secret = models.CharField(_("signing secret"), max_length=100, blank=True, help_text=_("DingTalk 加签 secret, if used."))
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Empty means every event."))
    is_active = models.BooleanField(_("active"), default=True)

    # Robot URLs carry their access key; neither it nor the secret goes into the audit log.
    audit_masked_fields = ("url", "secret")

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def wants(self, event: str) -> bool:
        return self.is_active and (not self.events or event in self.events)


class WebhookDelivery(CampusOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.endpoint} · {self.event} · {self.status}"


# --- Approvals -------------------------------------------------------------------------


class ApprovalFlow(CampusOwned):
    """The sign-off chain for one kind of document on one campus."""

    kind = models.CharField(_("document kind"), max_length=60)
    name = models.CharField(_("name"), max_length=80)
    is_active = models.BooleanField(_("active"), default=True)
    allow_self_approval = models.BooleanField(
        _("requester may approve own request"), default=False, help_text=_("Normally off: nobody signs their own request.")
    )

    class Meta:
        verbose_name = _("approval flow")
        verbose_name_plural = _("approval flows")
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["campus", "kind"], name="approvalflow_unique_kind")]

    def __str__(self):
        return self.name


class ApprovalStep(CampusOwned):
    flow = models.ForeignKey(ApprovalFlow, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=60)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    min_amount = models.DecimalField(
        _("from amount (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("This step applies only when the amount reaches this figure; empty means always."),
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["flow", "order"]
        constraints = [models.UniqueConstraint(fields=["flow", "order"], name="approvalstep_unique_order")]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def applies_to(self, amount):
        return self.min_amount is None or (amount is not None and amount >= self.min_amount)


class ApprovalRequest(CampusOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    flow = models.ForeignKey(ApprovalFlow, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(_("document kind"), max_length=60, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    # The steps that apply to this request, frozen when it was submitted:
    # [{"order": 1, "name": "…", "role": "logistics_head"}, …]
    plan = models.JSONField(default=list)
    current_index = models.PositiveSmallIntegerField(default=0)
    current_role = models.CharField(_("waiting for"), max_length=20, blank=True, db_index=True)
    requested_by = user_fk(_("requested by"), null=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.title

    @property
    def current_step(self):
        if self.status != self.Status.PENDING or self.current_index >= len(self.plan):
            return None
        return self.plan[self.current_index]


class ApprovalAction(CampusOwned):
    class Decision(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")
        WITHDRAW = "withdraw", _("Withdrawn")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    step_order = models.PositiveSmallIntegerField(null=True, blank=True)
    step_name = models.CharField(_("step"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    actor = user_fk(_("by"), null=False)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("approval action")
        verbose_name_plural = _("approval actions")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.request} · {self.get_decision_display()}"


class GeneralRequest(CampusOwned):
    """通用申请/请示: any matter a staff member asks the leadership to approve."""

    class Category(models.TextChoices):
        EXPENSE = "expense", _("Expense")
        EVENT = "event", _("Event support (活动保障)")
        LEAVE = "leave", _("Leave of absence")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(_("number"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices, default=Category.OTHER)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    description = models.TextField(_("details"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    requested_by = user_fk(_("requested by"), null=False)

    class Meta:
        verbose_name = _("general request")
        verbose_name_plural = _("general requests")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.number} {self.title}".strip()


# --- Settings and disclosure -----------------------------------------------------------


class CampusSettings(CampusOwned):
    """The campus's rule settings: values of the keys declared in ``core.settings_registry``."""

    values = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("campus settings")
        verbose_name_plural = _("campus settings")
        constraints = [models.UniqueConstraint(fields=["campus"], name="campussettings_unique")]

    def __str__(self):
        return f"{self.campus_id}"


class PublicNotice(CampusOwned):
    """公示: a notice shown on the campus's public page."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    author = user_fk(_("author"))

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-published_at", "-created_at"]

    def __str__(self):
        return self.title
