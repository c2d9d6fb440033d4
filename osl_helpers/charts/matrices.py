"""Heatmaps: models × benchmarks scores, PCA loadings and tables of a metric."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from osl_helpers._validation import OSLInputError
from osl_helpers.charts.style import (
    MISSING_COLOR,
    WIDTH,
    _distinct,
    _layer,
    _order,
    _require_numeric,
    _title,
    column_label,
    require_columns,
    value_label,
)

__all__ = ["heatmap", "loadings_heatmap", "metric_heatmap"]


def _ink(value: str, threshold: float, dark_when_above: bool, absolute: bool = False) -> Any:
    """Text colour that stays legible on the cell underneath: white on dark, black on light."""
    ref = f"abs(datum['{value}'])" if absolute else f"datum['{value}']"
    test = f"{ref} > {threshold!r}" if dark_when_above else f"{ref} < {threshold!r}"
    return alt.when(test).then(alt.value("white")).otherwise(alt.value("black"))


# Sequential schemes whose dark end is at the low values (the others are dark at the top).
_DARK_LOW_SCHEMES = {"viridis", "magma", "inferno", "plasma", "cividis", "turbo"}


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
    category_labels: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Models × benchmarks heatmap of a wide frame (index: models, columns: benchmarks).

    Missing cells are grey with a cross, cells flagged in the boolean frame
    ``imputed`` (same labels) carry a dot; both markers have a legend entry.
    ``row_order``/``col_order`` pick and order rows and columns. ``labels``
    writes each value (``fmt``) in its cell. Rows and columns show
    ``category_labels[name]``, or the reader's name of a name the package knows.
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
        category_labels=category_labels,
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


def _readable(
    long: pd.DataFrame,
    rows: list[str],
    cols: list[str],
    category_labels: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Rows and columns named for readers: ``category_labels`` first, then the names the
    package knows (:func:`~osl_helpers.charts.style.value_label`, e.g. ``log_flops``);
    a side whose new names would collide keeps its own."""
    extra = dict(category_labels or {})

    def rename(names: list[str]) -> dict[str, str]:
        new = {n: extra.get(n) or value_label(n) for n in names}
        return new if len(set(new.values())) == len(names) else {n: n for n in names}

    row_map, col_map = rename(rows), rename(cols)
    out = long.assign(row=long["row"].map(row_map), column=long["column"].map(col_map))
    return out, [row_map[r] for r in rows], [col_map[c] for c in cols]


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
    category_labels: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    long, rows, cols = _readable(long, rows, cols, category_labels)
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
    category_labels: Mapping[str, str] | None = None,
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
        category_labels=category_labels,
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
    category_labels: Mapping[str, str] | None = None,
) -> alt.LayerChart:
    """Table of a metric (e.g. test MSE) over two categories, each cell labelled with its value.

    Titles default to the reader's names of the columns (``test_mse`` → "test MSE");
    categories show ``category_labels[name]``, or the reader's name of a name the
    package knows (``log_flops``, ``pcs_3``, a paper setup's key); ``x_order`` and
    ``y_order`` take the names as in ``df``.
    """
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
        row_title=y_title or column_label(y),
        col_title=x_title or column_label(x),
        value_title=value_title or column_label(value),
        scale=_scheme_scale(scheme, None),
        ink=_sequential_ink(long["value"], None, scheme),
        labels=True,
        fmt=fmt,
        row_step=row_step,
        title=_title(title, subtitle),
        category_labels=category_labels,
    )
