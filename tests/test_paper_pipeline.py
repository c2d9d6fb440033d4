"""Claims of the chapter "pipeline": the tables and the models the book works with (Sec. 3.1)."""

from __future__ import annotations

import osl_helpers as osl
from osl_helpers import data
from osl_helpers.chapters import pipeline


def test_the_paper_has_77_models_of_21_families_and_20_came_later() -> None:
    nums = pipeline.size_numbers(osl.data.subset_summary())
    assert nums == {"n_paper": 77, "n_paper_families": 21, "n_prereg": 20, "n_all": 148}


def test_paper_subset_has_the_21_families() -> None:
    fams = set(osl.load_base_benchmarks("paper")["Model Family"])
    assert fams == set(data.PAPER_FAMILIES)


def test_the_compute_chart_shows_75_models_of_19_families() -> None:
    nums = pipeline.chart_numbers(osl.load_base_benchmarks("paper"))
    assert nums["chart_n_models"] == 75
    assert nums["chart_n_families"] == 19
    assert nums["chart_missing_families"] == "Mistral, Mixtral"


def test_nine_pinned_tables() -> None:
    assert len(osl.data.registry()) == 9
