"""The HTML edition's finishing touches, applied to the pages pandoc wrote (book.py calls
:func:`finish_site` once every page is written):

* soft hyphens (U+00AD, Dutch patterns from pyphen's ``nl_NL`` dictionary) in the long words of
  headings, table headers and the navigation, so that a title such as
  "Re-integratieondersteuning" breaks at a syllable on a phone instead of overflowing or breaking
  mid-syllable (Chromium has no Dutch hyphenation dictionary, so ``hyphens: auto`` does nothing);
* a link to itself (``a.sp-anchor``) in every h2–h4 with an id;
* every chart (inline ``svg[role=img]``) in a ``div.sp-chart`` that carries its natural width
  (``--sp-w``), so style.css can draw it at the text column's width with labels of at least 12 px
  (on a phone it is scaled to the screen's width);
* ``search-index.js``: the text of every page, one entry per section (h1–h4 with an id), for the
  full-text search of ``site.js``. It is a script assigning ``window.SPIEGEL_SEARCH``, not JSON
  fetched at run time, so search works when the book is opened from disk (file://), where a
  browser refuses fetch() — which is why Pagefind, which fetches its index, is not used;
* ``site.js`` copied next to the pages.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

SHY = "\u00ad"
MIN_WORD = 10  # letters; shorter words are left alone
SCRIPT = "site.js"
INDEX = "search-index.js"
_HYPHENATE_IN = re.compile(r"(<(h[1-4]|thead|summary)\b[^>]*>)(.*?)(</\2>)", re.S | re.I)
_NAV = re.compile(r'(<(nav) class="sp-(?:pager)"[^>]*>)(.*?)(</\2>)', re.S)
_WORD = re.compile(r"[^\W\d_]{%d,}" % MIN_WORD)


@lru_cache(maxsize=1)
def _dictionary():
    import pyphen

    return pyphen.Pyphen(lang="nl_NL", left=3, right=3)


@lru_cache(maxsize=4096)
def hyphenate_word(word: str) -> str:
    return _dictionary().inserted(word, hyphen=SHY)


def hyphenate_text(text: str) -> str:
    """Soft hyphens in the long words of the text outside tags and entities of an HTML fragment."""
    parts = re.split(r"(<[^>]*>|&[#\w]+;)", text)
    for i in range(0, len(parts), 2):
        parts[i] = _WORD.sub(lambda m: hyphenate_word(m.group(0)), parts[i])
    return "".join(parts)


def _hyphenate_page(page: str) -> str:
    def inside(m: re.Match[str]) -> str:
        return m.group(1) + hyphenate_text(m.group(3)) + m.group(4)

    page = _NAV.sub(inside, page)
    # headings and table headers, but not inside inline SVG (chart text is laid out by the chart)
    pieces = re.split(r"(<svg\b.*?</svg>)", page, flags=re.S)
    for i in range(0, len(pieces), 2):
        pieces[i] = _HYPHENATE_IN.sub(inside, pieces[i])
    return "".join(pieces)


_ANCHORED = re.compile(r'(<(h[2-4])\b[^>]*\bid="([^"]+)"[^>]*>)(.*?)(</\2>)', re.S)


def _anchor_headings(page: str) -> str:
    def add(m: re.Match[str]) -> str:
        if 'class="sp-anchor"' in m.group(4):
            return m.group(0)
        link = (f'<a class="sp-anchor" href="#{m.group(3)}" '
                f'aria-label="Link naar dit deel">#</a>')
        return m.group(1) + m.group(4) + link + m.group(5)

    main = re.search(r'(<main\b.*?</main>)', page, re.S)
    if not main:
        return page
    body = _ANCHORED.sub(add, main.group(1))
    return page[:main.start()] + body + page[main.end():]


# ------------------------------------------------------------------------------------------------
# search index


class _Sections(HTMLParser):
    """Text of <main> split at h1–h4 with an id; SVG, scripts, styles and anchors skipped."""

    SKIP = {"svg", "script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.skip = 0
        self.heading: str | None = None
        self.sections: list[dict[str, str]] = [{"id": "", "title": "", "text": ""}]
        self._buf: list[str] = []
        self._head: list[str] | None = None
        self._in_anchor = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if tag in self.SKIP:
            self.skip += 1
        if tag == "a" and "sp-anchor" in (a.get("class") or ""):
            self._in_anchor = True
        if tag == "nav":
            self.skip += 1
        if re.fullmatch(r"h[1-4]", tag) and a.get("id"):
            self._flush()
            self.sections.append({"id": a["id"] or "", "title": "", "text": ""})
            self._head = []
        if tag in {"p", "li", "td", "th", "br", "div", "tr", "figcaption", "caption"}:
            self._buf.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = max(0, self.in_main - 1)
            self._flush()
        if not self.in_main:
            return
        if tag in self.SKIP or tag == "nav":
            self.skip = max(0, self.skip - 1)
        if tag == "a":
            self._in_anchor = False
        if re.fullmatch(r"h[1-4]", tag) and self._head is not None:
            self.sections[-1]["title"] = _squash("".join(self._head))
            self._head = None

    def handle_data(self, data: str) -> None:
        if not self.in_main or self.skip or self._in_anchor:
            return
        if self._head is not None:
            self._head.append(data)
        else:
            self._buf.append(data)

    def _flush(self) -> None:
        if self._buf:
            self.sections[-1]["text"] = _squash(self.sections[-1]["text"] + " " + "".join(self._buf))
            self._buf = []


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(SHY, "")).strip()


def page_sections(page_html: str) -> list[dict[str, str]]:
    parser = _Sections()
    parser.feed(page_html)
    parser.close()
    return [s for s in parser.sections if s["title"] or s["text"]]


def _page_title(page_html: str) -> str:
    m = re.search(r"<title>(.*?)</title>", page_html, re.S)
    title = html.unescape(m.group(1)) if m else ""
    return _squash(title.split(" · ")[0])


def search_entries(pages: list[Path]) -> list[dict[str, str]]:
    """One entry per section of every page: page title, section title, link and text."""
    entries = []
    for path in pages:
        text = path.read_text(encoding="utf-8")
        page_title = _page_title(text)
        for section in page_sections(text):
            href = path.name + (f"#{section['id']}" if section["id"] else "")
            entries.append({"page": page_title, "title": section["title"] or page_title,
                            "href": href, "text": section["text"]})
    return entries


def search_index_script(entries: list[dict[str, str]]) -> str:
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = data.replace("</", "<\\/")  # never closes a script element
    return "/* search-index.js — written by spiegel at render time; read by site.js */\n" \
           f"window.SPIEGEL_SEARCH = {data};\n"


# ------------------------------------------------------------------------------------------------


_CHART = re.compile(r'<svg\b(?=[^>]*\brole="img")[^>]*>.*?</svg>', re.S)


def _wrap_charts(page: str) -> str:
    def wrap(m: re.Match[str]) -> str:
        tag = re.match(r"<svg\b[^>]*>", m.group(0)).group(0)
        width = re.search(r'\bwidth="([\d.]+)(?:px)?"', tag) or re.search(r'viewBox="[\d.\-]+\s+[\d.\-]+\s+([\d.]+)', tag)
        style = f' style="--sp-w: {float(width.group(1)):g}px"' if width else ""
        return f'<div class="sp-chart"{style}>{m.group(0)}</div>'

    return _CHART.sub(wrap, page)


def finish_page(page: str) -> str:
    if 'class="sp-chart"' not in page:
        page = _wrap_charts(page)
    return _anchor_headings(_hyphenate_page(page))


def finish_site(target: Path, resources: Path) -> None:
    """Hyphenate and anchor every page in ``target``, then write the search index and site.js."""
    pages = sorted(target.glob("*.html"))
    for path in pages:
        text = path.read_text(encoding="utf-8")
        done = finish_page(text)
        if done != text:
            path.write_text(done, encoding="utf-8")
    (target / INDEX).write_text(search_index_script(search_entries(pages)), encoding="utf-8")
    shutil.copyfile(resources / SCRIPT, target / SCRIPT)
