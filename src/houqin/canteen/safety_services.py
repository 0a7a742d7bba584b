"""Every write of the safety area (留样、卫生记录、从业人员), and the reads other areas use.

``<entity>_<action>(*, actor, …)``: atomic, validated with ``full_clean()`` and audited in
the same transaction; the pages, the API and the demo call these functions. Regulated
records are voided with a reason, never edited or deleted. Every number comes from a
campus rule setting with the national default (see ``safety_registrations``).

Rules:

* Samples (留样): every dish served at a meal (the dishes of the published menus) gets one
  sample of at least ``canteen.sample_min_grams`` (125 g) in a sample fridge; it may be
  disposed of only from ``discard_not_before`` = taken + ``canteen.sample_retention_hours``
  (48 h); the reviewer is a holder of ``canteen.review_samples`` other than the taker. A
  served dish without a sample after the meal's time (``canteen.safety.meal_time_*``) is a
  violation.
* Tableware disinfection: each method has a minimum time and temperature or concentration
  (``disinfection_standard``); a record below it is kept but non-compliant, with the reason.
* Pesticide rapid tests: an inhibition rate ≥ ``canteen.pesticide_positive_pct`` (50 %) is
  positive and blocks the batch (``store_services.batch_block``).
* Kitchen staff: nobody goes on duty without a health certificate valid that day; a failed
  morning check makes the person unfit for the day and takes them off that day's duties.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.canteen.models import (
    DisinfectionMethod,
    FoodSample,
    Fridge,
    HealthCertificate,
    KitchenDuty,
    KitchenStaff,
    MealKind,
    Menu,
    MenuItem,
    PesticideTest,
    StaffMorningCheck,
    TablewareDisinfection,
    TemperatureLog,
    TrainingRecord,
    UvDisinfection,
)
from houqin.core import audit
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.roles import Role
from houqin.core.services import clean_reason, lock_for_update, object_save
from houqin.core.settings_registry import campus_setting

VIEW_SAMPLES, TAKE, REVIEW = "canteen.view_samples", "canteen.take_samples", "canteen.review_samples"
VIEW_HYGIENE, RECORD_HYGIENE = "canteen.view_hygiene", "canteen.record_hygiene"
VIEW_STAFF, MANAGE_STAFF, CHECK_STAFF = "canteen.view_staff", "canteen.manage_staff", "canteen.check_staff"

TENTH = Decimal("0.1")
ALERT_ROLES = (Role.CANTEEN_HEAD, Role.LOGISTICS_HEAD)
MEAL_ORDER = [m for m, _label in MealKind.choices]
DEFAULT_MEAL_TIMES = {
    "breakfast": "08:00",
    "morning_snack": "09:00",
    "lunch": "11:30",
    "afternoon_snack": "15:00",
    "dinner": "17:30",
}


# --- Helpers ------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _perm(actor, campus, perm):
    """The actor needs ``perm`` on the campus; no actor (demo, commands) is the system.

    The actor's permissions are looked up once per campus and kept on the user object for
    its lifetime (a request, a demo run)."""
    if _user(actor) is None:
        return
    cache = actor.__dict__.setdefault("_canteen_safety_perms", {})
    if campus.pk not in cache:
        cache[campus.pk] = actor_perms(actor, campus)
    if perm not in cache[campus.pk]:
        raise PermissionDenied(_("You do not have permission to do this."))


def _now(now=None):
    return now or timezone.now()


def _local(value):
    return timezone.localtime(value) if value is not None else None


def _fmt_time(value):
    return _local(value).strftime("%Y-%m-%d %H:%M")


def _decimal(value, field, *, required=True):
    if value is None or value == "":
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("Enter a number.")})
    if not number.is_finite():
        raise ValidationError({field: _("Enter a number.")})
    return number


def _same_campus(obj, campus, field):
    if obj is not None and obj.campus_id != campus.pk:
        raise ValidationError({field: _("It belongs to another campus.")})


def _save_new(actor, obj, message=""):
    obj.full_clean()
    obj.save()
    audit.record(
        actor=_user(actor), action="create", obj=obj, after=audit.snapshot(obj), message=str(message)[:300]
    )
    return obj


def _save_change(actor, obj, before, action, message="", fields=None):
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    audit.record(
        actor=_user(actor), action=action, obj=obj,
        before={k: (before or {}).get(k) for k in changed}, after={k: after[k] for k in changed},
        message=str(message)[:300],
    )  # fmt: skip
    return obj


def _void(actor, obj, reason, *, now=None):
    reason = clean_reason(reason)
    obj = lock_for_update(obj)
    if obj.is_void:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(obj)
    obj.is_void = True
    obj.void_reason = reason
    obj.voided_by = _user(actor)
    obj.voided_at = _now(now)
    return _save_change(actor, obj, before, "void", _("Voided: %(reason)s") % {"reason": reason})


def _notify(campus, *, title, body="", url="", level="warning", event="", exclude=()):
    from houqin.core.notifications import notify_roles

    return notify_roles(
        campus=campus, roles=ALERT_ROLES, exclude=[u for u in exclude if u is not None], title=title, body=body,
        url=url, level=level, event=event,
    )  # fmt: skip


def _url(campus, name, **kwargs):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(f"canteen:{name}", kwargs={"campus": campus.code, **kwargs})
    except NoReverseMatch:  # pragma: no cover - the URLconf always has them
        return ""


def add_months(day, months):
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


# --- Meals and the dishes served ----------------------------------------------------------


def meal_time(campus, meal) -> dt.time:
    """When a meal is served (from then on its samples are due)."""
    value = campus_setting(campus, f"canteen.safety.meal_time_{meal}")
    return dt.time.fromisoformat(str(value or DEFAULT_MEAL_TIMES.get(meal, "12:00")))


def meal_due_at(campus, day, meal) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, meal_time(campus, meal)))


def served_items(campus, day, meal=None):
    """MenuItem rows of the published menus for the day (and meal), with their dishes.

    The nutrition area's ``served_items`` when it exists; the same query otherwise."""
    try:
        from houqin.canteen import nutrition_services
    except ImportError:  # pragma: no cover - the nutrition area is written in parallel
        nutrition_services = None
    provider = getattr(nutrition_services, "served_items", None)
    if provider is not None:
        qs = provider(campus, day, meal)
    else:
        qs = MenuItem.objects.filter(campus=campus, date=day, menu__status=Menu.Status.PUBLISHED)
        if meal:
            qs = qs.filter(meal=meal)
    return qs.select_related("dish").order_by("meal", "sort_order", "pk")


def served_dishes(campus, day, meal=None) -> dict:
    """``{meal: [Dish, …]}`` served on the day, each dish once per meal (several age groups'
    menus may serve the same dish), in menu order (1 query)."""
    out = {}
    seen = set()
    for item in served_items(campus, day, meal):
        if (item.meal, item.dish_id) in seen:
            continue
        seen.add((item.meal, item.dish_id))
        out.setdefault(item.meal, []).append(item.dish)
    return out


def samples_for(campus, date, meal=None):
    """The kept (non-void) samples of a day's meal, for the traceability report."""
    qs = FoodSample.objects.filter(campus=campus, date=date, is_void=False)
    if meal:
        qs = qs.filter(meal=meal)
    return qs.select_related("dish", "fridge", "taken_by", "reviewer", "disposed_by").order_by(
        "meal", "dish__name"
    )


def meal_status(campus, day, now=None) -> list[dict]:
    """The sample status of each meal of the day (2 queries):

    ``[{"meal", "label", "due_at", "due", "rows": [{"dish", "sample", "served"}], "missing",
    "violation"}]`` — a meal is a violation when its time has passed and a served dish has
    no sample."""
    now = _now(now)
    dishes = served_dishes(campus, day)
    samples = {}
    for s in samples_for(campus, day):
        samples.setdefault(s.meal, {})[s.dish_id] = s
    labels = dict(MealKind.choices)
    out = []
    for meal in MEAL_ORDER:
        served = dishes.get(meal, [])
        taken = samples.get(meal, {})
        if not served and not taken:
            continue
        rows = [{"dish": d, "sample": taken.get(d.pk), "served": True} for d in served]
        served_ids = {d.pk for d in served}
        rows += [
            {"dish": s.dish, "sample": s, "served": False}
            for d_id, s in taken.items()
            if d_id not in served_ids
        ]
        missing = [r["dish"] for r in rows if r["sample"] is None]
        due_at = meal_due_at(campus, day, meal)
        due = now >= due_at
        out.append({
            "meal": meal, "label": labels[meal], "due_at": due_at, "due": due, "rows": rows, "missing": missing,
            "violation": bool(due and missing),
        })  # fmt: skip
    return out


def sample_violations(campus, day=None, now=None) -> list[dict]:
    """Meals of the day whose time has passed with a served dish not sampled."""
    now = _now(now)
    day = day or timezone.localdate(now)
    return [m for m in meal_status(campus, day, now=now) if m["violation"]]


def ready_for_disposal(campus, now=None):
    """Kept samples past their retention time, not disposed of yet."""
    return FoodSample.objects.filter(
        campus=campus, is_void=False, disposed_at__isnull=True, discard_not_before__lte=_now(now)
    )


# --- Fridges and temperatures -------------------------------------------------------------


def fridge_range_defaults(campus, kind) -> tuple[Decimal, Decimal]:
    """The allowed range a new fridge of ``kind`` gets (sample fridge 0–8 °C…)."""
    if kind == Fridge.Kind.SAMPLE:
        return (
            Decimal(campus_setting(campus, "canteen.sample_fridge_min_c")),
            Decimal(campus_setting(campus, "canteen.sample_fridge_max_c")),
        )
    if kind == Fridge.Kind.FREEZER:
        return (
            Decimal(campus_setting(campus, "canteen.safety.freezer_min_c")),
            Decimal(campus_setting(campus, "canteen.safety.freezer_max_c")),
        )
    return (
        Decimal(campus_setting(campus, "canteen.safety.chill_min_c")),
        Decimal(campus_setting(campus, "canteen.safety.chill_max_c")),
    )


FRIDGE_FIELDS = ("name", "kind", "room", "min_c", "max_c", "is_active", "note")


@transaction.atomic
def fridge_save(*, actor, campus, data, fridge=None):
    """Create or change a fridge; an empty range takes the kind's default, and a sample
    fridge may not be laxer than the campus's sample range (0–8 °C)."""
    _perm(actor, campus, RECORD_HYGIENE)
    before = audit.snapshot(fridge) if fridge is not None else None
    obj = fridge or Fridge(campus=campus)
    for key in FRIDGE_FIELDS:
        if key in data:
            setattr(obj, key, data[key])
    _same_campus(obj.room, campus, "room")
    low, high = fridge_range_defaults(campus, obj.kind)
    if obj.min_c is None:
        obj.min_c = low
    if obj.max_c is None:
        obj.max_c = high
    obj.min_c, obj.max_c = (Decimal(obj.min_c).quantize(TENTH), Decimal(obj.max_c).quantize(TENTH))
    if obj.min_c > obj.max_c:
        raise ValidationError({"max_c": _("The highest temperature must not be below the lowest.")})
    if obj.kind == Fridge.Kind.SAMPLE and (obj.min_c < low or obj.max_c > high):
        raise ValidationError(
            {
                "max_c": _("A sample fridge must keep %(min)s–%(max)s °C (campus rule).")
                % {"min": f"{low:g}", "max": f"{high:g}"}
            }
        )
    return object_save(actor=_user(actor), instance=obj, before=before, campus=campus)


@transaction.atomic
def temperature_record(*, actor, fridge, temperature_c, recorded_at=None, action_taken="", now=None):
    """Record a reading; out of the fridge's range it is flagged and the canteen and
    logistics heads are alerted (in-app notification and the dashboard)."""
    campus = fridge.campus
    _perm(actor, campus, RECORD_HYGIENE)
    now = _now(now)
    recorded_at = recorded_at or now
    value = _decimal(temperature_c, "temperature_c")
    if recorded_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"recorded_at": _("The time is in the future.")})
    if not fridge.is_active:
        raise ValidationError({"fridge": _("This fridge is no longer in use.")})
    out = not fridge.in_range(value)
    log = _save_new(actor, TemperatureLog(
        campus=campus, fridge=fridge, recorded_at=recorded_at, temperature_c=value, min_c=fridge.min_c,
        max_c=fridge.max_c, is_out_of_range=out, action_taken=str(action_taken or "").strip()[:200],
        recorded_by=_user(actor),
    ))  # fmt: skip
    if fridge.last_reading_at is None or recorded_at >= fridge.last_reading_at:
        Fridge.objects.filter(pk=fridge.pk).update(last_temperature_c=value, last_reading_at=recorded_at)
        fridge.last_temperature_c, fridge.last_reading_at = value, recorded_at
    if out:
        _notify(
            campus,
            title=_("%(fridge)s at %(value)s °C, outside %(range)s")
            % {"fridge": fridge.name, "value": f"{value:g}", "range": fridge.range_label},
            body=log.action_taken or _("Check the fridge and move the food if needed."),
            url=_url(campus, "safety_temperature_list") + "?out_of_range=1",
            level="danger",
            event="canteen.safety.temperature",
            exclude=[_user(actor)],
        )
    return log


@transaction.atomic
def temperature_void(*, actor, log, reason, now=None):
    _perm(actor, log.campus, RECORD_HYGIENE)
    log = _void(actor, log, reason, now=now)
    latest = (
        TemperatureLog.objects.filter(fridge_id=log.fridge_id, is_void=False)
        .order_by("-recorded_at", "-pk")
        .first()
    )
    Fridge.objects.filter(pk=log.fridge_id).update(
        last_temperature_c=latest.temperature_c if latest else None,
        last_reading_at=latest.recorded_at if latest else None,
    )
    return log


def temperature_alerts(campus, now=None, hours=24):
    """Out-of-range readings of the last ``hours`` (not voided)."""
    since = _now(now) - dt.timedelta(hours=hours)
    return TemperatureLog.objects.filter(
        campus=campus, is_void=False, is_out_of_range=True, recorded_at__gte=since
    )


# --- Samples ------------------------------------------------------------------------------


def sample_min_grams(campus) -> Decimal:
    return Decimal(campus_setting(campus, "canteen.sample_min_grams"))


def sample_retention(campus) -> dt.timedelta:
    return dt.timedelta(hours=int(campus_setting(campus, "canteen.sample_retention_hours")))


@transaction.atomic
def sample_take(*, actor, campus, date, meal, dish, weight_g, fridge, fridge_temperature_c=None, taken_at=None,
                note="", now=None):  # fmt: skip
    """Record a sample of ``dish`` for the meal. Refused below the minimum weight, outside a
    sample fridge, on another day than the meal's, and when the dish already has one."""
    _perm(actor, campus, TAKE)
    now = _now(now)
    taken_at = taken_at or now
    if meal not in MealKind.values:
        raise ValidationError({"meal": _("Choose a meal.")})
    _same_campus(dish, campus, "dish")
    _same_campus(fridge, campus, "fridge")
    weight = _decimal(weight_g, "weight_g")
    minimum = sample_min_grams(campus)
    if weight < minimum:
        raise ValidationError(
            {"weight_g": _("A sample must weigh at least %(min)s g (this one: %(weight)s g).")
             % {"min": f"{minimum:g}", "weight": f"{weight:g}"}}
        )  # fmt: skip
    if fridge.kind != Fridge.Kind.SAMPLE:
        raise ValidationError({"fridge": _("Keep samples in a dedicated sample fridge (留样专用冰箱).")})
    if not fridge.is_active:
        raise ValidationError({"fridge": _("This fridge is no longer in use.")})
    if taken_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"taken_at": _("The time is in the future.")})
    if timezone.localdate(taken_at) != date:
        raise ValidationError({"taken_at": _("A sample is taken on the day of the meal.")})
    existing = FoodSample.objects.filter(
        campus=campus, date=date, meal=meal, dish=dish, is_void=False
    ).first()
    if existing is not None:
        raise ValidationError(
            _("%(dish)s already has a sample for this meal (%(label)s).")
            % {"dish": dish.name, "label": existing.label_code}
        )
    temperature = _decimal(fridge_temperature_c, "fridge_temperature_c", required=False)
    sample = _save_new(actor, FoodSample(
        campus=campus, date=date, meal=meal, dish=dish, weight_g=weight, fridge=fridge,
        fridge_temperature_c=temperature, taken_by=_user(actor), taken_at=taken_at,
        discard_not_before=taken_at + sample_retention(campus), note=str(note or "").strip()[:200],
    ))  # fmt: skip
    if temperature is not None:
        temperature_record(
            actor=actor, fridge=fridge, temperature_c=temperature, recorded_at=taken_at, now=now
        )
    return sample


@transaction.atomic
def sample_review(*, actor, sample, note="", now=None):
    """The reviewer's signature: a holder of ``canteen.review_samples`` who did not take it."""
    if _user(actor) is None:
        raise PermissionDenied(_("Only a logged-in reviewer can review a sample."))
    require_actor_perm(actor, sample.campus, REVIEW)
    sample = lock_for_update(sample)
    if sample.is_void:
        raise ValidationError(_("This sample is void."))
    if sample.reviewer_id:
        raise ValidationError(_("This sample has already been reviewed."))
    if sample.taken_by_id == actor.pk:
        raise ValidationError(_("The reviewer must be someone other than the person who took the sample."))
    before = audit.snapshot(sample)
    sample.reviewer = actor
    sample.reviewed_at = _now(now)
    sample.review_note = str(note or "").strip()[:200]
    return _save_change(actor, sample, before, "review", _("Sample reviewed"))


@transaction.atomic
def sample_dispose(*, actor, sample, note="", now=None):
    """Dispose of a sample (留样销毁): refused before ``discard_not_before``; logged."""
    _perm(actor, sample.campus, TAKE)
    now = _now(now)
    sample = lock_for_update(sample)
    if sample.is_void:
        raise ValidationError(_("This sample is void."))
    if sample.disposed_at:
        raise ValidationError(_("This sample has already been disposed of."))
    if now < sample.discard_not_before:
        raise ValidationError(
            _("The sample must be kept until %(time)s; it can be disposed of from then on.")
            % {"time": _fmt_time(sample.discard_not_before)}
        )
    before = audit.snapshot(sample)
    sample.disposed_at = now
    sample.disposed_by = _user(actor)
    sample.disposal_note = str(note or "").strip()[:200]
    return _save_change(actor, sample, before, "dispose", _("Sample disposed of"))


def samples_dispose(*, actor, samples, now=None) -> tuple[int, list[str]]:
    """Dispose of several samples; returns (disposed, messages of the refused ones)."""
    done, refused = 0, []
    for sample in samples:
        try:
            sample_dispose(actor=actor, sample=sample, now=now)
            done += 1
        except ValidationError as exc:
            refused.append(f"{sample}: {' '.join(exc.messages)}")
    return done, refused


@transaction.atomic
def sample_void(*, actor, sample, reason, now=None):
    """Void a wrong sample record (kept, with the reason); the dish can then be sampled again."""
    _perm(actor, sample.campus, TAKE)
    if sample.disposed_at:
        raise ValidationError(_("A disposed sample cannot be voided."))
    return _void(actor, sample, reason, now=now)


# --- Tableware and UV disinfection --------------------------------------------------------


def boiling_minutes(campus) -> int:
    """Boiling time: the campus's own setting, else 15 min in nurseries and kindergartens
    (2012 托幼规范 附件3) and 10 min in schools (操作规范)."""
    from houqin.core.models import Campus, CampusSettings

    row = CampusSettings.objects.with_scopes_disabled().filter(campus=campus).first()
    if row and "canteen.boiling_minutes" in (row.values or {}):
        return int(campus_setting(campus, "canteen.boiling_minutes"))
    if campus.kind in (Campus.Kind.NURSERY, Campus.Kind.KINDERGARTEN):
        return int(campus_setting(campus, "canteen.boiling_minutes"))
    return 10


def disinfection_standard(campus, method) -> dict:
    """``{"seconds", "temperature_c", "concentration_mg_l"}``: the minimums of a method
    (None where the method has none)."""
    s = lambda key: campus_setting(campus, key)  # noqa: E731
    if method == DisinfectionMethod.BOILING:
        return {"seconds": boiling_minutes(campus) * 60, "temperature_c": None, "concentration_mg_l": None}
    if method == DisinfectionMethod.STEAM:
        return {
            "seconds": int(s("canteen.safety.steam_minutes")) * 60,
            "temperature_c": None,
            "concentration_mg_l": None,
        }
    if method == DisinfectionMethod.INFRARED:
        return {
            "seconds": int(s("canteen.safety.infrared_minutes")) * 60,
            "temperature_c": Decimal(s("canteen.safety.infrared_c")), "concentration_mg_l": None,
        }  # fmt: skip
    if method == DisinfectionMethod.CHLORINE:
        return {
            "seconds": int(s("canteen.safety.chlorine_minutes")) * 60, "temperature_c": None,
            "concentration_mg_l": Decimal(s("canteen.safety.chlorine_mg_l")),
        }  # fmt: skip
    if method == DisinfectionMethod.DISHWASHER:
        return {
            "seconds": int(s("canteen.safety.dishwasher_seconds")),
            "temperature_c": Decimal(s("canteen.safety.dishwasher_c")), "concentration_mg_l": None,
        }  # fmt: skip
    raise ValidationError({"method": _("Choose a disinfection method.")})


def disinfection_table(campus) -> list[dict]:
    """The campus's table of methods and settings (shown beside the log)."""
    out = []
    for method, label in DisinfectionMethod.choices:
        std = disinfection_standard(campus, method)
        out.append({"method": method, "label": label, **std, "duration": duration_label(std["seconds"])})
    return out


def duration_label(seconds) -> str:
    minutes, rest = divmod(int(seconds or 0), 60)
    if minutes and rest:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": rest}
    if minutes:
        return _("%(m)s min") % {"m": minutes}
    return _("%(s)s s") % {"s": rest}


def disinfection_problems(
    campus, method, *, duration_s, temperature_c=None, concentration_mg_l=None
) -> list[str]:
    """What falls short of the campus's standard for the method (empty: compliant)."""
    std = disinfection_standard(campus, method)
    problems = []
    if duration_s < std["seconds"]:
        problems.append(
            _("time %(actual)s is shorter than the required %(min)s")
            % {"actual": duration_label(duration_s), "min": duration_label(std["seconds"])}
        )
    if (
        std["temperature_c"] is not None
        and temperature_c is not None
        and temperature_c < std["temperature_c"]
    ):
        problems.append(
            _("temperature %(actual)s °C is below the required %(min)s °C")
            % {"actual": f"{temperature_c:g}", "min": f"{std['temperature_c']:g}"}
        )
    if (
        std["concentration_mg_l"] is not None
        and concentration_mg_l is not None
        and (concentration_mg_l < std["concentration_mg_l"])
    ):
        problems.append(
            _("available chlorine %(actual)s mg/L is below the required %(min)s mg/L")
            % {"actual": f"{concentration_mg_l:g}", "min": f"{std['concentration_mg_l']:g}"}
        )
    return problems


@transaction.atomic
def tableware_record(*, actor, campus, method, started_at, duration_s, items, temperature_c=None,
                     concentration_mg_l=None, quantity=None, performed_by=None, note="", now=None):  # fmt: skip
    """Record a round of tableware disinfection; below the campus's standard it is saved as
    non-compliant with the reason (``record.problem``)."""
    _perm(actor, campus, RECORD_HYGIENE)
    now = _now(now)
    if method not in DisinfectionMethod.values:
        raise ValidationError({"method": _("Choose a disinfection method.")})
    try:
        duration_s = int(duration_s)
    except (TypeError, ValueError):
        raise ValidationError({"duration_s": _("Give the duration.")})
    if duration_s <= 0:
        raise ValidationError({"duration_s": _("Give the duration.")})
    if started_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"started_at": _("The time is in the future.")})
    temperature = _decimal(temperature_c, "temperature_c", required=False)
    concentration = _decimal(concentration_mg_l, "concentration_mg_l", required=False)
    std = disinfection_standard(campus, method)
    if std["temperature_c"] is not None and temperature is None:
        raise ValidationError({"temperature_c": _("Give the temperature reached.")})
    if std["concentration_mg_l"] is not None and concentration is None:
        raise ValidationError({"concentration_mg_l": _("Give the available chlorine concentration.")})
    problems = disinfection_problems(
        campus, method, duration_s=duration_s, temperature_c=temperature, concentration_mg_l=concentration
    )
    record = _save_new(actor, TablewareDisinfection(
        campus=campus, date=timezone.localdate(started_at), method=method, started_at=started_at,
        duration_s=duration_s, temperature_c=temperature, concentration_mg_l=concentration,
        items=str(items or "").strip()[:200], quantity=quantity, performed_by=performed_by or _user(actor),
        recorded_by=_user(actor), is_compliant=not problems, problem="；".join(problems)[:300],
        note=str(note or "").strip()[:200],
    ))  # fmt: skip
    if problems:
        _notify(
            campus,
            title=_("Tableware disinfection below the standard: %(problem)s") % {"problem": record.problem},
            url=_url(campus, "safety_tableware_detail", pk=record.pk), level="warning",
            event="canteen.safety.disinfection", exclude=[_user(actor)],
        )  # fmt: skip
    return record


@transaction.atomic
def tableware_void(*, actor, record, reason, now=None):
    _perm(actor, record.campus, RECORD_HYGIENE)
    return _void(actor, record, reason, now=now)


def uv_min_minutes(campus) -> int:
    return int(campus_setting(campus, "canteen.safety.uv_minutes"))


@transaction.atomic
def uv_record(*, actor, campus, area, started_at, minutes, room=None, performed_by=None, note="", now=None):
    """Record a UV disinfection of a kitchen area; shorter than the campus minimum (30 min)
    it is kept but non-compliant."""
    _perm(actor, campus, RECORD_HYGIENE)
    now = _now(now)
    _same_campus(room, campus, "room")
    if started_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"started_at": _("The time is in the future.")})
    area = str(area or (room.name if room else "")).strip()[:60]
    if not area:
        raise ValidationError({"area": _("Name the area disinfected.")})
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        raise ValidationError({"minutes": _("Give the duration.")})
    minimum = uv_min_minutes(campus)
    problem = ""
    if minutes < minimum:
        problem = _("time %(actual)s is shorter than the required %(min)s") % {
            "actual": duration_label(minutes * 60), "min": duration_label(minimum * 60),
        }  # fmt: skip
    return _save_new(actor, UvDisinfection(
        campus=campus, date=timezone.localdate(started_at), area=area, room=room, started_at=started_at,
        minutes=minutes, performed_by=performed_by or _user(actor), recorded_by=_user(actor),
        is_compliant=not problem, problem=problem, note=str(note or "").strip()[:200],
    ))  # fmt: skip


@transaction.atomic
def uv_void(*, actor, record, reason, now=None):
    _perm(actor, record.campus, RECORD_HYGIENE)
    return _void(actor, record, reason, now=now)


# --- Pesticide residue rapid tests --------------------------------------------------------


def pesticide_threshold(campus) -> Decimal:
    return Decimal(campus_setting(campus, "canteen.pesticide_positive_pct"))


@transaction.atomic
def pesticide_test_record(*, actor, campus, batch, inhibition_pct, vegetable="", sample="",
                          method=PesticideTest.Method.ENZYME, kit_lot="", tested_at=None, operator=None, note="",
                          photo=None, now=None):  # fmt: skip
    """Record a rapid test; an inhibition rate at or above the campus threshold (50 %) is
    positive: the batch is blocked (``store_services.batch_block``) and the heads alerted."""
    from houqin.canteen.store_services import batch_block

    _perm(actor, campus, RECORD_HYGIENE)
    now = _now(now)
    tested_at = tested_at or now
    _same_campus(batch, campus, "batch")
    if tested_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"tested_at": _("The time is in the future.")})
    pct = _decimal(inhibition_pct, "inhibition_pct")
    if pct < 0 or pct > 100:
        raise ValidationError({"inhibition_pct": _("The inhibition rate is between 0 and 100 %.")})
    threshold = pesticide_threshold(campus)
    positive = pct >= threshold
    test = _save_new(actor, PesticideTest(
        campus=campus, date=timezone.localdate(tested_at), tested_at=tested_at, batch=batch,
        vegetable=(str(vegetable or "").strip() or batch.name)[:60], sample=str(sample or "").strip()[:100],
        method=method, kit_lot=str(kit_lot or "").strip()[:40], inhibition_pct=pct, threshold_pct=threshold,
        result=PesticideTest.Result.POSITIVE if positive else PesticideTest.Result.NEGATIVE,
        operator=operator or _user(actor), recorded_by=_user(actor), note=str(note or "").strip()[:200],
    ))  # fmt: skip
    if photo:
        from houqin.core.attachments import attachment_add

        attachment_add(actor=_user(actor), obj=test, uploaded_file=photo, kind="photo")
    if positive:
        reason = _("Pesticide rapid test positive: inhibition %(pct)s %% ≥ %(threshold)s %% (%(vegetable)s, %(date)s)") % {
            "pct": f"{pct:g}", "threshold": f"{threshold:g}", "vegetable": test.vegetable,
            "date": test.date.isoformat(),
        }  # fmt: skip
        batch_block(batch, actor=_user(actor), reason=reason)
        _notify(
            campus, title=_("Batch %(batch)s blocked: %(reason)s") % {"batch": batch.number, "reason": reason},
            body=_("Do not use it; send a sample for a laboratory test and contact the supplier."),
            url=_url(campus, "safety_pesticide_detail", pk=test.pk), level="danger",
            event="canteen.safety.pesticide", exclude=[_user(actor)],
        )  # fmt: skip
    return test


@transaction.atomic
def pesticide_void(*, actor, test, reason, now=None):
    """Void a wrong test record. A batch it blocked stays blocked (the store releases it)."""
    _perm(actor, test.campus, RECORD_HYGIENE)
    return _void(actor, test, reason, now=now)


def pesticide_tests_between(campus, start, end):
    return (
        PesticideTest.objects.filter(campus=campus, is_void=False, date__gte=start, date__lte=end)
        .select_related("batch", "batch__supplier", "operator")
        .order_by("-tested_at", "-pk")
    )


# --- Kitchen staff ------------------------------------------------------------------------


STAFF_FIELDS = ("name", "user", "position", "phone", "is_active", "note")


@transaction.atomic
def staff_save(*, actor, campus, data, staff=None):
    _perm(actor, campus, MANAGE_STAFF)
    before = audit.snapshot(staff) if staff is not None else None
    obj = staff or KitchenStaff(campus=campus)
    for key in STAFF_FIELDS:
        if key in data:
            setattr(obj, key, data[key])
    if obj.user_id:
        from houqin.core.forms import campus_users

        if not campus_users(campus).filter(pk=obj.user_id).exists():
            raise ValidationError({"user": _("The account must belong to a member of this campus.")})
        clash = KitchenStaff.objects.filter(campus=campus, user_id=obj.user_id).exclude(pk=obj.pk).first()
        if clash is not None:
            raise ValidationError(
                {"user": _("This account is already linked to %(name)s.") % {"name": clash.name}}
            )
    return object_save(actor=_user(actor), instance=obj, before=before, campus=campus)


def certificate_months(campus) -> int:
    return int(campus_setting(campus, "canteen.health_certificate_months"))


@transaction.atomic
def certificate_add(*, actor, staff, number, issued_on, valid_until=None, issuer="", photo=None, now=None):
    """Record a health certificate; it is valid for at most the campus's months (12)."""
    campus = staff.campus
    _perm(actor, campus, MANAGE_STAFF)
    today = timezone.localdate(_now(now))
    number = str(number or "").strip()
    if not number:
        raise ValidationError({"number": _("Give the certificate number.")})
    if issued_on > today:
        raise ValidationError({"issued_on": _("The issue date is in the future.")})
    months = certificate_months(campus)
    longest = add_months(issued_on, months) - dt.timedelta(days=1)
    valid_until = valid_until or longest
    if valid_until < issued_on:
        raise ValidationError({"valid_until": _("The certificate must end after it was issued.")})
    if valid_until > longest:
        raise ValidationError(
            {"valid_until": _("A health certificate is valid for at most %(months)s months (until %(date)s).")
             % {"months": months, "date": longest.isoformat()}}
        )  # fmt: skip
    cert = _save_new(actor, HealthCertificate(
        campus=campus, staff=staff, number=number[:40], issued_on=issued_on, valid_until=valid_until,
        issuer=str(issuer or "").strip()[:80], recorded_by=_user(actor),
    ))  # fmt: skip
    if photo:
        from houqin.core.attachments import attachment_add

        attachment_add(actor=_user(actor), obj=cert, uploaded_file=photo, kind="photo")
    return cert


@transaction.atomic
def certificate_void(*, actor, certificate, reason, now=None):
    _perm(actor, certificate.campus, MANAGE_STAFF)
    return _void(actor, certificate, reason, now=now)


def current_certificates(staff_ids, day) -> dict:
    """``{staff_id: certificate}``: the one valid on ``day`` (the longest-running), else the
    latest one (expired or not yet valid); staff without any are missing (1 query)."""
    out = {}
    for cert in HealthCertificate.objects.filter(staff_id__in=list(staff_ids), is_void=False).order_by(
        "staff_id", "valid_until", "pk"
    ):
        current = out.get(cert.staff_id)
        if current is None or cert.is_valid_on(day) or not current.is_valid_on(day):
            out[cert.staff_id] = cert
    return out


def certificate_problem(cert, day):
    """Why a person with this (current) certificate may not work on ``day``; None if valid."""
    if cert is None:
        return _("no health certificate on record")
    if cert.valid_until < day:
        return _("the health certificate expired on %(date)s") % {"date": cert.valid_until.isoformat()}
    if cert.issued_on > day:
        return _("the health certificate is valid only from %(date)s") % {"date": cert.issued_on.isoformat()}
    return None


def certificate_attention(campus, day=None, days=None) -> list[dict]:
    """Active staff whose certificate is missing, expired or expires within ``days``
    (``core.expiry_reminder_days``, 30) — 2 queries."""
    day = day or timezone.localdate()
    days = int(days if days is not None else campus_setting(campus, "core.expiry_reminder_days"))
    staff = list(KitchenStaff.objects.filter(campus=campus, is_active=True).order_by("name"))
    certs = current_certificates([s.pk for s in staff], day)
    out = []
    for person in staff:
        cert = certs.get(person.pk)
        problem = certificate_problem(cert, day)
        if problem:
            out.append(
                {"staff": person, "certificate": cert, "state": "invalid", "problem": problem, "days": None}
            )
        elif cert.valid_until <= day + dt.timedelta(days=days):
            left = (cert.valid_until - day).days
            out.append(
                {"staff": person, "certificate": cert, "state": "expiring", "problem": "", "days": left}
            )
    return out


def unfit_check(staff, day):
    return StaffMorningCheck.objects.filter(staff=staff, date=day, is_void=False, is_fit=False).first()


@transaction.atomic
def duty_assign(*, actor, campus, staff, date, shift=KitchenDuty.Shift.DAY, post=""):
    """Put a staff member on the roster. Refused (with the reason) without a health
    certificate valid that day, after a failed morning check that day, or twice."""
    _perm(actor, campus, MANAGE_STAFF)
    _same_campus(staff, campus, "staff")
    if shift not in KitchenDuty.Shift.values:
        raise ValidationError({"shift": _("Choose a shift.")})
    if not staff.is_active:
        raise ValidationError({"staff": _("%(name)s is no longer active.") % {"name": staff.name}})
    cert = current_certificates([staff.pk], date).get(staff.pk)
    problem = certificate_problem(cert, date)
    if problem:
        raise ValidationError(
            {
                "staff": _("%(name)s cannot be put on duty: %(reason)s.")
                % {"name": staff.name, "reason": problem}
            }
        )
    check = unfit_check(staff, date)
    if check is not None:
        raise ValidationError({"staff": _(
            "%(name)s failed the morning check on %(date)s (%(findings)s) and may not handle food that day."
        ) % {"name": staff.name, "date": date.isoformat(), "findings": "、".join(check.findings)}})  # fmt: skip
    if KitchenDuty.objects.filter(staff=staff, date=date, shift=shift, removed_at__isnull=True).exists():
        raise ValidationError({"shift": _("%(name)s is already on this shift.") % {"name": staff.name}})
    return _save_new(actor, KitchenDuty(
        campus=campus, date=date, shift=shift, staff=staff, post=str(post or "").strip()[:40],
        assigned_by=_user(actor),
    ))  # fmt: skip


@transaction.atomic
def duty_remove(*, actor, duty, reason, now=None):
    """Take someone off a shift (kept on the roster history with the reason)."""
    _perm(actor, duty.campus, MANAGE_STAFF)
    return _duty_remove(actor, duty, clean_reason(reason), now)


def _duty_remove(actor, duty, reason, now):
    duty = lock_for_update(duty)
    if duty.removed_at:
        raise ValidationError(_("This duty has already been cancelled."))
    before = audit.snapshot(duty)
    duty.removed_at = _now(now)
    duty.removed_by = _user(actor)
    duty.removed_reason = reason[:200]
    return _save_change(actor, duty, before, "remove", reason)


def staff_on_duty(campus, day) -> list:
    """The kitchen staff on the roster for ``day`` (not taken off), by name (1 query)."""
    return list(
        KitchenStaff.objects.filter(campus=campus, duties__date=day, duties__removed_at__isnull=True)
        .distinct()
        .order_by("name", "pk")
    )


def fever_threshold(campus) -> Decimal:
    return Decimal(campus_setting(campus, "health.fever_threshold_c"))


@transaction.atomic
def morning_check_record(*, actor, campus, staff, date=None, temperature_c=None, fever=False, diarrhoea=False,
                         sore_throat=False, hand_wound=False, other="", note="", checked_at=None, now=None):  # fmt: skip
    """Record a staff member's morning check. Anyone failing it (fever — also from the
    temperature —, diarrhoea, sore throat, a hand wound, other symptoms) is unfit for the
    day and taken off that day's duties. A second check the same day replaces the first
    (voided). Returns ``(check, removed_duties)``."""
    _perm(actor, campus, CHECK_STAFF)
    _same_campus(staff, campus, "staff")
    now = _now(now)
    checked_at = checked_at or now
    date = date or timezone.localdate(checked_at)
    if date > timezone.localdate(now):
        raise ValidationError({"date": _("The date is in the future.")})
    temperature = _decimal(temperature_c, "temperature_c", required=False)
    if temperature is not None and temperature >= fever_threshold(campus):
        fever = True
    other = str(other or "").strip()[:100]
    is_fit = not (fever or diarrhoea or sore_throat or hand_wound or other)
    previous = StaffMorningCheck.objects.filter(staff=staff, date=date, is_void=False).first()
    if previous is not None:
        _void(actor, previous, _("Replaced by a new check"), now=now)
    check = _save_new(actor, StaffMorningCheck(
        campus=campus, date=date, staff=staff, checked_at=checked_at, temperature_c=temperature, fever=bool(fever),
        diarrhoea=bool(diarrhoea), sore_throat=bool(sore_throat), hand_wound=bool(hand_wound), other=other,
        is_fit=is_fit, checked_by=_user(actor), note=str(note or "").strip()[:200],
    ))  # fmt: skip
    removed = []
    if not is_fit:
        reason = _("Unfit at the morning check: %(findings)s") % {"findings": "、".join(check.findings)}
        for duty in KitchenDuty.objects.filter(staff=staff, date=date, removed_at__isnull=True):
            removed.append(_duty_remove(actor, duty, reason, now))
        _notify(
            campus, title=_("%(name)s is unfit for work today: %(findings)s")
            % {"name": staff.name, "findings": "、".join(check.findings)},
            url=_url(campus, "safety_check_list"), level="warning", event="canteen.safety.staff_check",
            exclude=[_user(actor)],
        )  # fmt: skip
    return check, removed


@transaction.atomic
def morning_checks_record(*, actor, campus, date, entries, now=None):
    """Several checks at once (the quick-entry page): ``entries`` = [{"staff", …fields}]."""
    return [
        morning_check_record(actor=actor, campus=campus, date=date, now=now, **entry) for entry in entries
    ]


@transaction.atomic
def morning_check_void(*, actor, check, reason, now=None):
    """Void a wrong check (duties it removed stay removed: put the person back on the roster)."""
    _perm(actor, check.campus, CHECK_STAFF)
    return _void(actor, check, reason, now=now)


def checks_on(campus, day) -> dict:
    """``{staff_id: check}`` of the day's valid checks (1 query)."""
    return {
        c.staff_id: c
        for c in StaffMorningCheck.objects.filter(campus=campus, date=day, is_void=False).select_related(
            "checked_by"
        )
    }


TRAINING_FIELDS = ("date", "topic", "hours", "trainer", "content")


@transaction.atomic
def training_save(*, actor, campus, data, attendees=None, training=None):
    """Create or change a training record with its attendees (kitchen staff of the campus)."""
    _perm(actor, campus, MANAGE_STAFF)
    before = audit.snapshot(training) if training is not None else None
    if before is not None:
        before["attendees"] = sorted(training.attendees.values_list("pk", flat=True))
    obj = training or TrainingRecord(campus=campus, recorded_by=_user(actor))
    for key in TRAINING_FIELDS:
        if key in data:
            setattr(obj, key, data[key])
    obj.full_clean()
    obj.save()
    if attendees is not None:
        people = list(attendees)
        for person in people:
            _same_campus(person, campus, "attendees")
        obj.attendees.set(people)
    after = audit.snapshot(obj)
    after["attendees"] = sorted(obj.attendees.values_list("pk", flat=True))
    if before is None:
        audit.record(actor=_user(actor), action="create", obj=obj, after=after)
    else:
        changed = [k for k in after if before.get(k) != after.get(k)]
        if changed:
            audit.record(
                actor=_user(actor), action="update", obj=obj, before={k: before.get(k) for k in changed},
                after={k: after[k] for k in changed},
            )  # fmt: skip
    return obj


# --- Summaries ----------------------------------------------------------------------------


def week_bounds(day):
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)
