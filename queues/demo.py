"""Demo records of the queue: the usual service points, a waiting-area display, and today's
queue with patients waiting and numbers called."""

from django.utils import timezone

from accounts.models import User
from clinical import services as clinical
from clinical.models import Appointment, AppointmentStatus, Patient
from queues import services
from queues.models import DisplayScreen, PointKind, QueueTicket, ServicePoint

# name, kind, ticket prefix
DEMO_POINTS = [
    ("Triage", PointKind.TRIAGE, "T"),
    ("Consultation", PointKind.CONSULTATION, "D"),
    ("Laboratory", PointKind.LAB, "L"),
    ("Pharmacy", PointKind.PHARMACY, "P"),
    ("Cashier", PointKind.BILLING, "B"),
]


def seed(log) -> None:
    admin = User.objects.filter(username="admin").first()
    for position, (name, kind, prefix) in enumerate(DEMO_POINTS):
        if not ServicePoint.objects.filter(prefix=prefix).exists():
            services.service_point_save(
                actor=admin,
                fields={"name": name, "kind": kind, "prefix": prefix, "position": position},
            )
    if not DisplayScreen.objects.exists():
        services.display_create(actor=admin, name="Main waiting area")
    display = DisplayScreen.objects.filter(is_active=True).first()
    log(
        f"Queue: {ServicePoint.objects.count()} service points; the waiting-area display is at"
        f" /queue/display/{display.token}/"
    )
    if not QueueTicket.objects.filter(day=timezone.localdate()).exists():
        _seed_today(log)


def _seed_today(log) -> None:
    """Walk-ins at triage (one called), one at the lab, two at the cashier; today's first
    appointment checked in (its ticket at consultation) and called, the second in consultation
    (its ticket being seen)."""
    desk = User.objects.filter(username="reception").first()
    nurse = User.objects.filter(username="nurse").first()
    doctor = User.objects.filter(username="doctor").first()
    points = {point.prefix: point for point in ServicePoint.objects.all()}
    busy = set(
        Appointment.objects.filter(status=AppointmentStatus.SCHEDULED).values_list(
            "patient_id", flat=True
        )
    )
    walk_ins = [p for p in Patient.objects.order_by("mrn") if p.pk not in busy][:5]
    for patient, prefix in zip(walk_ins, ["T", "T", "T", "L", "B"], strict=False):
        services.ticket_issue(
            actor=desk, service_point=points[prefix], patient=patient, priority=False
        )
    services.ticket_issue(actor=desk, service_point=points["B"])  # paying for a friend
    if nurse is not None:
        services.ticket_call_next(actor=nurse, service_point=points["T"])
    today = timezone.localdate()
    todays = Appointment.objects.filter(
        status=AppointmentStatus.SCHEDULED, starts_at__date=today
    ).order_by("starts_at")
    first, second = todays.first(), todays[1:2].first()
    if first is not None and desk is not None:
        clinical.appointment_check_in(actor=desk, appointment=first)
        if doctor is not None:
            services.ticket_call_next(actor=doctor, service_point=points["D"])
    if second is not None and desk is not None:
        # Checked in, and the doctor has started the consultation: "In consultation" on the
        # doctor's day and the desk's list, "With the doctor" on the TV.
        clinical.appointment_check_in(actor=desk, appointment=second)
        clinical.encounter_start(actor=second.doctor, appointment=second)
    log(f"Queue today: {QueueTicket.objects.filter(day=today).count()} tickets.")
