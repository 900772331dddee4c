"""Chapter 2 (gemeenten): the text follows the data.

Each test changes a copy of the chapter's data so that a registered result reverses, fills the
chapter's Markdown without running the notebook (``spiegel.chapter.filled_text``) and checks that
the wording in the section and in Belangrijkste bevindingen reverses with it. Also: a subgroup of
six respondents is suppressed in the sentence (with the reason, no direction, no build stop), the
registered comparisons name the test used (checked against scipy and statsmodels), and the
analysis choices come from params ``analysis: gemeenten:``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportions_ztest

from spiegel.chapter import filled_text
from spiegel.chapters import gemeenten as ch
from spiegel.findings import suppression_reason
from spiegel.sdc import SUPPRESSED_MARK

BB = "### Belangrijkste bevindingen"


# --------------------------------------------------------------------------- helpers


def changed(data: ch.Data, **frames) -> ch.Data:
    """A copy of ``data`` with some frames replaced (derived survey variables recomputed). The
    register computations are kept when neither the persons nor the starts change."""
    cache = {}
    if "personen" not in frames and "starts" not in frames:  # the register figures still hold
        cache = {k: v for k, v in data._cache.items() if k == "flags" or k[0] == "rates"}
    if "klanten" in frames:
        frames["klanten"] = ch.derive(frames["klanten"])
    return replace(data, _cache=cache, **frames)


def with_analysis(data: ch.Data, **choices) -> ch.Data:
    """A copy of ``data`` whose edition has other analysis choices for the chapter."""
    raw = copy.deepcopy(data.edition.raw)
    raw["analysis"]["gemeenten"].update(choices)
    kept = {k: v for k, v in data._cache.items() if k == "flags" or k[0] == "rates"}  # periods unchanged
    return replace(data, edition=replace(data.edition, raw=raw), _cache=kept)


def text(data: ch.Data) -> str:
    """The chapter's filled Markdown, one string."""
    return "\n\n".join(filled_text(data.edition, "gemeenten", data=data))


def part(full: str, heading: str) -> str:
    """The text from ``heading`` up to the next heading of level 2 or 3 (bevindingen: level 2)."""
    start = full.index(heading)
    level = len(heading.split()[0])
    rest = full[start + len(heading):]
    m = re.search(r"^#{2,%d} " % level, rest, re.MULTILINE)
    return heading + (rest[:m.start()] if m else rest)


def sentence(full: str, words: str) -> str:
    """The sentence (or list item) of ``full`` that contains ``words``."""
    for s in re.split(r"(?<=\.)\s+(?=[A-Z])|\n", full):
        if words in s:
            return s
    raise AssertionError(f"no sentence with {words!r}")


def brede_mask(data: ch.Data) -> pd.Series:
    return data.klanten["steekproef"] == ch.BREDE


@pytest.fixture(scope="module")
def data(gemeenten):
    return gemeenten


@pytest.fixture(scope="module")
def register(data):
    return ch.findings(data)


@pytest.fixture(scope="module")
def baseline(data):
    return text(data)


# --------------------------------------------------------------------------- reversals


def test_men_searching_more_actively_reverses_and_so_does_the_register_sentence(data, baseline):
    before = part(baseline, "## Kenmerken doelgroep")
    assert "Mannen doen dat vaker dan vrouwen (25% tegen 16%)." in before
    assert "vrouwen ook daadwerkelijk minder ondersteuning krijgen" in part(baseline, "## Ervaren belemmeringen")

    klanten = data.klanten.copy()
    klanten["geslacht"] = klanten["geslacht"].map({"man": "vrouw", "vrouw": "man"})  # survey only
    swapped = changed(data, klanten=klanten)
    reg = ch.findings(swapped)
    assert reg["cmp_actief_geslacht"].lower and reg["cmp_genoeg_hulp_geslacht"].lower
    assert reg["cmp_reg_start_geslacht"].lower  # the register is unchanged: women still get less

    after = text(swapped)
    assert "Mannen doen dat minder vaak dan vrouwen (16% tegen 25%)." in part(after, "## Kenmerken doelgroep")
    obstacles = part(after, "## Ervaren belemmeringen")
    assert "Mannen vinden dat minder vaak dan vrouwen" in obstacles
    # women now say they got enough help more often: the register sentence no longer says "ook"
    assert "ook daadwerkelijk" not in obstacles
    assert "De registerdata in de volgende paragraaf laten wel zien dat vrouwen minder ondersteuning krijgen" \
        in obstacles


def test_women_getting_more_support_in_the_register_reverses_the_register_sentences(data, baseline):
    assert "vrouwen krijgen minder vaak een voorziening dan mannen (37% tegen 44%)" in baseline
    personen = data.personen.copy()
    personen["geslacht"] = personen["geslacht"].map({"man": "vrouw", "vrouw": "man"})
    swapped = changed(data, personen=personen)
    swapped._cache["flags"] = data._cache["flags"]  # the same persons and starts: flags still hold
    after = text(swapped)
    register_part = part(after, "## Feitelijke inzet re-integratieondersteuning en gevolgen corona")
    assert "vrouwen krijgen vaker een voorziening dan mannen (44% tegen 37%)" in register_part
    obstacles = part(after, "## Ervaren belemmeringen")
    assert "ook daadwerkelijk minder ondersteuning" not in obstacles
    assert "krijgen vrouwen juist vaker ondersteuning dan mannen" in obstacles


def test_clients_more_optimistic_than_klantmanagers_reverses_somberder(data, baseline):
    for where in (part(baseline, BB), part(baseline, "## Kenmerken doelgroep")):
        assert "somberder dan hun klantmanagers" in where and "optimistischer" not in where
    km = data.km.copy()
    km["pct_kan_nu_werken"] = (km["pct_kan_nu_werken"] * 0.4).round(1)
    after = text(changed(data, km=km))
    for where in (part(after, BB), part(after, "## Kenmerken doelgroep")):
        assert "optimistischer dan hun klantmanagers" in where and "somberder" not in where
    assert "Klanten en klantmanagers verschillen in hun inschatting" in after


def test_klantmanagers_with_a_large_caseload_speaking_more_clients_reverses(data, baseline):
    assert "Klantmanagers met een grote caseload spreken hun klanten minder vaak." in part(baseline, BB)
    assert "spreken hun klanten dus minder vaak" in part(baseline, "## Contact en bejegening")
    km = data.km.copy()
    ordered = km["caseload"].sort_values(kind="stable")
    km["caseload"] = pd.Series(ordered.to_numpy()[::-1], index=ordered.index)  # the largest become the smallest
    swapped = changed(data, km=km)
    reg = ch.findings(swapped)
    assert reg["cmp_gesproken_caseload"].lower
    after = text(swapped)
    assert "Klantmanagers met een grote caseload spreken hun klanten juist vaker." in part(after, BB)
    contact = part(after, "## Contact en bejegening")
    assert "spreken hun klanten dus juist vaker" in contact and "dus minder vaak" not in contact
    for small, large in [(reg["cmp_gesproken_caseload"].a, reg["cmp_gesproken_caseload"].b)]:
        assert f"klanten spraken gemiddeld {round(small.value * 100)}%" in contact
        assert f"of meer gemiddeld {round(large.value * 100)}%" in contact


def test_clients_with_agreements_less_positive_reverses_positiever(data, baseline):
    assert "Klanten met concrete afspraken en klanten bij wie de gemeente rekening houdt met hun behoefte zijn " \
           "positiever over de hulp." in part(baseline, BB)
    klanten = data.klanten.copy()
    klanten["afspraken"] = klanten["afspraken"].map({"ja": "nee", "nee": "ja"})
    swapped = changed(data, klanten=klanten)
    reg = ch.findings(swapped)
    assert reg["cmp_mw_zinvol_afspraken"].lower and reg["cmp_mw_kans_rekening"].higher
    after = text(swapped)
    findings = part(after, BB)
    assert "Klanten met concrete afspraken en klanten" not in findings
    assert "Klanten bij wie de gemeente rekening houdt met hun behoefte zijn positiever over de hulp." in findings
    assert "Klanten met concrete afspraken zijn juist minder positief over de hulp." in findings
    value_part = part(after, "## Meerwaarde ondersteuning")
    assert "Klanten met concrete afspraken vinden de hulp minder vaak zinvol dan klanten zonder afspraken" in value_part
    assert "Klanten met concrete afspraken zijn minder vaak gemotiveerd" in value_part


def test_a_rising_pakkans_reverses_daalt(data, baseline):
    assert "De ervaren pakkans is sinds 2014 gedaald (van 74% naar 59%)." in part(baseline, BB)
    assert "Die ervaren pakkans daalt over de metingen heen significant: 74% in 2014, 67% in 2017, 63% in 2019 " \
           "en 59% in 2021." in baseline
    trend = data.trend.copy()
    earlier = {2014: 0.40, 2017: 0.45, 2019: 0.50}
    rows = trend["indicator"] == "pakkans"
    trend.loc[rows, "aandeel"] = trend.loc[rows, "meting"].map(earlier)
    swapped = changed(data, trend=trend)
    assert ch.findings(swapped)["trend_pakkans"].direction == "up"
    after = text(swapped)
    assert "De ervaren pakkans is sinds 2014 gestegen (van 40% naar 59%)." in part(after, BB)
    assert "Die ervaren pakkans stijgt over de metingen heen significant: 40% in 2014" in after
    assert "daalt" not in after


def test_a_flat_pakkans_is_not_called_a_fall(data):
    trend = data.trend.copy()
    rows = trend["indicator"] == "pakkans"
    trend.loc[rows, "aandeel"] = 0.59
    after = text(changed(data, trend=trend))
    assert "De ervaren pakkans is sinds 2014 niet significant veranderd" in part(after, BB)
    assert "Die ervaren pakkans is over de metingen heen niet significant veranderd" in after
    assert "daalt" not in after and "stijgt" not in after


def test_one_support_need_falling_removes_voor_alle_soorten_hulp(data, baseline):
    assert "De behoefte aan ondersteuning is groter dan bij de meting van 2019, voor alle soorten hulp." \
        in part(baseline, BB)
    assert "Klanten geven nu duidelijk vaker aan ondersteuning nodig te hebben" in baseline
    klanten = data.klanten.copy()
    rng = np.random.default_rng(8)
    yes = brede_mask(data) & (klanten["behoefte_scholing"] == "ja")
    klanten.loc[yes & (rng.random(len(klanten)) < 0.8), "behoefte_scholing"] = "nee"
    swapped = changed(data, klanten=klanten)
    reg = ch.findings(swapped)
    assert reg["cmp_behoefte_scholing_golf"].lower  # significantly lower than in 2019
    after = text(swapped)
    findings = part(after, BB)
    assert "voor alle soorten hulp" not in after and "duidelijk vaker" not in after
    expected = ("Vergeleken met de meting van 2019 hebben klanten vaker behoefte aan hulp bij het zoeken naar werk, "
                "ondersteuning op persoonlijk vlak, aanpassing van werktijden en werkdruk en begeleiding op de "
                "werkplek, maar minder vaak behoefte aan scholing, een cursus of opleiding")
    assert expected in findings
    assert expected in part(after, "### Behoefte aan ondersteuning")


def test_no_significant_change_in_any_need_says_so(data):
    trend = data.trend.copy()
    for indicator in ch.BEHOEFTE:
        current = ch.current_wave(data, indicator).value
        trend.loc[trend["indicator"] == indicator, "aandeel"] = round(current, 3)
    after = text(changed(data, trend=trend))
    assert "De behoefte aan ondersteuning is niet significant veranderd sinds de meting van 2019." \
        in part(after, BB)
    assert "toename" not in after and "vaker behoefte" not in after


def test_coaching_falling_hardest_is_no_longer_said_to_hold_up(data, baseline):
    assert "; coaching bleef beter op peil" in part(baseline, BB)
    starts = data.starts.copy()
    na = pd.period_range("2020-03", "2021-02", freq="M").astype(str)
    coaching = (starts["voorziening"] == "coaching") & starts["startmaand"].isin(na)
    drop = coaching & (np.random.default_rng(3).random(len(starts)) < 0.7)
    swapped = changed(data, starts=starts[~drop].reset_index(drop=True))
    reg = ch.findings(swapped)
    assert reg["chg_starts_coaching"].relative < reg["chg_starts_totaal"].relative
    after = text(swapped)
    assert "coaching bleef beter op peil" not in after
    assert "grotendeels doorgaan" not in after
    assert "Het aantal gestarte coachingsactiviteiten daalde het sterkst" in after


def test_the_tolerance_for_still_below_the_earlier_level_comes_from_params(data, register, baseline):
    assert register.tolerance == data.edition.analysis("gemeenten")["change_tolerance"]
    assert register["chg_herstel_loonkostensubsidie"].direction == "flat"  # +2%: within 3%
    assert "zeven van de acht soorten voorzieningen nog onder het niveau van voor de crisis" in baseline
    assert "De uitzondering: loonkostensubsidies (4.370 starts tegen 4.284)." in baseline
    loose = with_analysis(data, change_tolerance=0.2)
    reg = ch.findings(loose)
    assert reg["herstel_onder_niveau"].k == 0 and reg["chg_herstel_coaching"].direction == "flat"
    after = text(loose)
    assert "nul van de acht soorten voorzieningen nog onder het niveau" in after
    assert "De uitzondering" not in after


def test_figure_3_changes_are_registered_changes_of_the_figure_s_numbers(data, register):
    frame = ch.figuur_3(data)
    labels = data.edition["periods"]
    for v, label in ch.VOORZIENINGEN.items():
        chg = register[f"chg_starts_{v}"]
        rows = frame[frame["voorziening"] == label].set_index("periode")["aantal"]
        assert chg.before.value == rows[labels["voor"]["label"]] and chg.after.value == rows[labels["na"]["label"]]
        assert chg.relative == pytest.approx(chg.after.value / chg.before.value - 1)
    assert register["starts_gedaald"].k == sum(register[f"chg_starts_{v}"].direction == "down"
                                               for v in ch.VOORZIENINGEN)


# --------------------------------------------------------------------------- disclosure control


def test_a_subgroup_of_six_respondents_is_suppressed_in_the_sentence(data, baseline):
    """Issue 7, item 1: "… (0% tegen 20%)" becomes the suppression mark with its reason."""
    assert "Jongeren tot 27 jaar hebben vaker zulke afspraken dan oudere klanten (93% tegen 68%)." in baseline
    klanten = data.klanten.copy()
    young = klanten.index[brede_mask(data) & (klanten["leeftijd"] == "tot_27")]
    klanten.loc[young[6:], "leeftijd"] = "27_tot_45"  # six young respondents remain
    klanten.loc[young[:6], "afspraken"] = "nee"       # none of whom has agreements: 0%
    small = changed(data, klanten=klanten)
    reg = ch.findings(small)
    cmp = reg["cmp_afspraken_leeftijd"]
    assert cmp.suppressed and cmp.a.suppressed and cmp.a.value is None and cmp.a.n is None
    assert cmp.direction is None and cmp.significant is None
    assert '"value": 0.0' not in reg.to_json().split('"id": "cmp_afspraken_leeftijd"')[0][-400:]

    after = text(small)  # the build does not stop
    line = sentence(part(after, "### Gemaakte afspraken"), "Jongeren tot 27 jaar tegen")
    withheld = f"{SUPPRESSED_MARK} (niet getoond: {suppression_reason(data.threshold)})"
    assert withheld in line
    assert "0%" not in line and "tegen 7" not in line
    assert "vaker" not in line and "minder vaak" not in line and "niet significant" not in line
    # the other comparisons of the paragraph are untouched
    assert "Klanten met een startkwalificatie hebben vaker zulke afspraken" in after


def test_six_women_suppress_every_sex_comparison_without_claiming_a_direction(data):
    klanten = data.klanten.copy()
    women = klanten.index[brede_mask(data) & (klanten["geslacht"] == "vrouw")]
    klanten.loc[women[6:], "geslacht"] = "man"
    klanten.loc[women[:6], "zoekgedrag"] = "eerder"  # 0% of the six search actively
    small = changed(data, klanten=klanten)
    reg = ch.findings(small)
    for cid in ("cmp_actief_geslacht", "cmp_rekening_geslacht", "cmp_genoeg_hulp_geslacht", "cmp_mw_kans_geslacht"):
        assert reg[cid].suppressed, cid
    after = text(small)
    withheld = f"{SUPPRESSED_MARK} (niet getoond: minder dan {data.threshold} waarnemingen)"
    line = sentence(after, "Mannen tegen vrouwen")
    assert withheld in line and "0%" not in line
    assert "Mannen doen dat" not in after and "Mannen vinden" not in after
    # no survey direction is claimed, so the register sentence does not say "ook"
    assert "ook daadwerkelijk" not in after
    assert after.count(withheld) >= 4


def test_register_counts_of_persons_pass_the_disclosure_threshold(data):
    personen = data.personen.copy()
    westers = personen.index[personen["herkomst"] == "westers"]
    personen.loc[westers[8:], "herkomst"] = "nederlands"  # eight persons with a western background
    small = changed(data, personen=personen)
    small._cache["flags"] = data._cache["flags"]
    reg = ch.findings(small)
    assert reg["cmp_reg_start_westers_nederlands"].suppressed
    assert reg["cmp_reg_start_westers_nederlands"].a.value is None
    after = text(small)
    line = sentence(part(after, "## Feitelijke inzet re-integratieondersteuning en gevolgen corona"), "Herkomst")
    assert SUPPRESSED_MARK in line and "niet getoond" in line
    assert "krijgen naar verhouding veel ondersteuning" not in line
    shown = ch.tabel_2_display(small)
    assert (shown[shown["Groep"] == "Westers"].iloc[:, 2:] == SUPPRESSED_MARK).all().all()


# --------------------------------------------------------------------------- tests used


def test_registered_comparisons_name_the_test_actually_used(register):
    assert register["cmp_actief_geslacht"].test == "z-test proportions (pooled)"
    assert register["cmp_actief_geslacht"].design.startswith("independent samples")
    assert register["cmp_gesproken_caseload"].test == "Welch t-test"
    assert register["cmp_kan_nu_klant_km"].test == "Welch t-test"
    assert register["trend_pakkans"].test == "Cochran-Armitage trend (4 waves)"
    assert register["cmp_reg_start_geslacht"].design.startswith("whole population (register)")
    assert register["cmp_dgr_kans_werk"].design == "independent samples (DGR sample against brede doelgroep)"
    for f in register:
        if hasattr(f, "p_value") and f.shown:
            assert f.alpha == 0.05 and f.significant == (f.p_value < f.alpha), f.id


def test_unweighted_comparisons_agree_with_scipy_and_statsmodels(data, register):
    km = data.km
    large = km["caseload"] >= data.edition.analysis("gemeenten")["caseload_threshold"]
    welch = scipy_stats.ttest_ind(km.loc[~large, "pct_gesproken"], km.loc[large, "pct_gesproken"], equal_var=False)
    assert register["cmp_gesproken_caseload"].p_value == pytest.approx(welch.pvalue, rel=1e-6)

    top = km["caseload"] >= km["caseload"].quantile(data.edition.analysis("gemeenten")["caseload_top_quantile"])
    strong = km["bel_caseload"] == "sterk"
    answered = km["bel_caseload"].notna()
    counts = [int((strong & top).sum()), int((strong & ~top).sum())]
    nobs = [int((answered & top).sum()), int((answered & ~top).sum())]
    z, p = proportions_ztest(counts, nobs)
    assert register["cmp_caseload_belemmering_sterk"].statistic == pytest.approx(z, rel=1e-6)
    assert register["cmp_caseload_belemmering_sterk"].p_value == pytest.approx(p, rel=1e-6)


# --------------------------------------------------------------------------- analysis choices in params


def test_size_classes_and_caseload_threshold_live_under_analysis_gemeenten(data, baseline):
    raw = data.edition.raw
    assert "gemeentegrootte" not in raw and "caseload_threshold" not in raw
    choices = data.edition.analysis("gemeenten")
    assert choices["caseload_threshold"] == 75
    assert f"grote gemeenten ({choices['gemeentegrootte']['groot']})" in baseline
    assert "minder dan 75 klanten" in baseline


def test_another_caseload_threshold_changes_the_split_and_the_text(data):
    other = with_analysis(data, caseload_threshold=60)
    small, large, _ = ch.km_spoken_by_caseload(other)
    assert large.n == int((data.km["caseload"] >= 60).sum())
    after = text(other)
    assert "caseload van minder dan 60 klanten" in after and "met 60 klanten of meer" in after


def test_a_missing_analysis_choice_names_the_params_key(data):
    raw = copy.deepcopy(data.edition.raw)
    del raw["analysis"]["gemeenten"]["change_tolerance"]
    with pytest.raises(KeyError, match=r"2022.yml: analysis.gemeenten lacks change_tolerance"):
        ch.load(replace(data.edition, raw=raw))


def test_recovery_months_outside_the_register_data_stop_with_the_key(data):
    late = with_analysis(data, herstel={"na": {"start": "2021-03", "end": "2021-09"},
                                        "voor": {"start": "2019-03", "end": "2019-09"},
                                        "crisis": {"start": "2020-03", "end": "2020-09"}})
    with pytest.raises(ValueError, match=r"analysis.gemeenten.herstel.na .*2021-07, 2021-08, 2021-09"):
        ch.findings(late)


def test_the_dates_in_the_text_come_from_params(data, baseline):
    assert "Sinds maart 2020 startten gemeenten" in part(baseline, BB)
    assert "medio 2021 had de coronapandemie" in baseline
    assert "(tweezijdig, 5%)" in baseline
    raw = copy.deepcopy(data.edition.raw)
    raw["periods"]["na"]["start"] = "2020-04"
    raw["sources"]["klanten_pw"]["fieldwork"] = "zomer 2021"
    raw["statistics"]["alpha"] = 0.01
    other = replace(data, edition=replace(data.edition, raw=raw), _cache={})
    after = text(other)
    assert "Sinds april 2020 startten gemeenten" in after
    assert "zomer 2021 had de coronapandemie" in after and "medio 2021" not in after
    assert "(tweezijdig, 1%)" in after
