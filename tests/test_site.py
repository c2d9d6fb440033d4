"""The built site: every page opens offline in headless Chromium and every chart draws.

Runs after the book is built (``make test`` builds it first). It fails, never
skips, when the site or the browser is missing, so that CI cannot pass without
really drawing the charts.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("OSL_SITE_DIR", ROOT / "_build" / "html"))
CDN_PATTERN = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs\.cloudflare|googleapis\.com/ajax")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def _pages() -> list[Path]:
    if not (SITE / "index.html").is_file():
        return []
    skip = {"genindex.html", "search.html"}
    return sorted(
        p
        for p in SITE.rglob("*.html")
        if not {"_static", "_sources", "_images"} & set(p.relative_to(SITE).parts)
        and p.name not in skip
    )


PAGES = _pages()


def _require_site() -> None:
    if not PAGES:
        pytest.fail("no built site in _build/html: run `make book` (make test builds it first)")


def test_site_was_built() -> None:
    _require_site()
    assert any(p.name == "index.html" for p in PAGES)


def test_site_references_no_cdn() -> None:
    _require_site()
    offenders = [
        str(p.relative_to(SITE))
        for p in SITE.rglob("*")
        if p.suffix in {".html", ".js"}
        and "vendor" not in p.parts  # the vendored libraries mention CDNs in comments only
        and CDN_PATTERN.search(p.read_text(encoding="utf-8", errors="ignore"))
    ]
    assert not offenders, f"pages still reference a CDN: {offenders[:10]}"


def test_vendored_scripts_are_served() -> None:
    _require_site()
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "mathjax/tex-chtml.js"):
        assert (SITE / "_static" / "vendor" / name).is_file(), f"_static/vendor/{name} missing"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # The browser may drop a connection when a page closes; that is not a test failure.
        pass


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    _require_site()
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            timeout=60_000,
        )
        try:
            yield context
        finally:
            context.close()


@pytest.mark.browser
@pytest.mark.parametrize("page_path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_draws_offline(page_path: Path, site_url: str, browser_context) -> None:
    blocked: list[str] = []
    errors: list[str] = []

    def only_loopback(route) -> None:  # type: ignore[no-untyped-def]
        host = urlparse(route.request.url).hostname
        if host in {"127.0.0.1", None} or route.request.url.startswith("data:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = browser_context.new_page()
    try:
        page.route("**/*", only_loopback)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        url = site_url + page_path.relative_to(SITE).as_posix()
        page.goto(url, wait_until="load", timeout=60_000)
        n_charts = page.locator("div.osl-chart").count()
        if n_charts:
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.osl-chart')]"
                ".every(d => d.querySelector('svg, canvas'))",
                timeout=30_000,
            )
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('div.osl-chart')]"
            ".filter(d => d.querySelector('svg, canvas')).length"
        )
    finally:
        page.close()
    assert drawn == n_charts, f"{drawn} of {n_charts} charts drew"
    assert not errors, f"console errors: {errors[:5]}"
    assert not blocked, f"page asked for the network: {blocked[:5]}"


@pytest.mark.browser
def test_chapters_contain_charts(site_url: str, browser_context) -> None:
    """Guard against a renderer change that silently drops every chart."""
    chapter = next((p for p in PAGES if p.name.startswith("00_")), None)
    assert chapter is not None, "the pipeline chapter was not built"
    page = browser_context.new_page()
    try:
        page.goto(site_url + chapter.relative_to(SITE).as_posix(), wait_until="load")
        assert page.locator("div.osl-chart").count() >= 1
    finally:
        page.close()
