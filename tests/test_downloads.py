"""Downloads: a CSV per Tabel/Figuur and one spreadsheet per edition, with exactly the numbers the
rendered tables and charts show (after disclosure control), from a small book whose outputs are
made by spiegel.show and spiegel.charts as the chapters make them."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from spiegel import chartdata, charts, fmt, sdc, show
from spiegel.params import Edition
from spiegel.render import render_book
from test_render import write_synthetic_data
from spiegel.render.downloads import Numbered, spreadsheet_value, write_workbook
from spiegel.render.notebook import Download

THRESHOLD = 10


def shown(call) -> dict:
    """What a spiegel.show function displays (the bundle passed to IPython's display)."""
    with mock.patch("spiegel.show.display") as display:
        call()
    (args, kwargs), = [c[:2] for c in display.call_args_list]
    return args[0]


def table_frame() -> pd.DataFrame:
    """Tabel: shares per group with one cell resting on 3 respondents (below the threshold)."""
    raw = pd.DataFrame({"groep": ["WW", "Wajong", "WGA"], "aandeel": [0.571, 0.333, 0.124], "n": [120, 3, 80]})
    safe = sdc.suppress(raw, n_col="n", threshold=THRESHOLD, value_cols=("aandeel",))
    return pd.DataFrame({"Groep": safe["groep"], "Aandeel": safe["aandeel"].map(fmt.pct),
                         "Aantal": [fmt.number(n * 1000) for n in raw["n"]]})


def grouped_frame() -> pd.DataFrame:
    raw = pd.DataFrame({"regeling": ["WW", "WW", "Wajong", "Wajong", "WGA", "WGA"],
                        "bron": ["Klanten", "Medewerkers"] * 3,
                        "aandeel": [0.63, 0.66, 0.747, 0.5, 0.444, 0.52], "n": [400, 160, 420, 138, 4, 132]})
    return sdc.suppress(raw, n_col="n", threshold=THRESHOLD, value_cols=("aandeel",)).drop(columns=["n", "suppressed"])


def likert_frame() -> pd.DataFrame:
    answers = ["Helemaal eens", "Eens", "Neutraal", "Oneens", "Helemaal oneens", "Weet niet"]
    shares = {"Ik word goed geholpen": [0.30, 0.35, 0.15, 0.08, 0.05, 0.07],
              "Ik word onder druk gezet": [0.05, 0.15, 0.2, 0.3, 0.25, 0.05]}
    return pd.DataFrame([{"stelling": s, "antwoord": a, "aandeel": v}
                         for s, vals in shares.items() for a, v in zip(answers, vals)])


def _code(source: str, outputs: list) -> nbformat.NotebookNode:
    return new_code_cell(source, outputs=outputs, execution_count=1)


def _out(bundle: dict) -> nbformat.NotebookNode:
    return new_output("display_data", data=bundle)


def _chart_output(chart) -> nbformat.NotebookNode:
    data, _ = charts.mimebundle(chart)
    return _out(data)


def make_book(root: Path) -> Path:
    charts.enable()
    nb = new_notebook(cells=[
        new_markdown_cell("# Downloads\n\n## Cijfers\n\nZie @tbl-groepen, @fig-invloed, @fig-cijfer en @fig-stellingen."),
        _code('#| label: tbl-groepen\n#| tbl-cap: "Aandeel per groep"\nshow.table(t)',
              [_out(shown(lambda: show.table(table_frame())))]),
        new_markdown_cell("::: note\nN = 203. Bron: UWV, *bewerking* Arbeidsinspectie.\n:::"),
        _code('#| label: fig-invloed\n#| fig-cap: "Invloed klant op ondersteuning"\nshow.chart(c)',
              [_chart_output(charts.grouped_bars(grouped_frame(), "regeling", "aandeel", "bron"))]),
        new_markdown_cell("::: note\nKlanten en medewerkers. Bron: enquête.\n:::"),
        _code('#| label: fig-cijfer\n#| fig-cap: "Rapportcijfer"\nshow.chart(c)',
              [_chart_output(charts.bars(pd.DataFrame({"groep": ["WW", "Wajong", "WGA"], "cijfer": [6.84, 7.25, 5.9]}),
                                         "groep", "cijfer", percent=False, label_format=fmt.grade,
                                         value_title="Gemiddeld rapportcijfer"))]),
        new_markdown_cell("::: note\nBron: enquête medewerkers.\n:::"),
        _code('#| label: fig-stellingen\n#| fig-cap: "Stellingen"\nshow.chart(c)',
              [_chart_output(charts.likert_bars(likert_frame(), order=list(likert_frame()["antwoord"].unique())))]),
        new_markdown_cell("::: note\nN = 600. Bron: enquête klanten.\n:::"),
    ])
    nb.metadata["papermill"] = {"parameters": {}, "exception": False}
    path = root / "build" / "02_downloads.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, str(path))
    raw = {"edition": 2022, "title": "Spiegel Bestaanszekerheid 2022", "publisher": "Nederlandse Arbeidsinspectie",
           "publication_date": "2022-09-06", "synthetic": True, "disclosure_threshold": THRESHOLD,
           "sources": {"uwv": {"file": "data/uwv.csv", "contract": "uwv", "title": "UWV", "bron": "UWV"}},
           "chapters": [{"id": "downloads", "number": 2, "notebook": "notebooks/02_downloads.ipynb"}],
           "periods": {}, "waves": {}}
    edition = Edition(path=root / "params" / "2022.yml", root=root, raw=raw)
    write_synthetic_data(edition)  # a synthetic source: the downloads say the numbers are not real
    return render_book(edition, {"downloads": path}, root / "_book")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return make_book(tmp_path_factory.mktemp("downloads"))


def read_csv(path: Path) -> tuple[str, list[str], list[list[str]], list[str]]:
    """(title, header, rows, trailing lines) of a download CSV."""
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, for Excel"
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    blank = lines.index([])
    return lines[0][0], lines[1], lines[2:blank], [" ".join(r) for r in lines[blank + 1:]]


def _cells(fragment: str, tag: str) -> list[str]:
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", c)).replace("\xad", "").strip()  # visible text: no soft hyphens
            for c in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", fragment, re.S)]


def html_table(page: str, label: str) -> tuple[list[str], list[list[str]]]:
    """Header and body cells of the (first) table in the float ``label`` of a page."""
    fig = re.search(rf'<figure id="{label}".*?</figure>', page, re.S).group(0)
    table = re.search(r"<table\b.*?</table>", fig, re.S).group(0)
    head = _cells(re.search(r"<thead>.*?</thead>", table, re.S).group(0), "th")
    body = re.search(r"<tbody>.*?</tbody>", table, re.S).group(0)
    rows = [_cells(r, "t[hd]") for r in re.findall(r"<tr\b.*?</tr>", body, re.S)]
    return head, rows


def svg_texts(page: str, label: str) -> list[str]:
    fig = re.search(rf'<figure id="{label}".*?</figure>', page, re.S).group(0)
    svg = re.search(r"<svg\b.*?</svg>", fig, re.S).group(0)
    return [htmllib.unescape(t).strip() for t in re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)]


FLOATS = ["tbl-groepen", "fig-invloed", "fig-cijfer", "fig-stellingen"]


def test_every_table_and_figure_links_its_csv_and_the_spreadsheet(book):
    page = (book / "02_downloads.html").read_text("utf-8")
    for label in FLOATS:
        fig = re.search(rf'<figure id="{label}".*?</figure>', page, re.S).group(0)
        links = re.findall(r'<a href="([^"]+)" download>', fig)
        assert links == [f"cijfers/{label}.csv", "cijfers/spiegel-bestaanszekerheid-2022.xlsx"], label
        assert all((book / link).is_file() for link in links)
    index = (book / "index.html").read_text("utf-8")
    assert 'href="cijfers/spiegel-bestaanszekerheid-2022.xlsx"' in index


def test_table_csv_is_the_rendered_table_with_the_small_cell_suppressed(book):
    page = (book / "02_downloads.html").read_text("utf-8")
    title, header, rows, tail = read_csv(book / "cijfers" / "tbl-groepen.csv")
    assert title == "Tabel 1 Aandeel per groep"
    head, body = html_table(page, "tbl-groepen")
    assert header == head == ["Groep", "Aandeel", "Aantal"]
    assert rows == body
    assert rows[1][:2] == ["Wajong", sdc.SUPPRESSED_MARK]  # n = 3 < 10: stays suppressed
    assert "33%" not in (book / "cijfers" / "tbl-groepen.csv").read_text("utf-8-sig")
    assert rows[0] == ["WW", "57%", "120.000"]
    assert "N = 203. Bron: UWV, bewerking Arbeidsinspectie." in tail  # the note, as plain text
    assert any("minder dan 10 waarnemingen" in line for line in tail)
    assert any("synthetische data" in line for line in tail)


def test_chart_csv_is_what_the_chart_shows(book):
    page = (book / "02_downloads.html").read_text("utf-8")
    for label, name in (("fig-invloed", "Figuur 1"), ("fig-cijfer", "Figuur 2"), ("fig-stellingen", "Figuur 3")):
        title, header, rows, tail = read_csv(book / "cijfers" / f"{label}.csv")
        assert title.startswith(name + " ")
        head, body = html_table(page, label)  # the "toon als tabel" table
        assert [header, rows] == [head, body], label
        assert tail and tail[-1].startswith("Spiegel Bestaanszekerheid 2022")
    # the value labels drawn on the bars are the CSV's cells
    _, header, rows, _ = read_csv(book / "cijfers" / "fig-invloed.csv")
    assert header == ["Regeling", "Klanten", "Medewerkers"]
    assert rows == [["WW", "63%", "66%"], ["Wajong", "75%", "50%"], ["WGA", "–", "52%"]]
    texts = svg_texts(page, "fig-invloed")
    assert sorted(texts.count(v) for v in ("63%", "66%", "75%", "50%", "52%")) == [1] * 5
    assert "44%" not in texts and "44%" not in (book / "cijfers" / "fig-invloed.csv").read_text("utf-8-sig")
    _, _, rows, _ = read_csv(book / "cijfers" / "fig-cijfer.csv")
    assert rows == [["WW", "6,8"], ["Wajong", "7,3"], ["WGA", "5,9"]]
    assert {"6,8", "7,3", "5,9"} <= set(svg_texts(page, "fig-cijfer"))
    _, header, rows, _ = read_csv(book / "cijfers" / "fig-stellingen.csv")
    assert header[0] == "Stelling" and header[1:] == list(likert_frame()["antwoord"].unique())
    assert rows[0] == ["Ik word goed geholpen", "30%", "35%", "15%", "8%", "5%", "7%"]


def test_spreadsheet_is_accessible_and_holds_every_float(book):
    wb = openpyxl.load_workbook(book / "cijfers" / "spiegel-bestaanszekerheid-2022.xlsx")
    assert wb.sheetnames == ["Voorblad", "Inhoud", "Toelichting", "Tabel 1", "Figuur 1", "Figuur 2", "Figuur 3"]
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
    cover = [c for (c,) in wb["Voorblad"].iter_rows(values_only=True, max_col=1) if c]
    assert cover[0] == "Spiegel Bestaanszekerheid 2022: tabellen en figuren"
    assert "Uitgever: Nederlandse Arbeidsinspectie" in cover and "Publicatiedatum: 6 september 2022" in cover
    assert any("synthetische data" in c for c in cover)
    contents = wb["Inhoud"]
    assert contents["A1"].value == "Inhoud" and list(contents.tables) == ["Inhoud"]
    listed = {r[0].value: (r[1].value, r[0].hyperlink.location if r[0].hyperlink else None)
              for r in contents.iter_rows(min_row=4)}
    assert listed["Figuur 1"] == ("Figuur 1 Invloed klant op ondersteuning", "'Figuur 1'!A1")
    assert set(listed) == set(wb.sheetnames[3:])
    notes = [r for r in wb["Toelichting"].iter_rows(min_row=4, values_only=True)]
    assert notes[0][0] == 1 and "minder dan 10 waarnemingen" in notes[0][1]
    for name, label in zip(wb.sheetnames[3:], FLOATS):
        ws = wb[name]
        title, header, rows, tail = read_csv(book / "cijfers" / f"{label}.csv")
        assert ws["A1"].value == title and ws["A2"].value == tail[0]
        (table,) = ws.tables.values()
        assert table.ref == f"A3:{openpyxl.utils.get_column_letter(len(header))}{3 + len(rows)}"
        assert table.headerRowCount in (None, 1)  # the header row is marked
        got = [list(r) for r in ws.iter_rows(min_row=3, max_row=3 + len(rows), max_col=len(header), values_only=True)]
        assert got[0] == header
        for sheet_row, csv_row in zip(got[1:], rows):
            assert all(v is not None and v != "" for v in sheet_row), name  # no blank cells
            assert sheet_row[0] == csv_row[0]
            assert sheet_row[1:] == [spreadsheet_value(c)[0] for c in csv_row[1:]]
        assert ws.cell(4 + len(rows), 1).value is None  # nothing below the table
    groepen = wb["Tabel 1"]
    assert groepen["B4"].value == pytest.approx(0.57) and groepen["B4"].number_format == "0%"
    assert groepen["B5"].value == sdc.SUPPRESSED_MARK and groepen["C4"].value == 120000


@pytest.mark.parametrize(("text", "value", "code"), [
    ("57%", 0.57, "0%"), ("56,7%", 0.567, "0.0%"), ("416.000", 416000, "#,##0"), ("7,2", 7.2, "#,##0.0"),
    ("-1.234,56", -1234.56, "#,##0.00"), ("–", "–", None), ("n.v.t.", "n.v.t.", None), ("416 dzd", "416 dzd", None),
    ("2019", 2019, "#,##0"), ("1.5", "1.5", None),
])
def test_printed_cells_become_numbers_in_the_spreadsheet(text, value, code):
    assert spreadsheet_value(text) == (value, code)


def test_spreadsheet_is_byte_reproducible(tmp_path):
    table = chartdata.table_data(table_frame())
    items = [Numbered(Download("tbl-x", "tbl", "Aandeel", "Bron: UWV.", table), 1, 2, "Hoofdstuk")]
    kw = dict(title="Spiegel 2022", publisher="NLA", date=None, date_text="", edition="2022", threshold=10,
              synthetic=False, pdf="spiegel.pdf")
    write_workbook(tmp_path / "a.xlsx", items, **kw)
    write_workbook(tmp_path / "b.xlsx", items, **kw)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_table_data_flattens_grouped_headers_and_marks_missing_cells():
    frame = pd.DataFrame([["a", "12%", np.nan]],
                         columns=pd.MultiIndex.from_tuples([("Belemmering", ""), ("Sterke mate", "WW"),
                                                            ("Sterke mate", "WGA")]))
    data = chartdata.table_data(frame)
    assert data["columns"] == ["Belemmering", "Sterke mate WW", "Sterke mate WGA"]
    assert data["rows"] == [["a", "12%", "–"]]
