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

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import altair as alt
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers._validation import require_columns as _require_columns
from osl_helpers.data import PAPER_FAMILIES

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
    "category_scale",
    "column_label",
    "family_colors",
    "family_scale",
    "integer_axis",
    "require_columns",
    "shape_scale",
    "split_domain",
    "tooltips",
    "value_label",
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

#: Readers' names of the package's column names and predictor keys (see :func:`column_label`).
COLUMN_LABELS: dict[str, str] = {
    "Model": "model",
    "Model Family": "model family",
    "family": "model family",
    "model": "model",
    "y_hat": "predicted",
    "test_mse": "test MSE",
    "train_mse": "training MSE",
    "test_mae": "test MAE",
    "mse": "MSE",
    "n_train": "training models",
    "n_test": "test models",
    "max_train_y": "highest training-set score",
    "gap_slope": "gap slope",
    "interval_score": "interval score",
    "params_b": "parameters (billions)",
    "tokens_T": "training tokens (trillions)",
    "log10_tokens": "log10 training tokens",
    "log10_flops": "log10 training FLOPs",
    "log10_params": "log10 parameters",
    "f_equiv_log10_flops": "Llama-2-equivalent log10 FLOPs",
    # Predictors compared in the evaluation tables.
    "log_flops": "log10 training FLOPs",
    "log_params": "log10 parameters",
    "mean_benchmark": "mean benchmark score",
}

_PCS_KEY = re.compile(r"pcs_(\d+)")


def value_label(value: Any) -> str:
    """Reader's name of a category value the package knows, else the value as it is.

    Known: the keys of :data:`COLUMN_LABELS`, predictor keys ``pcs_K`` ("K PCs")
    and the keys of :data:`~osl_helpers.setups.PAPER_SETUPS` (their titles).
    Anything else (model names, benchmarks) is returned unchanged.
    """
    text = str(value)
    if text in COLUMN_LABELS:
        return COLUMN_LABELS[text]
    match = _PCS_KEY.fullmatch(text)
    if match:
        return f"{match.group(1)} PCs"
    from osl_helpers.setups import PAPER_SETUPS  # deferred: setups is heavier than charts

    setup = PAPER_SETUPS.get(text)
    return setup.title if setup is not None else text


def column_label(name: str) -> str:
    """Title of a column for readers when the caller gives none: ``test_mse`` → "test MSE".

    A name the package knows (:func:`value_label`) gets its reader's name; any
    other has its underscores replaced by spaces.
    """
    known = value_label(name)
    return known if known != name else name.replace("_", " ").strip() or name


def split_domain(values: Iterable[Any]) -> list[str]:
    """Shape domain of a split column: "train" and "test" first, in that order, whenever
    either is present (so train is always a circle and test a triangle), then the rest."""
    present = _distinct(values)
    fixed = ["train", "test"] if {"train", "test"} & set(present) else []
    return fixed + [v for v in present if v not in fixed]


def integer_axis(values: pd.Series) -> dict[str, Any]:
    """Axis settings for whole-number ticks when every value is an integer (a count, K, a
    budget); empty otherwise."""
    nums = pd.to_numeric(values, errors="coerce").dropna()
    if nums.empty or not bool(((nums % 1) == 0).all()):
        return {}
    return {"tickMinStep": 1, "format": "d"}


def _family_pick(family: str) -> alt.Parameter:
    """Selection of a family by clicking its legend entry (declare it on one layer only)."""
    return alt.selection_point(fields=[_field(family)], bind="legend")


def _fade_unpicked(pick: alt.Parameter, opacity: float = 0.85) -> Any:
    """Opacity: full for the picked family (or all when none is picked), faint for others."""
    return alt.when(pick).then(alt.value(opacity)).otherwise(alt.value(0.1))


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
    """Tooltip entries for ``columns`` of ``frame`` (``None`` skipped); numbers get ``fmt``.

    Each title is ``titles[column]`` or else the reader's name :func:`column_label`.
    """
    titles = titles or {}
    out = []
    for col in dict.fromkeys(c for c in columns if c is not None):
        kind = _vl_type(frame[col])
        kw: dict[str, Any] = {"format": fmt} if kind == "quantitative" else {}
        out.append(
            alt.Tooltip(
                field=_field(col), type=kind, title=titles.get(col) or column_label(col), **kw
            )
        )
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
