"""Principal-component charts: variance explained (scree) and benchmark weights."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    HEIGHT,
    OKABE_ITO,
    WIDTH,
    _distinct,
    _layer,
    _require_numeric,
    _title,
    column_label,
    require_columns,
    value_label,
)

__all__ = ["scree", "weights_bar"]


def scree(
    explained_ratio: pd.Series | Sequence[float] | np.ndarray,
    title: str = "Variance explained by the principal components",
    *,
    subtitle: str | None = None,
) -> alt.LayerChart:
    """Bars of each component's share of variance and a line of the cumulative share.

    A Series keeps its index as component names; other input is named PC-1, PC-2, ….
    """
    vals = np.asarray(explained_ratio, dtype=float).ravel()
    if vals.size == 0 or not np.isfinite(vals).all():
        raise OSLInputError("explained_ratio must be a non-empty sequence of finite numbers")
    if (vals < 0).any() or vals.sum() > 1 + 1e-6:
        raise OSLInputError(
            "explained_ratio must hold non-negative fractions summing to at most 1 "
            f"(sum is {vals.sum():.4g})"
        )
    if isinstance(explained_ratio, pd.Series):
        names = [str(i) for i in explained_ratio.index]
    else:
        names = [f"PC-{i + 1}" for i in range(vals.size)]
    wide = pd.DataFrame(
        {"component": names, "ratio": vals, "cumulative": np.cumsum(vals), "k": range(vals.size)}
    )
    # Long form: one row per component and quantity, so colour has a field and a legend.
    data = pd.concat(
        [
            wide.assign(share="per component", value=wide["ratio"]),
            wide.assign(share="cumulative", value=wide["cumulative"]),
        ],
        ignore_index=True,
    )
    tips = [
        alt.Tooltip(field="component", type="nominal", title="component"),
        alt.Tooltip(field="ratio", type="quantitative", format=".1%", title="this component"),
        alt.Tooltip(field="cumulative", type="quantitative", format=".1%", title="cumulative"),
    ]
    shares = ["per component", "cumulative"]
    base = alt.Chart(data).encode(
        x=alt.X(field="component", type="nominal", sort=names, title="principal component").axis(
            labelAngle=0
        ),
        y=alt.Y(field="value", type="quantitative", title="fraction of variance explained")
        .axis(format="%")
        .scale(domain=[0, 1]),
        color=alt.Color(
            field="share",
            type="nominal",
            title="share of variance",
            scale=alt.Scale(domain=shares, range=OKABE_ITO[:2]),
        ),
        tooltip=tips,
    )
    per = base.transform_filter(alt.datum.share == "per component")
    cum = base.transform_filter(alt.datum.share == "cumulative")
    bars = per.mark_bar(opacity=0.85)
    bar_text = per.mark_text(dy=-10, baseline="bottom", fontSize=11).encode(
        text=alt.Text(field="ratio", type="quantitative", format=".1%"), color=alt.value("black")
    )
    line = cum.mark_line(strokeDash=[5, 3])
    points = cum.mark_point(shape="diamond", filled=True, size=70)
    # The first cumulative value equals the first bar, so only later ones get a label.
    cum_text = (
        cum.transform_filter(alt.datum.k > 0)
        .mark_text(align="right", dx=-8, dy=-8, fontSize=11)
        .encode(
            text=alt.Text(field="cumulative", type="quantitative", format=".0%"),
            color=alt.value("#555555"),
        )
    )
    return _layer([bars, bar_text, line, points, cum_text], _title(title, subtitle)).properties(
        width=WIDTH, height=HEIGHT
    )


def weights_bar(
    weights: pd.Series | pd.DataFrame,
    title: str = "Weight of each benchmark",
    *,
    subtitle: str | None = None,
    benchmark: str = "benchmark",
    weight: str = "weight",
    target: str | None = "target",
    value_title: str = "weight",
    fmt: str = ".2f",
    columns: int = 3,
) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars of benchmark weights (e.g. βᵀγ), one panel per target.

    ``weights`` is a Series indexed by benchmark, or a long frame with columns
    ``benchmark``, ``weight`` and (unless ``target`` is None) ``target``.
    Bars are coloured by sign and labelled with their value.
    """
    if isinstance(weights, pd.Series):
        data = pd.DataFrame(
            {"benchmark": [str(i) for i in weights.index], "weight": weights.to_numpy(float)}
        )
        target_title = None
    else:
        require_columns(weights, [benchmark, weight, target], "weights")
        _require_numeric(weights, [weight], "weights")
        data = pd.DataFrame(
            {
                "benchmark": weights[benchmark].astype(str).to_numpy(),
                "weight": weights[weight].astype(float).to_numpy(),
            }
        )
        if target is not None:
            names = weights[target].astype(str)
            shown = names.map(value_label)  # e.g. a paper setup's key → its title
            same = shown.nunique() == names.nunique()
            data["target"] = (shown if same else names).to_numpy()
        target_title = column_label(target) if target is not None else None
    data["sign"] = np.where(data["weight"] >= 0, "positive", "negative")
    order = _distinct(data["benchmark"])
    tips = [
        alt.Tooltip(field="benchmark", type="nominal", title=column_label(benchmark)),
        alt.Tooltip(field="weight", type="quantitative", title=value_title, format=".4~g"),
    ]
    if "target" in data:
        tips.insert(0, alt.Tooltip(field="target", type="nominal", title=target_title))
    # Room beyond the longest bars on both sides, so value labels never run into
    # the benchmark names (negative bars) or off the panel (positive bars).
    lo, hi = min(0.0, float(data["weight"].min())), max(0.0, float(data["weight"].max()))
    pad = 0.22 * ((hi - lo) or 1.0)
    domain = [lo - pad if lo < 0 else 0.0, hi + pad if hi > 0 else 0.0]
    base = alt.Chart(data).encode(
        y=alt.Y(field="benchmark", type="nominal", sort=order, title=column_label(benchmark)),
        x=alt.X(
            field="weight",
            type="quantitative",
            title=value_title,
            scale=alt.Scale(domain=domain, nice=False),
        ),
        tooltip=tips,
    )
    signs = alt.Scale(domain=["positive", "negative"], range=[OKABE_ITO[0], OKABE_ITO[3]])
    bars = base.mark_bar().encode(
        color=alt.Color(
            field="sign",
            type="nominal",
            title="sign",
            scale=signs,
            legend=alt.Legend(orient="bottom"),
        )
    )
    label = alt.Text(field="weight", type="quantitative", format=fmt)
    pos = (
        base.transform_filter("datum.weight >= 0").mark_text(align="left", dx=3).encode(text=label)
    )
    neg = (
        base.transform_filter("datum.weight < 0").mark_text(align="right", dx=-3).encode(text=label)
    )
    zero = (
        alt.Chart(data)
        .transform_aggregate(n="count()")
        .mark_rule(color="black")
        .encode(x=alt.datum(0))
    )
    layers = _layer([bars, pos, neg, zero])
    n_targets = data["target"].nunique() if "target" in data else 1
    if n_targets <= 1:
        return layers.properties(width=WIDTH - 120, title=_title(title, subtitle))
    ncol = max(1, min(columns, n_targets))
    panel = max(140, (WIDTH - 40) // ncol - 100)
    return layers.properties(width=panel).facet(
        facet=alt.Facet(
            field="target", type="nominal", title=target_title, sort=_distinct(data["target"])
        ),
        columns=ncol,
        title=_title(title, subtitle),
    )
