"""Chart builders for the chapter on the Open LLM Leaderboards (thousands of models).

* :func:`capability_density`: all models as a binned density, a model-type
  menu that filters it, and a seeded sample plus chosen models as points with
  tooltips; the axes zoom and pan.
* :func:`shift_intervals`: per task and model type, the middle half and the
  median of a score change (e.g. fine-tune − base).
* :func:`rolling_mse`: test error against the cutoff date, one line per
  predictor, one panel per target.
* :func:`paired_dots`: one quantity measured two ways (e.g. on 72 and on
  397 models), per item and panel, joined by a line.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    WIDTH,
    category_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["MUTED", "capability_density", "paired_dots", "rolling_mse", "shift_intervals"]

#: Colour of the points of a muted group (e.g. "neither" beside highlighted models).
MUTED = "#9a9a9a"


def _title(text: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def _distinct(values: pd.Series) -> list[str]:
    return list(dict.fromkeys(values.dropna().astype(str)))


def _numeric(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise OSLInputError(f"{name}: column(s) {bad} must be numeric")


def _binned(
    frame: pd.DataFrame, x: str, y: str, by: str, bins: int
) -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    """Counts of models per (``by``, x-bin, y-bin) cell of one common grid, empty cells
    dropped, in short columns ``g``, ``i``, ``j``, ``n`` (the inlined data stay small);
    plus each axis's (start, bin width)."""
    grid = {}
    idx = {}
    for name, col in (("x", x), ("y", y)):
        lo, hi = float(frame[col].min()), float(frame[col].max())
        width = (hi - lo) / bins if hi > lo else 1.0
        grid[name] = (lo, width)
        idx[name] = np.clip(((frame[col] - lo) / width).astype(int), 0, bins - 1)
    cells = pd.DataFrame({"g": frame[by].to_numpy(), "i": idx["x"], "j": idx["y"]})
    out = cells.groupby(["g", "i", "j"], observed=True).size().rename("n").reset_index()
    return out, grid


def capability_density(
    frame: pd.DataFrame,
    x: str,
    y: str,
    title: str,
    *,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    model: str = "Model",
    group: str = "Model Type",
    select: str | None = "Model Type",
    always: str | None = None,
    sample: int = 400,
    seed: int = 0,
    bins: int = 36,
    date: str | None = "date",
    extra_tooltip: Sequence[str] = (),
    diagonal: bool = False,
    muted: Sequence[str] = (),
) -> alt.LayerChart:
    """Thousands of models as a grey density with a sample of them drawn as points.

    Every row of ``frame`` counts in the density (cells of a ``bins`` × ``bins``
    grid, darker = more models, log scale). Points are drawn for the rows
    where the boolean column ``always`` is true plus ``sample`` others drawn
    with ``seed``; colour and shape give ``group``, the tooltip the model, its
    ``group``, ``date`` and the plotted values. A menu (``select``, e.g. the
    model type) filters both layers. Scroll to zoom, drag to pan.
    ``diagonal`` adds the line y = x (e.g. for observed against predicted);
    points of the ``muted`` groups are drawn small and grey, under the others.
    """
    cols = [model, group, select, always, date, x, y, *extra_tooltip]
    require_columns(frame, cols, "frame")
    _numeric(frame, [x, y], "frame")
    if sample < 0:
        raise OSLInputError(f"sample must be ≥ 0; got {sample}")
    data = frame.loc[:, list(dict.fromkeys(c for c in cols if c is not None))].dropna(subset=[x, y])
    if data.empty:
        raise OSLInputError("frame has no rows with both coordinates")
    data = data.reset_index(drop=True)
    for col in dict.fromkeys(c for c in (group, select) if c is not None):
        data[col] = data[col].astype(str)
    if date is not None:
        data[date] = pd.to_datetime(data[date]).dt.strftime("%Y-%m-%d").fillna("unknown")
    key = select if select is not None else group
    cells, grid = _binned(data, x, y, key, bins)

    keep = data[always].astype(bool) if always is not None else pd.Series(False, index=data.index)
    rest = data.index[~keep.to_numpy()]
    rng = np.random.default_rng(seed)
    picked = rng.choice(rest, size=min(sample, len(rest)), replace=False)
    points = data.loc[keep | data.index.isin(picked)].copy()
    points[[x, y]] = points[[x, y]].round(4)
    points = points.drop(columns=[always] if always is not None else [])
    points = points.sort_values(group, key=lambda g: ~g.isin(list(muted)), kind="stable")

    xt, yt = x_title or x, y_title or y
    x_enc = alt.X(field=x, type="quantitative", title=xt).scale(zero=False)
    y_enc = alt.Y(field=y, type="quantitative", title=yt).scale(zero=False)
    layers: list[alt.Chart] = []
    heat = alt.Chart(cells)
    dots = alt.Chart(points)
    params = []
    if select is not None:
        options = ["all", *sorted(data[select].unique())]
        menu = alt.param(
            name="menu", value="all",
            bind=alt.binding_select(options=options, name=f"{select}: "),
        )  # fmt: skip
        params.append(menu)
        heat = heat.transform_filter("menu == 'all' || datum.g == menu")
        dots = dots.transform_filter(f"menu == 'all' || datum['{select}'] == menu")
    cell_tips = [
        alt.Tooltip(field="models", type="quantitative", title="models in this cell"),
        alt.Tooltip(field="x0", type="quantitative", title=f"{xt} from", format=".3f"),
        alt.Tooltip(field="y0", type="quantitative", title=f"{yt} from", format=".3f"),
    ]
    (x_lo, x_w), (y_lo, y_w) = grid["x"], grid["y"]
    layers.append(
        heat.transform_aggregate(models="sum(n)", groupby=["i", "j"])
        .transform_calculate(
            x0=f"{x_lo!r} + datum.i * {x_w!r}", x1=f"{x_lo!r} + (datum.i + 1) * {x_w!r}",
            y0=f"{y_lo!r} + datum.j * {y_w!r}", y1=f"{y_lo!r} + (datum.j + 1) * {y_w!r}",
        )
        .mark_rect(color="#2b2b2b")
        .encode(
            x=alt.X(field="x0", type="quantitative", title=xt).scale(zero=False),
            x2=alt.X2(field="x1"),
            y=alt.Y(field="y0", type="quantitative", title=yt).scale(zero=False),
            y2=alt.Y2(field="y1"),
            # Counts as the darkness of one grey, so colour is left to the points' groups.
            opacity=alt.Opacity(
                field="models", type="quantitative", title="models per cell",
                scale=alt.Scale(type="log", range=[0.07, 0.8]),
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=cell_tips,
        )
    )  # fmt: skip
    if diagonal:
        lo = float(min(data[x].min(), data[y].min()))
        hi = float(max(data[x].max(), data[y].max()))
        line = pd.DataFrame({x: [lo, hi], y: [lo, hi]})
        layers.append(
            alt.Chart(line).mark_line(color="#D55E00", strokeDash=[6, 4]).encode(x=x_enc, y=y_enc)
        )
    present = set(points[group])
    groups = [g for g in sorted(present) if g not in muted] + [g for g in muted if g in present]
    colors = category_scale([g for g in groups if g not in muted])
    palette = list(colors.range) if colors.range is not alt.Undefined else []
    scale = alt.Scale(domain=groups, range=palette + [MUTED] * (len(groups) - len(palette)))
    # Below the plot: long type names would otherwise be cut at the page edge.
    legend = alt.Legend(labelLimit=0, symbolOpacity=1, orient="bottom", columns=4)
    tips = tooltips(points, [model, group, date, x, y, *extra_tooltip], {x: xt, y: yt})
    muted_pts = alt.FieldOneOfPredicate(field=group, oneOf=[g for g in groups if g in muted])
    layers.append(
        dots.mark_point(filled=True, stroke="white", strokeWidth=0.5).encode(
            x=x_enc,
            y=y_enc,
            color=alt.Color(field=group, type="nominal", title=group, scale=scale, legend=legend),
            shape=alt.Shape(
                field=group, type="nominal", title=group, scale=shape_scale(groups), legend=legend
            ),
            # Muted groups are small and faint (and first in the data, so drawn underneath).
            size=alt.when(muted_pts).then(alt.value(22)).otherwise(alt.value(50)),
            opacity=alt.when(muted_pts).then(alt.value(0.55)).otherwise(alt.value(0.95)),
            tooltip=tips,
        )
    )
    chart = alt.LayerChart(layer=layers, title=_title(title, subtitle)).properties(
        width=WIDTH, height=WIDTH * 0.7
    )
    if params:
        chart = chart.add_params(*params)
    out: alt.LayerChart = chart.interactive()
    return out


def shift_intervals(
    summary: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    task: str = "task",
    group: str = "Model Type",
    lo: str = "q25",
    mid: str = "median",
    hi: str = "q75",
    x_title: str = "change in score (model − its base)",
    extra_tooltip: Sequence[str] = ("pairs", "share_up"),
    row_step: int = 15,
) -> alt.LayerChart:
    """Per ``task``, one row per ``group``: a bar from ``lo`` to ``hi`` and a point at ``mid``.

    A dashed line marks no change. Colour and shape give the group; the
    tooltip gives every number.
    """
    require_columns(summary, [task, group, lo, mid, hi, *extra_tooltip], "summary")
    _numeric(summary, [lo, mid, hi], "summary")
    if (summary[lo] > summary[hi]).any():
        raise OSLInputError(f"{lo} > {hi} in some rows")
    data = summary.loc[:, [task, group, lo, mid, hi, *extra_tooltip]].reset_index(drop=True)
    data[task] = data[task].astype(str)
    data[group] = data[group].astype(str)
    groups = _distinct(data[group])
    names = {lo: "25th percentile", mid: "median", hi: "75th percentile"}
    tips = tooltips(data, [task, group, mid, lo, hi, *extra_tooltip], names)
    base = alt.Chart(data).encode(
        y=alt.Y(field=task, type="nominal", sort=_distinct(data[task]), title=None),
        yOffset=alt.YOffset(field=group, type="nominal", sort=groups),
        tooltip=tips,
    )
    legend = alt.Legend(labelLimit=0)
    color = alt.Color(
        field=group, type="nominal", title=group, scale=category_scale(groups), legend=legend
    )
    bars = base.mark_bar(height=6, opacity=0.55).encode(
        x=alt.X(field=lo, type="quantitative", title=x_title), x2=alt.X2(field=hi), color=color
    )
    dots = base.mark_point(filled=True, size=60, stroke="black", strokeWidth=0.5).encode(
        x=alt.X(field=mid, type="quantitative"),
        color=color,
        shape=alt.Shape(
            field=group, type="nominal", title=group, scale=shape_scale(groups), legend=legend
        ),
    )
    zero = (
        alt.Chart(pd.DataFrame({"zero": [0.0]}))
        .mark_rule(strokeDash=[4, 3], color="#555555")
        .encode(x=alt.X(field="zero", type="quantitative"))
    )
    return alt.LayerChart(layer=[zero, bars, dots], title=_title(title, subtitle)).properties(
        width=WIDTH, height=alt.Step(row_step)
    )


def rolling_mse(
    table: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    x: str = "cutoff",
    y: str = "test_mse",
    series: str = "predictor",
    panel: str = "target",
    columns: int = 2,
    y_title: str = "test MSE (log scale)",
    extra_tooltip: Sequence[str] = ("n_train", "n_test"),
) -> alt.FacetChart:
    """One line per ``series`` of ``y`` against the date ``x``, one panel per ``panel``.

    The y axis is logarithmic and independent per panel; colour and point
    shape give the series.
    """
    require_columns(table, [x, y, series, panel, *extra_tooltip], "table")
    _numeric(table, [y], "table")
    if (table[y] <= 0).any():
        raise OSLInputError(f"{y} must be positive for a log axis")
    data = table.loc[:, [panel, series, x, y, *extra_tooltip]].reset_index(drop=True)
    data[x] = pd.to_datetime(data[x]).dt.strftime("%Y-%m-%d")
    data[series] = data[series].astype(str)
    series_names = _distinct(data[series])
    tips = tooltips(data, [panel, series, x, y, *extra_tooltip], {x: "cutoff (trained before)"})
    base = alt.Chart().encode(
        x=alt.X(field=x, type="temporal", title="cutoff: models submitted before it train").axis(
            format="%b %Y", labelAngle=-40
        ),
        y=alt.Y(field=y, type="quantitative", title=y_title).scale(type="log"),
        color=alt.Color(
            field=series, type="nominal", title=series, scale=category_scale(series_names),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=tips,
    )  # fmt: skip
    points = base.mark_point(filled=True, size=50).encode(
        shape=alt.Shape(
            field=series, type="nominal", title=series, scale=shape_scale(series_names),
            legend=alt.Legend(orient="bottom"),
        )
    )  # fmt: skip
    chart: alt.FacetChart = (
        alt.layer(base.mark_line(strokeWidth=2), points, data=data)
        .properties(width=WIDTH // 2 - 20, height=170)
        .facet(
            facet=alt.Facet(field=panel, type="nominal", title=None, sort=_distinct(data[panel])),
            columns=columns,
            title=_title(title, subtitle),
        )
        .resolve_scale(y="independent")
    )
    return chart


def paired_dots(
    long: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    item: str = "target",
    panel: str = "diagnostic",
    group: str = "models",
    value: str = "value",
    columns: int = 2,
) -> alt.FacetChart:
    """Per ``panel`` and ``item``, the ``value`` of each ``group`` as a point, joined by a line.

    Meant for one quantity measured two ways; a dashed line marks 0. Colour
    and shape give the group, x scales are independent per panel.
    """
    require_columns(long, [item, panel, group, value], "long")
    _numeric(long, [value], "long")
    data = long.loc[:, [panel, item, group, value]].reset_index(drop=True)
    for col in (panel, item, group):
        data[col] = data[col].astype(str)
    groups = _distinct(data[group])
    y = alt.Y(field=item, type="nominal", title=None, sort=_distinct(data[item]))
    x = alt.X(field=value, type="quantitative", title=None)
    link = alt.Chart().mark_line(color="#999999").encode(x=x, y=y, detail=alt.Detail(field=item))
    zero = (
        alt.Chart()
        .transform_calculate(zero="0")
        .mark_rule(strokeDash=[4, 3], color="#555555")
        .encode(x=alt.X(field="zero", type="quantitative"))
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=70, stroke="black", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                field=group,
                type="nominal",
                title=group,
                scale=category_scale(groups),
                legend=alt.Legend(labelLimit=0, orient="bottom"),
            ),
            shape=alt.Shape(
                field=group,
                type="nominal",
                title=group,
                scale=shape_scale(groups),
                legend=alt.Legend(labelLimit=0, orient="bottom"),
            ),
            tooltip=tooltips(data, [panel, item, group, value]),
        )
    )
    chart: alt.FacetChart = (
        alt.layer(zero, link, dots, data=data)
        .properties(width=WIDTH // 2 - 40, height=alt.Step(20))
        .facet(
            facet=alt.Facet(field=panel, type="nominal", title=None, sort=_distinct(data[panel])),
            columns=columns,
            title=_title(title, subtitle),
        )
        .resolve_scale(x="independent")
    )
    return chart
