"""Paper Sec. 5 (model-subset selection): what reproduces and what does not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.chapters import selection as sel


@pytest.fixture(scope="module")
def study() -> sel.SubsetStudy:
    return sel.subset_curves(n_random=10, seed=0)


def test_pool_is_the_training_models_below_the_cutoff(study) -> None:
    task = osl.load_task("gsm8k_naive")
    assert set(study.pool["Model"]) == set(task.frame.loc[task.train, "Model"])


def test_error_flattens_early(study) -> None:
    # Paper Sec. 5: curves flatten from about 8 models. Ours: within 3x of the all-model
    # error from at most 12 models on.
    budget = sel.matching_budget(study.curves, study.all_models, factor=3.0)
    assert budget is not None and budget <= 12


def test_twelve_models_do_not_recover_the_all_model_accuracy(study) -> None:
    # Paper Sec. 5: about 12 models recover the all-model accuracy. Not on these tables:
    # staying within 1.5x of it takes far more models (the chapter says so and why).
    budget = sel.matching_budget(study.curves, study.all_models, factor=1.5)
    assert budget is not None and budget > 12
    assert sel.value_at(study.curves, "V-optimal (exact)", 12) > 1.5 * study.all_models


def test_choosing_matters_most_at_the_smallest_budget(study) -> None:
    rand = sel.band(study.curves, "random").set_index("budget")
    advantage = {
        b: rand.loc[b, "median"] / sel.value_at(study.curves, "V-optimal (exact)", b)
        for b in range(4, 13)
    }
    # "Its clearest advantage is at the smallest budget, 4 models" (an order of magnitude).
    assert max(advantage, key=advantage.get) == 4 and advantage[4] > 10


def test_exact_and_loop_agree_on_the_pool(study) -> None:
    problem = osl.selection.FamilySelectionProblem.from_frame(study.pool, ["PC-1", "PC-2", "PC-3"])
    timing = sel.time_searches(problem, [4, 8, 16, 32], repeats=1)
    assert timing["same_optimum"] == 1.0


# --------------------------------------------------------------------------- authors' picks
# Paper Sec. 5 / Table 1 and the authors' released selection guide: recommended family
# subsets for budgets 4–36, from all 77 models and from those of at most 7B parameters.


@pytest.fixture(scope="module", params=["all", "max_7b"])
def authors(request: pytest.FixtureRequest) -> tuple[str, pd.DataFrame]:
    return request.param, sel.compare_with_authors(request.param)


def test_recommendation_pools() -> None:
    full = sel.recommendation_pool("all")
    small = sel.recommendation_pool("max_7b")
    assert (len(full), full["Model Family"].nunique()) == (77, 21)
    assert len(small) == 45 and (small["Model Size (B)"] <= 7).all()


def test_authors_picks_reproduce_with_their_settings(authors) -> None:
    _, table = authors
    # Exact match of the chosen families at every budget of both pools; tolerance: none.
    assert table["same"].all(), table.loc[~table["same"], "budget"].tolist()
    assert table["gap"].abs().max() < 1e-12


def test_authors_criterion_values_reproduce(authors) -> None:
    _, table = authors
    # The guide prints V to two decimals: exact to that precision, every value.
    dev = (table["reproduced_V"] - table["authors_V"]).abs()
    assert dev.max() <= 0.005 + 1e-9
    assert np.allclose(table["reproduced_V"].round(2), table["authors_V"], rtol=0, atol=1e-9)
    assert (table["reproduced_V"] <= table["authors_V_here"] * (1 + 1e-12)).all()


def test_our_default_criterion_picks_differently() -> None:
    table = sel.compare_with_authors("all")
    # With the intercept (and no family cap) most budgets get another subset.
    assert (table["authors"] != table["default"]).sum() >= 5
    assert (table["default_n_models"] <= table["budget"]).all()
    # The ten-family cap does not bind for the default picks: the intercept is the difference.
    assert table["default"].str.split(", ").str.len().max() <= sel.AUTHORS_SETTINGS.max_families


def test_authors_criterion_on_the_gsm8k_test(study) -> None:
    # Not in the paper: the authors' settings (no intercept, <= 10 families) against the
    # criterion with the intercept on the same held-out test. Measured: better (geometric
    # mean of the error ratio about 0.8, more budgets with the lower error than the higher).
    curves = study.curves
    ours = curves[curves["method"] == "V-optimal (exact)"].set_index("budget")["gmean_mse"]
    theirs = curves[curves["method"] == sel.AUTHORS_CRITERION].set_index("budget")["gmean_mse"]
    ratio = theirs / ours
    assert float(np.exp(np.log(ratio).mean())) < 0.9
    assert (ratio < 1).sum() > (ratio > 1).sum()
    m_theirs = sel.matching_budget(curves, study.all_models, sel.AUTHORS_CRITERION, 1.5)
    m_ours = sel.matching_budget(curves, study.all_models, factor=1.5)
    assert m_theirs is not None and m_ours is not None and m_theirs < m_ours
    # ... but twelve models still do not recover the all-model accuracy.
    assert sel.value_at(curves, sel.AUTHORS_CRITERION, 12) > 1.5 * study.all_models


def test_published_picks_hold_the_published_number_of_models() -> None:
    # Checks the transcription and that our pools are the authors': each published family
    # set holds, in our pool, exactly the number of models the authors list for it.
    for pool in sel.POOLS:
        frame = sel.recommendation_pool(pool)  # type: ignore[arg-type]
        for pick in sel.AUTHORS_RECOMMENDED[pool].values():
            assert frame["Model Family"].isin(pick.families).sum() == pick.n_models
