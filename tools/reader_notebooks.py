"""Write reader versions of the executed chapters: notebooks that read and run in plain Jupyter.

The chapters are MyST notebooks: their prose holds ``{glue:text}`` roles, citations,
cross-references and directives that only the book's build understands. After a
build, ``python tools/reader_notebooks.py`` reads every executed chapter in
``_build/jupyter_execute/book/`` and writes ``_build/reader/<chapter>.ipynb`` with

* every glue role replaced by its value, formatted as the role says (the values
  MyST-NB saved next to the notebook in ``<chapter>.glue.json``);
* citations as "(Author et al., Year)" text from ``references.bib``, with the same
  a/b letters as the site; cross-references, glossary terms and API roles as plain
  text; admonitions as block quotes; exercises as headings with their solutions
  folded in ``<details>``; ``{glue:figure}`` as the glued table or chart;
* the outputs of the build, minus the hidden records of ``glue(..., display=False)``;
  a chart keeps its Vega-Lite bundle and gets a static PNG drawing (vl-convert, no
  network) in place of the site-only HTML, which needs the site's scripts (PNG, not
  SVG: JupyterLab shows SVG only in notebooks the reader has marked as trusted);
* a first code cell that imports the package (or says how to install it from the
  repository), provides ``myst_nb.glue`` when the build tool is absent, lets charts
  draw with Altair's own renderer (``OSL_CHARTS``), and fetches and verifies the data
  (a chapter whose first code cell is tagged ``reader-setup`` keeps its own instead).

With ``--site`` it also copies them over ``_build/html/_sources/book/``, the files
behind the site's ".ipynb" download button. The repository URL comes from
``_config.yml`` (``repository.url``), the one place it is written.
"""

from __future__ import annotations

import argparse
import base64
import copy
import importlib.util
import json
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / "_build" / "jupyter_execute" / "book"
OUT = ROOT / "_build" / "reader"
SITE_SOURCES = ROOT / "_build" / "html" / "_sources" / "book"
GLUE_PREFIX = "application/papermill.record/"
SETUP_TAG = "reader-setup"

ADMONITIONS = {
    "note",
    "tip",
    "hint",
    "important",
    "warning",
    "caution",
    "attention",
    "danger",
    "error",
    "seealso",
}

# ---------------------------------------------------------------------------- repository


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The project's canonical URL, as ``_config.yml`` writes it (``repository.url``)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    url = str(data["repository"]["url"]).rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"repository.url in {config.name} must be an https URL; got {url!r}")
    return url


# ---------------------------------------------------------------------------- citations


def _load_bib_module() -> Any:
    """The book's Sphinx extension that defines the author–year labels (``_ext/osl_bib.py``)."""
    spec = importlib.util.spec_from_file_location("osl_bib", ROOT / "_ext" / "osl_bib.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CITE_RE = re.compile(r"\{cite(?::(?P<kind>[a-z]+))?\}`(?P<keys>[^`]+)`")


def cited_keys(texts: Iterable[str]) -> set[str]:
    """Every citation key the given sources cite."""
    keys: set[str] = set()
    for text in texts:
        for m in CITE_RE.finditer(text):
            keys.update(k.strip() for k in m.group("keys").split(","))
    return keys


def citation_labels(bibfile: Path, cited: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{key: (authors, year)}`` as the site prints them, with the same a/b letters.

    The letters are assigned over the cited entries in the bibliography's order
    (author, year, title), exactly as the site's label style does.
    """
    from pybtex.database import parse_file
    from pybtex.plugin import find_plugin

    bib = _load_bib_module()
    data = parse_file(str(bibfile))
    wanted = set(cited)
    entries = [entry for key, entry in data.entries.items() if key in wanted]
    sorting = find_plugin("pybtex.style.sorting", "author_year_title")()
    ordered = sorting.sort(entries)
    labels = bib.AuthorYearLabelStyle().format_labels(ordered)
    out: dict[str, tuple[str, str]] = {}
    for entry, label in zip(ordered, labels, strict=True):
        who, _, year = label.rpartition(", ")
        out[entry.key] = (who, year)
    return out


def format_citation(kind: str, keys: list[str], labels: Mapping[str, tuple[str, str]]) -> str:
    """ "(Author et al., 2024)" for ``cite:p``, "Author et al. (2024)" for ``cite:t``."""
    missing = [k for k in keys if k not in labels]
    if missing:
        raise KeyError(f"citation key(s) {missing} not in references.bib")
    if kind == "t":
        return "; ".join(f"{labels[k][0]} ({labels[k][1]})" for k in keys)
    return "(" + "; ".join(f"{labels[k][0]}, {labels[k][1]}" for k in keys) + ")"


# ---------------------------------------------------------------------------- glue


def load_glue(path: Path) -> dict[str, dict[str, Any]]:
    """``{name: mime bundle}`` from a MyST-NB ``<chapter>.glue.json`` (empty if absent)."""
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    return {name: dict(entry.get("data", {})) for name, entry in entries.items()}


def _plain(data: Mapping[str, Any]) -> str:
    text = data.get("text/plain", "")
    return "".join(text) if isinstance(text, list) else str(text)


def format_glue_text(data: Mapping[str, Any], fmt: str) -> str:
    """Format a glued value as ``{glue:text}`name:fmt``` does on the site."""
    from myst_nb.core.variables import format_plain_text

    return str(format_plain_text(_plain(data), fmt))


def glue_any(data: Mapping[str, Any]) -> str:
    """The markdown a notebook can render for a glued value of any kind."""
    for mime in ("text/markdown", "text/html"):
        if mime in data:
            value = data[mime]
            return "".join(value) if isinstance(value, list) else str(value)
    if "image/png" in data:
        return f'<img src="data:image/png;base64,{str(data["image/png"]).strip()}"/>'
    return format_glue_text(data, "")


# ---------------------------------------------------------------------------- labels


@dataclass
class Context:
    """What a conversion needs beyond one cell: glue values, citations and label titles."""

    glue: dict[str, dict[str, Any]] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    exercise_count: int = 0
    attachments: dict[str, dict[str, str]] = field(default_factory=dict)


LABEL_RE = re.compile(r"^\((?P<label>[^)\s]+)\)=\s*$")
HEADING_RE = re.compile(r"^#{1,6}\s+(?P<title>.+?)\s*#*\s*$")


def _strip_inline(text: str) -> str:
    """Heading text without markdown emphasis, code marks or math dollars."""
    return re.sub(r"[*_`$]", "", text).strip()


def label_titles(sources: Iterable[str]) -> dict[str, str]:
    """Titles of the ``(label)=`` targets and exercise labels in the given markdown sources.

    A section label takes the heading that follows it; an exercise label becomes
    "Exercise N" with N its position in its chapter, as the reader notebook numbers it.
    """
    titles: dict[str, str] = {}
    for text in sources:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            m = LABEL_RE.match(line)
            if not m:
                continue
            for nxt in lines[i + 1 :]:
                if nxt.strip():
                    h = HEADING_RE.match(nxt)
                    if h:
                        titles[m.group("label")] = _strip_inline(h.group("title"))
                    break
        n = 0
        for block in re.finditer(r"^[`:]{3,}\{exercise\}.*$", text, flags=re.M):
            n += 1
            rest = text[block.end() :].splitlines()
            for opt in rest[1:6]:
                if opt.startswith(":label:"):
                    titles[opt.split(":", 2)[2].strip()] = f"Exercise {n}"
                    break
    return titles


# ---------------------------------------------------------------------------- roles

ROLE_RE = re.compile(r"\{(?P<role>[a-zA-Z][\w:.-]*)\}`(?P<content>[^`]*)`")


def _explicit_title(content: str) -> tuple[str | None, str]:
    """Split a role's ``title <target>`` content; (None, target) without a title."""
    m = re.match(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", content, flags=re.S)
    if m and m.group("title"):
        return m.group("title"), m.group("target")
    return None, content


def _glued(ctx: Context, name: str) -> dict[str, Any]:
    if name not in ctx.glue:
        raise KeyError(f"no glued value named {name!r} in this chapter's .glue.json")
    return ctx.glue[name]


def convert_role(role: str, content: str, ctx: Context) -> str:
    """Plain markdown for one MyST role."""
    if role in ("glue", "glue:any"):
        return glue_any(_glued(ctx, content))
    if role in ("glue:text", "glue:md"):
        name, _, fmt = content.rpartition(":") if ":" in content else (content, "", "")
        if role == "glue:md":
            return glue_any(_glued(ctx, name))
        return format_glue_text(_glued(ctx, name), fmt)
    if role.startswith("cite"):
        kind = role.partition(":")[2] or "p"
        keys = [k.strip() for k in content.split(",")]
        return format_citation("t" if kind.startswith("t") else "p", keys, ctx.citations)
    title, target = _explicit_title(content)
    if role == "doc":
        return title or target
    if role in ("ref", "numref", "eq"):
        if title:
            return re.sub(r"\{[^}]*\}", "", title)
        label = target.lstrip("~")
        if role == "eq":
            return f"Eq. ({label})"
        if label not in ctx.titles:
            raise KeyError(f"no target named {label!r} for {{{role}}}")
        title = ctx.titles[label]
        # A section's title in italics, like a book's; "Exercise 3" as it is.
        return title if title.startswith("Exercise ") else f"*{title}*"
    if role == "term":
        return title or target
    if role in ("math",):
        return f"${content}$"
    if role.startswith("py:") or role in ("func", "class", "meth", "mod", "attr", "data", "obj"):
        shown = title or target
        if shown.startswith("~"):
            shown = shown.rsplit(".", 1)[-1]
        if role in ("py:func", "py:meth", "func", "meth") and not shown.endswith(")"):
            shown += "()"
        return f"`{shown}`"
    return title or target


INLINE_RE = re.compile(ROLE_RE.pattern + r"|``[^`]+``|`[^`]+`")


def _inline(match: re.Match[str], ctx: Context) -> str:
    if match["role"] is None:  # a code span: left as it is
        return match.group(0)
    return convert_role(match["role"], match["content"], ctx)


def convert_roles(text: str, ctx: Context) -> str:
    """Replace every MyST role outside code spans and fenced code blocks."""
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        m = re.match(r"^\s*(`{3,}|~{3,})(.*)$", line)
        if fence:
            # Inside a code block, only a bare fence at least as long closes it.
            if (
                m
                and m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not m.group(2).strip()
            ):
                fence = ""
            out.append(line)
        elif m:
            fence = m.group(1)
            out.append(line)
        else:
            out.append(INLINE_RE.sub(lambda r: _inline(r, ctx), line))
    return "\n".join(out)


# ---------------------------------------------------------------------------- directives

FENCE_OPEN_RE = re.compile(
    r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$"
)


@dataclass
class Directive:
    name: str
    argument: str
    options: dict[str, str]
    body: str


def _parse_options(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    i = 0
    if lines and lines[0].strip() == "---":
        end = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), None)
        if end is not None:
            loaded = yaml.safe_load("\n".join(lines[1:end])) or {}
            options = {str(k): str(v) for k, v in loaded.items()}
            i = end + 1
    while i < len(lines):
        m = re.match(r"^:(?P<key>[\w-]+):\s*(?P<value>.*)$", lines[i])
        if not m:
            break
        options[m.group("key")] = m.group("value").strip()
        i += 1
    return options, lines[i:]


def _blockquote(title: str, body: str) -> str:
    lines = [f"> **{title}**", ">"]
    lines += [f"> {line}" if line.strip() else ">" for line in body.strip("\n").split("\n")]
    return "\n".join(lines)


def render_directive(d: Directive, ctx: Context) -> str:
    """Plain markdown for one directive (its body already converted)."""
    body = d.body.strip("\n")
    if d.name == "admonition":
        return _blockquote(d.argument or "Note", body)
    if d.name in ADMONITIONS:
        title = "See also" if d.name == "seealso" else d.name.capitalize()
        return _blockquote(d.argument or title, body)
    if d.name == "exercise":
        ctx.exercise_count += 1
        title = f"Exercise {ctx.exercise_count}" + (f": {d.argument}" if d.argument else "")
        return f"#### {title}\n\n{body}"
    if d.name == "solution":
        return f"<details>\n<summary>Solution</summary>\n\n{body}\n\n</details>"
    if d.name == "glue:figure":
        name = d.argument.strip()
        data = _glued(ctx, name)
        caption = f"*{body}*" if body else ""
        vegalite = next((k for k in data if k.startswith("application/vnd.vegalite")), None)
        if vegalite is not None:
            # A chart in a markdown cell: its static drawing, attached to the cell.
            png = chart_png(data[vegalite])
            if png is None:
                return caption
            ctx.attachments[f"{name}.png"] = {"image/png": png}
            return f"![{name}](attachment:{name}.png)\n\n{caption}".strip()
        return f"{glue_any(data)}\n\n{caption}".strip()
    if d.name in ("math",):
        return f"$$\n{body}\n$$"
    if d.name in ("code-cell", "code-block", "code"):
        return f"```{d.argument}\n{body}\n```"
    # Anything else: keep its content, drop the markup.
    return body


def convert_directives(text: str, ctx: Context) -> str:
    """Turn MyST directives (backtick or colon fences, nested) into plain markdown."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN_RE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        # The body ends at the first bare fence of the same character, at least as
        # long; shorter fences inside are the body's own code blocks or directives.
        close = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        j = i + 1
        while j < len(lines) and not close.match(lines[j]):
            j += 1
        options, body = _parse_options(lines[i + 1 : j])
        inner = convert_directives("\n".join(body), ctx)
        directive = Directive(m.group("name"), m.group("arg").strip(), options, inner)
        out.append(render_directive(directive, ctx))
        i = j + 1
    return "\n".join(out)


def convert_markdown(text: str, ctx: Context) -> str:
    """One markdown cell of a chapter as plain markdown a notebook renders."""
    kept = [line for line in text.split("\n") if not LABEL_RE.match(line)]
    converted = convert_directives("\n".join(kept), ctx)
    return convert_roles(converted, ctx).strip("\n")


# ---------------------------------------------------------------------------- notebook

SETUP_SOURCE = """\
# Set-up for running this chapter outside the book's build (in JupyterLab, Binder or Colab).
import importlib.util
import os
import sys
import types

if importlib.util.find_spec("osl_helpers") is None:
    raise ModuleNotFoundError(
        "This chapter needs the book's companion package osl_helpers. Install it with\\n"
        "    pip install 'osl_helpers @ git+{url}'\\n"
        "then restart the kernel, or clone {url} and run `make lab`."
    )
if importlib.util.find_spec("myst_nb") is None:
    # The book's build tool records quoted numbers with myst_nb.glue; without it, show them.
    def glue(name, variable, display=True):
        if display:
            from IPython.display import display as show

            show(variable)

    sys.modules["myst_nb"] = types.ModuleType("myst_nb")
    sys.modules["myst_nb"].glue = glue

# Charts: Altair's own renderer, since the book's offline one needs the site's scripts.
os.environ.setdefault("OSL_CHARTS", "default")

from osl_helpers.data import fetch_all

# The evaluation tables: read from $OSL_DATA_DIR, or downloaded once into a user cache;
# either way checked against the sha256 digests pinned in the package.
print(f"{{len(fetch_all())}} data tables ready")
"""

INTRO_MARKDOWN = """\
> **Reader version.** This notebook is the chapter "{chapter}" of *{book}* ({url}) as
> the book's build executed it: the outputs are the build's, the numbers in the text are
> filled in, and the next cell prepares a plain Jupyter kernel to run it again."""


def book_title(config: Path = ROOT / "_config.yml") -> str:
    return str(yaml.safe_load(config.read_text(encoding="utf-8"))["title"])


def setup_cells(url: str, title: str) -> list[Any]:
    """The markdown note and the set-up code cell that open every reader notebook."""
    intro = INTRO_MARKDOWN.format(chapter=title, book=book_title(), url=url)
    note = nbformat.v4.new_markdown_cell(intro)
    code = nbformat.v4.new_code_cell(SETUP_SOURCE.format(url=url))
    note.metadata["tags"] = [SETUP_TAG]
    code.metadata["tags"] = [SETUP_TAG]
    # Folded in JupyterLab (a click shows it): the reader meets the chapter, not the plumbing.
    code.metadata["jupyter"] = {"source_hidden": True}
    return [note, code]


def _fixed_width(spec: Any, width: int = 640) -> Any:
    """A copy of a Vega-Lite spec with ``width: "container"`` made concrete (no page here)."""
    if isinstance(spec, dict):
        return {
            k: width if k == "width" and v == "container" else _fixed_width(v, width)
            for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [_fixed_width(v, width) for v in spec]
    return spec


def chart_png(spec: Mapping[str, Any]) -> str | None:
    """A static PNG drawing (base64) of a Vega-Lite chart, or None if it cannot be drawn."""
    import vl_convert

    try:
        png = vl_convert.vegalite_to_png(_fixed_width(spec), scale=1)
    except Exception as err:  # a missing preview must not stop the build
        print(f"warning: chart not drawn as PNG ({err})", file=sys.stderr)
        return None
    return base64.b64encode(png).decode("ascii")


def clean_outputs(outputs: list[Any], draw: bool = True) -> list[Any]:
    """Drop glue records (invisible outside the build); charts trade site HTML for a PNG."""
    kept = []
    for out in outputs:
        data = out.get("data")
        if data is None:
            kept.append(out)
            continue
        data = {k: v for k, v in data.items() if not k.startswith(GLUE_PREFIX)}
        if not data:
            continue
        vegalite = next((k for k in data if k.startswith("application/vnd.vegalite")), None)
        if vegalite is not None:
            data.pop("text/html", None)
            png = chart_png(data[vegalite]) if draw else None
            if png is not None:
                data["image/png"] = png
        new = copy.deepcopy(out)
        new["data"] = data
        kept.append(new)
    return kept


def reader_notebook(nb: Any, ctx: Context, url: str, title: str) -> Any:
    """The reader version of one executed chapter (a new notebook; ``nb`` is unchanged)."""
    out = nbformat.v4.new_notebook(metadata=copy.deepcopy(nb.metadata))
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            ctx.attachments = {}
            new = nbformat.v4.new_markdown_cell(convert_markdown(cell.source, ctx))
            new.metadata = copy.deepcopy(cell.metadata)
            if ctx.attachments:
                new.attachments = ctx.attachments
            cells.append(new)
        elif cell.cell_type == "code":
            new = copy.deepcopy(cell)
            new.outputs = clean_outputs(cell.get("outputs", []))
            cells.append(new)
        else:
            cells.append(copy.deepcopy(cell))
    first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    own = first_code < len(cells) and SETUP_TAG in cells[first_code].metadata.get("tags", [])
    # A chapter whose first code cell is already tagged as its set-up keeps it as it is.
    if not own:
        cells = cells[:first_code] + setup_cells(url, title) + cells[first_code:]
    out.cells = cells
    return out


def chapter_title(nb: Any) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                h = HEADING_RE.match(line)
                if h and line.startswith("# "):
                    return _strip_inline(h.group("title"))
    return "chapter"


def _markdown_sources(book: Path) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(book.glob("*.md"))]
    for path in sorted(book.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        texts.append("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))
    return texts


def build_context(book: Path = ROOT / "book", bibfile: Path = ROOT / "references.bib") -> Context:
    """Citations and label titles of the whole book (glue values are per chapter)."""
    sources = _markdown_sources(book)
    return Context(
        citations=citation_labels(bibfile, cited_keys(sources)), titles=label_titles(sources)
    )


def convert_chapter(executed: Path, out_dir: Path, base: Context, url: str) -> Path:
    """Write the reader version of one executed chapter; return its path."""
    nb = nbformat.read(executed, as_version=4)
    ctx = Context(
        glue=load_glue(executed.with_name(executed.stem + ".glue.json")),
        citations=base.citations,
        titles=base.titles,
    )
    reader = reader_notebook(nb, ctx, url, chapter_title(nb))
    nbformat.validate(reader)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / executed.name
    nbformat.write(reader, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executed", type=Path, default=EXECUTED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--site", action="store_true", help="also replace the site's .ipynb downloads"
    )
    args = parser.parse_args(argv)
    chapters = sorted(args.executed.glob("[0-9]*.ipynb"))
    if not chapters:
        print(f"no executed chapters in {args.executed}; build the book first", file=sys.stderr)
        return 2
    url = repository_url()
    base = build_context()
    written = [convert_chapter(path, args.out, base, url) for path in chapters]
    if args.site:
        if not SITE_SOURCES.is_dir():
            print(f"no built site in {SITE_SOURCES}; build the book first", file=sys.stderr)
            return 2
        for path in written:
            shutil.copyfile(path, SITE_SOURCES / path.name)
    where = f"{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    print(
        f"{len(written)} reader notebooks written to {where}"
        + (" and the site" if args.site else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
