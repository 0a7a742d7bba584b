"""Environment, cleaning and greening (环境) pages under /c/<campus>/environment/."""

from houqin.environment.views import environment

app_name = "environment"

urlpatterns = [*environment.urlpatterns]
