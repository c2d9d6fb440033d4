"""Look and shared helpers of the chart builders: palette, scales, sizes, tooltips.

Every builder takes tidy pandas data plus column names and returns an Altair
chart. Nothing is displayed, saved or configured globally. The conventions:

* data are inlined in the spec (never a URL), so a chart draws with no network;
* marks carry tooltips: the model, its family and the plotted values;
* colour is never the only cue: a coarser category is also drawn as a shape,
  and ``highlight`` adds text labels next to named models;
* a fixed width of :data:`WIDTH` pixels; scatter plots zoom and pan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers._validation import require_columns as _require_columns
from osl_helpers.data import PAPER_FAMILIES

__all__ = [
    "HEIGHT",
    "MISSING_COLOR",
    "NUMBER_FORMAT",
    "OKABE_ITO",
    "PALETTE",
    "SHAPES",
    "WIDTH",
    "AnyChart",
    "category_scale",
    "family_colors",
    "family_scale",
    "require_columns",
    "shape_scale",
    "tooltips",
]

#: Any chart a builder returns.
AnyChart: TypeAlias = alt.Chart | alt.LayerChart | alt.FacetChart

#: Width of a single-panel chart, in pixels.
WIDTH = 560
#: Height of a single-panel chart, in pixels.
HEIGHT = 360
#: d3 format of numbers in tooltips: four significant digits, no trailing zeros.
NUMBER_FORMAT = ".4~g"
#: Fill of missing cells in heatmaps.
MISSING_COLOR = "#d9d9d9"

#: Okabe & Ito's colour-blind-safe qualitative palette (yellow moved last: faint on white).
OKABE_ITO: list[str] = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442",
]  # fmt: skip

#: 24 colours: Okabe–Ito first, then darker hues that stay visible on white.
PALETTE: list[str] = [
    *OKABE_ITO[:7],
    "#332288", "#882255", "#44AA99", "#999933", "#AA4499", "#117733", "#CC6677",
    "#DDAA33", "#6A3D9A", "#B15928", "#E7298A", "#66A61E", "#A6761D", "#7570B3",
    "#8DA0CB", "#E78AC3", "#A6D854",
]  # fmt: skip

#: Point shapes, in the order categories receive them (all readable at small sizes).
SHAPES: list[str] = [
    "circle", "triangle-up", "square", "diamond", "cross", "triangle-down", "triangle-left",
    "triangle-right",
]  # fmt: skip

# Each paper family keeps one colour in every chart of the book.
_FAMILY_INDEX = {name: i for i, name in enumerate(PAPER_FAMILIES)}


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str | None], name: str = "frame"
) -> None:
    """Raise :class:`OSLInputError` unless ``frame`` is a DataFrame holding every one of
    ``columns`` (``None`` skipped); a missing column is a ``MissingColumnError`` naming it."""
    if not isinstance(frame, pd.DataFrame):
        raise OSLInputError(f"{name} must be a pandas DataFrame; got {type(frame).__name__}")
    _require_columns(frame, columns, name)


def _field(name: str) -> str:
    """Escape a column name for Vega-Lite, where dots and brackets mean nested access."""
    for ch in ("\\", ".", "[", "]"):
        name = name.replace(ch, "\\" + ch)
    return name


def _vl_type(series: pd.Series) -> Literal["quantitative", "nominal"]:
    is_num = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return "quantitative" if is_num else "nominal"


def _require_numeric(frame: pd.DataFrame, columns: Iterable[str | None], name: str) -> None:
    bad = [c for c in columns if c is not None and _vl_type(frame[c]) != "quantitative"]
    if bad:
        raise OSLInputError(f"{name}: column(s) {bad} must be numeric")


def tooltips(
    frame: pd.DataFrame,
    columns: Sequence[str | None],
    titles: Mapping[str, str] | None = None,
    fmt: str = NUMBER_FORMAT,
) -> list[alt.Tooltip]:
    """Tooltip entries for ``columns`` of ``frame`` (``None`` skipped); numbers get ``fmt``."""
    titles = titles or {}
    out = []
    for col in dict.fromkeys(c for c in columns if c is not None):
        kind = _vl_type(frame[col])
        kw: dict[str, Any] = {"format": fmt} if kind == "quantitative" else {}
        out.append(alt.Tooltip(field=_field(col), type=kind, title=titles.get(col, col), **kw))
    return out


def _as_label(series: pd.Series, missing: str = "unknown") -> pd.Series:
    """Category column as strings, missing entries named rather than turned into 'nan'."""
    return series.astype(object).where(series.notna(), missing).astype(str)


def _distinct(values: Iterable[Any]) -> list[str]:
    """Distinct non-missing values as strings, in order of first appearance."""
    return list(dict.fromkeys(str(v) for v in values if not pd.isna(v)))


def family_colors(families: Iterable[str]) -> dict[str, str]:
    """Colour of each family: fixed for the paper's 21 families, spare colours for the others."""
    present = _distinct(families)
    out = {f: PALETTE[_FAMILY_INDEX[f] % len(PALETTE)] for f in present if f in _FAMILY_INDEX}
    # Unknown families take unused colours first (sorted, so the choice is reproducible).
    spare = [c for c in PALETTE if c not in set(out.values())] + PALETTE
    extras = sorted(f for f in present if f not in _FAMILY_INDEX)
    out.update({f: spare[i % len(spare)] for i, f in enumerate(extras)})
    return out


def family_scale(families: Iterable[str]) -> alt.Scale:
    """Colour scale of model families, legend sorted alphabetically (see :func:`family_colors`)."""
    colors = family_colors(families)
    domain = sorted(colors, key=str.casefold)
    return alt.Scale(domain=domain, range=[colors[f] for f in domain])


def category_scale(values: Iterable[Any]) -> alt.Scale:
    """Colour scale for a few categories (methods, splits): Okabe–Ito up to seven, then more."""
    domain = _distinct(values)
    palette = OKABE_ITO[:7] if len(domain) <= 7 else PALETTE
    return alt.Scale(domain=domain, range=[palette[i % len(palette)] for i in range(len(domain))])


def shape_scale(values: Iterable[Any]) -> alt.Scale:
    """Shape scale giving each category (in order of appearance) its own point shape."""
    domain = _distinct(values)
    if len(domain) > len(SHAPES):
        raise OSLInputError(
            f"{len(domain)} categories for the shape channel but only {len(SHAPES)} shapes; "
            "use a coarser category for shape"
        )
    return alt.Scale(domain=domain, range=SHAPES[: len(domain)])


def _layer(layers: Sequence[alt.Chart], title: alt.TitleParams | None = None) -> alt.LayerChart:
    """Overlay ``layers`` (Altair moves data they share up to the layer)."""
    return alt.LayerChart(layer=list(layers), title=title if title is not None else alt.Undefined)


def _title(title: str, subtitle: str | None) -> alt.TitleParams:
    return alt.TitleParams(text=title, subtitle=subtitle or alt.Undefined, anchor="start")


def _slim(frame: pd.DataFrame, columns: Iterable[str | None]) -> pd.DataFrame:
    """Only the columns a chart uses, so the inlined data stay small."""
    return frame.loc[:, list(dict.fromkeys(c for c in columns if c is not None))].reset_index(
        drop=True
    )


def _order(labels: Sequence[Any], order: Sequence[Any] | None, what: str) -> list[Any]:
    if order is None:
        return list(labels)
    unknown = [o for o in order if o not in set(labels)]
    if unknown:
        raise OSLInputError(f"{what} names label(s) not in the data: {unknown}")
    return list(dict.fromkeys(order))
