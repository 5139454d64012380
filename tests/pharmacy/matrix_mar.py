"""The medication administration record's sample records and URL arguments for the permission
matrix walk."""

from hms import rbac
from pharmacy import services
from tests.factories import BatchFactory, FormularyItemFactory, stock_put


def records(*, role_users, patient, prescription, admission, found) -> dict:
    """A medication order of the sample admission, with its ward store (the stock part's) holding
    the drug (`found`: what earlier parts made)."""
    item = FormularyItemFactory(generic_name="Sample artesunate")
    stock_put(found["pharmacy_ward_store"], BatchFactory(item=item), 20, role_users[rbac.ADMIN])
    order = services.medication_order_create(
        actor=role_users[rbac.DOCTOR],
        admission=admission,
        item=item,
        dose="120 mg",
        units_per_dose=1,
        route="iv",
        frequency="q12h",
    )
    return {"pharmacy_medication_order": order}


def kwargs(samples: dict) -> dict[str, dict]:
    order = samples["pharmacy_medication_order"]
    stay = {"pk": order.admission_id}
    return {
        "medication_chart": stay,
        "medication_panel": stay,
        "medication_order_new": stay,
        "medication_order_stop": {"pk": order.pk},
        "dose_record": {"pk": order.pk},
    }
