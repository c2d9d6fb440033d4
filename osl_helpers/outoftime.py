"""Out-of-time tests: freeze everything on the paper's models, predict the models that came later.

The paper was written with 77 base models (May 2024). The authors' tables also
hold 20 models released afterwards (``"preregistered"``) and 51 of other
families (``"extended"``). Here every step — imputation, the capability PCA of
Eq. 5 and the laws of Eq. 6 — is fitted on the paper's models only, and then
applied unchanged to the later ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from osl_helpers import data
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.evaluation import Comparison, Predictor, Split, compare_predictors
from osl_helpers.setups import TaskSetup, load_task, resolve_setup

__all__ = ["out_of_time", "out_of_time_split", "reconstruction_error"]


def reconstruction_error(
    n_components: int = 3,
    test_subset: data.Subset = "preregistered",
    benchmarks: Sequence[str] = tuple(data.BENCHMARKS),
) -> pd.DataFrame:
    """How well the frozen K-dimensional capability space reconstructs new models' scores.

    PCA (with imputation) is fitted on the paper's 77 models; each model's
    observed scores are projected to S and mapped back (μ + Sγ, Eq. 5).
    Returns one row per model: ``Model``, ``Model Family``, ``subset``
    ("paper" in-sample or the test subset) and ``rmse`` over its observed cells.
    """
    cols = list(benchmarks)
    # Only names and benchmark scores are used, none of the corrected compute columns.
    paper = data.base_table("paper")[0].set_index("Model", drop=False)
    other = data.base_table(test_subset)[0].set_index("Model", drop=False)
    pca = CapabilityPCA(n_components=n_components).fit(paper[cols])
    rows = []
    for name, frame in (("paper", paper), (test_subset, other)):
        X = frame[cols]
        recon = pca.inverse_transform(pca.transform(X))
        err = (X - recon.to_numpy()).pow(2)
        rmse = np.sqrt(err.mean(axis=1, skipna=True))
        rows.append(
            pd.DataFrame(
                {
                    "Model": frame["Model"].to_numpy(),
                    "Model Family": frame["Model Family"].to_numpy(),
                    "subset": name,
                    "rmse": rmse.to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def out_of_time_split(
    setup: TaskSetup, test_subset: data.Subset = "preregistered"
) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Masks (train = paper models, test = ``test_subset``) over the setup's frame of all models."""
    setup = resolve_setup(setup)
    frame = load_task(setup.with_(subset="all")).frame
    paper_models = set(data.base_table("paper")[0]["Model"])
    test_models = set(data.base_table(test_subset)[0]["Model"])
    return frame["Model"].isin(paper_models), frame["Model"].isin(test_models), frame


def out_of_time(
    setup: TaskSetup | str,
    test_subset: data.Subset = "preregistered",
    predictors: Sequence[Predictor] = (3, "log_flops", "log_params"),
) -> Comparison:
    """Fit on the paper's models that have the target; predict ``test_subset``'s models.

    Every predictor is fitted with the setup's law on the same paper models
    and scored on one identical set of later models (those with every
    predictor's input; the rest are reported in ``.dropped``). No compute
    cutoff is used: time is the split.
    """
    setup = resolve_setup(setup)
    train, test, frame = out_of_time_split(setup, test_subset)
    excluded = ~(train | test)
    reason = pd.Series("", index=frame.index, dtype=object).mask(excluded, "other subset")
    split = Split(
        train.astype(bool), test.astype(bool), excluded.astype(bool),
        f"paper models → {test_subset}", reason,
    )  # fmt: skip
    return compare_predictors(
        frame, "y", setup.benchmarks, split, predictors,
        link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta,
    )  # fmt: skip
