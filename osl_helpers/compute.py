"""Training compute and per-family compute lines (Sec. 3.3; Eqs. 1, 4, 7, 8).

Training compute is approximated by C ≈ 6·N·D FLOPs for N parameters and D
training tokens (Sec. 3.3; Eq. 1 writes scaling laws in terms of C). Within a
model family f each principal capability is linear in log compute,
S_k ≈ w_f log C + b_f (Eq. 4), so the scalar capability P = βᵀS + α of a
fitted law is linear too (Eq. 7). Inverting the line of a reference family
gives the "f-equivalent" compute of any model: log C̄_f = (P − b_f) / w_f
(Eq. 8). All logs here are base 10 and all compute is in FLOPs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from osl_helpers._validation import (
    DegenerateColumnError,
    NonNumericError,
    NotEnoughModelsError,
    OSLInputError,
    UnknownFamilyError,
    UnknownModelError,
    as_float_array,
    as_names,
    check_int,
    check_number,
    numeric_column,
    require_columns,
)

__all__ = [
    "CommonSlopeFit",
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

FloatArray = NDArray[np.float64]
Numeric = TypeVar("Numeric", float, pd.Series, FloatArray)


class _ScoresCapability(Protocol):
    """Anything with ``capability_score(X) -> P`` (e.g. a fitted ObservationalScalingLaw)."""

    def capability_score(self, X: Any) -> pd.Series: ...


# --------------------------------------------------------------------------- 6ND


def _positive(value: Any, name: str) -> float | pd.Series | FloatArray:
    """Return ``value`` as float (scalar, Series or array); reject ≤ 0 and ±inf, keep NaN."""
    out: float | pd.Series | FloatArray
    arr: FloatArray
    if isinstance(value, pd.Series):
        series = numeric_column(value.to_frame(name), name, name)
        out, arr = series, np.asarray(series, dtype=np.float64)
    elif np.ndim(value) == 0:
        out = check_number(name, value, example="7e9")
        arr = np.asarray([out], dtype=np.float64)
    else:
        if np.asarray(value).dtype.kind in "USO" or np.asarray(value).dtype == bool:
            raise NonNumericError(f"{name} must be numbers (counts), not {np.asarray(value).dtype}")
        arr = as_float_array(value, name)
        out = arr
    if np.isinf(arr).any():
        raise OSLInputError(f"{name} contains infinite values")
    known = arr[~np.isnan(arr)]
    if (known <= 0).any():
        raise OSLInputError(
            f"{name} must be positive (a count, not a log); smallest value {known.min():g}"
        )
    return out


def training_flops(n_params: Any, n_tokens: Any) -> Any:
    """Training compute C ≈ 6·N·D in FLOPs (Sec. 3.3), the C of Eqs. 1, 4 and 7.

    ``n_params`` is N, the number of parameters (a count: 7e9 for a 7B model),
    ``n_tokens`` is D, the number of training tokens (a count: 2e12 for 2T).
    Scalars give a float, a Series gives a Series (index kept), anything else
    an array. NaN (unknown size) propagates; zero, negative or infinite
    values raise :class:`OSLInputError`.
    """
    n = _positive(n_params, "n_params")
    d = _positive(n_tokens, "n_tokens")
    return 6.0 * n * d


def log10_training_flops(n_params: Any, n_tokens: Any) -> Any:
    """log10 C with C = 6·N·D FLOPs (see :func:`training_flops` for units)."""
    flops = training_flops(n_params, n_tokens)
    if isinstance(flops, pd.Series):
        return np.log10(flops)
    if isinstance(flops, float):
        return float(np.log10(flops))
    return np.log10(flops)


# --------------------------------------------------------------------------- lines


def _usable(frame: pd.DataFrame, x: str, y: str, family: str) -> pd.DataFrame:
    """Rows with a family label and both x and y known (x and y as floats)."""
    require_columns(frame, [x, y, family])
    # Text such as 'nan' or 'unknown' must not turn into NaN slopes or vanish silently.
    data = pd.DataFrame(
        {family: frame[family], x: numeric_column(frame, x), y: numeric_column(frame, y)}
    )
    return data.dropna()


def _ols(x: FloatArray, y: FloatArray) -> tuple[float, float, float]:
    """Slope, intercept and R² of the least-squares line y = slope·x + intercept.

    R² is NaN when y is constant (nothing to explain). The caller must make
    sure x is not constant.
    """
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx)
    intercept = float(ym - slope * xm)
    ss_tot = float(((y - ym) ** 2).sum())
    ss_res = float(((y - (slope * x + intercept)) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return slope, intercept, r2


def _x_spread(x: FloatArray) -> float:
    """Range of x; a line needs it to be clearly non-zero."""
    return float(x.max() - x.min()) if len(x) else 0.0


def fit_family_lines(
    frame: pd.DataFrame,
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
    families: str | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Least-squares line y = w_f·x + b_f within each family (Eq. 4 for S_k, Eq. 7 for P).

    With the defaults, y is a capability (e.g. PC-1) and x is log10 training
    FLOPs. Returns one row per family with at least ``min_models`` models
    having both x and y: ``family``, ``slope`` (w_f), ``intercept`` (b_f),
    ``r2`` and ``n``. (With n = 2 the line is exact and R² = 1 says nothing.)
    Families left out are listed in ``result.attrs["skipped"]``, with the
    reason in ``result.attrs["skipped_reason"]``: too few models, or every
    model at the same x (no slope can be fitted).

    ``families`` restricts the fit to the named families. Naming a family
    that is absent raises :class:`UnknownFamilyError`; naming one with fewer
    than ``min_models`` usable models raises :class:`NotEnoughModelsError`;
    naming one whose models all share one x raises :class:`DegenerateColumnError`.
    A missing column raises :class:`MissingColumnError`.
    """
    if check_int("min_models", min_models, 0) < 2:
        raise OSLInputError(
            f"min_models must be at least 2 (a line needs two points); got {min_models}"
        )
    data = _usable(frame, x, y, family)
    counts = data[family].value_counts()
    requested = None if families is None else as_names(families)
    if requested is not None:
        unknown = sorted(set(requested) - set(frame[family].dropna()))
        if unknown:
            raise UnknownFamilyError(f"unknown family(ies) {unknown} in column {family!r}")
        few = {f: int(counts.get(f, 0)) for f in requested if counts.get(f, 0) < min_models}
        if few:
            raise NotEnoughModelsError(
                f"family(ies) {few} (name: usable models) have fewer than {min_models} models "
                f"with both {x!r} and {y!r}; a line needs at least two points"
            )
        data = data[data[family].isin(requested)]
    rows = []
    skipped: dict[str, str] = {}
    for fam, grp in data.groupby(family, sort=True):
        xs, ys = grp[x].to_numpy(float), grp[y].to_numpy(float)
        if len(grp) < min_models:
            skipped[str(fam)] = f"{len(grp)} usable model(s); need {min_models}"
            continue
        if _x_spread(xs) <= 1e-12:
            if requested is not None:
                raise DegenerateColumnError(
                    f"family {fam!r}: every model has the same {x!r}; no slope can be fitted"
                )
            skipped[str(fam)] = f"every model has the same {x!r}"
            continue
        slope, intercept, r2 = _ols(xs, ys)
        rows.append(
            {"family": fam, "slope": slope, "intercept": intercept, "r2": r2, "n": len(grp)}
        )
    out = pd.DataFrame(rows, columns=["family", "slope", "intercept", "r2", "n"])
    out = out.astype({"slope": float, "intercept": float, "r2": float, "n": int})
    # Families with no usable row at all are skipped too (e.g. FLOPs unknown for every model).
    if requested is None:
        for fam in sorted(set(frame[family].dropna().astype(str)) - set(counts.index.astype(str))):
            skipped[fam] = f"no model with both {x!r} and {y!r}"
    out.attrs["skipped"] = sorted(skipped)
    out.attrs["skipped_reason"] = dict(sorted(skipped.items()))
    return out


def fit_pooled_line(
    frame: pd.DataFrame, x: str = "log10_flops", y: str = "PC-1", family: str = "Model Family"
) -> dict[str, float]:
    """One least-squares line y = w·x + b through every model, ignoring families.

    This is the model Eq. 4 rejects: it assumes all families are equally
    compute-efficient. Returns ``slope``, ``intercept``, ``r2`` and ``n``
    (number of models used, as a float). Rows without a family label are
    left out so that the pooled fit uses the same models as the family fits.
    """
    data = _usable(frame, x, y, family)
    xs, ys = data[x].to_numpy(float), data[y].to_numpy(float)
    if len(data) < 2:
        raise NotEnoughModelsError(
            f"a pooled line needs at least two models with {x!r} and {y!r}; got {len(data)}"
        )
    if _x_spread(xs) <= 1e-12:
        raise DegenerateColumnError(f"every model has the same {x!r}; no slope can be fitted")
    slope, intercept, r2 = _ols(xs, ys)
    return {"slope": slope, "intercept": intercept, "r2": r2, "n": float(len(data))}


class CommonSlopeFit(NamedTuple):
    """Result of :func:`fit_common_slope_lines` (unpacks as ``slope, table, r2``).

    ``slope`` is the shared w; ``table`` has one row per family with
    ``family``, ``intercept`` (b_f), ``intercept_se`` and ``n``, and
    ``table.attrs["slope_se"]`` holds the standard error of w; ``r2`` is the
    R² of the whole fit. ``table.attrs["cov"]`` is the covariance matrix of
    (w, b_1, …, b_F), families in the order of the rows, as nested tuples;
    ``table.attrs["dof"]`` the residual degrees of freedom n − F − 1.
    """

    slope: float
    table: pd.DataFrame
    r2: float


def fit_common_slope_lines(
    frame: pd.DataFrame,
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
    families: str | Iterable[str] | None = None,
) -> CommonSlopeFit:
    """One shared slope w and a free intercept b_f per family: y = w·x + b_f (Eq. 4).

    This is Eq. 4 with families that differ only in compute efficiency: at
    equal y, family A's compute is 10^((b_A − b_B)/w) times smaller than B's
    (see :func:`compute_multiplier`). Families with fewer than ``min_models``
    usable models are left out (listed in ``table.attrs["skipped"]``).
    Standard errors are the usual OLS ones, σ̂²(AᵀA)⁻¹ with σ̂² = RSS/(n − F − 1);
    they are NaN when no residual degree of freedom remains.
    """
    if check_int("min_models", min_models, 0) < 2:
        raise OSLInputError(f"min_models must be at least 2; got {min_models}")
    data = _usable(frame, x, y, family)
    if families is not None:
        requested = as_names(families)
        unknown = sorted(set(requested) - set(frame[family].dropna()))
        if unknown:
            raise UnknownFamilyError(f"unknown family(ies) {unknown} in column {family!r}")
        data = data[data[family].isin(requested)]
    counts = data[family].value_counts()
    keep = counts[counts >= min_models].index
    skipped = sorted(str(f) for f in counts.index.difference(keep))
    data = data[data[family].isin(keep)]
    fams = sorted(data[family].unique())
    if not fams:
        raise NotEnoughModelsError(
            f"no family has {min_models} or more models with both {x!r} and {y!r}"
        )
    xs = data[x].to_numpy(float)
    # The shared slope is identified only by variation of x within families.
    within = xs - data.groupby(family)[x].transform("mean").to_numpy(float)
    if float(within @ within) <= 1e-12:
        raise DegenerateColumnError(
            f"{x!r} does not vary within any family; the common slope is not identified"
        )
    D = (data[family].to_numpy()[:, None] == np.asarray(fams, dtype=object)[None, :]).astype(float)
    A = np.column_stack([xs, D])
    yv = data[y].to_numpy(float)
    coef, *_ = np.linalg.lstsq(A, yv, rcond=None)
    resid = yv - A @ coef
    rss = float(resid @ resid)
    dof = len(yv) - A.shape[1]
    sigma2 = rss / dof if dof > 0 else float("nan")
    cov = sigma2 * np.linalg.inv(A.T @ A)
    ss_tot = float(((yv - yv.mean()) ** 2).sum())
    r2 = 1.0 - rss / ss_tot if ss_tot > 0 else float("nan")
    table = pd.DataFrame(
        {
            "family": fams,
            "intercept": coef[1:],
            "intercept_se": np.sqrt(np.diag(cov)[1:]),
            "n": [int(counts[f]) for f in fams],
        }
    )
    table.attrs["slope_se"] = float(np.sqrt(cov[0, 0]))
    # Nested tuples, not an array: pandas compares attrs when tables are concatenated.
    table.attrs["cov"] = tuple(tuple(float(v) for v in row) for row in cov)
    table.attrs["dof"] = dof
    table.attrs["skipped"] = skipped
    return CommonSlopeFit(float(coef[0]), table, float(r2))


def reference_line(
    frame: pd.DataFrame,
    y: str = "P",
    family: str = "Llama-2",
    x: str = "log10_flops",
    family_column: str = "Model Family",
) -> tuple[float, float]:
    """(w_f, b_f) of the reference family f's line y = w_f·x + b_f (Eq. 7).

    ``y`` is usually the scalar capability P = βᵀS + α of a fitted law and x
    is log10 training FLOPs. Raises :class:`UnknownFamilyError` if the family
    is absent, :class:`NotEnoughModelsError` if fewer than two of its models
    have both x and y, and :class:`DegenerateColumnError` if they share one x.
    """
    require_columns(frame, [x, y, family_column])
    if family not in set(frame[family_column].dropna()):
        raise UnknownFamilyError(
            f"reference family {family!r} is not in the data (column {family_column!r})"
        )
    values = pd.DataFrame({x: numeric_column(frame, x), y: numeric_column(frame, y)})
    fam = values.loc[frame[family_column] == family].dropna()
    if len(fam) < 2:
        raise NotEnoughModelsError(
            f"reference family {family!r} has {len(fam)} model(s) with both {x!r} and {y!r}; "
            "a line needs two"
        )
    xs, ys = fam[x].to_numpy(float), fam[y].to_numpy(float)
    if _x_spread(xs) <= 1e-12:
        raise DegenerateColumnError(
            f"reference family {family!r}: every model has the same {x!r}; no slope"
        )
    slope, intercept, _ = _ols(xs, ys)
    return slope, intercept


def f_equivalent_log10_flops(P: Numeric, slope: float, intercept: float) -> Numeric:
    """Eq. 8: log10 C̄_f = (P − b_f) / w_f, the reference family's compute that reaches P.

    ``slope`` and ``intercept`` are (w_f, b_f) from :func:`reference_line`.
    The result is in log10 FLOPs and has the type of ``P`` (float, Series or
    array); it is the exact inverse of P = w_f·log10 C + b_f (Eq. 7).
    """
    slope, intercept = check_number("slope", slope), check_number("intercept", intercept)
    if not np.isfinite(slope) or slope == 0:
        raise OSLInputError(f"reference slope w_f must be finite and non-zero; got {slope}")
    if not np.isfinite(intercept):
        raise OSLInputError(f"reference intercept b_f must be finite; got {intercept}")
    if isinstance(P, pd.Series):
        return (numeric_column(P.to_frame("P"), "P", "P") - intercept) / slope
    if isinstance(P, float | int):
        return (float(P) - intercept) / slope
    return (np.asarray(P, dtype=float) - intercept) / slope


def f_equivalent_flops(
    law: _ScoresCapability,
    X: pd.DataFrame,
    frame: pd.DataFrame,
    reference_family: str = "Llama-2",
    family_column: str = "Model Family",
    x: str = "log10_flops",
) -> pd.Series:
    """log10 f-equivalent FLOPs of every model in X under a fitted law (Eqs. 7–8).

    P = βᵀS + α comes from ``law.capability_score(X)``. ``frame`` supplies the
    family and log10 FLOPs of each model, aligned with X by index; the
    reference line P = w_f·log10 C + b_f is fitted on the reference family's
    models among X, and every model's P is mapped back through Eq. 8. Raises
    :class:`UnknownModelError` if some row of X has no row in ``frame`` and
    :class:`UnknownFamilyError` if no model of X belongs to the reference family.
    """
    if not isinstance(X, pd.DataFrame):
        raise OSLInputError("X must be a DataFrame indexed like frame")
    require_columns(frame, [family_column, x])
    absent = X.index.difference(frame.index)
    if len(absent):
        raise UnknownModelError(
            f"{len(absent)} row(s) of X have no row in frame (e.g. {list(absent[:3])}); "
            "index both by model"
        )
    P = law.capability_score(X)
    scored = frame.loc[X.index, [family_column, x]].assign(P=np.asarray(P, dtype=float))
    if reference_family not in set(scored[family_column].dropna()):
        raise UnknownFamilyError(
            f"reference family {reference_family!r} has no model among the rows of X"
        )
    slope, intercept = reference_line(
        scored, y="P", family=reference_family, x=x, family_column=family_column
    )
    out = f_equivalent_log10_flops(scored["P"], slope, intercept)
    return out.rename("f_equiv_log10_flops")


def compute_multiplier(intercept_a: float, intercept_b: float, slope: float) -> float:
    """How many times less compute family A needs than B to reach the same capability.

    Under a common slope w (Eq. 4 with shared w), A's line lies b_A − b_B
    above B's, which is (b_A − b_B)/w decades of compute, so the multiplier
    is 10^((b_A − b_B)/w). Values above 1 mean A is more compute-efficient.
    """
    slope = check_number("slope", slope)
    intercept_a = check_number("intercept_a", intercept_a)
    intercept_b = check_number("intercept_b", intercept_b)
    if slope == 0:
        raise OSLInputError(f"slope must be finite and non-zero; got {slope}")
    return float(10 ** ((intercept_a - intercept_b) / slope))
