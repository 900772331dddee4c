"""Weighted shares and means with confidence intervals, group and wave comparisons.

Conventions (the same everywhere in the report):

- The *base* of a share is every valid answer: missing values (NaN, "not asked") are left out;
  "weet niet" stays in the base unless the caller passes ``exclude=("weet_niet",)``.
- ``n`` is the unweighted number of valid answers; ``n_eff`` is Kish's effective sample size
  ``(Σw)² / Σw²`` (equal to ``n`` without weights). Intervals and tests use ``n_eff``, so a
  weighted estimate is treated as a simple random sample of ``n_eff`` respondents.
- Shares get a Wilson score interval; means a t interval with ``n_eff − 1`` degrees of freedom.
- Answers that share respondents (a staff member answering for several client groups, two items
  answered by the same people) get tests and intervals that fit the design: McNemar's test for
  paired items, cluster-robust tests and intervals with the respondent as cluster otherwise
  (:func:`compare_paired_shares`, :func:`compare_clustered`, :func:`clustered_share`,
  :func:`clustered_mean`; the design names are :data:`PAIRED`, :data:`CLUSTERED`,
  :data:`INDEPENDENT`).
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


# ----------------------------------------------------------------------------- shared respondents
#
# Answers from the same respondent are not independent. A staff member who serves several client
# groups answers a per-group question once for each group; the kansrijk/kansarm items are answered
# by the same staff. Comparing two such groups with a two-sample test treats correlated answers as
# independent, and a share pooled over several answers per person overstates its precision. The
# functions below fit the design: McNemar's test when both sides come from the same respondents
# (one answer each), cluster-robust tests and intervals (respondents as clusters) when respondents
# give several answers or appear on both sides.

#: How a comparison fits the design (the ``design`` of a registered comparison).
INDEPENDENT = "independent samples"
PAIRED = "paired (same respondents)"
CLUSTERED = "respondent-clustered (shared respondents)"


def _positional(x: pd.Series | Sequence[object] | None, n: int, what: str) -> np.ndarray | None:
    if x is None:
        return None
    arr = x.to_numpy() if isinstance(x, pd.Series) else np.asarray(x, dtype=object)
    if len(arr) != n:
        raise ValueError(f"{what} have length {len(arr)}, values {n}")
    return arr


def _clustered_wls(y: np.ndarray, x: np.ndarray, w: np.ndarray, clusters: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """Weighted least squares with a cluster-robust (CR1) covariance: the sandwich
    ``B·M·B`` with ``B = (XᵀWX)⁻¹``, ``M = Σ_g s_g s_gᵀ``, ``s_g = Σ_{i∈g} w_i x_i e_i``, times
    ``G/(G−1) · (N−1)/(N−K)`` — statsmodels' ``cov_type="cluster"``. Returns (β, cov, G)."""
    codes, _ = pd.factorize(pd.Series(clusters, dtype=object), sort=False)
    g, n, k = int(codes.max()) + 1 if len(codes) else 0, len(y), x.shape[1]
    xw = x * w[:, None]
    xtwx = x.T @ xw
    if g < 2 or n <= k or np.linalg.matrix_rank(xtwx) < k:
        return np.full(k, _NAN), np.full((k, k), _NAN), g
    bread = np.linalg.inv(xtwx)
    beta = bread @ (xw.T @ y)
    scores = xw * (y - x @ beta)[:, None]
    per_cluster = np.zeros((g, k))
    np.add.at(per_cluster, codes, scores)
    cov = bread @ (per_cluster.T @ per_cluster) @ bread * (g / (g - 1)) * ((n - 1) / (n - k))
    return beta, cov, g


def _answers(values: pd.Series | Sequence[object], clusters, weights, positive: Positive, kind: Kind,
             exclude: Iterable[object]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, weights, clusters) of the valid answers: y is 0/1 for a share, the value for a mean."""
    values = pd.Series(values).reset_index(drop=True)
    n = len(values)
    cl = _positional(clusters, n, "clusters")
    w = np.ones(n) if weights is None else _positional(weights, n, "weights").astype(float)
    if kind == "mean":
        y = pd.to_numeric(values, errors="raise").to_numpy(dtype=float, na_value=np.nan)
        valid = ~np.isnan(y)
    else:
        valid = values.notna().to_numpy(copy=True)
        excl = list(exclude)
        if excl:
            valid &= ~values.isin(excl).to_numpy()
        y = np.zeros(n)
        if valid.any():
            y[valid] = _indicator(values[valid], positive).to_numpy()
    valid &= pd.notna(cl)
    _check_weights(w[valid])
    return y[valid], w[valid], cl[valid]


def _clustered_estimate(y: np.ndarray, w: np.ndarray, cl: np.ndarray, kind: Kind, confidence: float) -> Estimate:
    g = len(pd.unique(cl))
    if len(y) == 0 or w.sum() == 0:
        return Estimate(_NAN, _NAN, _NAN, g, 0.0, kind, _NAN, confidence)
    _, cov, g = _clustered_wls(y, np.ones((len(y), 1)), w, cl)
    m = float(np.sum(w * y) / np.sum(w))
    se = math.sqrt(cov[0, 0]) if math.isfinite(cov[0, 0]) and cov[0, 0] >= 0 else _NAN
    if kind == "mean":
        var0 = float(np.sum(w * (y - m) ** 2) / np.sum(w))
        if not se > 0:
            return Estimate(m, _NAN, _NAN, g, float(g), "mean", _NAN, confidence)
        t = float(_st.t.ppf(0.5 + confidence / 2, g - 1))
        return Estimate(m, m - t * se, m + t * se, g, var0 / se**2 + 1, "mean", se, confidence)
    p = min(1.0, max(0.0, m))
    # Effective sample size implied by the clustered variance (the design effect); at p = 0 or 1
    # the variance is zero and the number of respondents is used.
    n_eff = p * (1 - p) / se**2 if se > 0 else float(g)
    lo, hi = wilson_interval(p, n_eff, confidence) if g >= 2 else (_NAN, _NAN)
    return Estimate(p, lo, hi, g, n_eff, "share", se, confidence)


def clustered_share(
    values: pd.Series | Sequence[object],
    clusters: pd.Series | Sequence[object],
    positive: Positive = None,
    weights: pd.Series | Sequence[float] | None = None,
    *,
    exclude: Iterable[object] = (),
    confidence: float = 0.95,
) -> Estimate:
    """Share of ``positive`` answers when a respondent may give several answers (an item pooled
    over the client groups in a caseload): every valid answer counts once, and the interval
    allows for the answers of one respondent being alike.

    ``values``, ``clusters`` (respondent ids) and ``weights`` are matched by position. The share is
    Σw·1[positive] / Σw; its standard error is cluster-robust (CR1, respondents as clusters: as
    statsmodels' ``OLS(y, 1).fit(cov_type="cluster")``). ``n`` counts *respondents*, not answers,
    so that disclosure control counts persons; ``n_eff = p(1−p)/se²`` is the effective sample size
    the clustering leaves, and the interval is Wilson's on ``n_eff`` (as for weighted shares).
    """
    y, w, cl = _answers(values, clusters, weights, positive, "share", exclude)
    return _clustered_estimate(y, w, cl, "share", confidence)


def clustered_mean(
    values: pd.Series | Sequence[object],
    clusters: pd.Series | Sequence[object],
    weights: pd.Series | Sequence[float] | None = None,
    *,
    confidence: float = 0.95,
) -> Estimate:
    """Mean of answers some of which come from the same respondent, with a cluster-robust t
    interval (CR1 standard error, ``G − 1`` degrees of freedom for ``G`` respondents). ``n`` counts
    respondents; ``n_eff`` is set so that ``se = sqrt(var / (n_eff − 1))``, as for :func:`mean`."""
    y, w, cl = _answers(values, clusters, weights, None, "mean", ())
    return _clustered_estimate(y, w, cl, "mean", confidence)


def compare_clustered(
    a: pd.Series | Sequence[object],
    b: pd.Series | Sequence[object],
    *,
    a_clusters: pd.Series | Sequence[object],
    b_clusters: pd.Series | Sequence[object],
    positive: Positive = None,
    kind: Kind = "share",
    a_weights: pd.Series | Sequence[float] | None = None,
    b_weights: pd.Series | Sequence[float] | None = None,
    exclude: Iterable[object] = (),
    alpha: float = 0.05,
) -> Comparison:
    """Compare two shares (or means) whose answers may come from the same respondents: staff who
    serve both client groups appear on both sides, or a side pools several answers per person.

    The answers of both sides are stacked and ``y`` is regressed on an indicator of side ``a``
    (weighted least squares); the coefficient is ``a − b`` and its standard error is
    cluster-robust with the respondent as cluster (CR1), so a respondent's answers on both sides
    are not treated as independent. Two-sided z-test — exactly statsmodels'
    ``WLS(y, [1, d]).fit(cov_type="cluster", cov_kwds={"groups": respondent})``. The estimates of
    the two sides are :func:`clustered_share` (or :func:`clustered_mean`). Without a shared
    respondent and with one answer per person this is close to the unpooled two-sample z-test.
    """
    ya, wa, ca = _answers(a, a_clusters, a_weights, positive, kind, exclude)
    yb, wb, cb = _answers(b, b_clusters, b_weights, positive, kind, exclude)
    ea = _clustered_estimate(ya, wa, ca, kind, 0.95)
    eb = _clustered_estimate(yb, wb, cb, kind, 0.95)
    diff = ea.value - eb.value
    name = "cluster-robust z-test (clusters = respondents)"
    if len(ya) == 0 or len(yb) == 0 or not math.isfinite(diff):
        return Comparison(ea, eb, diff, _NAN, False, alpha, name)
    y = np.concatenate([ya, yb])
    x = np.column_stack([np.ones(len(y)), np.r_[np.ones(len(ya)), np.zeros(len(yb))]])
    _, cov, _ = _clustered_wls(y, x, np.concatenate([wa, wb]), np.concatenate([ca, cb]))
    var = cov[1, 1]
    if diff == 0 or not (math.isfinite(var) and var > 1e-20):  # no difference, or no variance at all
        p = 1.0 if diff == 0 else _NAN
        return Comparison(ea, eb, diff, p, False, alpha, name, 0.0 if diff == 0 else _NAN)
    z = float(diff / math.sqrt(var))
    p = float(2 * _st.norm.sf(abs(z)))
    return Comparison(ea, eb, diff, p, p < alpha, alpha, name, z)


def compare_paired_shares(
    a: pd.Series,
    b: pd.Series,
    positive: Positive = None,
    *,
    exact: bool | None = None,
    exclude: Iterable[object] = (),
    alpha: float = 0.05,
) -> Comparison:
    """McNemar's test for two items answered by the same respondents (``a`` and ``b`` aligned on
    the respondent: the same index).

    Only respondents with a valid answer to both count; the shares of both sides are taken over
    them (unweighted, Wilson intervals). With ``n10`` respondents positive on ``a`` only and
    ``n01`` on ``b`` only, the statistic is ``(n10 − n01)² / (n10 + n01)`` against χ²(1) without
    continuity correction, or — ``exact=True``, and by default when ``n10 + n01 < 25`` — the
    exact binomial test of ``min(n10, n01)`` on ``n10 + n01`` at ½. Equal to statsmodels'
    ``mcnemar(table, exact=False, correction=False)`` resp. ``mcnemar(table, exact=True)``.
    """
    a, b = pd.Series(a), pd.Series(b)
    if not a.index.equals(b.index):
        raise ValueError("paired items must be aligned on the respondent (the same index)")
    excl = list(exclude)
    both = a.notna() & b.notna()
    if excl:
        both &= ~a.isin(excl) & ~b.isin(excl)
    ea, eb = share(a[both], positive), share(b[both], positive)
    diff = ea.value - eb.value
    if not both.any():
        return Comparison(ea, eb, diff, _NAN, False, alpha, "McNemar (paired)")
    x = _indicator(a[both], positive).to_numpy() > 0
    y = _indicator(b[both], positive).to_numpy() > 0
    n10, n01 = int(np.sum(x & ~y)), int(np.sum(~x & y))
    discordant = n10 + n01
    use_exact = discordant < 25 if exact is None else exact
    if use_exact:
        name = "McNemar (paired, exact binomial)"
        stat = float(min(n10, n01))
        p = 1.0 if discordant == 0 else float(min(1.0, 2 * _st.binom.cdf(min(n10, n01), discordant, 0.5)))
    else:
        name = "McNemar (paired, chi-square)"
        if discordant == 0:
            return Comparison(ea, eb, diff, 1.0, False, alpha, name, 0.0)
        stat = (n10 - n01) ** 2 / discordant
        p = float(_st.chi2.sf(stat, 1))
    return Comparison(ea, eb, diff, p, p < alpha, alpha, name, stat)


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
