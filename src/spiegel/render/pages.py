"""The book's own pages around the chapters: the front matter (Hoofdboodschap, Samenvatting,
1 Inleiding) and the back matter (7 Naschrift, the Bijlage with the administrative reactions, the
Literatuur), as the params list them under ``book:``.

A page is a Markdown file with the chapters' placeholders (``[[ ]]``, ``[% %]``, ``[# #]``;
``docs/text.md``), filled from every chapter's findings register, each under its chapter id::

    [[ gemeenten.kan_niet_nu_werken_klant | fraction ]]      "drie op de vier"
    [% if inkomen %] … [% endif %]                           the part about chapter 5, left out
                                                             when the edition has no chapter inkomen
    [[ cited.ontvangers_ondersteuning | number ]]            a figure from another document
                                                             (``book.cited``, with its source)
    [[ methods_table() ]]                                    the sources, computed (1 Inleiding)

A chapter the edition does not list is false in a condition; naming one of its findings outside
such a condition stops the build naming the page, line and chapter. Every finding id is checked
against its chapter's register before anything is filled, also in branches the data do not take.
The rules of the chapters' text hold here too: no typed numbers, wording from results.

The Bijlage is written from ``book.reactions`` (organisation, date, reference, one Markdown file
each); the Literatuur lists ``book.bibliography`` (cited from any page with ``[@key]``, formatted
by pandoc's citeproc).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import pkgutil
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2.nodes
import yaml

from spiegel import fmt
from spiegel.development import previous_year
from spiegel.findings import Finding, FindingsError, Register
from spiegel.render.notebook import DOWNLOAD_DIR
from spiegel.params import BookPage, Edition
from spiegel.text import ENV, TextError, context, join_nl, render, typed_numbers

#: The keys every figure in ``book.cited`` must have.
CITED_KEYS = frozenset({"value", "unit", "label", "document"})
BIJLAGE, LITERATUUR = "bijlage", "literatuur"


class PageError(ValueError):
    """A page around the chapters cannot be filled; the message names the file to edit."""


@dataclass(frozen=True)
class FilledPage:
    """One page of the book around the chapters, filled and ready for pandoc."""

    id: str
    part: str  # front | back
    number: int | None  # 1 (Inleiding), 7 (Naschrift); None for an unnumbered page
    title: str
    markdown: str
    citations: bool = False  # the page is the Literatuur: the bibliography is printed here

    @property
    def stem(self) -> str:
        return f"{self.number:02d}_{self.id}" if self.number is not None else self.id


# --------------------------------------------------------------------------------------------
# what a page can name


def known_chapter_ids() -> list[str]:
    """Every chapter this project has code for (``spiegel.chapters.<id>``), listed or not."""
    import spiegel.chapters

    return sorted(m.name for m in pkgutil.iter_modules(spiegel.chapters.__path__) if m.ispkg)


class ChapterFindings:
    """A chapter's register under its chapter id: ``gemeenten.kan_nu_werken_klant``."""

    def __init__(self, chapter_id: str, register: Register | None, where: str):
        self._id, self._register, self._where = chapter_id, register, where

    def __bool__(self) -> bool:
        return self._register is not None

    def __getattr__(self, name: str) -> Finding:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._register is None:
            raise TextError(f"chapter '{self._id}' is not in this edition, so '{self._id}.{name}' has no value; "
                            f"put the sentence inside [% if {self._id} %] … [% endif %]")
        if name not in self._register:
            raise TextError(f"unknown finding '{self._id}.{name}'{_nearest(name, self._register)}")
        return self._register[name]

    __getitem__ = __getattr__


def _nearest(name: str, register: Register) -> str:
    near = difflib.get_close_matches(name, [f.id for f in register], n=3, cutoff=0.6)
    return f" (nearest known ids: {', '.join(near)})" if near else ""


def cited_register(edition: Edition) -> Register:
    """The figures the pages cite from other documents (``book.cited``), as a register whose
    figures name their document as source."""
    reg = Register("book", edition.edition, threshold=None, alpha=edition.alpha)
    path = edition.book_file("cited")
    if path is None:
        return reg
    shown = _shown(path, edition)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise PageError(f"{shown}: not valid YAML: {exc}") from None
    figures = doc.get("figures") if isinstance(doc, dict) else None
    if not isinstance(figures, dict):
        raise PageError(f"{shown}: must have a mapping figures: <id>: {{value, unit, label, document}}")
    for fid, f in figures.items():
        missing = CITED_KEYS - set(f or {})
        if missing:
            raise PageError(f"{shown}: figures.{fid}: missing {', '.join(sorted(missing))}")
        try:
            reg.figure(fid, f["value"], unit=f["unit"], label=f["label"], source=f["document"],
                       wave=f.get("year"))
        except FindingsError as exc:
            raise PageError(f"{shown}: figures.{fid}: {exc}") from None
    return reg


def _shown(path: Path, edition: Edition) -> str:
    try:
        return path.resolve().relative_to(edition.root.resolve()).as_posix()
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# the method overview


def validated_rows(edition: Edition) -> dict[str, int]:
    """Rows per source as the validation counted them (``<state>/validation.json``)."""
    try:
        doc = json.loads((edition.build_dir / "validation.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {d["dataset"]: int(d["rows"]) for d in doc.get("datasets", []) if isinstance(d.get("rows"), int)}


def methods_rows(edition: Edition, rows: Mapping[str, int] | None = None) -> list[dict[str, str]]:
    """Per source: what it is, who was asked, fieldwork, how many (respondents or units), the
    response where the params give the sample, and the chapters that use it. Counts below the
    disclosure threshold are not shown."""
    rows = validated_rows(edition) if rows is None else rows
    users: dict[str, list[str]] = {}
    for c in sorted(edition.chapters, key=lambda c: c.number):
        for sid in c.sources:
            users.setdefault(sid, []).append(str(c.number))
    out = []
    for sid, src in edition.sources.items():
        if sid not in users:
            continue
        n = rows.get(sid)
        if src.unit is None:
            count, response = "geaggregeerde cijfers", "–"
        elif n is None:
            raise PageError(f"the method overview needs the row count of source '{sid}' from the validation "
                            f"({_shown(edition.build_dir / 'validation.json', edition)}); run the validation first")
        elif n < edition.disclosure_threshold:
            count, response = f"minder dan {edition.disclosure_threshold} {src.unit}", "–"
        else:
            count = f"{fmt.number(n)} {src.unit}"
            response = fmt.pct(n / src.sample) if src.sample else "onbekend"
        out.append({"bron": src.title, "wie": src.population or "–", "veldwerk": src.fieldwork or "–",
                    "aantal": count, "respons": response, "hoofdstuk": join_nl(users[sid])})
    return out


def methods_table(edition: Edition, rows: Mapping[str, int] | None = None) -> str:
    """:func:`methods_rows` as a Markdown pipe table."""
    header = ("Bron", "Wie of wat", "Veldwerk", "Aantal", "Respons", "Hoofdstuk")
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 3 + ["--:"] * 2 + ["---"]) + "|"]
    for r in methods_rows(edition, rows):
        cells = [r[k].replace("|", "\\|") for k in ("bron", "wie", "veldwerk", "aantal", "respons", "hoofdstuk")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# filling


@dataclass
class Book:
    """What the pages of one edition are filled from."""

    edition: Edition
    registers: Mapping[str, Register] | None = None  # chapter id -> register (default: the saved ones)
    rows: Mapping[str, int] | None = None  # source id -> rows (default: as the validation counted them)

    @cached_property
    def chapter_registers(self) -> dict[str, Register]:
        if self.registers is not None:
            return dict(self.registers)
        from spiegel.chapter import findings_path
        from spiegel.findings import load

        out = {}
        for c in self.edition.chapters:
            path = findings_path(self.edition, c.id)
            if not path.is_file():
                raise PageError(f"the pages around the chapters need the findings register of chapter '{c.id}' "
                                f"({_shown(path, self.edition)}); run the chapter first")
            out[c.id] = load(path)
        return out

    def numbers(self) -> dict[str, int | None]:
        """Page id -> its chapter number: numbered front pages count from 1, numbered back pages
        go on after the last chapter."""
        pages = self.edition.book_pages
        last = max((c.number for c in self.edition.chapters), default=0)
        out: dict[str, int | None] = {}
        front = 0
        for p in pages:
            if not p.numbered:
                out[p.id] = None
            elif p.part == "front":
                front += 1
                out[p.id] = front
            else:
                last += 1
                out[p.id] = last
        return out

    def context(self) -> dict[str, Any]:
        """The names a page can use: each chapter id, ``cited``, ``chapters``, ``methods_table``,
        ``reactions``, ``params``, ``bron``, ``ontwikkeling`` (every chapter's key figures against
        ``vorige_editie``, as (chapter number, finding) pairs; ``kerncijfers_csv`` is their download)
        and the rest of a chapter's text context."""
        ctx = context(cited_register(self.edition), self.edition.raw)
        ctx = {k: v for k, v in ctx.items() if not isinstance(v, Finding)}
        ctx["cited"] = ChapterFindings("cited", cited_register(self.edition), "book.cited")
        ctx["threshold"], ctx["alpha"] = self.edition.disclosure_threshold, self.edition.alpha
        regs = self.chapter_registers
        listed = {c.id: c for c in self.edition.chapters}
        for cid in {*known_chapter_ids(), *listed}:
            ctx[cid] = ChapterFindings(cid, regs.get(cid), f"chapter '{cid}'")
        ctx["chapter_list"] = [{"id": c.id, "number": c.number, "title": chapter_title(c.notebook)}
                               for c in sorted(self.edition.chapters, key=lambda c: c.number)]
        ctx["chapters"] = {c["id"]: c for c in ctx["chapter_list"]}
        ctx["methods_table"] = lambda: methods_table(self.edition, self.rows)
        ctx["reactions"] = [{"organisation": r.organisation, "date": fmt_date(r.date), "example": r.example}
                            for r in self.edition.reactions]
        ctx["ontwikkeling"] = key_figure_rows(self.edition, regs)
        ctx["vorige_editie"] = previous_year([f for _, f in ctx["ontwikkeling"]])
        ctx["kerncijfers_csv"] = f"{DOWNLOAD_DIR}/{key_figures_csv_name(self.edition)}"
        return ctx

    def fill(self, page: BookPage, ctx: Mapping[str, Any], number: int | None) -> FilledPage:
        shown = _shown(page.path, self.edition)
        try:
            template = page.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PageError(f"{shown}: cannot read it: {exc}") from None
        where = PageWhere(shown)
        typed = typed_numbers(template)
        if typed:
            raise PageError(f"{where}: number(s) typed in the text: {', '.join(dict.fromkeys(typed))}. Every number "
                            f"comes from a register ([[ gemeenten.<id> | pct ]]), book.cited ([[ cited.<id> ]]) "
                            f"or the params ([[ params.edition ]])")
        try:
            check_names(template, ctx)
            text = render(template, ctx, where)
        except TextError as exc:
            message = str(exc)
            raise PageError(message if message.startswith(str(where)) else f"{where}: {message}") from None
        title = _title(text)
        if title is None:
            raise PageError(f"{shown}: the page needs a title: a first-level heading (# Title) on its first line")
        return FilledPage(page.id, page.part, number, title, _heading_attrs(text, number is None))

    def pages(self) -> list[FilledPage]:
        """Every page around the chapters, filled, in book order (front, then back, then the
        Bijlage and the Literatuur when the params have reactions or a bibliography)."""
        ctx = self.context()
        numbers = self.numbers()
        out = [self.fill(p, ctx, numbers[p.id]) for p in self.edition.book_pages]
        if self.edition.reactions:
            out.append(bijlage(self.edition))
        if self.edition.book_file("bibliography") is not None:
            out.append(FilledPage(LITERATUUR, "back", None, "Literatuur",
                                  "---\nnocite: |\n  @*\n---\n\n# Literatuur {.unnumbered}\n\n::: {#refs}\n:::\n", citations=True))
        return out


@dataclass(frozen=True)
class PageWhere:
    """Where a page's text sits, for error messages: the file to edit."""

    file: str

    def __str__(self) -> str:
        return self.file


def key_figure_rows(edition: Edition, registers: Mapping[str, Register]) -> list[tuple[str, Finding]]:
    """(chapter number, development) for every chapter's key figures, in chapter order."""
    from spiegel.development import developments

    return [(str(c.number), f) for c in sorted(edition.chapters, key=lambda c: c.number)
            if c.id in registers for f in developments(registers[c.id])]


def key_figures_csv_name(edition: Edition) -> str:
    """The key-figure table's download: ``kerncijfers-<edition>.csv`` in the book's ``cijfers/``."""
    return f"kerncijfers-{edition.edition}.csv"


def fill_pages(edition: Edition, registers: Mapping[str, Register] | None = None,
               rows: Mapping[str, int] | None = None) -> list[FilledPage]:
    """The filled pages around the chapters of ``edition`` (see :class:`Book`)."""
    return Book(edition, registers, rows).pages()


def check_names(template: str, ctx: Mapping[str, Any]) -> None:
    """Every ``<chapter>.<finding>`` a template names exists in that chapter's register (when the
    edition lists the chapter), in every branch, taken or not."""
    try:
        tree = ENV.parse(template)
    except jinja2.TemplateSyntaxError:
        return  # render() reports it with its line
    for node in tree.find_all(jinja2.nodes.Getattr):
        if isinstance(node.node, jinja2.nodes.Name):
            holder = ctx.get(node.node.name)
            if isinstance(holder, ChapterFindings) and holder:
                getattr(holder, node.attr)


def chapter_title(notebook: Path) -> str:
    """A chapter's title: the first first-level heading in its notebook's Markdown cells."""
    import nbformat

    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable notebook is one clear error
        raise PageError(f"cannot read the title of {notebook.name}: {exc}") from None
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            title = _title("".join(cell.get("source", "")))
            if title:
                return title
    raise PageError(f"{notebook.name} has no first-level heading (# Title) in its Markdown cells")


_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t]*(\{[^}\n]*\})?[ \t]*$", re.MULTILINE)


def _title(markdown: str) -> str | None:
    m = _TITLE.search(markdown)
    return m.group(1).strip() if m else None


_HEADING = re.compile(r"^(#{1,6}[ \t]+.+?)[ \t]*(\{([^}\n]*)\})?[ \t]*$", re.MULTILINE)


def _heading_attrs(markdown: str, unnumbered: bool) -> str:
    """Mark every heading of an unnumbered page ``.unnumbered`` (pandoc numbers the others)."""
    if not unnumbered:
        return markdown

    def mark(m: re.Match) -> str:
        attrs = (m.group(3) or "").strip()
        if ".unnumbered" in attrs.split() or "-" in attrs.split():
            return m.group(0)
        return f"{m.group(1)} {{{(attrs + ' ').lstrip()}.unnumbered}}"

    return _HEADING.sub(mark, markdown)


# --------------------------------------------------------------------------------------------
# the Bijlage


def fmt_date(day: dt.date) -> str:
    return f"{day.day} {fmt.MONTHS[day.month - 1]} {day.year}"


_LETTER_HEADING = re.compile(r"^(#{1,4})(\s)", re.MULTILINE)


def bijlage(edition: Edition) -> FilledPage:
    """The Bijlage: every reaction under its organisation, with date and reference; an example
    reaction (``example: true``) says so above its text."""
    names = join_nl([r.organisation for r in edition.reactions])
    title = f"Bijlage Bestuurlijke reacties {names}"
    parts = [f"# {title} {{.unnumbered}}", ""]
    for r in edition.reactions:
        shown = _shown(r.path, edition)
        try:
            letter = r.path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise PageError(f"{shown}: cannot read the reaction of {r.organisation}: {exc}") from None
        if not letter:
            raise PageError(f"{shown}: the reaction of {r.organisation} is empty")
        meta = f"Datum: {fmt_date(r.date)}" + (f" · Kenmerk: {r.reference}" if r.reference else "")
        parts += [f"## Reactie van {r.organisation} {{.unnumbered}}", "", "::: {.sp-letter-meta}", meta, ":::", ""]
        if r.example:
            parts += ["::: {.sp-example-note}",
                      f"**Voorbeeldreactie, voor deze publicatiestraat geschreven: dit is niet de reactie van "
                      f"{r.organisation}.**", ":::", ""]
        # the letter's own headings sit below the reaction's heading
        body = _LETTER_HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + 2) + m.group(2), letter)
        parts += ["::: {.sp-letter}", _heading_attrs(body, True), ":::", ""]
    return FilledPage(BIJLAGE, "back", None, title, "\n".join(parts))


# --------------------------------------------------------------------------------------------
# for the build's fingerprints


def input_files(edition: Edition) -> list[Path]:
    """Every file the pages are made from (templates, cited figures, bibliography, reactions)."""
    files = [p.path for p in edition.book_pages]
    files += [p for p in (edition.book_file("cited"), edition.book_file("bibliography")) if p is not None]
    files += [r.path for r in edition.reactions]
    return files
