"""The report's Altair theme and chart types (Likert stacks, grouped and single bars).

Call :func:`enable` once per notebook: it activates the "spiegel" theme (DejaVu Sans everywhere,
Rijkshuisstijl colours, Dutch number locale, no border) and the SVG renderer, so charts are
embedded as static vector images. Every chart function first runs
:func:`spiegel.sdc.check_aggregate` on its frame and embeds only the columns it uses.

Every chart also carries its numbers as printed and a Dutch text alternative computed from them
(:mod:`spiegel.chartdata`, in the spec's ``usermeta``): the renderer :func:`enable` switches on
shows them beside the SVG, where the renderer makes the CSV download, the "toon als tabel" table and the SVG's
``<desc>`` / the PDF's alt text of them. Vega's own (English) ARIA labels are switched off
(``config.aria``): the SVG as a whole is the image, described in Dutch.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import textwrap
import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

import altair as alt
import pandas as pd

from spiegel import chartdata, fmt
from spiegel.sdc import check_aggregate

THEME = "spiegel"
FONT = "DejaVu Sans"
#: Default width in px of a chart's plotting area (labels come on top): fits an A4 column.
WIDTH = 440

# Rijkshuisstijl colours (as used by the Nederlandse Arbeidsinspectie).
DONKERBLAUW = "#154273"
HEMELBLAUW = "#007BC7"
LICHTBLAUW = "#8FCAE7"
ORANJE = "#E17000"
LICHTORANJE = "#F5B380"
DONKERORANJE = "#A04F00"
GRIJS = "#9A9A9A"
LICHTGRIJS = "#D6D6D6"
TEKST = "#1F1F1F"

#: Series colours in order (groups, waves), light and dark in turn so that every two neighbours
#: differ at least 3:1 in contrast: dark blue, light blue, dark orange, light orange, violet, yellow.
CATEGORY = [DONKERBLAUW, LICHTBLAUW, DONKERORANJE, LICHTORANJE, "#42145F", "#FFB612"]
#: Answers that are not an opinion: grey, at the end of a Likert bar.
NON_SUBSTANTIVE = frozenset({"weet niet", "weet_niet", "geen mening", "n.v.t.", "nvt",
                             "geen antwoord", "wil niet zeggen"})

_NUMBER_LOCALE: Any = {"decimal": ",", "thousands": ".", "grouping": [3],
                       "currency": ["€\u00a0", ""]}
_TIME_LOCALE: Any = {
    "dateTime": "%a %e %B %Y %X", "date": "%d-%m-%Y", "time": "%H:%M:%S", "periods": ["AM", "PM"],
    "days": ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"],
    "shortDays": ["zo", "ma", "di", "wo", "do", "vr", "za"],
    "months": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
               "september", "oktober", "november", "december"],
    "shortMonths": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov",
                    "dec"],
}


@alt.theme.register(THEME, enable=False)
def theme() -> alt.theme.ThemeConfig:
    """The report's chart style."""
    axis: Any = {
        "labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 11,
        "labelColor": TEKST, "titleColor": TEKST, "titleFontWeight": "normal",
        "domainColor": "#8C8C8C", "tickColor": "#8C8C8C", "gridColor": "#E3E3E3",
        "labelPadding": 4, "titlePadding": 8,
    }
    return {
        "config": {
            "font": FONT,
            "background": "white",
            "padding": 4,
            # no English "X-axis titled ..." labels: the renderer gives the SVG a Dutch title and
            # description (spiegel.chartdata)
            "aria": False,
            "locale": {"number": _NUMBER_LOCALE, "time": _TIME_LOCALE},
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": 260},
            "axis": axis,
            "axisBand": {"domain": False, "ticks": False, "grid": False, "labelPadding": 6},
            "legend": {
                "labelFont": FONT, "titleFont": FONT, "labelFontSize": 10, "titleFontSize": 11,
                "labelColor": TEKST, "titleColor": TEKST, "titleFontWeight": "normal",
                "orient": "bottom", "direction": "horizontal", "symbolType": "square",
                "symbolSize": 100, "symbolStrokeWidth": 0, "columnPadding": 12,
                "labelLimit": 220,
            },
            "title": {"font": FONT, "fontSize": 13, "fontWeight": "bold", "color": TEKST,
                      "anchor": "start", "offset": 10, "subtitleFont": FONT,
                      "subtitleFontSize": 11, "subtitleColor": "#4D4D4D"},
            "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11},
            "text": {"font": FONT, "fontSize": 10, "color": TEKST},
            "mark": {"font": FONT, "color": DONKERBLAUW},
            "bar": {"color": DONKERBLAUW},
            "range": {"category": CATEGORY},
        },
    }


def svg_with_data(spec: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    """Altair's SVG renderer, plus the chart's numbers and text alternative
    (:data:`spiegel.chartdata.DATA_MIME`) for the charts of this module."""
    from altair.vegalite.v6.display import svg_renderer

    bundle: dict[str, Any] = dict(svg_renderer(spec, **metadata))
    table = chartdata.from_spec(spec)
    if table is not None:
        bundle[chartdata.DATA_MIME] = table
    return bundle


RENDERER = "spiegel-svg"
alt.renderers.register(RENDERER, svg_with_data)


def enable() -> None:
    """Activate the spiegel theme and the SVG renderer (static vector charts in notebooks, with
    their numbers beside them, see :func:`svg_with_data`), and start vl-convert in the background
    (see :func:`warm_up`)."""
    alt.theme.enable(THEME)
    alt.renderers.enable(RENDERER)
    warm_up()


_warm_up_lock = threading.Lock()
_warm_up_thread: threading.Thread | None = None
# The smallest chart that makes vl-convert load what the report's charts need: its JavaScript
# engine with Altair's Vega-Lite version, and the font (text is measured with it).
_WARM_UP_SPEC: dict[str, Any] = {
    "data": {"values": [{"a": "x", "b": 1}]},
    "mark": {"type": "text", "font": FONT},
    "encoding": {"text": {"field": "a", "type": "nominal"}, "x": {"field": "b", "type": "quantitative"}},
}


def warm_up() -> threading.Thread:
    """Start vl-convert's JavaScript engine in a background thread, once per process: its first
    conversion takes about a second, which then overlaps with the chapter's data loading instead of
    delaying its first chart. The engine is the same either way, so the SVGs are too."""
    global _warm_up_thread
    with _warm_up_lock:
        if _warm_up_thread is None:
            _warm_up_thread = threading.Thread(target=_warm_up, name="spiegel-vl-convert-warm-up", daemon=True)
            _warm_up_thread.start()
        return _warm_up_thread


def _warm_up() -> None:
    try:
        import vl_convert as vlc
        from altair.utils._importers import vl_version_for_vl_convert

        vlc.vegalite_to_svg(_WARM_UP_SPEC, vl_version=vl_version_for_vl_convert())
    except Exception:  # noqa: BLE001, S110 - only a head start; the first chart reports real problems
        pass


def mimebundle(chart: alt.TopLevelMixin) -> tuple[dict[str, Any], dict[str, Any]]:
    """What displaying ``chart`` shows, as (data, metadata): the active renderer's output (with
    :func:`enable`: the SVG) and the ``text/plain`` repr, as IPython's ``display(chart)`` gives it,
    without validating the spec against the Vega-Lite JSON schema on every display (that takes
    longer than drawing a small chart; the chart functions' specs are validated in the tests).
    The spec, and so the SVG, is the same either way."""
    from altair.utils.schemapi import debug_mode

    with debug_mode(False):  # (else the parts made while converting are validated one by one)
        spec = chart.to_dict(validate=False, context={"pre_transform": False})
    bundle = alt.renderers.get()(spec)
    data, metadata = bundle if isinstance(bundle, tuple) else (bundle, {})
    return {**data, "text/plain": repr(chart)}, dict(metadata or {})


def _ensure_theme() -> None:
    if alt.theme.active != THEME:
        alt.theme.enable(THEME)


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to SVG text with vl-convert (theme and Dutch locale applied)."""
    import vl_convert as vlc

    _ensure_theme()
    return vlc.vegalite_to_svg(chart.to_dict())


def save(chart: alt.TopLevelMixin, path: str, *, scale: float = 2.0) -> None:
    """Write a chart as .svg or .png (``scale`` for PNG pixel density)."""
    import vl_convert as vlc

    _ensure_theme()
    spec = chart.to_dict()
    if path.endswith(".png"):
        data: bytes = vlc.vegalite_to_png(spec, scale=scale)
        with open(path, "wb") as fh:
            fh.write(data)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(vlc.vegalite_to_svg(spec))


# ----------------------------------------------------------------------------- helpers


def _frame(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    check_aggregate(frame)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"columns not in the frame: {missing}")
    return frame.loc[:, list(dict.fromkeys(columns))].reset_index(drop=True)


def _wrapped_axis_labels(values: Sequence[object], width: int) -> str:
    """Vega labelExpr that breaks long category labels over lines."""
    mapping = {str(v): textwrap.wrap(str(v), width) or [""] for v in values}
    mapping = {k: v for k, v in mapping.items() if len(v) > 1}
    if not mapping:
        return "datum.label"
    return f"{json.dumps(mapping, ensure_ascii=False)}[datum.label] || datum.label"


def _order(values: pd.Series, given: Sequence[object] | None) -> list[Any]:
    if given is not None:
        return list(given)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return list(dict.fromkeys(values.dropna().tolist()))


def _legend_columns(entries: Sequence[object], room: float) -> int:
    """One legend row when it fits in ``room`` px (estimated), else as few rows as needed."""
    sizes = [5.6 * len(str(e)) + 28 for e in entries]
    for rows in range(1, len(sizes) + 1):
        cols = -(-len(sizes) // rows)
        if sum(max(sizes[c::cols]) for c in range(cols)) <= room:
            return cols
    return 1


def _title(title: str | None) -> dict[str, object]:
    return {"title": title} if title else {}


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


#: The least contrast between colours that touch or stand side by side in a chart (WCAG 1.4.11).
MIN_CONTRAST = 3.0


def _is_dark(color: str) -> bool:
    """White text reads better on it than the report's text colour."""
    return contrast(color, "#FFFFFF") >= contrast(color, TEKST)


def text_color(fill: str) -> str:
    return "white" if _is_dark(fill) else TEKST


# Candidates for the Likert scales, from dark to light; the Rijkshuisstijl colours come first in
# the preference, lighter and darker steps of them where the contrast asks for it.
_BLUES = (DONKERBLAUW, HEMELBLAUW, "#4FA3DB", LICHTBLAUW, "#D1E9F6", "#EDF6FC")
_ORANGES = ("#5E2E00", DONKERORANJE, ORANJE, LICHTORANJE, "#FBD3B3", "#FEF0E4")
_GREYS = ("#404040", "#6F6F6F", GRIJS, LICHTGRIJS, "#F3F3F3")
_BASE = frozenset({DONKERBLAUW, HEMELBLAUW, LICHTBLAUW, ORANJE, LICHTORANJE, DONKERORANJE, GRIJS, LICHTGRIJS})


@functools.lru_cache(maxsize=None)
def _likert_palette(half: int, middle: bool, extra: int) -> tuple[str, ...]:
    """The colours of a scale with ``half`` agreeing answers (strongest first), a middle answer
    or not, ``half`` disagreeing answers (mildest first) and ``extra`` non-substantive answers, in
    that order, all different, every two neighbours at least :data:`MIN_CONTRAST` apart. Among
    those, the one that keeps "stronger = darker" where it can (on the agreeing side first), uses
    the fewest colours outside the Rijkshuisstijl set and has the largest least contrast."""
    slots = [("agree", _BLUES)] * half + ([("middle", _GREYS)] if middle else []) + \
        [("disagree", _ORANGES)] * half + [("extra", (LICHTGRIJS, GRIJS, *_GREYS))] * extra
    lum = {c: luminance(c) for _, options in slots for c in options}
    best: list[Any] = [None]

    def cost(pal: list[str]) -> float:
        agree, disagree = pal[:half], pal[half + int(middle): 2 * half + int(middle)]
        inverted = 200 * sum(lum[x] > lum[y] for x, y in zip(agree, agree[1:])) + \
            100 * sum(lum[x] < lum[y] for x, y in zip(disagree, disagree[1:]))
        least = min(((max(lum[x], lum[y]) + 0.05) / (min(lum[x], lum[y]) + 0.05) for x, y in zip(pal, pal[1:])),
                    default=21.0)
        strongest = 20 * bool(agree and agree[0] != DONKERBLAUW)  # the strongest agreement: dark blue
        return inverted + strongest + 10 * sum(c not in _BASE for c in pal) - least

    def extend(pal: list[str]) -> None:
        if len(pal) == len(slots):
            c = cost(pal)
            if best[0] is None or c < best[0][0]:
                best[0] = (c, tuple(pal))
            return
        for color in slots[len(pal)][1]:
            if color in pal:
                continue
            if pal and (max(lum[color], lum[pal[-1]]) + 0.05) / (min(lum[color], lum[pal[-1]]) + 0.05) < MIN_CONTRAST:
                continue
            extend([*pal, color])

    extend([])
    if best[0] is None:
        raise ValueError(f"no palette with {MIN_CONTRAST}:1 between neighbours for this scale")
    return best[0][1]


def likert_colors(order: Sequence[object]) -> list[str]:
    """Colours for answers ordered positive → negative (then "weet niet"): blues for agreement
    (darker = stronger), a grey for a middle category, oranges for disagreement (darker =
    stronger), greys for non-substantive answers; every two neighbouring segments differ at least
    3:1 in contrast (WCAG 1.4.11). On a scale without a middle answer both "mild" answers cannot
    be light and still differ 3:1, so one side alternates there (the segments are labelled with
    their share and the legend and "toon als tabel" name them: the colour is never the only cue)."""
    subst = [a for a in order if str(a).strip().lower() not in NON_SUBSTANTIVE]
    half = len(subst) // 2
    if half > 3:
        raise ValueError("at most 7 substantive answer categories")
    extra = len(order) - len(subst)
    pal = list(_likert_palette(half, bool(len(subst) % 2), extra))
    scale, rest = iter(pal[: len(subst)]), iter(pal[len(subst):])
    return [next(scale) if a in subst else next(rest) for a in order]


def _pct_axis(title: str | None, upper: float = 1.0) -> alt.Axis:
    step = 0.1 if upper <= 0.6 + 1e-9 else 0.2
    ticks = [round(i * step, 1) for i in range(round(min(upper, 1.0) / step) + 1)]
    return alt.Axis(format=".0%", title=title, values=ticks, grid=True)


def _category_axis(field: str, values: Sequence[Any], wrap: int) -> alt.Y:
    return alt.Y(f"{field}:N", sort=list(values), title=None,
                 axis=alt.Axis(labelExpr=_wrapped_axis_labels(values, wrap),
                               labelLimit=int(wrap * 7.5), labelLineHeight=13))


def _lines(values: Sequence[object], wrap: int) -> int:
    return max((len(textwrap.wrap(str(v), wrap)) for v in values), default=1)


def _value_layer(base: alt.Chart, scale: alt.Scale) -> alt.Chart:
    """Value labels at the end of the bars ("–" at zero for suppressed values)."""
    return (base.mark_text(align="left", dx=3, fontSize=10, baseline="middle")
            .encode(x=alt.X("_pos:Q", scale=scale), text="_label:N"))


def _with_labels(data: pd.DataFrame, value: str, label: Callable[[Any], str]) -> pd.DataFrame:
    out = data.copy()
    out["_label"] = [label(v) for v in out[value]]
    out["_pos"] = out[value].fillna(0.0)
    return out


def _upper(values: pd.Series, percent: bool) -> float:
    """Upper end of the value axis, with room for the value labels: for shares a multiple of
    10% (≤ 60%) or 20%, for counts 15% above the largest value."""
    top = float(values.max(skipna=True)) if values.notna().any() else 0.0
    room = top * 1.15
    if not percent:
        return room if room > 0 else 1.0
    if room > 1.0:
        return room
    step = 0.1 if room <= 0.6 else 0.2
    return round(max(step, math.ceil(round(room / step, 6)) * step), 6)


# ----------------------------------------------------------------------------- charts


def likert_bars(
    frame: pd.DataFrame,
    statement: str = "stelling",
    answer: str = "antwoord",
    share: str = "aandeel",
    order: Sequence[object] | None = None,
    title: str | None = None,
    *,
    statement_order: Sequence[object] | None = None,
    colors: Sequence[str] | None = None,
    min_label: float = 0.06,
    width: int = 300,
    wrap: int = 40,
) -> alt.LayerChart:
    """Horizontal 100%-stacked bars: one bar per statement, answers in ``order``.

    ``order``: answers from most positive to most negative, then non-substantive answers such
    as "weet niet" (default: order of appearance). The shares of a bar are normalised to 100%
    (missing shares count as 0; a statement without any share shows an empty bar, so leave
    suppressed statements out and say so in the note). Segments of at least ``min_label`` get
    their percentage, formatted by :func:`spiegel.fmt.pct` (as in the text). Long statements
    wrap at ``wrap`` characters.
    """
    data = _frame(frame, [statement, answer, share])
    answers = _order(data[answer], order)
    statements = _order(data[statement], statement_order)
    unknown = set(data[answer]) - set(answers)
    if unknown:
        raise ValueError(f"answers not in order: {sorted(map(str, unknown))}")
    palette = list(colors) if colors is not None else likert_colors(answers)
    text_colors = [text_color(c) for c in palette]
    # stack positions and labels are computed here, so text and chart round alike
    data["_rang"] = data[answer].map({a: i for i, a in enumerate(answers)})
    data = data.sort_values([statement, "_rang"], kind="stable")
    total = data.groupby(statement, sort=False)[share].transform("sum")
    part = (data[share].fillna(0.0) / total.where(total > 0)).fillna(0.0)
    data["_x1"] = part.groupby(data[statement], sort=False).cumsum()
    data["_x0"] = data["_x1"] - part
    data["_xm"] = (data["_x0"] + data["_x1"]) / 2
    data["_label"] = [fmt.pct(p) if p >= min_label else "" for p in part]
    subst = [a for a in answers if str(a).strip().lower() not in NON_SUBSTANTIVE]
    meta = chartdata.likert_data(
        pd.DataFrame({statement: data[statement], answer: data[answer], "_part": part}),
        statement, answer, "_part", statements, answers, subst or answers, fmt.pct)
    data = data.drop(columns="_rang").reset_index(drop=True)
    y = _category_axis(statement, statements, wrap)
    base = alt.Chart(data)
    bars = base.mark_bar(height=20, stroke="white", strokeWidth=0.6).encode(
        x=alt.X("_x0:Q", axis=_pct_axis(None), scale=alt.Scale(domain=[0, 1], nice=False)),
        x2="_x1:Q",
        y=y,
        color=alt.Color(f"{answer}:N", sort=answers,
                        scale=alt.Scale(domain=answers, range=palette),
                        legend=alt.Legend(title=None,
                                          columns=_legend_columns(answers, width + 100))),
    )
    labels = base.mark_text(fontSize=10, baseline="middle").encode(
        x="_xm:Q",
        y=y,
        text="_label:N",
        color=alt.Color(f"{answer}:N", scale=alt.Scale(domain=answers, range=text_colors),
                        legend=None),
    )
    step = max(30, 13 * _lines(statements, wrap) + 12)
    return (
        alt.layer(bars, labels, **_title(title))
        .resolve_scale(color="independent")
        .properties(width=width, height=alt.Step(step), usermeta={chartdata.USERMETA_KEY: meta})
    )


def _value_scale(data: pd.DataFrame, value: str, percent: bool, value_format: str | None,
                 value_title: str | None) -> tuple[alt.Axis, alt.Scale, Callable[[Any], str]]:
    upper = _upper(data[value], percent)
    if percent:
        axis = _pct_axis(value_title, upper)
        label: Callable[[Any], str] = fmt.pct
    else:
        axis = alt.Axis(format=value_format or ",.0f", title=value_title)
        label = fmt.number
    return axis, alt.Scale(domain=[0, upper], nice=False), label


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    group: str,
    title: str | None = None,
    *,
    percent: bool = True,
    value_format: str | None = None,
    value_title: str | None = None,
    label_format: Callable[[Any], str] | None = None,
    category_order: Sequence[object] | None = None,
    group_order: Sequence[object] | None = None,
    colors: Sequence[str] | None = None,
    labels: bool = True,
    width: int = 300,
    wrap: int = 32,
) -> alt.LayerChart:
    """Horizontal grouped bars: per category one bar per group (e.g. 2019 vs 2021, clients vs
    klantmanagers). Values are shares (axis in %) unless ``percent=False``; then
    ``value_format`` is the d3 axis format (default ",.0f": 416.000). Bar labels come from
    :func:`spiegel.fmt.pct` / :func:`spiegel.fmt.number` (or ``label_format``), so they match the
    text; suppressed (NaN) values print as "–". Two groups: light blue, then dark blue.
    """
    data = _frame(frame, [category, value, group])
    cats = _order(data[category], category_order)
    groups = _order(data[group], group_order)
    palette = list(colors) if colors is not None else (
        [LICHTBLAUW, DONKERBLAUW] if len(groups) == 2 else CATEGORY[: len(groups)])
    axis, scale, label = _value_scale(data, value, percent, value_format, value_title)
    meta = chartdata.grouped_data(data, category, value, group, cats, groups, label_format or label,
                                  chartdata.header(value, value_title))
    data = _with_labels(data, value, label_format or label)
    base = alt.Chart(data).encode(
        y=_category_axis(category, cats, wrap).scale(paddingInner=0.3),
        yOffset=alt.YOffset(f"{group}:N", sort=groups, scale=alt.Scale(paddingInner=0.06)),
    )
    layers = [base.mark_bar().encode(
        x=alt.X(f"{value}:Q", axis=axis, scale=scale),
        color=alt.Color(f"{group}:N", sort=groups, scale=alt.Scale(domain=groups, range=palette),
                        legend=alt.Legend(title=None)),
    )]
    if labels:
        layers.append(_value_layer(base, scale))
    # per category ~14 px per group bar inside the band (70% of the step), room for the label
    step = max(-(-14 * len(groups) * 10 // 7), 13 * _lines(cats, wrap) + 12)
    return cast(alt.LayerChart, alt.layer(*layers, **_title(title)).properties(
        width=width, height=alt.Step(step, **{"for": "position"}), usermeta={chartdata.USERMETA_KEY: meta}))


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    title: str | None = None,
    *,
    percent: bool = True,
    value_format: str | None = None,
    value_title: str | None = None,
    label_format: Callable[[Any], str] | None = None,
    category_order: Sequence[object] | None = None,
    sort_values: bool = False,
    color: str = DONKERBLAUW,
    highlight: Sequence[object] = (),
    labels: bool = True,
    width: int = 300,
    wrap: int = 32,
) -> alt.LayerChart:
    """Horizontal bars of one series, in ``category_order`` (or the frame's order; largest
    first with ``sort_values``). Categories in ``highlight`` are drawn in orange. Formats as
    :func:`grouped_bars`."""
    data = _frame(frame, [category, value])
    if sort_values:
        cats = list(data.sort_values(value, ascending=False, kind="stable")[category])
    else:
        cats = _order(data[category], category_order)
    axis, scale, label = _value_scale(data, value, percent, value_format, value_title)
    meta = chartdata.bars_data(data, category, value, cats, label_format or label,
                               chartdata.header(value, value_title), marked=highlight)
    data = _with_labels(data, value, label_format or label)
    base = alt.Chart(data).encode(y=_category_axis(category, cats, wrap))
    fill: Any
    if highlight:
        hl = json.dumps([str(h) for h in highlight], ensure_ascii=False)
        fill = alt.when(f"indexof({hl}, '' + datum[{json.dumps(category)}]) >= 0").then(
            alt.value(ORANJE)).otherwise(alt.value(color))
    else:
        fill = alt.value(color)
    layers = [base.mark_bar(height={"band": 0.7}).encode(
        x=alt.X(f"{value}:Q", axis=axis, scale=scale), color=fill)]
    if labels:
        layers.append(_value_layer(base, scale))
    step = max(22, 13 * _lines(cats, wrap) + 8)
    return cast(alt.LayerChart, alt.layer(*layers, **_title(title)).properties(
        width=width, height=alt.Step(step), usermeta={chartdata.USERMETA_KEY: meta}))
