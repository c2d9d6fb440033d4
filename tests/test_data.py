"""The data layer: hash checks on every path, subsets, validation of what loaders return."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import data

BASE = "base_llm_benchmark_eval.csv"


@pytest.fixture(scope="module")
def pinned_files() -> dict[str, Path]:
    """Every pinned table, fetched (and verified) once through the normal lookup."""
    return data.fetch_all()


@pytest.fixture()
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No OSL_DATA_DIR, an empty private cache."""
    monkeypatch.delenv("OSL_DATA_DIR", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("OSL_DATA_CACHE", str(cache))
    return cache


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static HTTP server on 127.0.0.1 serving a temporary folder."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", root
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- registry


def test_registry_pins_seven_tables_at_one_commit() -> None:
    reg = {n: h for n, h in data.registry().items() if data.source_of(n).key == "obsscaling"}
    assert len(reg) == 7
    assert all(len(h) == 64 for h in reg.values())
    assert data.COMMIT in data.DEFAULT_BASE_URL


def test_fetched_files_match_registry(pinned_files: dict[str, Path]) -> None:
    reg = data.registry()
    for name, path in pinned_files.items():
        assert _sha(path) == reg[name]


# --------------------------------------------------------------------------- download path


def test_download_verifies_and_caches(
    isolated: Path, server: tuple[str, Path], pinned_files: dict[str, Path], monkeypatch
) -> None:
    url, root = server
    shutil.copy(pinned_files[BASE], root / BASE)
    monkeypatch.setenv("OSL_DATA_URL", url)
    path = data.fetch_file(BASE)
    assert path.parent == isolated
    assert _sha(path) == data.registry()[BASE]
    # A second call is a cache hit: the server no longer has the file.
    (root / BASE).unlink()
    assert data.fetch_file(BASE) == path


def test_corrupted_download_is_rejected_and_not_cached(
    isolated: Path, server: tuple[str, Path], pinned_files: dict[str, Path], monkeypatch
) -> None:
    url, root = server
    raw = pinned_files[BASE].read_bytes()
    (root / BASE).write_bytes(raw.replace(b"0.43", b"0.44", 1))
    monkeypatch.setenv("OSL_DATA_URL", url)
    with pytest.raises(osl.DataFetchError) as err:
        data.fetch_file(BASE)
    msg = str(err.value)
    assert BASE in msg and data.registry()[BASE] in msg and "actual" in msg
    assert not (isolated / BASE).exists()
    assert not list(isolated.glob("*.part"))


def test_missing_file_on_server_raises(
    isolated: Path, server: tuple[str, Path], monkeypatch
) -> None:
    url, _ = server
    monkeypatch.setenv("OSL_DATA_URL", url)
    with pytest.raises(osl.DataFetchError, match=r"download .* failed"):
        data.fetch_file(BASE)


def test_unreachable_server_raises(isolated: Path, monkeypatch) -> None:
    monkeypatch.setenv("OSL_DATA_URL", "http://127.0.0.1:9/")
    with pytest.raises(osl.DataFetchError, match="OSL_DATA_DIR"):
        data.fetch_file(BASE)


def test_corrupted_cache_hit_raises(isolated: Path, pinned_files: dict[str, Path]) -> None:
    isolated.mkdir(parents=True)
    (isolated / BASE).write_bytes(pinned_files[BASE].read_bytes() + b"\n")
    with pytest.raises(osl.DataFetchError, match="cache"):
        data.fetch_file(BASE)


def test_unknown_file_name_raises() -> None:
    with pytest.raises(osl.DataFetchError, match="not in the data registry"):
        data.fetch_file("nope.csv")


# --------------------------------------------------------------------------- OSL_DATA_DIR path


def test_local_folder_is_used_and_verified(
    tmp_path: Path, pinned_files: dict[str, Path], monkeypatch
) -> None:
    folder = tmp_path / "mirror"
    folder.mkdir()
    shutil.copy(pinned_files[BASE], folder / BASE)
    monkeypatch.setenv("OSL_DATA_DIR", str(folder))
    assert data.fetch_file(BASE) == folder / BASE


def test_local_folder_with_altered_file_raises(
    tmp_path: Path, pinned_files: dict[str, Path], monkeypatch
) -> None:
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / BASE).write_bytes(pinned_files[BASE].read_bytes().replace(b"Llama-2", b"Llama-9", 1))
    monkeypatch.setenv("OSL_DATA_DIR", str(folder))
    with pytest.raises(osl.DataFetchError, match="OSL_DATA_DIR") as err:
        osl.load_base_benchmarks()
    assert data.registry()[BASE] in str(err.value)


def test_local_folder_missing_file_raises(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("OSL_DATA_DIR", str(tmp_path))
    with pytest.raises(osl.DataFetchError, match="not found in OSL_DATA_DIR"):
        data.fetch_file(BASE)


# --------------------------------------------------------------------------- subsets


@pytest.mark.parametrize(
    ("subset", "n_models"), [("paper", 77), ("preregistered", 20), ("extended", 51), ("all", 148)]
)
def test_subset_sizes(subset: data.Subset, n_models: int) -> None:
    assert len(osl.load_base_benchmarks(subset)) == n_models


def test_subsets_partition_all_models() -> None:
    parts = [
        set(osl.load_base_benchmarks(s)["Model"]) for s in ("paper", "preregistered", "extended")
    ]
    assert sum(len(p) for p in parts) == 148
    assert set.union(*parts) == set(osl.load_base_benchmarks("all")["Model"])


def test_paper_subset_has_the_21_families() -> None:
    fams = set(osl.load_base_benchmarks("paper")["Model Family"])
    assert fams == set(data.PAPER_FAMILIES)


def test_derived_columns() -> None:
    df = osl.load_base_benchmarks("all")
    llama = df.set_index("Model").loc["meta-llama/Llama-2-7b-hf"]
    assert llama["log10_flops"] == pytest.approx(np.log10(6 * 7e9 * 2e12))
    assert np.isnan(df.set_index("Model").loc["mistralai/Mistral-7B-v0.1", "log10_flops"])
    assert set(df.loc[df["is_code_model"], "Model Family"]) <= set(data.CODE_FAMILIES)
    assert df["is_code_model"].sum() > 0


def test_unknown_subset_raises() -> None:
    with pytest.raises(ValueError, match="unknown subset"):
        osl.load_base_benchmarks("everything")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- other tables


@pytest.mark.parametrize(
    "loader",
    [
        osl.load_emergent,
        osl.load_post_training,
        osl.load_instruct_benchmarks,
        osl.load_agent_benchmarks,
        osl.load_leaderboard_v2,
        osl.load_sub10b_benchmarks,
    ],
)
def test_each_loader_returns_unique_models(loader) -> None:
    df = loader()
    assert len(df) > 20
    assert df["Model"].is_unique


def test_join_on_model_reports_unmatched() -> None:
    base = osl.load_base_benchmarks("paper")
    post = osl.load_post_training()
    col = "gsm8k_cot_8_exact_match,strict-match"
    joined, report = osl.join_on_model(base, post, {col: "cot"}, return_report=True)
    assert len(joined) == len(base) - len(report.only_left)
    assert "cot" in joined.columns
    assert set(report.only_right).isdisjoint(base["Model"])


def test_join_rejects_clashing_columns() -> None:
    base = osl.load_base_benchmarks("paper")
    with pytest.raises(osl.DataValidationError, match="both sides"):
        osl.join_on_model(base, base[["Model", "MMLU"]])


# --------------------------------------------------------------------------- validation


def test_percent_scores_are_named() -> None:
    df = pd.DataFrame({"Model": ["a", "b"], "MMLU": [45.0, 60.0]})
    with pytest.raises(osl.DataValidationError, match="percentages"):
        data.validate_scores(df, ["MMLU"])


def test_duplicate_models_are_rejected(pinned_files: dict[str, Path]) -> None:
    frame = pd.read_csv(pinned_files["base_llm_leaderboard_v2_eval.csv"])
    assert frame["Model"].is_unique
    with pytest.raises(osl.DataValidationError, match="duplicate"):
        data._require_unique_models(pd.concat([frame, frame.iloc[:1]]), "leaderboard")


def test_missing_column_is_named() -> None:
    df = pd.DataFrame({"Model": ["a"]})
    with pytest.raises(osl.DataValidationError, match="missing required column"):
        data._check_base(df, "base", osl.BENCHMARKS)
