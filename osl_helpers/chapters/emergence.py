"""'Emergent' capabilities as sigmoids of principal capabilities (Sec. 4.1, Fig. 4).

Wei et al. (2022) called some BIG-Bench tasks emergent because accuracy stays
at the floor and then rises abruptly with scale. Ruan, Maddison & Hashimoto
(2024) fit the law of Eq. 6, E = σ(βᵀS + α) (plain sigmoid, Huber loss), on
weak models only and predict the strong ones; plotted against Llama-2-equivalent
FLOPs (Eq. 8) the transition is a smooth sigmoid that small models already
anticipate.

:func:`compare_emergence` puts the three predictors of that comparison side
by side on one task: the principal capabilities S (shown on the axis of
Llama-2-equivalent FLOPs), log training FLOPs and log model size. All three
are fitted with the same sigmoid law on the same training models and scored
on one identical test set (via :func:`~osl_helpers.evaluation.compare_predictors`).
:func:`cutoff_sweep` moves the training cutoff earlier while keeping that test
set fixed, to show how early the transition can be predicted.
:func:`mse_table` lays the test errors of several tasks side by side, with the
authors' own numbers for the same models where they exist.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from osl_helpers._validation import (
    NotEnoughModelsError,
    OSLConvergenceWarning,
    OSLInputError,
    check_number,
    require_columns,
)
from osl_helpers.evaluation import Comparison, Split, compare_predictors
from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.setups import TaskData, TaskSetup, authors_reference, load_task

__all__ = [
    "APPENDIX_TASKS",
    "MAIN_TASKS",
    "PREDICTORS",
    "EmergenceComparison",
    "compare_emergence",
    "cutoff_sweep",
    "family_jumps",
    "mse_table",
    "transition_width",
]

#: The four tasks Wei et al. (2022) called emergent, as in Fig. 4 of the paper.
MAIN_TASKS: tuple[str, ...] = (
    "word_unscramble", "persian_qa", "subtraction_3d", "multiplication_2d",
)  # fmt: skip
#: The further emergent tasks of the paper's appendix.
APPENDIX_TASKS: tuple[str, ...] = ("addition_3d", "addition_2d", "ipa_em", "ipa_bleu")

PredictorKey = Literal["pcs", "log_flops", "log_params"]

#: Predictor key → (label, title of its horizontal axis).
PREDICTORS: dict[str, tuple[str, str]] = {
    "pcs": ("principal capabilities", "Llama-2-equivalent log10 FLOPs"),
    "log_flops": ("log training FLOPs", "log10 training FLOPs"),
    "log_params": ("log model size", "log10 parameters"),
}
_X_COLUMN = {"log_flops": "log10_flops", "log_params": "log10_params"}


@dataclass(frozen=True)
class EmergenceComparison:
    """Three predictors of one emergent task, fitted and scored like for like.

    ``table``: one row per predictor — ``predictor`` (key), ``label``,
    ``n_train``, ``n_test``, ``train_mse``, ``test_mse``, ``test_mae``.
    ``points``: one row per model and predictor — ``Model``, ``Model Family``,
    ``split``, ``y``, ``predictor``, ``x`` (the predictor's axis: Llama-2-equivalent
    log10 FLOPs for the PCs, else log10 FLOPs or log10 parameters) and ``y_hat``.
    ``curves``: the fitted sigmoid of each predictor on a grid of ``x``.
    ``test_models``: the one test set every predictor is scored on.
    ``fit``: the PC-based :class:`~osl_helpers.experiments.TaskFit`.
    """

    key: str
    title: str
    table: pd.DataFrame
    points: pd.DataFrame
    curves: pd.DataFrame
    test_models: tuple[str, ...]
    dropped: pd.DataFrame
    comparison: Comparison
    fit: TaskFit
    cutoff_log10_flops: float

    def test_mse(self, predictor: str) -> float:
        """Test MSE of one predictor (``"pcs"``, ``"log_flops"`` or ``"log_params"``)."""
        row = self.table.loc[self.table["predictor"] == predictor, "test_mse"]
        if row.empty:
            raise OSLInputError(f"unknown predictor {predictor!r}; use one of {list(PREDICTORS)}")
        return float(row.iloc[0])

    @property
    def best(self) -> str:
        """Key of the predictor with the lowest test MSE."""
        i = int(np.argmin(self.table["test_mse"].to_numpy(dtype=float)))
        return str(self.table["predictor"].iloc[i])


def _resolve(task: TaskData | TaskSetup | str) -> TaskData:
    out = task if isinstance(task, TaskData) else load_task(task)
    if out.setup.split != "flops" or out.cutoff_log10_flops is None:
        raise OSLInputError(f"setup {out.setup.key!r} is not split by a FLOPs cutoff")
    return out


def _compare(task: TaskData, split: Split, k: int) -> Comparison:
    s = task.setup
    return compare_predictors(
        task.frame,
        "y",
        list(s.benchmarks),
        split,
        predictors=(k, "log_flops", "log_params"),
        link=s.link,
        loss=s.loss,
        huber_delta=s.huber_delta,
    )


def _grid(x: pd.Series, n: int, pad: float = 0.25) -> np.ndarray:  # type: ignore[type-arg]
    lo, hi = float(x.min()), float(x.max())
    return np.linspace(lo - pad, hi + pad, n)


def compare_emergence(
    task: TaskData | TaskSetup | str,
    n_components: int | None = None,
    reference_family: str = "Llama-2",
    grid_size: int = 200,
) -> EmergenceComparison:
    """Fit E = σ(·) on the weak models of an emergent task with three predictors (Sec. 4.1).

    The predictors are the K principal capabilities S (Eq. 6, the paper's
    method), log10 training FLOPs and log10 parameters, each with the setup's
    link and loss. Models lacking any predictor's input are removed from every
    arm, so all three are scored on the same test models. The PC-based fit is
    mapped to ``reference_family``-equivalent FLOPs (Eqs. 7–8) for plotting;
    that relabelling of the axis leaves its predictions unchanged.
    """
    data = _resolve(task)
    k = n_components if n_components is not None else data.setup.n_components
    split = Split(data.train, data.test, data.excluded, "FLOPs cutoff", data.excluded_reason)
    cmp = _compare(data, split, k)
    preds = cmp.predictions
    pc_name = cmp.table["predictor"].iloc[0]

    # The PC arm again through fit_task, on exactly the models compare_predictors kept,
    # to get P and the f-equivalent axis.
    usable = data.frame["Model"].isin(set(preds["Model"]))
    restricted = replace(data, train=data.train & usable, test=data.test & usable, excluded=~usable)
    fit = fit_task(restricted, n_components=k, reference_family=reference_family,
                   grid_size=grid_size)  # fmt: skip
    if fit.reference is None:
        raise OSLInputError(f"no reference line for family {reference_family!r}")

    scored = fit.points[fit.points["split"] != "excluded"]
    parts = [
        pd.DataFrame(
            {
                "Model": scored["Model"].to_numpy(),
                "Model Family": scored["Model Family"].to_numpy(),
                "split": scored["split"].to_numpy(),
                "y": scored["y"].to_numpy(),
                "predictor": "pcs",
                "x": scored["f_equiv_log10_flops"].to_numpy(),
                "y_hat": scored["y_hat"].to_numpy(),
            }
        )
    ]
    curves = [
        pd.DataFrame(
            {"predictor": "pcs", "x": fit.curve["f_equiv_log10_flops"], "y_hat": fit.curve["y_hat"]}
        )
    ]
    frame = data.frame.set_index("Model", drop=False)
    for key, column in _X_COLUMN.items():
        arm = preds[preds["predictor"] == key]
        x = frame.loc[arm["Model"], column].to_numpy(dtype=float)
        arm = arm.assign(predictor=key, x=x)
        parts.append(arm[["Model", "Model Family", "split", "y", "predictor", "x", "y_hat"]])
        grid = _grid(pd.Series(x), grid_size)
        curves.append(
            pd.DataFrame({"predictor": key, "x": grid, "y_hat": cmp.fitted[key].predict(grid)})
        )

    table = cmp.table.assign(predictor=cmp.table["predictor"].replace({pc_name: "pcs"}))
    table.insert(1, "label", table["predictor"].map(lambda p: PREDICTORS[p][0]))
    test_models = tuple(sorted(preds.loc[(preds["predictor"] == pc_name)
                                         & (preds["split"] == "test"), "Model"]))  # fmt: skip
    assert data.cutoff_log10_flops is not None
    return EmergenceComparison(
        key=data.setup.key,
        title=data.setup.title,
        table=table.reset_index(drop=True),
        points=pd.concat(parts, ignore_index=True),
        curves=pd.concat(curves, ignore_index=True),
        test_models=test_models,
        dropped=cmp.dropped,
        comparison=cmp,
        fit=fit,
        cutoff_log10_flops=data.cutoff_log10_flops,
    )


#: The authors' reference keys of the predictors they report (3 PCs and log FLOPs).
_AUTHORS_PREDICTOR = {"pcs": "pcs_3", "log_flops": "log_flops"}


def mse_table(results: Mapping[str, EmergenceComparison], authors: bool = False) -> pd.DataFrame:
    """Test MSE of every predictor on several tasks, one row per task (index: its title).

    Columns: ``n_test`` (the one test set of the task), one column per predictor
    label (:data:`PREDICTORS`) and ``best`` (the label with the lowest error).
    With ``authors=True`` two more columns, ``authors: principal capabilities``
    and ``authors: log training FLOPs``, each placed after the book's column of
    the same predictor, give the held-out MSE that the authors' released code
    reaches on the same training and test models at the optimum of its
    objective (:func:`~osl_helpers.setups.authors_reference`). A task without
    such a reference, or whose reference was scored on other test models,
    raises :class:`~osl_helpers._validation.OSLInputError`.
    """
    if not results:
        raise OSLInputError("no task given")
    rows = {}
    for r in results.values():
        row: dict[str, object] = {"n_test": len(r.test_models)}
        row |= {PREDICTORS[p][0]: r.test_mse(p) for p in PREDICTORS}
        row["best"] = PREDICTORS[r.best][0]
        rows[r.title] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    if not authors:
        return out
    ref = authors_reference()
    mse, n_test = ref["mse"].to_dict(), ref["n_test"].to_dict()
    for predictor, ref_key in _AUTHORS_PREDICTOR.items():
        values = []
        for r in results.values():
            if (r.key, ref_key) not in mse:
                raise OSLInputError(f"no reference number of the authors for {r.key!r}")
            theirs = int(n_test[(r.key, ref_key)])
            if theirs != len(r.test_models):
                raise OSLInputError(
                    f"{r.key!r}: the authors scored {theirs} test models, "
                    f"this comparison {len(r.test_models)}; the errors are not comparable"
                )
            values.append(float(mse[(r.key, ref_key)]))
        label = PREDICTORS[predictor][0]
        out.insert(list(out.columns).index(label) + 1, f"authors: {label}", values)
    return out


def cutoff_sweep(
    task: TaskData | TaskSetup | str,
    log10_cutoffs: Sequence[float],
    n_components: int | None = None,
) -> pd.DataFrame:
    """Test MSE when the law sees only models below earlier cutoffs; the test set stays fixed.

    For each log10 cutoff c ≤ the setup's own, the sigmoid law is fitted on the
    models with log10 FLOPs ≤ c, with the principal capabilities and with log
    FLOPs, and scored on the setup's test set (models above its cutoff). Models
    between c and the setup's cutoff are used by neither. Returns one row per
    cutoff and predictor: ``task``, ``log10_cutoff``, ``predictor``,
    ``n_train``, ``n_test``, ``max_train_y`` (how far into the transition the
    training models reach), ``test_mse`` and ``converged``. Cutoffs leaving
    fewer than K + 2 training models are skipped.
    """
    data = _resolve(task)
    assert data.cutoff_log10_flops is not None
    k = n_components if n_components is not None else data.setup.n_components
    lf = data.frame["log10_flops"]
    rows = []
    for c in sorted(check_number("log10_cutoffs", v, example="22.5") for v in log10_cutoffs):
        if c > data.cutoff_log10_flops + 1e-9:
            raise OSLInputError(
                f"cutoff {c} is after the setup's own ({data.cutoff_log10_flops:.3f}); "
                "the test set would change"
            )
        train = lf.notna() & (lf <= c + 1e-9)
        if int(train.sum()) < k + 2:
            continue
        split = Split(train, data.test, ~(train | data.test), f"log10 FLOPs ≤ {c:.2f}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OSLConvergenceWarning)
            try:
                cmp = _compare(data, split, k)
            except NotEnoughModelsError:
                continue
        converged = not any(issubclass(w.category, OSLConvergenceWarning) for w in caught)
        for key, rec in zip(("pcs", "log_flops"), cmp.table.to_dict("records"), strict=False):
            rows.append(
                {
                    "task": data.setup.key,
                    "log10_cutoff": c,
                    "predictor": key,
                    "n_train": int(rec["n_train"]),
                    "n_test": int(rec["n_test"]),
                    "max_train_y": float(data.y[train].max()),
                    "test_mse": float(rec["test_mse"]),
                    "converged": converged,
                }
            )
    return pd.DataFrame(rows)


def transition_width(slope: float, low: float = 0.1, high: float = 0.9) -> float:
    """Width of the sigmoid's rise from ``low`` to ``high``, in units of its axis.

    For E = σ(w·x + b) (Eq. 6 with P = w·x + b, Eq. 7), E goes from ``low`` to
    ``high`` over Δx = (logit(high) − logit(low)) / w; from 10% to 90% that is
    2·ln 9 / w. With x the reference family's log10 FLOPs (Eq. 8), w is that
    family's slope w_f and the width is in decades of equivalent compute.
    """
    slope = check_number("slope", slope)
    low, high = check_number("low", low), check_number("high", high)
    if not (0 < low < high < 1):
        raise OSLInputError(f"need 0 < low < high < 1; got {low}, {high}")
    if not math.isfinite(slope) or slope <= 0:
        raise OSLInputError(f"slope must be finite and positive; got {slope}")

    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    return (logit(high) - logit(low)) / slope


def family_jumps(
    points: pd.DataFrame, x: str = "log10_params", min_models: int = 3
) -> pd.DataFrame:
    """Largest rise of y between consecutive sizes within each family.

    ``points`` needs ``Model``, ``Model Family``, ``y`` and ``x``. Families with
    at least ``min_models`` models are sorted by ``x``; the result has one row
    per family: ``family``, ``n``, ``from_model``, ``to_model``, ``jump`` (the
    largest increase of y between neighbours) and ``share`` (that jump over the
    family's total range of y). A share near 1 means the family's whole
    transition happens in one step of its size grid.
    """
    require_columns(points, ["Model", "Model Family", "y", x], "points")
    rows = []
    for fam, grp in points.dropna(subset=[x, "y"]).groupby("Model Family", sort=True):
        if len(grp) < min_models:
            continue
        g = grp.sort_values([x, "y"])
        dy = g["y"].diff().to_numpy()[1:]
        i = int(np.argmax(dy))
        span = float(g["y"].max() - g["y"].min())
        rows.append(
            {
                "family": str(fam),
                "n": len(g),
                "from_model": str(g["Model"].iloc[i]),
                "to_model": str(g["Model"].iloc[i + 1]),
                "jump": float(dy[i]),
                "share": float(dy[i] / span) if span > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["family", "n", "from_model", "to_model", "jump", "share"])
