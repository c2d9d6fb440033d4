"""Paper claims of Sec. 4.1 ("emergent" capabilities), checked with the package.

Ruan, Maddison & Hashimoto (2024), Sec. 4.1 and Fig. 4: fitted on models
below a compute cutoff, the sigmoid of principal capabilities predicts the
held-out stronger models of four tasks Wei et al. (2022) called emergent, and
does so better than the same law in training FLOPs. The paper draws these
errors without printing them; the numbers of the authors' released code on the
same models (``osl.setups.authors_reference``) are what the chapter's table
shows beside ours. The other assertions are the qualitative claims plus
tolerances of our own, stated where used; model size is a baseline we add.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

import osl_helpers as osl
from osl_helpers.chapters import emergence as em


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
    # Holds on all four tasks. The factor of 2 is our own margin (measured: 4.1 to 9.0),
    # so the check fails if the advantage shrinks to a near tie.
    r = results[key]
    assert r.test_mse("pcs") < r.test_mse("log_flops")
    assert r.test_mse("log_flops") / r.test_mse("pcs") > 2.0
    # Model size, the axis of many emergence plots, does worse still.
    assert r.test_mse("pcs") < r.test_mse("log_params")
    assert r.best == "pcs"


def test_test_errors_equal_the_authors_code(results: dict[str, em.EmergenceComparison]) -> None:
    # The chapter's table: on the same training and test models, the book's test MSEs of the
    # PC-based and the FLOPs-based law equal the authors' code at the optimum of its objective.
    # Tolerance 1% (measured: under 0.1%); tests/test_authors_parity.py checks the estimators
    # on the authors' own lists, this the chapter's path through compare_emergence.
    table = em.mse_table({k: results[k] for k in em.MAIN_TASKS}, authors=True)
    for label in ("principal capabilities", "log training FLOPs"):
        np.testing.assert_allclose(table[label], table[f"authors: {label}"], rtol=0.01)


def test_below_chance_targets_are_kept() -> None:
    # Persian QA (chance 0.25): models below chance keep their negative normalised score, as in
    # the authors' code (clipping them at 0 would bias both laws).
    task = osl.load_task("persian_qa")
    y = task.frame.loc[task.train, "y"]
    assert (y < 0).sum() >= 10
    raw = task.frame.loc[task.train, "y_raw"]
    np.testing.assert_allclose(y, (raw - 0.25) / 0.75)


def test_persian_qa_pc_optimum_is_flat(results: dict[str, em.EmergenceComparison]) -> None:
    # The chapter's caveat on the authors' as-run 0.0015 against the converged 0.0023: moving
    # the weight of the third capability to the authors' early stop (about -0.19, from their
    # run) and refitting the rest costs almost nothing in training loss (we require < 1%), yet
    # moves the test MSE by more than a quarter.
    task = osl.load_task("persian_qa")
    law = results["persian_qa"].fit.law
    bench = list(task.setup.benchmarks)
    s_train = law.pca_.transform(task.frame.loc[task.train, bench]).to_numpy()
    s_test = law.pca_.transform(task.frame.loc[task.test, bench]).to_numpy()
    y, y_test = (
        task.frame.loc[task.train, "y"].to_numpy(),
        task.frame.loc[task.test, "y"].to_numpy(),
    )

    def predict(s: np.ndarray, p: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(s @ p[:3] + p[3])))

    def huber(p: np.ndarray) -> float:  # δ = 1; residuals of accuracies are always below 1
        return float(np.mean(0.5 * (predict(s_train, p) - y) ** 2))

    beta, alpha = law.beta_.to_numpy(), float(law.alpha_)
    best = np.r_[beta, alpha]
    fixed = minimize(
        lambda q: huber(np.r_[q[0], q[1], -0.19, q[2]]),
        np.r_[beta[:2], alpha],
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-15, "maxiter": 20_000},
    )
    moved = np.r_[fixed.x[0], fixed.x[1], -0.19, fixed.x[2]]
    assert huber(moved) < 1.01 * huber(best)
    mse_best = float(np.mean((predict(s_test, best) - y_test) ** 2))
    mse_moved = float(np.mean((predict(s_test, moved) - y_test) ** 2))
    assert mse_best == pytest.approx(results["persian_qa"].test_mse("pcs"), rel=1e-9)
    assert mse_moved < 0.75 * mse_best


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
    # training FLOPs on both metrics, but overshoots the slowly rising strong models, and model
    # size (which predicts almost no rise) has the lower error: by far on exact match (more
    # than a factor of 3), narrowly on BLEU (within 20%).
    em_, bleu = results["ipa_em"], results["ipa_bleu"]
    assert em_.test_mse("pcs") < em_.test_mse("log_flops")
    assert bleu.test_mse("pcs") < bleu.test_mse("log_flops")
    assert em_.best == "log_params" and bleu.best == "log_params"
    assert em_.test_mse("pcs") > 3 * em_.test_mse("log_params")
    assert bleu.test_mse("pcs") < 1.2 * bleu.test_mse("log_params")
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
