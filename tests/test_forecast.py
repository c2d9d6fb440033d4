"""``osl_helpers.forecast`` and ``python -m osl_helpers forecast``: forecasts of your own scores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import _validation as v
from osl_helpers.forecast import OUTPUT_COLUMNS, forecast_scores

COT = osl.PAPER_SETUPS["gsm8k_cot"]
NEW = {
    "Model": "my-org/new-70b", "MMLU": 0.78, "ARC-C": 0.64, "HellaSwag": 0.86, "Winograd": 0.83,
    "TruthfulQA": 0.5, "XWinograd": 0.8, "HumanEval": 0.4,
}  # fmt: skip


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    """GSM8K-CoT of the paper's models, the largest left blank, plus one model of our own."""
    post = osl.load_post_training()
    base = osl.load_base_benchmarks("paper").set_index("Model")
    rows = post[post["Model"].isin(base.index)].dropna(subset=[COT.column])
    rows = rows[["Model", COT.column]].rename(columns={COT.column: "cot"})
    big = rows["Model"].map(base["log10_flops"]) > 23.6
    rows.loc[big, "cot"] = np.nan
    return pd.concat([rows, pd.DataFrame([NEW])], ignore_index=True)


@pytest.fixture(scope="module")
def result(scores: pd.DataFrame) -> pd.DataFrame:
    return forecast_scores(scores, "cot", level=0.9)


def test_one_row_per_model_to_forecast(scores: pd.DataFrame, result: pd.DataFrame) -> None:
    assert list(result.columns) == OUTPUT_COLUMNS
    assert list(result["Model"]) == scores.loc[scores["cot"].isna(), "Model"].tolist()
    assert (
        (result["lower"] <= result["prediction"]) & (result["prediction"] <= result["upper"])
    ).all()
    assert ((result["lower"] >= 0) & (result["upper"] <= 1)).all()
    assert (result["level"] == 0.9).all() and result["observed"].isna().all()
    # The model of our own, not in the book's table, is forecast from its own scores.
    mine = result.set_index("Model").loc[NEW["Model"]]
    assert 0 < mine["prediction"] < 1 and np.isnan(mine["log10_flops"])


def test_wider_level_gives_wider_intervals(scores: pd.DataFrame, result: pd.DataFrame) -> None:
    narrow = forecast_scores(scores, "cot", level=0.5)
    np.testing.assert_allclose(narrow["prediction"], result["prediction"])
    assert (
        (narrow["upper"] - narrow["lower"]) <= (result["upper"] - result["lower"]) + 1e-12
    ).all()


def test_missing_benchmarks_of_table_models_come_from_the_table(
    scores: pd.DataFrame, result: pd.DataFrame
) -> None:
    base = osl.load_base_benchmarks("all").set_index("Model")
    known = scores["Model"].isin(base.index)
    filled = scores.copy()
    filled.loc[known, "MMLU"] = base.loc[filled.loc[known, "Model"], "MMLU"].to_numpy()
    again = forecast_scores(filled, "cot", level=0.9)
    np.testing.assert_allclose(again["prediction"], result["prediction"])
    # Your own score wins over the table's.
    target = result["Model"].iloc[0]
    changed = filled.assign(MMLU=filled["MMLU"].where(filled["Model"] != target, 0.3))
    moved = forecast_scores(changed, "cot", level=0.9)
    assert moved["prediction"].iloc[0] != pytest.approx(result["prediction"].iloc[0])


def test_cutoff_forecasts_the_larger_scored_models_with_their_truth(scores: pd.DataFrame) -> None:
    out = forecast_scores(scores, "cot", level=0.9, cutoff=osl.evaluation.LLAMA2_7B_FLOPS)
    checked = out.dropna(subset=["observed"])
    assert len(checked) > 10
    assert (checked["horizon"] >= 0).all()
    named = forecast_scores(scores, "cot", level=0.9, cutoff="meta-llama/Llama-2-7b-hf")
    pd.testing.assert_frame_equal(named, out)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda f: f.assign(cot=f["cot"] * 100), v.PercentScaleError, "percentages"),
        (lambda f: f.assign(cot=f["cot"] - 0.5), v.TargetRangeError, r"\[0, 1\]"),
        (lambda f: f.assign(cot=f["cot"].astype(str)), v.NonNumericError, "not numeric"),
        (lambda f: f.assign(MMLU=f["MMLU"] * 100), v.PercentScaleError, "percentages"),
        (lambda f: f.rename(columns={"ARC-C": "ARC"}), v.UnknownColumnError, "'ARC-C'"),
        (lambda f: f.drop(columns="Model"), v.MissingColumnError, "Model"),
        (lambda f: pd.concat([f, f.iloc[:1]]), v.DuplicateModelError, "more than once"),
        (
            lambda f: f.assign(Model=f["Model"].replace({"my-org/new-70b": "meta-llama/Llama-2-7b"}))
            .drop(columns=["MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "XWinograd",
                           "HumanEval"]),
            v.UnknownModelError,
            "Llama-2-7b-hf",
        ),
        (lambda f: f.assign(cot=f["cot"].where(f.index < 6)), v.NotEnoughModelsError, "at least"),
        (lambda f: f.dropna(subset=["cot"]), v.OSLInputError, "nothing to forecast"),
    ],
    ids=[
        "percent-target", "negative-target", "text-target", "percent-benchmark",
        "unknown-column", "no-model-column", "duplicate", "unknown-model", "too-few", "nothing",
    ],
)  # fmt: skip
def test_bad_input_gets_a_named_error(scores: pd.DataFrame, change, error, match) -> None:
    with pytest.raises(error, match=match):
        forecast_scores(change(scores), "cot")


def test_bad_level_cutoff_and_target(scores: pd.DataFrame) -> None:
    frame = pd.DataFrame({"Model": ["a"], "cot": [0.5]})
    with pytest.raises(v.OSLInputError, match="level"):
        forecast_scores(frame, "cot", level=90)
    with pytest.raises(v.OSLInputError, match="log10 value"):
        forecast_scores(scores, "cot", cutoff=22.9)
    with pytest.raises(v.UnknownModelError, match="Llama-2-7b-hf"):
        forecast_scores(scores, "cot", cutoff="meta-llama/Llama-2-7b")
    with pytest.raises(v.OSLInputError, match="no model name"):
        forecast_scores(scores.assign(Model=scores["Model"].where(scores.index > 0)), "cot")
    with pytest.raises(v.MissingColumnError, match="score"):
        forecast_scores(frame, "score")


# --------------------------------------------------------------------------- the command


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "osl_helpers", *args],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )  # fmt: skip


def test_command_end_to_end(scores: pd.DataFrame, tmp_path: Path) -> None:
    path, out = tmp_path / "scores.csv", tmp_path / "forecast.csv"
    scores.to_csv(path, index=False)
    done = _run("forecast", str(path), "--target", "cot", "--level", "0.8", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert NEW["Model"] in done.stdout and "80%" in done.stdout
    written = pd.read_csv(out)
    assert list(written.columns) == OUTPUT_COLUMNS
    assert len(written) == int(scores["cot"].isna().sum())
    expected = forecast_scores(scores, "cot", level=0.8)
    np.testing.assert_allclose(written["upper"], expected["upper"])


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda f: f.assign(cot=f["cot"] * 100), "PercentScaleError"),
        (lambda f: f.rename(columns={"HellaSwag": "Hellaswag"}), "UnknownColumnError"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "DuplicateModelError"),
    ],
)
def test_command_reports_bad_input_in_one_line(
    scores: pd.DataFrame, tmp_path: Path, make, error: str
) -> None:
    path = tmp_path / "scores.csv"
    make(scores).to_csv(path, index=False)
    done = _run("forecast", str(path), "--target", "cot")
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {error}: ")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_command_help_and_missing_file(tmp_path: Path) -> None:
    helped = _run("forecast", "--help")
    assert helped.returncode == 0 and "example:" in helped.stdout and "--target" in helped.stdout
    top = _run("--help")
    assert "fetch" in top.stdout and "forecast" in top.stdout
    gone = _run("forecast", str(tmp_path / "nope.csv"), "--target", "cot")
    assert gone.returncode == 2 and "no such file" in gone.stderr


def test_fetch_stays_the_default_command() -> None:
    for args in ((), ("fetch",)):
        done = _run(*args)
        assert done.returncode == 0, done.stderr
        assert "tables verified" in done.stdout


def test_importing_the_package_does_not_import_altair() -> None:
    code = (
        "import sys, osl_helpers as osl\n"
        "assert 'altair' not in sys.modules\n"
        "osl.charts.reliability_chart\n"
        "assert 'altair' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
