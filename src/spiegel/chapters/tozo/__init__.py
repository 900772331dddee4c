"""Chapter 6, Tijdelijke overbruggingsregeling Zelfstandig Ondernemers (Tozo): every computation.

The notebook ``notebooks/06_tozo.ipynb`` holds the text (Markdown cells naming findings by id);
this package reads the sources, registers every result the text states in the chapter's findings
register (:func:`findings`) and builds the frames behind the table of the regulation's periods and
the chapter's figures (service judgements, information, making ends meet by hourly rate, the grade
distribution, the themes of the improvement suggestions).

What the chapter measures is data, beside this module: ``items.yml`` (items, grades, comparisons,
rankings, themes, labels), ``cited_<edition>.yml`` (figures from other studies: the 2020 survey
among gemeenten and the 2018 study of zzp'ers), ``synth.py`` + ``synth_*<edition>.yml`` (the
synthetic sources) and ``published_<edition>.yaml`` (the published figures the tests compare with).
Analysis choices are in params (``analysis: tozo:``).

The survey is weighted (``gewicht``). Two items of the same respondents are compared with the
cluster-robust test (respondent as cluster, weights kept); two groups of respondents with the
z-test on Kish's effective n; a survey share with a figure of another study with the z-test on
that study's n.

The open answers (column ``verbeterpunt``) are dropped when the data is read: the chapter only
counts the themes they were coded into (``thema_<code>``), so no answer can reach an output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from spiegel import fmt, sdc, stats
from spiegel.chapters.common import LIKERT_LABELS, LIKERT_ORDER, ChapterData, cited_figures, read_yaml, SpecError
from spiegel.findings import Figure, Register
from spiegel.fmt import grade  # noqa: F401 - the notebook's charts label with it
from spiegel.io import read_source
from spiegel.params import Edition, ParamsError
from spiegel.stats import Comparison, Estimate

CHAPTER = "tozo"
_FILE = "src/spiegel/chapters/tozo/items.yml"
#: The free-text column of the survey: never read into the chapter (only its coded themes).
FREE_TEXT = "verbeterpunt"


@cache
def spec() -> dict[str, Any]:
    """The parsed ``items.yml``."""
    return read_yaml(CHAPTER, "items.yml")


SOURCE, SOURCE_REGELINGEN = spec()["sources"]["klanten"], spec()["sources"]["regelingen"]
LABELS: dict[str, Any] = spec()["labels"]
THEMES: dict[str, str] = dict(spec()["themes"]["labels"])


def cited(edition: int) -> dict[str, dict[str, Any]]:
    """The figures the chapter takes from other studies in an edition (``cited_<edition>.yml``)."""
    return cited_figures(CHAPTER, edition)


def _codes(positive: Any, where: str) -> tuple[object, ...]:
    if isinstance(positive, str):
        known = spec()["codes"]
        if positive not in known:
            raise SpecError(f"{_FILE}: {where}: unknown code set {positive!r} (known: {', '.join(known)})")
        positive = known[positive]
    if not isinstance(positive, list) or not positive:
        raise SpecError(f"{_FILE}: {where}: positive must be a code-set name or a list of codes, got {positive!r}")
    return tuple(positive)


@dataclass(frozen=True)
class Item:
    """A weighted share: ``column`` answered ``positive`` among the respondents who answered it."""

    id: str
    label: str
    column: str
    positive: tuple[object, ...]
    section: str


def _items() -> dict[str, Item]:
    out: dict[str, Item] = {}
    for section, block in spec()["items"].items():
        for iid, raw in block.items():
            unknown = set(raw) - {"label", "column", "positive"}
            if unknown:
                raise SpecError(f"{_FILE}: items.{section}.{iid}: unknown keys {sorted(unknown)}")
            if iid in out:
                raise SpecError(f"{_FILE}: items: id {iid!r} appears twice")
            out[iid] = Item(iid, raw["label"], raw["column"], _codes(raw.get("positive"), f"items.{iid}"), str(section))
    return out


ITEMS: dict[str, Item] = _items()


def analysis(edition: Edition, key: str) -> Any:
    """One of the chapter's analysis choices (params ``analysis.tozo.<key>``)."""
    choices = edition.analysis(CHAPTER)
    if key not in choices:
        raise ParamsError(f"{edition.path.name}: analysis.tozo.{key} is missing (chapter 6 needs it)")
    return choices[key]


def grade_bound(edition: Edition, key: str) -> int:
    value = analysis(edition, key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10:
        raise ParamsError(f"{edition.path.name}: analysis.tozo.{key} must be a grade 1-10, got {value!r}")
    return value


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once; the survey without its free-text column."""

    edition: Edition
    klanten: pd.DataFrame
    regelingen: pd.DataFrame
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def with_klanten(self, klanten: pd.DataFrame) -> Data:
        """The same data with another survey frame: for tests that change answers."""
        return Data(self.edition, klanten.drop(columns=[FREE_TEXT], errors="ignore"), self.regelingen)


def load(edition: Edition) -> Data:
    """Read the survey (dropping the open answers at once) and the table of the periods."""
    klanten = read_source(edition, SOURCE).drop(columns=[FREE_TEXT], errors="ignore")
    return Data(edition=edition, klanten=klanten, regelingen=read_source(edition, SOURCE_REGELINGEN))


def _weights(frame: pd.DataFrame) -> pd.Series:
    return frame["gewicht"]


def estimate(data: Data, iid: str) -> Estimate:
    """The item's weighted share among the respondents who answered it."""
    key = ("estimate", iid)
    if key not in data._cache:
        item = ITEMS[iid]
        k = data.klanten
        data._cache[key] = stats.share(k[item.column], item.positive, _weights(k))
    return data._cache[key]


def _indicator(data: Data, iid: str) -> pd.Series:
    item = ITEMS[iid]
    values = data.klanten[item.column]
    return values.isin(item.positive).where(values.notna())


def grade_estimates(data: Data) -> dict[str, Estimate]:
    """The mean grade and the shares onvoldoende, voldoende and hoog (params bounds)."""
    k = data.klanten
    marks = pd.to_numeric(k[spec()["grades"]["column"]])
    pass_mark, high = grade_bound(data.edition, "voldoende_vanaf"), grade_bound(data.edition, "hoog_cijfer_vanaf")
    w = _weights(k)
    return {"mean": stats.mean(marks, w),
            "onvoldoende": stats.share(marks, lambda v: v < pass_mark, w),
            "voldoende": stats.share(marks, lambda v: v >= pass_mark, w),
            "hoog": stats.share(marks, lambda v: v >= high, w)}


def theme_estimates(data: Data) -> dict[str, Estimate]:
    """Per theme: the weighted share of the improvement suggestions that name it (base: the
    respondents who gave one); ``communicatie``: naming any of the communication themes."""
    k = data.klanten
    cols = {t: f"thema_{t}" for t in THEMES}
    answered = k[list(cols.values())].notna().any(axis=1)
    base = k[answered]
    out = {t: stats.share(base[c], ("ja",), _weights(base)) for t, c in cols.items()}
    group = [cols[t] for t in spec()["themes"]["communicatie"]]
    out["communicatie"] = stats.share(base[group].eq("ja").any(axis=1), None, _weights(base))
    return out


def high_rates(data: Data) -> tuple[str, ...]:
    """The hourly-rate codes that count as "hogere uurtarieven" (params ``analysis.tozo.uurtarief_hoog``)."""
    codes = analysis(data.edition, "uurtarief_hoog")
    known = set(LABELS["uurtarief"])
    if not isinstance(codes, list) or not codes or not set(codes) <= known:
        raise ParamsError(f"{data.edition.path.name}: analysis.tozo.uurtarief_hoog must be a list of codes of "
                          f"tozo_klanten.uurtarief ({', '.join(known)}), got {codes!r}")
    return tuple(codes)


# --------------------------------------------------------------------------- comparisons


def compare_paired(data: Data, a: str, b: str) -> Comparison:
    """Two items answered by the same respondents: cluster-robust z-test (respondent as cluster,
    weighted), on the respondents who answered both."""
    ya, yb = _indicator(data, a), _indicator(data, b)
    both = ya.notna() & yb.notna()
    k = data.klanten[both]
    return stats.compare_clustered(ya[both].astype(bool), yb[both].astype(bool), a_clusters=k["resp_id"],
                                   b_clusters=k["resp_id"], a_weights=k["gewicht"], b_weights=k["gewicht"],
                                   alpha=data.edition.alpha)


def compare_groups(data: Data, iid: str, split: str) -> Comparison:
    """One item between two groups of respondents (z-test on Kish's effective n)."""
    if split != "uurtarief":
        raise SpecError(f"{_FILE}: comparisons: unknown split {split!r} (known: uurtarief)")
    k = data.klanten
    high = k["uurtarief"].isin(high_rates(data))
    item = ITEMS[iid]
    ea = stats.share(k.loc[high, item.column], item.positive, k.loc[high, "gewicht"])
    eb = stats.share(k.loc[~high, item.column], item.positive, k.loc[~high, "gewicht"])
    return stats.compare_shares(ea, eb, alpha=data.edition.alpha)


def _cited_estimate(f: Mapping[str, Any]) -> Estimate | float | int:
    if f["unit"] == "share" and f.get("n"):
        return Estimate.from_aggregate(float(f["value"]), int(f["n"]))
    return f["value"]


# --------------------------------------------------------------------------- the register


def _register_counts(reg: Register, data: Data) -> None:
    k = data.klanten
    reg.figure("n_respondenten", len(k), n=len(k), label="Respondenten enquête Tozo-ontvangers", source=SOURCE,
               section="6.1")
    bases = {"n_hulpvragers": (k["verdere_hulp"] == "ja", "Respondenten die verdere financiële hulp zochten", "6.4"),
             "n_geen_hulpvragers": (k["verdere_hulp"] == "nee", "Respondenten die geen verdere hulp zochten", "6.4"),
             "n_behoefte_herorientatie": (k["behoefte_herorientatie"] == "ja",
                                          "Respondenten met behoefte aan heroriëntatie", "6.4"),
             "n_andere_inkomsten": (k["andere_inkomsten"] == "ja", "Respondenten met inkomsten naast de uitkering",
                                    "6.5"),
             "n_verbeterpunten": (k[[f"thema_{t}" for t in THEMES]].notna().any(axis=1),
                                  "Respondenten met een verbeterpunt", "6.5")}
    for fid, (mask, label, section) in bases.items():
        n = int(mask.sum())
        reg.figure(fid, n, n=n, label=label, source=SOURCE, section=section)
    received = [c for c in k.columns if re.fullmatch(r"tozo_[0-9]+", c) and (k[c] == "ja").any()]
    reg.figure("enquete_periodes", len(received), label="Tozo-periodes waarvan de enquête de ontvangers ondervroeg",
               source=SOURCE, section="6.1")
    r = data.regelingen
    tozo = r[r["periode"].str.startswith("tozo")]
    reg.count("aantal_tozo_periodes", len(tozo), len(r), label="Periodes van de Tozo (van alle periodes)",
              source=SOURCE_REGELINGEN, section="6.1")
    reg.count("periodes_partnertoets", int((tozo["partnerinkomenstoets"] == "ja").sum()), len(tozo),
              label="Tozo-periodes met een partnerinkomenstoets", source=SOURCE_REGELINGEN, section="6.1")
    reg.count("periodes_vermogenstoets", int((tozo["vermogenstoets"] == "ja").sum()), len(tozo),
              label="Tozo-periodes met een vermogenstoets", source=SOURCE_REGELINGEN, section="6.1")


def findings(data: Data) -> Register:
    """Every number and every result the chapter's text states, registered (see docs/findings.md)."""
    ed = data.edition
    reg = Register(CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha)
    _register_counts(reg, data)
    for iid, item in ITEMS.items():
        reg.figure(iid, estimate(data, iid), label=item.label, source=SOURCE, section=item.section)
    g, gs = grade_estimates(data), spec()["grades"]
    reg.figure(gs["mean"]["id"], g["mean"], unit="grade", label=gs["mean"]["label"], source=SOURCE,
               section=gs["section"])
    for key in ("onvoldoende", "voldoende", "hoog"):
        reg.figure(gs[key]["id"], g[key], label=gs[key]["label"], source=SOURCE, section=gs["section"])
    themes = theme_estimates(data)
    members = []
    for t, label in THEMES.items():
        members.append(reg.figure(f"thema_{t}", themes[t], label=label, source=SOURCE, section=spec()["themes"]["section"]))
    reg.figure("thema_communicatie", themes["communicatie"], label="Verbeterpunten over communiceren en informeren",
               source=SOURCE, section=spec()["themes"]["section"])
    reg.ranking("rank_themas", members, label="Thema's van de verbeterpunten", source=SOURCE,
                section=spec()["themes"]["section"])
    for fid, f in cited(ed.edition).items():
        reg.figure(fid, _cited_estimate(f), unit=f["unit"] if f["unit"] != "count" else None, label=f["label"],
                   source=f["document"], section=str(f["section"]), wave=f.get("year"))

    for section, block in spec()["comparisons"].items():
        for cid, c in block.items():
            kind = c.get("kind")
            if kind == "paired":
                result = compare_paired(data, c["a"], c["b"])
                reg.comparison(cid, result, a=c["a"], b=c["b"], label=f"{ITEMS[c['a']].label} / {ITEMS[c['b']].label}",
                               source=SOURCE, section=str(section), design=stats.CLUSTERED)
            elif kind == "groups":
                result = compare_groups(data, c["item"], c["split"])
                reg.comparison(cid, result, label=ITEMS[c["item"]].label, a_label=c["a_label"], b_label=c["b_label"],
                               source=SOURCE, section=str(section), design=stats.INDEPENDENT)
            elif kind == "cited":
                other = cited(ed.edition).get(c["cited"])
                if other is None or not other.get("n"):
                    raise SpecError(f"{_FILE}: comparisons.{cid}: {c['cited']!r} is no share with n in "
                                    f"cited_{ed.edition}.yml")
                base = reg[c["item"]]
                mine = base.estimate() if isinstance(base, Figure) and not base.suppressed else None
                ea = mine if mine is not None else Estimate(float("nan"), float("nan"), float("nan"), 0, 0.0)
                result = stats.compare_shares(ea, _cited_estimate(other), alpha=ed.alpha)
                reg.comparison(cid, result, a=c["item"], b=c["cited"], label=f"{base.label} / {other['label']}",
                               source=SOURCE, section=str(section), design=stats.INDEPENDENT)
            else:
                raise SpecError(f"{_FILE}: comparisons.{cid}: kind must be paired, groups or cited, got {kind!r}")

    for section, block in spec()["rankings"].items():
        for rid, members_ in block.items():
            figs = []
            for iid, short in members_.items():
                base = reg[iid]
                if not isinstance(base, Figure):
                    raise SpecError(f"{_FILE}: rankings.{rid}: {iid!r} is not a figure")
                figs.append(replace(base, id=f"{rid}_{iid}", label=short))
            reg.ranking(rid, figs, label=rid, source=SOURCE, section=str(section))
    return reg


# --------------------------------------------------------------------------- table and figures


def tabel_regelingen(data: Data) -> pd.DataFrame:
    """The periods of the regulation as printed: name, from, to (months in words), the tests."""
    lab = LABELS["regelingen"]
    r = data.regelingen
    codes = lab["codes"]
    return pd.DataFrame({lab["periode"]: r["label"], lab["van"]: r["van"].map(fmt.month),
                         lab["tot"]: r["tot"].map(fmt.month),
                         lab["partnerinkomenstoets"]: r["partnerinkomenstoets"].map(codes),
                         lab["vermogenstoets"]: r["vermogenstoets"].map(codes)})


def _statements(ids: list[str]) -> dict[str, str]:
    return {ITEMS[i].column: ITEMS[i].label for i in ids}


def _likert(data: Data, ids: list[str]) -> pd.DataFrame:
    dist = stats.answer_distribution(data.klanten, _statements(ids), "gewicht", order=list(LIKERT_ORDER),
                                     labels=dict(LIKERT_LABELS))
    return sdc.suppress(dist, n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def figuur_dienstverlening(data: Data) -> pd.DataFrame:
    """The judgements of the service: the answer distribution per statement (weighted)."""
    return _likert(data, spec()["dienstverlening"])


def figuur_informatie(data: Data) -> pd.DataFrame:
    """Information and communication: the answer distribution per statement (weighted)."""
    return _likert(data, spec()["informatie"])


def statement_labels(name: str) -> list[str]:
    """The statements of a Likert figure (items.yml ``dienstverlening`` or ``informatie``), in order."""
    return [ITEMS[i].label for i in spec()[name]]


def likert_labels() -> list[str]:
    """The answer labels of the Likert figures, in display order."""
    return [LIKERT_LABELS[c] for c in LIKERT_ORDER]


def figuur_rondkomen(data: Data) -> pd.DataFrame:
    """Making ends meet per hourly rate (weighted answer distribution per rate, long)."""
    k = data.klanten
    rows = []
    for code, label in LABELS["uurtarief"].items():
        part = k[k["uurtarief"] == code]
        answers = part["rondkomen"]
        for answer, answer_label in LABELS["rondkomen"].items():
            est = stats.share(answers, (answer,), part["gewicht"])
            rows.append({"stelling": label, "antwoord": answer_label, "aandeel": est.value, "n": est.n})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def rondkomen_labels() -> list[str]:
    return list(LABELS["rondkomen"].values())


def uurtarief_labels() -> list[str]:
    return list(LABELS["uurtarief"].values())


def figuur_cijfer(data: Data) -> pd.DataFrame:
    """The distribution of the overall grade (weighted share per grade 1-10)."""
    k = data.klanten
    marks = pd.to_numeric(k[spec()["grades"]["column"]])
    rows = []
    for mark in range(1, 11):
        est = stats.share(marks, (mark,), k["gewicht"])
        rows.append({"cijfer": str(mark), "aandeel": est.value, "n": int(marks.notna().sum())})
    frame = pd.DataFrame(rows)
    frame["n_cel"] = [int((marks == m).sum()) for m in range(1, 11)]
    # A grade given by fewer respondents than the threshold is suppressed like any survey cell.
    out = sdc.suppress(frame, n_col="n_cel", threshold=data.threshold, value_cols=("aandeel",))
    return out.drop(columns=["n_cel"])


def onvoldoende_grades(data: Data) -> list[str]:
    """The grades below the pass mark (highlighted in the figure)."""
    return [str(m) for m in range(1, grade_bound(data.edition, "voldoende_vanaf"))]


def figuur_verbeterpunten(data: Data) -> pd.DataFrame:
    """The themes of the improvement suggestions: the share of the suggestions naming each,
    from the most named down."""
    est = theme_estimates(data)
    rows = [{"thema": THEMES[t], "aandeel": est[t].value, "n": est[t].n} for t in THEMES]
    frame = pd.DataFrame(rows).sort_values("aandeel", ascending=False, kind="stable").reset_index(drop=True)
    return sdc.suppress(frame, n_col="n", threshold=data.threshold, value_cols=("aandeel",))


def n_note(frame: pd.DataFrame) -> int:
    """The largest n of a figure frame (for tests)."""
    return int(np.nanmax(frame["n"]))
