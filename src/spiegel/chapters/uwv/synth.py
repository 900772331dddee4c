"""Synthetic sources of chapter 3 (re-integratieondersteuning UWV).

Four generators: the client survey among WW and Wajong recipients (summer 2020), the survey among
UWV WERKbedrijf staff (summer 2021), the WGA client figures the chapter takes from other studies
(aggregates), and the composition of the WIA, Wajong and WW populations (Tabel 3, aggregate
register counts). Targets live in ``synth_<edition>.yml`` beside this module.

Clients: answers are cut from latent scores (satisfaction with UWV, distance to the labour
market) that depend on the regeling, kansrijk/kansarm and working, so related items correlate and
the report's contrasts exist. Staff: questions about one client group are asked once per group in
the caseload (``<item>_ww``, ``<item>_wajong``, ``<item>_wga``); questions about the work itself
once per person, calibrated per caseload group where the report breaks them down.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from spiegel.synth.core import (
    binary,
    calibration,
    cut,
    draw_categories,
    likert,
    noise,
    population_counts,
    rake,
    rng_for,
)

GROUPS = ("ww", "wajong", "wga")
EFFECT = ("sterk", "enigszins", "niet_nauwelijks")
BELEMMERING = ("sterk", "enig", "geen")


@cache
def targets(edition: int) -> dict:
    """The calibration targets of an edition (a parsed copy of ``synth_<edition>.yml``)."""
    return calibration("spiegel.chapters.uwv", "synth", edition)


# --------------------------------------------------------------------------- Tabel 3


def uwv_populatie(seed: int, edition: int) -> pd.DataFrame:
    """Tabel 3 as aggregate register counts: one row per regeling, kenmerk and categorie."""
    cfg = targets(edition)["uwv_populatie"]
    rows = []
    for regeling, spec in cfg["regelingen"].items():
        rows.append({"peilmaand": cfg["peilmaand"], "regeling": regeling, "kenmerk": "totaal",
                     "categorie": "totaal", "aantal": spec["totaal"]})
        for kenmerk in ("geslacht", "leeftijd"):
            for categorie, count in population_counts(spec["totaal"], spec[kenmerk]).items():
                rows.append({"peilmaand": cfg["peilmaand"], "regeling": regeling, "kenmerk": kenmerk,
                             "categorie": categorie, "aantal": count})
    return pd.DataFrame(rows)


def population_margins(edition: int, regeling: str) -> dict[str, dict[str, float]]:
    """Sex and age shares of a regeling's population (from the Tabel 3 counts)."""
    spec = targets(edition)["uwv_populatie"]["regelingen"][regeling]
    return {k: {c: n / spec["totaal"] for c, n in population_counts(spec["totaal"], spec[k]).items()}
            for k in ("geslacht", "leeftijd")}


# --------------------------------------------------------------------------- client survey


def _effect(latent, w, rng, shares: dict, mask) -> np.ndarray:
    """How much an instrument helped (sterk / enigszins / niet of nauwelijks), plus some 'weet niet'."""
    dont_know = mask & (rng.random(len(latent)) < 0.03)
    out = cut(latent, w, EFFECT, [shares[k] for k in EFFECT], mask & ~dont_know)
    out[dont_know] = "weet_niet"
    return out


def _client_sample(seed: int, regeling: str, n: int, cfg: dict, edition: int) -> pd.DataFrame:
    """One regeling's respondents: background, raking weights and every item."""
    rng = rng_for(seed, "uwv_klanten", regeling)
    t = cfg["targets"][regeling]
    margins = population_margins(edition, regeling)
    bias = cfg["response_bias"]
    frame = pd.DataFrame({
        "geslacht": draw_categories(rng, n, {k: v * bias["geslacht"][k] for k, v in margins["geslacht"].items()}),
        "leeftijd": draw_categories(rng, n, {k: v * bias["leeftijd"][k] for k, v in margins["leeftijd"].items()}),
    })
    if regeling == "ww":
        frame["ww_kans"] = draw_categories(rng, n, {"kansrijk": cfg["ww_kans"]["kansrijk"] * 1.1,
                                                    "kansarm": cfg["ww_kans"]["kansarm"] * 0.9})
        margins = {**margins, "ww_kans": cfg["ww_kans"]}
    else:
        frame["ww_kans"] = None
    w = rake(frame, margins)
    old = (frame["leeftijd"] == "55_plus").to_numpy()
    young = (frame["leeftijd"] == "tot_35").to_numpy()
    kansarm = (frame["ww_kans"] == "kansarm").to_numpy()
    # Working next to the benefit: more often the young and (in the WW) the kansrijken.
    frame["werkend"] = binary(0.4 * young - 0.4 * old - 0.4 * kansarm + noise(rng, n), w, cfg["werkend"][regeling])
    working = (frame["werkend"] == "ja").to_numpy()
    out: dict[str, np.ndarray] = {}

    # Satisfaction with UWV: the common factor behind the judgements of the service.
    tevreden = noise(rng, n) + 0.2 * old - 0.25 * kansarm
    out["afspraken"] = binary(0.4 * tevreden + noise(rng, n), w, t["afspraken"])
    agreed = out["afspraken"] == "ja"
    wp = t["werkplan"]
    out["werkplan"] = cut(0.8 * agreed + 0.3 * tevreden + noise(rng, n), w, ("ja", "weet_niet", "nee"),
                          (wp["ja"], wp["weet_niet"], wp["nee"]))
    tevreden = tevreden + 0.3 * agreed
    out["invloed"] = likert(0.8 * tevreden + noise(rng, n, 0.7), w, rng, t["invloed"], mask=agreed)
    if regeling == "wajong":
        rb = t["rekening_behoefte"]
        out["rekening_behoefte"] = cut(tevreden + noise(rng, n, 1.2), w, ("voldoende", "weet_niet", "onvoldoende"),
                                       (rb["voldoende"], rb["weet_niet"], rb["onvoldoende"]))
        out["specifiek_verzoek"] = binary(noise(rng, n), w, t["specifiek_verzoek"])
        out["verzoek_ontvangen"] = binary(tevreden + noise(rng, n), w, t["verzoek_ontvangen"],
                                          out["specifiek_verzoek"] == "ja")
    else:
        for item in ("rekening_behoefte", "specifiek_verzoek", "verzoek_ontvangen"):
            out[item] = np.full(n, None, dtype=object)
    access = 0.7 * tevreden + noise(rng, n, 0.7)
    for item in ("info_hulp_duidelijk", "weet_waar_terecht", "makkelijk_hulp"):
        out[item] = likert(access + noise(rng, n, 0.6), w, rng, t[item])
    out["voldoende_ondersteuning"] = binary(tevreden + noise(rng, n, 0.8), w, t["voldoende_ondersteuning"])
    out["hulp_later"] = binary(-0.6 * tevreden + noise(rng, n), w, t["hulp_later"])

    empty = np.full(n, None, dtype=object)
    if regeling == "ww":
        out["baan_zonder_hulp"] = binary(-1.0 * kansarm + noise(rng, n), w, t["baan_zonder_hulp"])
        for item in ("directe_matching", "online_training", "scholing_begeleiding"):
            out[item] = binary(0.5 * kansarm + noise(rng, n), w, t[item])
            out[f"{item}_effect"] = _effect(tevreden + noise(rng, n), w, rng, t[f"{item}_effect"],
                                            out[item] == "ja")
    else:
        for item in ("baan_zonder_hulp", "directe_matching", "directe_matching_effect", "online_training",
                     "online_training_effect", "scholing_begeleiding", "scholing_begeleiding_effect"):
            out[item] = empty.copy()
    out["digitaal"] = binary(-0.3 * old + noise(rng, n), w, t["digitaal"])
    out["digitaal_effect"] = _effect(tevreden + noise(rng, n), w, rng, t["digitaal_effect"], out["digitaal"] == "ja")

    out["te_weinig_contact"] = binary(-0.6 * tevreden + noise(rng, n), w, t["te_weinig_contact"])
    out["vast_contactpersoon"] = binary(0.5 * tevreden + noise(rng, n), w, t["vast_contactpersoon"])
    gesprek = np.full(n, None, dtype=object)
    for sel, share in ((working, t["gesprek"]["werkend"]), (~working, t["gesprek"]["niet_werkend"])):
        gesprek[sel] = binary(0.5 * agreed + noise(rng, n), w, share, sel)[sel]
    out["gesprek_afgelopen_jaar"] = gesprek
    contact = (out["vast_contactpersoon"] == "ja") | (out["werkplan"] == "ja")
    out["te_veel_druk"] = likert(-0.6 * tevreden + noise(rng, n), w, rng, t["te_veel_druk"])
    for item in ("vertrouwen", "aandacht_persoonlijk"):
        spec = t[item]
        out[item] = likert(0.8 * tevreden + 0.5 * contact + noise(rng, n, 0.7), w, rng, spec["positive"],
                           spec["negative"])

    # Added value: judged lower by kansarme WW'ers than by kansrijke.
    value = 0.6 * tevreden + 0.3 * agreed + noise(rng, n, 0.7)
    hk = t["hulp_kans_werk"]
    if regeling == "ww":
        kans = np.full(n, None, dtype=object)
        for sel, key in ((~kansarm, "kansrijk"), (kansarm, "kansarm")):
            kans[sel] = likert(value + noise(rng, n, 0.6), w, rng, hk[key], mask=sel)[sel]
        out["hulp_kans_werk"] = kans
    else:
        out["hulp_kans_werk"] = likert(value + noise(rng, n, 0.6), w, rng, hk)
    out["hulp_zelfvertrouwen"] = likert(value + noise(rng, n, 0.6), w, rng, t["hulp_zelfvertrouwen"])
    out["rechten_plichten"] = likert(0.4 * tevreden + noise(rng, n), w, rng, t["rechten_plichten"], weet_niet=0.02)
    pk = t["pakkans"]
    out["pakkans"] = likert(noise(rng, n), w, rng, pk["positive"], pk["negative"], weet_niet=0.0)

    out["fin_uitgelegd"] = binary(0.5 * tevreden + noise(rng, n), w, t["fin_uitgelegd"])
    understanding = 0.5 * tevreden + noise(rng, n, 0.8)
    out["verrekening_snapt"] = binary(understanding + noise(rng, n, 0.5), w, t["verrekening_snapt"], working)
    out["uitleg_verrekening"] = likert(understanding + noise(rng, n, 0.5), w, rng, t["uitleg_verrekening"],
                                       mask=working)
    out["financieel_vooruit"] = binary(understanding + noise(rng, n), w, t["financieel_vooruit"], working)
    if regeling == "wajong":
        wl = t["werken_lonend"]
        out["werken_lonend"] = cut(understanding + noise(rng, n), w, ("ja", "weet_niet", "nee"),
                                   (wl["ja"], wl["weet_niet"], wl["nee"]), ~working)
        for need, got in (("jobcoach_nodig", "jobcoach_ontvangen"), ("vervoer_nodig", "vervoer_ontvangen")):
            out[need] = binary(noise(rng, n), w, t[need], working)
            out[got] = binary(tevreden + noise(rng, n), w, t[got], out[need] == "ja")
        out["jobcoach_positief"] = likert(tevreden + noise(rng, n, 0.7), w, rng, t["jobcoach_positief"],
                                          mask=out["jobcoach_ontvangen"] == "ja")
    else:
        for item in ("werken_lonend", "jobcoach_nodig", "jobcoach_ontvangen", "jobcoach_positief", "vervoer_nodig",
                     "vervoer_ontvangen"):
            out[item] = empty.copy()
    frame.insert(0, "gewicht", w)
    frame.insert(0, "regeling", regeling)
    return pd.concat([frame, pd.DataFrame(out)], axis=1)


KLANTEN_COLUMNS = [
    "resp_id", "regeling", "ww_kans", "gewicht", "geslacht", "leeftijd", "werkend", "afspraken", "werkplan",
    "invloed", "rekening_behoefte", "specifiek_verzoek", "verzoek_ontvangen", "info_hulp_duidelijk",
    "weet_waar_terecht", "makkelijk_hulp", "voldoende_ondersteuning", "hulp_later", "baan_zonder_hulp",
    "directe_matching", "directe_matching_effect", "online_training", "online_training_effect",
    "scholing_begeleiding", "scholing_begeleiding_effect", "digitaal", "digitaal_effect", "te_weinig_contact",
    "vast_contactpersoon", "gesprek_afgelopen_jaar", "te_veel_druk", "vertrouwen", "aandacht_persoonlijk",
    "hulp_kans_werk", "hulp_zelfvertrouwen", "rechten_plichten", "pakkans", "fin_uitgelegd", "verrekening_snapt",
    "uitleg_verrekening", "financieel_vooruit", "werken_lonend", "jobcoach_nodig", "jobcoach_ontvangen",
    "jobcoach_positief", "vervoer_nodig", "vervoer_ontvangen",
]


def uwv_klanten(seed: int, edition: int) -> pd.DataFrame:
    """The client survey: one row per respondent. Weights restore each regeling's sex and age
    margins (Tabel 3) and its share of the combined WW + Wajong population (mean 1)."""
    cfg = targets(edition)["uwv_klanten"]
    pop = targets(edition)["uwv_populatie"]["regelingen"]
    parts = [_client_sample(seed, regeling, n, cfg, edition) for regeling, n in cfg["sizes"].items()]
    frame = pd.concat(parts, ignore_index=True)
    total_pop = sum(pop[r]["totaal"] for r in cfg["sizes"])
    for regeling in cfg["sizes"]:
        sel = frame["regeling"] == regeling
        target = pop[regeling]["totaal"] / total_pop * len(frame)
        frame.loc[sel, "gewicht"] *= target / frame.loc[sel, "gewicht"].sum()
    frame["gewicht"] = frame["gewicht"].round(6)
    order = rng_for(seed, "uwv_klanten", "order").permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "resp_id", [f"K{i:06d}" for i in range(1, len(frame) + 1)])
    return frame[KLANTEN_COLUMNS]


def uwv_wga_extern(seed: int, edition: int) -> pd.DataFrame:
    """The WGA client figures taken from other studies, as published aggregates."""
    rows = targets(edition)["uwv_wga_extern"]["rows"]
    return pd.DataFrame(rows)[["indicator", "omschrijving", "waarde", "n", "bron", "peiljaar"]]


# --------------------------------------------------------------------------- staff survey


def cut_overlapping(latent, categories, by_group: list[tuple[np.ndarray, list[float]]], rest: list[float],
                    asked: np.ndarray) -> np.ndarray:
    """Cut one answer per person so that, within each (overlapping) group, the answer shares are
    the group's target: groups are filled in turn, each counting the answers its members already
    got in an earlier group; people in no group get the ``rest`` shares."""
    n = len(latent)
    ones = np.ones(n)
    out = np.full(n, None, dtype=object)
    for members, shares in by_group:
        sel = members & asked
        done = sel & pd.notna(out)
        free = sel & pd.isna(out)
        if not free.any():
            continue
        need = np.array([shares[k] * sel.sum() - np.sum(out[done] == c) for k, c in enumerate(categories)])
        need = np.clip(need, 0, None)
        need = need / need.sum() if need.sum() > 0 else np.asarray(shares, dtype=float)
        out[free] = cut(latent, ones, categories, need, free)[free]
    left = asked & pd.isna(out)
    if left.any():
        out[left] = cut(latent, ones, categories, rest, left)[left]
    return out


def mean_grades(latent, by_group: list[tuple[np.ndarray, float]], asked: np.ndarray) -> np.ndarray:
    """Report marks (1-10) from a latent score, shifted per (overlapping) group until each group's
    mean mark is its target. Not asked: missing."""
    x = latent.astype(float).copy()
    for _ in range(60):
        for members, target in by_group:
            sel = members & asked
            grades = np.clip(np.round(x), 1, 10)
            x[sel] += target - grades[sel].mean()
    grades = np.clip(np.round(x), 1, 10)
    return pd.array(np.where(asked, grades, np.nan), dtype="Int64")


def _grades_with_fail_share(latent, fail: np.ndarray, asked: np.ndarray, rng) -> np.ndarray:
    """Marks below 6 for ``fail`` (onvoldoende), 6-9 for the others, ordered by the latent score."""
    n = len(latent)
    ones = np.ones(n)
    low = cut(latent, ones, ("5", "4", "3"), (0.6, 0.3, 0.1), asked & fail)
    high = cut(latent + noise(rng, n, 0.3), ones, ("9", "8", "7", "6"), (0.08, 0.35, 0.37, 0.20), asked & ~fail)
    marks = np.where(asked & fail, low, high)
    return pd.array([None if m is None else int(m) for m in marks], dtype="Int64")


def uwv_medewerkers(seed: int, edition: int) -> pd.DataFrame:
    """The staff survey: one row per medewerker; per-client-group questions as ``<item>_<group>``."""
    cfg = targets(edition)["uwv_medewerkers"]
    rng = rng_for(seed, "uwv_medewerkers")
    n = cfg["n"]
    functie = draw_categories(rng, n, cfg["functie"])
    flags = {g: np.zeros(n, dtype=bool) for g in GROUPS}
    for f, probs in cfg["caseload_groups"].items():
        sel = functie == f
        for g in GROUPS:
            flags[g][sel] = rng.random(sel.sum()) < probs[g]
    none = ~(flags["ww"] | flags["wajong"] | flags["wga"])
    flags["wajong"][none & (functie != "arbeidsdeskundige")] = True
    flags["wga"][none & (functie == "arbeidsdeskundige")] = True
    cl = cfg["caseload_lognormal"]
    caseload = np.clip(np.round(cl["median"] * np.exp(rng.normal(0, cl["sigma"], n))), 20, 250).astype(int)
    big = caseload > cfg["caseload_threshold"]
    load = (np.log(caseload) - np.log(caseload).mean()) / np.log(caseload).std()
    frame = pd.DataFrame({"mdw_id": [f"M{i:04d}" for i in range(1, n + 1)], "functie": functie,
                          **{f"caseload_{g}": np.where(flags[g], "ja", "nee") for g in GROUPS},
                          "caseload": caseload})
    ones = np.ones(n)
    everyone = np.ones(n, dtype=bool)
    person = noise(rng, n)  # a person's general outlook: their answers correlate

    # Questions per client group in the caseload (Tabel 4 and the per-group statements).
    for item, by_group in cfg["tabel_4"].items():
        for g in GROUPS:
            if g not in by_group:
                continue
            strong, some = by_group[g][0] / 100, by_group[g][1] / 100
            shares = (strong, some, 1 - strong - some)  # 'geen' is the remainder (rows of 99/101)
            effect = 0.6 * load if item == "bel_tijd" and g in ("wajong", "wga") else 0.0
            latent = 0.4 * person + effect + noise(rng, n)
            frame[f"{item}_{g}"] = cut(latent, ones, BELEMMERING, shares, flags[g])
    # Time pressure: the available time is a barrier (strong or some) for a group in the caseload.
    # Staff under time pressure keep their clients less in view, keep work-ready clients less
    # active, keep their expertise up less and steer WGA'ers less towards more work (3.4.1).
    pressed = np.zeros(n, dtype=bool)
    for g in GROUPS:
        pressed |= np.isin(frame[f"bel_tijd_{g}"].to_numpy(dtype=object), ("sterk", "enig"))
    pg = cfg["per_group"]
    for item, by_group in pg.items():
        for key, share in by_group.items():
            g = key.split("_")[0]
            latent = 0.4 * person + noise(rng, n)
            if item == "voorkeuren":
                rest = 1 - share
                frame[f"{item}_{key}"] = cut(latent, ones, ("sterk", "enigszins", "niet"),
                                             (share, rest * 0.85, rest * 0.15), flags[g])
            elif item == "meer_weten_fin":
                frame[f"{item}_{key}"] = binary(latent, ones, share, flags[g])
            else:
                frame[f"{item}_{key}"] = likert(latent, ones, rng, share, weet_niet=0.03, mask=flags[g])

    gen = cfg["general"]
    for item in ("bepalend_omstandigheden", "bepalend_oordeel", "bepalend_instrumenten"):
        d = gen[item]
        frame[item] = cut(noise(rng, n), ones, ("sterk", "enigszins", "niet"), (d["sterk"], d["enigszins"], d["niet"]))
    frame["smz_overdracht_onduidelijk"] = binary(noise(rng, n), ones, gen["smz_overdracht_onduidelijk"], flags["wga"])
    frame["sonar_voldoende"] = likert(noise(rng, n), ones, rng, gen["sonar_voldoende"]["positive"],
                                      gen["sonar_voldoende"]["negative"], weet_niet=0.05)
    for item, group in (("functies_aanpassen", "wajong"), ("contact_werkgever", "wajong")):
        d = gen[item]
        frame[item] = cut(noise(rng, n), ones, ("altijd", "meestal", "soms", "nooit"),
                          [d[k] for k in ("altijd", "meestal", "soms", "nooit")], flags[group])
    d = gen["uitbreiden_wga"]
    frame["uitbreiden_wga"] = cut(0.3 * person - 1.5 * pressed + noise(rng, n), ones, ("meestal", "soms", "nooit"),
                                  (d["meestal"], d["soms"], d["nooit"]), flags["wga"])
    for item in ("vast_aanspreekpunt", "direct_contact"):
        frame[item] = binary(0.4 * person + noise(rng, n), ones, gen[item])
    for item, shares in cfg["in_beeld"].items():
        latent = 0.5 * person - 0.5 * load - 0.9 * pressed + noise(rng, n)
        by_group = [(flags[g], [shares[g] * 0.4, shares[g] * 0.6, (1 - shares[g]) * 0.7, (1 - shares[g]) * 0.3])
                    for g in ("ww", "wga", "wajong")]
        frame[item] = cut_overlapping(latent, ("sterk", "behoorlijk", "enigszins", "nauwelijks"), by_group,
                                      by_group[0][1], everyone)
    frame["minder_in_beeld_corona"] = binary(noise(rng, n), ones, gen["minder_in_beeld_corona"])
    for item in ("ruimte_handhaven", "digitaal_kansarm", "kans_werk_algemeen", "zelfvertrouwen", "expertise_aanbod"):
        spec = gen[item]
        frame[item] = likert(0.5 * person + noise(rng, n), ones, rng, spec["positive"], spec["negative"],
                             weet_niet=0.02)
    for item in ("actief_houden", "registratie_op_orde"):
        spec = gen[item]
        # A caseload above the threshold makes both harder, most of all for Wajong staff.
        latent = 0.3 * person - 0.6 * big * flags["wajong"] - 0.2 * big - 0.6 * pressed + noise(rng, n)
        frame[item] = likert(latent, ones, rng, spec["positive"], spec["negative"], weet_niet=0.02)
    for item, extra in (("werkdruk_registratie", 0.0), ("werkdruk_caseload", 0.7)):
        d = gen[item]
        frame[item] = cut(0.4 * person + extra * load + noise(rng, n), ones, BELEMMERING,
                          (d["sterk"], d["enig"], d["geen"]))
    for item in ("meer_weten_belemmeringen", "meer_weten_sociale_kaart", "expertise_minder"):
        latent = (0.8 * (frame["werkdruk_caseload"] == "sterk").to_numpy() + 0.8 * pressed
                  if item == "expertise_minder" else 0) + noise(rng, n)
        frame[item] = binary(latent, ones, gen[item])

    # Collaboration within and outside UWV: how often, and a report mark when there is contact.
    sam = cfg["samenwerking"]
    freq_codes = ("vaak", "soms", "nooit")
    ad = functie == "arbeidsdeskundige"
    intensief = functie == "adviseur_intensief"
    for partner, spec in sam.items():
        if partner == "reintegratie":
            freq = np.full(n, None, dtype=object)
            for sel, key in ((intensief, "freq_intensief"), (~intensief, "freq_other")):
                d = spec[key]
                freq[sel] = cut(noise(rng, n), ones, freq_codes, [d[c] for c in freq_codes], sel)[sel]
        else:
            d = spec["freq"]
            latent = noise(rng, n) + (1.5 * ad if partner == "smz" else 0)
            freq = cut(latent, ones, freq_codes, [d[c] for c in freq_codes])
        frame[f"contact_{partner}"] = freq
        asked = freq != "nooit"
        latent = 0.6 * person + noise(rng, n)
        if "means" in spec:
            frame[f"cijfer_{partner}"] = mean_grades(7 + latent, [(flags[g], spec["means"][g]) for g in GROUPS], asked)
        elif "mean" in spec:
            frame[f"cijfer_{partner}"] = mean_grades(5 + latent, [(everyone, spec["mean"])], asked)
        elif "mean_intensief" in spec:
            frame[f"cijfer_{partner}"] = mean_grades(8 + 0.6 * latent, [(intensief, spec["mean_intensief"]),
                                                                         (~intensief, 7.6)], asked)
        else:
            if "onvoldoende" in spec:
                fail = binary(-latent, ones, spec["onvoldoende"], asked) == "ja"
            else:
                by_group = [(flags[g], [spec["onvoldoende_by_group"][g], 1 - spec["onvoldoende_by_group"][g]])
                            for g in spec["onvoldoende_by_group"]]
                fail = cut_overlapping(-latent, ("ja", "nee"), by_group, by_group[0][1], asked) == "ja"
            frame[f"cijfer_{partner}"] = _grades_with_fail_share(latent, fail, asked, rng)
    return frame


GENERATORS = {
    "uwv_klanten": uwv_klanten,
    "uwv_medewerkers": uwv_medewerkers,
    "uwv_wga_extern": uwv_wga_extern,
    "uwv_populatie": uwv_populatie,
}
