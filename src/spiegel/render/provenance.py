"""Which sources of an edition are synthetic, decided per file by its content.

A source is **synthetic** when its data file is what ``spiegel synth`` wrote: the sha256 of its
bytes is one of the versions recorded in ``data/.synthetic-manifest.json`` (see
:mod:`spiegel.synth`). Any other file is **real** (``echt``): real data, but also a synthetic file
edited by hand, which the generator did not write. The params' ``synthetic:`` flag only says
whether ``spiegel synth`` may write the data; it does not decide what the publication says about
them, so pointing one source at real data while the others stay synthetic keeps the notice, and
names the synthetic ones.

The hashes come from the book's manifest (``spiegel.buildstate``), so the files are not read again.
A version is recognised wherever the file now lies (a synthetic file copied out of ``data/`` is
still synthetic). When the synthetic-data manifest cannot be read, the params' flag decides for
every source.

The notices are Dutch and short: :func:`banner` (every HTML page, every PDF page) and
:func:`notice` (the title page).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spiegel.buildstate import ABSENT


def synthetic_hashes(edition: Any) -> set[str] | None:
    """Every sha256 ``spiegel synth`` recorded for any file, or None when its manifest is unreadable."""
    from spiegel.synth import SynthError, written_sha256s

    try:
        return set(written_sha256s(edition))
    except SynthError:
        return None


def synthetic_sources(edition: Any, hashes: Mapping[str, str]) -> dict[str, bool]:
    """Source id -> whether its file is synthetic, for the sources of ``hashes`` (source id ->
    sha256 of its file, as in the manifest's ``data``), in the params' order."""
    written = synthetic_hashes(edition)
    order = [sid for sid in edition.sources if sid in hashes] + [sid for sid in hashes if sid not in edition.sources]
    if written is None:
        return {sid: bool(edition.synthetic) for sid in order}
    return {sid: hashes[sid] != ABSENT and hashes[sid] in written for sid in order}


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def banner(synthetic: Mapping[str, bool]) -> str | None:
    """The one-line notice on every page, or None when no source is synthetic."""
    names = [sid for sid, is_synthetic in synthetic.items() if is_synthetic]
    if not names:
        return None
    if len(names) == len(synthetic):
        return "Deze editie is gebouwd op synthetische data — de cijfers zijn niet echt."
    which = "bron" if len(names) == 1 else "bronnen"
    return f"Deze editie bevat synthetische data ({which} {_listed(names)}) — die cijfers zijn niet echt."


def notice(synthetic: Mapping[str, bool]) -> str | None:
    """The notice on the title page (cover), or None when no source is synthetic."""
    names = [sid for sid, is_synthetic in synthetic.items() if is_synthetic]
    if not names:
        return None
    if len(names) == len(synthetic):
        return "Deze editie is gebouwd op synthetische data. De cijfers zijn niet echt en mogen niet worden geciteerd."
    which = f"de bron {names[0]} is" if len(names) == 1 else f"de bronnen {_listed(names)} zijn"
    return (f"Deze editie bevat synthetische data: {which} synthetisch. Cijfers uit "
            f"{'die bron' if len(names) == 1 else 'die bronnen'} zijn niet echt en mogen niet worden geciteerd.")
