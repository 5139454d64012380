"""The 200-user load test (issue 21): the roles' real work through the production stack
(deploy/local-stack.sh: nginx TLS, gunicorn, uvicorn /ws/, Huey, Redis, S3) on the large generated
hospital, 200 websockets listening, and the bare Django view in the same run.

    STACK_DIR=var/stack-load STACK_PORT=8520 .venv/bin/python tests/bench/load_test.py \\
        --database hms_load_large --generate --json var/load/result.json
    ... --users 20 --duration 1m --ws-clients 20      # a short run while changing things
    ... --users 200 --duration 5m                     # the issue's run

Steps: (1) with --generate and no such database yet, fill it with tests/bench/large_hospital.py's
hospital (the full size takes ~12 minutes; --patients etc. make a smaller one); (2) bring the stack
up on it with STACK_BENCH=1 (the bench settings add /bench/bare); (3) make the sessions and the
work of the simulated users (load/prepare.py, in the stack's settings); (4) open the websockets
(load/ws_clients.py, a process of its own); (5) run locust headless (load/locustfile.py);
(6) write the JSON result and print the table: per screen p50/p95/p99, requests, failures,
requests/s, and p50/p95 as multiples of the bare view's; chat delivery latency over the websockets.

The stack is left up for a look at its logs (STACK_DIR/log) unless --down; the database is kept
for the next run unless --drop. `deploy/local-stack.sh down` and a DROP DATABASE end it.
"""

import argparse
import csv
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
STACK = ROOT / "deploy" / "local-stack.sh"
BIN = Path(sys.executable).parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="hms_load_large", help="PostgreSQL database name")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--generate", action="store_true", help="generate it when missing")
    parser.add_argument("--patients", type=int, default=50_000)
    parser.add_argument("--beds", type=int, default=200)
    parser.add_argument("--staff", type=int, default=300)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--duration", default="5m", help="locust's --run-time")
    parser.add_argument("--ws-clients", type=int, default=200)
    parser.add_argument(
        "--think", default="10,30", help="seconds between one person's actions (min,max)"
    )
    parser.add_argument("--web-workers", type=int, default=0, help="STACK_WEB_WORKERS")
    parser.add_argument("--json", default="", help="write the result here")
    parser.add_argument("--down", action="store_true", help="stop the stack afterwards")
    parser.add_argument("--drop", action="store_true", help="drop the database afterwards")
    return parser.parse_args()


def stack_env(args) -> dict:
    env = dict(os.environ)
    env["STACK_BENCH"] = "1"
    env["STACK_DATABASE_URL"] = f"{args.server}/{args.database}"
    if args.web_workers:
        env["STACK_WEB_WORKERS"] = str(args.web_workers)
    return env


def stack(env: dict, *arguments: str, capture: bool = False) -> str:
    done = subprocess.run(
        [str(STACK), *arguments], env=env, check=True, text=True, capture_output=capture
    )
    return done.stdout if capture else ""


def psql(args, sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-qtA", f"{args.server}/{database}", "-c", sql],
        check=True,
        text=True,
        capture_output=True,
    ).stdout.strip()


def ensure_hospital(args) -> None:
    exists = psql(args, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'")
    if exists:
        return
    if not args.generate:
        sys.exit(f"No database {args.database}: add --generate to make the large hospital.")
    psql(args, f'CREATE DATABASE "{args.database}"')
    print(f"generating the large hospital into {args.database} ...", flush=True)
    code = (
        "import sys; sys.path.insert(0, 'tests/bench'); import benchdb; "
        "benchdb.work_dir('hms-load-gen-'); import django; django.setup(); "
        "from django.core.management import call_command; from django.db import connection; "
        "call_command('migrate', verbosity=0); from large_hospital import generate; "
        f"print(generate(patients={args.patients}, beds={args.beds}, staff={args.staff}, "
        f"days={args.days})); connection.cursor().execute('ANALYZE')"
    )
    env = dict(os.environ, DATABASE_URL=f"{args.server}/{args.database}")
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    except BaseException:
        psql(args, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        raise
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def check_env_file(env: dict) -> None:
    """The stack writes its settings once: a folder made for another database would keep it."""
    path = Path(stack(env, "env", capture=True).strip())
    if path.exists():
        wanted = f"DATABASE_URL={env['STACK_DATABASE_URL']}"
        if wanted not in path.read_text().splitlines():
            sys.exit(f"{path} names another database: use another STACK_DIR or remove the file.")


class Sampler(threading.Thread):
    """The machine's load average and the CPU seconds of each kind of process, over the run."""

    GROUPS = {
        "gunicorn (pages)": "gunicorn",
        "uvicorn (/ws/)": "uvicorn",
        "huey worker": "run_huey",
        "postgres": "postgres",
        "nginx": "nginx",
        "redis": "redis-server",
        "locust": "locust",
        "websocket clients": "ws_clients.py",
    }

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.loads: list[float] = []
        self.stop = threading.Event()
        self.before = self.cpu()
        self.busy_before = self.busy()

    def cpu(self) -> dict[int, tuple[str, float]]:
        """CPU seconds so far of every process: pid -> (its group, seconds)."""
        import psutil

        seen = {}
        for process in psutil.process_iter(["cmdline", "cpu_times", "name"]):
            times = process.info["cpu_times"]
            if times is None:
                continue
            group = self.group(process)
            seen[process.pid] = (group, times.user + times.system)
        return seen

    def group(self, process) -> str:
        """The kind of process, from its command line or its parent's (uvicorn's workers are
        multiprocessing children)."""
        import psutil

        for candidate in (process, process.parent()):
            try:
                line = " ".join(candidate.cmdline()) if candidate else ""
            except psutil.Error:
                continue
            for group, needle in self.GROUPS.items():
                if needle in line:
                    return group
        return "other"

    @staticmethod
    def busy() -> tuple[float, float]:
        """The machine's busy and total CPU ticks so far (/proc/stat)."""
        with open("/proc/stat") as handle:
            ticks = [float(t) for t in handle.readline().split()[1:]]
        idle = ticks[3] + ticks[4]  # idle + iowait
        return sum(ticks) - idle, sum(ticks)

    def watch(self, process: subprocess.Popen) -> float:
        """Wait for the process; its CPU seconds (read just before it ends)."""
        import psutil

        seconds = 0.0
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                times = watched.cpu_times()
                seconds = times.user + times.system
            except psutil.Error:
                break
            time.sleep(1)
        process.wait()
        return seconds

    def run(self) -> None:
        while not self.stop.wait(5):
            self.loads.append(os.getloadavg()[0])

    def finish(self, seconds: float) -> dict:
        """Load average over the run, and cores used per kind of process (processes that ended
        during the run are missing: short-lived ones, such as a PostgreSQL backend, count less)."""
        self.stop.set()
        used: dict[str, float] = {}
        for pid, (group, total) in self.cpu().items():
            before = self.before.get(pid)
            spent = total - (before[1] if before and before[0] == group else 0.0)
            used[group] = used.get(group, 0.0) + spent
        busy, total = self.busy()
        return {
            # All cores, every process (ours, other people's, those that came and went).
            "machine_busy_percent": round(
                100 * (busy - self.busy_before[0]) / (total - self.busy_before[1]), 1
            ),
            "load_average_1min": {
                "median": round(statistics.median(self.loads), 1) if self.loads else None,
                "max": round(max(self.loads), 1) if self.loads else None,
            },
            "cores_used": {
                group: round(spent / seconds, 2) for group, spent in sorted(used.items())
            },
        }


METRIC = re.compile(
    r'^django_http_requests_latency_seconds_by_view_method_(sum|count)\{method="(\w+)",view="([^"]+)"\} (\S+)$'
)


def server_times(host: str) -> dict[tuple[str, str], list[float]]:
    """Django's own time per view so far (django-prometheus, summed over the workers): what the
    server spent, without the queue in front of it. /metrics answers this machine only."""
    import requests
    import urllib3

    urllib3.disable_warnings()
    text = requests.get(f"{host}/metrics", verify=False, timeout=30).text  # noqa: S501
    figures: dict[tuple[str, str], list[float]] = {}
    for line in text.splitlines():
        found = METRIC.match(line)
        if found:
            kind, method, view, value = found.groups()
            figures.setdefault((method, view), [0.0, 0.0])[kind == "count"] = float(value)
    return figures


def server_delta(before: dict, after: dict) -> list[dict]:
    rows = []
    for key, (total, count) in after.items():
        old_total, old_count = before.get(key, [0.0, 0.0])
        if count > old_count:
            rows.append(
                {
                    "view": f"{key[0]} {key[1]}",
                    "requests": int(count - old_count),
                    "mean_ms": round((total - old_total) / (count - old_count) * 1000, 1),
                    "busy_s": round(total - old_total, 1),
                }
            )
    return sorted(rows, key=lambda row: -row["busy_s"])


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def locust_stats(prefix: Path) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "type": row["Type"],
                    "screen": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(float(row["Requests/s"]), 2),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                    "max": float(row["Max Response Time"]),
                }
            )
    return rows


def websocket_figures(ws: dict, extra: dict, expected: int) -> dict:
    sent = {m["token"]: m for m in extra["chat_sent"]}
    after_answer, after_send, after_store = [], [], []
    for token, _client, arrived in ws["receipts"]:
        message = sent.get(token)
        if message is None:
            continue
        after_answer.append((arrived - message["answered"]) * 1000)
        after_send.append((arrived - message["sent"]) * 1000)
        if message.get("stored"):
            after_store.append((arrived - message["stored"]) * 1000)
    return {
        "clients": ws["clients"],
        "connected": ws["connected"],
        "refused": len(ws["refused"]),
        "closed_early": len(ws["closed_early"]),
        "frames": ws["frames"],
        "chat_messages": len(sent),
        "deliveries_expected": expected,
        "deliveries": len(after_send),
        "lost": expected - len(after_send),
        # From the message's INSERT (its created_at, just before the commit) to receipt: the
        # delivery latency, a few milliseconds long at most (the rest of the transaction).
        "after_store_ms": {q: quantile(after_store, v) for q, v in QS.items()},
        # Bounds: from the sender's answer (after the commit) and from the send (before it).
        "after_answer_ms": {q: quantile(after_answer, v) for q, v in QS.items()},
        "after_send_ms": {q: quantile(after_send, v) for q, v in QS.items()},
    }


QS = {"p50": 0.50, "p95": 0.95, "p99": 0.99, "max": 1.0}


def thread_members(prepared: dict, connected: set[int]) -> dict[int, int]:
    """Per chat thread: how many of its members' sockets are connected."""
    members: dict[int, int] = {}
    for n, entry in enumerate(prepared["sockets"]):
        if n in connected and entry["thread"]:
            members[entry["thread"]] = members.get(entry["thread"], 0) + 1
    return members


def print_table(result: dict) -> None:
    bare = next((r for r in result["screens"] if r["screen"] == "bare Django view"), None)
    print()
    print(
        "| screen | requests | failures | req/s | p50 ms | p95 ms | p99 ms | p50 / bare | p95 / bare |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in result["screens"]:
        ratio50 = ratio95 = ""
        if bare and bare["p50"] and row["screen"] != "Aggregated":
            ratio50 = f"{row['p50'] / bare['p50']:.1f}"
            ratio95 = f"{row['p95'] / bare['p95']:.1f}"
        name = f"{row['type']} {row['screen']}".strip()
        print(
            f"| {name} | {row['requests']} | {row['failures']} | {row['rps']} | "
            f"{row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} | {ratio50} | {ratio95} |"
        )
    ws = result["websockets"]
    print()
    print(
        f"websockets: {ws['connected']} of {ws['clients']} connected, {ws['closed_early']} closed "
        f"early, {ws['frames']} frames; chat: {ws['chat_messages']} messages, "
        f"{ws['deliveries']} deliveries"
    )
    print(f"  delivery after the message was stored (ms): {ws['after_store_ms']}")
    print(f"  delivery after the sender's answer (ms): {ws['after_answer_ms']}")
    print(f"  delivery after the send began (ms):      {ws['after_send_ms']}")
    print(f"refused (business answers, not errors): {result['refused']}")
    print(f"done: {result['done']}")
    print(f"machine: {result['machine']}")
    busy = sum(row["busy_s"] for row in result["server_time"])
    print(f"Django's own time per view (mean ms; {busy:.0f} s busy in all):")
    for row in result["server_time"][:25]:
        print(
            f"  {row['view']:<40} {row['requests']:>6} {row['mean_ms']:>8.1f} ms {row['busy_s']:>7.1f} s"
        )


def main() -> None:
    args = parse_args()
    env = stack_env(args)
    ensure_hospital(args)
    check_env_file(env)
    if args.web_workers:
        stack(env, "stop", "web")  # started again by `up` with the workers asked for
    stack(env, "up")
    out_dir = ROOT / "var" / "load"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    prepared_path = out_dir / f"prepared-{stamp}.json"
    stack(
        env,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        f"from load import prepare; prepare.main({str(prepared_path)!r}, users={args.users}, "
        f"sockets={args.ws_clients})",
    )
    prepared = json.loads(prepared_path.read_text())
    port = os.environ.get("STACK_PORT", "8443")
    host = f"https://127.0.0.1:{port}"

    ws_out = out_dir / f"ws-{stamp}.json"
    ws = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "load" / "ws_clients.py"),
            "--prepared",
            str(prepared_path),
            "--url",
            f"wss://127.0.0.1:{port}/ws/",
            "--out",
            str(ws_out),
            "--clients",
            str(args.ws_clients),
        ],
        cwd=ROOT,
    )
    time.sleep(args.ws_clients / 20 + 3)  # the sockets open at 20 a second

    think_min, think_max = args.think.split(",")
    extra_out = out_dir / f"locust-extra-{stamp}.json"
    csv_prefix = out_dir / f"locust-{stamp}"
    locust_env = dict(
        os.environ,
        LOAD_PREPARED=str(prepared_path),
        LOAD_OUT=str(extra_out),
        LOAD_USERS=str(args.users),
        LOAD_THINK_MIN=think_min,
        LOAD_THINK_MAX=think_max,
    )
    command = [
        str(BIN / "locust"),
        "-f",
        str(HERE / "load" / "locustfile.py"),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate),
        "-t",
        args.duration,
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        # Figures from the moment every user is in (the spawn is a ramp no hospital makes).
        "--reset-stats",
    ]
    print("$", shlex.join(command), flush=True)
    server_before = server_times(host)
    sampler = Sampler()
    sampler.start()
    started = time.perf_counter()
    locust = subprocess.Popen(command, env=locust_env, cwd=ROOT)
    locust_cpu = sampler.watch(locust)
    seconds = time.perf_counter() - started
    machine = sampler.finish(seconds)
    machine["cores_used"]["locust"] = round(locust_cpu / seconds, 2)
    server = server_delta(server_before, server_times(host))
    ws.terminate()
    ws.wait(timeout=60)

    extra = json.loads(extra_out.read_text())
    ws_state = json.loads(ws_out.read_text())
    tokens_path, stored_path = out_dir / f"tokens-{stamp}.json", out_dir / f"stored-{stamp}.json"
    tokens_path.write_text(json.dumps([m["token"] for m in extra["chat_sent"]]))
    stack(
        env,
        "manage",
        "shell",
        "--no-imports",
        "-c",
        f"from load import prepare; prepare.message_times({str(tokens_path)!r}, "
        f"{str(stored_path)!r})",
    )
    stored = json.loads(stored_path.read_text())
    for message in extra["chat_sent"]:
        message["stored"] = stored.get(message["token"])
    refused = {int(n.split(":")[0]) for n in ws_state["refused"]}
    members = thread_members(prepared, set(range(ws_state["clients"])) - refused)
    expected = sum(members.get(m["thread"], 0) for m in extra["chat_sent"])
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "users": args.users,
        "duration": args.duration,
        "think_seconds": args.think,
        "web_workers": args.web_workers or 2,
        "database": args.database,
        "screens": locust_stats(csv_prefix),
        "refused": extra["refused"],
        "refusal_reasons": extra["reasons"],
        # The work done that must be: prescription lines added, prescriptions dispensed.
        "done": extra.get("done", {}),
        "websockets": websocket_figures(ws_state, extra, expected),
        "machine": machine,
        "server_time": server,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    print_table(result)
    if args.down:
        stack(env, "down")
    if args.drop:
        psql(args, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


if __name__ == "__main__":
    main()
