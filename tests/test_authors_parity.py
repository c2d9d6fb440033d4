"""Parity with the authors' released code on 30 held-out setups.

The reference numbers in ``tests/data/authors_parity.json`` come from running
the authors' code (ryoungj/ObsScaling, commit 4d6e1e4, Apache-2.0) on its own
notebooks' settings; each entry records the exact training and test models,
the held-out MSE as their code returns it, the MSE at the converged optimum of
the same objective (their Huber fits stop slightly early) and its provenance.
Here the book's estimators are fitted on exactly those models with the
settings below and must reproduce the converged MSE within 2%.

Settings, per family of setups (the authors' notebooks; see the JSON):

* emergent BIG-Bench tasks: plain sigmoid (h = 1), Huber loss δ = 1; target
  min-max normalised against chance and *not* clipped (Persian QA: chance
  0.25); 8 benchmarks and a cutoff of 8.4e22 FLOPs, or 7 (no GSM8K) and
  2.2e22 FLOPs for arithmetic; only families with known FLOPs.
* GSM8K post-training: Eq. 6 with a free floor, Ê = (1 − h) + h·σ, h ∈ [0.8, 1]
  (their (1 − b)·σ + b, b ∈ [0, 0.2]); Huber δ = 1; raw accuracy of the
  ``flexible-extract`` columns; 7 benchmarks (no GSM8K); cutoff 8.4e22 FLOPs.
  The PC law's test set holds 28 models: Mistral-7B and Mixtral-8x7B have
  unknown FLOPs and fall on the test side of the authors' split; the
  log-FLOPs law can only be scored on the other 26.
* agents: Eq. 6 with a free floor, least squares, the 7 instruction-model
  benchmarks, the top 10% of models by the target held out (int(0.1·n)).
* Open LLM Leaderboard v2 (the authors' leaderboard notebook): plain sigmoid,
  Huber δ = 1, 7 benchmarks (no GSM8K), targets min-max normalised against
  chance (BBH: the mean chance of its 27 subtasks, 248/945), the models of the
  paper's and the pre-registered families (Mistral, Mixtral and Qwen2 have no
  FLOPs), cutoffs BBH 8.4e22 (Llama-2-7B), GPQA 1.68e23 (Qwen1.5-7B), MATH
  Level 5 2.52e23 (Gemma-7B). MMLU-Pro (chance 0.1, 1.84e23), IFEval (0,
  2.52e23) and MuSR (0.33, 2.52e23) are commented out in that notebook; their
  entries (``"published": false``) run it with the commented values, so they
  check the book's extension against the authors' code, not a published result.
  Here too the PC law's test set holds models without FLOPs (Qwen1.5-110B,
  Jamba) that the log-FLOPs law cannot score.

In every setup imputation is rank 1 (Alg. A.1), imputed cells are clipped to
the score range [0, 1], and the PCA is unscaled and fitted on the training
models only, with K = 3.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.evaluation import ScalarSigmoidLaw

REFERENCE = json.loads((Path(__file__).parent / "data" / "authors_parity.json").read_text())
SETUPS: list[dict[str, Any]] = REFERENCE["setups"]
TOLERANCE = 0.02  # relative, on the held-out MSE

NO_GSM8K = [b for b in osl.BENCHMARKS if b != "GSM8K"]
INSTRUCT = ["MMLU", "ARC-C", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K", "HumanEval"]

#: The settings the book uses for each setup: (table, target column, (low, high), benchmarks,
#: link, loss). They are asserted to agree with the authors' record below.
SETTINGS: dict[str, tuple[str, str, tuple[float, float], list[str], str, str]] = {
    "word_unscramble": ("emergent", "word_unscrambling_2_exact_match", (0.0, 1.0),
                        osl.BENCHMARKS, "sigmoid", "huber"),
    "persian_qa": ("emergent", "parsinlu_qa_2_acc", (0.25, 1.0), osl.BENCHMARKS, "sigmoid", "huber"),
    "subtraction_3d": ("emergent", "arithmetic_3ds_2_acc", (0.0, 1.0), NO_GSM8K, "sigmoid", "huber"),
    "multiplication_2d": ("emergent", "arithmetic_2dm_2_acc", (0.0, 1.0), NO_GSM8K, "sigmoid",
                          "huber"),
    "gsm8k_naive": ("post_training", "gsm8k_5_exact_match,flexible-extract", (0.0, 1.0), NO_GSM8K,
                    "h_sigmoid", "huber"),
    "gsm8k_cot": ("post_training", "gsm8k_cot_8_exact_match,flexible-extract", (0.0, 1.0),
                  NO_GSM8K, "h_sigmoid", "huber"),
    "gsm8k_cot_1sample": ("post_training",
                          "gsm8k_cot_self_consistency_8_exact_match,score-first-flexible-extract",
                          (0.0, 1.0), NO_GSM8K, "h_sigmoid", "huber"),
    "gsm8k_cot_sc": ("post_training",
                     "gsm8k_cot_self_consistency_8_exact_match,maj@5-flexible-extract", (0.0, 1.0),
                     NO_GSM8K, "h_sigmoid", "huber"),
    "agentbench": ("agent", "ABench-OA", (0.0, 10.0), INSTRUCT, "h_sigmoid", "squared"),
    "agentboard": ("agent", "ABoard-Avg_SR", (0.0, 100.0), INSTRUCT, "h_sigmoid", "squared"),
    "bbh": ("leaderboard_v2", "leaderboard_bbh", (248 / 945, 1.0), NO_GSM8K, "sigmoid", "huber"),
    "gpqa": ("leaderboard_v2", "leaderboard_gpqa", (0.25, 1.0), NO_GSM8K, "sigmoid", "huber"),
    "math_hard": ("leaderboard_v2", "leaderboard_math_hard", (0.0, 1.0), NO_GSM8K, "sigmoid",
                  "huber"),
    "mmlu_pro": ("leaderboard_v2", "leaderboard_mmlu_pro", (0.1, 1.0), NO_GSM8K, "sigmoid",
                 "huber"),
    "ifeval": ("leaderboard_v2", "leaderboard_ifeval", (0.0, 1.0), NO_GSM8K, "sigmoid", "huber"),
    "musr": ("leaderboard_v2", "leaderboard_musr", (0.33, 1.0), NO_GSM8K, "sigmoid", "huber"),
}  # fmt: skip

#: (number of training models, number of test models) of each setup and predictor.
SIZES = {
    ("word_unscramble", "log_flops"): (44, 19), ("word_unscramble", "pcs_3"): (44, 19),
    ("persian_qa", "log_flops"): (40, 18), ("persian_qa", "pcs_3"): (40, 18),
    ("subtraction_3d", "log_flops"): (30, 33), ("subtraction_3d", "pcs_3"): (30, 33),
    ("multiplication_2d", "log_flops"): (30, 33), ("multiplication_2d", "pcs_3"): (30, 33),
    ("gsm8k_naive", "log_flops"): (45, 26), ("gsm8k_naive", "pcs_3"): (45, 28),
    ("gsm8k_cot", "log_flops"): (47, 26), ("gsm8k_cot", "pcs_3"): (47, 28),
    ("gsm8k_cot_1sample", "log_flops"): (47, 26), ("gsm8k_cot_1sample", "pcs_3"): (47, 28),
    ("gsm8k_cot_sc", "log_flops"): (47, 26), ("gsm8k_cot_sc", "pcs_3"): (47, 28),
    ("agentbench", "pcs_3"): (20, 2), ("agentboard", "pcs_3"): (10, 1),
    ("bbh", "log_flops"): (24, 21), ("bbh", "pcs_3"): (24, 23),
    ("gpqa", "log_flops"): (29, 16), ("gpqa", "pcs_3"): (29, 18),
    ("math_hard", "log_flops"): (32, 13), ("math_hard", "pcs_3"): (32, 15),
    ("mmlu_pro", "log_flops"): (29, 16), ("mmlu_pro", "pcs_3"): (29, 18),
    ("ifeval", "log_flops"): (32, 13), ("ifeval", "pcs_3"): (32, 15),
    ("musr", "log_flops"): (32, 13), ("musr", "pcs_3"): (32, 15),
}  # fmt: skip

#: Models on the test side of the authors' PC split whose FLOPs are unknown.
UNKNOWN_FLOPS = {
    "post_training": {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1"},
    "leaderboard_v2": {"Qwen/Qwen1.5-110B", "ai21labs/Jamba-v0.1"},
}
PUBLISHED_LEADERBOARD = {"bbh", "gpqa", "math_hard"}


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['key']}-{entry['predictor']}"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {
        "leaderboard_v2": osl.load_leaderboard_v2().set_index("Model"),
        "emergent": osl.load_emergent().set_index("Model"),
        "post_training": osl.load_post_training().set_index("Model"),
        "agent": osl.load_agent_benchmarks().set_index("Model"),
        "base": osl.load_base_benchmarks("all").set_index("Model"),
        "instruct": osl.load_instruct_benchmarks().set_index("Model"),
    }


def test_the_reference_covers_the_eighteen_setups() -> None:
    assert {(e["key"], e["predictor"]) for e in SETUPS} == set(SIZES)
    # Only the three leaderboard tasks the authors' notebook runs count as their result.
    unpublished = {e["key"] for e in SETUPS if not e["published"]}
    assert unpublished == {"mmlu_pro", "ifeval", "musr"}
    assert REFERENCE["commit"].startswith("4d6e1e4")
    # The pinned tables are the ones the reference was computed on.
    assert REFERENCE["data_sha256"] == {
        name: digest
        for name, digest in osl.data.registry().items()
        if name in REFERENCE["data_sha256"]
    }


@pytest.mark.parametrize("entry", SETUPS, ids=_id)
def test_settings_agree_with_the_authors_record(entry: dict[str, Any]) -> None:
    table, column, (low, high), benchmarks, link, loss = SETTINGS[entry["key"]]
    assert entry["family"] == table
    assert entry["target_column"] == column
    assert entry["target_range"] == pytest.approx([low, high], abs=1e-15)
    assert not entry["target_clipped"]
    assert entry["benchmarks"] == list(benchmarks)
    assert entry["link"] == link and entry["loss"] == loss
    assert entry["huber_delta"] == (1.0 if loss == "huber" else None)
    assert entry["n_components"] == (3 if entry["predictor"] == "pcs_3" else None)
    n_train, n_test = SIZES[(entry["key"], entry["predictor"])]
    assert (len(entry["train_models"]), len(entry["test_models"])) == (n_train, n_test)
    assert not set(entry["train_models"]) & set(entry["test_models"])


@pytest.mark.parametrize("entry", SETUPS, ids=_id)
def test_held_out_mse_matches_the_authors_code(
    entry: dict[str, Any], tables: dict[str, pd.DataFrame]
) -> None:
    table, column, (low, high), benchmarks, link, loss = SETTINGS[entry["key"]]
    base = tables["instruct" if table == "agent" else "base"]
    y = osl.normalize_target(tables[table][column].astype(float), low=low, high=high)
    train, test = entry["train_models"], entry["test_models"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", osl.law.OSLConvergenceWarning)
        if entry["predictor"] == "pcs_3":
            law = osl.ObservationalScalingLaw(3, link=link, loss=loss, huber_delta=1.0)  # type: ignore[arg-type]
            law.fit(base.loc[train, benchmarks], y.loc[train])
            pred = law.predict(base.loc[test, benchmarks])
        else:
            scalar = ScalarSigmoidLaw(link=link, loss=loss, huber_delta=1.0)  # type: ignore[arg-type]
            scalar.fit(base.loc[train, "log10_flops"], y.loc[train])
            pred = scalar.predict(base.loc[test, "log10_flops"])
    got = float(np.mean((np.asarray(pred) - y.loc[test].to_numpy()) ** 2))
    assert got == pytest.approx(entry["mse_converged"], rel=TOLERANCE)


@pytest.mark.parametrize("entry", SETUPS, ids=_id)
def test_the_books_split_is_the_authors_split(entry: dict[str, Any]) -> None:
    """The book's own setups pick the same models; its one deliberate difference is stated."""
    task = osl.load_task(entry["key"])
    assert task.setup.column == entry["target_column"]
    assert set(task.frame.index[task.train]) == set(entry["train_models"])
    book_test = set(task.frame.index[task.test])
    authors_test = set(entry["test_models"])
    if entry["family"] in UNKNOWN_FLOPS and entry["predictor"] == "pcs_3":
        # The book scores every predictor on one test set, so models whose FLOPs are
        # unknown (and which no compute law can score) leave the PC law's test set too.
        assert authors_test - book_test == UNKNOWN_FLOPS[entry["family"]]
        assert book_test <= authors_test
    else:
        assert book_test == authors_test


def test_the_package_serves_the_same_reference() -> None:
    table = osl.setups.authors_reference()
    assert len(table) == len(SETUPS)
    for entry in SETUPS:
        row = table.loc[(entry["key"], entry["predictor"])]
        assert row["mse"] == entry["mse_converged"] and row["mse_as_run"] == entry["mse_as_run"]
        assert (row["n_train"], row["n_test"]) == SIZES[(entry["key"], entry["predictor"])]
        assert row["published"] == entry["published"]
