"""Reader notebooks: chapters that read cleanly and run in plain Jupyter (tools/reader_notebooks.py).

The conversion rules are tested on small inputs; the built chapters are tested after
the book build (``make test`` builds the book and writes the reader notebooks first),
and fail, never skip, when the build is missing.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"
SITE_SOURCES = ROOT / "_build" / "html" / "_sources" / "book"
CHAPTER = "00_pipeline"  # the quickest chapter to execute

_spec = importlib.util.spec_from_file_location(
    "reader_notebooks", ROOT / "tools" / "reader_notebooks.py"
)
assert _spec is not None and _spec.loader is not None
rn = importlib.util.module_from_spec(_spec)
sys.modules["reader_notebooks"] = rn
_spec.loader.exec_module(rn)

RAW_MARKUP = re.compile(
    r"\{glue|\{cite|\{ref\}|\{numref\}|\{term\}|\{py:|^\s*(`{3,}|:{3,})\{", re.M
)


def _bundle(value: Any) -> dict[str, Any]:
    return {"text/plain": repr(value)}


@pytest.fixture
def ctx() -> Any:
    return rn.Context(
        glue={"n": _bundle(77), "share": _bundle(0.80123), "fam": _bundle("Llama-2"),
              "tbl": {"text/html": "<table><tr><td>1</td></tr></table>", "text/plain": "t"}},
        citations={"wei2022cot": ("Wei et al.", "2022b"), "ruan2024observational": ("Ruan et al.", "2024")},
        titles={"lowrank": "Benchmarks live in a low-dimensional space", "ex-a": "Exercise 1"},
    )  # fmt: skip


def test_glue_roles_are_formatted_as_the_site_formats_them(ctx: Any) -> None:
    text = "{glue:text}`n` models, {glue:text}`share:.1f`, {glue:text}`fam`, {glue:text}`share:.0%`"
    assert rn.convert_markdown(text, ctx) == "77 models, 0.8, Llama-2, 80%"


def test_unknown_glue_name_is_an_error(ctx: Any) -> None:
    with pytest.raises(KeyError, match="missing"):
        rn.convert_markdown("{glue:text}`missing`", ctx)


def test_citations_and_references_become_text(ctx: Any) -> None:
    text = (
        "{cite:t}`ruan2024observational` use CoT {cite:p}`wei2022cot, ruan2024observational`; "
        "see {ref}`lowrank`, {ref}`this one <ex-a>`, {term}`decade`, {term}`decades <decade>`, "
        "{py:func}`~osl_helpers.compute.training_flops` and {py:class}`osl_helpers.law.X`."
    )
    assert rn.convert_markdown(text, ctx) == (
        "Ruan et al. (2024) use CoT (Wei et al., 2022b; Ruan et al., 2024); "
        "see *Benchmarks live in a low-dimensional space*, this one, decade, decades, "
        "`training_flops()` and `osl_helpers.law.X`."
    )


def test_code_is_left_alone(ctx: Any) -> None:
    text = "Call `osl.fit_task(x)` here:\n```python\nprint('{glue:text}`n`')\n```\nthen {glue:text}`n`."
    out = rn.convert_markdown(text, ctx)
    assert "```python\nprint('{glue:text}`n`')\n```" in out
    assert out.startswith("Call `osl.fit_task(x)` here:") and out.endswith("then 77.")


def test_directives_become_plain_markdown(ctx: Any) -> None:
    text = "\n".join(
        [
            "(label)=",
            "# Title",
            "```{admonition} Overview",
            ":class: tip",
            "**Reproduces** {glue:text}`n` models.",
            "```",
            "```{exercise}",
            ":label: ex-a",
            "Predict {glue:text}`share:.2f`.",
            "```",
            "````{solution} ex-a",
            ":class: dropdown",
            "```python",
            "x = 1",
            "```",
            "It is {glue:text}`n`.",
            "````",
            "```{glue:figure} tbl",
            ":name: tbl-x",
            "A caption {cite:p}`wei2022cot`.",
            "```",
        ]
    )
    out = rn.convert_markdown(text, ctx)
    assert not RAW_MARKUP.search(out), out
    assert "(label)=" not in out and out.startswith("# Title")
    assert "> **Overview**\n>\n> **Reproduces** 77 models." in out
    assert "#### Exercise 1\n\nPredict 0.80." in out
    assert (
        "<details>\n<summary>Solution</summary>\n\n```python\nx = 1\n```\nIt is 77.\n\n</details>"
        in out
    )
    assert "<table><tr><td>1</td></tr></table>\n\n*A caption (Wei et al., 2022b).*" in out


def test_outputs_lose_glue_records_and_site_only_chart_html() -> None:
    vl = "application/vnd.vegalite.v5+json"
    outputs = [
        {"output_type": "display_data", "data": {rn.GLUE_PREFIX + "text/plain": "1"}, "metadata": {}},
        {"output_type": "display_data", "data": {vl: {}, "text/html": "<div>", "text/plain": "c"}, "metadata": {}},
        {"output_type": "stream", "name": "stdout", "text": "hi"},
    ]  # fmt: skip
    kept = rn.clean_outputs(outputs, draw=False)
    assert len(kept) == 2
    assert set(kept[0]["data"]) == {vl, "text/plain"}
    assert kept[1]["output_type"] == "stream"


def test_charts_get_a_static_drawing() -> None:
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "data": {"values": [{"x": 1, "y": 2}, {"x": 2, "y": 3}]},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
        "width": "container",
    }
    out = {"output_type": "display_data", "metadata": {}, "data": {
        "application/vnd.vegalite.v6+json": spec, "text/html": "<div>", "text/plain": "c"}}  # fmt: skip
    (kept,) = rn.clean_outputs([out])
    assert base64.b64decode(kept["data"]["image/png"]).startswith(b"\x89PNG")
    assert "text/html" not in kept["data"]
    assert spec["width"] == "container", "the stored spec itself is left unchanged"


def test_citation_letters_match_the_bibliography() -> None:
    labels = rn.citation_labels(
        ROOT / "references.bib", ["wei2022emergent", "wei2022cot", "huber1964robust"]
    )
    assert labels["wei2022emergent"] == ("Wei et al.", "2022a")
    assert labels["wei2022cot"] == ("Wei et al.", "2022b")
    assert labels["huber1964robust"] == ("Huber", "1964")
    # Cited alone, a work needs no letter.
    assert rn.citation_labels(ROOT / "references.bib", ["wei2022cot"])["wei2022cot"][1] == "2022"


def test_setup_cell_names_the_repository_and_works_without_myst_nb(tmp_path: Path) -> None:
    url = rn.repository_url()
    source = rn.setup_cells(url, "A chapter")[1].source
    assert f"git+{url}" in source
    # Run the set-up as a reader without the build tool would: find_spec hides myst_nb.
    script = (
        "import importlib.util as u\n"
        "real = u.find_spec\n"
        "u.find_spec = lambda name, *a: None if name == 'myst_nb' else real(name, *a)\n"
        f"exec({source!r})\n"
        "from myst_nb import glue\n"
        "glue('x', 42, display=False)\n"
        "print('shim', glue.__module__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "data tables ready" in done.stdout and "shim" in done.stdout


# ---------------------------------------------------------------------------- built chapters


def _require(path: Path) -> None:
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} missing: build the book and run `make reader` first")


def test_an_executed_chapter_converts_to_plain_markdown(tmp_path: Path) -> None:
    executed = EXECUTED / f"{CHAPTER}.ipynb"
    _require(executed)
    out = rn.convert_chapter(executed, tmp_path, rn.build_context(), rn.repository_url())
    nb = nbformat.read(out, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert not RAW_MARKUP.search(markdown), RAW_MARKUP.search(markdown)
    assert "{glue" not in markdown and "{cite" not in markdown and "```{" not in markdown
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "reader-setup" in code[0].metadata.get("tags", [])
    source = nbformat.read(executed, as_version=4)
    visible = [c for c in source.cells if c.cell_type == "code" and rn.clean_outputs(c.outputs)]
    assert sum(1 for c in code[1:] if c.outputs) == len(visible) > 0


def test_every_chapter_has_a_reader_version_on_the_site() -> None:
    chapters = sorted(p.name for p in EXECUTED.glob("[0-9]*.ipynb"))
    if not chapters:
        pytest.fail("no executed chapters: build the book first")
    for name in chapters:
        _require(SITE_SOURCES / name)
        nb = json.loads((SITE_SOURCES / name).read_text(encoding="utf-8"))
        tags = [t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])]
        assert "reader-setup" in tags, f"the site's download of {name} is not the reader version"


@pytest.mark.slow
def test_reader_notebook_runs_top_to_bottom_in_a_fresh_kernel(tmp_path: Path) -> None:
    from nbclient import NotebookClient

    executed = EXECUTED / f"{CHAPTER}.ipynb"
    _require(executed)
    out = rn.convert_chapter(executed, tmp_path, rn.build_context(), rn.repository_url())
    nb = nbformat.read(out, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    # The kernel is this environment's (the book's .venv under make test), started afresh
    # in an empty folder; OSL_DATA_DIR, when CI sets it, is inherited.
    client = NotebookClient(
        nb,
        timeout=600,
        startup_timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=dict(os.environ))
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    setup_out = "".join(
        o.get("text", "") for o in nb.cells[[c.cell_type for c in nb.cells].index("code")].outputs
    )
    assert "data tables ready" in setup_out


def test_a_glued_chart_figure_becomes_an_attached_drawing(ctx: Any) -> None:
    spec = {
        "data": {"values": [{"x": 1}, {"x": 2}]},
        "mark": "point",
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
    }
    ctx.glue["chart"] = {"application/vnd.vegalite.v6+json": spec, "text/plain": "c"}
    out = rn.convert_markdown("```{glue:figure} chart\n:name: fig-x\nThe caption.\n```", ctx)
    assert out == "![chart](attachment:chart.png)\n\n*The caption.*"
    assert base64.b64decode(ctx.attachments["chart.png"]["image/png"]).startswith(b"\x89PNG")
