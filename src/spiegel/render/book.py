"""Render the book: executed chapter notebooks -> HTML site + one PDF (pandoc 3 + Typst).

Steps (all in a private work folder, then into a temporary sibling of ``out_dir``):
  1. every notebook -> Pandoc Markdown (notebook.py); tables/figures are numbered continuously
     across the book in chapter order and collected in one registry (label -> number, page);
  2. per chapter: ``pandoc -t html5`` with quarto.lua + template.html, and ``pandoc -t typst`` with
     quarto.lua (the pandoc runs side by side); the Typst bodies are joined under template.typ
     into book.typ;
  3. ``typst.compile`` -> the PDF (fixed timestamp: byte-reproducible), while the HTML pages are
     still being written;
  4. ``manifest.json`` (what produced the book) is written into it, and the finished folder
     replaces ``out_dir`` (old one renamed away, new one renamed in; signals held in between).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from spiegel.buildstate import pid_running
from spiegel.render import colophon, pdf_name
from spiegel.render.downloads import workbook_name, write_downloads
from spiegel.render.errors import RenderError
from spiegel.render.notebook import DOWNLOAD_DIR, ChapterSource, prepare_chapter
from spiegel.render.site import finish_site

NAMES = {"tbl": "Tabel", "fig": "Figuur"}
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
          "oktober", "november", "december")
RESERVED_PAGES = {"index.html", "style.css", "site.js", "search-index.js", colophon.PAGE}
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/share/fonts/TTF",
             "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts")
# What would make a reader's browser contact another host. Local scripts (site.js, the search
# index, inline scripts) are allowed; a script from anywhere but this folder is not.
EXTERNAL_LOAD = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:[a-z][a-z0-9+.\-]*:|/)"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//|\bsrc=[\"']?(?:https?:)?//|@import\s+url\(\s*[\"']?(?:https?:)?//"
    r"|url\(\s*[\"']?https?://"
    r"|\b(?:import|fetch|importScripts|EventSource|WebSocket|open|sendBeacon)\s*\(\s*[\"'`](?:[a-z]+:)?//"
    r"|\bfrom\s*[\"'`](?:https?:)?//|\.src\s*=\s*[\"'`](?:https?:)?//|\blocation(?:\.href)?\s*=\s*[\"'`](?:https?:)?//",
    re.IGNORECASE,
)
CHECKED_FILES = ("*.html", "*.js", "*.css")


def external_load(text: str) -> str | None:
    """The first piece of ``text`` (HTML, script or style sheet) that would load something from
    another host, or None."""
    hit = EXTERNAL_LOAD.search(text)
    return hit.group(0) if hit else None


def resource_dir() -> Path:
    return Path(str(resources.files("spiegel.render")))


def _pub_date(edition: Any) -> dt.date | None:
    value = edition.raw.get("publication_date")
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise RenderError(f"publication_date '{value}' is not a date (YYYY-MM-DD)") from exc


def dutch_date(day: dt.date | None) -> str:
    return "" if day is None else f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def colofon_paragraphs(edition: Any) -> list[str]:
    """The colofon: from params (``colofon``: text or list of paragraphs) or a default."""
    custom = edition.raw.get("colofon")
    if isinstance(custom, str):
        return [p.strip() for p in custom.split("\n\n") if p.strip()]
    if isinstance(custom, list):
        return [str(p) for p in custom]
    publisher = edition.raw.get("publisher", "")
    paras = [
        f"{edition.title} is een uitgave van de {publisher}." if publisher else f"{edition.title}.",
    ]
    day = _pub_date(edition)
    when = []
    if day:
        when.append(f"Publicatiedatum: {dutch_date(day)}.")
    if edition.raw.get("research_period"):
        when.append(f"Onderzoeksperiode: {edition.raw['research_period']}.")
    if when:
        paras.append(" ".join(when))
    bronnen: list[str] = []
    for spec in (edition.raw.get("sources") or {}).values():
        bron = str((spec or {}).get("bron", "")).strip()
        if bron and bron not in bronnen:
            bronnen.append(bron)
    if bronnen:
        paras.append("Bronnen: " + "; ".join(bronnen) + ".")
    paras.append(
        "Alle cijfers, tabellen en figuren in deze publicatie zijn reproduceerbaar berekend uit de "
        "brongegevens met de publicatiestraat spiegel; dezelfde gegevens geven dezelfde publicatie."
    )
    return paras


# ------------------------------------------------------------------------------------------------
# pandoc / typst


def pandoc_path() -> str:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception as exc:  # noqa: BLE001
        found = shutil.which("pandoc")
        if found:
            return found
        raise RenderError(f"pandoc not found (install pypandoc-binary): {exc}") from exc


def run_pandoc(args: list[str], cwd: Path, context: Path | None, what: str) -> None:
    env = dict(os.environ)
    if context is not None:
        env["SPIEGEL_RENDER_CONTEXT"] = str(context)
    proc = subprocess.run(
        [pandoc_path(), *args], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8"
    )
    if proc.returncode != 0:
        msg = proc.stderr.strip() or proc.stdout.strip()
        raise RenderError(f"pandoc failed for {what}: {msg}")
    missing = re.findall(r"Citeproc: citation (\S+) not found", proc.stderr)
    if missing:
        raise RenderError(f"{what}: cites {', '.join('@' + m for m in dict.fromkeys(missing))}, which the "
                          "bibliography (book.bibliography in the params) does not have")


def typst_string(value: str) -> str:
    out = []
    for ch in str(value):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 32:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def font_dirs() -> list[str]:
    return [d for d in FONT_DIRS if Path(d, "DejaVuSans.ttf").is_file()]


# ------------------------------------------------------------------------------------------------
# the site


@dataclass
class Page:
    href: str
    label: str
    kind: str  # index | chapter | extra
    number: str = ""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _nav_vars(pages: list[Page], current: int) -> dict[str, Any]:
    nav = []
    for i, p in enumerate(pages):
        item: dict[str, Any] = {"href": _esc(p.href), "label": _esc(p.label), "kind": p.kind}
        if p.number:
            item["number"] = _esc(p.number)
        if i == current:
            item["current"] = True
        nav.append(item)
    out: dict[str, Any] = {"nav": nav}
    if current > 0:
        out["prev"] = {"href": _esc(pages[current - 1].href), "label": _esc(pages[current - 1].label)}
    if current + 1 < len(pages):
        out["next"] = {"href": _esc(pages[current + 1].href), "label": _esc(pages[current + 1].label)}
    return out


def _html_args(variables: dict[str, Any], template: Path) -> list[str]:
    args = ["-t", "html5", "--standalone", f"--template={template}", "--wrap=none"]
    for key, value in variables.items():
        args.append(f"--variable-json={key}:{json.dumps(value, ensure_ascii=False, sort_keys=True)}")
    return args


def _extra_slug(title: str, path: Path, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "pagina"
    name, n = f"{base}.html", 2
    while name in taken:
        name, n = f"{base}-{n}.html", n + 1
    taken.add(name)
    return name


def _split_html_document(text: str) -> tuple[str, list[str], str | None]:
    """(body, <style> blocks, title) of a full HTML document; scripts and external links dropped."""
    head_m = re.search(r"<head\b[^>]*>(.*?)</head>", text, re.S | re.I)
    head = head_m.group(1) if head_m else ""
    styles = re.findall(r"<style\b[^>]*>.*?</style>", head, re.S | re.I)
    title_m = re.search(r"<title\b[^>]*>(.*?)</title>", head, re.S | re.I)
    body_m = re.search(r"<body\b[^>]*>(.*)</body>", text, re.S | re.I)
    body = body_m.group(1) if body_m else re.sub(r"<head\b.*?</head>", "", text, flags=re.S | re.I)
    body = re.sub(r"<script\b.*?</script>", "", body, flags=re.S | re.I)
    return body, styles, (html.unescape(title_m.group(1)).strip() if title_m else None)


def _raw_html_markdown(fragment: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", fragment)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{fragment}\n{fence}\n"


def _index_body(edition: Any, book_pages: list[Page], extras: list[Page], notice: str | None = None,
                workbook: bool = False) -> str:
    parts = [colophon.cover_html(colophon.cover_data(edition), notice)]
    parts.append('<section class="sp-toc-section" aria-labelledby="sp-inhoud"><h2 id="sp-inhoud">Inhoud</h2>')
    parts.append('<ol class="sp-contents">')
    for p in book_pages:
        number = f'<span class="sp-nav-number">{_esc(p.number)}</span> ' if p.number else ""
        parts.append(f'<li class="sp-contents-{p.kind}"><a href="{_esc(p.href)}">{number}{_esc(p.label)}</a></li>')
    for p in extras:
        parts.append(f'<li class="sp-contents-extra"><a href="{_esc(p.href)}">{_esc(p.label)}</a></li>')
    parts.append(
        f'<li class="sp-contents-extra"><a href="{_esc(pdf_name(edition))}">De hele publicatie als PDF</a></li>'
    )
    if workbook:  # the numbers of every table and figure (downloads.py)
        book = f"{DOWNLOAD_DIR}/{workbook_name(pdf_name(edition))}"
        parts.append(f'<li class="sp-contents-extra"><a href="{_esc(book)}" download>'
                     "Alle tabellen en figuren als spreadsheet (Excel)</a></li>")
    parts.append("</ol></section>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------
# main entry


def _chapters(edition: Any, executed: dict[str, Path]) -> list[ChapterSource]:
    known = {c.id: c for c in edition.chapters}
    out = []
    for chapter_id, path in executed.items():
        if chapter_id not in known:
            raise RenderError(
                f"chapter '{chapter_id}' is not listed in the params of edition {edition.edition} "
                f"(known: {', '.join(known) or 'none'})"
            )
        out.append(prepare_chapter(Path(path), chapter_id, known[chapter_id].number,
                                   workbook=workbook_name(pdf_name(edition))))
    # The book is in chapter-number order, whatever the order of the params' list: tables and
    # figures are numbered on in that order (a chapter added later with a lower number comes first).
    out.sort(key=lambda c: c.number)
    pages = [c.page for c in out]
    dupes = sorted({p for p in pages if pages.count(p) > 1})
    if dupes:
        raise RenderError(f"two chapters would be written to the same page: {', '.join(dupes)}")
    if RESERVED_PAGES & set(pages):
        raise RenderError(f"a chapter notebook may not be called {', '.join(RESERVED_PAGES & set(pages))}")
    return out


def _around(edition: Any) -> list[Any]:
    """The filled pages around the chapters (spiegel.pages); none for params without ``book:``."""
    if not getattr(edition, "book_pages", None) and not getattr(edition, "reactions", None) \
            and not (hasattr(edition, "book_file") and edition.book_file("bibliography")):
        return []
    from spiegel.render.pages import PageError, fill_pages

    try:
        return fill_pages(edition)
    except PageError as exc:
        raise RenderError(str(exc)) from None


def citeproc_args(bibliography: Path | None) -> list[str]:
    """pandoc's citeproc over the edition's bibliography, in Dutch (after quarto.lua, which
    resolves the cross-references first)."""
    if bibliography is None:
        return []
    return ["--citeproc", f"--bibliography={bibliography}", "-M", "lang=nl-NL"]


def number_floats(chapters: list[ChapterSource]) -> dict[str, dict[str, Any]]:
    """Continuous numbering of tables and figures across the book, in chapter order."""
    registry: dict[str, dict[str, Any]] = {}
    counters = {"tbl": 0, "fig": 0}
    for ch in chapters:
        for label, kind in ch.floats:
            if label in registry:
                other = registry[label]["chapter"]
                raise RenderError(f"label '{label}' is used twice (chapters '{other}' and '{ch.id}')")
            counters[kind] += 1
            registry[label] = {"kind": kind, "number": counters[kind], "page": ch.page, "chapter": ch.id}
    return registry


def build_site(edition: Any, executed: dict[str, Path], target: Path, work: Path,
               extra_pages: dict[str, Path] | None, manifest: dict[str, Any] | None = None) -> None:
    """Write the whole publication into ``target`` (an empty folder), using ``work`` as scratch.
    ``manifest``: the book's manifest, whose fingerprints the colophon prints."""
    res = resource_dir()
    template_html, lua = res / "template.html", res / "quarto.lua"
    chapters = _chapters(edition, executed)
    if not chapters:
        raise RenderError("no chapters to render")
    registry = number_floats(chapters)
    facts = colophon.colophon_data(edition, manifest)  # build date, revision, versions, inputs, provenance

    for ch in chapters:
        for asset in ch.assets:
            dest = work / asset.relpath
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(asset.data)

    # --- the pages around the chapters (front and back matter), filled from the chapters' registers
    around = _around(edition)
    front = [fp for fp in around if fp.part == "front"]
    back = [fp for fp in around if fp.part == "back"]

    # --- pages and navigation
    taken = {c.page for c in chapters} | RESERVED_PAGES | {pdf_name(edition)}
    for fp in around:
        if f"{fp.stem}.html" in taken:
            raise RenderError(f"the page '{fp.id}' would be written to {fp.stem}.html, which another page has")
        taken.add(f"{fp.stem}.html")
    extras: list[tuple[Page, Path]] = []
    for title, path in (extra_pages or {}).items():
        path = Path(path)
        if not path.is_file():
            raise RenderError(f"extra page '{title}' not found: {path}")
        if path.suffix.lower() not in {".html", ".htm", ".md", ".markdown"}:
            raise RenderError(f"extra page '{title}' must be HTML or Markdown, not {path.name}")
        extras.append((Page(_extra_slug(title, path, taken), str(title), "extra"), path))

    def around_page(fp: Any) -> Page:
        return Page(f"{fp.stem}.html", fp.title, fp.part, str(fp.number) if fp.number is not None else "")

    book_pages = [around_page(fp) for fp in front]
    book_pages += [Page(c.page, c.title, "chapter", str(c.number)) for c in chapters]
    book_pages += [around_page(fp) for fp in back]
    colophon_page = Page(colophon.PAGE, colophon.TITLE, "extra")  # after everything, before the extra pages
    pages = [Page("index.html", "Titelpagina", "index"), *book_pages, colophon_page, *(p for p, _ in extras)]
    index_of = {p.href: i for i, p in enumerate(pages)}
    bibliography = edition.book_file("bibliography") if hasattr(edition, "book_file") else None
    cite_args = citeproc_args(bibliography)

    day = _pub_date(edition)
    common = {
        "lang": "nl",
        "site-title": _esc(edition.title),
        "publisher": _esc(edition.raw.get("publisher", "")),
        "date": _esc(dutch_date(day)),
        "pdf": _esc(pdf_name(edition)),
    }
    if facts["banner"]:
        common["synthetic-banner"] = _esc(facts["banner"])

    def html_page(index: int, source: Path, out_name: str, extra_args: list[str], context: Path | None,
                  variables: dict[str, Any], fmt: str = "markdown") -> None:
        page = pages[index]
        page_title = edition.title if page.kind == "index" else f"{page.label} · {edition.title}"
        variables = {**common, **_nav_vars(pages, index), "page-title": _esc(page_title),
                     "page-kind": f"sp-page-{page.kind}", **variables}
        args = ["-f", fmt, str(source), "-o", str(target / out_name), *_html_args(variables, template_html),
                *extra_args]
        run_pandoc(args, cwd=work, context=context, what=out_name)

    # The pandoc runs are independent processes: side by side, the Typst conversions first (the PDF
    # waits for them; the HTML pages are written while Typst compiles).
    typst_jobs: list[tuple] = []
    typst_sources: list[tuple[str, Path]] = []  # (heading counter line, Typst body) in book order
    html_jobs: list[tuple] = []

    def page_jobs(stem: str, href: str, markdown: str, number: int | None, extra: list[str]) -> None:
        md = work / f"{stem}.md"
        md.write_text(markdown, encoding="utf-8")
        ctx = work / f"{stem}.context.json"
        ctx.write_text(json.dumps({"page": href, "refs": registry, "names": NAMES, "citeproc": bool(cite_args)},
                                  ensure_ascii=False, sort_keys=True), encoding="utf-8")
        numbering = ["--number-sections", f"--number-offset={number - 1}"] if number is not None else []
        html_jobs.append((index_of[href], md, href, [f"--lua-filter={lua}", *cite_args, *extra, *numbering,
                                                      "--toc", "--toc-depth=3"], ctx, {}))
        typ = work / f"{stem}.typ"
        typst_jobs.append((["-f", "markdown", str(md), "-t", "typst", "--wrap=preserve", f"--lua-filter={lua}",
                            *cite_args, *extra, "-o", str(typ)], work, ctx, f"{stem} (Typst)"))
        counter = f"#counter(heading).update({number - 1})\n\n" if number is not None else ""
        typst_sources.append((f"// ---- {stem}\n{counter}", typ))

    quiet = ["-M", "suppress-bibliography=true"] if cite_args else []
    for fp in front:
        page_jobs(fp.stem, f"{fp.stem}.html", fp.markdown, fp.number, quiet)
    for ch in chapters:
        page_jobs(ch.stem, ch.page, ch.markdown, ch.number, quiet)
    for fp in back:
        page_jobs(fp.stem, f"{fp.stem}.html", fp.markdown, fp.number, [] if fp.citations else quiet)

    # --- title page
    index_md = work / "index.md"
    index_md.write_text(_raw_html_markdown(_index_body(edition, book_pages, [colophon_page, *(p for p, _ in extras)],
                                                       facts["notice"], any(ch.downloads for ch in chapters))),
                        encoding="utf-8")
    html_jobs.append((0, index_md, "index.html", [], None, {}))

    # --- colophon
    colophon_md = work / "colofon.md"
    colophon_md.write_text(_raw_html_markdown(colophon.colophon_html(facts)), encoding="utf-8")
    html_jobs.append((pages.index(colophon_page), colophon_md, colophon.PAGE, [], None, {}))

    # --- extra pages (e.g. the data-validation report)
    for offset, (page, path) in enumerate(extras):
        index = index_of[page.href]
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in {".md", ".markdown"}:
            src = work / f"extra-{offset}.md"
            src.write_text(text, encoding="utf-8")
            html_jobs.append((index, src, page.href, [], None, {}))
            continue
        if re.search(r"<html\b|<body\b", text, re.I):
            body, styles, _ = _split_html_document(text)
        else:
            body, styles = re.sub(r"<script\b.*?</script>", "", text, flags=re.S | re.I), []
        src = work / f"extra-{offset}.md"
        src.write_text(_raw_html_markdown('<div class="sp-extra-page">\n' + body + "\n</div>"), encoding="utf-8")
        html_jobs.append((index, src, page.href, [], None, {"header-includes": styles}))

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="pandoc") as pool:
        try:
            to_typst = [pool.submit(run_pandoc, *args) for args in typst_jobs]
            pages_done = [pool.submit(html_page, *args) for args in html_jobs]
            for future in to_typst:
                future.result()
            typst_bodies = [head + typ.read_text(encoding="utf-8") for head, typ in typst_sources]
            book_typ = _book_typst(edition, work, typst_bodies, facts)
            compile_pdf(book_typ, target / pdf_name(edition), root=work, day=_pub_date(edition))
            for future in pages_done:
                future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise

    shutil.copyfile(res / "style.css", target / "style.css")
    _write_downloads(edition, chapters, registry, target, synthetic=facts["banner"] is not None)
    finish_site(target, res)  # hyphens, heading anchors, search index, site.js (render/site.py)

    for pattern in CHECKED_FILES:
        for produced in sorted(target.glob(pattern)):
            hit = external_load(produced.read_text(encoding="utf-8"))
            if hit:
                raise RenderError(f"{produced.name} would load an external resource ({hit!r}); "
                                  "the publication must be self-contained")


def _write_downloads(edition: Any, chapters: list[ChapterSource], registry: dict[str, dict[str, Any]],
                     target: Path, synthetic: bool) -> None:
    """``cijfers/``: a CSV per table and figure and the edition's spreadsheet (downloads.py)."""
    day = _pub_date(edition)
    threshold = getattr(edition, "disclosure_threshold", None) or edition.raw.get("disclosure_threshold")
    write_downloads(target, chapters, registry, title=edition.title, publisher=edition.raw.get("publisher", ""),
                    date=day, date_text=dutch_date(day), edition=str(edition.edition),
                    threshold=threshold, synthetic=synthetic, pdf=pdf_name(edition))
    _write_key_figures(edition, target, synthetic, dutch_date(day))


def _write_key_figures(edition: Any, target: Path, synthetic: bool, date_text: str) -> None:
    """``cijfers/kerncijfers-<edition>.csv``: the key figures against the previous edition (when the
    params compare with one; spiegel.development), the numbers of the Kerncijfers page."""
    if not (getattr(edition, "raw", {}) or {}).get("development"):
        return
    from spiegel.development import previous_year
    from spiegel.render.downloads import key_figures_csv
    from spiegel.render.notebook import DOWNLOAD_DIR
    from spiegel.render.pages import Book, key_figure_rows, key_figures_csv_name

    rows = key_figure_rows(edition, Book(edition).chapter_registers)
    if not rows:
        return
    folder = target / DOWNLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    publisher = edition.raw.get("publisher", "")
    line = f"{edition.title}" + (f", {publisher}" if publisher else "") + (f", {date_text}" if date_text else "")
    title = f"Kerncijfers {edition.edition} en {previous_year([f for _, f in rows])}"
    (folder / key_figures_csv_name(edition)).write_text(
        key_figures_csv(rows, title=title, edition_line=line, synthetic=synthetic), encoding="utf-8", newline="")


def _book_typst(edition: Any, work: Path, typst_bodies: list[str], facts: dict[str, Any]) -> Path:
    """``book.typ`` in ``work``: the chapters' Typst bodies under template.typ; ``facts``: the
    colophon's (``colophon.colophon_data``)."""
    day = _pub_date(edition)
    shutil.copyfile(resource_dir() / "template.typ", work / "template.typ")
    book = [
        '#import "/template.typ": *',
        "#show: spiegel-book.with(",
        f"  title: {typst_string(edition.title)},",
    ]
    if edition.raw.get("subtitle"):
        book.append(f"  subtitle: {typst_string(edition.raw['subtitle'])},")
    book.append(f"  publisher: {typst_string(edition.raw.get('publisher', ''))},")
    if day:
        book.append(f"  date: datetime(year: {day.year}, month: {day.month}, day: {day.day}),")
    cover = colophon.cover_data(edition)
    book.append(f"  edition: {typst_string(cover['edition'])},")
    book.append(f"  ministry: {colophon.typst_value(cover['ministry'])},")
    book.append(f"  banner: {colophon.typst_value(facts['banner'])},")
    book.append(f"  notice: {colophon.typst_value(facts['notice'])},")
    book.append(f"  colophon: {colophon.typst_value(colophon.colophon_typst(facts))},")
    book.append(f"  back-cover: {colophon.typst_value(colophon.back_cover_data(edition))},")
    book.append(")")
    # each chapter's floats are placed before the next chapter starts (a flush at the end of the
    # chapter, not at the next one's start, where it would leave an empty page before it)
    source = "\n".join(book) + "\n\n" + "".join(f"{body}\n\n#place.flush()\n\n" for body in typst_bodies)
    (work / "book.typ").write_text(source, encoding="utf-8")
    return work / "book.typ"


def compile_pdf(source: Path, output: Path, root: Path, day: dt.date | None) -> None:
    import typst

    moment = dt.datetime.combine(day or dt.date(2000, 1, 1), dt.time(12, 0), tzinfo=dt.timezone.utc)
    fonts = font_dirs()
    try:
        pdf = typst.compile(
            str(source),
            root=str(root),
            font_paths=fonts,
            ignore_system_fonts=bool(fonts),
            timestamp=int(moment.timestamp()),
        )
    except Exception as exc:  # noqa: BLE001 - typst raises its own error type
        raise RenderError(f"Typst could not compile the PDF: {exc}") from exc
    output.write_bytes(pdf)


def _pid_of(leftover: Path, out_dir: Path) -> int | None:
    """The pid in ``<out>.tmp-<pid>-<x>`` / ``<out>.old-<pid>-<x>`` (None for other names)."""
    m = re.fullmatch(re.escape(out_dir.name) + r"\.(?:tmp|old)-(\d+)-.*", leftover.name)
    return int(m.group(1)) if m else None


def sweep_leftovers(out_dir: Path) -> None:
    """Remove the temporary folders of renders that were killed outright (SIGKILL, power loss), whose
    own cleanup could not run: ``<out>.tmp-<pid>-*`` and ``<out>.old-<pid>-*`` of processes that no
    longer exist. If such a render died between its two renames, its ``.old-`` folder is the
    previous book and is put back."""
    for leftover in sorted(out_dir.parent.glob(f"{out_dir.name}.old-*")) + \
            sorted(out_dir.parent.glob(f"{out_dir.name}.tmp-*")):
        pid = _pid_of(leftover, out_dir)
        if pid is None or pid == os.getpid() or pid_running(pid) or not leftover.is_dir():
            continue
        if leftover.name.startswith(f"{out_dir.name}.old-") and not out_dir.exists():
            os.replace(leftover, out_dir)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def temp_sibling(out_dir: Path, kind: str) -> Path:
    """A new empty folder ``<out>.<kind>-<pid>-<random>`` beside ``out_dir`` (the pid lets a later
    render recognise what a killed one left)."""
    return Path(tempfile.mkdtemp(prefix=f"{out_dir.name}.{kind}-{os.getpid()}-", dir=out_dir.parent))


def write_manifest(folder: Path, manifest: dict[str, Any] | None) -> None:
    """``manifest.json``: what produced the book (see spiegel.buildstate), written before it is
    moved into place so a book and its manifest are only ever published together."""
    from spiegel.buildstate import MANIFEST_NAME, manifest_json

    if manifest is not None:
        (folder / MANIFEST_NAME).write_text(manifest_json(manifest), encoding="utf-8")


def swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Replace out_dir by tmp: rename the old folder away, rename the new one in, delete the old.

    Ctrl-C/SIGTERM are held during the two renames, so an interrupted render leaves either the old
    book or the new one in place, never none."""
    from spiegel.buildstate import signals_deferred

    old = None
    try:
        with signals_deferred():
            if out_dir.exists():
                old = temp_sibling(out_dir, "old")
                old.rmdir()
                os.replace(out_dir, old)
            try:
                os.replace(tmp, out_dir)
            except OSError as exc:
                if old is not None:
                    os.replace(old, out_dir)
                    old = None
                raise RenderError(f"could not move the rendered book into {out_dir}: {exc}") from exc
    finally:
        if old is not None:
            with signals_deferred():
                shutil.rmtree(old, ignore_errors=True)


def render_pandoc(edition: Any, executed: dict[str, Path], out_dir: Path,
                  extra_pages: dict[str, Path] | None = None, manifest: dict[str, Any] | None = None) -> Path:
    from spiegel.buildstate import signals_deferred

    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    sweep_leftovers(out_dir)
    tmp = temp_sibling(out_dir, "tmp")
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the published folder should be readable
        with tempfile.TemporaryDirectory(prefix="spiegel-render-") as work:
            build_site(edition, executed, tmp, Path(work), extra_pages, manifest)
        write_manifest(tmp, manifest)
        swap_into_place(tmp, out_dir)
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes a RenderError
        raise RenderError(f"rendering failed: {type(exc).__name__}: {exc}") from exc
    finally:  # also on Ctrl-C and SIGTERM (spiegel turns SIGTERM into an exception)
        if tmp.exists():
            with signals_deferred():
                shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
