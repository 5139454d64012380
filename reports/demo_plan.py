"""The plan of the demo hospital's last HISTORY_DAYS days, which reports.demo makes through the
services: who came, when, to which bed and for how long, what the lab did, what the clinic
billed and how each was paid. Pure: it reads and writes no database; the same days and beds
give the same plan (a seeded random generator).

The hospital's week (docs/DECISIONS.md, "The demo's ninety days of history"): the Emergency
Unit takes patients every day and night (about as many at weekends), the clinic sends admissions
and sees outpatients every day (the weekends' walk-in clinic open late), Tuesday's major
operation spends a night or two in intensive care, ward rounds discharge in the morning and the
desk completes the discharge an hour or two later, and a bed is cleaned within two hours of
being left. About half of the General ward's patients come through the Emergency Unit (those
arriving at night wait there for the morning), as do the sickest, for intensive care, some of
whom step down to the General ward before going home. Patients are adults (the demo's lab values
are adult ones).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

HISTORY_DAYS = 90
SEED = 2026  # the generator's seed: the plan depends only on it, the days and the beds
# Nothing of the past is planned later than this before the real now: the demo's own records
# (the patients in bed now) are made at the real now.
LAST_GAP = timedelta(minutes=45)
CLEANING = (45, 120)  # minutes from a bed being left to it being vacant again

# Arrivals a day (Monday first): the Emergency Unit's patients, and those the clinic admits
# straight to a ward (a steady flow of these a week, each on a day drawn by these weights).
EMERGENCY_PER_DAY = [0.3, 0.27, 0.27, 0.27, 0.3, 0.3, 0.3]
CLINIC_ADMISSIONS_PER_DAY = {
    "general": [0.12, 0.12, 0.12, 0.12, 0.12, 0.05, 0.0],
    "private": [0.14, 0.14, 0.14, 0.14, 0.14, 0.05, 0.0],
}
CLINIC_VISITS_PER_DAY = [0.55, 0.5, 0.5, 0.5, 0.55, 0.65, 0.65]
RETURNING = 0.5  # the share of clinic patients seen before (after a stay, or an earlier visit)
# Where the Emergency Unit's patients go: a ward (after waiting for a bed), or home.
EMERGENCY_ONWARD = [("general", 0.45), ("icu", 0.2), ("home", 0.35)]
ICU_STEP_DOWN = 0.4  # the share of intensive care patients moved to the General ward first
# The patients already in bed when the history begins (admitted in the days before it): the
# hospital was not empty the day the demo's past starts.
OPENING_CENSUS = {"icu": 1, "general": 2, "private": 1}

# Lengths of stay in days (triangular: shortest, longest, most likely); the Emergency Unit's
# patients sent home, in hours.
STAY_DAYS = {
    "general": (1, 18, 7),
    "icu": (2, 9, 4),
    "private": (1, 7, 3),
    "step_down": (1, 5, 2),  # on the General ward after intensive care
    "after_theatre": (1, 3, 2),  # intensive care after the week's major operation
}
THEATRE_WEEKDAY = 1  # Tuesday: the major operations, each followed by a night or two in the ICU
EMERGENCY_HOURS = (3, 16, 6)

# Reasons for admission by where the patient is admitted, each with the tests ordered on arrival.
REASONS = {
    "general": [
        ("Malaria with vomiting", ["BS-MPS", "CBC"]),
        ("Community-acquired pneumonia", ["XR-CHEST", "CBC"]),
        ("Acute gastroenteritis", ["UEC"]),
        ("Uncontrolled diabetes", ["RBS", "UEC"]),
        ("Urinary tract infection", ["URINE"]),
        ("Cellulitis of the leg", ["CBC"]),
        ("Anaemia for transfusion", ["CBC"]),
        ("Heart failure", ["ECG", "UEC"]),
        ("Abdominal pain for observation", ["US-ABD"]),
        ("Stroke", ["CT-HEAD", "RBS"]),
    ],
    "icu": [
        ("Septic shock", ["CBC", "UEC"]),
        ("Diabetic ketoacidosis", ["RBS", "UEC"]),
        ("Head injury", ["CT-HEAD"]),
        ("Severe pneumonia with hypoxia", ["XR-CHEST"]),
        ("Hypertensive emergency", ["ECG", "UEC"]),
    ],
    "private": [
        ("Elective hernia repair", ["CBC"]),
        ("Malaria", ["BS-MPS"]),
        ("Chest pain for observation", ["ECG"]),
        ("Typhoid fever", ["CBC"]),
        ("Kidney stones", ["US-ABD", "URINE"]),
    ],
    "after_theatre": [
        ("Post-operative care after laparotomy", ["CBC"]),
        ("Post-operative care after thyroidectomy", ["UEC"]),
        ("Post-operative care after hip replacement", ["CBC"]),
    ],
    "home": [
        ("Asthma attack", []),
        ("Minor head injury for observation", ["CT-HEAD"]),
        ("Food poisoning", ["UEC"]),
        ("Hypoglycaemia", ["RBS"]),
        ("Chest pain", ["ECG"]),
        ("Febrile illness", ["BS-MPS"]),
    ],
}
SECOND_TEST = 0.05  # the chance a reason's further tests are ordered too (the first always is)
# The clinic's extra lines and tests (each drawn with its chance).
CLINIC_EXTRAS = [("NURS-INJ", 0.2), ("NURS-DRESS", 0.1)]
CLINIC_TESTS = [("BS-MPS", 0.05), ("URINE", 0.04), ("RBS", 0.03), ("ECG", 0.02), ("US-ABD", 0.02)]
# The test's steps: minutes from ordering to collection, to the start, to the result (a share
# of the test's target turnaround) and to verification.
TEST_MINUTES = {"collect": (5, 30), "start": (5, 30), "verify": (5, 30)}
# The result comes this share of the test's target turnaround (what is left of it after the
# collection and the start) after the start: now and then late.
RESULT_SHARE = (0.15, 1.05)
DEPOSITS = {"general": 5000, "icu": 20000, "private": 10000, "emergency": 2000}
# How money reaches the desk (deposits, top-ups and the clinic), with their weights.
PAYMENT_MODES = [("mpesa", 0.55), ("cash", 0.3), ("card", 0.15)]

FIRST_NAMES = {
    "F": [
        "Akoth", "Beatrice", "Caroline", "Damaris", "Eunice", "Florence", "Gladys", "Halima",
        "Irene", "Jane", "Lilian", "Margaret", "Nafula", "Pauline", "Rose", "Sharon", "Tabitha",
        "Violet", "Winnie", "Zipporah",
    ],
    "M": [
        "Abdullahi", "Benard", "Collins", "Dennis", "Evans", "Francis", "Geoffrey", "Isaac",
        "Jackson", "Kevin", "Laban", "Moses", "Nicholas", "Oscar", "Patrick", "Robert", "Stephen",
        "Timothy", "Vincent", "Wycliffe",
    ],
}  # fmt: skip
LAST_NAMES = [
    "Atieno", "Barasa", "Cheruiyot", "Gitau", "Kariuki", "Keter", "Kimani", "Langat", "Makori",
    "Maina", "Masinde", "Mohamed", "Muriuki", "Musyoka", "Mwende", "Ndungu", "Nyaga", "Ogola",
    "Omondi", "Onyango", "Rotich", "Ruto", "Wafula", "Wekesa",
]  # fmt: skip


@dataclass
class Person:
    """Someone registered in the history: `key` orders them, `registered_at` is their first
    visit."""

    key: int
    first_name: str
    last_name: str
    sex: str
    born: date
    phone: str
    registered_at: datetime


@dataclass
class TestPlan:
    """A test ordered, collected, started, resulted (and completed) and verified at these
    moments."""

    code: str
    ordered_at: datetime
    collected_at: datetime
    started_at: datetime
    resulted_at: datetime
    verified_at: datetime


@dataclass
class Leg:
    """A stretch of a stay in one bed (`bed`: the bed's id), from `start` until the next leg's
    start or the discharge; `cleaned_at` is when its bed is vacant again."""

    kind: str
    bed: int
    start: datetime
    end: datetime
    cleaned_at: datetime


@dataclass
class StayPlan:
    """One admission: its legs (the first is the admission, each later one a transfer), the
    tests ordered on arrival, the discharge ordered by the doctor and completed at the desk, and
    how the deposit and the rest were paid."""

    person: Person
    reason: str
    legs: list[Leg]
    tests: list[TestPlan]
    discharge_ordered_at: datetime
    discharged_at: datetime
    deposit: int
    deposit_mode: str
    top_up_mode: str

    @property
    def admitted_at(self) -> datetime:
        return self.legs[0].start


@dataclass
class VisitPlan:
    """A clinic visit: the consultation and `extras` posted, `tests` ordered, the invoice issued
    and paid at `paid_at`; `correction` is "credit_note" (a line taken off before paying) or
    "refund" (the consultation fee given back afterwards) for the one visit that had one."""

    person: Person
    at: datetime
    extras: list[str]
    tests: list[TestPlan]
    paid_at: datetime
    mode: str
    correction: str = ""


@dataclass
class HistoryPlan:
    people: list[Person] = field(default_factory=list)
    stays: list[StayPlan] = field(default_factory=list)
    visits: list[VisitPlan] = field(default_factory=list)


class _Beds:
    """The beds the history may use, by ward type, with the stretches each is taken (from the
    admission to being vacant again)."""

    def __init__(self, beds: dict[str, list[int]]) -> None:
        self.kinds = {kind: list(ids) for kind, ids in beds.items()}
        self.taken: dict[int, list[tuple[datetime, datetime]]] = {
            bed: [] for ids in beds.values() for bed in ids
        }

    def free(self, kind: str, start: datetime, until: datetime) -> list[int]:
        """The beds of `kind` free from `start` until `until`."""
        return [
            bed
            for bed in self.kinds.get(kind, [])
            if all(until <= begun or start >= ended for begun, ended in self.taken[bed])
        ]

    def take(self, bed: int, start: datetime, until: datetime) -> None:
        self.taken[bed].append((start, until))


class _Planner:
    """Plans the history day by day, booking beds as it goes (see `plan`)."""

    def __init__(
        self,
        *,
        today: date,
        now: datetime,
        zone: ZoneInfo,
        beds: dict[str, list[int]],
        turnaround: dict[str, int],
    ) -> None:
        self.turnaround = turnaround
        self.random = random.Random(SEED)  # noqa: S311 (a demo's plan, not a secret)
        self.today = today
        self.zone = zone
        self.latest = now - LAST_GAP
        self.beds = _Beds(beds)
        self.plan = HistoryPlan()
        self.discharged: list[tuple[datetime, Person]] = []  # who may come back to the clinic
        self.due: dict[str, float] = {}
        self.shares: dict[str, dict[str, int]] = {}

    # --- moments ------------------------------------------------------------------------------

    def at(self, day: date, hour: float) -> datetime:
        """`hour` o'clock (with fractions) of `day`, the hospital's zone."""
        return datetime.combine(day, time(0), tzinfo=self.zone) + timedelta(hours=hour)

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.random.uniform(low, high))

    def choose(self, weighted: list[tuple[str, float]]) -> str:
        """One of `weighted` ([(name, weight)]), drawn at random by weight."""
        names, weights = zip(*weighted, strict=True)
        return self.random.choices(names, weights)[0]

    def arrivals(self, stream: str, mean: float) -> int:
        """How many of `stream` arrive this week, `mean` a week on average: a steady flow (each
        stream's running total rounded down, from a random start), so every month of the
        history has its share, whichever day the history ends on."""
        due = self.due.get(stream, self.random.random()) + mean
        self.due[stream] = due - int(due)
        return int(due)

    def share(self, stream: str, weighted: list[tuple[str, float]]) -> str:
        """The next of `weighted` for `stream`: the one furthest below its share so far."""
        made = self.shares.setdefault(stream, {})
        name = min(weighted, key=lambda pair: (made.get(pair[0], 0) + 1) / pair[1])[0]
        made[name] = made.get(name, 0) + 1
        return name

    # --- people -------------------------------------------------------------------------------

    def person(self, arrives: datetime) -> Person:
        sex = self.random.choice("FM")
        key = len(self.plan.people)
        born = self.today - timedelta(days=self.random.randint(18 * 365, 85 * 365))
        person = Person(
            key=key,
            first_name=self.random.choice(FIRST_NAMES[sex]),
            last_name=self.random.choice(LAST_NAMES),
            sex=sex,
            born=born,
            phone=f"+2547{key:05d}{self.random.randint(100, 999)}",
            registered_at=arrives - self.minutes(5, 15),
        )
        self.plan.people.append(person)
        return person

    # --- the lab ------------------------------------------------------------------------------

    def tests(self, codes: list[str], ordered_at: datetime, ready_at: datetime) -> list[TestPlan]:
        """The tests `codes` ordered at `ordered_at`, the sample taken after `ready_at` (an
        outpatient pays first)."""
        made = []
        for code in codes:
            collected = ready_at + self.minutes(*TEST_MINUTES["collect"])
            started = collected + self.minutes(*TEST_MINUTES["start"])
            left = max(10, self.turnaround[code] - (started - ordered_at).total_seconds() / 60)
            resulted = started + timedelta(minutes=left * self.random.uniform(*RESULT_SHARE))
            verified = resulted + self.minutes(*TEST_MINUTES["verify"])
            made.append(TestPlan(code, ordered_at, collected, started, resulted, verified))
        return made

    # --- stays --------------------------------------------------------------------------------

    def days_of(self, kind: str) -> int:
        low, high, mode = STAY_DAYS[kind]
        return max(1, round(self.random.triangular(low, high, mode)))

    def ward_round(self, day: date) -> datetime:
        return self.at(day, self.random.uniform(9, 11.5))

    def stay(
        self,
        arrives: datetime,
        route: list[tuple[str, datetime | None]],
        reason_kind: str,
        days_kind: str = "",
    ) -> StayPlan | None:
        """Plan a stay along `route` ([(ward type, leaving at, or None: at the discharge)]), its
        beds found when free (a transfer waits up to a day for a bed, in two-hour steps), its
        last leg as long as STAY_DAYS[days_kind] says (by default, its ward type's); None when
        no bed can be had or it would not end before the history does."""
        reason, codes = self.random.choice(REASONS[reason_kind])
        codes = codes[:1] + [code for code in codes[1:] if self.random.random() < SECOND_TEST]
        codes = [code for code in codes if code in self.turnaround]
        ordered_tests = arrives + self.minutes(20, 60)
        tests = self.tests(codes, ordered_tests, ordered_tests)
        # The doctor orders the discharge with every result in (the stay's orders closed).
        results_in = max((t.verified_at for t in tests), default=arrives)
        legs: list[Leg] = []
        start = arrives
        for n, (kind, leaving) in enumerate(route):
            last = n == len(route) - 1
            for _wait in range(13):
                end = leaving if leaving is not None else start  # the discharge: set below
                if last:
                    end = self.discharge_end(kind, start, legs, days_kind, results_in)
                if end is None or end <= start:
                    return None
                cleaned = end + self.minutes(*CLEANING)
                free = self.beds.free(kind, start, cleaned)
                if free:
                    bed = self.random.choice(free)
                    break
                if n == 0:
                    return None  # no bed on arrival: sent on to another hospital
                # Waiting for a bed: the leg before lasts longer.
                start += timedelta(hours=2)
                legs[-1].end = start
                legs[-1].cleaned_at = start + self.minutes(*CLEANING)
                if leaving is not None:
                    leaving += timedelta(hours=2)
            else:
                return None
            legs.append(Leg(kind, bed, start, end, cleaned))
            if not last:
                start = end
        if any(leg.cleaned_at > self.latest for leg in legs):
            return None
        discharged = legs[-1].end
        ordered = discharged - self.minutes(60, 180)
        if ordered <= max(legs[-1].start, results_in):
            return None
        for leg in legs:
            self.beds.take(leg.bed, leg.start, leg.cleaned_at)
        stay = StayPlan(
            person=self.person(arrives),
            reason=reason,
            legs=legs,
            tests=tests,
            discharge_ordered_at=ordered,
            discharged_at=discharged,
            deposit=DEPOSITS[legs[0].kind],
            deposit_mode=self.choose(PAYMENT_MODES),
            top_up_mode=self.choose(PAYMENT_MODES),
        )
        self.plan.stays.append(stay)
        self.discharged.append((discharged, stay.person))
        return stay

    def discharge_end(
        self,
        kind: str,
        start: datetime,
        legs: list[Leg],
        days_kind: str,
        results_in: datetime,
    ) -> datetime | None:
        """When the desk completes the discharge from the last leg, of `kind`, begun at
        `start`: the Emergency Unit's patients sent home hours after arriving (at least three
        after the last result is in), the others after their days, on the ward's morning round
        (an hour or three later at the desk). A stay that would end after the history is
        brought forward to this morning's round, or dropped when that is too soon."""
        if kind == "emergency":
            end = start + timedelta(hours=self.random.triangular(*EMERGENCY_HOURS))
            end = max(end, results_in + timedelta(hours=3) + self.minutes(0, 60))
        else:
            if not days_kind:
                days_kind = "step_down" if legs and legs[-1].kind == "icu" else kind
            day = start.astimezone(self.zone).date() + timedelta(days=self.days_of(days_kind))
            end = self.ward_round(day) + self.minutes(60, 180)
        if end > self.latest:  # this morning, its bed cleaned before the history ends
            end = self.latest - timedelta(minutes=CLEANING[1]) - self.minutes(0, 90)
            if end - start < timedelta(hours=20 if kind != "emergency" else 3):
                return None
        return end

    def emergency(self, day: date) -> None:
        arrives = self.at(day, self.random.triangular(0, 24, 19))
        onward = self.share("emergency", EMERGENCY_ONWARD)
        if onward == "home":
            self.stay(arrives, [("emergency", None)], "home")
            return
        # Waits for the ward: a few hours by day; overnight after 19:00 (until the morning).
        local = arrives.astimezone(self.zone)
        if 7 <= local.hour < 19:
            moves = arrives + timedelta(hours=self.random.uniform(2, 6))
        else:
            morning = local.date() + timedelta(days=1 if local.hour >= 19 else 0)
            moves = self.at(morning, self.random.uniform(8, 10.5))
        route = [("emergency", moves), (onward, None)]
        step_down = [("yes", ICU_STEP_DOWN), ("no", 1 - ICU_STEP_DOWN)]
        if onward == "icu" and self.share("step down", step_down) == "yes":
            icu_days = self.days_of("icu")
            stable = self.ward_round(moves.astimezone(self.zone).date() + timedelta(icu_days))
            route = [("emergency", moves), ("icu", stable), ("general", None)]
        self.stay(arrives, route, onward)

    def clinic_admission(self, day: date, kind: str) -> None:
        arrives = self.at(day, self.random.uniform(9.5, 16))
        self.stay(arrives, [(kind, None)], kind)

    def after_theatre(self, day: date) -> None:
        """The week's major operation (Tuesday's list): a night or two of intensive care."""
        arrives = self.at(day, self.random.uniform(14, 16))
        self.stay(arrives, [("icu", None)], "after_theatre", days_kind="after_theatre")

    # --- the clinic ---------------------------------------------------------------------------

    def clinic_visit(self, day: date) -> None:
        # The demo doctor's hours (clinical's demo): weekdays to 17:00, weekends' walk-in clinic
        # to 22:00.
        closes = 16.5 if day.weekday() < 5 else 21
        arrives = self.at(day, self.random.uniform(8.5, closes))
        if arrives > self.latest - timedelta(hours=4):
            return
        # Half are patients seen before: a review after a stay or an earlier visit.
        earlier = [p for left, p in self.discharged if left < arrives - timedelta(days=3)]
        earlier += [v.person for v in self.plan.visits if v.paid_at < arrives - timedelta(days=7)]
        if earlier and self.random.random() < RETURNING:
            person = self.random.choice(earlier)
        else:
            person = self.person(arrives)
        extras = [code for code, chance in CLINIC_EXTRAS if self.random.random() < chance]
        codes = [code for code, chance in CLINIC_TESTS if self.random.random() < chance]
        codes = [code for code in codes if code in self.turnaround]
        seen = arrives + self.minutes(15, 45)
        ordered = seen + self.minutes(5, 15)
        paid = ordered + self.minutes(10, 20)
        tests = self.tests(codes, ordered, paid)  # paid for before the sample is taken
        if any(t.verified_at > self.latest for t in tests):
            return
        self.plan.visits.append(
            VisitPlan(person, seen, extras, tests, paid, self.choose(PAYMENT_MODES))
        )

    # --- the whole ----------------------------------------------------------------------------

    def make(self) -> HistoryPlan:
        first = self.today - timedelta(days=HISTORY_DAYS)
        self.opening(first)
        streams = [
            ("emergency", EMERGENCY_PER_DAY, self.emergency),
            *(
                (kind, means, lambda day, kind=kind: self.clinic_admission(day, kind))
                for kind, means in CLINIC_ADMISSIONS_PER_DAY.items()
            ),
            ("clinic", CLINIC_VISITS_PER_DAY, self.clinic_visit),
        ]
        for week in range(0, HISTORY_DAYS + 1, 7):
            days = [first + timedelta(days=n) for n in range(week, min(week + 7, HISTORY_DAYS + 1))]
            for day, arrive in self.week(days, streams):
                arrive(day)
        self.corrections()
        return self.plan

    def opening(self, first: date) -> None:
        """OPENING_CENSUS: patients admitted in the days before `first`, still in bed then."""
        for kind, count in OPENING_CENSUS.items():
            made = 0
            for _try in range(10):
                before = first - timedelta(days=self.random.randint(1, 4))
                made += self.stay(self.at(before, 11), [(kind, None)], kind) is not None
                if made == count:
                    break

    def week(self, days: list[date], streams: list) -> list[tuple[date, Callable]]:
        """The arrivals of a week's `days`, in day order: each stream's share of the week (a
        steady flow), each on a day drawn by its weekday's weight among the days with the fewest
        of that stream so far (spread over the week); and Tuesday's operation."""
        arriving: list[tuple[date, int, Callable]] = []
        for stream, means, arrive in streams:
            weights = {day: means[day.weekday()] for day in days if means[day.weekday()]}
            taken = dict.fromkeys(weights, 0)
            for _ in range(self.arrivals(stream, sum(weights.values()))):
                fewest = min(taken.values())
                open_days = [day for day in weights if taken[day] == fewest]
                day = self.random.choices(open_days, [weights[d] for d in open_days])[0]
                taken[day] += 1
                arriving.append((day, len(arriving), arrive))
        for day in days:
            if day.weekday() == THEATRE_WEEKDAY:
                arriving.append((day, len(arriving), self.after_theatre))
        return [(day, arrive) for day, _order, arrive in sorted(arriving, key=lambda a: a[:2])]

    def corrections(self) -> None:
        """The one credit note (a dressing charged but not done, taken off before paying) and
        the one refund (a review within two weeks of a discharge is free: paid by mistake, given
        back), on visits about three and two weeks ago."""
        left = {person.key: moment for moment, person in self.discharged}
        dressing = [v for v in self.plan.visits if "NURS-DRESS" in v.extras]
        reviews = [
            v
            for v in self.plan.visits
            if v.person.key in left and v.at - left[v.person.key] < timedelta(days=14)
        ]
        for candidates, correction, weeks in ((dressing, "credit_note", 3), (reviews, "refund", 2)):
            around = self.latest - timedelta(weeks=weeks)
            chosen = min(
                (v for v in candidates if not v.correction),
                key=lambda v: abs(v.at - around),
                default=None,
            )
            if chosen is not None:
                chosen.correction = correction


def plan(
    *,
    today: date,
    now: datetime,
    zone: ZoneInfo,
    beds: dict[str, list[int]],
    turnaround: dict[str, int],
) -> HistoryPlan:
    """The history of the HISTORY_DAYS days before `today` up to LAST_GAP before `now` (aware),
    the hospital's `zone`, in `beds` (ward type -> bed ids), with the lab's tests `turnaround`
    (code -> target minutes: a test not in it is not ordered). Raises nothing; a ward type
    without beds gets no stays."""
    return _Planner(today=today, now=now, zone=zone, beds=beds, turnaround=turnaround).make()
