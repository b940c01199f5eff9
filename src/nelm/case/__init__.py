"""The case: what a tumour board knows about one patient with NELM (schema version 1)."""

from nelm.case.model import CASE_SCHEMA_VERSION, Case

__all__ = ["CASE_SCHEMA_VERSION", "Case"]
