"""Claims of the chapter "Did the predictions hold?" (out-of-time, backtest, coverage).

These are the book's own extensions of Ruan, Maddison & Hashimoto (2024); the
tolerances state how strongly the chapter's sentences are meant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers._validation import NotEnoughModelsError
from osl_helpers.chapters import did_it_hold as hold

OOT_TARGETS = [
    "gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc", "word_unscramble", "persian_qa",
    "bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr",
]  # fmt: skip


@pytest.fixture(scope="module")
def oot() -> dict[str, osl.evaluation.Comparison]:
    return {k: hold.out_of_time(k, "preregistered") for k in OOT_TARGETS}


@pytest.fixture(scope="module")
def oot_wide(oot) -> pd.DataFrame:
    table = osl.evaluation.stack_tables(oot)
    return table.pivot(index="target", columns="predictor", values="test_mse")


def test_out_of_time_capabilities_beat_compute_on_nine_of_eleven(oot, oot_wide) -> None:
    wins = osl.evaluation.win_rate(osl.evaluation.stack_tables(oot), "3 PCs", "log_flops")
    assert (wins["cells"], wins["wins"]) == (len(OOT_TARGETS), 9)
    losses = set(oot_wide.index[oot_wide["3 PCs"] >= oot_wide["log_flops"]])
    assert losses == {"ifeval", "math_hard"}
    # The post-training targets, the paper's headline, are all won.
    for key in ("gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc"):
        assert oot_wide.loc[key, "3 PCs"] < oot_wide.loc[key, "log_flops"]


def test_ifeval_out_of_time_is_a_draw(oot_wide) -> None:
    row = oot_wide.loc["ifeval"]
    assert row["3 PCs"] == pytest.approx(row["log_flops"], rel=0.05)
    assert row.idxmin() == "log_params"


def test_math_level5_out_of_time_is_lost_without_gsm8k(oot, oot_wide) -> None:
    row = oot_wide.loc["math_hard"]
    assert row["3 PCs"] > 5 * row["log_flops"]  # "a real loss"
    pcs = oot["math_hard"].predictions.query("split == 'test' and predictor == '3 PCs'")
    miss = pcs.loc[(pcs["y_hat"] - pcs["y"]).abs().idxmax()]
    assert miss["Model"] == "meta-llama/Meta-Llama-3.1-70B" and miss["y_hat"] > miss["y"]
    # With GSM8K among the inputs the capability law is level with log FLOPs.
    with_gsm8k = osl.PAPER_SETUPS["math_hard"].with_(benchmarks=tuple(osl.BENCHMARKS))
    m8 = hold.out_of_time(with_gsm8k).table.set_index("predictor")["test_mse"]
    assert m8["3 PCs"] == pytest.approx(m8["log_flops"], rel=0.05)


def test_backtest_headline() -> None:
    bt = hold.rolling_backtest()
    head = hold.headline(bt)
    assert head["cells"] >= 100
    assert 0.7 < head["share_pcs_better"] < 0.9  # "in 79% of cells"
    assert 2.0 < head["geomean_ratio"] < 3.0  # "a geometric-mean ratio of 2.3"
    assert bt.groupby("predictor")["test_mse"].median().idxmin() == "3 PCs"
    worst = bt.loc[bt.groupby(["target", "cutoff"])["test_mse"].idxmax(), "predictor"]
    assert (worst == "log_params").mean() > 0.5
    # Exercise: the best number of components varies from target to target.
    pcs = bt[bt["predictor"].str.contains("PC")]
    best_k = pcs.groupby(["target", "predictor"])["test_mse"].median().unstack().idxmin(axis=1)
    assert best_k.nunique() >= 3 and (best_k != "3 PCs").any()


@pytest.mark.slow
def test_bootstrap_prediction_intervals_under_cover() -> None:
    # The chapter's study: every out-of-time target, 100 refits per split.
    study = hold.coverage_study(OOT_TARGETS, n_boot=100, seed=0)
    pooled = hold.pooled_coverage(study)
    # "too narrow": below nominal, but far from useless.
    assert 0.6 < pooled.loc[0.8] < 0.8
    assert 0.8 < pooled.loc[0.95] < 0.95
    by_split = hold.pooled_coverage(study, by="split")
    # "... and not uniformly so": about nominal at the lowest cutoff, far below at the highest.
    assert by_split.loc[("backtest 22.75", 0.8)] == pytest.approx(0.8, abs=0.05)
    assert by_split.loc[("backtest 22.75", 0.95)] >= 0.92
    assert by_split.loc[("backtest 23.25", 0.8)] < 0.65
    assert by_split.loc[("out of time", 0.8)] < 0.75


@pytest.mark.slow
def test_confidence_intervals_are_narrower_on_gsm8k_cot() -> None:
    task = osl.load_task("gsm8k_cot")
    boot = osl.uncertainty.bootstrap_law(
        task.X_train, task.y_train, task.X, n_boot=1000, seed=0, progress=False,
        **task.setup.law_kwargs(),
    )  # fmt: skip
    pred, conf = boot.interval(0.8), boot.interval(0.8, kind="confidence")
    cov_pred = osl.uncertainty.coverage(task.y_test, pred)
    cov_conf = osl.uncertainty.coverage(task.y_test, conf)
    assert cov_conf <= cov_pred
    test = task.y_test.index
    ratio = (conf["hi"] - conf["lo"]).loc[test].mean() / (pred["hi"] - pred["lo"]).loc[test].mean()
    assert 0.8 < ratio < 1.0  # "far above the training range the curves' spread dominates"


def test_out_of_family_test_on_leaderboard_tasks() -> None:
    tasks = ["bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr"]
    ext = {k: hold.out_of_time(k, "extended") for k in tasks}
    table = osl.evaluation.stack_tables(ext)
    assert (table.groupby("target")["n_test"].nunique() == 1).all()
    wins = osl.evaluation.win_rate(table, "3 PCs", "log_flops")
    assert (wins["cells"], wins["wins"]) == (6, 4)
    # "These models are mostly small": median size well below the later models'.
    size = {
        s: osl.load_base_benchmarks(s)["Model Size (B)"].median()
        for s in ("extended", "preregistered")
    }
    assert size["extended"] < size["preregistered"] / 3
    assert float(np.max(table["test_mse"])) < 0.005  # "every predictor's error is small"
    # No downstream post-training results exist for these models: a named error, not a table.
    with pytest.raises(NotEnoughModelsError, match="0 test models"):
        hold.out_of_time("gsm8k_cot", "extended")


# --------------------------------------------------------------------------- calibrated intervals


@pytest.fixture(scope="module")
def intervals() -> dict[str, float]:
    """The chapter's interval headline (the bootstrap only where the chapter's prose reads it)."""
    cells = hold.rolling_backtest()
    preds = hold.rolling_predictions()
    conf = hold.conformal_backtest(preds, cells, levels=(0.5, 0.8, 0.95))
    later_conf = hold.later_model_intervals(
        OOT_TARGETS, levels=(0.5, 0.8, 0.95), methods=("conformal",)
    )
    later_boot = hold.later_model_intervals(
        OOT_TARGETS, predictors=(3,), levels=(0.5, 0.8, 0.95), methods=("bootstrap",),
        n_boot=100, seed=0,
    )  # fmt: skip
    head = hold.interval_headline([conf, later_conf, later_boot])
    by_target = hold.interval_summary(conf, by=("target", "level"))
    at80 = by_target[by_target["level"] == 0.8]
    worst = at80.nsmallest(3, "coverage")
    mean_width = hold.interval_summary(conf).set_index("level").loc[0.8, "width"]
    return {**head, "worst_narrower": float((worst["width"] < mean_width).all())}


def test_conformal_intervals_hold_on_the_later_models(intervals: dict[str, float]) -> None:
    # The goal (within five points of nominal at 80% and 95%) is glued with its verdict;
    # what the prose interprets: not too narrow, at most conservative, closer to nominal
    # than the bootstrap (which under-covers), and wider than it.
    for level in (80, 95):
        for key in (f"later_{level}_miss", f"all_later_{level}_miss"):
            assert -5 <= intervals[key] <= 12, key
        assert abs(intervals[f"later_{level}_miss"]) < abs(intervals[f"later_{level}_boot_miss"])
        assert intervals[f"later_{level}_boot_miss"] < -5
        assert intervals[f"later_{level}_width_ratio"] > 1.0
    assert (
        intervals["all_later_50_cov"]
        < intervals["all_later_80_cov"]
        < intervals["all_later_95_cov"]
    )


def test_conformal_intervals_fall_short_in_the_backtest_beyond_the_calibrated_horizon(
    intervals: dict[str, float],
) -> None:
    # The documented verdict: in the backtest the 80% intervals are within five points of
    # nominal and the 95% intervals under-cover by more than five...
    assert abs(intervals["backtest_80_miss"]) <= 5
    assert intervals["backtest_95_miss"] < -5
    assert intervals["all_backtest_95_miss"] < -5
    # ...most of all where a forecast reaches beyond every residual of the past.
    assert 10 < intervals["beyond_share"] < 60
    assert intervals["beyond_80_cov"] < intervals["within_80_cov"] - 5
    # "The targets whose 80% intervals cover least have narrower intervals than the average."
    assert intervals["worst_narrower"] == 1.0
