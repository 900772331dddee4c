"""Data contracts: valid data passes, every kind of broken data is caught and reported clearly.

The frames are built here by hand from docs/data-dictionary.md (not by ``spiegel.synth``) and written
to a temporary project with a copy of ``data_contracts/`` and a params file pointing at them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from spiegel.chapters.inkomen import synth as inkomen_synth
from spiegel.contracts import (
    ROW_COUNT_RULES,
    ContractError,
    EditionResult,
    format_failures,
    load_suite,
    main_validate,
    validate_edition,
    validate_source,
    write_reports,
)
from spiegel.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["klanten_pw", "klanten_pw_trend", "klantmanagers_pw", "cbs_bijstand", "cbs_srg_personen",
           "cbs_srg_starts"]
FILES = {s: f"data/{s}.parquet" if s.startswith("cbs_srg") else f"data/{s}.csv" for s in SOURCES}

# --------------------------------------------------------------------------- valid data, per the dictionary

JN, JNW = ["ja", "nee"], ["ja", "nee", "weet_niet"]
LIKERT5 = ["helemaal_eens", "eens", "neutraal", "oneens", "helemaal_oneens", "weet_niet"]
GEMGROOTTE = ["klein", "middel", "groot"]
BEHOEFTE = ["behoefte_zoeken_werk", "behoefte_persoonlijk", "behoefte_scholing", "behoefte_werktijden",
            "behoefte_werkplek"]


def inkomen_klanten_items() -> dict[str, tuple[list[str], tuple[str, list[str]] | None]]:
    """Chapter 5's columns of klanten_pw (codes, asked of), from its item specs."""
    items = inkomen_synth.targets(2022)["klanten_pw"]["items"]
    out = {}
    for col, spec in items.items():
        codes = LIKERT5 if "likert" in spec else list(spec["codes"]) if "codes" in spec else JN
        among = next(iter((spec.get("among") or {}).items()), None)
        out[col] = (codes, among)
    return out


# column -> (codes, asked of: (filter column, values) or None for all); in dictionary order
KLANTEN = {
    "steekproef": (["brede_doelgroep", "dgr"], None), "geslacht": (["man", "vrouw"], None),
    "leeftijd": (["tot_27", "27_tot_45", "45_plus"], None),
    "migratieachtergrond": (["geen", "westers", "niet_westers"], None), "startkwalificatie": (JN, None),
    "gemeentegrootte": (GEMGROOTTE, None), "arbeidsvermogen": (["nu", "toekomst", "nooit", "weet_niet"], None),
    "wil_werken": (JN, ("arbeidsvermogen", ["nu"])), "zoekgedrag": (["actief", "eerder", "nooit"], None),
    "belemmering_gezondheid": (JN, None), "belemmering_overig": (JN, None),
    "gelukkiger_met_baan": (LIKERT5, None), "liever_langer_uitkering": (LIKERT5, None),
    **{c: (JN, None) for c in BEHOEFTE},
    "rekening_behoefte": (["voldoende", "onvoldoende", "weet_niet"], "any behoefte"),
    "afspraken": (JN, None),
    **{c: (LIKERT5, ("afspraken", ["ja"])) for c in
       ["afspraken_tevreden", "afspraken_haalbaar", "afspraken_invloed", "afspraken_kans_werk"]},
    "afspraken_plan": (JNW, ("afspraken", ["ja"])), "genoeg_hulp": (JN, ("arbeidsvermogen", ["nu", "toekomst"])),
    **{c: (JN, None) for c in ["hulp_eerder", "gesprek_afgelopen_jaar", "te_weinig_gesprekken",
                               "contact_afgenomen_corona"]},
    **{c: (LIKERT5, None) for c in ["kennis_medewerkers", "info_werk_duidelijk", "info_uitkering_duidelijk",
                                    "uitleg_verrekening"]},
    "verrekening_gehad": (JN, None), "verrekening_problemen": (JN, ("verrekening_gehad", ["ja"])),
    "contact_gemeente": (JN, None),  # before its follow-ups (the dictionary lists it after bej_*)
    **{c: (LIKERT5, ("contact_gemeente", ["ja"])) for c in ["bej_druk", "bej_respect", "bej_persoonlijk",
                                                             "bej_fraudeur"]},
    "open_vraag_thema": (["bejegening_maatwerk", "toegankelijkheid", "overdracht_contactpersoon", "overig"], None),
    "rechten_plichten_ingewikkeld": (LIKERT5, None), "weet_niet_bij_wie": (JN, None),
    "gemeente_te_streng": (LIKERT5, None), "pakkans": (LIKERT5, None), "boete_oneens": (JN, None),
    "vrijgesteld": (JNW, None), "beschikking": (JNW, ("vrijgesteld", ["ja"])),
    "hulp_andere_organisaties": (JN, None),
    **{c: (LIKERT5, ("hulp_andere_organisaties", ["ja"])) for c in ["sam_goed", "sam_op_de_hoogte",
                                                                     "sam_zelfde_info"]},
    **{c: (LIKERT5, ("contact_gemeente", ["ja"])) for c in ["mw_kans_werk", "mw_zinvol", "mw_gemotiveerd"]},
    "opleiding_gevolgd": (JN, None),
    **{c: (JN, ("opleiding_gevolgd", ["ja"])) for c in ["opleiding_kansen", "opleiding_werk"]},
    "wep_gevolgd": (JN, None), "wep_nut": (LIKERT5, ("wep_gevolgd", ["ja"])),
    "jobcoach": (JN, ("steekproef", ["dgr"])),
    **{c: (LIKERT5, ("jobcoach", ["ja"])) for c in ["jc_kent_mogelijkheden", "jc_voldoende_tijd",
                                                    "jc_durft_vragen", "jc_zinvol", "jc_kans_succes"]},
    **inkomen_klanten_items(),  # chapter 5's income-support items of the same survey
}
BACKGROUND = ["steekproef", "geslacht", "leeftijd", "migratieachtergrond", "startkwalificatie", "gemeentegrootte"]
PCT = ["pct_behoefte_persoonlijk", "pct_ondersteuning_bieden", "pct_geen_beeld", "pct_afspraken",
       "pct_gesproken", "pct_vrijgesteld", "pct_vrijgesteld_beschikking", "pct_andere_leefgebieden"]
BEL = ["bel_caseload", "bel_gezondheid", "bel_motivatie", "bel_vacatures", "bel_budget", "bel_regelgeving",
       "bel_privacy"]
VOORZIENINGEN = ["coaching", "training", "werkervaringsplaats", "vrijwilligerswerk", "vervoersvoorziening",
                 "jobcoach", "loonkostensubsidie", "sociale_activering"]
MONTHS = [m for m in (f"{y}-{k:02d}" for y in (2019, 2020, 2021) for k in range(1, 13)) if "2019-03" <= m <= "2021-06"]


def klanten_pw(n: int, rng) -> pd.DataFrame:
    df = pd.DataFrame({"resp_id": [f"R{i:06d}" for i in range(1, n + 1)], "gewicht": rng.uniform(0.2, 4.0, n)})
    for col, (codes, asked_of) in KLANTEN.items():
        values = pd.Series(rng.choice(codes, n), dtype=object)
        if col not in BACKGROUND:
            values[rng.random(n) < 0.03] = None  # item non-response
        if asked_of == "any behoefte":
            values[~(df[BEHOEFTE] == "ja").any(axis=1)] = None
        elif asked_of:
            values[~df[asked_of[0]].isin(asked_of[1])] = None
        df[col] = values
    return df[["resp_id", "steekproef", "gewicht", *[c for c in KLANTEN if c != "steekproef"]]]


def klanten_pw_trend(n: int, rng) -> pd.DataFrame:
    indicators = [f"indicator_{i}" for i in range(max(1, n // 3))]
    rows = [(m, ind) for m in (2014, 2017, 2019) for ind in indicators]
    return pd.DataFrame({"meting": [m for m, _ in rows], "indicator": [i for _, i in rows],
                         "aandeel": rng.uniform(0, 1, len(rows)).round(3), "n": rng.integers(50, 900, len(rows))})


def klantmanagers_pw(n: int, rng) -> pd.DataFrame:
    nu = rng.uniform(0, 60, n).round(1)
    toekomst = (rng.uniform(0, 1, n) * (100 - nu)).round(1)
    df = pd.DataFrame({"km_id": [f"KM{i:04d}" for i in range(1, n + 1)], "gemeentegrootte": rng.choice(GEMGROOTTE, n),
                       "caseload": rng.integers(5, 401, n), "pct_kan_nu_werken": nu, "pct_kan_toekomst": toekomst,
                       "pct_kan_nooit": (100 - nu - toekomst).round(1)})
    for c in PCT:
        df[c] = rng.uniform(0, 100, n).round(1)
    for c in BEL:
        df[c] = rng.choice(["sterk", "enigszins", "niet"], n)
    for c in ["verpl_uitzendbureau", "verpl_tegenprestatie", "verpl_reizen"]:
        df[c] = rng.choice(["vaak", "soms", "nooit"], n)
    for c in ["st_samenwerking_goed", "st_een_plan", "st_info_voldoende"]:
        df[c] = rng.choice(LIKERT5, n)
    return df


def cbs_bijstand(n: int, rng) -> pd.DataFrame:
    rows = [("totaal", "totaal", 415_000), ("geslacht", "vrouw", 215_000), ("geslacht", "man", 200_000),
            ("leeftijd", "tot_27", 40_000), ("leeftijd", "27_tot_45", 150_000), ("leeftijd", "45_plus", 225_000),
            ("migratieachtergrond", "ja", 260_000), ("migratieachtergrond", "nee", 155_000)]
    return pd.DataFrame({"peilmaand": "2021-08", "kenmerk": [r[0] for r in rows], "categorie": [r[1] for r in rows],
                         "aantal": [r[2] for r in rows]})


def cbs_srg_personen(n: int, rng) -> pd.DataFrame:
    return pd.DataFrame({
        "persoon_id": np.arange(1, n + 1), "geslacht": rng.choice(["man", "vrouw"], n),
        "leeftijd": rng.choice(["tot_27", "27_tot_45", "45_tot_55", "55_plus"], n),
        "herkomst": rng.choice(["nederlands", "westers", "niet_westers"], n),
        "gemeentegrootte": rng.choice(GEMGROOTTE, n),
        "in_periode_voor": rng.random(n) < 0.8, "in_periode_na": rng.random(n) < 0.8})


def cbs_srg_starts(n: int, rng, n_personen: int) -> pd.DataFrame:
    df = pd.DataFrame({"persoon_id": rng.integers(1, n_personen + 1, int(n * 1.05)),
                       "voorziening": rng.choice(VOORZIENINGEN, int(n * 1.05)),
                       "startmaand": rng.choice(MONTHS, int(n * 1.05))})
    return df.drop_duplicates().head(n).reset_index(drop=True)


def valid_frames(small: bool = True) -> dict[str, pd.DataFrame]:
    """A valid frame per source: tiny (for ``skip=ROW_COUNT_RULES``) or within the row-count bounds."""
    rng = np.random.default_rng(7)
    n = dict(klanten=80, km=12, pers=200, starts=300) if small else \
        dict(klanten=1000, km=60, pers=300_000, starts=10_500)
    return {"klanten_pw": klanten_pw(n["klanten"], rng), "klanten_pw_trend": klanten_pw_trend(9, rng),
            "klantmanagers_pw": klantmanagers_pw(n["km"], rng), "cbs_bijstand": cbs_bijstand(8, rng),
            "cbs_srg_personen": cbs_srg_personen(n["pers"], rng),
            "cbs_srg_starts": cbs_srg_starts(n["starts"], rng, n["pers"])}


# --------------------------------------------------------------------------- temporary project


class Project:
    def __init__(self, root: Path, frames: dict[str, pd.DataFrame], files: dict[str, str] | None = None):
        self.root = root
        self.files = dict(FILES if files is None else files)
        shutil.copytree(ROOT / "data_contracts", root / "data_contracts")
        shutil.copytree(ROOT / "notebooks", root / "notebooks")  # the params name the chapter notebooks
        shutil.copytree(ROOT / "book", root / "book")  # and the pages around the chapters
        raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text(encoding="utf-8"))
        # Only the chapter 2 sources these tests build data for (other chapters test their own).
        raw["sources"] = {sid: raw["sources"][sid] for sid in self.files}
        raw["chapters"] = [c for c in raw["chapters"] if set(c.get("sources", ())) <= set(self.files)]
        kept = {c["id"] for c in raw["chapters"]}
        raw["analysis"] = {cid: a for cid, a in (raw.get("analysis") or {}).items() if cid in kept}
        for sid in self.files:
            raw["sources"][sid]["file"] = self.files[sid]
        (root / "params").mkdir()
        self.params = root / "params" / "2022.yml"
        self.raw = raw
        self.save_params()
        (root / "data").mkdir()
        for sid, df in frames.items():
            self.write(sid, df)

    def save_params(self) -> None:
        self.params.write_text(yaml.safe_dump(self.raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def path(self, sid: str) -> Path:
        return self.root / self.files[sid]

    def write(self, sid: str, df: pd.DataFrame) -> None:
        if self.path(sid).suffix == ".parquet":
            df.to_parquet(self.path(sid), index=False)
        else:
            df.to_csv(self.path(sid), index=False)

    def edition(self):
        return load_params(self.params)


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    return valid_frames(small=True)


@pytest.fixture
def project(tmp_path, frames) -> Project:
    return Project(tmp_path, frames)


def check(project: Project, sid: str, **kw) -> EditionResult:
    return validate_edition(project.edition(), [sid], skip=ROW_COUNT_RULES, **kw)


def failing(result: EditionResult, rule: str, column: str | None = None):
    hits = [f for f in result.failures if f.rule == rule and (column is None or f.column == column)]
    assert hits, f"expected a failure of {rule} on {column}; got:\n{format_failures(result)}"
    return hits[0]


# --------------------------------------------------------------------------- suites


@pytest.mark.parametrize("name", SOURCES)
def test_suite_loads_every_expectation(name):
    spec = yaml.safe_load((ROOT / "data_contracts" / f"{name}.yml").read_text(encoding="utf-8"))
    suite = load_suite(name, ROOT)
    assert len(suite.expectations) == len(spec["expectations"]) > 5
    assert all(e.meta.get("rule") for e in suite.expectations)
    assert suite.expectations[0].expectation_type == "expect_table_columns_to_match_set"
    types = {e.expectation_type for e in suite.expectations}
    assert "expect_table_row_count_to_be_between" in types
    assert not any("mostly" in e["kwargs"] for e in spec["expectations"])
    skipped = load_suite(name, ROOT, skip=ROW_COUNT_RULES)
    assert len(skipped.expectations) == len(suite.expectations) - 1


def test_unknown_expectation_type_raises(project):
    path = project.root / "data_contracts" / "klantmanagers_pw.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec["expectations"].append({"type": "expect_column_values_to_be_purple", "kwargs": {"column": "km_id"}})
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(ContractError, match="expect_column_values_to_be_purple"):
        load_suite("klantmanagers_pw", project.root)
    with pytest.raises(ContractError, match="klantmanagers_pw"):
        validate_edition(project.edition())


@pytest.mark.parametrize("mutate, match", [
    (lambda s: s["expectations"].append({"type": "expect_column_values_to_be_between", "kwargs": {}}),
     "not a valid GX expectation"),
    (lambda s: s.update(name="other"), "has name 'other'"),
    (lambda s: s["custom_checks"].append({"check": "no_such_check"}), "unknown custom check"),
])
def test_invalid_suite_raises(project, mutate, match):
    path = project.root / "data_contracts" / "cbs_bijstand.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(spec)
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(ContractError, match=match):
        load_suite("cbs_bijstand", project.root)


def test_missing_or_broken_suite_file_raises(project):
    with pytest.raises(ContractError, match="suite file not found"):
        load_suite("nonexistent", project.root)
    (project.root / "data_contracts" / "cbs_bijstand.yml").write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(ContractError, match="not valid YAML"):
        load_suite("cbs_bijstand", project.root)


# --------------------------------------------------------------------------- valid data


def test_valid_small_data_passes(project):
    result = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    assert result.ok, format_failures(result)
    assert [s.dataset for s in result.sources] == SOURCES
    assert all(len(s.rules) > 8 for s in result.sources)
    assert format_failures(result) == ""
    custom = [r.rule for r in result.sources[-1].rules if r.rule.startswith("custom:")]
    assert custom == ["custom:references", "custom:months_cover_params_periods", "custom:months_span_params"]


def test_validate_source_and_row_counts(project):
    # without skipping, the tiny klantmanagers frame is below the 50-500 bound
    result = validate_source(project.edition(), "klantmanagers_pw")
    assert not result.ok
    fail = failing(EditionResult(2022, "t", [result]), "expect_table_row_count_to_be_between", "(table)")
    assert fail.values == [12] and "observed 12, expected between 50 and 500" in fail.message
    assert validate_source(project.edition(), "cbs_bijstand").ok  # its bound is exactly 8 rows


@pytest.fixture(scope="module")
def full_project(tmp_path_factory) -> Project:
    return Project(tmp_path_factory.mktemp("full"), valid_frames(small=False))


def test_full_size_data_passes_all_rules_and_main_validate(full_project, capsys):
    out = full_project.root / "build"
    assert main_validate(full_project.params, out) == 0
    printed = capsys.readouterr()
    assert "Data validation passed" in printed.out and printed.err == ""
    report = json.loads((out / "validation.json").read_text(encoding="utf-8"))
    assert report["ok"] and [d["rows"] for d in report["datasets"]][-2] == 300_000


# --------------------------------------------------------------------------- broken data

def _set(df, col, value, rows=(0,)):
    df = df.copy()
    if value is not None and not isinstance(value, str) or df[col].dtype != object:
        df[col] = df[col].astype(object)
    for r in rows:
        df.loc[r, col] = value
    return df


class Rows(tuple):
    """In BROKEN: the failure is on an identifier or weight column, so it names these row numbers
    (file lines for CSV, 1-based rows for Parquet) and shows none of the column's values."""


BROKEN = [
    # (source, mutate(frames) -> frame, rule, column, an expected offending value or Rows(...))
    # missing column
    *[(sid, lambda f, sid=sid, c=c: f[sid].drop(columns=[c]), "expect_table_columns_to_match_set", "(table)", c)
      for sid, c in [("klanten_pw", "geslacht"), ("klanten_pw_trend", "aandeel"), ("klantmanagers_pw", "caseload"),
                     ("cbs_bijstand", "aantal"), ("cbs_srg_personen", "herkomst"), ("cbs_srg_starts", "startmaand")]],
    # unknown code
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "geslacht", "onbekend"), "expect_column_values_to_be_in_set",
     "geslacht", "onbekend"),
    ("klanten_pw_trend", lambda f: _set(f["klanten_pw_trend"], "indicator", "Bad id"),
     "expect_column_values_to_match_regex", "indicator", "Bad id"),
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "bel_budget", "heel_erg"),
     "expect_column_values_to_be_in_set", "bel_budget", "heel_erg"),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "categorie", "x", rows=(1,)),
     "expect_column_values_to_be_in_set", "categorie", "x"),
    ("cbs_srg_personen", lambda f: _set(f["cbs_srg_personen"], "herkomst", "onbekend"),
     "expect_column_values_to_be_in_set", "herkomst", "onbekend"),
    ("cbs_srg_starts", lambda f: _set(f["cbs_srg_starts"], "voorziening", "cursus"),
     "expect_column_values_to_be_in_set", "voorziening", "cursus"),
    # duplicate id
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "resp_id", "R000001", rows=(1,)),
     "expect_column_values_to_be_unique", "resp_id", Rows([2, 3])),  # CSV lines: header is line 1
    ("klanten_pw_trend", lambda f: _set(f["klanten_pw_trend"], "indicator", "indicator_0", rows=(1,)),
     "expect_compound_columns_to_be_unique", "meting, indicator", {"meting": 2014, "indicator": "indicator_0"}),
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "km_id", "KM0001", rows=(1,)),
     "expect_column_values_to_be_unique", "km_id", Rows([2, 3])),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "categorie", "vrouw", rows=(2,)),
     "expect_compound_columns_to_be_unique", "kenmerk, categorie", {"kenmerk": "geslacht", "categorie": "vrouw"}),
    ("cbs_srg_personen", lambda f: _set(f["cbs_srg_personen"], "persoon_id", 1, rows=(1,)),
     "expect_column_values_to_be_unique", "persoon_id", Rows([1, 2])),  # Parquet rows
    ("cbs_srg_starts", lambda f: pd.concat([f["cbs_srg_starts"], f["cbs_srg_starts"].head(1)], ignore_index=True),
     "expect_compound_columns_to_be_unique", "persoon_id, voorziening, startmaand", None),
    # out of range
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "gewicht", 12.5), "expect_column_values_to_be_between",
     "gewicht", Rows([2])),
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "gewicht", 0.0, rows=(4,)), "expect_column_values_to_be_between",
     "gewicht", Rows([6])),
    ("klanten_pw_trend", lambda f: _set(f["klanten_pw_trend"], "aandeel", 1.5), "expect_column_values_to_be_between",
     "aandeel", 1.5),
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "caseload", 401), "expect_column_values_to_be_between",
     "caseload", 401),
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "pct_gesproken", 120.0),
     "expect_column_values_to_be_between", "pct_gesproken", 120.0),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "peilmaand", "2021-13"), "expect_column_values_to_match_regex",
     "peilmaand", "2021-13"),
    ("cbs_srg_personen", lambda f: _set(f["cbs_srg_personen"], "persoon_id", 0), "expect_column_values_to_be_between",
     "persoon_id", Rows([1])),
    ("cbs_srg_starts", lambda f: _set(f["cbs_srg_starts"], "startmaand", "2021-07"),
     "expect_column_values_to_be_in_set", "startmaand", "2021-07"),
    # wrong type
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "gewicht", "abc"), "expect_column_values_to_be_in_type_list",
     "gewicht", "str"),
    ("klanten_pw_trend", lambda f: _set(f["klanten_pw_trend"], "n", 12.5), "expect_column_values_to_be_in_type_list",
     "n", "float64"),
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "caseload", 12.5),
     "expect_column_values_to_be_in_type_list", "caseload", "float64"),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "aantal", "veel"), "expect_column_values_to_be_in_type_list",
     "aantal", "str"),
    ("cbs_srg_personen", lambda f: f["cbs_srg_personen"].assign(in_periode_na=lambda d: d.in_periode_na.map(
        {True: "ja", False: "nee"})), "expect_column_values_to_be_of_type", "in_periode_na", "str"),
    ("cbs_srg_starts", lambda f: f["cbs_srg_starts"].assign(persoon_id=lambda d: d.persoon_id.astype(str)),
     "expect_column_values_to_be_in_type_list", "persoon_id", "str"),
    # not null, routing
    ("klanten_pw", lambda f: _set(f["klanten_pw"], "geslacht", None), "expect_column_values_to_not_be_null",
     "geslacht", None),
    ("klanten_pw", lambda f: f["klanten_pw"].assign(
        beschikking=lambda d: d.beschikking.where(d.vrijgesteld == "ja", "nee")),
     "expect_column_values_to_be_null", "beschikking", "nee"),
    ("klanten_pw", lambda f: f["klanten_pw"].assign(jobcoach="ja"), "expect_column_values_to_be_null",
     "jobcoach", "ja"),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "categorie", "man", rows=(1, 2)),
     "expect_compound_columns_to_be_unique", "kenmerk, categorie", None),
    # custom checks
    ("klantmanagers_pw", lambda f: _set(f["klantmanagers_pw"], "pct_kan_nooit", 0.0, rows=(3,)),
     "custom:columns_sum_to", "pct_kan_nu_werken + pct_kan_toekomst + pct_kan_nooit", None),
    ("cbs_bijstand", lambda f: _set(f["cbs_bijstand"], "aantal", 1, rows=(7,)), "custom:parts_sum_to_total",
     "aantal", "migratieachtergrond: 260001 ≠ 415000"),
    ("klanten_pw_trend", lambda f: _set(f["klanten_pw_trend"], "meting", 2010), "custom:values_in_params",
     "meting", 2010),
    ("cbs_srg_starts", lambda f: _set(f["cbs_srg_starts"], "persoon_id", 999_999, rows=(0, 9)), "custom:references",
     "persoon_id", Rows([1, 10])),
]


@pytest.mark.parametrize("sid, mutate, rule, column, value", BROKEN,
                         ids=[f"{b[0]}-{b[2].replace('expect_', '')}-{b[3]}" for b in BROKEN])
def test_broken_data_is_caught(project, frames, sid, mutate, rule, column, value):
    project.write(sid, mutate(frames))
    result = check(project, sid)
    assert not result.ok
    fail = failing(result, rule, column)
    assert fail.dataset == sid and fail.rule_name and fail.message
    text = format_failures(result)
    if isinstance(value, Rows):
        assert fail.rows == list(value) and fail.values == [], fail
        unit = "line" if FILES[sid].endswith(".csv") else "row"
        assert f"({unit}s {', '.join(map(str, value))})" in text or f"({unit} {value[0]})" in text, text
        assert "values not shown" in text
        shown = mutate(frames)[column].iloc[[v - (2 if unit == "line" else 1) for v in value]]
        for v in shown.astype(str):
            if v.isdigit() and len(v) < 4:
                continue  # a small number also reads as a row number; fail.values == [] is the check
            assert not re.search(rf"(?<![\w.]){re.escape(v)}(?![\w.])", text), (v, text)
    elif value is not None:
        assert value in fail.values, fail
    assert f"dataset '{sid}', column '{column}', rule {rule} ({fail.rule_name}): " in text


def test_missing_column_also_named_by_column_rules(project, frames):
    project.write("klanten_pw", frames["klanten_pw"].drop(columns=["geslacht"]))
    result = check(project, "klanten_pw")
    fail = failing(result, "expect_column_values_to_be_in_set", "geslacht")
    assert fail.message == "column 'geslacht' does not exist"
    table = failing(result, "expect_table_columns_to_match_set")
    assert table.message == "missing column(s) 'geslacht'"


@pytest.mark.parametrize("dropped, rule_column", [
    ("afspraken", "afspraken_tevreden"),  # the column a rule's row condition reads
    ("jobcoach", "jobcoach"),  # the column a rule with a row condition checks
])
def test_missing_column_named_by_rules_with_a_row_condition(project, frames, dropped, rule_column):
    """Rules with a row condition run on a frame of the columns they read; one whose column is
    missing still runs on the whole frame and says which column does not exist."""
    project.write("klanten_pw", frames["klanten_pw"].drop(columns=[dropped]))
    result = check(project, "klanten_pw")
    fail = failing(result, "expect_column_values_to_be_null", rule_column)
    assert fail.message == f"column '{dropped}' does not exist"
    others = [r for r in result.failures if r.rule != "expect_table_columns_to_match_set"]
    assert others and all(r.message == f"column '{dropped}' does not exist" for r in others)


def test_failure_text_names_dataset_column_rule_and_values(project, frames):
    project.write("klanten_pw", _set(frames["klanten_pw"], "geslacht", "onbekend", rows=(0, 1))
                  .pipe(_set, "geslacht", "x", rows=(5,)))
    text = format_failures(check(project, "klanten_pw"))
    assert ("dataset 'klanten_pw', column 'geslacht', rule expect_column_values_to_be_in_set (allowed codes): "
            "3 offending rows (lines 2, 3, 7), e.g. 'onbekend', 'x'") in text
    assert text.startswith("Data validation failed: 1 of ")


def test_offending_values_are_capped_at_five(project, frames):
    df = frames["klantmanagers_pw"].copy()
    df["bel_budget"] = [f"code_{i}" for i in range(len(df))]
    project.write("klantmanagers_pw", df)
    fail = failing(check(project, "klantmanagers_pw"), "expect_column_values_to_be_in_set", "bel_budget")
    assert fail.offending == len(df) and len(fail.values) == 5


@pytest.mark.parametrize("sid", SOURCES)
def test_empty_and_missing_files(project, sid):
    project.path(sid).write_bytes(b"")
    fail = failing(check(project, sid), "file_readable", "(file)")
    assert "file is empty" in fail.message and FILES[sid] in fail.message
    project.path(sid).unlink()
    result = check(project, sid)
    assert [f.rule for f in result.failures] == ["file_readable"]
    assert f"dataset '{sid}', column '(file)', rule file_readable (file readable): file not found" \
        in format_failures(result)


def test_header_only_csv_fails_row_count_and_unreadable_reference(project, frames):
    project.path("cbs_bijstand").write_text(",".join(frames["cbs_bijstand"].columns) + "\n", encoding="utf-8")
    result = validate_edition(project.edition(), ["cbs_bijstand"])
    assert failing(result, "expect_table_row_count_to_be_between").values == [0]
    project.path("cbs_srg_personen").write_bytes(b"not parquet")
    result = check(project, "cbs_srg_starts")  # the reference check reads cbs_srg_personen
    fail = failing(result, "custom:references", "persoon_id")
    assert "could not be checked" in fail.message and "cbs_srg_personen" in fail.message


def test_unknown_source_raises(project):
    with pytest.raises(ContractError, match="unknown source"):
        validate_edition(project.edition(), ["klanten_pw", "nope"])


# --------------------------------------------------------------------------- reports


def test_reports_are_written_and_self_contained(project, frames, tmp_path, capsys):
    project.write("klanten_pw", _set(frames["klanten_pw"], "geslacht", "onbekend"))
    project.path("cbs_bijstand").unlink()
    result = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    paths = write_reports(result, tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == ["validation.html", "validation.json", "validation.md"]
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert data["ok"] is False and len(data["datasets"]) == 6
    bad = [r for d in data["datasets"] for r in d["rules"] if not r["ok"]]
    assert {(r["dataset"], r["column"]) for r in bad} == {("klanten_pw", "geslacht"), ("cbs_bijstand", "(file)")}
    html_text = paths["html"].read_text(encoding="utf-8")
    assert "http" not in html_text.lower() and "<script" not in html_text
    assert "onbekend" in html_text and "Niet voldaan" in html_text and "klantmanagers_pw" in html_text
    md = paths["md"].read_text(encoding="utf-8")
    assert "FAILED" in md and "geslacht" in md
    assert not list((tmp_path / "out").glob("*.tmp"))
    # the CLI entry point: exit 1, the failure text on stderr, reports written
    assert main_validate(project.params, tmp_path / "cli") == 1
    err = capsys.readouterr().err
    assert "dataset 'klanten_pw', column 'geslacht', rule expect_column_values_to_be_in_set" in err
    assert "dataset 'cbs_bijstand', column '(file)', rule file_readable" in err
    assert (tmp_path / "cli" / "validation.html").is_file()


def test_main_validate_reports_params_errors(tmp_path, capsys):
    assert main_validate(tmp_path / "params" / "nope.yml", tmp_path) == 1
    assert "params file not found" in capsys.readouterr().err


# --------------------------------------------------------------------------- params and data agree


def crosscheck(result: EditionResult, check: str):
    return failing(result, f"custom:{check}")


def test_peilmaand_of_cbs_bijstand_must_be_the_params_month(project, frames):
    project.write("cbs_bijstand", frames["cbs_bijstand"].assign(peilmaand="2021-07"))
    fail = crosscheck(check(project, "cbs_bijstand"), "month_matches_params")
    assert fail.column == "peilmaand" and fail.params_key == "sources.cbs_bijstand.fieldwork"
    assert fail.params_value == "augustus 2021" and fail.data_value == ["2021-07"] and fail.offending == 8
    assert ("params sources.cbs_bijstand.fieldwork says 'augustus 2021' (2021-08); the data says 2021-07 in "
            "8 of 8 rows; edit sources.cbs_bijstand.fieldwork in params/2022.yml or correct the data") in fail.message
    assert fail.rows == [2, 3, 4, 5, 6]  # CSV lines
    # one row off is named by its line
    project.write("cbs_bijstand", _set(frames["cbs_bijstand"], "peilmaand", "2021-09", rows=(3,)))
    fail = crosscheck(check(project, "cbs_bijstand"), "month_matches_params")
    assert fail.offending == 1 and fail.rows == [5] and "(offending line 5)" in fail.message


@pytest.mark.parametrize("fieldwork, ok, part", [
    ("september 2021", False, "says 'september 2021' (2021-09); the data says 2021-08"),
    ("najaar 2021", False, "which is not one month"),
    ("2021-08", True, ""),
    ("Augustus 2021", True, ""),
])
def test_peilmaand_check_reads_the_params_month(project, fieldwork, ok, part):
    project.raw["sources"]["cbs_bijstand"]["fieldwork"] = fieldwork
    project.save_params()
    result = check(project, "cbs_bijstand")
    assert result.ok is ok, format_failures(result)
    if not ok:
        assert part in crosscheck(result, "month_matches_params").message


def test_a_missing_params_fact_is_named(project):
    del project.raw["sources"]["cbs_bijstand"]["fieldwork"]
    project.save_params()
    fail = crosscheck(check(project, "cbs_bijstand"), "month_matches_params")
    assert "params/2022.yml states no 'sources.cbs_bijstand.fieldwork'" in fail.message


def test_register_months_must_cover_the_params_periods(project, frames):
    starts = frames["cbs_srg_starts"]
    project.write("cbs_srg_starts", starts[~starts["startmaand"].isin(["2021-01", "2021-02"])])
    fail = crosscheck(check(project, "cbs_srg_starts"), "months_cover_params_periods")
    assert fail.params_key == "periods.na" and fail.data_value["missing"] == {"periods.na": ["2021-01", "2021-02"]}
    assert ("params periods.na runs 2020-03 – 2021-02, but the data has no startmaand 2021-01, 2021-02 "
            "(the data's months run 2019-03 – 2021-06); edit periods.na.start/end in params/2022.yml") in fail.message


def test_params_period_starting_before_the_data_fails(project):
    project.raw["periods"]["voor"]["start"] = "2019-01"
    project.save_params()
    result = check(project, "cbs_srg_starts")
    fail = crosscheck(result, "months_cover_params_periods")
    assert "params periods.voor runs 2019-01 – 2020-02, but the data has no startmaand 2019-01, 2019-02" in fail.message
    # a period that is no month at all is refused before validation starts, by the params schema
    project.raw["periods"]["voor"]["start"] = "maart"
    project.save_params()
    from spiegel.params import ParamsError
    with pytest.raises(ParamsError, match=r'periods\.voor\.start: "maart" is not allowed'):
        check(project, "cbs_srg_starts")


def test_register_months_must_span_the_params_fieldwork(project, frames):
    starts = frames["cbs_srg_starts"]
    project.write("cbs_srg_starts", starts[starts["startmaand"] != "2021-06"])
    fail = crosscheck(check(project, "cbs_srg_starts"), "months_span_params")
    assert fail.params_key == "sources.cbs_srg_starts.fieldwork" and fail.data_value == "2019-03 – 2021-05"
    assert ("params sources.cbs_srg_starts.fieldwork says 'maart 2019 - juni 2021' (2019-03 – 2021-06); "
            "the data's startmaand runs 2019-03 – 2021-05") in fail.message
    # the other way round: params state a shorter range; the rows outside it are named
    project.write("cbs_srg_starts", starts)
    project.raw["sources"]["cbs_srg_starts"]["fieldwork"] = "maart 2019 t/m mei 2021"
    project.save_params()
    fail = crosscheck(check(project, "cbs_srg_starts"), "months_span_params")
    june = starts.index[starts["startmaand"] == "2021-06"]
    assert fail.offending == len(june) and fail.rows == [i + 1 for i in june[:5]] and fail.values == ["2021-06"]


def test_earlier_waves_of_the_params_must_be_in_the_trend_data(project, frames):
    trend = frames["klanten_pw_trend"]
    project.write("klanten_pw_trend", trend[trend["meting"] != 2019])
    result = check(project, "klanten_pw_trend")
    fail = crosscheck(result, "values_cover_params")
    assert fail.params_key == "waves.earlier" and fail.data_value == [2014, 2017]
    assert ("params waves.earlier says 2014, 2017, 2019; the data has no meting 2019 (it has 2014, 2017); "
            "edit waves.earlier in params/2022.yml") in fail.message
    years = crosscheck(result, "years_match_params")
    assert "params sources.klanten_pw_trend.fieldwork says '2014, 2017, 2019'" in years.message
    # a wave the params add without data
    project.write("klanten_pw_trend", trend)
    project.raw["waves"]["earlier"] = [2011, 2014, 2017, 2019]
    project.save_params()
    fail = crosscheck(check(project, "klanten_pw_trend"), "values_cover_params")
    assert "the data has no meting 2011" in fail.message


UWV_FILES = {"uwv_populatie": "data/uwv_populatie.csv", "uwv_wga_extern": "data/uwv_wga_extern.csv"}


@pytest.fixture
def uwv_project(tmp_path):
    from spiegel.synth import GENERATORS

    return Project(tmp_path, {sid: GENERATORS[sid](1, 2022) for sid in UWV_FILES}, files=UWV_FILES)


def test_uwv_populatie_peilmaand_must_be_the_params_month(uwv_project):
    assert validate_edition(uwv_project.edition()).ok
    frame = pd.read_csv(uwv_project.path("uwv_populatie"), dtype=str)
    uwv_project.write("uwv_populatie", frame.assign(peilmaand="2022-03"))
    fail = crosscheck(validate_edition(uwv_project.edition(), ["uwv_populatie"]), "month_matches_params")
    assert ("params sources.uwv_populatie.fieldwork says 'april 2022' (2022-04); the data says 2022-03 in 21 of "
            "21 rows; edit sources.uwv_populatie.fieldwork in params/2022.yml") in fail.message
    # the params moved on, the data did not (Tabel 3 would be captioned with the params' month)
    uwv_project.write("uwv_populatie", frame)
    uwv_project.raw["sources"]["uwv_populatie"]["fieldwork"] = "maart 2022"
    uwv_project.save_params()
    fail = crosscheck(validate_edition(uwv_project.edition(), ["uwv_populatie"]), "month_matches_params")
    assert "says 'maart 2022' (2022-03); the data says 2022-04" in fail.message


def test_uwv_wga_extern_years_must_be_the_params_years(uwv_project):
    frame = pd.read_csv(uwv_project.path("uwv_wga_extern"), dtype=str)
    uwv_project.write("uwv_wga_extern", _set(frame, "peiljaar", "2019", rows=(2,)))
    fail = crosscheck(validate_edition(uwv_project.edition(), ["uwv_wga_extern"]), "years_match_params")
    assert fail.offending == 1 and fail.rows == [4] and fail.values == [2019]
    assert "params sources.uwv_wga_extern.fieldwork says '2018, 2020' (years 2018, 2020); the data's peiljaar" \
        in fail.message
    uwv_project.write("uwv_wga_extern", frame)
    uwv_project.raw["sources"]["uwv_wga_extern"]["fieldwork"] = "2020"
    uwv_project.save_params()
    fail = crosscheck(validate_edition(uwv_project.edition(), ["uwv_wga_extern"]), "years_match_params")
    assert "says '2020' (years 2020); the data's peiljaar has 2018, 2020" in fail.message


def test_crosscheck_failures_stop_validate_like_contract_failures(project, frames, capsys):
    project.write("cbs_bijstand", frames["cbs_bijstand"].assign(peilmaand="2021-07"))
    assert main_validate(project.params, project.root / "build") == 1
    err = capsys.readouterr().err
    assert ("dataset 'cbs_bijstand', column 'peilmaand', rule custom:month_matches_params (peilmaand is the "
            "month of params sources.cbs_bijstand.fieldwork): params sources.cbs_bijstand.fieldwork says") in err
    report = json.loads((project.root / "build" / "validation.json").read_text(encoding="utf-8"))
    rule = next(r for d in report["datasets"] for r in d["rules"] if r["rule"] == "custom:month_matches_params")
    assert rule["ok"] is False and rule["params_key"] == "sources.cbs_bijstand.fieldwork"
    assert rule["params_value"] == "augustus 2021" and rule["data_value"] == ["2021-07"]


# --------------------------------------------------------------------------- no ids, no absolute paths


def test_reports_and_terminal_show_no_id_values_and_no_absolute_paths(tmp_path, frames, capsys):
    outside = tmp_path / "vertrouwelijk" / "microdata"  # real data lives outside the project
    outside.mkdir(parents=True)
    project = Project(tmp_path / "project", frames)
    project.raw["sources"]["klanten_pw"]["file"] = str(outside / "klanten_pw.csv")
    project.save_params()
    project.files["klanten_pw"] = str(outside / "klanten_pw.csv")
    k = frames["klanten_pw"].copy()
    k.loc[4, "resp_id"] = k.loc[3, "resp_id"]  # a duplicate respondent id (lines 5 and 6)
    k.loc[7, "geslacht"] = "onbekend"  # an unknown code (line 9)
    k.loc[10, "gewicht"] = 12.345678  # a weight out of range (line 12)
    project.write("klanten_pw", k)
    km = frames["klantmanagers_pw"].copy()
    km.loc[2, "km_id"] = km.loc[1, "km_id"]
    km.loc[5, "pct_kan_nooit"] = 0.0  # the three shares no longer add up to 100
    project.write("klantmanagers_pw", km)
    pers = frames["cbs_srg_personen"]
    twice = pers.head(2).assign(persoon_id=7_777_777)  # a duplicate persoon_id (rows 201 and 202)
    pers = pd.concat([pers, twice], ignore_index=True)
    project.write("cbs_srg_personen", pers)
    starts = pd.concat([frames["cbs_srg_starts"], frames["cbs_srg_starts"].head(1)], ignore_index=True)
    starts.loc[3, "persoon_id"] = 8_888_888  # unknown in cbs_srg_personen
    project.write("cbs_srg_starts", starts)
    out = project.root / "build"
    assert main_validate(project.params, out) == 1
    printed = capsys.readouterr()
    texts = {name: (out / name).read_text(encoding="utf-8")
             for name in ("validation.json", "validation.md", "validation.html")}
    texts["stderr"], texts["stdout"] = printed.err, printed.out
    ids = {*k["resp_id"], *km["km_id"], "7777777", "8888888", "12.345678"}
    for name, text in texts.items():
        assert not re.search(r"\bR\d{6}\b|\bKM\d{4}\b", text), name
        assert not [i for i in ids if i in text], name
        assert str(tmp_path) not in text and "vertrouwelijk" not in text, name
    data = json.loads(texts["validation.json"])
    paths = {d["dataset"]: d["path"] for d in data["datasets"]}
    assert paths["klanten_pw"] == "klanten_pw.csv" and paths["cbs_bijstand"] == "data/cbs_bijstand.csv"
    rules = {(r["dataset"], r["rule"], r["column"]): r for d in data["datasets"] for r in d["rules"] if not r["ok"]}
    assert rules[("klanten_pw", "expect_column_values_to_be_unique", "resp_id")]["rows"] == [5, 6]
    assert rules[("klanten_pw", "expect_column_values_to_be_in_set", "geslacht")]["values"] == ["onbekend"]
    assert rules[("klanten_pw", "expect_column_values_to_be_in_set", "geslacht")]["rows"] == [9]
    assert rules[("klanten_pw", "expect_column_values_to_be_between", "gewicht")]["rows"] == [12]
    assert rules[("klantmanagers_pw", "expect_column_values_to_be_unique", "km_id")]["rows"] == [3, 4]
    summed = rules[("klantmanagers_pw", "custom:columns_sum_to", "pct_kan_nu_werken + pct_kan_toekomst + pct_kan_nooit")]
    assert summed["rows"] == [7]
    assert rules[("cbs_srg_personen", "expect_column_values_to_be_unique", "persoon_id")]["rows"] == [201, 202]
    assert rules[("cbs_srg_starts", "custom:references", "persoon_id")]["rows"] == [4]
    compound = rules[("cbs_srg_starts", "expect_compound_columns_to_be_unique", "persoon_id, voorziening, startmaand")]
    assert compound["values"] and all("persoon_id" not in v for v in compound["values"])  # id part dropped
    assert "identifier values not shown" in compound["message"]
    assert "Report: build/validation.html" in printed.err
    assert "lines 5, 6" in printed.err and "rows 201, 202" in printed.err  # CSV lines, Parquet rows


def test_unreadable_file_outside_the_project_is_named_by_its_name(tmp_path, frames, capsys):
    project = Project(tmp_path / "project", frames)
    secret = tmp_path / "geheim" / "cbs_bijstand.csv"
    secret.parent.mkdir()
    secret.write_text("peilmaand,kenmerk,categorie,aantal\n2021-08,totaal,totaal\n", encoding="utf-8")
    project.raw["sources"]["cbs_bijstand"]["file"] = str(secret)
    project.save_params()
    assert main_validate(project.params, project.root / "build") == 1
    err = capsys.readouterr().err
    assert ("dataset 'cbs_bijstand', column '(file)', rule file_readable (file readable): line 2 has 3 fields, "
            "the header has 4") in err and "(cbs_bijstand.csv)" in err
    for name in ("validation.json", "validation.md", "validation.html"):
        assert "geheim" not in (project.root / "build" / name).read_text(encoding="utf-8")
    assert "geheim" not in err and str(tmp_path) not in err


def test_library_messages_lose_identifier_values_and_paths(tmp_path):
    from spiegel.contracts import _Privacy
    from spiegel.io import Table

    frame = pd.DataFrame({"resp_id": ["R000123", "R000456"], "geslacht": ["man", "vrouw"]})
    privacy = _Privacy(Table(frame, [2, 3]), tmp_path, tmp_path / "data" / "x.csv")
    text = privacy.text(f"ValueError: bad value 'R000123' near R000456 in {tmp_path}/data/x.csv and "
                        f"/opt/real/klanten.csv (geslacht 'man')")
    assert "R000123" not in text and "R000456" not in text and str(tmp_path) not in text
    assert "data/x.csv" in text and "klanten.csv" in text and "/opt/real" not in text and "'man'" in text


# --------------------------------------------------------------------------- speed-up, same results


def test_configurations_built_once_gives_gx_own_results(project, frames, monkeypatch):
    """The validation's cache of GX expectation configurations (``_configurations_built_once``)
    changes no result: with GX's own property the same rules pass and fail with the same details,
    on data that breaks rules of several kinds in every source; and the property is GX's again
    afterwards."""
    import contextlib

    from great_expectations.expectations.expectation import Expectation

    import spiegel.contracts as contracts

    broken, chosen = dict(frames), {}
    for sid, mutate, rule, column, _ in BROKEN:  # two breaks of cells per source, all at once
        if column != "(table)" and len(chosen.setdefault(sid, [])) < 2:
            broken[sid] = mutate(broken)
            chosen[sid].append(rule)
    for sid, df in broken.items():
        project.write(sid, df)
    gx_own = Expectation.__dict__["configuration"]
    fast = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    assert Expectation.__dict__["configuration"] is gx_own
    monkeypatch.setattr(contracts, "_configurations_built_once", contextlib.nullcontext)
    plain = validate_edition(project.edition(), skip=ROW_COUNT_RULES)
    assert len(fast.failures) >= 6, format_failures(fast)  # the breaks are seen...
    assert {f.dataset for f in fast.failures} == set(SOURCES)  # ...in every source
    assert fast.to_dict() == plain.to_dict()


def test_configurations_built_once_reads_each_configuration_once():
    """Inside the block a configuration is built once per expectation (GX builds it on every read)
    and equals the one GX builds; outside it GX builds a new one each time."""
    from great_expectations.expectations.expectation import Expectation

    import spiegel.contracts as contracts

    gx_build = Expectation.__dict__["configuration"].fget
    first, second = load_suite("klanten_pw", ROOT).expectations[:2]
    assert first.configuration is not first.configuration  # GX: rebuilt on every read
    with contracts._configurations_built_once():
        once = first.configuration
        assert first.configuration is once
        assert once == gx_build(first) and second.configuration == gx_build(second) != once
    assert first.configuration is not once and first.configuration == once
