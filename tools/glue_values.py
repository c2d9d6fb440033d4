"""Dump or compare the values every chapter glues into its prose.

``python tools/glue_values.py dump OUT.json`` reads the ``*.glue.json`` files
that MyST-NB writes next to each executed notebook in ``_build/jupyter_execute``
and saves ``{chapter: {name: text}}``. ``python tools/glue_values.py diff A.json
B.json`` lists every glued value that differs between two dumps (and exits 1 if
any does), which is how a refactoring proves that no quoted number moved.
``python tools/glue_values.py run OUT.json book/NN_name.ipynb ...`` executes the
given chapters (no build needed) and saves their glued values the same way, with
each chapter keyed by its file name, so one chapter can be checked on its own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "_build" / "jupyter_execute"


def collect(folder: Path = EXECUTED) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for path in sorted(folder.rglob("*.glue.json")):
        chapter = path.name.removesuffix(".glue.json")
        entries = json.loads(path.read_text(encoding="utf-8"))
        out[chapter] = {
            name: "".join(entry.get("data", {}).get("text/plain", ""))
            for name, entry in entries.items()
        }
    return out


def run(notebooks: list[Path], timeout: int = 1200) -> dict[str, dict[str, str]]:
    import nbclient
    import nbformat

    out: dict[str, dict[str, str]] = {}
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        nbclient.NotebookClient(
            nb, timeout=timeout, resources={"metadata": {"path": str(path.parent)}}
        ).execute()
        values: dict[str, str] = {}
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                record = output.get("metadata", {}).get("scrapbook")
                if record:
                    key = record.get("mime_prefix", "") + "text/plain"
                    values[record["name"]] = "".join(output["data"].get(key, ""))
        out[path.stem] = values
    return out


def diff(a: dict[str, dict[str, str]], b: dict[str, dict[str, str]]) -> list[str]:
    lines = []
    for chapter in sorted(set(a) | set(b)):
        left, right = a.get(chapter, {}), b.get(chapter, {})
        for name in sorted(set(left) | set(right)):
            if left.get(name) != right.get(name):
                lines.append(f"{chapter}:{name}: {left.get(name)!r} -> {right.get(name)!r}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "dump":
        values = collect()
        if not values:
            print("no glue files found; build the book first", file=sys.stderr)
            return 2
        Path(argv[1]).write_text(json.dumps(values, indent=1, sort_keys=True), encoding="utf-8")
        print(f"{sum(map(len, values.values()))} glued values from {len(values)} chapters")
        return 0
    if len(argv) >= 3 and argv[0] == "run":
        values = run([Path(p) for p in argv[2:]])
        Path(argv[1]).write_text(json.dumps(values, indent=1, sort_keys=True), encoding="utf-8")
        print(f"{sum(map(len, values.values()))} glued values from {len(values)} chapters")
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in argv[1:])
        lines = diff(a, b)
        print("\n".join(lines) if lines else "all glued values identical")
        return 1 if lines else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
