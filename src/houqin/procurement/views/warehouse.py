"""warehouse pages."""

urlpatterns = []
