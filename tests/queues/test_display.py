"""The waiting-area TV: its token is its only key (a wrong or switched-off one is a 404 and a
refused socket), it shows numbers and places only, never a name, and it hears every call live
over its own socket."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from hms.asgi import application
from queues import services
from queues.models import DisplayScreen
from tests.factories import PatientFactory
from tests.sockets import Socket

SECRET = "Zawadi-Kerubo"


def _socket(token: str) -> Socket:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    return Socket(application, f"/ws/display/{token}/", headers=headers)


@pytest.mark.django_db
def test_the_board_shows_numbers_and_counts_never_names(points, staff):
    display = DisplayScreen.objects.create(name="Main hall")
    patient = PatientFactory(first_name="Zawadi", last_name=SECRET)
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"], patient=patient)
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    services.ticket_call_next(actor=staff.nurse, service_point=points["T"])

    page = Client().get(f"/queue/display/{display.token}/").content.decode()

    assert 'data-testid="now-number">T-001<' in page and "to Triage" in page
    assert 'data-testid="board-waiting">1<' in page
    assert SECRET not in page and patient.mrn not in page and "Zawadi" not in page
    assert f'ws-connect="/ws/display/{display.token}/"' in page


@pytest.mark.django_db
def test_a_display_can_show_some_points_only(points, staff):
    display = DisplayScreen.objects.create(name="Lab corridor")
    display.service_points.add(points["L"])

    page = Client().get(f"/queue/display/{display.token}/board/").content.decode()

    assert "Laboratory" in page and "Triage" not in page


@pytest.mark.django_db
def test_a_board_shows_its_chosen_open_points_and_only_their_calls(points, staff):
    display = DisplayScreen.objects.create(name="Lab corridor")
    display.service_points.add(points["L"], points["P"])
    every_point = DisplayScreen.objects.create(name="Main hall")
    for prefix in ("L", "L", "L", "L", "T"):
        services.ticket_issue(actor=staff.receptionist, service_point=points[prefix])
    for _ in range(4):
        services.ticket_call_next(actor=staff.lab_technician, service_point=points["L"])
    services.ticket_call_next(actor=staff.nurse, service_point=points["T"])
    services.service_point_save(actor=staff.admin, point=points["P"], fields={"is_active": False})

    board = Client().get(f"/queue/display/{display.token}/board/").content.decode()
    hall = Client().get(f"/queue/display/{every_point.token}/board/").content.decode()

    assert board.count('data-testid="board-point"') == 1 and "Pharmacy" not in board
    assert board.count('data-testid="board-call"') == 3  # the last three of the lab's four
    assert "L-004" in board and "L-001" not in board and "T-001" not in board
    assert 'data-testid="now-number">L-004<' in board
    assert hall.count('data-testid="board-point"') == 4 and "T-001" in hall


@pytest.mark.django_db
def test_a_board_whose_chosen_points_are_all_closed_shows_none(points, staff):
    display = DisplayScreen.objects.create(name="Pharmacy corner")
    display.service_points.add(points["P"])
    services.service_point_save(actor=staff.admin, point=points["P"], fields={"is_active": False})

    board = Client().get(f"/queue/display/{display.token}/board/").content.decode()

    assert 'data-testid="board-point"' not in board and "Please wait for your number" in board


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["wrong", "x" * 65, ""])
def test_a_wrong_token_is_a_404(token):
    DisplayScreen.objects.create(name="Main hall")

    assert Client().get(f"/queue/display/{token}/").status_code == 404
    assert Client().get(f"/queue/display/{token}/board/").status_code == 404


@pytest.mark.django_db
def test_a_switched_off_display_stops_working(staff):
    display = DisplayScreen.objects.create(name="Main hall")

    services.display_revoke(actor=staff.admin, display=display)

    assert Client().get(f"/queue/display/{display.token}/").status_code == 404


@pytest.mark.django_db(transaction=True)
async def test_a_wrong_token_gets_no_socket():
    await sync_to_async(DisplayScreen.objects.create)(name="Main hall")
    socket = _socket("not-the-token")

    connected, _ = await socket.connect()

    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_the_display_hears_a_call_live_and_nothing_else(points, staff):
    display = await sync_to_async(DisplayScreen.objects.create)(name="Main hall")
    patient = await sync_to_async(PatientFactory)(first_name="Zawadi", last_name=SECRET)
    await sync_to_async(services.ticket_issue)(
        actor=staff.receptionist, service_point=points["T"], patient=patient
    )
    socket = _socket(display.token)
    connected, _ = await socket.connect()
    assert connected

    await sync_to_async(services.ticket_call_next)(actor=staff.nurse, service_point=points["T"])

    signal = await socket.receive_from(timeout=5)
    assert 'data-hms-event="hms:display-changed"' in signal and SECRET not in signal
    # A person's own and role groups never reach a TV.
    from hms import realtime

    await sync_to_async(realtime.send_now)(
        realtime.role_group("nurse"), {"type": "fragment", "html": "for nurses"}
    )
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_display_switched_off_is_closed_at_its_next_heartbeat(staff):
    display = await sync_to_async(DisplayScreen.objects.create)(name="Main hall")
    socket = _socket(display.token)
    connected, _ = await socket.connect()
    assert connected

    await sync_to_async(services.display_revoke)(actor=staff.admin, display=display)
    await socket.send_to(text_data='{"ping": 1}')

    closed = await socket.receive_output(timeout=5)
    assert closed["type"] == "websocket.close" and closed["code"] == 4401
    await socket.disconnect()
