"""The built site: every page opens offline in headless Chromium and every chart draws.

Runs after the book is built (``make test`` builds it first). It fails, never
skips, when the site or the browser is missing, so that CI cannot pass without
really drawing the charts.

Every wait is bounded, so a busy machine makes a page slow, never the run
hang: :func:`open_page` opens one URL in a clean page with a time limit on
navigation, on drawing and on parking the page at about:blank afterwards,
follows a redirect page (the site's root ``index.html`` is one) to its target
before measuring, never closes a page while the tests run (closing has no time
limit), and retries once, with a fresh page, if the browser timed out. It returns what it measured (a :class:`PageReport`);
the tests assert on that. A new check (e.g. at another viewport width) is a
new call of :func:`open_page` with ``viewport=`` and a ``probe``.
"""

from __future__ import annotations

import contextlib
import functools
import html.parser
import http.server
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

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
    # A busy machine must not make Chromium throttle the page it is measuring.
    "--disable-renderer-backgrounding",
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]

#: Time limits in milliseconds (environment overrides for slow machines).
NAVIGATION_MS = int(os.environ.get("OSL_BROWSER_NAVIGATION_MS", "60000"))
DRAW_MS = int(os.environ.get("OSL_BROWSER_DRAW_MS", "45000"))
ACTION_MS = 15_000
#: One page test may take two attempts of navigation, drawing and closing.
PAGE_TEST_SECONDS = 2 * (NAVIGATION_MS + DRAW_MS + 3 * ACTION_MS) // 1000 + 30

_CHARTS_JS = """() => {
  const divs = [...document.querySelectorAll('div.osl-chart')];
  const drawn = divs.filter(d => d.querySelector('svg, canvas')).length;
  return {n: divs.length, drawn: drawn, complete: document.readyState === 'complete'};
}"""
_ALL_DRAWN_JS = """() => {
  if (document.readyState !== 'complete') return false;
  const divs = [...document.querySelectorAll('div.osl-chart')];
  return divs.every(d => d.querySelector('svg, canvas'));
}"""

#: The widths every page is checked at: a phone held upright and a desktop window.
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 900}}
#: Waits until osl-charts.js has fitted every chart (``window.oslFitting`` back to 0),
#: then reports the page's width against the screen's and every chart wider than the
#: text column it sits in (or sticking out of it).
_FIT_JS = """() => {
  if (document.readyState !== 'complete' || (window.oslFitting || 0) > 0) return false;
  const screen = document.documentElement.clientWidth;
  const wide = [];
  for (const d of document.querySelectorAll('div.osl-chart')) {
    const s = d.querySelector('svg, canvas');
    if (!s) continue;
    const column = (d.closest('article') || document.body).getBoundingClientRect();
    const r = s.getBoundingClientRect();
    if (r.width > column.width + 1 || r.left < column.left - 1 || r.right > column.right + 1) {
      wide.push(`${d.id}: ${Math.round(r.width)} px in a ${Math.round(column.width)} px column`);
    }
  }
  return {page: document.documentElement.scrollWidth, screen: screen, wide: wide};
}"""


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


class _RefreshFinder(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.target: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\"\s;]+)", a.get("content", ""), re.I)
            if match:
                self.target = match.group(1)


def redirect_target(page: Path) -> str | None:
    """The URL a meta-refresh page sends the browser to (relative to the page), else None."""
    finder = _RefreshFinder()
    finder.feed(page.read_text(encoding="utf-8", errors="ignore"))
    return finder.target


def _page_url(site_url: str, page: Path) -> str:
    return site_url + page.relative_to(SITE).as_posix()


# --------------------------------------------------------------------------- measuring a page


@dataclass(frozen=True)
class PageReport:
    """What :func:`open_page` measured on one page."""

    url: str  # the URL asked for
    final_url: str  # where the browser ended (after a redirect page)
    n_charts: int  # div.osl-chart elements
    drawn: int  # of those, how many hold an svg or canvas
    errors: tuple[str, ...]  # console errors and uncaught exceptions
    blocked: tuple[str, ...]  # requests that tried to leave 127.0.0.1
    seconds: float  # wall time of the successful attempt
    attempts: int  # 1, or 2 after one timeout
    probe: Any = None  # the value of the ``probe`` script, if one was given


#: Pages parked at about:blank after a measurement, by browser context, for the next
#: measurement to reuse. No page is closed while the tests run: ``Page.close()`` has no
#: time limit and was seen to hang on a busy machine; the context closes them at the end.
_IDLE: dict[int, list[Any]] = {}


def _take_page(context: Any) -> Any:
    idle = _IDLE.get(id(context))
    return idle.pop() if idle else context.new_page()


def _park(context: Any, page: Any, listeners: dict[str, Any], reuse: bool) -> None:
    """End whatever ``page`` is doing (bounded) and, if ``reuse``, keep it for the next one.

    Going to about:blank ends any navigation still in flight (e.g. the one a
    redirect page starts after its load event). A page whose measurement failed,
    or that does not reach about:blank within the time limit, is abandoned: never
    reused and never waited for.
    """
    try:
        page.goto("about:blank", wait_until="commit", timeout=ACTION_MS)
        page.unroute("**/*")
        for event, handler in listeners.items():
            page.remove_listener(event, handler)
    except Exception:
        return
    if reuse:
        _IDLE.setdefault(id(context), []).append(page)


def _measure_once(
    context: Any,
    url: str,
    expect_url: str | None,
    viewport: dict[str, int] | None,
    probe: str | None,
    navigation_ms: int = NAVIGATION_MS,
    draw_ms: int = DRAW_MS,
) -> PageReport:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    blocked: list[str] = []
    errors: list[str] = []

    def only_loopback(route: Any) -> None:
        target = route.request.url
        if urlparse(target).hostname in {"127.0.0.1", None} or target.startswith(
            ("data:", "about:")
        ):
            route.continue_()
        else:
            blocked.append(target)
            route.abort()

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_error(error: Any) -> None:
        errors.append(str(error))

    listeners = {"console": on_console, "pageerror": on_error}
    start = time.monotonic()
    page = _take_page(context)
    measured = False
    try:
        page.set_default_timeout(ACTION_MS)
        page.set_default_navigation_timeout(navigation_ms)
        if viewport is not None:
            page.set_viewport_size(viewport)
        page.route("**/*", only_loopback)
        for event, handler in listeners.items():
            page.on(event, handler)
        page.goto(url, wait_until="load", timeout=navigation_ms)
        if expect_url is not None and page.url != expect_url:
            # A redirect page navigates again after its own load: wait for that to finish.
            page.wait_for_url(expect_url, wait_until="load", timeout=navigation_ms)
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(_ALL_DRAWN_JS, timeout=draw_ms, polling=250)
        counts = page.wait_for_function(_CHARTS_JS, timeout=ACTION_MS).json_value()
        extra = (
            page.wait_for_function(probe, timeout=ACTION_MS).json_value()
            if probe is not None
            else None
        )
        final_url = page.url
        measured = True
    finally:
        _park(context, page, listeners, reuse=measured)
    return PageReport(
        url=url,
        final_url=final_url,
        n_charts=int(counts["n"]),
        drawn=int(counts["drawn"]),
        errors=tuple(errors),
        blocked=tuple(blocked),
        seconds=time.monotonic() - start,
        attempts=1,
        probe=extra,
    )


def open_page(
    context: Any,
    url: str,
    *,
    expect_url: str | None = None,
    viewport: dict[str, int] | None = None,
    probe: str | None = None,
    navigation_ms: int = NAVIGATION_MS,
    draw_ms: int = DRAW_MS,
) -> PageReport:
    """Open ``url`` in a fresh page, wait (bounded) for its charts and measure it.

    ``expect_url``: the page is a redirect; wait until the browser has loaded
    this URL. ``viewport``: e.g. ``{"width": 390, "height": 844}``. ``probe``:
    a JavaScript function returning a truthy JSON value, stored in
    ``PageReport.probe``. A Playwright error (a timeout on a busy machine, a
    navigation torn down) gets one more attempt with a fresh page; a second
    failure is raised.
    """
    from playwright.sync_api import Error as PlaywrightError

    args = (context, url, expect_url, viewport, probe, navigation_ms, draw_ms)
    try:
        return _measure_once(*args)
    except PlaywrightError:
        report = _measure_once(*args)
        return PageReport(**{**report.__dict__, "attempts": 2})


# --------------------------------------------------------------------------- fixtures


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

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
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
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
            timeout=NAVIGATION_MS,
        )
        try:
            yield context
        finally:
            with contextlib.suppress(Exception):
                context.close()


# --------------------------------------------------------------------------- tests


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


def test_redirect_pages_point_into_the_site() -> None:
    _require_site()
    for page in PAGES:
        target = redirect_target(page)
        if target is not None:
            resolved = (page.parent / urlparse(target).path).resolve()
            assert resolved.is_file(), f"{page.name} redirects to missing {target}"


@pytest.mark.browser
@pytest.mark.timeout(PAGE_TEST_SECONDS)
@pytest.mark.parametrize("screen", list(VIEWPORTS))
@pytest.mark.parametrize("page_path", PAGES, ids=lambda p: str(p.relative_to(SITE)))
def test_page_draws_offline_and_fits(
    page_path: Path, screen: str, site_url: str, browser_context: Any, record_property: Any
) -> None:
    """Every chart draws with the network off, and neither a chart nor the page is
    wider than the screen, at phone and at desktop width."""
    url = _page_url(site_url, page_path)
    target = redirect_target(page_path)
    expect = urljoin(url, target) if target is not None else None
    report = open_page(
        browser_context, url, expect_url=expect, viewport=VIEWPORTS[screen], probe=_FIT_JS
    )
    record_property("seconds", round(report.seconds, 2))
    record_property("attempts", report.attempts)
    if expect is not None:
        assert report.final_url == expect, f"redirect ended at {report.final_url}"
    assert report.drawn == report.n_charts, f"{report.drawn} of {report.n_charts} charts drew"
    assert not report.errors, f"console errors: {list(report.errors[:5])}"
    assert not report.blocked, f"page asked for the network: {list(report.blocked[:5])}"
    fit = report.probe
    assert not fit["wide"], f"charts wider than their column: {fit['wide'][:5]}"
    assert fit["page"] <= fit["screen"], (
        f"the page is {fit['page']} px wide on a {fit['screen']} px screen"
    )


@pytest.mark.browser
@pytest.mark.timeout(PAGE_TEST_SECONDS)
def test_chapters_contain_charts(site_url: str, browser_context: Any) -> None:
    """Guard against a renderer change that silently drops every chart."""
    chapter = next((p for p in PAGES if p.name.startswith("00_")), None)
    assert chapter is not None, "the pipeline chapter was not built"
    report = open_page(browser_context, _page_url(site_url, chapter))
    assert report.n_charts >= 1
    assert report.drawn == report.n_charts


# --------------------------------------------------------------------------- the waits are bounded

_REDIRECT = b'<html><head><meta http-equiv="Refresh" content="0; url=target.html" /></head></html>'
_TARGET = (
    b"<html><body><div class='osl-chart'><svg></svg></div>"
    b"<div class='osl-chart'><svg></svg></div></body></html>"
)


class _SlowTarget(http.server.BaseHTTPRequestHandler):
    """``/redirect.html`` sends the browser to ``/target.html``, which answers after
    ``delay`` seconds (class attribute); the redirect's navigation is in flight meanwhile."""

    delay = 2.0

    def do_GET(self) -> None:
        if self.path.endswith("target.html"):
            time.sleep(self.delay)
            body = _TARGET
        else:
            body = _REDIRECT
        with contextlib.suppress(OSError):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def _slow_site(delay: float) -> Iterator[str]:
    handler = type("Handler", (_SlowTarget,), {"delay": delay})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_open_page_follows_a_slow_redirect(browser_context: Any) -> None:
    with _slow_site(delay=2.0) as root:
        report = open_page(browser_context, root + "redirect.html", expect_url=root + "target.html")
    assert report.final_url == root + "target.html"
    assert (report.n_charts, report.drawn, report.attempts) == (2, 2, 1)


@pytest.mark.browser
@pytest.mark.timeout(120)
def test_open_page_gives_up_in_bounded_time_on_a_redirect_that_never_arrives(
    browser_context: Any,
) -> None:
    from playwright.sync_api import Error as PlaywrightError

    navigation_ms = 2000
    start = time.monotonic()
    with _slow_site(delay=60.0) as root, pytest.raises(PlaywrightError):
        open_page(
            browser_context,
            root + "redirect.html",
            expect_url=root + "target.html",
            navigation_ms=navigation_ms,
        )
    # Two attempts, each bounded by the navigation limit plus the bounded parking and closing.
    took = time.monotonic() - start
    assert took < 2 * (navigation_ms / 1000 + 2 * ACTION_MS / 1000), f"took {took:.1f} s"
    # The browser is still usable afterwards: the page was parked, not left navigating.
    with _slow_site(delay=0.0) as root:
        report = open_page(browser_context, root + "redirect.html", expect_url=root + "target.html")
    assert report.drawn == 2
