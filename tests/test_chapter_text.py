"""Every chapter's text, as the build fills it: placeholders resolve, the prose lives in Markdown,
no typed numbers or result words, no sentence starts with a numeral."""

from __future__ import annotations

import io
import tokenize

import nbformat
import pytest
import yaml

from spiegel.chapter import filled_text, module_for
from spiegel.params import load_params
from spiegel.text import literal_text, numeral_sentence_starts, typed_count_words, typed_numbers, typed_wording
from conftest import PARAMS

EDITION = load_params(PARAMS)


CHAPTERS = EDITION.chapters
IDS = [c.id for c in CHAPTERS]


def _cells(chapter, kind):
    nb = nbformat.read(str(chapter.notebook), as_version=4)
    return [c.source for c in nb.cells if c.cell_type == kind]


def _exceptions(chapter_id: str) -> dict[str, list[str]]:
    """Typed phrases a chapter may keep, with the reason, from its text_exceptions.yml."""
    path = module_for(chapter_id).__file__
    from pathlib import Path

    file = Path(path).parent / "text_exceptions.yml"
    if not file.is_file():
        return {}
    raw = yaml.safe_load(file.read_text("utf-8")) or {}
    return {kind: [e["phrase"].lower() for e in entries] for kind, entries in raw.items()}


@pytest.fixture(scope="module", params=CHAPTERS, ids=IDS)
def chapter(request):
    return request.param


@pytest.fixture(scope="module")
def text(chapter):
    return filled_text(EDITION, chapter.id)


def test_every_placeholder_resolves_and_no_template_syntax_survives(text):
    joined = "\n".join(text)
    for marker in ("[[", "]]", "[%", "%]", "[#"):
        assert marker not in joined


def _code_prose(source: str) -> int:
    """Characters of prose-like string literals (two or more words) in a code cell."""
    total = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING and len(tok.string.split()) >= 3:
                total += len(tok.string)
    except tokenize.TokenError:
        pass
    for line in source.splitlines():  # captions in cell options are text too
        if line.startswith("#|") and ("-cap:" in line or "fig-alt:" in line):
            total += len(line.split(":", 1)[1])
    return total


def test_at_least_ninety_percent_of_the_prose_is_in_markdown(chapter):
    markdown = sum(len(literal_text(s)) for s in _cells(chapter, "markdown"))
    code = sum(_code_prose(s) for s in _cells(chapter, "code"))
    assert markdown / (markdown + code) >= 0.9, f"{chapter.id}: {markdown} in Markdown, {code} in code"


def test_no_number_is_typed_in_the_text(chapter):
    typed = {s[:60]: typed_numbers(s) for s in _cells(chapter, "markdown") if typed_numbers(s)}
    assert not typed


def test_no_result_word_is_typed_outside_a_choice(chapter):
    allowed = _exceptions(chapter.id).get("wording", [])
    found = [w for s in _cells(chapter, "markdown") for w in typed_wording(s) if w.lower() not in allowed]
    assert not found, f"{chapter.id}: typed result words {found}: use word/compare or [% if %] on a finding"


def test_no_count_or_share_is_written_out_by_hand(chapter):
    allowed = _exceptions(chapter.id).get("count_words", [])
    found = [w for s in _cells(chapter, "markdown") for w in typed_count_words(s) if w.lower() not in allowed]
    assert not found, f"{chapter.id}: typed count words {found}: use fraction/words/count_of"


def test_no_sentence_starts_with_a_numeral(text):
    starts = [s for cell in text for s in numeral_sentence_starts(cell)]
    assert not starts
