"""Unit tests of osl_helpers.chapters.post_training and its chart builder (several laws on one compute axis)."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers._validation import OSLInputError
from osl_helpers.chapters import post_training as tq
from osl_helpers.charts import post_training as tqc

KEYS = list(tq.TECHNIQUES)


@pytest.fixture(scope="module")
def tasks(
    post_training_tasks: dict[str, osl.setups.TaskData],
) -> dict[str, osl.setups.TaskData]:
    return {k: post_training_tasks[k] for k in KEYS}  # loaded once per session (conftest)


@pytest.fixture(scope="module")
def res(tasks: dict[str, osl.setups.TaskData]) -> tq.TechniqueFits:
    return tq.fit_techniques(tasks)


@pytest.fixture(scope="module")
def reps(tasks: dict[str, osl.setups.TaskData]) -> list[dict[str, tq.BootstrapLaw]]:
    return tq.bootstrap_laws(tasks, n_boot=12, seed=3)


# --------------------------------------------------------------------------- one law on the axis


def test_models_lie_on_their_curve(res: tq.TechniqueFits) -> None:
    # Eq. 8 inverted: a model at its f-equivalent compute x has Ê(x) equal to its prediction.
    for key, fit in res.fits.items():
        pts = fit.points.dropna(subset=["f_equiv_log10_flops"])
        on_axis = tq.law_on_axis(fit, pts["f_equiv_log10_flops"])
        np.testing.assert_allclose(on_axis, pts["y_hat"], rtol=0, atol=1e-10, err_msg=key)


def test_slope_is_the_derivative(res: tq.TechniqueFits) -> None:
    x = np.linspace(21.5, 25.0, 15)
    eps = 1e-5
    for fit in res.fits.values():
        numeric = (tq.law_on_axis(fit, x + eps) - tq.law_on_axis(fit, x - eps)) / (2 * eps)
        np.testing.assert_allclose(tq.law_slope_on_axis(fit, x), numeric, rtol=1e-6, atol=1e-9)


def test_curves_on_the_grid(res: tq.TechniqueFits) -> None:
    assert list(res.curves.columns) == ["technique", "key", "x", "y_hat", "slope"]
    for key in KEYS:
        part = res.curves[res.curves["key"] == key]
        np.testing.assert_array_equal(part["x"].to_numpy(), res.grid)
        np.testing.assert_allclose(part["y_hat"], tq.law_on_axis(res.fit(key), res.grid))
    xs = res.points["x"].dropna()
    assert res.grid.min() < xs.min() and res.grid.max() > xs.max()


def test_custom_and_bad_grids(tasks: dict[str, osl.setups.TaskData]) -> None:
    out = tq.fit_techniques({"gsm8k_cot": tasks["gsm8k_cot"]}, grid=[22.0, 23.0, 24.0])
    assert len(out.curves) == 3
    for bad in ([23.0], [22.0, np.nan]):
        with pytest.raises(OSLInputError):
            tq.fit_techniques({"gsm8k_cot": tasks["gsm8k_cot"]}, grid=bad)
    with pytest.raises(OSLInputError):
        tq.fit_techniques({})


def test_table_and_lookup(res: tq.TechniqueFits) -> None:
    assert list(res.table.index) == KEYS
    for key, fit in res.fits.items():
        row = res.table.loc[key]
        assert row["test_mse"] == fit.test_mse
        assert row["h"] == fit.law.h_
        assert (row["w_f"], row["b_f"]) == fit.reference
        assert row["n_test"] == int(fit.task.test.sum())
    with pytest.raises(OSLInputError, match="unknown technique"):
        res.fit("gsm8k_zeroshot")
    lo, hi = res.test_range()
    test_x = res.points.loc[res.points["split"] == "test", "x"]
    assert (lo, hi) == (test_x.min(), test_x.max())


def test_points_carry_the_technique(res: tq.TechniqueFits) -> None:
    assert set(res.points["technique"]) == set(tq.TECHNIQUES.values())
    for key in KEYS:
        part = res.points[res.points["key"] == key]
        assert len(part) == len(res.fit(key).points)


# --------------------------------------------------------------------------- gains


def test_gaps_are_differences_of_curves(res: tq.TechniqueFits) -> None:
    x = np.array([22.5, 23.5, 24.5])
    gaps = tq.technique_gaps(res, x=x)
    assert list(dict.fromkeys(gaps["pair"])) == ["CoT over naive", "SC over CoT"]
    cot = gaps[gaps["pair"] == "CoT over naive"]
    expected = tq.law_on_axis(res.fit("gsm8k_cot"), x) - tq.law_on_axis(res.fit("gsm8k_naive"), x)
    np.testing.assert_allclose(cot["gap"], expected)
    same = tq.technique_gaps(res, [("gsm8k_cot", "gsm8k_cot")], x=x)
    assert (same["gap"] == 0).all() and (same["gap_slope"] == 0).all()
    assert same["pair"].iloc[0] == "CoT (8-shot) − CoT (8-shot)"
    renamed = tq.technique_gaps(res, x=x, labels={"gsm8k_cot": "cot"})
    assert renamed["pair"].iloc[0] == "cot − Naive (5-shot)"


def test_mean_gap_slope(res: tq.TechniqueFits) -> None:
    gaps = tq.technique_gaps(res, [("gsm8k_cot", "gsm8k_naive")], x=[23.0, 24.0])["gap"]
    slope = tq.mean_gap_slope(res, "gsm8k_cot", "gsm8k_naive", 23.0, 24.0)
    assert slope == pytest.approx(float(gaps.iloc[1] - gaps.iloc[0]))
    with pytest.raises(OSLInputError):
        tq.mean_gap_slope(res, "gsm8k_cot", "gsm8k_naive", 24.0, 24.0)


def test_gap_slope_table(res: tq.TechniqueFits) -> None:
    table = tq.gap_slope_table(res, scales=(23.0, 24.0))
    assert list(table.index) == [23.0, 24.0]
    assert list(table.columns) == [
        "CoT over naive: gain",
        "CoT over naive: per decade",
        "SC over CoT: gain",
        "SC over CoT: per decade",
    ]
    long = tq.technique_gaps(res, x=[24.0])
    assert table.loc[24.0, "SC over CoT: per decade"] == pytest.approx(
        float(long.loc[long["pair"] == "SC over CoT", "gap_slope"].iloc[0])
    )


def test_observed_gains(tasks: dict[str, osl.setups.TaskData]) -> None:
    obs = tq.observed_gains(tasks)
    cot = obs[obs["pair"] == "CoT over naive"].set_index("Model")
    m = "meta-llama/Llama-2-70b-hf"
    expected = tasks["gsm8k_cot"].y[m] - tasks["gsm8k_naive"].y[m]
    assert cot.loc[m, "gain"] == pytest.approx(expected)
    assert cot.loc[m, "split"] == "test"
    # Only models with both targets: the naive table lacks two models.
    assert len(cot) == len(tasks["gsm8k_naive"].frame)
    with pytest.raises(OSLInputError):
        tq.observed_gains({"gsm8k_cot": tasks["gsm8k_cot"]})


# --------------------------------------------------------------------------- weights


def test_weights_long_and_changes(res: tq.TechniqueFits) -> None:
    w = tq.weights_long(res)
    assert set(w["technique"]) == set(tq.TECHNIQUES.values())
    for _, part in w.groupby("technique"):
        assert part["share"].abs().sum() == pytest.approx(1.0)
    ch = tq.weight_changes(res, "gsm8k_naive", "gsm8k_cot")
    np.testing.assert_allclose(ch["change"], ch["after"] - ch["before"])
    np.testing.assert_allclose(ch["before"], res.fit("gsm8k_naive").law.benchmark_weights_)
    assert ch["share_after"].abs().sum() == pytest.approx(1.0)


def test_weight_changes_need_the_same_benchmarks() -> None:
    setup = osl.PAPER_SETUPS["gsm8k_cot"]
    other = setup.with_(benchmarks=(*setup.benchmarks, "GSM8K"))
    out = tq.fit_techniques({"a": setup, "b": other})
    with pytest.raises(OSLInputError, match="different benchmarks"):
        tq.weight_changes(out, "a", "b")


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_is_seeded(
    tasks: dict[str, osl.setups.TaskData], reps: list[dict[str, tq.BootstrapLaw]]
) -> None:
    again = tq.bootstrap_laws(tasks, n_boot=12, seed=3)
    for a, b in zip(reps, again, strict=True):
        for key in KEYS:
            pd.testing.assert_series_equal(
                a[key].law.benchmark_weights_, b[key].law.benchmark_weights_
            )
            assert a[key].slope == b[key].slope
    other = tq.bootstrap_laws(tasks, n_boot=2, seed=4)
    assert not np.allclose(
        other[0]["gsm8k_cot"].law.benchmark_weights_, reps[0]["gsm8k_cot"].law.benchmark_weights_
    )
    with pytest.raises(OSLInputError):
        tq.bootstrap_laws(tasks, n_boot=0)


def test_bootstrap_resamples_are_paired(tasks: dict[str, osl.setups.TaskData]) -> None:
    # The same task under two names sees the same draws, so its weights cannot differ.
    twin = tq.bootstrap_laws({"a": tasks["gsm8k_cot"], "b": tasks["gsm8k_cot"]}, n_boot=5, seed=0)
    changes = tq.bootstrap_weight_changes(twin, "a", "b")
    assert changes.shape == (5, len(tasks["gsm8k_cot"].setup.benchmarks))
    assert (changes.abs().to_numpy() < 1e-12).all()


def test_bootstrap_gaps_band_and_slopes(reps: list[dict[str, tq.BootstrapLaw]]) -> None:
    boot = tq.bootstrap_gaps(reps, x=[23.0, 24.0])
    assert len(boot) == len(reps) * 2 * 2
    r0 = reps[0]
    first = boot[(boot["replicate"] == 0) & (boot["pair"] == "CoT over naive")]
    expected = r0["gsm8k_cot"].on_axis([23.0, 24.0]) - r0["gsm8k_naive"].on_axis([23.0, 24.0])
    np.testing.assert_allclose(first["gap"], expected)
    band = tq.gap_band(boot, level=0.8)
    assert (band["lo"] <= band["hi"]).all() and len(band) == 4
    with pytest.raises(OSLInputError):
        tq.gap_band(boot, level=1.0)
    slopes = tq.bootstrap_gap_slopes(reps, 23.0, 24.0)
    assert list(slopes.columns) == ["CoT over naive", "SC over CoT"]
    wide = first.set_index("x")["gap"]
    assert slopes.iloc[0, 0] == pytest.approx(float(wide[24.0] - wide[23.0]))
    with pytest.raises(OSLInputError):
        tq.bootstrap_gap_slopes(reps, 24.0, 23.0)


# --------------------------------------------------------------------------- predictors


def test_task_split_matches_the_task(tasks: dict[str, osl.setups.TaskData]) -> None:
    t = tasks["gsm8k_naive"]
    split = tq.task_split(t)
    assert split.train.equals(t.train) and split.test.equals(t.test)
    assert split.excluded.equals(t.excluded)


def test_compare_techniques_uses_one_test_set(tasks: dict[str, osl.setups.TaskData]) -> None:
    comps, table = tq.compare_techniques(tasks, predictors=(2, 3, "log_flops"))
    assert set(table["technique"]) == set(tq.TECHNIQUES.values())
    for key, comp in comps.items():
        assert comp.table["n_test"].nunique() == 1
        test = comp.predictions[comp.predictions["split"] == "test"]
        sets = {p: frozenset(g["Model"]) for p, g in test.groupby("predictor")}
        assert len(set(sets.values())) == 1
        assert comp.table["n_test"].iloc[0] == int(tasks[key].test.sum())
        three = comp.table.set_index("predictor").loc["3 PCs", "test_mse"]
        assert three == pytest.approx(osl.fit_task(tasks[key]).test_mse, rel=1e-9)


def test_authors_comparison_rows_and_labels(tasks: dict[str, osl.setups.TaskData]) -> None:
    comps, _ = tq.compare_techniques(
        {"gsm8k_cot": tasks["gsm8k_cot"], "gsm8k_cot_1sample": "gsm8k_cot_1sample"},
        predictors=(3, "log_flops"),
    )
    out = tq.authors_comparison(comps)
    assert list(out.columns) == [
        "technique", "predictor", "n_test", "test_mse", "authors_n_test", "authors_mse"
    ]  # fmt: skip
    assert list(out["predictor"]) == ["3 PCs", "log_flops"] * 2
    # Labels: TECHNIQUES first, else the setup's title; an explicit label wins.
    assert list(out["technique"].unique()) == ["CoT (8-shot)", "GSM8K CoT, 1 sample"]
    relabelled = tq.authors_comparison(comps, labels={"gsm8k_cot_1sample": "CoT, 1 sample"})
    assert relabelled["technique"].iloc[-1] == "CoT, 1 sample"
    ref = osl.setups.authors_reference()
    row = out.iloc[0]
    assert (
        row["test_mse"] == comps["gsm8k_cot"].table.set_index("predictor").loc["3 PCs", "test_mse"]
    )
    assert row["authors_mse"] == ref.loc[("gsm8k_cot", "pcs_3"), "mse"]
    assert row["authors_n_test"] == ref.loc[("gsm8k_cot", "pcs_3"), "n_test"]


def test_authors_comparison_rejects_what_it_cannot_match(
    tasks: dict[str, osl.setups.TaskData],
) -> None:
    with pytest.raises(OSLInputError, match="no technique"):
        tq.authors_comparison({})
    only_two, _ = tq.compare_techniques(
        {"gsm8k_cot": tasks["gsm8k_cot"]}, predictors=(2, "log_flops")
    )
    with pytest.raises(OSLInputError, match="'3 PCs'"):
        tq.authors_comparison(only_two)
    # The mapping key names the reference: a variant under its own key has none.
    comps, _ = tq.compare_techniques(
        {"my_variant": tasks["gsm8k_cot"]}, predictors=(3, "log_flops")
    )
    with pytest.raises(OSLInputError, match="no reference number"):
        tq.authors_comparison(comps)


def test_huber_with_unit_delta_is_squared_loss_on_accuracies() -> None:
    # |residual| ≤ 1 for targets in [0, 1], where Huber(δ = 1) is the squared loss.
    setups = {k: osl.PAPER_SETUPS[k] for k in KEYS}
    huber = tq.fit_techniques(setups)
    squared = tq.fit_techniques({k: s.with_(loss="squared") for k, s in setups.items()})
    for key in KEYS:
        np.testing.assert_allclose(
            squared.fit(key).law.beta_, huber.fit(key).law.beta_, rtol=0, atol=1e-12
        )


# --------------------------------------------------------------------------- chart


def _spec(chart: alt.TopLevelMixin) -> dict[str, object]:
    spec: dict[str, object] = json.loads(chart.to_json())
    return spec


def test_technique_fit_chart(res: tq.TechniqueFits) -> None:
    chart = tqc.technique_fit_chart(
        res.points, res.curves, x_title="x", y_title="y", title="t", subtitle="s"
    )
    assert isinstance(chart, alt.LayerChart)
    text = json.dumps(_spec(chart))
    assert '"url"' not in text  # data inline: draws offline
    for field in ("Model", "Model Family", "technique", "split", "y_hat"):
        assert f'"field": "{field}"' in text
    assert '"shape"' in text and '"strokeDash"' in text and '"text"' in text
    assert "Naive (5-shot)" in text


def test_technique_fit_chart_rejects_bad_input(res: tq.TechniqueFits) -> None:
    with pytest.raises(OSLInputError):
        tqc.technique_fit_chart(res.points.drop(columns="split"), res.curves, "x", "y")
    with pytest.raises(OSLInputError, match="order"):
        tqc.technique_fit_chart(res.points, res.curves, "x", "y", order=["Naive (5-shot)"])
    with pytest.raises(OSLInputError):
        tqc.technique_fit_chart(res.points, res.curves.iloc[0:0], "x", "y")


def test_label_spreading() -> None:
    out = tqc._spread(pd.Series([0.80, 0.79, 0.30]), 0.05)
    assert out[2] == pytest.approx(0.30)
    assert out[1] == pytest.approx(0.79) and out[0] == pytest.approx(0.84)


# --------------------------------------------------------------------------- numbers of the chapter


def test_split_table_and_numbers(tasks: dict[str, osl.setups.TaskData]) -> None:
    table = tq.split_table(tasks)
    assert list(table.index) == KEYS
    assert list(table.columns[:5]) == ["target", "benchmarks", "law", "loss", "split"]
    n = tq.split_numbers(tasks)
    cot = tasks["gsm8k_cot"]
    assert (n["pt_n_train"], n["pt_n_test"]) == (int(cot.train.sum()), int(cot.test.sum()))
    assert n["pt_cutoff"] == cot.setup.cutoff_flops
    assert "/" not in str(n["pt_excluded"]) + str(n["pt_no_naive"])


def test_fit_numbers(tasks: dict[str, osl.setups.TaskData], res: tq.TechniqueFits) -> None:
    n = tq.fit_numbers(res, tasks["gsm8k_cot"])
    for key in KEYS:
        assert n[f"pt_mse_{key}"] == res.table.loc[key, "test_mse"]
        assert n[f"pt_authors_mse_{key}"] > 0  # their test set holds other models
    assert n["pt_max_floor"] == pytest.approx(float((1 - res.table["h"]).max()))
    # h read as a ceiling caps the later models that score above it.
    assert float(n["pt_later_cot"]) > float(n["pt_capped_h"])
    assert int(n["pt_later_above"]) >= 1


def test_gain_bands_hold_the_fitted_gap(
    res: tq.TechniqueFits, reps: list[dict[str, tq.BootstrapLaw]]
) -> None:
    grid = np.arange(22.0, 25.01, 0.5)
    bands = tq.gain_bands(res, reps, x=grid)
    assert {"gain", "x", "gap", "gap_slope", "lo", "hi"} <= set(bands.columns)
    assert set(bands["gain"]) == set(tq.PAIR_LABELS.values())
    assert (bands["lo"] <= bands["hi"]).all()


def test_gain_numbers(
    tasks: dict[str, osl.setups.TaskData],
    res: tq.TechniqueFits,
    reps: list[dict[str, tq.BootstrapLaw]],
) -> None:
    at_scales = tq.gap_slope_table(res, scales=(23.0, 24.0))
    n = tq.gain_numbers(res, reps, tasks["gsm8k_cot"], at_scales)
    assert n["pt_x0"] < n["pt_x1"] == res.test_range()[1]
    assert n["pt_gain_slope_ratio"] == pytest.approx(n["pt_cot_gain_slope"] / n["pt_sc_gain_slope"])
    assert 0 <= n["pt_boot_share"] <= 100
    assert n["pt_gap_cot_23"] == at_scales.loc[23.0, "CoT over naive: gain"]


def test_peak_numbers(res: tq.TechniqueFits) -> None:
    n = tq.peak_numbers(res)
    near = tq.technique_gaps(res, [("gsm8k_cot", "gsm8k_naive")], x=[n["pt_peak_x"] + 0.05])
    assert n["pt_peak_gap"] >= float(near["gap"].iloc[0])
    assert 0 < n["pt_peak_cot"] < 1


def test_observed_summary_and_numbers(tasks: dict[str, osl.setups.TaskData]) -> None:
    summary = tq.observed_summary(tasks)
    assert list(summary.columns) == ["mean", "median", "count"]
    n = tq.observed_numbers(summary)
    assert set(n) == {"pt_obs_cot_train", "pt_obs_cot_test", "pt_obs_sc_train", "pt_obs_sc_test"}
    assert n["pt_obs_cot_train"] == summary.loc[("CoT over naive", "train"), "mean"]


def test_weight_change_table_and_numbers(
    res: tq.TechniqueFits, reps: list[dict[str, tq.BootstrapLaw]]
) -> None:
    change = tq.weight_change_table(res, reps, "gsm8k_naive", "gsm8k_cot")
    assert change["P(change > 0)"].between(0, 1).all()
    assert (change["change 5%"] <= change["change 95%"]).all()
    n = tq.weight_numbers(change)
    assert n["pt_w_mmlu_change"] == pytest.approx(n["pt_w_mmlu_after"] - n["pt_w_mmlu_before"])


def test_comparison_numbers() -> None:
    rows = []
    for technique, mses in {"A": (0.01, 0.02, 0.03, 0.04, 0.05, 0.08), "B": (0.2,) * 6}.items():
        names = ("1 PC", "2 PCs", "3 PCs", "4 PCs", "mean_benchmark", "log_flops")
        rows += [
            {"technique": technique, "predictor": p, "test_mse": m}
            for p, m in zip(names, mses, strict=True)
        ]
    n = tq.comparison_numbers(pd.DataFrame(rows), {"a": "A", "b": "B"})
    assert (n["pt_pc_wins"], n["pt_all_k_wins"], n["pt_n_techniques"]) == (1, 1, 2)
    assert n["pt_ratio_a"] == pytest.approx(0.08 / 0.03)
    assert n["pt_closed_a"] == pytest.approx(100 * 0.03 / 0.05)
    assert n["pt_cmp_a_3_PCs"] == 0.03


def test_authors_numbers(tasks: dict[str, osl.setups.TaskData], res: tq.TechniqueFits) -> None:
    comparisons, _ = tq.compare_techniques(tasks, predictors=(3, "log_flops"))
    n = tq.authors_numbers(tq.authors_comparison(comparisons), res)
    assert 0 <= n["pt_flops_dev"] < 2 and 0 <= n["pt_on_theirs_dev"] < 2  # percent


def test_exercise_numbers(tasks: dict[str, osl.setups.TaskData], res: tq.TechniqueFits) -> None:
    n = tq.exercise_numbers(tasks, res)
    assert n["pt_ex_n_train"] < res.table.loc["gsm8k_cot", "n_train"]
    # MMLU gains the most weight from naive to CoT; without it every error rises, the CoT
    # ones more than the naive one, and the CoT gain grows more slowly from 1e23 to 1e24.
    change = tq.weight_changes(res, "gsm8k_naive", "gsm8k_cot")["change"]
    assert change.idxmax() == "MMLU"
    ratios = {k: n[f"pt_ex_nommlu_ratio_{k}"] for k in tq.TECHNIQUES}
    assert min(ratios.values()) > 1
    assert ratios["gsm8k_cot"] > ratios["gsm8k_naive"]
    assert ratios["gsm8k_cot_sc"] > ratios["gsm8k_naive"]
    assert n["pt_ex_nommlu_gsm8k_cot"] == pytest.approx(
        ratios["gsm8k_cot"] * res.table.loc["gsm8k_cot", "test_mse"]
    )
    assert n["pt_ex_nommlu_cot"] < n["pt_ex_cot_23_24"]
    assert n["pt_ex_w"] == res.table.loc["gsm8k_cot", "w_f"]
