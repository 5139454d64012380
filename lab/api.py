"""The lab part of the JSON API (/api/v1/): a patient's verified results and their reports.

GET /api/v1/me/results/                 my verified results, newest first (the verified
                                        version: a correction shows once it is verified)
GET /api/v1/results/<id>/report/        the report PDF (staff who view results; a patient
                                        their own verified one), each download audited
"""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import ListAPIView
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from hms import files, rbac
from hms.api import CursorPage
from lab import selectors, services
from lab.models import TestOrder


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
