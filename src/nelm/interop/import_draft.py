"""Facts gathered from the resources before they are settled into a case (latest wins, conflicts noted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nelm.interop.bundle_reader import BundleContent
from nelm.interop.import_report import ImportReport


@dataclass(frozen=True)
class Finding:
    value: Any
    source: str  # resource label
    when: str = ""  # sortable date
    note: str = ""


@dataclass
class Primary:
    source: str
    when: str
    site: str | None = None
    site_note: str = ""
    neuroendocrine: bool = False
    differentiation: str | None = None
    category: str | None = None
    syndrome: str | None = None
    morphology_note: str = ""


@dataclass
class Lesion:
    size_mm: float
    segment: int | None
    source: str
    when: str
    note: str = ""


@dataclass
class Resection:
    organs: frozenset[str]
    source: str
    pancreaticoduodenectomy: bool
    note: str = ""


@dataclass
class Draft:
    content: BundleContent
    report: ImportReport
    patient_refs: set[str] = field(default_factory=set)
    patient_id: str | None = None
    primaries: list[Primary] = field(default_factory=list)
    liver_metastasis_sources: list[str] = field(default_factory=list)
    extrahepatic: list[Finding] = field(default_factory=list)  # value: site name
    carcinoid_syndrome: list[str] = field(default_factory=list)
    ki67: list[Finding] = field(default_factory=list)
    ecog: list[Finding] = field(default_factory=list)
    progressing: list[Finding] = field(default_factory=list)
    lesions: dict[str, list[Lesion]] = field(default_factory=dict)  # key: tumour (focus) or observation
    resections: list[Resection] = field(default_factory=list)
    therapies: dict[str, list[str]] = field(default_factory=dict)  # therapy -> sources

    def ignore(self, label: str, reason: str) -> None:
        self.report.ignore(label, reason)

    def latest(self, findings: list[Finding], what: str) -> Finding | None:
        """The most recent finding; the older ones are reported as superseded."""
        if not findings:
            return None
        ordered = sorted(findings, key=lambda f: f.when)
        for older in ordered[:-1]:
            shown = f"{older.value:g}" if isinstance(older.value, float) else older.value
            self.ignore(older.source, f"older {what} result ({shown} on {older.when or 'an unknown date'}); the latest is used")
        return ordered[-1]
