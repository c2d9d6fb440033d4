"""Chart builders for the chapter on capabilities against log compute (Sec. 3.3).

* :func:`multiplier_forest`: one row per family with its compute multiplier
  relative to a reference family (log scale), its confidence interval and a
  rule at parity.
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    WIDTH,
    category_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["multiplier_forest"]


def _title(text: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def multiplier_forest(
    table: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    item: str = "family",
    estimate: str = "multiplier",
    lo: str = "lo",
    hi: str = "hi",
    group: str | None = "kind",
    extra_tooltip: tuple[str, ...] = ("n",),
    x_title: str = "compute multiplier (log scale; > 1: less compute for the same capability)",
    parity: float = 1.0,
    row_step: int = 22,
) -> alt.LayerChart:
    """Forest plot: per ``item`` a bar from ``lo`` to ``hi`` and a point at ``estimate``.

    The x axis is logarithmic (multipliers are ratios); a dashed rule marks
    ``parity`` (the reference family). Rows keep the order of ``table``.
    ``group`` (e.g. code or general family) sets colour and point shape; each
    point's label writes the estimate as "N×".
    """
    require_columns(table, [item, estimate, lo, hi, group, *extra_tooltip], "table")
    cols = list(dict.fromkeys(c for c in (item, group, estimate, lo, hi, *extra_tooltip) if c))
    data = table.loc[:, cols].reset_index(drop=True)
    values = data[[estimate, lo, hi]]
    if not all(pd.api.types.is_numeric_dtype(values[c]) for c in values.columns):
        raise OSLInputError(f"table: {estimate!r}, {lo!r} and {hi!r} must be numeric")
    if (values.to_numpy() <= 0).any():
        raise OSLInputError("multipliers and their bounds must be positive for a log axis")
    if ((data[lo] > data[estimate]) | (data[estimate] > data[hi])).any():
        raise OSLInputError(f"need {lo} ≤ {estimate} ≤ {hi} in every row")
    data[item] = data[item].astype(str)
    if group is not None:
        data[group] = data[group].astype(str)
    data["label"] = data[estimate].map(lambda v: f"{v:.2g}×")
    order = list(dict.fromkeys(data[item]))
    names = {estimate: "multiplier", lo: "interval from", hi: "interval to"}
    tips = tooltips(data, [item, group, estimate, lo, hi, *extra_tooltip], names)
    y = alt.Y(field=item, type="nominal", sort=order, title=None)
    x_scale = alt.Scale(type="log")
    # Gridlines and labels at whole powers of ten only.
    lo_exp = math.floor(math.log10(min(float(values.to_numpy().min()), parity)))
    hi_exp = math.ceil(math.log10(max(float(values.to_numpy().max()), parity)))
    x_axis = alt.Axis(values=[10.0**k for k in range(lo_exp, hi_exp + 1)], format="~g")
    base = alt.Chart(data).encode(y=y, tooltip=tips)
    enc: dict[str, alt.Color | alt.Shape] = {}
    if group is not None:
        groups = list(dict.fromkeys(data[group]))
        # Legend below the plot, so that it never widens the chart beyond the page.
        legend = alt.Legend(orient="bottom", direction="horizontal")
        enc["color"] = alt.Color(
            field=group, type="nominal", title=group, scale=category_scale(groups), legend=legend
        )
        enc["shape"] = alt.Shape(
            field=group, type="nominal", title=group, scale=shape_scale(groups), legend=legend
        )
    bars = base.mark_rule(strokeWidth=2.5, opacity=0.6).encode(
        x=alt.X(field=lo, type="quantitative", title=x_title, scale=x_scale, axis=x_axis),
        x2=alt.X2(field=hi),
        **({"color": enc["color"]} if "color" in enc else {}),
    )
    points = base.mark_point(filled=True, size=70, stroke="black", strokeWidth=0.5).encode(
        x=alt.X(field=estimate, type="quantitative", scale=x_scale), **enc
    )
    labels = base.mark_text(align="left", dx=7, dy=-8, fontSize=10).encode(
        x=alt.X(field=estimate, type="quantitative", scale=x_scale),
        text=alt.Text(field="label", type="nominal"),
    )
    rule = (
        alt.Chart(pd.DataFrame({"parity": [parity]}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(
            x=alt.X(field="parity", type="quantitative", title=x_title, scale=x_scale, axis=x_axis)
        )
    )
    return alt.LayerChart(
        layer=[rule, bars, points, labels], title=_title(title, subtitle)
    ).properties(width=WIDTH, height=alt.Step(row_step))
