"""environment pages."""

urlpatterns = []
