"""Every write of the maintenance module: repair requests (报修) and their work orders
(维修单). ``<entity>_<action>(*, actor, …)``, atomic, validated with ``full_clean()`` and
audited in the same transaction; views, the API, the demo, the routines engine and the
other modules (a hazard, a damage record) all call these functions.

The flow (the status lives on the request)::

    reported ──dispatch──▶ dispatched ──start──▶ in progress ──finish (after-photo)──▶ done ──sign off──▶ closed
                               │  ▲ re-dispatch        ▲                                  │
                               │  └────────────────────┤                                  │
                               │                       └────────── send back (reason) ◀───┘
    reported / dispatched / in progress ──cancel (reason, leader)──▶ cancelled

* Dispatching a request for an asset puts the asset under repair; the sign-off puts it
  back in use; a cancellation restores the status it had before.
* The person who reported the repair signs it off (报修人验收签字): with their own login,
  or, when they reported it from a QR label, through the status link and their phone
  number. When nobody else can sign (no reporter, or the reporter did the repair), a
  holder of ``maintenance.dispatch_repairs`` who did not do the repair signs.
* Due times (当天修复): normal repairs are due at the end of the day they are reported,
  urgent and safety-critical ones a few hours after dispatch (campus rule settings).
"""

import datetime as dt
import re
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import audit
from houqin.core.attachments import attachment_add, attachments_for
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.roles import Role
from houqin.core.services import clean_reason
from houqin.core.settings_registry import campus_setting
from houqin.maintenance.models import RepairRequest, WorkOrder, WorkOrderPart

REPAIR_PREFIX = "WX"
ZERO = Decimal("0")
CENT = Decimal("0.01")
Status = RepairRequest.Status

VIEW, REPORT, DISPATCH, WORK = (
    "maintenance.view_repairs",
    "maintenance.report_repairs",
    "maintenance.dispatch_repairs",
    "maintenance.work_repairs",
)


# --- Helpers ------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock(repair):
    return (
        RepairRequest._base_manager.select_for_update(of=("self",))  # PostgreSQL: not the outer joins
        .select_related("campus", "room", "building", "asset", "reporter")
        .get(pk=repair.pk)
    )


def _order(repair):
    try:
        return WorkOrder._base_manager.select_for_update(of=("self",)).select_related("worker").get(request_id=repair.pk)
    except WorkOrder.DoesNotExist:
        return None


def _sync(original, fresh):
    if original is not fresh:
        for f in RepairRequest._meta.concrete_fields:
            setattr(original, f.attname, getattr(fresh, f.attname))
        original.__dict__.pop("_prefetched_objects_cache", None)
        if "work_order" in original._state.fields_cache:
            del original._state.fields_cache["work_order"]


def _save(*, actor, obj, before, action, message=""):
    """full_clean, save, and audit the changed fields of ``obj`` under ``action``."""
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    audit.record(
        actor=_user(actor),
        action=action,
        obj=obj,
        before={k: (before or {}).get(k) for k in changed},
        after={k: after[k] for k in changed},
        message=str(message)[:300],
    )
    return obj


def _clean_text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _money(value, field):
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value).strip())
    except Exception:
        raise ValidationError({field: _("Enter an amount in yuan.")})
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ValidationError({field: _("Enter an amount in yuan.")})
    return amount.quantize(CENT)


def repair_url(repair):
    try:
        return reverse("maintenance:repair_detail", kwargs={"campus": repair.campus.code, "pk": repair.pk})
    except NoReverseMatch:  # pragma: no cover - the URLconf always has it
        return ""


def status_url(repair):
    """The public status page of a request (the link a QR reporter keeps)."""
    return reverse("qr_repair_status", kwargs={"token": repair.status_token})


def _notify(campus, *, users=(), roles=(), exclude=(), title, body="", url="", level="info", event=""):
    """Notify some users and the holders of some roles, once each, never the actor."""
    from houqin.core.notifications import notify, users_with_roles

    excluded = {getattr(u, "pk", u) for u in exclude if u is not None}
    recipients = [u for u in users if u is not None and u.pk not in excluded]
    if roles:
        recipients += [u for u in users_with_roles(campus, roles) if u.pk not in excluded]
    if not recipients:
        return []
    return notify(
        campus=campus, recipients=recipients, title=title, body=body, url=url, level=level, event=event
    )


def _add_photos(actor, obj, photos, kind):
    for photo in photos or ():
        if photo:
            attachment_add(actor=_user(actor), obj=obj, uploaded_file=photo, kind=kind)


def _copy_photos(actor, source, target, kind="before"):
    """The photos of ``source`` (a checklist result, a hazard) become the request's own
    (the same bytes kept twice: the request keeps its evidence if the source is voided)."""
    from django.core.files.base import ContentFile

    for attachment in attachments_for(source):
        if not attachment.mime_type.startswith("image/"):
            continue
        with attachment.file.open("rb") as fh:
            upload = ContentFile(fh.read(), name=attachment.original_name)
        attachment_add(actor=_user(actor), obj=target, uploaded_file=upload, kind=kind, caption=attachment.caption)


def normalise_phone(value):
    return re.sub(r"[\s\-()]", "", str(value or ""))


def member_by_phone(campus, phone):
    """The campus member whose mobile number is ``phone`` (None when nobody matches)."""
    from houqin.core.forms import campus_users

    phone = normalise_phone(phone)
    if not phone:
        return None
    return campus_users(campus).filter(phone=phone).first()


# --- Categories guessed from words ---------------------------------------------------------

_CATEGORY_WORDS = [
    (RepairRequest.Category.AIR_CONDITIONING, ("空调", "制冷", "制热", "遥控器", "冷凝")),
    (RepairRequest.Category.LARGE_TOYS, ("大型玩具", "滑梯", "秋千", "攀爬", "蹦床", "体育器材", "玩具")),
    (RepairRequest.Category.KITCHEN, ("厨房", "燃气", "灶", "蒸饭", "消毒柜", "冰箱", "冰柜", "油烟", "炉")),
    (RepairRequest.Category.NETWORK_AV, ("网络", "电脑", "投影", "一体机", "音响", "话筒", "打印机", "监控", "wifi", "WiFi", "电视", "电教")),
    (RepairRequest.Category.DOORS_WINDOWS, ("门", "窗", "锁", "纱窗", "玻璃", "合页", "把手")),
    (RepairRequest.Category.FURNITURE, ("桌", "椅", "柜", "床", "凳", "书架", "家具")),
    (RepairRequest.Category.UTILITIES, ("水", "电", "灯", "插座", "开关", "跳闸", "漏", "马桶", "下水", "管道", "线路", "照明")),
]  # fmt: skip


def guess_category(*texts):
    """A category from the words of a description or a routine (空调 → air conditioners…)."""
    text = " ".join(str(t or "") for t in texts)
    for category, words in _CATEGORY_WORDS:
        if any(w in text for w in words):
            return category
    return RepairRequest.Category.OTHER


# --- Due times -----------------------------------------------------------------------------


def repair_default_due(campus, urgency, *, reported_at, now=None):
    """当天修复: a normal repair is due at the end of the day it was reported (plus the
    campus's allowance in days, never before the end of today); an urgent or
    safety-critical one a few hours from now (campus rule settings)."""
    now = now or timezone.now()
    if urgency in (RepairRequest.Urgency.URGENT, RepairRequest.Urgency.SAFETY):
        key = "maintenance.safety_hours" if urgency == RepairRequest.Urgency.SAFETY else "maintenance.urgent_hours"
        return now + dt.timedelta(hours=int(campus_setting(campus, key)))
    day = timezone.localtime(reported_at).date() + dt.timedelta(days=int(campus_setting(campus, "maintenance.normal_days")))
    day = max(day, timezone.localtime(now).date())
    end = dt.datetime.combine(day, dt.time(23, 59), tzinfo=timezone.get_current_timezone())
    return max(end, now)


# --- Who may do what -----------------------------------------------------------------------


def visible_repairs(user, perms, qs=None):
    """The requests a user may open: all with ``view_repairs``, else their own reports and
    the work orders they were given."""
    qs = RepairRequest.objects.all() if qs is None else qs
    if VIEW in (perms or ()):
        return qs
    return qs.filter(Q(reporter=user) | Q(work_order__worker=user))


def can_work(actor, repair, perms=None, order=None):
    """The assigned worker carries out the work order; holders of ``dispatch_repairs``
    record it for a contractor (or for the worker)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if repair.status not in RepairRequest.WORK_STATUSES:
        return False
    perms = perms if perms is not None else actor_perms(actor, repair.campus)
    if WORK not in perms:
        return False
    order = order if order is not None else getattr(repair, "work_order", None)
    if order is None:
        return False
    return order.worker_id == actor.pk or DISPATCH in perms


def reporter_can_sign(repair, order):
    """Whether somebody other than the one who did the repair can sign as the reporter."""
    if repair.reporter_id:
        return repair.reporter_id != (order.done_by_id if order else None)
    return bool(repair.reporter_phone)


def can_sign_off(actor, repair, perms=None, order=None):
    """报修人验收签字: the reporter (not the person who did the repair); a leader when no
    reporter can sign (none, or the reporter did the repair themselves)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or repair.status != Status.DONE:
        return False
    order = order if order is not None else getattr(repair, "work_order", None)
    if order is not None and order.done_by_id == actor.pk:
        return False
    if repair.reporter_id == actor.pk:
        return True
    perms = perms if perms is not None else actor_perms(actor, repair.campus)
    return DISPATCH in perms and not reporter_can_sign(repair, order)


def _check_signer(actor, repair, order, phone):
    """The actor (logged in) or the holder of the status link who knows the phone number."""
    if getattr(actor, "is_authenticated", False):
        if not can_sign_off(actor, repair, order=order):
            raise PermissionDenied(_("Only the person who reported the repair signs it off."))
        return
    phone = normalise_phone(phone)
    known = {normalise_phone(repair.reporter_phone)}
    if repair.reporter_id and repair.reporter.phone:
        known.add(normalise_phone(repair.reporter.phone))
    known.discard("")
    if not phone or phone not in known:
        raise ValidationError({"phone": _("This is not the phone number the repair was reported with.")})


# --- Repair requests -----------------------------------------------------------------------


@transaction.atomic
def repair_request_create(
    *,
    actor,
    campus,
    description,
    room=None,
    asset=None,
    urgency="normal",
    source="manual",
    reporter_name="",
    reporter_phone="",
    photos=(),
    origin=None,
    category=None,
    place_text="",
    building=None,
    reporter=None,
    now=None,
):
    """Record a repair request (number WX-…) and tell the logistics head.

    ``actor`` may be None (the public QR form); ``reporter`` names the staff member it is
    reported for when that is not the actor (a QR reporter recognised by their phone);
    ``origin`` is the object it came from (a hazard, a failed checklist result, a damage
    record), kept as a generic link. Without a room, an asset's room is used. An empty
    ``category`` is guessed from the words of the description."""
    now = now or timezone.now()
    errors = {}
    if urgency not in RepairRequest.Urgency.values:
        errors["urgency"] = _("Choose how urgent it is.")
    if source not in RepairRequest.Source.values:
        errors["source"] = _("Unknown source.")
    if category and category not in RepairRequest.Category.values:
        errors["category"] = _("Choose a category.")
    if asset is not None:
        from houqin.assets.models import Asset

        if asset.status not in Asset.ACTIVE_STATUSES:
            errors["asset"] = _("This asset is %(status)s; it cannot be repaired.") % {
                "status": asset.get_status_display()
            }
    if errors:
        raise ValidationError(errors)
    description = _clean_text(description, 2000)
    if room is None and asset is not None and asset.room_id:
        room = asset.room
    repair = RepairRequest(
        campus=campus,
        reported_at=now,
        room=room,
        building=building or (room.building if room is not None else None),
        asset=asset,
        place_text=_clean_text(place_text, 120),
        category=category or guess_category(description, getattr(asset, "name", "")),
        urgency=urgency,
        description=description,
        source=source,
        reporter=reporter or _user(actor),
        reporter_name=_clean_text(reporter_name, 40),
        reporter_phone=normalise_phone(reporter_phone)[:20],
    )
    if origin is not None:
        repair.origin_type = ContentType.objects.get_for_model(origin, for_concrete_model=True)
        repair.origin_id = str(origin.pk)
    repair.full_clean(exclude=["number", "status_token"])
    repair.number = next_number(campus=campus, prefix=REPAIR_PREFIX, on_date=now)
    repair.save()
    audit.record(
        actor=_user(actor),
        action="create",
        obj=repair,
        after=audit.snapshot(repair),
        message=repair.get_source_display(),
    )
    _add_photos(actor, repair, photos, "before")
    level = {"safety": "danger", "urgent": "warning"}.get(repair.urgency, "info")
    _notify(
        campus,
        roles=[Role.LOGISTICS_HEAD],
        exclude=[_user(actor)],
        title=_("New repair %(number)s: %(what)s") % {"number": repair.number, "what": repair.short_description},
        body=_("%(place)s · %(category)s · %(urgency)s · reported by %(who)s")
        % {
            "place": repair.place,
            "category": repair.get_category_display(),
            "urgency": repair.get_urgency_display(),
            "who": repair.reporter_display,
        },
        url=repair_url(repair),
        level=level,
        event="maintenance.repair_reported",
    )
    return repair


REPAIR_EDIT_FIELDS = ("room", "building", "asset", "place_text", "category", "urgency", "description")


@transaction.atomic
def repair_update(*, actor, repair, data):
    """A leader corrects the place, category, urgency or description of an open request."""
    require_actor_perm(actor, repair.campus, DISPATCH)
    locked = _lock(repair)
    if locked.status not in RepairRequest.ACTIVE_STATUSES:
        raise ValidationError(_("A closed or cancelled request cannot be edited."), code="repair_closed")
    before = audit.snapshot(locked)
    for name, value in data.items():
        if name not in REPAIR_EDIT_FIELDS:
            raise ValueError(f"Not editable here: {name}")
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    if locked.room_id and not locked.building_id:
        locked.building_id = locked.room.building_id
    _save(actor=actor, obj=locked, before=before, action="update")
    _sync(repair, locked)
    return locked


def _set_asset_status(actor, repair, status, reason):
    """Through the asset register's service (audited there)."""
    from houqin.assets.services import asset_set_status

    asset = repair.asset
    if asset is None or asset.status == status:
        return
    asset_set_status(actor=_user(actor), asset=asset, status=status, reason=reason)


@transaction.atomic
def repair_dispatch(
    *,
    actor,
    repair,
    worker=None,
    contractor_name="",
    contractor_phone="",
    supplier=None,
    due_at=None,
    instructions="",
    now=None,
):
    """Dispatch a request to an in-house repair worker (``worker``) or a contractor (name,
    phone, optional supplier) with a due time; a dispatched or started one may be given
    to someone else. The worker and the reporter are told; an asset goes under repair."""
    require_actor_perm(actor, repair.campus, DISPATCH)
    locked = _lock(repair)
    if locked.status not in RepairRequest.OPEN_STATUSES:
        raise ValidationError(
            _("Only a reported or unfinished repair can be dispatched (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="repair_status",
        )
    now = now or timezone.now()
    contractor_name = _clean_text(contractor_name, 80)
    if worker is not None and (contractor_name or supplier is not None):
        raise ValidationError(_("Give the job to a repair worker or to a contractor, not both."))
    if worker is None and not (contractor_name or supplier is not None):
        raise ValidationError({"worker": _("Choose the repair worker or name a contractor.")})
    if worker is not None and WORK not in actor_perms(worker, locked.campus):
        raise ValidationError({"worker": _("%(who)s does not carry out repairs on this campus.") % {"who": worker}})
    order = _order(locked)
    is_new = order is None
    before = audit.snapshot(order) if order else None
    previous_worker = order.worker if order else None
    if is_new:
        order = WorkOrder(campus=locked.campus, request=locked, dispatched_at=now, round_started_at=now)
    order.kind = WorkOrder.Kind.IN_HOUSE if worker is not None else WorkOrder.Kind.CONTRACTOR
    order.worker = worker
    order.contractor_name = contractor_name
    order.contractor_phone = _clean_text(contractor_phone, 20)
    order.supplier = supplier
    order.dispatched_by = _user(actor)
    order.dispatched_at = now
    order.instructions = _clean_text(instructions, 300)
    order.due_at = due_at or repair_default_due(locked.campus, locked.urgency, reported_at=locked.reported_at, now=now)
    if locked.asset_id and not order.asset_status_before:
        order.asset_status_before = locked.asset.status
    order.full_clean(exclude=["request"])
    order.save()
    snap = audit.snapshot(order)
    if is_new:
        audit.record(actor=_user(actor), action="create", obj=order, after=snap, message=order.assignee_display)
    else:
        changed = [k for k in snap if (before or {}).get(k) != snap.get(k)]
        audit.record(
            actor=_user(actor), action="repair_redispatch", obj=order,
            before={k: before.get(k) for k in changed}, after={k: snap[k] for k in changed},
            message=order.assignee_display,
        )  # fmt: skip
    req_before = audit.snapshot(locked)
    if locked.status == Status.REPORTED:
        locked.status = Status.DISPATCHED
    _save(
        actor=actor, obj=locked, before=req_before, action="repair_dispatch",
        message=_("%(who)s, due %(due)s") % {
            "who": order.assignee_display, "due": timezone.localtime(order.due_at).strftime("%m-%d %H:%M"),
        },
    )  # fmt: skip
    from houqin.assets.models import Asset

    _set_asset_status(actor, locked, Asset.Status.UNDER_REPAIR, _("Repair %(number)s") % {"number": locked.number})
    due = timezone.localtime(order.due_at).strftime("%m-%d %H:%M")
    if worker is not None and worker != previous_worker:
        _notify(
            locked.campus,
            users=[worker],
            exclude=[_user(actor)],
            title=_("Repair %(number)s for you, due %(due)s") % {"number": locked.number, "due": due},
            body=f"{locked.place} · {locked.short_description}"
            + (f" · {order.instructions}" if order.instructions else ""),
            url=repair_url(locked),
            level="danger" if locked.urgency == RepairRequest.Urgency.SAFETY else "warning",
            event="maintenance.repair_dispatched",
        )
    if is_new and locked.reporter_id:
        _notify(
            locked.campus,
            users=[locked.reporter],
            exclude=[_user(actor), worker],
            title=_("Your repair %(number)s was dispatched") % {"number": locked.number},
            body=_("%(who)s, due %(due)s") % {"who": order.assignee_display, "due": due},
            url=repair_url(locked),
            event="maintenance.repair_dispatched",
        )
    _sync(repair, locked)
    return order


def _work_order_for(actor, repair, *, statuses=RepairRequest.WORK_STATUSES):
    locked = _lock(repair)
    if locked.status not in statuses:
        raise ValidationError(
            _("This repair is %(status)s; the work cannot be recorded now.") % {"status": locked.get_status_display()},
            code="repair_status",
        )
    order = _order(locked)
    if order is None:  # pragma: no cover - a dispatched request always has its order
        raise ValidationError(_("This repair has not been dispatched yet."))
    if not can_work(actor, locked, order=order):
        raise PermissionDenied(_("Only the repair worker it was given to (or the logistics head) can do this."))
    return locked, order


def _start(actor, locked, order, now):
    """dispatched → in progress (also implied by recording work on a dispatched order)."""
    if locked.status != Status.DISPATCHED:
        return
    before = audit.snapshot(order)
    order.started_at = now
    _save(actor=actor, obj=order, before=before, action="update")
    before = audit.snapshot(locked)
    locked.status = Status.IN_PROGRESS
    _save(actor=actor, obj=locked, before=before, action="repair_start")


@transaction.atomic
def work_order_start(*, actor, repair, now=None):
    """The worker starts the job (dispatched → in progress)."""
    locked, order = _work_order_for(actor, repair, statuses=(Status.DISPATCHED,))
    _start(actor, locked, order, now or timezone.now())
    _sync(repair, locked)
    return order


@transaction.atomic
def work_order_record(*, actor, repair, work_done=None, labour_cost=None, now=None):
    """Record what was done so far and the labour or contractor cost."""
    locked, order = _work_order_for(actor, repair)
    _start(actor, locked, order, now or timezone.now())
    before = audit.snapshot(order)
    if work_done is not None:
        order.work_done = _clean_text(work_done, 4000)
    labour = _money(labour_cost, "labour_cost")
    if labour is not None:
        order.labour_cost = labour
    _save(actor=actor, obj=order, before=before, action="work_order_record")
    _sync(repair, locked)
    return order


def _refresh_parts_cost(actor, order):
    from django.db.models import Sum

    total = WorkOrderPart._base_manager.filter(work_order=order, voided_at__isnull=True).aggregate(s=Sum("amount"))["s"]
    total = (total or ZERO).quantize(CENT)
    if total != order.parts_cost:
        before = audit.snapshot(order)
        order.parts_cost = total
        _save(actor=actor, obj=order, before=before, action="update")


def _quantity(value):
    try:
        qty = Decimal(str(value).strip())
    except Exception:
        raise ValidationError({"quantity": _("Enter a quantity.")})
    if not qty.is_finite() or qty <= 0 or qty != qty.quantize(Decimal("0.001")) or qty >= Decimal("1e9"):
        raise ValidationError({"quantity": _("Enter a quantity greater than 0 (at most three decimals).")})
    return qty


@transaction.atomic
def work_order_add_part(
    *, actor, repair, quantity, item=None, location=None, description="", unit="", unit_price=None, now=None
):
    """A part used on the job. With ``item`` and ``location`` it is taken out of the
    warehouse (a stock issue through the warehouse services, valued from the stock);
    otherwise it was bought for the job (description, quantity, unit price)."""
    locked, order = _work_order_for(actor, repair)
    now = now or timezone.now()
    _start(actor, locked, order, now)
    qty = _quantity(quantity)
    part = WorkOrderPart(campus=locked.campus, work_order=order, quantity=qty, added_by=_user(actor))
    if item is not None or location is not None:
        if item is None or location is None:
            raise ValidationError({"item": _("Choose the item and the location it is taken from.")})
        part.kind = WorkOrderPart.Kind.STOCK
        part.item = item
        part.location = location
        part.description = _clean_text(description, 120) or str(item)[:120]
        part.unit = item.unit
        part.full_clean(exclude=["stock_move"])
        part.save()
        from houqin.procurement.warehouse_services import stock_issue

        move = stock_issue(
            actor=_user(actor), campus=locked.campus, item=item, location=location, quantity=qty, source=part,
            note=_("Repair %(number)s") % {"number": locked.number}, moved_at=now,
        )  # fmt: skip
        amount = abs(move.value or ZERO).quantize(CENT)
        part.stock_move = move
        part.amount = amount
        part.unit_price = (amount / qty).quantize(CENT) if qty else ZERO
        part.save(update_fields=["stock_move", "amount", "unit_price", "updated_at"])
    else:
        price = _money(unit_price, "unit_price")
        if price is None:
            raise ValidationError({"unit_price": _("Give the unit price (0 if it cost nothing).")})
        part.kind = WorkOrderPart.Kind.BOUGHT
        part.description = _clean_text(description, 120)
        part.unit = _clean_text(unit, 10)
        part.unit_price = price
        part.amount = (qty * price).quantize(CENT)
        part.full_clean()
        part.save()
    audit.record(
        actor=_user(actor), action="work_order_part", obj=order, after=audit.snapshot(part),
        message=f"{part} = {part.amount}",
    )  # fmt: skip
    _refresh_parts_cost(actor, order)
    _sync(repair, locked)
    return part


@transaction.atomic
def work_order_void_part(*, actor, part, reason, now=None):
    """A part line entered by mistake is voided with a reason (the line stays); the stock
    issue of a part taken from the warehouse is reversed (冲销), so it is back in stock."""
    reason = clean_reason(reason, field="void_reason")
    part = WorkOrderPart._base_manager.select_for_update(of=("self",)).select_related("work_order", "stock_move").get(pk=part.pk)
    locked, order = _work_order_for(actor, part.work_order.request)
    if part.voided_at is not None:
        raise ValidationError(_("This part line was already voided."))
    before = audit.snapshot(part)
    part.voided_at = now or timezone.now()
    part.void_reason = reason
    part.full_clean()
    part.save(update_fields=["voided_at", "void_reason", "updated_at"])
    if part.kind == WorkOrderPart.Kind.STOCK and part.stock_move_id:
        from houqin.procurement.warehouse_services import stock_move_reverse

        stock_move_reverse(
            actor=_user(actor), move=part.stock_move,
            reason=_("Part line of repair %(number)s voided: %(reason)s") % {"number": locked.number, "reason": reason},
        )  # fmt: skip
    audit.record(
        actor=_user(actor), action="work_order_part_void", obj=order, before=before, after=audit.snapshot(part),
        message=f"{part}: {reason}",
    )  # fmt: skip
    _refresh_parts_cost(actor, order)
    return part


def current_after_photos(repair, order):
    """After-photos of the current round (a sent-back repair needs new ones)."""
    qs = attachments_for(repair).filter(kind="after")
    if order is not None and order.round_started_at:
        qs = qs.filter(created_at__gte=order.round_started_at)
    return qs


@transaction.atomic
def work_order_finish(*, actor, repair, work_done=None, photos=(), labour_cost=None, now=None):
    """The worker reports the repair done: what was done and at least one after-photo of
    this round. The reporter is asked to check and sign it off."""
    locked, order = _work_order_for(actor, repair)
    now = now or timezone.now()
    _start(actor, locked, order, now)
    before = audit.snapshot(order)
    if work_done is not None and _clean_text(work_done):
        order.work_done = _clean_text(work_done, 4000)
    if not order.work_done:
        raise ValidationError({"work_done": _("Say what was done.")})
    labour = _money(labour_cost, "labour_cost")
    if labour is not None:
        order.labour_cost = labour
    _add_photos(actor, locked, photos, "after")
    if not current_after_photos(locked, order).exists():
        raise ValidationError({"photos": _("Add a photo of the repair when it is done.")}, code="repair_after_photo")
    order.done_at = now
    order.done_by = _user(actor)
    _save(actor=actor, obj=order, before=before, action="work_order_finish", message=order.work_done)
    req_before = audit.snapshot(locked)
    locked.status = Status.DONE
    _save(actor=actor, obj=locked, before=req_before, action="repair_done", message=order.work_done)
    signer = locked.reporter if locked.reporter_id and locked.reporter_id != order.done_by_id else None
    _notify(
        locked.campus,
        users=[signer],
        roles=[] if reporter_can_sign(locked, order) else [Role.LOGISTICS_HEAD],
        exclude=[_user(actor)],
        title=_("Repair %(number)s is done; please check and sign it off") % {"number": locked.number},
        body=order.work_done[:500],
        url=repair_url(locked),
        event="maintenance.repair_done",
    )
    _sync(repair, locked)
    return order


@transaction.atomic
def repair_sign_off(*, actor, repair, note="", phone="", name="", now=None):
    """报修人验收签字: the reporter checks the repair and signs it off (closed). Logged in,
    or (``actor`` None) through the status link with the phone number it was reported
    with. An asset under repair goes back in use."""
    locked = _lock(repair)
    if locked.status != Status.DONE:
        raise ValidationError(
            _("Only a repair reported done can be signed off (it is %(status)s).") % {"status": locked.get_status_display()},
            code="repair_status",
        )
    order = _order(locked)
    _check_signer(actor, locked, order, phone)
    now = now or timezone.now()
    before = audit.snapshot(order)
    order.signed_off_by = _user(actor)
    if _clean_text(name):
        signer_name = _clean_text(name)
    elif _user(actor):
        signer_name = actor.display_name
    elif locked.reporter_id:
        signer_name = locked.reporter.display_name
    else:
        signer_name = locked.reporter_name
    order.signed_off_name = signer_name[:40]
    order.signed_off_at = now
    order.sign_off_note = _clean_text(note, 300)
    _save(actor=actor, obj=order, before=before, action="work_order_sign_off", message=order.sign_off_note)
    req_before = audit.snapshot(locked)
    locked.status = Status.CLOSED
    locked.closed_at = now
    _save(actor=actor, obj=locked, before=req_before, action="repair_sign_off", message=order.signed_off_name)
    from houqin.assets.models import Asset

    others = RepairRequest._base_manager.filter(
        asset_id=locked.asset_id, status__in=(*RepairRequest.WORK_STATUSES, Status.DONE)
    ).exclude(pk=locked.pk)
    if locked.asset_id and locked.asset.status == Asset.Status.UNDER_REPAIR and not others.exists():
        _set_asset_status(
            actor, locked, Asset.Status.IN_USE, _("Repair %(number)s signed off") % {"number": locked.number}
        )
    _notify(
        locked.campus,
        users=[order.done_by or order.worker],
        exclude=[_user(actor)],
        title=_("Repair %(number)s signed off by %(who)s") % {"number": locked.number, "who": order.signed_off_name},
        body=order.sign_off_note,
        url=repair_url(locked),
        event="maintenance.repair_closed",
    )
    _sync(repair, locked)
    return locked


@transaction.atomic
def repair_send_back(*, actor, repair, reason, phone="", now=None):
    """The reporter is not satisfied: back to the worker with a reason (times sent back +1);
    new after-photos are needed to finish again."""
    locked = _lock(repair)
    if locked.status != Status.DONE:
        raise ValidationError(
            _("Only a repair reported done can be sent back (it is %(status)s).") % {"status": locked.get_status_display()},
            code="repair_status",
        )
    order = _order(locked)
    _check_signer(actor, locked, order, phone)
    reason = clean_reason(reason, limit=300)
    now = now or timezone.now()
    before = audit.snapshot(order)
    order.reopened_count += 1
    order.returned_reason = reason
    order.round_started_at = now
    done_by = order.done_by
    order.done_at = None
    order.done_by = None
    _save(actor=actor, obj=order, before=before, action="work_order_send_back", message=reason)
    req_before = audit.snapshot(locked)
    locked.status = Status.IN_PROGRESS
    _save(actor=actor, obj=locked, before=req_before, action="repair_send_back", message=reason)
    _notify(
        locked.campus,
        users=[order.worker or done_by],
        roles=[] if order.worker_id else [Role.LOGISTICS_HEAD],
        exclude=[_user(actor)],
        title=_("Repair %(number)s sent back: %(reason)s") % {"number": locked.number, "reason": reason},
        url=repair_url(locked),
        level="warning",
        event="maintenance.repair_sent_back",
    )
    _sync(repair, locked)
    return locked


@transaction.atomic
def repair_cancel(*, actor, repair, reason, now=None):
    """A leader cancels a request not yet done (a duplicate, a prank from a label, no
    longer needed) with a reason; it stays in the ledger. An asset put under repair gets
    its former status back."""
    require_actor_perm(actor, repair.campus, DISPATCH)
    locked = _lock(repair)
    if locked.status not in RepairRequest.OPEN_STATUSES:
        raise ValidationError(
            _("Only a repair not yet done can be cancelled (it is %(status)s).") % {"status": locked.get_status_display()},
            code="repair_status",
        )
    reason = clean_reason(reason, field="cancel_reason", limit=300)
    now = now or timezone.now()
    order = _order(locked)
    before = audit.snapshot(locked)
    locked.status = Status.CANCELLED
    locked.cancel_reason = reason
    locked.cancelled_at = now
    locked.cancelled_by = _user(actor)
    _save(actor=actor, obj=locked, before=before, action="repair_cancel", message=reason)
    if order is not None and order.asset_status_before and locked.asset_id:
        from houqin.assets.models import Asset

        if locked.asset.status == Asset.Status.UNDER_REPAIR:
            _set_asset_status(
                actor, locked, order.asset_status_before,
                _("Repair %(number)s cancelled") % {"number": locked.number},
            )  # fmt: skip
    _notify(
        locked.campus,
        users=[u for u in (locked.reporter, order.worker if order else None) if u is not None],
        exclude=[_user(actor)],
        title=_("Repair %(number)s cancelled: %(reason)s") % {"number": locked.number, "reason": reason},
        url=repair_url(locked),
        event="maintenance.repair_cancelled",
    )
    _sync(repair, locked)
    return locked


# --- Requests from outside: QR labels, failed checklist items, hazards ---------------------


@transaction.atomic
def repair_report_from_qr(
    *, name, phone, description, room=None, asset=None, urgency="normal", photo=None, category=None
):
    """Somebody who is not logged in reports a repair by scanning a room or an asset label.
    A staff member recognised by their mobile number becomes the reporter."""
    errors = {}
    name = _clean_text(name, 40)
    phone = normalise_phone(phone)[:20]
    description = _clean_text(description, 2000)
    if not name:
        errors["reporter_name"] = _("Give your name.")
    if not phone:
        errors["reporter_phone"] = _("Give a phone number we can call back.")
    if len(description) < 4:
        errors["description"] = _("Describe what is broken in a few words.")
    if room is None and asset is None:
        errors["room"] = _("Unknown label.")
    if errors:
        raise ValidationError(errors)
    campus = room.campus if room is not None else asset.campus
    return repair_request_create(
        actor=None,
        campus=campus,
        description=description,
        room=room,
        asset=asset,
        urgency=urgency,
        source=RepairRequest.Source.QR,
        reporter_name=name,
        reporter_phone=phone,
        reporter=member_by_phone(campus, phone),
        photos=[photo] if photo else [],
        category=category,
    )


def repair_from_routine_result(*, actor, result, now=None):
    """The routines engine's "repair" fail action (and the automatic follow-up of
    preventive maintenance): a failed checklist item becomes a repair request with the
    routine's place, the item's label, value and note, and the item's photos."""
    template = result.occurrence.template
    parts = [f"{template.name}：{result.label}"]
    if result.value is not None:
        parts.append(_("measured %(value)s %(unit)s") % {"value": result.value, "unit": result.unit or ""})
    if result.text:
        parts.append(result.text)
    if result.note:
        parts.append(result.note)
    description = " — ".join(p.strip() for p in parts if p and p.strip())
    urgent = any(w in (getattr(result.item, "fail_hint", "") or "") for w in ("立即", "停用", "严禁"))
    with transaction.atomic():
        repair = repair_request_create(
            actor=actor,
            campus=result.occurrence.campus,
            description=description,
            room=template.room if template.room_id else None,
            building=template.building if template.building_id else None,
            place_text="" if (template.room_id or template.building_id) else (template.zone or template.name)[:120],
            urgency=RepairRequest.Urgency.URGENT if urgent else RepairRequest.Urgency.NORMAL,
            category=guess_category(template.name, result.label),
            source=RepairRequest.Source.ROUTINE,
            origin=result,
            reporter_name="" if _user(actor) else template.name[:40],
            now=now,
        )
        _copy_photos(actor, result, repair)
    return repair


HAZARD_URGENCY = {"low": RepairRequest.Urgency.NORMAL, "medium": RepairRequest.Urgency.URGENT, "high": RepairRequest.Urgency.SAFETY}
HAZARD_CATEGORIES = {
    "electrical": RepairRequest.Category.UTILITIES,
    "gas": RepairRequest.Category.KITCHEN,
    "toys": RepairRequest.Category.LARGE_TOYS,
    "food": RepairRequest.Category.KITCHEN,
}


def repairs_for_origin(obj):
    """The repair requests opened from ``obj`` (a hazard, a result, a damage record)."""
    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return RepairRequest.objects.filter(campus_id=obj.campus_id, origin_type=ct, origin_id=str(obj.pk))


@transaction.atomic
def repair_from_hazard(*, actor, hazard, now=None):
    """Open a repair for a hazard (its place, description, severity as urgency and its
    before-photos). One open repair per hazard: a second call returns the first."""
    existing = repairs_for_origin(hazard).exclude(status=Status.CANCELLED).order_by("id").first()
    if existing is not None:
        return existing
    if hazard.status == "void":
        raise ValidationError(_("A void hazard needs no repair."))
    repair = repair_request_create(
        actor=actor,
        campus=hazard.campus,
        description=f"{hazard.number} {hazard.description}".strip(),
        room=hazard.room if hazard.room_id else None,
        building=hazard.building if hazard.building_id else None,
        place_text=hazard.place_text,
        urgency=HAZARD_URGENCY.get(hazard.severity, RepairRequest.Urgency.NORMAL),
        category=HAZARD_CATEGORIES.get(hazard.category) or guess_category(hazard.description),
        source=RepairRequest.Source.HAZARD,
        origin=hazard,
        now=now,
    )
    for attachment in attachments_for(hazard).filter(kind="before"):
        from django.core.files.base import ContentFile

        with attachment.file.open("rb") as fh:
            upload = ContentFile(fh.read(), name=attachment.original_name)
        attachment_add(actor=_user(actor), obj=repair, uploaded_file=upload, kind="before", caption=attachment.caption)
    return repair


# --- Queries -------------------------------------------------------------------------------


def overdue_orders(campus, now=None):
    """Work orders past their due time and not done."""
    now = now or timezone.now()
    return WorkOrder.objects.filter(campus=campus, request__status__in=RepairRequest.WORK_STATUSES, due_at__lt=now)


def reopened_orders(campus):
    """Work orders sent back by the reporter and not done again yet."""
    return WorkOrder.objects.filter(campus=campus, reopened_count__gt=0, request__status=Status.IN_PROGRESS)


def asset_repairs(asset, limit=10):
    """The asset's maintenance history (2 queries: the rows and the totals)."""
    from django.db.models import Count, Sum

    qs = RepairRequest.objects.filter(campus_id=asset.campus_id, asset=asset)
    rows = list(
        qs.select_related("work_order", "work_order__worker", "reporter").order_by("-reported_at", "-id")[:limit]
    )
    totals = qs.exclude(status=Status.CANCELLED).aggregate(
        n=Count("id"), parts=Sum("work_order__parts_cost"), labour=Sum("work_order__labour_cost")
    )
    cost = (totals["parts"] or ZERO) + (totals["labour"] or ZERO)
    return {"repairs": rows, "repair_count": totals["n"] or 0, "repair_cost": cost}



# --- Statistics per term -------------------------------------------------------------------

REPORT_GROUPS = {
    "category": gettext_lazy("Category"),
    "building": gettext_lazy("Building"),
    "room": gettext_lazy("Place"),
    "worker": gettext_lazy("Done by"),
}
_REPORT_FIELDS = (
    "id", "category", "status", "reported_at", "closed_at", "place_text",
    "building__name", "room__code", "room__name", "room__building__name",
    "work_order__id", "work_order__kind", "work_order__worker__real_name", "work_order__worker__username",
    "work_order__contractor_name", "work_order__supplier__name", "work_order__done_at",
    "work_order__parts_cost", "work_order__labour_cost", "work_order__reopened_count",
)  # fmt: skip


def _report_key(by, row):
    if by == "category":
        return str(RepairRequest.Category(row["category"]).label) if row["category"] in RepairRequest.Category.values else row["category"]
    if by == "building":
        return row["building__name"] or row["room__building__name"] or "—"
    if by == "room":
        if row["room__name"]:
            return f"{row['room__code']} {row['room__name']}"
        return " ".join(p for p in (row["building__name"], row["place_text"]) if p) or "—"
    if not row["work_order__id"]:
        return str(_("Not dispatched"))
    if row["work_order__kind"] == WorkOrder.Kind.CONTRACTOR:
        name = row["work_order__contractor_name"] or row["work_order__supplier__name"] or ""
        return f"{name}（{_('contractor')}）"
    return row["work_order__worker__real_name"] or row["work_order__worker__username"] or "—"


def _empty_entry(label):
    return {"label": label, "total": 0, "done": 0, "closed": 0, "open": 0, "same_day": 0, "same_day_closed": 0,
            "reopened": 0, "dispatched": 0, "hours": 0.0, "parts": ZERO, "labour": ZERO}  # fmt: skip


def _add(entry, row):
    tz = timezone.get_current_timezone()
    reported = row["reported_at"].astimezone(tz)
    entry["total"] += 1
    if row["status"] in RepairRequest.OPEN_STATUSES:
        entry["open"] += 1
    if row["work_order__id"]:
        entry["dispatched"] += 1
        entry["parts"] += row["work_order__parts_cost"] or ZERO
        entry["labour"] += row["work_order__labour_cost"] or ZERO
        if row["work_order__reopened_count"]:
            entry["reopened"] += 1
    done_at = row["work_order__done_at"]
    if done_at and row["status"] in (Status.DONE, Status.CLOSED):
        entry["done"] += 1
        entry["hours"] += (done_at - row["reported_at"]).total_seconds() / 3600
        if done_at.astimezone(tz).date() == reported.date():
            entry["same_day"] += 1
    if row["status"] == Status.CLOSED:
        entry["closed"] += 1
        if row["closed_at"] and row["closed_at"].astimezone(tz).date() == reported.date():
            entry["same_day_closed"] += 1


def _finish(entry):
    def pct(n, d):
        return round(100 * n / d, 1) if d else None

    entry["avg_hours"] = round(entry["hours"] / entry["done"], 1) if entry["done"] else None
    entry["same_day_rate"] = pct(entry["same_day"], entry["done"])
    entry["same_day_closed_rate"] = pct(entry["same_day_closed"], entry["closed"])
    entry["reopened_rate"] = pct(entry["reopened"], entry["dispatched"])
    entry["cost"] = entry["parts"] + entry["labour"]
    return entry


def repair_report(*, campus, date_from, date_to):
    """维修统计 for the requests reported from ``date_from`` to ``date_to`` (inclusive),
    cancelled ones left out: per category, building, place and worker, with the number of
    repairs, done and closed ones, average hours from report to done, the same-day rate
    (done, and closed, on the day reported), the rate of work orders sent back, and the
    cost (parts + labour). One query; grouped in Python."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = RepairRequest.objects.filter(campus=campus, reported_at__gte=start, reported_at__lt=end).values(
        *_REPORT_FIELDS
    )
    groups = {by: {} for by in REPORT_GROUPS}
    totals = _empty_entry(str(_("Total")))
    cancelled = 0
    for row in rows.order_by():
        if row["status"] == Status.CANCELLED:
            cancelled += 1
            continue
        _add(totals, row)
        for by, entries in groups.items():
            label = _report_key(by, row)
            _add(entries.setdefault(label, _empty_entry(label)), row)
    out = {}
    for by, entries in groups.items():
        out[by] = sorted((_finish(e) for e in entries.values()), key=lambda e: (-e["total"], e["label"]))
    return {
        "groups": out,
        "totals": _finish(totals),
        "cancelled": cancelled,
        "date_from": date_from,
        "date_to": date_to,
    }
