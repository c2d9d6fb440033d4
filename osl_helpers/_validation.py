"""Input checks shared by the estimators: each problem gets its own named error.

Every error here is a :class:`ValueError`, so scikit-learn's conventions still
hold, and its class name says what went wrong.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "ColumnMismatchError",
    "ConvergenceFailure",
    "DegenerateColumnError",
    "DuplicateModelError",
    "IndexMismatchError",
    "LengthMismatchError",
    "MissingColumnError",
    "NonNumericError",
    "NotEnoughModelsError",
    "OSLConvergenceWarning",
    "OSLInputError",
    "PercentScaleError",
    "TargetRangeError",
    "UnknownColumnError",
    "UnknownFamilyError",
    "UnknownModelError",
    "as_score_frame",
    "check_aligned",
    "check_int",
    "check_target",
]


class OSLInputError(ValueError):
    """Base class of the input errors raised by ``osl_helpers``."""


class PercentScaleError(OSLInputError):
    """Scores look like percentages (0–100) where fractions in [0, 1] are expected."""


class TargetRangeError(OSLInputError):
    """A target is NaN, infinite or outside its documented range."""


class NotEnoughModelsError(OSLInputError):
    """Too few models to identify the requested number of components or parameters."""


class DegenerateColumnError(OSLInputError):
    """A benchmark column is entirely missing or constant, so it carries no information."""


class UnknownFamilyError(OSLInputError, KeyError):
    """A model family was named that is not in the data."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class NonNumericError(OSLInputError):
    """A column that should hold scores is not numeric."""


class DuplicateModelError(OSLInputError):
    """The same model name appears more than once."""


class LengthMismatchError(OSLInputError):
    """X and y (or two aligned inputs) do not have the same number of rows."""


class IndexMismatchError(OSLInputError):
    """X and y label their rows (models) differently, so pairing them by position is wrong."""


class ColumnMismatchError(OSLInputError):
    """Columns at predict/transform time differ from those seen in ``fit``."""


class ConvergenceFailure(RuntimeError):
    """An iterative fit did not converge and the caller asked for an error."""


class OSLConvergenceWarning(UserWarning):
    """An iterative fit stopped at its iteration bound before converging."""


def as_score_frame(
    X: pd.DataFrame | NDArray[np.floating] | Sequence[Sequence[float]],
    *,
    low: float = 0.0,
    high: float = 1.0,
    allow_nan: bool = True,
    check_range: bool = True,
    name: str = "X",
) -> pd.DataFrame:
    """Return ``X`` as a float DataFrame of benchmark scores after checking it.

    Raises a named error for non-numeric columns, duplicate index labels
    (model names), scores on a percent scale, out-of-range values and
    (if ``allow_nan`` is false) missing cells.
    """
    if isinstance(X, pd.DataFrame):
        df = X
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise OSLInputError(f"{name} must be 2-D (models × benchmarks); got shape {arr.shape}")
        df = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
    bad = [
        c
        for c in df.columns
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_complex_dtype(df[c])
    ]
    if bad:
        raise NonNumericError(f"{name}: non-numeric column(s) {bad}; pass only score columns")
    if df.index.has_duplicates:
        dup = df.index[df.index.duplicated()].unique().tolist()
        raise DuplicateModelError(f"{name}: duplicate row label(s) (model names) {dup[:5]}")
    out = df.astype(float)
    vals = out.to_numpy()
    if np.isinf(vals).any():
        raise OSLInputError(f"{name}: contains infinite values")
    if not allow_nan and np.isnan(vals).any():
        cols = out.columns[np.isnan(vals).any(axis=0)].tolist()
        raise OSLInputError(f"{name}: missing values in {cols}; impute them first")
    if check_range and np.isfinite(vals).any():
        hi = float(np.nanmax(vals))
        lo = float(np.nanmin(vals))
        if high <= 1.0 and 1.0 < hi <= 100.0:
            raise PercentScaleError(
                f"{name}: maximum score {hi:g} > 1 — scores look like percentages; divide by 100"
            )
        if lo < low or hi > high:
            raise OSLInputError(
                f"{name}: scores in [{lo:g}, {hi:g}] fall outside [{low:g}, {high:g}]"
            )
    return out


def check_target(
    y: pd.Series | NDArray[np.floating] | Sequence[float],
    *,
    low: float = 0.0,
    high: float = 1.0,
    name: str = "y",
) -> NDArray[np.float64]:
    """Return ``y`` as a 1-D float array after checking it is finite and in [low, high]."""
    arr = np.asarray(y, dtype=float)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise TargetRangeError(f"{name} must be 1-D; got shape {arr.shape}")
    if np.isnan(arr).any():
        raise TargetRangeError(
            f"{name}: {int(np.isnan(arr).sum())} NaN target value(s); drop those models first"
        )
    if np.isinf(arr).any():
        raise TargetRangeError(f"{name}: infinite target value(s)")
    lo, hi = float(arr.min(initial=low)), float(arr.max(initial=high))
    if high <= 1.0 and 1.0 < hi <= 100.0:
        raise PercentScaleError(
            f"{name}: maximum {hi:g} > 1 — the target looks like a percentage; "
            "normalise it to [0, 1] (see osl_helpers.law.normalize_target)"
        )
    if lo < low or hi > high:
        raise TargetRangeError(
            f"{name}: values in [{lo:g}, {hi:g}] fall outside [{low:g}, {high:g}]"
        )
    return arr


def check_int(name: str, value: object, low: int) -> int:
    """Return ``value`` as an int after checking it is an integer ≥ ``low`` (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise OSLInputError(f"{name} must be an integer ≥ {low}; got {value!r}")
    return int(value)


def check_aligned(X: object, y: object) -> None:
    """Raise :class:`IndexMismatchError` if a DataFrame X and a Series y label models differently.

    Rows are paired by position (scikit-learn's convention). That is only
    safe when the labels agree: the same labels in another order, or
    different text labels (model names), mean the pairing is wrong. A
    default index (0, 1, …, n − 1) on either side, or integer labels on
    both, are taken as positional.
    """
    if not (isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)):
        return
    if len(X) != len(y) or X.index.equals(y.index):
        return
    default = pd.RangeIndex(len(X))
    if X.index.equals(default) or y.index.equals(default):
        return
    same_set = set(X.index) == set(y.index)
    both_int = pd.api.types.is_integer_dtype(X.index) and pd.api.types.is_integer_dtype(y.index)
    if same_set or not both_int:
        pairs = [(a, b) for a, b in zip(X.index, y.index, strict=True) if a != b][:3]
        raise IndexMismatchError(
            "X and y label the models differently"
            + (" (same models, different order)" if same_set else "")
            + f", e.g. {pairs}; align them first, e.g. y.loc[X.index]"
        )


def warn_not_converged(what: str, n_iter: int) -> None:
    """Emit :class:`OSLConvergenceWarning` for a fit that hit its iteration bound."""
    warnings.warn(
        f"{what} did not converge within {n_iter} iterations; results may be inaccurate",
        OSLConvergenceWarning,
        stacklevel=3,
    )


class MissingColumnError(OSLInputError, KeyError):
    """A column the computation needs (e.g. ``log10_flops`` or a family column) is absent."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def require_columns(
    frame: pd.DataFrame, columns: Iterable[object], what: str = "frame", hint: str = ""
) -> None:
    """Raise :class:`MissingColumnError` naming every one of ``columns`` (``None`` skipped)
    that ``frame`` lacks, with the columns it has and an optional ``hint``."""
    wanted = list(dict.fromkeys(c for c in columns if c is not None))
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        have = [str(c) for c in frame.columns]
        raise MissingColumnError(f"{what} is missing column(s) {missing}; it has {have}{hint}")


class UnknownModelError(OSLInputError, KeyError):
    """A model was named that is not in the data."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownColumnError(OSLInputError, KeyError):
    """A table holds a column the computation does not know (often a misspelt benchmark)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
