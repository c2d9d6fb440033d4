"""Fixtures shared by several test files: the paper's base models and its post-training tasks.

Session-scoped, so each is built once per test process; tests must not modify them.
"""

from __future__ import annotations

import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers.setups import PAPER_SETUPS, TaskData

#: The paper's post-training setups (Sec. 5): GSM8K naive, CoT, CoT with one sample, CoT + SC.
POST_TRAINING = [key for key, setup in PAPER_SETUPS.items() if setup.table == "post_training"]


@pytest.fixture(scope="session")
def paper_models() -> pd.DataFrame:
    """The paper's 77 base models (Sec. 3.1) with their capabilities PC-1..3 (Eq. 5).

    The PCA is the paper's: unscaled, fitted on the rank-1-imputed matrix B (Sec. 3.2).
    """
    frame = osl.load_base_benchmarks("paper")
    pca = osl.CapabilityPCA(n_components=3).fit(frame[osl.BENCHMARKS])
    return frame.join(pca.transform(frame[osl.BENCHMARKS]))


@pytest.fixture(scope="session")
def post_training_tasks() -> dict[str, TaskData]:
    """Every post-training setup of the paper, loaded as :class:`TaskData`."""
    return {key: osl.load_task(key) for key in POST_TRAINING}


@pytest.fixture(scope="session")
def gsm8k_cot(post_training_tasks: dict[str, TaskData]) -> TaskData:
    """GSM8K with 8-shot chain-of-thought, the paper's running example (Fig. 5)."""
    return post_training_tasks["gsm8k_cot"]
