"""Bad input raises a named error whose message names the problem — never a silent wrong fit."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import _validation as v

Data = tuple[pd.DataFrame, pd.Series]


@pytest.fixture(scope="module")
def data() -> Data:
    task = osl.load_task("gsm8k_cot")
    return task.X_train, task.y_train


Law = osl.ObservationalScalingLaw


# --------------------------------------------------------------------------- scores X


@pytest.mark.parametrize("make", [Law, osl.CapabilityPCA, osl.PCAImputer], ids=lambda c: c.__name__)
def test_scores_in_percent(data: Data, make: type[Any]) -> None:
    X, y = data
    est = make()
    with pytest.raises(v.PercentScaleError, match="percentages; divide by 100"):
        est.fit(X * 100, y) if make is Law else est.fit(X * 100)


def test_scores_outside_zero_one(data: Data) -> None:
    X, y = data
    with pytest.raises(v.OSLInputError, match=r"outside \[0, 1\]"):
        Law().fit(X - 0.5, y)


@pytest.mark.parametrize("make", [Law, osl.PCAImputer], ids=lambda c: c.__name__)
def test_all_nan_column(data: Data, make: type[Any]) -> None:
    X, y = data
    bad = X.assign(MMLU=np.nan)
    with pytest.raises(v.DegenerateColumnError, match=r"\['MMLU'\] are entirely missing"):
        make().fit(bad, y) if make is Law else make().fit(bad)


@pytest.mark.parametrize("make", [Law, osl.PCAImputer], ids=lambda c: c.__name__)
def test_constant_column(data: Data, make: type[Any]) -> None:
    X, y = data
    bad = X.assign(MMLU=0.5)
    with pytest.raises(v.DegenerateColumnError, match=r"\['MMLU'\] are constant"):
        make().fit(bad, y) if make is Law else make().fit(bad)


def test_non_numeric_column(data: Data) -> None:
    X, y = data
    with pytest.raises(v.NonNumericError, match=r"non-numeric column\(s\) \['Family'\]"):
        Law().fit(X.assign(Family="Llama-2"), y)


def test_duplicate_model_names(data: Data) -> None:
    X, y = data
    Xd, yd = pd.concat([X, X.iloc[:1]]), pd.concat([y, y.iloc[:1]])
    # The message says what is wrong and which model it is.
    first = re.escape(X.index[0])
    with pytest.raises(v.DuplicateModelError, match=rf"duplicate row label.*{first}"):
        Law().fit(Xd, yd)
    with pytest.raises(v.DuplicateModelError, match="duplicate row label"):
        osl.CapabilityPCA().fit(Xd)


def test_infinite_score(data: Data) -> None:
    X, y = data
    bad = X.copy()
    bad.iloc[0, 0] = np.inf
    with pytest.raises(v.OSLInputError, match="infinite"):
        Law().fit(bad, y)


# --------------------------------------------------------------------------- targets y


def test_nan_target(data: Data) -> None:
    X, y = data
    y2 = y.copy()
    y2.iloc[3] = np.nan
    with pytest.raises(v.TargetRangeError, match="1 NaN target value"):
        Law().fit(X, y2)


def test_out_of_range_target(data: Data) -> None:
    X, y = data
    with pytest.raises(v.TargetRangeError, match=r"outside \[-1, 1\]"):
        Law().fit(X, y - 1.5)


def test_target_in_percent(data: Data) -> None:
    X, y = data
    with pytest.raises(v.PercentScaleError, match="looks like a percentage"):
        Law().fit(X, y * 100)


def test_missing_target(data: Data) -> None:
    X, _ = data
    with pytest.raises(v.OSLInputError, match="needs y"):
        Law().fit(X, None)


# --------------------------------------------------------------------------- shapes and sizes


def test_fewer_training_models_than_k_plus_2(data: Data) -> None:
    X, y = data
    with pytest.raises(v.NotEnoughModelsError, match=r"4 training models are too few for K = 3"):
        Law(n_components=3).fit(X.iloc[:4], y.iloc[:4])
    with pytest.raises(v.NotEnoughModelsError, match="too few"):
        osl.CapabilityPCA(n_components=3).fit(X.iloc[:4])
    with pytest.raises(v.NotEnoughModelsError, match="too few"):
        osl.PCAImputer(n_components=2).fit(X.iloc[:3])


def test_more_components_than_benchmarks(data: Data) -> None:
    X, _ = data
    with pytest.raises(v.NotEnoughModelsError, match="exceeds"):
        osl.CapabilityPCA(n_components=X.shape[1] + 1).fit(X)


def test_mismatched_lengths(data: Data) -> None:
    X, y = data
    with pytest.raises(
        v.LengthMismatchError, match=f"{len(X)} models but y has {len(X) - 1} values"
    ):
        Law().fit(X, y.iloc[:-1])


def test_y_labelled_in_another_order(data: Data) -> None:
    X, y = data
    with pytest.raises(v.IndexMismatchError, match="different order"):
        Law().fit(X, y.iloc[::-1])
    other = y.set_axis([f"other-{i}" for i in range(len(y))])
    with pytest.raises(v.IndexMismatchError, match="label the models differently"):
        Law().fit(X, other)
    # Positional targets (a plain array or a reset index) are accepted.
    Law().fit(X, y.to_numpy())
    Law().fit(X, y.reset_index(drop=True))


def test_predict_with_other_columns(data: Data) -> None:
    X, y = data
    law = Law().fit(X, y)
    with pytest.raises(v.ColumnMismatchError, match="differ from those seen in fit"):
        law.predict(X[X.columns[::-1]])
    with pytest.raises(v.ColumnMismatchError, match="differ from those seen in fit"):
        law.capability_score(X.rename(columns={"MMLU": "MMLU-Pro"}))
    with pytest.raises(v.ColumnMismatchError, match="6 columns"):
        law.predict(X.iloc[:, :6].to_numpy())


def test_imputer_transform_with_other_columns(data: Data) -> None:
    X, _ = data
    imp = osl.PCAImputer().fit(X)
    with pytest.raises(v.ColumnMismatchError, match="differ from those seen in fit"):
        imp.transform(X.drop(columns="MMLU"))


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"link": "logit"}, "unknown link"),
        ({"loss": "l1"}, "unknown loss"),
        ({"on_failure": "ignore"}, "unknown on_failure"),
        ({"huber_delta": 0.0}, "huber_delta must be a positive number"),
        ({"h_bounds": (1.0, 0.8)}, "h_bounds must satisfy"),
        ({"h_bounds": (0.0, 1.0)}, "h_bounds must satisfy"),
        ({"n_components": 0}, "n_components must be an integer"),
        ({"n_components": 2.5}, "n_components must be an integer"),
    ],
)
def test_bad_options(data: Data, kwargs: dict[str, Any], match: str) -> None:
    X, y = data
    with pytest.raises(v.OSLInputError, match=match):
        Law(**kwargs).fit(X, y)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"max_iter": 0}, "max_iter"), ({"tol": -1.0}, "tol"), ({"n_components": 9}, "exceeds")],
)
def test_bad_imputer_options(data: Data, kwargs: dict[str, Any], match: str) -> None:
    X, _ = data
    with pytest.raises(v.OSLInputError, match=match):
        osl.PCAImputer(**kwargs).fit(X)


def test_fit_sigmoid_law_rejects_bad_designs() -> None:
    fit = osl.law.fit_sigmoid_law
    Z, y = np.arange(10.0).reshape(5, 2), np.linspace(0.1, 0.9, 5)
    with pytest.raises(v.LengthMismatchError, match="5 rows but y has 4"):
        fit(Z, y[:4])
    with pytest.raises(v.OSLInputError, match="Z contains NaN"):
        fit(np.where(Z > 8, np.nan, Z), y)
    with pytest.raises(v.OSLInputError, match="y contains NaN"):
        fit(Z, np.where(y > 0.8, np.nan, y))
    with pytest.raises(v.NotEnoughModelsError, match="too few"):
        fit(Z[:2], y[:2])


def test_every_input_error_is_a_value_error() -> None:
    for name in v.__all__:
        obj = getattr(v, name)
        if isinstance(obj, type) and issubclass(obj, v.OSLInputError):
            assert issubclass(obj, ValueError), name
