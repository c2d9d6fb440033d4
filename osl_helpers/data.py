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

A second family of tables, the final Open LLM Leaderboard v1 and v2 exported
by ``fboulnois/llm-leaderboard-csv`` (MPL-2.0), goes through the same
mechanism with its own pinned commit and its own variables
``OSL_OLL_DATA_DIR`` and ``OSL_OLL_DATA_URL`` (see :data:`SOURCES`);
:func:`load_open_llm_leaderboard` reads it.

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
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from osl_helpers._validation import OSLError, OSLInputError, require_columns
from osl_helpers.errata import Erratum, apply_errata, warn_errata, warn_implausible

__all__ = [
    "ARITHMETIC_CUTOFF_FLOPS",
    "BASE_TABLE",
    "BENCHMARKS",
    "CHANCE",
    "CODE_FAMILIES",
    "COMMIT",
    "DEFAULT_BASE_URL",
    "LLAMA2_7B_FLOPS",
    "OLL_COMMIT",
    "OLL_FILES",
    "OLL_MODEL_TYPES",
    "OLL_TASKS",
    "PAPER_FAMILIES",
    "PREREGISTERED_MODELS",
    "SOURCES",
    "DataFetchError",
    "DataSource",
    "DataValidationError",
    "JoinReport",
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
    "load_open_llm_leaderboard",
    "load_post_training",
    "load_sub10b_benchmarks",
    "normalize_model_type",
    "registry",
    "short_name",
    "short_names",
    "source_of",
    "subset_summary",
    "validate_scores",
]

COMMIT = "4d6e1e43fd2635d04654aa77d1df9d5266ea0382"
DEFAULT_BASE_URL = f"https://raw.githubusercontent.com/ryoungj/ObsScaling/{COMMIT}/eval_results/"
#: Commit of ``fboulnois/llm-leaderboard-csv`` (tag v1.3.0) holding the final Open LLM
#: Leaderboard v1 and v2 tables.
OLL_COMMIT = "b2d67d9157535832a3adb35773f3a7c49425059a"


@dataclass(frozen=True)
class DataSource:
    """One family of pinned tables: where it is downloaded from and how to redirect it.

    ``dir_env`` names the environment variable of a local folder holding the
    files (authoritative when set), ``url_env`` the one that overrides the
    download base URL.
    """

    key: str
    repository: str
    commit: str
    folder: str
    licence: str
    dir_env: str
    url_env: str

    @property
    def base_url(self) -> str:
        """``https://raw.githubusercontent.com/<repository>/<commit>/<folder>``."""
        return f"https://raw.githubusercontent.com/{self.repository}/{self.commit}/{self.folder}"


#: The table families of the registry. A registry line without a URL belongs to
#: the paper's tables; a line with a URL to the source whose base URL it starts with.
SOURCES: dict[str, DataSource] = {
    "obsscaling": DataSource(
        "obsscaling", "ryoungj/ObsScaling", COMMIT, "eval_results/", "Apache-2.0",
        "OSL_DATA_DIR", "OSL_DATA_URL",
    ),
    "oll": DataSource(
        "oll", "fboulnois/llm-leaderboard-csv", OLL_COMMIT, "csv/", "MPL-2.0",
        "OSL_OLL_DATA_DIR", "OSL_OLL_DATA_URL",
    ),
}  # fmt: skip

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

#: Chance accuracy of each standard benchmark (0 for generative ones). TruthfulQA (MC2)
#: has no single chance level and is left out.
CHANCE: dict[str, float] = {
    "MMLU": 0.25, "ARC-C": 0.25, "HellaSwag": 0.25, "Winograd": 0.5,
    "GSM8K": 0.0, "XWinograd": 0.5, "HumanEval": 0.0,
}  # fmt: skip

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

#: Training FLOPs of Llama-2-7B, 6 × 7e9 parameters × 2e12 tokens: the paper's default cutoff.
LLAMA2_7B_FLOPS = 8.4e22
#: The lower cutoff the paper uses for the arithmetic tasks (in FLOPs).
ARITHMETIC_CUTOFF_FLOPS = 2.2e22

Subset = Literal["paper", "preregistered", "paper_and_preregistered", "extended", "all"]

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
    "huggingface_v1.csv": 7169,
    "huggingface_v2.csv": 4576,
}

#: The column that names the model in each table: ``Model``, first, in the authors'
#: tables; the Open LLM Leaderboard exports name it elsewhere.
KEY_COLUMN: dict[str, str] = {"huggingface_v1.csv": "fullname", "huggingface_v2.csv": "model_name"}

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


def _registry_entries() -> dict[str, tuple[str, DataSource]]:
    """``{file name: (sha256, source)}`` from the registry (pooch's format, optional URL)."""
    out: dict[str, tuple[str, DataSource]] = {}
    for line in _registry_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) not in (2, 3):
            raise DataFetchError(f"Malformed registry line: {line!r}")
        name, digest = fields[:2]
        algo, _, value = digest.partition(":")
        if algo != "sha256" or len(value) != 64:
            raise DataFetchError(f"Malformed registry line for {name!r}: {digest!r}")
        source = SOURCES["obsscaling"]
        if len(fields) == 3:
            found = [s for s in SOURCES.values() if fields[2] == s.base_url + name]
            if not found:
                raise DataFetchError(
                    f"Registry line for {name!r}: URL {fields[2]!r} is not a pinned source "
                    f"({', '.join(s.base_url for s in SOURCES.values())})"
                )
            source = found[0]
        out[name] = (value.lower(), source)
    return out


def registry() -> dict[str, str]:
    """Return ``{file name: sha256 hex digest}`` for the pinned tables (every source)."""
    return {name: digest for name, (digest, _) in _registry_entries().items()}


def source_of(name: str) -> DataSource:
    """The :class:`DataSource` a registered file comes from."""
    entries = _registry_entries()
    if name not in entries:
        raise DataFetchError(
            f"{name!r} is not in the data registry; known files: {sorted(entries)}"
        )
    return entries[name][1]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _cache_dir(source: DataSource | None = None) -> Path:
    env = os.environ.get("OSL_DATA_CACHE")
    if env:
        return Path(env).expanduser()
    import pooch

    commit = COMMIT if source is None else source.commit
    return Path(pooch.os_cache("osl_helpers")) / commit[:12]


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


def _data_dir_path(local: str, name: str, expected: str, env: str = "OSL_DATA_DIR") -> Path:
    folder = Path(local).expanduser()
    if folder.exists() and not folder.is_dir():
        raise DataFetchError(
            f"{env}={local} is a file, not a folder; set {env} to the folder that "
            "holds the pinned tables, or unset it to download them."
        )
    if not folder.is_dir():
        raise DataFetchError(
            f"{env}={local} does not exist; set it to the folder that holds the pinned "
            "tables, or unset it to download them."
        )
    path = folder / name
    if not path.is_file():
        raise DataFetchError(
            f"{name}: not found in {env}={local}.\n  expected sha256 {expected}\n"
            f"Put the pinned file there, or unset {env} to download it."
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
    ``DOWNLOAD_TIMEOUT``). Files of another :data:`SOURCES` entry use that
    source's variables instead (e.g. ``OSL_OLL_DATA_DIR`` and ``OSL_OLL_DATA_URL``
    for the Open LLM Leaderboard).
    """
    reg = registry()
    if name not in reg:
        raise DataFetchError(f"{name!r} is not in the data registry; known files: {sorted(reg)}")
    expected = reg[name]
    src = source_of(name)

    local = os.environ.get(src.dir_env)
    if local:
        path = _data_dir_path(local, name, expected, src.dir_env)
        return _verify(
            path, name, expected, src.dir_env,
            "The local copy differs from the pinned commit; replace it with the original file.",
        )  # fmt: skip

    cache = _cache_dir(src)
    path = cache / name
    if path.is_file():
        return _verify(
            path, name, expected, "the download cache",
            f"Delete {path} so that it is downloaded again.",
        )  # fmt: skip

    base = os.environ.get(src.url_env, src.base_url)
    if not base.endswith("/"):
        base += "/"
    url = base + name
    total = _download_timeout()
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DataFetchError(
            f"{name}: the cache folder {cache} cannot be created ({type(err).__name__}: {err}).\n"
            f"Set OSL_DATA_CACHE to a folder you can write to, or {src.dir_env} to a folder "
            "holding the pinned files."
        ) from err
    tmp = cache / (name + ".part")
    note = _prepare_part(tmp)
    cache_remedy = (
        f"Set OSL_DATA_CACHE to a folder you can write to, or {src.dir_env} to a folder holding "
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
            f"{src.dir_env} to a folder holding the pinned files."
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


def short_name(model: str) -> str:
    """A model's name without its organisation, e.g. ``meta-llama/Llama-2-7b-hf`` → ``Llama-2-7b-hf``."""
    return str(model).split("/")[-1]


def short_names(models: Iterable[str]) -> list[str]:
    """:func:`short_name` of every model, in order."""
    return [short_name(m) for m in models]


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
    require_columns(df, columns, table, error=DataValidationError)
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
    """Read the pinned table ``name`` and check that it is whole: a CSV with its model column
    (``Model``, first, or the one :data:`KEY_COLUMN` names), the pinned number of rows and a
    name in every row.

    The sha256 check of :func:`fetch_file` already guarantees this; these checks are
    defence in depth for a file that reaches the loader another way (a patched
    fetch, an edited mirror) and turn a garbled file into a :class:`DataValidationError`.
    """
    path = fetch_file(name)
    table = name.removesuffix(".csv")
    remedy = (
        f"The file is not the pinned table: delete it (or fix {source_of(name).dir_env}) so "
        "that the original is fetched again."
    )
    try:
        df = pd.read_csv(path, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError) as err:
        what = {
            UnicodeDecodeError: "is not UTF-8 text",
            pd.errors.EmptyDataError: "is empty",
        }.get(type(err), "is not a well-formed CSV table")
        raise DataValidationError(f"{table}: {path} {what} ({err}). {remedy}") from err
    key = KEY_COLUMN.get(name, "Model")
    if key == "Model" and list(df.columns[:1]) != ["Model"]:
        raise DataValidationError(
            f"{table}: the first column is {str(df.columns[0])[:40]!r}, not 'Model'. {remedy}"
        )
    if key not in df.columns:
        raise DataValidationError(f"{table}: no {key!r} column naming the models. {remedy}")
    expected = TABLE_ROWS.get(name)
    if expected is not None and len(df) != expected:
        raise DataValidationError(
            f"{table}: {len(df)} rows, but the pinned table has {expected}; the file is truncated "
            f"or another version. {remedy}"
        )
    if df[key].isna().any():
        raise DataValidationError(
            f"{table}: {int(df[key].isna().sum())} row(s) without a model name. {remedy}"
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
    require_columns(df, [*_META_COLUMNS, *benchmarks], table, error=DataValidationError)
    _require_unique_models(df, table)
    validate_scores(df, benchmarks, 0.0, 1.0, table)
    validate_scores(df, ["Model Size (B)"], 0.0, 1e5, table)
    validate_scores(df, ["Pretraining Data Size (T)"], 0.0, 1e4, table)
    validate_scores(df, ["FLOPs (1E21)"], 0.0, 1e8, table)
    return df


# --------------------------------------------------------------------------- loaders


_SUBSETS: tuple[str, ...] = get_args(Subset)


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
        "paper_and_preregistered": paper | pre,
        "extended": ~paper & ~pre,
        "all": pd.Series(True, index=df.index),
    }
    return masks[subset]


def load_base_benchmarks(subset: Subset = "paper", *, errata: bool = True) -> pd.DataFrame:
    """Base models × standard benchmarks (the matrix B of Sec. 3.2), one row per model.

    Returns the original columns plus ``log10_flops`` (log10 of C = 6ND in FLOPs,
    NaN where the data size is unknown), ``log10_params`` and ``is_code_model``.

    ``subset``: ``"paper"`` (77 models of the paper's 21 families),
    ``"preregistered"`` (the 20 released after the paper),
    ``"paper_and_preregistered"`` (both: the models the authors evaluated
    themselves, their leaderboard-v2 analysis), ``"extended"``
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
    require_columns(df, ["Model", *EMERGENT_TASKS], table, error=DataValidationError)
    _require_unique_models(df, table)
    bleu = ["ipa_transliterate_2_bleu"]
    validate_scores(df, [c for c in EMERGENT_TASKS if c not in bleu], 0.0, 1.0, table)
    validate_scores(df, bleu, 0.0, 100.0, table)
    return df


POST_TRAINING_TARGETS: dict[str, str] = {
    "gsm8k_5_exact_match,flexible-extract": "GSM8K naive (5-shot)",
    "gsm8k_cot_8_exact_match,flexible-extract": "GSM8K CoT (8-shot)",
    "gsm8k_cot_self_consistency_8_exact_match,score-first-flexible-extract": "GSM8K CoT, 1 sample",
    "gsm8k_cot_self_consistency_8_exact_match,maj@5-flexible-extract": "GSM8K CoT + SC (maj@5)",
}


def load_post_training() -> pd.DataFrame:
    """GSM8K and BBH with and without post-training techniques, keyed by ``Model``.

    Accuracy columns (``*_exact_match,*`` and ``*_acc*`` without ``norm``) are checked
    to lie in [0, 1]; ``norm`` columns are rescaled against chance and may be negative.
    """
    table = "base_llm_post_training_eval"
    df = _read(table + ".csv")
    require_columns(df, ["Model", *POST_TRAINING_TARGETS], table, error=DataValidationError)
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
    require_columns(df, [*_META_COLUMNS, *_INSTRUCT_BENCHMARKS], table, error=DataValidationError)
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
    require_columns(
        df,
        ["Model", "ABench-OA", "ABoard-Avg_SR", "ABoard-Avg_PR"],
        table,
        error=DataValidationError,
    )
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
    require_columns(df, ["Model", *LEADERBOARD_V2_TASKS], table, error=DataValidationError)
    _require_unique_models(df, table)
    validate_scores(df, LEADERBOARD_V2_TASKS, 0.0, 1.0, table)
    return df


# --------------------------------------------------------------------------- Open LLM Leaderboard

#: The six tasks of each Open LLM Leaderboard version, under the leaderboard's own names.
OLL_TASKS: dict[str, list[str]] = {
    "v1": ["ARC", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande", "GSM8K"],
    "v2": ["IFEval", "BBH", "MATH Lvl 5", "GPQA", "MUSR", "MMLU-PRO"],
}
#: File of each version in the ``oll`` source.
OLL_FILES: dict[str, str] = {"v1": "huggingface_v1.csv", "v2": "huggingface_v2.csv"}
#: The fixed vocabulary of :func:`load_open_llm_leaderboard`'s ``Model Type`` column.
OLL_MODEL_TYPES: tuple[str, ...] = (
    "pretrained", "continuously pretrained", "fine-tuned", "chat", "merge", "other", "unknown",
)  # fmt: skip
#: Raw model-type labels of both versions, lower-cased and reduced to letters and
#: hyphens (v1 writes "💬 chat models (RLHF, DPO, IFT, ...)", v2 "chatmodels").
_OLL_TYPE_KEYS: dict[str, str] = {
    "pretrained": "pretrained",
    "continuouslypretrained": "continuously pretrained",
    "fine-tunedondomain-specificdatasets": "fine-tuned",
    "chatmodelsrlhfdpoift": "chat",
    "chatmodels": "chat",
    "basemergesandmoerges": "merge",
    "multimodal": "other",
    "other": "other",
}
#: Precisions that are not quantised; the duplicate rule prefers them.
_FULL_PRECISION = ("bfloat16", "float16", "float32")

OLLVersion = Literal["v1", "v2"]


@dataclass(frozen=True)
class _OLLSpec:
    """Raw column names of one leaderboard version and how its flags read."""

    model: str
    type: str
    precision: str
    weight_type: str
    architecture: str
    params: str
    date: str
    scores: dict[str, str]  # raw column → task name
    in_percent: bool
    # tidy flag name → (raw column, True if the raw column reads inverted)
    flags: dict[str, tuple[str, bool]]
    extra: dict[str, str]  # raw column → tidy name, copied as is


_OLL_SPECS: dict[str, _OLLSpec] = {
    "v1": _OLLSpec(
        model="fullname", type="type", precision="precision", weight_type="weight_type",
        architecture="architecture", params="params_b", date="date",
        scores=dict(zip(
            ["arc", "hellaswag", "mmlu", "truthfulqa", "winogrande", "gsm8k"],
            OLL_TASKS["v1"], strict=True,
        )),
        in_percent=True,
        # Inverted in the export: the contamination demonstration has flagged = False,
        # Mixtral moe = False, mergekit merges merged = False (see _OLL_ANCHORS).
        flags={
            "merged": ("merged", True), "moe": ("moe", True), "flagged": ("flagged", True),
            "available_on_hub": ("available_on_the_hub", False),
        },
        extra={},
    ),
    "v2": _OLLSpec(
        model="model_name", type="model_type", precision="model_precision",
        weight_type="model_weight_type", architecture="model_architecture",
        params="metadata_params_billions", date="metadata_submission_date",
        scores=dict(zip(
            [f"evaluations_{t}_value" for t in ("ifeval", "bbh", "math", "gpqa", "musr", "mmlu_pro")],
            OLL_TASKS["v2"], strict=True,
        )),
        in_percent=False,
        # "is_not_available_on_hub" is True for Meta's own Llama-3 and False for models
        # whose base model reads "Removed": it holds availability, despite its name.
        flags={
            "merged": ("features_is_merged", False), "moe": ("features_is_moe", False),
            "flagged": ("features_is_flagged", False),
            "available_on_hub": ("features_is_not_available_on_hub", False),
            "official_provider": ("features_is_official_provider", False),
        },
        extra={
            "metadata_base_model": "base_model", "metadata_upload_date": "upload_date",
            "model_has_chat_template": "chat_template", "metadata_generation": "generation",
        },
    ),
}  # fmt: skip

#: Known models pinning the meaning of every flag column: (model, flag, true value).
_OLL_ANCHORS: dict[str, list[tuple[str, str, bool]]] = {
    "v1": [
        ("Contamination/contaminated_proof_7b_v1.0", "flagged", True),
        ("meta-llama/Llama-2-7b-hf", "flagged", False),
        ("mistralai/Mixtral-8x7B-v0.1", "moe", True),
        ("mistralai/Mistral-7B-v0.1", "moe", False),
        ("mlabonne/Beagle14-7B", "merged", True),
        ("meta-llama/Llama-2-7b-hf", "merged", False),
        ("meta-llama/Llama-2-7b-hf", "available_on_hub", True),
    ],
    "v2": [
        ("newsbang/Homer-v0.5-Qwen2.5-7B", "flagged", True),
        ("meta-llama/Meta-Llama-3-8B", "flagged", False),
        ("mistralai/Mixtral-8x7B-v0.1", "moe", True),
        ("meta-llama/Meta-Llama-3-8B", "moe", False),
        ("mlabonne/Daredevil-8B", "merged", True),
        ("meta-llama/Meta-Llama-3-8B", "merged", False),
        ("meta-llama/Meta-Llama-3-8B", "available_on_hub", True),
        ("meta-llama/Meta-Llama-3-8B", "official_provider", True),
    ],
}


def normalize_model_type(raw: pd.Series, table: str = "leaderboard") -> pd.Series:
    """Map raw leaderboard model-type labels of either version to :data:`OLL_MODEL_TYPES`.

    A label is lower-cased and reduced to letters and hyphens, so v1's
    "🔶 fine-tuned on domain-specific datasets" and v2's emoji-less
    "fine-tunedondomain-specificdatasets" both become ``"fine-tuned"``. A missing
    label is ``"unknown"``; a label outside the mapping raises
    :class:`DataValidationError` rather than being guessed.
    """
    keys = raw.astype("string").str.lower().str.replace(r"[^a-z\-]", "", regex=True)
    out = keys.map(_OLL_TYPE_KEYS)
    unmapped = sorted(set(raw[out.isna() & raw.notna()].astype(str)))
    if unmapped:
        raise DataValidationError(
            f"{table}: unknown model type label(s) {unmapped}; add them to the mapping "
            "in osl_helpers.data (_OLL_TYPE_KEYS)"
        )
    return out.fillna("unknown").astype(str)


def _oll_bool(series: pd.Series, column: str, table: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype(bool)
    text = series.astype("string").str.strip().str.upper()
    out = text.map({"TRUE": True, "FALSE": False})
    if out.isna().any():
        bad = sorted(set(series[out.isna()].astype(str)))[:5]
        raise DataValidationError(f"{table}: column {column!r} is not boolean (values {bad})")
    return out.astype(bool)


def _oll_dates(series: pd.Series, column: str, table: str) -> pd.Series:
    parsed = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
    bad = series.notna() & parsed.isna()
    if bad.any():
        raise DataValidationError(
            f"{table}: column {column!r} has unreadable dates, e.g. {series[bad].iloc[0]!r}"
        )
    return parsed.dt.tz_localize(None)


def _oll_scores(raw: pd.DataFrame, spec: _OLLSpec, table: str) -> pd.DataFrame:
    cols = list(spec.scores)
    for col in cols:
        if not pd.api.types.is_numeric_dtype(raw[col]):
            raise DataValidationError(f"{table}: column {col!r} is not numeric")
    hi = float(np.nanmax(raw[cols].to_numpy(dtype=float)))
    if spec.in_percent and hi <= 1.0:
        raise DataValidationError(
            f"{table}: scores are at most {hi:g}, so they look like fractions, but this "
            "export stores percentages; check that the file is the pinned one"
        )
    if not spec.in_percent and hi > 1.0:
        raise DataValidationError(
            f"{table}: scores reach {hi:g} — these look like percentages; this export "
            "stores fractions in [0, 1] (divide by 100, or use the pinned file)"
        )
    scores = raw[cols].astype(float) / (100.0 if spec.in_percent else 1.0)
    scores.columns = [spec.scores[c] for c in cols]
    validate_scores(scores, list(scores.columns), 0.0, 1.0, table)
    return scores


def _oll_base_model(base: pd.Series, model: pd.Series) -> pd.Series:
    """Parent model of each row: the raw entry without " (Merge)", missing when it names the
    model itself (no parent recorded) or reads "Removed"."""
    clean = base.astype("string").str.replace(r"\s*\(Merge\)$", "", regex=True).str.strip()
    none = (clean.isna() | (clean == model) | (clean == "Removed") | (clean == "")).fillna(True)
    return clean.astype(object).where(~none.astype(bool), np.nan)


def _oll_deduplicate(tidy: pd.DataFrame) -> pd.DataFrame:
    """One row per model, by the rule of :func:`load_open_llm_leaderboard`."""
    key = pd.DataFrame(
        {
            "complete": tidy["n_scores"],
            "full_precision": tidy["precision"].isin(_FULL_PRECISION),
            "typed": tidy["Model Type"] != "unknown",
            "date": tidy["date"].fillna(pd.Timestamp("1970-01-01")),  # unknown dates last
            "order": -np.arange(len(tidy)),
        }
    )
    order = key.sort_values(list(key.columns), ascending=False, kind="stable").index
    n_rows = tidy.groupby("Model")["Model"].transform("size")
    out = tidy.assign(n_rows=n_rows).loc[order].drop_duplicates("Model", keep="first")
    return out.sort_values("Model", kind="stable").reset_index(drop=True)


def _check_oll_anchors(df: pd.DataFrame, version: str, table: str) -> None:
    by_model = df.set_index("Model")
    for model, flag, expected in _OLL_ANCHORS[version]:
        if model in by_model.index and bool(by_model.at[model, flag]) != expected:
            raise DataValidationError(
                f"{table}: {model} has {flag} = {not expected}, but it is known to be "
                f"{expected}; the export's flag columns may have changed meaning — "
                "check them against known models before using them"
            )


def _tidy_oll(raw: pd.DataFrame, version: str) -> pd.DataFrame:
    spec = _OLL_SPECS[version]
    table = f"open_llm_leaderboard_{version}"
    flag_cols = [c for c, _ in spec.flags.values()]
    required = [
        spec.model, spec.type, spec.precision, spec.weight_type, spec.architecture,
        spec.params, spec.date, *spec.scores, *flag_cols, *spec.extra,
    ]  # fmt: skip
    require_columns(raw, required, table, error=DataValidationError)
    if raw[spec.model].isna().any():
        raise DataValidationError(f"{table}: {int(raw[spec.model].isna().sum())} rows lack a model")
    scores = _oll_scores(raw, spec, table)
    params = raw[spec.params].astype(float)
    validate_scores(raw, [spec.params], -1.0, 1e4, table)
    # v1 rounds to whole billions and writes 0 for unknown (and < 0.5B); v2 writes -1.
    params = params.where(params > 0)
    tidy = pd.DataFrame(
        {
            "Model": raw[spec.model].astype(str),
            "Model Type": normalize_model_type(raw[spec.type], table),
            "type_raw": raw[spec.type].astype(object),
            **{c: scores[c] for c in scores.columns},
            "params_b": params,
            "log10_params": np.log10(params * 1e9),
            "date": _oll_dates(raw[spec.date], spec.date, table),
            "precision": raw[spec.precision].astype(object),
            "weight_type": raw[spec.weight_type].astype(object),
            "architecture": raw[spec.architecture].astype(object),
        }
    )
    for name, (col, inverted) in spec.flags.items():
        values = _oll_bool(raw[col], col, table)
        tidy[name] = ~values if inverted else values
    for col, name in spec.extra.items():
        tidy[name] = raw[col]
    if "base_model" in tidy:
        tidy["base_model"] = _oll_base_model(tidy["base_model"], tidy["Model"])
    if "upload_date" in tidy:
        tidy["upload_date"] = _oll_dates(tidy["upload_date"], "upload_date", table)
    tidy["n_scores"] = scores.notna().sum(axis=1)
    out = _oll_deduplicate(tidy).drop(columns="n_scores")
    _require_unique_models(out, table)
    _check_oll_anchors(out, version, table)
    return out


def load_open_llm_leaderboard(version: OLLVersion) -> pd.DataFrame:
    """The final Open LLM Leaderboard ``"v1"`` or ``"v2"`` table, one row per distinct model.

    Read from the pinned CSV export (source ``oll`` of :data:`SOURCES`;
    ``OSL_OLL_DATA_DIR`` names a local folder holding it). Columns:

    * ``Model`` (repository id), ``Model Type`` (one of :data:`OLL_MODEL_TYPES`,
      see :func:`normalize_model_type`) and the raw ``type_raw``;
    * the six tasks of :data:`OLL_TASKS` under the leaderboard's names, as
      fractions in [0, 1] (v1's percentages divided by 100; v2's raw scores,
      not the leaderboard's chance-normalised ones);
    * ``params_b`` (billions; NaN when unknown — v1 rounds to whole billions and
      writes 0 below 0.5B, which is read as unknown), ``log10_params`` (log10 of
      the parameter count), ``date`` (submission time), ``precision``,
      ``weight_type``, ``architecture``;
    * booleans ``merged``, ``moe``, ``flagged`` (suspected of contamination or
      misreporting by the leaderboard) and ``available_on_hub``, checked against
      known models on every load; v1's exported ``merged``, ``moe`` and
      ``flagged`` read inverted and are corrected here;
    * v2 only: ``official_provider``, ``base_model`` (the recorded parent, NaN
      when the entry names the model itself, is a merge marker of itself or
      reads "Removed"), ``upload_date``, ``chat_template``, ``generation``;
    * ``n_rows``: how many rows of the raw table the model had.

    **Duplicate rule.** The export repeats a model evaluated more than once
    (another precision or revision). Of its rows, the one kept has (1) the most
    task scores, then (2) an unquantised precision (bfloat16, float16, float32),
    then (3) a known model type, then (4) the latest submission date, then (5)
    the first position in the file. The rule never looks at the scores
    themselves: keeping the best run would bias every model upwards by the
    noise between runs. Later submissions are re-evaluations of the newest
    revision and often carry corrected metadata (Mixtral-8x7B-v0.1 is
    "pretrained" in its latest v2 row, "fine-tuned" in an earlier one).

    Raises :class:`DataFetchError` for a missing or altered file and
    :class:`DataValidationError` for missing columns, scores on the wrong
    scale (percent where fractions are expected, or the reverse), values out
    of range, unknown type labels, unreadable dates or flags that contradict
    the known models.
    """
    if version not in OLL_FILES:
        raise DataValidationError(f"unknown leaderboard version {version!r}; use 'v1' or 'v2'")
    return _tidy_oll(_read(OLL_FILES[version]), version)


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
        require_columns(df, ["Model"], name, error=DataValidationError)
        _require_unique_models(df, name)
    if columns is None:
        tgt = target
    elif isinstance(columns, Mapping):
        require_columns(target, list(columns), "target", error=DataValidationError)
        tgt = target[["Model", *columns]].rename(columns=dict(columns))
    else:
        cols = list(columns)
        require_columns(target, cols, "target", error=DataValidationError)
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
    where = ", ".join(
        f"{s.key} from {s.dir_env if os.environ.get(s.dir_env) else 'cache'}"
        for s in SOURCES.values()
    )
    print(f"{len(paths)} tables verified against data/registry.txt ({where})")
    return 0
