"""osl_helpers.chapters.unified_scale: informative ranges, uncounted compute, chain-of-thought gains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import compute_lines as cl
from osl_helpers.chapters import unified_scale as us
from osl_helpers.law import sigmoid


@pytest.fixture(scope="module")
def loaded() -> tuple[pd.DataFrame, pd.DataFrame]:
    return us.load()


def test_uncounted_compute_arithmetic() -> None:
    est = us.uncounted_compute(multiplier=11.0, training_flops=1e22, generator_params=5e10)
    assert est["missing_flops"] == pytest.approx(1e23)
    assert est["generated_tokens"] == pytest.approx(1e23 / 1e11)


def test_informative_ranges_recover_a_planted_sigmoid() -> None:
    # MMLU = 0.25 + 0.65·σ(2(x − 1)): 10%–90% of its span is x = 1 ± ln 9 / 2.
    x = np.linspace(-3.0, 5.0, 200)
    frame = pd.DataFrame({"PC-1": x, "MMLU": 0.25 + 0.65 * sigmoid(2.0 * (x - 1.0))})
    ranges = us.informative_ranges(frame, chance={"MMLU": 0.25}).set_index("item")
    half = np.log(9.0) / 2.0
    assert ranges.loc["MMLU", "start"] == pytest.approx(1.0 - half, abs=1e-4)
    assert ranges.loc["MMLU", "end"] == pytest.approx(1.0 + half, abs=1e-4)
    assert ranges.loc["MMLU", "ceiling"] == pytest.approx(0.9, abs=1e-4)
    assert ranges.loc["PC-1", "width"] == pytest.approx(8.0)
    nums = us.range_numbers(ranges.reset_index())
    assert nums["widest_bench"] == nums["narrowest_bench"] == "MMLU"
    assert nums["widest_share"] == pytest.approx(100 * 2 * half / 8.0, abs=1e-3)


def test_chance_levels_live_with_the_data() -> None:
    assert osl.data.CHANCE["MMLU"] == 0.25 and "TruthfulQA" not in osl.data.CHANCE
    assert set(osl.data.CHANCE) < set(osl.BENCHMARKS)


def test_load_and_its_numbers(loaded: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    models, paper = loaded
    nums = us.load_numbers(models, paper)
    assert nums["n_paper"] == 77 < nums["n_models"] == len(models)
    assert {"PC-1", "PC-2", "PC-3", "kind"} <= set(models.columns)
    assert set(models["kind"]) == {"code model", "general model"}


def test_multiplier_numbers_and_ranges(loaded: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    models, paper = loaded
    mult = cl.efficiency_table(models)
    nums = us.multiplier_numbers(mult, family="Phi")
    assert nums["phi_lo"] < nums["phi_mult"] < nums["phi_hi"]
    assert mult["family"].iloc[nums["phi_rank"] - 1] == "Phi"
    ranges = us.multiplier_ranges(mult)
    np.testing.assert_allclose(10 ** ranges["start"], mult["lo"])
    assert ranges["label"].str.endswith("×").all()
    est = us.synthetic_data_numbers(models, mult, "microsoft/phi-2", generator_params=175e9)
    expected = us.uncounted_compute(nums["phi_mult"], est["phi2_flops"], 175e9)
    assert est["missing_flops"] == expected["missing_flops"]
    table = us.estimate_table(est)
    assert list(table["unit"]) == ["FLOPs", "trillion tokens", "FLOPs", "trillion tokens"]
    assert table["value"].iloc[2] == f"{est['missing_flops']:.3g}"  # 3 significant digits
    assert all(len(v.replace("e+", "").replace(".", "")) <= 5 for v in table["value"])
    fit = us.paper_fit_numbers(models, paper, mult)
    assert fit["theta"] == mult.attrs["slope"] and fit["n_families_paper"] < len(mult)


def test_cot_gains_use_eq_8(loaded: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    gsm, gains = us.cot_gains(loaded[0], reference="Llama-2")
    w, b = osl.reference_line(gsm, y="PC-1", family="Llama-2")
    np.testing.assert_allclose(gsm["llama2_equiv"], (gsm["PC-1"] - b) / w)
    assert gains.columns[0] == "Model Family"
    nums = us.cot_numbers(gains)
    assert set(nums) == {f"{k}_{q}" for k in ("phi", "dsc", "llama2") for q in ("onset", "slope")}


def test_reference_numbers(loaded: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    models, _ = loaded
    mult = cl.efficiency_table(models, y="PC-1", reference="Llama-2")
    n = us.reference_numbers(models, mult)
    phi = mult.set_index("family")["multiplier"]["Phi"]
    # Every multiplier is divided by Llama-3's; ranking and ratios are unchanged.
    assert n["us_ex_phi_mult"] == pytest.approx(phi / n["us_ex_ref_mult"])
    assert n["us_ex_same_order"] is True
    assert n["us_ex_ratio_dev"] < 1e-9
    # The intervals widen; Phi's now includes 1, and fewer families are clearly above 1.
    assert n["us_ex_phi_width"] > n["us_ex_phi_width2"]
    assert n["us_ex_phi_lo"] < 1 < n["us_ex_phi_hi"]
    assert n["us_ex_above_llama3"] < n["us_ex_above_llama2"]


def test_estimate_table_names_missing_numbers() -> None:
    with pytest.raises(osl.OSLInputError, match="gen_tokens_t"):
        us.estimate_table({"phi2_flops": 1e23, "phi2_tokens_trained": 1.4, "missing_flops": 1e24})
