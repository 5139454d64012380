"""The wards part of the JSON API (/api/v1/)."""

from django.urls import path

from wards import api

urlpatterns = [path("bed-board/", api.BedBoard.as_view(), name="api_bed_board")]
