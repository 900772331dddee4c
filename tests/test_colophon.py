"""The cover, the colophon and the back cover, and provenance per source.

- Unit: which sources are synthetic (by content, against data/.synthetic-manifest.json), the
  notices' wording, the build date (SOURCE_DATE_EPOCH), the git revision.
- End to end (one `make report` in a project copy): a params file with one source pointed at a
  modified copy of its file (real) and the others synthetic. The colophon's fingerprints equal
  `sha256sum` of every input; every HTML and PDF page names the synthetic sources; the colophon
  says "echt" for the modified one and gives each contract's result; cover and back cover carry
  the params' texts; the build date follows SOURCE_DATE_EPOCH. Then renders of the same state:
  all sources real (no notice anywhere), and the build date without / with another
  SOURCE_DATE_EPOCH.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from spiegel.params import Edition, load_params
from spiegel.render import colophon, provenance

from project_copy import copy_project

EDITION = 2022
PDF = f"spiegel-bestaanszekerheid-{EDITION}.pdf"
MODIFIED = "uwv_wga_extern"  # the source pointed at a modified (so: real) copy of its file
EPOCH = "1710460800"  # 2024-03-15 00:00 UTC: the build date the end-to-end build is given
EPOCH_TEXT = "15 maart 2024"


# ------------------------------------------------------------------------------------------------
# helpers


def sha256sum(path: Path) -> str:
    """The fingerprint as the coreutils binary computes it (independent of spiegel's hashing)."""
    out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout
    return out.split()[0]


def pdf_pages(pdf: Path) -> list[str]:
    """The text of every page of the PDF (whitespace collapsed), via pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")[:-1]]


def visible(page: str) -> str:
    page = re.sub(r"<svg\b.*?</svg>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).replace("\xad", "")


def colophon_rows(book: Path) -> dict[str, dict[str, str]]:
    """Source id -> the colophon's row: file, sha256, contract cell, kind (from colofon.html)."""
    page = (book / "colofon.html").read_text("utf-8")
    rows = {}
    for m in re.finditer(r'<tr id="bron-([^"]+)" data-source="[^"]+" data-kind="([^"]+)">(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", m.group(3), re.S)
        rows[m.group(1)] = {
            "kind": m.group(2),
            "file": html.unescape(re.search(r'class="sp-source-file">(.*?)<', cells[0]).group(1)),
            "sha256": re.search(r'<code class="sp-sha256">([0-9a-f]+)</code>', cells[0]).group(1),
            "contract": html.unescape(re.sub(r"<[^>]+>", "", cells[1])).strip(),
            "shown_kind": html.unescape(re.sub(r"<[^>]+>", "", cells[2])).strip(),
        }
    return rows


def banner_of(page: str) -> str | None:
    found = re.search(r'<aside class="sp-synthetic-banner" aria-label="[^"]+">(.*?)</aside>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def _env(**extra: str) -> dict[str, str]:
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_COMMAND", "SOURCE_DATE_EPOCH"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


def write_manifest(data_dir: Path, files: dict[str, list[str]]) -> None:
    """data/.synthetic-manifest.json as spiegel synth writes it: path -> the versions it wrote."""
    data_dir.mkdir(parents=True, exist_ok=True)
    entries = {rel: {"sha256": hashes, "source": Path(rel).stem, "edition": EDITION} for rel, hashes in files.items()}
    (data_dir / ".synthetic-manifest.json").write_text(
        json.dumps({"written_by": "spiegel synth", "files": entries}), encoding="utf-8")


def small_edition(root: Path, files: dict[str, str], synthetic: bool = True) -> Edition:
    """An edition whose sources are the given files (source id -> path relative to root)."""
    raw = {"edition": EDITION, "title": "Spiegel", "synthetic": synthetic, "disclosure_threshold": 10,
           "sources": {sid: {"file": f, "contract": sid, "title": sid, "bron": "x"} for sid, f in files.items()},
           "chapters": [], "periods": {}, "waves": {}}
    return Edition(path=root / "params" / "x.yml", root=root, raw=raw)


# ------------------------------------------------------------------------------------------------
# provenance per source (unit)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_a_source_is_synthetic_when_its_content_is_what_synth_wrote(tmp_path):
    ed = small_edition(tmp_path, {"a": "data/2022/a.csv", "b": "data/2022/b.csv", "c": "data/2022/c.csv",
                                  "d": "/elders/d.csv", "e": "data/2022/e.csv"})
    write_manifest(tmp_path / "data", {"2022/a.csv": [_sha(b"a1")], "2022/b.csv": [_sha(b"b-old"), _sha(b"b-new")],
                                       "2022/c.csv": [_sha(b"c1")], "2022/d.csv": [_sha(b"d1")]})
    found = provenance.synthetic_sources(ed, {
        "a": _sha(b"a1"),          # newest version written there
        "b": _sha(b"b-old"),       # an earlier version synth wrote there
        "c": _sha(b"c1-edited"),   # edited by hand: not what synth wrote
        "d": _sha(b"d1"),          # a synthetic file copied out of data/: still synthetic data
        "e": "absent",             # no file
    })
    assert found == {"a": True, "b": True, "c": False, "d": True, "e": False}
    assert list(found) == ["a", "b", "c", "d", "e"]  # the params' order


@pytest.mark.parametrize("flag", [True, False])
def test_without_a_readable_manifest_the_params_flag_decides(tmp_path, flag):
    ed = small_edition(tmp_path, {"a": "data/2022/a.csv"}, synthetic=flag)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / ".synthetic-manifest.json").write_text("{not json", encoding="utf-8")
    assert provenance.synthetic_sources(ed, {"a": _sha(b"x")}) == {"a": flag}
    (tmp_path / "data" / ".synthetic-manifest.json").unlink()  # no manifest at all: nothing synth wrote
    assert provenance.synthetic_sources(ed, {"a": _sha(b"x")}) == {"a": False}


@pytest.mark.parametrize("synthetic, banner, notice", [
    ({"a": True, "b": True}, "Deze editie is gebouwd op synthetische data — de cijfers zijn niet echt.",
     "Deze editie is gebouwd op synthetische data. De cijfers zijn niet echt en mogen niet worden geciteerd."),
    ({"a": True, "b": False}, "Deze editie bevat synthetische data (bron a) — die cijfers zijn niet echt.",
     "Deze editie bevat synthetische data: de bron a is synthetisch."),
    ({"a": True, "b": False, "c": True, "d": True},
     "Deze editie bevat synthetische data (bronnen a, c en d) — die cijfers zijn niet echt.",
     "Deze editie bevat synthetische data: de bronnen a, c en d zijn synthetisch."),
    ({"a": False, "b": False}, None, None),
])
def test_the_notices_name_the_synthetic_sources_when_not_all_are(synthetic, banner, notice):
    assert provenance.banner(synthetic) == banner
    found = provenance.notice(synthetic)
    assert (found is None) if notice is None else found.startswith(notice)


# ------------------------------------------------------------------------------------------------
# cover and back cover from the params (unit)


def test_cover_and_back_cover_from_the_params(tmp_path, edition):
    cover = colophon.cover_data(edition)
    assert cover == {"title": "Spiegel Bestaanszekerheid 2022", "subtitle": None, "edition": "Editie 2022",
                     "publisher": "Nederlandse Arbeidsinspectie",
                     "ministry": "Ministerie van Sociale Zaken en Werkgelegenheid", "date": "2022-09-06",
                     "date_text": "6 september 2022"}
    assert colophon.back_cover_data(edition) == {
        "publisher": "Nederlandse Arbeidsinspectie", "ministry": "Ministerie van Sociale Zaken en Werkgelegenheid",
        "address": ["Postbus 90801 | 2500 LV Den Haag", "T 0800 51 51"],
        "line": "6 september 2022 | Publicatie-nr. 22406904"}
    bare = small_edition(tmp_path, {"a": "data/a.csv"})  # none of the optional keys
    assert colophon.cover_data(bare)["ministry"] is None and colophon.cover_data(bare)["date"] is None
    assert colophon.back_cover_data(bare) is None  # no publisher: no back cover
    bare.raw.update(publisher="Nederlandse Arbeidsinspectie", publication_date="2023-09-05")
    assert colophon.back_cover_data(bare) == {"publisher": "Nederlandse Arbeidsinspectie", "ministry": None,
                                              "address": [], "line": "5 september 2023"}


# ------------------------------------------------------------------------------------------------
# build date and git revision (unit)


@pytest.mark.parametrize("epoch, day", [("0", dt.date(1970, 1, 1)), ("1662422400", dt.date(2022, 9, 6)),
                                        (" 1710460800 ", dt.date(2024, 3, 15)), ("1710547199", dt.date(2024, 3, 15))])
def test_the_build_date_follows_source_date_epoch(epoch, day):
    assert colophon.build_date({"SOURCE_DATE_EPOCH": epoch}) == day


def test_the_build_date_is_today_without_source_date_epoch():
    assert colophon.build_date({}) == dt.date.today()
    assert colophon.build_date({"SOURCE_DATE_EPOCH": ""}) == dt.date.today()


@pytest.mark.parametrize("epoch", ["gisteren", "1.5", "99999999999999999999"])
def test_a_wrong_source_date_epoch_is_refused_naming_it(epoch):
    with pytest.raises(colophon.RenderError, match="SOURCE_DATE_EPOCH"):
        colophon.build_date({"SOURCE_DATE_EPOCH": epoch})


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env).stdout


def test_the_git_revision_is_the_short_hash_and_says_when_the_tree_has_local_changes(tmp_path):
    assert colophon.git_revision(tmp_path) is None  # not a repository
    assert colophon.revision_text(colophon.git_revision(tmp_path)) == "onbekend"
    _git(tmp_path, "init", "-q")
    assert colophon.git_revision(tmp_path) is None  # no commit yet
    (tmp_path / ".gitignore").write_text("/data/\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a\n", encoding="utf-8")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-q", "-m", "a")
    short = _git(tmp_path, "rev-parse", "--short", "HEAD").strip()
    assert colophon.git_revision(tmp_path) == {"commit": short, "dirty": False}
    assert colophon.revision_text(colophon.git_revision(tmp_path)) == short
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("ignored\n", encoding="utf-8")  # ignored: no local change
    assert colophon.git_revision(tmp_path)["dirty"] is False
    (tmp_path / "a.txt").write_text("b\n", encoding="utf-8")  # a tracked file changed
    assert colophon.revision_text(colophon.git_revision(tmp_path)) == f"{short} met lokale wijzigingen"
    _git(tmp_path, "checkout", "-q", "a.txt")
    (tmp_path / "new.py").write_text("x = 1\n", encoding="utf-8")  # a new file, not ignored
    assert colophon.git_revision(tmp_path)["dirty"] is True
    (tmp_path / "sub").mkdir()  # asked from a folder inside the work tree
    assert colophon.git_revision(tmp_path / "sub")["commit"] == short


def test_the_git_revision_is_unknown_without_git(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no git binary to be found
    assert colophon.git_revision(Path(__file__).parent) is None


def test_the_software_versions_are_named():
    versions = dict(colophon.software_versions())
    assert list(versions) == ["spiegel", "Python", "pandas", "Great Expectations", "papermill", "pandoc", "Typst"]
    import pandas
    import papermill

    import spiegel

    assert versions["spiegel"] == spiegel.__version__ and versions["pandas"] == pandas.__version__
    assert versions["papermill"] == papermill.__version__
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", versions["pandoc"]) and re.fullmatch(r"\d+\.\d+\.\d+", versions["Typst"])


# ------------------------------------------------------------------------------------------------
# end to end: one source real, the others synthetic


def _mixed_params(project: Path) -> Path:
    """params/mixed.yml: the 2022 params with MODIFIED pointed at a copy whose rows are swapped
    (same values, other bytes: real data as far as provenance goes), synthetic: false."""
    params = yaml.safe_load((project / "params" / f"{EDITION}.yml").read_text("utf-8"))
    params["synthetic"] = False  # synth may not write; the other files stay what synth wrote
    original = project / params["sources"][MODIFIED]["file"]
    lines = original.read_text("utf-8").splitlines(keepends=True)
    lines[1], lines[2] = lines[2], lines[1]
    copy = project / "data" / "aangeleverd" / original.name
    copy.parent.mkdir(parents=True)
    copy.write_text("".join(lines), encoding="utf-8")
    params["sources"][MODIFIED]["file"] = copy.relative_to(project).as_posix()
    path = project / "params" / "mixed.yml"
    path.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.fixture(scope="module")
def mixed(root, edition, tmp_path_factory):
    """A project copy after `make report PARAMS=params/mixed.yml` with SOURCE_DATE_EPOCH set."""
    project = copy_project(root, tmp_path_factory.mktemp("colophon"))
    params = _mixed_params(project)
    result = subprocess.run(["make", "report", "PARAMS=params/mixed.yml"], cwd=project, capture_output=True,
                            text=True, timeout=900, env=_env(SOURCE_DATE_EPOCH=EPOCH))
    assert result.returncode == 0, result.stdout + result.stderr
    edition = load_params(params)
    return {"project": project, "book": edition.book_dir, "edition": edition}


def test_the_colophon_fingerprints_match_sha256sum(mixed):
    book, ed = mixed["book"], mixed["edition"]
    rows = colophon_rows(book)
    assert list(rows) == list(ed.sources)  # every input, in the params' order
    pages = pdf_pages(book / PDF)
    pdf = " ".join(pages)
    for sid, source in ed.sources.items():
        expected = sha256sum(source.path)
        assert rows[sid]["sha256"] == expected, sid
        assert rows[sid]["file"] == source.path.relative_to(mixed["project"]).as_posix()
        assert f"SHA-256 {expected}" in pdf, sid
    params_sha = sha256sum(ed.path)
    page = (book / "colofon.html").read_text("utf-8")
    assert f'params/mixed.yml</span><code class="sp-sha256">{params_sha}</code>' in page
    assert f"SHA-256 {params_sha}" in pdf
    # the colophon's pages come after the chapters, before the back cover
    colophon_pages = [i for i, p in enumerate(pages) if "SHA-256" in p]
    assert colophon_pages and min(colophon_pages) > 2 and max(colophon_pages) == len(pages) - 2


def test_the_colophon_says_per_source_synthetic_or_real_and_the_contract_result(mixed):
    book, ed = mixed["book"], mixed["edition"]
    rows = colophon_rows(book)
    report = json.loads((ed.build_dir / "validation.json").read_text("utf-8"))
    rules = {d["dataset"]: len(d["rules"]) for d in report["datasets"]}
    for sid, source in ed.sources.items():
        kind = "echt" if sid == MODIFIED else "synthetisch"
        assert rows[sid]["kind"] == rows[sid]["shown_kind"] == kind, sid
        assert rows[sid]["contract"] == f"{source.contract}: geslaagd ({rules[sid]} regels)", sid
    # In the PDF each source is a table row (three cells, their lines interleaved by pdftotext)
    # followed by its SHA-256 line: the text between two SHA-256 lines is one source's row.
    pdf = " ".join(pdf_pages(book / PDF)).replace(mixed_banner(ed), " ")
    start = pdf.index("Contract en gegevens")
    for sid, source in ed.sources.items():
        end = pdf.index(f"SHA-256 {sha256sum(source.path)}", start)
        row = pdf[start:end]
        assert row.split("Contract en gegevens")[-1].split()[0] == sid
        assert f"{source.contract}:" in row and "geslaagd" in row and f"({rules[sid]}" in row, (sid, row)
        kinds = re.findall(r"\b(echt|synthetisch)\b", row)
        assert kinds == ["echt" if sid == MODIFIED else "synthetisch"], (sid, row)
        start = end + len("SHA-256 ") + 64


def mixed_banner(ed: Edition) -> str:
    synthetic = [sid for sid in ed.sources if sid != MODIFIED]
    return (f"Deze editie bevat synthetische data (bronnen {', '.join(synthetic[:-1])} en {synthetic[-1]}) "
            "— die cijfers zijn niet echt.")


def test_every_page_names_the_synthetic_sources(mixed):
    book, ed = mixed["book"], mixed["edition"]
    expected = mixed_banner(ed)
    pages = sorted(book.glob("*.html"))
    assert {"index.html", "colofon.html", "validation.html"} <= {p.name for p in pages}
    for page in pages:
        assert banner_of(page.read_text("utf-8")) == expected, page.name
    index = visible((book / "index.html").read_text("utf-8"))
    assert "Deze editie bevat synthetische data: de bronnen " in index and MODIFIED not in index
    pdf = pdf_pages(book / PDF)
    for number, text in enumerate(pdf, start=1):
        assert expected in text, f"PDF page {number}"


def test_cover_and_back_cover_carry_the_params_texts(mixed):
    book = mixed["book"]
    pages = pdf_pages(book / PDF)
    cover, back = pages[0], pages[-1]
    for needle in ("Nederlandse Arbeidsinspectie", "Ministerie van Sociale Zaken en Werkgelegenheid",
                   "Spiegel Bestaanszekerheid 2022", "Editie 2022", "6 september 2022"):
        assert needle in cover, needle
    for needle in ("Deze publicatie is een uitgave van:", "Nederlandse Arbeidsinspectie",
                   "Ministerie van Sociale Zaken en Werkgelegenheid", "Postbus 90801 | 2500 LV Den Haag",
                   "T 0800 51 51", "6 september 2022 | Publicatie-nr. 22406904"):
        assert needle in back, needle
    assert "Inhoudsopgave" in pages[1]
    index = (book / "index.html").read_text("utf-8")
    header = visible(re.search(r'<header class="sp-titlepage">.*?</header>', index, re.S).group(0))
    for needle in ("Nederlandse Arbeidsinspectie", "Ministerie van Sociale Zaken en Werkgelegenheid",
                   "Spiegel Bestaanszekerheid 2022", "Editie 2022", "6 september 2022"):
        assert needle in header, needle
    assert re.search(r'<a href="colofon.html">Colofon</a>', index)


def test_the_colophon_states_build_date_revision_and_software(mixed):
    book = mixed["book"]
    page = (book / "colofon.html").read_text("utf-8")
    text = visible(page)
    assert f"Gebouwd op {EPOCH_TEXT}" in text and '<time datetime="2024-03-15">' in page
    assert "Versie (git) onbekend" in text  # the project copy is no git work tree
    versions = dict(colophon.software_versions())
    for name, version in versions.items():
        assert f"<th scope=\"row\">{name}</th><td>{version}</td>" in page, name
    pdf = " ".join(pdf_pages(book / PDF))
    assert f"Gebouwd op {EPOCH_TEXT}" in pdf and "Versie (git) onbekend" in pdf
    for name, version in versions.items():
        assert f"{name} {version}" in pdf, name
    nav = re.search(r'<nav class="sp-chapters".*?</nav>', page, re.S).group(0)
    hrefs = re.findall(r'href="([^"]+)"', nav)
    assert hrefs[-2:] == ["colofon.html", "validation.html"]  # after everything, before the validation


def _render(mixed, out: Path, env: dict[str, str | None], edition: Edition | None = None) -> Path:
    """Render the built state of the mixed params again into ``out`` with its manifest."""
    from spiegel.build import executed_path
    from spiegel.buildstate import publishable
    from spiegel.render import render_book

    ed = edition or mixed["edition"]
    executed = {c.id: executed_path(ed, c) for c in ed.chapters}
    manifest = publishable(ed, executed, "pandoc")
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        return render_book(ed, executed, out, manifest=manifest,
                           extra_pages={"Validatie van de brondata": ed.build_dir / "validation.html"})
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_renders_with_the_same_source_date_epoch_are_byte_identical(mixed, tmp_path):
    first = _digests(mixed["book"])
    again = _render(mixed, tmp_path / "again", {"SOURCE_DATE_EPOCH": EPOCH})
    assert _digests(again) == first
    other = _render(mixed, tmp_path / "other", {"SOURCE_DATE_EPOCH": "1662422400"})
    changed = {name for name, digest in _digests(other).items() if first[name] != digest}
    # the build date is printed in the colophon only (and so is in the search index over its text)
    assert changed == {"colofon.html", "search-index.js", PDF}
    assert "Gebouwd op 6 september 2022" in visible((other / "colofon.html").read_text("utf-8"))
    today = _render(mixed, tmp_path / "today", {"SOURCE_DATE_EPOCH": None})
    from spiegel.render.book import dutch_date

    assert f"Gebouwd op {dutch_date(dt.date.today())}" in visible((today / "colofon.html").read_text("utf-8"))


def test_no_notice_when_every_source_is_real(mixed, tmp_path):
    """Every file real: the data folder's record of what synth wrote does not hold them."""
    manifest = mixed["project"] / "data" / ".synthetic-manifest.json"
    kept = manifest.read_bytes()
    try:
        manifest.write_text(json.dumps({"written_by": "spiegel synth", "files": {}}), encoding="utf-8")
        book = _render(mixed, tmp_path / "real", {"SOURCE_DATE_EPOCH": EPOCH})
    finally:
        manifest.write_bytes(kept)
    for page in book.glob("*.html"):
        text = page.read_text("utf-8")
        assert "sp-synthetic-banner" not in text and "sp-synthetic-note" not in text, page.name
        assert "synthetische data" not in visible(text).replace("generator van synthetische data", ""), page.name
    assert set(r["kind"] for r in colophon_rows(book).values()) == {"echt"}
    for number, text in enumerate(pdf_pages(book / PDF), start=1):
        assert "synthetische data" not in text.replace("generator van synthetische data", ""), f"PDF page {number}"
