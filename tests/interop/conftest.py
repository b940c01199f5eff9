from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
BUNDLES = sorted(p.stem for p in DATA.glob("*.json"))


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def bundle():
    """A fresh copy of a test bundle by name (tests may edit it)."""
    return lambda name: copy.deepcopy(load(name))
