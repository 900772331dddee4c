"""Executing one chapter: its notebook through papermill, its text filled from the findings register
it saved, and the record of the inputs it ran with (the whole build: :mod:`spiegel.pipeline`)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from spiegel.params import Chapter, Edition

if TYPE_CHECKING:
    import nbformat

# Metadata that papermill and jupyter write per run; stripped so executed notebooks are stable.
_VOLATILE_CELL_METADATA = ("papermill", "execution", "ExecuteTime")


class BuildError(RuntimeError):
    """A chapter could not be executed."""


def executed_path(edition: Edition, chapter: Chapter) -> Path:
    return edition.build_dir / "notebooks" / chapter.notebook.name


def chapter_by_id(edition: Edition, chapter_id: str) -> Chapter:
    for chapter in edition.chapters:
        if chapter.id == chapter_id or chapter.notebook.stem == chapter_id:
            return chapter
    known = ", ".join(c.id for c in edition.chapters)
    raise BuildError(f"unknown chapter '{chapter_id}' (the params name: {known})")


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove run timestamps and durations so the same run gives the same file."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


# The papermill engine spiegel runs notebooks with (see _engine), once registered.
_ENGINE = "spiegel"
_engine_registered = False


def _write_running(nb: nbformat.NotebookNode, path: str) -> None:
    """Write the notebook of a run in progress (``<name>.running.ipynb``)."""
    import nbformat

    nbformat.write(nb, path)


def _engine() -> str:
    """Register (once) and name papermill's nbclient engine, changed in one respect: papermill is
    asked not to write the whole notebook at the start and end of every cell (80 writes of a growing
    notebook per chapter, about a tenth of its run). This engine writes it when the run starts (so
    ``<name>.running.ipynb`` is there while the chapter runs, as before) and when the run fails other
    than in a cell (the kernel died), so that the failed run can be inspected; a cell's error and
    the finished notebook papermill writes itself."""
    global _engine_registered
    from papermill.engines import NBClientEngine, papermill_engines

    if not _engine_registered:

        class WriteAtStartAndEnd(NBClientEngine):
            @classmethod
            def execute_notebook(cls, nb, kernel_name, running_path=None, **kwargs):
                if running_path:
                    _write_running(nb, running_path)
                try:
                    return super().execute_notebook(nb, kernel_name, **kwargs)
                except Exception:
                    if running_path:
                        _write_running(nb, running_path)
                    raise

        papermill_engines.register(_ENGINE, WriteAtStartAndEnd)
        _engine_registered = True
    return _ENGINE


def execute(notebook: Path, output: Path, parameters: dict, log=sys.stderr, progress: bool = True,
            finish=None, pool=None, env: dict[str, str] | None = None) -> Path:
    """Execute ``notebook`` with papermill into ``output`` (written only on success; a failed
    run is kept beside it as ``<name>.failed.ipynb`` for inspection). ``finish(nb)`` changes
    the executed notebook before it is written (filling in the text); if it fails, so does
    the run.

    The notebook runs on a kernel of its own from ``pool`` (a :class:`spiegel.kernels.KernelPool`;
    several threads may share one), in the notebook's folder, with this process's environment
    (or ``env``); without a pool, on one from a pool of its own. Either way over IPC, and stopped afterwards."""
    import nbformat
    import papermill  # imported here: it is slow to import and only this step needs it

    from spiegel.kernels import KernelPool

    notebook, output = notebook.resolve(), output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.stem + ".running.ipynb")
    failed = output.with_name(output.stem + ".failed.ipynb")
    started = time.perf_counter()
    print(f"run: {notebook.name}: executing with papermill ...", file=log, flush=True)
    try:
        with contextlib.ExitStack() as stack:
            if pool is None:
                pool = stack.enter_context(KernelPool())
            km = pool.start(cwd=notebook.parent, env=dict(os.environ) if env is None else dict(env))
            stack.callback(pool.stop, km)
            # no cwd= here: papermill would chdir this whole process (the kernel runs in the
            # notebook's folder already), which threads running other chapters must not see
            papermill.execute_notebook(
                str(notebook), str(tmp), parameters=parameters, progress_bar=progress, log_output=False,
                kernel_name="python3", km=km, engine_name=_engine(), request_save_on_cell_execute=False,
                running_path=str(tmp),
            )
    except Exception as exc:  # noqa: BLE001 - papermill raises several types; all mean "failed"
        if tmp.exists():
            tmp.replace(failed)
        raise BuildError(_short(exc, notebook, failed)) from exc
    nb = strip_volatile(nbformat.read(tmp, as_version=4))
    if finish is not None:
        try:
            finish(nb)
        except ValueError as exc:  # TextError, FindingsError: the message names chapter and cell
            tmp.replace(failed)
            raise BuildError(f"{notebook.name}: {exc}") from None
    nbformat.write(nb, tmp)
    tmp.replace(output)
    failed.unlink(missing_ok=True)
    print(f"run: {notebook.name}: done in {time.perf_counter() - started:.1f}s -> {output}", file=log, flush=True)
    return output


def _short(exc: Exception, notebook: Path, failed: Path) -> str:
    """The failing chapter, cell, section and line (see ``spiegel.cellerror``)."""
    from spiegel.cellerror import describe_failure

    return describe_failure(exc, notebook, failed)


def _discard_partial(output: Path) -> None:
    """Remove what an interrupted papermill run leaves (its ``.running.ipynb``)."""
    from spiegel.buildstate import signals_deferred

    with signals_deferred():
        output.with_name(output.stem + ".running.ipynb").unlink(missing_ok=True)


SET_ASIDE = ".set-aside"  # in the build state: results kept while a chapter runs beside the validation


def result_files(edition: Edition, chapter: Chapter) -> list[Path]:
    """What a run of ``chapter`` writes into the build state: the executed notebook, its run record,
    partial file and failed run, the findings register."""
    from spiegel.buildstate import run_record_path
    from spiegel.chapter import findings_path

    executed = executed_path(edition, chapter)
    return [executed, run_record_path(executed), *(executed.with_name(executed.stem + f".{kind}.ipynb")
                                                   for kind in ("running", "failed")),
            findings_path(edition, chapter.id)]


def set_aside_results(edition: Edition, chapter: Chapter) -> None:
    """Move the chapter's results of an earlier run to ``<build state>/.set-aside/`` (see
    :func:`restore_results`), so a run on data not validated yet cannot lose them."""
    from spiegel.buildstate import signals_deferred

    marker = edition.build_dir / SET_ASIDE / f"{chapter.id}.running"  # see recover_set_aside
    with signals_deferred():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
        for path in result_files(edition, chapter):
            if path.exists():
                kept = edition.build_dir / SET_ASIDE / path.relative_to(edition.build_dir)
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, kept)


def restore_results(edition: Edition, chapter: Chapter) -> bool:
    """Remove what the chapter's latest run wrote and put back the results set aside before it;
    True if that run had written anything."""
    from spiegel.buildstate import signals_deferred

    with signals_deferred():
        written = False
        for path in result_files(edition, chapter):
            if path.exists():
                path.unlink()
                written = True
            kept = edition.build_dir / SET_ASIDE / path.relative_to(edition.build_dir)
            if kept.exists():
                os.replace(kept, path)
    return written


def recover_set_aside(edition: Edition) -> list[Chapter]:
    """After a build that was killed while chapters ran beside the validation (``kill -9``, a
    machine that went down): undo those runs as a failed validation would, since nobody checked
    the data they ran on; returns the chapters undone."""
    folder = edition.build_dir / SET_ASIDE
    if not folder.is_dir():
        return []
    undone = [c for c in edition.chapters if (folder / f"{c.id}.running").exists()]
    for chapter in undone:
        restore_results(edition, chapter)
    drop_set_aside(edition)
    return undone


def drop_set_aside(edition: Edition) -> None:
    """Forget the results set aside (the run they were kept for counts)."""
    shutil.rmtree(edition.build_dir / SET_ASIDE, ignore_errors=True)


def run_chapter(edition: Edition, chapter: Chapter, log=sys.stderr, progress: bool = True,
                only_if_changed: bool = False, output: Path | None = None, pool=None) -> Path:
    """Execute one chapter with the edition's parameters into ``<build state>/notebooks`` (or
    ``output``), fill its Markdown cells from the findings register the run saved, and record the
    fingerprints of the inputs it ran with (``<name>.run.json``, checked before rendering).

    ``only_if_changed``: when the executed notebook's run record names exactly the chapter's current
    inputs (``spiegel.buildstate.chapter_inputs``: its notebook, its view of the params, its data,
    its own and the shared code; e.g. another chapter's params changed, or data changed and changed
    back), do not execute again.

    ``pool``: the :class:`spiegel.kernels.KernelPool` to take the kernel from (chapters run side by
    side share one); by default one of its own, preloading what this chapter imports."""
    from spiegel.buildstate import chapter_inputs, stale_reasons, write_run_record
    from spiegel.chapter import findings_path
    from spiegel.findings import load
    from spiegel.text import fill_cells

    output = output or executed_path(edition, chapter)
    inputs = chapter_inputs(edition, chapter)  # hashed before the run: a change during it is seen next time
    if only_if_changed:
        reasons = stale_reasons(edition, chapter, output, inputs)
        if not reasons:
            print(f"run: {chapter.notebook.name}: inputs as in its last run; not executed again", file=log, flush=True)
            return output
        print(f"run: {chapter.notebook.name}: {'; '.join(reasons)}", file=log, flush=True)
    register = findings_path(edition, chapter.id)
    register.unlink(missing_ok=True)  # the text is filled from this run's register, never an old one

    def fill(nb: nbformat.NotebookNode) -> None:
        if not register.is_file():
            raise ValueError(f"chapter '{chapter.id}': the run saved no findings register ({register.name}); "
                             f"the notebook's last cell must call ch.save()")
        # the chapter's view of the params, as its notebook had it (chapter.open)
        fill_cells(nb, load(register), edition.for_chapter(chapter.id).raw, chapter=chapter.id,
                   notebook=chapter.notebook.name)

    try:
        with contextlib.ExitStack() as stack:
            if pool is None:
                from spiegel.kernels import DEFAULT_PRELOAD, KernelPool

                pool = stack.enter_context(KernelPool(DEFAULT_PRELOAD + (f"spiegel.chapters.{chapter.id}",)))
            execute(chapter.notebook, output, {"params_path": str(edition.path)}, log, progress, finish=fill,
                    pool=pool)
    except BaseException:
        _discard_partial(output)  # Ctrl-C / SIGTERM: papermill's own handling does not run
        raise
    write_run_record(edition, chapter, output, inputs)
    return output


def refresh_committed(edition: Edition, chapter: Chapter, log=sys.stderr) -> Path:
    """Re-execute a committed notebook in place, so the outputs stored in the repository (which
    nbval checks) match the current code and data.

    Only on synthetic data: the committed notebooks must never hold aggregates of real data, so this
    refuses (``BuildError``, nothing executed) unless the params say ``synthetic: true`` and every
    source's file is one ``spiegel synth`` wrote (``spiegel.synth.not_synthetic``). The notebook runs
    on exactly these params (``SPIEGEL_PARAMS``, which its parameters cell reads), whatever the
    environment or the notebook's default name."""
    from spiegel.synth import not_synthetic

    problems = not_synthetic(edition)
    if problems:
        raise BuildError("refusing to refresh the committed notebooks: their outputs are committed, so they are "
                         "only ever executed on synthetic data:\n" + "\n".join(f"  {p}" for p in problems)
                         + "\nrun it on the synthetic default: make refresh-notebooks (params with synthetic: true "
                         "and the files spiegel synth writes)")
    nb = chapter.notebook
    tmp = nb.with_name(nb.stem + ".refresh.ipynb")
    try:
        execute(nb, tmp, {}, log, env={**os.environ, "SPIEGEL_PARAMS": str(edition.path)})
        name_default_params(tmp, edition.path)
    except BaseException:
        _discard_partial(tmp)
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(nb)
    return nb


DEFAULT_PARAMS = re.compile(r'(os\.environ\.get\(\s*"SPIEGEL_PARAMS"\s*,\s*)"[^"]*"')


def name_default_params(notebook: Path, params: Path) -> None:
    """Make the parameters cell's default (``os.environ.get("SPIEGEL_PARAMS", "<path>")``) the
    params file the outputs were computed on, relative to the notebook, so that nbval, which runs
    the committed notebook on that default, compares them with results of the same edition."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    target = Path(os.path.relpath(Path(params).resolve(), notebook.resolve().parent)).as_posix()
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1 or not DEFAULT_PARAMS.search(cells[0].source):
        raise BuildError(f"{notebook.name}: no parameters cell reading SPIEGEL_PARAMS with a default "
                         f"(tag one cell 'parameters' with params_path = os.environ.get(\"SPIEGEL_PARAMS\", \"...\"))")
    cells[0].source = DEFAULT_PARAMS.sub(lambda m: f'{m.group(1)}"{target}"', cells[0].source)
    nbformat.write(nb, notebook)
