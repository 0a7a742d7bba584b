"""Canteen pages under /c/<campus>/canteen/."""

from houqin.canteen.views import meals, nutrition, safety, supply

app_name = "canteen"

urlpatterns = [*supply.urlpatterns, *safety.urlpatterns, *nutrition.urlpatterns, *meals.urlpatterns]
