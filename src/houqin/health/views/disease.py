"""Pages of the disease area: Medication, infectious disease, disinfection and health education (喂药、传染病、消毒、健康教育)."""

urlpatterns = []
