"""End to end: `make report` in a temporary copy of the project, on the synthetic data.

Checks the publication (HTML site and PDF with Tabel 1-2 and Figuur 1-7), that no
respondent-level data reaches any output, that the build is incremental by content (fingerprints,
not file dates), that each params file has its own build state, that the book (`_book/2022/`, each
edition its own) carries a manifest
that is checked before "publication ready", that a failed validation is never published, that one
build per edition runs at a time, that signals leave no temporary files, and that broken input
stops the build with a named error while the previous book stays as it was.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

import pdfread
from spiegel.params import load_params


pytestmark = pytest.mark.integration

EDITION = 2022
PDF = f"spiegel-bestaanszekerheid-{EDITION}.pdf"
BOOK = Path("_book") / str(EDITION)  # the edition's book folder, relative to the project


def _env(**extra: str) -> dict[str, str]:
    """The environment of a nested build: not inside the lock or the make that runs the tests."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_COMMAND"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def make(project: Path, *targets: str) -> subprocess.CompletedProcess:
    """``make`` in the project, on edition 2022 unless an EDITION= is given (the default is the
    newest edition, which these tests do not decide)."""
    edition = [] if any(t.startswith("EDITION=") for t in targets) else [f"EDITION={EDITION}"]
    return subprocess.run(["make", *targets, *edition], cwd=project, capture_output=True, text=True, timeout=900,
                          env=_env())


def spiegel(project: Path, *args: str, params: str = f"params/{EDITION}.yml") -> subprocess.CompletedProcess:
    return subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "--params", params, *args], cwd=project,
                          capture_output=True, text=True, timeout=900, env=_env())


def state_dir(project: Path, params: str = f"params/{EDITION}.yml") -> Path:
    """The build state of a params file (``Edition.build_dir``: build/<edition>/<stem>-<hash>)."""
    return load_params(project / params).build_dir


def book_files(project: Path) -> dict[str, bytes]:
    return {str(p.relative_to(project / BOOK)): p.read_bytes()
            for p in sorted((project / BOOK).rglob("*")) if p.is_file()}


def chapter_results(project: Path) -> dict[str, bytes]:
    """The chapters' results in the build state: executed notebooks, run records, registers."""
    state = state_dir(project)
    assert not (state / ".set-aside").exists()  # nothing left from runs beside a validation
    return {str(p.relative_to(state)): p.read_bytes()
            for p in [*(state / "notebooks").glob("*"), *(state / "findings").glob("*")] if p.is_file()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


OLD = time.mktime((2001, 1, 1, 0, 0, 0, 0, 0, -1))


def replace_with_older_date(path: Path, data: bytes) -> None:
    """Replace ``path`` by a file with other bytes and an older modification time, as `cp -p`,
    `rsync -a` or `tar` do."""
    tmp = path.with_name(path.name + ".incoming")
    tmp.write_bytes(data)
    os.utime(tmp, (OLD, OLD))
    os.replace(tmp, path)
    assert path.stat().st_mtime == OLD


def output_of(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def executions(output: str) -> list[str]:
    return re.findall(r"run: (\S+\.ipynb): executing", output)


def ran(output: str) -> list[str]:
    """The steps the build's closing summary says ran ("  ran:    validation 4.1 s, book 2.0 s")."""
    found = re.search(r"^  ran: +(.*)$", output, flags=re.M)
    assert found, f"no summary in the output:\n{output}"
    if found.group(1).startswith("nothing"):
        return []
    return [re.sub(r" [0-9.]+ s$", "", part) for part in found.group(1).split(", ")]


def force_render(project: Path, tag: str) -> None:
    """Change the render configuration (a comment in _quarto.yml): the book must be rendered again."""
    with open(project / "_quarto.yml", "a", encoding="utf-8") as f:
        f.write(f"\n# {tag} {time.time()}\n")


def change_notebook(project: Path, name: str) -> None:
    """Change a notebook's bytes without changing what it computes (a metadata field)."""
    path = project / "notebooks" / name
    nb = json.loads(path.read_text("utf-8"))
    nb["metadata"]["spiegel_test"] = time.time()
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")


def wait_for(predicate, timeout: float = 120.0, step: float = 0.02):
    started = time.time()
    while time.time() - started < timeout:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError(f"gave up waiting after {timeout}s")


def lock_holder(project: Path) -> dict | None:
    """The details written into build/<edition>/build.lock by the build that holds it."""
    try:
        return json.loads((project / "build" / str(EDITION) / "build.lock").read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return None


@pytest.fixture(scope="module")
def built(built_project):
    """A project copy after one `make report` (built once per session, conftest.py: the browser
    tests read the same book); returns (project, seconds, make output)."""
    return built_project


def _pdf_text(pdf: Path) -> str | None:
    """The PDF's text; None without poppler locally (the PDF checks are then left out), a failure
    in CI."""
    if not shutil.which("pdftotext"):
        if os.environ.get("CI"):
            pytest.fail("poppler-utils (pdftotext) must be installed in CI (.ci/run)")
        return None
    return pdfread.text(pdf)


def test_report_has_site_and_pdf_with_all_tables_and_figures(built):
    project, _, _ = built
    book = project / BOOK
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


def test_the_book_has_its_front_and_back_matter_around_the_chapters(built):
    """Hoofdboodschap, Samenvatting and 1 Inleiding before the chapters, 7 Naschrift, the Bijlage
    and the Literatuur after them, in the site and the PDF; the summary's numbers are the ones the
    build's registers hold."""
    from spiegel import fmt
    from spiegel.findings import load

    project, _, _ = built
    book = project / BOOK
    index = (book / "index.html").read_text("utf-8")
    order = ["hoofdboodschap.html", "samenvatting.html", "01_inleiding.html", "02_gemeenten.html",
             "06_tozo.html", "07_naschrift.html", "bijlage.html", "literatuur.html"]
    positions = [index.index(f'href="{page}"') for page in order]
    assert positions == sorted(positions)
    summary = re.sub(r"\s+", " ", (book / "samenvatting.html").read_text("utf-8"))
    gemeenten = load(state_dir(project) / "findings" / "gemeenten.json")
    km = gemeenten["klantmanager_kan_ondersteuning_niet_bieden"].value
    assert f"schatten dat zij {fmt.fraction_phrase(km)} van hun klanten" in summary
    assert "(Berenschot 2021)" in summary and "[@" not in summary  # citeproc formatted the citations
    literature = (book / "literatuur.html").read_text("utf-8")
    assert "Analyse vijf jaar armoedebeleid in tachtig gemeenten" in literature
    assert "Voorbeeldreactie" in (book / "bijlage.html").read_text("utf-8")
    inleiding = (book / "01_inleiding.html").read_text("utf-8")
    assert "<table" in inleiding and "1.500 respondenten" in inleiding
    text = _pdf_text(book / PDF)
    if text is not None:
        flat = re.sub(r"\s+", " ", text)
        heads = ["Hoofdboodschap", "Samenvatting", "1 Inleiding", "2 Re-integratieondersteuning gemeenten",
                 "7 Naschrift", "Bijlage Bestuurlijke reacties UWV, Divosa en VNG", "Literatuur"]
        body = flat[flat.index("Hoofdboodschap", flat.index("Inhoudsopgave") + 2000):]
        found = [body.find(h) for h in heads]
        assert -1 not in found and found == sorted(found), dict(zip(heads, found))
        assert "Nibud. 2021. Analyse vijf jaar armoedebeleid" in flat


def test_the_pdf_names_the_chapter_in_its_header_and_lists_three_levels(built):
    """Running header = the chapter the page belongs to; contents down to 3.3.1; one type design
    (DejaVu Sans, as the charts; its monospace cut for the colophon's fingerprints), every font
    embedded."""
    project, _, _ = built
    pdf = project / BOOK / PDF
    pdfread.need_poppler()
    pages = pdfread.text(pdf).split("\f")
    headers = [re.sub(r"\s+", " ", page.strip().splitlines()[0]) if page.strip() else "" for page in pages]
    opening = next(i for i, page in enumerate(pages) if re.search(r"^\s*3\s+Re-integratieondersteuning UWV\s*$", page, re.M)
                   and "Inhoudsopgave" not in page)
    assert headers[opening].startswith("3 Re-integratieondersteuning UWV")
    assert headers[opening + 1].startswith("3 Re-integratieondersteuning UWV")  # a page inside the chapter
    assert any(h.startswith("Samenvatting") for h in headers) and any(h.startswith("7 Naschrift") for h in headers)
    contents = "\n".join(page for page in pages if "Inhoudsopgave" in page or ". . ." in page)
    assert re.search(r"3\.3\.1\s+Diagnose en afspraken", contents)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    families = {line.split()[0].split("+")[-1].split("-")[0] for line in fonts}
    assert "DejaVuSans" in families and families <= {"DejaVuSans", "DejaVuSansMono"}, families  # mono: the colophon's hashes
    assert all(" yes " in f" {line} " for line in fonts)  # embedded


def _captions(book: Path) -> dict[str, str]:
    """``{"Figuur 3": caption, "Tabel 1": caption}`` of every float, as the HTML pages show them."""
    def plain(fragment: str) -> str:
        text = html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\u00ad", "").replace("\u2019", "'")
        return re.sub(r"\s+", " ", text).strip()

    captions = {}
    for page in book.glob("*.html"):
        source = page.read_text("utf-8")
        for tag in ("figcaption", "caption"):
            for label, caption in re.findall(rf'<{tag}><span class="sp-float-label">((?:Figuur|Tabel) \d+)</span>'
                                             rf"(.*?)</{tag}>", source, re.S):
                captions[label] = plain(caption)
    return captions


def test_the_pdf_has_its_pages_outline_every_caption_and_every_figure_alt_text(built):
    """What a reader's PDF tools see: a length like the published edition's, bookmarks for every
    chapter and section, contents whose page numbers are right, each Tabel/Figuur with the caption
    the site gives it, and each figure's alt text starting with that caption."""
    project, _, _ = built
    book = project / BOOK
    pdf = book / PDF
    pdfread.need_poppler()
    assert 55 <= pdfread.page_count(pdf) <= 95
    outline = pdfread.outline(pdf, numbers=True)
    for page in sorted(book.glob("0[1-7]_*.html")):  # every chapter, with its numbered sections
        number = page.name[1]
        title = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text("utf-8"), re.S).group(1))
        title = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", title)).replace("\u00ad", "").strip()
        assert any(item == title or item == f"{number} {title.removeprefix(number).strip()}" for item in outline), title
        assert f"{number}.1" in " ".join(item.split()[0] for item in outline)
    for front in ("Hoofdboodschap", "Samenvatting", "Literatuur"):
        assert front in outline
    # the contents' page numbers: each entry's heading is on the page it names (printed = physical)
    pages = pdfread.text(pdf).split("\f")
    entries = [(f"{m[0]} {m[1]}".strip(), int(m[2])) for page in pages if ". . ." in page
               for m in re.findall(r"^\s*(\d+(?:\.\d+)*)?\s*(\S.*?)\s*(?:\.\s){3,}\.?[\s\u2060]*(\d+)\s*$", page, re.M)]
    assert len(entries) >= 100 and [n for _, n in entries] == sorted(n for _, n in entries)
    wrong = [(head, n) for head, n in entries
             if head not in re.sub(r"\s+", " ", re.sub(r"\u00ad\s*", "", pages[n - 1]))]
    assert not wrong, wrong
    captions = _captions(book)
    for kind, at_least in (("Tabel", 7), ("Figuur", 25)):  # Tabel 7 and Figuur 25: chapter 5 (CHAPTER_FLOATS)
        numbers = sorted(int(label.split()[1]) for label in captions if label.startswith(kind))
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= at_least, (kind, numbers)
    text = re.sub(r"\u00ad\s*", "", re.sub(r"\s+", " ", pdfread.text(pdf))).replace("\u2019", "'")  # hyphenated
    missing = [label for label, caption in captions.items() if f"{label} {caption}" not in text]
    assert not missing, missing
    alts = [re.sub(r"\s+", " ", a) for a in pdfread.alt_texts(pdf.read_bytes())]
    figures = {label: caption for label, caption in captions.items() if label.startswith("Figuur")}
    without = [label for label, caption in figures.items() if not any(re.match(rf"{re.escape(caption)}\.? [A-Z]", a) for a in alts)]
    assert not without, without


def test_editing_a_summary_re_renders_only_the_book(built):
    project, _, _ = built
    page = project / "book" / "samenvatting.md"
    original = page.read_text("utf-8")
    try:
        page.write_text(original + "\nEen zin die een redacteur toevoegde.\n", "utf-8")
        result = make(project, "report")
        output = output_of(result)
        assert result.returncode == 0, output
        assert ran(output) == ["book"] and not executions(output)
        assert "Een zin die een redacteur toevoegde." in (project / BOOK / "samenvatting.html").read_text("utf-8")
        manifest = json.loads((project / BOOK / "manifest.json").read_text("utf-8"))
        assert manifest["book"]["book/samenvatting.md"]["sha256"] == sha256(page)
    finally:
        page.write_text(original, "utf-8")
    result = make(project, "report")
    assert result.returncode == 0 and ran(output_of(result)) == ["book"], output_of(result)


CHAPTER_FLOATS = {  # page -> the 2022 numbering of its tables and figures (continuous over the book)
    "03_uwv.html": (("Tabel", range(3, 5)), ("Figuur", range(8, 15))),
    "04_wsp.html": (("Tabel", range(5, 6)), ("Figuur", range(15, 23))),
    "05_inkomen.html": (("Tabel", range(6, 8)), ("Figuur", range(23, 26))),
}


def test_chapters_3_and_4_follow_in_order_with_continuous_numbering(built):
    project, _, _ = built
    book = project / BOOK
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
    folder = state_dir(project) / "findings"
    # the state of the most recent build is found under build/<edition>/current
    assert (project / "build" / str(EDITION) / "current" / "findings").resolve() == folder.resolve()
    assert {p.stem for p in folder.glob("*.json")} == {"gemeenten", "uwv", "wsp", "inkomen", "tozo"}
    assert all('"format": 2' in p.read_text("utf-8") for p in folder.glob("*.json"))
    assert "kan_nu_werken_klant" in (folder / "gemeenten.json").read_text("utf-8")
    assert '"tabel5_telefoon_ingevoerd"' in (folder / "wsp.json").read_text("utf-8")


def _all_output_text(project: Path) -> dict[str, str]:
    """Every published or displayed text: HTML pages, PDF text, executed notebook outputs."""
    texts = {p.name: p.read_text("utf-8") for p in (project / BOOK).glob("*.html")}
    pdf = _pdf_text(project / BOOK / PDF)
    if pdf is not None:
        texts[PDF] = pdf
    texts["manifest.json"] = (project / BOOK / "manifest.json").read_text("utf-8")
    for nb_path in (state_dir(project) / "notebooks").glob("*.ipynb"):
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


def test_no_open_answer_in_any_output(built, edition):
    """Chapter 6 counts only the themes the open answers were coded into: no answer (nor any
    sentence of one) appears in the HTML, the PDF, the executed notebooks or the validation report."""
    project, _, _ = built
    answers = pd.read_csv(edition.sources["tozo_klanten"].path)["verbeterpunt"].dropna()
    sentences = {p.strip() for a in answers for p in re.split(r"(?<=[.!?])\s+", a) if len(p.strip()) > 15}
    assert len(sentences) > 30  # the scan had open answers to look for
    for name, text in _all_output_text(project).items():
        leaked = [a for a in sorted(set(answers) | sentences) if a in text]
        assert not leaked, f"open answer in {name}: {leaked[:1]}"


def test_second_make_report_executes_nothing(built):
    project, first, _ = built
    started = time.perf_counter()
    result = make(project, "report")
    second = time.perf_counter() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert ran(output) == [] and "run:" not in output and "Data validation" not in output
    assert "ran:    nothing (everything was up to date)" in output
    assert second < first / 3
    print(f"first make report {first:.1f}s, second {second:.1f}s")


def test_book_manifest_names_what_produced_it(built, root):
    project, _, _ = built
    manifest = json.loads((project / BOOK / "manifest.json").read_text("utf-8"))
    edition = load_params(project / "params" / f"{EDITION}.yml")
    assert manifest["params"] == {"file": f"params/{EDITION}.yml", "sha256": sha256(edition.path)}
    assert set(manifest["data"]) == set(edition.sources)
    for sid, source in edition.sources.items():
        assert manifest["data"][sid] == {"file": str(source.path.relative_to(project)), "sha256": sha256(source.path)}
        contract = manifest["contracts"][source.contract]
        assert contract["sha256"] == sha256(project / contract["file"])
    for chapter in edition.chapters:
        entry = manifest["notebooks"][chapter.id]
        assert entry["sha256"] == sha256(chapter.notebook)
        assert entry["executed_sha256"] == sha256(state_dir(project) / "notebooks" / chapter.notebook.name)
    assert set(manifest["code"]) == {"synth", "validation", "analysis", "render"}
    assert manifest["renderer"] == "pandoc" and manifest["edition"] == EDITION
    assert manifest["spiegel_version"] == __import__("spiegel").__version__
    assert manifest["validation"] == {"ok": True, "report_sha256": sha256(state_dir(project) / "validation.html")}
    assert str(project) not in json.dumps(manifest) and str(root) not in json.dumps(manifest)


TOUCHES = {  # what is touched (new date, same bytes) -> files
    "params": lambda p: [p / "params" / f"{EDITION}.yml"],
    "data": lambda p: sorted((p / "data" / str(EDITION)).iterdir()),
    "contracts": lambda p: sorted((p / "data_contracts").glob("*.yml")),
    "notebooks": lambda p: sorted((p / "notebooks").glob("*.ipynb")),
    "render config": lambda p: [p / "_quarto.yml"],
}


@pytest.mark.parametrize("what", [*TOUCHES, "identical copies"])
def test_touch_only_changes_re_run_nothing(built, what):
    project, _, _ = built
    if what == "identical copies":  # rewritten with the same bytes, as a re-download or `cp` would
        for path in [project / "params" / f"{EDITION}.yml", *TOUCHES["data"](project)]:
            data = path.read_bytes()
            path.unlink()
            path.write_bytes(data)
    else:
        for path in TOUCHES[what](project):
            path.touch()
    before = book_files(project)
    result = make(project, "report")
    output = output_of(result)
    assert result.returncode == 0, output
    assert ran(output) == [], output
    for word in ("run:", "Data validation", "book written", "changed since"):
        assert word not in output, (word, output)
    assert "publication ready" in output
    assert book_files(project) == before


def test_changing_a_notebook_re_executes_only_that_chapter(built):
    project, _, _ = built
    change_notebook(project, "04_wsp.ipynb")
    result = make(project, "-j2", "report")
    output = output_of(result)
    assert result.returncode == 0, output
    assert executions(output) == ["04_wsp.ipynb"]  # no other chapter
    assert "run: 04_wsp.ipynb: executing, because: notebook changed (notebooks/04_wsp.ipynb)" in output
    assert ran(output) == ["chapter 4 wsp", "book"]
    assert "validation passed" not in output.lower()  # the data did not change
    assert "publication ready" in output


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


# ------------------------------------------------------------------------------------------------
# The gate follows content, not dates


def test_data_replaced_by_a_file_with_an_older_date_is_validated_again(built):
    project, _, _ = built
    data = project / "data" / str(EDITION) / "uwv_medewerkers.csv"
    original = data.read_bytes()
    frame = pd.read_csv(data, dtype=str)
    replace_with_older_date(data, frame.iloc[::-1].to_csv(index=False).encode())  # valid, other bytes
    assert data.read_bytes() != original
    result = make(project, "report")
    output = output_of(result)
    assert result.returncode == 0, output
    assert "validation: validating (changed since the last validation: data uwv_medewerkers" in output
    assert "validation passed" in output.lower()
    assert executions(output) == ["03_uwv.ipynb"]  # the one chapter that reads it
    manifest = json.loads((project / BOOK / "manifest.json").read_text("utf-8"))
    assert manifest["data"]["uwv_medewerkers"]["sha256"] == sha256(data)


OLDER_BREAKAGES = {  # a replacement that fails its contract, copied in with an older date
    "out-of-range share": ("klanten_pw_trend", lambda f: f.assign(aandeel=f["aandeel"].where(f.index > 0, "1.5")),
                           "aandeel"),
    "missing column": ("wsp_regios", lambda f: f.drop(columns=f.columns[-1]), None),
    "duplicate id": ("uwv_klanten", lambda f: pd.concat([f, f.head(3)]), None),
}


@pytest.mark.parametrize("kind", list(OLDER_BREAKAGES))
def test_failing_replacement_with_an_older_date_stops_the_build(built, kind):
    """The issue's case: a replaced data file with an older date, then a touched notebook."""
    project, _, _ = built
    source, breaker, column = OLDER_BREAKAGES[kind]
    path = load_params(project / "params" / f"{EDITION}.yml").sources[source].path
    original, stat = path.read_bytes(), path.stat()
    before, results = book_files(project), chapter_results(project)
    try:
        replace_with_older_date(path, breaker(pd.read_csv(path, dtype=str)).to_csv(index=False).encode())
        for nb in (project / "notebooks").glob("*.ipynb"):
            nb.touch()
        result = make(project, "report")
        output = output_of(result)
        assert result.returncode != 0, output
        assert "Data validation failed" in output and f"dataset '{source}'" in output
        if column:
            assert f"column '{column}'" in output
        assert "publication ready" not in output
        # The chapter reading the file ran beside the validation (or was stopped): nothing it
        # computed from the failing data is kept, its earlier results are back.
        assert executions(output), output
        assert "validation failed: " in output and ("were removed (their earlier results kept)" in output
                                                    or "no chapter result of these data was kept" in output)
        assert chapter_results(project) == results
        assert book_files(project) == before
    finally:
        path.write_bytes(original)  # the original bytes, with their original (older) date
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # Changed back: validated again, but no chapter re-executed and no re-render (the book is the
    # book of exactly these inputs).
    result = make(project, "report")
    output = output_of(result)
    assert result.returncode == 0, output
    assert "validation passed" in output.lower()
    assert not executions(output) and "book written" not in output
    assert "publication ready" in output
    assert book_files(project) == before


def test_a_failed_validation_is_never_rendered(built):
    project, _, _ = built
    state = state_dir(project)
    path = project / "data" / str(EDITION) / "klantmanagers_pw.csv"
    original, stat = path.read_bytes(), path.stat()
    before = book_files(project)
    try:
        path.write_bytes(pd.read_csv(path, dtype=str).drop(columns="caseload").to_csv(index=False).encode())
        result = spiegel(project, "validate")
        assert result.returncode == 1 and "caseload" in output_of(result)
        failed_report = (state / "validation.html").read_bytes()
        for command in (["render"], ["publish"], ["render", "--renderer", "pandoc"]):
            result = spiegel(project, *command)
            output = output_of(result)
            assert result.returncode == 1, output
            assert "refusing to render" in output and "validation of the current data failed" in output
            assert book_files(project) == before
        assert "Niet voldaan".encode() in failed_report  # the report is Dutch (spiegel.validation_report)
        assert "Niet voldaan".encode() not in (project / BOOK / "validation.html").read_bytes()
        result = spiegel(project, "verify")
        assert result.returncode == 1 and "klantmanagers_pw" in output_of(result)
        assert "publication ready" not in output_of(result)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    # back to the validated data: `make report` validates again, re-executes nothing, renders nothing
    result = make(project, "report")
    output = output_of(result)
    assert result.returncode == 0, output
    assert "validation passed" in output.lower() and not executions(output) and "book written" not in output
    assert book_files(project) == before


def test_render_refuses_a_report_or_data_other_than_the_validated(built):
    project, _, _ = built
    state = state_dir(project)
    before = book_files(project)
    report = state / "validation.html"
    gate = state / "validation.gate.json"
    data = project / "data" / str(EDITION) / "cbs_bijstand.csv"
    cases = {
        # a report other than the one of the validation that passed (e.g. an older, failed one)
        "other report": (report, lambda b: b.replace(b"<td>pass</td>", b"<td>FAIL</td>", 1) + b"<!-- other -->",
                         "not the report of the validation that passed"),
        # data changed after the validation that passed, with no validation since
        "data changed since": (data, lambda b: b.replace(b"\n", b"\r\n"), "changed since the last validation"),
        # no record of a validation at all
        "no validation": (gate, None, "have not been validated"),
    }
    for name, (path, change, message) in cases.items():
        original, stat = path.read_bytes(), path.stat()
        try:
            if change is None:
                path.unlink()
            else:
                path.write_bytes(change(original))
                os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old date
            for command in ("render", "verify"):
                result = spiegel(project, command)
                assert result.returncode == 1, (name, command, output_of(result))
                assert message in output_of(result), (name, command, output_of(result))
                assert "publication ready" not in output_of(result)
            assert book_files(project) == before, name
        finally:
            path.write_bytes(original)
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        result = spiegel(project, "verify")
        assert result.returncode == 0 and "publication ready" in result.stdout, output_of(result)


# ------------------------------------------------------------------------------------------------
# One build state per params file; the manifest decides what `_book/` is


def test_each_params_file_has_its_own_state_and_the_book_follows_params(built, tmp_path):
    """A second params file (the README's real-data route: synthetic false, absolute paths outside
    the project, here only chapter 3), then the default again, back and forth."""
    project, _, _ = built
    params = yaml.safe_load((project / "params" / f"{EDITION}.yml").read_text("utf-8"))
    params.update(synthetic=False, title="Spiegel Bestaanszekerheid 2022 (andere gegevens)")
    params["chapters"] = [c for c in params["chapters"] if c["id"] == "uwv"]
    params["analysis"] = {"uwv": params["analysis"]["uwv"]}  # analysis choices of listed chapters only
    outside = tmp_path / "real"
    outside.mkdir()
    params["sources"] = {sid: spec for sid, spec in params["sources"].items() if sid in params["chapters"][0]["sources"]}
    for spec in params["sources"].values():
        shutil.copy2(project / spec["file"], outside / Path(spec["file"]).name)
        spec["file"] = str(outside / Path(spec["file"]).name)
    (project / "params" / "other.yml").write_text(yaml.safe_dump(params, allow_unicode=True), "utf-8")
    default, other = f"params/{EDITION}.yml", "params/other.yml"
    assert state_dir(project, other) != state_dir(project, default)
    assert state_dir(project, other).parent == state_dir(project, default).parent == project / "build" / str(EDITION)

    def title() -> str:
        return re.search(r"<title>(.*?)</title>", (project / BOOK / "index.html").read_text("utf-8")).group(1)

    def built_from() -> str:
        return json.loads((project / BOOK / "manifest.json").read_text("utf-8"))["params"]["file"]

    result = make(project, "report", f"PARAMS={other}")
    output = output_of(result)
    assert result.returncode == 0, output
    assert executions(output) == ["03_uwv.ipynb"]
    assert "andere gegevens" in title() and built_from() == other
    assert not (project / BOOK / "02_gemeenten.html").exists()
    assert "publication ready" in output and f"built from {other}" in output
    # the pages around the chapters follow the one chapter: its part of the summary, numbered after it
    summary = (project / BOOK / "samenvatting.html").read_text("utf-8")
    assert "Uitvoering van de re-integratiedienstverlening" in summary
    assert "Uitvoering van de inkomensondersteuning" not in summary and "Tozo" not in summary
    assert (project / BOOK / "04_naschrift.html").exists() and not (project / BOOK / "07_naschrift.html").exists()
    assert "Hoofdstuk 3:" in (project / BOOK / "01_inleiding.html").read_text("utf-8")
    gate = (state_dir(project, other) / "validation.gate.json").read_text("utf-8")
    assert "uwv_medewerkers" in gate and "klanten_pw" not in gate  # the other params' sources only
    default_book = None
    for params_file, expected_title in ((default, "Spiegel Bestaanszekerheid 2022"), (other, "andere gegevens"),
                                        (default, "Spiegel Bestaanszekerheid 2022")):
        result = make(project, "report", f"PARAMS={params_file}")
        output = output_of(result)
        assert result.returncode == 0, output
        assert not executions(output) and ran(output) == ["book"]  # each state is still up to date
        assert "book written" in output  # but _book/ was the other params' book
        assert expected_title in title() and built_from() == params_file
        assert f"built from {params_file}" in output
        assert (project / BOOK / "02_gemeenten.html").exists() == (params_file == default)
        if params_file == default:
            assert "klanten_pw" in (state_dir(project, default) / "validation.gate.json").read_text("utf-8")
            default_book = book_files(project)
    # the same params file named by another path is the same state and the same book
    for same in (str(project / "params" / f"{EDITION}.yml"), f"./params/../params/{EDITION}.yml"):
        result = make(project, "report", f"PARAMS={same}")
        assert result.returncode == 0, output_of(result)
        assert "book written" not in output_of(result) and not executions(output_of(result))
    assert book_files(project) == default_book

    # the real-data route: a file replaced with an older date is validated again there too
    medewerkers = outside / "uwv_medewerkers.csv"
    replace_with_older_date(medewerkers, pd.read_csv(medewerkers, dtype=str).drop(columns="functie")
                            .to_csv(index=False).encode())
    result = make(project, "report", f"PARAMS={other}")
    output = output_of(result)
    assert result.returncode != 0 and "dataset 'uwv_medewerkers'" in output and "publication ready" not in output
    assert book_files(project) == default_book  # the failed build of the other params left _book/ alone
    result = make(project, "report")
    assert result.returncode == 0 and "book written" not in output_of(result), output_of(result)
    (project / "params" / "other.yml").unlink()


def tree(folder: Path) -> dict[str, tuple]:
    """Every file and link under ``folder``: bytes and modification time, or the link's target."""
    return {str(p.relative_to(folder)): (os.readlink(p),) if p.is_symlink() else (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_symlink() or p.is_file()}


def _second_edition(project: Path, year: int) -> Path:
    """A minimal edition ``year`` beside 2022: chapter 4 only, on the 2022 files (real-data mode)."""
    params = yaml.safe_load((project / "params" / f"{EDITION}.yml").read_text("utf-8"))
    params.update(edition=year, title=f"Spiegel Bestaanszekerheid {year}", synthetic=False)
    params["chapters"] = [c for c in params["chapters"] if c["id"] == "wsp"]
    params["analysis"] = {"wsp": params["analysis"]["wsp"]}
    params["sources"] = {sid: spec for sid, spec in params["sources"].items() if sid in params["chapters"][0]["sources"]}
    path = project / "params" / f"{year}.yml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_each_edition_builds_into_its_own_folder_and_never_touches_another(built):
    """The archive: _book/<edition>/ and build/<edition>/ per edition; `make report` with no
    argument builds the newest edition; building one leaves the other's folders byte-identical."""
    project, _, _ = built
    book_2022, state_2022 = tree(project / BOOK), tree(project / "build" / str(EDITION))
    assert "index.html" in book_2022 and PDF in book_2022
    newest = _second_edition(project, 2031)
    try:
        result = subprocess.run(["make", "report"], cwd=project, capture_output=True, text=True, timeout=900,
                                env=_env())  # no EDITION: the newest, 2031
        output = output_of(result)
        assert result.returncode == 0, output
        assert "spiegel: edition 2031 from params/2031.yml" in output
        assert "publication ready in _book/2031/ (index.html, spiegel-bestaanszekerheid-2031.pdf)" in output
        book = project / "_book" / "2031"
        names = {p.name for p in book.glob("*.html")}
        assert {"04_wsp.html", "index.html", "validation.html"} <= names  # its one chapter, and no other
        assert not names & {"02_gemeenten.html", "03_uwv.html", "05_inkomen.html", "06_tozo.html"}
        assert (book / "spiegel-bestaanszekerheid-2031.pdf").is_file()
        assert "Spiegel Bestaanszekerheid 2031" in (book / "index.html").read_text("utf-8")
        assert json.loads((book / "manifest.json").read_text("utf-8"))["edition"] == 2031
        assert load_params(newest).build_dir.parent == project / "build" / "2031"
        assert (project / "build" / "2031" / "current").is_symlink()
        # 2022's book and build state: byte for byte and date for date as they were
        assert tree(project / BOOK) == book_2022
        assert tree(project / "build" / str(EDITION)) == state_2022
        assert sorted(p.name for p in (project / "_book").iterdir()) == ["2022", "2031"]

        # the command line without --params: the newest edition too
        result = subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "verify"], cwd=project,
                                capture_output=True, text=True, timeout=900, env=_env())
        assert result.returncode == 0, output_of(result)
        assert "publication ready in _book/2031/" in result.stdout and "built from params/2031.yml" in result.stdout

        # and the other way round: building 2022 (also rendering it again) leaves 2031 alone
        book_2031, state_2031 = tree(book), tree(project / "build" / "2031")
        force_render(project, "archive")
        result = make(project, "report")  # EDITION=2022
        assert result.returncode == 0 and "book written" in output_of(result), output_of(result)
        assert f"publication ready in {BOOK}/" in output_of(result)
        assert tree(book) == book_2031 and tree(project / "build" / "2031") == state_2031
        assert not executions(output_of(result))

    finally:
        newest.unlink()
    # with 2031's params gone, the newest edition is the newest params/<year>.yml again
    newest_now = max(int(p.stem) for p in (project / "params").glob("[12][0-9][0-9][0-9].yml"))
    result = subprocess.run(["make", "help"], cwd=project, capture_output=True, text=True, timeout=900, env=_env())
    assert f"default the newest: {newest_now})" in output_of(result), output_of(result)
    result = subprocess.run(["make", "-n", "report"], cwd=project, capture_output=True, text=True, timeout=900, env=_env())
    assert f"--params params/{newest_now}.yml build" in output_of(result), output_of(result)


def test_book_manifest_mismatch_is_detected(built):
    project, _, _ = built
    manifest_path = project / BOOK / "manifest.json"
    original = manifest_path.read_bytes()
    result = spiegel(project, "verify")
    assert result.returncode == 0 and "publication ready" in result.stdout, output_of(result)

    def tampered(change):
        m = json.loads(original)
        change(m)
        manifest_path.write_text(json.dumps(m, indent=2), "utf-8")

    cases = {
        "data hash": (lambda m: m["data"]["klanten_pw"].update(sha256="0" * 64), "data klanten_pw"),
        "params": (lambda m: m["params"].update(file="params/other.yml"), "params: the book was built from params/other.yml"),
        "notebook": (lambda m: m["notebooks"]["uwv"].update(executed_sha256="1" * 64), "notebook uwv"),
        "validation": (lambda m: m["validation"].update(ok=False), "validation"),
        "code": (lambda m: m["code"].update(render="2" * 64), "code: render"),
        "missing source": (lambda m: m["data"].pop("wsp_regios"), "data wsp_regios: not in the book"),
    }
    try:
        for name, (change, message) in cases.items():
            tampered(change)
            result = spiegel(project, "verify")
            assert result.returncode == 1, (name, output_of(result))
            assert "does not match the current params and data" in result.stderr and message in result.stderr, \
                (name, result.stderr)
            assert "publication ready" not in output_of(result)
        manifest_path.unlink()
        result = spiegel(project, "verify")
        assert result.returncode == 1 and "no readable manifest.json" in result.stderr
        manifest_path.write_bytes(original)
        result = spiegel(project, "verify", "--renderer", "quarto")
        assert result.returncode == 1 and "renderer" in result.stderr
        # `make report` over a book whose manifest does not match renders it again
        tampered(cases["data hash"][0])
        result = make(project, "report")
        output = output_of(result)
        assert result.returncode == 0 and "book written" in output and not executions(output), output
        assert json.loads(manifest_path.read_bytes()) == json.loads(original)
    finally:
        manifest_path.write_bytes(original)


# ------------------------------------------------------------------------------------------------
# One build per edition at a time


def test_a_second_build_is_refused_while_the_edition_lock_is_held(built):
    project, _, _ = built
    (project / "params" / "same-edition.yml").write_bytes((project / "params" / f"{EDITION}.yml").read_bytes())
    holder = subprocess.Popen([str(project / ".venv" / "bin" / "spiegel"), "--params", f"params/{EDITION}.yml",
                               "lock", "--", "sleep", "120"], cwd=project, env=_env(), start_new_session=True)
    before = book_files(project)
    try:
        wait_for(lambda: (lock_holder(project) or {}).get("pid") == holder.pid, timeout=60)
        attempts = {
            "make report": lambda: make(project, "report"),
            "make -j2 report": lambda: make(project, "-j2", "report"),
            "make report, other params of the edition": lambda: make(project, "report", "PARAMS=params/same-edition.yml"),
            "make validate": lambda: make(project, "validate"),
            "spiegel render": lambda: spiegel(project, "render"),
            "spiegel build": lambda: spiegel(project, "build"),
        }
        for name, attempt in attempts.items():
            started = time.perf_counter()
            result = attempt()
            output = output_of(result)
            assert result.returncode != 0, (name, output)
            assert time.perf_counter() - started < 30, name  # at once, not after waiting
            assert f"another build of edition {EDITION} is running" in output, (name, output)
            assert f"pid {holder.pid}" in output and f"kill {holder.pid}" in output, (name, output)
            assert "build/2022/build.lock" in output and "delete" in output, (name, output)
            assert "run:" not in output and "publication ready" not in output, name
        assert book_files(project) == before
    finally:
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait(timeout=60)
        (project / "params" / "same-edition.yml").unlink()
    result = make(project, "report")
    assert result.returncode == 0 and "publication ready" in output_of(result), output_of(result)


def live_holder(project: Path) -> dict | None:
    info = lock_holder(project)
    if not info:
        return None
    try:
        os.kill(info["pid"], 0)
    except ProcessLookupError:
        return None
    return info


def test_a_concurrent_make_report_is_refused(built):
    project, _, _ = built
    change_notebook(project, "04_wsp.ipynb")  # the first build has a chapter to execute
    first = subprocess.Popen(["make", "report", f"EDITION={EDITION}"], cwd=project, env=_env(), start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        info = wait_for(lambda: live_holder(project), timeout=120)
        second = make(project, "report")
        output = output_of(second)
        assert second.returncode != 0, output
        assert f"another build of edition {EDITION} is running: pid {info['pid']}" in output
        assert "make" in output and "report" in output  # the holder's command
        out, _ = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGTERM)
            first.wait(timeout=60)
    assert first.returncode == 0, out
    assert executions(out) == ["04_wsp.ipynb"] and "publication ready" in out


def test_a_crashed_build_leaves_no_lock_that_blocks(built):
    project, _, _ = built
    for crash in (signal.SIGKILL, signal.SIGSEGV):
        holder = subprocess.Popen([str(project / ".venv" / "bin" / "spiegel"), "--params", f"params/{EDITION}.yml",
                                   "lock", "--", "sleep", "120"], cwd=project, env=_env(), start_new_session=True)
        wait_for(lambda: (lock_holder(project) or {}).get("pid") == holder.pid, timeout=60)
        os.killpg(holder.pid, crash)  # no cleanup runs: the lock file keeps the dead holder's details
        holder.wait(timeout=60)
        assert lock_holder(project)["pid"] == holder.pid
        result = make(project, "report")
        assert result.returncode == 0, output_of(result)
        assert "publication ready" in output_of(result) and "another build" not in output_of(result)


# ------------------------------------------------------------------------------------------------
# Temporary files are removed on every exit


def _leftovers(project: Path, tmpdir: Path) -> list[str]:
    found = [p.name for p in (project / "_book").glob(f"{EDITION}.*")] + [p.name for p in project.glob("_book.*")]
    found += [p.name for p in tmpdir.glob("spiegel-*")]
    found += [str(p) for p in (project / "build").rglob("*.running.ipynb")]
    found += [str(p) for p in (project / "build").rglob("*.tmp")]
    return found


@pytest.mark.parametrize("how", ["SIGINT to the process group (Ctrl-C)", "SIGTERM to make",
                                 "SIGTERM to the process group"])
def test_a_signal_during_render_leaves_no_temporary_files_and_the_book_intact(built, tmp_path, how):
    project, _, _ = built
    sig = signal.SIGINT if how.startswith("SIGINT") else signal.SIGTERM
    force_render(project, how)
    before = book_files(project)
    proc = subprocess.Popen(["make", "report", f"EDITION={EDITION}"], cwd=project, env=_env(TMPDIR=str(tmp_path)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: list((project / "_book").glob(f"{EDITION}.tmp-*")) and list(tmp_path.glob("spiegel-render-*")), timeout=300)
        time.sleep(0.3)  # well inside the render (pandoc / Typst at work)
        if "group" in how:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0, out
    assert "publication ready" not in out
    assert _leftovers(project, tmp_path) == []
    assert book_files(project) == before
    assert lock_holder(project) is None  # released (the lock file is emptied by its holder)


def test_a_signal_during_a_chapter_run_leaves_no_running_notebook(built, tmp_path):
    project, _, _ = built
    change_notebook(project, "04_wsp.ipynb")
    before = book_files(project)
    executed = state_dir(project) / "notebooks" / "04_wsp.ipynb"
    executed_before = executed.read_bytes()
    proc = subprocess.Popen(["make", "report", f"EDITION={EDITION}"], cwd=project, env=_env(TMPDIR=str(tmp_path)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(lambda: list((project / "build").rglob("*.running.ipynb")), timeout=300)
        time.sleep(1.0)
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0, out
    assert "publication ready" not in out
    assert _leftovers(project, tmp_path) == []
    assert executed.read_bytes() == executed_before  # the previous executed chapter is kept as it was
    assert book_files(project) == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_next_render_removes_what_a_killed_render_left(built):
    project, _, _ = built
    dead = _dead_pid()
    leftovers = [project / "_book" / f"{EDITION}.tmp-{dead}-abc123", project / "_book" / f"{EDITION}.old-{dead}-def456"]
    for folder in leftovers:
        folder.mkdir()
        (folder / "index.html").write_text("half a book", "utf-8")
    alive = project / "_book" / f"{EDITION}.tmp-{os.getpid()}-running"  # a render that still runs: left alone
    alive.mkdir()
    force_render(project, "after a kill")
    result = make(project, "report")
    assert result.returncode == 0, output_of(result)
    assert "book written" in output_of(result)
    assert not any(folder.exists() for folder in leftovers)
    assert alive.is_dir()
    alive.rmdir()


def test_a_render_killed_between_its_renames_gets_the_old_book_back(tmp_path):
    from spiegel.render.book import sweep_leftovers

    dead = _dead_pid()
    out = tmp_path / "_book"
    old = tmp_path / f"_book.old-{dead}-x1"
    old.mkdir()
    (old / "index.html").write_text("the previous book", "utf-8")
    half = tmp_path / f"_book.tmp-{dead}-x2"
    half.mkdir()
    sweep_leftovers(out)
    assert (out / "index.html").read_text("utf-8") == "the previous book"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book"]
    # with a book in place, an old copy of a dead render is simply removed
    old.mkdir()
    sweep_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_book"]


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
    book = project / BOOK
    before = {str(p.relative_to(book)): p.read_bytes() for p in book.rglob("*") if p.is_file()}  # cijfers/ too
    result = make(project, "report", f"PARAMS=params/{params_path.name}")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"dataset '{source}'" in output
    if column:
        assert f"column '{column}'" in output and "rule " in output
    else:
        assert "empty" in output
    assert {str(p.relative_to(book)): p.read_bytes() for p in book.rglob("*") if p.is_file()} == before
    params_path.unlink()


def test_preview_renders_one_chapter_with_the_books_numbering(built):
    project, _, _ = built
    result = subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "--params", "params/2022.yml",
                             "preview", "--chapter", "wsp"], cwd=project, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    page = Path(result.stdout.strip().splitlines()[-1])
    assert page.parent.parent.parent.parent == project / "build" / str(EDITION)  # in this params' state
    assert page.name == "04_wsp.html" and page.parent.name == "book" and page.is_file()
    html = page.read_text("utf-8")
    assert "Regionale werkgeversdienstverlening" in html and "Tabel 5" in html  # numbering continues
    assert not (project / BOOK / "preview").exists()  # the book itself is not touched
