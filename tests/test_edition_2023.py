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

import pdfread
from project_copy import copy_project
from spiegel.findings import load
from spiegel.params import load_params

pytestmark = pytest.mark.integration

AGREE = ["helemaal_eens", "eens"]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "synth_sha256.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path -> sha256)."""
    return {str(p.relative_to(folder)): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(root, tmp_path_factory):
    """A project copy after `make report EDITION=2022` and then `make report PARAMS=params/2023.yml`:
    (project, 2022 data before, 2022's book and build state before 2023 was built)."""
    project = copy_project(root, tmp_path_factory.mktemp("spiegel2023"))
    before = {p.name: sha256(p) for p in sorted((project / "data" / "2022").iterdir()) if p.is_file()}
    result = make(project, "report", "EDITION=2022")
    assert result.returncode == 0, result.stdout + result.stderr
    outputs_2022 = {"book": tree(project / "_book" / "2022"), "build": tree(project / "build" / "2022")}
    result = make(project, "report", "PARAMS=params/2023.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    return project, before, outputs_2022


@pytest.fixture(scope="module")
def registers(built):
    project, *_ = built
    folder = load_params(project / "params" / "2023.yml").build_dir / "findings"
    return {p.stem: load(p) for p in folder.glob("*.json")}


@pytest.fixture(scope="module")
def files(built):
    project, *_ = built
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
    project, *_ = built
    f = registers["gemeenten"]["contactmomenten_afgenomen_corona"]
    assert f.not_asked == 2023 and not f.shown and f.value is None
    page = html.unescape(re.sub(r"<[^>]+>", "", (project / "_book" / "2023" / "02_gemeenten.html").read_text("utf-8")))
    assert "minder contactmomenten" not in page and "coronacrisis wel minder" not in page
    trend = registers["gemeenten"]["trend_te_weinig_gesprekken"]
    assert [w.wave for w in trend.waves] == [2017, 2019, 2021, 2022]
    assert "in 2019, " in page and "in 2021 en " in page and "in 2022)" in page
    assert (project / "_book" / "2023" / "spiegel-bestaanszekerheid-2023.pdf").is_file()


def test_building_2023_leaves_the_2022_data_as_the_fixture_records_it(built):
    project, before, _ = built
    after = {p.name: sha256(p) for p in sorted((project / "data" / "2022").iterdir()) if p.is_file()}
    assert after == before
    recorded = json.loads(FIXTURE.read_text("utf-8"))["sha256"]["20220906"]
    params = load_params(project / "params" / "2022.yml")
    for sid, source in params.sources.items():
        assert sha256(source.path) == recorded[sid], sid


# ---------------------------------------------------------------------------------------------
# development since 2022 (spiegel.development; params/2023.yml: development)


def visible(path: Path) -> str:
    page = path.read_text("utf-8")
    page = page[page.find("<main"):] if "<main" in page else page
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\u00ad", ""))


def kish(frame: pd.DataFrame, column: str) -> tuple[float, float]:
    """(weighted share of "ja"/agree answers, Kish effective n) of the answered rows."""
    answered = frame[frame[column].notna()]
    w = answered["gewicht"]
    return wshare(frame, column, ["ja", *AGREE]), float(w.sum() ** 2 / (w ** 2).sum())


def test_each_chapter_states_its_key_figures_against_2022_with_a_test_computed_here(built):
    """Values from the 2022 and 2023 files with pandas, the verdict from statsmodels' z-test on them."""
    from statsmodels.stats.proportion import proportions_ztest

    from spiegel import fmt

    project, *_ = built

    def brede(year: int) -> pd.DataFrame:
        k = pd.read_csv(project / "data" / str(year) / "klanten_pw.csv")
        return k[k["steekproef"] == "brede_doelgroep"]

    def tozo(year: int) -> pd.DataFrame:
        return pd.read_csv(project / "data" / str(year) / "tozo_klanten.csv")

    cases = [("02_gemeenten", "Concrete afspraken gemaakt met de gemeente", brede, "afspraken"),
             ("05_inkomen", "Mijn uitkering wordt op tijd betaald", brede, "uitk_op_tijd"),
             ("06_tozo", "Tijdens de uitkering nieuwe schulden opgebouwd", tozo, "nieuwe_schulden"),
             ("06_tozo", "Informatie van de gemeente over de Tozo was duidelijk", tozo, "info_duidelijk")]
    verdicts = set()
    for page, label, frame, column in cases:
        (p_now, n_now), (p_before, n_before) = kish(frame(2023), column), kish(frame(2022), column)
        _, p = proportions_ztest([p_now * n_now, p_before * n_before], [n_now, n_before])
        verdict = ("significant hoger" if p_now > p_before else "significant lager") if p < 0.05 \
            else "geen significant verschil"
        verdicts.add(verdict)
        sentence = f"{label}: {fmt.pct(p_now)} in 2023, tegen {fmt.pct(p_before)} in 2022; {verdict}."
        assert sentence in visible(project / "_book" / "2023" / f"{page}.html"), (page, sentence)
    assert "significant hoger" in verdicts  # the calibration moved some of them
    text = visible(project / "_book" / "2023" / "02_gemeenten.html")
    assert "Minder contact tijdens de coronacrisis: niet gevraagd in 2023; geen vergelijking mogelijk." in text
    assert "Contact via beeldbellen of telefoon: niet gevraagd in 2022; geen vergelijking mogelijk." in text
    assert "Personen met bijstand: 405.870 in 2023, tegen 416.120 in 2022" in text  # a register figure: a change
    for page in ("02_gemeenten", "03_uwv", "04_wsp", "05_inkomen", "06_tozo"):
        assert "Ontwikkeling sinds de Spiegel 2022" in visible(project / "_book" / "2023" / f"{page}.html"), page
        assert "Ontwikkeling sinds" not in visible(project / "_book" / "2022" / f"{page}.html"), page


def test_the_kerncijfers_page_and_its_csv_hold_every_key_figure(built, registers):
    import csv

    project, *_ = built
    params = load_params(project / "params" / "2023.yml")
    wanted = [(c.number, fid) for c in sorted(params.chapters, key=lambda c: c.number)
              for fid in params.raw["development"]["key_figures"].get(c.id, [])]
    with open(project / "_book" / "2023" / "cijfers" / "kerncijfers-2023.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["Kerncijfers 2023 en 2022"]
    assert rows[1] == ["Hoofdstuk", "Kerncijfer", "2023", "2022", "Verschil", "Significant?"]
    body = rows[2:2 + len(wanted)]
    assert [int(r[0]) for r in body] == [n for n, _ in wanted] and rows[2 + len(wanted)] == []
    by_label = {r[1]: r for r in body}
    concrete = by_label["Concrete afspraken gemaakt met de gemeente"]
    reg = registers["gemeenten"]
    assert concrete[2:] == [f"{round(reg['concrete_afspraken_klant'].value * 100)}%",
                            f"{round(reg['ontw_concrete_afspraken_klant'].b.value * 100)}%",
                            concrete[4], "ja" if reg["ontw_concrete_afspraken_klant"].significant else "nee"]
    assert by_label["Minder contact tijdens de coronacrisis"][5] == "niet gevraagd in 2023"
    assert by_label["Personen met bijstand"][5] == "registercijfer"
    assert any("synthetische data" in " ".join(r) for r in rows[2 + len(wanted):])
    page = visible(project / "_book" / "2023" / "kerncijfers.html")
    assert "Kerncijfers van deze en de vorige Spiegel" in page and "Concrete afspraken gemaakt met de gemeente" in page
    assert 'href="cijfers/kerncijfers-2023.csv"' in (project / "_book" / "2023" / "kerncijfers.html").read_text("utf-8")
    assert not (project / "_book" / "2022" / "kerncijfers.html").exists()
    assert not (project / "_book" / "2022" / "cijfers" / "kerncijfers-2022.csv").exists()


def test_the_two_editions_differ_in_structure_only_where_2023_compares_with_2022(built):
    project, *_ = built
    books = {year: project / "_book" / str(year) for year in (2022, 2023)}
    pdfread.need_poppler()
    pages = {year: sorted(p.name for p in books[year].glob("*.html")) for year in books}
    assert sorted(set(pages[2023]) - set(pages[2022])) == ["kerncijfers.html"] and set(pages[2022]) <= set(pages[2023])
    old, new = (pdfread.outline(books[y] / f"spiegel-bestaanszekerheid-{y}.pdf") for y in (2022, 2023))
    added = list(new)
    for item in old:
        added.remove(item)  # every bookmark of 2022 is in 2023 ...
    assert sorted(added) == ["Kerncijfers"] + ["Ontwikkeling sinds de Spiegel 2022"] * 5  # ... and only these more
    assert new.index("Samenvatting") < new.index("Kerncijfers") < new.index("Inleiding")  # as the params list it


def test_building_2023_leaves_the_2022_book_and_build_state_byte_identical(built):
    project, _, outputs_2022 = built
    assert tree(project / "_book" / "2022") == outputs_2022["book"]
    assert tree(project / "build" / "2022") == outputs_2022["build"]


def test_the_data_step_of_2023_writes_the_2022_data_it_compares_with(root, tmp_path):
    """A fresh clone builds the newest edition only; its chapters read 2022's files, so its data
    step writes them as 2022's own build does (the bytes the synth fixture records)."""
    import shutil

    project = copy_project(root, tmp_path / "project")
    shutil.rmtree(project / "data" / "2022")
    result = make(project, "data", "EDITION=2023")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "sources of edition 2022, compared with" in output
    recorded = json.loads(FIXTURE.read_text("utf-8"))["sha256"]["20220906"]
    for sid, source in load_params(project / "params" / "2022.yml").sources.items():
        assert sha256(source.path) == recorded[sid], sid
    again = make(project, "data", "EDITION=2023")
    assert again.returncode == 0 and "compared with" not in again.stdout + again.stderr  # nothing to write
