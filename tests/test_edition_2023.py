"""The 2023 edition (issue 14): built from its own params and synthetic data in a copy of the
project, its key figures equal what plain pandas computes from the 2023 files, the comparisons
that were meant to move did, the item the 2023 survey dropped is "niet gevraagd in 2023", 2021 is
its previous wave with the 2022 edition's own figures, and building it leaves 2022's data as the
fixture records it."""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from test_build import make

from project_copy import copy_project
from spiegel.findings import load
from spiegel.params import load_params

pytestmark = pytest.mark.integration

AGREE = ["helemaal_eens", "eens"]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "synth_sha256.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(root, tmp_path_factory):
    """A project copy after one `make report PARAMS=params/2023.yml`: (project, 2022 data before)."""
    project = copy_project(root, tmp_path_factory.mktemp("spiegel2023"))
    before = {p.name: sha256(p) for p in sorted((project / "data" / "2022").iterdir()) if p.is_file()}
    result = make(project, "report", "PARAMS=params/2023.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    return project, before


@pytest.fixture(scope="module")
def registers(built):
    project, _ = built
    folder = load_params(project / "params" / "2023.yml").build_dir / "findings"
    return {p.stem: load(p) for p in folder.glob("*.json")}


@pytest.fixture(scope="module")
def files(built):
    project, _ = built
    return lambda name: pd.read_csv(project / "data" / "2023" / name)


def wshare(frame: pd.DataFrame, column: str, positive: list[str]) -> float:
    """The weighted share of ``positive`` among the answers (empty cells: not asked)."""
    answered = frame[frame[column].notna()]
    return float((answered["gewicht"] * answered[column].isin(positive)).sum() / answered["gewicht"].sum())


def test_key_figures_equal_plain_pandas_on_the_2023_files(registers, files):
    klanten = files("klanten_pw.csv")
    brede = klanten[klanten["steekproef"] == "brede_doelgroep"]
    uwv, tozo = files("uwv_klanten.csv"), files("tozo_klanten.csv")
    expected = {
        ("gemeenten", "te_weinig_persoonlijke_gesprekken"): wshare(brede, "te_weinig_gesprekken", ["ja"]),
        ("gemeenten", "concrete_afspraken_klant"): wshare(brede, "afspraken", ["ja"]),
        ("gemeenten", "contact_digitaal_klant"): wshare(brede, "contact_digitaal", ["ja"]),
        ("gemeenten", "n_klantmanagers_vragenlijst"): len(files("klantmanagers_pw.csv")),
        ("uwv", "concrete_afspraken_klant"): wshare(uwv, "afspraken", ["ja"]),
        ("inkomen", "uitk_op_tijd"): wshare(brede, "uitk_op_tijd", AGREE),
        ("tozo", "nieuwe_schulden"): wshare(tozo, "nieuwe_schulden", ["ja"]),
        ("tozo", "informatie_duidelijk"): wshare(tozo, "info_duidelijk", AGREE),
    }
    for (chapter, fid), value in expected.items():
        assert registers[chapter][fid].value == pytest.approx(value, abs=1e-6), (chapter, fid)
    # the sample sizes the 2023 calibration changed
    assert len(files("klantmanagers_pw.csv")) == 150 and len(uwv) == 1210


def test_the_previous_wave_is_2021_with_the_2022_editions_figures(registers, files, root):
    """klanten_pw_trend's 2021 rows are the 2022 synthetic survey summed up (its current wave)."""
    from spiegel import chapter

    trend = files("klanten_pw_trend.csv")
    assert sorted(trend["meting"].unique()) == [2017, 2019, 2021]
    r2022 = chapter.open(root / "params" / "2022.yml", "gemeenten").findings
    for indicator, fid in {"rekening_behoefte_voldoende": "gemeente_voldoende_rekening_met_behoefte",
                           "behoefte_zoeken_werk": "behoefte_zoeken_werk_klant",
                           "te_weinig_gesprekken": "te_weinig_persoonlijke_gesprekken",
                           "pakkans": "pakkans_klant"}.items():
        row = trend[(trend["indicator"] == indicator) & (trend["meting"] == 2021)].iloc[0]
        assert row["aandeel"] == pytest.approx(r2022[fid].value, abs=1e-6) and row["n"] == r2022[fid].n
    c = registers["gemeenten"]["cmp_rekening_golf"]
    assert c.b.wave == 2021 and c.b.value == pytest.approx(r2022["gemeente_voldoende_rekening_met_behoefte"].value,
                                                           abs=1e-6)


def test_comparisons_moved_as_the_2023_calibration_meant(registers):
    g = registers["gemeenten"]
    assert g["cmp_rekening_golf"].significant and g["cmp_rekening_golf"].higher       # not significant in 2022
    assert not g["cmp_behoefte_zoeken_werk_golf"].significant                         # significant in 2022
    assert g["trend_te_weinig_gesprekken"].direction == "up"                          # flat in 2022
    assert registers["inkomen"]["trend_uitk_op_tijd"].direction == "up"               # flat in 2022


def test_the_dropped_item_is_not_asked_and_the_text_reads_without_it(built, registers):
    project, _ = built
    f = registers["gemeenten"]["contactmomenten_afgenomen_corona"]
    assert f.not_asked == 2023 and not f.shown and f.value is None
    page = html.unescape(re.sub(r"<[^>]+>", "", (project / "_book" / "02_gemeenten.html").read_text("utf-8")))
    assert "minder contactmomenten" not in page and "coronacrisis wel minder" not in page
    trend = registers["gemeenten"]["trend_te_weinig_gesprekken"]
    assert [w.wave for w in trend.waves] == [2017, 2019, 2021, 2022]
    assert "in 2019, " in page and "in 2021 en " in page and "in 2022)" in page
    assert (project / "_book" / "spiegel-bestaanszekerheid-2023.pdf").is_file()


def test_building_2023_leaves_the_2022_data_as_the_fixture_records_it(built):
    project, before = built
    after = {p.name: sha256(p) for p in sorted((project / "data" / "2022").iterdir()) if p.is_file()}
    assert after == before
    recorded = json.loads(FIXTURE.read_text("utf-8"))["sha256"]["20220906"]
    params = load_params(project / "params" / "2022.yml")
    for sid, source in params.sources.items():
        assert sha256(source.path) == recorded[sid], sid
