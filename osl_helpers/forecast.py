"""Forecast a downstream score for models you have not evaluated, with calibrated intervals.

You scored some models on a task of your own and want to know what others
would score — models too large to evaluate, or not yet released but already
measured on the standard benchmarks. :func:`forecast_scores` takes one row per
model: a ``Model`` column, your ``target`` column (empty for the models to
forecast) and any of the base benchmarks B (``MMLU``, ``ARC-C``, …). Models
of the book's table get their missing benchmark scores from it; other models
bring their own. The law E ≈ h·σ(βᵀS + α) (Eq. 6, on the principal
capabilities S of Eq. 5) is fitted on the models with a target and the
intervals come from :class:`~osl_helpers.uncertainty.ConformalLaw`,
calibrated on a rolling origin along training compute.

``python -m osl_helpers forecast SCORES.csv --target COLUMN`` runs it from the
command line (see :func:`main`).
"""

from __future__ import annotations

import argparse
import difflib
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from osl_helpers import data
from osl_helpers._validation import (
    DuplicateModelError,
    MissingColumnError,
    NonNumericError,
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    PercentScaleError,
    TargetRangeError,
    UnknownColumnError,
    UnknownModelError,
    as_score_frame,
)
from osl_helpers.byo import _cutoff_log10, _suggest
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.law import ObservationalScalingLaw
from osl_helpers.uncertainty import ConformalLaw

__all__ = [
    "OUTPUT_COLUMNS",
    "build_parser",
    "forecast_scores",
    "main",
    "prepare_scores",
    "read_scores",
    "run",
]

#: Columns of the table :func:`forecast_scores` returns (and the command writes).
OUTPUT_COLUMNS = [
    "Model", "prediction", "lower", "upper", "level", "observed", "log10_flops", "horizon",
    "beyond_calibration",
]  # fmt: skip


def read_scores(path: str | Path) -> pd.DataFrame:
    """Read a CSV of scores; a missing, empty or malformed file is an :class:`OSLInputError`."""
    p = Path(path)
    if not p.is_file():
        raise OSLInputError(f"no such file: {str(p)!r}")
    try:
        return pd.read_csv(p)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as err:
        raise OSLInputError(f"{str(p)!r} is not a readable CSV file ({err})") from err


def _check_target(values: pd.Series, target: str) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise NonNumericError(
            f"column {target!r} is not numeric (dtype {values.dtype}); "
            "leave the cell empty for a model to forecast"
        )
    y = values.astype(float)
    if np.isinf(y).any():
        raise TargetRangeError(f"column {target!r} has infinite values")
    known = y.dropna()
    if len(known) and 1.0 < known.max() <= 100.0:
        raise PercentScaleError(
            f"{target!r} reaches {known.max():g} > 1: the scores look like percentages; "
            "divide them by 100"
        )
    if len(known) and (known.min() < 0.0 or known.max() > 1.0):
        raise TargetRangeError(
            f"{target!r} has values in [{known.min():g}, {known.max():g}]; scores must lie in [0, 1]"
        )
    return y


def prepare_scores(
    frame: pd.DataFrame, target: str, *, model: str = "Model"
) -> tuple[pd.DataFrame, list[str]]:
    """Check a table of scores and complete it from the book's base-model table.

    Returns the table indexed by model name — the benchmark columns B (the
    book's eight, less the target if it is one of them), ``y`` (the target,
    NaN for models to forecast), ``log10_flops`` (NaN for models not in the
    book's table) and ``in_table`` — and the list of benchmarks used.
    Raises a named error for a missing ``Model`` or target column, unknown
    columns, duplicate or empty model names, non-numeric or percent-scale
    values, and for a model that is neither in the table nor scored on any
    benchmark.
    """
    if not isinstance(frame, pd.DataFrame):
        raise OSLInputError(f"scores must be a pandas DataFrame; got {type(frame).__name__}")
    missing = [c for c in (model, target) if c not in frame.columns]
    if missing:
        have = [str(c) for c in frame.columns]
        raise MissingColumnError(f"the scores lack column(s) {missing}; they have {have}")
    benchmarks = [b for b in data.BENCHMARKS if b != target]
    allowed = [model, target, *benchmarks]
    unknown = [str(c) for c in frame.columns if c not in allowed]
    if unknown:
        hints = []
        for name in unknown[:5]:
            close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise UnknownColumnError(
            f"unknown column(s) {', '.join(hints)}; the columns are {model!r}, the target "
            f"{target!r} and any of the benchmarks {benchmarks}"
        )
    blank = frame[model].isna() | (frame[model].astype(str).str.strip() == "")
    if blank.any():
        raise OSLInputError(f"{int(blank.sum())} row(s) have no model name in column {model!r}")
    names = frame[model].astype(str)
    dup = names[names.duplicated()].unique().tolist()
    if dup:
        raise DuplicateModelError(f"model(s) listed more than once: {dup[:5]}")
    given = [b for b in benchmarks if b in frame.columns]
    scores = frame[given].set_axis(pd.Index(names, name=None))
    as_score_frame(scores, name="benchmark scores")  # numeric, fractions, finite
    y = _check_target(frame[target], target).set_axis(scores.index)

    base = data.load_base_benchmarks("all").set_index("Model")
    in_table = scores.index.isin(base.index)
    out = pd.DataFrame(index=scores.index, columns=benchmarks, dtype=float)
    out.loc[:, given] = scores.astype(float)
    known = scores.index[in_table]
    # Your own scores win; the table fills what you left out.
    out.loc[known] = out.loc[known].fillna(base.loc[known, benchmarks].astype(float))
    empty = out.index[out.isna().all(axis=1) & ~in_table].tolist()
    if empty:
        known_names = base.index.astype(str).tolist()
        hints = []
        for name in empty[:5]:
            close = _suggest(name, known_names)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise UnknownModelError(
            f"{len(empty)} model(s) are not in the book's table and have no benchmark scores: "
            f"{', '.join(hints)}. Give their scores in columns {benchmarks}, or use the "
            "table's names (Hugging Face ids such as 'meta-llama/Llama-2-7b-hf')."
        )
    out["y"] = y
    flops = base["log10_flops"].astype(float)
    out["log10_flops"] = [float(flops[m]) if m in flops.index else math.nan for m in out.index]
    out["in_table"] = in_table
    return out, benchmarks


def _compute_scale(X: pd.DataFrame, benchmarks: Sequence[str]) -> pd.Series:
    """log10 FLOPs a model of typical efficiency would need for its capability PC-1.

    Eq. 4 says PC-1 grows linearly in log10 C within a family; one line
    fitted over every model of the book's table with known compute maps PC-1
    to a compute scale in decades, so models of unknown compute can be
    placed on the rolling origin's axis.
    """
    base = data.load_base_benchmarks("all")
    pca = CapabilityPCA(n_components=1).fit(base[list(benchmarks)])
    known = base["log10_flops"].notna()
    s_base = pca.transform(base.loc[known, list(benchmarks)]).iloc[:, 0].to_numpy()
    slope, intercept = np.polyfit(s_base, base.loc[known, "log10_flops"].astype(float), 1)
    s_new = pca.transform(X[list(benchmarks)]).iloc[:, 0].to_numpy()
    return pd.Series(slope * s_new + intercept, index=X.index)


def forecast_scores(
    frame: pd.DataFrame,
    target: str,
    level: float = 0.9,
    cutoff: float | str | None = None,
    *,
    n_components: int = 3,
    model: str = "Model",
) -> pd.DataFrame:
    """Predict ``target`` with a central ``level`` interval for every model without a score.

    The law (Eq. 6, h·σ link, Huber loss, K = ``n_components``) is fitted on
    the models with a target — with ``cutoff`` (FLOPs, or the name of a model
    of the table) only on those at or below that compute, and the scored
    models above it are forecast too, with their ``observed`` value, as a
    check. The intervals are split-conformal on a rolling origin along log10
    training FLOPs (:class:`~osl_helpers.uncertainty.ConformalLaw`); models
    of unknown compute are placed by their first principal capability.

    Returns one row per forecast model, in the order of ``frame``:
    :data:`OUTPUT_COLUMNS` (``horizon``: decades of compute beyond the
    fitted models; ``beyond_calibration``: farther out than any residual the
    intervals were calibrated on, so likely too narrow).
    """
    if isinstance(level, bool) or not (isinstance(level, int | float) and 0 < level < 1):
        raise OSLInputError(f"level must be a number in (0, 1), e.g. 0.9; got {level!r}")
    table, benchmarks = prepare_scores(frame, target, model=model)
    scale = table["log10_flops"].copy()
    unknown = scale.isna()
    if unknown.any():
        scale[unknown] = _compute_scale(table.loc[unknown], benchmarks)
    if isinstance(cutoff, int | float) and not isinstance(cutoff, bool) and 0 < cutoff < 1e6:
        raise OSLInputError(
            f"cutoff is training compute in FLOPs, e.g. 8.4e22; got {cutoff:g} "
            "(a log10 value? then pass 10**value)"
        )
    cut = _cutoff_log10(cutoff, table)
    scored = table["y"].notna()
    train = scored if cut is None else scored & (scale <= cut + 1e-9)
    law = ConformalLaw(estimator=ObservationalScalingLaw(n_components=n_components, loss="huber"))
    need = max(n_components + 2, law.min_train + 2)
    if int(train.sum()) < need:
        where = "" if cut is None else " at or below the cutoff"
        raise NotEnoughModelsError(
            f"{int(train.sum())} model(s) with a score in {target!r}{where}; calibrated "
            f"intervals need at least {need}. Score more models"
            + ("" if cut is None else " or raise the cutoff")
            + "."
        )
    todo = ~train
    if not todo.any():
        raise OSLInputError(
            f"nothing to forecast: every model has a score in {target!r}. Leave the target "
            "empty for the models to forecast (or pass a cutoff to test on the larger ones)."
        )
    X = table[benchmarks]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OSLConvergenceWarning)
        law.fit(X[train], table.loc[train, "y"], scale[train], origin=cut)
    iv = law.predict_interval(X[todo], scale[todo], level)
    out = pd.DataFrame(
        {
            "Model": iv.index.astype(str),
            "prediction": iv["y_hat"].to_numpy(),
            "lower": iv["lo"].to_numpy(),
            "upper": iv["hi"].to_numpy(),
            "level": float(level),
            "observed": table.loc[todo, "y"].to_numpy(),
            "log10_flops": table.loc[todo, "log10_flops"].to_numpy(),
            "horizon": iv["horizon"].to_numpy(),
            "beyond_calibration": iv["beyond"].to_numpy(),
        }
    )
    out.attrs["n_train"] = int(train.sum())
    out.attrs["n_calibration"] = len(law.calibration_)
    out.attrs["origins"] = len(law.origins_)
    return out[OUTPUT_COLUMNS]


# --------------------------------------------------------------------------- command line

_EXAMPLE = """\
example:
  python -m osl_helpers forecast my_scores.csv --target my_task --level 0.9 --out forecast.csv

my_scores.csv has one row per model:
  Model,my_task,MMLU,ARC-C
  meta-llama/Llama-2-7b-hf,0.31,,
  meta-llama/Llama-2-13b-hf,0.38,,
  ...
  my-org/new-model-70b,,0.78,0.64

Models of the book's table need no benchmark columns (missing cells are filled
from the table); other models bring their own scores (fractions in [0, 1]).
Leave the target empty for the models to forecast.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``forecast`` arguments and options to ``parser``."""
    parser.add_argument("scores", help="CSV file: one row per model (see the example below)")
    parser.add_argument("--target", required=True, help="column of your task's scores in [0, 1]")
    parser.add_argument(
        "--level", type=float, default=0.9, help="nominal coverage of the intervals (default 0.9)"
    )
    parser.add_argument(
        "--cutoff",
        default=None,
        help="fit only on scored models up to this training compute: FLOPs (e.g. 8.4e22) "
        "or a model name of the book's table; the scored models above it are forecast too",
    )
    parser.add_argument("--out", default=None, help="write the forecasts to this CSV file")


def _parse_cutoff(text: str | None) -> float | str | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _print_table(result: pd.DataFrame, target: str, level: float) -> None:
    shown = result[["Model", "prediction", "lower", "upper"]].copy()
    if result["observed"].notna().any():
        shown["observed"] = result["observed"]
    flag = result["beyond_calibration"]
    shown[""] = np.where(flag, "*", "")
    print(
        f"Forecast of {target!r}: {len(result)} model(s), central {level:.0%} intervals "
        f"(law fitted on {result.attrs.get('n_train', '?')} models; intervals calibrated on "
        f"{result.attrs.get('n_calibration', '?')} out-of-time residuals)"
    )
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep=""))
    if flag.any():
        print("* farther beyond the scored models than any calibration residual: likely too narrow")


def run(args: argparse.Namespace) -> int:
    """Run the ``forecast`` subcommand; named input errors become one line on stderr."""
    try:
        frame = read_scores(args.scores)
        result = forecast_scores(frame, args.target, args.level, _parse_cutoff(args.cutoff))
        if args.out is not None:
            result.to_csv(args.out, index=False)
    except (OSLInputError, data.DataFetchError, data.DataValidationError) as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    _print_table(result, args.target, args.level)
    if args.out is not None:
        print(f"written to {args.out}")
    return 0


#: One line that says what the command does, for ``--help``.
DESCRIPTION = (
    "Forecast your task's score for models you have not evaluated, with prediction\n"
    "intervals calibrated out of time (split conformal on a rolling origin of your\n"
    "scored models, ordered by training compute)."
)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The ``forecast`` command's parser (or fill ``parser``, e.g. a subcommand's)."""
    if parser is None:
        parser = argparse.ArgumentParser(prog="python -m osl_helpers forecast")
    parser.description = DESCRIPTION
    parser.epilog = _EXAMPLE
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m osl_helpers forecast SCORES.csv --target COLUMN``, as a function."""
    return run(build_parser().parse_args(argv))
