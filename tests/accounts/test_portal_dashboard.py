"""The patient portal's home speaks to a patient, not to staff (issue 15, item 8)."""

from django.urls import reverse

STAFF_WORDING = (
    "What your role can do",
    "register new patients",
    "check patients in",
    "Messages with colleagues",
)


def test_the_portal_home_shows_a_patient_no_staff_wording(staff, client_for):
    client = client_for(staff.patient_user)

    page = client.get(reverse("dashboard")).content.decode()

    for words in STAFF_WORDING:
        assert words not in page
    assert "My appointments" in page


def test_a_receptionist_home_still_describes_the_desk_work(staff, client_for):
    client = client_for(staff.receptionist)

    page = client.get(reverse("dashboard")).content.decode()

    assert "register new patients" in page
