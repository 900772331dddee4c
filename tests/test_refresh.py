"""`spiegel refresh` (`make refresh-notebooks`) stores outputs in the committed notebooks, so it runs
only on synthetic data: it refuses params with `synthetic: false` and params whose sources point at a
file `spiegel synth` did not write (its sha256 is not in data/.synthetic-manifest.json)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from spiegel.params import load_params
from spiegel.synth import SynthError, not_synthetic, written_by_synth, written_sha256s

from project_copy import copy_project

EDITION = 2022


def _env(**extra: str) -> dict[str, str]:
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_COMMAND", "SPIEGEL_PARAMS"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


@pytest.fixture
def project(root, edition, tmp_path):
    return copy_project(root, tmp_path / "project")


def _params(project: Path, name: str, change) -> str:
    """A params file in the project copy: the default with ``change(params)`` applied."""
    params = yaml.safe_load((project / "params" / f"{EDITION}.yml").read_text("utf-8"))
    change(params)
    (project / "params" / name).write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False), "utf-8")
    return f"params/{name}"


def _modified_copy(project: Path, source: str, dest: Path) -> str:
    """A copy of the source's synthetic file with its rows in another order (other bytes, valid)."""
    src = load_params(project / "params" / f"{EDITION}.yml").sources[source].path
    pd.read_csv(src, dtype=str).iloc[::-1].to_csv(dest, index=False)
    return str(dest)


def _refresh(project: Path, params: str, *chapters: str, **env: str) -> subprocess.CompletedProcess:
    args = [a for c in chapters for a in ("--chapter", c)]
    return subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "--params", params, "refresh", *args],
                          cwd=project, capture_output=True, text=True, timeout=900, env=_env(**env))


def _notebooks(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / "notebooks").glob("*.ipynb"))}


def _set_file(source: str, file: str):
    return lambda p: p["sources"][source].update(file=file)


REFUSED = {
    # one source pointed at a modified copy inside data/ (synth never wrote those bytes)
    "modified copy in data/": (
        lambda project: _set_file("klanten_pw", _modified_copy(project, "klanten_pw",
                                                                project / "data" / "2022" / "klanten_pw_edit.csv")),
        ["sources.klanten_pw.file: data/2022/klanten_pw_edit.csv was not written by spiegel synth"]),
    # a "real" file outside the project (absolute path)
    "real file outside the project": (
        lambda project: _set_file("uwv_medewerkers", _modified_copy(project, "uwv_medewerkers",
                                                                     project.parent / "uwv_medewerkers.csv")),
        ["sources.uwv_medewerkers.file:", "was not written by spiegel synth"]),
    # the real-data route: synthetic false, even with the synthetic files
    "synthetic false": (lambda project: lambda p: p.update(synthetic=False), ["synthetic: false"]),
    # a source whose file does not exist
    "missing file": (lambda project: _set_file("wsp_regios", "data/2022/niet_er.csv"),
                     ["sources.wsp_regios.file: data/2022/niet_er.csv does not exist"]),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refresh_refuses_params_that_are_not_all_synthetic(project, case):
    make_change, messages = REFUSED[case]
    params = _params(project, "other.yml", make_change(project))
    before = _notebooks(project)
    result = _refresh(project, params)  # every chapter: a refusal must come before any runs
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "refusing to refresh the committed notebooks" in output, output
    for message in messages:
        assert message in output, output
    assert "params/other.yml" in output, output  # the params file is named
    assert "executing" not in output, output
    assert _notebooks(project) == before
    assert not list((project / "notebooks").glob("*.refresh*"))


def test_refresh_names_every_source_that_is_not_synthetic(project):
    def change(p):
        p["sources"]["klanten_pw"]["file"] = _modified_copy(project, "klanten_pw", project / "data" / "2022" / "a.csv")
        p["sources"]["tozo_klanten"]["file"] = _modified_copy(project, "tozo_klanten", project / "data" / "2022" / "b.csv")
    result = _refresh(project, _params(project, "two.yml", change), "wsp")
    lines = [line for line in result.stderr.splitlines() if "was not written by spiegel synth" in line]
    assert result.returncode == 1 and len(lines) == 2, result.stderr
    assert "sources.klanten_pw.file" in lines[0] and "sources.tozo_klanten.file" in lines[1]


def test_refresh_refuses_when_the_synthetic_manifest_is_unreadable(project):
    (project / "data" / ".synthetic-manifest.json").write_text("{ not json", "utf-8")
    before = _notebooks(project)
    result = _refresh(project, f"params/{EDITION}.yml", "wsp")
    assert result.returncode == 1, result.stderr
    assert "refusing to refresh" in result.stderr and "not a readable synthetic-data manifest" in result.stderr
    assert _notebooks(project) == before


def _outputs(notebook: bytes) -> list:
    """The code cells' outputs (what nbval compares), without run metadata."""
    import nbformat

    nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    return [cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"]


def test_refresh_runs_on_the_synthetic_default_and_on_exactly_the_params_checked(project):
    """It runs on the default; and on the params it checked, not on what SPIEGEL_PARAMS says (the
    notebooks' parameters cell reads it): a real-data params named there is not what runs."""
    before = _notebooks(project)
    result = _refresh(project, f"params/{EDITION}.yml", "wsp")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "run: 04_wsp.ipynb: executing" in output
    first = _notebooks(project)
    assert {k for k in first if first[k] != before[k]} <= {"04_wsp.ipynb"}
    assert "Error" not in first["04_wsp.ipynb"].decode("utf-8")
    # real data named in the environment (other results: five regions fewer)
    regios = project.parent / "wsp_regios.csv"
    pd.read_csv(project / "data" / "2022" / "wsp_regios.csv", dtype=str).iloc[5:].to_csv(regios, index=False)

    def change(p):
        p.update(synthetic=False)
        p["sources"]["wsp_regios"]["file"] = str(regios)
    real = _params(project, "real.yml", change)
    result = _refresh(project, f"params/{EDITION}.yml", "wsp", SPIEGEL_PARAMS=str(project / real))
    assert result.returncode == 0, result.stdout + result.stderr
    again = _notebooks(project)
    assert _outputs(again["04_wsp.ipynb"]) == _outputs(first["04_wsp.ipynb"])  # the default's results
    assert {k for k in again if again[k] != before[k]} <= {"04_wsp.ipynb"}


# ---------------------------------------------------------------------------------------------
# spiegel.synth: which files synth wrote (what the refresh and the colophon ask)


def test_written_by_synth_recognises_exactly_the_recorded_content(project):
    edition = load_params(project / "params" / f"{EDITION}.yml")
    written = written_sha256s(edition)
    for source in edition.sources.values():
        digest = hashlib.sha256(source.path.read_bytes()).hexdigest()
        assert digest in written and written_by_synth(edition, digest)
    assert not written_by_synth(edition, hashlib.sha256(b"real data\n").hexdigest())
    assert not written_by_synth(edition, "")
    assert not_synthetic(edition) == []
    # a synthetic file copied out of data/ is still synthetic content
    outside = project.parent / "copy.csv"
    outside.write_bytes(edition.sources["cbs_bijstand"].path.read_bytes())
    copied = load_params(project / _params(project, "copy.yml", _set_file("cbs_bijstand", str(outside))))
    assert not_synthetic(copied) == []
    # no manifest at all: nothing was written by synth
    (project / "data" / ".synthetic-manifest.json").unlink()
    assert written_sha256s(edition) == frozenset()
    assert len(not_synthetic(edition)) == len(edition.sources)
    (project / "data" / ".synthetic-manifest.json").write_text("[1, 2", "utf-8")
    with pytest.raises(SynthError):
        written_by_synth(edition, "0" * 64)


def test_refresh_names_the_params_it_ran_on_as_the_notebooks_default(project):
    """nbval runs a committed notebook on its parameters cell's default: after a refresh on another
    edition's params that default is that edition, so the stored outputs and nbval's run agree."""
    import nbformat

    other = _params(project, "other.yml", lambda p: None)
    result = _refresh(project, other, "wsp")
    assert result.returncode == 0, result.stdout + result.stderr
    nb = nbformat.reads((project / "notebooks" / "04_wsp.ipynb").read_text("utf-8"), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'os.environ.get("SPIEGEL_PARAMS", "../params/other.yml")' in cell.source, cell.source
    untouched = nbformat.reads((project / "notebooks" / "03_uwv.ipynb").read_text("utf-8"), as_version=4)
    assert f'"../params/{EDITION}.yml"' in untouched.cells[1].source  # only the refreshed chapter
