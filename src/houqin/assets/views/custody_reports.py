"""Asset reports (assets.view_reports): acquisitions and disposals per term or year by
category, and the depreciation report (年限平均法) as of a chosen date; each with an .xlsx
export and a print layout. The numbers come from :mod:`houqin.assets.custody_services`."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.urls import path
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from houqin.assets import custody_services as services
from houqin.assets.custody_forms import DepreciationForm, PeriodForm
from houqin.core.exports import xlsx_response
from houqin.core.permissions import has_perm
from houqin.core.views.generic import CampusViewMixin

REPORTS = "assets.view_reports"
PRINT_LIMIT = 3000


def _require_export(request):
    if not has_perm(request, "core.export"):
        raise PermissionDenied


class PeriodReportView(CampusViewMixin, TemplateView):
    """Acquisitions (购置) and disposals (处置) per category for a term or a calendar year."""

    template_name = "assets/report_index.html"
    permission_required = REPORTS

    def get_title(self):
        return _("Asset acquisitions and disposals")

    def report(self):
        form = PeriodForm(self.request.GET or None, campus=self.request.campus)
        start, end, label = form.bounds()
        acquired, acquired_total = services.acquisitions_by_category(self.request.campus, start, end)
        disposed, disposed_total = services.disposals_by_category(self.request.campus, start, end)
        return {
            "form": form, "start": start, "end": end, "period_label": label, "acquired": acquired,
            "acquired_total": acquired_total, "disposed": disposed, "disposed_total": disposed_total,
        }  # fmt: skip

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            _require_export(request)
            return self.export(self.report())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.report())
        params = self.request.GET.copy()
        params.pop("export", None)
        ctx["querystring"] = params.urlencode()
        ctx["can_export"] = has_perm(self.request, "core.export")
        return ctx

    def export(self, data):
        rows = []
        for section, items, total in (
            (_("Acquisitions"), data["acquired"], data["acquired_total"]),
            (_("Disposals"), data["disposed"], data["disposed_total"]),
        ):
            rows += [{"section": section, **item} for item in items]
            rows.append({"section": section, "category": _("Total"), **total})
        title = _("Asset acquisitions and disposals %(period)s") % {"period": data["period_label"]}
        return xlsx_response(
            filename=f"{title}-{self.request.campus.display_name}.xlsx",
            title=title,
            columns=[
                (_("Section"), "section"),
                (_("Category"), "category"),
                (_("Cards"), "cards"),
                (_("Items"), "items"),
                (_("Value (yuan)"), "value"),
            ],
            rows=rows,
        )


class PeriodReportPrintView(PeriodReportView):
    template_name = "assets/report_index_print.html"


class DepreciationReportView(CampusViewMixin, TemplateView):
    """Straight-line depreciation (年限平均法) per asset with totals by category."""

    template_name = "assets/report_depreciation.html"
    permission_required = REPORTS
    paginate_by = 50

    def get_title(self):
        return _("Depreciation report (折旧表)")

    def report(self):
        form = DepreciationForm(self.request.GET or None, campus=self.request.campus)
        as_of, category = form.values()
        return form, services.depreciation_report(self.request.campus, as_of, category=category)

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            _require_export(request)
            return self.export(self.report()[1])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form, report = self.report()
        params = self.request.GET.copy()
        params.pop("export", None)
        params.pop("page", None)
        ctx.update(
            {
                "form": form,
                "report": report,
                "querystring": params.urlencode(),
                "can_export": has_perm(self.request, "core.export"),
            }
        )
        ctx.update(self.rows_context(report))
        return ctx

    def rows_context(self, report):
        page = Paginator(report.rows, self.paginate_by).get_page(self.request.GET.get("page"))
        return {"page": page, "rows": page.object_list}

    def export(self, report):
        rows = []
        by_category = {}
        for row in report.rows:
            by_category.setdefault(row.category_id, []).append(row)
        for group in report.categories:
            rows += by_category.get(group["category_id"], [])
            rows.append(
                {"tag": "", "name": _("Subtotal: %(category)s") % {"category": group["category"]},
                 "category": group["category"], "original": group["original"],
                 "accumulated": group["accumulated"], "net": group["net"]}
            )  # fmt: skip
        rows.append(
            {"tag": "", "name": _("Total"), "original": report.total["original"],
             "accumulated": report.total["accumulated"], "net": report.total["net"]}
        )  # fmt: skip

        def get(name):
            return lambda r: r.get(name) if isinstance(r, dict) else getattr(r, name)

        title = _("Depreciation report as of %(date)s") % {"date": report.as_of.isoformat()}
        return xlsx_response(
            filename=f"{title}-{self.request.campus.display_name}.xlsx",
            title=title,
            columns=[
                (_("Tag number"), get("tag")),
                (_("Name"), get("name")),
                (_("Category"), get("category")),
                (_("Useful life (years)"), get("life_years")),
                (_("Depreciation from"), get("start")),
                (_("Original value (yuan)"), get("original")),
                (_("Monthly depreciation (yuan)"), get("monthly")),
                (_("Months depreciated"), get("months")),
                (_("Accumulated depreciation (yuan)"), get("accumulated")),
                (_("Net book value (yuan)"), get("net")),
            ],
            rows=rows,
        )


class DepreciationPrintView(DepreciationReportView):
    template_name = "assets/report_depreciation_print.html"

    def rows_context(self, report):
        rows = report.rows[:PRINT_LIMIT]
        by_category = {}
        for row in rows:
            by_category.setdefault(row.category_id, []).append(row)
        groups = [{**g, "rows": by_category.get(g["category_id"], [])} for g in report.categories]
        return {"groups": groups, "truncated": len(report.rows) > PRINT_LIMIT, "limit": PRINT_LIMIT}


urlpatterns = [
    path("reports/", PeriodReportView.as_view(), name="report_index"),
    path("reports/print/", PeriodReportPrintView.as_view(), name="report_index_print"),
    path("reports/depreciation/", DepreciationReportView.as_view(), name="report_depreciation"),
    path("reports/depreciation/print/", DepreciationPrintView.as_view(), name="report_depreciation_print"),
]
