"""Ground truth from Eqs. 3–6: the method recovers what generated the data."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import subspace_angles

import osl_helpers as osl
from osl_helpers._validation import OSLInputError
from osl_helpers.evaluation import ScalarSigmoidLaw
from osl_helpers.law import sigmoid as sigmoid_np
from osl_helpers.synthetic import make_synthetic


@pytest.fixture(scope="module")
def world():
    return make_synthetic(n_families=10, models_per_family=8, noise=0.004, seed=7)


def _strong_split(world, quantile: float = 0.7):
    cut = world.frame["log10_flops"].quantile(quantile)
    train = world.frame["log10_flops"] <= cut
    return train, ~train


def test_generation_is_seeded() -> None:
    a, b = make_synthetic(seed=3), make_synthetic(seed=3)
    assert a.frame.equals(b.frame)
    assert not a.frame.equals(make_synthetic(seed=4).frame)


def test_pca_recovers_the_true_subspace(world) -> None:
    pca = osl.CapabilityPCA(n_components=3).fit(world.frame[world.benchmarks])
    angles = np.degrees(subspace_angles(pca.components_.to_numpy().T, world.gamma.to_numpy().T))
    assert angles.max() < 5.0
    assert pca.explained_variance_ratio_.sum() > 0.95


def test_pca_recovers_the_subspace_with_missing_cells() -> None:
    w = make_synthetic(n_families=10, models_per_family=8, noise=0.004, missing_frac=0.1, seed=7)
    assert w.frame[w.benchmarks].isna().to_numpy().mean() > 0.05
    pca = osl.CapabilityPCA(n_components=3).fit(w.frame[w.benchmarks])
    angles = np.degrees(subspace_angles(pca.components_.to_numpy().T, w.gamma.to_numpy().T))
    assert angles.max() < 10.0


def test_law_predicts_held_out_strong_models(world) -> None:
    train, test = _strong_split(world)
    X, y = world.frame[world.benchmarks], world.frame["E"]
    law = osl.ObservationalScalingLaw(n_components=3).fit(X[train], y[train])
    assert osl.mse(y[test], law.predict(X[test])) < 0.003


def test_beta_recovered_up_to_rotation() -> None:
    # P = βᵀS + α is rotation invariant: compare fitted and true P on held-out models.
    # Over several worlds, because h is weakly identified when training models sit
    # far below the ceiling (the fit then rests on the h bound).
    corrs = []
    for seed in range(5):
        w = make_synthetic(n_families=10, models_per_family=8, noise=0.004, seed=seed)
        train, test = _strong_split(w)
        X, y = w.frame[w.benchmarks], w.frame["E"]
        law = osl.ObservationalScalingLaw(n_components=3).fit(X[train], y[train])
        P_true = w.S.to_numpy() @ w.beta + w.alpha
        P_fit = law.capability_score(X).to_numpy()
        corrs.append(np.corrcoef(P_true[test], P_fit[test])[0, 1])
    assert np.median(corrs) > 0.99
    assert min(corrs) > 0.97


def test_compute_alone_fails_when_families_differ_in_efficiency() -> None:
    w = make_synthetic(n_families=10, models_per_family=8, efficiency_spread=1.0, seed=11)
    train, test = _strong_split(w)
    X, y, c = w.frame[w.benchmarks], w.frame["E"], w.frame["log10_flops"]
    pc = osl.ObservationalScalingLaw(n_components=3).fit(X[train], y[train])
    flops = ScalarSigmoidLaw().fit(c[train], y[train])
    mse_pc = osl.mse(y[test], pc.predict(X[test]))
    mse_flops = osl.mse(y[test], flops.predict(c[test]))
    assert mse_flops > 5 * mse_pc


def test_compute_alone_suffices_when_families_are_equally_efficient() -> None:
    w = make_synthetic(n_families=10, models_per_family=8, efficiency_spread=0.0, seed=11)
    train, test = _strong_split(w)
    y, c = w.frame["E"], w.frame["log10_flops"]
    flops = ScalarSigmoidLaw().fit(c[train], y[train])
    # Only the small idiosyncratic offsets remain: compute predicts well.
    assert osl.mse(y[test], flops.predict(c[test])) < 0.02


def test_family_lines_recover_the_shared_slope(world) -> None:
    frame = world.frame.assign(**{"PC-1": world.S["PC-1"]})
    lines = osl.fit_family_lines(frame, y="PC-1")
    np.testing.assert_allclose(lines["slope"], world.theta[0], rtol=1e-8)
    assert (lines["r2"] > 0.999).all()


def test_benchmark_weights_recovered() -> None:
    # B = 0.5 + 0.08·Sγ (noise aside), so βᵀS = (B − 0.5)·γᵀβ / 0.08: the true weight of
    # each benchmark is γᵀβ / 0.08. The fitted βᵀγ (one weight per benchmark) should match.
    cosines, ratios = [], []
    for seed in range(4):
        w = make_synthetic(n_families=10, models_per_family=8, noise=0.004, seed=seed)
        train, _ = _strong_split(w)
        X, y = w.frame[w.benchmarks], w.frame["E"]
        law = osl.ObservationalScalingLaw(n_components=3).fit(X[train], y[train])
        true_w = w.gamma.to_numpy().T @ w.beta / 0.08
        fit_w = law.benchmark_weights_[w.benchmarks].to_numpy()
        cosines.append(true_w @ fit_w / np.linalg.norm(true_w) / np.linalg.norm(fit_w))
        ratios.append(np.linalg.norm(fit_w) / np.linalg.norm(true_w))
    assert min(cosines) > 0.99
    assert 0.85 < min(ratios) and max(ratios) < 1.15


def test_true_p_and_parameters_are_consistent(world) -> None:
    P = world.P
    assert P.index.equals(world.frame.index)
    E_true = (1 - world.h) + world.h * sigmoid_np(P.to_numpy())  # Eq. 6 on accuracy
    np.testing.assert_allclose(E_true, world.frame["E_true"])
    # Parameters follow C = 6·N·D with D = 20·N tokens.
    logc = osl.compute.log10_training_flops(
        10 ** world.frame["log10_params"], 20 * 10 ** world.frame["log10_params"]
    )
    np.testing.assert_allclose(logc, world.frame["log10_flops"], atol=1e-9)
    # With the default slope_spread = 0 every family has the shared slopes θ.
    np.testing.assert_allclose(world.theta_f.to_numpy(), np.tile(world.theta, (10, 1)))


def test_family_specific_slopes_are_recovered() -> None:
    w = make_synthetic(n_families=6, models_per_family=5, slope_spread=0.3, seed=4)
    spread = w.theta_f["PC-1"]
    assert spread.std() > 0.05  # families really differ
    frame = w.frame.assign(**{"PC-1": w.S["PC-1"]})
    lines = osl.fit_family_lines(frame, y="PC-1").set_index("family")
    np.testing.assert_allclose(lines["slope"], spread[lines.index], rtol=1e-8)
    np.testing.assert_allclose(lines["intercept"], w.v.loc[lines.index, "PC-1"] - 22 * spread)


def test_more_components_than_eight_and_missing_cells() -> None:
    w = make_synthetic(n_benchmarks=12, n_components=10, missing_frac=0.2, seed=1)
    assert w.gamma.shape == (10, 12)
    cells = w.frame[w.benchmarks]
    assert 0.1 < cells.isna().to_numpy().mean() < 0.3
    assert cells.notna().any(axis=1).all()  # every model keeps a score
    seen = cells.to_numpy()[cells.notna().to_numpy()]
    assert seen.min() >= 0 and seen.max() <= 1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_components": 9, "n_benchmarks": 8}, "n_components"),
        ({"missing_frac": 0.6}, "missing_frac"),
        ({"noise": -0.1}, "noise"),
        ({"h": 1.5}, "h"),
        ({"models_per_family": 1}, "two models"),
    ],
)
def test_bad_settings_raise(kwargs, match) -> None:
    with pytest.raises(OSLInputError, match=match):
        make_synthetic(**kwargs)
