"""The dispensing screens of the pharmacy."""

urlpatterns: list = []
