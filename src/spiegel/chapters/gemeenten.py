"""Chapter 2, re-integratieondersteuning gemeenten: every computation behind the chapter.

The notebook ``notebooks/02_gemeenten.ipynb`` tells the story; this module computes what it
tells: survey shares (weighted, with CIs), klantmanager averages, the comparisons the text
makes (each with a test), the register figures, and the aggregated frames behind Tabel 1-2 and
Figuur 1-7. Key-figure ids equal the finding ids of the published 2022 figures where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from spiegel import fmt, keyfigures, sdc, stats
from spiegel.chapters.common import AGREE, DISAGREE, LIKERT_LABELS, LIKERT_ORDER, ChapterData
from spiegel.io import read_source
from spiegel.params import Edition
from spiegel.stats import Comparison, Estimate

BREDE, DGR = "brede_doelgroep", "dgr"
SOURCE_KLANTEN = "klanten_pw"
SOURCE_KM = "klantmanagers_pw"

VOORZIENINGEN = {
    "coaching": "Coachingsactiviteiten",
    "training": "Trainingen/cursussen/opleidingen",
    "werkervaringsplaats": "Werkervaringsplaatsen",
    "vrijwilligerswerk": "Vrijwilligerswerk",
    "vervoersvoorziening": "Vervoersvoorzieningen",
    "jobcoach": "Jobcoaches",
    "loonkostensubsidie": "Loonkostensubsidies",
    "sociale_activering": "Overige sociale activering",
}
TABEL_2_VOORZIENINGEN = ("coaching", "training", "werkervaringsplaats")
TABEL_2_GROUPS = (
    ("Totaal", None, None), ("Mannen", "geslacht", "man"), ("Vrouwen", "geslacht", "vrouw"),
    ("Nederlands", "herkomst", "nederlands"), ("Westers", "herkomst", "westers"),
    ("Niet-westers", "herkomst", "niet_westers"),
)
BEHOEFTE = {
    "behoefte_zoeken_werk": "Hulp bij het zoeken naar werk",
    "behoefte_persoonlijk": "Ondersteuning op persoonlijk vlak",
    "behoefte_scholing": "Scholing, cursus of opleiding",
    "behoefte_werktijden": "Aanpassing van werktijden en werkdruk",
    "behoefte_werkplek": "Begeleiding op de werkplek",
}
ARBEIDSVERMOGEN = {"nu": "Kan nu werken", "toekomst": "Kan in de toekomst werken",
                   "nooit": "Kan (waarschijnlijk) nooit werken", "weet_niet": "Weet niet"}
BEJEGENING = {
    "bej_respect": "De gemeente behandelt mij met respect",
    "bej_persoonlijk": "De gemeente houdt voldoende rekening met mijn persoonlijke situatie",
    "bej_druk": "De gemeente zet mij te veel onder druk",
    "bej_fraudeur": "De gemeente behandelt mij regelmatig als een potentiële fraudeur",
}
SAMENWERKING_KLANTEN = {
    "sam_goed": "De organisaties die mij helpen werken goed samen",
    "sam_op_de_hoogte": "De gemeente is op de hoogte van de hulp van andere organisaties",
    "sam_zelfde_info": "Ik moet vaak dezelfde informatie aanleveren",
}
SAMENWERKING_KM = {
    "st_samenwerking_goed": "Afdelingen en organisaties werken goed samen",
    "st_een_plan": "Er wordt gewerkt vanuit één plan per cliënt",
    "st_info_voldoende": "De informatie-uitwisseling is voldoende",
}
MEERWAARDE = {
    "mw_zinvol": "De hulp van de gemeente is zinvol",
    "mw_gemotiveerd": "De hulp motiveert mij om werk te zoeken",
    "mw_kans_werk": "Door de hulp is mijn kans op werk toegenomen",
}
# Indicators of the client survey that earlier waves also measured (klanten_pw_trend).
TREND_INDICATORS = {
    "pakkans": ("pakkans", AGREE),
    **{c: (c, ("ja",)) for c in BEHOEFTE},
    "rekening_behoefte_voldoende": ("rekening_behoefte", ("voldoende",)),
    "te_weinig_gesprekken": ("te_weinig_gesprekken", ("ja",)),
    "sam_goed": ("sam_goed", AGREE),
    "mw_kans_werk": ("mw_kans_werk", AGREE),
    "mw_zinvol": ("mw_zinvol", AGREE),
    "mw_gemotiveerd": ("mw_gemotiveerd", AGREE),
}


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once."""

    edition: Edition
    klanten: pd.DataFrame
    km: pd.DataFrame
    trend: pd.DataFrame
    bijstand: pd.DataFrame
    personen: pd.DataFrame
    starts: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def sample(self, name: str) -> pd.DataFrame:
        return self.klanten[self.klanten["steekproef"] == name]

    @property
    def brede(self) -> pd.DataFrame:
        return self.sample(BREDE)

    @property
    def dgr(self) -> pd.DataFrame:
        return self.sample(DGR)


def load(edition: Edition) -> Data:
    """Read every source of the chapter and add the derived survey variables."""
    klanten = read_source(edition, "klanten_pw")
    klanten["belemmering_any"] = np.where(
        (klanten["belemmering_gezondheid"] == "ja") | (klanten["belemmering_overig"] == "ja"), "ja", "nee")
    klanten["kan_maar_wil_niet"] = np.where(
        (klanten["arbeidsvermogen"] == "nu") & (klanten["wil_werken"] == "nee"), "ja", "nee")
    klanten["open_vraag_gereageerd"] = np.where(klanten["open_vraag_thema"].notna(), "ja", "nee")
    return Data(
        edition=edition,
        klanten=klanten,
        km=read_source(edition, "klantmanagers_pw"),
        trend=read_source(edition, "klanten_pw_trend"),
        bijstand=read_source(edition, "cbs_bijstand"),
        personen=read_source(edition, "cbs_srg_personen"),
        starts=read_source(edition, "cbs_srg_starts"),
    )


# --------------------------------------------------------------------------- survey shares


@dataclass(frozen=True)
class Item:
    """One survey share of the chapter: ``column`` answered ``positive`` by ``sample``."""

    id: str
    label: str
    column: str
    positive: tuple
    sample: str = BREDE
    section: str = ""


def _items() -> list[Item]:
    b, d = BREDE, DGR
    yes, agree, disagree = ("ja",), AGREE, DISAGREE
    return [
        # 2.3 Kenmerken doelgroep
        Item("kan_nu_werken_klant", "Kan naar eigen zeggen nu werken", "arbeidsvermogen", ("nu",), b, "2.3"),
        Item("kan_in_toekomst_werken_klant", "Kan naar eigen zeggen in de toekomst werken", "arbeidsvermogen",
             ("toekomst",), b, "2.3"),
        Item("kan_nooit_werken_klant", "Kan naar eigen zeggen nooit betaald werken", "arbeidsvermogen", ("nooit",),
             b, "2.3"),
        Item("specifieke_belemmeringen", "Ervaart belemmeringen om aan het werk te komen", "belemmering_any", yes,
             b, "2.3"),
        Item("belemmering_eigen_gezondheid", "Gezondheid maakt werken moeilijk", "belemmering_gezondheid", yes,
             b, "2.3"),
        Item("actief_zoekend_naar_werk", "Zoekt actief naar betaald werk", "zoekgedrag", ("actief",), b, "2.3"),
        Item("nu_niet_zoekend_wel_in_verleden", "Zoekt nu niet, maar deed dat eerder wel", "zoekgedrag",
             ("eerder",), b, "2.3"),
        Item("nooit_naar_werk_gezocht", "Heeft nooit naar betaald werk gezocht", "zoekgedrag", ("nooit",), b, "2.3"),
        Item("kan_wel_werken_wil_niet", "Kan nu werken, maar wil dat niet", "kan_maar_wil_niet", yes, b, "2.3"),
        Item("gelukkiger_met_baan", "Zou gelukkiger zijn met een baan", "gelukkiger_met_baan", agree, b, "2.3"),
        Item("liever_langer_in_uitkering_voor_goede_baan", "Liever langer in de uitkering voor een goede baan",
             "liever_langer_uitkering", agree, b, "2.3"),
        # 2.4 Ondersteuningsbehoefte
        *[Item(f"{c}_klant", label, c, yes, b, "2.4") for c, label in BEHOEFTE.items()],
        Item("behoefte_persoonlijk_vlak_klant", "Behoefte aan ondersteuning op persoonlijk vlak",
             "behoefte_persoonlijk", yes, b, "2.4"),
        Item("gemeente_voldoende_rekening_met_behoefte", "Gemeente houdt voldoende rekening met behoefte",
             "rekening_behoefte", ("voldoende",), b, "2.4"),
        Item("gemeente_onvoldoende_rekening_met_behoefte", "Gemeente houdt onvoldoende rekening met behoefte",
             "rekening_behoefte", ("onvoldoende",), b, "2.4"),
        Item("geen_inschatting_rekening_met_behoefte", "Kan niet inschatten of de gemeente rekening houdt",
             "rekening_behoefte", ("weet_niet",), b, "2.4"),
        Item("concrete_afspraken_klant", "Concrete afspraken gemaakt met de gemeente", "afspraken", yes, b, "2.4"),
        Item("geen_concrete_afspraak_klant", "Geen concrete afspraken gemaakt", "afspraken", ("nee",), b, "2.4"),
        Item("afspraken_tevreden_haalbaar_invloed", "Tevreden over de afspraken", "afspraken_tevreden", agree,
             b, "2.4"),
        Item("afspraken_haalbaar", "Vindt de afspraken haalbaar", "afspraken_haalbaar", agree, b, "2.4"),
        Item("afspraken_invloed", "Had voldoende invloed op de afspraken", "afspraken_invloed", agree, b, "2.4"),
        Item("afspraken_vergroten_kans_op_werk", "Afspraken vergroten de kans op werk", "afspraken_kans_werk",
             agree, b, "2.4"),
        Item("afspraken_vastgelegd_in_plan", "Afspraken vastgelegd in een plan", "afspraken_plan", yes, b, "2.4"),
        # 2.5 Ervaren belemmeringen
        Item("genoeg_hulp_ontvangen", "Genoeg hulp gehad om aan het werk te komen", "genoeg_hulp", yes, b, "2.5"),
        Item("hulp_te_traag_op_gang", "Hulp had eerder moeten beginnen", "hulp_eerder", yes, b, "2.5"),
        # 2.7 Contact en bejegening
        Item("geen_persoonlijk_gesprek_afgelopen_jaar", "Geen persoonlijk gesprek in het afgelopen jaar",
             "gesprek_afgelopen_jaar", ("nee",), b, "2.7"),
        Item("te_weinig_persoonlijke_gesprekken", "Te weinig persoonlijke gesprekken", "te_weinig_gesprekken",
             yes, b, "2.7"),
        Item("contactmomenten_afgenomen_corona", "Minder contact tijdens de coronacrisis",
             "contact_afgenomen_corona", yes, b, "2.7"),
        Item("kennisniveau_positief", "Positief over kennis van re-integratiemedewerkers", "kennis_medewerkers",
             agree, b, "2.7"),
        Item("kennisniveau_uitgesproken_negatief", "Negatief over kennis van re-integratiemedewerkers",
             "kennis_medewerkers", disagree, b, "2.7"),
        Item("informatie_werk_zoeken_duidelijk", "Informatie over werk zoeken is duidelijk", "info_werk_duidelijk",
             agree, b, "2.7"),
        Item("informatie_uitkering_duidelijk", "Informatie over de uitkering is duidelijk",
             "info_uitkering_duidelijk", agree, b, "2.7"),
        Item("uitleg_inkomstenverrekening_oneens", "Inkomstenverrekening niet afdoende uitgelegd",
             "uitleg_verrekening", disagree, b, "2.7"),
        Item("inkomstenverrekening_gehad", "Heeft te maken gehad met inkomstenverrekening", "verrekening_gehad",
             yes, b, "2.7"),
        Item("problemen_inkomstenverrekening", "Problemen met inkomstenverrekening", "verrekening_problemen", yes,
             b, "2.7"),
        Item("te_veel_onder_druk", "Wordt te veel onder druk gezet", "bej_druk", agree, b, "2.7"),
        Item("respectvol_behandeld_ruime_meerderheid", "Wordt respectvol behandeld", "bej_respect", agree, b, "2.7"),
        Item("bb_niet_respectvol_behandeld", "Wordt niet respectvol behandeld", "bej_respect", disagree, b, "2.7"),
        Item("bb_voldoende_aandacht_persoonlijke_situatie", "Voldoende rekening met persoonlijke situatie",
             "bej_persoonlijk", agree, b, "2.7"),
        Item("oneens_rekening_persoonlijke_situatie", "Oneens: voldoende rekening met persoonlijke situatie",
             "bej_persoonlijk", disagree, b, "2.7"),
        Item("open_vraag_bejegening_maatwerk", "Reacties op de open vraag over bejegening en maatwerk",
             "open_vraag_thema", ("bejegening_maatwerk",), b, "2.7"),
        # 2.8 Handhaving en vrijstellingen
        Item("rechten_plichten_ingewikkeld", "Rechten en plichten zijn ingewikkeld", "rechten_plichten_ingewikkeld",
             agree, b, "2.8"),
        Item("niet_weten_bij_wie_vragen_rechten_plichten", "Weet niet bij wie terecht met vragen",
             "weet_niet_bij_wie", yes, b, "2.8"),
        Item("gemeente_te_streng_controle", "Gemeente is te streng bij de controle", "gemeente_te_streng", agree,
             b, "2.8"),
        Item("behandeld_als_potentiele_fraudeur", "Voelt zich behandeld als potentiële fraudeur", "bej_fraudeur",
             agree, b, "2.8"),
        Item("pakkans_2021", "Gemeente komt erachter als regels niet worden nageleefd", "pakkans", agree, b, "2.8"),
        Item("boete_maatregel_oneens", "Boete of maatregel gehad waarmee niet eens", "boete_oneens", yes, b, "2.8"),
        Item("vrijgesteld_klant", "Naar eigen zeggen vrijgesteld", "vrijgesteld", yes, b, "2.8"),
        Item("vrijgestelden_met_beschikking_klant", "Vrijgestelden met een beschikking", "beschikking", yes, b,
             "2.8"),
        # 2.9 Integrale dienstverlening
        Item("ondersteuning_andere_leefgebieden_klant", "Ook hulp van andere afdelingen of organisaties",
             "hulp_andere_organisaties", yes, b, "2.9"),
        Item("samenwerking_goed", "Organisaties werken goed samen (klanten)", "sam_goed", agree, b, "2.9"),
        Item("gemeente_op_de_hoogte_andere_hulp", "Gemeente op de hoogte van andere hulp", "sam_op_de_hoogte",
             agree, b, "2.9"),
        Item("vaak_zelfde_informatie_aanleveren", "Moet vaak dezelfde informatie aanleveren", "sam_zelfde_info",
             agree, b, "2.9"),
        # 2.10 DGR
        Item("dgr_kan_nu_werken", "DGR: kan nu werken", "arbeidsvermogen", ("nu",), d, "2.10"),
        Item("dgr_nooit_betaald_werk", "DGR: kan nooit betaald werken", "arbeidsvermogen", ("nooit",), d, "2.10"),
        Item("dgr_behoefte_hulp_zoeken_werk", "DGR: behoefte aan hulp bij zoeken naar werk", "behoefte_zoeken_werk",
             yes, d, "2.10"),
        Item("dgr_behoefte_persoonlijke_problematiek", "DGR: behoefte aan hulp bij persoonlijke problemen",
             "behoefte_persoonlijk", yes, d, "2.10"),
        Item("dgr_behoefte_aanpassing_werktijden_werkdruk", "DGR: behoefte aan aanpassing werktijden/werkdruk",
             "behoefte_werktijden", yes, d, "2.10"),
        Item("dgr_voldoende_rekening_met_behoefte", "DGR: voldoende rekening met behoefte", "rekening_behoefte",
             ("voldoende",), d, "2.10"),
        Item("dgr_concrete_afspraken", "DGR: concrete afspraken", "afspraken", yes, d, "2.10"),
        Item("dgr_hulp_eerder_moeten_aanvangen", "DGR: hulp had eerder moeten beginnen", "hulp_eerder", yes, d,
             "2.10"),
        Item("dgr_uitleg_inkomstenverrekening_niet_goed", "DGR: verrekening niet goed uitgelegd",
             "uitleg_verrekening", disagree, d, "2.10"),
        Item("dgr_te_veel_onder_druk", "DGR: te veel onder druk gezet", "bej_druk", agree, d, "2.10"),
        Item("dgr_oneens_rekening_persoonlijke_situatie", "DGR: oneens over rekening met persoonlijke situatie",
             "bej_persoonlijk", disagree, d, "2.10"),
        Item("dgr_verplichtingen_ingewikkeld", "DGR: verplichtingen ingewikkeld", "rechten_plichten_ingewikkeld",
             agree, d, "2.10"),
        Item("dgr_niet_weten_bij_wie_vragen", "DGR: weet niet bij wie terecht", "weet_niet_bij_wie", yes, d, "2.10"),
        Item("dgr_hulp_andere_afdelingen_organisaties", "DGR: hulp van andere afdelingen/organisaties",
             "hulp_andere_organisaties", yes, d, "2.10"),
        Item("dgr_samenwerking_goed", "DGR: organisaties werken goed samen", "sam_goed", agree, d, "2.10"),
        Item("dgr_ondersteuning_vergroot_kans_op_werk", "DGR: kans op werk vergroot", "mw_kans_werk", agree, d,
             "2.10"),
        Item("dgr_jobcoach", "DGR: had een jobcoach", "jobcoach", yes, d, "2.10"),
        Item("dgr_jobcoach_meerderheid_positief", "Jobcoach kent mogelijkheden en beperkingen",
             "jc_kent_mogelijkheden", agree, d, "2.10"),
        Item("dgr_jobcoach_voldoende_tijd", "Jobcoach heeft voldoende tijd", "jc_voldoende_tijd", agree, d, "2.10"),
        Item("dgr_jobcoach_durft_vragen", "Durft alles aan de jobcoach te vragen", "jc_durft_vragen", agree, d,
             "2.10"),
        Item("dgr_jobcoach_uitgesproken_zinvol", "Hulp van de jobcoach is zinvol", "jc_zinvol", agree, d, "2.10"),
        Item("dgr_jobcoach_kans_op_succes_vergroot", "Jobcoach vergrootte de kans op succes", "jc_kans_succes",
             agree, d, "2.10"),
        # 2.11 Meerwaarde
        Item("meerwaarde_kans_op_werk_toegenomen", "Kans op werk door de hulp toegenomen", "mw_kans_werk", agree,
             b, "2.11"),
        Item("meerwaarde_hulp_zinvol", "Hulp is zinvol", "mw_zinvol", agree, b, "2.11"),
        Item("meerwaarde_gemotiveerd_werk_zoeken", "Gemotiveerd om werk te zoeken", "mw_gemotiveerd", agree, b,
             "2.11"),
        Item("opleiding_gevolgd", "Volgde een training, cursus of opleiding", "opleiding_gevolgd", yes, b, "2.11"),
        Item("opleiding_kansen_vergroot", "Opleiding vergrootte kansen op de arbeidsmarkt", "opleiding_kansen", yes,
             b, "2.11"),
        Item("opleiding_inmiddels_aan_het_werk", "Dankzij de opleiding aan het werk", "opleiding_werk", yes, b,
             "2.11"),
        Item("werkervaringsplaats_positief", "Positief over de werkervaringsplaats", "wep_nut", agree, b, "2.11"),
        Item("werkervaringsplaats_niet_veel_aan", "Had niet veel aan de werkervaringsplaats", "wep_nut",
             ("neutraal", *DISAGREE, "weet_niet"), b, "2.11"),
    ]


ITEMS: dict[str, Item] = {item.id: item for item in _items()}


def survey_figures(data: Data) -> dict[str, Estimate]:
    """Every survey share of the chapter, by id."""
    out = {}
    for item in ITEMS.values():
        frame = data.sample(item.sample)
        out[item.id] = stats.share(frame[item.column], item.positive, frame["gewicht"])
    return out


def group_share(data: Data, item_id: str, by: str, group, sample: str | None = None) -> Estimate:
    """The share of an item within one group (``by == group``) of its sample."""
    item = ITEMS[item_id]
    frame = data.sample(sample or item.sample)
    sel = frame[by].isin(group) if isinstance(group, (list, tuple, set)) else frame[by] == group
    return stats.share(frame.loc[sel, item.column], item.positive, frame.loc[sel, "gewicht"])


def contrast(data: Data, item_id: str, by: str, a, b, sample: str | None = None) -> Comparison:
    """Compare an item between two groups of its sample (``a`` minus ``b``), with a z-test."""
    return stats.compare_shares(group_share(data, item_id, by, a, sample), group_share(data, item_id, by, b, sample))


def dgr_vs_brede(data: Data, item_id: str) -> Comparison:
    """The item in the DGR sample against the same item in the brede doelgroep."""
    item = ITEMS[item_id]
    dgr = stats.share(data.dgr[item.column], item.positive, data.dgr["gewicht"])
    brede = stats.share(data.brede[item.column], item.positive, data.brede["gewicht"])
    return stats.compare_shares(dgr, brede)


def conditional_contrast(data: Data, item_id: str, condition_column: str, condition_positive,
                         sample: str = BREDE) -> Comparison:
    """Compare an item between respondents who meet a condition and those who do not
    (e.g. added value among those with or without agreements)."""
    item = ITEMS[item_id]
    frame = data.sample(sample)
    cond = frame[condition_column].isin(condition_positive)
    answered = frame[condition_column].notna()
    a = stats.share(frame.loc[cond, item.column], item.positive, frame.loc[cond, "gewicht"])
    b = stats.share(frame.loc[answered & ~cond, item.column], item.positive, frame.loc[answered & ~cond, "gewicht"])
    return stats.compare_shares(a, b)


# --------------------------------------------------------------------------- klantmanagers

KM_MEANS = {
    "kan_nu_werken_klantmanager": ("pct_kan_nu_werken", "Klanten die nu kunnen werken (schatting)"),
    "kan_in_toekomst_werken_klantmanager": ("pct_kan_toekomst", "Klanten die in de toekomst kunnen werken"),
    "kan_nooit_werken_klantmanager": ("pct_kan_nooit", "Klanten die nooit kunnen werken"),
    "behoefte_persoonlijk_vlak_klantmanager": ("pct_behoefte_persoonlijk", "Behoefte op persoonlijk vlak"),
    "klantmanager_kan_ondersteuning_bieden": ("pct_ondersteuning_bieden", "Klanten die nodige steun krijgen"),
    "klantmanager_geen_beeld_ondersteuning": ("pct_geen_beeld", "Geen goed beeld van benodigde steun"),
    "concrete_afspraken_klantmanager": ("pct_afspraken", "Klanten met concrete afspraken"),
    "klantmanager_klanten_gesproken": ("pct_gesproken", "Klanten gesproken in het afgelopen jaar"),
    "vrijgesteld_klantmanager": ("pct_vrijgesteld", "Vrijgestelde klanten"),
    "vrijgestelden_met_beschikking_klantmanager": ("pct_vrijgesteld_beschikking", "Vrijgestelden met beschikking"),
    "ondersteuning_andere_leefgebieden_klantmanager": ("pct_andere_leefgebieden", "Hulp op andere leefgebieden"),
}
KM_SHARES = {
    "klantmanager_caseload_belemmering": ("bel_caseload", ("sterk", "enigszins"), "Caseload is een belemmering"),
    "klantmanager_gezondheid_klant_belemmering": ("bel_gezondheid", ("sterk", "enigszins"),
                                                  "Problemen van klanten zijn een belemmering"),
    "klantmanager_motivatie_belemmering": ("bel_motivatie", ("sterk", "enigszins"), "Motivatie is een belemmering"),
    "klantmanager_vacatures_belemmering": ("bel_vacatures", ("sterk", "enigszins"), "Vacatures zijn een belemmering"),
    "klantmanager_middelen_regelgeving_belemmering": ("bel_budget", ("sterk", "enigszins"),
                                                      "Budget is een belemmering"),
    "klantmanager_regelgeving_belemmering": ("bel_regelgeving", ("sterk", "enigszins"),
                                             "Regelgeving is een belemmering"),
    "klantmanager_privacy_belemmering": ("bel_privacy", ("sterk", "enigszins"), "Privacyregels zijn een belemmering"),
    "klantmanagers_overige_arbeidsverplichtingen": ("verpl_uitzendbureau", ("vaak", "soms"),
                                                    "Legt andere arbeidsverplichtingen op"),
    "klantmanagers_tegenprestatie_vaak": ("verpl_tegenprestatie", ("vaak",), "Legt vaak een tegenprestatie op"),
    "klantmanagers_tegenprestatie_soms": ("verpl_tegenprestatie", ("soms",), "Soms een tegenprestatie"),
    "klantmanagers_tegenprestatie_nooit": ("verpl_tegenprestatie", ("nooit",), "Nooit een tegenprestatie"),
    "klantmanagers_reizen_vaak": ("verpl_reizen", ("vaak",), "Legt vaak de plicht tot reizen op"),
    "klantmanagers_reizen_soms": ("verpl_reizen", ("soms",), "Soms de plicht tot reizen"),
    "klantmanagers_reizen_nooit": ("verpl_reizen", ("nooit",), "Nooit de plicht tot reizen"),
    "samenwerking_goed_klantmanager": ("st_samenwerking_goed", AGREE, "Organisaties werken goed samen"),
    "klantmanagers_niet_vanuit_een_plan": ("st_een_plan", DISAGREE, "Nog niet vanuit één plan"),
    "informatie_uitwisseling_voldoende_klantmanager": ("st_info_voldoende", AGREE, "Informatie-uitwisseling voldoende"),
}


def _as_share(est: Estimate) -> Estimate:
    """A mean of percentages (0-100) as a share (0-1)."""
    return replace(est, value=est.value / 100, ci_low=est.ci_low / 100, ci_high=est.ci_high / 100,
                   kind="share", se=est.se / 100)


def km_figures(data: Data) -> dict[str, Estimate]:
    """Klantmanagers: mean estimates about their caseload (as shares) and shares of answers."""
    out = {kid: _as_share(stats.mean(data.km[col])) for kid, (col, _) in KM_MEANS.items()}
    out.update({kid: stats.share(data.km[col], pos) for kid, (col, pos, _) in KM_SHARES.items()})
    km = out["klantmanager_kan_ondersteuning_bieden"]
    out["klantmanager_kan_ondersteuning_niet_bieden"] = replace(
        km, value=1 - km.value, ci_low=1 - km.ci_high, ci_high=1 - km.ci_low)
    return out


def caseload_groups(data: Data) -> tuple[pd.Series, int]:
    """Whether each klantmanager has a large caseload (≥ the threshold the report uses)."""
    threshold = int(data.edition["caseload_threshold"])
    return data.km["caseload"] >= threshold, threshold


def km_spoken_by_caseload(data: Data) -> tuple[Estimate, Estimate, Comparison, int]:
    """Share of clients spoken in the past year, small vs large caseloads (Welch t-test)."""
    large, threshold = caseload_groups(data)
    small_est = _as_share(stats.mean(data.km.loc[~large, "pct_gesproken"]))
    large_est = _as_share(stats.mean(data.km.loc[large, "pct_gesproken"]))
    cmp = stats.compare_means(data.km.loc[~large, "pct_gesproken"], data.km.loc[large, "pct_gesproken"])
    return small_est, large_est, cmp, threshold


def km_caseload_barrier_by_size(data: Data) -> Comparison:
    """Caseload felt as a strong barrier: the largest third of caseloads against the rest."""
    top = data.km["caseload"] >= data.km["caseload"].quantile(2 / 3)
    strong = ("sterk",)
    return stats.compare_shares(stats.share(data.km.loc[top, "bel_caseload"], strong),
                                stats.share(data.km.loc[~top, "bel_caseload"], strong))


# --------------------------------------------------------------------------- earlier waves


def earlier_wave(data: Data, indicator: str, wave: int) -> Estimate:
    """A published share of an earlier wave as an estimate (share + n)."""
    rows = data.trend[(data.trend["indicator"] == indicator) & (data.trend["meting"] == wave)]
    if rows.empty:
        raise KeyError(f"no earlier-wave figure for {indicator} in {wave}")
    row = rows.iloc[0]
    return Estimate.from_aggregate(float(row["aandeel"]), int(row["n"]))


def current_wave(data: Data, indicator: str) -> Estimate:
    column, positive = TREND_INDICATORS[indicator]
    return stats.share(data.brede[column], positive, data.brede["gewicht"])


def wave_series(data: Data, indicator: str) -> list[tuple[int, Estimate]]:
    """(wave, estimate) for every wave that measured ``indicator``, the current one last."""
    waves = sorted(int(w) for w in data.trend.loc[data.trend["indicator"] == indicator, "meting"])
    series = [(w, earlier_wave(data, indicator, w)) for w in waves]
    return series + [(int(data.edition["waves"]["current"]), current_wave(data, indicator))]


def wave_trend(data: Data, indicator: str) -> Comparison:
    """Trend over all waves (Cochran-Armitage; current wave against the first)."""
    series = wave_series(data, indicator)
    return stats.trend([e for _, e in series], [w for w, _ in series])


def wave_change(data: Data, indicator: str, wave: int) -> Comparison:
    """The current wave against one earlier wave (z-test)."""
    return stats.compare_shares(current_wave(data, indicator), earlier_wave(data, indicator, wave))


# --------------------------------------------------------------------------- CBS


def tabel_1(data: Data) -> dict[str, float]:
    """Tabel 1: total and composition shares of the bijstand population (exact counts)."""
    b = data.bijstand.set_index(["kenmerk", "categorie"])["aantal"]
    total = int(b[("totaal", "totaal")])
    return {
        "aantal": total,
        "vrouwen": b[("geslacht", "vrouw")] / total,
        "mannen": b[("geslacht", "man")] / total,
        "tot_27": b[("leeftijd", "tot_27")] / total,
        "27_tot_45": b[("leeftijd", "27_tot_45")] / total,
        "45_plus": b[("leeftijd", "45_plus")] / total,
        "migratie": b[("migratieachtergrond", "ja")] / total,
        "geen_migratie": b[("migratieachtergrond", "nee")] / total,
    }


def _period_months(data: Data, period: str) -> pd.PeriodIndex:
    spec = data.edition["periods"][period]
    return pd.period_range(spec["start"], spec["end"], freq="M")


def _started_flags(data: Data) -> pd.DataFrame:
    """Per person (rows aligned with ``data.personen``): whether a provision of each type started
    in each period. Columns are (voorziening, period)."""
    if "flags" not in data._cache:
        ids = data.personen["persoon_id"]
        flags = {}
        for period in ("voor", "na"):
            months = _period_months(data, period).astype(str)
            s = data.starts[data.starts["startmaand"].isin(months)]
            for v in VOORZIENINGEN:
                flags[(v, period)] = ids.isin(s.loc[s["voorziening"] == v, "persoon_id"]).to_numpy()
            flags[("any", period)] = ids.isin(s["persoon_id"]).to_numpy()
        data._cache["flags"] = pd.DataFrame(flags, index=data.personen.index)
    return data._cache["flags"]


def register_rates(data: Data, by: str | None = None, voorzieningen=None) -> pd.DataFrame:
    """Share of the period's bijstand population with a started provision, per provision,
    period and (optionally) group ``by``. Columns: voorziening, periode, groep, personen,
    met_start, aandeel. Register counts below the disclosure threshold are suppressed."""
    flags = _started_flags(data)
    rows = []
    for period in ("voor", "na"):
        member = data.personen[f"in_periode_{period}"].to_numpy()
        pop = data.personen[member]
        groups = pop[by] if by else pd.Series("totaal", index=pop.index)
        size = groups.value_counts(sort=False)
        for v in voorzieningen or list(VOORZIENINGEN):
            counts = flags.loc[member, (v, period)].groupby(groups).sum().reindex(size.index, fill_value=0)
            for g in size.index:
                rows.append({"voorziening": v, "periode": period, "groep": g, "personen": int(size[g]),
                             "met_start": int(counts[g]), "aandeel": counts[g] / size[g]})
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="met_start", threshold=data.threshold, value_cols=("aandeel",))


def tabel_2(data: Data) -> pd.DataFrame:
    """Tabel 2 as numbers: one row per provision and group, a column per period."""
    rates = {by: register_rates(data, by, list(TABEL_2_VOORZIENINGEN)) for by in (None, "geslacht", "herkomst")}
    rows = []
    for v in TABEL_2_VOORZIENINGEN:
        for label, by, code in TABEL_2_GROUPS:
            r = rates[by]
            r = r[(r["voorziening"] == v) & (r["groep"] == (code or "totaal"))]
            rows.append({"voorziening": VOORZIENINGEN[v], "groep": label,
                         **{p: float(r.loc[r["periode"] == p, "aandeel"].iloc[0]) for p in ("voor", "na")}})
    return pd.DataFrame(rows)


def figuur_3(data: Data) -> pd.DataFrame:
    """Numbers of started provisions per type, year before and year after the pandemic began."""
    rows = []
    for period in ("voor", "na"):
        months = _period_months(data, period).astype(str)
        s = data.starts[data.starts["startmaand"].isin(months)]
        counts = s["voorziening"].value_counts()
        for v, label in VOORZIENINGEN.items():
            rows.append({"voorziening": label, "periode": data.edition["periods"][period]["label"],
                         "aantal": int(counts.get(v, 0)), "n": int(counts.get(v, 0))})
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="n", threshold=data.threshold, value_cols=("aantal",)).drop(columns="n")


def any_start_by(data: Data, by: str) -> pd.DataFrame:
    """Share with any started provision, per group and period, and the relative change."""
    rates = register_rates(data, by, ["any"])
    frame = rates.pivot(index="groep", columns="periode", values="aandeel")
    frame["verandering"] = frame["na"] / frame["voor"] - 1
    return frame.reset_index()


def recovery_2021(data: Data) -> pd.DataFrame:
    """Starts in the first months of 2021 after the comparison year against the same months
    two years earlier, per provision (is the level back to before the crisis?)."""
    end = pd.Period(data.edition["periods"]["na"]["end"], freq="M")
    last = pd.Period(data.starts["startmaand"].max(), freq="M")
    after = pd.period_range(end + 1, last, freq="M").astype(str)
    before = pd.period_range(end + 1 - 24, last - 24, freq="M").astype(str)
    rows = []
    for v, label in VOORZIENINGEN.items():
        s = data.starts[data.starts["voorziening"] == v]
        a, b = int(s["startmaand"].isin(after).sum()), int(s["startmaand"].isin(before).sum())
        rows.append({"voorziening": v, "label": label, "na": a, "voor": b, "ratio": a / b if b else np.nan})
    return pd.DataFrame(rows).assign(months=fmt.month_range(after[0], after[-1]))


# --------------------------------------------------------------------------- figure frames


def likert_frame(frame: pd.DataFrame, items: dict[str, str], threshold: int) -> pd.DataFrame:
    """Weighted answer distribution per statement (long), in the report's answer order."""
    dist = stats.answer_distribution(frame, items, "gewicht" if "gewicht" in frame else None,
                                     order=LIKERT_ORDER, labels=LIKERT_LABELS)
    return sdc.suppress(dist, n_col="n", threshold=threshold, value_cols=("aandeel",))


def figuur_1(data: Data) -> pd.DataFrame:
    """Estimated work capacity: clients' own view against klantmanagers' average estimate."""
    rows = []
    for code, label in ARBEIDSVERMOGEN.items():
        est = stats.share(data.brede["arbeidsvermogen"], (code,), data.brede["gewicht"])
        rows.append({"bron": "Klanten", "categorie": label, "aandeel": est.value, "n": est.n})
    km_cols = {"nu": "pct_kan_nu_werken", "toekomst": "pct_kan_toekomst", "nooit": "pct_kan_nooit"}
    for code, col in km_cols.items():
        rows.append({"bron": "Klantmanagers", "categorie": ARBEIDSVERMOGEN[code],
                     "aandeel": data.km[col].mean() / 100, "n": int(data.km[col].notna().sum())})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_2(data: Data) -> pd.DataFrame:
    """Support needs, current wave against the previous one."""
    previous = max(w for w in data.edition["waves"]["earlier"])
    current = int(data.edition["waves"]["current"])
    rows = []
    for col, label in BEHOEFTE.items():
        prev = earlier_wave(data, col, previous)
        now = current_wave(data, col)
        rows.append({"ondersteuning": label, "meting": str(previous), "aandeel": prev.value, "n": prev.n})
        rows.append({"ondersteuning": label, "meting": str(current), "aandeel": now.value, "n": now.n})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_5(data: Data) -> pd.DataFrame:
    """Share exempted, and of them the share with a formal beschikking: clients and klantmanagers."""
    s, k = survey_figures(data), km_figures(data)
    rows = [
        {"bron": "Klanten", "maat": "Vrijgesteld", "aandeel": s["vrijgesteld_klant"].value,
         "n": s["vrijgesteld_klant"].n},
        {"bron": "Klanten", "maat": "Waarvan met beschikking", "aandeel": s["vrijgestelden_met_beschikking_klant"].value,
         "n": s["vrijgestelden_met_beschikking_klant"].n},
        {"bron": "Klantmanagers", "maat": "Vrijgesteld", "aandeel": k["vrijgesteld_klantmanager"].value,
         "n": k["vrijgesteld_klantmanager"].n},
        {"bron": "Klantmanagers", "maat": "Waarvan met beschikking",
         "aandeel": k["vrijgestelden_met_beschikking_klantmanager"].value,
         "n": k["vrijgestelden_met_beschikking_klantmanager"].n},
    ]
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_6(data: Data) -> pd.DataFrame:
    """Statements on collaboration: clients with help from other organisations, and klantmanagers."""
    clients = likert_frame(data.brede, SAMENWERKING_KLANTEN, data.threshold)
    clients["stelling"] = "Klanten: " + clients["stelling"]
    km = likert_frame(data.km, SAMENWERKING_KM, data.threshold)
    km["stelling"] = "Klantmanagers: " + km["stelling"]
    return pd.concat([clients, km], ignore_index=True)


def statement_n(frame: pd.DataFrame, items: dict[str, str]) -> int:
    """The number of respondents who answered the statements of a figure (the printed N)."""
    return int(frame[list(items)].notna().any(axis=1).sum())


# --------------------------------------------------------------------------- key figures


def register_all(data: Data) -> tuple[keyfigures.Register, dict[str, Estimate]]:
    """Register every figure the chapter's text relies on; returns the register and the
    estimates by id (for the prose)."""
    reg = keyfigures.Register("gemeenten", data.edition.edition, threshold=data.threshold)
    figures: dict[str, Estimate] = {}
    for kid, est in survey_figures(data).items():
        item = ITEMS[kid]
        figures[kid] = reg.add(kid, est, label=item.label, source=SOURCE_KLANTEN, section=item.section)
    km_labels = {k: v[1] for k, v in KM_MEANS.items()} | {k: v[2] for k, v in KM_SHARES.items()}
    km_labels["klantmanager_kan_ondersteuning_niet_bieden"] = "Klanten die nodige steun niet krijgen"
    for kid, est in km_figures(data).items():
        figures[kid] = reg.add(kid, est, label=km_labels[kid], source=SOURCE_KM)
    small, large, _, _ = km_spoken_by_caseload(data)
    figures["klantmanager_klanten_gesproken_caseload_klein"] = reg.add(
        "klantmanager_klanten_gesproken_caseload_klein", small, label="Gesproken, kleine caseload", source=SOURCE_KM)
    figures["klantmanager_klanten_gesproken_caseload_groot"] = reg.add(
        "klantmanager_klanten_gesproken_caseload_groot", large, label="Gesproken, grote caseload", source=SOURCE_KM)
    t1 = tabel_1(data)
    reg.add("tabel1_aantal_personen_bijstand", t1["aantal"], label="Personen met bijstand", source="cbs_bijstand")
    for key, kid in (("vrouwen", "tabel1_vrouwen"), ("mannen", "tabel1_mannen"), ("tot_27", "tabel1_jonger_dan_27"),
                     ("27_tot_45", "tabel1_27_45_jaar"), ("45_plus", "tabel1_ouder_dan_45"),
                     ("migratie", "tabel1_migratieachtergrond"), ("geen_migratie", "tabel1_geen_migratieachtergrond")):
        reg.add(kid, float(t1[key]), label=f"Bijstandspopulatie: {key}", source="cbs_bijstand", unit="share",
                figure="tabel_1")
    t2 = tabel_2(data)
    short = {"Coachingsactiviteiten": "coaching", "Trainingen/cursussen/opleidingen": "trainingen",
             "Werkervaringsplaatsen": "werkervaringsplaatsen"}
    periods = data.edition["periods"]
    for row in t2[t2["groep"] == "Totaal"].itertuples():
        for period, suffix in (("voor", "2019_2020"), ("na", "2020_2021")):
            reg.add(f"tabel2_{short[row.voorziening]}_totaal_{suffix}", float(getattr(row, period)),
                    label=f"{row.voorziening}, {periods[period]['label']}", source="cbs_srg_personen",
                    unit="share", figure="tabel_2")
    counts = {
        "n_enquete_bijstandsgerechtigden": (len(data.klanten), "Respondenten klantenquête (incl. DGR)"),
        "n_enquete_brede_doelgroep": (len(data.brede), "Respondenten brede doelgroep"),
        "n_enquete_dgr": (len(data.dgr), "Respondenten doelgroepregister"),
        "n_klantmanagers_vragenlijst": (len(data.km), "Klantmanagers"),
        "figuur4_n": (statement_n(data.brede, BEJEGENING), "N Figuur 4"),
        "figuur7_n": (statement_n(data.brede, MEERWAARDE), "N Figuur 7"),
        "open_vraag_reacties": (int(data.brede["open_vraag_thema"].notna().sum()), "Reacties op de open vraag"),
    }
    for kid, (value, label) in counts.items():
        reg.add(kid, int(value), label=label, source=SOURCE_KM if kid.startswith("n_klantm") else SOURCE_KLANTEN)
    return reg, figures


# --------------------------------------------------------------------------- tables as shown


def tabel_1_display(data: Data) -> pd.DataFrame:
    """Tabel 1 as printed: one row, counts in thousands and shares in whole percents."""
    t = tabel_1(data)
    columns = {
        "Aantal personen met bijstand": fmt.thousands(t["aantal"]),
        "Vrouwen": fmt.pct(t["vrouwen"]), "Mannen": fmt.pct(t["mannen"]),
        "< 27 jaar": fmt.pct(t["tot_27"]), "27 – 45 jaar": fmt.pct(t["27_tot_45"]), ">45 jaar": fmt.pct(t["45_plus"]),
        "Migratie-achtergrond": fmt.pct(t["migratie"]), "Geen migratie-achtergrond": fmt.pct(t["geen_migratie"]),
    }
    return pd.DataFrame([columns])


def tabel_2_display(data: Data) -> pd.DataFrame:
    """Tabel 2 as printed: per provision a total row and rows per sex and origin."""
    t = tabel_2(data)
    periods = data.edition["periods"]
    shown = pd.DataFrame({
        "Voorziening": np.where(t["groep"] == "Totaal", t["voorziening"], ""),
        "Groep": t["groep"],
        periods["voor"]["label"]: t["voor"].map(fmt.pct),
        periods["na"]["label"]: t["na"].map(fmt.pct),
    })
    return shown
