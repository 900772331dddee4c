"""Re-run only what changed: each chapter is decided by its own inputs (``chapter_inputs``) — its
notebook, its view of the params, its sources' data, its folder ``chapters/<id>/`` and the shared
analysis code — and a chapter's Edition refuses what is not in that view.

Unit level: a copy of the project and of the package in a temporary folder, run records written
for placeholder executed notebooks (nothing is executed), one change, then ``stale_reasons``.
Through the command line (marked integration): ``spiegel run --if-changed`` in a project copy that
runs its own copy of the package (``PYTHONPATH``), so that editing the copy's code is what runs.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from spiegel import buildstate
from spiegel.build import executed_path
from spiegel.buildstate import (
    chapter_code_files, chapter_inputs, input_changes, params_digest, run_problems, stale_reasons, write_run_record,
)
from spiegel.params import ChapterScopeError, Scoped, chapter_view, load_params

from project_copy import copy_project

EDITION = 2022
PARAMS = f"params/{EDITION}.yml"
# Every chapter the params list (a chapter added there is covered without editing this file).
_EDITION = load_params(Path(__file__).resolve().parents[1] / PARAMS)
CHAPTERS = tuple(c.id for c in _EDITION.chapters)
NOTEBOOKS = {c.id: c.notebook.name for c in _EDITION.chapters}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {path}"
    path.write_text(text.replace(old, new), "utf-8")


def _append(path: Path, text: str = "\n# changed by a test\n") -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


@pytest.fixture
def project(root, edition, tmp_path, monkeypatch):
    """A project copy whose package code (``src/spiegel``) is what the fingerprints read, with a
    run record per chapter (for a placeholder executed notebook) of its inputs as they are now."""
    proj = copy_project(root, tmp_path / "project", venv=False)
    monkeypatch.setattr(buildstate, "package_dir", lambda: proj / "src" / "spiegel")
    ed = load_params(proj / PARAMS)
    for chapter in ed.chapters:
        out = executed_path(ed, chapter)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(f"executed {chapter.id}\n", "utf-8")
        write_run_record(ed, chapter, out, chapter_inputs(ed, chapter))
    return proj


def stale(project: Path) -> dict[str, list[str]]:
    """chapter id -> why it must be executed again, for the chapters that must."""
    ed = load_params(project / PARAMS)
    found = {c.id: stale_reasons(ed, c) for c in ed.chapters}
    return {cid: reasons for cid, reasons in found.items() if reasons}


def test_nothing_changed_nothing_is_stale(project):
    assert stale(project) == {}
    ed = load_params(project / PARAMS)
    assert run_problems(ed, {c.id: executed_path(ed, c) for c in ed.chapters}) == []


# ------------------------------------------------------------------------------------------------
# code


@pytest.mark.parametrize("chapter", CHAPTERS)
@pytest.mark.parametrize("name", ["__init__.py", "items.yml"])
def test_editing_a_chapters_own_code_makes_only_that_chapter_stale(project, chapter, name):
    _append(project / "src" / "spiegel" / "chapters" / chapter / name)
    assert stale(project) == {chapter: [f"chapter code chapters/{chapter}/{name} changed"]}


def test_a_file_added_to_a_chapter_folder_makes_only_that_chapter_stale(project):
    (project / "src" / "spiegel" / "chapters" / "uwv" / "extra.yml").write_text("a: 1\n", "utf-8")
    assert stale(project) == {"uwv": ["chapter code chapters/uwv/extra.yml added"]}


@pytest.mark.parametrize("module", ["stats.py", "findings.py", "text.py", "chapters/common.py", "fmt.py", "io.py"])
def test_editing_shared_analysis_code_makes_every_chapter_stale(project, module):
    _append(project / "src" / "spiegel" / module)
    assert stale(project) == {c: [f"shared code {module} changed"] for c in CHAPTERS}


@pytest.mark.parametrize("rel", ["chapters/wsp/synth.py", "chapters/uwv/synth_2022.yml", "chapters/gemeenten/synth.py",
                                 "synth/core.py", "render/book.py"])
def test_synth_and_render_code_make_no_chapter_stale(project, rel):
    _append(project / "src" / "spiegel" / rel)
    assert stale(project) == {}


def test_the_code_a_chapter_runs_is_its_folder_and_the_shared_modules(project):
    ed = load_params(project / PARAMS)
    for chapter in CHAPTERS:
        files = chapter_code_files(ed, chapter)
        assert "chapters/common.py" in files["shared"] and "stats.py" in files["shared"]
        assert f"chapters/{chapter}/__init__.py" in files["chapter"]
        everything = [*files["chapter"], *files["shared"]]
        assert not [f for f in everything if "synth" in f.rsplit("/", 1)[-1]]  # synth group
        assert not [f for f in everything if f.startswith("render/")]
        others = [f for f in everything if f.startswith("chapters/") and f.count("/") >= 2
                  and not f.startswith(f"chapters/{chapter}/")]
        assert others == []


# ------------------------------------------------------------------------------------------------
# params


ANALYSIS_CHANGES = {  # chapter -> (old text, new text, the params key named)
    "gemeenten": ("    caseload_threshold: 75\n", "    caseload_threshold: 80\n", "analysis.gemeenten.caseload_threshold"),
    "uwv": ("caseload_threshold: 100 ", "caseload_threshold: 120 ", "analysis.uwv.caseload_threshold"),
    "wsp": ("instemming: {eens: 4.0,", "instemming: {eens: 4.2,", "analysis.wsp.instemming.eens"),
    "inkomen": ("    laag_inkomen_grens: 0.2\n", "    laag_inkomen_grens: 0.25\n", "analysis.inkomen.laag_inkomen_grens"),
    "tozo": ("    hoog_cijfer_vanaf: 8 ", "    hoog_cijfer_vanaf: 9 ", "analysis.tozo.hoog_cijfer_vanaf"),
}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapters_analysis_choice_makes_only_that_chapter_stale(project, chapter):
    old, new, key = ANALYSIS_CHANGES[chapter]
    _edit(project / PARAMS, old, new)
    assert stale(project) == {chapter: [f"params {key} changed"]}


SHARED_PARAMS = {
    "statistics.alpha": ("  alpha: 0.05\n", "  alpha: 0.01\n"),
    "statistics.confidence": ("  confidence: 0.95\n", "  confidence: 0.9\n"),
    "disclosure_threshold": ("disclosure_threshold: 10\n", "disclosure_threshold: 12\n"),
    "periods.na.label": ('label: "Maart 2020 - Februari 2021"', 'label: "Maart 2020 - februari 2021"'),
    "title": ('title: "Spiegel Bestaanszekerheid 2022"', 'title: "Spiegel Bestaanszekerheid 2022 (concept)"'),
}


@pytest.mark.parametrize("key", list(SHARED_PARAMS))
def test_shared_params_make_every_chapter_stale(project, key):
    _edit(project / PARAMS, *SHARED_PARAMS[key])
    assert stale(project) == {c: [f"params {key} changed"] for c in CHAPTERS}


@pytest.mark.parametrize("source, chapter", [("klanten_pw", ("gemeenten", "inkomen")), ("klantmanagers_pw", "gemeenten"),
                                             ("uwv_medewerkers", "uwv"), ("wsp_regios", "wsp"),
                                             ("minimabeleid", "inkomen")])
def test_a_sources_description_makes_only_the_chapters_that_list_it_stale(project, source, chapter):
    path = project / PARAMS
    text = path.read_text("utf-8")
    block = re.search(rf"(?ms)^  {source}:\n.*?^    fieldwork: \"([^\"]*)\"", text)
    path.write_text(text[:block.end(1)] + " (herzien)" + text[block.end(1):], "utf-8")
    readers = chapter if isinstance(chapter, tuple) else (chapter,)  # klanten_pw: chapters 2 and 5
    assert stale(project) == {c: [f"params sources.{source}.fieldwork changed"] for c in readers}


PARAMS_FORMATTING = {  # the same values written otherwise: no chapter is executed again
    "comments": lambda t: "# a new comment at the top\n" + t.replace("  caseload_threshold: 100 ",
                                                                     "  caseload_threshold: 100   # more said "),
    "flow to block style": lambda t: t.replace("instemming: {eens: 4.0, bijna_eens: 3.5, neutraal: 2.5}",
                                               "instemming:\n      eens: 4.0\n      bijna_eens: 3.5\n"
                                               "      neutraal: 2.5"),
    "quoting and blank lines": lambda t: t.replace('contract: klanten_pw\n', 'contract: "klanten_pw"\n\n'),
    "indentation": lambda t: t.replace("waves:\n  current: 2021\n  earlier: [2014, 2017, 2019]",
                                       "waves:\n    current: 2021\n    earlier:\n      - 2014\n      - 2017\n      - 2019"),
}


@pytest.mark.parametrize("how", list(PARAMS_FORMATTING))
def test_the_same_params_written_otherwise_make_no_chapter_stale(project, how):
    path = project / PARAMS
    before = path.read_bytes()
    path.write_text(PARAMS_FORMATTING[how](path.read_text("utf-8")), "utf-8")
    assert path.read_bytes() != before
    assert stale(project) == {}


def test_a_value_of_another_type_or_in_another_order_is_a_change(project):
    path = project / PARAMS
    _edit(path, "    caseload_threshold: 75\n", "    caseload_threshold: 75.0\n")  # int -> float
    assert stale(project) == {"gemeenten": ["params analysis.gemeenten.caseload_threshold changed"]}
    _edit(path, "    caseload_threshold: 75.0\n", "    caseload_threshold: 75\n")
    assert stale(project) == {}
    _edit(path, '      klein: "minder dan 30.000 inwoners"\n      middel: "30.000 tot 85.000 inwoners"\n',
          '      middel: "30.000 tot 85.000 inwoners"\n      klein: "minder dan 30.000 inwoners"\n')
    assert stale(project) == {"gemeenten": ["params: the order of keys changed"]}


def test_a_source_added_to_a_chapter_makes_only_that_chapter_stale(project):
    _edit(project / PARAMS, "sources: [wsp_regios, wsp_regio_metadata]", "sources: [wsp_regios, wsp_regio_metadata, uwv_populatie]")
    found = stale(project)
    assert list(found) == ["wsp"]
    assert "data uwv_populatie added" in found["wsp"]
    assert "params chapters[2].sources[2] added" in found["wsp"]


def test_the_fingerprint_is_over_the_chapters_view(edition):
    for chapter in CHAPTERS:
        view = chapter_view(edition.raw, chapter)
        # every key, shared ones included, except what only the render reads (the pages, the covers)
        render_only = {"book", "ministry", "publication_number", "publisher_address"}
        assert render_only <= set(edition.raw)
        assert list(view) == [k for k in edition.raw if k not in render_only]
        assert list(view["analysis"]) == [chapter]
        own = next(c for c in edition.chapters if c.id == chapter)
        assert list(view["sources"]) == list(own.sources)
        for entry in view["chapters"]:
            assert set(entry) == ({"id", "number", "notebook", "sources"} if entry["id"] == chapter else {"id", "number"})
    other = copy.deepcopy(edition.raw)
    other["analysis"]["uwv"]["caseload_threshold"] = 1
    assert params_digest(chapter_view(other, "gemeenten")) == params_digest(chapter_view(edition.raw, "gemeenten"))
    assert params_digest(chapter_view(other, "uwv")) != params_digest(chapter_view(edition.raw, "uwv"))


# ------------------------------------------------------------------------------------------------
# notebooks, data, records


def test_a_notebook_change_makes_only_that_chapter_stale(project):
    path = project / "notebooks" / NOTEBOOKS["uwv"]
    nb = json.loads(path.read_text("utf-8"))
    nb["metadata"]["spiegel_test"] = 1
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")
    assert stale(project) == {"uwv": [f"notebook changed (notebooks/{NOTEBOOKS['uwv']})"]}


@pytest.mark.parametrize("source, chapter", [("uwv_populatie", "uwv"), ("wsp_regio_metadata", "wsp"),
                                             ("cbs_bijstand", "gemeenten")])
def test_a_data_change_makes_only_its_readers_stale(project, source, chapter):
    path = project / "data" / str(EDITION) / f"{source}.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert stale(project) == {chapter: [f"data {source} changed (data/{EDITION}/{source}.csv)"]}


def test_why_a_chapter_without_a_current_run_must_run(project):
    ed = load_params(project / PARAMS)
    chapters = {c.id: c for c in ed.chapters}
    uwv, wsp, gemeenten = (executed_path(ed, chapters[c]) for c in ("uwv", "wsp", "gemeenten"))
    uwv.unlink()
    assert stale_reasons(ed, "uwv") == [f"not executed yet ({uwv.relative_to(project).as_posix()} missing)"]
    wsp.with_name(wsp.stem + ".run.json").unlink()
    assert stale_reasons(ed, "wsp") == [f"no run record ({wsp.stem}.run.json)"]
    gemeenten.write_text("edited by hand\n", "utf-8")
    assert stale_reasons(ed, "gemeenten") == [f"{gemeenten.name} is not the notebook its run produced"]
    problems = run_problems(ed, {c: executed_path(ed, chapters[c]) for c in CHAPTERS})
    assert len(problems) == 3 and all("spiegel run --chapter" in p for p in problems)


def test_a_run_record_of_the_former_format_is_stale(project):
    """Records written before the inputs were per chapter (one params sha, one code sha)."""
    ed = load_params(project / PARAMS)
    record_path = executed_path(ed, ed.chapters[1]).with_name("03_uwv.run.json")
    record = json.loads(record_path.read_text("utf-8"))
    record["inputs"] = {"params": "0" * 64, "notebook": "1" * 64, "data": {}, "code": "2" * 64}
    record_path.write_text(json.dumps(record), "utf-8")
    assert stale(project) == {"uwv": ["its run record is of an older format (from before the inputs were "
                                      "recorded per chapter)"]}


def test_the_render_gate_holds_per_chapter(project):
    """Rendering refuses while one chapter was executed before a change of its inputs, naming only it."""
    _append(project / "src" / "spiegel" / "chapters" / "uwv" / "__init__.py")
    ed = load_params(project / PARAMS)
    problems = run_problems(ed, {c.id: executed_path(ed, c) for c in ed.chapters})
    assert problems == ["chapter 'uwv' must be executed again: chapter code chapters/uwv/__init__.py changed; "
                        "run `spiegel run --chapter uwv` again"]
    with pytest.raises(buildstate.StateError, match="chapter 'uwv' must be executed again"):
        buildstate.publishable(ed, {c.id: executed_path(ed, c) for c in ed.chapters}, "pandoc")


def test_write_run_record_takes_the_chapters_inputs(project):
    ed = load_params(project / PARAMS)
    with pytest.raises(ValueError, match="chapter_inputs"):
        write_run_record(ed, "uwv", executed_path(ed, ed.chapters[1]), buildstate.current_inputs(ed))


# ------------------------------------------------------------------------------------------------
# a chapter's Edition refuses what is not in its view


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapter_may_not_read_another_chapters_analysis_section(edition, chapter):
    scoped = edition.for_chapter(chapter)
    assert scoped.analysis(chapter) == edition.analysis(chapter)
    for other in CHAPTERS:
        if other == chapter:
            continue
        for ask in (lambda: scoped.analysis(other), lambda: scoped.raw["analysis"][other],
                    lambda: scoped.raw["analysis"].get(other), lambda: scoped.get("analysis")[other]):
            with pytest.raises(ChapterScopeError) as err:
                ask()
            message = str(err.value)
            assert f"analysis.{other}" in message and f"chapter '{chapter}'" in message
            assert f"analysis.{chapter}" in message and PARAMS in message


def test_a_chapter_may_not_read_a_source_it_does_not_list(edition):
    from spiegel.io import read_source

    scoped = edition.for_chapter("uwv")
    assert list(scoped.sources) == ["uwv_klanten", "uwv_medewerkers", "uwv_wga_extern", "uwv_populatie"]
    for ask in (lambda: scoped.sources["klanten_pw"], lambda: read_source(scoped, "wsp_regios"),
                lambda: scoped.raw["sources"]["klanten_pw"]["bron"]):
        with pytest.raises(ChapterScopeError, match=r"sources\.\w+: chapter 'uwv' reads source .*chapters\[1\]\.sources"):
            ask()
    with pytest.raises(ChapterScopeError, match=r"chapters\[0\]\.notebook: chapter 'uwv' asked for the notebook"):
        scoped.raw["chapters"][0]["notebook"]
    assert scoped.raw["chapters"][0]["number"] == 2  # ids and numbers of the others stay visible
    with pytest.raises(ChapterScopeError, match="chapter 'uwv' asked for the params of chapter 'wsp'"):
        scoped.for_chapter("wsp")


def test_the_text_of_a_chapter_may_not_name_another_chapters_params(edition):
    from spiegel.findings import Register
    from spiegel.text import TextError, context, render, Where

    ctx = context(Register("uwv", EDITION, threshold=10, alpha=0.05), edition.for_chapter("uwv").raw)
    assert render("[[ params.analysis.uwv.caseload_threshold ]] [[ params.statistics.alpha ]]", ctx,
                  Where("uwv")) == "100 0.05"
    for template, key in (("[[ params.analysis.gemeenten.caseload_threshold ]]", "analysis.gemeenten"),
                          ('[[ bron("klanten_pw") ]]', "sources.klanten_pw"),
                          ("[[ params.sources.wsp_regios.fieldwork ]]", "sources.wsp_regios")):
        with pytest.raises(TextError, match=re.escape(key)) as err:
            render(template, ctx, Where("uwv", NOTEBOOKS["uwv"], 3))
        assert "chapter 'uwv'" in str(err.value)


def test_the_session_a_notebook_gets_is_its_chapters_view(edition):
    from spiegel import chapter

    session = chapter.open(edition.path, "wsp")
    assert session.edition.scope == "wsp"
    assert session.edition.analysis("wsp") == edition.analysis("wsp")
    with pytest.raises(ChapterScopeError, match=r"analysis\.uwv: chapter 'wsp'"):
        session.edition.analysis("uwv")
    with pytest.raises(ChapterScopeError, match=r"analysis\.gemeenten: chapter 'wsp'"):
        session.data.edition.raw["analysis"]["gemeenten"]


def test_the_text_is_filled_from_the_chapters_view(edition):
    from spiegel.chapter import filled_text

    assert filled_text(edition.for_chapter("wsp"), "wsp") == filled_text(edition, "wsp")
    with pytest.raises(ChapterScopeError, match="chapter 'wsp' asked for the params of chapter 'uwv'"):
        filled_text(edition.for_chapter("wsp"), "uwv")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_notebook_opens_its_own_chapter_and_reads_params_only_through_it(edition, chapter):
    spec = next(c for c in edition.chapters if c.id == chapter)
    nb = nbformat.read(str(spec.notebook), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert re.findall(r"chapter\.open\(\s*params_path\s*,\s*\"(\w+)\"\s*\)", code) == [chapter]
    assert code.count("params_path") == 2  # the parameters cell and chapter.open
    for forbidden in ("load_params", "yaml", ".raw"):
        assert forbidden not in code, (chapter, forbidden)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapters_code_does_not_reach_into_another_chapters_folder(root, chapter):
    folder = root / "src" / "spiegel" / "chapters" / chapter
    others = [c for c in CHAPTERS if c != chapter]
    for path in sorted(folder.rglob("*.py")):
        if path.name.startswith("synth"):
            continue
        text = path.read_text("utf-8")
        for other in others:
            assert not re.search(rf"chapters[./]{other}\b", text), (path, other)


def test_scoped_mappings_keep_their_refusals():
    scoped = Scoped({}, {"b": "refused b"})
    assert scoped and len(scoped) == 0 and list(scoped) == [] and "b" in scoped
    assert (scoped or {"b": 1}) is scoped  # `x or {}` must not drop the refusal
    for ask in (lambda: scoped["b"], lambda: scoped.get("b"), lambda: copy.deepcopy(scoped)["b"]):
        with pytest.raises(ChapterScopeError, match="refused b"):
            ask()
    with pytest.raises(KeyError):
        scoped["c"]
    assert scoped.get("c", 3) == 3


# ------------------------------------------------------------------------------------------------
# through the command line: `spiegel run --if-changed` in a project copy running its own code


def _env(project: Path) -> dict[str, str]:
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_STATE", "SPIEGEL_BUILD_ROOT"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(project / "src")  # the copy's package, in `spiegel` and in the kernels
    return env


def spiegel_run(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "--params", PARAMS, "run", "--quiet", *args],
                          cwd=project, capture_output=True, text=True, timeout=900, env=_env(project))


def executions(result: subprocess.CompletedProcess) -> list[str]:
    return re.findall(r"run: (\S+\.ipynb): executing", result.stdout + result.stderr)


def _in_copy(project: Path, code: str) -> str:
    """Run ``code`` with the copy's package (as `spiegel` there does); its standard output."""
    done = subprocess.run([str(project / ".venv" / "bin" / "python"), "-c", code], cwd=project,
                          capture_output=True, text=True, env=_env(project), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def ran(root, edition, tmp_path_factory):
    """A project copy (its own package code, the venv linked) with a run record per chapter of its
    current inputs (for placeholder executed notebooks: what the copy's `spiegel run` would have
    recorded; the chapters themselves are executed by the test)."""
    project = copy_project(root, tmp_path_factory.mktemp("chapter-inputs"))
    assert _in_copy(project, "import spiegel; print(spiegel.__file__)").strip() == \
        str(project / "src" / "spiegel" / "__init__.py")
    _in_copy(project, "from spiegel.params import load_params; from spiegel.build import executed_path; "
                      "from spiegel.buildstate import chapter_inputs, write_run_record\n"
                      f"ed = load_params({PARAMS!r})\n"
                      "for c in ed.chapters:\n"
                      "    out = executed_path(ed, c); out.parent.mkdir(parents=True, exist_ok=True)\n"
                      "    out.write_text('placeholder', 'utf-8')\n"
                      "    write_run_record(ed, c, out, chapter_inputs(ed, c))\n")
    return project


CLI_CASES = [  # (what, change, chapters executed by `spiegel run --if-changed`, the reason printed)
    ("nothing", lambda p: None, [], None),
    ("chapters/uwv/__init__.py", lambda p: _append(p / "src" / "spiegel" / "chapters" / "uwv" / "__init__.py"),
     ["03_uwv.ipynb"], "chapter code chapters/uwv/__init__.py changed"),
    ("analysis.gemeenten.caseload_threshold",
     lambda p: _edit(p / PARAMS, "    caseload_threshold: 75\n", "    caseload_threshold: 70\n"),
     ["02_gemeenten.ipynb"], "params analysis.gemeenten.caseload_threshold changed"),
    ("chapters/wsp/synth.py", lambda p: _append(p / "src" / "spiegel" / "chapters" / "wsp" / "synth.py"), [], None),
    ("a comment in the params", lambda p: _append(p / PARAMS), [], None),
]


@pytest.mark.integration
def test_spiegel_run_if_changed_executes_only_the_chapters_whose_inputs_changed(ran):
    """One case after the other in the same copy (each starting from the runs of the one before)."""
    project = ran
    for what, change, expected, reason in CLI_CASES:
        change(project)
        result = spiegel_run(project, "--if-changed")
        output = result.stdout + result.stderr
        assert result.returncode == 0, (what, output)
        assert executions(result) == expected, (what, output)
        for name in set(NOTEBOOKS.values()) - set(expected):
            assert f"run: {name}: inputs as in its last run; not executed again" in output, (what, output)
        if reason:
            assert f"run: {expected[0]}: {reason}" in output, (what, output)
        # the render gate: every chapter executed from its current inputs
        problems = _in_copy(project, "import json; from spiegel.params import load_params; "
                                     "from spiegel.build import executed_path; from spiegel.buildstate import run_problems; "
                                     f"ed = load_params({PARAMS!r}); "
                                     "print(json.dumps(run_problems(ed, {c.id: executed_path(ed, c) for c in ed.chapters})))")
        assert json.loads(problems) == [], (what, problems)


@pytest.mark.integration
def test_a_notebook_asking_for_another_chapters_analysis_fails_naming_it(ran, tmp_path):
    project = ran
    path = project / "notebooks" / NOTEBOOKS["uwv"]
    original = path.read_bytes()
    nb = nbformat.read(str(path), as_version=4)
    setup = next(i for i, c in enumerate(nb.cells) if "chapter.open(" in c.source)
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell('grens = ch.edition.analysis("gemeenten")["caseload_threshold"]'))
    nbformat.write(nb, str(path))
    try:
        result = spiegel_run(project, "--chapter", "uwv", "--if-changed")
        output = result.stdout + result.stderr
        assert result.returncode == 1, output
        assert "ChapterScopeError" in output and "analysis.gemeenten" in output, output
        assert "chapter 'uwv' asked for the analysis choices of chapter 'gemeenten'" in output, output
    finally:
        path.write_bytes(original)


# --------------------------------------------------------------------------- the validation gate


def _gate_after_a_passed_validation(project: Path) -> Path:
    """Record a passed validation of the project's current inputs (as ``spiegel validate`` does)."""
    ed = load_params(project / PARAMS)
    ed.build_dir.mkdir(parents=True, exist_ok=True)
    (ed.build_dir / "validation.html").write_text("passed\n", "utf-8")
    buildstate.write_gate(ed, buildstate.current_inputs(ed), True)
    return project / PARAMS


def _gate(project: Path) -> list[str]:
    ed = load_params(project / PARAMS)
    return buildstate.gate_problems(ed, buildstate.current_inputs(ed))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_a_chapters_analysis_choice_does_not_validate_the_data_again(project, chapter):
    params = _gate_after_a_passed_validation(project)
    assert _gate(project) == []
    _edit(params, *ANALYSIS_CHANGES[chapter][:2])
    assert _gate(project) == []  # the contracts read no analysis choice
    assert list(stale(project)) == [chapter]


@pytest.mark.parametrize("key", ["disclosure_threshold", "periods.na.label", "statistics.alpha"])
def test_params_outside_analysis_validate_the_data_again(project, key):
    params = _gate_after_a_passed_validation(project)
    _edit(params, *SHARED_PARAMS[key])
    problems = _gate(project)
    assert len(problems) == 1 and problems[0].startswith("changed since the last validation: params")


def test_a_comment_in_the_params_does_not_validate_again(project):
    params = _gate_after_a_passed_validation(project)
    _append(params)
    assert _gate(project) == []


@pytest.mark.parametrize("key", ["analysis", "analysis.gemeenten.caseload_threshold"])
def test_a_contract_rule_may_not_read_an_analysis_choice(edition, key):
    from types import SimpleNamespace

    from spiegel import contracts

    run = SimpleNamespace(edition=edition, params_file=PARAMS)
    with pytest.raises(contracts._ParamsProblem, match=f"a contract rule reads '{key}'"):
        contracts._param(run, key)
    assert contracts._param(run, "disclosure_threshold") == edition.disclosure_threshold


def test_the_previous_editions_params_and_data_are_inputs_of_a_chapter_that_compares_with_them(root):
    """spiegel.development reads the previous edition's params and files: a change there re-runs
    the chapters that compare with it, and another chapter's key figures do not."""
    import copy

    from spiegel.params import Edition

    ed = load_params(root / "params" / "2023.yml")
    current = chapter_inputs(ed, "gemeenten")
    previous = current["previous"]
    assert previous["params"]["file"] == "params/2022.yml"
    assert set(previous["data"]) == set(next(c for c in load_params(root / "params" / "2022.yml").chapters
                                             if c.id == "gemeenten").sources)
    recorded = copy.deepcopy(current)
    recorded["previous"]["data"]["klanten_pw"]["sha256"] = "0" * 64
    assert input_changes(recorded, current) == ["previous edition's data klanten_pw changed"]
    recorded = copy.deepcopy(current)
    recorded["previous"]["params"]["sha256"] = "0" * 64
    assert input_changes(recorded, current) == ["previous edition's params changed (params/2022.yml)"]
    recorded = copy.deepcopy(current)
    del recorded["previous"]
    assert input_changes(recorded, current) == ["the comparison with the previous edition added"]
    # another chapter's key figures are not in this chapter's view
    raw = copy.deepcopy(ed.raw)
    raw["development"]["key_figures"]["gemeenten"] = raw["development"]["key_figures"]["gemeenten"][:1]
    other = Edition(path=ed.path, root=ed.root, raw=raw)
    assert chapter_inputs(other, "uwv")["params"] == chapter_inputs(ed, "uwv")["params"]
    assert chapter_inputs(other, "gemeenten")["params"] != current["params"]
    assert "previous" not in chapter_inputs(load_params(root / "params" / "2022.yml"), "gemeenten")
