"""Pages of the nutrition area: Ingredients, dishes, weekly menus and nutrition analysis (带量食谱与营养分析)."""

from houqin.canteen.views import nutrition_catalogue, nutrition_menus

urlpatterns = [*nutrition_catalogue.urlpatterns, *nutrition_menus.urlpatterns]
