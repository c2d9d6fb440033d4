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
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import (
    LengthMismatchError,
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    UnknownModelError,
    check_aligned,
    check_int,
    require_columns,
)
from osl_helpers.law import TARGET_RANGE, ObservationalScalingLaw

__all__ = [
    "BootstrapResult",
    "bootstrap_law",
    "coverage",
    "coverage_study",
    "interval_frame",
    "pooled_coverage",
]

FloatArray = NDArray[np.float64]

#: A bootstrap gives up after this many unusable resamples per requested replicate.
MAX_FAILED_PER_REPLICATE = 10


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
    law_factory: Callable[[], ObservationalScalingLaw] | None = None,
    **law_kwargs: Any,
) -> BootstrapResult:
    """Refit the whole pipeline on ``n_boot`` resamples of the training models.

    ``law_kwargs`` configure :class:`ObservationalScalingLaw` (or pass
    ``law_factory``). ``progress=None`` shows a progress bar only in an
    interactive terminal session; pass ``progress=True`` in a notebook. Seeded: the same
    arguments give the same draws. Bad input raises on a first fit to all the data; unusable
    resamples are redrawn, at most ``MAX_FAILED_PER_REPLICATE`` × ``n_boot`` times.
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
    k = make().n_components
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


def coverage_study(
    targets: Sequence[str],
    cutoffs: Sequence[float] = (22.75, 23.0, 23.25),
    levels: tuple[float, ...] = (0.8, 0.95),
    n_boot: int = 200,
    seed: int = 0,
    out_of_time: bool = True,
) -> pd.DataFrame:
    """Empirical coverage of nominal prediction intervals on held-out models.

    For every target, each backtest cutoff (log10 FLOPs; fit below, test above)
    and, if ``out_of_time``, the paper → pre-registered split, the pipeline is
    bootstrapped on the training models and the share of held-out truths inside
    each nominal interval is recorded. Columns: target, split, level, n_test,
    coverage. A calibrated interval covers about ``level`` of the truths.
    """
    from osl_helpers.outoftime import out_of_time_split
    from osl_helpers.setups import load_task

    rows = []
    for i, key in enumerate(targets):
        task = load_task(key)
        splits: list[tuple[str, pd.Series, pd.Series]] = []
        lf = task.frame["log10_flops"]
        for cut in cutoffs:
            splits.append((f"backtest {cut:g}", lf <= cut + 1e-9, lf > cut + 1e-9))
        if out_of_time:
            tr, te, frame = out_of_time_split(task.setup)
            splits.append(("out of time", tr, te))
        for j, (name, train, test) in enumerate(splits):
            fr = frame if name == "out of time" else task.frame
            if train.sum() < 10 or test.sum() < 3:
                continue
            X = fr[list(task.setup.benchmarks)]
            res = bootstrap_law(
                X[train], fr.loc[train, "y"], X[test], n_boot=n_boot,
                seed=seed + 1000 * i + j, progress=False, **task.setup.law_kwargs(),
            )  # fmt: skip
            for level in levels:
                rows.append(
                    {
                        "target": key,
                        "split": name,
                        "level": level,
                        "n_test": int(test.sum()),
                        "coverage": coverage(fr.loc[test, "y"], res.interval(level)),
                    }
                )
    return pd.DataFrame(rows)


def pooled_coverage(study: pd.DataFrame, by: str | None = None) -> pd.Series:
    """Coverage pooled over held-out models (weighted by ``n_test``), per level (and ``by``)."""
    keys = ["level"] if by is None else [by, "level"]
    hits = (study["coverage"] * study["n_test"]).groupby([study[k] for k in keys]).sum()
    total = study["n_test"].groupby([study[k] for k in keys]).sum()
    return hits / total
