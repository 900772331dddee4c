"""Chapter 6 (Tozo).

- The synthetic survey reproduces the published 2022 figures of chapter 6 within 3 percentage
  points (src/spiegel/chapters/tozo/published_2022.yaml), and the wording of the vague ones
  ("grote meerderheid", "een minderheid", "nog minder").
- The register: comparisons name the test and design used; the periods of the regulation come
  from the reference table; cited figures name their study.
- The wording follows the data: answers changed so that a result reverses change the sentences
  and the Belangrijkste bevindingen; a group below the disclosure threshold is suppressed in the
  sentence with its reason.
- The figures are numbered after those of the chapters before this one (the book's continuous
  numbering), whatever those chapters are.
- The contracts accept the data and refuse broken input naming dataset, column and rule; the
  free-text rules stop the build on a name, e-mail address, phone number, IBAN or BSN in an open
  answer, naming the rows and never the matched text; no open answer reaches any output.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
import yaml
from published import TOLERANCE, reference

from spiegel.chapters import tozo as ch
from spiegel.contracts import format_failures, validate_edition, write_reports
from spiegel.findings import Comparison, Count, Figure
from spiegel.params import load_params
from spiegel.stats import CLUSTERED, INDEPENDENT

ROOT = Path(__file__).resolve().parents[1]
FINDINGS = reference("tozo_2022")["findings"]
NOTEBOOK = ROOT / "notebooks" / "06_tozo.ipynb"

# Published finding id -> the register's id.
RENAMED = {
    "tozo_gehoord_via_nationale_campagne": "gehoord_via_campagne",
    "tozo_gehoord_via_gemeente": "gehoord_via_gemeente",
    "tozo_kent_ondernemers_zonder_aanvraag": "kent_niet_aanvragers",
    "tozo_gemeenten_geen_zicht_niet_aanvragers": "gemeenten_geen_zicht_niet_aanvragers",
    "tozo_aanvraag_grote_stap": "aanvraag_grote_stap",
    "tozo_positief_toegankelijkheid": "informatie_duidelijk",
    "tozo_informatie_gemeente_duidelijk": "informatie_duidelijk",
    "tozo_aanlevering_gegevens_niet_moeilijk": "aanlevering_niet_zwaar",
    "tozo_inkomen_achteruit": "inkomen_veel_achteruit",
    "tozo_kan_niet_rondkomen": "kan_niet_rondkomen",
    "tozo_rondkomen_moeilijk": "rondkomen_moeilijk",
    "tozo_verdere_hulp_financien_gezocht": "verdere_hulp_gezocht",
    "tozo_nieuwe_schulden": "nieuwe_schulden",
    "tozo_schuldregeling_gekregen": "schuldregeling_gekregen",
    "tozo_advies_financiele_regeling": "advies_financiele_regeling",
    "tozo_aanbod_budgetcoaching": "aanbod_budgetcoaching",
    "tozo_geen_hulp_zelf_oplossen": "reden_zelf_oplossen",
    "tozo_geen_hulp_niet_in_aanmerking": "reden_niet_in_aanmerking",
    "tozo_geen_hulp_slechte_ervaring_gemeente": "reden_slechte_ervaring",
    "tozo_bekend_minimaregelingen": "bekend_minimaregelingen",
    "tozo_bekend_tonk": "bekend_tonk",
    "tozo_bekend_heroriëntatie": "bekend_herorientatie",
    "tozo_behoefte_heroriëntatie": "behoefte_herorientatie",
    "tozo_heroriëntatie_niet_nodig": "onderneming_levensvatbaar",
    "tozo_onderneming_weer_levensvatbaar": "onderneming_levensvatbaar",
    "tozo_heroriëntatie_concrete_hulp": "herorientatie_concrete_hulp",
    "tozo_heroriëntatie_alleen_inventarisatiegesprek": "herorientatie_alleen_gesprek",
    "tozo_heroriëntatie_geen_actie": "herorientatie_geen_actie",
    "tozo_behandeling_respectvol": "behandeling_respectvol",
    "tozo_afspraken_nagekomen": "afspraken_nagekomen",
    "tozo_uitkering_vast_moment": "uitkering_vast_moment",
    "tozo_snelle_reacties": "snelle_reacties",
    "tozo_voldoende_contactmogelijkheden": "voldoende_contact",
    "tozo_aandacht_persoonlijke_omstandigheden": "aandacht_persoonlijk",
    "tozo_gemeente_doet_best": "gemeente_doet_best",
    "tozo_gemeente_expertise_in_huis": "gemeente_expertise",
    "tozo_verrekening_correct": "verrekening_correct",
    "tozo_terugvordering_gehad": "terugvordering_gehad",
    "tozo_terugvordering_verwacht": "terugvordering_verwacht",
    "tozo_maandinkomen_berekenen_lastig": "maandinkomen_lastig",
    "tozo_goed_geinformeerd_plichten": "goed_geinformeerd_plichten",
    "tozo_oordeel_voldoende": "oordeel_voldoende",
    "tozo_oordeel_minstens_8": "oordeel_hoog",
    "tozo_oordeel_onvoldoende": "oordeel_onvoldoende",
    "tozo_aantal_periodes": "aantal_tozo_periodes",
    "tozo_aantal_eerdere_onderzoeken_hulp_vragen": "eerdere_onderzoeken_hulp_vragen",
}
# Published findings stated only in words (value null): how the computed share must lie.
ABOVE_HALF = {"tozo_gehoord_via_nationale_campagne", "tozo_positief_toegankelijkheid", "tozo_inkomen_achteruit",
              "tozo_heroriëntatie_niet_nodig", "tozo_gemeente_doet_best", "tozo_verrekening_correct",
              "tozo_goed_geinformeerd_plichten", "tozo_heroriëntatie_geen_actie"}
BELOW_HALF = {"tozo_aandacht_persoonlijke_omstandigheden"}
SMALL = {"tozo_geen_hulp_slechte_ervaring_gemeente": 0.2, "tozo_behoefte_heroriëntatie": 0.2}
RELATIVE = {"tozo_bekend_tonk": "cmp_tonk_minimaregelingen", "tozo_gemeente_expertise_in_huis": "cmp_expertise_best"}


@pytest.fixture(scope="module")
def scoped(edition):
    return edition.for_chapter("tozo")


@pytest.fixture(scope="module")
def data(scoped):
    return ch.load(scoped)


@pytest.fixture(scope="module")
def reg(data):
    return ch.findings(data)


# --------------------------------------------------------------------------- published figures


def test_every_published_finding_is_mapped(reg):
    missing = [f for f in FINDINGS if f not in RENAMED and f != "tozo_onvoldoende_grens"]
    assert not missing, missing
    assert all(RENAMED[f] in reg for f in RENAMED)


NUMERIC = [f for f, v in FINDINGS.items() if v["unit"] == "share" and v["value"] is not None]


@pytest.mark.parametrize("fid", NUMERIC)
def test_published_share_is_reproduced_within_3_points(reg, fid):
    published, computed = FINDINGS[fid], reg[RENAMED[fid]]
    value = round(computed.value, 2)
    assert abs(value - published["value"]) <= TOLERANCE + 1e-9, (fid, value, published["quote"])
    quote = published["quote"].lower()
    at_most = "bijna" in quote or "niet meer dan" in quote
    if ("ruim" in quote or "meer dan" in quote) and not at_most:
        assert value >= published["value"] - 1e-9, (fid, value, quote)
    if at_most:
        assert value <= published["value"] + 1e-9, (fid, value, quote)


@pytest.mark.parametrize("fid", sorted(ABOVE_HALF | BELOW_HALF | set(SMALL) | set(RELATIVE)))
def test_published_wording_holds(reg, fid):
    computed = reg[RENAMED[fid]]
    if fid in ABOVE_HALF:
        assert computed.value > 0.5
    elif fid in BELOW_HALF:
        assert computed.value < 0.5
    elif fid in SMALL:
        assert computed.value < SMALL[fid]
    else:
        cmp = reg[RELATIVE[fid]]
        assert cmp.significant and cmp.direction == "lower" and cmp.a.id == RENAMED[fid]


def test_counts_and_the_pass_mark(reg, scoped):
    assert reg["aantal_tozo_periodes"].k == FINDINGS["tozo_aantal_periodes"]["value"]
    assert reg["eerdere_onderzoeken_hulp_vragen"].value == 2
    assert ch.grade_bound(scoped, "voldoende_vanaf") - 1 == FINDINGS["tozo_onvoldoende_grens"]["value"]
    assert reg["oordeel_onvoldoende"].value + reg["oordeel_voldoende"].value == pytest.approx(1.0)


def test_regulation_periods_come_from_the_reference_table(data, reg):
    table = ch.tabel_regelingen(data)
    assert table["Periode"].tolist() == ["Tozo 1", "Tozo 2", "Tozo 3", "Tozo 4", "Tozo 5", "Bbz-light"]
    assert table.iloc[0]["Van"] == "maart 2020" and table.iloc[-1]["Tot"] == "april 2022"
    assert (reg["periodes_partnertoets"].k, reg["periodes_partnertoets"].n) == (4, 5)
    assert reg["periodes_vermogenstoets"].k == 0
    # The table follows its data: give Tozo 1 a partner test and the count moves.
    changed = data.regelingen.assign(partnerinkomenstoets=lambda d: d["partnerinkomenstoets"].replace({"nee": "ja"}))
    other = ch.findings(ch.Data(data.edition, data.klanten, changed))
    assert other["periodes_partnertoets"].k == 5


# --------------------------------------------------------------------------- the register


def test_comparisons_name_their_test_and_design(reg):
    paired = reg["cmp_expertise_best"]
    assert paired.design == CLUSTERED and paired.test.startswith("cluster-robust")
    groups = reg["cmp_rondkomen_uurtarief"]
    assert groups.design == INDEPENDENT and groups.test == "z-test proportions (pooled)"
    cited = reg["cmp_voldoende_2018"]
    assert cited.design == INDEPENDENT and cited.b.source.startswith("Nederlandse Arbeidsinspectie, Zzp'ers")
    assert cited.b.wave == 2018


def test_higher_hourly_rates_make_ends_meet_less_often(data, reg):
    c = reg["cmp_rondkomen_uurtarief"]
    assert c.significant and c.direction == "higher"
    fig = ch.figuur_rondkomen(data)
    niet = fig[fig["antwoord"] == "Niet"].set_index("stelling")["aandeel"]
    assert niet.iloc[-1] > niet.iloc[0]
    assert fig.groupby("stelling")["aandeel"].sum().round(6).eq(1).all()


def test_cited_figures_name_their_study(reg):
    for fid in ("gemeenten_geen_zicht_niet_aanvragers", "zzp_bereid_helpen_2018"):
        f = reg[fid]
        assert isinstance(f, Figure) and f.source.startswith("Nederlandse Arbeidsinspectie,")
    assert reg["gemeenten_geen_zicht_niet_aanvragers"].wave == 2020


def test_grade_distribution_and_themes(data, reg):
    grades = ch.figuur_cijfer(data)
    assert grades["cijfer"].tolist() == [str(m) for m in range(1, 11)]
    assert grades["aandeel"].sum() == pytest.approx(1.0)
    low = grades[grades["cijfer"].isin(ch.onvoldoende_grades(data))]["aandeel"].sum()
    assert low == pytest.approx(reg["oordeel_onvoldoende"].value)
    themes = ch.figuur_verbeterpunten(data)
    assert set(themes["thema"]) == set(ch.THEMES.values())
    assert themes["aandeel"].is_monotonic_decreasing
    assert reg["rank_themas"].first.label == themes["thema"].iloc[0]
    assert reg["n_verbeterpunten"].value == themes["n"].iloc[0]


def test_the_open_answers_are_not_in_the_chapter_data(data):
    assert ch.FREE_TEXT not in data.klanten.columns
    assert ch.FREE_TEXT not in data.with_klanten(pd.read_csv(data.edition.sources["tozo_klanten"].path)).klanten


def test_register_is_complete_and_round_trips(reg, tmp_path):
    from spiegel.findings import Register

    loaded = Register.load(reg.save(tmp_path / "tozo.json"))
    assert loaded.summary() == reg.summary()
    assert json.loads(reg.to_json())["threshold"] == 10


def test_a_missing_params_choice_is_named(data, scoped):
    import copy
    import dataclasses

    raw = copy.deepcopy(scoped.raw)
    del raw["analysis"]["tozo"]["uurtarief_hoog"]
    changed = dataclasses.replace(data, edition=dataclasses.replace(scoped, raw=raw))
    with pytest.raises(Exception, match=r"analysis\.tozo\.uurtarief_hoog"):
        ch.findings(changed)


# --------------------------------------------------------------------------- contracts

SOURCES = ("tozo_klanten", "tozo_regelingen")


@pytest.fixture
def project(tmp_path, edition):
    """A temporary project with the chapter's two sources, valid to start with."""
    shutil.copytree(ROOT / "data_contracts", tmp_path / "data_contracts")
    shutil.copytree(ROOT / "book", tmp_path / "book")  # the params name the pages around the chapters
    raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text(encoding="utf-8"))
    raw["sources"] = {s: {**raw["sources"][s], "file": f"data/{s}.csv"} for s in SOURCES}
    raw["chapters"] = []
    raw.pop("analysis", None)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "2022.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    (tmp_path / "data").mkdir()
    for s in SOURCES:
        shutil.copy(edition.sources[s].path, tmp_path / "data" / f"{s}.csv")
    return tmp_path


def _validate(project, sid="tozo_klanten"):
    return validate_edition(load_params(project / "params" / "2022.yml"), [sid])


def _frame(project, sid="tozo_klanten"):
    return pd.read_csv(project / "data" / f"{sid}.csv", dtype=str, keep_default_na=False)


def _write(project, df, sid="tozo_klanten"):
    df.to_csv(project / "data" / f"{sid}.csv", index=False)


def test_valid_data_passes(project):
    for sid in SOURCES:
        result = _validate(project, sid)
        assert result.ok, format_failures(result)
    rules = {r.rule_name for r in _validate(project).sources[0].rules}
    assert {"no e-mail address in an open answer", "no phone number in an open answer",
            "no BSN (nine digits passing the 11-proef) in an open answer"} <= rules


BROKEN = [
    ("tozo_klanten", lambda d: d.assign(rondkomen=d["rondkomen"].replace({"niet": "nooit"})),
     "expect_column_values_to_be_in_set", "rondkomen"),
    ("tozo_klanten", lambda d: d.assign(cijfer=d["cijfer"].replace({"7": "11"})),
     "expect_column_values_to_be_between", "cijfer"),
    ("tozo_klanten", lambda d: d.assign(advies_regeling=np.where(d["verdere_hulp"] == "nee", "ja", d["advies_regeling"])),
     "expect_column_values_to_be_null", "advies_regeling"),
    ("tozo_klanten", lambda d: pd.concat([d, d.head(1)]), "expect_column_values_to_be_unique", "resp_id"),
    ("tozo_klanten", lambda d: d.drop(columns=["thema_maatwerk"]), "expect_table_columns_to_match_set", "(table)"),
    ("tozo_regelingen", lambda d: d.assign(tot=d["tot"].replace({"2020-10": "2020-11"})),
     "custom:periods_follow_on", "(table)"),
    ("tozo_regelingen", lambda d: d.assign(van=d["van"].replace({"2021-07": "2021-08"}), tot=d["tot"]),
     "custom:periods_follow_on", "(table)"),
    ("tozo_regelingen", lambda d: d.assign(tot=d["tot"].replace({"2020-06": "2020-02"})),
     "expect_column_pair_values_a_to_be_greater_than_b", "tot, van"),
    ("tozo_regelingen", lambda d: d.assign(vermogenstoets=d["vermogenstoets"].replace({"nee": "soms"})),
     "expect_column_values_to_be_in_set", "vermogenstoets"),
]


@pytest.mark.parametrize("sid, mutate, rule, column", BROKEN, ids=[f"{b[0]}-{b[2]}-{i}" for i, b in enumerate(BROKEN)])
def test_broken_input_is_refused_naming_dataset_column_rule(project, sid, mutate, rule, column):
    _write(project, mutate(_frame(project, sid)), sid)
    result = _validate(project, sid)
    assert not result.ok
    hits = [f for f in result.failures if f.dataset == sid and f.rule == rule and f.column == column]
    assert hits, format_failures(result)
    assert f"dataset '{sid}', column '{column}', rule {rule}" in format_failures(result)


# Open answers with personal data, per kind: the text, and what may never be printed of it.
LEAKS = {
    "email": ("Mail mij gerust: p.de.boer@voorbeeld.nl", "p.de.boer@voorbeeld.nl"),
    "phone": ("Bel mij terug op 06-23456789 alstublieft", "06-23456789"),
    "iban": ("Stort het terug op NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00"),
    "bsn": ("Mijn burgerservicenummer is 111222333", "111222333"),
    "name": ("De hulp van mevrouw Zwartkruis was top", "Zwartkruis"),
}
RULE = {"email": "e-mail address", "phone": "phone number", "iban": "IBAN", "bsn": "BSN", "name": "person's name"}


@pytest.mark.parametrize("kind", list(LEAKS))
def test_personal_data_in_an_open_answer_stops_the_build_naming_rows_not_text(project, kind, tmp_path):
    text, secret = LEAKS[kind]
    frame = _frame(project)
    rows = [3, 17]  # data rows (0-based): file lines 5 and 19
    frame.loc[rows, "verbeterpunt"] = text
    _write(project, frame)
    result = _validate(project)
    assert not result.ok
    failed = [f for f in result.failures if f.column == "verbeterpunt" and f.rule == "custom:no_personal_data"
              and RULE[kind] in f.rule_name]
    assert len(failed) == 1, format_failures(result)
    f = failed[0]
    assert f.offending == 2 and f.rows == [5, 19] and f.values == []
    line = format_failures(result)
    assert "dataset 'tozo_klanten', column 'verbeterpunt', rule custom:no_personal_data" in line
    assert "lines 5, 19" in line and "values not shown: free-text column" in line
    paths = write_reports(result, tmp_path / "report")
    for out in [line, *(p.read_text("utf-8") for p in paths.values())]:
        assert secret not in out and text not in out


def test_only_the_kind_present_fails(project):
    frame = _frame(project)
    frame.loc[5, "verbeterpunt"] = "Bel 020 123 4567, mijn ordernummer is 123456789 en rekening NL91ABNA0417164301"
    _write(project, frame)
    failed = {f.rule_name for f in _validate(project).failures}
    assert failed == {"no phone number in an open answer"}


def test_any_rule_on_the_free_text_column_hides_its_values(project):
    frame = _frame(project)
    long = "Veel te lang antwoord " * 120
    frame.loc[2, "verbeterpunt"] = long
    _write(project, frame)
    result = _validate(project)
    failed = [f for f in result.failures if f.column == "verbeterpunt"]
    assert [f.rule for f in failed] == ["expect_column_value_lengths_to_be_between"]
    assert failed[0].values == [] and "free-text column" in failed[0].message
    assert long.strip() not in format_failures(result) and "Veel te lang" not in format_failures(result)


def test_synthetic_open_answers_pass_every_personal_data_rule(edition):
    result = validate_edition(edition, ["tozo_klanten"])
    rules = [r for r in result.sources[0].rules if r.rule == "custom:no_personal_data"]
    assert len(rules) == 5 and all(r.ok for r in rules)
    answers = pd.read_csv(edition.sources["tozo_klanten"].path)["verbeterpunt"].dropna()
    assert len(answers) > 300


# --------------------------------------------------------------------------- the wording follows the data


@pytest.fixture(scope="module")
def text(scoped, data):
    from spiegel.chapter import filled_text

    return filled_text(scoped, "tozo", data)


def _changed(scoped, data, change):
    from spiegel.chapter import filled_text

    frame = data.klanten.copy()
    change(frame)
    return filled_text(scoped, "tozo", data.with_klanten(frame))


def _bb(cells):
    return next(c for c in cells if c.startswith("### Belangrijkste bevindingen"))


def _sections(cells):
    return "\n".join(c for c in cells if not c.startswith("### Belangrijkste bevindingen"))


def _low_rates_struggle(k):
    high = k["uurtarief"].isin(["50_75", "75_plus"])
    k.loc[high, "rondkomen"] = "redelijk"


def _tonk_known_to_all(k):
    k["bekend_tonk"] = "ja"


def _expertise_as_effort(k):
    k["expertise"] = k["doet_best"]


def _worse_grades_than_2018(k):
    k["cijfer"] = np.where(k.index % 2 == 0, 4, k["cijfer"])


def _able_to_help_rare(k):
    k["in_staat_helpen"] = "oneens"


def _access_unclear(k):
    k["info_duidelijk"] = np.where(k.index % 3 == 0, "eens", "oneens")


# (name, change, [(in the 2022 text, not after)], [(after, not before)], in the Belangrijkste bevindingen too)
REVERSALS = [
    ("higher hourly rates no longer struggle more", _low_rates_struggle,
     ["Dat gold vooral voor ondernemers die een relatief hoog uurtarief gewend waren"],
     ["Ondernemers met een relatief hoog uurtarief kwamen juist minder vaak moeilijk of niet rond"], False),
    ("the TONK is better known than the minima schemes", _tonk_known_to_all,
     ["de TONK nog minder ondernemers", "de TONK kennen nog minder ondernemers"],
     ["de TONK is beter bekend (100%)", "100% de TONK"], True),
    ("expertise judged as well as effort", _expertise_as_effort,
     ["maar zijn minder te spreken over haar deskundigheid", "blijft daar duidelijk bij achter"],
     ["dat zij de nodige deskundigheid over ondernemen heeft", "denkt dat zij de nodige deskundigheid in huis heeft"],
     True),
    ("grades worse than the zzp'ers' of 2018", _worse_grades_than_2018,
     ["valt op dat dit oordeel gunstiger is dan dat van zzp'ers"],
     ["ongunstiger dan dat van zzp'ers voor de crisis"], False),
    ("gemeenten less able to help than in 2018", _able_to_help_rare,
     ["vinden ondernemers nu vaker dat gemeenten niet alleen bereid zijn"],
     ["over hun vermogen dat te doen ongunstiger"], False),
    ("information unclear for most", _access_unclear,
     ["De meeste ondernemers die de Tozo ontvingen, zijn tevreden over de toegang",
      "Over de toegankelijkheid zelf is de meerderheid positief."],
     ["Over de toegang tot de regeling is een flink deel van de ondernemers niet tevreden",
      "Over de toegankelijkheid zelf is een meerderheid niet positief."], True),
]


@pytest.mark.parametrize("name, change, before, after, in_bb", REVERSALS, ids=[r[0] for r in REVERSALS])
def test_wording_reverses_with_the_data(scoped, data, text, name, change, before, after, in_bb):
    changed = _changed(scoped, data, change)
    old, new = "\n".join(text), "\n".join(changed)
    for phrase in before:
        assert phrase in old, (name, phrase)
        assert phrase not in new, (name, phrase)
    for phrase in after:
        assert phrase in new, (name, phrase)
        assert phrase not in old, (name, phrase)
    if in_bb:
        assert any(p in _bb(text) for p in before) and any(p in _bb(changed) for p in after)
        assert _bb(text) != _bb(changed)


def test_a_small_group_is_suppressed_in_the_sentence_not_printed(scoped, data, text):
    """Only five respondents sought further financial help: the shares among them are not
    shown, the sentence says why, and the build does not stop."""
    def few_asked(k):
        asked = k.index[k["verdere_hulp"] == "ja"]
        stop = asked[5:]
        k.loc[stop, "verdere_hulp"] = "nee"
        k.loc[stop, ["aanbod_schuldregeling", "advies_regeling", "aanbod_budgetcoaching"]] = None
        for col in ("reden_zelf_oplossen", "reden_niet_in_aanmerking", "reden_slechte_ervaring",
                    "reden_moeilijk_praten", "reden_eigen_middelen"):
            k.loc[stop, col] = "nee"

    changed = _changed(scoped, data, few_asked)
    section = next(c for c in changed if c.startswith("## Gebruik van verdere hulp"))
    assert "Wel kreeg – (niet getoond: minder dan 10 waarnemingen) van hen het advies" in section
    assert "nog niemand van de hulpvragers" not in section
    old = next(c for c in text if c.startswith("## Gebruik van verdere hulp"))
    assert "Wel kreeg 53% van hen het advies" in old and "nog niemand van de hulpvragers" in old


# --------------------------------------------------------------------------- numbering in the book


def _floats(edition):
    from spiegel.render.book import _chapters, number_floats

    executed = {c.id: c.notebook for c in edition.chapters}  # the committed notebooks carry their outputs
    chapters = _chapters(edition, executed)
    return chapters, number_floats(chapters)


def _labels(notebook: Path, kind: str) -> list[str]:
    nb = nbformat.read(str(notebook), as_version=4)
    return [m.group(1) for c in nb.cells if c.cell_type == "code"
            for m in re.finditer(rf"^#\| label: ({kind}-[\w-]+)", c.source, re.M)]


def test_figures_and_tables_are_numbered_after_the_chapters_before(edition):
    """Relative to whatever chapters precede chapter 6 (on this branch 2-4; with chapter 5 merged,
    its Figuur 23-25 come first): the tozo figures continue the count."""
    chapters, registry = _floats(edition)
    assert [c.number for c in chapters] == sorted(c.number for c in chapters)
    before = [c for c in edition.chapters if c.number < 6]
    for kind in ("fig", "tbl"):
        preceding = sum(len(_labels(c.notebook, kind)) for c in before)
        mine = _labels(NOTEBOOK, kind)
        assert mine, kind
        assert [registry[label]["number"] for label in mine] == list(range(preceding + 1, preceding + 1 + len(mine)))
        assert all(registry[label]["chapter"] == "tozo" for label in mine)


def test_a_chapter_5_listed_after_chapter_6_is_numbered_before_it(edition, tmp_path):
    """The other new chapter (5) may end up after this one in the params' list when both are
    merged: the book orders by chapter number, so chapter 5's figures come first."""
    from dataclasses import replace as dc_replace
    from types import SimpleNamespace

    wsp = next(c for c in edition.chapters if c.id == "wsp")
    source = nbformat.read(str(wsp.notebook), as_version=4)
    for cell in source.cells:
        cell.source = cell.source.replace("fig-wsp-", "fig-vijf-").replace("tbl-wsp-", "tbl-vijf-")
    fake = tmp_path / "05_vijf.ipynb"
    nbformat.write(source, str(fake))
    five = dc_replace(wsp, id="vijf", number=5, notebook=fake)
    listed = [*edition.chapters, five]  # chapter 5 last in the list
    assert listed.index(five) > [c.id for c in listed].index("tozo")
    chapters, registry = _floats(SimpleNamespace(chapters=listed, edition=edition.edition))
    assert [c.id for c in chapters][-2:] == ["vijf", "tozo"]
    first_tozo = _labels(NOTEBOOK, "fig")[0]
    last_five = _labels(fake, "fig")[-1]
    assert registry[first_tozo]["number"] == registry[last_five]["number"] + 1


# --------------------------------------------------------------------------- no open answer in any output


def _open_answers(edition) -> list[str]:
    answers = pd.read_csv(edition.sources["tozo_klanten"].path)["verbeterpunt"].dropna()
    phrasings = {p.strip() for a in answers for p in re.split(r"(?<=[.!?])\s+", a) if len(p.strip()) > 15}
    return sorted(set(answers) | phrasings)


def test_no_open_answer_in_the_stored_notebook_or_its_text(edition, text):
    answers = _open_answers(edition)
    assert len(answers) > 30
    nb = nbformat.read(str(NOTEBOOK), as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    prose = "\n".join(text) + "\n".join(c.source for c in nb.cells)
    leaked = [a for a in answers if a in outputs or a in prose]
    assert not leaked, leaked[:3]
