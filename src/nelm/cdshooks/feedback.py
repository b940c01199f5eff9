"""Where card feedback goes: a small repository interface. In the registry database when one is configured
(feedback_db.DatabaseFeedbackStore, shared by every server process); in memory otherwise (tests, library use).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class StoredFeedback:
    service_id: str
    card: str
    outcome: str
    accepted_suggestions: tuple[str, ...]
    override_reason: dict[str, Any] | None
    outcome_timestamp: datetime
    received_at: datetime
    client_iss: str | None = None  # the CDS client whose JWT was verified


class FeedbackStore(Protocol):
    def add(self, items: list[StoredFeedback]) -> None:
        """All items or none."""

    def recent(self, limit: int = 100) -> list[StoredFeedback]: ...


class InMemoryFeedbackStore:
    """Keeps the latest `capacity` items (bounded, so a chatty client cannot exhaust memory)."""

    def __init__(self, capacity: int = 10_000):
        self._items: deque[StoredFeedback] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def add(self, items: list[StoredFeedback]) -> None:
        with self._lock:
            self._items.extend(items)

    def recent(self, limit: int = 100) -> list[StoredFeedback]:
        with self._lock:
            return list(self._items)[-limit:]

    def __len__(self) -> int:
        return len(self._items)
