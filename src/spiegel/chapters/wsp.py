"""Chapter 4, regionale werkgeversdienstverlening: every computation behind the chapter.

The notebook ``notebooks/04_wsp.ipynb`` tells the story; this module counts what it tells. The
units are the 35 arbeidsmarktregio's, so figures are exact counts of regions (k of n), not
estimates: no weights, no confidence intervals, no significance tests (a full count), and no
disclosure suppression (regions are not persons). Key-figure ids equal the finding ids of the
published 2022 figures.

Readings of the 2022 text's inconsistencies (shared/reference/README.md), also in the tests:
- 4.1 "vijftig regio's": there are 35 arbeidsmarktregio's.
- Three regions are functionally separated (Figuur 15); only one of them has no joint point and
  answered in part, so the survey counts are of 34 regions.
- Tabel 5 over the text: one region will not introduce one phone number, two no single e-mail.
- Figuur 21: n = 33; "de helft" of the text is read as sixteen of those 33.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spiegel import keyfigures, stats
from spiegel.chapters.common import AGREE, LIKERT_LABELS, LIKERT_ORDER, ChapterData
from spiegel.io import read_source
from spiegel.params import Edition

SOURCE, META = "wsp_regios", "wsp_regio_metadata"
ALL = "alle"  # base: all 35 regions (otherwise: the regions that answered in full)

ORGANISATIE = {
    "regionaal": "Eén regionaal werkgeversservicepunt",
    "regionaal_en_subregionaal": "Regionaal punt én subregionale punten",
    "subregionaal": "Meerdere subregionale werkgeversservicepunten",
    "gescheiden": "Gemeenten en UWV functioneel gescheiden",
}
TABEL_5_COLUMNS = {
    "vindbaar_aanspreekpunt": "Eén aanspreekpunt en naam",
    "vindbaar_telefoon": "Eén telefoon nummer",
    "vindbaar_website": "Eén website",
    "vindbaar_email": "Eén emailadres",
}
TABEL_5_ROWS = {
    "ingevoerd": "Ingevoerd",
    "bezig": "Bezig met invoering",
    "op_termijn": "Wordt op termijn ingevoerd",
    "niet": "Wordt niet ingevoerd",
}
PARTNERS = {
    "sam_onderwijs": "Onderwijs- en scholingsinstellingen",
    "sam_wzd_gemeenten": "Werkzoekendendienstverlening gemeenten",
    "sam_wzd_uwv": "Werkzoekendendienstverlening UWV",
    "sam_economie": "Gemeentelijk domein economie",
    "sam_werkgeversorganisaties": "Werkgeversorganisaties",
    "sam_leerwerk_sw": "Leerwerk- en SW-bedrijven",
    "sam_leerwerkloket": "Leerwerkloket",
    "sam_private_bemiddelaars": "Private arbeidsbemiddelaars",
    "sam_re_integratiebedrijven": "Re-integratiebedrijven",
}
INTENSITY_ORDER = ("intensief", "regelmatig", "incidenteel", "niet", "weet_niet")
INTENSITY_LABELS = {"intensief": "Intensief", "regelmatig": "Regelmatig", "incidenteel": "Incidenteel",
                    "niet": "Geen samenwerking", "weet_niet": "Weet niet"}
SERVICES = {
    "prio_corona": "Voorlichting en advies over coronasteunmaatregelen",
    "prio_matching": "Matching van kandidaten op vacatures",
    "prio_instrumenten": "Voorlichting en advies over instrumenten en voorzieningen",
    "prio_bijeenkomsten": "Bijeenkomsten van werkgevers en werkzoekenden",
    "prio_arbeidsbeperking": "Advies over het inschakelen van mensen met een arbeidsbeperking",
    "prio_arbeidsmarktinfo": "Informatie over de regionale arbeidsmarkt",
    "prio_sroi": "Voorlichting en advies over social return (SROI)",
    "prio_nieuwe_functies": "Advies over het creëren van nieuwe functies",
}
BASISPAKKET = ("prio_matching", "prio_instrumenten", "prio_arbeidsbeperking", "prio_arbeidsmarktinfo")
PRIORITY_ORDER = ("hoog", "gemiddeld", "laag", "geen")
PRIORITY_LABELS = {"hoog": "Hoge prioriteit", "gemiddeld": "Gemiddelde prioriteit", "laag": "Lage prioriteit",
                   "geen": "Geen prioriteit"}
MARKET = {
    "mp_onderhoud_contacten": "We steken veel energie in het onderhouden van bestaande werkgeverscontacten",
    "mp_nieuwe_contacten": "We steken veel energie in het opbouwen van nieuwe werkgeverscontacten",
    "mp_kennis_werkgevers": "We hebben voldoende kennis van de regionale werkgevers en hun behoeften",
    "mp_positie_verbeterd": "Onze positie in de regionale vacaturemarkt is de laatste jaren verbeterd",
    "mp_bekendheid_verbeterd": "Onze bekendheid onder werkgevers is de laatste jaren verbeterd",
    "mp_bekendheid_voldoende": "De algemene bekendheid van het werkgeversservicepunt is voldoende",
}
SUPPLY = {
    "ab_voldoende_werkzoekenden": "Er staan voldoende werkzoekenden ingeschreven",
    "ab_werkfit": "De ingeschreven werkzoekenden zijn werkfit",
    "ab_kwalificaties": "De ingeschreven werkzoekenden hebben de gevraagde beroepskwalificaties",
}
PUTTEN = {"ja": "Ja, uit beide", "nee": "Nee, alleen uit het eigen aanbod"}
OORDEEL_WZD = {"zeer_goed": "Zeer goed", "goed": "Goed", "neutraal": "Neutraal", "slecht": "Slecht",
               "zeer_slecht": "Zeer slecht", "geen_beeld": "Geen beeld"}
HARMONISATIE = {
    "alle_volledig": "Alle gemeenten volledig",
    "alle_gedeeltelijk": "Alle gemeenten gedeeltelijk",
    "deel_gemeenten": "Een deel van de gemeenten",
    "geen": "Niet geharmoniseerd",
}
SCORES = {"helemaal_eens": 5, "eens": 4, "neutraal": 3, "oneens": 2, "helemaal_oneens": 1}


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once."""

    edition: Edition
    regios: pd.DataFrame
    meta: pd.DataFrame

    @property
    def survey(self) -> pd.DataFrame:
        """The regions that answered the survey in full (the report's base of 34)."""
        return self.regios[self.regios["enquete"] == "volledig"]

    def frame(self, base: str | None = None) -> pd.DataFrame:
        return self.regios if base == ALL else self.survey


def load(edition: Edition) -> Data:
    """Read the region survey and the region metadata."""
    return Data(edition=edition, regios=read_source(edition, SOURCE), meta=read_source(edition, META))


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class Count:
    """``k`` of ``n`` regions."""

    k: int
    n: int

    @property
    def share(self) -> float:
        return self.k / self.n if self.n else float("nan")


@dataclass(frozen=True)
class Item:
    """One count of the chapter: regions whose ``column`` is in ``codes``, among those that
    answered it (and, with ``among``, only among regions whose other column is in given codes)."""

    id: str
    label: str
    column: str
    codes: tuple
    among: tuple = ()  # ((column, codes), ...)
    base: str | None = None
    section: str = ""
    figure: str | None = None
    share: bool = False  # register as a share (the text says "alle", "bijna alle", "de helft")


def count(data: Data, column: str, codes, among=(), base: str | None = None) -> Count:
    """Regions answering ``column`` with one of ``codes`` (k) among those that answered it (n)."""
    frame = data.frame(base)
    for col, values in among:
        frame = frame[frame[col].isin(values)]
    answered = frame[column].dropna()
    return Count(int(answered.isin(list(codes)).sum()), int(answered.size))


def _items() -> list[Item]:
    yes = ("ja",)
    users = (("arbeidsmarktanalyse", ("ja", "in_voorbereiding")),)
    with_plan = (("marktbewerkingsplan", yes),)
    separated = (("organisatie_wsp", ("gescheiden",)),)
    return [
        # 4.3.1 Vormgeving
        Item("regio_een_regionaal_wsp", "Eén regionaal werkgeversservicepunt", "organisatie_wsp",
             ("regionaal", "regionaal_en_subregionaal"), base=ALL, section="4.3.1", figure="figuur_15"),
        Item("regio_regionaal_plus_subregionaal_wsp", "Regionaal punt met subregionale punten", "organisatie_wsp",
             ("regionaal_en_subregionaal",), base=ALL, section="4.3.1", figure="figuur_15"),
        Item("regio_meerdere_subregionale_wsp", "Meerdere subregionale punten", "organisatie_wsp", ("subregionaal",),
             base=ALL, section="4.3.1", figure="figuur_15"),
        Item("regio_functioneel_gescheiden", "Gemeenten en UWV functioneel gescheiden", "organisatie_wsp",
             ("gescheiden",), base=ALL, section="4.3.1", figure="figuur_15"),
        Item("regio_basis_enquete_overzichten", "Regio's die de enquête volledig invulden", "enquete",
             ("volledig",), base=ALL, section="4.3.1"),
        Item("regio_andere_orgs_in_wsp", "Andere organisaties in het WSP", "andere_organisaties_wsp", yes,
             section="4.3.1"),
        Item("regio_leerwerk_sw_bedrijven_in_wsp", "Leerwerk- en SW-bedrijven in het WSP", "leerwerk_sw_in_wsp", yes,
             section="4.3.1"),
        Item("regio_leerwerkloket_in_wsp", "Leerwerkloket in het WSP", "leerwerkloket_in_wsp", yes, section="4.3.1"),
        Item("regio_onderwijs_private_bemiddelaars_in_wsp", "Onderwijs en private bemiddelaars in het WSP",
             "onderwijs_private_in_wsp", yes, section="4.3.1"),
        *[Item(f"tabel5_{col.removeprefix('vindbaar_')}_ingevoerd", f"{label}: ingevoerd", col, ("ingevoerd",),
               section="4.3.1", figure="tabel_5") for col, label in TABEL_5_COLUMNS.items()],
        Item("tabel5_telefoon_niet_ingevoerd", "Eén telefoonnummer: wordt niet ingevoerd", "vindbaar_telefoon",
             ("niet",), section="4.3.1", figure="tabel_5"),
        Item("tabel5_email_niet_ingevoerd", "Eén e-mailadres: wordt niet ingevoerd", "vindbaar_email", ("niet",),
             section="4.3.1", figure="tabel_5"),
        # Reading: Tabel 5 (two regions without one e-mail address; one of them also without one phone number).
        Item("regio_niet_van_plan_een_telefoon_email", "Niet van plan één e-mailadres in te voeren", "vindbaar_email",
             ("niet",), section="4.3.1", figure="tabel_5"),
        # 4.3.2 Aansturing
        Item("uwv_betrokken_aansturing_alle", "UWV betrokken bij de aansturing", "uwv_in_aansturing", yes,
             section="4.3.2", share=True),
        Item("regie_centrumgemeente_conform_suwi", "Centrumgemeente voert de regie", "regie", ("centrumgemeente",),
             section="4.3.2"),
        Item("regie_centrumgemeente_in_gremium", "Centrumgemeente in het regievoerende gremium", "regie",
             ("centrumgemeente_in_gremium",), section="4.3.2"),
        Item("regie_centrumgemeente_niet", "Centrumgemeente voert niet de regie", "regie", ("andere_regievoerder",),
             section="4.3.2"),
        Item("aansturing_gezamenlijk_mt", "Gezamenlijk managementteam", "aansturing", ("gezamenlijk_mt",),
             section="4.3.2"),
        Item("aansturing_eigen_organisatie", "Aansturing door managers van de eigen organisatie", "aansturing",
             ("eigen_organisatie",), section="4.3.2"),
        Item("aansturing_projectleider", "Afstemming door een projectleider of coördinator", "aansturing",
             ("projectleider",), section="4.3.2"),
        Item("aansturing_projectleider_naar_mt", "Gezamenlijk managementteam gepland", "aansturing_plan_gezamenlijk_mt",
             yes, among=(("aansturing", ("projectleider",)),), section="4.3.2"),
        # 4.3.3 Planmatig werken
        Item("arbeidsmarktanalyse_ja", "Dienstverlening gebaseerd op een arbeidsmarktanalyse", "arbeidsmarktanalyse",
             yes, section="4.3.3"),
        Item("arbeidsmarktanalyse_nee", "Geen arbeidsmarktanalyse gemaakt", "arbeidsmarktanalyse",
             ("nee", "in_voorbereiding"), section="4.3.3"),
        Item("arbeidsmarktanalyse_in_voorbereiding", "Arbeidsmarktanalyse in voorbereiding", "arbeidsmarktanalyse",
             ("in_voorbereiding",), among=(("arbeidsmarktanalyse", ("nee", "in_voorbereiding")),), section="4.3.3"),
        Item("analyse_gebruikers_totaal", "Regio's die een arbeidsmarktanalyse (gaan) gebruiken",
             "arbeidsmarktanalyse", ("ja", "in_voorbereiding"), section="4.3.3"),
        Item("bron_regio_in_beeld", "Bron: Regio in beeld", "bron_regio_in_beeld", yes, among=users, section="4.3.3"),
        Item("bron_gesprekken_werkgevers", "Bron: gesprekken met werkgevers", "bron_gesprekken_werkgevers", yes,
             among=users, section="4.3.3"),
        Item("bron_factsheets_banenafspraak", "Bron: UWV-factsheets Banenafspraak", "bron_factsheets_banenafspraak",
             yes, among=users, section="4.3.3"),
        Item("doelstellingen_alle_diensten", "Doelstellingen voor alle diensten", "doelstellingen", ("alle_diensten",),
             section="4.3.3"),
        Item("doelstellingen_deel_diensten", "Doelstellingen voor een deel van de diensten", "doelstellingen",
             ("deel_diensten",), section="4.3.3"),
        Item("uitvoeringsplan_vastgesteld", "Uitvoeringsplan vastgesteld", "uitvoeringsplan", ("vastgesteld",),
             section="4.3.3"),
        Item("uitvoeringsplan_gereed", "Uitvoeringsplan gereed", "uitvoeringsplan", ("gereed",), section="4.3.3"),
        Item("uitvoeringsplan_in_de_maak", "Uitvoeringsplan in de maak", "uitvoeringsplan", ("in_de_maak",),
             section="4.3.3"),
        Item("marktbewerkingsplan_aanwezig", "Marktbewerkingsplan aanwezig", "marktbewerkingsplan", yes,
             section="4.3.3"),
        Item("marktbewerkingsplan_deelregios", "Afzonderlijke plannen per deelregio", "mbp_deelregios", yes,
             among=with_plan, section="4.3.3"),
        Item("marktbewerkingsplan_2021", "Meest recente plan van 2021", "mbp_jaar", (2021,), among=with_plan,
             section="4.3.3"),
        Item("wto_programmaraad_alle", "Werkgeverstevredenheid met het instrument van de Programmaraad",
             "wto_programmaraad", yes, section="4.3.3", share=True),
        Item("wto_voorheen_jaarlijks", "Voorheen jaarlijks tevredenheidsonderzoek", "wto_voorheen", ("jaarlijks",),
             section="4.3.3"),
        Item("wto_voorheen_onregelmatig", "Voorheen onregelmatig tevredenheidsonderzoek", "wto_voorheen",
             ("onregelmatig",), section="4.3.3"),
        # 4.4 Samenwerking in het WSP
        Item("samenwerking_wsp_zeer_goed_goed", "Samenwerking in het WSP (zeer) goed", "samenwerking_wsp",
             ("zeer_goed", "goed"), section="4.4"),
        Item("samenwerking_wsp_neutraal", "Samenwerking in het WSP goed noch slecht", "samenwerking_wsp",
             ("neutraal",), section="4.4"),
        Item("samenwerking_bijna_alle_verbeterd", "Samenwerking (sterk) verbeterd", "samenwerking_trend",
             ("sterk_verbeterd", "verbeterd"), section="4.4", share=True),
        Item("samenwerking_verbeterd", "Samenwerking verbeterd", "samenwerking_trend", ("verbeterd",), section="4.4"),
        Item("samenwerking_sterk_verbeterd", "Samenwerking sterk verbeterd", "samenwerking_trend",
             ("sterk_verbeterd",), section="4.4"),
        Item("samenwerking_gelijk_gebleven", "Samenwerking verslechterd noch verbeterd", "samenwerking_trend",
             ("gelijk",), section="4.4"),
        Item("functioneel_gescheiden_regios", "Functioneel gescheiden regio's", "organisatie_wsp", ("gescheiden",),
             base=ALL, section="4.4"),
        Item("functioneel_gescheiden_nauwere_samenwerking", "Gescheiden regio die nauwer wil samenwerken",
             "gescheiden_visie", ("nauwere_samenwerking",), among=separated, base=ALL, section="4.4"),
        Item("functioneel_gescheiden_suwi_knelt", "Gescheiden regio's die SUWI als knellend ervaren",
             "gescheiden_visie", ("suwi_knelt",), among=separated, base=ALL, section="4.4"),
        Item("functioneel_gescheiden_werkgevers_voorkeur", "Werkgevers geven ook de voorkeur aan gescheiden punten",
             "gescheiden_werkgevers_voorkeur", yes, among=(("gescheiden_visie", ("suwi_knelt",)),), base=ALL,
             section="4.4"),
        # 4.5 - 4.9
        Item("aanvullende_partner_provincie", "Ontbrekende partner: de provincie", "ontbrekende_partner",
             ("provincie",), section="4.5"),
        Item("aanvullende_partner_andere_regios", "Ontbrekende partner: andere arbeidsmarktregio's",
             "ontbrekende_partner", ("andere_regios",), section="4.5"),
        Item("cursus_strategisch_partnerschap", "Alle adviseurs volgden de cursus strategisch partnerschap",
             "cursus_strategisch_partnerschap", ("alle",), section="4.6"),
        Item("algemene_bekendheid_voldoende", "Eens: algemene bekendheid is voldoende", "mp_bekendheid_voldoende",
             AGREE, section="4.6", figure="figuur_18"),
        Item("brede_doelgroep_alle", "Werkgeversdienstverlening voor de brede doelgroep", "brede_doelgroep", yes,
             section="4.7", share=True),
        Item("toegang_elkaars_vacatures", "Toegang tot elkaars vacatures", "toegang_vacatures", yes, section="4.7"),
        Item("alleen_eigen_aanbod", "Adviseurs putten alleen uit het eigen aanbod", "putten_beide", ("nee",),
             section="4.7", figure="figuur_20"),
        Item("samenwerking_wzd_goed_helft", "Samenwerking met werkzoekendendienstverlening (zeer) goed",
             "samenwerking_wzd", ("zeer_goed", "goed"), section="4.8", figure="figuur_21", share=True),
        Item("samenwerking_wzd_zeer_goed", "Samenwerking met werkzoekendendienstverlening zeer goed",
             "samenwerking_wzd", ("zeer_goed",), section="4.8", figure="figuur_21"),
        Item("samenwerking_wzd_neutraal_slecht_geen_beeld", "Samenwerking neutraal tot slecht of geen beeld",
             "samenwerking_wzd", ("neutraal", "slecht", "zeer_slecht", "geen_beeld"), section="4.8",
             figure="figuur_21", share=True),
        Item("harmonisatie_alle_gemeenten_deels", "Alle gemeenten harmoniseerden (deels)", "harmonisatie_gemeenten",
             ("alle_volledig", "alle_gedeeltelijk"), section="4.9", figure="figuur_22"),
        Item("harmonisatie_volledig", "Volledige harmonisatie", "harmonisatie_gemeenten", ("alle_volledig",),
             section="4.9", figure="figuur_22"),
        Item("harmonisatie_gemeenten_uwv", "Instrumenten van gemeenten en UWV geharmoniseerd", "harmonisatie_uwv", yes,
             section="4.9"),
    ]


ITEMS: dict[str, Item] = {item.id: item for item in _items()}


def counts(data: Data) -> dict[str, Count]:
    """Every count of the chapter, by id."""
    return {i.id: count(data, i.column, i.codes, i.among, i.base) for i in ITEMS.values()}


def gemeenten_per_regio(data: Data) -> float:
    """Average number of gemeenten (and so of wethouders for work) per region."""
    return float(data.meta["aantal_gemeenten"].mean())


def oldest_plan_year(data: Data) -> int:
    """The year of the oldest most-recent marktbewerkingsplan."""
    return int(data.survey["mbp_jaar"].min())


def n_regions(data: Data) -> int:
    """The number of arbeidsmarktregio's (metadata)."""
    return len(data.meta)


# --------------------------------------------------------------------------- tables and figures


def tabel_5(data: Data) -> pd.DataFrame:
    """Tabel 5 as counts: a row per implementation status plus Totaal, a column per requirement."""
    rows = []
    for code, label in TABEL_5_ROWS.items():
        rows.append({"": label, **{name: count(data, col, (code,)).k for col, name in TABEL_5_COLUMNS.items()}})
    rows.append({"": "Totaal", **{name: count(data, col, TABEL_5_ROWS).n for col, name in TABEL_5_COLUMNS.items()}})
    return pd.DataFrame(rows)


def tabel_5_display(data: Data) -> pd.DataFrame:
    """Tabel 5 as printed (counts as text)."""
    t = tabel_5(data)
    return t.astype({c: str for c in TABEL_5_COLUMNS.values()})


def category_counts(data: Data, column: str, labels: dict, base: str | None = None) -> pd.DataFrame:
    """Numbers of regions per answer of ``column``, in the order of ``labels``."""
    answers = data.frame(base)[column].dropna()
    return pd.DataFrame({"categorie": list(labels.values()),
                         "aantal": [int((answers == code).sum()) for code in labels]})


def distribution(data: Data, items: dict[str, str], order, labels: dict) -> pd.DataFrame:
    """Per statement the share and number of regions per answer (long, for stacked bars)."""
    dist = stats.answer_distribution(data.survey, items, None, order=order, labels=labels)
    dist["aantal"] = (dist["aandeel"] * dist["n"]).round().astype(int)
    return dist


def figuur_15(data: Data) -> pd.DataFrame:
    return category_counts(data, "organisatie_wsp", ORGANISATIE, base=ALL)


def figuur_16(data: Data) -> pd.DataFrame:
    return distribution(data, PARTNERS, INTENSITY_ORDER, INTENSITY_LABELS)


def figuur_17(data: Data) -> pd.DataFrame:
    return distribution(data, SERVICES, PRIORITY_ORDER, PRIORITY_LABELS)


def figuur_18(data: Data) -> pd.DataFrame:
    return distribution(data, MARKET, LIKERT_ORDER, LIKERT_LABELS)


def figuur_19(data: Data) -> pd.DataFrame:
    return distribution(data, SUPPLY, LIKERT_ORDER, LIKERT_LABELS)


def figuur_20(data: Data) -> pd.DataFrame:
    return category_counts(data, "putten_beide", PUTTEN)


def figuur_21(data: Data) -> pd.DataFrame:
    return category_counts(data, "samenwerking_wzd", OORDEEL_WZD)


def figuur_22(data: Data) -> pd.DataFrame:
    return category_counts(data, "harmonisatie_gemeenten", HARMONISATIE)


def figure_n(data: Data, columns, base: str | None = None) -> int:
    """The number of regions that answered (any of) ``columns``: the n of a figure."""
    return int(data.frame(base)[list(columns)].notna().any(axis=1).sum())


# --------------------------------------------------------------------------- phrasing helpers


def ranking(data: Data, items: dict[str, str], codes) -> list[tuple[str, int]]:
    """Items ordered by the number of regions answering one of ``codes`` (most first)."""
    ranked = [(col, count(data, col, codes).k) for col in items]
    return sorted(ranked, key=lambda x: -x[1])


def mean_score(data: Data, column: str) -> float:
    """Mean agreement (helemaal eens = 5 … helemaal oneens = 1; 'weet niet' left out)."""
    return float(data.survey[column].map(SCORES).dropna().mean())


def agreement(score: float) -> str:
    """A mean agreement score in words, as the report words it."""
    if score >= 4.0:
        return "het (meer dan) eens"
    if score >= 3.5:
        return "het bijna eens"
    if score >= 2.5:
        return "neutraal"
    return "het oneens"


# --------------------------------------------------------------------------- key figures


def register_all(data: Data) -> tuple[keyfigures.Register, dict[str, Count]]:
    """Register every figure the chapter's text relies on. Regions are not persons: the register
    has no disclosure threshold (a count of two regions is published as two)."""
    reg = keyfigures.Register("wsp", data.edition.edition, threshold=None)
    figures = counts(data)
    for kid, c in figures.items():
        item = ITEMS[kid]
        value, unit = (c.share, "share") if item.share else (c.k, "count")
        reg.add(kid, value, label=item.label, source=SOURCE, unit=unit, n=c.n, section=item.section,
                figure=item.figure)
    reg.add("aantal_arbeidsmarktregios", n_regions(data), label="Arbeidsmarktregio's", source=META)
    reg.add("wethouders_per_regio", gemeenten_per_regio(data), label="Gemeenten (wethouders) per regio",
            source=META, unit="mean", n=n_regions(data))
    for fid, columns, base in (("figuur15_n", ["organisatie_wsp"], ALL), ("figuur20_n", ["putten_beide"], None),
                               ("figuur21_n", ["samenwerking_wzd"], None),
                               ("figuur22_n", ["harmonisatie_gemeenten"], None)):
        reg.add(fid, figure_n(data, columns, base), label=f"n {fid[:-2]}", source=SOURCE)
    return reg, figures
