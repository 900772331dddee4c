"""Tests of spiegel.render: executed notebooks -> HTML site + PDF (pandoc + Typst)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import altair as alt
import nbformat
import pandas as pd
import pytest
import vl_convert as vlc
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from spiegel.params import Edition
from spiegel.render import RenderError, render_book

FIXTURES = Path(__file__).parent / "fixtures" / "render"

# Text that appears only in code sources or in outputs that must never be published.
HIDDEN = [
    "CODE_SOURCE_MARKER",
    "PLAIN_OUTPUT_MARKER",
    "STREAM_OUTPUT_MARKER",
    "INCLUDE_FALSE_MARKER",
    "OUTPUT_FALSE_MARKER",
    "PARAMETERS_MARKER",
    "papermill",
]


# ------------------------------------------------------------------------------------------------
# fixture notebooks


def _svg_chart(values: list[int]) -> str:
    df = pd.DataFrame({"groep": ["Jongeren", "Ouderen", "Overig"], "aandeel": values})
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(x=alt.X("groep:N", title=None), y=alt.Y("aandeel:Q", title="Aandeel (%)"))
        .properties(width=320, height=160)
    )
    return vlc.vegalite_to_svg(chart.to_dict())


def _table_html(rows: dict[str, list], index: str | None = None, styler: bool = False) -> str:
    df = pd.DataFrame(rows)
    if index:
        df = df.set_index(index)
    if styler:
        return df.style.hide(axis="index").to_html()
    return df._repr_html_()


def _display(data: dict, kind: str = "display_data") -> nbformat.NotebookNode:
    if kind == "execute_result":
        return new_output("execute_result", data=data, execution_count=1)
    return new_output("display_data", data=data)


def _md(text: str) -> nbformat.NotebookNode:
    return _display({"text/markdown": text, "text/plain": "<IPython.core.display.Markdown object>"})


def _code(source: str, outputs: list, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = new_code_cell(source, outputs=outputs, execution_count=1)
    cell.metadata["papermill"] = {"start_time": "2026-11-23T14:00:00", "duration": 0.1, "status": "completed"}
    if tags:
        cell.metadata["tags"] = tags
    return cell


def _write(nb: nbformat.NotebookNode, path: Path) -> Path:
    nb.metadata["papermill"] = {"parameters": {"edition": 2022}, "exception": False}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def chapter_two(path: Path, svg: str) -> Path:
    table = _table_html(
        {"Kenmerk": ["Man", "Vrouw", "Jonger dan 27 jaar"], "Aantal": ["189.120", "221.440", "21.300"],
         "Aandeel (%)": ["46,1", "53,9", "5,2"]},
        index="Kenmerk",
    )
    nb = new_notebook(cells=[
        new_markdown_cell("# Re-integratieondersteuning gemeenten\n\n## Inleiding\n\n"
                          "Gemeenten ondersteunen bijstandsgerechtigden. @tbl-samenstelling toont de "
                          "populatie; zie ook @fig-leeftijd en @fig-aandeel."),
        _code("edition = 2022  # PARAMETERS_MARKER", [], tags=["parameters"]),
        _code("edition = 2022\nparams = 'PARAMETERS_MARKER'", [], tags=["injected-parameters"]),
        _code("#| label: tbl-samenstelling\n#| tbl-cap: \"Samenstelling bijstandspopulatie augustus 2021\"\n"
              "CODE_SOURCE_MARKER = tabel()\ndisplay(CODE_SOURCE_MARKER)",
              [_display({"text/html": table, "text/plain": "PLAIN_OUTPUT_MARKER frame"}),
               _md("Bron: CBS")]),
        _code("print('x')  # CODE_SOURCE_MARKER",
              [new_output("stream", name="stdout", text="STREAM_OUTPUT_MARKER\n"),
               _display({"text/plain": "PLAIN_OUTPUT_MARKER 0.42"}, "execute_result")]),
        _code("#| include: false\nx = 1", [_md("INCLUDE_FALSE_MARKER")]),
        _code("#| output: false\nx = 2", [_md("OUTPUT_FALSE_MARKER")]),
        _code("display(Markdown(tekst))",
              [_md("## Resultaten\n\nVan de bijstandsgerechtigden is **53,9 procent** vrouw "
                   "(@tbl-samenstelling).\n\n- eerste punt\n- tweede punt\n\n### Leeftijd\n\n"
                   "De leeftijdsverdeling staat in figuur [-@fig-leeftijd].")]),
        _code("#| label: fig-leeftijd\n#| fig-cap: 'Leeftijd van bijstandsgerechtigden'\nchart",
              [_display({"image/svg+xml": svg, "text/plain": "alt.Chart(...)"}), _md("Bron: CBS")]),
        new_markdown_cell("## Verantwoording {.unnumbered}\n\nDe cijfers zijn gewogen."),
    ])
    return _write(nb, path)


def chapter_three(path: Path, svg: str) -> Path:
    table = _table_html(
        {"Maatregel": ["Loonkostensubsidie", "Jobcoaching"], "2019": ["12,0", "8,5"], "2021": ["14,2", "7,9"]},
        styler=True,
    )
    nb = new_notebook(cells=[
        new_markdown_cell("# Werkgevers\n\n## Inleiding\n\nDit hoofdstuk bouwt voort op @tbl-samenstelling. "
                          "@fig-aandeel en @tbl-maatregelen vatten het samen."),
        _code("#| label: fig-aandeel\n#| fig-cap: Aandeel werkgevers met ervaring\nCODE_SOURCE_MARKER",
              [_display({"image/svg+xml": svg, "text/plain": "alt.Chart(...)"}), _md("Bron: enquête werkgevers")]),
        _code("#| label: tbl-maatregelen\n#| tbl-cap: Gebruik van maatregelen (%)\nCODE_SOURCE_MARKER",
              [_md("Eerst een toelichting vóór de tabel."),
               _display({"text/html": table, "text/plain": "PLAIN_OUTPUT_MARKER"}),
               _md("Bron: CBS, bewerking Arbeidsinspectie")]),
        _code("#| echo: true\nprint(1)", [new_output("stream", name="stderr", text="STREAM_OUTPUT_MARKER")]),
    ])
    return _write(nb, path)


def make_edition(root: Path, synthetic: bool = True) -> Edition:
    raw = {
        "edition": 2022,
        "title": "Spiegel Bestaanszekerheid 2022",
        "publisher": "Nederlandse Arbeidsinspectie",
        "publication_date": "2022-09-06",
        "research_period": "2020-2021",
        "synthetic": synthetic,
        "disclosure_threshold": 10,
        "sources": {"cbs": {"file": "data/cbs.csv", "contract": "cbs", "title": "CBS", "bron": "CBS"}},
        "chapters": [
            {"id": "gemeenten", "number": 2, "notebook": "notebooks/02_gemeenten.ipynb"},
            {"id": "werkgevers", "number": 3, "notebook": "notebooks/03_werkgevers.ipynb"},
        ],
        "periods": {},
        "waves": {},
    }
    return Edition(path=root / "params" / "2022.yml", root=root, raw=raw)


def write_synthetic_data(edition: Edition) -> None:
    """Give every source a small data file recorded in data/.synthetic-manifest.json as written by
    spiegel synth (what makes a source synthetic, spiegel.render.provenance)."""
    files = {}
    for sid, source in edition.sources.items():
        source.path.parent.mkdir(parents=True, exist_ok=True)
        source.path.write_text("jaar,aantal\n2021,1\n", encoding="utf-8")
        files[source.path.relative_to(edition.data_dir).as_posix()] = {
            "sha256": [hashlib.sha256(source.path.read_bytes()).hexdigest()], "source": sid, "edition": edition.edition}
    (edition.data_dir / ".synthetic-manifest.json").write_text(
        json.dumps({"written_by": "spiegel synth", "files": files}, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def charts() -> tuple[str, str]:
    return _svg_chart([12, 30, 58]), _svg_chart([40, 35, 25])


@pytest.fixture(scope="module")
def book(tmp_path_factory, charts):
    root = tmp_path_factory.mktemp("project")
    nbdir = root / "build" / "2022" / "notebooks"
    executed = {
        "gemeenten": chapter_two(nbdir / "02_gemeenten.ipynb", charts[0]),
        "werkgevers": chapter_three(nbdir / "03_werkgevers.ipynb", charts[1]),
    }
    edition = make_edition(root)
    write_synthetic_data(edition)
    out = render_book(edition, executed, root / "_book",
                      extra_pages={"Datavalidatie": FIXTURES / "validatie.html"})
    return {"root": root, "edition": edition, "executed": executed, "out": out}


def _text(html: str) -> str:
    """Visible text of an HTML page (tags, inline SVG and soft hyphens removed)."""
    html = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.S).replace("\u00ad", "")
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def _pdftotext(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout)


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------------------------------------
# the site


def test_output_files(book):
    out: Path = book["out"]
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "02_gemeenten.html", "03_werkgevers.html", "style.css", "validatie.html",
            "spiegel-bestaanszekerheid-2022.pdf"} <= names
    assert not list(out.parent.glob("_book.tmp-*")) and not list(out.parent.glob("_book.old-*"))


def test_chapter_page_tables_captions_and_numbering(book):
    page = (book["out"] / "02_gemeenten.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "<table" in page and "<th" in page
    assert "Tabel 1 Samenstelling bijstandspopulatie augustus 2021" in text
    assert "Figuur 1 Leeftijd van bijstandsgerechtigden" in text
    assert '<h1 data-number="2"' in page and "2 Re-integratieondersteuning gemeenten" in text
    assert "2.1 Inleiding" in text and "2.2 Resultaten" in text and "2.2.1 Leeftijd" in text
    assert "2.3" not in text  # "Verantwoording" is unnumbered
    assert '<h2 class="unnumbered"' in page
    # the source note sits inside the figure element, after the table
    fig = re.search(r'<figure id="tbl-samenstelling".*?</figure>', page, re.S).group(0)
    assert fig.index("<table") < fig.index('class="sp-note"') and "Bron: CBS" in fig
    # numbers right-aligned, pandas' separate index-name header row merged away
    assert re.search(r'<th[^>]*style="text-align: right;"[^>]*>Aantal', fig)
    assert fig.count("<tr") == 4
    # markdown output rendered as markdown
    assert "<strong>53,9 procent</strong>" in page and "<li>eerste punt</li>" in page


def test_cross_references(book):
    two = (book["out"] / "02_gemeenten.html").read_text(encoding="utf-8")
    three = (book["out"] / "03_werkgevers.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="#tbl-samenstelling"[^>]*>Tabel 1</a>', two)
    assert re.search(r'<a href="#fig-leeftijd"[^>]*>Figuur 1</a>', two)
    assert re.search(r'figuur <a href="#fig-leeftijd"[^>]*>1</a>', two)  # [-@fig-leeftijd]
    # forward reference to the next chapter and back
    assert re.search(r'<a href="03_werkgevers.html#fig-aandeel"[^>]*>Figuur 2</a>', two)
    assert re.search(r'<a href="02_gemeenten.html#tbl-samenstelling"[^>]*>Tabel 1</a>', three)
    t3 = _text(three)
    assert "Tabel 2 Gebruik van maatregelen (%)" in t3 and "Figuur 2 Aandeel werkgevers met ervaring" in t3
    assert "3.1 Inleiding" in t3
    assert "@tbl" not in _text(two) + t3 and "@fig" not in _text(two) + t3
    # prose printed before the table stays outside the figure
    assert three.index("Eerst een toelichting") < three.index('<figure id="tbl-maatregelen"')


def test_nothing_hidden_leaks(book):
    for name in ("index.html", "02_gemeenten.html", "03_werkgevers.html"):
        page = (book["out"] / name).read_text(encoding="utf-8")
        for marker in HIDDEN:
            assert marker not in page, f"{marker} in {name}"
        assert "T_" not in re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S)  # no Styler ids


def test_svg_inline_and_self_contained(book):
    page = (book["out"] / "03_werkgevers.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and 'role="img"' in page
    assert "DejaVu Sans" in page  # chart font pinned
    for p in book["out"].glob("*.html"):
        html = p.read_text(encoding="utf-8")
        # scripts: only the site's own file from this folder, no inline code, nothing from elsewhere
        assert re.findall(r"<script\b[^>]*>", html) == ['<script src="site.js">'], p.name
        assert not re.search(r'(src|href)="(https?:)?//', html), p.name
        assert 'href="style.css"' in html


def test_navigation_and_title_page(book):
    out = book["out"]
    index = (out / "index.html").read_text(encoding="utf-8")
    t = _text(index)
    assert "Spiegel Bestaanszekerheid 2022" in t and "Nederlandse Arbeidsinspectie" in t
    assert "6 september 2022" in t and "Colofon" in t
    assert "Deze editie is gebouwd op synthetische data" in t
    assert 'href="02_gemeenten.html"' in index and 'href="03_werkgevers.html"' in index
    assert 'href="spiegel-bestaanszekerheid-2022.pdf"' in index
    for name in ("index.html", "02_gemeenten.html", "03_werkgevers.html", "validatie.html"):
        page = (out / name).read_text(encoding="utf-8")
        nav = re.search(r'<nav class="sp-chapters".*?</nav>', page, re.S).group(0)
        for target in ("index.html", "02_gemeenten.html", "03_werkgevers.html", "validatie.html"):
            assert f'href="{target}"' in nav, (name, target)
        assert "Datavalidatie" in nav
    three = (out / "03_werkgevers.html").read_text(encoding="utf-8")
    assert re.search(r'class="sp-prev" href="02_gemeenten.html"', three)
    # the colophon comes after the chapters, before the extra pages (the validation report)
    assert re.search(r'class="sp-next" href="colofon.html"', three)
    colofon = (out / "colofon.html").read_text(encoding="utf-8")
    assert re.search(r'class="sp-prev" href="03_werkgevers.html"', colofon)
    assert re.search(r'class="sp-next" href="validatie.html"', colofon)
    valid = (out / "validatie.html").read_text(encoding="utf-8")
    assert "Alle controles geslaagd" in valid
    # the report's own scripts are dropped; only the site's script (site.js, this folder) remains
    assert re.findall(r"<script\b[^>]*>", valid) == ['<script src="site.js">']


# ------------------------------------------------------------------------------------------------
# the PDF


def test_pdf_content(book):
    pdf = book["out"] / "spiegel-bestaanszekerheid-2022.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = _pdftotext(pdf)
    assert "Inhoudsopgave" in text
    assert "Re-integratieondersteuning gemeenten" in text and "Werkgevers" in text
    assert "Tabel 1 Samenstelling bijstandspopulatie augustus 2021" in text
    assert "Figuur 1 Leeftijd van bijstandsgerechtigden" in text
    assert "Tabel 2 Gebruik van maatregelen (%)" in text and "Figuur 2 Aandeel werkgevers" in text
    assert "2.1 Inleiding" in text and "3.1 Inleiding" in text and "2.2.1 Leeftijd" in text
    assert "bouwt voort op Tabel 1" in text
    assert "Deze editie is gebouwd op synthetische data" in text
    # The colophon names the software that made the book, papermill among it (its one mention);
    # nothing else of a notebook's machinery reaches the PDF.
    assert len(re.findall(r"^ ?papermill \d+\.\d+", text, flags=re.M)) == 1
    text = re.sub(r"^ ?papermill \d+\.\d+\S*", "", text, count=1, flags=re.M)
    for marker in HIDDEN:
        assert marker not in text, marker
    assert "@tbl" not in text and "@fig" not in text


def test_rerender_is_byte_identical(book, tmp_path):
    again = render_book(book["edition"], book["executed"], tmp_path / "_book",
                        extra_pages={"Datavalidatie": FIXTURES / "validatie.html"})
    assert _digest(again) == _digest(book["out"])


def test_markdown_extra_page(book, tmp_path):
    extra = tmp_path / "toelichting.md"
    extra.write_text("# Toelichting\n\nOver de **methode**.\n", encoding="utf-8")
    out = render_book(book["edition"], book["executed"], tmp_path / "_book", extra_pages={"Methode": extra})
    page = (out / "toelichting.html").read_text(encoding="utf-8")
    assert "<strong>methode</strong>" in page and 'class="sp-sidebar"' in page
    assert 'href="toelichting.html"' in (out / "index.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# helpers


def test_cell_options():
    from spiegel.render.notebook import cell_options

    opts, body = cell_options('#| label: tbl-x\n#| tbl-cap: "Tabel: met dubbele punt"\n#| include: false\nx = 1')
    assert opts == {"label": "tbl-x", "tbl-cap": "Tabel: met dubbele punt", "include": False}
    assert body == "x = 1"
    assert cell_options("x = 1  #| not an option") == ({}, "x = 1  #| not an option")


def test_chart_fonts():
    from spiegel.render.notebook import chart_fonts

    assert 'font-family="\'DejaVu Sans\', sans-serif"' in chart_fonts('<text font-family="sans-serif">a</text>')
    kept = '<text font-family="DejaVu Sans, sans-serif">a</text>'
    assert chart_fonts(kept) == kept


# ------------------------------------------------------------------------------------------------
# failures


def test_error_output_raises_and_keeps_existing_book(book, tmp_path, charts):
    out = tmp_path / "_book"
    out.mkdir()
    (out / "index.html").write_text("previous edition", encoding="utf-8")
    bad = chapter_two(tmp_path / "nb" / "02_gemeenten.ipynb", charts[0])
    nb = nbformat.read(str(bad), as_version=4)
    nb.cells[3].outputs.append(new_output("error", ename="KeyError", evalue="'aandeel'", traceback=[]))
    nbformat.write(nb, str(bad))
    with pytest.raises(RenderError, match="KeyError"):
        render_book(book["edition"], {"gemeenten": bad}, out)
    assert (out / "index.html").read_text(encoding="utf-8") == "previous edition"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book", "nb"]


def test_unresolved_reference_raises(book, tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("# Titel\n\nZie @tbl-bestaat-niet.")])
    path = _write(nb, tmp_path / "02_gemeenten.ipynb")
    with pytest.raises(RenderError, match="tbl-bestaat-niet"):
        render_book(book["edition"], {"gemeenten": path}, tmp_path / "_book")
    assert not (tmp_path / "_book").exists()


def test_cdn_chart_output_raises(book, tmp_path):
    html = '<div id="vis"></div><script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script><script>vegaEmbed("#vis", {})</script>'
    nb = new_notebook(cells=[new_markdown_cell("# Titel"), _code("chart", [_display({"text/html": html})])])
    path = _write(nb, tmp_path / "02_gemeenten.ipynb")
    with pytest.raises(RenderError, match="svg"):
        render_book(book["edition"], {"gemeenten": path}, tmp_path / "_book")


def test_unknown_chapter_and_renderer(book, tmp_path):
    with pytest.raises(RenderError, match="not listed"):
        render_book(book["edition"], {"onbekend": book["executed"]["gemeenten"]}, tmp_path / "_book")
    with pytest.raises(RenderError, match="unknown renderer"):
        render_book(book["edition"], book["executed"], tmp_path / "_book", renderer="latex")


def test_quarto_renderer_without_quarto(book, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError, match="Quarto CLI not found; use the default renderer"):
        render_book(book["edition"], book["executed"], tmp_path / "_book", renderer="quarto")


def test_a_note_cell_after_a_float_becomes_its_note(tmp_path, charts):
    from spiegel.render.notebook import prepare_chapter

    nb = new_notebook(cells=[
        new_markdown_cell("# Hoofdstuk\n\n## Sectie"),
        _code("#| label: fig-x\n#| fig-cap: Een figuur\nchart",
              [_display({"image/svg+xml": charts[0], "text/plain": "alt.Chart(...)"})]),
        _code("#| include: false\nx = 1", []),  # a hidden cell in between does not detach the note
        new_markdown_cell("::: note\nN = 712 klanten. Bron: CBS.\n:::"),
        new_markdown_cell("Daarna gewone tekst."),
    ])
    source = prepare_chapter(_write(nb, tmp_path / "02_x.ipynb"), "x", 2).markdown
    float_start = source.index("{#fig-x")
    note = source.index("N = 712 klanten")
    body = source.index("Daarna gewone tekst")
    assert float_start < note < body
    assert ".sp-note" in source[float_start:note]
    assert source[note:body].count(":::") >= 2  # the float's fences close after the note


def test_a_note_cell_without_a_float_before_it_is_refused(tmp_path):
    from spiegel.render.notebook import prepare_chapter

    nb = new_notebook(cells=[new_markdown_cell("# Hoofdstuk"), new_markdown_cell("::: note\nBron: CBS.\n:::")])
    with pytest.raises(RenderError, match="cell 2: a '::: note' cell must directly follow"):
        prepare_chapter(_write(nb, tmp_path / "02_x.ipynb"), "x", 2)
