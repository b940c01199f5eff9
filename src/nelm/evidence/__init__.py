"""The evidence base: published outcomes per treatment modality, as versioned data, with pooled summaries."""

from nelm.evidence.loader import all_evidence, evidence_dicts_for, evidence_for
from nelm.evidence.models import MODALITIES, EvidenceItem, PooledSummary

__all__ = ["MODALITIES", "EvidenceItem", "PooledSummary", "all_evidence", "evidence_dicts_for", "evidence_for"]
