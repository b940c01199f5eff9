"""Run the CDS Hooks service in several processes, each accepting on its own socket (SO_REUSEPORT, Linux).

Why not `uvicorn --workers`: its workers share one listening socket, and whichever is awake accepts a burst of
connections. An EHR keeps its connections open, so one worker could hold 14 or even 18 of 20 connections while
the other idled, and that worker's queue set the p99 (benchmarks/bench_cdshooks.py). With SO_REUSEPORT each
worker listens on its own socket and Linux spreads new connections over them by hash. Where SO_REUSEPORT does
not balance (not Linux), `nelm cds serve` falls back to uvicorn's workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time
from types import FrameType

log = logging.getLogger("nelm.cdshooks")

APP = "nelm.cdshooks.app:create_service_app"
RESTART_PAUSE_SECONDS = 1.0  # a worker that dies is restarted, but not in a tight loop
STOP_TIMEOUT_SECONDS = 10.0


def balanced_workers_available() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def check_port(host: str, port: int) -> None:
    """Raise OSError now (port taken, bad host) rather than in every worker. Bound without SO_REUSEPORT, so a server
    already listening there (even another nelm with SO_REUSEPORT) makes it fail; closed before the workers bind."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def _worker(host: str, port: int, log_level: str) -> None:
    import uvicorn

    sock = listening_socket(host, port)
    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def run_workers(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Start `workers` processes, restart any that dies, stop them all on SIGINT/SIGTERM."""
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=(host, port, log_level), name="nelm-cds-worker")
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [start() for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for index, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    log.warning("CDS Hooks worker %s stopped (exit code %s); starting another", process.pid, process.exitcode)
                    time.sleep(RESTART_PAUSE_SECONDS)
                    processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
