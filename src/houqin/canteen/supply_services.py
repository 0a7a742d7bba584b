"""Every write of the supply area (定点供应商、进货查验、食品仓库): ``<entity>_<action>(*, actor, …)``,
atomic, validated with ``full_clean()`` and audited in the same transaction. Views, the API
and the demo call these functions.

Rules enforced here, whatever the caller:

* Food suppliers are :class:`procurement.Supplier` rows with a :class:`FoodSupplier`
  profile. Deliveries are received only from active designated suppliers whose required
  certificates (campus setting ``canteen.supply.required_certificates``; suppliers of meat
  and poultry also ``canteen.supply.meat_certificates``) are valid on the delivery date;
  otherwise the receiving is refused, naming the certificate and its expiry date. A food
  production licence stands for a food operation licence: a producer selling its own food
  needs no operation licence (食品安全法第三十五条).
* A receiving inspection (进货查验) is recorded by one person and confirmed by another
  (``canteen.receive``). Each accepted line needs the production date or batch number
  (not for edible agricultural products), must pass the sensory check, must not be past
  its best-before date, and chilled/frozen food must arrive cold enough (campus settings).
  On confirmation every accepted line becomes a :class:`FoodBatch`; rejected lines make
  none. Confirmed records are not edited; they are voided with a reason only while none
  of their food has left the store. A record is kept at least until its shelf life + 6
  months (2 years without a shelf life; 6 months for edible agricultural products) —
  deleting it earlier is refused (食品安全法第五十条、第六十五条).
* Stock-outs (出库) take food from batches for a date and a meal. Expired, blocked or
  disposed batches are refused; an earlier-expiring batch of the same food left in the
  store needs a reason (first expiry, first out). The keeper (``canteen.keep_store``) and
  the cook (``canteen.cook``) sign, two different people; the quantities go down at the
  second signature under row locks and never below zero. A confirmed stock-out can be
  reversed once.
* Disposals (销毁) take food out of a batch with a reason and a witness who is not the
  recorder.
"""

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.canteen.models import (
    CertificateKind,
    FoodBatch,
    FoodDisposal,
    FoodSupplier,
    MealKind,
    Receiving,
    ReceivingLine,
    StockOut,
    StockOutLine,
    SupplierCertificate,
    SupplyContract,
)
from houqin.core import audit
from houqin.core.attachments import attachment_add
from houqin.core.links import campus_url
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.services import clean_reason, lock_for_update, object_delete, object_save
from houqin.core.settings_registry import campus_setting

VIEW_SUPPLIERS = "canteen.view_suppliers"
MANAGE_SUPPLIERS = "canteen.manage_suppliers"
VIEW_RECEIVING = "canteen.view_receiving"
RECEIVE = "canteen.receive"
KEEP = "canteen.keep_store"
COOK = "canteen.cook"

RECEIVING_PREFIX = "JH"  # 进货查验
BATCH_PREFIX = "PC"  # 批次
STOCK_OUT_PREFIX = "CK"  # 出库
DISPOSAL_PREFIX = "XH"  # 销毁

# Campus rule settings (registered in supply_registrations).
S_REMIND_FIRST = "canteen.supply.reminder_days_first"
S_REMIND_SECOND = "canteen.supply.reminder_days_second"
S_REQUIRED = "canteen.supply.required_certificates"
S_MEAT_REQUIRED = "canteen.supply.meat_certificates"
S_KEEP_AFTER_SHELF = "canteen.supply.retention_months_after_shelf_life"
S_KEEP_NO_SHELF = "canteen.supply.retention_months_without_shelf_life"
S_KEEP_PRODUCE = "canteen.supply.retention_months_fresh_produce"
S_CHILLED_MAX = "canteen.supply.chilled_max_c"
S_FROZEN_MAX = "canteen.supply.frozen_max_c"
S_EXPIRING_DAYS = "canteen.supply.expiring_soon_days"

# A required kind is also satisfied by these (a producer selling its own food needs no
# food operation licence, 食品安全法第三十五条).
EQUIVALENT_KINDS = {
    CertificateKind.FOOD_OPERATION_LICENCE: (CertificateKind.FOOD_PRODUCTION_LICENCE,),
}
ZERO = Decimal("0")


# --- Small helpers ------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (the 31st becomes the month's last day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _decimal(value, *, label, field="quantity", allow_none=False):
    if value in (None, ""):
        if allow_none:
            return None
        raise ValidationError({field: _("%(label)s: enter a number.") % {"label": label}})
    try:
        out = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("%(label)s: enter a number.") % {"label": label}})
    if not out.is_finite():
        raise ValidationError({field: _("%(label)s: enter a number.") % {"label": label}})
    return out


def _fmt(q) -> str:
    q = Decimal(q or 0)
    return f"{q.normalize():f}" if q == q.to_integral_value() else f"{q:f}".rstrip("0").rstrip(".")


def _text(value, limit):
    return str(value or "").strip()[:limit]


def _notify(campus, *, users=(), perm=None, exclude=(), title, body="", url="", level="info", event=""):
    """Notify some users and/or the holders of a permission on the campus, once each."""
    from houqin.core.notifications import notify, users_with_roles
    from houqin.core.roles import roles_with

    excluded = {getattr(u, "pk", u) for u in exclude if u is not None}
    recipients = {u.pk: u for u in users if u is not None and u.pk not in excluded}
    if perm:
        for u in users_with_roles(campus, sorted(roles_with(perm))):
            if u.pk not in excluded:
                recipients.setdefault(u.pk, u)
    if not recipients:
        return []
    return notify(
        campus=campus, recipients=list(recipients.values()), title=title, body=body, url=url, level=level,
        event=event,
    )  # fmt: skip


def _has(actor, campus, perm) -> bool:
    return perm in actor_perms(actor, campus)


def _attach(actor, obj, photos, kind="photo"):
    for photo in photos or ():
        attachment_add(actor=actor, obj=obj, uploaded_file=photo, kind=kind)


# --- Food suppliers -------------------------------------------------------------------------

SUPPLIER_FIELDS = ("name", "contact", "phone", "address", "credit_code")
PROFILE_FIELDS = ("is_designated", "designated_on", "note")


@transaction.atomic
def food_supplier_save(*, actor, campus, profile=None, supplier=None, supplier_data=None, data=None):
    """Create or change a food supplier: the procurement supplier (an existing one, or a new
    one from ``supplier_data``) and the canteen's profile (``data``: is_designated,
    categories, designated_on, note)."""
    from houqin.procurement.models import Supplier

    require_actor_perm(actor, campus, MANAGE_SUPPLIERS)
    data = dict(data or {})
    supplier_data = {k: v for k, v in (supplier_data or {}).items() if k in SUPPLIER_FIELDS}
    if profile is not None:
        profile = lock_for_update(profile)
        supplier = profile.supplier
    if supplier is None:
        if not (supplier_data.get("name") or "").strip():
            raise ValidationError({"name": _("Choose a supplier or enter the name of a new one.")})
        supplier = object_save(
            actor=actor, instance=Supplier(campus=campus, **supplier_data), campus=campus,
            message=_("Food supplier"),
        )  # fmt: skip
    else:
        if supplier.campus_id != campus.pk:
            raise ValidationError({"supplier": _("The supplier belongs to another campus.")})
        if supplier_data:
            before = audit.snapshot(supplier)
            for key, value in supplier_data.items():
                setattr(supplier, key, value)
            object_save(actor=actor, instance=supplier, before=before)
    if profile is None:
        profile = FoodSupplier.objects.filter(supplier=supplier).first()
    before = audit.snapshot(profile) if profile is not None else None
    if profile is None:
        profile = FoodSupplier(campus=campus, supplier=supplier)
    for key in PROFILE_FIELDS:
        if key in data:
            setattr(profile, key, data[key])
    if "categories" in data:
        profile.category_list = data["categories"]
    return object_save(actor=actor, instance=profile, before=before, campus=campus)


def food_suppliers(campus):
    return FoodSupplier.objects.filter(campus=campus).select_related("supplier")


CERTIFICATE_FIELDS = ("kind", "title", "number", "issuer", "issued_on", "expires_on", "note")


@transaction.atomic
def certificate_save(*, actor, campus, supplier=None, certificate=None, data, photos=()):
    """Record a supplier's certificate (or correct one); scans and photos as attachments.

    A changed expiry date starts the reminders again."""
    require_actor_perm(actor, campus, MANAGE_SUPPLIERS)
    if certificate is not None:
        certificate = lock_for_update(certificate)
        if certificate.is_void:
            raise ValidationError(_("A void certificate is not changed."))
        before = audit.snapshot(certificate)
    else:
        if supplier is None:
            raise ValidationError({"supplier": _("Choose the supplier.")})
        certificate = SupplierCertificate(campus=campus, supplier=supplier)
        before = None
    old_expiry = certificate.expires_on
    for key in CERTIFICATE_FIELDS:
        if key in data:
            setattr(certificate, key, data[key] if data[key] is not None or key.endswith("_on") else "")
    if before is not None and certificate.expires_on != old_expiry:
        certificate.reminders_sent = []
    certificate = object_save(actor=actor, instance=certificate, before=before, campus=campus)
    _attach(actor, certificate, photos, kind="scan")
    return certificate


@transaction.atomic
def certificate_void(*, actor, certificate, reason):
    certificate = lock_for_update(certificate)
    require_actor_perm(actor, certificate.campus, MANAGE_SUPPLIERS)
    reason = clean_reason(reason)
    if certificate.is_void:
        raise ValidationError(_("This certificate is already void."))
    before = audit.snapshot(certificate)
    certificate.is_void, certificate.void_reason = True, reason
    certificate.voided_at, certificate.voided_by = timezone.now(), actor
    return object_save(actor=actor, instance=certificate, before=before, action="void", message=reason)


CONTRACT_FIELDS = ("number", "title", "signed_on", "start_date", "end_date", "note")


@transaction.atomic
def contract_save(*, actor, campus, supplier=None, contract=None, data, files=()):
    require_actor_perm(actor, campus, MANAGE_SUPPLIERS)
    if contract is not None:
        contract = lock_for_update(contract)
        if contract.is_void:
            raise ValidationError(_("A void contract is not changed."))
        before = audit.snapshot(contract)
    else:
        if supplier is None:
            raise ValidationError({"supplier": _("Choose the supplier.")})
        contract = SupplyContract(campus=campus, supplier=supplier)
        before = None
    old_end = contract.end_date
    for key in CONTRACT_FIELDS:
        if key in data:
            setattr(
                contract, key, data[key] if data[key] is not None or key.endswith(("_on", "_date")) else ""
            )
    if before is not None and contract.end_date != old_end:
        contract.reminders_sent = []
    contract = object_save(actor=actor, instance=contract, before=before, campus=campus)
    _attach(actor, contract, files, kind="file")
    return contract


@transaction.atomic
def contract_void(*, actor, contract, reason):
    contract = lock_for_update(contract)
    require_actor_perm(actor, contract.campus, MANAGE_SUPPLIERS)
    reason = clean_reason(reason)
    if contract.is_void:
        raise ValidationError(_("This contract is already void."))
    before = audit.snapshot(contract)
    contract.is_void, contract.void_reason = True, reason
    contract.voided_at, contract.voided_by = timezone.now(), actor
    return object_save(actor=actor, instance=contract, before=before, action="void", message=reason)


def supplier_certificates(supplier):
    """The supplier's certificates that are not void, by kind, the latest expiry first
    (for the traceability report and the supplier page)."""
    return (
        SupplierCertificate.objects.filter(campus_id=supplier.campus_id, supplier=supplier, is_void=False)
        .select_related("supplier")
        .order_by("kind", "title", "-expires_on", "-id")
    )


def current_certificates(qs):
    """Certificates not superseded by a newer one of the same supplier, kind and title."""
    newer = SupplierCertificate.objects.filter(
        supplier=OuterRef("supplier"), kind=OuterRef("kind"), title=OuterRef("title"), is_void=False
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return qs.filter(is_void=False).exclude(expires_on__isnull=True).exclude(Exists(newer))


def _kinds_from_setting(raw) -> list[str]:
    text = str(raw or "").replace("，", ",").replace("、", ",").replace(" ", ",")
    valid = set(CertificateKind.values)
    out = []
    for part in text.split(","):
        part = part.strip()
        if part in valid and part not in out:
            out.append(part)
    return out


def required_kinds(campus, profile=None) -> list[str]:
    """The certificate kinds a food supplier must hold valid to have a delivery received."""
    kinds = _kinds_from_setting(campus_setting(campus, S_REQUIRED))
    if profile is not None and profile.supplies_meat:
        kinds += [k for k in _kinds_from_setting(campus_setting(campus, S_MEAT_REQUIRED)) if k not in kinds]
    return kinds


def certificate_problems(supplier, on_date, *, profile=None, certificates=None) -> list[str]:
    """Why the supplier's deliveries cannot be received on ``on_date``: one message per
    required certificate that is missing, expired or not valid yet (empty: all fine)."""
    campus = supplier.campus
    if profile is None:
        profile = FoodSupplier.objects.filter(campus_id=supplier.campus_id, supplier=supplier).first()
    if certificates is None:
        certificates = list(supplier_certificates(supplier))
    labels = dict(CertificateKind.choices)
    problems = []
    for kind in required_kinds(campus, profile):
        accepted = (kind, *EQUIVALENT_KINDS.get(kind, ()))
        mine = [c for c in certificates if c.kind in accepted and not c.is_void]
        if any(c.is_valid_on(on_date) for c in mine):
            continue
        if not mine:
            problems.append(
                _("%(supplier)s has no %(kind)s on file.") % {"supplier": supplier, "kind": labels[kind]}
            )
            continue
        later = [c for c in mine if c.issued_on and c.issued_on > on_date]
        expired = [c for c in mine if c.expires_on and c.expires_on < on_date]
        if expired and not later:
            last = max(expired, key=lambda c: c.expires_on)
            problems.append(
                _("%(kind)s %(number)s of %(supplier)s expired on %(date)s.")
                % {
                    "kind": last.get_kind_display(),
                    "number": last.number,
                    "supplier": supplier,
                    "date": last.expires_on.isoformat(),
                }  # fmt: skip
            )
        else:
            first = min(later, key=lambda c: c.issued_on)
            problems.append(
                _("%(kind)s %(number)s of %(supplier)s is valid only from %(date)s.")
                % {
                    "kind": first.get_kind_display(),
                    "number": first.number,
                    "supplier": supplier,
                    "date": first.issued_on.isoformat(),
                }  # fmt: skip
            )
    return problems


def _check_supplier(supplier, campus, on_date):
    """Refuse a delivery from a supplier that may not deliver food on ``on_date``."""
    if supplier is None:
        raise ValidationError({"supplier": _("Choose the supplier.")})
    if supplier.campus_id != campus.pk:
        raise ValidationError({"supplier": _("The supplier belongs to another campus.")})
    profile = FoodSupplier.objects.filter(campus=campus, supplier=supplier).first()
    if profile is None or not profile.is_designated:
        raise ValidationError(
            {
                "supplier": _("%(supplier)s is not a designated food supplier (定点供应商).")
                % {"supplier": supplier}
            }
        )
    if not supplier.is_active:
        raise ValidationError({"supplier": _("%(supplier)s is inactive.") % {"supplier": supplier}})
    certificates = list(supplier_certificates(supplier))
    problems = certificate_problems(supplier, on_date, profile=profile, certificates=certificates)
    if problems:
        raise ValidationError(
            {
                "supplier": [
                    ValidationError(_("Receiving refused: %(problem)s") % {"problem": p}, code="certificate")
                    for p in problems
                ]
            }  # fmt: skip
        )
    kinds = required_kinds(campus, profile)
    return [
        {
            "id": c.pk,
            "kind": c.kind,
            "number": c.number,
            "expires_on": c.expires_on.isoformat() if c.expires_on else None,
        }  # fmt: skip
        for c in certificates
        if c.is_valid_on(on_date)
        and (c.kind in kinds or any(c.kind in EQUIVALENT_KINDS.get(k, ()) for k in kinds))
    ]


# --- Certificate and contract reminders (tick) ----------------------------------------------


def reminder_thresholds(campus) -> list[int]:
    return sorted({int(campus_setting(campus, S_REMIND_FIRST)), int(campus_setting(campus, S_REMIND_SECOND))},
                  reverse=True)  # fmt: skip


def _due_threshold(days_left, thresholds, sent):
    """The threshold to notify now (the smallest one reached and not sent yet), marking the
    larger ones as passed; ``"expired"`` once after expiry. None when nothing is due."""
    if days_left < 0:
        return "expired" if "expired" not in sent else None
    reached = [t for t in thresholds if days_left <= t]
    if not reached:
        return None
    smallest = min(reached)
    return None if smallest in sent else smallest


def expiry_reminders(now=None) -> int:
    """Tell the canteen's supplier managers once per threshold (30 and 7 days by default,
    campus settings) before a current certificate or contract of an active food supplier
    runs out, and once when it has expired. Runs outside any campus scope (``houqin tick``)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent_count = 0
    for model, date_field in ((SupplierCertificate, "expires_on"), (SupplyContract, "end_date")):
        manager = model.objects.with_scopes_disabled()
        if model is SupplierCertificate:
            newer = (
                SupplierCertificate.objects.with_scopes_disabled()
                .filter(
                    supplier=OuterRef("supplier"),
                    kind=OuterRef("kind"),
                    title=OuterRef("title"),
                    is_void=False,
                )
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
            )
        else:
            newer = SupplyContract.objects.with_scopes_disabled().filter(
                supplier=OuterRef("supplier"), is_void=False, end_date__gt=OuterRef("end_date")
            )
        qs = (
            manager.filter(is_void=False, supplier__is_active=True, supplier__food_profile__isnull=False)
            .filter(**{f"{date_field}__isnull": False, f"{date_field}__lte": today + dt.timedelta(days=366)})
            .exclude(Exists(newer))
            .select_related("campus", "supplier")
            .order_by("campus_id", date_field, "pk")
        )
        for obj in qs.iterator(chunk_size=200):
            thresholds = reminder_thresholds(obj.campus)
            days_left = (getattr(obj, date_field) - today).days
            if _due_threshold(days_left, thresholds, obj.reminders_sent or []) is None:
                continue
            with transaction.atomic():
                locked = manager.select_for_update().get(pk=obj.pk)
                sent = list(locked.reminders_sent or [])
                due = _due_threshold(days_left, thresholds, sent)
                if due is None:  # another runner sent it
                    continue
                sent += [due] if due == "expired" else [t for t in thresholds if t >= due and t not in sent]
                manager.filter(pk=locked.pk).update(reminders_sent=sent)
                _send_expiry_notice(locked, date_field, days_left, due)
                sent_count += 1
    return sent_count


def _send_expiry_notice(obj, date_field, days_left, due):
    campus, supplier = obj.campus, obj.supplier
    expiry = getattr(obj, date_field)
    if isinstance(obj, SupplierCertificate):
        what = f"{obj.get_kind_display()} {obj.number}"
        url = campus_url(campus, "canteen:supply_certificate_detail", pk=obj.pk)
    else:
        what = _("Supply contract %(number)s") % {"number": obj.number or obj.title}
        url = campus_url(campus, "canteen:supply_contract_detail", pk=obj.pk)
    if due == "expired":
        title = _("%(what)s of %(supplier)s expired on %(date)s") % {
            "what": what, "supplier": supplier, "date": expiry.isoformat()}  # fmt: skip
        level = "danger"
    else:
        title = _("%(what)s of %(supplier)s expires in %(days)s days (%(date)s)") % {
            "what": what, "supplier": supplier, "days": days_left, "date": expiry.isoformat()}  # fmt: skip
        level = "warning"
    audit.record(
        actor=None, action="expiry_reminder", obj=obj, after={"days_left": days_left, "threshold": due}
    )
    _notify(
        campus, perm=MANAGE_SUPPLIERS, title=title, url=url, level=level, event="canteen.supply_expiry",
        body=_("Ask the supplier for the renewed document; deliveries are refused once a required "
               "certificate has expired."),
    )  # fmt: skip


def expiring_certificates(campus, today=None, days=None):
    """Current certificates of active food suppliers expired or expiring within ``days``."""
    today = today or timezone.localdate()
    if days is None:
        days = max(reminder_thresholds(campus))
    qs = SupplierCertificate.objects.filter(
        campus=campus, supplier__is_active=True, supplier__food_profile__isnull=False,
        expires_on__lte=today + dt.timedelta(days=days),
    )  # fmt: skip
    return current_certificates(qs)


# --- Receiving inspection -------------------------------------------------------------------

LINE_FIELDS = (
    "ingredient", "name", "spec", "unit", "production_date", "batch_no", "shelf_life_days", "best_before",
    "is_fresh_produce", "storage", "appearance_ok", "smell_ok", "packaging_ok", "result", "reject_reason", "location",
)  # fmt: skip
BOOL_LINE_FIELDS = ("is_fresh_produce", "appearance_ok", "smell_ok", "packaging_ok")


def _build_lines(campus, lines, delivered_on):
    """Validate line dicts into unsaved :class:`ReceivingLine` objects (all errors at once)."""
    chilled_max = Decimal(str(campus_setting(campus, S_CHILLED_MAX)))
    frozen_max = Decimal(str(campus_setting(campus, S_FROZEN_MAX)))
    built, errors = [], []
    for n, data in enumerate(lines, start=1):
        data = dict(data)
        ingredient = data.get("ingredient")
        name = _text(data.get("name"), 80) or (ingredient.name[:80] if ingredient is not None else "")
        if not name and data.get("quantity") in (None, "", 0, "0"):
            continue  # an empty row of the form
        label = _("Line %(n)s (%(name)s)") % {"n": n, "name": name or "—"}
        try:
            quantity = _decimal(data.get("quantity"), label=label)
            unit_price = _decimal(data.get("unit_price") or 0, label=label, field="unit_price")
            temperature = _decimal(
                data.get("temperature_c"), label=label, field="temperature_c", allow_none=True
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        line = ReceivingLine(campus=campus, position=n, quantity=quantity, unit_price=unit_price,
                             temperature_c=temperature)  # fmt: skip
        for key in LINE_FIELDS:
            if key in data:
                value = data[key]
                if key in BOOL_LINE_FIELDS:
                    value = bool(value)
                elif value is None and key not in (
                    "ingredient",
                    "production_date",
                    "best_before",
                    "shelf_life_days",
                ):
                    value = ""
                setattr(line, key, value)
        line.name = name
        if not line.unit:
            line.unit = "kg"
        if not line.result:
            line.result = ReceivingLine.Result.ACCEPTED
        if not line.storage:
            line.storage = ReceivingLine.Storage.AMBIENT
        if line.result == ReceivingLine.Result.ACCEPTED:
            line.reject_reason = ""
        problems = []
        try:
            line.full_clean(exclude=["receiving", "campus", "batch"])
        except ValidationError as exc:
            problems.extend(exc.messages)
        if line.result == ReceivingLine.Result.ACCEPTED and not problems:
            problems.extend(_accept_problems(line, delivered_on, chilled_max, frozen_max))
        if problems:
            errors.extend(f"{label}: {m}" for m in problems)
            continue
        built.append(line)
    if not built and not errors:
        errors.append(_("Enter at least one line of the delivery."))
    if errors:
        raise ValidationError(errors)
    return built


def _accept_problems(line, delivered_on, chilled_max, frozen_max):
    out = []
    if line.ingredient_id and line.ingredient.is_banned:
        out.append(
            _("%(name)s is banned in school canteens (%(reason)s).")
            % {"name": line.ingredient.name, "reason": line.ingredient.ban_reason or _("see the ingredient")}
        )
    if not line.is_fresh_produce and not line.production_date and not (line.batch_no or "").strip():
        out.append(
            _("give the production date or the batch number (or mark it as an edible agricultural product).")
        )
    if line.production_date and delivered_on and line.production_date > delivered_on:
        out.append(_("the production date is after the delivery."))
    expiry = line.expiry_date(delivered_on)
    if expiry and delivered_on and expiry < delivered_on:
        out.append(_("past its best-before date (%(date)s); reject it.") % {"date": expiry.isoformat()})
    if line.storage == ReceivingLine.Storage.CHILLED:
        if line.temperature_c is None:
            out.append(_("measure the temperature of chilled food."))
        elif line.temperature_c > chilled_max:
            out.append(
                _("chilled food arrived at %(t)s °C, above %(max)s °C; reject it.")
                % {"t": line.temperature_c, "max": chilled_max}
            )
    if line.storage == ReceivingLine.Storage.FROZEN:
        if line.temperature_c is None:
            out.append(_("measure the temperature of frozen food."))
        elif line.temperature_c > frozen_max:
            out.append(
                _("frozen food arrived at %(t)s °C, above %(max)s °C; reject it.")
                % {"t": line.temperature_c, "max": frozen_max}
            )
    return out


def retention_date(campus, lines, delivered_on) -> dt.date:
    """Until when the record must be kept: for each line its best-before + N months (6),
    else N months (6) for edible agricultural products, else N months (24) from the delivery
    (食品安全法第五十条、第六十五条; campus settings); the latest of them."""
    after_shelf = int(campus_setting(campus, S_KEEP_AFTER_SHELF))
    no_shelf = int(campus_setting(campus, S_KEEP_NO_SHELF))
    produce = int(campus_setting(campus, S_KEEP_PRODUCE))
    dates = []
    for line in lines:
        expiry = line.expiry_date(delivered_on)
        if expiry:
            dates.append(add_months(expiry, after_shelf))
        elif line.is_fresh_produce:
            dates.append(add_months(delivered_on, produce))
        else:
            dates.append(add_months(delivered_on, no_shelf))
    return max(dates) if dates else add_months(delivered_on, no_shelf)


def _check_delivered_at(delivered_at):
    if delivered_at is None:
        raise ValidationError({"delivered_at": _("Enter the delivery time.")})
    if timezone.is_naive(delivered_at):
        delivered_at = timezone.make_aware(delivered_at)
    if delivered_at > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({"delivered_at": _("The delivery time is in the future.")})
    return delivered_at


def _line_snapshot(lines):
    return [
        {
            "ingredient": ln.ingredient_id, "name": ln.name, "spec": ln.spec, "quantity": str(ln.quantity),
            "unit": ln.unit, "unit_price": str(ln.unit_price),
            "production_date": ln.production_date.isoformat() if ln.production_date else None,
            "batch_no": ln.batch_no, "shelf_life_days": ln.shelf_life_days,
            "best_before": ln.best_before.isoformat() if ln.best_before else None,
            "storage": ln.storage, "temperature_c": str(ln.temperature_c) if ln.temperature_c is not None else None,
            "sensory": [ln.appearance_ok, ln.smell_ok, ln.packaging_ok], "result": ln.result,
            "reject_reason": ln.reject_reason,
        }
        for ln in lines
    ]  # fmt: skip


@transaction.atomic
def receiving_record(
    *, actor, campus, supplier, lines, delivered_at=None, delivery_note_no="", note="", photos=(),
):  # fmt: skip
    """The first signer records a delivery (进货查验): lines with the sensory check and the
    verdict; nothing enters the store until another person confirms it."""
    require_actor_perm(actor, campus, RECEIVE)
    delivered_at = _check_delivered_at(delivered_at or timezone.now())
    delivered_on = timezone.localdate(delivered_at)
    checked = _check_supplier(supplier, campus, delivered_on)
    built = _build_lines(campus, lines, delivered_on)
    receiving = Receiving(
        campus=campus, supplier=supplier, delivered_at=delivered_at, delivery_note_no=_text(delivery_note_no, 40),
        note=_text(note, 300), recorded_by=actor, certificates_checked=checked,
        retain_until=retention_date(campus, built, delivered_on),
        number=next_number(campus=campus, prefix=RECEIVING_PREFIX, on_date=delivered_on),
    )  # fmt: skip
    receiving.full_clean()
    receiving.save()
    for line in built:
        line.receiving = receiving
        line.save()
    audit.record(actor=actor, action="create", obj=receiving,
                 after={**audit.snapshot(receiving), "lines": _line_snapshot(built)})  # fmt: skip
    _attach(actor, receiving, photos)
    _notify(
        campus, perm=RECEIVE, exclude=[actor],
        title=_("Second signature needed: receiving %(number)s") % {"number": receiving.number},
        body=_("%(who)s recorded a delivery from %(supplier)s.") % {"who": actor, "supplier": supplier},
        url=campus_url(campus, "canteen:supply_receiving_detail", pk=receiving.pk), event="canteen.supply_receiving",
    )  # fmt: skip
    return receiving


@transaction.atomic
def receiving_update(*, actor, receiving, supplier, lines, delivered_at, delivery_note_no="", note=""):
    """Correct a receiving still waiting for its second signer (the recorder, or a holder of
    ``canteen.keep_store``); the lines are replaced."""
    receiving = lock_for_update(receiving)
    campus = receiving.campus
    require_actor_perm(actor, campus, RECEIVE)
    if receiving.status != Receiving.Status.PENDING:
        raise ValidationError(_("A confirmed or void receiving is not changed; void it with a reason."))
    if actor.pk != receiving.recorded_by_id and not _has(actor, campus, KEEP):
        raise PermissionDenied(_("Only the person who recorded it can correct it."))
    delivered_at = _check_delivered_at(delivered_at)
    delivered_on = timezone.localdate(delivered_at)
    checked = _check_supplier(supplier, campus, delivered_on)
    built = _build_lines(campus, lines, delivered_on)
    before = {**audit.snapshot(receiving), "lines": _line_snapshot(receiving.lines.all())}
    receiving.supplier, receiving.delivered_at = supplier, delivered_at
    receiving.delivery_note_no, receiving.note = _text(delivery_note_no, 40), _text(note, 300)
    receiving.certificates_checked = checked
    receiving.retain_until = retention_date(campus, built, delivered_on)
    receiving.full_clean()
    receiving.save()
    receiving.lines.all().delete()
    for line in built:
        line.receiving = receiving
        line.save()
    audit.record(actor=actor, action="update", obj=receiving, before=before,
                 after={**audit.snapshot(receiving), "lines": _line_snapshot(built)})  # fmt: skip
    return receiving


@transaction.atomic
def receiving_confirm(*, actor, receiving):
    """The second signer confirms: every accepted line becomes a food batch in the store."""
    receiving = lock_for_update(receiving)
    campus = receiving.campus
    require_actor_perm(actor, campus, RECEIVE)
    if receiving.status != Receiving.Status.PENDING:
        raise ValidationError(
            _("This receiving is no longer waiting for a signature (%(status)s).")
            % {"status": receiving.get_status_display()}, code="not_pending",
        )  # fmt: skip
    if actor is None or actor.pk == receiving.recorded_by_id:
        raise PermissionDenied(
            _("You recorded this delivery; the second signature must come from another person.")
        )
    delivered_on = receiving.delivered_on
    receiving.certificates_checked = _check_supplier(receiving.supplier, campus, delivered_on)
    lines = list(receiving.lines.select_related("ingredient").order_by("position", "id"))
    before = audit.snapshot(receiving)
    for line in lines:
        if not line.is_accepted:
            continue
        quantity = line.quantity
        batch = FoodBatch(
            campus=campus, number=next_number(campus=campus, prefix=BATCH_PREFIX, on_date=delivered_on),
            name=line.name, ingredient=line.ingredient, supplier=receiving.supplier, spec=line.spec, unit=line.unit,
            quantity_received=quantity, quantity_on_hand=quantity, unit_price=line.unit_price,
            received_on=delivered_on, production_date=line.production_date, batch_no=line.batch_no,
            shelf_life_days=line.shelf_life_days, best_before=line.expiry_date(delivered_on), location=line.location,
        )  # fmt: skip
        batch.full_clean()
        batch.save()
        audit.record(
            actor=actor, action="create", obj=batch, after=audit.snapshot(batch), message=receiving.number
        )
        line.batch = batch
        line.save(update_fields=["batch", "updated_at"])
    receiving.status = Receiving.Status.CONFIRMED
    receiving.confirmed_by, receiving.confirmed_at = actor, timezone.now()
    receiving.retain_until = retention_date(campus, lines, delivered_on)
    receiving.full_clean()
    receiving.save()
    after = audit.snapshot(receiving)
    audit.record(actor=actor, action="confirm", obj=receiving,
                 before={k: before[k] for k in before if before[k] != after.get(k)},
                 after={k: after[k] for k in after if before.get(k) != after[k]})  # fmt: skip
    _notify(
        campus, users=[receiving.recorded_by], exclude=[actor],
        title=_("Receiving %(number)s confirmed") % {"number": receiving.number},
        url=campus_url(campus, "canteen:supply_receiving_detail", pk=receiving.pk), event="canteen.supply_receiving",
    )  # fmt: skip
    return receiving


def _batch_used(batch) -> bool:
    return (
        StockOutLine.objects.filter(batch=batch).exclude(stock_out__status=StockOut.Status.VOID).exists()
        or FoodDisposal.objects.filter(batch=batch, is_void=False).exists()
        or batch.quantity_on_hand != batch.quantity_received
    )


@transaction.atomic
def receiving_void(*, actor, receiving, reason):
    """Void a receiving with a reason: one waiting for its second signer (``canteen.receive``),
    or a confirmed one (``canteen.keep_store``) as long as none of its food has been issued
    or disposed of — its batches are then taken out of the store and blocked."""
    receiving = lock_for_update(receiving)
    campus = receiving.campus
    reason = clean_reason(reason)
    if receiving.status == Receiving.Status.VOID:
        raise ValidationError(_("This receiving is already void."))
    if receiving.status == Receiving.Status.CONFIRMED:
        require_actor_perm(actor, campus, KEEP)
        batches = [
            lock_for_update(b)
            for b in FoodBatch.objects.filter(receiving_line__receiving=receiving).order_by("pk")
        ]
        used = [b for b in batches if _batch_used(b)]
        if used:
            raise ValidationError(
                _(
                    "Food of this delivery has already been issued or disposed of (%(batches)s); it cannot be voided."
                )
                % {"batches": "、".join(b.number for b in used)}
            )
        for batch in batches:
            before = audit.snapshot(batch)
            batch.quantity_on_hand = ZERO
            batch.status = FoodBatch.Status.DISPOSED
            batch.is_blocked, batch.blocked_reason = True, _("Receiving %(number)s voided: %(reason)s") % {
                "number": receiving.number, "reason": reason}  # fmt: skip
            batch.blocked_at, batch.blocked_by = timezone.now(), actor
            object_save(actor=actor, instance=batch, before=before, action="void", message=reason)
    else:
        require_actor_perm(actor, campus, RECEIVE)
    before = audit.snapshot(receiving)
    receiving.status = Receiving.Status.VOID
    receiving.void_reason, receiving.voided_by, receiving.voided_at = reason, actor, timezone.now()
    return object_save(actor=actor, instance=receiving, before=before, action="void", message=reason)


@transaction.atomic
def receiving_delete(*, actor, receiving, today=None):
    """Delete a receiving record whose retention period is over (``canteen.keep_store``);
    refused before that date (食品安全法第五十条)."""
    receiving = lock_for_update(receiving)
    require_actor_perm(actor, receiving.campus, KEEP)
    today = today or timezone.localdate()
    keep = receiving.retain_until or retention_date(
        receiving.campus, list(receiving.lines.all()), receiving.delivered_on
    )
    if today < keep:
        raise ValidationError(
            _("Receiving records must be kept until %(date)s (shelf life + 6 months, or 2 years); "
              "%(number)s cannot be deleted before then.") % {"date": keep.isoformat(), "number": receiving.number},
            code="retention",
        )  # fmt: skip
    number = receiving.number
    object_delete(actor=actor, instance=receiving, message=number)
    return number


def receiving_total(receiving, lines=None) -> Decimal:
    lines = receiving.lines.all() if lines is None else lines
    return sum((ln.amount for ln in lines if ln.is_accepted), ZERO)


# --- The food store -------------------------------------------------------------------------


def issuable_batches(campus, on_date=None):
    """Batches that may be issued on ``on_date``: in stock, not blocked, not expired."""
    on_date = on_date or timezone.localdate()
    return (
        FoodBatch.objects.filter(campus=campus, status=FoodBatch.Status.IN_STOCK, is_blocked=False,
                                 quantity_on_hand__gt=0)
        .filter(Q(best_before__isnull=True) | Q(best_before__gte=on_date))
        .select_related("supplier", "ingredient")
    )  # fmt: skip


def _fefo_key(batch):
    return (batch.best_before is None, batch.best_before or dt.date.max, batch.received_on, batch.pk)


def fefo_batches(campus, on_date=None, *, ingredient=None, name=None):
    """The issuable batches of one food in first-expiry-first-out order (先到期先出)."""
    qs = issuable_batches(campus, on_date)
    if ingredient is not None:
        qs = qs.filter(ingredient=ingredient)
    elif name:
        qs = qs.filter(ingredient__isnull=True, name=name)
    return sorted(qs, key=_fefo_key)


def fefo_suggestion(campus, on_date, *, ingredient=None, name=None, quantity):
    """Lines proposing ``quantity`` of a food from its batches in FEFO order:
    ``[(batch, quantity)]`` (less than asked when the store has less)."""
    want = Decimal(str(quantity))
    out = []
    for batch in fefo_batches(campus, on_date, ingredient=ingredient, name=name):
        if want <= 0:
            break
        take = min(want, batch.quantity_on_hand)
        out.append((batch, take))
        want -= take
    return out


def _same_food(batch):
    if batch.ingredient_id:
        return Q(ingredient_id=batch.ingredient_id)
    return Q(ingredient__isnull=True, name=batch.name)


def batch_refusal(batch, on_date):
    """Why ``batch`` may not be issued on ``on_date`` (None: it may)."""
    if batch.is_blocked:
        return _("Batch %(number)s %(name)s is blocked: %(reason)s") % {
            "number": batch.number, "name": batch.name, "reason": batch.blocked_reason}  # fmt: skip
    if batch.status != FoodBatch.Status.IN_STOCK:
        return _("Batch %(number)s %(name)s is no longer in stock (%(status)s).") % {
            "number": batch.number, "name": batch.name, "status": batch.get_status_display()}  # fmt: skip
    if batch.is_expired(on_date):
        return _("Batch %(number)s %(name)s expired on %(date)s; it cannot be issued.") % {
            "number": batch.number, "name": batch.name, "date": batch.best_before.isoformat()}  # fmt: skip
    return None


def _validate_stock_lines(campus, on_date, lines):
    """Check stock-out lines (dicts with batch, quantity, fefo_reason); returns unsaved lines."""
    errors, built, taken = [], [], {}
    lines = [dict(d) for d in lines if d.get("batch") is not None]
    fresh = (
        FoodBatch.objects.filter(pk__in=[d["batch"].pk for d in lines]).select_related("ingredient").in_bulk()
    )
    for data in lines:
        batch = fresh.get(data["batch"].pk, data["batch"])
        label = f"{batch.number} {batch.name}"
        try:
            quantity = _decimal(data.get("quantity"), label=label)
        except ValidationError as exc:
            errors.extend(exc.messages)
            continue
        if batch.campus_id != campus.pk:
            errors.append(_("%(batch)s: the batch belongs to another campus.") % {"batch": label})
            continue
        if batch.pk in taken:
            errors.append(_("%(batch)s: the batch appears twice.") % {"batch": label})
            continue
        if quantity <= 0:
            errors.append(_("%(batch)s: the quantity must be more than zero.") % {"batch": label})
            continue
        refusal = batch_refusal(batch, on_date)
        if refusal:
            errors.append(refusal)
            continue
        if quantity > batch.quantity_on_hand:
            errors.append(
                _("%(batch)s: only %(left)s %(unit)s left.")
                % {"batch": label, "left": _fmt(batch.quantity_on_hand), "unit": batch.unit}
            )
            continue
        taken[batch.pk] = quantity
        built.append(StockOutLine(campus=campus, batch=batch, quantity=quantity,
                                  fefo_reason=_text(data.get("fefo_reason"), 200)))  # fmt: skip
    if not built and not errors:
        errors.append(_("Enter at least one batch and its quantity."))
    if not errors:
        errors.extend(_fefo_problems(campus, on_date, built, taken))
    if errors:
        raise ValidationError(errors)
    return built


def _fefo_problems(campus, on_date, built, taken):
    """A later-expiring batch chosen while an earlier-expiring one of the same food is left
    in the store (after this stock-out) needs a reason."""
    problems = []
    for line in built:
        batch = line.batch
        if line.fefo_reason:
            continue
        earlier = [
            b
            for b in issuable_batches(campus, on_date).filter(_same_food(batch)).exclude(pk=batch.pk)
            if _fefo_key(b)[:2] < _fefo_key(batch)[:2] and b.quantity_on_hand - taken.get(b.pk, ZERO) > 0
        ]
        if earlier:
            first = min(earlier, key=_fefo_key)
            problems.append(
                _(
                    "%(batch)s: batch %(earlier)s expires earlier (%(date)s); take it first (先到期先出) "
                    "or give the reason for taking this one."
                )
                % {
                    "batch": f"{batch.number} {batch.name}",
                    "earlier": first.number,
                    "date": first.best_before.isoformat() if first.best_before else "—",
                }  # fmt: skip
            )
    return problems


def _stock_lines_snapshot(lines):
    return [
        {"batch": ln.batch_id, "quantity": str(ln.quantity), "fefo_reason": ln.fefo_reason} for ln in lines
    ]


def _sign_role(actor, campus, sign_as):
    perms = actor_perms(actor, campus)
    if sign_as in ("keeper", "cook"):
        needed = KEEP if sign_as == "keeper" else COOK
        if needed not in perms:
            raise PermissionDenied(_("You do not have permission to do this."))
        return sign_as
    if sign_as:
        raise ValidationError({"sign_as": _("Sign as the keeper or as the cook.")})
    return None


@transaction.atomic
def stock_out_create(*, actor, campus, date, meal, lines, note="", sign_as=None):
    """Record a stock-out for a date and meal; the recorder may sign at once as keeper or cook.
    The food leaves the store when both have signed."""
    perms = actor_perms(actor, campus)
    if KEEP not in perms and COOK not in perms:
        raise PermissionDenied(_("You do not have permission to do this."))
    if meal not in MealKind.values:
        raise ValidationError({"meal": _("Choose the meal.")})
    if date is None:
        raise ValidationError({"date": _("Enter the date.")})
    role = _sign_role(actor, campus, sign_as)
    built = _validate_stock_lines(campus, date, lines)
    stock_out = StockOut(
        campus=campus, date=date, meal=meal, note=_text(note, 300), recorded_by=actor,
        number=next_number(campus=campus, prefix=STOCK_OUT_PREFIX, on_date=date),
    )  # fmt: skip
    now = timezone.now()
    if role == "keeper":
        stock_out.keeper, stock_out.keeper_signed_at = actor, now
    elif role == "cook":
        stock_out.cook, stock_out.cook_signed_at = actor, now
    stock_out.full_clean()
    stock_out.save()
    for line in built:
        line.stock_out = stock_out
        line.save()
    audit.record(actor=actor, action="create", obj=stock_out,
                 after={**audit.snapshot(stock_out), "lines": _stock_lines_snapshot(built)})  # fmt: skip
    other = COOK if role == "keeper" else KEEP if role == "cook" else None
    _notify(
        campus, perm=other or KEEP, exclude=[actor],
        title=_("Stock-out %(number)s waits for your signature") % {"number": stock_out.number},
        url=campus_url(campus, "canteen:supply_stockout_detail", pk=stock_out.pk), event="canteen.supply_stockout",
    )  # fmt: skip
    return stock_out


@transaction.atomic
def stock_out_sign(*, actor, stock_out, role):
    """Sign a stock-out as the keeper or the cook (two different people); the second
    signature takes the food out of the store."""
    stock_out = lock_for_update(stock_out)
    campus = stock_out.campus
    if role not in ("keeper", "cook"):
        raise ValidationError({"role": _("Sign as the keeper or as the cook.")})
    _sign_role(actor, campus, role)
    if stock_out.status != StockOut.Status.PENDING:
        raise ValidationError(
            _("This stock-out is no longer waiting for signatures (%(status)s).")
            % {"status": stock_out.get_status_display()}
        )
    mine, other = ("keeper", "cook") if role == "keeper" else ("cook", "keeper")
    if getattr(stock_out, f"{mine}_id"):
        raise ValidationError(
            _("Already signed as %(role)s by %(who)s.")
            % {"role": _role_label(role), "who": getattr(stock_out, mine)}
        )
    if getattr(stock_out, f"{other}_id") == actor.pk:
        raise PermissionDenied(_("The keeper and the cook must be two different people."))
    before = audit.snapshot(stock_out)
    setattr(stock_out, mine, actor)
    setattr(stock_out, f"{mine}_signed_at", timezone.now())
    if stock_out.keeper_id and stock_out.cook_id:
        _apply_stock_out(actor, stock_out)
        stock_out.status = StockOut.Status.CONFIRMED
        stock_out.confirmed_at = timezone.now()
    return object_save(
        actor=actor, instance=stock_out, before=before,
        action="confirm" if stock_out.status == StockOut.Status.CONFIRMED else "sign",
    )  # fmt: skip


def _role_label(role):
    return _("keeper") if role == "keeper" else _("cook")


def _locked_batches(batch_ids):
    """The batches locked one by one in id order (the same order everywhere: no deadlock)."""
    return {pk: lock_for_update(FoodBatch(pk=pk)) for pk in sorted(set(batch_ids))}


def _apply_stock_out(actor, stock_out):
    lines = list(stock_out.lines.all())
    batches = _locked_batches([ln.batch_id for ln in lines])
    errors = []
    for line in lines:
        batch = batches[line.batch_id]
        refusal = batch_refusal(batch, stock_out.date)
        if refusal:
            errors.append(refusal)
        elif line.quantity > batch.quantity_on_hand:
            errors.append(
                _("%(batch)s: only %(left)s %(unit)s left.")
                % {
                    "batch": f"{batch.number} {batch.name}",
                    "left": _fmt(batch.quantity_on_hand),
                    "unit": batch.unit,
                }
            )
    if errors:
        raise ValidationError([ValidationError(m, code="insufficient_stock") for m in errors])
    for line in lines:
        batch = batches[line.batch_id]
        before = {"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status}
        batch.quantity_on_hand -= line.quantity
        if batch.quantity_on_hand <= 0:
            batch.status = FoodBatch.Status.USED_UP
        batch.save(update_fields=["quantity_on_hand", "status", "updated_at"])
        audit.record(actor=actor, action="issue", obj=batch, before=before,
                     after={"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status},
                     message=stock_out.number)  # fmt: skip


@transaction.atomic
def stock_out_void(*, actor, stock_out, reason):
    """Void a stock-out still waiting for signatures (the recorder or the keeper)."""
    stock_out = lock_for_update(stock_out)
    campus = stock_out.campus
    reason = clean_reason(reason)
    if stock_out.status != StockOut.Status.PENDING:
        raise ValidationError(
            _("Only a stock-out waiting for signatures can be voided; reverse a confirmed one.")
        )
    if actor is None or (actor.pk != stock_out.recorded_by_id and not _has(actor, campus, KEEP)):
        raise PermissionDenied(_("You do not have permission to do this."))
    before = audit.snapshot(stock_out)
    stock_out.status = StockOut.Status.VOID
    stock_out.void_reason, stock_out.voided_by, stock_out.voided_at = reason, actor, timezone.now()
    return object_save(actor=actor, instance=stock_out, before=before, action="void", message=reason)


@transaction.atomic
def stock_out_reverse(*, actor, stock_out, reason):
    """Reverse a confirmed stock-out once (``canteen.keep_store``): its quantities go back to
    their batches."""
    stock_out = lock_for_update(stock_out)
    require_actor_perm(actor, stock_out.campus, KEEP)
    reason = clean_reason(reason)
    if stock_out.status == StockOut.Status.REVERSED:
        raise ValidationError(_("This stock-out was already reversed."), code="reversed")
    if stock_out.status != StockOut.Status.CONFIRMED:
        raise ValidationError(_("Only a confirmed stock-out can be reversed."))
    lines = list(stock_out.lines.all())
    batches = _locked_batches([ln.batch_id for ln in lines])
    disposed = [b for b in batches.values() if b.status == FoodBatch.Status.DISPOSED]
    if disposed:
        raise ValidationError(
            _("Batch %(batches)s has been disposed of since; the stock-out cannot be reversed.")
            % {"batches": "、".join(b.number for b in disposed)}
        )
    for line in lines:
        batch = batches[line.batch_id]
        before = {"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status}
        batch.quantity_on_hand += line.quantity
        batch.status = FoodBatch.Status.IN_STOCK
        batch.full_clean()
        batch.save(update_fields=["quantity_on_hand", "status", "updated_at"])
        audit.record(actor=actor, action="reverse", obj=batch, before=before,
                     after={"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status},
                     message=stock_out.number)  # fmt: skip
    before = audit.snapshot(stock_out)
    stock_out.status = StockOut.Status.REVERSED
    stock_out.reverse_reason, stock_out.reversed_by, stock_out.reversed_at = reason, actor, timezone.now()
    return object_save(actor=actor, instance=stock_out, before=before, action="reverse", message=reason)


@transaction.atomic
def disposal_record(
    *, actor, campus, batch, quantity, reason, witness, detail="", method="", disposed_on=None, photos=(),
):  # fmt: skip
    """Log food thrown away (销毁) with the reason and a witness (not the recorder); the
    quantity leaves the batch under a row lock."""
    require_actor_perm(actor, campus, KEEP)
    if batch is None:
        raise ValidationError({"batch": _("Choose the batch.")})
    if batch.campus_id != campus.pk:
        raise ValidationError({"batch": _("The batch belongs to another campus.")})
    if witness is None:
        raise ValidationError({"witness": _("Name the witness.")})
    if not actor_perms(witness, campus):
        raise ValidationError({"witness": _("The witness must be a member of the campus.")})
    batch = lock_for_update(batch)
    label = f"{batch.number} {batch.name}"
    quantity = _decimal(quantity, label=label)
    if quantity <= 0:
        raise ValidationError(
            {"quantity": _("%(batch)s: the quantity must be more than zero.") % {"batch": label}}
        )
    if batch.status == FoodBatch.Status.DISPOSED or quantity > batch.quantity_on_hand:
        raise ValidationError(
            {
                "quantity": _("%(batch)s: only %(left)s %(unit)s left.")
                % {"batch": label, "left": _fmt(batch.quantity_on_hand), "unit": batch.unit}
            }  # fmt: skip
        )
    disposal = FoodDisposal(
        campus=campus, batch=batch, quantity=quantity, reason=reason, detail=_text(detail, 300),
        method=_text(method, 120), witness=witness, recorded_by=actor,
        disposed_on=disposed_on or timezone.localdate(),
        number=next_number(campus=campus, prefix=DISPOSAL_PREFIX, on_date=disposed_on),
    )  # fmt: skip
    disposal.full_clean()
    disposal.save()
    audit.record(actor=actor, action="create", obj=disposal, after=audit.snapshot(disposal))
    before = {"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status}
    batch.quantity_on_hand -= quantity
    if batch.quantity_on_hand <= 0:
        batch.status = FoodBatch.Status.DISPOSED
    batch.save(update_fields=["quantity_on_hand", "status", "updated_at"])
    audit.record(actor=actor, action="dispose", obj=batch, before=before,
                 after={"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status},
                 message=disposal.number)  # fmt: skip
    _attach(actor, disposal, photos)
    return disposal


@transaction.atomic
def disposal_void(*, actor, disposal, reason):
    """Void a mistaken disposal once: the quantity goes back to its batch."""
    disposal = lock_for_update(disposal)
    require_actor_perm(actor, disposal.campus, KEEP)
    reason = clean_reason(reason)
    if disposal.is_void:
        raise ValidationError(_("This disposal is already void."))
    batch = lock_for_update(disposal.batch)
    before_batch = {"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status}
    batch.quantity_on_hand += disposal.quantity
    batch.status = FoodBatch.Status.IN_STOCK
    batch.save(update_fields=["quantity_on_hand", "status", "updated_at"])
    audit.record(actor=actor, action="reverse", obj=batch, before=before_batch,
                 after={"quantity_on_hand": str(batch.quantity_on_hand), "status": batch.status},
                 message=disposal.number)  # fmt: skip
    before = audit.snapshot(disposal)
    disposal.is_void = True
    disposal.void_reason, disposal.voided_by, disposal.voided_at = reason, actor, timezone.now()
    return object_save(actor=actor, instance=disposal, before=before, action="void", message=reason)


# --- Reads for other areas and the dashboard ------------------------------------------------


def batches_used(campus, date, meal=None):
    """The food batches confirmed stock-outs took for ``date`` (and ``meal``), with their
    supplier, ingredient and receiving record (the traceability report)."""
    lines = StockOutLine.objects.filter(
        campus=campus, stock_out__date=date, stock_out__status=StockOut.Status.CONFIRMED
    )
    if meal:
        lines = lines.filter(stock_out__meal=meal)
    return (
        FoodBatch.objects.filter(campus=campus, pk__in=lines.values("batch_id"))
        .select_related("supplier", "ingredient", "receiving_line__receiving")
        .order_by("name", "pk")
    )


def expired_in_stock(campus, today=None):
    today = today or timezone.localdate()
    return FoodBatch.objects.filter(
        campus=campus, status=FoodBatch.Status.IN_STOCK, quantity_on_hand__gt=0, best_before__lt=today
    )


def expiring_soon(campus, today=None, days=None):
    today = today or timezone.localdate()
    days = int(campus_setting(campus, S_EXPIRING_DAYS)) if days is None else days
    return FoodBatch.objects.filter(
        campus=campus, status=FoodBatch.Status.IN_STOCK, quantity_on_hand__gt=0, is_blocked=False,
        best_before__gte=today, best_before__lte=today + dt.timedelta(days=days),
    )  # fmt: skip


def issued_quantities(batch_ids):
    """{batch_id: quantity issued by confirmed stock-outs}."""
    rows = (
        StockOutLine.objects.filter(batch_id__in=batch_ids, stock_out__status=StockOut.Status.CONFIRMED)
        .values("batch_id")
        .annotate(total=Sum("quantity"))
    )
    return {r["batch_id"]: r["total"] for r in rows}
