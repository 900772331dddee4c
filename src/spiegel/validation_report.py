"""The data-validation report as the publication shows it (``validation.html``), in Dutch.

Written by :meth:`spiegel.contracts.EditionResult.to_html` and published as the page "Validatie
van de brondata" of the site (the renderer keeps the ``<style>`` block and puts the body in the
site's layout), so it is styled with the site's colours and type where it sits there, and stands
alone in ``build/<edition>/<state>/`` as well.

Order: the verdict; the failures first, one block per failing rule with dataset (bron), column,
rule, number of offending rows and examples (row numbers, values — never identifier values or
open answers, see :mod:`spiegel.contracts`); a short overview of the sources; then per source the
passing rules summarised by kind of rule (which columns), folded away in a ``<details>``.
Files are named relative to the project (as ``SourceResult.path`` has them); any absolute path
that a message might still hold is cut to its file name.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from typing import TYPE_CHECKING

from spiegel import fmt
from spiegel.io import scrub_paths

if TYPE_CHECKING:
    from spiegel.contracts import EditionResult, RuleResult, SourceResult

#: Dutch names of the kinds of rule (expectation types and our custom checks).
RULE_NL: dict[str, str] = {
    "file_readable": "bestand leesbaar",
    "expect_table_columns_to_match_set": "precies de afgesproken kolommen",
    "expect_table_row_count_to_be_between": "aantal rijen binnen de grenzen",
    "expect_table_row_count_to_equal": "precies het afgesproken aantal rijen",
    "expect_column_values_to_not_be_null": "geen lege waarden",
    "expect_column_values_to_be_null": "leeg waar het moet",
    "expect_column_values_to_be_of_type": "juist gegevenstype",
    "expect_column_values_to_be_in_type_list": "juist gegevenstype",
    "expect_column_values_to_be_unique": "unieke waarden",
    "expect_compound_columns_to_be_unique": "unieke combinaties",
    "expect_column_values_to_match_regex": "juiste schrijfwijze",
    "expect_column_values_to_be_in_set": "alleen toegestane codes",
    "expect_column_distinct_values_to_equal_set": "precies de afgesproken codes",
    "expect_column_values_to_be_between": "waarden binnen het bereik",
    "expect_column_unique_value_count_to_be_between": "aantal verschillende waarden binnen de grenzen",
    "expect_column_sum_to_be_between": "som binnen de grenzen",
    "expect_column_value_lengths_to_be_between": "lengte binnen de grenzen",
    "expect_column_pair_values_a_to_be_greater_than_b": "de ene kolom groter dan de andere",
    "custom:references": "verwijst naar een bestaande rij in een andere bron",
    "custom:columns_sum_to": "kolommen tellen op tot het totaal",
    "custom:parts_sum_to_total": "delen tellen op tot het totaal",
    "custom:parts_sum_to_total_by": "delen tellen per groep op tot het totaal",
    "custom:values_in_params": "waarden zoals de params ze noemen",
    "custom:values_cover_params": "alle waarden die de params noemen zijn er",
    "custom:month_matches_params": "maand zoals in de params",
    "custom:months_cover_params_periods": "maanden dekken de perioden uit de params",
    "custom:months_span_params": "maanden beslaan het veldwerk uit de params",
    "custom:years_match_params": "jaren zoals in de params",
    "custom:periods_follow_on": "perioden sluiten op elkaar aan",
    "custom:no_personal_data": "geen persoonsgegevens in open antwoorden",
}

COLUMN_NL = {"(file)": "(bestand)", "(table)": "(tabel)"}

CSS = """
.sp-validation { --ok: #1a7f37; --bad: #b42318; --line: #e3e3e3; max-width: 58rem; }
.sp-validation h1 { margin-top: 0; }
.sp-validation .sp-val-verdict { font-weight: bold; font-size: 1.1rem; padding: .7rem 1rem; border-radius: 4px;
  border-left: 6px solid var(--ok); background: #eef7f0; color: #124d22; max-width: none; }
.sp-validation .sp-val-verdict.sp-val-failed { border-left-color: var(--bad); background: #fdecea; color: #7a1a12; }
.sp-validation .sp-val-failure { border: 1px solid #e8b4ae; border-left: 6px solid var(--bad); border-radius: 4px;
  padding: .6rem 1rem; margin: 1rem 0; }
.sp-validation .sp-val-failure h3 { margin: .2rem 0 .5rem; font-size: 1.05rem; overflow-wrap: anywhere; }
.sp-validation dl { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
.sp-validation dt { font-weight: bold; }
.sp-validation dd { margin: 0; overflow-wrap: anywhere; }
.sp-validation table { border-collapse: collapse; width: 100%; font-size: .9rem; table-layout: auto; }
.sp-validation th, .sp-validation td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
.sp-validation td.sp-num, .sp-validation th.sp-num { text-align: right; white-space: nowrap; }
.sp-validation code { font-size: .85em; overflow-wrap: anywhere; }
.sp-validation details { border-bottom: 1px solid var(--line); padding: .4rem 0; }
.sp-validation summary { cursor: pointer; }
.sp-validation .sp-val-fail-mark { color: var(--bad); font-weight: bold; }
.sp-validation .sp-val-ok-mark { color: var(--ok); font-weight: bold; }
.sp-validation ul.sp-val-kinds { margin: .4rem 0 .4rem 1rem; padding: 0; }
.sp-validation ul.sp-val-kinds li { max-width: none; }
.sp-validation .sp-val-muted { color: #595959; font-size: .9em; }
.sp-validation caption { text-align: left; }
@media (max-width: 40rem) {
  .sp-validation .sp-val-file { display: none; }
  .sp-validation table { font-size: .78rem; }
  .sp-validation th, .sp-validation td { padding: .3rem .25rem; }
  .sp-validation dl { grid-template-columns: 1fr; gap: 0; }
  .sp-validation dd { margin-bottom: .35rem; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _count(n: int | None) -> str:
    return "" if n is None else f"{n:,}".replace(",", ".")


def _plural(n: int, one: str, many: str) -> str:
    return f"{_count(n)} {one if n == 1 else many}"


def rule_nl(rule: RuleResult) -> str:
    """The Dutch name of a rule's kind, with the contract's own name where it says more."""
    return RULE_NL.get(rule.rule, rule.rule_name or rule.rule)


def column_nl(column: str) -> str:
    return COLUMN_NL.get(column, column)


def verdict(result: EditionResult) -> str:
    n_rules = sum(len(s.rules) for s in result.sources)
    n_sources = len(result.sources)
    if result.ok:
        return (f"Alle controles geslaagd: {_plural(n_rules, 'controle', 'controles')} in "
                f"{_plural(n_sources, 'bron', 'bronnen')}.")
    bad = [s.dataset for s in result.sources if not s.ok]
    return (f"Validatie mislukt: {_count(len(result.failures))} van de {_plural(n_rules, 'controle', 'controles')} "
            f"niet voldaan, in {_count(len(bad))} van de {_plural(n_sources, 'bron', 'bronnen')} "
            f"({', '.join(bad)}). Er is niets gepubliceerd uit deze data.")


def _examples(rule: RuleResult, source: SourceResult) -> str:
    """Row numbers (file lines for CSV), values, and for a cross-check what params and data say
    (as HTML)."""
    parts = []
    if rule.rows:
        csv = source.path.lower().endswith((".csv", ".txt"))
        one, many = ("regel", "regels") if csv else ("rij", "rijen")
        where = " van het bestand" if csv else ""
        parts.append(_e(f"{one if len(rule.rows) == 1 else many} {', '.join(str(r) for r in rule.rows)}{where}"))
    if rule.values:
        parts.append("waarden: " + ", ".join(f"<code>{_e(v)}</code>" for v in rule.values))
    if rule.params_key:
        parts.append(f"params <code>{_e(rule.params_key)}</code>: {_e(rule.params_value)}; "
                     f"data: {_e(rule.data_value)}")
    return "; ".join(parts) or "–"


def _value_nl(value: object) -> str:
    """A number in Dutch notation (``1.234``, ``0,5``), anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    decimals = 0 if float(value).is_integer() else min(6, len(repr(float(value)).split(".")[1]))
    return fmt.number(value, decimals)


def _expected_nl(expected: dict) -> str:
    if "type_" in expected:
        return f"gegevenstype <code>{_e(expected['type_'])}</code>"
    if "type_list" in expected:
        return "gegevenstype " + " of ".join(f"<code>{_e(t)}</code>" for t in expected["type_list"])
    if "value" in expected:
        return _e(_value_nl(expected["value"]))
    lo, hi = (_e(_value_nl(expected[k])) if k in expected else None for k in ("min_value", "max_value"))
    return f"tussen {lo} en {hi}" if lo and hi else f"minstens {lo}" if lo else f"hoogstens {hi}"


#: The fixed problems :func:`spiegel.io.read_table` names, in Dutch (the others hold a line number
#: or a library's words and stay as the technical message).
FILE_PROBLEMS_NL = {
    "file not found": "Het bestand bestaat niet: zet het op de plek die het params-bestand noemt.",
    "file is empty": "Het bestand is leeg.",
    "file holds no header": "Het bestand heeft geen kopregel met kolomnamen.",
    "not declared in the params file": "De bron staat niet in het params-bestand.",
}


def explanation(rule: RuleResult) -> str | None:
    """What a failed rule found, in Dutch (HTML), where the result says it in fields; None where
    the number of rows and the examples say it all, or only the (English) technical message can."""
    if rule.rule == "file_readable" and rule.message.split(" (")[0] in FILE_PROBLEMS_NL:
        return FILE_PROBLEMS_NL[rule.message.split(" (")[0]]
    if rule.absent_column:
        return f"De kolom <code>{_e(rule.absent_column)}</code> staat niet in het bestand."
    if rule.missing_columns or rule.unexpected_columns:
        parts = [f"{what}: " + ", ".join(f"<code>{_e(c)}</code>" for c in columns)
                 for what, columns in (("Ontbrekende kolommen", rule.missing_columns),
                                       ("Kolommen die het contract niet kent", rule.unexpected_columns)) if columns]
        return "; ".join(parts) + "."
    if rule.expected:
        found = (_e(_value_nl(rule.values[0])) if rule.values
                 else "niet getoond (identificerende, gewichts- of vrije-tekstkolom)")
        return f"Gevonden: {found}; verwacht: {_expected_nl(rule.expected)}."
    if rule.params_key:
        return (f"De data wijken af van wat de params zeggen: pas <code>{_e(rule.params_key)}</code> in het "
                "params-bestand van deze editie aan, of controleer het bestand.")
    return None


def _failure(rule: RuleResult, source: SourceResult) -> str:
    message = scrub_paths(rule.message) if rule.message else ""
    rows = [
        ("Bron", f"{_e(rule.dataset)} <span class=\"sp-val-muted\">(<code>{_e(source.path)}</code>)</span>"),
        ("Kolom", _e(column_nl(rule.column))),
        ("Controle", f"{_e(rule_nl(rule))} <span class=\"sp-val-muted\">(contract: {_e(rule.rule_name)}; "
                  f"<code>{_e(rule.rule)}</code>)</span>"),
        ("Aantal rijen", _e(_count(rule.offending)) if rule.offending is not None else "–"),
        ("Voorbeelden", _examples(rule, source)),
    ]
    dutch = explanation(rule)
    if dutch:
        rows.append(("Toelichting", dutch))
    elif message and rule.offending is None:  # row counts and examples are above; else only this says what
        rows.append(("Technische melding", f'<span lang="en">{_e(message)}</span>'))
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<article class="sp-val-failure"><h3><span class="sp-val-fail-mark">Niet voldaan:</span> '
            f"{_e(rule.dataset)} · {_e(column_nl(rule.column))}</h3><dl>{body}</dl></article>")


def _passed_summary(source: SourceResult) -> str:
    passed = [r for r in source.rules if r.ok]
    kinds: OrderedDict[str, list[str]] = OrderedDict()
    for r in passed:
        cols = kinds.setdefault(rule_nl(r), [])
        col = column_nl(r.column)
        if col not in cols:
            cols.append(col)
    items = "".join(f"<li>{_e(kind)} ({_plural(sum(1 for r in passed if rule_nl(r) == kind), 'controle', 'controles')}): "
                    f"{_e(', '.join(cols))}</li>" for kind, cols in kinds.items())
    failed = len(source.failures)
    mark = (f'<span class="sp-val-fail-mark">{_count(failed)} niet voldaan</span>, ' if failed
            else '<span class="sp-val-ok-mark">in orde</span>, ')
    return (f'<details id="bron-{_e(source.dataset)}"><summary><strong>{_e(source.dataset)}</strong>: {mark}'
            f"{_plural(len(passed), 'controle', 'controles')} geslaagd"
            f" <span class=\"sp-val-muted\">(<code>{_e(source.path)}</code>"
            f"{', ' + _plural(source.rows, 'rij', 'rijen') if source.rows is not None else ''})</span></summary>"
            f'<ul class="sp-val-kinds">{items or "<li>geen</li>"}</ul></details>')


def _fail_count(n: int) -> str:
    return f'<span class="sp-val-fail-mark">{_count(n)}</span>' if n else "0"


def to_html(result: EditionResult) -> str:
    """The whole report as a standalone HTML document (Dutch)."""
    ok = result.ok
    parts = [
        "<!DOCTYPE html>", '<html lang="nl">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Validatie van de brondata: {_e(result.title)}</title>", f"<style>{CSS}</style>", "</head>",
        "<body>", '<div class="sp-validation">',
        "<h1>Validatie van de brondata</h1>",
        f'<p class="sp-val-verdict {"sp-val-passed" if ok else "sp-val-failed"}" role="status">{_e(verdict(result))}</p>',
        "<p>Voordat er iets wordt berekend, wordt elk bronbestand van "
        f"{_e(result.title)} gecontroleerd tegen zijn datacontract (<code>data_contracts/</code>): "
        "de kolommen, gegevenstypen, codes, bereiken, unieke sleutels, lege waarden en aantallen rijen, "
        "en waar de params en de data hetzelfde zeggen, of ze het eens zijn. Alleen als alles in orde is, "
        "wordt de publicatie gemaakt. Waarden van identificerende kolommen en open antwoorden worden "
        "nooit getoond, alleen rijnummers.</p>",
    ]
    if not ok:
        parts.append(f'<h2 id="afwijkingen">Afwijkingen ({_count(len(result.failures))})</h2>')
        for source in result.sources:
            parts += [_failure(r, source) for r in source.failures]
    parts.append('<h2 id="bronnen">De bronnen</h2>')
    parts.append('<div class="sp-table-wrap"><table><caption class="sp-val-muted">Per bron het bestand, het aantal rijen '
                 "en het aantal controles van het contract</caption><thead><tr>"
                 '<th scope="col">Bron</th><th scope="col" class="sp-val-file">Bestand</th><th scope="col" class="sp-num">Rijen</th>'
                 '<th scope="col" class="sp-num">Controles</th><th scope="col" class="sp-num">Afwijkingen</th>'
                 "</tr></thead><tbody>")
    for s in sorted(result.sources, key=lambda s: s.ok):  # failing sources first
        failed = len(s.failures)
        parts.append(
            f'<tr><th scope="row"><a href="#bron-{_e(s.dataset)}">{_e(s.dataset)}</a></th>'
            f'<td class="sp-val-file"><code>{_e(s.path)}</code></td><td class="sp-num">{_count(s.rows) or "–"}</td>'
            f'<td class="sp-num">{_count(len(s.rules))}</td>'
            f'<td class="sp-num">{_fail_count(failed)}</td></tr>')
    parts.append("</tbody></table></div>")
    parts.append('<h2 id="geslaagd">Geslaagde controles per bron</h2>')
    parts.append("<p>Per bron de soorten controles die geslaagd zijn, met de kolommen waarop ze gelden "
                 "(open een bron voor de lijst).</p>")
    parts += [_passed_summary(s) for s in sorted(result.sources, key=lambda s: s.ok)]
    parts += ["</div>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
