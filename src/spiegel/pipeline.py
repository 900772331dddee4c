"""The build in one command: ``spiegel build`` (what ``make report`` runs).

Every step runs only when its inputs changed since it last ran (content fingerprints, see
:mod:`spiegel.buildstate`): synthetic data (when the params say synthetic), the validation gate,
each chapter, the book. Chapters run side by side, as many at a time as the machine has cores
(``--jobs``), each in its own kernel. The build says what it does: a numbered line per step with its
time, and a closing summary of what ran, what was reused and where the outputs are.

The validation gate runs in a child process beside the chapters (on a cold build it is a third of
the work); the chapters' results count only once it passed. Nothing a failed step produced is used:
a failed validation stops the chapters still running, removes what they wrote (executed notebooks,
findings registers, run records) and puts their earlier results back, so no result computed from
data that failed its contracts is kept; a failed chapter stops the build before rendering (the
other chapters finish, so their results are reused next time); the edition's book,
``_book/<edition>/``, is replaced only by a
complete, verified book, rendered only after the gate passed.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from spiegel.params import Chapter, Edition

UNTIL = ("data", "validate", "chapters", "report")


class BuildFailed(RuntimeError):
    """A step failed; the message says which and why (its details were printed as it ran)."""


@dataclass
class Step:
    key: str
    label: str
    status: str = "pending"  # ran, reused, failed
    seconds: float = 0.0
    note: str = ""


@dataclass
class Progress:
    """Numbered step lines (thread-safe) and the closing summary."""

    steps: list[Step]
    stream: TextIO = field(default=sys.stderr)
    started: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _number(self, step: Step) -> str:
        return f"[{self.steps.index(step) + 1}/{len(self.steps)}]"

    def say(self, step: Step, text: str) -> None:
        with self._lock:
            print(f"{self._number(step)} {step.label}: {text}", file=self.stream, flush=True)

    def reused(self, step: Step, why: str) -> None:
        step.status, step.note = "reused", why
        self.say(step, f"{why}; reused")

    def ran(self, step: Step, seconds: float, what: str = "done") -> None:
        step.status, step.seconds = "ran", seconds
        self.say(step, f"{what} in {seconds:.1f} s")

    def failed(self, step: Step, seconds: float, why: str) -> None:
        step.status, step.seconds, step.note = "failed", seconds, why
        self.say(step, f"FAILED after {seconds:.1f} s: {why}")

    def raised(self, step: Step, started: float) -> None:
        """A step that raised (not an interrupt): marked failed; its error is printed after the summary."""
        if step.status == "pending":
            self.failed(step, _seconds(started), "see the error below")

    def summary(self, outputs: list[str]) -> str:
        took = f"{time.perf_counter() - self.started:.1f} s"
        by = {status: [s for s in self.steps if s.status == status] for status in ("ran", "reused", "failed", "pending")}
        if by["failed"] or by["pending"]:
            lines = [f"spiegel: build FAILED after {took}",
                     f"  ran:     {', '.join(f'{s.label} {s.seconds:.1f} s' for s in by['ran']) or 'nothing'}",
                     f"  reused:  {', '.join(s.label for s in by['reused']) or 'nothing'}",
                     f"  failed:  {', '.join(s.label for s in by['failed']) or 'nothing'}",
                     f"  not run: {', '.join(s.label for s in by['pending']) or 'nothing'}"]
        else:
            lines = [f"spiegel: build took {took}",
                     f"  ran:    {', '.join(f'{s.label} {s.seconds:.1f} s' for s in by['ran']) or 'nothing (everything was up to date)'}",
                     f"  reused: {', '.join(s.label for s in by['reused']) or 'nothing'}"]
        return "\n".join(lines + [f"  {o}" for o in outputs])


def _seconds(since: float) -> float:
    return time.perf_counter() - since


def default_jobs() -> int:
    """Chapters run at a time: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def plan(edition: Edition, until: str) -> list[Step]:
    steps = []
    steps.append(Step("synth", "synthetic data") if edition.synthetic else Step("data", "data files"))
    if until != "data":
        steps.append(Step("validate", "validation"))
    if until in ("chapters", "report"):
        steps += [Step(f"chapter:{c.id}", f"chapter {c.number} {c.id}") for c in edition.chapters]
    if until == "report":
        steps.append(Step("render", "book"))
    return steps


def missing_data(edition: Edition) -> list[str]:
    """The real-data files the params name that do not exist (synthetic data is written by synth),
    also those of the edition the chapters compare with."""
    from spiegel.buildstate import shown_path

    previous = _compared_edition(edition)
    missing = [] if edition.synthetic else [f"{sid} ({shown_path(s.path, edition.root)})"
                                            for sid, s in edition.sources.items() if not s.path.is_file()]
    if previous is not None and not previous.synthetic:
        missing += [f"{sid} of edition {previous.edition}, compared with ({shown_path(s.path, edition.root)})"
                    for sid, s in previous.sources.items() if not s.path.is_file()]
    return missing


def _data_step(edition: Edition, step: Step, progress: Progress) -> None:
    """Synthetic data: written only where a file is missing or was written by other generator code
    or params (``spiegel.synth.stale_sources``, from ``data/.synthetic-manifest.json``, which
    survives ``make clean``). Real data: only checked to exist (before the build started)."""
    previous = _compared_edition(edition)
    if not edition.synthetic and (previous is None or not previous.synthetic):
        progress.reused(step, f"{len(edition.sources)} files present")
        return
    from spiegel.synth import generate, stale_sources

    started = time.perf_counter()
    written = 0
    # this edition's data, and the synthetic data of the edition it compares with (spiegel.development
    # reads them; written as that edition's own build writes them, byte for byte)
    for ed, whose in ((edition, ""), (previous, f" of edition {previous.edition if previous else ''}, compared with")):
        if ed is None or not ed.synthetic:
            continue
        stale = stale_sources(ed)
        if not stale:
            continue
        shown = ", ".join(f"{sid} {why}" for sid, why in list(stale.items())[:3]) + (" ..." if len(stale) > 3 else "")
        progress.say(step, f"writing {len(stale)} of {len(ed.sources)} sources{whose} ({shown})")
        generate(ed, sorted(stale, key=list(ed.sources).index), log=_StepLog(progress, step), force=True)
        written += len(stale)
    if not written:
        progress.reused(step, f"{len(edition.sources)} files as written by this generator from these params")
        return
    progress.ran(step, _seconds(started), f"{written} sources written")


def _compared_edition(edition: Edition) -> Edition | None:
    """The previous edition the chapters compare with (params ``development``), or None."""
    from spiegel import development

    if not any(development.key_figures(edition, c.id) for c in edition.chapters):
        return None
    return development.previous_edition(edition)


class _StepLog:
    """A text stream for a step's own messages: each line printed under the step's number."""

    def __init__(self, progress: Progress, step: Step):
        self.progress, self.step, self._buffer = progress, step, ""

    def write(self, text: str) -> int:
        self._buffer += text
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            if line.strip():
                self.progress.say(self.step, line.strip())
        return len(text)

    def flush(self) -> None:
        pass


#: What the gate's child process runs: ``spiegel validate`` without the lock (the build holds it).
#: It ends with ``os._exit`` once its output is flushed and its reports are written: tearing down
#: Great Expectations' module graph would cost another half second on the build's critical path.
_VALIDATE = ("import os, sys; from spiegel.contracts import main_validate; "
             "code = main_validate(sys.argv[1], sys.argv[2]); sys.stdout.flush(); sys.stderr.flush(); "
             "os._exit(code)")


class _Gate:
    """The validation gate, in a child process so that the chapters can run beside it.

    Created, it either finds the last validation valid for the current inputs (reused) or starts
    the child, whose output is printed under the step's number as it comes. ``failed`` is true as
    soon as the child ended unsuccessfully; ``finish`` waits for it, records the outcome
    (``validation.gate.json``, for the inputs hashed before the child read them) and raises
    ``BuildFailed`` if the data did not pass."""

    def __init__(self, edition: Edition, step: Step, progress: Progress):
        from spiegel.buildstate import current_inputs, gate_problems

        self.edition, self.step, self.progress = edition, step, progress
        self.inputs = current_inputs(edition)  # what this validation is about, hashed before it reads
        self.process: subprocess.Popen | None = None
        self._lock, self._set_aside = threading.Lock(), []
        why = gate_problems(edition, self.inputs)
        if not why:
            progress.reused(step, "data, contracts and params as in the last validation, which passed")
            return
        progress.say(step, f"validating ({_reason(why[0])})")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _VALIDATE, str(edition.path), str(edition.build_dir)],
            cwd=edition.root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, encoding="utf-8", errors="replace", env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._relay = threading.Thread(target=self._print, name="validation-output", daemon=True)
        self._relay.start()

    def _print(self) -> None:
        for line in self.process.stdout:
            if line.strip():
                self.progress.say(self.step, line.rstrip())

    @property
    def failed(self) -> bool:
        return self.process is not None and self.process.poll() not in (None, 0)

    @property
    def validating(self) -> bool:
        """The data are validated in this build (not reused): chapters run beside it."""
        return self.process is not None

    def set_aside(self, chapter: Chapter) -> None:
        """Before ``chapter`` runs beside the validation: keep its earlier results, to be put back
        if the validation fails (so fixing the data back re-runs nothing)."""
        from spiegel.build import set_aside_results

        with self._lock:
            set_aside_results(self.edition, chapter)
            self._set_aside.append(chapter)

    def restore(self) -> list[Chapter]:
        """Undo the runs beside the validation: their results removed, the earlier ones back;
        returns the chapters whose run had written results."""
        from spiegel.build import drop_set_aside, restore_results

        with self._lock:
            undone = [c for c in self._set_aside if restore_results(self.edition, c)]
            self._set_aside.clear()
            drop_set_aside(self.edition)
        return undone

    def finish(self) -> None:
        """Wait for the validation and record its outcome. Passed: the chapters run beside it
        count (what was set aside is dropped). Failed: their runs are undone (:meth:`restore`) and
        ``BuildFailed`` is raised."""
        from spiegel.buildstate import shown_path, write_gate
        from spiegel.build import drop_set_aside

        if self.process is None:
            return
        status = self.process.wait()
        self._relay.join()
        write_gate(self.edition, self.inputs, status == 0)
        if status == 0:
            with self._lock:
                self._set_aside.clear()
                drop_set_aside(self.edition)
            self.progress.ran(self.step, _seconds(self.started), "all contracts met")
            return
        self.progress.failed(self.step, _seconds(self.started), "the data do not meet their contracts (see above)")
        undone = self.restore()
        done = (f"the results of chapter(s) {', '.join(f'{c.number} {c.id}' for c in undone)}, run beside it, "
                f"were removed (their earlier results kept)" if undone else "no chapter result of these data was kept")
        book = shown_path(self.edition.book_dir, self.edition.root)
        raise BuildFailed(f"validation failed: {done}, and {book}/ was left as it was")

    def close(self) -> None:
        """On an error or interrupt before :meth:`finish`: stop the validation, undo the runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self._set_aside:
            self.restore()


def stale_chapters(edition: Edition) -> dict[str, str]:
    """Chapter id -> why it must be executed again (only the chapters that must)."""
    from spiegel.build import executed_path
    from spiegel.buildstate import stale_reasons

    out = {}
    for chapter in edition.chapters:
        why = stale_reasons(edition, chapter, executed_path(edition, chapter))
        if why:
            out[chapter.id] = "; ".join(why[:3]) + (f"; and {len(why) - 3} more" if len(why) > 3 else "")
    return out


def _chapter_steps(edition: Edition, steps: dict[str, Step], progress: Progress, jobs: int,
                   stale: dict[str, str], pool, gate: _Gate | None = None) -> list[BaseException]:
    """Execute the stale chapters side by side (``jobs`` at a time) on kernels from ``pool``; return
    the errors of the chapters that failed (a failed chapter does not stop the others). If the
    ``gate`` running beside them fails, the pool is closed and the chapters not yet done are
    stopped (left "not run"). On an interrupt the pool is closed first, which kills the kernels, so
    every run ends at once and removes its partial files."""
    from spiegel.build import run_chapter

    for chapter in edition.chapters:
        if chapter.id not in stale:
            progress.reused(steps[f"chapter:{chapter.id}"], "executed from exactly these inputs before")
    if not stale:
        return []
    stopped = threading.Event()

    def run(chapter: Chapter) -> None:
        step = steps[f"chapter:{chapter.id}"]
        if stopped.is_set():
            return
        started = time.perf_counter()
        progress.say(step, f"run: {chapter.notebook.name}: executing, because: {stale[chapter.id]}")
        if gate is not None and gate.validating:
            gate.set_aside(chapter)
        try:
            run_chapter(edition, chapter, log=_Silent(), progress=False, pool=pool)
        except Exception as exc:
            if stopped.is_set():
                progress.say(step, "stopped: the data did not pass validation")
                return
            progress.failed(step, _seconds(started), str(exc).splitlines()[0])
            raise
        progress.ran(step, _seconds(started))

    executor = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(stale))), thread_name_prefix="chapter")
    try:
        futures = [executor.submit(run, c) for c in edition.chapters if c.id in stale]
        running = set(futures)
        while running:
            _, running = wait(running, timeout=0.2 if gate else None, return_when=FIRST_COMPLETED)
            if running and gate is not None and gate.failed:  # results of invalid data are not wanted
                stopped.set()
                pool.close()
    except BaseException:  # Ctrl-C, SIGTERM: kill the kernels, so the runs end now
        pool.close()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]


def _reason(problem: str) -> str:
    """A gate problem as a short reason (without the advice to run a command)."""
    return problem.split("; run `", 1)[0]


class _Silent:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _render_step(edition: Edition, step: Step, progress: Progress, renderer: str, out: Path) -> None:
    from spiegel.build import executed_path
    from spiegel.buildstate import publishable, read_manifest, shown_path

    executed = {c.id: executed_path(edition, c) for c in edition.chapters}
    manifest = publishable(edition, executed, renderer)
    if read_manifest(out) == manifest:
        progress.reused(step, f"{shown_path(out, edition.root)}/ already is the book of these chapters")
        return
    from spiegel.render import render_book

    started = time.perf_counter()
    extra = {"Validatie van de brondata": edition.build_dir / "validation.html"}
    render_book(edition, executed, out, renderer=renderer, extra_pages=extra, manifest=manifest)
    progress.ran(step, _seconds(started), f"book written ({renderer})")


def _kernel_pool(edition: Edition):
    from spiegel.kernels import KernelPool, preload_for

    return KernelPool(preload_for(edition))


def _guarded(run, edition: Edition, step: Step, progress: Progress, *args) -> None:
    started = time.perf_counter()
    try:
        run(edition, step, progress, *args)
    except Exception:
        progress.raised(step, started)
        raise


def build(edition: Edition, *, until: str = "report", renderer: str = "pandoc", out: Path | None = None,
          jobs: int | None = None, command: str = "spiegel build", stream: TextIO = sys.stderr) -> Path | None:
    """Bring the build of ``edition`` up to date up to step ``until`` (one of :data:`UNTIL`).
    Returns the book folder (``until="report"``), verified against the current inputs."""
    from spiegel.buildstate import edition_lock, shown_path, update_state, verify_book

    if until not in UNTIL:
        raise ValueError(f"until must be one of {', '.join(UNTIL)}")
    absent = missing_data(edition)
    if absent:
        raise BuildFailed(f"data file(s) named in {edition.path.name} do not exist: {', '.join(absent)}; "
                          f"put them in place or correct the sources' file: in {edition.path.name}")
    missing = [c for c in edition.chapters if not c.notebook.is_file()]
    if missing and until in ("chapters", "report"):
        raise BuildFailed("; ".join(
            f"chapter {c.number} '{c.id}': its notebook {shown_path(c.notebook, edition.root)} does not exist "
            f"(correct chapters: in {edition.path.name}, or add the notebook; README, Adding a chapter)"
            for c in missing))
    out = Path(out) if out is not None else edition.book_dir
    jobs = jobs or default_jobs()
    steps = plan(edition, until)
    progress = Progress(steps, stream)
    by_key = {s.key: s for s in steps}
    with edition_lock(edition, command):
        update_state(edition)
        from spiegel.build import recover_set_aside

        undone = recover_set_aside(edition)
        if undone:
            print(f"spiegel: the last build stopped while chapter(s) {', '.join(c.id for c in undone)} ran beside "
                  f"the validation; their results were removed (the earlier ones put back)", file=stream, flush=True)
        print(f"spiegel: edition {edition.edition} from {shown_path(edition.path, edition.root)}: "
              f"{len(steps)} steps, chapters {jobs} at a time", file=stream, flush=True)
        outputs = [f"build state: {shown_path(edition.build_dir, edition.root)}/"]
        with contextlib.ExitStack() as stack:
            try:
                _guarded(_data_step, edition, steps[0], progress)
                stale = stale_chapters(edition) if until in ("chapters", "report") else {}
                pool = stack.enter_context(_kernel_pool(edition)) if stale else None
                gate = None
                if "validate" in by_key:  # beside the chapters; their results count once it passed
                    started = time.perf_counter()
                    try:
                        gate = _Gate(edition, by_key["validate"], progress)
                        stack.callback(gate.close)  # an error or interrupt stops it, undoes the runs
                    except Exception:
                        progress.raised(by_key["validate"], started)
                        raise
                    outputs.append(f"validation report: {shown_path(edition.build_dir / 'validation.html', edition.root)}")
                failures = _chapter_steps(edition, by_key, progress, jobs, stale, pool, gate) \
                    if until in ("chapters", "report") else []
                if pool is not None:
                    pool.close()  # the kernels are done
                if gate is not None:
                    try:
                        gate.finish()
                    except Exception:
                        progress.raised(by_key["validate"], started)
                        raise
                stack.close()
                if failures:
                    details = "\n".join(str(e) for e in failures)
                    raise BuildFailed(f"{len(failures)} chapter(s) failed; nothing was rendered:\n{details}")
                if until in ("chapters", "report"):
                    outputs.append(f"executed chapters: {shown_path(edition.build_dir / 'notebooks', edition.root)}/")
                if until == "report":
                    _guarded(_render_step, edition, by_key["render"], progress, renderer, out)
                    from spiegel.build import executed_path
                    from spiegel.render import pdf_name

                    verify_book(edition, {c.id: executed_path(edition, c) for c in edition.chapters}, out, renderer)
                    outputs.append(f"book: {shown_path(out, edition.root)}/index.html and "
                                   f"{shown_path(out / pdf_name(edition), edition.root)}")
            finally:
                print(progress.summary(outputs), file=stream, flush=True)
    return out if until == "report" else None
