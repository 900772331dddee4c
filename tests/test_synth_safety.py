"""Synthetic data is only ever written into the project's own data folder, and never over a file
the generator did not write (real or hand-edited data): every target is checked before any is
written, and ``data/.synthetic-manifest.json`` records the sha256 of every file synth wrote."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from spiegel import cli, synth
from spiegel.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("klanten_pw_trend", "cbs_bijstand", "uwv_populatie", "wsp_regio_metadata")


def _project(root: Path, files: dict[str, str] | None = None, **changes) -> Path:
    """A temporary project (contracts, notebooks, params) without data; returns its params path."""
    for folder in ("data_contracts", "notebooks", "book"):
        shutil.copytree(ROOT / folder, root / folder)
    raw = yaml.safe_load((ROOT / "params" / "2022.yml").read_text(encoding="utf-8"))
    raw.update(changes)
    for sid, file in (files or {}).items():
        raw["sources"][sid]["file"] = file
    (root / "params").mkdir()
    path = root / "params" / "2022.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(root: Path) -> dict:
    return json.loads((root / "data" / ".synthetic-manifest.json").read_text(encoding="utf-8"))["files"]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """A fresh clone's first `spiegel synth`: no data folder before it."""
    root = tmp_path_factory.mktemp("fresh")
    edition = load_params(_project(root))
    assert not (root / "data").exists()
    written = synth.generate(edition)
    return root, edition, written


def test_the_first_run_on_a_fresh_project_writes_every_file_and_records_it(fresh):
    root, edition, written = fresh
    assert set(written) == set(edition.sources)
    manifest = _manifest(root)
    assert set(manifest) == {f"2022/{p.name}" for p in written.values()}
    for sid, path in written.items():
        entry = manifest[f"2022/{path.name}"]
        assert entry["source"] == sid and entry["sha256"] == [_sha(path)]


def test_an_unchanged_regeneration_keeps_bytes_and_mtimes(fresh):
    root, edition, written = fresh
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in written.values()}
    synth.generate(edition, list(SMALL) + ["klanten_pw"])
    synth.generate(edition)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in written.values()} == before


# --------------------------------------------------------------------------- only inside data/


def _outside_cases(root: Path) -> dict[str, tuple[str, Path]]:
    elsewhere = root.parent / f"{root.name}-elders"
    elsewhere.mkdir()
    (root / "data" / "2022").mkdir(parents=True)
    real = elsewhere / "echt.csv"
    real.write_text("jaar,aandeel\n2014,0.5\n")
    os.symlink(real, root / "data" / "2022" / "link.csv")
    return {
        "absolute path elsewhere": (str(elsewhere / "klanten_pw_trend.csv"), elsewhere / "klanten_pw_trend.csv"),
        "relative path leaving data/": ("data/../elders/klanten_pw_trend.csv", root / "elders" / "klanten_pw_trend.csv"),
        "inside the project, not in data/": ("build/2022/klanten_pw_trend.csv", root / "build" / "2022" / "klanten_pw_trend.csv"),
        "symlink in data/ to a file elsewhere": ("data/2022/link.csv", real),
        "the real file itself": (str(real), real),
    }


@pytest.mark.parametrize("case", ["absolute path elsewhere", "relative path leaving data/",
                                  "inside the project, not in data/", "symlink in data/ to a file elsewhere",
                                  "the real file itself"])
def test_a_source_outside_the_data_folder_is_refused_and_nothing_is_written(tmp_path, case):
    root = tmp_path / "project"
    root.mkdir()
    file, target = _outside_cases(root)[case]
    target_before = target.read_bytes() if target.exists() else None
    edition = load_params(_project(root, {"klanten_pw_trend": file}))
    data_before = _files(root / "data")
    with pytest.raises(RuntimeError) as err:
        synth.generate(edition, list(SMALL))
    message = str(err.value)
    assert "source 'klanten_pw_trend'" in message and "outside the project's data folder" in message
    assert str(edition.sources["klanten_pw_trend"].path) in message
    # Nothing written at all: not the refused target, not the other (allowed) targets, no manifest.
    assert _files(root / "data") == data_before
    assert (target.read_bytes() if target.exists() else None) == target_before


def test_every_refused_source_is_named(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    edition = load_params(_project(root, {"cbs_bijstand": str(tmp_path / "a.csv"), "uwv_populatie": "b.csv"}))
    with pytest.raises(RuntimeError) as err:
        synth.generate(edition, list(SMALL))
    lines = str(err.value).splitlines()
    assert [line.split("'")[1] for line in lines] == ["cbs_bijstand", "uwv_populatie"]
    assert not (root / "data").exists() and not (tmp_path / "a.csv").exists() and not (root / "b.csv").exists()


# --------------------------------------------------------------------------- never over a file synth did not write


@pytest.mark.parametrize("content", [
    b"jaar,indicator,aandeel\n2014,x,0.5\n",  # another (real) file in its place
    b"",  # an empty file
    None,  # the synthetic file, edited by hand (one value changed)
])
def test_an_existing_file_synth_did_not_write_is_refused_and_nothing_is_written(tmp_path, content):
    edition = load_params(_project(tmp_path))
    target = edition.sources["cbs_bijstand"].path
    target.parent.mkdir(parents=True)
    if content is None:
        synth.generate(edition, ["cbs_bijstand"])
        (tmp_path / "data" / ".synthetic-manifest.json").unlink()
        content = target.read_bytes().replace(b"\n", b"\n ", 1)
    target.write_bytes(content)
    data_before = _files(tmp_path / "data")
    with pytest.raises(RuntimeError) as err:
        synth.generate(edition, list(SMALL))
    message = str(err.value)
    assert "source 'cbs_bijstand'" in message and "data/2022/cbs_bijstand.csv" in message
    assert "not written by spiegel synth" in message and "real or hand-edited" in message
    assert _files(tmp_path / "data") == data_before  # the file kept, the other sources not written


@pytest.mark.parametrize("file, needle", [("data/2022", "data/2022 is a folder"),
                                          ("data/2022/cbs.xlsx", "data/2022/cbs.xlsx has no .csv or .parquet")])
def test_a_target_synth_cannot_write_is_refused_before_anything_is_written(tmp_path, file, needle):
    edition = load_params(_project(tmp_path, {"cbs_bijstand": file}))
    (tmp_path / "data" / "2022").mkdir(parents=True)
    with pytest.raises(RuntimeError, match=f"source 'cbs_bijstand': {needle}"):
        synth.generate(edition, list(SMALL))
    assert _files(tmp_path / "data") == {}


def test_a_hand_edited_file_is_refused_after_synth_wrote_it(tmp_path):
    edition = load_params(_project(tmp_path))
    synth.generate(edition, list(SMALL))
    target = edition.sources["uwv_populatie"].path
    edited = target.read_text().replace("\n", "\n\n", 1)
    target.write_text(edited)
    recorded = _manifest(tmp_path)
    with pytest.raises(RuntimeError, match="source 'uwv_populatie'.*not written by spiegel synth"):
        synth.generate(edition, list(SMALL))
    assert target.read_text() == edited and _manifest(tmp_path) == recorded
    target.unlink()  # once the file is moved away, synth writes it again
    synth.generate(edition, list(SMALL))
    assert _sha(target) == _manifest(tmp_path)["2022/uwv_populatie.csv"]["sha256"][-1]


def test_files_synth_wrote_are_replaced_when_the_seed_changes(tmp_path):
    params = _project(tmp_path)
    edition = load_params(params)
    synth.generate(edition, ["klanten_pw"])
    target = edition.sources["klanten_pw"].path
    first = target.read_bytes()
    params.write_text(params.read_text().replace("seed: 20220906", "seed: 7"))
    synth.generate(load_params(params), ["klanten_pw"])
    second = target.read_bytes()
    assert second != first
    assert _manifest(tmp_path)["2022/klanten_pw.csv"]["sha256"] == [hashlib.sha256(b).hexdigest() for b in (first, second)]
    params.write_text(params.read_text().replace("seed: 7", "seed: 20220906"))
    synth.generate(load_params(params), ["klanten_pw"])
    assert target.read_bytes() == first


def test_existing_synthetic_files_without_a_manifest_are_taken_over_unchanged(tmp_path):
    """A checkout whose data was generated before the manifest existed: same bytes, so adopted."""
    edition = load_params(_project(tmp_path))
    synth.generate(edition, list(SMALL))
    (tmp_path / "data" / ".synthetic-manifest.json").unlink()
    paths = [edition.sources[s].path for s in SMALL]
    before = {p: p.stat().st_mtime_ns for p in paths}
    synth.generate(edition, list(SMALL))
    assert {p: p.stat().st_mtime_ns for p in paths} == before
    assert set(_manifest(tmp_path)) == {f"2022/{p.name}" for p in paths}


def test_generating_some_sources_keeps_the_records_of_the_others(tmp_path):
    edition = load_params(_project(tmp_path))
    synth.generate(edition, list(SMALL))
    synth.generate(edition, ["cbs_bijstand"])
    assert set(_manifest(tmp_path)) == {f"2022/{edition.sources[s].path.name}" for s in SMALL}


def test_an_unreadable_manifest_stops_synth(tmp_path):
    edition = load_params(_project(tmp_path))
    synth.generate(edition, ["cbs_bijstand"])
    (tmp_path / "data" / ".synthetic-manifest.json").write_text("{kapot")
    with pytest.raises(RuntimeError, match="synthetic-manifest.json is not a readable"):
        synth.generate(edition, ["cbs_bijstand"])


def test_real_data_params_keep_refusing_synth(tmp_path):
    edition = load_params(_project(tmp_path, synthetic=False))
    with pytest.raises(RuntimeError, match="synthetic: false"):
        synth.generate(edition, list(SMALL))
    assert not (tmp_path / "data").exists()


def test_the_command_line_names_each_refused_source_in_one_line(tmp_path, capsys):
    elsewhere = tmp_path / "elders"
    root = tmp_path / "p"
    root.mkdir()
    params = _project(root, {"cbs_bijstand": str(elsewhere / "cbs.csv"), "uwv_populatie": str(elsewhere / "uwv.csv")})
    status = cli.main(["--params", str(params), "synth", *[a for s in SMALL for a in ("--source", s)]])
    lines = capsys.readouterr().err.splitlines()
    assert status == 1
    assert len(lines) == 2 and all(line.startswith("spiegel synth: source '") for line in lines), lines
    assert not elsewhere.exists() and not (root / "data").exists()
