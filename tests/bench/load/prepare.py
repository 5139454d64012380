"""The sign-ins and the work of the load test, made inside the stack's own settings (run by
tests/bench/load_test.py through `deploy/local-stack.sh manage shell`):

- one signed-in session per simulated user and per websocket client, written to the session store
  as a sign-in leaves it (the user, the activity clock, the second factor for the roles that
  need one: a confirmed TOTP device of the bench), so 400 sign-ins neither pay the password hash
  nor meet allauth's sign-in rate limit;
- for each doctor, today's consultation open (the notes and orders of the test go there);
- chat threads of four, every member a websocket client, for the delivery latency;
- the ids the users pick from: patients to search and book, admitted patients, doctors.

Writes one JSON file; changes nothing a second run would trip over (threads and devices reused).
"""

import json
import random
import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from django.utils.module_loading import import_string

ROLES = ["receptionist", "doctor", "nurse", "lab_technician", "pharmacist", "accountant"]
THREAD_SIZE = 4


def _session(user) -> str:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from hms.middleware import LAST_ACTIVITY_KEY

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[LAST_ACTIVITY_KEY] = int(time.time())
    if user.second_factor_required:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="load test", defaults={"confirmed": True}
        )
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    return store.session_key


def _staff(role: str) -> list:
    from accounts.models import User

    return list(User.objects.filter(role=role, is_active=True).order_by("pk"))


def _open_consultation(doctor) -> int | None:
    """A consultation of today for the doctor to write and order in: the next waiting patient's,
    started now (a run's orders stay open in the lab, and a test still open is not ordered
    again), else the one already open."""
    from clinical.models import Appointment, AppointmentStatus, Encounter
    from clinical.services import encounter_start

    today = timezone.localdate()
    open_one = (
        Encounter.objects.filter(doctor=doctor, started_at__date=today)
        .exclude(status=Encounter.Status.COMPLETED)
        .order_by("-pk")
        .first()
    )
    waiting = (
        Appointment.objects.filter(
            doctor=doctor,
            starts_at__date=today,
            status__in=[AppointmentStatus.CHECKED_IN, AppointmentStatus.SCHEDULED],
        )
        .order_by("starts_at")
        .first()
    )
    if waiting is None:
        return open_one.pk if open_one else None
    return encounter_start(actor=doctor, appointment=waiting).pk


def _threads(members: list) -> list[int]:
    """Threads of THREAD_SIZE among `members` (in order), made once and reused."""
    from messaging.models import Thread, ThreadMember

    ids = []
    for start in range(0, len(members) - THREAD_SIZE + 1, THREAD_SIZE):
        group = members[start : start + THREAD_SIZE]
        thread = (
            Thread.objects.filter(created_by=group[0], members__user=group[-1])
            .order_by("pk")
            .first()
        )
        if thread is None:
            thread = Thread.objects.create(created_by=group[0])
            ThreadMember.objects.bulk_create(ThreadMember(thread=thread, user=u) for u in group)
        ids.append(thread.pk)
    return ids


def main(out: str, *, users: int = 200, sockets: int = 200, seed: int = 1) -> None:
    from billing.models import Charge
    from clinical.models import Patient
    from wards.models import Admission

    rng = random.Random(seed)
    result: dict = {"users": {}, "sockets": [], "threads": []}
    for role in ROLES:
        staff = _staff(role)
        # As many sessions as the mix may need of a role; a person may be signed in twice.
        people = [staff[i % len(staff)] for i in range(users)]
        entries = []
        for user in people[: min(users, 3 * len(staff))]:
            entry = {"username": user.username, "id": user.pk, "session": _session(user)}
            if role == "doctor":
                entry["encounter"] = _open_consultation(user)
            entries.append(entry)
        result["users"][role] = entries

    # Websocket clients: staff of the working roles, each in one chat thread of four (the chat
    # users of the load test send as one member of each thread) and in their role's topics.
    topics = {
        "nurse": ["beds"],
        "receptionist": ["appointments"],
        "lab_technician": ["lab"],
        "accountant": ["billing"],
    }
    pool = [u for role in ROLES for u in _staff(role)]
    rng.shuffle(pool)
    members = pool[:sockets]
    threads = _threads(members)
    for n, user in enumerate(members):
        thread = threads[n // THREAD_SIZE] if n // THREAD_SIZE < len(threads) else None
        wanted = topics.get(user.role, []) + ([f"thread.{thread}"] if thread else [])
        result["sockets"].append(
            {"id": user.pk, "session": _session(user), "thread": thread, "topics": wanted}
        )
    for n, thread in enumerate(threads):
        sender = members[n * THREAD_SIZE]
        result["threads"].append({"id": thread, "sender": sender.pk, "session": _session(sender)})

    today = timezone.localdate()
    ids = list(
        Patient.objects.filter(merged_into__isnull=True)
        .exclude(state="archived")
        .values_list("pk", flat=True)
    )
    chosen = rng.sample(ids, min(2000, len(ids)))
    patients = Patient.objects.filter(pk__in=chosen).values_list("pk", "last_name", "first_name")
    result["patients"] = [
        {"id": str(pk), "last": last, "first": first} for pk, last, first in patients
    ]
    result["admitted"] = [
        {"patient": str(p), "admission": a}
        for p, a in Admission.objects.filter(discharged_at__isnull=True).values_list(
            "patient_id", "pk"
        )
    ]
    result["doctors"] = [u.pk for u in _staff("doctor")]
    # Patients with outpatient charges not invoiced yet: the billing desk's work.
    waiting = (
        Charge.objects.filter(invoice__isnull=True, admission__isnull=True)
        .values_list("patient_id", flat=True)
        .distinct()
    )
    result["accounts"] = [str(p) for p in waiting[:3000]]
    result["today"] = today.isoformat()
    with open(out, "w") as handle:
        json.dump(result, handle)
    print(
        f"prepared: {sum(len(v) for v in result['users'].values())} sessions, "
        f"{len(result['sockets'])} sockets, {len(threads)} threads, "
        f"{len(result['admitted'])} admitted, {len(result['patients'])} patients"
    )


def message_times(tokens: str, out: str) -> None:
    """When each chat message of the run was stored (its created_at, taken in the sending
    transaction just before the commit): token -> epoch seconds."""
    from messaging.models import Message

    with open(tokens) as handle:
        wanted = set(json.load(handle))
    stored = {}
    for body, created_at in Message.objects.filter(body__contains="ref load-").values_list(
        "body", "created_at"
    ):
        token = body.rsplit("load-", 1)[-1]
        if token in wanted:
            stored[token] = created_at.timestamp()
    with open(out, "w") as handle:
        json.dump(stored, handle)
