"""Accessible charts: a Dutch text alternative computed from the chart's data (kind of chart and
main result), in the HTML as SVG <title>/<desc> with ARIA and as PDF alt text, a "toon als
tabel" alternative, and colours that differ at least 3:1 between neighbours."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from spiegel import chartdata, charts, fmt

import pdfread
from test_downloads import make_book


def _desc(chart) -> str:
    return chartdata.from_spec(chart.to_dict())["description"]


def _frames(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"groep": [f"Groep {chr(65 + i)}" for i in range(n)],
                         "aandeel": rng.uniform(0.05, 0.95, n).round(3)})


@pytest.mark.parametrize(("seed", "n"), [(1, 2), (2, 3), (3, 5), (4, 8), (5, 12)])
def test_bars_description_names_the_highest_and_lowest(seed, n):
    frame = _frames(seed, n)
    desc = _desc(charts.bars(frame, "groep", "aandeel"))
    top = frame.loc[frame["aandeel"].idxmax()]  # computed here, independently of spiegel.chartdata
    low = frame.loc[frame["aandeel"].idxmin()]
    assert desc.startswith("Staafdiagram: aandeel per groep")
    assert f"Het hoogst is {top['groep']} ({fmt.pct(top['aandeel'])})" in desc
    assert f"het laagst {low['groep']} ({fmt.pct(low['aandeel'])})" in desc
    assert f"{n} staven" in desc


def test_bars_description_with_ties_suppressed_values_and_highlight():
    frame = pd.DataFrame({"cijfer": ["1", "2", "3", "4"], "aandeel": [0.4, np.nan, 0.4, 0.2]})
    desc = _desc(charts.bars(frame, "cijfer", "aandeel", highlight=["1", "2"]))
    assert "Het hoogst zijn 1 en 3 (40%), het laagst is 4 (20%)" not in desc  # grammar: one lowest
    assert "Het hoogst zijn 1 en 3 (40%), het laagst 4 (20%)." in desc
    assert "Geen cijfer getoond voor 2." in desc
    assert desc.endswith("In oranje: 1 en 2.")  # the colour is named, not the only cue
    only = _desc(charts.bars(pd.DataFrame({"c": ["x", "y"], "v": [np.nan, np.nan]}), "c", "v"))
    assert "Geen van de waarden is getoond." in only


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_grouped_description_names_the_highest_category_and_group(seed):
    rng = np.random.default_rng(seed)
    cats, groups = ["WW", "Wajong", "WGA", "IOW"], ["Klanten", "Medewerkers", "Experts"][: 2 + seed % 2]
    frame = pd.DataFrame([{"regeling": c, "bron": g, "aandeel": round(float(rng.uniform(0, 1)), 3)}
                          for c in cats for g in groups])
    desc = _desc(charts.grouped_bars(frame, "regeling", "aandeel", "bron"))
    top = frame.loc[frame["aandeel"].idxmax()]
    low = frame.loc[frame["aandeel"].idxmin()]
    assert desc.startswith("Gegroepeerd staafdiagram: aandeel per regeling")
    assert f"Het hoogst is {top['regeling']} bij {top['bron']} ({fmt.pct(top['aandeel'])})" in desc
    assert f"het laagst {low['regeling']} bij {low['bron']} ({fmt.pct(low['aandeel'])})" in desc


def test_grouped_description_of_counts_uses_the_chart_labels():
    frame = pd.DataFrame({"voorziening": ["Scholing", "Scholing", "Proefplaats", "Proefplaats"],
                          "periode": ["2019", "2020"] * 2, "aantal": [41200, 30150, 9800, 12500]})
    desc = _desc(charts.grouped_bars(frame, "voorziening", "aantal", "periode", percent=False))
    assert "Het hoogst is Scholing bij 2019 (41.200), het laagst Proefplaats bij 2019 (9.800)." in desc


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_likert_description_names_the_statement_with_most_agreement(seed):
    rng = np.random.default_rng(seed)
    answers = ["Helemaal eens", "Eens", "Neutraal", "Oneens", "Helemaal oneens", "Weet niet"]
    rows = []
    for s in ["Stelling een", "Stelling twee", "Stelling drie"]:
        shares = rng.dirichlet(np.ones(len(answers)))
        rows += [{"stelling": s, "antwoord": a, "aandeel": v} for a, v in zip(answers, shares)]
    frame = pd.DataFrame(rows)
    desc = _desc(charts.likert_bars(frame, order=answers))
    agree = frame[frame["antwoord"].isin(answers[:2])].groupby("stelling")["aandeel"].sum()
    total = frame.groupby("stelling")["aandeel"].sum()
    share = agree / total
    assert desc.startswith("Gestapeld staafdiagram (100%): de verdeling van de antwoorden op 3 stellingen, "
                           "van ‘Helemaal eens’ tot ‘Helemaal oneens’.")
    assert (f"Het grootste aandeel ‘Helemaal eens’ of ‘Eens’ heeft ‘{share.idxmax()}’ "
            f"({fmt.pct(share.max())})") in desc
    assert f"het kleinste ‘{share.idxmin()}’ ({fmt.pct(share.min())})" in desc


# ------------------------------------------------------------------------------------------------
# in the built book


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return make_book(tmp_path_factory.mktemp("charttext"))


def test_html_charts_are_one_image_with_a_dutch_title_and_description(book):
    page = (book / "02_downloads.html").read_text("utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        root = re.match(r"<svg\b[^>]*>", svg).group(0)
        assert 'role="img"' in root and "aria-label=" not in root
        title_id = re.search(r'aria-labelledby="([^"]+)"', root).group(1)
        desc_id = re.search(r'aria-describedby="([^"]+)"', root).group(1)
        title = re.search(rf'<title id="{title_id}">([^<]+)</title>', svg).group(1)
        desc = re.search(rf'<desc id="{desc_id}">([^<]+)</desc>', svg).group(1)
        assert title in {"Invloed klant op ondersteuning", "Rapportcijfer", "Stellingen"}
        assert re.match(r"(Gegroepeerd staafdiagram|Staafdiagram|Gestapeld staafdiagram)", desc)
        assert "Het hoogst" in desc or "Het grootste aandeel" in desc
        # none of Vega's English ARIA texts ("X-axis titled …", "bar", "group mark container")
        inner = svg[len(root):]
        assert not re.search(r"aria-(label|roledescription)|role=\"graphics", inner)
        assert not re.search(r"axis|titled|Y-axis|X-axis", re.sub(r'class="[^"]*"', "", inner))
    desc = re.findall(r"<desc [^>]*>([^<]+)</desc>", page)
    assert desc[0].endswith("Het hoogst is Wajong bij Klanten (75%), het laagst Wajong bij Medewerkers (50%). "
                            "Geen cijfer getoond voor WGA bij Klanten.")  # n = 4 < 10: suppressed


def test_every_chart_has_a_toon_als_tabel_alternative(book):
    page = (book / "02_downloads.html").read_text("utf-8")
    figures = re.findall(r'<figure id="fig-[^"]+".*?</figure>', page, re.S)
    assert len(figures) == 3
    for fig in figures:
        details = re.search(r'<details class="sp-chart-table"><summary>Toon als tabel</summary>(.*?)</details>', fig, re.S)
        assert details, fig[:200]
        table = details.group(1)
        assert "<caption>" in table and 'scope="col"' in table and 'scope="row"' in table


def test_pdf_figures_carry_the_caption_and_description_as_alt_text(book):
    alts = pdfread.alt_texts((book / "spiegel-bestaanszekerheid-2022.pdf").read_bytes())
    assert any(a.startswith("Invloed klant op ondersteuning. Gegroepeerd staafdiagram") for a in alts), alts
    assert any(a.startswith("Rapportcijfer. Staafdiagram: gemiddeld rapportcijfer per groep") for a in alts), alts
    assert any(a.startswith("Stellingen. Gestapeld staafdiagram") for a in alts), alts


# ------------------------------------------------------------------------------------------------
# colours


@pytest.mark.parametrize(("a", "b", "ratio"), [("#000000", "#FFFFFF", 21.0), ("#FFFFFF", "#FFFFFF", 1.0),
                                               ("#777777", "#FFFFFF", 4.48), ("#154273", "#FFFFFF", 10.2)])
def test_contrast_is_the_wcag_ratio(a, b, ratio):
    assert charts.contrast(a, b) == pytest.approx(ratio, abs=0.01)


def _neighbours(palette):
    return [charts.contrast(x, y) for x, y in zip(palette, palette[1:])]


@pytest.mark.parametrize("substantive", [2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("extra", [0, 1, 2])
def test_likert_neighbours_differ_at_least_3_to_1(substantive, extra):
    order = [f"antwoord {i}" for i in range(substantive)] + ["Weet niet", "Geen mening"][:extra]
    palette = charts.likert_colors(order)
    assert len(set(palette)) == len(palette)  # every answer its own colour
    assert min(_neighbours(palette)) >= 3.0, palette
    assert palette[0] == charts.DONKERBLAUW


@pytest.mark.parametrize("groups", [2, 3, 4, 5, 6])
def test_grouped_bar_neighbours_differ_at_least_3_to_1(groups):
    frame = pd.DataFrame({"c": ["x"] * groups, "g": [f"g{i}" for i in range(groups)], "v": [0.5] * groups})
    spec = charts.grouped_bars(frame, "c", "v", "g").to_dict()
    palette = spec["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert len(palette) == groups
    assert min(_neighbours(palette)) >= 3.0, palette


def test_highlight_and_value_labels_contrast():
    assert charts.contrast(charts.ORANJE, charts.DONKERBLAUW) >= 3.0  # highlighted bar beside a normal one
    # segment labels: white or dark text, whichever reads better, at least 4.5:1 on every Likert colour
    for n in range(2, 8):
        for fill in charts.likert_colors([f"a{i}" for i in range(n)] + ["Weet niet"]):
            text = "#FFFFFF" if charts.text_color(fill) == "white" else charts.TEKST
            assert charts.contrast(fill, text) >= 4.5, fill
