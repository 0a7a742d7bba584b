"""Environment, cleaning and greening (环境) pages under /c/<campus>/environment/.

``urlpatterns`` gathers the pages of each side of the module, each in its own file:
zones (责任区), scoring sheets, inspections and the ranking (卫生检查评比), problems sent
back (限时纠正), greening (绿化), functional rooms and dormitories, and the term report.
"""

from django.urls import path


def _gather():
    from houqin.environment.views import greening, inspections, problems, reports, rooms, zones

    return [
        *zones.urlpatterns,
        *inspections.urlpatterns,
        *problems.urlpatterns,
        *greening.urlpatterns,
        *rooms.urlpatterns,
        path("report/", reports.ReportView.as_view(), name="report"),
        path("report/print/", reports.ReportPrintView.as_view(), name="report_print"),
    ]


urlpatterns = _gather()
