"""The HTML edition's finishing (spiegel.render.site), the check for external loads
(spiegel.render.book.external_load) and the table conversion of quarto.lua (grouped column headers,
header scopes), without a browser."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from spiegel.render import site
from spiegel.render.book import external_load, pandoc_path, resource_dir

SHY = "\u00ad"


# ------------------------------------------------------------------------------------------------
# external loads: local scripts allowed, anything from another host refused


@pytest.mark.parametrize("text", [
    '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>',
    "<script src='//cdn.example.org/x.js'></script>",
    '<script type="module" src="http://example.org/m.js"></script>',
    '<script src="data:text/javascript,alert(1)"></script>',
    '<script src="/abs/site.js"></script>',
    '<script defer src = "https://x.org/a.js"></script>',
    '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Inter">',
    '<img src="//tracker.example.org/p.gif">',
    '<style>@import url("https://x.org/a.css");</style>',
    '<div style="background: url(https://x.org/bg.png)"></div>',
    '<script>fetch("https://api.example.org/q")</script>',
    "<script>import('//cdn.example.org/m.js')</script>",
    '<script type="module">import x from "https://esm.sh/x";</script>',
    "const s = document.createElement('script'); s.src = 'https://x.org/a.js';",
    'navigator.sendBeacon("https://x.org/log", data)',
    'new WebSocket("wss://x.org/socket")',
    'importScripts("https://x.org/w.js")',
])
def test_external_loads_are_refused(text):
    assert external_load(text), text


@pytest.mark.parametrize("text", [
    '<script src="site.js"></script>',
    '<script src="./search-index.js" defer></script>',
    "<script>document.body.className = 'js';</script>",
    '<a href="https://www.nlarbeidsinspectie.nl">website</a>',  # a link a reader may follow is no load
    '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>',
    '<p>Zie https://www.cbs.nl voor de cijfers.</p>',
    "s.src = form.getAttribute('data-index');",
    '<link rel="stylesheet" href="style.css">',
])
def test_local_scripts_and_links_are_allowed(text):
    assert external_load(text) is None, text


def test_the_produced_site_script_passes_the_check():
    assert external_load((resource_dir() / "site.js").read_text(encoding="utf-8")) is None
    assert external_load((resource_dir() / "template.html").read_text(encoding="utf-8")) is None


# ------------------------------------------------------------------------------------------------
# soft hyphens, anchors, charts


def test_long_words_in_headings_get_soft_hyphens():
    page = ('<main><h1 id="t"><span class="header-section-number">3</span> Re-integratieondersteuning UWV</h1>'
            '<p>Re-integratieondersteuning in de tekst</p></main>')
    out = site.finish_page(page)
    h1 = re.search(r"<h1.*?</h1>", out, re.S).group(0)
    assert SHY in h1 and h1.replace(SHY, "") == re.search(r"<h1.*?</h1>", page, re.S).group(0)
    word = re.search(r"Re-\S*", h1).group(0)
    assert word.count(SHY) >= 4  # breaks at syllables: inte-gra-tie-on-der-steu-ning
    assert SHY.join(["gra", "tie", "on", "der", "steu", "ning"]) in word
    assert "UWV" in h1 and SHY not in out.split("</h1>", 1)[1]  # short words and body text untouched


def test_hyphens_leave_tags_entities_and_svg_alone():
    page = ('<main><h2 id="x" title="Arbeidsmarktregio">Arbeidsmarktregio&nbsp;&amp; werkgeversdienstverlening</h2>'
            '<svg role="img"><text>Werkgeversdienstverlening</text></svg>'
            '<table><thead><tr><th>Inkomensconsulenten</th></tr></thead><tbody><tr><th>Registratieverplichtingen</th>'
            '</tr></tbody></table></main>')
    out = site.finish_page(page)
    assert 'title="Arbeidsmarktregio"' in out and "&nbsp;&amp;" in out
    assert "<text>Werkgeversdienstverlening</text>" in out
    assert SHY in re.search(r"<thead>.*?</thead>", out).group(0)
    assert "<th>Registratieverplichtingen</th>" in out  # row labels (body) are not hyphenated


def test_section_headings_get_an_anchor_once():
    page = ('<nav><h2 id="nav">Menu</h2></nav><main><h1 id="top">Titel</h1><h2 id="a">Een</h2>'
            '<h3 class="unnumbered" id="b">Twee</h3><h4 id="c">Drie</h4><h5 id="d">Vier</h5><h2>Geen id</h2></main>')
    out = site.finish_page(page)
    for ident in ("a", "b", "c"):
        assert re.search(rf'id="{ident}"[^>]*>[^<]*<a class="sp-anchor" href="#{ident}"', out), ident
    assert 'href="#top"' not in out and 'href="#d"' not in out and 'href="#nav"' not in out
    assert out.count("sp-anchor") == 3
    assert site.finish_page(out) == out  # finishing twice changes nothing


def test_charts_are_wrapped_with_their_natural_width():
    page = ('<main><figure><svg role="img" aria-label="x" width="356" height="180" viewBox="0 0 356 180">'
            '<rect/></svg></figure><svg role="img" viewBox="0 0 517.5 200"><rect/></svg>'
            '<svg class="icon"><path/></svg></main>')
    out = site.finish_page(page)
    assert '<div class="sp-chart" style="--sp-w: 356px"><svg role="img"' in out
    assert '<div class="sp-chart" style="--sp-w: 517.5px"><svg role="img" viewBox' in out
    assert out.count("sp-chart") == 2  # an svg that is no chart (no role=img) is left alone


# ------------------------------------------------------------------------------------------------
# search index


def test_search_entries_per_section_without_charts_navigation_or_hyphens(tmp_path):
    page = tmp_path / "03_uwv.html"
    page.write_text(
        "<html><head><title>Re-integratieondersteuning UWV · Spiegel</title></head><body>"
        '<nav class="sp-chapters"><a href="x.html">Menuwoord</a></nav>'
        '<main><h1 id="uwv">3 Re-integratie' + SHY + 'ondersteuning UWV</h1><p>Inleidende tekst.</p>'
        '<h2 id="context">3.1 Context<a class="sp-anchor" href="#context">#</a></h2>'
        "<p>Werkcoaches &amp; klanten</p><svg role=\"img\"><text>Grafieklabel</text></svg>"
        '<table><caption>Tabel 3 Populatie</caption><tr><td>Wajong</td></tr></table>'
        '<nav class="sp-pager"><a href="04.html">Volgende</a></nav></main></body></html>', encoding="utf-8")
    entries = site.search_entries([page])
    assert [e["href"] for e in entries] == ["03_uwv.html#uwv", "03_uwv.html#context"]
    first, second = entries
    assert first["page"] == "Re-integratieondersteuning UWV"
    assert first["title"] == "3 Re-integratieondersteuning UWV" and first["text"] == "Inleidende tekst."
    assert second["title"] == "3.1 Context"  # the anchor's "#" is not part of the title
    assert "Werkcoaches & klanten" in second["text"] and "Tabel 3 Populatie" in second["text"]
    assert "Wajong" in second["text"]
    joined = json.dumps(entries)
    for absent in ("Grafieklabel", "Menuwoord", "Volgende", SHY):
        assert absent not in joined, absent


def test_search_index_script_cannot_close_its_script_element():
    script = site.search_index_script([{"page": "p", "title": "t", "href": "a.html", "text": "x </script> y"}])
    assert script.startswith("/*") and "window.SPIEGEL_SEARCH = " in script
    assert "</script>" not in script
    data = json.loads(script.split("window.SPIEGEL_SEARCH = ", 1)[1].rstrip().rstrip(";"))
    assert data[0]["text"] == "x </script> y"


# ------------------------------------------------------------------------------------------------
# tables: grouped column headers (cross products) and header scopes, in HTML and Typst


def _convert(markdown: str, to: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SPIEGEL_RENDER_CONTEXT"}
    proc = subprocess.run([pandoc_path(), "-f", "markdown", "-t", to, "--wrap=none", f"--lua-filter={resource_dir() / 'quarto.lua'}"],
                          input=markdown, capture_output=True, text=True, env=env, check=True)
    return proc.stdout


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


ROWS = [["Registratie", "38%", "55%", "36%", "35%"], ["Beschikbare tijd", "12%", "22%", "44%", "53%"]]


def test_a_cross_product_header_becomes_two_rows():
    md = _table(["Belemmering", "Sterke mate WW", "Sterke mate WGA", "Enige mate WW", "Enige mate WGA"], ROWS)
    out = _convert(md, "html5")
    head = re.search(r"<thead>.*?</thead>", out, re.S).group(0)
    assert head.count("<tr") == 2
    assert re.search(r'<th[^>]*rowspan="2"[^>]*scope="col"[^>]*>Belemmering</th>', head)
    assert re.findall(r'<th colspan="2"[^>]*scope="colgroup"[^>]*>([^<]+)</th>', head) == ["Sterke mate", "Enige mate"]
    second = head.split("</tr>")[1]
    assert re.findall(r'scope="col"[^>]*>([^<]+)</th>', second) == ["WW", "WGA", "WW", "WGA"]
    body = re.search(r"<tbody>.*?</tbody>", out, re.S).group(0)
    assert re.findall(r'<th[^>]*scope="row"[^>]*>([^<]+)</th>', body) == ["Registratie", "Beschikbare tijd"]
    assert body.count("<td") == 8


@pytest.mark.parametrize("header", [
    ["Belemmering", "Sterke mate WW", "Sterke mate WGA", "Enige mate WW", "Enige mate Wajong"],  # other subs
    ["Belemmering", "Vrouwen", "Mannen", "Jong", "Oud"],                                           # no groups
    ["Belemmering", "Sterke mate WW", "Sterke mate WGA", "Sterke mate WW", "Sterke mate WGA"],     # one group twice
    ["Belemmering", "Eén aanspreekpunt en naam", "Eén telefoonnummer", "Eén website", "Eén emailadres"],
    ["Belemmering", "Sterke mate", "Sterke mate WGA", "Enige mate", "Enige mate WGA"],             # a sub missing
])
def test_headers_that_are_no_cross_product_stay_flat(header):
    out = _convert(_table(header, ROWS), "html5")
    head = re.search(r"<thead>.*?</thead>", out, re.S).group(0)
    assert head.count("<tr") == 1 and "colspan" not in head and "rowspan" not in head
    assert head.count('scope="col"') == 5


def test_two_columns_of_one_group_stay_flat():
    out = _convert(_table(["Groep", "Sterke mate WW", "Sterke mate WGA"], [["a", "1%", "2%"]]), "html5")
    assert "colspan" not in out and out.count("<tr") == 2


def test_a_first_column_with_empty_cells_is_no_stub():
    rows = [["Bijstand", "Vrouwen", "38%"], ["", "Mannen", "55%"]]
    out = _convert(_table(["Groep", "Geslacht", "Aandeel"], rows), "html5")
    body = re.search(r"<tbody>.*?</tbody>", out, re.S).group(0)
    assert 'scope="row"' not in body and "<th" not in body


def test_html_headings_never_skip_a_level_and_raised_ones_keep_their_look():
    md = ("# 5 Hoofdstuk\n\n## 5.1 Sectie\n\n#### Bekendheid {.unnumbered}\n\ntekst\n\n#### Tijdigheid {.unnumbered}\n\n"
          "## 5.2 Sectie\n\n### 5.2.1 Sub\n\n#### Voorschot {.unnumbered}\n")
    out = _convert(md, "html5")
    levels = [(int(level), re.sub(r"<[^>]+>", "", text).strip()) for level, text in re.findall(r"<h(\d)[^>]*>(.*?)</h\1>", out)]
    assert levels == [(1, "5 Hoofdstuk"), (2, "5.1 Sectie"), (3, "Bekendheid"), (3, "Tijdigheid"), (2, "5.2 Sectie"),
                      (3, "5.2.1 Sub"), (4, "Voorschot")]
    assert re.search(r'<h3 class="unnumbered sp-minor unlisted" id="bekendheid">', out)
    assert '<h4 class="unnumbered" id="voorschot">' in out  # in its place: left as written
    typst = _convert(md, "typst")
    assert "#heading(level: 4, numbering: none)[Bekendheid]" in typst  # the PDF keeps the levels as written


def test_grouped_header_in_typst():
    md = _table(["Belemmering", "Sterke mate WW", "Sterke mate WGA", "Enige mate WW", "Enige mate WGA"], ROWS)
    out = _convert(md, "typst")
    assert "table.cell(rowspan: 2)[#strong[Belemmering]]" in out
    rule = "#block(width: 100%, inset: (bottom: 2.5pt), stroke: (bottom: 0.5pt))"  # under the group only
    assert out.count(f"table.cell(colspan: 2, align: center)[{rule}[#strong[Sterke mate]]]") == 1
    assert f"table.cell(colspan: 2, align: center)[{rule}[#strong[Enige mate]]]" in out
    assert out.count(rule) == 2  # not under the sub-headers or the stub
    header = out.split("table.header(", 1)[1].split("),\n", 1)[0]
    assert header.count("[#strong[WW]]") == 2 and "scope" not in out
