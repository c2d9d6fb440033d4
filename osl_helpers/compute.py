"""Training compute and per-family compute lines (Sec. 3.3; Eqs. 4, 7, 8).

Within a model family f, each principal capability is linear in log training
compute: S_k ≈ w_f log C + b_f (Eq. 4). The scalar capability P = βᵀS + α is
then linear too (Eq. 7), and inverting the line of a reference family gives
the "f-equivalent" compute of any model: log C̄_f = (P − b_f) / w_f (Eq. 8).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import NotEnoughModelsError, OSLInputError, UnknownFamilyError

__all__ = [
    "compute_multiplier",
    "f_equivalent_flops",
    "f_equivalent_log10_flops",
    "fit_common_slope_lines",
    "fit_family_lines",
    "fit_pooled_line",
    "log10_training_flops",
    "reference_line",
    "training_flops",
]


def training_flops(n_params: Any, n_tokens: Any) -> Any:
    """C ≈ 6·N·D training FLOPs for N parameters and D training tokens (Sec. 3.3)."""
    return 6.0 * np.asarray(n_params, dtype=float) * np.asarray(n_tokens, dtype=float)


def log10_training_flops(n_params: Any, n_tokens: Any) -> Any:
    """log10 of :func:`training_flops`."""
    return np.log10(training_flops(n_params, n_tokens))


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OSLInputError(f"missing column(s) {missing}; available: {list(frame.columns)}")


def _ols(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float]:
    """Slope, intercept and R² of y on x."""
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx) if sxx > 0 else float("nan")
    intercept = float(ym - slope * xm)
    ss_tot = float(((y - ym) ** 2).sum())
    ss_res = float(((y - (slope * x + intercept)) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return slope, intercept, r2


def _usable(frame: pd.DataFrame, x: str, y: str, family: str) -> pd.DataFrame:
    _require(frame, [x, y, family])
    return frame[[family, x, y]].dropna()


def fit_family_lines(
    frame: pd.DataFrame,
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
    families: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Fit y = w_f·x + b_f by least squares within each family (Eq. 4 / Eq. 7).

    Returns one row per family with at least ``min_models`` models having both
    x and y: ``family``, ``slope`` (w_f), ``intercept`` (b_f), ``r2``, ``n``.
    Skipped families are listed in ``result.attrs["skipped"]``. Naming a family
    that is absent raises :class:`UnknownFamilyError`; naming one with fewer
    than two usable models raises :class:`NotEnoughModelsError`.
    """
    data = _usable(frame, x, y, family)
    requested = None if families is None else list(families)
    if requested is not None:
        unknown = sorted(set(requested) - set(frame[family]))
        if unknown:
            raise UnknownFamilyError(f"unknown family(ies) {unknown}")
        counts = data[family].value_counts()
        few = [f for f in requested if counts.get(f, 0) < 2]
        if few:
            raise NotEnoughModelsError(
                f"family(ies) {few} have fewer than 2 models with both {x!r} and {y!r}; "
                "a line needs two points"
            )
        data = data[data[family].isin(requested)]
    rows = []
    skipped = []
    for fam, grp in data.groupby(family, sort=True):
        if len(grp) < max(min_models, 2):
            skipped.append(str(fam))
            continue
        slope, intercept, r2 = _ols(grp[x].to_numpy(float), grp[y].to_numpy(float))
        rows.append(
            {"family": fam, "slope": slope, "intercept": intercept, "r2": r2, "n": len(grp)}
        )
    out = pd.DataFrame(rows, columns=["family", "slope", "intercept", "r2", "n"])
    out.attrs["skipped"] = skipped
    return out


def fit_pooled_line(
    frame: pd.DataFrame, x: str = "log10_flops", y: str = "PC-1", family: str = "Model Family"
) -> dict[str, float]:
    """One line y = w·x + b across all families (ignores compute efficiency): slope, intercept, r2, n."""
    data = _usable(frame, x, y, family)
    if len(data) < 2:
        raise NotEnoughModelsError("a pooled line needs at least two models")
    slope, intercept, r2 = _ols(data[x].to_numpy(float), data[y].to_numpy(float))
    return {"slope": slope, "intercept": intercept, "r2": r2, "n": float(len(data))}


def fit_common_slope_lines(
    frame: pd.DataFrame,
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
) -> tuple[float, pd.DataFrame, float]:
    """One shared slope w and a free intercept b_f per family (Eq. 4: families differ in efficiency).

    Returns ``(slope, table, r2)``; ``table`` has ``family``, ``intercept``,
    ``intercept_se`` (standard error), ``n``. Families with fewer than
    ``min_models`` usable models are left out.
    """
    data = _usable(frame, x, y, family)
    counts = data[family].value_counts()
    data = data[data[family].isin(counts[counts >= min_models].index)]
    fams = sorted(data[family].unique())
    if len(fams) == 0:
        raise NotEnoughModelsError("no family has enough models for a common-slope fit")
    D = pd.get_dummies(data[family]).reindex(columns=fams).to_numpy(float)
    A = np.column_stack([data[x].to_numpy(float), D])
    yv = data[y].to_numpy(float)
    coef, *_ = np.linalg.lstsq(A, yv, rcond=None)
    resid = yv - A @ coef
    dof = max(len(yv) - A.shape[1], 1)
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(A.T @ A)
    ss_tot = float(((yv - yv.mean()) ** 2).sum())
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else float("nan")
    table = pd.DataFrame(
        {
            "family": fams,
            "intercept": coef[1:],
            "intercept_se": np.sqrt(np.diag(cov)[1:]),
            "n": [int(counts[f]) for f in fams],
        }
    )
    table.attrs["slope_se"] = float(np.sqrt(cov[0, 0]))
    return float(coef[0]), table, r2


def reference_line(
    frame: pd.DataFrame,
    y: str = "P",
    family: str = "Llama-2",
    x: str = "log10_flops",
    family_column: str = "Model Family",
) -> tuple[float, float]:
    """(w_f, b_f) of the reference family's line of ``y`` against log10 FLOPs (Eq. 7)."""
    _require(frame, [x, y, family_column])
    if family not in set(frame[family_column]):
        raise UnknownFamilyError(f"reference family {family!r} is not in the data")
    fam = frame.loc[frame[family_column] == family, [x, y]].dropna()
    if len(fam) < 2:
        raise NotEnoughModelsError(
            f"reference family {family!r} has {len(fam)} model(s) with known FLOPs; need 2"
        )
    slope, intercept, _ = _ols(fam[x].to_numpy(float), fam[y].to_numpy(float))
    return slope, intercept


def f_equivalent_log10_flops(P: Any, slope: float, intercept: float) -> Any:
    """Eq. 8: log10 C̄_f = (P − b_f) / w_f, the reference family's compute that reaches P."""
    if not np.isfinite(slope) or slope == 0:
        raise OSLInputError(f"reference slope must be finite and non-zero; got {slope}")
    return (P - intercept) / slope


def f_equivalent_flops(
    law: Any, X: pd.DataFrame, frame: pd.DataFrame, reference_family: str = "Llama-2"
) -> pd.Series:
    """log10 f-equivalent FLOPs of every model in X for a fitted law (Eqs. 7–8).

    ``frame`` (aligned with X by index) supplies ``Model Family`` and
    ``log10_flops``; the reference line of P is fitted on its reference-family rows.
    """
    P = law.capability_score(X)
    scored = frame.loc[X.index, ["Model Family", "log10_flops"]].assign(P=P)
    slope, intercept = reference_line(scored, y="P", family=reference_family)
    out = f_equivalent_log10_flops(P, slope, intercept)
    return pd.Series(np.asarray(out, dtype=float), index=X.index, name="f_equiv_log10_flops")


def compute_multiplier(intercept_a: float, intercept_b: float, slope: float) -> float:
    """How many times less compute family A needs than B for the same capability.

    With a common slope w, A's line sits (b_A − b_B) above B's, worth
    (b_A − b_B) / w decades of compute: the multiplier is 10^((b_A − b_B)/w).
    """
    return float(10 ** ((intercept_a - intercept_b) / slope))
