"""`nelm cds serve --workers 2` as a real process: each worker listens on its own socket, every call is answered,
feedback from any worker lands in the one database, and SIGTERM stops the command and all its workers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nelm.cdshooks import serve

from .conftest import SERVICE, free_port, request_body

pytestmark = pytest.mark.skipif(not serve.balanced_workers_available(), reason="per-worker SO_REUSEPORT sockets are Linux only")


def listening_sockets(port: int) -> int:
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def workers_of(pid: int) -> list[int]:
    """The worker processes of a server (multiprocessing spawn children; not its resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and b"spawn_main" in (stat.parent / "cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_two_workers_each_listen_answer_twenty_connections_and_stop_together_on_sigterm(tmp_path):
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NELM_")}
    command = [sys.executable, "-m", "nelm.cli.main", "cds", "serve", "--db", str(tmp_path / "f.sqlite"), "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=environment, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while listening_sockets(port) < 2:
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "the two workers did not start listening"
            time.sleep(0.3)
        workers = workers_of(server.pid)
        assert len(workers) == 2
        body = json.dumps(request_body("patient-view-ileal-net-g2-liver-metastases")).encode()

        async def twenty_clients() -> list[int]:
            async def one() -> list[int]:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:  # its own connection
                    return [(await client.post(SERVICE, content=body, headers={"content-type": "application/json"})).status_code for _ in range(5)]
            return [status for statuses in await asyncio.gather(*(one() for _ in range(20))) for status in statuses]

        assert asyncio.run(twenty_clients()) == [200] * 100
        feedback = request_body("feedback-accepted")
        for _ in range(6):  # new connections: spread over the workers' sockets
            assert httpx.post(f"http://127.0.0.1:{port}{SERVICE}/feedback", json=feedback, timeout=30).json() == {"stored": 1}
    finally:
        server.send_signal(signal.SIGTERM)
        exit_code = server.wait(timeout=30)
    assert exit_code == 0
    assert not any(running(pid) for pid in workers)  # the command waits for its workers before it exits
    from sqlalchemy import create_engine, text

    with create_engine(f"sqlite:///{tmp_path / 'f.sqlite'}").connect() as connection:
        assert connection.execute(text("select count(*) from cds_feedback")).scalar_one() == 6
