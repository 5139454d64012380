"""A patient's tests on their history timeline, and in their own portal only once verified."""

import pytest
from django.urls import reverse

from clinical.selectors import patient_timeline
from hms import rbac
from lab import selectors, services
from lab.models import OrderStatus
from tests.lab.conftest import make_patient, order, walk


def test_the_timeline_shows_each_test_with_its_status(staff, catalog):
    patient = make_patient()
    cbc, glucose, xray = order(staff, catalog, patient, "CBC", "RBS", "XR-CHEST", priority="urgent")
    walk(cbc, OrderStatus.VERIFIED, staff)
    walk(glucose, OrderStatus.VERIFIED, staff, values={"Glucose": "9.4"})
    services.order_cancel(actor=staff["doctor"], order=xray, reason="Done elsewhere")

    events = {e.title: e for e in patient_timeline(patient) if e.kind == "test"}

    assert set(events) == {
        "Full blood count ordered by Dr Amina Otieno",
        "Random blood glucose ordered by Dr Amina Otieno",
        "Chest X-ray ordered by Dr Amina Otieno",
    }
    assert events["Full blood count ordered by Dr Amina Otieno"].detail == (
        f"{cbc.number} · Urgent · Verified · normal"
    )
    assert events["Random blood glucose ordered by Dr Amina Otieno"].detail == (
        f"{glucose.number} · Urgent · Verified · abnormal"
    )
    assert events["Chest X-ray ordered by Dr Amina Otieno"].detail == (
        f"{xray.number} · Urgent · Cancelled"
    )
    assert events["Full blood count ordered by Dr Amina Otieno"].url == reverse(
        "lab_order", args=[cbc.pk]
    )


def test_the_history_page_lists_the_test_and_where_it_is(staff, catalog, client_for):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC", priority="stat")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)

    page = (
        client_for(staff["doctor"])
        .get(reverse("patient_history", args=[patient.pk]))
        .content.decode()
    )

    test_entry = page.split('data-kind="test"')[1].split("</li>")[0]
    assert "Full blood count ordered by Dr Amina Otieno" in test_entry
    assert f"{cbc.number} · STAT · In progress" in test_entry
    assert f'href="{reverse("lab_order", args=[cbc.pk])}"' in test_entry


@pytest.fixture
def two_patients(staff, catalog, make_user):
    """My results (one verified, one awaiting verification, one just ordered) and another
    patient's verified result."""
    me, them = make_user(rbac.PATIENT), make_user(rbac.PATIENT)
    mine, theirs = make_patient(user=me), make_patient(user=them)
    cbc, glucose, xray = order(staff, catalog, mine, "CBC", "RBS", "XR-CHEST")
    walk(cbc, OrderStatus.VERIFIED, staff)
    walk(glucose, OrderStatus.COMPLETED, staff, values={"Glucose": "5.1"})
    (uec,) = order(staff, catalog, theirs, "UEC")
    walk(
        uec,
        OrderStatus.VERIFIED,
        staff,
        values={"Sodium": "139", "Potassium": "4.2", "Urea": "5.1", "Creatinine": "88"},
    )
    return me, {"cbc": cbc, "glucose": glucose, "xray": xray, "uec": uec}


def test_the_portal_shows_only_the_patients_own_verified_results(two_patients, client_for):
    me, orders = two_patients

    page = client_for(me).get(reverse("lab_portal_results")).content.decode()

    assert page.count('data-testid="portal-result"') == 1
    assert "Full blood count" in page and orders["cbc"].number in page
    assert '<td class="text-end">13.5</td>' in page
    for hidden in ("glucose", "xray", "uec"):
        assert orders[hidden].number not in page, hidden
    assert "Random blood glucose" not in page and "Sodium" not in page
    assert [o.pk for o in selectors.orders_for(me)] == [orders["cbc"].pk]


def test_staff_do_not_open_the_portal_and_patients_do_not_open_the_lab_screens(
    two_patients, staff, client_for
):
    me, orders = two_patients
    patient = client_for(me)

    assert client_for(staff["doctor"]).get(reverse("lab_portal_results")).status_code == 403
    for url in (
        reverse("lab_order", args=[orders["cbc"].pk]),
        reverse("lab_orders_panel", args=[orders["cbc"].patient_id]),
        reverse("lab_worklist"),
        reverse("patient_history", args=[orders["cbc"].patient_id]),
    ):
        assert patient.get(url).status_code == 403, url


def test_the_chart_shows_the_patients_tests_to_clinical_staff_only(staff, catalog, client_for):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC", priority="urgent")
    panel_url = reverse("lab_orders_panel", args=[patient.pk])

    for who in ("doctor", "nurse"):
        chart = client_for(staff[who]).get(reverse("patient_chart", args=[patient.pk]))
        assert panel_url in chart.content.decode()
        panel = client_for(staff[who]).get(panel_url).content.decode()
        assert "Full blood count" in panel and cbc.number in panel
        assert 'data-testid="order-tests"' not in panel  # ordering starts from a visit

    desk = client_for(staff["reception"])
    assert panel_url not in desk.get(reverse("patient_chart", args=[patient.pk])).content.decode()
    assert desk.get(panel_url).status_code == 403
