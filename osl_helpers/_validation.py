"""Input checks shared by the estimators: each problem gets its own named error.

Every error the package raises derives from :class:`OSLError`, so one
``except osl_helpers.OSLError`` catches them all. The input errors here are
also :class:`ValueError` (scikit-learn's convention), a failed fit is also a
:class:`RuntimeError`, and each class name says what went wrong; the message
says what to do about it.
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
    "DuplicateColumnError",
    "DuplicateModelError",
    "IndexMismatchError",
    "LengthMismatchError",
    "MissingColumnError",
    "NonNumericError",
    "NotEnoughModelsError",
    "OSLConvergenceWarning",
    "OSLError",
    "OSLInputError",
    "OSLWarning",
    "PercentScaleError",
    "TargetRangeError",
    "UnknownColumnError",
    "UnknownFamilyError",
    "UnknownModelError",
    "UnknownSetupError",
    "as_float_array",
    "as_score_frame",
    "check_aligned",
    "check_int",
    "check_number",
    "check_range_pair",
    "check_target",
    "numeric_column",
]


class OSLError(Exception):
    """Base class of every error ``osl_helpers`` raises (input, data, convergence).

    Catch it to handle any of them: ``except osl_helpers.OSLError``. Each
    subclass also keeps a built-in base (``ValueError``, ``RuntimeError``,
    ``KeyError``) so code written against those keeps working.
    """


class OSLWarning(UserWarning):
    """Base class of the warnings ``osl_helpers`` issues."""


class OSLInputError(OSLError, ValueError):
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
    """A column that should hold numbers holds text, objects or True/False flags."""


class DuplicateColumnError(OSLInputError):
    """The same column name appears more than once."""


class DuplicateModelError(OSLInputError):
    """The same model name appears more than once."""


class LengthMismatchError(OSLInputError):
    """X and y (or two aligned inputs) do not have the same number of rows."""


class IndexMismatchError(OSLInputError):
    """X and y label their rows (models) differently, so pairing them by position is wrong."""


class ColumnMismatchError(OSLInputError):
    """Columns at predict/transform time differ from those seen in ``fit``."""


class ConvergenceFailure(OSLError, RuntimeError):
    """An iterative fit did not converge and the caller asked for an error."""


class OSLConvergenceWarning(OSLWarning):
    """An iterative fit stopped at its iteration bound before converging."""


#: Largest score magnitude the PCA handles: its variances square the values, and
#: squares of numbers beyond about 1e154 overflow float64.
_MAX_MAGNITUDE = 1e100


def _is_real_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


_FLAGS = "True/False flags, not scores"
_OBJECT_NUMBERS = "numbers stored with dtype object (convert them with .astype(float))"


def _column_problem(s: pd.Series) -> str | None:
    """What ``s`` holds instead of plain numbers (``None`` if it holds numbers), as a noun phrase."""
    if pd.api.types.is_bool_dtype(s):
        return _FLAGS
    if pd.api.types.is_complex_dtype(s):
        return "complex numbers"
    if pd.api.types.is_numeric_dtype(s):
        return None
    if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
        known = s.dropna()
        bad = known[~known.map(_is_real_number)]
        if bad.empty:
            return _OBJECT_NUMBERS
        shown = list(dict.fromkeys(repr(v) for v in bad))[:5]
        return f"values that are not numbers: {', '.join(shown)}"
    return f"values of dtype {s.dtype}, not numbers"


def _as_frame(X: object, name: str) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        raise OSLInputError(
            f"{name} is a Series (one column); pass a DataFrame with one column per benchmark, "
            f"e.g. {name}.to_frame()"
        )
    try:
        arr = np.asarray(X)
    except ValueError as err:  # numpy refuses ragged nested lists
        try:
            lengths = sorted({len(row) for row in X})  # type: ignore[attr-defined, arg-type]
        except TypeError:
            lengths = []
        raise OSLInputError(
            f"{name} is ragged: its rows have different lengths {lengths}; give every model one "
            "value per benchmark, NaN where a score is missing"
        ) from err
    if arr.ndim != 2:
        raise OSLInputError(f"{name} must be 2-D (models × benchmarks); got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])


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

    Raises a named error for ragged input, repeated column names, columns that
    are not numbers (True/False flags such as ``is_code_model``, text, object
    dtype), duplicate index labels (model names), scores on a percent scale,
    out-of-range values, values too large for the PCA (with
    ``check_range=False``) and (if ``allow_nan`` is false) missing cells.
    """
    df = _as_frame(X, name)
    if df.columns.has_duplicates:
        dup = df.columns[df.columns.duplicated()].unique().tolist()
        raise DuplicateColumnError(
            f"{name}: column(s) {dup} appear more than once; keep one column per benchmark"
        )
    problems = {c: why for c in df.columns if (why := _column_problem(df[c])) is not None}
    if problems:
        groups: dict[str, list[object]] = {}
        for c, why in problems.items():
            groups.setdefault(why, []).append(c)
        detail = "; ".join(f"{cols} hold {why}" for why, cols in groups.items())
        flags = groups.get(_FLAGS, [])
        remedy = "pass only numeric score columns (fractions in [0, 1])"
        if flags:
            remedy = f"drop the flag column(s), e.g. {name}.drop(columns={flags!r}), and {remedy}"
        if len(problems) == df.shape[1] and list(groups) == [_FLAGS]:
            lead = f"{name} holds only True/False flags, no benchmark scores"
        else:
            lead = f"{name}: column(s) cannot be used as benchmark scores"
        raise NonNumericError(f"{lead}: {detail}; {remedy}")
    if df.index.has_duplicates:
        dup = df.index[df.index.duplicated()].unique().tolist()
        raise DuplicateModelError(
            f"{name}: duplicate row label(s) (model names) {dup[:5]}; keep one row per model"
        )
    out = df.astype(float)
    vals = out.to_numpy()
    if np.isinf(vals).any():
        cols = out.columns[np.isinf(vals).any(axis=0)].tolist()
        raise OSLInputError(
            f"{name}: contains infinite values (in {cols}); replace them by NaN (missing) or drop "
            "those models"
        )
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
                f"{name}: scores in [{lo:g}, {hi:g}] fall outside [{low:g}, {high:g}]; "
                "rescale them to that range (or pass the range the scores live in)"
            )
    elif np.isfinite(vals).any():
        big = float(np.nanmax(np.abs(vals)))
        if big > _MAX_MAGNITUDE:
            cols = out.columns[(np.abs(vals) > _MAX_MAGNITUDE).any(axis=0)].tolist()
            raise OSLInputError(
                f"{name}: values as large as {big:.3g} (in {cols}) overflow the PCA; rescale "
                "those columns, e.g. to [0, 1]"
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
    if isinstance(y, pd.Series | pd.DataFrame):
        cols = y.to_frame() if isinstance(y, pd.Series) else y
        problems = {c: why for c in cols.columns if (why := _column_problem(cols[c])) is not None}
        if problems:
            detail = "; ".join(f"{why}" for why in problems.values())
            raise NonNumericError(
                f"{name} holds {detail}; pass the target as numbers in [{low:g}, {high:g}] "
                f"(e.g. {name}.astype(float) for 0/1 outcomes)"
            )
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as err:  # ragged lists, text
        raise NonNumericError(
            f"{name} cannot be read as one number per model ({err}); pass a 1-D sequence of "
            f"numbers in [{low:g}, {high:g}]"
        ) from err
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
    lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (low, high)
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


def check_number(
    name: str, value: object, *, positive: bool = False, example: str = "1.0"
) -> float:
    """Return ``value`` as a finite float; a string, bool or anything else raises a named error."""
    if not _is_real_number(value):
        hint = ""
        if isinstance(value, str):
            hint = f" — pass the number itself, e.g. {name}={example}, not text"
        raise OSLInputError(f"{name} must be a number; got {type(value).__name__} {value!r}{hint}")
    out = float(value)  # type: ignore[arg-type]
    if not np.isfinite(out) or (positive and out <= 0):
        need = "a finite number > 0" if positive else "a finite number"
        raise OSLInputError(f"{name} must be {need}; got {value!r}")
    return out


def as_float_array(value: object, name: str) -> NDArray[np.float64]:
    """``np.asarray(value, dtype=float)``, with a named error for text, flags and ragged input."""
    if isinstance(value, str):
        raise NonNumericError(f"{name} must be numbers, not the text {value!r}")
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        problems = {c: w for c in frame.columns if (w := _column_problem(frame[c])) is not None}
        if problems:
            detail = "; ".join(f"{c!r} holds {w}" for c, w in list(problems.items())[:3])
            raise NonNumericError(f"{name} must hold numbers: {detail}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise NonNumericError(
            f"{name} cannot be read as numbers ({err}); pass numbers only, one row per model "
            "and rows of equal length"
        ) from err
    return arr


def check_range_pair(name: str, value: object) -> tuple[float, float]:
    """Return ``value`` as a pair of finite numbers (low, high) with low < high."""
    try:
        pair: tuple[object, ...] = tuple(value)  # type: ignore[arg-type]
    except TypeError as err:
        raise OSLInputError(f"{name} must be a pair (low, high); got {value!r}") from err
    if len(pair) != 2 or isinstance(value, str):
        raise OSLInputError(f"{name} must be a pair (low, high); got {value!r}")
    lo = check_number(f"{name}[0]", pair[0])
    hi = check_number(f"{name}[1]", pair[1])
    if not lo < hi:
        raise OSLInputError(f"{name} must satisfy low < high; got {value!r}")
    return lo, hi


def numeric_column(frame: pd.DataFrame, column: object, what: str = "frame") -> pd.Series:
    """Return ``frame[column]`` as floats; text such as ``'nan'`` or ``'unknown'`` raises.

    Missing values must be real missing values (NaN/None), not words: a word
    could be a typo for a number, and silently reading it as missing would
    drop a model without saying so. Raises :class:`NonNumericError` naming the
    column and the offending values.
    """
    s = frame[column]
    if isinstance(s, pd.DataFrame):
        raise DuplicateColumnError(
            f"{what}: column {column!r} appears more than once; keep one column of that name"
        )
    why = _column_problem(s)
    if why is not None and why != _OBJECT_NUMBERS:
        raise NonNumericError(
            f"{what}: column {column!r} holds {why}; mark unknown values as missing (NaN), e.g. "
            f"pd.to_numeric(frame[{column!r}], errors='coerce'), after checking them"
        )
    return s.astype(float)


def _is_default(index: pd.Index) -> bool:
    return bool(index.equals(pd.RangeIndex(len(index))))


def check_aligned(X: object, y: object, names: tuple[str, str] = ("X", "y")) -> None:
    """Raise :class:`IndexMismatchError` unless pairing the rows of X and y by position is safe.

    Rows are paired by position (scikit-learn's convention). With pandas
    objects on both sides this is safe only when their labels agree. The
    rule: identical labels pass; the same labels in another order fail (this
    includes an index that is a shuffle of 0..n-1, e.g. after ``sort_values``);
    a default index 0..n-1 on one side (a ``reset_index(drop=True)``) against
    model names on the other is taken as an explicit request for positional
    pairing; any other difference fails, since row numbers of some other
    table say nothing about which model is which. Arrays and lists carry no
    labels and are always paired by position.
    """
    if not (isinstance(X, pd.DataFrame | pd.Series) and isinstance(y, pd.DataFrame | pd.Series)):
        return
    a, b = names
    ix, iy = X.index, y.index
    if len(ix) != len(iy) or ix.equals(iy):
        return
    n = len(ix)
    remedy = f"Align them first, e.g. {b} = {b}.loc[{a}.index]"
    if set(ix) == set(iy):
        pairs = [(p, q) for p, q in zip(ix, iy, strict=True) if p != q][:3]
        raise IndexMismatchError(
            f"{a} and {b} hold the same labels in a different order (same models, different "
            f"order), e.g. rows pair {pairs}; pairing them by position would mismatch models. "
            + remedy
        )
    default_x, default_y = _is_default(ix), _is_default(iy)
    if default_x != default_y:
        other = iy if default_x else ix
        if not pd.api.types.is_integer_dtype(other):
            return  # one side reset on purpose: positional pairing requested
        plain, labelled = (a, b) if default_x else (b, a)
        raise IndexMismatchError(
            f"{plain} has a default 0..{n - 1} index but {labelled} has other integer labels "
            f"(e.g. {list(other[:3])}), row numbers of some table that say nothing about which "
            "model is which, so the pairing is ambiguous; index both by model name, or reset "
            "both with reset_index(drop=True)"
        )
    pairs = [(p, q) for p, q in zip(ix, iy, strict=True) if p != q][:3]
    raise IndexMismatchError(f"{a} and {b} label the models differently, e.g. {pairs}; {remedy}")


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
    frame: pd.DataFrame,
    columns: Iterable[object],
    what: str = "frame",
    hint: str = "",
    error: type[OSLError] = MissingColumnError,
) -> None:
    """Raise ``error`` (:class:`MissingColumnError` unless given) naming every one of
    ``columns`` (``None`` skipped) that ``frame`` lacks, with the columns it has and an
    optional ``hint``."""
    wanted = list(dict.fromkeys(c for c in columns if c is not None))
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        have = [str(c) for c in frame.columns]
        raise error(f"{what} is missing column(s) {missing}; it has {have}{hint}")


def as_names(names: str | Iterable[str]) -> list[str]:
    """``names`` as a list; a bare string is one name, not an iterable of characters."""
    return [names] if isinstance(names, str) else list(names)


class UnknownModelError(OSLInputError, KeyError):
    """A model was named that is not in the data."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownSetupError(OSLInputError, KeyError):
    """A setup (downstream task) was named that is not one of the paper's setups."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownColumnError(OSLInputError, KeyError):
    """A table holds a column the computation does not know (often a misspelt benchmark)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
