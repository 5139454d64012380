"""Patients and their lifecycle (appointments, encounters and the rest join as they land)."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

PHONE_VALIDATOR = RegexValidator(
    r"^\+?[0-9 ]{9,18}$",
    "Enter a phone number of 9 to 15 digits, e.g. 0712 345 678 or +254 712 345 678.",
)


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "O", "Other"
    UNKNOWN = "U", "Unknown"


class BloodGroup(models.TextChoices):
    A_POS = "A+", "A+"
    A_NEG = "A-", "A−"
    B_POS = "B+", "B+"
    B_NEG = "B-", "B−"
    AB_POS = "AB+", "AB+"
    AB_NEG = "AB-", "AB−"
    O_POS = "O+", "O+"
    O_NEG = "O-", "O−"
    UNKNOWN = "", "Not known"


class PatientState(models.TextChoices):
    REGISTERED = "registered", "Registered"
    APPOINTMENT_SCHEDULED = "appointment_scheduled", "Appointment scheduled"
    ADMITTED = "admitted", "Admitted"
    UNDER_TREATMENT = "under_treatment", "Under treatment"
    DISCHARGED = "discharged", "Discharged"
    ARCHIVED = "archived", "Archived"


class Patient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    mrn = models.CharField("MRN", max_length=12, unique=True, editable=False)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    blood_group = models.CharField(max_length=3, choices=BloodGroup.choices, blank=True)
    phone = models.CharField(max_length=20, validators=[PHONE_VALIDATOR])
    address = models.CharField(max_length=250, blank=True)
    emergency_name = models.CharField("emergency contact", max_length=120, blank=True)
    emergency_relation = models.CharField("relation", max_length=40, blank=True)
    emergency_phone = models.CharField(
        "emergency phone", max_length=20, blank=True, validators=[PHONE_VALIDATOR]
    )
    # {"provider", "policy_number", "coverage_percent", "valid_until"}: see clinical.forms.
    insurance = models.JSONField(default=dict, blank=True)
    allergies = models.TextField(blank=True)
    medical_history = models.TextField(blank=True)
    state = models.CharField(
        max_length=24, choices=PatientState.choices, default=PatientState.REGISTERED
    )
    # Search keys kept in step by the services: lower-case "first last" and the phone's digits.
    name_key = models.CharField(max_length=170, db_index=True, editable=False)
    phone_digits = models.CharField(max_length=20, db_index=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient_record",
        help_text="The patient's portal login.",
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["last_name", "first_name", "mrn"]
        indexes = [
            models.Index(fields=["date_of_birth", "name_key"], name="patient_dob_name_idx"),
            models.Index(fields=["state", "last_name"], name="patient_state_name_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=PatientState.values), name="patient_state_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (MRN {self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_archived(self) -> bool:
        return self.state == PatientState.ARCHIVED

    def age_on(self, day) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class PatientStateChange(models.Model):
    """One step of a patient's lifecycle: from what, to what, who, when, why."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=24, choices=PatientState.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=PatientState.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.patient_id}: {self.from_state or '—'} → {self.to_state}"
