"""Starting an edition: ``spiegel new-edition <year>`` (``make edition YEAR=<year>``).

Writes ``params/<year>.yml`` from the params of the newest earlier edition (or ``--from <year>``),
edited in place so that its comments, order and quoting stay as they were (ruamel.yaml's round
trip; nothing else in the file changes):

- set: ``edition``; the year in ``title`` and ``subtitle`` (the previous edition's year replaced by
  the new one); every source's ``file`` under ``data/<previous>/`` moved to ``data/<year>/``; the
  ``seed`` (a seed that starts with the previous edition's year gets the new year instead, e.g.
  20220906 -> 20230906; any other seed is moved on by the years between); ``waves.earlier`` gets
  the previous ``waves.current``;
- marked (a text starting with ``FILL IN``, saying what to write and what the previous edition
  had): ``publication_date``, ``research_period``, ``waves.current``, every period's ``label``,
  ``start`` and ``end``, every source's ``fieldwork``, a source ``file`` outside
  ``data/<previous>/`` (real data: where is this edition's file?), and every other value that
  names a year (a ``bron`` or ``title`` with years, analysis choices such as dates and study
  years, the colophon). ``chapters``, ``statistics``, ``disclosure_threshold``, ``synthetic`` and
  values without a year are kept as they were.

Every command refuses params with a mark left, one line per key (``spiegel.params``:
``marked_keys``), so a new edition cannot be built half filled in. An existing params file is never
overwritten.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from spiegel.params import MARK, ParamsError, editions, project_root

#: A year in a text: four digits 1900-2099 that are not part of a longer number.
YEAR_IN_TEXT = re.compile(r"(?<![\d.,])(?:19|20)\d{2}(?![\d])")
#: What to write, for the keys that are always marked (the key path's last part, or its pattern).
HINTS = {
    "publication_date": 'the publication date, written "YYYY-MM-DD"',
    "research_period": "the period this edition's research covers",
    "waves.current": "the year of this edition's survey wave (after the earlier waves)",
    "fieldwork": "when this edition's data of this source were collected",
    "label": "the period in words, as captions print it",
    "start": 'the first month, written "YYYY-MM"',
    "end": 'the last month, written "YYYY-MM"',
    "file": "the path of this edition's data file of this source",
}
#: Top-level keys copied as they are (they name no edition-specific fact).
KEPT = ("chapters", "statistics", "disclosure_threshold", "synthetic", "publisher")


class NewEditionError(ParamsError):
    """The edition cannot be started (the file exists, no earlier edition, ...)."""


def _yaml():
    from ruamel.yaml import YAML

    y = YAML()  # round trip: comments, order, flow style and quotes are kept
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _quoted(text: str):
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(text)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def mark(hint: str, previous: int, value: Any) -> Any:
    """The mark that replaces a value: what to write and what edition ``previous`` had."""
    return _quoted(f"{MARK}: {hint}; the {previous} edition had {_shown(value)}")


def names_a_year(value: Any) -> bool:
    """A year (a whole number 1900-2100, a date, a text with a year) or a list holding one."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1900 <= value <= 2100
    if isinstance(value, (dt.date, dt.datetime)):
        return True
    if isinstance(value, str):
        return bool(YEAR_IN_TEXT.search(value))
    if isinstance(value, list):
        return any(names_a_year(v) for v in value)
    return False


def _mark_years(node: Any, previous: int, path: str, marked: list[str]) -> None:
    """Mark every leaf (or list of scalars) under a mapping that names a year."""
    for key in list(node):
        value, where = node[key], f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            _mark_years(value, previous, where, marked)
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    _mark_years(item, previous, f"{where}[{i}]", marked)
                elif names_a_year(item):
                    value[i] = mark("this edition's value", previous, item)
                    marked.append(f"{where}[{i}]")
        elif names_a_year(value):
            node[key] = mark("this edition's value", previous, value)
            marked.append(where)


def _with_year(text: str, previous: int, year: int):
    new = str(text).replace(str(previous), str(year))
    return type(text)(new) if isinstance(text, str) and type(text) is not str else new


def _seed(seed: int, previous: int, year: int) -> int:
    digits = str(seed)
    if digits.startswith(str(previous)):
        return int(str(year) + digits[len(str(previous)):])
    return seed + (year - previous)


def derive(doc: Any, previous: int, year: int) -> list[str]:
    """Turn the round-trip document of edition ``previous`` into edition ``year`` in place;
    returns the keys marked, in file order."""
    marked: list[str] = []
    old_prefix, new_prefix = f"data/{previous}/", f"data/{year}/"
    for key in list(doc):
        value = doc[key]
        if key == "edition":
            doc[key] = year
        elif key in ("title", "subtitle") and isinstance(value, str):
            doc[key] = _with_year(value, previous, year)
        elif key == "seed" and isinstance(value, int) and not isinstance(value, bool):
            doc[key] = _seed(int(value), previous, year)
        elif key in ("publication_date", "research_period"):
            doc[key] = mark(HINTS[key], previous, value)
            marked.append(key)
        elif key == "waves" and isinstance(value, dict):
            current = value.get("current")
            earlier = value.get("earlier")
            if earlier is None:
                value["earlier"] = earlier = []
            if isinstance(current, int) and current not in earlier:
                at = next((i for i, y in enumerate(earlier) if isinstance(y, int) and y > current), len(earlier))
                earlier.insert(at, current)
            value["current"] = mark(HINTS["waves.current"], previous, current)
            marked.append("waves.current")
            for other in [k for k in value if k not in ("current", "earlier")]:
                _mark_years({other: value[other]}, previous, "waves", [])  # (no other keys in the schema)
        elif key == "periods" and isinstance(value, dict):
            for name, period in value.items():
                if isinstance(period, dict):
                    for part in list(period):
                        period[part] = mark(HINTS.get(part, "this edition's value"), previous, period[part])
                        marked.append(f"periods.{name}.{part}")
        elif key == "sources" and isinstance(value, dict):
            for sid, spec in value.items():
                if not isinstance(spec, dict):
                    continue
                for part in list(spec):
                    item, where = spec[part], f"sources.{sid}.{part}"
                    if part == "file" and isinstance(item, str):
                        if item.startswith(old_prefix):
                            spec[part] = type(item)(new_prefix + item[len(old_prefix):]) \
                                if type(item) is not str else new_prefix + item[len(old_prefix):]
                        else:
                            spec[part] = mark(HINTS["file"], previous, item)
                            marked.append(where)
                    elif part == "fieldwork":
                        spec[part] = mark(HINTS["fieldwork"], previous, item)
                        marked.append(where)
                    elif part != "contract" and names_a_year(item):
                        spec[part] = mark(f"this edition's {part}", previous, item)
                        marked.append(where)
        elif key == "development" and isinstance(value, dict):
            if "previous" in value:
                value["previous"] = previous  # compared with the edition it starts from; key figures kept
        elif key in KEPT:
            continue
        elif isinstance(value, dict):
            _mark_years(value, previous, str(key), marked)
        elif isinstance(value, list):
            _mark_years({key: value}, previous, "", marked)
        elif names_a_year(value):
            doc[key] = mark("this edition's value", previous, value)
            marked.append(str(key))
    return marked


def _header(text: str, previous: int, year: int, source: str) -> str:
    """The file's opening comment: the previous year replaced by the new one, and a note on the marks."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        if lines[i].startswith("#"):
            lines[i] = lines[i].replace(str(previous), str(year))
        i += 1
    note = (f"# Started with `spiegel new-edition {year}` from {source}. Every value marked \"{MARK}\" must be\n"
            f"# filled in: the build refuses to run while one is left, naming each key.\n")
    return note + "".join(lines)


def new_edition(year: int, from_year: int | None = None, root: Path | None = None) -> tuple[Path, Path, list[str]]:
    """Write ``params/<year>.yml`` from the newest edition before ``year`` (or ``from_year``);
    returns (new file, file it was made from, keys marked). Never overwrites a file."""
    root = project_root() if root is None else Path(root)
    found = editions(root)
    target = root / "params" / f"{year}.yml"
    if target.exists():
        raise NewEditionError(f"{target.relative_to(root)} exists already; new-edition never overwrites a params "
                              f"file (edit it, or move it away to start the edition again)")
    if from_year is None:
        earlier = [y for y in found if y < year]
        if not earlier:
            raise NewEditionError(f"no edition before {year} in {root / 'params'} (editions there: "
                                  f"{', '.join(map(str, found)) or 'none'}); name one with --from <year>")
        from_year = max(earlier)
    if from_year not in found:
        raise NewEditionError(f"params/{from_year}.yml does not exist (editions: {', '.join(map(str, found)) or 'none'})")
    if from_year >= year:
        raise NewEditionError(f"--from {from_year}: the edition to start from must be before {year}")
    source = found[from_year]
    y = _yaml()
    text = source.read_text(encoding="utf-8")
    doc = y.load(text)
    if not isinstance(doc, dict):
        raise NewEditionError(f"{source.relative_to(root)}: not a params file (a mapping at the top level)")
    previous = doc.get("edition", from_year)
    previous = previous if isinstance(previous, int) else from_year
    marked = derive(doc, previous, year)
    out = io.StringIO()
    y.dump(doc, out)
    shown_source = source.relative_to(root).as_posix()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as f:  # "x": never over a file written meanwhile
        f.write(_header(out.getvalue(), previous, year, shown_source))
    return target, source, marked
