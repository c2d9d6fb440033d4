"""Unit tests of the chapter "did it hold" helpers: out of time, the backtest and its intervals."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import did_it_hold as bt
from osl_helpers.uncertainty import ConformalLaw

PREDICTORS = (3, "log_flops")


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return bt.rolling_backtest(targets=["gsm8k_cot"], predictors=PREDICTORS)


@pytest.fixture(scope="module")
def preds() -> pd.DataFrame:
    return bt.rolling_predictions(targets=["gsm8k_cot"], predictors=PREDICTORS)


@pytest.fixture(scope="module")
def conf(preds: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    return bt.conformal_backtest(preds, cells, levels=(0.5, 0.8, 0.95))


def test_rolling_predictions_reach_below_the_backtest(
    preds: pd.DataFrame, cells: pd.DataFrame
) -> None:
    assert preds["cutoff"].min() < cells["cutoff"].min()
    test = preds[preds["split"] == "test"]
    assert (test["horizon"] > 0).all()
    np.testing.assert_allclose(test["horizon"], test["log10_flops"] - test["cutoff"])
    # The backtest's own cells are in it, with the same test models.
    main = test[test["cutoff"].isin(cells["cutoff"])]
    n = main.groupby(["cutoff", "predictor"]).size().rename("n").reset_index()
    merged = n.merge(cells, on=["cutoff", "predictor"])
    assert len(merged) == len(cells) and (merged["n"] == merged["n_test"]).all()


def test_conformal_backtest_covers_every_cell_model_and_level(
    conf: pd.DataFrame, cells: pd.DataFrame
) -> None:
    per_level = conf.groupby("level").size()
    assert (per_level == cells["n_test"].sum()).all()
    assert ((conf["lo"] <= conf["y_hat"] + 1e-12) & (conf["y_hat"] <= conf["hi"] + 1e-12)).all()
    wide = conf.pivot_table(
        index=["cutoff", "predictor", "Model"], columns="level", values="hi", aggfunc="first"
    )
    assert (wide[0.95] >= wide[0.5] - 1e-12).all()


def test_calibration_never_uses_a_test_models_residual(
    preds: pd.DataFrame, cells: pd.DataFrame, conf: pd.DataFrame
) -> None:
    # Change the truth of every model above the cutoff 23.0, wherever it appears: the
    # intervals of that cell must not move, since none of its models (all above 23.0)
    # may calibrate it, at any earlier cutoff.
    cut = 23.0
    above = preds["log10_flops"] > cut + 1e-9
    scrambled = preds.assign(y=preds["y"].where(~above, 1.0 - preds["y"]))
    one = cells[cells["cutoff"] == cut]
    again = bt.conformal_backtest(scrambled, one, levels=(0.5, 0.8, 0.95))
    before = conf[conf["cutoff"] == cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        again[["Model", "predictor", "level", "lo", "hi"]].reset_index(drop=True),
        before[["Model", "predictor", "level", "lo", "hi"]],
    )
    # ...while changing a model below the cutoff, which calibrates it, does move them.
    below = preds["log10_flops"].between(22.5, cut)
    shifted = preds.assign(y=preds["y"].where(~below, 1.0 - preds["y"]))
    moved = bt.conformal_backtest(shifted, one, levels=(0.5, 0.8, 0.95))
    assert not np.allclose(moved["hi"], before["hi"])


def test_bookkeeping_equals_the_estimator(conf: pd.DataFrame) -> None:
    # The backtest reuses earlier cells' predictions instead of refitting; the result is
    # what ConformalLaw computes on the cell's training models with the cell's origin.
    task = osl.load_task("gsm8k_cot")
    cut = 23.0
    flops = task.frame["log10_flops"]
    train = flops <= cut + 1e-9
    law = ConformalLaw(estimator=osl.ObservationalScalingLaw(**task.setup.law_kwargs()))
    law.fit(task.X[train], task.y[train], flops[train], origin=cut)
    test = flops > cut + 1e-9
    mine = law.predict_intervals(task.X[test], flops[test], (0.5, 0.8, 0.95))
    cell = conf[(conf["cutoff"] == cut) & (conf["predictor"] == "3 PCs")]
    cell = cell.set_index(["Model", "level"]).sort_index()
    mine = mine.rename_axis("Model").set_index("level", append=True).sort_index()
    np.testing.assert_allclose(mine["lo"], cell["lo"], atol=1e-9)
    np.testing.assert_allclose(mine["hi"], cell["hi"], atol=1e-9)
    np.testing.assert_array_equal(mine["beyond"], cell["beyond"])


def test_bootstrap_backtest_uses_the_same_models(
    preds: pd.DataFrame, cells: pd.DataFrame, conf: pd.DataFrame
) -> None:
    few = cells[cells["cutoff"].isin([22.5, 23.5])]
    boot = bt.bootstrap_backtest(preds, few, predictors=(3,), levels=(0.8,), n_boot=20, seed=1)
    mine = conf[(conf["cutoff"].isin([22.5, 23.5])) & (conf["predictor"] == "3 PCs")]
    key = ["cutoff", "Model"]
    assert set(map(tuple, boot[key].to_numpy())) == set(
        map(tuple, mine[mine["level"] == 0.8][key].to_numpy())
    )
    again = bt.bootstrap_backtest(preds, few, predictors=(3,), levels=(0.8,), n_boot=20, seed=1)
    pd.testing.assert_frame_equal(boot, again)


def test_wilson_interval() -> None:
    lo, hi = bt.wilson_interval(80, 100)
    # Wilson (1927) score interval for 80/100 at 95%: 0.711 to 0.867.
    assert lo == pytest.approx(0.7112, abs=1e-3) and hi == pytest.approx(0.8666, abs=1e-3)
    assert bt.wilson_interval(0, 10)[0] == pytest.approx(0.0, abs=1e-12)
    assert bt.wilson_interval(10, 10)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="hits"):
        bt.wilson_interval(11, 10)


def _toy() -> pd.DataFrame:
    rows = []
    for method, hi in (("conformal", 0.9), ("bootstrap", 0.55)):
        for split in ("backtest", "later models"):
            for level in (0.5, 0.8, 0.95):
                for i, y in enumerate((0.2, 0.4, 0.6, 0.8)):
                    rows.append(
                        {
                            "method": method, "split": split, "target": "t", "cutoff": 22.0,
                            "predictor": "3 PCs", "Model": f"m{i}", "Model Family": "f",
                            "level": level, "y": y, "y_hat": 0.5, "lo": 0.3, "hi": hi,
                            "horizon": 0.5, "beyond": i == 3,
                        }
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_interval_summary_and_headline_on_a_toy_table() -> None:
    toy = _toy()
    summary = bt.interval_summary(toy)
    conf = summary[(summary["method"] == "conformal") & (summary["split"] == "backtest")]
    # [0.3, 0.9] holds 0.4, 0.6 and 0.8 of the four truths.
    assert (conf["coverage"] == 0.75).all() and (conf["n"] == 4).all()
    assert conf["width"].iloc[0] == pytest.approx(0.6)
    assert (conf["coverage_lo"] < 0.75).all() and (conf["coverage_hi"] > 0.75).all()
    head = bt.interval_headline(
        [toy[toy["method"] == "conformal"], toy[toy["method"] != "conformal"]]
    )
    assert all(isinstance(v, float) for v in head.values())
    assert head["conformal_later_80_cov"] == pytest.approx(75.0)
    assert head["bootstrap_later_80_cov"] == pytest.approx(25.0)  # only 0.4 in [0.3, 0.55]
    assert head["later_80_miss"] == pytest.approx(-5.0)
    assert head["later_95_miss"] == pytest.approx(-20.0)
    assert head["later_80_width_ratio"] == pytest.approx(0.6 / 0.25)
    assert head["beyond_share"] == pytest.approx(25.0)
    assert head["within_80_cov"] == pytest.approx(100 * 2 / 3)
    assert bt.goal_verdict(head) == "met at 80%; missed at 95% (-20.0 points)"
    with pytest.raises(ValueError, match="no intervals of predictor"):
        bt.interval_summary(toy, predictor="5 PCs")


def test_reliability_chart_draws_both_methods_with_error_bars() -> None:
    summary = bt.interval_summary(_toy())
    chart = osl.charts.reliability_chart(summary)
    assert isinstance(chart, alt.FacetChart)
    spec = chart.to_dict()
    text = str(spec)
    for field in ("coverage_lo", "coverage_hi", "strokeDash", "shape", "perfect calibration"):
        assert field in text
    rows = [r for rows in spec["datasets"].values() for r in rows]
    assert {r["method"] for r in rows} == {"conformal", "bootstrap"}
    single = osl.charts.reliability_chart(summary[summary["split"] == "backtest"], split=None)
    assert isinstance(single, alt.LayerChart)
    with pytest.raises(ValueError, match="coverage_lo"):
        osl.charts.reliability_chart(summary.drop(columns="coverage_lo"))


def test_backtest_identical_test_sets_and_headline() -> None:
    table = bt.rolling_backtest(
        targets=["gsm8k_cot", "word_unscramble"], cutoffs=[22.5, 23.0],
        predictors=(1, 3, "log_flops"),
    )  # fmt: skip
    per_cell = table.groupby(["target", "cutoff"])["n_test"].nunique()
    assert (per_cell == 1).all()
    assert set(table["predictor"]) == {"1 PC", "3 PCs", "log_flops"}
    h = bt.headline(table)
    assert h["cells"] == 4
    assert 0 <= h["share_pcs_better"] <= 1
    # Later cutoffs train on more models.
    n = table[table["predictor"] == "3 PCs"].set_index(["target", "cutoff"])["n_train"]
    assert n.loc[("gsm8k_cot", 23.0)] > n.loc[("gsm8k_cot", 22.5)]


def test_backtest_skips_cells_without_enough_models() -> None:
    table = bt.rolling_backtest(targets=["gsm8k_cot"], cutoffs=[20.0], predictors=(1, "log_flops"))
    assert table.empty
    assert table.attrs["skipped"] and table.attrs["skipped"][0][0] == "gsm8k_cot"


def test_frozen_space_reconstructs_later_models() -> None:
    err = bt.reconstruction_error(n_components=3, test_subset="preregistered")
    med = err.groupby("subset")["rmse"].median()
    assert set(err["subset"]) == {"paper", "preregistered"}
    assert (err["subset"] == "preregistered").sum() == 20
    # Later models are reconstructed almost as well as the models the space was fitted on.
    assert med["preregistered"] < 1.5 * med["paper"]


def test_out_of_time_uses_one_test_set_of_later_models() -> None:
    comp = bt.out_of_time("gsm8k_cot", "preregistered")
    assert comp.table["n_test"].nunique() == 1
    tested = set(comp.predictions.loc[comp.predictions["split"] == "test", "Model"])
    assert tested <= set(osl.PREREGISTERED_MODELS)
    trained = set(comp.predictions.loc[comp.predictions["split"] == "train", "Model"])
    assert trained <= set(osl.load_base_benchmarks("paper")["Model"])
    assert any("Qwen2" in m for m in comp.dropped["Model"])  # unknown FLOPs: reported


# --------------------------------------------------------------------------- quoted numbers


def _comparison_table() -> pd.DataFrame:
    mse = {
        "gsm8k_cot": {"3 PCs": 0.01, "log_flops": 0.03, "log_params": 0.05},
        "ifeval": {"3 PCs": 0.020, "log_flops": 0.019, "log_params": 0.015},
        "math_hard": {"3 PCs": 0.04, "log_flops": 0.02, "log_params": 0.03},
    }
    return pd.DataFrame(
        [
            {"target": t, "predictor": p, "test_mse": v, "n_test": n}
            for (t, row), n in zip(mse.items(), (12, 15, 15), strict=True)
            for p, v in row.items()
        ]
    )


def test_out_of_time_numbers_name_wins_losses_and_errors() -> None:
    table = _comparison_table()
    wide = bt.mse_table(table)
    assert wide.loc["ifeval", "log_params"] == 0.015
    nums = bt.out_of_time_numbers(table)
    assert (nums["oot_targets"], nums["oot_wins"], nums["oot_n_test"]) == (3, 1, 15)
    assert nums["oot_losses"] == "ifeval, math_hard"
    assert nums["oot_math_pc"] == 0.04 and nums["oot_ifeval_params"] == 0.015
    assert isinstance(nums["oot_wins"], int) and isinstance(nums["oot_math_flops"], float)


def test_reconstruction_numbers_take_medians_per_subset() -> None:
    recon = pd.DataFrame(
        {"subset": ["paper"] * 3 + ["preregistered"] * 2, "rmse": [1.0, 2.0, 9.0, 3.0, 5.0]}
    )
    ext = pd.DataFrame({"subset": ["paper", "extended"], "rmse": [1.0, 7.0]})
    assert bt.reconstruction_numbers(recon, ext) == {
        "recon_paper": 2.0, "recon_prereg": 4.0, "recon_ext": 7.0,
    }  # fmt: skip


def test_backtest_numbers_on_a_toy_backtest() -> None:
    mse = {  # (target, cutoff) → MSE of 1 PC, 3 PCs, log_flops, log_params
        ("a", 22.0): (0.02, 0.01, 0.03, 0.04),
        ("a", 23.0): (0.03, 0.02, 0.01, 0.05),
        ("b", 22.0): (0.01, 0.015, 0.04, 0.03),
    }
    names = ("1 PC", "3 PCs", "log_flops", "log_params")
    table = pd.DataFrame(
        [
            {"target": t, "cutoff": c, "predictor": p, "test_mse": v}
            for (t, c), row in mse.items()
            for p, v in zip(names, row, strict=True)
        ]
    )
    nums = bt.backtest_numbers(table)
    assert nums["bt_cells"] == 3 and nums["bt_share"] == pytest.approx(200 / 3)
    assert nums["bt_best"] == "3 PCs"
    assert nums["bt_params_worst"] == pytest.approx(200 / 3)
    assert nums["bt_best_k"] == "1 PC for b; 3 PCs for a"


def test_coverage_numbers_pool_by_test_models() -> None:
    rows = []
    for split, n, cov in (("backtest 22.75", 10, 0.5), ("backtest 23.25", 30, 0.9),
                          ("out of time", 20, 0.7)):  # fmt: skip
        for level in (0.8, 0.95):
            rows.append({"target": "t", "split": split, "level": level, "n_test": n,
                         "coverage": cov})  # fmt: skip
    nums = bt.coverage_numbers(pd.DataFrame(rows))
    assert nums["cov80"] == pytest.approx(100 * (5 + 27 + 14) / 60)
    assert nums["cov80_oot"] == pytest.approx(70.0)
    assert (nums["cov_first_cut"], nums["cov_last_cut"]) == ("22.75", "23.25")
    assert nums["cov95_first"] == pytest.approx(50.0) and nums["cov_n"] == 60


def _boot() -> osl.uncertainty.BootstrapResult:
    draws = np.tile(np.linspace(0.1, 0.9, 11)[:, None], (1, 3))
    index = pd.Index(["m0", "m1", "m2"], name="Model")
    return osl.uncertainty.BootstrapResult(index, draws, draws * 1.0, 0, 0)


def test_band_numbers_and_frame_from_one_bootstrap() -> None:
    boot = _boot()
    y = pd.Series([0.5, 0.95, 0.15], index=["m0", "m1", "m2"])
    nums = bt.band_numbers(y, boot)
    assert nums["gsm_cov_pred"] == pytest.approx(100 / 3)  # only 0.5 in [0.18, 0.82]
    assert nums["gsm_width_ratio"] == pytest.approx(1.0)  # the same draws with no noise
    points = pd.DataFrame({"Model": ["m2", "m0", "m1"], "f_equiv_log10_flops": [3.0, 1.0, 2.0]})
    band = bt.band_frame(points, boot)
    assert list(band["Model"]) == ["m0", "m1", "m2"]
    assert {"lo", "hi", "y_hat"} <= set(band.columns)
    for col in ("lo", "y_hat", "hi"):  # each column a monotone function of x
        assert band[col].is_monotonic_increasing or band[col].is_monotonic_decreasing


def test_band_frame_draws_a_zigzag_of_medians_as_a_function_of_x() -> None:
    base = np.linspace(0.1, 0.3, 11)[:, None]
    draws = base + np.array([[0.0, 0.3, 0.1]])  # medians 0.2, 0.5, 0.3 for x = 1, 2, 3
    index = pd.Index(["m0", "m1", "m2"], name="Model")
    boot = osl.uncertainty.BootstrapResult(index, draws, draws * 1.0, 0, 0)
    points = pd.DataFrame({"Model": ["m0", "m1", "m2"], "f_equiv_log10_flops": [1.0, 2.0, 3.0]})
    band = bt.band_frame(points, boot)
    assert band["y_hat"].to_numpy() == pytest.approx([0.2, 0.4, 0.4])
    assert band["lo"].is_monotonic_increasing and band["hi"].is_monotonic_increasing


def test_interval_numbers_and_worst_covered_on_a_toy_table() -> None:
    toy = _toy()
    nums = bt.interval_numbers(
        [toy[toy["method"] == "conformal"], toy[toy["method"] != "conformal"]]
    )
    assert nums["iv_conformal_later_80_cov"] == pytest.approx(75.0)
    assert nums["iv_verdict_later"] == "met at 80%; missed at 95% (-20.0 points)"
    assert nums["iv_n_boot"] == 100
    assert nums["iv_later_sharper"] in ("conformal", "bootstrap")
    worst = bt.worst_covered(toy[toy["method"] == "bootstrap"], level=0.8, n=1)
    assert list(worst["target"]) == ["t"] and worst["coverage"].iloc[0] == pytest.approx(0.25)
