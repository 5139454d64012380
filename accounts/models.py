"""Users of the hospital: one role each (DESIGN.md), an optional department."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from hms import rbac


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True)
    code = models.CharField(max_length=12, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HospitalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `manage.py createsuperuser` makes the hospital's first administrator.
        extra_fields.setdefault("role", rbac.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=rbac.ROLE_CHOICES, db_index=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    phone = models.CharField(max_length=20, blank=True)
    # Set when an administrator (or reception, for portal logins) hands out a one-time password.
    must_change_password = models.BooleanField(default=False)

    objects = HospitalUserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=rbac.ROLES), name="user_role_is_known"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        """The role's name as shown ("Lab technician"): get_role_display's text, by a lookup
        (the frame shows it on every page; Django's display method costs ~60 calls)."""
        return rbac.ROLE_LABELS.get(self.role, self.role)

    @property
    def is_patient(self) -> bool:
        return self.role == rbac.PATIENT

    @property
    def second_factor_required(self) -> bool:
        from django.conf import settings

        return self.role in settings.OTP_REQUIRED_ROLES
