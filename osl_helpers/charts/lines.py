"""Line and interval charts: one line per group with a band, and ranges per item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    HEIGHT,
    WIDTH,
    _as_label,
    _distinct,
    _field,
    _layer,
    _order,
    _require_numeric,
    _slim,
    _title,
    category_scale,
    column_label,
    integer_axis,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["line_with_band", "range_chart"]


def line_with_band(
    df: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    lo: str | None = None,
    hi: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = False,
    *,
    subtitle: str | None = None,
    log_x: bool = False,
    extra_tooltip: Sequence[str] = (),
) -> alt.LayerChart:
    """One line per ``group`` (colour and point shape) with an optional ``lo``–``hi`` band.

    Titles default to the reader's names of the columns (``n_train`` → "training
    models"); an x of whole numbers (a count, K, a budget) has whole-number ticks
    unless ``log_x``.
    """
    require_columns(df, [x, y, group, lo, hi, *extra_tooltip], "df")
    _require_numeric(df, [x, y, lo, hi], "df")
    if (lo is None) != (hi is None):
        raise OSLInputError("give both lo and hi for a band, or neither")
    data = _slim(df, [group, x, y, lo, hi, *extra_tooltip])
    data[group] = _as_label(data[group])
    if log_y:
        cols = [c for c in (y, lo, hi) if c is not None]
        if (data[cols] <= 0).to_numpy().any():
            raise OSLInputError(f"log_y needs positive values in {cols}")
    if log_x and (data[x] <= 0).any():
        raise OSLInputError(f"log_x needs positive values in {x!r}")
    xt, yt = x_title or column_label(x), y_title or column_label(y)
    x_enc = alt.X(field=_field(x), type="quantitative", title=xt).scale(
        alt.Scale(type="log") if log_x else alt.Scale(zero=False)
    )
    whole = {} if log_x else integer_axis(data[x])  # a log axis picks its own ticks
    if whole:
        x_enc = x_enc.axis(**whole)
    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    groups = _distinct(data[group])
    colors = category_scale(groups)
    # Below the plot and never truncated: group names are often long and alike.
    legend = alt.Legend(orient="bottom", columns=2, labelLimit=0)
    group_title = column_label(group)
    color = alt.Color(
        field=_field(group), type="nominal", title=group_title, scale=colors, legend=legend
    )
    tips = tooltips(data, [group, x, y, lo, hi, *extra_tooltip], {x: xt, y: yt})
    base = alt.Chart(data).encode(x=x_enc, tooltip=tips)
    layers: list[alt.Chart] = []
    if lo is not None and hi is not None:
        layers.append(
            # fillOpacity (not opacity) keeps the legend symbols solid.
            base.mark_area(fillOpacity=0.18).encode(
                y=alt.Y(field=_field(lo), type="quantitative", title=yt, scale=y_scale),
                y2=alt.Y2(field=_field(hi)),
                color=color,
                detail=alt.Detail(field=_field(group), type="nominal"),
            )
        )
    y_enc = alt.Y(field=_field(y), type="quantitative", title=yt, scale=y_scale)
    layers.append(base.mark_line(strokeWidth=2).encode(y=y_enc, color=color))
    layers.append(
        base.mark_point(filled=True, size=55).encode(
            y=y_enc,
            color=color,
            shape=alt.Shape(
                field=_field(group),
                type="nominal",
                title=group_title,
                scale=shape_scale(groups),
                legend=legend,
            ),
        )
    )
    return _layer(layers, _title(title, subtitle)).properties(width=WIDTH, height=HEIGHT)


def range_chart(
    df: pd.DataFrame,
    x_title: str,
    title: str = "",
    *,
    subtitle: str | None = None,
    item: str = "item",
    start: str = "start",
    end: str = "end",
    label: str | None = None,
    group: str | None = None,
    order: Sequence[str] | None = None,
    row_step: int = 22,
) -> alt.LayerChart:
    """Horizontal interval per ``item`` from ``start`` to ``end``, e.g. where a benchmark is informative.

    ``label`` writes text after each bar; ``group`` colours the bars and gives
    the end markers a shape. Items keep ``order`` (default: as given).
    """
    require_columns(df, [item, start, end, label, group], "df")
    _require_numeric(df, [start, end], "df")
    bad = df[df[start] > df[end]]
    if not bad.empty:
        raise OSLInputError(f"start > end for item(s) {_distinct(bad[item])[:5]}")
    data = _slim(df, [item, group, start, end, label])
    data[item] = data[item].astype(str)
    if group is not None:
        data[group] = _as_label(data[group])
    items = _order(_distinct(data[item]), order, "order")
    tips = tooltips(
        data, [item, group, start, end, label], {start: f"{x_title} (from)", end: f"{x_title} (to)"}
    )
    base = alt.Chart(data).encode(
        y=alt.Y(field=_field(item), type="nominal", sort=items, title=None),
        tooltip=tips,
    )
    x_enc = alt.X(field=_field(start), type="quantitative", title=x_title).scale(zero=False)
    enc: dict[str, Any] = {}
    ends: dict[str, Any] = {}
    if group is not None:
        groups = _distinct(data[group])
        group_title = column_label(group)
        enc["color"] = alt.Color(
            field=_field(group), type="nominal", title=group_title, scale=category_scale(groups)
        )
        ends["shape"] = alt.Shape(
            field=_field(group), type="nominal", title=group_title, scale=shape_scale(groups)
        )
    bars = base.mark_bar(height={"band": 0.55}, opacity=0.8).encode(
        x=x_enc, x2=alt.X2(field=_field(end)), **enc
    )
    marker = base.mark_point(filled=True, size=45, color="#333333")
    layers: list[alt.Chart] = [
        bars,
        marker.encode(x=x_enc, **ends),
        marker.encode(x=alt.X(field=_field(end), type="quantitative"), **ends),
    ]
    if label is not None:
        layers.append(
            base.mark_text(align="left", dx=8, fontSize=11).encode(
                x=alt.X(field=_field(end), type="quantitative"),
                text=alt.Text(field=_field(label), type="nominal"),
            )
        )
    return _layer(layers, _title(title, subtitle)).properties(
        width=WIDTH, height=alt.Step(row_step)
    )
