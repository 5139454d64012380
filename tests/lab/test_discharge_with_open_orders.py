"""A discharge waits for the stay's open orders (tests not yet resulted): a doctor cancels each
(its charge reversed) or carries it over to outpatient follow-up with a reason, recorded on the
order and shown on the worklist and the order page. Wards asks clinical's registry; lab answers."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing.models import Charge
from clinical import open_orders
from hms.models import AuditEntry
from lab.models import OrderStatus, TestOrder
from tests.factories import cleared_for_discharge
from tests.lab.conftest import advance, at_once, make_patient, order, walk
from wards import services as wards
from wards.models import AdmissionStatus

SUMMARY = {"final_diagnosis": "Severe malaria, treated"}


def order_discharge(staff, admission):
    return wards.discharge_order(actor=staff["doctor"], admission=admission, summary=SUMMARY)


def settle(staff, admission, placed, decision, reason="Repeat at the clinic review on Friday"):
    return wards.discharge_open_order_settle(
        actor=staff["doctor"],
        admission=admission,
        source="lab",
        order_id=placed.pk,
        decision=decision,
        reason=reason,
    )


def test_the_lab_offers_its_open_orders_through_clinicals_registry(staff, catalog, admit):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    (found,) = open_orders.open_orders_of_stay(admission)

    assert "lab" in open_orders.sources()
    assert (found.source, found.order_id, found.number) == ("lab", cbc.pk, cbc.number)
    assert found.name == "Full blood count" and found.status == "Pending" and found.cancellable
    assert found.link == reverse("lab_order", args=[cbc.pk])


def test_a_discharge_with_a_test_waiting_for_its_sample_is_refused_naming_it(staff, catalog, admit):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    with pytest.raises(wards.WardError) as refused:
        order_discharge(staff, admission)

    assert str(refused.value).startswith(
        f"1 order of this stay is still open: Full blood count ({cbc.number}, pending)."
    )
    assert "cancels each or carries it over to outpatient follow-up" in str(refused.value)
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED and not admission.final_diagnosis


def test_a_test_ordered_after_the_discharge_order_stops_reception_completing_it(
    staff, catalog, admit
):
    patient = make_patient()
    admission = admit(patient)
    order_discharge(staff, admission)
    (xray,) = order(staff, catalog, patient, "XR-CHEST", admission=admission)

    with pytest.raises(wards.WardError, match=f"Chest X-ray.*{xray.number}, pending"):
        wards.discharge_process(actor=staff["reception"], admission=admission)

    admission.refresh_from_db()
    assert admission.is_active and admission.status == AdmissionStatus.DISCHARGE_ORDERED


def test_cancelling_at_discharge_reverses_the_charge_and_lets_the_discharge_complete(
    staff, catalog, admit, client_for
):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    page = client_for(staff["doctor"]).post(
        reverse("discharge_open_order", args=[admission.pk]),
        {"source": "lab", "order": cbc.pk, "decision": "cancel", "reason": "No longer needed"},
        follow=True,
    )
    order_discharge(staff, admission)
    cleared_for_discharge(admission)
    wards.discharge_process(actor=staff["reception"], admission=admission)

    assert "Cancelled; its charge is reversed." in page.content.decode()
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.CANCELLED and cbc.cancel_reason == "No longer needed"
    charges = Charge.objects.filter(source=f"lab.TestOrder:{cbc.pk}")
    assert sorted(c.amount for c in charges) == [Decimal("-1200.00"), Decimal("1200.00")]
    assert AuditEntry.objects.filter(action="lab.cancel", object_id=str(cbc.pk)).exists()
    assert AuditEntry.objects.filter(action="admission.open_order").exists()
    admission.refresh_from_db()
    assert not admission.is_active
    worklist = client_for(staff["tech"]).get(reverse("lab_worklist")).content.decode()
    assert cbc.number not in worklist


def test_carrying_over_keeps_the_test_on_the_worklist_marked_with_the_reason(
    staff, catalog, admit, client_for
):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    page = client_for(staff["doctor"]).post(
        reverse("discharge_open_order", args=[admission.pk]),
        {
            "source": "lab",
            "order": cbc.pk,
            "decision": "carry_over",
            "reason": "Sample at the clinic review on Friday",
        },
        follow=True,
    )
    order_discharge(staff, admission)
    cleared_for_discharge(admission)
    wards.discharge_process(actor=staff["reception"], admission=admission)

    assert "Carried over to outpatient follow-up." in page.content.decode()
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.PENDING and cbc.carried_over_by == staff["doctor"]
    assert cbc.carry_over_reason == "Sample at the clinic review on Friday"
    audit = AuditEntry.objects.get(action="lab.carry_over", object_id=str(cbc.pk))
    assert audit.after["reason"] == "Sample at the clinic review on Friday"
    assert Charge.objects.filter(source=f"lab.TestOrder:{cbc.pk}").count() == 1  # still charged
    worklist = client_for(staff["tech"]).get(reverse("lab_worklist")).content.decode()
    assert cbc.number in worklist
    assert "outpatient follow-up (Sample at the clinic review on Friday)" in worklist
    detail = client_for(staff["doctor"]).get(reverse("lab_order", args=[cbc.pk])).content.decode()
    assert 'data-testid="carry-over-note"' in detail
    assert "Sample at the clinic review on Friday" in detail


def test_a_test_the_lab_has_started_is_only_carried_over(staff, catalog, admit):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)
    walk(cbc, OrderStatus.IN_PROGRESS, staff)

    with pytest.raises(wards.WardError, match="the work has begun.*Carry it over"):
        settle(staff, admission, cbc, open_orders.CANCEL)
    settle(staff, admission, cbc, open_orders.CARRY_OVER)

    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.IN_PROGRESS and cbc.carried_over_at is not None
    assert order_discharge(staff, admission).status == AdmissionStatus.DISCHARGE_ORDERED


@pytest.mark.parametrize("decision", [open_orders.CANCEL, open_orders.CARRY_OVER])
def test_either_choice_needs_a_reason(staff, catalog, admit, decision):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    with pytest.raises(wards.WardError, match="Give the reason"):
        settle(staff, admission, cbc, decision, reason="   ")

    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.PENDING and cbc.carried_over_at is None


def test_resulted_and_cancelled_tests_are_not_open(staff, catalog, admit):
    patient = make_patient()
    admission = admit(patient)
    cbc, rbs = order(staff, catalog, patient, "CBC", "RBS", admission=admission)
    walk(cbc, OrderStatus.COMPLETED, staff)
    settle(staff, admission, rbs, open_orders.CANCEL, reason="Glucose stable on the ward")

    assert wards.stay_open_orders(admission) == []
    assert order_discharge(staff, admission).status == AdmissionStatus.DISCHARGE_ORDERED


def test_a_consultation_test_of_the_stay_counts_but_one_from_before_the_admission_does_not(
    staff, catalog, admit, consultation
):
    patient = make_patient()
    (before,) = order(staff, catalog, patient, "CBC", encounter=consultation(patient))
    admission = admit(patient)
    (during,) = order(staff, catalog, patient, "RBS", encounter=consultation(patient))

    assert [o.order_id for o in wards.stay_open_orders(admission)] == [during.pk]
    assert before.pk not in [o.order_id for o in wards.stay_open_orders(admission)]


def test_another_stays_order_or_one_already_settled_is_refused(staff, catalog, admit):
    mine, theirs = make_patient(), make_patient()
    admission, other = admit(mine), admit(theirs)
    (cbc,) = order(staff, catalog, mine, "CBC", admission=admission)
    (their_cbc,) = order(staff, catalog, theirs, "CBC", admission=other)
    settle(staff, admission, cbc, open_orders.CARRY_OVER)

    for placed in (their_cbc, cbc):
        with pytest.raises(wards.WardError, match="no longer open on this stay"):
            settle(staff, admission, placed, open_orders.CANCEL)

    their_cbc.refresh_from_db()
    assert their_cbc.status == OrderStatus.PENDING


def test_reception_cannot_settle_orders_and_sees_why_the_discharge_waits(
    staff, catalog, admit, client_for
):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)
    advance(cbc, OrderStatus.COLLECTED, staff["tech"])
    desk = client_for(staff["reception"])

    refused = desk.post(
        reverse("discharge_open_order", args=[admission.pk]),
        {"source": "lab", "order": cbc.pk, "decision": "cancel", "reason": "x"},
    )
    with pytest.raises(PermissionDenied, match="A doctor decides"):
        wards.discharge_open_order_settle(
            actor=staff["reception"],
            admission=admission,
            source="lab",
            order_id=cbc.pk,
            decision="cancel",
            reason="x",
        )
    page = desk.get(reverse("admission_detail", args=[admission.pk])).content.decode()

    assert refused.status_code == 403
    assert 'data-testid="open-order"' in page and cbc.number in page
    assert 'data-testid="carry-over"' not in page and "Full blood count" not in page
    assert "The discharge waits until a doctor cancels each" in page


def test_the_doctors_discharge_page_offers_both_choices_and_holds_the_order_form(
    staff, catalog, admit, client_for
):
    patient = make_patient()
    admission = admit(patient)
    cbc, xray = order(staff, catalog, patient, "CBC", "XR-CHEST", admission=admission)
    walk(xray, OrderStatus.IN_PROGRESS, staff, findings="Clear lung fields")

    page = client_for(staff["doctor"]).get(reverse("admission_detail", args=[admission.pk]))
    html = page.content.decode()

    assert html.count('data-testid="open-order"') == 2
    assert html.count('data-testid="carry-over"') == 2
    assert html.count('data-testid="cancel-order"') == 1  # the X-ray is under way
    assert "Full blood count" in html and "Chest X-ray" in html
    assert 'data-testid="order-discharge" disabled' in html


@pytest.mark.parametrize(
    "posted",
    [
        {},
        {"source": "pharmacy", "order": "1", "decision": "cancel", "reason": "x"},
        {"source": "lab", "order": "abc", "decision": "cancel", "reason": "x"},
        {"source": "lab", "order": "99999999999999999999", "decision": "cancel", "reason": "x"},
        {"source": "lab", "order": "1", "decision": "delete", "reason": "x"},
        {"source": "lab", "order": "1", "decision": "cancel", "reason": "x" * 201},
    ],
)
def test_odd_posts_are_answered_with_a_message_and_change_nothing(
    staff, catalog, admit, client_for, posted
):
    patient = make_patient()
    admission = admit(patient)
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admission)

    page = client_for(staff["doctor"]).post(
        reverse("discharge_open_order", args=[admission.pk]), posted, follow=True
    )

    assert page.status_code == 200
    cbc.refresh_from_db()
    assert cbc.status == OrderStatus.PENDING and cbc.carried_over_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_test_ordered_while_reception_completes_the_discharge_is_never_left_behind(
    staff, catalog, admit
):
    patient = make_patient()
    admission = admit(patient)
    order_discharge(staff, admission)

    cleared_for_discharge(admission)
    outcome = at_once(
        lambda: wards.discharge_process(actor=staff["reception"], admission=admission),
        lambda: order(staff, catalog, patient, "CBC", admission=admission),
    )

    admission.refresh_from_db()
    placed = TestOrder.objects.filter(admission=admission)
    if admission.is_active:  # the order came first: the discharge waits for it
        assert isinstance(outcome[0], wards.WardError) and placed.count() == 1
    else:  # the discharge came first: the order is refused
        assert "has been discharged" in str(outcome[1]) and not placed.exists()
