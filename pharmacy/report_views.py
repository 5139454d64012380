"""Stock reports (pharmacist, admin; the accountant sees the value of stock only): stock on hand
and its value per store, consumption per item over a period, expiring and expired batches,
dispensing by doctor. Each page with `?format=csv` is the same query as a spreadsheet."""

import csv

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hms import paging, params, rbac
from hms.spreadsheet import spreadsheet_cell
from pharmacy import selectors
from pharmacy.models import FormularyItem
from pharmacy.units import in_units

REPORTS = "pharmacy.reports"
WHOLE = {rbac.ALL}


def _csv(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([spreadsheet_cell(value) for value in row] for row in rows)
    return response


def _wants_csv(request: HttpRequest) -> bool:
    return request.GET.get("format") == "csv"


def _item_name(row: dict) -> str:
    """The item's name as everywhere else ("Amoxicillin 500 mg capsule"): FormularyItem.name."""
    return FormularyItem(
        generic_name=row["item__generic_name"],
        strength=row["item__strength"],
        form=row["item__form"],
        brand=row["item__brand"],
    ).name


def _page(request: HttpRequest, template: str, tab: str, context: dict) -> HttpResponse:
    context |= {"tab": tab, "full": rbac.allows(request.user, REPORTS, scopes=WHOLE)}
    return render(request, template, context)


@rbac.capability_required(REPORTS)
def stock_reports(request: HttpRequest) -> HttpResponse:
    """Stock on hand and its value per store (the accountant's part)."""
    rows = selectors.stock_value()
    if _wants_csv(request):
        header = ["Store", "Units", "Value", "Expired units", "Expired value"]
        return _csv(
            "stock-value",
            header,
            [
                [r["store__name"], r["units"], r["value"], r["expired_units"], r["expired_value"]]
                for r in rows
            ],
        )
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("units", "value", "expired_units", "expired_value")
    }
    return _page(
        request, "pharmacy/stock/report_value.html", "value", {"rows": rows, "totals": totals}
    )


@rbac.capability_required(REPORTS, scopes=WHOLE)
def consumption_report(request: HttpRequest) -> HttpResponse:
    """Per item over a period (dates in the URL): dispensed + sold + ward use + MAR doses − returns."""
    typed = params.period_typed(request.GET)
    period = selectors.period_of(typed.first, typed.last)
    rows = selectors.consumption(period)
    if _wants_csv(request):
        header = ["Item", "Dispensed", "Sold", "Ward use", "Given (MAR)", "Returned", "Consumed"]
        keys = ("dispensed", "sold", "ward_use", "administered", "returned", "consumed")
        name = f"consumption-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        return _csv(name, header, ([_item_name(r), *(r[k] for k in keys)] for r in rows))
    page = paging.page_of(request, rows, 50)
    for row in page:
        row["name"] = _item_name(row)
        row["shown"] = {
            key: in_units(row[key], row["item__dispensing_unit"])
            for key in ("dispensed", "sold", "ward_use", "administered", "returned", "consumed")
        }
    return _page(
        request,
        "pharmacy/stock/report_consumption.html",
        "consumption",
        {"page": page, "period": period, "typed": typed},
    )


@rbac.capability_required(REPORTS, scopes=WHOLE)
def expiry_report(request: HttpRequest) -> HttpResponse:
    """Batches on a shelf that have expired or expire within the warning days."""
    rows = selectors.expiry()
    if _wants_csv(request):
        header = ["Item", "Batch", "Expiry date", "Store", "Units", "Value", "Expired"]
        return _csv(
            "expiring-batches",
            header,
            (
                [
                    r.item.name,
                    r.batch.batch_number,
                    r.expiry_date.isoformat(),
                    r.store.name,
                    r.quantity,
                    r.value,
                    "yes" if r.expiry_date <= timezone.localdate() else "no",
                ]
                for r in rows
            ),
        )
    page = paging.page_of(request, rows, 50)
    context = {"page": page, "today": timezone.localdate()}
    return _page(
        request,
        "pharmacy/stock/report_expiry.html",
        "expiry",
        context | {"days": settings.HMS_PHARMACY_EXPIRY_WARNING_DAYS},
    )


@rbac.capability_required(REPORTS, scopes=WHOLE)
def doctors_report(request: HttpRequest) -> HttpResponse:
    """Per prescribing doctor over a period: dispenses, units, returns and value."""
    typed = params.period_typed(request.GET)
    period = selectors.period_of(typed.first, typed.last)
    rows = selectors.dispensing_by_doctor(period)
    if _wants_csv(request):
        header = ["Doctor", "Dispenses", "Units", "Returned", "Value"]
        name = f"dispensing-by-doctor-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        return _csv(
            name,
            header,
            ([_doctor(r), r["dispenses"], r["units"], r["returned"], r["value"]] for r in rows),
        )
    page = paging.page_of(request, rows, 50)
    for row in page:
        row["doctor"] = _doctor(row)
    return _page(
        request,
        "pharmacy/stock/report_doctors.html",
        "doctors",
        {"page": page, "period": period, "typed": typed},
    )


def _doctor(row: dict) -> str:
    first, last = row["prescription__doctor__first_name"], row["prescription__doctor__last_name"]
    return f"Dr {first} {last}".strip()
