"""Development since the previous edition: each chapter's key figures against the same figures of
the edition before, with a test that fits the design.

The params say which edition is compared with and which figures (``development``)::

    development:
      previous: 2022
      key_figures:
        gemeenten: [kan_nu_werken_klant, behoefte_zoeken_werk_klant, ...]

``spiegel.chapter.open`` computes the previous edition's register of the chapter from that
edition's own params and data files (``params/<previous>.yml``; nothing of the previous edition's
build is read or written) and registers, per key figure, a finding ``ontw_<id>`` in the chapter's
register:

- a :class:`~spiegel.findings.Comparison` (this edition ``a`` against the previous ``b``) for a
  survey share or mean with an interval: two independent samples, a z-test for shares and a Welch
  t-test for means and grades, on effective sample sizes, at this edition's alpha;
- a :class:`~spiegel.findings.Change` for a register or population figure (no sampling error);
- withheld (no value, no direction) when either edition's figure is suppressed or was not asked in
  that edition: the text then says why ("niet gevraagd in 2023").

The text names them as the list ``ontwikkeling`` (``spiegel.text``): a chapter's last section and the
book's Kerncijfers page are written over it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from scipy import stats as _st

from spiegel import stats as _stats
from spiegel.findings import Change, Comparison, Figure, Finding, Register

PREFIX = "ontw_"
DESIGN = "independent samples (two editions)"


class DevelopmentError(ValueError):
    """The comparison with the previous edition cannot be made (names the params key to edit)."""


def spec(edition: Any) -> dict[str, Any] | None:
    """The params' ``development`` section, or None when the edition compares with none."""
    return edition.raw.get("development") or None


def key_figures(edition: Any, chapter_id: str) -> list[str]:
    """The key figure ids of a chapter (``development.key_figures.<chapter>``; may be empty)."""
    return list(((spec(edition) or {}).get("key_figures") or {}).get(chapter_id) or [])


def previous_params_path(edition: Any) -> Path | None:
    """``params/<previous>.yml`` of the project, or None without a ``development`` section."""
    s = spec(edition)
    if s is None:
        return None
    return Path(edition.root) / "params" / f"{int(s['previous'])}.yml"


def previous_edition(edition: Any):
    """The previous edition's params (loaded and validated), or None."""
    from spiegel.params import load_params

    path = previous_params_path(edition)
    if path is None:
        return None
    if not path.is_file():
        raise DevelopmentError(
            f"{_shown(edition)}: development.previous: there is no params/{path.name} for edition {path.stem}; "
            f"name an edition that exists (editions: params/<year>.yml) or remove the development section")
    return load_params(path)


def previous_register(previous: Any, chapter_id: str) -> Register | None:
    """The chapter's register computed on the previous edition's params and data, or None when
    that edition has no such chapter."""
    from spiegel.chapter import module_for

    if chapter_id not in [c.id for c in previous.chapters]:
        return None
    module = module_for(chapter_id)
    view = previous.for_chapter(chapter_id)
    missing = [str(previous.sources[s].path) for s in next(c for c in previous.chapters if c.id == chapter_id).sources
               if not previous.sources[s].path.exists()]
    if missing:
        raise DevelopmentError(
            f"the comparison with edition {previous.edition} needs its data, and these files are missing: "
            f"{', '.join(missing)}; run `make data EDITION={previous.edition}` first")
    return module.findings(module.load(view))


def _shown(edition: Any) -> str:
    return edition._shown_path()  # noqa: SLF001 - the params file as its own messages name it


def _tested(f: Figure) -> bool:
    """A survey figure with an interval and effective n: a test between editions fits it."""
    return (f.unit in ("share", "mean", "grade") and f.ci_low is not None and f.ci_high is not None
            and bool(f.n_eff) and f.n_eff > 1)


def _estimate(f: Figure, confidence: float) -> _stats.Estimate:
    """The figure as an estimate, with the standard error of a mean read back from its interval."""
    est = f.estimate()
    if f.unit == "share":
        return est
    t = float(_st.t.ppf(0.5 + confidence / 2, est.n_eff - 1))
    se = (est.ci_high - est.ci_low) / (2 * t)
    return replace(est, se=se) if math.isfinite(se) else est


def register(reg: Register, previous: Register | None, ids: list[str], *, previous_year: int,
             confidence: float, where: str) -> list[Finding]:
    """Register ``ontw_<id>`` for every key figure ``id`` (see the module's docstring); returns them."""
    out: list[Finding] = []
    for fid in ids:
        cur = reg.get(fid)
        if not isinstance(cur, Figure):
            what = "is no figure" if cur is not None else "is not"
            raise DevelopmentError(f"{where}: development.key_figures.{reg.chapter}: {fid!r} {what} in the "
                                   f"chapter's findings register{reg.suggest(fid)}; name a figure it registers")
        prev = previous.get(fid) if previous is not None else None
        if isinstance(prev, Figure):
            prev = replace(prev, id=f"{PREFIX}{fid}_vorige", wave=previous_year)
        else:  # the previous edition did not ask it (an item added since)
            prev = reg.not_asked(f"{PREFIX}{fid}_vorige", label=cur.label, source=cur.source, unit=cur.unit,
                                 wave=previous_year, register=False)
        cur = replace(cur, wave=int(reg.edition))  # the sides name their edition ("25% in 2023, tegen 24% in 2022")
        did = f"{PREFIX}{fid}"
        if cur.shown and prev.shown and cur.unit != prev.unit:
            raise DevelopmentError(f"{where}: development.key_figures.{reg.chapter}: {fid!r} is a {cur.unit} in "
                                   f"edition {reg.edition} but a {prev.unit} in {previous_year}; they cannot be compared")
        if cur.shown and prev.shown and _tested(cur) and _tested(prev):
            a, b = _estimate(cur, confidence), _estimate(prev, confidence)
            test = _stats.compare_shares if cur.unit == "share" else _stats.compare_means
            result = test(a, b, alpha=reg.alpha)
            out.append(reg.comparison(did, result, a=cur, b=prev, label=cur.label, source=cur.source,
                                      section=cur.section, design=DESIGN))
        elif cur.shown and prev.shown and not prev.value:
            raise DevelopmentError(f"{where}: development.key_figures.{reg.chapter}: {fid!r} was 0 in "
                                   f"{previous_year}, so it has no relative change; leave it out")
        else:
            out.append(reg.change(did, prev, cur, label=cur.label, source=cur.source, section=cur.section))
    return out


def add_to(reg: Register, edition: Any, chapter_id: str) -> list[Finding]:
    """The chapter's developments against the previous edition, registered in ``reg`` (none when
    the params have no ``development`` section or name no key figures for the chapter)."""
    ids = key_figures(edition, chapter_id)
    if not ids:
        return []
    previous = previous_edition(edition)
    prev_reg = previous_register(previous, chapter_id)
    confidence = float((edition.raw.get("statistics") or {}).get("confidence", 0.95))
    return register(reg, prev_reg, ids, previous_year=previous.edition, confidence=confidence,
                    where=_shown(edition))


def developments(reg: Register) -> list[Finding]:
    """The ``ontw_`` findings of a register, in the order they were registered."""
    return [f for f in reg if f.id.startswith(PREFIX) and isinstance(f, (Comparison, Change))]


def previous_year(found: list[Finding]) -> int | None:
    """The previous edition's year, read from the developments' previous side."""
    for f in found:
        side = f.b if isinstance(f, Comparison) else f.before
        if side is not None and side.wave is not None:
            return int(side.wave)
    return None
