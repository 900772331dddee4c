"""Command line: ``spiegel build|synth|validate|run|render|publish|verify|lock|refresh|preview|new-edition|review``.

Every command takes ``--params params/<edition>.yml`` (default: the newest edition, the highest
``params/<year>.yml`` of the project; its book is ``_book/<edition>/``). Errors are
reported as one clear line per problem (`spiegel: <params file>: <key>: ...`) and a non-zero exit
code, not a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from spiegel.params import ParamsError, default_params, load_params

DEFAULT_PARAMS = "the newest edition's params/<year>.yml"


def _locked(edition, command: str):
    """The edition's build lock (already held when make runs us through ``spiegel lock``)."""
    from spiegel.buildstate import edition_lock

    return edition_lock(edition, f"spiegel {command}")


def _synth(edition, args) -> int:
    from spiegel.synth import generate

    with _locked(edition, "synth"):
        generate(edition, args.source or None)
    return 0


def _validate(edition, args) -> int:
    from spiegel.buildstate import current_inputs, gate_problems, write_gate
    from spiegel.contracts import main_validate

    out = Path(args.out) if args.out else edition.build_dir
    with _locked(edition, "validate"):
        inputs = current_inputs(edition)  # what this validation is about, hashed before it reads
        if getattr(args, "if_changed", False) and out == edition.build_dir and not gate_problems(edition, inputs):
            print("spiegel validate: data, contracts and params are those of the last validation, "
                  "which passed; not validated again", file=sys.stderr)
            return 0
        status = main_validate(edition.path, out)
        write_gate(edition, inputs, status == 0, out)
    return status


def _run(edition, args) -> int:
    from spiegel.build import chapter_by_id, run_chapter

    chapters = [chapter_by_id(edition, c) for c in args.chapter] if args.chapter else edition.chapters
    with _locked(edition, "run"):
        for chapter in chapters:
            run_chapter(edition, chapter, progress=not args.quiet, only_if_changed=args.if_changed)
    return 0


def _executed(edition) -> dict[str, Path]:
    from spiegel.build import executed_path

    return {c.id: executed_path(edition, c) for c in edition.chapters}


def _book_dir(edition, args) -> Path:
    return Path(args.out) if getattr(args, "out", None) else edition.book_dir


def _write_book(edition, args, *, only_if_stale: bool) -> None:
    """Render into the book folder, after checking the gate and the chapters' run records."""
    from spiegel.buildstate import publishable, read_manifest
    from spiegel.render import render_book

    executed = _executed(edition)
    out = _book_dir(edition, args)
    manifest = publishable(edition, executed, args.renderer)
    if only_if_stale and read_manifest(out) == manifest:
        return  # the book already is the book of exactly this state
    extra = {"Validatie van de brondata": edition.build_dir / "validation.html"}
    started = time.perf_counter()
    path = render_book(edition, executed, out, renderer=args.renderer, extra_pages=extra, manifest=manifest)
    print(f"render: {args.renderer}: book written to {path} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)


def _ready(edition, args, verified: bool = False) -> int:
    """Print "publication ready" only after checking the book's manifest against the files now
    (``verified``: ``spiegel build`` has just done so)."""
    from spiegel.buildstate import shown_path, verify_book
    from spiegel.render import pdf_name

    out = _book_dir(edition, args)
    if not verified:
        verify_book(edition, _executed(edition), out, args.renderer)
    try:
        shown = out.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        shown = out.resolve()
    print(f"spiegel: publication ready in {shown}/ (index.html, {pdf_name(edition)}), "
          f"built from {shown_path(edition.path, edition.root)}")
    return 0


def _render(edition, args) -> int:
    with _locked(edition, "render"):
        _write_book(edition, args, only_if_stale=False)
    return 0


def _publish(edition, args) -> int:
    """``make report``'s last step: render unless the book already matches, then verify it."""
    with _locked(edition, "publish"):
        _write_book(edition, args, only_if_stale=True)
        return _ready(edition, args)


def _verify(edition, args) -> int:
    return _ready(edition, args)


def _build(edition, args) -> int:
    """``make report``: every step that is not up to date, chapters side by side, then verify."""
    import os

    from spiegel.pipeline import build

    command = os.environ.get("SPIEGEL_COMMAND") or f"spiegel build --until {args.until}"
    book = build(edition, until=args.until, renderer=args.renderer, out=Path(args.out) if args.out else None,
                 jobs=args.jobs, command=command)
    return _ready(edition, args, verified=True) if book is not None else 0


def _lock(edition, args) -> int:
    from spiegel.buildstate import run_locked

    command = list(args.command_line)
    if command[:1] == ["--"]:
        command = command[1:]
    return run_locked(edition, command)


def _refresh(edition, args) -> int:
    from spiegel.build import chapter_by_id, refresh_committed

    chapters = [chapter_by_id(edition, c) for c in args.chapter] if args.chapter else edition.chapters
    with _locked(edition, "refresh"):
        for chapter in chapters:
            refresh_committed(edition, chapter)
    return 0


def _preview(edition, args) -> int:
    """Validate, execute one chapter and render it to HTML beside the last build's other chapters."""
    from spiegel.build import chapter_by_id, executed_path, run_chapter
    from spiegel.render import render_book

    chapter = chapter_by_id(edition, args.chapter)
    status = _validate(edition, argparse.Namespace(out=None))
    if status:
        return status
    folder = edition.build_dir / "preview"
    notebook = run_chapter(edition, chapter, progress=False, output=folder / chapter.notebook.name)
    # Other chapters as last built (so Tabel/Figuur numbers are right), where they exist.
    executed = {c.id: notebook if c.id == chapter.id else executed_path(edition, c) for c in edition.chapters}
    executed = {cid: path for cid, path in executed.items() if path.exists()}
    book = render_book(edition, executed, folder / "book")
    page = book / f"{chapter.notebook.stem}.html"
    print(f"preview: chapter {chapter.number} ({chapter.id}) -> {page}", file=sys.stderr)
    print(page)
    return 0


def _new_edition(args) -> int:
    """``spiegel new-edition <year>``: params/<year>.yml from the newest earlier edition (or --from)."""
    from spiegel.newedition import new_edition

    target, source, marked = new_edition(args.year, args.from_year)
    root = target.parent.parent
    shown, was = target.relative_to(root).as_posix(), source.relative_to(root).as_posix()
    print(f"spiegel: {shown} written from {was}; fill in the {len(marked)} values marked \"FILL IN\" "
          f"(every command refuses the file while one is left):", file=sys.stderr)
    for key in marked:
        print(f"  {key}", file=sys.stderr)
    print(f"then: make report EDITION={args.year} (the book: _book/{args.year}/)", file=sys.stderr)
    return 0


def _review(args) -> int:
    """``spiegel review --from <year> --to <year>``: the reviewer's overview between two built
    editions (``spiegel.review``); exit code 2, naming the ``make report`` to run, when one is not built."""
    from spiegel.params import project_root
    from spiegel.review import ReviewError, review, summary_lines, write

    root = project_root()
    try:
        result = review(root, args.from_year, args.to_year)
        paths = write(root, result, Path(args.out) if args.out else None)
    except ReviewError as exc:
        for line in str(exc).splitlines():
            print(f"spiegel review: {line}", file=sys.stderr)
        return 2
    print(f"spiegel review: editions {result.old} -> {result.new}:")
    for line in summary_lines(result):
        print(f"  {line}")
    for kind in ("html", "md", "json"):
        try:
            shown = paths[kind].relative_to(Path.cwd().resolve())
        except ValueError:
            shown = paths[kind]
        print(f"  {kind}: {shown}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spiegel", description="Build the Spiegel Bestaanszekerheid.")
    p.add_argument("--params", default=None, help=f"edition params file (default: {DEFAULT_PARAMS})")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write the seeded synthetic data of every source")
    s.add_argument("--source", action="append", help="only this source (repeatable)")
    s.set_defaults(func=_synth)
    v = sub.add_parser("validate", help="check every source against its data contract")
    v.add_argument("--out", help="folder for validation.{json,md,html} (default: the params file's build state)")
    v.add_argument("--if-changed", action="store_true",
                   help="not again if the last validation, which passed, was of exactly the current inputs")
    v.set_defaults(func=_validate)
    r = sub.add_parser("run", help="execute chapter notebooks with papermill")
    r.add_argument("--chapter", action="append", help="chapter id or notebook stem (repeatable)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument("--if-changed", action="store_true",
                   help="not again if the chapter's last run was from exactly the current inputs")
    r.set_defaults(func=_run)
    for name, func, helptext in (("render", _render, "render the executed chapters into _book/<edition>/"),
                                 ("build", _build, "what make report runs: every step not up to date "
                                                   "(synth, validate, chapters side by side, render)")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--out", help="output folder (default _book/<edition>)")
        c.add_argument("--renderer", choices=("pandoc", "quarto"), default="pandoc",
                       help="pandoc + Typst (default) or the Quarto CLI, where installed")
        if name == "build":
            from spiegel.pipeline import UNTIL

            c.add_argument("--until", choices=UNTIL, default="report",
                           help="the last step: data, validate, chapters or report (default)")
            c.add_argument("--jobs", type=int, default=None, metavar="N",
                           help="chapters executed at a time (default: the machine's cores)")
        c.set_defaults(func=func)
    for name, func, helptext in (
            ("publish", _publish, "render unless _book/<edition>/ already is the book of the current state, then verify"),
            ("verify", _verify, "check that _book/<edition>/manifest.json matches the current params, data and code")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--out", help="book folder (default _book/<edition>)")
        c.add_argument("--renderer", choices=("pandoc", "quarto"), default="pandoc",
                       help="the renderer the book must have been made with")
        c.set_defaults(func=func)
    lk = sub.add_parser("lock", help="run a command holding the edition's build lock (spiegel lock -- make report)")
    lk.add_argument("command_line", nargs=argparse.REMAINDER, help="the command to run")
    lk.set_defaults(func=_lock)
    f = sub.add_parser("refresh", help="re-execute the committed notebooks in place (their outputs are what nbval checks)")
    f.add_argument("--chapter", action="append", help="chapter id or notebook stem (repeatable)")
    f.set_defaults(func=_refresh)
    pv = sub.add_parser("preview", help="re-execute one chapter and render it to HTML (build/<edition>/preview/)")
    pv.add_argument("--chapter", required=True, help="chapter id or notebook stem")
    pv.set_defaults(func=_preview)
    ne = sub.add_parser("new-edition", help="start an edition: params/<year>.yml from the newest earlier one, "
                                            "with what must be filled in marked (never over an existing file)")
    ne.add_argument("year", type=int, help="the new edition's year")
    ne.add_argument("--from", dest="from_year", type=int, default=None,
                    help="the edition to start from (default: the newest before <year>)")
    ne.set_defaults(func=_new_edition, without_params=True)
    rv = sub.add_parser("review", help="a reviewer's overview of what moved between two built editions "
                                       "(_book/review-<from>-<to>.html and .md)")
    rv.add_argument("--from", dest="from_year", type=int, default=None,
                    help="the older edition (default: the one before --to)")
    rv.add_argument("--to", dest="to_year", type=int, default=None, help="the newer edition (default: the newest)")
    rv.add_argument("--out", default=None,
                    help="an .html file or a folder (default: _book/review-<from>-<to>.html, outside both books)")
    rv.set_defaults(func=_review, without_params=True)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from spiegel.buildstate import install_signal_handlers

    install_signal_handlers()  # SIGTERM cleans up like Ctrl-C does
    try:
        if getattr(args, "without_params", False):
            return args.func(args)
        edition = load_params(args.params if args.params is not None else default_params())
        return args.func(edition, args)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"spiegel {args.command}: interrupted ({signal.Signals(signum).name}); temporary files "
              "removed, the book left as it was", file=sys.stderr)
        return 128 + signum
    except ParamsError as exc:
        # One line per problem, each naming the params file and the key; no traceback.
        for problem in exc.problems:
            print(f"spiegel: {problem}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - known failure types print one line
        from spiegel.build import BuildError
        from spiegel.buildstate import StateError
        from spiegel.io import SourceError

        known = (BuildError, StateError, SourceError, KeyError, RuntimeError)
        try:
            from spiegel.render import RenderError
            known = (*known, RenderError)
        except ImportError:
            pass
        if isinstance(exc, known):
            for line in str(exc).splitlines() or [type(exc).__name__]:
                print(f"spiegel {args.command}: {line}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
