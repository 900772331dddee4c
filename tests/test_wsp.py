"""Chapter 4 (regionale werkgeversdienstverlening).

- The synthetic region data reproduce every published count exactly
  (src/spiegel/chapters/wsp/published_2022.yaml), Tabel 5 cell by cell and each figure's n.
- The findings register is complete: every count the chapter registers is named by its text, and
  each count in the text is tied to its own item (the 2022 build printed the e-mail item's count
  for the single phone number).
- The wording follows the data: with region answers changed so that majorities become minorities
  and another item becomes the most named, the sentences and the Belangrijkste bevindingen change
  with them. Edition facts come from params.
- The contracts accept the data and refuse broken input naming dataset, column and rule.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import jinja2.meta
import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from published import reference

from spiegel import fmt
from spiegel.chapter import filled_text
from spiegel.chapters import wsp as ch
from spiegel.chapters.wsp import synth
from spiegel.contracts import format_failures, validate_edition
from spiegel.findings import Count, Figure, Ranking, Register
from spiegel.params import load_params
from spiegel.sdc import SUPPRESSED_MARK
from spiegel.text import ENV

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = reference("wsp_2022")
FINDINGS, TABLES = REFERENCE["findings"], REFERENCE["tables"]
SEED, EDITION = 20220906, 2022

# Published finding id -> the register's id, where the register's name differs: an id may not
# state a conclusion ("bijna_alle", "helft") or an edition fact (a year), and a number counted
# once is registered once.
RENAMED = {
    "uwv_betrokken_aansturing_alle": "uwv_betrokken_aansturing",
    "wto_programmaraad_alle": "wto_programmaraad",
    "brede_doelgroep_alle": "brede_doelgroep",
    "samenwerking_bijna_alle_verbeterd": "samenwerking_verbeterd_totaal",
    "samenwerking_wzd_goed_helft": "samenwerking_wzd_goed",
    "marktbewerkingsplan_2021": "marktbewerkingsplan_peiljaar",
    "functioneel_gescheiden_regios": "regio_functioneel_gescheiden",
    "algemene_bekendheid_voldoende": "mp_bekendheid_voldoende_eens",
}
# Published findings that are no count in the region data, and the test that covers each.
NOT_IN_DATA = {
    "onderzoek_vijftig_regios",                 # read as 35 (test_vijftig_is_read_as_35)
    "verdiepend_onderzoek_regios",              # a later sub-study (footnote), not reported
    "marktbewerkingsplan_max_leeftijd",         # "driekwart jaar": fieldwork timing, not data
    "samenwerking_referentieperiode_maanden",   # the question's look-back (test_look_back_comes_from_params)
    "wethouders_per_regio",                     # a mean (test_gemeenten_per_regio)
    "regio_niet_van_plan_een_telefoon_email",   # the text's reading of Tabel 5 (test_tabel_5_reading_...)
}
APPROX = 0.04  # "de helft": sixteen (or seventeen) of 33


@pytest.fixture(scope="module")
def data(edition):
    return ch.load(edition)


@pytest.fixture(scope="module")
def reg(data):
    return ch.findings(data)


@pytest.fixture(scope="module")
def text(edition, data):
    return "\n\n".join(filled_text(edition, "wsp", data))


# --------------------------------------------------------------------------- published figures


def test_every_finding_is_computed_or_documented(reg):
    missing = [fid for fid in FINDINGS if RENAMED.get(fid, fid) not in reg and fid not in NOT_IN_DATA]
    assert not missing, missing
    assert not set(RENAMED) & NOT_IN_DATA and all(RENAMED[f] in reg for f in RENAMED)


@pytest.mark.parametrize("fid", [f for f in FINDINGS if f not in NOT_IN_DATA])
def test_published_figure_is_reproduced(reg, fid):
    finding, computed = FINDINGS[fid], reg[RENAMED.get(fid, fid)]
    if finding["unit"] == "share":
        assert isinstance(computed, Count), fid
        tol = APPROX if finding.get("approx") else 0.0015
        assert computed.value == pytest.approx(finding["value"], abs=tol), finding["quote"]
    else:
        value = computed.k if isinstance(computed, Count) else computed.value
        assert value == finding["value"], finding["quote"]


def test_vijftig_is_read_as_35(reg):
    assert reg["aantal_arbeidsmarktregios"].value == 35 != FINDINGS["onderzoek_vijftig_regios"]["value"]


def test_gemeenten_per_regio(data, reg):
    assert round(reg["gemeenten_per_regio"].value) == FINDINGS["wethouders_per_regio"]["value"]
    assert data.meta["aantal_gemeenten"].sum() == 352  # Dutch gemeenten in 2021


def test_look_back_comes_from_params(edition):
    years = edition.analysis("wsp")["terugblik_samenwerking_jaren"]
    assert years * 12 == FINDINGS["samenwerking_referentieperiode_maanden"]["value"]


def test_partial_region_is_one_of_the_three_separated(data):
    partial = data.regios[data.regios["enquete"] == "gedeeltelijk"]
    assert len(partial) == 1 and partial["organisatie_wsp"].iloc[0] == "gescheiden"
    survey_items = [c for c in data.regios.columns if c not in ("regio", "enquete", "organisatie_wsp",
                                                                 "gescheiden_visie", "gescheiden_werkgevers_voorkeur")]
    assert partial[survey_items].isna().all(axis=None)
    assert (data.survey["organisatie_wsp"] == "gescheiden").sum() == 2


# --------------------------------------------------------------------------- Tabel 5, cell by cell

CELLS = [(row["label"], col, value) for row in TABLES["tabel_5"]["rows"]
         for col, value in zip(TABLES["tabel_5"]["columns"][1:], row["values"])]


@pytest.mark.parametrize("row, column, printed", CELLS, ids=[f"{r}|{c}" for r, c, _ in CELLS])
def test_tabel_5_cell(data, row, column, printed):
    shown = ch.tabel_5_display(data).set_index("Stand van invoering")
    assert shown.loc[row, column] == printed


def test_tabel_5_reading_phone_region_is_one_of_the_email_regions(data, reg):
    s = data.survey
    phone = set(s.loc[s["vindbaar_telefoon"] == "niet", "regio"])
    mail = set(s.loc[s["vindbaar_email"] == "niet", "regio"])
    assert len(phone) == 1 and len(mail) == 2 and phone <= mail
    assert reg["tabel5_alle_eisen_op_termijn"].k == 34 - len(phone | mail)


# --------------------------------------------------------------------------- figures


def test_figuur_15(data, reg):
    fig = ch.figuur_15(data).set_index("categorie")["aantal"]
    assert reg["figuur15_n"].value == 35 == fig.sum()
    assert fig.iloc[0] + fig.iloc[1] == 23 and fig.iloc[1] == 6 and fig.iloc[2] == 9 and fig.iloc[3] == 3


@pytest.mark.parametrize("name, n_id", [("figuur_16", "figuur16_n"), ("figuur_17", "figuur17_n"),
                                        ("figuur_18", "figuur18_n"), ("figuur_19", "figuur19_n")])
def test_stacked_figures_16_to_19_have_34_regions(data, reg, name, n_id):
    fig = getattr(ch, name)(data)
    assert (fig["n"] == 34).all() and reg[n_id].value == 34
    assert (fig.groupby("stelling")["aantal"].sum() == 34).all()
    assert list(dict.fromkeys(fig["antwoord"])) == ch.scale_labels(name)


def test_figuur_16_closest_partners(reg):
    top = {f.id for f in reg["partners_intensief"].items[:5]}
    assert top == {f"{c}_intensief" for c in ("sam_onderwijs", "sam_wzd_gemeenten", "sam_wzd_uwv", "sam_economie",
                                              "sam_werkgeversorganisaties")}


def test_figuur_17_priorities(reg):
    ranked = [f.id.removesuffix("_hoog") for f in reg["diensten_hoog"].items]
    assert ranked[0] == "prio_corona" and set(ranked[1:3]) == {"prio_matching", "prio_instrumenten"}
    assert reg["basispakket_hoog"].last.id == "prio_arbeidsmarktinfo_hoog"
    assert ranked.index("prio_nieuwe_functies") >= len(ranked) - 2
    labels = ch.statement_order(reg, "diensten_hoog")
    assert labels[0] == ch.statements("diensten")["prio_corona"] and len(labels) == len(ranked)


def test_figuur_18_market_position(reg, edition):
    levels = edition.analysis("wsp")["instemming"]
    assert reg["mp_onderhoud_contacten_score"].value >= levels["eens"]
    assert reg["mp_nieuwe_contacten_score"].value < reg["mp_onderhoud_contacten_score"].value
    assert levels["bijna_eens"] <= reg["mp_positie_verbeterd_score"].value < levels["eens"]
    assert reg["mp_bekendheid_voldoende_eens"].k == 7


def test_figuur_19_qualitative_shortage(reg):
    kw, fit, enough = (reg[f"ab_{c}_eens"].k for c in ("kwalificaties", "werkfit", "voldoende_werkzoekenden"))
    assert kw <= fit < enough


def test_figuur_20(data, reg):
    assert ch.figuur_20(data)["aantal"].tolist() == [28, 6] and reg["figuur20_n"].value == 34


def test_figuur_21_reading_n33(data, reg):
    fig = ch.figuur_21(data).set_index("categorie")["aantal"]
    assert reg["figuur21_n"].value == 33 == fig.sum()
    good = fig["Zeer goed"] + fig["Goed"]
    assert fig["Zeer goed"] == 1 and good == 16 and abs(good / 33 - 0.5) <= APPROX
    assert (reg["samenwerking_wzd_niet_beantwoord"].k, reg["samenwerking_wzd_niet_beantwoord"].n) == (1, 34)


def test_figuur_22(data, reg):
    fig = ch.figuur_22(data)["aantal"].tolist()
    assert fig[0] == 12 and fig[0] + fig[1] == 26 and sum(fig) == 34 and reg["figuur22_n"].value == 34


def test_items_on_one_theme_co_vary(data):
    s = data.survey
    good = s["samenwerking_wsp"] == "zeer_goed"
    joint = s["aansturing"] == "gezamenlijk_mt"
    assert good[joint].mean() > good[~joint].mean()
    both = s["putten_beide"] == "ja"
    assert (s.loc[both, "toegang_vacatures"] == "ja").mean() > (s.loc[~both, "toegang_vacatures"] == "ja").mean()


# --------------------------------------------------------------------------- the register


def test_register_counts_regions_without_disclosure_threshold(reg):
    assert reg.threshold is None and not any(f.suppressed for f in reg)
    c = reg["aansturing_projectleider_naar_mt"]
    assert isinstance(c, Count) and (c.k, c.n) == (1, 2)
    doc = json.loads(reg.to_json())
    assert doc["threshold"] is None and doc["chapter"] == "wsp"


def test_register_round_trips_through_json(reg, tmp_path):
    loaded = Register.load(reg.save(tmp_path))
    assert loaded.summary() == reg.summary()
    assert loaded["tabel5_ingevoerd"].first.label == reg["tabel5_ingevoerd"].first.label


def test_items_are_data_not_python_calls():
    spec = ch.spec()
    ids = [i["id"] for i in spec["counts"]]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
    for item in spec["counts"]:
        assert item["column"] and item["label"] and ("codes" in item or item.get("missing")
                                                     or "codes_from_params" in item), item["id"]


def test_a_params_key_the_items_need_is_named_when_missing(edition, data):
    raw = yaml.safe_load(yaml.safe_dump(edition.raw))
    del raw["analysis"]["wsp"]["peiljaar"]
    changed = dataclasses.replace(data, edition=dataclasses.replace(edition, raw=raw))
    with pytest.raises(KeyError, match=r"analysis: wsp: peiljaar.*2022\.yml"):
        ch.findings(changed)


# --------------------------------------------------------------------------- every count in the text


def _template_names(edition) -> set[str]:
    nb = nbformat.read(str(edition.root / "notebooks" / "04_wsp.ipynb"), as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            names |= jinja2.meta.find_undeclared_variables(ENV.parse(cell.source))
    return names


def test_every_registered_count_is_named_in_the_text(edition, reg):
    """A count registered but never printed is what the 2022 build had for the phone number:
    the sentence printed the e-mail item's count in its place."""
    named = _template_names(edition)
    via_rankings = {f.id for r in reg.of_kind(Ranking) if r.id in named for f in r.items}
    unnamed = [f.id for f in reg.of_kind(Count) if f.id not in named | via_rankings]
    assert not unnamed, f"counts registered but not in the text: {unnamed}"
    from_context = {"params", "bron", "ontwikkeling", "vorige_editie"}
    unknown = sorted(n for n in named if n not in reg and n not in from_context)
    assert not unknown  # every other name is a finding of the register (text.context adds only these)


REQUIREMENTS = {"vindbaar_aanspreekpunt": "één aanspreekpunt met één naam", "vindbaar_telefoon": "één telefoonnummer",
                "vindbaar_website": "één website", "vindbaar_email": "één e-mailadres"}


def _reassign(frame: pd.DataFrame, column: str, counts: dict, among: pd.Series | None = None) -> pd.DataFrame:
    """Give the fully answering regions that answered ``column`` (and are in ``among``) the
    answers ``counts`` (code -> number of regions, in order; the rest keep their answers)."""
    out = frame.copy()
    rows = out.index[(out["enquete"] == "volledig") & out[column].notna() & (True if among is None else among)]
    start = 0
    for code, k in counts.items():
        out.loc[rows[start:start + k], column] = code
        start += k
    return out


@pytest.mark.parametrize("column", list(REQUIREMENTS))
def test_each_tabel_5_requirement_is_printed_with_its_own_count(edition, data, column):
    """Give one requirement a count no other has; the text prints it next to that requirement
    (and the others keep theirs)."""
    frame = _reassign(data.regios, column, {"ingevoerd": 25, "bezig": 9})
    changed = data.with_regios(frame)
    text = "\n".join(filled_text(edition, "wsp", changed)).replace("Eén", "één")  # sentence-initial "één"
    got = ch.findings(changed)
    for col, label in REQUIREMENTS.items():
        k = got[f"tabel5_{col.removeprefix('vindbaar_')}_ingevoerd"].k
        assert k == (25 if col == column else ch.count(data, col, ["ingevoerd"])[0])
        assert re.search(rf"{label}( was)? in {fmt.words(k)}\b", text), (label, k)


def test_each_refused_requirement_is_printed_with_its_own_count(edition, data):
    """The sentence on the regions that will not introduce a requirement names each requirement
    with its own number (2022: phone 1, e-mail 2); with three regions refusing one phone number
    and none one e-mail address, it says so."""
    base = "\n".join(filled_text(edition, "wsp", data))
    assert "één daarvan is ook niet van plan één telefoonnummer in te voeren" in base
    frame = _reassign(data.regios, "vindbaar_email", {"ingevoerd": 32, "bezig": 2})
    frame = _reassign(frame, "vindbaar_telefoon", {"ingevoerd": 28, "bezig": 3, "niet": 3})
    text = "\n".join(filled_text(edition, "wsp", data.with_regios(frame)))
    assert "De uitzondering vormen drie regio's: die zijn niet van plan één telefoonnummer in te voeren." in text
    assert "e-mailadres in te voeren" not in text


# --------------------------------------------------------------------------- the wording follows the data


def _bb(cells: list[str]) -> str:
    return next(c for c in cells if c.startswith("### Belangrijkste bevindingen"))


def _sections(cells: list[str]) -> str:
    return "\n".join(c for c in cells if not c.startswith("### Belangrijkste bevindingen"))


def _improved_minority(d):
    return _reassign(d.regios, "samenwerking_trend", {"verbeterd": 10, "sterk_verbeterd": 2, "gelijk": 20,
                                                      "verslechterd": 2})


def _wzd_majority_good(d):
    return _reassign(d.regios, "samenwerking_wzd", {"zeer_goed": 3, "goed": 25, "neutraal": 5})


def _findability_minority(d):
    return _reassign(d.regios, "vindbaar_aanspreekpunt", {"ingevoerd": 10, "bezig": 24})


def _matching_most_named(d):
    return _reassign(d.regios, "prio_matching", {"hoog": 30, "gemiddeld": 4})


def _matching_least_of_basispakket(d):
    return _reassign(d.regios, "prio_matching", {"hoog": 5, "gemiddeld": 29})


def _both_supplies_minority(d):
    return _reassign(d.regios, "putten_beide", {"ja": 10, "nee": 24})


def _province_most_named(d):
    answered = d.regios["ontbrekende_partner"].notna()
    return _reassign(d.regios, "ontbrekende_partner", {"provincie": 6, "andere_regios": 3, "overig": 9},
                     among=answered)


def _uwv_not_everywhere(d):
    return _reassign(d.regios, "uwv_in_aansturing", {"ja": 30, "nee": 4})


# (name, change, {"bb"/"sections": [(before, after), ...]}): `before` is in the 2022 text and not
# in the changed one, `after` the other way round.
REVERSALS = [
    ("improvement becomes a minority", _improved_minority, {
        "bb": [("volgens eenendertig van de vierendertig regio's is de samenwerking de laatste vijf jaar (sterk) "
                "verbeterd. Optimaal is zij nog niet",
                "maar slechts twaalf van de vierendertig regio's zeggen dat de samenwerking de laatste vijf jaar "
                "is verbeterd, en optimaal is zij niet")],
        "sections": [("Ongeveer negen op de tien regio's (91%) zeggen", "Ruim één op de drie regio's (35%) zeggen"),
                     ("In de overige drie regio's is zij naar eigen zeggen gelijk gebleven.",
                      "In twintig regio's is zij naar eigen zeggen gelijk gebleven en in twee verslechterd.")]}),
    ("cooperation with jobseeker services good in most regions", _wzd_majority_good, {
        "bb": [("is in veel regio's een knelpunt: slechts zestien van de drieëndertig",
                "noemen achtentwintig van de drieëndertig regio's die de vraag beantwoordden goed, maar")],
        "sections": [("Het valt daarom op dat slechts zestien van de drieëndertig regio's",
                      "Volgens achtentwintig van de drieëndertig regio's die de vraag beantwoordden, is de "
                      "samenwerking met de werkzoekendendienstverlening goed"),
                     ("en daarvan één zeer goed", "en daarvan drie zeer goed")]}),
    ("most regions lack one point of contact", _findability_minority, {
        "bb": [("De regio's voldoen grotendeels aan de formele eisen van SUWI",
                "voldoen nog niet de meeste regio's: één aanspreekpunt met één naam is pas in tien van de "
                "vierendertig regio's ingevoerd")],
        "sections": [("#### Regio's voldoen grotendeels aan de eisen van vindbaarheid en toegankelijkheid",
                      "#### Eisen van vindbaarheid en toegankelijkheid in de meeste regio's nog niet ingevoerd"),
                     ("Eén website was in dertig regio's ingevoerd, één aanspreekpunt met één naam in negenentwintig",
                      "één e-mailadres in achtentwintig en één aanspreekpunt met één naam in tien.")]}),
    ("matching becomes the most prioritised service", _matching_most_named, {
        "sections": [("hoge prioriteit, vaker dan enige andere dienst",
                      "; het vaakst krijgt matching van kandidaten op vacatures hoge prioriteit (dertig regio's)")]}),
    ("matching becomes the least prioritised basispakket service", _matching_least_of_basispakket, {
        "sections": [("krijgt informatie over de regionale arbeidsmarkt het minst vaak hoge prioriteit (tien regio's). "
                      "Dat is begrijpelijk",
                      "krijgt matching van kandidaten op vacatures het minst vaak hoge prioriteit (vijf regio's)."),
                     ("De kerntaken uit SUWI krijgen veel prioriteit",
                      "De kerntaken uit SUWI krijgen lang niet overal hoge prioriteit")]}),
    ("drawing on both supplies becomes a minority", _both_supplies_minority, {
        "sections": [("In de meeste regio's (achtentwintig van de vierendertig) putten",
                      "In tien van de vierendertig regio's putten")]}),
    ("the province becomes the most named missing partner", _province_most_named, {
        "sections": [("Het vaakst genoemd zijn de provincie en andere arbeidsmarktregio's of hun "
                      "werkgeversservicepunten (elk vier keer)",
                      "Het vaakst genoemd is de provincie (zes keer), gevolgd door andere arbeidsmarktregio's of "
                      "hun werkgeversservicepunten (drie keer)")]}),
    ("UWV not in every region's steering", _uwv_not_everywhere, {
        "sections": [("UWV is in alle regio's betrokken",
                      "UWV is in de meeste regio's (dertig van de vierendertig) betrokken")]}),
]


@pytest.fixture(scope="module")
def cells_2022(edition, data):
    return filled_text(edition, "wsp", data)


@pytest.mark.parametrize("name, change, expect", REVERSALS, ids=[r[0] for r in REVERSALS])
def test_wording_reverses_with_the_data(edition, data, cells_2022, name, change, expect):
    cells = filled_text(edition, "wsp", data.with_regios(change(data)))
    for part, pairs in expect.items():
        pick = _bb if part == "bb" else _sections
        before, after = pick(cells_2022), pick(cells)
        for old, new in pairs:
            assert old in before, f"{name}: the 2022 {part} lacks {old!r}"
            assert old not in after, f"{name}: the changed {part} still says {old!r}"
            assert new in after, f"{name}: the changed {part} lacks {new!r}"
            assert new not in before


def test_at_least_three_reversals_reach_the_headline_findings():
    assert sum("bb" in expect for _, _, expect in REVERSALS) >= 3


def test_small_counts_are_shown_and_never_suppressed(edition, data):
    """Regions are organisations: a count of one region is printed (no suppression mark), and
    shrinking a group to one region does not stop the build."""
    frame = data.regios.copy()
    lead = frame.index[frame["aansturing"] == "projectleider"]
    planned = frame.loc[lead, "aansturing_plan_gezamenlijk_mt"] == "ja"
    drop = lead[~planned.to_numpy()][0]  # the region without the plan becomes one with its own managers
    frame.loc[drop, ["aansturing", "aansturing_plan_gezamenlijk_mt"]] = ["eigen_organisatie", None]
    changed = data.with_regios(frame)
    got = ch.findings(changed)
    assert (got["aansturing_projectleider"].k, got["aansturing_projectleider_naar_mt"].n) == (1, 1)
    text = "\n".join(filled_text(edition, "wsp", changed))
    assert ("In één van de vierendertig regio's stemt een projectleider of coördinator af tussen de organisaties; "
            "daar is het plan om over te gaan op één gezamenlijk managementteam.") in text
    assert "In eenentwintig regio's worden medewerkers aangestuurd" in text
    assert "niet getoond" not in text and SUPPRESSED_MARK not in text


def test_text_has_no_suppression_mark_and_names_small_counts(text):
    assert "niet getoond" not in text
    assert "In twee van de vierendertig regio's stemt een projectleider" in text
    assert "in één van de twee is het plan" in text
    assert "werken in twee van de vierendertig regio's mee" in text


# --------------------------------------------------------------------------- edition facts from params


def test_edition_facts_in_the_text_come_from_params(edition, data, text):
    assert "per 1 januari 2021 mag" in text and "verschenen in november 2021" in text
    assert "uit 2021, en was het bij de uitvraag dus nog geen jaar oud" in text
    raw = yaml.safe_load(yaml.safe_dump(edition.raw))
    raw["analysis"]["wsp"].update(besluit_suwi_wijziging="1 juli 2022", wto_programmaraad_resultaten="2022-03",
                                  peiljaar=2020, terugblik_samenwerking_jaren=3, onderzoek_jaren=[2022, 2023])
    other = dataclasses.replace(edition, raw=raw)
    changed = "\n\n".join(filled_text(other, "wsp", dataclasses.replace(data, edition=other)))
    assert "per 1 juli 2022 mag" in changed and "verschenen in maart 2022" in changed
    assert "in 2022 en 2023 doet" in changed and "de laatste drie jaar (sterk) verbeterd" in changed
    # plans from 2020: four of the 24 (a minority, so the wording changes too)
    assert "en in slechts vier van de vierentwintig regio's met een plan dateert het meest recente plan uit 2020" \
        in changed
    assert "1 januari 2021" not in changed and "november 2021" not in changed.replace("eind november 2021", "")


# --------------------------------------------------------------------------- generator


def test_generator_is_deterministic_and_seed_dependent():
    a, b = synth.wsp_regios(SEED, EDITION), synth.wsp_regios(SEED, EDITION)
    pd.testing.assert_frame_equal(a, b)
    other = synth.wsp_regios(SEED + 1, EDITION)
    assert not other.equals(a)
    for column in ("organisatie_wsp", "aansturing", "samenwerking_wzd", "vindbaar_email"):
        assert other[column].value_counts().equals(a[column].value_counts()) or \
            sorted(other[column].value_counts()) == sorted(a[column].value_counts())


def test_assign_refuses_counts_that_do_not_add_up():
    with pytest.raises(ValueError, match="add up"):
        synth.assign(np.zeros(3), {"ja": 1, "nee": 1}, np.ones(3, dtype=bool))


def test_generator_is_registered_for_both_sources():
    from spiegel.synth import GENERATORS

    assert GENERATORS["wsp_regios"] is synth.wsp_regios
    assert GENERATORS["wsp_regio_metadata"] is synth.wsp_regio_metadata


# --------------------------------------------------------------------------- contracts

SOURCES = ("wsp_regios", "wsp_regio_metadata")


@pytest.fixture
def project(tmp_path, edition):
    """A temporary project with the two sources of the chapter, valid to start with."""
    shutil.copytree(ROOT / "data_contracts", tmp_path / "data_contracts")
    shutil.copytree(ROOT / "book", tmp_path / "book")  # the params name the pages around the chapters
    raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text(encoding="utf-8"))
    raw["sources"] = {s: {**raw["sources"][s], "file": f"data/{s}.csv"} for s in SOURCES}
    raw["chapters"] = []
    raw.pop("analysis", None)  # analysis choices belong to listed chapters only
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "2022.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (tmp_path / "data").mkdir()
    for s in SOURCES:
        shutil.copy(edition.sources[s].path, tmp_path / "data" / f"{s}.csv")
    return tmp_path


def _validate(project, sid):
    return validate_edition(load_params(project / "params" / "2022.yml"), [sid, *[s for s in SOURCES if s != sid]])


def test_valid_data_passes(project):
    result = _validate(project, "wsp_regios")
    assert result.ok, format_failures(result)
    rules = {r.rule for r in result.sources[0].rules}
    assert {"expect_column_values_to_be_unique", "expect_table_row_count_to_equal",
            "expect_column_distinct_values_to_equal_set", "custom:references"} <= rules


def _write(project, sid, df):
    path = project / "data" / f"{sid}.csv"
    if df is None:
        path.write_bytes(b"")
    else:
        df.to_csv(path, index=False)


def _frame(project, sid):
    return pd.read_csv(project / "data" / f"{sid}.csv", dtype=str, keep_default_na=False)


BROKEN = [
    # (source, mutate, rule, column)
    ("wsp_regios", lambda d: pd.concat([d, d.head(1)]), "expect_column_values_to_be_unique", "regio"),
    ("wsp_regios", lambda d: pd.concat([d, d.head(1)]), "expect_table_row_count_to_equal", "(table)"),
    ("wsp_regios", lambda d: d.iloc[1:], "expect_column_distinct_values_to_equal_set", "regio"),
    ("wsp_regios", lambda d: d.iloc[1:], "expect_table_row_count_to_equal", "(table)"),
    ("wsp_regios", lambda d: d.assign(regio=d["regio"].replace({"Twente": "Twenthe"})),
     "expect_column_values_to_be_in_set", "regio"),
    ("wsp_regios", lambda d: d.assign(regio=d["regio"].replace({"Twente": "Twenthe"})), "custom:references", "regio"),
    ("wsp_regios", lambda d: d.assign(aansturing=d["aansturing"].replace({"projectleider": "kwartiermaker"})),
     "expect_column_values_to_be_in_set", "aansturing"),
    ("wsp_regios", lambda d: d.drop(columns=["samenwerking_wzd"]), "expect_table_columns_to_match_set", "(table)"),
    ("wsp_regios", lambda d: d.drop(columns=["samenwerking_wzd"]), "expect_column_values_to_be_in_set",
     "samenwerking_wzd"),
    ("wsp_regios", None, "file_readable", "(file)"),
    ("wsp_regio_metadata", lambda d: pd.concat([d, d.tail(1)]), "expect_column_values_to_be_unique", "regio"),
    ("wsp_regio_metadata", lambda d: d.iloc[:-1], "expect_column_distinct_values_to_equal_set", "regio"),
    ("wsp_regio_metadata", lambda d: d.drop(columns=["centrumgemeente"]), "expect_table_columns_to_match_set",
     "(table)"),
    ("wsp_regio_metadata", lambda d: d.assign(aantal_gemeenten="veel"), "expect_column_values_to_be_in_type_list",
     "aantal_gemeenten"),
    ("wsp_regio_metadata", None, "file_readable", "(file)"),
]


@pytest.mark.parametrize("sid, mutate, rule, column", BROKEN,
                         ids=[f"{b[0]}-{b[2].replace('expect_', '')}-{b[3]}-{i}" for i, b in enumerate(BROKEN)])
def test_broken_input_is_refused_naming_dataset_column_rule(project, sid, mutate, rule, column):
    _write(project, sid, None if mutate is None else mutate(_frame(project, sid)))
    result = _validate(project, sid)
    assert not result.ok
    hits = [f for f in result.failures if f.dataset == sid and f.rule == rule and f.column == column]
    assert hits, format_failures(result)
    assert f"dataset '{sid}', column '{column}', rule {rule}" in format_failures(result)
