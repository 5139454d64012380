"""The audit log viewer: filters (the hospital's days), sorting by every column, paging with
the count, a patient's access history, the CSV export, and the chain check's answer."""

import csv
import io
import re
from datetime import datetime

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from hms import audit, rbac
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
