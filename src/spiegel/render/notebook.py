"""Turn one executed chapter notebook into Pandoc Markdown, honouring the Quarto cell conventions.

Only what a reader should see survives: Markdown cells, ``text/markdown`` outputs, DataFrame HTML
tables, and SVG (or PNG) charts. Code, ``parameters``/``injected-parameters`` cells, streams and
``text/plain``-only outputs are dropped, and so are all cell metadata and ids (papermill timestamps,
jupytext ids), which keeps the output byte-reproducible.

Labelled cells (``#| label: tbl-...`` / ``fig-...``) become fenced divs that the Lua filter
(``quarto.lua``) turns into numbered tables and figures::

    :::: {#tbl-x .sp-float kind="tbl"}
    ::: sp-caption
    <caption markdown>
    :::
    <table / image blocks>
    ::: sp-note
    <markdown output after the table: the source note>
    :::
    ::::
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from spiegel.chartdata import DATA_MIME
from spiegel.render.errors import RenderError

FLOAT_KINDS = {"tbl": "tbl", "fig": "fig"}
#: The book's folder with the CSV files and the spreadsheet.
DOWNLOAD_DIR = "cijfers"
SKIP_TAGS = {"parameters", "injected-parameters"}
VEGA_MIME = re.compile(r"^application/vnd\.vega(lite)?\.v\d+(\.\d+)*\+json$")
CHART_FONT = "DejaVu Sans"
_GENERIC_FONTS = {"sans-serif", "serif", "monospace", "system-ui", "cursive", "fantasy"}


@dataclass
class Asset:
    """A file the chapter needs next to the Typst source (chart images)."""

    relpath: str
    data: bytes


@dataclass
class Download:
    """The numbers behind one numbered table or figure (spiegel.chartdata's data table), with the
    caption and note (Markdown) the CSV and the spreadsheet carry."""

    label: str
    kind: str  # tbl | fig
    caption: str
    note: str
    table: dict[str, Any]

    @property
    def csv(self) -> str:
        """The CSV file's path in the book (``cijfers/<label>.csv``)."""
        return f"{DOWNLOAD_DIR}/{self.label}.csv"


@dataclass
class ChapterSource:
    """One chapter, ready for pandoc."""

    id: str
    number: int
    stem: str
    title: str
    markdown: str
    floats: list[tuple[str, str]] = field(default_factory=list)  # (label, kind) in order
    assets: list[Asset] = field(default_factory=list)
    downloads: list[Download] = field(default_factory=list)  # the numbers of the floats that have them

    @property
    def page(self) -> str:
        return f"{self.stem}.html"


# --------------------------------------------------------------------------------------------
# small helpers


def cell_options(source: str) -> tuple[dict[str, Any], str]:
    """Split Quarto ``#| key: value`` option lines off the top of a code cell."""
    lines = source.splitlines()
    opt_lines: list[str] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines) and lines[i].startswith("#|"):
        text = lines[i][2:]
        opt_lines.append(text[1:] if text.startswith(" ") else text)
        i += 1
    if not opt_lines:
        return {}, source
    try:
        options = yaml.safe_load("\n".join(opt_lines)) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"cell options are not valid YAML: {exc}") from exc
    if not isinstance(options, dict):
        raise ValueError("cell options must be 'key: value' lines")
    return options, "\n".join(lines[i:])


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in {"false", "no"})


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(value)
    return "" if value is None else str(value)


def _fence(text: str, char: str = "`") -> str:
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


def raw_block(fmt: str, text: str) -> str:
    fence = _fence(text)
    return f"{fence}{{={fmt}}}\n{text.rstrip()}\n{fence}"


def div(classes: str, body: str, ident: str = "", attrs: str = "") -> str:
    inner = " ".join(x for x in (f"#{ident}" if ident else "", classes, attrs) if x)
    fence = ":" * max(3, len(_fence(body, ":")))
    return f"{fence} {{{inner}}}\n{body.strip()}\n{fence}"


def _plain(markdown: str) -> str:
    """Rough plain text of a short Markdown string (for aria-labels, alt texts, CSV)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!'\"])", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[*_`\[\]]", "", text)).strip()


def chart_fonts(svg: str) -> str:
    """Put DejaVu Sans in front of generic font families so Typst (and browsers) use it."""

    def fix(match: re.Match[str]) -> str:
        quote, families = match.group(1), match.group(2)
        names = [f.strip() for f in families.split(",") if f.strip()]
        bare = [n.strip("'\"").lower() for n in names]
        if CHART_FONT.lower() in bare:
            return match.group(0)
        pos = next((i for i, n in enumerate(bare) if n in _GENERIC_FONTS), len(names))
        inner_q = "'" if quote == '"' else '"'
        names.insert(pos, f"{inner_q}{CHART_FONT}{inner_q}")
        return f"font-family={quote}{', '.join(names)}{quote}"

    svg = re.sub(r"font-family=(\"|')(.*?)\1", fix, svg)
    return re.sub(
        r"font-family:\s*([^;\"']*?)(sans-serif)",
        lambda m: m.group(0) if CHART_FONT in m.group(1) else f"font-family: {m.group(1)}{CHART_FONT}, {m.group(2)}",
        svg,
    )


def _strip_xml_prolog(svg: str) -> str:
    svg = re.sub(r"^\s*<\?xml[^>]*\?>\s*", "", svg)
    return re.sub(r"^\s*<!DOCTYPE[^>]*>\s*", "", svg)


_VEGA_ARIA = re.compile(r'\s(?:aria-roledescription|aria-label|aria-hidden|role)="[^"]*"')


def inline_svg(svg: str, prefix: str, label: str, description: str = "") -> str:
    """SVG ready to sit inside an HTML page: unique ids, responsive size, and one accessible image:
    ``role="img"`` named by a ``<title>`` (the caption) and described by a ``<desc>`` (what kind of
    chart it is and its main result, in Dutch). Vega's own ARIA attributes on the marks (English)
    are removed."""
    svg = _strip_xml_prolog(svg)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}{m.group(1)})", svg)
    svg = re.sub(r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg)
    svg = _VEGA_ARIA.sub("", svg)
    attrs, children = ' role="img"', ""
    if label:
        attrs += f' aria-labelledby="{prefix}title"'
        children += f'<title id="{prefix}title">{html.escape(label, quote=False)}</title>'
    if description:
        attrs += f' aria-describedby="{prefix}desc"'
        children += f'<desc id="{prefix}desc">{html.escape(description, quote=False)}</desc>'
    return re.sub(r"<svg\b([^>]*)>", lambda m: f"<svg{attrs}{m.group(1)}>{children}", svg, count=1)


def data_table_html(table: dict[str, Any], caption: str = "") -> str:
    """A data table (spiegel.chartdata) as an HTML table with header scopes."""
    e = html.escape
    columns, rows = table.get("columns") or [], table.get("rows") or []
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{e(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{e(str(c))}</th>' for c in columns) + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        cells = [f'<th scope="row">{e(str(row[0]))}</th>'] if row else []
        cells += [f'<td class="sp-num">{e(str(v))}</td>' for v in row[1:]]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def chart_table_html(table: dict[str, Any], caption: str) -> str:
    """The "toon als tabel" alternative of a chart: its numbers, folded away under the chart."""
    return ('<details class="sp-chart-table"><summary>Toon als tabel</summary>'
            f'<div class="sp-table-wrap">{data_table_html(table, caption)}</div></details>')


def downloads_html(download: Download, workbook: str | None) -> str:
    """The links under a table or figure: its CSV, and the edition's spreadsheet."""
    what = "tabel" if download.kind == "tbl" else "figuur"
    links = [f'<a href="{html.escape(download.csv, quote=True)}" download>Cijfers bij deze {what} (CSV)</a>']
    if workbook:
        links.append(f'<a href="{DOWNLOAD_DIR}/{html.escape(workbook, quote=True)}" download>'
                     "Alle tabellen en figuren (Excel)</a>")
    return '<p class="sp-downloads">' + " · ".join(links) + "</p>"


def svg_width_pt(svg: str) -> float | None:
    """The natural width of an SVG in pt (CSS px × 0.75)."""
    tag = re.search(r"<svg\b[^>]*>", svg)
    if not tag:
        return None
    m = re.search(r'\bwidth="([\d.]+)(px|pt)?"', tag.group(0))
    if not m:
        m2 = re.search(r'viewBox="[\d.\-]+\s+[\d.\-]+\s+([\d.]+)', tag.group(0))
        return float(m2.group(1)) * 0.75 if m2 else None
    value = float(m.group(1))
    return value if m.group(2) == "pt" else value * 0.75


def chapter_title(markdown_sources: list[str]) -> str | None:
    """The text of the first level-1 ATX heading."""
    in_fence = False
    for source in markdown_sources:
        for line in source.splitlines():
            if re.match(r"^\s*(```|~~~)", line):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            m = re.match(r"^#\s+(.+?)\s*$", line)
            if m:
                title = re.sub(r"\s*\{[^}]*\}\s*$", "", m.group(1))
                title = re.sub(r"\s+#+$", "", title)
                return re.sub(r"[*_`]", "", title).strip()
    return None


_NOTE = re.compile(r"^\s*(:{3,})\s*(?:\{\s*\.note\s*\}|note)\s*\n(.*?)\n\1\s*$", re.DOTALL)


def note_body(markdown: str) -> str | None:
    """The text of a Markdown cell that is one ``::: note`` div (the note under the table or
    figure of the cell before it: N, source), else None."""
    m = _NOTE.match(markdown)
    return m.group(2).strip() if m else None


# --------------------------------------------------------------------------------------------
# outputs


@dataclass
class _Item:
    kind: str  # md | table | html | svg | png | jpeg
    data: str
    table: dict[str, Any] | None = None  # the numbers shown (spiegel.chartdata), where given


def _output_items(output: Any, asis: bool, where: str) -> list[_Item]:
    otype = output.get("output_type")
    if otype == "error":
        ename, evalue = output.get("ename", "Error"), output.get("evalue", "")
        raise RenderError(f"{where} raised {ename}: {evalue} — a chapter with errors is never published")
    if otype == "stream":
        if asis and output.get("name") == "stdout":
            return [_Item("md", _text(output.get("text")))]
        return []
    if otype not in {"display_data", "execute_result"}:
        return []
    data = output.get("data", {}) or {}
    numbers = data.get(DATA_MIME)
    numbers = numbers if isinstance(numbers, dict) and isinstance(numbers.get("rows"), list) else None
    if "image/svg+xml" in data:
        return [_Item("svg", _text(data["image/svg+xml"]), numbers)]
    if "image/png" in data:
        return [_Item("png", _text(data["image/png"]), numbers)]
    if "image/jpeg" in data:
        return [_Item("jpeg", _text(data["image/jpeg"]), numbers)]
    if any(VEGA_MIME.match(k) for k in data):
        raise RenderError(
            f"{where} shows an Altair/Vega chart without a static image; "
            "call alt.renderers.enable('svg') in the notebook"
        )
    if "text/markdown" in data:
        return [_Item("md", _text(data["text/markdown"]))]
    if "text/html" in data:
        text = _text(data["text/html"])
        low = text.lower()
        if "vega-embed" in low or "vegaembed" in low:
            raise RenderError(
                f"{where} shows an Altair/Vega chart as HTML that loads scripts from a CDN; "
                "call alt.renderers.enable('svg') in the notebook"
            )
        return [_Item("table" if "<table" in low else "html", text, numbers)]
    return []  # text/plain only: key figures for tests, reprs — never published


def _item_markdown(item: _Item, stem: str, counter: list[int], caption: str, assets: list[Asset]) -> str:
    if item.kind == "md":
        return div(".sp-md", item.data) if item.data.strip() else ""
    if item.kind == "table":
        return div(".sp-table", raw_block("html", item.data))
    if item.kind == "html":
        return div(".sp-html", raw_block("html", item.data))
    counter[0] += 1
    name = f"figures/{stem}-{counter[0]}"
    label = _plain(caption)
    description = str((item.table or {}).get("description") or "")
    alt_text = " ".join(x for x in (label + ("." if label and label[-1] not in ".?!" else ""), description) if x)
    alt_arg = f", alt: {_typst_str(alt_text)}" if alt_text else ""
    if item.kind == "svg":
        svg = chart_fonts(_strip_xml_prolog(item.data))
        assets.append(Asset(f"{name}.svg", svg.encode("utf-8")))
        width = svg_width_pt(svg)
        width_arg = f", width: {width:.1f}pt" if width else ""
        html_part = inline_svg(svg, f"{stem}-{counter[0]}-", label, description)
        typst_part = f'#sp-image("/{name}.svg"{width_arg}{alt_arg})'
    else:
        ext = "png" if item.kind == "png" else "jpg"
        mime = "image/png" if item.kind == "png" else "image/jpeg"
        b64 = re.sub(r"\s+", "", item.data)
        assets.append(Asset(f"{name}.{ext}", base64.b64decode(b64)))
        alt = html.escape(alt_text, quote=True)
        html_part = f'<img src="data:{mime};base64,{b64}" alt="{alt}">'
        typst_part = f'#sp-image("/{name}.{ext}"{alt_arg})'
    if item.table is not None and item.table.get("kind") == "chart":
        html_part += "\n" + chart_table_html(item.table, f"Cijfers bij: {label}" if label else "")
    return div(".sp-image", raw_block("html", html_part) + "\n\n" + raw_block("typst", typst_part))


def _typst_str(value: str) -> str:
    out = []
    for ch in value:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append(" ")
        elif ord(ch) < 32:
            continue
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# --------------------------------------------------------------------------------------------
# the chapter


def prepare_chapter(path: Path, chapter_id: str, number: int, workbook: str | None = None) -> ChapterSource:
    """Read an executed notebook and build the chapter's Markdown (raises RenderError).

    A numbered table or figure whose output carries its numbers (spiegel.chartdata) gets a link to
    its CSV under it, and to ``workbook`` (the edition's spreadsheet in ``cijfers/``) if given."""
    path = Path(path)
    stem = path.stem
    if not path.is_file():
        raise RenderError(f"chapter '{chapter_id}': executed notebook not found: {path}")
    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any unreadable notebook is one clear error
        raise RenderError(f"chapter '{chapter_id}': cannot read notebook {path}: {exc}") from exc

    papermill = nb.metadata.get("papermill", {}) or {}
    if papermill.get("exception"):
        raise RenderError(f"chapter '{chapter_id}': papermill recorded an exception in {path}; not publishing it")

    blocks: list[str] = []
    markdown_sources: list[str] = []
    floats: list[tuple[str, str]] = []
    assets: list[Asset] = []
    downloads: list[Download] = []
    counter = [0]

    # the last float: [content, label, kind, body, caption, numbers, notes], open for a note cell
    pending: list | None = None

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            content, label, kind, body, caption, numbers, notes = pending
            if numbers is not None:
                download = Download(label, kind, caption, "\n\n".join(notes), numbers)
                downloads.append(download)
                body.append(raw_block("html", downloads_html(download, workbook)))
            float_md = div(".sp-float", "\n\n".join(b for b in body if b), ident=label, attrs=f'kind="{kind}"')
            blocks.append(div(".cell", (content + "\n\n" if content else "") + float_md))
            pending = None

    for index, cell in enumerate(nb.cells, start=1):
        where = f"chapter '{chapter_id}' ({path.name}), cell {index}"
        ctype = cell.get("cell_type")
        if ctype == "markdown":
            source = _text(cell.get("source"))
            note = note_body(source)
            if note is not None:
                if pending is None:
                    raise RenderError(f"{where}: a '::: note' cell must directly follow a table or figure cell")
                pending[3].append(div(".sp-note", note))
                pending[6].append(note)
                continue
            flush()
            markdown_sources.append(source)
            if source.strip():
                blocks.append(div(".cell", source))
            continue
        if ctype != "code":
            continue  # raw cells are not published

        outputs = cell.get("outputs", []) or []
        for out in outputs:  # errors stop publication even in hidden cells
            if out.get("output_type") == "error":
                _output_items(out, False, where)

        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & SKIP_TAGS:
            continue
        try:
            options, _ = cell_options(_text(cell.get("source")))
        except ValueError as exc:
            raise RenderError(f"{where}: {exc}") from exc
        if _is_false(options.get("include", True)) or _is_false(options.get("output", True)):
            continue
        asis = str(options.get("output", "")).strip().lower() == "asis"

        items: list[_Item] = []
        for out in outputs:
            items.extend(_output_items(out, asis, where))

        label = str(options.get("label", "") or "").strip()
        prefix = label.split("-", 1)[0] if "-" in label else ""
        kind = FLOAT_KINDS.get(prefix)
        if kind:
            if not re.fullmatch(r"[A-Za-z0-9_:.\-]+", label):
                raise RenderError(f"{where}: label '{label}' may only hold letters, digits and - _ : .")
            caption = _text(options.get(f"{kind}-cap", "")).strip()
            wanted = {"table"} if kind == "tbl" else {"svg", "png", "jpeg"}
            main = next((i for i, it in enumerate(items) if it.kind in wanted), None)
            if main is None:
                main = next((i for i, it in enumerate(items) if it.kind in {"table", "svg", "png", "jpeg"}), None)
            if main is None:
                raise RenderError(f"{where}: cell labelled '{label}' has no {'table' if kind == 'tbl' else 'chart'} output")
            before = [_item_markdown(it, stem, counter, caption, assets) for it in items[:main]]
            body: list[str] = []
            notes: list[str] = []
            if caption:
                body.append(div(".sp-caption", caption))
            for it in items[main:]:
                md = _item_markdown(it, stem, counter, caption, assets)
                if it.kind == "md":
                    md = div(".sp-note", it.data) if it.data.strip() else ""
                    if it.data.strip():
                        notes.append(it.data.strip())
                body.append(md)
            floats.append((label, kind))
            flush()
            pending = ["\n\n".join(b for b in before if b), label, kind, body, caption, items[main].table, notes]
        else:
            parts = [_item_markdown(it, stem, counter, "", assets) for it in items]
            parts = [p for p in parts if p]
            if parts:
                flush()
                blocks.append(div(".cell", "\n\n".join(parts)))

    flush()
    title = chapter_title(markdown_sources)
    if title is None:
        raise RenderError(
            f"chapter '{chapter_id}' ({path.name}) has no '# <title>' heading in its first Markdown cell"
        )
    return ChapterSource(
        id=chapter_id,
        number=number,
        stem=stem,
        title=title,
        markdown="\n\n".join(blocks) + "\n",
        floats=floats,
        assets=assets,
        downloads=downloads,
    )
