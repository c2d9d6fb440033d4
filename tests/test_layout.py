"""The repository's layout rule holds for every chapter (README, "Layout").

``book/NN_name.ipynb`` ↔ ``osl_helpers/chapters/name.py`` ↔ ``tests/test_paper_name.py``;
a chapter-specific chart module, if any, is ``osl_helpers/charts/name.py``. The core never
imports a chapter module, and the chapters stay thin.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "osl_helpers"
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
SHARED_CHARTS = {"__init__", "style", "matrices", "pca", "scatter", "fits", "lines"}


def _name(notebook: Path) -> str:
    return notebook.stem.split("_", 1)[1]


def _code_cells(notebook: Path) -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters() -> None:
    assert len(CHAPTERS) >= 12


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_has_its_module_and_its_paper_claims(notebook: Path) -> None:
    name = _name(notebook)
    assert (PACKAGE / "chapters" / f"{name}.py").is_file(), f"osl_helpers/chapters/{name}.py"
    assert (ROOT / "tests" / f"test_paper_{name}.py").is_file(), f"tests/test_paper_{name}.py"


def test_every_chart_module_is_shared_or_belongs_to_a_chapter() -> None:
    names = {_name(nb) for nb in CHAPTERS}
    for module in (PACKAGE / "charts").glob("*.py"):
        assert module.stem in SHARED_CHARTS | names, f"charts/{module.name} names no chapter"


def test_chart_modules_stay_small() -> None:
    for module in (PACKAGE / "charts").glob("*.py"):
        lines = len(module.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, f"charts/{module.name} has {lines} lines"


def test_the_core_never_imports_a_chapter_module() -> None:
    for module in PACKAGE.glob("*.py"):
        if module.name == "__init__.py":
            continue  # loads osl.chapters lazily, on first use
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n.startswith("osl_helpers.chapters") for n in names), module.name


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_stay_thin(notebook: Path) -> None:
    for cell in _code_cells(notebook):
        lines = [line for line in cell.splitlines() if line.strip()]
        assert len(lines) <= 20, f"a {len(lines)}-line cell starting {lines[0]!r}"
        assert "rename(columns=" not in cell, "chart builders take column names instead"
        assert not re.search(r"split\([\"']/[\"']\)\[-1\]", cell), "use osl.data.short_name"
