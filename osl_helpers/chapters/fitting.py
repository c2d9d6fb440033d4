"""Fitting an observational scaling law step by step: the numbers the chapter quotes.

The chapter runs Algorithm A.1 of Ruan, Maddison & Hashimoto (2024) on one
target (GSM8K with chain-of-thought) in plain view: impute B, extract S
(Eq. 5), fit Eq. 6, read off P = βᵀS + α (Eq. 7) and the f-equivalent compute
(Eq. 8). The functions here only gather what the prose quotes about those
steps, each as a dict of plain numbers keyed by the glue names of the chapter:

* :func:`setup_numbers`, :func:`imputation_numbers` — the split and the holes of B;
* :func:`roundtrip_numbers`, :func:`famous_table`, :func:`famous_numbers` —
  Eq. 8 on the reference family itself and on well-known models;
* :func:`weight_numbers` — the extreme benchmark weights βᵀγ;
* :func:`comparison_numbers`, :func:`error_numbers`, :func:`authors_numbers` —
  the PC law against the law in log compute on one test set;
* :func:`byo_numbers`, :func:`unseen_numbers` — a law fitted on your own scores;
* :func:`exercise_numbers`, :func:`scale_numbers` — the exercises' solutions.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from osl_helpers.compute import fit_family_lines
from osl_helpers.data import load_base_benchmarks, short_name, short_names
from osl_helpers.evaluation import mse
from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.imputation import PCAImputer
from osl_helpers.setups import TaskData, TaskSetup, authors_reference, load_task

__all__ = [
    "FAMOUS",
    "authors_numbers",
    "byo_numbers",
    "comparison_numbers",
    "error_numbers",
    "exercise_numbers",
    "famous_numbers",
    "famous_table",
    "imputation_numbers",
    "p_lines",
    "predictor_labels",
    "roundtrip_numbers",
    "scale_numbers",
    "setup_numbers",
    "unseen_numbers",
    "weight_numbers",
]

#: Well-known models whose Llama-2-equivalent compute the chapter tabulates.
FAMOUS = (
    "meta-llama/Llama-2-7b-hf",
    "meta-llama/Llama-2-70b-hf",
    "mistralai/Mistral-7B-v0.1",
    "mistralai/Mixtral-8x7B-v0.1",
    "microsoft/phi-2",
    "Qwen/Qwen-72B",
    "Qwen/Qwen1.5-72B",
    "meta-llama/Meta-Llama-3-70B",
)


def setup_numbers(task: TaskData) -> dict[str, Any]:
    """Size of the split of ``task``: models, training and test models, cutoff and benchmarks."""
    setup = task.setup
    return {
        "n_models": len(task.frame),
        "n_train": int(task.train.sum()),
        "n_test": int(task.test.sum()),
        "cutoff": setup.cutoff_flops,
        "excluded": " and ".join(short_names(task.frame.index[task.excluded])),
        "n_bench": len(setup.benchmarks),
        "bench_list": ", ".join(setup.benchmarks),
    }


def imputation_numbers(task: TaskData, imputer: PCAImputer) -> dict[str, int]:
    """Missing cells of B (all, in training rows, in held-out rows) and the imputer's iterations."""
    holes = task.X.isna()
    return {
        "n_holes": int(holes.to_numpy().sum()),
        "n_holes_train": int(holes.loc[task.train].to_numpy().sum()),
        "n_holes_test": int(holes.loc[~task.train].to_numpy().sum()),
        "imputer_iter": int(imputer.n_iter_),
    }


def p_lines(points: pd.DataFrame) -> pd.DataFrame:
    """Per-family lines P = w_f log10 C + b_f (Eq. 7), keyed by ``Model Family`` as ``points``."""
    lines = fit_family_lines(points, x="log10_flops", y="P")
    return lines.rename(columns={"family": "Model Family"})


def roundtrip_numbers(
    points: pd.DataFrame, f_equiv: pd.Series, w_f: float, b_f: float, family: str = "Llama-2"
) -> dict[str, float | int]:
    """The reference line (w_f, b_f) and how well Eq. 8 maps ``family`` back to its own compute.

    ``f_equiv`` is log10 C̄_f of every model; ``max_roundtrip`` is the largest
    abs(log10 C̄_f − log10 C) over the family, ``same_as_fit`` the largest gap to
    the column ``f_equiv_log10_flops`` of ``points``.
    """
    members = points["Model Family"] == family
    roundtrip = (f_equiv - points["log10_flops"])[members]
    return {
        "w_f": w_f,
        "b_f": b_f,
        "n_llama2": int(members.sum()),
        "max_roundtrip": float(roundtrip.abs().max()),
        "max_roundtrip_factor": float(10 ** roundtrip.abs().max()),
        "same_as_fit": float(np.max(np.abs(f_equiv - points["f_equiv_log10_flops"]))),
    }


def famous_table(
    points: pd.DataFrame, f_equiv: pd.Series, models: tuple[str, ...] = FAMOUS
) -> pd.DataFrame:
    """Actual and Llama-2-equivalent log10 compute (Eq. 8), their ratio and Ê of ``models``."""
    at = points.loc[list(models)]
    equiv = f_equiv[list(models)]
    return pd.DataFrame(
        {
            "split": at["split"],
            "log10 FLOPs": at["log10_flops"],
            "Llama-2-equiv. log10 FLOPs": equiv,
            "equiv. / actual": 10 ** (equiv - at["log10_flops"]),
            "E observed": at["y"],
            "E predicted": at["y_hat"],
        }
    )


def famous_numbers(table: pd.DataFrame, f_equiv: pd.Series) -> dict[str, float]:
    """Equivalent-to-actual compute of phi-2 and Llama-3-70B; C̄_f of Mistral, Mixtral, Llama-2-70B."""
    ratio = table["equiv. / actual"]
    return {
        "ratio_phi2": float(ratio["microsoft/phi-2"]),
        "ratio_llama3": float(ratio["meta-llama/Meta-Llama-3-70B"]),
        "feq_mistral": float(10 ** f_equiv["mistralai/Mistral-7B-v0.1"]),
        "feq_mixtral": float(10 ** f_equiv["mistralai/Mixtral-8x7B-v0.1"]),
        "feq_llama2_70b": float(10 ** f_equiv["meta-llama/Llama-2-70b-hf"]),
    }


def weight_numbers(weights: pd.Series) -> dict[str, Any]:
    """The benchmarks with the largest and the most negative weight βᵀγ, and the weights."""
    ordered = weights.sort_values(ascending=False)
    return {
        "top_bench": str(ordered.index[0]),
        "top_weight": float(ordered.iloc[0]),
        "neg_bench": str(ordered.index[-1]),
        "neg_weight": float(ordered.iloc[-1]),
    }


def predictor_labels(k: int) -> dict[str, str]:
    """Readable names of the two predictors of :func:`~osl_helpers.evaluation.compare_predictors`."""
    return {f"{k} PCs": f"{k} principal capabilities", "log_flops": "log10 training FLOPs"}


def comparison_numbers(table: pd.DataFrame, k: int) -> dict[str, float | int]:
    """Test MSE of the K-PC law and of the law in log compute, their ratio and the test size.

    ``table`` is the ``table`` of a :class:`~osl_helpers.evaluation.Comparison`,
    indexed by predictor.
    """
    test_mse = table["test_mse"]
    return {
        "mse_pcs": float(test_mse[f"{k} PCs"]),
        "mse_flops": float(test_mse["log_flops"]),
        "mse_ratio": float(test_mse["log_flops"] / test_mse[f"{k} PCs"]),
        "n_cmp_test": int(table["n_test"]["log_flops"]),
    }


def error_numbers(predictions: pd.DataFrame, k: int) -> dict[str, float | int]:
    """Held-out models the compute law under-predicts, and the mean under-prediction of Qwen.

    ``qwen_err_*`` is the mean of y − Ê over the Qwen and Qwen1.5 test models.
    """
    test = predictions[predictions["split"] == "test"]
    err = test["y_hat"] - test["y"]
    qwen = test["Model Family"].isin(["Qwen", "Qwen1.5"])
    err_qwen = err[qwen].groupby(test["predictor"][qwen]).mean()
    return {
        "n_under_flops": int((err[test["predictor"] == "log_flops"] < 0).sum()),
        "qwen_err_flops": float(-err_qwen["log_flops"]),
        "qwen_err_pc": float(-err_qwen[f"{k} PCs"]),
    }


def authors_numbers(
    points: pd.DataFrame, table: pd.DataFrame, key: str = "gsm8k_cot"
) -> dict[str, float | int]:
    """Our held-out MSEs on the authors' split against their released code's.

    The authors score the capability law on every held-out model, compute known or
    not; ``ref_max_rel_diff`` is the larger relative gap of the two laws' MSEs.
    """
    held_out = points[points["split"] != "train"]
    reference = authors_reference().loc[key]["mse"]
    ours = mse(held_out["y"], held_out["y_hat"])
    rel_pcs = ours / reference["pcs_3"] - 1
    rel_flops = table["test_mse"]["log_flops"] / reference["log_flops"] - 1
    return {
        "n_authors_test": len(held_out),
        "mse_pcs_authors_split": ours,
        "ref_mse_pcs": float(reference["pcs_3"]),
        "ref_mse_flops": float(reference["log_flops"]),
        "ref_max_rel_diff": float(max(abs(rel_pcs), abs(rel_flops))),
    }


def byo_numbers(scores: pd.DataFrame, fit: TaskFit) -> dict[str, float | int]:
    """How many of your scored models the law was fitted on, tested on and left out; test MSE."""
    return {
        "byo_n": len(scores),
        "byo_train": int(fit.task.train.sum()),
        "byo_test": int(fit.task.test.sum()),
        "byo_test_mse": fit.test_mse,
        "byo_excluded": int(fit.task.excluded.sum()),
    }


def unseen_numbers(unseen: pd.DataFrame, fit: TaskFit) -> dict[str, Any]:
    """MSE and extremes of the predictions for models you did not score, and the fitted h."""
    return {
        "byo_n_big": len(unseen),
        "byo_big_mse": mse(unseen["y"], unseen["y_hat"]),
        "byo_max_pred": float(unseen["y_hat"].max()),
        "byo_max_y": float(unseen["y"].max()),
        "byo_max_model": short_name(str(unseen.set_index("Model")["y"].idxmax())),
        "byo_h": fit.law.h_,
        "byo_floor": 1 - fit.law.h_,
    }


def exercise_numbers(task: TaskData, fit: TaskFit) -> dict[str, Any]:
    """Solutions of the exercises on the cutoff, on K and on the Huber loss.

    ``fit`` is the law of ``task`` (cutoff at Llama-2-7B). The cutoff moves to
    Llama-2-13B and both laws are scored on the new test set; K becomes 1 and 4;
    the loss becomes squared.
    """
    setup = task.setup
    task13 = load_task(setup.with_(cutoff_model="meta-llama/Llama-2-13b-hf", cutoff_flops=None))
    fit13 = fit_task(task13)
    same = fit.points.loc[task13.test]
    added = task13.train & ~task.train
    above = fit.points.loc[added, "y"] - fit.points.loc[added, "y_hat"] > 0.05
    fit4 = fit_task(task, n_components=4)
    squared = fit_task(setup.with_(loss="squared"))
    return {
        "ex_n_train13": int(task13.train.sum()),
        "ex_n_test13": int(task13.test.sum()),
        "ex_mse13": fit13.test_mse,
        "ex_mse7_on13": mse(same["y"], same["y_hat"]),
        "ex_added_high": " and ".join(short_names(above.index[above])),
        "ex_bias13": float((fit13.points.loc[task13.test, "y_hat"] - same["y"]).mean()),
        "ex_bias7": float((same["y_hat"] - same["y"]).mean()),
        "ex_mse_k1": fit_task(task, n_components=1).test_mse,
        "ex_mse_k4": fit4.test_mse,
        "ex_train_k4": fit4.train_mse,
        "ex_huber_diff": float(np.max(np.abs(squared.points["y_hat"] - fit.points["y_hat"]))),
    }


def scale_numbers(task: TaskData, fit: TaskFit, post: pd.DataFrame) -> dict[str, Any]:
    """Eq. 6 read as a floor (the paper) against h read as a ceiling (``capped_sigmoid``).

    Both laws predict the held-out models and the models released after the
    paper (``post`` holds their target column).
    """
    setup: TaskSetup = task.setup
    capped = fit_task(setup.with_(link="capped_sigmoid"))
    later = load_base_benchmarks("preregistered").set_index("Model")
    later = later.join(post.set_index("Model")[setup.column].rename("y"), how="inner")
    out: dict[str, Any] = {}
    for name, f in {"paper": fit, "capped": capped}.items():
        pred = f.law.predict(later[list(setup.benchmarks)])
        out[f"scale_{name}_h"] = f.law.h_
        out[f"scale_{name}_test"] = f.test_mse
        out[f"scale_{name}_later"] = mse(later["y"], pred)
        out[f"scale_{name}_max"] = float(pred.max())
    out["scale_n_later"] = len(later)
    out["scale_n_test_above"] = int((task.y_test > capped.law.h_).sum())
    out["scale_n_above"] = int((later["y"] > capped.law.h_).sum())
    out["scale_later_max"] = float(later["y"].max())
    return out
