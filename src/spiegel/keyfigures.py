"""Register of a chapter's computed key figures (id, value, CI, n, source), saved as JSON.

A chapter adds every number its text relies on, saves the register to
``build/<edition>/keyfigures/<chapter>.json`` and prints :meth:`Register.summary` in a cell
checked by nbval. The JSON is deterministic: sorted keys, floats rounded to 6 decimals,
figures in the order they were added.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from numbers import Integral, Real
from pathlib import Path
from typing import Literal, TypeVar

import pandas as pd

from spiegel import fmt
from spiegel.sdc import DisclosureError
from spiegel.stats import Estimate

Unit = Literal["share", "count", "mean", "grade"]
UNITS: tuple[str, ...] = ("share", "count", "mean", "grade")
FORMAT_VERSION = 1
_ID = re.compile(r"[A-Za-z0-9_.\-]+")
T = TypeVar("T")


@dataclass(frozen=True)
class KeyFigure:
    """One figure the text relies on. ``value`` is a share 0–1, a count, a mean or a grade."""

    id: str
    label: str
    value: float | int
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    source: str = ""
    unit: Unit = "share"
    section: str | None = None
    figure: str | None = None
    n_eff: float | None = None

    def display(self, decimals: int | None = None) -> str:
        """The value as the summary prints it: "57%", "416.000", "7,5"."""
        if self.unit == "share":
            return fmt.pct(self.value, decimals or 0)
        if self.unit == "count":
            return fmt.number(self.value, decimals or 0)
        return fmt.number(self.value, 1 if decimals is None else decimals)


COLUMNS = [f.name for f in fields(KeyFigure)]


def _num(x: object) -> float | int | None:
    """Plain Python number (numpy scalars unwrapped); None for missing."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool):
        raise TypeError("a boolean is not a key figure value")
    if isinstance(x, Integral):
        return int(x)
    if isinstance(x, Real):
        xf = float(x)
        return None if math.isnan(xf) else xf
    raise TypeError(f"not a number: {x!r}")


def _json_num(x: float | int | None) -> float | int | None:
    if isinstance(x, float):
        r = round(x, 6)
        return 0.0 if r == 0 else r
    return x


class Register:
    """The key figures of one chapter of one edition."""

    def __init__(self, chapter: str, edition: int, *, threshold: int | None = None):
        """``threshold``: refuse figures with an unweighted ``n`` below it (disclosure)."""
        self.chapter = chapter
        self.edition = int(edition)
        self.threshold = threshold
        self._figures: dict[str, KeyFigure] = {}

    # -- building
    def add(
        self,
        id: str,
        value: T,
        *,
        label: str,
        source: str,
        unit: Unit | None = None,
        n: int | None = None,
        ci_low: float | None = None,
        ci_high: float | None = None,
        section: str | None = None,
        figure: str | None = None,
    ) -> T:
        """Register ``value`` (an :class:`Estimate` or a number) under ``id``; returns ``value``
        unchanged, so ``pct(reg.add("x", share(...), ...))`` works inline.

        An Estimate brings its CI, n and n_eff, and its kind as unit (pass ``unit="grade"`` for
        a mean mark). A plain int defaults to unit "count"; a plain float needs ``unit``.
        Refuses duplicate ids, missing values, shares outside 0–1 and unknown units.
        """
        if not isinstance(id, str) or not _ID.fullmatch(id):
            raise ValueError(f"key figure id must be letters, digits, '_', '.', '-': {id!r}")
        if id in self._figures:
            raise ValueError(f"duplicate key figure id {id!r} in chapter {self.chapter!r}")
        n_eff = None
        if isinstance(value, Estimate):
            v = _num(value.value)
            ci_low = value.ci_low if ci_low is None else ci_low
            ci_high = value.ci_high if ci_high is None else ci_high
            n = value.n if n is None else n
            n_eff = value.n_eff
            unit = unit or value.kind
        else:
            v = _num(value)
            if unit is None:
                if not isinstance(v, int):
                    raise ValueError(f"{id}: pass unit= for a non-integer value")
                unit = "count"
        if v is None:
            raise ValueError(f"{id}: value is missing (suppressed or empty base?)")
        if unit not in UNITS:
            raise ValueError(f"{id}: unit must be one of {UNITS}, got {unit!r}")
        if unit == "share" and not 0 <= v <= 1:
            raise ValueError(f"{id}: a share must be between 0 and 1, got {v}")
        n_val = _num(n)
        if self.threshold is not None and n_val is not None and n_val < self.threshold:
            raise DisclosureError(f"{id}: n = {n_val} is below the threshold {self.threshold}")
        self._figures[id] = KeyFigure(
            id=id, label=label, value=v, ci_low=_num(ci_low), ci_high=_num(ci_high),
            n=None if n_val is None else int(n_val), source=source, unit=unit,
            section=section, figure=figure, n_eff=_num(n_eff))
        return value

    # -- access
    def __getitem__(self, key: str) -> KeyFigure:
        return self._figures[key]

    def __contains__(self, key: object) -> bool:
        return key in self._figures

    def __iter__(self) -> Iterator[KeyFigure]:
        return iter(self._figures.values())

    def __len__(self) -> int:
        return len(self._figures)

    def __repr__(self) -> str:
        return f"Register({self.chapter!r}, {self.edition}, {len(self)} figures)"

    def to_frame(self) -> pd.DataFrame:
        """One row per figure, in the order added; columns as :class:`KeyFigure`."""
        return pd.DataFrame([asdict(f) for f in self], columns=COLUMNS)

    def summary(self, decimals: int | None = None) -> str:
        """Short stable lines "id: 57% (n=712)" (shares whole percent, means one decimal)."""
        lines = []
        for f in self:
            n = "" if f.n is None else f" (n={f.n})"
            lines.append(f"{f.id}: {f.display(decimals)}{n}")
        return "\n".join(lines)

    # -- persistence
    def to_json(self) -> str:
        """The deterministic JSON text that :meth:`save` writes."""
        doc = {
            "format": FORMAT_VERSION,
            "chapter": self.chapter,
            "edition": self.edition,
            "figures": [{k: _json_num(v) for k, v in asdict(f).items()} for f in self],
        }
        return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``<dir>/<chapter>.json`` (or ``path`` itself if it ends in .json); atomic."""
        target = Path(path)
        if target.suffix != ".json":
            target = target / f"{self.chapter}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8", newline="\n")
        os.replace(tmp, target)
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Register:
        """Read a file written by :meth:`save`."""
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        reg = cls(doc["chapter"], doc["edition"])
        for item in doc["figures"]:
            unknown = set(item) - set(COLUMNS)
            if unknown:
                raise ValueError(f"{path}: unknown key figure fields {sorted(unknown)}")
            fig = KeyFigure(**item)
            if fig.id in reg._figures:
                raise ValueError(f"{path}: duplicate key figure id {fig.id!r}")
            reg._figures[fig.id] = fig
        return reg


def load(path: str | os.PathLike[str]) -> Register:
    """Read a chapter's key figures written by :meth:`Register.save`."""
    return Register.load(path)
