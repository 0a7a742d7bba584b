"""purchasing pages."""

urlpatterns = []
