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
from spiegel.synth import gemeenten
from spiegel.synth.core import write_if_changed

Generator = Callable[[int, int], pd.DataFrame]

# source id -> generator(seed, edition) returning the frame for that source.
GENERATORS: dict[str, Generator] = {
    "klanten_pw": gemeenten.klanten_pw,
    "klanten_pw_trend": gemeenten.klanten_pw_trend,
    "klantmanagers_pw": gemeenten.klantmanagers_pw,
    "cbs_bijstand": gemeenten.cbs_bijstand,
    "cbs_srg_personen": lambda seed, edition: gemeenten.cbs_srg(seed, edition)[0],
    "cbs_srg_starts": lambda seed, edition: gemeenten.cbs_srg(seed, edition)[1],
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
    cache: dict[str, pd.DataFrame] = {}
    for sid in wanted:
        source = edition.sources[sid]
        started = time.perf_counter()
        if sid.startswith("cbs_srg_"):
            if "srg" not in cache:
                persons, starts = gemeenten.cbs_srg(edition.seed, edition.edition)
                cache["srg"] = {"cbs_srg_personen": persons, "cbs_srg_starts": starts}
            frame = cache["srg"][sid]
        else:
            frame = GENERATORS[sid](edition.seed, edition.edition)
        changed = write_if_changed(frame, source.path)
        state = "written" if changed else "unchanged"
        print(f"synth: {sid}: {len(frame):,} rows {state} -> {source.path.relative_to(edition.root)}"
              f" ({time.perf_counter() - started:.1f}s)", file=log)
        written[sid] = source.path
    return written
