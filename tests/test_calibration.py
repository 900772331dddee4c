"""Synthetic calibration per edition (issue 14): a later edition's targets state only what differs
from an earlier one (`base:`), laid over it."""

from __future__ import annotations

import pytest

from spiegel.synth.core import calibration, overlay


def test_overlay_merges_mappings_replaces_values_and_removes_nulls():
    base = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "b": [1, 2], "c": 3}
    changes = {"a": {"y": {"q": 5}, "z": 9}, "b": [7], "c": None, "d": {"new": 1}}
    assert overlay(base, changes) == {"a": {"x": 1, "y": {"p": 1, "q": 5}, "z": 9}, "b": [7], "d": {"new": 1}}
    assert base == {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "b": [1, 2], "c": 3}  # unchanged
    assert overlay(base, {}) == base
    assert overlay({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}  # a mapping over a value replaces it


def test_the_2023_targets_are_2022_with_what_moved():
    t22 = calibration("spiegel.chapters.gemeenten", "synth", 2022)
    t23 = calibration("spiegel.chapters.gemeenten", "synth", 2023)
    b22, b23 = (t["klanten_pw"]["targets"]["brede_doelgroep"] for t in (t22, t23))
    assert "contact_afgenomen_corona" in b22 and "contact_afgenomen_corona" not in b23
    assert b22["genoeg_hulp"] == 0.40 and b23["genoeg_hulp"] == 0.48
    assert b23["pakkans"] == b22["pakkans"]  # not named in 2023: as in 2022
    assert t22["klantmanagers_pw"]["n"] == 106 and t23["klantmanagers_pw"]["n"] == 150
    assert set(t23["klanten_pw_trend"]["n"]) == {2017, 2019} and 2014 in t22["klanten_pw_trend"]["n"]
    assert "base" not in t23 and "added_items" not in t22["klanten_pw"]


@pytest.mark.parametrize("chapter", ["gemeenten", "uwv", "wsp", "inkomen", "tozo"])
def test_every_chapter_has_2023_targets_on_top_of_2022(chapter):
    t22 = calibration(f"spiegel.chapters.{chapter}", "synth", 2022)
    t23 = calibration(f"spiegel.chapters.{chapter}", "synth", 2023)
    assert set(t22) <= set(t23) and "base" not in t23


def test_a_missing_edition_names_the_file_to_write():
    with pytest.raises(FileNotFoundError, match=r"src/spiegel/chapters/gemeenten/synth_2031.yml is missing.*base"):
        calibration("spiegel.chapters.gemeenten", "synth", 2031)


@pytest.mark.parametrize("base", [2023, 2030, "2022", True])
def test_base_must_be_an_earlier_edition(tmp_path, monkeypatch, base):
    import sys

    package = tmp_path / "calpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "synth_2023.yml").write_text(f"base: {base!r}\n".replace("'", '"') if isinstance(base, str)
                                            else f"base: {str(base).lower()}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("calpkg", None)
    with pytest.raises(ValueError, match="must be an earlier edition"):
        calibration("calpkg", "synth", 2023)
