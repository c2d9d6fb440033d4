"""Did it hold? The law tested on the models that came after it, chapter "did it hold".

Out-of-time tests freeze everything on the paper's models and predict the models
that came later. The paper was written with 77 base models (May 2024). The
authors' tables also hold 20 models released afterwards (``"preregistered"``)
and 51 of other families (``"extended"``). Here every step — imputation, the
capability PCA of Eq. 5 and the laws of Eq. 6 — is fitted on the paper's models
only, and then applied unchanged to the later ones (:func:`out_of_time`).

Rolling-cutoff backtests ask the same question at many moments: for each target
and each FLOPs cutoff in a sequence, every predictor is fitted on the models at
or below the cutoff and scored on the models above it, on one identical test set
per (target, cutoff) cell (:func:`~osl_helpers.evaluation.compare_predictors`).
The result is one tidy table; :func:`headline` summarises how often, and by how
much, principal capabilities beat training compute.

The same backtest measures prediction intervals. :func:`coverage_study` records
how often the pipeline bootstrap's nominal intervals cover held-out models.
:func:`rolling_predictions` keeps every cell's predictions (on a grid that
starts below the backtest's first cutoff, so that early cells have a past to
calibrate on); :func:`conformal_backtest` builds the split-conformal intervals
of :class:`~osl_helpers.uncertainty.ConformalLaw` for each backtest cell from
the residuals of *earlier* cells only, :func:`bootstrap_backtest` the pipeline
bootstrap's on the same models; :func:`later_model_intervals` does both on the
models released after the paper. :func:`interval_summary` scores them
(coverage with a Wilson interval, width, interval score) and
:func:`interval_headline` returns the numbers a chapter quotes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression

from osl_helpers import data
from osl_helpers._validation import NotEnoughModelsError, OSLInputError, require_columns
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.evaluation import (
    Comparison,
    Predictor,
    ScalarSigmoidLaw,
    Split,
    _predictor_name,
    _scalar_input,
    compare_predictors,
    split_by_flops,
    win_rate,
)
from osl_helpers.law import ObservationalScalingLaw
from osl_helpers.setups import PAPER_SETUPS, TaskData, TaskSetup, load_task, resolve_setup
from osl_helpers.uncertainty import (
    LOGIT_EPS,
    BootstrapResult,
    ConformalLaw,
    bootstrap_law,
    coverage,
    horizon_quantiles,
    interval_score,
    logit_band,
    logit_residual,
)

__all__ = [
    "DEFAULT_PREDICTORS",
    "FLOPS_TARGETS",
    "LEADERBOARD_TARGETS",
    "LEVELS",
    "TARGETS",
    "backtest_numbers",
    "band_frame",
    "band_numbers",
    "bootstrap_backtest",
    "conformal_backtest",
    "coverage_numbers",
    "coverage_study",
    "extended_numbers",
    "goal_verdict",
    "headline",
    "interval_headline",
    "interval_numbers",
    "interval_summary",
    "later_model_intervals",
    "math_numbers",
    "mse_table",
    "out_of_time",
    "out_of_time_numbers",
    "out_of_time_split",
    "pooled_coverage",
    "reconstruction_error",
    "reconstruction_numbers",
    "rolling_backtest",
    "rolling_predictions",
    "wilson_interval",
    "worst_covered",
]


# ----------------------------------------------------------------------------- out of time


def reconstruction_error(
    n_components: int = 3,
    test_subset: data.Subset = "preregistered",
    benchmarks: Sequence[str] = tuple(data.BENCHMARKS),
) -> pd.DataFrame:
    """How well the frozen K-dimensional capability space reconstructs new models' scores.

    PCA (with imputation) is fitted on the paper's 77 models; each model's
    observed scores are projected to S and mapped back (μ + Sγ, Eq. 5).
    Returns one row per model: ``Model``, ``Model Family``, ``subset``
    ("paper" in-sample or the test subset) and ``rmse`` over its observed cells.
    """
    cols = list(benchmarks)
    # Only names and benchmark scores are used, none of the corrected compute columns.
    paper = data.base_table("paper")[0].set_index("Model", drop=False)
    other = data.base_table(test_subset)[0].set_index("Model", drop=False)
    pca = CapabilityPCA(n_components=n_components).fit(paper[cols])
    rows = []
    for name, frame in (("paper", paper), (test_subset, other)):
        X = frame[cols]
        recon = pca.inverse_transform(pca.transform(X))
        err = (X - recon.to_numpy()).pow(2)
        rmse = np.sqrt(err.mean(axis=1, skipna=True))
        rows.append(
            pd.DataFrame(
                {
                    "Model": frame["Model"].to_numpy(),
                    "Model Family": frame["Model Family"].to_numpy(),
                    "subset": name,
                    "rmse": rmse.to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def out_of_time_split(
    setup: TaskSetup, test_subset: data.Subset = "preregistered"
) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Masks (train = paper models, test = ``test_subset``) over the setup's frame of all models."""
    setup = resolve_setup(setup)
    frame = load_task(setup.with_(subset="all")).frame
    paper_models = set(data.base_table("paper")[0]["Model"])
    test_models = set(data.base_table(test_subset)[0]["Model"])
    return frame["Model"].isin(paper_models), frame["Model"].isin(test_models), frame


def out_of_time(
    setup: TaskSetup | str,
    test_subset: data.Subset = "preregistered",
    predictors: Sequence[Predictor] = (3, "log_flops", "log_params"),
) -> Comparison:
    """Fit on the paper's models that have the target; predict ``test_subset``'s models.

    Every predictor is fitted with the setup's law on the same paper models
    and scored on one identical set of later models (those with every
    predictor's input; the rest are reported in ``.dropped``). No compute
    cutoff is used: time is the split.
    """
    setup = resolve_setup(setup)
    train, test, frame = out_of_time_split(setup, test_subset)
    excluded = ~(train | test)
    reason = pd.Series("", index=frame.index, dtype=object).mask(excluded, "other subset")
    split = Split(
        train.astype(bool), test.astype(bool), excluded.astype(bool),
        f"paper models → {test_subset}", reason,
    )  # fmt: skip
    return compare_predictors(
        frame, "y", setup.benchmarks, split, predictors,
        link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta,
    )  # fmt: skip


# ------------------------------------------------------------------------ rolling backtest

DEFAULT_PREDICTORS: tuple[Predictor, ...] = (
    1, 2, 3, 4, 5, "log_flops", "log_params", "mean_benchmark",
)  # fmt: skip

#: Setups whose split is by compute (the agent setups hold out the top 10% instead).
FLOPS_TARGETS: tuple[str, ...] = tuple(k for k, s in PAPER_SETUPS.items() if s.split == "flops")


def _cells(
    targets: Iterable[str],
    cutoffs: Sequence[float],
    predictors: Sequence[Predictor],
    min_train: int,
    min_test: int,
    skipped: list[tuple[str, float, str]],
) -> Iterator[tuple[str, float, Comparison]]:
    """Every (target, cutoff) cell with enough models, compared on one test set; others in ``skipped``."""
    max_k = max((p for p in predictors if isinstance(p, int)), default=1)
    for key in targets:
        task: TaskData = load_task(key)
        setup = task.setup
        for cut in cutoffs:
            split = split_by_flops(task.frame, cutoff=10.0**cut)
            n_tr, n_te = int(split.train.sum()), int(split.test.sum())
            if n_tr < max(min_train, max_k + 2) or n_te < min_test:
                skipped.append((key, float(cut), f"{n_tr} train / {n_te} test models"))
                continue
            try:
                comp = compare_predictors(
                    task.frame, "y", setup.benchmarks, split, predictors,
                    link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta,
                )  # fmt: skip
            except (NotEnoughModelsError, ValueError) as err:
                skipped.append((key, float(cut), str(err)))
                continue
            yield key, float(cut), comp


def rolling_backtest(
    targets: Iterable[str] = FLOPS_TARGETS,
    cutoffs: Sequence[float] | None = None,
    predictors: Sequence[Predictor] = DEFAULT_PREDICTORS,
    min_train: int = 10,
    min_test: int = 5,
) -> pd.DataFrame:
    """Backtest every target × cutoff × predictor (cutoffs in log10 FLOPs).

    ``cutoffs`` default to 22.0, 22.25, …, 23.5. A (target, cutoff) cell with
    fewer than ``min_train`` training or ``min_test`` test models is skipped
    (listed in ``result.attrs["skipped"]``). Columns: target, cutoff,
    predictor, n_train, n_test, test_mse, test_mae.
    """
    if cutoffs is None:
        cutoffs = list(np.arange(22.0, 23.51, 0.25))
    rows: list[pd.DataFrame] = []
    skipped: list[tuple[str, float, str]] = []
    for key, cut, comp in _cells(targets, cutoffs, predictors, min_train, min_test, skipped):
        rows.append(comp.table.assign(target=key, cutoff=cut))
    cols = ["target", "cutoff", "predictor", "n_train", "n_test", "test_mse", "test_mae"]
    out = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    out.attrs["skipped"] = skipped
    return out


def headline(
    table: pd.DataFrame, pcs: str = "3 PCs", compute: str = "log_flops"
) -> dict[str, float]:
    """How often, and by how much, ``pcs`` beats ``compute`` across backtest cells.

    Returns the number of cells, the share won by ``pcs``, and the median and
    geometric-mean ratio of test MSE (compute / pcs; above 1 means PCs are better).
    """
    require_columns(table, ["target", "cutoff", "predictor", "test_mse"], "table")
    wide = table.pivot_table(index=["target", "cutoff"], columns="predictor", values="test_mse")
    absent = [p for p in (pcs, compute) if p not in wide.columns]
    if absent:
        raise OSLInputError(
            f"predictor(s) {absent} are not in the table; it has {list(wide.columns)}"
        )
    wide = wide.dropna(subset=[pcs, compute])
    ratio = wide[compute] / wide[pcs]
    return {
        "cells": float(len(wide)),
        "share_pcs_better": float((wide[pcs] < wide[compute]).mean()),
        "median_ratio": float(ratio.median()),
        "geomean_ratio": float(math.exp(np.log(ratio).mean())),
    }


# --------------------------------------------------------------------------- prediction intervals

FloatArray = NDArray[np.float64]

#: Nominal levels of the interval study: the three the chapter quotes and more for the diagram.
LEVELS: tuple[float, ...] = (0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 0.95)

#: Columns of every interval table.
_INTERVAL_COLUMNS = [
    "method", "split", "target", "cutoff", "predictor", "Model", "Model Family", "level",
    "y", "y_hat", "lo", "hi", "horizon", "beyond",
]  # fmt: skip


def rolling_predictions(
    targets: Iterable[str] = FLOPS_TARGETS,
    predictors: Sequence[Predictor] = DEFAULT_PREDICTORS,
    last: float = 23.5,
    step: float = 0.25,
    min_train: int = 8,
) -> pd.DataFrame:
    """Every prediction of a rolling origin: cutoffs on a ``step`` grid up to ``last`` (log10 FLOPs).

    The grid starts at the lowest training compute of any model, so the cells
    of :func:`rolling_backtest` (which start at 22.0) have earlier cells whose
    residuals can calibrate them; a cell needs ``min_train`` training models
    (as :class:`~osl_helpers.uncertainty.ConformalLaw`) and one model above
    the cutoff. Columns: target, cutoff, predictor, Model, Model Family,
    split ("train"/"test"), log10_flops, horizon (log10 FLOPs − cutoff), y, y_hat.
    """
    keys = list(targets)
    low = min(float(load_task(k).frame["log10_flops"].min()) for k in keys)
    start = math.floor(low / step)
    cutoffs = [k * step for k in range(start, math.floor(last / step + 1e-9) + 1)]
    parts = []
    for key, cut, comp in _cells(keys, cutoffs, predictors, min_train, 1, []):
        flops = load_task(key).frame["log10_flops"]
        part = comp.predictions.assign(target=key, cutoff=cut)
        part["log10_flops"] = flops.loc[part["Model"]].to_numpy(dtype=float)
        part["horizon"] = part["log10_flops"] - cut
        parts.append(part)
    cols = [
        "target", "cutoff", "predictor", "Model", "Model Family", "split", "log10_flops",
        "horizon", "y", "y_hat",
    ]  # fmt: skip
    if not parts:
        return pd.DataFrame(columns=cols)
    out: pd.DataFrame = pd.concat(parts, ignore_index=True)[cols]
    return out


def _covered(y: Any, lo: Any, hi: Any) -> Any:
    # A normalised score below chance counts as at the floor of [0, 1], where intervals end.
    yc = np.clip(np.asarray(y, dtype=float), 0.0, 1.0)
    return (yc >= np.asarray(lo, dtype=float) - 1e-12) & (yc <= np.asarray(hi, dtype=float) + 1e-12)


def conformal_backtest(
    predictions: pd.DataFrame,
    cells: pd.DataFrame,
    levels: Sequence[float] = LEVELS,
    bandwidth: float = 0.5,
    min_neighbours: int = 20,
    eps: float = LOGIT_EPS,
) -> pd.DataFrame:
    """Split-conformal intervals for the test models of each backtest cell, from earlier cells only.

    ``predictions``: :func:`rolling_predictions`; ``cells``: the (target,
    cutoff) pairs to evaluate, e.g. :func:`rolling_backtest`'s table. For a
    cell at cutoff c the calibration residuals are the test predictions of
    cells at cutoffs c′ < c of models with log10 FLOPs ≤ c — models that were
    out of time at their own cutoff and are known by time c. No model above
    c, so no test model of the cell, is ever used. This is exactly what
    :class:`~osl_helpers.uncertainty.ConformalLaw` fitted on the cell's
    training models with ``origin=c`` computes, without refitting.
    Returns one row per test model, predictor and level (``method`` "conformal").
    """
    require_columns(predictions, ["target", "cutoff", "predictor", "split", "horizon", "y_hat"])
    require_columns(cells, ["target", "cutoff"], "cells")
    wanted = set(zip(cells["target"], cells["cutoff"].astype(float), strict=True))
    test = predictions[predictions["split"] == "test"].reset_index(drop=True)
    cut = test["cutoff"].to_numpy(dtype=float)
    flops = test["log10_flops"].to_numpy(dtype=float)
    horizon = test["horizon"].to_numpy(dtype=float)
    y_hat = test["y_hat"].to_numpy(dtype=float)
    score = np.abs(logit_residual(test["y"].to_numpy(dtype=float), y_hat, eps))
    rows: list[NDArray[np.intp]] = []  # positions in ``test`` of the evaluated models, cell by cell
    q_parts: list[FloatArray] = []
    beyond: list[NDArray[np.bool_]] = []
    groups = test.groupby(["target", "predictor"], sort=False).indices
    for group, found in groups.items():
        key = group[0]  # type: ignore[index]
        idx = np.asarray(found, dtype=np.intp)
        for c in sorted({float(v) for v in cut[idx] if (key, float(v)) in wanted}):
            # Calibration: earlier cutoffs, models known by c; the cell's own models are above c.
            cal = idx[(cut[idx] < c - 1e-9) & (flops[idx] <= c + 1e-9)]
            here = idx[np.isclose(cut[idx], c)]
            q_parts.append(
                horizon_quantiles(
                    score[cal], horizon[cal], horizon[here], levels, bandwidth, min_neighbours
                )
            )
            far = float(horizon[cal].max()) if len(cal) else -math.inf
            rows.append(here)
            beyond.append(horizon[here] > far + 1e-9)
    pos = np.concatenate(rows)
    q = np.vstack(q_parts)
    base = (
        test.iloc[pos]
        .reset_index(drop=True)
        .assign(method="conformal", split="backtest", beyond=np.concatenate(beyond))
    )
    out = []
    for j, level in enumerate(levels):
        lo, hi = logit_band(y_hat[pos], q[:, j], eps)
        out.append(base.assign(level=float(level), lo=lo, hi=hi))
    result: pd.DataFrame = pd.concat(out, ignore_index=True)[_INTERVAL_COLUMNS]
    return result


def _law_and_inputs(
    setup: TaskSetup, frame: pd.DataFrame, predictor: Predictor
) -> tuple[Any, pd.DataFrame]:
    """A fresh law for one predictor and its inputs (benchmarks, or one scalar column)."""
    opts: dict[str, Any] = {
        "link": setup.link,
        "loss": setup.loss,
        "huber_delta": setup.huber_delta,
    }
    if isinstance(predictor, int):
        law: Any = ObservationalScalingLaw(n_components=predictor, **opts)
        return law, frame[list(setup.benchmarks)]
    x = _scalar_input(frame, setup.benchmarks, predictor)
    return ScalarSigmoidLaw(**opts), x.to_frame(predictor)


def _bootstrap_rows(
    law: Any,
    X: pd.DataFrame,
    y: pd.Series,
    train: pd.Index,
    test: pd.Index,
    levels: Sequence[float],
    n_boot: int,
    seed: int,
) -> list[pd.DataFrame]:
    res = bootstrap_law(
        X.loc[train], y.loc[train], X.loc[test], n_boot=n_boot, seed=seed, progress=False,
        law_factory=lambda: clone(law),
    )  # fmt: skip
    fitted = np.median(res.draws, axis=0)
    out = []
    for level in levels:
        iv = res.interval(level)
        out.append(
            pd.DataFrame(
                {
                    "Model": test,
                    "level": float(level),
                    "y_hat": fitted,
                    "lo": iv["lo"].to_numpy(),
                    "hi": iv["hi"].to_numpy(),
                }
            )
        )
    return out


def bootstrap_backtest(
    predictions: pd.DataFrame,
    cells: pd.DataFrame,
    predictors: Sequence[Predictor] = (3,),
    levels: Sequence[float] = LEVELS,
    n_boot: int = 100,
    seed: int = 0,
) -> pd.DataFrame:
    """The pipeline bootstrap's prediction intervals on the same cells and models as :func:`conformal_backtest`.

    For each cell of ``cells`` and each of ``predictors`` the law is refitted
    on ``n_boot`` resamples of the cell's training models
    (:func:`~osl_helpers.uncertainty.bootstrap_law`); ``y_hat`` is the median
    replicate. Seeded per cell, so the result is reproducible.
    """
    require_columns(predictions, ["target", "cutoff", "predictor", "split", "Model"])
    names = {_predictor_name(p): p for p in predictors}
    sub = predictions[predictions["predictor"].isin(list(names))]
    wanted = set(zip(cells["target"], cells["cutoff"].astype(float), strict=True))
    out = []
    for i, (key, df) in enumerate(sub.groupby("target", sort=False)):
        task = load_task(str(key))
        frame = task.frame
        for j, ((cut, name), cell) in enumerate(df.groupby(["cutoff", "predictor"])):
            if (key, float(str(cut))) not in wanted:
                continue
            law, X = _law_and_inputs(task.setup, frame, names[str(name)])
            train = pd.Index(cell.loc[cell["split"] == "train", "Model"])
            test_rows = cell[cell["split"] == "test"]
            parts = _bootstrap_rows(
                law, X, frame["y"], train, pd.Index(test_rows["Model"]), levels, n_boot,
                seed + 1000 * i + j,
            )  # fmt: skip
            meta = test_rows.drop(columns=["y_hat"])
            for part in parts:
                out.append(
                    meta.merge(part, on="Model").assign(
                        method="bootstrap", split="backtest", beyond=False
                    )
                )
    return pd.concat(out, ignore_index=True)[_INTERVAL_COLUMNS]


def later_model_intervals(
    targets: Sequence[str],
    predictors: Sequence[Predictor] = DEFAULT_PREDICTORS,
    levels: Sequence[float] = LEVELS,
    n_boot: int = 100,
    seed: int = 0,
    methods: Sequence[str] = ("conformal", "bootstrap"),
    **conformal: Any,
) -> pd.DataFrame:
    """Intervals for the models released after the paper (the 20 ``preregistered``).

    Every law is fitted on the paper's models only (as in
    :func:`out_of_time`, so the test models are
    identical across predictors). The conformal intervals are calibrated on
    a rolling origin over the paper's models in log10 FLOPs (``conformal``:
    options of :class:`~osl_helpers.uncertainty.ConformalLaw`); the bootstrap
    resamples the paper's models ``n_boot`` times. ``methods`` picks either
    or both. ``split`` is "later models"; ``horizon`` is the decades of
    compute beyond the largest paper model (0 for all of them today).
    """
    unknown = sorted(set(methods) - {"conformal", "bootstrap"})
    if unknown or not methods:
        raise OSLInputError(f"methods must be 'conformal' and/or 'bootstrap'; got {list(methods)}")
    out = []
    for i, key in enumerate(targets):
        setup = PAPER_SETUPS[key]
        train_mask, test_mask, frame = out_of_time_split(setup)
        # The models every predictor can score (known FLOPs and parameters), as out_of_time does.
        usable = frame["log10_flops"].notna() & frame["log10_params"].notna()
        train = frame.index[train_mask & usable]
        test = frame.index[test_mask & usable]
        order = frame["log10_flops"].astype(float)
        meta = pd.DataFrame(
            {
                "target": key,
                "cutoff": np.nan,
                "Model": frame.loc[test, "Model"],
                "Model Family": frame.loc[test, "Model Family"],
                "y": frame.loc[test, "y"],
            }
        )
        for j, p in enumerate(predictors):
            name = _predictor_name(p)
            law, X = _law_and_inputs(setup, frame, p)
            if "conformal" in methods:
                cl = ConformalLaw(estimator=law, **conformal).fit(
                    X.loc[train], frame.loc[train, "y"], order.loc[train]
                )
                iv = cl.predict_intervals(X.loc[test], order.loc[test], levels)
                out.append(
                    iv.drop(columns="n_calibration")
                    .join(meta)
                    .assign(method="conformal", split="later models", predictor=name)
                )
            if "bootstrap" not in methods:
                continue
            for part in _bootstrap_rows(
                law, X, frame["y"], train, test, levels, n_boot, seed + 1000 * i + j
            ):
                part = part.set_index("Model", drop=False).drop(columns="Model")
                out.append(
                    part.join(meta).assign(
                        method="bootstrap",
                        split="later models",
                        predictor=name,
                        horizon=np.maximum(order.loc[test] - float(order.loc[train].max()), 0.0),
                        beyond=False,
                    )
                )
    return pd.concat(out, ignore_index=True)[_INTERVAL_COLUMNS]


def wilson_interval(hits: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``hits`` / ``n`` (Wilson 1927)."""
    if n <= 0:
        return (math.nan, math.nan)
    if not 0 <= hits <= n:
        raise OSLInputError(f"hits ({hits}) must lie in [0, n = {n}]")
    z = statistics.NormalDist().inv_cdf(0.5 + confidence / 2)
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _stack(intervals: pd.DataFrame | Sequence[pd.DataFrame]) -> pd.DataFrame:
    if isinstance(intervals, pd.DataFrame):
        return intervals
    frames = list(intervals)
    if not frames:
        raise OSLInputError("no interval tables given")
    return pd.concat(frames, ignore_index=True)


def interval_summary(
    intervals: pd.DataFrame | Sequence[pd.DataFrame],
    by: Sequence[str] = ("method", "split", "level"),
    predictor: str | None = None,
) -> pd.DataFrame:
    """Coverage (with a 95% Wilson interval), mean width and mean interval score per group.

    ``intervals``: one table or several (e.g. both methods, both splits) of
    :func:`conformal_backtest`, :func:`bootstrap_backtest` or
    :func:`later_model_intervals`; ``predictor`` keeps one law (e.g. "3 PCs").
    Columns: the ``by`` keys, n, hits, coverage, coverage_lo, coverage_hi,
    width (mean hi − lo), interval_score (Gneiting & Raftery 2007; lower is
    better), beyond (share of models past the calibrated horizon). A score
    below chance counts as at the floor of [0, 1], where intervals end. The
    Wilson interval treats predictions as independent; the same model is
    predicted at several cutoffs and by several laws, so it is too narrow.
    """
    intervals = _stack(intervals)
    require_columns(intervals, [*by, "y", "lo", "hi", "level", "predictor"], "intervals")
    if predictor is not None:
        if predictor not in set(intervals["predictor"]):
            raise OSLInputError(f"no intervals of predictor {predictor!r}")
        intervals = intervals[intervals["predictor"] == predictor]
    df = intervals.assign(
        hit=_covered(intervals["y"], intervals["lo"], intervals["hi"]),
        width=intervals["hi"] - intervals["lo"],
    )
    y = np.clip(df["y"].to_numpy(dtype=float), 0.0, 1.0)
    scores = np.full(len(df), np.nan)
    levels = df["level"].to_numpy(dtype=float)
    for level in np.unique(levels):
        at = levels == level
        scores[at] = interval_score(
            y[at], df["lo"].to_numpy(dtype=float)[at], df["hi"].to_numpy(dtype=float)[at], level
        )
    df["iscore"] = scores
    grouped = df.groupby(list(by), sort=True)
    out = grouped.agg(
        n=("hit", "size"), hits=("hit", "sum"), width=("width", "mean"),
        interval_score=("iscore", "mean"), beyond=("beyond", "mean"),
    ).reset_index()  # fmt: skip
    bounds = [
        wilson_interval(float(h), float(n)) for h, n in zip(out["hits"], out["n"], strict=True)
    ]
    out["coverage"] = out["hits"] / out["n"]
    out["coverage_lo"] = [b[0] for b in bounds]
    out["coverage_hi"] = [b[1] for b in bounds]
    cols = [*by, "n", "hits", "coverage", "coverage_lo", "coverage_hi", "width", "interval_score"]
    return out[[*cols, "beyond"]]


def interval_headline(
    intervals: pd.DataFrame | Sequence[pd.DataFrame],
    law: str = "3 PCs",
    levels: Sequence[float] = (0.5, 0.8, 0.95),
) -> dict[str, float]:
    """The numbers a chapter quotes about the two kinds of interval, as plain floats.

    Keys ``{method}_{split}_{level}_{what}`` (predictor ``law`` only, where
    both methods were run): method ``conformal`` or ``bootstrap``, split
    ``backtest`` or ``later`` (the later models), level in percent, what one
    of ``cov``, ``lo``, ``hi`` (coverage and its Wilson bounds, percent),
    ``width``, ``score`` (interval score), ``n``. ``{split}_{level}_miss``
    is conformal coverage − nominal (points), ``{split}_{level}_boot_miss``
    the bootstrap's and ``{split}_{level}_width_ratio`` conformal width /
    bootstrap width. ``all_{split}_{level}_cov`` / ``_miss`` are the
    conformal coverage over every predictor; ``within_{level}_cov`` and
    ``beyond_{level}_cov`` split the conformal backtest by whether a model
    lies past the calibrated horizon, ``beyond_share`` is the share past it.
    """
    ivs = _stack(intervals)
    short = {"backtest": "backtest", "later models": "later"}
    wanted = [float(v) for v in levels]
    out: dict[str, float] = {}

    def pick(summary: pd.DataFrame) -> list[tuple[str, str, float, pd.Series]]:
        rows = []
        for _, row in summary.iterrows():
            level = float(row["level"])
            if any(math.isclose(level, v) for v in wanted):
                split = short.get(str(row["split"]), str(row["split"]))
                rows.append((str(row["method"]), split, level, row))
        return rows

    for method, split, level, row in pick(interval_summary(ivs, predictor=law)):
        key = f"{method}_{split}_{round(100 * level)}"
        out[f"{key}_cov"] = 100 * float(row["coverage"])
        out[f"{key}_lo"] = 100 * float(row["coverage_lo"])
        out[f"{key}_hi"] = 100 * float(row["coverage_hi"])
        out[f"{key}_width"] = float(row["width"])
        out[f"{key}_score"] = float(row["interval_score"])
        out[f"{key}_n"] = float(row["n"])
    conf = ivs[ivs["method"] == "conformal"]
    for _, split, level, row in pick(interval_summary(conf)):
        out[f"all_{split}_{round(100 * level)}_cov"] = 100 * float(row["coverage"])
        out[f"all_{split}_{round(100 * level)}_n"] = float(row["n"])
        out[f"all_{split}_{round(100 * level)}_miss"] = 100 * (float(row["coverage"]) - level)
    for split in short.values():
        for level in wanted:
            pct = round(100 * level)
            c, b = f"conformal_{split}_{pct}", f"bootstrap_{split}_{pct}"
            if f"{c}_cov" in out:
                out[f"{split}_{pct}_miss"] = out[f"{c}_cov"] - 100 * level
            if f"{b}_cov" in out:
                out[f"{split}_{pct}_boot_miss"] = out[f"{b}_cov"] - 100 * level
            if f"{c}_width" in out and f"{b}_width" in out:
                out[f"{split}_{pct}_width_ratio"] = out[f"{c}_width"] / out[f"{b}_width"]
    back = conf[conf["split"] == "backtest"]
    if len(back):
        out["beyond_share"] = 100 * float(back["beyond"].mean())
        for name, part in (("within", back[~back["beyond"]]), ("beyond", back[back["beyond"]])):
            for _, _, level, row in pick(interval_summary(part)):
                out[f"{name}_{round(100 * level)}_cov"] = 100 * float(row["coverage"])
    return out


def goal_verdict(
    headline: dict[str, float],
    split: str = "later",
    levels: Sequence[int] = (80, 95),
    tolerance: float = 5.0,
) -> str:
    """Whether the conformal coverage of ``split`` is within ``tolerance`` points of nominal.

    Reads ``{split}_{level}_miss`` of :func:`interval_headline` and returns
    a phrase for the chapter, e.g. "met at 80% and 95%" or "met at 95%;
    missed at 80% (+6.1 points)".
    """
    met: list[tuple[int, float]] = []
    missed: list[tuple[int, float]] = []
    for level in levels:
        key = f"{split}_{level}_miss"
        if key not in headline:
            raise OSLInputError(f"the headline has no {key!r}")
        miss = headline[key]
        (met if abs(miss) <= tolerance else missed).append((level, miss))
    parts = []
    if met:
        parts.append("met at " + " and ".join(f"{lv}%" for lv, _ in met))
    if missed:
        parts.append(
            "missed at " + " and ".join(f"{lv}% ({miss:+.1f} points)" for lv, miss in missed)
        )
    return "; ".join(parts)


# --------------------------------------------------------- coverage of bootstrap intervals


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


# ------------------------------------------------------------------ the numbers the chapter quotes

#: The targets of the out-of-time test and the coverage studies: post-training, emergent
#: and leaderboard-v2 tasks.
TARGETS: tuple[str, ...] = (
    "gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc", "word_unscramble", "persian_qa",
    "bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr",
)  # fmt: skip

#: The leaderboard-v2 tasks, the only targets the ``extended`` models have.
LEADERBOARD_TARGETS: tuple[str, ...] = ("bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr")


def mse_table(table: pd.DataFrame) -> pd.DataFrame:
    """Test MSE of a stacked comparison table, one row per target and one column per predictor."""
    require_columns(table, ["target", "predictor", "test_mse"], "table")
    return table.pivot(index="target", columns="predictor", values="test_mse")


def reconstruction_numbers(recon: pd.DataFrame, recon_ext: pd.DataFrame) -> dict[str, float]:
    """Median per-model RMSE of μ + Sγ (Eq. 5) in the frozen space: paper, pre-registered, extended.

    ``recon`` and ``recon_ext``: :func:`reconstruction_error` with the
    pre-registered and the extended models as test subset.
    """
    rmse = recon.groupby("subset")["rmse"].median()
    rmse_ext = recon_ext.groupby("subset")["rmse"].median()
    return {
        "recon_paper": float(rmse["paper"]),
        "recon_prereg": float(rmse["preregistered"]),
        "recon_ext": float(rmse_ext["extended"]),
    }


def out_of_time_numbers(table: pd.DataFrame) -> dict[str, Any]:
    """Wins of 3 PCs over log FLOPs out of time, and the test MSEs of IFEval and MATH Level 5.

    ``table``: the stacked :func:`out_of_time` comparisons (column ``target``).
    Keys ``oot_*``: the targets, wins, losses (3 PCs no better than log FLOPs),
    median number of test models and ``oot_{ifeval,math}_{pc,flops,params}``.
    """
    wins = win_rate(table, "3 PCs", "log_flops")
    wide = mse_table(table)
    losses = wide.index[wide["3 PCs"] >= wide["log_flops"]].tolist()
    out: dict[str, Any] = {
        "oot_losses": ", ".join(losses) or "none",
        "oot_targets": int(wins["cells"]),
        "oot_wins": int(wins["wins"]),
        "oot_n_test": int(table["n_test"].median()),
    }
    for key, name in (("ifeval", "ifeval"), ("math_hard", "math")):
        for col, short in (("3 PCs", "pc"), ("log_flops", "flops"), ("log_params", "params")):
            out[f"oot_{name}_{short}"] = float(wide[col].loc[key])
    return out


def math_numbers(comparison: Comparison) -> dict[str, Any]:
    """MATH Level 5 out of time: its largest miss, and the test with GSM8K among the inputs.

    ``comparison``: :func:`out_of_time` of ``math_hard``. The miss is the later
    model with the largest abs(Ê − E) of the 3-PC law; ``oot_math8_*`` refit the
    setup with all of :data:`~osl_helpers.data.BENCHMARKS` (GSM8K included).
    """
    preds = comparison.predictions
    pcs = preds[(preds["split"] == "test") & (preds["predictor"] == "3 PCs")]
    miss = pcs.loc[[(pcs["y_hat"] - pcs["y"]).abs().idxmax()]].iloc[0]
    with_gsm8k = PAPER_SETUPS["math_hard"].with_(benchmarks=tuple(data.BENCHMARKS))
    m8 = out_of_time(with_gsm8k).table.set_index("predictor")["test_mse"]
    return {
        "oot_math_miss": data.short_name(miss["Model"]),
        "oot_math_miss_pred": float(miss["y_hat"]),
        "oot_math_miss_obs": float(miss["y"]),
        "oot_math8_pc": float(m8["3 PCs"]),
        "oot_math8_flops": float(m8["log_flops"]),
    }


def extended_numbers(table: pd.DataFrame) -> dict[str, Any]:
    """Wins of 3 PCs over log FLOPs on the ``extended`` models, and the median model sizes.

    ``table``: the stacked :func:`out_of_time` comparisons with ``extended`` as test subset.
    """
    wins = win_rate(table, "3 PCs", "log_flops")
    sizes = {
        s: data.load_base_benchmarks(s)["Model Size (B)"].median()
        for s in ("extended", "preregistered")
    }
    return {
        "ext_wins": int(wins["wins"]),
        "ext_targets": int(wins["cells"]),
        "ext_n_test": int(table["n_test"].median()),
        "ext_size": float(sizes["extended"]),
        "prereg_size": float(sizes["preregistered"]),
    }


def backtest_numbers(table: pd.DataFrame) -> dict[str, Any]:
    """The rolling backtest in numbers: :func:`headline` of 3 PCs against log FLOPs and more.

    ``bt_best``: the predictor of lowest median test MSE; ``bt_params_worst``:
    the share (percent) of cells where log parameters are worst; ``bt_best_k``:
    for each number of principal components, the targets where it is best.
    """
    head = headline(table, pcs="3 PCs", compute="log_flops")
    summary = table.groupby("predictor")["test_mse"].median().sort_values()
    worst = table.loc[table.groupby(["target", "cutoff"])["test_mse"].idxmax(), "predictor"]
    pcs_only = table[table["predictor"].str.contains("PC")]
    by_pcs = pcs_only.groupby(["target", "predictor"])["test_mse"].median().unstack()
    best_k = by_pcs.idxmin(axis=1)
    by_k = best_k.groupby(best_k).apply(lambda s: ", ".join(s.index))
    return {
        "bt_cells": int(head["cells"]),
        "bt_share": 100 * head["share_pcs_better"],
        "bt_ratio": head["geomean_ratio"],
        "bt_median_ratio": head["median_ratio"],
        "bt_best": summary.index[0],
        "bt_params_worst": 100 * float((worst == "log_params").mean()),
        "bt_best_k": "; ".join(f"{k} for {targets}" for k, targets in by_k.items()),
    }


def coverage_numbers(study: pd.DataFrame) -> dict[str, Any]:
    """Pooled coverage (percent) of the bootstrap's 80% and 95% intervals in :func:`coverage_study`.

    ``cov80``/``cov95``: all splits; ``*_oot``: the out-of-time split;
    ``*_first``/``*_last``: the lowest and highest backtest cutoff
    (``cov_first_cut``, ``cov_last_cut``); ``cov_n``: held-out models counted.
    """
    pooled = pooled_coverage(study)
    by_split = pooled_coverage(study, by="split")
    out: dict[str, Any] = {
        "cov80": 100 * float(pooled.loc[0.8]),
        "cov95": 100 * float(pooled.loc[0.95]),
        "cov80_oot": 100 * float(by_split.loc[("out of time", 0.8)]),
        "cov95_oot": 100 * float(by_split.loc[("out of time", 0.95)]),
        "cov_n": int(study.drop_duplicates(["target", "split"])["n_test"].sum()),
    }
    backtests = sorted(s for s in study["split"].unique() if s.startswith("backtest"))
    for name, split in (("first", backtests[0]), ("last", backtests[-1])):
        out[f"cov_{name}_cut"] = split.removeprefix("backtest ")
        for level in (0.8, 0.95):
            out[f"cov{round(100 * level)}_{name}"] = 100 * float(by_split.loc[(split, level)])
    return out


def band_numbers(y_test: pd.Series, boot: BootstrapResult, level: float = 0.8) -> dict[str, float]:
    """Coverage (percent) of the test models by one bootstrap's prediction and confidence bands.

    ``gsm_width_ratio``: mean width of the confidence interval of Ê over that
    of the prediction interval, on the test models.
    """
    pred, conf = boot.interval(level), boot.interval(level, kind="confidence")
    width = {
        n: (iv["hi"] - iv["lo"]).loc[y_test.index].mean() for n, iv in (("p", pred), ("c", conf))
    }
    return {
        "gsm_cov_pred": 100 * coverage(y_test, pred),
        "gsm_cov_conf": 100 * coverage(y_test, conf),
        "gsm_width_ratio": float(width["c"] / width["p"]),
    }


def band_frame(points: pd.DataFrame, boot: BootstrapResult, level: float = 0.8) -> pd.DataFrame:
    """A bootstrap prediction band along a fit's x axis, for :func:`~osl_helpers.charts.fits.law_fit_chart`.

    ``points``: a fit's points (``Model``, ``f_equiv_log10_flops``); columns of
    the result: those two, ``lo``, ``hi`` and ``y_hat`` (the median), sorted by x.
    Each model's interval comes from refits in which its own capability score
    moves, so the raw quantiles scatter around a curve rather than follow one;
    each column is smoothed into a monotone function of x (isotonic regression,
    rising or falling as the medians do on the whole) so that the band and the line are drawn as
    functions of x, as the law is.
    """
    iv = boot.interval(level).rename(columns={"median": "y_hat"})
    band = points[["Model", "f_equiv_log10_flops"]].join(iv, on="Model")
    band = band.dropna().sort_values("f_equiv_log10_flops", kind="stable")
    x = band["f_equiv_log10_flops"].to_numpy(dtype=float)
    rising = len(band) < 2 or bool(np.cov(x, band["y_hat"].to_numpy(dtype=float))[0, 1] >= 0)
    for col in ("lo", "y_hat", "hi"):
        iso = IsotonicRegression(increasing=rising)
        band[col] = iso.fit_transform(x, band[col].to_numpy(dtype=float))
    return band


def interval_numbers(
    intervals: Sequence[pd.DataFrame], law: str = "3 PCs", n_boot: int = 100
) -> dict[str, Any]:
    """:func:`interval_headline` with the keys prefixed ``iv_``, the verdicts and the sharper method.

    ``iv_verdict_{later,backtest}``: :func:`goal_verdict`;
    ``iv_{later,backtest}_sharper``: the method of lower 80% interval score.
    """
    ivh = interval_headline(intervals, law=law)
    out: dict[str, Any] = {f"iv_{key}": value for key, value in ivh.items()}
    out["iv_n_boot"] = n_boot
    for split in ("later", "backtest"):
        out[f"iv_verdict_{split}"] = goal_verdict(ivh, split)
        lower = ivh[f"conformal_{split}_80_score"] < ivh[f"bootstrap_{split}_80_score"]
        out[f"iv_{split}_sharper"] = "conformal" if lower else "bootstrap"
    return out


def worst_covered(intervals: pd.DataFrame, level: float = 0.8, n: int = 3) -> pd.DataFrame:
    """The ``n`` targets whose intervals at ``level`` cover the fewest test models."""
    by_target = interval_summary(intervals, by=("target", "level"))
    return by_target[by_target["level"] == level].nsmallest(n, "coverage")
