"""Opt-in renderer: hand the executed notebooks to the Quarto CLI (``renderer="quarto"``).

Quarto cannot be installed on the build machines (see docs), so this path is only exercised where a
``quarto`` binary is on PATH. It stages ``_quarto.yml`` (project root) + the executed notebooks +
a generated ``index.qmd`` in a temporary folder, fills in the edition-specific parts of the config,
runs ``quarto render`` into the stage's ``book/`` and moves that into place (the edition's
``_book/<edition>/``, or the folder the caller names) like the default renderer does.

The pages around the chapters (``book:`` in the params) are filled as for the default renderer and
staged as Markdown chapters before and after the notebooks, with the bibliography in the config.
Known differences with the default renderer: Quarto numbers book chapters by position (1, 2, ...),
not by ``Chapter.number``; extra pages are copied next to the site and linked from the title page
only. This path is not exercised where there is no Quarto CLI (as on the build machines).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from spiegel.render.book import (
    _pub_date, colofon_paragraphs, dutch_date, pdf_name, swap_into_place, sweep_leftovers, temp_sibling,
    write_manifest,
)
from spiegel.render.errors import RenderError
from spiegel.render.notebook import prepare_chapter


def _index_qmd(edition: Any, extras: list[tuple[str, str]], notice: str | None = None) -> str:
    lines = ["---", f"title: {json.dumps(edition.title, ensure_ascii=False)}", "---", ""]
    publisher = edition.raw.get("publisher")
    if publisher:
        lines.append(f"**{publisher}** · {dutch_date(_pub_date(edition))}\n")
    if notice:  # some source is synthetic (spiegel.render.provenance)
        lines.append(f"::: {{.callout-warning}}\n{notice}\n:::\n")
    if extras:
        lines.append("## Bijlagen {.unnumbered}\n")
        lines.extend(f"- [{title}]({href})" for title, href in extras)
        lines.append("")
    lines.append("## Colofon {.unnumbered}\n")
    lines.extend(p + "\n" for p in colofon_paragraphs(edition))
    return "\n".join(lines)


def render_quarto(edition: Any, executed: dict[str, Path], out_dir: Path,
                  extra_pages: dict[str, Path] | None = None, manifest: dict | None = None) -> Path:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise RenderError("renderer 'quarto': no 'quarto' on PATH — Quarto CLI not found; "
                          "use the default renderer (renderer='pandoc')")
    base_cfg = Path(edition.root) / "_quarto.yml"
    if not base_cfg.is_file():
        raise RenderError(f"the Quarto renderer needs {base_cfg}")
    config = yaml.safe_load(base_cfg.read_text(encoding="utf-8")) or {}

    # the same gate as the default renderer: a chapter with an error output is never published
    numbers = {c.id: c.number for c in edition.chapters}
    for chapter_id, path in executed.items():
        prepare_chapter(Path(path), chapter_id, numbers.get(chapter_id, 0))

    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="spiegel-quarto-") as stage_name:
        stage = Path(stage_name)
        from spiegel.render.book import _around

        around = _around(edition)  # the pages around the chapters, filled as for the default renderer
        for fp in around:
            (stage / f"{fp.stem}.md").write_text(fp.markdown, encoding="utf-8")
        chapters = ["index.qmd", *(f"{fp.stem}.md" for fp in around if fp.part == "front")]
        for chapter_id, path in executed.items():
            path = Path(path)
            if not path.is_file():
                raise RenderError(f"chapter '{chapter_id}': executed notebook not found: {path}")
            shutil.copyfile(path, stage / path.name)
            chapters.append(path.name)
        chapters += [f"{fp.stem}.md" for fp in around if fp.part == "back"]
        bibliography = edition.book_file("bibliography")
        if bibliography is not None:
            shutil.copyfile(bibliography, stage / bibliography.name)
            config["bibliography"] = bibliography.name
        extras: list[tuple[str, str]] = []
        for title, path in (extra_pages or {}).items():
            extras.append((str(title), Path(path).name))
        from spiegel.render.colophon import colophon_data

        notice = colophon_data(edition, manifest)["notice"]
        (stage / "index.qmd").write_text(_index_qmd(edition, extras, notice), encoding="utf-8")

        book = config.setdefault("book", {})
        book["title"] = edition.title
        if edition.raw.get("publisher"):
            book["author"] = edition.raw["publisher"]
        if edition.raw.get("publication_date"):
            book["date"] = str(edition.raw["publication_date"])
        book["chapters"] = chapters
        book["output-file"] = pdf_name(edition).removesuffix(".pdf")
        # Quarto writes into the stage; the caller's folder (the edition's _book/<edition>/) gets it after
        config.setdefault("project", {})["output-dir"] = "book"
        (stage / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                                           encoding="utf-8")

        proc = subprocess.run([quarto, "render", str(stage)], cwd=stage, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RenderError(f"quarto render failed: {(proc.stderr or proc.stdout).strip()[-4000:]}")
        result = stage / "book"
        if not result.is_dir():
            raise RenderError("quarto render produced no book folder (project.output-dir)")
        for (_, name), path in zip(extras, (extra_pages or {}).values()):
            shutil.copyfile(path, result / name)

        sweep_leftovers(out_dir)
        tmp = temp_sibling(out_dir, "tmp")
        tmp.rmdir()
        try:
            shutil.copytree(result, tmp)
            write_manifest(tmp, manifest)
            swap_into_place(tmp, out_dir)
        except RenderError:
            raise
        except Exception as exc:
            raise RenderError(f"could not move the Quarto output into {out_dir}: {exc}") from exc
        finally:  # also on Ctrl-C and SIGTERM
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
