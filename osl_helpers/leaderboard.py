"""Open LLM Leaderboard v2 from v1-era capabilities: fits and diagnostics per task.

The second leaderboard replaced saturated benchmarks with harder ones (BBH,
GPQA, MATH Level 5, MMLU-Pro, IFEval, MuSR). :func:`compare_tasks` fits each
with the law of Eq. 6 on the principal capabilities of the eight old
benchmarks and with compute-based baselines on one identical test set;
:func:`diagnostics` measures why a task is or is not predictable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osl_helpers.evaluation import Comparison, Predictor, Split, compare_predictors, stack_tables
from osl_helpers.experiments import fit_task
from osl_helpers.setups import load_task

__all__ = ["TASKS", "compare_tasks", "diagnostics"]

TASKS: tuple[str, ...] = ("bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr")


def compare_tasks(
    tasks: Sequence[str] = TASKS,
    predictors: Sequence[Predictor] = (1, 2, 3, "log_flops", "log_params", "mean_benchmark"),
) -> tuple[pd.DataFrame, dict[str, Comparison]]:
    """Test MSE of every predictor on every task, one identical test set per task."""
    comps = {}
    for key in tasks:
        t = load_task(key)
        split = Split(t.train, t.test, t.excluded, "setup split", t.excluded_reason)
        comps[key] = compare_predictors(
            t.frame, "y", t.setup.benchmarks, split, predictors,
            link=t.setup.link, loss=t.setup.loss, huber_delta=t.setup.huber_delta,
        )  # fmt: skip
    return stack_tables(comps, key="target"), comps


def diagnostics(tasks: Sequence[str] = TASKS) -> pd.DataFrame:
    """Why a task is (un)predictable, one row per task.

    ``chance``: the floor the score is rescaled from; ``spread``: standard
    deviation of the rescaled score over all models (little spread means the
    task barely separates models); ``train_r2``: share of the training
    models' variance the capability law explains (low means noise or a
    capability the old benchmarks do not span); ``test_skill``: 1 − test MSE /
    variance of the test scores (above 0: better than predicting the test mean);
    ``corr_mmlu``: correlation of the score with MMLU over all models.
    """
    rows = []
    for key in tasks:
        t = load_task(key)
        fit = fit_task(t)
        pts = fit.points
        train, test = pts[pts["split"] == "train"], pts[pts["split"] == "test"]
        resid = train["y"] - train["y_hat"]
        rows.append(
            {
                "target": key,
                "title": t.setup.title,
                "chance": t.setup.low,
                "spread": float(t.y.std()),
                "train_r2": float(
                    1 - (resid**2).sum() / ((train["y"] - train["y"].mean()) ** 2).sum()
                ),
                "test_skill": float(1 - fit.test_mse / np.var(test["y"])),
                "corr_mmlu": float(np.corrcoef(t.frame["MMLU"], t.y)[0, 1]),
                "n_train": len(train),
                "n_test": len(test),
            }
        )
    return pd.DataFrame(rows).set_index("target")
