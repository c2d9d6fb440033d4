"""Paper Sec. 3.3 / Eq. 4 / Fig. 3: within a family, PC-1 is linear in log training FLOPs.

Setup as in the paper (Sec. 3.2): the 77 models of the paper's families, the 8
standard benchmarks, missing cells filled by rank-1 PCA imputation, then PCA
on centred, unscaled scores. The paper reports R² > 0.9 for the family lines
in its figure; the set of families that miss that bar is read off the data,
not assumed.
"""

from __future__ import annotations

import pandas as pd
import pytest

import osl_helpers as osl

R2_BAR = 0.9  # the paper's "R² > 0.9" (Sec. 3.3)


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    frame = osl.load_base_benchmarks("paper")
    pca = osl.CapabilityPCA(n_components=3, impute=True, impute_components=1)
    pca.fit(frame[osl.BENCHMARKS])
    # Sec. 3.2: PC-1 explains about 80% of the variance, the top 3 about 97%.
    share = pca.explained_variance_ratio_
    assert share[0] == pytest.approx(0.80, abs=0.02)
    assert share.sum() == pytest.approx(0.97, abs=0.015)
    return frame.join(pca.transform(frame[osl.BENCHMARKS]))


@pytest.fixture(scope="module")
def lines(models: pd.DataFrame) -> pd.DataFrame:
    return osl.fit_family_lines(models, x="log10_flops", y="PC-1", min_models=3).set_index("family")


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


def test_pc1_is_linear_within_families_except_starcoder2(lines: pd.DataFrame) -> None:
    # StarCoder2's three sizes were trained by three teams (3B ServiceNow, 7B Hugging
    # Face, 15B NVIDIA), the 15B on a larger, broader data set than the other two: its
    # 7B model sits below the line through 3B and 15B, so the family's line bends.
    failing = set(lines.index[lines["r2"] <= R2_BAR])
    assert failing == {"StarCoder2"}
    assert 0.85 < lines.loc["StarCoder2", "r2"] <= R2_BAR  # a near miss, not a break
    assert len(lines) - len(failing) >= 13


def test_starcoder2_bends_at_its_middle_model(models: pd.DataFrame) -> None:
    sc2 = models[models["Model Family"] == "StarCoder2"].sort_values("log10_flops")
    x, y = sc2["log10_flops"].to_numpy(), sc2["PC-1"].to_numpy()
    slope_low = (y[1] - y[0]) / (x[1] - x[0])
    slope_high = (y[2] - y[1]) / (x[2] - x[1])
    # The second segment is more than twice as steep as the first: convex, not linear.
    assert slope_high > 2 * slope_low > 0


def test_pc1_rises_with_compute_in_every_family(lines: pd.DataFrame) -> None:
    assert (lines["slope"] > 0).all()


def test_pooled_line_is_clearly_worse_than_family_lines(
    models: pd.DataFrame, lines: pd.DataFrame
) -> None:
    # Families differ in compute efficiency (Eq. 4), so one line across them fits worse.
    median = float(lines["r2"].median())
    pooled_all = osl.fit_pooled_line(models, y="PC-1")
    same = models[models["Model Family"].isin(lines.index)]
    pooled_same = osl.fit_pooled_line(same, y="PC-1")
    assert pooled_all["n"] == models["log10_flops"].notna().sum()
    for pooled in (pooled_all, pooled_same):
        assert pooled["r2"] < median - 0.15


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
