"""osl_helpers: the companion package of the executable book on observational scaling laws.

Ruan, Maddison & Hashimoto (2024), "Observational Scaling Laws and the
Predictability of Language Model Performance", arXiv:2405.10938.

Modules follow the paper's concepts: ``data`` (the pinned tables; ``errata``
corrects known errors in them), ``setups``
(the paper's experimental setups), ``imputation`` (Alg. A.1 PCAImpute),
``capabilities`` (principal capabilities S, Eq. 5), ``law`` (Eq. 6),
``compute`` (Eqs. 1, 4, 7, 8), ``evaluation`` (splits and like-for-like
comparisons), ``experiments`` (one setup end to end), ``selection`` (model
subsets, Sec. 5), ``charts`` (Altair builders) and ``rendering`` (offline
chart display in the book). ``uncertainty`` puts prediction intervals around a law
(bootstrap and conformal); ``forecast`` applies them to your own scores, also from the
command line: ``python -m osl_helpers forecast SCORES.csv --target COLUMN``.

Each chapter of the book has its own module in :mod:`osl_helpers.chapters`, named after
its notebook (``book/03_fitting.ipynb`` ↔ ``osl_helpers.chapters.fitting``), and, if it
draws charts no other chapter draws, one in :mod:`osl_helpers.charts` of the same name.
The core modules above never import a chapter module.
"""

from typing import TYPE_CHECKING, Any

from osl_helpers import (
    byo,
    capabilities,
    compute,
    data,
    errata,
    evaluation,
    experiments,
    imputation,
    law,
    selection,
    setups,
    synthetic,
    uncertainty,
)
from osl_helpers._validation import OSLError, OSLInputError, OSLWarning
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.compute import (
    compute_multiplier,
    f_equivalent_flops,
    f_equivalent_log10_flops,
    fit_common_slope_lines,
    fit_family_lines,
    fit_pooled_line,
    reference_line,
    training_flops,
)
from osl_helpers.data import (
    BENCHMARKS,
    CODE_FAMILIES,
    PAPER_FAMILIES,
    PREREGISTERED_MODELS,
    DataFetchError,
    DataValidationError,
    fetch_file,
    join_on_model,
    load_agent_benchmarks,
    load_base_benchmarks,
    load_emergent,
    load_instruct_benchmarks,
    load_leaderboard_v2,
    load_open_llm_leaderboard,
    load_post_training,
    load_sub10b_benchmarks,
)
from osl_helpers.errata import DataErratumWarning, ImplausibleDataWarning
from osl_helpers.evaluation import (
    compare_predictors,
    mae,
    mse,
    split_by_family,
    split_by_flops,
    split_by_models,
    split_by_top_fraction,
)
from osl_helpers.experiments import fit_task
from osl_helpers.imputation import PCAImputer, masked_imputation_error
from osl_helpers.law import ObservationalScalingLaw, fit_sigmoid_law, normalize_target, sigmoid_law
from osl_helpers.setups import PAPER_SETUPS, load_task

if TYPE_CHECKING:
    from osl_helpers import chapters, charts, forecast, rendering
    from osl_helpers.rendering import enable_offline_charts

# Altair (charts, rendering) and the command line's forecast are imported on first use,
# so that ``python -m osl_helpers forecast`` starts quickly.
_LAZY = {
    "chapters": None,
    "charts": None,
    "rendering": None,
    "forecast": None,
    "enable_offline_charts": "rendering",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name not in _LAZY:
        raise AttributeError(f"module 'osl_helpers' has no attribute {name!r}")
    owner = _LAZY[name]
    if owner is None:
        return importlib.import_module(f"osl_helpers.{name}")
    return getattr(importlib.import_module(f"osl_helpers.{owner}"), name)


__version__ = "0.1.0"

__all__ = [
    "BENCHMARKS",
    "CODE_FAMILIES",
    "PAPER_FAMILIES",
    "PAPER_SETUPS",
    "PREREGISTERED_MODELS",
    "CapabilityPCA",
    "DataErratumWarning",
    "DataFetchError",
    "DataValidationError",
    "ImplausibleDataWarning",
    "OSLError",
    "OSLInputError",
    "OSLWarning",
    "ObservationalScalingLaw",
    "PCAImputer",
    "byo",
    "capabilities",
    "chapters",
    "charts",
    "compare_predictors",
    "compute",
    "compute_multiplier",
    "data",
    "enable_offline_charts",
    "errata",
    "evaluation",
    "experiments",
    "f_equivalent_flops",
    "f_equivalent_log10_flops",
    "fetch_file",
    "fit_common_slope_lines",
    "fit_family_lines",
    "fit_pooled_line",
    "fit_sigmoid_law",
    "fit_task",
    "forecast",
    "imputation",
    "join_on_model",
    "law",
    "load_agent_benchmarks",
    "load_base_benchmarks",
    "load_emergent",
    "load_instruct_benchmarks",
    "load_leaderboard_v2",
    "load_open_llm_leaderboard",
    "load_post_training",
    "load_sub10b_benchmarks",
    "load_task",
    "mae",
    "masked_imputation_error",
    "mse",
    "normalize_target",
    "reference_line",
    "rendering",
    "selection",
    "setups",
    "sigmoid_law",
    "split_by_family",
    "split_by_flops",
    "split_by_models",
    "split_by_top_fraction",
    "synthetic",
    "training_flops",
    "uncertainty",
]
