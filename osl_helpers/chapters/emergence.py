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
from osl_helpers.data import short_name, short_names
from osl_helpers.evaluation import Comparison, Split, compare_predictors
from osl_helpers.evaluation import mse as _mse
from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.setups import (
    PAPER_SETUPS,
    TaskData,
    TaskSetup,
    authors_reference,
    describe_setups,
    load_task,
)

__all__ = [
    "APPENDIX_TASKS",
    "JUMP_COLUMNS",
    "MAIN_TASKS",
    "PREDICTORS",
    "EmergenceComparison",
    "authors_numbers",
    "compare_emergence",
    "cutoff_sweep",
    "excluded_numbers",
    "exercise_numbers",
    "family_jumps",
    "headline",
    "ipa_numbers",
    "jump_numbers",
    "jump_table",
    "mse_numbers",
    "mse_table",
    "pc_points",
    "split_table",
    "sweep_cutoffs",
    "sweep_numbers",
    "sweep_tasks",
    "sweep_wins",
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


#: Column names of :func:`jump_table`, each saying what it holds.
JUMP_COLUMNS = {
    "n": "models",
    "from_model": "last model before the jump",
    "to_model": "first model after it",
    "jump": "rise in accuracy at the jump",
    "share": "jump as a share of the family's rise",
}


def jump_table(jumps: pd.DataFrame) -> pd.DataFrame:
    """:func:`family_jumps` for display: one row per family, columns named by :data:`JUMP_COLUMNS`.

    The jump is the largest rise of accuracy between two neighbouring sizes
    of a family; its share is that rise over the family's whole range of
    accuracy (1: the family's transition happens in one step of its size grid).
    """
    require_columns(jumps, list(JUMP_COLUMNS), "jumps")
    return jumps[list(JUMP_COLUMNS)].rename(columns=JUMP_COLUMNS)


# --------------------------------------------------------------------------- numbers of the chapter


def split_table(tasks: Mapping[str, TaskData]) -> pd.DataFrame:
    """The setups of ``tasks`` with their numbers of training, test and unknown-compute models."""
    sizes = {
        "train": [int(t.train.sum()) for t in tasks.values()],
        "test": [int(t.test.sum()) for t in tasks.values()],
        "unknown_flops": [int(t.excluded.sum()) for t in tasks.values()],
    }
    return describe_setups().loc[list(tasks)].assign(**sizes)


def excluded_numbers(tasks: Mapping[str, TaskData]) -> dict[str, int | str]:
    """Models of unknown compute (in no fit, no test set) and Persian QA's below-chance models.

    The target is rescaled against chance, E = (raw − low) / (high − low), so a
    model below chance has E < 0.
    """
    excluded = sorted(set().union(*(t.frame.index[t.excluded] for t in tasks.values())))
    persian = tasks["persian_qa"]
    return {
        "em_n_excluded": len(excluded),
        "em_excluded": ", ".join(short_names(excluded)),
        "em_persian_below": int((persian.frame.loc[persian.train, "y"] < 0).sum()),
        "em_persian_n_train": int(persian.train.sum()),
    }


def authors_numbers(table: pd.DataFrame) -> dict[str, float | int]:
    """Largest relative gap (%) to the authors' test MSEs in ``table``, and Persian QA's reference.

    ``table`` is :func:`mse_table` with ``authors=True``. For Persian QA the
    authors' own run (``mse_as_run``) stopped short of the optimum of its objective.
    """
    labels = [PREDICTORS[p][0] for p in _AUTHORS_PREDICTOR]
    dev = max(float((table[c] / table[f"authors: {c}"] - 1).abs().max()) for c in labels)
    ref = authors_reference()
    persian = ("persian_qa", "pcs_3")
    return {
        "em_authors_dev": 100 * dev,
        "em_persian_as_run": float(ref["mse_as_run"][persian]),
        "em_persian_authors": float(ref["mse"][persian]),
        "em_persian_n_test": int(ref["n_test"][persian]),
    }


def mse_numbers(results: Mapping[str, EmergenceComparison]) -> dict[str, float]:
    """Test MSE of every predictor on every task, keyed ``em_{task}_{predictor}``."""
    return {f"em_{key}_{p}": r.test_mse(p) for key, r in results.items() for p in PREDICTORS}


def headline(results: Mapping[str, EmergenceComparison]) -> dict[str, float | int]:
    """The main comparison (Fig. 4): test MSEs, compute-to-PC ratios and PC wins.

    Also the largest prediction of the size law on 3-digit subtraction and the
    mean observed accuracy of its test models (key ``subtraction_3d`` of ``results``).
    """
    out: dict[str, float | int] = {}
    for key, r in results.items():
        out |= mse_numbers({key: r})
        out[f"em_{key}_ratio"] = r.test_mse("log_flops") / r.test_mse("pcs")
    out["em_n_pc_wins"] = sum(
        r.test_mse("pcs") < min(r.test_mse("log_flops"), r.test_mse("log_params"))
        for r in results.values()
    )
    out["em_n_tasks"] = len(results)
    pts = results["subtraction_3d"].points
    size = pts[(pts["split"] == "test") & (pts["predictor"] == "log_params")]
    out["em_sub_size_max"] = float(size["y_hat"].max())
    out["em_sub_test_mean"] = float(size["y"].mean())
    return out


def pc_points(result: EmergenceComparison) -> pd.DataFrame:
    """The PC-based points of ``result`` with each model's ``log10_params``."""
    pts = result.points[result.points["predictor"] == "pcs"]
    return pts.merge(result.fit.points[["Model", "log10_params"]], on="Model")


def jump_numbers(
    points: pd.DataFrame,
    jumps: pd.DataFrame,
    result: EmergenceComparison,
    family: str = "GPT-Neo/J",
) -> dict[str, float | int | str]:
    """The largest step of ``family`` (from :func:`family_jumps`) and the models inside it.

    ``em_n_between`` counts models of other families whose x lies strictly
    between the step's two models; ``em_width`` is the 10–90% width of the
    PC law's sigmoid in decades of equivalent compute (:func:`transition_width`).
    """
    lo, hi = str(jumps["from_model"][family]), str(jumps["to_model"][family])
    x, y = points.set_index("Model")["x"], points.set_index("Model")["y"]
    between = points[(points["x"] > x[lo]) & (points["x"] < x[hi])]
    between = between[between["Model Family"] != family]
    return {
        "em_neo_from": short_name(lo),
        "em_neo_to": short_name(hi),
        "em_neo_y0": float(y[lo]),
        "em_neo_y1": float(y[hi]),
        "em_neo_share": 100 * float(jumps["share"][family]),
        "em_n_between": len(between),
        "em_n_between_fam": between["Model Family"].nunique(),
        "em_width": transition_width(_slope(result.fit)),
    }


def _slope(fit: TaskFit) -> float:
    """w_f of the fit's reference line (Eq. 7)."""
    if fit.reference is None:
        raise OSLInputError(f"the law of {fit.task.setup.key!r} has no reference line")
    return fit.reference[0]


def sweep_cutoffs(task: TaskData, start: float = 21.6, step: float = 0.1) -> list[float]:
    """log10 cutoffs from ``start`` in steps of ``step`` up to the setup's own cutoff."""
    assert task.cutoff_log10_flops is not None
    end = task.cutoff_log10_flops
    return [*np.arange(start, end - 0.01, step), end]


def sweep_tasks(tasks: Mapping[str, TaskData]) -> pd.DataFrame:
    """:func:`cutoff_sweep` of every task over :func:`sweep_cutoffs`, with readable labels.

    ``predictor`` holds the label of :data:`PREDICTORS`, ``title`` the task's title.
    """
    sweep = pd.concat(
        [cutoff_sweep(t, sweep_cutoffs(t)) for t in tasks.values()], ignore_index=True
    )
    sweep["predictor"] = sweep["predictor"].map(lambda p: PREDICTORS[p][0])
    sweep["title"] = sweep["task"].map(lambda k: tasks[k].setup.title)
    return sweep


def sweep_wins(sweep: pd.DataFrame) -> pd.Series:
    """Per task, the share of the sweep's cutoffs at which the PCs beat log FLOPs on test MSE."""
    wide = sweep.pivot_table(index=["task", "log10_cutoff"], columns="predictor", values="test_mse")
    pcs, flops = PREDICTORS["pcs"][0], PREDICTORS["log_flops"][0]
    return (wide[pcs] < wide[flops]).groupby("task").mean()


def sweep_numbers(sweep: pd.DataFrame) -> dict[str, float]:
    """:func:`sweep_wins` in percent, and Persian QA's worst PC test MSE in the sweep."""
    wins = sweep_wins(sweep)
    out = {f"em_sweep_{key}": 100 * float(share) for key, share in wins.items()}
    out["em_sweep_all"] = 100 * float(wins.mean())
    late = sweep[(sweep["task"] == "persian_qa") & (sweep["predictor"] == PREDICTORS["pcs"][0])]
    out["em_persian_bad_max"] = float(late["test_mse"].max())
    worst = int(np.nanargmax(late["test_mse"].to_numpy(dtype=float)))
    out["em_persian_bad_ymax"] = float(late["max_train_y"].iloc[worst])
    return out


def ipa_numbers(result: EmergenceComparison) -> dict[str, float]:
    """The held-out models of IPA transliteration: how high they score, how the laws overshoot.

    ``em_ipa_pcs_noqwen`` is the PC law's test MSE without the two 72B Qwen models.
    """
    pts = result.points[result.points["split"] == "test"]
    pcs = pts[pts["predictor"] == "pcs"]
    qwen = pcs["Model"].isin(["Qwen/Qwen-72B", "Qwen/Qwen1.5-72B"])
    size = pts[pts["predictor"] == "log_params"]
    return {
        "em_ipa_max_y": float(pcs["y"].max()),
        "em_ipa_over": 100 * float((pcs["y_hat"] > pcs["y"]).mean()),
        "em_ipa_qwen_y": float(pcs.loc[qwen, "y"].max()),
        "em_ipa_pcs_noqwen": _mse(pcs.loc[~qwen, "y"], pcs.loc[~qwen, "y_hat"]),
        "em_ipa_size_max": float(size["y_hat"].max()),
        "em_ipa_mean_y": float(pcs["y"].mean()),
    }


def exercise_numbers(sub: EmergenceComparison) -> dict[str, float | int | str]:
    """Solutions of the exercises on 3-digit subtraction (``sub``, the paper's setup).

    Earlier cutoffs (1e22 and 4e22 FLOPs), K = 2 instead of 3, the law's β and
    its two heaviest benchmarks, and Llama as the reference family.
    """
    out: dict[str, float | int | str] = {}
    for c, name in ((1e22, "1e22"), (4e22, "4e22")):
        r = compare_emergence(PAPER_SETUPS["subtraction_3d"].with_(cutoff_flops=c))
        out[f"em_ex_{name}_n_train"] = int(r.table["n_train"].iloc[0])
        out[f"em_ex_{name}_n_test"] = int(r.table["n_test"].iloc[0])
        out |= {f"em_ex_{name}_{p}": r.test_mse(p) for p in PREDICTORS}
    r2 = compare_emergence("subtraction_3d", n_components=2)
    k2_test = r2.points.query("split == 'test' and predictor == 'pcs'")["y_hat"]
    out["em_ex_k2"] = r2.test_mse("pcs")
    out["em_ex_k2_max"] = float(k2_test.max())
    out["em_ex_k2_mean"] = float(k2_test.mean())
    out |= {f"em_ex_b{i}": float(b) for i, b in enumerate(sub.fit.law.beta_, start=1)}
    out["em_ex_k3_top"] = " and ".join(sub.fit.law.benchmark_weights_.abs().nlargest(2).index)
    llama = compare_emergence("subtraction_3d", reference_family="Llama")
    out["em_ex_llama_pcs"] = llama.test_mse("pcs")
    out["em_ex_llama_width"] = transition_width(_slope(llama.fit))
    return out
