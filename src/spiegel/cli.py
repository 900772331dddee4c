"""Command line: ``spiegel synth|validate|run|render|build|deps|refresh|preview``.

Every command takes ``--params params/<edition>.yml`` (default: params/2022.yml). Errors are
reported as one clear line per problem (`spiegel: <params file>: <key>: ...`) and a non-zero exit
code, not a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from spiegel.params import ParamsError, load_params

DEFAULT_PARAMS = "params/2022.yml"


def _synth(edition, args) -> int:
    from spiegel.synth import generate

    generate(edition, args.source or None)
    return 0


def _validate(edition, args) -> int:
    from spiegel.contracts import main_validate

    return main_validate(edition.path, Path(args.out) if args.out else edition.build_dir)


def _run(edition, args) -> int:
    from spiegel.build import chapter_by_id, run_chapter

    chapters = [chapter_by_id(edition, c) for c in args.chapter] if args.chapter else edition.chapters
    for chapter in chapters:
        run_chapter(edition, chapter, progress=not args.quiet)
    return 0


def _render(edition, args) -> int:
    from spiegel.build import executed_path
    from spiegel.render import render_book

    executed = {c.id: executed_path(edition, c) for c in edition.chapters}
    missing = [str(p) for p in executed.values() if not p.exists()]
    if missing:
        print(f"spiegel render: executed chapters missing: {', '.join(missing)} (run `spiegel run` first)",
              file=sys.stderr)
        return 1
    extra = {}
    report = edition.build_dir / "validation.html"
    if report.exists():
        extra["Validatie van de brondata"] = report
    out = Path(args.out) if args.out else edition.root / "_book"
    started = time.perf_counter()
    path = render_book(edition, executed, out, renderer=args.renderer, extra_pages=extra)
    print(f"render: {args.renderer}: book written to {path} ({time.perf_counter() - started:.1f}s)", file=sys.stderr)
    return 0


def _build(edition, args) -> int:
    """Everything in order, without make's incrementality (make report is the incremental path)."""
    if edition.synthetic:
        _synth(edition, argparse.Namespace(source=None))
    status = _validate(edition, argparse.Namespace(out=None))
    if status:
        return status
    _run(edition, argparse.Namespace(chapter=None, quiet=args.quiet))
    return _render(edition, argparse.Namespace(out=args.out, renderer=args.renderer))


def _deps(edition, args) -> int:
    from spiegel.build import make_deps

    sys.stdout.write(make_deps(edition, args.params))
    return 0


def _refresh(edition, args) -> int:
    from spiegel.build import chapter_by_id, refresh_committed

    chapters = [chapter_by_id(edition, c) for c in args.chapter] if args.chapter else edition.chapters
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="spiegel", description="Build the Spiegel Bestaanszekerheid.")
    p.add_argument("--params", default=DEFAULT_PARAMS, help=f"edition params file (default {DEFAULT_PARAMS})")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write the seeded synthetic data of every source")
    s.add_argument("--source", action="append", help="only this source (repeatable)")
    s.set_defaults(func=_synth)
    v = sub.add_parser("validate", help="check every source against its data contract")
    v.add_argument("--out", help="folder for validation.{json,md,html} (default build/<edition>)")
    v.set_defaults(func=_validate)
    r = sub.add_parser("run", help="execute chapter notebooks with papermill")
    r.add_argument("--chapter", action="append", help="chapter id or notebook stem (repeatable)")
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.set_defaults(func=_run)
    for name, func, helptext in (("render", _render, "render the executed chapters into _book/"),
                                 ("build", _build, "synth (if synthetic), validate, run and render")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--out", help="output folder (default _book)")
        c.add_argument("--renderer", choices=("pandoc", "quarto"), default="pandoc",
                       help="pandoc + Typst (default) or the Quarto CLI, where installed")
        if name == "build":
            c.add_argument("--quiet", action="store_true", help="no progress bar")
        c.set_defaults(func=func)
    d = sub.add_parser("deps", help="print the build's dependencies in make syntax")
    d.set_defaults(func=_deps)
    f = sub.add_parser("refresh", help="re-execute the committed notebooks in place (their outputs are what nbval checks)")
    f.add_argument("--chapter", action="append", help="chapter id or notebook stem (repeatable)")
    f.set_defaults(func=_refresh)
    pv = sub.add_parser("preview", help="re-execute one chapter and render it to HTML (build/<edition>/preview/)")
    pv.add_argument("--chapter", required=True, help="chapter id or notebook stem")
    pv.set_defaults(func=_preview)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        edition = load_params(args.params)
        return args.func(edition, args)
    except ParamsError as exc:
        # One line per problem, each naming the params file and the key; no traceback.
        for problem in exc.problems:
            print(f"spiegel: {problem}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - known failure types print one line
        from spiegel.build import BuildError
        from spiegel.io import SourceError

        known = (BuildError, SourceError, KeyError, RuntimeError)
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
