"""Assess cases: from untrusted data to an Assessment, with evidence attached."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nelm.case.model import Case
from nelm.case.validation import CaseCheck, Problem, check_case_data, format_loc, parse_case_text
from nelm.engine.evaluate import assess, input_warning
from nelm.engine.result import Assessment
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol, load_protocol
from nelm.services.files import BadInput, read_text


@lru_cache(maxsize=None)
def evidence_dicts(modality: str) -> tuple[dict[str, Any], ...]:
    """The published outcomes that apply to an option (cached: the data never change; do not mutate)."""
    from nelm.evidence.loader import evidence_dicts_for

    return tuple(evidence_dicts_for(modality))


@lru_cache(maxsize=None)
def evidence_refs(modality: str) -> tuple[dict[str, Any], ...]:
    """Evidence by reference only (`nelm evidence show` has the rest): keeps batch output small."""
    return tuple({"source_id": item["source_id"]} for item in evidence_dicts(modality))


EVIDENCE_MODES = {"full": evidence_dicts, "ids": evidence_refs, "none": None}


def read_protocol(path: Path | None) -> Protocol:
    if path is None:
        return DEFAULT_PROTOCOL
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInput([f"protocol file {path}: {exc.strerror}"]) from None
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise BadInput([f"protocol file {path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {exc}"]) from None
    if not isinstance(data, dict):
        raise BadInput([f"protocol file {path}: must be a table/object of settings"])
    try:
        return load_protocol(data, name=path.stem)
    except ValidationError as exc:
        raise BadInput([f"protocol file {path}: {format_loc(tuple(e['loc'])) or 'protocol'}: {e['msg']}" for e in exc.errors()]) from None


def assess_checked(check: CaseCheck, protocol: Protocol = DEFAULT_PROTOCOL, *, robustness: bool = True, evidence: bool | str = True) -> Assessment:
    """Assess a validated case. evidence: True/"full" (every item), "ids" (references only), False/"none"."""
    assert check.case is not None
    mode = {True: "full", False: "none"}.get(evidence, evidence) if isinstance(evidence, bool) else evidence
    warnings = [input_warning(w.path, w.message) for w in check.warnings]
    return assess(check.case, protocol, input_warnings=warnings, evidence=EVIDENCE_MODES[mode], robustness=robustness)


def assess_data(data: Any, protocol: Protocol = DEFAULT_PROTOCOL, **options: bool) -> Assessment:
    """Validate and assess one case given as parsed JSON; raises BadInput naming every bad field."""
    check = check_case_data(data)
    if not check.ok:
        raise BadInput(str(p) for p in check.errors)
    return assess_checked(check, protocol, **options)


@dataclass(frozen=True)
class CaseSource:
    label: str  # file name, or file:line for JSON lines
    check: CaseCheck


def read_cases(path: Path) -> Iterator[CaseSource]:
    """Cases from a .json file, a .jsonl file (one per line) or a directory of .json files."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json")
        if not files:
            raise BadInput([f"{path}: no .json case files in this directory"])
        for file in files:
            yield CaseSource(file.name, parse_case_text(read_text(file), source=file.name))
        return
    text = read_text(path)
    if path.suffix.lower() == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield CaseSource(f"{path.name}:{number}", parse_case_text(line, source=f"line {number}"))
        return
    yield CaseSource(path.name, parse_case_text(text, source=path.name))


def checked_cases(path: Path) -> list[CaseSource]:
    """Read and validate every case first, so a bad one stops the run before anything is assessed."""
    sources = list(read_cases(path))
    problems = [f"{source.label}: {problem}" for source in sources for problem in source.check.errors]
    if problems:
        raise BadInput(problems)
    return sources


def case_schema() -> dict[str, Any]:
    schema = Case.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "nelm case, version 1"
    return schema


__all__ = ["BadInput", "Problem", "assess_data", "assess_checked", "case_schema", "checked_cases", "read_protocol"]
