"""The pipeline at a glance, chapter "pipeline": the pinned tables and the models they hold.

The paper fits its laws on the base models of 21 families (Sec. 3.1); the
authors' tables add the models released after it (``"preregistered"``) and
models of other families (``"extended"``). :func:`size_numbers` counts them
as the chapter quotes them, :func:`with_model_kind` labels code models for
the first chart and :func:`chart_numbers` says which models that chart leaves out.
"""

from __future__ import annotations

import pandas as pd

from osl_helpers._validation import require_columns

__all__ = ["chart_numbers", "size_numbers", "with_model_kind"]


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


def chart_numbers(frame: pd.DataFrame, family: str = "Model Family") -> dict[str, int | str]:
    """How many of ``frame``'s models and families the compute chart shows.

    The chart needs ``log10_flops``, so models without known training compute
    drop out, and with them every family none of whose models has it:
    ``chart_n_models``/``chart_n_families`` shown of ``chart_n_all``/``chart_n_all_families``,
    ``chart_n_dropped`` models left out and ``chart_missing_families``, the families
    left out, joined by ", " ("none" if every family is shown).
    """
    require_columns(frame, ["log10_flops", family], "frame")
    shown = frame.dropna(subset=["log10_flops"])
    missing = sorted(set(frame[family].astype(str)) - set(shown[family].astype(str)))
    return {
        "chart_n_models": len(shown),
        "chart_n_all": len(frame),
        "chart_n_dropped": len(frame) - len(shown),
        "chart_n_families": int(shown[family].nunique()),
        "chart_n_all_families": int(frame[family].nunique()),
        "chart_missing_families": ", ".join(missing) if missing else "none",
    }
