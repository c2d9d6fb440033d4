"""Claims of the chapter "Did the predictions hold?" (out-of-time, backtest, coverage).

These are the book's own extensions of Ruan, Maddison & Hashimoto (2024); the
tolerances state how strongly the chapter's sentences are meant.
"""

from __future__ import annotations

import pytest

import osl_helpers as osl
from osl_helpers._validation import NotEnoughModelsError

OOT_TARGETS = [
    "gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc", "word_unscramble", "persian_qa",
    "bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr",
]  # fmt: skip


def test_out_of_time_capabilities_beat_compute_on_most_targets() -> None:
    oot = {k: osl.outoftime.out_of_time(k, "preregistered") for k in OOT_TARGETS}
    table = osl.evaluation.stack_tables(oot)
    wins = osl.evaluation.win_rate(table, "3 PCs", "log_flops")
    assert wins["cells"] == len(OOT_TARGETS)
    assert wins["share"] >= 0.8  # "on most targets"
    # The post-training targets, the paper's headline, are all won.
    wide = table.pivot(index="target", columns="predictor", values="test_mse")
    for key in ("gsm8k_naive", "gsm8k_cot", "gsm8k_cot_sc"):
        assert wide.loc[key, "3 PCs"] < wide.loc[key, "log_flops"]


def test_backtest_headline() -> None:
    bt = osl.backtest.rolling_backtest()
    head = osl.backtest.headline(bt)
    assert head["cells"] >= 100
    assert head["share_pcs_better"] > 0.6  # "in most cells"
    assert head["geomean_ratio"] > 1.5  # "by a factor of about two"


@pytest.mark.slow
def test_bootstrap_prediction_intervals_under_cover() -> None:
    study = osl.uncertainty.coverage_study(
        ["gsm8k_cot", "word_unscramble", "bbh", "mmlu_pro"], n_boot=100, seed=0
    )
    pooled = osl.uncertainty.pooled_coverage(study)
    # "somewhat too narrow": below nominal, but far from useless.
    assert 0.5 < pooled.loc[0.8] < 0.8
    assert 0.7 < pooled.loc[0.95] < 0.95


def test_out_of_family_test_on_leaderboard_tasks() -> None:
    tasks = ["bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr"]
    ext = {k: osl.outoftime.out_of_time(k, "extended") for k in tasks}
    table = osl.evaluation.stack_tables(ext)
    assert (table.groupby("target")["n_test"].nunique() == 1).all()
    wins = osl.evaluation.win_rate(table, "3 PCs", "log_flops")
    assert wins["share"] >= 0.5
    # No downstream post-training results exist for these models: a named error, not a table.
    with pytest.raises(NotEnoughModelsError, match="0 test models"):
        osl.outoftime.out_of_time("gsm8k_cot", "extended")


# --------------------------------------------------------------------------- calibrated intervals


@pytest.fixture(scope="module")
def intervals() -> dict[str, float]:
    """The chapter's interval headline (the bootstrap only where the chapter's prose reads it)."""
    cells = osl.backtest.rolling_backtest()
    preds = osl.backtest.rolling_predictions()
    conf = osl.backtest.conformal_backtest(preds, cells, levels=(0.5, 0.8, 0.95))
    later_conf = osl.backtest.later_model_intervals(
        OOT_TARGETS, levels=(0.5, 0.8, 0.95), methods=("conformal",)
    )
    later_boot = osl.backtest.later_model_intervals(
        OOT_TARGETS, predictors=(3,), levels=(0.5, 0.8, 0.95), methods=("bootstrap",),
        n_boot=100, seed=0,
    )  # fmt: skip
    head = osl.backtest.interval_headline([conf, later_conf, later_boot])
    by_target = osl.backtest.interval_summary(conf, by=("target", "level"))
    at80 = by_target[by_target["level"] == 0.8]
    worst = at80.nsmallest(3, "coverage")
    mean_width = osl.backtest.interval_summary(conf).set_index("level").loc[0.8, "width"]
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
    # The documented miss: the 80% intervals under-cover the backtest by more than five points...
    assert intervals["backtest_80_miss"] < -5
    assert intervals["all_backtest_80_miss"] < -5
    # ...most of all where a forecast reaches beyond every residual of the past.
    assert 10 < intervals["beyond_share"] < 60
    assert intervals["beyond_80_cov"] < intervals["within_80_cov"] - 5
    # "The targets whose 80% intervals cover least have narrower intervals than the average."
    assert intervals["worst_narrower"] == 1.0
