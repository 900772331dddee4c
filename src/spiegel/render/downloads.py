"""The numbers behind the tables and figures, for download: a CSV per Tabel/Figuur and one
spreadsheet per edition, in ``cijfers/`` of the book.

The numbers are the data tables the chapters' outputs carry (:mod:`spiegel.chartdata`): the
cells as the table or chart shows them, after disclosure control (suppressed cells stay ``–``).

CSV (``cijfers/<label>.csv``): UTF-8 with a byte-order mark (so Excel reads it as UTF-8),
``;``-separated (Dutch Excel), cells as printed (``57%``, ``416.000``, ``7,2``, ``–``). Line 1
is the title ("Tabel 3 …"), line 2 the header, then one line per row; after an empty line the
source and notes, the meaning of ``–`` where it occurs, and the edition.
``pandas.read_csv(path, sep=";", skiprows=1, skip_blank_lines=False)`` reads the table part.

Spreadsheet (``cijfers/<pdf stem>.xlsx``), laid out as the UK Government Statistical Service's
guidance on accessible spreadsheets asks: a cover sheet (title, publisher, date, what it holds),
a contents sheet (every sheet with its title and a link), a notes sheet, then one sheet per table
and figure ("Tabel 3", "Figuur 12") with its title in A1, source and notes in A2, and the numbers
as an Excel table from A3 (marked header row, no merged cells, no blank rows or columns; numbers
stored as numbers with a number format, percentages as fractions with "0%").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spiegel.render.notebook import DOWNLOAD_DIR, Download, _plain
from spiegel.sdc import SUPPRESSED_MARK

NAMES = {"tbl": "Tabel", "fig": "Figuur"}


@dataclass
class Numbered:
    """A download with its number in the book."""

    download: Download
    number: int
    chapter_number: int
    chapter_title: str

    @property
    def name(self) -> str:
        return f"{NAMES[self.download.kind]} {self.number}"

    @property
    def title(self) -> str:
        caption = _plain(self.download.caption)
        return f"{self.name} {caption}".strip()

    @property
    def note(self) -> str:
        return _plain(self.download.note.replace("\n\n", " "))


def workbook_name(pdf: str) -> str:
    """The spreadsheet's file name, beside the PDF's name: ``spiegel-bestaanszekerheid-2022.xlsx``."""
    return Path(pdf).with_suffix(".xlsx").name


def filled_rows(table: dict[str, Any]) -> list[list[str]]:
    """The rows of a data table with blank cells in the leading text column filled from the row
    above (a table prints a group label once; a download repeats it so every row stands alone)."""
    rows = [[str(c) for c in row] for row in table.get("rows") or []]
    last = ""
    for row in rows:
        if row and row[0].strip() == "" and last:
            row[0] = last
        elif row:
            last = row[0]
    return rows


def _suppression_note(threshold: int | None) -> str:
    fewer = f"minder dan {threshold} waarnemingen" if threshold else "te weinig waarnemingen"
    return (f"{SUPPRESSED_MARK} = geen cijfer: {fewer} (geheimhouding), of niet gevraagd of niet van "
            "toepassing waar de toelichting dat zegt.")


def _has_mark(rows: list[list[str]]) -> bool:
    return any(cell.strip() == SUPPRESSED_MARK for row in rows for cell in row)


def csv_text(item: Numbered, edition_line: str, threshold: int | None, synthetic: bool) -> str:
    """The CSV of one table or figure (see the module docstring)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    rows = filled_rows(item.download.table)
    writer.writerow([item.title])
    writer.writerow([str(c) for c in item.download.table.get("columns") or []])
    writer.writerows(rows)
    writer.writerow([])
    if item.note:
        writer.writerow([item.note])
    if _has_mark(rows):
        writer.writerow([_suppression_note(threshold)])
    if synthetic:
        writer.writerow(["Let op: gebouwd op synthetische data; de cijfers zijn niet echt en mogen niet worden geciteerd."])
    writer.writerow([edition_line])
    return "\ufeff" + out.getvalue()


# ------------------------------------------------------------------------------------------------
# the spreadsheet

_PCT = re.compile(r"^(-?\d{1,3}(?:\.\d{3})*|-?\d+)(?:,(\d+))?%$")
_NUM = re.compile(r"^(-?\d{1,3}(?:\.\d{3})+|-?\d+)(?:,(\d+))?$")


def spreadsheet_value(text: str) -> tuple[Any, str | None]:
    """A printed cell as the spreadsheet stores it: (number, Excel number format) for Dutch
    numbers and percentages ("416.000" → 416000 "#,##0"; "57%" → 0.57 "0%"; "7,2" → 7.2 "0.0"),
    else (text, None)."""
    s = text.strip().replace("\u2212", "-")
    for pattern, scale in ((_PCT, 100), (_NUM, 1)):
        m = pattern.match(s)
        if m:
            whole, decimals = m.group(1).replace(".", ""), m.group(2) or ""
            value = float(f"{whole}.{decimals}") if decimals else int(whole)
            digits = "0" * len(decimals)
            if scale == 100:
                return round(value / 100, len(decimals) + 2), ("0." + digits + "%") if digits else "0%"
            return value, ("#,##0." + digits) if digits else "#,##0"
    return text, None


def _sheet_names(items: list[Numbered]) -> list[str]:
    return [it.name[:31] for it in items]


def write_workbook(path: Path, items: list[Numbered], *, title: str, publisher: str, date: dt.date | None,
                   date_text: str, edition: str, threshold: int | None, synthetic: bool, pdf: str) -> None:
    """The edition's spreadsheet (see the module docstring); byte-reproducible for the same input
    (xlsxwriter writes fixed dates into the zip; the document dates are the publication date)."""
    import xlsxwriter

    moment = dt.datetime.combine(date or dt.date(2000, 1, 1), dt.time(12, 0))
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True, "strings_to_numbers": False,
                                         "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{title}: tabellen en figuren", "author": publisher, "company": publisher,
                       "created": moment, "comments": "Gemaakt met de publicatiestraat spiegel."})
    wb.set_custom_property("Taal", "nl-NL")
    h1 = wb.add_format({"bold": True, "font_size": 14, "font_name": "Arial"})
    h2 = wb.add_format({"bold": True, "font_size": 12, "font_name": "Arial"})
    text = wb.add_format({"font_name": "Arial", "font_size": 11, "text_wrap": False})
    link = wb.add_format({"font_name": "Arial", "font_size": 11, "font_color": "#0000FF", "underline": 1})
    formats: dict[str, Any] = {}

    def number_format(code: str) -> Any:
        if code not in formats:
            formats[code] = wb.add_format({"font_name": "Arial", "font_size": 11, "num_format": code})
        return formats[code]

    names = _sheet_names(items)

    # --- cover sheet
    cover = wb.add_worksheet("Voorblad")
    lines: list[tuple[str, Any]] = [
        (f"{title}: tabellen en figuren", h1),
        (f"Uitgever: {publisher}" if publisher else "Uitgever: onbekend", text),
        (f"Publicatiedatum: {date_text}" if date_text else f"Editie: {edition}", text),
        (f"Editie: {edition}", text),
        ("Dit bestand bevat de cijfers van alle tabellen en figuren van de publicatie, zoals ze daar staan: "
         "afgerond en na geheimhouding (cellen die niet getoond worden, blijven afgeschermd).", text),
        (f"Elke tabel en figuur staat op een eigen werkblad ({len(items)} in totaal); het werkblad Inhoud "
         "noemt ze met hun titel, het werkblad Toelichting legt de tekens en afspraken uit.", text),
        (f"De publicatie zelf: {pdf} (PDF) en de website van deze editie.", text),
    ]
    if synthetic:
        lines.insert(1, ("Let op: deze editie is gebouwd op synthetische data. De cijfers zijn niet echt "
                         "en mogen niet worden geciteerd.", h2))
    for row, (value, fmt) in enumerate(lines):
        cover.write_string(row, 0, value, fmt)
    cover.set_column(0, 0, 120)

    # --- contents
    contents = wb.add_worksheet("Inhoud")
    contents.write_string(0, 0, "Inhoud", h1)
    contents.write_string(1, 0, "Een regel per werkblad met een tabel of figuur; de naam van het werkblad "
                                "is een koppeling ernaartoe.", text)
    rows = [[name, it.title, f"{it.chapter_number} {it.chapter_title}", it.download.csv.split("/", 1)[-1]]
            for name, it in zip(names, items)]
    header = ["Werkblad", "Titel", "Hoofdstuk", "Ook als CSV"]
    contents.add_table(2, 0, 2 + max(1, len(rows)), len(header) - 1, {
        "name": "Inhoud", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h} for h in header]})
    for r, row in enumerate(rows, start=3):
        contents.write_url(r, 0, f"internal:'{row[0]}'!A1", link, string=row[0])
        for c, value in enumerate(row[1:], start=1):
            contents.write_string(r, c, value, text)
    for col, width in enumerate((12, 90, 45, 34)):
        contents.set_column(col, col, width)

    # --- notes
    notes_sheet = wb.add_worksheet("Toelichting")
    notes_sheet.write_string(0, 0, "Toelichting", h1)
    notes_sheet.write_string(1, 0, "Tekens en afspraken in alle werkbladen.", text)
    notes = [
        _suppression_note(threshold),
        "n.v.t. = niet van toepassing (de vraag is deze groep niet gesteld).",
        "De cijfers zijn afgerond zoals in de publicatie; door afronding tellen aandelen niet altijd op tot 100%.",
        "Percentages zijn als getal opgeslagen met een procentnotatie (57% is 0,57).",
        "Bij elke tabel en figuur staan de bron en de toelichting in cel A2 van het werkblad.",
        "Een figuur staat hier als tabel: een rij per categorie, een kolom per reeks of antwoord.",
    ]
    if synthetic:
        notes.append("Deze editie is gebouwd op synthetische data: de cijfers zijn niet echt.")
    notes_sheet.add_table(2, 0, 2 + len(notes), 1, {
        "name": "Toelichting", "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": "Nummer"}, {"header": "Toelichting"}]})
    for r, note in enumerate(notes, start=3):
        notes_sheet.write_number(r, 0, r - 2, text)
        notes_sheet.write_string(r, 1, note, text)
    notes_sheet.set_column(0, 0, 10)
    notes_sheet.set_column(1, 1, 110)

    # --- one sheet per table and figure
    for name, it in zip(names, items):
        ws = wb.add_worksheet(name)
        ws.write_string(0, 0, it.title, h1)
        ws.write_string(1, 0, it.note or "Bron: zie de publicatie.", text)
        columns = _unique_headers(it.download.table.get("columns") or [])
        body = filled_rows(it.download.table)
        last_row = 2 + max(1, len(body))
        ws.add_table(2, 0, last_row, max(0, len(columns) - 1), {
            "name": re.sub(r"\W", "_", name), "style": "Table Style Light 1", "autofilter": False,
            "columns": [{"header": h} for h in columns]})
        widths = [len(h) for h in columns]
        for r, row in enumerate(body, start=3):
            for c, cell in enumerate(row[: len(columns)]):
                value, code = spreadsheet_value(cell) if c > 0 else (cell, None)
                if code is None:
                    ws.write_string(r, c, str(value), text)
                else:
                    ws.write_number(r, c, value, number_format(code))
                widths[c] = max(widths[c], len(cell))
        for c, width in enumerate(widths):
            ws.set_column(c, c, min(60, max(10, width + 2)))
    cover.activate()
    wb.close()


def _unique_headers(columns: list[Any]) -> list[str]:
    out: list[str] = []
    for i, c in enumerate(columns, start=1):
        name = str(c).strip() or f"Kolom {i}"
        base, n = name, 2
        while name.lower() in (o.lower() for o in out):
            name, n = f"{base} ({n})", n + 1
        out.append(name)
    return out


# ------------------------------------------------------------------------------------------------
# entry


def write_downloads(target: Path, chapters: list[Any], registry: dict[str, dict[str, Any]], *, title: str,
                    publisher: str, date: dt.date | None, date_text: str, edition: str,
                    threshold: int | None, synthetic: bool, pdf: str) -> list[Path]:
    """Write ``cijfers/<label>.csv`` for every numbered table and figure that has its numbers, and
    the spreadsheet with all of them; returns the files written (none when there are no numbers)."""
    items = [Numbered(d, int(registry[d.label]["number"]), ch.number, ch.title)
             for ch in chapters for d in ch.downloads if d.label in registry]
    if not items:
        return []
    folder = target / DOWNLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    edition_line = f"{title}" + (f", {publisher}" if publisher else "") + (f", {date_text}" if date_text else "")
    written = []
    for it in items:
        path = folder / Path(it.download.csv).name
        path.write_text(csv_text(it, edition_line, threshold, synthetic), encoding="utf-8", newline="")
        written.append(path)
    book = folder / workbook_name(pdf)
    write_workbook(book, items, title=title, publisher=publisher, date=date, date_text=date_text,
                   edition=edition, threshold=threshold, synthetic=synthetic, pdf=pdf)
    written.append(book)
    return written


def key_figures_csv(rows: list[tuple[str, Any]], *, title: str, edition_line: str, synthetic: bool) -> str:
    """The Kerncijfers table (``spiegel.development``) as CSV: Hoofdstuk, Kerncijfer, both editions'
    values, Verschil, Significant? — the cells exactly as the page prints them."""
    from spiegel.text import development_rows

    head, body = development_rows(rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([title])
    writer.writerow(head)
    writer.writerows(body)
    writer.writerow([])
    writer.writerow(["Significant: verschil met de vorige editie bij een toets op twee onafhankelijke steekproeven; "
                     "registercijfers hebben geen steekproefonzekerheid."])
    if synthetic:
        writer.writerow(["Let op: gebouwd op synthetische data; de cijfers zijn niet echt en mogen niet worden geciteerd."])
    writer.writerow([edition_line])
    return "\ufeff" + out.getvalue()
