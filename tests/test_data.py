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
    with pytest.raises(osl.DataValidationError, match="missing column"):
        data._check_base(df, "base", osl.BENCHMARKS)


# --------------------------------------------------------------------------- defence in depth


def test_every_pinned_table_has_its_pinned_row_count(pinned_files: dict[str, Path]) -> None:
    assert set(data.TABLE_ROWS) == set(data.registry())
    for name, path in pinned_files.items():
        assert len(pd.read_csv(path)) == data.TABLE_ROWS[name], name


def test_download_bigger_than_the_bound_is_refused(
    isolated: Path, server: tuple[str, Path], pinned_files: dict[str, Path], monkeypatch
) -> None:
    url, root = server
    shutil.copy(pinned_files[BASE], root / BASE)
    monkeypatch.setenv("OSL_DATA_URL", url)
    monkeypatch.setattr(data, "MAX_DOWNLOAD_BYTES", 1000)
    with pytest.raises(osl.DataFetchError, match="more than 1000 bytes"):
        data.fetch_file(BASE)
    assert not list(isolated.glob("*"))


def test_download_timeout_must_be_a_positive_number(isolated: Path, monkeypatch) -> None:
    monkeypatch.setenv("OSL_DOWNLOAD_TIMEOUT", "soon")
    with pytest.raises(osl.DataFetchError, match="OSL_DOWNLOAD_TIMEOUT='soon'"):
        data.fetch_file(BASE)


# --------------------------------------------------------------------------- errata


def test_each_erratum_is_sourced_and_matches_the_authors_table(
    pinned_files: dict[str, Path],
) -> None:
    from osl_helpers import errata

    assert errata.ERRATA
    for e in errata.ERRATA:
        assert e.source.startswith("https://") and len(e.reason) > 40
        raw = pd.read_csv(pinned_files[e.table]).set_index("Model")
        assert raw.loc[e.model, e.column] == pytest.approx(e.published)
    # The correction is the unit slip the reason names: tokens and FLOPs 1,000 times smaller.
    for e in errata.ERRATA:
        assert e.published / e.corrected == pytest.approx(1000.0)


def test_plausibility_checks_flag_only_btlm(pinned_files: dict[str, Path]) -> None:
    from osl_helpers import errata

    for name in ("base_llm_benchmark_eval.csv", "base_llm_benchmark_eval_sub_10b.csv"):
        raw = pd.read_csv(pinned_files[name])
        flagged = errata.plausibility_report(raw)
        assert set(flagged["Model"]) == {"cerebras/btlm-3b-8k-base"}, name
        assert set(flagged["check"]) == {"tokens per parameter", "training tokens (T)"}
        fixed, applied = errata.apply_errata(raw, name)
        assert len(applied) == 2 and errata.plausibility_report(fixed).empty
        # The limit leaves room: every other model stays an order of magnitude below it.
        others = raw[raw["Model"] != "cerebras/btlm-3b-8k-base"]
        tpp = others["Pretraining Data Size (T)"] * 1e3 / others["Model Size (B)"]
        assert tpp.max() < errata.PLAUSIBLE["max_tokens_per_param"] / 10
    instruct = pd.read_csv(pinned_files["instruct_llm_benchmark_eval.csv"])
    assert errata.plausibility_report(instruct).empty


def test_plausibility_report_flags_flops_off_6nd_and_odd_sizes() -> None:
    from osl_helpers import errata

    frame = pd.DataFrame(
        {
            "Model": ["ok", "flops", "tiny", "huge"],
            "Model Size (B)": [7.0, 7.0, 1e-5, 2e4],
            "Pretraining Data Size (T)": [2.0, 2.0, 1e-4, 10.0],
            "FLOPs (1E21)": [84.0, 168.0, 6e-9, 1.2e6],
        }
    )
    report = errata.plausibility_report(frame)
    assert set(zip(report["Model"], report["check"], strict=True)) == {
        ("flops", "FLOPs / (6·N·D) − 1"),
        ("tiny", "parameters (B), at least"),
        ("huge", "parameters (B), at most"),
    }


def test_errata_leave_the_papers_77_models_untouched() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither table may warn: BTLM is not among them
        fixed = osl.load_base_benchmarks("paper")
        raw = osl.load_base_benchmarks("paper", errata=False)
    pd.testing.assert_frame_equal(fixed, raw)


def test_erratum_warns_only_where_the_corrected_model_is_returned() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        osl.load_task("bbh")  # the base table "all" is joined, but BTLM has no BBH score
        osl.load_base_benchmarks("preregistered")
    assert not [w for w in caught if issubclass(w.category, osl.OSLWarning)]
    from osl_helpers import errata

    errata._ANNOUNCED.clear()
    with pytest.warns(osl.DataErratumWarning, match="btlm-3b-8k-base") as record:
        sub = osl.load_sub10b_benchmarks()
        osl.load_sub10b_benchmarks()  # announced once per session
    assert len([w for w in record if issubclass(w.category, osl.DataErratumWarning)]) == 1
    row = sub.set_index("Model").loc["cerebras/btlm-3b-8k-base"]
    assert row["log10_flops"] == pytest.approx(np.log10(6 * 3e9 * 627e9))
