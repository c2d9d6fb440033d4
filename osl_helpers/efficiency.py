"""Principal capabilities against log compute, family by family (Sec. 3.3, Eq. 4).

Within a model family f the paper posits S_k ≈ θ_{f,k} log C + ν_{f,k} (Eq. 4):
a principal capability S_k is linear in log training compute C ≈ 6ND (Sec. 3.3),
with a slope θ_{f,k} and an offset ν_{f,k} of the family's own. This module
measures how well that holds and what it implies:

* :func:`linearity_table`: one least-squares line per family, its R², the
  number of models and the decades of compute they span;
* :func:`nested_line_fits`: three nested models of the same points (one pooled
  line; one common slope with an offset per family; a slope and an offset per
  family) with R² and F-tests between consecutive models;
* :func:`linearity_summary`: the same per-family check for several
  capabilities at once (e.g. PC-1, PC-2, PC-3, the panels of Fig. 3);
* :func:`efficiency_table`: the common-slope offsets ν_f turned into compute
  multipliers relative to a reference family, 10^((ν_f − ν_ref)/θ), with
  delta-method intervals that include the uncertainty of the shared slope θ;
* :func:`family_gaps`: what such a multiplier is made of — a family's gap to
  the reference in mean capability and in mean log compute;
* :func:`efficiency_vs_data`: whether families trained on more tokens are the
  more compute-efficient ones (a rank correlation, not a causal claim).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import f as f_dist
from scipy.stats import spearmanr
from scipy.stats import t as student_t

from osl_helpers._validation import (
    NotEnoughModelsError,
    OSLInputError,
    UnknownFamilyError,
    check_number,
    numeric_column,
    require_columns,
)
from osl_helpers.compute import fit_family_lines
from osl_helpers.data import CODE_FAMILIES

__all__ = [
    "efficiency_table",
    "efficiency_vs_data",
    "family_gaps",
    "family_kind",
    "linearity_summary",
    "linearity_table",
    "nested_line_fits",
]

FloatArray = NDArray[np.float64]


def family_kind(families: pd.Series) -> pd.Series:
    """``"code"`` for the families trained mostly on code (:data:`~osl_helpers.data.CODE_FAMILIES`), else ``"general"``."""
    return families.isin(CODE_FAMILIES).map({True: "code", False: "general"})


def _usable(frame: pd.DataFrame, x: str, y: str, family: str, min_models: int) -> pd.DataFrame:
    require_columns(frame, [x, y, family])
    # Text such as 'nan' in a numeric column must raise, not become NaN or crash a solver.
    data = pd.DataFrame(
        {family: frame[family], x: numeric_column(frame, x), y: numeric_column(frame, y)}
    ).dropna()
    counts = data[family].value_counts()
    return data[data[family].isin(counts[counts >= max(min_models, 2)].index)]


def linearity_table(
    frame: pd.DataFrame,
    y: str = "PC-1",
    x: str = "log10_flops",
    family: str = "Model Family",
    min_models: int = 3,
    threshold: float = 0.9,
) -> pd.DataFrame:
    """Per-family least-squares line y = θ_f x + ν_f (Eq. 4) and how straight it is.

    Families with at least ``min_models`` models having both x and y get one
    row: ``family``, ``kind`` (code or general), ``n``, ``span`` (range of x,
    in decades when x is a log10), ``slope`` (θ_f), ``intercept`` (ν_f),
    ``r2`` and ``linear`` (``r2 > threshold``). Sorted by R², highest first.
    With three points a line has one residual degree of freedom, so R² is
    itself noisy; ``n`` is reported for that reason.
    """
    lines = fit_family_lines(frame, x=x, y=y, family=family, min_models=min_models)
    data = pd.DataFrame({family: frame[family], x: numeric_column(frame, x), y: frame[y]}).dropna()
    span = data.groupby(family)[x].agg(lambda s: float(s.max() - s.min()))
    out = lines.assign(
        kind=family_kind(lines["family"]),
        span=lines["family"].map(span).astype(float),
        linear=lines["r2"] > threshold,
    )
    out = out[["family", "kind", "n", "span", "slope", "intercept", "r2", "linear"]]
    return out.sort_values("r2", ascending=False, kind="stable").reset_index(drop=True)


def linearity_summary(
    frame: pd.DataFrame,
    ys: tuple[str, ...] = ("PC-1", "PC-2", "PC-3"),
    x: str = "log10_flops",
    family: str = "Model Family",
    min_models: int = 3,
    threshold: float = 0.9,
) -> pd.DataFrame:
    """One row per capability in ``ys``: how linear it is in x within families (Eq. 4).

    Columns: ``families`` (with at least ``min_models`` models), ``linear``
    (how many have R² > ``threshold``), ``median_r2``, ``pooled_r2`` (one line
    through all models of those families), ``rising`` (families with a
    positive slope θ_f), ``min_slope`` and ``max_slope``. A family whose
    slope is near zero has a low R² even if its points lie on a flat line, so
    the slopes are reported next to R².
    """
    rows = []
    for y in ys:
        table = linearity_table(frame, y=y, x=x, family=family, min_models=min_models,
                                threshold=threshold)  # fmt: skip
        members = frame[frame[family].isin(table["family"])]
        pooled = _rss_r2(members, x, y)
        rows.append(
            {
                "capability": y,
                "families": len(table),
                "linear": int(table["linear"].sum()),
                "median_r2": float(table["r2"].median()),
                "pooled_r2": pooled,
                "rising": int((table["slope"] > 0).sum()),
                "min_slope": float(table["slope"].min()),
                "max_slope": float(table["slope"].max()),
            }
        )
    return pd.DataFrame(rows).set_index("capability")


def _rss_r2(frame: pd.DataFrame, x: str, y: str) -> float:
    data = frame[[x, y]].dropna()
    xv, yv = data[x].to_numpy(float), data[y].to_numpy(float)
    design = np.column_stack([xv, np.ones_like(xv)])
    ss_tot = float(((yv - yv.mean()) ** 2).sum())
    return 1.0 - _rss(design, yv) / ss_tot if ss_tot > 0 else math.nan


def _rss(design: FloatArray, yv: FloatArray) -> float:
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    resid = yv - design @ coef
    return float(resid @ resid)


def nested_line_fits(
    frame: pd.DataFrame,
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
) -> pd.DataFrame:
    """Three nested fits of y on x over the same models, compared by F-tests.

    Rows (index ``model``): ``"pooled line"`` (y = θx + ν, 2 parameters),
    ``"common slope"`` (y = θx + ν_f, 1 + F parameters: families differ only in
    efficiency) and ``"slope per family"`` (y = θ_f x + ν_f, 2F parameters:
    Eq. 4 fitted family by family). Columns: ``parameters``, ``rss``, ``r2``
    and, against the row above, ``F``, ``df_num``, ``df_den`` and ``p_value``
    (the usual F-test of nested least-squares models, which assumes one
    residual variance for all families). Only families with at least
    ``min_models`` (≥ 2) usable models enter, so all three fits see the same points.
    """
    data = _usable(frame, x, y, family, min_models)
    fams = sorted(data[family].unique())
    if len(fams) < 2:
        raise NotEnoughModelsError("nested fits need at least two families with two models each")
    xv = data[x].to_numpy(float)
    yv = data[y].to_numpy(float)
    dummies = pd.get_dummies(data[family]).reindex(columns=fams).to_numpy(float)
    designs = {
        "pooled line": np.column_stack([xv, np.ones_like(xv)]),
        "common slope": np.column_stack([xv, dummies]),
        "slope per family": np.column_stack([dummies * xv[:, None], dummies]),
    }
    n = len(yv)
    ss_tot = float(((yv - yv.mean()) ** 2).sum())
    rows: list[dict[str, float | str]] = []
    prev: tuple[float, int] | None = None
    for name, design in designs.items():
        p = int(np.linalg.matrix_rank(design))
        rss = _rss(design, yv)
        row: dict[str, float | str] = {
            "model": name,
            "parameters": p,
            "rss": rss,
            "r2": 1.0 - rss / ss_tot if ss_tot > 0 else math.nan,
            "F": math.nan,
            "df_num": math.nan,
            "df_den": math.nan,
            "p_value": math.nan,
        }
        if prev is not None:
            df_num, df_den = p - prev[1], n - p
            if df_num > 0 and df_den > 0 and rss > 0:
                stat = ((prev[0] - rss) / df_num) / (rss / df_den)
                row.update(
                    F=stat,
                    df_num=df_num,
                    df_den=df_den,
                    p_value=float(f_dist.sf(stat, df_num, df_den)),
                )
        rows.append(row)
        prev = (rss, p)
    out = pd.DataFrame(rows).set_index("model")
    out.attrs["n_models"] = n
    out.attrs["n_families"] = len(fams)
    return out


def efficiency_table(
    frame: pd.DataFrame,
    reference: str = "Llama-2",
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
    level: float = 0.95,
) -> pd.DataFrame:
    """Compute efficiency of each family relative to ``reference`` at a common slope (Eq. 4).

    Fits y = θx + ν_f by least squares (one slope θ shared by all families, an
    offset ν_f each). At equal y, family f needs (ν_f − ν_ref)/θ fewer decades
    of compute than the reference, i.e. ``multiplier`` = 10^((ν_f − ν_ref)/θ)
    times less (a multiplier below 1 means more compute). The ``level``
    interval is a delta-method interval on the decades, with a Student-t
    quantile, from the full covariance of (θ, ν_f, ν_ref): unlike an interval
    on ν_f − ν_ref alone it includes the slope's uncertainty.

    Columns: ``family``, ``kind``, ``n``, ``intercept`` (ν_f),
    ``intercept_se``, ``decades``, ``decades_se``, ``multiplier``, ``lo``,
    ``hi``; sorted from most to least efficient. ``attrs`` hold ``slope``,
    ``slope_se``, ``reference``, ``r2`` and ``dof``.
    """
    if not 0 < check_number("level", level, example="0.95") < 1:
        raise OSLInputError(f"level must be in (0, 1); got {level}")
    data = _usable(frame, x, y, family, min_models)
    fams = sorted(data[family].unique())
    if reference not in fams:
        if family in frame.columns and reference in set(frame[family]):
            raise NotEnoughModelsError(
                f"reference family {reference!r} has fewer than {max(min_models, 2)} usable models"
            )
        raise UnknownFamilyError(f"reference family {reference!r} is not in the data")
    xv = data[x].to_numpy(float)
    yv = data[y].to_numpy(float)
    design = np.column_stack(
        [xv, pd.get_dummies(data[family]).reindex(columns=fams).to_numpy(float)]
    )
    coef, *_ = np.linalg.lstsq(design, yv, rcond=None)
    resid = yv - design @ coef
    dof = len(yv) - design.shape[1]
    if dof < 1:
        raise NotEnoughModelsError("no residual degrees of freedom: add models or drop families")
    cov = float(resid @ resid) / dof * np.linalg.inv(design.T @ design)
    slope = float(coef[0])
    if slope <= 0:
        raise OSLInputError(f"the common slope is {slope:.3g} ≤ 0; multipliers are undefined")
    q = float(student_t.ppf(0.5 + level / 2, dof))
    r = 1 + fams.index(reference)
    counts = data[family].value_counts()
    rows = []
    for i, fam in enumerate(fams, start=1):
        diff = float(coef[i] - coef[r])
        decades = diff / slope
        # Gradient of (ν_f − ν_ref)/θ with respect to (θ, ν_f, ν_ref).
        grad = np.zeros(len(coef))
        grad[0] = -diff / slope**2
        grad[i] += 1.0 / slope
        grad[r] -= 1.0 / slope
        se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
        rows.append(
            {
                "family": fam,
                "n": int(counts[fam]),
                "intercept": float(coef[i]),
                "intercept_se": math.sqrt(float(cov[i, i])),
                "decades": decades,
                "decades_se": se,
                "multiplier": 10**decades,
                "lo": 10 ** (decades - q * se),
                "hi": 10 ** (decades + q * se),
            }
        )
    out = pd.DataFrame(rows)
    out.insert(1, "kind", family_kind(out["family"]))
    out = out.sort_values("decades", ascending=False, kind="stable").reset_index(drop=True)
    ss_tot = float(((yv - yv.mean()) ** 2).sum())
    out.attrs.update(
        slope=slope,
        slope_se=math.sqrt(float(cov[0, 0])),
        reference=reference,
        r2=1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else math.nan,
        dof=dof,
    )
    return out


def family_gaps(
    frame: pd.DataFrame,
    reference: str = "Llama-2",
    x: str = "log10_flops",
    y: str = "PC-1",
    family: str = "Model Family",
    min_models: int = 2,
) -> pd.DataFrame:
    """Each family's mean ``y`` and mean ``x`` minus those of ``reference``.

    Over the models :func:`efficiency_table` uses. With one common slope θ and
    an offset per family fitted by least squares, each offset is
    ν_f = ȳ_f − θ·x̄_f, so the distance that :func:`efficiency_table` reports is

        decades_f = (ν_f − ν_ref)/θ = gap_y/θ − gap_x,

    the gap in capability converted into decades at the common slope, minus the
    gap in compute. Only the first term depends on θ: a family whose mean
    capability is far from the reference's moves most when θ is fitted on
    another set of families. Columns: ``family``, ``n``, ``gap_y``, ``gap_x``.
    """
    data = _usable(frame, x, y, family, min_models)
    means = data.groupby(family)[[y, x]].mean()
    if reference not in means.index:
        raise UnknownFamilyError(
            f"reference family {reference!r} has fewer than {max(min_models, 2)} usable models"
            if family in frame.columns and reference in set(frame[family])
            else f"reference family {reference!r} is not in the data"
        )
    gaps = means - means.loc[reference]
    return pd.DataFrame(
        {
            "family": means.index.to_numpy(),
            "n": data[family].value_counts().reindex(means.index).to_numpy(),
            "gap_y": gaps[y].to_numpy(),
            "gap_x": gaps[x].to_numpy(),
        }
    )


def efficiency_vs_data(
    table: pd.DataFrame,
    frame: pd.DataFrame,
    kind: str | None = "general",
    family: str = "Model Family",
    tokens: str = "Pretraining Data Size (T)",
) -> pd.DataFrame:
    """Each family's efficiency (``decades`` from :func:`efficiency_table`) next to its data size.

    Adds ``tokens_T`` (the median number of training tokens of the family's
    models, in trillions) and ``log10_tokens``; keeps only families of
    ``kind`` (``None``: all). ``attrs`` hold Spearman's ``rho``, its
    ``p_value`` and ``n``. Newer families tend both to train on more tokens
    and to use better data, so a positive ρ describes the families; it does
    not say that more tokens alone cause the efficiency.
    """
    require_columns(table, ["family", "kind", "decades"], "table", "; pass efficiency_table(...)")
    sizes = frame.groupby(family)[tokens].median()
    out = table[["family", "kind", "n", "decades", "multiplier"]].copy()
    out["tokens_T"] = out["family"].map(sizes).astype(float)
    if kind is not None:
        out = out[out["kind"] == kind]
    out = out.dropna(subset=["tokens_T"]).reset_index(drop=True)
    out["log10_tokens"] = np.log10(out["tokens_T"] * 1e12)
    if len(out) < 3:
        raise NotEnoughModelsError("a rank correlation needs at least three families")
    res = spearmanr(out["decades"], out["tokens_T"])
    out.attrs = {"rho": float(res.statistic), "p_value": float(res.pvalue), "n": len(out)}
    return out
