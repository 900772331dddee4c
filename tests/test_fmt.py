"""Dutch formatting: expected strings written by hand."""

from __future__ import annotations

import math

import pytest

from spiegel import fmt
from spiegel.stats import Estimate

MARK = "–"


@pytest.mark.parametrize(("share", "decimals", "expected"), [
    (0.565, 0, "57%"),  # half up, although 0.565 * 100 == 56.49999999999999 in floats
    (0.5649, 0, "56%"),
    (0.5667, 1, "56,7%"),
    (0.0, 0, "0%"),
    (1.0, 0, "100%"),
    (0.005, 0, "1%"),
    (0.0049, 0, "0%"),
    (0.145, 0, "15%"),
    (0.285, 0, "29%"),
    (0.12345, 2, "12,35%"),
    (0.1 + 0.2, 0, "30%"),
    (-0.07, 0, "-7%"),
    (None, 0, MARK),
    (math.nan, 0, MARK),
])
def test_pct(share, decimals, expected):
    assert fmt.pct(share, decimals) == expected


@pytest.mark.parametrize(("x", "decimals", "expected"), [
    (416000, 0, "416.000"),
    (7.5, 1, "7,5"),
    (1234.56, 2, "1.234,56"),
    (-1234.561, 2, "-1.234,56"),
    (1234567, 0, "1.234.567"),
    (999.5, 0, "1.000"),
    (2.5, 0, "3"),
    (0.125, 2, "0,13"),
    (-0.4, 0, "0"),  # no "-0"
    (12, 1, "12,0"),
    (None, 0, MARK),
])
def test_number(x, decimals, expected):
    assert fmt.number(x, decimals) == expected


def test_thousands_grade_pp_ci():
    assert fmt.thousands(416000) == "416 dzd"
    assert fmt.thousands(415499) == "415 dzd"
    assert fmt.thousands(1_234_500) == "1.235 dzd"
    assert fmt.grade(7.45) == "7,5"
    assert fmt.grade(7.449) == "7,4"
    assert fmt.grade(8) == "8,0"
    assert fmt.pp(0.07) == "7 procentpunt"
    assert fmt.pp(-0.035, 1) == "-3,5 procentpunt"
    assert fmt.ci(Estimate(0.57, 0.534, 0.606, 700, 700.0)) == "53–61%"
    assert fmt.ci(Estimate(6.9, 6.71, 7.12, 90, 90.0, "mean")) == "6,7–7,1"
    assert fmt.thousands(None) == MARK and fmt.grade(math.nan) == MARK


def test_estimate_and_mark_accepted():
    est = Estimate(0.565, 0.5, 0.6, 700, 700.0)
    assert fmt.pct(est) == "57%"
    assert fmt.pct(None, mark="n.b.") == "n.b."


@pytest.mark.parametrize(("n", "expected"), [
    (0, "nul"), (1, "één"), (2, "twee"), (11, "elf"), (18, "achttien"), (20, "twintig"),
    (21, "eenentwintig"), (22, "tweeëntwintig"), (23, "drieëntwintig"), (34, "vierendertig"),
    (48, "achtenveertig"), (80, "tachtig"), (99, "negenennegentig"), (100, "honderd"),
])
def test_words(n, expected):
    assert fmt.words(n) == expected


def test_words_range_and_count_of():
    for bad in (-1, 101, 2.5):
        with pytest.raises(ValueError):
            fmt.words(bad)
    assert fmt.count_of(18, 34) == "achttien van de vierendertig"
    assert fmt.count_of(179, 700) == "179 van de 700"
    assert fmt.capitalize("één op de drie") == "Eén op de drie"
    assert fmt.capitalize("ruim de helft") == "Ruim de helft"


@pytest.mark.parametrize(("share", "expected"), [
    (0.33, "één op de drie"),
    (1 / 3, "één op de drie"),
    (0.25, "een kwart"),
    (0.5, "de helft"),
    (0.2, "één op de vijf"),
    (0.67, "twee op de drie"),
    (0.75, "driekwart"),
    (0.1, "één op de tien"),
    (0.51, "ongeveer de helft"),
    (0.49, "ongeveer de helft"),
    (0.54, "ruim de helft"),
    (0.47, "bijna de helft"),
    (0.36, "ruim één op de drie"),
    (0.27, "ruim een kwart"),
    (0.9, "negen op de tien"),
    (0.15, "15%"),  # no simple fraction within 0.04
    (0.55, "55%"),
    (0.95, "95%"),
    (None, MARK),
])
def test_fraction_phrase(share, expected):
    assert fmt.fraction_phrase(share) == expected


@pytest.mark.parametrize(("share", "expected"), [
    (0.40, "circa 40%"),
    (0.406, "circa 40%"),
    (0.412, "ruim 40%"),
    (0.424, "ruim 40%"),
    (0.426, "bijna 45%"),
    (0.389, "bijna 40%"),
    (0.596, "circa 60%"),
    (0.02, "2%"),
    (None, MARK),
])
def test_approx_pct(share, expected):
    assert fmt.approx_pct(share) == expected


def test_approx_pct_options():
    assert fmt.approx_pct(0.33, step=10) == "ruim 30%"
    assert fmt.approx_pct(0.6, about="ongeveer") == "ongeveer 60%"


def test_month_and_month_range():
    assert fmt.month("2021-03") == "maart 2021"
    assert fmt.month("2019-12") == "december 2019"
    assert fmt.month_range("2021-03", "2021-06") == "maart t/m juni 2021"
    assert fmt.month_range("2019-03", "2020-02") == "maart 2019 t/m februari 2020"
