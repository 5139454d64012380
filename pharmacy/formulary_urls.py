"""The formulary screens of the pharmacy."""

urlpatterns: list = []
