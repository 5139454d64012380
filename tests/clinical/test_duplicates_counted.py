"""Registering with a phone many records share lists the first ten of them and says how many
more there are (counted by the database), never a silent cut."""

from django.urls import reverse

from clinical.models import Patient
from hms import rbac
from tests.factories import PatientFactory

FORM = {
    "first_name": "Achieng",
    "last_name": "Odera",
    "date_of_birth": "1992-07-03",
    "sex": "F",
    "phone": "0712 345 678",
    "address": "Kisumu Road",
    "emergency_name": "Paul Odera",
    "emergency_relation": "Brother",
    "emergency_phone": "0722 000 111",
}


def share_phone(count: int) -> None:
    for n in range(count):
        patient = PatientFactory(phone="+254 712 345 678", first_name=f"Kin{n:02d}")
        Patient.objects.filter(pk=patient.pk).update(phone_digits="254712345678")


def test_the_duplicates_say_how_many_more_share_the_phone(
    make_user, client_for, django_assert_max_num_queries
):
    clerk = client_for(make_user(rbac.RECEPTIONIST))
    share_phone(4)
    page = clerk.post(reverse("patient_register"), FORM).content.decode()
    assert page.count('data-testid="duplicate-candidate"') == 4
    assert 'data-testid="duplicate-more"' not in page

    share_phone(33)
    with django_assert_max_num_queries(60) as few:
        page = clerk.post(reverse("patient_register"), FORM).content.decode()
    bound = len(few.captured_queries)
    assert page.count('data-testid="duplicate-candidate"') == 10
    assert "and 27 more with this phone" in page
    assert f"{reverse('patient_list')}?q=712345678" in page
    listed = clerk.get(reverse("patient_list"), {"q": "712345678"}).content.decode()
    assert "1–20 of 37 matches" in listed

    share_phone(200)
    with django_assert_max_num_queries(bound):
        page = clerk.post(reverse("patient_register"), FORM).content.decode()
    assert "and 227 more with this phone" in page
