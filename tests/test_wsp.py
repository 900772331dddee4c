"""Chapter 4 (regionale werkgeversdienstverlening): the synthetic region data reproduce every
published count exactly (tests/reference/wsp_2022.yaml), Tabel 5 cell by cell and each figure's n;
the contracts accept the data and refuse broken input naming dataset, column and rule.

Readings of the 2022 text's inconsistencies (also in chapters/wsp.py and synth/wsp_2022.yml):
- 4.1 "vijftig regio's" -> 35 arbeidsmarktregio's.
- three functionally separated regions, but only one answered in part -> n = 34.
- Tabel 5 over the text: 1 region without one phone number, 2 without one e-mail address.
- Figuur 21 n = 33; "de helft van de vierendertig" read as sixteen of 33.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from spiegel.chapters import wsp as ch
from spiegel.contracts import format_failures, validate_edition
from spiegel.params import load_params
from spiegel.synth import wsp as synth

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = yaml.safe_load((Path(__file__).parent / "reference" / "wsp_2022.yaml").read_text("utf-8"))
FINDINGS = {f["id"]: f for f in REFERENCE["findings"]}
TABEL_5 = next(t for t in REFERENCE["tables"] if t["id"] == "tabel_5")
SEED, EDITION = 20220906, 2022

# Findings that are no count in the region data, and why.
NOT_IN_DATA = {
    "onderzoek_vijftig_regios",                 # read as 35 (see test_vijftig_is_read_as_35)
    "verdiepend_onderzoek_regios",              # a later sub-study (footnote), not reported
    "marktbewerkingsplan_max_leeftijd",         # "driekwart jaar": fieldwork timing, not data
    "marktbewerkingsplan_oudste",               # a year (test_oldest_plan_year)
    "samenwerking_referentieperiode_maanden",   # the question's reference period
    "wethouders_per_regio",                     # mean (test_wethouders_per_regio)
}
APPROX = 0.04  # "de helft": sixteen (or seventeen) of 33


@pytest.fixture(scope="module")
def data(edition):
    return ch.load(edition)


@pytest.fixture(scope="module")
def reg(data):
    return ch.register_all(data)[0]


# --------------------------------------------------------------------------- published figures


def test_every_finding_is_computed_or_documented(reg):
    missing = [fid for fid in FINDINGS if fid not in reg and fid not in NOT_IN_DATA]
    assert not missing, missing


@pytest.mark.parametrize("fid", [f for f in FINDINGS if f not in NOT_IN_DATA])
def test_published_figure_is_reproduced(reg, fid):
    finding, computed = FINDINGS[fid], reg[fid]
    if finding["unit"] == "count":
        assert computed.value == finding["value"], finding["quote"]
    else:
        tol = APPROX if finding.get("approx") else 0.0015
        assert computed.value == pytest.approx(finding["value"], abs=tol), finding["quote"]


def test_vijftig_is_read_as_35(data):
    assert ch.n_regions(data) == 35 != FINDINGS["onderzoek_vijftig_regios"]["value"]


def test_wethouders_per_regio(data):
    assert round(ch.gemeenten_per_regio(data)) == FINDINGS["wethouders_per_regio"]["value"]
    assert data.meta["aantal_gemeenten"].sum() == 352  # Dutch gemeenten in 2021


def test_oldest_plan_year(data):
    assert ch.oldest_plan_year(data) == FINDINGS["marktbewerkingsplan_oudste"]["value"]


def test_partial_region_is_one_of_the_three_separated(data):
    partial = data.regios[data.regios["enquete"] == "gedeeltelijk"]
    assert len(partial) == 1 and partial["organisatie_wsp"].iloc[0] == "gescheiden"
    survey_items = [c for c in data.regios.columns if c not in ("regio", "enquete", "organisatie_wsp",
                                                                 "gescheiden_visie", "gescheiden_werkgevers_voorkeur")]
    assert partial[survey_items].isna().all(axis=None)
    assert (data.survey["organisatie_wsp"] == "gescheiden").sum() == 2


# --------------------------------------------------------------------------- Tabel 5, cell by cell

CELLS = [(row["label"], col, value) for row in TABEL_5["rows"]
         for col, value in zip(TABEL_5["columns"][1:], row["values"])]


@pytest.mark.parametrize("row, column, printed", CELLS, ids=[f"{r}|{c}" for r, c, _ in CELLS])
def test_tabel_5_cell(data, row, column, printed):
    shown = ch.tabel_5_display(data).set_index("")
    assert shown.loc[row, column] == printed


def test_tabel_5_reading_phone_region_is_one_of_the_email_regions(data):
    s = data.survey
    phone = set(s.loc[s["vindbaar_telefoon"] == "niet", "regio"])
    mail = set(s.loc[s["vindbaar_email"] == "niet", "regio"])
    assert len(phone) == 1 and len(mail) == 2 and phone <= mail


# --------------------------------------------------------------------------- figures


def test_figuur_15(data, reg):
    fig = ch.figuur_15(data).set_index("categorie")["aantal"]
    assert reg["figuur15_n"].value == 35 == fig.sum()
    assert fig.iloc[0] + fig.iloc[1] == 23 and fig.iloc[1] == 6 and fig.iloc[2] == 9 and fig.iloc[3] == 3


@pytest.mark.parametrize("build, items", [(ch.figuur_16, ch.PARTNERS), (ch.figuur_17, ch.SERVICES),
                                          (ch.figuur_18, ch.MARKET), (ch.figuur_19, ch.SUPPLY)])
def test_stacked_figures_16_to_19_have_34_regions(data, build, items):
    fig = build(data)
    assert (fig["n"] == 34).all() and ch.figure_n(data, items) == 34
    assert (fig.groupby("stelling")["aantal"].sum() == 34).all()


def test_figuur_16_closest_partners(data):
    top = {c for c, _ in ch.ranking(data, ch.PARTNERS, ("intensief",))[:5]}
    assert top == {"sam_onderwijs", "sam_wzd_gemeenten", "sam_wzd_uwv", "sam_economie", "sam_werkgeversorganisaties"}


def test_figuur_17_priorities(data):
    ranked = [c for c, _ in ch.ranking(data, ch.SERVICES, ("hoog",))]
    assert ranked[0] == "prio_corona" and set(ranked[1:3]) == {"prio_matching", "prio_instrumenten"}
    assert min(ch.BASISPAKKET, key=ranked.index) != "prio_arbeidsmarktinfo"
    assert max(ch.BASISPAKKET, key=ranked.index) == "prio_arbeidsmarktinfo"
    assert ranked.index("prio_nieuwe_functies") >= len(ranked) - 2


def test_figuur_18_market_position(data):
    score = {c: ch.mean_score(data, c) for c in ch.MARKET}
    assert ch.agreement(score["mp_onderhoud_contacten"]) == "het (meer dan) eens"
    assert score["mp_nieuwe_contacten"] < score["mp_onderhoud_contacten"]
    assert ch.agreement(score["mp_positie_verbeterd"]) == "het bijna eens"
    assert ch.count(data, "mp_bekendheid_voldoende", ch.AGREE).k == 7


def test_figuur_19_qualitative_shortage(data):
    agree = dict(ch.ranking(data, ch.SUPPLY, ch.AGREE))
    assert agree["ab_kwalificaties"] <= agree["ab_werkfit"] < agree["ab_voldoende_werkzoekenden"]


def test_figuur_20(data, reg):
    fig = ch.figuur_20(data)["aantal"].tolist()
    assert fig == [28, 6] and reg["figuur20_n"].value == 34


def test_figuur_21_reading_n33(data, reg):
    fig = ch.figuur_21(data).set_index("categorie")["aantal"]
    assert reg["figuur21_n"].value == 33 == fig.sum()
    good = fig["Zeer goed"] + fig["Goed"]
    assert fig["Zeer goed"] == 1 and good == 16 and abs(good / 33 - 0.5) <= APPROX


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


def test_register_has_no_disclosure_threshold_and_shows_small_counts(reg):
    assert reg.threshold is None and reg["aansturing_projectleider"].value == 2


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
    import numpy as np
    with pytest.raises(ValueError, match="add up"):
        synth.assign(np.zeros(3), {"ja": 1, "nee": 1}, np.ones(3, dtype=bool))


# --------------------------------------------------------------------------- contracts

SOURCES = ("wsp_regios", "wsp_regio_metadata")


@pytest.fixture
def project(tmp_path, edition):
    """A temporary project with the two sources of the chapter, valid to start with."""
    shutil.copytree(ROOT / "data_contracts", tmp_path / "data_contracts")
    raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text(encoding="utf-8"))
    raw["sources"] = {s: {**raw["sources"][s], "file": f"data/{s}.csv"} for s in SOURCES}
    raw["chapters"] = []
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
