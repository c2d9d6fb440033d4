"""Which models to evaluate: V-optimal model-family subsets (Sec. 5 of the paper).

Ruan, Maddison & Hashimoto (2024, Sec. 5) cut the cost of an observational
scaling analysis by evaluating a new benchmark on only a subset M of the
available models, chosen so that the law fitted on M stays close to the law
fitted on every model. The law is a regression on the capability scores S
(Eq. 5 and 6), so they pick M by an optimal-design criterion, V-optimality:
the summed variance of the fitted values at every candidate model,

    V(M) = Tr( S̃ᵀ S̃ (S̃_Mᵀ S̃_M)⁻¹ ),

where S̃ holds one row s̃ = [1, s] per candidate model (the K principal
capability scores, augmented with an intercept) and S̃_M keeps the rows of M.
Lower is better. Models are chosen by whole families (evaluating one size of
a series makes the others cheap to add), under a budget on the number of
models or on a cost such as parameter count.

Everything here works on Gram matrices: with G_f = Σ_{m∈f} s̃_m s̃_mᵀ the
Gram of family f, a subset of families has Gram Σ_f G_f, so the criterion of
every subset needs only sums of (K+1) × (K+1) matrices. :func:`exact_search`
enumerates all 2^F family subsets as bit masks, builds their Grams level by
level and evaluates them with a vectorised Cholesky factorisation; it returns
the same optimum as :func:`exact_search_loop`, the plain one-subset-at-a-time
baseline.

Identifiability. A subset whose S̃_M does not have full column rank (too few
models, or models on a line) has a singular S̃_Mᵀ S̃_M and no unique fit; its
criterion is ``math.inf``. Numerically: the Cholesky pivot of column j must
exceed ``PIVOT_RTOL`` times that column's diagonal entry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import (
    DuplicateModelError,
    NonNumericError,
    NotEnoughModelsError,
    OSLInputError,
    UnknownFamilyError,
    as_float_array,
    check_number,
    require_columns,
)

__all__ = [
    "PIVOT_RTOL",
    "BudgetKind",
    "FamilySelectionProblem",
    "SelectionResult",
    "exact_search",
    "exact_search_all_budgets",
    "exact_search_loop",
    "exact_search_loop_all_budgets",
    "greedy_search",
    "random_subsets",
    "selection_frame",
    "v_optimality",
    "v_optimality_batched",
]

FloatArray = NDArray[np.float64]
BudgetKind = Literal["models", "cost"]

#: A subset is unidentifiable when a Cholesky pivot of its Gram falls below this
#: fraction of the matching diagonal entry (roughly: condition number above 1/PIVOT_RTOL).
PIVOT_RTOL = 1e-10

#: Largest number of selectable families :func:`exact_search` will enumerate (2^26 subsets).
MAX_EXACT_FAMILIES = 26

_PC_COLUMN = re.compile(r"^PC-(\d+)$")


# --------------------------------------------------------------------------- criterion kernel


def _criterion_kernel(grams: FloatArray, root: FloatArray) -> FloatArray:
    """Tr(T G_b⁻¹) for every b, with ``grams`` shaped (p, p, B) and T = root rootᵀ.

    Cholesky-factorises all B Grams at once (one numpy operation per matrix
    entry, each over the batch), then Tr(T G⁻¹) = ‖L⁻¹ root‖²_F. Only the lower
    triangle of ``grams`` is read. Unidentifiable Grams get ``inf``.
    """
    p, _, n = grams.shape
    lower: list[list[FloatArray]] = [[np.empty(0) for _ in range(p)] for _ in range(p)]
    ok = np.ones(n, dtype=bool)
    for j in range(p):
        pivot = grams[j, j].copy()
        for k in range(j):
            pivot -= lower[j][k] ** 2
        ok &= pivot > PIVOT_RTOL * grams[j, j]
        # A failed pivot is replaced by 1 so the remaining arithmetic stays finite.
        diag = np.sqrt(np.where(ok, pivot, 1.0))
        lower[j][j] = diag
        for i in range(j + 1, p):
            entry = grams[i, j].copy()
            for k in range(j):
                entry -= lower[i][k] * lower[j][k]
            lower[i][j] = entry / diag
    crit = np.zeros(n)
    for c in range(root.shape[1]):
        solved: list[FloatArray] = []
        for i in range(p):
            x = np.full(n, root[i, c])
            for k in range(i):
                x -= lower[i][k] * solved[k]
            x /= lower[i][i]
            solved.append(x)
            crit += x * x
    crit[~ok] = np.inf
    return crit


def _gram_root(target: FloatArray) -> FloatArray:
    """A matrix R with R Rᵀ = target (target symmetric positive semi-definite)."""
    w, v = np.linalg.eigh(target)
    return np.asarray(v * np.sqrt(np.clip(w, 0.0, None)), dtype=float)


def _augment(scores: FloatArray, intercept: bool) -> FloatArray:
    if intercept:
        return np.hstack([np.ones((scores.shape[0], 1)), scores])
    return scores


def _as_scores(x: object, name: str) -> FloatArray:
    if isinstance(x, pd.DataFrame):
        bad = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
        if bad:
            raise NonNumericError(f"{name}: non-numeric score column(s) {bad}")
    arr = as_float_array(x, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise OSLInputError(f"{name} must be 2-D (models × scores); got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise OSLInputError(f"{name}: contains NaN or infinite scores; impute them first")
    return arr


def _check_ridge(ridge: float) -> float:
    r = check_number("ridge", ridge, example="0.0")
    if not math.isfinite(r) or r < 0:
        raise OSLInputError(f"ridge must be a finite number ≥ 0; got {ridge!r}")
    return r


def v_optimality(
    S_all: FloatArray | pd.DataFrame | Sequence[Sequence[float]],
    S_subset: FloatArray | pd.DataFrame | Sequence[Sequence[float]],
    intercept: bool = True,
    ridge: float = 0.0,
) -> float:
    """V-optimality Tr(S̃ᵀ S̃ (S̃_Mᵀ S̃_M + ridge·I)⁻¹) of a model subset (Sec. 5).

    ``S_all`` holds the capability scores of every candidate model (rows) on the
    K principal components; ``S_subset`` those of the models in M. With
    ``intercept`` each row is augmented to s̃ = [1, s]. Lower is better.

    Returns ``math.inf`` when M cannot identify the regression: S̃_M without
    full column rank (e.g. fewer than K + 1 models, or an empty subset) and
    ``ridge == 0``. A positive ``ridge`` makes every subset identifiable.
    """
    all_ = _as_scores(S_all, "S_all")
    sub = _as_scores(S_subset, "S_subset") if np.size(S_subset) else np.empty((0, all_.shape[1]))
    if sub.shape[1] != all_.shape[1]:
        raise OSLInputError(
            f"S_subset has {sub.shape[1]} score column(s) but S_all has {all_.shape[1]}"
        )
    r = _check_ridge(ridge)
    a = _augment(all_, intercept)
    s = _augment(sub, intercept)
    gram = s.T @ s + r * np.eye(a.shape[1])
    return float(_criterion_kernel(gram[:, :, None], _gram_root(a.T @ a))[0])


def v_optimality_batched(
    S_all: FloatArray | pd.DataFrame | Sequence[Sequence[float]],
    masks: NDArray[np.bool_] | Sequence[Sequence[bool]],
    intercept: bool = True,
    ridge: float = 0.0,
) -> FloatArray:
    """:func:`v_optimality` of many subsets at once.

    ``masks`` is a boolean (B, N) array: row b selects the models of subset b
    among the N rows of ``S_all``. All B Grams are formed by one matrix product
    (masks @ stacked per-model outer products) and factorised together.
    Returns a length-B float array (``inf`` for unidentifiable subsets).
    """
    all_ = _as_scores(S_all, "S_all")
    m = np.asarray(masks)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2 or m.shape[1] != all_.shape[0]:
        raise OSLInputError(
            f"masks must have shape (n_subsets, {all_.shape[0]}) to match S_all; got {m.shape}"
        )
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise OSLInputError("masks must be boolean (or 0/1)")
        m = m.astype(bool)
    r = _check_ridge(ridge)
    a = _augment(all_, intercept)
    p = a.shape[1]
    outer = (a[:, :, None] * a[:, None, :]).reshape(a.shape[0], p * p)
    grams = (m.astype(float) @ outer).T.reshape(p, p, m.shape[0])
    grams += r * np.eye(p)[:, :, None]
    return _criterion_kernel(grams, _gram_root(a.T @ a))


# --------------------------------------------------------------------------- problem


def _names(x: str | Iterable[str] | None) -> tuple[str, ...]:
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    return tuple(dict.fromkeys(str(v) for v in x))


@dataclass(frozen=True, eq=False)
class FamilySelectionProblem:
    """The inputs of the family-subset search of Sec. 5, reduced to Gram matrices.

    Build it with :meth:`from_frame`. Bit i of a subset mask stands for
    ``families[i]``, one of the F selectable families; ``grams[i]`` is its Gram
    G_f = Σ_{m∈f} s̃_m s̃_mᵀ, ``sizes[i]`` its number of models and ``costs[i]``
    the summed cost of its models. The forced-in part (``base_*``) is in every
    subset and counts against the budget. ``target_gram`` is S̃ᵀ S̃ over the
    whole pool (every row of the frame), the models whose fitted values the
    criterion protects.
    """

    families: tuple[str, ...]
    family_models: tuple[tuple[str, ...], ...]
    grams: FloatArray
    sizes: NDArray[np.int64]
    costs: FloatArray
    base_families: tuple[str, ...]
    base_models: tuple[str, ...]
    base_gram: FloatArray
    base_size: int
    base_cost: float
    target_gram: FloatArray
    score_columns: tuple[str, ...]
    intercept: bool
    ridge: float
    pool_models: tuple[str, ...]
    pool_families: tuple[str, ...]
    family_rows: tuple[FloatArray, ...] = field(repr=False)
    base_rows: FloatArray = field(repr=False)

    @property
    def n_params(self) -> int:
        """Number of regression coefficients p = K (+ 1 with the intercept)."""
        return int(self.target_gram.shape[0])

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        score_columns: Sequence[str] | None = None,
        *,
        model_column: str = "Model",
        family_column: str = "Model Family",
        cost_column: str | None = None,
        include_families: str | Iterable[str] | None = None,
        exclude_families: str | Iterable[str] | None = None,
        include_models: str | Iterable[str] | None = None,
        exclude_models: str | Iterable[str] | None = None,
        intercept: bool = True,
        ridge: float = 0.0,
    ) -> FamilySelectionProblem:
        """Build the problem from one row per candidate model.

        ``frame`` needs ``model_column``, ``family_column`` and the capability
        scores (``score_columns``; default: every ``PC-k`` column, in order of
        k). ``cost_column`` (e.g. ``"Model Size (B)"``, parameters as a proxy
        for evaluation cost) enables ``budget_kind="cost"``; without it each
        model costs 1.

        Forcing rules:

        * ``include_families``: always evaluated, whole.
        * ``exclude_families``: never evaluated.
        * ``include_models``: these single models are always evaluated. Each
          leaves its family's selectable unit, so choosing that family later
          adds only its other models (nothing is counted twice).
        * ``exclude_models``: never evaluated; removed from their family's unit
          (also from a forced-in family).

        Exclusion only restricts what may be *evaluated*: every row of
        ``frame`` stays in the target S̃ᵀ S̃ (those models are still to be
        predicted). To drop models from the target too, filter the frame.
        Families left with no selectable model are dropped from the search.

        Raises :class:`UnknownFamilyError` for a family name not in the frame,
        :class:`NotEnoughModelsError` when the pool cannot identify the
        K (+1) coefficients, and :class:`OSLInputError` for missing columns,
        missing scores, unknown model names or contradictory forcing.
        """
        if not isinstance(frame, pd.DataFrame):
            raise OSLInputError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
        if score_columns is None:
            found = [(int(m.group(1)), c) for c in frame.columns if (m := _PC_COLUMN.match(str(c)))]
            score_columns = [c for _, c in sorted(found)]
            if not score_columns:
                raise OSLInputError(
                    "frame has no 'PC-k' score columns; pass score_columns explicitly"
                )
        scores_cols = tuple(str(c) for c in score_columns)
        if not scores_cols:
            raise OSLInputError("score_columns is empty")
        required = [model_column, family_column, *scores_cols]
        if cost_column is not None:
            required.append(cost_column)
        require_columns(frame, required, "frame")
        if len(frame) == 0:
            raise NotEnoughModelsError("frame has no models")

        models = frame[model_column].astype(str).tolist()
        if frame[model_column].duplicated().any():
            dup = frame.loc[frame[model_column].duplicated(), model_column].unique().tolist()
            raise DuplicateModelError(f"duplicate model name(s) {dup[:5]}")
        if frame[family_column].isna().any():
            bad = frame.loc[frame[family_column].isna(), model_column].tolist()
            raise OSLInputError(f"model(s) without a family: {bad[:5]}")
        fams = frame[family_column].astype(str).tolist()
        scores = _as_scores(frame[list(scores_cols)], "score columns")
        if cost_column is not None:
            cost_s = frame[cost_column]
            if not pd.api.types.is_numeric_dtype(cost_s):
                raise NonNumericError(f"cost column {cost_column!r} is not numeric")
            cost = cost_s.to_numpy(dtype=float)
            if not np.isfinite(cost).all() or (cost < 0).any():
                bad = [models[i] for i in np.flatnonzero(~(np.isfinite(cost) & (cost >= 0)))]
                raise OSLInputError(
                    f"cost column {cost_column!r} must be finite and ≥ 0; bad for {bad[:5]}"
                )
        else:
            cost = np.ones(len(models))
        r = _check_ridge(ridge)

        pool_families = tuple(dict.fromkeys(fams))
        inc_f, exc_f = _names(include_families), _names(exclude_families)
        inc_m, exc_m = _names(include_models), _names(exclude_models)
        unknown_f = [f for f in (*inc_f, *exc_f) if f not in pool_families]
        if unknown_f:
            raise UnknownFamilyError(
                f"unknown model family name(s) {unknown_f}; families in the frame: "
                f"{list(pool_families)}"
            )
        known_m = set(models)
        unknown_m = [m for m in (*inc_m, *exc_m) if m not in known_m]
        if unknown_m:
            raise OSLInputError(
                f"unknown model name(s) {unknown_m} (not in column {model_column!r})"
            )
        if both := sorted(set(inc_f) & set(exc_f)):
            raise OSLInputError(f"family(ies) {both} are both forced in and excluded")
        if both := sorted(set(inc_m) & set(exc_m)):
            raise OSLInputError(f"model(s) {both} are both forced in and excluded")
        family_of = dict(zip(models, fams, strict=True))
        if clash := [m for m in inc_m if family_of[m] in exc_f]:
            raise OSLInputError(f"forced-in model(s) {clash} belong to an excluded family")

        aug = _augment(scores, intercept)
        p = aug.shape[1]
        if np.linalg.matrix_rank(aug) < p:
            raise NotEnoughModelsError(
                f"the {len(models)} candidate models cannot identify {p} coefficients "
                f"({len(scores_cols)} score(s){' + intercept' if intercept else ''})"
            )

        row_of = {m: i for i, m in enumerate(models)}
        exc_m_set, inc_m_set = set(exc_m), set(inc_m)
        base_idx = [row_of[m] for m in models if m in inc_m_set]
        free_names: list[str] = []
        free_idx: list[list[int]] = []
        for fam in pool_families:
            if fam in exc_f:
                continue
            idx = [
                row_of[m]
                for m, f in zip(models, fams, strict=True)
                if f == fam and m not in exc_m_set and m not in inc_m_set
            ]
            if fam in inc_f:
                base_idx.extend(idx)
            elif idx:
                free_names.append(fam)
                free_idx.append(idx)
        base_idx = sorted(set(base_idx))

        def gram(rows: list[int]) -> FloatArray:
            block = aug[rows]
            return np.asarray(block.T @ block, dtype=float)

        grams = np.stack([gram(ix) for ix in free_idx]) if free_idx else np.zeros((0, p, p))
        return cls(
            families=tuple(free_names),
            family_models=tuple(tuple(models[i] for i in ix) for ix in free_idx),
            grams=grams,
            sizes=np.array([len(ix) for ix in free_idx], dtype=np.int64),
            costs=np.array([float(cost[ix].sum()) for ix in free_idx], dtype=float),
            base_families=tuple(f for f in pool_families if f in inc_f),
            base_models=tuple(models[i] for i in base_idx),
            base_gram=gram(base_idx) + r * np.eye(p),
            base_size=len(base_idx),
            base_cost=float(cost[base_idx].sum()),
            target_gram=np.asarray(aug.T @ aug, dtype=float),
            score_columns=scores_cols,
            intercept=intercept,
            ridge=r,
            pool_models=tuple(models),
            pool_families=pool_families,
            family_rows=tuple(aug[ix] for ix in free_idx),
            base_rows=aug[base_idx],
        )

    # ----------------------------------------------------------------- helpers

    def _root(self) -> FloatArray:
        return _gram_root(self.target_gram)

    def _result(self, mask: int, criterion: float) -> SelectionResult:
        chosen = [i for i in range(len(self.families)) if mask >> i & 1]
        fam_set = set(self.base_families) | {self.families[i] for i in chosen}
        model_set = set(self.base_models)
        for i in chosen:
            model_set.update(self.family_models[i])
        return SelectionResult(
            families=tuple(f for f in self.pool_families if f in fam_set),
            models=tuple(m for m in self.pool_models if m in model_set),
            criterion=float(criterion),
            cost=float(self.base_cost + sum(float(self.costs[i]) for i in chosen)),
            n_models=int(self.base_size + sum(int(self.sizes[i]) for i in chosen)),
        )

    def _spend(self, budget_kind: BudgetKind) -> tuple[float, FloatArray]:
        """What the forced-in part and each selectable family spend of a budget:
        models counted (``"models"``) or summed cost (``"cost"``)."""
        if budget_kind == "models":
            return float(self.base_size), self.sizes.astype(float)
        return self.base_cost, self.costs

    def _mask_of(self, families: Iterable[str]) -> int:
        names = _names(families)
        index = {f: i for i, f in enumerate(self.families)}
        unknown = [f for f in names if f not in index and f not in self.base_families]
        if unknown:
            raise UnknownFamilyError(
                f"family name(s) {unknown} are not selectable here; selectable: "
                f"{list(self.families)}, forced in: {list(self.base_families)}"
            )
        return sum(1 << index[f] for f in names if f in index)

    def evaluate(self, families: Iterable[str]) -> SelectionResult:
        """The selection made of ``families`` plus the forced-in part, with its criterion."""
        mask = self._mask_of(families)
        g = self.base_gram.copy()
        for i in range(len(self.families)):
            if mask >> i & 1:
                g += self.grams[i]
        crit = float(_criterion_kernel(g[:, :, None], self._root())[0])
        return self._result(mask, crit)


@dataclass(frozen=True)
class SelectionResult:
    """A chosen set of models: whole ``families`` (forced-in ones included), every
    evaluated model (``models``, forced single models included), the V-optimality
    ``criterion`` (``inf`` if unidentifiable), the summed ``cost`` and ``n_models``."""

    families: tuple[str, ...]
    models: tuple[str, ...]
    criterion: float
    cost: float
    n_models: int


def selection_frame(results: Mapping[float, SelectionResult]) -> pd.DataFrame:
    """One row per budget: ``budget``, ``n_models``, ``cost``, ``criterion``, ``families``."""
    rows = [
        {
            "budget": b,
            "n_models": r.n_models,
            "cost": r.cost,
            "criterion": r.criterion,
            "families": ", ".join(r.families),
        }
        for b, r in results.items()
    ]
    return pd.DataFrame(rows, columns=["budget", "n_models", "cost", "criterion", "families"])


# --------------------------------------------------------------------------- searches


def _check_budgets(
    problem: FamilySelectionProblem, budgets: Iterable[float], budget_kind: BudgetKind
) -> list[float]:
    if budget_kind not in ("models", "cost"):
        raise OSLInputError(f"budget_kind must be 'models' or 'cost'; got {budget_kind!r}")
    out = [float(b) for b in budgets]
    if not out:
        raise OSLInputError("no budgets given")
    base, _ = problem._spend(budget_kind)
    for b in out:
        if not math.isfinite(b) or b < 0:
            raise OSLInputError(f"budget must be a finite number ≥ 0; got {b!r}")
        if base > _limit(b):
            raise OSLInputError(
                f"budget {b:g} ({budget_kind}) is below the forced-in part alone ({base:g})"
            )
    return out


def _check_max_families(problem: FamilySelectionProblem, max_families: int | None) -> int | None:
    """Validate a cap on the number of families (forced-in families count against it)."""
    if max_families is None:
        return None
    if isinstance(max_families, bool) or int(max_families) != max_families or max_families < 1:
        raise OSLInputError(
            f"max_families must be a positive integer or None; got {max_families!r}"
        )
    if len(problem.base_families) > max_families:
        raise OSLInputError(
            f"max_families={max_families} is below the {len(problem.base_families)} "
            f"forced-in famil(ies) {list(problem.base_families)}"
        )
    return int(max_families)


def _popcounts(m: int) -> NDArray[np.int64]:
    """Number of set bits of every mask 0 … 2^m − 1 (families in each subset)."""
    out = np.zeros(1 << m, dtype=np.int64)
    for b in range(m):
        out[1 << b : 1 << (b + 1)] = out[: 1 << b] + 1
    return out


def _limit(budget: float) -> float:
    # Absorbs rounding in summed costs, so loop and vectorised search agree.
    return budget + 1e-9 * max(1.0, abs(budget))


def _level_tables(
    grams: FloatArray, sizes: NDArray[np.int64], costs: FloatArray, offset: FloatArray
) -> tuple[FloatArray, NDArray[np.int64], FloatArray]:
    """Gram, size and cost of all 2^m subsets of m families, bit i ↔ family i.

    Built level by level: the subsets containing family b are those without it
    (already filled) plus G_b.
    """
    m, p = grams.shape[0], offset.shape[0]
    g = np.empty((p, p, 1 << m))
    n = np.zeros(1 << m, dtype=np.int64)
    c = np.zeros(1 << m)
    g[:, :, 0] = offset
    for b in range(m):
        lo, hi = 1 << b, 1 << (b + 1)
        g[:, :, lo:hi] = g[:, :, :lo] + grams[b][:, :, None]
        n[lo:hi] = n[:lo] + sizes[b]
        c[lo:hi] = c[:lo] + costs[b]
    return g, n, c


def exact_search_all_budgets(
    problem: FamilySelectionProblem,
    budgets: Iterable[float] = range(4, 48),
    budget_kind: BudgetKind = "models",
    *,
    max_families: int | None = None,
    chunk_bits: int = 14,
) -> dict[float, SelectionResult]:
    """Exact V-optimal family subset for every budget, from one shared enumeration.

    For each budget B the result minimises the criterion over *all* subsets of
    the selectable families whose models (``budget_kind="models"``) or cost
    (``"cost"``) total at most B, forced-in part included. Subsets are bit
    masks; their Grams come from a table over the low ``chunk_bits`` families
    plus one Gram per setting of the high families, so memory stays at
    2^chunk_bits matrices per chunk. Ties in the criterion go to the subset
    spending less budget, then to the smallest mask. A budget
    that no identifiable subset fits gets the forced-in part alone with
    ``criterion = inf``.

    ``max_families`` caps the number of families in a subset, forced-in
    families included (the authors' released search enumerates at most ten).
    """
    bud = _check_budgets(problem, budgets, budget_kind)
    cap_f = _check_max_families(problem, max_families)
    n_fam = len(problem.families)
    if n_fam > MAX_EXACT_FAMILIES:
        raise OSLInputError(
            f"{n_fam} selectable families means 2^{n_fam} subsets; exact search is limited "
            f"to {MAX_EXACT_FAMILIES} families — exclude some or use greedy_search"
        )
    if not 1 <= chunk_bits <= 24:
        raise OSLInputError(f"chunk_bits must be in [1, 24]; got {chunk_bits}")
    low = min(n_fam, chunk_bits)
    p = problem.n_params
    g_lo, n_lo, c_lo = _level_tables(
        problem.grams[:low], problem.sizes[:low], problem.costs[:low], problem.base_gram
    )
    g_hi, n_hi, c_hi = _level_tables(
        problem.grams[low:], problem.sizes[low:], problem.costs[low:], np.zeros((p, p))
    )
    n_lo = n_lo + problem.base_size
    c_lo = c_lo + problem.base_cost
    f_lo = _popcounts(low) + len(problem.base_families)
    f_hi = _popcounts(n_fam - low)
    root = problem._root()
    limits = np.array([_limit(b) for b in bud])
    best = [(math.inf, math.inf)] * len(bud)  # (criterion, spent budget) of the incumbent
    best_mask = [0] * len(bud)
    positions = np.arange(1 << low)
    for hi in range(g_hi.shape[2]):
        crit = _criterion_kernel(g_lo + g_hi[:, :, hi : hi + 1], root)
        if cap_f is not None:
            crit[f_lo + f_hi[hi] > cap_f] = np.inf
        cap = (n_lo + n_hi[hi]) if budget_kind == "models" else (c_lo + c_hi[hi])
        # Sort the chunk by spent budget (stable: masks ascending within ties); then the
        # best subset within a limit is a running argmin over a prefix of that order.
        order = np.argsort(cap, kind="stable")
        crit_s, cap_s = crit[order], cap[order]
        run_min = np.minimum.accumulate(crit_s)
        improved = np.empty(crit_s.size, dtype=bool)
        improved[0] = True
        improved[1:] = crit_s[1:] < run_min[:-1]
        run_arg = np.maximum.accumulate(np.where(improved, positions, 0))
        ends = np.searchsorted(cap_s, limits, side="right")
        for k in np.flatnonzero(ends > 0):
            j = int(run_arg[ends[k] - 1])
            cand = (float(crit_s[j]), float(cap_s[j]))
            if cand < best[k]:
                best[k], best_mask[k] = cand, (hi << low) | int(order[j])
    return {
        b: problem._result(best_mask[k] if math.isfinite(best[k][0]) else 0, best[k][0])
        for k, b in enumerate(bud)
    }


def exact_search(
    problem: FamilySelectionProblem,
    budget: float,
    budget_kind: BudgetKind = "models",
    *,
    max_families: int | None = None,
    chunk_bits: int = 14,
) -> SelectionResult:
    """Exact V-optimal family subset within one budget (see :func:`exact_search_all_budgets`)."""
    return exact_search_all_budgets(
        problem, [budget], budget_kind, max_families=max_families, chunk_bits=chunk_bits
    )[float(budget)]


def exact_search_loop_all_budgets(
    problem: FamilySelectionProblem,
    budgets: Iterable[float] = range(4, 48),
    budget_kind: BudgetKind = "models",
    *,
    max_families: int | None = None,
) -> dict[float, SelectionResult]:
    """Baseline for :func:`exact_search_all_budgets`: one plain Python loop over all subsets.

    For each of the 2^F subsets it stacks the models' rows S̃_M, checks
    identifiability with ``np.linalg.matrix_rank`` and computes
    Tr(S̃ᵀ S̃ (S̃_Mᵀ S̃_M)⁻¹) with ``np.linalg.solve``; every budget's optimum
    is updated in the same pass, with the same tie-breaking.
    """
    bud = _check_budgets(problem, budgets, budget_kind)
    cap_f = _check_max_families(problem, max_families)
    n_fam = len(problem.families)
    p = problem.n_params
    target = problem.target_gram
    ridge_eye = problem.ridge * np.eye(p)
    base, cap_of = problem._spend(budget_kind)
    limits = [_limit(b) for b in bud]
    best = [(math.inf, math.inf)] * len(bud)  # (criterion, spent budget) of the incumbent
    best_mask = [0] * len(bud)
    for mask in range(1 << n_fam):
        chosen = [i for i in range(n_fam) if mask >> i & 1]
        if cap_f is not None and len(chosen) + len(problem.base_families) > cap_f:
            continue
        rows = np.vstack([problem.base_rows, *(problem.family_rows[i] for i in chosen)])
        cap = base + sum(float(cap_of[i]) for i in chosen)
        if problem.ridge == 0.0 and (rows.shape[0] < p or np.linalg.matrix_rank(rows) < p):
            crit = math.inf
        else:
            crit = float(np.trace(np.linalg.solve(rows.T @ rows + ridge_eye, target)))
        for k, lim in enumerate(limits):
            if cap <= lim and (crit, cap) < best[k]:
                best[k], best_mask[k] = (crit, cap), mask
    return {
        b: problem._result(best_mask[k] if math.isfinite(best[k][0]) else 0, best[k][0])
        for k, b in enumerate(bud)
    }


def exact_search_loop(
    problem: FamilySelectionProblem,
    budget: float,
    budget_kind: BudgetKind = "models",
    *,
    max_families: int | None = None,
) -> SelectionResult:
    """Baseline for :func:`exact_search`: a plain loop over every subset (slow; for checks)."""
    return exact_search_loop_all_budgets(problem, [budget], budget_kind, max_families=max_families)[
        float(budget)
    ]


def greedy_search(
    problem: FamilySelectionProblem,
    budget: float,
    budget_kind: BudgetKind = "models",
    *,
    max_families: int | None = None,
) -> SelectionResult:
    """Forward selection: repeatedly add the family that lowers the criterion most.

    Starts from the forced-in part and stops when no remaining family fits the
    budget. While every candidate is still unidentifiable (criterion ``inf``),
    candidates are ranked by the criterion with a tiny ridge (1e-8 times the
    mean diagonal of S̃ᵀ S̃ per model) added to their Gram; the ridge is used
    for ranking only. Its criterion is never below :func:`exact_search`'s.
    ``max_families`` stops it once that many families (forced-in ones
    included) are chosen.
    """
    (b,) = _check_budgets(problem, [budget], budget_kind)
    cap_f = _check_max_families(problem, max_families)
    lim = _limit(b)
    root = problem._root()
    p = problem.n_params
    tiny = 1e-8 * float(np.trace(problem.target_gram)) / (p * len(problem.pool_models))
    gram = problem.base_gram.copy()
    used, cap_of = problem._spend(budget_kind)
    mask = 0
    remaining = list(range(len(problem.families)))
    n_chosen = len(problem.base_families)
    while cap_f is None or n_chosen < cap_f:
        fits = [i for i in remaining if used + cap_of[i] <= lim]
        if not fits:
            break
        cand = gram[:, :, None] + np.stack([problem.grams[i] for i in fits], axis=2)
        crit = _criterion_kernel(cand, root)
        if not np.isfinite(crit).any():
            crit = _criterion_kernel(cand + tiny * np.eye(p)[:, :, None], root)
        j = int(np.argmin(crit))
        pick = fits[j]
        gram += problem.grams[pick]
        used += cap_of[pick]
        mask |= 1 << pick
        remaining.remove(pick)
        n_chosen += 1
    final = float(_criterion_kernel(gram[:, :, None], root)[0])
    return problem._result(mask, final)


def random_subsets(
    problem: FamilySelectionProblem,
    budget: float,
    n_draws: int,
    seed: int | np.random.Generator,
    budget_kind: BudgetKind = "models",
) -> list[SelectionResult]:
    """Random family subsets within the budget, as a baseline band for the optimum.

    Each draw shuffles the selectable families and adds them in that order
    whenever they still fit, so every draw is a random subset that no further
    family fits into (forced-in part included). Reproducible for a given
    ``seed`` (an int or a ``numpy.random.Generator``).
    """
    (b,) = _check_budgets(problem, [budget], budget_kind)
    if int(n_draws) != n_draws or n_draws < 0:
        raise OSLInputError(f"n_draws must be a non-negative integer; got {n_draws!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    lim = _limit(b)
    root = problem._root()
    start, cap_of = problem._spend(budget_kind)
    masks: list[int] = []
    grams = np.empty((problem.n_params, problem.n_params, int(n_draws)))
    for d in range(int(n_draws)):
        used, mask = float(start), 0
        g = problem.base_gram.copy()
        for i in rng.permutation(len(problem.families)):
            if used + cap_of[i] <= lim:
                used += cap_of[i]
                mask |= 1 << int(i)
                g += problem.grams[i]
        masks.append(mask)
        grams[:, :, d] = g
    crit = _criterion_kernel(grams, root) if n_draws else np.empty(0)
    return [problem._result(m, float(c)) for m, c in zip(masks, crit, strict=True)]
