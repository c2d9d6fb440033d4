"""Claims of the chapter "Benchmarks live in a low-dimensional space" (Sec. 3.2, Fig. 2).

Paper numbers are those of Ruan, Maddison & Hashimoto (2024); the rest are the
chapter's own findings on the authors' tables, with tolerances that state how
strongly each sentence of the chapter is meant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import lowrank as lr

SUBSETS = ["paper", "extended", "preregistered", "all"]
QUANTITIES = ["theta_1", "theta_2", "theta_3", "angle_PC-1", "share_lost"]


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {s: osl.load_base_benchmarks(s).set_index("Model") for s in SUBSETS}


@pytest.fixture(scope="module")
def B(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return frames["paper"][osl.BENCHMARKS]


@pytest.fixture(scope="module")
def structure(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    return lr.subset_structure(frames, reference="paper", n_components=3)


@pytest.fixture(scope="module")
def versus(structure: pd.DataFrame, B: pd.DataFrame) -> dict[str, pd.DataFrame]:
    # The chapter's nulls: 500 seeded random splits of the paper models.
    nulls = {
        "preregistered": lr.heldout_null(B, n_heldout=20, n_draws=500, seed=0),
        "extended": lr.heldout_null(B, n_heldout=38, n_draws=500, seed=0),
    }
    return {s: lr.compare_with_null(structure.loc[s], n, QUANTITIES) for s, n in nulls.items()}


# --------------------------------------------------------------------------- the matrix B


def test_paper_matrix_and_its_holes(frames: dict[str, pd.DataFrame]) -> None:
    # Sec. 3.1: 77 base models; eight standard benchmarks.
    holes = lr.missing_cells(frames["paper"].reset_index())
    assert frames["paper"].shape[0] == 77
    # Six missing cells, in two whole-benchmark blocks.
    counts = holes.groupby(["benchmark", "Model Family"]).size().to_dict()
    assert counts == {("ARC-C", "Llama-3"): 2, ("HumanEval", "Falcon"): 4}


# --------------------------------------------------------------------------- imputation


def test_pca_imputation_beats_column_means_on_hidden_cells(B: pd.DataFrame) -> None:
    check = lr.masked_imputation_check(B, frac=0.1, n_repeats=20, seed=0)
    ratio = check.summary["vs_column_mean"]
    assert ratio["PCA rank 1"] < 0.6  # "about half the error of column means"
    assert ratio["PCA rank 2"] < ratio["PCA rank 1"]  # "rank 2 does slightly better"
    # Every single repeat, not just the mean.
    wide = check.errors.pivot(index="repeat", columns="method", values="rmse")
    assert (wide["PCA rank 1"] < wide["column mean"]).all()


def test_leave_one_out_humaneval_is_hard_arc_is_easy(B: pd.DataFrame) -> None:
    def rmse(column: str) -> pd.Series:
        rows = lr.leave_one_out_imputation(B, column, n_components=(1,))
        return rows.assign(sq=rows["error"] ** 2).groupby("method")["sq"].mean() ** 0.5

    arc, he = rmse("ARC-C"), rmse("HumanEval")
    assert arc["PCA rank 1"] < 0.4 * arc["column mean"]
    assert 0.6 * he["column mean"] < he["PCA rank 1"] < he["column mean"]
    # Exercise ex-lowrank-loo: TruthfulQA is the least improved over its column mean.
    ratios = {c: (r := rmse(c))["PCA rank 1"] / r["column mean"] for c in osl.BENCHMARKS}
    assert max(ratios, key=ratios.__getitem__) == "TruthfulQA"
    assert min(ratios, key=ratios.__getitem__) == "ARC-C"


def test_code_models_score_above_their_imputed_humaneval(B: pd.DataFrame) -> None:
    rows = lr.leave_one_out_imputation(B, "HumanEval", n_components=(1,))
    rows = rows[rows["method"] == "PCA rank 1"]
    is_code = osl.load_base_benchmarks("paper").set_index("Model")["is_code_model"]
    under = rows.assign(code=rows["Model"].map(is_code)).groupby("code")["error"].mean()
    # "code models score far above what their other benchmarks suggest"
    assert under[True] < -0.15 and under[True] < under[False] - 0.15


# --------------------------------------------------------------------------- variance and loadings


def test_variance_explained_matches_the_paper(B: pd.DataFrame) -> None:
    # Paper Sec. 3.2 / Fig. 2: PC-1 explains ~80% of the variance, the top three ~97%.
    ratio = osl.CapabilityPCA(n_components=8).fit(B).explained_variance_ratio_
    assert abs(ratio[0] - 0.80) <= 0.02
    assert abs(ratio[:3].sum() - 0.97) <= 0.01
    # "Everything beyond the third component together is less than any of the first three."
    assert ratio[3:].sum() < ratio[:3].min()


def test_loadings_reading(B: pd.DataFrame) -> None:
    # Paper Fig. 2: PC-1 general, PC-2 reasoning vs. commonsense, PC-3 programming.
    g = osl.CapabilityPCA(n_components=3).fit(B).components_
    pc1, pc2, pc3 = g.loc["PC-1"], g.loc["PC-2"], g.loc["PC-3"]
    assert (pc1 > 0).all()
    assert pc1.idxmin() == "TruthfulQA" and pc1.min() < 0.5 * pc1.drop("TruthfulQA").min()
    assert set(pc2[pc2 > 0].index) == {"HellaSwag", "ARC-C", "Winograd", "XWinograd"}
    assert set(pc2[pc2 < 0].index) == {"GSM8K", "HumanEval", "TruthfulQA", "MMLU"}
    assert list(pc2.sort_values().index[:2]) == ["GSM8K", "HumanEval"]  # math and code lead
    assert pc3.abs().idxmax() == "HumanEval" and pc3["HumanEval"] ** 2 > 0.6
    assert abs(pc3["HumanEval"]) > 2 * pc3.drop("HumanEval").abs().max()
    assert set(pc3[pc3 < -0.2].index) == {"GSM8K", "MMLU", "TruthfulQA"}


def test_code_models_stand_out_on_pc2_and_pc3(frames: dict[str, pd.DataFrame]) -> None:
    paper = frames["paper"]
    S = (
        osl.CapabilityPCA(n_components=3)
        .fit(paper[osl.BENCHMARKS])
        .transform(paper[osl.BENCHMARKS])
    )
    means = S.groupby(paper["is_code_model"]).mean()
    assert means.at[True, "PC-3"] > means.at[False, "PC-3"] + 0.1
    assert means.at[True, "PC-2"] < means.at[False, "PC-2"] - 0.1


# --------------------------------------------------------------------------- other subsets


def test_every_subset_is_low_rank(structure: pd.DataFrame) -> None:
    assert (structure["pc1_share"] > 0.79).all()
    assert (structure["own_share"] > 0.96).all()
    # The frozen paper space explains at least 94% of every subset's variance ...
    assert (structure["frozen_share"] > 0.94).all()
    # ... losing 2-3 percentage points on the extended and the later models.
    for s in ("extended", "preregistered"):
        assert 0.015 < structure.at[s, "share_lost"] < 0.04


def test_angles_to_the_paper_subspace(structure: pd.DataFrame) -> None:
    for s in ("extended", "preregistered"):
        row = structure.loc[s]
        assert row["angle_PC-1"] < 12  # PC-1 is the same direction
        assert row["theta_1"] < 6
        assert row["theta_3"] > 60  # a third direction nearly orthogonal to the paper's space
    assert structure.at["extended", "theta_2"] < 10  # the extended models share a plane
    assert 12 < structure.at["preregistered", "theta_2"] < 25  # the later ones: turned moderately


def test_against_sampling_noise(versus: dict[str, pd.DataFrame]) -> None:
    pct = {s: t["percentile"] for s, t in versus.items()}
    for s in ("extended", "preregistered"):
        assert pct[s]["angle_PC-1"] < 0.95  # inside the central 90% of the null
        assert pct[s]["theta_3"] >= 0.95  # beyond the 95th percentile
        assert pct[s]["share_lost"] >= 0.95
    assert pct["extended"]["theta_2"] < 0.95  # "within the noise"
    assert pct["extended"]["theta_1"] > 0.95  # "beyond it ... a real but small tilt"
    assert versus["extended"].at["theta_1", "observed"] < 5  # small in absolute terms
    assert pct["preregistered"]["theta_1"] > 0.95
    assert pct["preregistered"]["theta_2"] > 0.95


@pytest.mark.parametrize("seed", [1, 2])
def test_noise_verdicts_do_not_hang_on_the_seed(
    seed: int, structure: pd.DataFrame, B: pd.DataFrame
) -> None:
    # The robust verdicts (PC-1 same, third direction different) at other seeds.
    for s, n in (("preregistered", 20), ("extended", 38)):
        null = lr.heldout_null(B, n_heldout=n, n_draws=200, seed=seed)
        pct = lr.compare_with_null(structure.loc[s], null, QUANTITIES)["percentile"]
        assert pct["angle_PC-1"] < 0.95
        assert pct["theta_3"] >= 0.95


def test_which_directions_are_shared(frames: dict[str, pd.DataFrame]) -> None:
    fits = {s: osl.CapabilityPCA(n_components=3).fit(f[osl.BENCHMARKS]) for s, f in frames.items()}
    for s in ("extended", "preregistered"):
        out = lr.subspace_coordinates(fits["paper"], fits[s])["outside"]
        assert out["PC-1"] < 0.15 and out["PC-3"] > 0.85
        g = fits[s].components_
        # PC-1 positive everywhere; PC-2 still sets GSM8K against HellaSwag.
        assert (g.loc["PC-1"] > 0).all()
        assert np.sign(g.at["PC-2", "GSM8K"]) == -np.sign(g.at["PC-2", "HellaSwag"])
        # PC-3 is no longer led by HumanEval.
        assert g.loc["PC-3"].abs().idxmax() != "HumanEval"
    outside = lr.subspace_coordinates(fits["paper"], fits["extended"])["outside"]
    assert outside["PC-2"] < 0.2


# --------------------------------------------------------------------------- exercises


def test_exercise_preprocessing(B: pd.DataFrame) -> None:
    base = osl.CapabilityPCA(n_components=8).fit(B).explained_variance_ratio_[0]
    std = osl.CapabilityPCA(n_components=8, standardize=True).fit(B).explained_variance_ratio_
    imp2 = osl.CapabilityPCA(n_components=8, impute_components=2).fit(B).explained_variance_ratio_
    assert std[0] < base - 0.03
    assert abs(imp2[0] - base) < 0.005
    g = osl.CapabilityPCA(n_components=3, standardize=True).fit(B).components_
    assert g.loc["PC-2"].abs().idxmax() == "TruthfulQA"  # "it then dominates PC-2"
    spread = B.std()
    assert list(spread.nlargest(3).index) == ["GSM8K", "MMLU", "HellaSwag"]
    assert spread.idxmin() == "TruthfulQA"


def test_exercise_two_components(frames: dict[str, pd.DataFrame]) -> None:
    k2 = lr.subset_structure(frames, reference="paper", n_components=2)
    for s in ("extended", "preregistered"):
        assert k2.at[s, "theta_2"] > 20
        assert k2.at[s, "share_lost"] > 0.02
