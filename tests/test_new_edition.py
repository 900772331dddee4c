"""Starting an edition (`spiegel new-edition <year>`, `make edition YEAR=<year>`) and choosing the
default one (the newest params/<year>.yml): the new params file keeps the previous one's comments,
sets what follows from the year, marks what must be filled in, and every command refuses it, one
line per key, while a mark is left; an existing params file is never overwritten."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from spiegel import cli
from spiegel.newedition import NewEditionError, new_edition
from spiegel.params import MARK, ParamsError, default_params, editions, load_params, marked_keys

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path):
    """The params, contracts, notebooks and book pages of the project (what loading params needs)."""
    for folder in ("params", "data_contracts", "notebooks", "book"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    # a project whose newest edition is 2022 (the 2023 params that ship are what these tests make)
    (tmp_path / "params" / "2023.yml").unlink()
    return tmp_path


def _raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text("utf-8"))


def _expected_marks(old: dict) -> set[str]:
    """The keys that must be marked, worked out here from the 2022 params by their own rules."""
    year = re.compile(r"(?<![\d.,])(?:19|20)\d{2}(?!\d)")

    def has_year(v):
        if isinstance(v, bool):
            return False
        if isinstance(v, int):
            return 1900 <= v <= 2100
        if isinstance(v, str):
            return bool(year.search(v))
        if isinstance(v, list):
            return any(has_year(x) for x in v)
        return False

    keys = {"publication_date", "research_period", "waves.current"}
    keys |= {f"periods.{name}.{part}" for name, p in old["periods"].items() for part in p}
    for sid, spec in old["sources"].items():
        keys.add(f"sources.{sid}.fieldwork")
        keys |= {f"sources.{sid}.{k}" for k in ("bron", "title") if has_year(spec[k])}

    def walk(node, path):
        for k, v in node.items():
            if isinstance(v, dict):
                walk(v, f"{path}.{k}")
            elif isinstance(v, list) and all(isinstance(x, dict) for x in v):
                for i, item in enumerate(v):
                    walk(item, f"{path}.{k}[{i}]")
            elif has_year(v):
                keys.add(f"{path}.{k}")
    walk(old["analysis"], "analysis")
    walk(old["book"], "book")  # the edition's own documents: cited figures, Naschrift, reactions
    return keys


def test_new_edition_sets_what_follows_from_the_year_and_marks_the_rest(project):
    target, source, marked = new_edition(2023, root=project)
    assert target == project / "params" / "2023.yml" and source == project / "params" / "2022.yml"
    old, new = _raw(source), _raw(target)
    assert new["edition"] == 2023 and new["title"] == "Spiegel Bestaanszekerheid 2023"
    assert new["seed"] == 20230906 != old["seed"]
    assert new["waves"]["earlier"] == [2014, 2017, 2019, 2021]  # the previous current wave is an earlier one
    for sid, spec in new["sources"].items():
        assert spec["file"] == old["sources"][sid]["file"].replace("data/2022/", "data/2023/"), sid
        assert spec["contract"] == old["sources"][sid]["contract"]
    # what must be filled in is marked, and nothing else
    found = {key for key, _ in marked_keys(new)}
    assert found == set(marked) == _expected_marks(old)
    assert {"sources.cbs_bijstand.bron", "sources.tozo_regelingen.bron", "analysis.gemeenten.caseload_threshold",
            "analysis.tozo.uurtarief_hoog"}.isdisjoint(found)  # no year in them: kept
    assert {"sources.klanten_pw.bron", "sources.uwv_populatie.bron", "analysis.wsp.peiljaar",
            "analysis.gemeenten.herstel.na.start", "periods.voor.label"} <= found
    # each mark says what the previous edition had
    assert new["publication_date"].startswith(MARK) and '"2022-09-06"' in new["publication_date"]
    assert "2021" in new["waves"]["current"] and '"2019-03"' in new["periods"]["voor"]["start"]
    # kept as they were
    for key in ("chapters", "statistics", "disclosure_threshold", "synthetic", "publisher"):
        assert new[key] == old[key], key
    assert new["analysis"]["gemeenten"]["gemeentegrootte"] == old["analysis"]["gemeenten"]["gemeentegrootte"]
    assert list(new) == list(old)  # the order of the keys


def test_new_edition_keeps_the_comments_of_the_previous_params(project):
    target, source, _ = new_edition(2023, root=project)
    old_text, new_text = source.read_text("utf-8"), target.read_text("utf-8")
    comments = [line.split("#", 1)[1].strip() for line in old_text.splitlines() if "#" in line]
    assert len(comments) > 40
    missing = [c for c in comments if c.replace("2022", "2023") not in new_text and c not in new_text]
    assert missing == []
    assert new_text.splitlines()[2] == "# Edition parameters of the Spiegel Bestaanszekerheid 2023."
    assert "spiegel new-edition 2023" in new_text.splitlines()[0]
    # the lines that were not changed are byte for byte the same
    unchanged = [line for line in old_text.splitlines() if not re.search(r"\d{4}", line)]
    assert all(line in new_text.splitlines() for line in unchanged)


def test_every_command_refuses_a_params_file_with_a_mark_left_one_line_per_key(project, capsys):
    target, _, marked = new_edition(2023, root=project)
    with pytest.raises(ParamsError) as caught:
        load_params(target)
    assert len(caught.value.problems) == len(marked)
    for line, key in zip(caught.value.problems, marked):
        assert line.startswith(f"{target}: {key}: still to be filled in (") and "Traceback" not in line, line
    for command in (["verify"], ["build"], ["synth"], ["validate"], ["refresh"]):
        assert cli.main(["--params", str(target), *command]) == 2
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == len(marked), (command, lines)
        assert all(line.startswith(f"spiegel: {target}: ") and "still to be filled in" in line for line in lines)
    # one mark left: one line, naming that key
    text = target.read_text("utf-8")
    raw = _raw(target)
    filled = _fill(text, raw, keep="periods.na.end")
    target.write_text(filled, "utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(target)
    assert caught.value.problems == [
        f'{target}: periods.na.end: still to be filled in (the last month, written "YYYY-MM"; the 2022 edition '
        f'had "2021-02"); replace the mark {MARK} with this edition\'s value']


def _fill(text: str, raw: dict, keep: str | None = None) -> str:
    """Every mark replaced by a value (the previous edition's, a later wave), except ``keep``."""
    for key, value in marked_keys(raw):
        if key == keep:
            continue
        shown = re.search(r"the 2022 edition had (.*)$", value).group(1)
        if key == "waves.current":
            shown = "2023"
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        assert quoted in text, key
        text = text.replace(quoted, shown, 1)
    return text


def test_once_filled_in_the_new_edition_loads_with_its_own_paths(project):
    target, _, _ = new_edition(2023, root=project)
    target.write_text(_fill(target.read_text("utf-8"), _raw(target)), "utf-8")
    edition = load_params(target)
    assert edition.edition == 2023 and edition.title == "Spiegel Bestaanszekerheid 2023"
    assert edition.raw["waves"] == {"current": 2023, "earlier": [2014, 2017, 2019, 2021]}
    assert edition.book_dir == project / "_book" / "2023"
    assert edition.build_dir.parent == project / "build" / "2023"
    assert all(s.path.parent == project / "data" / "2023" for s in edition.sources.values())
    assert edition.raw["periods"] == _raw(project / "params" / "2022.yml")["periods"]


def test_new_edition_never_overwrites_a_params_file(project, capsys, monkeypatch):
    existing = project / "params" / "2023.yml"
    existing.write_text("# mine\n", "utf-8")
    monkeypatch.chdir(project)
    for args in (["new-edition", "2023"], ["new-edition", "2023", "--from", "2022"]):
        assert cli.main(args) == 2
        err = capsys.readouterr().err
        assert err == ("spiegel: params/2023.yml exists already; new-edition never overwrites a params file "
                       "(edit it, or move it away to start the edition again)\n"), err
    with pytest.raises(NewEditionError, match="exists already; new-edition never overwrites"):
        new_edition(2023, root=project)
    assert existing.read_text("utf-8") == "# mine\n"
    with pytest.raises(NewEditionError, match="params/2022.yml exists already"):
        new_edition(2022, root=project)
    assert (project / "params" / "2022.yml").read_bytes() == (ROOT / "params" / "2022.yml").read_bytes()


def test_new_edition_starts_from_the_newest_earlier_edition_or_the_one_named(project):
    first, _, _ = new_edition(2023, root=project)
    first.write_text(_fill(first.read_text("utf-8"), _raw(first)), "utf-8")
    second, source, _ = new_edition(2025, root=project)  # the newest before 2025: 2023
    assert source == first
    raw = _raw(second)
    assert raw["edition"] == 2025 and raw["seed"] == 20250906 and raw["title"] == "Spiegel Bestaanszekerheid 2025"
    assert raw["waves"]["earlier"] == [2014, 2017, 2019, 2021, 2023] and "the 2023 edition had 2023" in raw["waves"]["current"]
    assert raw["sources"]["klanten_pw"]["file"] == "data/2025/klanten_pw.csv"
    named, source, _ = new_edition(2024, from_year=2022, root=project)
    assert source == project / "params" / "2022.yml" and _raw(named)["sources"]["klanten_pw"]["file"] == "data/2024/klanten_pw.csv"
    for year, from_year, message in ((2020, None, "no edition before 2020"),
                                     (2026, 2019, "params/2019.yml does not exist"),
                                     (2021, 2022, "must be before 2021")):
        with pytest.raises(NewEditionError, match=message):
            new_edition(year, from_year=from_year, root=project)
        assert not (project / "params" / f"{year}.yml").exists()


def test_real_data_files_are_marked_not_moved(project):
    path = project / "params" / "2022.yml"
    text = path.read_text("utf-8").replace("file: data/2022/uwv_klanten.csv", "file: /secure/2022/uwv_klanten.csv")
    path.write_text(text.replace("synthetic: true", "synthetic: false"), "utf-8")
    target, _, marked = new_edition(2023, root=project)
    raw = _raw(target)
    assert "sources.uwv_klanten.file" in marked and raw["sources"]["uwv_klanten"]["file"].startswith(MARK)
    assert '"/secure/2022/uwv_klanten.csv"' in raw["sources"]["uwv_klanten"]["file"]
    assert raw["sources"]["uwv_medewerkers"]["file"] == "data/2023/uwv_medewerkers.csv"
    assert raw["synthetic"] is False


def test_marks_are_found_anywhere_in_a_params_file(project):
    raw = {"title": "FILL IN: x", "colofon": ["eerste", "  FILL IN: tweede"], "a": {"b": [{"c": "FILL IN"}]},
           "d": "not FILL IN", "e": 2023}
    assert [k for k, _ in marked_keys(raw)] == ["title", "colofon[1]", "a.b[0].c"]


# ------------------------------------------------------------------------------------------------
# The default edition: the newest params/<year>.yml


def test_the_default_params_are_the_newest_editions(project, monkeypatch):
    assert default_params(project) == project / "params" / "2022.yml"
    for name in ("2019.yml", "other.yml", "20310.yml", "2030-test.yml"):
        (project / "params" / name).write_text("x", "utf-8")
    assert list(editions(project)) == [2019, 2022]
    assert default_params(project / "notebooks") == project / "params" / "2022.yml"  # from a subfolder too
    (project / "params" / "2031.yml").write_text("x", "utf-8")
    assert default_params(project) == project / "params" / "2031.yml"
    for name in ("2019.yml", "2022.yml", "2031.yml"):
        (project / "params" / name).unlink()
    with pytest.raises(ParamsError, match="no edition's params file"):
        default_params(project)


def _make(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    return subprocess.run(["make", *args], cwd=project, capture_output=True, text=True, env=env, timeout=300)


def test_make_builds_the_newest_edition_by_default_and_any_other_by_name(project):
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / ".installed").write_text("", "utf-8")
    os.utime(project / ".venv" / ".installed", None)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    os.utime(project / "pyproject.toml", (0, 0))  # older than .installed: no set-up
    def command(*args):
        result = _make(project, "-n", *args)
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if "spiegel --params" in line][-1]
    assert "--params params/2022.yml build" in command("report")
    shutil.copy(project / "params" / "2022.yml", project / "params" / "2031.yml")
    shutil.copy(project / "params" / "2022.yml", project / "params" / "zzzz.yml")
    assert "--params params/2031.yml build" in command("report")
    assert "--params params/2022.yml build" in command("report", "EDITION=2022")
    assert "--params params/zzzz.yml build" in command("report", "PARAMS=params/zzzz.yml")
    assert "--params params/2031.yml build  --until validate" in command("validate")
    help_text = _make(project, "help").stdout
    assert "default the newest: 2031" in help_text and "editions here: 2022 2031" in help_text
    result = _make(project, "report", "EDITION=2040")
    assert result.returncode == 2 and "no params file params/2040.yml (edition 2040); editions here: 2022 2031" in result.stderr


def test_make_edition_starts_an_edition_and_names_what_to_fill_in(project):
    shutil.copy(ROOT / "Makefile", project / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    os.symlink(ROOT / ".venv", project / ".venv")
    result = _make(project, "edition")
    assert result.returncode == 2 and "name the year: make edition YEAR=<year>" in result.stderr
    result = _make(project, "edition", "YEAR=2023")
    assert result.returncode == 0, result.stderr
    assert "params/2023.yml written from params/2022.yml" in result.stderr
    assert "  publication_date\n" in result.stderr and "  periods.na.end\n" in result.stderr
    assert "make report EDITION=2023" in result.stderr
    written = (project / "params" / "2023.yml").read_bytes()
    result = _make(project, "edition", "YEAR=2023", "FROM=2022")
    assert result.returncode != 0 and "params/2023.yml exists already" in result.stderr
    assert (project / "params" / "2023.yml").read_bytes() == written
    # the command line from a subfolder: the project is found upwards
    result = subprocess.run([str(ROOT / ".venv" / "bin" / "spiegel"), "new-edition", "2024", "--from", "2022"],
                            cwd=project / "notebooks", capture_output=True, text=True)
    assert result.returncode == 0 and (project / "params" / "2024.yml").is_file(), result.stderr


def test_a_new_edition_compares_with_the_edition_it_starts_from(project):
    """development.previous becomes the edition the params come from; the key figures stay."""
    shutil.copy(ROOT / "params" / "2023.yml", project / "params" / "2023.yml")
    target, source, marked = new_edition(2024, root=project)
    assert source.name == "2023.yml"
    old, new = _raw(source), _raw(target)
    assert old["development"]["previous"] == 2022 and new["development"]["previous"] == 2023
    assert new["development"]["key_figures"] == old["development"]["key_figures"]
    assert not [k for k in marked if k.startswith("development")]
