"""Weighted shares and means with confidence intervals, group and wave comparisons.

Conventions (the same everywhere in the report):

- The *base* of a share is every valid answer: missing values (NaN, "not asked") are left out;
  "weet niet" stays in the base unless the caller passes ``exclude=("weet_niet",)``.
- ``n`` is the unweighted number of valid answers; ``n_eff`` is Kish's effective sample size
  ``(Σw)² / Σw²`` (equal to ``n`` without weights). Intervals and tests use ``n_eff``, so a
  weighted estimate is treated as a simple random sample of ``n_eff`` respondents.
- Shares get a Wilson score interval; means a t interval with ``n_eff − 1`` degrees of freedom.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

Kind = Literal["share", "mean"]
Positive = Iterable[object] | Callable[[pd.Series], pd.Series] | str | bool | None

_NAN = float("nan")


@dataclass(frozen=True)
class Estimate:
    """A share (0–1) or mean with its confidence interval and sample sizes."""

    value: float
    ci_low: float
    ci_high: float
    n: int
    n_eff: float
    kind: Kind = "share"
    se: float = field(default=_NAN, compare=False)
    confidence: float = field(default=0.95, compare=False)

    @classmethod
    def from_aggregate(cls, value: float, n: float, *, confidence: float = 0.95) -> Estimate:
        """A published share (e.g. an earlier wave printed as share + n), Wilson CI on ``n``."""
        lo, hi = wilson_interval(float(value), float(n), confidence)
        se = math.sqrt(value * (1 - value) / n) if n > 0 else _NAN
        return cls(float(value), lo, hi, round(n), float(n), "share", se, confidence)


@dataclass(frozen=True)
class Comparison:
    """The difference ``a − b`` between two estimates and its test."""

    a: Estimate
    b: Estimate
    diff: float
    p_value: float
    significant: bool
    alpha: float = 0.05
    test: str = ""
    statistic: float = _NAN


# ----------------------------------------------------------------------------- helpers


def _z(confidence: float) -> float:
    return float(_st.norm.ppf(0.5 + confidence / 2))


def wilson_interval(p: float, n_eff: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for proportion ``p`` on (effective) sample size ``n_eff``."""
    if not n_eff > 0 or not math.isfinite(p):
        return _NAN, _NAN
    z = _z(confidence)
    z2n = z * z / n_eff
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n_eff + z2n / (4 * n_eff))
    # clip float noise: the interval always contains p and stays within [0, 1]
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))


def kish_neff(weights: np.ndarray) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``."""
    w = np.asarray(weights, dtype=float)
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def _weights_for(values: pd.Series, weights: pd.Series | Sequence[float] | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(values))
    if isinstance(weights, pd.Series):
        if not weights.index.equals(values.index):
            weights = weights.reindex(values.index)
        w = weights.to_numpy(dtype=float, na_value=np.nan)
    else:
        w = np.asarray(weights, dtype=float)
    if len(w) != len(values):
        raise ValueError(f"weights have length {len(w)}, values {len(values)}")
    return w


def _check_weights(w: np.ndarray) -> None:
    if np.isnan(w).any():
        raise ValueError("weights are missing for some valid answers")
    if (w < 0).any():
        raise ValueError("weights must be non-negative")


def _indicator(values: pd.Series, positive: Positive) -> pd.Series:
    """0/1 float Series for the (already non-missing) values."""
    if positive is None:
        if pd.api.types.is_bool_dtype(values.dtype) or set(values.unique()) <= {True, False}:
            return values.astype(bool).astype(float)
        raise TypeError("positive= is required unless values are boolean")
    if callable(positive):
        return pd.Series(positive(values), index=values.index).astype(bool).astype(float)
    if isinstance(positive, (str, bool)):
        positive = [positive]
    return values.isin(list(positive)).astype(float)


# ----------------------------------------------------------------------------- estimates


def share(
    values: pd.Series,
    positive: Positive = None,
    weights: pd.Series | Sequence[float] | None = None,
    *,
    exclude: Iterable[object] = (),
    confidence: float = 0.95,
) -> Estimate:
    """Weighted share of ``positive`` answers among the valid answers.

    ``values``: answer codes with NaN for not asked/no answer, or a boolean Series.
    ``positive``: the codes that count (``{"eens", "helemaal_eens"}``), one code, or a function
    mapping the valid values to booleans; ``None`` for a boolean Series.
    ``exclude``: codes dropped from the base as well (e.g. ``("weet_niet",)``); default none.
    Share = Σw·1[positive] / Σw; 95% Wilson interval on Kish's effective n. Without valid answers
    the estimate is NaN with ``n = 0``.
    """
    values = pd.Series(values)
    w = _weights_for(values, weights)
    valid = values.notna().to_numpy(copy=True)
    excl = list(exclude)
    if excl:
        valid = valid & ~values.isin(excl).to_numpy()
    v, w = values[valid], w[valid]
    _check_weights(w)
    n = int(valid.sum())
    if n == 0 or w.sum() == 0:
        return Estimate(_NAN, _NAN, _NAN, n, 0.0, "share", _NAN, confidence)
    x = _indicator(v, positive).to_numpy()
    p = float(np.sum(w * x) / np.sum(w))
    p = min(1.0, max(0.0, p))
    n_eff = kish_neff(w) if weights is not None else float(n)
    lo, hi = wilson_interval(p, n_eff, confidence)
    return Estimate(p, lo, hi, n, n_eff, "share", math.sqrt(p * (1 - p) / n_eff), confidence)


def _mean_parts(values: pd.Series, weights) -> tuple[float, float, int, float]:
    """(weighted mean, weighted variance (ddof 0), n, n_eff) over the non-missing values."""
    values = pd.Series(values)
    w = _weights_for(values, weights)
    x = pd.to_numeric(values, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    valid = ~np.isnan(x)  # a fresh array
    x, w = x[valid], w[valid]
    _check_weights(w)
    n = int(valid.sum())
    if n == 0 or w.sum() == 0:
        return _NAN, _NAN, n, 0.0
    m = float(np.sum(w * x) / np.sum(w))
    var0 = float(np.sum(w * (x - m) ** 2) / np.sum(w))
    n_eff = kish_neff(w) if weights is not None else float(n)
    return m, var0, n, n_eff


def mean(
    values: pd.Series,
    weights: pd.Series | Sequence[float] | None = None,
    *,
    confidence: float = 0.95,
) -> Estimate:
    """Weighted mean of the non-missing values with a t interval.

    se = sqrt(var_w / (n_eff − 1)) with var_w = Σw(x−m)²/Σw, df = n_eff − 1: without weights
    exactly statsmodels' ``DescrStatsW(x).tconfint_mean()`` (and with weights the same as
    DescrStatsW with the weights rescaled to sum to n_eff).
    """
    m, var0, n, n_eff = _mean_parts(values, weights)
    if n_eff <= 1:
        return Estimate(m, _NAN, _NAN, n, n_eff, "mean", _NAN, confidence)
    se = math.sqrt(var0 / (n_eff - 1))
    t = float(_st.t.ppf(0.5 + confidence / 2, n_eff - 1))
    return Estimate(m, m - t * se, m + t * se, n, n_eff, "mean", se, confidence)


# ----------------------------------------------------------------------------- tests


def compare_shares(a: Estimate, b: Estimate, *, alpha: float = 0.05) -> Comparison:
    """Two-sample z-test for proportions with pooled variance, on effective sample sizes.

    Without weights identical to statsmodels ``proportions_ztest([x1, x2], [n1, n2])``.
    Either side may be ``Estimate.from_aggregate(share, n)``.
    """
    n1, n2 = a.n_eff, b.n_eff
    diff = a.value - b.value
    if not (n1 > 0 and n2 > 0) or not math.isfinite(diff):
        return Comparison(a, b, diff, _NAN, False, alpha, "z-test proportions (pooled)")
    pooled = (a.value * n1 + b.value * n2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return Comparison(a, b, diff, 1.0, False, alpha, "z-test proportions (pooled)", 0.0)
    z = diff / se
    p = float(2 * _st.norm.sf(abs(z)))
    return Comparison(a, b, diff, p, p < alpha, alpha, "z-test proportions (pooled)", z)


def compare_means(
    a: pd.Series | Estimate,
    b: pd.Series | Estimate,
    *,
    a_weights: pd.Series | Sequence[float] | None = None,
    b_weights: pd.Series | Sequence[float] | None = None,
    alpha: float = 0.05,
) -> Comparison:
    """Welch t-test of ``mean(a) − mean(b)`` (values or estimates from :func:`mean`).

    Uses each side's standard error and n_eff (Welch–Satterthwaite df); without weights identical
    to scipy ``ttest_ind(a, b, equal_var=False)``.
    """
    ea = a if isinstance(a, Estimate) else mean(a, a_weights)
    eb = b if isinstance(b, Estimate) else mean(b, b_weights)
    diff = ea.value - eb.value
    v1, v2 = ea.se**2, eb.se**2
    name = "Welch t-test"
    if not (math.isfinite(v1) and math.isfinite(v2)) or v1 + v2 == 0:
        p = 1.0 if diff == 0 else _NAN
        return Comparison(ea, eb, diff, p, False, alpha, name)
    t = diff / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (ea.n_eff - 1) + v2**2 / (eb.n_eff - 1))
    p = float(2 * _st.t.sf(abs(t), df))
    return Comparison(ea, eb, diff, p, p < alpha, alpha, name, t)


def trend(
    estimates: Sequence[Estimate],
    scores: Sequence[float] | None = None,
    *,
    alpha: float = 0.05,
) -> Comparison:
    """Test whether a share changes over waves (oldest first): Cochran–Armitage trend test.

    Effective counts ``value·n_eff`` per wave, ``scores`` the wave years (default 0, 1, 2, …).
    Returns a :class:`Comparison` of the last wave (``a``) with the first (``b``), so
    ``diff`` is the net change; its ``p_value`` is that of the linear trend over *all* waves.
    ``significant`` is True only when the trend is significant *and* goes in the same direction
    as the net change (a zig-zag is never reported as a rise or fall). For two waves this is
    exactly :func:`compare_shares` (last vs first).
    """
    ests = list(estimates)
    if len(ests) < 2:
        raise ValueError("trend needs at least two waves")
    t = np.arange(len(ests), dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if len(t) != len(ests):
        raise ValueError("one score per estimate")
    n = np.array([e.n_eff for e in ests], dtype=float)
    p = np.array([e.value for e in ests], dtype=float)
    a, b = ests[-1], ests[0]
    diff = a.value - b.value
    name = f"Cochran-Armitage trend ({len(ests)} waves)"
    if not (np.all(n > 0) and np.all(np.isfinite(p))):
        return Comparison(a, b, diff, _NAN, False, alpha, name)
    x = p * n
    big_n = n.sum()
    pbar = x.sum() / big_n
    stat_t = float(np.sum(t * (x - n * pbar)))
    var = pbar * (1 - pbar) * (np.sum(n * t * t) - np.sum(n * t) ** 2 / big_n)
    if var <= 0:
        return Comparison(a, b, diff, 1.0, False, alpha, name, 0.0)
    z = stat_t / math.sqrt(var)
    pv = float(2 * _st.norm.sf(abs(z)))
    same_direction = np.sign(z) == np.sign(diff) and diff != 0
    return Comparison(a, b, diff, pv, bool(pv < alpha and same_direction), alpha, name, z)


# ----------------------------------------------------------------------------- frames


def group_shares(
    df: pd.DataFrame,
    item: str,
    positive: Positive,
    by: str,
    weight: str | None = None,
    *,
    exclude: Iterable[object] = (),
    order: Sequence[object] | None = None,
    total: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of ``positive`` in ``item`` per group of ``by``.

    Columns: group, value, ci_low, ci_high, n, n_eff. Groups in ``order`` if given (groups
    missing from the data get n = 0), else categorical/sorted order; rows with missing ``by``
    are left out. ``total="Totaal"`` adds an overall row (over all rows, incl. missing group).
    """
    w = df[weight] if weight else None
    keys = list(order) if order is not None else _group_order(df[by])
    rows = []
    for key in keys:
        mask = df[by] == key
        est = share(df.loc[mask, item], positive, None if w is None else w[mask],
                    exclude=exclude, confidence=confidence)
        rows.append(_row(key, est))
    if total is not None:
        rows.append(_row(total, share(df[item], positive, w, exclude=exclude,
                                      confidence=confidence)))
    return pd.DataFrame(rows, columns=["group", "value", "ci_low", "ci_high", "n", "n_eff"])


def answer_distribution(
    df: pd.DataFrame,
    items: Sequence[str] | dict[str, str],
    weight: str | None = None,
    *,
    order: Sequence[object] | None = None,
    labels: dict[object, str] | None = None,
    exclude: Iterable[object] = (),
) -> pd.DataFrame:
    """Weighted share of every answer per item (long frame for tables and Likert charts).

    ``items``: columns, or ``{column: statement label}``. ``order``: answer codes in display
    order (default: sorted codes found); ``labels``: ``{code: answer label}``. Columns:
    stelling, antwoord, aandeel, n (unweighted valid answers of the item), in item × order order.
    Shares of one item add up to 1 over the answers in the base.
    """
    item_labels = items if isinstance(items, dict) else {c: c for c in items}
    codes = list(order) if order is not None else sorted(
        {v for c in item_labels for v in df[c].dropna().unique()} - set(exclude), key=str)
    w = df[weight] if weight else None
    rows = []
    for col, label in item_labels.items():
        for code in codes:
            est = share(df[col], [code], w, exclude=exclude)
            answer = labels.get(code, code) if labels else code
            rows.append({"stelling": label, "antwoord": answer, "aandeel": est.value, "n": est.n})
    return pd.DataFrame(rows, columns=["stelling", "antwoord", "aandeel", "n"])


def _group_order(s: pd.Series) -> list[object]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique(), key=lambda v: (str(type(v)), v))


def _row(group: object, est: Estimate) -> dict[str, object]:
    return {"group": group, "value": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
            "n": est.n, "n_eff": est.n_eff}
