"""osl_helpers: the companion package of the executable book on observational scaling laws.

Ruan, Maddison & Hashimoto (2024), "Observational Scaling Laws and the
Predictability of Language Model Performance", arXiv:2405.10938.
"""

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
    load_post_training,
    load_sub10b_benchmarks,
)

__version__ = "0.1.0"

__all__ = [
    "BENCHMARKS",
    "CODE_FAMILIES",
    "PAPER_FAMILIES",
    "PREREGISTERED_MODELS",
    "DataFetchError",
    "DataValidationError",
    "fetch_file",
    "join_on_model",
    "load_agent_benchmarks",
    "load_base_benchmarks",
    "load_emergent",
    "load_instruct_benchmarks",
    "load_leaderboard_v2",
    "load_post_training",
    "load_sub10b_benchmarks",
]

from osl_helpers import charts, data, rendering, setups
from osl_helpers.rendering import enable_offline_charts

__all__ += ["charts", "data", "enable_offline_charts", "rendering", "setups"]
