"""Chart builders for the chapter on agent capabilities (Sec. 4.2 of the paper).

* :func:`benchmark_panels`: predicted against observed score, one panel per
  agent benchmark, each with its own held-out models labelled.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.fits import pred_vs_actual
from osl_helpers.charts.style import require_columns

__all__ = ["benchmark_panels"]


def benchmark_panels(
    points: pd.DataFrame,
    benchmarks: Mapping[str, str],
    title: str,
    *,
    x_title: str = "predicted",
    y_title: str = "observed",
    side: int = 240,
) -> alt.HConcatChart:
    """:func:`~osl_helpers.charts.fits.pred_vs_actual` side by side, one panel per target.

    ``points`` are stacked fit points (``target``, ``split``, ``Model``,
    ``Model Family``, ``y``, ``y_hat``); ``benchmarks`` maps a target to its
    panel title, in panel order. Point shape marks train and test, and each
    panel labels its own test models only, so a model held out on one target
    is not labelled where it is a training model. Each panel zooms on its own.
    """
    require_columns(points, ["target", "split", "Model", "Model Family", "y", "y_hat"], "points")
    missing = [t for t in benchmarks if t not in set(points["target"])]
    if missing:
        raise OSLInputError(f"no points for target(s) {missing}")
    panels: list[alt.LayerChart] = []
    for i, (target, name) in enumerate(benchmarks.items()):
        pts = points[points["target"] == target]
        test = [str(m) for m in pts.loc[pts["split"] == "test", "Model"]]
        chart = pred_vs_actual(
            pts,
            group="split",
            title=name,
            x_title=x_title,
            y_title=y_title,
            highlight=test or None,
        )
        assert isinstance(chart, alt.LayerChart)
        # One zoom per panel, named apart: their axes differ.
        for layer in chart.layer:  # drop the builder's own zoom, whose name every panel shares
            layer.params = alt.Undefined
        zoom = alt.selection_interval(bind="scales", name=f"zoom_{i}")
        panels.append(chart.add_params(zoom).properties(width=side, height=side))
    with warnings.catch_warnings():
        # Should the panels ever carry identical selections, Altair merges them.
        warnings.filterwarnings("ignore", message="Automatically deduplicated selection")
        return alt.hconcat(*panels, title=alt.TitleParams(text=title, anchor="start"), spacing=16)
