"""Factories for test data: named role users first, the rest as modules land."""

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Department, User

PASSWORD = "correct-horse-battery"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Department {n}")
    code = factory.Sequence(lambda n: f"D{n:03d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hospital.test")
    role = "nurse"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    name = "Authenticator app"
    confirmed = True


class PatientFactory(factory.django.DjangoModelFactory):
    """A registered patient (MRN from a sequence: factories do not go through the service)."""

    class Meta:
        model = "clinical.Patient"

    mrn = factory.Sequence(lambda n: f"9{n:05d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=90)
    sex = "F"
    phone = factory.Sequence(lambda n: f"07{n:08d}")
    name_key = factory.LazyAttribute(lambda p: f"{p.first_name} {p.last_name}".lower())
    phone_digits = factory.LazyAttribute(lambda p: "".join(c for c in p.phone if c.isdigit()))
