"""Read an edition's source files (CSV or Parquet) with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from spiegel.params import Edition, Source


class SourceError(RuntimeError):
    """A source file is missing or cannot be read."""

    def __init__(self, source: str, path: Path, problem: str):
        self.source, self.path, self.problem = source, path, problem
        super().__init__(f"dataset '{source}': {problem} ({path})")


_INTEGER = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every value is a plain number become numeric; all others stay text.
    (pandas' own inference reads codes such as ``27_45`` as the number 2745.)"""
    for column in frame.columns:
        values = frame[column].dropna()
        if values.empty:
            continue
        if values.map(lambda v: bool(_INTEGER.match(v))).all():
            frame[column] = pd.to_numeric(frame[column]).astype("Int64" if frame[column].isna().any() else "int64")
        elif values.map(lambda v: bool(_DECIMAL.match(v))).all():
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def read_file(path: Path, source: str = "?") -> pd.DataFrame:
    """Read one CSV or Parquet file. CSV cells are text unless a whole column holds plain
    numbers; empty cells are missing."""
    if not path.exists():
        raise SourceError(source, path, "file not found")
    if path.stat().st_size == 0:
        raise SourceError(source, path, "file is empty")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix == ".csv":
            return _typed(pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]))
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        raise SourceError(source, path, f"cannot be read: {type(exc).__name__}: {exc}") from exc
    raise SourceError(source, path, f"unsupported file type '{path.suffix}' (use .csv or .parquet)")


def read_source(edition: Edition, source_id: str) -> pd.DataFrame:
    """Read the file of ``source_id`` as the edition's params name it."""
    try:
        source: Source = edition.sources[source_id]
    except KeyError:
        raise SourceError(source_id, edition.path, "not declared in the params file") from None
    return read_file(source.path, source_id)
