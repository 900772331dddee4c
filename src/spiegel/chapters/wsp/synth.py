"""Synthetic sources of chapter 4 (regionale werkgeversdienstverlening), registered in
:data:`spiegel.synth.GENERATORS`.

Two generators: the survey of the 35 arbeidsmarktregio's (one record per region) and the region
metadata (centrumgemeente, number of gemeenten). The units are regions, so every published count
is reproduced exactly: each item's answers are given to regions by rank on a latent region score
(seeded), with the exact numbers of ``synth_<edition>.yml`` beside this module. Items on one theme share a latent
factor, so they co-vary as the report describes.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd


def _core():
    """spiegel.synth.core, imported when a generator runs: spiegel.synth imports this module for
    its GENERATORS, so a module-level import would be circular when this module comes first."""
    from spiegel.synth import core

    return core

NOT_ANSWERED = "niet_beantwoord"  # a count key: that many regions leave the item empty
COMPLETE, PARTIAL = "volledig", "gedeeltelijk"


@cache
def targets(edition: int) -> dict:
    """The calibration targets of an edition (a parsed copy of ``synth_<edition>.yml``)."""
    return _core().calibration("spiegel.chapters.wsp", "synth", edition)


def assign(score: np.ndarray, counts: dict, mask: np.ndarray) -> np.ndarray:
    """Give the masked units ``counts`` (code → number, in order) from the highest score down;
    ``NOT_ANSWERED`` leaves cells empty. The counts must add up to the masked units exactly."""
    out = np.full(len(score), None, dtype=object)
    idx = np.flatnonzero(mask)
    if sum(counts.values()) != idx.size:
        raise ValueError(f"counts {counts} add up to {sum(counts.values())}, not to the {idx.size} units asked")
    order = idx[np.argsort(-score[idx], kind="stable")]
    start = 0
    for code, k in counts.items():
        out[order[start:start + k]] = None if code == NOT_ANSWERED else code
        start += k
    return out


def _factors(seed: int, cfg: dict, n: int) -> dict[str, np.ndarray]:
    """Latent region scores; a factor ``from`` another one is correlated with it by ``weight``."""
    core = _core()
    rng = core.rng_for(seed, "wsp_regios", "factors")
    out: dict[str, np.ndarray] = {}
    for name, spec in cfg.items():
        own = core.noise(rng, n)
        if spec.get("from"):
            w = float(spec["weight"])
            own = w * out[spec["from"]] + np.sqrt(1 - w * w) * own
        out[name] = own
    return out


def wsp_regios(seed: int, edition: int) -> pd.DataFrame:
    """The survey of the arbeidsmarktregio's: one record per region, in alphabetical order."""
    core = _core()
    cfg = targets(edition)
    names = sorted(cfg["regions"])
    n = len(names)
    factors = _factors(seed, cfg["factors"], n)
    out: dict[str, np.ndarray] = {}
    everyone = np.ones(n, dtype=bool)
    base = everyone
    for item, spec in cfg["items"].items():
        rng = core.rng_for(seed, "wsp_regios", item)
        score = spec.get("loading", 1.0) * factors[spec["factor"]] if "factor" in spec else np.zeros(n)
        score = score + core.noise(rng, n, spec.get("noise", 0.6) if "factor" in spec else 1.0)
        asked = everyone if spec.get("base") == "alle" else base
        for column, codes in (spec.get("among") or {}).items():
            asked = asked & np.isin(out[column], codes)
        values = assign(score, spec["counts"], asked)
        if "others" in spec:
            values[(everyone if spec.get("base") == "alle" else base) & ~asked] = spec["others"]
        out[item] = values
        if item == "organisatie_wsp":  # the one region without a joint point answered only this (and interviews)
            partial = _partial_region(out[item], score, cfg["partial_from"])
            base = ~partial
            if base.sum() != cfg["survey_base"]:
                raise ValueError(f"survey base is {base.sum()}, expected {cfg['survey_base']}")
    frame = pd.DataFrame({"regio": names, "enquete": np.where(base, COMPLETE, PARTIAL)})
    for item, values in out.items():
        frame[item] = values
    return frame


def _partial_region(organisation: np.ndarray, score: np.ndarray, code: str) -> np.ndarray:
    """The region that answered only in part: the least integrated of those coded ``code``."""
    candidates = np.flatnonzero(organisation == code)
    partial = np.zeros(len(organisation), dtype=bool)
    partial[candidates[np.argmin(score[candidates])]] = True
    return partial


def wsp_regio_metadata(seed: int, edition: int) -> pd.DataFrame:
    """Region metadata: name, centrumgemeente and number of gemeenten (a reference table)."""
    regions = targets(edition)["regions"]
    names = sorted(regions)
    return pd.DataFrame({
        "regio": names,
        "centrumgemeente": [regions[r][0] for r in names],
        "aantal_gemeenten": np.array([regions[r][1] for r in names], dtype="int64"),
    })


GENERATORS = {
    "wsp_regios": wsp_regios,
    "wsp_regio_metadata": wsp_regio_metadata,
}
