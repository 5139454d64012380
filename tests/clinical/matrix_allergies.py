"""The allergy and interaction-table URLs' sample records and arguments for the matrix walk."""

from clinical.models import Allergy, DrugInteraction


def records(*, role_users, patient) -> dict:
    """An allergy of the sample patient, and a pair of the interaction table."""
    from django.utils import timezone

    allergy = Allergy.objects.create(
        patient=patient, allergen_class="latex", recorded_at=timezone.now()
    )
    pair, _ = DrugInteraction.objects.get_or_create(
        first="matrixamol",
        second="nsaids",
        defaults={"severity": "caution", "advice": "Sample.", "source": "Sample"},
    )
    return {"allergy": allergy, "interaction": pair}


def kwargs(samples: dict) -> dict[str, dict]:
    return {
        "patient_allergies": {"pk": samples["patient"].pk},
        "patient_no_known_allergies": {"pk": samples["patient"].pk},
        "allergy_remove": {"pk": samples["allergy"].pk},
        "interaction_deactivate": {"pk": samples["interaction"].pk},
    }
