"""Drop the notebook execution cache when the package or the pinned environment changed.

MyST-NB's cache is keyed on notebook source only; a chapter must be re-executed
when the code it calls changes, or the book would show stale numbers.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHED = [
    "osl_helpers/**/*.py",
    "requirements.txt",
    "data/registry.txt",
    "tests/data/authors_parity.json",
    "references.bib",
]


def fingerprint() -> str:
    h = hashlib.sha256()
    for pattern in WATCHED:
        for path in sorted(ROOT.glob(pattern)):
            h.update(path.relative_to(ROOT).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def main() -> int:
    build = ROOT / "_build"
    stamp = build / ".osl_fingerprint"
    current = fingerprint()
    if stamp.is_file() and stamp.read_text() == current:
        print("execution cache kept: package unchanged")
        return 0
    # Both caches must go: Sphinx re-reads (and so re-executes) only documents whose
    # environment entry is gone or out of date.
    shutil.rmtree(build / ".jupyter_cache", ignore_errors=True)
    shutil.rmtree(build / ".doctrees", ignore_errors=True)
    build.mkdir(exist_ok=True)
    stamp.write_text(current)
    print("execution cache cleared: package or environment changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
