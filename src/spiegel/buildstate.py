"""The build's identity and state: content fingerprints, the validation gate, the book's manifest
and the lock per edition build.

- **Fingerprints.** What re-runs is decided by the sha256 of every input, never by file dates:
  the params file, every data file, every contract, every notebook and the package code (in four
  groups: synth → data, validation code → the gate, analysis code → chapters, render code → book).
  A chapter is decided by its own inputs only (``chapter_inputs``): its notebook, its view of the
  params (not other chapters' ``analysis`` sections or sources), its sources' data, its folder
  ``chapters/<id>/`` and the shared analysis code; ``stale_reasons`` says why it must re-run.
  Each step of ``spiegel build`` (:mod:`spiegel.pipeline`) compares them with the record of its
  last run, so a data file replaced by one with an older date (as ``cp -p``, ``rsync -a`` or
  ``tar`` produce) is re-validated, and a touched file re-runs nothing.
- **Build state per params file.** ``Edition.build_dir`` is ``build/<edition>/<params stem>-<hash of
  the params file's resolved path>/``; ``build/<edition>/current`` links to the state of the most
  recent build, ``<state>/state.json`` names the params file of a state.
- **Gate and run records.** ``spiegel validate`` records which data, contracts and params the
  report it wrote is about (``validation.gate.json``); ``spiegel run`` records per chapter the
  inputs it executed with (``notebooks/<name>.run.json``: ``chapter_inputs`` taken before the run).
  Rendering refuses unless the validation of exactly the current data passed and every chapter
  was executed from its current inputs.
- **Manifest.** ``_book/<edition>/manifest.json`` names what produced the book; ``verify_book`` compares it
  with the current params and data, and only then is "publication ready" printed.
- **Lock.** One build per edition at a time (``fcntl.flock`` on ``build/<edition>/build.lock``:
  released by the kernel when the holder exits, also when it crashes or is killed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import spiegel
from spiegel.params import Edition

MANIFEST_NAME = "manifest.json"
GATE_NAME = "validation.gate.json"
LOCK_NAME = "build.lock"
# Set by `spiegel lock` for the command it runs: that command (and what it starts) holds the lock.
LOCK_ENV = "SPIEGEL_LOCK"
ABSENT = "absent"
MAX_SHOWN = 12  # differences listed by verify_book
CODE_GROUPS = ("synth", "validation", "analysis", "render")
# The modules the data gate runs (besides the contracts themselves).
VALIDATION_MODULES = ("contracts.py", "io.py", "params.py", "personal_data.py", "validation_report.py")
_SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


class StateError(RuntimeError):
    """The build state does not allow this step (e.g. rendering data that did not pass validation)."""


class LockHeld(StateError):
    """Another build of the same edition holds the lock."""


# --------------------------------------------------------------------------------------------
# hashing


def sha256_file(path: Path) -> str:
    """The sha256 of a file's bytes, or ``"absent"`` if there is no such file."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return ABSENT
    return h.hexdigest()


def _tree_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not (_SKIP_PARTS & set(rel.parts)) and path.suffix not in {".pyc", ".pyo"} \
                and not path.name.startswith("."):
            yield path


def sha256_files(files: dict[str, Path]) -> str:
    """One hash over named files (name and content of each; order-independent)."""
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0{sha256_file(files[name])}\n".encode())
    return h.hexdigest()


def package_dir() -> Path:
    """The folder of the spiegel package that is actually imported (the code that runs)."""
    return Path(spiegel.__file__).resolve().parent


def code_files(edition: Edition) -> dict[str, dict[str, Path]]:
    """The package's files per code group, found recursively (``chapters/<id>/*.yml`` included).

    synth: ``synth/**`` and ``chapters/<id>/synth*``; render: ``render/**`` and the project's ``_quarto.yml``; analysis:
    everything else in the package; validation: the modules the gate runs.
    """
    pkg = package_dir()
    groups: dict[str, dict[str, Path]] = {g: {} for g in CODE_GROUPS}
    for path in _tree_files(pkg):
        rel = path.relative_to(pkg).as_posix()
        top = rel.split("/", 1)[0]
        parts = rel.split("/")
        if top == "synth" or (top == "chapters" and len(parts) == 3 and parts[2].startswith("synth")):
            groups["synth"][rel] = path  # the generators, also a chapter folder's synth.py/synth_<year>.yml
        elif top == "render":
            groups["render"][rel] = path
        else:
            groups["analysis"][rel] = path
        if rel in VALIDATION_MODULES:
            groups["validation"][rel] = path
    groups["render"]["<project>/_quarto.yml"] = edition.root / "_quarto.yml"
    return groups


def shown_path(path: Path, root: Path) -> str:
    """A path as recorded: relative to the project where possible, else absolute."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def shown_data_path(path: Path, root: Path) -> str:
    """A data file as recorded in published files: relative to the project, or only its name (the
    location of confidential files is not published)."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def contract_path(edition: Edition, name: str) -> Path:
    return edition.root / "data_contracts" / f"{name}.yml"


def current_inputs(edition: Edition) -> dict[str, Any]:
    """The fingerprints of everything the build reads, computed now from the files' contents."""
    root = edition.root
    data = {sid: {"file": shown_data_path(s.path, root), "sha256": sha256_file(s.path)}
            for sid, s in edition.sources.items()}
    names = sorted({s.contract for s in edition.sources.values()})
    contracts = {n: {"file": shown_path(contract_path(edition, n), root),
                     "sha256": sha256_file(contract_path(edition, n))} for n in names}
    notebooks = {c.id: {"file": shown_path(c.notebook, root), "sha256": sha256_file(c.notebook)}
                 for c in edition.chapters}
    code = {group: sha256_files(files) for group, files in code_files(edition).items()}
    from spiegel.render.pages import input_files

    book = {shown_path(f, root): {"file": shown_path(f, root), "sha256": sha256_file(f)} for f in input_files(edition)}
    return {
        "params": {"file": shown_path(edition.path, root), "sha256": sha256_file(edition.path)},
        "book": book,
        "gate_params": gate_params_digest(edition),
        "data": data,
        "contracts": contracts,
        "notebooks": notebooks,
        "code": code,
    }


def write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def update_state(edition: Edition) -> None:
    """``<state>/state.json`` (which params file this state is for) and the ``current`` link."""
    state = edition.build_dir
    write_if_changed(state / "state.json", json.dumps(
        {"edition": edition.edition, "params": str(edition.path)}, indent=2) + "\n")
    link = state.parent / "current"
    try:
        if link.is_symlink() and os.readlink(link) == state.name:
            return
        tmp = state.parent / f".current.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(state.name, tmp)
        os.replace(tmp, link)
    except OSError:
        pass  # a convenience only (e.g. no symlinks on this file system)


# --------------------------------------------------------------------------------------------
# the gate and the chapter run records


def gate_params_digest(edition: Edition) -> str:
    """The params as the contracts read them: parsed (a comment or re-indenting is no change), and
    without the chapters' ``analysis:`` choices, which no contract may read (``spiegel.contracts``
    refuses such a key), so changing a chapter's choice does not validate the data again."""
    return params_digest({k: v for k, v in edition.raw.items() if k != "analysis"})


def gate_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """What a validation is about: the params the contracts read, every data file, every contract,
    the gate's code."""
    return {
        "params": inputs["gate_params"],
        "data": {k: v["sha256"] for k, v in inputs["data"].items()},
        "contracts": {k: v["sha256"] for k, v in inputs["contracts"].items()},
        "code": inputs["code"]["validation"],
    }


def write_gate(edition: Edition, inputs: dict[str, Any], ok: bool, out_dir: Path | None = None) -> Path:
    """Record the outcome of ``spiegel validate`` for the inputs it validated."""
    out = Path(out_dir) if out_dir is not None else edition.build_dir
    report = out / "validation.html"
    record = {"ok": bool(ok), "inputs": gate_inputs(inputs),
              "report_sha256": sha256_file(report) if ok else None}
    path = out / GATE_NAME
    write_if_changed(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return None


def _differing(recorded: dict[str, Any], current: dict[str, Any], inputs: dict[str, Any]) -> list[str]:
    """Names of the inputs whose hash differs between a record and now."""
    out = []
    if recorded.get("params") != current["params"]:
        out.append(f"params ({inputs['params']['file']})")
    for section, label in (("data", "data"), ("contracts", "contract")):
        rec, cur = recorded.get(section) or {}, current.get(section) or {}
        for key in sorted(set(rec) | set(cur)):
            if rec.get(key) != cur.get(key):
                shown = inputs[section].get(key, {}).get("file", key) if section in inputs else key
                out.append(f"{label} {key} ({shown})")
    if recorded.get("code") != current["code"]:
        out.append("the package code")
    return out


def gate_problems(edition: Edition, inputs: dict[str, Any]) -> list[str]:
    """Why the current data may not be published ([] if the validation of exactly these passed)."""
    record = _read_json(edition.build_dir / GATE_NAME)
    report = edition.build_dir / "validation.html"
    if not isinstance(record, dict):
        return [f"the data have not been validated (no {GATE_NAME} in {edition.build_dir}); "
                "run `spiegel validate` or `make report`"]
    changed = _differing(record.get("inputs") or {}, gate_inputs(inputs), inputs)
    if changed:
        return [f"changed since the last validation: {', '.join(changed)}; run `spiegel validate` again"]
    if not record.get("ok"):
        return ["the validation of the current data failed (see validation.html in "
                f"{edition.build_dir}); a failed validation report is never published"]
    if sha256_file(report) != record.get("report_sha256"):
        return [f"{report} is not the report of the validation that passed; run `spiegel validate` again"]
    return []


def run_record_path(executed: Path) -> Path:
    return executed.with_name(executed.stem + ".run.json")


# What decides one chapter. A chapter is executed again when one of these changes, and only then:
#   notebook  its notebook;
#   params    its view of the params document (spiegel.params.chapter_view: everything except
#             other chapters' analysis sections, the sources it does not list and the other
#             chapters' notebooks and sources), hashed in a canonical form of the parsed YAML;
#   data      the files of the sources the params list for it;
#   code      its folder src/spiegel/chapters/<id>/ (without synth*, the synth group's) and the
#             shared analysis code (the analysis group without any chapters/<id>/ folder).
# Its Edition (spiegel.chapter.open) refuses what is not in its view, so nothing it reads is left out.
RUN_RECORD_FORMAT = 2
MAX_REASONS = 6  # params values / code files named one by one in a staleness reason


def _chapter(edition: Edition, chapter) -> Any:
    cid = chapter if isinstance(chapter, str) else chapter.id
    for c in edition.chapters:
        if c.id == cid:
            return c
    raise KeyError(f"unknown chapter '{cid}' (the params name: {', '.join(c.id for c in edition.chapters)})")


def chapter_code_files(edition: Edition, chapter_id: str) -> dict[str, dict[str, Path]]:
    """The analysis code one chapter runs: ``chapter`` (its folder ``chapters/<id>/``, without the
    ``synth*`` files) and ``shared`` (the rest of the analysis group: every module outside a
    ``chapters/<id>/`` folder, ``chapters/common.py`` included). Other chapters' folders are in
    neither."""
    own: dict[str, Path] = {}
    shared: dict[str, Path] = {}
    for rel, path in code_files(edition)["analysis"].items():
        parts = rel.split("/")
        if parts[0] == "chapters" and len(parts) >= 3:
            if parts[1] == chapter_id:
                own[rel] = path
        else:
            shared[rel] = path
    return {"chapter": own, "shared": shared}


def _canonical(value: Any) -> Any:
    """A params value as JSON that tells apart what YAML tells apart (1, 1.0, true, "1" and a date
    differ; mapping order is kept, as code may iterate a mapping in order)."""
    if isinstance(value, dict):
        return ["map", [[_canonical(k), _canonical(v)] for k, v in value.items()]]
    if isinstance(value, (list, tuple)):
        return ["list", [_canonical(v) for v in value]]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        return ["float", repr(value)]
    if isinstance(value, str):
        return ["str", value]
    if value is None:
        return ["null"]
    if isinstance(value, (dt.datetime, dt.date)):
        return [type(value).__name__, value.isoformat()]
    if isinstance(value, bytes):
        return ["bytes", value.hex()]
    if isinstance(value, (set, frozenset)):
        return ["set", sorted(json.dumps(_canonical(v)) for v in value)]
    raise TypeError(f"params value of type {type(value).__name__} cannot be fingerprinted: {value!r}")


def params_digest(value: Any) -> str:
    """The sha256 of a params value's canonical form (comments, quoting style, indentation and
    flow/block style of the YAML do not count; values, their types and their order do)."""
    return hashlib.sha256(json.dumps(_canonical(value), ensure_ascii=False).encode("utf-8")).hexdigest()


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


def params_values(view: dict[str, Any]) -> dict[str, str]:
    """Key path (``analysis.gemeenten.caseload_threshold``, ``chapters[1].sources[0]``) -> a short
    digest of its value: what a run record keeps to say which params value changed."""
    return {path: params_digest(v)[:16] for path, v in _leaves(view)}


def chapter_inputs(edition: Edition, chapter, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """The fingerprints that decide whether one chapter (a ``Chapter`` or its id) is executed again,
    computed now: ``notebook``, ``params`` (the sha256 of the chapter's view of the params and one
    digest per value), ``data`` (its sources) and ``code`` (``chapter`` and ``shared``, per file).
    ``inputs`` (``current_inputs``), when given, supplies the data hashes instead of hashing again."""
    from spiegel.params import chapter_view

    chapter = _chapter(edition, chapter)
    root = edition.root
    view = chapter_view(edition.raw, chapter.id)
    sources = edition.sources
    data = {}
    for sid in chapter.sources:
        known = (inputs or {}).get("data", {}).get(sid)
        data[sid] = {"file": shown_data_path(sources[sid].path, root),
                     "sha256": known["sha256"] if known else sha256_file(sources[sid].path)}
    code = {group: {rel: sha256_file(path) for rel, path in files.items()}
            for group, files in chapter_code_files(edition, chapter.id).items()}
    out = {
        "format": RUN_RECORD_FORMAT,
        "notebook": {"file": shown_path(chapter.notebook, root), "sha256": sha256_file(chapter.notebook)},
        "params": {"file": shown_path(edition.path, root), "sha256": params_digest(view),
                   "values": params_values(view)},
        "data": data,
        "code": code,
    }
    previous = _previous_inputs(edition, chapter.id)
    if previous is not None:
        out["previous"] = previous
    return out


def _previous_inputs(edition: Edition, chapter_id: str) -> dict[str, Any] | None:
    """What the chapter reads of the previous edition (``spiegel.development``): its params (the
    chapter's view) and data files; None when the chapter compares with no previous edition."""
    from spiegel import development
    from spiegel.params import chapter_view, load_params

    if not development.key_figures(edition, chapter_id):
        return None
    path = development.previous_params_path(edition)
    if path is None or not path.is_file():
        return {"params": {"file": shown_path(path, edition.root) if path else None, "sha256": ABSENT}}
    previous = load_params(path)
    if chapter_id not in [c.id for c in previous.chapters]:
        return {"params": {"file": shown_path(path, edition.root), "sha256": sha256_file(path)}, "data": {}}
    own = next(c for c in previous.chapters if c.id == chapter_id)
    return {"params": {"file": shown_path(path, edition.root), "sha256": params_digest(chapter_view(previous.raw, chapter_id))},
            "data": {sid: {"file": shown_data_path(previous.sources[sid].path, edition.root),
                           "sha256": sha256_file(previous.sources[sid].path)} for sid in own.sources}}


def _named(items: list[str], what: str) -> list[str]:
    if len(items) <= MAX_REASONS:
        return items
    return [*items[:MAX_REASONS - 1], f"and {len(items) - MAX_REASONS + 1} more {what}"]


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, "changed" | "added" | "removed") for the keys whose value differs."""
    out = []
    for key in sorted(set(old) | set(new)):
        if key not in old:
            out.append((key, "added"))
        elif key not in new:
            out.append((key, "removed"))
        elif old[key] != new[key]:
            out.append((key, "changed"))
    return out


def input_changes(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """What differs between the inputs a run record names and ``chapter_inputs`` now, one reason
    each ([] if none): "notebook changed", "params analysis.gemeenten.caseload_threshold changed",
    "data uwv_klanten changed (data/2022/uwv_klanten.csv)", "chapter code chapters/uwv/__init__.py
    changed", "shared code stats.py changed"."""
    if not isinstance(recorded, dict) or recorded.get("format") != current["format"]:
        return ["its run record is of an older format (from before the inputs were recorded per chapter)"]
    out = []
    if (recorded.get("notebook") or {}).get("sha256") != current["notebook"]["sha256"]:
        out.append(f"notebook changed ({current['notebook']['file']})")
    rp, cp = recorded.get("params") or {}, current["params"]
    if rp.get("sha256") != cp["sha256"]:
        values = [f"params {k} {how}" for k, how in _changed_keys(rp.get("values") or {}, cp["values"])]
        out.extend(_named(values, "params values") if values else ["params: the order of keys changed"])
    rd, cd = recorded.get("data") or {}, current["data"]
    for sid, how in _changed_keys({k: (v or {}).get("sha256") for k, v in rd.items()},
                                  {k: v["sha256"] for k, v in cd.items()}):
        shown = (cd.get(sid) or rd.get(sid) or {}).get("file", sid)
        out.append(f"data {sid} {how} ({shown})" if how == "changed" else f"data {sid} {how}")
    rp, cp = recorded.get("previous"), current.get("previous")
    if rp != cp:
        if rp is None or cp is None:
            out.append("the comparison with the previous edition " + ("added" if rp is None else "removed"))
        else:
            if (rp.get("params") or {}).get("sha256") != (cp.get("params") or {}).get("sha256"):
                out.append(f"previous edition's params changed ({cp['params'].get('file')})")
            for sid, how in _changed_keys({k: (v or {}).get("sha256") for k, v in (rp.get("data") or {}).items()},
                                          {k: v["sha256"] for k, v in (cp.get("data") or {}).items()}):
                out.append(f"previous edition's data {sid} {how}")
    rc, cc = recorded.get("code") or {}, current["code"]
    for group, label in (("chapter", "chapter code"), ("shared", "shared code")):
        files = [f"{label} {rel} {how}" for rel, how in _changed_keys(rc.get(group) or {}, cc[group])]
        out.extend(_named(files, f"{label} files"))
    return out


def write_run_record(edition: Edition, chapter, executed: Path, inputs: dict[str, Any]) -> Path:
    """Record the inputs a chapter was executed with: ``inputs`` is ``chapter_inputs(edition,
    chapter)`` taken before the run (a change during the run is then seen next time)."""
    chapter = _chapter(edition, chapter)
    if not isinstance(inputs, dict) or inputs.get("format") != RUN_RECORD_FORMAT:
        raise ValueError("write_run_record: inputs must be chapter_inputs(edition, chapter), taken before the run")
    record = {"chapter": chapter.id, "inputs": inputs, "executed_sha256": sha256_file(executed)}
    path = run_record_path(executed)
    write_if_changed(path, json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def _default_executed(edition: Edition, chapter) -> Path:
    from spiegel.build import executed_path

    return executed_path(edition, chapter)


def stale_reasons(edition: Edition, chapter, executed: Path | None = None,
                  current: dict[str, Any] | None = None) -> list[str]:
    """Why chapter ``chapter`` (a ``Chapter`` or its id) must be executed again, one reason each;
    ``[]`` when its executed notebook (default ``<state>/notebooks/<name>.ipynb``) was produced from
    exactly its current inputs. ``current``: ``chapter_inputs(edition, chapter)`` when already taken.

    E.g. ``["params analysis.gemeenten.caseload_threshold changed", "notebook changed
    (notebooks/02_gemeenten.ipynb)"]``, ``["not executed yet (... missing)"]``."""
    chapter = _chapter(edition, chapter)
    executed = Path(executed) if executed is not None else _default_executed(edition, chapter)
    if not executed.is_file():
        return [f"not executed yet ({shown_path(executed, edition.root)} missing)"]
    record = _read_json(run_record_path(executed))
    if not isinstance(record, dict):
        return [f"no run record ({run_record_path(executed).name})"]
    if record.get("chapter") != chapter.id:
        return [f"its run record is of chapter '{record.get('chapter')}'"]
    current = current if current is not None else chapter_inputs(edition, chapter)
    reasons = input_changes(record.get("inputs"), current)
    if not reasons and sha256_file(executed) != record.get("executed_sha256"):
        reasons.append(f"{executed.name} is not the notebook its run produced")
    return reasons


def run_problems(edition: Edition, executed: dict[str, Path], inputs: dict[str, Any] | None = None) -> list[str]:
    """Why an executed chapter may not be published ([] if each was executed from its current
    inputs, see ``stale_reasons``). ``inputs`` (``current_inputs``) supplies the data hashes."""
    out = []
    for cid, path in executed.items():
        record = _read_json(run_record_path(path))
        if not path.is_file() or not isinstance(record, dict):
            what = "missing" if not path.is_file() else f"without its run record {run_record_path(path).name}"
            out.append(f"chapter '{cid}' has not been executed ({path} {what}); run `spiegel run --chapter {cid}`")
            continue
        reasons = stale_reasons(edition, cid, path, chapter_inputs(edition, cid, inputs))
        if reasons:
            out.append(f"chapter '{cid}' must be executed again: {'; '.join(reasons)}; "
                       f"run `spiegel run --chapter {cid}` again")
    return out


# --------------------------------------------------------------------------------------------
# the manifest


def build_manifest(edition: Edition, inputs: dict[str, Any], executed: dict[str, Path],
                   renderer: str) -> dict[str, Any]:
    """What produced a book from the current state (deterministic: no dates)."""
    notebooks = {cid: {**inputs["notebooks"][cid], "executed_sha256": sha256_file(path)}
                 for cid, path in executed.items()}
    gate = _read_json(edition.build_dir / GATE_NAME) or {}
    return {
        "manifest_version": 1,
        "spiegel_version": spiegel.__version__,
        "edition": edition.edition,
        "renderer": renderer,
        "params": inputs["params"],
        "data": inputs["data"],
        "contracts": inputs["contracts"],
        "notebooks": notebooks,
        "book": inputs["book"],
        "code": inputs["code"],
        "validation": {"ok": bool(gate.get("ok")), "report_sha256": gate.get("report_sha256")},
    }


def manifest_json(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def read_manifest(book: Path) -> dict[str, Any] | None:
    found = _read_json(Path(book) / MANIFEST_NAME)
    return found if isinstance(found, dict) else None


def _short(value: Any) -> str:
    return value[:12] if isinstance(value, str) and len(value) == 64 else json.dumps(value, ensure_ascii=False)


def manifest_differences(book: dict[str, Any] | None, expected: dict[str, Any]) -> list[str]:
    """What differs between a book's manifest and the current state, one line each."""
    if book is None:
        return [f"the book has no readable {MANIFEST_NAME}"]
    out = []
    bp, ep = book.get("params") or {}, expected["params"]
    if bp != ep:
        out.append(f"params: the book was built from {bp.get('file')} (sha256 {_short(bp.get('sha256'))}), "
                   f"the current params are {ep['file']} (sha256 {_short(ep['sha256'])})")
    for section, label in (("data", "data"), ("contracts", "contract"), ("notebooks", "notebook"),
                           ("book", "page file")):
        have, want = book.get(section) or {}, expected[section]
        for key in sorted(set(have) | set(want)):
            h, w = have.get(key), want.get(key)
            if h == w:
                continue
            if h is None:
                out.append(f"{label} {key}: not in the book, current {w.get('file')}")
            elif w is None:
                out.append(f"{label} {key}: in the book ({h.get('file')}) but not in the current params")
            else:
                fields = [f for f in sorted(set(h) | set(w)) if h.get(f) != w.get(f)]
                detail = ", ".join(f"{f} {_short(h.get(f))} in the book, {_short(w.get(f))} now" for f in fields)
                out.append(f"{label} {key} ({w.get('file')}): {detail}")
    for key in ("code", "validation", "renderer", "edition", "spiegel_version", "manifest_version"):
        if book.get(key) != expected[key]:
            h, w = book.get(key), expected[key]
            if isinstance(w, dict):
                h = h if isinstance(h, dict) else {}
                parts = [f"{k} {_short(h.get(k))} in the book, {_short(w.get(k))} now"
                         for k in sorted(set(h) | set(w)) if h.get(k) != w.get(k)]
                out.append(f"{key}: {', '.join(parts)}")
            else:
                out.append(f"{key}: {_short(h)} in the book, {_short(w)} now")
    return out


def publishable(edition: Edition, executed: dict[str, Path], renderer: str) -> dict[str, Any]:
    """The manifest of a book of the current state, or StateError saying why it may not be rendered."""
    inputs = current_inputs(edition)
    problems = gate_problems(edition, inputs) + run_problems(edition, executed, inputs)
    if problems:
        raise StateError("refusing to render: " + "; ".join(problems))
    return build_manifest(edition, inputs, executed, renderer)


def verify_book(edition: Edition, executed: dict[str, Path], book: Path, renderer: str) -> None:
    """Check, from the files as they are now, that ``book`` was built from the current params, data,
    contracts, notebooks and code, with a passed validation; StateError naming what differs."""
    inputs = current_inputs(edition)
    problems = gate_problems(edition, inputs) + run_problems(edition, executed, inputs)
    expected = build_manifest(edition, inputs, executed, renderer)
    differences = manifest_differences(read_manifest(book), expected)
    if problems or differences:
        found = problems + differences
        shown = found if len(found) <= MAX_SHOWN else [*found[:MAX_SHOWN - 1], f"... and {len(found) - MAX_SHOWN + 1} more"]
        lines = "\n".join(f"  - {p}" for p in shown)
        raise StateError(f"{book} does not match the current params and data "
                         f"({shown_path(edition.path, edition.root)}):\n{lines}")


# --------------------------------------------------------------------------------------------
# the lock per edition build


def lock_path(edition: Edition) -> Path:
    return edition.build_dir.parent / LOCK_NAME


def pid_running(pid: int) -> bool:
    """Whether a process exists and is not a zombie (no psutil: ``kill(pid, 0)`` and /proc)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return True


def _holder(text: str) -> tuple[str, str]:
    """(who holds the lock, how to stop it) from the lock file's details."""
    try:
        info = json.loads(text)
    except ValueError:
        return "a process that has not written its details yet", "stop it"
    pid = info.get("pid")
    gone = ""
    if info.get("host") == socket.gethostname() and isinstance(pid, int):
        if not pid_running(pid):
            gone = " (that process no longer runs on this machine: the lock is held by another one)"
    who = (f"pid {pid} on {info.get('host')}, since {info.get('started')}, "
           f"`{info.get('command')}` with {info.get('params')}{gone}")
    return who, f"stop it (kill {pid})" if isinstance(pid, int) else "stop it"


@contextlib.contextmanager
def edition_lock(edition: Edition, command: str) -> Iterator[Path]:
    """Hold the edition's build lock, or raise LockHeld at once naming the holder.

    Re-entrant for the commands ``spiegel lock`` starts (they find the lock in ``$SPIEGEL_LOCK``).
    The lock is an ``flock`` on ``build/<edition>/build.lock``; the kernel releases it when the
    holder exits in any way, so a crashed build never blocks the next one.
    """
    import fcntl

    path = lock_path(edition)
    if os.environ.get(LOCK_ENV) == str(path):
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who, stop = _holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
            raise LockHeld(
                f"another build of edition {edition.edition} is running: {who}.\n"
                f"Wait for it to finish, or {stop}. The lock ({path}) is released as soon "
                "as that process ends, also when it crashes; only if no such process exists anywhere "
                f"(e.g. the build folder is on a shared disk), delete {path}."
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(),
                "started": dt.datetime.now().isoformat(timespec="seconds"),
                "params": shown_path(edition.path, edition.root), "command": command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode(), 0)
        previous = os.environ.get(LOCK_ENV)
        os.environ[LOCK_ENV] = str(path)  # nested steps of this process (spiegel build) hold it too
        try:
            yield path
        finally:
            if previous is None:
                os.environ.pop(LOCK_ENV, None)
            else:
                os.environ[LOCK_ENV] = previous
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def run_locked(edition: Edition, command: list[str]) -> int:
    """``spiegel lock -- <command>``: run ``command`` holding the edition's build lock (for scripts
    that must not overlap a build; ``spiegel build`` takes the lock itself). SIGTERM and SIGHUP are passed on to the command; SIGINT from
    the terminal reaches it directly. Returns its exit status."""
    import subprocess

    if not command:
        raise StateError("spiegel lock: no command given (spiegel lock -- make report)")
    with edition_lock(edition, " ".join(command)) as path:
        proc = subprocess.Popen(command, env={**os.environ, LOCK_ENV: str(path)})

        def forward(signum, _frame):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)

        previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, lambda *_: None)
        try:
            status = proc.wait()
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
    return status if status >= 0 else 128 - status


# --------------------------------------------------------------------------------------------
# signals


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP): raised like Ctrl-C so that every ``finally`` cleans up."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum, _frame):
    # Further SIGTERMs (make passes its own on to its children) must not interrupt the cleanup.
    signal.signal(signum, signal.SIG_IGN)
    raise Terminated(signum)


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into an exception, so temporary files are removed on every exit."""
    for s in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(s) is signal.SIG_DFL:
            signal.signal(s, _terminate)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP until the block is done (a rename pair or a cleanup that must
    not be cut in half); they are delivered right after it."""
    blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    except (AttributeError, ValueError, OSError):  # not the main thread / no pthread_sigmask
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
