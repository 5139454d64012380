"""The websocket at /ws/: who may connect, which topics they may join, what they receive.

Runs against the real channel layer of the mode: in-memory by default, Redis when REDIS_URL is set.
"""

import time
from importlib import import_module

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import Client

from accounts import services as account_services
from hms import audit, rbac, realtime
from hms.asgi import application
from hms.middleware import LAST_ACTIVITY_KEY
from messaging import presence
from messaging.consumers import CLOSE_SIGNED_OUT
from messaging.services import notify
from tests.conftest import sign_in
from tests.sockets import Socket

pytestmark = pytest.mark.django_db(transaction=True)


def socket_for(
    client: Client | None,
    path: str = "/ws/",
    origin: bytes = b"http://localhost",
    host: bytes = b"localhost",
    extra_headers: list[tuple[bytes, bytes]] = (),
):
    """A socket as a browser opens it: the page's Origin and the Host it connects to."""
    headers = [(b"origin", origin), (b"host", host), *extra_headers]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return Socket(application, path, headers=headers)


@pytest.fixture
def signed_in(make_user):
    """signed_in(role) -> (user, client): a user with a live session (second factor passed)."""

    def make(role: str = rbac.NURSE, **fields):
        user = make_user(role, **fields)
        client = sign_in(Client(), user)
        client.get("/dashboard/")  # a real request stamps the session's activity
        return user, client

    return make


async def test_an_anonymous_socket_is_refused():
    socket = socket_for(None)

    connected, _ = await socket.connect()

    assert not connected


async def test_a_socket_from_another_origin_is_refused(signed_in):
    _user, client = await sync_to_async(signed_in)()
    socket = socket_for(client, origin=b"http://evil.example")

    connected, _ = await socket.connect()

    assert not connected


@pytest.mark.parametrize(
    ("origin", "host", "extra", "accepted"),
    [
        (b"http://localhost:9999", b"localhost", [], False),  # same host, another port
        (b"https://localhost", b"localhost", [], False),  # same host, another scheme
        (b"http://localhost:8000", b"localhost:8000", [], True),
        (b"http://localhost", b"localhost:8000", [], False),
        (b"null", b"localhost", [], False),  # a sandboxed frame or a file
        (b"http://evil.example", b"evil.example", [], False),  # a host not in ALLOWED_HOSTS
        (b"https://localhost", b"localhost", [(b"x-forwarded-proto", b"https")], "proxy"),
    ],
)
async def test_a_socket_opens_only_from_this_very_origin(
    signed_in, settings, origin, host, extra, accepted
):
    if accepted == "proxy":  # behind the TLS proxy (production), the proxy's header says https
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    _user, client = await sync_to_async(signed_in)()
    socket = socket_for(client, origin=origin, host=host, extra_headers=extra)

    connected, _ = await socket.connect()

    assert connected == bool(accepted)
    if connected:
        await socket.disconnect()


async def test_a_signed_in_nurse_connects_and_receives_what_is_published_to_her(signed_in):
    user, client = await sync_to_async(signed_in)()
    socket = socket_for(client)
    connected, _ = await socket.connect()

    await sync_to_async(realtime.publish_html)(
        realtime.user_group(user.pk), '<div id="x" hx-swap-oob="true">for you</div>'
    )

    assert connected
    assert await socket.receive_from() == '<div id="x" hx-swap-oob="true">for you</div>'
    await socket.disconnect()


async def test_role_groups_reach_every_socket_of_that_role(signed_in):
    _a, nurse_a = await sync_to_async(signed_in)(rbac.NURSE)
    _b, nurse_b = await sync_to_async(signed_in)(rbac.NURSE)
    _c, doctor = await sync_to_async(signed_in)(rbac.DOCTOR)
    sockets = [socket_for(c) for c in (nurse_a, nurse_b, doctor)]
    for socket in sockets:
        await socket.connect()

    await sync_to_async(realtime.publish_html)(
        realtime.role_group(rbac.NURSE), '<p id="n" hx-swap-oob="true">nurses</p>'
    )

    assert "nurses" in await sockets[0].receive_from()
    assert "nurses" in await sockets[1].receive_from()
    assert await sockets[2].receive_nothing(timeout=0.3)
    for socket in sockets:
        await socket.disconnect()


async def test_a_deactivated_users_session_is_refused(signed_in):
    user, client = await sync_to_async(signed_in)()
    user.is_active = False
    await sync_to_async(user.save)()

    connected, _ = await socket_for(client).connect()

    assert not connected


async def test_an_admin_who_has_not_passed_the_second_factor_is_refused(make_user):
    def half_signed_in():
        admin = make_user(rbac.ADMIN)
        client = Client()
        client.force_login(admin)  # password only: no device verified in this session
        return client

    client = await sync_to_async(half_signed_in)()

    connected, _ = await socket_for(client).connect()

    assert not connected


async def test_an_idle_session_is_refused(signed_in, settings):
    _user, client = await sync_to_async(signed_in)()

    def age():
        session = client.session
        session[LAST_ACTIVITY_KEY] = int(time.time()) - settings.IDLE_TIMEOUT_SECONDS - 60
        session.save()

    await sync_to_async(age)()

    connected, _ = await socket_for(client).connect()

    assert not connected


async def test_the_audit_topic_admits_the_admin_and_not_a_nurse(signed_in):
    admin, admin_client = await sync_to_async(signed_in)(rbac.ADMIN)
    _nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    admin_socket = socket_for(admin_client, "/ws/?topics=audit")
    nurse_socket = socket_for(nurse_client, "/ws/?topics=audit,no-such-topic,bad name!")
    assert (await admin_socket.connect())[0] and (await nurse_socket.connect())[0]

    await sync_to_async(audit.record)(actor=admin, action="test.watched", after={"n": 1})

    assert "test.watched" in await admin_socket.receive_from()
    assert await nurse_socket.receive_nothing(timeout=0.3)
    await admin_socket.disconnect()
    await nurse_socket.disconnect()


async def test_nothing_is_sent_for_a_rolled_back_change(signed_in):
    user, client = await sync_to_async(signed_in)()
    socket = socket_for(client)
    await socket.connect()

    def change_that_fails():
        with pytest.raises(RuntimeError), transaction.atomic():
            realtime.publish_html(
                realtime.user_group(user.pk), '<p id="r" hx-swap-oob="true">no</p>'
            )
            raise RuntimeError("rolled back")

    await sync_to_async(change_that_fails)()

    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_a_publish_waits_for_the_commit(signed_in):
    user, client = await sync_to_async(signed_in)()
    socket = socket_for(client)
    await socket.connect()
    quiet_before_commit = []

    def change():
        with transaction.atomic():
            realtime.publish_html(
                realtime.user_group(user.pk), '<p id="c" hx-swap-oob="true">done</p>'
            )
            quiet_before_commit.append(async_to_sync(socket.receive_nothing)(0.3))

    await sync_to_async(change)()

    assert quiet_before_commit == [True]
    assert "done" in await socket.receive_from()
    await socket.disconnect()


async def test_signing_out_closes_that_sessions_socket_only(signed_in):
    user, first = await sync_to_async(signed_in)()

    def second_session():
        client = Client()
        client.force_login(user)
        client.get("/dashboard/")
        return client

    second = await sync_to_async(second_session)()
    first_socket, second_socket = socket_for(first), socket_for(second)
    await first_socket.connect()
    await second_socket.connect()

    await sync_to_async(first.post)("/accounts/logout/")

    closed = await first_socket.receive_output()
    assert closed == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}
    assert await second_socket.receive_nothing(timeout=0.3)
    await second_socket.disconnect()


def test_a_signed_out_tabs_socket_closes_only_once_its_session_is_gone(signed_in, monkeypatch):
    """A tab reloads itself when its socket closes (static/js/hms.js). Closed before logout()
    had flushed the session, the reload found the person still signed in: they had pressed
    "Sign out" and saw their dashboard again."""
    _user, client = signed_in()
    key = client.cookies["sessionid"].value
    store = import_module(settings.SESSION_ENGINE).SessionStore
    at_close = []
    send_now = realtime.send_now

    def closing(group, message):
        if message.get("type") == "session.end":
            reload = Client()
            reload.cookies["sessionid"] = key
            at_close.append((store().exists(key), reload.get("/dashboard/").status_code))
        return send_now(group, message)

    monkeypatch.setattr(realtime, "send_now", closing)

    client.post("/accounts/logout/")

    assert at_close == [(False, 302)]


async def test_deactivating_a_user_closes_all_their_sockets(signed_in):
    admin, _ = await sync_to_async(signed_in)(rbac.ADMIN)
    nurse, nurse_client = await sync_to_async(signed_in)(rbac.NURSE)
    socket = socket_for(nurse_client)
    await socket.connect()

    await sync_to_async(account_services.user_set_active)(actor=admin, user=nurse, active=False)

    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}


async def test_a_heartbeat_on_a_flushed_session_closes_the_socket(signed_in):
    _user, client = await sync_to_async(signed_in)()
    socket = socket_for(client)
    await socket.connect()
    key = client.cookies["sessionid"].value

    def flush():
        # Ended as the server ends it: through the session store (cached copy too, cached_db).
        from importlib import import_module

        from django.conf import settings

        import_module(settings.SESSION_ENGINE).SessionStore(key).delete()

    await sync_to_async(flush)()
    await socket.send_to(text_data='{"ping": 1}')

    assert await socket.receive_output() == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}


async def test_presence_counts_tabs_and_forgets_closed_and_stale_sockets(signed_in):
    user, client = await sync_to_async(signed_in)()
    tabs = [socket_for(client), socket_for(client)]
    for tab in tabs:
        await tab.connect()

    assert await sync_to_async(presence.open_sockets)(user.pk) == 2
    await tabs[0].disconnect()
    assert await sync_to_async(presence.open_sockets)(user.pk) == 1
    await tabs[1].disconnect()
    assert not await sync_to_async(presence.is_online)(user.pk)


async def test_a_socket_that_stops_its_heartbeat_goes_offline(signed_in):
    user, client = await sync_to_async(signed_in)()
    socket = socket_for(client)
    await socket.connect()

    def crash_silently():
        # What the cache holds after a tablet vanished without closing: an entry past its expiry.
        from django.core.cache import cache

        entries = cache.get(f"presence.{user.pk}")
        cache.set(f"presence.{user.pk}", {name: time.time() - 1 for name in entries}, 300)

    await sync_to_async(crash_silently)()

    assert not await sync_to_async(presence.is_online)(user.pk)
    await socket.send_to(text_data='{"ping": 1}')  # the heartbeat brings it back
    await socket.receive_nothing(timeout=0.2)
    assert await sync_to_async(presence.is_online)(user.pk)
    await socket.disconnect()


async def test_notify_updates_the_bell_and_shows_an_escaped_toast(signed_in):
    user, client = await sync_to_async(signed_in)(rbac.DOCTOR)
    socket = socket_for(client)
    await socket.connect()

    await sync_to_async(notify)(
        user, "New appointment <script>alert(1)</script>", link="/dashboard/"
    )

    fragment = await socket.receive_from()
    assert 'id="notification-bell"' in fragment and 'hx-swap-oob="true"' in fragment
    assert 'data-testid="bell-count">1<' in fragment
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment and "<script>" not in fragment
    assert 'hx-swap-oob="beforeend:#toasts"' in fragment
    await socket.disconnect()


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, which the test may stop (as a hospital's Redis stops)."""
    import socket as sockets
    import subprocess

    with sockets.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        with sockets.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    yield port, server
    server.kill()
    server.wait()


async def test_when_redis_stops_an_open_socket_is_told_to_try_again_later(
    signed_in, settings, own_redis
):
    """Redis stopped under an open page: at its next heartbeat the socket is closed with 1013
    ("try again later"), which the page's websocket extension answers by showing "Offline" and
    reconnecting with back-off, instead of a socket that looks live and hears nothing."""
    from channels.layers import channel_layers

    from messaging.consumers import CLOSE_LAYER_DOWN

    port, server = own_redis
    _user, client = await sync_to_async(signed_in)()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }
    channel_layers.backends.clear()
    try:
        socket = socket_for(client)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_to(text_data='{"ping": 1}')
        assert await socket.receive_nothing(timeout=0.5)  # Redis up: the socket stays

        server.kill()
        await sync_to_async(server.wait)()
        await socket.send_to(text_data='{"ping": 1}')
        closed = await socket.receive_output(timeout=5)
    finally:
        channel_layers.backends.clear()

    assert closed == {"type": "websocket.close", "code": CLOSE_LAYER_DOWN}
    assert CLOSE_LAYER_DOWN == 1013
