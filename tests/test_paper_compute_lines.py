"""Claims of the chapter "Principal capabilities are linear in log compute within a family".

Sec. 3.3, Eq. 4, Figs. 3 and C.2. The paper shows the family lines in a figure
(Fig. 3) and reports no per-family R² beyond "R² > 0.9", so the claims are
asserted qualitatively, with this book's own thresholds; the exact numbers are
our measurements on the authors' tables. Setup as in the paper (Sec. 3.2): the
77 models of the paper's families, the 8 standard benchmarks, missing cells
filled by rank-1 PCA imputation, then PCA on centred, unscaled scores; the set
of families that miss the R² bar is read off the data, not assumed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import compute_lines as cl

R2_BAR = 0.9  # the paper's "R² > 0.9" (Sec. 3.3)


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    """The paper's 77 models with PC-1..3 (rank-1 imputation, unscaled PCA, Sec. 3.2)."""
    frame = osl.load_base_benchmarks("paper")
    pca = osl.CapabilityPCA(n_components=3, impute=True, impute_components=1)
    pca.fit(frame[osl.BENCHMARKS])
    return frame.join(pca.transform(frame[osl.BENCHMARKS]))


@pytest.fixture(scope="module")
def lines(models: pd.DataFrame) -> pd.DataFrame:
    return osl.fit_family_lines(models, x="log10_flops", y="PC-1", min_models=3).set_index("family")


@pytest.fixture(scope="module")
def table(models: pd.DataFrame) -> pd.DataFrame:
    return cl.efficiency_table(models, reference="Llama-2", y="PC-1")


# --------------------------------------------------------------------------- paper claims


def test_flops_column_is_six_n_d(models: pd.DataFrame) -> None:
    # Sec. 3.3, Setup: C ≈ 6ND. Exact on the tables (up to float rounding).
    c = osl.training_flops(
        models["Model Size (B)"] * 1e9, models["Pretraining Data Size (T)"] * 1e12
    )
    known = models["log10_flops"].notna()
    assert known.sum() == 75  # 77 paper models, two without a published data size
    np.testing.assert_allclose(np.log10(c[known]), models.loc[known, "log10_flops"], atol=1e-9)


def test_pc1_is_linear_within_families_except_starcoder2(models: pd.DataFrame) -> None:
    # Sec. 3.3 / Fig. 3: "PC-1 measure linearly correlates with their log-training FLOPs
    # (with R² > 0.9)" for families with controlled recipes, naming BLOOM and StarCoder.
    # Ours: R² > 0.9 for every family with >= 3 models of known compute except exactly
    # StarCoder2 (whose recipe changed between sizes).
    lin = cl.linearity_table(models, y="PC-1", min_models=3, threshold=0.9)
    assert len(lin) == 14
    assert set(lin.loc[~lin["linear"], "family"]) == {"StarCoder2"}
    assert lin["r2"].median() > 0.95
    assert lin.set_index("family").loc[["BLOOM", "StarCoder"], "linear"].all()
    # The exception is marginal: just below the threshold.
    sc2 = float(lin.set_index("family").loc["StarCoder2", "r2"])
    assert 0.85 < sc2 < 0.9


def test_pc1_rises_with_compute_in_every_family(models: pd.DataFrame) -> None:
    summary = cl.linearity_summary(models, ys=("PC-1", "PC-2", "PC-3"), min_models=3)
    assert summary.loc["PC-1", "rising"] == summary.loc["PC-1", "families"]
    # Sec. 3.3 / Fig. C.2: linearity "also generally holds for lower-ranked PCs". Only
    # partly here: PC-2 and PC-3 are linear (R² > 0.9) in at most 8 of the 14 families and
    # their slopes change sign across families.
    for pc in ("PC-2", "PC-3"):
        assert summary.loc[pc, "linear"] < summary.loc["PC-1", "linear"]
        assert 5 <= summary.loc[pc, "linear"] <= 8
        assert summary.loc[pc, "min_slope"] < 0 < summary.loc[pc, "max_slope"]


def test_near_flat_families_explain_low_r2_on_pc2_pc3(models: pd.DataFrame) -> None:
    # The chapter names Falcon and Qwen1.5 as families whose PC-2/PC-3 slope is almost zero.
    for pc in ("PC-2", "PC-3"):
        lin = cl.linearity_table(models, y=pc).set_index("family")
        for fam in ("Falcon", "Qwen1.5"):
            assert abs(lin.loc[fam, "slope"]) < 0.01
            assert lin.loc[fam, "r2"] < 0.1


def test_pooled_line_is_clearly_worse_than_family_lines(
    models: pd.DataFrame, lines: pd.DataFrame
) -> None:
    # Sec. 3.3: families differ in compute efficiency, so one line does not fit all.
    pooled = osl.fit_pooled_line(models, y="PC-1")
    median = cl.linearity_table(models, y="PC-1")["r2"].median()
    assert pooled["n"] == models["log10_flops"].notna().sum()
    assert pooled["r2"] < 0.8
    assert median - pooled["r2"] > 0.15
    # Also on the models of the families with a line of their own only.
    same = models[models["Model Family"].isin(lines.index)]
    assert osl.fit_pooled_line(same, y="PC-1")["r2"] < median - 0.15


def test_offsets_and_slopes_both_differ_between_families(models: pd.DataFrame) -> None:
    nested = cl.nested_line_fits(models, y="PC-1")
    assert nested.attrs["n_models"] == 75 and nested.attrs["n_families"] == 19
    r2 = nested["r2"]
    assert r2["pooled line"] < r2["common slope"] < r2["slope per family"]
    assert nested.loc["common slope", "p_value"] < 1e-6
    assert nested.loc["slope per family", "p_value"] < 1e-6


def test_shallow_and_steep_families(models: pd.DataFrame) -> None:
    # The chapter: families trained on few tokens have shallow lines, Llama-2, Qwen1.5 and
    # CodeLlama steep ones.
    slopes = cl.linearity_table(models, y="PC-1").set_index("family")["slope"]
    assert (slopes[["OPT", "Pythia", "BLOOM", "XGLM", "GPT-Neo/J"]] < 0.2).all()
    assert (slopes[["Llama-2", "Qwen1.5", "CodeLlama"]] > 0.4).all()


def test_pooled_residuals_phi_highest_starcoder_lowest(models: pd.DataFrame) -> None:
    pooled = osl.fit_pooled_line(models, y="PC-1")
    resid = models["PC-1"] - (pooled["slope"] * models["log10_flops"] + pooled["intercept"])
    by_family = resid.groupby(models["Model Family"]).mean().dropna()
    assert by_family.idxmax() == "Phi"
    assert by_family.idxmin() == "StarCoder"


def test_efficiency_ranking(table: pd.DataFrame) -> None:
    # Eq. 4: families differ in efficiency. Ours at a common slope, relative to Llama-2:
    # Phi most efficient and StarCoder least, both with 95% intervals excluding parity.
    t = table.set_index("family")
    assert table.iloc[0]["family"] == "Phi"
    assert table.iloc[-1]["family"] == "StarCoder"
    assert t.loc["Phi", "multiplier"] > 10 and t.loc["Phi", "lo"] > 1
    assert 1 / t.loc["StarCoder", "multiplier"] > 10 and t.loc["StarCoder", "hi"] < 1
    assert t.loc["Llama-2", "multiplier"] == pytest.approx(1.0)
    assert set(table.loc[table["lo"] > 1, "family"]) == {"Phi", "Qwen"}
    # Every code family needs more compute than Llama-2 for the same PC-1.
    assert (table.loc[table["kind"] == "code", "multiplier"] < 1).all()


def test_efficient_families_train_on_more_tokens(table: pd.DataFrame, models) -> None:
    general = cl.efficiency_vs_data(table, models, kind="general")
    everyone = cl.efficiency_vs_data(table, models, kind=None)
    assert general.attrs["rho"] > 0.5 and general.attrs["p_value"] < 0.05
    assert everyone.attrs["rho"] < general.attrs["rho"]
    # Phi trains on fewer tokens than every other family more efficient than Llama-2.
    g = general.set_index("family")
    rivals = g[(g["decades"] > 0) & (g.index != "Phi")]
    assert (rivals["tokens_T"] > g.loc["Phi", "tokens_T"]).all()


def test_exercise_answers(models: pd.DataFrame) -> None:
    # Standardised scores: the StarCoder2 exception disappears, the pooled line stays poor.
    std = osl.CapabilityPCA(n_components=3, standardize=True).fit(models[osl.BENCHMARKS])
    alt_models = models.drop(columns=["PC-1", "PC-2", "PC-3"]).join(
        std.transform(models[osl.BENCHMARKS])
    )
    assert cl.linearity_table(alt_models)["linear"].all()
    assert osl.fit_pooled_line(alt_models)["r2"] < 0.8
    # Log parameters: lines within families stay straight, the pooled line gets much worse.
    par = cl.linearity_table(models, x="log10_params")
    assert par["linear"].sum() == 13
    assert (
        osl.fit_pooled_line(models, x="log10_params")["r2"]
        < osl.fit_pooled_line(models)["r2"] - 0.2
    )


def test_families_with_three_or_more_models_are_all_fitted(
    models: pd.DataFrame, lines: pd.DataFrame
) -> None:
    known = models.dropna(subset=["log10_flops"])
    sizes = known.groupby("Model Family").size()
    assert set(lines.index) == set(sizes[sizes >= 3].index)
    assert (lines["n"] == sizes[lines.index]).all()
    # Every other family is listed as skipped, with a reason.
    assert set(lines.attrs["skipped"]) == set(models["Model Family"]) - set(lines.index)
    assert set(lines.attrs["skipped_reason"]) == set(lines.attrs["skipped"])


def test_starcoder2_bends_at_its_middle_model(models: pd.DataFrame) -> None:
    sc2 = models[models["Model Family"] == "StarCoder2"].sort_values("log10_flops")
    x, y = sc2["log10_flops"].to_numpy(), sc2["PC-1"].to_numpy()
    slope_low = (y[1] - y[0]) / (x[1] - x[0])
    slope_high = (y[2] - y[1]) / (x[2] - x[1])
    # The second segment is more than twice as steep as the first: convex, not linear.
    assert slope_high > 2 * slope_low > 0


def test_common_slope_sits_between_pooled_and_free_lines(
    models: pd.DataFrame, lines: pd.DataFrame
) -> None:
    # Nested fits on the same models: one line ⊂ shared slope ⊂ a slope per family.
    same = models[models["Model Family"].isin(lines.index)].dropna(subset=["log10_flops"])
    slope, table, r2_common = osl.fit_common_slope_lines(same, y="PC-1", min_models=3)
    pooled = osl.fit_pooled_line(same, y="PC-1")["r2"]
    fam = same["Model Family"]
    fitted = lines.loc[fam, "slope"].to_numpy() * same["log10_flops"].to_numpy()
    fitted += lines.loc[fam, "intercept"].to_numpy()
    y = same["PC-1"].to_numpy()
    r2_free = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert pooled < r2_common < r2_free < 1.0
    assert slope > 0 and (table["intercept_se"] > 0).all()
