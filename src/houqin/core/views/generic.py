"""Generic list / detail / form / delete views every app reuses (NetBox style).

A list view gives filters (django-filter), pinyin-aware search, pagination, an .xlsx
export of the filtered rows and an htmx partial for the table; the detail view shows the
object's fields, attachments and its 历史记录 (audit) tab; form views save through the
audited generic services. All of them live under /c/<campus>/ and state the permission
they need (``permission_required``; ``write_permission`` for changes).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django.views.generic.edit import FormView

from houqin.core import audit
from houqin.core.permissions import PermissionRequiredMixin, has_perm
from houqin.core.pinyin import pinyin_q
from houqin.core.services import object_delete, object_save


@dataclass
class Column:
    """A column of a list table and of its export.

    ``accessor`` is an attribute path ("school_class.name", "get_status_display") or a
    callable(obj). ``link`` makes the cell a link to the row's detail page.
    """

    header: str
    accessor: object
    link: bool = False
    export: bool = True
    css: str = ""

    def value(self, obj):
        if callable(self.accessor):
            return self.accessor(obj)
        value = obj
        for part in str(self.accessor).split("."):
            if value is None:
                return None
            value = getattr(value, part, None)
            if callable(value) and not isinstance(value, Model):
                value = value()
        return value


def campus_url(request, url_name, *args, **kwargs):
    return reverse(url_name, kwargs={"campus": request.campus.code, **kwargs}, args=args or None)


class CampusViewMixin(PermissionRequiredMixin):
    """Common context: title, campus and URL helpers."""

    title = ""
    model = None
    url_base = ""  # e.g. "core:room" → core:room_list, core:room_detail …

    def get_url_base(self):
        if self.url_base:
            return self.url_base
        return f"{self.model._meta.app_label}:{self.model._meta.model_name}"

    def url(self, suffix, **kwargs):
        try:
            return reverse(f"{self.get_url_base()}_{suffix}", kwargs={"campus": self.request.campus.code, **kwargs})
        except NoReverseMatch:
            return None

    def get_title(self):
        return self.title or (capfirst(self.model._meta.verbose_name_plural) if self.model else "")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # TemplateView puts the URL kwargs in the context; the "campus" kwarg (a code)
        # would hide the Campus object the context processor provides.
        ctx["campus"] = self.request.campus
        ctx.setdefault("title", self.get_title())
        ctx["can_write"] = bool(self.write_permission) and has_perm(self.request, self.write_permission)
        return ctx


class ObjectListView(CampusViewMixin, TemplateView):
    template_name = "generic/list.html"
    table_template = "generic/_table.html"
    columns: list[Column] = []
    export_columns: list[Column] | None = None
    filterset_class = None
    search_fields: tuple[str, ...] = ()
    pinyin_field = "name_pinyin"
    paginate_by = 25
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    ordering: tuple[str, ...] | None = None
    export_filename = ""
    create_label = ""

    def get_queryset(self):
        qs = self.model.objects.all()
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        if self.prefetch_related:
            qs = qs.prefetch_related(*self.prefetch_related)
        if self.ordering:
            qs = qs.order_by(*self.ordering)
        return qs

    def filter_queryset(self, qs):
        self.filterset = None
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else qs
        self.query = self.request.GET.get("q", "").strip()
        if self.query and self.search_fields:
            qs = qs.filter(
                pinyin_q(self.query, *self.search_fields, pinyin_field=self.pinyin_field if self.pinyin_field else "")
            )
        return qs

    def get(self, request, *args, **kwargs):
        qs = self.filter_queryset(self.get_queryset())
        if request.GET.get("export") == "xlsx":
            if not has_perm(request, "core.export"):
                from django.core.exceptions import PermissionDenied

                raise PermissionDenied
            return self.export(qs)
        self.object_list = qs
        ctx = self.get_context_data(**kwargs)
        if getattr(request, "htmx", False) and request.htmx.target == "object-table":
            return self.response_class(request, self.table_template, ctx)
        return self.render_to_response(ctx)

    def export(self, qs):
        from houqin.core.exports import xlsx_response

        columns = [c for c in (self.export_columns or self.columns) if c.export]
        title = str(self.get_title())
        filename = f"{self.export_filename or title}-{self.request.campus.display_name}.xlsx"
        return xlsx_response(
            filename=filename,
            title=title,
            columns=[(str(c.header), c.value) for c in columns],
            rows=qs.iterator(chunk_size=2000) if not self.prefetch_related else qs,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        paginator = Paginator(self.object_list, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        has_detail = self.url("detail", pk=0) is not None
        rows = []
        for obj in page.object_list:
            rows.append(
                {
                    "obj": obj,
                    "cells": [(c, c.value(obj)) for c in self.columns],
                    "url": self.url("detail", pk=obj.pk) if has_detail else None,
                }
            )
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("export", None)
        ctx.update(
            {
                "columns": self.columns,
                "rows": rows,
                "page": page,
                "paginator": paginator,
                "filterset": self.filterset,
                "query": self.query,
                "searchable": bool(self.search_fields),
                "create_url": self.url("create") if ctx["can_write"] else None,
                "create_label": self.create_label or _("Add"),
                "querystring": params.urlencode(),
                "can_export": has_perm(self.request, "core.export"),
                "table_template": self.table_template,
            }
        )
        return ctx


class ObjectMixin:
    """Fetches ``self.object`` (scoped to the campus by the model's manager)."""

    def get_queryset(self):
        return self.model.objects.all()

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class ObjectDetailView(ObjectMixin, CampusViewMixin, TemplateView):
    template_name = "generic/detail.html"
    fields: tuple[str, ...] | None = None  # model field names shown; None = all editable
    attachments = True
    history = True

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return str(self.object)

    def detail_fields(self):
        """[(label, value)] of the object's fields for display."""
        obj = self.object
        out = []
        names = self.fields
        if names is None:
            names = [
                f.name
                for f in obj._meta.concrete_fields
                if f.editable and f.name not in ("id", "campus") and not f.name.endswith("_pinyin")
            ]
        for name in names:
            field = obj._meta.get_field(name)
            if field.choices:
                value = getattr(obj, f"get_{name}_display")()
            else:
                value = getattr(obj, name)
            if isinstance(value, bool):
                value = _("Yes") if value else _("No")
            out.append((field.verbose_name, value))
        return out

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx.update(
            {
                "object": obj,
                "fields": self.detail_fields(),
                "update_url": self.url("update", pk=obj.pk) if ctx["can_write"] else None,
                "delete_url": self.url("delete", pk=obj.pk) if ctx["can_write"] else None,
                "list_url": self.url("list"),
                "show_attachments": self.attachments,
                "show_history": self.history,
            }
        )
        if self.history:
            ctx["history"] = audit.history_for(obj)[:100]
        if self.attachments:
            from django.contrib.contenttypes.models import ContentType

            from houqin.core.models import Attachment

            ctx["attachment_list"] = Attachment.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), voided_at__isnull=True
            ).select_related("uploaded_by")
            ctx["attachment_ct"] = ContentType.objects.get_for_model(obj).pk
        return ctx


class ObjectFormView(ObjectMixin, CampusViewMixin, FormView):
    """Create (no ``pk`` in the URL) or update an object through ``object_save``."""

    template_name = "generic/form.html"
    form_class = None
    success_url_suffix = "detail"

    def dispatch(self, request, *args, **kwargs):
        # Writes need write_permission even for the GET that shows the form.
        self.permission_required = self.write_permission or self.permission_required
        return super().dispatch(request, *args, **kwargs)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = None

    @property
    def is_create(self):
        return "pk" not in self.kwargs

    def get(self, request, *args, **kwargs):
        if not self.is_create:
            self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.is_create:
            self.object = self.get_object()
        # Snapshot before the form is validated: ModelForm validation copies the posted
        # values onto the instance, so a later snapshot would equal the new state.
        self.before = audit.snapshot(self.object) if self.object is not None else None
        return super().post(request, *args, **kwargs)

    def get_title(self):
        if self.is_create:
            return _("New %(what)s") % {"what": self.model._meta.verbose_name}
        return _("Edit %(what)s") % {"what": self.object}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.form_class is None:
            raise ImproperlyConfigured("form_class is required")
        kwargs["instance"] = self.object
        kwargs["campus"] = self.request.campus
        return kwargs

    def get_initial(self):
        return {k: v for k, v in self.request.GET.items() if k != "next"}

    def form_valid(self, form):
        before = getattr(self, "before", None)
        instance = form.save(commit=False)
        try:
            self.object = self.save_object(form, instance, before)
        except ValidationError as exc:
            _add_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return HttpResponseRedirect(self.get_success_url())

    def save_object(self, form, instance, before):
        obj = object_save(actor=self.request.user, instance=instance, before=before, campus=self.request.campus)
        form.save_m2m()
        return obj

    def get_success_url(self):
        nxt = self.request.GET.get("next", "")
        if nxt.startswith("/c/") and "//" not in nxt:
            return nxt
        return self.url(self.success_url_suffix, pk=self.object.pk) or self.url("list")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        ctx["cancel_url"] = (
            self.url("detail", pk=self.object.pk) if self.object is not None else self.url("list")
        ) or "../"
        return ctx


def _add_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ObjectDeleteView(ObjectMixin, CampusViewMixin, TemplateView):
    template_name = "generic/delete.html"

    def dispatch(self, request, *args, **kwargs):
        self.permission_required = self.write_permission or self.permission_required
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_title(self):
        return _("Delete %(what)s") % {"what": self.object}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["object"] = self.object
        ctx["cancel_url"] = self.url("detail", pk=self.object.pk) or self.url("list")
        return ctx

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            object_delete(actor=request.user, instance=self.object)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.url("detail", pk=self.object.pk) or self.url("list"))
        messages.success(request, _("Deleted."))
        return HttpResponseRedirect(self.url("list"))


class ImportView(CampusViewMixin, TemplateView):
    """An .xlsx import page: upload, and either the success message or every bad row.

    The importer (``run_import``) is all-or-nothing and returns a
    :class:`houqin.core.importers.ImportResult`; the template extends
    ``generic/import.html``."""

    form_class = None  # an XlsxUploadForm
    template_url_name = ""  # the downloadable template
    list_url_name = ""  # where a successful import goes
    success_message = ""  # with %(n)s and %(file)s
    MAX_SHOWN_ERRORS = 500

    def run_import(self, upload):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        from houqin.core.links import strict_request_url

        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", self.form_class(campus=self.request.campus))
        ctx["template_url"] = strict_request_url(self.request, self.template_url_name)
        ctx["list_url"] = strict_request_url(self.request, self.list_url_name)
        return ctx

    def post(self, request, *args, **kwargs):
        from houqin.core.links import strict_request_url

        form = self.form_class(request.POST, request.FILES, campus=request.campus)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        result = self.run_import(upload)
        if result.ok:
            messages.success(request, self.success_message % {"n": result.created, "file": upload.name})
            return HttpResponseRedirect(strict_request_url(request, self.list_url_name))
        return self.render_to_response(
            self.get_context_data(
                form=self.form_class(campus=request.campus),
                result=result,
                shown_errors=result.errors[: self.MAX_SHOWN_ERRORS],
                hidden_errors=max(0, len(result.errors) - self.MAX_SHOWN_ERRORS),
                error_rows=len({e.row for e in result.errors}),
                file_name=upload.name,
            )
        )


def crud_urls(prefix, name, *, list_view=None, create_view=None, detail_view=None, update_view=None, delete_view=None):
    """URL patterns ``<prefix>/``, ``<prefix>/new/``, ``<prefix>/<pk>/`` … named ``<name>_list`` …"""
    from django.urls import path

    patterns = []
    if list_view:
        patterns.append(path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"))
    if create_view:
        patterns.append(path(f"{prefix}/new/", create_view.as_view(), name=f"{name}_create"))
    if detail_view:
        patterns.append(path(f"{prefix}/<int:pk>/", detail_view.as_view(), name=f"{name}_detail"))
    if update_view:
        patterns.append(path(f"{prefix}/<int:pk>/edit/", update_view.as_view(), name=f"{name}_update"))
    if delete_view:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", delete_view.as_view(), name=f"{name}_delete"))
    return patterns
