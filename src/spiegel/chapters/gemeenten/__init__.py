"""Chapter 2, re-integratieondersteuning gemeenten: every computation behind the chapter.

The notebook ``notebooks/02_gemeenten.ipynb`` tells the story in Markdown; this module computes
what it tells. :func:`findings` registers every number and every result the text states (survey
shares, klantmanager estimates, the tested comparisons, trends over the survey waves, register
figures and their relative changes, rankings) in a :class:`spiegel.findings.Register`; the other
functions build the aggregated frames behind Tabel 1-2 and Figuur 1-7.

What is measured lives as data in ``items.yml`` beside this file; the analysis choices (size
classes, caseload thresholds, tolerance, recovery months) in ``params/<edition>.yml`` under
``analysis: gemeenten:``. Finding ids equal the ids of the published 2022 figures where one exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from spiegel import fmt, sdc, stats
from spiegel.chapters.common import required_analysis
from spiegel.chapters.common import AGREE, LIKERT_LABELS, LIKERT_ORDER, ChapterData  # noqa: F401 - AGREE re-exported
from spiegel.chapters.gemeenten import register
from spiegel.findings import Figure, Register
from spiegel.io import read_source
from spiegel.params import Edition
from spiegel.stats import Comparison, Estimate

CHAPTER = "gemeenten"
SOURCE_KLANTEN, SOURCE_TREND, SOURCE_KM = "klanten_pw", "klanten_pw_trend", "klantmanagers_pw"
SOURCE_BIJSTAND, SOURCE_PERSONEN, SOURCE_STARTS = "cbs_bijstand", "cbs_srg_personen", "cbs_srg_starts"
PERIODS = ("voor", "na")
#: The analysis choices this chapter reads from params ``analysis: gemeenten:``.
ANALYSIS_KEYS = ("gemeentegrootte", "caseload_threshold", "caseload_top_quantile", "change_tolerance", "herstel")


@cache
def spec() -> dict[str, Any]:
    """The chapter's item definitions (``items.yml``), parsed once."""
    text = resources.files(__name__).joinpath("items.yml").read_text("utf-8")
    return yaml.safe_load(text)


def _codes(positive: Any) -> tuple:
    """Answer codes from an item's ``positive`` (a named set of ``codes`` or a list)."""
    if isinstance(positive, str):
        return tuple(spec()["codes"][positive])
    return tuple(positive)


def analysis(edition: Edition) -> dict[str, Any]:
    """The chapter's analysis choices from params; a missing one stops with the key to add."""
    return required_analysis(edition, CHAPTER, ANALYSIS_KEYS)


BREDE, DGR = spec()["samples"]["brede"], spec()["samples"]["dgr"]
LABELS: dict[str, Any] = spec()["labels"]
VOORZIENINGEN: dict[str, str] = spec()["voorzieningen"]
ARBEIDSVERMOGEN: dict[str, str] = LABELS["arbeidsvermogen"]
BEHOEFTE: dict[str, str] = LABELS["behoefte"]
BEJEGENING: dict[str, str] = LABELS["bejegening"]
MEERWAARDE: dict[str, str] = LABELS["meerwaarde"]
SAMENWERKING_KLANTEN: dict[str, str] = LABELS["samenwerking_klanten"]
SAMENWERKING_KM: dict[str, str] = LABELS["samenwerking_km"]


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once: the survey and CBS tables as pandas frames, the register
    (``personen``, ``starts``) as its Parquet files (:class:`register.ParquetTable`; a test may
    hand in changed copies as pandas frames)."""

    edition: Edition
    klanten: pd.DataFrame
    km: pd.DataFrame
    trend: pd.DataFrame
    bijstand: pd.DataFrame
    personen: register.Table
    starts: register.Table
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def sample(self, name: str) -> pd.DataFrame:
        key = ("sample", name)
        if key not in self._cache:
            self._cache[key] = self.klanten[self.klanten["steekproef"] == name]
        return self._cache[key]

    @property
    def brede(self) -> pd.DataFrame:
        return self.sample(BREDE)

    @property
    def dgr(self) -> pd.DataFrame:
        return self.sample(DGR)

    @property
    def choices(self) -> dict[str, Any]:
        return analysis(self.edition)


def derive(klanten: pd.DataFrame) -> pd.DataFrame:
    """The derived survey variables the items use (on a copy)."""
    klanten = klanten.copy()
    klanten["belemmering_any"] = np.where(
        (klanten["belemmering_gezondheid"] == "ja") | (klanten["belemmering_overig"] == "ja"), "ja", "nee")
    klanten["kan_maar_wil_niet"] = np.where(
        (klanten["arbeidsvermogen"] == "nu") & (klanten["wil_werken"] == "nee"), "ja", "nee")
    klanten["open_vraag_gereageerd"] = np.where(klanten["open_vraag_thema"].notna(), "ja", "nee")
    return klanten


def load(edition: Edition) -> Data:
    """Read every source of the chapter and add the derived survey variables. The register
    (persons and starts) stays in its Parquet files: DuckDB aggregates it there when a figure
    needs it (:mod:`.register`)."""
    analysis(edition)  # fail early, naming the params key, when a choice is missing
    return Data(
        edition=edition,
        klanten=derive(read_source(edition, SOURCE_KLANTEN)),
        km=read_source(edition, SOURCE_KM),
        trend=read_source(edition, SOURCE_TREND),
        bijstand=read_source(edition, SOURCE_BIJSTAND),
        personen=register.open_table(edition, SOURCE_PERSONEN),
        starts=register.open_table(edition, SOURCE_STARTS),
    )


# --------------------------------------------------------------------------- survey shares


@dataclass(frozen=True)
class Item:
    """One survey share: ``column`` answered ``positive`` by ``sample`` (optionally within
    respondents who gave one of the ``where`` answers on another column)."""

    id: str
    label: str
    column: str
    positive: tuple
    sample: str = BREDE
    section: str = ""
    where: tuple[tuple[str, tuple], ...] = ()
    #: The first edition whose survey asks the item (``since:`` in items.yml); earlier editions
    #: do not have it at all. None: asked from the first edition on.
    since: int | None = None

    def exists_in(self, edition: int) -> bool:
        """Whether the item belongs to ``edition``'s chapter (it is asked from then on)."""
        return self.since is None or int(edition) >= self.since

    def frame(self, data: Data, *extra: str) -> pd.DataFrame:
        """The item's respondents: its sample, within the ``where`` answers (with the item's
        columns and ``extra`` columns only)."""
        frame = data.sample(self.sample)
        wanted = list(dict.fromkeys([self.column, "gewicht", *extra, *(c for c, _ in self.where)]))
        frame = frame[wanted]
        for column, codes in self.where:
            frame = frame[frame[column].isin(codes)]
        return frame

    def share(self, frame: pd.DataFrame) -> Estimate:
        return stats.share(frame[self.column], self.positive, frame["gewicht"])


def _items() -> dict[str, Item]:
    samples = spec()["samples"]
    out = {}
    for section, items in spec()["items"].items():
        for it in items:
            out[it["id"]] = Item(
                it["id"], it["label"], it["column"], _codes(it["positive"]), samples[it.get("sample", "brede")],
                str(section), tuple((c, tuple(v)) for c, v in (it.get("where") or {}).items()), it.get("since"))
    return out


ITEMS: dict[str, Item] = _items()


def asked(data: Data, item: Item) -> bool:
    """Whether the edition's survey asked ``item``: its column (and those it is routed on) are in
    the client survey (the contract holds each edition's file to exactly its own columns)."""
    return all(c in data.klanten.columns for c in (item.column, *(c for c, _ in item.where)))


def survey_figures(data: Data) -> dict[str, Estimate]:
    """Every survey share of the chapter the edition asked, by id."""
    edition = data.edition.edition
    return {item.id: item.share(item.frame(data)) for item in ITEMS.values()
            if item.exists_in(edition) and asked(data, item)}


def _select(frame: pd.DataFrame, by: str, codes) -> pd.Series:
    return frame[by].isin(codes if isinstance(codes, (list, tuple, set)) else [codes])


def group_share(data: Data, item_id: str, by: str, group, sample: str | None = None) -> Estimate:
    """The share of an item within one group (``by`` in ``group``) of its sample."""
    item = ITEMS[item_id]
    frame = item.frame(data, by) if sample is None else data.sample(sample)
    return item.share(frame[_select(frame, by, group)])


def contrast(data: Data, item_id: str, by: str, a, b, sample: str | None = None) -> Comparison:
    """An item in group ``a`` against group ``b`` of its sample (z-test, disjoint groups)."""
    return stats.compare_shares(group_share(data, item_id, by, a, sample), group_share(data, item_id, by, b, sample))


def dgr_vs_brede(data: Data, item_id: str) -> Comparison:
    """A brede-doelgroep item in the DGR sample against the brede doelgroep (z-test)."""
    item = ITEMS[item_id]
    return stats.compare_shares(item.share(data.dgr), item.share(data.brede))


def conditional_contrast(data: Data, item_id: str, column: str, positive) -> Comparison:
    """An item for respondents who answered ``positive`` on ``column`` against those who gave
    another answer (e.g. added value among those with or without agreements)."""
    item = ITEMS[item_id]
    frame = item.frame(data, column)
    cond, answered = frame[column].isin(positive), frame[column].notna()
    return stats.compare_shares(item.share(frame[cond]), item.share(frame[answered & ~cond]))


# --------------------------------------------------------------------------- klantmanagers


def _as_share(est: Estimate) -> Estimate:
    """A mean of percentages (0-100) as a share (0-1)."""
    return replace(est, value=est.value / 100, ci_low=est.ci_low / 100, ci_high=est.ci_high / 100,
                   kind="share", se=est.se / 100)


def km_figures(data: Data) -> dict[str, Estimate]:
    """Klantmanagers: mean estimates about their caseload (as shares) and shares of answers."""
    out: dict[str, Estimate] = {}
    for it in spec()["km_means"]:
        if "complement_of" in it:
            base = out[it["complement_of"]]
            out[it["id"]] = replace(base, value=1 - base.value, ci_low=1 - base.ci_high, ci_high=1 - base.ci_low)
        else:
            out[it["id"]] = _as_share(stats.mean(data.km[it["column"]]))
    for it in spec()["km_shares"]:
        out[it["id"]] = stats.share(data.km[it["column"]], _codes(it["positive"]))
    return out


def _km_labels() -> dict[str, str]:
    return {it["id"]: it["label"] for it in spec()["km_means"] + spec()["km_shares"]}


def large_caseload(data: Data) -> pd.Series:
    """Whether each klantmanager has a large caseload (at least params' ``caseload_threshold``)."""
    return data.km["caseload"] >= int(data.choices["caseload_threshold"])


def km_spoken_by_caseload(data: Data) -> tuple[Estimate, Estimate, Comparison]:
    """Mean share of clients spoken in the past year, small against large caseloads (Welch)."""
    column = spec()["caseload"]["spoken"]["column"]
    large = large_caseload(data)
    small_est = _as_share(stats.mean(data.km.loc[~large, column]))
    large_est = _as_share(stats.mean(data.km.loc[large, column]))
    cmp = stats.compare_means(data.km.loc[~large, column], data.km.loc[large, column])
    return small_est, large_est, replace(cmp, a=small_est, b=large_est, diff=small_est.value - large_est.value)


def km_caseload_barrier_by_size(data: Data) -> Comparison:
    """Caseload felt as a strong barrier: klantmanagers with the most clients (at or above
    params' ``caseload_top_quantile`` of the caseloads) against the others (z-test)."""
    cfg = spec()["caseload"]["barrier"]
    top = data.km["caseload"] >= data.km["caseload"].quantile(float(data.choices["caseload_top_quantile"]))
    strong = _codes(cfg["positive"])
    return stats.compare_shares(stats.share(data.km.loc[top, cfg["column"]], strong),
                                stats.share(data.km.loc[~top, cfg["column"]], strong))


# --------------------------------------------------------------------------- earlier waves


def earlier_wave(data: Data, indicator: str, wave: int) -> Estimate:
    """A published share of an earlier wave as an estimate (share + n)."""
    rows = data.trend[(data.trend["indicator"] == indicator) & (data.trend["meting"] == wave)]
    if rows.empty:
        raise KeyError(f"no earlier-wave figure for {indicator} in {wave} ({SOURCE_TREND})")
    row = rows.iloc[0]
    return Estimate.from_aggregate(float(row["aandeel"]), int(row["n"]))


def current_wave(data: Data, indicator: str) -> Estimate:
    item = ITEMS[spec()["waves"][indicator]]
    return item.share(item.frame(data))


def earlier_waves(data: Data, indicator: str) -> list[int]:
    return sorted(int(w) for w in data.trend.loc[data.trend["indicator"] == indicator, "meting"])


def wave_series(data: Data, indicator: str) -> list[tuple[int, Estimate]]:
    """(wave, estimate) for every wave that measured ``indicator``, the current one last."""
    series = [(w, earlier_wave(data, indicator, w)) for w in earlier_waves(data, indicator)]
    return series + [(int(data.edition["waves"]["current"]), current_wave(data, indicator))]


def _wave(data: Data, which: str) -> int:
    earlier = [int(w) for w in data.edition["waves"]["earlier"]]
    return {"previous": max(earlier), "first": min(earlier)}[which]


# --------------------------------------------------------------------------- CBS


def tabel_1(data: Data) -> dict[str, Any]:
    """Tabel 1: total and composition of the bijstand population, as (share, persons)."""
    b = data.bijstand.set_index(["kenmerk", "categorie"])["aantal"]
    total = int(b[("totaal", "totaal")])
    cells = {"vrouwen": ("geslacht", "vrouw"), "mannen": ("geslacht", "man"), "tot_27": ("leeftijd", "tot_27"),
             "27_tot_45": ("leeftijd", "27_tot_45"), "45_plus": ("leeftijd", "45_plus"),
             "migratie": ("migratieachtergrond", "ja"), "geen_migratie": ("migratieachtergrond", "nee")}
    out: dict[str, Any] = {"aantal": total}
    out.update({key: (int(b[cell]) / total, int(b[cell])) for key, cell in cells.items()})
    return out


def _months(spec_: dict) -> pd.PeriodIndex:
    return pd.period_range(spec_["start"], spec_["end"], freq="M")


def _period_months(data: Data, period: str) -> pd.PeriodIndex:
    return _months(data.edition["periods"][period])


def _flags(data: Data) -> register.Flags:
    """Per person with a start in a period: which provisions (and whether any) started in which
    period, as bits (see :func:`register.start_flags`). Depends on the starts and the periods."""
    if "flags" not in data._cache:
        periods = {p: list(_period_months(data, p).astype(str)) for p in PERIODS}
        data._cache["flags"] = register.start_flags(data.starts, periods, list(VOORZIENINGEN))
    return data._cache["flags"]


def register_dims() -> list[str]:
    """The group columns of the persons the chapter reports on (Tabel 2, the register
    comparisons and changes), counted together in one pass over the persons."""
    cfg = spec()
    dims = [by for _, by, _ in cfg["tabel_2"]["groups"] if by]
    dims += [c["by"] for c in cfg["register_comparisons"] + cfg["register_changes"]]
    return list(dict.fromkeys(dims))


def _cells(data: Data, by: str | None) -> pd.DataFrame:
    """The persons per cell of the chapter's group columns (and ``by``, when it is another
    column) and the period memberships (see :func:`register.person_cells`)."""
    dims = register_dims() if by is None or by in register_dims() else [by]
    key = ("rates", "cells", tuple(dims))
    if key not in data._cache:
        data._cache[key] = register.person_cells(data.personen, _flags(data), dims, PERIODS)
    return data._cache[key]


def register_rates(data: Data, by: str | None = None, voorzieningen=None, *, suppress: bool = True) -> pd.DataFrame:
    """Share of the period's bijstand population with a started provision, per provision,
    period and (optionally) group ``by``. Columns: voorziening, periode, groep, personen,
    met_start, aandeel. Cells with fewer persons with a start than the disclosure threshold are
    suppressed (``suppress=False`` for the findings, which apply the threshold themselves)."""
    wanted = list(voorzieningen or VOORZIENINGEN)
    key = ("rates", by, tuple(wanted))
    if key not in data._cache:
        data._cache[key] = _rates(data, by, wanted)
    frame = data._cache[key].copy()
    if not suppress:
        return frame
    return sdc.suppress(frame, n_col="met_start", threshold=data.threshold, value_cols=("aandeel",))


def _rates(data: Data, by: str | None, wanted: list[str]) -> pd.DataFrame:
    flags, cells = _flags(data), _cells(data, by)
    rows = []
    for period in PERIODS:
        member = cells[cells[f"in_periode_{period}"].fillna(False).astype(bool)]
        counted = ["personen", *(f"bit_{flags.bits[(v, period)]}" for v in wanted)]
        if by:
            grouped = member.groupby(by, dropna=False, sort=False)
            groups = grouped[counted].sum().join(grouped["eerste"].min()).sort_values("eerste", kind="stable")
        else:
            groups = pd.DataFrame([member[counted].sum()], index=["totaal"])
        sizes = groups["personen"].to_numpy(dtype="int64")
        for v in wanted:
            counts = groups[f"bit_{flags.bits[(v, period)]}"].to_numpy(dtype="float64")
            with np.errstate(invalid="ignore"):  # a period without persons: a share of NaN
                shares = counts / sizes
            for g, size, count, share in zip(groups.index, sizes, counts, shares):
                rows.append({"voorziening": v, "periode": period, "groep": g, "personen": int(size),
                             "met_start": int(count), "aandeel": share})
    return pd.DataFrame(rows)


def tabel_2(data: Data) -> pd.DataFrame:
    """Tabel 2 as numbers: one row per provision and group, a column per period."""
    cfg = spec()["tabel_2"]
    rates = {by: register_rates(data, by, list(cfg["voorzieningen"])) for by in (None, "geslacht", "herkomst")}
    rows = []
    for v in cfg["voorzieningen"]:
        for label, by, code in cfg["groups"]:
            r = rates[by]
            r = r[(r["voorziening"] == v) & (r["groep"] == (code or "totaal"))]
            rows.append({"voorziening": VOORZIENINGEN[v], "groep": label,
                         **{p: float(r.loc[r["periode"] == p, "aandeel"].iloc[0]) for p in PERIODS}})
    return pd.DataFrame(rows)


def _monthly(data: Data) -> pd.DataFrame:
    """The number of starts per provision and month (see :func:`register.monthly_starts`)."""
    if ("starts", "monthly") not in data._cache:
        data._cache[("starts", "monthly")] = register.monthly_starts(data.starts)
    return data._cache[("starts", "monthly")]


def start_counts(data: Data, months) -> dict[str, int]:
    """Numbers of started provisions per type in ``months`` (YYYY-MM strings)."""
    monthly = _monthly(data)
    counts = monthly.loc[monthly["startmaand"].isin(list(months))].groupby("voorziening")["n"].sum()
    return {v: int(counts.get(v, 0)) for v in VOORZIENINGEN}


def figuur_3(data: Data) -> pd.DataFrame:
    """Numbers of started provisions per type, year before and year after the pandemic began."""
    rows = []
    for period in PERIODS:
        counts = start_counts(data, _period_months(data, period).astype(str))
        for v, label in VOORZIENINGEN.items():
            rows.append({"voorziening": label, "periode": data.edition["periods"][period]["label"],
                         "aantal": counts[v], "n": counts[v]})
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="n", threshold=data.threshold, value_cols=("aantal",)).drop(columns="n")


def recovery_months(data: Data) -> dict[str, pd.PeriodIndex]:
    """The months of params' ``herstel`` (after the comparison year, the same months before the
    crisis, the first crisis months), checked against the register data."""
    herstel = data.choices["herstel"]
    months = {key: _months(herstel[key]) for key in ("na", "voor", "crisis")}
    available = {str(m) for m in _monthly(data)["startmaand"].unique()}
    for key, index in months.items():
        lacking = [str(m) for m in index if str(m) not in available]
        if lacking:
            raise ValueError(f"{data.edition.path.name}: analysis.{CHAPTER}.herstel.{key} names months the register "
                             f"data ({SOURCE_STARTS}) does not cover: {', '.join(lacking)}")
    return months


# --------------------------------------------------------------------------- figure frames


def likert_frame(frame: pd.DataFrame, items: dict[str, str], threshold: int) -> pd.DataFrame:
    """Weighted answer distribution per statement (long), in the report's answer order."""
    dist = stats.answer_distribution(frame, items, "gewicht" if "gewicht" in frame else None,
                                     order=LIKERT_ORDER, labels=LIKERT_LABELS)
    return sdc.suppress(dist, n_col="n", threshold=threshold, value_cols=("aandeel",))


def figuur_1(data: Data) -> pd.DataFrame:
    """Estimated work capacity: clients' own view against klantmanagers' average estimate."""
    source = LABELS["figuur_1_bron"]
    rows = []
    for code, label in ARBEIDSVERMOGEN.items():
        est = stats.share(data.brede["arbeidsvermogen"], (code,), data.brede["gewicht"])
        rows.append({"bron": source["klanten"], "categorie": label, "aandeel": est.value, "n": est.n})
    for code, col in LABELS["km_arbeidsvermogen"].items():
        rows.append({"bron": source["klantmanagers"], "categorie": ARBEIDSVERMOGEN[code],
                     "aandeel": data.km[col].mean() / 100, "n": int(data.km[col].notna().sum())})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_2(data: Data) -> pd.DataFrame:
    """Support needs, current wave against the previous one."""
    previous, current = _wave(data, "previous"), int(data.edition["waves"]["current"])
    rows = []
    for col, label in BEHOEFTE.items():
        prev, now = earlier_wave(data, col, previous), current_wave(data, col)
        rows.append({"ondersteuning": label, "meting": str(previous), "aandeel": prev.value, "n": prev.n})
        rows.append({"ondersteuning": label, "meting": str(current), "aandeel": now.value, "n": now.n})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_5(data: Data) -> pd.DataFrame:
    """Share exempted, and of them the share with a formal beschikking: clients and klantmanagers."""
    s, k, lab = survey_figures(data), km_figures(data), LABELS["figuur_5"]
    pairs = [(lab["bron_klanten"], lab["vrijgesteld"], s["vrijgesteld_klant"]),
             (lab["bron_klanten"], lab["beschikking"], s["vrijgestelden_met_beschikking_klant"]),
             (lab["bron_km"], lab["vrijgesteld"], k["vrijgesteld_klantmanager"]),
             (lab["bron_km"], lab["beschikking"], k["vrijgestelden_met_beschikking_klantmanager"])]
    rows = [{"bron": b, "maat": m, "aandeel": e.value, "n": e.n} for b, m, e in pairs]
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_4(data: Data) -> pd.DataFrame:
    return likert_frame(data.brede, BEJEGENING, data.threshold)


def figuur_6(data: Data) -> pd.DataFrame:
    """Statements on collaboration: clients with help from other organisations, and klantmanagers."""
    prefix = LABELS["figuur_6_prefix"]
    clients = likert_frame(data.brede, SAMENWERKING_KLANTEN, data.threshold)
    clients["stelling"] = prefix["klanten"] + clients["stelling"]
    km = likert_frame(data.km, SAMENWERKING_KM, data.threshold)
    km["stelling"] = prefix["km"] + km["stelling"]
    return pd.concat([clients, km], ignore_index=True)


def figuur_7(data: Data) -> pd.DataFrame:
    return likert_frame(data.brede, MEERWAARDE, data.threshold)


def statement_n(frame: pd.DataFrame, items: dict[str, str]) -> int:
    """The number of respondents who answered the statements of a figure (the printed N)."""
    return int(frame[list(items)].notna().any(axis=1).sum())


# --------------------------------------------------------------------------- tables as shown


def tabel_1_display(data: Data) -> pd.DataFrame:
    """Tabel 1 as printed: one row, counts in thousands and shares in whole percents."""
    t, names = tabel_1(data), LABELS["tabel_1"]
    columns = {names["aantal"]: fmt.thousands(t["aantal"])}
    columns.update({names[key]: fmt.pct(t[key][0]) for key in names if key != "aantal"})
    return pd.DataFrame([columns])


def tabel_2_display(data: Data) -> pd.DataFrame:
    """Tabel 2 as printed: per provision a total row and rows per sex and origin."""
    t, periods, names = tabel_2(data), data.edition["periods"], LABELS["tabel_2_columns"]
    total = spec()["tabel_2"]["groups"][0][0]
    return pd.DataFrame({
        names["voorziening"]: np.where(t["groep"] == total, t["voorziening"], ""),
        names["groep"]: t["groep"],
        periods["voor"]["label"]: t["voor"].map(fmt.pct),
        periods["na"]["label"]: t["na"].map(fmt.pct),
    })


# --------------------------------------------------------------------------- the findings


def findings(data: Data) -> Register:
    """Register every number and result the chapter's text states."""
    ed = data.edition
    choices = data.choices
    reg = Register(CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha,
                   tolerance=float(choices["change_tolerance"]))
    _survey(reg, data)
    _klantmanagers(reg, data)
    _waves(reg, data)
    _comparisons(reg, data)
    _dgr(reg, data)
    _caseload(reg, data)
    for r in spec()["rankings"]:
        reg.ranking(r["id"], r["items"], label=r["label"], section=r["section"])
    _tabel_1(reg, data)
    register_findings(reg, data)
    return reg


def register_findings(reg: Register, data: Data) -> None:
    """Register what the text states from the CBS register: Tabel 2's totals, the group
    comparisons and changes, Figuur 3's changes and the recovery."""
    _register(reg, data)
    _starts(reg, data)


def estimates(data: Data) -> dict[str, Estimate]:
    """Every survey and klantmanager figure as an estimate (with its standard error), by id."""
    if "estimates" not in data._cache:
        data._cache["estimates"] = {**survey_figures(data), **km_figures(data)}
    return data._cache["estimates"]


def _survey(reg: Register, data: Data) -> None:
    figures = estimates(data)
    for item in ITEMS.values():
        if not item.exists_in(data.edition.edition):
            continue  # an item added in a later edition: this edition's chapter has no such finding
        if item.id in figures:
            reg.figure(item.id, figures[item.id], label=item.label, source=SOURCE_KLANTEN, section=item.section)
        else:  # dropped from this edition's survey: the text says "niet gevraagd in <year>"
            reg.not_asked(item.id, label=item.label, source=SOURCE_KLANTEN, section=item.section)
    counts = {
        "n_enquete_bijstandsgerechtigden": (len(data.klanten), "Respondenten klantenquête (incl. DGR)", "2.1"),
        "n_enquete_brede_doelgroep": (len(data.brede), "Respondenten brede doelgroep", "2.1"),
        "n_enquete_dgr": (len(data.dgr), "Respondenten doelgroepregister", "2.1"),
        "figuur4_n": (statement_n(data.brede, BEJEGENING), "Respondenten Figuur 4", "2.7"),
        "figuur7_n": (statement_n(data.brede, MEERWAARDE), "Respondenten Figuur 7", "2.11"),
        "open_vraag_reacties": (int(data.brede["open_vraag_thema"].notna().sum()), "Reacties op de open vraag", "2.7"),
    }
    for kid, (value, label, section) in counts.items():
        reg.figure(kid, int(value), n=int(value), label=label, source=SOURCE_KLANTEN, section=section)


def _klantmanagers(reg: Register, data: Data) -> None:
    labels = _km_labels()
    for kid, est in estimates(data).items():
        if kid not in labels:
            continue
        reg.figure(kid, est, label=labels[kid], source=SOURCE_KM)
    reg.figure("n_klantmanagers_vragenlijst", len(data.km), n=len(data.km), label="Klantmanagers",
               source=SOURCE_KM, section="2.1")


def _waves(reg: Register, data: Data) -> None:
    for t in spec()["trends"]:
        indicator = t["indicator"]
        waves = [(w, earlier_wave(data, indicator, w)) for w in earlier_waves(data, indicator)]
        waves.append((int(data.edition["waves"]["current"]), reg[spec()["waves"][indicator]]))
        reg.trend(t["id"], waves, label=t["label"], source=SOURCE_TREND, section=t["section"])
    for c in spec()["wave_changes"]:
        wave = _wave(data, c["wave"])
        earlier = earlier_wave(data, c["indicator"], wave)
        item_id = spec()["waves"][c["indicator"]]
        before = reg.figure(f"{c['id']}_b", earlier, label=f"{c['label']} ({wave})", source=SOURCE_TREND,
                            wave=wave, register=False)
        reg.comparison(c["id"], stats.compare_shares(current_wave(data, c["indicator"]), earlier),
                       label=c["label"], a=item_id, b=before, source=SOURCE_TREND, section=c["section"],
                       design="independent samples (two survey waves)")


def _comparisons(reg: Register, data: Data) -> None:
    for c in spec()["comparisons"]:
        kind = c["kind"]
        common = dict(label=c.get("label", ""), source=SOURCE_KLANTEN, section=c["section"])
        if kind == "groups":
            result = contrast(data, c["item"], c["by"], c["a"], c["b"])
            label = common.pop("label") or f"{ITEMS[c['item']].label}: {c['a_label']} tegen {c['b_label']}"
            reg.comparison(c["id"], result, label=label, a_label=c["a_label"], b_label=c["b_label"], **common,
                           design="independent samples (disjoint groups of one sample)")
        elif kind == "condition":
            result = conditional_contrast(data, c["item"], c["column"], c["a"])
            label = common.pop("label") or f"{ITEMS[c['item']].label}: {c['a_label']} tegen {c['b_label']}"
            reg.comparison(c["id"], result, label=label, a_label=c["a_label"], b_label=c["b_label"], **common,
                           design="independent samples (disjoint groups of one sample)")
        elif kind == "figures":
            ea, eb = estimates(data)[c["a"]], estimates(data)[c["b"]]
            result = stats.compare_means(ea, eb) if c["test"] == "means" else stats.compare_shares(ea, eb)
            reg.comparison(c["id"], result, a=c["a"], b=c["b"], **common,
                           design="independent samples (clients against klantmanagers' estimates)")
        else:
            raise ValueError(f"items.yml: comparison {c['id']}: unknown kind {kind!r} (groups, condition, figures)")


def _dgr(reg: Register, data: Data) -> None:
    better = worse = judged = differ = shown = 0
    for c in spec()["dgr"]:
        result = stats.compare_shares(estimates(data)[c["a"]], estimates(data)[c["b"]])
        cmp = reg.comparison(c["id"], result, label=c["label"], a=c["a"], b=c["b"], source=SOURCE_KLANTEN,
                             section="2.10",
                             design="independent samples (DGR sample against brede doelgroep)")
        shown += cmp.shown
        differ += bool(cmp.significant)
        if c["valence"] != "none" and cmp.shown:
            judged += 1
            good = (cmp.higher and c["valence"] == "positive") or (cmp.lower and c["valence"] == "negative")
            bad = (cmp.higher and c["valence"] == "negative") or (cmp.lower and c["valence"] == "positive")
            better, worse = better + good, worse + bad
    reg.count("dgr_verschillen", differ, shown, label="Punten waarop DGR'ers significant verschillen",
              source=SOURCE_KLANTEN, section="2.10")
    reg.count("dgr_positiever", better, judged, label="Oordelen waarover DGR'ers significant positiever zijn",
              source=SOURCE_KLANTEN, section="2.10")
    reg.count("dgr_negatiever", worse, judged, label="Oordelen waarover DGR'ers significant negatiever zijn",
              source=SOURCE_KLANTEN, section="2.10")


def _caseload(reg: Register, data: Data) -> None:
    cfg = spec()["caseload"]
    spoken = cfg["spoken"]
    small, large, result = km_spoken_by_caseload(data)
    reg.figure(spoken["a"]["id"], small, label=spoken["a"]["label"], source=SOURCE_KM, section=spoken["section"])
    reg.figure(spoken["b"]["id"], large, label=spoken["b"]["label"], source=SOURCE_KM, section=spoken["section"])
    reg.comparison(spoken["id"], result, a=spoken["a"]["id"], b=spoken["b"]["id"], source=SOURCE_KM,
                   section=spoken["section"], label="Klanten gesproken: kleine tegen grote caseload",
                   design="independent samples (klantmanagers below and at or above the threshold)")
    barrier = cfg["barrier"]
    reg.comparison(barrier["id"], km_caseload_barrier_by_size(data), a_label=barrier["a_label"],
                   b_label=barrier["b_label"], source=SOURCE_KM, section=barrier["section"],
                   label="Caseload als sterke belemmering: de meeste klanten tegen de andere klantmanagers",
                   design="independent samples (klantmanagers split by caseload)")


def _tabel_1(reg: Register, data: Data) -> None:
    t = tabel_1(data)
    reg.figure("tabel1_aantal_personen_bijstand", t["aantal"], n=t["aantal"], label="Personen met bijstand",
               source=SOURCE_BIJSTAND, section="2.3", figure="tabel_1")
    names = {"vrouwen": "tabel1_vrouwen", "mannen": "tabel1_mannen", "tot_27": "tabel1_jonger_dan_27",
             "27_tot_45": "tabel1_27_45_jaar", "45_plus": "tabel1_ouder_dan_45",
             "migratie": "tabel1_migratieachtergrond", "geen_migratie": "tabel1_geen_migratieachtergrond"}
    for key, kid in names.items():
        share, persons = t[key]
        reg.figure(kid, float(share), unit="share", n=persons, label=f"Bijstandspopulatie: {LABELS['tabel_1'][key]}",
                   source=SOURCE_BIJSTAND, section="2.3", figure="tabel_1")


def _rate_figure(reg: Register, fid: str, row: pd.Series, label: str) -> tuple[Figure, Estimate]:
    """A register share as a figure (n = persons with a start, the cell disclosure control
    counts) and as an estimate on the group's size for the test."""
    fig = reg.figure(fid, float(row["aandeel"]), unit="share", n=int(row["met_start"]), label=label,
                     source=SOURCE_PERSONEN, register=False)
    return fig, Estimate.from_aggregate(float(row["aandeel"]), int(row["personen"]))


def _rate_row(rates: pd.DataFrame, voorziening: str, period: str, group) -> pd.Series:
    sel = rates[(rates["voorziening"] == voorziening) & (rates["periode"] == period) & (rates["groep"] == group)]
    if sel.empty:
        return pd.Series({"aandeel": np.nan, "met_start": 0, "personen": 0})
    return sel.iloc[0]


def _register(reg: Register, data: Data) -> None:
    periods = data.edition["periods"]
    totals = register_rates(data, None, list(spec()["tabel_2"]["voorzieningen"]), suppress=False)
    for v in spec()["tabel_2"]["voorzieningen"]:
        for period in PERIODS:
            row = _rate_row(totals, v, period, "totaal")
            reg.figure(f"tabel2_{v}_totaal_{period}", float(row["aandeel"]), unit="share", n=int(row["met_start"]),
                       label=f"{VOORZIENINGEN[v]}, {periods[period]['label']}", source=SOURCE_PERSONEN,
                       section="2.6", figure="tabel_2")
    cache: dict[str, pd.DataFrame] = {}

    def rates(by: str) -> pd.DataFrame:
        if by not in cache:
            cache[by] = register_rates(data, by, ["any", *VOORZIENINGEN], suppress=False)
        return cache[by]

    for c in spec()["register_comparisons"]:
        r = rates(c["by"])
        fa, ea = _rate_figure(reg, f"{c['id']}_a", _rate_row(r, c["voorziening"], "voor", c["a"]), c["a_label"])
        fb, eb = _rate_figure(reg, f"{c['id']}_b", _rate_row(r, c["voorziening"], "voor", c["b"]), c["b_label"])
        reg.comparison(c["id"], stats.compare_shares(ea, eb), a=fa, b=fb, source=SOURCE_PERSONEN, section="2.6",
                       label=f"Gestarte voorziening ({c['voorziening']}): {c['a_label']} tegen {c['b_label']}",
                       design="whole population (register); z-test on the group sizes")
    for c in spec()["register_changes"]:
        r = rates(c["by"])
        before, _ = _rate_figure(reg, f"{c['id']}_voor", _rate_row(r, c["voorziening"], "voor", c["group"]),
                                 f"{c['label']}, {periods['voor']['label']}")
        after, _ = _rate_figure(reg, f"{c['id']}_na", _rate_row(r, c["voorziening"], "na", c["group"]),
                                f"{c['label']}, {periods['na']['label']}")
        reg.change(c["id"], before, after, label=c["label"], source=SOURCE_PERSONEN, section="2.6")


def _count_figure(reg: Register, fid: str, value: int, label: str) -> Figure:
    return reg.figure(fid, int(value), n=int(value), label=label, source=SOURCE_STARTS, register=False)


def _starts(reg: Register, data: Data) -> None:
    """Figuur 3 (starts per provision, year after against year before the pandemic began) and
    the recovery (the months of params ``herstel``) as relative changes."""
    periods = data.edition["periods"]
    counts = {p: start_counts(data, _period_months(data, p).astype(str)) for p in PERIODS}
    down = 0
    for v, label in VOORZIENINGEN.items():
        chg = reg.change(f"chg_starts_{v}", _count_figure(reg, f"starts_{v}_voor", counts["voor"][v],
                                                          f"{label}, {periods['voor']['label']}"),
                         _count_figure(reg, f"starts_{v}_na", counts["na"][v], f"{label}, {periods['na']['label']}"),
                         label=label, source=SOURCE_STARTS, section="2.6")
        down += chg.direction == "down"
    reg.change("chg_starts_totaal",
               _count_figure(reg, "starts_voor", sum(counts["voor"].values()), periods["voor"]["label"]),
               _count_figure(reg, "starts_na", sum(counts["na"].values()), periods["na"]["label"]),
               label="Gestarte voorzieningen, alle soorten", source=SOURCE_STARTS, section="2.6")
    reg.count("starts_gedaald", down, len(VOORZIENINGEN), label="Soorten voorzieningen met minder starts",
              source=SOURCE_STARTS, section="2.6")

    months = recovery_months(data)
    recovered = {key: start_counts(data, index.astype(str)) for key, index in months.items()}
    below = 0
    for v, label in VOORZIENINGEN.items():
        chg = reg.change(f"chg_herstel_{v}", _count_figure(reg, f"herstel_{v}_voor", recovered["voor"][v], label),
                         _count_figure(reg, f"herstel_{v}_na", recovered["na"][v], label),
                         label=label, source=SOURCE_STARTS, section="2.6")
        below += chg.direction == "down"
    reg.count("herstel_onder_niveau", below, len(VOORZIENINGEN),
              label="Soorten voorzieningen met nog minder starts dan voor de crisis", source=SOURCE_STARTS,
              section="2.6")
    reg.change("chg_starts_herstel",
               _count_figure(reg, "starts_crisis", sum(recovered["crisis"].values()), "Starts, eerste crisismaanden"),
               _count_figure(reg, "starts_herstel", sum(recovered["na"].values()), "Starts, dezelfde maanden later"),
               label="Gestarte voorzieningen: herstel na de eerste crisismaanden", source=SOURCE_STARTS,
               section="2.6")

