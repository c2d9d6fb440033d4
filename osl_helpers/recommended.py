"""The authors' recommended model subsets (Sec. 5) and their reproduction.

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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.data import BENCHMARKS, load_base_benchmarks
from osl_helpers.selection import FamilySelectionProblem, exact_search_all_budgets

__all__ = [
    "AUTHORS_BUDGETS",
    "AUTHORS_RECOMMENDED",
    "AUTHORS_SETTINGS",
    "POOLS",
    "AuthorsPick",
    "PoolName",
    "authors_problem",
    "compare_with_authors",
    "recommendation_pool",
]

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
