"""The API reference documents every public module of the package (book/api.md).

Runs after the book build (``make test`` builds it first) and fails, never skips,
when the site is missing.
"""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import osl_helpers

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "_build" / "html" / "book" / "api"


def _public_modules() -> list[str]:
    names = ["osl_helpers", "osl_helpers._validation"]
    for info in pkgutil.walk_packages(osl_helpers.__path__, "osl_helpers."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module", _public_modules())
def test_every_public_module_has_a_page(module: str) -> None:
    if not API.is_dir():
        pytest.fail("no API pages in _build/html/book/api: build the book first")
    page = API / f"{module}.html"
    assert page.is_file(), f"{module} has no page in the API reference"
    assert f'id="module-{module}"' in page.read_text(encoding="utf-8")
