"""The stock screens of the pharmacy."""

urlpatterns: list = []
