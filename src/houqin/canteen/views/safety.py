"""Pages of the safety area: sample retention, hygiene logs and kitchen staff (留样、卫生记录、从业人员).

The pages live in ``safety_samples``, ``safety_hygiene`` and ``safety_staff``; this module
gathers their URL patterns."""

from houqin.canteen.views import safety_hygiene, safety_samples, safety_staff

urlpatterns = [*safety_samples.urlpatterns, *safety_hygiene.urlpatterns, *safety_staff.urlpatterns]
