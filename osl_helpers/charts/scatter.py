"""Scatter plots of models by family (fitted laws are drawn by :mod:`osl_helpers.charts.fits`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    HEIGHT,
    WIDTH,
    _as_label,
    _distinct,
    _fade_unpicked,
    _family_pick,
    _field,
    _layer,
    _require_numeric,
    _slim,
    _title,
    column_label,
    family_scale,
    integer_axis,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["family_scatter"]


def _check_highlight(frame: pd.DataFrame, model: str, highlight: Sequence[str] | None) -> list[str]:
    if highlight is None:
        return []
    if isinstance(highlight, str):  # a bare name would otherwise be split into letters
        highlight = [highlight]
    known = set(frame[model].astype(str))
    unknown = [h for h in highlight if h not in known]
    if unknown:
        raise OSLInputError(f"highlight names model(s) not in the data: {unknown}")
    return list(dict.fromkeys(highlight))


def _labels(
    data: pd.DataFrame,
    model: str,
    x: str,
    y: str,
    highlight: list[str],
    x_enc: alt.X,
    y_enc: alt.Y,
    tips: list[alt.Tooltip],
) -> list[alt.Chart]:
    """A ring and a text label on each highlighted model, once per model and position."""
    if not highlight:
        return []
    sub = data[data[model].astype(str).isin(highlight)]
    sub = sub.drop_duplicates(subset=[model, x, y]).reset_index(drop=True)
    base = alt.Chart(sub).encode(x=x_enc, y=y_enc, tooltip=tips)
    out = [base.mark_point(size=180, filled=False, color="black", strokeWidth=1.2)]
    text = alt.Text(field=_field(model), type="nominal")
    # Labels point inwards, so those near the right edge are not clipped.
    mid = (data[x].min() + data[x].max()) / 2
    sides: list[tuple[pd.Series, Literal["left", "right"], int]] = [
        (sub[x] <= mid, "left", 8),
        (sub[x] > mid, "right", -8),
    ]
    for side, align, dx in sides:
        if side.any():
            part = alt.Chart(sub[side].reset_index(drop=True)).encode(
                x=x_enc, y=y_enc, tooltip=tips
            )
            out.append(
                part.mark_text(align=align, dx=dx, dy=-9, fontSize=11, fontWeight="bold").encode(
                    text=text
                )
            )
    return out


def _point_layer(
    data: pd.DataFrame,
    x: alt.X,
    y: alt.Y,
    family: str,
    shape: str | None,
    shape_title: str | None,
    tips: list[alt.Tooltip],
    shape_domain: Sequence[str] | None = None,
    pick: alt.Parameter | None = None,
    pickable: bool = True,
) -> alt.Chart:
    """Points coloured by family; if ``pickable``, clicking a family in the legend
    (``pick``, declared here) fades the others. Charts that chapters put side by side
    pass ``pickable=False``: identical picks in two panels clash in Vega."""
    enc: dict[str, Any] = {
        "x": x,
        "y": y,
        "color": alt.Color(
            field=_field(family),
            type="nominal",
            title="model family",
            scale=family_scale(data[family]),
            legend=alt.Legend(symbolLimit=0, columns=1),
        ),
        "tooltip": tips,
    }
    if shape is not None:
        dom = list(shape_domain) if shape_domain else _distinct(data[shape])
        enc["shape"] = alt.Shape(
            field=_field(shape),
            type="nominal",
            title=shape_title or column_label(shape),
            scale=shape_scale(dom),
        )
    chart: alt.Chart = alt.Chart(data).mark_point(filled=True, size=60)
    if not pickable:
        return chart.encode(**enc, opacity=alt.value(0.85))
    if pick is None:
        pick = _family_pick(family)
    enc["opacity"] = _fade_unpicked(pick)
    return chart.encode(**enc).add_params(pick)


def family_scatter(
    frame: pd.DataFrame,
    x: str,
    y: str,
    family: str = "Model Family",
    model: str = "Model",
    shape: str | None = None,
    lines: pd.DataFrame | None = None,
    highlight: Sequence[str] | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    title: str = "",
    *,
    subtitle: str | None = None,
    shape_title: str | None = None,
    extra_tooltip: Sequence[str] = (),
    zero: bool = False,
    interactive: bool = True,
) -> alt.LayerChart:
    """Models as points coloured by family, optional shape category and per-family fitted lines.

    ``lines`` has columns ``slope``, ``intercept`` and the family, named as in
    ``frame`` or ``family`` (as :func:`~osl_helpers.compute.fit_family_lines` returns
    them); each line spans its family's observed x-range. ``highlight``
    names models to ring and label. Axis titles default to the reader's names of
    ``x`` and ``y`` (:func:`~osl_helpers.charts.style.column_label`); an axis of
    whole numbers has whole-number ticks. Clicking a family in the legend
    highlights it.
    """
    require_columns(frame, [x, y, family, model, shape, *extra_tooltip], "frame")
    _require_numeric(frame, [x, y], "frame")
    marked = _check_highlight(frame, model, highlight)
    data = _slim(frame, [model, family, shape, x, y, *extra_tooltip]).dropna(subset=[x, y])
    data[family] = _as_label(data[family])
    if shape is not None:
        data[shape] = _as_label(data[shape])
    xt, yt = x_title or column_label(x), y_title or column_label(y)
    x_enc = alt.X(field=_field(x), type="quantitative", title=xt).scale(zero=zero)
    y_enc = alt.Y(field=_field(y), type="quantitative", title=yt).scale(zero=zero)
    if integer_axis(data[x]):
        x_enc = x_enc.axis(**integer_axis(data[x]))
    if integer_axis(data[y]):
        y_enc = y_enc.axis(**integer_axis(data[y]))
    tips = tooltips(data, [model, family, shape, x, y, *extra_tooltip], {x: xt, y: yt})
    pick = _family_pick(family)
    layers: list[alt.Chart] = []
    if lines is not None:
        layers.append(_family_lines(data, lines, x, family, x_enc, y_enc, yt, pick))
    layers.append(_point_layer(data, x_enc, y_enc, family, shape, shape_title, tips, pick=pick))
    layers += _labels(data, model, x, y, marked, x_enc, y_enc, tips)
    chart = _layer(layers, _title(title, subtitle)).properties(width=WIDTH, height=HEIGHT)
    return chart.interactive() if interactive else chart


def _family_lines(
    data: pd.DataFrame,
    lines: pd.DataFrame,
    x: str,
    family: str,
    x_enc: alt.X,
    y_enc: alt.Y,
    y_title: str,
    pick: alt.Parameter,
) -> alt.Chart:
    """Segments y = slope·x + intercept over each family's x-range (faded unless picked)."""
    # fit_family_lines names the family column "family", whatever frame calls it.
    named = family if family in lines.columns or "family" not in lines.columns else "family"
    require_columns(lines, [named, "slope", "intercept"], "lines")
    _require_numeric(lines, ["slope", "intercept"], "lines")
    fits = lines.assign(**{family: lines[named].astype(str)})
    span = data.groupby(family)[x].agg(["min", "max"])
    unknown = [f for f in fits[family] if f not in span.index]
    if unknown:
        raise OSLInputError(f"lines names family(ies) with no points: {unknown}")
    rows = []
    for fam, slope, icpt in fits[[family, "slope", "intercept"]].itertuples(index=False):
        for end in ("min", "max"):
            xv = float(span.loc[fam, end])
            rows.append(
                {family: fam, x: xv, "fit": slope * xv + icpt, "slope": slope, "intercept": icpt}
            )
    seg = pd.DataFrame(rows)
    chart: alt.Chart = (
        alt.Chart(seg)
        .mark_line(strokeWidth=1.5)
        .encode(
            x=x_enc,
            opacity=_fade_unpicked(pick, 0.8),
            y=alt.Y(field="fit", type="quantitative", title=y_title),
            color=alt.Color(field=_field(family), type="nominal", scale=family_scale(data[family])),
            detail=alt.Detail(field=_field(family), type="nominal"),
            tooltip=tooltips(seg, [family, "slope", "intercept"]),
        )
    )
    return chart
