"""Odd values, walked over every URL and every form: no page answers with a server error.

Signed in as admin (and as a portal patient where the portal may go), every URL is fetched with
each odd value in every query parameter the views read, and every form is posted with each odd
value in each of its fields in turn (the other fields keeping the valid values the page offers).
Impossible dates, ids that are not ids, numbers in Python's syntax or too long for the database,
NUL bytes, 10,000 characters, a `next` that is not a path: each must end in a message, a
fallback or a 4xx, never a 5xx, on SQLite and on PostgreSQL.

The sample records are made once for the module (a few seconds each time, and there are some 270
URLs), in a transaction rolled back after its last test; each URL's test runs in a savepoint
inside it (pytest-django's `db`), so what one URL's posts change is undone for the next. The
sample files stay in one folder for the module, so every download finds its file.
"""

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from billing.models import Invoice
from hms import rbac
from tests.conftest import Staff, private_file_settings, private_file_storages, sign_in
from tests.hms.test_permissions import build_samples, project_urls, sample_kwargs

ODD_VALUES = [
    "2025-02-29",
    "2026-13-01",
    "0000-00-00",
    "x",
    "-1",
    "0",
    "99999999999999999999",
    "1e999",
    "NaN",
    "1_000",
    "²",
    "1.23456",
    "a\x00b",
    "x" * 10000,
    "2026-12-05T10:00",
    # Dates at the ends of the calendar Python holds: a day added to 9999-12-31 (a week's
    # end, a month's) or taken from 0001-01-01 (the day before) overflows.
    "9999-12-31",
    "31/12/9999",
    "0001-01-01",
    "01/01/0001",
    "9999-12",
    "next path",
    "//evil.example",
    "javascript:alert(1)",
]

# Every query parameter a view reads (grep request.GET in the apps).
QUERY_PARAMETERS = [
    "date",
    "doctor",
    "patient",
    "page",
    "q",
    "ward",
    "bed",
    "before",
    "status",
    "department",
    "encounter",
    "admission",
    "starts_at",
    "next",
    "kind",
    "pick",
    "archived",
    "insurer",
    "role",
    "action",
    "actor",
    "patient_id",
    "date_from",
    "date_to",
    "replace",
    "from",
    "to",
    "show",
    "age",
    "type",
    "history",
    "week",
    "day",
    "month",
    "start",
    "year",
    "start_date",
    "end_date",
    "end",
]

# Fields a POST view reads by hand (beside those of the forms on its page).
POSTED_FIELDS = {
    "attendance_mark": ["next"],
    "roster_cell": ["user", "day", "shift", "next"],
    "roster_copy_week": ["week", "department", "next"],
    "claim_approve": ["amount", "insurer_reference", "next"],
    "claim_reject": ["reason", "next"],
    "claim_pay": ["amount", "reference", "next"],
    "payment_take": ["amount", "mode", "reference"],
    "payment_refund": ["amount", "method", "reference", "reason"],
    "credit_note_create": ["amount", "reason", "line"],
    "invoice_discount": ["value", "kind", "reason"],
    "invoice_void": ["reason"],
    "invoice_create": ["admission"],
    "manual_charge": ["item", "quantity", "description"],
    "charge_reverse": ["reason"],
    "appointment_book": ["patient", "doctor", "date", "starts_at", "reason"],
    "appointment_reschedule": ["starts_at", "reason"],
    "appointment_cancel": ["reason"],
    "patient_archive": ["reason"],
    "patient_reactivate": ["reason"],
    "patient_portal_login": ["username", "email"],
    "document_upload": ["kind", "title"],
    "admission_new": [
        "patient",
        "attending_doctor",
        "bed",
        "reason",
        "diagnosis",
        "expected_days",
        "deposit_mode",
        "deposit_reference",
        "advance_deposit",
    ],
    "admission_transfer": ["bed", "reason"],
    "discharge_order": ["final_diagnosis", "treatment_given", "discharge_medications"],
    "bed_status": ["status"],
    "lab_order_new": ["encounter", "admission", "tests", "priority", "clinical_notes"],
    "lab_order_cancel": ["reason"],
    "lab_order_advance": ["to", "next"],
    "lab_results_enter": ["findings", "next"],
    "lab_results_amend": ["findings", "reason", "next"],
    "chat_start": ["to"],
    "chat_send": ["body"],
    "chat_read": ["up_to"],
    "otp_setup": ["token", "next"],
    "otp_verify": ["token", "next"],
    "user_set_password": ["password"],
}

# The page that shows the form of a POST-only action (its own page otherwise), with the sample
# record whose pk it takes.
HOST_PAGE = {
    "claim_approve": ("claim_list", None),
    "claim_reject": ("claim_list", None),
    "claim_pay": ("claim_list", None),
    "payment_take": ("invoice_detail", "paid_invoice"),
    "payment_refund": ("invoice_detail", "paid_invoice"),
    "credit_note_create": ("invoice_detail", "paid_invoice"),
    "invoice_void": ("invoice_detail", "paid_invoice"),
    "invoice_discount": ("invoice_detail", "invoice"),
    "manual_charge": ("patient_account", "patient"),
    "charge_reverse": ("patient_account", "patient"),
    "invoice_create": ("patient_account", "patient"),
    "appointment_reschedule": ("appointment_detail", "appointment"),
    "appointment_cancel": ("appointment_detail", "appointment"),
    "patient_portal_login": ("patient_chart", "patient"),
    "patient_archive": ("patient_chart", "patient"),
    "document_upload": ("patient_documents", "patient"),
    "admission_transfer": ("admission_detail", "admission"),
    "discharge_order": ("admission_detail", "admission"),
    "prescription_add": ("encounter", "encounter"),
    "schedule_exception_add": ("schedule_list", None),
    "lab_order_cancel": ("lab_order", "lab_order"),
    "lab_catalogue_field_add": ("lab_catalogue_edit", "lab_test"),
    "lab_catalogue_range_add": ("lab_catalogue_edit", "lab_test"),
    "user_set_password": ("user_edit", "subject"),
    "machine_status": ("machine_detail", "machine"),
    "fault_raise": ("machine_detail", "machine"),
    "request_take": ("work_queue", None),
    "work_log_add": ("work_order_detail", "work_order"),
    "work_order_escalate": ("work_order_detail", "work_order"),
    "work_order_resolve": ("work_order_detail", "work_order"),
}

# Actions that would end the walk's own session or are not forms of this project.
# Signing out ends the walk's own session: its page is fetched with odd values, not posted to.
NOT_POSTED = {"account_logout"}


class _Forms(HTMLParser):
    """Field names and their first valid value, per form action, from a page's HTML."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.forms: dict[str, dict[str, str]] = {}
        self.current: dict[str, str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlparse(attrs.get("action") or self.page_path).path
            self.current = self.forms.setdefault(action, {})
        elif self.current is None or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and attrs["name"] in self.current:
                return
            self.current.setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea":
            self.current.setdefault(attrs["name"], "")
        elif tag == "select":
            self.select = attrs["name"]
            self.current.setdefault(attrs["name"], "")
        if (
            tag == "option"
            and self.select
            and self.current is not None
            and not self.current.get(self.select)
            and attrs.get("value")
        ):
            self.current[self.select] = attrs["value"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


def _fields_on(client: Client, path: str) -> dict[str, dict[str, str]]:
    response = client.get(path)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return {}
    parser = _Forms(path)
    parser.feed(response.content.decode())
    return parser.forms


def _walk_names() -> list[str]:
    return sorted({pattern.name for _route, pattern in project_urls()})


def _patterns() -> dict:
    return {pattern.name: pattern for _route, pattern in project_urls()}


def _clients(role_users, callback) -> dict[str, Client]:
    if callback.capability == rbac.PUBLIC:  # sign-in, password reset: whoever comes along
        return {"anonymous": Client()}
    clients = {rbac.ADMIN: sign_in(Client(), role_users[rbac.ADMIN])}
    if callback.capability != rbac.PUBLIC and rbac.role_allowed(
        rbac.PATIENT, callback.capability, callback.scopes
    ):
        clients[rbac.PATIENT] = sign_in(Client(), role_users[rbac.PATIENT])
    return clients


def _answer(client: Client, method: str, path: str, data) -> str:
    """'' when the answer is not a server error, else what went wrong."""
    try:
        response = client.get(path) if method == "GET" else client.post(path, data)
    except Exception as error:  # the test client re-raises a view's exception
        return f"{type(error).__name__}: {str(error)[:200]}"
    return f"answered {response.status_code}" if response.status_code >= 500 else ""


def _is_page(client: Client, path: str) -> bool:
    try:
        response = client.get(path)
    except Exception:  # reported by the walk itself
        return True
    return response.status_code >= 500 or "html" in response.get("Content-Type", "")


def _short(value: str) -> str:
    return repr(value if len(value) < 30 else value[:10] + f"…({len(value)})")


@pytest.fixture(scope="module")
def sample_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("odd-values")


@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker, sample_folder):
    """The hospital's staff and the sample records, made once for the module."""
    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        override_settings(**private_file_settings(sample_folder)),
    ):
        staff = Staff()
        role_users = {role: staff.of_role(role) for role in rbac.ROLES}
        yield role_users, build_samples(role_users=role_users, staff=staff)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _private_files(_private_files, settings, sample_folder):
    """Each test's files in its own folder as everywhere (tests/conftest.py), but the uploads and
    generated files in the module's, where the sample records' files are."""
    settings.STORAGES = private_file_storages(sample_folder)


@pytest.fixture
def role_users(walk, db) -> dict:
    return walk[0]


@pytest.fixture
def samples(walk, db) -> dict:
    return walk[1]


@pytest.mark.parametrize("name", _walk_names())
def test_odd_values_never_answer_a_server_error(samples, role_users, name):
    pattern = _patterns()[name]
    kwargs_by_name = sample_kwargs(samples)
    records = samples | {
        "paid_invoice": samples["payment"].invoice,
        "lab_test": samples["lab_order"].test,
    }
    # The sample claim covers part of its invoice, as a real one does (a rejection moves it).
    Invoice.objects.filter(pk=samples["claim"].invoice_id).update(
        subtotal=600, total=600, insurer_share=100
    )
    path = reverse(name, kwargs=kwargs_by_name.get(name, {}))
    post_only = getattr(pattern.callback, "post_only", False)
    failures = []

    for role, client in _clients(role_users, pattern.callback).items():
        if not post_only and _is_page(client, path):  # PDFs and files read no parameters
            for value in ODD_VALUES:
                query = urlencode(dict.fromkeys(QUERY_PARAMETERS, value))
                if problem := _answer(client, "GET", f"{path}?{query}", None):
                    failures.append(f"{role} GET ?…={_short(value)}: {problem}")
        if name in HOST_PAGE:
            host_name, record = HOST_PAGE[name]
            host = reverse(host_name, kwargs={"pk": records[record].pk} if record else {})
        else:
            host = None if post_only else path
        forms = _fields_on(client, host) if host and name not in NOT_POSTED else {}
        valid = dict(forms.get(path, {}))
        valid.pop("csrfmiddlewaretoken", None)
        # Each post is a new submission: the page's one-time token would answer every post after
        # the first with "already done" before the odd value reached the form.
        valid.pop("submission", None)
        fields = list(dict.fromkeys([*valid, *POSTED_FIELDS.get(name, []), "next"]))
        if name in NOT_POSTED:
            fields = []
        for field in fields:
            for value in ODD_VALUES:
                data = valid | {field: value}
                if problem := _answer(client, "POST", path, data):
                    failures.append(f"{role} POST {field}={_short(value)}: {problem}")

    assert failures == [], f"{path}: " + "; ".join(failures[:20])


def test_the_walk_reaches_the_sample_records_files(samples, role_users):
    """The module's records are made before each test's own folder: their files must still be
    found, or every download in the walk would be a quiet 404 instead of the view's real path."""
    admin = sign_in(Client(), role_users[rbac.ADMIN])
    kwargs = sample_kwargs(samples)

    document = admin.get(reverse("document_download", kwargs=kwargs["document_download"]))
    report = admin.get(reverse("lab_report", kwargs=kwargs["lab_report"]))

    assert document.status_code == 200 and b"".join(document) == b"%PDF-1.4 sample"
    assert report.status_code == 200 and b"".join(report) == b"%PDF-1.4 sample"
