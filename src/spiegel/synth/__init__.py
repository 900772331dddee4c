"""Seeded synthetic microdata for every source of an edition (the embedded default).

``generate(edition)`` writes each source file the edition's params name; the same seed gives
byte-identical files. Files whose bytes would not change are not rewritten, so an unchanged
regeneration invalidates nothing downstream.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from spiegel.params import Edition
from spiegel.chapters.gemeenten import synth as gemeenten
from spiegel.synth import uwv, wsp
from spiegel.synth.core import write_if_changed

Generator = Callable[[int, int], pd.DataFrame]

# source id -> generator(seed, edition) returning the frame for that source. Each chapter's
# synthetic module exports its own GENERATORS; list it here.
GENERATORS: dict[str, Generator] = {
    **gemeenten.GENERATORS,
    **uwv.GENERATORS,
    **wsp.GENERATORS,
}


def generate(edition: Edition, sources: list[str] | None = None, log=sys.stderr) -> dict[str, Path]:
    """Write the synthetic file of every source (or of ``sources``); returns source → path."""
    if not edition.synthetic:
        raise RuntimeError(
            f"{edition.path.name} sets synthetic: false — its sources are real data and are never overwritten"
        )
    wanted = sources or list(edition.sources)
    unknown = [s for s in wanted if s not in GENERATORS]
    if unknown:
        raise KeyError(f"no synthetic generator for: {', '.join(unknown)}")
    written: dict[str, Path] = {}
    for sid in wanted:
        source = edition.sources[sid]
        started = time.perf_counter()
        frame = GENERATORS[sid](edition.seed, edition.edition)
        changed = write_if_changed(frame, source.path)
        state = "written" if changed else "unchanged"
        print(f"synth: {sid}: {len(frame):,} rows {state} -> {_shown(source.path, edition.root)}"
              f" ({time.perf_counter() - started:.1f}s)", file=log, flush=True)
        written[sid] = source.path
    return written


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
