"""The findings register: kinds, disclosure control at registration, the JSON format."""

import json

import pytest
from statsmodels.stats.proportion import proportions_ztest

from spiegel import stats
from spiegel.findings import (
    FORMAT_VERSION, Change, Comparison, Count, Figure, FindingsError, Ranking, Register, Trend, load,
)
from spiegel.stats import Estimate


def est(value, n):
    return Estimate.from_aggregate(value, n)


@pytest.fixture
def reg():
    return Register("test", 2022, threshold=10, alpha=0.05, tolerance=0.02)


def test_a_figure_keeps_value_interval_and_n(reg):
    f = reg.figure("kan_werken", est(0.25, 400), label="Kan werken", source="klanten_pw", section="2.3")
    assert isinstance(f, Figure) and f.shown
    assert (f.value, f.n, f.unit, f.source) == (0.25, 400, "share", "klanten_pw")
    assert f.ci_low < 0.25 < f.ci_high


@pytest.mark.parametrize("n", [0, 1, 6, 9])
def test_a_figure_below_the_threshold_is_stored_without_its_value(reg, n):
    f = reg.figure("klein", est(0.5, n) if n else Estimate(float("nan"), *[float("nan")] * 2, 0, 0.0),
                   label="Kleine groep")
    assert f.suppressed and f.value is None and f.n is None and f.ci_low is None
    doc = json.loads(reg.to_json())
    stored = doc["findings"][0]
    assert stored["suppressed"] is True and stored["value"] is None and stored["n"] is None


def test_the_threshold_itself_is_shown(reg):
    assert reg.figure("precies", est(0.5, 10)).shown


def test_a_register_count_of_persons_is_checked_when_n_is_given(reg):
    assert reg.figure("personen", 7, n=7).suppressed
    assert reg.figure("regios", 7).shown  # units without n (regions) are not persons


def test_a_comparison_with_a_suppressed_side_claims_no_direction(reg):
    result = stats.compare_shares(est(0.0, 6), est(0.2, 500))
    c = reg.comparison("klein_vs_groot", result, a_label="klein", b_label="groot")
    assert c.suppressed and c.direction is None and c.significant is None and c.diff is None
    assert c.a.value is None and c.b.value == 0.2  # the large side stays, the small one is withheld
    assert not c.higher and not c.lower


def test_a_comparison_records_test_p_value_and_direction(reg):
    a, b = est(0.30, 800), est(0.22, 700)
    c = reg.comparison("m_v", stats.compare_shares(a, b), a_label="mannen", b_label="vrouwen")
    z, p = proportions_ztest([0.30 * 800, 0.22 * 700], [800, 700])
    assert c.p_value == pytest.approx(p) and c.statistic == pytest.approx(z)
    assert c.significant and c.direction == "higher" and c.higher and c.test.startswith("z-test")
    reversed_ = reg.comparison("v_m", stats.compare_shares(b, a))
    assert reversed_.direction == "lower" and reversed_.lower


def test_significance_is_judged_at_the_registers_alpha():
    strict = Register("t", 2022, threshold=10, alpha=0.01)
    result = stats.compare_shares(est(0.30, 400), est(0.24, 400))  # p ≈ 0.06 → ≈ 0.03 region
    assert 0.01 < result.p_value < 0.1
    c = strict.comparison("c", result)
    assert not c.significant and c.direction in ("higher", "lower")


def test_a_comparison_may_reuse_registered_figures(reg):
    reg.figure("a", est(0.4, 300))
    reg.figure("b", est(0.3, 300))
    c = reg.comparison("a_b", stats.compare_shares(est(0.4, 300), est(0.3, 300)), a="a", b="b")
    assert c.a is reg["a"] and c.b is reg["b"]


def test_a_trend_over_waves(reg):
    waves = [(2014, est(0.55, 900)), (2017, est(0.50, 900)), (2019, est(0.45, 900)), (2021, est(0.40, 900))]
    t = reg.trend("pakkans", waves, label="Pakkans")
    assert isinstance(t, Trend) and t.direction == "down" and t.significant
    assert [w.wave for w in t.waves] == [2014, 2017, 2019, 2021]
    assert t.change == pytest.approx(-0.15) and t.test.startswith("Cochran-Armitage")
    flat = reg.trend("vlak", [(2019, est(0.40, 300)), (2021, est(0.41, 300))])
    assert flat.direction == "flat" and not flat.significant


def test_a_trend_with_a_suppressed_wave_is_suppressed(reg):
    t = reg.trend("t", [(2019, est(0.4, 5)), (2021, est(0.5, 500))])
    assert t.suppressed and t.direction is None


def test_counts_changes_and_rankings(reg):
    c = reg.count("regios", 18, 34, label="Regio's")
    assert isinstance(c, Count) and c.value == pytest.approx(18 / 34)
    with pytest.raises(FindingsError):
        reg.count("fout", 35, 34)
    reg.figure("voor", 1000, n=1000)
    reg.figure("na", 650, n=650)
    reg.figure("na_bijna", 990, n=990)
    ch = reg.change("daling", "voor", "na")
    assert isinstance(ch, Change) and ch.relative == pytest.approx(-0.35) and ch.direction == "down"
    assert reg.change("gelijk", "voor", "na_bijna").direction == "flat"  # within the 2% tolerance
    reg.figure("x", est(0.2, 100))
    reg.figure("y", est(0.5, 100))
    reg.figure("z", est(0.3, 100))
    r = reg.ranking("grootste", ["x", "y", "z"])
    assert isinstance(r, Ranking) and [f.id for f in r.items] == ["y", "z", "x"] and r.first.id == "y"


def test_a_ranking_with_a_suppressed_member_is_suppressed(reg):
    reg.figure("x", est(0.2, 100))
    reg.figure("tiny", est(0.9, 3))
    assert reg.ranking("r", ["x", "tiny"]).suppressed


@pytest.mark.parametrize("bad", ["with space", "1start", "a.b", "a-b", ""])
def test_ids_are_identifiers(reg, bad):
    with pytest.raises(FindingsError, match="letters, digits"):
        reg.figure(bad, est(0.1, 100))


def test_duplicates_and_misspelt_ids_are_refused_with_suggestions(reg):
    reg.figure("kan_nu_werken_klant", est(0.1, 100))
    with pytest.raises(FindingsError, match="duplicate"):
        reg.figure("kan_nu_werken_klant", est(0.1, 100))
    with pytest.raises(FindingsError, match="nearest: kan_nu_werken_klant"):
        reg["kan_nu_werkn_klant"]


def test_json_round_trip_keeps_every_kind(reg, tmp_path):
    reg.figure("a", est(0.4, 300), label="A", source="s", section="2.1")
    reg.figure("b", est(0.3, 300))
    reg.comparison("a_b", stats.compare_shares(est(0.4, 300), est(0.3, 300)), a="a", b="b")
    reg.trend("t", [(2019, est(0.4, 300)), (2021, est(0.5, 300))])
    reg.count("c", 3, 35)
    reg.ranking("r", ["a", "b"])
    reg.figure("tiny", est(0.5, 2))
    path = reg.save(tmp_path)
    assert path == tmp_path / "test.json"
    again = load(path)
    assert again.to_json() == reg.to_json()
    assert [f.kind for f in again] == ["figure", "figure", "comparison", "trend", "count", "ranking", "figure"]
    doc = json.loads(path.read_text("utf-8"))
    assert doc["format"] == FORMAT_VERSION and doc["threshold"] == 10 and doc["alpha"] == 0.05
    assert isinstance(again["a_b"], Comparison) and again["a_b"].a.value == 0.4


def test_load_refuses_other_formats_and_unknown_fields(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"format": 1, "chapter": "x", "edition": 2022, "figures": []}))
    with pytest.raises(FindingsError, match="format"):
        load(bad)
    bad.write_text(json.dumps({"format": FORMAT_VERSION, "chapter": "x", "edition": 2022,
                               "findings": [{"kind": "figure", "id": "a", "valeu": 1}]}))
    with pytest.raises(FindingsError, match="unknown fields"):
        load(bad)


# -- a finding the edition did not ask (issue 14: an item dropped from the survey)


def test_a_figure_not_asked_has_no_value_and_says_which_edition():
    reg = Register("test", 2023, threshold=10)
    f = reg.not_asked("minder_contact", label="Minder contact", source="klanten_pw", section="2.7")
    assert f.not_asked == 2023 and f.reason == "niet gevraagd in 2023"
    assert not f.shown and f.suppressed
    assert f.value is None and f.n is None and f.ci_low is None and f.ci_high is None
    with pytest.raises(FindingsError, match="suppressed, it has no value"):
        f.estimate()
    assert "minder_contact: niet gevraagd in 2023" in reg.summary()


def test_a_wave_not_asked_names_its_own_year():
    reg = Register("test", 2023, threshold=10)
    f = reg.not_asked("x_2019", wave=2019, register=False)
    assert f.not_asked == 2019 and f.reason == "niet gevraagd in 2019" and "x_2019" not in reg


def test_everything_built_on_a_figure_not_asked_is_not_asked_too():
    reg = Register("test", 2023, threshold=10, tolerance=0.02)
    gone = reg.not_asked("gone")
    reg.figure("here", est(0.4, 700))
    reg.figure("small", est(0.4, 5))
    c = reg.comparison("c", stats.compare_shares(est(0.3, 500), est(0.4, 500)), a="gone", b="here")
    assert c.suppressed and c.not_asked == 2023 and c.reason == "niet gevraagd in 2023"
    assert c.significant is None and c.direction is None and c.p_value is None
    t = reg.trend("t", [(2019, est(0.5, 800)), (2023, gone)])
    assert t.suppressed and t.not_asked == 2023 and t.direction is None
    ch = reg.change("ch", "here", "gone")
    assert ch.suppressed and ch.not_asked == 2023 and ch.relative is None
    r = reg.ranking("r", ["here", "gone"])
    assert r.suppressed and r.not_asked == 2023
    # a side below the threshold stays a disclosure suppression
    s = reg.comparison("s", stats.compare_shares(est(0.3, 5), est(0.4, 500)), a="small", b="here")
    assert s.suppressed and s.not_asked is None and s.reason == "minder dan 10 waarnemingen"


def test_not_asked_survives_the_json_and_is_only_written_when_set(tmp_path):
    reg = Register("test", 2023, threshold=10)
    reg.not_asked("gone", label="Weg", unit="share")
    reg.figure("here", est(0.4, 700))
    doc = json.loads(reg.to_json())
    gone, here = doc["findings"]
    assert gone["not_asked"] == 2023 and gone["value"] is None
    assert "not_asked" not in here  # registers without such findings keep their bytes
    back = load(reg.save(tmp_path))
    assert back["gone"].not_asked == 2023 and not back["gone"].shown and back["here"].not_asked is None
    assert back.to_json() == reg.to_json()


def test_not_asked_refuses_an_unknown_unit_and_a_duplicate():
    reg = Register("test", 2023)
    with pytest.raises(FindingsError, match="unit must be one of"):
        reg.not_asked("x", unit="percent")
    reg.not_asked("x")
    with pytest.raises(FindingsError, match="duplicate finding id 'x'"):
        reg.not_asked("x")
