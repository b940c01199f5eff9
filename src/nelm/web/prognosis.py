"""The prognostic model shown on the assessment page when NELM_MODEL_FILE is set (nelm.services.prognosis).

Loaded once per app. If the model cannot be loaded the page says so instead of failing: the options and
their reasons do not depend on the model.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("nelm.web")


class ModelSlot:
    def __init__(self, path: Path | None):
        self.path = path
        self.model: Any = None
        self.problem: str | None = None
        if path is not None:
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            from nelm.services import prognosis as service
        except ImportError:
            self.problem = "the prognosis module is not installed in this build"
            return
        loader = getattr(service, "load_model", None) or getattr(service, "read_model", None)
        if loader is None:
            self.problem = "nelm.services.prognosis has no load_model(path)"
            return
        try:
            self.model = loader(path)
        except Exception as exc:  # noqa: BLE001 - shown on the page, logged with its traceback
            log.exception("cannot load the prognostic model %s", path)
            self.problem = f"model file {path}: {getattr(exc, 'problems', None) or exc}"

    def predict(self, case: Any) -> dict[str, Any] | None:
        """The model's prediction dict for a validated case, or a dict with only warnings when it cannot predict."""
        if self.path is None:
            return None
        if self.model is None:
            return {"model_name": str(self.path.name), "intended_use": "", "predictions": [], "warnings": [self.problem or "not loaded"]}
        from nelm.services.prognosis import prognosis_for_case

        try:
            return prognosis_for_case(self.model, case)
        except Exception as exc:  # noqa: BLE001 - e.g. a case lacking a covariate: say which
            problems = getattr(exc, "problems", None) or [str(exc)]
            return {"model_name": getattr(self.model, "name", str(self.path.name)), "intended_use": getattr(self.model, "intended_use", ""),
                    "predictions": [], "warnings": [f"no prediction: {p}" for p in problems]}
