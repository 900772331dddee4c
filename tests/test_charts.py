"""Charts: only aggregated data in the spec, the report's font, Dutch numbers, SVG output."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from spiegel import chartdata, charts
from spiegel.sdc import DisclosureError

ANSWERS = ["Helemaal eens", "Eens", "Neutraal", "Oneens", "Helemaal oneens", "Weet niet"]


@pytest.fixture(autouse=True)
def _theme():
    charts.enable()
    yield
    alt.theme.enable("default")
    alt.renderers.enable("default")


def _likert_frame() -> pd.DataFrame:
    shares = {"Ik word respectvol behandeld": [0.30, 0.35, 0.15, 0.08, 0.05, 0.07],
              "Ik word te veel onder druk gezet": [0.05, 0.15, 0.2, 0.3, 0.25, 0.05]}
    return pd.DataFrame([{"stelling": s, "antwoord": a, "aandeel": v, "n": 650}
                         for s, vals in shares.items() for a, v in zip(ANSWERS, vals, strict=True)])


def _grouped_frame() -> pd.DataFrame:
    return pd.DataFrame({"soort": ["Zoeken naar werk", "Persoonlijk", "Scholing"] * 2,
                         "meting": ["2019"] * 3 + ["2021"] * 3,
                         "aandeel": [0.31, 0.22, 0.25, 0.38, 0.30, None]})


def _data_rows(spec: dict) -> list[list[dict]]:
    return list(spec.get("datasets", {}).values())


def _svg_texts(chart: alt.TopLevelMixin) -> list[str]:
    return re.findall(r">([^<>]+)</text>", charts.to_svg(chart))


def test_likert_spec_holds_only_the_aggregate():
    frame = _likert_frame()
    spec = charts.likert_bars(frame, order=ANSWERS, title="Bejegening").to_dict()
    (rows,) = _data_rows(spec)
    assert len(rows) == len(frame)
    assert {k for k in rows[0] if not k.startswith("_")} == {"stelling", "antwoord", "aandeel"}
    assert spec["config"]["font"] == "DejaVu Sans"
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["view"]["stroke"] is None


def test_likert_svg_uses_dejavu_and_dutch_percentages():
    svg = charts.to_svg(charts.likert_bars(_likert_frame(), order=ANSWERS))
    fonts = set(re.findall(r'font-family="([^"]*)"', svg))
    assert fonts == {"DejaVu Sans"}
    texts = re.findall(r">([^<>]+)</text>", svg)
    assert "35%" in texts and "100%" in texts and "Weet niet" in texts
    assert "5%" not in texts  # segments below 6% carry no label


def test_likert_rejects_unknown_answers_and_colors_by_position():
    with pytest.raises(ValueError, match="not in order"):
        charts.likert_bars(_likert_frame(), order=ANSWERS[:-1])
    # by position: blues agree (the strongest darkest), a grey middle, oranges disagree (the
    # strongest darker), greys for "weet niet"; neighbours 3:1 apart (tests/test_chart_text.py)
    colors = charts.likert_colors(ANSWERS)
    blues, oranges = set(charts._BLUES), set(charts._ORANGES)
    assert colors[0] == charts.DONKERBLAUW and colors[1] in blues
    assert colors[3] == charts.LICHTORANJE and colors[4] == charts.DONKERORANJE
    assert colors[2] in charts._GREYS and colors[5] in charts._GREYS and colors[2] != colors[5]
    ja, nee, weet = charts.likert_colors(["Ja", "Nee", "Weet niet"])
    assert ja == charts.DONKERBLAUW and nee in oranges and weet in charts._GREYS


def test_grouped_bars_labels_match_fmt_and_mark_suppressed():
    chart = charts.grouped_bars(_grouped_frame(), "soort", "aandeel", "meting")
    (rows,) = _data_rows(chart.to_dict())
    assert len(rows) == 6
    texts = _svg_texts(chart)
    assert {"31%", "38%", "30%", "–", "2019", "2021"} <= set(texts)


def test_bars_counts_in_dutch_notation():
    frame = pd.DataFrame({"voorziening": ["Coaching", "Training"], "aantal": [70500, 41000]})
    texts = _svg_texts(charts.bars(frame, "voorziening", "aantal", percent=False,
                                   highlight=["Training"]))
    assert "70.500" in texts and "41.000" in texts


@pytest.mark.parametrize("make", [
    lambda f: charts.likert_bars(f.rename(columns={"n": "resp_id"})),
    lambda f: charts.grouped_bars(f.assign(gewicht=1.0), "stelling", "aandeel", "antwoord"),
    lambda f: charts.bars(f.assign(km_id="KM0001"), "stelling", "aandeel"),
])
def test_charts_reject_microdata(make):
    with pytest.raises(DisclosureError):
        make(_likert_frame())


def test_charts_reject_too_many_rows():
    frame = pd.DataFrame({"cat": [f"c{i}" for i in range(501)], "aandeel": 0.5})
    with pytest.raises(DisclosureError):
        charts.bars(frame, "cat", "aandeel")


def test_enable_sets_theme_and_svg_renderer():
    assert alt.theme.active == "spiegel"
    assert alt.renderers.active == charts.RENDERER  # Altair's SVG renderer + the numbers
    chart = charts.bars(pd.DataFrame({"c": ["a"], "v": [0.5]}), "c", "v")
    bundle = chart._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "image/svg+xml" in data
    assert data[chartdata.DATA_MIME]["rows"] == [["a", "50%"]]


def test_vl_convert_from_spec_directly():
    spec = charts.likert_bars(_likert_frame(), order=ANSWERS).to_dict()
    assert vlc.vegalite_to_svg(spec).startswith("<svg")


def _three_charts() -> list[alt.TopLevelMixin]:
    return [charts.likert_bars(_likert_frame(), order=ANSWERS),
            charts.grouped_bars(_grouped_frame(), "soort", "aandeel", "meting"),
            charts.bars(pd.DataFrame({"c": ["a", "b"], "v": [120.0, 80.0]}), "c", "v", percent=False)]


def test_show_chart_displays_what_ipython_displays_for_the_chart():
    from IPython.core.interactiveshell import InteractiveShell

    formatter = InteractiveShell.instance().display_formatter
    for chart in _three_charts():
        data, metadata = formatter.format(chart)  # what display(chart) would publish
        assert charts.mimebundle(chart) == (data, metadata)
        assert set(data) == {"image/svg+xml", chartdata.DATA_MIME, "text/plain"}


def test_show_chart_does_not_validate_the_spec_again(monkeypatch):
    from altair.utils import schemapi

    from spiegel import show

    shown = []
    monkeypatch.setattr(show, "display", lambda *objs, **kw: shown.append((objs, kw)))
    built = _three_charts()  # (building a chart validates its parts; showing it validated it all)
    expected = [charts.mimebundle(c)[0] for c in built]

    def refuse(*args, **kwargs):
        raise AssertionError("validated against the Vega-Lite schema")

    monkeypatch.setattr(schemapi, "validate_jsonschema", refuse)
    with pytest.raises(AssertionError, match="validated"):
        built[0].to_dict()  # altair's default path does validate
    for chart in built:
        show.chart(chart)
    assert [objs[0] for objs, _ in shown] == expected
    assert all(kw.get("raw") is True for _, kw in shown)


def test_enable_starts_the_converter_once_in_the_background():
    first = charts.warm_up()
    assert first is charts.warm_up()
    assert first.daemon and first.name == "spiegel-vl-convert-warm-up"
    first.join(120)
    assert not first.is_alive()
    assert charts.to_svg(_three_charts()[2]).startswith("<svg")
