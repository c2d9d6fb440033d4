"""Is the capability space the same for every group of models? Subspace comparisons (Sec. 3.2).

The paper extracts principal capabilities from the benchmark matrix
B ∈ R^{n×T} (n models, T benchmarks) by PCA: S = γ(B − μ) with γ ∈ R^{K×T}
(Eq. 5), and finds that K = 3 components explain about 97% of the variance of
its 77 models. This module asks whether that K-dimensional subspace
span(γ) is a property of language models in general or of those 77 models:

* :func:`principal_angles`, :func:`component_angles` and
  :func:`subspace_coordinates` compare two fitted subspaces γ_a, γ_b;
* :func:`variance_share` measures how much of another matrix's variance a
  frozen subspace explains;
* :func:`subset_structure` tabulates both for several model subsets at once,
  and :func:`heldout_null` gives the same numbers for random splits of one
  subset, i.e. what sampling noise alone produces;
* :func:`masked_imputation_check`, :func:`leave_one_out_imputation` and
  :func:`missing_cells` check the imputation step (Alg. A.1) that precedes
  the PCA whenever cells of B are missing;
* the ``*_numbers`` functions return the plain numbers the chapter quotes.

Every matrix is completed the way :class:`~osl_helpers.capabilities.CapabilityPCA`
completes it (a :class:`~osl_helpers.imputation.PCAImputer` fitted on the same
models) and centred on its own column means, so a subset's own top-K share
from :func:`variance_share` equals its ``explained_variance_ratio_`` sum.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.linalg import subspace_angles

from osl_helpers import data
from osl_helpers._validation import (
    ColumnMismatchError,
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    as_float_array,
    as_score_frame,
    check_int,
    require_columns,
)
from osl_helpers.capabilities import CapabilityPCA, pc_names
from osl_helpers.imputation import PCAImputer, masked_imputation_error

__all__ = [
    "ANGLE_NAMES",
    "ImputationCheck",
    "angle_rows",
    "code_numbers",
    "code_scores",
    "compare_with_null",
    "completed_centred",
    "component_angles",
    "coordinate_numbers",
    "exercise_numbers",
    "explained_ratio",
    "explained_variance_table",
    "heldout_null",
    "imputation_numbers",
    "imputed_cells",
    "imputed_numbers",
    "leave_one_out_imputation",
    "leave_one_out_numbers",
    "leave_one_out_rmse",
    "leave_one_out_table",
    "load_subsets",
    "loading_numbers",
    "masked_imputation_check",
    "matrix_numbers",
    "missing_cells",
    "null_comparison",
    "null_numbers",
    "paper_coordinates",
    "principal_angles",
    "reading_numbers",
    "stacked_loadings",
    "structure_numbers",
    "subset_structure",
    "subspace_coordinates",
    "variance_numbers",
    "variance_share",
    "with_family",
]

FloatArray = NDArray[np.float64]
Loadings = CapabilityPCA | pd.DataFrame | NDArray[np.floating]


# --------------------------------------------------------------------------- angles


def _loadings(x: Loadings, name: str) -> tuple[FloatArray, list[str] | None]:
    """γ as a K × T float array, plus its benchmark names when known."""
    if isinstance(x, CapabilityPCA):
        if not hasattr(x, "components_"):
            raise OSLInputError(f"{name}: the CapabilityPCA is not fitted")
        x = x.components_
    if isinstance(x, pd.DataFrame):
        return as_float_array(x, name), [str(c) for c in x.columns]
    arr = as_float_array(x, name)
    if arr.ndim != 2:
        raise OSLInputError(f"{name} must be 2-D (components × benchmarks); got shape {arr.shape}")
    return arr, None


def _pair(a: Loadings, b: Loadings) -> tuple[FloatArray, FloatArray]:
    ga, names_a = _loadings(a, "a")
    gb, names_b = _loadings(b, "b")
    if ga.shape[1] != gb.shape[1]:
        raise ColumnMismatchError(
            f"the subspaces live in different spaces: {ga.shape[1]} vs {gb.shape[1]} benchmarks"
        )
    if names_a is not None and names_b is not None and names_a != names_b:
        raise ColumnMismatchError(f"benchmarks differ: {names_a} vs {names_b}")
    for g, name in ((ga, "a"), (gb, "b")):
        if not np.isfinite(g).all():
            raise OSLInputError(f"{name} has non-finite loadings")
        if np.linalg.matrix_rank(g) < g.shape[0]:
            raise OSLInputError(f"the rows of {name} are linearly dependent")
    return ga, gb


def principal_angles(a: Loadings, b: Loadings) -> FloatArray:
    """Principal angles θ_1 ≤ … ≤ θ_m (degrees) between span(γ_a) and span(γ_b).

    ``a`` and ``b`` are loadings γ (K × T, rows spanning a subspace of the
    benchmark space R^T, as in Eq. 5) or fitted :class:`CapabilityPCA` objects;
    m = min(K_a, K_b). θ_k = arccos σ_k(Q_aᵀ Q_b) for orthonormal bases Q
    (Björck & Golub, 1973). All zero means one subspace contains the other;
    a large θ_m means some direction of one is nearly orthogonal to the other.
    The result does not depend on the signs or the order of the rows.
    """
    ga, gb = _pair(a, b)
    return np.sort(np.degrees(subspace_angles(ga.T, gb.T)))


def component_angles(a: Loadings, b: Loadings) -> FloatArray:
    """Angle (degrees, in [0°, 90°]) between matching components γ_a,k and γ_b,k.

    ``arccos(|⟨γ_a,k, γ_b,k⟩| / (‖γ_a,k‖ ‖γ_b,k‖))``: the sign of a component is
    arbitrary, so a flipped component has angle 0°. Unlike
    :func:`principal_angles`, this compares PC-k with PC-k and so also notices
    two components that swapped places.
    """
    ga, gb = _pair(a, b)
    if ga.shape[0] != gb.shape[0]:
        raise OSLInputError(f"different numbers of components: {ga.shape[0]} vs {gb.shape[0]}")
    cos = np.abs(np.sum(ga * gb, axis=1)) / (
        np.linalg.norm(ga, axis=1) * np.linalg.norm(gb, axis=1)
    )
    out: FloatArray = np.degrees(np.arccos(np.clip(cos, 0.0, 1.0)))
    return out


def subspace_coordinates(reference: Loadings, other: Loadings) -> pd.DataFrame:
    """Each component of ``other`` written in the components of ``reference``.

    Entry (k, j) is ⟨γ_other,k, γ_ref,j⟩ for unit-norm rows; the column
    ``outside`` is the length of the part of γ_other,k orthogonal to
    span(γ_ref), √(1 − Σ_j ⟨γ_other,k, γ_ref,j⟩²), i.e. the sine of its angle
    to the reference subspace. Signs follow the components' sign convention
    and are otherwise arbitrary. Index and columns are the PC names (PC-1, …).
    """
    ga, gb = _pair(reference, other)
    ga = ga / np.linalg.norm(ga, axis=1, keepdims=True)
    gb = gb / np.linalg.norm(gb, axis=1, keepdims=True)
    q, _ = np.linalg.qr(ga.T)
    inside = np.sum((gb @ q) ** 2, axis=1)
    out = pd.DataFrame(gb @ ga.T, index=pc_names(gb.shape[0]), columns=pc_names(ga.shape[0]))
    out["outside"] = np.sqrt(np.clip(1.0 - inside, 0.0, 1.0))
    return out


# --------------------------------------------------------------------------- variance


def completed_centred(X: Any, impute_components: int = 1) -> pd.DataFrame:
    """B completed by a :class:`PCAImputer` fitted on ``X`` itself, minus its column means.

    This is the matrix whose variance :class:`CapabilityPCA` decomposes
    (with ``standardize=False``); a complete ``X`` is only centred.
    """
    df = as_score_frame(X)
    if df.isna().to_numpy().any():
        filled = PCAImputer(n_components=impute_components).fit_transform(df)
        assert isinstance(filled, pd.DataFrame)
        df = filled
    return df - df.mean(axis=0)


def variance_share(components: Loadings, X: Any, impute_components: int = 1) -> float:
    """Share of the variance of ``X`` that lies in span(γ): ‖B̃ Q‖²_F / ‖B̃‖²_F.

    B̃ is ``X`` completed and centred on its own means (:func:`completed_centred`),
    Q an orthonormal basis of the rows of γ. For γ fitted on ``X`` itself this is
    the top-K explained-variance ratio; for a γ frozen on other models it says
    how much of the new models' spread the old capability space still captures.
    """
    if isinstance(components, CapabilityPCA) and components.standardize:
        raise OSLInputError("variance_share compares unscaled scores; fit with standardize=False")
    g, names = _loadings(components, "components")
    Bc = completed_centred(X, impute_components)
    if names is not None and [str(c) for c in Bc.columns] != names:
        raise ColumnMismatchError(f"X has columns {list(Bc.columns)}; γ has {names}")
    if Bc.shape[1] != g.shape[1]:
        raise ColumnMismatchError(f"X has {Bc.shape[1]} columns; γ has {g.shape[1]}")
    q, _ = np.linalg.qr(g.T)
    values = Bc.to_numpy(dtype=float)
    total = float(np.sum(values**2))
    if total <= 0:
        raise OSLInputError("X has no variance to explain")
    return float(np.sum((values @ q) ** 2) / total)


def explained_variance_table(
    frames: Mapping[str, pd.DataFrame],
    benchmarks: Sequence[str] = tuple(data.BENCHMARKS),
    impute_components: int = 1,
    standardize: bool = False,
) -> pd.DataFrame:
    """Per subset, every component's share of variance: columns subset, component, k, ratio, cumulative.

    Each frame (one row per model, the ``benchmarks`` among its columns) gets
    its own :class:`CapabilityPCA` with all T components.
    """
    cols = list(benchmarks)
    rows = []
    for name, frame in frames.items():
        pca = CapabilityPCA(
            n_components=len(cols), impute_components=impute_components, standardize=standardize
        ).fit(frame[cols])
        ratio = pca.explained_variance_ratio_
        for k, (pc, r, c) in enumerate(
            zip(pc_names(len(cols)), ratio, np.cumsum(ratio), strict=True), start=1
        ):
            rows.append(
                {"subset": name, "component": pc, "k": k, "ratio": float(r), "cumulative": float(c)}
            )
    return pd.DataFrame(rows)


def _compare(
    reference: CapabilityPCA, X: pd.DataFrame, n_components: int, impute_components: int
) -> dict[str, float]:
    """Own fit on ``X`` against the frozen ``reference``: shares and angles."""
    own = CapabilityPCA(n_components=n_components, impute_components=impute_components).fit(X)
    own_share = float(own.explained_variance_ratio_.sum())
    frozen = variance_share(reference, X, impute_components)
    out: dict[str, float] = {
        "pc1_share": float(own.explained_variance_ratio_[0]),
        "own_share": own_share,
        "frozen_share": frozen,
        "share_lost": own_share - frozen,
    }
    for i, th in enumerate(principal_angles(reference, own), start=1):
        out[f"theta_{i}"] = float(th)
    for name, ang in zip(pc_names(n_components), component_angles(reference, own), strict=True):
        out[f"angle_{name}"] = float(ang)
    return out


def subset_structure(
    frames: Mapping[str, pd.DataFrame],
    reference: str = "paper",
    n_components: int = 3,
    benchmarks: Sequence[str] = tuple(data.BENCHMARKS),
    impute_components: int = 1,
) -> pd.DataFrame:
    """One row per subset: size, missing cells, and how its K-dim capability space compares.

    For each frame a :class:`CapabilityPCA` with K = ``n_components`` is fitted
    on its own models. Columns: ``models``, ``missing_cells``, ``pc1_share``
    and ``own_share`` (PC-1 and top-K explained-variance ratios of the own
    fit), ``frozen_share`` (:func:`variance_share` of the subspace fitted on
    ``frames[reference]``), ``share_lost`` (own − frozen, ≥ 0 since the own
    top-K subspace is the best K-dim one), principal angles ``theta_1`` ≤ … ≤
    ``theta_K`` and component angles ``angle_PC-k`` (degrees) between the two
    subspaces. The reference row compares the reference with itself (zeros).
    """
    if reference not in frames:
        raise OSLInputError(f"reference {reference!r} is not one of the subsets {list(frames)}")
    cols = list(benchmarks)
    ref = CapabilityPCA(n_components=n_components, impute_components=impute_components).fit(
        frames[reference][cols]
    )
    rows = []
    for name, frame in frames.items():
        X = frame[cols]
        row: dict[str, Any] = {
            "subset": name,
            "models": len(X),
            "missing_cells": int(X.isna().to_numpy().sum()),
        }
        row.update(_compare(ref, X, n_components, impute_components))
        rows.append(row)
    return pd.DataFrame(rows).set_index("subset")


def heldout_null(
    X: pd.DataFrame,
    n_heldout: int,
    n_draws: int = 200,
    seed: int = 0,
    n_components: int = 3,
    impute_components: int = 1,
) -> pd.DataFrame:
    """What sampling noise alone does to the comparisons of :func:`subset_structure`.

    Each draw splits the models of ``X`` at random (seeded) into ``n_heldout``
    "new" models and the rest; the rest play the reference, the held-out
    models the other subset. Both come from the same population, so the
    angles and ``share_lost`` of the draws show how large they get by chance
    for a subset of that size. (The reference has n − ``n_heldout`` models,
    fewer than the full set, so these null ranges are if anything too wide.)
    Returns one row per draw with the columns of :func:`subset_structure`.
    """
    df = as_score_frame(X)
    n = len(df)
    n_components = check_int("n_components", n_components, 1)
    n_heldout = check_int("n_heldout", n_heldout, 1)
    n_draws = check_int("n_draws", n_draws, 1)
    seed = check_int("seed", seed, 0)
    if not n_components + 2 <= n_heldout <= n - n_components - 2:
        raise NotEnoughModelsError(
            f"n_heldout must leave at least {n_components + 2} models on each side of the "
            f"split; got {n_heldout} of {n}"
        )
    rng = np.random.default_rng(seed)
    rows = []
    for draw in range(n_draws):
        order = rng.permutation(n)
        held, rest = df.iloc[order[:n_heldout]], df.iloc[order[n_heldout:]]
        ref = CapabilityPCA(n_components=n_components, impute_components=impute_components).fit(
            rest
        )
        rows.append({"draw": draw, **_compare(ref, held, n_components, impute_components)})
    return pd.DataFrame(rows)


def compare_with_null(
    observed: pd.Series,
    null: pd.DataFrame,
    columns: Sequence[str],
    quantiles: tuple[float, float] = (0.05, 0.95),
) -> pd.DataFrame:
    """Observed values against their null distribution, one row per column.

    Columns of the result: ``observed``, ``null_lo`` / ``null_median`` /
    ``null_hi`` (the given quantiles and the median of the draws),
    ``percentile`` (share of draws ≤ the observed value) and ``outside``
    (observed above ``null_hi``).
    """
    lo_q, hi_q = quantiles
    rows = []
    for c in columns:
        draws = null[c].to_numpy(dtype=float)
        value = float(observed[c])
        hi = float(np.quantile(draws, hi_q))
        rows.append(
            {
                "quantity": c,
                "observed": value,
                "null_lo": float(np.quantile(draws, lo_q)),
                "null_median": float(np.median(draws)),
                "null_hi": hi,
                "percentile": float(np.mean(draws <= value)),
                "outside": value > hi,
            }
        )
    return pd.DataFrame(rows).set_index("quantity")


# --------------------------------------------------------------------------- imputation


def missing_cells(
    frame: pd.DataFrame,
    benchmarks: Sequence[str] = tuple(data.BENCHMARKS),
    id_columns: Sequence[str] = ("Model", "Model Family"),
) -> pd.DataFrame:
    """The missing cells of B as rows: the ``id_columns`` and ``benchmark``."""
    ids, cols = list(id_columns), list(benchmarks)
    require_columns(frame, [*ids, *cols])
    rows = [
        {**{i: frame.at[idx, i] for i in ids}, "benchmark": b}
        for b in cols
        for idx in frame.index[frame[b].isna()]
    ]
    return pd.DataFrame(rows, columns=[*ids, "benchmark"])


@dataclass(frozen=True)
class ImputationCheck:
    """Result of :func:`masked_imputation_check`.

    ``errors``: one row per repeat and method (``repeat``, ``method``, ``rmse``);
    ``summary``: per method the mean and standard deviation of the RMSE and its
    ratio to column-mean imputation; ``n_not_converged``: how many PCA fits
    stopped at their iteration bound (they are kept, and counted here).
    """

    errors: pd.DataFrame
    summary: pd.DataFrame
    n_not_converged: int


def masked_imputation_check(
    X: pd.DataFrame,
    frac: float = 0.1,
    n_repeats: int = 20,
    seed: int = 0,
    n_components: tuple[int, ...] = (1, 2),
) -> ImputationCheck:
    """Hide ``frac`` of the known cells, impute them, and summarise the RMSE per method.

    Runs :func:`osl_helpers.imputation.masked_imputation_error` (column-mean
    imputation against Alg. A.1 at each rank in ``n_components``) and counts
    the convergence warnings it raises instead of printing them.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OSLConvergenceWarning)
        errors = masked_imputation_error(
            X, frac=frac, n_repeats=n_repeats, seed=seed, n_components=n_components
        )
    n_bad = sum(issubclass(w.category, OSLConvergenceWarning) for w in caught)
    for w in caught:  # anything else is not ours to swallow
        if not issubclass(w.category, OSLConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    order = list(dict.fromkeys(errors["method"]))
    summary = pd.DataFrame(
        errors.groupby("method")["rmse"].agg(mean_rmse="mean", sd_rmse="std").loc[order]
    )
    baseline = float(summary["mean_rmse"].to_numpy(dtype=float)[order.index("column mean")])
    summary["vs_column_mean"] = summary["mean_rmse"] / baseline
    return ImputationCheck(errors=errors, summary=summary, n_not_converged=n_bad)


def leave_one_out_imputation(
    X: pd.DataFrame,
    column: str,
    n_components: tuple[int, ...] = (1, 2),
) -> pd.DataFrame:
    """Hide one model's ``column`` at a time and impute it from that model's other scores.

    This mimics the missingness of the paper's matrix, where a model lacks one
    whole benchmark (e.g. HumanEval for Falcon). For every model with a known
    ``column``, the cell is hidden, :class:`PCAImputer` (each rank in
    ``n_components``) is fitted on all models, and the imputed value is
    compared with the truth; column-mean imputation is the baseline. Returns
    rows ``Model`` (the index label), ``method``, ``observed``, ``imputed``,
    ``error`` (imputed − observed).
    """
    df = as_score_frame(X)
    if column not in df.columns:
        raise OSLInputError(f"{column!r} is not a column of X; columns are {list(df.columns)}")
    j = list(df.columns).index(column)
    values = df.to_numpy(dtype=float)
    rows = []
    for i in (int(r) for r in np.flatnonzero(~np.isnan(values[:, j]))):
        truth = float(values[i, j])
        masked = values.copy()
        masked[i, j] = np.nan
        guesses = {"column mean": float(np.nanmean(masked[:, j]))}
        for k in n_components:
            filled = PCAImputer(n_components=k).fit_transform(masked)
            guesses[f"PCA rank {k}"] = float(filled[i, j])
        for method, guess in guesses.items():
            rows.append(
                {
                    "Model": df.index[i],
                    "method": method,
                    "observed": truth,
                    "imputed": guess,
                    "error": guess - truth,
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the chapter's numbers

#: Display names of the angle columns of :func:`subset_structure`.
ANGLE_NAMES = {"theta_1": "θ₁", "theta_2": "θ₂", "theta_3": "θ₃", "angle_PC-1": "PC-1 angle"}


def load_subsets(
    names: Sequence[data.Subset] = ("paper", "extended", "preregistered", "all"),
) -> dict[str, pd.DataFrame]:
    """The named subsets of base models (:func:`~osl_helpers.data.load_base_benchmarks`), indexed by model."""
    return {s: data.load_base_benchmarks(s).set_index("Model") for s in names}


def matrix_numbers(B: pd.DataFrame, holes: pd.DataFrame) -> dict[str, Any]:
    """Size of B ∈ R^{n×T} and where its missing cells (:func:`missing_cells`) are."""
    where = holes.groupby(["benchmark", "Model Family"]).size()
    return {
        "n_models": B.shape[0],
        "n_bench": B.shape[1],
        "n_cells": B.size,
        "n_missing": len(holes),
        "pct_missing": 100 * len(holes) / B.size,
        "where_missing": "; ".join(
            f"{b} of {n} {f} models" for b, f, n in where.reset_index().itertuples(index=False)
        ),
    }


def imputation_numbers(check: ImputationCheck) -> dict[str, Any]:
    """Mean RMSE per method of :func:`masked_imputation_check`, rank 1 against the column mean (%)."""
    rmse = check.summary["mean_rmse"]
    return {
        "rmse_mean": float(rmse["column mean"]),
        "rmse_pca1": float(rmse["PCA rank 1"]),
        "rmse_pca2": float(rmse["PCA rank 2"]),
        "ratio_pca1": 100 * float(check.summary["vs_column_mean"]["PCA rank 1"]),
        "n_not_converged": check.n_not_converged,
        "n_pca_fits": int(check.errors["method"].str.startswith("PCA").sum()),
    }


def leave_one_out_table(
    X: pd.DataFrame, columns: Sequence[str], n_components: tuple[int, ...] = (1, 2)
) -> pd.DataFrame:
    """:func:`leave_one_out_imputation` for each of ``columns``, stacked with a ``benchmark`` column."""
    return pd.concat(
        {c: leave_one_out_imputation(X, c, n_components) for c in columns}, names=["benchmark"]
    ).reset_index(level=0)


def leave_one_out_rmse(loo: pd.DataFrame) -> pd.Series:
    """RMSE of :func:`leave_one_out_table` per (benchmark, method)."""
    return loo.assign(sq=loo["error"] ** 2).groupby(["benchmark", "method"])["sq"].mean() ** 0.5


def with_family(loo: pd.DataFrame, models: pd.DataFrame, benchmark: str) -> pd.DataFrame:
    """The rows of ``benchmark`` in :func:`leave_one_out_table` with each model's family and code flag.

    ``models`` is indexed by model, with ``Model Family`` and ``is_code_model``.
    """
    rows = loo[loo["benchmark"] == benchmark]
    return rows.assign(
        **{c: rows["Model"].map(models[c]) for c in ("Model Family", "is_code_model")}
    )


def leave_one_out_numbers(loo: pd.DataFrame, models: pd.DataFrame) -> dict[str, float]:
    """RMSE of :func:`leave_one_out_table` per benchmark and method, and rank 1 on general models' HumanEval."""
    rmse = leave_one_out_rmse(loo)
    out = {
        f"loo_{b.replace('-', '')}_{m.split()[-1]}": float(v)
        for (b, m), v in zip(rmse.index, rmse.to_numpy(), strict=True)
    }
    he = with_family(loo, models, "HumanEval")
    general = he[(he["method"] == "PCA rank 1") & ~he["is_code_model"]]
    out["loo_HumanEval_general"] = float((general["error"] ** 2).mean() ** 0.5)
    return out


def imputed_cells(pca: CapabilityPCA, B: pd.DataFrame, holes: pd.DataFrame) -> pd.DataFrame:
    """The missing cells of :func:`missing_cells` with their imputed value and the column's best observed score."""
    if pca.imputer_ is None:
        raise OSLInputError("the PCA was fitted without imputation; there are no imputed cells")
    filled = pca.imputer_.transform(B)
    imputed = holes.assign(imputed=[filled.at[r.Model, r.benchmark] for r in holes.itertuples()])
    imputed["best observed"] = imputed["benchmark"].map(B.max())
    return imputed


def imputed_numbers(imputed: pd.DataFrame) -> dict[str, Any]:
    """The imputed cell furthest above its benchmark's best observed score, and how many lie above."""
    top = imputed.iloc[(imputed["imputed"] - imputed["best observed"]).argmax()]
    return {
        "above_cell": f"{top['benchmark']} of {data.short_name(top['Model'])}",
        "above_value": float(top["imputed"]),
        "above_best": float(top["best observed"]),
        "n_above_best": int((imputed["imputed"] > imputed["best observed"]).sum()),
    }


def explained_ratio(pca: CapabilityPCA) -> pd.Series:
    """Explained-variance ratio of each principal component, indexed PC-1, PC-2, …"""
    return pd.Series(pca.explained_variance_ratio_, index=pca.components_.index)


def variance_numbers(ratio: pd.Series) -> dict[str, float]:
    """Shares (%) of PC-1, PC-2, PC-3 and of the top two and three components (Sec. 3.2: ≈ 80% and 97%)."""
    return {
        "pc1_share": 100 * float(ratio.iloc[0]),
        "pc2_share": 100 * float(ratio.iloc[1]),
        "pc3_share": 100 * float(ratio.iloc[2]),
        "top2_share": 100 * float(ratio.iloc[:2].sum()),
        "top3_share": 100 * float(ratio.iloc[:3].sum()),
    }


def loading_numbers(gamma: pd.DataFrame) -> dict[str, Any]:
    """How the loadings γ of PC-1 … PC-3 read: signs, extremes and PC-3's dominant benchmark."""
    pc1, pc2, pc3 = (gamma.T[pc] for pc in ("PC-1", "PC-2", "PC-3"))
    return {
        "n_pc1_positive": int((pc1 > 0).sum()),
        "pc1_min_bench": pc1.idxmin(),
        "pc1_min": float(pc1.min()),
        "pc1_next": float(pc1.nsmallest(2).iloc[1]),
        "pc2_pos": ", ".join(pc2[pc2 > 0].sort_values(ascending=False).index),
        "pc2_neg": ", ".join(pc2[pc2 < 0].sort_values().index),
        "pc3_top": pc3.abs().idxmax(),
        "pc3_top_loading": float(pc3.max()),
        "pc3_top_share": 100 * float(pc3.max() ** 2 / (pc3**2).sum()),
        "pc3_neg": ", ".join(pc3[pc3 < -0.2].sort_values().index),
    }


def code_scores(S: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """PC-1 … PC-3 of each model with its family and ``kind`` (code or general model)."""
    out = S[["PC-1", "PC-2", "PC-3"]].join(models[["Model Family", "is_code_model"]]).reset_index()
    out["kind"] = out["is_code_model"].map({True: "code model", False: "general model"})
    return out


def code_numbers(scores: pd.DataFrame) -> dict[str, Any]:
    """Code families, and the mean PC-2 and PC-3 of code and general models (:func:`code_scores`)."""
    out: dict[str, Any] = {
        "n_code_families": scores.loc[scores["is_code_model"], "Model Family"].nunique()
    }
    means = scores.groupby("kind")[["PC-2", "PC-3"]].mean()
    for pc in ("PC-2", "PC-3"):
        for kind in means.index:
            out[f"mean_{pc.replace('-', '')}_{kind.split()[0]}"] = float(means[pc][kind])
    return out


def structure_numbers(structure: pd.DataFrame) -> dict[str, Any]:
    """Shares (%) and angles (degrees) of :func:`subset_structure`, per subset and the smallest shares."""
    out: dict[str, Any] = {}
    for s, row in structure.iterrows():
        for col in ("pc1_share", "own_share", "frozen_share", "share_lost"):
            out[f"{s}_{col}"] = 100 * float(row[col])
        for col in ("theta_1", "theta_2", "theta_3", "angle_PC-1"):
            out[f"{s}_{col.replace('angle_PC-1', 'pc1_angle')}"] = float(row[col])
    out["min_pc1_share"] = 100 * float(structure["pc1_share"].min())
    out["min_own_share"] = 100 * float(structure["own_share"].min())
    out["min_frozen_share"] = 100 * float(structure["frozen_share"].min())
    out["ext_missing"] = int(structure["missing_cells"]["extended"])
    return out


def paper_coordinates(
    fits: Mapping[str, CapabilityPCA], subsets: Sequence[str] = ("extended", "preregistered")
) -> pd.DataFrame:
    """:func:`subspace_coordinates` of each subset's components in the paper's, one row per component."""
    coords = pd.concat({s: subspace_coordinates(fits["paper"], fits[s]) for s in subsets})
    coords.index = [f"{s} {pc}" for s, pc in coords.index]
    coords.columns = [
        f"paper {c}" if c != "outside" else "outside paper space" for c in coords.columns
    ]
    return coords


def coordinate_numbers(coords: pd.DataFrame) -> dict[str, float]:
    """Length outside the paper's space of the subsets' components (:func:`paper_coordinates`)."""
    outside = coords["outside paper space"]
    return {
        "ext_pc3_outside": float(outside["extended PC-3"]),
        "pre_pc3_outside": float(outside["preregistered PC-3"]),
        "ext_pc2_outside": float(outside["extended PC-2"]),
        "pre_pc2_outside": float(outside["preregistered PC-2"]),
        "max_pc1_outside": float(outside[["extended PC-1", "preregistered PC-1"]].max()),
    }


def stacked_loadings(fits: Mapping[str, CapabilityPCA], leave_out: str = "all") -> pd.DataFrame:
    """The loadings γ of every fit but ``leave_out``, one row per subset and component."""
    stacked = pd.concat({s: p.components_ for s, p in fits.items() if s != leave_out})
    stacked.index = [f"{s} {pc}" for s, pc in stacked.index]
    return stacked


def reading_numbers(
    fits: Mapping[str, CapabilityPCA],
    subsets: Sequence[str] = ("paper", "extended", "preregistered"),
) -> dict[str, Any]:
    """Per subset: PC-3's two largest loadings and whether every PC-1 loading is positive."""
    out: dict[str, Any] = {}
    for s in subsets:
        gamma = fits[s].components_.T
        out[f"{s}_pc3_reading"] = " and ".join(gamma["PC-3"].abs().nlargest(2).index)
        out[f"{s}_pc1_all_positive"] = bool((gamma["PC-1"] > 0).all())
    return out


def null_comparison(
    B: pd.DataFrame,
    structure: pd.DataFrame,
    n_preregistered: int,
    n_draws: int = 500,
    seed: int = 0,
) -> pd.DataFrame:
    """The preregistered and extended rows of :func:`subset_structure` against their nulls.

    The nulls (:func:`heldout_null` on B) hold out as many models as the
    preregistered subset, and half of B for the extended one. One row per
    ``subset`` and ``quantity`` (angles and ``share_lost``) with the columns
    of :func:`compare_with_null`.
    """
    columns = [*ANGLE_NAMES, "share_lost"]
    nulls = {
        "preregistered": heldout_null(B, n_heldout=n_preregistered, n_draws=n_draws, seed=seed),
        "extended": heldout_null(B, n_heldout=len(B) // 2, n_draws=n_draws, seed=seed),
    }
    versus = {s: compare_with_null(structure.T[s], null, columns) for s, null in nulls.items()}
    return pd.concat(versus, names=["subset"]).reset_index()


def null_numbers(table: pd.DataFrame) -> dict[str, float]:
    """Upper null quantile and observed percentile (%) of each row of :func:`null_comparison`."""
    out = {}
    rows = zip(
        table["subset"], table["quantity"], table["null_hi"], table["percentile"], strict=True
    )
    for s, q, hi, pct in rows:
        key = f"null_{s}_{q.replace('angle_PC-1', 'pc1_angle')}"
        out[f"{key}_hi"] = float(hi) * (100 if q == "share_lost" else 1)
        out[f"{key}_pct"] = 100 * float(pct)
    return out


def angle_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The angle rows of :func:`null_comparison`, quantities under their display names."""
    return table[table["quantity"].isin(ANGLE_NAMES)].replace({"quantity": ANGLE_NAMES})


def exercise_numbers(B: pd.DataFrame, frames: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Numbers of the exercise solutions: other PCA settings, K = 2, and leave-one-out per benchmark."""
    out: dict[str, Any] = {}
    settings: dict[str, dict[str, Any]] = {
        "std": {"standardize": True},
        "imp2": {"impute_components": 2},
    }
    for name, kw in settings.items():
        r = CapabilityPCA(n_components=8, **kw).fit(B).explained_variance_ratio_
        out[f"ex_{name}_pc1"] = 100 * float(r[0])
        out[f"ex_{name}_top3"] = 100 * float(r[:3].sum())
    k2 = subset_structure(frames, reference="paper", n_components=2)
    for s in ("extended", "preregistered"):
        out[f"ex_k2_{s}_theta_2"] = float(k2["theta_2"][s])
        out[f"ex_k2_{s}_lost"] = 100 * float(k2["share_lost"][s])
    rmse = leave_one_out_rmse(leave_one_out_table(B, data.BENCHMARKS, n_components=(1,))).unstack()
    ratio = rmse["PCA rank 1"] / rmse["column mean"]
    out["ex_loo_worst"] = ratio.idxmax()
    out["ex_loo_worst_ratio"] = 100 * float(ratio.max())
    out["ex_loo_best"] = ratio.idxmin()
    out["ex_loo_best_ratio"] = 100 * float(ratio.min())
    return out
