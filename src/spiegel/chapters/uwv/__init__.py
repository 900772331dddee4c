"""Chapter 3, re-integratieondersteuning UWV: every computation behind the chapter.

The notebook ``notebooks/03_uwv.ipynb`` tells the story in Markdown; this package computes what
it states and registers it in the chapter's findings register (:func:`findings`): client shares
(weighted, by regeling), staff shares and report marks (by client group in the caseload), the
WGA client figures from other studies, the figures cited from other documents, every comparison
the text makes (each with the test that fits its design), the rankings behind "het vaakst" and
"de grootste", and the aggregated frames behind Tabel 3-4 and Figuur 8-14.

What the chapter measures is data, beside this module: ``items.yml`` (items, comparisons,
contrasts, rankings, labels), ``cited_<edition>.yml`` (figures from other documents),
``synth.py`` + ``synth_<edition>.yml`` (the synthetic sources and their calibration) and
``published_<edition>.yaml`` (the published figures the tests compare with). Analysis choices
are in params (``analysis: uwv:``).

Designs. Staff answer questions per client group in their caseload, so groups of staff overlap:
comparisons between client groups on staff answers are cluster-robust with the staff member as
cluster, or McNemar's test when both items are answered by exactly the same staff; a share pooled
over several answers per person gets a cluster-robust interval (its n counts persons); a contrast
between two kinds of staff counts every person once, on one side (:func:`staff_contrast`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

import spiegel.synth  # noqa: F401 - first: it imports this chapter's synth module (a direct import would cycle)
from spiegel import fmt, sdc, stats
from spiegel.chapters.common import ChapterData, cited_figures, read_yaml, SpecError
from spiegel.findings import Figure, Register
from spiegel.fmt import grade  # noqa: F401 - the notebook's chart of report marks labels with it
from spiegel.io import read_source
from spiegel.params import Edition, ParamsError
from spiegel.stats import Comparison, Estimate

CHAPTER = "uwv"
_FILE = "src/spiegel/chapters/uwv/items.yml"


# --------------------------------------------------------------------------- the definitions


@cache
def spec() -> dict[str, Any]:
    """The parsed ``items.yml``."""
    return read_yaml(CHAPTER, "items.yml")


SOURCES: dict[str, str] = spec()["sources"]
SOURCE_KLANTEN, SOURCE_MDW = SOURCES["klanten"], SOURCES["medewerkers"]
SOURCE_EXTERN, SOURCE_POP = "uwv_wga_extern", "uwv_populatie"
GROUPS: tuple[str, ...] = tuple(spec()["groups"])
GROUP_LABELS: dict[str, str] = dict(spec()["groups"])
LABELS: dict[str, Any] = spec()["labels"]
ID_COLUMN = {SOURCE_KLANTEN: "resp_id", SOURCE_MDW: "mdw_id"}


def codes(positive: Any, where: str) -> tuple[object, ...] | Callable[[pd.Series], pd.Series] | None:
    """The answer codes (or the test) that count as positive: a code-set name of items.yml, a
    list of codes, or None (means and marks)."""
    if positive is None:
        return None
    if isinstance(positive, str):
        known = spec()["codes"]
        if positive not in known:
            raise SpecError(f"{_FILE}: {where}: unknown code set {positive!r} (known: {', '.join(known)})")
        positive = known[positive]
    if isinstance(positive, Mapping):
        if set(positive) != {"below"}:
            raise SpecError(f"{_FILE}: {where}: a code-set mapping must be {{below: <mark>}}, got {positive!r}")
        bound = float(positive["below"])
        return lambda values: pd.to_numeric(values) < bound
    if not isinstance(positive, list) or not positive:
        raise SpecError(f"{_FILE}: {where}: positive must be a code-set name or a list of codes, got {positive!r}")
    return tuple(positive)


@dataclass(frozen=True)
class Item:
    """One share (or mean) of the chapter: ``columns`` answered ``positive`` among the rows that
    meet ``where``. Several columns are pooled: every answer counts once (a staff statement over
    the client groups in the caseload), with a cluster-robust interval."""

    id: str
    label: str
    source: str
    columns: tuple[str, ...]
    positive: Any
    kind: str = "share"  # "share", "mean" or "grade"
    where: tuple[tuple[str, tuple[object, ...]], ...] = ()
    section: str = ""

    @property
    def pooled(self) -> bool:
        return len(self.columns) > 1


_ITEM_KEYS = {"label", "source", "column", "columns", "positive", "kind", "where"}


def _item(iid: str, section: str, raw: Mapping[str, Any]) -> Item:
    where = f"items.{section}.{iid}"
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        raise SpecError(f"{_FILE}: {where}: unknown keys {sorted(unknown)} (allowed: {', '.join(sorted(_ITEM_KEYS))})")
    if raw.get("source") not in SOURCES:
        raise SpecError(f"{_FILE}: {where}: source must be one of {', '.join(SOURCES)}, got {raw.get('source')!r}")
    if ("column" in raw) == ("columns" in raw):
        raise SpecError(f"{_FILE}: {where}: give exactly one of column or columns")
    kind = raw.get("kind", "share")
    if kind not in ("share", "mean", "grade"):
        raise SpecError(f"{_FILE}: {where}: kind must be share, mean or grade, got {kind!r}")
    if (kind == "share") != (raw.get("positive") is not None):
        raise SpecError(f"{_FILE}: {where}: a share needs positive codes, a mean or grade has none")
    columns = (raw["column"],) if "column" in raw else tuple(raw["columns"])
    conditions = tuple((col, tuple(v if isinstance(v, list) else [v])) for col, v in (raw.get("where") or {}).items())
    return Item(iid, raw["label"], SOURCES[raw["source"]], columns, codes(raw.get("positive"), where), kind,
                conditions, section)


def _by_section(key: str) -> dict[str, tuple[str, Any]]:
    """``{id: (section, definition)}`` of a section-grouped block of items.yml."""
    out: dict[str, tuple[str, Any]] = {}
    for section, block in (spec().get(key) or {}).items():
        for fid, definition in (block or {}).items():
            if fid in out:
                raise SpecError(f"{_FILE}: {key}: id {fid!r} appears twice")
            out[fid] = (str(section), definition)
    return out


ITEMS: dict[str, Item] = {iid: _item(iid, sec, raw) for iid, (sec, raw) in _by_section("items").items()}


def cited(edition: int) -> dict[str, dict[str, Any]]:
    """The figures the chapter cites from other documents in an edition (``cited_<edition>.yml``)."""
    return cited_figures(CHAPTER, edition)


def caseload_threshold(edition: Edition) -> int:
    """Staff with more clients than this have a "relatief grote caseload" (params
    ``analysis.uwv.caseload_threshold``)."""
    value = edition.analysis(CHAPTER).get("caseload_threshold")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ParamsError(f"{edition.path.name}: analysis.uwv.caseload_threshold must be a positive whole number "
                          f"(clients per staff member), got {value!r}")
    return value


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data(ChapterData):
    """The chapter's sources, read once."""

    edition: Edition
    klanten: pd.DataFrame
    mdw: pd.DataFrame
    extern: pd.DataFrame
    populatie: pd.DataFrame
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)


def load(edition: Edition) -> Data:
    """Read every source of the chapter."""
    return Data(edition=edition, klanten=read_source(edition, SOURCE_KLANTEN),
                mdw=read_source(edition, SOURCE_MDW), extern=read_source(edition, SOURCE_EXTERN),
                populatie=read_source(edition, SOURCE_POP))


def _frame(data: Data, source: str) -> pd.DataFrame:
    return data.klanten if source == SOURCE_KLANTEN else data.mdw


def _rows(data: Data, item: Item) -> pd.DataFrame:
    """The rows (and only the columns) the item needs: its base (``where``) and answers."""
    frame = _frame(data, item.source)
    mask = np.ones(len(frame), dtype=bool)
    for column, accepted in item.where:
        mask &= frame[column].isin(accepted).to_numpy()
    needed = [ID_COLUMN[item.source], *item.columns, *(["gewicht"] if "gewicht" in frame else [])]
    return frame.loc[mask, list(dict.fromkeys(needed))]


def indicator(values: pd.Series, positive: Any) -> pd.Series:
    """True/False for the valid answers, None where there is no answer."""
    valid = values.notna().to_numpy()
    out = np.full(len(values), None, dtype=object)
    if valid.any():
        hit = positive(values[valid]) if callable(positive) else values[valid].isin(positive)
        out[valid] = np.asarray(hit, dtype=bool)
    return pd.Series(out, index=values.index, dtype=object)


def answers(data: Data, item: Item) -> pd.DataFrame:
    """The item's valid answers, one row per answer: respondent id, ``y`` (True/False for a share,
    the number for a mean or mark) and weight (1 for staff)."""
    key = ("answers", item.id)
    if key not in data._cache:
        frame = _rows(data, item)
        parts = []
        for column in item.columns:
            values = frame[column]
            y = pd.to_numeric(values).astype(float) if item.kind != "share" else indicator(values, item.positive)
            parts.append(pd.DataFrame({"id": frame[ID_COLUMN[item.source]].to_numpy(), "y": y.to_numpy(),
                                       "w": frame["gewicht"].to_numpy() if "gewicht" in frame else 1.0}))
        long = pd.concat(parts, ignore_index=True)
        data._cache[key] = long[long["y"].notna()].reset_index(drop=True)
    return data._cache[key]


def _weights(item: Item, long: pd.DataFrame) -> pd.Series | None:
    return long["w"] if item.source == SOURCE_KLANTEN else None


def estimate(data: Data, item: Item) -> Estimate:
    """The item's weighted (clients) or unweighted (staff) share, or mean; pooled items get a
    cluster-robust interval (respondents as clusters) and n = respondents."""
    key = ("estimate", item.id)
    if key not in data._cache:
        long = answers(data, item)
        w = _weights(item, long)
        if item.kind == "share":
            est = (stats.clustered_share(long["y"], long["id"], None, w) if item.pooled
                   else stats.share(long["y"], None, w))
        else:
            est = stats.clustered_mean(long["y"], long["id"], w) if item.pooled else stats.mean(long["y"], w)
        data._cache[key] = est
    return data._cache[key]


def extern(data: Data, indicator_id: str) -> Estimate:
    """A WGA client figure from another study, as an estimate (share + n)."""
    rows = data.extern.set_index("indicator")
    if indicator_id not in rows.index:
        raise SpecError(f"{_FILE}: extern: indicator {indicator_id!r} is not in source {SOURCE_EXTERN}")
    row = rows.loc[indicator_id]
    return Estimate.from_aggregate(float(row["waarde"]), int(row["n"]))


# --------------------------------------------------------------------------- comparisons


def compare_items(data: Data, a: str, b: str) -> tuple[Comparison, str]:
    """Test item ``a`` against item ``b`` with the test the design calls for; returns the result
    and its design (:data:`spiegel.stats.INDEPENDENT`, :data:`~spiegel.stats.PAIRED` or
    :data:`~spiegel.stats.CLUSTERED`).

    Different respondents (other source, or no respondent in common and one answer each): the
    two-sample z-test (shares, on Kish's effective n) or Welch's t-test (means). Exactly the same
    respondents, one answer each, shares: McNemar's test. Otherwise (respondents on both sides,
    or several answers per respondent): the cluster-robust test with the respondent as cluster."""
    ia, ib = ITEMS[a], ITEMS[b]
    ea, eb = estimate(data, ia), estimate(data, ib)
    kind = "mean" if ia.kind != "share" else "share"
    if (ia.kind == "share") != (ib.kind == "share"):
        raise SpecError(f"{_FILE}: comparison of {a!r} with {b!r}: a share cannot be compared with a mean")

    def independent() -> tuple[Comparison, str]:
        test = stats.compare_means if kind == "mean" else stats.compare_shares
        return test(ea, eb, alpha=data.edition.alpha), stats.INDEPENDENT

    if ia.source != ib.source:
        return independent()
    la, lb = answers(data, ia), answers(data, ib)
    shared = set(la["id"]) & set(lb["id"])
    pooled = la["id"].duplicated().any() or lb["id"].duplicated().any()
    if not shared and not pooled:
        return independent()
    if kind == "share" and not pooled and set(la["id"]) == set(lb["id"]):
        ya, yb = la.set_index("id")["y"], lb.set_index("id")["y"].reindex(la["id"])
        return stats.compare_paired_shares(ya, yb, None, alpha=data.edition.alpha), stats.PAIRED
    wa, wb = _weights(ia, la), _weights(ib, lb)
    return stats.compare_clustered(la["y"], lb["y"], a_clusters=la["id"], b_clusters=lb["id"], kind=kind,
                                   a_weights=wa, b_weights=wb, alpha=data.edition.alpha), stats.CLUSTERED


def _person_level(staff: pd.DataFrame, column: str, positive: Any, groups: tuple[str, ...]) -> pd.Series:
    """One value per staff member: for a per-group question positive when positive for at least
    one of ``groups`` in the person's caseload (no answer for any: None); else the answer."""
    per_group = [g for g in groups if f"{column}_{g}" in staff]
    if not per_group:
        return indicator(staff[column], positive)
    hits = pd.DataFrame({g: indicator(staff[f"{column}_{g}"].where(staff[f"caseload_{g}"] == "ja"), positive)
                         for g in per_group})
    valid = hits.notna().any(axis=1)
    out = pd.Series(None, index=staff.index, dtype=object)
    out[valid] = hits[valid].apply(lambda row: bool(any(v is True for v in row)), axis=1)
    return out


def staff_split(data: Data, split: str, groups: tuple[str, ...]) -> tuple[pd.DataFrame, pd.Series]:
    """The staff with one of ``groups`` in their caseload and the side each is on (True: a)."""
    mdw = data.mdw
    staff = mdw[mdw[[f"caseload_{g}" for g in groups]].eq("ja").any(axis=1)]
    if split == "caseload":
        side = staff["caseload"] > caseload_threshold(data.edition)
    elif split == "tijd":
        side = _person_level(staff, "bel_tijd", ("sterk", "enig"), groups).eq(True)
    else:
        raise SpecError(f"{_FILE}: staff_contrasts: split must be caseload or tijd, got {split!r}")
    return staff, side.astype(bool)


def staff_contrast(data: Data, split: str, groups: tuple[str, ...], column: str, positive: Any) -> Comparison:
    """Staff on side a of ``split`` against the rest, for the share ``positive`` in ``column``.
    Every staff member counts once, on one side (independent samples)."""
    staff, side = staff_split(data, split, groups)
    y = _person_level(staff, column, positive, groups)
    return stats.compare_shares(stats.share(y[side]), stats.share(y[~side]), alpha=data.edition.alpha)


def working_contrast(data: Data, regeling: str, column: str, positive: Any) -> Comparison:
    """Clients of one regeling: working next to the benefit against not working."""
    frame = data.klanten[data.klanten["regeling"] == regeling]
    work = frame["werkend"] == "ja"
    y = indicator(frame[column], positive)
    return stats.compare_shares(stats.share(y[work], None, frame.loc[work, "gewicht"]),
                                stats.share(y[~work], None, frame.loc[~work, "gewicht"]),
                                alpha=data.edition.alpha)


# --------------------------------------------------------------------------- Tabel 3


REGELINGEN: dict[str, str] = LABELS["regelingen"]
TABEL_3_AGES: dict[str, str] = LABELS["tabel_3"]["ages"]
TABEL_3_SHARES = ("man", "vrouw", *TABEL_3_AGES)


def tabel_3(data: Data) -> pd.DataFrame:
    """Tabel 3 as numbers: per regeling the total and the sex and age shares (exact counts)."""
    pop = data.populatie.set_index(["regeling", "kenmerk", "categorie"])["aantal"]
    rows = []
    for regeling, label in REGELINGEN.items():
        total = int(pop[(regeling, "totaal", "totaal")])
        row = {"code": regeling, "regeling": label, "totaal": total,
               "man": pop[(regeling, "geslacht", "man")] / total, "vrouw": pop[(regeling, "geslacht", "vrouw")] / total}
        row.update({age: pop[(regeling, "leeftijd", age)] / total for age in TABEL_3_AGES})
        rows.append(row)
    return pd.DataFrame(rows)


def tabel_3_display(data: Data) -> pd.DataFrame:
    """Tabel 3 as printed: totals with a thousands point, shares in whole percents."""
    t, lab = tabel_3(data), LABELS["tabel_3"]
    shown = pd.DataFrame({lab["regeling"]: t["regeling"], lab["totaal"]: t["totaal"].map(fmt.number),
                          lab["man"]: t["man"].map(fmt.pct), lab["vrouw"]: t["vrouw"].map(fmt.pct)})
    for age, label in TABEL_3_AGES.items():
        shown[label] = t[age].map(fmt.pct)
    return shown


# --------------------------------------------------------------------------- Tabel 4


TABEL_4: dict[str, Any] = spec()["tabel_4"]
TABEL_4_ROWS: dict[str, str] = {k: v["table"] for k, v in TABEL_4["rows"].items()}
TABEL_4_LEVELS: dict[str, str] = TABEL_4["levels"]


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
                TABEL_4["not_asked"] if n == 0 else (sdc.SUPPRESSED_MARK if n < data.threshold else fmt.pct(v))
                for v, n in zip(cells["aandeel"], cells["n"])]
    return pd.DataFrame(shown)


def barrier_strong(data: Data, row: str, groups: tuple[str, ...]) -> Estimate | None:
    """Share answering 'sterke mate' for a barrier of Tabel 4: for one group, or pooled over the
    groups (every answer counts; cluster-robust, n = staff). None when not asked of the groups."""
    cols = [f"{row}_{g}" for g in groups if f"{row}_{g}" in data.mdw]
    if not cols:
        return None
    if len(cols) == 1:
        return stats.share(data.mdw[cols[0]], ("sterk",))
    long = pd.concat([pd.DataFrame({"id": data.mdw["mdw_id"], "v": data.mdw[c]}) for c in cols], ignore_index=True)
    return stats.clustered_share(long["v"], long["id"], ("sterk",))


def group_n(data: Data) -> dict[str, int]:
    """Staff with each client group in their caseload."""
    return {g: int((data.mdw[f"caseload_{g}"] == "ja").sum()) for g in GROUPS}


# --------------------------------------------------------------------------- figure frames


def _rows_frame(rows: list[dict], threshold: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return sdc.suppress(frame, n_col="n", threshold=threshold, value_cols=("aandeel",))


KLANTEN, MEDEWERKERS = LABELS["klanten"], LABELS["medewerkers"]


def _est(data: Data, iid: str) -> Estimate:
    return estimate(data, ITEMS[iid])


def figuur_8(data: Data) -> pd.DataFrame:
    """Influence of the client: clients with agreements who had enough influence (WW, Wajong)
    and staff for whom the client's preferences are strongly decisive (WW, Wajong, WGA)."""
    rows = [("ww", KLANTEN, "invloed_ww_klant"), ("wajong", KLANTEN, "invloed_wajong_klant"),
            ("ww", MEDEWERKERS, "voorkeuren_sterk_ww_mdw"), ("wajong", MEDEWERKERS, "voorkeuren_sterk_wajong_mdw"),
            ("wga", MEDEWERKERS, "klantvoorkeuren_sterk_bepalend_wga_mdw")]
    return _rows_frame([{"regeling": GROUP_LABELS[g], "bron": bron, "aandeel": _est(data, i).value,
                         "n": _est(data, i).n} for g, bron, i in rows], data.threshold)


def figuur_9(data: Data) -> pd.DataFrame:
    """Mean mark for the collaboration with the werkgeversdienstverlening, per caseload group and in total."""
    rows = [{"groep": LABELS["staff_with_group"].format(group=GROUP_LABELS[g]),
             "cijfer": _est(data, f"cijfer_werkgeversdv_{g}").value, "n": _est(data, f"cijfer_werkgeversdv_{g}").n}
            for g in GROUPS]
    total = _est(data, "rapportcijfer_samenwerking_werkgeversdv")
    rows.append({"groep": LABELS["all_staff"], "cijfer": total.value, "n": total.n})
    return sdc.suppress(pd.DataFrame(rows), n_col="n", threshold=data.threshold, value_cols=("cijfer",))


def figuur_10(data: Data) -> pd.DataFrame:
    """Staff agreeing that clients are well informed and that UWV's letters are clear, per client group."""
    agree = codes("eens", "figuur_10")
    rows = []
    for item, label in LABELS["figuur_10"].items():
        for g in GROUPS:
            est = stats.share(data.mdw[f"{item}_{g}"], agree)
            rows.append({"stelling": label, "groep": GROUP_LABELS[g], "aandeel": est.value, "n": est.n})
    return _rows_frame(rows, data.threshold)


def figuur_11(data: Data) -> pd.DataFrame:
    """Staff with each kind of client in view to a fair or strong degree, per caseload group."""
    in_view = codes("in_beeld", "figuur_11")
    rows = []
    for item, label in LABELS["in_beeld"].items():
        for g in GROUPS:
            staff = data.mdw[data.mdw[f"caseload_{g}"] == "ja"]
            est = stats.share(staff[item], in_view)
            rows.append({"klantgroep": label, "groep": GROUP_LABELS[g], "aandeel": est.value, "n": est.n})
    return _rows_frame(rows, data.threshold)


KANS_GROUPS: dict[str, str] = LABELS["kans_groups"]


def figuur_12(data: Data) -> pd.DataFrame:
    """Help raises the chance of work: clients (WW kansrijk/kansarm, Wajong) against staff (per
    client group). WGA clients were not asked (not in the client survey)."""
    rows = []
    for key, label in KANS_GROUPS.items():
        client = f"klant_hulp_vergroot_kans_{key}"
        if client in ITEMS:
            rows.append({"klantgroep": label, "bron": KLANTEN, "aandeel": _est(data, client).value,
                         "n": _est(data, client).n})
        staff = _est(data, f"kans_werk_{key}_mdw")
        rows.append({"klantgroep": label, "bron": MEDEWERKERS, "aandeel": staff.value, "n": staff.n})
    return _rows_frame(rows, data.threshold)


def figuur_13(data: Data) -> pd.DataFrame:
    """Rights and duties are clear: clients (WW, Wajong; WGA from SEO) against staff per client group."""
    wga = extern(data, "rechten_plichten_duidelijk")
    ww, wj = _est(data, "rechten_plichten_duidelijk_ww"), _est(data, "rechten_plichten_duidelijk_wga_wajong")
    rows = [{"regeling": GROUP_LABELS["ww"], "bron": KLANTEN, "aandeel": ww.value, "n": ww.n},
            {"regeling": GROUP_LABELS["wajong"], "bron": KLANTEN, "aandeel": wj.value, "n": wj.n},
            {"regeling": GROUP_LABELS["wga"], "bron": KLANTEN, "aandeel": wga.value, "n": wga.n}]
    rows += [{"regeling": GROUP_LABELS[g], "bron": MEDEWERKERS, "aandeel": _est(data, f"rechten_plichten_{g}_mdw").value,
              "n": _est(data, f"rechten_plichten_{g}_mdw").n} for g in GROUPS]
    return _rows_frame(rows, data.threshold)


WERKDRUK: dict[str, str] = LABELS["werkdruk"]
WERKDRUK_ORDER: tuple[str, ...] = tuple(LABELS["werkdruk_levels"].values())


def figuur_14(data: Data) -> pd.DataFrame:
    """To what degree registration duties and the caseload cause work pressure (answer distribution)."""
    levels = LABELS["werkdruk_levels"]
    dist = stats.answer_distribution(data.mdw, WERKDRUK, order=list(levels), labels=levels)
    return sdc.suppress(dist, n_col="n", threshold=data.threshold, value_cols=("aandeel",))


# --------------------------------------------------------------------------- the register


def _register_counts(reg: Register, data: Data) -> None:
    k, m = data.klanten, data.mdw
    reg.figure("n_klanten", len(k), n=len(k), label="Respondenten klantenquête", source=SOURCE_KLANTEN, section="3.1")
    for r in ("ww", "wajong"):
        n = int((k["regeling"] == r).sum())
        reg.figure(f"n_klanten_{r}", n, n=n, label=f"Respondenten klantenquête: {GROUP_LABELS[r]}",
                   source=SOURCE_KLANTEN, section="3.1")
    reg.figure("n_medewerkers", len(m), n=len(m), label="Respondenten medewerkersenquête", source=SOURCE_MDW,
               section="3.1")
    for g, n in group_n(data).items():
        reg.figure(f"n_medewerkers_{g}", n, n=n, label=f"Medewerkers met {GROUP_LABELS[g]} in de caseload",
                   source=SOURCE_MDW, section="3.1")


def _register_tabel_3(reg: Register, data: Data) -> None:
    t = tabel_3(data).set_index("code")
    totals = []
    for code, label in REGELINGEN.items():
        totals.append(reg.figure(f"populatie_{code}", int(t.loc[code, "totaal"]), label=label, source=SOURCE_POP,
                                 figure="tabel_3", section="3.2"))
        for cat in TABEL_3_SHARES:
            reg.figure(f"aandeel_{cat}_{code}", float(t.loc[code, cat]), unit="share", label=label,
                       source=SOURCE_POP, figure="tabel_3", section="3.2")
    reg.ranking("rank_regelingen", totals, label="Regelingen naar aantal uitkeringen", source=SOURCE_POP,
                section="3.2")
    for cat in TABEL_3_SHARES:
        reg.ranking(f"rank_{cat}", [f"aandeel_{cat}_{code}" for code in REGELINGEN],
                    label=f"Regelingen naar aandeel {cat}", source=SOURCE_POP, section="3.2")


def _register_cited(reg: Register, data: Data) -> None:
    for fid, f in cited(data.edition.edition).items():
        reg.figure(fid, f["value"], unit=f["unit"], label=f["label"], source=f["document"], section=str(f["section"]),
                   wave=f.get("year"))


def _register_barriers(reg: Register, data: Data) -> None:
    """Rankings of the barriers of Tabel 4 by 'sterke mate': per client group and pooled."""
    rows = TABEL_4["rows"]
    for suffix, groups in [*((g, (g,)) for g in GROUPS), ("alle", GROUPS)]:
        members = []
        for row, names in rows.items():
            est = barrier_strong(data, row, groups)
            if est is not None:
                members.append(reg.figure(f"rank_belemmering_sterk_{suffix}_{row}", est, label=names["text"],
                                          source=SOURCE_MDW, register=False))
        label = "alle doelgroepen" if suffix == "alle" else GROUP_LABELS[suffix]
        reg.ranking(f"rank_belemmering_sterk_{suffix}", members, label=f"Belemmeringen naar sterke mate ({label})",
                    source=SOURCE_MDW, section="3.3.2")


def findings(data: Data) -> Register:
    """Every number and every result the chapter's text states, registered (see docs/findings.md)."""
    ed = data.edition
    reg = Register(CHAPTER, ed.edition, threshold=ed.disclosure_threshold, alpha=ed.alpha)
    _register_counts(reg, data)
    for iid, item in ITEMS.items():
        reg.figure(iid, estimate(data, item), label=item.label, source=item.source, section=item.section,
                   unit="grade" if item.kind == "grade" else None)
    rows = data.extern.set_index("indicator")
    for fid, (section, ind) in _by_section("extern").items():
        reg.figure(fid, extern(data, ind), label=f"WGA (ander onderzoek): {rows.loc[ind, 'omschrijving']}",
                   source=SOURCE_EXTERN, section=section)
    _register_tabel_3(reg, data)
    _register_cited(reg, data)
    for cid, (section, c) in _by_section("comparisons").items():
        for side in ("a", "b"):
            if c.get(side) not in ITEMS:
                raise SpecError(f"{_FILE}: comparisons.{section}.{cid}: {side} {c.get(side)!r} is not an item")
        result, design = compare_items(data, c["a"], c["b"])
        reg.comparison(cid, result, a=c["a"], b=c["b"], label=f"{ITEMS[c['a']].label} / {ITEMS[c['b']].label}",
                       source=ITEMS[c["a"]].source, section=section, design=design)
    for cid, (section, c) in _by_section("staff_contrasts").items():
        result = staff_contrast(data, c["split"], tuple(c["groups"]), c["column"],
                                codes(c["positive"], f"staff_contrasts.{cid}"))
        sides = spec()["splits"][c["split"]]
        reg.comparison(cid, result, label=c["label"], a_label=sides["a"], b_label=sides["b"], source=SOURCE_MDW,
                       section=section, design=stats.INDEPENDENT)
    for cid, (section, c) in _by_section("working_contrasts").items():
        result = working_contrast(data, c["regeling"], c["column"], codes(c["positive"], f"working_contrasts.{cid}"))
        sides = spec()["working"]
        reg.comparison(cid, result, label=c["label"], a_label=sides["a"], b_label=sides["b"], source=SOURCE_KLANTEN,
                       section=section, design=stats.INDEPENDENT)
    for rid, (section, members) in _by_section("rankings").items():
        figs = []
        for iid, short in members.items():
            base = reg[iid]
            if not isinstance(base, Figure):
                raise SpecError(f"{_FILE}: rankings.{section}.{rid}: {iid!r} is not a figure")
            figs.append(replace(base, id=f"{rid}_{iid}", label=short))
        reg.ranking(rid, figs, label=rid, source=figs[0].source, section=section)
    _register_barriers(reg, data)
    for iid in spec().get("bases") or ():
        base = reg[iid]
        if not isinstance(base, Figure):
            raise SpecError(f"{_FILE}: bases: {iid!r} is not a figure")
        n = None if base.suppressed else base.n  # a suppressed base stays suppressed (n below the threshold)
        reg.figure(f"n_{iid}", n if n is not None else 0, n=n if n is not None else 1, label=f"N: {base.label}",
                   source=base.source, section=base.section)
    return reg
