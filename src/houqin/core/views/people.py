"""Classes, children (with guardians and the Excel import), and the campus's users and roles."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic.edit import FormView

from houqin.core import audit, importers, people_services
from houqin.core.filters import ChildFilter, MemberFilter, SchoolClassFilter
from houqin.core.forms import XlsxUploadForm
from houqin.core.forms_core import (
    ChildForm,
    PasswordResetForm,
    RoleGrantForm,
    SchoolClassForm,
    UserCreateForm,
    guardian_formset,
)
from houqin.core.links import strict_request_url as _url
from houqin.core.models import AuditEvent, Child, Membership, SchoolClass
from houqin.core.permissions import campus_view, has_perm
from houqin.core.roles import Role
from houqin.core.services import object_delete, object_save
from houqin.core.views.generic import (
    CampusViewMixin,
    Column,
    ImportView,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectFormView,
    ObjectListView,
    _add_errors,
    crud_urls,
)

IDENTITY = "core.unmask_child_identity"


def format_age(months):
    """An age like "4 y 3 m" (4岁3个月 once translated) from a number of months."""
    if months is None:
        return ""
    if months < 0:
        return ""
    return _("%(y)s y %(m)s m") % {"y": months // 12, "m": months % 12}


# --- Classes -----------------------------------------------------------------------------


class ClassMixin:
    model = SchoolClass
    url_base = "core:class"
    permission_required = "core.view_classes"
    write_permission = "core.manage_classes"


class ClassListView(ClassMixin, ObjectListView):
    filterset_class = SchoolClassFilter
    search_fields = ("name",)
    select_related = ("head_teacher", "room")
    ordering = ("sort_order", "grade", "name")  # Meta.ordering is dropped by the annotation
    create_label = gettext_lazy("New class")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Grade"), "get_grade_display"),
        Column(gettext_lazy("Head teacher"), "head_teacher.display_name"),
        Column(gettext_lazy("Room"), "room"),
        Column(gettext_lazy("Children"), "enrolled_count"),
        Column(gettext_lazy("Capacity"), "capacity"),
        Column(gettext_lazy("Entry year"), "entry_year"),
        Column(gettext_lazy("Active"), "is_active"),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(enrolled_count=Count("children", filter=Q(children__status=Child.Status.ENROLLED)))
        )


class ClassDetailView(ClassMixin, ObjectDetailView):
    template_name = "core/people_class_detail.html"
    fields = ("name", "grade", "entry_year", "head_teacher", "room", "capacity", "sort_order", "is_active")

    def get_queryset(self):
        return super().get_queryset().select_related("head_teacher", "room")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        show_children = has_perm(self.request, "core.view_children")
        ctx["show_children"] = show_children
        if show_children:
            children = list(
                self.object.children.filter(status=Child.Status.ENROLLED)
                .prefetch_related("guardians")
                .order_by("name")
            )
            ctx["children"] = children
            ctx["boys"] = sum(1 for c in children if c.sex == Child.Sex.MALE)
            ctx["girls"] = len(children) - ctx["boys"]
            ctx["roster_url"] = _url(self.request, "core:class_roster", pk=self.object.pk)
            if has_perm(self.request, "core.manage_children"):
                ctx["new_child_url"] = (
                    _url(self.request, "core:child_create") + f"?school_class={self.object.pk}"
                )
        return ctx


class ClassFormView(ClassMixin, ObjectFormView):
    form_class = SchoolClassForm


class ClassDeleteView(ClassMixin, ObjectDeleteView):
    pass


class ClassRosterView(ClassMixin, ObjectDetailView):
    """The class roster on A4, for the classroom wall or the gate."""

    template_name = "core/people_class_roster.html"
    permission_required = "core.view_children"
    write_permission = ""
    attachments = False
    history = False

    def get_queryset(self):
        return super().get_queryset().select_related("head_teacher", "room")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        children = list(
            self.object.children.filter(status=Child.Status.ENROLLED)
            .prefetch_related("guardians")
            .order_by("student_no", "name")
        )
        for child in children:
            child.age_text = format_age(child.age_months)
        ctx.update(
            {
                "title": _("Class roster: %(name)s") % {"name": self.object.name},
                "children": children,
                "boys": sum(1 for c in children if c.sex == Child.Sex.MALE),
                "girls": sum(1 for c in children if c.sex == Child.Sex.FEMALE),
                "today": timezone.localdate(),
            }
        )
        return ctx


# --- Children ----------------------------------------------------------------------------


def _primary_guardian(child):
    guardians = list(child.guardians.all())
    return guardians[0] if guardians else None


def _guardian_cell(n, attr):
    def value(child):
        guardians = list(child.guardians.all())
        if len(guardians) < n:
            return ""
        guardian = guardians[n - 1]
        return guardian.get_relation_display() if attr == "relation" else getattr(guardian, attr)

    return value


class ChildMixin:
    model = Child
    url_base = "core:child"
    permission_required = "core.view_children"
    write_permission = "core.manage_children"


class ChildListView(ChildMixin, ObjectListView):
    template_name = "core/people_child_list.html"
    filterset_class = ChildFilter
    search_fields = ("name", "student_no")
    select_related = ("school_class",)
    prefetch_related = ("guardians",)
    create_label = gettext_lazy("New child")
    columns = [
        Column(gettext_lazy("Name"), "name", link=True),
        Column(gettext_lazy("Sex"), "get_sex_display"),
        Column(gettext_lazy("Age"), lambda c: format_age(c.age_months)),
        Column(gettext_lazy("Class"), "school_class.name"),
        Column(gettext_lazy("Student number"), "student_no"),
        Column(gettext_lazy("Guardian phone"), lambda c: getattr(_primary_guardian(c), "phone", "")),
        Column(
            gettext_lazy("Allergies"),
            lambda c: (
                format_html('<span class="badge bg-orange-lt">{}</span>', c.allergies) if c.allergies else ""
            ),
            css="text-wrap",
        ),
        Column(gettext_lazy("Status"), "get_status_display"),
    ]

    @property
    def export_columns(self):
        show_id = has_perm(self.request, IDENTITY)
        return [
            Column(_("Name"), "name"),
            Column(_("Sex"), "get_sex_display"),
            Column(_("Date of birth"), "birth_date"),
            Column(_("Age"), lambda c: format_age(c.age_months)),
            Column(_("Class"), "school_class.name"),
            Column(_("Grade"), "school_class.get_grade_display"),
            Column(_("Student number"), "student_no"),
            Column(_("ID number"), "id_number" if show_id else "masked_id_number"),
            Column(_("Status"), "get_status_display"),
            Column(_("Enrolled on"), "enrolled_on"),
            Column(_("Allergies"), "allergies"),
            Column(_("Special diet"), "special_diet"),
            *[
                Column(label % {"n": n}, _guardian_cell(n, attr))
                for n in (1, 2)
                for label, attr in (
                    (_("Guardian %(n)s"), "name"),
                    (_("Guardian %(n)s relation"), "relation"),
                    (_("Guardian %(n)s phone"), "phone"),
                )
            ],
        ]

    def filter_queryset(self, qs):
        # Enrolled children by default; "All" in the status filter shows everyone.
        if "status" not in self.request.GET:
            self.request.GET = self.request.GET.copy()
            self.request.GET["status"] = Child.Status.ENROLLED
        return super().filter_queryset(qs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if ctx["can_write"]:
            ctx["import_url"] = _url(self.request, "core:child_import")
        return ctx


class ChildDetailView(ChildMixin, ObjectDetailView):
    template_name = "core/people_child_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("school_class")

    def detail_fields(self):
        c = self.object
        id_number = c.id_number if has_perm(self.request, IDENTITY) else c.masked_id_number
        return [
            (_("Name"), c.name),
            (_("Sex"), c.get_sex_display()),
            (_("Date of birth"), c.birth_date),
            (_("Age"), format_age(c.age_months)),
            (_("Class"), c.school_class),
            (_("Student number"), c.student_no),
            (_("ID number"), id_number),
            (_("Status"), c.get_status_display()),
            (_("Enrolled on"), c.enrolled_on),
            (_("Left on"), c.left_on),
            (_("Allergies"), c.allergies),
            (_("Special diet"), c.special_diet),
            (_("Note"), c.note),
        ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["guardians"] = self.object.guardians.all()
        if not has_perm(self.request, IDENTITY) and ctx.get("history"):
            ctx["history"] = [_mask_identity_event(e) for e in ctx["history"]]
        return ctx


def _mask_identity_event(event):
    """The history tab must not reveal what the details tab masks."""
    from houqin.core.validators import mask_id_number

    for data in (event.before, event.after):
        if isinstance(data, dict) and data.get("id_number"):
            data["id_number"] = mask_id_number(data["id_number"])
    return event


class ChildFormView(ChildMixin, ObjectFormView):
    """Create or edit a child together with the guardians (one transaction, every row audited)."""

    form_class = ChildForm
    template_name = "core/people_child_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["show_identity"] = has_perm(self.request, IDENTITY)
        return kwargs

    def get_formset(self, child):
        FormSet = guardian_formset(extra=1)
        kwargs = {"instance": child, "prefix": "guardians", "form_kwargs": {"campus": self.request.campus}}
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return FormSet(**kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if "formset" not in ctx:
            ctx["formset"] = self.get_formset(ctx["form"].instance)
        return ctx

    def post(self, request, *args, **kwargs):
        if not self.is_create:
            self.object = self.get_object()
        self.before = audit.snapshot(self.object) if self.object is not None else None
        guardians_before = (
            {g.pk: audit.snapshot(g) for g in self.object.guardians.all()} if self.object is not None else {}
        )
        form = self.get_form()
        formset = self.get_formset(form.instance)
        form_ok = form.is_valid()
        formset_ok = formset.is_valid()
        if form_ok and formset_ok:
            try:
                self.object = self.save_all(form, formset, guardians_before)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(self.get_success_url())
        return self.render_to_response(self.get_context_data(form=form, formset=formset))

    @transaction.atomic
    def save_all(self, form, formset, guardians_before):
        actor, campus = self.request.user, self.request.campus
        child = object_save(actor=actor, instance=form.save(commit=False), before=self.before, campus=campus)
        for gform in formset.forms:
            instance = gform.instance
            if formset._should_delete_form(gform):
                if instance.pk:
                    object_delete(actor=actor, instance=instance)
                continue
            if instance.pk is None and not gform.has_changed():
                continue  # an empty extra row
            guardian = gform.save(commit=False)
            guardian.child = child
            object_save(
                actor=actor, instance=guardian, before=guardians_before.get(guardian.pk), campus=campus
            )
        return child


class ChildDeleteView(ChildMixin, ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        self.object = child = self.get_object()
        try:
            with transaction.atomic():
                # Guardians go with the child; each is audited rather than left to the cascade.
                for guardian in child.guardians.all():
                    object_delete(actor=request.user, instance=guardian)
                object_delete(actor=request.user, instance=child)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.url("detail", pk=child.pk))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(self.url("list"))


class ChildImportView(ImportView):
    """Upload an .xlsx of children: everything is checked, nothing is imported unless all rows are valid."""

    template_name = "core/people_child_import.html"
    permission_required = "core.manage_children"
    write_permission = "core.manage_children"
    title = gettext_lazy("Import children from Excel")
    form_class = XlsxUploadForm
    template_url_name = "core:child_import_template"
    list_url_name = "core:child_list"
    success_message = gettext_lazy("Imported %(n)s children from %(file)s.")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["classes"] = SchoolClass.objects.filter(is_active=True).values_list("name", flat=True)
        ctx["headers"] = importers.CHILD_HEADERS
        ctx["required_headers"] = importers.REQUIRED_HEADERS
        return ctx

    def run_import(self, upload):
        return importers.children_import(actor=self.request.user, campus=self.request.campus, file=upload)


@campus_view("core.manage_children")
def child_import_template(request, campus):
    content = importers.children_template(request.campus)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, _("children-import-template") + ".xlsx"
    )
    return response


# --- Users and roles ---------------------------------------------------------------------

User = get_user_model()


def _role_badges(user):
    return format_html_join(
        " ",
        '<span class="badge {}">{}</span>',
        (
            (
                "bg-blue-lt" if m.is_active else "bg-secondary-lt text-decoration-line-through",
                m.get_role_display(),
            )
            for m in user.campus_memberships
        ),
    )


class MemberMixin:
    model = User
    url_base = "core:membership"
    permission_required = "core.view_users"
    write_permission = "core.manage_users"

    def get_title(self):
        return _("Users and roles")

    def members(self):
        campus = self.request.campus
        return people_services.campus_members(campus).prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(campus=campus).order_by("role"),
                to_attr="campus_memberships",
            )
        )


class MembershipListView(MemberMixin, ObjectListView):
    """One row per person holding (or having held) a role on the campus, with those roles.

    ``model`` names what the page manages (memberships); the rows are their users.
    """

    model = Membership
    filterset_class = MemberFilter
    search_fields = ("real_name", "username", "phone")
    create_label = gettext_lazy("New user")
    columns = [
        Column(gettext_lazy("Real name"), "display_name", link=True),
        Column(gettext_lazy("User name"), "username"),
        Column(gettext_lazy("Mobile phone"), "phone"),
        Column(gettext_lazy("Roles on this campus"), _role_badges, export=False, css="text-wrap"),
        Column(gettext_lazy("Account active"), "is_active"),
        Column(gettext_lazy("Last login"), "last_login"),
    ]
    export_columns = [
        *columns[:3],
        Column(
            gettext_lazy("Roles on this campus"),
            lambda u: "、".join(str(m.get_role_display()) for m in u.campus_memberships if m.is_active),
        ),
        *columns[4:],
    ]

    def get_queryset(self):
        return self.members().order_by("real_name", "username")


class MembershipDetailView(MemberMixin, ObjectDetailView):
    template_name = "core/people_member_detail.html"
    attachments = False
    fields = ("username", "real_name", "phone", "is_active", "last_login", "date_joined")

    def get_queryset(self):
        return self.members()

    def get_title(self):
        return self.object.display_name

    def url(self, suffix, **kwargs):
        return _url(self.request, "core:membership_list") if suffix == "list" else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, campus = self.object, self.request.campus
        held = {m.role for m in user.campus_memberships if m.is_active}
        grant_form = RoleGrantForm(campus=campus)
        grant_form.fields["role"].choices = [("", _("Choose a role…"))] + [
            (v, label) for v, label in Role.choices if v not in held
        ]
        ctx.update(
            {
                "memberships": user.campus_memberships,
                "grant_form": grant_form,
                "elsewhere": Membership.objects.filter(user=user, is_active=True)
                .exclude(campus=campus)
                .count(),
                "can_reset_password": ctx["can_write"]
                and people_services.can_reset_password(actor=self.request.user, campus=campus, user=user),
                "history": self.campus_history(user),
            }
        )
        return ctx

    def campus_history(self, user):
        """Events of this campus about the user and their roles here."""
        user_ct = ContentType.objects.get_for_model(User)
        membership_ct = ContentType.objects.get_for_model(Membership)
        return (
            AuditEvent.objects.filter(campus=self.request.campus)
            .filter(
                Q(content_type=user_ct, object_id=str(user.pk))
                | Q(content_type=membership_ct) & (Q(before__user_id=user.pk) | Q(after__user_id=user.pk))
            )
            .select_related("actor")[:100]
        )


class MembershipCreateView(MemberMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = UserCreateForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission
        return super().dispatch(request, *args, **kwargs)

    def get_title(self):
        return _("New user")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = people_services.user_create(
                actor=self.request.user,
                campus=self.request.campus,
                username=data["username"],
                real_name=data["real_name"],
                phone=data["phone"],
                password=data["password1"],
                roles=data["roles"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The account %(user)s was created.") % {"user": user.username})
        return HttpResponseRedirect(_url(self.request, "core:membership_detail", pk=user.pk))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "core:membership_list")
        return ctx


def _member_or_404(request, pk):
    return get_object_or_404(people_services.campus_members(request.campus), pk=pk)


def _membership_or_404(request, pk):
    return get_object_or_404(Membership.objects.select_related("user"), pk=pk, campus=request.campus)


def _back_to(request, user_pk):
    return HttpResponseRedirect(_url(request, "core:membership_detail", pk=user_pk))


@campus_view("core.manage_users")
@require_POST
def membership_grant(request, campus, pk):
    user = _member_or_404(request, pk)
    form = RoleGrantForm(request.POST, campus=request.campus)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return _back_to(request, user.pk)
    try:
        people_services.membership_grant(
            actor=request.user, campus=request.campus, user=user, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role granted."))
    return _back_to(request, user.pk)


@campus_view("core.manage_users")
@require_POST
def membership_revoke(request, campus, pk):
    membership = _membership_or_404(request, pk)
    try:
        people_services.membership_revoke(actor=request.user, campus=request.campus, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role revoked."))
    return _back_to(request, membership.user_id)


@campus_view("core.manage_users")
@require_POST
def membership_active(request, campus, pk):
    membership = _membership_or_404(request, pk)
    active = request.POST.get("is_active") == "1"
    try:
        people_services.membership_set_active(
            actor=request.user, campus=request.campus, membership=membership, is_active=active
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Role reactivated.") if active else _("Role deactivated."))
    return _back_to(request, membership.user_id)


class MembershipPasswordView(MemberMixin, CampusViewMixin, FormView):
    template_name = "generic/form.html"
    form_class = PasswordResetForm

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission
        return super().dispatch(request, *args, **kwargs)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.member = None

    def get_member(self):
        if self.member is None:
            self.member = _member_or_404(self.request, self.kwargs["pk"])
        return self.member

    def get_title(self):
        return _("Reset the password of %(user)s") % {"user": self.get_member().display_name}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["campus"] = self.request.campus
        return kwargs

    def get(self, request, *args, **kwargs):
        self.check_allowed()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.check_allowed()
        return super().post(request, *args, **kwargs)

    def check_allowed(self):
        if not people_services.can_reset_password(
            actor=self.request.user, campus=self.request.campus, user=self.get_member()
        ):
            raise PermissionDenied

    def form_valid(self, form):
        try:
            people_services.user_password_reset(
                actor=self.request.user,
                campus=self.request.campus,
                user=self.get_member(),
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The password was reset; tell the user the new one privately."))
        return _back_to(self.request, self.get_member().pk)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cancel_url"] = _url(self.request, "core:membership_detail", pk=self.get_member().pk)
        return ctx


# --- URLs --------------------------------------------------------------------------------

urlpatterns = [
    *crud_urls(
        "classes",
        "class",
        list_view=ClassListView,
        create_view=ClassFormView,
        detail_view=ClassDetailView,
        update_view=ClassFormView,
        delete_view=ClassDeleteView,
    ),
    path("classes/<int:pk>/roster/", ClassRosterView.as_view(), name="class_roster"),
    path("children/import/", ChildImportView.as_view(), name="child_import"),
    path("children/import/template.xlsx", child_import_template, name="child_import_template"),
    *crud_urls(
        "children",
        "child",
        list_view=ChildListView,
        create_view=ChildFormView,
        detail_view=ChildDetailView,
        update_view=ChildFormView,
        delete_view=ChildDeleteView,
    ),
    *crud_urls(
        "users",
        "membership",
        list_view=MembershipListView,
        create_view=MembershipCreateView,
        detail_view=MembershipDetailView,
    ),
    path("users/<int:pk>/grant/", membership_grant, name="membership_grant"),
    path("users/<int:pk>/password/", MembershipPasswordView.as_view(), name="membership_password"),
    path("memberships/<int:pk>/revoke/", membership_revoke, name="membership_revoke"),
    path("memberships/<int:pk>/active/", membership_active, name="membership_active"),
]
