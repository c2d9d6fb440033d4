"""Sphinx extension of the book: keep every page free of third-party network requests.

sphinx-thebe (pulled in by Jupyter Book for live code) declares a script URL on
a CDN and registers its configuration script once per environment read, which
browsers report as a redeclared constant. The book does not use live code
(Binder and Colab launch links need no script), so both scripts are dropped
from every page.
"""

from __future__ import annotations

from typing import Any


def _drop_thebe(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        body = str(getattr(script, "attributes", {}).get("body", ""))
        name = str(getattr(script, "filename", script) or "")
        if "THEBE_JS_URL" in body or name.endswith("sphinx-thebe.js") or "thebe@" in name:
            continue
        kept.append(script)
    context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
