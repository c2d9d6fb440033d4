"""Splits, metrics, the scalar baseline law and like-for-like comparisons (Sec. 4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.data import ARITHMETIC_CUTOFF_FLOPS, LLAMA2_7B_FLOPS
from osl_helpers.evaluation import (
    ScalarSigmoidLaw,
    Split,
    split_by_reference_model,
)
from osl_helpers.law import fit_sigmoid_law, sigmoid
from osl_helpers.synthetic import make_synthetic

GSM8K_COT = "gsm8k_cot_8_exact_match,strict-match"
LLAMA2_7B = "meta-llama/Llama-2-7b-hf"
LLAMA2_13B = "meta-llama/Llama-2-13b-hf"
MISTRAL = "mistralai/Mistral-7B-v0.1"


@pytest.fixture(scope="module")
def gsm8k() -> pd.DataFrame:
    """The paper's 77 models with the 8-shot CoT GSM8K score as target, indexed by model."""
    base = osl.load_base_benchmarks("paper")
    frame = osl.join_on_model(base, osl.load_post_training(), [GSM8K_COT])
    assert isinstance(frame, pd.DataFrame)
    frame = frame.set_index("Model", drop=False)
    frame.index.name = None
    return frame


# --------------------------------------------------------------------------- splits


def test_llama2_7b_flops_constant() -> None:
    assert LLAMA2_7B_FLOPS == pytest.approx(6 * 7e9 * 2e12)
    assert ARITHMETIC_CUTOFF_FLOPS < LLAMA2_7B_FLOPS


def test_flops_split_at_llama2_7b(gsm8k: pd.DataFrame) -> None:
    split = osl.split_by_flops(gsm8k, cutoff=8.4e22)
    # The boundary is inclusive: Llama-2-7B (exactly 8.4e22 FLOPs) trains, 13B is held out.
    assert gsm8k.loc[LLAMA2_7B, "log10_flops"] == pytest.approx(math.log10(8.4e22))
    assert split.train[LLAMA2_7B] and split.test[LLAMA2_13B]
    # Unknown compute: in neither set, with a reason.
    unknown = gsm8k["log10_flops"].isna()
    assert unknown.any() and (split.excluded == unknown).all()
    assert split.excluded[MISTRAL] and "unknown" in split.reason[MISTRAL]
    assert (split.reason[~split.excluded] == "").all()
    # A partition: every model in exactly one set, and the sets respect the cutoff.
    total = split.train.astype(int) + split.test.astype(int) + split.excluded.astype(int)
    assert (total == 1).all()
    cut = math.log10(8.4e22) + 1e-9
    assert (gsm8k.loc[split.train, "log10_flops"] <= cut).all()
    assert (gsm8k.loc[split.test, "log10_flops"] > cut).all()
    assert split.n_train + split.n_test + split.n_excluded == len(gsm8k)
    # Without a cutoff, the split is the paper's: at Llama-2-7B's compute.
    default = osl.split_by_flops(gsm8k)
    assert default.train.equals(split.train) and default.test.equals(split.test)


def test_reference_model_split_equals_the_flops_split(gsm8k: pd.DataFrame) -> None:
    by_model = split_by_reference_model(gsm8k, LLAMA2_7B)
    by_flops = osl.split_by_flops(gsm8k, LLAMA2_7B_FLOPS)
    assert by_model.train.equals(by_flops.train) and by_model.test.equals(by_flops.test)
    assert LLAMA2_7B in by_model.description
    earlier = osl.split_by_flops(gsm8k, ARITHMETIC_CUTOFF_FLOPS)
    assert earlier.n_train < by_flops.n_train and not earlier.train[LLAMA2_7B]
    with pytest.raises(v.UnknownModelError, match="gpt-5"):
        split_by_reference_model(gsm8k, "gpt-5")
    with pytest.raises(v.OSLInputError, match="unknown training FLOPs"):
        split_by_reference_model(gsm8k, MISTRAL)


def test_flops_split_errors(gsm8k: pd.DataFrame) -> None:
    with pytest.raises(v.MissingColumnError, match="log10_flops"):
        osl.split_by_flops(gsm8k.drop(columns="log10_flops"))
    with pytest.raises(v.OSLInputError, match="cutoff"):
        osl.split_by_flops(gsm8k, cutoff=-1.0)


@pytest.mark.parametrize(("n", "expected"), [(20, 2), (96, 10), (5, 1)])
def test_top_fraction_split_size(n: int, expected: int) -> None:
    y = pd.Series(np.linspace(0, 1, n)[::-1], index=[f"m{i}" for i in range(n)])
    split = osl.split_by_top_fraction(y, 0.1)
    assert split.n_test == expected and split.n_train == n - expected
    # The held-out models are the best by the target.
    assert y[split.test].min() > y[split.train].max()


def test_top_fraction_split_excludes_missing_targets() -> None:
    y = pd.Series([0.9, np.nan, 0.1, 0.5, 0.7, 0.3, 0.2, 0.4, 0.6, 0.8, 0.05])
    split = osl.split_by_top_fraction(y, 0.2)
    assert split.excluded[1] and split.reason[1] == "target missing"
    assert split.n_test == 2 and set(y.index[split.test]) == {0, 9}
    with pytest.raises(v.OSLInputError, match="fraction"):
        osl.split_by_top_fraction(y, 1.5)


def test_family_and_model_splits(gsm8k: pd.DataFrame) -> None:
    fam = osl.split_by_family(gsm8k, "Llama-2")  # one name given as a string
    assert set(gsm8k.loc[fam.test, "Model Family"]) == {"Llama-2"}
    assert fam.n_test == 3 and fam.n_excluded == 0
    models = osl.split_by_models(gsm8k, [LLAMA2_7B, MISTRAL])
    assert set(gsm8k.index[models.test]) == {LLAMA2_7B, MISTRAL}
    with pytest.raises(v.UnknownFamilyError, match="Llama-9"):
        osl.split_by_family(gsm8k, ["Llama-9"])
    with pytest.raises(v.UnknownModelError, match="nobody/none"):
        osl.split_by_models(gsm8k, ["nobody/none"])


def test_split_checks_its_masks() -> None:
    idx = pd.Index(["a", "b", "c"])
    t = pd.Series([True, False, False], index=idx)
    with pytest.raises(v.OSLInputError, match="overlap"):
        Split(t, t, ~t, "overlapping")
    with pytest.raises(v.LengthMismatchError):
        Split(t, pd.Series([False, True], index=["b", "c"]), ~t, "misaligned")
    ok = Split(t, ~t, pd.Series(False, index=idx), "fine")
    assert (ok.reason == "").all() and ok.reason.index.equals(idx)


# --------------------------------------------------------------------------- metrics


def test_metrics() -> None:
    assert osl.mse([0.0, 1.0], [0.0, 0.0]) == 0.5
    assert osl.mae([0.0, 1.0, 0.5], [0.0, 0.0, 1.0]) == pytest.approx(0.5)
    with pytest.raises(v.TargetRangeError, match="NaN"):
        osl.mse([0.0, math.nan], [0.0, 0.0])
    with pytest.raises(v.TargetRangeError, match="NaN"):
        osl.mae([0.0, 0.0], [0.0, math.nan])
    with pytest.raises(v.LengthMismatchError):
        osl.mse([0.0, 1.0], [0.0])


# --------------------------------------------------------------------------- scalar law


def test_scalar_law_recovers_a_planted_sigmoid() -> None:
    x = np.linspace(20.0, 25.0, 40)
    w, a, h = 1.3, -29.0, 0.9
    y = (1 - h) + h * sigmoid(w * x + a)  # Eq. 6 on accuracy: floor 1 − h
    law = ScalarSigmoidLaw().fit(x, y)
    assert law.coef_ == pytest.approx(w, rel=1e-4)
    assert law.intercept_ == pytest.approx(a, rel=1e-4)
    assert law.h_ == pytest.approx(h, abs=1e-5)
    np.testing.assert_allclose(law.predict(x), y, atol=1e-6)
    # A column vector is one predictor, not many.
    np.testing.assert_allclose(law.predict(x[:, None]), y, atol=1e-6)


def test_scalar_law_uses_the_shared_optimiser() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(20, 25, 30)
    y = np.clip(0.85 * sigmoid(x - 22.5) + 0.02 * rng.normal(size=30), 0, 1)
    law = ScalarSigmoidLaw(loss="huber", huber_delta=0.05).fit(x, y)
    z = (x - x.mean()) / x.std()
    ref = fit_sigmoid_law(z, y, link="h_sigmoid", loss="huber", huber_delta=0.05)
    expected = ref.h * sigmoid(ref.beta[0] * z + ref.alpha)
    np.testing.assert_allclose(law.predict(x), expected, atol=1e-10)


def test_scalar_law_bad_input() -> None:
    with pytest.raises(NotFittedError):
        ScalarSigmoidLaw().predict([1.0])
    with pytest.raises(v.DegenerateColumnError, match="constant"):
        ScalarSigmoidLaw().fit([22.0] * 5, [0.1, 0.2, 0.3, 0.4, 0.5])
    with pytest.raises(v.OSLInputError, match="missing"):
        ScalarSigmoidLaw().fit([20.0, np.nan, 22.0, 23.0], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(v.PercentScaleError):
        ScalarSigmoidLaw().fit([20.0, 21.0, 22.0, 23.0], [10.0, 20.0, 30.0, 40.0])
    with pytest.raises(v.NotEnoughModelsError):
        ScalarSigmoidLaw().fit([20.0, 21.0], [0.1, 0.2])
    x = pd.Series([20.0, 21.0, 22.0, 23.0], index=["a", "b", "c", "d"])
    y = pd.Series([0.1, 0.2, 0.5, 0.7], index=["a", "b", "c", "d"])
    with pytest.raises(v.IndexMismatchError):
        ScalarSigmoidLaw().fit(x, y[::-1])
    fitted = ScalarSigmoidLaw().fit(x, y)
    with pytest.raises(v.OSLInputError, match="missing"):
        fitted.predict([np.nan])


# --------------------------------------------------------------------------- comparisons


@pytest.fixture(scope="module")
def world_frame() -> pd.DataFrame:
    """A synthetic world in which two training and two test models lack FLOPs."""
    w = make_synthetic(n_families=8, models_per_family=6, seed=2)
    frame = w.frame.copy()
    cut = frame["log10_flops"].quantile(0.75)
    train_ids = frame.index[frame["log10_flops"] <= cut][:2]
    test_ids = frame.index[frame["log10_flops"] > cut][:2]
    frame.attrs["no_flops"] = {"train": list(train_ids), "test": list(test_ids)}
    frame.attrs["cut"] = float(cut)
    return frame


def test_comparison_has_one_test_set_and_reports_dropped(world_frame: pd.DataFrame) -> None:
    frame = world_frame.copy()
    lacking = frame.attrs["no_flops"]
    # Split before hiding FLOPs, so these models sit in train/test; then hide them.
    split = osl.split_by_flops(frame, 10 ** frame.attrs["cut"])
    frame.loc[lacking["train"] + lacking["test"], "log10_flops"] = np.nan
    frame.loc[lacking["train"][0], "log10_params"] = np.nan
    bench = [c for c in frame.columns if c.startswith("bench-")]
    comp = osl.compare_predictors(
        frame, "E", bench, split, predictors=(1, 3, "log_flops", "log_params", "mean_benchmark")
    )
    assert comp.table["n_test"].nunique() == 1 and comp.table["n_train"].nunique() == 1
    assert comp.table["n_test"].iloc[0] == split.n_test - 2
    assert comp.table["n_train"].iloc[0] == split.n_train - 2
    tested = comp.predictions[comp.predictions["split"] == "test"]
    assert tested.groupby("predictor")["Model"].apply(frozenset).nunique() == 1
    # Every model lacking an input is reported, with its arm and reason, and is in no arm.
    dropped = comp.dropped.set_index("Model")
    for arm, models in lacking.items():
        for m in models:
            assert dropped.loc[m, "split"] == arm
            assert "log_flops" in dropped.loc[m, "reason"]
            assert m not in set(comp.predictions["Model"])
    assert set(comp.fitted) == {"1 PC", "3 PCs", "log_flops", "log_params", "mean_benchmark"}


def test_comparison_drops_models_without_target_or_scores(world_frame: pd.DataFrame) -> None:
    frame = world_frame.copy()
    bench = [c for c in frame.columns if c.startswith("bench-")]
    no_target, no_scores = frame.index[0], frame.index[-1]
    frame.loc[no_target, "E"] = np.nan
    frame.loc[no_scores, bench] = np.nan
    split = osl.split_by_flops(frame, 10 ** frame.attrs["cut"])
    comp = osl.compare_predictors(frame, "E", bench, split, predictors=(2, "log_flops"))
    reasons = comp.dropped.set_index("Model")["reason"]
    assert reasons[no_target] == "target missing" and reasons[no_scores] == "no benchmark score"
    assert comp.table["n_test"].iloc[0] == split.n_test - 1


def test_comparison_bad_input(world_frame: pd.DataFrame) -> None:
    frame = world_frame
    bench = [c for c in frame.columns if c.startswith("bench-")]
    split = osl.split_by_flops(frame, 10 ** frame.attrs["cut"])
    with pytest.raises(v.OSLInputError, match="unknown predictor"):
        osl.compare_predictors(frame, "E", bench, split, predictors=(3, "log_tokens"))
    with pytest.raises(v.OSLInputError, match="int K"):
        osl.compare_predictors(frame, "E", bench, split, predictors=(True,))
    with pytest.raises(v.OSLInputError, match="more than once"):
        osl.compare_predictors(frame, "E", bench, split, predictors=(3, 3))
    with pytest.raises(v.OSLInputError, match="K must be"):
        osl.compare_predictors(frame, "E", bench, split, predictors=(99,))
    with pytest.raises(v.LengthMismatchError, match="split"):
        osl.compare_predictors(frame.iloc[1:], "E", bench, split, predictors=(3,))
    with pytest.raises(v.MissingColumnError, match="log10_params"):
        osl.compare_predictors(
            frame.drop(columns="log10_params"), "E", bench, split, predictors=("log_params",)
        )
    with pytest.raises(v.MissingColumnError, match="nope"):
        osl.compare_predictors(frame, "nope", bench, split, predictors=(3,))


def test_principal_capabilities_beat_compute_on_gsm8k_cot(gsm8k: pd.DataFrame) -> None:
    # Sec. 4.3 setup: post-training target GSM8K CoT, 7 benchmarks (GSM8K itself left
    # out), K = 3, h-sigmoid, Huber loss, train on models up to Llama-2-7B's compute.
    bench = [b for b in osl.BENCHMARKS if b != "GSM8K"]
    split = osl.split_by_flops(gsm8k, 8.4e22)
    comp = osl.compare_predictors(
        gsm8k, GSM8K_COT, bench, split, predictors=(3, "log_flops"),
        link="h_sigmoid", loss="huber", huber_delta=1.0,
    )  # fmt: skip
    table = comp.table.set_index("predictor")
    assert table["n_test"].nunique() == 1 and table["n_train"].nunique() == 1
    # Models without FLOPs (Mistral, Mixtral) or without the target are reported.
    assert MISTRAL in set(comp.dropped["Model"])
    assert set(comp.dropped["split"]) <= {"train", "test", "excluded"}
    # The paper's claim: the PC law predicts held-out stronger models better than compute.
    assert table.loc["3 PCs", "test_mse"] < table.loc["log_flops", "test_mse"]
    assert table.loc["3 PCs", "test_mse"] < 0.5 * table.loc["log_flops", "test_mse"]
