"""Results: flagged against the reference range of the patient's sex and age, numbers checked, and
amendments that keep the original and wait for a second person."""

import re

import pytest
from django.urls import reverse

from hms import rbac
from hms.models import AuditEntry
from lab import services
from lab.models import Flag, OrderStatus, ResultValue, TestOrder
from tests.lab.conftest import CBC_NORMAL, advance, field_values, make_patient, order, walk


def in_progress(staff, catalog, patient, code="CBC"):
    (placed,) = order(staff, catalog, patient, code)
    return walk(placed, OrderStatus.IN_PROGRESS, staff)


def enter(staff, placed, **values):
    return services.results_enter(
        actor=staff["tech"], order=placed, values=field_values(placed, **values)
    )


@pytest.mark.parametrize(
    ("sex", "age", "value", "flag", "reference"),
    [
        # The same haemoglobin of 12.5 g/dL: low for a man, normal for a woman and a child.
        ("M", 40, "12.5", Flag.LOW, "13–17"),
        ("F", 40, "12.5", Flag.NORMAL, "12–15.5"),
        ("F", 8, "12.5", Flag.NORMAL, "11.5–15.5"),
        # 15.8 g/dL: normal for a man, high for a child of 8 or a toddler.
        ("M", 40, "15.8", Flag.NORMAL, "13–17"),
        ("M", 8, "15.8", Flag.HIGH, "11.5–15.5"),
        ("F", 3, "15.8", Flag.HIGH, "10.5–13.5"),
        # The band changes on the 18th birthday.
        ("M", 17, "16.5", Flag.HIGH, "13–16"),
        ("M", 18, "16.5", Flag.NORMAL, "13–17"),
        # Critical limits (inclusive).
        ("F", 40, "6.4", Flag.CRITICAL_LOW, "12–15.5"),
        ("M", 40, "7", Flag.CRITICAL_LOW, "13–17"),
        ("M", 40, "21", Flag.CRITICAL_HIGH, "13–17"),
    ],
)
def test_haemoglobin_is_flagged_against_the_range_of_the_patients_sex_and_age(
    staff, catalog, sex, age, value, flag, reference
):
    cbc = in_progress(staff, catalog, make_patient(sex=sex, age=age))

    cbc = enter(staff, cbc, Haemoglobin=value)

    stored = ResultValue.objects.get(order=cbc, name="Haemoglobin")
    assert (stored.flag, stored.reference, stored.unit) == (flag, reference, "g/dL")
    worst = {Flag.NORMAL: "", Flag.LOW: "abnormal", Flag.HIGH: "abnormal"}.get(flag, "critical")
    assert TestOrder.objects.get(pk=cbc.pk).flag == worst


def test_the_result_page_shows_the_flags_and_the_critical_alert(staff, catalog, client_for):
    patient = make_patient(sex="M", age=40)
    cbc = in_progress(staff, catalog, patient)
    enter(staff, cbc, Haemoglobin="6.4", White_cells="12.5", Platelets="250")

    page = client_for(staff["doctor"]).get(reverse("lab_order", args=[cbc.pk])).content.decode()

    rows = {
        re.search(r"<td>([^<]+)</td>", row).group(1): row
        for row in page.split('data-testid="value-row"')[1:]
    }
    assert "Critically low" in rows["Haemoglobin"] and "13–17" in rows["Haemoglobin"]
    assert ">High</span>" in rows["White cells"] and "4–11" in rows["White cells"]
    assert 'data-testid="flag"' not in rows["Platelets"].split("</tr>")[0]
    assert 'data-testid="critical-alert"' in page


def test_the_form_shows_the_patients_own_reference_range(staff, catalog, client_for):
    woman = in_progress(staff, catalog, make_patient(sex="F", age=30))
    boy = in_progress(staff, catalog, make_patient(sex="M", age=6))
    tech = client_for(staff["tech"])

    for placed, reference in ((woman, "ref 12–15.5"), (boy, "ref 11.5–15.5")):
        page = tech.get(reverse("lab_order", args=[placed.pk])).content.decode()
        assert reference in page


@pytest.mark.parametrize("typed", ["abc", "13.5 g/dL", "NaN", "Infinity", "1e12"])
def test_a_value_that_is_not_a_number_is_refused_with_the_reason(staff, catalog, client_for, typed):
    cbc = in_progress(staff, catalog, make_patient())
    fields = {f.name: f.pk for f in cbc.test.fields.all()}

    page = client_for(staff["tech"]).post(
        reverse("lab_results_enter", args=[cbc.pk]),
        {
            f"field-{fields['Haemoglobin']}": typed,
            f"field-{fields['White cells']}": "6",
            f"field-{fields['Platelets']}": "250",
        },
        follow=True,
    )

    assert "Haemoglobin: enter a number, such as 13.5." in page.content.decode()
    assert not ResultValue.objects.filter(order=cbc).exists()
    assert TestOrder.objects.get(pk=cbc.pk).result_version == 0


def test_a_decimal_comma_is_read_and_text_fields_keep_their_words(staff, catalog):
    cbc = in_progress(staff, catalog, make_patient())
    smear = in_progress(staff, catalog, make_patient(), "BS-MPS")

    enter(staff, cbc, Haemoglobin="13,2", White_cells="6", Platelets="250")
    enter(staff, smear, Malaria_parasites="Seen, ++ (moderate)", Species="P. falciparum")

    assert ResultValue.objects.get(order=cbc, name="Haemoglobin").value == "13.2"
    assert dict(ResultValue.objects.filter(order=smear).values_list("name", "value")) == {
        "Malaria parasites": "Seen, ++ (moderate)",
        "Species": "P. falciparum",
    }


def test_results_corrected_before_completion_replace_the_first_entry(staff, catalog):
    cbc = in_progress(staff, catalog, make_patient(sex="F"))
    enter(staff, cbc, Haemoglobin="6.4", White_cells="6", Platelets="250")

    cbc = enter(staff, cbc, Haemoglobin="12.4", White_cells="6", Platelets="250")

    assert cbc.result_version == 1 and cbc.flag == ""
    assert list(
        ResultValue.objects.filter(order=cbc, name="Haemoglobin").values_list("version", "value")
    ) == [(1, "12.4")]


@pytest.fixture
def verified(staff, catalog, make_user):
    """A woman's full blood count, verified (haemoglobin 13.5), with her portal login."""
    me = make_user(rbac.PATIENT)
    patient = make_patient(sex="F", user=me)
    (cbc,) = order(staff, catalog, patient, "CBC")
    return me, walk(cbc, OrderStatus.VERIFIED, staff)


def portal_cells(client) -> str:
    page = client.get(reverse("lab_portal_results")).content.decode()
    return "".join(page.split('data-testid="portal-result"')[1:])


def test_an_amendment_keeps_the_original_and_the_patient_sees_it_until_a_second_person_verifies(
    staff, verified, client_for
):
    me, cbc = verified
    fields = {f.name: f.pk for f in cbc.test.fields.all()}
    portal = client_for(me)
    assert '<td class="text-end">13.5</td>' in portal_cells(portal)

    page = (
        client_for(staff["tech"])
        .post(
            reverse("lab_results_amend", args=[cbc.pk]),
            {
                f"field-{fields['Haemoglobin']}": "6.1",
                f"field-{fields['White cells']}": "6.2",
                f"field-{fields['Platelets']}": "250",
                "reason": "Sample from the wrong tube",
            },
            follow=True,
        )
        .content.decode()
    )

    cbc.refresh_from_db()
    assert "Amended result saved; it needs verifying by a second person." in page
    assert (cbc.status, cbc.result_version, cbc.verified_version) == (OrderStatus.COMPLETED, 2, 1)
    assert cbc.completed_by == staff["tech"] and cbc.verified_at is None and cbc.amended
    haemoglobin = dict(
        ResultValue.objects.filter(order=cbc, name="Haemoglobin").values_list("version", "flag")
    )
    assert haemoglobin == {1: Flag.NORMAL, 2: Flag.CRITICAL_LOW}
    assert ResultValue.objects.get(order=cbc, version=1, name="Haemoglobin").value == "13.5"
    entry = AuditEntry.objects.get(action="lab.amend", object_id=str(cbc.pk))
    assert entry.before["version"] == 1 and entry.before["values"]["Haemoglobin"] == "13.5 g/dL"
    assert entry.after["version"] == 2 and entry.after["values"]["Haemoglobin"] == "6.1 g/dL"
    assert entry.after["reason"] == "Sample from the wrong tube"
    assert "Amended: Sample from the wrong tube" in page and "Amended</span>" in page

    cells = portal_cells(portal)
    assert '<td class="text-end">13.5</td>' in cells and "6.1" not in cells
    with pytest.raises(services.LabError, match="a colleague must verify it"):
        advance(cbc, OrderStatus.VERIFIED, staff["tech"])
    advance(cbc, OrderStatus.VERIFIED, staff["tech2"])

    cells = portal_cells(portal)
    assert '<td class="text-end">6.1</td>' in cells and "13.5" not in cells
    assert "Critically low" in cells
    cbc.refresh_from_db()
    assert (cbc.status, cbc.verified_version) == (OrderStatus.VERIFIED, 2)


def test_an_amendment_needs_a_reason_and_a_verified_result(staff, catalog, verified):
    _me, cbc = verified
    pending = in_progress(staff, catalog, make_patient())

    with pytest.raises(services.LabError, match="Give the reason for the amendment"):
        services.results_amend(
            actor=staff["tech"], order=cbc, values=field_values(cbc, Haemoglobin="9"), reason=" "
        )
    with pytest.raises(services.LabError, match="Only a verified result is amended"):
        services.results_amend(
            actor=staff["tech"],
            order=pending,
            values=field_values(pending, **CBC_NORMAL),
            reason="Typo",
        )

    cbc.refresh_from_db()
    assert (cbc.status, cbc.result_version) == (OrderStatus.VERIFIED, 1)
    assert not ResultValue.objects.filter(order=cbc, version=2).exists()


def test_typed_results_are_shown_as_text_not_run_as_html(staff, catalog, make_user, client_for):
    me = make_user(rbac.PATIENT)
    (smear,) = order(staff, catalog, make_patient(user=me), "BS-MPS")
    walk(
        smear,
        OrderStatus.VERIFIED,
        staff,
        values={"Malaria_parasites": "<script>alert(1)</script>", "Species": "P. falciparum"},
        findings="<img src=x onerror=alert(2)>",
    )

    pages = [
        client_for(staff["doctor"]).get(reverse("lab_order", args=[smear.pk])),
        client_for(me).get(reverse("lab_portal_results")),
    ]

    for page in pages:
        html = page.content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(2)&gt;" in html
