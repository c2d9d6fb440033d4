"""osl_helpers.chapters.compute_lines and its chart builder: family lines, efficiency, numbers."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers._validation import NotEnoughModelsError, OSLInputError, UnknownFamilyError
from osl_helpers.chapters import compute_lines as cl


@pytest.fixture(scope="module")
def models() -> pd.DataFrame:
    """The paper's 77 models with PC-1..3 and ``kind``, as the chapter builds them."""
    frame = osl.load_base_benchmarks("paper")
    pca = osl.CapabilityPCA(n_components=3, impute=True, impute_components=1)
    return cl.with_capabilities(frame, pca.fit(frame[osl.BENCHMARKS]))


@pytest.fixture(scope="module")
def table(models: pd.DataFrame) -> pd.DataFrame:
    return cl.efficiency_table(models, reference="Llama-2", y="PC-1")


def _toy(slopes: dict[str, float], offsets: dict[str, float], noise: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for fam, w in slopes.items():
        for x in (21.0, 21.5, 22.0, 22.5, 23.0):
            y = w * x + offsets[fam] + noise * rng.normal()
            rows.append({"Model Family": fam, "log10_flops": x, "PC-1": y})
    return pd.DataFrame(rows)


def test_linearity_table_on_exact_lines() -> None:
    toy = _toy({"A": 0.3, "B": 0.3}, {"A": -6.0, "B": -6.3})
    lin = cl.linearity_table(toy)
    assert lin["r2"].to_numpy() == pytest.approx([1.0, 1.0])
    assert lin["span"].to_numpy() == pytest.approx([2.0, 2.0])
    assert lin["slope"].to_numpy() == pytest.approx([0.3, 0.3])
    assert lin["linear"].all()


def test_efficiency_table_recovers_known_multiplier() -> None:
    # B sits 0.3 below A at slope 0.3: one decade more compute, multiplier 0.1.
    toy = _toy({"A": 0.3, "B": 0.3}, {"A": -6.0, "B": -6.3}, noise=1e-4)
    t = cl.efficiency_table(toy, reference="A").set_index("family")
    assert t.loc["B", "decades"] == pytest.approx(-1.0, abs=1e-3)
    assert t.loc["B", "multiplier"] == pytest.approx(0.1, rel=1e-2)
    assert t.loc["B", "lo"] < t.loc["B", "multiplier"] < t.loc["B", "hi"]
    assert t.loc["A", "decades_se"] == pytest.approx(0.0)


def test_efficiency_table_agrees_with_compute_module(models: pd.DataFrame) -> None:
    slope, lines, _ = osl.fit_common_slope_lines(models, y="PC-1")
    t = cl.efficiency_table(models, y="PC-1")
    assert t.attrs["slope"] == pytest.approx(slope)
    merged = t.merge(lines, on="family", suffixes=("", "_c"))
    np.testing.assert_allclose(merged["intercept"], merged["intercept_c"])
    np.testing.assert_allclose(merged["intercept_se"], merged["intercept_se_c"], rtol=1e-6)
    ref = lines.set_index("family")["intercept"]["Llama-2"]
    expected = [osl.compute_multiplier(b, ref, slope) for b in merged["intercept"]]
    np.testing.assert_allclose(merged["multiplier"], expected)


def test_slope_uncertainty_widens_far_families() -> None:
    # A family far from the reference gains width from the slope's uncertainty.
    toy = _toy({"A": 0.3, "B": 0.3, "C": 0.3}, {"A": -6.0, "B": -6.3, "C": -5.0}, noise=0.02)
    t = cl.efficiency_table(toy, reference="A").set_index("family")
    assert t.loc["C", "decades_se"] > 0 and t.loc["B", "decades_se"] > 0


def test_nested_fits_detect_different_slopes() -> None:
    same = cl.nested_line_fits(_toy({"A": 0.3, "B": 0.3}, {"A": -6, "B": -6.3}, noise=0.01))
    diff = cl.nested_line_fits(_toy({"A": 0.1, "B": 0.5}, {"A": -2, "B": -11}, noise=0.01))
    assert same.loc["slope per family", "p_value"] > 0.01
    assert diff.loc["slope per family", "p_value"] < 1e-6
    assert list(same["parameters"]) == [2, 3, 4]


def test_named_errors() -> None:
    toy = _toy({"A": 0.3, "B": 0.3}, {"A": -6.0, "B": -6.3}, noise=0.01)
    with pytest.raises(UnknownFamilyError):
        cl.efficiency_table(toy, reference="Z")
    with pytest.raises(OSLInputError):
        cl.efficiency_table(toy, reference="A", level=1.5)
    with pytest.raises(OSLInputError):
        cl.linearity_table(toy, y="PC-9")
    with pytest.raises(NotEnoughModelsError):
        cl.nested_line_fits(toy[toy["Model Family"] == "A"])
    short = pd.concat(
        [toy, pd.DataFrame([{"Model Family": "C", "log10_flops": 22.0, "PC-1": 0.1}])]
    )
    with pytest.raises(NotEnoughModelsError):
        cl.efficiency_table(short, reference="C")


def test_multiplier_forest_spec(table: pd.DataFrame) -> None:
    chart = osl.charts.compute_lines.multiplier_forest(table, title="t")
    spec = chart.to_dict()
    assert isinstance(chart, alt.LayerChart)
    assert len(spec["layer"]) == 4
    encodings = [layer.get("encoding", {}) for layer in spec["layer"]]
    assert any(e.get("x", {}).get("scale", {}).get("type") == "log" for e in encodings)
    assert any("shape" in e for e in encodings) and any("tooltip" in e for e in encodings)


def test_multiplier_forest_rejects_bad_input(table: pd.DataFrame) -> None:
    with pytest.raises(OSLInputError):
        osl.charts.compute_lines.multiplier_forest(table.assign(lo=-1.0), title="t")
    with pytest.raises(OSLInputError):
        osl.charts.compute_lines.multiplier_forest(table.assign(hi=table["lo"] / 2), title="t")
    with pytest.raises(OSLInputError):
        osl.charts.compute_lines.multiplier_forest(table.drop(columns=["kind"]), title="t")


def test_family_gaps_rebuild_the_decades() -> None:
    # decades_f = gap_y / θ − gap_x for the common-slope fit (exact up to rounding).
    toy = _toy({"A": 0.3, "B": 0.3, "C": 0.3}, {"A": -6.0, "B": -6.3, "C": -5.0}, noise=0.02)
    t = cl.efficiency_table(toy, reference="A").set_index("family")
    gaps = cl.family_gaps(toy, reference="A").set_index("family")
    rebuilt = gaps["gap_y"] / t.attrs["slope"] - gaps["gap_x"]
    np.testing.assert_allclose(rebuilt[t.index], t["decades"], atol=1e-12)
    with pytest.raises(UnknownFamilyError, match="not in the data"):
        cl.family_gaps(toy, reference="No-such-family")


def test_efficiency_table_uses_the_common_slope_covariance() -> None:
    toy = _toy({"A": 0.3, "B": 0.3, "C": 0.3}, {"A": -6.0, "B": -6.3, "C": -5.0}, noise=0.02)
    fit = osl.fit_common_slope_lines(toy)
    cov, dof = np.asarray(fit.table.attrs["cov"]), fit.table.attrs["dof"]
    assert cov.shape == (4, 4) and dof == 15 - 4
    np.testing.assert_allclose(cov, cov.T)
    # The tables of two fits still concatenate (pandas compares their attrs).
    assert len(pd.concat([fit.table, osl.fit_common_slope_lines(toy).table])) == 6
    np.testing.assert_allclose(np.sqrt(np.diag(cov)[1:]), fit.table["intercept_se"])
    t = cl.efficiency_table(toy, reference="A")
    assert t.attrs["dof"] == dof and t.attrs["slope_se"] == fit.table.attrs["slope_se"]


def test_family_lines_are_keyed_like_the_frame(models: pd.DataFrame) -> None:
    lines = cl.family_lines(models, y="PC-2")
    plain = osl.fit_family_lines(models, y="PC-2")
    assert list(lines.columns) == ["Model Family", *plain.columns[1:]]
    assert lines["Model Family"].tolist() == plain["family"].tolist()
    assert set(models["kind"]) == {"code model", "general model"}


def test_data_numbers(models: pd.DataFrame) -> None:
    nums = cl.data_numbers(models)
    assert nums["n_models"] == 77 and nums["n_with_flops"] == 75 and nums["n_no_flops"] == 2
    assert nums["max_gap"] < 1e-9 and nums["n_bench"] == len(osl.BENCHMARKS)


def test_chapter_numbers_read_the_tables(models: pd.DataFrame, table: pd.DataFrame) -> None:
    lin = cl.linearity_table(models, y="PC-1", min_models=3)
    nums = cl.linearity_numbers(lin)
    assert nums["n_fam3"] == len(lin) and nums["exceptions"] == "StarCoder2"
    assert nums["min_r2_linear"] > 0.9 >= lin["r2"].min()
    sc2 = cl.family_models(models, "StarCoder2")
    assert sc2["log10_flops"].is_monotonic_increasing and len(sc2) == 3
    pc1 = pd.Series(1.0, index=osl.BENCHMARKS)  # equal loadings: GSM8K's share of the step
    s = cl.starcoder2_numbers(sc2, lin, pc1)
    step = sc2[osl.BENCHMARKS].diff().iloc[2]
    assert s["sc2_gsm_share"] == pytest.approx(100 * step["GSM8K"] / step.sum())
    eff_nums = cl.efficiency_numbers(table)
    assert eff_nums["best"] == table["family"].iloc[0] and eff_nums["n_eff"] == len(table)
    assert eff_nums["worst_more_lo"] <= eff_nums["worst_more"] <= eff_nums["worst_more_hi"]
    nested = cl.nested_line_fits(models, y="PC-1")
    assert cl.nested_numbers(nested)["nested_n"] == nested.attrs["n_models"]
    summary = cl.linearity_summary(models, min_models=3)
    assert set(cl.summary_numbers(summary)) == {
        "pc2_linear", "pc2_rising", "pc3_linear", "pc3_rising", "pc1_rising"
    }  # fmt: skip
