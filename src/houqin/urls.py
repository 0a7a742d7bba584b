from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from houqin.assets.views import register as assets_register
from houqin.core.permissions import login_view, public_view
from houqin.core.views import shell
from houqin.maintenance.views import repairs as maintenance_repairs
from houqin.safety.views import hazards as safety_hazards

urlpatterns = [
    path("", shell.home, name="home"),
    path("campuses/", shell.campus_choose, name="campus_choose"),
    path("accounts/login/", shell.LoginView.as_view(), name="login"),
    path("accounts/logout/", public_view(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/password/", shell.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        login_view(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path("i18n/setlang/", public_view(set_language), name="set_language"),
    path("q/<str:token>/", shell.qr_landing, name="qr_landing"),
    *safety_hazards.qr_urlpatterns,
    *assets_register.qr_urlpatterns,
    *maintenance_repairs.qr_urlpatterns,
    path("c/<slug:campus>/", include("houqin.core.urls")),
    path("c/<slug:campus>/safety/", include("houqin.safety.urls")),
    path("c/<slug:campus>/assets/", include("houqin.assets.urls")),
    path("c/<slug:campus>/procurement/", include("houqin.procurement.urls")),
    path("c/<slug:campus>/maintenance/", include("houqin.maintenance.urls")),
    path("c/<slug:campus>/environment/", include("houqin.environment.urls")),
    path("c/<slug:campus>/health/", include("houqin.health.urls")),
    path("c/<slug:campus>/canteen/", include("houqin.canteen.urls")),
    path("p/<slug:public_campus>/", include("houqin.core.public_urls")),
    path("o/<slug:org>/", include("houqin.core.org_urls")),
    path("account/", include("houqin.api.web_urls")),
    path("api/v1/", include("houqin.api.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
