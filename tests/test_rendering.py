"""Chart rendering: the book's offline renderer on the site, Altair's own elsewhere."""

from __future__ import annotations

import altair as alt
import pytest

import osl_helpers as osl
from osl_helpers import rendering
from osl_helpers._validation import OSLInputError


@pytest.fixture(autouse=True)
def _restore_renderer():
    before = alt.renderers.active
    yield
    alt.renderers.enable(before)


def test_offline_renderer_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(rendering.RENDERER_ENV, raising=False)
    osl.enable_offline_charts()
    assert alt.renderers.active == rendering.RENDERER_NAME


def test_environment_selects_altairs_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rendering.RENDERER_ENV, "svg")
    osl.enable_offline_charts()
    assert alt.renderers.active == "svg"


def test_unknown_renderer_is_a_named_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rendering.RENDERER_ENV, "no-such-renderer")
    with pytest.raises(OSLInputError, match="not an Altair renderer"):
        osl.enable_offline_charts()
