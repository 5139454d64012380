"""Patient forms, with the checks a registration clerk understands."""

from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clinical import icd10
from clinical.models import (
    AllergenClass,
    AllergySeverity,
    Appointment,
    Consciousness,
    DoctorSchedule,
    Encounter,
    IdentityDocument,
    Patient,
    PatientStateChange,
    Prescription,
    Route,
    Vitals,
)
from hms import params, rbac
from hms.concurrent_edits import ConcurrentEditForm
from hms.params import DayField, MoneyField, PlainDecimalField, day_example, plain_formfield
from hms.phones import PhoneRefused, phone_e164, phone_local

OLDEST_AGE_YEARS = 130
# What a patient's record says about their health: shown and edited only with the whole chart
# (reception's "demographics" view of a record it edits leaves them out).
CLINICAL_FIELDS = ["allergies", "medical_history"]


def insurance_schemes(current: str = "") -> list[tuple[str, str]]:
    """The schemes a patient's cover may name (settings.HMS_INSURANCE_SCHEMES, SHA first), and
    the one a record already names when it is no longer on the list (kept, not lost)."""
    schemes = list(settings.HMS_INSURANCE_SCHEMES)
    if current and current not in schemes:
        schemes.append(current)
    return [("", "No insurance")] + [(name, SCHEME_NAMES.get(name, name)) for name in schemes]


SCHEME_NAMES = {"SHA": "SHA (Social Health Authority)"}


class PatientForm(ConcurrentEditForm, forms.ModelForm):
    insurance_provider = forms.ChoiceField(label="Insurance scheme", required=False)
    insurance_policy_number = forms.CharField(label="Member number", max_length=50, required=False)
    insurance_coverage_percent = PlainDecimalField(
        label="Coverage %", min_value=0, max_value=100, decimal_places=2, required=False
    )
    insurance_valid_until = DayField(label="Valid until", required=False)
    not_a_duplicate = forms.BooleanField(
        required=False,
        label="None of these is this patient: register a new record",
    )

    class Meta:
        # In Meta: Django 5 reads a model form's formfield_callback only there.
        formfield_callback = plain_formfield
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "blood_group",
            "phone",
            "id_type",
            "id_number",
            "address",
            "emergency_name",
            "emergency_relation",
            "emergency_phone",
            "allergies",
            "medical_history",
        ]
        widgets = {
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "medical_history": forms.Textarea(attrs={"rows": 3}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "emergency_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }
        # A birth date's example is a birth date (the other date fields show a day to come).
        error_messages = {
            "date_of_birth": {"invalid": day_example("date of birth", date(1988, 12, 4))}
        }

    def __init__(self, *args, clinical: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not clinical:
            for name in CLINICAL_FIELDS:
                del self.fields[name]
        insurance = self.instance.insurance or {}
        for key in ("provider", "policy_number", "coverage_percent", "valid_until"):
            self.fields[f"insurance_{key}"].initial = insurance.get(key)
        if insurance.get("valid_until"):
            self.fields["insurance_valid_until"].initial = date.fromisoformat(
                insurance["valid_until"]
            )
        scheme = self.fields["insurance_provider"]
        scheme.choices = insurance_schemes(insurance.get("provider"))
        scheme.help_text = f"A member number with no scheme is {settings.HMS_INSURANCE_SCHEMES[0]}."
        self.fields["id_type"].choices = [("", "None shown")] + list(IdentityDocument.choices)
        for name in ("phone", "emergency_phone"):  # the stored E.164, shown the local way
            if self.initial.get(name):
                self.initial[name] = phone_local(self.initial[name])
        self.fields["sex"].choices = [("", "Choose")] + list(self.fields["sex"].choices)[1:]
        if not self.instance._state.adding:  # (a new Patient already has its UUID)
            del self.fields["not_a_duplicate"]

    def clean_insurance_valid_until(self):
        """A cover typed as already ended is refused (billing would claim nothing on it and say
        so only on the invoice); one that ended since it was typed stays as it is on the record,
        so the rest of the record can still be edited."""
        until = self.cleaned_data.get("insurance_valid_until")
        if until and until < timezone.localdate() and "insurance_valid_until" in self.changed_data:
            raise forms.ValidationError(
                f"That cover ended on {until:%d/%m/%Y}: enter the renewed date, or clear the"
                " insurance if the patient pays."
            )
        return until

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise forms.ValidationError("The date of birth cannot be in the future.")
        if born < date(today.year - OLDEST_AGE_YEARS, today.month, 1):
            raise forms.ValidationError(
                f"That would make the patient older than {OLDEST_AGE_YEARS}: check the year."
            )
        return born

    def validate_unique(self):
        """The service checks the identity document, naming the record that holds it."""

    def _clean_phone(self, name: str) -> str:
        typed = self.cleaned_data.get(name, "")
        if not typed:
            return typed
        try:
            return phone_e164(typed)
        except PhoneRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None

    def clean_phone(self):
        return self._clean_phone("phone")

    def clean_emergency_phone(self):
        return self._clean_phone("emergency_phone")

    def clean(self):
        cleaned = super().clean()
        id_type, id_number = cleaned.get("id_type"), cleaned.get("id_number", "").strip()
        if id_number and not id_type:
            self.add_error("id_type", "Choose which document this number is from.")
        if id_type and not id_number:
            self.add_error("id_number", "Enter the document's number, or choose “None shown”.")
        policy = cleaned.get("insurance_policy_number", "").strip()
        provider = cleaned.get("insurance_provider", "").strip()
        if policy and not provider:  # a member number with no scheme chosen: the default scheme
            provider = cleaned["insurance_provider"] = settings.HMS_INSURANCE_SCHEMES[0]
        coverage = cleaned.get("insurance_coverage_percent")
        valid_until = cleaned.get("insurance_valid_until")
        if any([provider, policy, coverage is not None, valid_until]):
            if not provider:
                self.add_error("insurance_provider", "Choose the scheme, or clear the insurance.")
            if not policy:
                self.add_error("insurance_policy_number", "Enter the member number.")
            if coverage is None:
                self.add_error("insurance_coverage_percent", "Enter how much the policy covers.")
        cleaned["insurance"] = (
            {
                "provider": provider,
                "policy_number": policy,
                "coverage_percent": str(coverage.quantize(Decimal("0.01")))
                if coverage is not None
                else "",
                "valid_until": valid_until.isoformat() if valid_until else "",
            }
            if provider
            else {}
        )
        return cleaned

    def patient_fields(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}
        data["insurance"] = self.cleaned_data["insurance"]
        return data


# Too long a reason is refused, never cut, and the message names the limit.
REASON_ERRORS = {
    "max_length": "Reason: at most %(limit_value)d characters (this has %(show_value)d)."
}


class AppointmentCancelForm(forms.Form):
    """Why an appointment is cancelled (optional)."""

    reason = forms.CharField(
        label="Reason",
        max_length=params.model_limit(Appointment, "reason"),
        required=False,
        error_messages=REASON_ERRORS,
    )


class AppointmentMoveForm(AppointmentCancelForm):
    """The new slot (one of the free times offered) and why the appointment moves."""

    starts_at = forms.CharField(required=False)

    def clean_starts_at(self):
        starts_at = params.local_datetime(self.cleaned_data["starts_at"])
        if starts_at is None:
            raise forms.ValidationError("Choose the new slot.")
        return starts_at


class PatientStateForm(forms.Form):
    """Why a record is archived or made active again (optional)."""

    reason = forms.CharField(
        label="Reason",
        max_length=params.model_limit(PatientStateChange, "reason"),
        required=False,
        error_messages=REASON_ERRORS,
    )


class PortalLoginForm(forms.Form):
    """The patient's portal username, and an e-mail for resetting the password (optional)."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        error_messages={"required": "Choose a username for the portal login."},
    )
    email = forms.EmailField(label="E-mail", max_length=254, required=False)


class TransitionForm(forms.Form):
    to_state = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(max_length=200, required=False)


def _doctor_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(role=rbac.DOCTOR, is_active=True),
        empty_label="Choose a doctor",
    )


class ScheduleBlockForm(forms.ModelForm):
    class Meta:
        formfield_callback = plain_formfield
        model = DoctorSchedule
        fields = ["doctor", "weekday", "start_time", "end_time", "slot_minutes", "consultation_fee"]
        field_classes = {"consultation_fee": MoneyField}  # "1,500" as well as "1500"
        widgets = {
            "start_time": forms.TimeInput(attrs={"type": "time"}),
            "end_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"] = _doctor_field()
        self.fields["slot_minutes"].min_value = 5

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "The clinic must end after it starts.")
        minutes = cleaned.get("slot_minutes")
        if minutes is not None and not 5 <= minutes <= 240:
            self.add_error("slot_minutes", "A slot is between 5 and 240 minutes long.")
        fee = cleaned.get("consultation_fee")
        if fee is not None and fee < 0:
            self.add_error("consultation_fee", "The fee cannot be negative.")
        return cleaned


class ExceptionForm(forms.Form):
    doctor = forms.ModelChoiceField(queryset=None)
    date = DayField()
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"] = _doctor_field()


VITALS_FORM_FIELDS = [
    "temperature_c",
    "pulse",
    "systolic",
    "diastolic",
    "respiratory_rate",
    "spo2",
    "weight_kg",
    "height_cm",
    "pain_score",
    "note",
]


class VitalsForm(forms.Form):
    """The readings as typed; clinical.services.vitals_record decides what is possible."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        numeric = {"inputmode": "decimal", "step": "any"}
        self.fields.update(
            forms.fields_for_model(
                Vitals,
                fields=VITALS_FORM_FIELDS,
                formfield_callback=plain_formfield,
                widgets={
                    name: forms.NumberInput(attrs=numeric) for name in VITALS_FORM_FIELDS[:-1]
                },
            )
        )
        # NEWS2's air/oxygen and ACVPU: nothing preselected, so a value counts only when the
        # nurse chose it; left unchosen they are recorded as unknown and the set as incomplete.
        self.fields["supply"] = forms.ChoiceField(
            label="Air or oxygen",
            choices=[(AIR, "Air"), (OXYGEN, "Oxygen")],
            required=False,
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        )
        self.fields["consciousness"] = forms.ChoiceField(
            label="Consciousness (ACVPU)",
            choices=Consciousness.choices,
            required=False,
            widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        )

    def clean(self):
        cleaned = super().clean()
        supply = cleaned.pop("supply", "")
        cleaned["on_oxygen"] = {AIR: False, OXYGEN: True}.get(supply)
        return cleaned


AIR, OXYGEN = "air", "oxygen"


class Spo2TargetForm(forms.Form):
    """A doctor's SpO2 target: 88-92% (NEWS2 scale 2) or the usual one (scale 1)."""

    target_88_92 = forms.TypedChoiceField(
        choices=[("1", "88–92% (scale 2)"), ("0", "The usual target (scale 1)")],
        coerce=lambda value: value == "1",
    )


class EncounterForm(forms.ModelForm):
    """The consultation's notes. The diagnosis box searches the WHO ICD-10 list as the doctor
    types (by words or code: clinical.icd10, the list under it); a tap fills the code and its
    title (static/js/diagnosis.js), and the diagnosis stays free text the doctor may change or
    write without a code. A code not in the WHO list is refused beside it."""

    class Meta:
        model = Encounter
        fields = ["complaints", "examination", "diagnosis", "icd10_code", "plan"]
        widgets = {
            "complaints": forms.Textarea(attrs={"rows": 3}),
            "examination": forms.Textarea(attrs={"rows": 3}),
            "plan": forms.Textarea(attrs={"rows": 3}),
            "icd10_code": forms.TextInput(attrs={"placeholder": "e.g. J45.9"}),
        }
        help_texts = {
            "diagnosis": "Type words or a code to search the WHO ICD-10 list, or write your own.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        search = {
            "autocomplete": "off",
            "hx-get": reverse("icd10_pick"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#icd10-pick",
            "hx-swap": "outerHTML",
        }
        self.fields["diagnosis"].widget.attrs.update(
            search | {"placeholder": "e.g. malaria, or B54", "data-testid": "diagnosis-search"}
        )
        self.fields["icd10_code"].widget.attrs.update(
            search | {"data-testid": "icd10-code", "maxlength": 8}
        )
        # The shape (ICD10_VALIDATOR) is checked on the model once the code is cleaned: a code
        # typed in lower case or without its dot ("j459") is read as the list writes it.
        self.fields["icd10_code"].validators = []

    def clean_icd10_code(self):
        return icd10.checked(self.cleaned_data["icd10_code"])


def formulary_model():
    """pharmacy.FormularyItem, reached through the prescription's field (clinical never imports
    pharmacy)."""
    return Prescription._meta.get_field("formulary_item").related_model


class PrescriptionForm(forms.ModelForm):
    """A prescription line: a formulary item picked from the search (its id in
    `formulary_item`, its words in drug and strength), or a drug the hospital does not stock
    (`outside` ticked, typed as free text). The quantity to dispense is computed from dose ×
    frequency × duration when left blank (clinical.dosing), and must be typed when it cannot be."""

    formulary_item = forms.CharField(required=False, widget=forms.HiddenInput)
    outside = forms.BooleanField(
        required=False, label="Not stocked here (the patient buys it outside)"
    )
    quantity = params.PlainIntegerField(
        label="Quantity to dispense",
        required=False,
        min_value=1,
        max_value=10_000,
        help_text="Left blank: computed from the dose, frequency and duration.",
        error_messages={
            "invalid": "Type the quantity as a whole number, e.g. 15.",
            "min_value": "At least 1.",
            "max_value": "At most 10,000 units on one prescription.",
        },
    )

    class Meta:
        model = Prescription
        fields = ["drug", "strength", "dose", "route", "frequency", "duration", "instructions"]
        labels = {"drug": "Drug"}
        error_messages = {
            "drug": {"required": "Type the drug's name, and pick it from the formulary list."},
            "dose": {"required": "Enter the dose, e.g. 1 tablet."},
            "frequency": {"required": "Enter how often, e.g. three times a day (TDS)."},
            "duration": {"required": "Enter for how long, e.g. 5 days."},
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The drug box is the formulary search: as the doctor types, pharmacy's item list (with
        # what is in stock) shows under it; a tap fills the line (static/js/prescribing.js).
        self.fields["drug"].widget.attrs.update(
            {
                "autocomplete": "off",
                "placeholder": "Type to search the formulary, e.g. amox",
                "hx-get": reverse("formulary_pick"),
                # The patient goes with the search: items their allergies stop are marked.
                "hx-include": "#prescription-form [name=pick_patient]",
                "hx-trigger": "input changed delay:250ms, focus",
                "hx-target": "#formulary-pick",
                "hx-swap": "outerHTML",
                "data-testid": "drug-search",
            }
        )
        self.fields["quantity"].widget.attrs.update({"inputmode": "numeric", "min": 1})
        self.fields["outside"].widget.attrs["data-testid"] = "outside"
        # No route is assumed: an injection printed "By mouth" is worse than a question. Picking
        # a tablet, syrup or cream from the formulary fills it (static/js/prescribing.js).
        self.fields["route"].choices = [("", "Choose the route")] + list(Route.choices)
        self.fields["route"].initial = ""
        self.fields["route"].error_messages["required"] = "Choose the route, e.g. by mouth."

    def clean_formulary_item(self):
        """The picked item (an active one), or None."""
        value = self.cleaned_data.get("formulary_item") or ""
        if not value.strip():
            return None
        pk = params.db_id(value.strip())
        item = formulary_model().objects.filter(pk=pk).first() if pk else None
        if item is None:
            raise forms.ValidationError("That item is not in the formulary: search again.")
        if not item.active:
            raise forms.ValidationError(
                f"{item} is no longer in use in the formulary: choose another."
            )
        return item

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outside"):
            data["formulary_item"] = None
            data["quantity"] = None
        elif data.get("formulary_item") is None and "formulary_item" not in self.errors:
            self.add_error(
                "drug",
                "Pick the drug from the formulary list as you type, or tick “Not stocked here” "
                "for a drug the patient buys outside.",
            )
        return data


class SecondPersonForm(forms.Form):
    """A second person's confirmation on the same screen: another receptionist or an
    administrator types their own username, password and, when their account has an
    authenticator app, its code (a receptionist merging needs one; an administrator's form has no
    such fields). The password and code are checked here, against the same limits as a sign-in
    (accounts.services.second_person_check); the service checks the person may merge and is not
    the clerk."""

    confirm_username = forms.CharField(label="Second person's username", max_length=150)
    confirm_password = forms.CharField(
        label="Their password", max_length=128, strip=False, widget=forms.PasswordInput
    )
    confirm_code = forms.CharField(
        label="Their authenticator code",
        max_length=12,
        required=False,
        help_text="Only for someone who signs in with an authenticator app (an administrator).",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(
        self, *args, request=None, needs_second_person: bool | None = None, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.confirmer = None
        if needs_second_person is None:  # as the clerk's role says (an administrator: no)
            user = getattr(request, "user", None)
            needs_second_person = rbac.scope(user, "patients.merge") != rbac.ALL
        if not needs_second_person:
            for name in ("confirm_username", "confirm_password", "confirm_code"):
                del self.fields[name]
        else:
            self.fields["confirm_username"].error_messages["required"] = (
                "A second person must confirm: their username."
            )
            self.fields["confirm_password"].error_messages["required"] = (
                "The second person types their own password."
            )

    def clean(self) -> dict:
        data = super().clean()
        username, password = data.get("confirm_username"), data.get("confirm_password")
        if "confirm_username" in self.fields and username and password:
            from accounts.services import AccountError, second_person_check

            try:
                self.confirmer = second_person_check(
                    request=self.request,
                    username=username,
                    password=password,
                    code=data.get("confirm_code") or "",
                )
            except AccountError as refusal:
                self.add_error(f"confirm_{refusal.field or 'password'}", str(refusal))
        return data


class MergeForm(SecondPersonForm):
    """Which of two records is kept (the other is merged into it), with the second person when
    the clerk's role needs one."""

    survivor = forms.ChoiceField(
        label="Keep which record?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the record to keep."},
    )

    def __init__(self, *args, first: Patient, second: Patient, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pair = {str(first.pk): first, str(second.pk): second}
        self.fields["survivor"].choices = [
            (str(p.pk), f"{p.full_name}, MRN {p.mrn}") for p in (first, second)
        ]
        # The older record usually holds the longer history: offered as the one to keep.
        older = min((first, second), key=lambda p: (p.registered_at, p.mrn))
        self.fields["survivor"].initial = str(older.pk)
        self.order_fields(["survivor", "confirm_username", "confirm_password", "confirm_code"])

    @property
    def kept(self) -> Patient:
        return self.pair[self.cleaned_data["survivor"]]

    @property
    def merged(self) -> Patient:
        return next(p for key, p in self.pair.items() if key != self.cleaned_data["survivor"])


class MoveOfferForm(forms.Form):
    """One of the times offered for an appointment whose doctor is away: the slot's start and
    its doctor (the appointment's own, or another who sees patients that day)."""

    starts_at = forms.CharField(required=False)
    doctor = forms.CharField(required=False)

    def clean_starts_at(self):
        starts_at = params.local_datetime(self.cleaned_data["starts_at"])
        if starts_at is None:
            raise forms.ValidationError("Choose one of the times offered.")
        return starts_at

    def clean_doctor(self):
        doctor_id = params.db_id(self.cleaned_data["doctor"])
        doctor = (
            get_user_model().objects.filter(pk=doctor_id, role=rbac.DOCTOR).first()
            if doctor_id
            else None
        )
        if doctor is None:
            raise forms.ValidationError("Choose one of the doctors offered.")
        return doctor


class AllergyForm(forms.Form):
    """One allergy: a coded class (or "other" with its words), the reaction and its severity."""

    allergen_class = forms.ChoiceField(
        label="Allergen",
        choices=[("", "Choose…"), *AllergenClass.choices],
        error_messages={"required": "Choose the allergen (or “Other” and name it)."},
    )
    allergen = forms.CharField(
        label="Allergen in words",
        max_length=120,
        required=False,
        help_text="Required for “Other”; optional otherwise, e.g. amoxicillin.",
    )
    reaction = forms.CharField(
        max_length=200, required=False, help_text="What happened, e.g. rash, wheeze, swelling."
    )
    severity = forms.ChoiceField(choices=AllergySeverity.choices, initial=AllergySeverity.UNKNOWN)


class AllergyRemoveForm(forms.Form):
    reason = forms.CharField(
        max_length=200, min_length=3, help_text="e.g. entered in error; tolerated a full course."
    )


class PrescriptionCheckForm(forms.Form):
    """What the prescribing checks ask on a second submit: the override reason of an allergy
    block, and the confirmation of the warnings read (their codes, carried in a hidden field)."""

    allergy_override_reason = forms.CharField(
        label="Reason to prescribe despite the allergy",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    warnings_read = forms.BooleanField(label="I have read the warning", required=False)
    warning_codes = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)

    @classmethod
    def after_stop(cls, posted, stopped, *, shortest: int) -> "PrescriptionCheckForm":
        """The checks as drawn again after a stop: the reason as typed (kept, refused beside its
        box when shorter than `shortest` characters), the warnings' box unticked (the doctor
        reads again). `stopped` is the PrescribingStopped, or None."""
        reason = posted.get("allergy_override_reason", "")[:300]
        shown = cls({"allergy_override_reason": reason})
        shown.is_valid()  # bound, so a refusal can be said beside the box
        if stopped and stopped.blocks and 0 < len(reason.strip()) < shortest:
            shown.add_error(
                "allergy_override_reason",
                f"Write the reason in a few words (at least {shortest} characters): what makes"
                " it safe for this patient.",
            )
        return shown

    def confirmed(self) -> list[str]:
        """The warning codes confirmed: those shown, when the box is ticked."""
        if not self.is_valid() or not self.cleaned_data["warnings_read"]:
            return []
        return [c for c in self.cleaned_data["warning_codes"].split("\n") if c]

    def answers(self) -> dict:
        """The answers as the prescribing services take them: `allergy_override_reason` (str,
        "" when none or refused) and `warnings_confirmed` (the confirmed warning codes)."""
        reason = self.cleaned_data["allergy_override_reason"] if self.is_valid() else ""
        return {"allergy_override_reason": reason, "warnings_confirmed": self.confirmed()}
