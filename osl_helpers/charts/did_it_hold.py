"""Chart builders for the chapter "Did the predictions hold?".

* :func:`reliability_chart`: nominal against empirical coverage of prediction
  intervals, one line per method with a binomial error bar on each point and
  the diagonal of perfect calibration; one panel per split.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    category_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["reliability_chart"]

_DASHES = [[1, 0], [6, 3], [2, 2], [9, 3, 2, 3]]


def reliability_chart(
    summary: pd.DataFrame,
    title: str = "Do nominal intervals cover what they promise?",
    *,
    subtitle: str | None = None,
    method: str = "method",
    split: str | None = "split",
    level: str = "level",
    coverage: str = "coverage",
    lo: str = "coverage_lo",
    hi: str = "coverage_hi",
    extra_tooltip: Sequence[str] = ("n", "width", "interval_score"),
    side: int = 260,
) -> alt.LayerChart | alt.FacetChart:
    """Reliability diagram: nominal ``level`` (x) against empirical ``coverage`` (y).

    ``summary`` has one row per method, split and level (e.g.
    :func:`osl_helpers.chapters.did_it_hold.interval_summary`); ``lo``/``hi`` bound each
    coverage (a binomial interval) and are drawn as error bars. Each method
    has its own colour, point shape and dash, so the chart reads without
    colour; the dotted diagonal is perfect calibration (points below it
    under-cover). With ``split``, one panel per split.
    """
    extra = [c for c in extra_tooltip if c in summary.columns]
    require_columns(summary, [method, split, level, coverage, lo, hi, *extra], "summary")
    if summary.empty:
        raise OSLInputError("summary is empty")
    cols = list(dict.fromkeys(c for c in [method, split, level, coverage, lo, hi, *extra] if c))
    data = summary[cols].reset_index(drop=True).copy()
    data[method] = data[method].astype(str)
    if split is not None:
        data[split] = data[split].astype(str)
    methods = list(dict.fromkeys(data[method]))
    if len(methods) > len(_DASHES):
        raise OSLInputError(f"at most {len(_DASHES)} methods; got {len(methods)}")
    axis = alt.Scale(domain=[0, 1], nice=False)
    x = alt.X(field=level, type="quantitative", title="nominal coverage", scale=axis)
    y = alt.Y(field=coverage, type="quantitative", title="empirical coverage", scale=axis)
    colour = alt.Color(field=method, type="nominal", title=method, scale=category_scale(methods))
    tips = tooltips(
        data,
        [method, split, level, coverage, lo, hi, *extra],
        {
            level: "nominal",
            coverage: "empirical",
            lo: "empirical (95% low)",
            hi: "empirical (95% high)",
        },
    )
    base = alt.Chart(data).encode(x=x, tooltip=tips)
    diagonal = (
        alt.Chart(data)
        .transform_aggregate(count="count()")
        .transform_calculate(d0="0", d1="1")
        .mark_rule(strokeDash=[2, 3], color="#555555")
        .encode(
            x=alt.X(field="d0", type="quantitative", scale=axis),
            y=alt.Y(field="d0", type="quantitative", scale=axis),
            x2=alt.X2(field="d1"),
            y2=alt.Y2(field="d1"),
            tooltip=alt.value("perfect calibration"),
        )
    )
    dash = alt.StrokeDash(
        field=method,
        type="nominal",
        title=method,
        scale=alt.Scale(domain=methods, range=_DASHES[: len(methods)]),
    )
    lines = base.mark_line(strokeWidth=1.8).encode(y=y, color=colour, strokeDash=dash)
    bars = base.mark_rule(strokeWidth=1.6).encode(
        y=alt.Y(field=lo, type="quantitative", scale=axis),
        y2=alt.Y2(field=hi),
        color=colour,
    )
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        color=colour,
        shape=alt.Shape(field=method, type="nominal", title=method, scale=shape_scale(methods)),
    )
    layers = alt.LayerChart(layer=[diagonal, lines, bars, points]).properties(
        width=side, height=side
    )
    head = alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined, anchor="start")
    if split is None:
        return layers.properties(title=head)
    return layers.facet(
        column=alt.Column(
            field=split, type="nominal", title=None, sort=list(dict.fromkeys(data[split]))
        ),
        title=head,
    )
