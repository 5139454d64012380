"""The admission page's vitals chart: the stay's readings over time with their NEWS2, for those
who see whole charts; and the discharge order's medicines, read only for those who may order it."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinical.models import Vitals
from tests.factories import AdmissionFactory, FormularyItemFactory
from tests.pharmacy.mar_rx import ordered
from tests.vitals_sets import NOW, STEADY_SET


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def stay(staff):
    """Admitted yesterday at 14:00 under Dr Odhiambo: a set before the admission (a clinic
    visit), a steady set this morning, and one scoring 7 at noon."""
    admission = AdmissionFactory(attending_doctor=staff.doctor, admitted_at=NOW - timedelta(days=1))
    for hours_ago, readings in [
        (30, STEADY_SET | {"pulse": 64}),
        (6, STEADY_SET),
        (2, STEADY_SET | {"respiratory_rate": 25, "pulse": 131, "spo2": 95}),
    ]:
        Vitals.objects.create(
            patient=admission.patient,
            recorded_by=staff.nurse,
            recorded_at=NOW - timedelta(hours=hours_ago),
            **readings,
        )
    return admission


def series_on(html: str) -> dict:
    start = html.index('<script id="vitals-series" type="application/json">') + len(
        '<script id="vitals-series" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_the_admission_page_charts_the_stays_vitals_with_their_news2(staff, stay, client_for):
    html = client_for(staff.nurse).get(reverse("admission_detail", args=[stay.pk])).content.decode()

    series = series_on(html)
    assert series["at"] == ["30 Nov 08:00", "30 Nov 12:00"], "the clinic visit is not this stay's"
    assert [point["y"] for point in series["pulse"]] == [72, 131]
    assert [point["y"] for point in series["news2"]] == [0, 7]
    assert 'id="vitals-chart"' in html and "chart.umd.min.js" in html
    assert "The chart shows 2 readings since the admission, with NEWS2" in html


def test_a_stay_without_vitals_says_so_and_loads_no_chart(staff, client_for):
    admission = AdmissionFactory(attending_doctor=staff.doctor)

    html = client_for(staff.doctor).get(reverse("admission_detail", args=[admission.pk]))

    assert b"No vitals recorded since the admission." in html.content
    assert b"chart.umd.min.js" not in html.content


def test_the_desk_sees_no_vitals_chart(staff, stay, client_for):
    html = client_for(staff.receptionist).get(reverse("admission_detail", args=[stay.pk]))

    assert html.status_code == 200
    assert b"vitals-series" not in html.content and b"Vitals this stay" not in html.content


def test_a_long_stay_charts_its_latest_readings_and_says_how_many_it_holds(staff, stay, client_for):
    Vitals.objects.bulk_create(
        Vitals(
            patient=stay.patient,
            recorded_by=staff.nurse,
            recorded_at=NOW - timedelta(hours=20, minutes=minutes),
            **STEADY_SET,
        )
        for minutes in range(60)
    )

    html = client_for(staff.nurse).get(reverse("admission_detail", args=[stay.pk])).content.decode()

    assert len(series_on(html)["at"]) == 50
    assert "The chart shows the last 50 readings of 62 since the admission." in html


def test_a_discharged_stays_chart_ends_at_its_discharge(staff, stay, client_for):
    stay.discharged_at = NOW - timedelta(hours=3)
    stay.status = "discharged"
    stay.save(update_fields=["discharged_at", "status"])

    html = (
        client_for(staff.doctor).get(reverse("admission_detail", args=[stay.pk])).content.decode()
    )

    assert series_on(html)["at"] == ["30 Nov 08:00"]


def _medication_queries(client, admission) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admission_detail", args=[admission.pk]))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries if "pharmacy_medicationorder" in q["sql"]]


def test_only_a_viewer_who_may_order_the_discharge_has_the_medicines_read_for_it(
    staff, stay, client_for
):
    ordered(stay, FormularyItemFactory(generic_name="Ceftriaxone"), doctor=staff.doctor)

    nurse = _medication_queries(client_for(staff.nurse), stay)
    desk = _medication_queries(client_for(staff.receptionist), stay)
    doctor_page = client_for(staff.doctor).get(reverse("admission_detail", args=[stay.pk]))

    assert nurse == [] and desk == []
    assert "Ceftriaxone" in doctor_page.context["summary_form"].initial["discharge_medications"]
