"""Every number in the evidence base appears in the source its locator names (review or clinical brief).

The sources live outside the package (../shared next to the checkout, as the issue names them); the test
is skipped where they are absent, e.g. in a bare clone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nelm.evidence import all_evidence

SHARED = Path(__file__).resolve().parents[3] / "shared"
SOURCES = {
    "review": SHARED / "seed" / "chan-2018-gland-surg-nelm-review.txt",
    "clinical brief": SHARED / "knowledge" / "clinical-brief.md",
}
CHECKED_FIELDS = ("citation", "period", "n", "population", "outcome", "value", "value_text", "comparator", "comparator_value_text", "p_value_text", "events")
NUMBER = re.compile(r"\d+(?:\.\d+)?")

pytestmark = pytest.mark.skipif(not all(p.exists() for p in SOURCES.values()), reason="source texts (../shared) not present")


def _normalise(text: str) -> str:
    return text.replace("\u2013", "-").replace("\u2212", "-").replace("\u2009", " ")


def _numbers(item) -> set[str]:
    found = set()
    for field in CHECKED_FIELDS:
        value = getattr(item, field)
        if value is None:
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        found.update(NUMBER.findall(str(value)))
    return found


def _appears(number: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(number)}(?!\.?\d)", text) is not None


@pytest.mark.parametrize("item", all_evidence(), ids=lambda i: i.source_id)
def test_every_number_of_an_item_appears_in_its_source(item):
    source = "review" if item.locator.startswith("review") else "clinical brief"
    assert item.locator.startswith(source)
    text = _normalise(SOURCES[source].read_text(encoding="utf-8"))
    missing = sorted(n for n in _numbers(item) if not _appears(n, text))
    assert not missing, f"{item.source_id}: not in the {source}: {missing}"
