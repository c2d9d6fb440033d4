"""Agent capabilities from simple benchmarks (Sec. 4.2): the numbers the chapter quotes.

Ruan, Maddison & Hashimoto (2024) fit Eq. 6 on the principal capabilities of
instruction-tuned models, open and closed, to predict AgentBench and
AgentBoard, holding out the strongest agents. Compute is unknown for the closed
models, so the law in capabilities is the only one possible. Each function
returns plain numbers keyed by the glue names of the chapter.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from osl_helpers.experiments import TaskFit, fit_task
from osl_helpers.setups import TaskData, authors_reference

__all__ = [
    "BENCHMARKS",
    "best_k_numbers",
    "exercise_numbers",
    "fit_numbers",
    "task_numbers",
    "weight_numbers",
]

#: The two targets of the chapter and the names its charts give them.
BENCHMARKS = {"agentbench": "AgentBench", "agentboard": "AgentBoard"}


def task_numbers(tasks: Mapping[str, TaskData]) -> dict[str, int | str]:
    """Per target, the number of models with a score and the held-out ones (top 10%)."""
    out: dict[str, int | str] = {}
    for key, task in tasks.items():
        out[f"{key}_n"] = len(task.frame)
        out[f"{key}_heldout"] = ", ".join(task.frame.index[task.test])
    return out


def fit_numbers(fits: Mapping[str, TaskFit]) -> dict[str, float | int]:
    """Per target: test MSE, the authors' test MSE, the largest abs(Ê − y) held out, training size."""
    authors = authors_reference()["mse"]
    out: dict[str, float | int] = {}
    for key, fit in fits.items():
        test = fit.points[fit.points["split"] == "test"]
        out[f"{key}_authors_mse"] = float(authors[(key, "pcs_3")])
        out[f"{key}_mse"] = fit.test_mse
        out[f"{key}_err"] = float((test["y_hat"] - test["y"]).abs().max())
        out[f"{key}_ntrain"] = int((fit.points["split"] == "train").sum())
    return out


def weight_numbers(weights: pd.DataFrame) -> dict[str, float | str]:
    """The benchmarks with the largest weight βᵀγ, and the weights of HumanEval, MMLU and GSM8K.

    ``weights`` is long: ``target``, ``benchmark``, ``weight``.
    """
    top = weights.loc[weights.groupby("target")["weight"].idxmax(), "benchmark"]
    w = weights.pivot(index="benchmark", columns="target", values="weight")
    return {
        "top_weight": ", ".join(sorted(set(top))),
        "he_bench": float(w["agentbench"]["HumanEval"]),
        "mmlu_bench": float(w["agentbench"]["MMLU"]),
        "mmlu_board": float(w["agentboard"]["MMLU"]),
        "gsm_bench": float(w["agentbench"]["GSM8K"]),
        "gsm_board": float(w["agentboard"]["GSM8K"]),
    }


def best_k_numbers(by_k: pd.DataFrame) -> dict[str, int]:
    """The number of capabilities K with the lowest held-out MSE, per target.

    ``by_k`` is long: ``target``, ``K``, ``test_mse``.
    """
    best = by_k.loc[by_k.groupby("target")["test_mse"].idxmin()].set_index("target")["K"]
    return {"best_k_bench": int(best["agentbench"]), "best_k_board": int(best["agentboard"])}


def exercise_numbers(fits: Mapping[str, TaskFit]) -> dict[str, float]:
    """Solutions of the exercises: the agent laws without HumanEval; AgentBoard's progress rate.

    ``fits`` are the paper's fits of both targets. ``ag_ex_mse_<key>`` and
    ``ag_ex_nohe_mse_<key>`` are the held-out MSEs with and without HumanEval
    among the inputs, ``ag_ex_nohe_<model>`` the prediction without it of each
    held-out AgentBench model (``gpt4``, ``claude2``). ``ag_ex_sr_err`` and
    ``ag_ex_pr_err`` are the errors (observed − predicted) on AgentBoard's held-out
    model of the success-rate and the progress-rate law, ``ag_ex_sr_y`` and
    ``ag_ex_pr_y`` its observed scores.
    """
    out: dict[str, float] = {}
    for key, fit in fits.items():
        setup = fit.task.setup
        kept = tuple(b for b in setup.benchmarks if b != "HumanEval")
        nohe = fit_task(setup.with_(benchmarks=kept))
        out[f"ag_ex_mse_{key}"] = fit.test_mse
        out[f"ag_ex_nohe_mse_{key}"] = nohe.test_mse
        if key == "agentbench":
            test = nohe.points[nohe.points["split"] == "test"]
            for model, name in (("gpt-4-0613", "gpt4"), ("claude-2.0", "claude2")):
                out[f"ag_ex_nohe_{name}"] = float(test["y_hat"][model])
                out[f"ag_ex_y_{name}"] = float(test["y"][model])
                out[f"ag_ex_yhat_{name}"] = float(fit.points["y_hat"][model])
    board = fits["agentboard"]
    progress = fit_task(board.task.setup.with_(column="ABoard-Avg_PR"))
    for name, f in (("sr", board), ("pr", progress)):
        test = f.points[f.points["split"] == "test"]
        out[f"ag_ex_{name}_y"] = float(test["y"].iloc[0])
        out[f"ag_ex_{name}_err"] = float((test["y"] - test["y_hat"]).iloc[0])
        out[f"ag_ex_{name}_rel"] = out[f"ag_ex_{name}_err"] / out[f"ag_ex_{name}_y"]
        out[f"ag_ex_{name}_mse"] = f.test_mse
    return out
