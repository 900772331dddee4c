"""Read an edition's source files (CSV or Parquet) with clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from spiegel.params import Edition, Source


class SourceError(RuntimeError):
    """A source file is missing or cannot be read."""

    def __init__(self, source: str, path: Path, problem: str):
        self.source, self.path, self.problem = source, path, problem
        super().__init__(f"dataset '{source}': {problem} ({path})")


def read_file(path: Path, source: str = "?") -> pd.DataFrame:
    """Read one CSV (all columns as strings where text, empty cells as missing) or Parquet file."""
    if not path.exists():
        raise SourceError(source, path, "file not found")
    if path.stat().st_size == 0:
        raise SourceError(source, path, "file is empty")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        if path.suffix == ".csv":
            return pd.read_csv(path, keep_default_na=False, na_values=[""])
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
