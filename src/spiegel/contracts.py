"""Data contracts: check every source of an edition against its suite in ``data_contracts/``.

A contract is a Great Expectations (GX Core 1.x) suite kept as YAML in GX's own shape
(``name``, ``expectations: [{type, kwargs, meta: {rule}}]``) plus our keys ``dataset``,
``description`` and ``custom_checks``: the few rules GX cannot express (cross-file references,
sums across columns or rows, values from the params), implemented below in ``CUSTOM_CHECKS``.

Every rule yields one ``RuleResult``; a failure names dataset, column, rule and up to five
offending values. We write our own JSON/Markdown/HTML report (GX Data Docs load CDNs).
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import sys
import warnings
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from spiegel.io import SourceError, read_file
from spiegel.params import Edition, ParamsError, load_params

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
    values: list[Any] = field(default_factory=list)  # up to MAX_VALUES offending values
    message: str = ""

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
        e = html.escape
        status = "passed" if self.ok else "failed"
        parts = [
            "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            f"<title>Validation of the sources: {e(self.title)}</title>", f"<style>{_CSS}</style>", "</head>",
            "<body>", f"<h1>Validation of the sources: {e(self.title)}</h1>",
            f'<p class="verdict {status}">{status.upper()}: {e(self.summary())}.</p>',
            "<table><thead><tr><th>dataset</th><th>file</th><th>rows</th><th>rules</th><th>failed</th>"
            "</tr></thead><tbody>",
        ]
        for s in self.sources:
            parts.append(f'<tr class="{"pass" if s.ok else "fail"}"><td><a href="#{e(s.dataset)}">{e(s.dataset)}'
                         f"</a></td><td><code>{e(s.path)}</code></td><td>{_rows(s.rows)}</td>"
                         f"<td>{len(s.rules)}</td><td>{len(s.failures)}</td></tr>")
        parts.append("</tbody></table>")
        if not self.ok:
            parts.append("<h2>Failures</h2><ul>")
            parts += [f"<li>{e(r.line())}</li>" for r in self.failures]
            parts.append("</ul>")
        for s in self.sources:
            parts.append(f'<h2 id="{e(s.dataset)}">{e(s.dataset)} <small>({"ok" if s.ok else "failed"}; '
                         f"contract <code>{e(s.contract)}</code>, {_rows(s.rows)} rows)</small></h2>")
            parts.append("<table><thead><tr><th>result</th><th>column</th><th>rule</th><th>check</th>"
                         "<th>offending rows</th><th>detail</th></tr></thead><tbody>")
            for r in s.rules:
                parts.append(
                    f'<tr class="{"pass" if r.ok else "fail"}"><td>{"pass" if r.ok else "FAIL"}</td>'
                    f"<td>{e(r.column)}</td><td>{e(r.rule_name)}</td><td><code>{e(r.rule)}</code></td>"
                    f"<td>{'' if r.offending is None else r.offending}</td><td>{e(r.message)}</td></tr>")
            parts.append("</tbody></table>")
        parts += ["</body>", "</html>"]
        return "\n".join(parts) + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:75em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;width:100%}"
    "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}"
    "th{background:#eee}tr.fail td{background:#fde2e2}tr.pass td:first-child{color:#1a7f37}"
    "tr.fail td:first-child{color:#b42318;font-weight:bold}.verdict{font-size:1.2em;font-weight:bold}"
    ".verdict.passed{color:#1a7f37}.verdict.failed{color:#b42318}small{font-weight:normal;color:#555}"
)


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


def _root(root: Path | str | Edition | None) -> Path:
    if isinstance(root, Edition):
        return root.root
    if root is not None:
        return Path(root)
    here = Path(__file__).resolve().parents[2]  # src layout: <root>/src/spiegel/contracts.py
    return here if (here / CONTRACTS_DIR).is_dir() else Path.cwd()


def load_suite(name: str, root: Path | str | Edition | None = None, *,
               skip: Collection[str] = ()) -> gx.ExpectationSuite:
    """Load ``<root>/data_contracts/<name>.yml`` as a GX suite.

    Our extra keys (``dataset``, ``description``, ``custom_checks``) go into ``suite.meta``.
    ``skip`` leaves out expectation types (tests use ``ROW_COUNT_RULES`` for small fixtures).
    Raises ``ContractError`` if the file is missing or invalid, or if GX would drop an expectation.
    """
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    path = _root(root) / CONTRACTS_DIR / f"{name}.yml"
    if not path.is_file():
        raise ContractError(f"contract '{name}': suite file not found ({path})")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ContractError(f"contract '{name}': {path} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("expectations"), list):
        raise ContractError(f"contract '{name}': {path} must be a mapping with a list 'expectations'")
    if spec.get("name") != name:
        raise ContractError(f"contract '{name}': {path} has name {spec.get('name')!r}, expected {name!r}")

    expectations = []
    for i, item in enumerate(spec["expectations"]):
        where = f"contract '{name}': expectation #{i + 1} in {path}"
        if not isinstance(item, dict) or not isinstance(item.get("type"), str) \
                or not isinstance(item.get("kwargs", {}), dict):
            raise ContractError(f"{where} needs a 'type' and a mapping 'kwargs'")
        if item["type"] in skip:
            continue
        config = {"type": item["type"], "kwargs": item.get("kwargs", {}), "meta": item.get("meta") or {}}
        try:  # GX itself would only log this error and silently drop the expectation
            ExpectationConfiguration(**config).to_domain_obj()
        except Exception as exc:  # noqa: BLE001 - unknown type or bad kwargs: one clear message
            raise ContractError(f"{where} ({item['type']}) is not a valid GX expectation: "
                                f"{str(exc).splitlines()[0]}") from exc
        expectations.append({**config, "id": f"{name}#{i + 1}"})  # ids put results back in file order

    checks = spec.get("custom_checks") or []
    for check in checks:
        if not isinstance(check, dict) or check.get("check") not in CUSTOM_CHECKS:
            raise ContractError(f"contract '{name}': unknown custom check {check!r} in {path} "
                                f"(known: {', '.join(CUSTOM_CHECKS)})")
    meta = {k: spec[k] for k in ("dataset", "description") if k in spec} | {"custom_checks": checks}
    suite = gx.ExpectationSuite(name=name, expectations=expectations, meta=meta)
    if len(suite.expectations) != len(expectations):
        raise ContractError(f"contract '{name}': GX kept {len(suite.expectations)} of "
                            f"{len(expectations)} expectations from {path}")
    return suite


# --------------------------------------------------------------------------- custom checks
# Each takes the frame, the run (for the edition and other datasets) and the check's kwargs, and
# returns (number of offending rows, offending values).


def _columns_sum_to(df, run, *, columns, total, tolerance=0.0, id_column=None):
    """Per row, ``columns`` add up to ``total`` (± tolerance); rows with a missing value are skipped."""
    _numeric(df, columns)
    sums = df[list(columns)].sum(axis=1, min_count=len(columns))
    bad = sums.notna() & ((sums - total).abs() > tolerance)
    labels = df.loc[bad, id_column] if id_column else df.index[bad]
    return int(bad.sum()), [f"{label}: {value:g}" for label, value in zip(labels, sums[bad])]


def _parts_sum_to_total(df, run, *, group, category, value, total):
    """Within each ``group`` the ``value``s add up to the row with ``category == total``."""
    _numeric(df, [value])
    totals = df.loc[df[category] == total, value]
    if len(totals) != 1:
        return max(len(totals), 1), [f"{len(totals)} rows with {category} = {total!r}, expected 1"]
    parts = df[df[category] != total]
    sums = parts.groupby(group)[value].sum()
    bad = sums[sums != totals.iloc[0]]
    return int(parts[group].isin(bad.index).sum()), [f"{g}: {s} ≠ {totals.iloc[0]}" for g, s in bad.items()]


def _values_in_params(df, run, *, column, key):
    """Values of ``column`` are among the params value at dotted ``key`` (e.g. ``waves.earlier``)."""
    allowed: Any = run.edition.raw
    for part in key.split("."):
        allowed = allowed[part]
    bad = df[column].notna() & ~df[column].isin(list(allowed))
    return int(bad.sum()), list(df.loc[bad, column])


def _references(df, run, *, column, dataset, other_column):
    """Every non-empty ``column`` value occurs in ``other_column`` of source ``dataset``."""
    other = run.frame(dataset)[other_column]
    bad = df[column].notna() & ~df[column].isin(other)
    return int(bad.sum()), list(df.loc[bad, column])


CUSTOM_CHECKS: dict[str, Callable[..., tuple[int, list[Any]]]] = {
    "columns_sum_to": _columns_sum_to,
    "parts_sum_to_total": _parts_sum_to_total,
    "values_in_params": _values_in_params,
    "references": _references,
}


def _check_column(kwargs: dict[str, Any]) -> str:
    if "column" in kwargs:
        return str(kwargs["column"])
    if "columns" in kwargs:
        return " + ".join(kwargs["columns"])
    return str(kwargs.get("value", TABLE))


# --------------------------------------------------------------------------- validation


class _Run:
    """One validation run: one ephemeral GX context, the edition, and the frames read so far."""

    def __init__(self, edition: Edition, keep: Collection[str] = ()):
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.edition = edition
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        asset = self.context.data_sources.add_pandas("spiegel").add_dataframe_asset("source")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        self._frames: dict[str, pd.DataFrame | SourceError] = {}
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

    def frame(self, dataset: str) -> pd.DataFrame:
        """The source's data, read once; raises ``SourceError`` if it cannot be read."""
        source = self.source(dataset)
        if source.id not in self._frames:
            try:
                self._frames[source.id] = read_file(source.path, source.id)
            except SourceError as exc:
                self._frames[source.id] = exc
        got = self._frames[source.id]
        if isinstance(got, SourceError):
            raise got
        return got

    def validate(self, source_id: str, suite) -> SourceResult:
        source = self.source(source_id)
        try:
            rel = str(source.path.relative_to(self.edition.root))
        except ValueError:
            rel = str(source.path)
        readable = RuleResult(source.id, FILE, "file_readable", "file readable", True)
        try:
            df = self.frame(source.id)
        except SourceError as exc:
            readable.ok, readable.message = False, f"{exc.problem} ({rel})"
            return SourceResult(source.id, source.contract, rel, None, [readable])
        rules = [readable, *self._gx_rules(source.id, suite, df)]
        for check in suite.meta.get("custom_checks", []):
            rules.append(self._custom(source.id, check, df))
        if source.id not in self.keep:  # only frames that other checks refer to stay in memory
            self._frames.pop(source.id, None)
        return SourceResult(source.id, source.contract, rel, len(df), rules)

    def _gx_rules(self, dataset: str, suite, df: pd.DataFrame) -> list[RuleResult]:
        """Run the suite: a fast pass (success only), then the failed expectations again with details."""
        gx = _gx()
        if len(df) < 100_000:  # GX takes many row subsets of wide survey frames: ~2x faster on
            df = df.astype({c: pd.StringDtype("python", na_value=float("nan"))  # python-backed strings
                            for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)})
        order = {e.id: i for i, e in enumerate(suite.expectations)}
        try:
            batch = self.batch_definition.get_batch(batch_parameters={"dataframe": df})
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = batch.validate(suite, result_format="BOOLEAN_ONLY").results
                failed = [r.expectation_config.to_json_dict() for r in results if not r.success]
                if failed:
                    detail = gx.ExpectationSuite(name=f"{suite.name}-failed", expectations=failed)
                    detailed = batch.validate(detail, result_format=RESULT_FORMAT).results
                    again = {r.expectation_config.id: r for r in detailed}
                    results = [again.get(r.expectation_config.id, r) for r in results]
        except Exception as exc:  # noqa: BLE001 - a GX crash must still name the dataset
            return [RuleResult(dataset, TABLE, "gx_validation", "contract could be run", False,
                               message=f"{type(exc).__name__}: {exc}")]
        results = sorted(results, key=lambda r: order.get(r.expectation_config.id, len(order)))
        return [_from_gx(dataset, r, set(df.columns)) for r in results]

    def _custom(self, dataset: str, check: dict[str, Any], df: pd.DataFrame) -> RuleResult:
        kwargs = check.get("kwargs") or {}
        name = check["check"]
        rule = RuleResult(dataset, _check_column(kwargs), f"custom:{name}",
                          (check.get("meta") or {}).get("rule", name), True)
        needed = [kwargs[k] for k in ("column", "group", "category", "value") if k in kwargs]
        absent = [c for c in [*needed, *kwargs.get("columns", [])] if c not in df.columns]
        if absent:
            rule.ok, rule.message = False, f"column '{absent[0]}' does not exist"
            return rule
        try:
            n, values = CUSTOM_CHECKS[name](df, self, **kwargs)
        except SourceError as exc:
            rule.ok, rule.message = False, f"could not be checked: {exc}"
        except Exception as exc:  # noqa: BLE001 - e.g. a missing column or a wrong type
            rule.ok, rule.message = False, f"could not be checked: {_exc_text(exc)}"
        else:
            rule.ok = n == 0
            _set_offending(rule, n, values)
        return rule


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


def _set_offending(rule: RuleResult, n: int, values: Iterable[Any]) -> None:
    distinct: list[Any] = []
    for v in map(_plain, values):
        if v not in distinct:
            distinct.append(v)
        if len(distinct) == MAX_VALUES:
            break
    rule.offending, rule.values = n, distinct
    rule.message = f"{n} offending row{'s' if n != 1 else ''}" if n or not rule.ok else ""
    if distinct:
        rule.message += ", e.g. " + ", ".join(map(_show, distinct))


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


def _from_gx(dataset: str, r, columns: set[str]) -> RuleResult:
    cfg, res = r.expectation_config, r.result or {}
    kw = cfg.kwargs
    column = kw.get("column") or ", ".join(kw.get("column_list") or []) or TABLE
    rule = RuleResult(dataset, column, cfg.type, (cfg.meta or {}).get("rule", cfg.type), bool(r.success))
    if r.success:
        return rule
    used = [kw.get("column"), *(kw.get("column_list") or []), *_condition_columns(kw.get("row_condition"))]
    absent = [c for c in used if c and c not in columns]
    if absent:  # GX buries this in exception_info, in varying words
        rule.message = f"column '{absent[0]}' does not exist"
        return rule
    exc = _exception(r.exception_info)
    if exc:
        rule.message = f"could not be checked: {exc}"
        return rule
    if "unexpected_count" in res:
        counts = res.get("partial_unexpected_counts") or []
        values = [c["value"] for c in counts] if counts else res.get("partial_unexpected_list") or []
        if values and isinstance(values[0], tuple) and "column_list" in kw:
            values = [dict(zip(kw["column_list"], v)) for v in values]
        _set_offending(rule, int(res["unexpected_count"]), values)
        return rule
    mismatch = (res.get("details") or {}).get("mismatched")
    if isinstance(mismatch, dict):
        missing, unexpected = mismatch.get("missing") or [], mismatch.get("unexpected") or []
        rule.values = [*missing, *unexpected]
        rule.message = "; ".join(
            [f"missing column(s) {', '.join(map(repr, missing))}"] * bool(missing)
            + [f"unexpected column(s) {', '.join(map(repr, unexpected))}"] * bool(unexpected))
        return rule
    observed = _plain(res.get("observed_value"))
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


def main_validate(params_path: Path | str, out_dir: Path | str | None = None) -> int:
    """``spiegel validate``: validate all sources, write the reports, return the exit code."""
    try:
        edition = load_params(params_path)
        result = validate_edition(edition)
    except (ParamsError, ContractError) as exc:
        print(f"spiegel validate: {exc}", file=sys.stderr)
        return 1
    paths = write_reports(result, out_dir if out_dir is not None else edition.build_dir)
    if result.ok:
        print(f"Data validation passed: {result.summary()}. Report: {paths['html']}")
        return 0
    print(format_failures(result), file=sys.stderr)
    print(f"Report: {paths['html']}", file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- appended checks


def _parts_sum_to_total_by(df, run, *, by, group, category, value, total):
    """As ``parts_sum_to_total``, separately within each value of ``by`` (e.g. per regeling, each
    kenmerk's categories add up to that regeling's own total row)."""
    if by not in df.columns:
        raise KeyError(f"column '{by}' does not exist")
    offending, values = 0, []
    for key, part in df.groupby(by, sort=False):
        n, found = _parts_sum_to_total(part, run, group=group, category=category, value=value, total=total)
        offending += n
        values += [f"{key}: {v}" for v in found]
    return offending, values


CUSTOM_CHECKS["parts_sum_to_total_by"] = _parts_sum_to_total_by
