"""The lab's busy pages keep a constant number of queries however many tests there are: measured
with 20 orders, the same bound holds with 10,000."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hms import rbac
from lab.models import (
    PRIORITY_RANK,
    Flag,
    OrderStatus,
    Priority,
    ResultValue,
    ResultVersion,
    TestOrder,
)
from tests.factories import PatientFactory
from tests.lab.conftest import make_patient

STATUSES = [
    OrderStatus.PENDING,
    OrderStatus.COLLECTED,
    OrderStatus.IN_PROGRESS,
    OrderStatus.COMPLETED,
    OrderStatus.VERIFIED,
    OrderStatus.CANCELLED,
    OrderStatus.VERIFIED,
]
PRIORITIES = [Priority.ROUTINE, Priority.URGENT, Priority.ROUTINE, Priority.STAT]


@pytest.fixture
def pool(staff, catalog, make_user):
    """Patients to order for: a portal patient and a patient whose panel the doctor opens own a
    good share of the orders."""
    me = make_user(rbac.PATIENT)
    return {
        "me": me,
        "mine": make_patient(user=me),
        "panel": make_patient(),
        "others": [PatientFactory() for _ in range(8)],
        "tests": [catalog[c] for c in ("CBC", "RBS", "UEC", "XR-CHEST", "US-ABD")],
    }


def bulk_orders(staff, pool, start: int, count: int) -> None:
    """`count` orders at every step, for every priority, the older ones past their target; the
    completed and verified ones with a result version and a (sometimes flagged) value."""
    patients = [pool["mine"], pool["panel"], *pool["others"]]
    now = timezone.now()
    orders = []
    for i in range(start, start + count):
        test = pool["tests"][i % len(pool["tests"])]
        status = STATUSES[i % len(STATUSES)]
        priority = PRIORITIES[i % len(PRIORITIES)]
        ordered_at = now - timedelta(minutes=(i * 263) % 5000)
        done = status in (OrderStatus.COMPLETED, OrderStatus.VERIFIED)
        verified = status == OrderStatus.VERIFIED
        orders.append(
            TestOrder(
                number=f"BULK-{i:07d}",
                patient=patients[i % 3 if i % 3 < 2 else 2 + i % len(pool["others"])],
                test=test,
                priority=priority,
                priority_rank=PRIORITY_RANK[priority],
                machine_type=test.machine_type,
                status=status,
                ordered_at=ordered_at,
                due_at=ordered_at + timedelta(minutes=test.turnaround_minutes),
                ordered_by=staff["doctor"],
                collected_at=ordered_at if status != OrderStatus.PENDING else None,
                collected_by=staff["tech"] if status != OrderStatus.PENDING else None,
                completed_at=ordered_at + timedelta(minutes=30) if done else None,
                completed_by=staff["tech"] if done else None,
                verified_at=ordered_at + timedelta(minutes=40) if verified else None,
                verified_by=staff["tech2"] if verified else None,
                result_version=1 if done else 0,
                verified_version=1 if verified else 0,
                flag="abnormal" if done and i % 2 else "",
                report=f"lab/{i}/report.pdf" if verified and i % 3 == 0 else "",
            )
        )
    TestOrder.objects.bulk_create(orders, batch_size=500)
    done = list(
        TestOrder.objects.filter(
            number__gte=f"BULK-{start:07d}",
            number__lt=f"BULK-{start + count:07d}",
            result_version=1,
        ).values_list("pk", "verified_by_id", "completed_at", "verified_at", "report")
    )
    ResultVersion.objects.bulk_create(
        [
            ResultVersion(
                order_id=pk,
                version=1,
                findings="Within normal limits.",
                entered_at=completed_at,
                entered_by=staff["tech"],
                verified_at=verified_at,
                verified_by_id=verified_by,
                report=report,
            )
            for pk, verified_by, completed_at, verified_at, report in done
        ],
        batch_size=500,
    )
    ResultValue.objects.bulk_create(
        [
            ResultValue(
                order_id=pk,
                version=1,
                name=name,
                unit="mmol/L",
                value=value,
                numeric_value=Decimal(value),
                reference="3.9–7.8",
                flag=flag,
            )
            for pk, *_ in done
            for name, value, flag in (("Glucose", "9.4", Flag.HIGH), ("Sodium", "139", Flag.NORMAL))
        ],
        batch_size=500,
    )


@pytest.fixture
def still_clock():
    """One instant for the whole test: the session's activity stamp (written at most every 15
    seconds) must not land in one measurement and not the other."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def test_the_lab_pages_keep_a_constant_number_of_queries_from_20_to_10000_tests(
    still_clock, staff, pool, client_for, django_assert_max_num_queries
):
    # With the lists that may fill: one query more each once it does (a list shorter than its
    # page or panel is its own count: hms.paging): the worklist's page and its awaiting panel.
    pages = [
        (client_for(staff["tech"]), reverse("lab_worklist"), {}, 2),
        (client_for(staff["tech"]), reverse("lab_worklist"), {"department": "radiology"}, 2),
        (client_for(staff["tech"]), reverse("lab_late"), {}, 1),
        (client_for(staff["doctor"]), reverse("lab_orders_panel", args=[pool["panel"].pk]), {}, 1),
        (client_for(pool["me"]), reverse("lab_portal_results"), {}, 1),
    ]
    bulk_orders(staff, pool, 0, 20)
    bounds = []
    for client, url, query, filling in pages:
        assert client.get(url, query).status_code == 200  # warm: session, first-use caches
        with django_assert_max_num_queries(60) as few:
            client.get(url, query)
        bounds.append(len(few.captured_queries) + filling)

    bulk_orders(staff, pool, 20, 9_980)
    assert TestOrder.objects.count() == 10_000

    html = {}
    for (client, url, query, _), bound in zip(pages, bounds, strict=True):
        with django_assert_max_num_queries(bound):
            response = client.get(url, query)
        assert response.status_code == 200
        html[(url, tuple(query.items()))] = response.content.decode()
    worklist, radiology, late, panel, portal = html.values()
    assert worklist.count('data-testid="worklist-row"') == 50
    assert worklist.count('data-testid="awaiting-row"') == 50
    assert 0 < radiology.count('data-testid="worklist-row"') <= 50
    assert late.count('data-testid="late-row"') == 50
    assert panel.count('data-testid="lab-panel-row"') == 30
    assert portal.count('data-testid="portal-result"') == 20
    assert 'data-testid="portal-report"' in portal
