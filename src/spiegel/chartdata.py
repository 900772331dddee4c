"""The numbers behind a table or chart, as the reader sees them, and a chart's text alternative.

One source of the numbers: :mod:`spiegel.charts` and :mod:`spiegel.show` compute a *data table*
from the frame they draw or show — the cells as printed (value labels formatted by
:mod:`spiegel.fmt`, suppressed cells as ``–``) under Dutch headers — and put it in the notebook
output beside the SVG or HTML as one more MIME type, :data:`DATA_MIME`::

    {"version": 1, "kind": "table" | "chart",
     "columns": ["Regeling", "Klanten", "Medewerkers"],
     "rows": [["WW", "57%", "–"], ...],
     "chart": "bars" | "grouped_bars" | "likert_bars",          (charts only)
     "description": "Gegroepeerd staafdiagram: ... Het hoogst is ..."}  (charts only)

The renderer (:mod:`spiegel.render.notebook`) takes the CSV download, the spreadsheet sheet, the
"toon als tabel" alternative and the chart's text alternative (SVG ``<desc>``, PDF alt text) from
it, so all of them show exactly what the table or chart shows.

The description says what kind of chart it is and its main result, computed from the data
(never typed per chart): which category (and group) is highest and which lowest, and for a
Likert chart which statement has the largest and smallest share of agreement; values that
disclosure control withheld are named as not shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from spiegel.sdc import SUPPRESSED_MARK

DATA_MIME = "application/vnd.spiegel.data+json"
VERSION = 1
#: The key under a chart's Vega-Lite ``usermeta`` that carries its data table.
USERMETA_KEY = "spiegel"


def header(name: Any, given: str | None = None) -> str:
    """A column header for readers: ``given``, else the frame's column name with a capital."""
    if given:
        return str(given)
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def cell(value: Any) -> str:
    """A cell as printed: text as it is, missing as the suppression mark."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return SUPPRESSED_MARK
    try:
        if pd.isna(value):
            return SUPPRESSED_MARK
    except (TypeError, ValueError):
        pass
    return str(value)


def flat_columns(columns: pd.Index) -> list[str]:
    """Column headers as one row: the levels of a MultiIndex joined by spaces (repeats dropped)."""
    out = []
    for col in columns:
        if isinstance(col, tuple):
            parts: list[str] = []
            for part in col:
                text = str(part).strip()
                if text and not text.startswith("Unnamed:") and (not parts or parts[-1] != text):
                    parts.append(text)
            out.append(" ".join(parts))
        else:
            out.append(str(col))
    return out


def table_data(frame: pd.DataFrame) -> dict[str, Any]:
    """The data table of a shown table (cells already formatted as text)."""
    return {"version": VERSION, "kind": "table", "columns": flat_columns(frame.columns),
            "rows": [[cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or bool(pd.isna(value))


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def extremes(items: Sequence[tuple[str, Any, str]], *,
             high: tuple[str, str] = ("Het hoogst is {names} ({label})", "Het hoogst zijn {names} ({label})"),
             low: str = "het laagst {names} ({label})", what: str = "waarden") -> str:
    """"Het hoogst is X (57%), het laagst Y (12%)." over (name, value, label as printed): ties are
    all named; values that are not shown (suppressed) are named as such. ``high`` is the phrase
    for one and for several highest, ``low`` for the lowest."""
    shown = [(n, float(v), lab) for n, v, lab in items if not _missing(v)]
    hidden = [n for n, v, _ in items if _missing(v)]
    if not shown:
        return f"Geen van de {what} is getoond."
    top, bottom = max(v for _, v, _ in shown), min(v for _, v, _ in shown)
    tops = [(n, lab) for n, v, lab in shown if v == top]
    bottoms = [(n, lab) for n, v, lab in shown if v == bottom]
    if len(shown) == 1:
        text = f"De enige getoonde waarde is die van {shown[0][0]} ({shown[0][2]})."
    elif top == bottom:
        text = f"Alle getoonde {what} zijn gelijk ({shown[0][2]})."
    else:
        first = high[0] if len(tops) == 1 else high[1]
        text = (first.format(names=_names([n for n, _ in tops]), label=tops[0][1]) + ", "
                + low.format(names=_names([n for n, _ in bottoms]), label=bottoms[0][1]) + ".")
    if hidden:
        text += f" Geen cijfer getoond voor {_names(hidden)}."
    return text


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def bars_data(data: pd.DataFrame, category: str, value: str, cats: Sequence[Any],
              label: Callable[[Any], str], value_header: str, marked: Sequence[Any] = (),
              mark_color: str = "oranje") -> dict[str, Any]:
    """Data table and description of a single-series bar chart (``marked``: the categories drawn
    in ``mark_color``, which the description names, so that the colour is not the only cue)."""
    by_cat = {str(c): v for c, v in zip(data[category], data[value])}
    rows = [[str(c), label(by_cat.get(str(c)))] for c in cats]
    items = [(str(c), by_cat.get(str(c)), lab) for c, (_, lab) in zip(cats, rows)]
    desc = (f"Staafdiagram: {_lower(value_header)} per {_lower(header(category))}, "
            f"{len(rows)} staven. " + extremes(items))
    shown_marked = [str(c) for c in cats if str(c) in {str(m) for m in marked}]
    if shown_marked:
        desc += f" In {mark_color}: {_names(shown_marked)}."
    return {"version": VERSION, "kind": "chart", "chart": "bars",
            "columns": [header(category), value_header], "rows": rows, "description": desc}


def grouped_data(data: pd.DataFrame, category: str, value: str, group: str, cats: Sequence[Any],
                 groups: Sequence[Any], label: Callable[[Any], str], value_header: str) -> dict[str, Any]:
    """Data table (a row per category, a column per group) and description of grouped bars."""
    values = {(str(c), str(g)): v for c, g, v in zip(data[category], data[group], data[value])}
    rows = [[str(c), *(label(values.get((str(c), str(g)))) for g in groups)] for c in cats]
    items = [(f"{c} bij {g}", values.get((str(c), str(g))), label(values.get((str(c), str(g)))))
             for c in cats for g in groups if (str(c), str(g)) in values]
    desc = (f"Gegroepeerd staafdiagram: {_lower(value_header)} per {_lower(header(category))}, "
            f"met per {_lower(header(category))} een staaf voor {_names([str(g) for g in groups])} "
            f"(in die volgorde). " + extremes(items))
    return {"version": VERSION, "kind": "chart", "chart": "grouped_bars",
            "columns": [header(category), *(str(g) for g in groups)], "rows": rows, "description": desc}


def likert_data(parts: pd.DataFrame, statement: str, answer: str, share: str, statements: Sequence[Any],
                answers: Sequence[Any], scale: Sequence[Any], label: Callable[[Any], str]) -> dict[str, Any]:
    """Data table (a row per statement, a column per answer, shares of the bar) and description
    of a 100%-stacked Likert chart. ``parts``: one row per statement and answer with the
    normalised share in ``share``; ``scale``: the substantive answers, most positive first (the
    first half counts as agreement)."""
    positive = list(scale[: max(1, len(scale) // 2)])
    values = {(str(s), str(a)): v for s, a, v in zip(parts[statement], parts[answer], parts[share])}
    rows = [[str(s), *(label(values.get((str(s), str(a)))) for a in answers)] for s in statements]
    items = []
    for s in statements:
        got = [values.get((str(s), str(a))) for a in positive]
        total = None if all(_missing(v) for v in got) else sum(0.0 if _missing(v) else float(v) for v in got)
        items.append((f"‘{s}’", total, label(total)))
    agree = _names([f"‘{a}’" for a in positive]).replace(" en ", " of ")
    desc = (f"Gestapeld staafdiagram (100%): de verdeling van de antwoorden op {len(rows)} "
            f"{'stelling' if len(rows) == 1 else 'stellingen'}, van ‘{scale[0]}’ tot ‘{scale[-1]}’. "
            + extremes(items, high=(f"Het grootste aandeel {agree} heeft {{names}} ({{label}})",
                                    f"Het grootste aandeel {agree} hebben {{names}} ({{label}})"),
                       low="het kleinste {names} ({label})", what="stellingen"))
    return {"version": VERSION, "kind": "chart", "chart": "likert_bars",
            "columns": [header(statement), *(str(a) for a in answers)], "rows": rows, "description": desc}


def from_spec(spec: dict[str, Any]) -> dict[str, Any] | None:
    """The data table a spiegel chart carries in its Vega-Lite ``usermeta`` (None for others)."""
    meta = spec.get("usermeta") if isinstance(spec, dict) else None
    if isinstance(meta, dict) and isinstance(meta.get(USERMETA_KEY), dict):
        return meta[USERMETA_KEY]
    return None
