"""The build in one command: ``spiegel build`` (what ``make report`` runs).

Every step runs only when its inputs changed since it last ran (content fingerprints, see
:mod:`spiegel.buildstate`): synthetic data (when the params say synthetic), the validation gate,
each chapter, the book. Chapters run side by side, as many at a time as the machine has cores
(``--jobs``), each in its own kernel. The build says what it does: a numbered line per step with its
time, and a closing summary of what ran, what was reused and where the outputs are.

Nothing a failed step produced is used: a failed validation stops the build before any chapter
runs; a failed chapter stops it before rendering (the other chapters finish, so their results are
reused next time); ``_book/`` is replaced only by a complete, verified book.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
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
    """The real-data files the params name that do not exist (synthetic data is written by synth)."""
    from spiegel.buildstate import shown_path

    if edition.synthetic:
        return []
    return [f"{sid} ({shown_path(s.path, edition.root)})" for sid, s in edition.sources.items()
            if not s.path.is_file()]


def _data_step(edition: Edition, step: Step, progress: Progress) -> None:
    """Synthetic data: written only where a file is missing or was written by other generator code
    or params (``spiegel.synth.stale_sources``, from ``data/.synthetic-manifest.json``, which
    survives ``make clean``). Real data: only checked to exist (before the build started)."""
    if not edition.synthetic:
        progress.reused(step, f"{len(edition.sources)} files present")
        return
    from spiegel.synth import generate, stale_sources

    stale = stale_sources(edition)
    if not stale:
        progress.reused(step, f"{len(edition.sources)} files as written by this generator from these params")
        return
    started = time.perf_counter()
    shown = ", ".join(f"{sid} {why}" for sid, why in list(stale.items())[:3]) + (" ..." if len(stale) > 3 else "")
    progress.say(step, f"writing {len(stale)} of {len(edition.sources)} sources ({shown})")
    generate(edition, sorted(stale, key=list(edition.sources).index), log=_StepLog(progress, step), force=True)
    progress.ran(step, _seconds(started), f"{len(stale)} sources written")


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


def _validate_step(edition: Edition, step: Step, progress: Progress) -> None:
    from spiegel.buildstate import current_inputs, gate_problems, write_gate

    inputs = current_inputs(edition)  # what this validation is about, hashed before it reads
    why = gate_problems(edition, inputs)
    if not why:
        progress.reused(step, "data, contracts and params as in the last validation, which passed")
        return
    from spiegel.contracts import main_validate

    started = time.perf_counter()
    progress.say(step, f"validating ({_reason(why[0])})")
    status = main_validate(edition.path, edition.build_dir)
    write_gate(edition, inputs, status == 0)
    if status:
        progress.failed(step, _seconds(started), "the data do not meet their contracts (see above)")
        raise BuildFailed("validation failed: no chapter was executed and _book/ was left as it was")
    progress.ran(step, _seconds(started), "all contracts met")


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
                   stale: dict[str, str], pool) -> None:
    """Execute the stale chapters side by side (``jobs`` at a time) on kernels from ``pool``. On an
    interrupt the pool is closed first, which kills the kernels, so every run ends at once and
    removes its partial files; a chapter whose run fails does not stop the others."""
    from spiegel.build import run_chapter

    for chapter in edition.chapters:
        if chapter.id not in stale:
            progress.reused(steps[f"chapter:{chapter.id}"], "executed from exactly these inputs before")
    if not stale:
        return

    def run(chapter: Chapter) -> None:
        step = steps[f"chapter:{chapter.id}"]
        started = time.perf_counter()
        progress.say(step, f"run: {chapter.notebook.name}: executing, because: {stale[chapter.id]}")
        try:
            run_chapter(edition, chapter, log=_Silent(), progress=False, pool=pool)
        except Exception as exc:
            progress.failed(step, _seconds(started), str(exc).splitlines()[0])
            raise
        progress.ran(step, _seconds(started))

    executor = ThreadPoolExecutor(max_workers=max(1, min(jobs, len(stale))), thread_name_prefix="chapter")
    try:
        futures = [executor.submit(run, c) for c in edition.chapters if c.id in stale]
        wait(futures)  # a failed chapter does not stop the others: what they compute is reused next time
    except BaseException:  # Ctrl-C, SIGTERM: kill the kernels, so the runs end now
        pool.close()
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        details = "\n".join(str(e) for e in failures)
        raise BuildFailed(f"{len(failures)} chapter(s) failed; nothing was rendered:\n{details}")


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
    from spiegel.buildstate import publishable, read_manifest

    executed = {c.id: executed_path(edition, c) for c in edition.chapters}
    manifest = publishable(edition, executed, renderer)
    if read_manifest(out) == manifest:
        progress.reused(step, f"{out.name}/ already is the book of these chapters")
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
    out = Path(out) if out is not None else edition.root / "_book"
    jobs = jobs or default_jobs()
    steps = plan(edition, until)
    progress = Progress(steps, stream)
    by_key = {s.key: s for s in steps}
    with edition_lock(edition, command):
        update_state(edition)
        print(f"spiegel: edition {edition.edition} from {shown_path(edition.path, edition.root)}: "
              f"{len(steps)} steps, chapters {jobs} at a time", file=stream, flush=True)
        outputs = [f"build state: {shown_path(edition.build_dir, edition.root)}/"]
        with contextlib.ExitStack() as stack:
            try:
                _guarded(_data_step, edition, steps[0], progress)
                # The kernels' fork server starts now, importing what the chapters import while the
                # data are validated (it reads no data); no chapter runs before the gate passed.
                stale = stale_chapters(edition) if until in ("chapters", "report") else {}
                pool = stack.enter_context(_kernel_pool(edition)) if stale else None
                if "validate" in by_key:
                    _guarded(_validate_step, edition, by_key["validate"], progress)
                    outputs.append(f"validation report: {shown_path(edition.build_dir / 'validation.html', edition.root)}")
                if until in ("chapters", "report"):
                    _chapter_steps(edition, by_key, progress, jobs, stale, pool)
                    outputs.append(f"executed chapters: {shown_path(edition.build_dir / 'notebooks', edition.root)}/")
                stack.close()  # the kernels are done
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
