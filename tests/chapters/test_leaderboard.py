"""Unit tests of the leaderboard helpers (the chapter's claims are in test_paper_leaderboard)."""

from __future__ import annotations

import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import leaderboard as lb


def _entry(key: str, predictor: str, mse: float, test: list[str]) -> dict[str, object]:
    return {"key": key, "predictor": predictor, "mse_converged": mse, "test_models": test,
            "published": key == "bbh"}  # fmt: skip


def test_authors_comparison_aligns_tasks_and_predictors() -> None:
    table = pd.DataFrame(
        {
            "target": ["gpqa", "gpqa", "bbh", "bbh"],
            "predictor": ["3 PCs", "log_flops"] * 2,
            "n_test": [2, 2, 3, 3],
            "test_mse": [0.1, 0.2, 0.3, 0.4],
        }
    )
    reference = {
        "setups": [
            _entry("bbh", "pcs_3", 0.35, ["a", "b", "c", "org/x"]),
            _entry("bbh", "log_flops", 0.4, ["a", "b", "c"]),
            _entry("gpqa", "pcs_3", 0.15, ["a", "b"]),
            _entry("gpqa", "log_flops", 0.2, ["a", "b"]),
            _entry("gpqa", "something_else", 9.0, []),
        ]
    }
    side = lb.authors_comparison(table, reference)
    assert list(side.index) == ["gpqa", "bbh"]  # the table's order, not alphabetical
    assert side.loc["bbh", "book_pcs"] == 0.3 and side.loc["bbh", "authors_pcs"] == 0.35
    assert side.loc["bbh", "authors_n_test_pcs"] == 4
    assert side.loc["bbh", "pcs_only"] == "x"
    assert side.loc["gpqa", "pcs_only"] == ""
    assert side.loc["bbh", "published"] and not side.loc["gpqa", "published"]


def test_setup_table_describes_each_task() -> None:
    table = lb.setup_table(["gpqa", "mmlu_pro"])
    assert list(table.index) == ["gpqa", "mmlu_pro"]
    assert table.loc["gpqa", "cutoff"] == "Qwen/Qwen1.5-7B"
    assert table.loc["mmlu_pro", "cutoff"].endswith("FLOPs")
    assert table.loc["gpqa", "source"] == "authors"
    assert table.loc["mmlu_pro", "source"] == "extension"
    task = osl.load_task("gpqa")
    assert table.loc["gpqa", "n_train"] == task.train.sum()
    assert table.loc["gpqa", "n_below_chance"] == (task.y < 0).sum()


def test_diagnostics_accept_setup_changes() -> None:
    plain = lb.diagnostics(["gpqa"])
    floor = lb.diagnostics(["gpqa"], link="h_sigmoid")
    assert plain.loc["gpqa", "test_var"] == pytest.approx(floor.loc["gpqa", "test_var"])
    assert plain.loc["gpqa", "test_skill"] != floor.loc["gpqa", "test_skill"]
    skill = 1 - osl.fit_task("gpqa").test_mse / plain.loc["gpqa", "test_var"]
    assert plain.loc["gpqa", "test_skill"] == pytest.approx(skill)


def _mse_table() -> pd.DataFrame:
    rows = []
    for i, task in enumerate(lb.TASKS):
        pcs = 0.01 if task != "ifeval" else 0.05
        for predictor, mse in (("3 PCs", pcs), ("log_flops", 0.02), ("log_params", 0.03 + i),
                               ("mean_benchmark", 0.04), ("1 PC", 0.5)):  # fmt: skip
            rows.append({"target": task, "predictor": predictor, "test_mse": mse})
    return pd.DataFrame(rows)


def test_setup_numbers() -> None:
    setup = pd.DataFrame(
        {"chance": [0.26, 0.25, 0.0], "n_below_chance": [0, 7, 0],
         "train_spread": [0.1, 0.2, 0.3], "spread_at_llama2_7b": [0.01, 0.02, 0.03]},
        index=["bbh", "gpqa", "math_hard"],
    )  # fmt: skip
    nums = lb.setup_numbers(setup)
    assert nums["bbh_chance"] == 0.26 and nums["gpqa_below"] == 7
    assert nums["math_hard_spread_llama"] == 0.03 and nums["gpqa_spread_cut"] == 0.2
    assert nums["bbh_subtasks"] == len(osl.setups.BBH_SUBTASK_CHANCE)
    num, den = map(int, nums["bbh_chance_frac"].split("/"))
    assert num / den == pytest.approx(osl.setups.BBH_CHANCE, abs=1e-6)


def test_comparison_numbers_count_wins_and_best_predictors() -> None:
    table = _mse_table()
    assert lb.mse_table(table).shape == (len(lb.TASKS), 5)
    nums = lb.comparison_numbers(table)
    assert (nums["lb_wins"], nums["lb_tasks"]) == (5, 6)
    assert nums["lb_pc_best"] == 5 and nums["lb_other_best"] == "ifeval (log_flops)"
    assert nums["bbh_ratio"] == pytest.approx(2.0) and nums["gpqa_params"] == 1.03


def test_authors_numbers() -> None:
    side = pd.DataFrame(
        {"book_flops": [0.0101, 0.02], "authors_flops": [0.01, 0.02], "pcs_only": ["x, y", "x"],
         "authors_n_test_pcs": [5, 3], "n_test": [3, 3], "authors_pcs": [0.005, 0.03]},
        index=["bbh", "gpqa"],
    )  # fmt: skip
    nums = lb.authors_numbers(side)
    assert nums["flops_dev_pct"] == pytest.approx(1.0)
    assert nums["pcs_only"] == "x and y"
    assert (nums["n_pcs_only"], nums["auth_pc_wins"]) == (2, 1)


def test_diagnostic_numbers_name_every_task_and_the_free_floor() -> None:
    cols = ["train_r2", "test_skill", "corr_mmlu", "spread", "test_bias", "test_var"]
    diag = pd.DataFrame(0.5, index=list(lb.TASKS), columns=cols)
    nums = lb.diagnostic_numbers(diag, _mse_table())
    assert nums["musr_corr"] == 0.5 and nums["bbh_bias"] == 0.5
    assert nums["ifeval_best_skill"] == pytest.approx(1 - 0.02 / 0.5)
    assert {"math_hard_r2_floor", "math_hard_skill_floor", "math_hard_bias_floor"} <= set(nums)


def test_exercise_numbers() -> None:
    n = lb.exercise_numbers()
    # An earlier GPQA cutoff: fewer training models, more test models, and a higher
    # error, also on the paper's own test models (which the larger test set contains).
    assert n["lb_ex_gpqa_low_n_train"] < n["lb_ex_gpqa_n_train"]
    assert n["lb_ex_gpqa_low_n_test"] > n["lb_ex_gpqa_n_test"] == n["lb_ex_gpqa_n_common"]
    assert n["lb_ex_gpqa_mse_common"] == pytest.approx(n["lb_ex_gpqa_mse"])
    # "roughly doubles"
    assert 1.5 < n["lb_ex_gpqa_low_mse"] / n["lb_ex_gpqa_mse"] < 3
    assert 1.5 < n["lb_ex_gpqa_low_mse_common"] / n["lb_ex_gpqa_mse_common"] < 3
    # BBH: on raw accuracy the chance floor predicts better than rescaling from 0.
    assert 0 < n["lb_ex_bbh_low"] < 0.5
    assert n["lb_ex_bbh_mse_raw"] < n["lb_ex_bbh_mse"]
    assert n["lb_ex_bbh_ratio"] > 2
