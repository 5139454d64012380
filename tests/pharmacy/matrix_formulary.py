"""The formulary part's sample records and URL arguments for the permission matrix walk."""

from tests.factories import FormularyItemFactory


def records(*, role_users, patient, prescription, admission, found) -> dict:
    """Records the formulary URLs take (`found`: what earlier parts made)."""
    return {"pharmacy_item": FormularyItemFactory(generic_name="Matrixamol")}


def kwargs(samples: dict) -> dict[str, dict]:
    return {"formulary_edit": {"pk": samples["pharmacy_item"].pk}}
