"""``python -m osl_helpers``: the package's command line.

* ``python -m osl_helpers`` or ``python -m osl_helpers fetch``: fetch and verify
  every pinned data table (what ``make data`` runs);
* ``python -m osl_helpers forecast SCORES.csv --target COLUMN``: forecast your
  task's score for models you have not evaluated, with calibrated intervals
  (:mod:`osl_helpers.forecast`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the subcommand and run it; no subcommand fetches the data."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m osl_helpers",
        description="Command line of the observational-scaling-laws book's package.",
    )
    sub = parser.add_subparsers(dest="command", metavar="{fetch,forecast}")
    sub.add_parser("fetch", help="fetch and verify every pinned data table (the default)")
    forecast = sub.add_parser(
        "forecast", help="forecast your task's score for models you have not evaluated"
    )
    # Import the forecast module only when it runs: it pulls in the fitting code.
    if args[:1] == ["forecast"]:
        from osl_helpers.forecast import build_parser, run

        build_parser(forecast)
        return run(parser.parse_args(args))
    parsed = parser.parse_args(args)
    if parsed.command in (None, "fetch"):
        from osl_helpers.data import main as fetch

        return fetch([])
    parser.error(f"unknown command {parsed.command!r}")  # pragma: no cover - argparse exits first
    return 2  # pragma: no cover


if __name__ == "__main__":
    raise SystemExit(main())
