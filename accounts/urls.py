"""Sign-in pages (allauth, only the ones a hospital uses), the second factor, user management."""

from allauth.account import views as allauth
from django.urls import include, path, re_path

from accounts import views
from hms import rbac

# No sign-up, no e-mail management: the hospital creates its users.
_auth = [
    path("login/", rbac.public(allauth.login), name="account_login"),
    path("logout/", rbac.signed_in(allauth.logout), name="account_logout"),
    path("inactive/", rbac.public(allauth.account_inactive), name="account_inactive"),
    path(
        "password/change/",
        rbac.signed_in(allauth.password_change),
        name="account_change_password",
    ),
    path("password/reset/", rbac.public(allauth.password_reset), name="account_reset_password"),
    path(
        "password/reset/done/",
        rbac.public(allauth.password_reset_done),
        name="account_reset_password_done",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        rbac.public(allauth.password_reset_from_key),
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        rbac.public(allauth.password_reset_from_key_done),
        name="account_reset_password_from_key_done",
    ),
    path("reauthenticate/", rbac.signed_in(allauth.reauthenticate), name="account_reauthenticate"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/remove/", views.otp_remove, name="otp_remove"),
]

_users = [
    path("", views.user_list, name="user_list"),
    path("new/", views.user_create, name="user_create"),
    path("<int:pk>/", views.user_edit, name="user_edit"),
    path("<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("<int:pk>/activate/", views.user_activate, name="user_activate"),
    path("<int:pk>/password/", views.user_set_password, name="user_set_password"),
    path(
        "<int:pk>/second-factor/remove/",
        views.user_remove_second_factor,
        name="user_remove_second_factor",
    ),
]

urlpatterns = [
    path("accounts/", include(_auth)),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("users/", include(_users)),
]
