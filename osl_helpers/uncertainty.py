"""Bootstrap uncertainty for the whole pipeline of Alg. A.1, and the coverage of its intervals.

Each bootstrap replicate resamples the *training models* with replacement and
refits everything on the resample — imputation, the capability PCA (Eq. 5)
and the law (Eq. 6) — so the intervals include the uncertainty of S itself,
not only of β, α and h. Two kinds of interval are offered:

* ``"confidence"``: the spread of the fitted curve Ê(x) across replicates;
* ``"prediction"``: the same plus a residual drawn from each replicate's own
  training residuals, an interval for a new model's observed score.

:func:`coverage` measures how often held-out truths fall inside nominal
intervals, which says whether the intervals are calibrated.

The bootstrap only sees the scatter of the models it was fitted on, not the
error of extrapolating to stronger or later models. :class:`ConformalLaw`
targets that error directly: split conformal prediction (Vovk et al. 2005;
Lei et al. 2018) calibrated on *out-of-time* residuals. A rolling origin
fits the law on the models up to each earlier cutoff (in log10 compute, or
any other order) and scores the models that came after it; a new model's
interval is the calibration quantile of the residuals that were made at a
similar extrapolation distance (its *horizon*), on the logit scale, so that
intervals are wide where the sigmoid is steep and narrow at its floor and
ceiling.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from osl_helpers._validation import (
    LengthMismatchError,
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    UnknownModelError,
    check_aligned,
    check_int,
    check_target,
    require_columns,
)
from osl_helpers.law import TARGET_RANGE, ObservationalScalingLaw

__all__ = [
    "LOGIT_EPS",
    "BootstrapResult",
    "ConformalLaw",
    "bootstrap_law",
    "conformal_quantile",
    "coverage",
    "horizon_quantiles",
    "interval_frame",
    "interval_score",
    "logit_band",
    "logit_residual",
]

FloatArray = NDArray[np.float64]

#: A bootstrap gives up after this many unusable resamples per requested replicate.
MAX_FAILED_PER_REPLICATE = 10


class Regressor(Protocol):
    """What the bootstrap and the conformal calibration need of a law: ``fit`` and ``predict``."""

    def fit(self, X: Any, y: Any) -> Any: ...

    def predict(self, X: Any) -> Any: ...


@dataclass(frozen=True)
class BootstrapResult:
    """Replicate predictions for the models of ``X_new`` (index), one row per replicate.

    ``draws``: predictions Ê (n_boot × n_models); ``noisy``: the same plus a
    resampled training residual (for prediction intervals); ``n_failed``:
    replicates whose resample could not be fitted (too few distinct models)
    and were redrawn.
    """

    index: pd.Index
    draws: FloatArray
    noisy: FloatArray
    n_failed: int
    seed: int

    def interval(
        self, level: float = 0.8, kind: Literal["confidence", "prediction"] = "prediction"
    ) -> pd.DataFrame:
        """Central ``level`` interval per model: columns ``lo``, ``hi``, ``median``."""
        if isinstance(level, bool) or not isinstance(level, int | float) or not 0 < level < 1:
            raise OSLInputError(f"level must be a number in (0, 1); got {level!r}")
        if kind not in ("confidence", "prediction"):
            raise OSLInputError(
                f"unknown kind {kind!r}; use 'confidence' (the fitted curve) or 'prediction' "
                "(a new model's observed score)"
            )
        arr = self.noisy if kind == "prediction" else self.draws
        tail = (1 - level) / 2
        lo, med, hi = np.quantile(arr, [tail, 0.5, 1 - tail], axis=0)
        return pd.DataFrame({"lo": lo, "median": med, "hi": hi}, index=self.index)


def _progress(iterable: range, enabled: bool) -> Any:
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc="bootstrap", leave=False)


def bootstrap_law(
    X_train: pd.DataFrame,
    y_train: pd.Series,
    X_new: pd.DataFrame,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool | None = None,
    law_factory: Callable[[], Regressor] | None = None,
    **law_kwargs: Any,
) -> BootstrapResult:
    """Refit the whole pipeline on ``n_boot`` resamples of the training models.

    ``law_kwargs`` configure :class:`ObservationalScalingLaw` (or pass
    ``law_factory``, e.g. a baseline law on one scalar predictor; its
    ``n_components``, if any, sets the smallest resample that can be fitted).
    ``progress=None`` shows a progress bar only in an interactive terminal
    session; pass ``progress=True`` in a notebook. Seeded: the same arguments
    give the same draws. Bad input raises on a first fit to all the data;
    unusable resamples are redrawn, at most ``MAX_FAILED_PER_REPLICATE`` ×
    ``n_boot`` times.
    """
    for name, frame in (("X_train", X_train), ("X_new", X_new)):
        if not isinstance(frame, pd.DataFrame):
            raise OSLInputError(
                f"{name} must be a DataFrame of benchmark scores (one row per model); got "
                f"{type(frame).__name__}"
            )
    if not isinstance(y_train, pd.Series):
        y_train = pd.Series(np.asarray(y_train), index=X_train.index)  # positional, as in fit
    if len(X_train) != len(y_train):
        raise LengthMismatchError(
            f"X_train has {len(X_train)} rows but y_train has {len(y_train)}; give one target "
            "per training model"
        )
    # The same pairing rule as ObservationalScalingLaw.fit, before the labels are dropped.
    check_aligned(X_train, y_train, ("X_train", "y_train"))
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 10:
        raise OSLInputError(
            f"n_boot should be an integer of at least 10 for percentile intervals; got {n_boot!r}"
        )
    seed = check_int("seed", seed, 0)
    make = law_factory or (lambda: ObservationalScalingLaw(**law_kwargs))
    k = int(getattr(make(), "n_components", 1))
    n = len(X_train)
    if n < k + 2:
        raise NotEnoughModelsError(f"{n} training models are too few for K = {k}")
    # Fit once on all the data: bad input fails here, with its own error, instead of failing
    # every replicate (which would be retried without end or silently skipped).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OSLConvergenceWarning)
        make().fit(X_train, y_train).predict(X_new)
    if progress is None:
        import sys

        progress = hasattr(sys, "ps1") or sys.stderr.isatty()
    rng = np.random.default_rng(seed)
    Xv, yv = X_train.reset_index(drop=True), y_train.reset_index(drop=True)
    draws = np.empty((n_boot, len(X_new)))
    noisy = np.empty_like(draws)
    failed = 0
    max_failed = MAX_FAILED_PER_REPLICATE * n_boot
    for b in _progress(range(n_boot), bool(progress)):
        while True:
            if failed > max_failed:
                raise NotEnoughModelsError(
                    f"{failed} resamples of the {n} training models could not be fitted "
                    f"(after {b} good replicates); too few distinct models or benchmarks vary. "
                    "Add training models or lower n_components"
                )
            idx = rng.integers(0, n, n)
            # Duplicate rows would clash as model labels: give each draw its own label.
            Xb = Xv.iloc[idx].set_axis(pd.RangeIndex(n))
            yb = yv.iloc[idx].set_axis(pd.RangeIndex(n))
            if len(np.unique(idx)) < k + 2:
                failed += 1
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", OSLConvergenceWarning)
                    law = make().fit(Xb, yb)
            except (ValueError, np.linalg.LinAlgError):
                # e.g. a resample in which a benchmark is constant or entirely missing
                failed += 1
                continue
            break
        pred = np.asarray(law.predict(X_new), dtype=float)
        resid = yb.to_numpy() - np.asarray(law.predict(Xb), dtype=float)
        draws[b] = pred
        # A simulated observation: below-chance (negative) scores are possible, above 1 not.
        noisy[b] = np.clip(pred + rng.choice(resid, size=len(pred)), *TARGET_RANGE)
    return BootstrapResult(X_new.index, draws, noisy, failed, seed)


def interval_frame(
    result: BootstrapResult, levels: tuple[float, ...] = (0.8, 0.95), kind: str = "prediction"
) -> pd.DataFrame:
    """Tidy intervals: one row per model and level (``level``, ``lo``, ``median``, ``hi``)."""
    parts = []
    for level in levels:
        iv = result.interval(level, kind)  # type: ignore[arg-type]
        parts.append(iv.assign(level=level).rename_axis("Model").reset_index())
    return pd.concat(parts, ignore_index=True)


def coverage(y_true: pd.Series, intervals: pd.DataFrame) -> float:
    """Share of ``y_true`` inside [lo, hi] of ``intervals`` (aligned by index)."""
    if not isinstance(y_true, pd.Series) or not isinstance(intervals, pd.DataFrame):
        raise OSLInputError("coverage takes y_true (a Series) and intervals (a DataFrame)")
    require_columns(intervals, ["lo", "hi"], "intervals")
    absent = y_true.index.difference(intervals.index)
    if len(absent):
        raise UnknownModelError(
            f"{len(absent)} model(s) of y_true have no interval, e.g. {list(absent[:3])}; "
            "index both by model name"
        )
    iv = intervals.loc[y_true.index]
    inside = (y_true >= iv["lo"]) & (y_true <= iv["hi"])
    return float(inside.mean()) if len(inside) else float("nan")


# --------------------------------------------------------------------------- conformal intervals

#: Scores this close to the floor 0 or the ceiling 1 are not told apart on the logit scale
#: (about the sampling error of an accuracy measured on a few hundred questions).
LOGIT_EPS = 0.01


def _logit(p: FloatArray, eps: float) -> FloatArray:
    q = np.clip(p, eps, 1.0 - eps)
    return np.asarray(np.log(q / (1.0 - q)), dtype=float)


def _check_eps(eps: float) -> float:
    if not (np.isfinite(eps) and 0 < eps < 0.5):
        raise OSLInputError(f"eps must be in (0, 0.5); got {eps!r}")
    return float(eps)


def logit_residual(y: Any, y_hat: Any, eps: float = LOGIT_EPS) -> FloatArray:
    """Signed residual on the logit scale, logit(ỹ) − logit(ŷ̃), with both clipped to [eps, 1 − eps].

    E of Eq. 6 lives on [0, 1]; on the logit scale a miss near the floor or
    ceiling (where the sigmoid is flat) weighs as much as a larger miss in
    the steep middle. Clipping keeps exact zeros (a task not yet emerged)
    finite; a normalised score below chance counts as at the floor.
    """
    eps = _check_eps(eps)
    yv, hv = np.asarray(y, dtype=float), np.asarray(y_hat, dtype=float)
    if yv.shape != hv.shape:
        raise LengthMismatchError(f"y has shape {yv.shape} but y_hat has {hv.shape}")
    return _logit(yv, eps) - _logit(hv, eps)


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not (isinstance(level, int | float) and 0 < level < 1):
        raise OSLInputError(f"level must be a number in (0, 1); got {level!r}")
    return float(level)


def conformal_quantile(scores: Any, level: float) -> float:
    """Split-conformal quantile of ``scores``: their ⌈(n + 1)·level⌉-th smallest value.

    With n exchangeable calibration scores, a new score falls at or below
    this value with probability at least ``level`` (Lei et al. 2018).
    Too few scores for that rank give +∞ (an interval covering everything).
    """
    level = _check_level(level)
    s = np.asarray(scores, dtype=float).reshape(-1)
    if np.isnan(s).any():
        raise OSLInputError("scores contain NaN")
    rank = math.ceil((len(s) + 1) * level)
    return float(np.sort(s)[rank - 1]) if rank <= len(s) else math.inf


def horizon_quantiles(
    cal_scores: Any,
    cal_horizons: Any,
    horizons: Any,
    levels: Sequence[float],
    bandwidth: float = 0.5,
    min_neighbours: int = 20,
) -> FloatArray:
    """Conformal quantiles of ``cal_scores`` for each new point, using calibration points of similar horizon.

    Out-of-time errors grow with the extrapolation distance (the horizon), so
    residuals are only exchangeable with residuals made at a similar horizon.
    For a new point at horizon d the calibration set is every score whose
    horizon lies within ``bandwidth`` of d, widened to the ``min_neighbours``
    nearest horizons when that is fewer (ties broken by order). Returns an
    array new points × levels of :func:`conformal_quantile` values.
    """
    s = np.asarray(cal_scores, dtype=float).reshape(-1)
    hc = np.asarray(cal_horizons, dtype=float).reshape(-1)
    hn = np.asarray(horizons, dtype=float).reshape(-1)
    if len(s) != len(hc):
        raise LengthMismatchError(f"{len(s)} calibration scores but {len(hc)} horizons")
    if not (np.isfinite(hc).all() and np.isfinite(hn).all()):
        raise OSLInputError("horizons must be finite")
    if not (np.isfinite(bandwidth) and bandwidth >= 0):
        raise OSLInputError(f"bandwidth must be a non-negative number; got {bandwidth!r}")
    if (
        isinstance(min_neighbours, bool)
        or not isinstance(min_neighbours, int)
        or min_neighbours < 1
    ):
        raise OSLInputError(f"min_neighbours must be an integer ≥ 1; got {min_neighbours!r}")
    lv = [_check_level(v) for v in levels]
    out = np.full((len(hn), len(lv)), math.inf)
    if len(s) == 0:
        return out
    for i, d in enumerate(hn):
        dist = np.abs(hc - d)
        near = dist <= bandwidth + 1e-12
        if near.sum() < min_neighbours:
            near = np.zeros(len(s), dtype=bool)
            near[np.argsort(dist, kind="stable")[:min_neighbours]] = True
        chosen = np.sort(s[near])
        for j, level in enumerate(lv):
            rank = math.ceil((len(chosen) + 1) * level)
            if rank <= len(chosen):
                out[i, j] = chosen[rank - 1]
    return out


def logit_band(y_hat: Any, q: Any, eps: float = LOGIT_EPS) -> tuple[FloatArray, FloatArray]:
    """The interval {y : abs(logit(ỹ) − logit(ŷ̃)) ≤ q} on the [0, 1] scale of E.

    A bound that reaches the clipped zone (within ``eps`` of 0 or 1) becomes
    0 or 1 itself, since scores there are not told apart; q = +∞ gives [0, 1].
    """
    eps = _check_eps(eps)
    hv = np.asarray(y_hat, dtype=float)
    qv = np.broadcast_to(np.asarray(q, dtype=float), hv.shape)
    if (qv < 0).any() or np.isnan(qv).any():
        raise OSLInputError("q must be non-negative")
    centre = _logit(hv, eps)
    with np.errstate(over="ignore"):
        lo_z, hi_z = centre - qv, centre + qv
    edge = math.log((1.0 - eps) / eps)
    lo = np.where(lo_z <= -edge + 1e-12, 0.0, 0.5 * (1.0 + np.tanh(0.5 * lo_z)))
    hi = np.where(hi_z >= edge - 1e-12, 1.0, 0.5 * (1.0 + np.tanh(0.5 * hi_z)))
    return np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)


def interval_score(y: Any, lo: Any, hi: Any, level: float) -> FloatArray:
    """Interval score of central ``level`` intervals (Gneiting & Raftery 2007); lower is better.

    IS = (hi − lo) + (2/a)(lo − y)·1[y < lo] + (2/a)(y − hi)·1[y > hi] with
    a = 1 − level: the width plus a penalty for each miss that grows with its
    size, so a method cannot win by being narrow and wrong, or wide and safe.
    """
    a = 1.0 - _check_level(level)
    yv, lv, hv = (np.asarray(v, dtype=float) for v in (y, lo, hi))
    below = np.maximum(lv - yv, 0.0)
    above = np.maximum(yv - hv, 0.0)
    return np.asarray((hv - lv) + (2.0 / a) * (below + above), dtype=float)


def _as_order(order: Any, index: pd.Index, name: str) -> FloatArray:
    if isinstance(order, pd.Series):
        if not order.index.equals(index):
            if set(index) - set(order.index):
                raise LengthMismatchError(f"{name} lacks some of the models of X")
            order = order.loc[index]
    arr = np.asarray(order, dtype=float).reshape(-1)
    if len(arr) != len(index):
        raise LengthMismatchError(f"{name} has {len(arr)} values for {len(index)} models")
    return arr


class ConformalLaw(BaseEstimator):  # type: ignore[misc]
    """Prediction intervals for a law of Eq. 6 that are calibrated out of time.

    ``fit(X, y, order)`` fits ``estimator`` (default: the book's
    :class:`~osl_helpers.law.ObservationalScalingLaw`) on every training
    model and calibrates it with a *rolling origin*: for each origin c on a
    grid of ``step`` in ``order`` (e.g. log10 training FLOPs C), a clone is
    fitted on the models with order ≤ c (at least ``min_train`` of them) and
    predicts those above c. Each such residual was out of time when it was
    made, at horizon order − c. Its nonconformity score is the absolute
    logit residual (:func:`logit_residual`).

    ``predict_interval(X, order, level)`` gives a new model at horizon
    d = max(0, order − origin) (origin: the training models' largest order,
    or the ``origin`` passed to ``fit``) the split-conformal quantile q of
    the calibration scores within ``bandwidth`` of d
    (:func:`horizon_quantiles`) and returns Ê with the band
    abs(logit E − logit Ê) ≤ q (:func:`logit_band`). Exchangeability is only
    assumed among residuals of similar horizon; ``beyond`` flags new models
    farther out than any calibration residual, where the interval rests on
    the farthest residuals seen and is likely too narrow.

    Fitted attributes: ``estimator_``, ``calibration_`` (one row per
    calibration residual: ``model``, ``origin``, ``horizon``, ``y``,
    ``y_hat``, ``score``), ``origins_`` (origins used), ``skipped_origins_``
    (origins whose fit failed), ``origin_``, ``n_features_in_``.
    """

    def __init__(
        self,
        estimator: Regressor | None = None,
        step: float = 0.25,
        min_train: int = 8,
        bandwidth: float = 0.5,
        min_neighbours: int = 20,
        eps: float = LOGIT_EPS,
        origins: Sequence[float] | None = None,
    ) -> None:
        self.estimator = estimator
        self.step = step
        self.min_train = min_train
        self.bandwidth = bandwidth
        self.min_neighbours = min_neighbours
        self.eps = eps
        self.origins = origins

    def _make(self) -> Any:
        return clone(self.estimator) if self.estimator is not None else ObservationalScalingLaw()

    def _grid(self, order: FloatArray) -> list[float]:
        if self.origins is not None:
            return sorted(float(o) for o in self.origins)
        if not (np.isfinite(self.step) and self.step > 0):
            raise OSLInputError(f"step must be a positive number; got {self.step!r}")
        start = math.floor(float(order.min()) / self.step)
        stop = math.ceil(float(order.max()) / self.step)
        return [k * self.step for k in range(start, stop + 1)]

    def fit(self, X: Any, y: Any, order: Any, origin: float | None = None) -> ConformalLaw:
        """Fit the law on all of (X, y) and calibrate it on a rolling origin along ``order``."""
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X, dtype=float))
        yv = check_target(y, low=TARGET_RANGE[0], high=TARGET_RANGE[1])
        if len(yv) != len(X):
            raise LengthMismatchError(f"X has {len(X)} models but y has {len(yv)} values")
        ov = _as_order(order, X.index, "order")
        if not np.isfinite(ov).all():
            raise OSLInputError(
                f"order is missing or infinite for {int((~np.isfinite(ov)).sum())} training "
                "model(s); every training model needs a place in time (e.g. log10 FLOPs)"
            )
        if isinstance(self.min_train, bool) or not isinstance(self.min_train, int):
            raise OSLInputError(f"min_train must be an integer; got {self.min_train!r}")
        _check_eps(self.eps)
        ys = pd.Series(yv, index=X.index)
        self.estimator_ = self._make().fit(X, ys)
        self.origin_ = float(ov.max()) if origin is None else float(origin)
        rows: list[pd.DataFrame] = []
        used: list[float] = []
        skipped: list[float] = []
        for c in self._grid(ov):
            train = ov <= c + 1e-9
            later = ~train
            if train.sum() < max(self.min_train, 2) or not later.any():
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", OSLConvergenceWarning)
                    inner = self._make().fit(X[train], ys[train])
            except (ValueError, np.linalg.LinAlgError):
                # e.g. a benchmark that is constant or missing among the few earliest models
                skipped.append(c)
                continue
            pred = np.asarray(inner.predict(X[later]), dtype=float)
            used.append(c)
            rows.append(
                pd.DataFrame(
                    {
                        "model": X.index[later],
                        "origin": c,
                        "horizon": ov[later] - c,
                        "y": yv[later],
                        "y_hat": pred,
                    }
                )
            )
        cols = ["model", "origin", "horizon", "y", "y_hat", "score"]
        if rows:
            cal = pd.concat(rows, ignore_index=True)
            cal["score"] = np.abs(logit_residual(cal["y"], cal["y_hat"], self.eps))
        else:
            cal = pd.DataFrame(columns=cols)
        self.calibration_ = cal[cols]
        self.origins_ = used
        self.skipped_origins_ = skipped
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: Any) -> FloatArray:
        """Ê of the law fitted on all training models."""
        check_is_fitted(self, "estimator_")
        return np.asarray(self.estimator_.predict(X), dtype=float)

    def predict_intervals(
        self, X: Any, order: Any = None, levels: Sequence[float] = (0.5, 0.8, 0.95)
    ) -> pd.DataFrame:
        """Intervals at several ``levels``: one row per model and level (long form).

        Columns: ``level``, ``y_hat``, ``lo``, ``hi``, ``horizon``,
        ``n_calibration`` (all calibration residuals) and ``beyond`` (horizon
        past the farthest calibration residual). ``order=None`` puts every
        new model at horizon 0 (no farther out than the training models).
        """
        check_is_fitted(self, "estimator_")
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(np.asarray(X, dtype=float))
        y_hat = self.predict(X)
        if order is None:
            horizon = np.zeros(len(X))
        else:
            ov = _as_order(order, X.index, "order")
            if not np.isfinite(ov).all():
                raise OSLInputError("order is missing or infinite for some model(s) to predict")
            horizon = np.maximum(ov - self.origin_, 0.0)
        cal = self.calibration_
        q = horizon_quantiles(
            cal["score"].to_numpy(dtype=float),
            cal["horizon"].to_numpy(dtype=float),
            horizon,
            levels,
            bandwidth=self.bandwidth,
            min_neighbours=self.min_neighbours,
        )
        far = float(cal["horizon"].max()) if len(cal) else -math.inf
        parts = []
        for j, level in enumerate(levels):
            lo, hi = logit_band(y_hat, q[:, j], self.eps)
            parts.append(
                pd.DataFrame(
                    {
                        "level": float(level),
                        "y_hat": y_hat,
                        "lo": lo,
                        "hi": hi,
                        "horizon": horizon,
                        "n_calibration": len(cal),
                        "beyond": horizon > far + 1e-9,
                    },
                    index=X.index,
                )
            )
        return pd.concat(parts)

    def predict_interval(self, X: Any, order: Any = None, level: float = 0.9) -> pd.DataFrame:
        """Central ``level`` interval per model (index like X): see :meth:`predict_intervals`."""
        return self.predict_intervals(X, order, (level,)).drop(columns="level")
