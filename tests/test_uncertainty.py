"""Bootstrap intervals and rolling backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.backtest import headline, rolling_backtest
from osl_helpers.synthetic import make_synthetic
from osl_helpers.uncertainty import bootstrap_law, coverage, interval_frame


@pytest.fixture(scope="module")
def task():
    return osl.load_task("gsm8k_cot")


@pytest.fixture(scope="module")
def boot(task):
    return bootstrap_law(
        task.X_train, task.y_train, task.X, n_boot=200, seed=1, **task.setup.law_kwargs()
    )


def test_bootstrap_is_seeded(task, boot) -> None:
    again = bootstrap_law(
        task.X_train, task.y_train, task.X, n_boot=200, seed=1, **task.setup.law_kwargs()
    )
    np.testing.assert_array_equal(boot.draws, again.draws)
    other = bootstrap_law(
        task.X_train, task.y_train, task.X, n_boot=200, seed=2, **task.setup.law_kwargs()
    )
    assert not np.array_equal(boot.draws, other.draws)


def test_intervals_are_nested_and_bracket_the_median(boot) -> None:
    i80, i95 = boot.interval(0.8), boot.interval(0.95)
    assert (i95["lo"] <= i80["lo"] + 1e-12).all() and (i95["hi"] >= i80["hi"] - 1e-12).all()
    assert ((i80["lo"] <= i80["median"]) & (i80["median"] <= i80["hi"])).all()
    conf = boot.interval(0.8, "confidence")
    # Prediction intervals add residual noise, so they are wider on average.
    assert (i80["hi"] - i80["lo"]).mean() > (conf["hi"] - conf["lo"]).mean()


def test_interval_frame_and_coverage(task, boot) -> None:
    tidy = interval_frame(boot)
    assert set(tidy["level"]) == {0.8, 0.95}
    assert len(tidy) == 2 * len(task.X)
    cov = coverage(task.y_test, boot.interval(0.95))
    assert 0.0 <= cov <= 1.0
    fake = pd.DataFrame({"lo": 0.0, "hi": 1.0}, index=task.y_test.index)
    assert coverage(task.y_test, fake) == 1.0


def test_prediction_intervals_are_roughly_calibrated_on_synthetic_data() -> None:
    # With data generated from the law itself, nominal 80% intervals should cover
    # most held-out truths (random splits, so no extrapolation is involved).
    world = make_synthetic(n_families=10, models_per_family=8, target_noise=0.03, seed=5)
    rng = np.random.default_rng(0)
    test = pd.Series(rng.random(len(world.frame)) < 0.3, index=world.frame.index)
    X, y = world.frame[world.benchmarks], world.frame["E"]
    res = bootstrap_law(X[~test], y[~test], X[test], n_boot=200, seed=0, n_components=3)
    cov = coverage(y[test], res.interval(0.8))
    assert 0.6 <= cov <= 0.98


def test_bootstrap_rejects_bad_input(task) -> None:
    with pytest.raises(ValueError, match="rows"):
        bootstrap_law(task.X_train, task.y_train.iloc[:-1], task.X, n_boot=20)
    with pytest.raises(ValueError, match="at least 10"):
        bootstrap_law(task.X_train, task.y_train, task.X, n_boot=5)
    with pytest.raises(ValueError, match="level"):
        bootstrap_law(task.X_train, task.y_train, task.X, n_boot=20, seed=0).interval(1.5)


def test_backtest_identical_test_sets_and_headline() -> None:
    table = rolling_backtest(
        targets=["gsm8k_cot", "word_unscramble"], cutoffs=[22.5, 23.0],
        predictors=(1, 3, "log_flops"),
    )  # fmt: skip
    per_cell = table.groupby(["target", "cutoff"])["n_test"].nunique()
    assert (per_cell == 1).all()
    assert set(table["predictor"]) == {"1 PC", "3 PCs", "log_flops"}
    h = headline(table)
    assert h["cells"] == 4
    assert 0 <= h["share_pcs_better"] <= 1
    # Later cutoffs train on more models.
    n = table[table["predictor"] == "3 PCs"].set_index(["target", "cutoff"])["n_train"]
    assert n.loc[("gsm8k_cot", 23.0)] > n.loc[("gsm8k_cot", 22.5)]


def test_backtest_skips_cells_without_enough_models() -> None:
    table = rolling_backtest(targets=["gsm8k_cot"], cutoffs=[20.0], predictors=(1, "log_flops"))
    assert table.empty
    assert table.attrs["skipped"] and table.attrs["skipped"][0][0] == "gsm8k_cot"


def test_frozen_space_reconstructs_later_models() -> None:
    from osl_helpers.outoftime import reconstruction_error

    err = reconstruction_error(n_components=3, test_subset="preregistered")
    med = err.groupby("subset")["rmse"].median()
    assert set(err["subset"]) == {"paper", "preregistered"}
    assert (err["subset"] == "preregistered").sum() == 20
    # Later models are reconstructed almost as well as the models the space was fitted on.
    assert med["preregistered"] < 1.5 * med["paper"]


def test_out_of_time_uses_one_test_set_of_later_models() -> None:
    from osl_helpers.outoftime import out_of_time

    comp = out_of_time("gsm8k_cot", "preregistered")
    assert comp.table["n_test"].nunique() == 1
    tested = set(comp.predictions.loc[comp.predictions["split"] == "test", "Model"])
    assert tested <= set(osl.PREREGISTERED_MODELS)
    trained = set(comp.predictions.loc[comp.predictions["split"] == "train", "Model"])
    assert trained <= set(osl.load_base_benchmarks("paper")["Model"])
    assert any("Qwen2" in m for m in comp.dropped["Model"])  # unknown FLOPs: reported
