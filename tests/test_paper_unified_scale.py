"""The paper's discussion, measured: PC-1's range, compute efficiency, Phi, chain-of-thought."""

from __future__ import annotations

import pytest

import osl_helpers as osl
from osl_helpers import outliers as ol


@pytest.fixture(scope="module")
def models():
    frame = osl.load_base_benchmarks("all")
    pca = osl.CapabilityPCA(n_components=3).fit(osl.load_base_benchmarks("paper")[osl.BENCHMARKS])
    return frame.join(pca.transform(frame[osl.BENCHMARKS]).set_axis(frame.index))


def test_pc1_range_is_wider_than_every_benchmark(models) -> None:
    ranges = ol.informative_ranges(models).set_index("item")
    pc1 = ranges.loc["PC-1", "width"]
    assert (ranges.drop(index="PC-1")["width"] < pc1).all()


def test_phi_is_the_most_compute_efficient_family(models) -> None:
    mult = osl.efficiency.efficiency_table(models, reference="Llama-2").set_index("family")
    assert mult["multiplier"].idxmax() == "Phi"
    # Far off the shared trend: more than ten times Llama-2's efficiency, and the 95%
    # interval excludes parity.
    assert mult.loc["Phi", "multiplier"] > 10
    assert mult.loc["Phi", "lo"] > 1
    assert mult.loc["Llama-2", "multiplier"] == pytest.approx(1.0)


def test_uncounted_compute_arithmetic() -> None:
    est = ol.uncounted_compute(multiplier=11.0, training_flops=1e22, generator_params=5e10)
    assert est["missing_flops"] == pytest.approx(1e23)
    assert est["generated_tokens"] == pytest.approx(1e23 / 1e11)


def test_phi_and_deepseek_coder_benefit_from_cot_earlier_but_more_slowly(models) -> None:
    naive, cot = "gsm8k_5_exact_match,strict-match", "gsm8k_cot_8_exact_match,strict-match"
    gsm = models.merge(osl.load_post_training()[["Model", naive, cot]], on="Model")
    gsm["x"] = ol.equivalent_flops_from_pc1(gsm)
    g = ol.cot_gain_by_family(gsm, naive, cot, x="x").set_index("family")
    for fam in ("Phi", "DeepSeek-Coder"):
        assert g.loc[fam, "onset"] < g.loc["Llama-2", "onset"]
        assert g.loc[fam, "slope"] < g.loc["Llama-2", "slope"]
