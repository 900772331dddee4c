"""Chapter 2's CBS register (``cbs_srg_personen``, ``cbs_srg_starts``), aggregated by DuckDB where
it lies.

The register has a row per person in the bijstand population (472,000 in the 2022 data; the code
is built for ten million and more) and a row per started provision. The chapter never holds it in
pandas: :func:`open_table` gives a :class:`ParquetTable` (the file, with its row count and columns
read from the footer), and three DuckDB queries over the Parquet files reduce it to small frames:

- :func:`start_flags`: per person with a start in one of the periods, one integer whose bits say
  which provisions started in which period (and whether any did); a bit per (provision, period).
- :func:`person_cells`: the persons counted per cell of the group columns and the period
  memberships (``in_periode_<period>``), with the number of persons per start bit and the row
  where each cell first occurs (so groups keep the order in which the file lists them).
- :func:`monthly_starts`: the number of starts per provision and month.

Everything the chapter shows (Tabel 2, Figuur 3, the register findings) is summed from these
frames of a few hundred rows. A table handed in as a pandas DataFrame (a test's changed copy of
the data) goes through the same queries.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from spiegel.io import SourceError, read_source, scrub_paths
from spiegel.params import Edition

#: The column with each row's position in its file (0-based), as DuckDB's Parquet reader names it.
ROW = "file_row_number"
ID = "persoon_id"
#: DuckDB's working memory (buffers, hash tables, the flags table) per session. Ten million persons
#: need less; beyond it DuckDB spills to a temporary folder instead of growing the process.
MEMORY_LIMIT = "512MB"


@dataclass(frozen=True)
class ParquetTable:
    """A register source left in its Parquet file. ``len()`` and ``columns`` come from the file's
    footer; the rows are only read by the queries of this module (or by :meth:`to_pandas`)."""

    source: str
    path: Path
    num_rows: int
    columns: tuple[str, ...]
    root: Path | None = None

    def __len__(self) -> int:
        return self.num_rows

    def to_pandas(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """The table (or some ``columns``) as a pandas DataFrame. This reads every row: for tests
        and exploration, never for the chapter's own figures."""
        return pd.read_parquet(self.path, columns=list(columns) if columns is not None else None)

    def copy(self) -> pd.DataFrame:
        """A copy of the whole table as a pandas DataFrame (as ``DataFrame.copy`` gives one), to
        change and hand back into the chapter's ``Data`` (the tests do)."""
        return self.to_pandas()

    def _fail(self, problem: str) -> SourceError:
        return SourceError(self.source, self.path, problem, self.root)


#: What the register functions accept: the file, or (a test's copy) the rows in pandas.
Table = ParquetTable | pd.DataFrame


def open_table(edition: Edition, source_id: str) -> Table:
    """The source ``source_id`` as the edition's params name it, without reading its rows when it
    is a Parquet file; a CSV file is read into pandas as :func:`spiegel.io.read_source` reads it.
    A missing, empty or unreadable file stops here, with the messages ``read_source`` gives."""
    try:
        path = edition.sources[source_id].path
    except KeyError:
        raise SourceError(source_id, edition.path, "not declared in the params file", edition.root) from None
    if path.suffix != ".parquet":
        return read_source(edition, source_id)

    def fail(problem: str):
        raise SourceError(source_id, path, problem, edition.root)

    if not path.exists():
        fail("file not found")
    if path.stat().st_size == 0:
        fail("file is empty")
    try:
        meta = pq.read_metadata(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        fail(f"cannot be read: {type(exc).__name__}: {scrub_paths(str(exc), edition.root, path)}")
    return ParquetTable(source_id, path, meta.num_rows, tuple(meta.schema.to_arrow_schema().names), edition.root)


def _columns(table: Table) -> list[str]:
    return list(table.columns)


def _require(table: Table, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in _columns(table)]
    if not missing:
        return
    problem = f"has no column(s) {', '.join(missing)}, which {what} needs"
    if isinstance(table, ParquetTable):
        raise table._fail(problem)
    raise KeyError(f"the register table {problem}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def _attached(con: duckdb.DuckDBPyConnection, name: str, table: Table, columns: Sequence[str], *,
              row_number: bool = False) -> Iterator[None]:
    """``table`` (its ``columns``, and with ``row_number`` the column ``ROW``) queryable as ``name``
    on ``con`` while the block runs: a view on the Parquet file, or the pandas rows handed over
    as Arrow."""
    if isinstance(table, ParquetTable):
        select = ", ".join([_quote(c) for c in columns] + ([ROW] if row_number else []))
        options = ", file_row_number = true" if row_number else ""
        con.execute(f"CREATE TEMP VIEW {name} AS SELECT {select} "
                    f"FROM read_parquet({_literal(str(table.path))}{options})")
        try:
            yield
        finally:
            con.execute(f"DROP VIEW {name}")
        return
    arrow = pa.Table.from_pandas(table[list(columns)], preserve_index=False)
    if row_number:
        arrow = arrow.append_column(ROW, pa.array(np.arange(len(table), dtype="int64")))
    con.register(name, arrow)
    try:
        yield
    finally:
        con.unregister(name)


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping | None, tables: Sequence[Table], *,
           statement: bool = False):
    """Run ``sql``: the relation of a query, or (``statement``) a statement executed at once. A
    file that turns out unreadable halfway is named as ``open_table`` names it."""
    try:
        if statement:
            return con.execute(sql, dict(params or {}))
        return con.sql(sql, params=dict(params or {}))
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        for table in tables:
            if isinstance(table, ParquetTable) and str(table.path) in str(exc):
                raise table._fail(f"cannot be read: {scrub_paths(str(exc), table.root, table.path)}") from None
        raise


class _Session:
    """An in-memory DuckDB whose working memory is bounded by ``MEMORY_LIMIT``; beyond it DuckDB
    spills to a folder in the system's temporary folder, which it makes only when it spills and
    which is removed with the session. One query at a time (``lock``)."""

    def __init__(self) -> None:
        spill = Path(tempfile.gettempdir()) / f"spiegel-duckdb-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.con = duckdb.connect(":memory:", config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
        self.lock = threading.Lock()
        self._close = weakref.finalize(self, _close, self.con, spill)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _close(con: duckdb.DuckDBPyConnection, spill: Path) -> None:
    try:
        con.close()
    finally:
        shutil.rmtree(spill, ignore_errors=True)


# --------------------------------------------------------------------------- starts per person


@dataclass(frozen=True, eq=False)
class Flags:
    """Per person with a start in a period, one ``mask`` whose bit ``bits[(voorziening, period)]``
    is set when that provision started in that period, and bit ``bits[("any", period)]`` when any
    start (of whatever provision) fell in the period. The table (``persoon_id``, ``mask``; ``rows``
    rows) stays in the DuckDB session that computed it, where :func:`person_cells` joins it to the
    persons; :meth:`to_arrow` hands it out."""

    bits: dict[tuple[str, str], int]
    rows: int
    session: _Session = field(repr=False)

    def to_arrow(self) -> pa.Table:
        with self.session.lock:
            return self.session.con.sql("SELECT * FROM flags").to_arrow_table()


def start_flags(starts: Table, periods: Mapping[str, Sequence[str]], voorzieningen: Sequence[str]) -> Flags:
    """Which provisions each person started in each period (``periods``: name -> YYYY-MM months).
    A start counts for the periods whose months hold its ``startmaand``; persons are told apart by
    ``persoon_id`` only, so a person listed twice in the persons gets the flags on both rows."""
    _require(starts, (ID, "voorziening", "startmaand"), "the register figures")
    names = list(voorzieningen)
    width = len(names) + 1  # a bit per provision, then one for "any"
    bits: dict[tuple[str, str], int] = {}
    for i, period in enumerate(periods):
        bits.update({(v, period): i * width + j for j, v in enumerate(names)})
        bits[("any", period)] = i * width + len(names)
    if len(bits) > 63:
        raise ValueError(f"{len(bits)} start flags do not fit in one 64-bit mask (fewer provisions or periods)")
    kind = ("coalesce(1::BIGINT << (list_position($voorzieningen, voorziening) - 1), 0)"
            f" | (1::BIGINT << {len(names)})")
    parts = [f"CASE WHEN list_position($period_{i}, startmaand) IS NOT NULL THEN ({kind}) << {i * width} ELSE 0 END"
             for i in range(len(periods))]
    params = {"voorzieningen": names, **{f"period_{i}": list(m) for i, m in enumerate(periods.values())}}
    mask_type = "INTEGER" if len(bits) <= 31 else "BIGINT"
    session = _Session()
    with session.lock, _attached(session.con, "starts", starts, (ID, "voorziening", "startmaand")):
        _query(session.con, f"CREATE TEMP TABLE flags AS SELECT {ID}, bit_or(mask)::{mask_type} AS mask "
                            f"FROM (SELECT {ID}, ({' | '.join(parts)}) AS mask FROM starts) "
                            f"WHERE mask <> 0 GROUP BY {ID}", params, [starts], statement=True)
        rows = session.con.sql("SELECT count(*) FROM flags").fetchall()[0][0]
    return Flags(bits, int(rows), session)


# --------------------------------------------------------------------------- persons per cell


def person_cells(personen: Table, flags: Flags, dims: Sequence[str], periods: Sequence[str]) -> pd.DataFrame:
    """The persons per cell of ``dims`` and the memberships ``in_periode_<period>``: one row per
    cell that occurs, in the order of the row where it first occurs, with ``personen`` (the
    number of rows), ``eerste`` (that first row, 0-based) and, for every start bit ``k`` of
    ``flags``, ``bit_<k>``: the number of rows of the cell whose person has that bit set."""
    members = [f"in_periode_{p}" for p in periods]
    keys = list(dict.fromkeys([*dims, *members]))
    _require(personen, [ID, *keys], "the register figures")
    key_sql = ", ".join(_quote(k) for k in keys)
    con = flags.session.con
    with flags.session.lock, _attached(con, "personen", personen, [ID, *keys], row_number=True):
        sql = (f"SELECT {key_sql}, coalesce(mask, 0) AS mask, count(*) AS n, min({ROW}) AS eerste "
               f"FROM personen LEFT JOIN flags USING ({ID}) GROUP BY ALL")
        cells = _query(con, sql, None, [personen]).df()
    mask = cells.pop("mask").to_numpy(dtype="int64")
    n = cells.pop("n").to_numpy(dtype="int64")
    cells["personen"] = n
    for k in sorted(set(flags.bits.values())):
        cells[f"bit_{k}"] = np.where((mask >> k) & 1 == 1, n, 0)
    grouped = cells.groupby(keys, dropna=False, sort=False)
    out = grouped.sum().drop(columns="eerste").join(grouped["eerste"].min()).reset_index()
    return out.sort_values("eerste", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- starts per month


def monthly_starts(starts: Table) -> pd.DataFrame:
    """The number of starts (``n``) per ``voorziening`` and ``startmaand``."""
    _require(starts, ("voorziening", "startmaand"), "Figuur 3 and the recovery")
    with _Session() as session, _attached(session.con, "starts", starts, ("voorziening", "startmaand")):
        frame = _query(session.con, "SELECT voorziening, startmaand, count(*) AS n FROM starts GROUP BY ALL",
                       None, [starts]).df()
    frame["n"] = frame["n"].astype("int64")
    return frame
