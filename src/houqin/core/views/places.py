"""Campus information, buildings and rooms, with each room's QR code and printable labels."""

import io

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from houqin.core import audit
from houqin.core.filters import BuildingFilter, RoomFilter
from houqin.core.forms_core import BuildingForm, CampusInfoForm, RoomForm
from houqin.core.links import strict_request_url as _url
from houqin.core.models import Building, Campus, Child, Membership, Room, SchoolClass, Term
from houqin.core.permissions import campus_view
from houqin.core.views.generic import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    crud_urls,
)

VIEW, MANAGE = "core.view_campus", "core.manage_campus"
MAX_LABELS = 1000


# --- Campus information ------------------------------------------------------------------


@transaction.atomic
def campus_info_save(*, actor, campus: Campus, before: dict):
    """Save edited campus information; audited under the campus itself."""
    campus.full_clean()
    campus.save()
    after = audit.snapshot(campus)
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if changed:
        audit.record(
            actor=actor,
            action="update",
            obj=campus,
            campus=campus,
            before={k: before.get(k) for k in changed},
            after={k: after.get(k) for k in changed},
        )
    return campus


class CampusDetailView(ObjectDetailView):
    model = Campus
    permission_required = VIEW
    write_permission = MANAGE
    template_name = "core/places_campus_detail.html"
    attachments = False
    fields = (
        "name",
        "short_name",
        "code",
        "organization",
        "kind",
        "age_min",
        "age_max",
        "address",
        "phone",
        "disclosure_enabled",
    )

    def get_object(self):
        return self.request.campus

    def url(self, suffix, **kwargs):
        if suffix == "update":
            return reverse("core:campus_update", kwargs={"campus": self.request.campus.code})
        return None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        campus = self.request.campus
        today = timezone.localdate()
        ctx["counts"] = [
            (
                _("Buildings"),
                Building.objects.count(),
                "ti-building",
                _url(self.request, "core:building_list"),
            ),
            (
                _("Rooms in use"),
                Room.objects.filter(is_active=True).count(),
                "ti-door",
                _url(self.request, "core:room_list"),
            ),
            (
                _("Active classes"),
                SchoolClass.objects.filter(is_active=True).count(),
                "ti-school",
                _url(self.request, "core:class_list"),
            ),
            (
                _("Enrolled children"),
                Child.objects.filter(status=Child.Status.ENROLLED).count(),
                "ti-mood-kid",
                _url(self.request, "core:child_list"),
            ),
            (
                _("Staff accounts"),
                Membership.objects.filter(campus=campus, is_active=True, user__is_active=True)
                .values("user_id")
                .distinct()
                .count(),
                "ti-users",
                _url(self.request, "core:membership_list"),
            ),
        ]
        ctx["current_term"] = Term.objects.filter(start_date__lte=today, end_date__gte=today).first()
        return ctx


class CampusUpdateView(ObjectFormView):
    model = Campus
    permission_required = VIEW
    write_permission = MANAGE
    form_class = CampusInfoForm
    title = gettext_lazy("Edit campus information")

    @property
    def is_create(self):
        return False

    def get_object(self):
        return self.request.campus

    def get_title(self):
        return self.title

    def save_object(self, form, instance, before):
        return campus_info_save(actor=self.request.user, campus=instance, before=before or {})

    def get_success_url(self):
        return _url(self.request, "core:campus_detail")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "core:campus_detail")
        return ctx


# --- Buildings ---------------------------------------------------------------------------


class BuildingMixin:
    model = Building
    url_base = "core:building"
    permission_required = VIEW
    write_permission = MANAGE


class BuildingListView(BuildingMixin, ObjectListView):
    filterset_class = BuildingFilter
    search_fields = ("name", "code")
    pinyin_field = ""
    create_label = gettext_lazy("New building")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Code"), "code"),
        Column(gettext_lazy("Floors"), "floors"),
        Column(gettext_lazy("Rooms"), "room_count"),
    ]

    def get_queryset(self):
        return super().get_queryset().annotate(room_count=Count("rooms")).order_by("name")


class BuildingDetailView(BuildingMixin, ObjectDetailView):
    template_name = "core/places_building_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["rooms"] = self.object.rooms.select_related("keeper").order_by("floor", "code")
        ctx["new_room_url"] = (
            _url(self.request, "core:room_create") + f"?building={self.object.pk}"
            if ctx["can_write"]
            else None
        )
        return ctx


class BuildingFormView(BuildingMixin, ObjectFormView):
    form_class = BuildingForm


class BuildingDeleteView(BuildingMixin, ObjectDeleteView):
    pass


# --- Rooms -------------------------------------------------------------------------------


def qr_url(room) -> str:
    """The address a room's QR label points to."""
    return settings.SITE_URL + reverse("qr_landing", kwargs={"token": room.qr_token})


def qr_code(room):
    return segno.make(qr_url(room), error="m")


def _room_checkbox(room):
    return format_html(
        '<input class="form-check-input m-0" type="checkbox" name="ids" value="{}" form="label-form" aria-label="{}">',
        room.pk,
        _("Select %(room)s") % {"room": room},
    )


class RoomMixin:
    model = Room
    url_base = "core:room"
    permission_required = VIEW
    write_permission = MANAGE


class RoomListView(RoomMixin, ObjectListView):
    template_name = "core/places_room_list.html"
    table_template = "core/places_room_table.html"
    filterset_class = RoomFilter
    search_fields = ("name", "code")
    select_related = ("building", "keeper")
    create_label = gettext_lazy("New room")
    columns = [
        Column("", _room_checkbox, export=False, css="w-1"),
        Column(gettext_lazy("Room number"), "code", link=True),
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Building"), "building.name"),
        Column(gettext_lazy("Floor"), "floor"),
        Column(gettext_lazy("Kind"), "get_kind_display"),
        Column(gettext_lazy("Keeper"), "keeper.display_name"),
        Column(gettext_lazy("In use"), "is_active"),
    ]
    export_columns = columns[1:] + [
        Column(gettext_lazy("Area (m²)"), "area"),
        Column(gettext_lazy("QR address"), qr_url),
        Column(gettext_lazy("Note"), "note"),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for key in ("page", "export", "ids"):
            params.pop(key, None)
        ctx["label_params"] = [(k, v) for k, values in params.lists() for v in values]
        ctx["labels_url"] = _url(self.request, "core:room_labels")
        ctx["buildings_url"] = _url(self.request, "core:building_list")
        return ctx


class RoomDetailView(RoomMixin, ObjectDetailView):
    template_name = "core/places_room_detail.html"
    fields = ("building", "code", "name", "floor", "kind", "area", "keeper", "is_active", "note")

    def get_queryset(self):
        return super().get_queryset().select_related("building", "keeper")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["qr_url"] = qr_url(self.object)
        ctx["qr_image_url"] = _url(self.request, "core:room_qr", pk=self.object.pk)
        ctx["label_url"] = _url(self.request, "core:room_labels") + f"?ids={self.object.pk}"
        ctx["classes"] = SchoolClass.objects.filter(room=self.object)
        return ctx


class RoomFormView(RoomMixin, ObjectFormView):
    form_class = RoomForm


class RoomDeleteView(RoomMixin, ObjectDeleteView):
    pass


@campus_view(VIEW)
def room_qr(request, campus, pk):
    """The room's QR code as SVG (cached by the browser; the token never changes)."""
    room = get_object_or_404(Room.objects.all(), pk=pk)
    etag = f'"qr-{room.qr_token}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        buffer = io.BytesIO()
        # A standalone SVG document (with its namespace), sized for print and screens.
        qr_code(room).save(buffer, kind="svg", scale=8, border=2, xmldecl=False, title=str(room))
        response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
        if request.GET.get("download"):
            response["Content-Disposition"] = content_disposition_header(True, f"QR-{room.code}.svg")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=604800"
    return response


class RoomLabelsView(RoomListView):
    """A printable A4 sheet of QR labels, three per row: the selected rooms (``ids``) or
    every room the list's filters select."""

    template_name = "core/places_room_labels.html"

    def get(self, request, *args, **kwargs):
        ids = []
        for raw in request.GET.getlist("ids"):
            ids += [part for part in raw.split(",") if part.strip().isdigit()]
        qs = self.get_queryset()
        if ids:
            self.filterset, self.query = None, ""
            qs = qs.filter(pk__in=ids)
        else:
            qs = self.filter_queryset(qs)
        rooms = list(qs[: MAX_LABELS + 1])
        truncated = len(rooms) > MAX_LABELS
        labels = [
            {"room": room, "qr": qr_code(room).svg_data_uri(scale=4, border=1)} for room in rooms[:MAX_LABELS]
        ]
        context = {
            "title": _("Room QR labels"),
            "labels": labels,
            "truncated": truncated,
            "max_labels": MAX_LABELS,
        }
        return self.response_class(request, self.template_name, context)


# --- URLs --------------------------------------------------------------------------------

urlpatterns = [
    path("campus/", CampusDetailView.as_view(), name="campus_detail"),
    path("campus/edit/", CampusUpdateView.as_view(), name="campus_update"),
    *crud_urls(
        "buildings",
        "building",
        list_view=BuildingListView,
        create_view=BuildingFormView,
        detail_view=BuildingDetailView,
        update_view=BuildingFormView,
        delete_view=BuildingDeleteView,
    ),
    path("rooms/labels/", RoomLabelsView.as_view(), name="room_labels"),
    path("rooms/<int:pk>/qr.svg", room_qr, name="room_qr"),
    *crud_urls(
        "rooms",
        "room",
        list_view=RoomListView,
        create_view=RoomFormView,
        detail_view=RoomDetailView,
        update_view=RoomFormView,
        delete_view=RoomDeleteView,
    ),
]
