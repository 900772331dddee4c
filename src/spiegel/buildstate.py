"""The build's identity and state: content fingerprints, the validation gate, the book's manifest
and the lock per edition build.

- **Fingerprints.** What re-runs is decided by the sha256 of every input, never by file dates:
  the params file, every data file, every contract, every notebook and the package code (in four
  groups: synth → data, validation code → the gate, analysis code → chapters, render code → book).
  Each step of ``spiegel build`` (:mod:`spiegel.pipeline`) compares them with the record of its
  last run, so a data file replaced by one with an older date (as ``cp -p``, ``rsync -a`` or
  ``tar`` produce) is re-validated, and a touched file re-runs nothing.
- **Build state per params file.** ``Edition.build_dir`` is ``build/<edition>/<params stem>-<hash of
  the params file's resolved path>/``; ``build/<edition>/current`` links to the state of the most
  recent build, ``<state>/state.json`` names the params file of a state.
- **Gate and run records.** ``spiegel validate`` records which data, contracts and params the
  report it wrote is about (``validation.gate.json``); ``spiegel run`` records per chapter the
  inputs it executed with (``notebooks/<name>.run.json``). Rendering refuses unless the validation
  of exactly the current data passed and every chapter was executed from the current inputs.
- **Manifest.** ``_book/manifest.json`` names what produced the book; ``verify_book`` compares it
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
VALIDATION_MODULES = ("contracts.py", "io.py", "params.py")
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
    return {
        "params": {"file": shown_path(edition.path, root), "sha256": sha256_file(edition.path)},
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


def gate_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """What a validation is about: the params, every data file, every contract, the gate's code."""
    return {
        "params": inputs["params"]["sha256"],
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
    if "notebook" in current and recorded.get("notebook") != current["notebook"]:
        out.append("the notebook")
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


SYNTH_RECORD = "synth.run.json"


def synth_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """What synthetic data are written from: the params and the generator code. (A data file changed
    by hand is not overwritten: it is validated like any other, and synth refuses to overwrite it.)"""
    return {"params": inputs["params"]["sha256"], "code": inputs["code"]["synth"]}


def write_synth_record(edition: Edition, inputs: dict[str, Any]) -> Path:
    """Record, after ``spiegel synth``, what the data were written from."""
    path = edition.build_dir / SYNTH_RECORD
    write_if_changed(path, json.dumps(synth_inputs(inputs), indent=2, sort_keys=True) + "\n")
    return path


def synth_problems(edition: Edition, inputs: dict[str, Any]) -> list[str]:
    """Why the synthetic data must be written again ([] if params and generator are as recorded and
    every file exists)."""
    record = _read_json(edition.build_dir / SYNTH_RECORD)
    if not isinstance(record, dict):
        return ["not written by this build state before"]
    missing = [k for k, v in inputs["data"].items() if v["sha256"] == ABSENT]
    if missing:
        return [f"missing: {', '.join(missing)}"]
    changed = _differing(record, synth_inputs(inputs), inputs)
    return [f"changed since they were written: {', '.join(changed)}"] if changed else []


def run_record_path(executed: Path) -> Path:
    return executed.with_name(executed.stem + ".run.json")


def chapter_inputs(edition: Edition, chapter, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "params": inputs["params"]["sha256"],
        "notebook": inputs["notebooks"][chapter.id]["sha256"],
        "data": {s: inputs["data"][s]["sha256"] for s in chapter.sources},
        "code": inputs["code"]["analysis"],
    }


def write_run_record(edition: Edition, chapter, executed: Path, inputs: dict[str, Any]) -> Path:
    """Record the inputs a chapter was executed with (``inputs`` hashed before the run)."""
    record = {"chapter": chapter.id, "inputs": chapter_inputs(edition, chapter, inputs),
              "executed_sha256": sha256_file(executed)}
    path = run_record_path(executed)
    write_if_changed(path, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return path


def run_problems(edition: Edition, executed: dict[str, Path], inputs: dict[str, Any]) -> list[str]:
    """Why an executed chapter may not be published ([] if each was executed from the current inputs)."""
    chapters = {c.id: c for c in edition.chapters}
    out = []
    for cid, path in executed.items():
        record = _read_json(run_record_path(path))
        if not path.is_file() or not isinstance(record, dict):
            what = "missing" if not path.is_file() else f"without its run record {run_record_path(path).name}"
            out.append(f"chapter '{cid}' has not been executed ({path} {what}); run `spiegel run --chapter {cid}`")
            continue
        changed = _differing(record.get("inputs") or {}, chapter_inputs(edition, chapters[cid], inputs), inputs)
        if changed:
            out.append(f"chapter '{cid}' was executed before a change of {', '.join(changed)}; "
                       f"run `spiegel run --chapter {cid}` again")
        elif sha256_file(path) != record.get("executed_sha256"):
            out.append(f"{path} is not the notebook its run produced; run `spiegel run --chapter {cid}` again")
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
    for section, label in (("data", "data"), ("contracts", "contract"), ("notebooks", "notebook")):
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


def _holder(text: str) -> tuple[str, str]:
    """(who holds the lock, how to stop it) from the lock file's details."""
    try:
        info = json.loads(text)
    except ValueError:
        return "a process that has not written its details yet", "stop it"
    pid = info.get("pid")
    gone = ""
    if info.get("host") == socket.gethostname() and isinstance(pid, int):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            gone = " (that process no longer runs on this machine: the lock is held by another one)"
        except PermissionError:
            pass
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
