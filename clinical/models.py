"""Patients and their lifecycle (appointments, encounters and the rest join as they land)."""

import uuid
from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from clinical.ages import age_in_days, age_in_years, age_text
from hms.phones import validate_phone


class IdentityDocument(models.TextChoices):
    """The document a patient is identified by (Kenya's: an alien ID is a foreign resident's)."""

    NATIONAL_ID = "national_id", "National ID"
    PASSPORT = "passport", "Passport"
    BIRTH_CERTIFICATE = "birth_certificate", "Birth certificate"
    ALIEN_ID = "alien_id", "Alien ID"


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
    # E.164 ("+254712100003"), shown the local way ("0712 100 003") by the |phone filter.
    phone = models.CharField(max_length=20, validators=[validate_phone])
    id_type = models.CharField(
        "identity document", max_length=20, choices=IdentityDocument.choices, blank=True
    )
    # Upper case, no spaces or dashes ("A1234567"): one document names one patient.
    id_number = models.CharField("document number", max_length=30, blank=True)
    address = models.CharField(max_length=250, blank=True)
    emergency_name = models.CharField("name", max_length=120, blank=True)
    emergency_relation = models.CharField("relation", max_length=40, blank=True)
    emergency_phone = models.CharField(
        "emergency phone", max_length=20, blank=True, validators=[validate_phone]
    )
    # {"provider", "policy_number", "coverage_percent", "valid_until"}: see clinical.forms. The
    # provider is one of settings.HMS_INSURANCE_SCHEMES (SHA first), the policy number the
    # patient's member number of that scheme.
    insurance = models.JSONField(default=dict, blank=True)
    allergies = models.TextField(blank=True)
    medical_history = models.TextField(blank=True)
    state = models.CharField(
        max_length=24, choices=PatientState.choices, default=PatientState.REGISTERED
    )
    # Search keys kept in step by the services (clinical.selectors): "first last" in lower case
    # without accents or apostrophes ("sean obrien"), the phone's E.164 digits, and the insurance
    # member number in upper case without spaces or dashes.
    name_key = models.CharField(max_length=170, db_index=True, editable=False)
    phone_digits = models.CharField(max_length=20, db_index=True, editable=False)
    member_key = models.CharField(max_length=50, blank=True, db_index=True, editable=False)
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
    # A duplicate merged into another record (clinical.merging) is kept, hidden from lists and
    # searches; its MRN leads to the record it was merged into.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="merged_records",
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A doctor's prescribed SpO2 target of 88-92% (hypercapnic respiratory failure): NEWS2 then
    # scores SpO2 on scale 2 (RCP 2017, chart 2). Set and cleared by a doctor, audited.
    spo2_target_88_92 = models.BooleanField(
        "SpO₂ target 88–92% (NEWS2 scale 2)", default=False, editable=False
    )
    # "No known allergies", stated by a doctor or nurse who asked (not the same as nothing
    # recorded: docs/DECISIONS.md, "Allergies and prescribing checks"). Cleared when an allergy is
    # recorded. `allergies` above stays what reception typed at registration, shown beside the
    # coded records and read by the prescribing checks too.
    no_known_allergies_at = models.DateTimeField(null=True, blank=True, editable=False)
    no_known_allergies_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["last_name", "first_name", "mrn"]
        indexes = [
            models.Index(fields=["date_of_birth", "name_key"], name="patient_dob_name_idx"),
            models.Index(fields=["state", "last_name"], name="patient_state_name_idx"),
            # The patient list's latest registrations and its count, among 50,000 records
            # (tests/bench/pages.py --large: an 80 ms sort of the table → an index scan; the
            # count of live records 20 → 4 ms once the index leaves merged records out too).
            models.Index(
                fields=["-registered_at"],
                name="patient_live_recent_idx",
                condition=~models.Q(state="archived") & models.Q(merged_into__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=PatientState.values), name="patient_state_known"
            ),
            # One document (type and number) names one patient; many patients have none.
            models.UniqueConstraint(
                fields=["id_type", "id_number"],
                condition=~models.Q(id_number=""),
                name="patient_identity_document_once",
            ),
            models.CheckConstraint(
                condition=models.Q(id_type="", id_number="")
                | (~models.Q(id_type="") & ~models.Q(id_number="")),
                name="patient_identity_type_with_number",
            ),
            # A merged record says when, and never into itself.
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | (
                    models.Q(merged_into__isnull=False, merged_at__isnull=False)
                    & ~models.Q(merged_into=models.F("id"))
                ),
                name="patient_merged_into_another_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} (MRN {self.mrn})"

    def get_absolute_url(self) -> str:
        return reverse("patient_chart", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def insurance_valid_until(self) -> date | None:
        """The last day the patient's cover is valid (stored as an ISO date in `insurance`)."""
        try:
            return date.fromisoformat((self.insurance or {}).get("valid_until") or "")
        except ValueError:
            return None

    @property
    def is_archived(self) -> bool:
        return self.state == PatientState.ARCHIVED

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def age_on(self, day) -> int:
        """Whole years on `day` (what a form or an export asks for; staff read `age_text_on`)."""
        return age_in_years(self.date_of_birth, day)

    def age_text_on(self, day) -> str:
        """The age as written on screens and documents: "10 days", "2 months 5 days", "3 years"."""
        return age_text(self.date_of_birth, day)

    def age_in_days_on(self, day) -> int:
        """Days lived on `day`: what the lab's reference-range bands compare."""
        return age_in_days(self.date_of_birth, day)


class PatientMerge(models.Model):
    """One duplicate record merged into the surviving one (clinical.merging): who, when, who
    confirmed it, and exactly which rows moved, so that an un-merge puts back those rows only.

    `moved` is a list of {"model": "billing.Charge", "field": "patient", "pks": [...]}, one entry
    per relation to Patient that had rows; `login` says what happened to the merged record's
    portal login: {"user": id, "username": ..., "action": "moved" | "deactivated",
    "was_active": bool}, or {} when it had none; `identity` the identity document handed to a
    survivor that had none: {"id_type": ..., "id_number": ...}, or {}.
    """

    survivor = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="merges_out")
    merged_at = models.DateTimeField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    moved = models.JSONField(default=list)
    login = models.JSONField(default=dict, blank=True)
    identity = models.JSONField(default=dict, blank=True)
    survivor_state_before = models.CharField(max_length=24, choices=PatientState.choices)
    survivor_state_after = models.CharField(max_length=24, choices=PatientState.choices)
    unmerged_at = models.DateTimeField(null=True, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unmerge_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-id"]
        constraints = [
            # A record is merged away once at a time (two clerks at once: one wins).
            models.UniqueConstraint(
                fields=["merged"],
                condition=models.Q(unmerged_at__isnull=True),
                name="patient_merged_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("merged")),
                name="patient_merge_two_records",
            ),
        ]

    def __str__(self) -> str:
        return f"MRN {self.merged.mrn} merged into MRN {self.survivor.mrn}"

    def get_absolute_url(self) -> str:
        return reverse("patient_merge_detail", args=[self.pk])

    @property
    def is_undone(self) -> bool:
        return self.unmerged_at is not None

    @property
    def rows_moved(self) -> int:
        return sum(len(entry["pks"]) for entry in self.moved)


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


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class DoctorSchedule(models.Model):
    """One weekly block of a doctor's clinic hours, cut into slots of `slot_minutes`."""

    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="schedule_blocks"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    slot_minutes = models.PositiveSmallIntegerField(default=15)
    consultation_fee = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["doctor", "weekday", "start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["doctor", "weekday", "start_time"], name="schedule_block_once"
            ),
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="schedule_block_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="schedule_slot_length_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(consultation_fee__gte=0), name="schedule_fee_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.doctor} {self.get_weekday_display()} "
            f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        )


class ScheduleException(models.Model):
    """A day (or part of one) a doctor does not see patients: no slots are offered then."""

    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="schedule_exceptions"
    )
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True, help_text="Empty: the whole day.")
    end_time = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=120, blank=True)
    source = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text="What closed these hours: empty when set by hand; another module's record"
        " (e.g. 'leave:42' for approved leave), which alone may lift them again.",
    )

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["doctor", "date"], name="schedule_exception_day_idx")]

    def __str__(self) -> str:
        return f"{self.doctor} off {self.date}"


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    # The doctor has started the consultation (clinical.services.encounter_start): the patient is
    # with the doctor now; completing the consultation completes the appointment.
    IN_CONSULTATION = "in_consultation", "In consultation"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


LIVE_APPOINTMENT = ~models.Q(status=AppointmentStatus.CANCELLED)
# The patient has arrived and is not yet done: waiting (checked in) or with the doctor.
ARRIVED_STATUSES = (AppointmentStatus.CHECKED_IN, AppointmentStatus.IN_CONSULTATION)


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    reason = models.CharField("reason for visit", max_length=200, blank=True)
    # The fee when booked: later schedule changes do not alter it.
    fee = models.DecimalField(max_digits=10, decimal_places=2)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # Two receptionists racing for one slot: the database lets one of them win.
            models.UniqueConstraint(
                fields=["doctor", "starts_at"],
                condition=LIVE_APPOINTMENT,
                name="one_live_appointment_per_doctor_slot",
            ),
            models.UniqueConstraint(
                fields=["patient", "starts_at"],
                condition=LIVE_APPOINTMENT,
                name="one_live_appointment_per_patient_time",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="appointment_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["doctor", "starts_at"], name="appointment_doctor_day_idx"),
            # The day's list for every doctor (the desk's appointments page).
            models.Index(fields=["starts_at"], name="appointment_day_idx"),
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_idx"),
            # The scheduled appointments still to come (the desk's appointments to move): a
            # few thousand of 150,000 at the large hospital, read from this, not the table
            # (tests/bench/pages.py --large: 10.4 → 1.6 ms).
            models.Index(
                fields=["ends_at"],
                name="appointment_scheduled_end_idx",
                condition=models.Q(status="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient.full_name} with {self.doctor} at {timezone.localtime(self.starts_at):%d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("appointment_detail", args=[self.pk])

    @property
    def is_live(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED


class AppointmentChange(models.Model):
    """The history of an appointment: booked, moved (from → to), cancelled, checked in, ..."""

    class Kind(models.TextChoices):
        BOOKED = "booked", "Booked"
        RESCHEDULED = "rescheduled", "Rescheduled"
        CANCELLED = "cancelled", "Cancelled"
        CHECKED_IN = "checked_in", "Checked in"
        IN_CONSULTATION = "in_consultation", "Consultation started"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No-show"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_starts_at = models.DateTimeField(null=True, blank=True)
    to_starts_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind}"


class Consciousness(models.TextChoices):
    """ACVPU (RCP NEWS2 2017): anything but Alert scores 3; new confusion counts as much."""

    ALERT = "A", "Alert"
    NEW_CONFUSION = "C", "New confusion"
    VOICE = "V", "Responds to voice"
    PAIN = "P", "Responds to pain"
    UNRESPONSIVE = "U", "Unresponsive"


class Vitals(models.Model):
    """One set of observations. Impossible values are refused (clinical.vitals), abnormal ones
    flagged where they are shown."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vitals")
    recorded_at = models.DateTimeField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    temperature_c = models.DecimalField(
        "temperature (°C)", max_digits=4, decimal_places=1, null=True, blank=True
    )
    pulse = models.PositiveSmallIntegerField("pulse (/min)", null=True, blank=True)
    systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(
        "respiratory rate (/min)", null=True, blank=True
    )
    spo2 = models.PositiveSmallIntegerField("SpO₂ (%)", null=True, blank=True)
    weight_kg = models.DecimalField(
        "weight (kg)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    height_cm = models.DecimalField(
        "height (cm)", max_digits=5, decimal_places=1, null=True, blank=True
    )
    pain_score = models.PositiveSmallIntegerField("pain (0–10)", null=True, blank=True)
    # NEWS2's two unmeasured parameters; empty on sets recorded before HMS asked for them.
    on_oxygen = models.BooleanField(
        "air or oxygen", null=True, blank=True, choices=[(False, "Air"), (True, "Oxygen")]
    )
    consciousness = models.CharField(
        "consciousness (ACVPU)", max_length=1, choices=Consciousness.choices, blank=True
    )
    # The SpO2 scale in force when the set was taken (the patient's target then), so a later
    # change of target never re-scores the past.
    spo2_scale = models.PositiveSmallIntegerField(
        "SpO₂ scale", default=1, choices=[(1, "Scale 1"), (2, "Scale 2 (target 88–92%)")]
    )
    note = models.CharField(max_length=200, blank=True)
    # The NEWS2 alert this set raised ("urgent" or "emergency", and the event its notifications
    # share), or the earlier one still waiting that covers it; blank when it called for none.
    # While an alert waits for acknowledgement, later sets at the same level or lower raise no
    # new one (docs/DECISIONS.md, "One NEWS2 alert at a time").
    alert_level = models.CharField(max_length=9, blank=True, default="")
    alert_event = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "vitals"
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-recorded_at"], name="vitals_patient_recent_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pain_score__isnull=True) | models.Q(pain_score__lte=10),
                name="vitals_pain_0_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(spo2__isnull=True) | models.Q(spo2__lte=100),
                name="vitals_spo2_at_most_100",
            ),
            models.CheckConstraint(
                condition=models.Q(spo2_scale__in=[1, 2]), name="vitals_spo2_scale_1_or_2"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Vitals of {self.patient_id} at {timezone.localtime(self.recorded_at):%d %b %Y %H:%M}"
        )


# The shape of a code; whether it is a code of the WHO's ICD-10 list is clinical.icd10's check
# (the services refuse one that is not). U is the WHO's letter for emergency use (U07.1 COVID-19).
ICD10_VALIDATOR = RegexValidator(
    r"^[A-Z][0-9][0-9AB](\.[0-9A-Z]{1,4})?$",
    "An ICD-10 code looks like J45 or J45.909 (a letter, two characters, then optional decimals).",
)


class Encounter(models.Model):
    """A consultation: what the patient said, what the doctor found and decided."""

    class Status(models.TextChoices):
        OPEN = "open", "In progress"
        COMPLETED = "completed", "Completed"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="encounters"
    )
    appointment = models.OneToOneField(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="encounter"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    # When the doctor last saved the notes (clinical.services.encounter_save): the consultation
    # page says so when it is opened again, as the line under the notes does after a save.
    notes_saved_at = models.DateTimeField(null=True, blank=True)
    complaints = models.TextField("presenting complaints", blank=True)
    examination = models.TextField(blank=True)
    diagnosis = models.CharField(max_length=200, blank=True)
    icd10_code = models.CharField(
        "ICD-10 code", max_length=8, blank=True, validators=[ICD10_VALIDATOR]
    )
    plan = models.TextField(blank=True)

    class Meta:
        verbose_name = "consultation"  # the hospital's word for it
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["patient", "-started_at"], name="encounter_patient_idx")]

    def __str__(self) -> str:
        return f"Consultation of {self.patient.full_name} on {timezone.localtime(self.started_at):%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("encounter", args=[self.pk])


class Route(models.TextChoices):
    ORAL = "oral", "By mouth"
    IV = "iv", "Intravenous"
    IM = "im", "Intramuscular"
    SC = "sc", "Subcutaneous"
    TOPICAL = "topical", "On the skin"
    INHALED = "inhaled", "Inhaled"
    RECTAL = "rectal", "Rectal"
    OTHER = "other", "Other"


class Prescription(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="prescriptions")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drug = models.CharField(max_length=120)
    strength = models.CharField(max_length=40, blank=True, help_text="e.g. 500 mg")
    dose = models.CharField(max_length=40, help_text="e.g. 1 tablet")
    route = models.CharField(max_length=10, choices=Route.choices, default=Route.ORAL)
    frequency = models.CharField(max_length=40, help_text="e.g. three times a day")
    duration = models.CharField(max_length=40, help_text="e.g. 5 days")
    instructions = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The formulary item prescribed (pharmacy.FormularyItem, by label: clinical never imports
    # pharmacy); `drug` and `strength` keep its words. None: free text, as before the formulary,
    # or a drug the hospital does not stock (`outside`: the patient buys it elsewhere).
    formulary_item = models.ForeignKey(
        "pharmacy.FormularyItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prescriptions",
    )
    outside = models.BooleanField(default=False)
    # Dispensing units to hand over (dose x frequency x duration where that is unambiguous,
    # clinical.dosing; typed otherwise), and how many pharmacy has handed over so far.
    quantity = models.PositiveIntegerField(null=True, blank=True)
    dispensed_quantity = models.PositiveIntegerField(default=0)
    # Prescribed despite a recorded allergy: the doctor's reason, audited and printed on the
    # prescription (clinical.prescribing). Empty: no allergy stood in the way.
    allergy_override_reason = models.CharField(max_length=300, blank=True)
    # The warnings (cross-reactivity, duplicate therapy, dose above the maximum, interactions)
    # the doctor read and confirmed, as their sentences.
    warnings_confirmed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="prescription_patient_idx"),
            # The dispensing queue (pharmacy's waiting()): only the prescriptions still to hand
            # over, so it stays as small as the queue after years of dispensed ones.
            models.Index(
                fields=["created_at"],
                condition=models.Q(
                    formulary_item__isnull=False,
                    outside=False,
                    quantity__isnull=False,
                    dispensed_quantity__lt=models.F("quantity"),
                ),
                name="prescription_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drug} {self.strength} for {self.patient_id}"

    def get_absolute_url(self) -> str:
        return reverse("encounter", args=[self.encounter_id])

    @property
    def to_dispense(self) -> int:
        """Units still to hand over (0 when outside, free text, or all given)."""
        if self.outside or self.formulary_item_id is None or self.quantity is None:
            return 0
        return max(self.quantity - self.dispensed_quantity, 0)

    @property
    def dispensing_status(self) -> str:
        """What the doctor and the pharmacist read: "Outside", "Not stocked", "Waiting",
        "Part dispensed (4 of 10)", "Dispensed"."""
        if self.outside:
            return "Outside (not stocked here)"
        if self.formulary_item_id is None or self.quantity is None:
            return "Free text"
        if self.dispensed_quantity == 0:
            return "Waiting at pharmacy"
        if self.dispensed_quantity < self.quantity:
            return f"Part dispensed ({self.dispensed_quantity} of {self.quantity})"
        return "Dispensed"


class AllergenClass(models.TextChoices):
    """The coded allergen classes a patient's allergy and a formulary item carry."""

    PENICILLINS = "penicillins", "Penicillins"
    CEPHALOSPORINS = "cephalosporins", "Cephalosporins"
    SULFONAMIDES = "sulfonamides", "Sulfonamides (sulfa drugs)"
    NSAIDS = "nsaids", "NSAIDs"
    ASPIRIN = "aspirin", "Aspirin"
    OPIOIDS = "opioids", "Opioids"
    IODINATED_CONTRAST = "iodinated_contrast", "Iodinated contrast"
    LATEX = "latex", "Latex"
    OTHER = "other", "Other (named in words)"


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe (anaphylaxis, airway, SJS)"
    UNKNOWN = "unknown", "Not known"


class Allergy(models.Model):
    """One allergy of a patient: a coded allergen class, or words for the rest ("other"), with
    the reaction and its severity. Removing one (entered in error, disproved) keeps the row."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergy_records")
    allergen_class = models.CharField("allergen", max_length=20, choices=AllergenClass.choices)
    allergen = models.CharField(
        "allergen in words",
        max_length=120,
        blank=True,
        help_text="Required for “Other”: e.g. ciprofloxacin, eggs, bee stings",
    )
    reaction = models.CharField(max_length=200, blank=True, help_text="e.g. rash, wheeze")
    severity = models.CharField(
        max_length=10, choices=AllergySeverity.choices, default=AllergySeverity.UNKNOWN
    )
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    removed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name_plural = "allergies"
        indexes = [models.Index(fields=["patient", "removed_at"], name="allergy_patient_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allergen_class__in=AllergenClass.values),
                name="allergy_class_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(allergen_class="other") | ~models.Q(allergen=""),
                name="allergy_other_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.patient_id})"

    @property
    def name(self) -> str:
        """What the banner reads: "Penicillins (amoxicillin)" or the words of an "other"."""
        if self.allergen_class == AllergenClass.OTHER:
            return self.allergen
        label = self.get_allergen_class_display()
        return f"{label} ({self.allergen})" if self.allergen else label

    @property
    def severity_words(self) -> str:
        """The severity as a sentence reads it: "mild", "moderate", "severe"; "" not known."""
        return "" if self.severity == AllergySeverity.UNKNOWN else self.severity


class InteractionSeverity(models.TextChoices):
    CAUTION = "caution", "Caution: monitor"
    SERIOUS = "serious", "Serious: avoid or adjust"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class DrugInteraction(models.Model):
    """A dangerous pair the prescribing checks warn about, kept by the hospital (pharmacist or
    administrator). Each side is an allergen class code ("nsaids") or a drug's generic name
    ("enalapril"), matched against the formulary item's classes and the words of its name."""

    first = models.CharField(max_length=60, help_text="A drug's generic name or a class code")
    second = models.CharField(max_length=60, help_text="A drug's generic name or a class code")
    severity = models.CharField(max_length=16, choices=InteractionSeverity.choices)
    advice = models.CharField(max_length=300, help_text="What happens and what to do")
    source = models.CharField(max_length=200, help_text="e.g. BNF, Appendix 1")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["first", "second"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="interaction_pair_once"),
            models.CheckConstraint(
                condition=models.Q(severity__in=InteractionSeverity.values),
                name="interaction_severity_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first} + {self.second}"

    def get_absolute_url(self) -> str:
        return reverse("interaction_list")


def document_path(instance, filename: str) -> str:
    # The stored name never uses what the uploader typed: a random name under the patient.
    return f"patients/{instance.patient_id}/{uuid.uuid4().hex}{instance.extension}"


class PatientDocument(models.Model):
    class Kind(models.TextChoices):
        NOTE = "note", "Medical note"
        REFERRAL = "referral", "Referral letter"
        REPORT = "report", "Outside report"
        IMAGE = "image", "Photo / scan"
        CONSENT = "consent", "Consent form"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NOTE)
    title = models.CharField(max_length=120)
    file = models.FileField(upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["patient", "-uploaded_at"], name="document_patient_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.patient_id})"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )


class EncounterDraft(models.Model):
    """What the consultation's doctor has typed into its notes and not yet saved, kept on the
    server while they type (a short debounce, and on leaving a field): a reload, a sign-out or a
    crashed tablet loses nothing. Saving the notes (or completing the consultation) takes it in
    and deletes it. Scratch, not the record: not audited, never shown to anyone but its writer."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    fields = models.JSONField(default=dict)
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["encounter", "author"], name="one_draft_per_writer")
        ]

    def __str__(self) -> str:
        return f"Draft of {self.encounter_id} by {self.author_id}"
