"""Every write of the accompanying meals (陪餐) and the dietary committee (膳委会), and the
reads the pages, the dashboard and the API share.

``<entity>_<action>(*, actor, …)``: atomic, validated with ``full_clean()``, audited in
the same transaction. An actor (a logged-in user) must hold the permission of the action
on the campus; ``actor=None`` is the system (demo, commands).

Rules:

* A leader records an accompanying meal with their own login (the companion is the
  actor unless a leader records for another leader); a parent is recorded by name. The
  same companion is recorded once per meal and day; no record for a day in the future.
* Problems found get a follow-up: given to a campus member (due date optional), answered
  by that person or by a holder of ``canteen.accompany_meals``; an answered follow-up is
  closed. Records are voided with a reason, never edited or deleted.
* The campus is reminded (dashboard) on a school day after ``canteen.meals.companion_due_time``
  when no accompanying meal is recorded yet; and from day ``canteen.meals.committee_remind_day``
  of the month when the dietary committee has not met within its period
  (``canteen.meals.committee_interval_months``, default monthly).
"""

import calendar
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.canteen.models import CommitteeMeeting, CompanionMeal, MealKind, ParentSuggestion
from houqin.core import audit
from houqin.core.attachments import attachment_add
from houqin.core.permissions import actor_perms, require_actor_perm
from houqin.core.services import clean_reason, lock_for_update
from houqin.core.settings_registry import campus_setting

VIEW = "canteen.view_meals"
ACCOMPANY = "canteen.accompany_meals"
COMMITTEE = "canteen.manage_committee"

IssueStatus = CompanionMeal.IssueStatus

# --- Helpers ------------------------------------------------------------------------------


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _save(*, actor, obj, before=None, action="update", message=""):
    """full_clean, save, and audit ``obj`` (its changed fields; everything when new)."""
    is_new = obj._state.adding
    obj.full_clean()
    obj.save()
    after = audit.snapshot(obj)
    if is_new:
        audit.record(
            actor=_user(actor), action=action or "create", obj=obj, after=after, message=str(message)[:300]
        )
        return obj
    changed = [k for k in after if (before or {}).get(k) != after.get(k)]
    audit.record(
        actor=_user(actor), action=action, obj=obj,
        before={k: (before or {}).get(k) for k in changed}, after={k: after[k] for k in changed},
        message=str(message)[:300],
    )  # fmt: skip
    return obj


def _text(value, limit=None):
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _add_photos(actor, obj, photos):
    for photo in photos or ():
        if photo:
            attachment_add(actor=_user(actor), obj=obj, uploaded_file=photo, kind="photo")


def _may_follow_up(campus, user):
    """A campus member who sees the accompanying-meal records and may write in the canteen
    (not a read-only supervisor)."""
    perms = actor_perms(user, campus)
    return VIEW in perms and any(p.startswith("canteen.") and ".view_" not in p for p in perms)


def _is_member(campus, user):
    from houqin.core.models import Membership

    if user is None:
        return False
    return Membership.objects.filter(user=user, is_active=True, campus=campus).exists() or (
        Membership.objects.filter(user=user, is_active=True, organization_id=campus.organization_id).exists()
    )


def school_day(campus, day):
    """Is ``day`` a school day of the campus (its term calendar; Monday–Friday when no term
    covers the day)."""
    from houqin.core.models import Term

    term = (
        Term.objects.filter(campus=campus, start_date__lte=day, end_date__gte=day)
        .prefetch_related("holidays")
        .first()
    )
    if term is None:
        return day.weekday() < 5
    return term.is_school_day(day)


def school_days_between(campus, start, end):
    """The school days from ``start`` to ``end`` (inclusive), in order (2 queries)."""
    from houqin.core.models import Term

    terms = list(
        Term.objects.filter(campus=campus, start_date__lte=end, end_date__gte=start).prefetch_related(
            "holidays"
        )
    )
    out, day = [], start
    calendars = [(t, t.calendar_days()) for t in terms]
    while day <= end:
        known = next((cal[day] for t, cal in calendars if day in cal), None)
        if known is None:
            if day.weekday() < 5:
                out.append(day)
        elif known[0]:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


# --- Accompanying meals (陪餐) ----------------------------------------------------------------


def _rating(value, field):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: _("Rate from 1 to 5.")})
    if not 1 <= number <= 5:
        raise ValidationError({field: _("Rate from 1 to 5.")})
    return number


@transaction.atomic
def companion_meal_record(
    *, actor, campus, date, meal=MealKind.LUNCH, companion_role=CompanionMeal.Role.LEADER, companion=None,
    companion_name="", school_class=None, taste, temperature, quantity, hygiene, observations="", issues="",
    followup_assignee=None, followup_due=None, photos=(), now=None,
):  # fmt: skip
    """Record an accompanying meal (陪餐记录); a problem found opens a follow-up."""
    require_actor_perm(actor, campus, ACCOMPANY, system_allowed=True)
    now = now or timezone.now()
    if date is None:
        raise ValidationError({"date": _("Choose the day.")})
    if date > timezone.localdate(now):
        raise ValidationError(
            {"date": _("An accompanying meal is recorded on the day or afterwards, not in advance.")}
        )
    if meal not in MealKind.values:
        raise ValidationError({"meal": _("Choose a meal.")})
    role = companion_role or CompanionMeal.Role.LEADER
    if role not in CompanionMeal.Role.values:
        raise ValidationError({"companion_role": _("Choose a leader or a parent.")})
    name = _text(companion_name, 40)
    if role == CompanionMeal.Role.LEADER:
        companion = companion or _user(actor)
        if companion is None:
            raise ValidationError({"companion": _("A leader accompanies with their own login.")})
        if not _is_member(campus, companion):
            raise ValidationError({"companion": _("The companion must be a member of the campus.")})
        name = name or (companion.real_name or companion.username)
    else:
        companion = None
        if not name:
            raise ValidationError({"companion_name": _("Give the parent's name.")})
    ratings = {
        "taste": _rating(taste, "taste"),
        "temperature": _rating(temperature, "temperature"),
        "quantity": _rating(quantity, "quantity"),
        "hygiene": _rating(hygiene, "hygiene"),
    }
    same = CompanionMeal.objects.filter(campus=campus, date=date, meal=meal, is_void=False)
    same = (
        same.filter(companion=companion)
        if companion is not None
        else same.filter(companion__isnull=True, companion_name=name)
    )
    if same.exists():
        raise ValidationError(_("%(who)s is already recorded for this meal.") % {"who": name})
    issues = _text(issues)
    if followup_assignee is not None and not issues:
        raise ValidationError({"followup_assignee": _("A follow-up needs a problem to follow up.")})
    if followup_assignee is not None and not _may_follow_up(campus, followup_assignee):
        raise ValidationError(
            {
                "followup_assignee": _(
                    "The follow-up goes to a campus member who sees the accompanying-meal records."
                )
            }
        )
    record = CompanionMeal(
        campus=campus, date=date, meal=meal, companion_role=role, companion=companion, companion_name=name,
        school_class=school_class, observations=_text(observations), issues=issues,
        issue_status=IssueStatus.OPEN if issues else IssueStatus.NONE,
        followup_assignee=followup_assignee if issues else None, followup_due=followup_due if issues else None,
        recorded_by=_user(actor), **ratings,
    )  # fmt: skip
    _save(actor=actor, obj=record, action="create", message=_("Accompanying meal recorded"))
    _add_photos(actor, record, photos)
    if issues:
        _notify_followup(record, actor)
    return record


def _notify_followup(record, actor):
    from houqin.core.links import campus_url
    from houqin.core.notifications import notify, users_with_roles
    from houqin.core.roles import Role

    if record.followup_assignee_id:
        recipients = [record.followup_assignee]
    else:
        recipients = list(users_with_roles(record.campus, [Role.LOGISTICS_HEAD, Role.CANTEEN_HEAD]))
    actor_pk = getattr(_user(actor), "pk", None)
    recipients = [u for u in recipients if u.pk != actor_pk]
    if not recipients:
        return
    notify(
        campus=record.campus, recipients=recipients,
        title=_("A problem found at an accompanying meal needs a follow-up"),
        body=f"{record.date:%Y-%m-%d} {record.get_meal_display()} · {record.companion_display}：{record.issues[:200]}",
        url=campus_url(record.campus, "canteen:meals_companion_detail", pk=record.pk), level="warning",
        event="canteen.meals.companion_issue",
    )  # fmt: skip


def _check_open(record):
    if record.is_void:
        raise ValidationError(_("This record is void."))
    if record.issue_status != IssueStatus.OPEN:
        raise ValidationError(_("There is no open problem on this record."))


@transaction.atomic
def companion_followup_assign(*, actor, record, assignee, due=None):
    """Give the follow-up of a problem to a campus member (with an optional due date)."""
    require_actor_perm(actor, record.campus, ACCOMPANY, system_allowed=True)
    record = lock_for_update(record)
    _check_open(record)
    if assignee is None or not _may_follow_up(record.campus, assignee):
        raise ValidationError(
            {
                "followup_assignee": _(
                    "The follow-up goes to a campus member who sees the accompanying-meal records."
                )
            }
        )
    before = audit.snapshot(record)
    record.followup_assignee, record.followup_due = assignee, due
    _save(actor=actor, obj=record, before=before, action="followup_assign",
          message=_("Follow-up given to %(who)s") % {"who": assignee})  # fmt: skip
    _notify_followup(record, actor)
    return record


def may_answer(user, record, perms):
    """The person the follow-up was given to, or a holder of ``canteen.accompany_meals``."""
    if user is None:
        return True
    return (record.followup_assignee_id and record.followup_assignee_id == user.pk) or ACCOMPANY in (
        perms or ()
    )


@transaction.atomic
def companion_followup_answer(*, actor, record, answer, now=None):
    """Answer the follow-up of a problem: what was done; the problem is dealt with."""
    perms = actor_perms(actor, record.campus, none_for_system=True)
    if perms is not None and not may_answer(_user(actor), record, perms):
        raise PermissionDenied(_("Only the person the follow-up was given to (or a leader) answers it."))
    record = lock_for_update(record)
    _check_open(record)
    text = _text(answer)
    if not text:
        raise ValidationError({"followup_answer": _("Write what was done.")})
    before = audit.snapshot(record)
    record.followup_answer = text
    record.followup_done_at = now or timezone.now()
    record.followup_done_by = _user(actor)
    record.issue_status = IssueStatus.DONE
    return _save(actor=actor, obj=record, before=before, action="followup_done", message=text[:200])


@transaction.atomic
def companion_meal_void(*, actor, record, reason, now=None):
    """Void a wrong record with a reason (it stays on record)."""
    require_actor_perm(actor, record.campus, ACCOMPANY, system_allowed=True)
    reason = clean_reason(reason, field="void_reason")
    record = lock_for_update(record)
    if record.is_void:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(record)
    record.is_void, record.void_reason = True, reason
    record.voided_at, record.voided_by = now or timezone.now(), _user(actor)
    return _save(actor=actor, obj=record, before=before, action="void", message=reason)


def open_companion_issues(campus):
    return (
        CompanionMeal.objects.filter(campus=campus, is_void=False, issue_status=IssueStatus.OPEN)
        .select_related("followup_assignee", "school_class", "companion")
        .order_by("date", "id")
    )


def companion_due_time(campus):
    return dt.time.fromisoformat(campus_setting(campus, "canteen.meals.companion_due_time"))


def companion_missing_today(campus, now=None):
    """True on a school day after the due time when nobody is recorded for today yet."""
    now = timezone.localtime(now or timezone.now())
    if now.time() < companion_due_time(campus):
        return False
    today = now.date()
    if CompanionMeal.objects.filter(campus=campus, date=today, is_void=False).exists():
        return False
    return school_day(campus, today)


def companion_month(campus, year, month):
    """The month view: every day with its records and whether it is a school day (3 queries).

    Returns ``{"days": [{"date", "school_day", "records", "missing"}], "companions":
    [(name, count)], "school_days", "covered_days"}``.
    """
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    records = list(
        CompanionMeal.objects.filter(campus=campus, date__gte=first, date__lte=last, is_void=False)
        .select_related("companion", "school_class")
        .order_by("date", "meal", "id")
    )
    by_day = {}
    for r in records:
        by_day.setdefault(r.date, []).append(r)
    school = set(school_days_between(campus, first, last))
    today = timezone.localdate()
    days, counts = [], {}
    for n in range(1, last.day + 1):
        day = dt.date(year, month, n)
        rows = by_day.get(day, [])
        days.append({
            "date": day, "school_day": day in school, "records": rows,
            "missing": day in school and not rows and day <= today,
        })  # fmt: skip
        for r in rows:
            counts[r.companion_display] = counts.get(r.companion_display, 0) + 1
    return {
        "first": first,
        "last": last,
        "days": days,
        "companions": sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))),
        "school_days": sum(1 for d in days if d["school_day"] and d["date"] <= today),
        "covered_days": sum(1 for d in days if d["school_day"] and d["records"]),
        "parent_meals": sum(1 for r in records if r.companion_role == CompanionMeal.Role.PARENT),
    }


# --- Dietary committee (膳委会) ----------------------------------------------------------------


@transaction.atomic
def meeting_record(*, actor, campus, date, topic, attendees, minutes, parent_representatives="", decisions="",
                   photos=(), suggestions=()):  # fmt: skip
    """Record a committee meeting; ``suggestions`` = [{"from_name", "content", "school_class"?}]
    raised at it are recorded with it (received on the meeting day)."""
    require_actor_perm(actor, campus, COMMITTEE, system_allowed=True)
    if date is None:
        raise ValidationError({"date": _("Choose the day.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("A meeting is recorded after it took place.")})
    meeting = CommitteeMeeting(
        campus=campus, date=date, topic=_text(topic, 120), attendees=_text(attendees),
        parent_representatives=_text(parent_representatives), minutes=_text(minutes), decisions=_text(decisions),
        recorded_by=_user(actor),
    )  # fmt: skip
    _save(actor=actor, obj=meeting, action="create", message=_("Committee meeting recorded"))
    _add_photos(actor, meeting, photos)
    for s in suggestions or ():
        suggestion_record(
            actor=actor, campus=campus, received_on=date, from_name=s.get("from_name", ""),
            content=s.get("content", ""), channel=ParentSuggestion.Channel.MEETING,
            school_class=s.get("school_class"), meeting=meeting,
        )  # fmt: skip
    return meeting


MEETING_FIELDS = ("date", "topic", "attendees", "parent_representatives", "minutes", "decisions")


@transaction.atomic
def meeting_update(*, actor, meeting, data):
    """Correct a meeting's record (audited with the changed fields)."""
    require_actor_perm(actor, meeting.campus, COMMITTEE, system_allowed=True)
    meeting = lock_for_update(meeting)
    if meeting.is_void:
        raise ValidationError(_("This record is void."))
    before = audit.snapshot(meeting)
    for key in MEETING_FIELDS:
        if key in data:
            value = data[key]
            setattr(meeting, key, value if key == "date" else _text(value, 120 if key == "topic" else None))
    if meeting.date and meeting.date > timezone.localdate():
        raise ValidationError({"date": _("A meeting is recorded after it took place.")})
    return _save(actor=actor, obj=meeting, before=before, action="update")


@transaction.atomic
def meeting_void(*, actor, meeting, reason, now=None):
    require_actor_perm(actor, meeting.campus, COMMITTEE, system_allowed=True)
    reason = clean_reason(reason, field="void_reason")
    meeting = lock_for_update(meeting)
    if meeting.is_void:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(meeting)
    meeting.is_void, meeting.void_reason = True, reason
    meeting.voided_at, meeting.voided_by = now or timezone.now(), _user(actor)
    return _save(actor=actor, obj=meeting, before=before, action="void", message=reason)


@transaction.atomic
def suggestion_record(*, actor, campus, received_on, from_name, content, channel=ParentSuggestion.Channel.BOX,
                      school_class=None, meeting=None):  # fmt: skip
    """Record a parent's suggestion about the meals (open until answered)."""
    require_actor_perm(actor, campus, COMMITTEE, system_allowed=True)
    if received_on is None:
        raise ValidationError({"received_on": _("Choose the day.")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The day cannot be in the future.")})
    if meeting is not None and CommitteeMeeting.objects.filter(pk=meeting.pk, is_void=True).exists():
        raise ValidationError({"meeting": _("This record is void.")})
    suggestion = ParentSuggestion(
        campus=campus, received_on=received_on, from_name=_text(from_name, 60), content=_text(content),
        channel=channel or ParentSuggestion.Channel.BOX, school_class=school_class, meeting=meeting,
        recorded_by=_user(actor),
    )  # fmt: skip
    return _save(actor=actor, obj=suggestion, action="create", message=suggestion.short_content)


@transaction.atomic
def suggestion_answer(*, actor, suggestion, answer, now=None):
    """Answer a suggestion (答复); a later answer replaces the earlier one in the audit trail."""
    require_actor_perm(actor, suggestion.campus, COMMITTEE, system_allowed=True)
    suggestion = lock_for_update(suggestion)
    if suggestion.status == ParentSuggestion.Status.VOID:
        raise ValidationError(_("This record is void."))
    text = _text(answer)
    if not text:
        raise ValidationError({"answer": _("Write the answer.")})
    before = audit.snapshot(suggestion)
    suggestion.answer = text
    suggestion.answered_by = _user(actor)
    suggestion.answered_at = now or timezone.now()
    suggestion.status = ParentSuggestion.Status.ANSWERED
    return _save(actor=actor, obj=suggestion, before=before, action="answer", message=text[:200])


@transaction.atomic
def suggestion_void(*, actor, suggestion, reason):
    require_actor_perm(actor, suggestion.campus, COMMITTEE, system_allowed=True)
    reason = clean_reason(reason, field="void_reason")
    suggestion = lock_for_update(suggestion)
    if suggestion.status == ParentSuggestion.Status.VOID:
        raise ValidationError(_("This record is already void."))
    before = audit.snapshot(suggestion)
    suggestion.status, suggestion.void_reason = ParentSuggestion.Status.VOID, reason
    return _save(actor=actor, obj=suggestion, before=before, action="void", message=reason)


def open_suggestions(campus):
    return (
        ParentSuggestion.objects.filter(campus=campus, status=ParentSuggestion.Status.OPEN)
        .select_related("school_class", "meeting")
        .order_by("received_on", "id")
    )


def committee_period_start(campus, today):
    """The first day of the period a meeting is due in (the month, or the last N months)."""
    months = int(campus_setting(campus, "canteen.meals.committee_interval_months"))
    index = today.year * 12 + (today.month - 1) - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1)


def committee_meeting_due(campus, today=None):
    """``None`` when the committee has met within its period (or it is too early in the
    month to remind); else the date the period started."""
    today = today or timezone.localdate()
    if today.day < int(campus_setting(campus, "canteen.meals.committee_remind_day")):
        return None
    start = committee_period_start(campus, today)
    if CommitteeMeeting.objects.filter(
        campus=campus, is_void=False, date__gte=start, date__lte=today
    ).exists():
        return None
    return start
