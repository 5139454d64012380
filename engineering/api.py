"""The engineering part of the JSON API (/api/v1/): a machine's page and reporting a fault.

GET  /api/v1/machines/<id>/            the machine: status, where, its open requests
POST /api/v1/machines/<id>/faults/     any staff: {"description", "unusable", "priority"}
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from engineering import selectors, services
from engineering.models import FaultRequest, Machine, Priority
from hms.api import idempotency_key
from hms.submissions import AlreadySubmitted


class FaultRow(serializers.ModelSerializer):
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)

    class Meta:
        model = FaultRequest
        fields = [
            "id",
            "number",
            "raised_at",
            "description",
            "unusable",
            "priority",
            "priority_label",
        ]


class MachineRow(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    department = serializers.CharField(source="department.name", allow_null=True)
    open_requests = serializers.SerializerMethodField()

    class Meta:
        model = Machine
        fields = [
            "id",
            "name",
            "asset_tag",
            "machine_type",
            "status",
            "status_label",
            "department",
            "manufacturer",
            "model_name",
            "serial_number",
            "open_requests",
        ]

    def get_open_requests(self, machine: Machine) -> list[dict]:
        waiting = FaultRequest.objects.filter(machine=machine, work_order__isnull=True).order_by(
            "priority_rank", "raised_at", "id"
        )
        return FaultRow(waiting, many=True).data


def _machine(pk: int) -> Machine:
    machine = selectors.machine_with_department(pk)
    if machine is None:
        raise exceptions.NotFound("No machine has that id.")
    return machine


class MachineDetail(APIView):
    """A machine as its page shows it to staff (scanned from its QR label)."""

    capability = "engineering.request"

    @extend_schema(responses=MachineRow)
    def get(self, request, pk: int):
        return Response(MachineRow(_machine(pk)).data)


class FaultReport(serializers.Serializer):
    description = serializers.CharField(max_length=1000)
    unusable = serializers.BooleanField(default=False)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)


class RaiseFault(APIView):
    """Report a fault; a machine reported unusable is out of order at once and the engineers are
    told, as from its page."""

    capability = "engineering.request"

    @extend_schema(request=FaultReport, responses={201: FaultRow})
    def post(self, request, pk: int):
        machine = _machine(pk)
        given = FaultReport(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            fault = services.fault_request_raise(
                actor=request.user,
                machine=machine,
                request=request._request,
                submission=idempotency_key(request),
                **given.validated_data,
            )
        except AlreadySubmitted as done:
            return Response(FaultRow(done.result).data)
        return Response(FaultRow(fault).data, status=201)
