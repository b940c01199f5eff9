"""Batch assessment speed: `nelm assess cases.jsonl --format json` over generated cases, cases per second.

Target (issue 2): at least 5,000 cases/s on one core. Reports the whole command (read, validate, assess with
reasons and robustness, write JSON lines) and its parts, each timed on one core in this process.

    python benchmarks/bench_assess.py            # 100,000 cases
    python benchmarks/bench_assess.py --quick    # 10,000 cases
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate_cases import write_jsonl  # noqa: E402

from nelm.cli.main import build_app  # noqa: E402
from nelm.engine.evaluate import statuses  # noqa: E402
from nelm.services.assessment import assess_checked, checked_cases  # noqa: E402

TARGET = 5000
app = build_app("assess")


def timed(label: str, n: int, work) -> float:
    start = time.process_time()
    work()
    seconds = time.process_time() - start
    rate = n / seconds
    print(f"  {label:<52} {seconds:7.2f} s  {rate:9,.0f} cases/s  ({rate / TARGET:4.2f} x target)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cases", type=int)
    args = parser.parse_args()
    n = args.cases or (10_000 if args.quick else 100_000)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(Path(tmp) / "cases.jsonl", n)
        print(f"batch assessment of {n:,} generated cases on one core (target {TARGET:,} cases/s)")
        sources = []
        timed("read + validate (JSON lines -> case model)", n, lambda: sources.extend(checked_cases(path)))
        timed("statuses only (the audit fast path)", n, lambda: [statuses(s.check.case) for s in sources])
        timed("assess with reasons, no robustness, no evidence", n, lambda: [assess_checked(s.check, robustness=False, evidence=False) for s in sources])
        timed("assess with reasons + robustness + evidence ids", n, lambda: [assess_checked(s.check, evidence=False) for s in sources])

        def whole_command_format(output: str, *extra: str) -> None:
            sink = io.StringIO()
            with redirect_stdout(sink):
                app(["assess", str(path), "--format", output, *extra], standalone_mode=False)
            assert sink.getvalue().count("\n") == n
            json.loads(sink.getvalue().splitlines()[0])

        def whole_command(*extra: str) -> None:
            whole_command_format("json", *extra)

        timed("nelm assess cases.jsonl --format audit", n, lambda: whole_command_format("audit"))
        timed("nelm assess cases.jsonl --format json --evidence ids", n, lambda: whole_command("--evidence", "ids"))
        timed("nelm assess cases.jsonl --format json (full evidence)", n // 10 or 1, lambda: _first(path, n // 10, whole_command))


def _first(path: Path, k: int, run) -> None:
    lines = path.read_text().splitlines()[:k]
    path.write_text("\n".join(lines) + "\n")
    sink = io.StringIO()
    with redirect_stdout(sink):
        app(["assess", str(path), "--format", "json"], standalone_mode=False)
    assert sink.getvalue().count("\n") == k


if __name__ == "__main__":
    main()
