"""Holdout splits, test metrics and like-for-like comparison of predictors.

The paper's claim is comparative (Sec. 4): principal capabilities S predict
held-out strong models better than training compute does. :func:`compare_predictors`
tests it fairly: every predictor is fitted with the same sigmoid law
E ≈ h·σ(βᵀS + α) (Eq. 6, with S replaced by a scalar for the baselines), with
the same optimiser, on the same training models, and is scored on one
identical test set. Models that lack some predictor's input (e.g. unknown
FLOPs) are removed from every arm and reported, never dropped from one arm only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    DegenerateColumnError,
    DuplicateModelError,
    LengthMismatchError,
    NotEnoughModelsError,
    OSLInputError,
    TargetRangeError,
    UnknownFamilyError,
    UnknownModelError,
    as_float_array,
    as_names,
    check_aligned,
    check_number,
    check_target,
    numeric_column,
    require_columns,
)
from osl_helpers.data import LLAMA2_7B_FLOPS
from osl_helpers.law import (
    TARGET_RANGE,
    Link,
    Loss,
    ObservationalScalingLaw,
    fit_sigmoid_law,
    link_function,
    sigmoid_fit_options,
)

__all__ = [
    "SCALAR_PREDICTORS",
    "Comparison",
    "Predictor",
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

FloatArray = NDArray[np.float64]

#: An int K (K principal capabilities) or the name of a scalar baseline.
Predictor = int | str
#: Scalar baselines: log10 training FLOPs, log10 parameters, mean benchmark score.
SCALAR_PREDICTORS = ("log_flops", "log_params", "mean_benchmark")
_SCALAR_COLUMNS = {"log_flops": "log10_flops", "log_params": "log10_params"}


# --------------------------------------------------------------------------- metrics


def _errors(y: Any, y_hat: Any) -> FloatArray:
    check_aligned(y, y_hat, ("y", "y_hat"))
    a = as_float_array(y, "y")
    b = as_float_array(y_hat, "y_hat")
    if a.shape != b.shape:
        raise LengthMismatchError(f"y has shape {a.shape} but y_hat has {b.shape}")
    if np.isnan(a).any() or np.isnan(b).any():
        raise TargetRangeError("NaN in y or y_hat: drop those models before scoring")
    return np.asarray(a - b, dtype=float)


def mse(y: Any, y_hat: Any) -> float:
    """Mean squared error of predictions ``y_hat`` of E; NaN inputs raise, no models gives NaN."""
    e = _errors(y, y_hat)
    return float(np.mean(e**2)) if e.size else float("nan")


def mae(y: Any, y_hat: Any) -> float:
    """Mean absolute error of predictions ``y_hat`` of E; NaN inputs raise, no models gives NaN."""
    e = _errors(y, y_hat)
    return float(np.mean(np.abs(e))) if e.size else float("nan")


# --------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """Which models to fit on (``train``), score on (``test``) or leave out (``excluded``).

    The three boolean Series share the frame's index and are disjoint.
    ``reason`` (same index, ``""`` where not excluded) says why a model is
    excluded; ``description`` says how the split was made. Construction checks
    alignment and disjointness and raises a named error otherwise.
    """

    train: pd.Series
    test: pd.Series
    excluded: pd.Series
    description: str
    reason: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))

    def __post_init__(self) -> None:
        masks = {"train": self.train, "test": self.test, "excluded": self.excluded}
        for name, mask in masks.items():
            if not isinstance(mask, pd.Series) or not pd.api.types.is_bool_dtype(mask):
                raise OSLInputError(f"Split.{name} must be a boolean pandas Series")
            if not mask.index.equals(self.train.index):
                raise LengthMismatchError(f"Split.{name} is not aligned with Split.train")
        overlap = (self.train & self.test) | ((self.train | self.test) & self.excluded)
        if overlap.any():
            raise OSLInputError(
                f"train, test and excluded overlap for {int(overlap.sum())} model(s), "
                f"e.g. {list(overlap[overlap].index[:3])}"
            )
        if self.reason.empty:
            object.__setattr__(self, "reason", pd.Series("", index=self.train.index, dtype=object))
        elif not self.reason.index.equals(self.train.index):
            raise LengthMismatchError("Split.reason is not aligned with Split.train")

    @property
    def n_train(self) -> int:
        return int(self.train.sum())

    @property
    def n_test(self) -> int:
        return int(self.test.sum())

    @property
    def n_excluded(self) -> int:
        return int(self.excluded.sum())


def _split(
    index: pd.Index, test: pd.Series, excluded: pd.Series, desc: str, why: str | pd.Series
) -> Split:
    excluded = excluded.astype(bool)
    test = test.astype(bool) & ~excluded
    train = ~test & ~excluded
    reason = pd.Series("", index=index, dtype=object).mask(excluded, why)
    return Split(train, test, excluded, desc, reason)


def split_by_flops(
    frame: pd.DataFrame, cutoff: float = LLAMA2_7B_FLOPS, column: str = "log10_flops"
) -> Split:
    """Train on models with training FLOPs C ≤ ``cutoff``; test on the rest (Sec. 4).

    ``cutoff`` is in FLOPs (e.g. :data:`~osl_helpers.data.LLAMA2_7B_FLOPS`); ``column`` holds
    log10 C. The boundary is inclusive (the cutoff model itself trains).
    Models with unknown FLOPs are in neither set: ``excluded``, with the
    reason ``"training FLOPs unknown"``.
    """
    require_columns(frame, [column])
    cutoff = check_number("cutoff", cutoff, positive=True, example="8.4e22")
    lf = numeric_column(frame, column)
    unknown = lf.isna()
    # A small tolerance keeps a model exactly at the cutoff on the training side.
    test = lf > math.log10(cutoff) + 1e-9
    return _split(
        frame.index, test, unknown, f"train on FLOPs ≤ {cutoff:.3g}", "training FLOPs unknown"
    )


def split_by_reference_model(
    frame: pd.DataFrame, model_name: str, model: str = "Model", column: str = "log10_flops"
) -> Split:
    """As :func:`split_by_flops`, with the cutoff at the training FLOPs of one named model."""
    require_columns(frame, [model, column])
    rows = frame[frame[model] == model_name]
    if rows.empty:
        raise UnknownModelError(f"reference model {model_name!r} is not in column {model!r}")
    if len(rows) > 1:
        raise DuplicateModelError(f"reference model {model_name!r} appears {len(rows)} times")
    lf = float(numeric_column(rows, column).iloc[0])
    if math.isnan(lf):
        raise OSLInputError(f"reference model {model_name!r} has unknown training FLOPs")
    split = split_by_flops(frame, 10.0**lf, column)
    return Split(
        split.train, split.test, split.excluded, f"train on FLOPs ≤ {model_name}", split.reason
    )


def split_by_top_fraction(y: pd.Series, fraction: float = 0.1) -> Split:
    """Hold out the best ``fraction`` of models by the target (the paper's agent setup, Sec. 4.2).

    The test set has ``max(1, round(fraction × n))`` models, n counting the
    models with a known target; ties are broken by order. Models with a
    missing target are excluded (reason ``"target missing"``).
    """
    if not isinstance(y, pd.Series):
        raise OSLInputError("y must be a pandas Series indexed like the frame")
    y = numeric_column(y.to_frame("y"), "y", "y")
    if not 0 < check_number("fraction", fraction, example="0.1") < 1:
        raise OSLInputError(f"fraction must be in (0, 1); got {fraction}")
    missing = y.isna()
    known = int((~missing).sum())
    if known < 2:
        raise NotEnoughModelsError(f"{known} model(s) with a target; need at least 2 to split")
    n_test = max(1, round(fraction * known))
    test = y.rank(method="first", ascending=False) <= n_test
    return _split(
        y.index, test, missing, f"top {fraction:.0%} by target held out", "target missing"
    )


def split_by_family(
    frame: pd.DataFrame, test_families: str | Sequence[str], family: str = "Model Family"
) -> Split:
    """Hold out whole families: their models are the test set, every other model trains."""
    require_columns(frame, [family])
    names = as_names(test_families)
    if not names:
        raise OSLInputError("no test families given; name at least one family to hold out")
    unknown = sorted(set(names) - set(frame[family].dropna()))
    if unknown:
        raise UnknownFamilyError(f"unknown family(ies) {unknown} in column {family!r}")
    none = pd.Series(False, index=frame.index)
    return _split(frame.index, frame[family].isin(names), none, f"families {names} held out", "")


def split_by_models(
    frame: pd.DataFrame, test_models: str | Sequence[str], model: str = "Model"
) -> Split:
    """Hold out an explicit list of models; every other model trains."""
    require_columns(frame, [model])
    names = as_names(test_models)
    if not names:
        raise OSLInputError("no test models given; name at least one model to hold out")
    unknown = sorted(set(names) - set(frame[model]))
    if unknown:
        raise UnknownModelError(f"unknown model(s) {unknown} in column {model!r}")
    none = pd.Series(False, index=frame.index)
    return _split(frame.index, frame[model].isin(names), none, f"{len(names)} models held out", "")


# --------------------------------------------------------------------------- scalar law


class ScalarSigmoidLaw(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """Baseline law on one scalar predictor x: Eq. 6 with βᵀS replaced by w·x.

    With the default ``link="h_sigmoid"``, Ê = (1 − h) + h·σ(w·x + α) on the
    accuracy scale, exactly the form of
    :class:`~osl_helpers.law.ObservationalScalingLaw`; targets may lie in
    :data:`~osl_helpers.law.TARGET_RANGE` (below-chance values are kept).

    x is e.g. log10 training FLOPs (the compute scaling law the paper compares
    against), log10 parameters or the mean benchmark score. The fit uses the
    same optimiser as :class:`~osl_helpers.law.ObservationalScalingLaw`
    (:func:`~osl_helpers.law.fit_sigmoid_law`) on standardised x, so the two
    differ only in their input. Fitted attributes: ``coef_`` (w), ``intercept_``
    (α), ``h_``, ``x_mean_``, ``x_scale_``, ``n_features_in_`` (1).
    """

    def __init__(
        self,
        link: Link = "h_sigmoid",
        loss: Loss = "squared",
        huber_delta: float = 1.0,
        h_bounds: tuple[float, float] = (0.8, 1.0),
        max_nfev: int = 2000,
        on_failure: Literal["warn", "raise"] = "warn",
    ) -> None:
        self.link = link
        self.loss = loss
        self.huber_delta = huber_delta
        self.h_bounds = h_bounds
        self.max_nfev = max_nfev
        self.on_failure = on_failure

    @staticmethod
    def _as_1d(x: Any) -> FloatArray:
        xv = np.asarray(x, dtype=float)
        if xv.ndim == 2 and xv.shape[1] == 1:
            xv = xv[:, 0]
        if xv.ndim != 1:
            raise OSLInputError(f"x must be one scalar per model; got shape {xv.shape}")
        if np.isnan(xv).any() or np.isinf(xv).any():
            raise OSLInputError(
                f"{int((~np.isfinite(xv)).sum())} missing or infinite predictor value(s); "
                "drop those models first"
            )
        return xv

    def fit(self, x: Any, y: Any) -> ScalarSigmoidLaw:
        # Pairing is by position; the shared rule says when the labels make that wrong.
        check_aligned(x, y, ("x", "y"))
        xv = self._as_1d(x)
        yv = check_target(y, low=TARGET_RANGE[0], high=TARGET_RANGE[1])
        if len(xv) != len(yv):
            raise LengthMismatchError(f"x has {len(xv)} values but y has {len(yv)}")
        if len(xv) < 3:
            raise NotEnoughModelsError(
                f"a scalar sigmoid law needs at least 3 models; got {len(xv)}"
            )
        scale = float(xv.std())
        if scale <= 1e-12:
            raise DegenerateColumnError("the predictor is constant; its slope w is not identified")
        # Standardise x so the optimiser sees the same scale as for S.
        self.x_mean_ = float(xv.mean())
        self.x_scale_ = scale
        fit = fit_sigmoid_law((xv - self.x_mean_) / self.x_scale_, yv, **sigmoid_fit_options(self))
        self.coef_ = float(fit.beta[0]) / self.x_scale_
        self.intercept_ = float(fit.alpha) - self.coef_ * self.x_mean_
        self.h_ = float(fit.h)
        self.n_features_in_ = 1
        return self

    def predict(self, x: Any) -> FloatArray:
        """Ê = (1 − h) + h·σ(w·x + α) (or the chosen link)."""
        check_is_fitted(self, "coef_")
        xv = self._as_1d(x)
        return link_function(self.coef_ * xv + self.intercept_, self.h_, self.link)


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare_predictors`.

    ``table``: predictor, n_train, n_test, train_mse, test_mse, test_mae (one
    row per predictor, all with the same n_train and n_test).
    ``predictions``: Model, Model Family, predictor, split, y, y_hat.
    ``dropped``: Model, reason, split — every model left out of every arm,
    with the arm the split had put it in (``"excluded"`` if none).
    ``fitted``: predictor name → fitted estimator.
    """

    table: pd.DataFrame
    predictions: pd.DataFrame
    dropped: pd.DataFrame
    fitted: dict[str, Any]


def _predictor_name(p: Predictor) -> str:
    return f"{p} PC" + ("s" if p != 1 else "") if isinstance(p, int) else str(p)


def _check_predictors(predictors: Sequence[Predictor], n_benchmarks: int) -> None:
    if len(predictors) == 0:
        raise OSLInputError("no predictors given")
    for p in predictors:
        if isinstance(p, bool) or not isinstance(p, int | str):
            raise OSLInputError(f"predictor {p!r} must be an int K or one of {SCALAR_PREDICTORS}")
        if isinstance(p, int) and not 1 <= p <= n_benchmarks:
            raise OSLInputError(f"predictor {p}: K must be in [1, {n_benchmarks}] benchmarks")
        if isinstance(p, str) and p not in SCALAR_PREDICTORS:
            raise OSLInputError(
                f"unknown predictor {p!r}; use an int K or one of {SCALAR_PREDICTORS}"
            )
    names = [_predictor_name(p) for p in predictors]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise OSLInputError(f"predictor(s) {dup} given more than once")


def _scalar_input(frame: pd.DataFrame, benchmarks: Sequence[str], p: str) -> pd.Series:
    if p in _SCALAR_COLUMNS:
        col = _SCALAR_COLUMNS[p]
        require_columns(frame, [col])
        return numeric_column(frame, col)
    # Mean over the benchmarks a model has; imputing first would reuse the PC machinery.
    scores = pd.DataFrame({b: numeric_column(frame, b) for b in benchmarks})
    return scores.mean(axis=1, skipna=True)


def compare_predictors(
    frame: pd.DataFrame,
    target: str,
    benchmarks: Sequence[str],
    split: Split,
    predictors: Sequence[Predictor] = (1, 2, 3, 4, 5, "log_flops", "log_params", "mean_benchmark"),
    link: Link = "h_sigmoid",
    loss: Loss = "squared",
    huber_delta: float = 1.0,
) -> Comparison:
    """Fit the sigmoid law (Eq. 6) once per predictor on the same models; score on one test set.

    An int K fits :class:`~osl_helpers.law.ObservationalScalingLaw` with K
    principal capabilities S (PCA and imputation fitted on the training models
    only); a scalar predictor (:data:`SCALAR_PREDICTORS`) fits
    :class:`ScalarSigmoidLaw`. ``frame`` needs ``Model``, ``Model Family``,
    ``target`` (in [0, 1]), the ``benchmarks`` and, for the scalar baselines,
    ``log10_flops`` / ``log10_params``; ``split`` must be built on the same
    index. A model enters the fit or the test set only if every predictor has
    its input for it (a PC predictor: at least one benchmark score) and its
    target is known; every other model is listed in ``Comparison.dropped``.
    """
    require_columns(frame, ["Model", "Model Family", target, *benchmarks])
    if frame.index.has_duplicates:
        raise DuplicateModelError("frame has duplicate index labels; index it by model")
    if not split.train.index.equals(frame.index):
        raise LengthMismatchError("split was not built on this frame (indexes differ)")
    if len(benchmarks) == 0:
        raise OSLInputError("no benchmarks given")
    _check_predictors(predictors, len(benchmarks))

    arm = pd.Series(
        np.select([split.train.to_numpy(), split.test.to_numpy()], ["train", "test"], "excluded"),
        index=frame.index,
    )
    reasons: dict[Any, str] = {}
    for idx in frame.index[split.excluded.to_numpy()]:
        reasons[idx] = str(split.reason.get(idx, "")) or "excluded by the split"
    usable = ~split.excluded & frame[target].notna()
    for idx in frame.index[(~split.excluded & frame[target].isna()).to_numpy()]:
        reasons[idx] = "target missing"
    inputs: dict[str, pd.Series] = {}
    for p in predictors:
        name = _predictor_name(p)
        if isinstance(p, int):
            has_input = frame[list(benchmarks)].notna().any(axis=1)
            why = "no benchmark score"
        else:
            inputs[name] = _scalar_input(frame, benchmarks, p)
            has_input = inputs[name].notna()
            why = f"no input for predictor {name}"
        for idx in frame.index[(usable & ~has_input).to_numpy()]:
            reasons.setdefault(idx, why)
        usable &= has_input
    train = split.train & usable
    test = split.test & usable
    if train.sum() < 3 or test.sum() < 1:
        raise NotEnoughModelsError(
            f"after aligning the arms, {int(train.sum())} training and {int(test.sum())} test "
            "models remain; too few to compare"
        )

    y = numeric_column(frame, target)
    rows, preds, fitted = [], [], {}
    for p in predictors:
        name = _predictor_name(p)
        if isinstance(p, int):
            est: Any = ObservationalScalingLaw(
                n_components=p, link=link, loss=loss, huber_delta=huber_delta
            ).fit(frame.loc[train, list(benchmarks)], y[train])
            y_hat = np.asarray(est.predict(frame.loc[usable, list(benchmarks)]), dtype=float)
        else:
            est = ScalarSigmoidLaw(link=link, loss=loss, huber_delta=huber_delta).fit(
                inputs[name][train], y[train]
            )
            y_hat = est.predict(inputs[name][usable])
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
    order = [i for i in frame.index if i in reasons]
    dropped = pd.DataFrame(
        {
            "Model": frame.loc[order, "Model"].astype(str).to_numpy(),
            "reason": [reasons[i] for i in order],
            "split": arm[order].to_numpy(),
        },
        columns=["Model", "reason", "split"],
    )
    dropped = dropped.sort_values("Model", kind="stable").reset_index(drop=True)
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
    require_columns(table, [by, "predictor", value], "table")
    wide = table.pivot_table(index=by, columns="predictor", values=value)
    absent = [p for p in (a, b) if p not in wide.columns]
    if absent:
        raise OSLInputError(
            f"predictor(s) {absent} are not in the table; it has {list(wide.columns)}"
        )
    wide = wide.dropna(subset=[a, b])
    wins = int((wide[a] < wide[b]).sum())
    return {"cells": float(len(wide)), "wins": float(wins), "share": wins / max(len(wide), 1)}
