"""Rolling-cutoff backtests: would the law have predicted the models that came next?

For each target and each FLOPs cutoff in a sequence, every predictor is fitted
on the models at or below the cutoff and scored on the models above it, on one
identical test set per (target, cutoff) cell (:func:`~osl_helpers.evaluation.compare_predictors`).
The result is one tidy table; :func:`headline` summarises how often, and by how
much, principal capabilities beat training compute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from osl_helpers._validation import NotEnoughModelsError, OSLInputError, require_columns
from osl_helpers.evaluation import Predictor, compare_predictors, split_by_flops
from osl_helpers.setups import PAPER_SETUPS, TaskData, load_task

__all__ = ["DEFAULT_PREDICTORS", "FLOPS_TARGETS", "headline", "rolling_backtest"]

DEFAULT_PREDICTORS: tuple[Predictor, ...] = (
    1, 2, 3, 4, 5, "log_flops", "log_params", "mean_benchmark",
)  # fmt: skip

#: Setups whose split is by compute (the agent setups hold out the top 10% instead).
FLOPS_TARGETS: tuple[str, ...] = tuple(k for k, s in PAPER_SETUPS.items() if s.split == "flops")


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
    max_k = max((p for p in predictors if isinstance(p, int)), default=1)
    rows: list[pd.DataFrame] = []
    skipped: list[tuple[str, float, str]] = []
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
            rows.append(comp.table.assign(target=key, cutoff=float(cut)))
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
