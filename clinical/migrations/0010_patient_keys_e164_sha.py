"""Existing records in the new shape: phones in E.164 ("0712 100 003" -> "+254712100003"; a
number that cannot be read is left as typed, for a clerk to correct), the search keys recomputed
(names without accents or apostrophes, the phone's E.164 digits, the member number), and NHIF
cover renamed SHA (the Social Health Authority took over NHIF's members in October 2024). On
PostgreSQL, trigram indexes let a part of a document or member number be found quickly.

The rules are copied here (not imported) so that this migration keeps doing what it did."""

import re
import unicodedata

import phonenumbers
from django.conf import settings
from django.db import migrations

BATCH = 2000

CREATE = """
CREATE INDEX IF NOT EXISTS patient_id_number_trgm
    ON clinical_patient USING gin (id_number gin_trgm_ops);
CREATE INDEX IF NOT EXISTS patient_member_key_trgm
    ON clinical_patient USING gin (member_key gin_trgm_ops);
"""
DROP = """
DROP INDEX IF EXISTS patient_member_key_trgm;
DROP INDEX IF EXISTS patient_id_number_trgm;
"""


def e164(text):
    text = (text or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, getattr(settings, "HMS_PHONE_REGION", "KE"))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def plain_words(text):
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"['’‘`´]", "", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def forwards(apps, schema_editor):
    Patient = apps.get_model("clinical", "Patient")
    batch = []
    fields = ["phone", "emergency_phone", "name_key", "phone_digits", "member_key", "insurance"]
    for patient in Patient.objects.order_by("pk").iterator(chunk_size=BATCH):
        patient.phone = e164(patient.phone) or patient.phone
        if patient.emergency_phone:
            patient.emergency_phone = e164(patient.emergency_phone) or patient.emergency_phone
        patient.name_key = plain_words(f"{patient.first_name} {patient.last_name}")
        stored = e164(patient.phone)
        patient.phone_digits = stored[1:] if stored else re.sub(r"\D", "", patient.phone)
        insurance = dict(patient.insurance or {})
        if insurance.get("provider", "").strip().upper() == "NHIF":
            insurance["provider"] = "SHA"
        patient.insurance = insurance
        patient.member_key = re.sub(r"[^0-9A-Z]+", "", insurance.get("policy_number", "").upper())
        batch.append(patient)
        if len(batch) == BATCH:
            Patient.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        Patient.objects.bulk_update(batch, fields)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0009_patient_identity")]

    operations = [migrations.RunPython(forwards, backwards)]
