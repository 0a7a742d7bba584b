from django.urls import path

from houqin.core.permissions import public_view


@public_view
def disclosure(request, public_campus):  # replaced by the disclosure page implementation
    raise NotImplementedError


urlpatterns = [path("", disclosure, name="disclosure")]
