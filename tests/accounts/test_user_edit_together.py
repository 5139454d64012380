"""Two administrators editing one staff member at once keep each other's changes (the kind of
the patient record's lost update, session 33)."""

from django.urls import reverse

from accounts.models import User
from hms import rbac
from hms.submissions import new_token
from tests.page_forms import form_as_shown


def opened(client, user) -> dict:
    page = client.get(reverse("user_edit", args=[user.pk])).content.decode()
    return form_as_shown(page, containing="first_name")


def save(client, user, form: dict, **changes):
    sent = form | {name: [value] for name, value in changes.items()} | {"submission": [new_token()]}
    return client.post(reverse("user_edit", args=[user.pk]), sent)


def test_a_second_administrators_save_keeps_the_first_ones_change(make_user, client_for):
    nurse = make_user(rbac.NURSE, first_name="Joseph", phone="+254712100009")
    first = client_for(make_user(rbac.ADMIN))
    second = client_for(make_user(rbac.ADMIN))
    form_a, form_b = opened(first, nurse), opened(second, nurse)

    save(first, nurse, form_a, role=rbac.LAB_TECHNICIAN)
    saved = save(second, nurse, form_b, phone="0799 888 777")

    nurse = User.objects.get(pk=nurse.pk)
    assert saved.status_code == 302, saved.context["form"].errors
    assert (nurse.role, nurse.phone) == (rbac.LAB_TECHNICIAN, "+254799888777")


def test_the_same_field_changed_by_both_is_refused_and_nothing_saved(make_user, client_for):
    nurse = make_user(rbac.NURSE, first_name="Joseph")
    first = client_for(make_user(rbac.ADMIN))
    second = client_for(make_user(rbac.ADMIN))
    form_a, form_b = opened(first, nurse), opened(second, nurse)
    save(first, nurse, form_a, role=rbac.LAB_TECHNICIAN)

    refused = save(second, nurse, form_b, role=rbac.PHARMACIST, last_name="Mwangi")

    nurse = User.objects.get(pk=nurse.pk)
    assert refused.status_code == 200
    label = dict(User._meta.get_field("role").choices)[rbac.LAB_TECHNICIAN]
    assert f"it now says “{label}”" in refused.content.decode()  # the choice as a person reads it
    assert nurse.role == rbac.LAB_TECHNICIAN and nurse.last_name != "Mwangi"
