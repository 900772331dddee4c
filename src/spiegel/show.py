"""Display helpers for chapter notebooks: prose, tables and charts as the renderer expects them.

Prose is emitted as Markdown output; a table as an HTML table (no index) followed by its
source note; a chart as the active Altair renderer shows it (SVG) followed by its note. Tables
and charts pass the disclosure check first: only aggregated frames are ever displayed.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, Markdown, display

from spiegel.sdc import check_aggregate


def md(text: str) -> None:
    """Show ``text`` (Markdown) as part of the chapter's narrative."""
    display(Markdown(text))


def bullets(items: list[str]) -> None:
    """Show a bulleted list."""
    md("\n".join(f"- {item}" for item in items))


def table(frame: pd.DataFrame, note: str | None = None) -> None:
    """Show an aggregated table (all cells already formatted as text) and its note."""
    check_aggregate(frame)
    display(HTML(frame.to_html(index=False, escape=True, na_rep="–", border=0)))
    if note:
        md(note)


def chart(chart, note: str | None = None) -> None:
    """Show a chart built by :mod:`spiegel.charts` and its note (N, source)."""
    display(chart)
    if note:
        md(note)
