"""The wards part of the JSON API (/api/v1/): the bed board.

GET /api/v1/bed-board/?ward=<id>    every ward's beds, as the board shows them
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from wards import selectors
from wards.live import BOARD_SCOPES


def _tile(tile: dict) -> dict:
    """A bed's square without the screens' links: what is in it and how the patient is."""
    score = tile["news2"]
    return {
        "id": tile["pk"],
        "number": tile["number"],
        "status": tile["status"],
        "status_label": tile["status_label"],
        "patient_name": tile["patient_name"] or None,
        "stay": tile["stay"] or None,
        "discharge_ordered": tile["discharge_ordered"],
        "news2": None
        if score is None
        else {"score": score.score, "red_parameter": score.red_parameter},
    }


_TILE = inline_serializer(
    "BedTile",
    {
        "id": serializers.IntegerField(),
        "number": serializers.CharField(),
        "status": serializers.CharField(),
        "status_label": serializers.CharField(),
        "patient_name": serializers.CharField(allow_null=True),
        "stay": serializers.CharField(allow_null=True),
        "discharge_ordered": serializers.BooleanField(),
        "news2": serializers.DictField(allow_null=True),
    },
)
_BOARD = inline_serializer(
    "BedBoard",
    {
        "icu_occupancy_percent": serializers.IntegerField(allow_null=True),
        "wards": inline_serializer(
            "BedBoardWard",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "beds": serializers.IntegerField(),
                "occupied": serializers.IntegerField(),
                "vacant": serializers.IntegerField(),
                "tiles": _TILE.__class__(many=True),
            },
            many=True,
        ),
    },
)


class BedBoard(APIView):
    """The live bed board: each ward with its counts and beds (NEWS2 only for clinical staff),
    in a constant number of queries however many beds."""

    capability = "patients.view_chart"
    scopes = BOARD_SCOPES

    @extend_schema(parameters=[OpenApiParameter("ward", OpenApiTypes.INT)], responses=_BOARD)
    def get(self, request):
        given = request.query_params.get("ward", "")
        if given and not given.isdigit():
            raise exceptions.ValidationError({"ward": ["A ward's id is a number."]})
        board = selectors.bed_board(request.user, ward_id=int(given) if given else None)
        return Response(
            {
                "icu_occupancy_percent": board["icu_occupancy"],
                "wards": [
                    {
                        "id": ward["pk"],
                        "name": ward["name"],
                        "beds": ward["bed_count"],
                        "occupied": ward["occupied"],
                        "vacant": ward["vacant"],
                        "tiles": [_tile(tile) for tile in ward["tiles"]],
                    }
                    for ward in board["wards"]
                ],
            }
        )
