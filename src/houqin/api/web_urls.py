"""Web pages of the API package, included at ``account/`` by the root URLconf:
/account/tokens/ manages one's own API tokens."""

from django.urls import path

from houqin.api import views

urlpatterns = [
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="api_token_revoke"),
]
