"""Benchmark: issue 1,000 invoices and take a payment on each, through the real billing services.

Creates N patients (default 1,000; a third insured) with a few charges each (posted with
`charge_post`), then times, one service call after another as the desk makes them:

1. issuing: `invoice_draft` + `invoice_issue` for every patient (each its own transaction:
   audit rows, the gapless INV number, the on-commit hooks);
2. payments: `payment_take` on every invoice (the whole balance on most, part of it on some;
   cash, M-Pesa and card);
3. rendering: the PDFs those commits queued (one invoice render at issue; a receipt and the
   invoice again after each payment), run one after another in this process as one Huey worker
   would run them.

Steps 1 and 2 are timed WITHOUT rendering: Huey runs in its normal (non-immediate) mode and no
consumer is running, so the on-commit hooks only put the tasks on the queue (an SQLite queue in
a throwaway folder, as in the embedded mode). Step 3 is the rendering alone. Then the end state is
checked: N distinct, gapless invoice and receipt numbers; payments add up to what the invoices
record as paid; invoice totals add up to the charges; the audit chain verifies.

    .venv/bin/python tests/bench/invoice_throughput.py                 # embedded mode: SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_billing \
        .venv/bin/python tests/bench/invoice_throughput.py
    .venv/bin/python tests/bench/invoice_throughput.py --render 0       # services only

On PostgreSQL the database (its name must start with hms_bench) is created afresh and dropped at
the end (--keep keeps it). Files and the Huey queue go to a throwaway folder, never to var/.
"""

import argparse
import json
import logging
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import benchdb  # noqa: E402  (this folder is on the path: the script runs from it)

WORK_DIR = benchdb.work_dir("hms-bench-billing-")

CODES = ["CONSULT", "NURS-DRESS", "NURS-INJ", "WARD-EMR", "MISC-COPY", "MISC-MEALS"]
INSURERS = ["AAR Insurance", "Jubilee Health", "NHIF", "Britam"]


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds else 0.0


def latency(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def setup(count: int, charges: int) -> tuple:
    """The desk user, `count` patients and their charges (through charge_post)."""
    from accounts.models import User
    from billing import demo, services
    from clinical.models import Patient
    from hms import rbac

    desk = User.objects.create(username="bench-desk", role=rbac.RECEPTIONIST, first_name="Bench")
    demo.seed(lambda line: None)
    rng = random.Random(3)
    patients = []
    for n in range(count):
        insured = n % 3 == 0
        phone = f"07{rng.randrange(10**8):08d}"
        patients.append(
            Patient(
                mrn=f"T{n + 1:06d}",
                first_name="Bench",
                last_name=f"Patient{n + 1}",
                date_of_birth=date(1950, 1, 1) + timedelta(days=rng.randrange(25000)),
                sex=rng.choice("FM"),
                phone=phone,
                name_key=f"bench patient{n + 1}",
                phone_digits=phone,
                insurance={
                    "provider": rng.choice(INSURERS),
                    "policy_number": f"P{n:06d}",
                    "coverage_percent": rng.choice(["50.00", "80.00", "90.00"]),
                    "valid_until": "",
                }
                if insured
                else {},
            )
        )
    Patient.objects.bulk_create(patients, batch_size=500)
    started = time.perf_counter()
    posted = 0
    for patient in patients:
        for _ in range(charges):
            code = rng.choice(CODES)
            quantity = Decimal(rng.randrange(1, 4)) if code != "WARD-EMR" else Decimal("2")
            services.charge_post(actor=desk, patient=patient, code=code, quantity=quantity)
            posted += 1
    return desk, patients, posted, time.perf_counter() - started


def issue_all(desk, patients) -> tuple[list, list[float], float]:
    from billing import services

    invoices, samples = [], []
    started = time.perf_counter()
    for patient in patients:
        begun = time.perf_counter()
        draft = services.invoice_draft(actor=desk, patient=patient)
        invoices.append(services.invoice_issue(actor=desk, invoice=draft))
        samples.append(time.perf_counter() - begun)
    return invoices, samples, time.perf_counter() - started


def pay_all(desk, invoices) -> tuple[Decimal, int, list[float], float]:
    """The whole balance on three invoices of four, half of it on the fourth."""
    from billing import services

    rng = random.Random(5)
    taken, partial, samples = Decimal("0"), 0, []
    started = time.perf_counter()
    for n, invoice in enumerate(invoices):
        amount = invoice.balance
        if n % 4 == 3:
            amount = (amount / 2).quantize(Decimal("0.01"))
            partial += 1
        mode = rng.choice(["cash", "cash", "mpesa", "card"])
        reference = "" if mode == "cash" else f"REF{n:07d}"
        begun = time.perf_counter()
        services.payment_take(
            actor=desk, invoice=invoice, amount=amount, mode=mode, reference=reference
        )
        samples.append(time.perf_counter() - begun)
        taken += amount
    return taken, partial, samples, time.perf_counter() - started


def render_queue(limit: int | None) -> dict:
    """Run the queued tasks one after another, as one Huey worker would (up to `limit`)."""
    from huey.contrib.djhuey import HUEY

    queued = HUEY.pending_count()
    per_task: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    done = 0
    while limit is None or done < limit:
        task = HUEY.dequeue()
        if task is None:
            break
        begun = time.perf_counter()
        HUEY.execute(task)
        per_task[task.name].append(time.perf_counter() - begun)
        done += 1
    elapsed = time.perf_counter() - started
    result = {
        "queued_tasks": queued,
        "rendered": done,
        "render_s": round(elapsed, 1),
        "renders_per_s": rate(done, elapsed),
    }
    for name, samples in sorted(per_task.items()):
        result[name] = {"count": len(samples), **latency(samples)}
    return result


def sequence_gapless(numbers: list[str]) -> bool:
    """Distinct, and consecutive from 1 (the database is fresh)."""
    values = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    return len(set(numbers)) == len(numbers) and values == list(range(1, len(numbers) + 1))


def reconcile(count: int, taken: Decimal, partial: int) -> dict:
    from django.db.models import Count, F, Sum

    from billing.models import Charge, Invoice, InvoiceStatus, Payment
    from hms import audit
    from hms.models import AuditEntry

    invoices = Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
    numbers = list(invoices.values_list("number", flat=True))
    receipts = list(Payment.objects.values_list("receipt_number", flat=True))
    paid_recorded = invoices.aggregate(total=Sum("amount_paid"))["total"]
    paid_sum = Payment.objects.aggregate(total=Sum("amount"))["total"]
    mismatched = (
        invoices.annotate(paid=Sum("payments__amount")).exclude(paid=F("amount_paid")).count()
    )
    invoiced = invoices.aggregate(total=Sum("total"))["total"]
    charged = Charge.objects.aggregate(total=Sum(F("amount") + F("tax_amount")))["total"]
    statuses = dict(invoices.values_list("status").annotate(n=Count("id")).order_by())
    balances = [invoice.balance for invoice in invoices]
    actions = dict(
        AuditEntry.objects.filter(action__in=["invoice.issue", "payment.take"])
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    chain = audit.verify()
    checks = {
        "invoices": len(numbers) == count and sequence_gapless(numbers),
        "receipts": len(receipts) == count and sequence_gapless(receipts),
        "payments = invoices' amount_paid": paid_sum == paid_recorded == taken and not mismatched,
        "invoice totals = charges": invoiced == charged,
        "patient balances (settled, open)": (
            sum(balance == 0 for balance in balances),
            sum(balance > 0 for balance in balances),
        )
        == (count - partial, partial),
        "audit rows": actions == {"invoice.issue": count, "payment.take": count},
        "audit chain verifies": chain.ok,
    }
    return {
        "ok": all(checks.values()),
        "checks": checks,
        "numbers": f"{min(numbers)} … {max(numbers)}",
        "statuses": statuses,
        "payments_total": f"{paid_sum:.2f}",
        "invoiced_total": f"{invoiced:.2f}",
        "audit_rows": chain.checked,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000, help="patients, one invoice each")
    parser.add_argument("--charges", type=int, default=4, help="charges per patient")
    parser.add_argument(
        "--render",
        type=int,
        default=-1,
        help="queued PDF tasks to run afterwards (-1: all of them, 0: none)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    config = benchdb.database_config()
    benchdb.fresh_database(config)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    logging.getLogger("huey").setLevel(logging.WARNING)  # a line per task otherwise
    try:
        call_command("migrate", verbosity=0)
        if HUEY.immediate:
            sys.exit("Huey is in immediate mode: the services would render PDFs inline.")
        desk, patients, posted, post_s = setup(args.invoices, args.charges)
        invoices, issue_samples, issue_s = issue_all(desk, patients)
        taken, partial, pay_samples, pay_s = pay_all(desk, invoices)
        result = {
            "database": connection.vendor,
            "huey": f"{type(HUEY).__name__}, immediate={HUEY.immediate}, no consumer",
            "setup charge_post": {"charges": posted, "per_s": rate(posted, post_s)},
            "issue (draft + issue), no rendering": {
                "invoices": len(invoices),
                "seconds": round(issue_s, 1),
                "invoices_per_s": rate(len(invoices), issue_s),
                **latency(issue_samples),
            },
            "payment_take, no rendering": {
                "payments": len(invoices),
                "seconds": round(pay_s, 1),
                "payments_per_s": rate(len(invoices), pay_s),
                **latency(pay_samples),
            },
        }
        result["reconcile"] = reconcile(args.invoices, taken, partial)
        if args.render:
            result["rendering (one worker)"] = render_queue(
                None if args.render < 0 else args.render
            )
            from billing.models import Invoice, Payment

            result["rendering (one worker)"]["invoices_with_pdf"] = Invoice.objects.exclude(
                pdf=""
            ).count()
            result["rendering (one worker)"]["receipts_with_pdf"] = Payment.objects.exclude(
                pdf=""
            ).count()
        print(json.dumps(result, indent=2, ensure_ascii=False))
        if not result["reconcile"]["ok"]:
            sys.exit("The end state does not reconcile.")
    finally:
        if not args.keep:
            benchdb.drop_database(config)


if __name__ == "__main__":
    main()
