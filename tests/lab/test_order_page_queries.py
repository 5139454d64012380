"""An order's page reads only what it can show: before a result is entered (most orders on the
bench) there are no values, versions or critical-value calls to read; once there is one, its
values, its versions and the calls are all on the page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lab import services
from lab.models import OrderStatus
from tests.lab.conftest import field_values, make_patient, order, walk

RESULT_TABLES = ('"lab_resultvalue"', '"lab_resultversion"', '"lab_criticalcall"')


def _tables_read(client, url) -> tuple[set[str], str]:
    client.get(url)  # the session and the user, read once
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    read = {t for t in RESULT_TABLES for q in queries.captured_queries if t in q["sql"]}
    return read, page.content.decode()


def test_an_order_without_a_result_reads_no_result_and_shows_the_entry_form(
    staff, catalog, client_for
):
    patient = make_patient(sex="F", age=30, first_name="Wanjiku", last_name="Njoroge")
    (cbc,) = order(staff, catalog, patient, "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)

    read, page = _tables_read(client_for(staff["tech"]), reverse("lab_order", args=[cbc.pk]))

    assert read == set()
    for field in cbc.test.fields.all():  # an empty box for each of the test's values
        assert f'name="field-{field.pk}" value=""' in page


def test_an_order_with_a_critical_result_shows_its_values_versions_and_call(
    staff, catalog, client_for
):
    patient = make_patient(sex="M", age=50, first_name="Juma", last_name="Mwangi")
    (cbc,) = order(staff, catalog, patient, "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    critical = {"Haemoglobin": "5.8", "White_cells": "6", "Platelets": "250"}
    services.results_enter(actor=staff["tech"], order=cbc, values=field_values(cbc, **critical))
    client_for(staff["tech"]).post(
        reverse("lab_critical_call", args=[cbc.pk]),
        {
            "called_person": "Dr Amina Otieno",
            "called_time": f"{timezone.localtime():%H:%M}",  # after the result was entered
            "read_back": "yes",
        },
    )

    read, page = _tables_read(client_for(staff["doctor"]), reverse("lab_order", args=[cbc.pk]))

    assert read == set(RESULT_TABLES)
    assert "5.8" in page
    assert "Dr Amina Otieno called by" in page
