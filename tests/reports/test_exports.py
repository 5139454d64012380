"""The dashboard's exports: one metric as CSV, the whole dashboard as an XLSX workbook; each
audited, the accountant's only with finance figures, formula-like text kept as text."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from clinical.models import AppointmentStatus
from hms.models import AuditEntry
from reports.metrics import METRICS
from reports.period import period_from_query
from tests.factories import AppointmentFactory, BedFactory, WardFactory
from tests.reports.analytics_fakes import FORMULA

NAIROBI = ZoneInfo("Africa/Nairobi")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=NAIROBI)
CSV_URL = "/analytics/export.csv"
XLSX_URL = "/analytics/workbook.xlsx"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def sheets_of(metrics, query=None) -> list[str]:
    """The sheet names a workbook of `metrics` holds: each metric's tables, in order."""
    period = period_from_query(query or {})
    return [table.name for m in metrics for table in m.compute(period).tables()]


def exports_audited():
    return list(AuditEntry.objects.filter(action="analytics.export").order_by("id"))


def test_a_metrics_csv_has_its_tables_one_after_the_other(staff, client_for):
    AppointmentFactory(starts_at=NOW, status=AppointmentStatus.CHECKED_IN)
    BedFactory(ward=WardFactory(name="Alpha"), number="1")

    response = client_for(staff.admin).get(CSV_URL, {"metric": "today", "period": "7d"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="analytics-today-2026-11-12-2026-11-18.csv"' in response["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["Today"]
    assert rows[1] == ["Period: Last 7 days (12/11/2026 – 18/11/2026)"]
    assert rows[3] == ["Today (18/11/2026)"]
    assert ["Appointments booked", "1"] in rows and ["Appointments checked in", "1"] in rows
    beds_title = rows.index(["Beds by ward (18/11/2026, now)"])
    assert rows[beds_title - 1] == []
    assert rows[beds_title + 2] == ["Alpha", "1", "0", "0", "1"]


def test_an_export_is_audited_with_its_period_and_format(staff, client_for):
    client_for(staff.admin).get(CSV_URL, {"metric": "today", "period": "30d"})

    (entry,) = exports_audited()
    assert entry.actor == staff.admin
    assert entry.after["format"] == "csv"
    assert entry.after["period"] == "Last 30 days (20/10/2026 – 18/11/2026)"
    assert (entry.after["first"], entry.after["last"]) == ("2026-10-20", "2026-11-18")
    assert entry.after["metrics"] == ["today"]


def test_csv_cells_that_start_like_a_formula_are_kept_as_text(staff, client_for, takings_metric):
    response = client_for(staff.accountant).get(CSV_URL, {"metric": "takings"})

    rows = rows_of(response)
    assert ["2026-11-17", f"'{FORMULA}", "1234.50"] in rows
    # A phone number starting with + is text too; a negative amount stays a number.
    assert ["2026-11-18", "'+254700000000", "-5.00"] in rows


def test_the_accountant_may_not_export_a_non_finance_metric(staff, client_for):
    response = client_for(staff.accountant).get(CSV_URL, {"metric": "today"})

    assert response.status_code == 403
    assert exports_audited() == []


@pytest.mark.parametrize(
    "query",
    [
        {"metric": "nothing", "period": "7d"},
        {"metric": "TODAY"},
        {"metric": "today-beds"},  # a table's name, not a metric's key
        {"metric": "x" * 5000},
        {"metric": "日本"},
    ],
)
def test_a_csv_of_a_key_that_is_no_metric_is_not_found(staff, client_for, query):
    response = client_for(staff.admin).get(CSV_URL, query)

    assert response.status_code == 404
    assert exports_audited() == []


@pytest.mark.parametrize("query", [{"period": "7d"}, {"metric": "", "period": "7d"}])
def test_a_csv_that_names_no_metric_goes_back_to_the_dashboard(staff, client_for, query):
    response = client_for(staff.admin).get(CSV_URL, query)

    assert response.status_code == 302
    assert response["Location"].startswith("/analytics/?period=7d")
    assert exports_audited() == []


@pytest.mark.parametrize("key", [m.key for m in METRICS if not m.finance])
@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_the_accountant_gets_no_admin_panel_by_its_key(staff, client_for, key, url):
    """Every panel outside the finance part, by the CSV's key or slipped into the workbook's
    query: the CSV is refused, the workbook holds the finance sheets only."""
    BedFactory(ward=WardFactory(name="Maternity"), number="1")

    response = client_for(staff.accountant).get(url, {"metric": key, "period": "7d"})

    if url == CSV_URL:
        assert response.status_code == 403
        assert exports_audited() == []
    else:
        book = load_workbook(io.BytesIO(response.content))
        assert book.sheetnames == sheets_of([m for m in METRICS if m.finance])
        assert exports_audited()[0].after["metrics"] == [m.key for m in METRICS if m.finance]


def test_two_downloads_are_two_audit_entries_of_the_same_figures(staff, client_for):
    """A double click downloads the file twice: two copies left the system, so the log says
    so twice (docs/DECISIONS.md), each with the same metric and days; nothing else is done."""
    client = client_for(staff.admin)

    first = client.get(CSV_URL, {"metric": "today", "period": "7d"})
    second = client.get(CSV_URL, {"metric": "today", "period": "7d"})

    assert first.content == second.content
    entries = exports_audited()
    assert len(entries) == 2
    assert entries[0].after == entries[1].after


def test_an_export_of_a_refused_period_goes_back_to_say_why(staff, client_for):
    response = client_for(staff.admin).get(
        XLSX_URL, {"period": "custom", "from": "31/02/2026", "to": ""}
    )

    assert response.status_code == 302
    assert "from=31%2F02%2F2026" in response["Location"]
    assert exports_audited() == []


def test_the_workbook_has_a_sheet_per_table_with_money_as_numbers(
    staff, client_for, takings_metric
):
    response = client_for(staff.admin).get(XLSX_URL, {"period": "this_month"})

    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    # A sheet per table of every metric, in the dashboard's order (the test's own last).
    assert book.sheetnames == sheets_of(METRICS, {"period": "this_month"})
    assert book.sheetnames[:2] == ["today", "today-beds"] and book.sheetnames[-1] == "takings"
    sheet = book["takings"]
    assert [c.value for c in sheet[1]] == ["Day", "Payer", "Amount"]
    assert sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet["C2"].value == 1234.5 and sheet["C2"].number_format == "#,##0.00"
    assert sheet["C3"].value == -5
    assert sheet["B2"].value == FORMULA and sheet["B2"].data_type == "s"
    assert sheet["A2"].is_date and sheet["A2"].number_format == "dd/mm/yyyy"
    assert book.properties.title == "Analytics: This month (01/11/2026 – 18/11/2026)"
    (entry,) = exports_audited()
    assert entry.after["format"] == "xlsx"
    assert entry.after["metrics"] == [m.key for m in METRICS]


def test_the_accountants_workbook_holds_only_finance_figures(staff, client_for, takings_metric):
    BedFactory(ward=WardFactory(name="Maternity"), number="1")

    response = client_for(staff.accountant).get(XLSX_URL)

    book = load_workbook(io.BytesIO(response.content))
    finance = [m for m in METRICS if m.finance]
    assert book.sheetnames == sheets_of(finance)
    assert "takings" in book.sheetnames and "today" not in book.sheetnames
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "Maternity" not in cells
    assert exports_audited()[0].after["metrics"] == [m.key for m in finance]


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
@pytest.mark.parametrize(
    "query",
    [
        {"period": "custom", "from": "01/01/1800", "to": "18/11/2026"},
        {"period": "custom", "from": "18/11/2026", "to": "01/01/2000"},  # and the wrong way round
        {"period": "next_century"},
    ],
)
def test_an_export_of_a_period_the_dashboard_refuses_goes_back_to_say_why(
    staff, client_for, url, query
):
    response = client_for(staff.admin).get(url, {"metric": "today", **query})

    assert response.status_code == 302
    assert response["Location"].startswith("/analytics/?")
    page = client_for(staff.admin).get(response["Location"]).content.decode()
    assert "at most two years" in page or "is not one of the periods offered" in page
    assert exports_audited() == []


def test_an_export_of_dates_only_the_wrong_way_round_is_made_the_right_way_round(staff, client_for):
    response = client_for(staff.admin).get(
        CSV_URL, {"metric": "today", "period": "custom", "from": "15/11/2026", "to": "01/11/2026"}
    )

    assert response.status_code == 200
    assert "analytics-today-2026-11-01-2026-11-15.csv" in response["Content-Disposition"]
