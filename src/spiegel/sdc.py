"""Statistical disclosure control for every table and chart frame before it is shown.

- :func:`suppress` blanks cells based on fewer than ``threshold`` unweighted respondents (or
  register units) and marks them; it never drops rows.
- :func:`check_aggregate` refuses frames that look like microdata (id or weight columns, many
  rows): charts and tables must only get aggregated frames.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import pandas as pd

from spiegel.stats import Estimate

#: Shown instead of a suppressed value in tables and text (an en dash).
SUPPRESSED_MARK = "–"
#: Default threshold (the 2022 params use 10); pass the edition's ``disclosure_threshold``.
DEFAULT_THRESHOLD = 10
#: Column names that identify units (or weight them): their presence means microdata.
ID_COLUMNS: frozenset[str] = frozenset(
    {"id", "resp_id", "respondent_id", "persoon_id", "km_id", "bsn", "rinpersoon",
     "huishouden_id", "gewicht", "weight", "weging"}
)
_ID_PATTERN = re.compile(r"(^|_)(id|bsn)$", re.IGNORECASE)


class DisclosureError(ValueError):
    """A frame is not safe to publish (microdata, or too few respondents)."""


def suppression_note(threshold: int = DEFAULT_THRESHOLD) -> str:
    """Table note explaining the suppression mark."""
    return f"{SUPPRESSED_MARK} = minder dan {threshold} respondenten; niet getoond"


def suppress(
    frame: pd.DataFrame,
    n_col: str = "n",
    threshold: int = DEFAULT_THRESHOLD,
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Copy of ``frame`` with the values of cells whose ``n_col`` < ``threshold`` set to NaN.

    ``value_cols``: the columns to blank; default every numeric column except ``n_col`` and
    ``n_eff`` (list ``n_col`` itself to blank a register count). Numeric value columns become
    float64 with NaN in blanked cells; text columns get :data:`SUPPRESSED_MARK`. A boolean column
    ``suppressed`` marks the blanked rows (or-ed with an existing one); a missing n counts as
    too small.
    """
    if n_col not in frame.columns:
        raise KeyError(f"no column {n_col!r} with unweighted counts in the frame")
    out = frame.copy()
    if value_cols is None:
        value_cols = [c for c in out.columns
                      if c not in (n_col, "n_eff", "suppressed")
                      and pd.api.types.is_numeric_dtype(out[c])
                      and not pd.api.types.is_bool_dtype(out[c])]
    missing = [c for c in value_cols if c not in out.columns]
    if missing:
        raise KeyError(f"value columns not in the frame: {missing}")
    n = pd.to_numeric(out[n_col], errors="coerce")
    small = (n.isna() | (n < threshold)).to_numpy()
    for col in value_cols:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("float64")
            out.loc[small, col] = float("nan")
        else:  # text cells (e.g. already formatted) get the mark
            out[col] = out[col].astype(object)
            out.loc[small, col] = SUPPRESSED_MARK
    prior = out["suppressed"].fillna(False).astype(bool) if "suppressed" in out else False
    out["suppressed"] = small | prior
    return out


def suppress_estimate(est: Estimate | None, threshold: int = DEFAULT_THRESHOLD) -> Estimate | None:
    """``None`` when the estimate rests on fewer than ``threshold`` answers, else ``est``."""
    if est is None or est.n < threshold:
        return None
    return est


def id_like_columns(columns: Iterable[object]) -> list[str]:
    """The column names that look like unit identifiers or survey weights."""
    hits = []
    for col in columns:
        name = str(col).strip().lower()
        if name in ID_COLUMNS or _ID_PATTERN.search(name):
            hits.append(str(col))
    return hits


def check_aggregate(
    frame: pd.DataFrame,
    max_rows: int = 500,
    *,
    allow: Iterable[str] = (),
) -> pd.DataFrame:
    """Return ``frame`` if it looks aggregated, else raise :class:`DisclosureError`.

    Refused: a column (or index level) named like an identifier or weight (``resp_id``,
    ``persoon_id``, ``km_id``, ``…_id``, ``bsn``, ``gewicht``, …; see :data:`ID_COLUMNS`) unless
    listed in ``allow``, and more than ``max_rows`` rows.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a DataFrame, got {type(frame).__name__}")
    allowed = {a.lower() for a in allow}
    names = list(frame.columns) + [n for n in frame.index.names if n is not None]
    bad = [c for c in id_like_columns(names) if c.lower() not in allowed]
    if bad:
        raise DisclosureError(
            f"frame looks like microdata: identifier/weight column(s) {bad}; aggregate first")
    if len(frame) > max_rows:
        raise DisclosureError(
            f"frame has {len(frame)} rows (> {max_rows}); only aggregated frames may be shown")
    return frame
