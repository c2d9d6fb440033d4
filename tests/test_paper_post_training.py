"""Claims of the chapter "How post-training techniques scale" (Sec. 4.3, Fig. 6 and appendix).

Ruan, Maddison & Hashimoto (2024) report these results as plots, without
printed errors. The tests assert the qualitative claims on our fit of the
authors' tables, computed through the package (not the notebook), and that the
errors equal those of the authors' released code (``osl.setups.authors_reference``)
once the test sets are the same. Every tolerance says how strongly the
chapter's sentence is meant.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import osl_helpers as osl
from osl_helpers.chapters import post_training as tq

KEYS = list(tq.TECHNIQUES)


@pytest.fixture(scope="module")
def tasks(
    post_training_tasks: dict[str, osl.setups.TaskData],
) -> dict[str, osl.setups.TaskData]:
    return {k: post_training_tasks[k] for k in KEYS}  # loaded once per session (conftest)


@pytest.fixture(scope="module")
def res(tasks: dict[str, osl.setups.TaskData]) -> tq.TechniqueFits:
    return tq.fit_techniques(tasks)


@pytest.fixture(scope="module")
def reps(tasks: dict[str, osl.setups.TaskData]) -> list[dict[str, tq.BootstrapLaw]]:
    # The chapter's bootstrap: 200 paired resamples, seed 0.
    return tq.bootstrap_laws(tasks, n_boot=200, seed=0)


def test_setups_are_the_papers(tasks: dict[str, osl.setups.TaskData]) -> None:
    # Sec. 4.3 / App. C: seven benchmarks without GSM8K, K = 3, h-sigmoid, Huber δ = 1,
    # cutoff at Llama-2-7B's 8.4e22 FLOPs, raw accuracy.
    for t in tasks.values():
        s = t.setup
        assert "GSM8K" not in s.benchmarks and len(s.benchmarks) == 7
        assert (s.n_components, s.link, s.loss, s.huber_delta) == (3, "h_sigmoid", "huber", 1.0)
        assert s.cutoff_flops == pytest.approx(8.4e22)
        assert (s.low, s.high) == (0.0, 1.0)
        assert t.cutoff_log10_flops == pytest.approx(math.log10(8.4e22))


def test_laws_fitted_on_weak_models_predict_strong_ones(res: tq.TechniqueFits) -> None:
    # Fig. 6 (left): the held-out models follow the curves. Our bound on "predict":
    # test MSE below 0.01 (RMSE < 0.1 in accuracy) for every technique.
    for key in KEYS:
        assert res.table.loc[key, "n_test"] >= 20
        assert res.table.loc[key, "test_mse"] < 0.01, key


def test_capabilities_beat_flops_on_every_technique(tasks: dict[str, osl.setups.TaskData]) -> None:
    # Appendix comparison with compute measures: PCs beat training FLOPs on every technique.
    _, table = tq.compare_techniques(tasks)
    wide = table.pivot(index="technique", columns="predictor", values="test_mse")
    assert len(wide) == 3
    assert (wide["3 PCs"] < wide["log_flops"]).all()
    # Stated in the chapter (ours): every K = 1..4 wins, and model size is the worst predictor.
    for k in ("1 PC", "2 PCs", "3 PCs", "4 PCs"):
        assert (wide[k] < wide["log_flops"]).all(), k
    assert (wide["log_params"] == wide.max(axis=1)).all()
    # "by a factor of" at least four in MSE (the chapter glues 4.8, 7.5 and 6.7).
    assert (wide["log_flops"] / wide["3 PCs"]).min() > 4.0
    # The mean benchmark score is not enough on its own: on the CoT targets it lands in
    # between and closes "about half" of the distance from FLOPs to 3 PCs (we require 35% to
    # 65%; measured 52% and 46%); on naive prompting it does worse than FLOPs.
    cot = ["CoT (8-shot)", "CoT + SC (maj@5)"]
    closed = (wide["log_flops"] - wide["mean_benchmark"]) / (wide["log_flops"] - wide["3 PCs"])
    assert closed.loc[cot].between(0.35, 0.65).all()
    assert wide.loc["Naive (5-shot)", "mean_benchmark"] > wide.loc["Naive (5-shot)", "log_flops"]
    # K = 3 is best for both CoT targets; for naive prompting K = 2 does as well or better.
    pcs = wide[["1 PC", "2 PCs", "3 PCs", "4 PCs"]]
    assert (pcs.idxmin(axis=1).loc[cot] == "3 PCs").all()
    assert wide.loc["Naive (5-shot)", "2 PCs"] < 1.02 * wide.loc["Naive (5-shot)", "3 PCs"]


def test_errors_equal_the_authors_code(res: tq.TechniqueFits) -> None:
    # The chapter's table beside the authors: log FLOPs on the same 26 test models gives their
    # numbers; for 3 PCs their test set adds the two models of unknown compute, and scored on
    # those too the book's laws give their numbers. Tolerance 1% (measured: under 0.1%).
    comparisons, _ = tq.compare_techniques(
        [*KEYS, "gsm8k_cot_1sample"], predictors=(3, "log_flops")
    )
    versus = tq.authors_comparison(comparisons).set_index(["technique", "predictor"])
    flops = versus.xs("log_flops", level="predictor")
    assert (flops["n_test"] == flops["authors_n_test"]).all()
    np.testing.assert_allclose(flops["test_mse"], flops["authors_mse"], rtol=0.01)
    pcs = versus.xs("3 PCs", level="predictor")
    assert (pcs["authors_n_test"] == pcs["n_test"] + 2).all()
    ref = osl.setups.authors_reference()
    for key in KEYS:
        pts = res.points[(res.points["key"] == key) & (res.points["split"] != "train")]
        pts = pts.dropna(subset=["y"])
        extra = set(pts.loc[pts["split"] == "excluded", "Model"])
        assert extra == {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1"}
        assert len(pts) == ref.loc[(key, "pcs_3"), "n_test"]
        mse = float(((pts["y"] - pts["y_hat"]) ** 2).mean())
        assert mse == pytest.approx(ref.loc[(key, "pcs_3"), "mse"], rel=0.01)


def test_cot_gain_grows_faster_than_sc_gain(
    res: tq.TechniqueFits, reps: list[dict[str, tq.BootstrapLaw]]
) -> None:
    # Sec. 4.3: CoT has a steeper scaling trend than self-consistency, i.e. the gain of CoT
    # over naive grows with scale faster than the gain of SC over CoT.
    x0 = math.log10(8.4e22)
    x1 = res.test_range()[1]
    cot = tq.mean_gap_slope(res, "gsm8k_cot", "gsm8k_naive", x0, x1)
    sc = tq.mean_gap_slope(res, "gsm8k_cot_sc", "gsm8k_cot", x0, x1)
    assert cot > 0.15  # accuracy per decade of Llama-2-equivalent compute
    assert abs(sc) < 0.05
    assert cot > 10 * sc  # "about 23 times less" in the chapter
    # In every bootstrap refit (the chapter: 100%); we require at least 95%.
    slopes = tq.bootstrap_gap_slopes(reps, x0, x1)
    assert (slopes["CoT over naive"] > slopes["SC over CoT"]).mean() >= 0.95
    assert slopes["CoT over naive"].quantile(0.05) > slopes["SC over CoT"].quantile(0.95)


def test_cot_gain_at_fixed_scales(res: tq.TechniqueFits) -> None:
    # The fitted CoT gain rises from 1e23 to 1e24 FLOPs; the SC gain stays small there.
    table = tq.gap_slope_table(res, scales=(23.0, 24.0))
    assert table.loc[24.0, "CoT over naive: gain"] > table.loc[23.0, "CoT over naive: gain"] + 0.2
    assert (table["SC over CoT: gain"].abs() < 0.06).all()
    assert abs(table.loc[24.0, "SC over CoT: per decade"]) < 0.02  # "has stopped growing"


def test_cot_gain_peaks_beyond_the_data(res: tq.TechniqueFits) -> None:
    # Both laws rise to 1, so their difference must come down again: the fitted CoT gain
    # peaks inside the chart's range but beyond the strongest held-out model, where the CoT
    # law already predicts more than 0.8.
    fine = tq.technique_gaps(res, [("gsm8k_cot", "gsm8k_naive")], x=np.arange(22.0, 26.0, 0.01))
    peak = fine.loc[fine["gap"].idxmax()]
    assert res.test_range()[1] < peak["x"] < 25.0
    assert tq.law_on_axis(res.fit("gsm8k_cot"), [peak["x"]])[0] > 0.8
    assert fine["gap"].iloc[-1] < peak["gap"] - 0.1


def test_measured_gains_show_the_same_contrast(tasks: dict[str, osl.setups.TaskData]) -> None:
    obs = tq.observed_gains(tasks)
    mean = obs[obs["split"] != "excluded"].groupby(["pair", "split"])["gain"].mean()
    cot_growth = mean[("CoT over naive", "test")] - mean[("CoT over naive", "train")]
    sc_growth = mean[("SC over CoT", "test")] - mean[("SC over CoT", "train")]
    assert cot_growth > 0.2
    assert 0 < sc_growth < 0.1
    assert cot_growth > 5 * sc_growth


def test_benchmark_weights_from_naive_to_cot(
    res: tq.TechniqueFits, reps: list[dict[str, tq.BootstrapLaw]]
) -> None:
    # Fig. 6 (right): MMLU and HumanEval gain weight under CoT, Winogrande does not.
    ch = tq.weight_changes(res, "gsm8k_naive", "gsm8k_cot")
    assert ch.loc["MMLU", "change"] > 0
    assert ch.loc["HumanEval", "change"] > 0  # point estimate: agrees with the paper
    assert ch.loc["Winograd", "change"] < min(
        ch.loc["MMLU", "change"], ch.loc["HumanEval", "change"]
    )
    boot = tq.bootstrap_weight_changes(reps, "gsm8k_naive", "gsm8k_cot")
    p_up = (boot > 0).mean()
    assert p_up["MMLU"] >= 0.95  # robust
    assert p_up["Winograd"] < 0.5  # does not gain weight
    # The chapter's partial match: HumanEval's rise is not robust, and its share falls.
    assert p_up["HumanEval"] < 0.9
    assert ch.loc["HumanEval", "share_change"] < 0
    assert ch.loc["MMLU", "share_change"] > 0
    # TruthfulQA gains robustly too; HellaSwag and XWinograd turn negative under CoT.
    assert ch.loc["TruthfulQA", "change"] > 0 and p_up["TruthfulQA"] >= 0.95
    assert ch.loc["HellaSwag", "after"] < 0 and ch.loc["XWinograd", "after"] < 0


def test_no_floor_and_the_capped_pitfall(
    tasks: dict[str, osl.setups.TaskData], res: tq.TechniqueFits
) -> None:
    # Eq. 6 on the accuracy scale has a floor 1 − h: GSM8K (free-form answers) needs none,
    # and every law puts h at or next to 1 (1 − h below 0.01).
    assert (1 - res.table["h"] < 0.01).all()
    # The pitfall the chapter shows: reading Eq. 6 as a ceiling on accuracy (capped_sigmoid)
    # puts the CoT ceiling on its lower bound 0.8; one held-out model and several models
    # released after the paper already score above it.
    cot = tasks["gsm8k_cot"]
    capped = osl.fit_task(cot.setup.with_(link="capped_sigmoid"))
    assert capped.law.h_ == pytest.approx(0.8, abs=1e-6)
    assert (cot.frame.loc[cot.test, "y"] > capped.law.h_).sum() == 1
    assert capped.points["y_hat"].max() <= capped.law.h_ + 1e-12
    post = osl.load_post_training()
    later = post[post["Model"].isin(osl.data.PREREGISTERED_MODELS)]
    assert (later[cot.setup.column] > capped.law.h_).sum() >= 3
    # Its test MSE "barely shows the mistake": within 20% of the law of Eq. 6.
    assert capped.test_mse < 1.2 * res.table.loc["gsm8k_cot", "test_mse"]


def test_exercise_earlier_cutoff() -> None:
    # The solution of the cutoff exercise: with a 2.2e22 cutoff the CoT gain still grows
    # (more than 0.1 per decade) while the SC gain stays flat (below 0.02 in size).
    early = {k: osl.PAPER_SETUPS[k].with_(cutoff_flops=2.2e22) for k in KEYS}
    res_early = tq.fit_techniques(early)
    x0, x1 = math.log10(2.2e22), res_early.test_range()[1]
    assert tq.mean_gap_slope(res_early, "gsm8k_cot", "gsm8k_naive", x0, x1) > 0.1
    assert abs(tq.mean_gap_slope(res_early, "gsm8k_cot_sc", "gsm8k_cot", x0, x1)) < 0.02
