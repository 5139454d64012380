"""Forms for user management and the second factor."""

import re

from django import forms
from django.contrib.auth.password_validation import validate_password

from accounts.models import Department, User
from hms import rbac
from hms.concurrent_edits import ConcurrentEditForm
from hms.phones import PhoneRefused, phone_e164, phone_local


class StaffPhone:
    """A staff member's phone, checked and stored as patients' are (E.164, hms.phones), shown
    the local way in the form."""

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        try:
            return phone_e164(typed)
        except PhoneRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None


class UserCreateForm(StaffPhone, forms.ModelForm):
    password = forms.CharField(
        label="One-time password",
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text="Give this to the person; they must choose their own at first sign-in.",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "phone", "role", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["role"].choices = [("", "Choose a role")] + rbac.ROLE_CHOICES
        self.fields["department"].queryset = Department.objects.all()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("Another user already has this e-mail address.")
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class UserEditForm(ConcurrentEditForm, StaffPhone, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "role", "department"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        if self.instance.phone:  # (also when bound: the form compares with it)
            self.initial["phone"] = phone_local(self.instance.phone)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        clash = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if email and clash.exists():
            raise forms.ValidationError("Another user already has this e-mail address.")
        return email


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="New one-time password",
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
    )


class UserFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=100)
    role = forms.ChoiceField(
        required=False,
        choices=[("", "All roles")] + rbac.ROLE_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Active and inactive"), ("active", "Active"), ("inactive", "Inactive")],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, ask_password: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_password:
            # Moving the app to a new phone: the password again, so an open session alone
            # cannot swap the authenticator.
            self.fields["password"] = forms.CharField(
                label="Your password",
                max_length=128,
                strip=False,
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
            self.order_fields(["password", "token"])

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not re.fullmatch(r"[0-9]{6}", token):
            raise forms.ValidationError("Enter the 6 digits shown in your authenticator app.")
        return token
