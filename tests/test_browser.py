"""The built site checked as readers see it: every page of `_book/<edition>/` opened in headless Debian
chromium (driven by Playwright from PyPI; no browser download) at 1280 px and at 375 px wide.

The book is the one `make report` builds in the session's project copy (``built_project`` in
conftest.py, shared with test_build.py). Pages are discovered from the built folder (every
``*.html``), never listed here. Every request the pages make is watched: only ``file://`` URLs of
the book (and ``data:``/``about:``) may be asked for, anything else is aborted and fails the test.

Without chromium or Playwright the tests skip locally, and FAIL when ``CI`` is set.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("SPIEGEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-default-apps", "--disable-extensions"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
        import axe_playwright_python  # noqa: F401
    except ImportError as exc:
        return f"Playwright or axe-playwright-python not installed ({exc}); `make venv` installs them"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"chromium not found at {CHROMIUM} (Debian: apt-get install chromium; .ci/run installs it)"
    return None


def require_browser(missing: str | None, env: dict[str, str] | None = None) -> None:
    """Skip (locally) or fail (in CI: the env var CI is set) when the browser cannot run."""
    if missing is None:
        return
    env = os.environ if env is None else env
    if env.get("CI"):
        pytest.fail(f"CI: the browser tests must run, but {missing}")
    pytest.skip(missing)


# ------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def book(built_project, edition, tmp_path_factory) -> Path:
    """A copy of the freshly built book, `_book/<edition>/` (test_build.py changes the project afterwards)."""
    project, _, _ = built_project
    dest = tmp_path_factory.mktemp("browser") / "_book"
    shutil.copytree(project / "_book" / str(edition.edition), dest)
    return dest


@pytest.fixture(scope="module")
def pages(book) -> list[Path]:
    found = sorted(book.glob("*.html"))
    assert len(found) >= 3 and (book / "index.html") in found
    return found


@pytest.fixture(scope="module")
def browser():
    require_browser(browser_missing())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Watched:
    """A browser context whose requests, console errors and page errors are recorded; requests
    for anything but local files are aborted."""

    def __init__(self, browser, book: Path, viewport: dict):
        self.book = book
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=viewport, service_workers="block")
        self.context.on("request", self._request)
        self.context.route(re.compile(r"^(?!file:|data:|about:|blob:)"), self._refuse)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "assert") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url} ({r.failure})"))

    def _request(self, request) -> None:
        self.requests.append(request.url)
        if not request.url.startswith(LOCAL_SCHEMES):
            self.outside.append(request.url)
        elif request.url.startswith("file:"):
            path = Path(unquote(urlsplit(request.url).path))
            if self.book.resolve() not in path.resolve().parents:
                self.outside.append(request.url)  # a local file outside the book

    def _refuse(self, route) -> None:
        self.outside.append(route.request.url)
        route.abort()

    def open(self, page: Path | str) -> None:
        url = page if isinstance(page, str) else page.as_uri()
        self.page.goto(url, wait_until="load")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser, book):
    w = Watched(browser, book, DESKTOP)
    yield w
    w.close()


@pytest.fixture
def phone(browser, book):
    w = Watched(browser, book, PHONE)
    yield w
    w.close()


def _main_text(w: Watched) -> str:
    """The text of the page's <main>, without the charts' own labels and the navigation."""
    return w.page.evaluate("""() => {
        const main = document.querySelector('main');
        if (!main) return '';
        const copy = main.cloneNode(true);
        copy.querySelectorAll('svg, nav, .sp-anchor').forEach(e => e.remove());
        return copy.innerText || copy.textContent;
    }""")


# ------------------------------------------------------------------------------------------------
# loading


def test_every_page_loads_without_console_errors_or_requests_elsewhere(desktop, pages):
    problems = []
    for page in pages:
        desktop.open(page)
        desktop.page.wait_for_timeout(50)
        if desktop.errors:
            problems.append((page.name, list(desktop.errors)))
        desktop.errors.clear()
    assert not problems, problems
    assert not desktop.outside, f"requests that leave the book: {desktop.outside}"
    # the site's own script and style sheet were loaded from the book folder
    names = {Path(unquote(urlsplit(u).path)).name for u in desktop.requests if u.startswith("file:")}
    assert {"style.css", "site.js"} <= names


def test_search_and_menus_load_nothing_from_elsewhere(phone, pages):
    # a numbered page with sections enough to scroll through (1 Inleiding has only two)
    chapter = next(p for p in pages if p.name[:2].isdigit()
                   and len(re.findall(r"<h[23]\b[^>]*\bid=", p.read_text("utf-8"))) >= 3)
    phone.open(chapter)
    phone.page.locator(".sp-chapters summary").click()
    phone.page.fill("#sp-search-input", "uitkering")
    phone.page.wait_for_selector("#sp-search-results li")
    assert not phone.errors and not phone.outside, (phone.errors, phone.outside)
    assert any(u.endswith("/search-index.js") for u in phone.requests)


def test_images_and_charts_render(desktop, pages):
    charts = 0
    for page in pages:
        desktop.open(page)
        broken = desktop.page.evaluate("""() => Array.from(document.images)
            .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))""")
        assert not broken, (page.name, broken)
        boxes = desktop.page.evaluate("""() => Array.from(document.querySelectorAll('main svg[role=img]')).map(s => {
            const r = s.getBoundingClientRect();
            return {w: r.width, h: r.height, marks: s.querySelectorAll('path, rect, line, circle, text').length,
                    label: s.getAttribute('aria-label') || ''};
        })""")
        for box in boxes:
            assert box["w"] > 100 and box["h"] > 50 and box["marks"] > 3, (page.name, box)
        charts += len(boxes)
    assert charts >= 20  # the 2022 edition has Figuur 1–25


def test_charts_fill_the_text_column_with_legible_labels(desktop, pages):
    for page in pages:
        desktop.open(page)
        found = desktop.page.evaluate("""() => Array.from(document.querySelectorAll('figure svg[role=img]')).map(s => {
            const col = Math.min(s.closest('figure').getBoundingClientRect().width, 704);
            const vb = s.viewBox.baseVal, w = s.getBoundingClientRect().width;
            const sizes = Array.from(s.querySelectorAll('text')).map(t => parseFloat(getComputedStyle(t).fontSize))
                .filter(x => x > 0);
            return {col, w, scale: vb && vb.width ? w / vb.width : 1, font: Math.min(...sizes)};
        })""")
        for chart in found:
            assert chart["w"] >= chart["col"] - 2, (page.name, chart)
            assert chart["font"] * chart["scale"] >= 12, (page.name, chart)  # rendered label size, px


# ------------------------------------------------------------------------------------------------
# links, references, search


def _links_and_ids(w: Watched, pages: list[Path]) -> tuple[dict[str, set[str]], list[tuple[str, str]]]:
    ids: dict[str, set[str]] = {}
    links: list[tuple[str, str]] = []
    for page in pages:
        w.open(page)
        ids[page.name] = set(w.page.evaluate("() => Array.from(document.querySelectorAll('[id]')).map(e => e.id)"))
        for href in w.page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"):
            links.append((page.name, href))
    return ids, links


def test_every_link_resolves(desktop, pages, book):
    ids, links = _links_and_ids(desktop, pages)
    assert links
    bad = []
    for source, href in links:
        parts = urlsplit(href)
        if parts.scheme in ("http", "https", "mailto"):
            continue  # a link a reader may follow, not a load
        assert parts.scheme == "file", (source, href)
        target = Path(unquote(parts.path))
        if not target.is_file() or book.resolve() not in target.resolve().parents:
            bad.append((source, href, "no such file in the book"))
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in ids.get(target.name, set()):
            bad.append((source, href, "no such id"))
    assert not bad, bad


def test_every_tabel_and_figuur_reference_resolves(desktop, pages):
    labels: dict[str, str] = {}  # "Tabel 4" -> page#id
    refs: list[tuple[str, str, str]] = []
    mentioned: list[tuple[str, str]] = []
    for page in pages:
        desktop.open(page)
        for label, ident in desktop.page.evaluate("""() => Array.from(document.querySelectorAll('.sp-float'))
                .map(f => [f.querySelector('.sp-float-label').textContent.trim(), f.id])"""):
            assert label not in labels, f"{label} twice ({labels[label]}, {page.name}#{ident})"
            labels[label] = f"{page.name}#{ident}"
        refs += [(page.name, text, href) for text, href in desktop.page.evaluate(
            "() => Array.from(document.querySelectorAll('a.sp-xref')).map(a => [a.textContent.trim(), a.getAttribute('href')])")]
        mentioned += [(page.name, m) for m in re.findall(r"\b(?:Tabel|Figuur|tabel|figuur)\s+\d+", _main_text(desktop))]
    assert any(k.startswith("Tabel") for k in labels) and any(k.startswith("Figuur") for k in labels)
    assert refs
    for source, text, href in refs:
        target = href if "#" not in href or not href.startswith("#") else f"{source}{href}"
        found = [k for k, v in labels.items() if v == target]
        assert found, (source, text, href)
        assert text == found[0] or text == found[0].split()[1], (source, text, found)  # "Tabel 4" or "4"
    for source, mention in mentioned:
        kind, number = mention.split()
        assert f"{kind.capitalize()} {number}" in labels, (source, mention)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{9,}", text)}


def test_search_finds_a_word_that_occurs_in_one_chapter(desktop, pages):
    texts = {}
    for page in pages:
        desktop.open(page)
        texts[page.name] = _words(_main_text(desktop))
    chapters = [p.name for p in pages if re.match(r"\d\d_", p.name)]
    assert chapters
    tried = 0
    for chapter in chapters:
        # search matches the start of words: a word no other page has a word starting with
        elsewhere = sorted(w for name, words in texts.items() if name != chapter for w in words)
        only = sorted(w for w in texts[chapter] if not any(x.startswith(w) for x in elsewhere))
        assert only, f"no word of its own in {chapter}"
        word = only[len(only) // 2]
        desktop.open(pages[0])  # search from the title page
        desktop.page.fill("#sp-search-input", word)
        desktop.page.wait_for_selector("#sp-search-results li a")
        hrefs = desktop.page.eval_on_selector_all("#sp-search-results li a", "els => els.map(a => a.getAttribute('href'))")
        assert hrefs and all(h.split("#")[0] == chapter for h in hrefs), (word, chapter, hrefs)
        status = desktop.page.text_content("#sp-search-status")
        assert re.search(r"\d+ resulta(?:at|ten)", status or ""), status
        desktop.page.click("#sp-search-results li a >> nth=0")
        desktop.page.wait_for_load_state("load")
        assert desktop.page.url.split("#")[0].endswith("/" + chapter)
        fragment = urlsplit(desktop.page.url).fragment
        if fragment:
            assert desktop.page.evaluate("id => !!document.getElementById(id)", unquote(fragment))
        tried += 1
    # a word that occurs nowhere gives "Geen resultaten"
    desktop.page.fill("#sp-search-input", "qqqxyzzy")
    desktop.page.wait_for_function("() => /Geen resultaten/.test(document.querySelector('#sp-search-status').textContent)")
    assert desktop.page.locator("#sp-search-results li").count() == 0
    assert tried == len(chapters) and not desktop.errors and not desktop.outside


def test_every_section_heading_has_an_anchor(desktop, pages):
    for page in pages:
        desktop.open(page)
        missing = desktop.page.evaluate("""() => Array.from(document.querySelectorAll('main h2[id], main h3[id], main h4[id]'))
            .filter(h => { const a = h.querySelector('a.sp-anchor'); return !a || a.getAttribute('href') !== '#' + h.id; })
            .map(h => h.id)""")
        assert not missing, (page.name, missing)


# ------------------------------------------------------------------------------------------------
# the phone


def test_no_page_scrolls_sideways_on_a_phone(browser, book, pages):
    for width in (375, 390, 320):
        w = Watched(browser, book, {"width": width, "height": 800})
        try:
            for page in pages:
                w.open(page)
                scroll, inner = w.page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
                assert scroll <= inner, (width, page.name, scroll, inner)
                cut = w.page.evaluate("""() => Array.from(document.querySelectorAll('figure svg[role=img]'))
                    .filter(s => s.getBoundingClientRect().right > s.closest('figure').getBoundingClientRect().right + 1)
                    .map(s => s.closest('figure').id)""")
                assert not cut, (width, page.name, "charts cut off", cut)
        finally:
            w.close()


def test_phone_menus_fold_and_open(phone, pages):
    # a numbered page with sections enough to scroll through (1 Inleiding has only two)
    chapter = next(p for p in pages if p.name[:2].isdigit()
                   and len(re.findall(r"<h[23]\b[^>]*\bid=", p.read_text("utf-8"))) >= 3)
    phone.open(chapter)
    nav = phone.page.locator(".sp-chapters .sp-nav")
    toc = phone.page.locator(".sp-pagetoc details > ul")
    assert not nav.is_visible() and not toc.is_visible()  # folded: the text starts on the first screen
    top = phone.page.evaluate("() => document.querySelector('main h1').getBoundingClientRect().top")
    assert top < 800
    phone.page.click(".sp-chapters summary")
    assert nav.is_visible()
    phone.page.click(".sp-pagetoc summary")
    assert toc.is_visible()
    # choosing a section folds the list again and goes there
    link = phone.page.locator(".sp-pagetoc details > ul a").nth(2)
    target = link.get_attribute("href")
    link.click()
    phone.page.wait_for_function("t => location.hash === t", arg=target)
    assert not toc.is_visible()


def test_desktop_shows_the_menus_and_highlights_the_current_section(desktop, pages):
    # a numbered page with sections enough to scroll through (1 Inleiding has only two)
    chapter = next(p for p in pages if p.name[:2].isdigit()
                   and len(re.findall(r"<h[23]\b[^>]*\bid=", p.read_text("utf-8"))) >= 3)
    desktop.open(chapter)
    assert desktop.page.locator(".sp-chapters .sp-nav").is_visible()
    assert desktop.page.locator(".sp-pagetoc details > ul").is_visible()
    heads = desktop.page.evaluate("() => Array.from(document.querySelectorAll('main h2[id], main h3[id]')).map(h => h.id)")
    assert len(heads) >= 3
    for ident in (heads[1], heads[-1], heads[len(heads) // 2]):
        desktop.page.evaluate("id => document.getElementById(id).scrollIntoView()", ident)
        desktop.page.wait_for_function(
            "id => { const a = document.querySelector('.sp-pagetoc a[aria-current=location]');"
            " return a && a.getAttribute('href') === '#' + id; }", arg=ident, timeout=3000)
        assert desktop.page.locator(".sp-pagetoc a.sp-active").count() == 1


# ------------------------------------------------------------------------------------------------
# tables


def test_tables_fit_with_captions_and_header_scopes(desktop, pages):
    tables = 0
    for page in pages:
        desktop.open(page)
        found = desktop.page.evaluate("""() => Array.from(document.querySelectorAll('figure.sp-tbl')).map(f => {
            const wrap = f.querySelector('.sp-table-wrap'), t = f.querySelector('table');
            const ths = Array.from(t.querySelectorAll('th'));
            return {id: f.id, fits: wrap.scrollWidth <= wrap.clientWidth + 1,
                    caption: t.caption ? t.caption.textContent.trim() : '',
                    noscope: ths.filter(th => !th.getAttribute('scope')).length,
                    groups: t.querySelectorAll('thead th[scope=colgroup]').length};
        })""")
        for t in found:
            assert t["fits"], (page.name, t)  # no column hidden behind a scroll at 1280 px
            assert re.match(r"Tabel \d+ \S", t["caption"]), (page.name, t)
            assert t["noscope"] == 0, (page.name, t)
        tables += len(found)
        if any(t["groups"] for t in found):
            tables += 1000
    assert tables > 1000, "no table with grouped column headers (Tabel 4)"


# ------------------------------------------------------------------------------------------------
# accessibility


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280px", "375px"])
def test_axe_reports_no_violation(browser, book, pages, viewport):
    """Not only no serious or critical one: the moderate and minor ones (content outside a
    landmark, a skipped heading level, an empty table header) are fixed too and stay fixed."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    w = Watched(browser, book, viewport)
    problems = []
    try:
        for page in pages:
            w.open(page)
            result = axe.run(w.page)
            for v in result.response["violations"]:
                nodes = [n.get("target") for n in v.get("nodes", [])][:3]
                problems.append(f"{page.name}: {v['id']} ({v.get('impact')}): {v['help']} — {nodes}")
        assert not w.outside
    finally:
        w.close()
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------------------
# the rule: run in CI, skip only locally


@pytest.mark.parametrize("env, outcome", [({"CI": "true"}, "fail"), ({"CI": "1"}, "fail"), ({}, "skip"),
                                          ({"CI": ""}, "skip")])
def test_a_missing_browser_fails_in_ci_and_skips_locally(env, outcome):
    expected = pytest.fail.Exception if outcome == "fail" else pytest.skip.Exception
    with pytest.raises(expected, match="chromium not found"):
        require_browser("chromium not found at /nowhere/chromium", env)
    require_browser(None, env)  # nothing missing: no skip, no failure
