"""CapabilityPCA (Eq. 5): agreement with a reference PCA, sign convention, S and its inverse."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from test_imputation import COMMON_EXCEPTIONS, run_checks

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.capabilities import orient_components, pc_names


@pytest.fixture(scope="module")
def B() -> pd.DataFrame:
    return osl.load_base_benchmarks("paper").set_index("Model")[osl.BENCHMARKS]


@pytest.fixture(scope="module")
def complete(B: pd.DataFrame) -> pd.DataFrame:
    return B.dropna()


def test_matches_scikit_learn_pca_on_a_complete_matrix(complete: pd.DataFrame) -> None:
    ours = osl.CapabilityPCA(n_components=4, impute=False).fit(complete)
    ref = PCA(n_components=4, svd_solver="full").fit(complete.to_numpy())
    np.testing.assert_allclose(ours.explained_variance_, ref.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-10
    )
    # Same directions up to sign.
    cos = np.abs(np.sum(ours.components_.to_numpy() * ref.components_, axis=1))
    np.testing.assert_allclose(cos, 1.0, atol=1e-10)
    np.testing.assert_allclose(ours.mean_.to_numpy(), complete.mean().to_numpy())


def test_capabilities_are_centred_scores_times_loadings(complete: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(n_components=3, impute=False).fit(complete)
    S = pca.transform(complete)
    expected = (complete - complete.mean()).to_numpy() @ pca.components_.to_numpy().T
    np.testing.assert_allclose(S.to_numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(S.mean().to_numpy(), 0.0, atol=1e-12)
    np.testing.assert_allclose(S.var(ddof=1).to_numpy(), pca.explained_variance_, rtol=1e-10)
    # Loadings are orthonormal.
    gamma = pca.components_.to_numpy()
    np.testing.assert_allclose(gamma @ gamma.T, np.eye(3), atol=1e-12)


def test_frame_labels(B: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(n_components=3).fit(B)
    S = pca.transform(B)
    assert list(S.columns) == ["PC-1", "PC-2", "PC-3"] == pc_names(3)
    assert S.index.equals(B.index)
    assert list(pca.components_.index) == pc_names(3)
    assert list(pca.components_.columns) == osl.BENCHMARKS
    assert list(pca.feature_names_in_) == osl.BENCHMARKS and pca.n_features_in_ == 8
    assert isinstance(pca.imputer_, osl.PCAImputer)
    assert osl.CapabilityPCA(impute=False).fit(B.dropna()).imputer_ is None


def test_variance_ratios_are_a_decreasing_partition(B: pd.DataFrame) -> None:
    ratio = osl.CapabilityPCA(n_components=8).fit(B).explained_variance_ratio_
    assert ratio.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(np.diff(ratio) <= 1e-15) and np.all(ratio >= 0)


def test_sign_convention_is_deterministic(B: pd.DataFrame) -> None:
    g1 = osl.CapabilityPCA(3).fit(B).components_
    g2 = osl.CapabilityPCA(3).fit(B.iloc[::-1]).components_
    g3 = osl.CapabilityPCA(3).fit(-B + 1).components_  # every benchmark reversed
    pd.testing.assert_frame_equal(g1, g2, atol=1e-10)
    assert (g1.sum(axis=1) > 0).all() and (g3.sum(axis=1) > 0).all()


def test_orient_components_rules() -> None:
    comps = np.array([[-0.6, -0.8], [0.8, -0.6], [-1 / np.sqrt(2), 1 / np.sqrt(2) - 1e-3]])
    out = orient_components(comps)
    np.testing.assert_allclose(out[0], [0.6, 0.8])  # negative sum: flipped
    np.testing.assert_allclose(out[1], [0.8, -0.6])  # positive sum: kept
    np.testing.assert_allclose(out[2], -comps[2])
    # A zero sum: the largest-magnitude loading decides.
    tie = orient_components(np.array([[0.5, -0.5, 0.0], [-0.4, 0.9, -0.5]]))
    assert tie[0, 0] == 0.5 and tie[1, 1] == 0.9
    assert comps[0, 0] == -0.6  # the input is left alone


def test_inverse_transform_round_trip(B: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(n_components=8).fit(B)
    recon = pca.inverse_transform(pca.transform(B))
    assert recon.index.equals(B.index) and list(recon.columns) == osl.BENCHMARKS
    assert pca.imputer_ is not None
    np.testing.assert_allclose(recon.to_numpy(), pca.imputer_.transform(B).to_numpy(), atol=1e-10)
    # With K = 3 the residual carries exactly the variance of the dropped components.
    low = osl.CapabilityPCA(n_components=3).fit(B)
    err = (low.inverse_transform(low.transform(B)) - pca.imputer_.transform(B)).to_numpy()
    tail = float(np.sum(pca.explained_variance_[3:]))
    assert np.sum(err**2) / (len(B) - 1) == pytest.approx(tail, rel=1e-6)
    with pytest.raises(v.ColumnMismatchError, match="3 columns"):
        low.inverse_transform(np.zeros((2, 2)))


def test_fit_transform_matches_fit_then_transform(B: pd.DataFrame) -> None:
    a = osl.CapabilityPCA(n_components=3).fit_transform(B)
    b = osl.CapabilityPCA(n_components=3).fit(B).transform(B)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-5)
    assert a.index.equals(B.index)


def test_standardize_is_pca_of_z_scores(complete: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(n_components=3, impute=False, standardize=True).fit(complete)
    z = (complete - complete.mean()) / complete.std(ddof=0)
    ref = PCA(n_components=3).fit(z.to_numpy())
    np.testing.assert_allclose(pca.explained_variance_ratio_, ref.explained_variance_ratio_)
    np.testing.assert_allclose(pca.scale_.to_numpy(), complete.std(ddof=0).to_numpy())


def test_held_out_models_do_not_move_the_loadings(B: pd.DataFrame) -> None:
    train, test = B.iloc[:50], B.iloc[50:]
    pca = osl.CapabilityPCA(n_components=3).fit(train)
    before = pca.components_.copy()
    S_test = pca.transform(test)
    pd.testing.assert_frame_equal(pca.components_, before)
    assert S_test.index.equals(test.index) and not S_test.isna().to_numpy().any()


def test_errors(B: pd.DataFrame) -> None:
    with pytest.raises(v.NotEnoughModelsError, match="exceeds min"):
        osl.CapabilityPCA(n_components=9).fit(B)
    with pytest.raises(v.NotEnoughModelsError, match="too few"):
        osl.CapabilityPCA(n_components=3).fit(B.iloc[:4])
    with pytest.raises(v.OSLInputError, match="impute=False"):
        osl.CapabilityPCA(impute=False).fit(B)
    pca = osl.CapabilityPCA(n_components=2).fit(B)
    with pytest.raises(v.ColumnMismatchError, match="differ"):
        pca.transform(B.rename(columns={"MMLU": "mmlu"}))
    with pytest.raises(v.OSLInputError, match="integer"):
        osl.CapabilityPCA(n_components=0).fit(B)


#: Generic checks that do not apply, and why (also noted in the class docstring).
PCA_EXCEPTIONS = {
    **COMMON_EXCEPTIONS,
    "check_transformer_preserve_dtypes": "transform returns a DataFrame of S with 'PC-k' columns",
}


def test_scikit_learn_estimator_checks() -> None:
    # The generic checks feed unbounded random data: switch the score-range check off.
    run_checks(osl.CapabilityPCA(n_components=1, score_range=None), PCA_EXCEPTIONS)
