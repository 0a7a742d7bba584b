"""stocktake pages."""

urlpatterns = []
