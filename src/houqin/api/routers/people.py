"""Classes, children with their guardians, and the campus's memberships (staff roles)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _
from ninja import Field, PatchDict, Query, Router, Schema, Status
from ninja.pagination import paginate

from houqin.api.access import requires
from houqin.api.helpers import create_object, delete_object, get_in_campus, resolve_refs, update_object
from houqin.api.pagination import LimitOffset
from houqin.core.models import Child, Guardian, Membership, Room, SchoolClass, User
from houqin.core.permissions import has_perm
from houqin.core.pinyin import pinyin_q
from houqin.core.roles import ORGANIZATION_ROLES, Role

router = Router(tags=["people"])


# --- classes -----------------------------------------------------------------------------


class SchoolClassIn(Schema):
    name: str
    grade: str
    entry_year: int | None = None
    head_teacher: int | None = Field(None, description="Id of a user holding a role on the campus.")
    room: int | None = None
    capacity: int = 30
    sort_order: int = 0
    is_active: bool = True


class SchoolClassOut(Schema):
    id: int
    name: str
    grade: str
    grade_display: str = Field(alias="get_grade_display")
    entry_year: int | None
    head_teacher: int | None = Field(alias="head_teacher_id")
    head_teacher_name: str | None = None
    room: int | None = Field(alias="room_id")
    room_name: str | None = None
    capacity: int
    sort_order: int
    is_active: bool
    children_count: int = Field(0, description="Enrolled children")

    @staticmethod
    def resolve_head_teacher_name(obj):
        return obj.head_teacher.display_name if obj.head_teacher_id else None

    @staticmethod
    def resolve_room_name(obj):
        return str(obj.room) if obj.room_id else None


CLASS_REFS = {"head_teacher": "member", "room": Room}


def _classes():
    return SchoolClass.objects.select_related("head_teacher", "room").annotate(
        children_count=Count("children", filter=Q(children__status=Child.Status.ENROLLED))
    )


@router.get("/classes", response=list[SchoolClassOut], url_name="class_list")
@requires("core.view_classes")
@paginate(LimitOffset)
def class_list(request, grade: str | None = None, is_active: bool | None = None, q: str = ""):
    qs = _classes().filter(campus=request.campus)
    if grade:
        qs = qs.filter(grade=grade)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(pinyin_q(q, "name"))
    return qs


@router.post("/classes", response={201: SchoolClassOut}, url_name="class_create")
@requires("core.manage_classes")
def class_create(request, payload: SchoolClassIn):
    obj = create_object(request, SchoolClass, resolve_refs(request, payload.dict(), CLASS_REFS))
    return Status(201, get_in_campus(request, _classes(), pk=obj.pk))


@router.get("/classes/{class_id}", response=SchoolClassOut, url_name="class_detail")
@requires("core.view_classes")
def class_detail(request, class_id: int):
    return get_in_campus(request, _classes(), pk=class_id)


@router.patch("/classes/{class_id}", response=SchoolClassOut, url_name="class_update")
@requires("core.manage_classes")
def class_update(request, class_id: int, payload: PatchDict[SchoolClassIn]):
    obj = get_in_campus(request, SchoolClass.objects.all(), pk=class_id)
    update_object(request, obj, resolve_refs(request, payload, CLASS_REFS))
    return get_in_campus(request, _classes(), pk=class_id)


@router.delete("/classes/{class_id}", response={204: None}, url_name="class_delete")
@requires("core.manage_classes")
def class_delete(request, class_id: int):
    delete_object(request, get_in_campus(request, SchoolClass.objects.all(), pk=class_id))
    return Status(204, None)


# --- guardians ---------------------------------------------------------------------------


class GuardianIn(Schema):
    name: str
    relation: str
    phone: str
    is_primary: bool = False
    work_unit: str = ""


class GuardianOut(Schema):
    id: int
    name: str
    relation: str
    relation_display: str = Field(alias="get_relation_display")
    phone: str
    is_primary: bool
    work_unit: str


# --- children ----------------------------------------------------------------------------


class ChildIn(Schema):
    name: str
    sex: str = Field(description="M or F")
    birth_date: dt.date
    school_class: int | None = None
    student_no: str = ""
    id_number: str = Field("", description="18-character resident ID number; checked digit by digit.")
    status: str = Child.Status.ENROLLED.value
    enrolled_on: dt.date | None = None
    left_on: dt.date | None = None
    allergies: str = ""
    special_diet: str = ""
    note: str = ""


class ChildCreateIn(ChildIn):
    guardians: list[GuardianIn] = Field(default_factory=list, description="Guardians created with the child.")


class ChildOut(Schema):
    id: int
    name: str
    sex: str
    sex_display: str = Field(alias="get_sex_display")
    birth_date: dt.date
    age_months: int | None
    school_class: int | None = Field(alias="school_class_id")
    school_class_name: str | None = None
    student_no: str
    id_number: str = Field(
        description="Masked (1101**********1234) unless you may see children's ID numbers."
    )
    status: str
    status_display: str = Field(alias="get_status_display")
    enrolled_on: dt.date | None
    left_on: dt.date | None
    allergies: str
    special_diet: str
    note: str
    guardians: list[GuardianOut]

    @staticmethod
    def resolve_school_class_name(obj):
        return obj.school_class.name if obj.school_class_id else None

    @staticmethod
    def resolve_id_number(obj, context):
        if has_perm(context["request"], "core.unmask_child_identity"):
            return obj.id_number
        return obj.masked_id_number


CHILD_REFS = {"school_class": SchoolClass}


def _children():
    return Child.objects.select_related("school_class").prefetch_related(
        Prefetch("guardians", queryset=Guardian.objects.order_by("-is_primary", "id"))
    )


def _clean_child_data(data: dict) -> dict:
    if data.get("id_number"):
        data["id_number"] = data["id_number"].strip().upper()
    return data


@router.get("/children", response=list[ChildOut], url_name="child_list")
@requires("core.view_children")
@paginate(LimitOffset)
def child_list(
    request,
    school_class: int | None = Query(None, description="Class id"),
    grade: str | None = None,
    status: str | None = None,
    sex: str | None = None,
    q: str = Query("", description="Name (also pinyin or initials), student number or guardian phone"),
):
    qs = _children().filter(campus=request.campus)
    if school_class is not None:
        qs = qs.filter(school_class_id=school_class)
    if grade:
        qs = qs.filter(school_class__grade=grade)
    if status:
        qs = qs.filter(status=status)
    if sex:
        qs = qs.filter(sex=sex)
    if q:
        by_phone = Guardian.objects.filter(campus=request.campus, phone__icontains=q).values("child_id")
        qs = qs.filter(pinyin_q(q, "name", "student_no") | Q(pk__in=by_phone))
    return qs


@router.post("/children", response={201: ChildOut}, url_name="child_create")
@requires("core.manage_children")
@transaction.atomic
def child_create(request, payload: ChildCreateIn):
    data = payload.dict()
    guardians = data.pop("guardians")
    child = create_object(request, Child, resolve_refs(request, _clean_child_data(data), CHILD_REFS))
    for index, guardian in enumerate(guardians):
        try:
            create_object(request, Guardian, {**guardian, "child": child})
        except ValidationError as exc:
            raise ValidationError(
                {f"guardians.{index}.{field}": messages for field, messages in exc.message_dict.items()}
            )
    return Status(201, get_in_campus(request, _children(), pk=child.pk))


@router.get("/children/{child_id}", response=ChildOut, url_name="child_detail")
@requires("core.view_children")
def child_detail(request, child_id: int):
    return get_in_campus(request, _children(), pk=child_id)


@router.patch("/children/{child_id}", response=ChildOut, url_name="child_update")
@requires("core.manage_children")
def child_update(request, child_id: int, payload: PatchDict[ChildIn]):
    obj = get_in_campus(request, Child.objects.select_related("school_class"), pk=child_id)
    update_object(request, obj, resolve_refs(request, _clean_child_data(payload), CHILD_REFS))
    return get_in_campus(request, _children(), pk=child_id)


@router.delete("/children/{child_id}", response={204: None}, url_name="child_delete")
@requires("core.manage_children")
@transaction.atomic
def child_delete(request, child_id: int):
    child = get_in_campus(request, Child.objects.all(), pk=child_id)
    for guardian in Guardian.objects.filter(campus=request.campus, child=child):
        delete_object(request, guardian)
    delete_object(request, child)
    return Status(204, None)


def _child(request, child_id):
    return get_in_campus(request, Child.objects.all(), pk=child_id)


@router.get("/children/{child_id}/guardians", response=list[GuardianOut], url_name="guardian_list")
@requires("core.view_children")
def guardian_list(request, child_id: int):
    return Guardian.objects.filter(campus=request.campus, child=_child(request, child_id)).order_by(
        "-is_primary", "id"
    )


@router.post("/children/{child_id}/guardians", response={201: GuardianOut}, url_name="guardian_create")
@requires("core.manage_children")
def guardian_create(request, child_id: int, payload: GuardianIn):
    return Status(
        201, create_object(request, Guardian, {**payload.dict(), "child": _child(request, child_id)})
    )


@router.patch(
    "/children/{child_id}/guardians/{guardian_id}", response=GuardianOut, url_name="guardian_update"
)
@requires("core.manage_children")
def guardian_update(request, child_id: int, guardian_id: int, payload: PatchDict[GuardianIn]):
    obj = get_in_campus(request, Guardian.objects.all(), pk=guardian_id, child_id=child_id)
    return update_object(request, obj, payload)


@router.delete(
    "/children/{child_id}/guardians/{guardian_id}", response={204: None}, url_name="guardian_delete"
)
@requires("core.manage_children")
def guardian_delete(request, child_id: int, guardian_id: int):
    delete_object(request, get_in_campus(request, Guardian.objects.all(), pk=guardian_id, child_id=child_id))
    return Status(204, None)


# --- memberships -------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    username: str
    real_name: str
    display_name: str
    phone: str | None


class MembershipIn(Schema):
    user: str = Field(description="User name or mobile phone number of an existing account.")
    role: str


class MembershipOut(Schema):
    id: int
    user: UserRef
    role: str
    role_display: str = Field(alias="get_role_display")
    is_active: bool
    created_at: dt.datetime


def _memberships(request):
    return (
        Membership.objects.filter(campus=request.campus)
        .select_related("user")
        .order_by("user__username", "role")
    )


@router.get("/memberships", response=list[MembershipOut], url_name="membership_list")
@requires("core.view_users")
@paginate(LimitOffset)
def membership_list(request, role: str | None = None, is_active: bool | None = None, q: str = ""):
    qs = _memberships(request)
    if role:
        qs = qs.filter(role=role)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    if q:
        qs = qs.filter(
            pinyin_q(q, "user__real_name", "user__username", "user__phone", pinyin_field="user__name_pinyin")
        )
    return qs


@router.post("/memberships", response={201: MembershipOut}, url_name="membership_create")
@requires("core.manage_users")
def membership_create(request, payload: MembershipIn):
    """Grant an existing account a role on this campus. Organisation-wide roles
    (supervisor, system administrator) are granted by the organisation, not here."""
    if payload.role not in Role.values or payload.role in {str(r) for r in ORGANIZATION_ROLES}:
        raise ValidationError({"role": _("This role cannot be granted on a campus.")})
    login = payload.user.strip()
    user = User.objects.filter(Q(username=login) | Q(phone=login), is_active=True).first() if login else None
    if user is None:
        raise ValidationError({"user": _("No active account has this user name or phone number.")})
    existing = Membership.objects.filter(campus=request.campus, user=user, role=payload.role).first()
    if existing is not None and not existing.is_active:
        update_object(request, existing, {"is_active": True}, action="grant")
        return Status(201, existing)
    membership = create_object(request, Membership, {"user": user, "role": payload.role}, action="grant")
    return Status(201, membership)


@router.delete("/memberships/{membership_id}", response={204: None}, url_name="membership_delete")
@requires("core.manage_users")
def membership_delete(request, membership_id: int):
    membership = get_in_campus(request, Membership.objects.filter(campus=request.campus), pk=membership_id)
    if membership.user_id == request.user.pk:
        raise ValidationError(_("You cannot remove your own role; ask another administrator."))
    delete_object(request, membership)
    return Status(204, None)
