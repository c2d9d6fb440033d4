"""Algorithm A.1 end to end on one paper setup: fit on weak models, predict strong ones.

:func:`fit_task` is what the chapters on emergence, agents and post-training
call: it fits the law of Eq. 6 on the training models of a
:class:`~osl_helpers.setups.TaskData`, scores every model, maps the scalar
capability P = βᵀS + α (Eq. 7) to f-equivalent FLOPs of a reference family
(Eq. 8) and returns tidy frames ready for the chart builders.
:func:`stack_points`, :func:`weights_frame` and :func:`by_components` put the
fits of several tasks side by side (e.g. the agent benchmarks of Sec. 4.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osl_helpers import data
from osl_helpers._validation import UnknownFamilyError, check_int
from osl_helpers.compute import f_equivalent_log10_flops, reference_line
from osl_helpers.evaluation import mae, mse
from osl_helpers.law import ObservationalScalingLaw
from osl_helpers.setups import TaskData, TaskSetup, load_task

__all__ = ["TaskFit", "by_components", "fit_task", "stack_points", "weights_frame"]


@dataclass(frozen=True)
class TaskFit:
    """A fitted law on one task, with every model scored.

    ``points``: one row per model — ``Model``, ``Model Family``, ``split``
    ("train", "test" or "excluded"), ``y``, ``y_hat``, ``P``, ``log10_flops``,
    ``log10_params`` and ``f_equiv_log10_flops`` (NaN when no reference line).
    ``curve``: the fitted sigmoid on a grid of P, with the matching
    f-equivalent FLOPs. ``reference``: (w_f, b_f) of the reference family's
    line of P against log10 FLOPs, or None.
    """

    task: TaskData
    law: ObservationalScalingLaw
    points: pd.DataFrame
    curve: pd.DataFrame
    reference: tuple[float, float] | None
    reference_family: str
    train_mse: float
    test_mse: float
    test_mae: float


def _reference(
    law: ObservationalScalingLaw, task: TaskData, family: str
) -> tuple[float, float] | None:
    """(w_f, b_f) of P against log10 FLOPs for ``family``, or None if it cannot be fitted."""
    frame = task.frame
    if task.setup.table != "agent" and family not in set(frame["Model Family"]):
        known = set(data.base_table("all")[0]["Model Family"])
        if family not in known:
            raise UnknownFamilyError(
                f"reference family {family!r} is not in the base table; choose one of its "
                f"'Model Family' values, e.g. 'Llama-2'"
            )
    fam = frame[frame["Model Family"] == family]
    if fam["log10_flops"].notna().sum() < 2:
        # The task may lack the family's models; score them from the base table instead.
        if task.setup.table == "agent":
            return None
        base = data.base_table("all")[0]  # only the reference family's rows are used
        fam = base[base["Model Family"] == family].set_index("Model", drop=False)
        fam.index.name = None
        if fam["log10_flops"].notna().sum() < 2:
            return None
    scored = fam.assign(P=law.capability_score(fam[list(task.setup.benchmarks)]))
    return reference_line(scored, y="P", family=family, x="log10_flops")


def fit_task(
    task: TaskData | TaskSetup | str,
    n_components: int | None = None,
    reference_family: str = "Llama-2",
    grid_size: int = 200,
) -> TaskFit:
    """Fit the law of a paper setup on its training models and score all models.

    ``n_components`` overrides the setup's K. The test metrics use only the
    held-out models of the setup's split.
    """
    if not isinstance(task, TaskData):
        task = load_task(task)
    grid_size = check_int("grid_size", grid_size, 2)
    kwargs = task.setup.law_kwargs()
    if n_components is not None:
        kwargs["n_components"] = n_components
    law = ObservationalScalingLaw(**kwargs).fit(task.X_train, task.y_train)  # type: ignore[arg-type]

    P = law.capability_score(task.X)
    y_hat = law.predict(task.X)
    split = pd.Series("excluded", index=task.frame.index)
    split[task.train] = "train"
    split[task.test] = "test"
    points = pd.DataFrame(
        {
            "Model": task.frame["Model"],
            "Model Family": task.frame["Model Family"],
            "split": split,
            "y": task.y,
            "y_hat": np.asarray(y_hat, dtype=float),
            "P": np.asarray(P, dtype=float),
            "log10_flops": task.frame["log10_flops"],
            "log10_params": task.frame["log10_params"],
        }
    )
    ref = _reference(law, task, reference_family)
    grid = np.linspace(points["P"].min() - 1.0, points["P"].max() + 1.0, grid_size)
    curve = pd.DataFrame({"P": grid, "y_hat": law.predict_from_capability(grid)})
    if ref is None:
        points["f_equiv_log10_flops"] = np.nan
        curve["f_equiv_log10_flops"] = np.nan
    else:
        slope, intercept = ref
        points["f_equiv_log10_flops"] = f_equivalent_log10_flops(points["P"], slope, intercept)
        curve["f_equiv_log10_flops"] = f_equivalent_log10_flops(curve["P"], slope, intercept)

    train = points["split"] == "train"
    test = points["split"] == "test"
    return TaskFit(
        task=task,
        law=law,
        points=points,
        curve=curve,
        reference=ref,
        reference_family=reference_family,
        train_mse=mse(points.loc[train, "y"], points.loc[train, "y_hat"]),
        test_mse=mse(points.loc[test, "y"], points.loc[test, "y_hat"]),
        test_mae=mae(points.loc[test, "y"], points.loc[test, "y_hat"]),
    )


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
