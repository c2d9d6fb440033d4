"""Benchmark: 1,000 bootstrap refits of the whole pipeline (imputation + PCA + law).

Times :func:`osl_helpers.uncertainty.bootstrap_law` on the GSM8K chain-of-thought
setup (47 training models, predictions for all 75 models), single process.
Goal: 1,000 resamples in ≤ 10 s on a 2-core machine. Writes its section of
``benchmarks/results.md``::

    python benchmarks/bench_bootstrap.py            # writes results.md
    python benchmarks/bench_bootstrap.py --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import time

import numpy as np
from bench_fit import write_section

import osl_helpers as osl
from osl_helpers.uncertainty import bootstrap_law

START, END = "<!-- bench_bootstrap:start -->", "<!-- bench_bootstrap:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    task = osl.load_task("gsm8k_cot")
    kwargs = task.setup.law_kwargs()
    times = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        res = bootstrap_law(
            task.X_train, task.y_train, task.X, n_boot=args.n_boot, seed=r, progress=False,
            **kwargs,
        )  # fmt: skip
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    text = "\n".join(
        [
            "## Bootstrap intervals (`bench_bootstrap.py`)",
            "",
            f"{args.n_boot} resamples of the {len(task.X_train)} training models of the GSM8K "
            "CoT setup, each refitting imputation, PCA and the law, then predicting all "
            f"{len(task.X)} models; one process; {args.repeats} runs (seeds 0–{args.repeats - 1}); "
            f"{res.n_failed} resamples redrawn in the last run.",
            "",
            f"Median wall time: **{med:.2f} s** (runs: {', '.join(f'{t:.2f}' for t in times)} s). "
            f"Goal ≤ 10 s: {'met' if med <= 10 else 'NOT met'}.",
            "",
            f"Machine: {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
            f"NumPy {np.__version__}; measured {dt.date.today().isoformat()}.",
        ]
    )
    print(text)
    if not args.no_write:
        write_section(text, START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
