"""Data contracts: check every source of an edition against its suite in ``data_contracts/``.

A contract is a Great Expectations (GX Core 1.x) suite kept as YAML in GX's own shape
(``name``, ``expectations: [{type, kwargs, meta: {rule}}]``) plus our keys ``dataset``,
``description`` and ``custom_checks``: the few rules GX cannot express (cross-file references,
sums across columns or rows, values from the params), implemented below in ``CUSTOM_CHECKS``.

Every rule yields one ``RuleResult``; a failure names dataset, column, rule, the number of
offending rows, up to five of their row numbers (file lines for CSV, 1-based rows for Parquet) and
up to five offending values. We write our own JSON/Markdown/HTML report (GX Data Docs load CDNs).

The report is published (``_book/<edition>/validation.html``) and the failures are printed in terminals and
CI logs, so nothing in it may identify a person or point at the confidential files:

- files are named relative to the project root, or by their name alone when outside it;
- values of identifier and weight columns (``spiegel.sdc.id_like_columns``) are never shown, in
  no rule: failures on them name row numbers only, compound keys drop their identifier parts, and
  exception texts from GX or pandas have identifier values and absolute paths blanked out;
- nor are values of the free-text columns a contract names under ``private_columns`` (open
  answers): their rules, among them ``no_personal_data`` (no name, e-mail address, phone number,
  IBAN or BSN in an open answer; ``spiegel.personal_data``), name the rows only;
- other values (a wrong code, a share out of range) are shown, as they are what to correct.

Cross-checks with the params (``*_params`` custom checks) compare the facts that both the params
and the data state (the month a register count refers to, the months of the register periods,
the survey waves) and report what the params say, what the data says and which params key to edit.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import math
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from spiegel.fmt import MONTHS
from spiegel.io import SourceError, Table, read_table, scrub_paths, shown_path
from spiegel.params import Edition, ParamsError, load_params
from spiegel.sdc import id_like_columns

if TYPE_CHECKING:
    import great_expectations as gx

CONTRACTS_DIR = "data_contracts"
#: Expectation types to pass as ``skip=`` when validating small test fixtures.
ROW_COUNT_RULES = ("expect_table_row_count_to_be_between", "expect_table_row_count_to_equal")
MAX_VALUES = 5
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
TABLE, FILE = "(table)", "(file)"


class ContractError(RuntimeError):
    """A contract (suite file) is missing or invalid, or names an unknown source."""


# --------------------------------------------------------------------------- results


@dataclass
class RuleResult:
    """The outcome of one rule on one dataset."""

    dataset: str
    column: str
    rule: str  # expectation type, custom check (``custom:<name>``) or ``file_readable``
    rule_name: str  # human rule name (``meta.rule`` in the suite)
    ok: bool
    offending: int | None = None  # offending rows, where the rule is row-based
    values: list[Any] = field(default_factory=list)  # up to MAX_VALUES offending values (never ids)
    message: str = ""
    rows: list[int] = field(default_factory=list)  # up to MAX_VALUES offending rows (file lines for CSV)
    # Cross-checks with the params: the key, what the params say there, what the data says.
    params_key: str | None = None
    params_value: Any = None
    data_value: Any = None
    # What a failed rule found, for the Dutch report: the expected value or bounds (the rule's
    # ``value``/``min_value``/``max_value``/``type_``/``type_list``), columns the file lacks or has
    # too many, a column the rule names that the file lacks.
    expected: dict[str, Any] | None = None
    missing_columns: list[str] = field(default_factory=list)
    unexpected_columns: list[str] = field(default_factory=list)
    absent_column: str | None = None

    def line(self) -> str:
        """One line: ``dataset 'x', column 'y', rule T (name): message``."""
        name = f" ({self.rule_name})" if self.rule_name and self.rule_name != self.rule else ""
        return f"dataset '{self.dataset}', column '{self.column}', rule {self.rule}{name}: {self.message}"


@dataclass
class SourceResult:
    """All rule results of one dataset."""

    dataset: str
    contract: str
    path: str
    rows: int | None
    rules: list[RuleResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rules)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.rules if not r.ok]


@dataclass
class EditionResult:
    """The validation of (some of) the sources of one edition."""

    edition: int
    title: str
    sources: list[SourceResult]

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.sources)

    @property
    def failures(self) -> list[RuleResult]:
        return [r for s in self.sources for r in s.failures]

    def summary(self) -> str:
        n_rules = sum(len(s.rules) for s in self.sources)
        if self.ok:
            return f"all {n_rules} rules passed in {len(self.sources)} datasets"
        bad = [s.dataset for s in self.sources if not s.ok]
        return (f"{len(self.failures)} of {n_rules} rules failed in {len(bad)} of {len(self.sources)} "
                f"datasets ({', '.join(bad)})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "title": self.title,
            "ok": self.ok,
            "summary": self.summary(),
            "datasets": [
                {"dataset": s.dataset, "contract": s.contract, "path": s.path, "rows": s.rows, "ok": s.ok,
                 "rules": [asdict(r) for r in s.rules]}
                for s in self.sources
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self) -> str:
        out = [f"# Validation of the sources: {self.title}", "",
               f"**{'PASSED' if self.ok else 'FAILED'}**: {self.summary()}.", "",
               "| dataset | file | rows | rules | failed |", "|---|---|---:|---:|---:|"]
        out += [f"| {s.dataset} | `{s.path}` | {_rows(s.rows)} | {len(s.rules)} | {len(s.failures)} |"
                for s in self.sources]
        if not self.ok:
            out += ["", "## Failures", ""]
            out += [f"- {_md(r.line())}" for r in self.failures]
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """The published report, in Dutch, failures first (:mod:`spiegel.validation_report`)."""
        from spiegel.validation_report import to_html

        return to_html(self)


def _rows(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def _md(text: str) -> str:
    return html.escape(text, quote=False).replace("|", "\\|").replace("*", "\\*")


# --------------------------------------------------------------------------- suites


def _gx():
    """Import GX quietly: no analytics, no logging noise."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with warnings.catch_warnings():  # GX imports deprecated stdlib modules
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations

    logging.getLogger("great_expectations").setLevel(logging.CRITICAL)
    return great_expectations


def _yaml(text: str) -> Any:
    """``yaml.safe_load`` through libyaml where PyYAML has it (about 8x faster on the suites; same
    objects). On a syntax error the pure-Python loader parses again, so the message is PyYAML's own."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - CSafeLoader is the safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(text)


def _root(root: Path | str | Edition | None) -> Path:
    if isinstance(root, Edition):
        return root.root
    if root is not None:
        return Path(root)
    here = Path(__file__).resolve().parents[2]  # src layout: <root>/src/spiegel/contracts.py
    return here if (here / CONTRACTS_DIR).is_dir() else Path.cwd()


def _for_edition(spec: dict, edition: int | None, name: str, path: str) -> list[dict]:
    """The contract's expectations as they apply to ``edition``.

    A contract whose source changes its columns between editions says so under ``editions:``::

        editions:
          2023: {columns_added: [contact_digitaal], columns_dropped: [contact_afgenomen_corona],
                 expectations: [<the rules of the added columns>]}

    The ``expectations`` list is the suite of every edition not named there (as without
    ``editions:``). For a named edition the exact column set drops ``columns_dropped`` and adds
    ``columns_added``, the rules of the dropped columns go, and the edition's own ``expectations``
    follow: each edition's file is held to exactly its own columns. Without an edition (a suite
    loaded by name only) the base list applies."""
    editions = spec.get("editions") or {}
    if not isinstance(editions, dict):
        raise ContractError(f"contract '{name}': editions in {path} must map an edition (year) to its changes")
    change = editions.get(edition) if edition is not None else None
    if change is None:
        return list(spec["expectations"])
    where = f"contract '{name}': editions.{edition} in {path}"
    unknown = set(change) - {"columns_added", "columns_dropped", "expectations"}
    if unknown:
        raise ContractError(f"{where}: unknown keys {sorted(unknown)} (columns_added, columns_dropped, expectations)")
    added = list(change.get("columns_added") or [])
    dropped = set(change.get("columns_dropped") or [])
    out, found = [], False
    for item in spec["expectations"]:
        kwargs = item.get("kwargs") or {} if isinstance(item, dict) else {}
        if isinstance(item, dict) and item.get("type") == "expect_table_columns_to_match_set":
            columns = list(kwargs.get("column_set") or [])
            missing = sorted(dropped - set(columns))
            if missing:
                raise ContractError(f"{where}: columns_dropped names columns the contract does not have: {missing}")
            twice = sorted(set(added) & set(columns))
            if twice:
                raise ContractError(f"{where}: columns_added names columns the contract has already: {twice}")
            item = {**item, "kwargs": {**kwargs, "column_set": [c for c in columns if c not in dropped] + added}}
            found = True
        elif kwargs.get("column") in dropped:
            continue
        out.append(item)
    if (added or dropped) and not found:
        raise ContractError(f"{where}: the contract has no expect_table_columns_to_match_set to change")
    extra = change.get("expectations") or []
    if not isinstance(extra, list):
        raise ContractError(f"{where}: expectations must be a list")
    return out + extra


def load_suite(name: str, root: Path | str | Edition | None = None, *,
               skip: Collection[str] = ()) -> gx.ExpectationSuite:
    """Load ``<root>/data_contracts/<name>.yml`` as a GX suite.

    Our extra keys (``dataset``, ``description``, ``custom_checks``) go into ``suite.meta``.
    ``skip`` leaves out expectation types (tests use ``ROW_COUNT_RULES`` for small fixtures).
    Raises ``ContractError`` if the file is missing or invalid, or if GX would drop an expectation.
    """
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    project = _root(root)
    file = project / CONTRACTS_DIR / f"{name}.yml"
    path = shown_path(file, project)  # how the suite is named in messages
    if not file.is_file():
        raise ContractError(f"contract '{name}': suite file not found ({path})")
    try:
        spec = _yaml(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(f"contract '{name}': {path} is not valid YAML: "
                            f"{scrub_paths(str(exc), project, file)}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("expectations"), list):
        raise ContractError(f"contract '{name}': {path} must be a mapping with a list 'expectations'")
    if spec.get("name") != name:
        raise ContractError(f"contract '{name}': {path} has name {spec.get('name')!r}, expected {name!r}")

    items = _for_edition(spec, root.edition if isinstance(root, Edition) else None, name, path)
    expectations = []
    for i, item in enumerate(items):
        where = f"contract '{name}': expectation #{i + 1} in {path}"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) \
                or not isinstance(item.get("kwargs", {}), dict):
            raise ContractError(f"{where} needs a 'type' and a mapping 'kwargs'")
        if item["type"] in skip:
            continue
        config = {"type": item["type"], "kwargs": item.get("kwargs", {}), "meta": item.get("meta") or {}}
        try:  # GX itself would only log this error and silently drop the expectation
            expectation = ExpectationConfiguration(**config).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - unknown type or bad kwargs: one clear message
            raise ContractError(f"{where} ({item['type']}) is not a valid GX expectation: "
                                f"{scrub_paths(str(exc).splitlines()[0], project)}") from exc
        expectations.append((expectation, f"{name}#{i + 1}"))  # ids put results back in file order

    checks = spec.get("custom_checks") or []
    for check in checks:
        if not isinstance(check, dict) or check.get("check") not in CUSTOM_CHECKS:
            raise ContractError(f"contract '{name}': unknown custom check {check!r} in {path} "
                                f"(known: {', '.join(CUSTOM_CHECKS)})")
    private = spec.get("private_columns") or []
    if not isinstance(private, list) or not all(isinstance(c, str) for c in private):
        raise ContractError(f"contract '{name}': private_columns in {path} must be a list of column names")
    meta = {k: spec[k] for k in ("dataset", "description") if k in spec} | {"custom_checks": checks,
                                                                          "private_columns": private}
    # The suite takes the expectations built above as they are (GX would build each again from
    # its configuration); they get their ids once in the suite (GX refuses ones that have an id).
    suite = gx.ExpectationSuite(name=name, expectations=[e for e, _ in expectations], meta=meta)
    if len(suite.expectations) != len(expectations):
        raise ContractError(f"contract '{name}': GX kept {len(suite.expectations)} of "
                            f"{len(expectations)} expectations from {path}")
    for expectation, (_, expectation_id) in zip(suite.expectations, expectations):
        expectation.id = expectation_id
    return suite


# --------------------------------------------------------------------------- custom checks
# Each takes the frame (with a RangeIndex: labels are row positions), the run (for the edition and
# other datasets) and the check's kwargs, and returns a ``Found`` (or, shorter, a tuple
# ``(number of offending rows, offending values[, offending row labels])``). A ``{source}`` in a
# string kwarg or the rule name stands for the id of the source being checked.


@dataclass
class Found:
    """What a custom check found."""

    n: int | None  # offending rows; None when the problem is not one of rows (e.g. a missing month)
    values: list[Any] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)  # labels (= positions) of offending rows
    message: str | None = None  # replaces the standard "n offending rows, e.g. …" text
    ok: bool | None = None  # default: n == 0
    params_key: str | None = None
    params_value: Any = None
    data_value: Any = None


class _ParamsProblem(ValueError):
    """The params lack the key a cross-check needs, or state it in a form that cannot be read."""


def _columns_sum_to(df, run, *, columns, total, tolerance=0.0):
    """Per row, ``columns`` add up to ``total`` (± tolerance); rows with a missing value are skipped."""
    _numeric(df, columns)
    sums = df[list(columns)].sum(axis=1, min_count=len(columns))
    bad = sums.notna() & ((sums - total).abs() > tolerance)
    return Found(int(bad.sum()), list(sums[bad]), list(df.index[bad]))


def _parts_sum_to_total(df, run, *, group, category, value, total):
    """Within each ``group`` the ``value``s add up to the row with ``category == total``."""
    _numeric(df, [value])
    is_total = df[category] == total
    totals = df.loc[is_total, value]
    if len(totals) != 1:
        return Found(max(len(totals), 1), [f"{len(totals)} rows with {category} = {total!r}, expected 1"],
                     list(df.index[is_total]))
    parts = df[~is_total]
    sums = parts.groupby(group)[value].sum()
    bad = sums[sums != totals.iloc[0]]
    in_bad = parts[group].isin(bad.index)
    return Found(int(in_bad.sum()), [f"{g}: {s} ≠ {totals.iloc[0]}" for g, s in bad.items()],
                 list(parts.index[in_bad]))


def _param(run, key: str) -> Any:
    """The params value at dotted ``key``; ``_ParamsProblem`` naming the key if it is absent. The
    chapters' ``analysis:`` choices are not for contracts (the validation's fingerprint leaves them
    out, see ``spiegel.buildstate.gate_params_digest``)."""
    if key.split(".", 1)[0] == "analysis":
        raise _ParamsProblem(f"a contract rule reads '{key}': the chapters' analysis choices are not for "
                             "contracts; state the value the rule needs elsewhere in the params")
    value: Any = run.edition.raw
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise _ParamsProblem(f"{run.params_file} states no '{key}' (add it there)")
        value = value[part]
    return value


def _values_in_params(df, run, *, column, key):
    """Values of ``column`` are among the params value at dotted ``key`` (e.g. ``waves.earlier``)."""
    allowed = _param(run, key)
    if not isinstance(allowed, list):
        raise _ParamsProblem(f"'{key}' in {run.params_file} must be a list, not {allowed!r}")
    bad = df[column].notna() & ~df[column].isin(list(allowed))
    return Found(int(bad.sum()), list(df.loc[bad, column]), list(df.index[bad]))


def _references(df, run, *, column, dataset, other_column):
    """Every non-empty ``column`` value occurs in ``other_column`` of source ``dataset``."""
    other = run.frame(dataset)[other_column]
    bad = df[column].notna() & ~df[column].isin(other)
    return Found(int(bad.sum()), list(df.loc[bad, column]), list(df.index[bad]))


# ----- cross-checks: facts that both the params and the data state

_MONTH_NUMBERS = {name: i + 1 for i, name in enumerate(MONTHS)}
_YYYY_MM = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_RANGE = re.compile(r"(.+?)\s*(?:–|—|\s-\s|\bt/m\b|\btot en met\b)\s*(.+)")


def _month(text: Any, year: str | None = None) -> str | None:
    """A month as ``YYYY-MM`` from ``2022-04`` or Dutch ``april 2022`` (``year`` fills in a
    month without one); None if ``text`` is not one month."""
    t = str(text).strip().lower()
    if _YYYY_MM.fullmatch(t):
        return t
    m = re.fullmatch(r"([a-z]+)(?:\s+([0-9]{4}))?", t)
    if m and m[1] in _MONTH_NUMBERS and (m[2] or year):
        return f"{m[2] or year}-{_MONTH_NUMBERS[m[1]]:02d}"
    return None


def _month_range(text: Any) -> tuple[str, str] | None:
    """``("2019-03", "2021-06")`` from "maart 2019 - juni 2021", "maart t/m juni 2021" or
    "2019-03 – 2021-06"; None if ``text`` is not such a range."""
    m = _RANGE.fullmatch(str(text).strip())
    if not m:
        return None
    last = _month(m[2])
    first = _month(m[1], last[:4] if last else None)
    return (first, last) if first and last and first <= last else None


def _listing(values: Iterable[Any], limit: int = 6) -> str:
    values = list(values)
    head = ", ".join(map(str, values[:limit]))
    return head + (f", … ({len(values)} in all)" if len(values) > limit else "")


def _span(months: Iterable[str]) -> str:
    months = sorted(months)
    return f"{months[0]} – {months[-1]}" if months else "no months"


def _valid_months(series: pd.Series) -> pd.Series:
    """The values of ``series`` that are months ``YYYY-MM`` (as text, with their row labels).
    The pattern is matched once per distinct value: a register has ~500,000 rows but few months."""
    text = series.dropna().astype(str)
    months = [v for v in text.unique() if _YYYY_MM.fullmatch(v)]
    return text[text.isin(months)]


def _month_matches_params(df, run, *, column, key):
    """Every ``column`` value is the one month the params state at ``key`` (e.g. the peilmaand of a
    register count against the ``fieldwork`` the captions print)."""
    stated = _param(run, key)
    month = _month(stated)
    found = sorted(df[column].dropna().astype(str).unique())
    if month is None:
        return Found(None, ok=False, params_key=key, params_value=stated, data_value=found,
                     message=f"params {key} says {stated!r}, which is not one month (write e.g. 'april 2022' "
                             f"or '2022-04'); the data says {_listing(found)}; edit {key} in {run.params_file}")
    values = df[column].astype("string")
    bad = values.notna() & (values != month)
    if not bad.any():
        return Found(0)
    wrong = sorted(values[bad].unique())
    return Found(int(bad.sum()), wrong, list(df.index[bad]), params_key=key, params_value=stated, data_value=wrong,
                 message=f"params {key} says {stated!r} ({month}); the data says {_listing(wrong)} in "
                         f"{int(bad.sum())} of {len(df)} rows; edit {key} in {run.params_file} or correct the data")


def _months_cover_params_periods(df, run, *, column, key="periods"):
    """Every month of every period the params define at ``key`` (``{name: {start, end}}``, inclusive
    ``YYYY-MM``) occurs in ``column``: a period without data would silently count as no starts."""
    periods = _param(run, key)
    if not isinstance(periods, dict) or not periods:
        raise _ParamsProblem(f"'{key}' in {run.params_file} must map period names to start and end months")
    present = set(_valid_months(df[column]).unique())
    problems, stated, missing_all, first_key = [], {}, {}, None
    for name, spec in periods.items():
        k = f"{key}.{name}"
        spec = spec if isinstance(spec, dict) else {}
        start, end = _month(spec.get("start", "")), _month(spec.get("end", ""))
        if not (start and end and start <= end):
            raise _ParamsProblem(f"'{k}' in {run.params_file} needs start and end months 'YYYY-MM' with "
                                 f"start ≤ end, not start {spec.get('start')!r}, end {spec.get('end')!r}")
        stated[k] = f"{start} – {end}"
        missing = [m for m in pd.period_range(start, end, freq="M").astype(str) if m not in present]
        if missing:
            first_key = first_key or k
            missing_all[k] = missing
            problems.append(f"params {k} runs {start} – {end}, but the data has no {column} "
                            f"{_listing(missing)}")
    if not problems:
        return Found(0)
    edit = ", ".join(f"{k}.start/end" for k in missing_all)
    return Found(None, ok=False, params_key=first_key, params_value=stated,
                 data_value={"months": _span(present), "missing": missing_all},
                 message=f"{'; '.join(problems)} (the data's months run {_span(present)}); edit {edit} in "
                         f"{run.params_file} or supply the missing months")


def _months_span_params(df, run, *, column, key):
    """The first and last month in ``column`` are those of the range the params state at ``key``
    (e.g. ``fieldwork: "maart 2019 - juni 2021"``)."""
    stated = _param(run, key)
    span = _month_range(stated)
    months = _valid_months(df[column])
    data = _span(set(months.unique()))
    if span is None:
        return Found(None, ok=False, params_key=key, params_value=stated, data_value=data,
                     message=f"params {key} says {stated!r}, which is not a range of months (write e.g. "
                             f"'maart 2019 - juni 2021'); the data's {column} runs {data}; edit {key} in "
                             f"{run.params_file}")
    first, last = span
    if months.empty or (months.min(), months.max()) == span:
        return Found(0)
    outside = months[(months < first) | (months > last)]
    return Found(len(outside), sorted(outside.unique()), list(outside.index), ok=False, params_key=key,
                 params_value=stated, data_value=data,
                 message=f"params {key} says {stated!r} ({first} – {last}); the data's {column} runs {data}; "
                         f"edit {key} in {run.params_file} or correct the data")


def _values_cover_params(df, run, *, column, key):
    """Every value of the params list at ``key`` occurs in ``column`` (e.g. each earlier wave the
    params name has figures in the data)."""
    stated = _param(run, key)
    if not isinstance(stated, list):
        raise _ParamsProblem(f"'{key}' in {run.params_file} must be a list, not {stated!r}")
    present = df[column].dropna()
    missing = [v for v in stated if not present.isin([v]).any()]
    if not missing:
        return Found(0)
    has = sorted(present.unique().tolist())
    return Found(None, ok=False, params_key=key, params_value=stated, data_value=has,
                 message=f"params {key} says {_listing(stated)}; the data has no {column} {_listing(missing)} "
                         f"(it has {_listing(has)}); edit {key} in {run.params_file} or supply the missing values")


def _years_match_params(df, run, *, column, key):
    """The years in ``column`` are exactly the years the params text at ``key`` names (e.g.
    ``fieldwork: "2018, 2020"`` against ``peiljaar``)."""
    stated = _param(run, key)
    years = sorted({int(y) for y in re.findall(r"\b(?:19|20)[0-9]{2}\b", str(stated))})
    values = pd.to_numeric(df[column], errors="raise")
    has = sorted(int(v) for v in values.dropna().unique())
    if not years:
        return Found(None, ok=False, params_key=key, params_value=stated, data_value=has,
                     message=f"params {key} says {stated!r}, which names no year; the data's {column} has "
                             f"{_listing(has)}; edit {key} in {run.params_file}")
    if has == years:
        return Found(0)
    extra = values.notna() & ~values.isin(years)
    missing = [y for y in years if y not in has]
    what = "; ".join([f"the data's {column} has {_listing(has)}"]
                     + [f"no {column} {_listing(missing)}"] * bool(missing))
    return Found(int(extra.sum()), sorted({int(v) for v in values[extra]}), list(df.index[extra]), ok=False,
                 params_key=key, params_value=stated, data_value=has,
                 message=f"params {key} says {stated!r} (years {_listing(years)}); {what}; edit {key} in "
                         f"{run.params_file} or correct the data")


def _parts_sum_to_total_by(df, run, *, by, group, category, value, total):
    """As ``parts_sum_to_total``, separately within each value of ``by`` (e.g. per regeling, each
    kenmerk's categories add up to that regeling's own total row)."""
    if by not in df.columns:
        raise KeyError(f"column '{by}' does not exist")
    offending, values, positions = 0, [], []
    for key, part in df.groupby(by, sort=False):
        found = _parts_sum_to_total(part, run, group=group, category=category, value=value, total=total)
        offending += found.n
        values += [f"{key}: {v}" for v in found.values]
        positions += found.positions
    return Found(offending, values, sorted(positions))


def _no_personal_data(df, run, *, column, kind, first_names=()):
    """No value of the free-text ``column`` contains personal data of ``kind`` (see
    ``spiegel.personal_data``: name, email, phone, iban, bsn; ``first_names`` for kind name). What
    matched is never returned: the failure names the rows only."""
    from spiegel import personal_data

    if kind == "name" and not first_names:
        raise ValueError("rule no_personal_data with kind 'name' needs a list first_names in the contract")
    found = personal_data.detector(kind, first_names)
    texts = df[column]
    hits = texts.notna() & texts.map(lambda t: isinstance(t, str) and found(t)).astype(bool)
    n = int(hits.sum())
    what = {"name": "a person's name", "email": "an e-mail address", "phone": "a phone number", "iban": "an IBAN",
            "bsn": "a BSN (passes the 11-proef)"}[kind]
    return Found(n, [], list(df.index[hits]),
                 message=f"{n} open answer{'s' if n != 1 else ''} contain{'s' if n == 1 else ''} what looks like "
                         f"{what}; {HIDDEN_FREE_TEXT}; remove or mask it in the file" if n else None)


def _periods_follow_on(df, run, *, start, end):
    """Rows are consecutive periods: each ``start`` equals the ``end`` of the row before it (a gap
    or an overlap between two periods of a regulation is an error in the table)."""
    bad = [i for i in range(1, len(df)) if df[start].iloc[i] != df[end].iloc[i - 1]]
    return Found(len(bad), [f"{df[end].iloc[i - 1]} → {df[start].iloc[i]}" for i in bad], [df.index[i] for i in bad])


CUSTOM_CHECKS: dict[str, Callable[..., Found | tuple]] = {
    "periods_follow_on": _periods_follow_on,
    "no_personal_data": _no_personal_data,
    "columns_sum_to": _columns_sum_to,
    "parts_sum_to_total": _parts_sum_to_total,
    "parts_sum_to_total_by": _parts_sum_to_total_by,
    "values_in_params": _values_in_params,
    "references": _references,
    "month_matches_params": _month_matches_params,
    "months_cover_params_periods": _months_cover_params_periods,
    "months_span_params": _months_span_params,
    "values_cover_params": _values_cover_params,
    "years_match_params": _years_match_params,
}


def _check_column(kwargs: dict[str, Any]) -> str:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "columns" in kwargs:
        return " + ".join(kwargs["columns"])
    return str(kwargs.get("value", TABLE))


# --------------------------------------------------------------------------- privacy of the report

HIDDEN = "values not shown: identifier or weight column"
HIDDEN_FREE_TEXT = "values not shown: free-text column"


class _Privacy:
    """What a source's failures may show: its identifier and weight columns
    (``spiegel.sdc.id_like_columns``) never appear with values, only with row numbers."""

    def __init__(self, table: Table, root: Path, path: Path, free_text: Iterable[str] = ()):
        self.table, self.root, self.path = table, root, path
        self.private = set(id_like_columns(table.frame.columns))
        # Free-text columns (the contract's ``private_columns``): their values never appear either.
        self.free_text = {c for c in free_text if c in table.frame.columns}
        self.private |= self.free_text

    def hides(self, columns: Iterable[Any]) -> bool:
        return any(c in self.private for c in columns)

    def rows(self, labels: Iterable[Any]) -> list[int]:
        """The first ``MAX_VALUES`` row numbers (file lines for CSV) of offending row labels."""
        labels = sorted({int(p) for p in labels if isinstance(p, (int, np.integer))})[:MAX_VALUES]
        return self.table.row_numbers(labels)

    def text(self, text: str) -> str:
        """A library's message about this source: absolute paths and identifier values blanked."""
        text = scrub_paths(text, self.root, self.path)
        if not self.private:
            return text
        tokens = set(re.findall(r"[\w.+-]+", text))
        hits: set[str] = set()
        for c in self.private:
            values = self.table.frame[c].dropna()
            as_text = values.astype(str)
            hits |= set(as_text[as_text.isin(tokens)])
        for hit in sorted(hits, key=len, reverse=True):
            text = re.sub(rf"(?<![\w.+-]){re.escape(hit)}(?![\w.+-])", "…", text)
        for c in self.free_text:  # an open answer is blanked wherever it occurs in the message
            for value in sorted(set(self.table.frame[c].dropna().astype(str)), key=len, reverse=True):
                if len(value) > 3 and value in text:
                    text = text.replace(value, "…")
        return text

    def reason(self, columns: Iterable[Any]) -> str:
        """Why values of ``columns`` are not shown."""
        return HIDDEN_FREE_TEXT if any(c in self.free_text for c in columns) else HIDDEN


def _shown_values(values: list[Any], columns: list[str], privacy: _Privacy) -> tuple[list[Any], bool]:
    """``values`` without identifier values: compound keys (dicts) lose their identifier parts,
    plain values of an identifier column are dropped. Returns (values, something was hidden)."""
    if not privacy.hides(columns):
        return values, False
    kept = []
    for v in values:
        if isinstance(v, dict):
            rest = {k: x for k, x in v.items() if k not in privacy.private}
            if rest:
                kept.append(rest)
    return kept, True


# --------------------------------------------------------------------------- validation


class _Run:
    """One validation run: one ephemeral GX context, the edition, and the frames read so far."""

    def __init__(self, edition: Edition, keep: Collection[str] = ()):
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.edition = edition
        self.params_file = shown_path(edition.path, edition.root)
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = self.context.data_sources.add_pandas("spiegel").add_dataframe_asset("source")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        self._tables: dict[str, Table | SourceError] = {}
        self.keep = {s.id for s in edition.sources.values() if s.id in keep or s.contract in keep}

    def source(self, dataset: str):
        sources = self.edition.sources
        if dataset in sources:
            return sources[dataset]
        by_contract = [s for s in sources.values() if s.contract == dataset]
        if not by_contract:
            raise ContractError(f"unknown source '{dataset}'; {self.edition.path.name} declares: "
                                f"{', '.join(sources)}")
        return by_contract[0]

    def table(self, dataset: str) -> Table:
        """The source's data, read once; raises ``SourceError`` if it cannot be read."""
        source = self.source(dataset)
        if source.id not in self._tables:
            try:
                table = read_table(source.path, source.id, self.edition.root)
                if not isinstance(table.frame.index, pd.RangeIndex) or table.frame.index.start != 0:
                    table.frame = table.frame.reset_index(drop=True)  # labels are positions
                self._tables[source.id] = table
            except SourceError as exc:
                self._tables[source.id] = exc
        got = self._tables[source.id]
        if isinstance(got, SourceError):
            raise got
        return got

    def frame(self, dataset: str) -> pd.DataFrame:
        """The source's data (see ``table``)."""
        return self.table(dataset).frame

    def validate(self, source_id: str, suite) -> SourceResult:
        source = self.source(source_id)
        rel = shown_path(source.path, self.edition.root)
        readable = RuleResult(source.id, FILE, "file_readable", "file readable", True)
        try:
            table = self.table(source.id)
        except SourceError as exc:
            readable.ok, readable.message = False, f"{exc.problem} ({rel})"
            return SourceResult(source.id, source.contract, rel, None, [readable])
        privacy = _Privacy(table, self.edition.root, source.path, suite.meta.get("private_columns", ()))
        rules = [readable, *self._gx_rules(source.id, suite, table.frame, privacy)]
        for check in suite.meta.get("custom_checks", []):
            rules.append(self._custom(source.id, check, table.frame, privacy))
        if source.id not in self.keep:  # only frames that other checks refer to stay in memory
            self._tables.pop(source.id, None)
        return SourceResult(source.id, source.contract, rel, len(table.frame), rules)

    def _gx_rules(self, dataset: str, suite, df: pd.DataFrame, privacy: _Privacy) -> list[RuleResult]:
        """Run the suite: a fast pass (success only), then the failed expectations again with details."""
        gx = _gx()
        if len(df) < 100_000:  # GX takes many row subsets of wide survey frames: ~2x faster on
            df = df.astype({c: pd.StringDtype("python", na_value=float("nan"))  # python-backed strings
                            for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)})
        from great_expectations.validator.v1_validator import Validator

        order = {e.id: i for i, e in enumerate(suite.expectations)}
        results = []
        try:
            with warnings.catch_warnings(), _configurations_built_once():
                warnings.simplefilter("ignore")
                for frame, part in _batches(gx, suite, df):
                    # What ``Batch.validate`` does, with one validator for both passes: the frame
                    # is loaded (and fingerprinted by GX) once, not once per pass and batch.
                    validator = Validator(self.batch_definition, result_format="BOOLEAN_ONLY",
                                          batch_parameters={"dataframe": frame})
                    passed = validator.validate_expectation_suite(part).results
                    failed = [r.expectation_config.to_json_dict() for r in passed if not r.success]
                    if failed:
                        detail = gx.ExpectationSuite(name=f"{suite.name}-failed", expectations=failed)
                        validator.result_format = RESULT_FORMAT
                        detailed = validator.validate_expectation_suite(detail).results
                        again = {r.expectation_config.id: r for r in detailed}
                        passed = [again.get(r.expectation_config.id, r) for r in passed]
                    results += passed
        except Exception as exc:  # noqa: BLE001 - a GX crash must still name the dataset
            return [RuleResult(dataset, TABLE, "gx_validation", "contract could be run", False,
                               message=privacy.text(f"{type(exc).__name__}: {exc}"))]
        results = sorted(results, key=lambda r: order.get(r.expectation_config.id, len(order)))
        return [_from_gx(dataset, r, set(df.columns), privacy) for r in results]

    def _custom(self, dataset: str, check: dict[str, Any], df: pd.DataFrame, privacy: _Privacy) -> RuleResult:
        kwargs = {k: v.replace("{source}", dataset) if isinstance(v, str) else v
                  for k, v in (check.get("kwargs") or {}).items()}
        name = check["check"]
        rule = RuleResult(dataset, _check_column(kwargs), f"custom:{name}",
                          str((check.get("meta") or {}).get("rule", name)).replace("{source}", dataset), True)
        needed = [kwargs[k] for k in ("column", "group", "category", "value") if k in kwargs]
        columns = [*needed, *kwargs.get("columns", [])]
        absent = [c for c in columns if c not in df.columns]
        if absent:
            rule.ok, rule.message, rule.absent_column = False, f"column '{absent[0]}' does not exist", absent[0]
            return rule
        try:
            found = CUSTOM_CHECKS[name](df, self, **kwargs)
        except _ParamsProblem as exc:
            rule.ok, rule.message = False, f"could not be checked: {exc}"
            return rule
        except SourceError as exc:
            rule.ok, rule.message = False, f"could not be checked: {exc}"
            return rule
        except Exception as exc:  # noqa: BLE001 - e.g. a missing column or a wrong type
            rule.ok, rule.message = False, f"could not be checked: {privacy.text(_exc_text(exc))}"
            return rule
        if isinstance(found, tuple):
            found = Found(*found)
        rule.ok = found.ok if found.ok is not None else found.n == 0
        values, hidden = _shown_values(found.values, columns, privacy)
        rows = privacy.rows(found.positions)
        rule.params_key, rule.params_value, rule.data_value = found.params_key, found.params_value, found.data_value
        if hidden:
            rule.data_value = None
        if found.message is not None and not rule.ok:
            rule.offending, rule.rows = found.n, rows
            rule.values = _distinct(values)
            rule.message = found.message + (f" (offending {_rows_text(rows, found.n, privacy.table.unit)})"
                                            if rows else "")
        elif found.n is not None:
            _set_offending(rule, found.n, values, rows, privacy.table.unit, privacy.reason(columns) if hidden else "")
        return rule


@contextlib.contextmanager
def _configurations_built_once():
    """Within the block, each GX expectation builds its ``configuration`` once, not on every read.

    GX 1.x rebuilds an expectation's ``ExpectationConfiguration`` (a pydantic ``dict()`` plus a
    name conversion) each time the property is read, and a validation reads it dozens of times
    per rule: about a third of the time ``spiegel validate`` spends. The suites are not changed
    while they are validated, so the first build is the answer to every read. The cache holds the
    expectation itself (so its ``id`` cannot be reused) and is dropped when the block ends; the
    property is GX's own again after it. If GX no longer has the property, nothing is changed.
    tests/test_contracts.py checks that the results are those of GX's own property."""
    from great_expectations.expectations.expectation import Expectation

    original = Expectation.__dict__.get("configuration")
    if not isinstance(original, property) or original.fget is None:
        yield
        return
    built: dict[int, tuple[Any, Any]] = {}

    def configuration(self):
        hit = built.get(id(self))
        if hit is None or hit[0] is not self:
            hit = built[id(self)] = (self, original.fget(self))
        return hit[1]

    with _PATCH_LOCK:
        Expectation.configuration = property(configuration, doc=original.__doc__)
        try:
            yield
        finally:
            Expectation.configuration = original


_PATCH_LOCK = threading.Lock()


def _batches(gx, suite, df: pd.DataFrame) -> list[tuple[pd.DataFrame, Any]]:
    """The suite in parts, each with the frame GX validates it on. GX filters the rows of a rule
    with a row condition by ``DataFrame.query``, whose cost grows with the frame's columns (wide
    survey frames: most of such a rule's time), so the column rules with a condition go per
    condition columns, on a frame of only the columns they read (the same rows and row labels:
    the same results). Everything else (table rules, rules without a condition or naming a column
    the frame lacks) runs on the whole frame, in one part."""
    whole, by_condition = [], {}
    for expectation in suite.expectations:
        condition = _condition_columns(getattr(expectation, "row_condition", None))
        checked = [c for c in [getattr(expectation, "column", None), *(getattr(expectation, "column_list", None) or [])]
                   if c]
        needed = {*checked, *condition}
        # Only rules on columns (not on the table, nor on column pairs) whose columns all exist.
        if condition and checked and not expectation.expectation_type.startswith("expect_table") \
                and all(isinstance(c, str) and c in df.columns for c in needed):
            columns, rules = by_condition.setdefault(tuple(condition), (set(), []))
            columns.update(needed)
            rules.append(expectation)
        else:
            whole.append(expectation)
    if not by_condition:
        return [(df, suite)]

    def part(name: str, rules: list) -> Any:
        return gx.ExpectationSuite(name=name, expectations=[e.configuration for e in rules])

    parts = [(df, part(f"{suite.name}-whole", whole))] if whole else []
    for i, (columns, rules) in enumerate(by_condition.values()):
        parts.append((df[[c for c in df.columns if c in columns]], part(f"{suite.name}-condition-{i}", rules)))
    return parts


def _exc_text(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, TypeError) else f"{type(exc).__name__}: {exc}"


def _numeric(df: pd.DataFrame, columns: Iterable[str]) -> None:
    for c in columns:
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            raise TypeError(f"column '{c}' is not numeric ({df[c].dtype})")


def _plain(value: Any) -> Any:
    """A JSON-friendly version of an offending value."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def _show(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_show(v)}" for k, v in value.items()) + ")"
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value)


def _distinct(values: Iterable[Any]) -> list[Any]:
    distinct: list[Any] = []
    for v in map(_plain, values):
        if v not in distinct:
            distinct.append(v)
        if len(distinct) == MAX_VALUES:
            break
    return distinct


def _rows_text(rows: list[int], n: int | None, unit: str) -> str:
    more = ", …" if n is not None and n > len(rows) else ""
    return f"{unit}{'s' if len(rows) != 1 else ''} {', '.join(map(str, rows))}{more}"


def _set_offending(rule: RuleResult, n: int, values: Iterable[Any], rows: list[int] | None = None,
                   unit: str = "row", hidden: bool | str = False) -> None:
    """``hidden``: values were left out (True: of an identifier or weight column; a text: why)."""
    distinct = _distinct(values)
    rule.offending, rule.values, rule.rows = n, distinct, list(rows or [])
    rule.message = f"{n} offending row{'s' if n != 1 else ''}" if n or not rule.ok else ""
    if rule.rows:
        rule.message += f" ({_rows_text(rule.rows, n, unit)})"
    if distinct:
        rule.message += ", e.g. " + ", ".join(map(_show, distinct))
    if hidden and n:
        why = hidden if isinstance(hidden, str) else HIDDEN
        rule.message += f"; {why}" if not distinct else " (identifier values not shown)"


def _exception(info: Any) -> str | None:
    """The first exception message GX stored (top level or per metric)."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return info.get("exception_message") or "exception"
    for sub in info.values():
        if isinstance(sub, dict) and sub.get("raised_exception"):
            return sub.get("exception_message") or "exception"
    return None


#: The rule arguments that say what a column or table should show.
_EXPECTED = ("type_", "type_list", "value", "min_value", "max_value")


def _expected(kwargs: dict[str, Any]) -> str:
    if "type_" in kwargs:
        return f"type {kwargs['type_']}"
    if "type_list" in kwargs:
        return "type " + " or ".join(kwargs["type_list"])
    if "value" in kwargs:
        return str(kwargs["value"])
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    return f"between {lo} and {hi}" if lo is not None and hi is not None else (
        f"at least {lo}" if lo is not None else f"at most {hi}")


def _condition_columns(condition: Any) -> list[str]:
    """Column names used in a GX row condition (a Condition object or its dict form)."""
    if hasattr(condition, "dict"):
        condition = condition.dict()
    if not isinstance(condition, dict):
        return []
    names = [condition["column"]["name"]] if isinstance(condition.get("column"), dict) else []
    return names + [n for sub in condition.get("conditions") or [] for n in _condition_columns(sub)]


#: Expectations whose observed value describes a column without being one of its values.
_SAFE_OBSERVED = ("_type", "_count_", "row_count")


def _from_gx(dataset: str, r, columns: set[str], privacy: _Privacy) -> RuleResult:
    cfg, res = r.expectation_config, r.result or {}
    kw = cfg.kwargs
    pair = [c for c in (kw.get("column_A"), kw.get("column_B")) if c]  # column-pair rules name both columns
    column = kw.get("column") or ", ".join(kw.get("column_list") or pair) or TABLE
    rule = RuleResult(dataset, column, cfg.type, (cfg.meta or {}).get("rule", cfg.type), bool(r.success))
    if r.success:
        return rule
    used = [kw.get("column"), *(kw.get("column_list") or []), *_condition_columns(kw.get("row_condition"))]
    absent = [c for c in used if c and c not in columns]
    if absent:  # GX buries this in exception_info, in varying words
        rule.message, rule.absent_column = f"column '{absent[0]}' does not exist", absent[0]
        return rule
    exc = _exception(r.exception_info)
    if exc:
        rule.message = f"could not be checked: {privacy.text(str(exc))}"
        return rule
    checked = [c for c in [kw.get("column"), *(kw.get("column_list") or [])] if c]
    if "unexpected_count" in res:
        counts = res.get("partial_unexpected_counts") or []
        values = [c["value"] for c in counts] if counts else res.get("partial_unexpected_list") or []
        if values and isinstance(values[0], tuple) and "column_list" in kw:
            values = [dict(zip(kw["column_list"], v)) for v in values]
        values, hidden = _shown_values(list(values), checked, privacy)
        rows = privacy.rows(res.get("partial_unexpected_index_list") or [])
        _set_offending(rule, int(res["unexpected_count"]), values, rows, privacy.table.unit,
                       privacy.reason(checked) if hidden else "")
        return rule
    mismatch = (res.get("details") or {}).get("mismatched")
    if isinstance(mismatch, dict):
        missing, unexpected = mismatch.get("missing") or [], mismatch.get("unexpected") or []
        rule.values = [*missing, *unexpected]
        rule.missing_columns, rule.unexpected_columns = list(missing), list(unexpected)
        rule.message = "; ".join(
            [f"missing column(s) {', '.join(map(repr, missing))}"] * bool(missing)
            + [f"unexpected column(s) {', '.join(map(repr, unexpected))}"] * bool(unexpected))
        return rule
    observed = _plain(res.get("observed_value"))
    rule.expected = {k: kw[k] for k in _EXPECTED if kw.get(k) is not None}
    if privacy.hides(checked) and not any(part in cfg.type for part in _SAFE_OBSERVED):
        why = "free-text column" if any(c in privacy.free_text for c in checked) else "identifier or weight column"
        rule.message = f"observed value not shown ({why}), expected {_expected(kw)}"
        return rule
    rule.values = [] if observed is None else [observed]
    rule.message = f"observed {_show(observed)}, expected {_expected(kw)}"
    return rule


def validate_source(edition: Edition, source_id: str, *, skip: Collection[str] = ()) -> SourceResult:
    """Validate one source of ``edition`` against its contract (``skip``: see ``load_suite``)."""
    return validate_edition(edition, [source_id], skip=skip).sources[0]


def validate_edition(edition: Edition, sources: list[str] | None = None, *,
                     skip: Collection[str] = ()) -> EditionResult:
    """Validate ``sources`` (default: all in the params) in one GX context.

    Data problems become failed rules; a missing or invalid contract raises ``ContractError``.
    """
    declared = edition.sources
    ids = list(declared) if sources is None else list(sources)
    unknown = [s for s in ids if s not in declared]
    if unknown:
        raise ContractError(f"unknown source(s) {', '.join(unknown)}; "
                            f"{edition.path.name} declares: {', '.join(declared)}")
    suites = {s: load_suite(declared[s].contract, edition, skip=skip) for s in ids}
    referenced = [c["kwargs"]["dataset"] for suite in suites.values() for c in suite.meta["custom_checks"]
                  if c["check"] == "references"]
    run = _Run(edition, keep=referenced)
    return EditionResult(edition.edition, edition.title, [run.validate(s, suites[s]) for s in ids])


# --------------------------------------------------------------------------- output


def format_failures(result: EditionResult | SourceResult) -> str:
    """The terminal text on failure: one line per failing rule."""
    failures = result.failures
    if not failures:
        return ""
    head = f"Data validation failed: {result.summary()}." if isinstance(result, EditionResult) \
        else f"Data validation failed: {len(failures)} rule(s) in dataset '{result.dataset}'."
    return "\n".join([head, *(f"  - {r.line()}" for r in failures)])


def write_reports(result: EditionResult, out_dir: Path | str) -> dict[str, Path]:
    """Write ``validation.json``, ``validation.md`` and ``validation.html`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for ext, text in (("json", result.to_json()), ("md", result.to_markdown()), ("html", result.to_html())):
        path = out / f"validation.{ext}"
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        paths[ext] = path
    return paths


def validate_and_report(edition: Edition, out_dir: Path | str | None = None) -> tuple[EditionResult, dict[str, Path]]:
    """Validate every source of ``edition`` and write the three reports into ``out_dir`` (default:
    the edition's build folder); prints nothing. What ``spiegel validate`` does, for a caller in
    the same process. Raises ``ContractError`` for a missing or invalid contract."""
    result = validate_edition(edition)
    return result, write_reports(result, out_dir if out_dir is not None else edition.build_dir)


def preload() -> None:
    """Import Great Expectations now (2-4 s, most of a validation's fixed cost), e.g. in a thread
    while something else waits; ``validate_edition`` imports it itself otherwise."""
    _gx()


def main_validate(params_path: Path | str, out_dir: Path | str | None = None) -> int:
    """``spiegel validate``: validate all sources, write the reports, return the exit code."""
    try:
        edition = load_params(params_path)
        result, paths = validate_and_report(edition, out_dir)
    except (ParamsError, ContractError) as exc:
        print(f"spiegel validate: {exc}", file=sys.stderr)
        return 1
    report = shown_path(paths["html"], edition.root)
    if result.ok:
        print(f"Data validation passed: {result.summary()}. Report: {report}")
        return 0
    print(format_failures(result), file=sys.stderr)
    print(f"Report: {report}", file=sys.stderr)
    return 1
