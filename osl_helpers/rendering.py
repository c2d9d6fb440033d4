"""Show Altair charts in the built book without any network access.

Altair's default HTML output asks a CDN for vega, vega-lite and vega-embed.
The book instead serves pinned copies of those three scripts itself (installed
from the npm registry at build time, see ``package.json``) and loads them on
every page. :func:`enable_offline_charts` registers an Altair renderer whose
HTML only calls the global ``vegaEmbed`` that those scripts define, so the
site draws every chart with the network off.

The renderer also returns the Vega-Lite MIME bundle, for front ends that draw
it themselves. Outside the book's pages no script defines ``vegaEmbed``, so a
notebook run in JupyterLab, Binder or Colab sets the environment variable
``OSL_CHARTS`` to one of Altair's own renderers (the reader notebooks' first cell
sets ``default``; ``svg`` draws static charts with no network at all), and
:func:`enable_offline_charts` then enables that renderer instead.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np

from osl_helpers._validation import OSLInputError

__all__ = [
    "RENDERER_ENV",
    "RENDERER_NAME",
    "chart_html",
    "enable_offline_charts",
    "glue_all",
    "plain",
]

RENDERER_NAME = "osl_offline"
#: Environment variable naming an Altair renderer to use instead of the book's own.
RENDERER_ENV = "OSL_CHARTS"
_counter = itertools.count()


def chart_html(spec: dict[str, Any], div_id: str) -> str:
    """Return an HTML snippet that draws the Vega-Lite ``spec`` with the page's ``vegaEmbed``.

    On the book's pages the call goes through ``window.oslEmbed`` (``_assets/osl-charts.js``),
    which redraws a chart wider than its text column narrower (legends below, panels
    stacked, plot widths scaled), so that every chart fits a phone's screen.
    """
    payload = json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")
    return (
        f'<div id="{div_id}" class="osl-chart"></div>\n'
        '<script type="text/javascript">\n'
        "(function () {\n"
        f"  var spec = {payload};\n"
        "  function draw() {\n"
        "    if (typeof vegaEmbed !== 'function') {\n"
        f"      console.error('vegaEmbed is not loaded; chart {div_id} cannot be drawn');\n"
        "      return;\n"
        "    }\n"
        # The site's osl-charts.js fits the chart to its column; without it, draw as is.
        "    var embed = window.oslEmbed || vegaEmbed;\n"
        f"    embed('#{div_id}', spec, {{actions: false, renderer: 'svg'}})\n"
        "      .catch(function (err) { console.error(err); });\n"
        "  }\n"
        "  if (document.readyState === 'complete') { draw(); }\n"
        "  else { window.addEventListener('load', draw); }\n"
        "})();\n"
        "</script>"
    )


def _render(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    div_id = f"osl-chart-{next(_counter)}"
    return {
        "text/html": chart_html(spec, div_id),
        f"application/vnd.vegalite.v{alt.SCHEMA_VERSION.split('.')[0].lstrip('v')}+json": spec,
        "text/plain": f"<Altair chart {div_id}>",
    }


def enable_offline_charts() -> None:
    """Make Altair emit HTML that uses the book's own copies of the Vega scripts.

    Call once at the top of a chapter notebook. Charts are drawn as SVG so that
    a headless browser check can find them. If ``$OSL_CHARTS`` names another
    Altair renderer (e.g. ``default`` in JupyterLab), that one is enabled
    instead; an unknown name raises :class:`OSLInputError`.
    """
    other = os.environ.get(RENDERER_ENV, "").strip()
    if other and other != RENDERER_NAME:
        if other not in alt.renderers.names():
            raise OSLInputError(
                f"${RENDERER_ENV}={other!r} is not an Altair renderer; "
                f"use one of {sorted(alt.renderers.names())} or unset it"
            )
        alt.renderers.enable(other)
        return
    if RENDERER_NAME not in alt.renderers.names():
        alt.renderers.register(RENDERER_NAME, _render)
    alt.renderers.enable(RENDERER_NAME)


def plain(value: Any) -> Any:
    """``value`` with numpy scalars turned into the Python numbers they hold.

    Glued prose formats Python numbers; a numpy scalar would also work but shows
    its type in the notebook's plain-text output.
    """
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue_all(values: Mapping[str, Any] | None = None, /, **more: Any) -> None:
    """Glue every value of ``values`` and ``more`` for the prose, without display.

    One call replaces a run of ``glue(name, value, display=False)`` lines; the
    values pass through :func:`plain`. Call it from a notebook executed by
    MyST-NB (the build), where ``{glue:text}`` roles then find them.
    """
    from myst_nb import glue

    for name, value in {**(values or {}), **more}.items():
        glue(name, plain(value), display=False)
