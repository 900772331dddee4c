"""Display helpers for chapter notebooks: tables and charts as the renderer expects them.

A table is shown as an HTML table (no index); a chart as the active Altair renderer shows it
(SVG); both with the numbers as shown beside them (:mod:`spiegel.chartdata`). Both pass the disclosure check first: only aggregated frames are ever displayed. Prose
and the note under a table or figure are Markdown cells (``docs/text.md``), never code output.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML, display

from spiegel import chartdata, charts
from spiegel.sdc import check_aggregate


def table(frame: pd.DataFrame) -> None:
    """Show an aggregated table (all cells already formatted as text), with its cells as data
    beside the HTML (:data:`spiegel.chartdata.DATA_MIME`: the CSV download and spreadsheet)."""
    check_aggregate(frame)
    shown = HTML(frame.to_html(index=False, escape=True, na_rep="–", border=0))
    display({"text/html": shown.data, chartdata.DATA_MIME: chartdata.table_data(frame),
             "text/plain": repr(shown)}, raw=True)


def chart(chart) -> None:
    """Show a chart built by :mod:`spiegel.charts` (what ``display(chart)`` shows, see
    :func:`spiegel.charts.mimebundle`)."""
    data, metadata = charts.mimebundle(chart)
    display(data, metadata=metadata, raw=True)
