"""Read an edition's source files (CSV or Parquet) with clear errors.

CSV files are read strictly with the standard library's ``csv`` module (RFC 4180 quoting):

- UTF-8, with or without a byte-order mark; line breaks ``\\n``, ``\\r\\n`` or ``\\r``;
- the first non-blank line is the header: every column needs a name, and names are unique;
- completely empty lines are skipped (anywhere in the file);
- every record must have exactly as many fields as the header; a short or long record is an
  error naming the dataset, the file and the line number where the record starts;
- a quoted field may hold commas, quotes (doubled) and line breaks; a quote that is never closed
  (a file cut off inside a quoted field) is an error naming the line where the field starts;
- the file must end with a line break: a file cut off inside the last field of its last line has
  the right number of fields, so a missing final line break is the only trace of the cut and is
  refused (add a final line break if the file is complete).

Error messages never quote the contents of a record (they may hold identifiers), only line
numbers and field counts, and show the file relative to the project root (or just its name).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from spiegel.params import Edition, Source


def shown_path(path: Path | str, root: Path | str | None = None) -> str:
    """``path`` as it may appear in reports and logs: relative to the project ``root`` when it
    lies inside it, else just the file name (never an absolute path)."""
    path = Path(path)
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return path.name


_ABSOLUTE = re.compile(r"(?<![\w.~-])(?:[A-Za-z]:)?[/\\](?:[^\s'\"/\\<>|:]+[/\\])+([^\s'\"/\\<>|:]*)")


def scrub_paths(text: str, root: Path | str | None = None, *paths: Path | str) -> str:
    """``text`` (e.g. a library's exception message) with every absolute path replaced as
    ``shown_path`` shows it: ``paths`` and files under ``root`` relative to ``root``, any other
    absolute path by its last component."""
    for p in paths:
        for form in {str(p), str(Path(p).resolve())}:
            text = text.replace(form, shown_path(p, root))

    def shorten(match: re.Match) -> str:
        return shown_path(match.group(0), root) if root is not None else match.group(1)

    return _ABSOLUTE.sub(shorten, text)


class SourceError(RuntimeError):
    """A source file is missing or cannot be read."""

    def __init__(self, source: str, path: Path, problem: str, root: Path | None = None):
        self.source, self.path, self.problem = source, path, problem
        self.shown = shown_path(path, root)
        super().__init__(f"dataset '{source}': {problem} ({self.shown})")


@dataclass
class Table:
    """A source's data and, per row, where it is in the file: ``lines`` holds the file line on
    which each CSV record starts (header = line 1); for Parquet it is ``None`` and rows are
    numbered 1, 2, … in file order."""

    frame: pd.DataFrame
    lines: list[int] | None = None

    @property
    def unit(self) -> str:
        """What a row number means: ``line`` (CSV) or ``row`` (Parquet)."""
        return "row" if self.lines is None else "line"

    def row_numbers(self, positions) -> list[int]:
        """The file line (CSV) or 1-based row number (Parquet) of 0-based row ``positions``."""
        if self.lines is None:
            return [int(p) + 1 for p in positions]
        return [self.lines[int(p)] for p in positions]


_INTEGER = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every value is a plain number become numeric; all others stay text.
    (pandas' own inference reads codes such as ``27_45`` as the number 2745.)"""
    for column in frame.columns:
        values = frame[column].dropna().unique()  # each distinct value is matched once
        if len(values) == 0:
            continue
        if all(_INTEGER.match(v) for v in values):
            frame[column] = pd.to_numeric(frame[column]).astype("Int64" if frame[column].isna().any() else "int64")
        elif all(_DECIMAL.match(v) for v in values):
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def _fields(n: int) -> str:
    return f"{n} field{'s' if n != 1 else ''}"


def _read_csv(path: Path, fail) -> Table:
    """Parse ``path`` strictly (see the module docstring); ``fail(problem)`` raises."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(re.split(r"\r\n|\r|\n", raw[:exc.start].decode("utf-8", "replace")))  # the bad byte's line
        fail(f"file is not valid UTF-8 (line {line}, byte {exc.start + 1}); save the file as UTF-8")
    if not text.strip():
        fail("file is empty")
    if not text.endswith(("\n", "\r")):
        last = len(io.StringIO(text, newline="").readlines())
        fail(f"line {last}, the last line, does not end with a line break: the file may be cut off "
             f"(if it is complete, add a final line break)")
    # Lines end at \n, \r\n or \r only (str.splitlines would also split at \x0c, \u2028, ...).
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                fail(f"the quoted field in the record starting on line {start} is never closed: "
                     f"the file may be cut off")
            fail(f"line {start} is not valid CSV: {exc}")
        if not record:  # a completely empty line
            continue
        if header is None:
            header = record
            unnamed = [i + 1 for i, name in enumerate(header) if not name.strip()]
            if unnamed:
                fail(f"the header (line {start}) has no name for column {', '.join(map(str, unnamed))}"
                     f" (a trailing comma?)")
            seen: set[str] = set()
            twice = [name for name in header if name in seen or seen.add(name)]
            if twice:
                fail(f"the header (line {start}) names column(s) more than once: {', '.join(map(repr, twice))}")
            continue
        if len(record) != len(header):
            where = f"line {start}" if reader.line_num == start else f"the record on lines {start}–{reader.line_num}"
            kind = "too few" if len(record) < len(header) else "too many"
            fail(f"{where} has {_fields(len(record))}, the header has {len(header)} ({kind} fields; "
                 f"a file cut off or a separator inside an unquoted value?)")
        rows.append(record)
        lines.append(start)
    if header is None:
        fail("file holds no header")
    columns = list(zip(*rows)) if rows else [()] * len(header)
    frame = pd.DataFrame({
        name: pd.array([v if v != "" else None for v in values], dtype="str")
        for name, values in zip(header, columns)
    })
    return Table(_typed(frame), lines)


def read_table(path: Path, source: str = "?", root: Path | None = None) -> Table:
    """Read one CSV or Parquet file with the position of each row in the file (see ``Table``).
    CSV cells are text unless a whole column holds plain numbers; empty cells are missing.
    ``root`` (the project root) only changes how the file is named in errors."""

    def fail(problem: str):
        raise SourceError(source, path, problem, root)

    if not path.exists():
        fail("file not found")
    if path.stat().st_size == 0:
        fail("file is empty")
    if path.suffix == ".csv":
        return _read_csv(path, fail)
    if path.suffix == ".parquet":
        try:
            return Table(pd.read_parquet(path))
        except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
            fail(f"cannot be read: {type(exc).__name__}: {scrub_paths(str(exc), root, path)}")
    fail(f"unsupported file type '{path.suffix}' (use .csv or .parquet)")
    raise AssertionError("unreachable")


def read_file(path: Path, source: str = "?", root: Path | None = None) -> pd.DataFrame:
    """Read one CSV or Parquet file (see ``read_table``) and return its data."""
    return read_table(path, source, root).frame


def read_source(edition: Edition, source_id: str) -> pd.DataFrame:
    """Read the file of ``source_id`` as the edition's params name it."""
    try:
        source: Source = edition.sources[source_id]
    except KeyError:
        raise SourceError(source_id, edition.path, "not declared in the params file", edition.root) from None
    return read_file(source.path, source_id, edition.root)
