from django.urls import path

from houqin.core.views import org

app_name = "org"

urlpatterns = [
    path("", org.overview, name="overview"),
    path("campuses/new/", org.campus_create, name="campus_create"),
]
