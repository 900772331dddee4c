"""Shared machinery of the synthetic-data generators.

Answers are cut from latent scores: each respondent gets a score that depends on background
variables and on a few common factors (distance to the labour market, satisfaction with the
gemeente), plus noise. An item's categories are then assigned by cutting that score at weighted
quantiles, so the *weighted* answer distribution hits its calibration target while the groups
that differ in the report differ in the data, and items on one topic correlate.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

LIKERT5 = ("helemaal_eens", "eens", "neutraal", "oneens", "helemaal_oneens")
WEET_NIET = "weet_niet"


def safe_load(text: str):
    """``yaml.safe_load`` through libyaml where PyYAML has it (the same objects, a few times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe loaders only


def calibration(package: str, stem: str, edition: int) -> dict:
    """The calibration targets of an edition: ``<package folder>/<stem>_<edition>.yml``, parsed.

    A file whose top level has ``base: <earlier edition>`` states only what differs from that
    edition: its keys are laid over the earlier edition's targets (mappings key by key, anything
    else replaced), and a key set to null (``~``) is removed — e.g. an item the edition did not ask.
    A new edition's file thus reads as the list of what moved. Raises naming the file to write."""
    where = f"src/{package.replace('.', '/')}/{stem}_{edition}.yml"
    path = resources.files(package).joinpath(f"{stem}_{edition}.yml")
    if not path.is_file():
        raise FileNotFoundError(f"{where} is missing: the synthetic-data calibration of edition {edition} "
                                "(write it, or `base: <earlier edition>` and only what differs)")
    doc = safe_load(path.read_text("utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"{where}: the calibration targets must be a mapping")
    if "base" not in doc:
        return doc
    changes = dict(doc)
    base = changes.pop("base")
    if not isinstance(base, int) or isinstance(base, bool) or base >= edition:
        raise ValueError(f"{where}: base: {base!r} must be an earlier edition (a year before {edition})")
    return overlay(calibration(package, stem, base), changes)


def overlay(base: Mapping, changes: Mapping) -> dict:
    """``changes`` laid over ``base``: nested mappings merged key by key, other values replaced, a
    key whose value is None removed. Neither argument is changed."""
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = overlay(out[key], value)
        else:
            out[key] = value
    return out


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """An independent, reproducible random stream for one source or item."""
    words = [int.from_bytes(name.encode("utf-8"), "little") % (2**32) for name in names]
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def cut(
    latent: np.ndarray,
    weights: np.ndarray,
    categories: Sequence[str],
    shares: Sequence[float],
    mask: np.ndarray | None = None,
) -> np.ndarray:
    """Assign ``categories`` (ordered from highest to lowest latent score) so that their
    weighted shares among ``mask`` equal ``shares``. Rows outside the mask get None."""
    n = len(latent)
    mask = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    out = np.full(n, None, dtype=object)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return out
    shares = np.asarray(shares, dtype=float)
    if np.any(shares < 0) or not np.isclose(shares.sum(), 1.0, atol=1e-6):
        raise ValueError(f"shares must be non-negative and add up to 1, got {shares}")
    order = idx[np.argsort(-latent[idx], kind="stable")]
    cum_w = np.cumsum(weights[order]) / weights[order].sum()
    bounds = np.cumsum(shares)
    # A respondent falls in category k when the weighted mass before its midpoint lies in band k.
    mid = cum_w - weights[order] / weights[order].sum() / 2
    band = np.searchsorted(bounds, mid, side="right")
    band = np.minimum(band, len(categories) - 1)
    out[order] = np.asarray(categories, dtype=object)[band]
    return out


def binary(latent, weights, p_yes: float, mask=None, yes="ja", no="nee") -> np.ndarray:
    """``yes`` for the top ``p_yes`` (weighted) of the latent score, ``no`` for the rest."""
    return cut(latent, weights, (yes, no), (p_yes, 1.0 - p_yes), mask)


def likert_shares(positive: float, negative: float | None = None, weet_niet: float = 0.04) -> list[float]:
    """Full five-point-plus-weet-niet distribution from the published share that agrees
    (``positive``) and, where known, the share that disagrees (``negative``)."""
    rest = 1.0 - positive - weet_niet
    if negative is None:
        negative = rest * 0.45
    neutral = rest - negative
    if neutral < 0:
        raise ValueError(f"positive {positive} + negative {negative} + weet_niet {weet_niet} exceed 1")
    return [0.3 * positive, 0.7 * positive, neutral, 0.65 * negative, 0.35 * negative, weet_niet]


def likert(latent, weights, rng, positive, negative=None, weet_niet=0.04, mask=None) -> np.ndarray:
    """A five-point agreement item plus 'weet niet'. 'Weet niet' is drawn at random (it is not
    an opinion on the scale); the scale itself is cut from the latent score."""
    shares = likert_shares(positive, negative, weet_niet)
    n = len(latent)
    mask = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    dont_know = mask & (rng.random(n) < weet_niet)
    scale = cut(latent, weights, LIKERT5, np.asarray(shares[:5]) / sum(shares[:5]), mask & ~dont_know)
    scale[dont_know] = WEET_NIET
    return scale


def noise(rng: np.random.Generator, n: int, sd: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, sd, n)


def draw_positions(rng, n: int, distribution: Mapping[str, float]) -> np.ndarray:
    """Independent draws from a categorical distribution (codes → probabilities), as positions
    in ``list(distribution)``; the same random numbers as ``draw_categories``."""
    p = np.asarray(list(distribution.values()), dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def draw_categories(rng, n: int, distribution: Mapping[str, float]) -> np.ndarray:
    """Independent draws from a categorical distribution (codes → probabilities)."""
    return np.asarray(list(distribution), dtype=object)[draw_positions(rng, n, distribution)]


def rake(frame: pd.DataFrame, margins: Mapping[str, Mapping[str, float]], cap: float = 10.0,
         iterations: int = 100) -> np.ndarray:
    """Raking (iterative proportional fitting) weights, mean 1, that restore ``margins``
    (column → {code: population share}). Weights are capped at ``cap``."""
    w = np.ones(len(frame))
    # Each margin's rows, found once (not once per iteration); the arithmetic is unchanged.
    cells = [[(frame[column].to_numpy() == code, share) for code, share in target.items()]
             for column, target in margins.items()]
    for _ in range(iterations):
        for margin in cells:
            total = w.sum()
            for sel, share in margin:
                current = w[sel].sum() / total
                if current > 0:
                    w[sel] *= share / current
        w = np.minimum(w / w.mean(), cap)
    return w / w.mean()


def population_counts(total: int, printed: dict[str, float]) -> dict[str, int]:
    """Counts adding up to ``total`` whose shares round (half up) to the ``printed`` percentages.
    When the printed percentages add up to less (or more) than 100, the difference is spread over
    the categories in steps below half a point, so the rounding still gives the printed value."""
    shares = {k: v / 100 for k, v in printed.items()}
    residual = 1.0 - sum(shares.values())
    step = 0.0044 if residual > 0 else -0.0044
    for k in shares:
        if abs(residual) < 1e-12:
            break
        add = step if abs(residual) > abs(step) else residual
        shares[k] += add
        residual -= add
    if abs(residual) > 1e-9:
        raise ValueError(f"printed shares {printed} cannot be reconciled with one total")
    counts = {k: int(round(total * s)) for k, s in shares.items()}
    last = list(counts)[-1]
    counts[last] = total - sum(v for k, v in counts.items() if k != last)
    return counts


def frame_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    """The bytes of ``frame`` written as CSV or Parquet, chosen by the suffix of ``path``."""
    buffer = io.BytesIO()
    if path.suffix == ".csv":
        frame.to_csv(buffer, index=False, float_format="%.6f", lineterminator="\n", encoding="utf-8")
    elif path.suffix == ".parquet":
        frame.to_parquet(buffer, index=False, compression="zstd")
    else:
        raise ValueError(f"unsupported output type: {path}")
    return buffer.getvalue()


def write_bytes_if_changed(data: bytes, path: Path) -> bool:
    """Write ``data`` to ``path`` (atomically), but leave the file and its mtime alone when its
    bytes are identical already, so an unchanged regeneration invalidates nothing downstream."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def write_if_changed(frame: pd.DataFrame, path: Path) -> bool:
    """Write ``frame`` as CSV or Parquet, but leave the file (and its mtime) alone when the
    bytes would be identical, so an unchanged regeneration invalidates nothing downstream."""
    return write_bytes_if_changed(frame_bytes(frame, path), path)
