"""Known errors in the authors' tables, corrected on load, and plausibility checks that find them.

The pinned tables are checked byte for byte (sha256), so a value that is
wrong in the authors' own table arrives intact. :data:`ERRATA` lists each
such value with the corrected one, the reason and the source of the
correction; the loaders apply them (:func:`apply_errata`) and warn with
:class:`DataErratumWarning` naming every corrected cell among the rows they
return, once per session (:func:`warn_errata`). Loaders take ``errata=False`` to reproduce the
authors' numbers exactly.

:func:`plausibility_report` flags rows whose metadata cannot be right:
training tokens per parameter or in total far beyond any published model,
training FLOPs C that disagree with C ≈ 6·N·D (Sec. 3.3 of Ruan, Maddison &
Hashimoto, 2024), and parameter counts outside the range of language
models. Loaders warn with :class:`ImplausibleDataWarning` about every row it
flags, so a new error in a table does not pass unnoticed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osl_helpers._validation import OSLWarning

__all__ = [
    "ERRATA",
    "PLAUSIBLE",
    "DataErratumWarning",
    "Erratum",
    "ImplausibleDataWarning",
    "apply_errata",
    "errata_frame",
    "plausibility_report",
    "warn_errata",
    "warn_implausible",
]


class DataErratumWarning(OSLWarning):
    """A value of the authors' table was replaced by its correction from :data:`ERRATA`."""


class ImplausibleDataWarning(OSLWarning):
    """A row's metadata fails a plausibility check (see :func:`plausibility_report`)."""


@dataclass(frozen=True)
class Erratum:
    """One corrected cell: ``table`` (file name), ``model``, ``column``, the value the
    authors' table has (``published``), the ``corrected`` value, the ``reason`` and
    the ``source`` that documents the correct value."""

    table: str
    model: str
    column: str
    published: float
    corrected: float
    reason: str
    source: str


_BTLM = "cerebras/btlm-3b-8k-base"
_BTLM_CARD = "https://huggingface.co/cerebras/btlm-3b-8k-base"
_BTLM_TOKENS = (
    "the model card and the BTLM paper (arXiv:2309.11568) give 627 B training tokens "
    "(one epoch of SlimPajama-627B); the table's 627 T is 1,000 times too many "
    "(209,000 tokens per parameter)"
)
_BTLM_FLOPS = (
    "C = 6·N·D recomputed with the corrected D: 6 × 3e9 parameters × 627e9 tokens "
    "= 1.1286e22 FLOPs, not 1.1286e25"
)

#: The corrections applied on load (``errata=False`` in a loader skips them).
ERRATA: tuple[Erratum, ...] = tuple(
    e
    for table in ("base_llm_benchmark_eval.csv", "base_llm_benchmark_eval_sub_10b.csv")
    for e in (
        Erratum(table, _BTLM, "Pretraining Data Size (T)", 627.0, 0.627, _BTLM_TOKENS, _BTLM_CARD),
        Erratum(table, _BTLM, "FLOPs (1E21)", 11286.0, 11.286, _BTLM_FLOPS, _BTLM_CARD),
    )
)

#: Limits of :func:`plausibility_report`. The largest values among the tables'
#: other models are 8,000 tokens per parameter (a 0.5B model on 4T tokens) and
#: 15T tokens; the limits leave room for newer, longer-trained models.
PLAUSIBLE: dict[str, float] = {
    "max_tokens_per_param": 1e5,
    "max_tokens_T": 100.0,
    "flops_rel_tol": 0.05,
    "min_params_B": 1e-3,
    "max_params_B": 1e4,
}


def errata_frame(table: str | None = None) -> pd.DataFrame:
    """:data:`ERRATA` as a table (one row per corrected cell), optionally for one file."""
    rows = [e.__dict__ for e in ERRATA if table is None or e.table == table]
    return pd.DataFrame(rows, columns=list(Erratum.__dataclass_fields__))


def apply_errata(df: pd.DataFrame, table: str) -> tuple[pd.DataFrame, list[Erratum]]:
    """Return a copy of ``df`` (the raw table ``table``) with every erratum for it applied,
    and the errata that were applied.

    A cell is corrected only if it still holds the published value, so a
    correction cannot hit a table that was already fixed upstream.
    """
    out = df.copy()
    applied: list[Erratum] = []
    if "Model" not in out.columns:
        return out, applied
    for e in ERRATA:
        if e.table != table or e.column not in out.columns:
            continue
        for i in out.index[out["Model"] == e.model]:
            value = pd.to_numeric(pd.Series([out.at[i, e.column]]), errors="coerce").iloc[0]
            if np.isclose(value, e.published, rtol=1e-9, atol=0.0):
                out.at[i, e.column] = e.corrected
                applied.append(e)
    return out, applied


#: (table, model) pairs whose correction was announced in this session.
_ANNOUNCED: set[tuple[str, str]] = set()


def warn_errata(applied: list[Erratum], table: str, models: object) -> None:
    """One :class:`DataErratumWarning` naming each applied erratum whose model is in ``models``.

    Each correction is announced once per session (the first time a loader
    returns the corrected row), so a notebook that loads the table in many
    cells shows it once; ``_ANNOUNCED.clear()`` announces them again.
    """
    shown = set(pd.Series(models, dtype=object))
    by_model: dict[str, list[Erratum]] = {}
    for e in applied:
        if e.model in shown and (table, e.model) not in _ANNOUNCED:
            by_model.setdefault(e.model, []).append(e)
    if not by_model:
        return
    _ANNOUNCED.update((table, model) for model in by_model)
    parts = []
    for model, items in by_model.items():
        cells = ", ".join(f"{e.column!r} {e.published:g} → {e.corrected:g}" for e in items)
        sources = ", ".join(dict.fromkeys(e.source for e in items))
        parts.append(f"{model} ({cells}; source: {sources})")
    warnings.warn(
        f"{table.removesuffix('.csv')}: corrected the authors' table for "
        + "; ".join(parts)
        + ". osl_helpers.errata.errata_frame() gives the reasons; pass errata=False to the "
        "loader for the authors' numbers exactly.",
        DataErratumWarning,
        stacklevel=3,
    )


def plausibility_report(df: pd.DataFrame) -> pd.DataFrame:
    """Rows of a table with base-table metadata that fail a plausibility check.

    ``df`` needs ``Model``, ``Model Size (B)`` (N in billions),
    ``Pretraining Data Size (T)`` (D in trillions of tokens) and
    ``FLOPs (1E21)`` (C in units of 1e21); missing values are not checked.
    The checks (limits in :data:`PLAUSIBLE`): D/N tokens per parameter, D in
    total, the relative gap C / (6·N·D) − 1 in absolute value (Sec. 3.3) and N. Returns one row per failed
    check: ``Model``, ``check``, ``value``, ``limit``; empty if all pass.
    """
    n = pd.to_numeric(df["Model Size (B)"], errors="coerce") * 1e9
    d = pd.to_numeric(df["Pretraining Data Size (T)"], errors="coerce") * 1e12
    c = pd.to_numeric(df["FLOPs (1E21)"], errors="coerce") * 1e21
    lim = PLAUSIBLE
    with np.errstate(divide="ignore", invalid="ignore"):
        checks = {
            "tokens per parameter": (d / n, d / n > lim["max_tokens_per_param"],
                                     lim["max_tokens_per_param"]),
            "training tokens (T)": (d / 1e12, d / 1e12 > lim["max_tokens_T"], lim["max_tokens_T"]),
            "FLOPs / (6·N·D) − 1": ((c / (6 * n * d) - 1).abs(),
                                    (c / (6 * n * d) - 1).abs() > lim["flops_rel_tol"],
                                    lim["flops_rel_tol"]),
            "parameters (B), at least": (n / 1e9, n / 1e9 < lim["min_params_B"],
                                         lim["min_params_B"]),
            "parameters (B), at most": (n / 1e9, n / 1e9 > lim["max_params_B"],
                                        lim["max_params_B"]),
        }  # fmt: skip
    rows = [
        {"Model": df.loc[i, "Model"], "check": name, "value": float(value[i]), "limit": limit}
        for name, (value, failed, limit) in checks.items()
        for i in df.index[failed.fillna(False).to_numpy(dtype=bool)]
    ]
    return pd.DataFrame(rows, columns=["Model", "check", "value", "limit"])


def warn_implausible(df: pd.DataFrame, table: str) -> None:
    """Warn (:class:`ImplausibleDataWarning`) about every row of ``df`` that
    :func:`plausibility_report` flags."""
    report = plausibility_report(df)
    if report.empty:
        return
    items = [
        f"{r.Model}: {r.check} = {r.value:.4g} (limit {r.limit:g})" for r in report.itertuples()
    ]
    warnings.warn(
        f"{table.removesuffix('.csv')}: {len(report)} implausible value(s): "
        + "; ".join(items[:5])
        + ("" if len(items) <= 5 else f" and {len(items) - 5} more")
        + ". Check these rows against the models' cards before relying on their compute "
        "(osl_helpers.errata.plausibility_report lists them all).",
        ImplausibleDataWarning,
        stacklevel=3,
    )
