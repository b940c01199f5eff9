"""Registry speed: import 100,000 synthetic patients with full histories into SQLite, then `analyze survival`.

Targets (issue 6): import >= 5,000 patients/s; survival analysis < 5 s. References run side by side:
the same records through the SQLAlchemy ORM (session.add_all, audited by the session listener) on a
subset, and lifelines (Kaplan-Meier per group + multivariate log-rank) on the same analysis frame.
Usage: .venv/bin/python benchmarks/bench_registry.py [--patients 100000] [--orm-patients 3000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nelm.services import analyses
from nelm.services.demo_data import generate_cohort
from nelm.services.registry import import_file, open_registry, read_import_file, validate_rows

CACHE = Path(tempfile.gettempdir()) / "nelm-bench-registry"


def cohort_file(patients: int, seed: int = 2026) -> Path:
    """JSON lines with full histories (case, treatment, events, decision with the assessment shown); cached."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"cohort-{patients}-{seed}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        with open(path.with_suffix(".tmp"), "w") as out:
            for record in generate_cohort(patients, seed):
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
        os.replace(path.with_suffix(".tmp"), path)
        print(f"generated {patients} patients in {time.perf_counter() - started:.1f} s -> {path} ({path.stat().st_size / 1e6:.0f} MB)")
    return path


def orm_import(records: list, url: str) -> float:
    """Reference: the same validated records through the ORM (what a naive importer would do)."""
    from nelm.registry.models import BoardDecision, CaseSnapshot, Identifier, OutcomeEvent, Patient, Treatment

    registry = open_registry(url)
    started = time.perf_counter()
    with registry.session("bench") as session:
        for r in records:
            p = Patient(pseudonym=r.patient_id, synthetic=r.synthetic, sex=r.sex, diagnosis_date=r.diagnosis_date)
            p.identifiers = [Identifier(kind=k, value=v) for k, v in r.identifiers.items()]
            snaps = [CaseSnapshot(taken_on=c.taken_on, schema_version=1, case=c.case) for c in r.cases]
            p.case_snapshots = snaps
            p.treatments = [Treatment(modality=t.modality, started_on=t.started_on, intent=t.intent, extent=t.extent) for t in r.treatments]
            p.events = [OutcomeEvent(kind=e.kind, occurred_on=e.occurred_on, site=e.site) for e in r.events]
            p.decisions = [BoardDecision(decided_on=d.decided_on, chosen_option=d.chosen_option, assessment=d.assessment,
                                         engine_version=d.engine_version, knowledge_base_version=d.knowledge_base_version,
                                         case_snapshot=snaps[d.case_index] if d.case_index is not None else None) for d in r.decisions]
            session.add(p)
        session.commit()
    elapsed = time.perf_counter() - started
    registry.dispose()
    return elapsed


def lifelines_survival(frame) -> float:
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    started = time.perf_counter()
    for _, part in frame.groupby("modality"):
        km = KaplanMeierFitter().fit(part.os_years, part.os_event)
        km.survival_function_at_times([5, 10])
        _ = km.median_survival_time_
    multivariate_logrank_test(frame.os_years, frame.modality, frame.os_event)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--orm-patients", type=int, default=3_000)
    parser.add_argument("--quick", action="store_true", help="a smaller run (patients=10,000, orm_patients=1,000)")
    args = parser.parse_args()
    if args.quick:
        args.patients = 10000
        args.orm_patients = 1000
    source = cohort_file(args.patients)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        open_registry(url).dispose()  # schema creation is not part of the import
        print(f"machine load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times stretch with load; CPU times much less)")
        started, cpu = time.perf_counter(), time.process_time()
        summary = import_file(source, url, actor="bench")  # read + parse + validate + write + commit
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rate = summary.patients / seconds
        print(f"import (nelm registry import: read, validate, write, commit): {summary.patients} patients, "
              f"{sum(summary.rows.values()):,} rows ({source.stat().st_size / 1e6:.0f} MB JSON lines) in {seconds:.2f} s = "
              f"{rate:,.0f} patients/s (target >= 5,000/s: {'met' if rate >= 5000 else 'NOT met'}); "
              f"CPU {cpu:.2f} s = {summary.patients / cpu:,.0f} patients per CPU-second")

        subset = validate_rows(read_import_file(source)[: args.orm_patients])[0]
        orm_url = f"sqlite:///{Path(tmp) / 'orm.sqlite'}"
        orm_seconds = orm_import(subset, orm_url)  # wall time, same machine, same minute
        orm_rate = len(subset) / orm_seconds
        print(f"reference ORM import (session.add_all, audited): {len(subset)} patients in {orm_seconds:.2f} s = {orm_rate:,.0f} patients/s; "
              f"bulk/ORM speed ratio {rate / orm_rate:.1f}x")

        registry = open_registry(url)
        started = time.perf_counter()
        analyses.survival(registry, endpoint="os", by="modality")
        service_seconds = time.perf_counter() - started
        started = time.perf_counter()
        envelope = analyses.survival(registry, endpoint="os", by="modality")
        analyses.render_html(envelope)
        html_seconds = time.perf_counter() - started
        frame, _ = analyses.load_outcomes(registry)
        registry.dispose()
        ll = lifelines_survival(frame)
        started, child_cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([str(Path(sys.executable).with_name("nelm")), "analyze", "survival", "--endpoint", "os", "--by", "modality",
                               "--db", url, "--format", "json", "--out", str(Path(tmp) / "s.json")], capture_output=True, text=True)
        cli_seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cli_cpu = (after.ru_utime + after.ru_stime) - (child_cpu.ru_utime + child_cpu.ru_stime)
        assert done.returncode == 0, done.stderr
        print(f"analyze survival (service, JSON): {service_seconds:.2f} s; with HTML report: {html_seconds:.2f} s; "
              f"whole CLI run (process start to file): {cli_seconds:.2f} s, CPU {cli_cpu:.2f} s "
              f"(target < 5 s: {'met' if cli_seconds < 5 else 'NOT met'})")
        print(f"reference lifelines KM + log-rank on the same {len(frame)} patients (statistics only, no loading): {ll:.2f} s")


if __name__ == "__main__":
    main()
