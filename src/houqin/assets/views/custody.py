"""custody pages."""

urlpatterns = []
