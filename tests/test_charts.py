"""The chart builders return valid, self-contained, interactive Altair specs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from osl_helpers import charts
from osl_helpers.compute import fit_family_lines
from osl_helpers.data import PAPER_FAMILIES

Spec = dict[str, Any]


# --------------------------------------------------------------------------- spec helpers


def _walk(node: Any) -> Iterator[Any]:
    """Every dict and list inside a spec, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _tooltip_fields(spec: Spec) -> set[str]:
    fields = set()
    for node in _walk(spec):
        if isinstance(node, dict) and "tooltip" in node:
            tips = node["tooltip"]
            for tip in tips if isinstance(tips, list) else [tips]:
                if isinstance(tip, dict) and "field" in tip:
                    fields.add(tip["field"])
    return fields


def _keys(spec: Spec) -> set[str]:
    return {k for node in _walk(spec) if isinstance(node, dict) for k in node}


def _marks(spec: Spec) -> list[str]:
    out = []
    for node in _walk(spec):
        if isinstance(node, dict) and "mark" in node:
            mark = node["mark"]
            out.append(mark["type"] if isinstance(mark, dict) else mark)
    return out


def _records(spec: Spec) -> list[dict[str, Any]]:
    """All inlined rows (Altair's default data transformer puts them under 'datasets')."""
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def _scales(spec: Spec, channel: str) -> list[dict[str, Any]]:
    out = []
    for node in _walk(spec):
        if isinstance(node, dict) and isinstance(node.get("encoding"), dict):
            enc = node["encoding"].get(channel)
            if isinstance(enc, dict) and isinstance(enc.get("scale"), dict):
                out.append(enc["scale"])
    return out


# --------------------------------------------------------------------------- fake data

FAMILIES = ["Llama-2", "Qwen", "Pythia", "StarCoder", "Home-made"]


@pytest.fixture
def models() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 20
    return pd.DataFrame(
        {
            "Model": [f"org/model-{i}" for i in range(n)],
            "Model Family": [FAMILIES[i % len(FAMILIES)] for i in range(n)],
            "log10 FLOPs": np.linspace(20.0, 25.0, n),
            "acc.norm": rng.uniform(0.2, 0.9, n),
            "kind": ["code" if i % 4 == 0 else "general" for i in range(n)],
        }
    )


@pytest.fixture
def matrix() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    m = pd.DataFrame(
        rng.uniform(0, 1, (4, 3)),
        index=["m0", "m1", "m2", "m3"],
        columns=["MMLU", "ARC-C", "GSM8K"],
    )
    m.loc["m1", "GSM8K"] = np.nan
    return m


@pytest.fixture
def points(models: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Model": models["Model"],
            "Model Family": models["Model Family"],
            "P": models["log10 FLOPs"],
            "y": models["acc.norm"],
            "split": np.where(models["log10 FLOPs"] < 23, "train", "test"),
        }
    )


@pytest.fixture
def curve() -> pd.DataFrame:
    xs = np.linspace(20, 25, 11)
    return pd.concat(
        [
            pd.DataFrame(
                {"P": xs, "y_hat": a * xs - 1.6, "lo": a * xs - 1.7, "hi": a * xs - 1.5}
            ).assign(curve=name)
            for name, a in [("observational", 0.1), ("compute", 0.09)]
        ],
        ignore_index=True,
    )


@pytest.fixture
def builders(
    models: pd.DataFrame, matrix: pd.DataFrame, points: pd.DataFrame, curve: pd.DataFrame
) -> dict[str, tuple[Callable[[], Any], set[str]]]:
    """Each builder called on valid data, with the tooltip fields its chart must carry."""
    pva = points.assign(y_hat=points["y"] + 0.02)
    weights = pd.DataFrame(
        {
            "benchmark": ["MMLU", "GSM8K", "MMLU", "GSM8K"],
            "weight": [0.4, -0.2, 0.1, 0.7],
            "target": ["BBH", "BBH", "GSM8K-CoT", "GSM8K-CoT"],
        }
    )
    errors = pd.DataFrame(
        {"predictor": ["PCs", "PCs", "FLOPs", "FLOPs"], "target": ["A", "B"] * 2, "mse": [1e-3] * 4}
    )
    budget = pd.DataFrame(
        {
            "budget": [1, 2, 4] * 2,
            "mse": [0.1, 0.05, 0.02, 0.2, 0.1, 0.04],
            "lo": 0.01,
            "hi": 0.3,
            "method": ["V-optimal"] * 3 + ["random"] * 3,
        }
    )
    ranges = pd.DataFrame({"item": ["MMLU", "GSM8K"], "start": [21.0, 22.5], "end": [24.0, 25.0]})
    return {
        "heatmap": (lambda: charts.heatmap(matrix), {"row", "column", "value"}),
        "scree": (lambda: charts.scree([0.6, 0.25, 0.1]), {"component", "ratio", "cumulative"}),
        "loadings_heatmap": (lambda: charts.loadings_heatmap(matrix.fillna(0.0)), {"value"}),
        "family_scatter": (
            lambda: charts.family_scatter(models, "log10 FLOPs", "acc.norm", shape="kind"),
            {"Model", "Model Family", "log10 FLOPs", "acc\\.norm", "kind"},
        ),
        "law_fit_chart": (
            lambda: charts.law_fit_chart(points, curve, "log10 training FLOPs", "accuracy"),
            {"Model", "Model Family", "split", "P", "y", "y_hat", "curve"},
        ),
        "pred_vs_actual": (
            lambda: charts.pred_vs_actual(pva, group="split"),
            {"Model", "Model Family", "split", "y", "y_hat"},
        ),
        "weights_bar": (lambda: charts.weights_bar(weights), {"benchmark", "weight", "target"}),
        "metric_heatmap": (
            lambda: charts.metric_heatmap(errors, "target", "predictor", "mse"),
            {"row", "column", "value"},
        ),
        "line_with_band": (
            lambda: charts.line_with_band(budget, "budget", "mse", "method", lo="lo", hi="hi"),
            {"method", "budget", "mse", "lo", "hi"},
        ),
        "range_chart": (
            lambda: charts.range_chart(ranges, "log10 training FLOPs"),
            {"item", "start", "end"},
        ),
    }


BUILDERS = [
    "heatmap",
    "scree",
    "loadings_heatmap",
    "family_scatter",
    "law_fit_chart",
    "pred_vs_actual",
    "weights_bar",
    "metric_heatmap",
    "line_with_band",
    "range_chart",
]


# --------------------------------------------------------------------------- every builder


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_returns_a_valid_self_contained_chart(
    name: str, builders: dict[str, tuple[Callable[[], Any], set[str]]]
) -> None:
    make, expected_tips = builders[name]
    chart = make()
    assert isinstance(chart, alt.LayerChart | alt.FacetChart | alt.Chart)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert "url" not in _keys(spec), "data must be inlined, never fetched"
    assert _records(spec), "the chart must carry its data"
    assert expected_tips <= _tooltip_fields(spec)


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_sets_a_title(
    name: str, builders: dict[str, tuple[Callable[[], Any], set[str]]]
) -> None:
    spec = builders[name][0]().to_dict()
    assert isinstance(spec.get("title"), dict) and spec["title"]["text"] is not None


@pytest.mark.parametrize(
    ("call", "missing"),
    [
        (lambda m: charts.heatmap(m, col_order=["MMLU", "BBH"]), "BBH"),
        (lambda m: charts.family_scatter(m, "log10 FLOPs", "params"), "params"),
        (lambda m: charts.family_scatter(m, "log10 FLOPs", "acc.norm", family="family"), "family"),
        (lambda m: charts.law_fit_chart(m, m, "x", "y"), "split"),
        (lambda m: charts.pred_vs_actual(m, model="Model", family="Model Family"), "y_hat"),
        (lambda m: charts.weights_bar(m), "benchmark"),
        (lambda m: charts.metric_heatmap(m, "Model", "kind", "mse"), "mse"),
        (lambda m: charts.line_with_band(m, "log10 FLOPs", "acc.norm", "method"), "method"),
        (lambda m: charts.range_chart(m, "x", item="Model"), "start"),
    ],
)
def test_missing_column_raises_value_error_naming_it(
    models: pd.DataFrame, call: Callable[[pd.DataFrame], Any], missing: str
) -> None:
    with pytest.raises(ValueError, match=f"'{missing}'"):
        call(models)


def test_require_columns_lists_every_missing_column() -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ValueError, match=r"\['b', 'c'\]"):
        charts.require_columns(frame, ["a", "b", None, "c"])
    charts.require_columns(frame, ["a", None])


def test_import_changes_no_global_altair_state() -> None:
    code = (
        "import altair as alt\n"
        "before = (alt.renderers.active, alt.theme.active, alt.data_transformers.active)\n"
        "import osl_helpers.charts\n"
        "after = (alt.renderers.active, alt.theme.active, alt.data_transformers.active)\n"
        "assert before == after, (before, after)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --------------------------------------------------------------------------- colours and shapes


def test_paper_family_colour_does_not_depend_on_the_other_families() -> None:
    alone = charts.family_colors(["Pythia"])
    crowd = charts.family_colors([*PAPER_FAMILIES, "Home-made"])
    assert alone["Pythia"] == crowd["Pythia"]
    assert len(set(crowd.values())) == len(crowd), "22 families fit in the palette"


def test_unknown_family_avoids_colours_of_present_families() -> None:
    colors = charts.family_colors(["Llama-2", "Home-made"])
    assert colors["Home-made"] != colors["Llama-2"]


def test_family_scale_legend_is_sorted_and_matches_colours() -> None:
    scale = charts.family_scale(["Qwen", "BLOOM", "Qwen"]).to_dict()
    assert scale["domain"] == ["BLOOM", "Qwen"]
    colors = charts.family_colors(["Qwen", "BLOOM"])
    assert scale["range"] == [colors["BLOOM"], colors["Qwen"]]


def test_shape_scale_refuses_more_categories_than_shapes() -> None:
    with pytest.raises(ValueError, match="coarser category"):
        charts.shape_scale([f"c{i}" for i in range(len(charts.SHAPES) + 1)])


# --------------------------------------------------------------------------- heatmaps


def test_heatmap_marks_missing_and_imputed_cells(matrix: pd.DataFrame) -> None:
    imputed = pd.DataFrame(False, index=matrix.index, columns=matrix.columns)
    imputed.loc["m2", "ARC-C"] = True
    spec = charts.heatmap(matrix, imputed=imputed, labels=True).to_dict()
    status = {(r["row"], r["column"]): r["status"] for r in _records(spec)}
    assert status[("m1", "GSM8K")] == "missing"
    assert status[("m2", "ARC-C")] == "imputed"
    assert status[("m0", "MMLU")] == "observed"
    assert {"domain": ["missing", "imputed"], "range": ["cross", "circle"]} in _scales(
        spec, "shape"
    )


def test_heatmap_respects_row_order_and_rejects_unknown_rows(matrix: pd.DataFrame) -> None:
    spec = charts.heatmap(matrix, row_order=["m3", "m0"]).to_dict()
    assert {r["row"] for r in _records(spec)} == {"m3", "m0"}
    sorts = [
        n["y"]["sort"] for n in _walk(spec) if isinstance(n, dict) and "sort" in n.get("y", {})
    ]
    assert ["m3", "m0"] in sorts
    with pytest.raises(ValueError, match="m9"):
        charts.heatmap(matrix, row_order=["m0", "m9"])


def test_heatmap_rejects_misaligned_imputed_mask(matrix: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="GSM8K"):
        charts.heatmap(matrix, imputed=matrix[["MMLU", "ARC-C"]].notna())


def test_loadings_are_symmetric_around_zero_and_labelled() -> None:
    comps = pd.DataFrame([[0.5, -0.8], [0.1, 0.2]], index=["PC-1", "PC-2"], columns=["a", "b"])
    spec = charts.loadings_heatmap(comps).to_dict()
    assert {"scheme": "blueorange", "domain": [-0.8, 0.8], "domainMid": 0} in _scales(spec, "color")
    assert "text" in _marks(spec)


def test_metric_heatmap_labels_cells_and_rejects_duplicates() -> None:
    df = pd.DataFrame({"p": ["a", "a"], "t": ["x", "y"], "mse": [0.1, 0.2]})
    spec = charts.metric_heatmap(df, "t", "p", "mse", fmt=".2f").to_dict()
    texts = [n for n in _walk(spec) if isinstance(n, dict) and n.get("field") == "value"]
    assert any(t.get("format") == ".2f" for t in texts)
    assert "text" in _marks(spec)
    with pytest.raises(ValueError, match="several rows"):
        charts.metric_heatmap(pd.concat([df, df]), "t", "p", "mse")


# --------------------------------------------------------------------------- PCA charts


def test_scree_cumulates_and_rejects_bad_ratios() -> None:
    spec = charts.scree(pd.Series([0.5, 0.3], index=["PC-1", "PC-2"])).to_dict()
    cum = {r["component"]: r["cumulative"] for r in _records(spec)}
    assert cum == pytest.approx({"PC-1": 0.5, "PC-2": 0.8})
    assert {"bar", "line", "text"} <= set(_marks(spec))
    with pytest.raises(ValueError, match="summing"):
        charts.scree([0.7, 0.6])
    with pytest.raises(ValueError, match="finite"):
        charts.scree([])


def test_weights_bar_facets_by_target_and_accepts_a_series() -> None:
    long = pd.DataFrame(
        {
            "benchmark": ["a", "b"] * 2,
            "weight": [1.0, -1.0, 0.5, 0.2],
            "target": ["T1"] * 2 + ["T2"] * 2,
        }
    )
    assert isinstance(charts.weights_bar(long), alt.FacetChart)
    single = charts.weights_bar(pd.Series([0.3, -0.2], index=["a", "b"]))
    assert isinstance(single, alt.LayerChart)
    signs = {r["benchmark"]: r["sign"] for r in _records(single.to_dict())}
    assert signs == {"a": "positive", "b": "negative"}


# --------------------------------------------------------------------------- scatter plots


def test_family_scatter_lines_span_each_family_range(models: pd.DataFrame) -> None:
    lines = pd.DataFrame({"Model Family": ["Qwen"], "slope": [0.1], "intercept": [-2.0]})
    spec = charts.family_scatter(models, "log10 FLOPs", "acc.norm", lines=lines).to_dict()
    seg = [r for r in _records(spec) if "fit" in r]
    qwen = models.loc[models["Model Family"] == "Qwen", "log10 FLOPs"]
    assert sorted(r["log10 FLOPs"] for r in seg) == [qwen.min(), qwen.max()]
    assert all(r["fit"] == pytest.approx(0.1 * r["log10 FLOPs"] - 2.0) for r in seg)
    with pytest.raises(ValueError, match="Mistral"):
        bad = lines.assign(**{"Model Family": ["Mistral"]})
        charts.family_scatter(models, "log10 FLOPs", "acc.norm", lines=bad)


def test_family_scatter_takes_fit_family_lines_as_they_are(models: pd.DataFrame) -> None:
    lines = fit_family_lines(models, x="log10 FLOPs", y="acc.norm")
    assert "family" in lines.columns and "Model Family" not in lines.columns
    spec = charts.family_scatter(models, "log10 FLOPs", "acc.norm", lines=lines).to_dict()
    fams = {r["Model Family"] for r in _records(spec) if "fit" in r}
    assert fams == set(lines["family"])


def test_family_scatter_labels_highlighted_models(models: pd.DataFrame) -> None:
    chart = charts.family_scatter(
        models, "log10 FLOPs", "acc.norm", highlight=["org/model-1", "org/model-19"]
    )
    spec = chart.to_dict()
    assert sum(m == "text" for m in _marks(spec)) == 2, "one label layer per side"
    labelled = {r["Model"] for r in _records(spec)}
    assert {"org/model-1", "org/model-19"} <= labelled
    assert any("bind" in p for p in spec.get("params", [])), "scatter plots zoom"
    with pytest.raises(ValueError, match="nobody"):
        charts.family_scatter(models, "log10 FLOPs", "acc.norm", highlight=["nobody"])


def test_family_scatter_uses_shape_for_the_coarse_category(models: pd.DataFrame) -> None:
    spec = charts.family_scatter(models, "log10 FLOPs", "acc.norm", shape="kind").to_dict()
    assert {"domain": ["code", "general"], "range": ["circle", "triangle-up"]} in _scales(
        spec, "shape"
    )


def test_law_fit_chart_draws_splits_band_cutoff_and_dashes(
    points: pd.DataFrame, curve: pd.DataFrame
) -> None:
    spec = charts.law_fit_chart(points, curve, "log10 FLOPs", "accuracy", cutoff=23.0).to_dict()
    shapes = _scales(spec, "shape")
    assert {"domain": ["train", "test"], "range": ["circle", "triangle-up"]} in shapes
    dashes = _scales(spec, "strokeDash")
    assert dashes and dashes[0]["domain"] == ["observational", "compute"]
    assert dashes[0]["range"][0] != dashes[0]["range"][1]
    assert {"area", "rule", "line", "point"} <= set(_marks(spec))
    assert any(r.get("cutoff") == 23.0 for r in _records(spec))


def test_law_fit_chart_single_curve_without_band(points: pd.DataFrame) -> None:
    curve = pd.DataFrame({"P": [20.0, 25.0], "y_hat": [0.3, 0.8]})
    spec = charts.law_fit_chart(points, curve, "log10 FLOPs", "accuracy").to_dict()
    assert "area" not in _marks(spec)
    with pytest.raises(ValueError, match="'lo' and 'hi'"):
        charts.law_fit_chart(points, curve.assign(lo=0.2), "log10 FLOPs", "accuracy")


def test_pred_vs_actual_facets_with_a_shared_diagonal(points: pd.DataFrame) -> None:
    df = points.assign(y_hat=points["y"] * 0.9)
    chart = charts.pred_vs_actual(df, group="split", facet=True)
    assert isinstance(chart, alt.FacetChart)
    spec = chart.to_dict()
    x_scales = _scales(spec, "x")
    assert x_scales and all(s == x_scales[0] for s in x_scales), "one range for all layers"
    assert x_scales[0] == _scales(spec, "y")[0], "square: both axes share the range"
    with pytest.raises(ValueError, match="group"):
        charts.pred_vs_actual(df, facet=True)


# --------------------------------------------------------------------------- lines and ranges


def test_line_with_band_checks_log_axis_and_band_pair() -> None:
    df = pd.DataFrame({"n": [1, 2], "mse": [0.1, 0.0], "g": ["a", "a"], "lo": 0.0, "hi": 1.0})
    with pytest.raises(ValueError, match="positive"):
        charts.line_with_band(df, "n", "mse", "g", log_y=True)
    with pytest.raises(ValueError, match="both"):
        charts.line_with_band(df, "n", "mse", "g", lo="lo")
    spec = charts.line_with_band(df, "n", "mse", "g", lo="lo", hi="hi").to_dict()
    assert {"area", "line", "point"} <= set(_marks(spec))
    assert _scales(spec, "shape"), "groups differ by point shape, not colour alone"


def test_range_chart_rejects_reversed_intervals_and_keeps_order() -> None:
    df = pd.DataFrame(
        {"item": ["a", "b"], "start": [1.0, 2.0], "end": [3.0, 2.5], "note": ["x", "y"]}
    )
    spec = charts.range_chart(df, "log10 FLOPs", label="note", order=["b", "a"]).to_dict()
    sorts = [
        n["y"]["sort"] for n in _walk(spec) if isinstance(n, dict) and "sort" in n.get("y", {})
    ]
    assert ["b", "a"] in sorts
    assert "text" in _marks(spec)
    with pytest.raises(ValueError, match="start > end"):
        charts.range_chart(df.assign(end=[0.5, 3.0]), "log10 FLOPs")


def test_faceted_pred_vs_actual_accepts_highlight() -> None:
    df = pd.DataFrame(
        {"Model": ["a", "b", "c", "d"], "Model Family": ["f", "f", "g", "g"], "y": [0.1, 0.2, 0.3, 0.4],
         "y_hat": [0.1, 0.25, 0.3, 0.35], "grp": ["x", "x", "y", "y"]}
    )  # fmt: skip
    spec = charts.pred_vs_actual(df, group="grp", facet=True, highlight=["a", "d"]).to_dict()
    assert "data" in spec  # one top-level data set shared by every layer
    assert "oneOf" in str(spec)


def test_weights_bar_leaves_room_for_labels_beyond_the_bars() -> None:
    spec = charts.weights_bar(pd.Series([0.3, -0.9], index=["a", "b"])).to_dict()
    domains = [
        layer["encoding"]["x"]["scale"]["domain"]
        for layer in spec["layer"]
        if "scale" in layer.get("encoding", {}).get("x", {})
    ]
    assert domains, "the x scale has an explicit domain"
    lo, hi = domains[0]
    assert lo < -0.9 and hi > 0.3  # both label sides are inside the panel
    only_pos = charts.weights_bar(pd.Series([0.3, 0.1], index=["a", "b"])).to_dict()
    lo2, hi2 = next(
        layer["encoding"]["x"]["scale"]["domain"]
        for layer in only_pos["layer"]
        if "scale" in layer.get("encoding", {}).get("x", {})
    )
    assert lo2 == 0.0 and hi2 > 0.3


# --------------------------------------------------------------------------- reader's labels


def _axis_titles(spec: Spec, channel: str) -> set[str]:
    return {
        node["encoding"][channel]["title"]
        for node in _walk(spec)
        if isinstance(node, dict)
        and isinstance(node.get("encoding"), dict)
        and isinstance(node["encoding"].get(channel), dict)
        and isinstance(node["encoding"][channel].get("title"), str)
    }


def _tooltip_titles(spec: Spec) -> set[str]:
    titles = set()
    for node in _walk(spec):
        if isinstance(node, dict) and isinstance(node.get("tooltip"), list):
            titles |= {t["title"] for t in node["tooltip"] if isinstance(t, dict) and "title" in t}
    return titles


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("test_mse", "test MSE"),
        ("log10_flops", "log10 training FLOPs"),
        ("n_train", "training models"),
        ("f_equiv_log10_flops", "Llama-2-equivalent log10 FLOPs"),
        ("Model Family", "model family"),
        ("log_flops", "log10 training FLOPs"),
        ("pcs_3", "3 PCs"),
        ("gsm8k_cot", "GSM8K CoT (8-shot)"),
        ("share_up", "share up"),  # unknown: underscores become spaces
        ("acc.norm", "acc.norm"),
    ],
)
def test_column_label_names_columns_for_readers(name: str, label: str) -> None:
    assert charts.column_label(name) == label


def test_value_label_leaves_unknown_categories_alone() -> None:
    assert charts.value_label("meta-llama/Llama_2_7b") == "meta-llama/Llama_2_7b"
    assert charts.value_label("mean_benchmark") == "mean benchmark score"


def test_builders_title_raw_columns_for_readers() -> None:
    df = pd.DataFrame(
        {"Model": ["a", "b", "c"], "Model Family": ["f", "f", "g"], "log10_flops": [21.0, 22, 23],
         "test_mse": [0.1, 0.2, 0.3], "n_train": [5, 10, 20], "interval_score": [1.0, 2, 3]}
    )  # fmt: skip
    scatter = charts.family_scatter(df, "log10_flops", "test_mse").to_dict()
    assert {"log10 training FLOPs", "test MSE"} <= _axis_titles(scatter, "x") | _axis_titles(
        scatter, "y"
    )
    assert {"model", "model family", "test MSE"} <= _tooltip_titles(scatter)
    lines = charts.line_with_band(df, "n_train", "interval_score", "Model Family").to_dict()
    assert _axis_titles(lines, "x") == {"training models"}
    assert "interval score" in _axis_titles(lines, "y")
    assert _axis_titles(lines, "color") == {"model family"}
    raw = {"test_mse", "n_train", "log10_flops", "interval_score", "Model Family"}
    assert not raw & (_tooltip_titles(scatter) | _tooltip_titles(lines))
    # A caller's title still wins.
    own = charts.family_scatter(df, "log10_flops", "test_mse", x_title="compute").to_dict()
    assert "compute" in _axis_titles(own, "x")


def test_metric_heatmap_shows_readable_predictors_and_targets() -> None:
    table = pd.DataFrame(
        {"predictor": ["pcs_3", "log_flops", "log_params", "mean_benchmark"],
         "target": ["gsm8k_cot"] * 4, "test_mse": [0.01, 0.02, 0.03, 0.04]}
    )  # fmt: skip
    spec = charts.metric_heatmap(
        table, "target", "predictor", "test_mse", y_order=["log_flops", "pcs_3", "log_params",
                                                          "mean_benchmark"]
    ).to_dict()  # fmt: skip
    rows = {r["row"] for r in _records(spec) if "row" in r}
    assert rows == {"3 PCs", "log10 training FLOPs", "log10 parameters", "mean benchmark score"}
    assert {r["column"] for r in _records(spec) if "column" in r} == {"GSM8K CoT (8-shot)"}
    sorts = [
        n["y"]["sort"] for n in _walk(spec) if isinstance(n, dict) and "sort" in n.get("y", {})
    ]
    assert sorts[0][:2] == ["log10 training FLOPs", "3 PCs"], "y_order keeps the raw names"
    assert {"test MSE"} <= _tooltip_titles(spec)
    assert 0.01 in {r.get("value") for r in _records(spec)}, "values are untouched"
    own = charts.metric_heatmap(
        table, "target", "predictor", "test_mse", category_labels={"pcs_3": "three PCs"}
    ).to_dict()
    assert "three PCs" in {r["row"] for r in _records(own) if "row" in r}


def test_heatmap_keeps_names_whose_labels_would_collide() -> None:
    m = pd.DataFrame([[0.1, 0.2]], index=["x"], columns=["log_flops", "log10_flops"])
    spec = charts.heatmap(m).to_dict()
    assert {r["column"] for r in _records(spec) if "column" in r} == {"log_flops", "log10_flops"}


def test_weights_bar_facets_show_setup_titles() -> None:
    weights = pd.DataFrame(
        {"benchmark": ["MMLU", "MMLU"], "weight": [0.4, 0.1], "target": ["gsm8k_cot", "bbh"]}
    )
    spec = charts.weights_bar(weights).to_dict()
    assert {r["target"] for r in _records(spec) if "target" in r} == {"GSM8K CoT (8-shot)", "BBH"}


# --------------------------------------------------------------------------- integer axes


def test_integer_x_gets_whole_number_ticks() -> None:
    df = pd.DataFrame(
        {"K": [1, 2, 3, 4] * 2, "mse": np.linspace(0.1, 0.2, 8), "g": ["a"] * 4 + ["b"] * 4}
    )
    axes = [s["axis"] for s in _walk(charts.line_with_band(df, "K", "mse", "g").to_dict())
            if isinstance(s, dict) and s.get("field") == "K" and "axis" in s]  # fmt: skip
    assert axes and all(a == {"tickMinStep": 1, "format": "d"} for a in axes)
    as_float = charts.line_with_band(df.assign(K=df["K"] * 1.0), "K", "mse", "g").to_dict()
    assert '"tickMinStep": 1' in json.dumps(as_float), "whole floats count as integers"
    frac = charts.line_with_band(df.assign(K=df["K"] / 2), "K", "mse", "g").to_dict()
    assert "tickMinStep" not in json.dumps(frac)
    assert charts.integer_axis(pd.Series([1.5, 2.0])) == {}


# --------------------------------------------------------------------------- family legend


def _legend_params(spec: Spec) -> list[dict[str, Any]]:
    return [
        p
        for node in _walk(spec)
        if isinstance(node, dict) and isinstance(node.get("params"), list)
        for p in node["params"]
        if isinstance(p, dict) and p.get("bind") == "legend"
    ]


@pytest.mark.parametrize("name", ["law_fit_chart", "pred_vs_actual"])
def test_charts_that_chapters_compose_carry_no_legend_pick(
    name: str, builders: dict[str, tuple[Callable[[], Any], set[str]]]
) -> None:
    # Chapters put these side by side; identical picks in two panels are a duplicate Vega signal.
    assert _legend_params(builders[name][0]().to_dict()) == []


@pytest.mark.parametrize("name", ["family_scatter"])
def test_family_legend_highlights_on_click_declared_once(
    name: str, builders: dict[str, tuple[Callable[[], Any], set[str]]]
) -> None:
    chart = builders[name][0]()
    spec = chart.to_dict()
    picks = _legend_params(spec)
    assert len(picks) == 1, "one legend selection, declared once across the layers"
    assert picks[0]["select"]["fields"] == ["Model Family"]
    opacity = [
        n["encoding"]["opacity"]
        for n in _walk(spec)
        if isinstance(n, dict)
        and isinstance(n.get("encoding"), dict)
        and "opacity" in n["encoding"]
    ]
    assert any(
        picks[0]["name"] in {c.get("param") for c in o.get("condition", [])} and o["value"] < 0.5
        for o in opacity
    ), "families not picked fade"
    assert "Model Family" in _tooltip_fields(spec)
    # The JSON round trip gives the same spec (no duplicate or dangling parameter).
    assert type(chart).from_json(chart.to_json()).to_dict() == spec


def test_family_scatter_lines_fade_with_the_legend_pick(models: pd.DataFrame) -> None:
    lines = fit_family_lines(models, x="log10 FLOPs", y="acc.norm", family="Model Family")
    spec = charts.family_scatter(models, "log10 FLOPs", "acc.norm", lines=lines).to_dict()
    (pick,) = _legend_params(spec)
    conditioned = [
        n for n in _walk(spec)
        if isinstance(n, dict) and n.get("condition") == [{"param": pick["name"], "value": 0.8}]
    ]  # fmt: skip
    assert conditioned, "the family lines fade with the points"


# --------------------------------------------------------------------------- pred_vs_actual


def test_pred_vs_actual_draws_train_as_circle_and_test_as_triangle(points: pd.DataFrame) -> None:
    df = points.assign(y_hat=points["y"] + 0.01)
    test_first = pd.concat([df[df["split"] == "test"], df[df["split"] == "train"]])
    for frame in (df, test_first, df[df["split"] == "test"]):
        spec = charts.pred_vs_actual(frame, group="split").to_dict()
        scale = _scales(spec, "shape")[0]
        assert scale["domain"][:2] == ["train", "test"]
        assert scale["range"][:2] == ["circle", "triangle-up"]
    law = charts.law_fit_chart(test_first, pd.DataFrame({"P": [20.0], "y_hat": [0.5]}), "x", "y")
    assert _scales(law.to_dict(), "shape")[0]["range"][:2] == ["circle", "triangle-up"]


def test_pred_vs_actual_labels_a_model_once(points: pd.DataFrame) -> None:
    df = points.assign(y_hat=points["y"] + 0.01)
    twice = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    name = str(df["Model"].iloc[0])
    spec = charts.pred_vs_actual(twice, group="split", highlight=[name]).to_dict()
    labelled = [
        rows for rows in spec["datasets"].values() if rows and all(r["Model"] == name for r in rows)
    ]
    assert labelled and all(len(rows) == 1 for rows in labelled)
    faceted = charts.pred_vs_actual(twice, group="split", facet=True, highlight=[name]).to_dict()
    assert any(
        isinstance(n, dict) and "aggregate" in n and "groupby" in n for n in _walk(faceted)
    ), "faceted labels collapse repeated rows"
