"""The audit log viewer: filters (the hospital's days), sorting by every column, paging with
the count, a patient's access history, the CSV export, and the chain check's answer."""

import csv
import io
import re
from datetime import datetime
from html import unescape
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from hms import audit, paging, rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory
from tests.hms.test_audit import _tamper

ROW_ID = re.compile(r'<td><a href="/audit/\?entry=(\d+)">')


def listed_ids(page, log: dict | None = None) -> list[int]:
    """The ids of the entries the page lists, in order; with `log`, only the log fixture's (the
    sign-in writes an entry of its own)."""
    ids = [int(found) for found in ROW_ID.findall(page.content.decode())]
    if log is None:
        return ids
    ours = {entry.id for entry in log["entries"]}
    return [i for i in ids if i in ours]


def from_where(ip: str, agent: str):
    return RequestFactory().get("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)


@pytest.fixture
def admin(make_user):
    return make_user(rbac.ADMIN, username="zadmin")


@pytest.fixture
def log(make_user, admin):
    """Five entries that differ in every column, written at known moments."""
    amina = make_user(rbac.DOCTOR, username="amina")
    brian = make_user(rbac.NURSE, username="brian")
    patient, other = PatientFactory(), PatientFactory()
    rows = [
        (amina, "patient.view_chart", patient, "10.0.0.3", "2026-12-01T08:00Z"),
        (brian, "vitals.record", patient, "10.0.0.1", "2026-12-01T21:30Z"),  # 2 Dec, Nairobi
        (admin, "user.update", None, "10.0.0.5", "2026-12-02T10:00Z"),
        (amina, "auth.login", None, "10.0.0.2", "2026-12-03T06:00Z"),
        (brian, "patient.view_chart", other, "10.0.0.4", "2026-12-03T07:00Z"),
    ]
    entries = []
    for actor, action, about, ip, at in rows:
        with time_machine.travel(datetime.fromisoformat(at), tick=False):
            entries.append(
                audit.record(
                    actor=actor,
                    action=action,
                    obj=about or actor,
                    patient=about,
                    request=from_where(ip, f"Browser of {actor.username}"),
                )
            )
    return {"entries": entries, "patient": patient, "other": other}


def test_the_newest_entry_comes_first_and_the_count_is_shown(client_for, admin, log):
    page = client_for(admin).get(reverse("audit_list"))

    assert listed_ids(page, log) == [e.id for e in reversed(log["entries"])]
    assert f"{AuditEntry.objects.count()} entries in all" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"actor": "AMI"}, [3, 0]),
        ({"role": rbac.NURSE}, [4, 1]),
        ({"action": "patient."}, [4, 0]),
        ({"object_type": "accounts.User"}, [3, 2]),
        ({"entry": "REPLACE-2"}, [2]),
        # The hospital's days: 21:30 UTC on 1 December is 00:30 on 2 December in Nairobi.
        ({"date_from": "02/12/2026", "date_to": "02/12/2026"}, [2, 1]),
        ({"date_to": "01/12/2026"}, [0]),
        ({"date_from": "2026-12-03"}, [4, 3]),
    ],
)
def test_each_filter_narrows_the_list(client_for, admin, log, query, expected):
    entries = log["entries"]
    query = {k: str(entries[2].id) if v == "REPLACE-2" else v for k, v in query.items()}

    page = client_for(admin).get(reverse("audit_list"), query)

    assert listed_ids(page, log) == [entries[i].id for i in expected]


def test_the_patient_filter_takes_an_mrn_or_an_id(client_for, admin, log):
    client = client_for(admin)
    patient = log["patient"]
    expected = [log["entries"][1].id, log["entries"][0].id]

    by_mrn = client.get(reverse("audit_list"), {"patient": patient.mrn})
    by_id = client.get(reverse("audit_list"), {"patient": str(patient.pk)})

    assert listed_ids(by_mrn, log) == expected and listed_ids(by_id, log) == expected


def test_one_record_is_found_by_its_type_and_id(client_for, admin, log):
    amina = log["entries"][0].actor

    page = client_for(admin).get(
        reverse("audit_list"), {"object_type": "accounts.User", "object_id": amina.pk}
    )

    assert listed_ids(page, log) == [log["entries"][3].id]
    assert f"Entries about accounts.User #{amina.pk}" in page.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "31/02/2026"}, "date_from", "Enter the first day as day/month/year"),
        ({"date_from": "05/12/2026", "date_to": "01/12/2026"}, "date_to", "comes before"),
        ({"patient": "NO-SUCH-MRN"}, "patient", "No patient has the MRN “NO-SUCH-MRN”"),
        ({"entry": "abc"}, "entry", "Enter a whole number"),
        ({"object_id": "12"}, "object_type", "Name the record type"),
    ],
)
def test_a_bad_filter_is_refused_beside_its_field_keeping_what_was_typed(
    client_for, admin, log, query, field, message
):
    page = client_for(admin).get(reverse("audit_list"), query).content.decode()

    error = re.search(rf'id="error_1_id_{field}"[^>]*>(.*?)</', page, re.S)
    assert error and message in error.group(1)
    typed = next(iter(query.values())) if field != "date_to" else query["date_to"]
    if field != "object_type":
        assert f'value="{typed}"' in page


def test_a_bad_filter_leaves_the_good_ones_applied(client_for, admin, log):
    page = client_for(admin).get(reverse("audit_list"), {"role": rbac.NURSE, "date_from": "x"})

    assert listed_ids(page, log) == [log["entries"][4].id, log["entries"][1].id]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", lambda e: e.id),
        ("at", lambda e: e.at),
        ("user", lambda e: e.actor_username),
        ("role", lambda e: e.actor_role),
        ("action", lambda e: e.action),
        ("record", lambda e: (e.object_type, e.object_id)),
        ("patient", lambda e: e.patient_id),
        ("ip", lambda e: e.ip),
    ],
)
def test_every_column_sorts_both_ways_with_ties_broken_by_id(client_for, admin, log, key, value):
    client = client_for(admin)
    entries = log["entries"]
    ascending = [e.id for e in sorted(entries, key=lambda e: (value(e), e.id))]

    up = client.get(reverse("audit_list"), {"sort": key})
    down = client.get(reverse("audit_list"), {"sort": f"-{key}"})

    assert listed_ids(up, log) == ascending
    assert listed_ids(down, log) == list(reversed(ascending))
    header = re.search(
        r'<th scope="col" aria-sort="ascending"><a [^>]*href="\?([^"]*)"', up.content.decode()
    )
    assert header and f"sort=-{key}" in header.group(1)  # clicked again: the other way


def test_the_header_links_keep_the_filters_and_the_pager_keeps_the_sort(
    client_for, admin, make_user
):
    for n in range(55):
        audit.record(actor=admin, action=f"test.{n % 3}")

    page = client_for(admin).get(reverse("audit_list"), {"action": "test.", "sort": "action"})
    html = page.content.decode()

    assert "1–50 of 55 entries" in html
    assert 'href="?action=test.&amp;sort=user"' in html
    assert "action=test.&amp;sort=action&amp;page=2" in html
    second = client_for(admin).get(
        reverse("audit_list"), {"action": "test.", "sort": "action", "page": 2}
    )
    assert len(listed_ids(second)) == 5
    assert 'name="sort" value="action"' in html  # filtering again keeps the sort


def test_an_unknown_sort_falls_back_to_newest_first(client_for, admin, log):
    page = client_for(admin).get(reverse("audit_list"), {"sort": "password"})

    assert listed_ids(page, log) == [e.id for e in reversed(log["entries"])]


def _page_queries(client, django_assert_max_num_queries, query) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(reverse("audit_list"), query).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page": "2"},
        {"actor": "zadmin", "sort": "ip", "page": "2"},
        {"patient": "REPLACE-MRN", "date_from": "01/12/2026", "sort": "-record"},
        {"role": "admin", "action": "test.", "object_type": "accounts.User", "sort": "at"},
    ],
)
def test_the_viewer_asks_as_many_queries_for_120_entries_as_for_600(
    client_for, admin, django_assert_max_num_queries, query
):
    patient = PatientFactory()
    query = {k: patient.mrn if v == "REPLACE-MRN" else v for k, v in query.items()}
    client = client_for(admin)

    def grow(n: int) -> None:
        for i in range(n):
            audit.record(
                actor=admin, action="test.row", obj=admin, patient=patient if i % 2 else None
            )

    client.get(reverse("audit_list"))  # the sign-in's first request does its own bookkeeping
    grow(120)
    small = _page_queries(client, django_assert_max_num_queries, query)
    grow(480)
    large = _page_queries(client, django_assert_max_num_queries, query)

    assert small == large


def test_live_updates_only_on_the_unfiltered_first_page(client_for, admin, log):
    client = client_for(admin)

    plain = client.get(reverse("audit_list")).content.decode()
    filtered = client.get(reverse("audit_list"), {"role": "nurse"}).content.decode()
    sorted_ = client.get(reverse("audit_list"), {"sort": "user"}).content.decode()

    assert "topics=audit" in plain
    assert "topics=audit" not in filtered and "topics=audit" not in sorted_


# --- a patient's access history -------------------------------------------------------------


def test_a_patients_access_history_says_who_when_and_from_where(client_for, admin, log):
    patient = log["patient"]

    page = client_for(admin).get(reverse("audit_patient", args=[patient.pk])).content.decode()

    assert patient.full_name in page and patient.mrn in page
    assert "amina" in page and "brian" in page
    assert "10.0.0.3" in page and "Browser of amina" in page
    assert "01 Dec 2026 11:00:00" in page  # 08:00 UTC, shown in Nairobi's time
    assert "10.0.0.4" not in page  # another patient's
    assert "2 entries in all" in page


def test_the_access_history_is_linked_from_the_chart_for_the_admin_only(
    client_for, admin, make_user, log
):
    patient = log["patient"]
    url = reverse("audit_patient", args=[patient.pk])

    as_admin = client_for(admin).get(reverse("patient_chart", args=[patient.pk])).content.decode()
    as_doctor = client_for(make_user(rbac.DOCTOR)).get(reverse("patient_chart", args=[patient.pk]))

    assert url in as_admin
    assert as_doctor.status_code == 200 and url not in as_doctor.content.decode()


def test_the_viewer_links_each_patient_to_their_history(client_for, admin, log):
    page = client_for(admin).get(reverse("audit_list")).content.decode()

    assert reverse("audit_patient", args=[log["patient"].pk]) in page


def test_a_history_of_an_id_that_is_no_patient_id_is_not_found(client_for, admin, db):
    assert client_for(admin).get(reverse("audit_patient", args=["not-an-id"])).status_code == 404


# --- the export -------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_holds_the_filtered_entries_in_the_chosen_order(client_for, admin, log):
    response = client_for(admin).get(reverse("audit_export"), {"role": rbac.NURSE, "sort": "at"})

    rows = _csv(response)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0][:5] == ["Entry", "When (local)", "User", "Role", "Action"]
    assert [int(r[0]) for r in rows[1:]] == [log["entries"][1].id, log["entries"][4].id]
    assert rows[1][1] == "2026-12-02 00:30:00" and rows[1][2] == "brian"
    assert rows[1][9:11] == ["10.0.0.1", "Browser of brian"]


def test_the_export_neutralises_cells_that_a_spreadsheet_would_run(client_for, admin, rf):
    evil = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_USER_AGENT='=HYPERLINK("http://x")')
    audit.record(
        actor=None,
        actor_username="@SUM(1+1)",
        action="test.injection",
        object_type="+cmd",
        object_id="-2",
        request=evil,
    )

    rows = _csv(client_for(admin).get(reverse("audit_export"), {"action": "test.injection"}))

    (row,) = rows[1:]
    assert row[2] == "'@SUM(1+1)"
    assert row[5:7] == ["'+cmd", "'-2"]
    assert row[10] == '\'=HYPERLINK("http://x")'


def test_the_export_is_itself_audited(client_for, admin, log):
    client_for(admin).get(reverse("audit_export"), {"actor": "amina", "sort": "-ip"})

    entry = AuditEntry.objects.get(action="audit.export")
    assert entry.actor_username == "zadmin"
    assert entry.after == {"filters": {"actor": "amina"}, "sort": "-ip"}
    assert audit.verify().ok


def test_an_export_with_a_bad_filter_goes_back_to_the_list(client_for, admin, log):
    response = client_for(admin).get(reverse("audit_export"), {"date_from": "31/02/2026"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('audit_list')}?date_from=31%2F02%2F2026"
    assert not AuditEntry.objects.filter(action="audit.export").exists()


# --- the chain check --------------------------------------------------------------------------


def test_verify_says_the_log_is_intact_and_how_many_entries_were_checked(client_for, admin, log):
    page = client_for(admin).post(reverse("audit_verify")).content.decode()

    assert "The log is intact" in page
    assert f"{AuditEntry.objects.count()} entries checked" in page
    assert "No checkpoint has been written yet" in page


def test_verify_names_the_first_broken_entry_with_a_link(client_for, admin, log):
    second = log["entries"][1]
    _tamper("UPDATE hms_auditentry SET action = %s WHERE id = %s", ["hidden", second.id])

    page = client_for(admin).post(reverse("audit_verify")).content.decode()

    assert f"BROKEN at entry #{second.id}" in page
    assert f'href="/audit/?entry={second.id}"' in page
    assert "02 Dec 2026 00:30:00" in page
    assert "1 entry before it are intact" in page or "1 entry before it" in page


def test_verify_tells_newest_rows_deleted_after_the_checkpoint(client_for, admin, log):
    client = client_for(admin)
    client.get(reverse("audit_list"))
    audit.checkpoint_write()
    newest, before = AuditEntry.objects.order_by("-id").values_list("id", flat=True)[:2]
    _tamper("DELETE FROM hms_auditentry WHERE id = %s", [newest])

    page = client.post(reverse("audit_verify")).content.decode()

    assert f"entries after #{before} were deleted" in page
    assert f"Entry #{newest} is no longer in the log" in page
    assert "the log does not match it" in page


def test_the_audit_page_shows_the_last_checkpoint(client_for, admin, log):
    checkpoint = audit.checkpoint_write()

    page = client_for(admin).get(reverse("audit_list")).content.decode()
    verified = client_for(admin).post(reverse("audit_verify")).content.decode()

    assert f"Last checkpoint: entry #{checkpoint.entry_id}" in page
    assert "the log matches it" in verified


# --- odd filters: each said beside its box, what was typed kept, the list not filtered by it ----


def _error(page: str, field: str) -> str:
    found = re.search(rf'id="error_1_id_{field}"[^>]*>(.*?)</', page, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("actor", "nobody-here", "No entry in the log was made by a user whose name holds"),
        ("action", "payroll.", "No entry in the log has an action starting with"),
        ("object_type", "billing.Nope", "No entry in the log is about a record of type"),
        ("actor", "Wanjikũ", "No entry in the log was made by a user whose name holds"),
    ],
)
def test_a_user_action_or_record_type_the_log_never_saw_is_said_beside_its_box(
    client_for, admin, log, field, typed, message
):
    page = client_for(admin).get(reverse("audit_list"), {field: typed, "role": rbac.NURSE})
    html = page.content.decode()

    assert page.status_code == 200
    assert message in _error(html, field) and f"“{typed}”" in _error(html, field)
    assert f'value="{typed}"' in html
    # The other filters still apply; the refused one does not empty the list.
    assert listed_ids(page, log) == [log["entries"][4].id, log["entries"][1].id]


def test_system_finds_the_entries_no_user_made(client_for, admin, log):
    """The list and the export call an entry without a user "system": so does the filter."""
    made_by_the_system = audit.record(actor=None, action="audit.checkpoint")

    page = client_for(admin).get(reverse("audit_list"), {"actor": "System"})

    assert listed_ids(page) == [made_by_the_system.id]


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("actor", "x" * 10000),
        ("action", "y" * 500),
        ("patient", "z" * 300),
        ("object_type", "é" * 200),
        ("object_id", "1" * 100),  # and no record type named: said beside that box
        ("entry", "9" * 40),
        ("entry", "-5"),
        ("entry", "١٢"),
        ("date_from", "01/01/0999"),
        ("date_to", "31/12/9999"),
        ("date_from", "日本"),
        ("role", "superuser"),
    ],
)
def test_over_long_impossible_or_foreign_filters_are_refused_beside_their_box(
    client_for, admin, log, field, typed
):
    page = client_for(admin).get(reverse("audit_list"), {"role": rbac.NURSE} | {field: typed})

    html = page.content.decode()
    assert page.status_code == 200
    assert _error(html, field)
    if field != "role":  # a list box shows its choices, not what was typed
        assert f'value="{typed}"' in html
        # The refused box does not filter; the others still do.
        assert listed_ids(page, log) == [log["entries"][4].id, log["entries"][1].id]


@pytest.mark.parametrize("number", ["-3", "0", "x", "99999999999999999999", "1e3", "3.5", "²"])
def test_an_odd_page_number_shows_a_page_that_exists_with_the_count(client_for, admin, number):
    for n in range(60):
        audit.record(actor=admin, action=f"test.{n}")

    page = client_for(admin).get(reverse("audit_list"), {"action": "test.", "page": number})

    html = page.content.decode()
    assert page.status_code == 200
    assert "of 60 entries" in html
    assert len(listed_ids(page)) in (50, 10)


def test_a_page_past_the_last_shows_the_last(client_for, admin):
    for n in range(60):
        audit.record(actor=admin, action=f"test.{n}")

    page = client_for(admin).get(reverse("audit_list"), {"action": "test.", "page": 99})

    assert "51–60 of 60 entries" in page.content.decode()


def test_the_filtering_form_keeps_the_sort_used_not_what_was_typed(client_for, admin, log):
    html = client_for(admin).get(reverse("audit_list"), {"sort": "<evil>"}).content.decode()

    assert 'name="sort"' not in html  # the default sort needs no hidden box
    kept = client_for(admin).get(reverse("audit_list"), {"sort": "-ip"}).content.decode()
    assert '<input type="hidden" name="sort" value="-ip">' in kept


# --- paging: every page reached, the filters kept; the export holds every filtered row ---------


def test_paging_a_filtered_list_keeps_every_filter_and_reaches_every_entry(
    client_for, admin, make_user
):
    nurse = make_user(rbac.NURSE, username="nurse.night")
    patient = PatientFactory()
    with time_machine.travel(datetime.fromisoformat("2026-12-02T09:00Z"), tick=False):
        ours = [
            audit.record(actor=nurse, action="vitals.record", obj=patient, patient=patient)
            for _ in range(120)
        ]
        audit.record(actor=admin, action="vitals.record", obj=patient, patient=patient)
    query = {
        "actor": "nurse.night",
        "action": "vitals.",
        "patient": patient.mrn,
        "date_from": "02/12/2026",
        "sort": "id",
    }
    client = client_for(admin)

    seen, url, pages = [], reverse("audit_list") + "?" + urlencode(query), 0
    while url:
        html = client.get(url).content.decode()
        pages += 1
        seen += [int(i) for i in ROW_ID.findall(html)]
        assert "of 120 entries" in html
        following = re.search(r'href="([^"]*)" data-testid="page-next"', html)
        url = unescape(following.group(1)) if following else ""
        if url:
            kept = parse_qs(urlparse(url).query)
            assert {k: v[0] for k, v in kept.items() if k != "page"} == query

    assert pages == 3
    assert seen == [e.id for e in ours]


def test_the_export_of_a_filtered_list_holds_every_page_of_it_and_nothing_else(
    client_for, admin, make_user
):
    nurse = make_user(rbac.NURSE, username="nurse.night")
    ours = [audit.record(actor=nurse, action="vitals.record") for _ in range(130)]
    audit.record(actor=nurse, action="auth.login")
    audit.record(actor=admin, action="vitals.record")

    rows = _csv(
        client_for(admin).get(
            reverse("audit_export"), {"actor": "nurse.night", "action": "vitals.", "page": "2"}
        )
    )

    assert [int(r[0]) for r in rows[1:]] == [e.id for e in reversed(ours)]


def test_the_export_of_a_refused_filter_exports_nothing_and_says_why(client_for, admin, log):
    response = client_for(admin).get(reverse("audit_export"), {"actor": "nobody-here"})

    assert response.status_code == 302
    page = client_for(admin).get(response["Location"]).content.decode()
    assert "No entry in the log was made by a user whose name holds" in page
    assert not AuditEntry.objects.filter(action="audit.export").exists()


def test_two_exports_are_two_audit_entries(client_for, admin, log):
    """Each file that leaves is a disclosure of the log: two downloads, two entries, each
    naming the same filters (docs/DECISIONS.md)."""
    client = client_for(admin)

    first = _csv(client.get(reverse("audit_export"), {"role": rbac.NURSE}))
    second = _csv(client.get(reverse("audit_export"), {"role": rbac.NURSE}))

    assert first == second
    exports = AuditEntry.objects.filter(action="audit.export")
    assert [e.after for e in exports] == [{"filters": {"role": rbac.NURSE}, "sort": "-id"}] * 2


# --- the chain check twice, and its address opened without the form ---------------------------


def test_the_chain_check_sent_twice_answers_twice_the_same_and_writes_nothing(
    client_for, admin, log
):
    client = client_for(admin)
    client.get(reverse("audit_list"))
    token = "6f1c1d8e-2f0c-4c39-9a53-0d1b5c2f7a10"
    before = AuditEntry.objects.count()

    first = client.post(reverse("audit_verify"), {"submission": token})
    second = client.post(reverse("audit_verify"), {"submission": token})

    assert first.status_code == second.status_code == 200
    for answer in (first, second):
        assert f"The log is intact.</strong> {before} entries checked" in answer.content.decode()
    assert AuditEntry.objects.count() == before


def test_the_chain_checks_address_opened_directly_offers_the_check(client_for, admin, log):
    """A bookmark or a reload without the form: the page with its button, not a blank 405."""
    page = client_for(admin).get(reverse("audit_verify"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "Audit chain check" in html
    assert re.search(r'<form method="post" action="/audit/verify/"', html)
    assert 'data-testid="chain-result"' not in html


def test_a_printed_page_says_which_entries_it_holds(client_for, admin, log):
    """On paper there are no filter boxes: a line (shown only in print) names the filters
    taken, a refused one left out."""
    html = (
        client_for(admin)
        .get(reverse("audit_list"), {"actor": "ami", "role": rbac.DOCTOR, "date_from": "x"})
        .content.decode()
    )

    line = re.search(r'data-testid="audit-print-filters">(.*?)</p>', html, re.S).group(1)
    assert line.startswith("Entries where User: “ami”; Role: “Doctor”. Printed ")
    assert "From" not in line and "by zadmin" in line


def test_a_log_longer_than_the_count_cap_says_over_and_pages_as_far_as_the_cap(
    client_for, admin, monkeypatch
):
    # The log only grows (millions of rows in a few years): counting it all on every load would
    # read all of it. Past hms.paging.COUNT_CAP the count says "over"; the filters reach the rest.
    monkeypatch.setattr(paging, "COUNT_CAP", 100)
    for n in range(130):
        audit.record(actor=admin, action=f"test.{n}")
    client = client_for(admin)

    first = client.get(reverse("audit_list"), {"action": "test."}).content.decode()
    past = client.get(reverse("audit_list"), {"action": "test.", "page": 9}).content.decode()
    narrowed = client.get(reverse("audit_list"), {"action": "test.12"}).content.decode()

    assert "1–50 of over 100 entries" in first
    assert "Page 1 of" not in first  # the number of pages is not known
    assert 'data-testid="audit-over"' in first
    assert "51–100 of over 100 entries" in past  # the last page within the cap
    assert "test.129" not in past and "test.80 " not in past  # the first 100, newest first
    # Narrowed under the cap, the count is exact again: test.12 and test.120-129.
    assert "11 entries in all" in narrowed
    assert 'data-testid="audit-over"' not in narrowed


def test_the_admins_dashboard_counts_the_log_no_further_than_the_cap(
    client_for, admin, monkeypatch
):
    monkeypatch.setattr(paging, "COUNT_CAP", 20)
    client = client_for(admin)
    for n in range(12):
        audit.record(actor=admin, action=f"test.{n}")

    under = client.get(reverse("dashboard")).content.decode()
    for n in range(12):
        audit.record(actor=admin, action=f"test.more.{n}")
    over = client.get(reverse("dashboard")).content.decode()

    assert re.search(r'data-testid="more">8 of 1\d ·', under)
    assert 'data-testid="more">8 of over 20 ·' in over
