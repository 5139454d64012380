"""`manage.py seed_demo` on a production install refuses and loads nothing; the README lists the
demo's logins. The seeded demo's own tests are in tests/demo/."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.demo import DEMO_TOTP_KEYS, DEMO_USERS, _base32
from accounts.models import User
from clinical.models import Patient
from wards.models import Admission

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_the_demo_logins_and_secrets():
    readme = README.read_text()

    for username, _role, *_rest, password in DEMO_USERS:
        assert f"| `{username}` | `{password}` |" in readme
    for key in DEMO_TOTP_KEYS.values():
        assert _base32(key) in readme


@pytest.mark.django_db
def test_a_production_install_refuses_the_demo_and_loads_nothing(settings):
    """Run by mistake on the hospital's real box, seed_demo says why it stops and adds no demo
    login or patient; `--on-production` is the deliberate way on a demo or training box."""
    settings.PRODUCTION = True
    before = (User.objects.count(), Patient.objects.count(), Admission.objects.count())

    with pytest.raises(CommandError, match="production install.*Nothing was loaded"):
        call_command("seed_demo", stdout=StringIO())

    assert (User.objects.count(), Patient.objects.count(), Admission.objects.count()) == before
