"""Unit tests of the leaderboard-scale chapter's helpers and chart builders, on synthetic tables."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from osl_helpers import data
from osl_helpers._validation import OSLInputError
from osl_helpers.chapters import open_llm_leaderboard as oll
from osl_helpers.charts import open_llm_leaderboard as charts
from osl_helpers.law import sigmoid
from osl_helpers.setups import PAPER_SETUPS

TYPES = ["pretrained", "fine-tuned", "chat", "merge"]


def synthetic(version: data.OLLVersion, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """A leaderboard-shaped table whose scores follow two latent capabilities."""
    rng = np.random.default_rng(seed)
    tasks = data.OLL_TASKS[version]
    s = rng.normal(size=(n, 2))
    w = rng.uniform(0.5, 1.5, size=(2, len(tasks))) * np.array([[1.0], [0.4]])
    scores = 0.05 + 0.9 * sigmoid(s @ w + rng.normal(0, 0.05, size=(n, len(tasks))))
    frame = pd.DataFrame(scores, columns=tasks)
    names = [f"org{i % 7}/model-{i}" for i in range(n)]
    params = np.exp(rng.normal(2.0, 0.8, size=n))
    frame.insert(0, "Model", names)
    frame["Model Family"] = [m.split("/")[0] for m in names]
    frame["Model Type"] = [TYPES[i % len(TYPES)] for i in range(n)]
    frame["params_b"] = params
    frame["log10_params"] = np.log10(params * 1e9)
    frame["date"] = pd.Timestamp("2024-06-01") + pd.to_timedelta(
        rng.integers(0, 270, size=n), unit="D"
    )
    frame["flagged"] = False
    frame["base_model"] = np.nan
    return frame.set_index("Model", drop=False).rename_axis(None)


@pytest.fixture(scope="module")
def v2() -> pd.DataFrame:
    return synthetic("v2")


@pytest.fixture(scope="module")
def v1() -> pd.DataFrame:
    return synthetic("v1", seed=1)


# --------------------------------------------------------------------------- constants


def test_task_maps_cover_both_versions() -> None:
    assert set(oll.V1_TO_PAPER) == set(data.OLL_TASKS["v1"])
    assert set(oll.V1_TO_PAPER.values()) <= set(data.BENCHMARKS)
    assert set(oll.V2_SETUPS) == set(data.OLL_TASKS["v2"])
    assert set(oll.HARD_TASKS) <= set(oll.V2_SETUPS)
    # Chance levels come from the leaderboard chapter's setups.
    assert oll._setup("GPQA").low == 0.25 and oll._setup("MMLU-PRO").low == 0.1
    assert set(oll.V1_CHANCE) == {"ARC", "HellaSwag", "MMLU", "Winogrande"}
    with pytest.raises(OSLInputError, match="unknown v2 task"):
        oll._setup("ARC")


def test_every_law_is_the_leaderboard_setups_law() -> None:
    # One law for the chapter: the leaderboard setups' plain sigmoid with Huber loss, δ = 1.
    assert oll.LEADERBOARD_LAW == {"link": "sigmoid", "loss": "huber", "huber_delta": 1.0}
    for key in oll.V2_SETUPS.values():
        kwargs = PAPER_SETUPS[key].law_kwargs()
        assert {k: kwargs[k] for k in oll.LEADERBOARD_LAW} == oll.LEADERBOARD_LAW


def test_chance_levels_of_both_versions() -> None:
    assert oll.chance("v2", "MUSR") == PAPER_SETUPS["musr"].low == 0.33
    assert oll.chance("v2", "BBH") == pytest.approx(248 / 945)
    assert oll.chance("v1", "Winogrande") == 0.5 and oll.chance("v1", "ARC") == 0.25
    assert oll.chance("v1", "GSM8K") == 0.0 and oll.chance("v1", "TruthfulQA") == 0.0
    with pytest.raises(OSLInputError, match="unknown v1 task"):
        oll.chance("v1", "GPQA")


def test_v1_benchmarks_follow_the_setups() -> None:
    assert oll.v1_benchmarks("gpqa") == ["MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA"]
    with pytest.raises(OSLInputError, match="unknown leaderboard setup"):
        oll.v1_benchmarks("GPQA")


# --------------------------------------------------------------------------- 1. low rank


def test_variance_table_per_type(v2: pd.DataFrame) -> None:
    table = oll.variance_table(v2, "v2")
    assert set(table["subset"]) == {"all", *oll.TYPES_SHOWN}
    for _, g in table.groupby("subset"):
        assert g["cumulative"].iloc[-1] == pytest.approx(1.0)
        assert g["ratio"].is_monotonic_decreasing
    # Two latent capabilities: two components carry almost everything.
    all_ = table[table["subset"] == "all"].set_index("k")
    assert all_.loc[2, "cumulative"] > 0.95
    assert (
        table.loc[table["subset"] == "chat", "models"].iloc[0] == (v2["Model Type"] == "chat").sum()
    )


def test_pc1_reading_tracks_the_mean(v2: pd.DataFrame) -> None:
    r = oll.pc1_reading(v2, "v2")
    assert r["min_loading"] > 0 and r["corr_mean"] > 0.9
    assert 0 < r["pc1_share"] < 1 and abs(r["corr_log_params"]) < 0.3  # sizes are unrelated here


def test_capability_scores_has_metadata(v1: pd.DataFrame) -> None:
    out = oll.capability_scores(v1, "v1")
    assert list(out.columns) == ["Model", "Model Type", "date", "params_b", "PC-1", "PC-2"]
    assert len(out) == len(v1)


def test_low_rank_numbers_reads_the_tables(v1: pd.DataFrame, v2: pd.DataFrame) -> None:
    shares = pd.concat([oll.variance_table(v1, "v1"), oll.variance_table(v2, "v2")])
    space = pd.DataFrame(
        {
            "own_share": [0.99, 0.97, 0.98, 0.96],
            "frozen_share": [0.99, 0.93, 0.97, 0.90],
            "share_lost": [0.0, 0.04, 0.01, 0.06],
            "angle_PC-1": [0.0, 12.0, 7.0, 15.0],
            "theta_1": [0.0, 0.1, 0.2, 0.3],
        },
        index=["paper (77 base models)", "v1: all", "v1: chat", "v1: merge"],
    )
    agreement = pd.DataFrame({"models": [120, 124], "share_within_0.005": [0.95, 0.97]})
    nums = oll.low_rank_numbers(shares, space, {"v1": {"corr_mean": 0.9}}, agreement)
    v1_all = shares[(shares["version"] == "v1") & (shares["subset"] == "all")].set_index("k")
    assert nums["v1_all_pc1"] == pytest.approx(v1_all.loc[1, "ratio"])
    assert nums["v1_all_top3"] == pytest.approx(v1_all.loc[3, "cumulative"])
    assert nums["v1_share_lost"] == 0.04 and nums["max_type_share_lost"] == 0.06
    assert nums["v1_angle_pc1"] == 12.0 and nums["v1_theta_1"] == 0.1
    assert nums["agree_share_min"] == 0.95 and nums["v1_corr_mean"] == 0.9
    per_type = shares[
        (shares["version"] == "v2") & (shares["subset"] != "all") & (shares["k"] == 1)
    ]
    assert nums["v2_types_pc1_min"] == pytest.approx(per_type["ratio"].min())
    assert all(isinstance(v, float) for v in nums.values())


# --------------------------------------------------------------------------- 2. near the base


def with_children(v2: pd.DataFrame) -> pd.DataFrame:
    """Three fine-tunes of model-0 and a chat model of model-1: known shifts, IFEval up."""
    rows = []
    for i, (base, kind) in enumerate([(0, "fine-tuned"), (0, "fine-tuned"), (0, "fine-tuned"),
                                      (1, "chat")]):  # fmt: skip
        parent = v2.iloc[base]
        row = parent.copy()
        row["Model"] = f"child/{i}"
        row["Model Type"] = kind
        row["base_model"] = parent["Model"]
        row["IFEval"] = min(parent["IFEval"] + 0.2, 1.0)
        row["MMLU-PRO"] = parent["MMLU-PRO"] - 0.01
        rows.append(row)
    # A model naming itself as base has no parent.
    self_row = v2.iloc[2].copy()
    self_row["base_model"] = self_row["Model"]
    rows.append(self_row.rename("self"))
    out = pd.concat([v2.drop(index=v2.index[2]), pd.DataFrame(rows)])
    return out.set_index("Model", drop=False).rename_axis(None)


def test_base_pairs_measures_each_shift(v2: pd.DataFrame) -> None:
    table = with_children(v2)
    pairs = oll.base_pairs(table)
    assert list(pairs["Model"]) == ["child/0", "child/1", "child/2", "child/3"]
    child = table.loc["child/3"]
    base = table.loc[child["base_model"]]
    row = pairs.set_index("Model").loc["child/3"]
    assert row["ΔIFEval"] == pytest.approx(child["IFEval"] - base["IFEval"])
    assert row["ΔMMLU-PRO"] == pytest.approx(-0.01)
    assert row["distance"] > 0 and (pairs["distance_random"] >= 0).all()
    assert {"ΔPC-1", "ΔPC-2", "ΔPC-3"} <= set(pairs.columns)


def test_base_pairs_needs_a_parent(v2: pd.DataFrame) -> None:
    with pytest.raises(Exception, match="no model has a base model"):
        oll.base_pairs(v2)


def test_shift_summary_and_numbers(v2: pd.DataFrame) -> None:
    pairs = oll.base_pairs(with_children(v2))
    summary = oll.shift_summary(pairs, min_pairs=3)
    assert set(summary["Model Type"]) == {"fine-tuned"}  # one chat pair is too few
    ifeval = summary.set_index("task").loc["IFEval"]
    assert ifeval["share_up"] == 1.0 and ifeval["q25"] <= ifeval["median"] <= ifeval["q75"]
    nums = oll.shift_numbers(pairs, summary)
    assert nums["pairs"] == 4 and "chat_distance" not in nums
    assert nums["max_other_abs_median"] == pytest.approx(0.01)


# --------------------------------------------------------------------------- 3. out of time


def test_monthly_cutoffs_keep_enough_test_models(v2: pd.DataFrame) -> None:
    cuts = oll.monthly_cutoffs(v2, first="2024-07-01", min_test=100)
    assert cuts[0] == pd.Timestamp("2024-07-01")
    assert all((v2["date"] >= c).sum() >= 100 for c in cuts)
    assert (v2["date"] >= cuts[-1] + pd.DateOffset(months=1)).sum() < 100


def test_time_split_excludes_unknown_dates_and_the_window(v2: pd.DataFrame) -> None:
    frame = v2.copy()
    frame.iloc[0, frame.columns.get_loc("date")] = pd.NaT
    cut = pd.Timestamp("2024-10-01")
    split = oll._time_split(frame, cut, months_ahead=1)
    assert split.excluded.iloc[0] and split.reason.iloc[0] == "date unknown"
    tested = frame.loc[split.test, "date"]
    assert tested.min() >= cut and tested.max() < pd.Timestamp("2024-11-01")
    assert (frame.loc[split.train, "date"] < cut).all()


def test_rolling_out_of_time_one_test_set_per_cell(v2: pd.DataFrame) -> None:
    cuts = [pd.Timestamp("2024-09-01"), pd.Timestamp("2024-12-01")]
    table = oll.rolling_out_of_time(
        v2, targets=["GPQA"], cutoffs=cuts, predictors=(2, "mean_benchmark")
    )
    assert list(table.columns[:3]) == ["target", "cutoff", "predictor"]
    assert len(table) == 4
    assert table.groupby("cutoff")["n_test"].nunique().eq(1).all()
    nums = oll.out_of_time_numbers(table, pcs="2 PCs", baselines=("mean_benchmark",))
    assert nums["cells"] == 2 and 0 <= nums["wins_mean_benchmark"] <= 1
    assert nums["won_mean_benchmark"] + nums["lost_mean_benchmark"] == 2
    with pytest.raises(OSLInputError, match="months_ahead"):
        oll.rolling_out_of_time(v2, cutoffs=cuts, months_ahead=0)


def test_out_of_time_losses_lists_the_cells_lost() -> None:
    cuts = [pd.Timestamp("2024-07-01"), pd.Timestamp("2024-08-01")]
    mse = {("A", 0): (1.0, 2.0), ("A", 1): (1.0, 0.9), ("B", 0): (2.0, 2.0), ("B", 1): (1.0, 3.0)}
    rows = [
        {"target": t, "cutoff": cuts[c], "predictor": p, "n_train": 10 + c, "n_test": 5,
         "test_mse": m}
        for (t, c), pair in mse.items()
        for p, m in zip(("3 PCs", "log_params"), pair, strict=True)
    ]  # fmt: skip
    table = pd.DataFrame(rows)
    lost = oll.out_of_time_losses(table, "log_params")
    # A at the second cutoff (log parameters better) and B at the first (a tie) are lost.
    assert list(zip(lost["target"], lost["cutoff"], strict=True)) == [
        ("A", cuts[1]),
        ("B", cuts[0]),
    ]
    assert lost["ratio"].tolist() == pytest.approx([0.9, 1.0])
    assert lost["n_train"].tolist() == [11, 10]
    nums = oll.out_of_time_numbers(table, baselines=("log_params",))
    assert (nums["won_log_params"], nums["lost_log_params"]) == (2, 2)
    assert nums["worst_log_params"] == pytest.approx(0.9)
    assert oll.out_of_time_lost_cells(table, "log_params") == (
        "A at the August 2024 cutoff; B at the July 2024 cutoff"
    )


# --------------------------------------------------------------------------- 4. v1 → v2


def test_v1_to_v2_on_shared_models(v1: pd.DataFrame, v2: pd.DataFrame) -> None:
    shared = v2.index[:300]
    v1s = v1.iloc[:300].set_axis(shared).assign(Model=shared)
    both = oll.v1_v2_frame(v1s, v2)
    assert len(both) == 300 and set(oll.V1_TO_PAPER.values()) <= set(both.columns)
    both.iloc[0, both.columns.get_loc("params_b")] = np.nan
    table, comps = oll.v1_to_v2(both, predictors=(2, "log_params"))
    assert set(table["target"]) == set(oll.V2_SETUPS.values())
    n_small = int((both["params_b"] <= oll.PARAMS_CUTOFF_B).sum())
    assert (table["n_train"] == n_small).all()
    assert comps["gpqa"].dropped["reason"].tolist() == ["size unknown"]
    diag = oll.v1_to_v2_diagnostics(both, comps, pcs="2 PCs")
    assert list(diag.columns) == [
        "chance", "spread", "train_r2", "test_skill", "corr_mmlu", "n_train", "n_test",
    ]  # fmt: skip
    long = oll.diagnostics_long(diag, diag, ("a", "b"))
    assert len(long) == 2 * 4 * len(diag) and set(long["models"]) == {"a", "b"}
    # With GSM8K among the inputs: one more benchmark, the same kind of number.
    assert np.isfinite(oll.skill_with_gsm8k(both, "gpqa"))


# --------------------------------------------------------------------------- 5. outliers


def test_capability_outliers_find_a_planted_outlier(v1: pd.DataFrame) -> None:
    frame = v1.copy()
    frame["flagged"] = False
    planted = frame.index[10]
    frame.loc[planted, "GSM8K"] = min(1.0, frame.loc[planted, "GSM8K"] + 0.4)
    frame.loc[planted, "flagged"] = True
    out = oll.capability_outliers(frame, folds=4)
    assert len(out) == 6 * len(frame)
    gsm = out[out["task"] == "GSM8K"].set_index("Model")
    assert gsm["z"].idxmax() == planted and gsm.loc[planted, "z"] > 8
    nums = oll.outlier_numbers(out, demo=planted)
    assert nums["flagged_outliers"] == 1 and nums["demo_z_GSM8K"] > 8
    assert nums["share_flagged_outlier"] == 1.0
    view = oll.outlier_view(out, "GSM8K")
    assert view.set_index("Model").loc[planted, "status"] == "both"
    assert view["show"].sum() == (view["status"] != "neither").sum()
    top = oll.top_outliers(out, n=1)
    assert top.set_index("task").loc["GSM8K", "Model"] == planted
    with pytest.raises(OSLInputError, match="folds"):
        oll.capability_outliers(frame, folds=1)


def test_capability_outliers_fit_the_leaderboard_law_above_chance(v1: pd.DataFrame) -> None:
    # The score is rescaled from chance and fitted with a plain sigmoid, so a prediction
    # mapped back to the raw score never falls below the task's chance level.
    out = oll.capability_outliers(v1, folds=3)
    wino = out[out["task"] == "Winogrande"]
    assert (wino["observed"] < 0.5).any() and (wino["predicted"] > 0.5).all()
    assert np.allclose(out["residual"], out["observed"] - out["predicted"])


# --------------------------------------------------------------------------- charts


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.to_dict()


def test_capability_density_is_small_and_interactive(v2: pd.DataFrame) -> None:
    big = pd.concat([synthetic("v2", n=3000, seed=s) for s in range(2)], ignore_index=True)
    scores = oll.capability_scores(big, "v2")
    chart = charts.capability_density(scores, "PC-1", "PC-2", "t", sample=200)
    spec = _spec(chart)
    text = json.dumps(spec)
    points = [v for k, v in spec["datasets"].items() if v and "Model" in v[0]]
    assert len(points) == 1 and len(points[0]) == 200
    assert len(text) < 150_000  # 6,000 models, yet a small page
    params = [p for layer in [spec, *spec["layer"]] for p in layer.get("params", [])]
    menu = next(p for p in params if p["name"] == "menu")
    assert menu["bind"]["input"] == "select" and "chat" in menu["bind"]["options"]
    assert any(p.get("bind") == "scales" for p in params)  # scroll zooms, drag pans
    # Every tooltip of a point names the model, its type and its date.
    layer = next(lay for lay in spec["layer"] if lay["mark"]["type"] == "point")
    fields = {t["field"] for t in layer["encoding"]["tooltip"]}
    assert {"Model", "Model Type", "date"} <= fields


def test_capability_density_always_draws_chosen_rows(v1: pd.DataFrame) -> None:
    out = oll.capability_outliers(v1, folds=3)
    view = oll.outlier_view(out, "GSM8K").assign(show=lambda d: d.index < 25)
    spec = _spec(
        charts.capability_density(
            view, "predicted", "observed", "t", group="status", always="show", sample=10,
            diagonal=True,
        )
    )  # fmt: skip
    points = [v for v in spec["datasets"].values() if v and "Model" in v[0]]
    assert len(points[0]) == 35


def test_capability_density_rejects_bad_input(v2: pd.DataFrame) -> None:
    scores = oll.capability_scores(v2, "v2")
    with pytest.raises(OSLInputError, match="sample"):
        charts.capability_density(scores, "PC-1", "PC-2", "t", sample=-1)
    with pytest.raises(OSLInputError, match="missing"):
        charts.capability_density(scores.drop(columns="date"), "PC-1", "PC-2", "t")
    with pytest.raises(OSLInputError, match="numeric"):
        charts.capability_density(scores, "Model Type", "PC-2", "t")


def test_shift_intervals_and_paired_dots(v2: pd.DataFrame) -> None:
    summary = oll.shift_summary(oll.base_pairs(with_children(v2)), min_pairs=3)
    spec = _spec(charts.shift_intervals(summary, "t"))
    assert len(spec["layer"]) == 3
    bad = summary.assign(q25=summary["q75"] + 1)
    with pytest.raises(OSLInputError, match="q25 > q75"):
        charts.shift_intervals(bad, "t")
    long = pd.DataFrame(
        {"target": ["a", "a"], "diagnostic": ["d", "d"], "models": ["x", "y"], "value": [0.1, -0.2]}
    )
    assert "facet" in _spec(charts.paired_dots(long, "t"))


def test_rolling_mse_needs_positive_errors() -> None:
    table = pd.DataFrame(
        {
            "target": ["GPQA"] * 4, "cutoff": pd.to_datetime(["2024-07-01", "2024-08-01"] * 2),
            "predictor": ["3 PCs", "3 PCs", "log_params", "log_params"],
            "test_mse": [0.001, 0.002, 0.004, 0.003], "n_train": [10] * 4, "n_test": [5] * 4,
        }
    )  # fmt: skip
    spec = _spec(charts.rolling_mse(table, "t"))
    assert spec["resolve"]["scale"]["y"] == "independent"
    with pytest.raises(OSLInputError, match="positive"):
        charts.rolling_mse(table.assign(test_mse=0.0), "t")


def test_exercise_numbers_on_the_leaderboards() -> None:
    v1, v2 = oll.load("v1"), oll.load("v2")
    n = oll.exercise_numbers(v1, v2, oll.rolling_out_of_time(v2), oll.capability_outliers(v1))
    # A one-month test window: smaller test sets, the same ranking, near-ties where
    # the capabilities lose, a slightly narrower margin.
    assert n["ex_m1_min_test"] < n["ex_all_min_test"]
    for b in ("log_params", "mean_benchmark"):
        assert n[f"ex_m1_lost_{b}"] <= 2
        assert n[f"ex_m1_worst_{b}"] > 0.95
        assert 1 < n[f"ex_m1_ratio_{b}"] < n[f"ex_all_ratio_{b}"]
    # One component: more GSM8K outliers, far fewer outlier models over all tasks, because
    # the residual spread widens on the other tasks but not on GSM8K.
    assert n["ex_k1_GSM8K_outliers"] > n["ex_k3_GSM8K_outliers"]
    assert n["ex_k1_gsm8k_math_named"] >= n["ex_k3_gsm8k_math_named"]
    assert n["ex_k1_outlier_models"] < n["ex_k3_outlier_models"] / 5
    for task in ("HellaSwag", "Winogrande", "MMLU"):
        assert n[f"ex_mad_ratio_{task}"] > 1.5
    assert n["ex_mad_ratio_GSM8K"] < 1.1
