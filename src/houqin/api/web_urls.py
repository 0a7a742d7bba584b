# Placeholder until the token pages land (helper writes this file).
urlpatterns = []
