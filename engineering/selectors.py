"""Read-only queries of engineering: the asset register and its filters, a machine's page and
status history, the QR label that opens it."""

from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from accounts.models import Department, User
from engineering.models import Machine, MachineStatus, MachineStatusChange, MachineType
from hms import paging, params, rbac

MACHINES_PER_PAGE = 50
HISTORY_PER_PAGE = 20


@dataclass(frozen=True)
class MachineFilters:
    """What the register is narrowed to: a search (asset tag, name or serial number), a status, a
    machine type, a department (its id)."""

    q: str = ""
    status: str = ""
    machine_type: str = ""
    department: int | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> "MachineFilters":
        """The filters a query string asks for; an odd value is no filter."""
        return cls(
            q=params.search_text(query.get("q")),
            status=params.choice_param(query.get("status"), MachineStatus.choices),
            machine_type=params.choice_param(query.get("type"), MachineType.choices),
            department=params.db_id(query.get("department")),
        )


def machines(filters: MachineFilters) -> QuerySet[Machine]:
    """The register's machines matching `filters`, by name, with their department: one query
    per page whatever the number of machines."""
    rows = Machine.objects.select_related("department")
    if filters.q:
        rows = rows.filter(
            Q(asset_tag__icontains=filters.q)
            | Q(name__icontains=filters.q)
            | Q(serial_number__icontains=filters.q)
        )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.machine_type:
        rows = rows.filter(machine_type=filters.machine_type)
    if filters.department:
        rows = rows.filter(department_id=filters.department)
    return rows.order_by("name", "asset_tag")


def register_page(request: HttpRequest) -> dict:
    """The asset register's page: the page of machines the query asks for (and how many there
    are), the filters and their choices."""
    filters = MachineFilters.from_query(request.GET)
    page = paging.page_of(request, machines(filters), MACHINES_PER_PAGE)
    return {
        "page": page,
        "machines": page.object_list,
        "filters": filters,
        "statuses": MachineStatus.choices,
        "machine_types": MachineType.choices,
        "departments": list(Department.objects.values_list("pk", "name")),
    }


def machine_by_tag(tag: str) -> Machine | None:
    """The machine whose asset tag is `tag` (any case), or None."""
    tag = params.search_text(tag, limit=30)
    return Machine.objects.filter(asset_tag__iexact=tag).first() if tag else None


def machine_with_department(pk: int) -> Machine | None:
    return Machine.objects.select_related("department").filter(pk=pk).first()


def status_history(machine: Machine) -> QuerySet[MachineStatusChange]:
    """A machine's status history, the latest effective first, with who changed it."""
    return machine.status_changes.select_related("changed_by").order_by("-effective_at", "-id")


def machine_page(request: HttpRequest, machine: Machine) -> dict:
    """A machine's page for whoever may look it up: the machine, a page of its status history
    (?history=), and what the person may do with it."""
    user: User = request.user
    return {
        "machine": machine,
        "history": paging.page_of(
            request, status_history(machine), HISTORY_PER_PAGE, name="history"
        ),
        "can_manage": rbac.allows(user, "engineering.machines"),
        "today": timezone.localdate(),
    }


def label_svg(url: str) -> str:
    """The QR code of `url` as an SVG (one path), for the machine's printed label."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
