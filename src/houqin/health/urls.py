"""Health care pages under /c/<campus>/health/."""

from houqin.health.views import care, daily, disease, growth

app_name = "health"

urlpatterns = [*daily.urlpatterns, *disease.urlpatterns, *growth.urlpatterns, *care.urlpatterns]
