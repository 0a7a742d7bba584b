"""Pages of the daily area: Attendance, morning and midday checks, all-day observation
(出勤、晨午检、全日观察).

* ``attendance/`` — the campus's roll calls of a day (which classes have taken attendance);
  ``attendance/class/<id>/?date=`` the phone quick-entry page (everyone present, tap the
  exceptions); ``attendance/rolls/`` the roll-call ledger with each roll call's history;
  ``attendance/export/?month=`` the month register as .xlsx.
* ``absences/`` — sick-absence follow-ups (因病缺勤追踪) and the page to complete one.
* ``checks/`` — morning/midday checks per class (quick entry, exceptions only), the
  exception ledger, an exception's page (leaving, void).
* ``observations/`` — all-day observation notes (per class quick add, ledger).
* ``daily/`` — the class and campus daily summary, with its A4 print.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core import audit
from houqin.core.links import request_url
from houqin.core.models import SchoolClass
from houqin.core.permissions import campus_view, has_perm
from houqin.core.views.generic import CampusViewMixin, Column, ObjectDetailView, ObjectListView
from houqin.health import daily_services as services
from houqin.health.daily_forms import (
    AttendanceFilter,
    CheckFilter,
    FollowUpFilter,
    FollowUpForm,
    LeavingForm,
    ObservationFilter,
    ObservationForm,
    VoidForm,
)
from houqin.health.models import (
    CHECK_FINDINGS,
    AbsenceFollowUp,
    AttendanceRecord,
    ClassAttendance,
    ClassCheck,
    HealthCheck,
    ObservationNote,
)

VIEW_ATTENDANCE = "health.view_attendance"
TAKE = "health.take_attendance"
FOLLOW_UP = "health.follow_up_absences"
VIEW_CHECKS = "health.view_checks"
DO_CHECKS = "health.do_checks"
MANAGE_CHECKS = "health.manage_checks"

REASON_COLOURS = {"sick": "red", "personal": "azure", "other": "secondary"}
STATUS_COLOURS = {"open": "orange", "done": "green", "cancelled": "secondary"}
OUTCOME_COLOURS = {"none": "secondary", "observe": "yellow", "isolate": "orange", "sent_home": "red"}


def badge(colour, label, value=""):
    return format_html('<span class="badge bg-{}-lt" data-status="{}">{}</span>', colour, value, label)


def error_text(exc):
    return " ".join(str(m) for m in exc.messages)


def parse_day(value, default=None):
    """A date from ``YYYY-MM-DD`` or ``default`` (today)."""
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return default or timezone.localdate()


def request_day(request):
    return parse_day(request.POST.get("date") or request.GET.get("date"))


def _class(pk):
    return get_object_or_404(SchoolClass.objects.filter(is_active=True), pk=pk)


def _day_context(request, day):
    today = timezone.localdate()
    return {
        "day": day,
        "today": today,
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1) if day < today else None,
        "is_future": day > today,
        "is_school_day": services.is_school_day(request.campus, day),
    }


def _url(request, name, day=None, **kwargs):
    url = request_url(request, name, **kwargs)
    return f"{url}?date={day:%Y-%m-%d}" if day else url


# --- Attendance -----------------------------------------------------------------------------------


@campus_view(VIEW_ATTENDANCE)
def attendance_overview(request, campus):
    """Today's (or a day's) roll calls of the campus: which classes have taken attendance."""
    day = request_day(request)
    rows = services.attendance_overview(request.campus, day)
    mine = [r for r in rows if r["head_teacher_id"] == request.user.pk]
    others = [r for r in rows if r["head_teacher_id"] != request.user.pk]
    taken = [r for r in rows if r["taken"]]
    due = services.attendance_due_time(request.campus)
    late = day == timezone.localdate() and timezone.localtime().time() >= due
    return render(request, "health/daily_attendance_overview.html", {
        **_day_context(request, day),
        "title": _("Attendance (出勤)"),
        "rows": mine + others,
        "mine_count": len(mine),
        "taken_count": len(taken),
        "enrolled": sum(r["enrolled"] for r in rows),
        "present": sum(r["present"] for r in taken),
        "absent": sum(r["absent"] for r in taken),
        "sick": sum(r["sick"] for r in taken),
        "due": due,
        "late": late,
        "can_take": has_perm(request, TAKE),
        "can_check": has_perm(request, DO_CHECKS),
    })  # fmt: skip


def _attendance_rows(roster, posted=None):
    rows = []
    for child, record in roster:
        if posted is not None:
            entry = posted.get(child.pk)
            absent, reason, note = bool(entry), (entry or {}).get("reason", ""), (entry or {}).get("note", "")
        else:
            absent = record is not None and record.status == AttendanceRecord.Status.ABSENT
            reason = record.absence_reason if absent else ""
            note = record.absence_note if absent else ""
        rows.append({"child": child, "absent": absent, "reason": reason, "note": note})
    return rows


def _posted_absences(post):
    absences = {}
    for key in post:
        if key.startswith("a_") and key[2:].isdigit():
            cid = int(key[2:])
            absences[cid] = {"reason": post.get(f"r_{cid}", ""), "note": post.get(f"n_{cid}", "")}
    return absences


@campus_view(TAKE)
def attendance_take(request, campus, class_pk):
    """The class teacher's roll call on a phone: everyone present, tap the absent ones."""
    school_class = _class(class_pk)
    day = request_day(request)
    errors, posted = [], None
    if request.method == "POST":
        posted = _posted_absences(request.POST)
        try:
            roll = services.attendance_take(
                actor=request.user, school_class=school_class, date=day, absences=posted,
                note=request.POST.get("note", ""),
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("Attendance of %(class)s saved: %(present)s present, %(absent)s absent (%(sick)s sick).")
                % {"class": school_class.name, "present": roll.present_count, "absent": roll.absent_count,
                   "sick": roll.sick_count},
            )  # fmt: skip
            return HttpResponseRedirect(
                _url(request, "health:daily_attendance_take", day, class_pk=school_class.pk)
            )
    roll, roster = services.attendance_roster(school_class, day)
    rows = _attendance_rows(roster, posted)
    absent = sum(1 for r in rows if r["absent"])
    return render(request, "health/daily_attendance_take.html", {
        **_day_context(request, day),
        "title": _("Attendance: %(class)s") % {"class": school_class.name},
        "school_class": school_class,
        "roll": roll,
        "rows": rows,
        "absent_count": absent,
        "present_count": len(rows) - absent,
        "reasons": AttendanceRecord.AbsenceReason.choices,
        "errors": errors,
        "note": request.POST.get("note", "") if posted is not None else (roll.note if roll else ""),
        "can_check": has_perm(request, DO_CHECKS),
    }, status=400 if errors else 200)  # fmt: skip


def _taken_by(roll):
    if roll.taken_at is None:
        return None
    return f"{roll.taken_by or ''} {timezone.localtime(roll.taken_at):%H:%M}".strip()


class AttendanceListView(ObjectListView):
    """The roll-call ledger (one row per class and day)."""

    model = ClassAttendance
    permission_required = VIEW_ATTENDANCE
    url_base = "health:daily_attendance"
    title = gettext_lazy("Roll calls")
    filterset_class = AttendanceFilter
    select_related = ("school_class", "taken_by")
    ordering = ("-date", "school_class__sort_order", "school_class__name")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Present"), "present_count"),
        Column(gettext_lazy("Absent"), "absent_count"),
        Column(gettext_lazy("Absent sick"), "sick_count"),
        Column(gettext_lazy("Taken by"), _taken_by),
        Column(gettext_lazy("Note"), "note"),
    ]


class AttendanceDetailView(ObjectDetailView):
    """A roll call with its absences and its history (every correction)."""

    model = ClassAttendance
    permission_required = VIEW_ATTENDANCE
    url_base = "health:daily_attendance"
    template_name = "health/daily_attendance_detail.html"
    attachments = False
    fields = (
        "school_class",
        "date",
        "present_count",
        "absent_count",
        "sick_count",
        "taken_by",
        "taken_at",
        "note",
    )

    def get_queryset(self):
        return ClassAttendance.objects.select_related("school_class", "taken_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        roll = self.object
        ctx["absences"] = list(
            AttendanceRecord.objects.filter(roll=roll, status=AttendanceRecord.Status.ABSENT)
            .select_related("child", "follow_up")
            .order_by("child__name")
        )
        ctx["take_url"] = (
            _url(self.request, "health:daily_attendance_take", roll.date, class_pk=roll.school_class_id)
            if has_perm(self.request, TAKE)
            else None
        )
        return ctx


@campus_view(VIEW_ATTENDANCE)
def attendance_export(request, campus):
    """The month's attendance register (幼儿出勤登记表) as .xlsx: one row per child, one
    column per school day (√ present, 病/事/其 absent), totals."""
    from houqin.core.exports import xlsx_response

    if not has_perm(request, "core.export"):
        raise PermissionDenied
    try:
        year, month = (int(x) for x in str(request.GET.get("month", "")).split("-")[:2])
        dt.date(year, month, 1)
    except (TypeError, ValueError):
        today = timezone.localdate()
        year, month = today.year, today.month
    school_class = None
    if request.GET.get("class"):
        school_class = get_object_or_404(SchoolClass.objects.all(), pk=request.GET["class"])
    data = services.month_matrix(request.campus, year, month, school_class)
    columns = [
        (_("Class"), lambda r: r["class"].name),
        (_("Child"), lambda r: r["child"].name),
    ]
    for day in data["days"]:
        columns.append((f"{day.day}", lambda r, d=day: r["marks"].get(d, "")))
    columns += [
        (_("Days present"), lambda r: r["present"]),
        (_("Sick leave"), lambda r: r["sick"]),
        (_("Personal leave"), lambda r: r["personal"]),
        (_("Other absence"), lambda r: r["other"]),
        (_("Attendance rate %"), lambda r: round(100 * r["present"] / max(1, len(r["marks"])), 1)),
    ]
    label = f"{year}-{month:02d}"
    what = school_class.name if school_class else request.campus.display_name
    return xlsx_response(
        filename=f"{_('Attendance')}-{what}-{label}.xlsx",
        title=f"{_('Attendance')} {label}",
        columns=columns,
        rows=data["rows"],
    )


# --- Follow-ups ---------------------------------------------------------------------------------


def _followup_status(f):
    label = badge(STATUS_COLOURS.get(f.status, "secondary"), f.get_status_display(), f.status)
    return label


class FollowUpListView(ObjectListView):
    model = AbsenceFollowUp
    permission_required = VIEW_ATTENDANCE
    url_base = "health:daily_followup"
    title = gettext_lazy("Sick-absence follow-up (因病缺勤追踪)")
    filterset_class = FollowUpFilter
    search_fields = ("child__name",)
    pinyin_field = "child__name_pinyin"
    select_related = ("child", "school_class", "completed_by")
    ordering = ("-date", "school_class__sort_order", "child__name")
    columns = [
        Column(gettext_lazy("Day of absence"), "date", link=True),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column(gettext_lazy("Status"), _followup_status, export=False),
        Column(gettext_lazy("Symptoms"), "symptoms"),
        Column(gettext_lazy("Diagnosis"), "diagnosis"),
        Column(gettext_lazy("Infectious suspected"), "infectious_suspected"),
        Column(gettext_lazy("Expected back on"), "expected_return"),
        Column(gettext_lazy("Contacted whom"), "contacted_person"),
        Column(gettext_lazy("Followed up by"), "completed_by"),
    ]
    export_columns = [c for c in columns if c.export] + [Column(gettext_lazy("Status"), "get_status_display")]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        due = services.followup_due_time(self.request.campus)
        for row in ctx["rows"]:
            if row["obj"].is_overdue_at(now, due):
                row["cells"][3] = (row["cells"][3][0], format_html(
                    '{} <span class="badge bg-red" data-overdue="1">{}</span>', row["cells"][3][1], _("overdue")
                ))  # fmt: skip
        return ctx


class FollowUpDetailView(CampusViewMixin, TemplateView):
    """One sick absence: the follow-up form, the link to record an infectious disease case,
    the child's previous follow-up and the history."""

    permission_required = VIEW_ATTENDANCE
    write_permission = FOLLOW_UP
    template_name = "health/daily_followup_detail.html"

    def get_object(self):
        return get_object_or_404(
            AbsenceFollowUp.objects.select_related("child", "school_class", "completed_by", "record"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(form=self._form()))

    def _form(self, data=None):
        f = self.object
        previous = None if f.status == AbsenceFollowUp.Status.DONE else services.previous_followup(f)
        source = f if f.status == AbsenceFollowUp.Status.DONE else previous
        initial = {}
        if source is not None:
            initial = {n: getattr(source, n) for n in ("symptoms", "diagnosis", "infectious_suspected",
                                                         "expected_return", "contacted_person", "contact_method")}  # fmt: skip
            if f.status == AbsenceFollowUp.Status.DONE:
                initial["note"] = f.note
                initial["contacted_at"] = (
                    timezone.localtime(f.contacted_at).time() if f.contacted_at else None
                )
            elif initial.get("expected_return") and initial["expected_return"] < f.date:
                initial["expected_return"] = None
        elif f.symptoms:
            initial["symptoms"] = f.symptoms
        self.previous = previous
        return FollowUpForm(data, campus=self.request.campus, followup=f, initial=initial)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.followup_complete(actor=request.user, followup=self.object, data=form.service_data())
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errs in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errs)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Follow-up saved."))
                return HttpResponseRedirect(
                    request_url(request, "health:daily_followup_detail", pk=self.object.pk)
                )
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_title(self):
        return _("Sick absence: %(child)s, %(day)s") % {
            "child": self.object.child.name,
            "day": self.object.date,
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        f = self.object
        now = timezone.now()
        ctx.update({
            "object": f,
            "overdue": f.is_overdue_at(now, services.followup_due_time(self.request.campus)),
            "previous": getattr(self, "previous", None),
            "case_url": services.case_create_url(self.request.campus, f.child_id, f.date),
            "can_case": has_perm(self.request, "health.manage_disease"),
            "history": audit.history_for(f)[:50],
            "can_follow_up": has_perm(self.request, FOLLOW_UP) and f.status != AbsenceFollowUp.Status.CANCELLED,
            "status_badge": _followup_status(f),
            "list_url": request_url(self.request, "health:daily_followup_list"),
        })  # fmt: skip
        return ctx


# --- Checks ---------------------------------------------------------------------------------------


@campus_view(VIEW_CHECKS)
def check_overview(request, campus):
    """A day's morning and midday checks per class (done or not, exceptions)."""
    day = request_day(request)
    classes = list(
        SchoolClass.objects.filter(is_active=True)
        .select_related("head_teacher")
        .order_by("sort_order", "name")
    )
    checks = {
        (c.school_class_id, c.session): c
        for c in ClassCheck.objects.filter(date=day).select_related("checked_by")
    }
    rolls = {r.school_class_id: r for r in ClassAttendance.objects.filter(date=day)}
    rows = []
    for cls in classes:
        rows.append({
            "class": cls,
            "roll": rolls.get(cls.pk),
            "morning": checks.get((cls.pk, ClassCheck.Session.MORNING)),
            "midday": checks.get((cls.pk, ClassCheck.Session.MIDDAY)),
            "mine": cls.head_teacher_id == request.user.pk,
        })  # fmt: skip
    rows.sort(key=lambda r: not r["mine"])
    return render(request, "health/daily_check_overview.html", {
        **_day_context(request, day),
        "title": _("Morning and midday checks (晨午检)"),
        "rows": rows,
        "can_check": has_perm(request, DO_CHECKS),
        "threshold": services.fever_threshold(request.campus),
    })  # fmt: skip


def _posted_exceptions(post):
    """``{child_id: entry}`` for the rows ticked as exceptions (``x_<id>``)."""
    out = {}
    for key in post:
        if not (key.startswith("x_") and key[2:].isdigit()):
            continue
        cid = int(key[2:])
        entry = {
            "temperature": post.get(f"t_{cid}", ""),
            "tag": post.get(f"g_{cid}", ""),
            "symptoms": post.get(f"s_{cid}", ""),
            "outcome": post.get(f"o_{cid}", "none") or "none",
            "action_note": post.get(f"an_{cid}", ""),
            "informed_person": post.get(f"ip_{cid}", ""),
            "informed_how": post.get(f"ih_{cid}", ""),
            "informed_at": post.get(f"ia_{cid}", ""),
            "left_at": post.get(f"la_{cid}", ""),
            "collected_by": post.get(f"cb_{cid}", ""),
        }
        for name, _step, _label in CHECK_FINDINGS:
            entry[name] = bool(post.get(f"f_{cid}_{name}"))
        out[cid] = entry
    return out


def _hm(value):
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def _entry_of(check):
    entry = {name: getattr(check, name) for name, _s, _l in CHECK_FINDINGS}
    entry.update({
        "temperature": "" if check.temperature is None else str(check.temperature),
        "tag": check.tag, "symptoms": check.symptoms, "outcome": check.outcome, "action_note": check.action_note,
        "informed_person": check.informed_person, "informed_how": check.informed_how,
        "informed_at": _hm(check.informed_at), "left_at": _hm(check.left_at), "collected_by": check.collected_by,
        "fever": check.fever, "pk": check.pk,
    })  # fmt: skip
    return entry


@campus_view(DO_CHECKS)
def check_take(request, campus, class_pk, session):
    """Morning or midday check of a class on a phone: everyone normal, tap the exceptions."""
    if session not in ClassCheck.Session.values:
        raise Http404
    school_class = _class(class_pk)
    day = request_day(request)
    errors, posted = [], None
    if request.method == "POST":
        posted = _posted_exceptions(request.POST)
        try:
            roll = services.check_take(
                actor=request.user, school_class=school_class, date=day, session=session, exceptions=posted,
                note=request.POST.get("note", ""),
            )  # fmt: skip
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied as exc:
            errors = [str(exc) or _("You do not have permission to do this.")]
        else:
            messages.success(
                request,
                _("%(check)s of %(class)s saved: %(n)s children checked, %(x)s exceptions.")
                % {"check": roll.get_session_display(), "class": school_class.name, "n": roll.checked_count,
                   "x": roll.exception_count},
            )  # fmt: skip
            return HttpResponseRedirect(
                _url(request, "health:daily_check_take", day, class_pk=school_class.pk, session=session)
            )
    roll, roster, absent, gone = services.check_roster(school_class, day, session)
    tags = services.health_tags(request.campus)
    rows = []
    for child, check in roster:
        if posted is not None:
            entry = posted.get(child.pk)
        else:
            entry = _entry_of(check) if check is not None else None
        entry = entry or {}
        findings = [(name, label, bool(entry.get(name))) for name, _step, label in CHECK_FINDINGS]
        rows.append({"child": child, "entry": entry, "exception": bool(entry), "findings": findings})
    return render(request, "health/daily_check_take.html", {
        **_day_context(request, day),
        "title": _("%(check)s: %(class)s") % {
            "check": ClassCheck.Session(session).label, "class": school_class.name},
        "school_class": school_class,
        "session": session,
        "sessions": ClassCheck.Session.choices,
        "roll": roll,
        "rows": rows,
        "absent": absent,
        "gone": gone,
        "tags": [(key, label, services.tag_css(key)) for key, label in tags],
        "default_tag": tags[0][0] if tags else "",
        "findings": CHECK_FINDINGS,
        "outcomes": HealthCheck.Outcome.choices,
        "methods": HealthCheck.ContactMethod.choices,
        "threshold": services.fever_threshold(request.campus),
        "errors": errors,
        "note": request.POST.get("note", "") if posted is not None else (roll.note if roll else ""),
        "can_manage": has_perm(request, MANAGE_CHECKS),
    }, status=400 if errors else 200)  # fmt: skip


def _outcome_badge(h):
    return badge(OUTCOME_COLOURS.get(h.outcome, "secondary"), h.get_outcome_display(), h.outcome)


def _temperature(h):
    if h.temperature is None:
        return None
    if h.fever:
        return format_html('<span class="text-danger fw-bold" data-fever="1">{} °C</span>', h.temperature)
    return f"{h.temperature} °C"


def _findings(h):
    return "、".join(str(label) for label in h.findings())


def _informed(h):
    if not h.informed_person:
        return None
    return f"{h.informed_person} · {h.get_informed_how_display()} {_hm(h.informed_at)}".strip()


def _left(h):
    if not h.left_at:
        return None
    return f"{_hm(h.left_at)} {h.collected_by}".strip()


class CheckListView(ObjectListView):
    """The ledger of check exceptions (fever, findings, tags, observation, isolation, sent home)."""

    model = HealthCheck
    permission_required = VIEW_CHECKS
    url_base = "health:daily_check"
    title = gettext_lazy("Check exceptions")
    filterset_class = CheckFilter
    search_fields = ("child__name",)
    pinyin_field = "child__name_pinyin"
    select_related = ("child", "school_class", "checked_by")
    ordering = ("-date", "session", "school_class__sort_order", "child__name")
    columns = [
        Column(gettext_lazy("Date"), "date", link=True),
        Column(gettext_lazy("Check"), "get_session_display"),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column(gettext_lazy("Temperature"), _temperature),
        Column(gettext_lazy("Health tag"), "tag"),
        Column(gettext_lazy("Findings"), _findings),
        Column(gettext_lazy("What was found"), "symptoms"),
        Column(gettext_lazy("Action"), _outcome_badge, export=False),
        Column(gettext_lazy("Parent informed"), _informed),
        Column(gettext_lazy("Left"), _left),
    ]
    export_columns = [c for c in columns if c.export] + [
        Column(gettext_lazy("Action"), "get_outcome_display"),
        Column(gettext_lazy("Voided"), "void_reason"),
    ]

    def filter_queryset(self, qs):
        if self.request.GET.get("voided") != "1":
            qs = qs.filter(voided_at__isnull=True)
        else:
            qs = qs.filter(voided_at__isnull=False)
        return super().filter_queryset(qs)


class CheckDetailView(ObjectDetailView):
    model = HealthCheck
    permission_required = VIEW_CHECKS
    url_base = "health:daily_check"
    template_name = "health/daily_check_detail.html"
    attachments = False

    def get_queryset(self):
        return HealthCheck.objects.select_related("child", "school_class", "checked_by", "voided_by", "roll")

    def detail_fields(self):
        h = self.object
        fields = [
            (_("Child"), f"{h.child.name} · {h.school_class.name}"),
            (_("Check"), f"{h.date} {h.get_session_display()}"),
            (_("Temperature"), _temperature(h)),
            (_("Health tag"), services.tag_label(services.health_tags(self.request.campus), h.tag)),
            (_("Findings"), _findings(h)),
            (_("What was found"), h.symptoms),
            (_("Action"), _outcome_badge(h)),
            (_("Action taken"), h.action_note),
            (_("Parent informed"), _informed(h)),
            (_("Left"), _left(h)),
            (_("Checked by"), f"{h.checked_by or ''} {_hm(h.checked_at)}".strip()),
        ]
        if h.voided_at:
            fields.append((_("Voided"), f"{h.voided_by or ''} {_hm(h.voided_at)} · {h.void_reason}"))
        return fields

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        h = self.object
        ctx["can_leave"] = (
            has_perm(self.request, MANAGE_CHECKS)
            and h.outcome == HealthCheck.Outcome.SENT_HOME
            and not h.voided_at
        )
        ctx["can_void"] = has_perm(self.request, DO_CHECKS) and not h.voided_at
        ctx["leaving_form"] = kwargs.get("leaving_form") or LeavingForm(
            campus=self.request.campus, initial={"collected_by": h.informed_person}
        )
        ctx["void_form"] = kwargs.get("void_form") or VoidForm(campus=self.request.campus)
        ctx["class_url"] = _url(
            self.request, "health:daily_check_take", h.date, class_pk=h.school_class_id, session=h.session
        )
        return ctx


def _check(pk):
    return get_object_or_404(HealthCheck.objects.select_related("child", "roll"), pk=pk)


@campus_view(MANAGE_CHECKS)
@require_POST
def check_leaving(request, campus, pk):
    """Record that a child sent home was collected (when, by whom)."""
    check = _check(pk)
    form = LeavingForm(request.POST, campus=request.campus)
    if form.is_valid():
        left = form.cleaned_data["left_at"]
        try:
            services.check_record_leaving(
                actor=request.user, check=check,
                left_at=timezone.make_aware(dt.datetime.combine(check.date, left)) if left else None,
                collected_by=form.cleaned_data["collected_by"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(
                request, _("%(child)s is recorded as having left.") % {"child": check.child.name}
            )
    else:
        messages.error(request, " ".join(" ".join(e) for e in form.errors.values()))
    return HttpResponseRedirect(request_url(request, "health:daily_check_detail", pk=check.pk))


@campus_view(DO_CHECKS)
@require_POST
def check_void(request, campus, pk):
    check = _check(pk)
    form = VoidForm(request.POST, campus=request.campus)
    if form.is_valid():
        try:
            services.check_void(actor=request.user, check=check, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Voided."))
    else:
        messages.error(request, _("Give a reason."))
    return HttpResponseRedirect(request_url(request, "health:daily_check_detail", pk=check.pk))


# --- Observation ----------------------------------------------------------------------------------


def _observer(n):
    return n.recorded_by


class ObservationListView(ObjectListView):
    model = ObservationNote
    permission_required = VIEW_CHECKS
    url_base = "health:daily_observation"
    title = gettext_lazy("All-day observation (全日观察)")
    filterset_class = ObservationFilter
    search_fields = ("child__name",)
    pinyin_field = "child__name_pinyin"
    select_related = ("child", "school_class", "recorded_by")
    ordering = ("-date", "-observed_at")
    columns = [
        Column(gettext_lazy("Date"), "date"),
        Column(gettext_lazy("Time"), lambda n: _hm(n.observed_at)),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Child"), "child.name"),
        Column(gettext_lazy("About"), "get_aspect_display"),
        Column(gettext_lazy("Abnormal"), "is_abnormal"),
        Column(gettext_lazy("Observation"), "finding"),
        Column(gettext_lazy("Action taken"), "action"),
        Column(gettext_lazy("Recorded by"), _observer),
    ]

    def filter_queryset(self, qs):
        return super().filter_queryset(qs.filter(voided_at__isnull=True))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_actions_url"] = request_url(self.request, "health:daily_check_overview")
        return ctx


class ObservationClassView(CampusViewMixin, TemplateView):
    """A class's observation notes of a day, with the quick form to add one."""

    permission_required = VIEW_CHECKS
    write_permission = DO_CHECKS
    template_name = "health/daily_observation_class.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.day = request_day(request)

    def children(self):
        absent = AttendanceRecord.objects.filter(
            school_class_id=self.school_class.pk, date=self.day, status=AttendanceRecord.Status.ABSENT
        ).values("child_id")
        return services.class_children(self.school_class).exclude(pk__in=absent)

    def get(self, request, *args, **kwargs):
        self.school_class = _class(kwargs["class_pk"])
        form = ObservationForm(campus=request.campus, children=self.children(), initial={"is_abnormal": True})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        self.school_class = _class(kwargs["class_pk"])
        if request.POST.get("void"):
            note = get_object_or_404(
                ObservationNote.objects.filter(school_class=self.school_class), pk=request.POST["void"]
            )
            try:
                services.observation_void(
                    actor=request.user, note=note, reason=request.POST.get("reason", "")
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Voided."))
            return HttpResponseRedirect(self._self_url())
        form = ObservationForm(request.POST, campus=request.campus, children=self.children())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.observation_add(
                    actor=request.user, child=data["child"], date=self.day, aspect=data["aspect"],
                    finding=data["finding"], is_abnormal=data["is_abnormal"], action=data["action"],
                )  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Observation saved: %(child)s.") % {"child": data["child"].name})
                return HttpResponseRedirect(self._self_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def _self_url(self):
        return _url(self.request, "health:daily_observation_class", self.day, class_pk=self.school_class.pk)

    def get_title(self):
        return _("All-day observation: %(class)s") % {"class": self.school_class.name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(_day_context(self.request, self.day))
        ctx["school_class"] = self.school_class
        ctx["notes"] = list(
            ObservationNote.objects.filter(
                school_class=self.school_class, date=self.day, voided_at__isnull=True
            )
            .select_related("child", "recorded_by")
            .order_by("-observed_at")
        )
        ctx["can_write"] = has_perm(self.request, DO_CHECKS)
        return ctx


# --- Daily summary --------------------------------------------------------------------------------


class SummaryView(CampusViewMixin, TemplateView):
    """The class and campus daily summary (attendance, absences by reason, checks,
    exceptions, sent home, observations)."""

    permission_required = VIEW_ATTENDANCE
    template_name = "health/daily_summary.html"
    title = gettext_lazy("Daily health summary")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        day = request_day(self.request)
        school_class = None
        if self.request.GET.get("class"):
            school_class = get_object_or_404(SchoolClass.objects.all(), pk=self.request.GET["class"])
        summary = services.daily_summary(self.request.campus, day, school_class)
        tags = services.health_tags(self.request.campus)
        for h in summary["exceptions"]:
            h.tag_label = services.tag_label(tags, h.tag)
            h.tag_css = services.tag_css(h.tag)
        ctx.update(_day_context(self.request, day))
        ctx.update(summary)
        ctx["school_class"] = school_class
        ctx["classes"] = SchoolClass.objects.filter(is_active=True).order_by("sort_order", "name")
        ctx["can_see_checks"] = has_perm(self.request, VIEW_CHECKS)
        ctx["query"] = f"date={day:%Y-%m-%d}" + (f"&class={school_class.pk}" if school_class else "")
        ctx["month"] = f"{day:%Y-%m}"
        ctx["can_export"] = has_perm(self.request, "core.export")
        if school_class is not None:
            ctx["title"] = _("Daily health summary: %(class)s") % {"class": school_class.name}
        return ctx


class SummaryPrintView(SummaryView):
    template_name = "health/daily_summary_print.html"


urlpatterns = [
    path("attendance/", attendance_overview, name="daily_attendance_overview"),
    path("attendance/class/<int:class_pk>/", attendance_take, name="daily_attendance_take"),
    path("attendance/rolls/", AttendanceListView.as_view(), name="daily_attendance_list"),
    path("attendance/rolls/<int:pk>/", AttendanceDetailView.as_view(), name="daily_attendance_detail"),
    path("attendance/export/", attendance_export, name="daily_attendance_export"),
    path("absences/", FollowUpListView.as_view(), name="daily_followup_list"),
    path("absences/<int:pk>/", FollowUpDetailView.as_view(), name="daily_followup_detail"),
    path("checks/", check_overview, name="daily_check_overview"),
    path("checks/class/<int:class_pk>/<str:session>/", check_take, name="daily_check_take"),
    path("checks/exceptions/", CheckListView.as_view(), name="daily_check_list"),
    path("checks/exceptions/<int:pk>/", CheckDetailView.as_view(), name="daily_check_detail"),
    path("checks/exceptions/<int:pk>/leaving/", check_leaving, name="daily_check_leaving"),
    path("checks/exceptions/<int:pk>/void/", check_void, name="daily_check_void"),
    path("observations/", ObservationListView.as_view(), name="daily_observation_list"),
    path(
        "observations/class/<int:class_pk>/", ObservationClassView.as_view(), name="daily_observation_class"
    ),
    path("daily/", SummaryView.as_view(), name="daily_summary"),
    path("daily/print/", SummaryPrintView.as_view(), name="daily_summary_print"),
]
