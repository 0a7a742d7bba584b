"""Pages of the disease area: medication, infectious disease, disinfection and health
education (喂药、传染病、消毒、健康教育), one module each; their URL patterns are gathered here."""

from houqin.health.views import disease_hygiene, disease_infection, disease_medication

urlpatterns = [*disease_medication.urlpatterns, *disease_infection.urlpatterns, *disease_hygiene.urlpatterns]
