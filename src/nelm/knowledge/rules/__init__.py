"""All rules of the knowledge base. Importing this package registers them in `rulebook.RULES`."""

from nelm.knowledge.rules import (  # noqa: F401 - imported for registration
    ablation,
    debulking,
    high_grade,
    intra_arterial,
    primary_tumour,
    resection,
    safety,
    surgery,
    systemic,
    transplant,
)
