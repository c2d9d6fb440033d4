"""Leaderboard v2 from v1 capabilities: the authors' conclusions, measured."""

from __future__ import annotations

import pytest

import osl_helpers as osl


@pytest.fixture(scope="module")
def results():
    table, _ = osl.leaderboard.compare_tasks()
    return table.pivot(index="target", columns="predictor", values="test_mse")


@pytest.fixture(scope="module")
def diag():
    return osl.leaderboard.diagnostics()


@pytest.mark.parametrize("task", ["bbh", "gpqa", "math_hard"])
def test_reasoning_tasks_are_better_predicted_by_capabilities(results, task) -> None:
    # The tasks the authors kept (with their per-task cutoffs) are predictable from PCs.
    assert results.loc[task, "3 PCs"] < results.loc[task, "log_flops"]


@pytest.mark.parametrize("task", ["bbh", "gpqa", "math_hard"])
def test_kept_tasks_have_positive_held_out_skill(diag, task) -> None:
    assert diag.loc[task, "test_skill"] > 0.2


@pytest.mark.parametrize("task", ["ifeval", "musr"])
def test_noisy_tasks_are_not_predictable(diag, task) -> None:
    # Set aside by the authors as noisy: the law explains little and has no held-out skill.
    assert diag.loc[task, "train_r2"] < 0.3
    assert diag.loc[task, "test_skill"] < 0


def test_mmlu_pro_is_nearly_mmlu(diag) -> None:
    # Set aside by the authors as easy: it is almost a copy of old MMLU.
    assert diag.loc["mmlu_pro", "corr_mmlu"] > 0.95


def test_cutoffs_follow_the_authors() -> None:
    ref = osl.load_base_benchmarks("all").set_index("Model")["log10_flops"]
    assert osl.load_task("gpqa").cutoff_log10_flops == pytest.approx(ref["Qwen/Qwen1.5-7B"])
    assert osl.load_task("math_hard").cutoff_log10_flops == pytest.approx(ref["google/gemma-7b"])
    assert osl.load_task("bbh").cutoff_log10_flops == pytest.approx(ref["meta-llama/Llama-2-7b-hf"])
