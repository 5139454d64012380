"""The websockets of the load test: one per prepared client, signed in with its own session,
joined to its role's topics and its chat thread as a page asks (`/ws/?topics=...`), sending the
page's heartbeat every 25 s; records when each chat message of the load test arrives.

A process of its own (run by tests/bench/load_test.py), so the sockets' event loop never waits
on locust's. On SIGTERM or after --seconds it closes every socket and writes a JSON file:
connected, refused, closed early, frames received, and (token, socket, arrival) per chat message.

    .venv/bin/python tests/bench/load/ws_clients.py --prepared var/load/prepared.json \\
        --url wss://127.0.0.1:8443/ws/ --out var/load/ws.json --seconds 330
"""

import argparse
import asyncio
import gc
import json
import re
import signal
import ssl
import time

import websockets

TOKEN = re.compile(r"load-([0-9a-f]{12})")


async def client(n: int, entry: dict, url: str, origin: str, state: dict, stop) -> None:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    topics = ",".join(entry["topics"])
    try:
        ws = await websockets.connect(
            f"{url}?topics={topics}",
            ssl=context,
            additional_headers={"Cookie": f"sessionid={entry['session']}", "Origin": origin},
            max_size=2**22,
            open_timeout=60,
        )
    except Exception as error:  # refused or timed out: counted, the others carry on
        state["refused"].append(f"{n}: {error!r}")
        return
    state["connected"] += 1

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(25)
            await ws.send(json.dumps({"ping": 1}))

    beat = asyncio.create_task(heartbeat())
    try:
        while not stop.is_set():
            try:
                frame = await asyncio.wait_for(ws.recv(), timeout=1.0)
            except TimeoutError:
                continue
            arrived = time.time()
            state["frames"] += 1
            if isinstance(frame, str):
                for token in set(TOKEN.findall(frame)):
                    state["receipts"].append([token, n, arrived])
    except websockets.ConnectionClosed as closed:
        if not stop.is_set():
            state["closed_early"].append(f"{n}: {closed.rcvd.code if closed.rcvd else None}")
    finally:
        beat.cancel()
        await ws.close()


async def run(args) -> dict:
    with open(args.prepared) as handle:
        prepared = json.load(handle)
    entries = prepared["sockets"][: args.clients]
    origin = "https://" + args.url.split("//", 1)[1].split("/", 1)[0]
    state = {"connected": 0, "refused": [], "closed_early": [], "frames": 0, "receipts": []}
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    tasks = []
    for n, entry in enumerate(entries):
        tasks.append(asyncio.create_task(client(n, entry, args.url, origin, state, stop)))
        await asyncio.sleep(1 / args.rate)
    # The clients are the measuring instrument: keep their own GC pauses out of the figures.
    gc.collect()
    gc.freeze()
    print(f"ws: {state['connected']} of {len(entries)} connected", flush=True)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.seconds)
    except TimeoutError:
        stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    state["clients"] = len(entries)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepared", required=True)
    parser.add_argument("--url", required=True, help="wss://host:port/ws/")
    parser.add_argument("--out", required=True)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="connections opened a second")
    parser.add_argument("--seconds", type=float, default=3600.0)
    args = parser.parse_args()
    state = asyncio.run(run(args))
    with open(args.out, "w") as handle:
        json.dump(state, handle)


if __name__ == "__main__":
    main()
