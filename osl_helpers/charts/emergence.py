"""Chart builders for the chapter on emergent capabilities (Sec. 4.1 of the paper).

* :func:`predictor_panels`: one task, one panel per predictor (principal
  capabilities on Llama-2-equivalent FLOPs, log FLOPs, log size), each with the
  train/test points and the fitted sigmoid, side by side.
* :func:`family_paths`: each family's models joined in order of size, the
  coarse view in which a transition looks like a jump.
* :func:`sweep_chart`: test error against the training cutoff, one panel per task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.chapters.emergence import PREDICTORS, EmergenceComparison
from osl_helpers.charts.fits import law_fit_chart
from osl_helpers.charts.style import (
    HEIGHT,
    WIDTH,
    category_scale,
    family_scale,
    require_columns,
    shape_scale,
    tooltips,
)

__all__ = ["comparison_panels", "family_paths", "predictor_panels", "sweep_chart"]


def _title(text: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined, anchor="start")


def predictor_panels(
    points: pd.DataFrame,
    curves: pd.DataFrame,
    x_titles: Mapping[str, str],
    title: str,
    *,
    subtitles: Mapping[str, str] | None = None,
    panel_titles: Mapping[str, str] | None = None,
    cutoffs: Mapping[str, float] | None = None,
    y_title: str = "normalised accuracy",
    highlight: Sequence[str] | None = None,
    panel_width: int = 190,
    panel_height: int = 220,
) -> alt.HConcatChart:
    """Side-by-side :func:`~osl_helpers.charts.fits.law_fit_chart` panels, one per predictor.

    ``points`` has ``Model``, ``Model Family``, ``split``, ``y``, ``predictor``,
    ``x`` and ``y_hat``; ``curves`` has ``predictor``, ``x`` and ``y_hat``.
    Panels follow the order of ``x_titles`` (predictor → axis title);
    ``cutoffs`` draws a vertical rule on the named panels. Point shape marks
    train and test; each panel zooms and pans on its own.
    """
    require_columns(points, ["Model", "Model Family", "split", "y", "predictor", "x"], "points")
    require_columns(curves, ["predictor", "x", "y_hat"], "curves")
    missing = [p for p in x_titles if p not in set(points["predictor"])]
    if missing:
        raise OSLInputError(f"no points for predictor(s) {missing}")
    subtitles, panel_titles, cutoffs = subtitles or {}, panel_titles or {}, cutoffs or {}
    present = set(points["Model"])
    panels: list[alt.LayerChart] = []
    for key, x_title in x_titles.items():
        pts = points[points["predictor"] == key]
        marked = [m for m in (highlight or []) if m in present]
        chart = law_fit_chart(
            pts,
            curves[curves["predictor"] == key],
            x_title=x_title,
            y_title=y_title,
            title=panel_titles.get(key, key),
            subtitle=subtitles.get(key),
            cutoff=cutoffs.get(key),
            x="x",
            y="y",
            model="Model",
            family="Model Family",
            split="split",
            highlight=marked or None,
            interactive=False,
        )
        # One zoom per panel, named apart: their axes differ.
        zoom = alt.selection_interval(bind="scales", name=f"zoom_{len(panels)}")
        panels.append(
            _legends_below(chart)
            .add_params(zoom)
            .properties(width=panel_width, height=panel_height)
        )
    out: alt.HConcatChart = alt.hconcat(
        *panels, title=_title(title, None), spacing=12
    ).resolve_legend(color="shared", shape="shared")
    return out


def _legends_below(chart: alt.LayerChart, columns: int = 6) -> alt.LayerChart:
    """Move a layer chart's legends under the plot, the families in ``columns`` columns.

    Side-by-side panels leave no room for a legend on the right.
    """
    for layer in chart.layer:
        enc = getattr(layer, "encoding", alt.Undefined)
        if enc is alt.Undefined:
            continue
        for channel in ("color", "shape", "stroke", "strokeDash"):
            ch: Any = getattr(enc, channel, alt.Undefined)
            if ch is alt.Undefined:
                continue
            many = channel == "color"
            ch.legend = alt.Legend(
                orient="bottom",
                direction="horizontal" if not many else alt.Undefined,
                columns=columns if many else alt.Undefined,
                symbolLimit=0,
                labelLimit=160,
            )
    return chart


def comparison_panels(
    result: EmergenceComparison,
    y_title: str = "normalised accuracy",
    highlight: Sequence[str] | None = None,
) -> alt.HConcatChart:
    """The three panels of :func:`predictor_panels` for an :func:`~osl_helpers.chapters.emergence.compare_emergence` result.

    Each panel is titled with its predictor and its test MSE on the shared test
    set; the training FLOPs panel marks the cutoff.
    """
    mse = dict(zip(result.table["predictor"], result.table["test_mse"], strict=True))
    n_test = len(result.test_models)
    return predictor_panels(
        result.points,
        result.curves,
        {k: v[1] for k, v in PREDICTORS.items()},
        f"{result.title}: fitted on weak models, scored on the same {n_test} strong ones",
        subtitles={k: f"test MSE {mse[k]:.3g}" for k in PREDICTORS},
        panel_titles={k: v[0] for k, v in PREDICTORS.items()},
        cutoffs={"log_flops": result.cutoff_log10_flops},
        y_title=y_title,
        highlight=highlight,
    )


def family_paths(
    frame: pd.DataFrame,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    title: str = "",
    *,
    subtitle: str | None = None,
    family: str = "Model Family",
    model: str = "Model",
    families: Sequence[str] | None = None,
) -> alt.LayerChart:
    """Each family's models as points joined by a line in order of ``x``; family by colour and shape.

    A text label at each line's last point names the family. At most eight
    families (one shape each); pick them with ``families``.
    """
    require_columns(frame, [x, y, family, model], "frame")
    data = frame[[model, family, x, y]].dropna(subset=[x, y]).copy()
    if families is not None:
        unknown = sorted(set(families) - set(data[family]))
        if unknown:
            raise OSLInputError(f"unknown family(ies) {unknown}")
        data = data[data[family].isin(families)]
    data[family] = data[family].astype(str)
    data = data.sort_values([family, x]).reset_index(drop=True)
    fams = sorted(data[family].unique(), key=str.casefold)
    lo, hi = float(data[x].min()), float(data[x].max())
    # Room on the right for the family labels at the lines' ends.
    x_scale = alt.Scale(domain=[lo, hi + 0.15 * (hi - lo or 1.0)], zero=False, nice=False)
    x_enc = alt.X(field=x, type="quantitative", title=x_title, scale=x_scale)
    y_enc = alt.Y(field=y, type="quantitative", title=y_title).scale(zero=False)
    color = alt.Color(field=family, type="nominal", title="model family", scale=family_scale(fams))
    tips = tooltips(data, [model, family, x, y], {x: x_title, y: y_title})
    base = alt.Chart(data).encode(x=x_enc, y=y_enc, color=color, tooltip=tips)
    line = base.mark_line(strokeWidth=1.5, opacity=0.8).encode(
        detail=alt.Detail(field=family, type="nominal"),
        order=alt.Order(field=x, type="quantitative"),
    )
    pts = base.mark_point(filled=True, size=60).encode(
        shape=alt.Shape(field=family, type="nominal", title="model family", scale=shape_scale(fams))
    )
    last = data.groupby(family, sort=False).tail(1).reset_index(drop=True)
    text = (
        alt.Chart(last)
        .mark_text(align="left", dx=7, fontSize=11)
        .encode(x=x_enc, y=y_enc, color=color, text=alt.Text(field=family, type="nominal"))
    )
    out: alt.LayerChart = (
        alt.LayerChart(layer=[line, pts, text], title=_title(title, subtitle))
        .properties(width=WIDTH - 80, height=HEIGHT)
        .interactive()
    )
    return out


def sweep_chart(
    sweep: pd.DataFrame,
    title: str,
    *,
    subtitle: str | None = None,
    x: str = "log10_cutoff",
    y: str = "test_mse",
    group: str = "predictor",
    facet: str = "task",
    x_title: str = "training cutoff (log10 FLOPs)",
    y_title: str = "test MSE (log scale)",
    columns: int = 2,
    extra_tooltip: Sequence[str] = ("n_train", "max_train_y"),
) -> alt.FacetChart:
    """Test error against the training cutoff: a line and point per ``group``, a panel per ``facet``.

    The vertical axis is logarithmic (errors span orders of magnitude); each
    panel keeps its own horizontal range.
    """
    require_columns(sweep, [x, y, group, facet, *extra_tooltip], "sweep")
    if (sweep[y] <= 0).any():
        raise OSLInputError(f"{y!r} must be positive for a log axis")
    data = sweep[[facet, group, x, y, *extra_tooltip]].reset_index(drop=True)
    data[group] = data[group].astype(str)
    groups = list(dict.fromkeys(data[group]))
    tips = tooltips(data, [facet, group, x, y, *extra_tooltip], {x: x_title, y: "test MSE"})
    base = alt.Chart().encode(
        x=alt.X(field=x, type="quantitative", title=x_title).scale(zero=False),
        y=alt.Y(field=y, type="quantitative", title=y_title).scale(type="log"),
        color=alt.Color(
            field=group,
            type="nominal",
            title=group,
            scale=category_scale(groups),
            legend=alt.Legend(orient="bottom", labelLimit=240),
        ),
        tooltip=tips,
    )
    layer = alt.layer(
        base.mark_line(strokeWidth=2),
        base.mark_point(filled=True, size=55).encode(
            shape=alt.Shape(
                field=group,
                type="nominal",
                title=group,
                scale=shape_scale(groups),
                legend=alt.Legend(orient="bottom", labelLimit=240),
            )
        ),
        data=data,
    ).properties(width=(WIDTH - 60) // columns, height=190)
    out: alt.FacetChart = layer.facet(
        facet=alt.Facet(
            field=facet, type="nominal", title=None, sort=list(dict.fromkeys(data[facet]))
        ),
        columns=columns,
        title=_title(title, subtitle),
    ).resolve_scale(x="independent")
    return out
