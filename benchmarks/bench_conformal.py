"""Benchmark: conformal calibration over the whole backtest, and one forecast from the command.

1. :func:`osl_helpers.chapters.did_it_hold.conformal_backtest` builds the split-conformal
   intervals (seven levels) of every cell of the rolling backtest (every
   compute-split target × cutoff × the eight predictors) from the earlier
   cells' predictions. Timed separately: :func:`~osl_helpers.chapters.did_it_hold.rolling_predictions`,
   the fits those predictions come from (the backtest's own plus the earlier
   cutoffs that calibrate its first cells). Goal: calibration ≤ 10 s.
2. ``python -m osl_helpers forecast`` on a CSV of the paper's GSM8K-CoT scores
   (the largest models left to forecast), wall time of the whole process
   including interpreter start-up and imports. Goal: ≤ 2 s.

Writes its section of ``benchmarks/results.md``::

    python benchmarks/bench_conformal.py            # writes results.md
    python benchmarks/bench_conformal.py --no-write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_fit import write_section

import osl_helpers as osl
from osl_helpers.chapters import did_it_hold as backtest

START, END = "<!-- bench_conformal:start -->", "<!-- bench_conformal:end -->"


def _scores_csv(folder: Path) -> Path:
    """GSM8K-CoT of the paper's models as a reader's CSV, models above 10^23.6 FLOPs blank."""
    column = osl.PAPER_SETUPS["gsm8k_cot"].column
    base = osl.load_base_benchmarks("paper").set_index("Model")
    post = osl.load_post_training()
    rows = post[post["Model"].isin(base.index)].dropna(subset=[column])
    rows = rows[["Model", column]].rename(columns={column: "cot"})
    rows.loc[rows["Model"].map(base["log10_flops"]) > 23.6, "cot"] = np.nan
    path = folder / "scores.csv"
    rows.to_csv(path, index=False)
    return path


def _wall(cmd: list[str]) -> float:
    return _timed(cmd)[0]


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``cmd`` as a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=dict(os.environ))
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    t0 = time.perf_counter()
    preds = backtest.rolling_predictions()
    t_preds = time.perf_counter() - t0
    cells = backtest.rolling_backtest()
    backtest.conformal_backtest(preds, cells)  # warm-up
    t_cal = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        conf = backtest.conformal_backtest(preds, cells)
        t_cal.append(time.perf_counter() - t0)
    n_cells = len(cells[["target", "cutoff"]].drop_duplicates())
    n_pred = int((conf["level"] == conf["level"].iloc[0]).sum())

    with tempfile.TemporaryDirectory() as tmp:
        path = _scores_csv(Path(tmp))
        n_forecast = int(np.isnan(np.genfromtxt(path, delimiter=",", skip_header=1)[:, 1]).sum())
        cmd = [sys.executable, "-m", "osl_helpers", "forecast", str(path), "--target", "cot"]
        _wall(cmd)  # warm the file cache and the byte-code
        runs = [_timed(cmd) for _ in range(args.repeats)]
        t_cli = [r[0] for r in runs]
        cpu_cli = statistics.median(r[1] for r in runs)
        t_import = [
            _wall([sys.executable, "-c", "import osl_helpers"]) for _ in range(args.repeats)
        ]
        t_bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(args.repeats)]

    cal, cli = statistics.median(t_cal), statistics.median(t_cli)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = "\n".join(
        [
            "## Conformal intervals and the forecast command (`bench_conformal.py`)",
            "",
            "| what | median wall time (s) | goal |",
            "|---|---|---|",
            f"| conformal calibration of the whole backtest ({n_cells} cells × 8 predictors, "
            f"{n_pred} forecasts, 7 levels), given its predictions | {cal:.2f} | ≤ 10 s: "
            f"{'met' if cal <= 10 else 'NOT met'} |",
            f"| the rolling predictions it reads (every fit of the backtest and of the earlier "
            f"cutoffs that calibrate it; single run) | {t_preds:.2f} | |",
            f"| `python -m osl_helpers forecast` ({n_forecast} models, 90% intervals), whole "
            f"process | {cli:.2f} | ≤ 2 s: {'met' if cli <= 2 else 'NOT met'} |",
            f"| the same, CPU time of the process (user + system) | {cpu_cli:.2f} | |",
            f"| of which `python -c 'import osl_helpers'` | {statistics.median(t_import):.2f} | |",
            f"| of which `python -c pass` | {statistics.median(t_bare):.2f} | |",
            "",
            f"Runs: calibration {', '.join(f'{t:.2f}' for t in t_cal)} s; command "
            f"{', '.join(f'{t:.2f}' for t in t_cli)} s ({args.repeats} each, after a warm-up).",
            "",
            "Wall times on a shared machine grow with its load (other processes compete for the "
            "cores); the CPU time of the command is what it costs on an idle machine.",
            "",
            f"Machine: {os.cpu_count()} CPU(s), load average {load:.1f} at the start, Python "
            f"{platform.python_version()}, NumPy {np.__version__}; measured "
            f"{dt.date.today().isoformat()}.",
        ]
    )
    print(text)
    if not args.no_write:
        write_section(text, START, END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
