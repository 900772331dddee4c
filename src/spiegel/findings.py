"""The findings register: the one interface between a chapter's analysis and its text.

A chapter's module computes every result its text states and registers it here; the chapter's
Markdown cells refer to the results by id (see :mod:`spiegel.text`). The register is saved per
chapter as JSON (``docs/findings.md`` documents the format) and is read again to fill in the
text, by the Samenvatting, by the edition comparison and by reviewers.

Kinds of finding:

- :class:`Figure` — a share, count, mean or grade with its interval, n, n_eff, source and unit;
- :class:`Comparison` — two figures, their difference, the test used, p-value, significance at
  the edition's alpha and the direction of the difference;
- :class:`Trend` — one figure over waves, with the trend test;
- :class:`Count` — k of n units ("achttien van de vierendertig regio's");
- :class:`Change` — a relative change between two figures (register data, no sampling error);
  the direction is "gelijk" within the edition's tolerance;
- :class:`Ranking` — figures ordered by value (the largest group comes first).

Disclosure control lives here, where numbers become findings: a figure resting on fewer than
the edition's ``disclosure_threshold`` units is registered as *suppressed* — its value, interval
and n are not stored at all — and every comparison, trend, change or ranking that involves it is
suppressed too: no direction is ever claimed between suppressed values, and nothing stops the
build. The text shows the suppression mark with the reason instead.

A finding the edition cannot give because its data did not ask the question (an item dropped from
a survey, or not yet asked) is registered with :meth:`Register.not_asked`: it is withheld like a
suppressed one (no value, ``.shown`` false) and carries ``not_asked``, the edition's year, so the
text says "niet gevraagd in <year>" instead of a number. Whatever involves it (a comparison,
trend, change or ranking) is withheld for the same reason.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar, Literal

from spiegel import stats as _stats
from spiegel.stats import Estimate

FORMAT_VERSION = 2
UNITS: tuple[str, ...] = ("share", "count", "mean", "grade")
Unit = Literal["share", "count", "mean", "grade"]
#: A finding id is a Python/Jinja identifier, so the text can write ``[[ kan_nu_werken | pct ]]``.
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class FindingsError(ValueError):
    """A finding cannot be registered or read (bad id, duplicate, wrong kind, bad file)."""


def _num(x: object) -> float | int | None:
    """Plain Python number (numpy scalars unwrapped); None for missing or NaN."""
    if x is None or (type(x).__name__ == "NAType"):
        return None
    if isinstance(x, bool):
        raise FindingsError("a boolean is not a number")
    if isinstance(x, Integral):
        return int(x)
    if isinstance(x, Real):
        xf = float(x)
        return None if math.isnan(xf) else xf
    raise FindingsError(f"not a number: {x!r}")


def _json_num(x: Any) -> Any:
    if isinstance(x, float):
        if math.isinf(x):
            return None
        r = round(x, 6)
        return 0.0 if r == 0 else r
    return x


def suppression_reason(threshold: int) -> str:
    """Why a figure is not shown, as the text says it."""
    return f"minder dan {threshold} waarnemingen"


def not_asked_reason(year: int) -> str:
    """Why a figure the edition did not ask is not shown, as the text says it."""
    return f"niet gevraagd in {year}"


# --------------------------------------------------------------------------------------------
# kinds


@dataclass(frozen=True)
class Finding:
    """What every finding has: an id, a label, a source and where it is used."""

    id: str
    label: str = ""
    source: str = ""
    section: str | None = None
    suppressed: bool = False
    reason: str | None = None
    #: The edition (year) whose data did not ask the question: the finding is withheld
    #: (``suppressed``, no value) and the text says "niet gevraagd in <year>". None: it was asked.
    not_asked: int | None = None

    kind: ClassVar[str] = "finding"

    @property
    def shown(self) -> bool:
        """False when disclosure control withholds the finding, or the edition did not ask it."""
        return not self.suppressed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "not_asked" and value is None:
                continue  # only written when set: registers of asked findings keep their bytes
            if isinstance(value, Finding):
                value = value.to_dict()
            elif isinstance(value, tuple) and value and isinstance(value[0], Finding):
                value = [v.to_dict() for v in value]
            out[f.name] = _json_num(value)
        return out


@dataclass(frozen=True)
class Figure(Finding):
    """A share (0–1), count, mean or grade. Suppressed figures carry no value, CI or n."""

    unit: Unit = "share"
    value: float | int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    n_eff: float | None = None
    figure: str | None = None
    wave: int | None = None

    kind: ClassVar[str] = "figure"

    def estimate(self) -> Estimate:
        """The figure as a :class:`~spiegel.stats.Estimate` (for tests on registered values)."""
        if self.suppressed or self.value is None:
            raise FindingsError(f"{self.id}: suppressed, it has no value")
        nan = float("nan")
        return Estimate(float(self.value), nan if self.ci_low is None else self.ci_low,
                        nan if self.ci_high is None else self.ci_high, self.n or 0,
                        float(self.n_eff if self.n_eff is not None else (self.n or 0)),
                        "share" if self.unit == "share" else "mean")


Direction = Literal["higher", "lower", "equal"]


@dataclass(frozen=True)
class Comparison(Finding):
    """Figure ``a`` against figure ``b``: ``diff = a − b``, tested with ``test``.

    ``direction`` is the sign of the difference ("higher", "lower", "equal"); ``significant``
    says whether the test rejects equality at ``alpha``. Wording must use both: a direction
    without significance is "niet significant verschillend". ``design`` says how the test fits
    the design ("independent samples", "paired (same respondents)", …).
    """

    a: Figure | None = None
    b: Figure | None = None
    diff: float | None = None
    test: str = ""
    design: str = ""
    statistic: float | None = None
    p_value: float | None = None
    alpha: float = 0.05
    significant: bool | None = None
    direction: Direction | None = None

    kind: ClassVar[str] = "comparison"

    @property
    def higher(self) -> bool:
        return bool(self.significant) and self.direction == "higher"

    @property
    def lower(self) -> bool:
        return bool(self.significant) and self.direction == "lower"


TrendDirection = Literal["up", "down", "flat"]


@dataclass(frozen=True)
class Trend(Finding):
    """One figure over waves (oldest first), with a trend test over all of them.

    ``direction``: "up"/"down" when the trend is significant (and agrees with the net change),
    else "flat". ``change`` is last wave minus first.
    """

    waves: tuple[Figure, ...] = ()
    change: float | None = None
    test: str = ""
    statistic: float | None = None
    p_value: float | None = None
    alpha: float = 0.05
    significant: bool | None = None
    direction: TrendDirection | None = None

    kind: ClassVar[str] = "trend"

    @property
    def first(self) -> Figure:
        return self.waves[0]

    @property
    def last(self) -> Figure:
        return self.waves[-1]

    @property
    def earlier(self) -> tuple[Figure, ...]:
        return self.waves[:-1]


@dataclass(frozen=True)
class Count(Finding):
    """``k`` of ``n`` units (regions, gemeenten): exact counts, no sampling error."""

    k: int | None = None
    n: int | None = None

    kind: ClassVar[str] = "count"

    @property
    def value(self) -> float | None:
        return None if self.k is None or not self.n else self.k / self.n


@dataclass(frozen=True)
class Change(Finding):
    """The relative change from ``before`` to ``after`` (register figures: no sampling error).

    ``direction`` is "flat" when ``|relative| <= tolerance`` (the edition's params), else
    "up"/"down".
    """

    before: Figure | None = None
    after: Figure | None = None
    relative: float | None = None
    absolute: float | None = None
    tolerance: float = 0.0
    direction: TrendDirection | None = None

    kind: ClassVar[str] = "change"


@dataclass(frozen=True)
class Ranking(Finding):
    """Figures ordered by value, largest first (``items[0]`` is the largest group)."""

    items: tuple[Figure, ...] = ()

    kind: ClassVar[str] = "ranking"

    @property
    def first(self) -> Figure:
        return self.items[0]

    @property
    def last(self) -> Figure:
        return self.items[-1]


KINDS: dict[str, type[Finding]] = {k.kind: k for k in (Figure, Comparison, Trend, Count, Change, Ranking)}


def _from_dict(item: Mapping[str, Any], where: str) -> Finding:
    item = dict(item)
    kind = item.pop("kind", None)
    cls = KINDS.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise FindingsError(f"{where}: unknown finding kind {kind!r} (known: {', '.join(KINDS)})")
    names = {f.name for f in fields(cls)}
    unknown = set(item) - names
    if unknown:
        raise FindingsError(f"{where}: unknown fields {sorted(unknown)} for a {kind}")
    for key in ("a", "b", "before", "after"):
        if isinstance(item.get(key), Mapping):
            item[key] = _from_dict(item[key], where)
    for key in ("waves", "items"):
        if key in item:
            item[key] = tuple(_from_dict(x, where) for x in item[key])
    return cls(**item)


def _withheld_why(figs: Iterable[Finding], default: str) -> dict[str, Any]:
    """``reason`` (and ``not_asked``) of a finding built on ``figs`` of which one is withheld: a
    side the edition did not ask makes the whole finding "niet gevraagd", else ``default``."""
    for f in figs:
        if f.not_asked is not None:
            return {"reason": f.reason or not_asked_reason(f.not_asked), "not_asked": f.not_asked}
    return {"reason": default}


# --------------------------------------------------------------------------------------------
# the register


@dataclass
class Register:
    """The findings of one chapter of one edition, in the order they were added.

    ``threshold``: figures on fewer unweighted units are suppressed (``None``: no disclosure
    check, for counts of organisations such as regions). ``alpha``: significance level of every
    test. ``tolerance``: the relative change still called "gelijk" for :meth:`add_change`.
    """

    chapter: str
    edition: int
    threshold: int | None = None
    alpha: float = 0.05
    tolerance: float = 0.0
    _items: dict[str, Finding] = field(default_factory=dict, repr=False)

    # -- adding
    def _put(self, finding: Finding) -> Finding:
        if not isinstance(finding.id, str) or not _ID.fullmatch(finding.id):
            raise FindingsError(
                f"finding id must be letters, digits and '_' (not starting with a digit): {finding.id!r}")
        if finding.id in self._items:
            raise FindingsError(f"duplicate finding id {finding.id!r} in chapter {self.chapter!r}")
        self._items[finding.id] = finding
        return finding

    def _small(self, n: float | None) -> bool:
        return self.threshold is not None and n is not None and n < self.threshold

    def _suppressed_reason(self) -> str:
        return suppression_reason(self.threshold or 0)

    def figure(
        self,
        id: str,
        value: Estimate | float | int,
        *,
        label: str = "",
        source: str = "",
        unit: Unit | None = None,
        n: int | None = None,
        section: str | None = None,
        figure: str | None = None,
        wave: int | None = None,
        register: bool = True,
    ) -> Figure:
        """A figure from an :class:`Estimate` (brings CI, n, n_eff and its kind; pass
        ``unit="grade"`` for a mark) or a number (an int defaults to unit "count"; pass ``n``
        when it counts persons, so disclosure control can check it). Below the threshold the
        figure is stored suppressed. ``register=False`` builds the figure without adding it
        (for the sides of a comparison or the waves of a trend)."""
        ci_low = ci_high = n_eff = None
        if isinstance(value, Estimate):
            v = _num(value.value)
            ci_low, ci_high, n_eff = _num(value.ci_low), _num(value.ci_high), _num(value.n_eff)
            n = value.n if n is None else n
            unit = unit or value.kind
        else:
            v = _num(value)
            if unit is None:
                if not isinstance(v, int):
                    raise FindingsError(f"{id}: pass unit= for a non-integer value")
                unit = "count"
        if unit not in UNITS:
            raise FindingsError(f"{id}: unit must be one of {UNITS}, got {unit!r}")
        n_val = _num(n)
        if self._small(n_val) or (n_val == 0):
            fig = Figure(id=id, label=label, source=source, section=section, suppressed=True,
                         reason=self._suppressed_reason() if n_val else "geen waarnemingen",
                         unit=unit, figure=figure, wave=wave)
        else:
            if v is None:
                raise FindingsError(f"{id}: value is missing")
            if unit == "share" and not 0 <= v <= 1:
                raise FindingsError(f"{id}: a share must be between 0 and 1, got {v}")
            fig = Figure(id=id, label=label, source=source, section=section, unit=unit, value=v,
                         ci_low=ci_low, ci_high=ci_high, n=None if n_val is None else int(n_val),
                         n_eff=n_eff, figure=figure, wave=wave)
        return self._put(fig) if register else fig  # type: ignore[return-value]

    def not_asked(
        self,
        id: str,
        *,
        label: str = "",
        source: str = "",
        unit: Unit = "share",
        section: str | None = None,
        figure: str | None = None,
        wave: int | None = None,
        register: bool = True,
    ) -> Figure:
        """A figure the edition's data cannot give because the question was not asked in it (an
        item dropped from, or not yet in, the survey): withheld like a suppressed figure — no
        value, CI or n, ``.shown`` false — with ``not_asked`` the edition's year, so every filter
        prints "niet gevraagd in <year>" and every finding built on it is withheld likewise.
        ``register=False`` builds it without adding it (a side or a wave)."""
        if unit not in UNITS:
            raise FindingsError(f"{id}: unit must be one of {UNITS}, got {unit!r}")
        year = int(self.edition) if wave is None else int(wave)
        fig = Figure(id=id, label=label, source=source, section=section, suppressed=True,
                     reason=not_asked_reason(year), not_asked=year, unit=unit, figure=figure, wave=wave)
        return self._put(fig) if register else fig  # type: ignore[return-value]

    def _side(self, x: Figure | Estimate | str, id: str, label: str, source: str) -> Figure:
        if isinstance(x, str):
            got = self[x]
            if not isinstance(got, Figure):
                raise FindingsError(f"{id}: {x!r} is a {got.kind}, not a figure")
            return got
        if isinstance(x, Figure):
            return x
        return self.figure(id, x, label=label, source=source, register=False)

    def comparison(
        self,
        id: str,
        result: _stats.Comparison,
        *,
        label: str = "",
        a_label: str = "",
        b_label: str = "",
        source: str = "",
        section: str | None = None,
        design: str = "independent samples",
        a: Figure | str | None = None,
        b: Figure | str | None = None,
    ) -> Comparison:
        """Register a tested comparison (from :mod:`spiegel.stats`). ``a``/``b`` may name
        figures already registered (the text then shows the same numbers); otherwise the
        comparison's own estimates are stored with ``a_label``/``b_label``. Suppressed when
        either side rests on fewer than the threshold."""
        fa = self._side(a if a is not None else result.a, f"{id}_a", a_label, source)
        fb = self._side(b if b is not None else result.b, f"{id}_b", b_label, source)
        if fa.suppressed or fb.suppressed:
            return self._put(Comparison(id=id, label=label, source=source, section=section, suppressed=True,
                                        **_withheld_why((fa, fb), self._suppressed_reason()), a=fa, b=fb,
                                        test=result.test,
                                        design=design, alpha=result.alpha))  # type: ignore[return-value]
        diff, p = _num(result.diff), _num(result.p_value)
        sig = p is not None and p < self.alpha  # at the edition's alpha, whatever the caller used
        direction: Direction = "equal" if not diff else ("higher" if diff > 0 else "lower")
        return self._put(Comparison(
            id=id, label=label, source=source, section=section, a=fa, b=fb, diff=diff, test=result.test,
            design=design, statistic=_num(result.statistic), p_value=p, alpha=self.alpha,
            significant=sig, direction=direction))  # type: ignore[return-value]

    def trend(
        self,
        id: str,
        waves: Sequence[tuple[int, Estimate | Figure]],
        *,
        label: str = "",
        source: str = "",
        section: str | None = None,
        result: _stats.Comparison | None = None,
    ) -> Trend:
        """Register a series (oldest wave first). The test is the Cochran–Armitage trend test
        over all waves (:func:`spiegel.stats.trend`, scores = wave years) unless ``result`` is
        given. Suppressed when any wave is."""
        figs = tuple(
            replace(w, wave=year) if isinstance(w, Figure) else
            self.figure(f"{id}_{year}", w, label=f"{label} ({year})", source=source, wave=year, register=False)
            for year, w in waves)
        if len(figs) < 2:
            raise FindingsError(f"{id}: a trend needs at least two waves")
        if any(f.suppressed for f in figs):
            return self._put(Trend(id=id, label=label, source=source, section=section, suppressed=True,
                                   **_withheld_why(figs, self._suppressed_reason()), waves=figs,
                                   alpha=self.alpha))  # type: ignore
        if result is None:
            result = _stats.trend([f.estimate() for f in figs], [float(f.wave) for f in figs], alpha=self.alpha)
        change = _num(result.diff)
        p = _num(result.p_value)
        # stats.trend is significant only when the trend agrees with the net change
        sig = bool(result.significant) and p is not None and p < self.alpha
        direction: TrendDirection = "flat" if not sig else ("up" if change > 0 else "down")
        return self._put(Trend(
            id=id, label=label, source=source, section=section, waves=figs, change=change, test=result.test,
            statistic=_num(result.statistic), p_value=p, alpha=self.alpha, significant=sig,
            direction=direction))  # type: ignore[return-value]

    def count(self, id: str, k: int, n: int, *, label: str = "", source: str = "",
              section: str | None = None) -> Count:
        """``k`` of ``n`` units (organisations, not persons: no disclosure threshold)."""
        k_, n_ = _num(k), _num(n)
        if not isinstance(k_, int) or not isinstance(n_, int) or not 0 <= k_ <= n_:
            raise FindingsError(f"{id}: a count needs whole numbers 0 <= k <= n, got {k!r} of {n!r}")
        return self._put(Count(id=id, label=label, source=source, section=section, k=k_, n=n_))  # type: ignore

    def change(self, id: str, before: Figure | str, after: Figure | str, *, label: str = "",
               source: str = "", section: str | None = None, tolerance: float | None = None) -> Change:
        """The relative change ``after / before − 1`` between two registered figures."""
        fb, fa = self._side(before, id, "", source), self._side(after, id, "", source)
        tol = self.tolerance if tolerance is None else tolerance
        if fb.suppressed or fa.suppressed:
            return self._put(Change(id=id, label=label, source=source, section=section, suppressed=True,
                                    **_withheld_why((fb, fa), self._suppressed_reason()), before=fb, after=fa,
                                    tolerance=tol))  # type: ignore[return-value]
        if not fb.value:
            raise FindingsError(f"{id}: the base figure {fb.id!r} is zero; no relative change")
        rel = fa.value / fb.value - 1
        direction: TrendDirection = "flat" if abs(rel) <= tol else ("up" if rel > 0 else "down")
        return self._put(Change(id=id, label=label, source=source, section=section, before=fb, after=fa,
                                relative=rel, absolute=fa.value - fb.value, tolerance=tol,
                                direction=direction))  # type: ignore[return-value]

    def ranking(self, id: str, items: Iterable[Figure | str], *, label: str = "", source: str = "",
                section: str | None = None) -> Ranking:
        """Figures from the largest value down. Suppressed figures cannot be ranked: if any
        is suppressed the ranking is suppressed."""
        figs = tuple(self._side(x, id, "", source) for x in items)
        if not figs:
            raise FindingsError(f"{id}: a ranking needs at least one figure")
        if any(f.suppressed for f in figs):
            return self._put(Ranking(id=id, label=label, source=source, section=section, suppressed=True,
                                     **_withheld_why(figs, self._suppressed_reason()), items=figs))  # type: ignore
        ordered = tuple(sorted(figs, key=lambda f: -float(f.value)))  # stable for ties
        return self._put(Ranking(id=id, label=label, source=source, section=section,
                                 items=ordered))  # type: ignore[return-value]

    # -- access
    def __getitem__(self, key: str) -> Finding:
        try:
            return self._items[key]
        except KeyError:
            raise FindingsError(f"no finding {key!r} in chapter {self.chapter!r}{self.suggest(key)}") from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def suggest(self, key: str) -> str:
        """"; nearest: a, b" for a misspelt id (empty when nothing is close)."""
        near = difflib.get_close_matches(key, list(self._items), n=3, cutoff=0.6)
        return f"; nearest: {', '.join(near)}" if near else ""

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[Finding]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def of_kind(self, kind: type[Finding]) -> list[Finding]:
        return [f for f in self if isinstance(f, kind)]

    # -- output
    def summary(self) -> str:
        """Short stable lines for the nbval-checked cell: "id: 57% (n=712)", "id: higher*"."""
        from spiegel import fmt

        lines = []
        for f in self:
            if f.not_asked is not None:
                lines.append(f"{f.id}: {not_asked_reason(f.not_asked)}")
            elif f.suppressed:
                lines.append(f"{f.id}: suppressed")
            elif isinstance(f, Figure):
                shown = fmt.pct(f.value) if f.unit == "share" else fmt.number(f.value, 0 if f.unit == "count" else 1)
                lines.append(f"{f.id}: {shown}" + ("" if f.n is None else f" (n={f.n})"))
            elif isinstance(f, Comparison):
                lines.append(f"{f.id}: {f.direction}{'*' if f.significant else ''}")
            elif isinstance(f, Trend):
                lines.append(f"{f.id}: {f.direction}")
            elif isinstance(f, Count):
                lines.append(f"{f.id}: {f.k}/{f.n}")
            elif isinstance(f, Change):
                lines.append(f"{f.id}: {fmt.pct(f.relative)} {f.direction}")
            elif isinstance(f, Ranking):
                lines.append(f"{f.id}: " + " > ".join(i.id for i in f.items))
        return "\n".join(lines)

    def to_json(self) -> str:
        doc = {
            "format": FORMAT_VERSION,
            "chapter": self.chapter,
            "edition": self.edition,
            "threshold": self.threshold,
            "alpha": self.alpha,
            "tolerance": self.tolerance,
            "findings": [f.to_dict() for f in self],
        }
        return json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``<dir>/<chapter>.json`` (or ``path`` itself if it ends in .json), atomically."""
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
        """Read a file written by :meth:`save` (refuses other formats and unknown fields)."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise FindingsError(f"cannot read findings register {path}: {exc}") from exc
        if doc.get("format") != FORMAT_VERSION:
            raise FindingsError(f"{path}: findings format {doc.get('format')!r}, expected {FORMAT_VERSION}")
        reg = cls(doc["chapter"], doc["edition"], threshold=doc.get("threshold"), alpha=doc.get("alpha", 0.05),
                  tolerance=doc.get("tolerance", 0.0))
        for item in doc["findings"]:
            reg._put(_from_dict(item, str(path)))
        return reg


def load(path: str | os.PathLike[str]) -> Register:
    """Read a chapter's findings register written by :meth:`Register.save`."""
    return Register.load(path)
