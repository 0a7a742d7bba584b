"""Maintenance (维修) pages under /c/<campus>/maintenance/."""

from houqin.maintenance.views import repairs

app_name = "maintenance"

urlpatterns = [*repairs.urlpatterns]
