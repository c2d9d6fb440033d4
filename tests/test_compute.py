"""Compute and compute lines: C = 6ND, family lines (Eqs. 4, 7), f-equivalent FLOPs (Eq. 8)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.compute import CommonSlopeFit, log10_training_flops
from osl_helpers.data import LLAMA2_7B_FLOPS
from osl_helpers.setups import TaskData

# --------------------------------------------------------------------------- helpers


def planted(
    lines: dict[str, tuple[float, float]], n: int = 5, noise: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """Families on exact lines y = w_f x + b_f (x = log10 FLOPs), optional Gaussian noise."""
    rng = np.random.default_rng(seed)
    parts = []
    for i, (fam, (w, b)) in enumerate(lines.items()):
        x = np.linspace(20.0 + 0.3 * i, 23.5 + 0.2 * i, n)
        y = w * x + b + noise * rng.normal(size=n)
        names = [f"{fam}-{j}" for j in range(n)]
        parts.append(
            pd.DataFrame({"Model": names, "Model Family": fam, "log10_flops": x, "PC-1": y})
        )
    return pd.concat(parts, ignore_index=True)


class LinearLaw:
    """A stand-in for a fitted law whose P is a known function of the frame's columns."""

    def __init__(self, P: pd.Series) -> None:
        self.P = P

    def capability_score(self, X: pd.DataFrame) -> pd.Series:
        return self.P.loc[X.index].rename("P")


# --------------------------------------------------------------------------- 6ND


def test_six_n_d_for_llama2_7b() -> None:
    # 7e9 parameters × 2e12 tokens × 6 FLOPs per parameter per token.
    assert osl.training_flops(7e9, 2e12) == pytest.approx(8.4e22, rel=1e-12)
    assert osl.training_flops(7e9, 2e12) == pytest.approx(LLAMA2_7B_FLOPS, rel=1e-12)
    assert isinstance(osl.training_flops(7e9, 2e12), float)
    assert log10_training_flops(7e9, 2e12) == pytest.approx(math.log10(8.4e22))


def test_six_n_d_keeps_series_and_unknowns() -> None:
    n = pd.Series([1e9, 7e9, np.nan], index=["a", "b", "c"])
    d = pd.Series([3e11, 2e12, 1e12], index=["a", "b", "c"])
    c = osl.training_flops(n, d)
    assert isinstance(c, pd.Series) and list(c.index) == ["a", "b", "c"]
    assert c["a"] == pytest.approx(1.8e21) and np.isnan(c["c"])
    arr = osl.training_flops([1e9, 2e9], [1e12, 1e12])
    np.testing.assert_allclose(arr, [6e21, 1.2e22])


def test_six_n_d_matches_the_table(paper_models: pd.DataFrame) -> None:
    # The loader's log10_flops column is 6ND with N in billions and D in trillions.
    logc = log10_training_flops(
        paper_models["Model Size (B)"] * 1e9, paper_models["Pretraining Data Size (T)"] * 1e12
    )
    known = paper_models["log10_flops"].notna()
    np.testing.assert_allclose(logc[known], paper_models.loc[known, "log10_flops"], atol=1e-9)


@pytest.mark.parametrize("bad", [0.0, -7e9, math.inf])
def test_six_n_d_rejects_non_counts(bad: float) -> None:
    with pytest.raises(v.OSLInputError, match="n_params"):
        osl.training_flops(bad, 2e12)
    with pytest.raises(v.OSLInputError, match="n_tokens"):
        osl.training_flops(7e9, [2e12, bad])


# --------------------------------------------------------------------------- family lines


def test_family_lines_recover_planted_lines_exactly() -> None:
    truth = {"A": (0.5, -10.0), "B": (0.3, -6.0), "C": (0.8, -18.0)}
    lines = osl.fit_family_lines(planted(truth)).set_index("family")
    assert list(lines.index) == ["A", "B", "C"]
    for fam, (w, b) in truth.items():
        assert lines.loc[fam, "slope"] == pytest.approx(w, rel=1e-10)
        assert lines.loc[fam, "intercept"] == pytest.approx(b, rel=1e-10, abs=1e-9)
        assert lines.loc[fam, "r2"] == pytest.approx(1.0, abs=1e-12)
        assert lines.loc[fam, "n"] == 5
    assert lines.attrs["skipped"] == []


def test_family_lines_with_noise_are_not_perfect() -> None:
    lines = osl.fit_family_lines(planted({"A": (0.5, -10.0)}, n=8, noise=0.05, seed=1))
    assert 0.5 < lines["r2"].iloc[0] < 1.0
    assert lines["slope"].iloc[0] == pytest.approx(0.5, abs=0.1)


def test_family_lines_skip_and_report_small_families() -> None:
    frame = planted({"A": (0.5, -10.0), "B": (0.3, -6.0)})
    frame = pd.concat(
        [frame, pd.DataFrame({"Model Family": ["C", "D"], "log10_flops": [22.0, np.nan],
                              "PC-1": [0.1, 0.2]})],
        ignore_index=True,
    )  # fmt: skip
    lines = osl.fit_family_lines(frame)
    assert set(lines["family"]) == {"A", "B"}
    assert lines.attrs["skipped"] == ["C", "D"]
    assert "1 usable model" in lines.attrs["skipped_reason"]["C"]
    # A higher bar skips more; min_models below two is refused.
    small = frame[~frame["Model"].isin(["B-0", "B-1", "B-2"])]
    assert list(osl.fit_family_lines(small, min_models=3)["family"]) == ["A"]
    with pytest.raises(v.OSLInputError, match="min_models"):
        osl.fit_family_lines(frame, min_models=1)


def test_family_lines_restricted_to_named_families() -> None:
    frame = planted({"A": (0.5, -10.0), "B": (0.3, -6.0), "C": (0.8, -18.0)})
    assert list(osl.fit_family_lines(frame, families=["C", "A"])["family"]) == ["A", "C"]
    # A bare string names one family (not its characters).
    assert list(osl.fit_family_lines(frame, families="B")["family"]) == ["B"]


def test_family_lines_errors_name_the_problem() -> None:
    frame = planted({"A": (0.5, -10.0)})
    one = pd.DataFrame({"Model Family": ["Solo"], "log10_flops": [22.0], "PC-1": [0.0]})
    frame = pd.concat([frame, one], ignore_index=True)
    with pytest.raises(v.NotEnoughModelsError, match="Solo"):
        osl.fit_family_lines(frame, families=["Solo"])
    with pytest.raises(v.UnknownFamilyError, match="Nope"):
        osl.fit_family_lines(frame, families=["A", "Nope"])
    with pytest.raises(v.MissingColumnError, match=r"missing column\(s\) \['PC-9'\]") as err:
        osl.fit_family_lines(frame, y="PC-9")
    assert isinstance(err.value, v.OSLInputError) and isinstance(err.value, KeyError)


def test_family_with_one_compute_value_has_no_slope() -> None:
    flat = pd.DataFrame(
        {"Model Family": ["A", "A", "B", "B"], "log10_flops": [22.0, 22.0, 21.0, 23.0],
         "PC-1": [0.1, 0.3, 0.0, 1.0]}
    )  # fmt: skip
    lines = osl.fit_family_lines(flat)
    assert list(lines["family"]) == ["B"] and "same" in lines.attrs["skipped_reason"]["A"]
    with pytest.raises(v.DegenerateColumnError, match="A"):
        osl.fit_family_lines(flat, families=["A"])
    with pytest.raises(v.DegenerateColumnError):
        osl.reference_line(flat, y="PC-1", family="A")


# --------------------------------------------------------------------------- pooled & common


def test_pooled_line_misses_offset_families() -> None:
    # Two equally steep families one decade of compute apart: each line is exact,
    # the pooled line is not.
    frame = planted({"A": (0.5, -10.0), "B": (0.5, -9.5)}, n=6)
    pooled = osl.fit_pooled_line(frame)
    assert pooled["n"] == 12 and pooled["r2"] < 0.99
    assert (osl.fit_family_lines(frame)["r2"] > 0.999999).all()
    one_line = planted({"A": (0.5, -10.0)})
    assert osl.fit_pooled_line(one_line)["slope"] == pytest.approx(0.5)
    with pytest.raises(v.NotEnoughModelsError):
        osl.fit_pooled_line(one_line.iloc[:1])


def test_common_slope_recovers_slope_and_offsets() -> None:
    truth = {"A": (0.4, -9.0), "B": (0.4, -8.2), "C": (0.4, -9.6)}
    fit = osl.fit_common_slope_lines(planted(truth))
    assert isinstance(fit, CommonSlopeFit)
    slope, table, r2 = fit  # unpacks like a tuple
    assert slope == pytest.approx(0.4) and r2 == pytest.approx(1.0)
    b = table.set_index("family")["intercept"]
    for fam, (_, intercept) in truth.items():
        assert b[fam] == pytest.approx(intercept)
    assert (table["intercept_se"] < 1e-8).all() and list(table["n"]) == [5, 5, 5]
    # B sits 0.8 above A at slope 0.4: two decades, 100x less compute for the same S.
    assert osl.compute_multiplier(b["B"], b["A"], slope) == pytest.approx(100.0)
    assert osl.compute_multiplier(b["A"], b["B"], slope) == pytest.approx(0.01)


def test_common_slope_standard_errors_are_calibrated() -> None:
    # Across repeated noise draws the spread of the estimates matches the reported SE.
    truth = {"A": (0.4, -9.0), "B": (0.4, -8.2)}
    fits = [osl.fit_common_slope_lines(planted(truth, n=6, noise=0.05, seed=s)) for s in range(300)]
    slopes = np.array([f.slope for f in fits])
    b_a = np.array([f.table["intercept"].iloc[0] for f in fits])
    se_slope = np.median([f.table.attrs["slope_se"] for f in fits])
    se_a = np.median([f.table["intercept_se"].iloc[0] for f in fits])
    assert slopes.mean() == pytest.approx(0.4, abs=3 * se_slope / np.sqrt(300))
    assert slopes.std() == pytest.approx(se_slope, rel=0.15)
    assert b_a.std() == pytest.approx(se_a, rel=0.15)


def test_common_slope_errors() -> None:
    frame = planted({"A": (0.4, -9.0), "B": (0.4, -8.2)})
    with pytest.raises(v.UnknownFamilyError, match="Z"):
        osl.fit_common_slope_lines(frame, families=["Z"])
    with pytest.raises(v.NotEnoughModelsError):
        osl.fit_common_slope_lines(frame, min_models=6)
    flat = frame.assign(log10_flops=frame["Model Family"].map({"A": 21.0, "B": 22.0}))
    with pytest.raises(v.DegenerateColumnError, match="within"):
        osl.fit_common_slope_lines(flat)
    with pytest.raises(v.OSLInputError, match="slope"):
        osl.compute_multiplier(1.0, 0.0, 0.0)


# --------------------------------------------------------------------------- Eq. 8


@settings(max_examples=60, deadline=None)
@given(
    w=st.floats(0.05, 2.0) | st.floats(-2.0, -0.05),
    b=st.floats(-30.0, 30.0),
    logc=st.floats(18.0, 27.0),
)
def test_equivalent_flops_invert_the_line(w: float, b: float, logc: float) -> None:
    P = w * logc + b  # Eq. 7
    assert osl.f_equivalent_log10_flops(P, w, b) == pytest.approx(logc, abs=1e-9)  # Eq. 8


def test_equivalent_flops_round_trip_through_a_fitted_reference_line() -> None:
    frame = planted({"Llama-2": (0.52, -11.9), "Other": (0.3, -6.0)})
    frame = frame.rename(columns={"PC-1": "P"})
    w, b = osl.reference_line(frame, y="P", family="Llama-2")
    assert (w, b) == (pytest.approx(0.52), pytest.approx(-11.9))
    ref = frame[frame["Model Family"] == "Llama-2"]
    back = osl.f_equivalent_log10_flops(ref["P"], w, b)
    assert isinstance(back, pd.Series)
    np.testing.assert_allclose(back, ref["log10_flops"], atol=1e-9)
    with pytest.raises(v.OSLInputError, match="non-zero"):
        osl.f_equivalent_log10_flops(ref["P"], 0.0, b)


def test_f_equivalent_flops_of_a_more_efficient_family() -> None:
    # Family "Eff" reaches each P with 10x less compute than the reference (same slope,
    # intercept higher by one slope): its f-equivalent FLOPs are one decade above its own.
    frame = planted({"Llama-2": (0.5, -11.0), "Eff": (0.5, -10.5)}, n=4).set_index("Model")
    law = LinearLaw(frame["PC-1"])
    X = frame[["PC-1"]]
    equiv = osl.f_equivalent_flops(law, X, frame, reference_family="Llama-2")
    assert equiv.name == "f_equiv_log10_flops" and equiv.index.equals(X.index)
    gap = equiv - frame["log10_flops"]
    np.testing.assert_allclose(gap[frame["Model Family"] == "Llama-2"], 0.0, atol=1e-9)
    np.testing.assert_allclose(gap[frame["Model Family"] == "Eff"], 1.0, atol=1e-9)


def test_f_equivalent_flops_with_a_fitted_law_on_gsm8k(gsm8k_cot: TaskData) -> None:
    # The tests above use a stand-in law; this one passes the real estimator and the
    # paper's frame. Eq. 8 inverts Eq. 7: on the reference family itself, only the
    # residuals of its 3-point line remain.
    task = gsm8k_cot
    law = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(task.X_train, task.y_train)
    equiv = osl.f_equivalent_flops(law, task.X, task.frame, reference_family="Llama-2")
    llama = task.frame["Model Family"] == "Llama-2"
    err = (equiv[llama] - task.frame.loc[llama, "log10_flops"]).abs()
    assert err.max() < 0.35


def test_f_equivalent_flops_errors() -> None:
    frame = planted({"Llama-2": (0.5, -11.0), "Eff": (0.5, -10.5)}, n=4).set_index("Model")
    law = LinearLaw(frame["PC-1"])
    X = frame[["PC-1"]]
    with pytest.raises(v.UnknownFamilyError, match="Nope"):
        osl.f_equivalent_flops(law, X, frame, reference_family="Nope")
    # The reference family must be among the scored models.
    with pytest.raises(v.UnknownFamilyError, match="Llama-2"):
        osl.f_equivalent_flops(law, X[frame["Model Family"] == "Eff"], frame)
    one = X.drop(index=["Llama-2-1", "Llama-2-2", "Llama-2-3"])
    with pytest.raises(v.NotEnoughModelsError, match="Llama-2"):
        osl.f_equivalent_flops(law, one, frame)
    with pytest.raises(v.UnknownModelError):
        osl.f_equivalent_flops(law, X, frame.iloc[1:])
    with pytest.raises(v.MissingColumnError, match="log10_flops"):
        osl.f_equivalent_flops(law, X, frame.drop(columns="log10_flops"))


def test_reference_line_errors() -> None:
    frame = planted({"Llama-2": (0.5, -11.0)}).rename(columns={"PC-1": "P"})
    with pytest.raises(v.UnknownFamilyError, match="Llama-3"):
        osl.reference_line(frame, family="Llama-3")
    alone = frame.assign(log10_flops=[22.0, np.nan, np.nan, np.nan, np.nan])
    with pytest.raises(v.NotEnoughModelsError, match="1 model"):
        osl.reference_line(alone)
    with pytest.raises(v.MissingColumnError, match="P"):
        osl.reference_line(frame.drop(columns="P"))
