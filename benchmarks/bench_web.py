"""Web app speed under load: p95 server time of the assessment page and the patient list with a 10,000-patient
registry, 20 concurrent clients on loopback (target: p95 < 200 ms for both).

The server runs in its own process (uvicorn; measured with 1 and with 2 worker processes, `nelm serve --workers`); the clients are threads here, each
with a keep-alive connection, signed in as one clinician, alternating between the assessment page of a random
patient and a patient-list page (random page, half of them with a search or filter). "Server time" is the
app's own Server-Timing header (request in -> response start, including queueing for a worker thread); the
client-observed latency is printed too. Every request is bounded by the run time and a request cap.

    python benchmarks/bench_web.py            # 30 s
    python benchmarks/bench_web.py --quick    # 5 s
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TARGET_MS = 200.0
MAX_REQUESTS = 200_000  # bound on the whole run, whatever the speed
PASSWORD = secrets.token_urlsafe(15)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_registry(url: str, patients: int) -> list[str]:
    from nelm.services.demo_data import generate_cohort
    from nelm.services.registry import import_records, open_registry
    from nelm.services.web_users import create_user

    registry = open_registry(url)
    try:
        records = generate_cohort(patients, 4242)
        started = time.perf_counter()
        import_records(registry, records, actor="bench")
        print(f"registry: {patients:,} synthetic patients imported in {time.perf_counter() - started:.1f} s")
        create_user(registry, "bench", PASSWORD, "clinician", actor="bench")
    finally:
        registry.dispose()
    return [r["patient_id"] for r in records]


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ, NELM_DATABASE_URL=url, NELM_SECRET_KEY=secrets.token_urlsafe(48))
    command = [sys.executable, "-m", "uvicorn", "--factory", "nelm.web.app:create_app_from_env", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)]
    process = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start within 60 s")


def sign_in(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    html = response.read().decode()
    cookie = response.getheader("set-cookie").split(";")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    body = urlencode({"username": "bench", "password": PASSWORD, "csrf_token": token})
    conn.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"sign-in failed: {response.status}")
    return response.getheader("set-cookie").split(";")[0]


def list_path(rng: random.Random, pages: int) -> str:
    query = f"page={rng.randint(1, pages)}"
    choice = rng.random()
    if choice < 0.2:
        query = f"q=SYN4242-00{rng.randint(10, 99)}"
    elif choice < 0.35:
        query = f"modality={rng.choice(['curative_resection', 'intra_arterial_therapy', 'liver_transplantation'])}&page={rng.randint(1, 20)}"
    elif choice < 0.5:
        query = f"vital={rng.choice(['alive', 'dead'])}&page={rng.randint(1, 50)}"
    return f"/patients?{query}"


def client(port: int, cookie: str, ids: list[str], deadline: float, seed: int, results: dict, lock: threading.Lock, budget: list[int]) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie}
    pages = len(ids) // 25  # the list shows 25 patients per page
    turn = seed % 2
    while time.monotonic() < deadline:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        kind = "assessment page" if turn == 0 else "patient list"
        turn = 1 - turn
        path = f"/patients/{rng.choice(ids)}/assessment" if kind == "assessment page" else list_path(rng, pages)
        started = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            with lock:
                results.setdefault("errors", []).append((path, response.status))
            continue
        server_ms = float(response.getheader("server-timing").split("dur=")[1])
        with lock:
            results.setdefault(kind, []).append((server_ms, elapsed))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that have ended (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [int(x) for x in children.read_text().split()] if children.exists() else []
    return [pid] + [p for child in found for p in worker_pids(child)]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s instead of 30 s")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2", help="server processes to measure, comma-separated (default: 1 and 2)")
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 30.0)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        ids = build_registry(url, args.patients)
        verdicts = [run(url, ids, workers, seconds, args.clients) for workers in (int(w) for w in args.workers.split(","))]
    print("; ".join(verdicts))


def run(url: str, ids: list[str], workers: int, seconds: float, clients: int) -> str:
    port = free_port()
    server = start_server(url, port, workers)
    try:
        cookie = sign_in(port)
        for warm in (f"/patients/{ids[0]}/assessment", "/patients"):  # templates compiled, evidence loaded
            for _ in range(workers * 2):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", warm, headers={"Cookie": cookie})
                conn.getresponse().read()
        results: dict[str, list] = {}
        lock, budget = threading.Lock(), [MAX_REQUESTS]
        pids = worker_pids(server.pid)
        server_cpu = sum(cpu_seconds(p) for p in pids)
        own_cpu = time.process_time()
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=client, args=(port, cookie, ids, deadline, i, results, lock, budget)) for i in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        server_cpu = sum(cpu_seconds(p) for p in pids) - server_cpu
        own_cpu = time.process_time() - own_cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    errors = results.pop("errors", [])
    total = sum(len(v) for v in results.values())
    print(f"\nload: {clients} concurrent clients for {wall:.1f} s on 127.0.0.1, {workers} server worker(s), "
          f"{total:,} requests ({total / wall:,.0f}/s), {os.cpu_count()} CPUs shared with the load generator")
    print(f"CPU: server {server_cpu:.1f} s ({1000 * server_cpu / max(total, 1):.1f} ms per request), load generator {own_cpu:.1f} s; "
          f"machine load average {os.getloadavg()[0]:.1f}")
    print(f"{'page':<18}{'requests':>9}{'server p50':>12}{'server p95':>12}{'client p95':>12}{'p95 / target':>14}")
    failed = bool(errors)
    for kind in ("assessment page", "patient list"):
        rows = results.get(kind, [])
        if len(rows) < 2:
            print(f"{kind:<18}{len(rows):>9}  too few requests to measure")
            failed = True
            continue
        server_times, client_times = [r[0] for r in rows], [r[1] for r in rows]
        ratio = p95(server_times) / TARGET_MS
        failed |= ratio >= 1
        print(f"{kind:<18}{len(rows):>9,}{statistics.median(server_times):>10.1f} ms{p95(server_times):>9.1f} ms"
              f"{p95(client_times):>9.1f} ms{ratio:>13.2f}x")
    if errors:
        print(f"ERRORS: {len(errors)} requests failed, e.g. {errors[:3]}")
    return f"{workers} worker(s): p95 < {TARGET_MS:.0f} ms {'NOT MET' if failed else 'met'}"


if __name__ == "__main__":
    main()
