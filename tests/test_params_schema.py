"""The params schema: every key checked on load, with one readable line per problem naming the
params file, the key path, the value given and what is allowed; the project-root rule."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from spiegel import cli
from spiegel.params import Edition, ParamsError, load_params

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "params" / "2022.yml").read_text(encoding="utf-8")


@pytest.fixture
def project(tmp_path) -> Path:
    """A temporary project root: data_contracts/, notebooks/ and params/ (the params written per test)."""
    for folder in ("data_contracts", "notebooks", "book"):  # copies: nothing a test runs can change the originals
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "params").mkdir()
    return tmp_path


def _write(project: Path, text: str, name: str = "2022.yml") -> Path:
    path = project / "params" / name
    path.write_text(text, encoding="utf-8")
    return path


def _edited(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def _with(mutate) -> str:
    raw = yaml.safe_load(BASE)
    mutate(raw)
    return yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)


def _problems(project: Path, text: str) -> list[str]:
    path = _write(project, text)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    lines = str(err.value).splitlines()
    for line in lines:  # readable: the file first, no pydantic boilerplate
        assert line.startswith(f"{path}: "), line
        assert "pydantic" not in line and "http" not in line and "Input should" not in line, line
        assert "For further information" not in line, line
    return lines


def _one(project: Path, text: str, *needles: str) -> str:
    lines = _problems(project, text)
    assert len(lines) == 1, lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_the_2022_params_load_and_keep_their_api(root):
    ed = load_params(root / "params" / "2022.yml")
    assert ed.root == root
    assert ed.synthetic is True and ed.disclosure_threshold == 10 and ed.seed == 20220906
    assert ed.analysis("gemeenten")["caseload_threshold"] == 75
    assert ed.analysis("gemeenten")["gemeentegrootte"]["klein"].startswith("minder")
    assert ed["waves"]["earlier"] == [2014, 2017, 2019] and ed["periods"]["voor"]["start"] == "2019-03"
    assert ed.alpha == 0.05 and ed.confidence == 0.95
    assert ed.analysis("uwv")["caseload_threshold"] == 100


# --------------------------------------------------------------------------- disclosure threshold

@pytest.mark.parametrize("value, shown", [
    ("-1", "-1"), ("0", "0"), ("4", "4"), ("2.5", "2.5"), ("10.0", "10.0"), ('"tien"', '"tien"'),
    ('"10"', '"10"'), ("", "an empty value"), ("true", "true"), ("[10]", "a list"),
])
def test_disclosure_threshold_must_be_a_whole_number_of_at_least_5(project, value, shown):
    line = _one(project, _edited("disclosure_threshold: 10", f"disclosure_threshold: {value}"),
                "disclosure_threshold: ", shown, "whole number", "at least 5")
    assert "is not allowed" in line


@pytest.mark.parametrize("value", [5, 10, 25])
def test_sensible_disclosure_thresholds_are_accepted(project, value):
    path = _write(project, _edited("disclosure_threshold: 10", f"disclosure_threshold: {value}"))
    assert load_params(path).disclosure_threshold == value


# --------------------------------------------------------------------------- strict booleans

@pytest.mark.parametrize("value, shown", [
    ('"false"', '"false"'), ('"true"', '"true"'), ('"yes"', '"yes"'), ("yes", '"yes"'), ("on", '"on"'),
    ("no", '"no"'), ("1", "1"), ("0", "0"), ("", "an empty value"),
])
def test_synthetic_must_be_an_unquoted_yaml_boolean(project, value, shown):
    _one(project, _edited("synthetic: true", f"synthetic: {value}"), "synthetic: ", shown, "true or false")


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_real_booleans_are_accepted_and_synthetic_is_a_real_bool(project, value, expected):
    ed = load_params(_write(project, _edited("synthetic: true", f"synthetic: {value}")))
    assert ed.synthetic is expected


@pytest.mark.parametrize("value", ["false", "no", "1", 1, [True]])
def test_an_unvalidated_non_boolean_never_counts_as_synthetic(root, value):
    ed = Edition(path=root / "params" / "x.yml", root=root, raw={"synthetic": value})
    assert ed.synthetic is False


# --------------------------------------------------------------------------- lists and mappings

@pytest.mark.parametrize("mutate, key, wanted", [
    (lambda r: r.update(sources=list(r["sources"])), "sources: a list is not allowed", "mapping"),
    (lambda r: r.update(periods=[r["periods"]["voor"]]), "periods: a list is not allowed", "mapping"),
    (lambda r: r.update(waves=[2014, 2017]), "waves: a list is not allowed", "mapping"),
    (lambda r: r["sources"].update(cbs_bijstand=["data/x.csv"]), "sources.cbs_bijstand: a list", "mapping"),
    (lambda r: r["periods"].update(voor="2019-03"), 'periods.voor: "2019-03" is not allowed', "mapping"),
    (lambda r: r.update(chapters={c["id"]: c for c in r["chapters"]}), "chapters: a mapping is not allowed", "list"),
    (lambda r: r["waves"].update(earlier={"a": 2014}), "waves.earlier: a mapping is not allowed", "list"),
    (lambda r: r["chapters"][1].update(sources={"uwv_klanten": 1}), "chapters[1].sources (chapter 'uwv'): a mapping",
     "list"),
])
def test_a_list_where_a_mapping_belongs_and_vice_versa_is_named(project, mutate, key, wanted):
    line = _one(project, _with(mutate), key)
    assert f"must be a {wanted}" in line, line


# --------------------------------------------------------------------------- unknown keys

@pytest.mark.parametrize("old, new, key, suggestion", [
    ("disclosure_threshold: 10", "disclosure_treshold: 10", "disclosure_treshold", "disclosure_threshold"),
    ("seed: 20220906", "sead: 20220906", "sead", "seed"),
    ("    file: data/2022/klanten_pw.csv", "    fiel: data/2022/klanten_pw.csv", "sources.klanten_pw.fiel", "file"),
    ("    bron: \"CBS\"\n", "    bronn: \"CBS\"\n", "sources.cbs_bijstand.bronn", "bron"),
    ("    notebook: notebooks/03_uwv.ipynb", "    notebok: notebooks/03_uwv.ipynb", "chapters[1].notebok", "notebook"),
    ('    label: "Maart 2019 - Februari 2020"', '    lable: "Maart 2019 - Februari 2020"', "periods.voor.lable",
     "label"),
    ("  current: 2021", "  curent: 2021", "waves.curent", "current"),
])
def test_unknown_keys_are_refused_with_a_suggestion(project, old, new, key, suggestion):
    lines = _problems(project, _edited(old, new))
    unknown = [line for line in lines if "unknown key" in line]
    assert len(unknown) == 1, lines
    assert f": {key}" in unknown[0] and f"did you mean '{suggestion}'?" in unknown[0], unknown[0]


@pytest.mark.parametrize("mutate, line", [
    (lambda r: r.update(sources={}), "sources: an empty mapping is not allowed; must be a mapping of source id"),
    (lambda r: r["sources"].update({2021: r["sources"].pop("cbs_bijstand")}), "sources: key 2021 is not allowed; keys must be text"),
    (lambda r: r["sources"].update(cbs_bijstand=None), "sources.cbs_bijstand: an empty value is not allowed; must be a mapping"),
])
def test_empty_or_misnamed_sources_are_named(project, mutate, line):
    _one(project, _with(mutate), line)


def test_an_unknown_key_without_a_near_name_lists_what_is_allowed(project):
    line = _one(project, BASE + "\nfoo: 1\n", "foo: unknown key", "allowed here: edition, title")
    assert "did you mean" not in line


def test_a_key_given_twice_is_refused(project):
    _one(project, _edited("seed: 20220906", "seed: 20220906\nseed: 1"), "key 'seed' appears twice", "line")


@pytest.mark.parametrize("content, needle", [
    (b"", "an empty value is not allowed at the top level"),
    (b"- edition: 2022\n", "a list is not allowed at the top level"),
    (b"edition: 2022\ntitle: [x\n", "not valid YAML: line 3"),
    (BASE.replace('publication_date: "2022-09-06"', "publication_date: 2022-02-30").encode(), "day is out of range"),
    ("title: Spiegel \u00e9\n".encode("latin-1"), "not UTF-8 text"),
])
def test_unreadable_params_files_are_one_clear_line(project, content, needle):
    path = project / "params" / "2022.yml"
    path.write_bytes(content)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    assert str(err.value).startswith(f"{path}: ") and needle in str(err.value)
    assert len(str(err.value).splitlines()) == 1


def test_several_problems_give_one_line_each(project):
    text = _edited("disclosure_threshold: 10", "disclosure_threshold: 2.5").replace("synthetic: true", 'synthetic: "no"')
    lines = _problems(project, text)
    assert len(lines) == 2
    assert lines[0].endswith("at least 5 (a lower threshold is no disclosure control)")
    assert ": synthetic: " in lines[1]


def test_missing_keys_are_named_one_per_line(project):
    lines = _problems(project, "edition: 2030\ntitle: x\n")
    keys = [line.split(": ")[1] for line in lines]
    assert keys == ["disclosure_threshold", "sources", "chapters", "periods", "waves"]
    assert all("required key is missing" in line for line in lines)


# --------------------------------------------------------------------------- chapters

@pytest.mark.parametrize("value, needle", [
    ("2", "chapter 'gemeenten' has that number already"), ("0", "positive whole number"),
    ("-3", "positive whole number"), ('"3"', "positive whole number"), ("3.0", "positive whole number"),
])
def test_chapter_numbers_are_unique_positive_whole_numbers(project, value, needle):
    _one(project, _edited("    number: 3", f"    number: {value}"), "chapters[1].number (chapter 'uwv'): ", needle)


def test_a_chapter_id_given_twice_is_refused(project):
    lines = _problems(project, _edited("  - id: wsp", "  - id: uwv"))
    assert any("chapters[2].id" in line and '"uwv"' in line and "unique" in line for line in lines), lines


@pytest.mark.parametrize("old, new, needles", [
    ("sources: [uwv_klanten,", "sources: [uwv_klant,", ("chapters[1].sources[0]", '"uwv_klant"', "did you mean 'uwv_klanten'")),
    ("sources: [wsp_regios, wsp_regio_metadata]", "sources: [wsp_regios, cbs]",
     ("chapters[2].sources[1] (chapter 'wsp')", 'unknown source "cbs"', "klanten_pw, klanten_pw_trend")),
])
def test_a_chapter_naming_an_unknown_source_is_refused(project, old, new, needles):
    _one(project, _edited(old, new), *needles)


@pytest.mark.parametrize("value, needle", [
    ("notebooks/03_uvw.ipynb", "does not exist"), ("notebooks/99_nieuw.ipynb", "does not exist"),
    ("notebooks/03_uwv.py", ".ipynb notebook"), ('""', "non-empty"),
])
def test_a_chapter_notebook_must_exist(project, value, needle):
    _one(project, _edited("notebook: notebooks/03_uwv.ipynb", f"notebook: {value}"), "chapters[1].notebook", needle)


# --------------------------------------------------------------------------- periods, waves, seed

@pytest.mark.parametrize("value, needle", [
    ('"2019-3"', "YYYY-MM"), ('"2019-13"', "YYYY-MM"), ('"201903"', "YYYY-MM"), ('"maart 2019"', "YYYY-MM"),
    ("2019", "YYYY-MM"), ('"2020-04"', 'start "2020-04" is after end "2020-02"'),
])
def test_periods_are_year_months_with_start_not_after_end(project, value, needle):
    _one(project, _edited('\n    start: "2019-03"', f"\n    start: {value}"), "periods.voor", needle)


def test_a_period_of_one_month_is_allowed(project):
    ed = load_params(_write(project, _edited('\n    start: "2019-03"', '\n    start: "2020-02"')))
    assert ed["periods"]["voor"]["start"] == ed["periods"]["voor"]["end"] == "2020-02"


@pytest.mark.parametrize("earlier, needle", [
    ("[2014, 2017, 2022]", "2022 is not allowed"), ("[2014, 2021]", "2021 is not allowed"),
    ("[2014, 2014]", "each year once"), ('[2014, "2017"]', '"2017" is not allowed'), ("[2014, 2.5]", "2.5"),
])
def test_earlier_waves_are_years_before_the_current_one(project, earlier, needle):
    _one(project, _edited("earlier: [2014, 2017, 2019]", f"earlier: {earlier}"), "waves.earlier", needle)


@pytest.mark.parametrize("value", ['"2021"', "2021.5", "true", ""])
def test_the_current_wave_is_a_year(project, value):
    _one(project, _edited("  current: 2021", f"  current: {value}"), "waves.current", "a year")


@pytest.mark.parametrize("value, shown", [('"20220906"', '"20220906"'), ("2.5", "2.5"), ("-1", "-1"), ("true", "true")])
def test_seed_is_a_whole_number(project, value, shown):
    _one(project, _edited("seed: 20220906", f"seed: {value}"), "seed: ", shown, "whole number")


# --------------------------------------------------------------------------- statistics and analysis

STATS = "statistics:\n  alpha: 0.05\n  confidence: 0.95\n"


@pytest.mark.parametrize("block, key, shown", [
    ("  alpha: 0\n  confidence: 0.95\n", "statistics.alpha", "0"),
    ("  alpha: 0.5\n  confidence: 0.95\n", "statistics.alpha", "0.5"),
    ('  alpha: "0.05"\n  confidence: 0.95\n', "statistics.alpha", '"0.05"'),
    ("  alpha: true\n  confidence: 0.95\n", "statistics.alpha", "true"),
    ("  alpha: 0.05\n  confidence: 1\n", "statistics.confidence", "1"),
    ("  alpha: 0.05\n  confidence: 95\n", "statistics.confidence", "95"),
    ("  alpha: 0.05\n  confidence: 0.5\n", "statistics.confidence", "0.5"),
])
def test_statistics_levels_are_numbers_in_their_ranges(project, block, key, shown):
    _one(project, _edited(STATS, f"statistics:\n{block}"), f"{key}: {shown} is not allowed", "a number between")


def test_statistics_keys_are_checked_too(project):
    _one(project, _edited(STATS, "statistics:\n  alfa: 0.01\n"), "statistics.alfa: unknown key", "did you mean 'alpha'")


def test_statistics_defaults_and_values_are_exposed(project):
    assert STATS in BASE
    ed = load_params(_write(project, _edited(STATS, "")))
    assert (ed.alpha, ed.confidence) == (0.05, 0.95)
    ed = load_params(_write(project, _edited(STATS, "statistics:\n  alpha: 0.01\n  confidence: 0.9\n")))
    assert (ed.alpha, ed.confidence) == (0.01, 0.9)


def test_analysis_choices_per_chapter_are_exposed(project):
    ed = load_params(_write(project, _with(lambda r: r.update(
        analysis={"uwv": {"caseload_groot": 50, "klassen": ["a", "b"]}, "wsp": None}))))
    assert ed.analysis("uwv") == {"caseload_groot": 50, "klassen": ["a", "b"]}
    assert ed.analysis("wsp") == {} and ed.analysis("gemeenten") == {}
    ed.analysis("uwv")["klassen"].append("c")  # a copy: callers cannot change the edition
    assert ed.analysis("uwv")["klassen"] == ["a", "b"]
    with pytest.raises(KeyError, match="uwv"):
        ed.analysis("uvw")


@pytest.mark.parametrize("analysis, needles", [
    ({"uvw": {"x": 1}}, ("analysis.uvw", "unknown chapter", "did you mean 'uwv'")),
    ({"hoofdstuk5": {}}, ("analysis.hoofdstuk5", "gemeenten, uwv, wsp")),
    ({"uwv": [1, 2]}, ("analysis.uwv: a list is not allowed", "mapping")),
    (["uwv"], ("analysis: a list is not allowed", "mapping")),
])
def test_analysis_keys_must_be_chapter_ids_with_mappings(project, analysis, needles):
    _one(project, _with(lambda r: r.update(analysis=analysis)), *needles)


@pytest.mark.parametrize("old, new, key", [
    ('publication_date: "2022-09-06"', 'publication_date: "6 september 2022"', "publication_date"),
    ('title: "Spiegel Bestaanszekerheid 2022"', "title: ''", "title"),
    ("edition: 2022", 'edition: "2022"', "edition"),
])
def test_the_other_top_level_keys_are_typed(project, old, new, key):
    lines = _problems(project, _edited(old, new))
    assert any(line.split(": ")[1] == key and "is not allowed" in line for line in lines), lines


# --------------------------------------------------------------------------- project root

def _outside_params(tmp_path: Path, root: Path, **changes) -> Path:
    """A params copy in a folder outside any project, its sources at absolute paths elsewhere."""
    raw = yaml.safe_load(BASE)
    raw.update(changes)
    data = tmp_path / "vertrouwelijk" / "bestanden"
    data.mkdir(parents=True)
    for sid, spec in raw["sources"].items():
        spec["file"] = str(data / Path(spec["file"]).name)
    path = tmp_path / "vertrouwelijk" / "spiegel-2022.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_params_outside_the_project_use_the_project_of_the_current_directory(tmp_path, root, monkeypatch):
    path = _outside_params(tmp_path, root, synthetic=False)
    monkeypatch.chdir(root / "notebooks")  # the folder papermill runs a chapter in
    ed = load_params(path)
    assert ed.root == root and ed.path == path.resolve()
    assert ed.build_dir.parent == root / "build" / "2022"  # this params file's own state there
    assert ed.sources["klanten_pw"].path == tmp_path / "vertrouwelijk" / "bestanden" / "klanten_pw.csv"
    assert ed.chapters[0].notebook == root / "notebooks" / "02_gemeenten.ipynb"


def test_relative_source_paths_resolve_against_the_project_root(tmp_path, root, monkeypatch):
    path = _outside_params(tmp_path, root)
    raw = yaml.safe_load(path.read_text("utf-8"))
    raw["sources"]["cbs_bijstand"]["file"] = "data/2022/cbs_bijstand.csv"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.chdir(root)
    ed = load_params(path)
    assert ed.sources["cbs_bijstand"].path == root / "data" / "2022" / "cbs_bijstand.csv"
    assert ed.sources["klanten_pw"].path.is_relative_to(tmp_path)


def test_a_params_file_in_a_subfolder_of_params_finds_its_project(project, tmp_path, monkeypatch):
    (project / "params" / "varianten").mkdir()
    path = project / "params" / "varianten" / "alt.yml"
    path.write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)  # not inside any project
    ed = load_params(path)
    assert ed.root == project.resolve()
    assert ed.sources["klanten_pw"].path == project.resolve() / "data" / "2022" / "klanten_pw.csv"


def test_no_project_root_is_an_error_naming_what_was_looked_for(tmp_path, root, monkeypatch):
    path = _outside_params(tmp_path, root, synthetic=False)
    elsewhere = tmp_path / "ergens"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ParamsError) as err:
        load_params(path)
    message = str(err.value)
    assert "no project root found" in message and "data_contracts/" in message and "params/" in message
    assert str(path.parent) in message and str(elsewhere) in message


def test_a_build_on_params_outside_the_project_names_the_missing_real_data_first(tmp_path, root):
    path = _outside_params(tmp_path, root, synthetic=False)
    result = subprocess.run([sys.executable, "-m", "spiegel.cli", "--params", str(path), "build"],
                            cwd=root, capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    assert "data file(s) named in spiegel-2022.yml do not exist" in result.stderr
    assert f"klanten_pw ({tmp_path / 'vertrouwelijk' / 'bestanden' / 'klanten_pw.csv'})" in result.stderr
    assert "[1/" not in result.stderr  # said before any step ran
    assert not load_params(path).build_dir.exists()  # and before any build state was made


# --------------------------------------------------------------------------- command line

BAD = {
    "sources as a list": _with(lambda r: r.update(sources=list(r["sources"]))),
    "threshold as text": _edited("disclosure_threshold: 10", 'disclosure_threshold: "tien"'),
    "quoted false": _edited("synthetic: true", 'synthetic: "false"'),
    "periods as a list": _with(lambda r: r.update(periods=list(r["periods"].values()))),
}
COMMANDS = [["verify"], ["synth"], ["validate"], ["run", "--chapter", "uwv"], ["render"], ["build"], ["refresh"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("case", list(BAD))
def test_every_command_reports_a_params_problem_in_one_line(project, capsys, case, command):
    path = _write(project, BAD[case])
    status = cli.main(["--params", str(path), *command])
    err = capsys.readouterr().err
    assert status != 0
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"spiegel: {path}: ") and "Traceback" not in err


def test_the_command_line_prints_no_traceback(project):
    path = _write(project, BAD["sources as a list"])
    result = subprocess.run([sys.executable, "-m", "spiegel.cli", "--params", str(path), "verify"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.startswith(f"spiegel: {path}: sources: a list is not allowed")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("old, new, needles", [
    ("    - {file: book/samenvatting.md}", "    - {file: book/samenvating.md}",
     ("book.front[1].file", "does not exist")),
    ("    - {file: book/samenvatting.md}", "    - {file: book/2022/cited.yml}", ("book.front[1].file", "Markdown (.md)")),
    ("    - {file: book/inleiding.md, numbered: true}", "    - {file: book/inleiding.md, numbered: \"yes\"}",
     ("book.front[2].numbered", "true or false")),
    ('date: "2022-11-03"', 'date: "2022-11-31"', ("book.reactions[0].date", "YYYY-MM-DD")),
    ("divosa.md, example: true}", "divosa.md, exampel: true}", ("book.reactions[1].exampel", "did you mean 'example'")),
    ("  cited: book/2022/cited.yml", "  cited: book/2021/cited.yml", ("book.cited", "does not exist")),
    ("    - {file: book/naschrift.md, numbered: true}", "    - {file: notebooks/02_gemeenten.md}",
     ("book.back[0].file",)),
])
def test_book_pages_and_reactions_are_checked(project, old, new, needles):
    (project / "notebooks" / "02_gemeenten.md").write_text("# Dubbel\n", encoding="utf-8")
    _one(project, _edited(old, new), *needles)


def test_a_page_named_like_a_chapter_is_refused(project):
    (project / "book" / "02_gemeenten.md").write_text("# Dubbel\n", encoding="utf-8")
    line = _one(project, _edited("    - {file: book/naschrift.md, numbered: true}", "    - {file: book/02_gemeenten.md}"),
                "book.back[0].file", "chapter 'gemeenten'")
    assert "names must differ" in line


def test_the_book_section_is_not_part_of_a_chapters_view(root):
    from spiegel.params import chapter_view

    ed = load_params(root / "params" / "2022.yml")
    for key in ("book", "ministry", "publication_number", "publisher_address"):
        assert key in ed.raw and all(key not in chapter_view(ed.raw, c.id) for c in ed.chapters), key
    assert [p.id for p in ed.book_pages] == ["hoofdboodschap", "samenvatting", "inleiding", "naschrift"]
    assert [(r.organisation, r.date.isoformat(), r.example) for r in ed.reactions] == [
        ("UWV", "2022-11-03", True), ("Divosa", "2022-10-05", True), ("VNG", "2022-11-02", True)]


# --------------------------------------------------------------------------- cover and back cover


def test_the_cover_and_back_cover_keys_are_read(project):
    ed = load_params(_write(project, BASE))
    assert ed.raw["ministry"] == "Ministerie van Sociale Zaken en Werkgelegenheid"
    assert ed.raw["publication_number"] == "22406904"
    assert ed.raw["publisher_address"] == ["Postbus 90801 | 2500 LV Den Haag", "T 0800 51 51"]


def test_the_cover_and_back_cover_keys_are_optional(project):
    text = _with(lambda raw: [raw.pop(k) for k in ("ministry", "publication_number", "publisher_address")])
    ed = load_params(_write(project, text))
    assert "ministry" not in ed.raw and "publication_number" not in ed.raw


@pytest.mark.parametrize("value, shown", [("22406904", "22406904"), ("022406", "9478")])  # 022406: octal in YAML
def test_an_unquoted_publication_number_is_refused_naming_the_quotes(project, value, shown):
    _one(project, _edited('publication_number: "22406904"', f"publication_number: {value}"),
         f"publication_number: {shown} is not allowed", "in quotes", "leading zeros")


@pytest.mark.parametrize("edit, key, needle", [
    (('  - "Postbus 90801 | 2500 LV Den Haag"\n  - "T 0800 51 51"', ' "Postbus 90801"'), "publisher_address: ",
     "a list of lines"),
    (('  - "T 0800 51 51"', '  - ""'), "publisher_address[1]: ", "empty text"),
    (('ministry: "Ministerie van Sociale Zaken en Werkgelegenheid"', 'ministry: " "'), "ministry: ", "empty text"),
    (('ministry: "Ministerie van Sociale Zaken en Werkgelegenheid"', "ministry: [SZW]"), "ministry: ", "text"),
])
def test_wrong_cover_values_name_the_key(project, edit, key, needle):
    old, new = edit
    if old.startswith("  - \"Postbus"):
        text = BASE.replace("publisher_address:\n" + old, "publisher_address:" + new, 1)
        assert text != BASE
    else:
        text = _edited(old, new)
    _one(project, text, key, needle)


def test_development_names_an_earlier_edition_and_figures_per_chapter(project):
    ok = _with(lambda p: p.update(development={"previous": 2021, "key_figures": {"gemeenten": ["kan_nu_werken_klant"]}}))
    assert load_params(_write(project, ok)).raw["development"]["previous"] == 2021
    _one(project, _with(lambda p: p.update(development={"previous": 2022})),
         "development.previous 2022 is not allowed; must be an edition before this one (2022)")
    _one(project, _with(lambda p: p.update(development={"previous": 2021, "key_figures": {"gemeenten": "kan_nu"}})),
         "development.key_figures.gemeenten")
    _one(project, _with(lambda p: p.update(development={"key_figures": {}})), "development.previous")
