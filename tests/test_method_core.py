"""The estimators of Alg. A.1 on ground truth, on the paper's data, and on bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import approx_fprime

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.law import fit_sigmoid_law, sigmoid

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def paper() -> pd.DataFrame:
    return osl.load_base_benchmarks("paper")


@pytest.fixture(scope="module")
def B(paper: pd.DataFrame) -> pd.DataFrame:
    return paper.set_index("Model")[osl.BENCHMARKS]


def _law_data(seed: int, n: int = 80, k: int = 3, noise: float = 0.01):
    """Capabilities S, known (β, α, h) and E = h σ(βᵀS + α) + noise."""
    rng = np.random.default_rng(seed)
    S = rng.normal(size=(n, k))
    beta = np.array([1.5, -0.8, 0.5])[:k]
    alpha, h = -0.3, 0.9
    y = h * sigmoid(S @ beta + alpha) + noise * rng.normal(size=n)
    return S, np.clip(y, 0, 1), beta, alpha, h


# --------------------------------------------------------------------------- imputation


def test_imputation_beats_column_means_on_masked_cells(B: pd.DataFrame) -> None:
    errs = osl.imputation.masked_imputation_error(B, frac=0.1, n_repeats=10, seed=0)
    mean_rmse = errs.groupby("method")["rmse"].mean()
    assert mean_rmse["PCA rank 1"] < 0.75 * mean_rmse["column mean"]


def test_imputation_converges_and_keeps_observed_cells(B: pd.DataFrame) -> None:
    imp = osl.PCAImputer(n_components=1)
    filled = imp.fit_transform(B)
    assert imp.converged_ and imp.n_iter_ < imp.max_iter
    observed = B.notna()
    pd.testing.assert_frame_equal(filled[observed], B[observed])
    assert not filled.isna().any().any()
    lo, hi = B.min(), B.max()
    assert ((filled >= lo - 1e-12) & (filled <= hi + 1e-12)).all().all()


def test_imputation_warns_at_iteration_bound(B: pd.DataFrame) -> None:
    with pytest.warns(v.OSLConvergenceWarning, match="did not converge"):
        osl.PCAImputer(n_components=1, max_iter=1, tol=1e-12).fit(B)


def test_held_out_rows_do_not_change_the_fit(B: pd.DataFrame) -> None:
    train, test = B.iloc[:50], B.iloc[50:]
    imp = osl.PCAImputer().fit(train)
    before = imp.components_.copy(), imp.mean_.copy()
    out1 = imp.transform(test)
    out2 = imp.transform(test)
    np.testing.assert_array_equal(imp.components_, before[0])
    np.testing.assert_array_equal(imp.mean_, before[1])
    pd.testing.assert_frame_equal(out1, out2)
    assert not out1.isna().any().any()


def test_imputation_recovers_a_rank_one_matrix() -> None:
    rng = np.random.default_rng(3)
    u, w = rng.uniform(0.2, 1, 40), rng.uniform(0.2, 0.8, 6)
    full = np.outer(u, w)
    holes = full.copy()
    mask = rng.random(full.shape) < 0.1
    mask[:, 0] = False  # keep every column observed somewhere
    holes[mask] = np.nan
    filled = osl.PCAImputer(n_components=1, tol=1e-10, max_iter=5000).fit_transform(holes)
    assert np.max(np.abs(filled[mask] - full[mask])) < 0.05


# --------------------------------------------------------------------------- capabilities


def test_paper_variance_explained(B: pd.DataFrame) -> None:
    # Paper Sec. 3.2 / Fig. 2: PC-1 explains ~80% of the variance, the top three ~97%.
    ratio = osl.CapabilityPCA(n_components=8).fit(B).explained_variance_ratio_
    assert abs(ratio[0] - 0.80) <= 0.02
    assert abs(ratio[:3].sum() - 0.97) <= 0.01
    assert ratio.sum() == pytest.approx(1.0)


def test_paper_loadings_reading(B: pd.DataFrame) -> None:
    gamma = osl.CapabilityPCA(n_components=3).fit(B).components_
    # PC-1 is a general capability: every benchmark loads positively.
    assert (gamma.loc["PC-1"] > 0).all()
    # PC-2 sets math and code against commonsense (sign fixed by our convention).
    pc2 = gamma.loc["PC-2"]
    assert pc2["GSM8K"] < 0 and pc2["HumanEval"] < 0
    assert pc2["HellaSwag"] > 0 and pc2["Winograd"] > 0
    # PC-3 is dominated by programming.
    assert gamma.loc["PC-3"].abs().idxmax() == "HumanEval"


def test_sign_convention_is_deterministic(B: pd.DataFrame) -> None:
    g1 = osl.CapabilityPCA(3).fit(B).components_
    g2 = osl.CapabilityPCA(3).fit(B.iloc[::-1]).components_
    pd.testing.assert_frame_equal(g1, g2, atol=1e-10)
    assert (g1.sum(axis=1) > 0).all()


def test_transform_round_trip(B: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(n_components=8).fit(B)
    S = pca.transform(B)
    recon = pca.inverse_transform(S)
    filled = pca.imputer_.transform(B)
    np.testing.assert_allclose(recon.to_numpy(), filled.to_numpy(), atol=1e-10)
    assert list(S.columns) == [f"PC-{i}" for i in range(1, 9)]
    assert S.index.equals(B.index)


# --------------------------------------------------------------------------- the law


def test_law_recovers_known_parameters() -> None:
    S, y, beta, alpha, h = _law_data(0, n=200, noise=0.002)
    fit = fit_sigmoid_law(S, y, link="h_sigmoid")
    np.testing.assert_allclose(fit.coef, beta, atol=0.05)
    assert fit.intercept == pytest.approx(alpha, abs=0.05)
    assert fit.h == pytest.approx(h, abs=0.02)


def test_plain_sigmoid_fixes_h_and_bounds_hold() -> None:
    S, y, *_ = _law_data(1)
    assert fit_sigmoid_law(S, y, link="sigmoid").h == 1.0
    hb = fit_sigmoid_law(S, y, link="h_sigmoid", h_bounds=(0.8, 1.0)).h
    assert 0.8 <= hb <= 1.0


def test_huber_resists_outliers() -> None:
    S, y, beta, *_ = _law_data(2, n=120, noise=0.005)
    y_bad = y.copy()
    y_bad[:8] = 1.0 - y_bad[:8]  # gross errors
    sq = fit_sigmoid_law(S, y_bad, loss="squared")
    hub = fit_sigmoid_law(S, y_bad, loss="huber", huber_delta=0.01)
    assert np.linalg.norm(hub.coef - beta) < np.linalg.norm(sq.coef - beta)


def test_analytic_jacobian_matches_finite_differences() -> None:
    S, y, *_ = _law_data(4, n=30)
    fit = fit_sigmoid_law(S, y, link="h_sigmoid")
    theta = fit.result.x
    jac = fit.result.jac
    A = np.column_stack([S, np.ones(len(y))])

    def resid_i(t: np.ndarray, i: int) -> float:
        return float(t[-1] * sigmoid(A[i] @ t[:-1]) - y[i])

    for i in range(0, 30, 7):
        fd = approx_fprime(theta, resid_i, 1e-7, i)
        np.testing.assert_allclose(jac[i], fd, atol=1e-6)


def test_law_on_paper_target_predicts_held_out_models() -> None:
    task = osl.load_task("gsm8k_cot")
    law = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(task.X_train, task.y_train)
    pred = law.predict(task.X_test)
    assert pred.index.equals(task.X_test.index)
    assert osl.mse(task.y_test, pred) < 0.02
    P = law.capability_score(task.X_test)
    np.testing.assert_allclose(law.predict_from_capability(P), pred)
    weights = law.benchmark_weights_
    np.testing.assert_allclose(weights, law.beta_.to_numpy() @ law.pca_.components_.to_numpy())


def test_normalize_target() -> None:
    y = pd.Series([0.25, 0.625, 1.0, 0.1])
    out = osl.normalize_target(y, low=0.25)
    np.testing.assert_allclose(out, [0.0, 0.5, 1.0, 0.0])
    assert osl.normalize_target(np.array([50.0]), high=100.0)[0] == 0.5
    with pytest.raises(v.OSLInputError, match="must exceed"):
        osl.normalize_target(y, low=1, high=1)


# --------------------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int) -> None:
    task = osl.load_task("gsm8k_cot")
    X, y = task.X_train, task.y_train
    perm = np.random.default_rng(seed).permutation(len(X))
    a = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(X, y)
    b = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(X.iloc[perm], y.iloc[perm])
    np.testing.assert_allclose(a.beta_, b.beta_, atol=1e-6)
    np.testing.assert_allclose(a.predict(task.X_test), b.predict(task.X_test), atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), link=st.sampled_from(["sigmoid", "h_sigmoid"]))
def test_predictions_stay_in_range(seed: int, link: str) -> None:
    S, y, *_ = _law_data(seed, n=40, noise=0.05)
    fit = fit_sigmoid_law(S, y, link=link)  # type: ignore[arg-type]
    S_new = np.random.default_rng(seed + 1).normal(scale=10, size=(50, 3))
    pred = osl.law.sigmoid_law(S_new, fit.coef, fit.intercept, fit.h)
    assert np.all(pred >= 0) and np.all(pred <= fit.h) and fit.h <= 1.0


def test_refitting_is_deterministic() -> None:
    task = osl.load_task("persian_qa")
    fits = [
        osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(task.X_train, task.y_train)
        for _ in range(2)
    ]
    assert fits[0].beta_.equals(fits[1].beta_) and fits[0].alpha_ == fits[1].alpha_


# --------------------------------------------------------------------------- compute


def test_six_n_d() -> None:
    assert osl.training_flops(7e9, 2e12) == pytest.approx(8.4e22)


def test_family_lines_recover_a_planted_line() -> None:
    x = np.linspace(20, 24, 5)
    frame = pd.DataFrame(
        {"Model Family": ["A"] * 5 + ["B"] * 5 + ["C"], "log10_flops": [*x, *x, 22.0],
         "PC-1": [*(0.5 * x - 3), *(0.4 * x - 1), 0.0]}
    )  # fmt: skip
    lines = osl.fit_family_lines(frame).set_index("family")
    assert lines.loc["A", "slope"] == pytest.approx(0.5)
    assert lines.loc["B", "intercept"] == pytest.approx(-1.0)
    assert lines.loc["A", "r2"] == pytest.approx(1.0)
    assert "C" not in lines.index and lines.attrs["skipped"] == ["C"]
    with pytest.raises(v.NotEnoughModelsError, match="C"):
        osl.fit_family_lines(frame, families=["C"])
    with pytest.raises(v.UnknownFamilyError, match="Z"):
        osl.fit_family_lines(frame, families=["Z"])
    with pytest.raises(v.OSLInputError, match="missing column"):
        osl.fit_family_lines(frame, y="PC-9")


def test_equivalent_flops_invert_the_reference_line() -> None:
    task = osl.load_task("gsm8k_cot")
    law = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(task.X_train, task.y_train)
    f = osl.f_equivalent_flops(law, task.X, task.frame, reference_family="Llama-2")
    llama = task.frame["Model Family"] == "Llama-2"
    # Eq. 8 inverts Eq. 7: on the reference family itself, residuals of a 3-point line.
    err = (f[llama] - task.frame.loc[llama, "log10_flops"]).abs()
    assert err.max() < 0.35
    with pytest.raises(v.UnknownFamilyError, match="Nope"):
        osl.f_equivalent_flops(law, task.X, task.frame, reference_family="Nope")


def test_common_slope_and_multiplier() -> None:
    x = np.linspace(20, 24, 5)
    frame = pd.DataFrame(
        {"Model Family": ["A"] * 5 + ["B"] * 5, "log10_flops": [*x, *x],
         "PC-1": [*(0.5 * x), *(0.5 * x + 0.5)]}
    )  # fmt: skip
    slope, table, r2 = osl.fit_common_slope_lines(frame)
    assert slope == pytest.approx(0.5) and r2 == pytest.approx(1.0)
    b = table.set_index("family")["intercept"]
    # B sits 0.5 above A at slope 0.5: one decade of compute, 10x.
    assert osl.compute_multiplier(b["B"], b["A"], slope) == pytest.approx(10.0)


# --------------------------------------------------------------------------- evaluation


def test_flops_split_and_identical_test_sets() -> None:
    task = osl.load_task("gsm8k_cot")
    split = osl.split_by_flops(task.frame)
    assert split.train["meta-llama/Llama-2-7b-hf"] and split.test["meta-llama/Llama-2-13b-hf"]
    assert split.excluded["mistralai/Mistral-7B-v0.1"]
    assert "unknown" in split.reason["mistralai/Mistral-7B-v0.1"]
    comp = osl.compare_predictors(
        task.frame, "y", task.setup.benchmarks, split,
        predictors=(1, 3, "log_flops", "log_params", "mean_benchmark"),
        link=task.setup.link, loss=task.setup.loss,
    )  # fmt: skip
    assert comp.table["n_test"].nunique() == 1
    tested = comp.predictions[comp.predictions["split"] == "test"]
    per_arm = tested.groupby("predictor")["Model"].apply(frozenset)
    assert per_arm.nunique() == 1
    assert "mistralai/Mistral-7B-v0.1" in set(comp.dropped["Model"])
    # The paper's central claim (Sec. 4.3): capabilities beat compute on held-out models.
    mse = comp.table.set_index("predictor")["test_mse"]
    assert mse["3 PCs"] < mse["log_flops"]


def test_top_fraction_split() -> None:
    y = pd.Series(np.arange(20, dtype=float))
    split = osl.split_by_top_fraction(y, 0.1)
    assert split.test.sum() == 2 and split.test.iloc[-2:].all()


def test_metrics_reject_nan() -> None:
    assert osl.mse([0, 1], [0, 0]) == 0.5
    assert osl.mae([0, 1], [0, 0]) == 0.5
    with pytest.raises(v.TargetRangeError, match="NaN"):
        osl.mse([0, math.nan], [0, 0])


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.Series]:
    task = osl.load_task("gsm8k_cot")
    return task.X_train, task.y_train


def test_percent_scores(small) -> None:
    X, y = small
    with pytest.raises(v.PercentScaleError, match="percentages"):
        osl.ObservationalScalingLaw().fit(X * 100, y)


def test_percent_target(small) -> None:
    X, y = small
    with pytest.raises(v.PercentScaleError, match="percentage"):
        osl.ObservationalScalingLaw().fit(X, y * 100)


def test_nan_target(small) -> None:
    X, y = small
    y2 = y.copy()
    y2.iloc[0] = np.nan
    with pytest.raises(v.TargetRangeError, match="NaN"):
        osl.ObservationalScalingLaw().fit(X, y2)


def test_out_of_range_target(small) -> None:
    X, y = small
    with pytest.raises(v.TargetRangeError, match="outside"):
        osl.ObservationalScalingLaw().fit(X, y - 0.5)


def test_too_few_models(small) -> None:
    X, y = small
    with pytest.raises(v.NotEnoughModelsError, match="too few"):
        osl.ObservationalScalingLaw(n_components=3).fit(X.iloc[:4], y.iloc[:4])


def test_all_nan_column(small) -> None:
    X, y = small
    with pytest.raises(v.DegenerateColumnError, match="MMLU"):
        osl.ObservationalScalingLaw().fit(X.assign(MMLU=np.nan), y)


def test_constant_column(small) -> None:
    X, y = small
    with pytest.raises(v.DegenerateColumnError, match="constant"):
        osl.ObservationalScalingLaw().fit(X.assign(MMLU=0.5), y)


def test_non_numeric_column(small) -> None:
    X, y = small
    with pytest.raises(v.NonNumericError, match="Family"):
        osl.ObservationalScalingLaw().fit(X.assign(Family="x"), y)


def test_duplicate_models(small) -> None:
    X, y = small
    Xd = pd.concat([X, X.iloc[:1]])
    with pytest.raises(v.DuplicateModelError, match="duplicate"):
        osl.ObservationalScalingLaw().fit(Xd, pd.concat([y, y.iloc[:1]]))


def test_mismatched_lengths(small) -> None:
    X, y = small
    with pytest.raises(v.LengthMismatchError, match="values"):
        osl.ObservationalScalingLaw().fit(X, y.iloc[:-1])


def test_predict_with_other_columns(small) -> None:
    X, y = small
    law = osl.ObservationalScalingLaw().fit(X, y)
    with pytest.raises(v.ColumnMismatchError, match="differ"):
        law.predict(X.iloc[:, ::-1])


def test_too_few_models_for_pca(small) -> None:
    X, _ = small
    with pytest.raises(v.NotEnoughModelsError):
        osl.CapabilityPCA(n_components=5).fit(X.iloc[:5])


def test_non_converging_fit_warns_or_raises() -> None:
    S, y, *_ = _law_data(5)
    with pytest.warns(v.OSLConvergenceWarning):
        fit_sigmoid_law(S, y, max_nfev=1)
    with pytest.raises(v.ConvergenceFailure):
        fit_sigmoid_law(S, y, max_nfev=1, on_failure="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit_sigmoid_law(S, y)  # a normal fit is silent
