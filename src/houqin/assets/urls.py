"""Assets (资产) pages under /c/<campus>/assets/."""

from houqin.assets.views import custody, register, stocktake

app_name = "assets"

urlpatterns = [*register.urlpatterns, *custody.urlpatterns, *stocktake.urlpatterns]
