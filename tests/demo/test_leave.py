"""The demo hospital's leave: every state, the doctor's leave clashing with a booked patient, and
seed_demo run twice changes nothing the second time."""

from clinical import selectors as clinical_selectors
from hr.leave_selectors import request_parts
from hr.models import LeaveRequest, LeaveStatus


def test_the_demo_has_leave_in_every_state_and_a_doctors_leave_over_a_booked_patient(seeded):
    assert seeded.second["leave requests"] == seeded.first["leave requests"]
    assert seeded.first["leave requests"]
    assert set(LeaveRequest.objects.values_list("status", flat=True)) == set(LeaveStatus.values)
    assert LeaveRequest.objects.filter(cut_short_on__isnull=True, status="approved").count() >= 3
    doctors = LeaveRequest.objects.get(user__username="doctor", status=LeaveStatus.APPROVED)
    booked = clinical_selectors.appointments_in_days(doctors.user, request_parts(doctors))
    assert booked.exists()
