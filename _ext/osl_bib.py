"""Sphinx extension of the book: author–year citations that tell same-year papers apart.

sphinxcontrib-bibtex's ``author_year`` reference style prints "Wei et al., 2022"
for two different papers of Wei et al. from 2022, and its default
bibliography labels ([WTB+22]) do not match what the text shows. This
extension registers two pybtex plugins:

* the bibliography style ``osl_author_year`` (``bibtex_default_style``): the
  ``unsrt`` formatting, sorted by author, year and title, with labels that
  read like the citations ("Ruan et al., 2024") and get a letter when two
  cited works would otherwise share one ("Wei et al., 2022a", "2022b");
* the reference style ``osl_author_year`` (``bibtex_reference_style``): the
  ``author_year`` style whose year carries that same letter, taken from the
  entry's label, so the text and the bibliography agree.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.template import join, node
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
    BasicAuthorYearParentheticalReferenceStyle,
    BasicAuthorYearTextualReferenceStyle,
)
from sphinxcontrib.bibtex.style.template import join2, post_text, pre_text, reference

NAME = "osl_author_year"
_SUFFIX = re.compile(r"\d{4}([a-z]?)$")


def _surname(person: Any) -> str:
    """A person's last name(s) as plain text (LaTeX accents decoded)."""
    raw = " ".join(person.prelast_names + person.last_names)
    return str(Text.from_latex(raw).render_as("text"))


def author_year_label(entry: Any) -> str:
    """"Surname, YEAR", "A and B, YEAR" or "A et al., YEAR", as the citations print it."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_surname(p) for p in people]
    if not names:
        who = str(entry.fields.get("title", entry.key))
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2 and names[1] != "others":
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):  # type: ignore[misc]
    """Labels like the citations; a, b, … appended where two cited works would collide."""

    def format_labels(self, sorted_entries: Iterable[Any]) -> Iterator[str]:
        labels = [author_year_label(entry) for entry in sorted_entries]
        count = Counter(labels)
        seen: Counter[str] = Counter()
        for label in labels:
            if count[label] == 1:
                yield label
            else:
                yield label + chr(ord("a") + seen[label])
                seen[label] += 1


class AuthorYearStyle(UnsrtStyle):  # type: ignore[misc]
    """``unsrt`` entries, sorted by author, year and title, with author–year labels."""

    default_sorting_style = "author_year_title"
    default_label_style = NAME


@node
def year_with_suffix(children: list[Any], data: dict[str, Any]) -> Any:
    """The entry's year plus the letter its bibliography label carries, if any."""
    assert not children
    entry = data["entry"]
    year = str(entry.fields.get("year", "n.d."))
    label = getattr(data.get("formatted_entry"), "label", "") or ""
    match = _SUFFIX.search(label)
    return Text(year + (match.group(1) if match else ""))


@dataclass
class _Parenthetical(BasicAuthorYearParentheticalReferenceStyle):  # type: ignore[misc]
    def inner(self, role_name: str) -> Any:
        return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
            pre_text,
            reference[
                join(sep=self.author_year_sep)[
                    self.person.author_or_editor_or_title(full="s" in role_name),
                    year_with_suffix,
                ]
            ],
            post_text,
        ]


@dataclass
class _Textual(BasicAuthorYearTextualReferenceStyle):  # type: ignore[misc]
    def inner(self, role_name: str) -> Any:
        return join(sep=self.text_reference_sep)[
            self.person.author_or_editor_or_title(full="s" in role_name),
            join[
                self.bracket.left,
                join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                    pre_text, reference[year_with_suffix], post_text
                ],
                self.bracket.right,
            ],
        ]


@dataclass
class AuthorYearSuffixReferenceStyle(AuthorYearReferenceStyle):  # type: ignore[misc]
    """sphinxcontrib-bibtex's ``author_year`` with the year letter of the bibliography."""

    def __post_init__(self) -> None:
        super().__post_init__()
        # The first two styles handle {cite:p} and {cite:t}; swap in the suffixed year.
        self.styles[0] = _Parenthetical(
            bracket=self.bracket_parenthetical,
            person=self.person,
            author_year_sep=self.author_year_sep,
            pre_text_sep=self.pre_text_sep,
            post_text_sep=self.post_text_sep,
        )
        self.styles[1] = _Textual(
            bracket=self.bracket_textual,
            person=self.person,
            text_reference_sep=self.text_reference_sep,
            pre_text_sep=self.pre_text_sep,
            post_text_sep=self.post_text_sep,
        )
        self.role_style.update(
            (role, style) for style in self.styles[:2] for role in style.role_names()
        )


def setup(app: Any) -> dict[str, Any]:
    pybtex.plugin.register_plugin("pybtex.style.labels", NAME, AuthorYearLabelStyle)
    pybtex.plugin.register_plugin("pybtex.style.formatting", NAME, AuthorYearStyle)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", NAME, AuthorYearSuffixReferenceStyle
    )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
