"""Agent benchmarks (Sec. 4.2): tidy frames for the agent laws of the instruct models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.setups import TaskData

__all__ = ["by_components", "stack_points", "weights_frame"]


def stack_points(fits: Mapping[str, TaskFit]) -> pd.DataFrame:
    """The ``points`` of several fits, one frame, labelled by ``target``."""
    return pd.concat([f.points.assign(target=k) for k, f in fits.items()], ignore_index=True)


def weights_frame(fits: Mapping[str, TaskFit]) -> pd.DataFrame:
    """Long frame of benchmark weights βᵀγ: ``target``, ``benchmark``, ``weight``."""
    parts = [
        f.law.benchmark_weights_.rename("weight")
        .rename_axis("benchmark")
        .reset_index()
        .assign(target=k)
        for k, f in fits.items()
    ]
    return pd.concat(parts, ignore_index=True)[["target", "benchmark", "weight"]]


def by_components(tasks: Mapping[str, TaskData], ks: Sequence[int] = (1, 2, 3, 4)) -> pd.DataFrame:
    """Held-out MSE of each task's law for every number of capabilities K."""
    rows = [
        {"target": key, "K": k, "test_mse": fit_task(task, n_components=k).test_mse}
        for key, task in tasks.items()
        for k in ks
    ]
    return pd.DataFrame(rows)
