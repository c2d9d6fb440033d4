"""Model-subset selection (Sec. 5): the V-optimality criterion and the family searches."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from osl_helpers import selection as sel
from osl_helpers._validation import (
    DuplicateModelError,
    NotEnoughModelsError,
    OSLInputError,
    UnknownFamilyError,
)


def direct_v(S_all: np.ndarray, S_sub: np.ndarray, intercept: bool, ridge: float = 0.0) -> float:
    """Tr(S̃ᵀS̃ (S̃_MᵀS̃_M + ridge I)⁻¹) written out with np.linalg.inv."""
    if intercept:
        S_all = np.hstack([np.ones((len(S_all), 1)), S_all])
        S_sub = np.hstack([np.ones((len(S_sub), 1)), S_sub])
    gram = S_sub.T @ S_sub + ridge * np.eye(S_all.shape[1])
    return float(np.trace(S_all.T @ S_all @ np.linalg.inv(gram)))


def synthetic_frame(n_families: int, seed: int, k: int = 3) -> pd.DataFrame:
    """Families of 1–5 models with K random capability scores and a positive cost."""
    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_families):
        for j in range(int(rng.integers(1, 6))):
            pcs = {f"PC-{i + 1}": float(rng.normal(scale=3.0 - 0.7 * i)) for i in range(k)}
            rows.append(
                {"Model": f"fam{f}/m{j}", "Model Family": f"fam{f}", **pcs,
                 "cost": float(rng.uniform(0.5, 10.0))}
            )  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frame10() -> pd.DataFrame:
    return synthetic_frame(10, seed=3)


@pytest.fixture(scope="module")
def problem10(frame10: pd.DataFrame) -> sel.FamilySelectionProblem:
    return sel.FamilySelectionProblem.from_frame(frame10, cost_column="cost")


def scores_of(frame: pd.DataFrame, models: tuple[str, ...] | list[str]) -> np.ndarray:
    cols = ["PC-1", "PC-2", "PC-3"]
    return frame.set_index("Model").loc[list(models), cols].to_numpy()


# --------------------------------------------------------------------------- criterion


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("ridge", [0.0, 0.3])
def test_criterion_matches_direct_numpy(intercept: bool, ridge: float) -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        S = rng.normal(size=(30, 3)) * [3.0, 1.0, 0.5] + rng.normal(size=3)
        sub = S[rng.choice(30, size=int(rng.integers(6, 30)), replace=False)]
        got = sel.v_optimality(S, sub, intercept=intercept, ridge=ridge)
        assert got == pytest.approx(direct_v(S, sub, intercept, ridge), rel=1e-9)


def test_criterion_of_whole_pool_is_number_of_parameters() -> None:
    # Tr(G G⁻¹) = p: a check that does not reuse any implementation.
    S = np.random.default_rng(1).normal(size=(12, 3))
    assert sel.v_optimality(S, S) == pytest.approx(4.0)
    assert sel.v_optimality(S, S, intercept=False) == pytest.approx(3.0)


def test_batched_matches_single() -> None:
    rng = np.random.default_rng(2)
    S = rng.normal(size=(25, 3))
    masks = rng.random((40, 25)) < 0.4
    masks[0] = False  # empty subset
    masks[1, :] = False
    masks[1, :3] = True  # 3 models < 4 parameters
    batched = sel.v_optimality_batched(S, masks)
    single = [sel.v_optimality(S, S[m]) for m in masks]
    assert np.isinf(batched[0]) and np.isinf(batched[1])
    np.testing.assert_allclose(batched, single, rtol=1e-12)


def test_unidentifiable_subsets_are_inf_not_errors() -> None:
    rng = np.random.default_rng(3)
    S = rng.normal(size=(20, 3))
    assert sel.v_optimality(S, S[:0]) == math.inf
    for n in range(1, 4):  # fewer models than the 4 coefficients
        assert sel.v_optimality(S, S[:n]) == math.inf
    # Ten models on one line in score space: rank 2 with the intercept.
    t = rng.normal(size=(10, 1))
    line = np.hstack([t, 2 * t + 1, -t])
    assert sel.v_optimality(S, line) == math.inf
    # Without the intercept, 3 generic models suffice; a ridge makes anything finite.
    assert math.isfinite(sel.v_optimality(S, S[:3], intercept=False))
    assert math.isfinite(sel.v_optimality(S, S[:1], ridge=1e-3))


def test_many_rank_deficient_subsets_are_all_flagged() -> None:
    rng = np.random.default_rng(4)
    S = rng.normal(size=(50, 3)) * [10.0, 1.0, 0.1]
    masks = np.zeros((300, 50), dtype=bool)
    for row in masks:
        row[rng.choice(50, size=3, replace=False)] = True
    assert np.isinf(sel.v_optimality_batched(S, masks)).all()


def test_superset_never_has_larger_criterion() -> None:
    rng = np.random.default_rng(5)
    S = rng.normal(size=(40, 3))
    for _ in range(50):
        order = rng.permutation(40)
        small = int(rng.integers(0, 30))
        big = int(rng.integers(small, 41))
        v_small = sel.v_optimality(S, S[order[:small]])
        v_big = sel.v_optimality(S, S[order[:big]])
        assert v_big <= v_small * (1 + 1e-12)


def test_criterion_input_errors() -> None:
    S = np.zeros((5, 3))
    with pytest.raises(OSLInputError, match="score column"):
        sel.v_optimality(S, np.zeros((2, 2)))
    with pytest.raises(OSLInputError, match="NaN"):
        sel.v_optimality(np.full((5, 3), np.nan), S)
    with pytest.raises(OSLInputError, match="ridge"):
        sel.v_optimality(S, S, ridge=-1.0)
    with pytest.raises(OSLInputError, match="masks"):
        sel.v_optimality_batched(S, np.ones((2, 4), dtype=bool))


# --------------------------------------------------------------------------- problem


def test_problem_grams_sum_to_pool(problem10: sel.FamilySelectionProblem) -> None:
    total = problem10.base_gram + problem10.grams.sum(axis=0)
    np.testing.assert_allclose(total, problem10.target_gram)
    assert problem10.n_params == 4
    assert problem10.sizes.sum() == len(problem10.pool_models)


def test_evaluate_equals_criterion_on_models(
    frame10: pd.DataFrame, problem10: sel.FamilySelectionProblem
) -> None:
    res = problem10.evaluate(["fam1", "fam4", "fam7"])
    S_all = frame10[["PC-1", "PC-2", "PC-3"]].to_numpy()
    expected = direct_v(S_all, scores_of(frame10, res.models), intercept=True)
    assert res.criterion == pytest.approx(expected, rel=1e-9)
    assert res.n_models == frame10["Model Family"].isin(["fam1", "fam4", "fam7"]).sum()


def test_unknown_family_raises(
    frame10: pd.DataFrame, problem10: sel.FamilySelectionProblem
) -> None:
    with pytest.raises(UnknownFamilyError, match="Llama-9"):
        sel.FamilySelectionProblem.from_frame(frame10, include_families=["Llama-9"])
    with pytest.raises(UnknownFamilyError, match="nope"):
        sel.FamilySelectionProblem.from_frame(frame10, exclude_families="nope")
    with pytest.raises(UnknownFamilyError):
        problem10.evaluate(["fam0", "nope"])
    with pytest.raises(KeyError):  # also a KeyError, for dict-style callers
        problem10.evaluate(["nope"])


def test_problem_input_errors(frame10: pd.DataFrame) -> None:
    with pytest.raises(OSLInputError, match="missing column"):
        sel.FamilySelectionProblem.from_frame(frame10.drop(columns="Model Family"))
    with pytest.raises(OSLInputError, match="unknown model"):
        sel.FamilySelectionProblem.from_frame(frame10, include_models=["no/such-model"])
    with pytest.raises(OSLInputError, match="both forced in and excluded"):
        sel.FamilySelectionProblem.from_frame(
            frame10, include_families="fam0", exclude_families="fam0"
        )
    nan = frame10.copy()
    nan.loc[0, "PC-2"] = np.nan
    with pytest.raises(OSLInputError, match="NaN"):
        sel.FamilySelectionProblem.from_frame(nan)
    with pytest.raises(DuplicateModelError):
        sel.FamilySelectionProblem.from_frame(pd.concat([frame10, frame10.head(1)]))
    with pytest.raises(NotEnoughModelsError):
        sel.FamilySelectionProblem.from_frame(frame10.head(3))
    with pytest.raises(OSLInputError, match="PC-k"):
        sel.FamilySelectionProblem.from_frame(frame10.rename(columns=lambda c: c.lower()))


# --------------------------------------------------------------------------- searches


def brute_force(
    frame: pd.DataFrame, budget: float, kind: str, forced: tuple[str, ...] = ()
) -> float:
    """Minimum criterion over every family combination, via v_optimality only."""
    S_all = frame[["PC-1", "PC-2", "PC-3"]].to_numpy()
    fams = [f for f in frame["Model Family"].unique() if f not in forced]
    best = math.inf
    for r in range(len(fams) + 1):
        for combo in itertools.combinations(fams, r):
            rows = frame[frame["Model Family"].isin([*combo, *forced])]
            spent = len(rows) if kind == "models" else rows["cost"].sum()
            if spent <= budget + 1e-9:
                best = min(best, sel.v_optimality(S_all, rows[["PC-1", "PC-2", "PC-3"]]))
    return best


@pytest.mark.parametrize("kind", ["models", "cost"])
def test_exact_equals_loop_and_brute_force(
    frame10: pd.DataFrame, problem10: sel.FamilySelectionProblem, kind: str
) -> None:
    budgets = [4, 6, 9, 14, 20] if kind == "models" else [8.0, 15.0, 30.0, 60.0]
    fast = sel.exact_search_all_budgets(problem10, budgets, kind)  # type: ignore[arg-type]
    loop = sel.exact_search_loop_all_budgets(problem10, budgets, kind)  # type: ignore[arg-type]
    for b in budgets:
        assert fast[b].families == loop[b].families
        assert fast[b].criterion == pytest.approx(loop[b].criterion, rel=1e-9)
        assert fast[b].criterion == pytest.approx(brute_force(frame10, b, kind), rel=1e-9)


def test_chunking_does_not_change_the_optimum(problem10: sel.FamilySelectionProblem) -> None:
    budgets = range(4, 30)
    a = sel.exact_search_all_budgets(problem10, budgets, chunk_bits=14)
    b = sel.exact_search_all_budgets(problem10, budgets, chunk_bits=3)
    for k in budgets:  # Grams are summed in another order, so compare to rounding
        assert (a[k].families, a[k].n_models) == (b[k].families, b[k].n_models)
        assert a[k].criterion == pytest.approx(b[k].criterion, rel=1e-12)


def test_single_budget_agrees_with_all_budgets(problem10: sel.FamilySelectionProblem) -> None:
    many = sel.exact_search_all_budgets(problem10, [5, 11, 17])
    for b in (5, 11, 17):
        one = sel.exact_search(problem10, b)
        assert (one.families, one.models) == (many[b].families, many[b].models)
        assert sel.exact_search_loop(problem10, b).families == many[b].families


def test_budget_is_respected_and_criterion_falls(problem10: sel.FamilySelectionProblem) -> None:
    res = sel.exact_search_all_budgets(problem10, range(4, 32))
    crits = [res[b].criterion for b in range(4, 32)]
    for b in range(4, 32):
        assert res[b].n_models <= b
        assert len(res[b].models) == res[b].n_models
    assert all(x >= y for x, y in itertools.pairwise(crits))  # more budget never hurts
    for limit in (10.0, 25.0):
        r = sel.exact_search(problem10, limit, "cost")
        assert r.cost <= limit + 1e-9


def test_too_small_budget_gives_inf_and_forced_part_only(
    problem10: sel.FamilySelectionProblem,
) -> None:
    res = sel.exact_search(problem10, 3)  # 3 models cannot identify 4 coefficients
    assert res.criterion == math.inf
    assert res.families == () and res.n_models == 0
    assert sel.exact_search_loop(problem10, 3).criterion == math.inf


def test_forced_in_and_out_are_respected(frame10: pd.DataFrame) -> None:
    fams = frame10["Model Family"]
    single = frame10.loc[fams == "fam2", "Model"].iloc[0]
    dropped = frame10.loc[fams == "fam5", "Model"].iloc[0]
    pb = sel.FamilySelectionProblem.from_frame(
        frame10,
        include_families=["fam0"],
        exclude_families=["fam3", "fam6"],
        include_models=[single],
        exclude_models=[dropped],
    )
    assert "fam0" not in pb.families and "fam3" not in pb.families
    # Exclusion restricts evaluation only: the target is still the whole pool.
    full = sel.FamilySelectionProblem.from_frame(frame10)
    np.testing.assert_allclose(pb.target_gram, full.target_gram)
    n_forced = int((fams == "fam0").sum()) + 1
    assert pb.base_size == n_forced
    for b in (n_forced, n_forced + 4, n_forced + 10, 40):
        fast = sel.exact_search(pb, b)
        assert fast.families == sel.exact_search_loop(pb, b).families
        for res in (fast, sel.greedy_search(pb, b), *sel.random_subsets(pb, b, 5, seed=0)):
            assert "fam0" in res.families
            assert single in res.models
            assert not {"fam3", "fam6"} & set(res.families)
            assert not set(res.models) & set(frame10.loc[fams.isin(["fam3", "fam6"]), "Model"])
            assert dropped not in res.models
            assert res.n_models <= b
            if "fam2" not in res.families:  # the forced model came alone
                assert set(res.models) & set(frame10.loc[fams == "fam2", "Model"]) == {single}
    with pytest.raises(OSLInputError, match="forced-in part"):
        sel.exact_search(pb, n_forced - 1)


def test_greedy_never_beats_exact(problem10: sel.FamilySelectionProblem) -> None:
    for b in range(4, 30, 3):
        greedy = sel.greedy_search(problem10, b)
        assert greedy.n_models <= b
        assert greedy.criterion >= sel.exact_search(problem10, b).criterion * (1 - 1e-12)


def test_greedy_handles_all_inf_start() -> None:
    # One model per family: the first three additions are all unidentifiable.
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(rng.normal(size=(9, 3)), columns=["PC-1", "PC-2", "PC-3"])
    frame.insert(0, "Model Family", [f"solo{i}" for i in range(9)])
    frame.insert(0, "Model", [f"solo{i}/m" for i in range(9)])
    pb = sel.FamilySelectionProblem.from_frame(frame)
    for b in (4, 6):
        greedy = sel.greedy_search(pb, b)
        assert greedy.n_models == b
        assert math.isfinite(greedy.criterion)
        assert greedy.criterion >= sel.exact_search(pb, b).criterion * (1 - 1e-12)


def test_random_subsets_seeded_and_maximal(problem10: sel.FamilySelectionProblem) -> None:
    a = sel.random_subsets(problem10, 15, 20, seed=7)
    b = sel.random_subsets(problem10, 15, 20, seed=7)
    c = sel.random_subsets(problem10, 15, 20, seed=8)
    assert a == b
    assert [r.families for r in a] != [r.families for r in c]
    sizes = dict(zip(problem10.families, problem10.sizes.tolist(), strict=True))
    for r in a:
        assert r.n_models <= 15
        assert all(r.n_models + sizes[f] > 15 for f in problem10.families if f not in r.families)
        assert r.criterion == pytest.approx(problem10.evaluate(r.families).criterion)
    best = sel.exact_search(problem10, 15).criterion
    assert min(r.criterion for r in a) >= best * (1 - 1e-12)


def test_search_input_errors(problem10: sel.FamilySelectionProblem) -> None:
    with pytest.raises(OSLInputError, match="budget_kind"):
        sel.exact_search(problem10, 10, "flops")  # type: ignore[arg-type]
    with pytest.raises(OSLInputError, match="budget"):
        sel.greedy_search(problem10, -1)
    with pytest.raises(OSLInputError, match="n_draws"):
        sel.random_subsets(problem10, 10, -2, seed=0)


def test_selection_frame(problem10: sel.FamilySelectionProblem) -> None:
    res = sel.exact_search_all_budgets(problem10, [6, 12])
    table = sel.selection_frame(res)
    assert list(table["budget"]) == [6, 12]
    assert list(table["n_models"]) == [res[6].n_models, res[12].n_models]


def test_real_pool_exact_search(paper_models: pd.DataFrame) -> None:
    """The paper's 77-model pool: exact ≤ greedy, budgets respected, loop agrees on a sub-pool."""
    frame = paper_models[["Model", "Model Family", "PC-1", "PC-2", "PC-3"]]
    problem = sel.FamilySelectionProblem.from_frame(frame)
    assert len(problem.families) == 21
    res = sel.exact_search_all_budgets(problem, [8, 16, 32])
    for b, r in res.items():
        assert r.n_models <= b and math.isfinite(r.criterion)
        assert sel.greedy_search(problem, b).criterion >= r.criterion * (1 - 1e-12)
    small = frame[frame["Model Family"].isin(problem.families[:9])]
    sub = sel.FamilySelectionProblem.from_frame(small)
    for b in (6, 12):
        assert sel.exact_search(sub, b).families == sel.exact_search_loop(sub, b).families


# --------------------------------------------------------------------------- family cap


def brute_force_capped(
    frame: pd.DataFrame, budget: float, cap: int, forced: tuple[str, ...]
) -> float:
    """Minimum criterion (no intercept) over combinations of at most ``cap`` families."""
    cols = ["PC-1", "PC-2", "PC-3"]
    S_all = frame[cols].to_numpy()
    fams = [f for f in frame["Model Family"].unique() if f not in forced]
    best = math.inf
    for r in range(cap - len(forced) + 1):
        for combo in itertools.combinations(fams, r):
            rows = frame[frame["Model Family"].isin([*combo, *forced])]
            if len(rows) <= budget:
                best = min(best, sel.v_optimality(S_all, rows[cols], intercept=False))
    return best


@pytest.mark.parametrize("cap", [2, 3, 5])
def test_family_cap_matches_brute_force_and_loop(frame10: pd.DataFrame, cap: int) -> None:
    problem = sel.FamilySelectionProblem.from_frame(
        frame10, include_families="fam0", intercept=False
    )
    budgets = [5, 9, 14, 25]
    fast = sel.exact_search_all_budgets(problem, budgets, max_families=cap, chunk_bits=4)
    loop = sel.exact_search_loop_all_budgets(problem, budgets, max_families=cap)
    for b in budgets:
        assert len(fast[b].families) <= cap
        assert "fam0" in fast[b].families
        assert fast[b].families == loop[b].families
        want = brute_force_capped(frame10, b, cap, ("fam0",))
        assert fast[b].criterion == pytest.approx(want, rel=1e-9)
        greedy = sel.greedy_search(problem, b, max_families=cap)
        assert len(greedy.families) <= cap
        assert greedy.criterion >= fast[b].criterion * (1 - 1e-12)


def test_family_cap_binds(problem10: sel.FamilySelectionProblem) -> None:
    free = sel.exact_search(problem10, 40)
    assert len(free.families) > 2
    capped = sel.exact_search(problem10, 40, max_families=2)
    assert len(capped.families) <= 2
    assert capped.criterion > free.criterion


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_family_cap_must_be_a_positive_integer(
    problem10: sel.FamilySelectionProblem, bad: object
) -> None:
    with pytest.raises(OSLInputError, match="max_families"):
        sel.exact_search(problem10, 10, max_families=bad)  # type: ignore[arg-type]


def test_family_cap_below_forced_families_is_an_error(frame10: pd.DataFrame) -> None:
    problem = sel.FamilySelectionProblem.from_frame(frame10, include_families=["fam0", "fam1"])
    with pytest.raises(OSLInputError, match="forced-in"):
        sel.exact_search(problem, 20, max_families=1)
    with pytest.raises(OSLInputError, match="forced-in"):
        sel.greedy_search(problem, 20, max_families=1)
