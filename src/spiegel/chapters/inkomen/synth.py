"""Synthetic sources of chapter 5 (inkomensondersteuning Participatiewet en minimaregelingen).

Three generators of its own, registered in :data:`GENERATORS`: the survey among
inkomensconsulenten, the household register of non-take-up of algemene bijstand and the inventory
of minimabeleid in 30 gemeenten. The client survey is chapter 2's source ``klanten_pw``: its
income-support columns are made here (:func:`klanten_pw_items`, called by chapter 2's generator)
from a random stream of their own, so chapter 2's columns keep their bytes; the earlier waves of
those items are rows of chapter 2's ``klanten_pw_trend`` (:func:`trend_values`). Targets live in
``synth_<edition>.yml`` beside this module.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd


def _core():
    """spiegel.synth.core, imported when a generator runs (spiegel.synth imports this module for
    its GENERATORS, so a module-level import would be circular)."""
    from spiegel.synth import core

    return core


@cache
def targets(edition: int) -> dict:
    """The calibration targets of an edition (a parsed copy of ``synth_<edition>.yml``)."""
    return _core().calibration("spiegel.chapters.inkomen", "synth", edition)


# --------------------------------------------------------------------------- survey items


def _items(rng, cfg: dict, weights: np.ndarray, base: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Answers to the items of ``cfg`` (see the header of synth_<edition>.yml), in order; an item
    ``among`` others is asked only of those with the given answers (empty for the rest)."""
    core = _core()
    n = len(weights)
    factors = {name: core.noise(rng, n) for name in cfg.get("factors", [])}
    out: dict[str, np.ndarray] = {}
    known = dict(base or {})
    for column, spec in cfg["items"].items():
        mask = np.ones(n, dtype=bool)
        for other, codes in (spec.get("among") or {}).items():
            mask &= np.isin(known[other], codes)
        latent = core.noise(rng, n)
        if "factor" in spec:
            latent = latent + float(spec.get("loading", 1.0)) * factors[spec["factor"]]
        if "likert" in spec:
            positive, negative = spec["likert"]
            values = core.likert(latent, weights, rng, positive, negative, mask=mask)
        elif "codes" in spec:
            codes = spec["codes"]
            values = core.cut(latent, weights, tuple(codes), tuple(codes.values()), mask)
        else:
            values = core.binary(latent, weights, float(spec["ja"]), mask)
        out[column] = values
        known[column] = values
    return out


def klanten_pw_columns(edition: int) -> list[str]:
    """The income-support columns chapter 5 adds to the client survey, in file order."""
    return list(targets(edition)["klanten_pw"]["items"])


def klanten_pw_items(seed: int, edition: int, sample: str, weights: np.ndarray) -> pd.DataFrame:
    """The income-support answers of one sample of the client survey (``klanten_pw``), one row per
    respondent in the sample's order, from a stream of their own (``rng_for(seed, "klanten_pw",
    sample, "inkomen")``): chapter 2's columns are not touched."""
    rng = _core().rng_for(seed, "klanten_pw", sample, "inkomen")
    return pd.DataFrame(_items(rng, targets(edition)["klanten_pw"], np.asarray(weights, dtype=float)))


def trend_values(edition: int) -> dict[str, dict[int, float]]:
    """Earlier-wave shares of chapter 5's items, rows of chapter 2's ``klanten_pw_trend``."""
    return {k: {int(w): float(v) for w, v in waves.items()}
            for k, waves in targets(edition)["klanten_pw_trend"]["values"].items()}


# --------------------------------------------------------------------------- inkomensconsulenten


def inkomensconsulenten(seed: int, edition: int) -> pd.DataFrame:
    """The survey among inkomensconsulenten: one row per consultant (unweighted)."""
    core = _core()
    cfg = targets(edition)["inkomensconsulenten"]
    rng = core.rng_for(seed, "inkomensconsulenten")
    n = int(cfg["n"])
    frame = pd.DataFrame({
        "ic_id": [f"IC{i:04d}" for i in range(1, n + 1)],
        "gemeentegrootte": core.draw_categories(rng, n, cfg["gemeentegrootte"]),
        "ervaring": core.draw_categories(rng, n, cfg["ervaring"]),
    })
    answers = _items(rng, cfg, np.ones(n))
    return pd.concat([frame, pd.DataFrame(answers)], axis=1)


# --------------------------------------------------------------------------- non-take-up register


def _sizes(rng, k: int, total: int, p_single: float) -> np.ndarray:
    """Household sizes (persons, 1-6) of ``k`` households adding up to ``total`` persons exactly."""
    extra = total - k
    if extra < 0:
        raise ValueError(f"{total} persons cannot fill {k} households")
    sizes = np.ones(k, dtype=np.int64)
    multi = rng.random(k) >= p_single
    idx = np.flatnonzero(multi)
    if extra and idx.size == 0:
        idx = np.arange(k)
    # spread the extra persons over the multi-person households, at most 5 extra each
    add = rng.multinomial(extra, np.full(idx.size, 1 / idx.size))
    add = np.minimum(add, 5)
    short = extra - int(add.sum())
    while short > 0:
        room = np.flatnonzero(add < 5)
        pick = rng.choice(room, size=min(short, room.size), replace=False)
        add[pick] += 1
        short -= pick.size
    sizes[idx] += add
    return sizes


def cbs_niet_gebruik(seed: int, edition: int) -> pd.DataFrame:
    """The household register (CBS microdata, peildatum): one row per household near or below
    the bijstandsnorm, with entitlement, use, income relative to the norm, persons, background
    flags and, for non-users, non-use 3, 6 and 12 months before the peildatum."""
    core = _core()
    cfg = targets(edition)["cbs_niet_gebruik"]
    rng = core.rng_for(seed, "cbs_niet_gebruik")
    k_non = int(cfg["niet_gebruikers"])
    k_ent = int(round(k_non / float(cfg["aandeel_niet_gebruik"])))
    k_use = k_ent - k_non
    k_out = int(cfg["niet_rechthebbend"])

    # income relative to the norm: non-users, exactly a third at or below the low-income limit
    low = float(cfg["laag_inkomen_grens"])
    k_low = int(round(k_non * float(cfg["aandeel_laag_inkomen"])))
    inc_non = np.concatenate([rng.uniform(0, low, k_low), rng.uniform(low + 1e-4, 0.999, k_non - k_low)])
    rng.shuffle(inc_non)
    inc_use = np.clip(rng.beta(1.2, 4.0, k_use), 0, 0.999)
    inc_out = rng.uniform(1.0, 1.4, k_out)

    persons_non = _sizes(rng, k_non, int(cfg["personen_niet_gebruik"]), 0.88)
    # long-term non-users: households chosen at random until their persons are exactly the target
    target_long = int(cfg["personen_langdurig"])
    order = rng.permutation(k_non)
    cum = np.cumsum(persons_non[order])
    cut_at = int(np.searchsorted(cum, target_long))
    long_term = np.zeros(k_non, dtype=bool)
    long_term[order[:cut_at]] = True
    gap = target_long - int(persons_non[long_term].sum())
    if gap:  # one more household of exactly the missing size (singles are plentiful)
        spare = order[cut_at:][persons_non[order[cut_at:]] == gap]
        long_term[spare[0]] = True
    # the earlier peildata: long-term non-users were non-users at all three; the others at some
    earlier = np.ones((k_non, 3), dtype=bool)
    others = np.flatnonzero(~long_term)
    earlier[others] = rng.random((others.size, 3)) < 0.55
    none_all = others[earlier[others].all(axis=1)]
    earlier[none_all, rng.integers(0, 3, none_all.size)] = False

    persons_use = np.maximum(1, np.round(rng.gamma(2.0, float(cfg["gebruikers_personen_per_huishouden"]) / 2.0,
                                                  k_use))).astype(np.int64)
    persons_out = np.maximum(1, np.round(rng.gamma(2.0, 1.0, k_out))).astype(np.int64)
    n_all = k_non + k_use + k_out
    frame = pd.DataFrame({
        "rechthebbend": np.r_[np.full(k_non + k_use, "ja"), np.full(k_out, "nee")].astype(object),
        "gebruik": np.r_[np.full(k_non, "nee"), np.full(k_use, "ja"), np.full(k_out, "nee")].astype(object),
        "inkomen_norm": np.round(np.r_[inc_non, inc_use, inc_out], 4),
        "personen": np.r_[persons_non, persons_use, persons_out].astype(np.int64),
    })
    for flag, (p_non, p_use) in cfg["oververtegenwoordigd"].items():
        frame[flag] = np.where(np.r_[rng.random(k_non) < p_non, rng.random(k_use) < p_use,
                                     rng.random(k_out) < p_use], "ja", "nee").astype(object)
    for j, months in enumerate((3, 6, 12)):  # the earlier peildata: months before the peildatum
        col = np.full(n_all, None, dtype=object)
        col[:k_non] = np.where(earlier[:, j], "ja", "nee")
        frame[f"niet_gebruik_{months}m"] = col
    order = rng.permutation(n_all)
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "huishouden_id", [f"H{i:07d}" for i in range(1, n_all + 1)])
    return frame


# --------------------------------------------------------------------------- minimabeleid


def minimabeleid(seed: int, edition: int) -> pd.DataFrame:
    """The inventory of minimabeleid: one row per gemeente (30), with the draagkracht rule of
    the bijzondere bijstand, the individuele inkomenstoeslag and the kindpakket."""
    core = _core()
    cfg = targets(edition)["minimabeleid"]
    rng = core.rng_for(seed, "minimabeleid")
    n = int(cfg["gemeenten"])
    (v_lo, p_lo), (v_hi, p_hi) = cfg["draagkracht_uitersten"]
    rest = cfg["draagkracht_overig"]
    # The others lie between the two ends: a higher vrijlating goes with a lower percentage.
    vrij = rng.choice(rest["vrijlating"], n - 2)
    pct = np.array([rng.choice([p for p in rest["percentage"] if (p_hi <= p <= p_lo) and
                                not (v == v_lo and p > p_lo) and not (v == v_hi and p < p_hi)])
                    for v in vrij])
    vrijlating = np.r_[v_lo, v_hi, vrij]
    percentage = np.r_[p_lo, p_hi, pct]
    lo, hi = int(cfg["iit_bedrag"]["min"]), int(cfg["iit_bedrag"]["max"])
    bedrag = np.r_[lo, hi, np.round(rng.uniform(lo + 10, hi - 10, n - 2))].astype(np.int64)
    jaren = np.concatenate([np.full(int(k), int(y)) for y, k in cfg["iit_jaren"].items()])
    grens = np.concatenate([np.full(int(k), float(g)) for g, k in cfg["kindpakket_grens"].items()])
    if len(jaren) != n or len(grens) != n:
        raise ValueError(f"synth_{edition}.yml minimabeleid: iit_jaren and kindpakket_grens must count {n} gemeenten")
    frame = pd.DataFrame({
        "draagkracht_vrijlating": np.round(vrijlating, 2),
        "draagkracht_percentage": np.round(percentage, 2),
        "iit_bedrag_alleenstaande": bedrag,
        "iit_jaren_laag_inkomen": rng.permutation(jaren).astype(np.int64),
        "kindpakket": np.full(n, "ja", dtype=object),
        "kindpakket_grens": np.round(rng.permutation(grens), 2),
    })
    frame = frame.iloc[rng.permutation(n)].reset_index(drop=True)
    frame.insert(0, "gemeente", [f"G{i:02d}" for i in range(1, n + 1)])
    return frame


GENERATORS = {
    "inkomensconsulenten": inkomensconsulenten,
    "cbs_niet_gebruik": cbs_niet_gebruik,
    "minimabeleid": minimabeleid,
}
