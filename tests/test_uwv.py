"""Chapter 3 (uwv): the published 2022 figures are reproduced (published_2022.yaml in the chapter
folder), every comparison uses the test its design calls for, the text follows the data (reversed
results reverse the wording, headline findings included; a group below the disclosure threshold is
withheld with its reason), the synthetic data is deterministic and each of the chapter's contracts
refuses broken input, naming dataset, column and rule."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import yaml
from published import TOLERANCE, reference, share_mismatches
from statsmodels.stats.contingency_tables import mcnemar

from spiegel import fmt, stats
from spiegel.chapter import filled_text
from spiegel.chapters import uwv as ch
from spiegel.chapters.uwv import synth
from spiegel.contracts import CUSTOM_CHECKS, format_failures, validate_edition
from spiegel.findings import Comparison, Figure
from spiegel.params import ParamsError, load_params
from spiegel.sdc import SUPPRESSED_MARK
from spiegel.synth.core import write_if_changed

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = reference("uwv_2022")
FINDINGS, TABLES = REFERENCE["findings"], REFERENCE["tables"]
REGISTER_IDS = yaml.safe_load((ROOT / "src/spiegel/chapters/uwv/published_2022.yaml").read_text("utf-8"))[
    "register_ids"]
SEED, EDITION = 20220906, 2022
SOURCES = ("uwv_klanten", "uwv_medewerkers", "uwv_wga_extern", "uwv_populatie")

# Findings the chapter deliberately reads otherwise (docs/assumptions.md, chapter 3).
DIFFERENT_READING = {"tijd_belemmering_enigszins_mdw"}


@pytest.fixture(scope="module")
def uwv(edition):
    return ch.load(edition)


@pytest.fixture(scope="module")
def reg(uwv):
    return ch.findings(uwv)


@pytest.fixture(scope="module")
def text(edition, uwv):
    return "\n\n".join(filled_text(edition, "uwv", data=uwv))


def _value(f: Figure):
    return f.estimate() if f.unit in ("share", "mean", "grade") else f.value


@pytest.fixture(scope="module")
def computed(reg):
    """Every registered figure by id, also under the published id where that differs."""
    out = {f.id: _value(f) for f in reg.of_kind(Figure) if f.shown}
    for published, ids in REGISTER_IDS.items():
        if isinstance(ids, str):
            out[published] = out[ids]
    return out


def bevindingen(text: str) -> str:
    """The Belangrijkste bevindingen (headline findings) of the filled text."""
    return text.split("### Belangrijkste bevindingen")[1].split("\n## ")[0]


def section(text: str, heading: str) -> str:
    """The text under a heading, up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    part = text.split(f"\n{heading}")[1]
    stops = [part.find(f"\n{'#' * n} ") for n in range(2, len(level) + 1)]
    stops = [s for s in stops if s >= 0]
    return part[: min(stops)] if stops else part


# --------------------------------------------------------------------------- published figures


def test_every_share_matches_its_published_value(computed):
    # This reference marks qualifiers with `bound` keys; its quotes often name several groups.
    checked, failures = share_mismatches(computed, FINDINGS, DIFFERENT_READING, wording=False)
    assert not failures, "\n".join(failures)
    assert checked >= 95  # the comparison covers the chapter, not a handful


def test_report_marks_within_two_tenths(computed):
    grades = [f for f in FINDINGS.values() if f["unit"] == "grade"]
    assert len(grades) == 6
    for finding in grades:
        tolerance = 0.5 if finding.get("approx") else 0.2  # "ongeveer een zeven"
        assert computed[finding["id"]].value == pytest.approx(finding["value"], abs=tolerance), finding["id"]
        assert computed[finding["id"]].kind == "mean"


def test_caseload_and_sample_sizes(edition, uwv, computed):
    assert computed["caseload_gemiddeld"].value == pytest.approx(FINDINGS["caseload_gemiddeld"]["value"], abs=5)
    assert ch.caseload_threshold(edition) == FINDINGS["grote_caseload_drempel"]["value"]
    assert computed["n_klanten"] == pytest.approx(FINDINGS["n_klanten_enquete_2020"]["value"], rel=0.05)
    assert computed["n_medewerkers"] == pytest.approx(FINDINGS["n_medewerkers_enquete_2021"]["value"], rel=0.05)


def test_cited_figures_are_the_published_ones(reg):
    cited = ch.cited(EDITION)
    checked = set()
    for published, ids in REGISTER_IDS.items():
        targets = [ids] if isinstance(ids, str) else ids
        values = FINDINGS[published]["value"]
        values = values if isinstance(values, list) else [values]
        for fid, want in zip(targets, values):
            if fid in cited:
                assert reg[fid].value == pytest.approx(want), fid
                assert reg[fid].source == cited[fid]["document"]  # registered with its document
                checked.add(fid)
    for fid in set(cited) - checked:  # cited under the published id itself
        assert reg[fid].value == pytest.approx(FINDINGS[fid]["value"]), fid
        checked.add(fid)
    assert checked == set(cited)
    assert reg["jobcoach_wajong"].wave == 2021 and reg["wajong_plaatsing_jaar_later_werk"].wave == 2019


def test_tabel_3_is_reproduced_exactly(uwv, reg):
    # Reading chosen for the age shares adding up to 99%: docs/assumptions.md (chapter 3).
    shown = ch.tabel_3_display(uwv)
    printed = TABLES["tabel_3"]
    assert list(shown.columns) == ["Regeling", *printed["columns"]]
    for (_, row), ref in zip(shown.iterrows(), printed["rows"]):
        assert row["Regeling"] == ref["label"]
        assert row.iloc[1:].tolist() == ref["values"]
    assert [f.label for f in reg["rank_regelingen"].items] == ["WIA", "Wajong", "WW"]


def test_tabel_4_every_cell_within_three_points(uwv):
    # Reading chosen for the rows adding up to 99/101% and the cell printed without %:
    # docs/assumptions.md (chapter 3).
    shown = ch.tabel_4_display(uwv)
    printed = TABLES["tabel_4"]
    assert list(shown.columns) == ["Belemmering", *printed["columns"]]
    mismatches = []
    for (_, row), ref in zip(shown.iterrows(), printed["rows"]):
        assert row["Belemmering"] == ref["label"]
        for column, cell in zip(printed["columns"], ref["values"]):
            got = row[column]
            if cell == "n.v.t.":
                assert got == "n.v.t.", (ref["label"], column)
                continue
            want = int(cell.rstrip("%")) / 100
            if abs(int(got.rstrip("%")) / 100 - want) > TOLERANCE + 1e-9:
                mismatches.append(f"{ref['label']} / {column}: {got} vs {cell}")
    assert not mismatches, mismatches


def test_text_sums_of_tabel_4(computed):
    # 3.4.1: sterk + enig for the available time: 75% Wajong, bijna 70% WGA, ruim de helft WW.
    assert fmt.pct(computed["tijd_belemmerend_sterk_of_enig_wajong"]) == "75%"
    assert 0.64 <= computed["tijd_belemmerend_sterk_of_enig_wga"].value < 0.70
    assert 0.5 < computed["tijd_belemmerend_sterk_of_enig_ww"].value < 0.6


@pytest.mark.parametrize("cid, direction", [
    ("cmp_invloed_wajong_ww", "higher"), ("cmp_voorkeuren_ww_wajong", "higher"),
    ("cmp_makkelijk_hulp_ww_wajong", "higher"), ("cmp_rechten_ww_wajong", "higher"),
    ("cmp_vast_mdw_klant", "higher"), ("cmp_zelfvertrouwen_mdw_klant", "higher"), ("cmp_wdv_ww_wga", "higher"),
    ("cmp_kans_mdw_kansrijk_kansarm", "lower"), ("cmp_kans_klant_kansarm_kansrijk", "lower"),
    ("cmp_actief_houden_caseload", "lower"), ("cmp_registratie_caseload", "lower"),
    ("cmp_tijd_caseload", "higher"), ("cmp_werkdruk_caseload", "higher"), ("cmp_gesprek_werkend_wajong", "lower"),
    ("cmp_inbeeld_tijd", "lower"), ("cmp_actief_houden_tijd", "lower"), ("cmp_expertise_tijd", "higher"),
    ("cmp_durven_wajong_ww_wga", "higher"), ("cmp_brieven_wajong_ww_wga", "lower"),
])
def test_the_reports_contrasts_are_tested_and_hold(reg, cid, direction):
    c = reg[cid]
    assert c.significant and c.direction == direction, (cid, c.p_value, c.direction)


def test_werkgeversdienstverlening_marks_ww_over_wajong_over_wga(reg):
    marks = [reg[f"cijfer_werkgeversdv_{g}"].value for g in ("ww", "wajong", "wga")]
    assert marks == sorted(marks, reverse=True)


def test_figure_frames_are_aggregates_with_n(uwv):
    frames = [ch.figuur_8(uwv), ch.figuur_9(uwv), ch.figuur_10(uwv), ch.figuur_11(uwv), ch.figuur_12(uwv),
              ch.figuur_13(uwv), ch.figuur_14(uwv)]
    for frame in frames:
        assert not {"resp_id", "mdw_id", "gewicht"} & set(frame.columns)
        assert len(frame) < 50 and "n" in frame.columns
    assert set(ch.figuur_12(uwv)["bron"]) == {ch.KLANTEN, ch.MEDEWERKERS}


# --------------------------------------------------------------------------- designs


def _stacked(mdw: pd.DataFrame, columns: dict[str, list[str]], positive) -> pd.DataFrame:
    """Staff answers of several columns stacked: respondent, side, 0/1 answer."""
    parts = [pd.DataFrame({"id": mdw["mdw_id"], "side": side, "y": mdw[c]})
             for side, cols in columns.items() for c in cols]
    long = pd.concat(parts, ignore_index=True).dropna(subset=["y"])
    long["y"] = long["y"].isin(positive).astype(float)
    return long


@pytest.mark.parametrize("cid, a_cols, b_cols", [
    ("cmp_voorkeuren_ww_wajong", ["voorkeuren_ww"], ["voorkeuren_wajong"]),
    ("cmp_durven_wajong_ww_wga", ["durven_niet_wajong"], ["durven_niet_ww", "durven_niet_wga"]),
    ("cmp_rechten_mdw_wga_ww", ["rechten_plichten_wga"], ["rechten_plichten_ww"]),
])
def test_staff_groups_sharing_respondents_get_the_cluster_robust_test(uwv, reg, cid, a_cols, b_cols):
    c = reg[cid]
    assert c.design == stats.CLUSTERED and c.test == "cluster-robust z-test (clusters = respondents)"
    positive = ("sterk",) if cid.startswith("cmp_voorkeuren") else ch.codes("eens", "test")
    long = _stacked(uwv.mdw, {"a": a_cols, "b": b_cols}, positive)
    assert long.groupby("id")["side"].nunique().max() == 2  # some staff answered on both sides
    x = sm.add_constant((long["side"] == "a").astype(float).to_numpy())
    res = sm.OLS(long["y"].to_numpy(), x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(long["id"])[0]})
    assert c.p_value == pytest.approx(res.pvalues[1], rel=1e-6)
    assert c.diff == pytest.approx(res.params[1])


@pytest.mark.parametrize("cid, a_col, b_col, positive", [
    ("cmp_kans_mdw_kansrijk_kansarm", "kans_werk_ww_kansrijk", "kans_werk_ww_kansarm", ("helemaal_eens", "eens")),
    ("cmp_inbeeld_actief_werkend", "inbeeld_actief", "inbeeld_werkend", ("sterk", "behoorlijk")),
    ("cmp_werkdruk_registratie_caseload", "werkdruk_registratie", "werkdruk_caseload", ("sterk",)),
])
def test_items_answered_by_the_same_staff_get_mcnemars_test(uwv, reg, cid, a_col, b_col, positive):
    c = reg[cid]
    assert c.design == stats.PAIRED and c.test == "McNemar (paired, chi-square)"
    both = uwv.mdw[[a_col, b_col]].dropna()
    x, y = both[a_col].isin(positive), both[b_col].isin(positive)
    table = [[int((x & y).sum()), int((x & ~y).sum())], [int((~x & y).sum()), int((~x & ~y).sum())]]
    ref = mcnemar(table, exact=False, correction=False)
    assert c.p_value == pytest.approx(ref.pvalue) and c.statistic == pytest.approx(ref.statistic)
    assert c.a.n == c.b.n == len(both)


@pytest.mark.parametrize("cid", ["cmp_makkelijk_hulp_ww_wajong", "cmp_invloed_wajong_ww", "cmp_vast_mdw_klant",
                                 "cmp_zelfvertrouwen_mdw_klant", "cmp_gesprek_werkend_wajong"])
def test_different_respondents_get_the_independent_samples_test(reg, cid):
    c = reg[cid]
    assert c.design == stats.INDEPENDENT and c.test == "z-test proportions (pooled)"
    again = stats.compare_shares(c.a.estimate(), c.b.estimate())
    assert c.p_value == pytest.approx(again.p_value)


def test_no_staff_pair_of_shared_respondents_is_tested_as_independent(uwv, reg):
    for c in reg.of_kind(Comparison):
        if c.id not in ch._by_section("comparisons"):
            continue
        spec = ch._by_section("comparisons")[c.id][1]
        ia, ib = ch.ITEMS[spec["a"]], ch.ITEMS[spec["b"]]
        if ia.source == ib.source == ch.SOURCE_MDW:
            la, lb = ch.answers(uwv, ia), ch.answers(uwv, ib)
            if set(la["id"]) & set(lb["id"]) or ia.pooled or ib.pooled:
                assert c.design in (stats.PAIRED, stats.CLUSTERED), c.id


@pytest.mark.parametrize("cid, column, groups", [
    ("cmp_tijd_caseload", "bel_tijd", ("wajong", "wga")),
    ("cmp_werkdruk_caseload", "werkdruk_caseload", ("wajong", "wga")),
    ("cmp_actief_houden_caseload", "actief_houden", ("wajong",)),
])
def test_the_caseload_contrast_counts_every_staff_member_once(uwv, reg, cid, column, groups):
    c = reg[cid]
    assert c.design == stats.INDEPENDENT
    mdw = uwv.mdw
    staff = mdw[mdw[[f"caseload_{g}" for g in groups]].eq("ja").any(axis=1)]
    cols = [f"{column}_{g}" for g in groups if f"{column}_{g}" in mdw] or [column]
    persons = int(staff[cols].notna().any(axis=1).sum())
    assert c.a.n + c.b.n == persons
    big = staff["caseload"] > ch.caseload_threshold(uwv.edition)
    assert c.a.n == int(staff.loc[big, cols].notna().any(axis=1).sum())
    if len(groups) > 1:  # answering for both groups used to count a person twice
        answers = sum(int(staff.loc[staff[f"caseload_{g}"] == "ja", c2].notna().sum())
                      for g, c2 in zip(groups, [f"{column}_{g}" if f"{column}_{g}" in mdw else column
                                                for g in groups]))
        assert answers > persons


@pytest.mark.parametrize("iid, columns", [
    ("mdw_voorkeuren_klant_sterk_bepalend", ["voorkeuren_ww", "voorkeuren_wajong", "voorkeuren_wga"]),
    ("durven_niet_werken_ww_wga_mdw", ["durven_niet_ww", "durven_niet_wga"]),
    ("tijd_belemmering_sterk_mdw", ["bel_tijd_ww", "bel_tijd_wajong", "bel_tijd_wga"]),
])
def test_items_pooled_over_answers_get_clustered_intervals_and_count_persons(uwv, reg, iid, columns):
    f = reg[iid]
    persons = int(uwv.mdw[columns].notna().any(axis=1).sum())
    answers = int(uwv.mdw[columns].notna().sum().sum())
    assert answers > persons and f.n == persons
    naive = stats.Estimate.from_aggregate(f.value, answers)
    assert f.ci_high - f.ci_low > naive.ci_high - naive.ci_low  # alike answers of one person count less


def test_the_text_says_where_answers_are_pooled(text, reg):
    assert f"In {fmt.pct(reg['mdw_voorkeuren_klant_sterk_bepalend'].value)} van de antwoorden van medewerkers " \
           "(zij antwoorden voor elke groep in hun caseload apart)" in text
    assert "(een medewerker met beide groepen telt voor elke groep)" in text
    assert "een medewerker telt één keer, ook met beide groepen" in text  # the contrast that does not pool


# --------------------------------------------------------------------------- the text follows the data


AGREE_FLIP = {"helemaal_eens": "helemaal_oneens", "eens": "oneens", "oneens": "eens", "helemaal_oneens": "helemaal_eens"}


def _changed(data, frame: str, column: str, value, rows=None):
    """A copy of the chapter data with ``column`` of ``frame`` set to ``value`` (a mapping
    recodes) on ``rows`` (a boolean mask; default every row with an answer)."""
    df = getattr(data, frame).copy()
    mask = df[column].notna() if rows is None else rows & df[column].notna()
    df.loc[mask, column] = df.loc[mask, column].map(value) if isinstance(value, dict) else value
    return replace(data, **{frame: df})


@pytest.fixture(scope="module")
def reversed_text(edition, uwv):
    """Filled text after changing the data so that a result reverses; one fill per case."""
    cache = {}

    def get(case: str):
        if case not in cache:
            k, m = uwv.klanten, uwv.mdw
            changed = {
                "makkelijk": lambda: _changed(uwv, "klanten", "makkelijk_hulp", AGREE_FLIP, k["regeling"] == "ww"),
                "brieven": lambda: _changed(uwv, "mdw", "brieven_wajong", "eens"),
                "in_beeld": lambda: _changed(uwv, "mdw", "inbeeld_actief", "nauwelijks"),
                "durven": lambda: _changed(uwv, "mdw", "durven_niet_wajong", "oneens"),
                "kansrijk": lambda: replace(uwv, mdw=m.assign(kans_werk_ww_kansrijk=m["kans_werk_ww_kansarm"],
                                                              kans_werk_ww_kansarm=m["kans_werk_ww_kansrijk"])),
                "caseload": lambda: _changed(_changed(uwv, "mdw", "actief_houden", "eens", m["caseload"] > 100),
                                             "mdw", "actief_houden", "oneens", m["caseload"] <= 100),
            }[case]()
            cache[case] = (ch.findings(changed), "\n\n".join(filled_text(edition, "uwv", data=changed)))
        return cache[case]

    return get


def test_client_comparison_reverses_in_the_section_and_the_headline_findings(text, reversed_text):
    # independent samples: WW'ers against Wajongers
    before, after = section(text, "#### Toegankelijkheid ondersteuning"), None
    assert "zij vinden het minder vaak makkelijk om hulp te krijgen dan WW'ers" in before
    assert "Wajongers vinden het minder vaak makkelijk om hulp te krijgen dan WW'ers" in bevindingen(text)
    reg, changed = reversed_text("makkelijk")
    assert reg["cmp_makkelijk_hulp_ww_wajong"].lower
    after = section(changed, "#### Toegankelijkheid ondersteuning")
    assert "Wajongers vinden het zelfs vaker makkelijk om hulp te krijgen dan WW'ers" in after
    assert "minder vaak makkelijk" not in after
    assert "Wajongers vinden het vaker makkelijk om hulp te krijgen dan WW'ers" in bevindingen(changed)
    assert "minder vaak makkelijk" not in bevindingen(changed)


def test_clustered_staff_comparison_reverses_in_the_section_and_the_headline_findings(text, reversed_text):
    # respondent-clustered: letters for Wajongers against those for WW'ers and WGA'ers
    assert "voor Wajongers vinden ze de brieven minder vaak duidelijk" in bevindingen(text)
    assert "Voor Wajongers is dat volgens hen het grootste probleem" in text
    reg, changed = reversed_text("brieven")
    assert reg["cmp_brieven_wajong_ww_wga"].higher and reg["cmp_brieven_wajong_ww_wga"].design == stats.CLUSTERED
    assert "voor Wajongers vinden ze de brieven juist vaker duidelijk" in bevindingen(changed)
    assert "Voor Wajongers vinden medewerkers de brieven juist vaker duidelijk" in changed
    assert "grootste probleem" not in changed and "brieven minder vaak duidelijk" not in changed


def test_paired_staff_comparison_reverses_in_the_section_and_the_headline_findings(text, reversed_text):
    # paired (McNemar): the same staff on clients in active guidance and working clients
    assert "hebben ze minder vaak in beeld" in bevindingen(text)
    reg, changed = reversed_text("in_beeld")
    assert reg["cmp_inbeeld_actief_werkend"].lower and reg["cmp_inbeeld_actief_werkend"].design == stats.PAIRED
    assert "hebben medewerkers juist minder vaak goed in beeld" in bevindingen(changed)
    assert "hebben medewerkers juist minder vaak goed in beeld" in section(changed, "#### Klant in beeld")
    assert "hebben ze minder vaak in beeld" not in changed


def test_pooled_staff_comparison_reverses_in_the_section_and_the_headline_findings(text, reversed_text):
    assert "Dat zeggen medewerkers vaker over Wajongers" in bevindingen(text)
    assert "Over Wajongers denken medewerkers dat dus vaker." in text
    reg, changed = reversed_text("durven")
    assert reg["cmp_durven_wajong_ww_wga"].lower
    assert "Dat zeggen medewerkers minder vaak over Wajongers" in bevindingen(changed)
    assert "Over Wajongers denken medewerkers dat dus minder vaak." in changed
    assert "Dat zeggen medewerkers vaker over Wajongers" not in changed


def test_kansrijk_kansarm_staff_comparison_reverses(text, reversed_text):
    assert "Alleen voor kansrijke WW'ers" in text and "hier wijkt het klantperspectief af" in text
    reg, changed = reversed_text("kansrijk")
    assert reg["cmp_kans_mdw_kansrijk_kansarm"].higher
    assert "zien medewerkers vaker effect dan voor kansarme WW'ers" in changed
    assert "Alleen voor kansrijke WW'ers" not in changed
    assert "hier wijkt het klantperspectief af" not in changed  # it no longer does


def test_caseload_contrast_reverses(text, reversed_text):
    assert "lukt het minder vaak dan collega's met een kleinere caseload" in text
    reg, changed = reversed_text("caseload")
    assert reg["cmp_actief_houden_caseload"].higher
    assert "lukt het vaker dan collega's met een kleinere caseload" in changed
    assert "lukt het minder vaak dan collega's" not in changed


@pytest.fixture(scope="module")
def few_wajongers(edition, uwv):
    """Only six Wajongers left in the client survey (below the disclosure threshold of 10)."""
    k = uwv.klanten
    keep = (k["regeling"] != "wajong") | (k.index.isin(k.index[k["regeling"] == "wajong"][:6]))
    data = replace(uwv, klanten=k[keep].reset_index(drop=True))
    return ch.findings(data), "\n\n".join(filled_text(edition, "uwv", data=data))


def test_a_client_group_below_the_threshold_is_withheld_with_its_reason(few_wajongers, edition):
    reg, text = few_wajongers
    withheld = f"{SUPPRESSED_MARK} (niet getoond: minder dan {edition.disclosure_threshold} waarnemingen)"
    for fid in ("wajong_makkelijk_hulp_klant", "cmp_makkelijk_hulp_ww_wajong", "cmp_invloed_wajong_ww",
                "n_klanten_wajong", "rank_kans_klant"):
        assert reg[fid].suppressed and reg[fid].reason == f"minder dan {edition.disclosure_threshold} waarnemingen"
    assert reg["ww_makkelijk_hulp_klant"].shown  # the other group is still shown
    # the sentences name the mark and why, and claim no direction
    assert f"Of Wajongers even makkelijk hulp krijgen als WW'ers, is niet te zeggen: {withheld}" in bevindingen(text)
    assert f"Of Wajongers even makkelijk hulp krijgen als WW'ers, is niet te zeggen: {withheld}" in text
    toegang = section(text, "#### Toegankelijkheid ondersteuning")
    assert "makkelijk om hulp te krijgen dan WW'ers" not in toegang and "even vaak makkelijk" not in toegang
    assert f"ingevuld door {fmt.number(reg['n_klanten_ww'].value)} WW'ers en {withheld} Wajongers" in text
    assert "Wajongers zijn vaker tevreden" not in text and "Wajongers zijn minder vaak tevreden" not in text
    # no value of the withheld group reaches the text
    assert f"Van de Wajongers vindt {withheld} de informatie over de hulp duidelijk" in text


def test_a_staff_group_below_the_threshold_is_withheld_too(edition, uwv):
    m = uwv.mdw
    wga = m.index[m["caseload_wga"] == "ja"]
    mdw = m.copy()
    mdw.loc[wga[5:], "caseload_wga"] = "nee"
    for col in [c for c in m.columns if c.endswith("_wga") and c != "caseload_wga"]:
        mdw.loc[wga[5:], col] = None
    data = replace(uwv, mdw=mdw)
    reg = ch.findings(data)
    text = "\n\n".join(filled_text(edition, "uwv", data=data))
    assert reg["klantvoorkeuren_sterk_bepalend_wga_mdw"].suppressed and reg["cmp_voorkeuren_wga_wajong"].suppressed
    assert reg["rank_belemmering_sterk_wga"].suppressed
    assert "vergelijkbaar met de Wajong" not in text
    assert f"noemt {SUPPRESSED_MARK} (niet getoond: minder dan 10 waarnemingen) van de medewerkers de voorkeuren" in text
    assert "Wie WGA'ers begeleidt, noemt" not in text  # a ranking of withheld figures names no first


# --------------------------------------------------------------------------- definitions and params


def test_an_unknown_code_set_names_the_file_and_the_known_sets():
    with pytest.raises(ch.SpecError, match=r"items\.yml: items\.x: unknown code set 'eensch' \(known: eens, "):
        ch.codes("eensch", "items.x")
    with pytest.raises(ch.SpecError, match="a share needs positive codes"):
        ch._item("x", "3.1", {"label": "x", "source": "medewerkers", "column": "c"})
    with pytest.raises(ch.SpecError, match="unknown keys"):
        ch._item("x", "3.1", {"label": "x", "source": "medewerkers", "column": "c", "positve": "eens"})


@pytest.mark.parametrize("value", [None, 0, "honderd", 2.5, True])
def test_the_caseload_threshold_comes_from_params_and_is_checked(tmp_path, value):
    raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text("utf-8"))
    raw["analysis"]["uwv"]["caseload_threshold"] = value
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "2022.yml"
    path.write_text(yaml.safe_dump(raw), "utf-8")
    with pytest.raises(ParamsError, match=r"analysis\.uwv\.caseload_threshold must be a positive whole number"):
        ch.caseload_threshold(load_params(path))


def test_a_different_caseload_threshold_changes_the_contrast(edition, uwv):
    raw = dict(edition.raw, analysis={"uwv": {"caseload_threshold": 80}})
    other = replace(uwv, edition=replace(edition, raw=raw))
    c80, c100 = ch.findings(other)["cmp_actief_houden_caseload"], ch.findings(uwv)["cmp_actief_houden_caseload"]
    staff = uwv.mdw[uwv.mdw["caseload_wajong"] == "ja"]
    assert c80.a.n == int(staff.loc[staff["caseload"] > 80, "actief_houden"].notna().sum()) != c100.a.n


# --------------------------------------------------------------------------- synthetic data


def test_same_seed_gives_identical_files(tmp_path):
    for sid, generator in synth.GENERATORS.items():
        a, b = tmp_path / f"{sid}_a.csv", tmp_path / f"{sid}_b.csv"
        write_if_changed(generator(SEED, EDITION), a)
        write_if_changed(generator(SEED, EDITION), b)
        assert a.read_bytes() == b.read_bytes(), sid


def test_other_seed_differs_but_stays_calibrated():
    from spiegel import stats

    a, b = synth.uwv_klanten(SEED, EDITION), synth.uwv_klanten(SEED + 1, EDITION)
    assert not a.equals(b)
    for frame in (a, b):
        ww = frame[frame["regeling"] == "ww"]
        assert stats.share(ww["rechten_plichten"], ch.codes("eens", "test"), ww["gewicht"]).value == pytest.approx(0.87, abs=0.01)


def test_weights_restore_population_margins(uwv):
    from spiegel import stats

    wajong = uwv.klanten[uwv.klanten["regeling"] == "wajong"]
    weighted = stats.share(wajong["leeftijd"], "tot_35", wajong["gewicht"]).value
    assert weighted == pytest.approx(0.47, abs=0.005)  # Tabel 3
    assert abs((wajong["leeftijd"] == "tot_35").mean() - weighted) > 0.02  # the young respond less
    share_ww = uwv.klanten.loc[uwv.klanten["regeling"] == "ww", "gewicht"].sum() / uwv.klanten["gewicht"].sum()
    assert share_ww == pytest.approx(175 / (175 + 244), abs=0.001)


def test_population_counts_round_to_the_printed_shares():
    counts = synth.population_counts(386000, {"tot_35": 7, "35_44": 17, "45_54": 26, "55_plus": 49})
    assert sum(counts.values()) == 386000
    assert [fmt.pct(c / 386000) for c in counts.values()] == ["7%", "17%", "26%", "49%"]


# --------------------------------------------------------------------------- contracts


class Project:
    """A temporary project with the contracts, the params and the chapter's synthetic files."""

    def __init__(self, root: Path):
        self.root = root
        shutil.copytree(ROOT / "data_contracts", root / "data_contracts")
        shutil.copytree(ROOT / "notebooks", root / "notebooks")  # the params name the chapter notebooks
        shutil.copytree(ROOT / "book", root / "book")  # and the pages around the chapters
        (root / "params").mkdir()
        shutil.copy(ROOT / "params" / "2022.yml", root / "params" / "2022.yml")
        self.edition = load_params(root / "params" / "2022.yml")
        self.frames = {sid: synth.GENERATORS[sid](SEED, EDITION) for sid in SOURCES}
        for sid, frame in self.frames.items():
            self.write(sid, frame)

    def path(self, sid: str) -> Path:
        return self.edition.sources[sid].path

    def write(self, sid: str, frame: pd.DataFrame) -> None:
        write_if_changed(frame, self.path(sid))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return Project(tmp_path_factory.mktemp("uwv"))


def _set(df: pd.DataFrame, column: str, value, row: int = 0) -> pd.DataFrame:
    df = df.copy()
    df[column] = df[column].astype(object)
    df.loc[row, column] = value
    return df


def test_valid_data_passes(project):
    result = validate_edition(project.edition, list(SOURCES))
    assert result.ok, format_failures(result)


BROKEN = [
    # (source, mutate(frame), rule, column, an offending value or None)
    *[(sid, lambda f, c=c: f.drop(columns=[c]), "expect_table_columns_to_match_set", "(table)", c)
      for sid, c in (("uwv_klanten", "regeling"), ("uwv_medewerkers", "bel_tijd_ww"),
                     ("uwv_wga_extern", "waarde"), ("uwv_populatie", "aantal"))],
    ("uwv_klanten", lambda f: _set(f, "regeling", "wia"), "expect_column_values_to_be_in_set", "regeling", "wia"),
    ("uwv_medewerkers", lambda f: _set(f, "bel_procedures_wga", "heel_erg",
                                       row=int(f.index[f["caseload_wga"] == "ja"][0])),
     "expect_column_values_to_be_in_set", "bel_procedures_wga", "heel_erg"),
    ("uwv_wga_extern", lambda f: _set(f, "bron", "cbs"), "expect_column_values_to_be_in_set", "bron", "cbs"),
    ("uwv_populatie", lambda f: _set(f, "categorie", "tot_27", row=3), "expect_column_values_to_be_in_set",
     "categorie", "tot_27"),
    ("uwv_klanten", lambda f: _set(f, "resp_id", f.loc[0, "resp_id"], row=1), "expect_column_values_to_be_unique",
     "resp_id", None),
    # identifier and weight columns: the failure names CSV lines, never the values
    ("uwv_medewerkers", lambda f: _set(f, "mdw_id", "M0001", row=1), "expect_column_values_to_be_unique", "mdw_id",
     ("lines", [2, 3])),
    ("uwv_wga_extern", lambda f: _set(f, "indicator", f.loc[0, "indicator"], row=1),
     "expect_column_values_to_be_unique", "indicator", None),
    ("uwv_populatie", lambda f: _set(f, "categorie", "vrouw", row=1), "expect_compound_columns_to_be_unique",
     "regeling, kenmerk, categorie", None),
    ("uwv_klanten", lambda f: _set(f, "gewicht", 12.5), "expect_column_values_to_be_between", "gewicht",
     ("lines", [2])),
    ("uwv_medewerkers", lambda f: _set(f, "cijfer_gemeenten", 11, row=int(f["cijfer_gemeenten"].first_valid_index())),
     "expect_column_values_to_be_in_set", "cijfer_gemeenten", 11),
    ("uwv_medewerkers", lambda f: _set(f, "caseload", 900), "expect_column_values_to_be_between", "caseload", 900),
    ("uwv_wga_extern", lambda f: _set(f, "waarde", 1.4), "expect_column_values_to_be_between", "waarde", 1.4),
    ("uwv_populatie", lambda f: _set(f, "aantal", 1, row=2), "custom:parts_sum_to_total_by", "aantal", None),
    ("uwv_klanten", lambda f: f.assign(jobcoach_nodig="ja"), "expect_column_values_to_be_null", "jobcoach_nodig", "ja"),
]


@pytest.mark.parametrize("sid, mutate, rule, column, value", BROKEN,
                         ids=[f"{b[0]}-{b[2].replace('expect_', '')}-{b[3]}" for b in BROKEN])
def test_broken_data_is_caught(project, sid, mutate, rule, column, value):
    try:
        project.write(sid, mutate(project.frames[sid]))
        result = validate_edition(project.edition, [sid])
    finally:
        project.write(sid, project.frames[sid])
    assert not result.ok
    hits = [f for f in result.failures if f.rule == rule and f.column == column]
    assert hits, format_failures(result)
    if isinstance(value, tuple) and value[0] == "lines":
        assert hits[0].rows == value[1] and hits[0].values == [], hits[0]
        assert "M0001" not in format_failures(result) and "12.5" not in format_failures(result)
    elif value is not None:
        assert value in hits[0].values
    assert f"dataset '{sid}', column '{column}', rule {rule} ({hits[0].rule_name}): " in format_failures(result)


@pytest.mark.parametrize("sid", SOURCES)
def test_empty_file_is_refused(project, sid):
    try:
        project.path(sid).write_bytes(b"")
        result = validate_edition(project.edition, [sid])
    finally:
        project.write(sid, project.frames[sid])
    assert [f.rule for f in result.failures] == ["file_readable"]
    assert f"dataset '{sid}', column '(file)', rule file_readable (file readable): file is empty" \
        in format_failures(result)


def test_parts_sum_to_total_by_checks_each_group_separately():
    check = CUSTOM_CHECKS["parts_sum_to_total_by"]
    rows = [("a", "totaal", "totaal", 10), ("a", "geslacht", "man", 4), ("a", "geslacht", "vrouw", 6),
            ("b", "totaal", "totaal", 20), ("b", "geslacht", "man", 5), ("b", "geslacht", "vrouw", 5)]
    df = pd.DataFrame(rows, columns=["regeling", "kenmerk", "categorie", "aantal"])
    found = check(df, None, by="regeling", group="kenmerk", category="categorie", value="aantal", total="totaal")
    assert found.n == 2 and found.values == ["b: geslacht: 10 ≠ 20"] and found.positions == [4, 5]
