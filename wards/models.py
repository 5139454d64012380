"""Wards, beds, admissions and the beds each admission occupied (its stays)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class WardKind(models.TextChoices):
    ICU = "icu", "ICU"
    GENERAL = "general", "General"
    PRIVATE = "private", "Private"
    EMERGENCY = "emergency", "Emergency"


class Ward(models.Model):
    name = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=10, choices=WardKind.choices)
    # The charge master item its stays post (billing's catalogue, by code): per day, or per hour
    # for Emergency.
    charge_code = models.CharField(max_length=30)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def charged_per_hour(self) -> bool:
        return self.kind == WardKind.EMERGENCY


class BedStatus(models.TextChoices):
    VACANT = "vacant", "Vacant"
    OCCUPIED = "occupied", "Occupied"
    CLEANING = "cleaning", "Cleaning"
    MAINTENANCE = "maintenance", "Maintenance"


class Bed(models.Model):
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="beds")
    number = models.CharField(max_length=12)
    status = models.CharField(max_length=12, choices=BedStatus.choices, default=BedStatus.VACANT)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["ward__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "number"], name="bed_number_unique_in_ward"),
        ]

    def __str__(self) -> str:
        return f"{self.ward.name} bed {self.number}"


class BedStatusChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Bed status changes are append-only: they cannot be updated.")

    def delete(self):
        raise PermissionError("Bed status changes are append-only: they cannot be deleted.")


class BedStatusChange(models.Model):
    """One change of a bed's status (append-only), so the analytics can tell when a bed was in
    maintenance. Written by wards.services._set_bed, the one place a bed's status changes.
    `from_status` is blank on the row that opened a bed's history (migration 0005: each bed as it
    stood, at its `status_changed_at`)."""

    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=BedStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=BedStatus.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = BedStatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["to_status", "at"], name="bedstatus_to_at_idx"),
            models.Index(fields=["from_status", "at"], name="bedstatus_from_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.bed_id}: {self.from_status or '—'} → {self.to_status} at {timezone.localtime(self.at):%d %b %Y %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Bed status changes are append-only: they cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Bed status changes are append-only: they cannot be deleted.")


class AdmissionStatus(models.TextChoices):
    ADMITTED = "admitted", "Admitted"
    DISCHARGE_ORDERED = "discharge_ordered", "Discharge ordered"
    DISCHARGED = "discharged", "Discharged"


ACTIVE_ADMISSION = models.Q(discharged_at__isnull=True)


class Admission(models.Model):
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="admissions"
    )
    attending_doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attending_admissions"
    )
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="admissions")
    status = models.CharField(
        max_length=20, choices=AdmissionStatus.choices, default=AdmissionStatus.ADMITTED
    )
    reason = models.CharField("reason for admission", max_length=200)
    diagnosis = models.CharField(max_length=200, blank=True)
    expected_days = models.PositiveSmallIntegerField(
        "expected length of stay (days)", null=True, blank=True
    )
    # Held until billing lands; billing then records it as an advance on the patient's account.
    advance_deposit = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    admitted_at = models.DateTimeField()
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    discharge_ordered_at = models.DateTimeField(null=True, blank=True)
    discharge_ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The discharge summary, written by the doctor who orders the discharge.
    final_diagnosis = models.CharField(max_length=200, blank=True)
    treatment_given = models.TextField(blank=True)
    procedures = models.TextField("procedures done", blank=True)
    discharge_medications = models.TextField("medications on discharge", blank=True)
    follow_up = models.TextField(blank=True)

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            # Two clerks assigning one bed, or admitting one patient twice: the database refuses.
            models.UniqueConstraint(
                fields=["bed"], condition=ACTIVE_ADMISSION, name="one_active_admission_per_bed"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=ACTIVE_ADMISSION,
                name="one_active_admission_per_patient",
            ),
            models.CheckConstraint(
                condition=models.Q(advance_deposit__gte=0), name="admission_deposit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Admission of {self.patient_id} ({timezone.localtime(self.admitted_at):%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("admission_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.discharged_at is None


class BedStay(models.Model):
    """A stretch of an admission in one bed: a transfer ends one stay and starts the next, so each
    ward's rate applies to its own period."""

    admission = models.ForeignKey(Admission, on_delete=models.CASCADE, related_name="stays")
    bed = models.ForeignKey(Bed, on_delete=models.PROTECT, related_name="stays")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="stays")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["admission"],
                condition=models.Q(ended_at__isnull=True),
                name="one_open_stay_per_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.admission_id} in {self.bed_id} from {timezone.localtime(self.started_at):%d %b %Y %H:%M}"


class NoteKind(models.TextChoices):
    WARD_ROUND = "ward_round", "Ward round"
    NURSING = "nursing", "Nursing"


class InpatientNote(models.Model):
    """A signed, timestamped note of the stay: a doctor's ward-round (progress) note or a nurse's
    nursing note. Its author may correct it within HMS_NOTE_EDIT_MINUTES of writing it; after
    that it stands as written, and what is to be added or corrected is an addendum (a note of its
    own, pointing at this one). Never deleted."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=12, choices=NoteKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()
    text = models.TextField()
    edited_at = models.DateTimeField(null=True, blank=True)
    addendum_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="addenda"
    )

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(
                fields=["admission", "-written_at"],
                name="note_admission_recent_idx",
                condition=models.Q(addendum_to__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} note of {self.admission_id} by {self.author_id}"
