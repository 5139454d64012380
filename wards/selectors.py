"""Read-only questions the ward screens ask: what an admission's page shows."""

from django.utils import timezone

from accounts.models import User
from hms import rbac
from wards import services
from wards.forms import DischargeSummaryForm, TransferForm
from wards.models import Admission

# The clinical content of a stay (diagnoses, treatment, medications, the discharge summary and its
# PDF): the whole chart only. Reception's "demographics" sees dates, beds, doctor, status and who
# signed the summary: what it needs to process the discharge and the bill (docs/DECISIONS.md).
CLINICAL_SCOPES = {rbac.ALL}


def sees_clinical_content(user: User) -> bool:
    return rbac.scope(user, "patients.view_chart") in CLINICAL_SCOPES


def admission_page(user: User, admission: Admission) -> dict:
    """An admission as `user` may see it, with blank transfer and discharge-summary forms (a
    refused one is put in their place by the view, bound to what was typed)."""
    return {
        "admission": admission,
        "stays": admission.stays.select_related("bed", "ward"),
        "days": (timezone.now() - admission.admitted_at).days,
        "transfer_form": TransferForm(),
        "summary_form": DischargeSummaryForm(
            initial={"final_diagnosis": admission.final_diagnosis or admission.diagnosis}
        ),
        "can_admit": rbac.allows(user, "wards.admit"),
        "can_order_discharge": rbac.allows(user, "wards.order_discharge"),
        # Tests not yet resulted (...): each cancelled or carried over before the discharge.
        "open_orders": services.stay_open_orders(admission) if admission.is_active else [],
        "clinical_view": sees_clinical_content(user),
        # The lab's panel: for those who view results (not the desk's demographics view).
        "can_see_tests": rbac.scope(user, "tests.view_results") == rbac.ALL,
    }
