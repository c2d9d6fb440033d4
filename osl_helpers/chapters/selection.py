"""Model subsets (Sec. 5): does a small one recover the law, and the authors' recommended ones.

Does a small, well-chosen set of models recover the all-model scaling law? The
benchmark scores B — hence the capabilities S — are known for every model; only
the new target E is expensive, because it must be evaluated. So S is fitted once
on the whole candidate pool (the training models of a setup), and the law
E ≈ h·σ(βᵀS + α) (Eq. 6) is fitted on the target values of the selected subset
only, then scored on the usual held-out strong models. :func:`subset_curves`
does that for every budget and for four ways of choosing: the exact V-optimal
family subset, the greedy one, random family subsets (a band over seeded draws)
and all models.

Ruan, Maddison & Hashimoto (2024, Sec. 5 and Table 1) recommend which model
families to evaluate for a cheap observational scaling analysis. Their
released selection guide (``model_subset_selection_guide.ipynb`` in the
authors' repository, the companion of Sec. 5) lists the picks of their
search for budgets of 4 to 36 models, from every model of their 21 families
and from those of at most 7B parameters. :data:`AUTHORS_RECOMMENDED` holds
those picks with the criterion value the guide reports (it prints −V).

Their search differs from this package's defaults in three ways, collected
in :data:`AUTHORS_SETTINGS`: the V-optimality criterion has no intercept
(it uses Tr(Sᵀ S (S_Mᵀ S_M)⁻¹) on the centred PC scores), a subset holds at
most ten families, and Llama-2 is always evaluated. :func:`compare_with_authors`
reruns the exact search with those settings on the same pool, evaluates the
authors' pick under the same criterion, and adds the pick under this
package's defaults (intercept, no family cap), so a reader can see which
differences come from the setup and which from near-ties.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from osl_helpers._validation import OSLConvergenceWarning, OSLInputError
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.data import BENCHMARKS, load_base_benchmarks
from osl_helpers.evaluation import mse
from osl_helpers.law import fit_sigmoid_law, sigmoid_law
from osl_helpers.selection import (
    FamilySelectionProblem,
    SelectionResult,
    exact_search_all_budgets,
    greedy_search,
    random_subsets,
)
from osl_helpers.setups import TaskData, load_task

__all__ = [
    "AUTHORS_BUDGETS",
    "AUTHORS_CRITERION",
    "AUTHORS_RECOMMENDED",
    "AUTHORS_SETTINGS",
    "POOLS",
    "AuthorsPick",
    "PoolName",
    "SubsetStudy",
    "authors_numbers",
    "authors_problem",
    "band",
    "chart_frame",
    "compare_all_pools",
    "compare_with_authors",
    "exercise_numbers",
    "matching_budget",
    "recommendation_pool",
    "speed_numbers",
    "stack_pools",
    "study_chart_frame",
    "study_numbers",
    "subset_curves",
    "time_searches",
    "value_at",
]


# ------------------------------------------------------------------ the authors' recommended subsets

PoolName = Literal["all", "max_7b"]

#: Largest model size (billions of parameters) in the authors' small-model pool.
POOLS: Mapping[str, float | None] = MappingProxyType({"all": None, "max_7b": 7.0})

#: The budgets (number of models) the authors' guide reports.
AUTHORS_BUDGETS: tuple[int, ...] = (4, 8, 12, 16, 20, 24, 28, 32, 36)


@dataclass(frozen=True)
class AuthorsSettings:
    """How the authors' released search differs from this package's defaults."""

    intercept: bool = False
    max_families: int = 10
    include_family: str = "Llama-2"
    n_components: int = 3


AUTHORS_SETTINGS = AuthorsSettings()


@dataclass(frozen=True)
class AuthorsPick:
    """One row of the authors' recommendation: the families chosen within
    ``budget`` models, the number of models they hold and the criterion V the
    authors report for them (lower is better)."""

    budget: int
    families: frozenset[str]
    n_models: int
    criterion: float


def _picks(rows: Iterable[tuple[int, int, float, str]]) -> Mapping[int, AuthorsPick]:
    out = {
        b: AuthorsPick(b, frozenset(f.strip() for f in fams.split(",")), n, v)
        for b, n, v, fams in rows
    }
    return MappingProxyType(out)


# Transcribed from the authors' selection guide (Ruan et al. 2024, Sec. 5;
# repository ryoungj/ObsScaling). Columns: budget, models chosen, V, families.
AUTHORS_RECOMMENDED: Mapping[str, Mapping[int, AuthorsPick]] = MappingProxyType(
    {
        "all": _picks(
            [
                (4, 4, 1365.30, "Llama-2, Mistral"),
                (8, 8, 37.43, "Llama-2, Mixtral, Phi, MPT"),
                (12, 12, 16.93, "Llama-2, Llama-3, Falcon, DeepSeek-Coder"),
                (16, 16, 12.70, "Llama-2, Llama-3, Falcon, Phi, MPT, DeepSeek-Coder"),
                (
                    20,
                    20,
                    10.25,
                    "Llama-2, Qwen, Mixtral, Falcon, MPT, CodeLlama, DeepSeek-Coder",
                ),
                (
                    24,
                    24,
                    8.35,
                    "Llama-2, Llama-3, Qwen, Falcon, MPT, CodeLlama, StarCoder2, DeepSeek-Coder",
                ),
                (
                    28,
                    28,
                    7.21,
                    "Llama-2, Llama, Llama-3, Qwen1.5, Mixtral, Falcon, CodeLlama, DeepSeek-Coder",
                ),
                (
                    32,
                    32,
                    6.30,
                    "Llama-2, Llama-3, Qwen, Mixtral, Yi, Falcon, OPT, MPT, CodeLlama, "
                    "DeepSeek-Coder",
                ),
                (
                    36,
                    36,
                    5.65,
                    "Llama-2, Llama-3, Qwen1.5, Mixtral, Falcon, OPT, CodeLlama, StarCoder, "
                    "DeepSeek-Coder",
                ),
            ]
        ),
        "max_7b": _picks(
            [
                (4, 4, 25.61, "Llama-2, Phi, CodeLlama"),
                (8, 8, 10.51, "Llama-2, Llama, Qwen, Phi, MPT, DeepSeek-Coder"),
                (
                    12,
                    12,
                    7.04,
                    "Llama-2, Llama, Qwen, Gemma, Falcon, Phi, MPT, DeepSeek-Coder",
                ),
                (
                    16,
                    16,
                    5.71,
                    "Llama-2, Llama, Qwen1.5, Gemma, Falcon, Phi, MPT, CodeLlama, DeepSeek-Coder",
                ),
                (
                    20,
                    20,
                    5.04,
                    "Llama-2, Llama, Qwen1.5, Yi, Gemma, Phi, OPT, MPT, CodeLlama, DeepSeek-Coder",
                ),
                (
                    24,
                    24,
                    4.57,
                    "Llama-2, Qwen1.5, Gemma, Falcon, Phi, Pythia, MPT, CodeLlama, StarCoder2, "
                    "DeepSeek-Coder",
                ),
                (
                    28,
                    28,
                    4.27,
                    "Llama-2, Qwen1.5, Gemma, Falcon, Phi, Pythia, OPT, MPT, StarCoder2, "
                    "DeepSeek-Coder",
                ),
                (
                    32,
                    32,
                    4.15,
                    "Llama-2, Qwen1.5, Gemma, Falcon, Phi, Pythia, GPT-Neo/J, OPT, StarCoder, "
                    "DeepSeek-Coder",
                ),
                (
                    36,
                    32,
                    4.15,
                    "Llama-2, Qwen1.5, Gemma, Falcon, Phi, Pythia, GPT-Neo/J, OPT, StarCoder, "
                    "DeepSeek-Coder",
                ),
            ]
        ),
    }
)


def _check_pool(pool: str) -> float | None:
    if pool not in POOLS:
        raise OSLInputError(f"unknown pool {pool!r}; choose one of {list(POOLS)}")
    return POOLS[pool]


def recommendation_pool(pool: PoolName = "all", n_components: int = 3) -> pd.DataFrame:
    """The candidate models of the authors' search with their capability scores S.

    The paper's 77 models (its 21 families), optionally only those of at most
    7B parameters (``pool="max_7b"``; the authors keep sizes ≤ 7). As in the
    authors' search, S (Eq. 5) is fitted on the pool itself: missing cells are
    imputed and the K principal components computed on these models only.
    Columns: Model, Model Family, Model Size (B), PC-1 … PC-K.
    """
    max_size = _check_pool(pool)
    frame = load_base_benchmarks("paper")
    if max_size is not None:
        frame = frame[frame["Model Size (B)"] <= max_size]
    frame = frame.reset_index(drop=True)
    pca = CapabilityPCA(n_components=n_components).fit(frame[BENCHMARKS])
    scores = pca.transform(frame[BENCHMARKS])
    return frame[["Model", "Model Family", "Model Size (B)"]].join(scores)


def authors_problem(frame: pd.DataFrame) -> FamilySelectionProblem:
    """The selection problem of the authors' released search on a scored pool
    (from :func:`recommendation_pool`): K PCs, no intercept, Llama-2 forced.
    Search it with ``max_families=AUTHORS_SETTINGS.max_families``."""
    s = AUTHORS_SETTINGS
    cols = [f"PC-{k + 1}" for k in range(s.n_components)]
    return FamilySelectionProblem.from_frame(
        frame, cols, include_families=s.include_family, intercept=s.intercept
    )


def _ordered(families: Iterable[str], order: list[str]) -> str:
    fams = set(families)
    return ", ".join(f for f in order if f in fams)


def _difference(ours: Iterable[str], theirs: Iterable[str], order: list[str]) -> str:
    """``"+A, −B"``: families only in ours (+) and only in theirs (−); ``""`` if equal."""
    a, b = set(ours), set(theirs)
    plus = [f"+{f}" for f in order if f in a - b]
    minus = [f"\u2212{f}" for f in order if f in b - a]
    return ", ".join(plus + minus)


def compare_with_authors(
    pool: PoolName = "all", budgets: Iterable[int] = AUTHORS_BUDGETS
) -> pd.DataFrame:
    """The authors' picks beside this package's, one row per budget.

    Columns:

    * ``authors``: the authors' families; ``authors_V``: the V they report;
    * ``reproduced``: the exact optimum under :data:`AUTHORS_SETTINGS` on the
      same pool, with its criterion ``reproduced_V``; ``same``: whether it is
      the authors' set of families; ``difference``: families only in ours
      (``+``) and only in theirs (``−``);
    * ``authors_V_here``: the authors' pick evaluated by this package under
      the same settings, and ``gap``: its relative excess over
      ``reproduced_V`` (0 when the picks agree; small when they are near-ties);
    * ``default``: the optimum under this package's defaults (criterion with
      intercept, no family cap, Llama-2 still forced), ``default_n_models``.

    Family names are listed in the pool's order.
    """
    _check_pool(pool)
    published = AUTHORS_RECOMMENDED[pool]
    bud = [int(b) for b in budgets]
    unknown = [b for b in bud if b not in published]
    if unknown:
        raise OSLInputError(
            f"the authors report no pick for budget(s) {unknown}; they report {sorted(published)}"
        )
    s = AUTHORS_SETTINGS
    frame = recommendation_pool(pool, s.n_components)
    order = list(dict.fromkeys(frame["Model Family"]))
    theirs = authors_problem(frame)
    ours = FamilySelectionProblem.from_frame(
        frame, list(theirs.score_columns), include_families=s.include_family
    )
    rep = exact_search_all_budgets(theirs, bud, max_families=s.max_families)
    dflt = exact_search_all_budgets(ours, bud)
    rows = []
    for b in bud:
        pick = published[b]
        here = theirs.evaluate(pick.families - set(theirs.base_families))
        r = rep[float(b)]
        rows.append(
            {
                "budget": b,
                "authors": _ordered(pick.families, order),
                "authors_V": pick.criterion,
                "reproduced": _ordered(r.families, order),
                "reproduced_V": r.criterion,
                "same": frozenset(r.families) == pick.families,
                "difference": _difference(r.families, pick.families, order),
                "authors_V_here": here.criterion,
                "gap": here.criterion / r.criterion - 1.0,
                "default": _ordered(dflt[float(b)].families, order),
                "default_n_models": dflt[float(b)].n_models,
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------ a small subset against all models


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


# ------------------------------------------------------------------ the numbers the chapter quotes


def study_chart_frame(study: SubsetStudy) -> pd.DataFrame:
    """:func:`chart_frame` of a study: its deterministic methods, the random band and all models."""
    lines = study.curves[study.curves["method"] != "random"][["method", "budget", "gmean_mse"]]
    return chart_frame(lines, band(study.curves, "random"), study.all_models)


def study_numbers(study: SubsetStudy, small: Sequence[int] = range(4, 13)) -> dict[str, Any]:
    """How close a law fitted on a subset of models comes to the all-model law (Sec. 5).

    Errors are the geometric-mean held-out MSE of :func:`subset_curves`.
    ``all_mse``: all models; ``match15``/``match3``: the smallest budget from
    which the exact V-optimal subset stays within 1.5×/3× of it; ``vopt12``,
    ``rand12``: exact V-optimal and median random subset at 12 models;
    ``small_wins`` of ``small_n`` budgets in ``small`` where V-optimal beats
    the random median, ``vopt4_ratio`` their ratio at the smallest. ``auth_*``:
    the authors' criterion (:data:`AUTHORS_CRITERION`) against the exact
    V-optimal one, budget by budget (``auth_gmean_ratio`` the geometric mean
    of their ratio).
    """
    curves, all_mse = study.curves, study.all_models
    rand = band(curves, "random").set_index("budget")["median"]
    at12 = value_at(curves, "V-optimal (exact)", 12)
    vopt_small = [value_at(curves, "V-optimal (exact)", b) for b in small]
    rand_small = rand.loc[list(small)].to_numpy()

    def line(method: str) -> pd.Series:
        return curves[curves["method"] == method].set_index("budget")["gmean_mse"]

    ratio = line(AUTHORS_CRITERION) / line("V-optimal (exact)")
    return {
        "all_mse": all_mse,
        "match15": matching_budget(curves, all_mse, factor=1.5),
        "match3": matching_budget(curves, all_mse, factor=3.0),
        "vopt12": at12,
        "vopt12_ratio": at12 / all_mse,
        "rand12": float(rand.loc[12]),
        "small_wins": int(sum(v < r for v, r in zip(vopt_small, rand_small, strict=True))),
        "small_n": len(small),
        "vopt4_ratio": float(rand_small[0] / vopt_small[0]),
        "auth_lower": int((ratio < 1).sum()),
        "auth_higher": int((ratio > 1).sum()),
        "n_budgets": len(ratio),
        "auth_gmean_ratio": float(np.exp(np.log(ratio).mean())),
        "auth_match15": matching_budget(curves, all_mse, method=AUTHORS_CRITERION, factor=1.5),
        "auth12_ratio": value_at(curves, AUTHORS_CRITERION, 12) / all_mse,
    }


def speed_numbers(speed: Mapping[str, float]) -> dict[str, Any]:
    """:func:`time_searches` for the prose: the timings, their ratio, and whether the optima agree."""
    return {
        "speed_ratio": speed["ratio"],
        "speed_fast": speed["fast_s"],
        "speed_loop": speed["loop_s"],
        "speed_same": "the same" if speed["same_optimum"] == 1.0 else "a different",
    }


def compare_all_pools() -> dict[str, pd.DataFrame]:
    """:func:`compare_with_authors` for every pool of :data:`POOLS`."""
    return {pool: compare_with_authors(pool) for pool in POOLS}  # type: ignore[arg-type]


def stack_pools(compare: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The tables of :func:`compare_all_pools` one under the other, indexed by pool."""
    return pd.concat(compare, names=["pool", "row"]).reset_index(level="row", drop=True)


def authors_numbers(compare: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """How many of the authors' recommended subsets the exact search reproduces, and their V.

    ``compare``: :func:`compare_all_pools`. ``auth_same`` of ``auth_rows`` picks
    are the same (per pool: ``_all``, ``_7b``); ``auth_vdev_pct``: the largest
    relative deviation (percent) of the reproduced criterion V from the
    authors'; ``auth_v_round``: rows where V rounded to two decimals equals
    theirs; ``auth_v_absdev``: the largest absolute deviation. ``dflt_*``: the
    picks under this package's defaults (all models): how many are the
    authors', and the most families one holds.
    """
    both = stack_pools(compare)
    v_round = np.isclose(both["reproduced_V"].round(2), both["authors_V"], rtol=0, atol=1e-9)
    dflt = compare["all"]
    return {
        "auth_same": int(both["same"].sum()),
        "auth_rows": len(both),
        "auth_same_all": int(compare["all"]["same"].sum()),
        "auth_rows_all": len(compare["all"]),
        "auth_same_7b": int(compare["max_7b"]["same"].sum()),
        "auth_rows_7b": len(compare["max_7b"]),
        "auth_vdev_pct": 100 * float((both["reproduced_V"] / both["authors_V"] - 1.0).abs().max()),
        "auth_v_round": int(v_round.sum()),
        "auth_v_absdev": float((both["reproduced_V"] - both["authors_V"]).abs().max()),
        "dflt_same": int((dflt["authors"] == dflt["default"]).sum()),
        "dflt_max_fams": int(dflt["default"].map(lambda s: len(s.split(", "))).max()),
    }


def exercise_numbers(
    pool: pd.DataFrame,
    exact: Mapping[float, SelectionResult],
    sizes: pd.Series,
    cost_budgets: Sequence[float] = (20.0, 50.0, 100.0),
    small: float = 24,
) -> dict[str, Any]:
    """Solutions of the exercises: the criterion without intercept; a budget in parameters.

    ``pool`` is ``SubsetStudy.pool`` (Model, Model Family, PC-1 … PC-K),
    ``exact`` the exact optima with the intercept for every budget, ``sizes`` the
    models' sizes in billions of parameters (indexed like ``pool``). Returns
    ``sel_ex_same``: the budgets where the criterion without intercept (no family
    cap) picks the same families, of ``sel_ex_budgets``; ``sel_ex_same_small``:
    those of at most ``small`` models; ``sel_ex_differ``: the others, and
    ``sel_ex_far``: how many of them give the pick without intercept the larger
    mean squared distance ‖S‖² from the pool's mean; that distance averaged over
    budgets (``sel_ex_dist_noint``, ``sel_ex_dist_int``) and over the pool
    (``sel_ex_dist_pool``). Per cost budget B: ``sel_ex_cost_n_<B>`` (models
    bought), ``sel_ex_cost_families_<B>``, the mean size of the models bought
    (``sel_ex_cost_mean_size_<B>``) and of those left out
    (``sel_ex_cost_left_mean_size_<B>``). Also ``sel_ex_pool_params`` (the pool's
    total parameters) and ``sel_ex_pool_mean_size``.
    """
    cols = [c for c in pool.columns if c.startswith("PC-")]
    frame = pool.assign(size=sizes)
    no_int = exact_search_all_budgets(
        FamilySelectionProblem.from_frame(frame, cols, intercept=False), list(exact)
    )
    dist = (frame.set_index("Model")[cols] ** 2).sum(axis=1)

    def spread(res: SelectionResult) -> float:
        return float(dist.loc[list(res.models)].mean())

    same = {b: set(exact[b].families) == set(no_int[b].families) for b in exact}
    differ = [b for b in exact if not same[b] and math.isfinite(exact[b].criterion)]
    finite = [
        b for b in exact if math.isfinite(exact[b].criterion) and math.isfinite(no_int[b].criterion)
    ]
    out: dict[str, Any] = {
        "sel_ex_budgets": len(exact),
        "sel_ex_same": sum(same.values()),
        "sel_ex_same_small": sum(v for b, v in same.items() if b <= small),
        "sel_ex_differ": len(differ),
        "sel_ex_far": sum(spread(no_int[b]) > spread(exact[b]) for b in differ),
        "sel_ex_dist_noint": float(np.mean([spread(no_int[b]) for b in finite])),
        "sel_ex_dist_int": float(np.mean([spread(exact[b]) for b in finite])),
        "sel_ex_dist_pool": float(dist.mean()),
        "sel_ex_pool_params": float(frame["size"].sum()),
        "sel_ex_pool_mean_size": float(frame["size"].mean()),
    }
    by_cost = exact_search_all_budgets(
        FamilySelectionProblem.from_frame(frame, cols, cost_column="size"),
        list(cost_budgets),
        budget_kind="cost",
    )
    for b, res in by_cost.items():
        out[f"sel_ex_cost_n_{b:.0f}"] = res.n_models
        out[f"sel_ex_cost_families_{b:.0f}"] = ", ".join(res.families)
        out[f"sel_ex_cost_mean_size_{b:.0f}"] = res.cost / res.n_models
        left = ~frame["Model"].isin(res.models)
        out[f"sel_ex_cost_left_mean_size_{b:.0f}"] = float(frame.loc[left, "size"].mean())
    return out
