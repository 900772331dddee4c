"""What a chapter notebook does around its own content, in one call each.

The setup cell of every chapter is::

    from spiegel import chapter
    ch = chapter.open(params_path, "gemeenten")

which reads the edition's params, loads the chapter's sources through its module
(``spiegel.chapters.<id>``: ``load(edition)``), computes the findings register
(``findings(data)``, with the key figures' development since the previous edition,
``spiegel.development``) and switches charts to static SVG. The edition it hands the chapter is the
chapter's view of the params (``Edition.for_chapter``): another chapter's ``analysis`` section,
a source the chapter does not list and another chapter's notebook are refused with a
``ChapterScopeError`` naming the key, so the build's fingerprint of the chapter's inputs
(``spiegel.buildstate.chapter_inputs``) cannot miss what it read. Code cells then use ``ch.data`` /
``ch.module`` for tables and charts; Markdown cells name findings by id. The notebook's last
cell is ``ch.save()``, which writes the register where the build fills the text from it and
prints the summary nbval checks.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from spiegel.findings import Register
from spiegel.params import Edition, load_params, resolve_path


def findings_path(edition: Edition, chapter_id: str) -> Path:
    """Where a chapter's findings register is saved for an edition."""
    return edition.build_dir / "findings" / f"{chapter_id}.json"


def module_for(chapter_id: str) -> ModuleType:
    """The analysis module of a chapter (``spiegel.chapters.<id>``)."""
    try:
        return importlib.import_module(f"spiegel.chapters.{chapter_id}")
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"chapter '{chapter_id}' has no analysis module: create src/spiegel/chapters/{chapter_id}/") from exc


@dataclass
class Session:
    """One chapter of one edition, as its notebook sees it."""

    chapter_id: str
    edition: Edition
    module: ModuleType
    data: Any
    findings: Register

    def __getitem__(self, key: str):
        return self.findings[key]

    @property
    def threshold(self) -> int:
        return self.edition.disclosure_threshold

    def save(self) -> Path:
        """Save the register for the text and print its summary (the nbval-checked output)."""
        path = self.findings.save(findings_path(self.edition, self.chapter_id))
        print(self.findings.summary())
        return path


def open(params_path: str | Path, chapter_id: str) -> Session:  # noqa: A001 - reads as chapter.open
    """Set a chapter up: its view of the params, data, findings register, static charts."""
    from spiegel import charts

    from spiegel import development

    charts.enable()  # first: vl-convert starts in the background while the data loads
    edition = load_params(params_path).for_chapter(chapter_id)
    module = module_for(chapter_id)
    data = module.load(edition)
    register = module.findings(data)
    development.add_to(register, edition, chapter_id)  # against the previous edition, where params say so
    return Session(chapter_id, edition, module, data, register)


def filled_text(edition: Edition, chapter_id: str, data: Any = None) -> list[str]:
    """The chapter's Markdown cells filled from a register computed on ``data`` (default: the
    edition's data) without executing the notebook — for tests that change the data and check
    that the wording follows."""
    import nbformat

    from spiegel.text import fill_cells

    module = module_for(chapter_id)
    scoped = edition.for_chapter(chapter_id)  # also when `edition` already is the chapter's
    own = next(c for c in scoped.raw["chapters"] if c.get("id") == chapter_id)
    notebook = resolve_path(scoped.root, own["notebook"])
    data = module.load(scoped) if data is None else data
    nb = nbformat.read(str(notebook), as_version=4)
    fill_cells(nb, module.findings(data), scoped.raw, chapter=chapter_id, notebook=notebook.name)
    return [c.source for c in nb.cells if c.cell_type == "markdown"]
