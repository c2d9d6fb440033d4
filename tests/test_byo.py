"""Tests of ``osl_helpers.byo``: fitting a law to the reader's own scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import byo
from osl_helpers._validation import (
    DuplicateModelError,
    NonNumericError,
    NotEnoughModelsError,
    OSLInputError,
    PercentScaleError,
    TargetRangeError,
)

COT = osl.PAPER_SETUPS["gsm8k_cot"]


@pytest.fixture(scope="module")
def cot_scores() -> pd.DataFrame:
    """GSM8K-CoT of the paper's models as a reader's CSV would hold it."""
    post = osl.load_post_training()
    paper = set(osl.load_base_benchmarks("paper")["Model"])
    rows = post[post["Model"].isin(paper)].dropna(subset=[COT.column])
    return rows[["Model", COT.column]].rename(columns={COT.column: "my_score"})


@pytest.fixture(scope="module")
def my_fit(cot_scores: pd.DataFrame) -> osl.experiments.TaskFit:
    return byo.fit_your_scores(cot_scores, "my_score", benchmarks=COT.benchmarks)


# --------------------------------------------------------------------------- behaviour


def test_reproduces_the_paper_setup_exactly(
    cot_scores: pd.DataFrame, my_fit: osl.experiments.TaskFit
) -> None:
    # The same scores, models, benchmarks, law and cutoff as setup "gsm8k_cot".
    ref = osl.fit_task("gsm8k_cot")
    assert set(my_fit.task.frame.index) == set(ref.task.frame.index)
    assert my_fit.task.train.sum() == ref.task.train.sum() == 47
    np.testing.assert_allclose(my_fit.law.beta_, ref.law.beta_, rtol=1e-6)
    assert my_fit.law.h_ == pytest.approx(ref.law.h_)
    assert my_fit.test_mse == pytest.approx(ref.test_mse, rel=1e-6)
    pts = my_fit.points.loc[ref.points.index]
    np.testing.assert_allclose(pts["f_equiv_log10_flops"], ref.points["f_equiv_log10_flops"])


def test_setup_records_what_was_fitted(my_fit: osl.experiments.TaskFit) -> None:
    s = my_fit.task.setup
    assert (s.key, s.table, s.column) == ("byo", "user", "my_score")
    assert s.benchmarks == COT.benchmarks
    assert my_fit.task.cutoff_log10_flops == pytest.approx(np.log10(8.4e22))


def test_default_uses_all_eight_benchmarks(cot_scores: pd.DataFrame) -> None:
    fit = byo.fit_your_scores(cot_scores, "my_score")
    assert list(fit.law.feature_names_in_) == osl.BENCHMARKS


def test_cutoff_by_model_name_equals_cutoff_in_flops(cot_scores: pd.DataFrame) -> None:
    a = byo.fit_your_scores(
        cot_scores, "my_score", benchmarks=COT.benchmarks, cutoff="meta-llama/Llama-2-7b-hf"
    )
    b = byo.fit_your_scores(cot_scores, "my_score", benchmarks=COT.benchmarks, cutoff=8.4e22)
    pd.testing.assert_series_equal(a.task.train, b.task.train)
    assert a.test_mse == pytest.approx(b.test_mse)


def test_no_cutoff_fits_on_every_model(cot_scores: pd.DataFrame) -> None:
    fit = byo.fit_your_scores(cot_scores, "my_score", benchmarks=COT.benchmarks, cutoff=None)
    assert fit.task.train.all() and not fit.task.test.any()
    assert np.isnan(fit.test_mse)


def test_unknown_compute_models_are_scored_but_in_neither_set(
    my_fit: osl.experiments.TaskFit,
) -> None:
    ex = my_fit.task.excluded
    assert set(ex.index[ex]) == {"mistralai/Mistral-7B-v0.1", "mistralai/Mixtral-8x7B-v0.1"}
    assert (my_fit.task.excluded_reason[ex] == "training FLOPs unknown").all()
    assert my_fit.points.loc[ex, "y_hat"].notna().all()


def test_percent_scale_with_high_100_equals_fractions(cot_scores: pd.DataFrame) -> None:
    pct = cot_scores.assign(my_score=100 * cot_scores["my_score"])
    a = byo.fit_your_scores(pct, "my_score", high=100.0, benchmarks=COT.benchmarks)
    b = byo.fit_your_scores(cot_scores, "my_score", benchmarks=COT.benchmarks)
    np.testing.assert_allclose(a.points["y"], b.points["y"], atol=1e-12)
    assert a.test_mse == pytest.approx(b.test_mse, rel=1e-6)


def test_chance_floor_rescales_and_keeps_below_chance(cot_scores: pd.DataFrame) -> None:
    joined = byo.join_your_scores(cot_scores, "my_score", low=0.1)
    raw = joined["y_raw"]
    np.testing.assert_allclose(joined["y"], (raw - 0.1) / 0.9)
    # Below chance is negative, not clipped: the authors fit it as it is.
    assert (joined.loc[raw < 0.1, "y"] < 0).all() and (raw < 0.1).any()


def test_join_keeps_one_row_per_scored_model(cot_scores: pd.DataFrame) -> None:
    joined = byo.join_your_scores(cot_scores.iloc[::-1], "my_score")
    assert len(joined) == len(cot_scores)
    assert set(joined.index) == set(cot_scores["Model"])
    assert {"y_raw", "y", "log10_flops", *osl.BENCHMARKS} <= set(joined.columns)


def test_custom_model_column(cot_scores: pd.DataFrame) -> None:
    renamed = cot_scores.rename(columns={"Model": "name"})
    joined = byo.join_your_scores(renamed, "my_score", model="name")
    assert len(joined) == len(cot_scores)


def test_predict_unscored_defaults_to_models_not_in_the_scores(
    my_fit: osl.experiments.TaskFit,
) -> None:
    out = byo.predict_unscored(my_fit)
    assert not set(out["Model"]) & set(my_fit.task.frame.index)
    assert len(out) == len(osl.load_base_benchmarks("all")) - len(my_fit.task.frame)
    assert out["P"].is_monotonic_increasing
    assert out["y_hat"].between(0, my_fit.law.h_).all()


def test_predict_unscored_matches_the_law(my_fit: osl.experiments.TaskFit) -> None:
    names = ["Qwen/Qwen2-72B", "meta-llama/Meta-Llama-3.1-405B-FP8"]
    out = byo.predict_unscored(my_fit, models=names).set_index("Model")
    base = osl.load_base_benchmarks("all").set_index("Model")
    expected = my_fit.law.predict(base.loc[names, list(COT.benchmarks)])
    np.testing.assert_allclose(out.loc[names, "y_hat"], expected)
    w_f, b_f = my_fit.reference  # type: ignore[misc]
    np.testing.assert_allclose(
        out.loc[names, "f_equiv_log10_flops"], (out.loc[names, "P"] - b_f) / w_f
    )


# --------------------------------------------------------------------------- errors


def test_unknown_model_names_the_closest_known_ones(cot_scores: pd.DataFrame) -> None:
    bad = cot_scores.assign(Model=cot_scores["Model"].str.split("/").str[-1])
    with pytest.raises(byo.UnknownModelError, match="75 model") as info:
        byo.fit_your_scores(bad, "my_score")
    # The first unknown name gets exactly the model it abbreviates.
    assert "'CodeLlama-13b-hf' (did you mean 'codellama/CodeLlama-13b-hf'?)" in str(info.value)
    assert "and 70 more" in str(info.value)
    err = byo.UnknownModelError("x")
    assert isinstance(err, KeyError) and isinstance(err, ValueError) and str(err) == "x"


def test_percent_scale_is_named(cot_scores: pd.DataFrame) -> None:
    with pytest.raises(PercentScaleError, match="percentages"):
        byo.fit_your_scores(cot_scores.assign(my_score=100 * cot_scores["my_score"]), "my_score")


def test_nan_target_names_the_models(cot_scores: pd.DataFrame) -> None:
    bad = cot_scores.copy()
    bad.loc[bad.index[0], "my_score"] = np.nan
    with pytest.raises(TargetRangeError, match=bad["Model"].iloc[0]):
        byo.fit_your_scores(bad, "my_score")


def test_score_above_the_scale_is_an_error(cot_scores: pd.DataFrame) -> None:
    bad = cot_scores.assign(my_score=cot_scores["my_score"] + 200)
    with pytest.raises(TargetRangeError, match="above the top"):
        byo.fit_your_scores(bad, "my_score")


def test_infinite_score_is_an_error(cot_scores: pd.DataFrame) -> None:
    bad = cot_scores.copy()
    bad.loc[bad.index[0], "my_score"] = np.inf
    with pytest.raises(TargetRangeError, match="infinite"):
        byo.fit_your_scores(bad, "my_score")


def test_duplicate_models_are_an_error(cot_scores: pd.DataFrame) -> None:
    with pytest.raises(DuplicateModelError):
        byo.fit_your_scores(pd.concat([cot_scores, cot_scores.head(2)]), "my_score")


def test_non_numeric_scores_are_an_error(cot_scores: pd.DataFrame) -> None:
    with pytest.raises(NonNumericError):
        byo.fit_your_scores(cot_scores.assign(my_score="high"), "my_score")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": "nope"}, "lack column"),
        ({"low": 1.0, "high": 1.0}, "must exceed"),
        ({"benchmarks": ["MMLU", "GSM8K-CoT"]}, "unknown benchmark"),
        ({"cutoff": -1.0}, "cutoff must be positive"),
        ({"cutoff": "mistralai/Mistral-7B-v0.1"}, "unknown training FLOPs"),
    ],
)
def test_bad_arguments(cot_scores: pd.DataFrame, kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"target": "my_score", **kwargs}
    with pytest.raises(OSLInputError, match=match):
        byo.fit_your_scores(cot_scores, **args)  # type: ignore[arg-type]


def test_unknown_cutoff_model(cot_scores: pd.DataFrame) -> None:
    with pytest.raises(byo.UnknownModelError, match="did you mean 'meta-llama/Llama-2-7b-hf'"):
        byo.fit_your_scores(cot_scores, "my_score", cutoff="Llama-2-7b-hf")


def test_too_few_training_models(cot_scores: pd.DataFrame) -> None:
    few = cot_scores[cot_scores["Model"].str.contains("Llama-2|Qwen")]
    with pytest.raises(NotEnoughModelsError, match="below the cutoff"):
        byo.fit_your_scores(few, "my_score")


def test_missing_model_name_is_an_error(cot_scores: pd.DataFrame) -> None:
    bad = cot_scores.astype({"Model": object}).copy()
    bad.loc[bad.index[0], "Model"] = None
    with pytest.raises(OSLInputError, match="no model name"):
        byo.fit_your_scores(bad, "my_score")


def test_scores_must_be_a_dataframe() -> None:
    with pytest.raises(OSLInputError, match="DataFrame"):
        byo.fit_your_scores([("meta-llama/Llama-2-7b-hf", 0.1)], "my_score")  # type: ignore[arg-type]
