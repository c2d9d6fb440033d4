"""Benchmark: the method at Open LLM Leaderboard scale (thousands of models).

Times, with ``time.perf_counter`` over repetitions after a warm-up:

* imputation + PCA (``CapabilityPCA(n_components=3).fit``, which runs
  ``PCAImputer``, Alg. A.1, then Eq. 5) on the full v1 table — 6,811 models
  × 6 tasks, complete — and on the same table with 10% of its cells hidden
  (seeded), so that the imputer iterates;
* one law fit (``ObservationalScalingLaw.fit``: imputation, PCA and Eq. 6 with
  h·σ link and Huber loss, K = 3) on 4,000 v2 models drawn with a fixed seed,
  predicting GPQA (rescaled from chance 0.25) from the other five v2 tasks;
* one execution of the chapter notebook ``book/11_open_llm_leaderboard.ipynb``
  in a fresh kernel (skip with ``--no-chapter``).

Goals: ≤ 30 ms, ≤ 50 ms and ≤ 90 s on 2 cores. Writes (or updates) only its own
section of ``benchmarks/results.md``. Run from the repository root::

    python benchmarks/bench_leaderboard_scale.py            # writes results.md
    python benchmarks/bench_leaderboard_scale.py --no-write # print only
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_fit import measure, write_section

import osl_helpers as osl
from osl_helpers.chapters import open_llm_leaderboard as oll

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "book" / "11_open_llm_leaderboard.ipynb"
START, END = "<!-- bench_leaderboard_scale:start -->", "<!-- bench_leaderboard_scale:end -->"
GOALS_MS = {"pca": 30.0, "law": 50.0}
GOAL_CHAPTER_S = 90.0
#: What the first run of this script found, and what changed because of it.
HISTORY = (
    "History: the first run (2026-12-01, same busy machine) measured 97.6 ms for "
    "imputation + PCA of the full v1 table (goal missed), 1,131 ms with 10% of the cells "
    "hidden, 17.4 ms for the law fit and 12.7 s for the chapter. Profiling showed almost "
    "all of it in `np.linalg.svd` of the tall n × 6 matrix: LAPACK's multithreaded SVD "
    "stalls when the two cores are busy (0.27 ms median alone, 28 ms at the 90th "
    "percentile under load). `CapabilityPCA` and `PCAImputer` now take the principal axes "
    "from the 6 × 6 Gram matrix (`imputation.principal_axes`), the same singular values "
    "and vectors up to sign and rounding."
)


def masked(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """``frame`` with a random ``share`` of its cells set to NaN."""
    rng = np.random.default_rng(seed)
    values = frame.to_numpy(dtype=float).copy()
    values[rng.random(values.shape) < share] = np.nan
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def law_problem(v2: pd.DataFrame, n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """X (five v2 tasks) and y (GPQA rescaled as in the chapter) for ``n`` random models."""
    pick = np.random.default_rng(seed).choice(len(v2), size=n, replace=False)
    rows = v2.iloc[np.sort(pick)]
    y = oll._target(rows, "GPQA")
    return rows[[t for t in oll.tasks("v2") if t != "GPQA"]], y


def run_chapter() -> float:
    """Seconds to execute the chapter notebook once in a fresh kernel."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(CHAPTER, as_version=4)
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(CHAPTER.parent)}},
    )  # fmt: skip
    t0 = time.perf_counter()
    client.execute()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--no-chapter", action="store_true", help="skip the notebook run")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--shared", action="store_true", help="note a shared machine")
    args = parser.parse_args()

    v1, v2 = oll.load("v1"), oll.load("v2")
    X1 = v1[oll.tasks("v1")]
    X1_holes = masked(X1, 0.10, seed=0)
    X, y = law_problem(v2, 4000, seed=0)
    setup = oll._setup("GPQA")
    law = osl.ObservationalScalingLaw(
        n_components=3, link=setup.link, loss=setup.loss, huber_delta=setup.huber_delta
    )

    def pca_full() -> object:
        return osl.CapabilityPCA(n_components=3).fit(X1)

    def pca_holes() -> object:
        return osl.CapabilityPCA(n_components=3).fit(X1_holes)

    def law_fit() -> object:
        return law.fit(X, y)

    rows = [
        ("pca", f"imputation + PCA, full v1 table ({len(X1):,} × 6, complete)", pca_full),
        ("pca_holes", f"imputation + PCA, v1 with 10% of cells hidden ({len(X1):,} × 6)", pca_holes),
        ("law", f"one law fit, {len(X):,} v2 models (GPQA from 5 tasks, K = 3)", law_fit),
    ]  # fmt: skip
    results = {key: (label, *measure(fn, args.repeats)) for key, label, fn in rows}
    n_iter = osl.CapabilityPCA(n_components=3).fit(X1_holes).imputer_.n_iter_
    nfev = law.fit(X, y).nfev_
    chapter_s = None if args.no_chapter else run_chapter()

    lines = [
        "## Leaderboard scale (`bench_leaderboard_scale.py`)",
        "",
        f"Open LLM Leaderboard v1 ({len(v1):,} models) and v2 ({len(v2):,} models), loaded "
        f"with `osl.load_open_llm_leaderboard`. {args.repeats} timed repetitions after a "
        f"warm-up. With 10% of the cells hidden the imputer ran {n_iter} iterations; the law "
        f"fit used {nfev} function evaluations.",
        "",
        "| operation | median (ms) | IQR (ms) | goal (ms) |",
        "|---|---|---|---|",
    ]
    for key, (label, med, q1, q3) in results.items():
        goal = f"{GOALS_MS[key]:.0f}" if key in GOALS_MS else "—"
        lines.append(f"| {label} | {med:.2f} | {q1:.2f}–{q3:.2f} | {goal} |")
    verdicts = [
        f"imputation + PCA {results['pca'][1]:.2f} ms "
        f"({'met' if results['pca'][1] <= GOALS_MS['pca'] else 'missed'})",
        f"law fit {results['law'][1]:.2f} ms "
        f"({'met' if results['law'][1] <= GOALS_MS['law'] else 'missed'})",
    ]
    if chapter_s is not None:
        met = "met" if chapter_s <= GOAL_CHAPTER_S else "missed"
        verdicts.append(f"chapter execution {chapter_s:.1f} s ({met}; goal {GOAL_CHAPTER_S:.0f} s)")
    lines += ["", "Measured: " + "; ".join(verdicts) + ".", "", HISTORY]
    shared = " The machine was shared with other jobs while this ran." if args.shared else ""
    lines += [
        "",
        f"Machine: {os.cpu_count()} CPU(s), {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}; measured "
        f"{dt.date.today().isoformat()}.{shared}",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(text, START, END)


if __name__ == "__main__":
    main()
