"""The pipeline at a glance, chapter "pipeline": the pinned tables and the models they hold.

The paper fits its laws on the base models of 21 families (Sec. 3.1); the
authors' tables add the models released after it (``"preregistered"``) and
models of other families (``"extended"``). :func:`size_numbers` counts them
as the chapter quotes them, :func:`with_model_kind` labels code models for
the first chart.
"""

from __future__ import annotations

import pandas as pd

from osl_helpers._validation import require_columns

__all__ = ["size_numbers", "with_model_kind"]


def size_numbers(sizes: pd.DataFrame) -> dict[str, int]:
    """Models and families the chapter quotes, from :func:`~osl_helpers.data.subset_summary`.

    ``n_paper`` models of ``n_paper_families`` families in the paper,
    ``n_prereg`` released after it, ``n_all`` in the authors' tables.
    """
    require_columns(sizes, ["models", "families"], "sizes")
    return {
        "n_paper": int(sizes["models"].loc["paper"]),
        "n_paper_families": int(sizes["families"].loc["paper"]),
        "n_prereg": int(sizes["models"].loc["preregistered"]),
        "n_all": int(sizes["models"].loc["all"]),
    }


def with_model_kind(frame: pd.DataFrame) -> pd.DataFrame:
    """The models with known compute, with ``kind``: "code model" or "general model"."""
    require_columns(frame, ["log10_flops", "is_code_model"], "frame")
    kinds = {True: "code model", False: "general model"}
    return frame.dropna(subset=["log10_flops"]).assign(kind=frame["is_code_model"].map(kinds))
