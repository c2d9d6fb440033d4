"""Charts of fitted laws: the law's curve over the models (Eq. 6 against P = βᵀS + α or
f-equivalent FLOPs, Eq. 8) and predicted against observed scores."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.scatter import _check_highlight, _labels, _point_layer
from osl_helpers.charts.style import (
    HEIGHT,
    OKABE_ITO,
    WIDTH,
    _as_label,
    _distinct,
    _field,
    _layer,
    _require_numeric,
    _slim,
    _title,
    column_label,
    require_columns,
    split_domain,
    tooltips,
)

__all__ = ["law_fit_chart", "pred_vs_actual"]


def law_fit_chart(
    points: pd.DataFrame,
    curve: pd.DataFrame,
    x_title: str,
    y_title: str,
    title: str = "",
    cutoff: float | None = None,
    *,
    subtitle: str | None = None,
    x: str = "P",
    y: str = "y",
    model: str = "Model",
    family: str = "Model Family",
    split: str = "split",
    highlight: Sequence[str] | None = None,
    cutoff_label: str = "cutoff",
    interactive: bool = True,
) -> alt.LayerChart:
    """Observed points (shape = train/test split) with the fitted curve(s) of a scaling law.

    ``points`` has columns ``model``, ``family``, ``x``, ``y``, ``split``.
    ``curve`` has columns ``x`` (same name as in ``points``) and ``y_hat``;
    optional ``lo`` and ``hi`` draw a band (e.g. a prediction interval), and an
    optional ``curve`` column names several curves, drawn with distinct dashes.
    ``cutoff`` draws a vertical rule (e.g. the training FLOPs cutoff). The default
    names are the columns of :class:`~osl_helpers.experiments.TaskFit`'s ``points``
    and ``curve`` (x = the capability P), so a fit's frames pass as they are.
    """
    require_columns(points, [model, family, x, y, split], "points")
    require_columns(curve, [x, "y_hat"], "curve")
    _require_numeric(points, [x, y], "points")
    _require_numeric(curve, [x, "y_hat"], "curve")
    has_band = {"lo", "hi"} <= set(curve.columns)
    if ("lo" in curve.columns) != ("hi" in curve.columns):
        raise OSLInputError("curve needs both 'lo' and 'hi' columns for a band, or neither")
    marked = _check_highlight(points, model, highlight)
    data = _slim(points, [model, family, split, x, y]).dropna(subset=[x, y])
    data[family] = _as_label(data[family])
    data[split] = _as_label(data[split])
    splits = split_domain(data[split])
    x_enc = alt.X(field=_field(x), type="quantitative", title=x_title).scale(zero=False)
    y_enc = alt.Y(field=_field(y), type="quantitative", title=y_title).scale(zero=False)
    tips = tooltips(data, [model, family, split, x, y], {x: x_title, y: y_title})

    band = ["lo", "hi"] if has_band else []
    _require_numeric(curve, band, "curve")
    cdata = _slim(curve, [x, "y_hat", *band, "curve" if "curve" in curve.columns else None])
    if "curve" not in cdata:
        cdata["curve"] = "fit"
    cdata["curve"] = _as_label(cdata["curve"])
    names = _distinct(cdata["curve"])
    dashes = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [12, 4]]
    ctips = tooltips(cdata, ["curve", x, "y_hat", *band], {x: x_title, "y_hat": "predicted"})
    inks = ["#333333", *OKABE_ITO[:5]]
    curve_colors = alt.Scale(domain=names, range=[inks[i % len(inks)] for i in range(len(names))])
    stroke = alt.Stroke(field="curve", type="nominal", title="fit", scale=curve_colors)
    cbase = alt.Chart(cdata).encode(x=x_enc, tooltip=ctips)
    layers: list[alt.Chart] = []
    if has_band:
        # Bands stay neutral grey (one per curve) so the legend shows only dashes and points.
        layers.append(
            cbase.mark_area(opacity=0.18, color="#888888").encode(
                y=alt.Y(field="lo", type="quantitative"),
                y2=alt.Y2(field="hi"),
                detail=alt.Detail(field="curve", type="nominal"),
            )
        )
    layers.append(
        cbase.mark_line(strokeWidth=2).encode(
            y=alt.Y(field="y_hat", type="quantitative", title=y_title),
            stroke=stroke,
            strokeDash=alt.StrokeDash(
                field="curve",
                type="nominal",
                title="fit",
                scale=alt.Scale(
                    domain=names, range=[dashes[i % len(dashes)] for i in range(len(names))]
                ),
            ),
        )
    )
    if cutoff is not None:
        cut = pd.DataFrame({"cutoff": [float(cutoff)], "label": [cutoff_label]})
        rule = alt.Chart(cut).encode(
            x=alt.X(field="cutoff", type="quantitative").scale(zero=False),
            tooltip=[
                alt.Tooltip(field="label", type="nominal", title="rule"),
                alt.Tooltip(field="cutoff", type="quantitative", title=x_title, format=".4~g"),
            ],
        )
        layers.append(rule.mark_rule(strokeDash=[4, 4], color="#555555"))
        layers.append(
            rule.mark_text(align="left", dx=4, baseline="top", color="#555555").encode(
                y=alt.value(4), text=alt.Text(field="label", type="nominal")
            )
        )
    layers.append(
        _point_layer(data, x_enc, y_enc, family, split, "split", tips, splits, pickable=False)
    )
    layers += _labels(data, model, x, y, marked, x_enc, y_enc, tips)
    chart = _layer(layers, _title(title, subtitle)).properties(width=WIDTH, height=HEIGHT)
    return chart.interactive() if interactive else chart


def pred_vs_actual(
    df: pd.DataFrame,
    group: str | None = None,
    title: str = "Predicted against observed",
    *,
    subtitle: str | None = None,
    y: str = "y",
    y_hat: str = "y_hat",
    model: str = "Model",
    family: str = "Model Family",
    facet: bool = False,
    columns: int = 3,
    x_title: str = "predicted",
    y_title: str = "observed",
    highlight: Sequence[str] | None = None,
) -> alt.LayerChart | alt.FacetChart:
    """Observed ``y`` against predicted ``y_hat`` with the y = x diagonal.

    ``group`` (e.g. train/test, or a method) sets the point shape and, with
    ``facet=True``, one panel per group; a train/test group keeps the book's
    shapes (train a circle, test a triangle). Both axes share one range. The
    default columns are those of :class:`~osl_helpers.experiments.TaskFit`'s
    ``points``. Clicking a family in the legend highlights it; a highlighted
    model is labelled once per position.
    """
    require_columns(df, [model, family, y, y_hat, group], "df")
    _require_numeric(df, [y, y_hat], "df")
    if facet and group is None:
        raise OSLInputError("facet=True needs a group column")
    marked = _check_highlight(df, model, highlight)
    data = _slim(df, [model, family, group, y, y_hat]).dropna(subset=[y, y_hat])
    data[family] = _as_label(data[family])
    if group is not None:
        data[group] = _as_label(data[group])
    both = data[[y, y_hat]].to_numpy(dtype=float)
    lo, hi = (float(both.min()), float(both.max())) if both.size else (0.0, 1.0)
    pad = 0.03 * (hi - lo or 1.0)
    lims = [lo - pad, hi + pad]
    # Every layer gets the same fixed scale, else the diagonal's default zero=True widens it.
    scale = alt.Scale(domain=lims, nice=False, zero=False)
    x_enc = alt.X(field=_field(y_hat), type="quantitative", title=x_title, scale=scale)
    y_enc = alt.Y(field=_field(y), type="quantitative", title=y_title, scale=scale)
    tips = tooltips(data, [model, family, group, y, y_hat], {y: y_title, y_hat: x_title})
    group_title = column_label(group) if group is not None else None
    shapes = split_domain(data[group]) if group is not None else None
    points = _point_layer(
        data, x_enc, y_enc, family, group, group_title, tips, shapes, pickable=False
    )
    # One diagonal per panel: aggregate to one row, then draw between constant ends.
    diag = (
        alt.Chart(data)
        .transform_aggregate(n="count()")
        .transform_calculate(d0=repr(lims[0]), d1=repr(lims[1]))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(
            x=alt.X(field="d0", type="quantitative", scale=scale),
            y=alt.Y(field="d0", type="quantitative", scale=scale),
            x2=alt.X2(field="d1"),
            y2=alt.Y2(field="d1"),
            tooltip=alt.value("y = x"),
        )
    )
    if facet:
        assert group is not None
        ncol = max(1, min(columns, data[group].nunique()))
        side = max(180, (WIDTH - 40) // ncol - 40)
        facet_layers: list[alt.Chart] = [diag, points]
        if marked:
            # Faceting needs one data set for every layer: label via a filter, not a subset.
            names = sorted(marked)
            facet_layers.append(
                alt.Chart(data)
                .transform_filter(alt.FieldOneOfPredicate(field=_field(model), oneOf=names))
                # One label per model, panel and position, however often the row repeats.
                .transform_aggregate(groupby=[_field(c) for c in (model, group, y, y_hat)])
                .mark_text(align="left", dx=6, dy=-6, fontSize=10)
                .encode(x=x_enc, y=y_enc, text=alt.Text(field=_field(model), type="nominal"))
            )
        return (
            _layer(facet_layers)
            .properties(width=side, height=side)
            .facet(
                facet=alt.Facet(
                    field=_field(group),
                    type="nominal",
                    title=group_title,
                    sort=_distinct(data[group]),
                ),
                columns=ncol,
                title=_title(title, subtitle),
            )
        )
    side = min(WIDTH, HEIGHT + 60)
    return (
        _layer(
            [diag, points, *_labels(data, model, y_hat, y, marked, x_enc, y_enc, tips)],
            _title(title, subtitle),
        )
        .properties(width=side, height=side)
        .interactive()
    )
