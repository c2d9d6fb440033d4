"""The paper's setups resolve to aligned inputs, targets and splits."""

from __future__ import annotations

import math

import numpy as np
import pytest

import osl_helpers as osl
from osl_helpers import setups
from osl_helpers._validation import OSLInputError


@pytest.mark.parametrize("key", sorted(setups.PAPER_SETUPS))
def test_every_setup_resolves(key: str) -> None:
    task = setups.load_task(key)
    assert task.X.index.equals(task.y.index)
    assert list(task.X.columns) == list(task.setup.benchmarks)
    # Min-max targets: at most 1, and never below the score of a model that scores 0.
    assert (task.y <= 1).all()
    assert (task.y >= -task.setup.low / (task.setup.high - task.setup.low) - 1e-12).all()
    assert not (task.train & task.test).any()
    assert ((task.train | task.test) ^ task.excluded).all()
    assert task.train.sum() >= task.setup.n_components + 2
    assert task.test.sum() >= 1
    assert (task.excluded_reason[task.excluded] != "").all()


def test_llama2_7b_is_the_last_training_model() -> None:
    task = setups.load_task("gsm8k_cot")
    assert task.train["meta-llama/Llama-2-7b-hf"]
    assert task.test["meta-llama/Llama-2-13b-hf"]
    assert task.cutoff_log10_flops == pytest.approx(math.log10(8.4e22))
    assert (task.frame.loc[task.train, "log10_flops"] <= math.log10(8.4e22) + 1e-9).all()


def test_unknown_flops_models_are_excluded_with_a_reason() -> None:
    task = setups.load_task("gsm8k_cot")
    mistral = "mistralai/Mistral-7B-v0.1"
    assert task.excluded[mistral]
    assert "FLOPs unknown" in task.excluded_reason[mistral]


def test_chance_floor_rescales_persian_qa() -> None:
    task = setups.load_task("persian_qa")
    raw = task.frame["y_raw"]
    np.testing.assert_allclose(task.y, (raw - 0.25) / 0.75)
    # 15 of the 40 training models score below chance; they stay negative (not clipped).
    assert int((task.y_train < 0).sum()) == 15 and task.train.sum() == 40


def test_bleu_is_divided_by_100() -> None:
    task = setups.load_task("ipa_bleu")
    np.testing.assert_allclose(task.y, task.frame["y_raw"] / 100)


def test_agents_hold_out_the_top_ten_percent() -> None:
    task = setups.load_task("agentbench")
    assert task.test.sum() == round(0.1 * len(task.frame))
    held_out = set(task.frame.index[task.test])
    assert held_out == {"gpt-4-0613", "claude-2.0"}  # the paper's held-out models (Sec. 4.2)
    assert task.y[task.test].min() >= task.y[task.train].max()


def test_cutoff_by_reference_model() -> None:
    task = setups.load_task("gpqa")
    ref = osl.load_base_benchmarks("all").set_index("Model").loc["Qwen/Qwen1.5-7B", "log10_flops"]
    assert task.cutoff_log10_flops == pytest.approx(ref)


def test_with_changes_one_field_only() -> None:
    s = setups.PAPER_SETUPS["word_unscramble"]
    t = s.with_(cutoff_flops=1e22)
    assert t.cutoff_flops == 1e22 and t.column == s.column
    assert setups.load_task(t).train.sum() < setups.load_task(s).train.sum()


def test_unknown_setup_key() -> None:
    with pytest.raises(KeyError, match="unknown setup"):
        setups.load_task("nope")


def test_describe_setups_lists_all() -> None:
    table = setups.describe_setups()
    assert set(table.index) == set(setups.PAPER_SETUPS)


def test_a_user_setup_cannot_be_loaded_from_the_pinned_tables() -> None:
    user = setups.PAPER_SETUPS["gsm8k_cot"].with_(table="user")
    with pytest.raises(OSLInputError, match="fit_your_scores"):
        setups.load_task(user)
