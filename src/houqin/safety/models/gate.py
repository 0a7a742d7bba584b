"""Gate: visitors, watch list, pickup authorisations and releases (门卫).

The visitor log and the release log are regulated ledgers: rows are never edited after
the fact; a wrong row is voided with a reason (``voided_at``/``void_reason``) and stays.
ID numbers are stored in full and shown masked to whoever lacks
``safety.unmask_visitor_identity``; the audit trail always stores them masked (the gate
services write their own snapshots, see :mod:`houqin.safety.gate_services`).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from houqin.core.models import CampusOwned, PinyinSearchMixin
from houqin.core.models.base import user_fk
from houqin.core.validators import mask_id_number, validate_id_number, validate_phone

__all__ = ["LateChildFlag", "PickupPerson", "PickupRelease", "Visitor", "WatchEntry"]


def _check_id(errors, field, value):
    if value:
        try:
            validate_id_number(value)
        except ValidationError as exc:
            errors[field] = exc.error_list


def _check_phone(errors, field, value):
    if value:
        try:
            validate_phone(value)
        except ValidationError as exc:
            errors[field] = exc.error_list


class VoidableMixin(models.Model):
    """Ledger rows are voided with a reason, never deleted or rewritten."""

    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    voided_by = user_fk(_("voided by"))
    void_reason = models.CharField(_("void reason"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_voided(self):
        return self.voided_at is not None


class WatchEntry(PinyinSearchMixin, CampusOwned):
    # ID numbers appear in the audit trail masked (supervisors read it).
    audit_masked_fields = {"id_number": mask_id_number}

    """A person the guard must be warned about at the gate (kept by the leaders)."""

    name = models.CharField(_("name"), max_length=40, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    added_by = user_fk(_("added by"))

    class Meta:
        verbose_name = _("watch-list entry")
        verbose_name_plural = _("watch list")
        ordering = ["-is_active", "name", "id"]

    def __str__(self):
        return self.name or mask_id_number(self.id_number)

    def clean(self):
        self.name = (self.name or "").strip()
        self.id_number = (self.id_number or "").strip().upper()
        errors = {}
        if not self.name and not self.id_number:
            errors["name"] = _("Give a name, an ID number or both.")
        _check_id(errors, "id_number", self.id_number)
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)


class Visitor(VoidableMixin, PinyinSearchMixin, CampusOwned):
    # ID numbers appear in the audit trail masked (supervisors read it).
    audit_masked_fields = {"id_number": mask_id_number}

    """One visit in the visitor log (来访登记)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the host")
        INSIDE = "inside", _("On campus")
        LEFT = "left", _("Left")
        REFUSED = "refused", _("Refused")

    class Category(models.TextChoices):
        PARENT = "parent", _("Parent (家长)")
        DELIVERY = "delivery", _("Delivery (送货)")
        REPAIR = "repair", _("Repair or maintenance (维修)")
        INSPECTION = "inspection", _("Inspection (检查)")
        BUSINESS = "business", _("Business visit")
        INTERVIEW = "interview", _("Job interview")
        OTHER = "other", _("Other")

    class Confirmation(models.TextChoices):
        HOST = "host", _("By the host in Houqin")
        PHONE = "phone", _("By phone (recorded by the guard)")

    ON_CAMPUS = (Status.WAITING, Status.INSIDE)

    name = models.CharField(_("name"), max_length=40)
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, help_text=_("18-character resident ID number.")
    )
    phone = models.CharField(_("phone"), max_length=20)
    organization = models.CharField(_("organisation"), max_length=100, blank=True)
    category = models.CharField(
        _("kind of visit"), max_length=12, choices=Category.choices, default=Category.OTHER
    )
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    host = user_fk(_("host"))
    badge_no = models.CharField(_("badge number"), max_length=20, blank=True)
    people_count = models.PositiveSmallIntegerField(
        _("number of people"), default=1, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=12, blank=True)
    time_in = models.DateTimeField(_("time in"), default=timezone.now, db_index=True)
    time_out = models.DateTimeField(_("time out"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    refusal_reason = models.CharField(_("reason for refusal"), max_length=200, blank=True)
    registered_by = user_fk(_("registered by"))
    confirmed_by = user_fk(_("entry confirmed by"))
    confirmed_at = models.DateTimeField(_("entry confirmed at"), null=True, blank=True)
    confirmation = models.CharField(_("confirmation"), max_length=8, choices=Confirmation.choices, blank=True)
    signed_out_by = user_fk(_("signed out by"))
    watch_entry = models.ForeignKey(
        WatchEntry,
        verbose_name=_("watch-list match"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    override_reason = models.CharField(_("reason for admitting anyway"), max_length=200, blank=True)
    flagged_at = models.DateTimeField(_("flagged after closing at"), null=True, blank=True)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["-time_in", "-id"]
        indexes = [models.Index(fields=["campus", "status"])]

    def __str__(self):
        when = (
            timezone.localtime(self.time_in)
            if self.time_in and timezone.is_aware(self.time_in)
            else self.time_in
        )
        return f"{self.name} {when:%Y-%m-%d %H:%M}" if when else self.name

    def clean(self):
        from houqin.safety.gate_services import is_campus_staff

        self.name = (self.name or "").strip()
        self.id_number = (self.id_number or "").strip().upper()
        self.phone = (self.phone or "").strip().replace(" ", "")
        self.vehicle_plate = (self.vehicle_plate or "").strip().upper()
        errors = {}
        refused = self.status == self.Status.REFUSED
        if not self.id_number and not refused:
            errors["id_number"] = _("Enter the visitor's ID number.")
        _check_id(errors, "id_number", self.id_number)
        _check_phone(errors, "phone", self.phone)
        if not refused and not self.host_id:
            errors["host"] = _("Choose the staff member the visitor comes to see.")
        elif self.host_id and self.campus_id and not is_campus_staff(self.host, self.campus):
            errors["host"] = _("The host must be a staff member of this campus.")
        if refused and not self.refusal_reason.strip():
            errors["refusal_reason"] = _("Give the reason for refusing the visitor.")
        if self.time_in and self.time_in > timezone.now() + dt.timedelta(minutes=5):
            errors["time_in"] = _("The time in cannot be in the future.")
        if self.time_out and self.time_in and self.time_out < self.time_in:
            errors["time_out"] = _("The time out must not be before the time in.")
        if self.watch_entry_id and self.status != self.Status.REFUSED and not self.override_reason.strip():
            errors["override_reason"] = _("Give the reason for admitting a visitor on the watch list.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def on_campus(self):
        return self.status in self.ON_CAMPUS and not self.is_voided

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class PickupPerson(PinyinSearchMixin, CampusOwned):
    # ID numbers appear in the audit trail masked (supervisors read it).
    audit_masked_fields = {"id_number": mask_id_number}

    """Someone allowed to take a child home: a guardian, or a proxy (代接送) with a signed agreement."""

    class Kind(models.TextChoices):
        GUARDIAN = "guardian", _("Guardian")
        PROXY = "proxy", _("Proxy (代接送)")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="pickup_persons"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GUARDIAN)
    guardian = models.ForeignKey(
        "core.Guardian",
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pickup_persons",
        help_text=_("A guardian removed from the child's record is no longer authorised."),
    )
    name = models.CharField(_("name"), max_length=40)
    relation = models.CharField(_("relation"), max_length=20, help_text=_("For example 爷爷, 外婆, 保姆."))
    phone = models.CharField(_("phone"), max_length=20)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    card_no = models.CharField(
        _("pickup card number"),
        max_length=40,
        blank=True,
        help_text=_("Unique on the campus; scan or type it."),
    )
    agreement_signed = models.BooleanField(
        _("proxy agreement signed (代接送协议)"),
        default=False,
        help_text=_("Upload the signed agreement as a scan on the person's page."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pickup person")
        verbose_name_plural = _("pickup persons")
        ordering = ["child__name", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campus", "card_no"], condition=~models.Q(card_no=""), name="pickupperson_unique_card"
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.relation})"

    def clean(self):
        self.name = (self.name or "").strip()
        self.id_number = (self.id_number or "").strip().upper()
        self.phone = (self.phone or "").strip().replace(" ", "")
        self.card_no = (self.card_no or "").strip()
        errors = {}
        _check_id(errors, "id_number", self.id_number)
        _check_phone(errors, "phone", self.phone)
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            errors["child"] = _("The child belongs to another campus.")
        if self.guardian_id:
            if self.kind != self.Kind.GUARDIAN:
                errors["guardian"] = _("Only a guardian entry refers to a guardian.")
            elif self.child_id and self.guardian.child_id != self.child_id:
                errors["guardian"] = _("This guardian belongs to another child.")
        if self.kind == self.Kind.PROXY:
            if not self.valid_from or not self.valid_until:
                errors["valid_until"] = _("A proxy needs the dates the agreement is valid for.")
            if not self.id_number:
                errors["id_number"] = _("A proxy must give an ID number.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date must not be before the start date.")
        if self.card_no and self.campus_id:
            clash = PickupPerson._base_manager.filter(campus_id=self.campus_id, card_no=self.card_no)
            if self.pk:
                clash = clash.exclude(pk=self.pk)
            if clash.exists():
                errors["card_no"] = _("Another pickup person of this campus already has this card number.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)


class PickupRelease(VoidableMixin, CampusOwned):
    """One release (or refused attempt) at the gate: who took which child, when, who let them."""

    class Outcome(models.TextChoices):
        RELEASED = "released", _("Released")
        REFUSED = "refused", _("Refused")

    class Reason(models.TextChoices):
        NOT_AUTHORISED = "not_authorised", _("Not authorised for this child")
        OTHER_CHILD = "other_child", _("The card belongs to another child")
        EXPIRED = "expired", _("Proxy authorisation not valid today")
        NO_AGREEMENT = "no_agreement", _("No signed proxy agreement")
        INACTIVE = "inactive", _("Authorisation withdrawn")
        UNKNOWN_CARD = "unknown_card", _("Unknown card")
        OTHER = "other", _("Other")

    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.PROTECT, related_name="pickup_releases"
    )
    person = models.ForeignKey(
        PickupPerson,
        verbose_name=_("pickup person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="releases",
    )
    person_name = models.CharField(_("collected by"), max_length=40)
    relation = models.CharField(_("relation"), max_length=20, blank=True)
    card_no = models.CharField(_("card presented"), max_length=40, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason for refusal"), max_length=16, choices=Reason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    released_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    released_by = user_fk(_("released by"))

    class Meta:
        verbose_name = _("pickup release")
        verbose_name_plural = _("pickup releases")
        ordering = ["-released_at", "-id"]
        indexes = [models.Index(fields=["campus", "released_at"])]

    def __str__(self):
        when = timezone.localtime(self.released_at) if self.released_at else None
        return f"{self.child} → {self.person_name} {when:%Y-%m-%d %H:%M}" if when else str(self.child)

    def clean(self):
        errors = {}
        if self.child_id and self.campus_id and self.child.campus_id != self.campus_id:
            errors["child"] = _("The child belongs to another campus.")
        if self.outcome == self.Outcome.RELEASED and not self.person_id:
            errors["person"] = _("A child is released only to an authorised pickup person.")
        if self.outcome == self.Outcome.REFUSED and not self.reason:
            errors["reason"] = _("Give the reason for the refusal.")
        if not (self.person_name or "").strip():
            errors["person_name"] = _("Enter the name of the person collecting the child.")
        if errors:
            raise ValidationError(errors)


class LateChildFlag(CampusOwned):
    """A child still on campus after closing time on a day (one row per child and day)."""

    day = models.DateField(_("day"))
    child = models.ForeignKey(
        "core.Child", verbose_name=_("child"), on_delete=models.CASCADE, related_name="+"
    )
    flagged_at = models.DateTimeField(_("flagged at"), default=timezone.now)

    class Meta:
        verbose_name = _("child on campus after closing")
        verbose_name_plural = _("children on campus after closing")
        ordering = ["-day", "child__name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "day", "child"], name="latechildflag_unique")
        ]

    def __str__(self):
        return f"{self.child} {self.day}"
