"""Synthetic sources of chapter 6 (Tozo).

Two generators: the survey among Tozo recipients (medio 2021, Tozo 1, 2 and/or 3) and the periods
of the regulation (Tozo 1-5 and Bbz-light: a small reference table, written from the calibration
file as the 2022 report states it). Targets live in ``synth_<edition>.yml`` beside this module, the
synthetic open answers in ``synth_open_answers_<edition>.yml``.

Survey answers are cut from latent scores that depend on background variables: satisfaction with
the gemeente (behind every judgement of the service, the grade and the access items), financial
strain (behind making ends meet, new debts and seeking further help; larger for higher hourly
rates, as 6.3 reports) and confidence in the business (behind the expectation that it will be
viable again and the need for heroriëntatie). Weights are raked to assumed population margins of
age and hourly rate.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from spiegel.synth.core import binary, calibration, cut, draw_categories, likert, noise, rake, rng_for, safe_load

LIKERT_ITEMS_SERVICE = ("respectvol", "afspraken_nagekomen", "vast_moment", "snelle_reactie", "contact_voldoende",
                        "doet_best", "expertise", "aandacht_persoonlijk", "bereid_helpen", "in_staat_helpen")
LIKERT_ITEMS_INFO = ("plichten_geinformeerd", "info_plichten_duidelijk", "merkt_wijzigingen", "wijzigingen_makkelijk")
REDENEN = ("reden_zelf_oplossen", "reden_niet_in_aanmerking", "reden_slechte_ervaring", "reden_moeilijk_praten",
           "reden_eigen_middelen")
RATES = ("tot_30", "30_50", "50_75", "75_plus")


@cache
def targets(edition: int) -> dict:
    """The calibration targets of an edition (a parsed copy of ``synth_<edition>.yml``)."""
    return calibration("spiegel.chapters.tozo", "synth", edition)


@cache
def open_answers(edition: int) -> dict[str, list[str]]:
    """The synthetic phrasings of the open answers, per theme."""
    text = resources.files("spiegel.chapters.tozo").joinpath(f"synth_open_answers_{edition}.yml").read_text("utf-8")
    return safe_load(text)


def _disagree(latent, w, rng, share_disagree: float, mask=None) -> np.ndarray:
    """A Likert statement where the published share is of those who disagree: the scale is cut
    from the negated score."""
    rest = 1.0 - share_disagree - 0.04
    return likert(-latent, w, rng, rest * 0.55, negative=share_disagree, mask=mask)


def tozo_klanten(seed: int, edition: int) -> pd.DataFrame:
    """The survey among Tozo recipients: one row per respondent."""
    cfg = targets(edition)["tozo_klanten"]
    t = cfg["targets"]
    rng = rng_for(seed, "tozo_klanten")
    n = cfg["size"]
    pop, bias = cfg["population"], cfg["response_bias"]
    frame = pd.DataFrame({
        "leeftijd": draw_categories(rng, n, {k: v * bias["leeftijd"][k] for k, v in pop["leeftijd"].items()}),
        "uurtarief": draw_categories(rng, n, {k: v * bias["uurtarief"][k] for k, v in pop["uurtarief"].items()}),
    })
    w = rake(frame, pop)
    rate = frame["uurtarief"].map({r: i for i, r in enumerate(RATES)}).to_numpy(dtype=float)
    rate = (rate - rate.mean()) / rate.std()
    old = (frame["leeftijd"] == "55_plus").to_numpy()
    out: dict[str, np.ndarray] = {}

    # Which Tozo periods: at least one of 1-3.
    tozo = {k: rng.random(n) < p for k, p in cfg["tozo"].items()}
    none = ~(tozo["tozo_1"] | tozo["tozo_2"] | tozo["tozo_3"])
    tozo["tozo_1"] = tozo["tozo_1"] | none
    for k, v in tozo.items():
        out[k] = np.where(v, "ja", "nee").astype(object)
    out["andere_inkomsten"] = binary(noise(rng, n), w, cfg["andere_inkomsten"])

    tevreden = noise(rng, n)                 # satisfaction with the gemeente
    strain = t["uurtarief_effect"] * rate + noise(rng, n)   # financial strain
    vertrouwen = -0.3 * strain + noise(rng, n)              # confidence in the business

    # 6.2 Toegang
    for item in ("gehoord_campagne", "gehoord_gemeente", "gehoord_netwerk"):
        out[item] = binary(noise(rng, n), w, t[item])
    out["grote_stap"] = likert(0.4 * strain - 0.3 * tevreden + noise(rng, n), w, rng, t["grote_stap"])
    access = 0.7 * tevreden + noise(rng, n, 0.7)
    out["info_duidelijk"] = likert(access + noise(rng, n, 0.5), w, rng, t["info_duidelijk"])
    out["aanlevering_zwaar"] = _disagree(access + noise(rng, n, 0.6), w, rng, t["aanlevering_zwaar_oneens"])
    out["hulp_aanvraag"] = likert(access + noise(rng, n, 0.6), w, rng, t["hulp_aanvraag"])
    out["kent_niet_aanvragers"] = binary(0.3 * strain + noise(rng, n), w, t["kent_niet_aanvragers"])

    # 6.3 Rondkomen
    ia = t["inkomen_achteruit"]
    out["inkomen_achteruit"] = cut(strain + noise(rng, n, 0.8), w, ("veel", "beetje", "niet"),
                                   (ia["veel"], ia["beetje"], ia["niet"]))
    rk = t["rondkomen"]
    out["rondkomen"] = cut(-strain, w, ("makkelijk", "redelijk", "moeilijk", "niet"),
                           tuple(rk[k] for k in ("makkelijk", "redelijk", "moeilijk", "niet")))

    # 6.4 Verdere hulp
    out["verdere_hulp"] = binary(0.6 * strain + 0.2 * tevreden + noise(rng, n), w, t["verdere_hulp"])
    asked = out["verdere_hulp"] == "ja"
    out["nieuwe_schulden"] = binary(0.8 * strain + noise(rng, n, 0.8), w, t["nieuwe_schulden"])
    out["aanbod_schuldregeling"] = np.where(asked, "nee", None).astype(object)  # nobody (yet)
    out["advies_regeling"] = binary(tevreden + noise(rng, n), w, t["advies_regeling"], asked)
    out["aanbod_budgetcoaching"] = binary(noise(rng, n), w, t["aanbod_budgetcoaching"], asked)
    for item in REDENEN:
        out[item] = binary(noise(rng, n), w, t[item], ~asked)
    known = 0.5 * asked + noise(rng, n)
    out["bekend_minimaregelingen"] = binary(known + noise(rng, n, 0.6), w, t["bekend_minimaregelingen"])
    out["bekend_tonk"] = binary(known + noise(rng, n, 0.6), w, t["bekend_tonk"])
    out["bekend_herorientatie"] = binary(0.5 * known + noise(rng, n), w, t["bekend_herorientatie"])
    out["verwacht_levensvatbaar"] = binary(vertrouwen, w, t["verwacht_levensvatbaar"])
    out["behoefte_herorientatie"] = binary(-vertrouwen + 0.3 * old + noise(rng, n, 0.5), w, t["behoefte_herorientatie"])
    need = out["behoefte_herorientatie"] == "ja"
    out["hulp_eigen_netwerk"] = binary(noise(rng, n), w, t["hulp_eigen_netwerk"])
    hs = t["herorientatie_status"]
    out["herorientatie_status"] = cut(tevreden + noise(rng, n), w, ("concreet", "gesprek", "niets"),
                                      (hs["concreet"], hs["gesprek"], hs["niets"]), need)
    helped = out["herorientatie_status"] == "concreet"
    out["herorientatie_oordeel"] = likert(tevreden + noise(rng, n, 0.6), w, rng, t["herorientatie_oordeel"],
                                          mask=helped)

    # 6.5 Dienstverlening
    for item in LIKERT_ITEMS_SERVICE + LIKERT_ITEMS_INFO:
        out[item] = likert(0.8 * tevreden + noise(rng, n, 0.6), w, rng, t[item])
    other = out["andere_inkomsten"] == "ja"
    for item in ("verrekening_correct", "weet_wanneer_verrekend"):
        out[item] = likert(0.6 * tevreden + noise(rng, n, 0.8), w, rng, t[item], mask=other)
    tv = t["terugvordering"]
    out["terugvordering"] = cut(-0.3 * tevreden + noise(rng, n), w, ("gehad", "verwacht", "nee"),
                                (tv["gehad"], tv["verwacht"], tv["nee"]), other)
    out["maandinkomen_lastig"] = likert(-0.3 * tevreden + noise(rng, n), w, rng, t["maandinkomen_lastig"], mask=other)
    grades = t["cijfer"]
    marks = cut(tevreden + noise(rng, n, 0.5), w, tuple(sorted(grades, reverse=True)),
                tuple(grades[g] for g in sorted(grades, reverse=True)))
    out["cijfer"] = marks.astype(int)

    # The open answers and their coded themes.
    phrasings = open_answers(edition)
    themes = cfg["themes"]
    codes = list(themes)
    answered = rng.random(n) < t["verbeterpunt_gegeven"]
    p = np.asarray([themes[c] for c in codes], dtype=float)
    text = np.full(n, None, dtype=object)
    coded = {c: np.full(n, None, dtype=object) for c in codes}
    for i in np.flatnonzero(answered):
        first = rng.choice(len(codes), p=p / p.sum())
        chosen = [first]
        if rng.random() < cfg["second_theme"]:
            rest = p.copy()
            rest[first] = 0
            chosen.append(rng.choice(len(codes), p=rest / rest.sum()))
        parts = [phrasings[codes[k]][rng.integers(len(phrasings[codes[k]]))] for k in chosen]
        text[i] = " ".join(parts)
        for c in codes:
            coded[c][i] = "ja" if codes.index(c) in chosen else "nee"
    out["verbeterpunt"] = text
    for c in codes:
        out[f"thema_{c}"] = coded[c]

    ids = [f"T{i:05d}" for i in range(1, n + 1)]
    result = pd.DataFrame({"resp_id": ids, "gewicht": np.round(w, 6), **frame, **out})
    return result


def tozo_regelingen(seed: int, edition: int) -> pd.DataFrame:
    """The periods of the regulation (Tozo 1-5, Bbz-light) with their tests, as 6.1 states them."""
    return pd.DataFrame(targets(edition)["tozo_regelingen"])


GENERATORS = {"tozo_klanten": tozo_klanten, "tozo_regelingen": tozo_regelingen}
