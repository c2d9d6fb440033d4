"""Chart builders for the chapter on the low-dimensional capability space (Sec. 3.2).

* :func:`error_strip`: one point per repeat of an imputation check, one row per
  method, with each method's mean marked.
* :func:`null_intervals`: observed statistics (e.g. principal angles of a
  subset) against the range that sampling noise alone produces.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    NUMBER_FORMAT,
    category_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["error_strip", "null_intervals"]


def _title(text: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def _distinct(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.dropna().astype(str)))


def error_strip(
    errors: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    method: str = "method",
    value: str = "rmse",
    repeat: str = "repeat",
    x_title: str = "RMSE on the hidden cells (accuracy)",
    row_step: int = 46,
    width: int = 440,
) -> alt.LayerChart:
    """Each repeat's error as a point (colour and shape by method) and each method's mean as a bar.

    ``errors`` is tidy: one row per ``repeat`` and ``method`` with the error in ``value``.
    Methods keep their order of first appearance. ``width`` is in pixels (narrower than
    :data:`~osl_helpers.charts.style.WIDTH`, leaving room for the legend).
    """
    require_columns(errors, [method, value, repeat], "errors")
    if not pd.api.types.is_numeric_dtype(errors[value]):
        raise OSLInputError(f"errors[{value!r}] must be numeric")
    data = errors.loc[:, [method, repeat, value]].dropna().reset_index(drop=True)
    data[method] = data[method].astype(str)
    methods = _distinct(data[method])
    y = alt.Y(field=method, type="nominal", sort=methods, title=None)
    x = (
        alt.X(field=value, type="quantitative", title=x_title)
        .scale(zero=True)
        .axis(format=".2f", tickCount=6)
    )
    color = alt.Color(field=method, type="nominal", title="method", scale=category_scale(methods))
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=55, opacity=0.7)
        .encode(
            x=x,
            y=y,
            yOffset=alt.YOffset(field="jitter", type="quantitative").scale(domain=[-1, 1]),
            color=color,
            shape=alt.Shape(
                field=method, type="nominal", title="method", scale=shape_scale(methods)
            ),
            tooltip=tooltips(data, [method, repeat, value], {value: x_title}),
        )
        .transform_calculate(jitter=f"(datum['{repeat}'] % 7 - 3) / 4")
    )
    mean = (
        alt.Chart(data)
        .transform_aggregate(mean=f"mean({value})", n="count()", groupby=[method])
        .mark_tick(thickness=3, size=row_step * 0.8, color="black")
        .encode(
            x=alt.X(field="mean", type="quantitative"),
            y=y,
            tooltip=[
                alt.Tooltip(field=method, type="nominal", title="method"),
                alt.Tooltip(field="mean", type="quantitative", title="mean", format=NUMBER_FORMAT),
                alt.Tooltip(field="n", type="quantitative", title="repeats"),
            ],
        )
    )
    label = (
        alt.Chart(data)
        .transform_aggregate(mean=f"mean({value})", groupby=[method])
        .mark_text(align="left", dx=6, dy=-row_step * 0.3, fontSize=11)
        .encode(
            x=alt.X(field="mean", type="quantitative"),
            y=y,
            text=alt.Text(field="mean", type="quantitative", format=".3f"),
        )
    )
    return alt.LayerChart(layer=[points, mean, label], title=_title(title, subtitle)).properties(
        width=width, height=alt.Step(row_step)
    )


def null_intervals(
    table: pd.DataFrame,
    title: str,
    x_title: str,
    *,
    subtitle: str | None = None,
    item: str = "quantity",
    group: str = "subset",
    observed: str = "observed",
    lo: str = "null_lo",
    mid: str = "null_median",
    hi: str = "null_hi",
    row_step: int = 30,
    width: int = 440,
) -> alt.LayerChart:
    """Per row, a grey bar for the null range ``lo``–``hi`` with its median, and the observed value.

    ``table`` has one row per ``group`` (e.g. a model subset) and ``item``
    (e.g. a principal angle); rows are labelled "group · item". The observed
    value is a point coloured and shaped by ``group``; a tooltip gives all
    four numbers. ``width`` is in pixels.
    """
    require_columns(table, [item, group, observed, lo, mid, hi], "table")
    data = table.loc[:, [group, item, observed, lo, mid, hi]].reset_index(drop=True)
    if (data[lo] > data[hi]).any():
        raise OSLInputError(f"{lo} > {hi} in some rows")
    data[group] = data[group].astype(str)
    data[item] = data[item].astype(str)
    data["row"] = data[group] + " · " + data[item]
    rows = list(dict.fromkeys(data["row"]))
    groups = _distinct(data[group])
    names = {observed: "observed", lo: "null 5%", mid: "null median", hi: "null 95%"}
    tips = tooltips(data, [group, item, observed, lo, mid, hi], names)
    base = alt.Chart(data).encode(
        y=alt.Y(field="row", type="nominal", sort=rows, title=None), tooltip=tips
    )
    band = base.mark_bar(height={"band": 0.5}, color="#cccccc").encode(
        x=alt.X(field=lo, type="quantitative", title=x_title).scale(zero=True),
        x2=alt.X2(field=hi),
    )
    median = base.mark_tick(thickness=2, size=row_step * 0.55, color="#555555").encode(
        x=alt.X(field=mid, type="quantitative")
    )
    point = base.mark_point(filled=True, size=90, stroke="black", strokeWidth=0.6).encode(
        x=alt.X(field=observed, type="quantitative"),
        color=alt.Color(field=group, type="nominal", title=group, scale=category_scale(groups)),
        shape=alt.Shape(field=group, type="nominal", title=group, scale=shape_scale(groups)),
    )
    return alt.LayerChart(layer=[band, median, point], title=_title(title, subtitle)).properties(
        width=width, height=alt.Step(row_step)
    )
