"""Chapter 5, inkomensondersteuning Participatiewet en minimaregelingen: every result the text states.

The notebook ``notebooks/05_inkomen.ipynb`` holds the text (Markdown naming findings by id); this
module reads the sources, registers every result in the findings register (:func:`findings`) and
builds the frames behind Figuur 23-25 and Tabel 6. What is measured is data, in ``items.yml``
beside this module; figures taken from other studies are in ``cited_<edition>.yml``.

Sources: the client survey is chapter 2's ``klanten_pw`` (its income-support items, brede
doelgroep, weighted) with its earlier waves in ``klanten_pw_trend``; the survey among
inkomensconsulenten (unweighted); the household register of non-take-up ``cbs_niet_gebruik`` (a full
count: households, with the persons in them kept apart); the inventory ``minimabeleid`` (30
gemeenten: organisations, exact counts). Readings chosen where the 2022 text is inconsistent are
in ``docs/assumptions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from spiegel import fmt, stats
from spiegel.chapters.common import ChapterData, cited_figures, read_yaml, required_analysis, SpecError
from spiegel.findings import Figure, Register
from spiegel.io import read_source
from spiegel.params import Edition
from spiegel.stats import Estimate

CHAPTER = "inkomen"
#: The analysis choices this chapter reads from params ``analysis: inkomen:``.
ANALYSIS_KEYS = ("laag_inkomen_grens", "peildatum", "eerdere_peildata", "beslistermijn_weken", "voorschot_weken",
                 "jongeren_tot_en_met", "tonk_budget_miljoen")
EARLIER_NON_USE = ("niet_gebruik_3m", "niet_gebruik_6m", "niet_gebruik_12m")


@cache
def spec() -> dict[str, Any]:
    """The parsed ``items.yml``."""
    return read_yaml(CHAPTER, "items.yml")


@cache
def cited(edition: int) -> dict[str, dict[str, Any]]:
    """The figures the chapter cites from other documents in an edition (``cited_<edition>.yml``)."""
    return cited_figures(CHAPTER, edition)


def analysis(edition: Edition) -> dict[str, Any]:
    """The chapter's analysis choices from params; a missing one stops with the key to add."""
    return required_analysis(edition, CHAPTER, ANALYSIS_KEYS)


SOURCES: dict[str, str] = spec()["sources"]
SAMPLE: str = spec()["sample"]


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once."""

    edition: Edition
    klanten: pd.DataFrame
    trend: pd.DataFrame
    consulenten: pd.DataFrame
    register: pd.DataFrame
    minima: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def brede(self) -> pd.DataFrame:
        """The respondents of the client survey the chapter reports (items.yml ``sample``)."""
        if "brede" not in self._cache:
            self._cache["brede"] = self.klanten[self.klanten["steekproef"] == SAMPLE]
        return self._cache["brede"]

    def changed(self, **frames: pd.DataFrame) -> Data:
        """The same data with some frames replaced (for tests that change answers)."""
        return replace(self, _cache={}, **frames)


def derive(klanten: pd.DataFrame) -> pd.DataFrame:
    """The derived survey variables the items use (on a copy): ``schuldhulp_gekregen``, whether a
    client with debts got help from the gemeente (no contact counts as no help)."""
    klanten = klanten.copy()
    debts = klanten["schulden"] == "ja"
    helped = np.where(klanten["schulden_hulp"] == "ontvangen", "ja", "nee")
    klanten["schuldhulp_gekregen"] = pd.Series(np.where(debts, helped, None), index=klanten.index, dtype=object)
    return klanten


def load(edition: Edition) -> Data:
    """Read every source of the chapter (and add the derived survey variables)."""
    analysis(edition)  # fail early, naming the params key, when a choice is missing
    return Data(
        edition=edition,
        klanten=derive(read_source(edition, SOURCES["klanten"])),
        trend=read_source(edition, SOURCES["trend"]),
        consulenten=read_source(edition, SOURCES["consulenten"]),
        register=read_source(edition, SOURCES["register"]),
        minima=read_source(edition, SOURCES["minima"]),
    )


# --------------------------------------------------------------------------- survey shares


def _codes(positive: Any) -> tuple:
    if isinstance(positive, str):
        return tuple(spec()["codes"][positive])
    return tuple(positive)


@dataclass(frozen=True)
class Item:
    """One survey share: ``column`` answered ``positive`` in the clients' (weighted) or the
    consultants' (unweighted) survey, optionally within those with the ``where`` answers."""

    id: str
    label: str
    column: str
    positive: tuple
    survey: str  # "klanten" or "consulenten"
    section: str = ""
    where: tuple[tuple[str, tuple], ...] = ()

    @property
    def source(self) -> str:
        return SOURCES[self.survey]

    def frame(self, data: Data) -> pd.DataFrame:
        frame = data.brede if self.survey == "klanten" else data.consulenten
        for column, codes in self.where:
            frame = frame[frame[column].isin(codes)]
        return frame

    def share(self, data: Data) -> Estimate:
        frame = self.frame(data)
        weights = frame["gewicht"] if self.survey == "klanten" else None
        return stats.share(frame[self.column], self.positive, weights)


def _items() -> dict[str, Item]:
    out: dict[str, Item] = {}
    for survey in ("klanten", "consulenten"):
        for section, items in spec()[survey].items():
            for it in items:
                if it["id"] in out:
                    raise SpecError(f"items.yml: item id {it['id']!r} twice")
                out[it["id"]] = Item(it["id"], it["label"], it["column"], _codes(it["positive"]), survey, str(section),
                                     tuple((c, tuple(v)) for c, v in (it.get("where") or {}).items()))
    # Figuur 25: awareness of each regeling, and its use among those who know it
    for code, label in spec()["figuur_25"].items():
        out[f"bekend_{code}"] = Item(f"bekend_{code}", label, f"bekend_{code}", ("ja",), "klanten", "5.9")
        out[f"gebruik_{code}"] = Item(f"gebruik_{code}", label, f"gebruik_{code}", ("ja",), "klanten", "5.9",
                                      ((f"bekend_{code}", ("ja",)),))
    # Figuur 24: weighing circumstances "in grote mate", per situation
    f24 = spec()["figuur_24"]
    for column, label in f24["statements"].items():
        out[f"{column}_grote_mate"] = Item(f"{column}_grote_mate", label, column, tuple(f24["counted"]),
                                           "consulenten", "5.5")
    return out


ITEMS: dict[str, Item] = _items()


def estimate(data: Data, item_id: str) -> Estimate:
    return ITEMS[item_id].share(data)


# --------------------------------------------------------------------------- earlier waves


def earlier_waves(data: Data, indicator: str) -> list[tuple[int, Estimate]]:
    """(wave, estimate) of every earlier wave of ``indicator`` in klanten_pw_trend, oldest first."""
    rows = data.trend[data.trend["indicator"] == indicator].sort_values("meting")
    if rows.empty:
        raise KeyError(f"no earlier-wave figure for {indicator} ({SOURCES['trend']})")
    return [(int(r.meting), Estimate.from_aggregate(float(r.aandeel), int(r.n))) for r in rows.itertuples()]


def current_wave(data: Data) -> int:
    return int(data.edition["waves"]["current"])


# --------------------------------------------------------------------------- non-take-up register


def entitled(data: Data) -> pd.DataFrame:
    return data.register[data.register["rechthebbend"] == "ja"]


def non_users(data: Data) -> pd.DataFrame:
    ent = entitled(data)
    return ent[ent["gebruik"] == "nee"]


def long_term(data: Data) -> pd.DataFrame:
    """Non-users who were non-users at every earlier peildatum too (households)."""
    non = non_users(data)
    return non[(non[list(EARLIER_NON_USE)] == "ja").all(axis=1)]


def _register_non_use(reg: Register, data: Data) -> None:
    src = SOURCES["register"]
    ent, non, long = entitled(data), non_users(data), long_term(data)
    users = ent[ent["gebruik"] == "ja"]
    grens = float(analysis(data.edition)["laag_inkomen_grens"])
    k_ent, k_non = len(ent), len(non)
    reg.figure("ng_rechthebbend_huishoudens", k_ent, n=k_ent, label="Huishoudens met waarschijnlijk recht op bijstand",
               source=src, section="5.3")
    reg.figure("ng_huishoudens", k_non, n=k_non, label="Huishoudens met waarschijnlijk recht die geen bijstand ontvangen",
               source=src, section="5.3")
    reg.figure("ng_aandeel", k_non / k_ent if k_ent else 0.0, unit="share", n=k_ent,
               label="Niet-gebruik: aandeel van de rechthebbende huishoudens", source=src, section="5.3")
    low = int((non["inkomen_norm"] <= grens).sum())
    reg.figure("ng_laag_inkomen", low / k_non if k_non else 0.0, unit="share", n=k_non,
               label="Niet-gebruikende huishoudens zonder of met een zeer beperkt inkomen", source=src, section="5.3")
    reg.figure("ng_gedeeltelijk", (k_non - low) / k_non if k_non else 0.0, unit="share", n=k_non,
               label="Niet-gebruikende huishoudens met een inkomen tot de norm", source=src, section="5.3")
    reg.figure("ng_laag_inkomen_grens", grens, unit="share", label="Grens voor een zeer beperkt inkomen (deel van de norm)",
               source=src, section="5.3")
    # persons: the long-term non-users are counted in persons, kept apart from households
    persons = int(non["personen"].sum())
    persons_long = int(long["personen"].sum())
    reg.figure("ng_personen", persons, n=persons, label="Personen in niet-gebruikende huishoudens", source=src,
               section="5.3")
    reg.figure("ng_langdurig_personen", persons_long, n=persons_long, label="Langdurig niet-gebruikers (personen)",
               source=src, section="5.3")
    reg.figure("ng_langdurig_aandeel", persons_long / persons if persons else 0.0, unit="share", n=persons,
               label="Langdurig niet-gebruikers: aandeel van de personen in niet-gebruikende huishoudens",
               source=src, section="5.3")
    reg.figure("ng_langdurig_huishoudens", len(long), n=len(long), label="Langdurig niet-gebruikende huishoudens",
               source=src, section="5.3")
    ratios = []
    for flag, label in spec()["register_groepen"].items():
        a = float((non[flag] == "ja").mean()) if k_non else 0.0
        b = float((users[flag] == "ja").mean()) if len(users) else 0.0
        reg.figure(f"ng_{flag}", a, unit="share", n=k_non, label=f"{label} (niet-gebruikers)", source=src, section="5.3")
        reg.figure(f"gebruik_{flag}", b, unit="share", n=len(users), label=f"{label} (ontvangers)", source=src,
                   section="5.3")
        ratios.append(reg.figure(f"ratio_{flag}", a / b if b else 0.0, unit="mean", n=k_non, label=label, source=src,
                                 section="5.3", register=False))
    reg.ranking("rank_oververtegenwoordiging", ratios, label="Groepen naar oververtegenwoordiging onder niet-gebruikers",
                source=src, section="5.3")
    reg.figure("aio_niet_gebruik_aandeel", cited(data.edition.edition)["aio_niet_gebruik"]["value"]
               / cited(data.edition.edition)["aio_rechthebbend"]["value"], unit="share",
               label="Niet-gebruik AIO: aandeel van de rechthebbende huishoudens",
               source=cited(data.edition.edition)["aio_niet_gebruik"]["document"], section="5.3")


# --------------------------------------------------------------------------- minimabeleid


def _register_minima(reg: Register, data: Data) -> None:
    src, m = SOURCES["minima"], data.minima
    n = len(m)
    reg.count("minima_gemeenten", n, n, label="Gemeenten in de inventarisatie", source=src, section="5.9")
    # the two ends of the draagkracht rule: the least generous (lowest vrijlating, then highest
    # percentage) and the most generous (highest vrijlating, then lowest percentage)
    order = m.sort_values(["draagkracht_vrijlating", "draagkracht_percentage"], ascending=[True, False])
    least, most = order.iloc[0], order.iloc[-1]
    for name, row in (("streng", least), ("ruim", most)):
        reg.figure(f"draagkracht_{name}_vrijlating", round(float(row["draagkracht_vrijlating"]) * 100), unit="count",
                   label=f"Draagkracht bijzondere bijstand ({name}ste gemeente): inkomen zonder draagkracht, % sociaal minimum",
                   source=src, section="5.9")
        reg.figure(f"draagkracht_{name}_percentage", float(row["draagkracht_percentage"]), unit="share",
                   label=f"Draagkracht bijzondere bijstand ({name}ste gemeente): deel van het meerdere", source=src,
                   section="5.9")
    bedrag = m["iit_bedrag_alleenstaande"]
    reg.figure("iit_bedrag_min", int(bedrag.min()), label="Individuele inkomenstoeslag alleenstaande, laagste (euro per jaar)",
               source=src, section="5.9")
    reg.figure("iit_bedrag_max", int(bedrag.max()), label="Individuele inkomenstoeslag alleenstaande, hoogste (euro per jaar)",
               source=src, section="5.9")
    jaren = m["iit_jaren_laag_inkomen"]
    modal_jaren = int(jaren.mode().min())
    reg.figure("iit_jaren_meest", modal_jaren, label="Meest gevraagde aantal jaren met een laag inkomen", source=src,
               section="5.9")
    reg.count("iit_jaren_meest_gemeenten", int((jaren == modal_jaren).sum()), n,
              label="Gemeenten met het meest gevraagde aantal jaren", source=src, section="5.9")
    kp = m[m["kindpakket"] == "ja"]
    reg.count("kindpakket_gemeenten", len(kp), n, label="Gemeenten met een kindpakket", source=src, section="5.9")
    grens = kp["kindpakket_grens"]
    modal = float(grens.mode().min()) if len(grens) else 0.0
    reg.figure("kindpakket_grens_meest", round(modal * 100), label="Meest gehanteerde inkomensgrens kindpakket (% sociaal minimum)",
               source=src, section="5.9")
    reg.count("kindpakket_grens_meest_gemeenten", int(np.isclose(grens, modal).sum()), n,
              label="Gemeenten met de meest gehanteerde grens", source=src, section="5.9")
    reg.count("kindpakket_grens_hoger", int((grens > modal + 1e-9).sum()), n, label="Gemeenten met een hogere grens",
              source=src, section="5.9")
    reg.count("kindpakket_grens_lager", int((grens < modal - 1e-9).sum()), n, label="Gemeenten met een lagere grens",
              source=src, section="5.9")


def tabel_klant_consulent(reg: Register) -> pd.DataFrame:
    """The clients' and the consultants' answers to the same statements, side by side, with the
    result of the test (independent samples)."""
    t = spec()["tabel_klant_consulent"]
    cols, words = t["columns"], t["verschil"]
    rows = []
    for cid, topic in t["rows"].items():
        c = reg[cid]
        shown = not c.suppressed
        rows.append({cols["onderwerp"]: topic,
                     cols["klanten"]: fmt.pct(c.a.value) if c.a.shown else words["onderdrukt"],
                     cols["consulenten"]: fmt.pct(c.b.value) if c.b.shown else words["onderdrukt"],
                     cols["verschil"]: (words["significant"] if c.significant else words["niet"]) if shown
                     else words["onderdrukt"]})
    return pd.DataFrame(rows)


def tabel_6(data: Data) -> pd.DataFrame:
    """Tabel 6: the spread of minimabeleid over the gemeenten (laagste, mediaan, hoogste, the most
    common value and how many gemeenten have it)."""
    t6 = spec()["tabel_6"]
    cols = t6["columns"]
    show = {"pct": lambda v: fmt.pct(v), "euro": lambda v: f"€ {fmt.number(v)}", "number": lambda v: fmt.number(v)}
    rows = []
    for r in t6["rows"]:
        values = data.minima[r["column"]].dropna()
        f = show[r["show"]]
        modal = values.mode().min()
        rows.append({t6["stub"]: r["label"], cols["laagste"]: f(values.min()), cols["mediaan"]: f(values.median()),
                     cols["hoogste"]: f(values.max()),
                     cols["meest"]: f(modal) if int((values == modal).sum()) > 1 else "–",
                     cols["aantal"]: fmt.number(int((values == modal).sum())) if int((values == modal).sum()) > 1 else "–"})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- the register


def findings(data: Data) -> Register:
    """Every number and every result the chapter's text states (see docs/findings.md)."""
    ed = data.edition
    reg = Register(CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha)
    s = spec()
    reg.figure("n_klanten", len(data.brede), n=len(data.brede), label="Respondenten klantenquête (brede doelgroep)",
               source=SOURCES["klanten"], section="5.1")
    reg.figure("n_consulenten", len(data.consulenten), n=len(data.consulenten), label="Respondenten enquête inkomensconsulenten",
               source=SOURCES["consulenten"], section="5.1")
    for iid, item in ITEMS.items():
        reg.figure(iid, item.share(data), label=item.label, source=item.source, section=item.section)
    for c in s["comparisons"]:
        a, b = ITEMS[c["klant"]], ITEMS[c["consulent"]]
        reg.comparison(c["id"], stats.compare_shares(a.share(data), b.share(data), alpha=ed.alpha), label=c["label"],
                       a=a.id, b=b.id, source=SOURCES["klanten"], section=c["section"],
                       design="independent samples (clients, weighted, and consultants)")
    for t in s["trends"]:
        waves = [*earlier_waves(data, t["indicator"]), (current_wave(data), reg[t["item"]])]
        reg.trend(t["id"], waves, label=ITEMS[t["item"]].label, source=SOURCES["trend"], section=t["section"])
    for r in s["rankings"]:
        reg.ranking(r["id"], [reg[i] for i in r["items"]], label=r["label"], source=SOURCES["consulenten"],
                    section=r["section"])
    reg.ranking("rank_bekendheid", [reg[f"bekend_{c}"] for c in s["figuur_25"]], label="Bekendheid minimaregelingen",
                source=SOURCES["klanten"], section="5.9")
    reg.ranking("rank_omstandigheden", [reg[f"{c}_grote_mate"] for c in s["figuur_24"]["statements"]],
                label="Situaties naar weging van persoonlijke omstandigheden (in grote mate)",
                source=SOURCES["consulenten"], section="5.5")
    _register_non_use(reg, data)
    _register_minima(reg, data)
    for fid, f in cited(ed.edition).items():
        reg.figure(fid, f["value"], unit=f["unit"], label=f["label"], source=f["document"], section=str(f["section"]),
                   wave=f.get("year"))
    return reg


# --------------------------------------------------------------------------- figures


def figuur_23(data: Data, reg: Register | None = None) -> pd.DataFrame:
    """Figuur 23: the share that agrees with each statement on the help with the benefit, per
    wave (the earlier waves from klanten_pw_trend, the current one from the survey)."""
    rows = []
    trends = {t["item"]: t for t in spec()["trends"]}
    for iid in spec()["figuur_23"]:
        item = ITEMS[iid]
        series = [*earlier_waves(data, trends[iid]["indicator"]), (current_wave(data), item.share(data))]
        for wave, est in series:
            shown = est.n >= data.threshold
            rows.append({"stelling": item.label, "meting": str(wave), "aandeel": est.value if shown else np.nan,
                         "n": est.n})
    return pd.DataFrame(rows)


def figuur_24(data: Data) -> pd.DataFrame:
    """Figuur 24: per situation the share of consultants per answer (long)."""
    f24 = spec()["figuur_24"]
    return stats.answer_distribution(data.consulenten, dict(f24["statements"]), None, order=tuple(f24["scale"]),
                                     labels=dict(f24["scale"]))


def figuur_24_order(reg: Register) -> list[str]:
    """The situations of Figuur 24 in ranking order ("in grote mate", largest first)."""
    return [f.label for f in reg["rank_omstandigheden"].items]


def figuur_25(data: Data) -> pd.DataFrame:
    """Figuur 25: awareness of each minimaregeling and its use among those who know it."""
    series = spec()["figuur_25_series"]
    rows = []
    for code, label in spec()["figuur_25"].items():
        for key in ("bekend", "gebruik"):
            est = estimate(data, f"{key}_{code}")
            rows.append({"regeling": label, "reeks": series[key],
                         "aandeel": est.value if est.n >= data.threshold else np.nan, "n": est.n})
    return pd.DataFrame(rows)


def scale_labels() -> list[str]:
    return list(spec()["figuur_24"]["scale"].values())


def series_labels() -> list[str]:
    return list(spec()["figuur_25_series"].values())
