"""Gate pages (门卫) under /c/<campus>/safety/: visitors, the watch list, pickup persons,
the release page for the gate and the release log.

Views are thin: they check access (the campus middleware already answered 404 to
outsiders and scoped the request), then call :mod:`houqin.safety.gate_services`.
The visitor log and the release log are regulated ledgers: no edit or delete pages,
corrections by void with a reason. ID numbers are shown masked unless the user holds
``safety.unmask_visitor_identity`` (pages, exports; the audit trail is always masked).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from houqin.core.links import strict_request_url as _url
from houqin.core.models import Child
from houqin.core.permissions import campus_view, has_perm
from houqin.core.pinyin import pinyin_q
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
    crud_urls,
)
from houqin.safety import gate_services as gs
from houqin.safety.gate_forms import (
    PickupPersonFilter,
    PickupPersonForm,
    ReleaseFilter,
    VisitorFilter,
    VisitorForm,
    WatchEntryFilter,
    WatchEntryForm,
    hide_voided,
)
from houqin.safety.models import PickupPerson, PickupRelease, Visitor, WatchEntry

IDENTITY = gs.IDENTITY
VIEW_VISITORS, REGISTER = "safety.view_visitors", "safety.register_visitors"
WATCHLIST = "safety.manage_watchlist"
VIEW_PICKUP, MANAGE_PICKUP, RELEASE = "safety.view_pickup", "safety.manage_pickup", "safety.release_children"

STATUS_COLOURS = {
    "waiting": "yellow",
    "inside": "green",
    "left": "secondary",
    "refused": "red",
    "released": "green",
    "voided": "secondary",
}


def _local(value):
    return timezone.localtime(value) if value is not None and timezone.is_aware(value) else value


def _badge(value, label, struck=False):
    return format_html(
        '<span class="badge bg-{}-lt{}" data-status="{}">{}</span>',
        STATUS_COLOURS.get(value, "secondary"),
        " text-decoration-line-through" if struck else "",
        value,
        label,
    )


def status_cell(obj, value, label):
    if obj.voided_at is not None:
        return format_html("{} {}", _badge(value, label, struck=True), _badge("voided", _("Voided")))
    return _badge(value, label)


def id_for(request, obj):
    """The ID number as this user may see it."""
    return obj.id_number if has_perm(request, IDENTITY) else obj.masked_id_number


def error_text(exc):
    return " ".join(str(m) for m in exc.messages)


def _back(request, fallback):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt.startswith(f"/c/{request.campus.code}/") and "//" not in nxt:
        return nxt
    return fallback


# --- Visitors -----------------------------------------------------------------------------


class VisitorMixin:
    model = Visitor
    url_base = "safety:visitor"
    permission_required = VIEW_VISITORS
    write_permission = REGISTER
    select_related = ("host", "registered_by", "confirmed_by", "signed_out_by", "voided_by", "watch_entry")


def _time(obj, name):
    return _local(getattr(obj, name))


class VisitorListView(VisitorMixin, ObjectListView):
    """The daily visitor log (来访登记簿): today by default, any day or range, search, export."""

    template_name = "safety/gate_visitor_list.html"
    filterset_class = VisitorFilter
    search_fields = ("name", "organization", "badge_no", "vehicle_plate", "phone")
    create_label = gettext_lazy("Register a visitor")
    export_filename = gettext_lazy("Visitor log")
    title = gettext_lazy("Visitor log")
    paginate_by = 50

    @property
    def columns(self):
        return [
            Column(_("Time in"), lambda v: _time(v, "time_in")),
            Column(_("Name"), "name", link=True),
            Column(_("ID number"), lambda v: id_for(self.request, v)),
            Column(_("Organisation"), "organization"),
            Column(_("Kind of visit"), "get_category_display"),
            Column(_("Host"), lambda v: v.host.display_name if v.host_id else ""),
            Column(_("Badge"), "badge_no"),
            Column(_("People"), "people_count"),
            Column(_("Time out"), lambda v: _time(v, "time_out")),
            Column(_("Status"), lambda v: status_cell(v, v.status, v.get_status_display())),
        ]

    @property
    def export_columns(self):
        def user(name):
            return lambda v: getattr(getattr(v, name), "display_name", "") if getattr(v, f"{name}_id") else ""

        return [
            Column(_("Time in"), lambda v: _time(v, "time_in")),
            Column(_("Time out"), lambda v: _time(v, "time_out")),
            Column(_("Name"), "name"),
            Column(_("ID number"), lambda v: id_for(self.request, v)),
            Column(_("Phone"), "phone"),
            Column(_("Organisation"), "organization"),
            Column(_("Kind of visit"), "get_category_display"),
            Column(_("Purpose"), "purpose"),
            Column(_("Host"), user("host")),
            Column(_("Badge"), "badge_no"),
            Column(_("People"), "people_count"),
            Column(_("Vehicle plate"), "vehicle_plate"),
            Column(_("Status"), "get_status_display"),
            Column(_("Entry confirmed by"), user("confirmed_by")),
            Column(_("Confirmation"), "get_confirmation_display"),
            Column(_("Reason for refusal"), "refusal_reason"),
            Column(_("Watch-list match"), lambda v: v.watch_entry.reason if v.watch_entry_id else ""),
            Column(_("Reason for admitting anyway"), "override_reason"),
            Column(_("Registered by"), user("registered_by")),
            Column(_("Signed out by"), user("signed_out_by")),
            Column(_("Voided at"), lambda v: _time(v, "voided_at")),
            Column(_("Void reason"), "void_reason"),
        ]

    def filter_queryset(self, qs):
        if not any(k in self.request.GET for k in ("day", "date_from", "date_to")):
            self.request.GET = self.request.GET.copy()
            self.request.GET["day"] = timezone.localdate().isoformat()
        return super().filter_queryset(hide_voided(self.request, qs))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["onsite_url"] = _url(self.request, "safety:visitor_onsite")
        ctx["can_register"] = has_perm(self.request, REGISTER)
        ctx["watchlist_url"] = (
            _url(self.request, "safety:watchentry_list") if has_perm(self.request, WATCHLIST) else ""
        )
        return ctx


class VisitorOnsiteView(VisitorMixin, ObjectListView):
    """Who is on campus now: registered and not signed out, with a sign-out button each."""

    template_name = "safety/gate_visitor_onsite.html"
    table_template = "safety/gate_visitor_onsite_table.html"
    title = gettext_lazy("Visitors on campus now")
    create_label = gettext_lazy("Register a visitor")
    search_fields = ("name", "organization", "badge_no")
    paginate_by = 50
    columns = [
        Column(gettext_lazy("Time in"), lambda v: _time(v, "time_in")),
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Organisation"), "organization"),
        Column(gettext_lazy("Host"), lambda v: v.host.display_name if v.host_id else ""),
        Column(gettext_lazy("Badge"), "badge_no"),
        Column(gettext_lazy("People"), "people_count"),
    ]

    def get_queryset(self):
        return gs.visitors_on_campus().select_related(*self.select_related).order_by("time_in", "id")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_register"] = has_perm(self.request, REGISTER)
        ctx["create_url"] = _url(self.request, "safety:visitor_create") if ctx["can_register"] else None
        ctx["after_closing"] = gs.is_after_closing(self.request.campus)
        ctx["log_url"] = _url(self.request, "safety:visitor_list")
        return ctx


class VisitorCreateView(CampusViewMixin, TemplateView):
    """The guard's registration form (phone-sized), with the watch-list warning."""

    template_name = "safety/gate_visitor_form.html"
    permission_required = REGISTER
    write_permission = REGISTER
    title = gettext_lazy("Register a visitor")

    def form(self, data=None, files=None, refuse=False):
        instance = Visitor(
            campus=self.request.campus, status=Visitor.Status.REFUSED if refuse else Visitor.Status.WAITING
        )
        return VisitorForm(data, files, instance=instance, campus=self.request.campus)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", self.form())
        ctx["cancel_url"] = _url(self.request, "safety:visitor_list")
        ctx["show_identity"] = has_perm(self.request, IDENTITY)
        return ctx

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "register")
        refuse = action == "refuse"
        form = self.form(request.POST, request.FILES, refuse=refuse)
        matches = []
        if form.is_valid():
            data = form.visitor_data()
            photo = form.cleaned_data.get("photo")
            try:
                if refuse:
                    visitor = gs.visitor_refuse_at_gate(
                        actor=request.user,
                        campus=request.campus,
                        data=data,
                        reason=form.cleaned_data.get("refusal_reason", ""),
                        photo=photo,
                    )
                else:
                    visitor = gs.visitor_register(
                        actor=request.user,
                        campus=request.campus,
                        data=data,
                        photo=photo,
                        confirmed_by_phone=form.cleaned_data.get("confirmed_by_phone", False),
                        admit_anyway=form.cleaned_data.get("admit_anyway", False),
                        override_reason=form.cleaned_data.get("override_reason", ""),
                    )
            except gs.WatchListWarning as warning:
                matches = warning.matches
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if refuse:
                    messages.warning(
                        request, _("Refused visitor %(name)s was logged.") % {"name": visitor.name}
                    )
                elif visitor.status == Visitor.Status.INSIDE:
                    messages.success(
                        request, _("%(name)s registered; entry confirmed by phone.") % {"name": visitor.name}
                    )
                else:
                    messages.success(
                        request,
                        _("%(name)s registered; %(host)s has been asked to confirm.")
                        % {
                            "name": visitor.name,
                            "host": visitor.host.display_name if visitor.host_id else "",
                        },
                    )
                return HttpResponseRedirect(_url(request, "safety:visitor_detail", pk=visitor.pk))
        elif refuse and not (request.POST.get("refusal_reason") or "").strip():
            form.add_error("refusal_reason", _("Give the reason for refusing the visitor."))
        if matches:
            for m in matches:
                m.shown_id = id_for(request, m) if m.id_number else ""
        return self.render_to_response(
            self.get_context_data(form=form, matches=matches, photo_lost=bool(request.FILES.get("photo")))
        )


class VisitorDetailView(VisitorMixin, ObjectDetailView):
    template_name = "safety/gate_visitor_detail.html"

    def get_queryset(self):
        return Visitor.objects.select_related(*self.select_related)

    def detail_fields(self):
        v = self.object

        def user(u):
            return u.display_name if u is not None else None

        rows = [
            (_("Name"), v.name),
            (_("ID number"), id_for(self.request, v)),
            (_("Phone"), v.phone),
            (_("Organisation"), v.organization),
            (_("Kind of visit"), v.get_category_display()),
            (_("Purpose"), v.purpose),
            (_("Host"), user(v.host)),
            (_("Badge"), v.badge_no),
            (_("Number of people"), v.people_count),
            (_("Vehicle plate"), v.vehicle_plate),
            (_("Time in"), _local(v.time_in)),
            (_("Time out"), _local(v.time_out)),
            (_("Status"), status_cell(v, v.status, v.get_status_display())),
            (_("Entry confirmed"), (
                f"{user(v.confirmed_by) or ''} · {_local(v.confirmed_at):%Y-%m-%d %H:%M} · {v.get_confirmation_display()}"
                if v.confirmed_at else None)),
            (_("Registered by"), user(v.registered_by)),
        ]  # fmt: skip
        if v.status == Visitor.Status.REFUSED:
            rows.append((_("Reason for refusal"), v.refusal_reason))
        if v.watch_entry_id:
            rows.append((_("Watch-list match"), f"{v.watch_entry} — {v.watch_entry.reason}"))
            rows.append((_("Reason for admitting anyway"), v.override_reason))
        if v.signed_out_by_id:
            rows.append((_("Signed out by"), user(v.signed_out_by)))
        if v.voided_at:
            rows.append(
                (
                    _("Voided"),
                    f"{_local(v.voided_at):%Y-%m-%d %H:%M} · {user(v.voided_by) or ''} · {v.void_reason}",
                )
            )
        return rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        v = self.object
        can = has_perm(self.request, REGISTER)
        ctx.update(
            {
                "can_register": can,
                "can_confirm": can and v.status == Visitor.Status.WAITING and not v.voided_at,
                "can_sign_out": can and v.on_campus,
                "can_void": can and not v.voided_at,
                "create_url": _url(self.request, "safety:visitor_create") if can else "",
                "onsite_url": _url(self.request, "safety:visitor_onsite"),
            }
        )
        return ctx


def _visitor(request, pk):
    return get_object_or_404(Visitor.objects.select_related("host"), pk=pk)


class VisitorConfirmView(CampusViewMixin, TemplateView):
    """The host's page (from the notification): confirm the entry or decline the visitor.

    Any staff member may be a host, so the gate is ``core.view_dashboard``; the real check
    is that the user is this visit's host, or gate staff (``safety.register_visitors``).
    """

    template_name = "safety/gate_visitor_confirm.html"
    permission_required = "core.view_dashboard"
    write_permission = "core.view_dashboard"
    title = gettext_lazy("Confirm a visitor")

    def load(self):
        self.visitor = _visitor(self.request, self.kwargs["pk"])
        if not gs.may_answer_for_visit(self.request, self.visitor):
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.load()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        v = self.visitor
        ctx.update(
            {
                "visitor": v,
                "shown_id": id_for(self.request, v),
                "is_host": v.host_id == self.request.user.pk,
                "is_gate": has_perm(self.request, REGISTER),
                "waiting": v.status == Visitor.Status.WAITING and not v.voided_at,
                "time_in": _local(v.time_in),
                "confirmed_at": _local(v.confirmed_at),
            }
        )
        return ctx

    def post(self, request, *args, **kwargs):
        self.load()
        v = self.visitor
        action = request.POST.get("action")
        try:
            if action == "confirm":
                gs.visitor_confirm(actor=request.user, visitor=v, by_phone=False)
                messages.success(request, _("Entry of %(name)s confirmed.") % {"name": v.name})
            elif action == "phone":
                if not has_perm(request, REGISTER):
                    raise PermissionDenied
                gs.visitor_confirm(actor=request.user, visitor=v, by_phone=True)
                messages.success(request, _("Phone confirmation recorded for %(name)s.") % {"name": v.name})
            elif action == "decline":
                gs.visitor_refuse(actor=request.user, visitor=v, reason=request.POST.get("reason", ""))
                messages.warning(request, _("%(name)s was refused entry.") % {"name": v.name})
            else:
                messages.error(request, _("Choose confirm or decline."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        fallback = (
            _url(request, "safety:visitor_detail", pk=v.pk)
            if has_perm(request, VIEW_VISITORS)
            else _url(request, "safety:visitor_confirm", pk=v.pk)
        )
        return HttpResponseRedirect(_back(request, fallback))


@campus_view(REGISTER)
@require_POST
def visitor_sign_out(request, campus, pk):
    visitor = _visitor(request, pk)
    try:
        gs.visitor_sign_out(actor=request.user, visitor=visitor)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s signed out.") % {"name": visitor.name})
    return HttpResponseRedirect(_back(request, _url(request, "safety:visitor_detail", pk=visitor.pk)))


@campus_view(REGISTER)
@require_POST
def visitor_refuse(request, campus, pk):
    visitor = _visitor(request, pk)
    try:
        gs.visitor_refuse(actor=request.user, visitor=visitor, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.warning(request, _("%(name)s was refused entry.") % {"name": visitor.name})
    return HttpResponseRedirect(_url(request, "safety:visitor_detail", pk=visitor.pk))


@campus_view(REGISTER)
@require_POST
def visitor_void(request, campus, pk):
    visitor = _visitor(request, pk)
    try:
        gs.visitor_void(actor=request.user, visitor=visitor, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The entry was voided."))
    return HttpResponseRedirect(_url(request, "safety:visitor_detail", pk=visitor.pk))


# --- Watch list ---------------------------------------------------------------------------


class WatchEntryMixin:
    model = WatchEntry
    url_base = "safety:watchentry"
    permission_required = WATCHLIST
    write_permission = WATCHLIST


class WatchEntryListView(WatchEntryMixin, ObjectListView):
    filterset_class = WatchEntryFilter
    search_fields = ("name", "reason")
    select_related = ("added_by",)
    create_label = gettext_lazy("Add to the watch list")

    @property
    def columns(self):
        return [
            Column(_("Name"), lambda w: w.name or "—", link=True),
            Column(_("ID number"), lambda w: id_for(self.request, w)),
            Column(_("Reason"), "reason", css="text-wrap"),
            Column(_("Active"), "is_active"),
            Column(_("Added by"), lambda w: w.added_by.display_name if w.added_by_id else ""),
            Column(_("Added on"), lambda w: _local(w.created_at)),
        ]


class WatchEntryDetailView(WatchEntryMixin, ObjectDetailView):
    attachments = False

    def detail_fields(self):
        w = self.object
        return [
            (_("Name"), w.name),
            (_("ID number"), id_for(self.request, w)),
            (_("Reason"), w.reason),
            (_("Active"), _("Yes") if w.is_active else _("No")),
            (_("Added by"), w.added_by.display_name if w.added_by_id else None),
            (_("Matched visits"), w.visits.count()),
        ]


class WatchEntryFormView(WatchEntryMixin, ObjectFormView):
    form_class = WatchEntryForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_identity"] = has_perm(self.request, IDENTITY)
        return kwargs

    def save_object(self, form, instance, before):
        return gs.watch_entry_save(actor=self.request.user, instance=instance, before=self._masked(before),
                                   campus=self.request.campus)  # fmt: skip

    def _masked(self, before):
        if before and before.get("id_number"):
            from houqin.core.validators import mask_id_number

            before = {**before, "id_number": mask_id_number(before["id_number"])}
        return before


class WatchEntryDeleteView(WatchEntryMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            gs.watch_entry_delete(actor=request.user, instance=self.object)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(self.url("detail", pk=self.object.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(self.url("list"))


# --- Pickup persons -----------------------------------------------------------------------


class PickupPersonMixin:
    model = PickupPerson
    url_base = "safety:pickupperson"
    permission_required = VIEW_PICKUP
    write_permission = MANAGE_PICKUP


def authorised_cell(person):
    ok, _code, message = gs.authorisation(person, has_agreement=getattr(person, "has_agreement", None))
    if ok:
        return _badge("inside", _("Authorised"))
    return format_html(
        '{} <span class="small text-secondary">{}</span>', _badge("refused", _("Not authorised")), message
    )


class PickupPersonListView(PickupPersonMixin, ObjectListView):
    filterset_class = PickupPersonFilter
    search_fields = ("name", "child__name", "child__name_pinyin", "card_no", "phone")
    select_related = ("child__school_class", "guardian")
    create_label = gettext_lazy("New pickup person")

    def get_queryset(self):
        return gs.with_agreement_flag(super().get_queryset()).order_by(
            "child__school_class__sort_order", "child__name", "kind", "id"
        )

    @property
    def columns(self):
        return [
            Column(_("Child"), "child.name"),
            Column(_("Class"), "child.school_class.name"),
            Column(_("Name"), "name", link=True),
            Column(_("Kind"), "get_kind_display"),
            Column(_("Relation"), "relation"),
            Column(_("Phone"), "phone"),
            Column(_("ID number"), lambda p: id_for(self.request, p)),
            Column(_("Card"), "card_no"),
            Column(_("Valid until"), "valid_until"),
            Column(_("Today"), authorised_cell, export=False),
        ]

    @property
    def export_columns(self):
        return [
            *[c for c in self.columns if c.export],
            Column(_("Agreement signed"), "agreement_signed"),
            Column(_("Valid from"), "valid_from"),
            Column(_("Authorised today"), lambda p: gs.authorisation(p, has_agreement=p.has_agreement)[0]),
        ]


class PickupPersonDetailView(PickupPersonMixin, ObjectDetailView):
    template_name = "safety/gate_pickupperson_detail.html"

    def get_queryset(self):
        return PickupPerson.objects.select_related("child__school_class", "guardian")

    def detail_fields(self):
        p = self.object
        return [
            (_("Child"), p.child),
            (_("Class"), p.child.school_class),
            (_("Kind"), p.get_kind_display()),
            (_("Guardian record"), p.guardian),
            (_("Name"), p.name),
            (_("Relation"), p.relation),
            (_("Phone"), p.phone),
            (_("ID number"), id_for(self.request, p)),
            (_("Pickup card number"), p.card_no),
            (
                _("Proxy agreement signed"),
                (_("Yes") if p.agreement_signed else _("No")) if p.kind == "proxy" else None,
            ),
            (_("Valid from"), p.valid_from),
            (_("Valid until"), p.valid_until),
            (_("Active"), _("Yes") if p.is_active else _("No")),
            (_("Note"), p.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        ok, _code, message = gs.authorisation(p)
        ctx["authorised"], ctx["auth_message"] = ok, message
        ctx["photo_id"] = gs.photo_ids([p]).get(p.pk)
        ctx["child_url"] = _url(self.request, "safety:pickup_child", pk=p.child_id)
        ctx["recent"] = list(p.releases.select_related("released_by").order_by("-released_at")[:10])
        return ctx


class PickupPersonFormView(PickupPersonMixin, ObjectFormView):
    form_class = PickupPersonForm

    def child(self):
        if self.object is not None:
            return self.object.child
        pk = self.request.GET.get("child") or self.request.POST.get("child")
        if pk and str(pk).isdigit():
            return Child.objects.filter(pk=pk).first()
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_identity"] = has_perm(self.request, IDENTITY)
        kwargs["child"] = self.child()
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        if initial.get("kind") == PickupPerson.Kind.PROXY:
            initial.setdefault("valid_from", timezone.localdate())
        return initial

    def save_object(self, form, instance, before):
        if before and before.get("id_number"):
            from houqin.core.validators import mask_id_number

            before = {**before, "id_number": mask_id_number(before["id_number"])}
        return gs.pickup_person_save(
            actor=self.request.user,
            instance=instance,
            before=before,
            campus=self.request.campus,
            photo=form.cleaned_data.get("photo"),
            agreement=form.cleaned_data.get("agreement"),
        )


class PickupPersonDeleteView(PickupPersonMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        child_url = _url(request, "safety:pickup_child", pk=self.object.child_id)
        try:
            gs.pickup_person_delete(actor=request.user, instance=self.object)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(self.url("detail", pk=self.object.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(child_url)


def _persons_with_status(child, day=None):
    """The child's pickup persons with ``authorised``, ``auth_message`` and ``photo_id`` set (3 queries)."""
    persons = list(
        PickupPerson.objects.filter(child=child)
        .select_related("guardian")
        .order_by("-is_active", "kind", "id")
    )
    agreements = gs.agreement_person_ids(persons)
    photos = gs.photo_ids(persons)
    for p in persons:
        p.authorised, _code, p.auth_message = gs.authorisation(p, day=day, has_agreement=p.pk in agreements)
        p.photo_id = photos.get(p.pk)
    return persons


class ChildPickupView(CampusViewMixin, TemplateView):
    """The authorised pickup persons of one child (linked from the child's page)."""

    template_name = "safety/gate_child_pickup.html"
    permission_required = VIEW_PICKUP
    write_permission = MANAGE_PICKUP

    def get(self, request, *args, **kwargs):
        self.child = get_object_or_404(
            Child.objects.select_related("school_class__head_teacher"), pk=kwargs["pk"]
        )
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Pickup persons of %(child)s") % {"child": self.child.name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        persons = _persons_with_status(self.child)
        for p in persons:
            p.shown_id = id_for(self.request, p)
        ctx.update(
            {
                "child": self.child,
                "persons": persons,
                "can_manage": has_perm(self.request, MANAGE_PICKUP),
                "can_release": has_perm(self.request, RELEASE),
                "child_url": _url(self.request, "core:child_detail", pk=self.child.pk)
                if has_perm(self.request, "core.view_children")
                else "",
                "recent": list(
                    PickupRelease.objects.filter(child=self.child)
                    .select_related("released_by")
                    .order_by("-released_at")[:10]
                ),
            }
        )
        return ctx


@campus_view(MANAGE_PICKUP)
@require_POST
def pickup_from_guardians(request, campus, pk):
    child = get_object_or_404(Child, pk=pk)
    try:
        created = gs.pickup_persons_from_guardians(actor=request.user, child=child)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if created:
            messages.success(request, _("%(n)s guardian(s) added as pickup persons.") % {"n": len(created)})
        else:
            messages.info(request, _("Every guardian is already a pickup person."))
    return HttpResponseRedirect(_url(request, "safety:pickup_child", pk=child.pk))


# --- Release at the gate ------------------------------------------------------------------

SEARCH_LIMIT = 20
STILL_LIMIT = 200


class PickupReleaseView(CampusViewMixin, TemplateView):
    """The gate's release page, for a phone: one big box for a card (USB/Bluetooth scanners
    type the number and Enter) or a child's name; the child's authorised persons with
    photos; release or refuse in one tap.

    GET ``?q=`` searches children (pinyin) or shows a card's holder; ``?child=`` shows one
    child; ``?still=1`` lists the children still on campus today. POST (the big box) with
    a card number checks the card: a card that may not take the child is refused at once
    and logged; an authorised one shows the holder's photo and a release button.
    """

    template_name = "safety/gate_release.html"
    permission_required = RELEASE
    write_permission = RELEASE
    title = gettext_lazy("Pickup release")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        request = self.request
        campus = request.campus
        today = timezone.localdate()
        ctx["today"] = today
        ctx["released_count"] = gs.released_today(campus, today).count()
        ctx["still_count"] = gs.children_still_on_campus(campus, today).count()
        ctx["after_closing"] = gs.is_after_closing(campus)
        ctx["log_url"] = _url(request, "safety:release_list")
        ctx["page_url"] = _url(request, "safety:pickup_release")
        ctx["record_url"] = _url(request, "safety:pickup_record")
        child = ctx.get("child")
        if child is None:
            child_id = request.GET.get("child", "")
            if child_id.isdigit():
                child = get_object_or_404(
                    Child.objects.select_related("school_class__head_teacher"), pk=child_id
                )
        if child is not None:
            ctx["child"] = child
            ctx["persons"] = ctx.get("persons") or _persons_with_status(child, today)
            ctx["released"] = (
                gs.released_today(campus, today).filter(child=child).select_related("released_by").first()
            )
        query = request.GET.get("q", "").strip()
        ctx["query"] = query
        if query and child is None and "card_person" not in ctx:
            ctx["results"] = self.search(query, today)
        if request.GET.get("still") and child is None:
            ctx["still"] = list(
                gs.children_still_on_campus(campus, today)
                .select_related("school_class")
                .order_by("school_class__sort_order", "school_class__name", "name")[:STILL_LIMIT]
            )
        return ctx

    def search(self, query, today):
        campus = self.request.campus
        person = gs.find_card(campus, query)
        if person is not None:
            return [(person.child, person)]
        released = set(gs.released_today(campus, today).values_list("child_id", flat=True))
        children = list(
            Child.objects.filter(status=Child.Status.ENROLLED)
            .filter(pinyin_q(query, "name", "student_no"))
            .select_related("school_class")
            .order_by("school_class__sort_order", "name")[:SEARCH_LIMIT]
        )
        for c in children:
            c.released_today = c.pk in released
        return [(c, None) for c in children]

    def post(self, request, *args, **kwargs):
        """The big box: a card number (with an optional child already chosen)."""
        card = (request.POST.get("q") or "").strip()
        child = None
        child_id = request.POST.get("child", "")
        if child_id.isdigit():
            child = get_object_or_404(Child.objects.select_related("school_class__head_teacher"), pk=child_id)
        if not card:
            return HttpResponseRedirect(_url(request, "safety:pickup_release"))
        person = gs.find_card(request.campus, card)
        if person is None and (child is None or not looks_like_card(card)):
            # Not a card: search the children.
            from urllib.parse import urlencode

            return HttpResponseRedirect(_url(request, "safety:pickup_release") + "?" + urlencode({"q": card}))
        target = child or person.child
        ok = False
        if person is not None and person.child_id == target.pk:
            agreements = gs.agreement_person_ids([person])
            ok, _code, _message = gs.authorisation(person, has_agreement=person.pk in agreements)
        if ok:
            # Show the holder's photo; the guard releases with one more tap.
            persons = _persons_with_status(target)
            ctx = self.get_context_data(child=target, persons=persons, card_person=person, card=card)
            ctx["card_person"] = next((p for p in persons if p.pk == person.pk), None)
            return self.render_to_response(ctx)
        try:
            release = gs.pickup_release_by_card(
                actor=request.user, campus=request.campus, card_no=card, child=target
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            _release_message(request, release)
        return HttpResponseRedirect(_url(request, "safety:pickup_release") + f"?child={target.pk}")


def looks_like_card(text):
    """Card numbers are letters, digits and dashes; a child's name is not a card attempt."""
    return text.isascii() and text.replace("-", "").isalnum()


def _release_message(request, release):
    if release.outcome == PickupRelease.Outcome.RELEASED:
        messages.success(
            request,
            _("%(child)s released to %(person)s at %(time)s.")
            % {
                "child": release.child.name,
                "person": release.person_name,
                "time": _local(release.released_at).strftime("%H:%M"),
            },
        )
    else:
        messages.error(
            request,
            _("REFUSED: %(person)s may not take %(child)s (%(reason)s). The class teacher has been notified.")
            % {
                "person": release.person_name,
                "child": release.child.name,
                "reason": release.get_reason_display(),
            },
        )


@campus_view(RELEASE)
@require_POST
def pickup_record(request, campus):
    """Release to a listed person, or record a refusal (a listed person who is not
    authorised, or someone not on the list)."""
    child = get_object_or_404(
        Child.objects.select_related("school_class__head_teacher"), pk=request.POST.get("child") or 0
    )
    action = request.POST.get("action", "release")
    person = None
    person_id = request.POST.get("person", "")
    if person_id.isdigit():
        person = get_object_or_404(PickupPerson, pk=person_id)
    try:
        if action == "refuse_unknown":
            release = gs.pickup_release(
                actor=request.user,
                child=child,
                person=None,
                person_name=request.POST.get("person_name", ""),
                relation=request.POST.get("relation", ""),
                note=request.POST.get("note", ""),
            )
        else:
            if person is None:
                raise ValidationError(_("Choose the person collecting the child."))
            release = gs.pickup_release(
                actor=request.user,
                child=child,
                person=person,
                card_no=request.POST.get("card", ""),
                note=request.POST.get("note", ""),
            )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        _release_message(request, release)
    return HttpResponseRedirect(_url(request, "safety:pickup_release") + f"?child={child.pk}")


# --- Release log --------------------------------------------------------------------------


class ReleaseMixin:
    model = PickupRelease
    url_base = "safety:release"
    permission_required = VIEW_PICKUP
    write_permission = RELEASE


class ReleaseListView(ReleaseMixin, ObjectListView):
    """Today's release log by default; any day, class or outcome; export."""

    template_name = "safety/gate_release_list.html"
    filterset_class = ReleaseFilter
    search_fields = ("child__name", "person_name", "card_no")
    pinyin_field = "child__name_pinyin"
    select_related = ("child__school_class", "released_by", "voided_by", "person")
    title = gettext_lazy("Pickup log")
    export_filename = gettext_lazy("Pickup log")
    paginate_by = 50
    columns = [
        Column(gettext_lazy("Time"), lambda r: _time(r, "released_at")),
        Column(gettext_lazy("Child"), "child.name", link=True),
        Column(gettext_lazy("Class"), "child.school_class.name"),
        Column(gettext_lazy("Collected by"), "person_name"),
        Column(gettext_lazy("Relation"), "relation"),
        Column(gettext_lazy("Card"), "card_no"),
        Column(
            gettext_lazy("Outcome"),
            lambda r: status_cell(r, r.outcome, r.get_outcome_display()),
            export=False,
        ),
        Column(gettext_lazy("Reason for refusal"), "get_reason_display"),
        Column(gettext_lazy("Released by"), lambda r: r.released_by.display_name if r.released_by_id else ""),
    ]
    export_columns = [
        *[c for c in columns if c.export],
        Column(gettext_lazy("Outcome"), "get_outcome_display"),
        Column(gettext_lazy("Note"), "note"),
        Column(gettext_lazy("Voided at"), lambda r: _time(r, "voided_at")),
        Column(gettext_lazy("Void reason"), "void_reason"),
    ]

    def filter_queryset(self, qs):
        if "day" not in self.request.GET:
            self.request.GET = self.request.GET.copy()
            self.request.GET["day"] = timezone.localdate().isoformat()
        return super().filter_queryset(hide_voided(self.request, qs))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["release_url"] = (
            _url(self.request, "safety:pickup_release") if has_perm(self.request, RELEASE) else ""
        )
        return ctx


class ReleaseDetailView(ReleaseMixin, ObjectDetailView):
    template_name = "safety/gate_release_detail.html"
    attachments = False

    def get_queryset(self):
        return PickupRelease.objects.select_related(
            "child__school_class", "released_by", "voided_by", "person"
        )

    def detail_fields(self):
        r = self.object
        rows = [
            (_("Time"), _local(r.released_at)),
            (_("Child"), r.child),
            (_("Class"), r.child.school_class),
            (_("Collected by"), r.person_name),
            (_("Relation"), r.relation),
            (_("Card presented"), r.card_no),
            (_("Outcome"), status_cell(r, r.outcome, r.get_outcome_display())),
            (_("Reason for refusal"), r.get_reason_display() if r.reason else None),
            (_("Released by"), r.released_by.display_name if r.released_by_id else None),
            (_("Note"), r.note),
        ]
        if r.voided_at:
            rows.append((_("Voided"), f"{_local(r.voided_at):%Y-%m-%d %H:%M} · "
                         f"{r.voided_by.display_name if r.voided_by_id else ''} · {r.void_reason}"))  # fmt: skip
        return rows

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_void"] = has_perm(self.request, RELEASE) and not self.object.voided_at
        ctx["person_url"] = (
            _url(self.request, "safety:pickupperson_detail", pk=self.object.person_id)
            if self.object.person_id
            else ""
        )
        return ctx


@campus_view(RELEASE)
@require_POST
def release_void(request, campus, pk):
    release = get_object_or_404(PickupRelease.objects.select_related("child"), pk=pk)
    try:
        gs.pickup_release_void(actor=request.user, release=release, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The entry was voided."))
    return HttpResponseRedirect(_url(request, "safety:release_detail", pk=release.pk))


urlpatterns = [
    path("visitors/", VisitorListView.as_view(), name="visitor_list"),
    path("visitors/new/", VisitorCreateView.as_view(), name="visitor_create"),
    path("visitors/onsite/", VisitorOnsiteView.as_view(), name="visitor_onsite"),
    path("visitors/<int:pk>/", VisitorDetailView.as_view(), name="visitor_detail"),
    path("visitors/<int:pk>/confirm/", VisitorConfirmView.as_view(), name="visitor_confirm"),
    path("visitors/<int:pk>/sign-out/", visitor_sign_out, name="visitor_sign_out"),
    path("visitors/<int:pk>/refuse/", visitor_refuse, name="visitor_refuse"),
    path("visitors/<int:pk>/void/", visitor_void, name="visitor_void"),
    *crud_urls(
        "watchlist",
        "watchentry",
        list_view=WatchEntryListView,
        create_view=WatchEntryFormView,
        detail_view=WatchEntryDetailView,
        update_view=WatchEntryFormView,
        delete_view=WatchEntryDeleteView,
    ),
    *crud_urls(
        "pickup/persons",
        "pickupperson",
        list_view=PickupPersonListView,
        create_view=PickupPersonFormView,
        detail_view=PickupPersonDetailView,
        update_view=PickupPersonFormView,
        delete_view=PickupPersonDeleteView,
    ),
    path("pickup/children/<int:pk>/", ChildPickupView.as_view(), name="pickup_child"),
    path("pickup/children/<int:pk>/from-guardians/", pickup_from_guardians, name="pickup_from_guardians"),
    path("pickup/release/", PickupReleaseView.as_view(), name="pickup_release"),
    path("pickup/release/record/", pickup_record, name="pickup_record"),
    path("pickup/log/", ReleaseListView.as_view(), name="release_list"),
    path("pickup/log/<int:pk>/", ReleaseDetailView.as_view(), name="release_detail"),
    path("pickup/log/<int:pk>/void/", release_void, name="release_void"),
]
