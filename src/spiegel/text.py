"""The chapters' prose: Markdown cells with placeholders, filled in from the findings register.

A chapter's Markdown cells are Jinja2 templates with delimiters that clash with neither pandoc,
Quarto nor Jupyter Markdown::

    [[ kan_nu_werken_klant | pct ]]                 a value: "12%"
    [[ cmp_zoeken_geslacht | word("vaker", "minder vaak", "even vaak") ]]
    [% if cmp_zoeken_geslacht.significant %] … [% else %] … [% endif %]
    [# a comment for editors, never published #]

After papermill has executed a chapter (which saves its register), :func:`fill_cells` renders
every Markdown cell against the register and writes the filled text into the executed notebook,
so the executed notebook, the default render and the Quarto opt-in all show the same text. The
template stays in the cell's metadata (``spiegel.template``).

Everything that can go wrong stops the build with a :class:`TextError` naming chapter, cell and
section: an unknown finding id (with the nearest known ids), a filter applied to the wrong kind of
finding, a number typed in the prose instead of a placeholder. A suppressed finding renders as the
suppression mark with its reason; no filter ever reveals its value or claims a direction.

``docs/text.md`` lists every filter with examples.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import jinja2
import jinja2.meta
import jinja2.nodes
import nbformat

from spiegel import fmt
from spiegel.findings import Change, Comparison, Count, Figure, Finding, Ranking, Register, Trend, not_asked_reason
from spiegel.sdc import SUPPRESSED_MARK

#: Where the unfilled template of a filled Markdown cell is kept.
METADATA_KEY = "spiegel"


class TextError(ValueError):
    """A chapter's text cannot be filled in (unknown id, wrong filter, typed number, syntax)."""


# --------------------------------------------------------------------------------------------
# suppression and kind checks


def withheld(f: Finding) -> str:
    """What the text shows instead of a suppressed finding: the mark and why; for a finding the
    edition did not ask, that phrase alone ("niet gevraagd in 2023")."""
    if f.not_asked is not None:
        return f.reason or not_asked_reason(f.not_asked)
    return f"{SUPPRESSED_MARK} (niet getoond: {f.reason or 'te weinig waarnemingen'})"


def _name(x: Any) -> str:
    if isinstance(x, Finding):
        return f"'{x.id}' (a {x.kind}{'' if not isinstance(x, Figure) else ', unit ' + x.unit})"
    if isinstance(x, jinja2.Undefined):
        return "an undefined value"
    return f"{x!r} (a {type(x).__name__})"


def _need(filter_name: str, x: Any, what: str) -> TextError:
    return TextError(f"filter '{filter_name}' needs {what}; got {_name(x)}")


def _number_value(x: Any, filter_name: str, units: Iterable[str] = ("share", "count", "mean", "grade"),
                  allow_plain: bool = True) -> float | int:
    """The value behind ``x`` for a number filter (raises TextError for a wrong kind)."""
    units = tuple(units)
    if isinstance(x, Figure):
        if x.unit not in units:
            raise _need(filter_name, x, "a figure with unit " + " or ".join(units))
        return x.value  # type: ignore[return-value]
    if allow_plain and isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    raise _need(filter_name, x, "a figure with unit " + " or ".join(units)
                + (" or a plain number" if allow_plain else ""))


def _suppressed(x: Any) -> bool:
    return isinstance(x, Finding) and x.suppressed


def _guard(func: Callable[..., str]) -> Callable[..., str]:
    """Suppressed findings render as :func:`withheld`, whatever the filter."""

    def wrapped(x: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(x, jinja2.Undefined):
            x._fail_with_undefined_error()  # noqa: SLF001 - raise Jinja's own error, caught below
        if _suppressed(x):
            return withheld(x)
        return func(x, *args, **kwargs)

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


# --------------------------------------------------------------------------------------------
# filters: numbers


def f_pct(x: Any, decimals: int = 0) -> str:
    """Share as a percentage: "57%" (a share figure, a count k/n, a change, or a plain 0–1)."""
    if isinstance(x, Count):
        return fmt.pct(x.value, decimals)
    if isinstance(x, Change):
        return fmt.pct(x.relative, decimals)
    return fmt.pct(_number_value(x, "pct", ("share",)), decimals)


def f_number(x: Any, decimals: int = 0) -> str:
    """A count or mean in Dutch notation: "416.000", "7,5" (decimals=1); a Count gives k."""
    if isinstance(x, Count):
        return fmt.number(x.k, decimals)
    return fmt.number(_number_value(x, "number", ("count", "mean", "grade")), decimals)


def f_thousands(x: Any, decimals: int = 0) -> str:
    """Count in thousands: "416 dzd"."""
    return fmt.thousands(_number_value(x, "thousands", ("count",)), decimals)


def f_millions(x: Any, decimals: int = 0) -> str:
    """A count in millions: "5 miljoen", with ``decimals`` "5,2 miljoen"."""
    return f"{fmt.number(_number_value(x, 'millions', ('count',)) / 1_000_000, decimals)} miljoen"


def f_grade(x: Any) -> str:
    """A report mark or mean with one decimal: "7,5"."""
    return fmt.grade(_number_value(x, "grade", ("grade", "mean")))


def f_ci(x: Any, decimals: int = 0) -> str:
    """The 95% interval: "53–61%" (shares) or "6,8–7,4" (means)."""
    if not isinstance(x, Figure) or x.ci_low is None or x.ci_high is None:
        raise _need("ci", x, "a figure with a confidence interval")
    return fmt.ci(x.estimate(), decimals)


def f_fraction(x: Any) -> str:
    """A share in words as the report writes it: "één op de drie", "ruim de helft"."""
    if isinstance(x, Count):
        return fmt.fraction_phrase(x.value)
    return fmt.fraction_phrase(_number_value(x, "fraction", ("share",)))


def f_approx(x: Any) -> str:
    """A share rounded to 5 points with a qualifier: "circa 40%", "ruim 40%"."""
    return fmt.approx_pct(_number_value(x, "approx", ("share",)))


def f_words(x: Any) -> str:
    """A whole number 0–100 in words: "achttien" (a Count gives k; larger numbers in digits)."""
    v = x.k if isinstance(x, Count) else _number_value(x, "words", ("count",))
    if int(v) != v:
        raise _need("words", x, "a whole number")
    return fmt.words(int(v)) if 0 <= v <= 100 else fmt.number(v)


def f_count_of(x: Any) -> str:
    """k of n units: "achttien van de vierendertig"."""
    if not isinstance(x, Count):
        raise _need("count_of", x, "a count of units (k of n)")
    return fmt.count_of(x.k, x.n)  # type: ignore[arg-type]


def f_share_of(x: Any, noun: str) -> str:
    """"ruim zeven op de tien klanten (72%)", or "56% van de klanten" when no fraction fits."""
    phrase, share = f_fraction(x), f_pct(x)
    if phrase == share:
        return f"{share} van de {noun}"
    return f"{phrase} {noun} ({share})" if " op de " in phrase else f"{phrase} van de {noun} ({share})"


def f_complement(x: Any) -> Figure:
    """The rest of a share (1 − value, its interval turned round): who did *not* say so, e.g.
    ``[[ tozo.bekend_minimaregelingen | complement | fraction ]]`` for those who do not know them.
    A suppressed share stays suppressed."""
    if not isinstance(x, Figure) or x.unit != "share":
        raise _need("complement", x, "a share")
    if x.suppressed or x.value is None:
        return x
    return replace(x, value=1 - x.value, ci_low=None if x.ci_high is None else 1 - x.ci_high,
                   ci_high=None if x.ci_low is None else 1 - x.ci_low, label=f"niet: {x.label}")


def f_pp(x: Any, decimals: int = 0) -> str:
    """A difference of shares in percentage points, unsigned: "7 procentpunt"."""
    if isinstance(x, Comparison):
        v = x.diff
    elif isinstance(x, Trend):
        v = x.change
    else:
        v = _number_value(x, "pp", ())
    return fmt.pp(abs(v), decimals)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# filters: results in words


COMPARISON_WORDS = ("vaker", "minder vaak", "niet significant verschillend")
TREND_WORDS = ("gestegen", "gedaald", "gelijk gebleven")


def _values(c: Comparison, decimals: int = 0) -> str:
    fmt_one = f_pct if c.a.unit == "share" else (lambda f, d=0: fmt.number(f.value, max(d, 1)))
    fa, fb = fmt_one(c.a, decimals), fmt_one(c.b, decimals)
    extra = decimals
    while c.significant and fa == fb and extra < decimals + 2:
        extra += 1
        fa, fb = fmt_one(c.a, extra), fmt_one(c.b, extra)
    return f"{fa} tegen {fb}"


def f_values(x: Any, decimals: int = 0) -> str:
    """Both sides of a comparison: "26% tegen 19%" (a significant difference never prints as
    equal: decimals are added until it shows)."""
    if not isinstance(x, Comparison):
        raise _need("values", x, "a comparison")
    return _values(x, decimals)


def f_word(x: Any, more: str | None = None, less: str | None = None, same: str | None = None) -> str:
    """The word the result calls for. Comparison: ``more`` when a is significantly higher,
    ``less`` when significantly lower, else ``same`` (default "vaker"/"minder vaak"/"niet
    significant verschillend"). Trend or change: ``more`` up, ``less`` down, ``same`` flat
    (default "gestegen"/"gedaald"/"gelijk gebleven")."""
    if isinstance(x, Comparison):
        d = COMPARISON_WORDS
        if x.higher:
            return more or d[0]
        if x.lower:
            return less or d[1]
        return same or d[2]
    if isinstance(x, (Trend, Change)):
        d = TREND_WORDS
        return {"up": more or d[0], "down": less or d[1]}.get(x.direction, same or d[2])  # type: ignore[arg-type]
    raise _need("word", x, "a comparison, trend or change")


def f_compare(x: Any, more: str = "vaker", less: str = "minder vaak", same: str = "even vaak",
              decimals: int = 0) -> str:
    """A comparison with its values: "significant vaker (26% tegen 19%)"; not significant:
    "vaker, maar het verschil is niet significant (26% tegen 24%)"; equal as printed:
    "even vaak (25% tegen 25%)"."""
    if not isinstance(x, Comparison):
        raise _need("compare", x, "a comparison")
    values = f"({_values(x, decimals)})"
    word = more if x.direction == "higher" else less
    if x.significant:
        return f"significant {word} {values}"
    fa, fb = values[1:-1].split(" tegen ")
    if x.direction == "equal" or fa == fb:
        return f"{same} {values}"
    return f"{word}, maar het verschil is niet significant {values}"


def f_series(x: Any, decimals: int = 0) -> str:
    """The waves of a trend: "48% in 2014, 45% in 2017 en 40% in 2019"."""
    if not isinstance(x, Trend):
        raise _need("series", x, "a trend")
    parts = [f"{f_pct(w, decimals) if w.unit == 'share' else fmt.number(w.value, 1)} in {w.wave}"
             for w in x.waves]
    return join_nl(parts)


def join_nl(items: Sequence[Any], last: str = "en") -> str:
    """"a, b en c"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def f_labels(x: Any, lower: bool = True) -> list[str]:
    """The labels of a ranking's figures (or a list of figures), in order."""
    items = x.items if isinstance(x, Ranking) else x
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, Figure) for i in items):
        raise _need("labels", x, "a ranking or a list of figures")
    return [(i.label[:1].lower() + i.label[1:]) if lower else i.label for i in items]


def f_capitalize(text: Any) -> str:
    """Sentence-initial capital, Dutch style ("één" → "Eén"); a leading percentage or whole
    number is written out, since no sentence starts with a numeral: "15% van …" → "Vijftien
    procent van …"."""
    text = str(text)
    m = re.match(r"^(\d+)(%| procent)?(?=\s|$|[,.;:)])", text)
    if m and int(m.group(1)) <= 100:
        word = fmt.words(int(m.group(1)))
        rest = text[m.end():]
        text = word + (" procent" if m.group(2) else "") + rest
    return fmt.capitalize(text)


def f_month(period: Any) -> str:
    """A ``YYYY-MM`` month in words: "maart 2020"."""
    return fmt.month(str(period))


def f_month_name(period: Any) -> str:
    """Only the month of a ``YYYY-MM`` period: "maart"."""
    return fmt.month(str(period)).split()[0]


# --------------------------------------------------------------------------------------------
# filters: development since the previous edition (spiegel.development)


def _development_sides(x: Any, filter_name: str) -> tuple[Figure, Figure]:
    """(this edition's figure, the previous edition's) of an ``ontw_`` finding."""
    from spiegel.development import PREFIX

    if isinstance(x, Comparison) and x.id.startswith(PREFIX):
        return x.a, x.b  # type: ignore[return-value]
    if isinstance(x, Change) and x.id.startswith(PREFIX):
        return x.after, x.before  # type: ignore[return-value]
    raise _need(filter_name, x, "a development since the previous edition (an ontw_ finding)")


def _figure_value(f: Figure) -> str:
    if f.unit == "share":
        return fmt.pct(f.value)
    if f.unit == "count":
        return fmt.number(f.value)
    return fmt.grade(f.value)


def _development_verdict(x: Finding) -> str:
    """In words: what the comparison says (never a direction without a test that carries it)."""
    if isinstance(x, Comparison):
        return "significant hoger" if x.higher else "significant lager" if x.lower else "geen significant verschil"
    change = {"up": "gestegen", "down": "gedaald", "flat": "vrijwel gelijk gebleven"}[x.direction]  # type: ignore[attr-defined]
    return f"{change} (een registercijfer, zonder steekproefonzekerheid)"


def f_development(x: Any) -> str:
    """One key figure against the previous edition: "Zoekt actief naar werk: 20% in 2023, tegen 24%
    in 2022; significant lager." Withheld: "…: niet gevraagd in 2023; geen vergelijking mogelijk."."""
    now, before = _development_sides(x, "ontwikkeling_zin")
    label = fmt.capitalize(x.label or now.label)
    if x.suppressed:
        return f"{label}: {x.reason}; geen vergelijking mogelijk."
    return (f"{label}: {_figure_value(now)} in {now.wave}, tegen {_figure_value(before)} in {before.wave}; "
            f"{_development_verdict(x)}.")


def f_development_summary(items: Sequence[Any]) -> str:
    """How many of the survey key figures differ significantly from the previous edition, in words."""
    items = [i[1] if isinstance(i, tuple) else i for i in items]
    for i in items:
        _development_sides(i, "ontwikkeling_samenvatting")
    tested = [i for i in items if isinstance(i, Comparison) and not i.suppressed]
    significant = [i for i in tested if i.significant]
    withheld = [i for i in items if i.suppressed]
    parts = []
    if tested:
        k, n = len(significant), fmt.words(len(tested))
        if len(tested) == 1:
            parts.append("Het kerncijfer uit enquêtes dat beide edities meten, verschilt "
                         f"{'' if k else 'niet '}significant van de vorige editie")
        elif k == 0:
            parts.append(f"Geen van de {n} kerncijfers uit enquêtes die beide edities meten, verschilt significant "
                         "van de vorige editie")
        else:
            verb = "verschilt" if k == 1 else "verschillen"
            parts.append(f"Van de {n} kerncijfers uit enquêtes die beide edities meten, {verb} er {fmt.words(k)} "
                         "significant van de vorige editie")
    registers = [i for i in items if isinstance(i, Change) and not i.suppressed]
    if registers:
        parts.append(f"{fmt.words(len(registers))} {'is een registercijfer' if len(registers) == 1 else 'zijn registercijfers'}, "
                     "zonder steekproefonzekerheid")
    if withheld:
        parts.append(f"{fmt.words(len(withheld))} {'is' if len(withheld) == 1 else 'zijn'} niet in beide edities "
                     "te vergelijken")
    return fmt.capitalize("; ".join(parts) + ".") if parts else ""


def _difference(x: Finding) -> str:
    if isinstance(x, Comparison):
        diff = x.diff or 0
        shown = fmt.pp(abs(diff)) if x.a.unit == "share" else fmt.number(abs(diff), 1)  # type: ignore[union-attr]
    else:
        diff = x.relative  # type: ignore[attr-defined]
        shown = fmt.pct(abs(diff), 1)
    zero = not any(ch in "123456789" for ch in shown)  # rounds to nothing: no sign
    return shown if zero else ("+" if diff > 0 else "−") + shown


def development_rows(items: Sequence[Any]) -> tuple[list[str], list[list[str]]]:
    """The key-figure table's header and rows, as printed (the Kerncijfers page and its CSV):
    Hoofdstuk, Kerncijfer, this edition, the previous one, Verschil, Significant? (``items``:
    (chapter number, finding) pairs or findings)."""
    pairs = [i if isinstance(i, tuple) else ("", i) for i in items]
    if not pairs:
        return [], []
    first_now, first_before = _development_sides(pairs[0][1], "kerncijfertabel")
    year, previous = first_now.wave, first_before.wave
    head = ["Hoofdstuk", "Kerncijfer", str(year), str(previous), "Verschil", "Significant?"]
    rows = []
    for chapter, f in pairs:
        now, before = _development_sides(f, "kerncijfertabel")
        label = fmt.capitalize(f.label or now.label)
        if f.suppressed:
            cells = [withheld(now) if not now.shown else _figure_value(now),
                     withheld(before) if not before.shown else _figure_value(before), "", f.reason or ""]
        else:
            significant = ("ja" if f.significant else "nee") if isinstance(f, Comparison) else "registercijfer"
            cells = [_figure_value(now), _figure_value(before), _difference(f), significant]
        rows.append([chapter, label, *cells])
    return head, rows


def f_development_table(items: Sequence[Any], caption: str) -> str:
    """The key figures as a Markdown table with ``caption`` (see :func:`development_rows`)."""
    head, rows = development_rows(items)
    if not rows:
        return ""
    cells = [[c.replace("|", "/") for c in row] for row in rows]
    # pandoc gives a wide table's columns the widths of their dashes: as wide as their longest cell
    dashes = ["-" * max(3, len(h), *(len(row[j]) for row in cells)) for j, h in enumerate(head)]
    rule = [d if j in (0, 1, 5) else d[:-1] + ":" for j, d in enumerate(dashes)]  # figures right aligned
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + f"\n\n: {caption}\n"


FILTERS: dict[str, Callable[..., Any]] = {
    "pct": _guard(f_pct),
    "number": _guard(f_number),
    "thousands": _guard(f_thousands),
    "millions": _guard(f_millions),
    "grade": _guard(f_grade),
    "ci": _guard(f_ci),
    "fraction": _guard(f_fraction),
    "approx": _guard(f_approx),
    "words": _guard(f_words),
    "count_of": _guard(f_count_of),
    "share_of": _guard(f_share_of),
    "pp": _guard(f_pp),
    "values": _guard(f_values),
    "word": _guard(f_word),
    "compare": _guard(f_compare),
    "series": _guard(f_series),
    "labels": f_labels,
    "complement": f_complement,
    "join_nl": join_nl,
    "capitalize": f_capitalize,
    "month": f_month,
    "month_name": f_month_name,
    "ontwikkeling_zin": f_development,
    "ontwikkeling_samenvatting": f_development_summary,
    "kerncijfertabel": f_development_table,
}


# --------------------------------------------------------------------------------------------
# the environment


class _Undefined(jinja2.StrictUndefined):
    """Undefined names and attributes fail at once (never render as empty text)."""


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the chapters' text: ``[[ ]]``, ``[% %]``, ``[# #]``."""
    env = jinja2.Environment(
        variable_start_string="[[", variable_end_string="]]",
        block_start_string="[%", block_end_string="%]",
        comment_start_string="[#", comment_end_string="#]",
        undefined=_Undefined, autoescape=False, keep_trailing_newline=True,
        trim_blocks=False, lstrip_blocks=False,
    )
    env.filters.update(FILTERS)
    return env


ENV = environment()


@dataclass(frozen=True)
class Where:
    """Where a piece of text sits, for error messages."""

    chapter: str
    notebook: str = ""
    cell: int | None = None
    section: str = ""

    def __str__(self) -> str:
        parts = [f"chapter '{self.chapter}'" + (f" ({self.notebook})" if self.notebook else "")]
        if self.cell is not None:
            parts.append(f"cell {self.cell}")
        if self.section:
            parts.append(f"section '{self.section}'")
        return ", ".join(parts)


def context(register: Register, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What a chapter's text can name: every finding by id, ``params`` (the edition's params
    file), ``bron(...)`` (the source line of sources), ``threshold`` and ``alpha``, and
    ``ontwikkeling`` (the key figures' developments since ``vorige_editie``; empty without one)."""
    params = dict(params or {})
    sources = params.get("sources", {}) or {}

    def bron(*ids: str) -> str:
        unknown = [s for s in ids if s not in sources]
        if unknown:
            raise TextError(f"bron(): unknown source(s) {unknown}; the params name: {', '.join(sources)}")
        names = list(dict.fromkeys(sources[s]["bron"] for s in ids))
        return "Bron: " + "; ".join(names) + "."

    from spiegel import development

    ctx: dict[str, Any] = {f.id: f for f in register}
    found = development.developments(register)
    ctx.update(params=params, bron=bron, threshold=register.threshold, alpha=register.alpha,
               edition=register.edition, ontwikkeling=found, vorige_editie=development.previous_year(found))
    return ctx


def render(source: str, ctx: Mapping[str, Any], where: Where) -> str:
    """Fill one template; every failure becomes a TextError naming ``where``."""
    try:
        names = jinja2.meta.find_undeclared_variables(ENV.parse(source))
    except jinja2.TemplateSyntaxError as exc:  # also unknown filters (TemplateAssertionError)
        hint = _filter_hint(str(exc))
        raise TextError(f"{where}, line {exc.lineno}: {exc.message}{hint}") from None
    unknown = sorted(names - set(ctx) - set(ENV.globals))
    if unknown:
        findings = [k for k, v in ctx.items() if isinstance(v, Finding)]
        problems = []
        for name in unknown:
            near = difflib.get_close_matches(name, findings, n=3, cutoff=0.6)
            problems.append(f"'{name}'" + (f" (nearest known ids: {', '.join(near)})" if near else ""))
        raise TextError(f"{where}: unknown finding {'; '.join(problems)}. Register it in the chapter's "
                        f"module or correct the id in the notebook's Markdown cell")
    try:
        return ENV.from_string(source).render(**ctx)
    except TextError as exc:
        raise TextError(f"{where}: {exc}") from None
    except jinja2.UndefinedError as exc:
        raise TextError(f"{where}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise TextError(f"{where}: {exc}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        withheld_ids = sorted(n for n in names if isinstance(ctx.get(n), Finding) and ctx[n].suppressed)
        why = ("not asked in this edition" if withheld_ids and all(ctx[n].not_asked is not None for n in withheld_ids)
               else "suppressed (too few observations)")
        hint = (f" — {', '.join(withheld_ids)} {'is' if len(withheld_ids) == 1 else 'are'} {why} "
                f"and {'has' if len(withheld_ids) == 1 else 'have'} no value to compare; guard the "
                f"sentence with [% if <id>.shown %]") if withheld_ids and "None" in str(exc) else ""
        raise TextError(f"{where}: {type(exc).__name__}: {exc}{hint}") from None


def _filter_hint(message: str) -> str:
    m = re.search(r"No filter named '([^']+)'", message)
    if not m:
        return ""
    near = difflib.get_close_matches(m.group(1), list(FILTERS), n=3, cutoff=0.5)
    return f" (known filters: {', '.join(near) if near else ', '.join(sorted(FILTERS))})"


# --------------------------------------------------------------------------------------------
# typed numbers


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: Digits that are not data: cross-references (@tbl-x1) and citations ([@nibud2021, p. 4]),
#: attributes ({#id}), article numbers.
_NOT_DATA = re.compile(
    r"\[-?@[^\]\n]*\]|(?<![\w@])@[A-Za-z][\w:.\-]*|\{[^}\n]*\}|\(https?://[^)\s]+\)|https?://\S+"
    r"|\b(?:artikel|artikelen|art\.)\s+\d+[a-z]?(?:\s*(?:,|en|lid)\s*\d+[a-z]?)*"
    r"|\[\^[\w-]+\]|\b[A-Za-z]+-\d+\b",
    re.IGNORECASE,
)


def literal_text(source: str) -> str:
    """The text of a template outside its placeholders, blocks and comments."""
    try:
        tokens = ENV.lex(source)
        return "".join(value for _, kind, value in tokens if kind == "data")
    except jinja2.TemplateSyntaxError:
        return source


def typed_numbers(source: str) -> list[str]:
    """Numbers typed in a template's literal text. None may be: every number in the text comes
    from a placeholder — a finding, or a params value such as ``[[ params.waves.current ]]`` —
    so that it follows the data and the edition. Not counted: cross-references, citations, attributes,
    URLs, article numbers ("artikel 10"), footnote marks and names such as "COVID-19"."""
    text = _NOT_DATA.sub(" ", literal_text(source))
    return _NUMBER.findall(text)


# --------------------------------------------------------------------------------------------
# notebooks


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*(\{[^}]*\})?\s*$")


def _headings(text: str) -> list[str]:
    return [m.group(2) for line in text.splitlines() if (m := _HEADING.match(line))]


def fill_cells(
    nb: nbformat.NotebookNode,
    register: Register,
    params: Mapping[str, Any],
    *,
    chapter: str,
    notebook: str = "",
) -> nbformat.NotebookNode:
    """Fill every Markdown cell of ``nb`` in place; the template goes to the cell's metadata.

    Stops at the first problem with a :class:`TextError`: unknown id, wrong filter, syntax, or a
    number typed in the prose that is neither a placeholder nor a params value.
    """
    ctx = context(register, params)
    section = ""
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") == "code":
            _fill_captions(cell, ctx, Where(chapter, notebook, index, section))
            continue
        if cell.get("cell_type") != "markdown":
            continue
        meta = cell.setdefault("metadata", {})
        template = meta.get(METADATA_KEY, {}).get("template", cell.get("source", ""))
        if isinstance(template, list):
            template = "".join(template)
        heads = _headings(template)
        where = Where(chapter, notebook, index, (heads[0] if heads else section))
        typed = typed_numbers(template)
        if typed:
            raise TextError(
                f"{where}: number(s) typed in the text: {', '.join(dict.fromkeys(typed))}. Every number comes "
                f"from the findings register ([[ id | pct ]]) or from the params ([[ params.waves.current ]])")
        cell["source"] = render(template, ctx, where)
        if cell["source"] != template:
            meta[METADATA_KEY] = {"template": template}
        if heads:
            section = heads[-1]
    return nb


_CAPTION = re.compile(r"^#\|\s*(?:tbl|fig)-(?:cap|alt)\s*:")


def _fill_captions(cell: nbformat.NotebookNode, ctx: Mapping[str, Any], where: Where) -> None:
    """Captions (``#| tbl-cap:``, ``#| fig-cap:``, ``#| fig-alt:``) are text too: placeholders in
    them are filled, and numbers may not be typed there either."""
    meta = cell.setdefault("metadata", {})
    source = meta.get(METADATA_KEY, {}).get("template", cell.get("source", ""))
    if isinstance(source, list):
        source = "".join(source)
    lines = source.split("\n")
    filled = []
    for line in lines:
        if _CAPTION.match(line):
            typed = typed_numbers(line.split(":", 1)[1])
            if typed:
                raise TextError(f"{where}: number(s) typed in a caption: {', '.join(typed)}. Use a placeholder "
                                f"such as [[ params.sources.<id>.fieldwork ]]")
            line = render(line, ctx, where)
        filled.append(line)
    text = "\n".join(filled)
    if text != source:
        cell["source"] = text
        meta[METADATA_KEY] = {"template": source}


# --------------------------------------------------------------------------------------------
# house style and wording checks (run by the tests over every chapter)


#: Words that state a result. In a template they must come from a filter (``word``,
#: ``compare``) or sit inside a ``[% if %]`` on a registered result, never in plain text.
COMPARATIVES = re.compile(
    r"\b(vaker|minder vaak|even vaak|hoger|lager|groter|kleiner|gestegen|gedaald|toegenomen|afgenomen|"
    r"stijgt|daalt|steeg|daalde|positiever|negatiever|somberder|kritischer|grootste|kleinste|"
    r"significant\w*)\b", re.IGNORECASE)
_NUMBER_WORD = (r"(?:een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|\w+tien|\w*twintig|"
                r"\w*dertig|\w*veertig|\w*vijftig|\w*zestig|\w*zeventig|\w*tachtig|\w*negentig|honderd)")
#: Number words used as counts or shares: "twee op de drie", "achttien van de", "de helft".
COUNT_WORDS = re.compile(
    rf"\b{_NUMBER_WORD}\s+(?:op|van)\s+de\s+{_NUMBER_WORD}\b|\b{_NUMBER_WORD}\s+procent\b"
    rf"|\b(?:de\s+)?(?:helft|driekwart)\b|\been\s+kwart\b"
    rf"|\b(?:ruim|bijna|circa|ongeveer)\s+{_NUMBER_WORD}\b", re.IGNORECASE)


def _plain_data(node: jinja2.nodes.Node, inside_choice: bool = False) -> list[str]:
    """Literal text of a template AST outside every ``[% if %]``/``[% for %]`` block."""
    out: list[str] = []
    if isinstance(node, jinja2.nodes.TemplateData):
        return [] if inside_choice else [node.data]
    choice = inside_choice or isinstance(node, (jinja2.nodes.If, jinja2.nodes.For, jinja2.nodes.CondExpr))
    for child in node.iter_child_nodes():
        out.extend(_plain_data(child, choice))
    return out


def typed_wording(source: str) -> list[str]:
    """Result words (vaker, gestegen, de grootste, …) typed outside a result-dependent choice."""
    text = " ".join(_plain_data(ENV.parse(source)))
    return [m.group(0) for m in COMPARATIVES.finditer(text)]


def typed_count_words(source: str) -> list[str]:
    """Number words used as counts or shares ("twee op de drie", "de helft") typed in the text."""
    text = " ".join(_plain_data(ENV.parse(source)))
    return [m.group(0) for m in COUNT_WORDS.finditer(text)]


#: A sentence starts at the start of a paragraph or list item (after an opening "**"), or after . ! ?
_SENTENCE_START = re.compile(r"(?:\A\s*|(?<=[.!?])\s+|^\s*(?:[-*+]|\d+\.)\s+)(?:\*\*\s*)?(?=\d)", re.MULTILINE)


def numeral_sentence_starts(text: str) -> list[str]:
    """Sentences of filled text that begin with a numeral (house style: write "Een kwart",
    "Vijftien procent", or rephrase). Headings and notes under tables are not prose."""
    hits = []
    for para in re.split(r"\n\s*\n", text):
        if re.match(r"\s*(#|:::|\|)", para):
            continue
        for m in _SENTENCE_START.finditer(para):
            hits.append(para[m.end():m.end() + 60].split("\n")[0])
    return hits
