"""The LAN box installer and its upgrade (deploy/install-lan.sh, deploy/upgrade.sh), run for real
as root: a throw-away prefix, settings folder, system user and PostgreSQL database, the services
started directly (no systemd in a container) and nginx over TLS in front of them.

The code installed is a throw-away git clone of this checkout (its working tree committed
there), so the tests can commit a newer release to it, and one whose health check fails. The
folder is made under /tmp rather than in pytest's tmp_path: that one is private to root (0700),
and the services run as the system user, who must read the code.

One box for the module, in order: install, install again, upgrade, failed upgrade.
"""

import grp
import hashlib
import os
import pwd
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("lan")]

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("hms-web", "hms-ws", "hms-worker")
ADMIN_PASSWORD = "Lan-install-first-admin-2026"
GIT = ["git", "-c", "user.name=HMS tests", "-c", "user.email=tests@hms.invalid"]


def _free_ports(count: int) -> int:
    """The first of `count` free consecutive ports from 8460 on (local-stack's are 8443-8448),
    tried in a random order: two runs on one machine (two people, two checkouts) probe at the
    same time and would both find the first block free until one of them binds it a minute later."""
    blocks = list(range(8460, 9000, 10))
    random.shuffle(blocks)
    for base in blocks:
        try:
            for port in range(base, base + count):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {count} free ports in a row between 8460 and 9000")


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-q", "postgres://postgres@127.0.0.1:5432/postgres", "-c", sql],
        check=True,
        capture_output=True,
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class Box:
    """One LAN install: where everything is, and how to run the scripts against it."""

    def __init__(self, folder: Path, worker: str) -> None:
        self.folder = folder
        self.source = folder / "src"
        self.prefix = folder / "opt"
        self.config = folder / "etc"
        self.var = folder / "var"
        self.backups = folder / "backups"
        self.units = folder / "units"
        self.nginx = folder / "nginx"
        suffix = re.sub(r"[^a-z0-9]", "", worker.lower())[:8] or "main"
        self.user = f"hmslan{suffix}"
        self.database = f"hms_lan_test_{suffix}"
        self.port = _free_ports(4)
        self.server_name = "hms.lan.test"
        # The test run's own Redis server, its database 7 (the suite uses another).
        redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
        self.redis_url = f"{redis}/7"
        self.url = f"https://localhost:{self.port}"
        # The self-signed certificate the installer made: requests checks the site against it.
        self.certificate = self.config / "tls" / "hms.crt"
        self.first_output = ""

    def install_args(self) -> list[str]:
        return [
            "--no-apt",
            "--start-directly",
            f"--source={self.source}",
            f"--prefix={self.prefix}",
            f"--config-dir={self.config}",
            f"--var-dir={self.var}",
            f"--static-dir={self.folder / 'www' / 'static'}",
            f"--backup-dir={self.backups}",
            f"--unit-dir={self.units}",
            f"--nginx-dir={self.nginx}",
            f"--user={self.user}",
            f"--server-name={self.server_name}",
            "--listen=127.0.0.1",
            f"--https-port={self.port}",
            f"--http-port={self.port + 1}",
            f"--web-port={self.port + 2}",
            f"--ws-port={self.port + 3}",
            f"--database-url=postgres://postgres@127.0.0.1:5432/{self.database}",
            f"--redis-url={self.redis_url}",
            "--admin-username=chief",
            "--admin-email=chief@hospital.invalid",
            # The shared virtualenv's packages, so pip finds the pinned dependencies there.
            f"--venv-from={sys.prefix}",
        ]

    def run(self, script: Path, *arguments: str) -> subprocess.CompletedProcess:
        # What the installer should never see leak into the box: this run's settings.
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO", "DATABASE", "REDIS", "HMS_"))
        }
        environment["HMS_ADMIN_PASSWORD"] = ADMIN_PASSWORD
        return subprocess.run(
            [str(script), *arguments],
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    def install(self) -> subprocess.CompletedProcess:
        return self.run(self.source / "deploy" / "install-lan.sh", *self.install_args())

    def upgrade(self, *arguments: str) -> subprocess.CompletedProcess:
        # As `make upgrade` runs it: the installed checkout's own script.
        return self.run(
            self.prefix / "deploy" / "upgrade.sh", f"--config-dir={self.config}", *arguments
        )

    def pids(self) -> dict[str, int]:
        return {
            name: int((self.var / "run" / f"{name}.pid").read_text())
            for name in (*SERVICES, "nginx")
        }

    def installed_commit(self) -> str:
        return self.git(self.prefix, "rev-parse", "HEAD")

    def git(self, where: Path, *arguments: str) -> str:
        done = subprocess.run(
            [*GIT, "-c", "safe.directory=*", "-C", str(where), *arguments],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def commit_release(self, path: str, old: str, new: str, message: str) -> str:
        """Commit a change of `path` to the source repository; its commit."""
        file = self.source / path
        text = file.read_text()
        assert old in text, f"{path} no longer has {old!r}: update the test"
        file.write_text(text.replace(old, new, 1))
        self.git(self.source, "commit", "-q", "-am", message)
        return self.git(self.source, "rev-parse", "HEAD")

    def manage(self, *arguments: str) -> str:
        """manage.py as the service user with the box's settings, as deploy/manage.sh runs it."""
        done = subprocess.run(
            ["setpriv", f"--reuid={self.user}", f"--regid={self.user}", "--init-groups", "--"]
            + [
                str(self.prefix / "deploy" / "manage.sh"),
                "--env-file",
                str(self.config / "hms.env"),
            ]
            + list(arguments),
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.var)},
            cwd=self.var,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def health(self) -> requests.Response:
        return requests.get(f"{self.url}/healthz", verify=self.certificate, timeout=10)


def _snapshot(*folders: Path) -> dict[str, tuple[str, int]]:
    """Every file's checksum and modification time (logs and nginx's scratch files aside)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "tmp" not in path.relative_to(folder).parts:
                found[str(path)] = (
                    hashlib.sha256(path.read_bytes()).hexdigest(),
                    path.stat().st_mtime_ns,
                )
    return found


def _clone_this_checkout(source: Path) -> None:
    """A git clone of this checkout, with its working tree (uncommitted edits, new files)
    committed on top: what the tests install is what is in front of the developer."""
    subprocess.run(
        [*GIT, "-c", "safe.directory=*", "clone", "-q", "--no-hardlinks", str(ROOT), str(source)],
        check=True,
        capture_output=True,
    )
    listed = subprocess.run(
        ["git", "-c", "safe.directory=*", "-C", str(ROOT), "ls-files", "-z", "--cached"]
        + ["--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        origin = ROOT / os.fsdecode(name)
        if origin.is_file():
            target = source / os.fsdecode(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    subprocess.run([*GIT, "-C", str(source), "add", "-A"], check=True, capture_output=True)
    subprocess.run(
        [*GIT, "-C", str(source), "commit", "-q", "--allow-empty", "-m", "the working tree"],
        check=True,
        capture_output=True,
    )


def _stop_everything(box: Box) -> None:
    """Stop every process the installer started (its pid files), as the scripts do: TERM to
    each service's session and to nginx; KILL what is still there after 20 s."""
    run = box.var / "run"
    pids = {}
    for pid_file in sorted(run.glob("*.pid")) if run.exists() else []:
        text = pid_file.read_text().strip()
        if text.isdigit() and _alive(int(text)):
            pids[pid_file.stem] = int(text)
    for name, pid in pids.items():
        if name == "nginx":
            os.kill(pid, signal.SIGTERM)  # fast: a graceful QUIT waits for idle keep-alives
        else:
            subprocess.run(["kill", "-TERM", "--", f"-{pid}"], check=False, capture_output=True)
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids.values():
        if _alive(pid):
            subprocess.run(["kill", "-KILL", "--", f"-{pid}"], check=False, capture_output=True)


def _let_others_through(path: Path) -> list[tuple[Path, int]]:
    """Let every user traverse the folders down to `path` (the test run's virtualenv, which the
    box's services read through --venv-from): a checkout in a private folder (a CI clone under a
    0700 temporary folder) would hide it from the box's system user. Returns (folder, mode) of
    each folder changed, to put back."""
    changed = []
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode & 0o7777
        if not mode & 0o001:
            folder.chmod(mode | 0o001)
            changed.append((folder, mode))
    return changed


@pytest.fixture(scope="module")
def box():
    if os.geteuid() != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("the LAN installer is tested as root (it makes a user, runs services)")
        pytest.skip("the LAN installer needs root (it makes a system user and runs services)")
    for tool in ("nginx", "systemd-analyze", "setpriv", "openssl", "psql", "git"):
        assert shutil.which(tool), f"{tool} is missing: the installer needs it"
    folder = Path(tempfile.mkdtemp(prefix="hms-lan-", dir="/tmp"))
    folder.chmod(0o755)
    box = Box(folder, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    _psql(f'DROP DATABASE IF EXISTS "{box.database}" WITH (FORCE)')
    opened = _let_others_through(Path(sys.prefix))
    try:
        _clone_this_checkout(box.source)
        installed = box.install()
        assert installed.returncode == 0, installed.stdout + installed.stderr
        box.first_output = installed.stdout
        yield box
    finally:
        # Each step whatever the one before did: nothing of the box may outlive the module.
        try:
            _stop_everything(box)
        finally:
            _psql(f'DROP DATABASE IF EXISTS "{box.database}" WITH (FORCE)')
            subprocess.run(["userdel", box.user], check=False, capture_output=True)
            subprocess.run(["groupdel", box.user], check=False, capture_output=True)
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run(
                ["redis-cli", "-u", box.redis_url, "flushdb"], check=False, capture_output=True
            )
            for folder, mode in opened:
                folder.chmod(mode)


def test_the_site_answers_over_tls_through_nginx_with_its_own_certificate(box):
    health = box.health()

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    plain = requests.get(
        f"http://localhost:{box.port + 1}/healthz", allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://localhost:{box.port}/healthz"
    assert "nginx started" in box.first_output


def test_the_services_run_as_the_system_user_from_the_units_it_wrote(box):
    pids = box.pids()
    units = {name: (box.units / f"{name}.service").read_text() for name in SERVICES}

    for name in SERVICES:
        owner = Path(f"/proc/{pids[name]}").stat().st_uid
        assert pwd.getpwuid(owner).pw_name == box.user
        assert f"User={box.user}" in units[name]
        assert f"EnvironmentFile={box.config}/hms.env" in units[name]
    assert f"ExecStart={box.prefix}/.venv/bin/gunicorn" in units["hms-web"]
    assert f"--bind 127.0.0.1:{box.port + 2}" in units["hms-web"]
    assert f"--port {box.port + 3}" in units["hms-ws"]
    assert (box.units / "hms-backup.timer").exists()
    verified = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(unit) for unit in box.units.iterdir())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stderr


def test_the_settings_have_a_secret_key_of_their_own_readable_by_root_and_the_service_group(box):
    settings = box.config / "hms.env"
    text = settings.read_text()

    assert settings.stat().st_mode & 0o777 == 0o640
    assert grp.getgrgid(settings.stat().st_gid).gr_name == box.user
    secret = re.search(r"^DJANGO_SECRET_KEY=(.+)$", text, re.MULTILINE).group(1)
    assert len(secret) >= 50
    assert "REPLACE" not in secret
    assert f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/{box.database}" in text
    assert "DJANGO_ENV=production" in text


def test_the_first_administrator_signs_in_and_is_sent_to_set_up_their_authenticator(box):
    # verify= on each request: a Session's own is overridden by REQUESTS_CA_BUNDLE when set.
    with requests.Session() as session:
        login_page = session.get(f"{box.url}/accounts/login/", verify=box.certificate, timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)

        signed_in = session.post(
            f"{box.url}/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "login": "chief",
                "password": ADMIN_PASSWORD,
            },
            headers={"Referer": f"{box.url}/accounts/login/"},
            verify=box.certificate,
            timeout=10,
        )

    assert signed_in.status_code == 200
    assert urlparse(signed_in.url).path == "/accounts/2fa/setup/"
    assert box.manage("shell", "--no-imports", "-c", _ADMINS) == "chief admin True"


_ADMINS = (
    "from accounts.models import User\n"
    "for u in User.objects.filter(role='admin'): print(u.username, u.role, u.is_superuser)"
)


def test_installing_a_second_time_changes_nothing(box):
    watched = (box.config, box.units, box.nginx)
    before, pids, secret = _snapshot(*watched), box.pids(), (box.config / "hms.env").read_text()

    again = box.install()

    assert again.returncode == 0, again.stdout + again.stderr
    assert "nothing changed" in again.stdout
    assert "changed:" not in again.stdout
    assert _snapshot(*watched) == before
    assert box.pids() == pids
    assert (box.config / "hms.env").read_text() == secret
    assert box.manage("shell", "--no-imports", "-c", _ADMINS) == "chief admin True"


def test_an_upgrade_backs_up_installs_the_new_release_and_restarts(box):
    old, pids = box.installed_commit(), box.pids()
    new = box.commit_release(
        "README.md", "# HMS", "# HMS\n\nRelease notes: see docs.", "docs: a newer release"
    )

    upgraded = box.upgrade(f"--from={box.source}", "--ref=HEAD")

    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert box.installed_commit() == new
    assert f"upgraded to {new[:12]}" in upgraded.stdout
    assert [p.name for p in box.backups.glob(f"hms-*-pre-upgrade-{old[:12]}")]
    after = box.pids()
    assert all(after[name] != pids[name] and _alive(after[name]) for name in SERVICES)
    assert box.health().status_code == 200


def test_an_upgrade_whose_health_check_fails_rolls_the_code_back_and_says_so(box):
    good = box.installed_commit()
    box.commit_release(
        "hms/views.py",
        'healthy = all(value == "ok" for value in checks.values())',
        "healthy = False  # a broken release",
        "hms: a release whose health check fails",
    )

    upgraded = box.upgrade(f"--from={box.source}", "--ref=HEAD", "--health-timeout=4")

    assert upgraded.returncode == 2, upgraded.stdout + upgraded.stderr
    assert "ROLLING THE CODE BACK" in upgraded.stderr
    assert f"ROLLED BACK: the site runs {good[:12]} again" in upgraded.stderr
    assert box.installed_commit() == good
    assert box.health().status_code == 200
