"""Holdout splits, test metrics and like-for-like comparison of predictors.

The paper's claim is comparative: principal capabilities predict held-out
strong models better than training compute does. :func:`compare_predictors`
tests it fairly: every predictor is fitted with the same sigmoid law (Eq. 6),
on the same training models, and scored on one identical test set. Models
that lack some predictor's input (e.g. unknown FLOPs) are removed from every
arm and reported, never dropped from one arm only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from osl_helpers._validation import (
    LengthMismatchError,
    NotEnoughModelsError,
    OSLInputError,
    TargetRangeError,
    check_target,
)
from osl_helpers.law import ObservationalScalingLaw, fit_sigmoid_law, sigmoid

__all__ = [
    "ARITHMETIC_CUTOFF_FLOPS",
    "LLAMA2_7B_FLOPS",
    "Comparison",
    "ScalarSigmoidLaw",
    "Split",
    "compare_predictors",
    "mae",
    "mse",
    "split_by_family",
    "split_by_flops",
    "split_by_models",
    "split_by_reference_model",
    "split_by_top_fraction",
    "stack_tables",
    "win_rate",
]

#: 6 × 7e9 parameters × 2e12 tokens: Llama-2-7B, the paper's default cutoff.
LLAMA2_7B_FLOPS = 8.4e22
#: The earlier cutoff used for the arithmetic tasks.
ARITHMETIC_CUTOFF_FLOPS = 2.2e22

Predictor = int | str
SCALAR_PREDICTORS = ("log_flops", "log_params", "mean_benchmark")


def _errors(y: Any, y_hat: Any) -> np.ndarray:  # type: ignore[type-arg]
    a = np.asarray(y, dtype=float)
    b = np.asarray(y_hat, dtype=float)
    if a.shape != b.shape:
        raise LengthMismatchError(f"y has shape {a.shape} but y_hat has {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise TargetRangeError("NaN in y or y_hat: drop those models before scoring")
    return np.asarray(a - b, dtype=float)


def mse(y: Any, y_hat: Any) -> float:
    """Mean squared error; NaN inputs raise."""
    e = _errors(y, y_hat)
    return float(np.mean(e**2)) if e.size else float("nan")


def mae(y: Any, y_hat: Any) -> float:
    """Mean absolute error; NaN inputs raise."""
    e = _errors(y, y_hat)
    return float(np.mean(np.abs(e))) if e.size else float("nan")


@dataclass(frozen=True)
class Split:
    """Boolean masks aligned with a frame: fit on ``train``, score on ``test``; ``excluded`` neither."""

    train: pd.Series
    test: pd.Series
    excluded: pd.Series
    description: str
    reason: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))


def _split(frame: pd.DataFrame, test: pd.Series, excluded: pd.Series, desc: str, why: str) -> Split:
    test = test & ~excluded
    train = ~test & ~excluded
    reason = pd.Series("", index=frame.index, dtype=object).mask(excluded, why)
    return Split(train.astype(bool), test.astype(bool), excluded.astype(bool), desc, reason)


def split_by_flops(
    frame: pd.DataFrame, cutoff: float = LLAMA2_7B_FLOPS, column: str = "log10_flops"
) -> Split:
    """Train on models with training FLOPs ≤ ``cutoff``; test on the rest; unknown FLOPs excluded."""
    if column not in frame.columns:
        raise OSLInputError(f"missing column {column!r}")
    lf = frame[column].astype(float)
    unknown = lf.isna()
    test = lf > math.log10(cutoff) + 1e-9
    return _split(frame, test, unknown, f"FLOPs ≤ {cutoff:.2g}", "training FLOPs unknown")


def split_by_reference_model(
    frame: pd.DataFrame, model_name: str, model: str = "Model", column: str = "log10_flops"
) -> Split:
    """As :func:`split_by_flops`, with the cutoff at one model's compute."""
    rows = frame[frame[model] == model_name]
    if rows.empty or rows[column].isna().all():
        raise OSLInputError(f"model {model_name!r} is absent or has unknown FLOPs")
    return split_by_flops(frame, 10 ** float(rows[column].iloc[0]), column)


def split_by_top_fraction(y: pd.Series, fraction: float = 0.1) -> Split:
    """Hold out the best ``fraction`` of models by the target (the paper's agent setup)."""
    if not 0 < fraction < 1:
        raise OSLInputError(f"fraction must be in (0, 1); got {fraction}")
    n_test = max(1, round(fraction * len(y)))
    test = y.rank(method="first", ascending=False) <= n_test
    none = pd.Series(False, index=y.index)
    frame = y.to_frame()
    return _split(frame, test, none, f"top {fraction:.0%} held out", "")


def split_by_family(
    frame: pd.DataFrame, test_families: Sequence[str], family: str = "Model Family"
) -> Split:
    """Hold out whole families."""
    unknown = sorted(set(test_families) - set(frame[family]))
    if unknown:
        from osl_helpers._validation import UnknownFamilyError

        raise UnknownFamilyError(f"unknown family(ies) {unknown}")
    none = pd.Series(False, index=frame.index)
    return _split(frame, frame[family].isin(test_families), none, "families held out", "")


def split_by_models(frame: pd.DataFrame, test_models: Sequence[str], model: str = "Model") -> Split:
    """Hold out an explicit list of models."""
    unknown = sorted(set(test_models) - set(frame[model]))
    if unknown:
        raise OSLInputError(f"unknown model(s) {unknown}")
    none = pd.Series(False, index=frame.index)
    return _split(frame, frame[model].isin(test_models), none, "models held out", "")


class ScalarSigmoidLaw(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Baseline law on one scalar predictor x: E ≈ h·σ(w·x + α) (Eq. 6 with S replaced by x).

    Uses the same optimiser as :class:`~osl_helpers.law.ObservationalScalingLaw`
    (:func:`~osl_helpers.law.fit_sigmoid_law`). Fitted: ``coef_``, ``intercept_``, ``h_``.
    """

    def __init__(
        self,
        link: Literal["sigmoid", "h_sigmoid"] = "h_sigmoid",
        loss: Literal["squared", "huber"] = "squared",
        huber_delta: float = 1.0,
        h_bounds: tuple[float, float] = (0.8, 1.0),
    ) -> None:
        self.link = link
        self.loss = loss
        self.huber_delta = huber_delta
        self.h_bounds = h_bounds

    def fit(self, x: Any, y: Any) -> ScalarSigmoidLaw:
        xv = np.asarray(x, dtype=float).reshape(-1)
        yv = check_target(y)
        if len(xv) != len(yv):
            raise LengthMismatchError(f"x has {len(xv)} values but y has {len(yv)}")
        if np.isnan(xv).any():
            raise OSLInputError("NaN predictor values; drop those models first")
        if len(xv) < 3:
            raise NotEnoughModelsError("a scalar sigmoid law needs at least 3 models")
        # Standardise x so the optimiser sees a well-scaled problem.
        self.x_mean_ = float(xv.mean())
        self.x_scale_ = float(xv.std()) or 1.0
        fit = fit_sigmoid_law(
            (xv - self.x_mean_) / self.x_scale_,
            yv,
            link=self.link,
            loss=self.loss,
            huber_delta=self.huber_delta,
            h_bounds=self.h_bounds,
        )
        self.coef_ = float(fit.coef[0]) / self.x_scale_
        self.intercept_ = fit.intercept - self.coef_ * self.x_mean_
        self.h_ = fit.h
        return self

    def predict(self, x: Any) -> np.ndarray:  # type: ignore[type-arg]
        xv = np.asarray(x, dtype=float).reshape(-1)
        return np.asarray(self.h_ * sigmoid(self.coef_ * xv + self.intercept_), dtype=float)


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_predictors`.

    ``table``: predictor, n_train, n_test, train_mse, test_mse, test_mae.
    ``predictions``: Model, Model Family, predictor, split, y, y_hat.
    ``dropped``: Model, reason — models removed from every arm.
    ``fitted``: predictor → fitted estimator.
    """

    table: pd.DataFrame
    predictions: pd.DataFrame
    dropped: pd.DataFrame
    fitted: dict[str, Any]


def _predictor_name(p: Predictor) -> str:
    return f"{p} PC" + ("s" if p != 1 else "") if isinstance(p, int) else str(p)


def _scalar_input(frame: pd.DataFrame, benchmarks: Sequence[str], p: str) -> pd.Series:
    if p == "log_flops":
        return frame["log10_flops"].astype(float)
    if p == "log_params":
        return frame["log10_params"].astype(float)
    if p == "mean_benchmark":
        # Mean over the benchmarks a model has (imputation would use the PC machinery).
        return frame[list(benchmarks)].astype(float).mean(axis=1, skipna=True)
    raise OSLInputError(f"unknown predictor {p!r}; use an int K or one of {SCALAR_PREDICTORS}")


def compare_predictors(
    frame: pd.DataFrame,
    target: str,
    benchmarks: Sequence[str],
    split: Split,
    predictors: Sequence[Predictor] = (1, 2, 3, 4, 5, "log_flops", "log_params", "mean_benchmark"),
    link: Literal["sigmoid", "h_sigmoid"] = "h_sigmoid",
    loss: Literal["squared", "huber"] = "squared",
    huber_delta: float = 1.0,
) -> Comparison:
    """Fit each predictor's sigmoid law on the same training models; score on one test set."""
    missing_cols = [c for c in [target, "Model", "Model Family", *benchmarks] if c not in frame]
    if missing_cols:
        raise OSLInputError(f"missing column(s) {missing_cols}")
    usable = ~split.excluded & frame[target].notna()
    reasons: dict[str, str] = {
        str(m): str(r) for m, r in zip(frame["Model"], split.reason, strict=False) if r
    }
    for m in frame.loc[frame[target].isna(), "Model"]:
        reasons[str(m)] = "target missing"
    for p in predictors:
        if isinstance(p, str):
            x = _scalar_input(frame, benchmarks, p)
            lacking = usable & x.isna()
            for m in frame.loc[lacking, "Model"]:
                reasons.setdefault(str(m), f"no input for predictor {p}")
            usable &= ~lacking
    train = split.train & usable
    test = split.test & usable
    if train.sum() < 3 or test.sum() < 1:
        raise NotEnoughModelsError(
            f"after aligning the arms, {int(train.sum())} training and {int(test.sum())} test "
            "models remain; too few to compare"
        )
    y = frame[target].astype(float)
    rows, preds, fitted = [], [], {}
    for p in predictors:
        name = _predictor_name(p)
        if isinstance(p, int):
            est: Any = ObservationalScalingLaw(
                n_components=p, link=link, loss=loss, huber_delta=huber_delta
            ).fit(frame.loc[train, list(benchmarks)], y[train])
            y_hat = np.asarray(est.predict(frame.loc[usable, list(benchmarks)]), dtype=float)
        else:
            x = _scalar_input(frame, benchmarks, p)
            est = ScalarSigmoidLaw(link=link, loss=loss, huber_delta=huber_delta).fit(
                x[train], y[train]
            )
            y_hat = est.predict(x[usable])
        fitted[name] = est
        part = pd.DataFrame(
            {
                "Model": frame.loc[usable, "Model"].to_numpy(),
                "Model Family": frame.loc[usable, "Model Family"].to_numpy(),
                "predictor": name,
                "split": np.where(train[usable], "train", "test"),
                "y": y[usable].to_numpy(),
                "y_hat": y_hat,
            }
        )
        preds.append(part)
        tr, te = part[part["split"] == "train"], part[part["split"] == "test"]
        rows.append(
            {
                "predictor": name,
                "n_train": len(tr),
                "n_test": len(te),
                "train_mse": mse(tr["y"], tr["y_hat"]),
                "test_mse": mse(te["y"], te["y_hat"]),
                "test_mae": mae(te["y"], te["y_hat"]),
            }
        )
    dropped = pd.DataFrame(sorted(reasons.items()), columns=["Model", "reason"])
    return Comparison(pd.DataFrame(rows), pd.concat(preds, ignore_index=True), dropped, fitted)


def stack_tables(comparisons: dict[str, Comparison], key: str = "target") -> pd.DataFrame:
    """Concatenate the ``table`` of several comparisons, labelled by their dict key."""
    return pd.concat(
        [c.table.assign(**{key: name}) for name, c in comparisons.items()], ignore_index=True
    )


def win_rate(
    table: pd.DataFrame, a: str, b: str, by: str = "target", value: str = "test_mse"
) -> dict[str, float]:
    """In how many groups predictor ``a`` has a lower ``value`` than ``b``: cells, wins, share."""
    wide = table.pivot_table(index=by, columns="predictor", values=value).dropna(subset=[a, b])
    wins = int((wide[a] < wide[b]).sum())
    return {"cells": float(len(wide)), "wins": float(wins), "share": wins / max(len(wide), 1)}
