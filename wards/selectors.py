"""Read-only questions the ward screens ask: the bed board's tiles, what an admission's page
shows."""

from datetime import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing import selectors as billing_selectors
from billing.models import Invoice
from hms import rbac
from hms.durations import elapsed
from hms.links import link_to
from wards import services
from wards.forms import DischargeSummaryForm, TransferForm
from wards.models import (
    ACTIVE_ADMISSION,
    Admission,
    AdmissionStatus,
    Bed,
    BedStatus,
    Ward,
    WardKind,
)

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
    } | _bill(user, admission)


def _bill(user: User, admission: Admission) -> dict:
    """The bill beside the discharge: while it waits for reception, how the account stands (the
    discharge is refused until it is cleared); once discharged, the way to the account and the
    stay's invoice for those who take payments."""
    sees_bill = rbac.allows(user, "billing.invoices")
    bill = {
        "account_url": reverse("patient_account", args=[admission.patient_id]) if sees_bill else "",
        "clearance": None,
        "stay_invoice": None,
    }
    if admission.status == AdmissionStatus.DISCHARGE_ORDERED and rbac.allows(user, "wards.admit"):
        clearance = billing_selectors.discharge_clearance(admission.patient, admission)
        bill |= {
            "clearance": clearance,
            "clearance_text": services.clearance_text(clearance),
            "can_exempt": rbac.allows(user, "billing.exempt"),
        }
    if admission.status == AdmissionStatus.DISCHARGED and sees_bill:
        bill["stay_invoice"] = (
            Invoice.objects.filter(admission=admission)
            .defer("lines_snapshot")
            .order_by("-created_at", "-id")
            .first()
        )
    return bill


def bed_board(user: User, *, ward_id: int | None = None, now: datetime | None = None) -> dict:
    """The bed board as `user` sees it, in three queries however many beds.

    Returns {"wards": [ward], "all_wards": [(id, name)], "icu_occupancy": int % or None} where
    each ward is {"pk", "name", "bed_count", "occupied", "vacant", "tiles": [tile]} and each tile
    is what one bed's square shows: {"pk", "number", "status", "status_label", "patient_name",
    "admission_url", "stay" ("3 days · Dr Otieno"), "discharge_ordered", "admit_url",
    "clean_url"} (the links only where `user` may follow them). Plain values, links made here:
    the template walks 200 beds without a lookup or a URL reversal per tile (docs/BENCHMARKS.md).
    `ward_id` narrows the board to one ward (every ward stays in `all_wards`, the picker).
    """
    now = now or timezone.now()
    can_admit = rbac.allows(user, "wards.admit")
    cleanable = services.bed_move_allowed(user, BedStatus.CLEANING, BedStatus.VACANT)
    labels = dict(BedStatus.choices)
    wards = list(
        Ward.objects.filter(active=True)
        .annotate(
            bed_count=Count("beds"),
            occupied=Count("beds", filter=Q(beds__status=BedStatus.OCCUPIED)),
            vacant=Count("beds", filter=Q(beds__status=BedStatus.VACANT)),
        )
        .order_by("kind", "name")
        .values("pk", "name", "kind", "bed_count", "occupied", "vacant")
    )
    shown = [ward for ward in wards if ward_id is None or ward["pk"] == ward_id]
    beds = Bed.objects.filter(ward__in=[ward["pk"] for ward in shown]).order_by("number")
    stays = {
        row["bed_id"]: row
        for row in Admission.objects.filter(ACTIVE_ADMISSION, bed__in=beds).values(
            "pk",
            "bed_id",
            "status",
            "admitted_at",
            "patient__first_name",
            "patient__last_name",
            "attending_doctor__last_name",
        )
    }
    admit_url = reverse("admission_new")
    # Reversed once, the id put in per bed: 150 reversals cost the 200-bed board ~3 ms.
    admission_url, clean_url = link_to("admission_detail"), link_to("bed_status")
    tiles: dict[int, list[dict]] = {ward["pk"]: [] for ward in shown}
    for bed in beds.values("pk", "ward_id", "number", "status"):
        tile = {
            **bed,
            "status_label": labels.get(bed["status"], bed["status"]),
            # Every key on every tile: a name the template asks for and a dict lacks costs ten
            # times a found one (Django's lookup tries the key, the attribute, the index).
            "patient_name": "",
            "admission_url": "",
            "stay": "",
            "discharge_ordered": False,
            "admit_url": "",
            "clean_url": "",
        }
        stay = stays.get(bed["pk"])
        if stay:
            tile["patient_name"] = f"{stay['patient__first_name']} {stay['patient__last_name']}"
            tile["admission_url"] = admission_url(stay["pk"])
            tile["stay"] = (
                f"{elapsed(stay['admitted_at'], now)} · Dr {stay['attending_doctor__last_name']}"
            )
            tile["discharge_ordered"] = stay["status"] == AdmissionStatus.DISCHARGE_ORDERED
        elif bed["status"] == BedStatus.VACANT and can_admit:
            tile["admit_url"] = f"{admit_url}?bed={bed['pk']}"
        elif bed["status"] == BedStatus.CLEANING and cleanable:
            tile["clean_url"] = clean_url(bed["pk"])
        tiles[bed["ward_id"]].append(tile)
    for ward in shown:
        ward["tiles"] = tiles[ward["pk"]]
    icu = [ward for ward in shown if ward["kind"] == WardKind.ICU]
    icu_beds = sum(ward["bed_count"] for ward in icu)
    return {
        "wards": shown,
        "all_wards": [(ward["pk"], ward["name"]) for ward in wards],
        "icu_occupancy": (
            round(100 * sum(ward["occupied"] for ward in icu) / icu_beds) if icu_beds else None
        ),
    }
