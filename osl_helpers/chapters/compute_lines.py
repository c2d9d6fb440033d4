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

The ``*_numbers`` functions return the plain numbers the chapter quotes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import f as f_dist
from scipy.stats import spearmanr
from scipy.stats import t as student_t

from osl_helpers import compute
from osl_helpers._validation import (
    NotEnoughModelsError,
    OSLInputError,
    UnknownFamilyError,
    check_number,
    numeric_column,
    require_columns,
)
from osl_helpers.capabilities import CapabilityPCA
from osl_helpers.compute import (
    fit_common_slope_lines,
    fit_family_lines,
    fit_pooled_line,
    training_flops,
)
from osl_helpers.data import BENCHMARKS, CODE_FAMILIES

__all__ = [
    "data_numbers",
    "data_size_numbers",
    "efficiency_numbers",
    "efficiency_table",
    "efficiency_vs_data",
    "exercise_numbers",
    "family_gaps",
    "family_kind",
    "family_lines",
    "family_models",
    "linearity_numbers",
    "linearity_summary",
    "linearity_table",
    "nested_line_fits",
    "nested_numbers",
    "starcoder2_numbers",
    "summary_numbers",
    "with_capabilities",
]

FloatArray = NDArray[np.float64]


def family_kind(families: pd.Series) -> pd.Series:
    """``"code"`` for the families trained mostly on code (:data:`~osl_helpers.data.CODE_FAMILIES`), else ``"general"``."""
    return families.isin(CODE_FAMILIES).map({True: "code", False: "general"})


def _usable(frame: pd.DataFrame, x: str, y: str, family: str, min_models: int) -> pd.DataFrame:
    """The usable rows of ``compute._usable`` in families with at least ``min_models`` (≥ 2) of them."""
    data = compute._usable(frame, x, y, family)
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
    fit = fit_common_slope_lines(frame, x=x, y=y, family=family, min_models=max(min_models, 2))
    fams = list(fit.table["family"])
    if reference not in fams:
        if family in frame.columns and reference in set(frame[family]):
            raise NotEnoughModelsError(
                f"reference family {reference!r} has fewer than {max(min_models, 2)} usable models"
            )
        raise UnknownFamilyError(f"reference family {reference!r} is not in the data")
    dof = fit.table.attrs["dof"]
    if dof < 1:
        raise NotEnoughModelsError("no residual degrees of freedom: add models or drop families")
    cov = np.asarray(fit.table.attrs["cov"], dtype=float)
    slope = fit.slope
    if slope <= 0:
        raise OSLInputError(f"the common slope is {slope:.3g} ≤ 0; multipliers are undefined")
    q = float(student_t.ppf(0.5 + level / 2, dof))
    coef = np.concatenate([[slope], fit.table["intercept"].to_numpy(float)])
    r = 1 + fams.index(reference)
    ns, ses = fit.table["n"].to_numpy(int), fit.table["intercept_se"].to_numpy(float)
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
                "n": int(ns[i - 1]),
                "intercept": float(coef[i]),
                "intercept_se": float(ses[i - 1]),
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
    out.attrs.update(
        slope=slope, slope_se=fit.table.attrs["slope_se"], reference=reference, r2=fit.r2, dof=dof
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


# --------------------------------------------------------------------------- the chapter's numbers


def data_numbers(models: pd.DataFrame) -> dict[str, Any]:
    """The models, which have a known compute C, and how far 6ND is from the table's log10 C."""
    flops = training_flops(
        models["Model Size (B)"] * 1e9, models["Pretraining Data Size (T)"] * 1e12
    )
    gap = np.abs(np.log10(flops) - models["log10_flops"])
    no_flops = models.loc[models["log10_flops"].isna(), "Model"].tolist()
    return {
        "n_models": len(models),
        "n_with_flops": int(models["log10_flops"].notna().sum()),
        "max_gap": float(gap.max()),
        "no_flops": " and ".join(no_flops),
        "n_no_flops": len(no_flops),
        "n_bench": len(BENCHMARKS),
    }


def with_capabilities(models: pd.DataFrame, pca: CapabilityPCA) -> pd.DataFrame:
    """``models`` with their capabilities S = γ(B − μ) (Eq. 5) and ``kind`` (code or general model)."""
    out = models.join(pca.transform(models[BENCHMARKS]).set_axis(models.index))
    out["kind"] = family_kind(out["Model Family"]) + " model"
    return out


def family_lines(
    frame: pd.DataFrame, y: str = "PC-1", x: str = "log10_flops", family: str = "Model Family"
) -> pd.DataFrame:
    """The lines y = θ_f x + ν_f of :func:`~osl_helpers.compute.fit_family_lines` (Eq. 4).

    The family column keeps the frame's name (``family``, e.g. ``Model Family``),
    as ``osl.charts.family_scatter`` expects of its ``lines``.
    """
    lines = fit_family_lines(frame, x=x, y=y, family=family)
    return lines.set_axis([family, *lines.columns[1:]], axis=1)


def linearity_numbers(lin: pd.DataFrame) -> dict[str, Any]:
    """How many families :func:`linearity_table` finds linear, their R², and the exceptions."""
    return {
        "n_fam3": len(lin),
        "n_linear": int(lin["linear"].sum()),
        "median_r2": float(lin["r2"].median()),
        "min_r2_linear": float(lin.loc[lin["linear"], "r2"].min()),
        "exceptions": ", ".join(lin.loc[~lin["linear"], "family"].tolist()),
    }


def family_models(
    models: pd.DataFrame, family: str, family_column: str = "Model Family"
) -> pd.DataFrame:
    """The models of one family, from least to most compute."""
    return models[models[family_column] == family].sort_values("log10_flops")


def starcoder2_numbers(sc2: pd.DataFrame, lin: pd.DataFrame, pc1: pd.Series) -> dict[str, Any]:
    """Why StarCoder2's line bends: the steps of PC-1 per decade and GSM8K's share of the last one.

    ``sc2`` is :func:`family_models` of StarCoder2, ``lin`` its
    :func:`linearity_table` and ``pc1`` the loadings γ_1 of PC-1.
    """
    steps = sc2["PC-1"].diff() / sc2["log10_flops"].diff()
    by_family = lin.set_index("family")
    contrib = sc2[BENCHMARKS].diff().iloc[2] * pc1
    return {
        "sc2_r2": float(by_family["r2"]["StarCoder2"]),
        "sc2_step_small": float(steps.iloc[1]),
        "sc2_step_large": float(steps.iloc[2]),
        "sc2_tokens": ", ".join(f"{t:g}" for t in sc2["Pretraining Data Size (T)"]),
        "sc2_span": float(by_family["span"]["StarCoder2"]),
        "sc2_gsm_small": float(sc2["GSM8K"].iloc[1]),
        "sc2_gsm_large": float(sc2["GSM8K"].iloc[2]),
        "sc2_gsm_share": 100 * float(contrib["GSM8K"] / contrib.sum()),
    }


def summary_numbers(summary: pd.DataFrame) -> dict[str, int]:
    """From :func:`linearity_summary`: linear and rising families of PC-2 and PC-3, rising of PC-1."""
    out = {}
    for pc in ("PC-2", "PC-3"):
        key = pc.replace("-", "").lower()
        out[f"{key}_linear"] = int(summary["linear"][pc])
        out[f"{key}_rising"] = int(summary["rising"][pc])
    out["pc1_rising"] = int(summary["rising"]["PC-1"])
    return out


def nested_numbers(nested: pd.DataFrame) -> dict[str, Any]:
    """Size, R² and F-test p-values of :func:`nested_line_fits`."""
    return {
        "nested_n": nested.attrs["n_models"],
        "nested_f": nested.attrs["n_families"],
        "common_r2": float(nested["r2"]["common slope"]),
        "perfam_r2": float(nested["r2"]["slope per family"]),
        "p_offsets": float(nested["p_value"]["common slope"]),
        "p_slopes": float(nested["p_value"]["slope per family"]),
    }


def efficiency_numbers(table: pd.DataFrame) -> dict[str, Any]:
    """From :func:`efficiency_table`: θ, the most and least efficient families, intervals off parity."""
    best, worst = table.iloc[0], table.iloc[-1]
    code = table[table["kind"] == "code"]
    return {
        "theta": table.attrs["slope"],
        "theta_se": table.attrs["slope_se"],
        "n_eff": len(table),
        "best": best["family"],
        "best_mult": float(best["multiplier"]),
        "best_lo": float(best["lo"]),
        "best_hi": float(best["hi"]),
        "worst": worst["family"],
        "worst_more": float(1 / worst["multiplier"]),
        "worst_more_lo": float(1 / worst["hi"]),
        "worst_more_hi": float(1 / worst["lo"]),
        "n_above": int((table["lo"] > 1).sum()),
        "above": ", ".join(table.loc[table["lo"] > 1, "family"]),
        "n_below": int((table["hi"] < 1).sum()),
        "n_code": len(code),
        "n_code_below_one": int((code["multiplier"] < 1).sum()),
    }


def data_size_numbers(by_data: pd.DataFrame, general: pd.DataFrame) -> dict[str, Any]:
    """Spearman's ρ of :func:`efficiency_vs_data` for general families and for all."""
    return {
        "rho_general": general.attrs["rho"],
        "p_general": general.attrs["p_value"],
        "n_general": general.attrs["n"],
        "rho_all": by_data.attrs["rho"],
        "p_all": by_data.attrs["p_value"],
    }


def exercise_numbers(
    models: pd.DataFrame, lin: pd.DataFrame, nested: pd.DataFrame, sc2: pd.DataFrame
) -> dict[str, Any]:
    """Numbers of the exercise solutions: standardised PCA, parameters instead of compute, and R² by chance.

    The last part draws 20 000 noisy lines through StarCoder2's x at its own
    slope and at the median slope, with the residual σ of the
    slope-per-family fit, and reports how often R² < 0.9 (seeded).
    """
    std = CapabilityPCA(n_components=3, standardize=True).fit(models[BENCHMARKS])
    std_models = models.drop(columns=["PC-1", "PC-2", "PC-3"]).join(
        std.transform(models[BENCHMARKS])
    )
    std_lin = linearity_table(std_models, y="PC-1")
    par_lin = linearity_table(models, y="PC-1", x="log10_params")
    row = nested.loc["slope per family"]
    sd = np.sqrt(row["rss"] / (nested.attrs["n_models"] - row["parameters"]))
    x = sc2["log10_flops"].to_numpy()
    rng = np.random.default_rng(0)
    sc2_slope = float(lin.set_index("family")["slope"]["StarCoder2"])
    shares = []
    for slope in (sc2_slope, lin["slope"].median()):
        y = slope * x + rng.normal(0.0, sd, size=(20_000, len(x)))
        shares.append(100 * np.mean([np.corrcoef(x, r)[0, 1] ** 2 < 0.9 for r in y]))
    return {
        "ex_std_n_linear": int(std_lin["linear"].sum()),
        "ex_std_n_fam3": len(std_lin),
        "ex_std_sc2_r2": float(std_lin.set_index("family")["r2"]["StarCoder2"]),
        "ex_std_pooled_r2": fit_pooled_line(std_models, y="PC-1")["r2"],
        "ex_par_n_linear": int(par_lin["linear"].sum()),
        "ex_par_n_fam3": len(par_lin),
        "ex_par_median_r2": float(par_lin["r2"].median()),
        "ex_par_pooled_r2": fit_pooled_line(models, x="log10_params", y="PC-1")["r2"],
        "ex_sd": float(sd),
        "ex_sc2_slope": sc2_slope,
        "ex_med_slope": float(lin["slope"].median()),
        "ex_p_own": float(shares[0]),
        "ex_p_med": float(shares[1]),
    }
