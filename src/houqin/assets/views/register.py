"""register pages."""

urlpatterns = []
qr_urlpatterns = []
