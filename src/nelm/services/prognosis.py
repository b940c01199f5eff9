"""Prognostic models, use cases for every door: fit from a CSV, read a model file, predict for one case,
validate on a CSV (optionally with bootstrap optimism), draw the nomogram and the calibration plot.

Bad input raises BadInput with one message per problem, each naming the file, field, column or row.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nelm.case.model import Case
from nelm.prognosis.bootstrap import bootstrap_validate
from nelm.prognosis.calibration_plot import draw_calibration
from nelm.prognosis.case_mapping import case_values
from nelm.prognosis.covariate_spec import RUZZENENTE_VARIABLES, SpecError, parse_specs
from nelm.prognosis.design import DesignError, design_matrix
from nelm.prognosis.fit import DEFAULT_BASELINE_TIMES, FitResult, fit_model, survival_columns
from nelm.prognosis.model_file import ModelFileError, PrognosticModel, Source, parse_model
from nelm.prognosis.nomogram import nomogram
from nelm.prognosis.nomogram_plot import DEMO_BANNER, draw_nomogram
from nelm.prognosis.predict import PredictionError, baseline_points, predict_one
from nelm.prognosis.validate import validate_model
from nelm.services.files import BadInput, read_text
from nelm.stats import CoxPH, SurvivalDataError

DEFAULT_TIMES = (60.0, 120.0)  # 5- and 10-year survival, as the Ruzzenente nomogram reports
FIGURE_FORMATS = (".png", ".svg", ".pdf")


# ---------------------------------------------------------------------- reading
def model_from_data(data: Any, source: str = "model file") -> PrognosticModel:
    try:
        return parse_model(data)
    except ModelFileError as exc:
        raise BadInput([f"{source}: {p}" for p in exc.problems]) from None


def read_model(path: Path) -> PrognosticModel:
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput([f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"]) from None
    return model_from_data(data, str(path))


def read_table(path: Path) -> pd.DataFrame:
    """A CSV data file; lines starting with # are comments. Row numbers in messages count data rows from 1."""
    read_text(path)
    try:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise BadInput([f"{path}: not a readable CSV ({exc})"]) from None
    if frame.empty:
        raise BadInput([f"{path}: no data rows"])
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def parse_times(text: str | Sequence[float], option: str = "--times") -> list[float]:
    if not isinstance(text, str):
        return [float(t) for t in text]
    times, problems = [], []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            problems.append(f"{option}: {part!r} is not a number")
            continue
        if not np.isfinite(value) or value <= 0:
            problems.append(f"{option}: {part!r} must be a positive time")
        else:
            times.append(value)
    if problems:
        raise BadInput(problems)
    if not times:
        raise BadInput([f"{option}: give at least one time, e.g. 60,120"])
    return sorted(set(times))


# ---------------------------------------------------------------------- fit
def fit_from_table(frame: pd.DataFrame, *, time: str, event: str, covariates: Sequence[str] | None, name: str,
                   intended_use: str, baseline_times: Sequence[float] = DEFAULT_BASELINE_TIMES,
                   period: str | None = None, centre: str | None = None, citation: str | None = None,
                   source_label: str = "data") -> FitResult:
    try:
        specs = parse_specs(list(covariates) if covariates else [",".join(RUZZENENTE_VARIABLES)])
        return fit_model(frame, time=time, event=event, specs=specs, name=name, intended_use=intended_use,
                         baseline_times=baseline_times, period=period, centre=centre,
                         source=Source(citation=citation, note=f"fitted with nelm model fit on {source_label}"))
    except SpecError as exc:
        raise BadInput([f"--covariates: {exc}"]) from None
    except DesignError as exc:
        raise BadInput([f"{source_label}: {p}" for p in exc.problems]) from None


def coefficient_table(result: FitResult) -> list[dict[str, Any]]:
    summary = result.cox.summary
    return [{"term": term, "coef": float(row.coef), "hr": float(row.hr), "ci_lower": float(row.ci_lower),
             "ci_upper": float(row.ci_upper), "p": float(row.p)} for term, row in summary.iterrows()]


def write_json(data: Any, path: Path) -> None:
    """Write atomically: a failure leaves no half-written file."""
    _atomic_write(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _atomic_write(path: Path, payload: bytes) -> None:
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput([f"{path}: the directory {directory} does not exist"])
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------- predict
def _header(model: PrognosticModel) -> dict[str, Any]:
    out = {"model_name": model.name, "intended_use": model.intended_use,
           "demonstration_only": model.is_demonstration}
    if model.is_demonstration:
        out["label"] = DEMO_BANNER
    return out


def predict_for_case(model: PrognosticModel, case: Case, times: Sequence[float] = DEFAULT_TIMES) -> dict[str, Any]:
    """Prediction for one case; raises BadInput if a covariate cannot be read or a time is not stated."""
    values, problems = case_values(model, case)
    if problems:
        raise BadInput(problems)
    return _prediction(model, values, times)


def _prediction(model: PrognosticModel, values: dict[str, Any], times: Sequence[float]) -> dict[str, Any]:
    frame = pd.DataFrame([values])
    try:
        X = design_matrix(model.covariates, frame, row_names=["the case"], what="covariate")
        prediction = predict_one(model, X, list(times), values)
    except (DesignError, PredictionError) as exc:
        raise BadInput(exc.problems) from None
    return {**_header(model), "linear_predictor": prediction.linear_predictor,
            "predictions": [p.to_dict() for p in prediction.points], "covariates": values,
            "source": model.source.citation or model.source.note, "warnings": prediction.warnings}


def prognosis_for_case(model: PrognosticModel, case: Case, times: Sequence[float] | None = None) -> dict[str, Any]:
    """The prognosis block of an assessment. Never raises for the case: what cannot be predicted is said in
    warnings (predictions then empty), so the assessment itself always goes through."""
    wanted = list(times) if times is not None else available_default_times(model)
    values, problems = case_values(model, case)
    if problems:
        return {**_header(model), "linear_predictor": None, "predictions": [], "covariates": values,
                "source": model.source.citation or model.source.note,
                "warnings": [f"no prediction: {p}" for p in problems]}
    if not wanted:
        return {**_header(model), "linear_predictor": None, "predictions": [], "covariates": values,
                "warnings": ["no prediction: the model states no baseline survival at 60 or 120 months"]}
    try:
        return _prediction(model, values, wanted)
    except BadInput as bad:
        return {**_header(model), "linear_predictor": None, "predictions": [], "covariates": values,
                "warnings": [f"no prediction: {p}" for p in bad.problems]}


def available_default_times(model: PrognosticModel) -> list[float]:
    out = []
    for t in DEFAULT_TIMES:
        try:
            baseline_points(model, [t])
        except PredictionError:
            continue
        out.append(t)
    return out


# ---------------------------------------------------------------------- validate
def validate_on_table(model: PrognosticModel, frame: pd.DataFrame, *, times: Sequence[float], time: str | None = None,
                      event: str | None = None, tau: float | None = None, groups: int | None = None,
                      bootstrap: int = 0, seed: int | None = None, source_label: str = "data",
                      progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    time = time or model.fit_data.time_column or "time"
    event = event or model.fit_data.event_column or "event"
    try:
        t, e = survival_columns(frame, time, event)
        X = design_matrix(model.covariates, frame)
        result = validate_model(model, X, t, e, times, tau=tau, groups=groups)
    except DesignError as exc:
        raise BadInput([f"{source_label}: {p}" for p in exc.problems]) from None
    except PredictionError as exc:
        raise BadInput(exc.problems) from None
    out = {**_header(model), "data": source_label, **result}
    if bootstrap:
        out["bootstrap"] = _bootstrap(model, X, t, e, bootstrap, seed, progress)
    return out


def _bootstrap(model, X, t, e, resamples: int, seed, progress) -> dict[str, Any]:
    """rms validate semantics: the model's specification (same covariates, transformations, knots) refit on
    these data is the apparent model; each resample refits it again."""
    try:
        refit = CoxPH().fit(X, t, e)
        result = bootstrap_validate(X, t, e, coef=refit.coef_, loglik=refit.loglik_, resamples=resamples, seed=seed,
                                    progress=progress)
    except SurvivalDataError as exc:
        raise BadInput([f"bootstrap: {p}" for p in exc.problems]) from None
    out = result.to_dict()
    out["seed"] = seed
    out["note"] = ("the model's specification refit on these data in each resample; on the data the model was "
                   "fit on this is the model itself, on other data it describes a refit model")
    return out


# ---------------------------------------------------------------------- figures
def check_figure_path(path: Path) -> None:
    if path.suffix.lower() not in FIGURE_FORMATS:
        raise BadInput([f"{path}: the file name must end in {', '.join(FIGURE_FORMATS)}"])
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise BadInput([f"{path}: the directory {directory} does not exist"])


def save_figure(fig, path: Path) -> None:
    check_figure_path(path)
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lower().lstrip("."), dpi=150)
    _atomic_write(path, buffer.getvalue())


def nomogram_to_file(model: PrognosticModel, path: Path, times: Sequence[float] = DEFAULT_TIMES) -> dict[str, Any]:
    check_figure_path(path)
    try:
        nom = nomogram(model, times=times)
    except PredictionError as exc:
        raise BadInput(exc.problems) from None
    except ValueError as exc:
        raise BadInput([str(exc)]) from None
    fig = draw_nomogram(nom, title=model.name, intended_use=model.intended_use, demonstration=model.is_demonstration)
    save_figure(fig, path)
    return {**_header(model), "file": str(path), "points_per_unit_lp": nom.points_per_lp,
            "axes": [{"covariate": a.name, "values": a.values, "points": a.points} for a in nom.covariates],
            "survival_axes": [{"time": s.time, "probabilities": s.probabilities, "total_points": s.points}
                              for s in nom.survival]}


def calibration_plot_to_file(model: PrognosticModel, result: dict[str, Any], path: Path) -> None:
    fig = draw_calibration(result, title=f"Calibration: {model.name}", demonstration=model.is_demonstration)
    save_figure(fig, path)
