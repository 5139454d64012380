"""Benchmark: render the A4 PDF of one issued 200-line invoice, as the background task does it.

Builds one issued invoice through the real services (200 charges over every category, tax rates
0, 8 and 16 %, an insured patient so the insurer/patient split shows, a discount, two payments),
then times `billing.tasks.render_invoice_pdf` run in-process (load the invoice → template → HTML →
WeasyPrint → PDF bytes → private storage): one warm-up, then the median and max of R runs
(default 10), with the template and WeasyPrint steps timed apart and the page count. Target: under
1 s. The last PDF is written to --out (look at it with `pdftoppm -png -r 60`).

    .venv/bin/python tests/bench/invoice_pdf.py                       # embedded mode: SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_invoice_pdf \
        .venv/bin/python tests/bench/invoice_pdf.py
    .venv/bin/python tests/bench/invoice_pdf.py --profile             # + cProfile of one render

On PostgreSQL the database is created, and dropped at the end (--keep keeps it). Files and the
Huey queue go to a throwaway folder (HMS_VAR_DIR), never to var/.
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import benchdb  # noqa: E402  (this folder is on the path: the script runs from it)

WORK_DIR = benchdb.work_dir("hms-bench-invoice-pdf-")

# Items the demo charge master lacks, so every category and a third tax rate show.
EXTRA_ITEMS = [
    ("LAB-FBC", "Full blood count", "lab", "per_test", "850.00", "0"),
    ("LAB-UECS", "Urea, electrolytes and creatinine", "lab", "per_test", "1800.00", "0"),
    ("LAB-MAL", "Malaria rapid test", "lab", "per_test", "400.00", "0"),
    ("MACH-XRAY", "Chest X-ray", "machine", "fixed", "2500.00", "0"),
    ("MACH-ECG", "Electrocardiogram", "machine", "fixed", "1500.00", "0"),
    ("MACH-OXY", "Oxygen concentrator", "machine", "per_hour", "350.00", "8"),
    ("MISC-TOIL", "Toiletries pack", "misc", "fixed", "450.00", "16"),
]
CODES = [
    "WARD-GEN",
    "WARD-PRV",
    "WARD-EMR",
    "CONSULT",
    "NURS-DRESS",
    "NURS-INJ",
    "MISC-MEALS",
    "MISC-COPY",
    "LAB-FBC",
    "LAB-UECS",
    "LAB-MAL",
    "MACH-XRAY",
    "MACH-ECG",
    "MACH-OXY",
    "MISC-TOIL",
]


def build_invoice(lines: int):
    """One issued invoice of `lines` lines, discounted, insured 80 %, paid in part twice."""
    from accounts.models import User
    from billing import demo, services
    from billing.models import ChargeItem
    from clinical.models import Patient
    from hms import rbac

    desk = User.objects.create(username="bench-desk", role=rbac.RECEPTIONIST, first_name="Bench")
    accountant = User.objects.create(username="bench-accounts", role=rbac.ACCOUNTANT)
    demo.seed(lambda line: None)
    for code, name, category, charge_type, price, tax in EXTRA_ITEMS:
        services.charge_item_save(
            actor=accountant,
            code=code,
            name=name,
            category=category,
            charge_type=charge_type,
            price=Decimal(price),
            tax_rate=Decimal(tax),
            active=True,
        )
    patient = Patient.objects.create(
        mrn="B00001",
        first_name="Wanjiru",
        last_name="Kamau-Odhiambo",
        date_of_birth=date(1961, 3, 14),
        sex="F",
        phone="0712345678",
        name_key="wanjiru kamau-odhiambo",
        phone_digits="0712345678",
        insurance={
            "provider": "AAR Insurance Kenya",
            "policy_number": "AAR-77812-02",
            "coverage_percent": "80.00",
            "valid_until": "",
        },
    )
    names = dict(ChargeItem.objects.values_list("code", "name"))
    rng = random.Random(11)
    first_day = date(2026, 10, 1)
    for n in range(lines):
        code = CODES[n % len(CODES)]
        day = first_day + timedelta(days=n // 8)
        quantity = {
            "WARD-EMR": Decimal(rng.randrange(2, 9)),
            "MACH-OXY": Decimal(rng.randrange(4, 25)),
            "NURS-INJ": Decimal(rng.randrange(1, 5)),
        }.get(code, Decimal("1"))
        description = ""
        if code.startswith("WARD") or code == "MISC-MEALS":
            description = f"{names[code]}, {day:%d %b %Y}"
        elif n % 7 == 0:
            description = (
                f"{names[code]} as ordered by Dr. Otieno on {day:%d %b}: repeated after review of the "
                "previous result, specimen collected at the bedside"
            )
        services.charge_post(
            actor=desk,
            patient=patient,
            code=code,
            quantity=quantity,
            description=description,
            source=f"bench:{n}",
        )
    draft = services.invoice_draft(actor=desk, patient=patient)
    services.invoice_set_discount(
        actor=accountant,
        invoice=draft,
        kind="percent",
        value=Decimal("5"),
        reason="Staff family rate",
    )
    invoice = services.invoice_issue(actor=desk, invoice=draft)
    services.payment_take(actor=desk, invoice=invoice, amount=Decimal("5000"), mode="cash")
    services.payment_take(
        actor=desk, invoice=invoice, amount=Decimal("2500.50"), mode="mpesa", reference="SKL4XY7Q2A"
    )
    invoice.refresh_from_db()
    return invoice


def instrument() -> dict[str, list]:
    """Time the task's two steps where it calls them: the template (data → HTML) and WeasyPrint
    (HTML → PDF bytes); keep the last PDF."""
    from billing import documents

    spans: dict[str, list] = {"template": [], "weasyprint": [], "pdf": [b""]}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            result = function(*args, **kwargs)
            spans[name].append(time.perf_counter() - started)
            if name == "weasyprint":
                spans["pdf"][0] = result
            return result

        return wrapper

    documents.invoice_html = timed("template", documents.invoice_html)
    documents.render_pdf = timed("weasyprint", documents.render_pdf)
    return spans


def render_once(invoice_id: int) -> tuple[float, float]:
    """Run the background task in this process: wall and CPU seconds."""
    from billing import tasks

    started, cpu = time.perf_counter(), time.process_time()
    tasks.render_invoice_pdf.call_local(invoice_id)
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--out", default=str(WORK_DIR / "invoice.pdf"))
    parser.add_argument("--profile", action="store_true", help="print cProfile of one render")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    config = benchdb.database_config()
    benchdb.fresh_database(config)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from pypdf import PdfReader

    from billing.models import Invoice

    try:
        call_command("migrate", verbosity=0)
        invoice = build_invoice(args.lines)
        spans = instrument()
        render_once(invoice.pk)  # warm-up: imports WeasyPrint, loads fonts, compiles the template
        for name in ("template", "weasyprint"):
            spans[name].clear()
        runs = [render_once(invoice.pk) for _ in range(args.runs)]
        samples = [wall for wall, _ in runs]
        pdf = spans["pdf"][0]
        Path(args.out).write_bytes(pdf)
        stored = Invoice.objects.get(pk=invoice.pk).pdf
        result = {
            "database": connection.vendor,
            "invoice": invoice.number,
            "lines": len(invoice.lines_snapshot),
            "payments": invoice.payments.count(),
            "pages": len(PdfReader(io.BytesIO(pdf)).pages),
            "pdf_kb": round(len(pdf) / 1024, 1),
            "runs": args.runs,
            "render_median_s": round(statistics.median(samples), 3),
            "render_max_s": round(max(samples), 3),
            "render_min_s": round(min(samples), 3),
            # CPU time of the same runs: on a busy shared box, wall time is often twice this.
            "render_cpu_median_s": round(statistics.median(cpu for _, cpu in runs), 3),
            "template_median_s": round(statistics.median(spans["template"]), 3),
            "weasyprint_median_s": round(statistics.median(spans["weasyprint"]), 3),
            "stored_as": stored.name,
            "pdf_written_to": args.out,
            "target_met": max(samples) < 1.0,
        }
        print(json.dumps(result, indent=2))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            render_once(invoice.pk)
            profiler.disable()
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
    finally:
        if not args.keep:
            benchdb.drop_database(config)


if __name__ == "__main__":
    main()
