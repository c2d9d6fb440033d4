"""osl_helpers.chapters.emergence and its chart builders: like-for-like comparison, sweep, helpers."""

from __future__ import annotations

import json
import math
import re
import warnings
from types import SimpleNamespace

import altair as alt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import osl_helpers as osl
from osl_helpers._validation import OSLInputError
from osl_helpers.chapters import emergence as em
from osl_helpers.charts import emergence as emc
from osl_helpers.law import sigmoid


@pytest.fixture(scope="module")
def sub() -> em.EmergenceComparison:
    return em.compare_emergence("subtraction_3d")


# --------------------------------------------------------------------------- compare_emergence


def test_table_has_the_three_predictors(sub: em.EmergenceComparison) -> None:
    assert list(sub.table["predictor"]) == list(em.PREDICTORS)
    assert list(sub.table["label"]) == [v[0] for v in em.PREDICTORS.values()]
    assert {"n_train", "n_test", "train_mse", "test_mse", "test_mae"} <= set(sub.table.columns)


def test_pc_arm_matches_compare_predictors(sub: em.EmergenceComparison) -> None:
    preds = sub.comparison.predictions
    pc = preds[preds["predictor"] == "3 PCs"].set_index("Model")["y_hat"]
    ours = sub.points[sub.points["predictor"] == "pcs"].set_index("Model")["y_hat"]
    np.testing.assert_allclose(ours.loc[pc.index], pc, atol=1e-12)


def test_test_mse_recomputed_from_points(sub: em.EmergenceComparison) -> None:
    for p in em.PREDICTORS:
        t = sub.points[(sub.points["predictor"] == p) & (sub.points["split"] == "test")]
        assert osl.mse(t["y"], t["y_hat"]) == pytest.approx(sub.test_mse(p), rel=1e-12)


def test_points_use_each_predictors_axis(sub: em.EmergenceComparison) -> None:
    frame = osl.load_task("subtraction_3d").frame
    for key, col in (("log_flops", "log10_flops"), ("log_params", "log10_params")):
        pts = sub.points[sub.points["predictor"] == key].set_index("Model")
        np.testing.assert_allclose(pts["x"], frame.loc[pts.index, col].astype(float))
    pcs = sub.points[sub.points["predictor"] == "pcs"].set_index("Model")["x"]
    fe = sub.fit.points.set_index("Model")["f_equiv_log10_flops"]
    np.testing.assert_allclose(pcs, fe.loc[pcs.index])


def test_curves_cover_each_predictor(sub: em.EmergenceComparison) -> None:
    for p in em.PREDICTORS:
        c = sub.curves[sub.curves["predictor"] == p]
        pts = sub.points[sub.points["predictor"] == p]
        assert len(c) == 200
        assert c["x"].min() <= pts["x"].min() and c["x"].max() >= pts["x"].max()
        assert c["y_hat"].between(0, 1).all() and c["y_hat"].is_monotonic_increasing


def test_reference_family_only_relabels_the_axis(sub: em.EmergenceComparison) -> None:
    other = em.compare_emergence("subtraction_3d", reference_family="Llama")
    pd.testing.assert_frame_equal(other.table, sub.table)
    a = sub.points[sub.points["predictor"] == "pcs"]["x"].to_numpy()
    b = other.points[other.points["predictor"] == "pcs"]["x"].to_numpy()
    assert not np.allclose(a, b)
    # Eq. 8 is affine in P, so the two axes are affine in each other.
    slope, icpt = np.polyfit(a, b, 1)
    np.testing.assert_allclose(slope * a + icpt, b, atol=1e-9)


def test_test_mse_rejects_unknown_predictor(sub: em.EmergenceComparison) -> None:
    with pytest.raises(OSLInputError):
        sub.test_mse("mean_benchmark")


def test_non_flops_split_is_rejected() -> None:
    setup = osl.PAPER_SETUPS["word_unscramble"].with_(split="top_fraction")
    with pytest.raises(OSLInputError, match="FLOPs cutoff"):
        em.compare_emergence(setup)


def test_n_components_override() -> None:
    r = em.compare_emergence("multiplication_2d", n_components=2)
    assert r.fit.law.n_components == 2
    assert "2 PCs" in set(r.comparison.table["predictor"])


# --------------------------------------------------------------------------- mse_table


def test_mse_table_lays_out_the_comparisons(sub: em.EmergenceComparison) -> None:
    table = em.mse_table({"subtraction_3d": sub})
    labels = [label for label, _ in em.PREDICTORS.values()]
    assert list(table.columns) == ["n_test", *labels, "best"]
    assert list(table.index) == [sub.title]
    for p, (label, _) in em.PREDICTORS.items():
        assert table.loc[sub.title, label] == sub.test_mse(p)
    assert table.loc[sub.title, "n_test"] == len(sub.test_models)
    assert table.loc[sub.title, "best"] == em.PREDICTORS[sub.best][0]


def test_mse_table_puts_the_authors_beside_the_book(sub: em.EmergenceComparison) -> None:
    table = em.mse_table({"subtraction_3d": sub}, authors=True)
    assert list(table.columns) == [
        "n_test",
        "principal capabilities",
        "authors: principal capabilities",
        "log training FLOPs",
        "authors: log training FLOPs",
        "log model size",
        "best",
    ]
    ref = osl.setups.authors_reference()
    row = table.loc[sub.title]
    assert row["authors: principal capabilities"] == ref.loc[("subtraction_3d", "pcs_3"), "mse"]
    assert row["authors: log training FLOPs"] == ref.loc[("subtraction_3d", "log_flops"), "mse"]


def test_mse_table_refuses_what_the_authors_did_not_score() -> None:
    with pytest.raises(OSLInputError, match="no task"):
        em.mse_table({})
    ipa = em.compare_emergence("ipa_em")
    with pytest.raises(OSLInputError, match="no reference number"):
        em.mse_table({"ipa_em": ipa}, authors=True)
    # Another cutoff tests other models: not comparable with the authors' number.
    early = em.compare_emergence(osl.PAPER_SETUPS["subtraction_3d"].with_(cutoff_flops=1e22))
    assert len(em.mse_table({"early": early})) == 1
    with pytest.raises(OSLInputError, match="not comparable"):
        em.mse_table({"early": early}, authors=True)


# --------------------------------------------------------------------------- cutoff_sweep


@pytest.fixture(scope="module")
def sweep() -> pd.DataFrame:
    task = osl.load_task("multiplication_2d")
    assert task.cutoff_log10_flops is not None
    cuts = [20.0, 21.6, 21.9, 22.1, task.cutoff_log10_flops]
    return em.cutoff_sweep(task, cuts)


def test_sweep_keeps_the_test_set_fixed(sweep: pd.DataFrame) -> None:
    task = osl.load_task("multiplication_2d")
    assert (sweep["n_test"] == int(task.test.sum())).all()
    n = sweep[sweep["predictor"] == "pcs"]["n_train"].to_numpy()
    assert (np.diff(n) >= 0).all()


def test_sweep_skips_cutoffs_with_too_few_models(sweep: pd.DataFrame) -> None:
    assert 20.0 not in set(sweep["log10_cutoff"])  # only a handful of models that early
    assert set(sweep["predictor"]) == {"pcs", "log_flops"}


def test_sweep_at_the_setups_cutoff_matches_compare_emergence(sweep: pd.DataFrame) -> None:
    r = em.compare_emergence("multiplication_2d")
    last = sweep[sweep["log10_cutoff"] == sweep["log10_cutoff"].max()].set_index("predictor")
    for p in ("pcs", "log_flops"):
        assert last.loc[p, "test_mse"] == pytest.approx(r.test_mse(p), rel=1e-12)


def test_sweep_rejects_a_later_cutoff() -> None:
    with pytest.raises(OSLInputError, match="after the setup"):
        em.cutoff_sweep("multiplication_2d", [23.0])


def test_sweep_is_deterministic() -> None:
    a = em.cutoff_sweep("persian_qa", [22.0, 22.5])
    b = em.cutoff_sweep("persian_qa", [22.5, 22.0])
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- helpers


@settings(max_examples=50, deadline=None)
@given(
    w=st.floats(0.05, 50.0),
    b=st.floats(-100.0, 100.0),
    lo=st.floats(0.01, 0.45),
    hi=st.floats(0.55, 0.99),
)
def test_transition_width_brackets_the_rise(w: float, b: float, lo: float, hi: float) -> None:
    x_lo = (math.log(lo / (1 - lo)) - b) / w
    width = em.transition_width(w, lo, hi)
    assert float(sigmoid(w * x_lo + b)) == pytest.approx(lo, abs=1e-9)
    assert float(sigmoid(w * (x_lo + width) + b)) == pytest.approx(hi, abs=1e-9)


def test_transition_width_default_and_errors() -> None:
    assert em.transition_width(1.0) == pytest.approx(2 * math.log(9))
    for bad in ((0.0, 0.1, 0.9), (-1.0, 0.1, 0.9), (1.0, 0.9, 0.1), (1.0, 0.0, 0.5)):
        with pytest.raises(OSLInputError):
            em.transition_width(*bad)


def test_family_jumps_finds_the_single_step() -> None:
    pts = pd.DataFrame(
        {
            "Model": list("abcdefg"),
            "Model Family": ["F"] * 4 + ["G"] * 3,
            "log10_params": [8, 9, 10, 11, 8, 9, 10],
            "y": [0.0, 0.01, 0.8, 0.81, 0.0, 0.3, 0.6],
        }
    )
    out = em.family_jumps(pts).set_index("family")
    assert out.loc["F", "from_model"] == "b" and out.loc["F", "to_model"] == "c"
    assert out.loc["F", "jump"] == pytest.approx(0.79)
    assert out.loc["F", "share"] == pytest.approx(0.79 / 0.81)
    assert out.loc["G", "share"] == pytest.approx(0.5)
    assert em.family_jumps(pts, min_models=4)["family"].tolist() == ["F"]
    with pytest.raises(OSLInputError, match="missing"):
        em.family_jumps(pts.drop(columns="y"))
    table = em.jump_table(out)
    assert list(table.columns) == list(em.JUMP_COLUMNS.values())
    assert "jump" not in table.columns and "share" not in table.columns
    assert table.loc["F", "jump as a share of the family's rise"] == pytest.approx(0.79 / 0.81)
    with pytest.raises(OSLInputError, match="missing"):
        em.jump_table(out.drop(columns="share"))


# --------------------------------------------------------------------------- charts


def _spec(chart: alt.TopLevelMixin) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return json.dumps(chart.to_dict())


def test_comparison_panels(sub: em.EmergenceComparison) -> None:
    chart = emc.comparison_panels(sub)
    assert isinstance(chart, alt.HConcatChart) and len(chart.hconcat) == 3
    spec = _spec(chart)
    # Distinct zoom parameters (no silent merging across panels with different axes).
    assert sorted(set(re.findall(r'"name": "(zoom_\d)"', spec))) == ["zoom_0", "zoom_1", "zoom_2"]
    for field in ('"field": "Model"', '"field": "Model Family"', '"field": "split"'):
        assert field in spec
    assert "test MSE" in spec and '"orient": "bottom"' in spec
    assert '"url"' not in spec


def test_predictor_panels_rejects_missing_predictor(sub: em.EmergenceComparison) -> None:
    with pytest.raises(OSLInputError, match="no points"):
        emc.predictor_panels(sub.points, sub.curves, {"nope": "x"}, "t")


def test_family_paths(sub: em.EmergenceComparison) -> None:
    pts = sub.points[sub.points["predictor"] == "log_params"]
    chart = emc.family_paths(pts, "x", "y", "log10 parameters", "accuracy",
                             families=["OPT", "Pythia"])  # fmt: skip
    spec = _spec(chart)
    assert '"shape"' in spec and '"text"' in spec and '"field": "Model"' in spec
    with pytest.raises(OSLInputError, match="unknown family"):
        emc.family_paths(pts, "x", "y", "a", "b", families=["Nope"])
    with pytest.raises(OSLInputError):  # more families than shapes
        emc.family_paths(pts, "x", "y", "a", "b")


def test_sweep_chart(sweep: pd.DataFrame) -> None:
    chart = emc.sweep_chart(sweep, "t")
    assert isinstance(chart, alt.FacetChart)
    spec = _spec(chart)
    assert '"type": "log"' in spec and "n_train" in spec and "max_train_y" in spec
    with pytest.raises(OSLInputError, match="positive"):
        emc.sweep_chart(sweep.assign(test_mse=0.0), "t")


# --------------------------------------------------------------------------- numbers of the chapter


@pytest.fixture(scope="module")
def main_tasks() -> dict[str, osl.setups.TaskData]:
    return {k: osl.load_task(k) for k in em.MAIN_TASKS}


def test_split_table_and_excluded_numbers(main_tasks: dict[str, osl.setups.TaskData]) -> None:
    table = em.split_table(main_tasks)
    assert list(table.index) == list(em.MAIN_TASKS)
    for key, task in main_tasks.items():
        assert table.loc[key, "train"] == int(task.train.sum())
        assert table.loc[key, "unknown_flops"] == int(task.excluded.sum())
    n = em.excluded_numbers(main_tasks)
    assert len(n["em_excluded"].split(", ")) == n["em_n_excluded"] > 0
    assert 0 < n["em_persian_below"] < n["em_persian_n_train"]


def test_headline_and_mse_numbers(sub: em.EmergenceComparison) -> None:
    n = em.headline({"subtraction_3d": sub})
    assert n["em_n_tasks"] == 1 and n["em_n_pc_wins"] in (0, 1)
    assert n["em_subtraction_3d_pcs"] == sub.test_mse("pcs")
    ratio = sub.test_mse("log_flops") / sub.test_mse("pcs")
    assert n["em_subtraction_3d_ratio"] == pytest.approx(ratio)
    assert em.mse_numbers({"subtraction_3d": sub}).keys() == {
        f"em_subtraction_3d_{p}" for p in em.PREDICTORS
    }


def test_authors_numbers(sub: em.EmergenceComparison) -> None:
    n = em.authors_numbers(em.mse_table({"subtraction_3d": sub}, authors=True))
    assert 0 <= n["em_authors_dev"] < 2  # percent
    assert n["em_persian_n_test"] > 0


def test_pc_points_and_jump_numbers(sub: em.EmergenceComparison) -> None:
    pts = em.pc_points(sub)
    assert set(pts["predictor"]) == {"pcs"} and "log10_params" in pts.columns
    jumps = em.family_jumps(pts, x="log10_params").set_index("family")
    n = em.jump_numbers(pts, jumps, sub)
    assert n["em_neo_y1"] > n["em_neo_y0"]
    assert "/" not in n["em_neo_from"] + n["em_neo_to"]
    assert sub.fit.reference is not None
    assert n["em_width"] == em.transition_width(sub.fit.reference[0])


def test_sweep_cutoffs_end_at_the_setup() -> None:
    task = SimpleNamespace(cutoff_log10_flops=22.0)
    cuts = em.sweep_cutoffs(task)  # type: ignore[arg-type]
    assert cuts[0] == pytest.approx(21.6) and cuts[-1] == 22.0
    assert np.all(np.diff(cuts) > 0)


def test_sweep_wins_and_numbers() -> None:
    pcs, flops = em.PREDICTORS["pcs"][0], em.PREDICTORS["log_flops"][0]
    sweep = pd.DataFrame(
        {
            "task": ["persian_qa"] * 4,
            "log10_cutoff": [22.0, 22.0, 22.1, 22.1],
            "predictor": [pcs, flops, pcs, flops],
            "test_mse": [0.1, 0.2, 0.3, 0.2],
            "max_train_y": [0.4, 0.4, 0.5, 0.5],
        }
    )
    assert em.sweep_wins(sweep)["persian_qa"] == 0.5
    n = em.sweep_numbers(sweep)
    assert n["em_sweep_persian_qa"] == n["em_sweep_all"] == 50.0
    assert (n["em_persian_bad_max"], n["em_persian_bad_ymax"]) == (0.3, 0.5)


def test_ipa_numbers() -> None:
    points = pd.DataFrame(
        {
            "split": ["test"] * 4 + ["train"],
            "predictor": ["pcs", "pcs", "log_params", "log_params", "pcs"],
            "Model": ["Qwen/Qwen-72B", "b", "Qwen/Qwen-72B", "b", "c"],
            "y": [0.4, 0.2, 0.4, 0.2, 0.9],
            "y_hat": [0.6, 0.3, 0.1, 0.2, 0.0],
        }
    )
    n = em.ipa_numbers(SimpleNamespace(points=points))  # type: ignore[arg-type]
    assert (n["em_ipa_max_y"], n["em_ipa_over"], n["em_ipa_qwen_y"]) == (0.4, 100.0, 0.4)
    assert n["em_ipa_pcs_noqwen"] == pytest.approx(0.01)
    assert (n["em_ipa_size_max"], n["em_ipa_mean_y"]) == (0.2, pytest.approx(0.3))


def test_exercise_numbers(sub: em.EmergenceComparison) -> None:
    n = em.exercise_numbers(sub)
    assert n["em_ex_1e22_n_train"] < n["em_ex_4e22_n_train"]
    assert n["em_ex_1e22_n_test"] > n["em_ex_4e22_n_test"]  # the test set is above the cutoff
    assert len(str(n["em_ex_k3_top"]).split(" and ")) == 2
    assert n["em_ex_llama_width"] > 0
