"""Benchmark: one full fit of Alg. A.1 (imputation + PCA + law) and the family-line fits.

Times, with ``time.perf_counter`` over many repetitions after a warm-up:

* the full law fit on the paper's GSM8K chain-of-thought setup (47 training
  models, 7 benchmarks, K = 3, h·σ link, Huber δ = 1): ``ObservationalScalingLaw.fit``;
* its parts: the imputer alone and the capability PCA alone (same training models);
* the per-family lines of PC-1 against log10 FLOPs on all 77 paper models.

Writes its section of ``benchmarks/results.md``. Goal: a full fit in ≤ 10 ms
median on a 2-core machine. Run from the repository root::

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
from collections.abc import Callable
from pathlib import Path

import numpy as np

import osl_helpers as osl

RESULTS = Path(__file__).resolve().parent / "results.md"
START, END = "<!-- bench_fit:start -->", "<!-- bench_fit:end -->"


def measure(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median and inter-quartile range of ``fn``'s wall time, in milliseconds."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    q1, _, q3 = statistics.quantiles(times, n=4)
    return statistics.median(times), q1, q3


def write_section(text: str, start: str = START, end: str = END) -> None:
    """Replace (or append) the block between ``start`` and ``end`` in results.md."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    block = f"{start}\n{text.rstrip()}\n{end}"
    if start in old and end in old:
        head, rest = old.split(start, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = old.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    task = osl.load_task("gsm8k_cot")
    X, y = task.X_train, task.y_train
    kwargs = task.setup.law_kwargs()
    law = osl.ObservationalScalingLaw(**kwargs).fit(X, y)  # type: ignore[arg-type]

    paper = osl.load_base_benchmarks("paper")
    S = (
        osl.CapabilityPCA(n_components=3)
        .fit(paper[osl.BENCHMARKS])
        .transform(paper[osl.BENCHMARKS])
    )
    lines_frame = paper.assign(**{"PC-1": S["PC-1"].to_numpy()})

    rows = [
        (
            "full fit: imputation + PCA + law",
            lambda: osl.ObservationalScalingLaw(**kwargs).fit(X, y),
        ),  # type: ignore[arg-type]
        ("imputer alone (PCAImputer.fit)", lambda: osl.PCAImputer(n_components=1).fit(X)),
        ("capability PCA alone, with imputation", lambda: osl.CapabilityPCA(n_components=3).fit(X)),
        ("predict on all models", lambda: law.predict(task.X)),
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
        f"Setup: GSM8K 8-shot CoT, {len(X)} training models, {X.shape[1]} benchmarks, "
        f"K = {kwargs['n_components']}, h·σ link, Huber δ = {kwargs['huber_delta']}; "
        f"{args.repeats} timed repetitions after 5 warm-up runs; the optimiser used "
        f"{law.nfev_} function evaluations.",
        "",
        "| operation | median (ms) | IQR (ms) |",
        "|---|---|---|",
        *[f"| {name} | {med:.2f} | {q1:.2f}–{q3:.2f} |" for name, med, q1, q3 in results],
        "",
        f"Goal: full fit ≤ 10 ms median. Measured: **{full_median:.2f} ms** "
        f"({'met' if full_median <= 10 else 'NOT met'}).",
        "",
        f"Machine: {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"NumPy {np.__version__}; measured {dt.date.today().isoformat()}.",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
