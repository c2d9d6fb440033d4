"""osl_helpers.chapters.lowrank and its chart builders: angles, shares, nulls, imputation checks."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import osl_helpers as osl
from osl_helpers._validation import ColumnMismatchError, NotEnoughModelsError, OSLInputError
from osl_helpers.chapters import lowrank as lr
from osl_helpers.charts import lowrank as lrc

COLS = [f"b{i}" for i in range(6)]


def _frame(g: np.ndarray, cols: list[str] = COLS) -> pd.DataFrame:
    return pd.DataFrame(g, index=[f"PC-{i + 1}" for i in range(len(g))], columns=cols)


def _low_rank(seed: int, n: int = 60, t: int = 6, k: int = 2, noise: float = 0.005) -> pd.DataFrame:
    """Scores μ + S γ + noise in (0, 1), exactly rank k when noise = 0."""
    rng = np.random.default_rng(seed)
    gamma = np.linalg.qr(rng.normal(size=(t, k)))[0].T  # drawn first: same γ for any n
    S = rng.normal(size=(n, k))
    X = 0.5 + 0.06 * S @ gamma + noise * rng.normal(size=(n, t))
    return pd.DataFrame(np.clip(X, 0.01, 0.99), index=[f"m{i}" for i in range(n)], columns=COLS[:t])


@pytest.fixture(scope="module")
def paper() -> pd.DataFrame:
    return osl.load_base_benchmarks("paper").set_index("Model")


@pytest.fixture(scope="module")
def B(paper: pd.DataFrame) -> pd.DataFrame:
    return paper[osl.BENCHMARKS]


# --------------------------------------------------------------------------- angles


def test_known_angle_between_lines() -> None:
    t = np.radians(30.0)
    a = _frame(np.array([[1.0, 0, 0, 0, 0, 0]]))
    b = _frame(np.array([[np.cos(t), np.sin(t), 0, 0, 0, 0]]))
    np.testing.assert_allclose(lr.principal_angles(a, b), [30.0], atol=1e-10)
    np.testing.assert_allclose(lr.component_angles(a, b), [30.0], atol=1e-10)


def test_orthogonal_and_nested_subspaces() -> None:
    e = np.eye(6)
    np.testing.assert_allclose(lr.principal_angles(_frame(e[:2]), _frame(e[2:4])), [90, 90])
    # A line inside a plane: one angle, zero.
    np.testing.assert_allclose(lr.principal_angles(_frame(e[:1]), _frame(e[:2])), [0], atol=1e-7)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 4))
def test_angles_ignore_basis_signs_and_order(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    g = np.linalg.qr(rng.normal(size=(6, k)))[0].T
    mix = np.linalg.qr(rng.normal(size=(k, k)))[0]  # any rotation of the basis
    other = np.linalg.qr(rng.normal(size=(6, k)))[0].T
    angles = lr.principal_angles(g, other)
    np.testing.assert_allclose(lr.principal_angles(mix @ g, other), angles, atol=1e-4)
    np.testing.assert_allclose(lr.principal_angles(other, g), angles, atol=1e-4)
    np.testing.assert_allclose(lr.principal_angles(g, -g[::-1]), np.zeros(k), atol=1e-5)
    assert np.all(np.diff(angles) >= -1e-9)
    assert np.all((angles >= 0) & (angles <= 90 + 1e-9))


def test_component_angles_are_sign_free_but_order_aware() -> None:
    e = np.eye(6)
    np.testing.assert_allclose(lr.component_angles(_frame(e[:2]), _frame(-e[:2])), [0, 0])
    np.testing.assert_allclose(lr.component_angles(_frame(e[:2]), _frame(e[1::-1])), [90, 90])
    with pytest.raises(OSLInputError, match="numbers of components"):
        lr.component_angles(_frame(e[:2]), _frame(e[:3]))


def test_angle_inputs_are_checked() -> None:
    e = np.eye(6)
    with pytest.raises(ColumnMismatchError, match="benchmarks differ"):
        lr.principal_angles(_frame(e[:2]), _frame(e[:2], cols=list("abcdef")))
    with pytest.raises(ColumnMismatchError, match="different spaces"):
        lr.principal_angles(e[:2], np.eye(5)[:2])
    with pytest.raises(OSLInputError, match="linearly dependent"):
        lr.principal_angles(np.vstack([e[0], 2 * e[0]]), e[:2])
    with pytest.raises(OSLInputError, match="not fitted"):
        lr.principal_angles(osl.CapabilityPCA(), e[:2])
    with pytest.raises(OSLInputError, match="2-D"):
        lr.principal_angles(e[0], e[:2])


def test_fitted_pca_is_accepted(B: pd.DataFrame) -> None:
    pca = osl.CapabilityPCA(3).fit(B)
    np.testing.assert_allclose(lr.principal_angles(pca, pca.components_), 0, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_coordinates_satisfy_pythagoras(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ref = np.linalg.qr(rng.normal(size=(6, 3)))[0].T
    other = np.linalg.qr(rng.normal(size=(6, 2)))[0].T
    coords = lr.subspace_coordinates(ref, other)
    assert list(coords.columns) == ["PC-1", "PC-2", "PC-3", "outside"]
    total = (coords[["PC-1", "PC-2", "PC-3"]] ** 2).sum(axis=1) + coords["outside"] ** 2
    np.testing.assert_allclose(total, 1.0, atol=1e-10)
    # "outside" is the sine of the angle between each component and the reference subspace.
    for k in range(2):
        angle = lr.principal_angles(ref, other[k : k + 1])[0]
        assert coords["outside"].iloc[k] == pytest.approx(np.sin(np.radians(angle)), abs=1e-6)


def test_coordinates_of_a_contained_subspace() -> None:
    e = np.eye(6)
    coords = lr.subspace_coordinates(_frame(e[:3]), _frame(e[[2, 0]]))
    np.testing.assert_allclose(coords["outside"], 0, atol=1e-7)
    assert coords.loc["PC-1", "PC-3"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- variance


def test_own_subspace_share_equals_explained_variance(B: pd.DataFrame) -> None:
    # With missing cells (the paper matrix has six), both complete B the same way.
    for k in (1, 2, 3, 5):
        pca = osl.CapabilityPCA(k).fit(B)
        assert lr.variance_share(pca, B) == pytest.approx(
            pca.explained_variance_ratio_.sum(), abs=1e-10
        )


def test_full_space_explains_everything() -> None:
    X = _low_rank(0)
    assert lr.variance_share(np.eye(6), X) == pytest.approx(1.0)
    pca = osl.CapabilityPCA(2).fit(X)
    assert lr.variance_share(pca, X) > 0.97  # rank 2 plus a little noise


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5))
def test_share_is_a_fraction_and_own_is_best(seed: int, k: int) -> None:
    X = _low_rank(seed, noise=0.03)
    rng = np.random.default_rng(seed)
    random = np.linalg.qr(rng.normal(size=(6, k)))[0].T
    own = osl.CapabilityPCA(k).fit(X)
    s_random, s_own = lr.variance_share(random, X), lr.variance_share(own, X)
    assert 0 <= s_random <= 1 + 1e-12
    assert s_random <= s_own + 1e-10  # the top-k PCs are the best k-dim subspace


def test_variance_share_checks_inputs() -> None:
    X = _low_rank(1)
    with pytest.raises(ColumnMismatchError):
        lr.variance_share(_frame(np.eye(6)[:2], cols=list("abcdef")), X)
    with pytest.raises(ColumnMismatchError):
        lr.variance_share(np.eye(5)[:2], X)
    with pytest.raises(OSLInputError, match="standardize"):
        lr.variance_share(osl.CapabilityPCA(2, standardize=True).fit(X), X)
    const = pd.DataFrame(0.5, index=range(10), columns=COLS)
    with pytest.raises(OSLInputError, match="no variance"):
        lr.variance_share(np.eye(6)[:2], const)


def test_completed_centred_has_zero_means_and_keeps_known_cells(B: pd.DataFrame) -> None:
    Bc = lr.completed_centred(B)
    assert not Bc.isna().to_numpy().any()
    np.testing.assert_allclose(Bc.mean(axis=0), 0, atol=1e-12)
    known = B.notna().to_numpy()
    assert Bc.shape == B.shape
    filled = osl.PCAImputer(1).fit_transform(B)
    np.testing.assert_allclose(
        (Bc + filled.mean(axis=0)).to_numpy()[known], B.to_numpy()[known], atol=1e-12
    )


def test_explained_variance_table() -> None:
    frames = {"a": _low_rank(0), "b": _low_rank(1, noise=0.05)}
    table = lr.explained_variance_table(frames, benchmarks=COLS)
    assert list(table.columns) == ["subset", "component", "k", "ratio", "cumulative"]
    for _, g in table.groupby("subset"):
        assert list(g["k"]) == list(range(1, 7))
        assert g["cumulative"].iloc[-1] == pytest.approx(1.0)
        assert (np.diff(g["ratio"]) <= 1e-12).all()


# --------------------------------------------------------------------------- subsets and nulls


def test_subset_structure_on_synthetic_subsets() -> None:
    frames = {"ref": _low_rank(0, noise=0.0), "same": _low_rank(0, n=40, noise=0.002)}
    # A third subset whose second direction is new.
    rng = np.random.default_rng(9)
    other = _low_rank(0, n=40, noise=0.0) + 0.05 * np.outer(rng.normal(size=40), np.eye(6)[5])
    frames["other"] = other.clip(0.01, 0.99)
    table = lr.subset_structure(frames, reference="ref", n_components=2, benchmarks=COLS)
    assert list(table.index) == ["ref", "same", "other"]
    np.testing.assert_allclose(table.loc["ref", ["theta_1", "theta_2", "share_lost"]], 0, atol=1e-5)
    assert table.loc["same", "theta_2"] < 2.0
    assert table.loc["other", "theta_2"] > table.loc["same", "theta_2"] + 5
    assert (table["share_lost"] >= -1e-10).all()
    np.testing.assert_allclose(table["own_share"] - table["frozen_share"], table["share_lost"])
    with pytest.raises(OSLInputError, match="reference"):
        lr.subset_structure(frames, reference="nope", benchmarks=COLS)


def test_heldout_null_is_seeded_and_checks_sizes() -> None:
    X = _low_rank(3, n=30, noise=0.002)
    a = lr.heldout_null(X, n_heldout=10, n_draws=5, seed=4, n_components=2)
    b = lr.heldout_null(X, n_heldout=10, n_draws=5, seed=4, n_components=2)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 5 and {"theta_1", "theta_2", "angle_PC-1", "share_lost"} <= set(a.columns)
    # Same population: the 2-D subspace of a rank-2 world is recovered on both sides.
    assert a["theta_2"].max() < 10
    for bad in (2, 27):
        with pytest.raises(NotEnoughModelsError):
            lr.heldout_null(X, n_heldout=bad, n_draws=1, n_components=2)


def test_compare_with_null() -> None:
    null = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0)})
    out = lr.compare_with_null(pd.Series({"x": 49.5, "y": 1000.0}), null, ["x", "y"])
    assert out.loc["x", "percentile"] == pytest.approx(0.5)
    assert out.loc["y", "percentile"] == pytest.approx(1.0)
    assert out.loc["x", "null_median"] == pytest.approx(49.5)
    assert out.loc["x", "null_lo"] == pytest.approx(4.95)
    assert not out.loc["x", "outside"] and out.loc["y", "outside"]


# --------------------------------------------------------------------------- imputation checks


def test_missing_cells_lists_each_hole() -> None:
    frame = pd.DataFrame(
        {"Model": ["a", "b", "c"], "Model Family": ["F", "F", "G"], "x": [0.1, None, 0.3]}
    )
    frame["y"] = [None, None, 0.2]
    holes = lr.missing_cells(frame, benchmarks=["x", "y"])
    assert holes.to_dict("records") == [
        {"Model": "b", "Model Family": "F", "benchmark": "x"},
        {"Model": "a", "Model Family": "F", "benchmark": "y"},
        {"Model": "b", "Model Family": "F", "benchmark": "y"},
    ]
    with pytest.raises(OSLInputError, match="missing column"):
        lr.missing_cells(frame, benchmarks=["z"])
    assert lr.missing_cells(frame.fillna(0.5), benchmarks=["x", "y"]).empty


def test_leave_one_out_recovers_an_exactly_low_rank_matrix() -> None:
    X = _low_rank(5, n=30, k=1, noise=0.0)
    rows = lr.leave_one_out_imputation(X, "b2", n_components=(1,))
    assert len(rows) == 2 * 30 and set(rows["method"]) == {"column mean", "PCA rank 1"}
    err = rows.groupby("method")["error"].apply(lambda e: float(np.sqrt((e**2).mean())))
    assert err["PCA rank 1"] < 0.05 * err["column mean"]
    with pytest.raises(OSLInputError, match="not a column"):
        lr.leave_one_out_imputation(X, "nope")


def test_leave_one_out_skips_unknown_cells(B: pd.DataFrame) -> None:
    rows = lr.leave_one_out_imputation(B, "HumanEval", n_components=(1,))
    assert rows["Model"].nunique() == int(B["HumanEval"].notna().sum())


def test_masked_imputation_check_summary_and_warnings(B: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing escapes: convergence warnings are counted
        check = lr.masked_imputation_check(B, frac=0.1, n_repeats=20, seed=0)
    assert list(check.summary.index) == ["column mean", "PCA rank 1", "PCA rank 2"]
    assert check.summary.loc["column mean", "vs_column_mean"] == pytest.approx(1.0)
    assert len(check.errors) == 60
    assert 0 <= check.n_not_converged <= 40
    again = lr.masked_imputation_check(B, frac=0.1, n_repeats=20, seed=0)
    pd.testing.assert_frame_equal(check.errors, again.errors)


def test_iteration_bound_does_not_change_imputed_cells(B: pd.DataFrame) -> None:
    # The chapter notes that a rank-2 fit sometimes reaches its 500-iteration bound on a
    # 10% mask; on 20 such masks a 40x higher bound changes the imputation error by < 1e-3.
    rng = np.random.default_rng(0)
    values = B.to_numpy(dtype=float)
    known = np.argwhere(~np.isnan(values))
    for _ in range(20):
        pick = known[rng.choice(len(known), size=round(0.1 * len(known)), replace=False)]
        masked = values.copy()
        masked[pick[:, 0], pick[:, 1]] = np.nan
        truth = values[pick[:, 0], pick[:, 1]]
        errs = []
        for max_iter in (500, 20_000):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                filled = osl.PCAImputer(2, max_iter=max_iter).fit_transform(masked)
            errs.append(np.sqrt(np.mean((filled[pick[:, 0], pick[:, 1]] - truth) ** 2)))
        assert abs(errs[0] - errs[1]) < 1e-3


# --------------------------------------------------------------------------- charts


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_error_strip_spec() -> None:
    errors = pd.DataFrame(
        {"repeat": [0, 1, 0, 1], "method": ["a", "a", "b", "b"], "rmse": [0.1, 0.2, 0.05, 0.07]}
    )
    spec = lrc.error_strip(errors, title="t").to_dict()  # validates against the schema
    assert {"tooltip", "shape", "color", "yOffset"} <= _keys(spec)
    with pytest.raises(OSLInputError):
        lrc.error_strip(errors.drop(columns="rmse"), title="t")
    with pytest.raises(OSLInputError, match="numeric"):
        lrc.error_strip(errors.assign(rmse="x"), title="t")


def test_null_intervals_spec() -> None:
    table = pd.DataFrame(
        {
            "subset": ["a", "a", "b"],
            "quantity": ["theta_1", "theta_2", "theta_1"],
            "observed": [1.0, 50.0, 3.0],
            "null_lo": [0.5, 2.0, 0.5],
            "null_median": [1.0, 5.0, 1.0],
            "null_hi": [2.0, 10.0, 2.0],
        }
    )
    spec = lrc.null_intervals(table, title="t", x_title="degrees").to_dict()
    assert {"tooltip", "shape", "color", "x2"} <= _keys(spec)
    with pytest.raises(OSLInputError, match="null_lo > null_hi"):
        lrc.null_intervals(table.assign(null_lo=20.0), title="t", x_title="d")


# --------------------------------------------------------------------------- the chapter's numbers


def test_matrix_numbers_and_imputed_cells(paper: pd.DataFrame, B: pd.DataFrame) -> None:
    holes = lr.missing_cells(paper.reset_index())
    nums = lr.matrix_numbers(B, holes)
    assert (nums["n_models"], nums["n_bench"]) == B.shape and nums["n_cells"] == B.size
    assert nums["pct_missing"] == pytest.approx(100 * nums["n_missing"] / B.size)
    assert (
        nums["where_missing"].count(" models")
        == holes.groupby(["benchmark", "Model Family"]).ngroups
    )
    pca = osl.CapabilityPCA(n_components=3).fit(B)
    imputed = lr.imputed_cells(pca, B, holes)
    assert len(imputed) == len(holes) and imputed["imputed"].notna().all()
    top = lr.imputed_numbers(imputed)
    assert "/" not in top["above_cell"] and top["above_value"] - top["above_best"] == pytest.approx(
        (imputed["imputed"] - imputed["best observed"]).max()
    )
    no_impute = osl.CapabilityPCA(n_components=3, impute=False).fit(B.dropna())
    with pytest.raises(OSLInputError, match="without imputation"):
        lr.imputed_cells(no_impute, B, holes)


def test_variance_and_loading_numbers() -> None:
    ratio = pd.Series([0.5, 0.3, 0.15, 0.05], index=["PC-1", "PC-2", "PC-3", "PC-4"])
    nums = lr.variance_numbers(ratio)
    assert nums["pc1_share"] == 50.0 and nums["top2_share"] == 80.0
    assert nums["top3_share"] == pytest.approx(95.0)
    gamma = _frame(
        np.array([[0.6, 0.8, 0, 0, 0, 0], [0.5, -0.5, 0.5, -0.5, 0, 0], [0, 0, 0, 0, 0.9, -0.3]])
    )
    g = lr.loading_numbers(gamma)
    assert g["n_pc1_positive"] == 2 and g["pc2_pos"] == "b0, b2" and g["pc2_neg"] == "b1, b3"
    assert g["pc3_top"] == "b4" and g["pc3_neg"] == "b5"
    assert g["pc3_top_share"] == pytest.approx(100 * 0.81 / 0.9)


def test_leave_one_out_numbers_name_each_benchmark_and_method(paper: pd.DataFrame) -> None:
    X = _low_rank(3, n=20)
    loo = lr.leave_one_out_table(X, ["b0", "b1"], n_components=(1,))
    assert set(loo["benchmark"]) == {"b0", "b1"} and len(loo) == 2 * 2 * 20
    rmse = lr.leave_one_out_rmse(loo)
    assert rmse[("b0", "PCA rank 1")] < rmse[("b0", "column mean")]
    models = pd.DataFrame(
        {"Model Family": "F", "is_code_model": [i % 2 == 0 for i in range(20)]}, index=X.index
    ).rename_axis("Model")
    rows = lr.with_family(loo, models, "b0")
    assert rows["is_code_model"].sum() == 2 * 10 and (rows["Model Family"] == "F").all()
    loo_he = loo.replace({"benchmark": {"b0": "HumanEval"}})
    nums = lr.leave_one_out_numbers(loo_he, models)
    assert {"loo_HumanEval_mean", "loo_HumanEval_1", "loo_b1_1", "loo_HumanEval_general"} <= set(
        nums
    )


def test_structure_coordinates_and_nulls() -> None:
    frames = {"paper": _low_rank(0, n=40), "extended": _low_rank(1, n=30)}
    structure = lr.subset_structure(frames, reference="paper", n_components=3, benchmarks=COLS)
    nums = lr.structure_numbers(structure)
    assert nums["paper_theta_1"] == pytest.approx(0.0, abs=1e-5) and nums["ext_missing"] == 0
    assert nums["min_own_share"] == 100 * structure["own_share"].min()
    fits = {s: osl.CapabilityPCA(n_components=3).fit(f) for s, f in frames.items()}
    coords = lr.paper_coordinates(fits, ["extended"])
    assert list(coords.index) == ["extended PC-1", "extended PC-2", "extended PC-3"]
    assert coords.columns[-1] == "outside paper space"
    stacked = lr.stacked_loadings(fits, leave_out="extended")
    assert list(stacked.index) == ["paper PC-1", "paper PC-2", "paper PC-3"]
    reading = lr.reading_numbers(fits, ["paper"])
    assert reading["paper_pc3_reading"].count(" and ") == 1
    structure.loc["preregistered"] = structure.loc["extended"]
    table = lr.null_comparison(frames["paper"], structure, n_preregistered=10, n_draws=20)
    assert set(table["subset"]) == {"preregistered", "extended"} and len(table) == 2 * 5
    null = lr.null_numbers(table)
    assert len(null) == 2 * len(table)
    assert null["null_extended_share_lost_hi"] == pytest.approx(
        100 * table.set_index(["subset", "quantity"]).at[("extended", "share_lost"), "null_hi"]
    )
    assert set(lr.angle_rows(table)["quantity"]) == set(lr.ANGLE_NAMES.values())


def test_imputation_and_code_numbers() -> None:
    X = _low_rank(5, n=30)
    check = lr.masked_imputation_check(X, frac=0.1, n_repeats=3, seed=0)
    nums = lr.imputation_numbers(check)
    assert nums["ratio_pca1"] == pytest.approx(100 * nums["rmse_pca1"] / nums["rmse_mean"])
    assert nums["n_pca_fits"] == 2 * 3
    S = pd.DataFrame(
        {"PC-1": [1.0, 2.0, 3.0, 4.0], "PC-2": [0.0, 1.0, 2.0, 3.0], "PC-3": [1.0, 1.0, 0.0, 0.0]},
        index=pd.Index(["a", "b", "c", "d"], name="Model"),
    )
    models = pd.DataFrame(
        {"Model Family": ["F", "F", "G", "H"], "is_code_model": [True, True, False, True]},
        index=S.index,
    )
    scores = lr.code_scores(S, models)
    assert list(scores["kind"]) == ["code model", "code model", "general model", "code model"]
    code = lr.code_numbers(scores)
    assert code["n_code_families"] == 2
    assert code["mean_PC3_code"] == pytest.approx(2 / 3) and code["mean_PC2_general"] == 2.0
