"""Chapter 4, regionale werkgeversdienstverlening: every result the chapter's text states.

The notebook ``notebooks/04_wsp.ipynb`` holds the text (Markdown cells naming findings by id);
this module reads the sources, registers every result in the findings register
(:func:`findings`) and builds the frames behind Tabel 5 and Figuur 15–22. What is counted is
data, in ``items.yml`` beside this module.

The units are the 35 arbeidsmarktregio's, so results are exact counts of regions (k of n), not
estimates: no weights, no confidence intervals, no significance tests (a full count), and no
disclosure threshold (regions are organisations, not persons). The readings chosen where the
2022 text is inconsistent are in ``docs/assumptions.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from spiegel import stats
from spiegel.chapters.common import LIKERT_LABELS, LIKERT_ORDER, ChapterData
from spiegel.findings import Count, Figure, Register
from spiegel.io import read_source
from spiegel.params import Edition

CHAPTER = "wsp"
ALL = "alle"  # base: every region in the file (otherwise: the regions that answered in full)


@cache
def spec() -> dict[str, Any]:
    """The chapter's item definitions (a parsed copy of ``items.yml``)."""
    return yaml.safe_load(resources.files(__name__).joinpath("items.yml").read_text("utf-8"))


def statements(name: str) -> dict[str, str]:
    """The statements of one stacked figure's set (column: label)."""
    return dict(spec()["statements"][name])


def scale(name: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Answer codes (display order) and labels of a scale of the stacked figures."""
    labels = dict(LIKERT_LABELS) if name == "likert" else dict(spec()["scales"][name])
    order = tuple(LIKERT_ORDER) if name == "likert" else tuple(labels)
    return order, labels


SOURCE, META = spec()["source"], spec()["meta_source"]


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once (``regios`` with the derived columns of items.yml)."""

    edition: Edition
    regios: pd.DataFrame
    meta: pd.DataFrame

    @property
    def survey(self) -> pd.DataFrame:
        """The regions that answered the survey in full (the report's base of 34)."""
        return self.regios[self.regios["enquete"] == "volledig"]

    def frame(self, base: str | None = None) -> pd.DataFrame:
        return self.regios if base == ALL else self.survey

    def with_regios(self, regios: pd.DataFrame) -> Data:
        """The same data with another region frame (derived columns recomputed): for tests
        that change answers and check that the text follows."""
        return Data(self.edition, derive(regios), self.meta)


def derive(regios: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns of items.yml (``number_of``: how many of some columns have one of
    some codes, per region; empty where all of them are empty)."""
    out = regios.copy()
    for name, rule in (spec().get("derived") or {}).items():
        cols = list(rule["number_of"])
        hits = out[cols].isin(list(rule["codes"])).sum(axis=1).astype("Int64")
        out[name] = hits.where(out[cols].notna().any(axis=1))
    return out


def load(edition: Edition) -> Data:
    """Read the region survey and the region metadata."""
    return Data(edition=edition, regios=derive(read_source(edition, SOURCE)), meta=read_source(edition, META))


# --------------------------------------------------------------------------- counting


def count(data: Data, column: str, codes, among: dict | None = None, base: str | None = None,
          missing: bool = False) -> tuple[int, int]:
    """(k, n): regions in the base answering ``column`` with one of ``codes`` (k) among those that
    answered it (n); with ``among`` only regions whose other columns have the given answers.
    ``missing``: k = regions in the base that left ``column`` empty, n = the base."""
    frame = data.frame(base)
    for col, values in (among or {}).items():
        frame = frame[frame[col].isin(list(values))]
    if missing:
        return int(frame[column].isna().sum()), len(frame)
    answered = frame[column].dropna()
    return int(answered.isin(list(codes)).sum()), int(answered.size)


def _codes(item: dict, edition: Edition) -> list:
    if "codes_from_params" in item:
        key = item["codes_from_params"]
        analysis = edition.analysis(CHAPTER)
        if key not in analysis:
            raise KeyError(f"items.yml item '{item['id']}' needs params `analysis: {CHAPTER}: {key}` "
                           f"in {edition.path.name}")
        return [analysis[key]]
    return list(item.get("codes") or [])


def statement_count_id(column: str, suffix: str) -> str:
    return f"{column}_{suffix}"


def figure_n(data: Data, columns, base: str | None = None) -> int:
    """The number of regions that answered (any of) ``columns``: the n of a table or figure."""
    return int(data.frame(base)[list(columns)].notna().any(axis=1).sum())


def mean_score(data: Data, column: str) -> tuple[float, int]:
    """Mean agreement with a statement (values of items.yml ``scores``; "weet niet" left out)
    and the number of regions it rests on."""
    scores = data.survey[column].map(spec()["scores"]["values"]).dropna()
    return float(scores.mean()), int(scores.size)


# --------------------------------------------------------------------------- the register


def findings(data: Data) -> Register:
    """Register every result the chapter's text states. Regions are organisations, not persons:
    the register has no disclosure threshold (a count of two regions is published as two)."""
    edition = data.edition
    # No tests (full counts) and no relative changes in this chapter; alpha is recorded as the edition's.
    reg = Register(CHAPTER, edition.edition, threshold=None, alpha=edition.alpha, tolerance=0.0)
    s = spec()

    fig = s["figures"]
    reg.figure("aantal_arbeidsmarktregios", len(data.meta), source=META, **fig["aantal_arbeidsmarktregios"])
    reg.figure("gemeenten_per_regio", float(data.meta["aantal_gemeenten"].mean()), unit="mean",
               n=len(data.meta), source=META, **fig["gemeenten_per_regio"])

    for item in s["counts"]:
        k, n = count(data, item["column"], _codes(item, edition), item.get("among"), item.get("base"),
                     bool(item.get("missing")))
        reg.count(item["id"], k, n, label=item["label"], source=SOURCE, section=item.get("section"))

    for group in s["statement_counts"]:
        for column, label in statements(group["statements"]).items():
            k, n = count(data, column, group["codes"])
            reg.count(statement_count_id(column, group["suffix"]), k, n, label=group["label"].format(statement=label),
                      source=SOURCE, section=group["section"])

    scores = s["scores"]
    for name in scores["statements"]:
        for column, label in statements(name).items():
            value, n = mean_score(data, column)
            reg.figure(f"{column}_score", value, unit="mean", n=n, label=scores["label"].format(statement=label),
                       source=SOURCE, section=scores["section"], figure=scores["figure"])

    oldest = data.survey["mbp_jaar"].dropna()
    reg.figure("marktbewerkingsplan_oudste", int(oldest.min()) if len(oldest) else 0, unit="count",
               n=len(oldest), source=SOURCE, **fig["marktbewerkingsplan_oudste"])

    for fid, rule in s["figure_n"].items():
        columns = rule.get("columns") or list(statements(rule["statements"]))
        reg.figure(fid, figure_n(data, columns, rule.get("base")), label=rule["label"], source=SOURCE,
                   figure=rule["figure"])

    for rank in s["rankings"]:
        reg.ranking(rank["id"], _ranking_items(reg, rank), label=rank["label"], source=SOURCE,
                    section=rank.get("section"))
    return reg


def _ranking_items(reg: Register, rank: dict) -> list[Figure]:
    """The figures a ranking orders: each a registered count, as a count figure with the label
    it has in a sentence."""
    if "items" in rank:
        labelled = dict(rank["items"])
    else:
        columns = statements(rank["statements"])
        if rank.get("only"):
            columns = {c: columns[c] for c in spec()[rank["only"]]}
        labelled = {statement_count_id(c, rank["suffix"]): label[:1].lower() + label[1:]
                    for c, label in columns.items()}
    out = []
    for cid, label in labelled.items():
        c = reg[cid]
        if not isinstance(c, Count):
            raise TypeError(f"items.yml ranking '{rank['id']}': '{cid}' is a {c.kind}, not a count")
        out.append(reg.figure(cid, c.k, unit="count", n=c.n, label=label, source=c.source,
                              section=c.section, register=False))
    return out


# --------------------------------------------------------------------------- tables and figures


def tabel_5(data: Data) -> pd.DataFrame:
    """Tabel 5 as counts: a row per implementation status plus Totaal, a column per requirement."""
    t5 = spec()["tabel_5"]
    rows = [{t5["stub"]: label, **{name: count(data, col, (code,))[0] for col, name in t5["columns"].items()}}
            for code, label in t5["rows"].items()]
    rows.append({t5["stub"]: t5["total"], **{name: count(data, col, list(t5["rows"]))[1] for col, name in t5["columns"].items()}})
    return pd.DataFrame(rows)


def tabel_5_display(data: Data) -> pd.DataFrame:
    """Tabel 5 as printed (counts as text)."""
    t = tabel_5(data)
    return t.astype({c: str for c in spec()["tabel_5"]["columns"].values()})


def bars(data: Data, figure: str) -> pd.DataFrame:
    """A bar figure (items.yml ``bars``): the number of regions per answer, in display order."""
    rule = spec()["bars"][figure]
    answers = data.frame(rule.get("base"))[rule["column"]].dropna()
    return pd.DataFrame({"categorie": list(rule["labels"].values()),
                         "aantal": [int((answers == code).sum()) for code in rule["labels"]]})


def stacked(data: Data, figure: str) -> pd.DataFrame:
    """A stacked figure (items.yml ``stacked``): per statement the share and number of regions
    per answer (long)."""
    rule = spec()["stacked"][figure]
    order, labels = scale(rule["scale"])
    dist = stats.answer_distribution(data.survey, statements(rule["statements"]), None, order=order, labels=labels)
    dist["aantal"] = (dist["aandeel"] * dist["n"]).round().astype(int)
    return dist


def scale_labels(figure: str) -> list[str]:
    """The answer labels of a stacked figure, in display order (the chart's legend)."""
    order, labels = scale(spec()["stacked"][figure]["scale"])
    return [labels[c] for c in order]


def statement_order(reg: Register, ranking: str) -> list[str]:
    """The statements of a ranking's figure in ranking order (chart labels, as in items.yml)."""
    rank = next(r for r in spec()["rankings"] if r["id"] == ranking)
    by_id = {statement_count_id(c, rank["suffix"]): label for c, label in statements(rank["statements"]).items()}
    return [by_id[f.id] for f in reg[ranking].items]


def figuur_15(data: Data) -> pd.DataFrame:
    return bars(data, "figuur_15")


def figuur_16(data: Data) -> pd.DataFrame:
    return stacked(data, "figuur_16")


def figuur_17(data: Data) -> pd.DataFrame:
    return stacked(data, "figuur_17")


def figuur_18(data: Data) -> pd.DataFrame:
    return stacked(data, "figuur_18")


def figuur_19(data: Data) -> pd.DataFrame:
    return stacked(data, "figuur_19")


def figuur_20(data: Data) -> pd.DataFrame:
    return bars(data, "figuur_20")


def figuur_21(data: Data) -> pd.DataFrame:
    return bars(data, "figuur_21")


def figuur_22(data: Data) -> pd.DataFrame:
    return bars(data, "figuur_22")
