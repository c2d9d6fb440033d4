"""PC-1 as one capability scale, compute efficiency across families, and the outliers (Sec. 6).

Functions for the discussion of Ruan, Maddison & Hashimoto (2024): over which
range each benchmark is informative compared with PC-1 (compute efficiency per
family is :func:`osl_helpers.efficiency.efficiency_table`); a labelled back-of-the-envelope estimate of the compute that
Phi's synthetic training data would have cost; and where chain-of-thought
starts to pay off, family by family.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from osl_helpers._validation import check_number, numeric_column, require_columns
from osl_helpers.compute import fit_family_lines, reference_line
from osl_helpers.law import sigmoid

__all__ = [
    "CHANCE",
    "cot_gain_by_family",
    "informative_ranges",
    "uncounted_compute",
]

#: Chance accuracy of each standard benchmark (0 for generative ones). TruthfulQA (MC2)
#: has no single chance level and is left out.
CHANCE: dict[str, float] = {
    "MMLU": 0.25, "ARC-C": 0.25, "HellaSwag": 0.25, "Winograd": 0.5,
    "GSM8K": 0.0, "XWinograd": 0.5, "HumanEval": 0.0,
}  # fmt: skip


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


def equivalent_flops_from_pc1(
    frame: pd.DataFrame, reference: str = "Llama-2", y: str = "PC-1", x: str = "log10_flops"
) -> pd.Series:
    """Reference-family-equivalent log10 FLOPs of every model from its PC-1 (Eq. 8 with P = PC-1)."""
    slope, intercept = reference_line(frame, y=y, family=reference, x=x)
    return (frame[y] - intercept) / slope


__all__ += ["equivalent_flops_from_pc1"]
