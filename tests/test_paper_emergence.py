"""Paper claims of Sec. 4.1 ("emergent" capabilities), checked with the package.

Ruan, Maddison & Hashimoto (2024), Sec. 4.1 and Fig. 4: fitted on models
below a compute cutoff, the sigmoid of principal capabilities predicts the
held-out stronger models of four tasks Wei et al. (2022) called emergent, and
does so better than the same law in training FLOPs. We compare with the
paper's plots, so the assertions are those qualitative claims plus tolerances
of our own, stated where used; model size is a baseline we add.
"""

from __future__ import annotations

import math

import pytest

import osl_helpers as osl
from osl_helpers import emergence as em


@pytest.fixture(scope="module")
def results() -> dict[str, em.EmergenceComparison]:
    return {k: em.compare_emergence(k) for k in em.MAIN_TASKS + em.APPENDIX_TASKS}


# --------------------------------------------------------------------------- setups


def test_setups_follow_section_4_1() -> None:
    # Sec. 4.1: plain sigmoid with Huber loss; default cutoff at Llama-2-7B's compute
    # (8.4e22 FLOPs), an earlier one (2.2e22) and no GSM8K for the arithmetic tasks.
    for key in em.MAIN_TASKS + em.APPENDIX_TASKS:
        s = osl.PAPER_SETUPS[key]
        assert (s.link, s.loss, s.huber_delta, s.n_components) == ("sigmoid", "huber", 1.0, 3)
        arithmetic = key.startswith(("addition", "subtraction", "multiplication"))
        assert s.cutoff_flops == pytest.approx(2.2e22 if arithmetic else 8.4e22)
        assert ("GSM8K" in s.benchmarks) is not arithmetic
    # Persian QA is 4-way multiple choice (chance 0.25); BLEU is on 0-100.
    assert osl.PAPER_SETUPS["persian_qa"].low == 0.25
    assert osl.PAPER_SETUPS["ipa_bleu"].high == 100.0


def test_only_models_with_known_flops_are_used(results: dict[str, em.EmergenceComparison]) -> None:
    # Sec. 4.1 holds out by training FLOPs, so models of unknown compute are in neither set.
    for key, r in results.items():
        task = osl.load_task(key)
        unknown = set(task.frame.index[task.frame["log10_flops"].isna()])
        assert unknown == {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1"}
        assert not unknown & set(r.points["Model"])


# --------------------------------------------------------------------------- Fig. 4


@pytest.mark.parametrize("key", em.MAIN_TASKS)
def test_one_identical_test_set_per_task(
    key: str, results: dict[str, em.EmergenceComparison]
) -> None:
    r = results[key]
    task = osl.load_task(key)
    assert set(r.test_models) == set(task.frame.index[task.test])
    assert r.table["n_test"].nunique() == 1 and r.table["n_train"].nunique() == 1
    for p in em.PREDICTORS:
        pts = r.points[(r.points["predictor"] == p) & (r.points["split"] == "test")]
        assert tuple(sorted(pts["Model"])) == r.test_models


@pytest.mark.parametrize("key", em.MAIN_TASKS)
def test_pcs_beat_training_flops_and_model_size(
    key: str, results: dict[str, em.EmergenceComparison]
) -> None:
    # Fig. 4 (top vs bottom row): the PC-based law extrapolates better than training FLOPs.
    # Holds on all four tasks. The factor of 2 is our own margin (measured: 3.2 to 9.0),
    # so the check fails if the advantage shrinks to a near tie.
    r = results[key]
    assert r.test_mse("pcs") < r.test_mse("log_flops")
    assert r.test_mse("log_flops") / r.test_mse("pcs") > 2.0
    # Model size, the axis of many emergence plots, does worse still.
    assert r.test_mse("pcs") < r.test_mse("log_params")
    assert r.best == "pcs"


@pytest.mark.parametrize("key", em.MAIN_TASKS)
def test_pc_predictions_are_accurate(key: str, results: dict[str, em.EmergenceComparison]) -> None:
    # The paper calls the PC-based predictions of Fig. 4 accurate; our tolerance: a mean
    # absolute error below 0.1 on the normalised scale (measured: 0.03 to 0.09).
    r = results[key]
    mae = float(r.table.loc[r.table["predictor"] == "pcs", "test_mae"].iloc[0])
    assert mae < 0.1


# --------------------------------------------------------------------------- appendix


@pytest.mark.parametrize("key", ["addition_3d", "addition_2d"])
def test_appendix_addition_keeps_the_ranking(
    key: str, results: dict[str, em.EmergenceComparison]
) -> None:
    r = results[key]
    assert r.test_mse("pcs") < r.test_mse("log_flops") < r.test_mse("log_params")


def test_appendix_ipa_deviation_is_as_documented(
    results: dict[str, em.EmergenceComparison],
) -> None:
    # Our deviation, stated in the chapter: on IPA transliteration the PC law still beats
    # training FLOPs on both metrics, but overshoots the slowly rising strong models, and on
    # exact match model size (which predicts almost no rise) has the lower error.
    em_, bleu = results["ipa_em"], results["ipa_bleu"]
    assert em_.test_mse("pcs") < em_.test_mse("log_flops")
    assert bleu.test_mse("pcs") < bleu.test_mse("log_flops")
    assert em_.best == "log_params"
    test = em_.points[(em_.points["predictor"] == "pcs") & (em_.points["split"] == "test")]
    assert (test["y_hat"] > test["y"]).mean() > 0.8


def test_transition_is_steep_but_continuous(results: dict[str, em.EmergenceComparison]) -> None:
    # The chapter's reading of Fig. 4: on Llama-2-equivalent FLOPs the subtraction sigmoid
    # rises from 10% to 90% within about a decade of compute, not in a discontinuity.
    fit = results["subtraction_3d"].fit
    assert fit.reference is not None
    width = em.transition_width(fit.reference[0])
    assert 0.3 < width < 1.5
    assert math.isfinite(width)
