"""Synthetic sources of chapter 2 (re-integratieondersteuning gemeenten).

Four generators, one per source: the client survey (brede doelgroep + DGR sample), its earlier
waves as aggregates, the klantmanager questionnaire, the CBS composition of the bijstand
population (Tabel 1), and the person-level register of started re-integratievoorzieningen
(Tabel 2, Figuur 3). Targets live in ``synth_<edition>.yml`` beside this module.
"""

from __future__ import annotations

# source id -> generator(seed, edition). Defined before the imports below, with names bound at
# call time: ``spiegel.synth`` (which collects every chapter's GENERATORS) is imported by
# ``spiegel.synth.core`` and reads this dict while this module is still loading.
GENERATORS = {
    "klanten_pw": lambda seed, edition: klanten_pw(seed, edition),
    "klanten_pw_trend": lambda seed, edition: klanten_pw_trend(seed, edition),
    "klantmanagers_pw": lambda seed, edition: klantmanagers_pw(seed, edition),
    "cbs_bijstand": lambda seed, edition: cbs_bijstand(seed, edition),
    "cbs_srg_personen": lambda seed, edition: cbs_srg(seed, edition)[0],
    "cbs_srg_starts": lambda seed, edition: cbs_srg(seed, edition)[1],
}

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy.optimize import linprog

from spiegel.synth.core import (
    calibration,
    binary,
    cut,
    draw_categories,
    draw_positions,
    likert,
    noise,
    population_counts,
    rake,
    rng_for,
)

AGREE = ("helemaal_eens", "eens")


@cache
def targets(edition: int) -> dict:
    """The calibration targets of an edition (a parsed copy of ``synth_<edition>.yml``)."""
    return calibration("spiegel.chapters.gemeenten", "synth", edition)


# --------------------------------------------------------------------------- client survey


def _background(rng, n: int, margins: dict, bias: dict, westers: float, p_sk: float) -> pd.DataFrame:
    """Background variables of a sample whose composition differs from the population by the
    response propensities in ``bias``."""

    def biased(dist: dict, factors: dict) -> dict:
        return {k: v * factors.get(k, 1.0) for k, v in dist.items()}

    geslacht = draw_categories(rng, n, biased(margins["geslacht"], bias["geslacht"]))
    leeftijd = draw_categories(rng, n, biased(margins["leeftijd"], bias["leeftijd"]))
    migratie = draw_categories(rng, n, biased(margins["migratie"], bias["migratie"]))
    herkomst = np.where(
        migratie == "nee", "geen", np.where(rng.random(n) < westers, "westers", "niet_westers")
    )
    gemeentegrootte = draw_categories(rng, n, margins["gemeentegrootte"])
    # Startkwalificatie: less often among older clients and those with a migration background.
    sk_latent = noise(rng, n) - 0.4 * (leeftijd == "45_plus") - 0.3 * (migratie == "ja")
    startkwalificatie = binary(sk_latent, np.ones(n), p_sk)
    return pd.DataFrame(
        {
            "geslacht": geslacht,
            "leeftijd": leeftijd,
            "migratieachtergrond": herkomst,
            "startkwalificatie": startkwalificatie,
            "gemeentegrootte": gemeentegrootte,
            "migratie": migratie,
        }
    )


def _sample(seed: int, name: str, n: int, cfg: dict) -> pd.DataFrame:
    """Generate one sample (brede doelgroep or DGR) of the client survey."""
    rng = rng_for(seed, "klanten_pw", name)
    t = cfg["targets"][name]
    df = _background(
        rng, n, cfg["population_margins"][name], cfg["response_bias"],
        cfg["westers_within_migratie"], cfg["startkwalificatie"][name],
    )
    w = rake(df, cfg["population_margins"][name])
    man = (df["geslacht"] == "man").to_numpy()
    young = (df["leeftijd"] == "tot_27").to_numpy()
    old = (df["leeftijd"] == "45_plus").to_numpy()
    sk = (df["startkwalificatie"] == "ja").to_numpy()
    groot = (df["gemeentegrootte"] == "groot").to_numpy()
    klein = (df["gemeentegrootte"] == "klein").to_numpy()
    out: dict[str, np.ndarray] = {}

    # Distance to the labour market: the common factor behind capacity, search and needs.
    afstand = noise(rng, n) + 0.6 * old - 0.5 * young - 0.4 * sk
    av = t["arbeidsvermogen"]
    dont_know = rng.random(n) < av["weet_niet"]
    rest = 1 - av["weet_niet"]
    out["arbeidsvermogen"] = cut(-afstand, w, ("nu", "toekomst", "nooit"),
                                 (av["nu"] / rest, av["toekomst"] / rest, av["nooit"] / rest), ~dont_know)
    out["arbeidsvermogen"][dont_know] = "weet_niet"
    can_now = out["arbeidsvermogen"] == "nu"
    never = out["arbeidsvermogen"] == "nooit"
    out["wil_werken"] = binary(noise(rng, n), w, 1 - t["wil_werken_nee_of_nu"], can_now)

    zg = t["zoekgedrag"]
    out["zoekgedrag"] = cut(-0.5 * afstand - 2.0 * never + 0.35 * man + noise(rng, n, 0.6), w,
                            ("actief", "eerder", "nooit"), (zg["actief"], zg["eerder"], zg["nooit"]))
    gez = binary(afstand + noise(rng, n, 0.8), w, t["belemmering_gezondheid"])
    out["belemmering_gezondheid"] = gez
    # Other barriers: common among those without health barriers, so that ~95% has some barrier.
    no_health = gez == "nee"
    share_no_health = w[no_health].sum() / w.sum()
    p_other_given_none = 1 - (1 - t["belemmering_any"]) / max(share_no_health, 1e-9)
    other = binary(noise(rng, n), w, p_other_given_none, no_health)
    other[~no_health] = binary(noise(rng, n), w, 0.5, ~no_health)[~no_health]
    out["belemmering_overig"] = other
    out["gelukkiger_met_baan"] = likert(-0.4 * afstand + noise(rng, n), w, rng, t["gelukkiger_met_baan"])
    out["liever_langer_uitkering"] = likert(noise(rng, n), w, rng, t["liever_langer_uitkering"])

    need = noise(rng, n)
    for item, share in t["behoefte"].items():
        work_item = item in ("werktijden", "werkplek", "zoeken_werk")
        latent = 0.7 * need + (0.8 * ~never if work_item else 0.3 * afstand) + noise(rng, n, 0.8)
        out[f"behoefte_{item}"] = binary(latent, w, share)
    any_need = np.column_stack([out[f"behoefte_{k}"] == "ja" for k in t["behoefte"]]).any(axis=1)

    # Exemption and agreements: people who expect never to work are mostly exempted, and
    # those without agreements are mostly exempted.
    vr = t["vrijgesteld"]
    vr_dont_know = rng.random(n) < vr["weet_niet"]
    rest = 1 - vr["weet_niet"]
    out["vrijgesteld"] = cut(1.2 * afstand + 1.5 * never + 0.6 * groot + noise(rng, n), w, ("ja", "nee"),
                             (vr["ja"] / rest, vr["nee"] / rest), ~vr_dont_know)
    out["vrijgesteld"][vr_dont_know] = "weet_niet"
    exempt = out["vrijgesteld"] == "ja"
    bs = t["beschikking"]
    out["beschikking"] = cut(noise(rng, n), w, ("ja", "nee", "weet_niet"), (bs["ja"], bs["nee"], bs["weet_niet"]),
                             exempt)

    # Satisfaction with the gemeente: the common factor behind judgements of the service.
    tevreden = noise(rng, n) + 0.25 * man + 0.2 * sk - 0.2 * groot + 0.15 * klein
    out["afspraken"] = binary(-1.0 * exempt + 0.15 * young + 0.3 * sk + 0.3 * tevreden + noise(rng, n, 0.8),
                              w, t["afspraken"])
    agreed = out["afspraken"] == "ja"
    tevreden = tevreden + 0.35 * agreed
    out["gesprek_afgelopen_jaar"] = binary(1.2 * agreed + 0.3 * tevreden + noise(rng, n), w,
                                           t["gesprek_afgelopen_jaar"])
    talked = out["gesprek_afgelopen_jaar"] == "ja"
    tevreden = tevreden + 0.25 * talked

    for item in ("afspraken_tevreden", "afspraken_haalbaar", "afspraken_invloed", "afspraken_kans_werk"):
        out[item] = likert(0.8 * tevreden + noise(rng, n, 0.7), w, rng, t[item], mask=agreed)
    out["afspraken_plan"] = cut(0.4 * tevreden + noise(rng, n), w, ("ja", "nee", "weet_niet"),
                                (t["afspraken_plan"], (1 - t["afspraken_plan"]) * 0.7,
                                 (1 - t["afspraken_plan"]) * 0.3), agreed)

    rb = t["rekening_behoefte"]
    out["rekening_behoefte"] = cut(tevreden + 0.2 * man + noise(rng, n, 1.2), w,
                                   ("voldoende", "weet_niet", "onvoldoende"),
                                   (rb["voldoende"], rb["weet_niet"], rb["onvoldoende"]), any_need)
    considered = out["rekening_behoefte"] == "voldoende"
    able = np.isin(out["arbeidsvermogen"], ("nu", "toekomst"))
    out["genoeg_hulp"] = binary(tevreden + 0.35 * man + noise(rng, n, 0.8), w, t["genoeg_hulp"], able)
    out["hulp_eerder"] = binary(-0.6 * tevreden + 0.5 * ~never + noise(rng, n), w, t["hulp_eerder"])
    out["te_weinig_gesprekken"] = binary(-0.8 * talked - 0.5 * tevreden + noise(rng, n), w,
                                         t["te_weinig_gesprekken"])
    if "contact_afgenomen_corona" in t:  # not asked from the 2023 edition on (its targets drop it)
        out["contact_afgenomen_corona"] = binary(0.4 * talked + noise(rng, n), w, t["contact_afgenomen_corona"])
    kn = t["kennis_medewerkers"]
    out["kennis_medewerkers"] = likert(0.8 * tevreden + 0.6 * groot + noise(rng, n, 0.7), w, rng,
                                       kn["positive"], kn["negative"])
    out["info_werk_duidelijk"] = likert(0.6 * tevreden + noise(rng, n), w, rng, t["info_werk_duidelijk"])
    out["info_uitkering_duidelijk"] = likert(0.5 * tevreden + noise(rng, n), w, rng, t["info_uitkering_duidelijk"])
    uv = t["uitleg_verrekening"]
    out["uitleg_verrekening"] = likert(0.6 * tevreden + noise(rng, n), w, rng, uv["positive"], uv["negative"])
    out["verrekening_gehad"] = binary(-0.5 * afstand + noise(rng, n), w, t["verrekening_gehad"])
    out["verrekening_problemen"] = binary(-0.5 * tevreden + noise(rng, n), w, t["verrekening_problemen"],
                                          out["verrekening_gehad"] == "ja")

    # Contact with the gemeente routes the Figuur 4 and 7 statements; in the brede doelgroep
    # exactly `no_contact_brede` respondents had none (N=660 in the report).
    contact_score = 2.0 * talked + 1.0 * agreed - 1.0 * exempt + noise(rng, n)
    if name == "brede_doelgroep":
        no_contact = np.zeros(n, dtype=bool)
        no_contact[np.argsort(contact_score, kind="stable")[: cfg["no_contact_brede"]]] = True
    else:
        no_contact = contact_score < np.quantile(contact_score, 0.05)
    out["contact_gemeente"] = np.where(no_contact, "nee", "ja").astype(object)
    contact = ~no_contact
    bej = {"bej_druk": -0.7, "bej_respect": 0.8, "bej_persoonlijk": 0.8, "bej_fraudeur": -0.7}
    for item, loading in bej.items():
        spec = t[item]
        out[item] = likert(loading * tevreden + noise(rng, n, 0.7), w, rng, spec["positive"],
                           spec.get("negative"), mask=contact)

    # The open question: coded themes, no free text. Exactly `open_question_brede` reactions.
    theme = np.full(n, None, dtype=object)
    k = cfg["open_question_brede"] if name == "brede_doelgroep" else int(round(n * 179 / 700))
    reacted = np.argsort(tevreden + noise(rng, n), kind="stable")[:k]
    p_bej = t["open_vraag_bejegening"]
    theme[reacted] = draw_categories(rng, k, {"bejegening_maatwerk": p_bej, "toegankelijkheid": (1 - p_bej) * 0.4,
                                              "overdracht_contactpersoon": (1 - p_bej) * 0.3,
                                              "overig": (1 - p_bej) * 0.3})
    out["open_vraag_thema"] = theme

    out["rechten_plichten_ingewikkeld"] = likert(-0.3 * tevreden - 0.4 * sk + noise(rng, n), w, rng,
                                                 t["rechten_plichten_ingewikkeld"])
    out["weet_niet_bij_wie"] = binary(-0.4 * tevreden + noise(rng, n), w, t["weet_niet_bij_wie"])
    out["gemeente_te_streng"] = likert(-0.7 * tevreden + noise(rng, n), w, rng, t["gemeente_te_streng"])
    out["pakkans"] = likert(noise(rng, n), w, rng, t["pakkans"])
    out["boete_oneens"] = binary(-0.35 * sk - 0.3 * tevreden + noise(rng, n), w, t["boete_oneens"])

    out["hulp_andere_organisaties"] = binary(0.6 * afstand + noise(rng, n), w, t["hulp_andere_organisaties"])
    other_help = out["hulp_andere_organisaties"] == "ja"
    for item in ("sam_goed", "sam_op_de_hoogte"):
        out[item] = likert(0.7 * tevreden + noise(rng, n), w, rng, t[item], mask=other_help)
    out["sam_zelfde_info"] = likert(-0.4 * tevreden + noise(rng, n), w, rng, t["sam_zelfde_info"], mask=other_help)

    # Added value: higher when needs are considered, with agreements and a recent conversation,
    # for men, with a startkwalificatie, and outside the large gemeenten.
    value = (0.45 * tevreden + 0.35 * considered + 0.35 * agreed + 0.25 * talked + 0.2 * man + 0.25 * sk
             - 0.3 * groot)
    judgement = value + noise(rng, n, 0.7)  # shared by the three statements on added value
    for item in ("mw_kans_werk", "mw_zinvol", "mw_gemotiveerd"):
        out[item] = likert(judgement + noise(rng, n, 0.7), w, rng, t[item], mask=contact)

    out["opleiding_gevolgd"] = binary(0.5 * young + 0.3 * agreed + noise(rng, n), w, t["opleiding_gevolgd"])
    course = out["opleiding_gevolgd"] == "ja"
    out["opleiding_kansen"] = binary(value + noise(rng, n), w, t["opleiding_kansen"], course)
    out["opleiding_werk"] = binary(value + noise(rng, n), w, t["opleiding_werk"], course)
    out["wep_gevolgd"] = binary(0.4 * agreed + noise(rng, n), w, t["wep_gevolgd"])
    out["wep_nut"] = likert(value + noise(rng, n), w, rng, t["wep_nut"], weet_niet=0.02,
                            mask=out["wep_gevolgd"] == "ja")

    jobcoach_cols = ("jc_kent_mogelijkheden", "jc_voldoende_tijd", "jc_durft_vragen", "jc_zinvol", "jc_kans_succes")
    if name == "dgr":
        out["jobcoach"] = binary(-0.4 * afstand + noise(rng, n), w, t["jobcoach"])
        coached = out["jobcoach"] == "ja"
        jc_factor = noise(rng, n)
        for item in jobcoach_cols:
            out[item] = likert(jc_factor + noise(rng, n, 0.7), w, rng, t[item], mask=coached)
    else:
        for item in ("jobcoach", *jobcoach_cols):
            out[item] = np.full(n, None, dtype=object)

    # Items added in a later edition (``added_items`` of its targets): a stream of their own, so the
    # columns above are drawn as in the edition before.
    extra_rng = rng_for(seed, "klanten_pw", name, "added_items")
    for item, spec in (cfg.get("added_items") or {}).items():
        loading = float(spec.get("tevreden", 0.0))
        out[item] = binary(loading * tevreden + noise(extra_rng, n), w, spec[name])

    frame = df.drop(columns="migratie")
    frame.insert(0, "gewicht", np.round(w, 6))
    frame.insert(0, "steekproef", name)
    return pd.concat([frame, pd.DataFrame(out)], axis=1)


KLANTEN_COLUMNS = [
    "resp_id", "steekproef", "gewicht", "geslacht", "leeftijd", "migratieachtergrond", "startkwalificatie",
    "gemeentegrootte", "arbeidsvermogen", "wil_werken", "zoekgedrag", "belemmering_gezondheid",
    "belemmering_overig", "gelukkiger_met_baan", "liever_langer_uitkering", "behoefte_zoeken_werk",
    "behoefte_persoonlijk", "behoefte_scholing", "behoefte_werktijden", "behoefte_werkplek",
    "rekening_behoefte", "afspraken", "afspraken_tevreden", "afspraken_haalbaar", "afspraken_invloed",
    "afspraken_kans_werk", "afspraken_plan", "genoeg_hulp", "hulp_eerder", "gesprek_afgelopen_jaar",
    "te_weinig_gesprekken", "contact_afgenomen_corona", "kennis_medewerkers", "info_werk_duidelijk",
    "info_uitkering_duidelijk", "uitleg_verrekening", "verrekening_gehad", "verrekening_problemen",
    "contact_gemeente", "bej_druk", "bej_respect", "bej_persoonlijk", "bej_fraudeur", "open_vraag_thema",
    "rechten_plichten_ingewikkeld", "weet_niet_bij_wie", "gemeente_te_streng", "pakkans", "boete_oneens",
    "vrijgesteld", "beschikking", "hulp_andere_organisaties", "sam_goed", "sam_op_de_hoogte",
    "sam_zelfde_info", "mw_kans_werk", "mw_zinvol", "mw_gemotiveerd", "opleiding_gevolgd",
    "opleiding_kansen", "opleiding_werk", "wep_gevolgd", "wep_nut", "jobcoach", "jc_kent_mogelijkheden",
    "jc_voldoende_tijd", "jc_durft_vragen", "jc_zinvol", "jc_kans_succes",
]


def klanten_pw(seed: int, edition: int) -> pd.DataFrame:
    """The client survey: one row per respondent, both samples, shuffled as an export would be."""
    from spiegel.chapters.inkomen import synth as inkomen  # chapter 5's income-support items

    cfg = targets(edition)["klanten_pw"]
    parts = []
    for name, n in cfg["sizes"].items():
        part = _sample(seed, name, n, cfg)
        # chapter 5's columns come from a stream of their own: the columns above keep their bytes
        extra = inkomen.klanten_pw_items(seed, edition, name, part["gewicht"].to_numpy())
        parts.append(pd.concat([part, extra], axis=1))
    frame = pd.concat(parts, ignore_index=True)
    order = rng_for(seed, "klanten_pw", "order").permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    frame.insert(0, "resp_id", [f"R{i:06d}" for i in range(1, len(frame) + 1)])
    asked = [c for c in KLANTEN_COLUMNS if c in frame] + list(cfg.get("added_items") or {})
    return frame[asked + inkomen.klanten_pw_columns(edition)]


def klanten_pw_trend(seed: int, edition: int) -> pd.DataFrame:
    """Earlier waves as aggregates (indicator, wave, share, n), chapter 2's and chapter 5's items."""
    from spiegel.chapters.inkomen import synth as inkomen  # chapter 5's items of the same waves

    cfg = targets(edition)["klanten_pw_trend"]
    values = {**cfg["values"], **inkomen.trend_values(edition)}
    rows = [
        {"meting": int(wave), "indicator": indicator, "aandeel": float(share), "n": int(cfg["n"][wave])}
        for indicator, waves in values.items()
        for wave, share in waves.items()
    ]
    if cfg.get("previous_edition"):
        rows += _previous_edition_wave(cfg["previous_edition"])
    return pd.DataFrame(rows).sort_values(["indicator", "meting"]).reset_index(drop=True)


def _previous_edition_wave(prev: dict) -> list[dict]:
    """The previous edition's current wave as earlier-wave aggregates: its synthetic client survey
    (``klanten_pw`` of ``edition`` from ``seed``, as that edition generates it) summed up per
    indicator — the weighted share of the ``positive`` codes among the brede doelgroep's answers,
    and their number — so both editions state the same figure for that wave."""
    frame = klanten_pw(int(prev["seed"]), int(prev["edition"]))
    brede = frame[frame["steekproef"] == prev.get("sample", "brede_doelgroep")]
    rows = []
    for indicator, spec in prev["indicators"].items():
        answers = brede[spec.get("column", indicator)]
        valid = answers.notna().to_numpy()
        w = brede["gewicht"].to_numpy()[valid]
        hit = answers[valid].isin(list(spec["positive"])).to_numpy()
        rows.append({"meting": int(prev["wave"]), "indicator": indicator,
                     "aandeel": float(np.round((w * hit).sum() / w.sum(), 6)), "n": int(valid.sum())})
    return rows


# --------------------------------------------------------------------------- klantmanagers


def _percentages(rng, n: int, mean: float, spread: float = 12.0, shift: np.ndarray | None = None) -> np.ndarray:
    """Per-klantmanager estimates (0-100) around ``mean``, nudged so the sample mean is ``mean``."""
    x = mean + rng.normal(0, spread, n) + (0 if shift is None else shift)
    for _ in range(20):
        x = np.clip(x + (mean - x.mean()), 0, 100)
    return np.round(x, 1)


def klantmanagers_pw(seed: int, edition: int) -> pd.DataFrame:
    cfg = targets(edition)["klantmanagers_pw"]
    rng = rng_for(seed, "klantmanagers_pw")
    n = cfg["n"]
    size = draw_categories(rng, n, cfg["gemeentegrootte"])
    cl = cfg["caseload_lognormal"]
    caseload = np.clip(np.round(cl["median"] * np.exp(rng.normal(0, cl["sigma"], n))), 5, 400).astype(int)
    big = caseload >= cfg["caseload_threshold"]
    m = cfg["means"]
    now = _percentages(rng, n, m["pct_kan_nu_werken"])
    future = _percentages(rng, n, m["pct_kan_toekomst"])
    future = np.minimum(future, 100 - now)
    never = np.round(100 - now - future, 1)
    frame = pd.DataFrame({
        "km_id": [f"KM{i:04d}" for i in range(1, n + 1)],
        "gemeentegrootte": size,
        "caseload": caseload,
        "pct_kan_nu_werken": now,
        "pct_kan_toekomst": future,
        "pct_kan_nooit": never,
    })
    for column in ("pct_behoefte_persoonlijk", "pct_ondersteuning_bieden", "pct_geen_beeld", "pct_afspraken",
                   "pct_vrijgesteld", "pct_vrijgesteld_beschikking", "pct_andere_leefgebieden"):
        shift = -6.0 * (big - big.mean()) if column == "pct_ondersteuning_bieden" else None
        frame[column] = _percentages(rng, n, m[column], shift=shift)
    gs = cfg["pct_gesproken"]
    spoken = np.where(big, _percentages(rng, n, gs["groot_caseload"], 10.0),
                      _percentages(rng, n, gs["klein_caseload"], 7.0))
    # Re-centre each caseload group on its own mean.
    for sel, target in ((big, gs["groot_caseload"]), (~big, gs["klein_caseload"])):
        spoken[sel] = np.clip(spoken[sel] + (target - spoken[sel].mean()), 0, 100)
    frame.insert(frame.columns.get_loc("pct_vrijgesteld"), "pct_gesproken", np.round(spoken, 1))

    ones = np.ones(n)
    load = np.log(caseload)
    for item, share in cfg["belemmering_any"].items():
        latent = (1.0 * (load - load.mean()) if item == "bel_caseload" else 0) + noise(rng, n)
        frame[item] = cut(latent, ones, ("sterk", "enigszins", "niet"), (share * 0.45, share * 0.55, 1 - share))
    for item, dist in cfg["verplichtingen"].items():
        frame[item] = cut(noise(rng, n), ones, ("vaak", "soms", "nooit"), (dist["vaak"], dist["soms"], dist["nooit"]))
    for item, spec in cfg["stellingen"].items():
        frame[item] = likert(noise(rng, n), ones, rng, spec["positive"], spec["negative"], weet_niet=0.03)
    return frame


# --------------------------------------------------------------------------- CBS: Tabel 1


def cbs_bijstand(seed: int, edition: int) -> pd.DataFrame:
    cfg = targets(edition)["cbs_bijstand"]
    total = cfg["totaal"]
    rows = [{"peilmaand": cfg["peilmaand"], "kenmerk": "totaal", "categorie": "totaal", "aantal": total}]
    for kenmerk, shares in cfg["shares"].items():
        for categorie, count in population_counts(total, {k: v * 100 for k, v in shares.items()}).items():
            rows.append({"peilmaand": cfg["peilmaand"], "kenmerk": kenmerk, "categorie": categorie, "aantal": count})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- CBS: register

HERKOMST = ("nederlands", "westers", "niet_westers")


def period_months(cfg: dict) -> dict[str, pd.PeriodIndex]:
    """The months the register's starts fall in, per period (``cbs_srg.months`` of the edition's
    targets: first and last month of ``voor``, ``na`` and ``na_later``, the months after ``na``)."""
    return {period: pd.period_range(first, last, freq="M") for period, (first, last) in cfg["months"].items()}


def all_months(months: dict[str, pd.PeriodIndex]) -> np.ndarray:
    """Every month of the periods, in order (``YYYY-MM`` text sorts chronologically)."""
    return np.array(sorted({m for period in months.values() for m in period.astype(str)}), dtype=object)

# Relative level of starts per calendar month in the year after March 2020 (lockdown dip, some
# recovery from mid-2020, a second dip in the winter lockdown).
MONTH_PROFILE_NA = np.array([0.45, 0.35, 0.6, 0.85, 0.9, 0.95, 1.0, 1.0, 0.85, 0.7, 0.75, 0.85])


def _solve_cell_rates(cells: pd.DataFrame, printed: dict) -> np.ndarray:
    """Rates per sex × herkomst cell (share with a start) such that the printed rows of Tabel 2,
    computed over the actual population, round to the printed percentages; among those, the
    rates closest to the printed values (an LP). Totaal and the sex rows are hard constraints.
    The herkomst rows are too when that is feasible; otherwise (the 2022 werkervaringsplaatsen
    rows cannot add up to their Totaal with this mix) they are only as close as possible."""
    groups = {"totaal": np.ones(len(cells), bool)}
    groups.update({g: (cells["geslacht"] == g).to_numpy() for g in ("man", "vrouw")})
    groups.update({h: (cells["herkomst"] == h).to_numpy() for h in HERKOMST})
    size = cells["n"].to_numpy(float)
    k, n_groups = len(cells), len(groups)
    for hard in (set(groups), {"totaal", "man", "vrouw"}):
        c = np.r_[np.zeros(k), np.ones(n_groups)]  # minimise the sum of absolute deviations
        a_ub, b_ub = [], []
        for j, (label, sel) in enumerate(groups.items()):
            row = np.where(sel, size, 0) / size[sel].sum()
            target = printed[label] / 100
            dev = np.zeros(n_groups)
            dev[j] = -1
            a_ub += [np.r_[row, dev], np.r_[-row, dev]]
            b_ub += [target, -target]
            if label in hard:
                a_ub += [np.r_[row, np.zeros(n_groups)], np.r_[-row, np.zeros(n_groups)]]
                b_ub += [target + 0.0045, -(target - 0.0045)]
        res = linprog(c, A_ub=np.array(a_ub), b_ub=np.array(b_ub), bounds=[(0, 1)] * k + [(0, None)] * n_groups)
        if res.success:
            return res.x[:k]
    raise ValueError(f"Tabel 2 totals cannot be reproduced with this population: {res.message}")


def _pick(rng, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` indices drawn without replacement with probability proportional to ``weights``
    (Efraimidis-Spirakis keys)."""
    if k <= 0:
        return np.empty(0, dtype=int)
    keys = np.log(rng.random(len(weights))) / weights
    return np.argpartition(-keys, k - 1)[:k]


def _month_positions(rng, periods: dict[str, pd.PeriodIndex], every: np.ndarray, period: str, k: int) -> np.ndarray:
    """``k`` start months in ``period`` (the profile of the year after March 2020 for "na"), as
    positions in ``every`` (:func:`all_months`)."""
    months = periods[period]
    profile = MONTH_PROFILE_NA if period == "na" else np.ones(len(months))
    drawn = rng.choice(len(months), size=k, p=profile / profile.sum())
    return np.searchsorted(every, months.astype(str).to_numpy())[drawn]


def _coded(rng, n: int, distribution: dict) -> tuple[np.ndarray, list[str]]:
    """``draw_categories`` (the same random numbers) as codes into the sorted category names."""
    names = list(distribution)
    order = sorted(names)
    return np.array([order.index(c) for c in names])[draw_positions(rng, n, distribution)], order


def _text(codes: np.ndarray, names) -> pd.Series:
    """The text column ``names[codes]`` (pandas' ``str`` dtype), built by Arrow without a Python
    object per row."""
    return pd.Series(pa.array(list(names), type=pa.large_string()).take(pa.array(codes)), dtype="str")


def _lookup(codes: np.ndarray, names, mapping: dict, default: float = np.nan) -> np.ndarray:
    """``Series.map(mapping)`` on coded values: the number ``mapping`` gives each code's name
    (``default`` where it gives none), as floats."""
    table = np.array([default if pd.isna(v := mapping.get(c)) else v for c in names], dtype=float)
    return table[codes]


@cache
def cbs_srg(seed: int, edition: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The person-level register: persons (with background and period membership) and their
    started provisions (person, type, month).

    Computed on integer codes (person ``i`` is row ``i - 1``, each category a position in its
    sorted names); the random draws are those of the straightforward pandas version (frames of
    persons, ``map``, ``groupby``, ``drop_duplicates``, ``sort_values``) in the same order, so
    the files are byte-identical to it for every seed (tests/test_synth.py checks the sha256)."""
    cfg = targets(edition)["cbs_srg"]
    periods = period_months(cfg)
    every = all_months(periods)
    # the months of "voor" in the calendar months of "na_later" (its starts are compared with them)
    later_months = {m[5:] for m in periods["na_later"].astype(str)}
    same_months_voor = [m for m in periods["voor"].astype(str) if m[5:] in later_months]
    rng = rng_for(seed, "cbs_srg")
    n = cfg["persons"]
    comp = cfg["composition"]
    westers = comp["westers"]
    herkomst_dist = {"nederlands": comp["nederlands"], "westers": westers,
                     "niet_westers": 1 - comp["nederlands"] - westers}
    codes, names = {}, {}
    for column, distribution in (("geslacht", comp["geslacht"]), ("leeftijd", comp["leeftijd"]),
                                 ("herkomst", herkomst_dist), ("gemeentegrootte", comp["gemeentegrootte"])):
        codes[column], names[column] = _coded(rng, n, distribution)
    in_voor = rng.random(n) < cfg["p_in_voor"]
    # Everyone is in at least one period.
    in_na = np.where(in_voor, rng.random(n) < (cfg["p_in_na"] - (1 - cfg["p_in_voor"])) / cfg["p_in_voor"], True)
    persons = pd.DataFrame({"persoon_id": np.arange(1, n + 1),
                            **{column: _text(codes[column], names[column]) for column in codes},
                            "in_periode_voor": in_voor, "in_periode_na": in_na})

    n_herkomst = len(names["herkomst"])
    cell_of = codes["geslacht"] * n_herkomst + codes["herkomst"]  # sex × herkomst, in groupby's order
    members = {"voor": np.flatnonzero(in_voor), "na": np.flatnonzero(in_na)}  # rows, in person order
    voorzieningen = list(cfg["tabel_2"]) + list(cfg["other_rates"])
    v_names = sorted(voorzieningen)
    effects = cfg["group_effects"]
    parts = []  # (persoon_id, voorziening position in v_names, month position in every)
    for voorziening in voorzieningen:
        v = v_names.index(voorziening)
        for period in ("voor", "na"):
            pop = members[period]
            age_w = _lookup(codes["leeftijd"][pop], names["leeftijd"], effects["leeftijd"][period])
            size_key = f"{voorziening}_{period}" if f"{voorziening}_{period}" in effects["gemeentegrootte"] else voorziening
            size_w = _lookup(codes["gemeentegrootte"][pop], names["gemeentegrootte"],
                             effects["gemeentegrootte"].get(size_key, {}), 1.0)
            weight = age_w * size_w
            if voorziening in cfg["tabel_2"]:
                pop_cells = cell_of[pop]
                counts = np.bincount(pop_cells, minlength=len(names["geslacht"]) * n_herkomst)
                observed = np.flatnonzero(counts)  # the groups groupby(["geslacht", "herkomst"]) has
                cells = pd.DataFrame({"geslacht": [names["geslacht"][c // n_herkomst] for c in observed],
                                      "herkomst": [names["herkomst"][c % n_herkomst] for c in observed],
                                      "n": counts[observed].astype("int64")})
                printed = {label: values[0 if period == "voor" else 1]
                           for label, values in cfg["tabel_2"][voorziening].items()}
                rates = _solve_cell_rates(cells, printed)
                chosen = []
                for cell, (_, _, size), rate in zip(observed, cells.itertuples(index=False), rates):
                    sel = np.flatnonzero(pop_cells == cell)
                    chosen.append(sel[_pick(rng, weight[sel], int(round(rate * size)))])
                chosen = np.concatenate(chosen)
            else:
                rate = cfg["other_rates"][voorziening][0 if period == "voor" else 1]
                chosen = _pick(rng, weight, int(round(rate * len(pop))))
            parts.append((pop[chosen] + 1, v, _month_positions(rng, periods, every, period, len(chosen))))
        # The months after "na" (March-June 2021 in 2022): still below the level of the same
        # months of "voor" (except LKS).
        level = cfg["monthly_level_2021"].get(voorziening, cfg["monthly_level_2021"]["default"])
        before = every[parts[-2][2]]  # this voorziening's starts in the period voor
        k = int(round(np.isin(before, same_months_voor).sum() * level))
        pop = members["na"]
        age_w = _lookup(codes["leeftijd"][pop], names["leeftijd"], effects["leeftijd"]["na"])
        parts.append((pop[_pick(rng, age_w, k)] + 1, v, _month_positions(rng, periods, every, "na_later", k)))

    # One row per distinct (person, voorziening, month), sorted by the three. The encoded keys are
    # unique after dropping duplicates, so sorting them gives the rows in exactly that order.
    n_v, n_m = len(v_names), len(every)
    key = np.concatenate([(ids.astype("int64") * n_v + v) * n_m + m for ids, v, m in parts])
    key.sort()
    key = key[np.r_[True, key[1:] != key[:-1]]]
    frame = pd.DataFrame({"persoon_id": key // (n_v * n_m),
                          "voorziening": _text(key // n_m % n_v, v_names),
                          "startmaand": _text(key % n_m, every)})
    return persons, frame
