"""The lab part of the JSON API (/api/v1/): a patient's verified results and their reports.

GET /api/v1/me/results/                 my verified results, newest first (the verified
                                        version: a correction shows once it is verified)
GET /api/v1/results/<id>/report/        the report PDF (staff who view results; a patient
                                        their own verified one), each download audited
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from hms import files, rbac
from hms.api import CursorPage, NumberedPage
from lab import selectors, services
from lab.models import Department, OrderStatus, TestOrder


class ResultValueRow(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.CharField()
    unit = serializers.CharField()
    reference = serializers.CharField()
    flag = serializers.CharField()


class ResultRow(serializers.ModelSerializer):
    """One verified result as the portal shows it: the verified version's values and findings."""

    test = serializers.CharField(source="test.name")
    test_code = serializers.CharField(source="test.code")
    values = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta:
        model = TestOrder
        fields = [
            "id",
            "number",
            "test",
            "test_code",
            "verified_at",
            "values",
            "findings",
            "report",
        ]

    def _version(self, order: TestOrder):
        return next((v for v in order.versions.all() if v.version == order.verified_version), None)

    def get_values(self, order: TestOrder) -> list[dict]:
        rows = [v for v in order.values.all() if v.version == order.verified_version]
        return ResultValueRow(rows, many=True).data

    def get_findings(self, order: TestOrder) -> str:
        version = self._version(order)
        return version.findings if version else ""

    def get_report(self, order: TestOrder) -> str | None:
        """The API address of the report PDF, when the verified version has one."""
        version = self._version(order)
        if not (version and version.report):
            return None
        return reverse("api_result_report", args=[order.pk], request=self.context.get("request"))


class ResultPage(CursorPage):
    ordering = ("-verified_at", "-id")


class MyResults(ListAPIView):
    """A patient's own verified results, newest first."""

    capability = "tests.view_results"
    scopes = {rbac.OWN_VERIFIED}
    serializer_class = ResultRow
    pagination_class = ResultPage

    def get_queryset(self):
        return selectors.portal_results(self.request.user)


class ResultReport(APIView):
    """The report PDF of a result: staff who view results, or the patient of a verified result
    (its verified version's report). Another patient's result answers 404."""

    capability = "tests.view_results"

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        found = selectors.downloadable_report(request.user, pk)
        if found is None:
            raise exceptions.NotFound("No report of yours has that id.")
        order, report = found
        services.report_downloaded(actor=request.user, order=order, request=request._request)
        return files.download(
            report, content_type="application/pdf", filename=f"{order.number}.pdf"
        )


class WorklistRow(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    test = serializers.CharField(source="test.name")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    next_status = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = TestOrder
        fields = [
            "id",
            "number",
            "test",
            "priority",
            "status",
            "status_label",
            "next_status",
            "ordered_at",
            "due_at",
            "patient",
        ]

    def get_patient(self, order: TestOrder) -> dict:
        return {
            "id": str(order.patient_id),
            "mrn": order.patient.mrn,
            "name": f"{order.patient.first_name} {order.patient.last_name}",
        }


class Worklist(ListAPIView):
    """The lab's open work (or one status of it, or completed awaiting verification), STAT
    before urgent before routine, oldest first; numbered pages with the count."""

    capability = "tests.process"
    serializer_class = WorklistRow
    pagination_class = NumberedPage

    def get_queryset(self):
        department = self.request.query_params.get("department", "")
        status = self.request.query_params.get("status", "")
        if department and department not in Department.values:
            raise exceptions.ValidationError({"department": ["Not one of the lab's departments."]})
        if status and status not in [*selectors.OPEN_STATUSES, OrderStatus.COMPLETED]:
            raise exceptions.ValidationError({"status": ["Not a status of open work."]})
        return selectors.worklist(department=department, status=status)


class AdvanceRequest(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=OrderStatus.choices)


class Advance(APIView):
    """Move a test one step on (collected, in progress, completed, verified), as the worklist's
    buttons do: a step skipped or repeated is refused (409), verifying one's own work too."""

    capability = "tests.process"

    @extend_schema(request=AdvanceRequest, responses=WorklistRow)
    def post(self, request, pk: int):
        order = TestOrder.objects.select_related("patient", "test").filter(pk=pk).first()
        if order is None:
            raise exceptions.NotFound("No test order has that id.")
        given = AdvanceRequest(data=request.data)
        given.is_valid(raise_exception=True)
        # A step sent twice is refused the second time (the order has moved on): never done twice.
        order = services.order_advance(
            actor=request.user,
            order=order,
            to_status=given.validated_data["to_status"],
            request=request._request,
        )
        return Response(WorklistRow(order).data)
