"""Altair chart builders shared by the chapters.

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
import numpy as np
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
    "family_scatter",
    "heatmap",
    "law_fit_chart",
    "line_with_band",
    "loadings_heatmap",
    "metric_heatmap",
    "pred_vs_actual",
    "range_chart",
    "require_columns",
    "scree",
    "shape_scale",
    "tooltips",
    "weights_bar",
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


# --------------------------------------------------------------------------- helpers


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
    highlight: list[str],
    x_enc: alt.X,
    y_enc: alt.Y,
    tips: list[alt.Tooltip],
) -> list[alt.Chart]:
    """A ring and a text label on each highlighted model."""
    if not highlight:
        return []
    sub = data[data[model].astype(str).isin(highlight)].reset_index(drop=True)
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


def _ink(value: str, threshold: float, dark_when_above: bool, absolute: bool = False) -> Any:
    """Text colour that stays legible on the cell underneath: white on dark, black on light."""
    ref = f"abs(datum['{value}'])" if absolute else f"datum['{value}']"
    test = f"{ref} > {threshold!r}" if dark_when_above else f"{ref} < {threshold!r}"
    return alt.when(test).then(alt.value("white")).otherwise(alt.value("black"))


# Sequential schemes whose dark end is at the low values (the others are dark at the top).
_DARK_LOW_SCHEMES = {"viridis", "magma", "inferno", "plasma", "cividis", "turbo"}


# --------------------------------------------------------------------------- matrices


def _matrix_long(matrix: pd.DataFrame, name: str) -> pd.DataFrame:
    """Long form (row, column, value) of a wide numeric frame, NaN cells kept."""
    if not isinstance(matrix, pd.DataFrame):
        raise OSLInputError(f"{name} must be a pandas DataFrame; got {type(matrix).__name__}")
    _require_numeric(matrix, [str(c) for c in matrix.columns], name)
    if matrix.index.has_duplicates:
        dup = _distinct(matrix.index[matrix.index.duplicated()])
        raise OSLInputError(f"{name}: duplicate row label(s) {dup[:5]}")
    if matrix.empty:
        raise OSLInputError(f"{name} is empty")
    rows = [str(r) for r in matrix.index]
    cols = [str(c) for c in matrix.columns]
    return pd.DataFrame(
        {
            "row": np.repeat(rows, len(cols)),
            "column": np.tile(cols, len(rows)),
            "value": matrix.to_numpy(dtype=float).ravel(),
        }
    )


def _order(labels: Sequence[Any], order: Sequence[Any] | None, what: str) -> list[Any]:
    if order is None:
        return list(labels)
    unknown = [o for o in order if o not in set(labels)]
    if unknown:
        raise OSLInputError(f"{what} names label(s) not in the data: {unknown}")
    return list(dict.fromkeys(order))


def heatmap(
    matrix_df: pd.DataFrame,
    row_order: Sequence[str] | None = None,
    col_order: Sequence[str] | None = None,
    value_title: str = "accuracy",
    title: str = "Benchmark scores of each model",
    imputed: pd.DataFrame | None = None,
    *,
    subtitle: str | None = None,
    row_title: str = "model",
    col_title: str = "benchmark",
    scheme: str = "viridis",
    domain: tuple[float, float] | None = None,
    labels: bool = False,
    fmt: str = ".2f",
    row_step: int = 14,
) -> alt.LayerChart:
    """Models × benchmarks heatmap of a wide frame (index: models, columns: benchmarks).

    Missing cells are grey with a cross, cells flagged in the boolean frame
    ``imputed`` (same labels) carry a dot; both markers have a legend entry.
    ``row_order``/``col_order`` pick and order rows and columns. ``labels``
    writes each value (``fmt``) in its cell.
    """
    require_columns(matrix_df, col_order or [], "matrix_df")
    rows = _order([str(r) for r in matrix_df.index], row_order, "row_order")
    cols = [str(c) for c in _order(list(matrix_df.columns), col_order, "col_order")]
    sub = matrix_df.set_axis([str(r) for r in matrix_df.index]).rename(columns=str).loc[rows, cols]
    long = _matrix_long(sub, "matrix_df")
    long["status"] = np.where(long["value"].isna(), "missing", "observed")
    if imputed is not None:
        flags = _imputed_flags(imputed, rows, cols)
        long.loc[flags & long["value"].notna(), "status"] = "imputed"
    return _matrix_chart(
        long,
        rows,
        cols,
        row_title=row_title,
        col_title=col_title,
        value_title=value_title,
        scale=_scheme_scale(scheme, domain),
        ink=_sequential_ink(long["value"], domain, scheme),
        labels=labels,
        fmt=fmt,
        row_step=row_step,
        title=_title(title, subtitle),
    )


def _scheme_scale(scheme: str, domain: tuple[float, float] | None) -> alt.Scale:
    # Any Vega scheme name is accepted; Altair's stubs list them as literals.
    kw: dict[str, Any] = {"scheme": scheme}
    if domain is not None:
        kw["domain"] = list(domain)
    return alt.Scale(**kw)


def _imputed_flags(imputed: pd.DataFrame, rows: list[str], cols: list[str]) -> np.ndarray:
    """Flatten the ``imputed`` mask in the cell order of :func:`_matrix_long`."""
    if not isinstance(imputed, pd.DataFrame):
        raise OSLInputError(f"imputed must be a boolean DataFrame; got {type(imputed).__name__}")
    flags = imputed.set_axis([str(r) for r in imputed.index]).rename(columns=str)
    require_columns(flags, cols, "imputed")
    missing_rows = [r for r in rows if r not in set(flags.index)]
    if missing_rows:
        raise OSLInputError(f"imputed is missing row(s) {missing_rows[:5]}")
    return flags.loc[rows, cols].fillna(False).to_numpy(dtype=bool).ravel()


def _sequential_ink(
    values: pd.Series, domain: tuple[float, float] | None, scheme: str
) -> tuple[float, bool]:
    """Threshold and direction for white labels on the dark half of a sequential scheme."""
    lo, hi = domain if domain else (float(values.min()), float(values.max()))
    mid = (lo + hi) / 2 if np.isfinite(lo) and np.isfinite(hi) else 0.0
    return mid, scheme not in _DARK_LOW_SCHEMES


def _matrix_chart(
    long: pd.DataFrame,
    rows: list[str],
    cols: list[str],
    *,
    row_title: str,
    col_title: str,
    value_title: str,
    scale: alt.Scale,
    ink: tuple[float, bool],
    labels: bool,
    fmt: str,
    row_step: int,
    title: alt.TitleParams,
    absolute_ink: bool = False,
) -> alt.LayerChart:
    tips = [
        alt.Tooltip(field="row", type="nominal", title=row_title),
        alt.Tooltip(field="column", type="nominal", title=col_title),
        alt.Tooltip(field="value", type="quantitative", title=value_title, format=fmt),
        alt.Tooltip(field="status", type="nominal", title="cell"),
    ]
    base = alt.Chart(long).encode(
        x=alt.X(field="column", type="nominal", sort=cols, title=col_title).axis(
            labelAngle=-40, orient="top"
        ),
        y=alt.Y(field="row", type="nominal", sort=rows, title=row_title),
        tooltip=tips,
    )
    known = base.transform_filter("isValid(datum.value) && isFinite(datum.value)")
    layers: list[alt.Chart] = [
        known.mark_rect().encode(
            color=alt.Color(field="value", type="quantitative", title=value_title, scale=scale)
        )
    ]
    statuses = [s for s in ("missing", "imputed") if (long["status"] == s).any()]
    if "missing" in statuses:
        layers.append(
            base.transform_filter(alt.datum.status == "missing").mark_rect(color=MISSING_COLOR)
        )
    marker_offset = 0.0
    if labels:
        layers.append(
            known.mark_text(fontSize=10).encode(
                text=alt.Text(field="value", type="quantitative", format=fmt),
                color=_ink("value", ink[0], ink[1], absolute=absolute_ink),
            )
        )
        if "missing" in statuses:
            layers.append(
                base.transform_filter(alt.datum.status == "missing")
                .mark_text(fontSize=10, color="#333333")
                .encode(text=alt.value("n/a"))
            )
        # With a number in the cell, the status marker moves to the cell's right end.
        marker_offset = WIDTH / len(cols) / 2 - 8
    if statuses:
        # A shape per status, drawn in the cell, gives missing/imputed cells a legend entry.
        layers.append(
            base.transform_filter(alt.FieldOneOfPredicate(field="status", oneOf=statuses))
            .mark_point(
                filled=True,
                fill="white",
                stroke="black",
                strokeWidth=0.8,
                size=50,
                xOffset=marker_offset,
            )
            .encode(
                shape=alt.Shape(
                    field="status",
                    type="nominal",
                    title="cell",
                    scale=alt.Scale(
                        domain=statuses,
                        range=[{"missing": "cross", "imputed": "circle"}[s] for s in statuses],
                    ),
                )
            )
        )
    return _layer(layers, title).properties(width=WIDTH, height=alt.Step(row_step))


def loadings_heatmap(
    components_df: pd.DataFrame,
    title: str = "Principal-component loadings",
    *,
    subtitle: str | None = None,
    row_title: str = "principal component",
    col_title: str = "benchmark",
    value_title: str = "loading",
    fmt: str = ".2f",
    row_step: int = 36,
) -> alt.LayerChart:
    """K × T loadings (index: components, columns: benchmarks) on a diverging scale, labelled."""
    long = _matrix_long(components_df, "components_df")
    if long["value"].isna().any():
        raise OSLInputError("components_df has missing loadings")
    long["status"] = "observed"
    bound = float(long["value"].abs().max()) or 1.0
    return _matrix_chart(
        long,
        [str(r) for r in components_df.index],
        [str(c) for c in components_df.columns],
        row_title=row_title,
        col_title=col_title,
        value_title=value_title,
        scale=alt.Scale(scheme="blueorange", domain=[-bound, bound], domainMid=0),
        ink=(0.6 * bound, True),
        absolute_ink=True,
        labels=True,
        fmt=fmt,
        row_step=row_step,
        title=_title(title, subtitle),
    )


def metric_heatmap(
    df: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    fmt: str = ".3f",
    title: str = "Prediction error",
    *,
    subtitle: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    value_title: str | None = None,
    x_order: Sequence[str] | None = None,
    y_order: Sequence[str] | None = None,
    scheme: str = "blues",
    row_step: int = 32,
) -> alt.LayerChart:
    """Table of a metric (e.g. test MSE) over two categories, each cell labelled with its value."""
    require_columns(df, [x, y, value], "df")
    _require_numeric(df, [value], "df")
    if df.duplicated(subset=[x, y]).any():
        raise OSLInputError(f"df has several rows for the same ({x}, {y}) pair")
    long = pd.DataFrame(
        {
            "row": df[y].astype(str).to_numpy(),
            "column": df[x].astype(str).to_numpy(),
            "value": df[value].astype(float).to_numpy(),
        }
    )
    long["status"] = np.where(long["value"].isna(), "missing", "observed")
    return _matrix_chart(
        long,
        _order(_distinct(long["row"]), y_order, "y_order"),
        _order(_distinct(long["column"]), x_order, "x_order"),
        row_title=y_title or y,
        col_title=x_title or x,
        value_title=value_title or value,
        scale=_scheme_scale(scheme, None),
        ink=_sequential_ink(long["value"], None, scheme),
        labels=True,
        fmt=fmt,
        row_step=row_step,
        title=_title(title, subtitle),
    )


# --------------------------------------------------------------------------- PCA


def scree(
    explained_ratio: pd.Series | Sequence[float] | np.ndarray,
    title: str = "Variance explained by the principal components",
    *,
    subtitle: str | None = None,
) -> alt.LayerChart:
    """Bars of each component's share of variance and a line of the cumulative share.

    A Series keeps its index as component names; other input is named PC-1, PC-2, ….
    """
    vals = np.asarray(explained_ratio, dtype=float).ravel()
    if vals.size == 0 or not np.isfinite(vals).all():
        raise OSLInputError("explained_ratio must be a non-empty sequence of finite numbers")
    if (vals < 0).any() or vals.sum() > 1 + 1e-6:
        raise OSLInputError(
            "explained_ratio must hold non-negative fractions summing to at most 1 "
            f"(sum is {vals.sum():.4g})"
        )
    if isinstance(explained_ratio, pd.Series):
        names = [str(i) for i in explained_ratio.index]
    else:
        names = [f"PC-{i + 1}" for i in range(vals.size)]
    wide = pd.DataFrame(
        {"component": names, "ratio": vals, "cumulative": np.cumsum(vals), "k": range(vals.size)}
    )
    # Long form: one row per component and quantity, so colour has a field and a legend.
    data = pd.concat(
        [
            wide.assign(share="per component", value=wide["ratio"]),
            wide.assign(share="cumulative", value=wide["cumulative"]),
        ],
        ignore_index=True,
    )
    tips = [
        alt.Tooltip(field="component", type="nominal", title="component"),
        alt.Tooltip(field="ratio", type="quantitative", format=".1%", title="this component"),
        alt.Tooltip(field="cumulative", type="quantitative", format=".1%", title="cumulative"),
    ]
    shares = ["per component", "cumulative"]
    base = alt.Chart(data).encode(
        x=alt.X(field="component", type="nominal", sort=names, title="principal component").axis(
            labelAngle=0
        ),
        y=alt.Y(field="value", type="quantitative", title="fraction of variance explained")
        .axis(format="%")
        .scale(domain=[0, 1]),
        color=alt.Color(
            field="share",
            type="nominal",
            title="share of variance",
            scale=alt.Scale(domain=shares, range=OKABE_ITO[:2]),
        ),
        tooltip=tips,
    )
    per = base.transform_filter(alt.datum.share == "per component")
    cum = base.transform_filter(alt.datum.share == "cumulative")
    bars = per.mark_bar(opacity=0.85)
    bar_text = per.mark_text(dy=-10, baseline="bottom", fontSize=11).encode(
        text=alt.Text(field="ratio", type="quantitative", format=".1%"), color=alt.value("black")
    )
    line = cum.mark_line(strokeDash=[5, 3])
    points = cum.mark_point(shape="diamond", filled=True, size=70)
    # The first cumulative value equals the first bar, so only later ones get a label.
    cum_text = (
        cum.transform_filter(alt.datum.k > 0)
        .mark_text(align="right", dx=-8, dy=-8, fontSize=11)
        .encode(
            text=alt.Text(field="cumulative", type="quantitative", format=".0%"),
            color=alt.value("#555555"),
        )
    )
    return _layer([bars, bar_text, line, points, cum_text], _title(title, subtitle)).properties(
        width=WIDTH, height=HEIGHT
    )


def weights_bar(
    weights: pd.Series | pd.DataFrame,
    title: str = "Weight of each benchmark",
    *,
    subtitle: str | None = None,
    benchmark: str = "benchmark",
    weight: str = "weight",
    target: str | None = "target",
    value_title: str = "weight",
    fmt: str = ".2f",
    columns: int = 3,
) -> alt.LayerChart | alt.FacetChart:
    """Horizontal bars of benchmark weights (e.g. βᵀγ), one panel per target.

    ``weights`` is a Series indexed by benchmark, or a long frame with columns
    ``benchmark``, ``weight`` and (unless ``target`` is None) ``target``.
    Bars are coloured by sign and labelled with their value.
    """
    if isinstance(weights, pd.Series):
        data = pd.DataFrame(
            {"benchmark": [str(i) for i in weights.index], "weight": weights.to_numpy(float)}
        )
        target_title = None
    else:
        require_columns(weights, [benchmark, weight, target], "weights")
        _require_numeric(weights, [weight], "weights")
        data = pd.DataFrame(
            {
                "benchmark": weights[benchmark].astype(str).to_numpy(),
                "weight": weights[weight].astype(float).to_numpy(),
            }
        )
        if target is not None:
            data["target"] = weights[target].astype(str).to_numpy()
        target_title = target
    data["sign"] = np.where(data["weight"] >= 0, "positive", "negative")
    order = _distinct(data["benchmark"])
    tips = [
        alt.Tooltip(field="benchmark", type="nominal", title=benchmark),
        alt.Tooltip(field="weight", type="quantitative", title=value_title, format=".4~g"),
    ]
    if "target" in data:
        tips.insert(0, alt.Tooltip(field="target", type="nominal", title=target_title))
    # Room beyond the longest bars on both sides, so value labels never run into
    # the benchmark names (negative bars) or off the panel (positive bars).
    lo, hi = min(0.0, float(data["weight"].min())), max(0.0, float(data["weight"].max()))
    pad = 0.22 * ((hi - lo) or 1.0)
    domain = [lo - pad if lo < 0 else 0.0, hi + pad if hi > 0 else 0.0]
    base = alt.Chart(data).encode(
        y=alt.Y(field="benchmark", type="nominal", sort=order, title=benchmark),
        x=alt.X(
            field="weight",
            type="quantitative",
            title=value_title,
            scale=alt.Scale(domain=domain, nice=False),
        ),
        tooltip=tips,
    )
    signs = alt.Scale(domain=["positive", "negative"], range=[OKABE_ITO[0], OKABE_ITO[3]])
    bars = base.mark_bar().encode(
        color=alt.Color(
            field="sign",
            type="nominal",
            title="sign",
            scale=signs,
            legend=alt.Legend(orient="bottom"),
        )
    )
    label = alt.Text(field="weight", type="quantitative", format=fmt)
    pos = (
        base.transform_filter("datum.weight >= 0").mark_text(align="left", dx=3).encode(text=label)
    )
    neg = (
        base.transform_filter("datum.weight < 0").mark_text(align="right", dx=-3).encode(text=label)
    )
    zero = (
        alt.Chart(data)
        .transform_aggregate(n="count()")
        .mark_rule(color="black")
        .encode(x=alt.datum(0))
    )
    layers = _layer([bars, pos, neg, zero])
    n_targets = data["target"].nunique() if "target" in data else 1
    if n_targets <= 1:
        return layers.properties(width=WIDTH - 120, title=_title(title, subtitle))
    ncol = max(1, min(columns, n_targets))
    panel = max(140, (WIDTH - 40) // ncol - 100)
    return layers.properties(width=panel).facet(
        facet=alt.Facet(
            field="target", type="nominal", title=target_title, sort=_distinct(data["target"])
        ),
        columns=ncol,
        title=_title(title, subtitle),
    )


# --------------------------------------------------------------------------- scatter plots


def _point_layer(
    data: pd.DataFrame,
    x: alt.X,
    y: alt.Y,
    family: str,
    shape: str | None,
    shape_title: str | None,
    tips: list[alt.Tooltip],
    shape_domain: Sequence[str] | None = None,
) -> alt.Chart:
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
            field=_field(shape), type="nominal", title=shape_title or shape, scale=shape_scale(dom)
        )
    chart: alt.Chart = alt.Chart(data).mark_point(filled=True, size=60, opacity=0.85).encode(**enc)
    return chart


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

    ``lines`` has columns ``family`` (same name as in ``frame``), ``slope`` and
    ``intercept``; each line spans its family's observed x-range. ``highlight``
    names models to ring and label.
    """
    require_columns(frame, [x, y, family, model, shape, *extra_tooltip], "frame")
    _require_numeric(frame, [x, y], "frame")
    marked = _check_highlight(frame, model, highlight)
    data = _slim(frame, [model, family, shape, x, y, *extra_tooltip]).dropna(subset=[x, y])
    data[family] = _as_label(data[family])
    if shape is not None:
        data[shape] = _as_label(data[shape])
    xt, yt = x_title or x, y_title or y
    x_enc = alt.X(field=_field(x), type="quantitative", title=xt).scale(zero=zero)
    y_enc = alt.Y(field=_field(y), type="quantitative", title=yt).scale(zero=zero)
    tips = tooltips(data, [model, family, shape, x, y, *extra_tooltip], {x: xt, y: yt})
    layers: list[alt.Chart] = []
    if lines is not None:
        layers.append(_family_lines(data, lines, x, family, x_enc, y_enc, yt))
    layers.append(_point_layer(data, x_enc, y_enc, family, shape, shape_title, tips))
    layers += _labels(data, model, x, marked, x_enc, y_enc, tips)
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
) -> alt.Chart:
    """Segments y = slope·x + intercept over each family's x-range."""
    require_columns(lines, [family, "slope", "intercept"], "lines")
    _require_numeric(lines, ["slope", "intercept"], "lines")
    fits = lines.assign(**{family: lines[family].astype(str)})
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
        .mark_line(strokeWidth=1.5, opacity=0.8)
        .encode(
            x=x_enc,
            y=alt.Y(field="fit", type="quantitative", title=y_title),
            color=alt.Color(field=_field(family), type="nominal", scale=family_scale(data[family])),
            detail=alt.Detail(field=_field(family), type="nominal"),
            tooltip=tooltips(seg, [family, "slope", "intercept"]),
        )
    )
    return chart


def law_fit_chart(
    points: pd.DataFrame,
    curve: pd.DataFrame,
    x_title: str,
    y_title: str,
    title: str = "",
    cutoff: float | None = None,
    *,
    subtitle: str | None = None,
    x: str = "x",
    y: str = "y",
    model: str = "model",
    family: str = "family",
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
    ``cutoff`` draws a vertical rule (e.g. the training FLOPs cutoff).
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
    splits = [s for s in ("train", "test") if s in set(data[split])]
    splits += [s for s in _distinct(data[split]) if s not in splits]
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
    layers.append(_point_layer(data, x_enc, y_enc, family, split, "split", tips, splits))
    layers += _labels(data, model, x, marked, x_enc, y_enc, tips)
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
    model: str = "model",
    family: str = "family",
    facet: bool = False,
    columns: int = 3,
    x_title: str = "predicted",
    y_title: str = "observed",
    highlight: Sequence[str] | None = None,
) -> alt.LayerChart | alt.FacetChart:
    """Observed ``y`` against predicted ``y_hat`` with the y = x diagonal.

    ``group`` (e.g. train/test, or a method) sets the point shape and, with
    ``facet=True``, one panel per group. Both axes share one range.
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
    points = _point_layer(data, x_enc, y_enc, family, group, group, tips)
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
                .mark_text(align="left", dx=6, dy=-6, fontSize=10)
                .encode(x=x_enc, y=y_enc, text=alt.Text(field=_field(model), type="nominal"))
            )
        return (
            _layer(facet_layers)
            .properties(width=side, height=side)
            .facet(
                facet=alt.Facet(
                    field=_field(group), type="nominal", title=group, sort=_distinct(data[group])
                ),
                columns=ncol,
                title=_title(title, subtitle),
            )
        )
    side = min(WIDTH, HEIGHT + 60)
    return (
        _layer(
            [diag, points, *_labels(data, model, y_hat, marked, x_enc, y_enc, tips)],
            _title(title, subtitle),
        )
        .properties(width=side, height=side)
        .interactive()
    )


# --------------------------------------------------------------------------- lines and ranges


def line_with_band(
    df: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    lo: str | None = None,
    hi: str | None = None,
    title: str = "",
    x_title: str | None = None,
    y_title: str | None = None,
    log_y: bool = False,
    *,
    subtitle: str | None = None,
    log_x: bool = False,
    extra_tooltip: Sequence[str] = (),
) -> alt.LayerChart:
    """One line per ``group`` (colour and point shape) with an optional ``lo``–``hi`` band."""
    require_columns(df, [x, y, group, lo, hi, *extra_tooltip], "df")
    _require_numeric(df, [x, y, lo, hi], "df")
    if (lo is None) != (hi is None):
        raise OSLInputError("give both lo and hi for a band, or neither")
    data = _slim(df, [group, x, y, lo, hi, *extra_tooltip])
    data[group] = _as_label(data[group])
    if log_y:
        cols = [c for c in (y, lo, hi) if c is not None]
        if (data[cols] <= 0).to_numpy().any():
            raise OSLInputError(f"log_y needs positive values in {cols}")
    if log_x and (data[x] <= 0).any():
        raise OSLInputError(f"log_x needs positive values in {x!r}")
    xt, yt = x_title or x, y_title or y
    x_enc = alt.X(field=_field(x), type="quantitative", title=xt).scale(
        alt.Scale(type="log") if log_x else alt.Scale(zero=False)
    )
    y_scale = alt.Scale(type="log") if log_y else alt.Scale(zero=False)
    groups = _distinct(data[group])
    colors = category_scale(groups)
    # Below the plot and never truncated: group names are often long and alike.
    legend = alt.Legend(orient="bottom", columns=2, labelLimit=0)
    color = alt.Color(field=_field(group), type="nominal", title=group, scale=colors, legend=legend)
    tips = tooltips(data, [group, x, y, lo, hi, *extra_tooltip], {x: xt, y: yt})
    base = alt.Chart(data).encode(x=x_enc, tooltip=tips)
    layers: list[alt.Chart] = []
    if lo is not None and hi is not None:
        layers.append(
            # fillOpacity (not opacity) keeps the legend symbols solid.
            base.mark_area(fillOpacity=0.18).encode(
                y=alt.Y(field=_field(lo), type="quantitative", title=yt, scale=y_scale),
                y2=alt.Y2(field=_field(hi)),
                color=color,
                detail=alt.Detail(field=_field(group), type="nominal"),
            )
        )
    y_enc = alt.Y(field=_field(y), type="quantitative", title=yt, scale=y_scale)
    layers.append(base.mark_line(strokeWidth=2).encode(y=y_enc, color=color))
    layers.append(
        base.mark_point(filled=True, size=55).encode(
            y=y_enc,
            color=color,
            shape=alt.Shape(
                field=_field(group),
                type="nominal",
                title=group,
                scale=shape_scale(groups),
                legend=legend,
            ),
        )
    )
    return _layer(layers, _title(title, subtitle)).properties(width=WIDTH, height=HEIGHT)


def range_chart(
    df: pd.DataFrame,
    x_title: str,
    title: str = "",
    *,
    subtitle: str | None = None,
    item: str = "item",
    start: str = "start",
    end: str = "end",
    label: str | None = None,
    group: str | None = None,
    order: Sequence[str] | None = None,
    row_step: int = 22,
) -> alt.LayerChart:
    """Horizontal interval per ``item`` from ``start`` to ``end``, e.g. where a benchmark is informative.

    ``label`` writes text after each bar; ``group`` colours the bars and gives
    the end markers a shape. Items keep ``order`` (default: as given).
    """
    require_columns(df, [item, start, end, label, group], "df")
    _require_numeric(df, [start, end], "df")
    bad = df[df[start] > df[end]]
    if not bad.empty:
        raise OSLInputError(f"start > end for item(s) {_distinct(bad[item])[:5]}")
    data = _slim(df, [item, group, start, end, label])
    data[item] = data[item].astype(str)
    if group is not None:
        data[group] = _as_label(data[group])
    items = _order(_distinct(data[item]), order, "order")
    tips = tooltips(
        data, [item, group, start, end, label], {start: f"{x_title} (from)", end: f"{x_title} (to)"}
    )
    base = alt.Chart(data).encode(
        y=alt.Y(field=_field(item), type="nominal", sort=items, title=None),
        tooltip=tips,
    )
    x_enc = alt.X(field=_field(start), type="quantitative", title=x_title).scale(zero=False)
    enc: dict[str, Any] = {}
    ends: dict[str, Any] = {}
    if group is not None:
        groups = _distinct(data[group])
        enc["color"] = alt.Color(
            field=_field(group), type="nominal", title=group, scale=category_scale(groups)
        )
        ends["shape"] = alt.Shape(
            field=_field(group), type="nominal", title=group, scale=shape_scale(groups)
        )
    bars = base.mark_bar(height={"band": 0.55}, opacity=0.8).encode(
        x=x_enc, x2=alt.X2(field=_field(end)), **enc
    )
    marker = base.mark_point(filled=True, size=45, color="#333333")
    layers: list[alt.Chart] = [
        bars,
        marker.encode(x=x_enc, **ends),
        marker.encode(x=alt.X(field=_field(end), type="quantitative"), **ends),
    ]
    if label is not None:
        layers.append(
            base.mark_text(align="left", dx=8, fontSize=11).encode(
                x=alt.X(field=_field(end), type="quantitative"),
                text=alt.Text(field=_field(label), type="nominal"),
            )
        )
    return _layer(layers, _title(title, subtitle)).properties(
        width=WIDTH, height=alt.Step(row_step)
    )
