"""Unit tests of osl_helpers.chapters.fitting: the numbers the fitting chapter quotes."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import fitting
from osl_helpers.experiments import TaskFit
from osl_helpers.setups import TaskData


@pytest.fixture(scope="module")
def task(gsm8k_cot: TaskData) -> TaskData:
    return gsm8k_cot  # loaded once per session (conftest)


@pytest.fixture(scope="module")
def fit(task: TaskData) -> TaskFit:
    return osl.fit_task(task)


@pytest.fixture(scope="module")
def comparison(task: TaskData) -> osl.evaluation.Comparison:
    s = task.setup
    return osl.compare_predictors(
        task.frame,
        target="y",
        benchmarks=s.benchmarks,
        split=osl.split_by_flops(task.frame, float(s.cutoff_flops or 0)),
        predictors=(3, "log_flops"),
        link=s.link,
        loss=s.loss,
        huber_delta=s.huber_delta,
    )


def test_setup_numbers_partition_the_models(task: TaskData) -> None:
    n = fitting.setup_numbers(task)
    excluded = n["excluded"].split(" and ")
    assert n["n_train"] + n["n_test"] + len(excluded) == n["n_models"]
    assert all("/" not in m for m in excluded)
    assert n["bench_list"].split(", ") == list(task.setup.benchmarks)
    assert n["n_bench"] == len(task.setup.benchmarks)


def test_imputation_numbers_split_the_holes(task: TaskData) -> None:
    imputer = osl.PCAImputer(n_components=1).fit(task.X_train)
    n = fitting.imputation_numbers(task, imputer)
    assert n["n_holes"] == n["n_holes_train"] + n["n_holes_test"] == int(task.X.isna().sum().sum())
    assert n["imputer_iter"] == imputer.n_iter_ >= 1


def test_p_lines_are_keyed_like_the_points(fit: TaskFit) -> None:
    lines = fitting.p_lines(fit.points)
    assert {"Model Family", "slope", "intercept"} <= set(lines.columns)
    assert set(lines["Model Family"]) <= set(fit.points["Model Family"])


def _line_points() -> tuple[pd.DataFrame, pd.Series]:
    # Three Llama-2 models exactly on P = 2·log10 C − 40 and one model of another family.
    idx = ["a", "b", "c", "d"]
    log10_flops = pd.Series([22.0, 23.0, 24.0, 23.5], index=idx)
    points = pd.DataFrame(
        {
            "Model Family": ["Llama-2", "Llama-2", "Llama-2", "Other"],
            "log10_flops": log10_flops,
            "P": 2 * log10_flops - 40 + np.array([0, 0, 0, 0.5]),
        },
        index=idx,
    )
    f_equiv = osl.f_equivalent_log10_flops(points["P"], 2.0, -40.0)
    points["f_equiv_log10_flops"] = f_equiv
    return points, f_equiv


def test_roundtrip_numbers_are_exact_on_the_line() -> None:
    points, f_equiv = _line_points()
    n = fitting.roundtrip_numbers(points, f_equiv, 2.0, -40.0)
    assert n["n_llama2"] == 3
    assert n["max_roundtrip"] == pytest.approx(0.0, abs=1e-12)
    assert n["max_roundtrip_factor"] == pytest.approx(1.0)
    assert n["same_as_fit"] == 0.0
    assert (n["w_f"], n["b_f"]) == (2.0, -40.0)


def test_famous_table_and_numbers(fit: TaskFit) -> None:
    w_f, b_f = osl.reference_line(fit.points, y="P", family="Llama-2")
    f_equiv = osl.f_equivalent_log10_flops(fit.points["P"], w_f, b_f)
    table = fitting.famous_table(fit.points, f_equiv)
    assert list(table.index) == list(fitting.FAMOUS)
    known = table.dropna(subset=["log10 FLOPs"])
    np.testing.assert_allclose(
        np.log10(known["equiv. / actual"]),
        known["Llama-2-equiv. log10 FLOPs"] - known["log10 FLOPs"],
    )
    n = fitting.famous_numbers(table, f_equiv)
    assert n["ratio_phi2"] > 1 > n["ratio_llama3"]
    assert n["feq_mistral"] == pytest.approx(10 ** f_equiv["mistralai/Mistral-7B-v0.1"])


def test_weight_numbers_pick_the_extremes() -> None:
    n = fitting.weight_numbers(pd.Series({"A": 1.0, "B": -2.0, "C": 3.0}))
    assert n == {"top_bench": "C", "top_weight": 3.0, "neg_bench": "B", "neg_weight": -2.0}


def test_comparison_numbers() -> None:
    table = pd.DataFrame(
        {"test_mse": [0.01, 0.04], "n_test": [5, 5]}, index=pd.Index(["3 PCs", "log_flops"])
    )
    n = fitting.comparison_numbers(table, 3)
    assert n == {"mse_pcs": 0.01, "mse_flops": 0.04, "mse_ratio": 4.0, "n_cmp_test": 5}
    assert fitting.predictor_labels(3) == {
        "3 PCs": "3 principal capabilities",
        "log_flops": "log10 training FLOPs",
    }


def test_error_numbers_count_underpredictions() -> None:
    predictions = pd.DataFrame(
        {
            "split": ["test"] * 4 + ["train"],
            "predictor": ["log_flops", "log_flops", "3 PCs", "3 PCs", "log_flops"],
            "Model Family": ["Qwen", "OPT", "Qwen", "OPT", "Qwen"],
            "y": [0.5, 0.5, 0.5, 0.5, 0.5],
            "y_hat": [0.2, 0.6, 0.45, 0.5, 0.0],
        }
    )
    n = fitting.error_numbers(predictions, 3)
    assert n["n_under_flops"] == 1
    assert n["qwen_err_flops"] == pytest.approx(0.3)
    assert n["qwen_err_pc"] == pytest.approx(0.05)


def test_authors_numbers_agree_with_their_code(
    fit: TaskFit, comparison: osl.evaluation.Comparison
) -> None:
    n = fitting.authors_numbers(fit.points, comparison.table.set_index("predictor"))
    assert n["n_authors_test"] == int((fit.points["split"] != "train").sum())
    assert n["ref_max_rel_diff"] < 0.02


def test_byo_and_unseen_numbers() -> None:
    split = pd.Series([True, True, False, False])
    fake = SimpleNamespace(
        task=SimpleNamespace(train=split, test=~split, excluded=split & False),
        test_mse=0.1,
        law=SimpleNamespace(h_=0.9),
    )
    scores = pd.DataFrame({"Model": list("abcd"), "my_score": [0.1, 0.2, 0.3, 0.4]})
    n = fitting.byo_numbers(scores, fake)  # type: ignore[arg-type]
    assert n == {"byo_n": 4, "byo_train": 2, "byo_test": 2, "byo_test_mse": 0.1, "byo_excluded": 0}
    unseen = pd.DataFrame({"Model": ["org/x", "org/y"], "y": [0.5, 0.7], "y_hat": [0.6, 0.6]})
    u = fitting.unseen_numbers(unseen, fake)  # type: ignore[arg-type]
    assert u["byo_max_model"] == "y" and u["byo_n_big"] == 2
    assert u["byo_big_mse"] == pytest.approx(0.01)
    assert u["byo_floor"] == pytest.approx(0.1)


def test_exercise_numbers(task: TaskData, fit: TaskFit) -> None:
    n = fitting.exercise_numbers(task, fit)
    assert n["ex_n_train13"] > int(task.train.sum())
    assert n["ex_n_test13"] < int(task.test.sum())
    assert n["ex_huber_diff"] == pytest.approx(0.0, abs=1e-9)
    assert n["ex_train_k4"] < fit.train_mse


def test_scale_numbers_cap_the_predictions(task: TaskData, fit: TaskFit) -> None:
    post = osl.load_post_training().dropna(subset=[task.setup.column])
    n = fitting.scale_numbers(task, fit, post)
    assert n["scale_paper_test"] == fit.test_mse
    assert n["scale_capped_max"] <= n["scale_capped_h"] + 1e-12
    assert 0 < n["scale_n_above"] <= n["scale_n_later"]


def test_fit_task_and_compare_predictors_agree(
    fit: TaskFit, comparison: osl.evaluation.Comparison
) -> None:
    t = comparison.table.set_index("predictor")
    assert fit.test_mse == pytest.approx(t.loc["3 PCs", "test_mse"], rel=1e-9)
    assert fit.test_mse < 0.01
