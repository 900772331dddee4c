"""The reviewer's overview between two built editions: ``spiegel review --from 2022 --to 2023``.

What it compares, all read from what the two builds left (nothing is executed or rendered again,
and nothing is written into either edition's book or build state):

1. **Kerncijfers** — every figure of the chapters' findings registers
   (``<build state>/findings/<chapter>.json``) that both editions show under the same id: shares
   are tested with :func:`spiegel.stats.compare_shares` on their effective sample sizes, means
   and grades with :func:`spiegel.stats.compare_means` (each side's standard error taken from its
   confidence interval), at the newer edition's ``statistics.alpha``; counts are given as a
   relative change (moved: beyond the newer edition's ``change_tolerance``, else any change).
   Also the figures only one edition has, those withheld in one (not asked, suppressed), and the
   comparisons, trends and changes whose conclusion (significance, direction) differs.
2. **Tekst** — the text as filled from the registers: each chapter's Markdown cells of its
   executed notebook (``<build state>/notebooks/*.ipynb``, filled by ``spiegel run``, the exact
   text the render turns into the page) and the pages around the chapters filled again from the
   saved registers (:func:`spiegel.render.pages.fill_pages`, as the render does). Sentences are
   compared after masking numbers (digits, percentages, Dutch number words and fraction phrases
   such as "ruim de helft"); sentences that differ only in numbers are left out.
3. **Invoer** — params keys whose values differ (flattened key paths), contracts (the sha256 in
   the books' manifests, and the rules each edition is held to, ``editions:`` included), and the
   sources (file, sha256, rows as validated).

Output: ``_book/review-<from>-<to>.html``, ``.md`` (for the terminal) and ``.json`` (the same
facts, for scripts), beside the editions' folders and never in them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from spiegel import fmt
from spiegel.findings import Change, Comparison, Figure, Finding, Register, Trend, load
from spiegel.params import Edition, ParamsError, editions, load_params
from spiegel.stats import compare_means, compare_shares

#: The book's manifest, written last by a successful render.
MANIFEST = "manifest.json"


class ReviewError(Exception):
    """The overview cannot be written (an edition not built, an unknown edition, a bad --out);
    the message says what to run or change. Exit code 2."""


# --------------------------------------------------------------------------------------------
# the built editions


@dataclass
class Built:
    """What one edition's build left: its params, book manifest, registers and filled text."""

    edition: Edition
    manifest: dict[str, Any]
    registers: dict[str, Register]
    notebooks: dict[str, Path]

    @property
    def year(self) -> int:
        return self.edition.edition


def choose_editions(root: Path, old: int | None, new: int | None) -> tuple[int, int]:
    """``--from``/``--to`` with their defaults: ``--to`` the newest edition, ``--from`` the edition
    before it."""
    found = editions(root)
    if not found:
        raise ReviewError("no edition's params file (params/<year>.yml) found in this project")
    years = sorted(found)
    for year in (old, new):
        if year is not None and year not in found:
            raise ReviewError(f"no edition {year}: there is no params/{year}.yml (editions here: "
                              f"{', '.join(map(str, years))})")
    new = years[-1] if new is None else new
    if old is None:
        earlier = [y for y in years if y < new]
        if not earlier:
            raise ReviewError(f"no edition before {new} to compare with (editions here: "
                              f"{', '.join(map(str, years))}); name one: spiegel review --from <year> --to <year>")
        old = earlier[-1]
    if old == new:
        raise ReviewError(f"--from and --to are both {new}; name two editions")
    return old, new


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def locate(root: Path, year: int) -> Built:
    """Edition ``year`` as built: its book's manifest (``_book/<year>/manifest.json``), and the
    registers and executed notebooks of the build state of the params file the book names.
    Raises :class:`ReviewError` saying which ``make report`` to run when anything is missing."""
    run = f"make report EDITION={year}"
    params_file = root / "params" / f"{year}.yml"
    book = root / "_book" / str(year)
    manifest = _read_json(book / MANIFEST)
    if not isinstance(manifest, dict):
        raise ReviewError(f"edition {year} is not built (no _book/{year}/{MANIFEST}); run: {run}")
    named = (manifest.get("params") or {}).get("file")
    if named and (root / named).is_file():
        params_file = root / named  # the book may have been built from another params file of the edition
        if named != f"params/{year}.yml":
            run = f"make report PARAMS={named}"
    try:
        edition = load_params(params_file)
    except ParamsError as exc:
        raise ReviewError(f"edition {year}: {exc.problems[0] if exc.problems else exc}") from None
    registers, notebooks = {}, {}
    for chapter in edition.chapters:
        register = edition.build_dir / "findings" / f"{chapter.id}.json"
        notebook = edition.build_dir / "notebooks" / chapter.notebook.name
        for path in (register, notebook):
            if not path.is_file():
                rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
                raise ReviewError(f"edition {year} is not built completely ({rel} missing); run: {run}")
        registers[chapter.id] = load(register)
        notebooks[chapter.id] = notebook
    return Built(edition, manifest, registers, notebooks)


# --------------------------------------------------------------------------------------------
# (a) key figures


@dataclass
class FigureRow:
    """One figure both editions show: old and new value, the change and its test."""

    chapter: str
    id: str
    label: str
    unit: str
    old: float | int
    new: float | int
    old_ci: tuple[float | None, float | None]
    new_ci: tuple[float | None, float | None]
    change: float | None  # shares: new − old (a proportion); means: new − old; counts: relative
    test: str
    p_value: float | None
    significant: bool | None  # None: no test possible (no interval)
    moved: bool  # significant (shares, means) or beyond the tolerance (counts)
    intervals_overlap: bool | None = None


@dataclass
class Withheld:
    """A figure one edition shows and the other withholds, or has in one edition only."""

    chapter: str
    id: str
    label: str
    old: str  # what the older edition has: a value, "niet gevraagd in 2023", "onderdrukt", "—"
    new: str


@dataclass
class Conclusion:
    """A comparison, trend or change whose conclusion differs between the editions."""

    chapter: str
    id: str
    kind: str
    label: str
    old: str
    new: str
    old_significant: bool | None
    new_significant: bool | None


def _figures(register: Register) -> dict[str, Figure]:
    return {f.id: f for f in register if isinstance(f, Figure)}


def _z(confidence: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + confidence / 2))


def _estimate(f: Figure, confidence: float):
    """The figure as an Estimate with its standard error taken from its interval (means)."""
    est = f.estimate()
    if f.ci_low is not None and f.ci_high is not None:
        est = replace(est, se=(f.ci_high - f.ci_low) / (2 * _z(confidence)))
    return est


def shown_value(f: Figure | None, year: int | None = None) -> str:
    """A figure as the overview prints it (Dutch number format, one decimal more than the text)."""
    if f is None:
        return "—"
    if f.not_asked is not None:
        return f"niet gevraagd in {f.not_asked}"
    if f.suppressed or f.value is None:
        return f"onderdrukt ({f.reason})" if f.reason else "onderdrukt"
    return _value_text(f.unit, f.value)


def _value_text(unit: str, value: float | int) -> str:
    if unit == "share":
        return fmt.pct(value, 1)
    if unit == "count":
        return fmt.number(value, 0 if float(value).is_integer() else 1)
    return fmt.number(value, 2)


def _signed(text: str, value: float) -> str:
    return ("+" + text) if value > 0 and not text.startswith("-") else text


def change_text(row: FigureRow) -> str:
    """The change in Dutch format: "+3,2 procentpunt", "-0,15", "+4,0%"."""
    if row.change is None:
        return "—"
    if row.unit == "share":
        return _signed(fmt.pp(row.change, 1), row.change)
    if row.unit == "count":
        return _signed(fmt.pct(row.change, 1), row.change)
    return _signed(fmt.number(row.change, 2), row.change)


def compare_figures(old: Built, new: Built) -> tuple[list[FigureRow], list[Withheld], list[Withheld]]:
    """(figures in both editions, figures in one edition only, figures withheld in one)."""
    alpha = new.edition.alpha
    rows, only, withheld = [], [], []
    for chapter in _ordered_chapters(old, new):
        ro, rn = old.registers.get(chapter), new.registers.get(chapter)
        fo = _figures(ro) if ro is not None else {}
        fn = _figures(rn) if rn is not None else {}
        tolerance = float((rn or ro).tolerance or 0.0)  # the newer edition's "gelijk" for a change
        for fid in [*fo, *(k for k in fn if k not in fo)]:
            a, b = fo.get(fid), fn.get(fid)
            label = (b or a).label or fid
            if a is None or b is None:
                only.append(Withheld(chapter, fid, label, shown_value(a), shown_value(b)))
                continue
            if not a.shown or not b.shown or a.value is None or b.value is None:
                if a.shown != b.shown or a.not_asked != b.not_asked:
                    withheld.append(Withheld(chapter, fid, label, shown_value(a), shown_value(b)))
                continue
            rows.append(_figure_row(chapter, fid, label, a, b, alpha, tolerance,
                                    old.edition.confidence, new.edition.confidence))
    return rows, only, withheld


def _figure_row(chapter: str, fid: str, label: str, a: Figure, b: Figure, alpha: float, tolerance: float,
                conf_old: float, conf_new: float) -> FigureRow:
    ci_a, ci_b = (a.ci_low, a.ci_high), (b.ci_low, b.ci_high)
    overlap = None
    if None not in ci_a and None not in ci_b:
        overlap = not (ci_b[0] > ci_a[1] or ci_a[0] > ci_b[1])
    unit = b.unit if a.unit == b.unit else f"{a.unit}→{b.unit}"
    common = dict(chapter=chapter, id=fid, label=label, unit=unit, old=a.value, new=b.value, old_ci=ci_a,
                  new_ci=ci_b, intervals_overlap=overlap)
    if a.unit != b.unit:
        return FigureRow(**common, change=None, test="andere eenheid", p_value=None, significant=None, moved=True)
    if a.unit == "count" or None in ci_a or None in ci_b:
        # Counts, and register figures without an interval: no sampling error; moved when the
        # relative change is beyond the edition's tolerance for "gelijk".
        rel = None if not a.value else b.value / a.value - 1
        moved = abs(rel) > tolerance if rel is not None else a.value != b.value
        what = f"relatieve verandering (tolerantie {fmt.pct(tolerance, 1)})"
        return FigureRow(**common, change=rel if a.unit == "count" else b.value - a.value,
                         test=what if a.unit == "count" else f"geen interval; {what}", p_value=None,
                         significant=None, moved=moved)
    if a.unit == "share":
        result = compare_shares(_estimate(b, conf_new), _estimate(a, conf_old), alpha=alpha)
    else:
        result = compare_means(_estimate(b, conf_new), _estimate(a, conf_old), alpha=alpha)
    p = None if result.p_value is None or math.isnan(result.p_value) else float(result.p_value)
    sig = None if p is None else p < alpha
    return FigureRow(**common, change=b.value - a.value, test=result.test, p_value=p, significant=sig,
                     moved=bool(sig))


def _conclusion_text(f: Finding | None) -> tuple[str, bool | None]:
    if f is None:
        return "—", None
    if f.not_asked is not None:
        return f"niet gevraagd in {f.not_asked}", None
    if f.suppressed:
        return "onderdrukt", None
    if isinstance(f, Comparison):
        words = {"higher": "hoger", "lower": "lager", "equal": "gelijk"}.get(f.direction or "", str(f.direction))
        sig = "significant" if f.significant else "niet significant"
        p = "" if f.p_value is None else f", p {_p(f.p_value, '= ')}"
        return f"{words}, {sig}{p}", bool(f.significant)
    if isinstance(f, Trend):
        words = {"up": "stijgend", "down": "dalend", "flat": "geen trend"}.get(f.direction or "", str(f.direction))
        p = "" if f.p_value is None else f", p {_p(f.p_value, '= ')}"
        return f"{words}{p}", bool(f.significant)
    if isinstance(f, Change):
        words = {"up": "hoger", "down": "lager", "flat": "gelijk"}.get(f.direction or "", str(f.direction))
        rel = "" if f.relative is None else f" ({_signed(fmt.pct(f.relative, 1), f.relative)})"
        return f"{words}{rel}", None
    return f.kind, None


def _conclusion_key(f: Finding | None) -> Any:
    if f is None:
        return None
    if f.suppressed:
        return ("withheld", f.not_asked)
    if isinstance(f, Comparison):
        return (bool(f.significant), f.direction if f.significant else None)
    if isinstance(f, (Trend, Change)):
        return f.direction
    return None


def compare_conclusions(old: Built, new: Built) -> list[Conclusion]:
    """Comparisons (significance, direction), trends and changes (direction) whose conclusion
    differs, and those in one edition only."""
    out = []
    for chapter in _ordered_chapters(old, new):
        ro, rn = old.registers.get(chapter), new.registers.get(chapter)
        fo = {f.id: f for f in (ro or []) if isinstance(f, (Comparison, Trend, Change))}
        fn = {f.id: f for f in (rn or []) if isinstance(f, (Comparison, Trend, Change))}
        for fid in [*fo, *(k for k in fn if k not in fo)]:
            a, b = fo.get(fid), fn.get(fid)
            if _conclusion_key(a) == _conclusion_key(b):
                continue
            (ta, sa), (tb, sb) = _conclusion_text(a), _conclusion_text(b)
            ref = b or a
            out.append(Conclusion(chapter, fid, ref.kind, ref.label or fid, ta, tb, sa, sb))
    return out


def _ordered_chapters(old: Built, new: Built) -> list[str]:
    numbers = {c.id: c.number for c in old.edition.chapters} | {c.id: c.number for c in new.edition.chapters}
    return sorted(numbers, key=lambda cid: (numbers[cid], cid))


# --------------------------------------------------------------------------------------------
# (b) sentences


_NUMBER = re.compile(r"[-+−]?\d+(?:[.,]\d+)*")
_FRACTIONS = [phrase for _, phrase in fmt.FRACTIONS] + ["helft", "kwart", "driekwart"]
_WORDS = sorted({fmt.words(n) for n in range(101)} - {"één"} | {"één", "honderd", "duizend", "miljoen"},
                key=len, reverse=True)
_WORD_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_FRACTIONS, key=len, reverse=True))) + r"|"
                      + "|".join(map(re.escape, _WORDS)) + r")\b", re.IGNORECASE)
_QUALIFIED = re.compile(r"\b(?:ruim|bijna|ongeveer|circa|zo'n|rond)\s+#", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"#\s*(?:%|procent\b|procentpunten\b|procentpunt\b)", re.IGNORECASE)
_HASHES = re.compile(r"#(?:\s*(?:[-–,/]|tot|en|t/m)?\s*#)+")


def mask_numbers(sentence: str) -> str:
    """The sentence with every number replaced by ``#``: digits ("1.234,5", "57%", "2022"),
    Dutch number words ("achttien", "Zevenenzestig procent"), fraction phrases ("één op de drie",
    "ruim de helft") and their qualifiers; whitespace normalised. Two sentences with the same mask
    differ only in numbers. A number in brackets after its words is dropped, and "# van de
    klanten" reads "# klanten", so one share worded as a fraction or as a percentage is the same
    mask."""
    text = sentence.replace("\u00ad", "").replace("\u00a0", " ")
    text = _NUMBER.sub("#", text)
    text = re.sub(r"\bEén", "één", text)  # Dutch sentence-initial capital (fmt.capitalize)
    text = re.sub(r"\b(?:de|een)\s+(helft|kwart)\b", r"\1", text, flags=re.IGNORECASE)
    text = _WORD_RE.sub("#", text)
    text = re.sub(r"#\s+op\s+de\s+#", "#", text)
    text = re.sub(r"#\s+van\s+de\s+#", "#", text)
    for _ in range(2):
        text = _QUALIFIED.sub("#", text)
        text = _UNIT_AFTER.sub("#", text)
    text = _HASHES.sub("#", text)
    # the same share worded either way: "vier op de tien ondernemers (40%)" and "zesenveertig
    # procent van de ondernemers" are both "# ondernemers"
    text = re.sub(r"\s*\(\s*#\s*\)", "", text)
    text = re.sub(r"#\s+van\s+de\s+", "# ", text)
    return " ".join(text.split())


_FENCE = re.compile(r"^(```|~~~)")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SPLIT = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"'“‘(]*[A-ZÀ-ÝĲ0-9])")


def plain_text(markdown: str) -> list[str]:
    """The paragraphs of a page's Markdown as plain text: headings (without their attributes), list
    items and paragraphs, without tables, code or raw blocks, div fences, emphasis, links,
    cross-references (``@fig-x`` → "Figuur") or soft hyphens."""
    paragraphs: list[str] = []
    current: list[str] = []
    fenced = False
    lines = markdown.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":  # a YAML metadata block (the Literatuur's nocite)
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in ("---", "...")), 0)
        lines = lines[end + 1:]

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in lines:
        stripped = line.strip()
        if _FENCE.match(stripped):
            fenced = not fenced
            flush()
            continue
        if fenced:
            continue
        if not stripped or stripped.startswith(":::") or stripped.startswith("|") or stripped.startswith("+-") \
                or stripped.startswith("<!--") or re.fullmatch(r"[-=:| ]{3,}", stripped):
            flush()
            continue
        if stripped.startswith("#") or _LIST.match(line):
            flush()
        current.append(_inline(re.sub(r"^#+\s*", "", _LIST.sub("", stripped, count=1))))
        if stripped.startswith("#"):
            flush()
    flush()
    return [p for p in (" ".join(p.split()) for p in paragraphs) if p]


def _inline(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\u00a0", " ")
    text = re.sub(r"\s*\{[#.][^}]*\}\s*$", "", text)  # heading attributes
    text = re.sub(r"\[-?@(fig|tbl)-[\w-]+\]", lambda m: "Figuur" if m.group(1) == "fig" else "Tabel", text)
    text = re.sub(r"@(fig|tbl)-[\w-]+", lambda m: "Figuur" if m.group(1) == "fig" else "Tabel", text)
    text = re.sub(r"\[\^[^\]]*\]", "", text)  # footnote marks
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links, images
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)  # spans
    text = re.sub(r"<[^>]+>", "", text)  # raw HTML
    text = re.sub(r"(\*\*|__|\*|(?<!\w)_|_(?!\w))", "", text)  # emphasis
    text = text.replace("\\", "")
    return html.unescape(text)


def sentences(markdown: str) -> list[str]:
    """The sentences of a page's Markdown (headings and list items count as one or more)."""
    out = []
    for paragraph in plain_text(markdown):
        out += [s.strip() for s in _SPLIT.split(paragraph) if s.strip()]
    return out


@dataclass
class SentenceChange:
    """A sentence whose words (numbers masked) differ: changed (old → new), removed or added."""

    page: str
    title: str
    kind: str  # gewijzigd | vervallen | nieuw
    old: str | None
    new: str | None


def diff_sentences(old: Sequence[str], new: Sequence[str], page: str = "", title: str = "") -> list[SentenceChange]:
    """The sentences of ``new`` whose wording differs from ``old`` once numbers are masked
    (:func:`mask_numbers`), in text order: a changed sentence is paired with the most similar one
    it replaces; sentences that differ only in numbers are not listed."""
    mo, mn = [mask_numbers(s) for s in old], [mask_numbers(s) for s in new]
    out: list[SentenceChange] = []
    matcher = difflib.SequenceMatcher(None, mo, mn, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        left, right = list(range(i1, i2)), list(range(j1, j2))
        pairs: dict[int, int] = {}
        used: set[int] = set()
        for i in left:
            best, score = None, 0.0
            for j in right:
                if j in used:
                    continue
                ratio = difflib.SequenceMatcher(None, mo[i].split(), mn[j].split(), autojunk=False).ratio()
                if ratio > score:
                    best, score = j, ratio
            if best is not None and score >= 0.4:
                pairs[i] = best
                used.add(best)
        j_next = j1
        for i in left:
            if i in pairs:
                for j in range(j_next, pairs[i]):
                    if j not in used:
                        out.append(SentenceChange(page, title, "nieuw", None, new[j]))
                        used.add(j)
                out.append(SentenceChange(page, title, "gewijzigd", old[i], new[pairs[i]]))
                j_next = max(j_next, pairs[i] + 1)
            else:
                out.append(SentenceChange(page, title, "vervallen", old[i], None))
        for j in right:
            if j not in used:
                out.append(SentenceChange(page, title, "nieuw", None, new[j]))
    return out


def page_texts(built: Built) -> dict[str, tuple[str, str]]:
    """Page key -> (title, filled Markdown): each chapter's Markdown cells from its executed
    notebook, then the pages around the chapters filled from the saved registers."""
    import nbformat

    from spiegel.render.pages import fill_pages

    from spiegel.render.notebook import cell_options

    out: dict[str, tuple[str, str]] = {}
    for chapter in sorted(built.edition.chapters, key=lambda c: c.number):
        nb = nbformat.read(built.notebooks[chapter.id], as_version=4)
        parts = []
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                parts.append(cell.source)
            elif cell.cell_type == "code":  # the captions of tables and figures are text too
                try:
                    options = cell_options(cell.source)[0]
                except ValueError:
                    continue
                parts += [str(options[k]) for k in ("tbl-cap", "fig-cap") if options.get(k)]
        text = "\n\n".join(parts)
        title = next((s for s in sentences(text)[:1]), chapter.id)
        out[chapter.id] = (f"{chapter.number} {title}", text)
    rows = {d["dataset"]: int(d["rows"]) for d in (_validation(built).get("datasets") or [])
            if isinstance(d.get("rows"), int)}
    for page in fill_pages(built.edition, built.registers, rows):
        if page.citations:
            continue  # the Literatuur: pandoc writes it from the bibliography
        title = f"{page.number} {page.title}" if page.number is not None else page.title
        out[f"pagina {page.id}"] = (title, page.markdown)
    return out


def compare_text(old: Built, new: Built) -> tuple[list[SentenceChange], list[str]]:
    """(sentence changes, notes on pages one edition has only or page files changed since the build)."""
    po, pn = page_texts(old), page_texts(new)
    changes, notes = [], []
    for key in [*pn, *(k for k in po if k not in pn)]:
        if key not in po:
            notes.append(f"{pn[key][0]}: alleen in {new.year}")
            continue
        if key not in pn:
            notes.append(f"{po[key][0]}: alleen in {old.year}")
            continue
        changes += diff_sentences(sentences(po[key][1]), sentences(pn[key][1]), key, pn[key][0])
    for built in (old, new):
        notes += _page_files_changed(built) + _chapters_after_the_book(built)
    return changes, notes


def _chapters_after_the_book(built: Built) -> list[str]:
    """Chapters executed again after the edition's book was rendered (``make notebooks``): their
    registers and text here are newer than the book."""
    from spiegel.buildstate import sha256_file

    recorded = built.manifest.get("notebooks") or {}
    stale = [cid for cid, path in built.notebooks.items()
             if (recorded.get(cid) or {}).get("executed_sha256") not in (None, sha256_file(path))]
    if not stale:
        return []
    return [f"hoofdstuk {', '.join(stale)} van {built.year} is opnieuw uitgevoerd na de bouw van het boek; cijfers en "
            f"tekst hier zijn die van de laatste uitvoering (make report EDITION={built.year} om het boek bij te werken)"]


def _page_files_changed(built: Built) -> list[str]:
    """Page files (book/*.md) whose content differs from what the edition's book was built from:
    their text here is as it would be filled now."""
    from spiegel.buildstate import sha256_file

    out = []
    for key, entry in (built.manifest.get("book") or {}).items():
        path = built.edition.root / (entry.get("file") or key)
        if path.is_file() and entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            out.append(f"{entry.get('file') or key} is gewijzigd sinds de bouw van {built.year}; de tekst hier is "
                       f"zoals die nu gevuld wordt (make report EDITION={built.year} om het boek bij te werken)")
    return out


# --------------------------------------------------------------------------------------------
# (c) params, contracts, sources


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """``{"a": {"b": [1, {"c": 2}]}}`` → ``{"a.b[0]": 1, "a.b[1].c": 2}`` (empty mappings and
    lists as themselves)."""
    if isinstance(value, Mapping) and value:
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= flatten(v, f"{path}.{k}" if path else str(k))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out |= flatten(v, f"{path}[{i}]")
        return out
    return {path: value}


def _shown(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@dataclass
class KeyChange:
    key: str
    old: str | None  # None: not in the older edition's params
    new: str | None


def compare_params(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[KeyChange]:
    """Params keys (flattened paths) whose values differ, in the newer file's order."""
    fo, fn = flatten(dict(old)), flatten(dict(new))
    out = []
    for key in [*fn, *(k for k in fo if k not in fn)]:
        if key in fo and key in fn and fo[key] == fn[key] and type(fo[key]) is type(fn[key]):
            continue
        out.append(KeyChange(key, _shown(fo[key]) if key in fo else None, _shown(fn[key]) if key in fn else None))
    return out


@dataclass
class ContractChange:
    source: str
    contract: str
    file: str
    old_sha256: str | None
    new_sha256: str | None
    columns_dropped: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    rules_dropped: list[str] = field(default_factory=list)
    rules_added: list[str] = field(default_factory=list)
    rules_changed: list[str] = field(default_factory=list)  # the same rule with other arguments
    editions_section: str | None = None  # what the contract's editions: says for either edition


def _rule_name(item: Mapping[str, Any]) -> str:
    kwargs = item.get("kwargs") or {}
    where = kwargs.get("column") or kwargs.get("column_A") or ""
    return f"{item.get('type')}({where})" if where else str(item.get("type"))


def _contract_rules(root: Path, name: str, year: int) -> tuple[list[str], list[str], dict | None]:
    """(columns, rule names, the ``editions.<year>`` section) of contract ``name`` for ``year``."""
    import yaml

    from spiegel.contracts import _for_edition

    path = root / "data_contracts" / f"{name}.yml"
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return [], [], None
    if not isinstance(spec, dict) or not isinstance(spec.get("expectations"), list):
        return [], [], None
    items = _for_edition(spec, year, name, f"data_contracts/{name}.yml")
    columns: list[str] = []
    for item in items:
        if item.get("type") == "expect_table_columns_to_match_set":
            columns = list((item.get("kwargs") or {}).get("column_set") or [])
    section = (spec.get("editions") or {}).get(year)
    return columns, [json.dumps(i, sort_keys=True, default=str) for i in items], section


def compare_contracts(old: Built, new: Built) -> list[ContractChange]:
    """Per source: a contract whose file differs between the two books' manifests, or whose rules
    for the newer edition differ from those for the older (its ``editions:`` section)."""
    root = new.edition.root
    mo, mn = old.manifest.get("contracts") or {}, new.manifest.get("contracts") or {}
    out = []
    sources = {**old.edition.raw["sources"], **new.edition.raw["sources"]}
    for sid in sources:
        so, sn = old.edition.raw["sources"].get(sid), new.edition.raw["sources"].get(sid)
        name = (sn or so)["contract"]
        co, cn = mo.get(sid) or {}, mn.get(sid) or {}
        cols_o, rules_o, sec_o = _contract_rules(root, (so or sn)["contract"], old.year)
        cols_n, rules_n, sec_n = _contract_rules(root, name, new.year)
        change = ContractChange(
            sid, name if not so or so["contract"] == name else f"{so['contract']} → {name}",
            cn.get("file") or co.get("file") or f"data_contracts/{name}.yml", co.get("sha256"), cn.get("sha256"),
            columns_dropped=[c for c in cols_o if c not in cols_n], columns_added=[c for c in cols_n if c not in cols_o],
            rules_dropped=[_rule_name(json.loads(r)) for r in rules_o if r not in rules_n],
            rules_added=[_rule_name(json.loads(r)) for r in rules_n if r not in rules_o])
        change.rules_changed = [r for r in change.rules_added if r in change.rules_dropped]
        change.rules_added = [r for r in change.rules_added if r not in change.rules_changed]
        change.rules_dropped = [r for r in change.rules_dropped if r not in change.rules_changed]
        sections = [f"editions.{y}: {_shown(s)}" for y, s in ((old.year, sec_o), (new.year, sec_n)) if s]
        change.editions_section = "; ".join(sections) or None
        if (change.old_sha256 != change.new_sha256 or change.columns_dropped or change.columns_added
                or change.rules_dropped or change.rules_added or change.rules_changed or change.contract != name):
            out.append(change)
    return out


@dataclass
class SourceChange:
    source: str
    old_file: str | None
    new_file: str | None
    old_sha256: str | None
    new_sha256: str | None
    old_rows: int | None
    new_rows: int | None
    differs: list[str]  # which of file, sha256, rows differ


def _validation(built: Built) -> dict[str, Any]:
    doc = _read_json(built.edition.build_dir / "validation.json")
    return doc if isinstance(doc, dict) else {}


def compare_sources(old: Built, new: Built) -> list[SourceChange]:
    """Sources whose file, sha256 (the books' manifests) or row count (the validation) differ."""
    do, dn = old.manifest.get("data") or {}, new.manifest.get("data") or {}
    ro = {d.get("dataset"): d.get("rows") for d in _validation(old).get("datasets") or []}
    rn = {d.get("dataset"): d.get("rows") for d in _validation(new).get("datasets") or []}
    out = []
    for sid in [*dn, *(k for k in do if k not in dn)]:
        a, b = do.get(sid) or {}, dn.get(sid) or {}
        row = SourceChange(sid, a.get("file"), b.get("file"), a.get("sha256"), b.get("sha256"), ro.get(sid), rn.get(sid),
                           [])
        row.differs = [what for what, x, y in (("bestand", row.old_file, row.new_file),
                                               ("sha256", row.old_sha256, row.new_sha256),
                                               ("rijen", row.old_rows, row.new_rows)) if x != y]
        if row.differs:
            out.append(row)
    return out


def compare_code(old: Built, new: Built) -> list[str]:
    """The code groups (and spiegel version) whose fingerprint differs between the two books."""
    co, cn = old.manifest.get("code") or {}, new.manifest.get("code") or {}
    out = [group for group in [*cn, *(g for g in co if g not in cn)] if co.get(group) != cn.get(group)]
    if old.manifest.get("spiegel_version") != new.manifest.get("spiegel_version"):
        out.append(f"spiegel {old.manifest.get('spiegel_version')} → {new.manifest.get('spiegel_version')}")
    return out


# --------------------------------------------------------------------------------------------
# the overview


@dataclass
class Review:
    old: int
    new: int
    alpha: float
    figures: list[FigureRow]
    only_one: list[Withheld]
    withheld: list[Withheld]
    conclusions: list[Conclusion]
    sentences: list[SentenceChange]
    text_notes: list[str]
    params: list[KeyChange]
    contracts: list[ContractChange]
    sources: list[SourceChange]
    code: list[str]

    @property
    def moved(self) -> list[FigureRow]:
        return [r for r in self.figures if r.moved]

    def to_json(self) -> str:
        doc = asdict(self)
        return json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n"


def review(root: Path, old_year: int | None = None, new_year: int | None = None) -> Review:
    """The overview between two built editions of the project at ``root`` (defaults as
    :func:`choose_editions`). Raises :class:`ReviewError` when one is not built."""
    old_year, new_year = choose_editions(root, old_year, new_year)
    missing = []
    built = {}
    for year in (old_year, new_year):
        try:
            built[year] = locate(root, year)
        except ReviewError as exc:
            missing.append(str(exc))
    if missing:
        raise ReviewError("\n".join(missing))
    old, new = built[old_year], built[new_year]
    figures, only, withheld = compare_figures(old, new)
    text, notes = compare_text(old, new)
    return Review(old_year, new_year, new.edition.alpha, figures, only, withheld, compare_conclusions(old, new), text,
                  notes, compare_params(old.edition.raw, new.edition.raw), compare_contracts(old, new),
                  compare_sources(old, new), compare_code(old, new))


def _yes_no(value: bool | None) -> str:
    return "—" if value is None else ("ja" if value else "nee")


def _p(value: float | None, equals: str = "") -> str:
    return "—" if value is None else ("< 0,001" if value < 0.001 else equals + fmt.number(value, 3))


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _figure_cells(r: FigureRow) -> list[str]:
    return [r.chapter, f"{r.label} ({r.id})", _value_text(r.unit if "→" not in r.unit else "mean", r.old),
            _value_text(r.unit if "→" not in r.unit else "mean", r.new), change_text(r), _p(r.p_value),
            _yes_no(r.significant), _interval_text(r.unit, r.old_ci), _interval_text(r.unit, r.new_ci)]


def _interval_text(unit: str, ci: Sequence[float | None]) -> str:
    """A confidence interval as "21,8–28,2%" (shares) or "6,91–7,12"; "—" without one."""
    low, high = ci
    if low is None or high is None:
        return "—"
    if unit == "share":
        return f"{fmt.number(low * 100, 1)}–{fmt.pct(high, 1)}"
    return f"{fmt.number(low, 2)}–{fmt.number(high, 2)}"


FIGURE_HEADER = ("Hoofdstuk", "Cijfer", "{old}", "{new}", "Verandering", "p", "Significant", "Interval {old}",
                 "Interval {new}")


def sections(rv: Review) -> list[tuple[str, str, list[str], list[list[str]] | None]]:
    """The overview as (heading, intro, header, rows) sections; shared by the Markdown and HTML."""
    header = [h.format(old=rv.old, new=rv.new) for h in FIGURE_HEADER]
    alpha = fmt.number(rv.alpha, 2)
    out: list[tuple[str, str, list[str], list[list[str]] | None]] = [
        ("Kerncijfers die meer bewogen dan hun onzekerheid",
         f"Cijfers die beide edities tonen. Aandelen: z-toets op twee steekproeven (effectieve n), gemiddelden en "
         f"rapportcijfers: Welch-toets (standaardfout uit het betrouwbaarheidsinterval), bij alpha {alpha} van "
         f"{rv.new}; aantallen en registercijfers zonder interval: relatieve verandering voorbij de tolerantie "
         f"van het hoofdstuk. Verandering van aandelen in procentpunt; de intervallen zoals de edities ze "
         f"publiceren.",
         header, [_figure_cells(r) for r in rv.moved]),
        ("Toetsen en trends met een andere uitkomst",
         "Vergelijkingen (richting, significantie), trends en veranderingen waarvan de conclusie verschilt.",
         ["Hoofdstuk", "Bevinding", str(rv.old), str(rv.new)],
         [[c.chapter, f"{c.label} ({c.id}, {c.kind})", c.old, c.new] for c in rv.conclusions]),
        ("Cijfers die in één editie ontbreken of niet getoond worden",
         "Niet gevraagd, onderdrukt (te weinig waarnemingen) of alleen in één editie geregistreerd.",
         ["Hoofdstuk", "Cijfer", str(rv.old), str(rv.new)],
         [[w.chapter, f"{w.label} ({w.id})", w.old, w.new] for w in [*rv.withheld, *rv.only_one]]),
        ("Zinnen met andere woorden",
         "Zinnen waarvan de woorden verschillen als de getallen weggelaten worden (zinnen die alleen in getallen "
         "verschillen staan hier niet). Tekst: de gevulde Markdown van de uitgevoerde hoofdstukken en de pagina's "
         "eromheen." + (" " + " ".join(rv.text_notes) if rv.text_notes else ""),
         ["Pagina", "Soort", str(rv.old), str(rv.new)],
         [[s.title, s.kind, s.old or "—", s.new or "—"] for s in rv.sentences]),
        ("Gewijzigde parameters", "Sleutels van de params waarvan de waarde verschilt.",
         ["Sleutel", str(rv.old), str(rv.new)],
         [[k.key, "—" if k.old is None else k.old, "—" if k.new is None else k.new] for k in rv.params]),
        ("Gewijzigde datacontracten",
         "Contracten waarvan het bestand verschilt tussen de twee boeken (sha256 in manifest.json), of die voor "
         f"{rv.new} andere kolommen of regels stellen dan voor {rv.old} (editions: in het contract).",
         ["Bron", "Contract", "sha256", "Kolommen", "Regels", "editions:"],
         [[c.source, c.file, _sha_text(c.old_sha256, c.new_sha256), _plus_minus(c.columns_added, c.columns_dropped),
           _plus_minus(c.rules_added, c.rules_dropped, c.rules_changed), c.editions_section or "—"]
          for c in rv.contracts]),
        ("Gewijzigde bronnen", "Bestand en sha256 uit manifest.json, rijen zoals de validatie ze telde.",
         ["Bron", "Verschilt", str(rv.old), str(rv.new)],
         [[s.source, ", ".join(s.differs), _source_text(s.old_file, s.old_sha256, s.old_rows),
           _source_text(s.new_file, s.new_sha256, s.new_rows)] for s in rv.sources]),
        ("Programmatuur",
         ("De code verschilt tussen de twee boeken: " + ", ".join(rv.code) + ".") if rv.code else
         "Beide boeken zijn met dezelfde code gebouwd.", [], None),
        ("Alle kerncijfers in beide edities", "Ook die binnen hun onzekerheid bleven.",
         header, [_figure_cells(r) for r in rv.figures]),
    ]
    return out


def _sha_text(a: str | None, b: str | None) -> str:
    return "gelijk" if a == b else f"{(a or '—')[:12]} → {(b or '—')[:12]}"


def _plus_minus(added: list[str], dropped: list[str], changed: Sequence[str] = ()) -> str:
    parts = [f"+ {x}" for x in added] + [f"− {x}" for x in dropped] + [f"≠ {x}" for x in changed]
    return "; ".join(parts) or "gelijk"


def _source_text(file: str | None, sha: str | None, rows: int | None) -> str:
    return f"{file or '—'} ({(sha or '—')[:12]}, {'?' if rows is None else fmt.number(rows)} rijen)"


def title(rv: Review) -> str:
    return f"Wat veranderde tussen de edities {rv.old} en {rv.new}"


def summary_lines(rv: Review) -> list[str]:
    return [f"{len(rv.moved)} van de {len(rv.figures)} kerncijfers in beide edities bewogen meer dan hun onzekerheid",
            f"{len(rv.conclusions)} toetsen/trends met een andere uitkomst",
            f"{len(rv.withheld) + len(rv.only_one)} cijfers ontbreken of worden niet getoond in één editie",
            f"{len(rv.sentences)} zinnen met andere woorden",
            f"{len(rv.params)} gewijzigde parameters, {_n(len(rv.contracts), 'datacontract', 'datacontracten')}, "
            f"{_n(len(rv.sources), 'bron', 'bronnen')}"]


def _n(n: int, one: str, more: str) -> str:
    return f"{n} {one if n == 1 else more}"


def to_markdown(rv: Review) -> str:
    lines = [f"# {title(rv)}", "", *(f"- {s}" for s in summary_lines(rv)), ""]
    for heading, intro, header, rows in sections(rv):
        lines += [f"## {heading}", "", intro, ""]
        if rows is not None:
            lines += (_md_table(header, rows) if rows else ["Geen."]) + [""]
    return "\n".join(lines)


def _word_diff(old: str, new: str) -> tuple[str, str]:
    """The two sentences as HTML with the words that differ marked (<del>, <ins>)."""
    a, b = old.split(), new.split()
    left, right = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        ta, tb = html.escape(" ".join(a[i1:i2])), html.escape(" ".join(b[j1:j2]))
        if tag == "equal":
            left.append(ta)
            right.append(tb)
        else:
            if ta:
                left.append(f"<del>{ta}</del>")
            if tb:
                right.append(f"<ins>{tb}</ins>")
    return " ".join(left), " ".join(right)


CSS = """body{font-family:system-ui,sans-serif;max-width:80rem;margin:2rem auto;padding:0 1rem;color:#1d1d1b;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem;font-size:.9rem}
th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.summary li{margin:.1rem 0}"""


def to_html(rv: Review) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="nl"><head><meta charset="utf-8">',
             f"<title>{html.escape(title(rv))}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title(rv))}</h1>", '<ul class="summary">',
             *(f"<li>{html.escape(s)}</li>" for s in summary_lines(rv)), "</ul>"]
    for index, (heading, intro, header, rows) in enumerate(sections(rv)):
        parts += [f"<h2>{html.escape(heading)}</h2>", f"<p>{html.escape(intro)}</p>"]
        if rows is None:
            continue
        if not rows:
            parts.append("<p>Geen.</p>")
            continue
        folded = heading.startswith("Alle kerncijfers")
        if folded:
            parts.append(f"<details><summary>{len(rows)} cijfers</summary>")
        parts.append("<table><thead><tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in header)
                     + "</tr></thead><tbody>")
        is_text = heading.startswith("Zinnen")
        for row, item in zip(rows, rv.sentences if is_text else [None] * len(rows)):
            cells = [html.escape(str(c)) for c in row]
            if is_text and item is not None and item.old and item.new:
                cells[2], cells[3] = _word_diff(item.old, item.new)
            parts.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>" + ("</details>" if folded else ""))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def output_paths(root: Path, rv: Review, out: Path | None) -> dict[str, Path]:
    """Where the overview goes: ``--out`` (a ``.html`` file, or a folder), by default
    ``_book/review-<from>-<to>.html``; the ``.md`` and ``.json`` beside it. Never inside an
    edition's book or build folder."""
    name = f"review-{rv.old}-{rv.new}"
    if out is None:
        html_path = root / "_book" / f"{name}.html"
    elif out.suffix.lower() in (".html", ".htm"):
        html_path = out
    else:
        html_path = out / f"{name}.html"
    html_path = html_path.resolve() if html_path.is_absolute() else (Path.cwd() / html_path).resolve()
    for year in (rv.old, rv.new):
        for folder in (root / "_book" / str(year), root / "build" / str(year)):
            if html_path.is_relative_to(folder.resolve()):
                raise ReviewError(f"--out {out}: inside {folder.relative_to(root).as_posix()}/, which belongs to "
                                  f"edition {year}'s build; name a place outside every edition's book and build")
    return {"html": html_path, "md": html_path.with_suffix(".md"), "json": html_path.with_suffix(".json")}


def write(root: Path, rv: Review, out: Path | None = None) -> dict[str, Path]:
    """Write the overview (HTML, Markdown, JSON); returns the paths."""
    paths = output_paths(root, rv, out)
    paths["html"].parent.mkdir(parents=True, exist_ok=True)
    for kind, text in (("html", to_html(rv)), ("md", to_markdown(rv)), ("json", rv.to_json())):
        tmp = paths[kind].with_name(paths[kind].name + ".tmp")
        tmp.write_text(text, encoding="utf-8", newline="\n")
        tmp.replace(paths[kind])
    return paths
