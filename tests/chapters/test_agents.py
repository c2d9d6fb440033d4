"""Unit tests of osl_helpers.chapters.agents: the numbers the agents chapter quotes."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import agents
from osl_helpers.charts import agents as agc

KEYS = ("agentbench", "agentboard")


@pytest.fixture(scope="module")
def tasks() -> dict[str, osl.setups.TaskData]:
    return {k: osl.load_task(k) for k in KEYS}


def test_task_numbers(tasks: dict[str, osl.setups.TaskData]) -> None:
    n = agents.task_numbers(tasks)
    for key, task in tasks.items():
        assert n[f"{key}_n"] == len(task.frame)
        assert n[f"{key}_heldout"].split(", ") == list(task.frame.index[task.test])


def test_fit_numbers(tasks: dict[str, osl.setups.TaskData]) -> None:
    fits = {k: osl.fit_task(t) for k, t in tasks.items()}
    n = agents.fit_numbers(fits)
    for key, fit in fits.items():
        assert n[f"{key}_mse"] == fit.test_mse
        assert n[f"{key}_err"] ** 2 >= fit.test_mse  # the largest error bounds the mean square
        assert n[f"{key}_ntrain"] == int(tasks[key].train.sum())
        assert n[f"{key}_mse"] == pytest.approx(n[f"{key}_authors_mse"], rel=0.02)


def test_weight_numbers() -> None:
    weights = pd.DataFrame(
        {
            "target": ["agentbench"] * 3 + ["agentboard"] * 3,
            "benchmark": ["HumanEval", "MMLU", "GSM8K"] * 2,
            "weight": [3.0, 2.0, -1.0, 0.5, -0.1, 2.0],
        }
    )
    n = agents.weight_numbers(weights)
    assert n["top_weight"] == "GSM8K, HumanEval"
    assert (n["he_bench"], n["mmlu_bench"], n["mmlu_board"]) == (3.0, 2.0, -0.1)
    assert (n["gsm_bench"], n["gsm_board"]) == (-1.0, 2.0)


def test_best_k_numbers_take_the_first_minimum() -> None:
    by_k = pd.DataFrame(
        {
            "target": ["agentbench"] * 3 + ["agentboard"] * 3,
            "K": [1, 2, 3] * 2,
            "test_mse": [0.3, 0.1, 0.1, 0.2, 0.3, 0.1],
        }
    )
    assert agents.best_k_numbers(by_k) == {"best_k_bench": 2, "best_k_board": 3}


def test_exercise_numbers(tasks: dict[str, osl.setups.TaskData]) -> None:
    fits = {k: osl.fit_task(t) for k, t in tasks.items()}
    n = agents.exercise_numbers(fits)
    # Without HumanEval both laws predict worse, AgentBench by more than ten times,
    # and both held-out AgentBench models are predicted too low.
    assert n["ag_ex_mse_agentbench"] == fits["agentbench"].test_mse
    assert n["ag_ex_nohe_mse_agentbench"] > 10 * n["ag_ex_mse_agentbench"]
    assert n["ag_ex_nohe_mse_agentboard"] > n["ag_ex_mse_agentboard"]
    for name in ("gpt4", "claude2"):
        assert n[f"ag_ex_nohe_{name}"] < n[f"ag_ex_y_{name}"]
        assert n[f"ag_ex_nohe_{name}"] < n[f"ag_ex_yhat_{name}"]
    # The progress rate is underpredicted by more than the success rate, also relative to it.
    assert 0 < n["ag_ex_sr_err"] < n["ag_ex_pr_err"]
    assert n["ag_ex_sr_rel"] < n["ag_ex_pr_rel"]
    assert n["ag_ex_sr_mse"] < n["ag_ex_pr_mse"]
    assert n["ag_ex_sr_mse"] == fits["agentboard"].test_mse


def test_benchmark_panels_label_each_targets_own_test_models() -> None:
    points = pd.DataFrame(
        {
            "target": ["agentbench"] * 3 + ["agentboard"] * 3,
            "split": ["test", "train", "train", "train", "train", "test"],
            "Model": ["a", "b", "c", "a", "b", "c"],
            "Model Family": ["F", "G", "H", "F", "G", "H"],
            "y": [0.9, 0.2, 0.1, 0.3, 0.2, 0.8],
            "y_hat": [0.8, 0.25, 0.1, 0.3, 0.2, 0.6],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning reaches the chapter's output
        chart = agc.benchmark_panels(points, agents.BENCHMARKS, "t")
        spec = chart.to_dict()
    labelled = []
    for panel in spec["hconcat"]:
        texts = [layer for layer in panel["layer"] if layer["mark"]["type"] == "text"]
        labelled.append(
            [row["Model"] for t in texts for row in spec["datasets"][t["data"]["name"]]]
        )
    assert labelled == [["a"], ["c"]]  # "a" is a training model of agentboard: no label there
    assert [p["title"]["text"] for p in spec["hconcat"]] == ["AgentBench", "AgentBoard"]
    names = [p["name"] for p in spec.get("params", [])] + [
        p["name"] for panel in spec["hconcat"] for p in panel.get("params", [])
    ]
    # One zoom per panel, named apart, and no other selection that could clash in Vega.
    assert sorted(names) == ["zoom_0", "zoom_1"]
    with pytest.raises(osl.OSLInputError):
        agc.benchmark_panels(points, {"other": "Other"}, "t")
