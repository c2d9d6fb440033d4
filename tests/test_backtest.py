"""The interval study of the backtest: conformal vs bootstrap on the same models, and its chart."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import backtest as bt
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
