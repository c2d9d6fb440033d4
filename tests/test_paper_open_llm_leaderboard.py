"""Observational scaling at leaderboard scale: the claims of the chapter, measured on the tables.

The paper never fits the Open LLM Leaderboards, so nothing here is compared with a
number it reports. Each test asserts a statement the chapter makes about its own
measurements, with the margin the wording allows (e.g. "low rank": three components
explain more than 95% of the variance).
"""

from __future__ import annotations

import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import open_llm_leaderboard as oll


@pytest.fixture(scope="module")
def v1() -> pd.DataFrame:
    return oll.load("v1")


@pytest.fixture(scope="module")
def v2() -> pd.DataFrame:
    return oll.load("v2")


@pytest.fixture(scope="module")
def low_rank(v1: pd.DataFrame, v2: pd.DataFrame) -> dict[str, float]:
    shares = pd.concat([oll.variance_table(v1, "v1"), oll.variance_table(v2, "v2")])
    readings = {"v1": oll.pc1_reading(v1, "v1"), "v2": oll.pc1_reading(v2, "v2")}
    return oll.low_rank_numbers(shares, oll.paper_space(v1), readings, oll.paper_agreement(v1))


@pytest.fixture(scope="module")
def shifts(v2: pd.DataFrame) -> dict[str, float]:
    pairs = oll.base_pairs(v2)
    return oll.shift_numbers(pairs, oll.shift_summary(pairs))


@pytest.fixture(scope="module")
def rolling(v2: pd.DataFrame) -> pd.DataFrame:
    return oll.rolling_out_of_time(v2)


@pytest.fixture(scope="module")
def v12(v1: pd.DataFrame, v2: pd.DataFrame) -> dict[str, float]:
    both = oll.v1_v2_frame(v1, v2)
    table, comps = oll.v1_to_v2(both)
    here = oll.v1_to_v2_diagnostics(both, comps)
    return oll.v1_v2_numbers(table, here, osl.leaderboard.diagnostics())


@pytest.fixture(scope="module")
def outliers(v1: pd.DataFrame) -> pd.DataFrame:
    return oll.capability_outliers(v1)


# --------------------------------------------------------------------------- the tables


def test_table_sizes(v1: pd.DataFrame, v2: pd.DataFrame) -> None:
    nums = oll.data_numbers(v1, v2)
    # The final snapshots: 7,169 and 4,576 rows; about 90 times the paper's 77 models.
    assert nums["v1_rows"] == 7169 and nums["v2_rows"] == 4576
    assert nums["v1_models"] / 77 > 80 and nums["v2_models"] / 77 > 50
    assert nums["both"] > 5 * 72  # "more than five times" chapter 10's 72 models
    assert nums["v2_flagged"] == 1  # "one model is flagged" in v2


# --------------------------------------------------------------------------- 1. low rank


def test_low_rank_at_leaderboard_scale(low_rank: dict[str, float]) -> None:
    for version in ("v1", "v2"):
        assert low_rank[f"{version}_all_top3"] > 0.95
        assert low_rank[f"{version}_types_top3_min"] > 0.95  # "for every model type"
        assert low_rank[f"{version}_all_pc1"] > 0.7
    # "On v2, PC-1 explains less than on v1 but the first three together explain more."
    assert low_rank["v2_all_pc1"] < low_rank["v1_all_pc1"]
    assert low_rank["v2_all_top3"] > low_rank["v1_all_top3"]


def test_paper_scores_are_the_leaderboards(low_rank: dict[str, float]) -> None:
    assert low_rank["agree_models"] >= 100
    assert low_rank["agree_share_min"] >= 0.9


def test_paper_space_explains_most_of_v1(low_rank: dict[str, float]) -> None:
    # A little is lost to the paper's space, most by merges; two directions carry over.
    assert 0 < low_rank["v1_share_lost"] < 0.1
    assert low_rank["v1_frozen_share"] > 0.9
    assert low_rank["max_type_share_lost"] > low_rank["v1_share_lost"]
    assert low_rank["v1_theta_1"] < 15 and low_rank["v1_theta_2"] < 15
    assert low_rank["v1_theta_3"] > 45
    assert low_rank["v1_angle_pc1"] < 20


def test_merges_lose_most_to_the_paper_space(v1: pd.DataFrame) -> None:
    space = oll.paper_space(v1).drop(index=["paper (77 base models)", "v1: all"])
    assert space["share_lost"].idxmax() == "v1: merge"


def test_pc1_is_general_capability(low_rank: dict[str, float]) -> None:
    for version in ("v1", "v2"):
        assert low_rank[f"{version}_min_loading"] > 0  # every task loads positively
        assert low_rank[f"{version}_corr_mean"] > 0.95
        # "only" loosely tied to size: far below its tie to the mean score.
        assert low_rank[f"{version}_corr_log_params"] < 0.7


# --------------------------------------------------------------------------- 2. near the base


def test_fine_tunes_live_near_their_base(shifts: dict[str, float]) -> None:
    assert shifts["pairs"] > 300
    assert shifts["near_ratio"] < 0.5
    assert shifts["share_nearer"] > 0.5
    distances = {k: v for k, v in shifts.items() if k.endswith("_distance")}
    assert max(distances, key=distances.__getitem__) == "chat_distance"
    assert shifts["merge_pairs"] < 10


def test_instruction_following_is_what_moves(shifts: dict[str, float]) -> None:
    for kind in ("chat", "fine_tuned"):
        assert shifts[f"{kind}_IFEval_median"] > 2 * shifts["max_other_abs_median"]
        assert shifts[f"{kind}_MMLU_PRO_median"] < 0  # "tends to fall slightly"
    assert shifts["chat_IFEval_share_up"] > 0.75


# --------------------------------------------------------------------------- 3. out of time


def test_capabilities_beat_size_out_of_time(rolling: pd.DataFrame) -> None:
    nums = oll.out_of_time_numbers(rolling)
    assert nums["cutoffs"] >= 6 and nums["min_test"] >= 300
    assert nums["wins_log_params"] == 1.0  # "at every cutoff"
    assert nums["ratio_log_params"] > 2
    assert nums["wins_mean_benchmark"] > 0.9
    assert nums["ratio_mean_benchmark"] > 1.2
    per_task = {
        t: nums[f"ratio_mean_benchmark_{t}"] for t in ("MATH_Lvl_5", "GPQA", "MMLU_PRO", "MUSR")
    }
    assert min(per_task, key=per_task.__getitem__) == "MATH_Lvl_5"
    assert max(per_task, key=per_task.__getitem__) == "MMLU_PRO"


def test_ranking_holds_on_next_month_test_sets(v2: pd.DataFrame) -> None:
    # Exercise 2: one month of submissions as the test set.
    nums = oll.out_of_time_numbers(oll.rolling_out_of_time(v2, months_ahead=1))
    assert nums["wins_log_params"] == 1.0
    assert nums["wins_mean_benchmark"] > 0.9


# --------------------------------------------------------------------------- 4. v1 → v2


def test_v1_to_v2_at_scale(v12: dict[str, float]) -> None:
    assert v12["n_train"] + v12["n_test"] > 5 * v12["n_ch10"]
    assert v12["pcs_beat_params"] >= 5
    for key in ("bbh", "gpqa", "math_hard", "mmlu_pro"):
        assert v12[f"{key}_test_skill"] > 0 and v12[f"{key}_test_skill_ch10"] > 0
    corr = {
        k: v12[f"{k}_corr_mmlu"] for k in ("bbh", "gpqa", "math_hard", "mmlu_pro", "ifeval", "musr")
    }
    assert max(corr, key=corr.__getitem__) == "mmlu_pro"
    assert v12["skill_sign_agree"] == 4


def test_ifeval_and_musr_become_predictable(v12: dict[str, float]) -> None:
    for key in ("ifeval", "musr"):
        assert v12[f"{key}_test_skill_ch10"] < 0 < v12[f"{key}_test_skill"]
    assert v12["ifeval_spread"] > 2 * v12["ifeval_spread_ch10"]
    assert v12["ifeval_train_r2"] > v12["ifeval_train_r2_ch10"]


# --------------------------------------------------------------------------- 5. outliers


def test_what_the_capability_space_flags(outliers: pd.DataFrame) -> None:
    nums = oll.outlier_numbers(outliers)
    # Flagged models are outliers more often, but most of them are not outliers.
    assert nums["share_flagged_outlier"] > nums["share_clean_outlier"]
    assert nums["share_flagged_outlier"] < 0.5
    # The contamination demonstration is unremarkable on every task.
    assert -nums["z_cut"] < nums["demo_z_min"] and nums["demo_z_max"] < nums["z_cut"]
    assert 0 < nums["pairs_beside_chance"] < nums["outlier_pairs"]
    assert nums["HellaSwag_beside_chance"] <= nums["HellaSwag_outliers"]
    assert nums["gsm8k_math_named"] >= 1


def test_one_component_flags_more_gsm8k_outliers(v1: pd.DataFrame, outliers: pd.DataFrame) -> None:
    # Exercise 3: with K = 1 only the mean score predicts, so more models stand out.
    one = oll.capability_outliers(v1, n_components=1)
    count = lambda o: int(((o["task"] == "GSM8K") & (o["z"] > 4)).sum())  # noqa: E731
    assert count(one) > count(outliers)


def test_best_run_rule_barely_moves_the_structure(v1: pd.DataFrame) -> None:
    # Exercise 1: keeping each model's best run instead of the stated rule.
    raw = pd.read_csv(osl.fetch_file("huggingface_v1.csv"))
    cols = ["arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"]
    best = raw.loc[raw.groupby("fullname")["average"].idxmax(), cols] / 100
    share_best = osl.CapabilityPCA(3).fit(best).explained_variance_ratio_[0]
    share_rule = osl.CapabilityPCA(3).fit(v1[oll.tasks("v1")]).explained_variance_ratio_[0]
    assert share_best == pytest.approx(share_rule, abs=0.002)
