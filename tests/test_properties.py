"""Properties that must hold for any input: row order, range of predictions, determinism."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import osl_helpers as osl

SETTINGS = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def task() -> osl.setups.TaskData:
    return osl.load_task("gsm8k_cot")


LAWS = st.sampled_from(
    [
        {"n_components": 3, "link": "h_sigmoid", "loss": "huber"},
        {"n_components": 2, "link": "sigmoid", "loss": "squared"},
        {"n_components": 1, "link": "h_sigmoid", "loss": "squared"},
    ]
)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), kwargs=LAWS)
def test_row_order_does_not_matter(
    task: osl.setups.TaskData, seed: int, kwargs: dict[str, Any]
) -> None:
    X, y = task.X_train, task.y_train
    perm = np.random.default_rng(seed).permutation(len(X))
    a = osl.ObservationalScalingLaw(**kwargs).fit(X, y)
    b = osl.ObservationalScalingLaw(**kwargs).fit(X.iloc[perm], y.iloc[perm])
    np.testing.assert_allclose(a.beta_, b.beta_, atol=1e-6)
    assert a.alpha_ == pytest.approx(b.alpha_, abs=1e-6) and a.h_ == pytest.approx(b.h_, abs=1e-6)
    np.testing.assert_allclose(a.predict(task.X), b.predict(task.X), atol=1e-6)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_imputer_is_equivariant_to_row_order(task: osl.setups.TaskData, seed: int) -> None:
    X = task.X
    perm = np.random.default_rng(seed).permutation(len(X))
    a = osl.PCAImputer().fit_transform(X)
    b = osl.PCAImputer().fit_transform(X.iloc[perm])
    np.testing.assert_allclose(b.to_numpy(), a.iloc[perm].to_numpy(), atol=1e-8)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    kwargs=LAWS,
    holes=st.floats(0.0, 0.3),
)
def test_predictions_stay_between_the_floor_and_one(
    task: osl.setups.TaskData, seed: int, kwargs: dict[str, Any], holes: float
) -> None:
    rng = np.random.default_rng(seed)
    law = osl.ObservationalScalingLaw(**kwargs).fit(task.X_train, task.y_train)
    assert 0.8 <= law.h_ <= 1.0
    # Any scores in [0, 1], extreme ones included, with random missing cells.
    new = rng.choice([0.0, 1.0, 0.5], size=(30, task.X.shape[1])) * rng.uniform(size=(30, 1))
    new = np.where(rng.random(new.shape) < holes, np.nan, new)
    frame = pd.DataFrame(new, columns=task.X.columns)
    pred = law.predict(frame)
    assert pred.notna().all()
    # Eq. 6 on accuracy: a floor of 1 − h (0 for the plain sigmoid) and a ceiling of 1.
    floor = 1.0 - law.h_ if law.link == "h_sigmoid" else 0.0
    assert ((pred >= floor - 1e-12) & (pred <= 1.0)).all()


@SETTINGS
@given(kwargs=LAWS, start=st.integers(0, 10))
def test_refitting_is_deterministic(
    task: osl.setups.TaskData, kwargs: dict[str, Any], start: int
) -> None:
    X, y = task.X_train.iloc[start:], task.y_train.iloc[start:]
    a = osl.ObservationalScalingLaw(**kwargs).fit(X, y)
    b = osl.ObservationalScalingLaw(**kwargs).fit(X, y)
    assert a.beta_.equals(b.beta_)
    assert (a.alpha_, a.h_, a.nfev_) == (b.alpha_, b.h_, b.nfev_)
    pd.testing.assert_series_equal(a.predict(task.X), b.predict(task.X))
