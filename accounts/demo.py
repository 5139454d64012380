"""Demo records of accounts: departments and one login per role (see README for the table)."""

from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Department, User
from hms import rbac

DEPARTMENTS = [
    ("General Medicine", "MED"),
    ("Surgery", "SUR"),
    ("Paediatrics", "PAE"),
    ("Obstetrics & Gynaecology", "OBG"),
    ("Emergency", "EMR"),
    ("Laboratory", "LAB"),
    ("Radiology", "RAD"),
    ("Biomedical Engineering", "ENG"),
    ("Pharmacy", "PHA"),
    ("Finance", "FIN"),
    ("Front Office", "FRO"),
]

# username, role, first name, last name, department code, password
DEMO_USERS = [
    ("admin", rbac.ADMIN, "Grace", "Wanjiru", None, "demo-admin-2026"),
    ("doctor", rbac.DOCTOR, "Amina", "Otieno", "MED", "demo-doctor-2026"),
    ("nurse", rbac.NURSE, "Joseph", "Kamau", "MED", "demo-nurse-2026"),
    ("reception", rbac.RECEPTIONIST, "Faith", "Achieng", "FRO", "demo-reception-2026"),
    ("lab", rbac.LAB_TECHNICIAN, "Peter", "Mwangi", "LAB", "demo-lab-2026"),
    ("engineer", rbac.ENGINEER, "Samuel", "Kiprop", "ENG", "demo-engineer-2026"),
    ("pharmacist", rbac.PHARMACIST, "Mercy", "Njeri", "PHA", "demo-pharmacist-2026"),
    ("accountant", rbac.ACCOUNTANT, "David", "Ochieng", "FIN", "demo-accountant-2026"),
    ("patient", rbac.PATIENT, "John", "Mutua", None, "demo-patient-2026"),
]

# Fixed TOTP keys (hex) of the demo admin and accountant, so a tester can make codes with
# `oathtool --totp -b <base32>`; the base32 form is printed and in the README.
DEMO_TOTP_KEYS = {
    "admin": "cc72b650f3320b5e6bdf81798b090dbb124a7026",
    "accountant": "db3b545cfeb4c1833ea94ab8de71ab1232557867",
}


def seed(log) -> None:
    for name, code in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name})
    departments = {d.code: d for d in Department.objects.all()}

    for username, role, first, last, dept, password in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=None,
                username=username,
                role=role,
                password=password,
                first_name=first,
                last_name=last,
                email=f"{username}@demo-hospital.example",
                department=departments.get(dept) if dept else None,
                must_change_password=False,
            )
        if username in DEMO_TOTP_KEYS and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(
                user=user, name="Demo authenticator", key=DEMO_TOTP_KEYS[username], confirmed=True
            )

    log("Demo logins (username / password):")
    for username, role, *_rest, password in DEMO_USERS:
        line = f"  {role:<15} {username:<11} {password}"
        if username in DEMO_TOTP_KEYS:
            line += f"   TOTP secret {_base32(DEMO_TOTP_KEYS[username])}"
        log(line)


def _base32(hex_key: str) -> str:
    from base64 import b32encode

    return b32encode(bytes.fromhex(hex_key)).decode()
