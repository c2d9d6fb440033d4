"""Chart builder for the chapter on post-training techniques (Sec. 4.3 of the paper).

* :func:`technique_fit_chart`: several techniques' fitted laws on one compute
  axis, each with its models; technique by colour, point shape, dash and an
  end label, train/test by filled or open points.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    HEIGHT,
    WIDTH,
    category_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["technique_fit_chart"]

_DASHES = [[1, 0], [7, 3], [2, 2], [9, 3, 2, 3], [12, 4]]
#: Fill opacity of a point by split: training models filled, held-out models open.
_FILL = {"train": 0.9, "test": 0.0}


def _spread(values: pd.Series, min_gap: float) -> list[float]:
    """Move sorted label positions apart so that neighbours are at least ``min_gap`` apart."""
    order = values.sort_values().index
    out = values.astype(float).copy()
    for prev, cur in itertools.pairwise(order):
        out[cur] = max(out[cur], out[prev] + min_gap)
    return [float(v) for v in out]


def technique_fit_chart(
    points: pd.DataFrame,
    curves: pd.DataFrame,
    x_title: str,
    y_title: str,
    title: str = "",
    *,
    subtitle: str | None = None,
    technique: str = "technique",
    x: str = "x",
    y: str = "y",
    model: str = "Model",
    family: str = "Model Family",
    split: str = "split",
    order: Sequence[str] | None = None,
    width: int = WIDTH - 120,
    height: int = HEIGHT,
) -> alt.LayerChart:
    """Models and fitted curves of several techniques on one axis.

    ``points``: ``model``, ``family``, ``technique``, ``split``, ``x``, ``y``
    (and ``y_hat`` if present, shown in the tooltip). ``curves``: ``technique``,
    ``x``, ``y_hat``. Each technique has one colour and one point shape, its own
    dash, and a label at the curve's right end; training models are filled,
    held-out ones open (other splits half filled). ``order`` fixes the order of
    the techniques.
    """
    require_columns(points, [model, family, technique, split, x, y], "points")
    require_columns(curves, [technique, x, "y_hat"], "curves")
    extra = ["y_hat"] if "y_hat" in points.columns else []
    data = points[[model, family, technique, split, x, y, *extra]].dropna(subset=[x, y])
    data = data.reset_index(drop=True)
    cdata = curves[[technique, x, "y_hat"]].dropna().reset_index(drop=True)
    if cdata.empty:
        raise OSLInputError("curves has no complete rows")
    for frame in (data, cdata):
        frame[technique] = frame[technique].astype(str)
    data[split] = data[split].astype(str)
    present = list(dict.fromkeys([*data[technique], *cdata[technique]]))
    names = list(order) if order is not None else present
    unknown = [n for n in present if n not in names]
    if unknown:
        raise OSLInputError(f"order is missing technique(s) {unknown}")
    if len(names) > len(_DASHES):
        raise OSLInputError(f"at most {len(_DASHES)} techniques; got {len(names)}")
    splits = [s for s in ("train", "test") if s in set(data[split])]
    splits += [s for s in dict.fromkeys(data[split]) if s not in splits]

    colors = category_scale(names)
    shapes = shape_scale(names)
    fill = alt.Fill(field=technique, type="nominal", title="technique", scale=colors)
    stroke = alt.Stroke(field=technique, type="nominal", title="technique", scale=colors)
    lo, hi = float(cdata[x].min()), float(cdata[x].max())
    # About 110 pixels right of the curves for their labels.
    room = (hi - lo or 1.0) * 110 / max(width - 110, 110)
    x_scale = alt.Scale(domain=[lo, hi + room], zero=False, nice=False)
    x_enc = alt.X(field=x, type="quantitative", title=x_title, scale=x_scale)
    y_enc = alt.Y(field=y, type="quantitative", title=y_title).scale(zero=False)
    tips = tooltips(
        data,
        [model, family, technique, split, x, y, *extra],
        {x: x_title, y: "observed", "y_hat": "predicted"},
    )
    ctips = tooltips(cdata, [technique, x, "y_hat"], {x: x_title, "y_hat": "fitted"})
    line = (
        alt.Chart(cdata)
        .mark_line(strokeWidth=2.2)
        .encode(
            x=x_enc,
            y=alt.Y(field="y_hat", type="quantitative", title=y_title),
            stroke=stroke,
            strokeDash=alt.StrokeDash(
                field=technique,
                type="nominal",
                title="technique",
                scale=alt.Scale(domain=names, range=_DASHES[: len(names)]),
            ),
            tooltip=ctips,
        )
    )
    opacity = [_FILL.get(s, 0.4) for s in splits]
    pts = (
        alt.Chart(data)
        .mark_point(filled=True, size=55, strokeWidth=1.4)
        .encode(
            x=x_enc,
            y=y_enc,
            fill=fill,
            stroke=stroke,
            shape=alt.Shape(field=technique, type="nominal", title="technique", scale=shapes),
            fillOpacity=alt.FillOpacity(
                field=split,
                type="nominal",
                title="split (fill)",
                scale=alt.Scale(domain=splits, range=opacity),
            ),
            tooltip=tips,
        )
    )
    # One label per curve, right of its end, kept apart from the others.
    ends = cdata.sort_values(x).groupby(technique, sort=False).tail(1).reset_index(drop=True)
    y_all = pd.concat([data[y], cdata["y_hat"]])
    span = float(y_all.max() - y_all.min()) or 1.0
    ends["label_y"] = _spread(ends["y_hat"], 0.05 * span)
    labels = (
        alt.Chart(ends)
        .mark_text(align="left", dx=5, fontSize=11, fontWeight="bold")
        .encode(
            x=x_enc,
            y=alt.Y(field="label_y", type="quantitative"),
            fill=alt.Fill(field=technique, type="nominal", title="technique", scale=colors),
            text=alt.Text(field=technique, type="nominal"),
            tooltip=ctips,
        )
    )
    title_params = alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined, anchor="start")
    out: alt.LayerChart = (
        alt.LayerChart(layer=[line, pts, labels], title=title_params)
        .properties(width=width, height=height)
        .interactive()
    )
    return out
