"""The repository URL is written once (``_config.yml``) and every other mention agrees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
URL = str(CONFIG["repository"]["url"]).rstrip("/")
OWNER_REPO = URL.removeprefix("https://github.com/")

# Files that mention the project's own repository (the launch buttons and the reader
# notebooks build their links from _config.yml at build time).
MENTIONS = ["README.md", "book/index.md", "CITATION.cff", "pyproject.toml", "_config.yml"]


def test_canonical_url_is_a_github_repository() -> None:
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", URL), URL


@pytest.mark.parametrize("name", ["README.md", "book/index.md"])
def test_clone_command_uses_the_url(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert f"git clone {URL} " in text, f"{name}: the clone command should use {URL}"
    assert "<this repository>" not in text


def test_citation_and_package_metadata_agree() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["repository-code"] == URL
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(rf'^\[project\.urls\]\nRepository = "{re.escape(URL)}"$', pyproject, re.M)


@pytest.mark.parametrize("name", MENTIONS)
def test_no_other_address_of_the_project(name: str) -> None:
    """Any GitHub address naming the project's owner or repository is the canonical one."""
    owner, repo = OWNER_REPO.split("/")
    text = (ROOT / name).read_text(encoding="utf-8")
    for found in re.findall(r"github\.com/([\w.-]+/[\w.-]+)", text):
        if owner in found or repo in found:
            assert found.removesuffix(".git") == OWNER_REPO, f"{name}: stale address {found}"


def test_binder_installs_the_pinned_requirements() -> None:
    lines = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    entries = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    assert entries == ["-r ../requirements.txt"], "Binder must not keep its own pin list"
    post = (ROOT / "binder" / "postBuild").read_text(encoding="utf-8")
    assert "pip install --no-deps -e ." in post and "python -m osl_helpers" in post
