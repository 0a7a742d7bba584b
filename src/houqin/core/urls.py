"""Campus pages, all under /c/<campus>/ (the middleware scopes them)."""

from django.urls import path

from houqin.core.views import calendar, mechanisms, people, places, routines, shell

app_name = "core"

urlpatterns = [
    path("", shell.dashboard_view, name="dashboard"),
    *places.urlpatterns,
    *people.urlpatterns,
    *calendar.urlpatterns,
    *mechanisms.urlpatterns,
    *routines.urlpatterns,
]
