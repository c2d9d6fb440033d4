"""PC-1 as one capability scale, compute efficiency across families, and the outliers (Sec. 6).

Functions for the discussion of Ruan, Maddison & Hashimoto (2024): over which
range each benchmark is informative compared with PC-1 (compute efficiency per
family is :func:`osl_helpers.chapters.compute_lines.efficiency_table`); a labelled
back-of-the-envelope estimate of the compute that Phi's synthetic training data
would have cost; and where chain-of-thought starts to pay off, family by family.
The ``*_numbers`` functions return the plain numbers the chapter quotes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from osl_helpers import data
from osl_helpers._validation import (
    OSLInputError,
    check_number,
    numeric_column,
    require_columns,
)
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.chapters.compute_lines import efficiency_table, family_gaps
from osl_helpers.compute import f_equivalent_log10_flops, fit_family_lines, reference_line
from osl_helpers.data import CHANCE
from osl_helpers.law import sigmoid
from osl_helpers.setups import PAPER_SETUPS

__all__ = [
    "cot_gain_by_family",
    "cot_gains",
    "cot_numbers",
    "estimate_table",
    "informative_ranges",
    "load",
    "load_numbers",
    "multiplier_numbers",
    "multiplier_ranges",
    "paper_fit_numbers",
    "range_numbers",
    "reference_numbers",
    "synthetic_data_numbers",
    "uncounted_compute",
]


def _chance_sigmoid(x: np.ndarray, hi: float, a: float, x0: float, lo: float) -> np.ndarray:  # type: ignore[type-arg]
    return np.asarray(lo + (hi - lo) * sigmoid(a * (x - x0)), dtype=float)


def informative_ranges(
    frame: pd.DataFrame, x: str = "PC-1", chance: Mapping[str, float] = CHANCE
) -> pd.DataFrame:
    """Range of ``x`` over which each benchmark moves from 10% to 90% of its span.

    Each benchmark is fitted as ``chance + (hi − chance)·σ(a(x − x0))`` over all
    models; its informative range is x0 ± ln 9 / a, clipped to the observed x.
    Below it a benchmark sits near chance, above it near its ceiling. The row
    ``x`` itself spans the observed range of the capability scale.
    """
    require_columns(frame, [x, *chance])
    xs = numeric_column(frame, x).to_numpy(float)
    lo_x, hi_x = float(np.nanmin(xs)), float(np.nanmax(xs))
    rows = []
    for bench, floor in chance.items():
        data = pd.DataFrame({x: xs, bench: numeric_column(frame, bench).to_numpy()}).dropna()
        xv, yv = data[x].to_numpy(float), data[bench].to_numpy(float)

        def model(xx: np.ndarray, hi: float, a: float, x0: float, fl: float = floor) -> np.ndarray:  # type: ignore[type-arg]
            return _chance_sigmoid(xx, hi, a, x0, fl)

        p0 = [min(1.0, float(yv.max()) + 0.05), 4.0 / max(hi_x - lo_x, 1e-9), float(np.median(xv))]
        (hi, a, x0), _ = curve_fit(
            model, xv, yv, p0=p0, bounds=([floor, 1e-6, -np.inf], [1.0, np.inf, np.inf]),
            maxfev=20000,
        )  # fmt: skip
        half = math.log(9.0) / a
        rows.append(
            {
                "item": bench,
                "start": max(lo_x, x0 - half),
                "end": min(hi_x, x0 + half),
                "midpoint": x0,
                "ceiling": hi,
            }
        )
    rows.append({"item": x, "start": lo_x, "end": hi_x, "midpoint": np.nan, "ceiling": np.nan})
    out = pd.DataFrame(rows)
    out["width"] = out["end"] - out["start"]
    return out


def uncounted_compute(
    multiplier: float,
    training_flops: float,
    generator_params: float,
    flops_per_token_factor: float = 2.0,
) -> dict[str, float]:
    """Back-of-the-envelope: synthetic-data compute that would close a compute-efficiency gap.

    If a family reaches its capability with ``multiplier`` times less counted
    compute than the reference, the reference would need ``multiplier ×
    training_flops``; the missing ``(multiplier − 1) × training_flops`` could
    have been spent generating training data. Generating one token with a
    ``generator_params``-parameter model costs about ``flops_per_token_factor ×
    generator_params`` FLOPs (a forward pass). Returns the missing FLOPs and
    the number of generated tokens they would pay for. Every input is an
    assumption; the result is an order of magnitude, not a measurement.
    """
    multiplier = check_number("multiplier", multiplier, positive=True, example="2.0")
    training_flops = check_number("training_flops", training_flops, positive=True, example="8.4e22")
    generator_params = check_number(
        "generator_params", generator_params, positive=True, example="7e9"
    )
    flops_per_token_factor = check_number(
        "flops_per_token_factor", flops_per_token_factor, positive=True
    )
    missing = (multiplier - 1.0) * training_flops
    tokens = missing / (flops_per_token_factor * generator_params)
    return {"missing_flops": missing, "generated_tokens": tokens}


def cot_gain_by_family(
    frame: pd.DataFrame,
    naive: str,
    cot: str,
    x: str = "f_equiv_log10_flops",
    family: str = "Model Family",
    min_models: int = 2,
    onset_gain: float = 0.05,
) -> pd.DataFrame:
    """Per family: the line of (CoT − naive) accuracy against capability-equivalent compute.

    Returns family, slope (gain per decade), intercept, n, and ``onset``: the
    compute at which the fitted gain reaches ``onset_gain``.
    """
    data = frame.assign(gain=frame[cot] - frame[naive])
    lines = fit_family_lines(data, x=x, y="gain", family=family, min_models=min_models)
    lines["onset"] = (onset_gain - lines["intercept"]) / lines["slope"]
    return lines


# --------------------------------------------------------------------------- the chapter's numbers


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every base model with its capabilities S = γ(B − μ) (Eq. 5, γ fitted on the paper's models).

    Returns ``(models, paper)``: all base models with ``PC-1`` … ``PC-3`` and
    ``kind`` (code or general model) added, and the paper's 77 models.
    """
    models = data.load_base_benchmarks("all")
    paper = data.load_base_benchmarks("paper")
    pca = CapabilityPCA(n_components=3).fit(paper[data.BENCHMARKS])
    models = models.join(pca.transform(models[data.BENCHMARKS]).set_axis(models.index))
    models["kind"] = models["is_code_model"].map({True: "code model", False: "general model"})
    return models, paper


def load_numbers(models: pd.DataFrame, paper: pd.DataFrame) -> dict[str, int]:
    """How many models, of them the paper's, and how many with a known compute C."""
    return {
        "n_models": len(models),
        "n_paper": len(paper),
        "n_with_flops": int(models["log10_flops"].notna().sum()),
    }


def range_numbers(ranges: pd.DataFrame) -> dict[str, Any]:
    """Width of PC-1's range and the widest and narrowest benchmark's share of it (%)."""
    width = ranges.set_index("item")["width"]
    pc1_width = float(width["PC-1"])
    bench = width.drop("PC-1")
    return {
        "pc1_width": pc1_width,
        "widest_bench": bench.idxmax(),
        "widest_share": float(bench.max() / pc1_width * 100),
        "narrowest_bench": bench.idxmin(),
        "narrowest_share": float(bench.min() / pc1_width * 100),
    }


def multiplier_numbers(mult: pd.DataFrame, family: str = "Phi") -> dict[str, Any]:
    """``family``'s multiplier 10^((ν_f − ν_ref)/θ) with its interval and rank; the least efficient family."""
    by_family = mult.set_index("family")
    return {
        "n_families_mult": len(mult),
        "phi_mult": float(by_family["multiplier"][family]),
        "phi_lo": float(by_family["lo"][family]),
        "phi_hi": float(by_family["hi"][family]),
        "phi_rank": int(mult.index[mult["family"] == family][0]) + 1,
        "least_eff": mult.iloc[-1]["family"],
        "least_more": float(1 / mult.iloc[-1]["multiplier"]),
    }


def multiplier_ranges(mult: pd.DataFrame) -> pd.DataFrame:
    """:func:`~osl_helpers.chapters.compute_lines.efficiency_table` as log10 intervals (``item``, ``start``, ``end``, ``label``) for a range chart."""
    return mult.assign(
        item=mult["family"],
        start=np.log10(mult["lo"]),
        end=np.log10(mult["hi"]),
        label=mult["multiplier"].map("{:.2g}×".format),
    )


def paper_fit_numbers(
    models: pd.DataFrame, paper: pd.DataFrame, mult: pd.DataFrame, family: str = "Phi"
) -> dict[str, Any]:
    """The common slope θ fitted on every model against on the paper's models only.

    Compares ``mult`` (:func:`~osl_helpers.chapters.compute_lines.efficiency_table` on all ``models``) with the
    same table on the paper's models, and the capability gaps of
    :func:`~osl_helpers.chapters.compute_lines.family_gaps` that make the least efficient family's and
    ``family``'s multipliers move with θ.
    """
    mult_paper = efficiency_table(models[models["Model"].isin(paper["Model"])])
    theta_paper = mult_paper.attrs["slope"]
    by_family = mult_paper.set_index("family")["multiplier"]
    gaps = family_gaps(models).set_index("family")["gap_y"]
    least = mult.iloc[-1]["family"]
    return {
        "theta": mult.attrs["slope"],
        "theta_paper": theta_paper,
        "n_families_paper": len(by_family),
        "phi_mult_paper": float(by_family[family]),
        "least_more_paper": float(1 / by_family[least]),
        "least_gap": -float(gaps[least]),
        "phi_gap": -float(gaps[family]),
    }


def synthetic_data_numbers(
    models: pd.DataFrame,
    mult: pd.DataFrame,
    model: str = "microsoft/phi-2",
    generator_params: float = 175e9,
) -> dict[str, float]:
    """:func:`uncounted_compute` for ``model`` at its family's multiplier in ``mult``.

    Returns the model's counted FLOPs and training tokens (T), the missing
    FLOPs and the generated tokens they would pay for (T).
    """
    by_model = models.set_index("Model")
    family = by_model["Model Family"][model]
    flops = float(by_model["FLOPs (1E21)"][model]) * 1e21
    multiplier = float(mult.set_index("family").loc[family, "multiplier"])
    estimate = uncounted_compute(multiplier, flops, generator_params=generator_params)
    return {
        "phi2_flops": flops,
        "phi2_tokens_trained": float(by_model["Pretraining Data Size (T)"][model]),
        "missing_flops": estimate["missing_flops"],
        "gen_tokens_t": estimate["generated_tokens"] / 1e12,
    }


#: What each number of :func:`synthetic_data_numbers` is, and its unit.
_ESTIMATE_ROWS = {
    "phi2_flops": ("counted training compute (6ND)", "FLOPs"),
    "phi2_tokens_trained": ("training tokens", "trillion tokens"),
    "missing_flops": ("compute missing to reach Llama-2's line", "FLOPs"),
    "gen_tokens_t": ("tokens the missing compute would generate", "trillion tokens"),
}


def estimate_table(estimate: Mapping[str, float], digits: int = 3) -> pd.DataFrame:
    """:func:`synthetic_data_numbers` as a table: quantity, value to ``digits`` significant digits, unit."""
    missing = [key for key in _ESTIMATE_ROWS if key not in estimate]
    if missing:
        raise OSLInputError(f"estimate lacks {missing}")
    rows = [
        {"quantity": what, "value": f"{float(estimate[key]):.{digits}g}", "unit": unit}
        for key, (what, unit) in _ESTIMATE_ROWS.items()
    ]
    return pd.DataFrame(rows).set_index("quantity")


def cot_gains(
    models: pd.DataFrame, reference: str = "Llama-2"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GSM8K gain of chain-of-thought over naive prompting against ``reference``-equivalent compute.

    Each model's compute is read off its PC-1 through the reference family's
    line (Eq. 8 with P = PC-1): ``llama2_equiv`` = (PC-1 − b_f)/w_f. Returns
    ``(gsm, gains)``: the models with both GSM8K setups, with ``llama2_equiv``
    and ``cot_gain``; and per family the line of the gain against
    ``llama2_equiv`` (:func:`cot_gain_by_family`, family column ``Model Family``).
    """
    post = data.load_post_training()
    naive, cot = PAPER_SETUPS["gsm8k_naive"].column, PAPER_SETUPS["gsm8k_cot"].column
    gsm = models.merge(post[["Model", naive, cot]], on="Model")
    slope, intercept = reference_line(gsm, y="PC-1", family=reference)
    gsm["llama2_equiv"] = f_equivalent_log10_flops(gsm["PC-1"], slope, intercept)
    gsm["cot_gain"] = gsm[cot] - gsm[naive]
    gains = cot_gain_by_family(gsm, naive, cot, x="llama2_equiv", min_models=2)
    return gsm, gains.set_axis(["Model Family", *gains.columns[1:]], axis=1)


def cot_numbers(gains: pd.DataFrame) -> dict[str, float]:
    """Onset and slope of the chain-of-thought gain for Phi, DeepSeek-Coder and Llama-2."""
    g = gains.set_index("Model Family")
    out = {}
    for fam, key in [("Phi", "phi"), ("DeepSeek-Coder", "dsc"), ("Llama-2", "llama2")]:
        out[f"{key}_onset"] = float(g["onset"][fam])
        out[f"{key}_slope"] = float(g["slope"][fam])
    return out


def reference_numbers(
    models: pd.DataFrame, mult: pd.DataFrame, reference: str = "Llama-3", family: str = "Phi"
) -> dict[str, Any]:
    """Solution of the exercise: the multipliers with ``reference`` instead of Llama-2.

    ``mult`` is :func:`~osl_helpers.chapters.compute_lines.efficiency_table` with
    Llama-2 as reference. Returns ``us_ex_ref_mult`` (the reference's multiplier
    relative to Llama-2), ``us_ex_phi_mult`` with its interval (``us_ex_phi_lo``,
    ``us_ex_phi_hi``), ``us_ex_ratio_dev`` (the largest relative change of any
    multiplier ratio family/``family``), ``us_ex_same_order`` (whether the ranking
    is unchanged) and ``us_ex_above_<ref>`` (the families other than the
    reference whose whole interval lies above 1, for each reference).
    """
    other = efficiency_table(models, y="PC-1", reference=reference)
    a, b = mult.set_index("family"), other.set_index("family")
    ratio_a = a["multiplier"] / a["multiplier"][family]
    ratio_b = b["multiplier"] / b["multiplier"][family]
    return {
        "us_ex_ref_mult": float(a["multiplier"][reference]),
        "us_ex_phi_mult": float(b["multiplier"][family]),
        "us_ex_phi_lo": float(b["lo"][family]),
        "us_ex_phi_hi": float(b["hi"][family]),
        "us_ex_phi_width": float(np.log10(b["hi"][family] / b["lo"][family])),
        "us_ex_phi_width2": float(np.log10(a["hi"][family] / a["lo"][family])),
        "us_ex_ratio_dev": float((ratio_b / ratio_a.reindex(ratio_b.index) - 1).abs().max()),
        "us_ex_same_order": bool(list(mult["family"]) == list(other["family"])),
        "us_ex_above_llama2": int((mult["lo"] > 1).sum()),
        "us_ex_above_llama3": int((other["lo"] > 1).sum()),
    }
