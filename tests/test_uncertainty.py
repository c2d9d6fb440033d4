"""Bootstrap intervals and rolling backtests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.synthetic import make_synthetic
from osl_helpers.uncertainty import bootstrap_law, coverage, interval_frame


@pytest.fixture(scope="module")
def task(gsm8k_cot):
    return gsm8k_cot


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


# --------------------------------------------------------------------------- conformal intervals

from osl_helpers.uncertainty import (  # noqa: E402
    ConformalLaw,
    conformal_quantile,
    horizon_quantiles,
    interval_score,
    logit_band,
    logit_residual,
)


def test_conformal_quantile_takes_the_finite_sample_rank() -> None:
    scores = np.arange(1.0, 20.0)  # 19 scores: 1, …, 19
    # ⌈(19 + 1)·0.8⌉ = 16th smallest; ⌈20·0.95⌉ = 19th
    assert conformal_quantile(scores, 0.8) == 16.0
    assert conformal_quantile(scores, 0.95) == 19.0
    # 18 scores cannot certify 95%: ⌈19·0.95⌉ = 19 > 18
    assert conformal_quantile(scores[:-1], 0.95) == np.inf
    assert conformal_quantile([], 0.5) == np.inf
    with pytest.raises(ValueError, match="level"):
        conformal_quantile(scores, 1.0)


def test_logit_band_inverts_the_logit_residual() -> None:
    y_hat = np.array([0.05, 0.3, 0.5, 0.9])
    lo, hi = logit_band(y_hat, 0.7)
    assert ((lo < y_hat) & (y_hat < hi)).all()
    np.testing.assert_allclose(np.abs(logit_residual(lo, y_hat)), 0.7, rtol=1e-9)
    np.testing.assert_allclose(np.abs(logit_residual(hi, y_hat)), 0.7, rtol=1e-9)
    # Wider in the steep middle of the sigmoid than near its floor.
    assert (hi - lo)[2] > (hi - lo)[0]
    # Bounds reaching the clipped zone become the ends of the scale; q = ∞ covers all.
    lo, hi = logit_band([0.02, 0.98], 3.0)
    assert lo[0] == 0.0 and hi[1] == 1.0
    lo, hi = logit_band([0.4], np.inf)
    assert (lo[0], hi[0]) == (0.0, 1.0)
    with pytest.raises(ValueError, match="non-negative"):
        logit_band([0.4], -1.0)


def test_horizon_quantiles_use_residuals_of_similar_horizon() -> None:
    # Small residuals at short horizons, large ones far out.
    horizons = np.r_[np.full(30, 0.2), np.full(30, 2.0)]
    scores = np.r_[np.full(30, 0.1), np.full(30, 1.0)]
    q = horizon_quantiles(scores, horizons, [0.1, 2.1, 5.0], [0.8], bandwidth=0.5)
    assert q[0, 0] == pytest.approx(0.1)
    assert q[1, 0] == pytest.approx(1.0)
    assert q[2, 0] == pytest.approx(1.0)  # beyond every horizon: the farthest residuals
    # Too few residuals in the window: the nearest ones make up the number.
    q = horizon_quantiles(scores, horizons, [1.0], [0.5], bandwidth=0.1, min_neighbours=40)
    assert np.isfinite(q).all()
    assert np.isinf(horizon_quantiles([], [], [0.0], [0.5])).all()


def test_interval_score_matches_its_definition() -> None:
    y = np.array([0.5, 0.1, 0.9])
    s = interval_score(y, 0.3, 0.6, 0.8)  # a = 0.2, so a miss costs 2/0.2 = 10 per unit
    np.testing.assert_allclose(s, [0.3, 0.3 + 10 * 0.2, 0.3 + 10 * 0.3])


def _synthetic_coverage(
    order_kind: str, levels: tuple[float, ...], target_noise: float = 0.03
) -> tuple[np.ndarray, int]:
    # 160 models per world: the rolling origin's early fits, on few models, are then a small
    # part of the calibration set.
    hits, n = np.zeros(len(levels)), 0
    for seed in range(10):
        world = make_synthetic(
            n_families=16, models_per_family=10, target_noise=target_noise, seed=seed
        )
        frame = world.frame
        X, y = frame[world.benchmarks], frame["E"]
        if order_kind == "random":
            # Release time unrelated to capability: residuals are exchangeable.
            rng = np.random.default_rng(1000 + seed)
            order = pd.Series(rng.uniform(0.0, 8.0, len(frame)), index=frame.index)
        else:
            order = frame["log10_flops"]
        train = order <= np.quantile(order, 0.75)
        law = ConformalLaw(estimator=osl.ObservationalScalingLaw(n_components=3))
        law.fit(X[train], y[train], order[train])
        iv = law.predict_intervals(X[~train], order[~train], levels)
        for j, level in enumerate(levels):
            at = iv[iv["level"] == level]
            truth = y[~train].clip(0.0, 1.0)
            hits[j] += int(((truth >= at["lo"]) & (truth <= at["hi"])).sum())
        n += int((~train).sum())
    return hits / n, n


def _band(level: float, n: int) -> float:
    return 2.58 * np.sqrt(level * (1 - level) / n)  # 99% binomial band


def test_conformal_intervals_are_calibrated_when_residuals_are_exchangeable() -> None:
    # Known noise (σ = 0.03 on E) and a release order unrelated to the models: the
    # split-conformal guarantee applies, so coverage is nominal within binomial error.
    levels = (0.5, 0.8, 0.95)
    cov, n = _synthetic_coverage("random", levels)
    for level, c in zip(levels, cov, strict=True):
        assert abs(c - level) <= _band(level, n), (level, c)


def test_conformal_intervals_of_larger_models_are_nominal_when_the_law_is_exact() -> None:
    # Ordered by compute, the test models are all larger than every calibration model.
    # Without noise on E the law is exact and the logit-scale residuals transfer.
    levels = (0.5, 0.8, 0.95)
    cov, n = _synthetic_coverage("flops", levels, target_noise=0.0)
    for level, c in zip(levels, cov, strict=True):
        assert abs(c - level) <= _band(level, n), (level, c)


def test_conformal_intervals_under_cover_models_near_the_ceiling_under_additive_noise() -> None:
    # The documented limit of the logit scale: the largest models sit near the ceiling,
    # where noise added on the [0, 1] scale of E is far wider on the logit scale than at
    # the mid-range scores the calibration residuals come from.
    levels = (0.5, 0.8, 0.95)
    cov, n = _synthetic_coverage("flops", levels, target_noise=0.03)
    for level, c in zip(levels, cov, strict=True):
        assert c < level - _band(level, n), (level, c)


def test_conformal_law_calibrates_only_on_its_training_models(task) -> None:
    order = task.frame["log10_flops"]
    law = ConformalLaw(estimator=osl.ObservationalScalingLaw(**task.setup.law_kwargs()))
    law.fit(task.X_train, task.y_train, order[task.train])
    cal = law.calibration_
    assert set(cal["model"]) <= set(task.X_train.index)
    assert (cal["horizon"] > 0).all() and len(law.origins_) >= 3
    # Every calibration residual was out of time: its model lay above its origin.
    assert (order.loc[cal["model"]].to_numpy() > cal["origin"].to_numpy()).all()
    iv = law.predict_interval(task.X_test, order[task.test], level=0.8)
    assert ((iv["lo"] <= iv["y_hat"]) & (iv["y_hat"] <= iv["hi"])).all()
    assert (iv["horizon"] > 0).all()
    i95 = law.predict_interval(task.X_test, order[task.test], level=0.95)
    assert (i95["hi"] - i95["lo"] >= iv["hi"] - iv["lo"] - 1e-12).all()
    # Seeded by construction: refitting gives the same intervals.
    again = ConformalLaw(estimator=osl.ObservationalScalingLaw(**task.setup.law_kwargs()))
    again.fit(task.X_train, task.y_train, order[task.train])
    pd.testing.assert_frame_equal(again.predict_interval(task.X_test, order[task.test], 0.8), iv)


def test_conformal_law_rejects_bad_input(task) -> None:
    order = task.frame["log10_flops"][task.train]
    law = ConformalLaw()
    with pytest.raises(ValueError, match="order"):
        law.fit(task.X_train, task.y_train, order.iloc[:-1])
    with pytest.raises(ValueError, match="place in time"):
        law.fit(task.X_train, task.y_train, order.where(order > order.min()))
    with pytest.raises(ValueError, match="percentage"):
        law.fit(task.X_train, task.y_train * 100, order)
    with pytest.raises(ValueError, match="level"):
        law.fit(task.X_train, task.y_train, order).predict_interval(task.X_test, level=80)
