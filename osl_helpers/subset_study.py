"""Does a small, well-chosen set of models recover the all-model scaling law? (Sec. 5)

The benchmark scores B — hence the capabilities S — are known for every model;
only the new target E is expensive, because it must be evaluated. So S is
fitted once on the whole candidate pool (the training models of a setup), and
the law E ≈ h·σ(βᵀS + α) (Eq. 6) is fitted on the target values of the
selected subset only, then scored on the usual held-out strong models.

:func:`subset_curves` does that for every budget and for four ways of choosing:
the exact V-optimal family subset, the greedy one, random family subsets (a
band over seeded draws) and all models.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osl_helpers._validation import OSLConvergenceWarning
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.evaluation import mse
from osl_helpers.law import fit_sigmoid_law, sigmoid_law
from osl_helpers.recommended import AUTHORS_SETTINGS
from osl_helpers.selection import (
    FamilySelectionProblem,
    SelectionResult,
    exact_search_all_budgets,
    greedy_search,
    random_subsets,
)
from osl_helpers.setups import TaskData, load_task

__all__ = [
    "AUTHORS_CRITERION",
    "SubsetStudy",
    "band",
    "chart_frame",
    "matching_budget",
    "subset_curves",
    "time_searches",
    "value_at",
]


#: Method name of the exact optimum under the authors' settings (no intercept, ≤ 10 families).
AUTHORS_CRITERION = "V-optimal, no intercept (authors)"


@dataclass(frozen=True)
class SubsetStudy:
    """Result of :func:`subset_curves`.

    ``curves``: method, budget, draw, n_models, gmean_mse (geometric mean over
    targets of the held-out test MSE). ``selections``: method, budget, families.
    ``all_models``: the geometric-mean test MSE of the law fitted on every
    model of the pool.
    """

    curves: pd.DataFrame
    selections: pd.DataFrame
    all_models: float
    pool: pd.DataFrame


def _fit_and_score(
    tasks: Sequence[TaskData], S: pd.DataFrame, S_test: list[pd.DataFrame], models: Sequence[str]
) -> float:
    """Geometric mean over targets of the test MSE of laws fitted on ``models`` only."""
    errs = []
    for task, s_test in zip(tasks, S_test, strict=True):
        chosen = [m for m in models if m in task.y.index and task.train.get(m, False)]
        if len(chosen) < 2:
            return math.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OSLConvergenceWarning)
            fit = fit_sigmoid_law(
                S.loc[chosen].to_numpy(), task.y.loc[chosen].to_numpy(),
                link=task.setup.link, loss=task.setup.loss, huber_delta=task.setup.huber_delta,
            )  # fmt: skip
        pred = sigmoid_law(s_test.to_numpy(), fit.beta, fit.alpha, fit.h, task.setup.link)
        errs.append(max(mse(task.y_test.to_numpy(), pred), 1e-12))
    return float(np.exp(np.mean(np.log(errs))))


def subset_curves(
    targets: Sequence[str] = ("gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc"),
    budgets: Sequence[int] = tuple(range(4, 48)),
    n_random: int = 30,
    seed: int = 0,
    n_components: int = 3,
    intercept: bool = True,
) -> SubsetStudy:
    """Test MSE of laws fitted on selected model subsets, for every budget and method.

    The pool is the training models of the first target's setup (compute at or
    below the cutoff). S is the K-component capability PCA of the pool. Random
    subsets are drawn with ``seed``. Besides the exact optimum of the criterion
    with (or, if ``intercept`` is False, without) the intercept, the method
    ``AUTHORS_CRITERION`` is the exact optimum of the authors' released
    settings: no intercept, at most ten families.
    """
    tasks = [load_task(t) for t in targets]
    first = tasks[0]
    pool = first.frame.loc[first.train, ["Model", "Model Family"]].copy()
    X_pool = first.X.loc[pool.index]
    pca = CapabilityPCA(n_components=n_components).fit(X_pool)
    S = pca.transform(X_pool)
    S_test = [pca.transform(t.X_test) for t in tasks]
    frame = pd.concat([pool, S], axis=1)
    problem = FamilySelectionProblem.from_frame(frame, list(S.columns), intercept=intercept)

    rows: list[dict[str, object]] = []
    picks: list[dict[str, object]] = []

    def record(method: str, budget: int, draw: int, res: SelectionResult) -> None:
        models = list(res.models)
        rows.append(
            {
                "method": method,
                "budget": budget,
                "draw": draw,
                "n_models": len(models),
                "criterion": res.criterion,
                "gmean_mse": _fit_and_score(tasks, S, S_test, models),
            }
        )
        if draw == 0:
            picks.append({"method": method, "budget": budget, "families": ", ".join(res.families)})

    exact = exact_search_all_budgets(problem, list(budgets))
    # The authors' criterion and family cap; Llama-2 is not forced here, as in the other arms.
    authors_problem = FamilySelectionProblem.from_frame(
        frame, list(S.columns), intercept=AUTHORS_SETTINGS.intercept
    )
    authors = exact_search_all_budgets(
        authors_problem, list(budgets), max_families=AUTHORS_SETTINGS.max_families
    )
    for b in budgets:
        record("V-optimal (exact)", b, 0, exact[float(b)])
        record(AUTHORS_CRITERION, b, 0, authors[float(b)])
        record("greedy", b, 0, greedy_search(problem, b))
        for d, res in enumerate(random_subsets(problem, b, n_random, seed + b)):
            record("random", b, d, res)
    all_mse = _fit_and_score(tasks, S, S_test, list(pool["Model"]))
    return SubsetStudy(pd.DataFrame(rows), pd.DataFrame(picks), all_mse, frame)


def band(
    curves: pd.DataFrame, method: str = "random", lo: float = 0.1, hi: float = 0.9
) -> pd.DataFrame:
    """Per budget: median and the ``lo``–``hi`` quantile band of ``gmean_mse`` for ``method``."""
    grp = curves[curves["method"] == method].groupby("budget")["gmean_mse"]
    return pd.DataFrame(
        {"median": grp.median(), "lo": grp.quantile(lo), "hi": grp.quantile(hi)}
    ).reset_index()


def matching_budget(
    curves: pd.DataFrame, reference: float, method: str = "V-optimal (exact)", factor: float = 1.5
) -> int | None:
    """Smallest budget from which ``method`` stays within ``factor`` × ``reference`` MSE."""
    series = curves[curves["method"] == method].set_index("budget")["gmean_mse"].sort_index()
    ok = series <= factor * reference
    for b in series.index:
        if ok.loc[b:].all():
            return int(b)
    return None


def value_at(curves: pd.DataFrame, method: str, budget: int) -> float:
    """``gmean_mse`` of a deterministic ``method`` at one budget."""
    sel = curves[(curves["method"] == method) & (curves["budget"] == budget)]["gmean_mse"]
    return float(sel.iloc[0])


def chart_frame(lines: pd.DataFrame, random_band: pd.DataFrame, all_models: float) -> pd.DataFrame:
    """Tidy frame for a line-with-band chart: one row per method and budget (``lo``/``hi`` for random)."""
    rand = random_band.rename(columns={"median": "gmean_mse"}).assign(
        method="random (median, 10–90%)"
    )
    flat = pd.DataFrame(
        {
            "budget": sorted(lines["budget"].unique()),
            "gmean_mse": all_models,
            "method": "all models",
        }
    )
    out = pd.concat([lines, rand, flat], ignore_index=True)
    return out[["method", "budget", "gmean_mse", "lo", "hi"]]


def time_searches(
    problem: FamilySelectionProblem, budgets: Sequence[int], repeats: int = 3
) -> dict[str, float]:
    """Wall time of the vectorised exact search and of the plain loop on the same problem.

    Returns ``fast_s`` (median of ``repeats``), ``loop_s`` (one run), their
    ``ratio`` and ``same_optimum`` (1.0 when both pick the same families for
    every budget).
    """
    import statistics
    import time

    from osl_helpers.selection import exact_search_loop_all_budgets

    fast_times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fast = exact_search_all_budgets(problem, list(budgets))
        fast_times.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    loop = exact_search_loop_all_budgets(problem, list(budgets))
    loop_s = time.perf_counter() - t0
    fast_s = statistics.median(fast_times)
    same = all(set(fast[float(b)].families) == set(loop[float(b)].families) for b in budgets)
    return {
        "families": float(len(problem.families)),
        "fast_s": fast_s,
        "loop_s": loop_s,
        "ratio": loop_s / fast_s,
        "same_optimum": float(same),
    }
