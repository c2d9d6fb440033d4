"""Unit tests of the chapter "pipeline" helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from osl_helpers._validation import MissingColumnError
from osl_helpers.chapters import pipeline


def test_size_numbers_read_the_subset_summary() -> None:
    sizes = pd.DataFrame(
        {"models": [10, 3, 4, 17], "families": [2, 1, 2, 5]},
        index=["paper", "preregistered", "extended", "all"],
    )
    assert pipeline.size_numbers(sizes) == {
        "n_paper": 10, "n_paper_families": 2, "n_prereg": 3, "n_all": 17,
    }  # fmt: skip
    with pytest.raises(MissingColumnError):
        pipeline.size_numbers(sizes.drop(columns="families"))


def test_with_model_kind_keeps_models_with_compute() -> None:
    frame = pd.DataFrame({"log10_flops": [22.0, None, 23.0], "is_code_model": [True, False, False]})
    out = pipeline.with_model_kind(frame)
    assert list(out["kind"]) == ["code model", "general model"]


def test_chart_numbers_count_what_the_compute_chart_leaves_out() -> None:
    frame = pd.DataFrame(
        {
            "log10_flops": [22.0, None, 23.0, None, None],
            "Model Family": ["A", "A", "B", "C", "D"],
        }
    )
    assert pipeline.chart_numbers(frame) == {
        "chart_n_models": 2, "chart_n_all": 5, "chart_n_dropped": 3,
        "chart_n_families": 2, "chart_n_all_families": 4, "chart_missing_families": "C, D",
    }  # fmt: skip
    assert pipeline.chart_numbers(frame.dropna())["chart_missing_families"] == "none"
    with pytest.raises(MissingColumnError):
        pipeline.chart_numbers(frame.drop(columns="log10_flops"))
