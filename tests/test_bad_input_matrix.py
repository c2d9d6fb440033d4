"""The bad-input matrix: every public entry point returns a right result or raises a named error.

One parametrised table. Each row is one input an adversarial user might try;
it expects either an error of the package's own (a subclass of
``osl_helpers.OSLError``) whose message contains a phrase that says what is
wrong or what to do, or a result that a check confirms is right. Rows that
could hang (slow servers) also assert how long they took.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import osl_helpers as osl
import osl_helpers.chapters.emergence
from osl_helpers import _validation as v
from osl_helpers import byo, compute, data, errata, evaluation, uncertainty
from osl_helpers.chapters import compute_lines, lowrank, unified_scale
from osl_helpers.chapters import did_it_hold as hold
from osl_helpers.setups import TaskData

BASE = "base_llm_benchmark_eval.csv"
Law = osl.ObservationalScalingLaw


# --------------------------------------------------------------------------- fixtures


@dataclass
class Env:
    """What a row may use: two tasks, the paper's base table with S, a temporary folder,
    a monkeypatch and local HTTP servers (closed after the row)."""

    X: pd.DataFrame  # gsm8k_cot training models
    y: pd.Series
    Xw: pd.DataFrame  # word_unscramble training models (the issue's reproducers)
    yw: pd.Series
    code_w: pd.Series  # their is_code_model flags
    frame: pd.DataFrame  # paper base table with PC-1..PC-3
    pinned: Path  # the verified base table
    tmp: Path
    mp: pytest.MonkeyPatch
    stack: contextlib.ExitStack

    def serve(self, handler: type[http.server.BaseHTTPRequestHandler]) -> str:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()

        def stop() -> None:
            httpd.shutdown()
            httpd.server_close()

        self.stack.callback(stop)
        return f"http://127.0.0.1:{httpd.server_address[1]}/"

    def serve_folder(self, folder: Path) -> str:
        return self.serve(functools.partial(_Quiet, directory=str(folder)))  # type: ignore[arg-type]

    def isolate(self, timeout: float | None = None) -> Path:
        """No OSL_DATA_DIR, an empty private cache; returns the cache folder."""
        self.mp.delenv("OSL_DATA_DIR", raising=False)
        cache = self.tmp / "cache"
        self.mp.setenv("OSL_DATA_CACHE", str(cache))
        if timeout is not None:
            self.mp.setenv("OSL_DOWNLOAD_TIMEOUT", str(timeout))
        return cache

    def law(self) -> osl.ObservationalScalingLaw:
        return Law(3, link="sigmoid", loss="huber")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Trickle(http.server.BaseHTTPRequestHandler):
    """Promises 10,000 bytes and sends one every two seconds."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "10000")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(10_000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(2.0)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _TrickleHeaders(http.server.BaseHTTPRequestHandler):
    """Never finishes its headers: one byte every half second."""

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            for ch in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 10_000:
                self.wfile.write(bytes([ch]))
                self.wfile.flush()
                time.sleep(0.5)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shared(gsm8k_cot: TaskData, paper_models: pd.DataFrame) -> dict[str, Any]:
    gsm = gsm8k_cot
    word = osl.load_task("word_unscramble")
    return {
        "X": gsm.X_train,
        "y": gsm.y_train,
        "Xw": word.X_train,
        "yw": word.y_train,
        "code_w": word.frame.loc[word.X_train.index, "is_code_model"],
        "frame": paper_models,
        "pinned": data.fetch_file(BASE),
    }


@pytest.fixture()
def env(shared: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    with contextlib.ExitStack() as stack:
        yield Env(**shared, tmp=tmp_path, mp=monkeypatch, stack=stack)


# --------------------------------------------------------------------------- helpers


def _text_in(column: str, word: str) -> Callable[[Env], object]:
    def call(e: Env) -> object:
        bad = e.frame.assign(**{column: e.frame[column].astype(object)})
        bad.loc[bad.index[0], column] = word
        return compute.fit_family_lines(bad)

    return call


def _loader_on(content: bytes) -> Callable[[Env], object]:
    """Load the base table from a file with ``content``, the hash check bypassed."""

    def call(e: Env) -> object:
        path = e.tmp / BASE
        path.write_bytes(content)
        e.mp.setattr(data, "fetch_file", lambda name: path)
        return osl.load_base_benchmarks("paper")

    return call


def _truncated(e: Env) -> object:
    raw = e.pinned.read_bytes()
    cut = raw[: raw.index(b"\n", len(raw) // 3) + 40]  # a third of the rows, the last cut mid-row
    return _loader_on(cut)(e)


def _timed(limit: float, call: Callable[[Env], object]) -> Callable[[Env], object]:
    """Run ``call`` and fail the row if it took longer than ``limit`` seconds."""

    def timed(e: Env) -> object:
        start = time.monotonic()
        try:
            return call(e)
        finally:
            took = time.monotonic() - start
            assert took < limit, f"took {took:.1f} s, more than {limit} s"

    return timed


def _download_from(handler: type[http.server.BaseHTTPRequestHandler], total: float):  # type: ignore[no-untyped-def]
    def call(e: Env) -> object:
        e.isolate(timeout=total)
        e.mp.setenv("OSL_DATA_URL", e.serve(handler))
        return data.fetch_file(BASE)

    return _timed(total + 5.0, call)


def _read_only_cache(e: Env) -> object:
    e.isolate()
    parent = e.tmp / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    e.stack.callback(parent.chmod, 0o755)
    e.mp.setenv("OSL_DATA_CACHE", str(parent / "cache"))
    if os.access(parent, os.W_OK):  # root ignores the mode bits: refuse as the OS would
        real_mkdir = Path.mkdir

        def refuse(self: Path, *args: Any, **kwargs: Any) -> None:
            if self.parent == parent:
                raise PermissionError(13, "Permission denied", str(self))
            real_mkdir(self, *args, **kwargs)

        e.mp.setattr(Path, "mkdir", refuse)
    return data.fetch_file(BASE)


def _stale_part(server: str) -> Callable[[Env], object]:
    def call(e: Env) -> object:
        cache = e.isolate()
        cache.mkdir(parents=True)
        (cache / (BASE + ".part")).write_text("left over from an interrupted download")
        www = e.tmp / "www"
        www.mkdir()
        if server == "good":
            shutil.copy(e.pinned, www / BASE)
        e.mp.setenv("OSL_DATA_URL", e.serve_folder(www))
        return data.fetch_file(BASE)

    return call


def _symlinked_part(e: Env) -> object:
    cache = e.isolate()
    cache.mkdir(parents=True)
    victim = e.tmp / "victim.txt"
    victim.write_text("must not change")
    (cache / (BASE + ".part")).symlink_to(victim)
    www = e.tmp / "www"
    www.mkdir()
    shutil.copy(e.pinned, www / BASE)
    e.mp.setenv("OSL_DATA_URL", e.serve_folder(www))
    try:
        return data.fetch_file(BASE)
    finally:
        assert victim.read_text() == "must not change"


def _data_dir_is_file(e: Env) -> object:
    e.mp.setenv("OSL_DATA_DIR", str(e.pinned))
    return data.fetch_file(BASE)


def _byo_scores(e: Env, values: Any, subset: str = "all", models: Any = None) -> object:
    names = e.frame["Model"].iloc[:30] if models is None else models
    scores = pd.DataFrame({"Model": list(names), "score": values})
    return byo.join_your_scores(scores, subset=subset)  # type: ignore[arg-type]


def _outside_subset(e: Env) -> object:
    extended = data.base_table("extended")[0]["Model"].iloc[:10]
    return _byo_scores(e, np.linspace(0.1, 0.9, 10), subset="paper", models=extended)


def _is_pinned_copy(path: Path, e: Env) -> None:
    assert path.read_bytes() == e.pinned.read_bytes()
    assert not list(path.parent.glob("*.part")), "the stale part file is gone"


def _error_classes(e: Env) -> list[type[BaseException]]:
    found = [getattr(v, n) for n in v.__all__]
    found += [osl.DataFetchError, osl.DataValidationError]
    return [
        c
        for c in found
        if isinstance(c, type) and issubclass(c, BaseException) and not issubclass(c, Warning)
    ]


def _all_under_osl_error(classes: list[type[BaseException]], e: Env) -> None:
    assert len(classes) >= 18
    outside = [c.__name__ for c in classes if not issubclass(c, osl.OSLError)]
    assert not outside, outside
    # Code written against the built-in bases keeps working.
    assert issubclass(osl.DataFetchError, RuntimeError)
    assert issubclass(osl.DataValidationError, ValueError)
    assert issubclass(v.ConvergenceFailure, RuntimeError)
    assert issubclass(v.UnknownSetupError, KeyError)


def _input_errors_are_value_errors(classes: list[type[BaseException]], e: Env) -> None:
    inputs = [c for c in classes if issubclass(c, v.OSLInputError)]
    assert inputs and all(issubclass(c, ValueError) for c in inputs)


def _same_beta_as_aligned(fitted: Any, e: Env) -> None:
    ref = e.law().fit(e.Xw, e.yw)
    np.testing.assert_allclose(fitted.beta_.to_numpy(), ref.beta_.to_numpy(), rtol=1e-8)


def _with_percent(frame: Any) -> Any:
    return frame * 100


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Case:
    """``call(env)`` either raises ``error`` with ``phrase`` in its message, or (``error``
    None) returns a value that ``check(value, env)`` accepts."""

    id: str
    call: Callable[[Env], object]
    error: type[BaseException] | None
    phrase: str = ""
    check: Callable[[Any, Env], None] | None = None
    origin: str = "issue"


def raises(
    id: str, call: Callable[[Env], object], error: type[BaseException], phrase: str, origin: str
) -> Case:
    return Case(id, call, error, phrase, None, origin)


def returns(
    id: str, call: Callable[[Env], object], check: Callable[[Any, Env], None], origin: str
) -> Case:
    return Case(id, call, None, "", check, origin)


ISSUE = "issue"
EXISTING = "existing"
EXISTING_MORE = "existing, further assertion"
FOUND = "found"

CASES: list[Case] = [
    # ---------------------------------------------------------------- the issue: silent results
    raises("positional pairing: X reset, y reset then sorted",
           lambda e: e.law().fit(e.Xw.reset_index(drop=True),
                                 e.yw.reset_index(drop=True).sort_values()),
           v.IndexMismatchError, "same models, different order", ISSUE),
    raises("bootstrap_law with y shuffled",
           lambda e: uncertainty.bootstrap_law(e.Xw, e.yw.sample(frac=1.0, random_state=0), e.Xw,
                                               n_boot=10, progress=False),
           v.IndexMismatchError, "same models, different order", ISSUE),
    raises("bool column is_code_model among the benchmarks",
           lambda e: e.law().fit(e.Xw.assign(is_code_model=e.code_w), e.yw),
           v.NonNumericError, "['is_code_model'] hold True/False flags", ISSUE),
    raises("text 'nan' in log10_flops (fit_family_lines)", _text_in("log10_flops", "nan"),
           v.NonNumericError, "'log10_flops' holds values that are not numbers: 'nan'", ISSUE),
    raises("bring-your-own score below the range, -0.2 on [0, 1]",
           lambda e: _byo_scores(e, np.linspace(-0.2, 0.9, 30)),
           v.TargetRangeError, "lie below 0, the lowest score the metric can take", ISSUE),
    raises("loader given a table cut mid-row (hash check bypassed)", _truncated,
           osl.DataValidationError, "the pinned table has 148", ISSUE),
    # ---------------------------------------------------------------- the issue: hangs
    raises("download trickling one byte every 2 s",
           _download_from(_Trickle, total=3.0),
           osl.DataFetchError, "longer than 3 s in total", ISSUE),
    raises("download whose headers never end",
           _download_from(_TrickleHeaders, total=3.0),
           osl.DataFetchError, "no complete answer from the server within 3 s", ISSUE),
    # ---------------------------------------------------------------- the issue: generic errors
    raises("OSL_DATA_CACHE under a read-only parent", _read_only_cache,
           osl.DataFetchError, "Set OSL_DATA_CACHE to a folder you can write to", ISSUE),
    raises("load_base_benchmarks('Paper')", lambda e: osl.load_base_benchmarks("Paper"),  # type: ignore[arg-type]
           osl.OSLInputError, "names are lower case: subset='paper'", ISSUE),
    raises("load_task('no_such_task')", lambda e: osl.load_task("no_such_task"),
           v.UnknownSetupError, "unknown setup 'no_such_task'", ISSUE),
    raises("ragged list input to fit", lambda e: e.law().fit([[0.1, 0.2], [0.3]], [0.1, 0.2]),
           osl.OSLInputError, "ragged", ISSUE),
    raises("score_range=None with scores ×1e300",
           lambda e: Law(3, score_range=None).fit(e.Xw * 1e300, e.yw),
           osl.OSLInputError, "overflow the PCA; rescale", ISSUE),
    raises("split_by_flops(df, cutoff='1e22')",
           lambda e: osl.split_by_flops(e.frame, cutoff="1e22"),  # type: ignore[arg-type]
           osl.OSLInputError, "pass the number itself", ISSUE),
    raises("text 'unknown' in log10_flops", _text_in("log10_flops", "unknown"),
           v.NonNumericError, "not numbers: 'unknown'", ISSUE),
    raises("random bytes reaching a loader",
           _loader_on(bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))),
           osl.DataValidationError, "is not UTF-8 text", ISSUE),
    raises("empty file reaching a loader", _loader_on(b""),
           osl.DataValidationError, "is empty", ISSUE),
    # ---------------------------------------------------------------- the issue: misleading
    raises("OSL_DATA_DIR pointing at a file", _data_dir_is_file,
           osl.DataFetchError, "is a file, not a folder", ISSUE),
    returns("stale .part file in the cache, server fine", _stale_part("good"), _is_pinned_copy,
            ISSUE),
    raises("stale .part file in the cache, file missing on the server", _stale_part("missing"),
           osl.DataFetchError, "stale partial download", ISSUE),
    raises("symlinked .part file in the cache", _symlinked_part,
           osl.DataFetchError, "refuses to write through a link. No request was made", ISSUE),
    raises("bring-your-own model outside the chosen subset", _outside_subset,
           v.UnknownModelError, "in the benchmark table but not in subset 'paper'", ISSUE),
    raises("object-dtype columns", lambda e: e.law().fit(e.Xw.astype(object), e.yw),
           v.NonNumericError, "numbers stored with dtype object", ISSUE),
    raises("duplicated columns", lambda e: e.law().fit(pd.concat([e.Xw, e.Xw[["MMLU"]]], axis=1), e.yw),
           v.DuplicateColumnError, "['MMLU'] appear more than once", ISSUE),
    raises("all-bool X", lambda e: e.law().fit(e.Xw > 0.5, e.yw),
           v.NonNumericError, "holds only True/False flags", ISSUE),
    # ---------------------------------------------------------------- the issue: also
    returns("one base class catches every error class", _error_classes, _all_under_osl_error,
            ISSUE),
    returns("BTLM-3B-8k corrected on load, with a named warning",
            lambda e: _warned(lambda: osl.load_base_benchmarks("all"), errata.DataErratumWarning),
            lambda got, e: _check_btlm(got, 0.627, 11.286, "cerebras/btlm-3b-8k-base"),
            ISSUE),
    returns("errata=False reproduces the authors' numbers and flags the row",
            lambda e: _warned(lambda: osl.load_base_benchmarks("all", errata=False),
                              errata.ImplausibleDataWarning),
            lambda got, e: _check_btlm(got, 627.0, 11286.0, "tokens per parameter"),
            ISSUE),
    returns("positional target with a reset index is paired as given",
            lambda e: e.law().fit(e.Xw, e.yw.reset_index(drop=True)), _same_beta_as_aligned,
            ISSUE),
    returns("both sides reset in the same order",
            lambda e: e.law().fit(e.Xw.reset_index(drop=True), e.yw.reset_index(drop=True)),
            _same_beta_as_aligned, ISSUE),
    raises("bootstrap_law with a target in percent (each replicate would fail)",
           _timed(60.0, lambda e: uncertainty.bootstrap_law(e.Xw, e.yw * 100, e.Xw, n_boot=10,
                                                            progress=False)),
           v.PercentScaleError, "looks like a percentage", ISSUE),
    raises("bootstrap_law with a NaN target (replicates would skip that model)",
           lambda e: uncertainty.bootstrap_law(e.Xw, e.yw.where(e.yw.index != e.yw.index[0]),
                                               e.Xw, n_boot=10, progress=False),
           v.TargetRangeError, "1 NaN target value", ISSUE),
    # ---------------------------------------------------------------- the 34 earlier cases
    *[raises(f"scores in percent ({make.__name__})",
             (lambda e, make=make: make().fit(_with_percent(e.X), e.y) if make is Law
              else make().fit(_with_percent(e.X))),
             v.PercentScaleError, "percentages; divide by 100", EXISTING)
      for make in (Law, osl.CapabilityPCA, osl.PCAImputer)],
    raises("scores outside [0, 1]", lambda e: Law().fit(e.X - 0.5, e.y),
           v.OSLInputError, "outside [0, 1]", EXISTING),
    *[raises(f"all-NaN column ({make.__name__})",
             (lambda e, make=make: make().fit(e.X.assign(MMLU=np.nan), e.y) if make is Law
              else make().fit(e.X.assign(MMLU=np.nan))),
             v.DegenerateColumnError, "['MMLU'] are entirely missing", EXISTING)
      for make in (Law, osl.PCAImputer)],
    *[raises(f"constant column ({make.__name__})",
             (lambda e, make=make: make().fit(e.X.assign(MMLU=0.5), e.y) if make is Law
              else make().fit(e.X.assign(MMLU=0.5))),
             v.DegenerateColumnError, "['MMLU'] are constant", EXISTING)
      for make in (Law, osl.PCAImputer)],
    raises("text column among the scores", lambda e: Law().fit(e.X.assign(Family="Llama-2"), e.y),
           v.NonNumericError, "['Family'] hold values that are not numbers: 'Llama-2'", EXISTING),
    raises("duplicate model names", lambda e: Law().fit(pd.concat([e.X, e.X.iloc[:1]]),
                                                        pd.concat([e.y, e.y.iloc[:1]])),
           v.DuplicateModelError, "duplicate row label(s) (model names) ['meta-llama/Llama-2-7b-hf']",
           EXISTING),
    raises("infinite score", lambda e: Law().fit(e.X.mask(e.X == e.X.iloc[0, 0], np.inf), e.y),
           v.OSLInputError, "infinite values", EXISTING),
    raises("NaN target", lambda e: Law().fit(e.X, e.y.where(e.y.index != e.y.index[3])),
           v.TargetRangeError, "1 NaN target value", EXISTING),
    raises("target outside [-1, 1] (below chance is allowed, down to -1)",
           lambda e: Law().fit(e.X, e.y - 1.5),
           v.TargetRangeError, "outside [-1, 1]", EXISTING),
    raises("target in percent", lambda e: Law().fit(e.X, e.y * 100),
           v.PercentScaleError, "looks like a percentage", EXISTING),
    raises("no target", lambda e: Law().fit(e.X, None),
           v.OSLInputError, "needs y", EXISTING),
    raises("fewer training models than K + 2", lambda e: Law(3).fit(e.X.iloc[:4], e.y.iloc[:4]),
           v.NotEnoughModelsError, "4 training models are too few for K = 3", EXISTING),
    raises("more components than benchmarks", lambda e: osl.CapabilityPCA(9).fit(e.X),
           v.NotEnoughModelsError, "exceeds", EXISTING),
    raises("X and y of different lengths", lambda e: Law().fit(e.X, e.y.iloc[:-1]),
           v.LengthMismatchError, "models but y has", EXISTING),
    raises("y in the reverse order", lambda e: Law().fit(e.X, e.y.iloc[::-1]),
           v.IndexMismatchError, "different order", EXISTING),
    raises("predict with reordered columns", lambda e: Law().fit(e.X, e.y).predict(e.X[e.X.columns[::-1]]),
           v.ColumnMismatchError, "differ from those seen in fit", EXISTING),
    raises("imputer transform without a column", lambda e: osl.PCAImputer().fit(e.X).transform(e.X.drop(columns="MMLU")),
           v.ColumnMismatchError, "differ from those seen in fit", EXISTING),
    *[raises(f"bad option {kw}", (lambda e, kw=kw: Law(**kw).fit(e.X, e.y)), v.OSLInputError, m, EXISTING)
      for kw, m in [({"link": "logit"}, "unknown link"), ({"loss": "l1"}, "unknown loss"),
                    ({"on_failure": "ignore"}, "unknown on_failure"),
                    ({"huber_delta": 0.0}, "huber_delta must be a positive number"),
                    ({"h_bounds": (1.0, 0.8)}, "h_bounds must satisfy"),
                    ({"h_bounds": (0.0, 1.0)}, "h_bounds must satisfy"),
                    ({"n_components": 0}, "n_components must be an integer"),
                    ({"n_components": 2.5}, "n_components must be an integer")]],
    *[raises(f"bad imputer option {kw}", (lambda e, kw=kw: osl.PCAImputer(**kw).fit(e.X)),
             v.OSLInputError, m, EXISTING)
      for kw, m in [({"max_iter": 0}, "max_iter"), ({"tol": -1.0}, "tol"),
                    ({"n_components": 9}, "exceeds")]],
    raises("fit_sigmoid_law with NaN in Z",
           lambda e: osl.fit_sigmoid_law(np.where(np.arange(10.0).reshape(5, 2) > 8, np.nan, 1.0),
                                         np.linspace(0.1, 0.9, 5)),
           v.OSLInputError, "Z contains NaN", EXISTING),
    returns("every input error is also a ValueError", _error_classes, _input_errors_are_value_errors,
            EXISTING),
    # ---------------------------------------------------------------- further assertions of those
    raises("duplicate model names (CapabilityPCA)",
           lambda e: osl.CapabilityPCA().fit(pd.concat([e.X, e.X.iloc[:1]])),
           v.DuplicateModelError, "duplicate row label", EXISTING_MORE),
    raises("too few models for CapabilityPCA", lambda e: osl.CapabilityPCA(3).fit(e.X.iloc[:4]),
           v.NotEnoughModelsError, "too few", EXISTING_MORE),
    raises("too few models for PCAImputer", lambda e: osl.PCAImputer(2).fit(e.X.iloc[:3]),
           v.NotEnoughModelsError, "too few", EXISTING_MORE),
    raises("y labelled with other model names",
           lambda e: Law().fit(e.X, e.y.set_axis([f"other-{i}" for i in range(len(e.y))])),
           v.IndexMismatchError, "label the models differently", EXISTING_MORE),
    returns("a plain array target is paired by position",
            lambda e: e.law().fit(e.Xw, e.yw.to_numpy()), _same_beta_as_aligned, EXISTING_MORE),
    raises("capability_score with a renamed column",
           lambda e: Law().fit(e.X, e.y).capability_score(e.X.rename(columns={"MMLU": "MMLU-Pro"})),
           v.ColumnMismatchError, "differ from those seen in fit", EXISTING_MORE),
    raises("predict on an array with too few columns",
           lambda e: Law().fit(e.X, e.y).predict(e.X.iloc[:, :6].to_numpy()),
           v.ColumnMismatchError, "6 columns", EXISTING_MORE),
    raises("fit_sigmoid_law with y too short",
           lambda e: osl.fit_sigmoid_law(np.arange(10.0).reshape(5, 2), np.linspace(0.1, 0.9, 4)),
           v.LengthMismatchError, "5 rows but y has 4", EXISTING_MORE),
    raises("fit_sigmoid_law with NaN in y",
           lambda e: osl.fit_sigmoid_law(np.arange(10.0).reshape(5, 2), [0.1, 0.2, np.nan, 0.4, 0.5]),
           v.OSLInputError, "y contains NaN", EXISTING_MORE),
    raises("fit_sigmoid_law with two models for three parameters",
           lambda e: osl.fit_sigmoid_law(np.arange(4.0).reshape(2, 2), [0.1, 0.9]),
           v.NotEnoughModelsError, "too few", EXISTING_MORE),
    # ---------------------------------------------------------------- found beyond the issue
    raises("v_optimality on text", lambda e: osl.selection.v_optimality("abc", np.ones((5, 3))),
           v.NonNumericError, "must be numbers", FOUND),
    raises("principal_angles on text", lambda e: lowrank.principal_angles("a", "b"),
           v.NonNumericError, "must be numbers", FOUND),
    raises("heldout_null with n_heldout as text", lambda e: lowrank.heldout_null(e.X, "3"),  # type: ignore[arg-type]
           osl.OSLInputError, "n_heldout must be an integer", FOUND),
    raises("efficiency_table with text FLOPs",
           lambda e: compute_lines.efficiency_table(
               e.frame.assign(log10_flops=e.frame["log10_flops"].astype(object)
                              .where(e.frame.index > 0, "unknown"))),
           v.NonNumericError, "'unknown'", FOUND),
    raises("nested_line_fits with text 'nan' (was an SVD failure)",
           lambda e: compute_lines.nested_line_fits(
               e.frame.assign(log10_flops=e.frame["log10_flops"].astype(object)
                              .where(e.frame.index > 0, "nan"))),
           v.NonNumericError, "'nan'", FOUND),
    raises("informative_ranges without a benchmark column",
           lambda e: unified_scale.informative_ranges(e.frame.drop(columns="MMLU")),
           v.MissingColumnError, "missing column(s) ['MMLU']", FOUND),
    raises("uncounted_compute with text", lambda e: unified_scale.uncounted_compute("2", 1e22, 7e9),  # type: ignore[arg-type]
           osl.OSLInputError, "multiplier must be a number", FOUND),
    raises("transition_width with text", lambda e: osl.chapters.emergence.transition_width("1"),  # type: ignore[arg-type]
           osl.OSLInputError, "slope must be a number", FOUND),
    raises("f_equivalent_log10_flops with a text slope",
           lambda e: osl.f_equivalent_log10_flops(1.0, "1", 0.0),  # type: ignore[arg-type]
           osl.OSLInputError, "slope must be a number", FOUND),
    raises("compute_multiplier with text", lambda e: osl.compute_multiplier("1", 0.0, 1.0),  # type: ignore[arg-type]
           osl.OSLInputError, "intercept_a must be a number", FOUND),
    raises("training_flops with text", lambda e: osl.training_flops("7e9", 2e12),
           osl.OSLInputError, "n_params must be a number", FOUND),
    raises("fit_family_lines with min_models as text", lambda e: osl.fit_family_lines(e.frame, min_models="2"),  # type: ignore[arg-type]
           osl.OSLInputError, "min_models must be an integer", FOUND),
    raises("split_by_top_fraction with a text fraction", lambda e: osl.split_by_top_fraction(e.y, "0.1"),  # type: ignore[arg-type]
           osl.OSLInputError, "fraction must be a number", FOUND),
    raises("split_by_top_fraction with text targets",
           lambda e: osl.split_by_top_fraction(e.y.astype(object).where(e.y.index != e.y.index[0], "x")),
           v.NonNumericError, "not numbers: 'x'", FOUND),
    raises("split_by_family with no family", lambda e: osl.split_by_family(e.frame, []),
           osl.OSLInputError, "no test families given", FOUND),
    raises("mse of y and y_hat in different orders", lambda e: osl.mse(e.y, e.y.iloc[::-1]),
           v.IndexMismatchError, "different order", FOUND),
    raises("mse of text", lambda e: osl.mse(["a"], [1.0]),
           v.NonNumericError, "cannot be read as numbers", FOUND),
    raises("win_rate without its columns", lambda e: evaluation.win_rate(pd.DataFrame({"a": [1]}), "x", "y"),
           v.MissingColumnError, "missing column(s)", FOUND),
    raises("normalize_target with a text floor", lambda e: osl.normalize_target(e.y, low="0.25"),  # type: ignore[arg-type]
           osl.OSLInputError, "low must be a number", FOUND),
    raises("sigmoid_law with β of the wrong length", lambda e: osl.sigmoid_law(np.ones((4, 3)), [1, 2], 0.0),
           v.LengthMismatchError, "3 capability column(s) but beta has 2", FOUND),
    raises("coverage of models without intervals",
           lambda e: uncertainty.coverage(e.y.rename(lambda s: s + "-x"),
                                          pd.DataFrame({"lo": 0.0, "hi": 1.0}, index=e.y.index)),
           v.UnknownModelError, "have no interval", FOUND),
    raises("interval of an unknown kind",
           lambda e: uncertainty.BootstrapResult(e.y.index, np.zeros((10, len(e.y))),
                                                 np.zeros((10, len(e.y))), 0, 0).interval(0.8, "conf"),  # type: ignore[arg-type]
           osl.OSLInputError, "unknown kind 'conf'", FOUND),
    raises("fit_task with an unknown reference family (was NaN silently)",
           lambda e: osl.fit_task("word_unscramble", reference_family="Nope"),
           v.UnknownFamilyError, "reference family 'Nope' is not in the base table", FOUND),
    raises("fit_task with grid_size 0 (was an empty curve)",
           lambda e: osl.fit_task("word_unscramble", grid_size=0),
           osl.OSLInputError, "grid_size must be an integer ≥ 2", FOUND),
    raises("make_synthetic with text noise", lambda e: osl.synthetic.make_synthetic(noise="0.1"),  # type: ignore[arg-type]
           osl.OSLInputError, "noise must be a number", FOUND),
    raises("backtest.headline without its columns", lambda e: hold.headline(pd.DataFrame({"a": [1]})),
           v.MissingColumnError, "missing column(s)", FOUND),
    raises("out_of_time with an unknown setup", lambda e: hold.out_of_time("nope"),
           v.UnknownSetupError, "unknown setup 'nope'", FOUND),
    raises("join_on_model with text for a table", lambda e: osl.join_on_model(e.frame, "x"),  # type: ignore[arg-type]
           osl.OSLInputError, "must be a DataFrame", FOUND),
    raises("join_on_model with how='outer'", lambda e: osl.join_on_model(e.frame, e.frame[["Model"]], how="outer"),  # type: ignore[arg-type]
           osl.OSLInputError, "how must be 'inner' or 'left'", FOUND),
    raises("load_base_benchmarks with errata='no' (was truthy)", lambda e: osl.load_base_benchmarks(errata="no"),  # type: ignore[arg-type]
           osl.OSLInputError, "errata must be True or False", FOUND),
    raises("validate_scores of an absent column", lambda e: data.validate_scores(e.frame, ["nope"]),
           osl.DataValidationError, "missing column(s) ['nope']", FOUND),
    raises("score_range given as text", lambda e: Law(score_range="01").fit(e.X, e.y),  # type: ignore[arg-type]
           osl.OSLInputError, "score_range must be a pair", FOUND),
    raises("target_range reversed", lambda e: Law(target_range=(1.0, 0.0)).fit(e.X, e.y),
           osl.OSLInputError, "target_range must satisfy low < high", FOUND),
    raises("masked_imputation_error with a text seed", lambda e: osl.masked_imputation_error(e.X, seed="1"),  # type: ignore[arg-type]
           osl.OSLInputError, "seed must be an integer", FOUND),
    raises("orient_components of a 1-D array", lambda e: osl.capabilities.orient_components(np.ones(3)),
           osl.OSLInputError, "components must be 2-D", FOUND),
    raises("a TaskSetup with high below low", lambda e: osl.PAPER_SETUPS["gsm8k_cot"].with_(high=-1.0),
           osl.OSLInputError, "high (-1) must exceed low (0)", FOUND),
    raises("a TaskSetup with an unknown split", lambda e: osl.PAPER_SETUPS["gsm8k_cot"].with_(split="time"),
           osl.OSLInputError, "TaskSetup.split must be one of", FOUND),
    raises("a target of text", lambda e: Law().fit(e.X, e.y.astype(str)),
           v.NonNumericError, "y holds values that are not numbers", FOUND),
    raises("a Series passed as X", lambda e: osl.PCAImputer().fit(e.X["MMLU"]),
           osl.OSLInputError, "pass a DataFrame with one column per benchmark", FOUND),
    raises("bring-your-own scores with a duplicated score column",
           lambda e: byo.join_your_scores(pd.concat([pd.DataFrame({"Model": ["a"], "score": [0.1]}),
                                                     pd.DataFrame({"score": [0.2]})], axis=1)),
           v.DuplicateColumnError, "more than one column named ['score']", FOUND),
    raises("bring-your-own with a text chance level",
           lambda e: byo.join_your_scores(pd.DataFrame({"Model": ["a"], "score": [0.1]}), low="0"),  # type: ignore[arg-type]
           osl.OSLInputError, "low must be a number", FOUND),
    raises("ScalarSigmoidLaw with x and y in different orders",
           lambda e: evaluation.ScalarSigmoidLaw().fit(e.X["MMLU"], e.y.iloc[::-1]),
           v.IndexMismatchError, "different order", FOUND),
    raises("fit_sigmoid_law with Z and y in different orders",
           lambda e: osl.fit_sigmoid_law(e.X[["MMLU"]], e.y.iloc[::-1]),
           v.IndexMismatchError, "different order", FOUND),
    raises("predict_unscored of a model outside the fit's subset",
           lambda e: byo.predict_unscored(osl.fit_task("gsm8k_cot"), ["openai-community/gpt2"]),
           v.UnknownModelError, "not in subset 'paper'", FOUND),
]  # fmt: skip


def _warned(call: Callable[[], Any], category: type[Warning]) -> tuple[Any, list[str]]:
    errata._ANNOUNCED.clear()  # each correction is announced once per session
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    return out, [str(w.message) for w in caught if issubclass(w.category, category)]


def _check_btlm(
    got: tuple[pd.DataFrame, list[str]], tokens: float, flops: float, said: str
) -> None:
    frame, messages = got
    row = frame.set_index("Model").loc["cerebras/btlm-3b-8k-base"]
    assert row["Pretraining Data Size (T)"] == pytest.approx(tokens)
    assert row["FLOPs (1E21)"] == pytest.approx(flops)
    assert row["log10_flops"] == pytest.approx(np.log10(6 * 3e9 * tokens * 1e12))
    assert len(messages) == 1 and said in messages[0], messages


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, env: Env) -> None:
    if case.error is None:
        assert case.check is not None
        case.check(case.call(env), env)
        return
    assert issubclass(case.error, osl.OSLError), "every expected error is the package's own"
    with pytest.raises(case.error) as info:
        case.call(env)
    assert isinstance(info.value, osl.OSLError)
    assert case.phrase in str(info.value), f"{case.phrase!r} not in {str(info.value)!r}"


def test_tally() -> None:
    """The table covers the issue's cases and the 34 earlier ones; print the tally."""
    n_error = sum(c.error is not None for c in CASES)
    n_result = len(CASES) - n_error
    by_origin = {
        o: sum(c.origin == o for c in CASES) for o in (ISSUE, EXISTING, EXISTING_MORE, FOUND)
    }
    print(f"\nbad-input matrix: {len(CASES)} cases, {n_error} raise a named error, "
          f"{n_result} return the right result; by origin {by_origin}")  # fmt: skip
    assert by_origin[EXISTING] == 34
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
