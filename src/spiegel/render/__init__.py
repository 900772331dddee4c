"""Render the Spiegel: executed chapter notebooks -> HTML site and PDF.

Default renderer: pandoc 3 (pypandoc-binary) with the Lua filter ``quarto.lua`` for the Quarto
conventions the notebooks use (cell options, numbered tables/figures, ``@tbl-``/``@fig-`` refs),
and Typst (PyPI ``typst``) for the PDF. Opt-in: the Quarto CLI (``renderer="quarto"``).

    from spiegel.render import render_book, RenderError
    render_book(edition, executed, out_dir)      # -> out_dir
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from spiegel.render.errors import RenderError

if TYPE_CHECKING:
    from spiegel.params import Edition

__all__ = ["RenderError", "render_book", "pdf_name", "RENDERERS"]

RENDERERS = ("pandoc", "quarto")


def pdf_name(edition: "Edition") -> str:
    """The PDF's file name in the book folder."""
    return f"spiegel-bestaanszekerheid-{edition.edition}.pdf"


def render_book(
    edition: "Edition",
    executed: dict[str, Path],
    out_dir: Path,
    renderer: str = "pandoc",
    extra_pages: dict[str, Path] | None = None,
    manifest: dict | None = None,
) -> Path:
    """Render the book into ``out_dir`` and return it.

    ``executed`` maps chapter id -> executed notebook, in book order. ``extra_pages`` maps a
    navigation title -> an HTML or Markdown file to include as an extra page (HTML site only).
    ``manifest`` (see :mod:`spiegel.buildstate`) is written as ``manifest.json`` into the book.
    Everything is built in a temporary sibling folder that replaces ``out_dir`` only when complete;
    on any failure a :class:`RenderError` is raised and an existing ``out_dir`` is left untouched.
    Temporary folders are removed on every exit, also on Ctrl-C and SIGTERM.
    """
    if renderer == "pandoc":
        from spiegel.render.book import render_pandoc

        return render_pandoc(edition, executed, Path(out_dir), extra_pages, manifest)
    if renderer == "quarto":
        from spiegel.render.quarto_cli import render_quarto

        return render_quarto(edition, executed, Path(out_dir), extra_pages, manifest)
    raise RenderError(f"unknown renderer '{renderer}' (choose from: {', '.join(RENDERERS)})")
