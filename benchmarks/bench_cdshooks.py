"""CDS Hooks patient-view latency under load: p99 with 20 concurrent clients on loopback for 30 s.

Target (issue 8): p99 < 50 ms (EHRs switch off slow hooks). The service runs as an operator runs it,
`nelm cds serve` in its own processes (default one worker per CPU core, each with its own socket); the load is
a bounded asyncio loop in this process: 20 clients, each with a keep-alive connection, each sending its next
request as soon as the last answer arrived (closed loop, no think time), against 127.0.0.1 only. Requests are
the prefetch bodies in tests/data/fhir/cds/. Server and load share this machine's CPUs.

Two request mixes run side by side in one run:
  repeat  the same three charts over and over (a chart re-opened: the service's caches of validated FHIR
          resources and of assessments apply);
  unique  every request is a chart the service has never seen: every resource carries a new version, and
          the patient's birth date and Ki-67 differ from request to request (so the cases differ too: ages
          across 35-84 years, Ki-67 across 1-60 %, i.e. G1, G2 and G3). Nothing can be answered from a cache:
          every resource is read and checked, every case assessed.

    python benchmarks/bench_cdshooks.py            # 30 s per mix
    python benchmarks/bench_cdshooks.py --quick    # 5 s per mix
    python benchmarks/bench_cdshooks.py --client httpx   # the same load through httpx.AsyncClient
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import functools
import itertools
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from nelm.cli.workers import DEFAULT_WORKERS

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = ROOT / "tests" / "data" / "fhir" / "cds"
PATH = "/cds-services/nelm-patient-view"
TARGET_P99_MS = 50.0
CLIENTS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int | None, database: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """`nelm cds serve` as an operator runs it; returns once every worker listens (each has its own socket)."""
    command = [sys.executable, "-m", "nelm.cli.main", "cds", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(database)]
    if workers is not None:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        listening = listening_sockets(port)
        try:
            up = httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=1).status_code == 200
        except httpx.HTTPError:
            up = False
        if up and (listening >= (workers or 1) or process.poll() is not None):
            return process, listening
        time.sleep(0.3)
    process.kill()
    raise SystemExit("the CDS Hooks service did not start")


def listening_sockets(port: int) -> int:
    """Sockets listening on the port (Linux /proc/net/tcp): one per worker with SO_REUSEPORT."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 0
    return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of the server and its worker processes (Linux /proc), for CPU per request."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        own_pid, parent = int(stat.parent.name), int(fields[1])
        if own_pid == pid or parent == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def seed_bodies() -> list[dict]:
    names = ("ileal-net-g2-liver-metastases", "pancreatic-net-after-whipple", "incomplete-referral")
    return [json.loads((REQUESTS / f"patient-view-{name}.json").read_text()) for name in names]


KI67_LOINC = "29593-1"


def versioned_template(body: dict) -> bytes:
    """The chart serialised once, with placeholders for each resource's meta.versionId, the birth date and
    the Ki-67 value."""
    fresh = copy.deepcopy(body)
    for value in fresh["prefetch"].values():
        if not isinstance(value, dict):
            continue
        resources = [e["resource"] for e in value.get("entry", [])] if value.get("resourceType") == "Bundle" else [value]
        for resource in resources:
            resource.setdefault("meta", {})["versionId"] = "VERSION"
            if resource.get("resourceType") == "Patient" and "birthDate" in resource:
                resource["birthDate"] = "BIRTHDATE"
            codes = [c.get("code") for c in (resource.get("code") or {}).get("coding", [])]
            if KI67_LOINC in codes and isinstance(resource.get("valueQuantity"), dict):
                resource["valueQuantity"]["value"] = "KI67"
    return json.dumps(fresh).encode()


_PLACEHOLDER = re.compile(rb'"(VERSION|BIRTHDATE|KI67)"')


def unique_version(template: bytes, n: int) -> bytes:
    """A chart never seen before. Cheap for the client, which shares the CPU with the server: the template is
    split at its placeholders once, and each chart is one join."""
    parts = _split_template(template)
    born = f'"{1940 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}"'.encode()
    values = {b"VERSION": f'"{n}"'.encode(), b"BIRTHDATE": born, b"KI67": str(1 + (n * 7) % 60).encode()}
    return b"".join(values[part] if index % 2 else part for index, part in enumerate(parts))


@functools.lru_cache(maxsize=16)
def _split_template(template: bytes) -> list[bytes]:
    return _PLACEHOLDER.split(template)  # text, placeholder name, text, ...


TOKENS: Iterator[str] | None = None  # signed client JWTs, one per call (--jwt), made before the measured runs


def client_key(alg: str) -> tuple[Any, dict[str, Any]]:
    """A CDS client's key pair and its JWK Set (the EHR's side of "Trusting CDS Clients")."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from jwt.algorithms import ECAlgorithm, RSAAlgorithm

    private = ec.generate_private_key(ec.SECP384R1()) if alg == "ES384" else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    algorithm = ECAlgorithm if alg == "ES384" else RSAAlgorithm
    return private, {"keys": [{**algorithm.to_jwk(private.public_key(), as_dict=True), "kid": "bench", "alg": alg, "use": "sig"}]}


def signed_tokens(private: Any, alg: str, aud: str, count: int) -> list[str]:
    """Tokens signed in advance: the EHR signs on its own machine, so signing must not eat the server's CPU here."""
    import uuid

    import jwt

    now = int(time.time())
    return [jwt.encode({"iss": JWT_ISSUER, "sub": "bench", "aud": aud, "iat": now, "exp": now + 280, "jti": uuid.uuid4().hex},
                       private, algorithm=alg, headers={"kid": "bench", "typ": "JWT"}) for _ in range(count)]


JWT_ISSUER = "https://ehr.bench.invalid/"


def auth_headers() -> dict[str, str]:
    return {"authorization": f"Bearer {next_token()}"} if TOKENS is not None else {}


def next_token() -> str:
    token = next(TOKENS, None) if TOKENS is not None else None
    if token is None:
        raise SystemExit("ran out of pre-signed client tokens: use a shorter --seconds")
    return token


class RawClient:
    """A minimal HTTP/1.1 keep-alive client: the load generator must not eat the CPU the server needs."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        token = next_token() if TOKENS is not None else None
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: application/json\r\n{auth}"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in headers.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        await self.reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class HttpxClient:
    def __init__(self, port: int):
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)

    async def post(self, body: bytes) -> int:
        response = await self.client.post(PATH, content=body, headers={"content-type": "application/json", **auth_headers()})
        return response.status_code

    async def close(self) -> None:
        await self.client.aclose()


async def load(port: int, seconds: float, bodies, client_kind: str) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def one_client() -> None:
        client = RawClient(port) if client_kind == "raw" else HttpxClient(port)
        try:
            while time.perf_counter() < stop:
                body = next(bodies)
                start = time.perf_counter()
                status = await client.post(body)
                latencies.append((time.perf_counter() - start) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            await client.close()

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return latencies, statuses


def run_loop(coroutine: Any) -> Any:
    """The load runs on uvloop when installed (a nelm dependency): the client takes less of the CPU it shares."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def report(label: str, latencies: list[float], statuses: dict[int, int], seconds: float, cpu_seconds: float) -> float:
    p99 = percentile(latencies, 99)
    cpu_ms = cpu_seconds * 1000 / len(latencies)
    print(f"  {label:<8} {len(latencies):7,d} requests {len(latencies) / seconds:6.0f} req/s  "
          f"p50 {percentile(latencies, 50):6.1f}  p90 {percentile(latencies, 90):6.1f}  p99 {p99:6.1f}  max {max(latencies):6.1f} ms  "
          f"p99/target {p99 / TARGET_P99_MS:5.2f}  server CPU {cpu_ms:4.1f} ms/request  status {dict(sorted(statuses.items()))}")
    return p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s per mix instead of 30 s")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--workers", type=int, default=None, help="server processes (default: as `nelm cds serve`, one per CPU core, at most 4)")
    parser.add_argument("--jwt", choices=("ES384", "RS384"), help="every call carries a client JWT the service verifies (a trusted client configured)")
    args = parser.parse_args()
    seconds = args.seconds or (5.0 if args.quick else 30.0)
    seeds = seed_bodies()
    port = free_port()
    workers = args.workers or DEFAULT_WORKERS
    env = None
    if args.jwt:
        global TOKENS
        private, key_set = client_key(args.jwt)
        env = {"NELM_CDS_TRUSTED_CLIENTS": json.dumps([{"iss": JWT_ISSUER, "jwks": key_set}])}
        count = int(1500 * (seconds + 4))  # with --jwt only the unseen-chart mix runs: enough for 1,500 calls/s
        print(f"signing {count:,} {args.jwt} client tokens in advance ...", flush=True)
        TOKENS = iter(signed_tokens(private, args.jwt, f"http://127.0.0.1:{port}{PATH}", count))
    with tempfile.TemporaryDirectory() as scratch:
        server, listening = start_server(port, workers, Path(scratch) / "feedback.sqlite", env)
        try:
            run(args, seconds, seeds, port, server, workers, listening)
        finally:
            server.terminate()
            server.wait(timeout=15)


def run(args: argparse.Namespace, seconds: float, seeds: list[dict], port: int, server: subprocess.Popen, workers: int, listening: int) -> None:
    print(f"CDS Hooks patient-view: {CLIENTS} concurrent clients, closed loop, {seconds:g} s per mix, loopback port {port}, "
          f"`nelm cds serve --workers {workers}` ({listening} listening socket(s)), {args.client} client, "
          f"{'client JWT ' + args.jwt + ' verified on every call' if args.jwt else 'open service (no client JWT)'}, "
          f"{os.cpu_count()} CPUs shared by server and load, load average before start {os.getloadavg()[0]:.1f}")
    print(f"target: p99 < {TARGET_P99_MS:g} ms")
    # Sequential, unloaded, one keep-alive connection: what one request costs when nothing waits in line.
    templates = [versioned_template(b) for b in seeds]
    single = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for n in range(60):
            body = unique_version(templates[n % len(templates)], 10_000_000 + n)
            start = time.perf_counter()
            assert client.post(PATH, content=body, headers={"content-type": "application/json", **auth_headers()}).status_code == 200
            single.append((time.perf_counter() - start) * 1000)
    print(f"  one request at a time, unique charts: median {statistics.median(single):.1f} ms (httpx, keep-alive)")
    warm = [json.dumps(b).encode() for b in seeds]
    # Warm-up, not counted: every worker sees repeat and unseen charts before the measured runs.
    run_loop(load(port, 0.3 if args.jwt else 1.0, itertools.cycle(warm), args.client))
    run_loop(load(port, 2.0, (unique_version(templates[n % len(templates)], 20_000_000 + n) for n in itertools.count()), args.client))
    results = {}
    mixes = {"repeat": lambda: itertools.cycle(warm),
             "unique": lambda: (unique_version(templates[n % len(templates)], n) for n in itertools.count())}
    if args.jwt:
        del mixes["repeat"]
    for label, bodies in mixes.items():
        cpu_before = server_cpu_seconds(server.pid)
        latencies, statuses = run_loop(load(port, seconds, bodies(), args.client))
        results[label] = report(label, latencies, statuses, seconds, server_cpu_seconds(server.pid) - cpu_before)
    verdict = ", ".join(f"{k} {'meets' if v < TARGET_P99_MS else 'misses'} the target" for k, v in results.items())
    print(f"  {verdict}")


if __name__ == "__main__":
    main()
