"""repairs pages."""

urlpatterns = []
qr_urlpatterns = []
