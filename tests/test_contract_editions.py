"""Contracts whose source's columns differ per edition (issue 14): each edition's file is held to
exactly its own columns, and a file with the other edition's columns fails."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from spiegel.contracts import ContractError, _for_edition, load_suite, validate_source
from spiegel.params import load_params
from spiegel.synth.core import frame_bytes

ROOT = Path(__file__).resolve().parents[1]
DROPPED, ADDED = "contact_afgenomen_corona", "contact_digitaal"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The klanten_pw file of each edition, generated from its params' seed."""
    from spiegel.chapters.gemeenten import synth

    folder = tmp_path_factory.mktemp("klanten")
    out = {}
    for year in (2022, 2023):
        ed = load_params(ROOT / "params" / f"{year}.yml")
        path = folder / f"klanten_pw_{year}.csv"
        path.write_bytes(frame_bytes(synth.klanten_pw(ed.seed, year), path))
        out[year] = path
    return out


def edition_reading(tmp_path: Path, year: int, file: Path):
    """Edition ``year``'s params with klanten_pw pointing at ``file``."""
    text = (ROOT / "params" / f"{year}.yml").read_text("utf-8")
    text = text.replace(f"file: data/{year}/klanten_pw.csv", f"file: {file}")
    params = tmp_path / f"{year}.yml"
    params.write_text(text, "utf-8")
    return load_params(params)


def columns_rule(suite) -> list[str]:
    (rule,) = [e for e in suite.expectations if e.expectation_type == "expect_table_columns_to_match_set"]
    return list(rule.column_set)


def test_each_edition_has_its_own_column_set():
    base = columns_rule(load_suite("klanten_pw", ROOT))
    v2022 = columns_rule(load_suite("klanten_pw", load_params(ROOT / "params" / "2022.yml")))
    v2023 = columns_rule(load_suite("klanten_pw", load_params(ROOT / "params" / "2023.yml")))
    assert v2022 == base and DROPPED in v2022 and ADDED not in v2022
    assert DROPPED not in v2023 and ADDED in v2023
    assert set(v2022) - set(v2023) == {DROPPED} and set(v2023) - set(v2022) == {ADDED}


def test_the_rules_of_a_dropped_column_go_and_the_added_column_gets_its_own():
    suite = load_suite("klanten_pw", load_params(ROOT / "params" / "2023.yml"))
    checked = [getattr(e, "column", None) for e in suite.expectations]
    assert DROPPED not in checked and checked.count(ADDED) == 2
    old = load_suite("klanten_pw", load_params(ROOT / "params" / "2022.yml"))
    assert DROPPED in [getattr(e, "column", None) for e in old.expectations]
    assert len(old.expectations) == len(load_suite("klanten_pw", ROOT).expectations)


@pytest.mark.parametrize("year", [2022, 2023])
def test_each_editions_file_passes_its_own_contract(tmp_path, files, year):
    result = validate_source(edition_reading(tmp_path, year, files[year]), "klanten_pw")
    assert result.ok, [r.line() for r in result.failures]


@pytest.mark.parametrize("year, other", [(2023, 2022), (2022, 2023)])
def test_a_file_with_the_other_editions_columns_fails(tmp_path, files, year, other):
    result = validate_source(edition_reading(tmp_path, year, files[other]), "klanten_pw")
    assert not result.ok
    message = " ".join(r.line() for r in result.failures)
    assert "exact column set" in message
    missing, unexpected = (DROPPED, ADDED) if year == 2022 else (ADDED, DROPPED)
    assert f"missing column(s) '{missing}'" in message and f"unexpected column(s) '{unexpected}'" in message


@pytest.mark.parametrize("change, error", [
    ({"columns_dropped": ["nope"]}, "columns_dropped names columns the contract does not have"),
    ({"columns_added": ["a"]}, "columns_added names columns the contract has already"),
    ({"columns_add": ["x"]}, "unknown keys"),
    ({"expectations": {"type": "x"}}, "expectations must be a list"),
])
def test_an_inconsistent_edition_block_is_refused_naming_it(change, error):
    spec = {"expectations": [{"type": "expect_table_columns_to_match_set", "kwargs": {"column_set": ["a", "b"]}}],
            "editions": {2023: change}}
    with pytest.raises(ContractError, match=f"editions.2023 in x.yml: {error}"):
        _for_edition(spec, 2023, "t", "x.yml")


def test_an_edition_without_a_block_gets_the_base_rules():
    spec = yaml.safe_load("expectations: [{type: expect_table_columns_to_match_set, kwargs: {column_set: [a]}}]\n"
                          "editions: {2023: {columns_added: [b]}}")
    assert _for_edition(spec, 2022, "t", "x.yml") == spec["expectations"]
    assert _for_edition(spec, None, "t", "x.yml") == spec["expectations"]
    assert _for_edition(spec, 2023, "t", "x.yml")[0]["kwargs"]["column_set"] == ["a", "b"]
