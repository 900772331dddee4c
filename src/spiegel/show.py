"""Display helpers for chapter notebooks: tables and charts as the renderer expects them.

A table is shown as an HTML table (no index); a chart as the active Altair renderer shows it
(SVG). Both pass the disclosure check first: only aggregated frames are ever displayed. Prose
and the note under a table or figure are Markdown cells (``docs/text.md``), never code output.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from spiegel import charts
from spiegel.sdc import check_aggregate


def table(frame: pd.DataFrame) -> None:
    """Show an aggregated table (all cells already formatted as text)."""
    check_aggregate(frame)
    display(HTML(frame.to_html(index=False, escape=True, na_rep="–", border=0)))


def chart(chart) -> None:
    """Show a chart built by :mod:`spiegel.charts` (what ``display(chart)`` shows, see
    :func:`spiegel.charts.mimebundle`)."""
    data, metadata = charts.mimebundle(chart)
    display(data, metadata=metadata, raw=True)
