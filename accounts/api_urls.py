"""The accounts part of the JSON API (/api/v1/): sign-in tokens and the signed-in person."""

from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/token/", api.TokenObtain.as_view(), name="api_token"),
    path("auth/refresh/", api.TokenRefresh.as_view(), name="api_token_refresh"),
    path("auth/revoke/", api.TokenRevoke.as_view(), name="api_token_revoke"),
    path("me/", api.Me.as_view(), name="api_me"),
]
