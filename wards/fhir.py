"""Wards' FHIR R4 resources (/fhir/Location): each ward (`ward-<id>`, physical type "wa") and each
bed (`bed-<id>`, type "bd", part of its ward, its operational status from the bed board's: vacant,
occupied, cleaning, maintenance). Who may open the bed board may read them (no patient is named).
"""

from django.db.models import QuerySet
from rest_framework import exceptions

from hms import params
from hms.fhir import FhirView, Segment, coding, one_segment, reference, search_page, without_empty
from wards.live import BOARD_SCOPES
from wards.models import Bed, BedStatus, Ward

PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
BED_STATUS = "http://terminology.hl7.org/CodeSystem/v2-0116"
BED_STATUSES = {
    BedStatus.VACANT: ("U", "Unoccupied"),
    BedStatus.OCCUPIED: ("O", "Occupied"),
    BedStatus.CLEANING: ("H", "Housekeeping"),
    BedStatus.MAINTENANCE: ("C", "Closed"),
}


def ward_resource(ward: Ward) -> dict:
    return without_empty(
        {
            "resourceType": "Location",
            "id": f"ward-{ward.pk}",
            "status": "active" if ward.active else "inactive",
            "name": ward.name,
            "description": f"{ward.get_kind_display()} ward",
            "mode": "instance",
            "physicalType": {"coding": [coding(PHYSICAL_TYPE, "wa", "Ward")]},
        }
    )


def bed_resource(bed: Bed) -> dict:
    status = BED_STATUSES.get(bed.status)
    return without_empty(
        {
            "resourceType": "Location",
            "id": f"bed-{bed.pk}",
            "status": "active" if bed.ward.active else "inactive",
            "operationalStatus": coding(BED_STATUS, *status) if status else None,
            "name": f"{bed.ward.name} bed {bed.number}",
            "mode": "instance",
            "physicalType": {"coding": [coding(PHYSICAL_TYPE, "bd", "Bed")]},
            "partOf": reference("Location", f"ward-{bed.ward_id}", bed.ward.name),
        }
    )


def _ward_id(given: str) -> int | None:
    return params.db_id(given.removeprefix("Location/").removeprefix("ward-"))


def location_segments(request) -> list[Segment]:
    """Wards (by name), then beds (by ward and number); `name` (any part), `type` (wa|bd) and
    `partof` (Location/ward-<id>) narrow them."""
    query = request.query_params
    wards: QuerySet = Ward.objects.order_by("name", "pk")
    beds: QuerySet = Bed.objects.select_related("ward").order_by("ward__name", "number", "pk")
    if query.get("name"):
        wards = wards.filter(name__icontains=query["name"])
        beds = beds.filter(ward__name__icontains=query["name"])
    kind = query.get("type", "").rpartition("|")[2]
    if query.get("partof"):
        ward_id = _ward_id(query["partof"])
        beds = beds.filter(ward_id=ward_id) if ward_id else beds.none()
        wards = wards.none()
    segments = []
    if kind in ("", "wa"):
        segments.append(one_segment(wards, ward_resource))
    if kind in ("", "bd"):
        segments.append(one_segment(beds, bed_resource))
    return segments


class LocationSearch(FhirView):
    """GET /fhir/Location?name=…&type=wa|bd&partof=Location/ward-<id>: wards and beds."""

    capability = "patients.view_chart"
    scopes = BOARD_SCOPES

    def get(self, request):
        return self.fhir(search_page(request, "Location", location_segments(request)))


class LocationRead(FhirView):
    """GET /fhir/Location/ward-<id> or /fhir/Location/bed-<id>."""

    capability = "patients.view_chart"
    scopes = BOARD_SCOPES

    def get(self, request, pk: str):
        kind, _dash, given = pk.partition("-")
        row_id = params.db_id(given)
        found = None
        if kind == "ward" and row_id:
            ward = Ward.objects.filter(pk=row_id).first()
            found = ward_resource(ward) if ward else None
        elif kind == "bed" and row_id:
            bed = Bed.objects.select_related("ward").filter(pk=row_id).first()
            found = bed_resource(bed) if bed else None
        if found is None:
            raise exceptions.NotFound(f"No Location/{pk} here.")
        return self.fhir(found)
