"""Every audit row says where it came from: audits are written by services (never by views), and a
service handed the request passes it on to the services it calls, so the row of a nested action
(the ward charge of an admission, the patient's state change at discharge) has its IP and user
agent too."""

import ast
from pathlib import Path

from django.test import RequestFactory

from hms import rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory, cleared_for_discharge
from wards import services as wards

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "billing",
    "clinical",
    "engineering",
    "hms",
    "hr",
    "lab",
    "messaging",
    "reports",
    "wards",
]
# Modules whose functions are services or the helpers services call.
SERVICE_MODULES = ("services.py", "accrual.py", "tasks.py")


def _modules(names: tuple[str, ...] | None = None) -> list[Path]:
    found = []
    for app in APPS:
        # A services package (billing/services/, clinical/services/) counts as service modules.
        for path in sorted([*(ROOT / app).glob("*.py"), *(ROOT / app).glob("services/*.py")]):
            if names is None or path.name.endswith(names) or path.parent.name == "services":
                found.append(path)
    return found


def _functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _parameters(function) -> set[str]:
    arguments = function.args
    return {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return getattr(call.func, "id", None)


def test_no_view_writes_an_audit_row_itself():
    views = [p for p in _modules() if p.name == "views.py" or p.name.endswith("_views.py")]

    writers = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in views
        for call in ast.walk(ast.parse(path.read_text()))
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "audit.record"
    ]

    assert writers == [], f"move these audits into a service the view calls: {writers}"


def test_services_pass_the_request_on_to_the_services_they_call():
    takes_request = {
        function.name
        for path in _modules(SERVICE_MODULES)
        for function in _functions(path)
        if "request" in _parameters(function)
    } | {"record"}
    dropped = []
    for path in _modules(SERVICE_MODULES):
        for function in _functions(path):
            if "request" not in _parameters(function):
                continue  # a task or the periodic accrual: there is no request to pass on
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or _called_name(call) not in takes_request:
                    continue
                passed = {keyword.arg for keyword in call.keywords}
                positional = any(isinstance(a, ast.Name) and a.id == "request" for a in call.args)
                if not ("request" in passed or None in passed or positional):
                    dropped.append(f"{path.relative_to(ROOT)}:{call.lineno} {function.name}")

    assert dropped == [], f"pass request=request on: {dropped}"


def test_admission_and_discharge_audit_every_row_with_the_ip_and_user_agent(
    make_user, charge_master
):
    admin = make_user(rbac.ADMIN)
    doctor = make_user(rbac.DOCTOR)
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Ward tablet")
    request.user = admin
    ward = wards.ward_create(
        actor=admin, name="General A", kind="general", charge_code="WARD-GEN", beds=1
    )
    first = AuditEntry.objects.count()

    admission = wards.admission_create(
        actor=admin,
        patient=PatientFactory(),
        attending_doctor=doctor,
        bed=ward.beds.get(),
        reason="Pneumonia",
        request=request,
    )
    wards.discharge_order(
        actor=doctor, admission=admission, summary={"final_diagnosis": "Pneumonia"}
    )
    cleared_for_discharge(admission)
    wards.discharge_process(actor=admin, admission=admission, request=request)

    rows = AuditEntry.objects.order_by("pk")[first:]
    from_requests = [r for r in rows if r.action != "admission.discharge_order"]
    actions = {row.action for row in from_requests}
    assert {"charge.post", "patient.state_change", "invoice.draft"} <= actions
    assert [(r.action, r.ip, r.user_agent) for r in from_requests] == [
        (r.action, "10.1.2.3", "Ward tablet") for r in from_requests
    ]
