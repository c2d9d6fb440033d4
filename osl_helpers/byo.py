"""Bring your own evaluation: fit an observational scaling law to scores you measured.

You evaluated some public base models on a task of your own and want to know
how the task scales. :func:`fit_your_scores` joins your scores onto the
standard benchmark table B by model name, rescales them to E ∈ [0, 1] against
a chance floor, splits the models by training compute and runs Algorithm A.1
of Ruan, Maddison & Hashimoto (2024): imputation and principal capabilities S
on the training models (Eq. 5), the law Ê = (1 − h) + h·σ(βᵀS + α) (Eq. 6), the scalar
capability P = βᵀS + α (Eq. 7) and f-equivalent FLOPs of a reference family
(Eq. 8). The result is the same :class:`~osl_helpers.experiments.TaskFit`
that :func:`~osl_helpers.experiments.fit_task` returns for the paper's setups.

Every problem with the scores gets a named error:
:class:`~osl_helpers._validation.UnknownModelError` (a name not in the table,
with the closest known names),
:class:`~osl_helpers._validation.PercentScaleError` (0–100 scores where
fractions are expected), :class:`~osl_helpers._validation.TargetRangeError`
(missing or out-of-range scores), :class:`~osl_helpers._validation.DuplicateModelError`
and :class:`~osl_helpers._validation.NonNumericError`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from osl_helpers import data
from osl_helpers._validation import (
    DuplicateColumnError,
    DuplicateModelError,
    NonNumericError,
    NotEnoughModelsError,
    OSLInputError,
    PercentScaleError,
    TargetRangeError,
    UnknownModelError,
    check_number,
)
from osl_helpers.compute import f_equivalent_log10_flops
from osl_helpers.data import LLAMA2_7B_FLOPS
from osl_helpers.errata import warn_errata
from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.law import Link, Loss, normalize_target
from osl_helpers.setups import TaskData, TaskSetup

__all__ = ["UnknownModelError", "fit_your_scores", "join_your_scores", "predict_unscored"]

#: Key of the setup built for scores brought by the reader (``setup.table`` is ``"user"``).
BYO_KEY = "byo"


def _floor(low: float, floor: float | None) -> float:
    """The lowest score the metric can take: ``floor``, else 0 (or ``low`` if it is negative)."""
    if floor is None:
        return min(0.0, low)
    value = check_number("floor", floor, example="0.0")
    if value > low:
        raise OSLInputError(
            f"floor ({value:g}) must not exceed low ({low:g}): the chance level is a score the "
            "metric can take"
        )
    return value


def _check_scores(
    scores: pd.DataFrame,
    target: str,
    model: str,
    low: float,
    high: float,
    floor: float | None = None,
) -> None:
    """Raise a named error unless ``scores`` holds one finite score in [floor, high] per model."""
    low = check_number("low", low, example="0.25")
    high = check_number("high", high, example="1.0")
    if not isinstance(scores, pd.DataFrame):
        raise OSLInputError(f"scores must be a pandas DataFrame; got {type(scores).__name__}")
    missing = [c for c in (model, target) if c not in scores.columns]
    if missing:
        raise OSLInputError(
            f"scores lack column(s) {missing}; they have {[str(c) for c in scores.columns]}"
        )
    if not high > low:
        raise OSLInputError(f"high ({high}) must exceed low ({low})")
    repeated = [c for c in dict.fromkeys((model, target)) if list(scores.columns).count(c) > 1]
    if repeated:
        raise DuplicateColumnError(
            f"scores have more than one column named {repeated}; keep one of each"
        )
    names = scores[model]
    if names.isna().any():
        raise OSLInputError(f"{int(names.isna().sum())} row(s) have no model name")
    dup = names[names.duplicated()].astype(str).unique().tolist()
    if dup:
        raise DuplicateModelError(f"model(s) listed more than once: {dup[:5]}")
    y = scores[target]
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        raise NonNumericError(
            f"column {target!r} is not numeric (dtype {y.dtype}); pass the scores as numbers, "
            f"e.g. pd.to_numeric(scores[{target!r}]) after checking them"
        )
    nan = names[y.isna()].astype(str).tolist()
    if nan:
        raise TargetRangeError(
            f"{len(nan)} model(s) have no score in {target!r}: {nan[:5]}; drop those rows first"
        )
    values = y.astype(float)
    if np.isinf(values).any():
        raise TargetRangeError(f"column {target!r} has infinite values")
    hi = float(values.max())
    if high <= 1.0 < hi <= 100.0:
        raise PercentScaleError(
            f"{target!r} reaches {hi:g} > 1: the scores look like percentages; "
            "divide them by 100, or pass high=100 (and low on the same scale)"
        )
    if hi > high:
        raise TargetRangeError(f"{target!r} reaches {hi:g}, above the top of its scale {high:g}")
    bottom = _floor(low, floor)
    below = values < bottom
    if below.any():
        shown = [f"{m!r}: {v:g}" for m, v in zip(names[below], values[below], strict=True)][:3]
        raise TargetRangeError(
            f"{int(below.sum())} score(s) in {target!r} lie below {bottom:g}, the lowest score "
            f"the metric can take ({', '.join(shown)}); they are not clipped. Check them, or "
            "pass floor= the metric's true minimum if it can go lower"
        )


def _suggest(name: str, known: Sequence[str]) -> list[str]:
    """Known names that ``name`` probably means: same name after the organisation, else similar."""
    short = name.rsplit("/", 1)[-1].casefold()
    same = [k for k in known if k.rsplit("/", 1)[-1].casefold() == short]
    return same[:2] if same else difflib.get_close_matches(name, known, n=2, cutoff=0.5)


def _check_known(
    names: pd.Series, known: Sequence[str], subset: str = "all", table: Sequence[str] = ()
) -> None:
    """Raise :class:`UnknownModelError` for names not in ``known`` (the models of ``subset``);
    names that the whole table ``table`` has are reported as outside the subset."""
    unknown = sorted(set(names.astype(str)) - set(known))
    if not unknown:
        return
    elsewhere = [n for n in unknown if n in set(table)]
    if elsewhere:
        raise UnknownModelError(
            f"{len(elsewhere)} model(s) are in the benchmark table but not in subset "
            f"{subset!r}: {elsewhere[:5]}{' and more' if len(elsewhere) > 5 else ''}; pass "
            "subset='all' (or the subset they belong to), or drop them from your scores"
        )
    hints = []
    for name in unknown[:5]:
        close = _suggest(name, known)
        hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        hints.append(f"{name!r}{hint}")
    more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
    raise UnknownModelError(
        f"{len(unknown)} model(s) are not in the benchmark table: {', '.join(hints)}{more}. "
        "Use the names of the table's 'Model' column (Hugging Face ids such as "
        "'meta-llama/Llama-2-7b-hf')."
    )


def join_your_scores(
    scores: pd.DataFrame,
    target: str = "score",
    *,
    low: float = 0.0,
    high: float = 1.0,
    benchmarks: Sequence[str] | None = None,
    subset: data.Subset = "all",
    model: str = "Model",
    floor: float | None = None,
) -> pd.DataFrame:
    """Join the reader's scores onto the base-model table B; one row per scored model.

    Returns the base table's columns (meta, benchmarks, ``log10_flops``…) plus
    ``y_raw`` (the score as given) and ``y`` = (y_raw − low)/(high − low), the
    normalised target of Eq. 6 (a score below the chance floor ``low`` gives a
    negative value, which is kept for the fit).
    Raises a named error for unknown models (or models outside ``subset``),
    duplicates, missing, non-numeric, percent-scale or out-of-range scores: a
    score above ``high`` or below ``floor``, the lowest score the metric can
    take (default 0, or ``low`` if it is negative), is an error, never clipped.
    """
    _check_scores(scores, target, model, low, high, floor)
    everything, applied = data.base_table("all")
    base = data.base_table(subset)[0]
    cols = list(benchmarks) if benchmarks is not None else list(data.BENCHMARKS)
    absent = [b for b in cols if b not in base.columns]
    if absent:
        raise OSLInputError(f"unknown benchmark(s) {absent}; choose from {data.BENCHMARKS}")
    _check_known(
        scores[model],
        base["Model"].astype(str).tolist(),
        subset,
        everything["Model"].astype(str).tolist(),
    )
    warn_errata(applied, data.BASE_TABLE, scores[model].astype(str))
    mine = pd.DataFrame(
        {"Model": scores[model].astype(str).to_numpy(), "y_raw": scores[target].astype(float)}
    )
    joined = base.merge(mine, on="Model", how="inner", validate="one_to_one")
    joined = joined.set_index("Model", drop=False)
    joined.index.name = None
    joined["y"] = normalize_target(joined["y_raw"], low=low, high=high)
    return joined


def _cutoff_log10(cutoff: float | str | None, frame: pd.DataFrame) -> float | None:
    if cutoff is None:
        return None
    if isinstance(cutoff, str):
        ref = data.base_table("all")[0].set_index("Model")["log10_flops"]
        if cutoff not in ref.index:
            _check_known(pd.Series([cutoff]), ref.index.astype(str).tolist())
        value = ref.loc[cutoff]
        if pd.isna(value):
            raise OSLInputError(
                f"cutoff model {cutoff!r} has unknown training FLOPs; name a model whose FLOPs "
                "are known, or give the cutoff in FLOPs"
            )
        return float(value)
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float):
        raise OSLInputError(
            f"cutoff must be positive FLOPs (e.g. 8.4e22), a model name or None; got {cutoff!r}"
        )
    if not (math.isfinite(cutoff) and cutoff > 0):
        raise OSLInputError(f"cutoff must be positive FLOPs, a model name or None; got {cutoff}")
    return math.log10(cutoff)


def fit_your_scores(
    scores: pd.DataFrame,
    target: str = "score",
    *,
    low: float = 0.0,
    high: float = 1.0,
    cutoff: float | str | None = LLAMA2_7B_FLOPS,
    benchmarks: Sequence[str] | None = None,
    n_components: int = 3,
    link: Link = "h_sigmoid",
    loss: Loss = "huber",
    huber_delta: float = 1.0,
    subset: data.Subset = "all",
    reference_family: str = "Llama-2",
    model: str = "Model",
    floor: float | None = None,
) -> TaskFit:
    """Fit Ê = (1 − h) + h·σ(βᵀS + α) (Eq. 6) to your scores: fitted on weak models, tested on strong.

    ``scores`` has one row per model: a ``Model`` column with the table's names
    and a numeric ``target`` column on the scale [``low``, ``high``] (``low``
    is the chance floor, e.g. 0.25 for 4-way multiple choice; ``high=100`` for
    percentages). ``cutoff`` splits by training compute C = 6ND: models with
    C ≤ ``cutoff`` (FLOPs, or the compute of the named model) are fitted, the
    others held out; models of unknown compute are scored but in neither set.
    ``cutoff=None`` fits on all models. ``benchmarks`` are the columns of B
    (default: all eight; leave out a benchmark that *is* your target).
    ``floor`` is the lowest score the metric can take (default 0, or ``low``
    if negative): a score below it raises instead of being clipped.

    Returns a :class:`~osl_helpers.experiments.TaskFit`: ``.law`` (β, α, h,
    βᵀγ), ``.points`` (observed E, predicted Ê, P of Eq. 7, f-equivalent
    FLOPs of Eq. 8 for ``reference_family``), ``.curve`` and the train/test MSE.
    """
    frame = join_your_scores(
        scores, target, low=low, high=high, benchmarks=benchmarks, subset=subset, model=model,
        floor=floor,
    )  # fmt: skip
    cols = tuple(benchmarks) if benchmarks is not None else tuple(data.BENCHMARKS)
    cut = _cutoff_log10(cutoff, frame)
    lf = frame["log10_flops"].astype(float)
    known = lf.notna()
    if cut is None:
        train = pd.Series(True, index=frame.index)
    else:
        train = known & (lf <= cut + 1e-9)
    test = known & ~train
    excluded = ~(train | test)
    reason = pd.Series("", index=frame.index, dtype=object).mask(excluded, "training FLOPs unknown")
    n_train = int(train.sum())
    if n_train < n_components + 2:
        raise NotEnoughModelsError(
            f"{n_train} of your {len(frame)} models lie below the cutoff; K = {n_components} "
            f"components need at least {n_components + 2}. Score more small models, raise the "
            "cutoff or lower n_components."
        )
    setup = TaskSetup(
        key=BYO_KEY,
        title=f"your scores ({target})",
        table="user",
        column=target,
        benchmarks=cols,
        low=low,
        high=high,
        link=link,
        loss=loss,
        huber_delta=huber_delta,
        n_components=n_components,
        split="flops",
        cutoff_flops=None if cut is None else 10.0**cut,
        subset=subset,
    )
    task = TaskData(
        setup=setup,
        frame=frame,
        X=frame[list(cols)],
        y=frame["y"],
        train=train.astype(bool),
        test=test.astype(bool),
        excluded=excluded.astype(bool),
        excluded_reason=reason,
        cutoff_log10_flops=cut,
    )
    return fit_task(task, reference_family=reference_family)


def predict_unscored(fit: TaskFit, models: Sequence[str] | None = None) -> pd.DataFrame:
    """Predict the target for base models you did not score, with a law from :func:`fit_your_scores`.

    ``models`` defaults to every model of the fit's base table (its ``subset``)
    that is not in your scores. Their benchmark scores B give S (Eq. 5) under
    the fitted PCA, P = βᵀS + α (Eq. 7) and Ê = (1 − h) + h·σ(P) (Eq. 6); with a
    reference line, P also maps to f-equivalent FLOPs (Eq. 8). Returns one row
    per model: ``Model``, ``Model Family``, ``log10_flops``, ``P``, ``y_hat``,
    ``f_equiv_log10_flops`` (NaN without a reference line), sorted by ``P``.
    """
    subset = fit.task.setup.subset
    full, applied = data.base_table(subset)
    base = full.set_index("Model", drop=False)
    base.index.name = None
    if models is None:
        names = [m for m in base.index.astype(str) if m not in set(fit.task.frame.index)]
    else:
        if isinstance(models, str):
            models = [models]
        names = list(dict.fromkeys(models))
        everything = data.base_table("all")[0]["Model"].astype(str).tolist()
        _check_known(
            pd.Series(names, dtype=object), base.index.astype(str).tolist(), subset, everything
        )
    warn_errata(applied, data.BASE_TABLE, names)
    rows = base.loc[names]
    X = rows[list(fit.task.setup.benchmarks)]
    P = fit.law.capability_score(X)
    out = pd.DataFrame(
        {
            "Model": rows["Model"],
            "Model Family": rows["Model Family"],
            "log10_flops": rows["log10_flops"].astype(float),
            "P": P.to_numpy(dtype=float),
            "y_hat": fit.law.predict_from_capability(P.to_numpy(dtype=float)),
        }
    )
    if fit.reference is None:
        out["f_equiv_log10_flops"] = np.nan
    else:
        slope, intercept = fit.reference
        out["f_equiv_log10_flops"] = f_equivalent_log10_flops(out["P"], slope, intercept)
    return out.sort_values("P").reset_index(drop=True)
