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
and actual hash and what to do about it. A download is bounded in time as a
whole (``OSL_DOWNLOAD_TIMEOUT`` seconds, default 120) and in size, and it is
written to a fresh ``.part`` file that is renamed only once its hash matches.

Every loader validates what it reads, even when the hash check is bypassed
(a readable CSV, the pinned number of rows, required columns, unique model
names, scores in their documented range) and raises
:class:`DataValidationError` otherwise. Known errors of the authors' tables
are corrected on load (:mod:`osl_helpers.errata`, switch off with
``errata=False``), and implausible metadata is flagged with a warning.
"""

from __future__ import annotations

import csv
import hashlib
import os
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from osl_helpers._validation import OSLError, OSLInputError
from osl_helpers.errata import Erratum, apply_errata, warn_errata, warn_implausible

__all__ = [
    "BASE_TABLE",
    "BENCHMARKS",
    "CODE_FAMILIES",
    "COMMIT",
    "DEFAULT_BASE_URL",
    "PAPER_FAMILIES",
    "PREREGISTERED_MODELS",
    "DataFetchError",
    "DataValidationError",
    "Subset",
    "base_table",
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


class DataFetchError(OSLError, RuntimeError):
    """A data file is missing, corrupted or could not be downloaded."""


class DataValidationError(OSLError, ValueError):
    """A table does not have the columns, keys or value ranges it should."""


#: Rows (models) of each pinned table; a different count means a truncated or other file.
TABLE_ROWS: dict[str, int] = {
    "base_llm_benchmark_eval.csv": 148,
    "base_llm_benchmark_eval_sub_10b.csv": 92,
    "base_llm_emergent_capability_eval.csv": 84,
    "base_llm_post_training_eval.csv": 96,
    "instruct_llm_benchmark_eval.csv": 27,
    "instruct_llm_agent_eval.csv": 27,
    "base_llm_leaderboard_v2_eval.csv": 72,
}

#: Bounds of a download: total seconds (env ``OSL_DOWNLOAD_TIMEOUT``), seconds one
#: read may wait, and bytes (every pinned table is far smaller).
DOWNLOAD_TIMEOUT = 120.0
READ_TIMEOUT = 30.0
MAX_DOWNLOAD_BYTES = 50_000_000


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


def _download_timeout() -> float:
    raw = os.environ.get("OSL_DOWNLOAD_TIMEOUT")
    if raw is None:
        return DOWNLOAD_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise DataFetchError(
            f"OSL_DOWNLOAD_TIMEOUT={raw!r} is not a positive number of seconds; "
            "set it to e.g. 120 or unset it"
        )
    return value


def _set_read_timeout(response: Any, seconds: float) -> None:
    # Shorten the socket's wait so that no single read outlives the overall deadline.
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.05))


class _CacheWriteError(Exception):
    """Writing the downloaded bytes to the cache failed (a local problem, not the server's)."""


def _download(url: str, out: Any, total: float, stop: threading.Event | None = None) -> int:
    """Stream ``url`` into the open binary file ``out``; return the number of bytes.

    The whole transfer is bounded by ``total`` seconds and
    :data:`MAX_DOWNLOAD_BYTES`, whatever the server does (a server that
    trickles a byte at a time cannot hold the caller).
    """
    deadline = time.monotonic() + total
    size = 0
    with urllib.request.urlopen(url, timeout=min(READ_TIMEOUT, total)) as response:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (stop is not None and stop.is_set()):
                raise TimeoutError(
                    f"the download took longer than {total:g} s in total ({size} bytes so far)"
                )
            _set_read_timeout(response, min(READ_TIMEOUT, left))
            try:
                chunk = response.read1(1 << 16)
            except TimeoutError as err:
                if time.monotonic() < deadline:
                    raise  # one read waited READ_TIMEOUT s: the server stalled
                raise TimeoutError(
                    f"the download took longer than {total:g} s in total ({size} bytes so far)"
                ) from err
            if not chunk:
                return size
            size += len(chunk)
            if size > MAX_DOWNLOAD_BYTES:
                raise OSError(
                    f"the server sent more than {MAX_DOWNLOAD_BYTES} bytes, far more than any "
                    "pinned table"
                )
            try:
                out.write(chunk)
            except OSError as err:
                raise _CacheWriteError(f"{type(err).__name__}: {err}") from err


def _download_within(url: str, fd: int, total: float) -> None:
    """Run :func:`_download` into the file descriptor ``fd`` and return within about ``total``
    seconds whatever the network does.

    :func:`_download` bounds the body; a stall before it (name lookup, connection,
    headers trickled a byte at a time) is bounded here: the transfer runs in a
    daemon thread that is abandoned, and told to stop, once the time is up.
    """
    outcome: list[BaseException | None] = []
    stop = threading.Event()

    def work() -> None:
        try:
            with os.fdopen(fd, "wb") as out:
                _download(url, out, total, stop)
        except BaseException as err:  # handed to the caller below
            outcome.append(err)
        else:
            outcome.append(None)

    worker = threading.Thread(target=work, name="osl-download", daemon=True)
    worker.start()
    worker.join(total + 1.0)  # the body's own deadline fires first when it can
    if worker.is_alive() or not outcome:
        stop.set()
        raise TimeoutError(f"no complete answer from the server within {total:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _data_dir_path(local: str, name: str, expected: str) -> Path:
    folder = Path(local).expanduser()
    if folder.exists() and not folder.is_dir():
        raise DataFetchError(
            f"OSL_DATA_DIR={local} is a file, not a folder; set OSL_DATA_DIR to the folder that "
            "holds the pinned tables, or unset it to download them."
        )
    if not folder.is_dir():
        raise DataFetchError(
            f"OSL_DATA_DIR={local} does not exist; set it to the folder that holds the pinned "
            "tables, or unset it to download them."
        )
    path = folder / name
    if not path.is_file():
        raise DataFetchError(
            f"{name}: not found in OSL_DATA_DIR={local}.\n  expected sha256 {expected}\n"
            "Put the pinned file there, or unset OSL_DATA_DIR to download it."
        )
    return path


def _prepare_part(tmp: Path) -> str:
    """Clear the way for the download's ``.part`` file; return a note of what was removed.

    A symbolic link there is refused (the download never writes through a link);
    a regular file is the remnant of an interrupted download and is removed.
    """
    if tmp.is_symlink():
        raise DataFetchError(
            f"{tmp} is a symbolic link (to {os.readlink(tmp)}); the download refuses to write "
            f"through a link. No request was made. Remove the link (rm {tmp}) and try again."
        )
    if not tmp.exists():
        return ""
    if not tmp.is_file():
        raise DataFetchError(
            f"{tmp} exists and is not a file; no request was made. Remove it and try again."
        )
    try:
        tmp.unlink()
    except OSError as err:
        raise DataFetchError(
            f"a stale partial download {tmp} could not be removed ({err}); no request was made. "
            "Remove it by hand, or set OSL_DATA_CACHE to another folder."
        ) from err
    return f" (a stale partial download {tmp.name} from an earlier attempt was removed first)"


def fetch_file(name: str) -> Path:
    """Return a local, hash-verified path to the pinned table ``name``.

    Looks in ``$OSL_DATA_DIR``, then the user cache, then downloads from
    ``$OSL_DATA_URL`` (default :data:`DEFAULT_BASE_URL`) into the cache,
    within ``$OSL_DOWNLOAD_TIMEOUT`` seconds in total (default
    :data:`DOWNLOAD_TIMEOUT`).
    """
    reg = registry()
    if name not in reg:
        raise DataFetchError(f"{name!r} is not in the data registry; known files: {sorted(reg)}")
    expected = reg[name]

    local = os.environ.get("OSL_DATA_DIR")
    if local:
        path = _data_dir_path(local, name, expected)
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
    total = _download_timeout()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataFetchError(
            f"{name}: the cache folder {cache} cannot be created ({type(err).__name__}: {err}).\n"
            "Set OSL_DATA_CACHE to a folder you can write to, or OSL_DATA_DIR to a folder "
            "holding the pinned files."
        ) from err
    tmp = cache / (name + ".part")
    note = _prepare_part(tmp)
    cache_remedy = (
        "Set OSL_DATA_CACHE to a folder you can write to, or OSL_DATA_DIR to a folder holding "
        "the pinned files."
    )
    try:
        # Exclusive creation, never through a link: nothing else is written to.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o644)
    except OSError as err:
        raise DataFetchError(
            f"{name}: cannot create {tmp} in the cache ({type(err).__name__}: {err}){note}; "
            f"no request was made.\n{cache_remedy}"
        ) from err
    try:
        _download_within(url, fd, total)
    except Exception as err:  # network errors come in many classes
        tmp.unlink(missing_ok=True)
        if isinstance(err, _CacheWriteError):
            raise DataFetchError(
                f"{name}: writing the download to {tmp} failed ({err}){note}.\n{cache_remedy}"
            ) from err
        raise DataFetchError(
            f"{name}: download from {url} failed ({type(err).__name__}: {err}){note}.\n"
            f"  expected sha256 {expected}\n"
            "Check the network (or raise OSL_DOWNLOAD_TIMEOUT for a slow one), or set "
            "OSL_DATA_DIR to a folder holding the pinned files."
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
    columns = list(columns)
    _require_columns(df, columns, table)
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
    """Read the pinned table ``name`` and check that it is whole: a CSV with ``Model`` as its
    first column, the pinned number of rows and a name in every row.

    The sha256 check of :func:`fetch_file` already guarantees this; these checks are
    defence in depth for a file that reaches the loader another way (a patched
    fetch, an edited mirror) and turn a garbled file into a :class:`DataValidationError`.
    """
    path = fetch_file(name)
    table = name.removesuffix(".csv")
    remedy = (
        "The file is not the pinned table: delete it (or fix OSL_DATA_DIR) so that the "
        "original is fetched again."
    )
    try:
        df = pd.read_csv(path, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        what = {
            UnicodeDecodeError: "is not UTF-8 text",
            pd.errors.EmptyDataError: "is empty",
        }.get(type(err), "is not a well-formed CSV table")
        raise DataValidationError(f"{table}: {path} {what} ({err}). {remedy}") from err
    if list(df.columns[:1]) != ["Model"]:
        raise DataValidationError(
            f"{table}: the first column is {str(df.columns[0])[:40]!r}, not 'Model'. {remedy}"
        )
    expected = TABLE_ROWS.get(name)
    if expected is not None and len(df) != expected:
        raise DataValidationError(
            f"{table}: {len(df)} rows, but the pinned table has {expected}; the file is truncated "
            f"or another version. {remedy}"
        )
    if df["Model"].isna().any():
        raise DataValidationError(
            f"{table}: {int(df['Model'].isna().sum())} row(s) without a model name. {remedy}"
        )
    # pandas pads a row cut short with NaN; the raw rows must all be as wide as the header.
    with path.open(encoding="utf-8", newline="") as fh:
        widths = [len(row) for row in csv.reader(fh) if row]
    short = [i for i, w in enumerate(widths[1:], start=1) if w != widths[0]]
    if short:
        raise DataValidationError(
            f"{table}: line(s) {short[:3]} have {widths[short[0]]} fields instead of "
            f"{widths[0]}; the file is cut short or garbled. {remedy}"
        )
    return df


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
    validate_scores(df, ["Pretraining Data Size (T)"], 0.0, 1e4, table)
    validate_scores(df, ["FLOPs (1E21)"], 0.0, 1e8, table)
    return df


# --------------------------------------------------------------------------- loaders


_SUBSETS = ("paper", "preregistered", "extended", "all")


def _check_errata_flag(errata: object) -> None:
    if not isinstance(errata, bool):
        raise OSLInputError(f"errata must be True or False; got {errata!r}")


def _check_subset(subset: object) -> str:
    if subset in _SUBSETS:
        return str(subset)
    hint = ""
    if isinstance(subset, str) and subset.strip().lower() in _SUBSETS:
        hint = f" (names are lower case: subset={subset.strip().lower()!r})"
    raise OSLInputError(f"unknown subset {subset!r}; choose one of {list(_SUBSETS)}{hint}")


def _subset_mask(df: pd.DataFrame, subset: str) -> pd.Series:
    subset = _check_subset(subset)
    pre = df["Model"].isin(PREREGISTERED_MODELS)
    paper = df["Model Family"].isin(PAPER_FAMILIES) & ~pre
    masks = {
        "paper": paper,
        "preregistered": pre,
        "extended": ~paper & ~pre,
        "all": pd.Series(True, index=df.index),
    }
    return masks[subset]


def load_base_benchmarks(subset: Subset = "paper", *, errata: bool = True) -> pd.DataFrame:
    """Base models × standard benchmarks (the matrix B of Sec. 3.2), one row per model.

    Returns the original columns plus ``log10_flops`` (log10 of C = 6ND in FLOPs,
    NaN where the data size is unknown), ``log10_params`` and ``is_code_model``.

    ``subset``: ``"paper"`` (77 models of the paper's 21 families),
    ``"preregistered"`` (the 20 released after the paper), ``"extended"``
    (the other 51 models) or ``"all"`` (148).

    ``errata``: apply the corrections of :data:`osl_helpers.errata.ERRATA`
    (BTLM-3B-8k's training tokens and FLOPs), with a
    :class:`~osl_helpers.errata.DataErratumWarning` when a corrected model is
    among the rows returned; ``False`` returns the authors' numbers exactly.
    Rows that fail :func:`~osl_helpers.errata.plausibility_report` are
    flagged with an :class:`~osl_helpers.errata.ImplausibleDataWarning`.
    """
    out, applied = base_table(subset, errata=errata)
    warn_errata(applied, BASE_TABLE, out["Model"])
    warn_implausible(out, BASE_TABLE)
    return out


#: File name of the base-model table B.
BASE_TABLE = "base_llm_benchmark_eval.csv"


def base_table(
    subset: Subset = "paper", *, errata: bool = True
) -> tuple[pd.DataFrame, list[Erratum]]:
    """:func:`load_base_benchmarks` without its warnings, plus the errata it applied.

    For code that uses a few rows of the table (a cutoff model, a reference
    family) and warns, with :func:`osl_helpers.errata.warn_errata`, only about
    the rows it returns.
    """
    _check_subset(subset)
    _check_errata_flag(errata)
    df = _check_base(_read(BASE_TABLE), "base_llm_benchmark_eval", BENCHMARKS)
    missing = sorted(set(PREREGISTERED_MODELS) - set(df["Model"]))
    if missing:
        raise DataValidationError(
            f"base_llm_benchmark_eval: pre-registered model(s) {missing} absent"
        )
    df, applied = apply_errata(df, BASE_TABLE) if errata else (df, [])
    df = _add_compute_columns(df)
    return df.loc[_subset_mask(df, subset)].reset_index(drop=True), applied


def subset_summary() -> pd.DataFrame:
    """Models and families in each subset of :func:`load_base_benchmarks` (index: subset name)."""
    rows = []
    for name in ("paper", "preregistered", "extended", "all"):
        df = base_table(name)[0]  # type: ignore[arg-type]  # counts only: no warnings
        rows.append(
            {
                "subset": name,
                "models": len(df),
                "families": df["Model Family"].nunique(),
                "with FLOPs": int(df["log10_flops"].notna().sum()),
            }
        )
    return pd.DataFrame(rows).set_index("subset")


def load_sub10b_benchmarks(*, errata: bool = True) -> pd.DataFrame:
    """The same columns as :func:`load_base_benchmarks` for the base models under 10B parameters.

    ``errata`` as in :func:`load_base_benchmarks`.
    """
    _check_errata_flag(errata)
    name = "base_llm_benchmark_eval_sub_10b.csv"
    df = _check_base(_read(name), "base_llm_benchmark_eval_sub_10b", BENCHMARKS)
    df, applied = apply_errata(df, name) if errata else (df, [])
    out = _add_compute_columns(df)
    warn_errata(applied, name, out["Model"])
    warn_implausible(out, name)
    return out


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
    out = _add_compute_columns(df)
    warn_implausible(out, table)
    return out


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
    if how not in ("inner", "left"):
        raise OSLInputError(f"how must be 'inner' or 'left'; got {how!r}")
    for name, df in (("benchmarks", benchmarks), ("target", target)):
        if not isinstance(df, pd.DataFrame):
            raise OSLInputError(f"{name} must be a DataFrame with a 'Model' column")
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
