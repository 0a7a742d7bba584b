"""Every write of the environment module (环境): ``<entity>_<action>(*, actor, …)``, atomic,
validated with ``full_clean()`` and audited in the same transaction. Views, the API, the
demo and the tick jobs all call these functions.

* **Zones** (责任区): :func:`zone_save`, :func:`zone_generate_routines` (the zone's 一日一小扫
  and 一周一大扫 as routines of the core engine, kept in step with the zone).
* **Scoring sheets** (评分表): :func:`sheet_ensure_default`, :func:`sheet_save`.
* **Inspections** (卫生检查评比): :func:`inspection_create` (a draft),
  :func:`inspection_save_scores` (the grid of zones × standards, saved as often as needed
  while a draft), :func:`inspection_submit` (a record from then on; zones marked "send
  back" become problems), :func:`inspection_void`.
* **Problems** (限时纠正)::

      open ──fix (after-photo, responsible person)──▶ fixed ──verify (another inspector)──▶ closed
        ▲                                               │
        └──────────────── send back (reason) ◀──────────┘           open/fixed ──void──▶ void

* **Greening** (绿化): :func:`greening_area_save`, :func:`greening_generate_tasks` (care
  tasks as routines built from the library entries of :data:`GREENING_LIBRARY`).
* **Functional rooms** (功能室): :func:`room_use_record`, :func:`room_use_void`,
  :func:`room_use_open_repair` (through the maintenance module when it is installed).
* **Dormitories** (宿舍检查): :func:`dormitory_inspect`, :func:`dormitory_open_hazard`
  (through the safety module's :func:`houqin.safety.services.hazard_report`),
  :func:`dormitory_void`.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from houqin.core import audit
from houqin.core.attachments import attachment_add, attachment_void, attachments_for, validate_upload
from houqin.core.links import campus_url
from houqin.core.models import RoutineItem, RoutineTemplate
from houqin.core.numbering import next_number
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update, object_delete, object_save
from houqin.core.settings_registry import campus_setting
from houqin.environment.models import (
    DORMITORY_CHECKLISTS,
    CleaningZone,
    DormitoryInspection,
    DormitoryResult,
    GreeningArea,
    GreeningTask,
    HygieneInspection,
    HygieneProblem,
    ItemScore,
    RoomUse,
    ScoringItem,
    ScoringSheet,
    ZoneScore,
)
from houqin.environment.models.inspections import plain, week_start
from houqin.environment.models.rooms import HAZARD_CATEGORIES

PROBLEM_PREFIX = "WS"
CLEANING_CATEGORY = "environment.cleaning"
GREENING_CATEGORY = "environment.greening"
INSPECT = "environment.inspect_hygiene"
MANAGE = "environment.manage_zones"

# --- Helpers ------------------------------------------------------------------------------


def _sync(original, fresh):
    if original is not fresh:
        for field in type(fresh)._meta.concrete_fields:
            setattr(original, field.attname, getattr(fresh, field.attname))


def _save_transition(*, actor, obj, before, action, message=""):
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before={k: (before or {}).get(k) for k in changed},
        after={k: after[k] for k in changed},
        message=message[:300],
    )
    return obj


def _text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _notify(campus, *, users=(), roles=(), exclude=(), title, body="", url="", level="info", event=""):
    """Notify some users and the holders of some roles, once each, never the actor."""
    from houqin.core.notifications import notify, users_with_roles

    excluded = {getattr(u, "pk", u) for u in exclude if u is not None}
    seen, recipients = set(), []
    for user in list(users) + (list(users_with_roles(campus, roles)) if roles else []):
        if user is None or user.pk in excluded or user.pk in seen:
            continue
        seen.add(user.pk)
        recipients.append(user)
    if not recipients:
        return []
    return notify(
        campus=campus, recipients=recipients, title=title, body=body, url=url, level=level, event=event
    )


def _check_photos(photos, field="photos"):
    errors = []
    for photo in photos or ():
        if photo:
            try:
                validate_upload(photo)
            except ValidationError as exc:
                errors.extend(exc.messages)
    if errors:
        raise ValidationError({field: errors})


def _add_photos(actor, obj, photos, kind="photo"):
    for photo in photos or ():
        if photo:
            attachment_add(actor=actor, obj=obj, uploaded_file=photo, kind=kind)


def _photo_files(source):
    """The object's photos as new uploads (to hand to another module's service)."""
    files = []
    for attachment in attachments_for(source):
        with attachment.file.open("rb") as fh:
            files.append(ContentFile(fh.read(), name=attachment.original_name))
    return files


def _copy_photos(actor, source, target, kind):
    """The same pictures on another record (an inspection photo becomes a problem's
    before-photo): the bytes are kept twice, each record stays self-contained."""
    for attachment in attachments_for(source):
        with attachment.file.open("rb") as fh:
            upload = ContentFile(fh.read(), name=attachment.original_name)
        attachment_add(actor=actor, obj=target, uploaded_file=upload, kind=kind, caption=attachment.caption)


def _in_campus(obj, campus, field, label):
    if obj is not None and obj.campus_id != campus.pk:
        raise ValidationError({field: _("The %(what)s belongs to another campus.") % {"what": label}})


def _time_setting(campus, key):
    value = campus_setting(campus, key)
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


# =========================================================================================
# Responsibility zones (责任区)
# =========================================================================================

ZONE_FIELDS = ("name", "kind", "area_text", "school_class", "responsible", "sort_order", "is_active", "note")

DAILY_ITEMS = (
    "地面无纸屑、无杂物",
    "桌面、窗台、墙面无痰迹、无污渍",
    "物品、用具摆放整齐",
    "垃圾已清倒，垃圾桶清洁",
)
WEEKLY_ITEMS = (
    "窗明几净：门窗、玻璃擦拭干净",
    "无卫生死角：墙角、柜底、门后已清扫",
    "灯具、风扇、空调外壳已除尘",
    "室内外无纸屑、无痰迹、无杂物",
    "卫生工具清洗干净、摆放整齐",
)
OUTDOOR_DAILY_ITEMS = (
    "地面无纸屑、无杂物、无落叶堆积",
    "无痰迹、无污渍",
    "垃圾已清倒，垃圾桶清洁",
)
OUTDOOR_WEEKLY_ITEMS = (
    "保洁区无杂草",
    "绿化带、墙角无垃圾杂物",
    "室外设施（座椅、栏杆、宣传栏）擦拭干净",
    "卫生工具清洗干净、摆放整齐",
)
ROUTINE_KINDS = ("daily", "weekly")


@transaction.atomic
def zone_save(*, actor, campus, data, rooms=None, zone=None):
    """Create or change a responsibility zone (its rooms given separately); a zone with
    routines has them follow its place, responsible person and activity."""
    unknown = set(data) - set(ZONE_FIELDS)
    if unknown:
        raise ValueError(f"Not zone fields: {sorted(unknown)}")
    is_new = zone is None
    if is_new:
        zone = CleaningZone(campus=campus)
        before, before_rooms = None, []
    else:
        zone = lock_for_update(zone)
        before = audit.snapshot(zone)
        before_rooms = sorted(zone.rooms.values_list("pk", flat=True))
    for name, value in data.items():
        setattr(zone, name, value.strip() if isinstance(value, str) else value)
    rooms = list(rooms) if rooms is not None else None
    for room in rooms or []:
        _in_campus(room, campus, "rooms", _("room"))
    room_pks = sorted(r.pk for r in rooms) if rooms is not None else before_rooms
    if not room_pks and not (zone.area_text or "").strip():
        raise ValidationError(
            {"area_text": _("Choose the zone's rooms or describe its area (e.g. 操场东侧).")}
        )
    object_save(actor=actor, instance=zone, before=before, campus=campus)
    if rooms is not None and room_pks != before_rooms:
        zone.rooms.set(rooms)
        audit.record(
            actor=actor,
            action="zone_rooms",
            obj=zone,
            before={"rooms": before_rooms},
            after={"rooms": room_pks},
            message="、".join(str(r) for r in rooms)[:300],
        )
    if not is_new:
        _sync_zone_routines(actor, zone)
    return zone


def _zone_place(zone):
    """(room, building, free-text zone) of the zone's routines."""
    rooms = list(zone.rooms.select_related("building"))
    if len(rooms) == 1 and not zone.area_text:
        return rooms[0], rooms[0].building, ""
    return None, None, zone.place_label[:80]


def _zone_routine_spec(zone, kind):
    campus = zone.campus
    outdoor = zone.kind == CleaningZone.Kind.OUTDOOR
    if kind == "daily":
        return {
            "name": f"{zone.name}·一日一小扫",
            "frequency": {"frequency": RoutineTemplate.Frequency.DAILY},
            "window": (_time_setting(campus, "environment.daily_clean_from"),
                       _time_setting(campus, "environment.daily_clean_until")),
            "items": OUTDOOR_DAILY_ITEMS if outdoor else DAILY_ITEMS,
            "description": "一日一小扫：保证整洁干净，室内外无纸屑、无痰迹、无杂物，各种用具摆放整齐。（[000] [004 篇七]）",
        }  # fmt: skip
    weekday = int(campus_setting(campus, "environment.big_clean_weekday"))
    return {
        "name": f"{zone.name}·一周一大扫",
        "frequency": {"frequency": RoutineTemplate.Frequency.WEEKDAYS, "weekdays": [weekday]},
        "window": (_time_setting(campus, "environment.big_clean_from"),
                   _time_setting(campus, "environment.big_clean_until")),
        "items": OUTDOOR_WEEKLY_ITEMS if outdoor else WEEKLY_ITEMS,
        "description": "一周一大扫：窗明几净，无卫生死角，保洁区无杂草。（[000] [002 计划3] [004 篇四]）",
    }  # fmt: skip


def _apply_zone_people(template, zone):
    person = zone.responsible_person
    template.responsible_user = person
    # Nobody named: the childcare workers (保育员, 生活教师负责 [000]) answer for it.
    template.responsible_role = "" if person is not None else str(Role.CHILDCARE_WORKER)


@transaction.atomic
def zone_generate_routines(*, actor, zone, kinds=ROUTINE_KINDS):
    """Create the zone's 一日一小扫 (daily) and 一周一大扫 (weekly) routines that it does not
    have yet (category ``environment.cleaning``, the zone's place and responsible person,
    the checklist of the standards 无纸屑、无痰迹、无杂物、窗明几净); returns the new ones."""
    from houqin.core.routines import routine_template_create

    zone = lock_for_update(zone)
    if not zone.is_active:
        raise ValidationError(_("The zone is not in use; reactivate it first."))
    kinds = [k for k in kinds if k in ROUTINE_KINDS]
    if not kinds:
        raise ValidationError({"kinds": _("Choose the daily or the weekly clean (or both).")})
    room, building, place = _zone_place(zone)
    before = audit.snapshot(zone)
    created = []
    for kind in kinds:
        field = f"{kind}_routine"
        if getattr(zone, f"{field}_id"):
            continue
        spec = _zone_routine_spec(zone, kind)
        template = RoutineTemplate(
            name=spec["name"][:120], category=CLEANING_CATEGORY, description=spec["description"],
            room=room, building=building, zone=place, window_start=spec["window"][0], window_end=spec["window"][1],
            **spec["frequency"],
        )  # fmt: skip
        _apply_zone_people(template, zone)
        items = [RoutineItem(order=n, label=label) for n, label in enumerate(spec["items"], 1)]
        routine_template_create(actor=actor, campus=zone.campus, template=template, items=items)
        setattr(zone, field, template)
        created.append(template)
    if created:
        _save_transition(
            actor=actor, obj=zone, before=before, action="zone_routines",
            message="、".join(t.name for t in created),
        )  # fmt: skip
    return created


def _sync_zone_routines(actor, zone):
    """Keep the zone's routines on its place, responsible person and activity."""
    from houqin.core.routines import routine_template_update

    if not zone.routine_ids:
        return
    room, building, place = _zone_place(zone)
    for template in RoutineTemplate.objects.filter(pk__in=zone.routine_ids).select_for_update():
        before = audit.snapshot(template)
        template.room, template.building, template.zone = room, building, place
        _apply_zone_people(template, zone)
        template.is_active = zone.is_active
        if audit.snapshot(template) != before:
            routine_template_update(actor=actor, template=template, before=before)


# =========================================================================================
# Scoring sheets (评分表)
# =========================================================================================

DEFAULT_SHEET_NAME = "卫生检查评分表"
# (standard, how to score, points): the standards of SPEC §3.9 and the seeds
# (无纸屑、无痰迹、无杂物、窗明几净; 墙面整洁; 用具摆放整齐; 保洁区无杂草), out of 100.
DEFAULT_SHEET_ITEMS = [
    ("地面无纸屑、无杂物", "每发现一处扣1分", 15),
    ("墙面、桌面无痰迹、无污渍", "每发现一处扣1分", 15),
    ("窗明几净（门窗、玻璃洁净）", "一处不洁净扣2分", 15),
    ("物品、用具摆放整齐", "一处凌乱扣2分", 15),
    ("无卫生死角（墙角、柜底、门后）", "每处扣2分", 15),
    ("墙面整洁，无乱贴乱画", "每处扣1分", 10),
    ("卫生工具清洁、摆放整齐", "不合要求扣2分", 5),
    ("保洁区无杂草、无垃圾", "每处扣1分", 10),
]


def default_sheet(campus):
    """The sheet new inspections use: the default one, else the first active one."""
    return (
        ScoringSheet.objects.filter(campus=campus, is_active=True)
        .order_by("-is_default", "name", "id")
        .first()
    )


@transaction.atomic
def sheet_ensure_default(*, actor, campus):
    """The campus's default sheet, created from SPEC §3.9's standards if it has none."""
    sheet = default_sheet(campus)
    if sheet is not None:
        return sheet
    return sheet_save(
        actor=actor,
        campus=campus,
        data={"name": DEFAULT_SHEET_NAME, "is_default": True, "note": "依据“无纸屑、无痰迹、无杂物、窗明几净”等卫生标准制定，满分100分。"},
        items=[{"label": label, "guidance": guidance, "max_points": Decimal(points)}
               for label, guidance, points in DEFAULT_SHEET_ITEMS],
    )  # fmt: skip


def _points(value, field, *, minimum=Decimal("0"), maximum=None):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")})
    if not number.is_finite() or number != number.quantize(Decimal("0.1")):
        raise ValidationError({field: _("Enter a number with at most one decimal place.")})
    if number < minimum or (maximum is not None and number > maximum):
        raise ValidationError(
            {
                field: _("Enter a number from %(min)s to %(max)s.")
                % {"min": f"{plain(minimum)}", "max": f"{plain(maximum)}"}
            }
        )
    return number


@transaction.atomic
def sheet_save(*, actor, campus, data, items, sheet=None):
    """Create or change a sheet with its standards. ``items``: ``[{"id": existing id or
    None, "label", "guidance", "max_points"}]`` in order. A standard left out is deleted,
    or retired when inspections already scored it (their scores keep its text and points)."""
    allowed = {"name", "is_default", "is_active", "note"}
    if set(data) - allowed:
        raise ValueError(f"Not sheet fields: {sorted(set(data) - allowed)}")
    items = list(items or [])
    if not items:
        raise ValidationError({"items": _("A sheet needs at least one standard.")})
    labels = [_text(i.get("label"), 100) for i in items]
    if any(not label for label in labels):
        raise ValidationError({"items": _("Every standard needs its text.")})
    if len(set(labels)) != len(labels):
        raise ValidationError({"items": _("Two standards have the same text.")})
    is_new = sheet is None
    if is_new:
        sheet = ScoringSheet(campus=campus)
        before = None
    else:
        sheet = lock_for_update(sheet)
        before = audit.snapshot(sheet)
    for name, value in data.items():
        setattr(sheet, name, value.strip() if isinstance(value, str) else value)
    if not sheet.is_active:
        sheet.is_default = False
    others = ScoringSheet.objects.filter(campus=campus, is_active=True)
    if sheet.pk:
        others = others.exclude(pk=sheet.pk)
    if sheet.is_active and not others.exists():
        sheet.is_default = True  # the only sheet is the default
    object_save(actor=actor, instance=sheet, before=before, campus=campus)
    if sheet.is_default:
        for other in others.filter(is_default=True).exclude(pk=sheet.pk):
            snap = audit.snapshot(other)
            other.is_default = False
            object_save(
                actor=actor, instance=other, before=snap, message=_("Another sheet became the default.")
            )
    existing = {i.pk: i for i in ScoringItem.objects.filter(sheet=sheet, is_active=True)}
    kept = set()
    for order, (raw, label) in enumerate(zip(items, labels, strict=True), 1):
        pk = raw.get("id")
        points = _points(raw.get("max_points"), "items", minimum=Decimal("0.5"), maximum=Decimal("100"))
        if pk:
            item = existing.get(int(pk))
            if item is None:
                raise ValidationError({"items": _("A standard is not on this sheet.")})
            snap = audit.snapshot(item)
            kept.add(item.pk)
        else:
            item, snap = ScoringItem(campus=campus, sheet=sheet), None
        item.order, item.label = order, label
        item.guidance = _text(raw.get("guidance"), 200)
        item.max_points = points
        object_save(actor=actor, instance=item, before=snap, campus=campus)
    for pk, item in existing.items():
        if pk in kept:
            continue
        if ItemScore.objects.filter(item=item).exists():
            snap = audit.snapshot(item)
            item.is_active = False
            object_save(actor=actor, instance=item, before=snap, action="retire")
        else:
            object_delete(actor=actor, instance=item)
    return sheet


def sheet_max_total(items):
    return sum((i.max_points for i in items), Decimal("0"))


# =========================================================================================
# Hygiene inspections (卫生检查评比)
# =========================================================================================


def weekly_inspection_of(campus, day, exclude=None):
    """The (non-void) weekly inspection of the week of ``day``, if any."""
    start = week_start(day)
    qs = HygieneInspection.objects.filter(
        campus=campus,
        kind=HygieneInspection.Kind.WEEKLY,
        date__gte=start,
        date__lte=start + dt.timedelta(days=6),
    ).exclude(status=HygieneInspection.Status.VOID)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("date", "id").first()


@transaction.atomic
def inspection_create(*, actor, campus, date=None, kind=HygieneInspection.Kind.WEEKLY, sheet=None,
                      participants="", note="", inspector=None):  # fmt: skip
    """Start an inspection (a draft scored on ``sheet``, by default the campus's default
    sheet, created from SPEC §3.9 if there is none). One weekly inspection per week; more
    visits that week are spot checks (抽查)."""
    date = date or timezone.localdate()
    if sheet is None:
        sheet = sheet_ensure_default(actor=actor, campus=campus)
    _in_campus(sheet, campus, "sheet", _("sheet"))
    if not sheet.is_active:
        raise ValidationError({"sheet": _("This sheet is no longer in use.")})
    if not ScoringItem.objects.filter(sheet=sheet, is_active=True).exists():
        raise ValidationError({"sheet": _("This sheet has no standards yet.")})
    if kind == HygieneInspection.Kind.WEEKLY:
        other = weekly_inspection_of(campus, date)
        if other is not None:
            raise ValidationError(
                {"date": _("The week of %(day)s already has its weekly inspection (%(other)s); record a spot "
                           "check, or void that inspection first.") % {"day": date, "other": other}}
            )  # fmt: skip
    inspector = inspector or (actor if getattr(actor, "is_authenticated", False) else None)
    if inspector is None:
        raise ValidationError({"inspector": _("Name the inspector.")})
    inspection = HygieneInspection(
        campus=campus, sheet=sheet, date=date, kind=kind, inspector=inspector,
        participants=_text(participants, 200), note=_text(note),
    )  # fmt: skip
    return object_save(actor=actor, instance=inspection, campus=campus)


def inspection_zones(inspection):
    """The zones on the grid: every zone in use, plus those already scored in this inspection."""
    from django.db.models import Q

    scored = ZoneScore.objects.filter(inspection=inspection).values("zone_id")
    return (
        CleaningZone.objects.filter(campus_id=inspection.campus_id)
        .filter(Q(is_active=True) | Q(pk__in=scored))
        .select_related("school_class", "school_class__head_teacher", "responsible")
        .order_by("sort_order", "name", "id")
    )


def _problem_deadline(campus, start):
    return start + dt.timedelta(days=int(campus_setting(campus, "environment.problem_deadline_days")))


@transaction.atomic
def inspection_save_scores(*, actor, inspection, rows, submit=False, now=None):
    """Record the grid of a draft inspection: for each zone the points deducted per
    standard (blank = none), a note, photos, and whether to send the zone back for
    rectification (with a deadline). ``rows``::

        [{"zone": zone or id, "deductions": {item id: points}, "item_notes": {item id: text},
          "note": "", "photos": [files], "send_back": False, "deadline": None, "skip": False}]

    A zone marked ``skip`` was not inspected (its score is removed). Nothing is saved
    unless every row is valid; errors are keyed ``zone_<id>``. With ``submit`` the
    inspection is submitted in the same transaction.
    """
    now = now or timezone.now()
    inspection = (
        HygieneInspection._base_manager.select_for_update().select_related("campus").get(pk=inspection.pk)
    )
    campus = inspection.campus
    require_actor_perm(actor, campus, INSPECT, system_allowed=True)
    if inspection.status != HygieneInspection.Status.DRAFT:
        raise ValidationError(
            _("A submitted inspection is a record: void it with a reason and score again."), code="not_draft"
        )
    items = list(
        ScoringItem.objects.filter(sheet_id=inspection.sheet_id, is_active=True).order_by("order", "id")
    )
    item_by_pk = {i.pk: i for i in items}
    zone_ids = []
    for row in rows:
        zone = row.get("zone")
        try:
            zone_ids.append(int(getattr(zone, "pk", zone)))
        except (TypeError, ValueError):
            raise ValidationError({"zones": _("Each row names its zone.")})
    allowed = {z.pk: z for z in inspection_zones(inspection).filter(pk__in=zone_ids)}
    existing = {
        zs.zone_id: zs
        for zs in ZoneScore.objects.filter(inspection=inspection, zone_id__in=zone_ids).prefetch_related(
            "items"
        )
    }
    errors, plans = {}, []
    today = timezone.localdate(now)
    for row, zone_id in zip(rows, zone_ids, strict=True):
        key = f"zone_{zone_id}"
        zone = allowed.get(zone_id)
        if zone is None:
            errors.setdefault("zones", []).append(
                _("Zone %(id)s is not on this inspection.") % {"id": zone_id}
            )
            continue
        if row.get("skip"):
            plans.append((zone, None))
            continue
        problems, deductions = [], {}
        for raw_pk, raw in (row.get("deductions") or {}).items():
            try:
                item = item_by_pk.get(int(raw_pk))
            except (TypeError, ValueError):
                item = None
            if item is None:
                problems.append(_("A standard is not on this sheet."))
                continue
            if raw in (None, ""):
                continue
            try:
                deductions[item.pk] = _points(raw, key, maximum=item.max_points)
            except ValidationError:
                problems.append(
                    _("%(item)s: deduct between 0 and %(max)s points (one decimal place at most).")
                    % {"item": item.label, "max": f"{plain(item.max_points)}"}
                )
        item_notes = {int(k): _text(v, 200) for k, v in (row.get("item_notes") or {}).items() if _text(v)}
        note = _text(row.get("note"), 300)
        photos = [p for p in (row.get("photos") or []) if p]
        for photo in photos:
            try:
                validate_upload(photo)
            except ValidationError as exc:
                problems.extend(exc.messages)
        send_back = bool(row.get("send_back"))
        deadline = row.get("deadline") or None
        if send_back:
            if not note and not any(deductions.values()):
                problems.append(_("Say what to put right before sending the zone back."))
            if zone.responsible_person is None:
                problems.append(_("The zone has no responsible person to send it back to."))
            if deadline is None:
                deadline = _problem_deadline(campus, today)
            elif deadline < today:
                problems.append(_("The deadline cannot be before today."))
        if problems:
            errors[key] = problems
            continue
        plans.append((zone, {"deductions": deductions, "item_notes": item_notes, "note": note, "photos": photos,
                             "send_back": send_back, "deadline": deadline if send_back else None}))  # fmt: skip
    if errors:
        raise ValidationError(errors)

    summary = {}
    new_items, changed_items = [], []
    max_total = sheet_max_total(items)
    for zone, plan in plans:
        zs = existing.get(zone.pk)
        if plan is None:
            if zs is not None:
                for attachment in attachments_for(zs):
                    attachment_void(
                        actor=actor, attachment=attachment, reason=_("The zone was not inspected.")
                    )
                zs.delete()
            summary[zone.name] = None
            continue
        deducted = sum(plan["deductions"].values(), Decimal("0"))
        if zs is None:
            zs = ZoneScore(campus=campus, inspection=inspection, zone=zone)
        zs.total, zs.max_total = max_total - deducted, max_total
        zs.note, zs.send_back, zs.deadline = plan["note"], plan["send_back"], plan["deadline"]
        zs.full_clean(exclude=["inspection", "zone", "campus"])
        zs.save()
        current = {s.item_id: s for s in zs.items.all()} if zone.pk in existing else {}
        for stale in set(current) - set(item_by_pk):
            current.pop(stale).delete()
        for item in items:
            deduction = plan["deductions"].get(item.pk, Decimal("0"))
            note = plan["item_notes"].get(item.pk, "")
            score = current.get(item.pk)
            if score is None:
                new_items.append(ItemScore(campus=campus, zone_score=zs, item=item, label=item.label,
                                           max_points=item.max_points, deduction=deduction, note=note))  # fmt: skip
            elif (score.deduction, score.note, score.max_points, score.label) != (
                deduction,
                note,
                item.max_points,
                item.label,
            ):
                score.deduction, score.note, score.max_points, score.label = (
                    deduction,
                    note,
                    item.max_points,
                    item.label,
                )
                changed_items.append(score)
        _add_photos(actor, zs, plan["photos"])
        summary[zone.name] = f"{plain(zs.total)}/{plain(max_total)}"
    ItemScore.objects.bulk_create(new_items, batch_size=500)
    ItemScore.objects.bulk_update(changed_items, ["deduction", "note", "max_points", "label", "updated_at"],
                                  batch_size=500)  # fmt: skip
    scored = sum(1 for v in summary.values() if v is not None)
    audit.record(
        actor=actor,
        action="inspection_score",
        obj=inspection,
        after={"scores": summary},
        message=ngettext("%(n)s zone scored", "%(n)s zones scored", scored) % {"n": scored},
    )
    if submit:
        inspection_submit(actor=actor, inspection=inspection, now=now)
    return inspection


def _deduction_summary(zone_score):
    parts = [f"{s.label}−{plain(s.deduction)}" for s in zone_score.items.all() if s.deduction]
    return "；".join(parts)


@transaction.atomic
def inspection_submit(*, actor, inspection, now=None):
    """The scores become a record; zones marked "send back" get their problem, each sent
    to the zone's responsible person with its deadline."""
    now = now or timezone.now()
    locked = lock_for_update(inspection)
    require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    if locked.status != HygieneInspection.Status.DRAFT:
        raise ValidationError(_("Only an inspection being scored can be submitted."), code="not_draft")
    scores = list(
        ZoneScore.objects.filter(inspection=locked).select_related("zone", "zone__school_class__head_teacher",
                                                                   "zone__responsible").prefetch_related("items")
    )  # fmt: skip
    if not scores:
        raise ValidationError(_("Score at least one zone before submitting."), code="no_scores")
    before = audit.snapshot(locked)
    locked.status = HygieneInspection.Status.SUBMITTED
    locked.submitted_at = now
    _save_transition(actor=actor, obj=locked, before=before, action="inspection_submit",
                     message=ngettext("%(n)s zone", "%(n)s zones", len(scores)) % {"n": len(scores)})  # fmt: skip
    for zs in scores:
        if not zs.send_back:
            continue
        description = "；".join(p for p in (zs.note, _deduction_summary(zs)) if p)
        problem = problem_raise(
            actor=actor, campus=locked.campus, zone=zs.zone, description=description, deadline=zs.deadline,
            inspection=locked, now=now,
        )  # fmt: skip
        _copy_photos(actor, zs, problem, "before")
    _sync(inspection, locked)
    return locked


@transaction.atomic
def inspection_void(*, actor, inspection, reason, now=None):
    """A submitted inspection found wrong is voided with a reason (it leaves the rankings);
    its problems still open are voided with it. Score again in a new inspection."""
    now = now or timezone.now()
    locked = lock_for_update(inspection)
    require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    if locked.status != HygieneInspection.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted inspection can be voided (a draft can be deleted)."),
                              code="not_submitted")  # fmt: skip
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.status = HygieneInspection.Status.VOID
    locked.void_reason = reason
    locked.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.voided_at = now
    _save_transition(actor=actor, obj=locked, before=before, action="inspection_void", message=reason)
    for problem in HygieneProblem.objects.filter(
        inspection=locked, status__in=HygieneProblem.ACTIVE_STATUSES
    ):
        problem_void(actor=actor, problem=problem, reason=_("The inspection was voided: %(reason)s") % {"reason": reason},
                     check=False)  # fmt: skip
    _sync(inspection, locked)
    return locked


@transaction.atomic
def inspection_delete_draft(*, actor, inspection):
    """A draft that should not have been started is deleted (it is not a record yet)."""
    locked = lock_for_update(inspection)
    require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    if locked.status != HygieneInspection.Status.DRAFT:
        raise ValidationError(_("A submitted inspection is a record: void it instead."), code="not_draft")
    for zs in ZoneScore.objects.filter(inspection=locked):
        for attachment in attachments_for(zs):
            attachment_void(actor=actor, attachment=attachment, reason=_("The draft inspection was deleted."))
    object_delete(actor=actor, instance=locked)


# =========================================================================================
# Problems sent back with a deadline (限时纠正)
# =========================================================================================


def problem_url(problem):
    return campus_url(problem.campus, "environment:problem_detail", pk=problem.pk)


@transaction.atomic
def problem_raise(*, actor, campus, zone, description, deadline=None, inspection=None, photos=(), now=None):
    """Send a problem back to the zone's responsible person to put right by ``deadline``
    (default: the campus setting's days from today)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    require_actor_perm(actor, campus, INSPECT, system_allowed=True)
    _in_campus(zone, campus, "zone", _("zone"))
    _in_campus(inspection, campus, "inspection", _("inspection"))
    description = _text(description, 2000)
    errors = {}
    if not description:
        errors["description"] = _("Say what to put right.")
    responsible = zone.responsible_person
    if responsible is None:
        errors["zone"] = _(
            "The zone has no responsible person; name one (or the class's head teacher) first."
        )
    deadline = deadline or _problem_deadline(campus, today)
    if deadline < today:
        errors["deadline"] = _("The deadline cannot be before today.")
    if errors:
        raise ValidationError(errors)
    _check_photos(photos)
    problem = HygieneProblem(
        campus=campus, zone=zone, inspection=inspection, description=description, responsible=responsible,
        deadline=deadline, raised_by=actor if getattr(actor, "is_authenticated", False) else None,
        raised_at=now, round_started_at=now,
    )  # fmt: skip
    problem.full_clean(exclude=["number"])
    problem.number = next_number(campus=campus, prefix=PROBLEM_PREFIX, on_date=now)
    problem.save()
    audit.record(actor=actor, action="create", obj=problem, after=audit.snapshot(problem), message=zone.name)
    _add_photos(actor, problem, photos, "before")
    _notify(
        campus,
        users=[responsible],
        exclude=[actor],
        title=_("Hygiene problem in %(zone)s: put it right by %(deadline)s")
        % {"zone": zone.name, "deadline": deadline},
        body=problem.short_description,
        url=problem_url(problem),
        level="warning",
        event="environment.problem_raised",
    )
    return problem


def current_after_photos(problem):
    qs = attachments_for(problem).filter(kind="after")
    if problem.round_started_at:
        qs = qs.filter(created_at__gte=problem.round_started_at)
    return qs


def can_fix(actor, problem, perms=None):
    """The responsible person reports the fix; inspectors may record it for them."""
    if actor is None or problem.status != HygieneProblem.Status.OPEN:
        return False
    if problem.responsible_id == actor.pk:
        return True
    perms = perms if perms is not None else actor_perms(actor, problem.campus)
    return INSPECT in perms


@transaction.atomic
def problem_fix(*, actor, problem, note, photos=(), now=None):
    """The responsible person reports the problem put right, with an after-photo."""
    locked = lock_for_update(problem)
    if locked.status != HygieneProblem.Status.OPEN:
        raise ValidationError(
            _("Only a problem still to put right can be reported fixed (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="problem_status",
        )
    if not can_fix(actor, locked):
        raise PermissionDenied(_("Only the zone's responsible person or an inspector can report the fix."))
    note = _text(note)
    if not note:
        raise ValidationError({"fix_note": _("Say what was done.")})
    _check_photos(photos)
    _add_photos(actor, locked, photos, "after")
    if not current_after_photos(locked).exists():
        raise ValidationError({"photos": _("Add a photo of the place after the fix.")}, code="after_photo")
    before = audit.snapshot(locked)
    locked.status = HygieneProblem.Status.FIXED
    locked.fixed_by = actor
    locked.fixed_at = now or timezone.now()
    locked.fix_note = note
    _save_transition(actor=actor, obj=locked, before=before, action="problem_fix", message=note)
    _notify(
        locked.campus,
        users=[locked.raised_by] if locked.raised_by_id else [],
        exclude=[actor],
        title=_("Hygiene problem %(number)s fixed; please check") % {"number": locked.number},
        body=note,
        url=problem_url(locked),
        event="environment.problem_fixed",
    )
    _sync(problem, locked)
    return locked


@transaction.atomic
def problem_verify(*, actor, problem, note="", now=None):
    """An inspector other than the fixer checks on the spot and closes the problem."""
    locked = lock_for_update(problem)
    if locked.status != HygieneProblem.Status.FIXED:
        raise ValidationError(
            _("Only a fixed problem can be checked (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="problem_status",
        )
    require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    if actor is not None and actor.pk == locked.fixed_by_id:
        raise PermissionDenied(_("Another person must check the fix, not the one who did it."))
    before = audit.snapshot(locked)
    locked.status = HygieneProblem.Status.CLOSED
    locked.verified_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.verified_at = now or timezone.now()
    locked.verify_note = _text(note, 300)
    _save_transition(
        actor=actor, obj=locked, before=before, action="problem_verify", message=locked.verify_note
    )
    _notify(
        locked.campus,
        users=[locked.responsible],
        exclude=[actor],
        title=_("Hygiene problem %(number)s checked and closed") % {"number": locked.number},
        url=problem_url(locked),
        event="environment.problem_closed",
    )
    _sync(problem, locked)
    return locked


@transaction.atomic
def problem_send_back(*, actor, problem, reason, deadline=None, now=None):
    """The fix is not good enough: back to the responsible person with a reason (and
    perhaps a new deadline); a new after-photo is needed."""
    now = now or timezone.now()
    locked = lock_for_update(problem)
    if locked.status != HygieneProblem.Status.FIXED:
        raise ValidationError(
            _("Only a fixed problem can be sent back (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="problem_status",
        )
    require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    reason = clean_reason(reason, limit=300)
    if deadline is not None and deadline < timezone.localdate(now):
        raise ValidationError({"deadline": _("The deadline cannot be before today.")})
    before = audit.snapshot(locked)
    locked.status = HygieneProblem.Status.OPEN
    locked.returned_reason = reason
    locked.return_count += 1
    locked.round_started_at = now
    locked.fixed_by, locked.fixed_at = None, None
    if deadline is not None:
        locked.deadline = deadline
    _save_transition(actor=actor, obj=locked, before=before, action="problem_send_back", message=reason)
    _notify(
        locked.campus,
        users=[locked.responsible],
        exclude=[actor],
        title=_("Hygiene problem %(number)s sent back: %(reason)s")
        % {"number": locked.number, "reason": reason},
        url=problem_url(locked),
        level="warning",
        event="environment.problem_sent_back",
    )
    _sync(problem, locked)
    return locked


@transaction.atomic
def problem_void(*, actor, problem, reason, check=True):
    """A problem sent by mistake is voided with a reason; it stays on record."""
    locked = lock_for_update(problem)
    if locked.status not in HygieneProblem.ACTIVE_STATUSES:
        raise ValidationError(
            _("Only an open or fixed problem can be voided (it is %(status)s).")
            % {"status": locked.get_status_display()},
            code="problem_status",
        )
    if check:
        require_actor_perm(actor, locked.campus, INSPECT, system_allowed=True)
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.status = HygieneProblem.Status.VOID
    locked.void_reason = reason
    _save_transition(actor=actor, obj=locked, before=before, action="problem_void", message=reason)
    _sync(problem, locked)
    return locked


def overdue_problems(campus=None, today=None):
    today = today or timezone.localdate()
    qs = HygieneProblem.objects.filter(status=HygieneProblem.Status.OPEN, deadline__lt=today)
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs


def problems_remind(now=None) -> int:
    """Remind the responsible person and the logistics head of every overdue problem, once
    a day each (``houqin tick``; runs outside any campus scope)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    manager = HygieneProblem.objects.with_scopes_disabled()
    reminded = 0
    qs = (
        manager.filter(status=HygieneProblem.Status.OPEN, deadline__lt=today)
        .exclude(last_reminded_on=today)
        .select_related("campus", "zone", "responsible")
        .order_by("campus_id", "deadline", "pk")
    )
    for problem in qs.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = (
                manager.filter(pk=problem.pk, status=HygieneProblem.Status.OPEN)
                .exclude(last_reminded_on=today)
                .update(last_reminded_on=today)
            )
            if not claimed:
                continue
            days = (today - problem.deadline).days
            audit.record(actor=None, action="problem_remind", obj=problem, after={"overdue_days": days},
                         message=_("Overdue by %(days)s days") % {"days": days})  # fmt: skip
            _notify(
                problem.campus,
                users=[problem.responsible],
                roles=[Role.LOGISTICS_HEAD],
                title=_("Overdue hygiene problem %(number)s in %(zone)s: %(days)s days past the deadline")
                % {"number": problem.number, "zone": problem.zone.name, "days": days},
                body=problem.short_description,
                url=problem_url(problem),
                level="danger",
                event="environment.problem_overdue",
            )
            reminded += 1
    return reminded


# =========================================================================================
# Greening (绿化)
# =========================================================================================

# Library entries (registered in environment_registrations) the area tasks are built from.
LIB_WATERING = "environment.greening_watering"
LIB_FERTILISING = "environment.greening_fertilising"
LIB_HEDGE_PRUNING = "environment.hedge_pruning"
LIB_TREE_PRUNING = "environment.tree_pruning"
LIB_WEEDING = "environment.greening_weeding"
LIB_PEST_CONTROL = "environment.greening_pest_control"
GREENING_LIBRARY = (
    LIB_WATERING,
    LIB_FERTILISING,
    LIB_HEDGE_PRUNING,
    LIB_TREE_PRUNING,
    LIB_WEEDING,
    LIB_PEST_CONTROL,
)

Task = GreeningTask.Kind
Area = GreeningArea.Kind
_MONTHLY_TRIM = {"frequency": "monthly_day", "month_day": 15}  # 每月修整一次花木、草坪 [004 篇二]
_DAILY = {"frequency": "daily"}  # 每天学生上操时间为锄草时间 [004 篇九]

# (area kind, task) → (library key, frequency override or None, title)
GREENING_PLAN = {
    (Area.TREE, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.TREE, Task.FERTILISING): (
        LIB_FERTILISING,
        {"frequency": "termly", "term_points": ["start"]},
        "施肥",
    ),
    (Area.TREE, Task.PRUNING): (LIB_TREE_PRUNING, None, "修剪（每学期1次）"),
    (Area.TREE, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
    (Area.HEDGE, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.HEDGE, Task.FERTILISING): (
        LIB_FERTILISING,
        {"frequency": "termly", "term_points": ["start"]},
        "施肥",
    ),
    (Area.HEDGE, Task.PRUNING): (LIB_HEDGE_PRUNING, None, "修剪（每学期2次）"),
    (Area.HEDGE, Task.WEEDING): (LIB_WEEDING, None, "除草、清理垃圾"),
    (Area.HEDGE, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
    (Area.LAWN, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.LAWN, Task.FERTILISING): (LIB_FERTILISING, None, "施肥"),
    (Area.LAWN, Task.PRUNING): (LIB_HEDGE_PRUNING, _MONTHLY_TRIM, "修剪草坪（每月）"),
    (Area.LAWN, Task.WEEDING): (LIB_WEEDING, None, "拔草"),
    (Area.LAWN, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
    (Area.FLOWERBED, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.FLOWERBED, Task.FERTILISING): (LIB_FERTILISING, None, "施肥"),
    (Area.FLOWERBED, Task.PRUNING): (LIB_HEDGE_PRUNING, _MONTHLY_TRIM, "花木修整（每月）"),
    (Area.FLOWERBED, Task.WEEDING): (LIB_WEEDING, _DAILY, "锄草（每天上操时间）"),
    (Area.FLOWERBED, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
    (Area.POTTED, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.POTTED, Task.FERTILISING): (LIB_FERTILISING, None, "施肥"),
    (Area.POTTED, Task.PRUNING): (
        LIB_HEDGE_PRUNING,
        {"frequency": "termly", "term_points": ["start"]},
        "修剪",
    ),
    (Area.POTTED, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
    (Area.GARDEN, Task.WATERING): (LIB_WATERING, None, "浇水"),
    (Area.GARDEN, Task.FERTILISING): (LIB_FERTILISING, None, "施肥"),
    (Area.GARDEN, Task.WEEDING): (LIB_WEEDING, None, "除草"),
    (Area.GARDEN, Task.PEST_CONTROL): (LIB_PEST_CONTROL, None, "病虫害防治"),
}
DEFAULT_TASKS = {
    Area.TREE: (Task.WATERING, Task.PRUNING, Task.PEST_CONTROL),
    Area.HEDGE: (Task.WATERING, Task.PRUNING, Task.PEST_CONTROL),
    Area.LAWN: (Task.WATERING, Task.FERTILISING, Task.PRUNING, Task.WEEDING, Task.PEST_CONTROL),
    Area.FLOWERBED: (Task.WATERING, Task.FERTILISING, Task.PRUNING, Task.WEEDING, Task.PEST_CONTROL),
    Area.POTTED: (Task.WATERING, Task.FERTILISING),
    Area.GARDEN: (Task.WATERING, Task.FERTILISING, Task.WEEDING, Task.PEST_CONTROL),
}


def tasks_for_kind(area_kind):
    """The tasks an area of this kind may have, in the order of :class:`GreeningTask.Kind`."""
    return [k for k in Task.values if (area_kind, k) in GREENING_PLAN]


AREA_FIELDS = ("name", "kind", "species", "location", "room", "quantity", "area_m2", "caretaker", "school_class",
               "is_active", "note")  # fmt: skip


@transaction.atomic
def greening_area_save(*, actor, campus, data, area=None):
    """Create or change a greening area; its task routines follow its place, caretaker
    and activity."""
    unknown = set(data) - set(AREA_FIELDS)
    if unknown:
        raise ValueError(f"Not greening area fields: {sorted(unknown)}")
    is_new = area is None
    if is_new:
        area, before = GreeningArea(campus=campus), None
    else:
        area = lock_for_update(area)
        before = audit.snapshot(area)
    kind_before = area.kind
    for name, value in data.items():
        setattr(area, name, value.strip() if isinstance(value, str) else value)
    if not is_new and area.kind != kind_before and GreeningTask.objects.filter(area=area).exists():
        raise ValidationError({"kind": _("The area already has its tasks; its kind cannot change.")})
    object_save(actor=actor, instance=area, before=before, campus=campus)
    if not is_new:
        _sync_area_routines(actor, area)
    return area


def _area_place(area):
    if area.room_id:
        return area.room, area.room.building, (area.location or "")[:80]
    return None, None, (area.location or area.name)[:80]


def _apply_area_people(template, area, role):
    person = area.caretaker_person
    template.responsible_user = person
    template.responsible_role = "" if person is not None else str(role)


def _sync_area_routines(actor, area):
    from houqin.core.routines import routine_template_update

    room, building, place = _area_place(area)
    for task in GreeningTask.objects.filter(area=area).select_related("template"):
        template = task.template
        before = audit.snapshot(template)
        _key, _freq, title = GREENING_PLAN[(area.kind, task.kind)]
        template.name = f"{area.name}·{title}"[:120]
        template.room, template.building, template.zone = room, building, place
        entry_role = template.responsible_role or Role.REPAIR_WORKER
        _apply_area_people(template, area, entry_role)
        template.is_active = area.is_active
        if audit.snapshot(template) != before:
            routine_template_update(actor=actor, template=template, before=before)


@transaction.atomic
def greening_generate_tasks(*, actor, area, kinds=None):
    """Create the area's care tasks that it does not have yet (default: those usual for its
    kind), each a routine built from the library entry with the right frequency (watering
    twice a week, hedges pruned twice a term…), placed at the area and assigned to its
    caretaker (else the repair workers). Returns the new :class:`GreeningTask` rows."""
    from houqin.core import routine_library
    from houqin.core.routines import library_template, routine_template_create

    area = lock_for_update(area)
    if not area.is_active:
        raise ValidationError(_("The area is not in use; reactivate it first."))
    kinds = list(kinds) if kinds is not None else list(DEFAULT_TASKS.get(area.kind, ()))
    unknown = [k for k in kinds if (area.kind, k) not in GREENING_PLAN]
    if unknown:
        raise ValidationError({"kinds": _("These tasks do not suit this kind of area: %(tasks)s")
                               % {"tasks": "、".join(str(Task(k).label) for k in unknown if k in Task.values)
                                  or ", ".join(unknown)}})  # fmt: skip
    if not kinds:
        raise ValidationError({"kinds": _("Choose at least one task.")})
    have = set(GreeningTask.objects.filter(area=area).values_list("kind", flat=True))
    room, building, place = _area_place(area)
    created = []
    for kind in kinds:
        if kind in have:
            continue
        key, frequency, title = GREENING_PLAN[(area.kind, kind)]
        entry = routine_library.get(key)
        if entry is None:  # pragma: no cover - registered with the app
            raise ValidationError(_("The routine library has no entry %(key)s.") % {"key": key})
        template, items = library_template(entry, area.campus)
        template.library_key = ""  # a routine of this area, not the campus-wide library one
        template.name = f"{area.name}·{title}"[:120]
        template.category = GREENING_CATEGORY
        template.room, template.building, template.zone = room, building, place
        if frequency:
            for field in ("weekdays", "term_points"):
                setattr(template, field, [])
            for name, value in frequency.items():
                setattr(template, name, value)
        _apply_area_people(template, area, entry.role)
        routine_template_create(actor=actor, campus=area.campus, template=template, items=items)
        task = GreeningTask(campus=area.campus, area=area, kind=kind, template=template)
        created.append(object_save(actor=actor, instance=task, campus=area.campus))
        have.add(kind)
    return created


# =========================================================================================
# Functional rooms (功能室使用登记)
# =========================================================================================

ROOM_USE_FIELDS = ("room", "date", "period", "start_time", "end_time", "school_class", "teacher", "purpose",
                   "children_count", "condition", "problem_note")  # fmt: skip


def _overlapping_uses(use):
    qs = RoomUse.objects.filter(
        campus_id=use.campus_id, room_id=use.room_id, date=use.date, status=RoomUse.Status.RECORDED
    ).select_related("school_class")
    if use.pk:
        qs = qs.exclude(pk=use.pk)
    out = []
    for other in qs:
        if use.start_time and other.start_time:
            a_end = (
                use.end_time
                or (dt.datetime.combine(use.date, use.start_time) + dt.timedelta(minutes=1)).time()
            )
            b_end = (
                other.end_time
                or (dt.datetime.combine(other.date, other.start_time) + dt.timedelta(minutes=1)).time()
            )
            if use.start_time < b_end and other.start_time < a_end:
                out.append(other)
        elif use.period and other.period and use.period.strip() == other.period.strip():
            out.append(other)
    return out


def repairs_available():
    try:
        from houqin.maintenance import services as maintenance
    except ImportError:  # pragma: no cover - the app is always installed in this project
        return None
    return getattr(maintenance, "repair_request_create", None)


@transaction.atomic
def room_use_record(*, actor, campus, data, photos=(), open_repair=False):
    """Log a use of a functional room by a class (one room is not logged twice for the
    same time); the state after use is part of the entry, and a problem may open a repair
    request at once."""
    unknown = set(data) - set(ROOM_USE_FIELDS)
    if unknown:
        raise ValueError(f"Not room use fields: {sorted(unknown)}")
    use = RoomUse(campus=campus)
    for name, value in data.items():
        setattr(use, name, value.strip() if isinstance(value, str) else value)
    if not use.teacher_id and getattr(actor, "is_authenticated", False):
        use.teacher = actor
    if getattr(actor, "is_authenticated", False):
        use.recorded_by = actor
    if use.condition == RoomUse.Condition.GOOD:
        use.problem_note = ""
    use.full_clean()
    clash = _overlapping_uses(use)
    if clash:
        raise ValidationError(
            {"start_time" if use.start_time else "period": _(
                "%(room)s is already logged for %(class)s at that time (%(when)s).")
             % {"room": use.room.name, "class": clash[0].school_class, "when": clash[0].when_label}}
        )  # fmt: skip
    _check_photos(photos)
    object_save(actor=actor, instance=use, campus=campus)
    _add_photos(actor, use, photos)
    if use.condition == RoomUse.Condition.PROBLEM:
        if open_repair:
            room_use_open_repair(actor=actor, use=use)
        else:
            _notify(
                campus,
                roles=[Role.LOGISTICS_HEAD],
                exclude=[actor],
                title=_("Problem in %(room)s after use by %(class)s") % {"room": use.room.name,
                                                                          "class": use.school_class},
                body=use.problem_note,
                url=campus_url(campus, "environment:roomuse_detail", pk=use.pk),
                level="warning",
                event="environment.room_problem",
            )  # fmt: skip
    return use


@transaction.atomic
def room_use_open_repair(*, actor, use):
    """Open a repair request (maintenance module) for the problem found after a use."""
    locked = lock_for_update(use)
    if locked.condition != RoomUse.Condition.PROBLEM or locked.status != RoomUse.Status.RECORDED:
        raise ValidationError(_("Only a recorded use with a problem can open a repair."))
    if locked.follow_up_id:
        raise ValidationError(_("A repair was already opened for this problem."))
    create = repairs_available()
    if create is None:
        raise ValidationError(_("Repair requests are not available on this installation."))
    perms = actor_perms(actor, locked.campus, none_for_system=True)
    if perms is not None and "maintenance.report_repairs" not in perms:
        raise PermissionDenied(_("You may not report repairs."))
    repair = create(
        actor=actor, campus=locked.campus, room=locked.room, source="manual", origin=locked,
        description=f"{locked.room.name}：{locked.problem_note}（{locked.school_class}使用后发现）",
        photos=_photo_files(locked),
    )  # fmt: skip
    before = audit.snapshot(locked)
    locked.follow_up_type = ContentType.objects.get_for_model(repair, for_concrete_model=True)
    locked.follow_up_id = str(repair.pk)
    locked.follow_up_label = (getattr(repair, "number", "") or str(repair))[:60]
    _save_transition(
        actor=actor, obj=locked, before=before, action="room_use_repair", message=locked.follow_up_label
    )
    _sync(use, locked)
    return repair


def may_void_use(actor, use, perms=None):
    if actor is None or use.status != RoomUse.Status.RECORDED:
        return False
    perms = perms if perms is not None else actor_perms(actor, use.campus)
    return MANAGE in perms or ("environment.record_room_use" in perms and use.recorded_by_id == actor.pk)


@transaction.atomic
def room_use_void(*, actor, use, reason, now=None):
    """An entry logged by mistake is voided with a reason (by whoever logged it or a
    leader); it stays in the log."""
    locked = lock_for_update(use)
    if locked.status != RoomUse.Status.RECORDED:
        raise ValidationError(_("This entry is already void."))
    if getattr(actor, "is_authenticated", False) and not may_void_use(actor, locked):
        raise PermissionDenied(_("Only the person who logged the use or a leader can void it."))
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.status = RoomUse.Status.VOID
    locked.void_reason = reason
    locked.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.voided_at = now or timezone.now()
    _save_transition(actor=actor, obj=locked, before=before, action="room_use_void", message=reason)
    _sync(use, locked)
    return locked


# =========================================================================================
# Dormitory inspections (宿舍检查)
# =========================================================================================


def dormitory_checklist(kind):
    return DORMITORY_CHECKLISTS.get(kind) or []


SERIOUS_ITEMS = {"no_appliances", "no_wiring", "no_fire"}


@transaction.atomic
def dormitory_inspect(*, actor, campus, room, kind, results, note="", photos=(), inspected_at=None,
                      open_hazards=True, inspector=None):  # fmt: skip
    """Record an inspection of a dormitory or nap room on its checklist. ``results`` maps
    each item key to ``{"passed": bool, "note": str, "hazard": bool}``; every item needs
    its answer. A failed electrical or fire item opens a hazard (safety module) unless
    ``hazard`` is False for it or ``open_hazards`` is off."""
    require_actor_perm(actor, campus, "environment.inspect_dormitories", system_allowed=True)
    checklist = dormitory_checklist(kind)
    if not checklist:
        raise ValidationError({"kind": _("Choose the kind of room.")})
    _in_campus(room, campus, "room", _("room"))
    errors = {}
    rows = []
    for order, (key, category, label) in enumerate(checklist, 1):
        entry = results.get(key) or {}
        passed = entry.get("passed")
        if passed is None or passed == "":
            errors[f"item_{key}"] = _("Choose pass or fail.")
            continue
        if not isinstance(passed, bool):
            passed = str(passed).lower() in ("1", "true", "yes", "pass", "on")
        item_note = _text(entry.get("note"), 200)
        if not passed and not item_note and key in SERIOUS_ITEMS:
            errors[f"item_{key}"] = _("Say what was found.")
            continue
        rows.append((order, key, category, label, passed, item_note, entry.get("hazard", True)))
    unknown = set(results) - {k for k, _c, _l in checklist}
    if unknown:
        errors["results"] = _("Not on this checklist: %(keys)s") % {"keys": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    _check_photos(photos)
    failed = [r for r in rows if not r[4]]
    inspection = DormitoryInspection(
        campus=campus, room=room, kind=kind, inspected_at=inspected_at or timezone.now(),
        inspector=inspector or (actor if getattr(actor, "is_authenticated", False) else None),
        passed=not failed, failed_count=len(failed), note=_text(note),
    )  # fmt: skip
    if inspection.inspector_id is None:
        raise ValidationError({"inspector": _("Name the inspector.")})
    object_save(actor=actor, instance=inspection, campus=campus)
    saved = DormitoryResult.objects.bulk_create([
        DormitoryResult(campus=campus, inspection=inspection, order=order, key=key, category=category,
                        label=label, passed=passed, note=item_note)
        for order, key, category, label, passed, item_note, _h in rows
    ])  # fmt: skip
    _add_photos(actor, inspection, photos)
    if open_hazards:
        wants = {key: want for _o, key, _c, _l, _p, _n, want in rows}
        for result in saved:
            if result.may_open_hazard and wants.get(result.key, True):
                dormitory_open_hazard(actor=actor, result=result)
    if failed:
        _notify(
            campus,
            roles=[Role.LOGISTICS_HEAD],
            exclude=[actor],
            title=ngettext(
                "Dormitory %(room)s failed %(n)s item", "Dormitory %(room)s failed %(n)s items", len(failed)
            )
            % {"room": room, "n": len(failed)},
            body="；".join(r[3] for r in failed)[:500],
            url=campus_url(campus, "environment:dorm_detail", pk=inspection.pk),
            level="warning",
            event="environment.dormitory_failed",
        )
    return inspection


@transaction.atomic
def dormitory_open_hazard(*, actor, result):
    """A failed electrical or fire item becomes a hazard of the safety module (with the
    inspection's photos as before-photos), linked to the item."""
    from houqin.safety import services as safety
    from houqin.safety.models import Hazard

    result = (
        DormitoryResult._base_manager.select_for_update().select_related("inspection__room").get(pk=result.pk)
    )
    inspection = result.inspection
    if inspection.status != DormitoryInspection.Status.RECORDED:
        raise ValidationError(_("The inspection was voided."))
    if result.passed or result.category not in HAZARD_CATEGORIES:
        raise ValidationError(_("Only a failed electrical or fire item opens a hazard."))
    if result.hazard_id:
        raise ValidationError(_("A hazard was already opened for this item."))
    require_actor_perm(actor, inspection.campus, "safety.report_hazards", system_allowed=True)
    room = inspection.room
    description = f"宿舍检查（{room}）：{result.label}" + (f" — {result.note}" if result.note else "")
    hazard = safety.hazard_report(
        actor=actor,
        campus=inspection.campus,
        data={
            "room": room,
            "description": description,
            "category": Hazard.Category.ELECTRICAL
            if result.category == "electrical"
            else Hazard.Category.FIRE,
            "severity": Hazard.Severity.MEDIUM if result.key in SERIOUS_ITEMS else Hazard.Severity.LOW,
        },
        source=Hazard.Source.MANUAL,
        source_obj=result,
    )
    _copy_photos(actor, inspection, hazard, "before")
    result.hazard = hazard
    result.save(update_fields=["hazard", "updated_at"])
    audit.record(actor=actor, action="dormitory_hazard", obj=inspection,
                 after={"item": result.key, "hazard": hazard.pk}, message=f"{result.label} → {hazard.number}")  # fmt: skip
    return hazard


@transaction.atomic
def dormitory_void(*, actor, inspection, reason, now=None):
    locked = lock_for_update(inspection)
    require_actor_perm(actor, locked.campus, "environment.inspect_dormitories", system_allowed=True)
    if locked.status != DormitoryInspection.Status.RECORDED:
        raise ValidationError(_("This inspection is already void."))
    reason = clean_reason(reason, field="void_reason")
    before = audit.snapshot(locked)
    locked.status = DormitoryInspection.Status.VOID
    locked.void_reason = reason
    locked.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.voided_at = now or timezone.now()
    _save_transition(actor=actor, obj=locked, before=before, action="dormitory_void", message=reason)
    _sync(inspection, locked)
    return locked
