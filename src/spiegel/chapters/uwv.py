"""Chapter 3, re-integratieondersteuning UWV: every computation behind the chapter.

The notebook ``notebooks/03_uwv.ipynb`` tells the story; this module computes it: client shares
(weighted, by regeling), staff shares and report marks (by client group in the caseload), the WGA
client figures from other studies, the comparisons the text makes (each with a test), and the
aggregated frames behind Tabel 3-4 and Figuur 8-14. Key-figure ids equal the finding ids of the
published 2022 figures where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spiegel import fmt, keyfigures, sdc, stats
from spiegel.chapters.common import AGREE, DISAGREE, ChapterData
from spiegel.io import read_source
from spiegel.params import Edition
from spiegel.stats import Comparison, Estimate

SOURCE_KLANTEN, SOURCE_MDW = "uwv_klanten", "uwv_medewerkers"
SOURCE_EXTERN, SOURCE_POP = "uwv_wga_extern", "uwv_populatie"
GROUPS = ("ww", "wajong", "wga")
GROUP_LABELS = {"ww": "WW", "wajong": "Wajong", "wga": "WGA"}
YES, NO = ("ja",), ("nee",)
OFTEN = ("altijd", "meestal")
IN_VIEW = ("sterk", "behoorlijk")
# A "relatief grote caseload" in the 2022 report is one of more than 100 clients (3.4.1).
CASELOAD_THRESHOLD = 100


def FAIL(values: pd.Series) -> pd.Series:  # noqa: N802 - used like the answer-code constants
    """A report mark below 6 is an 'onvoldoende'."""
    return pd.to_numeric(values) < 6


TABEL_4_ROWS = {
    "bel_registratie": "Registratie-verplichtingen",
    "bel_smz": "Wachttijden (her) beoordelingen SMZ",
    "bel_procedures": "Ingewikkelde/tijdrovende regels/procedures",
    "bel_privacy": "Privacyregels die gegevensuitwisseling belemmeren",
    "bel_tijd": "Beschikbare tijd",
    "bel_voorwaarden": "Voorwaarden en restricties middeleninzet",
    "bel_ruimte_klant": "Onvoldoende ruimte wensen/omstandigheden klant",
    "bel_middelen": "De middelen die ik kan inzetten",
}
TABEL_4_LEVELS = {"sterk": "Sterke mate", "enig": "Enige mate", "geen": "Geenszins"}
TABEL_3_AGES = {"tot_35": "< 35 jaar", "35_44": "35-44", "45_54": "45-54", "55_plus": "> 54 jaar"}
REGELINGEN = {"wia": "WIA", "wajong": "Wajong", "ww": "WW"}
IN_BEELD = {
    "inbeeld_actief": "Klanten in actieve begeleiding",
    "inbeeld_niet_klaar": "Klanten die nog niet hoeven te re-integreren",
    "inbeeld_werkend": "Klanten die naast de uitkering werken",
    "inbeeld_alle": "Alle klanten in de caseload",
}
WERKDRUK = {"werkdruk_registratie": "Registratieverplichtingen", "werkdruk_caseload": "Omvang van de caseload"}


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once."""

    edition: Edition
    klanten: pd.DataFrame
    mdw: pd.DataFrame
    extern: pd.DataFrame
    populatie: pd.DataFrame
    _cache: dict = field(default_factory=dict, repr=False, compare=False)


def load(edition: Edition) -> Data:
    """Read every source of the chapter."""
    return Data(edition=edition, klanten=read_source(edition, SOURCE_KLANTEN),
                mdw=read_source(edition, SOURCE_MDW), extern=read_source(edition, SOURCE_EXTERN),
                populatie=read_source(edition, SOURCE_POP))


# --------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Item:
    """One share (or mean) of the chapter: ``columns`` answered ``positive`` among the rows that
    meet ``where`` (column → accepted values). Several columns are pooled: every answer counts
    (e.g. a staff statement over all client groups in the caseloads)."""

    id: str
    label: str
    source: str
    columns: tuple[str, ...]
    positive: object = AGREE
    where: tuple[tuple[str, tuple], ...] = ()
    section: str = ""
    kind: str = "share"  # "share", "mean" or "grade"


def _k(id, label, column, positive=AGREE, section="", **where) -> Item:
    return Item(id, label, SOURCE_KLANTEN, (column,), positive, _where(where), section)


def _m(id, label, columns, positive=AGREE, section="", kind="share", **where) -> Item:
    cols = (columns,) if isinstance(columns, str) else tuple(columns)
    return Item(id, label, SOURCE_MDW, cols, positive, _where(where), section, kind)


def _where(where: dict) -> tuple:
    return tuple((k, v if isinstance(v, tuple) else (v,)) for k, v in where.items())


def _per_group(item: str, groups=GROUPS) -> tuple[str, ...]:
    return tuple(f"{item}_{g}" for g in groups)


def _items() -> list[Item]:
    ww, wj = "ww", "wajong"
    k, m = _k, _m
    items = [
        # 3.3.1 Diagnose en afspraken
        k("concrete_afspraken_klant", "Concrete afspraken met UWV over re-integratie", "afspraken", YES, "3.3.1"),
        k("bekend_werkplan_klant", "Bekend met een werk- of re-integratieplan", "werkplan", YES, "3.3.1"),
        k("voldoende_invloed_afspraken_klant", "Voldoende invloed op de afspraken", "invloed", AGREE, "3.3.1"),
        k("invloed_ww_klant", "WW: voldoende invloed op de afspraken", "invloed", AGREE, "3.3.1", regeling=ww),
        k("invloed_wajong_klant", "Wajong: voldoende invloed op de afspraken", "invloed", AGREE, "3.3.1", regeling=wj),
        k("wajong_uwv_rekening_behoefte_ja", "Wajong: UWV houdt voldoende rekening met behoefte",
          "rekening_behoefte", ("voldoende",), "3.3.1", regeling=wj),
        k("wajong_uwv_rekening_behoefte_nee", "Wajong: UWV houdt onvoldoende rekening met behoefte",
          "rekening_behoefte", ("onvoldoende",), "3.3.1", regeling=wj),
        k("wajong_specifiek_verzoek", "Wajong: zelf specifiek verzoek om ondersteuning", "specifiek_verzoek", YES,
          "3.3.1", regeling=wj),
        k("wajong_verzoek_hulp_ontvangen", "Wajong: gevraagde hulp ontvangen", "verzoek_ontvangen", YES, "3.3.1",
          regeling=wj),
        m("mdw_voorkeuren_klant_sterk_bepalend", "Voorkeuren klant sterk bepalend (alle doelgroepen)",
          _per_group("voorkeuren"), ("sterk",), "3.3.1"),
        *[m(f"voorkeuren_sterk_{g}_mdw" if g != "wga" else "klantvoorkeuren_sterk_bepalend_wga_mdw",
            f"{GROUP_LABELS[g]}: voorkeuren klant sterk bepalend", f"voorkeuren_{g}", ("sterk",), "3.3.1")
          for g in GROUPS],
        m("omstandigheden_sterk_bepalend_mdw", "Persoonlijke omstandigheden sterk bepalend", "bepalend_omstandigheden",
          ("sterk",), "3.3.1"),
        m("eigen_oordeel_sterk_bepalend_mdw", "Eigen oordeel sterk bepalend", "bepalend_oordeel", ("sterk",), "3.3.1"),
        m("instrumenten_sterk_bepalend_mdw", "Werkverkenner/Keuzehulp/kader sterk bepalend", "bepalend_instrumenten",
          ("sterk",), "3.3.1"),
        m("overdrachtdossier_smz_onduidelijk_wga_mdw", "WGA: overdrachtsdossier SMZ soms onduidelijk",
          "smz_overdracht_onduidelijk", YES, "3.3.1"),
        # 3.3.2 Re-integratieondersteuning
        k("ww_wga_weg_vinden_reintegratie", "WW: informatie over de hulp is duidelijk", "info_hulp_duidelijk", AGREE,
          "3.3.2", regeling=ww),
        k("ww_weet_waar_terecht_klant", "WW: weet waar terecht met vragen", "weet_waar_terecht", AGREE, "3.3.2",
          regeling=ww),
        k("wajong_makkelijk_hulp_klant", "Wajong: makkelijk om hulp te krijgen", "makkelijk_hulp", AGREE, "3.3.2",
          regeling=wj),
        k("ww_makkelijk_hulp_klant", "WW: makkelijk om hulp te krijgen", "makkelijk_hulp", AGREE, "3.3.2", regeling=ww),
        k("wajong_info_hulp_duidelijk_klant", "Wajong: informatie over de hulp is duidelijk", "info_hulp_duidelijk",
          AGREE, "3.3.2", regeling=wj),
        m("mdw_ww_wga_toegankelijkheid_positief", "WW en WGA: ondersteuning goed toegankelijk (medewerkers)",
          _per_group("toegankelijk", ("ww", "wga")), AGREE, "3.3.2"),
        m("wajong_goed_geinformeerd_mdw", "Wajong: klanten goed geïnformeerd (medewerkers)", "geinformeerd_wajong",
          AGREE, "3.3.2"),
        k("voldoende_ondersteuning_ww", "WW: voldoende ondersteuning", "voldoende_ondersteuning", YES, "3.3.2",
          regeling=ww),
        k("voldoende_ondersteuning_wajong", "Wajong: voldoende ondersteuning", "voldoende_ondersteuning", YES, "3.3.2",
          regeling=wj),
        k("hulp_later_gestart_ww", "WW: hulp later gestart dan gewild", "hulp_later", YES, "3.3.2", regeling=ww),
        k("hulp_later_gestart_wajong", "Wajong: hulp later gestart dan gewild", "hulp_later", YES, "3.3.2",
          regeling=wj),
        m("belemmering_sterk_registratie_ww", "WW: registratieverplichtingen sterk belemmerend", "bel_registratie_ww",
          ("sterk",), "3.3.2"),
        m("belemmering_sterk_wachttijden_smz_wga", "WGA: wachttijden SMZ sterk belemmerend", "bel_smz_wga",
          ("sterk",), "3.3.2"),
        m("belemmering_sterk_procedures_ww", "WW: procedures sterk belemmerend", "bel_procedures_ww", ("sterk",),
          "3.3.2"),
        m("belemmering_geenszins_procedures_wga", "WGA: procedures geenszins belemmerend", "bel_procedures_wga",
          ("geen",), "3.3.2"),
        m("tijd_belemmering_sterk_mdw", "Beschikbare tijd sterk belemmerend (alle doelgroepen)",
          _per_group("bel_tijd"), ("sterk",), "3.3.2"),
        m("tijd_belemmering_enigszins_mdw", "Beschikbare tijd enigszins belemmerend (alle doelgroepen)",
          _per_group("bel_tijd"), ("enig",), "3.3.2"),
        k("wajong_werkend_geen_vervoersvoorziening", "Werkende Wajongers met behoefte: geen vervoersvoorziening",
          "vervoer_ontvangen", NO, "3.3.2", regeling=wj),
        # 3.3.3 Matchen
        m("rapportcijfer_samenwerking_werkgeversdv", "Rapportcijfer samenwerking werkgeversdienstverlening",
          "cijfer_wdv", None, "3.3.3", kind="grade"),
        m("sonar_profielen_voldoende_mdw", "Profielen in Sonar voldoende om te koppelen", "sonar_voldoende", AGREE,
          "3.3.3"),
        m("functies_aanpassen_wajong_mdw", "Wajong: functies moeten meestal of altijd worden aangepast",
          "functies_aanpassen", OFTEN, "3.3.3"),
        k("ww_baan_zonder_hulp", "WW: kan ook zonder hulp van UWV een baan vinden", "baan_zonder_hulp", YES, "3.3.3",
          regeling=ww),
        k("ww_directe_matching_gebruikt", "WW: ondersteuning gericht op directe matching gebruikt",
          "directe_matching", YES, "3.3.3", regeling=ww),
        k("ww_directe_matching_kans_niet_vergroot", "WW: directe matching vergrootte kans niet of nauwelijks",
          "directe_matching_effect", ("niet_nauwelijks",), "3.3.3", regeling=ww),
        *[m(f"verrekening_overzien_{g}_mdw", f"{GROUP_LABELS[g]}: klanten overzien financiële gevolgen",
            f"verrekening_overzien_{g}", AGREE, "3.3.3") for g in GROUPS],
        k("wajong_werkend_snapt_verrekening", "Werkende Wajongers: snapt de verrekening", "verrekening_snapt", YES,
          "3.3.3", regeling=wj),
        k("ww_werkend_snapt_verrekening", "Werkende WW'ers: snapt de verrekening", "verrekening_snapt", YES, "3.3.3",
          regeling=ww),
        k("wajong_werkend_uitleg_goed", "Werkende Wajongers: UWV legde verrekening goed uit", "uitleg_verrekening",
          AGREE, "3.3.3", regeling=wj),
        k("ww_werkend_uitleg_goed", "Werkende WW'ers: UWV legde verrekening goed uit", "uitleg_verrekening", AGREE,
          "3.3.3", regeling=ww),
        k("wajong_werkend_financieel_vooruit", "Werkende Wajongers: financieel vooruitgegaan", "financieel_vooruit",
          YES, "3.3.3", regeling=wj),
        k("ww_werkend_financieel_vooruit", "Werkende WW'ers: financieel vooruitgegaan", "financieel_vooruit", YES,
          "3.3.3", regeling=ww),
        k("wajong_nietwerkend_werken_lonend", "Niet-werkende Wajongers: werken is lonend", "werken_lonend", YES,
          "3.3.3", regeling=wj),
        *[m(f"durven_niet_werken_{g}_mdw", f"{GROUP_LABELS[g]}: klanten durven regelmatig niet te werken",
            f"durven_niet_{g}", AGREE, "3.3.3") for g in ("ww", "wga")],
        m("durven_niet_werken_wajong_mdw", "Wajong: klanten durven regelmatig niet te werken", "durven_niet_wajong",
          AGREE, "3.3.3"),
        m("durven_niet_werken_ww_wga_mdw", "WW en WGA: klanten durven regelmatig niet te werken",
          _per_group("durven_niet", ("ww", "wga")), AGREE, "3.3.3"),
        m("financiele_problemen_werken_wajong_mdw", "Wajong: werken brengt klanten vaak in financiële problemen",
          "fin_problemen_wajong", AGREE, "3.3.3"),
        # 3.3.4 Nazorg
        m("contact_werkgever_voor_einde_contract_wajong_mdw", "Wajong: contact met werkgever voor einde contract",
          "contact_werkgever", OFTEN, "3.3.4"),
        k("wajong_jobcoach_nodig_niet_ontvangen", "Werkende Wajongers met behoefte: geen jobcoach",
          "jobcoach_ontvangen", NO, "3.3.4", regeling=wj),
        k("wajong_werkend_jobcoach_positief", "Werkende Wajongers met jobcoach: positief", "jobcoach_positief", AGREE,
          "3.3.4", regeling=wj),
        m("wga_uitbreiden_werk_meeste_gevallen_mdw", "WGA: zet in de meeste gevallen in op uitbreiden werk",
          "uitbreiden_wga", ("meestal",), "3.3.4"),
        m("wga_uitbreiden_werk_soms_mdw", "WGA: zet soms in op uitbreiden werk", "uitbreiden_wga", ("soms",), "3.3.4"),
        m("wga_uitbreiden_werk_nooit_mdw", "WGA: zet (bijna) nooit in op uitbreiden werk", "uitbreiden_wga",
          ("nooit",), "3.3.4"),
        # 3.3.5 Klantcontacten, bejegening en informeren
        k("te_weinig_contact_klant", "Te weinig contact met UWV (alle klanten)", "te_weinig_contact", YES, "3.3.5"),
        k("te_weinig_contact_wga_wajong", "Wajong: te weinig contact", "te_weinig_contact", YES, "3.3.5", regeling=wj),
        k("meer_persoonlijk_contact_ww", "WW: wil meer persoonlijk contact", "te_weinig_contact", YES, "3.3.5",
          regeling=ww),
        k("vast_contactpersoon_klant", "Vast contactpersoon bij UWV (klanten)", "vast_contactpersoon", YES, "3.3.5"),
        m("vast_aanspreekpunt_mdw", "Klanten hebben een vast aanspreekpunt (medewerkers)", "vast_aanspreekpunt", YES,
          "3.3.5"),
        m("direct_contact_mogelijk_mdw", "Klanten kunnen direct contact opnemen", "direct_contact", YES, "3.3.5"),
        m("medewerkers_klanten_goed_geinformeerd", "Klanten goed geïnformeerd (alle doelgroepen)",
          _per_group("geinformeerd"), AGREE, "3.3.5"),
        m("brieven_duidelijk_mdw", "Brieven van UWV voldoende duidelijk (alle doelgroepen)", _per_group("brieven"),
          AGREE, "3.3.5"),
        k("werkend_wga_wajong_geen_gesprek", "Werkende Wajongers: geen gesprek in het afgelopen jaar",
          "gesprek_afgelopen_jaar", NO, "3.3.5", regeling=wj, werkend="ja"),
        k("nietwerkend_gesprek_gevoerd", "Niet-werkende Wajongers: wel een gesprek gevoerd", "gesprek_afgelopen_jaar",
          YES, "3.3.5", regeling=wj, werkend="nee"),
        m("ww_mdw_klanten_in_beeld", "WW: alle klanten in behoorlijke tot sterke mate in beeld", "inbeeld_alle",
          IN_VIEW, "3.3.5", caseload_ww="ja"),
        m("mdw_minder_in_beeld_corona", "Klanten sinds corona minder goed in beeld", "minder_in_beeld_corona", YES,
          "3.3.5"),
        k("klant_te_veel_druk", "Te veel onder druk gezet door UWV", "te_veel_druk", AGREE, "3.3.5"),
        k("klant_geen_vertrouwen_uwv", "Geen vertrouwen in UWV", "vertrouwen", DISAGREE, "3.3.5"),
        k("klant_onvoldoende_aandacht_persoonlijk", "Onvoldoende aandacht voor persoonlijke situatie",
          "aandacht_persoonlijk", DISAGREE, "3.3.5"),
        m("mdw_onvoldoende_rekening_wensen", "Onvoldoende ruimte voor wensen klant sterk belemmerend",
          _per_group("bel_ruimte_klant"), ("sterk",), "3.3.5"),
        m("mdw_oneens_ruimte_handhaven", "Oneens: regels bieden ruimte bij handhaven", "ruimte_handhaven", DISAGREE,
          "3.3.5"),
        # 3.3.6 Digitale hulpmiddelen
        m("mdw_kansarm_digitaal_uit_de_voeten", "Kansarme klanten kunnen goed uit de voeten met digitale middelen",
          "digitaal_kansarm", AGREE, "3.3.6"),
        *[m(f"werkmap_{g}_mdw" if g != "wajong" else "mdw_wajong_werkmap_overweg",
            f"{GROUP_LABELS[g]}: klanten kunnen overweg met de Werkmap", f"werkmap_{g}", AGREE, "3.3.6")
          for g in GROUPS],
        k("wajong_gebruik_digitaal", "Wajong: digitale dienstverlening gebruikt", "digitaal", YES, "3.3.6",
          regeling=wj),
        k("wajong_digitaal_niet_veel_aan", "Wajong-gebruikers: niet veel aan digitale dienstverlening",
          "digitaal_effect", ("niet_nauwelijks",), "3.3.6", regeling=wj),
        k("ww_gebruik_digitale_instrumenten", "WW: digitale instrumenten gebruikt", "digitaal", YES, "3.3.6",
          regeling=ww),
        # 3.3.7 Samenwerking in de uitvoering
        m("smz_samenwerking_onvoldoende", "Samenwerking met SMZ onvoldoende", "cijfer_smz", FAIL, "3.3.7"),
        *[m(f"cijfer_werkgeversdv_{g}", f"{GROUP_LABELS[g]}: rapportcijfer werkgeversdienstverlening", "cijfer_wdv",
            None, "3.3.7", kind="grade", **{f"caseload_{g}": "ja"}) for g in GROUPS],
        m("samenwerking_uitkeren_soms_of_vaker", "Werkt soms of vaker samen met Uitkeren", "contact_uitkeren",
          ("vaak", "soms"), "3.3.7"),
        m("samenwerking_uitkeren_onvoldoende", "Samenwerking met Uitkeren onvoldoende", "cijfer_uitkeren", FAIL,
          "3.3.7"),
        *[m(f"handhaven_onvoldoende_{g}", f"{GROUP_LABELS[g]}: contact met Handhaven onvoldoende", "cijfer_handhaven",
            FAIL, "3.3.7", **{f"caseload_{g}": "ja"}) for g in GROUPS],
        m("bezwaar_beroep_negatief_wga", "WGA: Bezwaar en Beroep onvoldoende", "cijfer_bezwaar", FAIL, "3.3.7",
          caseload_wga="ja"),
        m("cijfer_reintegratiebedrijven", "Adviseurs intensief: rapportcijfer re-integratiebedrijven",
          "cijfer_reintegratie", None, "3.3.7", kind="grade", functie="adviseur_intensief"),
        m("cijfer_gemeenten", "Rapportcijfer samenwerking gemeenten", "cijfer_gemeenten", None, "3.3.7", kind="grade"),
        # 3.3.8 Meerwaarde dienstverlening
        m("mdw_ondersteuning_vergroot_kans", "Ondersteuning vergroot kans op werk (medewerkers)", "kans_werk_algemeen",
          AGREE, "3.3.8"),
        *[m(f"kans_werk_{key}_mdw", f"{label}: ondersteuning vergroot kans op werk (medewerkers)", f"kans_werk_{key}",
            AGREE, "3.3.8") for key, label in KANS_GROUPS.items()],
        k("klant_hulp_vergroot_kans_ww_kansrijk", "Kansrijke WW'ers: hulp vergroot kans op werk", "hulp_kans_werk",
          AGREE, "3.3.8", regeling=ww, ww_kans="kansrijk"),
        k("klant_hulp_vergroot_kans_ww_kansarm", "Kansarme WW'ers: hulp vergroot kans op werk", "hulp_kans_werk",
          AGREE, "3.3.8", regeling=ww, ww_kans="kansarm"),
        k("klant_hulp_vergroot_kans_wajong", "Wajongers: hulp vergroot kans op werk", "hulp_kans_werk", AGREE, "3.3.8",
          regeling=wj),
        m("mdw_zelfvertrouwen_toename", "Hulp vergroot zelfvertrouwen (medewerkers)", "zelfvertrouwen", AGREE, "3.3.8"),
        k("klant_zelfvertrouwen_toename", "Hulp vergroot zelfvertrouwen (klanten)", "hulp_zelfvertrouwen", AGREE,
          "3.3.8"),
        k("ww_online_training_kans_vergroot", "WW-gebruikers: online-training vergrootte kans (enigszins)",
          "online_training_effect", ("sterk", "enigszins"), "3.3.8", regeling=ww),
        k("ww_scholing_begeleiding_niet_vergroot", "WW-gebruikers: scholing/begeleiding vergrootte kans niet",
          "scholing_begeleiding_effect", ("niet_nauwelijks",), "3.3.8", regeling=ww),
        k("ww_direct_werkgever_niets_aan", "WW-gebruikers: direct contact met werkgevers hielp niet",
          "directe_matching_effect", ("niet_nauwelijks",), "3.3.8", regeling=ww),
        # 3.3.9 Handhaving
        k("rechten_plichten_duidelijk_ww", "WW: rechten en plichten duidelijk", "rechten_plichten", AGREE, "3.3.9",
          regeling=ww),
        k("rechten_plichten_duidelijk_wga_wajong", "Wajong: rechten en plichten duidelijk", "rechten_plichten", AGREE,
          "3.3.9", regeling=wj),
        k("rechten_plichten_duidelijk_klanten_totaal", "Rechten en plichten duidelijk (alle klanten)",
          "rechten_plichten", AGREE, "3.3.9"),
        *[m(f"rechten_plichten_{g}_mdw", f"{GROUP_LABELS[g]}: klanten kennen rechten en plichten (medewerkers)",
            f"rechten_plichten_{g}", AGREE, "3.3.9") for g in GROUPS],
        k("pakkans_uwv_komt_erachter", "UWV komt erachter als regels worden overtreden", "pakkans", AGREE, "3.3.9"),
        k("pakkans_uwv_komt_er_niet_achter", "UWV komt er niet achter", "pakkans", DISAGREE, "3.3.9"),
        k("pakkans_middenpositie", "Niet eens, niet oneens over de pakkans", "pakkans", ("neutraal",), "3.3.9"),
        # 3.4 Organisatorische aspecten
        m("caseload_gemiddeld", "Gemiddelde caseload", "caseload", None, "3.4.1", kind="mean"),
        *[m(f"tijd_belemmerend_sterk_of_enig_{g}", f"{GROUP_LABELS[g]}: beschikbare tijd belemmerend",
            f"bel_tijd_{g}", ("sterk", "enig"), "3.4.1") for g in GROUPS],
        m("werkdruk_registratie_sterk_mdw", "Registratieverplichtingen: sterke werkdruk", "werkdruk_registratie",
          ("sterk",), "3.4.1"),
        m("werkdruk_caseload_sterk_mdw", "Caseload: sterke werkdruk", "werkdruk_caseload", ("sterk",), "3.4.1"),
        m("mdw_meer_weten_belemmeringen", "Wil meer weten over belemmeringen klanten", "meer_weten_belemmeringen", YES,
          "3.4.2"),
        m("mdw_meer_weten_financieel_wajong", "Wajong: wil meer weten over financiële gevolgen",
          "meer_weten_fin_wajong", YES, "3.4.2"),
        m("mdw_meer_weten_financieel_wga_ww", "WW en WGA: wil meer weten over financiële gevolgen",
          _per_group("meer_weten_fin", ("ww", "wga")), YES, "3.4.2"),
        k("klant_financiele_gevolgen_onvoldoende_uitgelegd", "Financiële gevolgen van werk onvoldoende uitgelegd",
          "fin_uitgelegd", NO, "3.4.2"),
        m("mdw_meer_weten_sociale_kaart", "Wil meer weten over de sociale kaart", "meer_weten_sociale_kaart", YES,
          "3.4.2"),
        m("mdw_expertise_aanbod_voldoende", "UWV biedt voldoende expertisemogelijkheden", "expertise_aanbod", AGREE,
          "3.4.2"),
        m("mdw_expertise_minder_gebruik", "Gebruikt expertisemogelijkheden minder dan gewenst", "expertise_minder",
          YES, "3.4.2"),
    ]
    return items


KANS_GROUPS = {"ww_kansrijk": "Kansrijke WW'ers", "ww_kansarm": "Kansarme WW'ers", "wajong": "Wajongers",
               "wga": "WGA'ers"}
ITEMS: dict[str, Item] = {item.id: item for item in _items()}
# The Belangrijkste bevindingen repeat numbers of the sections: the same figure under both ids.
ALIASES = {
    "bev_concrete_afspraken_klant": "concrete_afspraken_klant",
    "bev_bekend_werkplan_klant": "bekend_werkplan_klant",
    "bev_liever_meer_contact_klant": "te_weinig_contact_klant",
    "bev_verrekening_overzien_wajong": "verrekening_overzien_wajong_mdw",
    "bev_verrekening_overzien_ww": "verrekening_overzien_ww_mdw",
    "bev_verrekening_overzien_wga": "verrekening_overzien_wga_mdw",
    "bev_expertise_minder_gebruik": "mdw_expertise_minder_gebruik",
}
# WGA clients were not in the 2020 survey: their figures come from other studies (uwv_wga_extern).
EXTERN_FINDINGS = {
    "voldoende_ondersteuning_wga": "voldoende_ondersteuning",
    "wga_klant_afspraken_uitbreiden_verdiensten": "afspraken_uitbreiden_verdiensten",
}


def _frame(data: Data, source: str) -> pd.DataFrame:
    return data.klanten if source == SOURCE_KLANTEN else data.mdw


def _rows(data: Data, item: Item) -> pd.DataFrame:
    frame = _frame(data, item.source)
    for column, accepted in item.where:
        frame = frame[frame[column].isin(accepted)]
    return frame


def estimate(data: Data, item: Item) -> Estimate:
    """The item's weighted (clients) or unweighted (staff) share, or mean."""
    frame = _rows(data, item)
    values = pd.concat([frame[c] for c in item.columns], ignore_index=True)
    weights = None
    if "gewicht" in frame:
        weights = pd.concat([frame["gewicht"]] * len(item.columns), ignore_index=True)
    if item.kind in ("mean", "grade"):
        return stats.mean(pd.to_numeric(values), weights)
    return stats.share(values, item.positive, weights)


def extern(data: Data, indicator: str) -> Estimate:
    """A WGA client figure from another study, as an estimate (share + n)."""
    row = data.extern.set_index("indicator").loc[indicator]
    return Estimate.from_aggregate(float(row["waarde"]), int(row["n"]))


def survey_figures(data: Data) -> dict[str, Estimate]:
    """Every survey share and mean of the chapter by id (incl. bevindingen aliases and the WGA
    client figures from other studies)."""
    if "figures" not in data._cache:
        out = {kid: estimate(data, item) for kid, item in ITEMS.items()}
        out.update({alias: out[kid] for alias, kid in ALIASES.items()})
        out.update({kid: extern(data, ind) for kid, ind in EXTERN_FINDINGS.items()})
        data._cache["figures"] = out
    return data._cache["figures"]


def compare(data: Data, a: str, b: str) -> Comparison:
    """Compare two registered shares (or two marks) with the appropriate test."""
    figs = survey_figures(data)
    if figs[a].kind == "mean":
        return stats.compare_means(figs[a], figs[b])
    return stats.compare_shares(figs[a], figs[b])


def caseload_contrast(data: Data, column: str, positive, group: str | tuple[str, ...]) -> Comparison:
    """Among staff with ``group`` (one or more client groups) in the caseload: a large caseload
    (above the threshold) against the rest, for the share of ``positive`` in ``column``
    (``column`` may name a per-group item without suffix: then the group's own answers count)."""
    groups = (group,) if isinstance(group, str) else group
    parts = {True: [], False: []}
    for g in groups:
        staff = data.mdw[data.mdw[f"caseload_{g}"] == "ja"]
        col = f"{column}_{g}" if f"{column}_{g}" in staff else column
        big = staff["caseload"] > CASELOAD_THRESHOLD
        parts[True].append(staff.loc[big, col])
        parts[False].append(staff.loc[~big, col])
    big_est = stats.share(pd.concat(parts[True]), positive)
    small_est = stats.share(pd.concat(parts[False]), positive)
    return stats.compare_shares(big_est, small_est)


def working_contrast(data: Data, item_column: str, positive, regeling: str) -> Comparison:
    """Clients of one regeling: working next to the benefit against not working."""
    frame = data.klanten[data.klanten["regeling"] == regeling]
    work = frame["werkend"] == "ja"
    return stats.compare_shares(stats.share(frame.loc[work, item_column], positive, frame.loc[work, "gewicht"]),
                                stats.share(frame.loc[~work, item_column], positive, frame.loc[~work, "gewicht"]))


# --------------------------------------------------------------------------- Tabel 3


def tabel_3(data: Data) -> pd.DataFrame:
    """Tabel 3 as numbers: per regeling the total and the sex and age shares (exact counts)."""
    pop = data.populatie.set_index(["regeling", "kenmerk", "categorie"])["aantal"]
    rows = []
    for regeling, label in REGELINGEN.items():
        total = int(pop[(regeling, "totaal", "totaal")])
        row = {"regeling": label, "totaal": total,
               "man": pop[(regeling, "geslacht", "man")] / total, "vrouw": pop[(regeling, "geslacht", "vrouw")] / total}
        row.update({age: pop[(regeling, "leeftijd", age)] / total for age in TABEL_3_AGES})
        rows.append(row)
    return pd.DataFrame(rows)


def tabel_3_display(data: Data) -> pd.DataFrame:
    """Tabel 3 as printed: totals with a thousands point, shares in whole percents."""
    t = tabel_3(data)
    shown = pd.DataFrame({"Regeling": t["regeling"], "Totaal aantal": t["totaal"].map(fmt.number),
                          "Mannen": t["man"].map(fmt.pct), "Vrouwen": t["vrouw"].map(fmt.pct)})
    for age, label in TABEL_3_AGES.items():
        shown[label] = t[age].map(fmt.pct)
    return shown


# --------------------------------------------------------------------------- Tabel 4


def tabel_4(data: Data) -> pd.DataFrame:
    """Tabel 4 as numbers: per barrier, level and client group the share of staff (with that group
    in their caseload) and n. The SMZ waiting times are not asked for WW (n.v.t.: NaN, n 0)."""
    rows = []
    for item, label in TABEL_4_ROWS.items():
        for level in TABEL_4_LEVELS:
            for g in GROUPS:
                col = f"{item}_{g}"
                if col not in data.mdw:
                    rows.append({"belemmering": label, "mate": level, "groep": g, "aandeel": np.nan, "n": 0})
                    continue
                est = stats.share(data.mdw[col], (level,))
                rows.append({"belemmering": label, "mate": level, "groep": g, "aandeel": est.value, "n": est.n})
    return pd.DataFrame(rows)


def tabel_4_display(data: Data) -> pd.DataFrame:
    """Tabel 4 as printed: a row per barrier, a column per level × client group."""
    t = tabel_4(data)
    shown = {"Belemmering": list(TABEL_4_ROWS.values())}
    for level, level_label in TABEL_4_LEVELS.items():
        for g in GROUPS:
            cells = t[(t["mate"] == level) & (t["groep"] == g)]
            shown[f"{level_label} {GROUP_LABELS[g]}"] = [
                "n.v.t." if n == 0 else (sdc.SUPPRESSED_MARK if n < data.threshold else fmt.pct(v))
                for v, n in zip(cells["aandeel"], cells["n"])]
    return pd.DataFrame(shown)


def group_n(data: Data) -> dict[str, int]:
    """Staff with each client group in their caseload."""
    return {g: int((data.mdw[f"caseload_{g}"] == "ja").sum()) for g in GROUPS}


# --------------------------------------------------------------------------- figure frames


def _rows_frame(rows: list[dict], threshold: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="n", threshold=threshold, value_cols=("aandeel",))


KLANTEN, MEDEWERKERS = "Klanten", "Medewerkers"


def figuur_8(data: Data) -> pd.DataFrame:
    """Influence of the client: clients with agreements who had enough influence (WW, Wajong)
    and staff for whom the client's preferences are strongly decisive (WW, Wajong, WGA)."""
    f = survey_figures(data)
    rows = [{"regeling": "WW", "bron": KLANTEN, "id": "invloed_ww_klant"},
            {"regeling": "Wajong", "bron": KLANTEN, "id": "invloed_wajong_klant"},
            {"regeling": "WW", "bron": MEDEWERKERS, "id": "voorkeuren_sterk_ww_mdw"},
            {"regeling": "Wajong", "bron": MEDEWERKERS, "id": "voorkeuren_sterk_wajong_mdw"},
            {"regeling": "WGA", "bron": MEDEWERKERS, "id": "klantvoorkeuren_sterk_bepalend_wga_mdw"}]
    return _rows_frame([{**{k: v for k, v in r.items() if k != "id"}, "aandeel": f[r["id"]].value,
                         "n": f[r["id"]].n} for r in rows], data.threshold)


def figuur_9(data: Data) -> pd.DataFrame:
    """Mean mark for the collaboration with the werkgeversdienstverlening, per caseload group and in total."""
    f = survey_figures(data)
    rows = [{"groep": f"Medewerkers met {GROUP_LABELS[g]} in caseload", "cijfer": f[f"cijfer_werkgeversdv_{g}"].value,
             "n": f[f"cijfer_werkgeversdv_{g}"].n} for g in GROUPS]
    total = f["rapportcijfer_samenwerking_werkgeversdv"]
    rows.append({"groep": "Alle medewerkers", "cijfer": total.value, "n": total.n})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("cijfer",))


FIGUUR_10 = {"geinformeerd": "Klanten zijn goed geïnformeerd over de ondersteuningsmogelijkheden",
             "brieven": "Brieven van UWV zijn voldoende duidelijk voor klanten"}


def figuur_10(data: Data) -> pd.DataFrame:
    """Staff agreeing that clients are well informed and that UWV's letters are clear, per client group."""
    rows = []
    for item, label in FIGUUR_10.items():
        for g in GROUPS:
            est = stats.share(data.mdw[f"{item}_{g}"], AGREE)
            rows.append({"stelling": label, "groep": GROUP_LABELS[g], "aandeel": est.value, "n": est.n})
    return _rows_frame(rows, data.threshold)


def figuur_11(data: Data) -> pd.DataFrame:
    """Staff with each kind of client in view to a fair or strong degree, per caseload group."""
    rows = []
    for item, label in IN_BEELD.items():
        for g in GROUPS:
            staff = data.mdw[data.mdw[f"caseload_{g}"] == "ja"]
            est = stats.share(staff[item], IN_VIEW)
            rows.append({"klantgroep": label, "groep": GROUP_LABELS[g], "aandeel": est.value, "n": est.n})
    return _rows_frame(rows, data.threshold)


def figuur_12(data: Data) -> pd.DataFrame:
    """Help raises the chance of work: clients (WW kansrijk/kansarm, Wajong) against staff (per
    client group). WGA clients were not asked (not in the 2020 survey)."""
    f = survey_figures(data)
    rows = []
    for key, label in KANS_GROUPS.items():
        client = f"klant_hulp_vergroot_kans_{key}"
        if client in f:
            rows.append({"klantgroep": label, "bron": KLANTEN, "aandeel": f[client].value, "n": f[client].n})
        staff = f[f"kans_werk_{key}_mdw"]
        rows.append({"klantgroep": label, "bron": MEDEWERKERS, "aandeel": staff.value, "n": staff.n})
    return _rows_frame(rows, data.threshold)


def figuur_13(data: Data) -> pd.DataFrame:
    """Rights and duties are clear: clients (WW, Wajong; WGA from SEO) against staff per client group."""
    f = survey_figures(data)
    wga = extern(data, "rechten_plichten_duidelijk")
    rows = [{"regeling": "WW", "bron": KLANTEN, "aandeel": f["rechten_plichten_duidelijk_ww"].value,
             "n": f["rechten_plichten_duidelijk_ww"].n},
            {"regeling": "Wajong", "bron": KLANTEN, "aandeel": f["rechten_plichten_duidelijk_wga_wajong"].value,
             "n": f["rechten_plichten_duidelijk_wga_wajong"].n},
            {"regeling": "WGA", "bron": f"{KLANTEN} (SEO)", "aandeel": wga.value, "n": wga.n}]
    rows += [{"regeling": GROUP_LABELS[g], "bron": MEDEWERKERS, "aandeel": f[f"rechten_plichten_{g}_mdw"].value,
              "n": f[f"rechten_plichten_{g}_mdw"].n} for g in GROUPS]
    frame = _rows_frame(rows, data.threshold)
    frame["bron"] = frame["bron"].replace({f"{KLANTEN} (SEO)": KLANTEN})
    return frame


WERKDRUK_ORDER = ("In sterke mate", "In enige mate", "Geenszins")


def figuur_14(data: Data) -> pd.DataFrame:
    """To what degree registration duties and the caseload cause work pressure (answer distribution)."""
    labels = {"sterk": WERKDRUK_ORDER[0], "enig": WERKDRUK_ORDER[1], "geen": WERKDRUK_ORDER[2]}
    dist = stats.answer_distribution(data.mdw, WERKDRUK, order=list(labels), labels=labels)
    return sdc.suppress(dist, n_col="n", threshold=data.threshold, value_cols=("aandeel",))


# --------------------------------------------------------------------------- key figures


def tabel_3_figures(data: Data) -> dict[str, float | int]:
    """The Tabel 3 numbers the text and the reference name."""
    t = tabel_3(data).set_index("regeling")
    return {
        "populatie_wia_april_2022": int(t.loc["WIA", "totaal"]),
        "populatie_wajong_april_2022": int(t.loc["Wajong", "totaal"]),
        "populatie_ww_april_2022": int(t.loc["WW", "totaal"]),
        "aandeel_vrouwen_wia": float(t.loc["WIA", "vrouw"]),
        "aandeel_onder35_wajong": float(t.loc["Wajong", "tot_35"]),
        "aandeel_boven54_wia": float(t.loc["WIA", "55_plus"]),
    }


def register_all(data: Data) -> tuple[keyfigures.Register, dict[str, Estimate]]:
    """Register every figure the chapter's text relies on; returns the register and the
    estimates by id (for the prose)."""
    reg = keyfigures.Register("uwv", data.edition.edition, threshold=data.threshold)
    figures = survey_figures(data)
    for kid, item in ITEMS.items():
        unit = "grade" if item.kind == "grade" else None
        reg.add(kid, figures[kid], label=item.label, source=item.source, section=item.section, unit=unit)
    for kid, ind in EXTERN_FINDINGS.items():
        reg.add(kid, figures[kid], label=f"WGA (ander onderzoek): {ind}", source=SOURCE_EXTERN)
    for kid, value in tabel_3_figures(data).items():
        reg.add(kid, value, label=kid.replace("_", " "), source=SOURCE_POP, unit=None if isinstance(value, int)
                else "share", figure="tabel_3", section="3.2")
    reg.add("n_klanten_enquete_2020", len(data.klanten), label="Respondenten klantenquête", source=SOURCE_KLANTEN)
    reg.add("n_medewerkers_enquete_2021", len(data.mdw), label="Respondenten medewerkersenquête", source=SOURCE_MDW)
    return reg, figures


# --------------------------------------------------------------------------- cited figures

# Numbers the chapter cites from the interviews and from other documents (not from its data
# sources); kept here, in one place, with where they come from, and formatted by the notebook.
CITED = {
    "n_interviews": (20, "interviews met medewerkers WERKbedrijf, najaar 2021"),
    "seo_wga_jaren_min": (2, "SEO Economisch Onderzoek (2020): WGA'ers 2 tot 4 jaar in de uitkering"),
    "seo_wga_jaren_max": (4, "idem"),
    "wachttijd_smz_max_maanden": (8, "interviews: wachttijden sociaal-medische beoordeling"),
    "wachttijd_herbeoordeling_min_maanden": (6, "interviews: wachten op herbeoordeling"),
    "extra_scholingsmedewerkers_2021": (35, "UWV, evaluatie scholing WW (2021)"),
    "scholingsadviseurs_feb_2022": (120, "UWV, viermaandenverslag 2022"),
    "jobcoaching_min_contract_maanden": (6, "regels jobcoaching UWV"),
    "jobcoaching_min_uren": (12, "regels jobcoaching UWV"),
    "jobcoaching_min_loonwaarde": (0.35, "regels jobcoaching UWV (deel van het wettelijk minimumloon)"),
    "wajong_geplaatst_q3_2019_jaar_later_werk": (0.60, "UWV, Duurzaamheid van werk binnen de banenafspraken 2019-2020"),
    "jobcoach_wajong_2021": (16300, "UWV, Kwantitatieve informatie 2021"),
    "jobcoach_wga_2021": (1800, "UWV, Kwantitatieve informatie 2021"),
    "norm_gesprek_wga_min": (1, "norm SZW, UWV Jaarverslag 2020"),
    "norm_gesprek_wga_gem": (1.8, "norm SZW, UWV Jaarverslag 2020"),
    "effect_persoonlijke_dv_ww": (0.02, "SEO Economisch Onderzoek (2021), effect persoonlijke dienstverlening WW"),
    "klantgesprekken_per_dag_min": (2, "interviews: klantgesprekken per werkdag"),
    "klantgesprekken_per_dag_max": (4, "interviews: klantgesprekken per werkdag"),
}


def cited(key: str) -> float | int:
    """A figure the chapter cites from another document (see :data:`CITED`)."""
    return CITED[key][0]
