"""The law E ≈ h·σ(βᵀS + α) (Eq. 6): recovery of planted parameters, bounds, loss, Jacobian."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import r2_score
from test_imputation import COMMON_EXCEPTIONS, run_checks

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.law import (
    Link,
    fit_sigmoid_law,
    link_function,
    sigmoid,
    sigmoid_law,
    sigmoid_law_jacobian,
)
from osl_helpers.setups import TaskData

BETA = np.array([1.5, -0.8, 0.5])
ALPHA, H = -0.3, 0.9


def law_data(
    seed: int, n: int = 80, noise: float = 0.01, h: float = H
) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Capabilities S ~ N(0, I), y = (1 − h) + h σ(βᵀS + α) + noise, clipped to [0, 1]."""
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(n, 3))
    y = sigmoid_law(S, BETA, ALPHA, h) + noise * rng.normal(size=n)
    return S, np.clip(y, 0.0, 1.0)


def planted_world(
    seed: int, n: int = 150, t: int = 8, missing: float = 0.0
) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:  # type: ignore[type-arg]
    """Benchmark scores of rank 3 plus noise, and a target that follows Eq. 6 in them.

    Returns X (models × benchmarks), y, the planted per-benchmark weights w
    (so that P = wᵀ(X − μ) + α) and h.
    """
    rng = np.random.default_rng(seed)
    gamma = np.linalg.qr(rng.normal(size=(t, 3)))[0].T  # orthonormal 3 × t
    S = rng.normal(size=(n, 3)) * np.array([0.12, 0.05, 0.025])
    X = 0.5 + S @ gamma + 0.002 * rng.normal(size=(n, t))
    beta = np.array([20.0, -25.0, 30.0])
    w = beta @ gamma
    y = (1 - H) + H * sigmoid(S @ beta - 0.5) + 0.005 * rng.normal(size=n)
    frame = pd.DataFrame(X, columns=[f"b{j}" for j in range(t)], index=[f"m{i}" for i in range(n)])
    if missing:
        holes = rng.random(frame.shape) < missing
        frame = frame.mask(holes)
    return frame, pd.Series(np.clip(y, 0, 1), index=frame.index), w


# --------------------------------------------------------------------------- the pure fit


def test_fit_recovers_planted_parameters() -> None:
    S, y = law_data(0, n=300, noise=0.002)
    beta, alpha, h, result = fit_sigmoid_law(S, y, link="h_sigmoid")  # a tuple, too
    np.testing.assert_allclose(beta, BETA, atol=0.03)
    assert alpha == pytest.approx(ALPHA, abs=0.03)
    assert h == pytest.approx(H, abs=0.01)
    assert result.status > 0


def test_eq6_is_a_floor_on_accuracy() -> None:
    # Eq. 6 bounds the error E ≤ h, so accuracy 1 − E has a floor 1 − h and reaches 1;
    # the authors' code writes the same curve as (1 − b)·σ + b with b = 1 − h.
    z = np.array([-50.0, 0.0, 50.0])
    b = 0.15
    np.testing.assert_allclose(link_function(z, 1 - b), (1 - b) * sigmoid(z) + b)
    np.testing.assert_allclose(link_function(z, 0.85), [0.15, 0.575, 1.0])
    np.testing.assert_allclose(link_function(z, 0.85, "capped_sigmoid"), [0.0, 0.425, 0.85])
    np.testing.assert_allclose(link_function(z, 0.85, "sigmoid"), [0.0, 0.5, 1.0])
    with pytest.raises(v.OSLInputError, match="unknown link"):
        link_function(z, 0.9, "ceiling")  # type: ignore[arg-type]


def test_the_two_readings_extrapolate_differently() -> None:
    # Weak models only: the capped reading forbids any prediction above its h.
    S, y = law_data(8, n=120, noise=0.01, h=0.85)
    weak = S[:, 0] < 0.5
    paper = fit_sigmoid_law(S[weak], y[weak], link="h_sigmoid")
    capped = fit_sigmoid_law(S[weak], y[weak], link="capped_sigmoid")
    strong = sigmoid_law(S[~weak], paper.beta, paper.alpha, paper.h)
    strong_capped = sigmoid_law(S[~weak], capped.beta, capped.alpha, capped.h, "capped_sigmoid")
    err = float(np.mean((strong - y[~weak]) ** 2))
    err_capped = float(np.mean((strong_capped - y[~weak]) ** 2))
    assert err < err_capped
    assert paper.h == pytest.approx(0.85, abs=0.03)


def test_targets_below_chance_are_accepted() -> None:
    X, y, _ = planted_world(15)
    y = y - 0.1  # some models now sit below the chance floor (negative min-max target)
    assert (y < 0).any()
    law = osl.ObservationalScalingLaw(n_components=2).fit(X, y)
    assert law.converged_
    with pytest.raises(v.PercentScaleError, match="percentage"):
        osl.ObservationalScalingLaw(n_components=2).fit(X, (y + 0.1) * 100)
    with pytest.raises(v.TargetRangeError, match="outside"):
        osl.ObservationalScalingLaw(n_components=2).fit(X, y - 2.0)


def test_plain_sigmoid_fixes_h_to_one() -> None:
    S, y = law_data(1, h=1.0)
    fit = fit_sigmoid_law(S, y, link="sigmoid")
    assert fit.h == 1.0 and len(fit.result.x) == 4  # h is not a free parameter
    np.testing.assert_allclose(fit.beta, BETA, atol=0.2)


@pytest.mark.parametrize(
    ("true_h", "bounds", "expected"),
    [(0.6, (0.8, 1.0), 0.8), (0.99, (0.8, 0.9), 0.9), (0.9, (0.85, 0.85), 0.85)],
)
def test_h_stays_within_its_bounds(
    true_h: float, bounds: tuple[float, float], expected: float
) -> None:
    S, y = law_data(2, h=true_h, noise=0.002)
    fit = fit_sigmoid_law(S, y, link="h_sigmoid", h_bounds=bounds)
    assert bounds[0] <= fit.h <= bounds[1]
    assert fit.h == pytest.approx(expected, abs=1e-6)  # the truth is outside: h sits on a bound


def test_huber_resists_outliers() -> None:
    S, y = law_data(3, n=120, noise=0.005)
    y_bad = y.copy()
    y_bad[:10] = 1.0 - y_bad[:10]  # gross errors on a few models
    # δ is on the scale of the residuals: 0.02 treats errors above two points as outliers.
    sq = fit_sigmoid_law(S, y_bad, loss="squared")
    hub = fit_sigmoid_law(S, y_bad, loss="huber", huber_delta=0.02)
    assert np.linalg.norm(hub.beta - BETA) < 0.5 * np.linalg.norm(sq.beta - BETA)
    assert abs(hub.h - H) < abs(sq.h - H) + 1e-9


def test_huber_with_a_large_delta_is_least_squares() -> None:
    S, y = law_data(4)
    sq = fit_sigmoid_law(S, y, loss="squared")
    hub = fit_sigmoid_law(S, y, loss="huber", huber_delta=10.0)
    np.testing.assert_allclose(hub.beta, sq.beta, atol=1e-6)


@pytest.mark.parametrize("link", ["h_sigmoid", "capped_sigmoid"])
@pytest.mark.parametrize("free_h", [True, False])
def test_analytic_jacobian_matches_finite_differences(free_h: bool, link: Link) -> None:
    rng = np.random.default_rng(5)
    S = rng.normal(size=(25, 3))
    theta = np.array([0.7, -1.2, 0.4, 0.3, 0.85])
    n_par = 5 if free_h else 4

    def f(t: np.ndarray) -> np.ndarray:
        return sigmoid_law(S, t[:3], t[3], t[4] if free_h else theta[4], link=link)

    eps = 1e-6
    fd = np.column_stack(
        [(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(5)[:n_par]]
    )
    J = sigmoid_law_jacobian(S, theta[:3], theta[3], theta[4], free_h=free_h, link=link)
    assert J.shape == (25, n_par)
    np.testing.assert_allclose(J, fd, atol=1e-6)


def test_optimiser_uses_the_analytic_jacobian() -> None:
    S, y = law_data(6)
    fit = fit_sigmoid_law(S, y, loss="squared")
    x = fit.result.x
    np.testing.assert_allclose(
        fit.result.jac, sigmoid_law_jacobian(S, x[:3], x[3], x[4]), atol=1e-12
    )


def test_one_column_design_for_a_compute_baseline() -> None:
    rng = np.random.default_rng(7)
    log_flops = rng.uniform(20, 25, 60)
    y = sigmoid(1.2 * (log_flops - 23.0)) + 0.005 * rng.normal(size=60)
    fit = fit_sigmoid_law(log_flops, np.clip(y, 0, 1), link="sigmoid")
    assert fit.beta.shape == (1,)
    assert fit.beta[0] == pytest.approx(1.2, abs=0.1)
    assert -fit.alpha / fit.beta[0] == pytest.approx(23.0, abs=0.05)


def test_non_convergence_warns_or_raises() -> None:
    S, y = law_data(8)
    with pytest.warns(v.OSLConvergenceWarning, match="did not converge"):
        fit_sigmoid_law(S, y, max_nfev=1)
    with pytest.raises(v.ConvergenceFailure, match="did not converge"):
        fit_sigmoid_law(S, y, max_nfev=1, on_failure="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_sigmoid_law(S, y)  # a normal fit is silent


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    link=st.sampled_from(["sigmoid", "h_sigmoid", "capped_sigmoid"]),
)
def test_fitted_law_predicts_between_its_floor_and_ceiling(seed: int, link: Link) -> None:
    # The pure fit on noisy data, evaluated far outside the training capabilities
    # (|S| ~ 10): Eq. 6 keeps predictions in [1 − h, 1]; the capped reading in [0, h].
    S, y = law_data(seed, n=40, noise=0.05)
    fit = fit_sigmoid_law(S, y, link=link)
    S_new = np.random.default_rng(seed + 1).normal(scale=10, size=(50, 3))
    pred = sigmoid_law(S_new, fit.beta, fit.alpha, fit.h, link=link)
    low, high = {"sigmoid": (0.0, 1.0), "h_sigmoid": (1 - fit.h, 1.0)}.get(link, (0.0, fit.h))
    assert 0.8 <= fit.h <= 1.0
    assert np.all(pred >= low - 1e-12) and np.all(pred <= high + 1e-12)
    # Far above the training capabilities the paper's law reaches 1; the capped one cannot.
    top = sigmoid_law(S_new, fit.beta, fit.alpha, fit.h, link=link).max()
    assert top <= fit.h + 1e-12 if link == "capped_sigmoid" else top > 0.99


# --------------------------------------------------------------------------- the estimator


def test_estimator_recovers_planted_benchmark_weights() -> None:
    X, y, w = planted_world(10, n=250)
    law = osl.ObservationalScalingLaw(n_components=3).fit(X.iloc[:150], y.iloc[:150])
    # βᵀγ does not depend on how the PCA rotates or signs its axes.
    weights = law.benchmark_weights_
    assert list(weights.index) == list(X.columns)
    assert np.linalg.norm(weights.to_numpy() - w) < 0.1 * np.linalg.norm(w)
    assert law.h_ == pytest.approx(H, abs=0.02)
    X_new, y_new = X.iloc[150:], y.iloc[150:]
    assert float(np.sqrt(np.mean((law.predict(X_new) - y_new) ** 2))) < 0.02


def test_estimator_with_missing_cells() -> None:
    X, y, _ = planted_world(12, missing=0.08)
    law = osl.ObservationalScalingLaw(n_components=3).fit(X.iloc[:100], y.iloc[:100])
    pred = law.predict(X.iloc[100:])
    assert not pred.isna().any()
    assert float(np.sqrt(np.mean((pred - y.iloc[100:]) ** 2))) < 0.05


def test_estimator_attributes_and_methods() -> None:
    X, y, _ = planted_world(13)
    law = osl.ObservationalScalingLaw(n_components=2, loss="huber").fit(X, y)
    assert list(law.beta_.index) == ["PC-1", "PC-2"]
    assert isinstance(law.alpha_, float) and 0.8 <= law.h_ <= 1.0
    assert law.nfev_ == law.n_iter_ >= 1 and law.converged_ and law.cost_ >= 0
    np.testing.assert_allclose(
        law.benchmark_weights_.to_numpy(),
        law.beta_.to_numpy() @ law.pca_.components_.to_numpy(),
    )
    P = law.capability_score(X)
    assert P.index.equals(X.index) and P.name == "P"
    S = law.pca_.transform(X)
    np.testing.assert_allclose(P, S.to_numpy() @ law.beta_.to_numpy() + law.alpha_)
    pred = law.predict(X)
    assert isinstance(pred, pd.Series) and pred.index.equals(X.index)
    np.testing.assert_allclose(law.predict_from_capability(P), pred)
    assert isinstance(law.predict(X.to_numpy()), np.ndarray)
    assert law.score(X, y) == pytest.approx(r2_score(y, pred))


def test_plain_sigmoid_estimator() -> None:
    X, y, _ = planted_world(14)
    law = osl.ObservationalScalingLaw(link="sigmoid").fit(X, y)
    assert law.h_ == 1.0


def test_paper_gsm8k_fit_predicts_held_out_models(gsm8k_cot: TaskData) -> None:
    task = gsm8k_cot
    law = osl.ObservationalScalingLaw(n_components=3, loss="huber").fit(task.X_train, task.y_train)
    pred = law.predict(task.X_test)
    # The paper's Fig. 5: larger models' GSM8K accuracy is predicted from smaller ones.
    assert float(np.mean((pred - task.y_test) ** 2)) < 0.02
    assert law.score(task.X_test, task.y_test) > 0.5


# --------------------------------------------------------------------------- normalize_target


def test_normalize_target() -> None:
    y = pd.Series([0.25, 0.625, 1.0, 0.1], index=list("abcd"))
    out = osl.normalize_target(y, low=0.25)
    assert isinstance(out, pd.Series) and out.index.equals(y.index)
    # Below chance stays negative by default (the authors fit it unclipped).
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0, -0.2])
    assert osl.normalize_target(y, low=0.25, clip=True)["d"] == 0.0
    bleu = osl.normalize_target(np.array([0.0, 50.0, 100.0]), high=100.0)
    assert isinstance(bleu, np.ndarray)
    np.testing.assert_allclose(bleu, [0.0, 0.5, 1.0])
    with pytest.raises(v.OSLInputError, match="must exceed"):
        osl.normalize_target(y, low=1.0, high=1.0)


# --------------------------------------------------------------------------- scikit-learn

LAW_EXCEPTIONS = {
    **COMMON_EXCEPTIONS,
    "check_requires_y_none": "our error names the problem in the book's words",
    "check_regressors_train": "a bounded sigmoid cannot fit the check's unbounded linear "
    "targets to R² > 0.5",
    "check_supervised_y_2d": "a column vector y is accepted without a warning",
}


def test_scikit_learn_estimator_checks() -> None:
    # Unbounded random data and targets: switch both range checks off.
    law = osl.ObservationalScalingLaw(n_components=1, score_range=None, target_range=(-1e9, 1e9))
    run_checks(law, LAW_EXCEPTIONS)
