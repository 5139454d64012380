"""Models of engineering: the machine types the hospital knows (lab's imaging tests name the same
ones, so orders and machines meet)."""

from django.db import models


class MachineType(models.TextChoices):
    XRAY = "xray", "X-ray"
    ULTRASOUND = "ultrasound", "Ultrasound"
    CT = "ct", "CT scanner"
    MRI = "mri", "MRI scanner"
    ECG = "ecg", "ECG machine"


# The machine types an imaging (machine) test is done on: what lab's catalogue may name.
IMAGING_MACHINE_TYPES = [
    MachineType.XRAY,
    MachineType.ULTRASOUND,
    MachineType.CT,
    MachineType.MRI,
    MachineType.ECG,
]
IMAGING_MACHINE_TYPE_CHOICES = [
    (value, label) for value, label in MachineType.choices if value in IMAGING_MACHINE_TYPES
]
