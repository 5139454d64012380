"""A refused result entry or amendment comes back on the order's page with every value as typed
and each refusal beside its own field; nothing is saved."""

from django.urls import reverse

from lab.models import OrderStatus, ResultValue, TestOrder
from tests.lab.conftest import make_patient, order, walk


def in_progress(staff, catalog, code="CBC"):
    (placed,) = order(staff, catalog, make_patient(), code)
    return walk(placed, OrderStatus.IN_PROGRESS, staff)


def test_each_refused_value_shows_beside_its_field_and_every_typed_value_is_kept(
    staff, catalog, client_for
):
    cbc = in_progress(staff, catalog)
    fields = {f.name: f.pk for f in cbc.test.fields.all()}

    response = client_for(staff["tech"]).post(
        reverse("lab_results_enter", args=[cbc.pk]),
        {
            f"field-{fields['Haemoglobin']}": "-4",
            f"field-{fields['White cells']}": "1_5",
            f"field-{fields['Platelets']}": "250",
            "findings": "Sample slightly haemolysed",
        },
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="error-haemoglobin">Haemoglobin: -4 is not possible' in page
    assert 'data-testid="error-white-cells">White cells: enter a number' in page
    assert 'data-testid="error-platelets"' not in page
    assert f'name="field-{fields["Platelets"]}" value="250"' in page
    assert f'name="field-{fields["Haemoglobin"]}" value="-4"' in page
    assert f'name="field-{fields["White cells"]}" value="1_5"' in page
    assert "Sample slightly haemolysed</textarea>" in page
    assert "Nothing was saved" in page
    assert not ResultValue.objects.filter(order=cbc).exists()


def test_a_refused_amendment_keeps_the_corrected_values_and_the_reason(staff, catalog, client_for):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    cbc = walk(cbc, OrderStatus.VERIFIED, staff)
    fields = {f.name: f.pk for f in cbc.test.fields.all()}

    page = (
        client_for(staff["tech"])
        .post(
            reverse("lab_results_amend", args=[cbc.pk]),
            {
                f"field-{fields['Haemoglobin']}": "-12.5",
                f"field-{fields['Platelets']}": "260",
                "reason": "Transcription error",
            },
        )
        .content.decode()
    )

    assert 'data-testid="error-haemoglobin">Haemoglobin: -12.5 is not possible' in page
    assert 'value="-12.5"' in page and 'value="260"' in page
    assert 'value="Transcription error"' in page
    assert '<details class="card mb-3" open>' in page
    assert TestOrder.objects.get(pk=cbc.pk).result_version == 1


def test_an_amendment_without_a_reason_says_so_beside_the_reason(staff, catalog, client_for):
    (cbc,) = order(staff, catalog, make_patient(), "CBC")
    cbc = walk(cbc, OrderStatus.VERIFIED, staff)
    fields = {f.name: f.pk for f in cbc.test.fields.all()}

    page = (
        client_for(staff["tech"])
        .post(
            reverse("lab_results_amend", args=[cbc.pk]),
            {f"field-{fields['Haemoglobin']}": "12.9", "reason": "  "},
        )
        .content.decode()
    )

    assert 'data-testid="error-reason">Give the reason for the amendment.' in page
    assert 'value="12.9"' in page
