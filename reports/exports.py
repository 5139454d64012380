"""The dashboard's figures as files: one metric's tables as CSV (one file per metric, its tables
one after the other under their titles), the whole dashboard as one XLSX workbook (one sheet per
table). Cells that would start a formula are kept as text in the CSV (pharmacy's stock reports'
rule, CSV injection); the workbook writes text as text, numbers as numbers."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from hms.spreadsheet import spreadsheet_cell
from reports.period import ReportPeriod
from reports.selectors import Panel

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DECIMAL_FORMAT = "0.00"
DAY_FORMAT = "dd/mm/yyyy"


def file_stem(period: ReportPeriod, name: str) -> str:
    """ "analytics-revenue-2026-11-01-2026-11-30": what the file is and the days it covers."""
    return f"analytics-{name}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}"


def metric_csv(panel: Panel, period: ReportPeriod) -> str:
    """One metric as CSV text: its title and the period on the first two rows, then each of its
    tables (title row, header row, figures) with an empty row between them. Money keeps its 2
    places; a text starting with = + - @ (or a tab or carriage return) is prefixed with ' so a
    spreadsheet shows it rather than runs it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_cell(panel.metric.title)])
    writer.writerow([f"Period: {period.label}"])
    for table in panel.tables:
        writer.writerow([])
        writer.writerow([spreadsheet_cell(table.title)])
        writer.writerow([spreadsheet_cell(header) for header in table.headers])
        writer.writerows([spreadsheet_cell(value) for value in row] for row in table.rows)
    return out.getvalue()


def workbook(panels: list[Panel], period: ReportPeriod) -> bytes:
    """Every table of `panels` as an XLSX workbook (bytes): one sheet per table named
    Table.name, a bold header row with the panes frozen below it, money (Decimal) as numbers
    with 2 places and a thousands separator, days as dates. The period is the workbook's
    title. A dashboard with no tables gives one sheet saying so (a workbook needs one)."""
    from openpyxl import Workbook  # heavy: loaded only when a workbook is asked for
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    book.properties.title = f"Analytics: {period.label}"
    bold = Font(bold=True)
    for panel in panels:
        for table in panel.tables:
            sheet = book.create_sheet(table.name[:31])
            sheet.append(list(table.headers))
            for cell in sheet[1]:
                cell.font = bold
            # Cell by cell at known places: asking the sheet for its last row after each append
            # (sheet.max_row) walks every cell written so far, which made a year's workbook slow.
            for row_number, row in enumerate(table.rows, start=2):
                for column_number, value in enumerate(row, start=1):
                    cell = sheet.cell(row=row_number, column=column_number, value=value)
                    if cell.data_type == "f":  # text that looks like a formula stays text
                        cell.data_type = "s"
                    cell.number_format = _xlsx_format(value, cell.number_format)
            sheet.freeze_panes = "A2"
            for column, header in zip(sheet.columns, table.headers, strict=False):
                width = max(len(str(header)), *(len(str(c.value or "")) for c in column))
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 48)
    if not book.sheetnames:
        book.create_sheet("Analytics").append([f"No figures for {period.label}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_format(value, current: str) -> str:
    if isinstance(value, Decimal):
        return MONEY_FORMAT
    if isinstance(value, float):
        return DECIMAL_FORMAT
    if isinstance(value, date) and not isinstance(value, datetime):
        return DAY_FORMAT
    return current
