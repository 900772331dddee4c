"""Seeded synthetic microdata for every source of an edition (the embedded default).

``generate(edition)`` writes each source file the edition's params name; the same seed gives
byte-identical files. Files whose bytes would not change are not rewritten, so an unchanged
regeneration invalidates nothing downstream.

Safety: files are written only inside the project's ``data/`` folder, and an existing file is
replaced only when its content is what synth wrote there before (its sha256 is recorded in
``data/.synthetic-manifest.json``) or identical to what it would write now; anything else may be
real or hand-edited data, and synth refuses before writing anything.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from spiegel.params import Edition
from spiegel.synth.core import frame_bytes, write_bytes_if_changed

Generator = Callable[[int, int], pd.DataFrame]

_GENERATORS: dict[str, Generator] = {}


def generators() -> dict[str, Generator]:
    """source id -> generator(seed, edition) returning the frame for that source, collected from
    every chapter folder that has a ``synth.py`` exporting ``GENERATORS`` (so a new chapter needs
    no registration here). Imported on first use: the chapters' generators import
    :mod:`spiegel.synth.core`, so collecting them at import time would be circular."""
    if not _GENERATORS:
        import importlib
        import pkgutil

        import spiegel.chapters as chapters

        for info in sorted(pkgutil.iter_modules(chapters.__path__), key=lambda i: i.name):
            if not info.ispkg:
                continue
            name = f"spiegel.chapters.{info.name}.synth"
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name == name:
                    continue  # a chapter without synthetic data of its own
                raise
            _GENERATORS.update(module.GENERATORS)
    return _GENERATORS


def __getattr__(name: str) -> Any:
    if name == "GENERATORS":  # the registry, as before: spiegel.synth.GENERATORS
        return generators()
    raise AttributeError(f"module 'spiegel.synth' has no attribute {name!r}")


class SynthError(RuntimeError):
    """Synthetic data would be written where it must not be; nothing was written."""


MANIFEST_NAME = ".synthetic-manifest.json"
SUFFIXES = (".csv", ".parquet")
HISTORY = 20  # versions remembered per file (a run interrupted mid-write leaves the previous one)


def manifest_path(edition: Edition) -> Path:
    """The record of every file ``spiegel synth`` wrote: ``<project root>/data/.synthetic-manifest.json``."""
    return edition.data_dir / MANIFEST_NAME


def read_manifest(edition: Edition) -> dict[str, dict]:
    """Data-folder-relative path → {"sha256": [versions written, newest last], "source", "edition"}."""
    path = manifest_path(edition)
    if not path.exists():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError) as exc:
        raise SynthError(f"{_shown(path, edition.root)} is not a readable synthetic-data manifest ({exc}); "
                         "it records which data files spiegel synth wrote — restore it, or remove the data "
                         "folder if it holds only synthetic data") from None
    if not isinstance(files, dict):
        raise SynthError(f"{_shown(path, edition.root)} is not a readable synthetic-data manifest")
    return files


def _write_manifest(edition: Edition, files: dict[str, dict]) -> None:
    path = manifest_path(edition)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    text = json.dumps({"written_by": "spiegel synth", "files": dict(sorted(files.items()))}, indent=2)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)


def _hashes(entry: Any) -> list[str]:
    """The sha256 of every version synth wrote to one path (newest last)."""
    hashes = entry.get("sha256") if isinstance(entry, dict) else None
    if isinstance(hashes, str):
        return [hashes]
    return [h for h in hashes if isinstance(h, str)] if isinstance(hashes, list) else []


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _inside_data_dir(edition: Edition, path: Path) -> str | None:
    """``path`` relative to the project's data folder (symlinks followed), or None when outside it."""
    data = edition.data_dir.resolve()
    target = path.resolve()
    if target == data or not target.is_relative_to(data):
        return None
    return target.relative_to(data).as_posix()


def generate(edition: Edition, sources: list[str] | None = None, log=sys.stderr) -> dict[str, Path]:
    """Write the synthetic file of every source (or of ``sources``); returns source → path.

    Synthetic data is written only into the project's own data folder and never over a file synth
    did not write: every target is checked first, and on any problem nothing is written at all."""
    if not edition.synthetic:
        raise SynthError(
            f"{edition.path.name} sets synthetic: false — its sources are real data and are never overwritten"
        )
    wanted = sources or list(edition.sources)
    unknown = [s for s in wanted if s not in generators()]
    if unknown:
        raise KeyError(f"no synthetic generator for: {', '.join(unknown)}")
    targets = {sid: edition.sources[sid].path for sid in wanted}
    refused = []
    for sid, path in targets.items():
        if _inside_data_dir(edition, path) is None:
            refused.append(f"source '{sid}': {path} is outside the project's data folder {edition.data_dir}/; "
                           f"synthetic data is only written there (set synthetic: false in {edition.path.name} "
                           "if it is real data, or point the source's file into data/)")
        elif path.is_dir():
            refused.append(f"source '{sid}': {_shown(path, edition.root)} is a folder, not a file; "
                           "point the source's file at a file name in data/")
        elif path.suffix not in SUFFIXES:
            refused.append(f"source '{sid}': {_shown(path, edition.root)} has no {' or '.join(SUFFIXES)} "
                           "suffix; synth writes only those formats")
    if refused:
        raise SynthError("\n".join(refused))
    manifest = read_manifest(edition)

    # Generate everything in memory first; refuse before writing when any target holds a file that
    # synth did not write (real or hand-edited data).
    planned: dict[str, tuple[Path, str, bytes, int, float]] = {}
    foreign: list[str] = []
    for sid, path in targets.items():
        started = time.perf_counter()
        frame = generators()[sid](edition.seed, edition.edition)
        data = frame_bytes(frame, path)
        rel = _inside_data_dir(edition, path)
        if path.exists():
            old = path.read_bytes()
            if old != data and _sha256(old) not in _hashes(manifest.get(rel)):
                foreign.append(
                    f"source '{sid}': {_shown(path, edition.root)} exists and was not written by spiegel synth "
                    f"(its content matches no record in {_shown(manifest_path(edition), edition.root)}); it may "
                    "be real or hand-edited data, so it is not overwritten — move it away (or delete it if it "
                    "is disposable) and run again")
        planned[sid] = (path, rel, data, len(frame), time.perf_counter() - started)
    if foreign:
        raise SynthError("\n".join(foreign))

    written: dict[str, Path] = {}
    recorded = copy.deepcopy(manifest)
    for sid, (path, rel, data, rows, seconds) in planned.items():
        # The manifest entry first: a run interrupted between the two leaves a file synth may replace.
        history = [h for h in _hashes(manifest.get(rel)) if h != _sha256(data)][-(HISTORY - 1):]
        manifest[rel] = {"sha256": [*history, _sha256(data)], "source": sid, "edition": edition.edition}
        if manifest != recorded:
            _write_manifest(edition, manifest)
            recorded = copy.deepcopy(manifest)
        changed = write_bytes_if_changed(data, path)
        print(f"synth: {sid}: {rows:,} rows {'written' if changed else 'unchanged'} -> "
              f"{_shown(path, edition.root)} ({seconds:.1f}s)", file=log, flush=True)
        written[sid] = path
    return written


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
