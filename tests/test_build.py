"""End to end: `make report` in a temporary copy of the project, on the synthetic data.

Checks the publication (HTML site and PDF with Tabel 1-2 and Figuur 1-7), that no
respondent-level data reaches any output, that the build is incremental, and that broken input
stops the build with a named error while the previous `_book/` stays as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.integration

EDITION = 2022
PDF = f"spiegel-bestaanszekerheid-{EDITION}.pdf"


def _copy_project(root: Path, dest: Path) -> Path:
    """The tracked files of the project, its generated data and (linked) venv, in ``dest``."""
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    for rel in tracked.splitlines():
        src = root / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    shutil.copytree(root / "data", dest / "data", copy_function=shutil.copy2)
    os.symlink(root / ".venv", dest / ".venv")
    return dest


def make(project: Path, *targets: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", *targets], cwd=project, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def built(root, edition, tmp_path_factory):
    """A project copy after one `make report`; returns (project, seconds, make output)."""
    project = _copy_project(root, tmp_path_factory.mktemp("spiegel"))
    started = time.perf_counter()
    result = make(project, "report")
    assert result.returncode == 0, result.stdout + result.stderr
    return project, time.perf_counter() - started, result.stdout + result.stderr


def _pdf_text(pdf: Path) -> str | None:
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_report_has_site_and_pdf_with_all_tables_and_figures(built):
    project, _, _ = built
    book = project / "_book"
    chapter = (book / "02_gemeenten.html").read_text("utf-8")
    index = (book / "index.html").read_text("utf-8")
    assert "02_gemeenten.html" in index and "synthetische data" in index
    assert "validatie" in index.lower()
    for n in (1, 2):
        assert f"Tabel {n}" in chapter
    for n in range(1, 8):
        assert f"Figuur {n}" in chapter
    assert chapter.count("<table") >= 2 and chapter.count("<svg") >= 7
    assert "Samenstelling bijstandspopulatie augustus 2021" in chapter
    assert "416 dzd" in chapter
    # No code, no parameters and no printed key-figure dump in the publication.
    for leak in ("params_path", "import ", "show.md(", "kan_nu_werken_klant:"):
        assert leak not in chapter
    text = _pdf_text(book / PDF)
    if text is not None:
        for needle in ("Inhoudsopgave", "Tabel 1", "Tabel 2", "Figuur 1", "Figuur 7",
                       "Re-integratieondersteuning gemeenten", "416 dzd"):
            assert needle in text, needle


CHAPTER_FLOATS = {  # page -> the 2022 numbering of its tables and figures (continuous over the book)
    "03_uwv.html": (("Tabel", range(3, 5)), ("Figuur", range(8, 15))),
    "04_wsp.html": (("Tabel", range(5, 6)), ("Figuur", range(15, 23))),
}


def test_chapters_3_and_4_follow_in_order_with_continuous_numbering(built):
    project, _, _ = built
    book = project / "_book"
    index = (book / "index.html").read_text("utf-8")
    assert index.index("02_gemeenten.html") < index.index("03_uwv.html") < index.index("04_wsp.html")
    for page, floats in CHAPTER_FLOATS.items():
        html = (book / page).read_text("utf-8")
        for kind, numbers in floats:
            for n in numbers:
                assert f"{kind} {n}" in html, f"{kind} {n} missing from {page}"
        assert "Tabel 1 " not in html  # numbering does not restart per chapter
    text = _pdf_text(book / PDF)
    if text is not None:
        for needle in ("Re-integratieondersteuning UWV", "Regionale werkgeversdienstverlening",
                       "Tabel 3", "Tabel 5", "Figuur 8", "Figuur 14", "Figuur 15", "Figuur 22"):
            assert needle in text, needle
        assert text.index("Re-integratieondersteuning UWV") < text.rindex("Regionale werkgeversdienstverlening")


def test_key_figures_are_saved_for_the_samenvatting(built):
    project, _, _ = built
    build = project / "build" / str(EDITION)
    # TRANSITION: chapters written on the findings register save to findings/, the others to keyfigures/
    saved = {p.stem: p for folder in ("keyfigures", "findings") for p in (build / folder).glob("*.json")}
    assert set(saved) == {"gemeenten", "uwv", "wsp"}
    assert '"id": "kan_nu_werken_klant"' in saved["gemeenten"].read_text("utf-8")


def _all_output_text(project: Path) -> dict[str, str]:
    """Every published or displayed text: HTML pages, PDF text, executed notebook outputs."""
    texts = {p.name: p.read_text("utf-8") for p in (project / "_book").glob("*.html")}
    pdf = _pdf_text(project / "_book" / PDF)
    if pdf is not None:
        texts[PDF] = pdf
    for nb_path in (project / "build" / str(EDITION) / "notebooks").glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        parts = []
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                parts.append(str(out.get("text", "")))
                parts.extend(str(v) for v in out.get("data", {}).values())
        texts[nb_path.name] = "\n".join(parts)
    return texts


def test_no_respondent_level_data_in_any_output(built, edition):
    project, _, _ = built
    klanten = pd.read_csv(edition.sources["klanten_pw"].path, dtype=str)
    km = pd.read_csv(edition.sources["klantmanagers_pw"].path, dtype=str)
    weights = set(klanten["gewicht"].head(200))  # as written, six decimals
    for name, text in _all_output_text(project).items():
        assert not re.search(r"\bR\d{6}\b", text), f"respondent id in {name}"
        assert not re.search(r"\bKM\d{4}\b", text), f"klantmanager id in {name}"
        leaked = [w for w in weights if w in text]
        assert not leaked, f"survey weights in {name}: {leaked[:3]}"
        if name.startswith("validat"):
            continue  # the validation report lists rules per column: column names, not data
        assert "persoon_id" not in text and "resp_id" not in text, name
        for table in re.findall(r"<table.*?</table>", text, flags=re.S):
            assert table.count("<tr") <= 40, f"a table in {name} has respondent-like length"
    assert len(km) > 50  # the scan had microdata to look for


def test_second_make_report_executes_nothing(built):
    project, first, _ = built
    started = time.perf_counter()
    result = make(project, "report")
    second = time.perf_counter() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "run:" not in output and "validate" not in output and "render" not in output
    assert second < first / 3
    print(f"first make report {first:.1f}s, second {second:.1f}s")


def test_touching_a_notebook_re_executes_only_that_chapter(built):
    project, _, _ = built
    (project / "notebooks" / "02_gemeenten.ipynb").touch()
    result = make(project, "report")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.count("run: 02_gemeenten.ipynb: executing") == 1
    assert output.count("executing with papermill") == 1  # no other chapter
    assert "validation passed" not in output.lower()  # the data did not change


def test_changed_data_is_validated_again_and_re_executes(built):
    project, _, _ = built
    data = project / "data" / str(EDITION) / "klantmanagers_pw.csv"
    frame = pd.read_csv(data, dtype=str)
    frame.iloc[::-1].to_csv(data, index=False)  # same rows, other order: other bytes
    result = make(project, "report")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "validation passed" in output.lower()
    assert "run: 02_gemeenten.ipynb: executing" in output


BREAKAGES = {
    "missing column": ("klantmanagers_pw", lambda f: f.drop(columns="caseload"), "caseload"),
    "unknown code": ("klanten_pw", lambda f: f.assign(geslacht=f["geslacht"].where(f.index > 2, "onbekend")),
                     "geslacht"),
    "duplicate id": ("klanten_pw", lambda f: pd.concat([f, f.head(2)]), "resp_id"),
    "out-of-range value": ("klanten_pw_trend", lambda f: f.assign(aandeel=f["aandeel"].where(f.index > 0, "1.5")),
                           "aandeel"),
    "empty file": ("cbs_bijstand", None, None),
}


@pytest.mark.parametrize("kind", list(BREAKAGES))
def test_broken_input_stops_the_build_and_keeps_the_book(built, kind, tmp_path):
    project, _, _ = built
    source, breaker, column = BREAKAGES[kind]
    params = yaml.safe_load((project / "params" / f"{EDITION}.yml").read_text("utf-8"))
    params["synthetic"] = False  # real-data mode: files are taken as they are
    for sid, spec in params["sources"].items():
        spec["file"] = str(project / spec["file"])
    broken = tmp_path / Path(params["sources"][source]["file"]).name
    if breaker is None:
        broken.write_text("")
    else:
        breaker(pd.read_csv(params["sources"][source]["file"], dtype=str)).to_csv(broken, index=False)
    params["sources"][source]["file"] = str(broken)
    params_path = project / "params" / "broken.yml"
    params_path.write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    book = project / "_book"
    before = {p.name: p.read_bytes() for p in book.iterdir()}
    result = make(project, "report", f"PARAMS=params/{params_path.name}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"dataset '{source}'" in output
    if column:
        assert f"column '{column}'" in output and "rule " in output
    else:
        assert "empty" in output
    assert {p.name: p.read_bytes() for p in book.iterdir()} == before
    params_path.unlink()
