"""Sphinx extension of the book's API reference (``book/api.md``).

Short names. The docstrings of ``osl_helpers`` refer to the package's own classes by their
short name (``:class:`OSLInputError``` in :mod:`osl_helpers.compute`, where the
class is imported from :mod:`osl_helpers._validation`). Sphinx resolves a short
name only inside the current module, so the strict build (``-n``) would reject
them. This handler resolves a Python reference that Sphinx could not, when
exactly one object of ``osl_helpers`` has that name (a class re-exported by a
second module counts once, at the module that defines it); an ambiguous or
unknown name is left unresolved and still fails the strict build.

Constants. A module constant without a doc comment (``PAPER_SETUPS``, a dict)
would show the docstring of its type (``dict``); that text is dropped.

Summaries. autosummary cuts a docstring's first sentence at the first period
followed by a space, so "Eq. 6: Ê = h·σ(βᵀS + α) …" became "Eq.". The paper's
abbreviations are added to the ones it already knows not to cut at.

Inherited machinery. scikit-learn adds metadata-routing methods
(``set_fit_request``, …) to every estimator class; they are not the book's API,
so members defined outside ``osl_helpers`` are left out of the class pages.
"""

from __future__ import annotations

import importlib
from typing import Any

import sphinx.ext.autosummary
from docutils import nodes
from sphinx.util.nodes import make_refnode

PACKAGE = "osl_helpers."
ABBREVIATIONS = ("Eq.", "Eqs.", "Sec.", "Alg.", "Fig.", "App.", "vs.")


def _resolve_short_name(app: Any, env: Any, node: Any, contnode: nodes.Element) -> Any:
    if node.get("refdomain") != "py":
        return None
    target = str(node.get("reftarget", "")).lstrip("~.")
    if not target or target.startswith(PACKAGE):
        return None
    domain = env.get_domain("py")
    matches = [
        (name, obj)
        for name, obj in domain.objects.items()
        if name.startswith(PACKAGE) and name.endswith("." + target)
    ]
    if len(matches) > 1:
        matches = [(name, obj) for name, obj in matches if _is_definition(name)]
    if len(matches) != 1:
        return None
    name, obj = matches[0]
    return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, name)


def _is_definition(name: str) -> bool:
    """Whether ``name`` is where its object is defined (not a re-export)."""
    module, _, attr = name.rpartition(".")
    try:
        value = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        return False
    return getattr(value, "__module__", None) == module


def _drop_type_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    if what == "data" and lines and (obj.__doc__ or "") == (type(obj).__doc__ or ""):
        lines.clear()


def _skip_foreign_member(
    app: Any, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    if what != "class":
        return None
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not module.startswith(PACKAGE.rstrip(".")):
        return True
    return None


def setup(app: Any) -> dict[str, Any]:
    known = tuple(sphinx.ext.autosummary.WELL_KNOWN_ABBREVIATIONS)
    extra = tuple(a for a in ABBREVIATIONS if a not in known)
    sphinx.ext.autosummary.WELL_KNOWN_ABBREVIATIONS = known + extra
    app.connect("missing-reference", _resolve_short_name)
    app.connect("autodoc-skip-member", _skip_foreign_member)
    app.connect("autodoc-process-docstring", _drop_type_docstring)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
