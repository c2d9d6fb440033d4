"""Hash-verified access to the evaluation tables of Ruan, Maddison & Hashimoto (2024).

The paper's authors published their evaluation tables in the repository
``ryoungj/ObsScaling`` (Apache-2.0). This module fetches them from one pinned
commit and checks the sha256 of every file on every path it can take:

1. a local folder named by the environment variable ``OSL_DATA_DIR``
   (authoritative: a missing or altered file there is an error, never a
   silent fall-back to the network);
2. the user cache (``OSL_DATA_CACHE`` or the platform's cache folder);
3. a download from ``OSL_DATA_URL`` (default: the pinned GitHub commit).

Any failure raises :class:`DataFetchError`, which names the file, the expected
and actual hash and what to do about it.

Every loader validates what it returns (required columns, unique model names,
scores in their documented range) and raises :class:`DataValidationError`
otherwise.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "BENCHMARKS",
    "CODE_FAMILIES",
    "COMMIT",
    "DEFAULT_BASE_URL",
    "PAPER_FAMILIES",
    "PREREGISTERED_MODELS",
    "DataFetchError",
    "DataValidationError",
    "JoinReport",
    "Subset",
    "fetch_all",
    "fetch_file",
    "join_on_model",
    "load_agent_benchmarks",
    "load_base_benchmarks",
    "load_emergent",
    "load_instruct_benchmarks",
    "load_leaderboard_v2",
    "load_post_training",
    "load_sub10b_benchmarks",
    "registry",
    "subset_summary",
    "validate_scores",
]

COMMIT = "4d6e1e43fd2635d04654aa77d1df9d5266ea0382"
DEFAULT_BASE_URL = f"https://raw.githubusercontent.com/ryoungj/ObsScaling/{COMMIT}/eval_results/"

#: The eight standard benchmarks of the base-model table (columns of B).
BENCHMARKS: list[str] = [
    "MMLU",
    "ARC-C",
    "HellaSwag",
    "Winograd",
    "TruthfulQA",
    "GSM8K",
    "XWinograd",
    "HumanEval",
]

#: The 21 model families of the paper's 77 base models (Sec. 3.1).
PAPER_FAMILIES: list[str] = [
    "Llama-2", "Llama", "Llama-3", "Qwen1.5", "Qwen", "Mistral", "Mixtral", "Yi",
    "Gemma", "Falcon", "Phi", "Pythia", "BLOOM", "GPT-Neo/J", "OPT", "MPT", "XGLM",
    "CodeLlama", "StarCoder", "StarCoder2", "DeepSeek-Coder",
]  # fmt: skip

#: Base models released after the paper, whose results the authors pre-registered.
PREREGISTERED_MODELS: list[str] = [
    "meta-llama/Meta-Llama-3.1-405B-FP8",
    "meta-llama/Meta-Llama-3.1-70B",
    "meta-llama/Meta-Llama-3.1-8B",
    "Qwen/Qwen1.5-110B",
    "Qwen/Qwen2-72B",
    "Qwen/Qwen2-57B-A14B",
    "Qwen/Qwen2-7B",
    "Qwen/Qwen2-1.5B",
    "Qwen/Qwen2-0.5B",
    "deepseek-ai/DeepSeek-V2",
    "deepseek-ai/DeepSeek-Coder-V2-Base",
    "google/gemma-2-27b",
    "google/gemma-2-9b",
    "google/gemma-2-2b",
    "mistralai/Mixtral-8x22B-v0.1",
    "mistralai/Mistral-Nemo-Base-2407",
    "01-ai/Yi-1.5-34B",
    "01-ai/Yi-1.5-9B",
    "01-ai/Yi-1.5-6B",
    "ai21labs/Jamba-v0.1",
]

#: Families trained mostly on code.
CODE_FAMILIES: list[str] = [
    "CodeLlama", "StarCoder", "StarCoder2", "DeepSeek-Coder", "DeepSeek-Coder-V2", "Codegen",
]  # fmt: skip

Subset = Literal["paper", "preregistered", "extended", "all"]

_META_COLUMNS = [
    "Model",
    "Model Family",
    "Model Size (B)",
    "Pretraining Data Size (T)",
    "FLOPs (1E21)",
]


class DataFetchError(RuntimeError):
    """A data file is missing, corrupted or could not be downloaded."""


class DataValidationError(ValueError):
    """A table does not have the columns, keys or value ranges it should."""


# --------------------------------------------------------------------------- registry


def _registry_text() -> str:
    packaged = resources.files("osl_helpers").joinpath("registry.txt")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    # Editable install: the single source of truth is data/registry.txt in the repository.
    source = Path(__file__).resolve().parent.parent / "data" / "registry.txt"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    raise DataFetchError(
        "The data registry (data/registry.txt) was not found next to the package; "
        "reinstall osl_helpers from the repository with `pip install -e .`."
    )


def registry() -> dict[str, str]:
    """Return ``{file name: sha256 hex digest}`` for the pinned tables."""
    out: dict[str, str] = {}
    for line in _registry_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, digest = line.split()
        algo, _, value = digest.partition(":")
        if algo != "sha256" or len(value) != 64:
            raise DataFetchError(f"Malformed registry line for {name!r}: {digest!r}")
        out[name] = value.lower()
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _cache_dir() -> Path:
    env = os.environ.get("OSL_DATA_CACHE")
    if env:
        return Path(env).expanduser()
    import pooch

    return Path(pooch.os_cache("osl_helpers")) / COMMIT[:12]


def _verify(path: Path, name: str, expected: str, where: str, remedy: str) -> Path:
    actual = _sha256(path)
    if actual != expected:
        raise DataFetchError(
            f"{name}: sha256 mismatch in {where} ({path}).\n"
            f"  expected {expected}\n  actual   {actual}\n{remedy}"
        )
    return path


def fetch_file(name: str) -> Path:
    """Return a local, hash-verified path to the pinned table ``name``.

    Looks in ``$OSL_DATA_DIR``, then the user cache, then downloads from
    ``$OSL_DATA_URL`` (default :data:`DEFAULT_BASE_URL`) into the cache.
    """
    reg = registry()
    if name not in reg:
        raise DataFetchError(f"{name!r} is not in the data registry; known files: {sorted(reg)}")
    expected = reg[name]

    local = os.environ.get("OSL_DATA_DIR")
    if local:
        path = Path(local).expanduser() / name
        if not path.is_file():
            raise DataFetchError(
                f"{name}: not found in OSL_DATA_DIR={local}.\n  expected sha256 {expected}\n"
                "Put the pinned file there, or unset OSL_DATA_DIR to download it."
            )
        return _verify(
            path, name, expected, "OSL_DATA_DIR",
            "The local copy differs from the pinned commit; replace it with the original file.",
        )  # fmt: skip

    cache = _cache_dir()
    path = cache / name
    if path.is_file():
        return _verify(
            path, name, expected, "the download cache",
            f"Delete {path} so that it is downloaded again.",
        )  # fmt: skip

    base = os.environ.get("OSL_DATA_URL", DEFAULT_BASE_URL)
    if not base.endswith("/"):
        base += "/"
    url = base + name
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / (name + ".part")
    try:
        import pooch

        # known_hash=None: we verify ourselves so that the error names both hashes.
        pooch.retrieve(url, known_hash=None, fname=tmp.name, path=cache, progressbar=False)
    except Exception as err:  # network errors come in many classes
        tmp.unlink(missing_ok=True)
        raise DataFetchError(
            f"{name}: download from {url} failed ({type(err).__name__}: {err}).\n"
            f"  expected sha256 {expected}\n"
            "Check the network, or set OSL_DATA_DIR to a folder holding the pinned files."
        ) from err
    try:
        _verify(
            tmp, name, expected, "the downloaded file",
            f"The server at {base} did not return the pinned file; nothing was cached.",
        )  # fmt: skip
    except DataFetchError:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- validation


def _require_columns(df: pd.DataFrame, columns: Iterable[str], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataValidationError(f"{table}: missing required column(s) {missing}")


def _require_unique_models(df: pd.DataFrame, table: str) -> None:
    dup = df["Model"][df["Model"].duplicated()].tolist()
    if dup:
        raise DataValidationError(f"{table}: duplicate model name(s) {dup}")


def validate_scores(
    df: pd.DataFrame,
    columns: Iterable[str],
    low: float = 0.0,
    high: float = 1.0,
    table: str = "table",
) -> None:
    """Raise :class:`DataValidationError` unless every non-missing score is numeric and in [low, high].

    Scores on a 0–100 scale where fractions are expected are named as such.
    """
    for col in columns:
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s):
            raise DataValidationError(f"{table}: column {col!r} is not numeric (dtype {s.dtype})")
        vals = s.dropna()
        if vals.empty:
            continue
        lo, hi = float(vals.min()), float(vals.max())
        if lo < low or hi > high:
            hint = ""
            if high <= 1.0 and hi > 1.0 and hi <= 100.0:
                hint = " — these look like percentages; divide by 100"
            raise DataValidationError(
                f"{table}: column {col!r} has values in [{lo:g}, {hi:g}], "
                f"outside the documented range [{low:g}, {high:g}]{hint}"
            )


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(fetch_file(name))


def _add_compute_columns(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    flops = out["FLOPs (1E21)"].astype(float) * 1e21
    size = out["Model Size (B)"].astype(float) * 1e9
    with np.errstate(divide="ignore", invalid="ignore"):
        out["log10_flops"] = np.where(flops > 0, np.log10(flops), np.nan)
        out["log10_params"] = np.where(size > 0, np.log10(size), np.nan)
    out["is_code_model"] = out["Model Family"].isin(CODE_FAMILIES)
    return out


def _check_base(df: pd.DataFrame, table: str, benchmarks: list[str]) -> pd.DataFrame:
    _require_columns(df, [*_META_COLUMNS, *benchmarks], table)
    _require_unique_models(df, table)
    validate_scores(df, benchmarks, 0.0, 1.0, table)
    validate_scores(df, ["Model Size (B)"], 0.0, 1e5, table)
    validate_scores(df, ["FLOPs (1E21)"], 0.0, 1e8, table)
    return df


# --------------------------------------------------------------------------- loaders


def _subset_mask(df: pd.DataFrame, subset: str) -> pd.Series:
    pre = df["Model"].isin(PREREGISTERED_MODELS)
    paper = df["Model Family"].isin(PAPER_FAMILIES) & ~pre
    masks = {
        "paper": paper,
        "preregistered": pre,
        "extended": ~paper & ~pre,
        "all": pd.Series(True, index=df.index),
    }
    if subset not in masks:
        raise ValueError(f"unknown subset {subset!r}; choose one of {sorted(masks)}")
    return masks[subset]


def load_base_benchmarks(subset: Subset = "paper") -> pd.DataFrame:
    """Base models × standard benchmarks (the matrix B of Sec. 3.2), one row per model.

    Returns the original columns plus ``log10_flops`` (log10 of C = 6ND in FLOPs,
    NaN where the data size is unknown), ``log10_params`` and ``is_code_model``.

    ``subset``: ``"paper"`` (77 models of the paper's 21 families),
    ``"preregistered"`` (the 20 released after the paper), ``"extended"``
    (the other 51 models) or ``"all"`` (148).
    """
    df = _check_base(_read("base_llm_benchmark_eval.csv"), "base_llm_benchmark_eval", BENCHMARKS)
    missing = sorted(set(PREREGISTERED_MODELS) - set(df["Model"]))
    if missing:
        raise DataValidationError(
            f"base_llm_benchmark_eval: pre-registered model(s) {missing} absent"
        )
    df = _add_compute_columns(df)
    return df.loc[_subset_mask(df, subset)].reset_index(drop=True)


def subset_summary() -> pd.DataFrame:
    """Models and families in each subset of :func:`load_base_benchmarks` (index: subset name)."""
    rows = []
    for name in ("paper", "preregistered", "extended", "all"):
        df = load_base_benchmarks(name)  # type: ignore[arg-type]
        rows.append(
            {
                "subset": name,
                "models": len(df),
                "families": df["Model Family"].nunique(),
                "with FLOPs": int(df["log10_flops"].notna().sum()),
            }
        )
    return pd.DataFrame(rows).set_index("subset")


def load_sub10b_benchmarks() -> pd.DataFrame:
    """The same columns as :func:`load_base_benchmarks` for the base models under 10B parameters."""
    df = _check_base(
        _read("base_llm_benchmark_eval_sub_10b.csv"), "base_llm_benchmark_eval_sub_10b", BENCHMARKS
    )
    return _add_compute_columns(df)


EMERGENT_TASKS: dict[str, str] = {
    "parsinlu_qa_2_acc": "Persian QA",
    "word_unscrambling_2_exact_match": "Word unscramble",
    "ipa_transliterate_2_exact_match": "IPA transliterate (EM)",
    "ipa_transliterate_2_bleu": "IPA transliterate (BLEU)",
    "arithmetic_3ds_2_acc": "3-digit subtraction",
    "arithmetic_3da_2_acc": "3-digit addition",
    "arithmetic_2dm_2_acc": "2-digit multiplication",
    "arithmetic_2da_2_acc": "2-digit addition",
}


def load_emergent() -> pd.DataFrame:
    """BIG-Bench "emergent" tasks (2-shot), keyed by ``Model``; BLEU on 0–100, the rest in [0, 1]."""
    table = "base_llm_emergent_capability_eval"
    df = _read(table + ".csv")
    _require_columns(df, ["Model", *EMERGENT_TASKS], table)
    _require_unique_models(df, table)
    bleu = ["ipa_transliterate_2_bleu"]
    validate_scores(df, [c for c in EMERGENT_TASKS if c not in bleu], 0.0, 1.0, table)
    validate_scores(df, bleu, 0.0, 100.0, table)
    return df


POST_TRAINING_TARGETS: dict[str, str] = {
    "gsm8k_5_exact_match,strict-match": "GSM8K naive (5-shot)",
    "gsm8k_cot_8_exact_match,strict-match": "GSM8K CoT (8-shot)",
    "gsm8k_cot_self_consistency_8_exact_match,maj@5": "GSM8K CoT + SC (maj@5)",
}


def load_post_training() -> pd.DataFrame:
    """GSM8K and BBH with and without post-training techniques, keyed by ``Model``.

    Accuracy columns (``*_exact_match,*`` and ``*_acc*`` without ``norm``) are checked
    to lie in [0, 1]; ``norm`` columns are rescaled against chance and may be negative.
    """
    table = "base_llm_post_training_eval"
    df = _read(table + ".csv")
    _require_columns(df, ["Model", *POST_TRAINING_TARGETS], table)
    _require_unique_models(df, table)
    acc = [c for c in df.columns if c != "Model" and "norm" not in c]
    validate_scores(df, acc, 0.0, 1.0, table)
    return df


_INSTRUCT_BENCHMARKS = [
    "MMLU", "ARC-C", "HellaSwag", "Winogrande", "TruthfulQA", "GSM8K", "HumanEval",
]  # fmt: skip


def load_instruct_benchmarks() -> pd.DataFrame:
    """Instruction-tuned models × standard benchmarks (fractions), plus Arena-Elo and MT-Bench."""
    table = "instruct_llm_benchmark_eval"
    df = _read(table + ".csv")
    _require_columns(df, [*_META_COLUMNS, *_INSTRUCT_BENCHMARKS], table)
    _require_unique_models(df, table)
    validate_scores(df, [*_INSTRUCT_BENCHMARKS, "Arena-Elo", "MTBench"], 0.0, 1.0, table)
    return _add_compute_columns(df)


def load_agent_benchmarks() -> pd.DataFrame:
    """Agent benchmarks of the instruct models (AgentBench ``ABench-*``, AgentBoard ``ABoard-*``).

    Sub-scores are percentages in [0, 100]; the AgentBench overall score
    ``ABench-OA`` lies in [0, 10].
    """
    table = "instruct_llm_agent_eval"
    df = _read(table + ".csv")
    _require_columns(df, ["Model", "ABench-OA", "ABoard-Avg_SR", "ABoard-Avg_PR"], table)
    _require_unique_models(df, table)
    pct = [c for c in df.columns if c not in ("Model", "ABench-OA")]
    validate_scores(df, pct, 0.0, 100.0, table)
    validate_scores(df, ["ABench-OA"], 0.0, 10.0, table)
    return df


LEADERBOARD_V2_TASKS: list[str] = [
    "leaderboard_bbh",
    "leaderboard_gpqa",
    "leaderboard_ifeval",
    "leaderboard_math_hard",
    "leaderboard_mmlu_pro",
    "leaderboard_musr",
]


def load_leaderboard_v2() -> pd.DataFrame:
    """Open LLM Leaderboard v2 tasks for base models (raw scores in [0, 1]), keyed by ``Model``."""
    table = "base_llm_leaderboard_v2_eval"
    df = _read(table + ".csv")
    _require_columns(df, ["Model", *LEADERBOARD_V2_TASKS], table)
    _require_unique_models(df, table)
    validate_scores(df, LEADERBOARD_V2_TASKS, 0.0, 1.0, table)
    return df


@dataclass(frozen=True)
class JoinReport:
    """Which models of each side found no partner in :func:`join_on_model`."""

    only_left: tuple[str, ...]
    only_right: tuple[str, ...]


def join_on_model(
    benchmarks: pd.DataFrame,
    target: pd.DataFrame,
    columns: Iterable[str] | Mapping[str, str] | None = None,
    how: Literal["inner", "left"] = "inner",
    return_report: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, JoinReport]:
    """Join target columns onto a benchmark table by ``Model`` (one-to-one).

    ``columns`` selects target columns (a mapping renames them). Models present
    on one side only are listed in the optional :class:`JoinReport`.
    """
    for name, df in (("benchmarks", benchmarks), ("target", target)):
        _require_columns(df, ["Model"], name)
        _require_unique_models(df, name)
    if columns is None:
        tgt = target
    elif isinstance(columns, Mapping):
        _require_columns(target, list(columns), "target")
        tgt = target[["Model", *columns]].rename(columns=dict(columns))
    else:
        cols = list(columns)
        _require_columns(target, cols, "target")
        tgt = target[["Model", *cols]]
    overlap = (set(tgt.columns) & set(benchmarks.columns)) - {"Model"}
    if overlap:
        raise DataValidationError(f"columns present on both sides: {sorted(overlap)}; rename them")
    out = benchmarks.merge(tgt, on="Model", how=how, validate="one_to_one")
    if not return_report:
        return out
    left, right = set(benchmarks["Model"]), set(tgt["Model"])
    return out, JoinReport(tuple(sorted(left - right)), tuple(sorted(right - left)))


def fetch_all() -> dict[str, Path]:
    """Fetch and verify every table of the registry; return their local paths."""
    return {name: fetch_file(name) for name in registry()}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m osl_helpers`` fetches and verifies every table."""
    import sys

    try:
        paths = fetch_all()
    except DataFetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    source = "OSL_DATA_DIR" if os.environ.get("OSL_DATA_DIR") else "cache"
    print(f"{len(paths)} tables verified against data/registry.txt ({source})")
    return 0
