"""Benchmark: one full fit of the observational scaling law (imputation + PCA + Eq. 6).

Times, with ``time.perf_counter`` over many repetitions after a warm-up:

* the full law fit on the paper's models with a real target, GSM8K 8-shot
  chain-of-thought (strict match), from the 7 other standard benchmarks
  (h·σ link, Huber δ = 1, K = 3): ``ObservationalScalingLaw.fit``, both on
  every paper model with a GSM8K score and on the setup's training split
  (models below the compute cut-off);
* its parts: the imputer alone (Alg. A.1) and the capability PCA alone
  (Eq. 5, with and without imputation) on the same models;
* prediction for every model, and the per-family lines of PC-1 against
  log10 FLOPs on all 77 paper models.

Writes (or updates) only its own section of ``benchmarks/results.md``. Goal:
a full fit in ≤ 10 ms median on a 2-core machine. Run from the repository
root::

    python benchmarks/bench_fit.py            # writes results.md
    python benchmarks/bench_fit.py --no-write # print only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import scipy
import sklearn

import osl_helpers as osl
from osl_helpers._validation import OSLConvergenceWarning

RESULTS = Path(__file__).resolve().parent / "results.md"
START, END = "<!-- bench_fit:start -->", "<!-- bench_fit:end -->"
TARGET = "gsm8k_cot_8_exact_match,strict-match"
WARMUP = 5


def measure(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median, first and third quartile of ``fn``'s wall time, in milliseconds."""
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    q1, med, q3 = statistics.quantiles(times, n=4)
    return med, q1, q3


def write_section(text: str, start: str = START, end: str = END) -> None:
    """Replace the block between ``start`` and ``end`` in results.md, or append it."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def paper_gsm8k() -> tuple[pd.DataFrame, pd.Series, list[str]]:
    """The paper's base models with a GSM8K-CoT score: X (7 benchmarks), y, benchmark names."""
    paper = osl.load_base_benchmarks("paper")
    joined = osl.join_on_model(paper, osl.load_post_training(), columns={TARGET: "y"})
    assert isinstance(joined, pd.DataFrame)
    joined = joined.dropna(subset=["y"]).set_index("Model")
    bench = [b for b in osl.BENCHMARKS if b != "GSM8K"]
    return joined[bench], joined["y"].astype(float), bench


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("error", OSLConvergenceWarning)  # a benchmark must converge

    X, y, bench = paper_gsm8k()
    kwargs: dict[str, object] = {
        "n_components": 3,
        "link": "h_sigmoid",
        "loss": "huber",
        "huber_delta": 1.0,
    }
    law = osl.ObservationalScalingLaw(**kwargs).fit(X, y)  # type: ignore[arg-type]

    task = osl.load_task("gsm8k_cot")
    Xs, ys = task.X_train, task.y_train
    law_split = osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(Xs, ys)  # type: ignore[arg-type]

    paper = osl.load_base_benchmarks("paper")
    B8 = paper.set_index("Model")[osl.BENCHMARKS]
    S = osl.CapabilityPCA(n_components=3).fit_transform(B8)
    lines_frame = paper.assign(**{"PC-1": S["PC-1"].to_numpy()})
    X_complete = osl.PCAImputer(n_components=1).fit_transform(X)
    S_fit = law.pca_.transform(X).to_numpy()

    n, t = X.shape
    rows: list[tuple[str, Callable[[], object]]] = [
        (
            f"full fit, all {n} paper models with a score (imputation + PCA + law)",
            lambda: osl.ObservationalScalingLaw(**kwargs).fit(X, y),  # type: ignore[arg-type]
        ),
        (
            f"full fit, setup's training split ({len(Xs)} models)",
            lambda: osl.ObservationalScalingLaw(**task.setup.law_kwargs()).fit(Xs, ys),  # type: ignore[arg-type]
        ),
        ("imputer alone (PCAImputer.fit, rank 1)", lambda: osl.PCAImputer(n_components=1).fit(X)),
        ("capability PCA with imputation", lambda: osl.CapabilityPCA(n_components=3).fit(X)),
        (
            "capability PCA alone (complete matrix, impute=False)",
            lambda: osl.CapabilityPCA(n_components=3, impute=False).fit(X_complete),
        ),
        ("law part alone (fit_sigmoid_law on fixed S)", lambda: _law_only(S_fit, y)),
        ("predict on all 77 paper models", lambda: law.predict(B8[bench])),
        (
            "imputation + PCA, all 77 models × 8 benchmarks",
            lambda: osl.CapabilityPCA(n_components=3).fit(B8),
        ),
        (
            "family lines of PC-1 vs log10 FLOPs (21 families)",
            lambda: osl.fit_family_lines(lines_frame),
        ),
    ]
    results = [(name, *measure(fn, args.repeats)) for name, fn in rows]
    full_median = results[0][1]

    lines = [
        "## Fitting the law (`bench_fit.py`)",
        "",
        f"Setup: target GSM8K 8-shot CoT (strict match) for the {n} paper base models that have "
        f"it, predicted from {t} benchmarks ({', '.join(bench)}); K = 3, h·σ link, Huber δ = 1. "
        f"{args.repeats} timed repetitions after {WARMUP} warm-up runs. The optimiser used "
        f"{law.nfev_} function evaluations (training split: {law_split.nfev_}); "
        f"fitted h = {law.h_:.3f}.",
        "",
        "| operation | median (ms) | IQR (ms) |",
        "|---|---|---|",
        *[f"| {name} | {med:.2f} | {q1:.2f}–{q3:.2f} |" for name, med, q1, q3 in results],
        "",
        f"Goal: full fit ≤ 10 ms median. Measured: **{full_median:.2f} ms** "
        f"({'met' if full_median <= 10 else 'NOT met'}).",
        "",
        f"Machine: {os.cpu_count()} CPU(s), {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}; measured {dt.date.today().isoformat()}.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


def _law_only(S: np.ndarray, y: pd.Series) -> object:  # type: ignore[type-arg]
    return osl.law.fit_sigmoid_law(S, y.to_numpy(), link="h_sigmoid", loss="huber")


if __name__ == "__main__":
    raise SystemExit(main())
