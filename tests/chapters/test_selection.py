"""Unit tests of the chapter "selection" helpers, on toy curves and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers._validation import OSLInputError
from osl_helpers.chapters import selection as sel
from osl_helpers.selection import FamilySelectionProblem, exact_search_all_budgets

EXACT = "V-optimal (exact)"


def _study() -> sel.SubsetStudy:
    rows = []
    for b in range(4, 14):
        rows.append({"method": EXACT, "budget": b, "draw": 0, "gmean_mse": 2.0 / b})
        rows.append({"method": sel.AUTHORS_CRITERION, "budget": b, "draw": 0,
                     "gmean_mse": 2.0 / b * (0.5 if b % 2 else 2.0)})  # fmt: skip
        for d, f in enumerate((0.9, 1.0, 1.1)):
            rows.append({"method": "random", "budget": b, "draw": d, "gmean_mse": f * 1.2 / b})
    curves = pd.DataFrame(rows)
    return sel.SubsetStudy(curves, pd.DataFrame(), 0.1, pd.DataFrame())


def test_unknown_pool_and_budget_are_named() -> None:
    with pytest.raises(OSLInputError, match="unknown pool"):
        sel.recommendation_pool("tiny")  # type: ignore[arg-type]
    with pytest.raises(OSLInputError, match="no pick for budget"):
        sel.compare_with_authors("all", [5])


def test_study_numbers_on_toy_curves() -> None:
    nums = sel.study_numbers(_study())
    # Exact: 2 / b; within 1.5 × 0.1 from b = 14 on: never inside the budgets, so None.
    assert nums["match15"] is None and nums["match3"] == 7
    assert nums["vopt12"] == pytest.approx(2 / 12) and nums["rand12"] == pytest.approx(0.1)
    assert nums["vopt12_ratio"] == pytest.approx(2 / 12 / 0.1)
    # Random's median, 1.2 / b, is below the exact 2 / b at every budget.
    assert (nums["small_wins"], nums["small_n"]) == (0, 9)
    assert nums["vopt4_ratio"] == pytest.approx(0.6)
    assert (nums["auth_lower"], nums["auth_higher"], nums["n_budgets"]) == (5, 5, 10)
    assert nums["auth_gmean_ratio"] == pytest.approx(1.0)


def test_study_chart_frame_adds_the_band_and_the_all_model_line() -> None:
    frame = sel.study_chart_frame(_study())
    assert list(frame.columns) == ["method", "budget", "gmean_mse", "lo", "hi"]
    flat = frame[frame["method"] == "all models"]
    assert len(flat) == 10 and (flat["gmean_mse"] == 0.1).all()
    rand = frame[frame["method"].str.startswith("random")]
    assert (rand["lo"] <= rand["gmean_mse"]).all() and (rand["gmean_mse"] <= rand["hi"]).all()


def test_speed_numbers() -> None:
    speed = {"families": 21.0, "fast_s": 0.5, "loop_s": 5.0, "ratio": 10.0, "same_optimum": 1.0}
    nums = sel.speed_numbers(speed)
    assert nums["speed_ratio"] == 10.0 and nums["speed_same"] == "the same"
    assert sel.speed_numbers({**speed, "same_optimum": 0.0})["speed_same"] == "a different"


def test_authors_numbers_on_toy_comparisons() -> None:
    def table(same: list[bool], v: list[float]) -> pd.DataFrame:
        n = len(same)
        return pd.DataFrame(
            {
                "budget": np.arange(4, 4 + 4 * n, 4), "authors": ["A, B"] * n,
                "default": ["A, B", "A, B, C"][:n] + ["A"] * max(0, n - 2),
                "same": same, "authors_V": [1.0] * n, "reproduced_V": v,
            }
        )  # fmt: skip

    compare = {"all": table([True, False], [1.001, 1.02]), "max_7b": table([True], [0.999])}
    assert len(sel.stack_pools(compare)) == 3
    nums = sel.authors_numbers(compare)
    assert (nums["auth_same"], nums["auth_rows"]) == (2, 3)
    assert (nums["auth_same_all"], nums["auth_rows_all"], nums["auth_same_7b"]) == (1, 2, 1)
    assert nums["auth_vdev_pct"] == pytest.approx(2.0)
    assert nums["auth_v_round"] == 2 and nums["auth_v_absdev"] == pytest.approx(0.02)
    assert (nums["dflt_same"], nums["dflt_max_fams"]) == (1, 3)


def test_exercise_numbers() -> None:
    # The pool of the chapter's study: the training models of GSM8K (naive) with their
    # three principal capabilities, fitted on the pool.
    task = osl.load_task("gsm8k_naive")
    pool = task.frame.loc[task.train, ["Model", "Model Family"]]
    X = task.X.loc[pool.index]
    pool = pd.concat([pool, osl.CapabilityPCA(n_components=3).fit(X).transform(X)], axis=1)
    cols = ["PC-1", "PC-2", "PC-3"]
    exact = exact_search_all_budgets(FamilySelectionProblem.from_frame(pool, cols), range(4, 48))
    sizes = osl.load_task("gsm8k_cot").frame["Model Size (B)"]
    n = sel.exercise_numbers(pool, exact, sizes)
    # Without the intercept the picks mostly differ, above all at small budgets, and lie
    # further from the pool's mean in S.
    assert n["sel_ex_same"] + n["sel_ex_differ"] == n["sel_ex_budgets"] == 44
    assert n["sel_ex_same"] < n["sel_ex_differ"]
    assert n["sel_ex_same_small"] <= 2
    assert n["sel_ex_far"] > 0.75 * n["sel_ex_differ"]
    assert n["sel_ex_dist_noint"] > n["sel_ex_dist_int"] > n["sel_ex_dist_pool"]
    # A parameter budget buys small models, and more of them as it grows.
    assert n["sel_ex_cost_n_20"] < n["sel_ex_cost_n_50"] < n["sel_ex_cost_n_100"] < len(pool)
    assert "Phi" in n["sel_ex_cost_families_20"]
    assert n["sel_ex_cost_mean_size_100"] < n["sel_ex_pool_mean_size"]
    assert n["sel_ex_cost_left_mean_size_100"] > n["sel_ex_pool_mean_size"]
    assert n["sel_ex_pool_params"] == pytest.approx(float(sizes.loc[pool.index].sum()))
