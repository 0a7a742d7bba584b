"""Gate services (门卫): visitors, the watch list, pickup persons and releases.

Every write is a ``<entity>_<action>(*, actor, …)`` function: validated with
``full_clean()``, saved and audited in one transaction. The visitor log and the release
log are regulated ledgers: they are corrected only by voiding with a reason.

ID numbers never reach the audit trail in full: :func:`gate_snapshot` masks them
(``3301**********0081``) — the trail is readable by supervisors and leaders who may not
see visitors' identities.

Read helpers used by the pages, the API, the dashboard and ``houqin tick`` live here too:
who is on campus, who may take a child home today, and which children are still here
after closing time (:func:`present_children` is the hook a later attendance module
narrows with :func:`register_presence_provider`).
"""

import datetime as dt
import logging

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from houqin.core import audit, notifications
from houqin.core.attachments import attachment_add
from houqin.core.links import campus_url
from houqin.core.roles import Role
from houqin.core.services import lock_for_update, object_delete, object_save
from houqin.safety.models import LateChildFlag, PickupPerson, PickupRelease, Visitor, WatchEntry

logger = logging.getLogger(__name__)

IDENTITY = "safety.unmask_visitor_identity"
# Roles that make a user "staff" who can host a visitor (parents and supervisors cannot).
HOST_ROLES = {str(r) for r in Role} - {str(Role.PARENT), str(Role.SUPERVISOR)}
# Who hears about a refused pickup besides the class teacher, and about watch-list overrides.
PICKUP_LEADERS = (Role.PRINCIPAL, Role.LOGISTICS_HEAD)
AGREEMENT_KINDS = ("scan", "document")


class WatchListWarning(Exception):
    """Raised by :func:`visitor_register` when the visitor matches the watch list and the
    guard has not (yet) chosen to admit them anyway with a reason."""

    def __init__(self, matches):
        self.matches = list(matches)
        super().__init__(_("This visitor matches the watch list."))


# --- Writing with masked snapshots ------------------------------------------------------


def gate_delete(*, actor, instance, message=""):
    """``object_delete`` with the gate's advice when other records still refer to the row."""
    try:
        object_delete(actor=actor, instance=instance, message=message)
    except ValidationError:
        raise ValidationError(
            _("“%(obj)s” cannot be deleted because other records refer to it; switch it off instead.")
            % {"obj": instance}
        )


def _now_local(now=None):
    return timezone.localtime(now or timezone.now())


def day_bounds(day):
    """Aware [start, end) of a local calendar day."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


# --- Campus facts -------------------------------------------------------------------------


def campus_staff(campus):
    """Active users holding a staff role on the campus: the possible hosts of a visitor."""
    from houqin.core.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__campus=campus,
            memberships__is_active=True,
            memberships__role__in=HOST_ROLES,
        )
        .distinct()
        .order_by("real_name", "username")
    )


def is_campus_staff(user, campus) -> bool:
    return user is not None and campus_staff(campus).filter(pk=user.pk).exists()


def closing_datetime(campus, day):
    """The campus's closing time (rule setting ``core.closing_time``) on ``day``, aware."""
    from houqin.core.settings_registry import campus_setting

    raw = campus_setting(campus, "core.closing_time") or "17:30"
    try:
        closing = dt.time.fromisoformat(str(raw))
    except ValueError:
        closing = dt.time(17, 30)
    return timezone.make_aware(dt.datetime.combine(day, closing))


def is_after_closing(campus, now=None) -> bool:
    local = _now_local(now)
    return local >= closing_datetime(campus, local.date())


def is_school_day(campus, day) -> bool:
    """A school day of the campus calendar; with no terms at all, Monday to Friday."""
    from houqin.core.models import Term

    terms = Term.objects.filter(campus=campus)
    term = terms.filter(start_date__lte=day, end_date__gte=day).first()
    if term is not None:
        return term.is_school_day(day)
    if not terms.exists():
        return day.weekday() < 5
    return False


# --- Visitors -----------------------------------------------------------------------------


def watch_matches(campus, *, name="", id_number=""):
    """Active watch-list entries matching the name or the ID number (exactly)."""
    name = (name or "").strip()
    id_number = (id_number or "").strip().upper()
    condition = Q(pk__in=[])
    if id_number:
        condition |= Q(id_number=id_number)
    if name:
        condition |= Q(name=name)
    if not name and not id_number:
        return []
    return list(WatchEntry.objects.filter(campus=campus, is_active=True).filter(condition).order_by("id"))


VISITOR_FIELDS = (
    "name",
    "id_number",
    "phone",
    "organization",
    "category",
    "purpose",
    "host",
    "badge_no",
    "people_count",
    "vehicle_plate",
    "time_in",
)


def _visitor_from(campus, data):
    unknown = set(data) - set(VISITOR_FIELDS)
    if unknown:
        raise ValueError(f"unknown visitor fields: {sorted(unknown)}")
    values = {k: v for k, v in data.items() if v is not None}
    return Visitor(campus=campus, **values)


def _matches_text(matches):
    return "; ".join(f"{m} ({m.reason})" for m in matches)


@transaction.atomic
def visitor_register(
    *,
    actor,
    campus,
    data,
    photo=None,
    confirmed_by_phone=False,
    admit_anyway=False,
    override_reason="",
):
    """Register a visitor at the gate.

    The host is notified and confirms the entry (or the guard records that the host
    confirmed by phone: ``confirmed_by_phone``). A visitor on the watch list raises
    :class:`WatchListWarning` unless ``admit_anyway`` with an ``override_reason``; the
    override is audited and the principal is notified.
    """
    visitor = _visitor_from(campus, data)
    visitor.registered_by = actor if getattr(actor, "is_authenticated", False) else None
    visitor.status = Visitor.Status.WAITING
    matches = watch_matches(campus, name=visitor.name, id_number=visitor.id_number)
    override_reason = (override_reason or "").strip()
    if matches:
        if not admit_anyway:
            raise WatchListWarning(matches)
        if not override_reason:
            raise ValidationError(
                {"override_reason": _("Give the reason for admitting a visitor on the watch list.")}
            )
        visitor.watch_entry = matches[0]
        visitor.override_reason = override_reason[:200]
    now = timezone.now()
    if confirmed_by_phone:
        visitor.status = Visitor.Status.INSIDE
        visitor.confirmed_by = visitor.registered_by
        visitor.confirmed_at = now
        visitor.confirmation = Visitor.Confirmation.PHONE
    object_save(actor=actor, instance=visitor, action="register")
    if photo is not None:
        attachment_add(
            actor=actor, obj=visitor, uploaded_file=photo, kind="photo", caption=_("Visitor photo")
        )
    detail = campus_url(campus, "safety:visitor_detail", pk=visitor.pk)
    if matches:
        audit.record(
            actor=actor,
            action="watchlist_override",
            obj=visitor,
            after={"watch_entry": visitor.watch_entry_id, "override_reason": visitor.override_reason},
            message=f"{_matches_text(matches)} — {visitor.override_reason}"[:300],
        )
        notifications.notify_roles(
            campus=campus,
            roles=[Role.PRINCIPAL],
            exclude=[actor],
            title=_("Watch-list visitor admitted: %(name)s") % {"name": visitor.name},
            body=_("Matched: %(matches)s. Admitted by %(actor)s because: %(reason)s")
            % {"matches": _matches_text(matches), "actor": actor, "reason": visitor.override_reason},
            url=detail,
            level="danger",
            event="safety.watchlist_override",
            webhook=False,  # names a person on the watch list: not for group robots
        )
    if visitor.host_id and visitor.host_id != getattr(actor, "pk", None):
        body = " · ".join(
            str(part)
            for part in (visitor.organization, visitor.get_category_display(), visitor.purpose)
            if part
        )
        if confirmed_by_phone:
            title = _("Your visitor %(name)s has come in") % {"name": visitor.name}
            level = "info"
        else:
            title = _("Visitor at the gate for you: %(name)s — please confirm") % {"name": visitor.name}
            level = "warning"
        notifications.notify(
            campus=campus,
            recipients=[visitor.host],
            title=title,
            body=body,
            url=campus_url(campus, "safety:visitor_confirm", pk=visitor.pk),
            level=level,
            event="safety.visitor_arrived",
            webhook=False,
        )
    return visitor


@transaction.atomic
def visitor_refuse_at_gate(*, actor, campus, data, reason, photo=None):
    """Log a visitor who was turned away at the gate (status refused, still in the log)."""
    visitor = _visitor_from(campus, data)
    visitor.registered_by = actor if getattr(actor, "is_authenticated", False) else None
    visitor.status = Visitor.Status.REFUSED
    visitor.refusal_reason = (reason or "").strip()[:200]
    visitor.time_out = visitor.time_in
    matches = watch_matches(campus, name=visitor.name, id_number=visitor.id_number)
    if matches:
        visitor.watch_entry = matches[0]
    object_save(actor=actor, instance=visitor, action="refuse", message=visitor.refusal_reason)
    if photo is not None:
        attachment_add(
            actor=actor, obj=visitor, uploaded_file=photo, kind="photo", caption=_("Visitor photo")
        )
    return visitor


def may_answer_for_visit(request, visitor) -> bool:
    """The host answers for their visitor; gate staff (register_visitors) for anyone."""
    from houqin.core.permissions import has_perm

    return visitor.host_id == request.user.pk or has_perm(request, "safety.register_visitors")


@transaction.atomic
def visitor_confirm(*, actor, visitor, by_phone=False):
    """Confirm a waiting visitor's entry: by the host in Houqin, or by the guard after a call."""
    fresh = lock_for_update(visitor)
    if fresh.is_voided:
        raise ValidationError(_("This entry has been voided."))
    if fresh.status != Visitor.Status.WAITING:
        raise ValidationError(_("This visitor is not waiting for confirmation."))
    if not by_phone and fresh.host_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            _("Only the host confirms a visit in Houqin; the guard records phone confirmations.")
        )
    before = audit.snapshot(fresh)
    fresh.status = Visitor.Status.INSIDE
    fresh.confirmed_by = actor
    fresh.confirmed_at = timezone.now()
    fresh.confirmation = Visitor.Confirmation.PHONE if by_phone else Visitor.Confirmation.HOST
    object_save(actor=actor, instance=fresh, before=before, action="confirm")
    _refresh(visitor, fresh)
    return visitor


@transaction.atomic
def visitor_refuse(*, actor, visitor, reason):
    """Turn away a visitor who is waiting at the gate (the host declines, or the guard refuses)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"refusal_reason": _("Give the reason for refusing the visitor.")})
    fresh = lock_for_update(visitor)
    if fresh.is_voided:
        raise ValidationError(_("This entry has been voided."))
    if fresh.status != Visitor.Status.WAITING:
        raise ValidationError(_("Only a visitor waiting at the gate can be refused."))
    before = audit.snapshot(fresh)
    fresh.status = Visitor.Status.REFUSED
    fresh.refusal_reason = reason[:200]
    fresh.time_out = timezone.now()
    object_save(actor=actor, instance=fresh, before=before, action="refuse", message=reason)
    if fresh.registered_by_id and fresh.registered_by_id != getattr(actor, "pk", None):
        notifications.notify(
            campus=fresh.campus,
            recipients=[fresh.registered_by],
            title=_("Visitor %(name)s refused by %(actor)s") % {"name": fresh.name, "actor": actor},
            body=reason,
            url=campus_url(fresh.campus, "safety:visitor_detail", pk=fresh.pk),
            level="warning",
            event="safety.visitor_refused",
            webhook=False,
        )
    _refresh(visitor, fresh)
    return visitor


@transaction.atomic
def visitor_sign_out(*, actor, visitor, at=None):
    """The visitor leaves: time out (now by default)."""
    fresh = lock_for_update(visitor)
    if fresh.is_voided:
        raise ValidationError(_("This entry has been voided."))
    if fresh.status not in Visitor.ON_CAMPUS:
        raise ValidationError(_("This visitor has already left."))
    before = audit.snapshot(fresh)
    fresh.status = Visitor.Status.LEFT
    fresh.time_out = at or timezone.now()
    fresh.signed_out_by = actor if getattr(actor, "is_authenticated", False) else None
    object_save(actor=actor, instance=fresh, before=before, action="sign_out")
    _refresh(visitor, fresh)
    return visitor


@transaction.atomic
def visitor_void(*, actor, visitor, reason):
    """Void a wrong entry of the visitor log; the row and the reason stay for the record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"void_reason": _("Give the reason for voiding the entry.")})
    fresh = lock_for_update(visitor)
    if fresh.is_voided:
        raise ValidationError(_("This entry has already been voided."))
    before = audit.snapshot(fresh)
    fresh.voided_at = timezone.now()
    fresh.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    fresh.void_reason = reason[:200]
    object_save(actor=actor, instance=fresh, before=before, action="void", message=reason)
    _refresh(visitor, fresh)
    return visitor


def _refresh(original, fresh):
    for field in fresh._meta.concrete_fields:
        setattr(original, field.attname, getattr(fresh, field.attname))


def visitors_on_campus(campus=None):
    qs = Visitor.objects.filter(status__in=Visitor.ON_CAMPUS, voided_at__isnull=True)
    if campus is not None:
        qs = qs.filter(campus=campus)
    return qs


# --- Watch list ---------------------------------------------------------------------------


@transaction.atomic
def watch_entry_save(*, actor, instance, before=None, campus=None):
    if instance._state.adding and getattr(actor, "is_authenticated", False) and not instance.added_by_id:
        instance.added_by = actor
    return object_save(actor=actor, instance=instance, before=before, campus=campus)


@transaction.atomic
def watch_entry_delete(*, actor, instance):
    gate_delete(actor=actor, instance=instance)


# --- Pickup persons -----------------------------------------------------------------------


@transaction.atomic
def pickup_person_save(*, actor, instance, before=None, campus=None, photo=None, agreement=None):
    """Create or change a pickup person; optional photo and signed agreement scan are attached."""
    person = object_save(actor=actor, instance=instance, before=before, campus=campus)
    if photo is not None:
        attachment_add(actor=actor, obj=person, uploaded_file=photo, kind="photo", caption=_("Photo"))
    if agreement is not None:
        attachment_add(
            actor=actor,
            obj=person,
            uploaded_file=agreement,
            kind="scan",
            caption=_("Proxy agreement (代接送协议)"),
        )
    return person


@transaction.atomic
def pickup_person_delete(*, actor, instance):
    gate_delete(actor=actor, instance=instance)


@transaction.atomic
def pickup_persons_from_guardians(*, actor, child):
    """Authorise each guardian of the child who is not a pickup person yet; returns the new rows."""
    from houqin.core.models import Guardian

    existing = set(
        PickupPerson.objects.filter(
            campus_id=child.campus_id, child=child, guardian__isnull=False
        ).values_list("guardian_id", flat=True)
    )
    created = []
    for guardian in Guardian.objects.filter(campus_id=child.campus_id, child=child).order_by(
        "-is_primary", "id"
    ):
        if guardian.pk in existing:
            continue
        person = PickupPerson(
            campus_id=child.campus_id,
            child=child,
            kind=PickupPerson.Kind.GUARDIAN,
            guardian=guardian,
            name=guardian.name,
            relation=guardian.get_relation_display(),
            phone=guardian.phone,
        )
        created.append(object_save(actor=actor, instance=person, message=_("from the guardians")))
    return created


def agreement_person_ids(persons):
    """Ids among ``persons`` with a signed agreement scan attached (one query)."""
    from houqin.core.models import Attachment

    persons = list(persons)
    if not persons:
        return set()
    ct = ContentType.objects.get_for_model(PickupPerson)
    ids = [str(p.pk) for p in persons]
    found = Attachment.objects.filter(
        campus_id=persons[0].campus_id,
        content_type=ct,
        object_id__in=ids,
        kind__in=AGREEMENT_KINDS,
        voided_at__isnull=True,
    ).values_list("object_id", flat=True)
    return {int(pk) for pk in found}


def with_agreement_flag(queryset):
    """Annotate pickup persons with ``has_agreement`` (a signed agreement scan on file)."""
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    from houqin.core.models import Attachment

    scans = Attachment.objects.filter(
        content_type__app_label="safety",
        content_type__model="pickupperson",
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        kind__in=AGREEMENT_KINDS,
        voided_at__isnull=True,
    )
    return queryset.annotate(has_agreement=Exists(scans))


def photo_ids(persons):
    """{person id: attachment id of the latest photo} for ``persons`` (one query)."""
    from houqin.core.models import Attachment

    persons = list(persons)
    if not persons:
        return {}
    ct = ContentType.objects.get_for_model(PickupPerson)
    rows = (
        Attachment.objects.filter(
            campus_id=persons[0].campus_id,
            content_type=ct,
            object_id__in=[str(p.pk) for p in persons],
            kind="photo",
            voided_at__isnull=True,
        )
        .order_by("created_at", "id")
        .values_list("object_id", "pk")
    )
    return {int(obj): pk for obj, pk in rows}


def authorisation(person, *, day=None, has_agreement=None):
    """Whether ``person`` may take their child home on ``day``: (ok, reason code, message)."""
    day = day or timezone.localdate()
    Reason = PickupRelease.Reason
    if not person.is_active:
        return False, Reason.INACTIVE, str(Reason.INACTIVE.label)
    if person.kind == PickupPerson.Kind.GUARDIAN and not person.guardian_id:
        return False, Reason.NOT_AUTHORISED, _("No longer recorded as a guardian of the child.")
    if person.kind == PickupPerson.Kind.PROXY:
        if has_agreement is None:
            has_agreement = person.pk in agreement_person_ids([person])
        if not person.agreement_signed or not has_agreement:
            return False, Reason.NO_AGREEMENT, str(Reason.NO_AGREEMENT.label)
    if (person.valid_from and day < person.valid_from) or (person.valid_until and day > person.valid_until):
        return (
            False,
            Reason.EXPIRED,
            _("Authorised from %(start)s to %(end)s.")
            % {
                "start": person.valid_from or "…",
                "end": person.valid_until or "…",
            },
        )
    return True, "", ""


def released_today(campus, day=None):
    """Non-voided releases of the campus on the local day."""
    start, end = day_bounds(day or timezone.localdate())
    return PickupRelease.objects.filter(
        campus=campus,
        outcome=PickupRelease.Outcome.RELEASED,
        voided_at__isnull=True,
        released_at__gte=start,
        released_at__lt=end,
    )


def _notify_refusal(release, actor):
    child = release.child
    campus = child.campus
    url = campus_url(campus, "safety:release_detail", pk=release.pk)
    title = _("Pickup refused: %(child)s — %(person)s") % {"child": child.name, "person": release.person_name}
    body = _("%(reason)s. Recorded by %(actor)s at the gate.") % {
        "reason": release.get_reason_display(),
        "actor": actor or _("the system"),
    }
    teacher = child.school_class.head_teacher if child.school_class_id else None
    recipients = list(
        notifications.users_with_roles(campus, PICKUP_LEADERS, exclude=[actor] if actor else ())
    )
    if teacher is not None and teacher.pk != getattr(actor, "pk", None):
        recipients.append(teacher)
    notifications.notify(
        campus=campus, recipients=recipients, title=title, body=body, url=url, level="danger",
        event="safety.pickup_refused",
    )  # fmt: skip


@transaction.atomic
def pickup_release(*, actor, child, person=None, card_no="", person_name="", relation="", note="", at=None):
    """Release ``child`` to ``person`` — or log the refused attempt when they are not authorised.

    Refused (and logged, with the class teacher and the leaders notified): an unknown
    person (``person`` None, ``person_name`` given), a person of another child (a card of
    another child), a withdrawn authorisation, a proxy without a valid agreement. Returns
    the :class:`PickupRelease` row; check its ``outcome``.
    """
    from houqin.core.models import Child

    at = at or timezone.now()
    day = timezone.localtime(at).date()
    if child.status != Child.Status.ENROLLED:
        raise ValidationError(_("%(child)s is not enrolled.") % {"child": child.name})
    reason = ""
    if person is None:
        reason = PickupRelease.Reason.NOT_AUTHORISED
        person_name = (person_name or "").strip()
        if not person_name:
            raise ValidationError({"person_name": _("Enter the name of the person collecting the child.")})
    else:
        if person.campus_id != child.campus_id:
            raise ValidationError(_("This pickup person belongs to another campus."))
        person_name = person.name
        relation = relation or person.relation
        if person.child_id != child.pk:
            reason = PickupRelease.Reason.OTHER_CHILD if card_no else PickupRelease.Reason.NOT_AUTHORISED
        else:
            ok, reason, _message = authorisation(person, day=day)
    if not reason:
        previous = released_today(child.campus, day).filter(child=child).select_related("released_by").first()
        if previous is not None:
            raise ValidationError(
                _("%(child)s was already released today at %(time)s to %(person)s.")
                % {
                    "child": child.name,
                    "time": timezone.localtime(previous.released_at).strftime("%H:%M"),
                    "person": previous.person_name,
                }
            )
    release = PickupRelease(
        campus_id=child.campus_id,
        child=child,
        person=person,
        person_name=person_name[:40],
        relation=(relation or "")[:20],
        card_no=(card_no or "").strip()[:40],
        outcome=PickupRelease.Outcome.REFUSED if reason else PickupRelease.Outcome.RELEASED,
        reason=reason,
        note=(note or "").strip()[:200],
        released_at=at,
        released_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    object_save(actor=actor, instance=release, action="refuse" if reason else "release")
    if reason:
        _notify_refusal(release, actor)
    return release


def find_card(campus, card_no):
    card_no = (card_no or "").strip()
    if not card_no:
        return None
    return (
        PickupPerson.objects.filter(campus=campus, card_no=card_no)
        .select_related("child__school_class", "guardian")
        .first()
    )


@transaction.atomic
def pickup_release_by_card(*, actor, campus, card_no, child=None, at=None):
    """Release by pickup card. With ``child`` (the guard searched the child first) a card of
    another child is refused; without it the card names its child. An unknown card with no
    child chosen changes nothing and raises ValidationError."""
    card_no = (card_no or "").strip()
    if not card_no:
        raise ValidationError({"card_no": _("Scan or type the pickup card number.")})
    person = find_card(campus, card_no)
    if person is None:
        if child is None:
            raise ValidationError(
                {"card_no": _("No pickup card has the number %(card)s.") % {"card": card_no}}
            )
        release = PickupRelease(
            campus_id=campus.pk,
            child=child,
            person_name=_("Holder of card %(card)s") % {"card": card_no},
            card_no=card_no,
            outcome=PickupRelease.Outcome.REFUSED,
            reason=PickupRelease.Reason.UNKNOWN_CARD,
            released_at=at or timezone.now(),
            released_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        object_save(actor=actor, instance=release, action="refuse")
        _notify_refusal(release, actor)
        return release
    return pickup_release(actor=actor, child=child or person.child, person=person, card_no=card_no, at=at)


@transaction.atomic
def pickup_release_void(*, actor, release, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"void_reason": _("Give the reason for voiding the entry.")})
    fresh = lock_for_update(release)
    if fresh.is_voided:
        raise ValidationError(_("This entry has already been voided."))
    before = audit.snapshot(fresh)
    fresh.voided_at = timezone.now()
    fresh.voided_by = actor if getattr(actor, "is_authenticated", False) else None
    fresh.void_reason = reason[:200]
    object_save(actor=actor, instance=fresh, before=before, action="void", message=reason)
    _refresh(release, fresh)
    return release


# --- Children on campus -------------------------------------------------------------------

_presence_providers = []


def register_presence_provider(func):
    """``func(campus, day) -> Child queryset``: the children present that day.

    A later attendance module registers one; until then every enrolled child counts as
    present. The last registered provider wins.
    """
    if func not in _presence_providers:
        _presence_providers.append(func)
    return func


def present_children(campus, day):
    """Children on campus on ``day``: the registered provider's answer, else every enrolled
    child on a school day of the campus calendar (nobody on other days)."""
    from houqin.core.models import Child

    if _presence_providers:
        return _presence_providers[-1](campus, day)
    if not is_school_day(campus, day):
        return Child.objects.none()
    return Child.objects.filter(campus=campus, status=Child.Status.ENROLLED)


def children_still_on_campus(campus, day=None):
    """Present children not (validly) released on ``day``."""
    day = day or timezone.localdate()
    return present_children(campus, day).exclude(pk__in=released_today(campus, day).values("child_id"))


# --- Periodic jobs (houqin tick) ----------------------------------------------------------


def _active_campuses():
    from houqin.core.models import Campus

    return Campus.objects.filter(is_active=True).select_related("organization").order_by("pk")


def flag_visitors_after_closing(now=None) -> str:
    """Flag visitors still on campus after closing time and tell the guards and the duty
    administrator — once per visitor (``flagged_at``)."""
    now = now or timezone.now()
    flagged = 0
    for campus in _active_campuses():
        closing = closing_datetime(campus, _now_local(now).date())
        if now < closing:
            continue
        with transaction.atomic():
            rows = list(
                visitors_on_campus(campus)
                .filter(flagged_at__isnull=True, time_in__lt=closing)
                .select_for_update()
                .order_by("time_in")
            )
            if not rows:
                continue
            Visitor.objects.filter(pk__in=[v.pk for v in rows]).update(flagged_at=now)
            names = "、".join(v.name for v in rows[:20])
            audit.record(
                actor=None,
                action="visitors_after_closing",
                campus=campus,
                after={"visitors": [v.pk for v in rows]},
                message=names,
            )
            notifications.notify_roles(
                campus=campus,
                roles=[Role.GUARD, Role.DUTY_ADMIN],
                title=_("%(n)s visitor(s) still on campus after closing time") % {"n": len(rows)},
                body=names,
                url=campus_url(campus, "safety:visitor_onsite"),
                level="warning",
                event="safety.visitors_after_closing",
            )
            flagged += len(rows)
    return f"visitors after closing: {flagged} flagged"


def flag_children_after_closing(now=None) -> str:
    """Flag children still on campus after closing time on a school day, once per child and
    day; their class teachers, the guards and the duty administrator are told."""
    now = now or timezone.now()
    day = _now_local(now).date()
    flagged = 0
    for campus in _active_campuses():
        if now < closing_datetime(campus, day) or not is_school_day(campus, day):
            continue
        with transaction.atomic():
            already = LateChildFlag.objects.filter(campus=campus, day=day).values("child_id")
            children = list(
                children_still_on_campus(campus, day)
                .exclude(pk__in=already)
                .select_related("school_class__head_teacher")
                .order_by("school_class__sort_order", "name")
            )
            if not children:
                continue
            LateChildFlag.objects.bulk_create(
                [LateChildFlag(campus=campus, day=day, child=c, flagged_at=now) for c in children],
                ignore_conflicts=True,
            )
            audit.record(
                actor=None,
                action="children_after_closing",
                campus=campus,
                after={"day": day.isoformat(), "children": [c.pk for c in children]},
                message="、".join(c.name for c in children[:20]),
            )
            url = campus_url(campus, "safety:pickup_release")
            by_teacher = {}
            for child in children:
                teacher = child.school_class.head_teacher if child.school_class_id else None
                if teacher is not None:
                    by_teacher.setdefault(teacher, []).append(child)
            for teacher, kids in by_teacher.items():
                notifications.notify(
                    campus=campus,
                    recipients=[teacher],
                    title=_("%(n)s child(ren) of your class still on campus after closing time")
                    % {"n": len(kids)},
                    body="、".join(c.name for c in kids),
                    url=url,
                    level="warning",
                    event="safety.children_after_closing",
                    webhook=False,
                )
            notifications.notify_roles(
                campus=campus,
                roles=[Role.GUARD, Role.DUTY_ADMIN],
                title=_("%(n)s child(ren) still on campus after closing time") % {"n": len(children)},
                body="、".join(c.name for c in children[:30]),
                url=url,
                level="warning",
                event="safety.children_after_closing",
            )
            flagged += len(children)
    return f"children after closing: {flagged} flagged"


# --- Dashboard cards ----------------------------------------------------------------------

CARD_ITEMS = 5


def visitors_on_campus_card(request):
    """Visitors on campus now (3 queries; danger after closing time)."""
    from houqin.core.dashboard import Attention

    qs = visitors_on_campus(request.campus)
    count = qs.count()
    if not count:
        return []
    waiting = qs.filter(status=Visitor.Status.WAITING).count()
    late = is_after_closing(request.campus)
    items = [
        (
            f"{timezone.localtime(v.time_in):%H:%M} {v.name}"
            + (f" · {v.organization}" if v.organization else ""),
            campus_url(request.campus, "safety:visitor_detail", pk=v.pk),
        )
        for v in qs.order_by("time_in")[:CARD_ITEMS]
    ]
    detail = _("%(n)s waiting for the host's confirmation") % {"n": waiting} if waiting else ""
    if late:
        detail = (_("After closing time.") + " " + detail).strip()
    return [
        Attention(
            title=_("Visitors on campus now"),
            count=count,
            url=campus_url(request.campus, "safety:visitor_onsite"),
            level="danger" if late else "info",
            detail=detail,
            items=items,
        )
    ]


def my_visitors_card(request):
    """Visitors waiting for the user's confirmation as their host (2 queries)."""
    from houqin.core.dashboard import Attention

    qs = Visitor.objects.filter(
        campus=request.campus, host=request.user, status=Visitor.Status.WAITING, voided_at__isnull=True
    )
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{v.name}" + (f" · {v.organization}" if v.organization else ""),
         campus_url(request.campus, "safety:visitor_confirm", pk=v.pk))
        for v in qs.order_by("time_in")[:CARD_ITEMS]
    ]  # fmt: skip
    return [
        Attention(
            title=_("Visitors waiting for your confirmation"),
            count=count,
            url=items[0][1] if count == 1 else "",
            level="warning",
            items=items,
        )
    ]


def children_after_closing_card(request):
    """Children not released after closing time on a school day (a few queries, fixed)."""
    from houqin.core.dashboard import Attention

    campus = request.campus
    today = timezone.localdate()
    if not is_after_closing(campus) or not is_school_day(campus, today):
        return []
    qs = children_still_on_campus(campus, today)
    count = qs.count()
    if not count:
        return []
    items = [
        (f"{c.name} · {c.school_class.name if c.school_class_id else ''}",
         campus_url(campus, "safety:pickup_release") + f"?child={c.pk}")
        for c in qs.select_related("school_class").order_by("school_class__sort_order", "name")[:CARD_ITEMS]
    ]  # fmt: skip
    return [
        Attention(
            title=_("Children still on campus after closing time"),
            count=count,
            url=campus_url(campus, "safety:pickup_release") + "?still=1",
            level="danger",
            items=items,
        )
    ]
