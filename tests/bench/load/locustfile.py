"""The roles' real work against the production stack, for locust (run by tests/bench/load_test.py).

Each simulated user is one member of staff signed in with a session of their own (made by
prepare.py), working through the real screens and posting the real forms: every form is read
from its page (CSRF token and one-time submission token included) and posted as the browser would.
Requests are named by screen, so locust's figures group per screen. A business refusal (a slot
booked by another desk a moment before) is not an HTTP error: it is counted apart ("refused").
Where the work must succeed (the pharmacist's dispensing: a prescription is waiting, the form
posts as read, the dispense is saved) anything else is a failure of that request, and what was
done is counted ("done": prescribed, dispensed).

    LOAD_PREPARED=var/load/prepared.json LOAD_OUT=var/load/locust-extra.json \\
        locust -f tests/bench/load/locustfile.py --headless -u 200 -r 20 -t 5m \\
        --host https://127.0.0.1:8443
"""

import json
import os
import random
import re
import string
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from http.cookiejar import Cookie
from itertools import count
from urllib.parse import urlencode

import htmlforms
from locust import FastHttpUser, between, constant, events, task

PREPARED = json.load(open(os.environ["LOAD_PREPARED"]))  # noqa: SIM115
OUT = os.environ.get("LOAD_OUT", "")
# Think time between two actions of one person (a desk or a ward round, not a script).
THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", 10))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", 30))
THINK = between(THINK_MIN, THINK_MAX)

# The mix of 200 users (a share of them for another --users): desks, wards, lab, pharmacy, the
# billing desk, chat, and two requesting the bare view all along.
MIX = {
    "Reception": 30,
    "Doctor": 44,
    "Nurse": 44,
    "Lab": 20,
    "Pharmacy": 14,
    "Billing": 20,
    "Chat": 26,
    "Yardstick": 2,
}
USERS = int(os.environ.get("LOAD_USERS", 200))


def share(name: str) -> int:
    return max(1, round(MIX[name] * USERS / 200))


refused: Counter = Counter()
reasons: Counter = Counter()
done: Counter = Counter()
REASON = re.compile(
    r'class="(?:invalid-feedback|alert alert-(?:danger|warning))[^"]*"[^>]*>\s*(?:<[^>]+>\s*)*([^<]{3,160})'
)


def _reason(body: str) -> str:
    found = REASON.search(body)
    return " ".join(found.group(1).split()) if found else "(no message on the page)"


chat_sent: list[dict] = []
_next = {role: count() for role in PREPARED["users"]}
_next_thread = count()


def _pick(role: str) -> dict:
    people = PREPARED["users"][role]
    return people[next(_next[role]) % len(people)]


def _cookie(name: str, value: str) -> Cookie:
    return Cookie(
        0, name, value, None, False, "", False, False, "/", True, False, None, False, None, None, {}
    )


class Staff(FastHttpUser):
    abstract = True
    role = ""
    wait_time = THINK
    insecure = True
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self) -> None:
        self.start_with(_pick(self.role)["session"])

    def start_with(self, session: str) -> None:
        self.client.cookiejar.set_cookie(_cookie("sessionid", session))
        self.origin = self.host.rstrip("/")
        # People do not all click in the same second they sit down: the first action comes
        # after a think time too.
        time.sleep(random.uniform(0, THINK_MAX))  # gevent's sleep under locust

    # --- requests ---------------------------------------------------------------------------

    def page(self, path: str, name: str, *, target: str = "", must: str = "") -> str:
        """GET a page (or, with `target`, the htmx fragment of it); its HTML. A page without
        `must` in it is a failure."""
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        with self.client.get(path, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return ""
            text = response.text or ""
            if must and must not in text:
                response.failure(f"not on the page: {must}")
            return text

    def post(
        self,
        form: htmlforms.Form,
        page_path: str,
        name: str,
        *,
        htmx: bool = False,
        expect: str | tuple[str, ...] = "",
        refusals: tuple[str, ...] | None = None,
        **values,
    ) -> tuple[int, str, str]:
        """Post the form as the page would; (status, location, body). A 302 is success; a 200
        is success for htmx posts when `expect` (or one of them) is in the answer, else a
        refusal; with `refusals`, only an answer saying one of them is a refusal, any other 200
        a failure."""
        expected = (expect,) if isinstance(expect, str) else expect
        action = form.action or page_path
        headers = {
            "Referer": self.origin + page_path,
            "Origin": self.origin,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if htmx:
            headers |= {"HX-Request": "true", "HX-Current-URL": self.origin + page_path}
        with self.client.post(
            action,
            data=urlencode(form.values(**values)),
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            status, body = response.status_code, response.text or ""
            location = response.headers.get("Location", "") if status == 302 else ""
            if status >= 400:
                response.failure(f"{status}")
            elif status == 200 and not (htmx and any(e and e in body for e in expected)):
                if refusals is not None and not any(r in body for r in refusals):
                    response.failure(f"not done: {_reason(body)}")
                else:
                    refused[name] += 1
                    reasons[f"{name}: {_reason(body)}"] += 1
            return status, location, body

    def follow(self, location: str, name: str) -> str:
        return self.page(location, name) if location.startswith("/") else ""


def _letters(n: int) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=n))


class Reception(Staff):
    role = "receptionist"
    fixed_count = share("Reception")

    @task(5)
    def search(self) -> None:
        patient = random.choice(PREPARED["patients"])
        typed = patient["last"].lower()
        for n in (3, len(typed)):
            self.page(
                f"/patients/?q={typed[:n]}",
                "patient search (as you type)",
                target="patient-results",
            )
        self.page(f"/patients/{patient['id']}/", "chart (reception: demographics)")

    @task(2)
    def register(self) -> None:
        path = "/patients/register/"
        html = self.page(path, "register: form")
        form = htmlforms.form(html, "")
        if form is None:
            return
        born = date(1950, 1, 1) + timedelta(days=random.randrange(25_000))
        status, location, _ = self.post(
            form,
            path,
            "register: save",
            first_name=f"Load{_letters(6).title()}",
            last_name=f"Test{_letters(7).title()}",
            date_of_birth=born.strftime("%d/%m/%Y"),
            sex=random.choice(["F", "M"]),
            phone=f"07{random.randrange(10**8):08d}",
            address="12 Load Road",
            not_a_duplicate="on",
        )
        self.follow(location, "chart")

    @task(3)
    def book(self) -> None:
        patient = random.choice(PREPARED["patients"])
        doctor = random.choice(PREPARED["doctors"])
        day = date.fromisoformat(PREPARED["today"]) + timedelta(days=random.randrange(1, 14))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        path = f"/appointments/book/?patient={patient['id']}&doctor={doctor}&date={day}"
        html = self.page(path, "book: form with free slots")
        form = htmlforms.form(html, "/appointments/book/")
        if form is None or not form.choices.get("starts_at"):
            refused["book: no free slot"] += 1
            return
        status, location, _ = self.post(
            form,
            path,
            "book: save",
            starts_at=random.choice(form.choices["starts_at"]),
            reason="Review",
        )
        self.follow(location, "appointment")


# What the doctors prescribe: the first letters typed into the formulary search, then the dose,
# how often and how long (the doctor taps a tablet or capsule the pharmacy has in stock).
PRESCRIBING = [
    ("amox", "1 capsule", "three times a day", "5 days"),
    ("parac", "2 tablets", "three times a day", "3 days"),
    ("artem", "4 tablets", "twice a day", "3 days"),
    ("metf", "1 tablet", "twice a day", "30 days"),
    ("amlod", "1 tablet", "once a day", "30 days"),
    ("cipro", "1 tablet", "twice a day", "5 days"),
    ("metro", "1 tablet", "three times a day", "5 days"),
    ("ibupr", "1 tablet", "three times a day", "5 days"),
    ("omepr", "1 capsule", "once a day", "14 days"),
    ("cetir", "1 tablet", "once a day", "5 days"),
    ("enal", "1 tablet", "once a day", "30 days"),
    ("zinc", "1 tablet", "once a day", "10 days"),
]
SAID = 'data-testid="prescription-said"'
CHECKS = 'data-testid="prescribing-checks"'


class Doctor(Staff):
    role = "doctor"
    fixed_count = share("Doctor")

    def on_start(self) -> None:
        me = _pick(self.role)
        self.encounter = me.get("encounter")
        self.ordered: set[str] = set()
        self.prescribed: set[str] = set()
        self.start_with(me["session"])

    @task(4)
    def today(self) -> None:
        self.page("/appointments/today/", "doctor's today")

    @task(4)
    def chart(self) -> None:
        patient = random.choice(PREPARED["patients"])
        self.page(f"/patients/{patient['id']}/", "chart")
        if random.random() < 0.3:
            self.page(f"/patients/{patient['id']}/history/", "history")

    @task(3)
    def notes(self) -> None:
        if not self.encounter:
            return
        path = f"/appointments/consultations/{self.encounter}/"
        html = self.page(path, "consultation")
        form = htmlforms.form(html, path)
        if form is None:
            return
        self.post(
            form,
            path,
            "consultation: save notes",
            htmx=True,
            expect="draft-status",
            complaints=f"Cough for {random.randrange(2, 14)} days, no fever.",
            examination=f"Chest clear. Pulse {random.randrange(60, 100)}.",
            plan="Review in one week.",
        )

    @task(2)
    def order(self) -> None:
        if not self.encounter:
            return
        path = f"/lab/order/?encounter={self.encounter}"
        html = self.page(path, "lab order: form")
        form = htmlforms.form(html, "/lab/order/")
        if form is None or not form.choices.get("tests"):
            return
        # A test still open for the patient is refused ("already ordered"): a doctor orders
        # each test once per consultation.
        fresh = [t for t in form.choices["tests"] if t not in self.ordered]
        if not fresh:
            return
        test = random.choice(fresh)
        self.ordered.add(test)
        status, location, _ = self.post(
            form,
            path,
            "lab order: save",
            tests=test,
            clinical_notes="Load test order.",
        )
        self.follow(location, "consultation")

    @task(2)
    def prescribe(self) -> None:
        """A line of the consultation's prescription, as the screen writes it: the formulary
        search as the drug is typed, a tap on an item in stock, the quantity the pharmacy will
        give, then add it; the prescribing checks' warnings (the same drug or class already
        running, an interaction) read and confirmed as the doctor does."""
        if not self.encounter:
            return
        path = f"/appointments/consultations/{self.encounter}/"
        action = f"{path}prescriptions/"
        html = self.page(path, "consultation")
        form = htmlforms.form(html, action)
        if form is None:
            return
        fresh = [line for line in PRESCRIBING if line[0] not in self.prescribed] or PRESCRIBING
        typed, dose, frequency, duration = random.choice(fresh)
        self.prescribed.add(typed)
        patient = dict(form.fields).get("pick_patient", "")
        found = self.page(
            f"/pharmacy/formulary/pick/?{urlencode({'drug': typed, 'pick_patient': patient})}",
            "prescribe: formulary search",
            target="formulary-pick",
        )
        picks = [
            p
            for p in htmlforms.picks(found)
            if p["form"] in ("tablet", "capsule") and p["in_stock"] and not p["allergy"]
        ]
        if not picks:
            refused["prescribe: nothing in stock to pick"] += 1
            return
        pick = random.choice(picks)
        line = {
            "formulary_item": pick["item"],
            "drug": pick["drug"],
            "strength": pick["strength"],
            "dose": dose,
            "route": "oral",
            "frequency": frequency,
            "duration": duration,
        }
        self.page(
            f"/appointments/prescriptions/quantity/?{urlencode(line)}",
            "prescribe: quantity to dispense",
            target="quantity-hint",
        )
        status, _, body = self.post(
            form, path, "prescribe: add", htmx=True, expect=(SAID, CHECKS), **line
        )
        if CHECKS in body and 'name="warning_codes"' in body:
            again = htmlforms.form(body, action)
            if again is None:
                return
            status, _, body = self.post(
                again,
                path,
                "prescribe: add, warnings read",
                htmx=True,
                expect=SAID,
                warnings_read="on",
            )
        if status == 200 and SAID in body:
            done["prescribed"] += 1


class Nurse(Staff):
    role = "nurse"
    fixed_count = share("Nurse")

    @task(4)
    def bed_board(self) -> None:
        self.page("/wards/", "bed board")

    @task(3)
    def bed_board_refresh(self) -> None:
        self.page("/wards/", "bed board (live refresh)", target="bed-board")

    @task(3)
    def vitals(self) -> None:
        if not PREPARED["admitted"]:
            return
        patient = random.choice(PREPARED["admitted"])["patient"]
        path = f"/patients/{patient}/vitals/"
        html = self.page(path, "vitals: form")
        form = htmlforms.form(html, path)
        if form is None:
            return
        status, location, _ = self.post(
            form,
            path,
            "vitals: save",
            temperature_c=f"{random.uniform(36.2, 37.6):.1f}",
            pulse=str(random.randrange(60, 100)),
            systolic=str(random.randrange(105, 135)),
            diastolic=str(random.randrange(65, 85)),
            respiratory_rate=str(random.randrange(12, 20)),
            spo2=str(random.randrange(95, 100)),
            supply="air",
            consciousness="A",
        )
        self.follow(location, "vitals: saved")


STEP = re.compile(r"^/lab/orders/\d+/step/$")
RESULTS = re.compile(r"^/lab/orders/\d+/results/$")


class Lab(Staff):
    role = "lab_technician"
    fixed_count = share("Lab")

    @task(3)
    def worklist(self) -> None:
        self.page("/lab/", "lab worklist")

    @task(4)
    def step(self) -> None:
        html = self.page("/lab/", "lab worklist")
        steps = [f for f in htmlforms.forms(html) if STEP.match(f.action)]
        if not steps:
            return
        status, location, _ = self.post(random.choice(steps), "/lab/", "lab: step (collect/start)")
        self.follow(location, "lab worklist")

    @task(2)
    def results(self) -> None:
        html = self.page("/lab/?status=in_progress", "lab worklist")
        orders = htmlforms.links(html, r"/lab/orders/\d+/")
        if not orders:
            return
        path = random.choice(orders[:20])
        html = self.page(path, "lab order")
        form = htmlforms.form(html, RESULTS)
        if form is None:
            return
        values = {
            name: f"{random.uniform(1, 10):.1f}"
            for name, value in form.fields
            if name.startswith("field-") and not value
        }
        for name, options in form.choices.items():
            if name.startswith("field-"):
                values[name] = next((o for o in options if o), "")
        values["findings"] = "No abnormality seen."
        status, location, _ = self.post(form, path, "lab: enter results", **values)
        self.follow(location, "lab order")


QUEUE_ROW = 'data-testid="queue-row"'
# What the counter answers when another pharmacist gave the prescription (or part of it) first.
GIVEN_ALREADY = ("has already been dispensed in full", "Dispense between 1 and")


class Pharmacy(Staff):
    role = "pharmacist"
    fixed_count = share("Pharmacy")

    @task(3)
    def queue(self) -> None:
        self.page("/pharmacy/dispensing/", "dispensing queue")

    @task(2)
    def dispense(self) -> None:
        """Open one of the oldest prescriptions waiting and give it as the screen offers it (the
        quantity left, or what the shelf holds; the first batch to expire). An empty queue, a
        screen without its form, or a dispense not saved is a failure; a colleague having given
        it a moment before is a refusal."""
        html = self.page("/pharmacy/dispensing/", "dispensing queue", must=QUEUE_ROW)
        waiting = htmlforms.links(html, r"/pharmacy/dispensing/prescriptions/\d+/")
        if not waiting:
            return
        path = random.choice(waiting[:10])
        html = self.page(path, "dispense: form", must=f'action="{path}"')
        form = next(
            (f for f in htmlforms.forms(html) if f.method == "post" and f.action == path), None
        )
        if form is None:
            return
        status, location, _ = self.post(form, path, "dispense: save", refusals=GIVEN_ALREADY)
        if status == 302 and location.startswith("/pharmacy/dispensing/"):
            done["dispensed"] += 1
            self.follow(location, "dispense: label page")


class Billing(Staff):
    role = "accountant"
    fixed_count = share("Billing")

    @task(2)
    def outstanding(self) -> None:
        self.page("/billing/outstanding/", "outstanding list")

    @task(2)
    def invoice(self) -> None:
        patient = random.choice(PREPARED["accounts"])
        path = f"/billing/patients/{patient}/"
        html = self.page(path, "patient account")
        form = htmlforms.form(html, f"/billing/patients/{patient}/invoice/")
        if form is None:
            return
        status, location, _ = self.post(form, path, "invoice: draft")
        if not location:
            return
        html = self.page(location, "invoice")
        issue = htmlforms.form(html, re.compile(r"/issue/$"))
        if issue is None:
            return
        status, location, _ = self.post(issue, location, "invoice: issue")
        self.follow(location, "invoice")

    @task(3)
    def payment(self) -> None:
        html = self.page("/billing/outstanding/", "outstanding list")
        invoices = htmlforms.links(html, r"/billing/invoices/\d+/")
        if not invoices:
            return
        path = random.choice(invoices)
        html = self.page(path, "invoice")
        form = htmlforms.form(html, re.compile(r"/pay/$"))
        if form is None:
            return
        status, location, _ = self.post(
            form,
            path,
            "payment: take",
            # A different sum each time: the same sum twice for a patient is asked about first.
            amount=f"{random.randrange(500, 5000) / 100:.2f}",
            mode=random.choice(["cash", "mpesa"]),
            reference=f"Q{uuid.uuid4().hex[:9].upper()}",
        )
        self.follow(location, "invoice")


class Chat(Staff):
    """One member of a thread of four, every member's websocket listening (ws_clients.py)."""

    fixed_count = share("Chat")

    def on_start(self) -> None:
        threads = PREPARED["threads"]
        mine = threads[next(_next_thread) % len(threads)]
        self.thread = mine["id"]
        self.start_with(mine["session"])

    @task(1)
    def thread_page(self) -> None:
        self.page(f"/chat/{self.thread}/", "chat thread")

    @task(3)
    def send(self) -> None:
        path = f"/chat/{self.thread}/"
        html = self.page(path, "chat thread")
        form = htmlforms.form(html, f"/chat/{self.thread}/send/")
        if form is None:
            return
        token = uuid.uuid4().hex[:12]
        sent_at = time.time()
        status, _, _ = self.post(
            form,
            path,
            "chat: send",
            htmx=True,
            expect="compose",
            body=f"Bed round check, ref load-{token}",
        )
        if status == 200:
            chat_sent.append(
                {"token": token, "thread": self.thread, "sent": sent_at, "answered": time.time()}
            )


class Yardstick(FastHttpUser):
    """The bare Django view (tests/bench/bench_urls.py) through the same nginx, TLS and gunicorn,
    in the same run: the ratio to it is what survives a noisy machine."""

    fixed_count = share("Yardstick")
    wait_time = constant(0.5)
    insecure = True

    @task
    def bare(self) -> None:
        self.client.get("/bench/bare", name="bare Django view")


@events.test_stop.add_listener
def _write_extra(**_kwargs) -> None:
    if OUT:
        with open(OUT, "w") as handle:
            json.dump(
                {
                    "refused": dict(refused),
                    "reasons": dict(reasons),
                    "done": dict(done),
                    "chat_sent": chat_sent,
                },
                handle,
            )
