"""The dispensing part's sample records and URL arguments for the permission matrix walk."""

from hms import rbac
from pharmacy import services
from tests.pharmacy.rx import prescribed, stocked


def records(*, role_users, patient, prescription, admission, found) -> dict:
    """Records the dispensing URLs take (`found`: what earlier parts made): a prescription from
    the formulary with something dispensed of it, and an over-the-counter sale."""
    pharmacist = role_users[rbac.PHARMACIST]
    item, _ = stocked(units=(40,), actor=pharmacist)
    waiting = prescribed(item, 10, patient=patient)
    given = services.dispense(actor=pharmacist, prescription=waiting, quantity=4)
    sale = services.sale_record(
        actor=pharmacist,
        customer_name="Walk-in",
        customer_phone="",
        lines=[(item, 2)],
        payment_mode="cash",
    )
    return {
        "pharmacy_waiting_rx": waiting,
        "pharmacy_dispense": given,
        "pharmacy_sale": sale,
    }


def kwargs(samples: dict) -> dict[str, dict]:
    given = {"pk": samples["pharmacy_dispense"].pk}
    sale = {"pk": samples["pharmacy_sale"].pk}
    return {
        "dispense_new": {"pk": samples["pharmacy_waiting_rx"].pk},
        "dispense_detail": given,
        "dispense_label": given,
        "patient_dispenses": {"pk": samples["pharmacy_dispense"].patient_id},
        "sale_detail": sale,
        "sale_receipt": sale,
    }
