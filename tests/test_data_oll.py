"""The Open LLM Leaderboard tables: registry, local folder, hash checks, and what the loader repairs.

Tests on the real tables read them through the normal lookup (``OSL_OLL_DATA_DIR``
in CI). Tests of bad input write small synthetic CSV files to a temporary folder,
point ``OSL_OLL_DATA_DIR`` at it and pin the synthetic file's hash in the registry,
so the loader runs end to end on them.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
from osl_helpers import data

V1, V2 = data.OLL_FILES["v1"], data.OLL_FILES["v2"]
DEMO = "Contamination/contaminated_proof_7b_v1.0"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {v: osl.load_open_llm_leaderboard(v) for v in ("v1", "v2")}  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    return {v: pd.read_csv(data.fetch_file(name)) for v, name in data.OLL_FILES.items()}


# --------------------------------------------------------------------------- synthetic files


def _v1_rows(n: int = 12) -> list[dict[str, object]]:
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        level = rng.uniform(30, 80)
        rows.append(
            {
                "t": "🔶", "model": f"org/model-{i}", "fullname": f"org/model-{i}",
                "type": "🔶 fine-tuned on domain-specific datasets",
                "precision": "bfloat16", "weight_type": "Original",
                "architecture": "LlamaForCausalLM", "params_b": 7,
                "date": f"2024-01-{i + 1:02d}T10:00:00Z",
                "arc": level, "hellaswag": level + 10, "mmlu": level - 5,
                "truthfulqa": level - 10, "winogrande": level + 5, "gsm8k": level - 20,
                # The export's polarity: TRUE means "not merged", "not a MoE", "not flagged".
                "merged": "TRUE", "moe": "TRUE", "flagged": "TRUE",
                "available_on_the_hub": "TRUE",
            }
        )  # fmt: skip
    return rows


def _v2_rows(n: int = 12) -> list[dict[str, object]]:
    rng = np.random.default_rng(1)
    rows = []
    tasks = ["ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro"]
    for i in range(n):
        level = rng.uniform(0.2, 0.6)
        row: dict[str, object] = {
            "model_name": f"org/model-{i}", "model_type": "chatmodels",
            "model_precision": "bfloat16", "model_weight_type": "Original",
            "model_architecture": "LlamaForCausalLM", "metadata_params_billions": 7.24,
            "metadata_submission_date": f"2024-09-{i + 1:02d}",
            "metadata_upload_date": "2024-08-01", "metadata_base_model": f"org/model-{i}",
            "model_has_chat_template": "TRUE", "metadata_generation": 1,
            "features_is_not_available_on_hub": "TRUE", "features_is_merged": "FALSE",
            "features_is_moe": "FALSE", "features_is_flagged": "FALSE",
            "features_is_official_provider": "FALSE",
        }  # fmt: skip
        for j, t in enumerate(tasks):
            row[f"evaluations_{t}_value"] = min(1.0, level + 0.03 * j)
        rows.append(row)
    return rows


@pytest.fixture()
def oll_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder named by OSL_OLL_DATA_DIR."""
    folder = tmp_path / "oll"
    folder.mkdir()
    monkeypatch.setenv("OSL_OLL_DATA_DIR", str(folder))
    return folder


@pytest.fixture()
def pin(oll_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, pd.DataFrame], None]:
    """Write a synthetic table under a registered name and pin its hash in the registry."""
    original = data._registry_entries

    pinned: dict[str, str] = {}

    def entries() -> dict[str, tuple[str, data.DataSource]]:
        out = original()
        for name, digest in pinned.items():
            out[name] = (digest, data.SOURCES["oll"])
        return out

    monkeypatch.setattr(data, "_registry_entries", entries)

    def write(name: str, frame: pd.DataFrame) -> None:
        path = oll_folder / name
        frame.to_csv(path, index=False)
        pinned[name] = _sha(path)
        # A synthetic table is pinned with its own row count, like its own hash.
        monkeypatch.setitem(data.TABLE_ROWS, name, len(frame))

    return write


# --------------------------------------------------------------------------- registry and lookup


def test_registry_pins_both_tables_at_their_own_commit() -> None:
    reg = data.registry()
    for name in (V1, V2):
        src = data.source_of(name)
        assert src is data.SOURCES["oll"]
        assert data.OLL_COMMIT in src.base_url and src.dir_env == "OSL_OLL_DATA_DIR"
        assert len(reg[name]) == 64
    assert data.source_of("base_llm_benchmark_eval.csv") is data.SOURCES["obsscaling"]


def test_fetched_files_match_registry() -> None:
    for name in (V1, V2):
        assert _sha(data.fetch_file(name)) == data.registry()[name]


def test_registry_url_of_an_unknown_source_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    line = f"{V1} sha256:{'0' * 64} https://example.org/elsewhere/{V1}"
    monkeypatch.setattr(data, "_registry_text", lambda: line)
    with pytest.raises(osl.DataFetchError, match="not a pinned source"):
        data.registry()


def test_tampered_file_in_local_folder_raises(oll_folder: Path) -> None:
    # A file under the real name that is not the pinned one (here: a small synthetic table).
    pd.DataFrame(_v1_rows()).to_csv(oll_folder / V1, index=False)
    with pytest.raises(osl.DataFetchError, match="OSL_OLL_DATA_DIR") as err:
        osl.load_open_llm_leaderboard("v1")
    assert data.registry()[V1] in str(err.value) and "actual" in str(err.value)


def test_missing_file_in_local_folder_raises(oll_folder: Path) -> None:
    with pytest.raises(osl.DataFetchError, match="not found in OSL_OLL_DATA_DIR"):
        osl.load_open_llm_leaderboard("v2")


def test_paper_folder_variable_does_not_redirect_the_leaderboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each family has its own switch: an empty OSL_DATA_DIR must not hide the leaderboard.
    real = data.fetch_file(V2)
    monkeypatch.setenv("OSL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OSL_OLL_DATA_DIR", str(real.parent))
    assert data.fetch_file(V2) == real


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
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


def test_download_uses_the_leaderboard_url_variable(
    tmp_path: Path, server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, root = server
    real = data.fetch_file(V2)
    (root / V2).write_bytes(real.read_bytes())
    monkeypatch.delenv("OSL_OLL_DATA_DIR", raising=False)
    monkeypatch.setenv("OSL_DATA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("OSL_OLL_DATA_URL", url)
    path = data.fetch_file(V2)
    assert path.parent == tmp_path / "cache" and _sha(path) == data.registry()[V2]


def test_prefetch_covers_the_leaderboard(capsys: pytest.CaptureFixture[str]) -> None:
    assert data.main([]) == 0
    out = capsys.readouterr().out
    assert f"{len(data.registry())} tables verified" in out and "oll from" in out


# --------------------------------------------------------------------------- the real tables


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_one_row_per_model_and_every_raw_row_accounted_for(
    tables: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame], version: str
) -> None:
    df, src = tables[version], raw[version]
    name = "fullname" if version == "v1" else "model_name"
    assert df["Model"].is_unique
    assert len(df) == src[name].nunique()
    assert int(df["n_rows"].sum()) == len(src)
    # The counts the data card quotes.
    assert int((df["n_rows"] > 1).sum()) == {"v1": 349, "v2": 79}[version]


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_scores_are_fractions_under_the_leaderboard_names(
    tables: dict[str, pd.DataFrame], version: str
) -> None:
    df = tables[version]
    scores = df[data.OLL_TASKS[version]]
    assert scores.notna().all().all()
    assert float(scores.min().min()) >= 0 and float(scores.max().max()) <= 1
    assert set(df["Model Type"]) <= set(data.OLL_MODEL_TYPES)
    assert pd.api.types.is_datetime64_any_dtype(df["date"])


def test_v1_scores_are_the_export_divided_by_100(
    tables: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame]
) -> None:
    kept = tables["v1"].set_index("Model")
    single = raw["v1"][~raw["v1"]["fullname"].duplicated(keep=False)].set_index("fullname")
    both = single.index[:200]
    assert np.allclose(kept.loc[both, "GSM8K"], single.loc[both, "gsm8k"] / 100)
    assert np.allclose(kept.loc[both, "ARC"], single.loc[both, "arc"] / 100)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_duplicate_rule_keeps_the_first_row_in_the_stated_order(
    tables: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame], version: str
) -> None:
    # Most scores, then unquantised precision, then a known type, then the latest date.
    spec = data._OLL_SPECS[version]
    src = raw[version].reset_index(drop=True)
    key = pd.DataFrame(
        {
            "Model": src[spec.model],
            "complete": src[list(spec.scores)].notna().sum(axis=1),
            "full": src[spec.precision].isin(["bfloat16", "float16", "float32"]),
            "typed": src[spec.type].notna(),
            "date": pd.to_datetime(src[spec.date], utc=True, format="ISO8601"),
            "precision": src[spec.precision],
        }
    )
    repeated = key[key["Model"].duplicated(keep=False)]
    assert repeated["Model"].nunique() > 10
    kept = tables[version].set_index("Model")
    for model, g in repeated.groupby("Model"):
        best = g.sort_values(["complete", "full", "typed", "date"], ascending=False).iloc[0]
        assert kept.loc[model, "precision"] == best["precision"], model
        if pd.notna(best["date"]):
            assert kept.loc[model, "date"] == best["date"].tz_localize(None), model


def test_duplicate_rule_on_known_models(tables: dict[str, pd.DataFrame]) -> None:
    v2 = tables["v2"].set_index("Model")
    # Mixtral's latest v2 row calls it pretrained, an earlier float16 row fine-tuned.
    assert v2.loc["mistralai/Mixtral-8x7B-v0.1", "Model Type"] == "pretrained"
    assert v2.loc["mistralai/Mixtral-8x7B-v0.1", "n_rows"] == 2
    v1 = tables["v1"].set_index("Model")
    # Llama-2-7b has a typed float16 row and an untyped 4-bit one: the first is kept.
    assert v1.loc["meta-llama/Llama-2-7b-hf", "precision"] == "float16"
    assert v1.loc["meta-llama/Llama-2-7b-hf", "Model Type"] == "pretrained"


def test_v1_flags_are_inverted_and_pinned_by_known_models(
    tables: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame]
) -> None:
    v1 = tables["v1"].set_index("Model")
    assert v1.loc[DEMO, "flagged"]
    assert not v1.loc["meta-llama/Llama-2-7b-hf", "flagged"]
    assert v1.loc["mistralai/Mixtral-8x7B-v0.1", "moe"]
    assert not v1.loc["mistralai/Mistral-7B-v0.1", "moe"]
    assert v1.loc["mlabonne/Beagle14-7B", "merged"]
    assert not v1.loc["meta-llama/Llama-2-7b-hf", "merged"]
    # The raw export says the opposite for each of them.
    src = raw["v1"].drop_duplicates("fullname").set_index("fullname")
    assert not src.loc[DEMO, "flagged"] and not src.loc["mistralai/Mixtral-8x7B-v0.1", "moe"]


def test_v1_flags_agree_with_other_columns(tables: dict[str, pd.DataFrame]) -> None:
    # Independent of any single model: after the correction the flags match the
    # architecture and the declared type; before it they would be reversed. The flags
    # follow what submitters declared, so they are not exhaustive: some models with a
    # Mixtral architecture are not marked as mixtures of experts.
    v1 = tables["v1"]
    mixtral = v1["architecture"] == "MixtralForCausalLM"
    assert v1.loc[mixtral, "moe"].mean() > 0.7
    assert v1.loc[v1["architecture"] == "LlamaForCausalLM", "moe"].mean() < 0.1
    assert v1.loc[v1["Model Type"] == "merge", "merged"].mean() > 0.5
    assert v1.loc[v1["Model Type"] == "pretrained", "merged"].mean() < 0.1
    assert v1["flagged"].mean() < 0.05


def test_v2_flags_read_as_named_except_availability(tables: dict[str, pd.DataFrame]) -> None:
    v2 = tables["v2"].set_index("Model")
    assert v2["flagged"].sum() == 1 and v2.loc["newsbang/Homer-v0.5-Qwen2.5-7B", "flagged"]
    assert v2.loc["mistralai/Mixtral-8x7B-v0.1", "moe"]
    assert not v2.loc["meta-llama/Meta-Llama-3-8B", "moe"]
    assert v2.loc["mlabonne/Daredevil-8B", "merged"]
    assert v2.loc["meta-llama/Meta-Llama-3-8B", "official_provider"]
    # "features_is_not_available_on_hub" holds availability despite its name.
    assert v2.loc["meta-llama/Meta-Llama-3-8B", "available_on_hub"]
    assert v2.loc[v2["architecture"] == "MixtralForCausalLM", "moe"].mean() > 0.5
    assert v2.loc[v2["architecture"] == "LlamaForCausalLM", "moe"].mean() < 0.05


def test_model_types_of_both_versions_share_one_vocabulary() -> None:
    raw_labels = pd.Series(
        [
            "💬 chat models (RLHF, DPO, IFT, ...)", "chatmodels",
            "🔶 fine-tuned on domain-specific datasets", "fine-tunedondomain-specificdatasets",
            "🤝 base merges and moerges", "basemergesandmoerges",
            "🟢 pretrained", "pretrained", "🟩 continuously pretrained", "continuouslypretrained",
            "multimodal", "❓other", None,
        ]
    )  # fmt: skip
    out = data.normalize_model_type(raw_labels).tolist()
    assert out == [
        "chat", "chat", "fine-tuned", "fine-tuned", "merge", "merge", "pretrained", "pretrained",
        "continuously pretrained", "continuously pretrained", "other", "other", "unknown",
    ]  # fmt: skip
    with pytest.raises(osl.DataValidationError, match="unknown model type"):
        data.normalize_model_type(pd.Series(["🦄 instruction-distilled"]))


def test_sizes_bases_and_dates(
    tables: dict[str, pd.DataFrame], raw: dict[str, pd.DataFrame]
) -> None:
    v1, v2 = tables["v1"], tables["v2"]
    assert v1["params_b"].isna().sum() > 0 and (v1["params_b"].dropna() > 0).all()
    sized = v1["params_b"].notna()
    assert np.allclose(v1.loc[sized, "log10_params"], np.log10(v1.loc[sized, "params_b"] * 1e9))
    assert not v2["base_model"].dropna().str.endswith("(Merge)").any()
    assert not (v2["base_model"] == v2["Model"]).any()
    assert "Removed" not in set(v2["base_model"].dropna())
    assert v2.set_index("Model").loc["Qwen/Qwen2.5-7B-Instruct", "base_model"] == "Qwen/Qwen2.5-7B"
    assert v2["date"].min() >= pd.Timestamp("2024-06-01")
    assert v1["date"].max() < v2["date"].max()


# --------------------------------------------------------------------------- bad input


def test_v2_in_percent_is_rejected(pin: Callable[[str, pd.DataFrame], None]) -> None:
    frame = pd.DataFrame(_v2_rows())
    cols = [c for c in frame.columns if c.endswith("_value")]
    frame[cols] = frame[cols] * 100
    pin(V2, frame)
    with pytest.raises(osl.DataValidationError, match="percentages"):
        osl.load_open_llm_leaderboard("v2")


def test_v1_in_fractions_is_rejected(pin: Callable[[str, pd.DataFrame], None]) -> None:
    frame = pd.DataFrame(_v1_rows())
    cols = ["arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"]
    frame[cols] = frame[cols] / 100
    pin(V1, frame)
    with pytest.raises(osl.DataValidationError, match="look like fractions"):
        osl.load_open_llm_leaderboard("v1")


def test_synthetic_tables_load(pin: Callable[[str, pd.DataFrame], None]) -> None:
    pin(V1, pd.DataFrame(_v1_rows()))
    pin(V2, pd.DataFrame(_v2_rows()))
    v1 = osl.load_open_llm_leaderboard("v1")
    v2 = osl.load_open_llm_leaderboard("v2")
    assert len(v1) == len(v2) == 12
    assert not v1[["merged", "moe", "flagged"]].any().any()  # raw TRUE = not merged, ...
    assert v2["available_on_hub"].all() and v2["base_model"].isna().all()
    assert v1["ARC"].between(0.3, 0.8).all()


def test_duplicates_follow_the_rule(pin: Callable[[str, pd.DataFrame], None]) -> None:
    rows = _v1_rows()
    dup = "org/model-0"
    base = rows[0]
    rows += [
        # Newest, but quantised: loses to every unquantised row.
        {**base, "precision": "4bit", "date": "2024-05-01T00:00:00Z", "arc": 11.0},
        # Unquantised and newer than the original, but of unknown type: loses to a typed row.
        {**base, "precision": "float16", "type": None, "date": "2024-04-01T00:00:00Z"},
        # Unquantised, typed, newer than the original: the winner.
        {**base, "precision": "float16", "date": "2024-03-01T00:00:00Z", "arc": 66.0},
        # Best score of all, but older: the rule never looks at the scores.
        {**base, "date": "2023-12-01T00:00:00Z", "arc": 99.0},
    ]
    pin(V1, pd.DataFrame(rows))
    v1 = osl.load_open_llm_leaderboard("v1").set_index("Model")
    assert v1["n_rows"].loc[dup] == 5 and v1.index.is_unique
    assert v1.loc[dup, "ARC"] == pytest.approx(0.66)
    assert v1.loc[dup, "precision"] == "float16" and v1.loc[dup, "Model Type"] == "fine-tuned"


def test_duplicates_after_the_rule_are_an_error(tables: dict[str, pd.DataFrame]) -> None:
    v2 = tables["v2"]
    with pytest.raises(osl.DataValidationError, match="duplicate"):
        data._require_unique_models(pd.concat([v2, v2.iloc[:1]]), "open_llm_leaderboard_v2")


def test_missing_column_is_named(pin: Callable[[str, pd.DataFrame], None]) -> None:
    pin(V2, pd.DataFrame(_v2_rows()).drop(columns="evaluations_gpqa_value"))
    with pytest.raises(osl.DataValidationError, match="evaluations_gpqa_value"):
        osl.load_open_llm_leaderboard("v2")


def test_scores_out_of_range_are_rejected(pin: Callable[[str, pd.DataFrame], None]) -> None:
    frame = pd.DataFrame(_v2_rows())
    frame.loc[3, "evaluations_bbh_value"] = -0.2
    pin(V2, frame)
    with pytest.raises(osl.DataValidationError, match="outside the documented range"):
        osl.load_open_llm_leaderboard("v2")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("type", "🦄 something new", "unknown model type"),
        ("date", "last Tuesday", "unreadable dates"),
        ("flagged", "maybe", "not boolean"),
    ],
)
def test_malformed_cells_are_named(
    pin: Callable[[str, pd.DataFrame], None], column: str, value: str, message: str
) -> None:
    frame = pd.DataFrame(_v1_rows())
    frame[column] = frame[column].astype(object)
    frame.loc[2, column] = value
    pin(V1, frame)
    with pytest.raises(osl.DataValidationError, match=message):
        osl.load_open_llm_leaderboard("v1")


def test_flags_contradicting_known_models_are_an_error(
    pin: Callable[[str, pd.DataFrame], None],
) -> None:
    rows = _v1_rows()
    # Written the natural way round (moe = TRUE for a MoE): the loader's inversion then
    # calls Mixtral dense, which contradicts what is known about it.
    rows[5] = {**rows[5], "fullname": "mistralai/Mixtral-8x7B-v0.1", "moe": "TRUE"}
    pin(V1, pd.DataFrame(rows))
    with pytest.raises(osl.DataValidationError, match=r"Mixtral-8x7B-v0\.1 has moe = False"):
        osl.load_open_llm_leaderboard("v1")


def test_unknown_version_is_rejected() -> None:
    with pytest.raises(osl.DataValidationError, match="unknown leaderboard version"):
        osl.load_open_llm_leaderboard("v3")  # type: ignore[arg-type]
