"""PCAImputer (Alg. A.1): accuracy on hidden cells, convergence, clipping, held-out rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_estimator

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.imputation import masked_imputation_error


@pytest.fixture(scope="module")
def B() -> pd.DataFrame:
    return osl.load_base_benchmarks("paper").set_index("Model")[osl.BENCHMARKS]


def _rank_one(
    seed: int, n: int = 40, t: int = 6, frac: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """A rank-one score matrix (plus a column offset) and a mask of holes."""
    rng = np.random.default_rng(seed)
    full = 0.1 + np.outer(rng.uniform(0.2, 1, n), rng.uniform(0.2, 0.8, t))
    mask = rng.random(full.shape) < frac
    mask[:, 0] = False  # every row keeps one observed cell
    return full, mask


# --------------------------------------------------------------------------- accuracy


def test_pca_imputation_beats_column_means_on_hidden_cells(B: pd.DataFrame) -> None:
    errs = masked_imputation_error(B, frac=0.1, n_repeats=20, seed=0, n_components=(1,))
    wide = errs.pivot(index="repeat", columns="method", values="rmse")
    assert len(wide) == 20
    assert wide["PCA rank 1"].mean() < wide["column mean"].mean()
    # Not just on average: PCA wins in the large majority of the random masks.
    assert (wide["PCA rank 1"] < wide["column mean"]).mean() >= 0.8


@pytest.mark.filterwarnings("ignore::osl_helpers._validation.OSLConvergenceWarning")
def test_masked_error_frame_is_tidy_and_seeded(B: pd.DataFrame) -> None:
    a = masked_imputation_error(B, frac=0.1, n_repeats=3, seed=7, n_components=(1, 2))
    b = masked_imputation_error(B, frac=0.1, n_repeats=3, seed=np.random.default_rng(7))
    c = masked_imputation_error(B, frac=0.1, n_repeats=3, seed=8)
    assert list(a.columns) == ["repeat", "method", "n_masked", "rmse", "mae"]
    assert set(a["method"]) == {"column mean", "PCA rank 1", "PCA rank 2"}
    assert len(a) == 3 * 3
    pd.testing.assert_frame_equal(a, b)
    assert not a["rmse"].equals(c["rmse"])
    n_obs = int(B.notna().to_numpy().sum())
    assert (a["n_masked"] == round(0.1 * n_obs)).all()
    assert (a["mae"] <= a["rmse"] + 1e-15).all()


def test_rank_one_matrix_is_recovered() -> None:
    full, mask = _rank_one(3)
    holes = np.where(mask, np.nan, full)
    # No clipping: a hidden cell may lie outside its column's observed range.
    imp = osl.PCAImputer(n_components=1, tol=1e-12, max_iter=10_000, clip=False)
    filled = imp.fit_transform(holes)
    assert isinstance(filled, np.ndarray)
    assert np.max(np.abs(filled[mask] - full[mask])) < 1e-4


# --------------------------------------------------------------------------- iteration


def test_converges_and_keeps_observed_cells(B: pd.DataFrame) -> None:
    imp = osl.PCAImputer(n_components=1)
    filled = imp.fit_transform(B)
    assert imp.converged_ and 0 < imp.n_iter_ < imp.max_iter
    assert filled.index.equals(B.index) and filled.columns.equals(B.columns)
    observed = B.notna()
    np.testing.assert_array_equal(filled[observed].to_numpy(), B[observed].to_numpy())
    assert not filled.isna().to_numpy().any()


def test_tighter_tolerance_needs_more_iterations(B: pd.DataFrame) -> None:
    loose = osl.PCAImputer(tol=1e-2).fit(B).n_iter_
    tight = osl.PCAImputer(tol=1e-10, max_iter=10_000).fit(B).n_iter_
    assert loose < tight


def test_warns_at_the_iteration_bound(B: pd.DataFrame) -> None:
    with pytest.warns(v.OSLConvergenceWarning, match="did not converge within 1 iteration"):
        imp = osl.PCAImputer(n_components=1, max_iter=1, tol=1e-12).fit(B)
    assert not imp.converged_ and imp.n_iter_ == 1


def test_complete_matrix_needs_no_iteration(B: pd.DataFrame) -> None:
    full = B.dropna()
    imp = osl.PCAImputer().fit(full)
    assert imp.n_iter_ == 0 and imp.converged_
    pd.testing.assert_frame_equal(imp.transform(full), full)


# --------------------------------------------------------------------------- clipping


def test_imputed_cells_are_clipped_to_the_score_range() -> None:
    full, _ = _rank_one(5, n=30, t=5)
    top, col = np.unravel_index(int(np.argmax(full)), full.shape)  # the best score of all
    holes = full.copy()
    holes[top, col] = np.nan
    ceiling = float(np.nanmax(holes))  # a score range that every observed cell respects
    free = osl.PCAImputer(clip=False, tol=1e-12, max_iter=10_000, score_range=None)
    guess = free.fit_transform(holes)[top, col]
    clipped = osl.PCAImputer(clip=True, tol=1e-12, max_iter=10_000, score_range=(0.0, ceiling))
    capped = clipped.fit_transform(holes)
    assert guess > ceiling  # the case the clip is for: the guess leaves the score range
    assert capped[top, col] == pytest.approx(ceiling)
    observed = ~np.isnan(holes)
    np.testing.assert_array_equal(capped[observed], holes[observed])


def test_held_out_model_is_not_capped_at_the_best_training_score() -> None:
    # A strong held-out model with a hole must be extrapolated, not clipped to the
    # best weak model's score (the paper's use case: predicting stronger models).
    full, _ = _rank_one(3, n=30, t=5, frac=0.0)
    order = np.argsort(full.sum(axis=1))
    weak, strong = full[order[:-1]], full[order[-1:]].copy()
    truth = strong[0, 2]
    strong[0, 2] = np.nan
    imp = osl.PCAImputer(n_components=1).fit(weak)
    got = imp.transform(strong)[0, 2]
    assert truth > weak[:, 2].max()
    assert got == pytest.approx(truth, abs=1e-9)


def test_paper_imputations_lie_in_the_score_range(B: pd.DataFrame) -> None:
    filled = osl.PCAImputer().fit_transform(B)
    assert ((filled >= 0.0) & (filled <= 1.0)).to_numpy().all()
    observed = B.notna()
    pd.testing.assert_frame_equal(filled[observed], B[observed])


# --------------------------------------------------------------------------- held-out rows


def test_held_out_rows_do_not_change_the_fit(B: pd.DataFrame) -> None:
    train, test = B.iloc[::2], B.iloc[1::2]
    imp = osl.PCAImputer().fit(train)
    state = {k: np.copy(getattr(imp, k)) for k in ("mean_", "scale_", "components_", "center_")}
    out1 = imp.transform(test)
    out2 = imp.transform(test)
    for k, before in state.items():
        np.testing.assert_array_equal(getattr(imp, k), before)
    pd.testing.assert_frame_equal(out1, out2)
    assert out1.index.equals(test.index) and not out1.isna().to_numpy().any()
    # The same rows imputed one at a time give the same answer (no coupling between rows).
    one_by_one = pd.concat([imp.transform(test.iloc[[i]]) for i in range(len(test))])
    pd.testing.assert_frame_equal(one_by_one, out1)


def test_held_out_row_is_the_least_squares_projection() -> None:
    full, _ = _rank_one(11, n=30, t=6, frac=0.0)
    imp = osl.PCAImputer(n_components=1).fit(full[:-1])
    row = full[-1:].copy()
    row[0, [2, 4]] = np.nan
    got = imp.transform(row)
    # Rank-one data: the fitted subspace reproduces the hidden cells exactly.
    np.testing.assert_allclose(got[0, [2, 4]], full[-1, [2, 4]], atol=1e-10)


def test_transform_of_training_rows_matches_the_iterative_solution(B: pd.DataFrame) -> None:
    imp = osl.PCAImputer(tol=1e-10, max_iter=10_000)
    iterative = imp.fit_transform(B)
    projected = imp.transform(B)
    np.testing.assert_allclose(projected.to_numpy(), iterative.to_numpy(), atol=1e-8)


def test_transform_checks_columns(B: pd.DataFrame) -> None:
    imp = osl.PCAImputer().fit(B)
    with pytest.raises(v.ColumnMismatchError, match="differ from those seen in fit"):
        imp.transform(B[B.columns[::-1]])
    with pytest.raises(v.ColumnMismatchError, match="7 columns"):
        imp.transform(B.iloc[:, :7].to_numpy())


# --------------------------------------------------------------------------- scikit-learn

#: Generic checks that apply to none of the three estimators, and why (also in the docstrings).
COMMON_EXCEPTIONS = {
    "check_estimator_sparse_array": "benchmark matrices are small and dense; sparse input is "
    "rejected",
    "check_estimator_sparse_matrix": "as above",
    "check_estimator_sparse_tag": "as above",
    "check_dtype_object": "object columns are rejected: a score read as text means a parsing error",
    "check_complex_data": "our error names the problem in the book's words",
    "check_fit2d_1sample": "our error names the problem in the book's words",
    "check_fit2d_predict1d": "our error names the problem in the book's words",
    "check_estimators_empty_data_messages": "our error names the problem in the book's words",
    "check_n_features_in_after_fitting": "ColumnMismatchError, in the book's words",
}

IMPUTER_EXCEPTIONS = {
    **COMMON_EXCEPTIONS,
    "check_transformer_n_iter": "n_iter_ is 0 when nothing is missing",
}


def run_checks(estimator: object, exceptions: dict[str, str]) -> None:
    """Run scikit-learn's checks; fail on any unlisted failure and on any listed one that passes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(estimator, on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    passed = {r["check_name"] for r in results if r["status"] == "passed"}
    assert failed <= set(exceptions), f"unexpected failures: {sorted(failed - set(exceptions))}"
    assert set(exceptions) <= failed, f"now passing: {sorted(set(exceptions) - failed)}"
    for core in (
        "check_no_attributes_set_in_init",
        "check_get_params_invariance",
        "check_fit_idempotent",
        "check_estimators_pickle",
        "check_methods_sample_order_invariance",
    ):
        assert core in passed, core


def test_scikit_learn_estimator_checks() -> None:
    # The generic checks feed unbounded random data: switch the score-range check off.
    run_checks(osl.PCAImputer(score_range=None), IMPUTER_EXCEPTIONS)


@pytest.mark.parametrize(("n", "t", "rank"), [(500, 6, 6), (40, 8, 8), (30, 6, 2), (5, 8, 5)])
def test_principal_axes_match_the_svd(n: int, t: int, rank: int) -> None:
    from osl_helpers.imputation import principal_axes

    rng = np.random.default_rng(n + t)
    z = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, t))
    z -= z.mean(axis=0)
    s, vt = principal_axes(z)
    _, s_ref, vt_ref = np.linalg.svd(z, full_matrices=False)
    m = min(n, t)
    assert s.shape == (t,) and vt.shape == (t, t)
    # Variances (s²) agree to rounding; a zero singular value comes out as √(rounding).
    assert np.allclose(s[:m] ** 2, s_ref**2, atol=1e-10 * s_ref[0] ** 2)
    assert np.allclose(s[m:] ** 2, 0.0, atol=1e-10 * s_ref[0] ** 2)
    # Same axes up to sign, for the components with non-zero variance.
    r = min(rank, n - 1)
    assert np.allclose(np.abs(np.sum(vt[:r] * vt_ref[:r], axis=1)), 1.0, atol=1e-6)
