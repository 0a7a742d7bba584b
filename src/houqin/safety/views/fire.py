"""The monthly fire report (消防月报表): fire routines, fire hazards and drills of a month."""

import datetime as dt

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from houqin.core.views.generic import CampusViewMixin
from houqin.safety import services


def parse_month(value):
    """2026-11 → date(2026, 11, 1); anything else → this month."""
    try:
        year, month = (int(p) for p in str(value or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


class FireReportView(CampusViewMixin, TemplateView):
    template_name = "safety/fire_report.html"
    permission_required = "safety.view_fire_report"
    title = gettext_lazy("Fire monthly report (消防月报表)")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        month = parse_month(self.request.GET.get("month"))
        report = services.fire_report(self.request.campus, month)
        prev_month = (month - dt.timedelta(days=1)).replace(day=1)
        next_month = (month + dt.timedelta(days=32)).replace(day=1)
        base = reverse(self.page_name, kwargs={"campus": self.request.campus.code})
        ctx.update(
            {
                "report": report,
                "month_value": f"{month:%Y-%m}",
                "prev_url": f"{base}?month={prev_month:%Y-%m}",
                "next_url": f"{base}?month={next_month:%Y-%m}",
                "print_url": reverse("safety:fire_report_print", kwargs={"campus": self.request.campus.code})
                + f"?month={month:%Y-%m}",
                "heading": _("Fire monthly report %(month)s") % {"month": f"{month:%Y-%m}"},
            }
        )
        return ctx

    page_name = "safety:fire_report"


class FireReportPrintView(FireReportView):
    template_name = "safety/fire_report_print.html"


urlpatterns = [
    path("fire-report/", FireReportView.as_view(), name="fire_report"),
    path("fire-report/print/", FireReportPrintView.as_view(), name="fire_report_print"),
]
