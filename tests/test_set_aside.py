"""Chapters run beside the validation: their earlier results are set aside and put back when the
validation fails or the build was killed (``spiegel.build.set_aside_results`` and friends)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spiegel.build import (
    SET_ASIDE,
    drop_set_aside,
    recover_set_aside,
    restore_results,
    result_files,
    set_aside_results,
)
from spiegel.params import load_params

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def edition(tmp_path):
    for folder in ("params", "data_contracts", "notebooks", "book"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return load_params(tmp_path / "params" / "2022.yml")


def write_results(edition, chapter, tag: str, kinds=("ipynb", "run", "findings")) -> dict[Path, str]:
    """Fake results of a run of ``chapter``, each file's text naming ``tag``."""
    executed, record, _, _, register = result_files(edition, chapter)
    files = {executed: "ipynb", record: "run", register: "findings"}
    out = {}
    for path, kind in files.items():
        if kind in kinds:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{tag} {kind}", "utf-8")
            out[path] = f"{tag} {kind}"
    return out


def present(edition, chapter) -> dict[Path, str]:
    return {p: p.read_text("utf-8") for p in result_files(edition, chapter) if p.exists()}


def test_a_failed_validation_puts_the_earlier_results_back(edition):
    first, second = edition.chapters[:2]
    earlier, other = write_results(edition, first, "earlier"), write_results(edition, second, "earlier")
    set_aside_results(edition, first)
    assert present(edition, first) == {} and present(edition, second) == other  # moved away before the run
    write_results(edition, first, "new")
    result_files(edition, first)[3].write_text("a failed run", "utf-8")
    assert restore_results(edition, first) is True
    assert present(edition, first) == earlier and present(edition, second) == other
    drop_set_aside(edition)
    assert not (edition.build_dir / SET_ASIDE).exists()


def test_a_chapter_without_earlier_results_is_left_with_none(edition):
    chapter = edition.chapters[0]
    set_aside_results(edition, chapter)
    assert restore_results(edition, chapter) is False  # the run was stopped before it wrote anything
    write_results(edition, chapter, "new", kinds=("ipynb", "findings"))
    assert restore_results(edition, chapter) is True
    assert present(edition, chapter) == {}


def test_a_killed_build_is_undone_by_the_next(edition):
    first, second, third = edition.chapters[:3]
    earlier = write_results(edition, first, "earlier")
    untouched = write_results(edition, third, "earlier")
    for chapter in (first, second):  # both ran beside the validation when the build was killed
        set_aside_results(edition, chapter)
        write_results(edition, chapter, "unvalidated")
    assert {c.id for c in recover_set_aside(edition)} == {first.id, second.id}
    assert present(edition, first) == earlier
    assert present(edition, second) == {}  # it had no earlier results: none of the unvalidated kept
    assert present(edition, third) == untouched
    assert not (edition.build_dir / SET_ASIDE).exists()
    assert recover_set_aside(edition) == []  # nothing to undo any more
    assert present(edition, first) == earlier
