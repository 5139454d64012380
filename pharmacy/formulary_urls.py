"""The formulary screens of the pharmacy."""

from django.urls import path

from pharmacy import formulary_views as views
from pharmacy import interaction_views

urlpatterns: list = [
    path("formulary/", views.formulary_list, name="formulary_list"),
    path("formulary/add/", views.formulary_add, name="formulary_add"),
    path("formulary/<int:pk>/", views.formulary_edit, name="formulary_edit"),
    path("formulary/pick/", views.formulary_pick, name="formulary_pick"),
    path("interactions/", interaction_views.interaction_list, name="interaction_list"),
    path(
        "interactions/<int:pk>/deactivate/",
        interaction_views.interaction_deactivate,
        name="interaction_deactivate",
    ),
]
