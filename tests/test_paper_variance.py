"""The paper's low-rank finding on its 77 base models (Sec. 3.2, Fig. 2).

Eight standard benchmarks, missing cells filled by rank-1 PCA imputation
(Alg. A.1), then PCA of the centred, unscaled scores (Eq. 5).
"""

from __future__ import annotations

import numpy as np
import pytest

import osl_helpers as osl


@pytest.fixture(scope="module")
def pca() -> osl.CapabilityPCA:
    B = osl.load_base_benchmarks("paper").set_index("Model")[osl.BENCHMARKS]
    assert len(B) == 77
    return osl.CapabilityPCA(n_components=8, impute=True, impute_components=1).fit(B)


def test_pc1_explains_about_80_percent(pca: osl.CapabilityPCA) -> None:
    # Paper, Sec. 3.2: PC-1 alone explains ~80% of the variance.
    assert abs(pca.explained_variance_ratio_[0] - 0.80) <= 0.02


def test_top_three_explain_about_97_percent(pca: osl.CapabilityPCA) -> None:
    # Paper, Fig. 2: the top three components explain ~97%.
    assert abs(float(np.sum(pca.explained_variance_ratio_[:3])) - 0.97) <= 0.01


def test_pc1_is_a_general_capability(pca: osl.CapabilityPCA) -> None:
    # Every benchmark rises with PC-1.
    assert (pca.components_.loc["PC-1"] > 0).all()


def test_pc2_sets_reasoning_against_commonsense(pca: osl.CapabilityPCA) -> None:
    # Math and code load on one side, the commonsense benchmarks on the other.
    pc2 = pca.components_.loc["PC-2"]
    assert np.sign(pc2["GSM8K"]) == np.sign(pc2["HumanEval"])
    assert np.sign(pc2["HellaSwag"]) == np.sign(pc2["Winograd"])
    assert np.sign(pc2["GSM8K"]) != np.sign(pc2["HellaSwag"])


def test_pc3_is_mostly_programming(pca: osl.CapabilityPCA) -> None:
    pc3 = pca.components_.loc["PC-3"]
    assert pc3.abs().idxmax() == "HumanEval"
    assert abs(pc3["HumanEval"]) > 2 * pc3.drop("HumanEval").abs().max()
