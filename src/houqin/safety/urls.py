"""Safety pages under /c/<campus>/safety/."""

from houqin.safety.views import gate, hazards

app_name = "safety"

urlpatterns = [*hazards.urlpatterns, *gate.urlpatterns]
