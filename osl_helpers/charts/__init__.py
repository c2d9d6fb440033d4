"""Altair chart builders of the book.

The shared builders are grouped by what they draw: :mod:`~osl_helpers.charts.matrices`
(heatmaps), :mod:`~osl_helpers.charts.pca`, :mod:`~osl_helpers.charts.scatter` (models by
family), :mod:`~osl_helpers.charts.fits` (fitted laws, predicted against observed) and
:mod:`~osl_helpers.charts.lines`, all in the look of :mod:`~osl_helpers.charts.style`.
Chapter modules add builders only one chapter draws, named after it, e.g.
:mod:`osl_helpers.charts.emergence`.
"""

from osl_helpers.charts import (
    agents,
    compute_lines,
    did_it_hold,
    emergence,
    lowrank,
    open_llm_leaderboard,
    post_training,
)
from osl_helpers.charts.did_it_hold import reliability_chart
from osl_helpers.charts.fits import law_fit_chart, pred_vs_actual
from osl_helpers.charts.lines import line_with_band, range_chart
from osl_helpers.charts.matrices import heatmap, loadings_heatmap, metric_heatmap
from osl_helpers.charts.pca import scree, weights_bar
from osl_helpers.charts.scatter import family_scatter
from osl_helpers.charts.style import (
    COLUMN_LABELS,
    HEIGHT,
    MISSING_COLOR,
    NUMBER_FORMAT,
    OKABE_ITO,
    PALETTE,
    SHAPES,
    WIDTH,
    AnyChart,
    category_scale,
    column_label,
    family_colors,
    family_scale,
    integer_axis,
    require_columns,
    shape_scale,
    split_domain,
    tooltips,
    value_label,
)

__all__ = [
    "COLUMN_LABELS",
    "HEIGHT",
    "MISSING_COLOR",
    "NUMBER_FORMAT",
    "OKABE_ITO",
    "PALETTE",
    "SHAPES",
    "WIDTH",
    "AnyChart",
    "agents",
    "category_scale",
    "column_label",
    "compute_lines",
    "did_it_hold",
    "emergence",
    "family_colors",
    "family_scale",
    "family_scatter",
    "heatmap",
    "integer_axis",
    "law_fit_chart",
    "line_with_band",
    "loadings_heatmap",
    "lowrank",
    "metric_heatmap",
    "open_llm_leaderboard",
    "post_training",
    "pred_vs_actual",
    "range_chart",
    "reliability_chart",
    "require_columns",
    "scree",
    "shape_scale",
    "split_domain",
    "tooltips",
    "value_label",
    "weights_bar",
]
